//! Mutual aid at size: STIX ingest rate through the API (bundles of 5,000 indicators, parsed,
//! validated and stored) and through TAXII POST, then TAXII page latency with that many
//! indicators stored — first page, a page deep in the collection (by `next`), `added_after`
//! near the end, a manifest page, one object by id — and the members' list page and API.
//!
//! `cargo bench -p mamori-web --bench sharing` (MAMORI_BENCH_INDICATORS, default
//! "100000,1000000"; MAMORI_BENCH_ROUNDS, default 50; MAMORI_TEST_POSTGRES_URL adds
//! PostgreSQL). Latencies are also given as a ratio of the same run's `GET /healthz` p50.

#[path = "common.rs"]
mod common;

use common::{ms, stats, Stats};
use mamori_domain::{OrganisationKind, Role, Tlp};
use mamori_store::accounts::NewAccount;
use mamori_store::testing::TestDatabase;
use mamori_store::Actor;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const BATCH: usize = 5_000;
const TAXII: &str = "application/taxii+json;version=2.1";

fn indicator(i: usize) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{:08x}-0000-4000-8000-{:012x}", i >> 16, i),
        "created": "2026-06-01T00:00:00.000Z", "modified": "2026-06-01T00:00:00.000Z",
        "name": format!("bench {i}"), "indicator_types": ["malicious-activity"],
        "pattern": format!("[domain-name:value = 'host{i}.bench.example']"), "pattern_type": "stix",
        "valid_from": "2026-06-01T00:00:00Z", "confidence": (i % 100) as i64,
        "object_marking_refs": [if i.is_multiple_of(2) { Tlp::Green.stix_id() } else { Tlp::Clear.stix_id() }]
    })
}

async fn timed(
    client: &reqwest::Client,
    token: &str,
    url: &str,
    accept: Option<&str>,
    rounds: usize,
) -> Stats {
    let mut v = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut req = client.get(url).bearer_auth(token);
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        let start = Instant::now();
        let res = req.send().await.expect("request");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        let _ = res.bytes().await.expect("body");
        v.push(start.elapsed());
    }
    stats(v)
}

