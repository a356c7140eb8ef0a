//! Runs the real `mamori` binary against a fresh database.

use mamori_store::testing::TestDatabase;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

fn mamori(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(args)
        .env_remove("MAMORI_DATABASE_URL")
        .output()
        .expect("run mamori")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A demo database without a server: every role, the synthetic sector.
fn demo_db() -> TestDatabase {
    let db = TestDatabase::sqlite("cli");
    let o = mamori(&[
        "demo",
        "--database-url",
        &db.url,
        "--no-serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("1057 institutions"), "{}", stdout(&o));
    db
}

#[test]
fn users_list_as_json_and_tokens_print_alone() {
    let db = demo_db();
    let o = mamori(&[
        "user",
        "list",
        "--database-url",
        &db.url,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let users: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let users = users.as_array().unwrap();
    assert!(users.len() >= 8);
    for u in users {
        assert!(
            u["username"].is_string() && u["role"].is_string() && u["organisation"].is_string(),
            "{u}"
        );
    }
    let roles: std::collections::HashSet<_> =
        users.iter().map(|u| u["role"].as_str().unwrap()).collect();
    assert_eq!(roles.len(), 8, "every role has an account: {roles:?}");

    let o = mamori(&[
        "token",
        "create",
        "--database-url",
        &db.url,
        "--user",
        "fsa",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o);
    assert_eq!(token.lines().count(), 1);
    assert!(token.trim().starts_with("mamori_"));

    let o = mamori(&[
        "token",
        "create",
        "--database-url",
        &db.url,
        "--user",
        "nobody",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not found"));
}

#[test]
fn user_add_validates_and_manages_accounts() {
    let db = demo_db();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args([
            "user",
            "add",
            "--database-url",
            &db.url,
            "--username",
            "new-analyst",
            "--organisation",
            "ISAC",
            "--role",
            "isac_analyst",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let o = mamori(&[
        "user",
        "add",
        "--database-url",
        &db.url,
        "--username",
        "x",
        "--organisation",
        "ISAC",
        "--role",
        "fsa_supervisor",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("username") && stderr(&o).contains("role"),
        "{}",
        stderr(&o)
    );
    let o = mamori(&["user", "disable", "--database-url", &db.url, "new-analyst"]);
    assert!(o.status.success());
    let o = mamori(&[
        "user",
        "reset-password",
        "--database-url",
        &db.url,
        "new-analyst",
    ]);
    assert!(o.status.success() && stdout(&o).contains("New password"));
    let o = mamori(&[
        "user",
        "list",
        "--database-url",
        &db.url,
        "--format",
        "json",
    ]);
    let users: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let u = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "new-analyst")
        .unwrap()
        .clone();
    assert_eq!(u["disabled"], true);
}

#[test]
fn audit_verify_finds_a_tampered_record() {
    let db = demo_db();
    let o = mamori(&["audit", "verify", "--database-url", &db.url]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("intact"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = db.connect().await.unwrap();
        store
            .execute_raw_for_tests("UPDATE audit_log SET actor = 'mallory' WHERE seq = 42")
            .await
            .unwrap();
        store.close().await;
    });
    let o = mamori(&["audit", "verify", "--database-url", &db.url]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("record 42"), "{}", stderr(&o));
}

#[test]
fn backup_writes_a_usable_copy() {
    let db = demo_db();
    let target = std::env::temp_dir().join(format!("mamori-cli-backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&target);
    let o = mamori(&[
        "backup",
        "--database-url",
        &db.url,
        "--output",
        target.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let copy = format!("sqlite://{}", target.display());
    let o = mamori(&["audit", "verify", "--database-url", &copy]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = mamori(&[
        "backup",
        "--database-url",
        &db.url,
        "--output",
        target.to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "overwrote an existing file");
    let _ = std::fs::remove_file(&target);
}

#[test]
fn demo_refuses_a_database_it_did_not_create() {
    let db = TestDatabase::sqlite("cli-foreign");
    let o = mamori(&["migrate", "--database-url", &db.url]);
    assert!(o.status.success());
    let o = mamori(&[
        "user",
        "add",
        "--database-url",
        &db.url,
        "--username",
        "x-admin",
        "--organisation",
        "NOPE",
        "--role",
        "system_admin",
    ]);
    assert!(!o.status.success(), "unknown organisation accepted");
    // Make the database hold data the demo did not create.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = db.connect().await.unwrap();
        store
            .create_organisation(
                &mamori_store::Actor::system("t"),
                mamori_domain::OrganisationKind::Fsa,
                "FSA",
                "金融庁",
                "FSA",
                None,
            )
            .await
            .unwrap();
        store.close().await;
    });
    let o = mamori(&["demo", "--database-url", &db.url, "--no-serve"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("did not create"), "{}", stderr(&o));
    // A demo database is replaced by a fresh one.
    let demo = demo_db();
    let o = mamori(&[
        "demo",
        "--database-url",
        &demo.url,
        "--no-serve",
        "--seed",
        "7",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn serve_answers_with_a_cli_token_and_isolates_tenants() {
    let db = demo_db();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args([
            "serve",
            "--database-url",
            &db.url,
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let token = stdout(&mamori(&[
        "token",
        "create",
        "--database-url",
        &db.url,
        "--user",
        "bank-staff",
    ]))
    .trim()
    .to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = reqwest::Client::new();
        assert_eq!(
            c.get(format!("{base}/healthz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let doc: serde_json::Value = c
            .get(format!("{base}/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let mine: serde_json::Value = c
            .get(format!("{base}/api/v1/institutions"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(mine["total"], 1, "{mine}");
        let own_id = mine["items"][0]["id"].as_i64().unwrap();
        let other = c
            .get(format!("{base}/api/v1/institutions/{}", own_id + 1))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(matches!(other.status().as_u16(), 403 | 404));
        let fsa = stdout(&mamori(&[
            "token",
            "create",
            "--database-url",
            &db.url,
            "--user",
            "fsa",
        ]))
        .trim()
        .to_string();
        let kinki: serde_json::Value = c
            .get(format!(
                "{base}/api/v1/institutions?bureau=kinki&sector=shinkin&limit=5"
            ))
            .bearer_auth(&fsa)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(kinki["total"].as_i64().unwrap() > 5);
        assert_eq!(kinki["items"].as_array().unwrap().len(), 5);
        assert!(kinki["next"].is_string());
        let campaigns: serde_json::Value = c
            .get(format!("{base}/api/v1/campaigns"))
            .bearer_auth(&fsa)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let statuses: Vec<&str> = campaigns
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["open", "closed"], "{campaigns}");
        let closed = campaigns[1]["id"].as_i64().unwrap();
        let detail: serde_json::Value = c
            .get(format!("{base}/api/v1/campaigns/{closed}"))
            .bearer_auth(&fsa)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            detail["progress"]["accepted"].as_i64().unwrap() > 700,
            "{detail}"
        );
        // The bank's own assignments, from its own token.
        let mine: serde_json::Value = c
            .get(format!("{base}/api/v1/assignments"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(mine["total"], 2, "{mine}");
    });
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_new_deployment_is_bootstrapped_from_the_command_line() {
    let db = TestDatabase::sqlite("cli-bootstrap");
    let o = mamori(&[
        "org",
        "add",
        "--database-url",
        &db.url,
        "--kind",
        "operator",
        "--code",
        "OPS",
        "--name-ja",
        "運用",
        "--name-en",
        "Operations",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = mamori(&[
        "org",
        "add",
        "--database-url",
        &db.url,
        "--kind",
        "bureau",
        "--code",
        "B-X",
        "--name-ja",
        "局",
        "--name-en",
        "Bureau",
    ]);
    assert!(!o.status.success() && stderr(&o).contains("--bureau"));
    let o = mamori(&[
        "org",
        "add",
        "--database-url",
        &db.url,
        "--kind",
        "institution",
        "--code",
        "I",
        "--name-ja",
        "銀行",
        "--name-en",
        "Bank",
    ]);
    assert!(!o.status.success());
    let o = mamori(&[
        "user",
        "add",
        "--database-url",
        &db.url,
        "--username",
        "root-admin",
        "--organisation",
        "OPS",
        "--role",
        "system_admin",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("password"));
    let o = mamori(&["org", "list", "--database-url", &db.url, "--format", "json"]);
    let orgs: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(orgs[0]["code"], "OPS");
}

#[test]
fn frameworks_import_from_oscal_and_list_as_json() {
    let db = TestDatabase::sqlite("cli-frameworks");
    let csf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../library/frameworks/nist-csf-2.0.oscal.json"
    );
    let o = mamori(&[
        "framework",
        "import",
        csf,
        "--database-url",
        &db.url,
        "--key",
        "nist-csf",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("106 items"), "{}", stdout(&o));
    let o = mamori(&[
        "framework",
        "import",
        csf,
        "--database-url",
        &db.url,
        "--key",
        "nist-csf",
    ]);
    assert!(o.status.success() && stdout(&o).contains("nothing changed"));
    let o = mamori(&[
        "framework",
        "list",
        "--database-url",
        &db.url,
        "--format",
        "json",
    ]);
    let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(list[0]["assessable_items"], 106);
    assert!(
        list[0]["id"].is_i64() && list[0]["name"].is_string() && list[0]["version"].is_string(),
        "{list}"
    );

    let bad =
        std::env::temp_dir().join(format!("mamori-bad-framework-{}.yaml", std::process::id()));
    std::fs::write(&bad, "format: mamori-framework/1\nkey: x\nversion: '1'\nname: { en: X }\nitems:\n  - id: A\n    title: { en: A }\n    answer: { type: sometimes }\n").unwrap();
    let o = mamori(&[
        "framework",
        "import",
        bad.to_str().unwrap(),
        "--database-url",
        &db.url,
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(":8:")
            && err.contains("items[0].answer")
            && err.contains("nothing was imported"),
        "{err}"
    );
    let _ = std::fs::remove_file(&bad);
}
