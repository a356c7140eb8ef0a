//! Registry list and search through the API, at demo scale and at larger scales.
//!
//! `cargo bench -p mamori-web --bench registry` (set MAMORI_BENCH_SCALES, default "1,10";
//! MAMORI_TEST_POSTGRES_URL adds PostgreSQL). Every figure is printed next to the same run's
//! baseline, `GET /healthz` through the same server and client, because this machine is
//! shared and absolute numbers drift.

use mamori_demo::DemoOptions;
use mamori_store::testing::TestDatabase;
use mamori_store::Actor;
#[path = "common.rs"]
mod common;

use common::{ms, stats, time_requests};
use std::time::Instant;

async fn run(db: TestDatabase, scale: u32, rounds: usize) {
    let store = db.connect().await.expect("connect");
    let seeded = Instant::now();
    let summary = mamori_demo::seed(&store, DemoOptions { scale, seed: 2019 })
        .await
        .expect("seed");
    let seed_time = seeded.elapsed();
    let fsa = store.account_by_username("fsa").await.unwrap();
    let kanto = store.account_by_username("kanto").await.unwrap();
    let expires = chrono::Utc::now() + chrono::Duration::days(1);
    let (fsa_token, _) = store
        .create_token(&Actor::system("bench"), fsa.id, "bench", expires)
        .await
        .unwrap();
    let (kanto_token, _) = store
        .create_token(&Actor::system("bench"), kanto.id, "bench", expires)
        .await
        .unwrap();

    let base = common::serve(&store).await;
    let client = reqwest::Client::new();

    // Cursors for pages deep in the list, collected before timing.
    let mut deep = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let url = match &cursor {
            Some(c) => format!("{base}/api/v1/institutions?limit=50&cursor={c}"),
            None => format!("{base}/api/v1/institutions?limit=50"),
        };
        let page: serde_json::Value = client
            .get(&url)
            .bearer_auth(&fsa_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        deep.push(url);
        match page["next"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    let ids: Vec<String> = {
        let page: serde_json::Value = client
            .get(format!("{base}/api/v1/institutions?limit=200&sort=code"))
            .bearer_auth(&fsa_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| format!("{base}/api/v1/institutions/{}", i["id"]))
            .collect()
    };
    let searches: Vec<String> = ["ka", "mi", "信用", "Bank", "SK-0", "ro"]
        .iter()
        .map(|q| format!("{base}/api/v1/institutions?q={}&limit=50", urlencode(q)))
        .collect();

    let scenarios: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "baseline GET /healthz",
            vec![format!("{base}/healthz")],
            &fsa_token,
        ),
        (
            "list, first page (50)",
            vec![format!("{base}/api/v1/institutions?limit=50")],
            &fsa_token,
        ),
        (
            "list, sector+bureau filter",
            vec![format!(
                "{base}/api/v1/institutions?sector=shinkin&bureau=kanto&limit=50"
            )],
            &fsa_token,
        ),
        (
            "list, sorted by name_ja desc",
            vec![format!(
                "{base}/api/v1/institutions?sort=name_ja&order=desc&limit=50"
            )],
            &fsa_token,
        ),
        ("list, pages 1-20 by cursor", deep, &fsa_token),
        ("search (substring, 6 terms)", searches, &fsa_token),
        ("get one by id", ids, &fsa_token),
        (
            "list as bureau (scoped)",
            vec![format!("{base}/api/v1/institutions?limit=50")],
            &kanto_token,
        ),
    ];
    println!(
        "\n[{} scale {}: {} institutions, seeded in {:.2} s]",
        db.label,
        scale,
        summary.institutions,
        seed_time.as_secs_f64()
    );
    println!(
        "{:<32} {:>9} {:>9} {:>9} {:>9} {:>11}",
        "scenario", "p50 ms", "p95 ms", "mean ms", "req/s", "p50/base"
    );
    let mut base_p50 = None;
    for (name, urls, token) in scenarios {
        let _ = time_requests(&client, &urls, token, 30).await;
        let s = stats(time_requests(&client, &urls, token, rounds).await);
        let b = *base_p50.get_or_insert(s.p50);
        println!(
            "{:<32} {:>9} {:>9} {:>9} {:>9.0} {:>10.1}x",
            name,
            ms(s.p50),
            ms(s.p95),
            ms(s.mean),
            1.0 / s.mean.as_secs_f64(),
            s.p50.as_secs_f64() / b.as_secs_f64()
        );
    }
    // Throughput with 8 clients at once on the first page.
    let url = format!("{base}/api/v1/institutions?limit=50");
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..8 {
        let c = client.clone();
        let url = url.clone();
        let t = fsa_token.clone();
        handles.push(tokio::spawn(async move {
            time_requests(&c, &[url], &t, rounds / 2).await.len()
        }));
    }
    let mut n = 0;
    for h in handles {
        n += h.await.unwrap();
    }
    println!(
        "{:<32} {:>49.0}",
        "list, 8 concurrent clients req/s",
        n as f64 / start.elapsed().as_secs_f64()
    );
    store.close().await;
    db.drop_database().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn main() {
    common::each_backend_and_scale("bench", 400, run);
}
