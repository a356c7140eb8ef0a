//! Prometheus metrics in the text exposition format, and the request log line.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// (method, route template, status).
type RequestKey = (String, String, u16);

#[derive(Default)]
pub struct Metrics {
    /// Requests seen and seconds spent answering them.
    requests: Mutex<BTreeMap<RequestKey, (u64, f64)>>,
    started: Option<Instant>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics {
            requests: Mutex::default(),
            started: Some(Instant::now()),
        }
    }

    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            let e = m
                .entry((method.to_string(), route.to_string(), status))
                .or_insert((0, 0.0));
            e.0 += 1;
            e.1 += seconds;
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP mamori_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE mamori_http_requests_total counter\n");
        let snapshot = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        for ((method, route, status), (count, _)) in &snapshot {
            let _ = writeln!(
                out,
                "mamori_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str(
            "# HELP mamori_http_request_duration_seconds_sum Time spent answering, by route.\n",
        );
        out.push_str("# TYPE mamori_http_request_duration_seconds_sum counter\n");
        for ((method, route, status), (_, secs)) in &snapshot {
            let _ = writeln!(
                out,
                "mamori_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {secs:.6}"
            );
        }
        if let Some(start) = self.started {
            out.push_str("# HELP mamori_uptime_seconds Seconds since the server started.\n");
            out.push_str("# TYPE mamori_uptime_seconds gauge\n");
            let _ = writeln!(
                out,
                "mamori_uptime_seconds {:.3}",
                start.elapsed().as_secs_f64()
            );
        }
        out
    }
}

/// Counts and logs every request under its route template (never the raw path, which would
/// let clients create unbounded label values).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let res = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    state.metrics.record(&method, &route, status, secs);
    tracing::info!(%method, %route, status, ms = secs * 1000.0, "request");
    res
}
