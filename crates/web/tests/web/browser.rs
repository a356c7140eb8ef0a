//! End-to-end in a real headless Chromium, driven over the W3C WebDriver protocol by
//! chromedriver. Skipped, saying so, when Chromium or chromedriver is not installed.

use crate::support::{spawn_app, PASSWORD};
use mamori_domain::Role;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    process: Child,
}

fn find_binary(env: &str, candidates: &[&str]) -> Option<String> {
    if let Ok(p) = std::env::var(env) {
        if !p.is_empty() && std::path::Path::new(&p).exists() {
            return Some(p);
        }
    }
    candidates
        .iter()
        .find(|c| std::path::Path::new(c).exists())
        .map(|c| c.to_string())
}

impl Driver {
    async fn start() -> Option<Driver> {
        let chromedriver = find_binary(
            "MAMORI_CHROMEDRIVER",
            &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
        )?;
        let chromium = find_binary(
            "MAMORI_CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        )?;
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
            l.local_addr().ok()?.port()
        };
        let process = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("mamori-chromium-{port}"));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "prefs": {"intl.accept_languages": "ja"},
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--window-size=1280,900", "--lang=ja", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let session = res["value"]["sessionId"].as_str()?.to_string();
        Some(Driver {
            http,
            base,
            session,
            process,
        })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(v["value"]["error"].is_null(), "WebDriver {path}: {v}");
        v["value"].clone()
    }

    /// Like `cmd`, but a WebDriver error (an element gone because the page is changing) is
    /// `None` instead of a failure.
    async fn try_cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Option<Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.ok()?.json().await.ok()?;
        v["value"]["error"].is_null().then(|| v["value"].clone())
    }

    async fn try_text(&self, css: &str) -> Option<String> {
        let e = self
            .try_cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        let id = e[ELEMENT].as_str()?.to_string();
        let t = self
            .try_cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await?;
        t.as_str().map(str::to_string)
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    async fn find_all(&self, css: &str) -> Vec<String> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e[ELEMENT].as_str().unwrap().to_string())
            .collect()
    }

    /// Waits (up to 10 s) until `css` matches, for pages that a click is still loading.
    async fn wait_for(&self, css: &str) {
        for _ in 0..100 {
            if self.try_text(css).await.is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never appeared");
    }

    /// Waits until the text of `css` is `expected`, then returns it (so asserts can name it).
    async fn wait_text(&self, css: &str, expected: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Some(t) = self.try_text(css).await {
                last = t;
                if last == expected {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{e}/text"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn script(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Saves a PNG of the page when MAMORI_SCREENSHOT_DIR is set (used for the README).
    async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("MAMORI_SCREENSHOT_DIR") {
            let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
            let bytes = base64_decode(v.as_str().unwrap_or(""));
            let _ = std::fs::write(std::path::Path::new(&dir).join(name), bytes);
        }
    }

    async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let Some(v) = T.iter().position(|t| *t == c) else {
            continue;
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_switch_language_filter_the_registry_and_be_refused_another_tenant() {
    let Some(driver) = Driver::start().await else {
        // Written to stderr directly, not through eprintln!, so that the test harness does not
        // swallow it: a skip must be seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: browser end-to-end tests (chromium and chromedriver not found; install Debian's chromium and chromium-driver)"
        );
        return;
    };
    let app = spawn_app().await;

    // Sign in as the Kanto bureau supervisor; the page starts in Japanese (--lang=ja).
    driver.goto(&app.url("/registry")).await;
    assert_eq!(
        driver.script("return document.documentElement.lang").await,
        "ja"
    );
    driver
        .type_into("#username", &app.users[&Role::BureauSupervisor])
        .await;
    driver.type_into("#password", PASSWORD).await;
    driver.click("#sign-in").await;
    // Back on the page asked for first, signed in.
    assert_eq!(driver.wait_text("h1", "登録簿").await, "登録簿");

    // Switch to English.
    driver.click("#switch-lang").await;
    assert_eq!(driver.wait_text("h1", "Registry").await, "Registry");
    assert_eq!(
        driver.script("return document.documentElement.lang").await,
        "en"
    );
    assert_eq!(driver.text("#result-count").await, "Results: 2");

    // Filter by sector, without JavaScript on our side: choose the option and submit.
    driver.click("#sector option[value='shinkin']").await;
    driver.click("#apply-filters").await;
    assert_eq!(
        driver.wait_text("#result-count", "Results: 1").await,
        "Results: 1"
    );
    let rows = driver.find_all("#institutions tbody tr").await;
    assert_eq!(rows.len(), 1);
    assert!(driver
        .text("#institutions tbody")
        .await
        .contains("Third Shinkin"));
    driver.screenshot("registry.png").await;

    // Another bureau's institution, by URL: refused as not found.
    driver
        .goto(&app.url(&format!("/registry/{}", app.other)))
        .await;
    assert_eq!(driver.text("h1").await, "Not found");
    assert!(driver.text("main").await.contains("do not have access"));

    driver.quit().await;
}

async fn sign_in(driver: &Driver, app: &crate::support::TestApp, role: Role, then: &str) {
    driver.goto(&app.url(&format!("/login?next={then}"))).await;
    driver.wait_for("#sign-in").await;
    driver.type_into("#username", &app.users[&role]).await;
    driver.type_into("#password", PASSWORD).await;
    driver.click("#sign-in").await;
    driver.wait_for("#status").await;
}

async fn sign_out(driver: &Driver) {
    driver.click("#logout").await;
    driver.wait_for("#sign-in").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_institution_answers_and_its_supervisor_returns_then_accepts() {
    let Some(driver) = Driver::start().await else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: browser survey test (chromium and chromedriver not found)"
        );
        return;
    };
    let app = spawn_app().await;
    let page = format!("/surveys/assignments/{}", app.own_assignment);

    // The institution answers one question and saves a draft, then answers the other and submits.
    sign_in(&driver, &app, Role::InstitutionMember, &page).await;
    assert_eq!(driver.text("#status").await, "未着手");
    driver.click("input[name='a:Q1'][value='yes']").await;
    driver
        .type_into("input[name='c:Q1']", "取締役会で承認")
        .await;
    driver.click("#save-draft").await;
    assert_eq!(driver.wait_text("#status", "下書き").await, "下書き");
    driver.click("input[name='a:Q2'][value='partial']").await;
    driver.click("#submit-answers").await;
    assert_eq!(driver.wait_text("#status", "提出済み").await, "提出済み");
    sign_out(&driver).await;

    // The supervisor returns it with a comment.
    sign_in(&driver, &app, Role::FsaSupervisor, &page).await;
    driver
        .type_into("#review-comment", "Q2: 訓練の内容を記載してください")
        .await;
    driver.click("#return").await;
    assert_eq!(driver.wait_text("#status", "差し戻し").await, "差し戻し");
    sign_out(&driver).await;

    // The institution sees why, fixes the answer and resubmits.
    sign_in(&driver, &app, Role::InstitutionMember, &page).await;
    assert!(driver.text("#return-comment").await.contains("訓練の内容"));
    driver.click("input[name='a:Q2'][value='yes']").await;
    driver.click("#submit-answers").await;
    assert_eq!(driver.wait_text("#status", "提出済み").await, "提出済み");
    sign_out(&driver).await;

    // The supervisor accepts; the history shows every step.
    sign_in(&driver, &app, Role::FsaSupervisor, &page).await;
    driver.click("#accept").await;
    assert_eq!(driver.wait_text("#status", "受理済み").await, "受理済み");
    assert_eq!(driver.text("#compliance").await, "充足率: 100.0%");
    let history = driver.text("#history").await;
    for step in ["保存", "提出", "差し戻し", "受理"] {
        assert!(history.contains(step), "{step} missing from {history}");
    }
    driver.screenshot("questionnaire.png").await;
    driver.quit().await;
}

async fn sign_in_demo(driver: &Driver, app: &crate::support::DemoApp, username: &str, then: &str) {
    driver.goto(&app.url(&format!("/login?next={then}"))).await;
    driver.wait_for("#sign-in").await;
    driver.type_into("#username", username).await;
    driver
        .type_into("#password", &app.account(username).password)
        .await;
    driver.click("#sign-in").await;
    driver.wait_for("#logout").await;
}

/// Fetches `href` inside the page (with the page's session) and returns status, content
/// type and the first bytes: what a download would save.
async fn fetch_in_page(driver: &Driver, href: &str) -> Value {
    driver
        .script(&format!(
            "var x = new XMLHttpRequest(); x.open('GET', '{href}', false); \
             x.overrideMimeType('text/plain; charset=x-user-defined'); x.send(); \
             return [x.status, x.getResponseHeader('content-type'), x.responseText.substring(0, 5)];"
        ))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_drills_into_a_priority_and_an_institution_reads_only_its_feedback() {
    let Some(driver) = Driver::start().await else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: browser supervision test (chromium and chromedriver not found)"
        );
        return;
    };
    let app = crate::support::spawn_demo_app().await;

    // The FSA supervisor opens the ranked list and the institution at the top.
    sign_in_demo(&driver, &app, "fsa", "/supervision").await;
    assert_eq!(
        driver.wait_text("h1", "監督上の優先度").await,
        "監督上の優先度"
    );
    let first_rank = driver
        .text("#priorities tbody tr:first-child td:first-child")
        .await;
    assert_eq!(first_rank, "1");
    let reason = driver
        .text("#priorities tbody tr:first-child td:last-child")
        .await;
    assert!(reason.starts_with("主な乖離"), "{reason}");
    driver.click("#priorities tbody tr:first-child a").await;
    driver.wait_for("#priority-score").await;
    assert!(driver.text("main").await.contains("要素別の固有リスク"));
    driver.wait_for("#benchmark").await;
    driver.screenshot("risk-profile.png").await;

    // Its feedback, and the PDF a download would save.
    driver.click("a[href^='/reports/feedback/']").await;
    driver.wait_for("#feedback-pdf").await;
    let href = driver
        .script("return document.querySelector('#feedback-pdf').getAttribute('href')")
        .await;
    let got = fetch_in_page(&driver, href.as_str().unwrap()).await;
    assert_eq!(got[0], 200);
    assert_eq!(got[1], "application/pdf");
    assert_eq!(got[2], "%PDF-");
    sign_out(&driver).await;

    // The Kanto regional bank reads its own feedback from the reports page...
    sign_in_demo(&driver, &app, "bank-admin", "/reports").await;
    driver.click("a[href^='/reports/feedback/']").await;
    driver.wait_for("#feedback-pdf").await;
    assert!(driver
        .text("h1")
        .await
        .starts_with("サイバーセキュリティ自己評価フィードバック"));
    assert!(driver.text("main").await.contains("推奨される対応"));
    driver.screenshot("feedback.png").await;

    // ...but not the Kinki shinkin's, whose assignment it can only guess by number.
    let shinkin = &app.account("shinkin-admin").organisation_code;
    let other = app
        .store
        .list_assignments(
            mamori_domain::InstitutionScope::All,
            &mamori_store::campaigns::AssignmentFilter {
                campaign_id: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|a| &a.institution_code == shinkin)
        .unwrap();
    driver
        .goto(&app.url(&format!("/reports/feedback/{}", other.id)))
        .await;
    assert!(driver.text("main").await.contains("閲覧権限がありません"));
    let got = fetch_in_page(&driver, &format!("/reports/feedback/{}/pdf", other.id)).await;
    assert_eq!(got[0], 404);
    driver.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_shares_an_indicator_reports_a_sighting_and_revokes_it_and_a_supervisor_sees_outreach(
) {
    let Some(driver) = Driver::start().await else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: browser mutual-aid test (chromium and chromedriver not found)"
        );
        return;
    };
    let app = crate::support::spawn_demo_app().await;

    // A bank's security staff reads what is shared and posts an AMBER+STRICT indicator.
    sign_in_demo(&driver, &app, "bank-staff", "/mutual-aid").await;
    driver.wait_for("#standing").await;
    assert!(
        driver.find_all("#shared tbody tr").await.len() >= 10,
        "the demo's shared objects are listed"
    );
    driver.screenshot("mutual-aid-list.png").await;
    driver.click("a[href='/mutual-aid/new']").await;
    driver.wait_for("#indicator-form").await;
    driver.script("document.querySelector('#i-kind').value = 'domain'; document.querySelector('#i-tlp').value = 'amber_strict';").await;
    driver.type_into("#i-value", "Phish-Browser.example").await;
    driver.type_into("#i-name", "ブラウザ試験の指標").await;
    driver.click("#indicator-form button[type=submit]").await;
    driver.wait_for("#sighting-form").await;
    assert!(driver.text("main").await.contains("共有しました"));
    assert_eq!(
        driver.text("#value").await,
        "phish-browser.example",
        "stored as compared: lower case"
    );
    let url: String = driver
        .script("return location.pathname;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(url.starts_with("/mutual-aid/objects/indicator--"), "{url}");

    // A sighting, then a revocation that asks for confirmation first.
    driver.script("document.querySelector('#s-first').value = '2026-11-01T09:00'; document.querySelector('#s-last').value = '2026-11-01T10:00'; document.querySelector('#s-count').value = '2';").await;
    driver.click("#sighting-form button[type=submit]").await;
    driver.wait_for("#sightings").await;
    assert!(driver.text("main").await.contains("観測を報告しました"));
    let sighting = driver.text("#sightings tbody tr").await;
    assert!(
        sighting.contains("2026-11-01 09:00") && sighting.contains(" 2 "),
        "shown in Japan time as entered: {sighting}"
    );
    driver.script("document.querySelector('#revoke-form input[name=confirm]').removeAttribute('required');").await;
    driver.click("#revoke-form button[type=submit]").await;
    driver.wait_for(".errors").await;
    assert!(
        driver.text(".errors").await.contains("確認欄"),
        "no confirmation, no revocation"
    );
    driver.click("#revoke-form input[name=confirm]").await;
    driver.click("#revoke-form button[type=submit]").await;
    driver.wait_for("#revoked-flag").await;
    driver.screenshot("mutual-aid-object.png").await;

    // The FSA does not read AMBER+STRICT addressed to the community, on the page either.
    driver.click("#logout").await;
    driver.wait_for("#sign-in").await;
    sign_in_demo(&driver, &app, "fsa", "/outreach").await;
    driver.wait_for("#chart-attendance svg").await;
    assert_eq!(
        driver.find_all("#h-regions + table tbody tr").await.len(),
        11,
        "all eleven regions"
    );
    assert!(driver.text("#disparity").await.contains("%"));
    driver.screenshot("outreach.png").await;
    driver.goto(&app.url(&url)).await;
    driver.wait_for("main").await;
    assert!(!driver.text("main").await.contains("phish-browser.example"));
    driver.quit().await;
}
