//! The survey lifecycle over the API, and its rules.

use crate::support::spawn_app;
use mamori_domain::Role;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_submit_return_resubmit_accept_over_the_api() {
    let app = spawn_app().await;
    let member = app.token(Role::InstitutionMember).await;
    let fsa = app.token(Role::FsaSupervisor).await;
    let kanto = app.token(Role::BureauSupervisor).await;
    let id = app.own_assignment;
    let send = |method: reqwest::Method, path: String, token: &str, body: Option<Value>| {
        let mut r = app
            .client
            .request(method, app.url(&path))
            .bearer_auth(token)
            .header("accept-language", "en");
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send()
    };
    let put = reqwest::Method::PUT;
    let post = reqwest::Method::POST;

    // A bad value names the question; nothing is saved.
    let res = send(
        put.clone(),
        format!("/api/v1/assignments/{id}/answers"),
        &member,
        Some(
            json!({"answers": [{"item": "Q1", "value": "yes"}, {"item": "Q2", "value": "maybe"}]}),
        ),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "Q2", "{p}");
    let q: Value = send(
        reqwest::Method::GET,
        format!("/api/v1/assignments/{id}"),
        &member,
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        q["answers"].as_object().unwrap().is_empty(),
        "a rejected save saved something: {q}"
    );
    assert_eq!(q["assignment"]["status"], "not_started");

    let res = send(
        put.clone(),
        format!("/api/v1/assignments/{id}/answers"),
        &member,
        Some(json!({"answers": [{"item": "Q1", "value": "yes", "comment": "Board approved"}]})),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "draft");
    // Submitting with a question unanswered is refused, naming it.
    let res = send(
        post.clone(),
        format!("/api/v1/assignments/{id}/submit"),
        &member,
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "Q2");
    send(
        put.clone(),
        format!("/api/v1/assignments/{id}/answers"),
        &member,
        Some(json!({"answers": [{"item": "Q2", "value": "partial"}]})),
    )
    .await
    .unwrap();
    let res = send(
        post.clone(),
        format!("/api/v1/assignments/{id}/submit"),
        &member,
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "submitted");
    // Locked once submitted.
    let res = send(
        put.clone(),
        format!("/api/v1/assignments/{id}/answers"),
        &member,
        Some(json!({"answers": [{"item": "Q2", "value": "yes"}]})),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    // The institution cannot accept itself; a return needs a comment.
    assert_eq!(
        send(
            post.clone(),
            format!("/api/v1/assignments/{id}/accept"),
            &member,
            None
        )
        .await
        .unwrap()
        .status(),
        403
    );
    let res = send(
        post.clone(),
        format!("/api/v1/assignments/{id}/return"),
        &fsa,
        Some(json!({})),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let res = send(
        post.clone(),
        format!("/api/v1/assignments/{id}/return"),
        &fsa,
        Some(json!({"comment": "Q2: describe the drills"})),
    )
    .await
    .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "returned");
    send(
        put.clone(),
        format!("/api/v1/assignments/{id}/answers"),
        &member,
        Some(json!({"answers": [{"item": "Q2", "value": "yes"}]})),
    )
    .await
    .unwrap();
    send(
        post.clone(),
        format!("/api/v1/assignments/{id}/submit"),
        &member,
        None,
    )
    .await
    .unwrap();
    // The Kanto bureau supervises this bank and accepts.
    let res = send(
        post.clone(),
        format!("/api/v1/assignments/{id}/accept"),
        &kanto,
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "accepted");

    let q: Value = send(
        reqwest::Method::GET,
        format!("/api/v1/assignments/{id}"),
        &fsa,
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(q["scores"]["compliance"], 100.0, "{q}");
    assert_eq!(q["answers"]["Q1"]["comment"], "Board approved");

    // Progress and the answers export, within scope.
    let d: Value = send(
        reqwest::Method::GET,
        format!("/api/v1/campaigns/{}", app.campaign),
        &kanto,
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(d["progress"]["accepted"], 1);
    assert_eq!(
        d["progress"]["not_started"], 1,
        "Kanto sees its two institutions only: {d}"
    );
    let csv = send(
        reqwest::Method::GET,
        format!("/api/v1/campaigns/{}/answers.csv", app.campaign),
        &kanto,
        None,
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(
        csv.contains("RB-OWN") && csv.contains("Q1") && csv.contains("Board approved"),
        "{csv}"
    );
    assert!(
        !csv.contains("SK-OTHER"),
        "another bureau's institution leaked into the export"
    );
    let other = send(
        reqwest::Method::GET,
        format!("/api/v1/campaigns/{}", app.other_campaign),
        &kanto,
        None,
    )
    .await
    .unwrap();
    assert_eq!(other.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaigns_are_created_for_a_population_and_validated() {
    let app = spawn_app().await;
    let fsa = app.token(Role::FsaSupervisor).await;
    let create = |body: Value| {
        app.client
            .post(app.url("/api/v1/campaigns"))
            .bearer_auth(&fsa)
            .json(&body)
            .send()
    };
    let res = create(json!({"name": "Shinkin check", "framework_id": app.framework, "opens_on": "2025-04-01", "due_on": "2025-06-30", "target": {"sectors": ["shinkin"]}})).await.unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["assignments"], 2);
    let res = create(json!({"name": "Bad", "framework_id": app.framework, "opens_on": "2025-06-01", "due_on": "2025-04-01"})).await.unwrap();
    assert_eq!(res.status(), 422);
    let res = create(json!({"name": "Nobody", "framework_id": app.framework, "opens_on": "2025-04-01", "due_on": "2025-06-30", "target": {"sectors": ["crypto_exchange"]}})).await.unwrap();
    assert_eq!(res.status(), 422);
    let res = create(json!({"name": "Bad date", "framework_id": app.framework, "opens_on": "April", "due_on": "2025-06-30"})).await.unwrap();
    assert_eq!(res.status(), 400);
    let list: Value = app
        .get_with_token("/api/v1/campaigns", &fsa)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert!(list[0]["id"].is_i64() && list[0]["name"].is_string() && list[0]["status"] == "open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_questionnaire_round_trips_through_excel_over_the_api() {
    let app = spawn_app().await;
    let member = app.token(Role::InstitutionMember).await;
    let id = app.own_assignment;
    let url = app.url(&format!("/api/v1/assignments/{id}/questionnaire.xlsx"));
    // Answer through the API, download the file with the answers in it.
    app.client
        .put(app.url(&format!("/api/v1/assignments/{id}/answers")))
        .bearer_auth(&member)
        .json(&json!({"answers": [{"item": "Q1", "value": "yes", "comment": "board"}, {"item": "Q2", "value": "no"}]}))
        .send()
        .await
        .unwrap();
    let res = app
        .client
        .get(&url)
        .bearer_auth(&member)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/vnd.openxmlformats"));
    let bytes = res.bytes().await.unwrap().to_vec();
    let before = app.store.verify_audit().await.unwrap().unwrap();
    // Uploading it unchanged changes nothing and records nothing.
    let put = |body: Vec<u8>, ct: &'static str| {
        app.client
            .put(&url)
            .bearer_auth(&member)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let res = put(
        bytes.clone(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.store.verify_audit().await.unwrap().unwrap(),
        before,
        "an unchanged upload left history"
    );
    let q: Value = app
        .get_with_token(&format!("/api/v1/assignments/{id}"), &member)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(q["answers"]["Q1"]["value"], "yes");
    assert_eq!(q["answers"]["Q1"]["comment"], "board");
    assert_eq!(q["answers"]["Q2"]["value"], "no");
    // Not an xlsx, or the wrong type: clear errors.
    let res = put(
        b"Q1,yes".to_vec(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["code"], "invalid.xlsx_not_xlsx");
    assert_eq!(put(bytes.clone(), "text/csv").await.unwrap().status(), 415);
    // Another institution's file is refused.
    let admin = app.token(Role::FsaSupervisor).await;
    let other = app
        .client
        .get(app.url(&format!(
            "/api/v1/assignments/{}/questionnaire.xlsx",
            app.other_assignment
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let res = put(
        other,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await
    .unwrap();
    let p: Value = res.json().await.unwrap();
    assert_eq!(
        p["errors"][0]["code"], "invalid.xlsx_other_assignment",
        "{p}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_grant_extensions_and_export_answers_as_xlsx() {
    let app = spawn_app().await;
    let kanto = app.token(Role::BureauSupervisor).await;
    let member = app.token(Role::InstitutionMember).await;
    let extend = |token: &str, id: i64, due: &str| {
        app.client
            .post(app.url(&format!("/api/v1/assignments/{id}/extend")))
            .bearer_auth(token)
            .json(&json!({"due_on": due}))
            .send()
    };
    assert_eq!(
        extend(&kanto, app.own_assignment, "2000-01-01")
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        extend(&kanto, app.own_assignment, "2100-01-31")
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        extend(&member, app.own_assignment, "2101-01-31")
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        extend(&kanto, app.other_assignment, "2100-01-31")
            .await
            .unwrap()
            .status(),
        404
    );
    let q: Value = app
        .get_with_token(
            &format!("/api/v1/assignments/{}", app.own_assignment),
            &kanto,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(q["assignment"]["due_on"], "2100-01-31");
    let res = app
        .get_with_token(
            &format!("/api/v1/campaigns/{}/answers.xlsx", app.campaign),
            &kanto,
        )
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_institutions_are_reminded_and_see_it() {
    let app = spawn_app().await;
    let fsa = app.token(Role::FsaSupervisor).await;
    let kanto = app.token(Role::BureauSupervisor).await;
    // Nothing is overdue in the fixture (due 2099): nothing to remind.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/campaigns/{}/remind", app.campaign)))
        .bearer_auth(&kanto)
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["reminded"], 0);
    // A campaign already past its deadline.
    let res = app
        .client
        .post(app.url("/api/v1/campaigns"))
        .bearer_auth(&fsa)
        .json(&json!({"name": "Late", "framework_id": app.framework, "opens_on": "2020-01-01", "due_on": "2020-02-01"}))
        .send()
        .await
        .unwrap();
    let late = res.json::<Value>().await.unwrap()["campaign"]["id"]
        .as_i64()
        .unwrap();
    // The Kanto bureau reminds its two institutions only.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/campaigns/{late}/remind")))
        .bearer_auth(&kanto)
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["reminded"], 2);
    let page = |cursor: Option<&str>| {
        let url = match cursor {
            Some(c) => {
                format!("/api/v1/assignments?campaign={late}&overdue=true&limit=2&cursor={c}")
            }
            None => format!("/api/v1/assignments?campaign={late}&overdue=true&limit=2"),
        };
        let app = &app;
        let fsa = fsa.clone();
        async move {
            app.get_with_token(&url, &fsa)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let first = page(None).await;
    assert_eq!(first["total"], 3);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let rest = page(first["next"].as_str()).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next"].is_null());
    let all: Vec<Value> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .cloned()
        .collect();
    let own = all
        .iter()
        .find(|a| a["institution_code"] == "RB-OWN")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let session = app.session(Role::InstitutionMember).await;
    let page = app
        .get_with_session(&format!("/surveys/assignments/{own}"), &session)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"reminder\""),
        "the institution does not see the reminder"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_checked_by_content_and_served_as_an_attachment() {
    let app = spawn_app().await;
    let session = app.session(Role::InstitutionMember).await;
    let id = app.own_assignment;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().text("item", "Q1").part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        app.client
            .post(app.url(&format!(
                "/surveys/assignments/{id}/evidence?csrf={}",
                crate::support::CSRF
            )))
            .header(
                "cookie",
                format!(
                    "mamori_session={session}; mamori_csrf={}",
                    crate::support::CSRF
                ),
            )
            .multipart(form)
            .send()
    };
    let res = upload("plan.pdf", b"MZ pretending to be a pdf".to_vec())
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = upload("plan.pdf", b"%PDF-1.7 board approved plan".to_vec())
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let fsa = app.token(Role::FsaSupervisor).await;
    let list: Value = app
        .get_with_token(&format!("/api/v1/assignments/{id}/evidence"), &fsa)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["filename"], "plan.pdf");
    let eid = list[0]["id"].as_i64().unwrap();
    let res = app
        .get_with_token(&format!("/api/v1/assignments/{id}/evidence/{eid}"), &fsa)
        .await;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        b"%PDF-1.7 board approved plan"
    );
    // Not through another assignment's URL.
    let res = app
        .get_with_token(
            &format!(
                "/api/v1/assignments/{}/evidence/{eid}",
                app.other_assignment
            ),
            &fsa,
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_campaign_takes_no_more_answers() {
    let app = spawn_app().await;
    let fsa = app.token(Role::FsaSupervisor).await;
    let member = app.token(Role::InstitutionMember).await;
    let close = |token: &str| {
        app.client
            .post(app.url(&format!("/api/v1/campaigns/{}/close", app.campaign)))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(close(&member).await.unwrap().status(), 403);
    assert_eq!(close(&fsa).await.unwrap().status(), 204);
    assert_eq!(close(&fsa).await.unwrap().status(), 422, "closing twice");
    let res = app
        .client
        .put(app.url(&format!(
            "/api/v1/assignments/{}/answers",
            app.own_assignment
        )))
        .bearer_auth(&member)
        .json(&json!({"answers": [{"item": "Q1", "value": "yes"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["code"], "invalid.campaign_closed");
}
