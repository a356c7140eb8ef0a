//! The signed-in user's own account: second factor and API tokens.

use crate::context::{ApiQuery, Ctx, PathParam, UiForm};
use crate::error::AppResult;
use crate::i18n::t;
use crate::ui::layout::{csrf_field, field_errors, notice, page, Section};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use mamori_domain::totp;
use mamori_domain::validation::FieldError;
use mamori_store::Actor;
use maud::{html, Markup};
use rand::RngCore;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    notice: Option<String>,
    enrol: Option<String>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    notice_key: Option<&str>,
    errors: &[FieldError],
    new_token: Option<&str>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let l = ctx.lang;
    let account = state.store.account_by_username(&p.username).await?;
    let tokens = state.store.list_tokens(p.account_id).await?;
    let mut secret = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let now = Utc::now();
    let totp_section: Markup = if account.totp_enabled {
        html! {
            p { (t(l, "account.totp_on")) }
            form.stack method="post" action="/account/totp/disable" {
                (csrf_field(ctx))
                label for="disable-code" { (t(l, "login.code")) }
                input id="disable-code" name="code" inputmode="numeric" autocomplete="one-time-code" required;
                button.danger type="submit" { (t(l, "account.totp_disable")) }
            }
        }
    } else {
        html! {
            p { (t(l, "account.totp_off")) }
            p { (t(l, "account.totp_secret")) } p { code.secret id="totp-secret" { (totp::encode_secret(&secret)) } }
            p.muted { (t(l, "account.totp_uri")) " " code { (totp::provisioning_uri(&secret, &p.username)) } }
            form.stack method="post" action="/account/totp" {
                (csrf_field(ctx))
                input type="hidden" name="secret" value=(totp::encode_secret(&secret));
                label for="enrol-code" { (t(l, "account.totp_confirm")) }
                input id="enrol-code" name="code" inputmode="numeric" autocomplete="one-time-code" required;
                button type="submit" id="enrol" { (t(l, "account.totp_enable")) }
            }
        }
    };
    let body = html! {
        (notice(l, notice_key))
        @if p.must_enrol_totp { p.error role="alert" { (t(l, "notice.enrol_required")) } }
        (field_errors(l, errors))
        dl.facts {
            dt { (t(l, "login.username")) } dd { (account.username) }
            dt { (t(l, "field.display_name")) } dd { (account.display_name) }
            dt { (t(l, "field.role")) } dd { (t(l, &format!("role.{}", account.role.code()))) }
            dt { (t(l, "field.organisation")) } dd { (if l == crate::i18n::Lang::Ja { &account.organisation_name_ja } else { &account.organisation_name_en }) }
        }
        h2 { (t(l, "account.totp")) }
        (totp_section)
        h2 { (t(l, "account.tokens")) }
        p.muted { (t(l, "account.tokens_explain")) }
        @if let Some(tok) = new_token {
            div.notice role="status" {
                p { (t(l, "account.token_once")) }
                p { code.secret id="new-token" { (tok) } }
            }
        }
        @if tokens.is_empty() { p.muted { (t(l, "account.no_tokens")) } } @else {
            table {
                thead { tr {
                    th scope="col" { (t(l, "field.name")) } th scope="col" { (t(l, "account.token_prefix")) }
                    th scope="col" { (t(l, "account.token_expires")) } th scope="col" { (t(l, "account.token_state")) }
                    th scope="col" { span.muted { (t(l, "common.actions")) } }
                } }
                tbody {
                    @for tk in &tokens {
                        tr {
                            td { (tk.name) } td { code { (tk.prefix) "…" } }
                            td { (tk.expires_at.format("%Y-%m-%d")) }
                            td {
                                @if tk.revoked_at.is_some() { (t(l, "account.token_revoked")) }
                                @else if tk.expires_at <= now { (t(l, "account.token_expired")) }
                                @else { (t(l, "account.token_active")) }
                            }
                            td {
                                @if tk.revoked_at.is_none() && tk.expires_at > now {
                                    form.inline method="post" action=(format!("/account/tokens/{}/revoke", tk.id)) {
                                        (csrf_field(ctx))
                                        button.danger type="submit" { (t(l, "account.token_revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.stack method="post" action="/account/tokens" {
            (csrf_field(ctx))
            label for="token-name" { (t(l, "field.name")) }
            input id="token-name" name="name" required maxlength="80";
            label for="token-days" { (t(l, "account.token_days")) }
            input id="token-days" name="days" type="number" min="1" max="365" value="90" required;
            button type="submit" id="create-token" { (t(l, "account.token_create")) }
        }
    };
    let mut res = page(ctx, t(l, "account.title"), Section::Account, body);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AccountQuery>,
) -> AppResult<Response> {
    let key = q
        .notice
        .as_deref()
        .or(q.enrol.as_ref().map(|_| "notice.enrol_required"));
    render(&state, &ctx, key, &[], None).await
}

#[derive(Deserialize, Default)]
pub struct TotpForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

pub async fn enrol_totp(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(form): UiForm<TotpForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let secret = totp::decode_secret(&form.secret).filter(|s| s.len() >= 16);
    let Some(secret) = secret else {
        return render(
            &state,
            &ctx,
            None,
            &[FieldError::new("secret", "invalid.totp_secret")],
            None,
        )
        .await;
    };
    if !totp::verify(&secret, &form.code, Utc::now().timestamp()) {
        return render(
            &state,
            &ctx,
            None,
            &[FieldError::new("code", "invalid.totp_code")],
            None,
        )
        .await;
    }
    state
        .store
        .set_totp_secret(
            &Actor::from(p),
            p.account_id,
            Some(&totp::encode_secret(&secret)),
        )
        .await?;
    Ok(Redirect::to("/account?notice=notice.totp_enabled").into_response())
}

pub async fn disable_totp(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(form): UiForm<TotpForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let account = state.store.account_by_username(&p.username).await?;
    if !account.totp_enabled {
        return Ok(Redirect::to("/account").into_response());
    }
    // Re-check the code so that an unattended session cannot strip the second factor.
    let ok = state.store.verify_totp(p.account_id, &form.code).await?;
    if !ok {
        return render(
            &state,
            &ctx,
            None,
            &[FieldError::new("code", "invalid.totp_code")],
            None,
        )
        .await;
    }
    state
        .store
        .set_totp_secret(&Actor::from(p), p.account_id, None)
        .await?;
    Ok(Redirect::to("/account?notice=notice.totp_disabled").into_response())
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(form): UiForm<TokenForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let days: i64 = match form.days.trim().parse() {
        Ok(d) if (1..=365).contains(&d) => d,
        _ => {
            return render(
                &state,
                &ctx,
                None,
                &[FieldError::new("days", "invalid.token_days")],
                None,
            )
            .await
        }
    };
    match state
        .store
        .create_token(
            &Actor::from(p),
            p.account_id,
            &form.name,
            Utc::now() + Duration::days(days),
        )
        .await
    {
        Ok((token, _)) => render(&state, &ctx, None, &[], Some(&token)).await,
        Err(mamori_store::StoreError::Invalid(errors)) => {
            render(&state, &ctx, None, &errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(token_id): PathParam<i64>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    state
        .store
        .revoke_token(&Actor::from(p), p.account_id, token_id)
        .await?;
    Ok(Redirect::to("/account?notice=notice.token_revoked").into_response())
}
