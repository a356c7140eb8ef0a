//! Surveys through the API: bulk answer submission by every institution of the demo, and the
//! campaign dashboard, at demo scale and larger.
//!
//! `cargo bench -p mamori-web --bench surveys` (MAMORI_BENCH_SCALES, default "1,10";
//! MAMORI_TEST_POSTGRES_URL adds PostgreSQL). Figures sit next to a same-run baseline
//! (`GET /healthz`).

#[path = "common.rs"]
mod common;

use common::{ms, stats, time_requests};
use mamori_demo::DemoOptions;
use mamori_domain::policy::InstitutionScope;
use mamori_domain::Role;
use mamori_store::campaigns::{AssignmentFilter, CampaignTarget, NewCampaign};
use mamori_store::testing::TestDatabase;
use mamori_store::Actor;
use serde_json::json;
use std::time::{Duration, Instant};

async fn run(db: TestDatabase, scale: u32, rounds: usize) {
    let store = db.connect().await.expect("connect");
    let summary = mamori_demo::seed(&store, DemoOptions { scale, seed: 2019 })
        .await
        .expect("seed");
    let actor = Actor::system("bench");
    let frameworks = store.list_frameworks().await.unwrap();
    let baseline = frameworks.iter().find(|f| f.key == "fsa-baseline").unwrap();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let (campaign, n) = store
        .create_campaign(
            &actor,
            &NewCampaign {
                name: "bench".into(),
                framework_id: baseline.id,
                instructions: None,
                opens_on: day("2026-01-01"),
                due_on: day("2099-01-01"),
                target: CampaignTarget::default(),
            },
        )
        .await
        .unwrap();
    let assignments = store
        .list_assignments(
            InstitutionScope::All,
            &AssignmentFilter {
                campaign_id: Some(campaign.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // One account and token per institution; the password hash is shared, as only tokens are used.
    let hash = mamori_store::accounts::hash_password("bench password 123")
        .await
        .unwrap();
    let mut tokens = Vec::with_capacity(assignments.len());
    let expires = chrono::Utc::now() + chrono::Duration::days(1);
    for a in &assignments {
        let username = format!("bench-{}", a.institution_id);
        let mut tx = store.begin().await.unwrap();
        let account = tx
            .insert_account_with_hash(
                &actor,
                &username,
                &username,
                a.institution_id,
                Role::InstitutionMember,
                &hash,
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (token, _) = store
            .create_token(&actor, account, "bench", expires)
            .await
            .unwrap();
        tokens.push(token);
    }
    let fsa = store.account_by_username("fsa").await.unwrap();
    let (fsa_token, _) = store
        .create_token(&actor, fsa.id, "bench", expires)
        .await
        .unwrap();

    let base = common::serve(&store).await;
    let client = reqwest::Client::new();

    // The full baseline survey, answered "yes" where a question applies to everyone.
    let framework = store.framework(baseline.id).await.unwrap();
    let body = json!({"answers": framework.walk().iter()
        .filter(|(_, i)| i.is_assessable() && i.applies_to.is_everyone() && i.when.is_none())
        .map(|(_, i)| if i.id == "SHR-01" { json!({"item": i.id, "value": "full"}) } else { json!({"item": i.id, "value": "yes"}) })
        .collect::<Vec<_>>()});
    let per_request = body["answers"].as_array().unwrap().len();

    let base_lat =
        stats(time_requests(&client, &[format!("{base}/healthz")], &fsa_token, rounds).await);
    println!(
        "\n[{} scale {}: {} institutions, {} assignments; baseline GET /healthz p50 {} ms]",
        db.label,
        scale,
        summary.institutions,
        n,
        ms(base_lat.p50)
    );

    // Bulk submission: every institution PUTs its answers, 8 clients at once.
    let started = Instant::now();
    let mut handles = Vec::new();
    let work: Vec<(i64, String)> = assignments
        .iter()
        .map(|a| a.id)
        .zip(tokens.iter().cloned())
        .collect();
    let chunks: Vec<Vec<(i64, String)>> = work
        .chunks(work.len().div_ceil(8))
        .map(|c| c.to_vec())
        .collect();
    for chunk in chunks {
        let c = client.clone();
        let base = base.clone();
        let body = body.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(chunk.len());
            for (id, token) in chunk {
                let t = Instant::now();
                let res = c
                    .put(format!("{base}/api/v1/assignments/{id}/answers"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "{}", res.status());
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for h in handles {
        lat.extend(h.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let s = stats(lat);
    println!(
        "bulk answers, 8 clients: {} PUTs × {} answers in {:.2} s = {:.0} answers/s ({:.0} PUT/s); PUT p50 {} ms, p95 {} ms ({:.1}x baseline p50)",
        n,
        per_request,
        elapsed,
        (n * per_request) as f64 / elapsed,
        n as f64 / elapsed,
        ms(s.p50),
        ms(s.p95),
        s.p50.as_secs_f64() / base_lat.p50.as_secs_f64()
    );

    // The dashboard of the closed demo campaign: JSON progress and the HTML page.
    let closed = store
        .list_campaigns(InstitutionScope::All)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.status == "closed")
        .unwrap();
    let json_url = vec![format!("{base}/api/v1/campaigns/{}", closed.id)];
    let s = stats(time_requests(&client, &json_url, &fsa_token, rounds).await);
    println!(
        "dashboard JSON (progress by sector and office): p50 {} ms, p95 {} ms ({:.1}x baseline)",
        ms(s.p50),
        ms(s.p95),
        s.p50.as_secs_f64() / base_lat.p50.as_secs_f64()
    );
    let kanto = store.account_by_username("kanto").await.unwrap();
    let (kanto_token, _) = store
        .create_token(&actor, kanto.id, "bench", expires)
        .await
        .unwrap();
    let s = stats(time_requests(&client, &json_url, &kanto_token, rounds).await);
    println!(
        "dashboard JSON as a bureau (scoped):               p50 {} ms, p95 {} ms ({:.1}x baseline)",
        ms(s.p50),
        ms(s.p95),
        s.p50.as_secs_f64() / base_lat.p50.as_secs_f64()
    );
    let html_url = vec![format!("{base}/surveys/campaigns/{}", closed.id)];
    let s = stats(time_requests(&client, &html_url, &fsa_token, rounds.min(100)).await);
    println!(
        "dashboard page (HTML, every institution listed):   p50 {} ms, p95 {} ms ({:.1}x baseline)",
        ms(s.p50),
        ms(s.p95),
        s.p50.as_secs_f64() / base_lat.p50.as_secs_f64()
    );
    store.close().await;
    db.drop_database().await;
}

fn main() {
    common::each_backend_and_scale("bench-surveys", 200, run);
}
