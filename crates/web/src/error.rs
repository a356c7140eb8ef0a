//! The one mapping from failures to HTTP.
//!
//! Handlers return [`AppError`]; its `IntoResponse` only records the error in the response's
//! extensions. The request middleware (`context::request_context`) then renders it in the
//! caller's language: RFC 9457 problem+json under `/api`, an HTML page elsewhere. Causes of
//! internal errors are logged, never shown.

use crate::i18n::{t, tf, Lang};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use mamori_domain::policy::Denied;
use mamori_domain::validation::FieldError;
use mamori_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A malformed request: `code` is stable, `detail` a message key.
    #[error("bad request: {code}")]
    BadRequest {
        code: &'static str,
        detail: String,
        /// Technical detail from a parser (e.g. serde's message), appended as is.
        hint: Option<String>,
    },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("not acceptable")]
    NotAcceptable,
    #[error("conflict on {field}")]
    Conflict { field: &'static str },
    /// What was asked for does not exist yet (feedback before acceptance, figures before any
    /// accepted answers); `detail` is a message key.
    #[error("not ready: {detail}")]
    NotReady { detail: &'static str },
    #[error("too many requests")]
    RateLimited { retry_after_seconds: u64 },
    #[error("CSRF token missing or wrong")]
    CsrfRejected,
    #[error("second factor enrolment required")]
    TotpEnrolmentRequired,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("service unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected | AppError::TotpEnrolmentRequired => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            AppError::Conflict { .. } | AppError::NotReady { .. } => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code, also the last segment of the problem `type`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest { code, .. } => code,
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::NotAcceptable => "not_acceptable",
            AppError::Conflict { .. } => "conflict",
            AppError::NotReady { .. } => "not_ready",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::CsrfRejected => "csrf_rejected",
            AppError::TotpEnrolmentRequired => "totp_enrolment_required",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// A human explanation in `lang`.
    pub fn detail(&self, lang: Lang) -> String {
        match self {
            AppError::BadRequest { detail, hint, .. } => match hint {
                Some(h) => format!("{} ({h})", t(lang, detail)),
                None => t(lang, detail).to_string(),
            },
            AppError::Conflict { field } => tf(
                lang,
                "error.conflict",
                &[("field", &field_label(lang, field))],
            ),
            AppError::NotReady { detail } => t(lang, detail).to_string(),
            AppError::RateLimited {
                retry_after_seconds,
            } => tf(
                lang,
                "error.rate_limited",
                &[("seconds", &retry_after_seconds.to_string())],
            ),
            other => t(lang, &format!("error.{}", other.code())).to_string(),
        }
    }

    pub fn bad_request(code: &'static str, detail: &str) -> AppError {
        AppError::BadRequest {
            code,
            detail: detail.to_string(),
            hint: None,
        }
    }

    pub fn bad_request_with_hint(code: &'static str, detail: &str, hint: String) -> AppError {
        AppError::BadRequest {
            code,
            detail: detail.to_string(),
            hint: Some(hint.chars().take(300).collect()),
        }
    }
}

/// The label of a field for messages: `field.<name>` in the catalogue, else the name.
pub fn field_label(lang: Lang, field: &str) -> String {
    let key = format!("field.{field}");
    let label = t(lang, &key);
    if label == key {
        field.to_string()
    } else {
        label.to_string()
    }
}

/// One field error, localised.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemFieldError {
    pub field: String,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
}

pub fn localise_field_error(lang: Lang, e: &FieldError) -> ProblemFieldError {
    // CSV row errors carry the row as "row:N:field".
    let (row, field) = match e.field.strip_prefix("row:").and_then(|r| r.split_once(':')) {
        Some((n, f)) => (n.parse().ok(), f.to_string()),
        None => (None, e.field.clone()),
    };
    let mut message = tf(lang, &e.key, &[("field", &field_label(lang, &field))]);
    if let Some(v) = &e.value {
        message = format!("{message} ({v})");
    }
    ProblemFieldError {
        field,
        code: e.key.clone(),
        message,
        row,
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/<code>`, relative to the server.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemFieldError>,
}

impl AppError {
    pub fn problem(&self, lang: Lang) -> Problem {
        let status = self.status();
        Problem {
            type_: format!("/problems/{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.detail(lang),
            code: self.code().to_string(),
            errors: match self {
                AppError::Validation(errs) => {
                    errs.iter().map(|e| localise_field_error(lang, e)).collect()
                }
                _ => Vec::new(),
            },
        }
    }

    /// A TAXII 2.1 error message, for requests under `/taxii2/`.
    pub fn taxii_response(&self, lang: Lang) -> Response {
        let status = self.status();
        let body = serde_json::json!({
            "title": status.canonical_reason().unwrap_or("Error"),
            "description": self.detail(lang),
            "error_code": self.code(),
            "http_status": status.as_u16().to_string(),
        });
        let mut res = (status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/taxii+json;version=2.1"),
        );
        res
    }

    pub fn problem_response(&self, lang: Lang) -> Response {
        let body = serde_json::to_vec(&self.problem(lang)).unwrap_or_default();
        let mut res = (self.status(), body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let AppError::RateLimited {
            retry_after_seconds,
        } = self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        // English problem+json unless the request middleware re-renders it.
        let mut res = self.problem_response(Lang::En);
        res.extensions_mut().insert(self);
        res
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { field } => AppError::Conflict { field },
            StoreError::Invalid(errs) => AppError::Validation(errs),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotFound => AppError::NotFound,
            Denied::Forbidden => AppError::Forbidden,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
