//! mamori's web application and JSON API: the only crate that knows HTTP.
//!
//! - [`routes`]: the route table. The router and the list the authorization-matrix test
//!   walks are generated from the same table, so no route escapes the matrix.
//! - [`context`]: the request middleware (language, principal, CSRF, enrolment, errors).
//! - [`error`]: `AppError` and its one mapping to problem+json and HTML.
//! - [`ui`]: server-rendered pages (maud), no JavaScript required.
//! - [`api`]: JSON under `/api/v1`, described by the OpenAPI document in [`api::openapi`].
//!
//! Handlers parse, ask `mamori_domain::policy`, call the store, render. Nothing else.

pub mod api;
pub mod context;
pub mod error;
pub mod i18n;
pub mod login_limit;
pub mod metrics;
pub mod routes;
pub use mamori_sharing as sharing;
pub mod supervision;
pub mod surveys;
pub mod ui;

use axum::Router;
use mamori_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind TLS; also inferred per request from
    /// `X-Forwarded-Proto: https`).
    pub cookie_secure: bool,
    pub session_hours: i64,
    /// Sign-in attempts allowed per client address per window.
    pub login_attempts: u32,
    pub login_window_seconds: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cookie_secure: false,
            session_hours: 12,
            login_attempts: 20,
            login_window_seconds: 300,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub limiter: Arc<login_limit::LoginLimiter>,
    pub metrics: Arc<metrics::Metrics>,
    pub analytics: Arc<supervision::AnalyticsCache>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        AppState {
            limiter: Arc::new(login_limit::LoginLimiter::new(
                config.login_attempts,
                std::time::Duration::from_secs(config.login_window_seconds),
            )),
            config: Arc::new(config),
            store,
            metrics: Arc::new(metrics::Metrics::new()),
            analytics: Arc::new(supervision::AnalyticsCache::default()),
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    routes::router()
        .fallback(|| async { error::AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::request_context,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            context::MAX_IMPORT_BODY,
        ))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
