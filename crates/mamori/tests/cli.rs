//! Runs the real `mamori` binary against a fresh database.

use mamori_store::testing::TestDatabase;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

fn mamori(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mamori"))
        .env("MAMORI_LANG", "en")
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
        .env("MAMORI_LANG", "en")
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
        .env("MAMORI_LANG", "en")
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

/// The text a reader sees in an HTML report, one line per element.
fn visible_text(html: &str) -> String {
    let body = html.split("</style>").nth(1).unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push('\n');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The sector report of the demo's closed campaign, on the fixed seed: its structure, every
/// sentence and every figure, compared with the reviewed snapshot in `tests/snapshots/`
/// (`UPDATE_SNAPSHOTS=1` rewrites it after a deliberate change). The PDF and the workbook
/// of the same report are read back with real readers.
#[test]
fn the_sector_report_matches_its_snapshot_in_every_format() {
    let db = demo_db();
    let dir = std::env::temp_dir().join(format!("mamori-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = |name: &str| dir.join(name).display().to_string();
    let run = |format: &str, lang: &str, file: &str| {
        let o = mamori(&[
            "report",
            "sector",
            "--database-url",
            &db.url,
            "--campaign",
            "1",
            "--format",
            format,
            "--lang",
            lang,
            "--generated-on",
            "2026-11-28",
            "-o",
            &out(file),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        // `--lang` chooses the report's language and the message's.
        let said = if lang == "ja" {
            "受理済みの回答"
        } else {
            "accepted responses"
        };
        assert!(stdout(&o).contains(said), "{}", stdout(&o));
    };
    run("html", "en", "report-en.html");
    run("html", "ja", "report-ja.html");
    run("pdf", "ja", "report-ja.pdf");
    run("xlsx", "en", "report.xlsx");

    for (lang, file) in [("en", "report-en.html"), ("ja", "report-ja.html")] {
        let text = visible_text(&std::fs::read_to_string(out(file)).unwrap());
        let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/snapshots/sector-report-2025-{lang}.txt"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
            std::fs::write(&snapshot, &text).unwrap();
        }
        let expected = std::fs::read_to_string(&snapshot).expect("snapshot file");
        if text != expected {
            let first = text
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "the {lang} report differs from its snapshot from line {}: got {:?}, expected {:?}",
                first + 1,
                text.lines().nth(first),
                expected.lines().nth(first)
            );
        }
    }

    // The PDF: well formed, Japanese set in the embedded font with no missing glyph.
    let pdf = std::fs::read(out("report-ja.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));
    let ja = std::fs::read_to_string(out("report-ja.html")).unwrap();
    let ja_text = visible_text(&ja);
    assert!(mamori_report::pdf::missing_glyphs(&ja_text).is_empty());
    assert!(String::from_utf8_lossy(&pdf).contains("/FontFile2"));
    match Command::new("pdftotext")
        .args([&out("report-ja.pdf"), "-"])
        .output()
    {
        Ok(o) if o.status.success() => {
            let extracted = String::from_utf8_lossy(&o.stdout).to_string();
            for s in [
                "金融分野のサイバーセキュリティレポート",
                "信用金庫・信用組合",
                "付録：集計表",
            ] {
                assert!(extracted.contains(s), "pdftotext does not find {s}");
            }
        }
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: reading the PDF back (pdftotext not found; install Debian's poppler-utils)"
            );
        }
    }

    // The workbook: opened by calamine, the figures of the HTML annex.
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out("report.xlsx")).unwrap();
    let names = wb.sheet_names().to_vec();
    assert_eq!(
        names,
        [
            "groups",
            "indicators_by_group",
            "indicators_by_sector",
            "sectors",
            "bureaus"
        ]
    );
    let bureaus = wb.worksheet_range("bureaus").unwrap();
    assert_eq!(bureaus.height(), 12, "a header and the 11 regional offices");
    let en = visible_text(&std::fs::read_to_string(out("report-en.html")).unwrap());
    let groups = wb.worksheet_range("groups").unwrap();
    let median_all = groups
        .rows()
        .find(|r| r[0] == "All institutions")
        .map(|r| r[3].to_string())
        .unwrap();
    assert!(
        en.contains(&format!("median overall score is {median_all}")),
        "the workbook's median ({median_all}) is not the report's"
    );

    // The same report from PostgreSQL: the same sentences and figures, to the character.
    let rt = tokio::runtime::Runtime::new().unwrap();
    if let Some(pg) = rt.block_on(TestDatabase::postgres("report")).unwrap() {
        let o = mamori(&[
            "demo",
            "--database-url",
            &pg.url,
            "--no-serve",
            "--listen",
            "127.0.0.1:0",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = mamori(&[
            "report",
            "sector",
            "--database-url",
            &pg.url,
            "--campaign",
            "1",
            "--format",
            "html",
            "--lang",
            "en",
            "--generated-on",
            "2026-11-28",
            "-o",
            &out("report-pg.html"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            visible_text(&std::fs::read_to_string(out("report-pg.html")).unwrap()),
            en,
            "PostgreSQL and SQLite give different reports"
        );
        rt.block_on(pg.drop_database());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mamori scan` as members run it: a STIX bundle, plain and gzip logs, JSON lines out,
/// exit 0 with or without matches; a bad bundle is refused with the reason.
#[test]
fn scan_reports_matches_as_json_lines() {
    let dir = std::env::temp_dir().join(format!("mamori-scan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |n: &str| dir.join(n).display().to_string();
    std::fs::write(
        path("bundle.json"),
        r#"{"type": "bundle", "id": "bundle--t", "objects": [
            {"type": "indicator", "id": "indicator--a", "pattern_type": "stix", "pattern": "[ipv4-addr:value = '1.2.3.4']"},
            {"type": "indicator", "id": "indicator--b", "pattern_type": "stix", "pattern": "[domain-name:value = 'evil.example']"}]}"#,
    )
    .unwrap();
    std::fs::write(
        path("a.log"),
        "x 11.2.3.45\nconn 1.2.3.4:80\nsub.evil.example ok\n",
    )
    .unwrap();
    std::fs::write(
        path("clean.log"),
        "nothing to see 11.2.3.45 notevil.example\n",
    )
    .unwrap();
    let gz = Command::new("gzip")
        .args(["-k", "-f", &path("a.log")])
        .status();
    let o = mamori(&[
        "scan",
        "--indicators",
        &path("bundle.json"),
        &path("a.log"),
        &path("clean.log"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", stdout(&o));
    assert_eq!(lines[0]["file"], path("a.log"));
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[0]["value"], "1.2.3.4");
    assert_eq!(lines[0]["indicator"], "indicator--a");
    assert_eq!(lines[1]["value"], "sub.evil.example");
    assert_eq!(lines[1]["indicator_value"], "evil.example");
    // No match is still success.
    let o = mamori(&[
        "scan",
        "--indicators",
        &path("bundle.json"),
        &path("clean.log"),
    ]);
    assert!(o.status.success() && stdout(&o).is_empty());
    // Gzip, on two threads.
    if gz.is_ok_and(|s| s.success()) {
        let o = mamori(&[
            "scan",
            "--threads",
            "2",
            "--indicators",
            &path("bundle.json"),
            &path("a.log.gz"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o).lines().count(), 2);
    }
    // A file that is not a bundle.
    let o = mamori(&["scan", "--indicators", &path("a.log"), &path("a.log")]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not a STIX bundle"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shipped demo bundle and log (library/demo): every planted line found, every
/// look-alike line left alone.
#[test]
fn scan_finds_exactly_the_planted_lines_of_the_demo_log() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../library/demo/");
    let o = mamori(&[
        "scan",
        "--indicators",
        &format!("{root}indicators.stix.json"),
        &format!("{root}sample.log"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<u64> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["line"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(lines, [1, 3, 4, 6, 8, 8, 9, 11, 11, 12, 13, 14]);
    // Every match carries its indicator's marking, so a member knows what it may share.
    assert!(
        stdout(&o)
            .lines()
            .all(|l| l.ends_with(",\"tlp\":\"green\"}")),
        "{}",
        stdout(&o)
    );
}

/// Messages in Japanese with `--lang ja`, or from a Japanese locale; English otherwise.
#[test]
fn messages_follow_the_language_asked_for_or_the_locale() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../library/demo/");
    let bundle = format!("{root}indicators.stix.json");
    let log = format!("{root}sample.log");
    let o = mamori(&["--lang", "ja", "scan", "--indicators", &bundle, &log]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("件が一致しました"), "{}", stderr(&o));
    let o = mamori(&["scan", "--indicators", &bundle, &log]);
    assert!(stderr(&o).contains("Matches: 12,"), "{}", stderr(&o));
    // The locale decides when neither --lang nor MAMORI_LANG does.
    let o = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .env_remove("MAMORI_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "ja_JP.UTF-8")
        .args(["scan"])
        .output()
        .expect("run mamori");
    assert!(!o.status.success());
    assert!(
        stderr(&o).starts_with("エラー: ") && stderr(&o).contains("--indicators"),
        "{}",
        stderr(&o)
    );
    let o = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .env_remove("MAMORI_LANG")
        .env("LC_ALL", "C")
        .env("LANG", "ja_JP.UTF-8")
        .args(["scan"])
        .output()
        .expect("run mamori");
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
}

/// `mamori scan` as a member's scheduled job: indicators pulled from a TAXII collection of a
/// running server, the logs scanned, and one sighting per matched indicator reported back.
#[test]
fn scan_pulls_indicators_over_taxii_and_reports_sightings() {
    let db = demo_db();
    let o = mamori(&[
        "token",
        "create",
        "--database-url",
        &db.url,
        "--user",
        "isac",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o).trim().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .env("MAMORI_LANG", "en")
        .args([
            "serve",
            "--database-url",
            &db.url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    rt.block_on(async {
        for _ in 0..200 {
            if http.get(format!("{base}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    });
    // An indicator to find, shared as GREEN by the ISAC.
    let posted: serde_json::Value = rt.block_on(async {
        http.post(format!("{base}/api/v1/sharing/indicators"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"kind": "domain", "value": "c2.scan-test.example", "tlp": "green"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let id = posted["stix_id"].as_str().expect("posted").to_string();
    let green = mamori_web::api::taxii::collection_id(mamori_domain::Tlp::Green);
    let dir = std::env::temp_dir().join(format!("mamori-scan-taxii-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("proxy.log");
    std::fs::write(&log, "GET http://c2.scan-test.example/a\nGET http://x.c2.scan-test.example/b\nGET http://notc2.scan-test.example.org/\n").unwrap();
    let o = mamori(&[
        "scan",
        "--taxii",
        &format!("{base}/taxii2/mamori/collections/{green}/"),
        "--token",
        &token,
        "--report-sightings",
        &base,
        log.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ours: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|m| m["indicator"] == id.as_str())
        .collect();
    assert_eq!(ours.len(), 2, "{}", stdout(&o));
    assert!(stderr(&o).contains("Sightings reported"), "{}", stderr(&o));
    let detail: serde_json::Value = rt.block_on(async {
        http.get(format!("{base}/api/v1/sharing/objects/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(detail["sightings"].as_array().unwrap().len(), 1, "{detail}");
    assert_eq!(detail["sightings"][0]["count"], 2);
    // Without a token the scanner says what is missing.
    let o = mamori(&[
        "scan",
        "--taxii",
        &format!("{base}/taxii2/mamori/collections/{green}/"),
        log.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--token"), "{}", stderr(&o));
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
