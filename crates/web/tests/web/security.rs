//! CSRF, sign-in lockout and rate limiting, bearer tokens, cookies.

use crate::support::{spawn_app, spawn_app_with, CSRF, PASSWORD};
use mamori_domain::Role;
use mamori_web::WebConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_the_csrf_token_are_rejected_and_change_nothing() {
    let app = spawn_app().await;
    let session = app.session(Role::FsaSupervisor).await;
    let before = app.store.verify_audit().await.unwrap().unwrap();
    let fields = [
        ("code", "NEW-1"),
        ("name_ja", "新銀行"),
        ("name_en", "New Bank"),
        ("sector", "regional_bank"),
        ("size_tier", "small"),
        ("bureau", "kanto"),
        ("prefecture", "tokyo"),
    ];
    // No token at all.
    let res = app
        .client
        .post(app.url("/registry/new"))
        .header(
            "cookie",
            format!("mamori_session={session}; mamori_csrf={CSRF}"),
        )
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("form"));
    // A token that does not match the cookie.
    let mut wrong: Vec<(&str, &str)> = vec![(
        "csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    )];
    wrong.extend_from_slice(&fields);
    let res = app
        .client
        .post(app.url("/registry/new"))
        .header(
            "cookie",
            format!("mamori_session={session}; mamori_csrf={CSRF}"),
        )
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Sign-in forms are protected too (login CSRF).
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "fsa-supervisor"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.store.verify_audit().await.unwrap().unwrap(),
        before,
        "a rejected form changed something"
    );
    // With the token, the same form works.
    let res = app
        .post_form("/registry/new", Some(&session), &fields)
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_writes_with_a_session_cookie_need_the_csrf_header() {
    let app = spawn_app().await;
    let session = app.session(Role::FsaSupervisor).await;
    let url = app.url(&format!("/api/v1/institutions/{}/contacts", app.own));
    let res = app
        .client
        .post(&url)
        .header(
            "cookie",
            format!("mamori_session={session}; mamori_csrf={CSRF}"),
        )
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "csrf_rejected");
    let res = app
        .client
        .post(&url)
        .header(
            "cookie",
            format!("mamori_session={session}; mamori_csrf={CSRF}"),
        )
        .header("x-csrf-token", CSRF)
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sets_a_strict_httponly_cookie_and_locks_after_failures() {
    let app = spawn_app().await;
    let user = app.users[&Role::InstitutionMember].clone();
    let res = app
        .post_form(
            "/login",
            None,
            &[
                ("username", &user),
                ("password", PASSWORD),
                ("next", "/registry"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/registry");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("mamori_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // An open redirect is refused.
    let res = app
        .post_form(
            "/login",
            None,
            &[
                ("username", &user),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/");

    for _ in 0..4 {
        let res = app
            .post_form(
                "/login",
                None,
                &[("username", &user), ("password", "wrong password")],
            )
            .await;
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("login-error"));
    }
    let res = app
        .post_form(
            "/login",
            None,
            &[("username", &user), ("password", "wrong password")],
        )
        .await;
    let page = res.text().await.unwrap();
    assert!(page.contains("ロック") || page.contains("locked"), "{page}");
    // The right password does not help while locked.
    let res = app
        .post_form(
            "/login",
            None,
            &[("username", &user), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200, "a locked account signed in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_are_rate_limited_per_address() {
    let app = spawn_app_with(WebConfig {
        login_attempts: 3,
        ..WebConfig::default()
    })
    .await;
    for _ in 0..3 {
        let res = app
            .post_form("/login", None, &[("username", "nobody"), ("password", "x")])
            .await;
        assert_eq!(res.status(), 200);
    }
    let res = app
        .post_form("/login", None, &[("username", "nobody"), ("password", "x")])
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_authenticate_until_revoked() {
    let app = spawn_app().await;
    let token = app.token(Role::InstitutionMember).await;
    let res = app.get_with_token("/api/v1/me", &token).await;
    assert_eq!(res.status(), 200);
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["role"], "institution_member");
    let res = app.get_with_token("/api/v1/me", "mamori_0000").await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let acc = app
        .store
        .account_by_username(&app.users[&Role::InstitutionMember])
        .await
        .unwrap();
    let tokens = app.store.list_tokens(acc.id).await.unwrap();
    app.store
        .revoke_token(&mamori_store::Actor::system("t"), acc.id, tokens[0].id)
        .await
        .unwrap();
    assert_eq!(app.get_with_token("/api/v1/me", &token).await.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_institutions_record_is_not_found_for_an_institution_user() {
    let app = spawn_app().await;
    let token = app.token(Role::InstitutionAdmin).await;
    let res = app
        .get_with_token(&format!("/api/v1/institutions/{}", app.other), &token)
        .await;
    assert_eq!(res.status(), 404);
    let list: serde_json::Value = app
        .get_with_token("/api/v1/institutions", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], app.own);
    // The export obeys the same scope.
    let csv = app
        .get_with_token("/api/v1/registry/export.csv", &token)
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("RB-OWN") && !csv.contains("SK-OTHER"), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_that_requires_a_second_factor_confines_accounts_without_one() {
    let app = spawn_app().await;
    let fsa = app.token(Role::FsaSupervisor).await;
    let i = app
        .store
        .get_institution(mamori_domain::InstitutionScope::All, app.own)
        .await
        .unwrap();
    let mut fields = mamori_domain::InstitutionFields::from(&i);
    fields.require_totp = Some(true);
    let res = app
        .client
        .put(app.url(&format!("/api/v1/institutions/{}", app.own)))
        .bearer_auth(&fsa)
        .json(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let session = app.session(Role::InstitutionMember).await;
    let res = app.get_with_session("/registry", &session).await;
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/account"));
    assert_eq!(
        app.get_with_session("/account", &session).await.status(),
        200
    );
    let token = app.token(Role::InstitutionMember).await;
    let res = app.get_with_token("/api/v1/institutions", &token).await;
    assert_eq!(res.status(), 403);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "totp_enrolment_required");
}
