//! The authorization matrix: every route × every role (and anonymous) × own / other tenant,
//! against expectations written out here by hand. A route without an entry fails the test,
//! and so does an entry for a route that no longer exists.

use crate::support::{spawn_app, TestApp, CSRF};
use mamori_domain::institution::ContactInput;
use mamori_domain::Role;
use mamori_store::Actor;
use mamori_web::routes::{RouteSpec, ROUTES};
use std::collections::HashMap;

/// Who may use a route. For routes that name an institution, "own" is the institution (or
/// bureau) of the caller and "other" one outside it.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Everyone, signed in or not.
    Public,
    /// Any signed-in account.
    AnyUser,
    /// The listed roles, whichever tenant the path names.
    Roles(&'static [Role]),
    /// Per role: (own allowed, other allowed).
    Tenant(&'static [(Role, bool, bool)]),
    /// Any signed-in account, for its own object only (e.g. its own API tokens).
    OwnObjectOnly,
}

use Role::*;

const SURVEYS: Rule = Rule::Roles(&[
    FsaSupervisor,
    BureauSupervisor,
    InstitutionAdmin,
    InstitutionMember,
]);
const CAMPAIGN_WRITE: Rule = Rule::Roles(&[FsaSupervisor]);
/// Closing is tried on a throwaway campaign per request (see `concrete_path`), so an allowed
/// close leaves the fixture's campaigns open for the other routes.
const CAMPAIGN_CLOSE: Rule = Rule::Roles(&[FsaSupervisor]);
const SURVEY_READ: Rule = Rule::Tenant(&[
    (SystemAdmin, false, false),
    (FsaSupervisor, true, true),
    (BureauSupervisor, true, false),
    (InstitutionAdmin, true, false),
    (InstitutionMember, true, false),
    (IsacAnalyst, false, false),
    (ExerciseController, false, false),
    (CouncilMember, false, false),
]);
const SURVEY_ANSWER: Rule = Rule::Tenant(&[
    (SystemAdmin, false, false),
    (FsaSupervisor, false, false),
    (BureauSupervisor, false, false),
    (InstitutionAdmin, true, false),
    (InstitutionMember, true, false),
    (IsacAnalyst, false, false),
    (ExerciseController, false, false),
    (CouncilMember, false, false),
]);
const SURVEY_REVIEW: Rule = Rule::Tenant(&[
    (SystemAdmin, false, false),
    (FsaSupervisor, true, true),
    (BureauSupervisor, true, false),
    (InstitutionAdmin, false, false),
    (InstitutionMember, false, false),
    (IsacAnalyst, false, false),
    (ExerciseController, false, false),
    (CouncilMember, false, false),
]);
const REGISTRY_LIST: Rule = Rule::Roles(&[
    SystemAdmin,
    FsaSupervisor,
    BureauSupervisor,
    InstitutionAdmin,
    InstitutionMember,
    IsacAnalyst,
    ExerciseController,
]);
const REGISTRY_WRITE: Rule = Rule::Roles(&[SystemAdmin, FsaSupervisor]);
const NON_INSTITUTION: Rule = Rule::Roles(&[
    SystemAdmin,
    FsaSupervisor,
    BureauSupervisor,
    IsacAnalyst,
    ExerciseController,
    CouncilMember,
]);
const AUDIT: Rule = Rule::Roles(&[
    SystemAdmin,
    FsaSupervisor,
    BureauSupervisor,
    InstitutionAdmin,
    IsacAnalyst,
    ExerciseController,
    CouncilMember,
]);
const ADMIN: Rule = Rule::Roles(&[SystemAdmin]);
const SUPERVISION: Rule = Rule::Roles(&[FsaSupervisor, BureauSupervisor]);
/// One institution's risk profile, or a campaign's sector report: supervisors of its
/// jurisdiction.
const SUPERVISION_ONE: Rule = Rule::Tenant(&[
    (SystemAdmin, false, false),
    (FsaSupervisor, true, true),
    (BureauSupervisor, true, false),
    (InstitutionAdmin, false, false),
    (InstitutionMember, false, false),
    (IsacAnalyst, false, false),
    (ExerciseController, false, false),
    (CouncilMember, false, false),
]);
const READ_ONE: Rule = Rule::Tenant(&[
    (SystemAdmin, true, true),
    (FsaSupervisor, true, true),
    (BureauSupervisor, true, false),
    (InstitutionAdmin, true, false),
    (InstitutionMember, true, false),
    (IsacAnalyst, true, true),
    (ExerciseController, true, true),
    (CouncilMember, false, false),
]);
const EDIT_ONE: Rule = Rule::Tenant(&[
    (SystemAdmin, true, true),
    (FsaSupervisor, true, true),
    (BureauSupervisor, true, false),
    (InstitutionAdmin, false, false),
    (InstitutionMember, false, false),
    (IsacAnalyst, false, false),
    (ExerciseController, false, false),
    (CouncilMember, false, false),
]);
const CONTACTS_ONE: Rule = Rule::Tenant(&[
    (SystemAdmin, true, true),
    (FsaSupervisor, true, true),
    (BureauSupervisor, true, false),
    (InstitutionAdmin, true, false),
    (InstitutionMember, false, false),
    (IsacAnalyst, false, false),
    (ExerciseController, false, false),
    (CouncilMember, false, false),
]);

fn matrix() -> HashMap<(&'static str, &'static str), Rule> {
    use Rule::*;
    let entries: &[(&str, &str, Rule)] = &[
        ("get", "/healthz", Public),
        ("get", "/readyz", Public),
        ("get", "/metrics", Public),
        ("get", "/static/app.css", Public),
        ("get", "/login", Public),
        ("post", "/login", Public),
        ("post", "/logout", AnyUser),
        ("post", "/lang", Public),
        ("get", "/", AnyUser),
        ("get", "/registry", REGISTRY_LIST),
        ("get", "/registry/export.csv", REGISTRY_LIST),
        ("get", "/registry/import", REGISTRY_WRITE),
        ("post", "/registry/import", REGISTRY_WRITE),
        ("get", "/registry/new", REGISTRY_WRITE),
        ("post", "/registry/new", REGISTRY_WRITE),
        ("get", "/registry/{id}", READ_ONE),
        ("get", "/registry/{id}/edit", EDIT_ONE),
        ("post", "/registry/{id}/edit", EDIT_ONE),
        ("post", "/registry/{id}/contacts", CONTACTS_ONE),
        (
            "post",
            "/registry/{id}/contacts/{contact_id}/delete",
            CONTACTS_ONE,
        ),
        ("get", "/organisations", NON_INSTITUTION),
        ("get", "/audit", AUDIT),
        ("get", "/account", AnyUser),
        ("post", "/account/totp", AnyUser),
        ("post", "/account/totp/disable", AnyUser),
        ("post", "/account/tokens", AnyUser),
        ("post", "/account/tokens/{token_id}/revoke", OwnObjectOnly),
        ("get", "/admin/accounts", ADMIN),
        ("post", "/admin/accounts", ADMIN),
        ("post", "/admin/accounts/{username}/disable", ADMIN),
        ("post", "/admin/accounts/{username}/enable", ADMIN),
        ("get", "/surveys", AnyUser),
        ("get", "/surveys/frameworks/{id}", AnyUser),
        ("get", "/surveys/campaigns/new", CAMPAIGN_WRITE),
        ("post", "/surveys/campaigns/new", CAMPAIGN_WRITE),
        ("get", "/surveys/campaigns/{id}", SURVEY_READ),
        ("post", "/surveys/campaigns/{id}/remind", SURVEY_REVIEW),
        ("post", "/surveys/campaigns/{id}/close", CAMPAIGN_CLOSE),
        ("get", "/surveys/assignments/{id}", SURVEY_READ),
        ("post", "/surveys/assignments/{id}", SURVEY_ANSWER),
        ("post", "/surveys/assignments/{id}/review", SURVEY_REVIEW),
        (
            "get",
            "/surveys/assignments/{id}/questionnaire.xlsx",
            SURVEY_READ,
        ),
        ("post", "/surveys/assignments/{id}/upload", SURVEY_ANSWER),
        ("post", "/surveys/assignments/{id}/extend", SURVEY_REVIEW),
        ("post", "/surveys/assignments/{id}/evidence", SURVEY_ANSWER),
        (
            "get",
            "/surveys/assignments/{id}/evidence/{evidence_id}",
            SURVEY_READ,
        ),
        ("get", "/supervision", SUPERVISION),
        ("get", "/supervision/export.csv", SUPERVISION),
        ("get", "/supervision/institutions/{id}", SUPERVISION_ONE),
        ("get", "/outsourcing", AnyUser),
        ("get", "/exercises", AnyUser),
        ("get", "/mutual-aid", AnyUser),
        ("get", "/reports", AnyUser),
        (
            "get",
            "/reports/campaigns/{id}/sector/{format}",
            SUPERVISION_ONE,
        ),
        ("get", "/reports/feedback/{id}", SURVEY_READ),
        ("get", "/reports/feedback/{id}/pdf", SURVEY_READ),
        ("get", "/api/v1/supervision/priorities", SUPERVISION),
        (
            "get",
            "/api/v1/institutions/{id}/risk-profile",
            SUPERVISION_ONE,
        ),
        ("get", "/api/v1/institutions/{id}/benchmark", SURVEY_READ),
        ("get", "/api/v1/openapi.json", Public),
        ("get", "/api/v1/me", AnyUser),
        ("get", "/api/v1/institutions", REGISTRY_LIST),
        ("post", "/api/v1/institutions", REGISTRY_WRITE),
        ("get", "/api/v1/institutions/{id}", READ_ONE),
        ("put", "/api/v1/institutions/{id}", EDIT_ONE),
        ("get", "/api/v1/institutions/{id}/contacts", READ_ONE),
        ("post", "/api/v1/institutions/{id}/contacts", CONTACTS_ONE),
        (
            "delete",
            "/api/v1/institutions/{id}/contacts/{contact_id}",
            CONTACTS_ONE,
        ),
        ("get", "/api/v1/registry/export.csv", REGISTRY_LIST),
        ("post", "/api/v1/registry/import", REGISTRY_WRITE),
        ("get", "/api/v1/organisations", NON_INSTITUTION),
        ("get", "/api/v1/audit", AUDIT),
        ("get", "/api/v1/frameworks", AnyUser),
        ("get", "/api/v1/frameworks/{id}", AnyUser),
        ("get", "/api/v1/campaigns", SURVEYS),
        ("post", "/api/v1/campaigns", CAMPAIGN_WRITE),
        ("get", "/api/v1/campaigns/{id}", SURVEY_READ),
        ("get", "/api/v1/campaigns/{id}/answers.csv", SURVEY_READ),
        ("get", "/api/v1/campaigns/{id}/answers.xlsx", SURVEY_READ),
        ("post", "/api/v1/campaigns/{id}/remind", SURVEY_REVIEW),
        ("post", "/api/v1/campaigns/{id}/close", CAMPAIGN_CLOSE),
        ("get", "/api/v1/assignments", SURVEYS),
        ("get", "/api/v1/assignments/{id}", SURVEY_READ),
        ("put", "/api/v1/assignments/{id}/answers", SURVEY_ANSWER),
        ("post", "/api/v1/assignments/{id}/submit", SURVEY_ANSWER),
        ("post", "/api/v1/assignments/{id}/return", SURVEY_REVIEW),
        ("post", "/api/v1/assignments/{id}/accept", SURVEY_REVIEW),
        ("post", "/api/v1/assignments/{id}/extend", SURVEY_REVIEW),
        ("get", "/api/v1/assignments/{id}/evidence", SURVEY_READ),
        (
            "get",
            "/api/v1/assignments/{id}/evidence/{evidence_id}",
            SURVEY_READ,
        ),
        (
            "get",
            "/api/v1/assignments/{id}/questionnaire.xlsx",
            SURVEY_READ,
        ),
        (
            "put",
            "/api/v1/assignments/{id}/questionnaire.xlsx",
            SURVEY_ANSWER,
        ),
    ];
    entries.iter().map(|(m, p, r)| ((*m, *p), *r)).collect()
}

fn expected(rule: Rule, role: Option<Role>, own: bool) -> bool {
    match (rule, role) {
        (Rule::Public, _) => true,
        (_, None) => false,
        (Rule::AnyUser, Some(_)) => true,
        (Rule::Roles(roles), Some(r)) => roles.contains(&r),
        (Rule::Tenant(table), Some(r)) => table
            .iter()
            .find(|(role, _, _)| *role == r)
            .map(|(_, o, x)| if own { *o } else { *x })
            .unwrap_or(false),
        (Rule::OwnObjectOnly, Some(_)) => own,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_has_an_entry_and_every_entry_a_route() {
    let m = matrix();
    for r in ROUTES {
        assert!(
            m.contains_key(&(r.method, r.path)),
            "route {} {} has no authorization-matrix entry",
            r.method,
            r.path
        );
    }
    for (method, path) in m.keys() {
        assert!(
            ROUTES
                .iter()
                .any(|r| r.method == *method && r.path == *path),
            "matrix entry {method} {path} names no route"
        );
    }
}

struct Caller {
    role: Option<Role>,
    session: Option<String>,
    token: Option<String>,
}

/// Fills the path's parameters for the caller and tenant, creating what must exist.
async fn concrete_path(app: &TestApp, route: &RouteSpec, caller: &Caller, own: bool) -> String {
    let inst = if own { app.own } else { app.other };
    // What `{id}` names depends on the resource.
    let id = if route.path.contains("/assignments/") || route.path.contains("/feedback/") {
        if own {
            app.own_assignment
        } else {
            app.other_assignment
        }
    } else if route.path.contains("/campaigns/") {
        if own {
            app.campaign
        } else {
            app.other_campaign
        }
    } else if route.path.contains("/frameworks/") {
        app.framework
    } else {
        inst
    };
    let mut path = route.path.replace("{id}", &id.to_string());
    // Every format of the sector report is the same decision; one stands for all.
    path = path.replace("{format}", "html");
    if path.ends_with("/benchmark") {
        path.push_str(&format!("?campaign={}", app.campaign));
    }
    if path.contains("{contact_id}") {
        let c = ContactInput {
            name: "CISO office".into(),
            title: None,
            email: None,
            phone: None,
        };
        let id = app
            .store
            .add_contact(&Actor::system("matrix"), inst, &c)
            .await
            .unwrap();
        path = path.replace("{contact_id}", &id.to_string());
    }
    if path.contains("{token_id}") {
        // Own: a token of the caller's account. Other: a token of someone else's.
        let holder = match (caller.role, own) {
            (Some(r), true) => r,
            (Some(FsaSupervisor), false) => SystemAdmin,
            _ => FsaSupervisor,
        };
        let acc = app
            .store
            .account_by_username(&app.users[&holder])
            .await
            .unwrap();
        let (_, t) = app
            .store
            .create_token(
                &Actor::system("matrix"),
                acc.id,
                "matrix",
                chrono::Utc::now() + chrono::Duration::days(1),
            )
            .await
            .unwrap();
        path = path.replace("{token_id}", &t.id.to_string());
    }
    if route.path.ends_with("/close") {
        // A campaign of its own, so that closing it changes nothing the other checks use.
        let framework = app.framework;
        let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let (c, _) = app
            .store
            .create_campaign(
                &Actor::system("matrix"),
                &mamori_store::campaigns::NewCampaign {
                    name: "to close".into(),
                    framework_id: framework,
                    instructions: None,
                    opens_on: day("2025-01-01"),
                    due_on: day("2025-02-01"),
                    target: mamori_store::campaigns::CampaignTarget {
                        institutions: vec![if own {
                            "RB-OWN".into()
                        } else {
                            "SK-OTHER".into()
                        }],
                        ..Default::default()
                    },
                },
            )
            .await
            .unwrap();
        path = route.path.replace("{id}", &c.id.to_string());
    }
    if path.contains("{evidence_id}") {
        let assignment = if own {
            app.own_assignment
        } else {
            app.other_assignment
        };
        let a = app
            .store
            .assignment(mamori_domain::InstitutionScope::All, assignment)
            .await
            .unwrap();
        let e = app
            .store
            .add_evidence(
                &Actor::system("matrix"),
                &a,
                "Q1",
                "plan.pdf",
                "application/pdf",
                b"%PDF-1.7 matrix",
            )
            .await
            .unwrap();
        path = path.replace("{evidence_id}", &e.to_string());
    }
    if path.contains("{username}") {
        // A throwaway account, so that disabling it affects no caller.
        path = path.replace("{username}", TARGET_USER);
    }
    path
}

async fn send(
    app: &TestApp,
    route: &RouteSpec,
    caller: &Caller,
    path: &str,
    own: bool,
    n: usize,
) -> reqwest::Response {
    let url = app.url(path);
    let method = reqwest::Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap();
    let mut req = app.client.request(method.clone(), &url);
    let api = path.starts_with("/api/");
    if api {
        if let Some(t) = &caller.token {
            req = req.bearer_auth(t);
        }
    } else {
        let mut cookie = format!("mamori_csrf={CSRF}");
        if let Some(s) = &caller.session {
            cookie.push_str(&format!("; mamori_session={s}"));
        }
        req = req.header("cookie", cookie);
    }
    if method == reqwest::Method::GET || method == reqwest::Method::DELETE {
        return req.send().await.unwrap();
    }
    if !api {
        return req
            .form(&[("csrf", CSRF), ("lang", "en")])
            .send()
            .await
            .unwrap();
    }
    let inst = if own { app.own } else { app.other };
    let body = match route.path {
        "/api/v1/institutions" => serde_json::json!({
            "code": format!("MX-{n}"), "name_ja": "行列銀行", "name_en": "Matrix Bank", "sector": "regional_bank",
            "size_tier": "small", "bureau": "kanto", "prefecture": "tokyo"
        }),
        "/api/v1/institutions/{id}" => {
            let i = app
                .store
                .get_institution(mamori_domain::InstitutionScope::All, inst)
                .await
                .unwrap();
            serde_json::to_value(mamori_domain::InstitutionFields::from(&i)).unwrap()
        }
        "/api/v1/institutions/{id}/contacts" => serde_json::json!({"name": "Matrix contact"}),
        "/api/v1/campaigns" => serde_json::json!({
            "name": format!("Matrix {n}"), "framework_id": app.framework, "opens_on": "2025-01-01", "due_on": "2025-02-01",
            "target": {"institutions": ["RB-OWN"]}
        }),
        "/api/v1/assignments/{id}/answers" => serde_json::json!({"answers": []}),
        "/api/v1/assignments/{id}/return" => serde_json::json!({}),
        // A date before the current deadline: allowed callers get a 422, so no state changes.
        "/api/v1/assignments/{id}/extend" => serde_json::json!({"due_on": "2000-01-01"}),
        "/api/v1/assignments/{id}/submit"
        | "/api/v1/assignments/{id}/accept"
        | "/api/v1/assignments/{id}/questionnaire.xlsx"
        | "/api/v1/campaigns/{id}/remind"
        | "/api/v1/campaigns/{id}/close" => return req.send().await.unwrap(),
        "/api/v1/registry/import" => {
            let csv = format!(
                "{}\nIMP-{n},取込銀行,Imported Bank,regional_bank,small,kanto,tokyo,,none,false\n",
                mamori_domain::registry_csv::COLUMNS.join(",")
            );
            return req
                .header("content-type", "text/csv")
                .body(csv)
                .send()
                .await
                .unwrap();
        }
        other => panic!("no request body defined for {other}"),
    };
    req.json(&body).send().await.unwrap()
}

fn allowed(res: &reqwest::Response) -> bool {
    let s = res.status().as_u16();
    if s == 303 {
        let to = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // Denial sends the browser to sign in, remembering where it wanted to go.
        return !to.starts_with("/login?next=");
    }
    !matches!(s, 401 | 403 | 404)
}

const TARGET_USER: &str = "matrix-target";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_role_and_tenant_is_allowed_or_denied_as_specified() {
    let app = spawn_app().await;
    app.store
        .create_account(
            &Actor::system("matrix"),
            &mamori_store::accounts::NewAccount {
                username: TARGET_USER.into(),
                display_name: "target".into(),
                organisation_code: "ASSOC".into(),
                role: CouncilMember,
                password: crate::support::PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let m = matrix();
    let mut callers = vec![Caller {
        role: None,
        session: None,
        token: None,
    }];
    for role in Role::ALL {
        callers.push(Caller {
            role: Some(role),
            session: Some(app.session(role).await),
            token: Some(app.token(role).await),
        });
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut n = 0;
    for route in ROUTES {
        let rule = m[&(route.method, route.path)];
        for caller in &mut callers {
            for own in [true, false] {
                n += 1;
                let path = concrete_path(&app, route, caller, own).await;
                let res = send(&app, route, caller, &path, own, n).await;
                let status = res.status();
                assert!(
                    status.as_u16() < 500,
                    "{} {path} as {:?} answered {status}",
                    route.method,
                    caller.role
                );
                let got = allowed(&res);
                let want = expected(rule, caller.role, own);
                checked += 1;
                if got != want {
                    failures.push(format!(
                        "{} {} as {:?} ({}): expected {}, got {status}",
                        route.method.to_uppercase(),
                        path,
                        caller.role,
                        if own { "own" } else { "other" },
                        if want { "allowed" } else { "denied" }
                    ));
                }
                // Signing out ends the session: take a new one for the next route.
                if route.path == "/logout" && got {
                    if let Some(r) = caller.role {
                        caller.session = Some(app.session(r).await);
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= ROUTES.len() * 18);
}
