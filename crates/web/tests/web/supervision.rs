//! Supervision analytics and reports over the demo's synthetic sector: the priority list,
//! risk profiles, benchmarks and their anonymity, the sector report downloads and feedback.

use crate::support::spawn_demo_app;
use serde_json::Value;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priorities_profiles_and_benchmarks_agree_and_respect_jurisdiction() {
    let app = spawn_demo_app().await;
    let fsa = app.token("fsa").await;

    // The FSA sees every institution, ranked; unassessed institutions come last, unranked.
    let (s, list) = app
        .get_json("/api/v1/supervision/priorities?limit=500", &fsa)
        .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["model_key"], "fsa-inherent-risk");
    let total = list["total"].as_u64().unwrap();
    assert_eq!(total as usize, app.summary.institutions);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 500);
    let priorities: Vec<f64> = items.iter().map(|i| f(&i["priority"])).collect();
    assert!(priorities.windows(2).all(|w| w[0] >= w[1]), "not ranked");
    assert_eq!(items[0]["rank"], 1);
    assert!(priorities[0] > 0.0);
    assert!(items
        .iter()
        .all(|i| !i["reason"].as_str().unwrap().is_empty()));
    // The first row's reason names its largest gap.
    let top = &items[0];
    let largest = &top["gaps"][0];
    assert!(
        top["reason"].as_str().unwrap().starts_with("Largest gaps")
            || top["reason"].as_str().unwrap().starts_with("主な乖離")
    );
    assert!(f(&largest["gap"]) > 0.0);
    // The last page ends with the institutions that have no accepted self-assessment.
    let (_, tail) = app
        .get_json(
            &format!(
                "/api/v1/supervision/priorities?limit=50&offset={}",
                total - 1
            ),
            &fsa,
        )
        .await;
    assert!(tail["items"][0]["rank"].is_null());
    assert!(tail["items"][0]["priority"].is_null());

    // Filters, and their validation.
    let (_, shinkin) = app
        .get_json(
            "/api/v1/supervision/priorities?sector=shinkin&limit=500",
            &fsa,
        )
        .await;
    assert!(shinkin["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["institution"]["sector"] == "shinkin"));
    let (s, bad) = app
        .get_json("/api/v1/supervision/priorities?sector=bakery", &fsa)
        .await;
    assert_eq!(s, 422);
    assert_eq!(bad["code"], "validation_failed");

    // A bureau supervisor sees its own office's institutions only.
    let kanto = app.token("kanto").await;
    let (_, own) = app
        .get_json("/api/v1/supervision/priorities?limit=500", &kanto)
        .await;
    assert!(own["total"].as_u64().unwrap() > 0);
    assert!(own["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["institution"]["bureau"] == "kanto"));

    // The risk profile endpoint and the page show the list's figures: one computation.
    let id = top["institution"]["id"].as_i64().unwrap();
    let (s, profile) = app
        .get_json(&format!("/api/v1/institutions/{id}/risk-profile"), &fsa)
        .await;
    assert_eq!(s, 200);
    assert_eq!(f(&profile["profile"]["priority"]), f(&top["priority"]));
    let factors = profile["profile"]["inherent"]["factors"]
        .as_array()
        .unwrap();
    assert_eq!(factors.len(), 5);
    let sum: f64 = factors.iter().map(|x| f(&x["contribution"])).sum();
    assert!((sum - f(&profile["profile"]["inherent"]["score"])).abs() < 1e-9);
    let session = app.session("fsa").await;
    let page = app
        .get_with_session(&format!("/supervision/institutions/{id}"), &session)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            "<strong id=\"priority-score\">{:.1}</strong>",
            f(&top["priority"])
        )),
        "the page shows another priority"
    );
    // The page's paging and export links keep its filters.
    let filtered = app
        .get_with_session("/supervision?sector=shinkin&limit=10", &session)
        .await
        .text()
        .await
        .unwrap();
    assert!(filtered.contains("href=\"/supervision/export.csv?sector=shinkin\""));
    assert!(filtered.contains("/supervision?offset=10&amp;limit=10&amp;sector=shinkin"));
    // The CSV export holds the same ranked list.
    let csv = app
        .get_with_session("/supervision/export.csv", &session)
        .await
        .text()
        .await
        .unwrap();
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(rows[0].starts_with("rank,code,name_ja"));
    assert_eq!(rows.len() as u64, total + 1);
    assert!(
        rows[1].starts_with(&format!(
            "1,{},",
            top["institution"]["code"].as_str().unwrap()
        )),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains(&format!(",{:.1},", f(&top["priority"]))));
    // An institution in another office is out of the Kanto supervisor's reach.
    let kinki_inst = items
        .iter()
        .find(|i| i["institution"]["bureau"] == "kinki")
        .unwrap()["institution"]["id"]
        .as_i64()
        .unwrap();
    let (s, _) = app
        .get_json(
            &format!("/api/v1/institutions/{kinki_inst}/risk-profile"),
            &kanto,
        )
        .await;
    assert_eq!(s, 404);

    // Benchmarks: quartiles and percentile ranks, groups below five withheld.
    let campaign = 1;
    let (s, b) = app
        .get_json(
            &format!("/api/v1/institutions/{id}/benchmark?campaign={campaign}"),
            &fsa,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let overall = &b["measures"][0];
    assert_eq!(overall["measure"], "overall");
    for peer in overall["peers"].as_array().unwrap() {
        let n = peer["n"].as_u64().unwrap();
        if n < 5 {
            assert!(
                peer["distribution"].is_null() && peer["percentile"].is_null(),
                "{peer}"
            );
        } else {
            let d = &peer["distribution"];
            assert!(f(&d["q1"]) <= f(&d["median"]) && f(&d["median"]) <= f(&d["q3"]));
            let pr = f(&peer["percentile"]);
            assert!((0.0..=100.0).contains(&pr));
        }
    }
    // A campaign answered by three institutions only: every peer group is below five, so
    // only the counts are given.
    let three: Vec<String> = items
        .iter()
        .filter(|i| i["institution"]["sector"] == "shinkin")
        .take(3)
        .map(|i| i["institution"]["code"].as_str().unwrap().to_string())
        .collect();
    let actor = mamori_store::Actor::system("test");
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let baseline = app
        .store
        .list_frameworks()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.key == "fsa-baseline")
        .unwrap();
    let (small, _) = app
        .store
        .create_campaign(
            &actor,
            &mamori_store::campaigns::NewCampaign {
                name: "Follow-up".into(),
                framework_id: baseline.id,
                instructions: None,
                opens_on: day("2026-11-20"),
                due_on: day("2026-12-20"),
                target: mamori_store::campaigns::CampaignTarget {
                    institutions: three.clone(),
                    ..Default::default()
                },
            },
        )
        .await
        .unwrap();
    let asg = app
        .store
        .list_assignments(
            mamori_domain::InstitutionScope::All,
            &mamori_store::campaigns::AssignmentFilter {
                campaign_id: Some(small.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let loaded: Vec<_> = asg
        .iter()
        .map(|a| mamori_store::campaigns::LoadedAssignment {
            assignment_id: a.id,
            institution_id: a.institution_id,
            answers: vec![mamori_store::campaigns::AnswerChange {
                item_id: "GOV-01".into(),
                value: mamori_survey::answer::AnswerValue::One("yes".into()),
                comment: None,
            }],
            status: mamori_survey::assignment::AssignmentStatus::Accepted,
        })
        .collect();
    app.store
        .load_answers(&actor, small.id, &loaded)
        .await
        .unwrap();
    // The analytics cache notices the change: the three now stand on the follow-up answers.
    let (_, again) = app
        .get_json(
            "/api/v1/supervision/priorities?sector=shinkin&limit=500",
            &fsa,
        )
        .await;
    let row = again["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["institution"]["code"] == three[0].as_str())
        .unwrap();
    assert_eq!(
        row["campaign_id"].as_i64(),
        Some(small.id),
        "stale analytics after a change"
    );
    let (s, b) = app
        .get_json(
            &format!(
                "/api/v1/institutions/{}/benchmark?campaign={}",
                asg[0].institution_id, small.id
            ),
            &fsa,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    for m in b["measures"].as_array().unwrap() {
        for peer in m["peers"].as_array().unwrap() {
            assert!(peer["n"].as_u64().unwrap() < 5);
            assert!(
                peer["distribution"].is_null() && peer["percentile"].is_null(),
                "{peer}"
            );
        }
    }
    // Without the campaign the request is refused with a reason.
    let (s, _) = app
        .get_json(&format!("/api/v1/institutions/{id}/benchmark"), &fsa)
        .await;
    assert_eq!(s, 422);

    // An institution reads its own benchmark, not another's.
    let bank = app.token("bank-admin").await;
    let (_, me) = app.get_json("/api/v1/me", &bank).await;
    let own_id = me["organisation_id"].as_i64().unwrap();
    let (s, _) = app
        .get_json(
            &format!("/api/v1/institutions/{own_id}/benchmark?campaign={campaign}"),
            &bank,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .get_json(
            &format!("/api/v1/institutions/{kinki_inst}/benchmark?campaign={campaign}"),
            &bank,
        )
        .await;
    assert_eq!(s, 404);
    // ...and no institution sees the priority list.
    let (s, _) = app.get_json("/api/v1/supervision/priorities", &bank).await;
    assert_eq!(s, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sector_reports_and_feedback_download() {
    let app = spawn_demo_app().await;
    let fsa = app.session("fsa").await;
    let index = app
        .get_with_session("/reports", &fsa)
        .await
        .text()
        .await
        .unwrap();
    assert!(index.contains("/reports/campaigns/1/sector/pdf?lang=ja"));

    let html = app
        .get_with_session("/reports/campaigns/1/sector/html?lang=ja", &fsa)
        .await;
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    for expected in [
        "大手銀行グループ",
        "信用金庫・信用組合",
        "暗号資産交換業者",
        "<svg",
        "付録",
    ] {
        assert!(html.contains(expected), "the HTML report lacks {expected}");
    }
    assert!(
        !html.contains("<script"),
        "the report must be self-contained and script-free"
    );
    let pdf = app
        .get_with_session("/reports/campaigns/1/sector/pdf?lang=en", &fsa)
        .await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-1.7") && bytes.ends_with(b"%%EOF\n"));
    let xlsx = app
        .get_with_session("/reports/campaigns/1/sector/xlsx", &fsa)
        .await;
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let bad = app
        .get_with_session("/reports/campaigns/1/sector/html?lang=fr", &fsa)
        .await;
    assert_eq!(bad.status(), 422);
    let missing = app
        .get_with_session("/reports/campaigns/1/sector/docx", &fsa)
        .await;
    assert_eq!(missing.status(), 404);

    // An institution's feedback: its own accepted assignment, page and PDF; nobody else's.
    let bank = app.session("bank-admin").await;
    let own = app
        .get_with_session("/reports", &bank)
        .await
        .text()
        .await
        .unwrap();
    let href = own
        .split("href=\"/reports/feedback/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the bank has feedback to read")
        .to_string();
    let page = app
        .get_with_session(&format!("/reports/feedback/{href}"), &bank)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("feedback-pdf"));
    let pdf = app
        .get_with_session(&format!("/reports/feedback/{href}/pdf"), &bank)
        .await;
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let shinkin = app.session("shinkin-admin").await;
    let other = app
        .get_with_session(&format!("/reports/feedback/{href}/pdf"), &shinkin)
        .await;
    assert_eq!(other.status(), 404);
    // Institutions do not produce sector reports.
    let denied = app
        .get_with_session("/reports/campaigns/1/sector/html", &bank)
        .await;
    assert_eq!(denied.status(), 403);
}
