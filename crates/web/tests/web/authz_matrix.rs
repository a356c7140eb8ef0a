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

/// Who may post in mutual aid: members (the fixture's institutions are trial members, and
/// the default trial policy lets them post) and ISAC staff.
const POSTERS: Rule = Rule::Roles(&[InstitutionAdmin, InstitutionMember, IsacAnalyst]);
/// Revoking: the author institution's staff (own = an object of the caller's institution)
/// and ISAC staff.
const REVOKE: Rule = Rule::Tenant(&[
    (SystemAdmin, false, false),
    (FsaSupervisor, false, false),
    (BureauSupervisor, false, false),
    (InstitutionAdmin, true, false),
    (InstitutionMember, true, false),
    (IsacAnalyst, true, true),
    (ExerciseController, false, false),
    (CouncilMember, false, false),
]);
const OUTREACH: Rule = Rule::Roles(&[FsaSupervisor, BureauSupervisor, IsacAnalyst]);
const CURATE: Rule = Rule::Roles(&[IsacAnalyst]);
/// The TAXII server: everyone signed in except trial members, whom the default trial
/// policy keeps off it.
const TAXII: Rule = Rule::Roles(&[
    SystemAdmin,
    FsaSupervisor,
    BureauSupervisor,
    IsacAnalyst,
    ExerciseController,
    CouncilMember,
]);
/// A status resource belongs to the account that posted.
const TAXII_STATUS: Rule = Rule::Tenant(&[
    (SystemAdmin, true, false),
    (FsaSupervisor, true, false),
    (BureauSupervisor, true, false),
    (InstitutionAdmin, false, false),
    (InstitutionMember, false, false),
    (IsacAnalyst, true, false),
    (ExerciseController, true, false),
    (CouncilMember, true, false),
]);
/// The GREEN collection's objects: the community (no full member in the fixture) and ISAC
/// staff; collections of CLEAR and AMBER are open to every TAXII user.
const TAXII_GREEN: Rule = Rule::Roles(&[IsacAnalyst]);

