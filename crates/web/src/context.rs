//! What every request carries: language, principal, CSRF token; and the middleware that
//! establishes it, enforces CSRF and second-factor enrolment, and renders errors.

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_domain::Principal;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "mamori_session";
pub const CSRF_COOKIE: &str = "mamori_csrf";
pub const LANG_COOKIE: &str = "mamori_lang";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Largest body accepted for file imports, and for everything else.
pub const MAX_IMPORT_BODY: usize = 5 * 1024 * 1024;
pub const MAX_BODY: usize = 256 * 1024;
/// Oversized bodies up to this size are read and dropped before the 413 is sent.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// The request's context, available to every handler.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub principal: Option<Principal>,
    pub csrf: String,
    pub session_token: Option<String>,
    pub client_ip: Option<IpAddr>,
    /// Path and query, for redirects back after sign-in.
    pub uri: String,
}

impl Ctx {
    pub fn principal(&self) -> AppResult<&Principal> {
        self.principal.as_ref().ok_or(AppError::Unauthenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal("request context missing".into()))
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

pub fn set_cookie(res: &mut Response, secure: bool, name: &str, value: &str, max_age: Option<i64>) {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || is_taxii(path)
}

fn is_taxii(path: &str) -> bool {
    path.starts_with("/taxii2/")
}

/// Paths an account that must enrol a second factor may still reach.
fn allowed_before_enrolment(path: &str) -> bool {
    path.starts_with("/account")
        || path == "/logout"
        || path == "/lang"
        || path.starts_with("/static/")
        || path == "/login"
}

/// Establishes the [`Ctx`], enforces CSRF and enrolment, and renders errors.
pub async fn request_context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let connect = req.extensions().get::<ConnectInfo<SocketAddr>>().cloned();
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let api = is_api(&path);
    let secure = state.config.cookie_secure
        || parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https");

    let lang = cookie(&parts.headers, LANG_COOKIE)
        .and_then(|c| Lang::from_code(&c))
        .or_else(|| {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Ja);

    let existing_csrf = cookie(&parts.headers, CSRF_COOKIE).filter(|c| c.len() == 64);
    let csrf = existing_csrf
        .clone()
        .unwrap_or_else(mamori_store::sessions::random_secret);

    let outcome = establish(
        &state,
        &mut parts,
        body,
        api,
        &path,
        existing_csrf.as_deref(),
    )
    .await;
    let (principal, session_token, body) = match outcome {
        Ok(v) => v,
        Err(e) => return render_error(&state, e, lang, api, None, &csrf, &parts.uri.to_string()),
    };

    let ctx = Ctx {
        lang,
        principal: principal.clone(),
        csrf: csrf.clone(),
        session_token,
        client_ip: connect.map(|c| c.0.ip()),
        uri: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| path.clone()),
    };

    if principal.as_ref().is_some_and(|p| p.must_enrol_totp) && !allowed_before_enrolment(&path) {
        let mut res = if api {
            AppError::TotpEnrolmentRequired.problem_response(lang)
        } else {
            Redirect::to("/account?enrol=1").into_response()
        };
        if existing_csrf.is_none() {
            set_cookie(&mut res, secure, CSRF_COOKIE, &csrf, None);
        }
        return res;
    }

    parts.extensions.insert(ctx.clone());
    let mut res = next.run(Request::from_parts(parts, body)).await;

    if let Some(err) = res.extensions_mut().remove::<AppError>() {
        res = render_error(&state, err, lang, api, Some(&ctx), &csrf, &ctx.uri);
    } else if res.status() == StatusCode::METHOD_NOT_ALLOWED {
        res = render_error(
            &state,
            AppError::MethodNotAllowed,
            lang,
            api,
            Some(&ctx),
            &csrf,
            &ctx.uri,
        );
    }
    if existing_csrf.is_none() {
        set_cookie(&mut res, secure, CSRF_COOKIE, &csrf, None);
    }
    res
}

type Established = (Option<Principal>, Option<String>, Body);

async fn establish(
    state: &AppState,
    parts: &mut Parts,
    body: Body,
    api: bool,
    path: &str,
    csrf_cookie: Option<&str>,
) -> AppResult<Established> {
    // Bearer tokens first: machine clients send no cookies.
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string());
    let mut session_token = None;
    let principal = if let Some(token) = &bearer {
        match state.store.token_principal(token).await? {
            Some(p) => Some(p),
            None => return Err(AppError::Unauthenticated),
        }
    } else if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
        let p = state.store.session_principal(&token).await?;
        if p.is_some() {
            session_token = Some(token);
        }
        p
    } else {
        None
    };

    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method {
        return Ok((principal, session_token, body));
    }

    let limit = if path.ends_with("/import") || is_taxii(path) {
        MAX_IMPORT_BODY
    } else {
        MAX_BODY
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = declared.filter(|n| *n > limit) {
        // Read (and drop) a moderately oversized body before answering, so that the client
        // sees the 413 instead of a connection reset in the middle of its upload.
        if n <= DRAIN_LIMIT {
            let _ = to_bytes(body, DRAIN_LIMIT).await;
        }
        return Err(AppError::PayloadTooLarge);
    }
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;

    // Cookie-authenticated and anonymous browser requests must prove they come from our own
    // pages; bearer-token requests carry no ambient credentials and need no such proof.
    let needs_csrf = bearer.is_none() && !(api && session_token.is_none());
    if needs_csrf {
        let from_header = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let from_query = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v)
        });
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let from_form = if is_form && !api {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|fields| {
                    fields
                        .into_iter()
                        .find(|(k, _)| k == CSRF_FIELD)
                        .map(|(_, v)| v)
                })
        } else {
            None
        };
        let given = from_form.or(from_header).or(from_query);
        let ok = match (csrf_cookie, given) {
            (Some(expected), Some(given)) => {
                constant_time_eq(expected.as_bytes(), given.as_bytes())
            }
            _ => false,
        };
        if !ok {
            return Err(AppError::CsrfRejected);
        }
    }
    Ok((principal, session_token, Body::from(bytes)))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn render_error(
    state: &AppState,
    err: AppError,
    lang: Lang,
    api: bool,
    ctx: Option<&Ctx>,
    csrf: &str,
    uri: &str,
) -> Response {
    if is_taxii(uri) {
        return err.taxii_response(lang);
    }
    if api {
        return err.problem_response(lang);
    }
    if matches!(err, AppError::Unauthenticated) {
        let next: String = serde_urlencoded::to_string([("next", uri)]).unwrap_or_default();
        return Redirect::to(&format!("/login?{next}")).into_response();
    }
    let fallback = Ctx {
        lang,
        principal: None,
        csrf: csrf.to_string(),
        session_token: None,
        client_ip: None,
        uri: uri.to_string(),
    };
    let ctx = ctx.unwrap_or(&fallback);
    let _ = state;
    let mut res = crate::ui::layout::error_page(ctx, &err);
    *res.status_mut() = err.status();
    if let AppError::RateLimited {
        retry_after_seconds,
    } = err
    {
        if let Ok(v) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    res
}

/// JSON body with our error mapping: 415 without `application/json`, 400 for malformed JSON
/// or a body of the wrong shape (unknown fields, wrong types), naming what serde found.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let v = v.split(';').next().unwrap_or("").trim();
                v == "application/json" || v.ends_with("+json")
            });
        if !json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = to_bytes(req.into_body(), MAX_IMPORT_BODY)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => AppError::bad_request_with_hint(
                "malformed_json",
                "error.malformed_json",
                e.to_string(),
            ),
            Category::Data => {
                AppError::bad_request_with_hint("invalid_body", "error.invalid_body", e.to_string())
            }
        }
    })
}

/// Query string with our error mapping.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(q).map(ApiQuery).map_err(|e| {
            AppError::bad_request_with_hint("invalid_query", "error.invalid_query", e.to_string())
        })
    }
}

/// An urlencoded form with our error mapping (the CSRF field is checked by the middleware and
/// ignored here).
pub struct UiForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for UiForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = to_bytes(req.into_body(), MAX_IMPORT_BODY)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(UiForm)
            .map_err(|e| {
                AppError::bad_request_with_hint("invalid_form", "error.invalid_form", e.to_string())
            })
    }
}

/// A path parameter; one that does not parse names nothing, so it is "not found".
pub struct PathParam<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParam<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParam(p.0))
            .map_err(|_| AppError::NotFound)
    }
}
