//! Supervision analytics and reports through HTTP, over the demo's sector: the priority list
//! (API and page), a benchmark (API) and an institution's page (profile, benchmark, trend),
//! and the full sector report in each format.
//!
//! `cargo bench -p mamori-web --bench supervision` (MAMORI_BENCH_SCALES, default "1,10";
//! MAMORI_BENCH_ROUNDS; MAMORI_TEST_POSTGRES_URL adds PostgreSQL). Every figure is also given
//! as a ratio of the same run's `GET /healthz` p50.

#[path = "common.rs"]
mod common;

use common::{ms, stats, time_requests};
use mamori_demo::DemoOptions;
use mamori_store::testing::TestDatabase;
use mamori_store::Actor;
use std::time::Instant;

async fn run(db: TestDatabase, scale: u32, rounds: usize) {
    let backend = if db.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let store = db.connect().await.expect("connect");
    let started = Instant::now();
    let summary = mamori_demo::seed(&store, DemoOptions { scale, seed: 2019 })
        .await
        .expect("seed");
    let seeded = started.elapsed();
    store.analyze().await.ok();
    let acc = store.account_by_username("fsa").await.unwrap();
    let (token, _) = store
        .create_token(
            &Actor::system("bench"),
            acc.id,
            "bench",
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    let base = common::serve(&store).await;
    let client = reqwest::Client::new();
    let url = |p: &str| format!("{base}{p}");

    let list: serde_json::Value = client
        .get(url("/api/v1/supervision/priorities?limit=20"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let top: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["institution"]["id"].as_i64().unwrap())
        .collect();

    let baseline = stats(time_requests(&client, &[url("/healthz")], &token, rounds).await);
    let b = baseline.p50;
    println!(
        "\n## {backend}, scale {scale}: {} institutions, seeded in {:.1} s; {rounds} requests per line (fewer for reports)",
        summary.institutions,
        seeded.as_secs_f64()
    );
    println!("| request | p50 ms | p95 ms | p50 / baseline |");
    println!("|---|---|---|---|");
    println!(
        "| GET /healthz (baseline) | {} | {} | 1.0 |",
        ms(b),
        ms(baseline.p95)
    );
    let line = |name: &str, s: common::Stats| {
        println!(
            "| {name} | {} | {} | {:.1}× |",
            ms(s.p50),
            ms(s.p95),
            s.p50.as_secs_f64() / b.as_secs_f64()
        );
    };
    let few = (rounds / 10).max(5);
    let benchmark_urls: Vec<String> = top
        .iter()
        .map(|id| url(&format!("/api/v1/institutions/{id}/benchmark?campaign=1")))
        .collect();
    let page_urls: Vec<String> = top
        .iter()
        .map(|id| url(&format!("/supervision/institutions/{id}")))
        .collect();
    let scenarios: Vec<(&str, Vec<String>, usize)> = vec![
        (
            "priority list, API, first 50",
            vec![url("/api/v1/supervision/priorities")],
            rounds / 2,
        ),
        (
            "priority list, API, shinkin in Kanto",
            vec![url(
                "/api/v1/supervision/priorities?sector=shinkin&bureau=kanto",
            )],
            rounds / 2,
        ),
        ("priority list, page", vec![url("/supervision")], rounds / 2),
        (
            "benchmark, API (20 institutions in turn)",
            benchmark_urls,
            rounds / 2,
        ),
        (
            "institution page: profile, benchmark, trend",
            page_urls,
            few,
        ),
        (
            "sector report, HTML",
            vec![url("/reports/campaigns/1/sector/html")],
            few,
        ),
        (
            "sector report, PDF",
            vec![url("/reports/campaigns/1/sector/pdf")],
            few,
        ),
        (
            "sector report, XLSX",
            vec![url("/reports/campaigns/1/sector/xlsx")],
            few,
        ),
    ];
    for (name, urls, n) in scenarios {
        line(
            name,
            stats(time_requests(&client, &urls, &token, n.max(5)).await),
        );
    }
    // Cold: after any change the analytics cache reloads the answers. Each round first
    // makes a change (an audited token), then asks.
    for (name, path) in [
        (
            "priority list, API, after a change (cold)",
            "/api/v1/supervision/priorities",
        ),
        (
            "sector report, PDF, after a change (cold)",
            "/reports/campaigns/1/sector/pdf",
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..few.max(5) {
            store
                .create_token(
                    &Actor::system("bench"),
                    acc.id,
                    "change",
                    chrono::Utc::now() + chrono::Duration::days(1),
                )
                .await
                .unwrap();
            times.extend(time_requests(&client, &[url(path)], &token, 1).await);
        }
        line(name, stats(times));
    }
}

fn main() {
    common::each_backend_and_scale("bench-supervision", 100, run);
}
