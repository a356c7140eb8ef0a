//! The JSON API: problem+json for every kind of bad input, pagination and filters, the
//! OpenAPI document, CSV round trips, operational endpoints.

use crate::support::spawn_app;
use mamori_domain::Role;
use mamori_web::routes::ROUTES;
use serde_json::{json, Value};

async fn problem(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_problem_json_and_writes_nothing() {
    let app = spawn_app().await;
    let token = app.token(Role::FsaSupervisor).await;
    let before = app.store.verify_audit().await.unwrap().unwrap();
    let post = |body: String, ct: &str| {
        app.client
            .post(app.url("/api/v1/institutions"))
            .bearer_auth(&token)
            .header("content-type", ct)
            .header("accept-language", "en")
            .body(body)
            .send()
    };
    problem(
        post("{not json".into(), "application/json").await.unwrap(),
        400,
        "malformed_json",
    )
    .await;
    let p = problem(
        post(json!({"code": 5}).to_string(), "application/json")
            .await
            .unwrap(),
        400,
        "invalid_body",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("expected"), "{p}");
    let full = json!({"code": "X-1", "name_ja": "あ", "name_en": "A", "sector": "regional_bank", "size_tier": "small", "bureau": "kanto", "prefecture": "tokyo"});
    let mut unknown = full.clone();
    unknown["colour"] = json!("blue");
    let p = problem(
        post(unknown.to_string(), "application/json").await.unwrap(),
        400,
        "invalid_body",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("colour"));
    problem(
        post(full.to_string(), "text/plain").await.unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    problem(
        post("x".repeat(300 * 1024), "application/json")
            .await
            .unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    let mut invalid = full.clone();
    invalid["sector"] = json!("bank");
    invalid["bureau"] = json!("kinki");
    let p = problem(
        post(invalid.to_string(), "application/json").await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"sector") && fields.contains(&"bureau"),
        "{p}"
    );
    assert_eq!(
        app.store.verify_audit().await.unwrap().unwrap(),
        before,
        "bad input changed something"
    );
    // Valid input does change something, once.
    assert_eq!(
        post(full.to_string(), "application/json")
            .await
            .unwrap()
            .status(),
        201
    );
    problem(
        post(full.to_string(), "application/json").await.unwrap(),
        409,
        "conflict",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_and_ids_are_clear_errors_in_the_callers_language() {
    let app = spawn_app().await;
    let token = app.token(Role::FsaSupervisor).await;
    let get = |path: &str, lang: &'static str| {
        app.client
            .get(app.url(path))
            .bearer_auth(&token)
            .header("accept-language", lang)
            .send()
    };
    problem(
        get("/api/v1/institutions?limit=abc", "en").await.unwrap(),
        400,
        "invalid_query",
    )
    .await;
    problem(
        get("/api/v1/institutions?limit=0", "en").await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    let p = problem(
        get("/api/v1/institutions?sector=bank", "ja").await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("項目"), "{p}");
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("業態"),
        "{p}"
    );
    problem(
        get("/api/v1/institutions?cursor=zz", "en").await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    problem(
        get("/api/v1/institutions/abc", "en").await.unwrap(),
        404,
        "not_found",
    )
    .await;
    problem(
        get("/api/v1/institutions/999999", "en").await.unwrap(),
        404,
        "not_found",
    )
    .await;
    problem(
        get("/api/v1/nothing-here", "en").await.unwrap(),
        404,
        "not_found",
    )
    .await;
    let res = app
        .client
        .patch(app.url("/api/v1/institutions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    problem(res, 405, "method_not_allowed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn institutions_page_filter_and_sort() {
    let app = spawn_app().await;
    let token = app.token(Role::FsaSupervisor).await;
    let get = |path: String| {
        let app = &app;
        let token = token.clone();
        async move {
            app.get_with_token(&path, &token)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let all = get("/api/v1/institutions?limit=2&sort=code".into()).await;
    assert_eq!(all["total"], 3);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_eq!(all["items"][0]["code"], "RB-OWN");
    let next = all["next"].as_str().unwrap();
    let rest = get(format!(
        "/api/v1/institutions?limit=2&sort=code&cursor={next}"
    ))
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next"].is_null());
    let shinkin = get("/api/v1/institutions?sector=shinkin".into()).await;
    assert_eq!(shinkin["total"], 2);
    let kinki = get("/api/v1/institutions?bureau=kinki".into()).await;
    assert_eq!(kinki["total"], 1);
    assert_eq!(kinki["items"][0]["code"], "SK-OTHER");
    let search = get("/api/v1/institutions?q=third".into()).await;
    assert_eq!(search["total"], 1);
    assert_eq!(search["items"][0]["id"], app.third);
    let desc = get("/api/v1/institutions?sort=code&order=desc".into()).await;
    assert_eq!(desc["items"][0]["code"], "SK-THIRD");
    // The Kanto bureau sees its own two.
    let kanto = app.token(Role::BureauSupervisor).await;
    let mine: Value = app
        .get_with_token("/api/v1/institutions", &kanto)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_3_1_and_describes_every_api_route() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for r in ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
    {
        assert!(
            doc["paths"][r.path][r.method].is_object(),
            "{} {} is missing from the OpenAPI document",
            r.method,
            r.path
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_imports_back_unchanged_and_bad_rows_are_listed() {
    let app = spawn_app().await;
    let token = app.token(Role::FsaSupervisor).await;
    let csv = app
        .get_with_token("/api/v1/registry/export.csv", &token)
        .await
        .bytes()
        .await
        .unwrap();
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "export lacks the byte-order mark"
    );
    let import = |body: Vec<u8>, ct: &'static str| {
        app.client
            .post(app.url("/api/v1/registry/import"))
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let res = import(csv.to_vec(), "text/csv").await.unwrap();
    assert_eq!(res.status(), 200);
    let summary: Value = res.json().await.unwrap();
    assert_eq!(summary, json!({"created": 0, "updated": 0, "unchanged": 3}));

    let before = app.store.verify_audit().await.unwrap().unwrap();
    let mut text = String::from_utf8(csv.to_vec()).unwrap();
    text.push_str("NEW-1,新しい銀行,New Bank,regional_bank,small,kanto,tokyo,,none,false\n");
    text.push_str("BAD 2,,Bad,bank,small,kanto,tokyo,,none,maybe\n");
    let p = problem(
        import(text.into_bytes(), "text/csv").await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    let errors = p["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e["row"] == 6), "{p}");
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["code", "name_ja", "sector", "require_totp"] {
        assert!(fields.contains(&f), "{f} not reported: {p}");
    }
    assert_eq!(
        app.store.verify_audit().await.unwrap().unwrap(),
        before,
        "a rejected file saved something"
    );
    problem(
        import(b"\x00\x01binary".to_vec(), "text/csv")
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    problem(
        import(b"a,b".to_vec(), "application/octet-stream")
            .await
            .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    problem(
        import(vec![b'a'; 6 * 1024 * 1024], "text/csv")
            .await
            .unwrap(),
        413,
        "payload_too_large",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "mamori_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_api_is_scoped_and_paginated() {
    let app = spawn_app().await;
    let fsa = app.token(Role::FsaSupervisor).await;
    let all: Value = app
        .get_with_token("/api/v1/audit?limit=2", &fsa)
        .await
        .json()
        .await
        .unwrap();
    assert!(all["total"].as_i64().unwrap() > 5);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert!(all["items"][0]["seq"].as_i64() > all["items"][1]["seq"].as_i64());
    let own = app.token(Role::InstitutionAdmin).await;
    let mine: Value = app
        .get_with_token("/api/v1/audit?limit=500", &own)
        .await
        .json()
        .await
        .unwrap();
    for r in mine["items"].as_array().unwrap() {
        assert_eq!(r["organisation_id"], app.own, "{r}");
    }
}
