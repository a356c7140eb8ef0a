//! `spawn_app`: the real application on a free port with a fresh database and a small
//! fixture: two bureaus' worth of institutions and one account per role.

use mamori_domain::institution::InstitutionInput;
use mamori_domain::{Bureau, IsacMembership, OrganisationKind, Prefecture, Role, Sector, SizeTier};
use mamori_store::accounts::{LoginOutcome, NewAccount};
use mamori_store::testing::TestDatabase;
use mamori_store::{Actor, Store};
use mamori_web::{AppState, WebConfig};
use std::collections::HashMap;

pub const PASSWORD: &str = "test password 123";
pub const CSRF: &str = "c5f0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234567890abcdef12";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub client: reqwest::Client,
    /// A Kanto regional bank: the "own" institution of the institution users and the Kanto
    /// bureau supervisor.
    pub own: i64,
    /// A Kinki shinkin: "another tenant" for them.
    pub other: i64,
    /// A Kanto shinkin, so that filters have something to choose between.
    pub third: i64,
    /// username of the account holding each role.
    pub users: HashMap<Role, String>,
    /// A two-question framework.
    pub framework: i64,
    /// A campaign sent to all three institutions, and one sent only to `other`.
    pub campaign: i64,
    pub other_campaign: i64,
    /// The assignments of `own` and `other` in `campaign`.
    pub own_assignment: i64,
    pub other_assignment: i64,
    _db: TestDatabase,
}

pub fn username(role: Role) -> String {
    role.code().replace('_', "-")
}