async fn run(db: TestDatabase, total: usize, rounds: usize) {
    let backend = if db.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let store = db.connect().await.expect("connect");
    let actor = Actor::system("bench");
    store
        .create_organisation(&actor, OrganisationKind::Isac, "ISAC", "ISAC", "ISAC", None)
        .await
        .unwrap();
    let acc = store
        .create_account(
            &actor,
            &NewAccount {
                username: "isac".into(),
                display_name: "isac".into(),
                organisation_code: "ISAC".into(),
                role: Role::IsacAnalyst,
                password: "bench password 123".into(),
            },
        )
        .await
        .unwrap();
    let (token, _) = store
        .create_token(
            &actor,
            acc.id,
            "bench",
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    let base = common::serve(&store).await;
    let client = reqwest::Client::new();

    // Ingest through the API, all but the last batch; the last through TAXII POST.
    let started = Instant::now();
    let mut api_time = Duration::ZERO;
    let mut taxii_time = Duration::ZERO;
    let green = mamori_web::api::taxii::collection_id(Tlp::Green);
    let batches = total.div_ceil(BATCH);
    for b in 0..batches {
        let objects: Vec<Value> = (b * BATCH..((b + 1) * BATCH).min(total))
            .map(indicator)
            .collect();
        let t = Instant::now();
        if b + 1 < batches {
            let body = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects});
            let res = client
                .post(format!("{base}/api/v1/sharing/import"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
            api_time += t.elapsed();
        } else {
            let body = serde_json::to_vec(&json!({"objects": objects})).unwrap();
            let res = client
                .post(format!("{base}/taxii2/mamori/collections/{green}/objects/"))
                .bearer_auth(&token)
                .header("accept", TAXII)
                .header("content-type", TAXII)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 202);
            taxii_time += t.elapsed();
        }
    }
    let filled = started.elapsed();
    store.analyze().await.ok();
    let api_objects = (batches - 1) * BATCH;
    let taxii_objects = total - api_objects;
    println!(
        "\n{backend}, {total} indicators: ingest {:.0} objects/s through the API import ({api_objects} in {:.1} s), {:.0} objects/s through TAXII POST ({taxii_objects} in {:.2} s); {:.1} s in all",
        api_objects as f64 / api_time.as_secs_f64().max(1e-9),
        api_time.as_secs_f64(),
        taxii_objects as f64 / taxii_time.as_secs_f64().max(1e-9),
        taxii_time.as_secs_f64(),
        filled.as_secs_f64()
    );

    let health = timed(&client, &token, &format!("{base}/healthz"), None, rounds).await;
    let clear = mamori_web::api::taxii::collection_id(Tlp::Clear);
    let objects = format!("{base}/taxii2/mamori/collections/{clear}/objects/");
    // A `next` deep in the collection: the id of the object at three quarters.
    let deep_next = (total * 3 / 4).to_string();
    let late = "2000-01-01T00:00:00Z";
    let last_added: String = {
        let res = client
            .get(format!("{objects}?limit=1"))
            .bearer_auth(&token)
            .header("accept", TAXII)
            .send()
            .await
            .unwrap();
        res.headers()["x-taxii-date-added-last"]
            .to_str()
            .unwrap()
            .to_string()
    };
    let _ = last_added;
    // Odd indices are CLEAR.
    let one = indicator((total / 2) | 1)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let scenarios: Vec<(&str, String, Option<&str>)> = vec![
        (
            "TAXII objects, first page (100)",
            format!("{objects}?limit=100"),
            Some(TAXII),
        ),
        (
            "TAXII objects, page at 3/4 (next)",
            format!("{objects}?limit=100&next={deep_next}"),
            Some(TAXII),
        ),
        (
            "TAXII objects, 1,000 per page",
            format!("{objects}?limit=1000&next={deep_next}"),
            Some(TAXII),
        ),
        (
            "TAXII objects, added_after",
            format!("{objects}?limit=100&added_after={late}"),
            Some(TAXII),
        ),
        (
            "TAXII manifest, first page (100)",
            format!("{base}/taxii2/mamori/collections/{clear}/manifest/?limit=100"),
            Some(TAXII),
        ),
        (
            "TAXII one object by id",
            format!("{objects}{one}/"),
            Some(TAXII),
        ),
        (
            "API list, first page (50)",
            format!("{base}/api/v1/sharing/objects?limit=50"),
            None,
        ),
        (
            "API list, kind and TLP filter",
            format!("{base}/api/v1/sharing/objects?limit=50&kind=domain&tlp=green"),
            None,
        ),
        (
            "API exact value (indexed)",
            format!(
                "{base}/api/v1/sharing/objects?limit=50&value=HOST{}.bench.example",
                total / 3
            ),
            None,
        ),
        (
            "API search by value (substring)",
            format!(
                "{base}/api/v1/sharing/objects?limit=50&q=host{}.bench",
                total / 3
            ),
            None,
        ),
    ];
    println!(
        "{:<40} {:>10} {:>10} {:>10} {:>9}",
        "scenario", "p50 ms", "p95 ms", "mean ms", "× health"
    );
    println!(
        "{:<40} {:>10} {:>10} {:>10} {:>9}",
        "GET /healthz (baseline)",
        ms(health.p50),
        ms(health.p95),
        ms(health.mean),
        "1.0"
    );
    for (name, url, accept) in scenarios {
        let r = if name.starts_with("API search") {
            rounds.min(10)
        } else {
            rounds
        };
        let s = timed(&client, &token, &url, accept, r).await;
        println!(
            "{:<40} {:>10} {:>10} {:>10} {:>9.1}",
            name,
            ms(s.p50),
            ms(s.p95),
            ms(s.mean),
            s.p50.as_secs_f64() / health.p50.as_secs_f64()
        );
    }
    store.close().await;
    db.drop_database().await;
}

fn main() {
    let sizes: Vec<usize> = common::env_list("MAMORI_BENCH_INDICATORS", "100000,1000000");
    let rounds = common::rounds(50);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for total in sizes {
            run(TestDatabase::sqlite("bench-sharing"), total, rounds).await;
            if let Some(pg) = TestDatabase::postgres("bench-sharing")
                .await
                .expect("PostgreSQL")
            {
                run(pg, total, rounds).await;
            }
        }
    });
}
