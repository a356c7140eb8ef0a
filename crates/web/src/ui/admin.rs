//! Account administration for system administrators.

use crate::context::{ApiQuery, Ctx, PathParam, UiForm};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::ui::layout::{csrf_field, field_errors, notice, page, Section};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_domain::policy::{allows, Permission};
use mamori_domain::validation::FieldError;
use mamori_domain::{Principal, Role};
use mamori_store::accounts::NewAccount;
use mamori_store::{Actor, StoreError};
use maud::html;
use serde::Deserialize;

fn require_admin(ctx: &Ctx) -> AppResult<&Principal> {
    let p = ctx.principal()?;
    if allows(p, Permission::ManageAccounts) {
        Ok(p)
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Deserialize, Default)]
pub struct AdminQuery {
    notice: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct AccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    notice_key: Option<&str>,
    form: &AccountForm,
    errors: &[FieldError],
) -> AppResult<Response> {
    let l = ctx.lang;
    let accounts = state.store.list_accounts().await?;
    let body = html! {
        (notice(l, notice_key))
        table {
            thead { tr {
                th scope="col" { (t(l, "login.username")) } th scope="col" { (t(l, "field.display_name")) }
                th scope="col" { (t(l, "field.role")) } th scope="col" { (t(l, "field.organisation")) }
                th scope="col" { (t(l, "account.totp")) } th scope="col" { (t(l, "admin.state")) }
                th scope="col" { span.muted { (t(l, "common.actions")) } }
            } }
            tbody {
                @for a in &accounts {
                    tr {
                        td { (a.username) } td { (a.display_name) }
                        td { (t(l, &format!("role.{}", a.role.code()))) } td { (a.organisation) }
                        td { (t(l, if a.totp_enabled { "common.yes" } else { "common.no" })) }
                        td { (t(l, if a.disabled { "admin.disabled" } else { "admin.active" })) }
                        td {
                            @if a.username != ctx.principal.as_ref().map(|p| p.username.as_str()).unwrap_or("") {
                                form.inline method="post" action=(format!("/admin/accounts/{}/{}", a.username, if a.disabled { "enable" } else { "disable" })) {
                                    (csrf_field(ctx))
                                    button.secondary type="submit" { (t(l, if a.disabled { "admin.enable" } else { "admin.disable" })) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "admin.new_account")) }
        (field_errors(l, errors))
        form.stack method="post" action="/admin/accounts" {
            (csrf_field(ctx))
            label for="a-username" { (t(l, "login.username")) }
            input id="a-username" name="username" required value=(form.username) pattern="[a-z0-9._\\-]{3,64}";
            label for="a-display" { (t(l, "field.display_name")) }
            input id="a-display" name="display_name" required value=(form.display_name);
            label for="a-org" { (t(l, "admin.organisation_code")) }
            input id="a-org" name="organisation" required value=(form.organisation);
            label for="a-role" { (t(l, "field.role")) }
            select id="a-role" name="role" {
                @for r in Role::ALL { option value=(r.code()) selected[form.role == r.code()] { (t(l, &format!("role.{}", r.code()))) } }
            }
            label for="a-password" { (t(l, "login.password")) }
            input id="a-password" name="password" type="password" required minlength="12" autocomplete="new-password";
            button type="submit" { (t(l, "admin.create")) }
        }
    };
    let mut res = page(ctx, t(l, "nav.admin"), Section::Admin, body);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AdminQuery>,
) -> AppResult<Response> {
    require_admin(&ctx)?;
    render(
        &state,
        &ctx,
        q.notice.as_deref(),
        &AccountForm::default(),
        &[],
    )
    .await
}

pub async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(form): UiForm<AccountForm>,
) -> AppResult<Response> {
    let p = require_admin(&ctx)?;
    let Some(role) = Role::from_code(&form.role) else {
        return render(
            &state,
            &ctx,
            None,
            &form,
            &[FieldError::new("role", "invalid.unknown_code")],
        )
        .await;
    };
    let new = NewAccount {
        username: form.username.trim().to_string(),
        display_name: form.display_name.clone(),
        organisation_code: form.organisation.trim().to_string(),
        role,
        password: form.password.clone(),
    };
    match state.store.create_account(&Actor::from(p), &new).await {
        Ok(_) => Ok(Redirect::to("/admin/accounts?notice=notice.account_created").into_response()),
        Err(StoreError::Invalid(errors)) => render(&state, &ctx, None, &form, &errors).await,
        Err(StoreError::Conflict { field }) => {
            render(
                &state,
                &ctx,
                None,
                &form,
                &[FieldError::new(field, "invalid.taken")],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_disabled(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
    disabled: bool,
) -> AppResult<Response> {
    let p = require_admin(ctx)?;
    if p.username == username {
        return Err(AppError::Validation(vec![FieldError::new(
            "username",
            "invalid.self_disable",
        )]));
    }
    state
        .store
        .set_account_disabled(&Actor::from(p), username, disabled)
        .await?;
    let key = if disabled {
        "notice.account_disabled"
    } else {
        "notice.account_enabled"
    };
    Ok(Redirect::to(&format!("/admin/accounts?notice={key}")).into_response())
}

pub async fn disable_account(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(username): PathParam<String>,
) -> AppResult<Response> {
    set_disabled(&state, &ctx, &username, true).await
}

pub async fn enable_account(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(username): PathParam<String>,
) -> AppResult<Response> {
    set_disabled(&state, &ctx, &username, false).await
}
