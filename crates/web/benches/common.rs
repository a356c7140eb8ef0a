//! Helpers shared by the benchmark binaries (each uses a part of them).
#![allow(dead_code)]

use std::time::{Duration, Instant};

pub struct Stats {
    pub p50: Duration,
    pub p95: Duration,
    pub mean: Duration,
}

pub fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let pick = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    let mean = v.iter().sum::<Duration>() / v.len() as u32;
    Stats {
        p50: pick(0.5),
        p95: pick(0.95),
        mean,
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

pub async fn time_requests(
    client: &reqwest::Client,
    urls: &[String],
    token: &str,
    rounds: usize,
) -> Vec<Duration> {
    let mut out = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let url = &urls[i % urls.len()];
        let start = Instant::now();
        let res = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        let _ = res.bytes().await.expect("body");
        out.push(start.elapsed());
    }
    out
}

/// A comma-separated list of numbers from the environment variable `var`, or `default`.
pub fn env_list<T: std::str::FromStr>(var: &str, default: &str) -> Vec<T> {
    std::env::var(var)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// Requests per scenario (`MAMORI_BENCH_ROUNDS`, default `default_rounds`).
pub fn rounds(default_rounds: usize) -> usize {
    std::env::var("MAMORI_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default_rounds)
}

/// Scales to run (`MAMORI_BENCH_SCALES`, default "1,10") and requests per scenario
/// (`MAMORI_BENCH_ROUNDS`, default `default_rounds`).
pub fn settings(default_rounds: usize) -> (Vec<u32>, usize) {
    (
        env_list("MAMORI_BENCH_SCALES", "1,10"),
        rounds(default_rounds),
    )
}

/// Runs `run` at every scale on SQLite and, when `MAMORI_TEST_POSTGRES_URL` is set, on
/// PostgreSQL: the main loop of every benchmark binary.
pub fn each_backend_and_scale<F, Fut>(name: &str, default_rounds: usize, run: F)
where
    F: Fn(mamori_store::testing::TestDatabase, u32, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (scales, rounds) = settings(default_rounds);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for scale in scales {
            run(
                mamori_store::testing::TestDatabase::sqlite(name),
                scale,
                rounds,
            )
            .await;
            if let Some(pg) = mamori_store::testing::TestDatabase::postgres(name)
                .await
                .expect("PostgreSQL")
            {
                run(pg, scale, rounds).await;
            }
        }
    });
}

/// Serves the application over `store` on a free local port; returns its base URL.
pub async fn serve(store: &mamori_store::Store) -> String {
    let state = mamori_web::AppState::new(store.clone(), mamori_web::WebConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(mamori_web::serve(listener, state, std::future::pending()));
    base
}