pub const OWN_OBJECT: &str = "indicator--00000000-0000-4000-8000-000000000001";
pub const OTHER_OBJECT: &str = "indicator--00000000-0000-4000-8000-000000000002";
pub const GREEN_OBJECT: &str = "indicator--00000000-0000-4000-8000-000000000003";

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
        ("get", "/mutual-aid/export.stix.json", AnyUser),
        ("get", "/mutual-aid/new", POSTERS),
        ("post", "/mutual-aid/indicators", POSTERS),
        ("post", "/mutual-aid/advisories", POSTERS),
        ("post", "/mutual-aid/import", POSTERS),
        ("get", "/mutual-aid/objects/{stix_id}", AnyUser),
        ("post", "/mutual-aid/objects/{stix_id}/sightings", POSTERS),
        ("post", "/mutual-aid/objects/{stix_id}/revoke", REVOKE),
        ("get", "/mutual-aid/policy", AnyUser),
        ("post", "/mutual-aid/policy", CURATE),
        ("get", "/outreach", OUTREACH),
        ("post", "/outreach/events", OUTREACH),
        ("get", "/api/v1/sharing/objects", AnyUser),
        ("get", "/api/v1/sharing/objects/{stix_id}", AnyUser),
        ("post", "/api/v1/sharing/objects/{stix_id}/revoke", REVOKE),
        (
            "post",
            "/api/v1/sharing/objects/{stix_id}/sightings",
            POSTERS,
        ),
        ("post", "/api/v1/sharing/indicators", POSTERS),
        ("post", "/api/v1/sharing/advisories", POSTERS),
        ("post", "/api/v1/sharing/import", POSTERS),
        ("get", "/api/v1/sharing/export.stix.json", AnyUser),
        ("get", "/api/v1/sharing/trial-policy", AnyUser),
        ("put", "/api/v1/sharing/trial-policy", CURATE),
        ("get", "/api/v1/outreach", OUTREACH),
        ("post", "/api/v1/outreach/events", OUTREACH),
        ("get", "/taxii2/", Public),
        ("get", "/taxii2/mamori/", TAXII),
        ("get", "/taxii2/mamori/status/{status_id}/", TAXII_STATUS),
        ("get", "/taxii2/mamori/collections/", TAXII),
        ("get", "/taxii2/mamori/collections/{collection_id}/", TAXII),
        (
            "get",
            "/taxii2/mamori/collections/{collection_id}/manifest/",
            TAXII_GREEN,
        ),
        (
            "get",
            "/taxii2/mamori/collections/{collection_id}/objects/",
            TAXII_GREEN,
        ),
        (
            "post",
            "/taxii2/mamori/collections/{collection_id}/objects/",
            TAXII_GREEN,
        ),
        (
            "get",
            "/taxii2/mamori/collections/{collection_id}/objects/{object_id}/",
            TAXII_GREEN,
        ),
        (
            "delete",
            "/taxii2/mamori/collections/{collection_id}/objects/{object_id}/",
            TAXII_GREEN,
        ),
        (
            "get",
            "/taxii2/mamori/collections/{collection_id}/objects/{object_id}/versions/",
            TAXII_GREEN,
        ),
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
    path = path.replace("{stix_id}", if own { OWN_OBJECT } else { OTHER_OBJECT });
    path = path.replace("{object_id}", GREEN_OBJECT);
    path = path.replace(
        "{collection_id}",
        &mamori_web::api::taxii::collection_id(mamori_domain::Tlp::Green),
    );
    if path.contains("{status_id}") {
        // Own: a status of the caller's account. Other: someone else's.
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
        let id = format!("status-{}-{}", acc.id, rand_suffix());
        app.store
            .insert_taxii_status(&mamori_store::sharing::TaxiiStatus {
                id: id.clone(),
                account_id: acc.id,
                created_at: chrono::Utc::now(),
                total: 0,
                successes: vec![],
                failures: vec![],
            })
            .await
            .unwrap();
        path = path.replace("{status_id}", &id);
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
    let taxii = path.starts_with("/taxii2/");
    let api = path.starts_with("/api/") || taxii;
    if taxii {
        req = req.header("accept", "application/taxii+json;version=2.1");
    }
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
    if taxii {
        return req
            .header("content-type", "application/taxii+json;version=2.1")
            .body(r#"{"objects": []}"#)
            .send()
            .await
            .unwrap();
    }
    let body = match route.path {
        // Bodies that parse but fail validation: allowed callers get a 422, nothing changes.
        "/api/v1/sharing/objects/{stix_id}/revoke" => serde_json::json!({"revoked": false}),
        "/api/v1/sharing/objects/{stix_id}/sightings" => serde_json::json!({
            "count": 0, "first_seen": "2026-01-01T00:00:00Z", "last_seen": "2026-01-01T00:00:00Z"
        }),
        "/api/v1/sharing/indicators" => {
            serde_json::json!({"kind": "ipv4", "value": "999.1.1.1", "tlp": "clear"})
        }
        "/api/v1/sharing/advisories" => serde_json::json!({
            "title_ja": "", "title_en": "", "body_ja": "", "body_en": "", "severity": "none", "tlp": "clear"
        }),
        "/api/v1/sharing/import" => {
            serde_json::json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": []})
        }
        "/api/v1/sharing/trial-policy" => {
            serde_json::json!({"max_tlp": "red", "may_post": true, "may_use_taxii": false})
        }
        "/api/v1/outreach/events" => serde_json::json!({
            "kind": "none", "organiser": "fsa", "audience": "staff", "bureau": "kanto", "held_on": "2026-05-01",
            "title_ja": "", "title_en": ""
        }),
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

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A CLEAR indicator of each tenant and a GREEN one, at fixed ids.
async fn seed_shared_objects(app: &TestApp) {
    use mamori_domain::sharing::Audience;
    use mamori_domain::Tlp;
    use mamori_store::sharing::{NewShared, Publisher};
    for (id, org, tlp) in [
        (OWN_OBJECT, app.own, Tlp::Clear),
        (OTHER_OBJECT, app.other, Tlp::Clear),
        (GREEN_OBJECT, app.own, Tlp::Green),
    ] {
        let o = NewShared {
            stix_id: id.into(),
            stix_type: "indicator".into(),
            version: "2026-01-01T00:00:00.000Z".into(),
            tlp,
            audience: Audience::Community,
            anonymous: false,
            revoked: false,
            kind: Some("ipv4".into()),
            value: Some("192.0.2.10".into()),
            title: "matrix".into(),
            severity: None,
            confidence: None,
            valid_from: None,
            valid_until: None,
            body: serde_json::json!({"type": "indicator", "spec_version": "2.1", "id": id}),
            recipient_organisations: vec![],
            recipient_accounts: vec![],
        };
        app.store
            .publish(
                &Actor::system("matrix"),
                Publisher {
                    organisation_id: org,
                    account_id: None,
                    curator: false,
                },
                &[o],
                true,
            )
            .await
            .unwrap();
    }
}

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
    seed_shared_objects(&app).await;
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