fn institution(code: &str, name: &str, sector: Sector, pref: Prefecture) -> InstitutionInput {
    InstitutionInput {
        code: code.into(),
        name_ja: format!("{name}（試験）"),
        name_en: name.into(),
        sector,
        size_tier: SizeTier::Medium,
        bureau: pref.bureau(),
        prefecture: pref,
        group_name: None,
        isac_membership: IsacMembership::Trial,
        require_totp: false,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(WebConfig {
        login_attempts: 100_000,
        ..WebConfig::default()
    })
    .await
}

pub async fn spawn_app_with(config: WebConfig) -> TestApp {
    // Logs go nowhere unless TEST_LOG is set, as in zero2prod.
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn")
            .with_test_writer()
            .try_init();
    }
    let db = TestDatabase::sqlite("web");
    let store = db.connect().await.expect("connect");
    let actor = Actor::system("fixture");
    for (kind, code, bureau) in [
        (OrganisationKind::Operator, "OPERATOR", None),
        (OrganisationKind::Fsa, "FSA", Some(Bureau::Fsa)),
        (
            OrganisationKind::Bureau,
            "BUREAU-KANTO",
            Some(Bureau::Kanto),
        ),
        (OrganisationKind::Isac, "ISAC", None),
        (OrganisationKind::Association, "ASSOC", None),
    ] {
        store
            .create_organisation(&actor, kind, code, code, code, bureau)
            .await
            .unwrap();
    }
    let own = store
        .create_institution(
            &actor,
            &institution(
                "RB-OWN",
                "Own Bank",
                Sector::RegionalBank,
                Prefecture::Tokyo,
            ),
        )
        .await
        .unwrap()
        .id;
    let other = store
        .create_institution(
            &actor,
            &institution(
                "SK-OTHER",
                "Other Shinkin",
                Sector::Shinkin,
                Prefecture::Osaka,
            ),
        )
        .await
        .unwrap()
        .id;
    let third = store
        .create_institution(
            &actor,
            &institution(
                "SK-THIRD",
                "Third Shinkin",
                Sector::Shinkin,
                Prefecture::Chiba,
            ),
        )
        .await
        .unwrap()
        .id;
    let mut users = HashMap::new();
    for role in Role::ALL {
        let org = match role {
            Role::SystemAdmin => "OPERATOR",
            Role::FsaSupervisor | Role::ExerciseController => "FSA",
            Role::BureauSupervisor => "BUREAU-KANTO",
            Role::InstitutionAdmin | Role::InstitutionMember => "RB-OWN",
            Role::IsacAnalyst => "ISAC",
            Role::CouncilMember => "ASSOC",
        };
        let name = username(role);
        store
            .create_account(
                &actor,
                &NewAccount {
                    username: name.clone(),
                    display_name: name.clone(),
                    organisation_code: org.into(),
                    role,
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        users.insert(role, name);
    }
    let f = mamori_survey::format::parse(
        "fixture.yaml",
        "format: mamori-framework/1\nkey: fixture\nversion: '1'\nname: { ja: 試験, en: Fixture }\nitems:\n  - id: D\n    title: { ja: 領域, en: Domain }\n    items:\n      - { id: Q1, title: { ja: 計画, en: Plan }, question: { ja: 計画はありますか。, en: Is there a plan? }, answer: { type: yes_partial_no } }\n      - { id: Q2, title: { ja: 訓練, en: Drills }, question: { ja: 訓練していますか。, en: Are there drills? }, answer: { type: yes_partial_no } }\n",
    )
    .unwrap();
    let framework = match store.import_framework(&actor, &f).await.unwrap() {
        mamori_store::frameworks::FrameworkImport::Created(id)
        | mamori_store::frameworks::FrameworkImport::Unchanged(id) => id,
    };
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let new = |name: &str, codes: &[&str]| mamori_store::campaigns::NewCampaign {
        name: name.into(),
        framework_id: framework,
        instructions: None,
        opens_on: day("2025-04-01"),
        due_on: day("2099-06-30"),
        target: mamori_store::campaigns::CampaignTarget {
            institutions: codes.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        },
    };
    let (campaign, _) = store
        .create_campaign(
            &actor,
            &new("Everyone", &["RB-OWN", "SK-OTHER", "SK-THIRD"]),
        )
        .await
        .unwrap();
    let (other_campaign, _) = store
        .create_campaign(&actor, &new("Kinki only", &["SK-OTHER"]))
        .await
        .unwrap();
    let assignments = store
        .list_assignments(
            mamori_domain::InstitutionScope::All,
            &mamori_store::campaigns::AssignmentFilter {
                campaign_id: Some(campaign.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let assignment_of = |code: &str| {
        assignments
            .iter()
            .find(|a| a.institution_code == code)
            .unwrap()
            .id
    };
    let (own_assignment, other_assignment) = (assignment_of("RB-OWN"), assignment_of("SK-OTHER"));
    let state = AppState::new(store.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(mamori_web::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        base: format!("http://{addr}"),
        store,
        client,
        own,
        other,
        third,
        users,
        framework,
        campaign: campaign.id,
        other_campaign: other_campaign.id,
        own_assignment,
        other_assignment,
        _db: db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A fresh session for the account holding `role`.
    pub async fn session(&self, role: Role) -> String {
        match self
            .store
            .login(&self.users[&role], PASSWORD, None, 1)
            .await
            .unwrap()
        {
            LoginOutcome::Success { session_token, .. } => session_token,
            other => panic!("cannot sign in as {role:?}: {other:?}"),
        }
    }

    pub async fn token(&self, role: Role) -> String {
        token_for(&self.store, &self.users[&role]).await
    }

    /// A GET with a browser session.
    pub async fn get_with_session(&self, path: &str, session: &str) -> reqwest::Response {
        get_with_session(&self.client, &self.url(path), session).await
    }

    /// A form POST with a browser session and a valid CSRF token.
    pub async fn post_form(
        &self,
        path: &str,
        session: Option<&str>,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", CSRF)];
        all.extend_from_slice(fields);
        let cookie = match session {
            Some(s) => format!("mamori_session={s}; mamori_csrf={CSRF}"),
            None => format!("mamori_csrf={CSRF}"),
        };
        self.client
            .post(self.url(path))
            .header("cookie", cookie)
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

/// A server over the demo's synthetic sector (scale 1, the fixed seed): every sector, two
/// campaigns of the FSA baseline with accepted answers, and the demo's accounts.
pub struct DemoApp {
    pub base: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub summary: mamori_demo::DemoSummary,
    _db: TestDatabase,
}

pub async fn spawn_demo_app() -> DemoApp {
    let db = TestDatabase::sqlite("demo");
    let store = db.connect().await.expect("connect");
    let summary = mamori_demo::seed(&store, mamori_demo::DemoOptions::default())
        .await
        .expect("demo seed");
    let state = AppState::new(
        store.clone(),
        WebConfig {
            login_attempts: 100_000,
            ..WebConfig::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(mamori_web::serve(listener, state, std::future::pending()));
    DemoApp {
        base: format!("http://{addr}"),
        store,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        summary,
        _db: db,
    }
}

impl DemoApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The demo account holding `role` (the first, for roles with several).
    pub fn account(&self, username: &str) -> &mamori_demo::DemoAccount {
        self.summary
            .accounts
            .iter()
            .find(|a| a.username == username)
            .unwrap_or_else(|| panic!("no demo account {username}"))
    }

    pub async fn token(&self, username: &str) -> String {
        token_for(&self.store, username).await
    }

    pub async fn session(&self, username: &str) -> String {
        let password = self.account(username).password.clone();
        match self
            .store
            .login(username, &password, None, 1)
            .await
            .unwrap()
        {
            LoginOutcome::Success { session_token, .. } => session_token,
            other => panic!("cannot sign in as {username}: {other:?}"),
        }
    }

    pub async fn get_json(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get_with_session(&self, path: &str, session: &str) -> reqwest::Response {
        get_with_session(&self.client, &self.url(path), session).await
    }
}

/// A day-long API token for `username`.
pub async fn token_for(store: &Store, username: &str) -> String {
    let acc = store.account_by_username(username).await.unwrap();
    store
        .create_token(
            &Actor::system("test"),
            acc.id,
            "test",
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .await
        .unwrap()
        .0
}

/// A GET as a browser with a session (and the CSRF cookie every page sets).
async fn get_with_session(client: &reqwest::Client, url: &str, session: &str) -> reqwest::Response {
    client
        .get(url)
        .header(
            "cookie",
            format!("mamori_session={session}; mamori_csrf={CSRF}"),
        )
        .send()
        .await
        .unwrap()
}
