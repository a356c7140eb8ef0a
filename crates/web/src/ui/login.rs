//! Sign-in, sign-out and the language switch.

use crate::context::{set_cookie, ApiQuery, Ctx, UiForm, LANG_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};
use crate::ui::layout::{csrf_field, notice, page, Section};
use crate::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::accounts::LoginOutcome;
use maud::html;
use serde::Deserialize;

/// Only same-site paths, so that `next` cannot send a user elsewhere after sign-in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/login") =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
}

fn login_form(
    ctx: &Ctx,
    next: &str,
    username: &str,
    message: Option<&str>,
    ask_code: bool,
    notice_key: Option<&str>,
) -> Response {
    let l = ctx.lang;
    let body = html! {
        (notice(l, notice_key))
        @if let Some(m) = message { p.error role="alert" id="login-error" { (m) } }
        form.stack method="post" action="/login" {
            (csrf_field(ctx))
            input type="hidden" name="next" value=(next);
            label for="username" { (t(l, "login.username")) }
            input id="username" name="username" type="text" autocomplete="username" required value=(username) autofocus[!ask_code];
            label for="password" { (t(l, "login.password")) }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            label for="code" { (t(l, "login.code")) }
            input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autofocus[ask_code] aria-describedby="code-help";
            small.muted id="code-help" { (t(l, "login.code_help")) }
            button type="submit" id="sign-in" { (t(l, "login.submit")) }
        }
    };
    page(ctx, t(l, "login.title"), Section::None, body)
}

pub async fn show(ctx: Ctx, ApiQuery(q): ApiQuery<LoginQuery>) -> Response {
    if ctx.principal.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    login_form(
        &ctx,
        &safe_next(q.next.as_deref()),
        "",
        None,
        false,
        q.notice.as_deref(),
    )
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(form): UiForm<LoginForm>,
) -> AppResult<Response> {
    let l = ctx.lang;
    if let Err(wait) = state.limiter.attempt(ctx.client_ip) {
        return Err(AppError::RateLimited {
            retry_after_seconds: wait,
        });
    }
    let next = safe_next(form.next.as_deref());
    let username = form.username.trim().to_lowercase();
    if username.is_empty() || form.password.is_empty() {
        return Ok(login_form(
            &ctx,
            &next,
            &username,
            Some(t(l, "login.missing")),
            false,
            None,
        ));
    }
    let outcome = state
        .store
        .login(
            &username,
            &form.password,
            form.code.as_deref(),
            state.config.session_hours,
        )
        .await?;
    Ok(match outcome {
        LoginOutcome::Success { session_token, .. } => {
            let mut res = Redirect::to(&next).into_response();
            set_cookie(
                &mut res,
                state.config.cookie_secure,
                SESSION_COOKIE,
                &session_token,
                Some(state.config.session_hours * 3600),
            );
            res
        }
        LoginOutcome::Invalid => login_form(
            &ctx,
            &next,
            &username,
            Some(t(l, "login.invalid")),
            false,
            None,
        ),
        LoginOutcome::Locked { until } => {
            let minutes = ((until - chrono::Utc::now()).num_seconds().max(60) + 59) / 60;
            let msg = crate::i18n::tf(l, "login.locked", &[("minutes", &minutes.to_string())]);
            login_form(&ctx, &next, &username, Some(&msg), false, None)
        }
        LoginOutcome::TotpRequired => login_form(
            &ctx,
            &next,
            &username,
            Some(t(l, "login.code_required")),
            true,
            None,
        ),
    })
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    if let Some(token) = &ctx.session_token {
        state.store.logout(p, token).await?;
    }
    let mut res = Redirect::to("/login?notice=notice.signed_out").into_response();
    set_cookie(
        &mut res,
        state.config.cookie_secure,
        SESSION_COOKIE,
        "",
        Some(0),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn set_lang(
    State(state): State<AppState>,
    UiForm(form): UiForm<LangForm>,
) -> AppResult<Response> {
    let lang = Lang::from_code(&form.lang)
        .ok_or_else(|| AppError::bad_request("invalid_form", "error.invalid_form"))?;
    let next = match form.next.as_deref() {
        Some(n) if n.starts_with("/login") => n.to_string(),
        other => safe_next(other),
    };
    let mut res = Redirect::to(&next).into_response();
    set_cookie(
        &mut res,
        state.config.cookie_secure,
        LANG_COOKIE,
        lang.code(),
        Some(365 * 24 * 3600),
    );
    Ok(res)
}
