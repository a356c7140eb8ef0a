//! Mutual aid end to end over HTTP: TLP enforcement on every read path, anonymity,
//! sightings, the STIX round trip, and the TAXII 2.1 server's behaviour.

use crate::support::{spawn_app, token_for, TestApp, CSRF, PASSWORD};
use mamori_domain::institution::InstitutionInput;
use mamori_domain::{IsacMembership, Prefecture, Role, Sector, SizeTier, Tlp};
use mamori_store::accounts::{LoginOutcome, NewAccount};
use mamori_store::Actor;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

const TAXII: &str = "application/taxii+json;version=2.1";

struct Who {
    username: String,
    token: String,
    session: String,
}

async fn member(app: &TestApp, code: &str, membership: IsacMembership, users: &[&str]) -> Vec<Who> {
    app.store
        .create_institution(
            &Actor::system("test"),
            &InstitutionInput {
                code: code.into(),
                name_ja: format!("{code}（試験）"),
                name_en: format!("{code} Bank"),
                sector: Sector::RegionalBank,
                size_tier: SizeTier::Small,
                bureau: Prefecture::Miyagi.bureau(),
                prefecture: Prefecture::Miyagi,
                group_name: None,
                isac_membership: membership,
                require_totp: false,
            },
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    for u in users {
        out.push(account(app, u, code, Role::InstitutionMember).await);
    }
    out
}

async fn account(app: &TestApp, username: &str, org: &str, role: Role) -> Who {
    app.store
        .create_account(
            &Actor::system("test"),
            &NewAccount {
                username: username.into(),
                display_name: username.into(),
                organisation_code: org.into(),
                role,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    existing(app, username).await
}

async fn existing(app: &TestApp, username: &str) -> Who {
    let session = match app.store.login(username, PASSWORD, None, 1).await.unwrap() {
        LoginOutcome::Success { session_token, .. } => session_token,
        other => panic!("{other:?}"),
    };
    Who {
        username: username.into(),
        token: token_for(&app.store, username).await,
        session,
    }
}

async fn post_json(app: &TestApp, who: &Who, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&who.token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get_json(app: &TestApp, who: &Who, path: &str) -> (u16, Value) {
    let res = app.get_with_token(path, &who.token).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn taxii_get(app: &TestApp, who: &Who, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(&who.token)
        .header("accept", TAXII)
        .send()
        .await
        .unwrap()
}

fn ids_of(v: &Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| {
            o.get("stix_id")
                .or_else(|| o.get("id"))
                .and_then(Value::as_str)
        })
        .filter(|id| id.starts_with("indicator--") || id.starts_with("report--"))
        .map(str::to_string)
        .collect()
}

/// Shares one indicator as `author` and returns its STIX id.
async fn share(app: &TestApp, author: &Who, label: &str, addressing: Value) -> String {
    let mut body = json!({"kind": "domain", "value": format!("{label}.tlp-test.example"), "name": format!("tlpcase {label}"), "confidence": 60});
    for (k, v) in addressing.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = post_json(app, author, "/api/v1/sharing/indicators", &body).await;
    assert_eq!(res.status(), 201, "{label}: {}", res.text().await.unwrap());
    let v: Value = res.json().await.unwrap();
    v["stix_id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tlp_is_enforced_on_every_read_path() {
    let app = spawn_app().await;
    let author = member(&app, "FULL-AUTH", IsacMembership::Full, &["author"])
        .await
        .remove(0);
    let full = member(&app, "FULL-PEER", IsacMembership::Full, &["full-peer"])
        .await
        .remove(0);
    let trial = member(&app, "TRIAL-PEER", IsacMembership::Trial, &["trial-peer"])
        .await
        .remove(0);
    let mut outsiders = member(
        &app,
        "NON-MEMBER",
        IsacMembership::None,
        &["outsider", "named"],
    )
    .await;
    let named = outsiders.remove(1);
    let outsider = outsiders.remove(0);
    let fsa = existing(&app, "fsa-supervisor").await;
    let isac = existing(&app, "isac-analyst").await;

    let mut objects: HashMap<&str, String> = HashMap::new();
    for (label, addressing) in [
        ("clear", json!({"tlp": "clear"})),
        ("green", json!({"tlp": "green"})),
        ("green-anon", json!({"tlp": "green", "anonymous": true})),
        ("amber", json!({"tlp": "amber"})),
        (
            "amber-fsa",
            json!({"tlp": "amber", "audience": "listed", "organisations": ["FSA"]}),
        ),
        ("strict", json!({"tlp": "amber_strict"})),
        (
            "strict-non",
            json!({"tlp": "amber_strict", "audience": "listed", "organisations": ["NON-MEMBER"]}),
        ),
        (
            "red",
            json!({"tlp": "red", "audience": "listed", "people": ["named"]}),
        ),
        ("green-revoked", json!({"tlp": "green"})),
    ] {
        objects.insert(label, share(&app, &author, label, addressing).await);
    }
    let revoked = &objects["green-revoked"];
    let res = post_json(
        &app,
        &author,
        &format!("/api/v1/sharing/objects/{revoked}/revoke"),
        &json!({"revoked": true}),
    )
    .await;
    assert_eq!(res.status(), 200);

    // What each reader may read; `feed` drops AMBER+STRICT and RED.
    let expect: Vec<(&Who, &[&str], bool)> = vec![
        (
            &author,
            &[
                "clear",
                "green",
                "green-anon",
                "amber",
                "amber-fsa",
                "strict",
                "strict-non",
                "red",
                "green-revoked",
            ],
            true,
        ),
        (
            &full,
            &["clear", "green", "green-anon", "amber", "strict"],
            true,
        ),
        (&trial, &["clear", "green", "green-anon"], false),
        (&outsider, &["clear", "strict-non"], true),
        (&named, &["clear", "strict-non", "red"], true),
        (&fsa, &["clear", "amber-fsa"], true),
        (
            &isac,
            &[
                "clear",
                "green",
                "green-anon",
                "amber",
                "amber-fsa",
                "strict",
                "green-revoked",
            ],
            true,
        ),
    ];
    let all: BTreeSet<String> = objects.values().cloned().collect();
    for (who, labels, taxii_open) in expect {
        let want: BTreeSet<String> = labels.iter().map(|l| objects[l].clone()).collect();
        let feed: BTreeSet<String> = labels
            .iter()
            .filter(|l| !l.starts_with("strict") && **l != "red")
            .map(|l| objects[l].clone())
            .collect();
        let u = &who.username;
        // API list, and API search.
        let (_, list) = get_json(&app, who, "/api/v1/sharing/objects?limit=500").await;
        assert_eq!(ids_of(&list, "items"), want, "API list as {u}");
        let (_, search) = get_json(&app, who, "/api/v1/sharing/objects?q=tlp-test&limit=500").await;
        assert_eq!(ids_of(&search, "items"), want, "API search as {u}");
        // UI list and search.
        let html = app
            .get_with_session("/mutual-aid?q=tlp-test", &who.session)
            .await
            .text()
            .await
            .unwrap();
        let seen: BTreeSet<String> = all
            .iter()
            .filter(|id| html.contains(id.as_str()))
            .cloned()
            .collect();
        assert_eq!(seen, want, "UI list as {u}");
        // One object, on the page and the API.
        for id in &all {
            let code = if want.contains(id) { 200 } else { 404 };
            let (status, _) = get_json(&app, who, &format!("/api/v1/sharing/objects/{id}")).await;
            assert_eq!(status, code, "API object {id} as {u}");
            let page = app
                .get_with_session(&format!("/mutual-aid/objects/{id}"), &who.session)
                .await;
            assert_eq!(page.status().as_u16(), code, "UI object {id} as {u}");
        }
        // Exports: the API and the page's download.
        let (_, bundle) = get_json(&app, who, "/api/v1/sharing/export.stix.json").await;
        assert_eq!(ids_of(&bundle, "objects"), feed, "API export as {u}");
        let ui_bundle: Value = app
            .get_with_session("/mutual-aid/export.stix.json", &who.session)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(ids_of(&ui_bundle, "objects"), feed, "UI export as {u}");
        // TAXII: the union of the three collections, object by object and in manifests.
        let collections = taxii_get(&app, who, "/taxii2/mamori/collections/").await;
        if !taxii_open {
            assert_eq!(
                collections.status(),
                403,
                "TAXII is closed to trial members by default"
            );
            continue;
        }
        let collections: Value = collections.json().await.unwrap();
        let mut via_taxii = BTreeSet::new();
        let mut via_manifest = BTreeSet::new();
        for c in collections["collections"].as_array().unwrap() {
            let cid = c["id"].as_str().unwrap();
            let res = taxii_get(
                &app,
                who,
                &format!("/taxii2/mamori/collections/{cid}/objects/"),
            )
            .await;
            if c["can_read"] == json!(false) {
                assert_eq!(res.status(), 403);
                continue;
            }
            let v: Value = res.json().await.unwrap();
            via_taxii.extend(ids_of(&v, "objects"));
            let m: Value = taxii_get(
                &app,
                who,
                &format!("/taxii2/mamori/collections/{cid}/manifest/"),
            )
            .await
            .json()
            .await
            .unwrap();
            via_manifest.extend(ids_of(&m, "objects"));
            for id in &all {
                let one = taxii_get(
                    &app,
                    who,
                    &format!("/taxii2/mamori/collections/{cid}/objects/{id}/"),
                )
                .await;
                if one.status() == 200 {
                    let v: Value = one.json().await.unwrap();
                    assert!(feed.contains(id), "TAXII object {id} as {u}: {v}");
                }
            }
        }
        assert_eq!(via_taxii, feed, "TAXII objects as {u}");
        assert_eq!(via_manifest, feed, "TAXII manifests as {u}");
    }

    // Exact value lookup (indexed), normalised as stored; and it obeys TLP too.
    let (_, exact) = get_json(
        &app,
        &full,
        "/api/v1/sharing/objects?value=Green.TLP-test.example",
    )
    .await;
    assert_eq!(
        ids_of(&exact, "items"),
        BTreeSet::from([objects["green"].clone()])
    );
    let (_, hidden) = get_json(
        &app,
        &outsider,
        "/api/v1/sharing/objects?value=green.tlp-test.example",
    )
    .await;
    assert_eq!(hidden["total"], 0);

    // Anonymous posts: peers do not see the source, ISAC staff and the author do.
    let anon = &objects["green-anon"];
    let (_, peer_view) = get_json(&app, &full, &format!("/api/v1/sharing/objects/{anon}")).await;
    assert!(peer_view["object"]["source"].is_null());
    assert!(peer_view["object"]["stix"].get("created_by_ref").is_none());
    let peer_page = app
        .get_with_session(&format!("/mutual-aid/objects/{anon}"), &full.session)
        .await
        .text()
        .await
        .unwrap();
    assert!(!peer_page.contains("FULL-AUTH Bank"));
    for who in [&isac, &author] {
        let (_, v) = get_json(&app, who, &format!("/api/v1/sharing/objects/{anon}")).await;
        assert_eq!(v["object"]["source"]["code"], "FULL-AUTH");
    }
    let (_, clear_view) = get_json(
        &app,
        &full,
        &format!("/api/v1/sharing/objects/{}", objects["clear"]),
    )
    .await;
    assert_eq!(clear_view["object"]["source"]["code"], "FULL-AUTH");

    // Sightings: the author and ISAC staff see who; peers see how many, and their own.
    let green = &objects["green"];
    for who in [&full, &trial] {
        let res = post_json(&app, who, &format!("/api/v1/sharing/objects/{green}/sightings"),
            &json!({"count": 3, "first_seen": "2026-11-01T00:00:00Z", "last_seen": "2026-11-02T00:00:00Z"})).await;
        assert_eq!(res.status(), 201);
    }
    let (_, peer) = get_json(&app, &trial, &format!("/api/v1/sharing/objects/{green}")).await;
    assert_eq!(peer["object"]["sighted_by"], 2);
    assert_eq!(
        peer["sightings"].as_array().unwrap().len(),
        1,
        "only its own"
    );
    assert_eq!(peer["sightings"][0]["organisation"]["code"], "TRIAL-PEER");
    for who in [&author, &isac] {
        let (_, v) = get_json(&app, who, &format!("/api/v1/sharing/objects/{green}")).await;
        let codes: BTreeSet<&str> = v["sightings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["organisation"]["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, BTreeSet::from(["FULL-PEER", "TRIAL-PEER"]));
    }
    // A reader who cannot read the indicator cannot sight it either.
    let res = post_json(&app, &trial, &format!("/api/v1/sharing/objects/{}/sightings", objects["amber"]),
        &json!({"count": 1, "first_seen": "2026-11-01T00:00:00Z", "last_seen": "2026-11-01T00:00:00Z"})).await;
    assert_eq!(res.status(), 404);

    // The trial policy widens what trial members read, at once.
    let res = app
        .client
        .put(app.url("/api/v1/sharing/trial-policy"))
        .bearer_auth(&isac.token)
        .json(&json!({"max_tlp": "amber", "may_post": true, "may_use_taxii": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, list) = get_json(&app, &trial, "/api/v1/sharing/objects?limit=500").await;
    assert!(ids_of(&list, "items").contains(&objects["amber"]));
    assert!(!ids_of(&list, "items").contains(&objects["strict"]));
    assert_eq!(
        taxii_get(&app, &trial, "/taxii2/mamori/collections/")
            .await
            .status(),
        200
    );
    let res = app
        .post_form(
            "/mutual-aid/policy",
            Some(&full.session),
            &[("max_tlp", "clear")],
        )
        .await;
    assert_eq!(res.status(), 403, "only ISAC staff set the policy");
    let _ = CSRF;
}

/// A bundle of every supported indicator kind, an advisory that refers to two of them, and
/// TLP 1.0 and 2.0 markings, as another platform would send it.
fn foreign_bundle() -> Value {
    let tlp1_green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
    let clear = Tlp::Clear.stix_id();
    let mut objects = vec![
        json!({"type": "identity", "spec_version": "2.1", "id": "identity--8f1b0a9e-0000-4000-8000-000000000001",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "Synthetic ISAC", "identity_class": "organization"}),
    ];
    let cases = [
        ("[ipv4-addr:value = '198.51.100.23']", clear),
        ("[ipv6-addr:value = '2001:db8::bad']", clear),
        ("[ipv4-addr:value ISSUBSET '203.0.113.0/24']", clear),
        ("[domain-name:value = 'login-synthbank.example']", tlp1_green),
        ("[url:value = 'https://phish.example/kyc']", clear),
        ("[email-addr:value = 'ceo@spoofed.example']", clear),
        ("[file:hashes.MD5 = '0123456789abcdef0123456789abcdef']", clear),
        ("[file:hashes.'SHA-1' = '0123456789abcdef0123456789abcdef01234567']", clear),
        ("[file:hashes.'SHA-256' = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']", clear),
        ("[x-mamori-bank-account:value = '0001-123-4567890']", clear),
        ("[x-mamori-crypto-address:value = 'bc1qsynthetic0example0address0000000000']", clear),
        ("[domain-name:value = 'a.example' OR domain-name:value = 'b.example']", clear),
    ];
    for (i, (pattern, marking)) in cases.iter().enumerate() {
        objects.push(json!({
            "type": "indicator", "spec_version": "2.1", "id": format!("indicator--8f1b0a9e-0000-4000-8000-{:012}", i + 10),
            "created": "2026-03-01T09:00:00.000Z", "modified": "2026-03-01T09:00:00.000Z", "name": format!("case {i}"),
            "indicator_types": ["malicious-activity"], "pattern": pattern, "pattern_type": "stix",
            "valid_from": "2026-03-01T09:00:00Z", "confidence": 40 + i, "object_marking_refs": [marking],
            "created_by_ref": "identity--8f1b0a9e-0000-4000-8000-000000000001"
        }));
    }
    objects.push(json!({
        "type": "report", "spec_version": "2.1", "id": "report--8f1b0a9e-0000-4000-8000-000000000099",
        "created": "2026-03-01T09:00:00.000Z", "modified": "2026-03-01T09:00:00.000Z", "name": "Phishing against synthetic banks",
        "description": "Synthetic campaign.", "report_types": ["threat-report"], "published": "2026-03-01T09:00:00Z",
        "object_refs": ["indicator--8f1b0a9e-0000-4000-8000-000000000013", "indicator--8f1b0a9e-0000-4000-8000-000000000014"],
        "x_mamori_name_ja": "架空銀行を狙うフィッシング", "x_mamori_severity": "high", "object_marking_refs": [clear]
    }));
    objects.push(json!({
        "type": "observed-data", "spec_version": "2.1", "id": "observed-data--8f1b0a9e-0000-4000-8000-000000000098",
        "created": "2026-03-01T09:00:00.000Z", "modified": "2026-03-01T09:00:00.000Z", "first_observed": "2026-03-01T08:00:00Z",
        "last_observed": "2026-03-01T08:30:00Z", "number_observed": 4, "object_refs": ["ipv4-addr--8f1b0a9e-0000-4000-8000-000000000097"],
        "object_marking_refs": [clear]
    }));
    objects.push(json!({
        "type": "sighting", "spec_version": "2.1", "id": "sighting--8f1b0a9e-0000-4000-8000-000000000096",
        "created": "2026-03-02T00:00:00.000Z", "modified": "2026-03-02T00:00:00.000Z",
        "sighting_of_ref": "indicator--8f1b0a9e-0000-4000-8000-000000000010", "count": 7,
        "first_seen": "2026-03-01T10:00:00Z", "last_seen": "2026-03-02T10:00:00Z"
    }));
    json!({"type": "bundle", "id": "bundle--8f1b0a9e-0000-4000-8000-000000000000", "objects": objects})
}

fn by_id(bundle: &Value) -> HashMap<String, Value> {
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap().to_string(), o.clone()))
        .collect()
}

/// Runs a Python interoperability script when Python has the package it needs. CI installs
/// them and sets `MAMORI_REQUIRE_INTEROP`, so there a missing client fails the test.
fn python(script: &str, module: &str, args: &[&str]) -> Option<Value> {
    let have = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output();
    if !have.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("MAMORI_REQUIRE_INTEROP").is_none(),
            "python3 with {module} is required"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {script} (python3 -m pip install {module})"
        );
        return None;
    }
    let path = format!("{}/tests/interop/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(path)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stix_bundle_round_trips_and_passes_the_oasis_validator() {
    let app = spawn_app().await;
    let isac = existing(&app, "isac-analyst").await;
    // Bad objects: the whole bundle is refused, each problem named, nothing stored.
    let mut bad = foreign_bundle();
    bad["objects"][3]["pattern"] = json!("[ipv4-addr:value = '300.1.1.1']");
    bad["objects"][5]["spec_version"] = json!("2.0");
    let res = post_json(&app, &isac, "/api/v1/sharing/import", &bad).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    let (_, list) = get_json(&app, &isac, "/api/v1/sharing/objects").await;
    assert_eq!(list["total"], 0, "nothing was stored");
    let res = post_json(
        &app,
        &isac,
        "/api/v1/sharing/import",
        &json!({"type": "not-a-bundle"}),
    )
    .await;
    assert_eq!(res.status(), 400);

    let res = post_json(&app, &isac, "/api/v1/sharing/import", &foreign_bundle()).await;
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.unwrap();
    assert_eq!(
        (
            r["stored"].as_u64(),
            r["sightings"].as_u64(),
            r["described"].as_u64()
        ),
        (Some(14), Some(1), Some(1))
    );
    // Importing again changes nothing.
    let again: Value = post_json(&app, &isac, "/api/v1/sharing/import", &foreign_bundle())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["stored"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(14))
    );

    let (_, exported) = get_json(&app, &isac, "/api/v1/sharing/export.stix.json").await;
    let original = by_id(&foreign_bundle());
    let out = by_id(&exported);
    for (id, o) in &original {
        if o["type"] == "identity" {
            continue;
        }
        let e = out.get(id).unwrap_or_else(|| panic!("{id} not exported"));
        for field in [
            "type",
            "pattern",
            "valid_from",
            "confidence",
            "name",
            "object_refs",
            "x_mamori_severity",
            "sighting_of_ref",
            "count",
            "first_observed",
        ] {
            if let Some(v) = o.get(field) {
                assert_eq!(e.get(field), Some(v), "{id}.{field}");
            }
        }
        if o["type"] != "sighting" {
            let want = if id.ends_with("000000000013") {
                Tlp::Green
            } else {
                Tlp::Clear
            };
            assert_eq!(
                e["object_marking_refs"],
                json!([want.stix_id()]),
                "{id}: TLP 1.0 GREEN is exported as TLP 2.0"
            );
        }
    }
    // The marking definitions and the source identity travel with the objects.
    assert!(out.contains_key(Tlp::Clear.stix_id()) && out.contains_key(Tlp::Green.stix_id()));
    let ident = out
        .values()
        .find(|o| o["type"] == "identity")
        .expect("an identity");
    assert!(out
        .values()
        .filter(|o| o["type"] == "indicator")
        .all(|o| o["created_by_ref"] == ident["id"]));

    // Into a second platform and back out: the same objects.
    let second = spawn_app().await;
    let isac2 = existing(&second, "isac-analyst").await;
    let res = post_json(&second, &isac2, "/api/v1/sharing/import", &exported).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (_, exported2) = get_json(&second, &isac2, "/api/v1/sharing/export.stix.json").await;
    let out2 = by_id(&exported2);
    for (id, o) in out.iter().filter(|(_, o)| o["type"] != "identity") {
        let mut a = o.clone();
        let mut b = out2.get(id).unwrap_or_else(|| panic!("{id} lost")).clone();
        for v in [&mut a, &mut b] {
            v.as_object_mut().unwrap().remove("created_by_ref");
            v.as_object_mut().unwrap().remove("where_sighted_refs");
        }
        assert_eq!(a, b, "{id}");
    }

    // The OASIS validator accepts what we export.
    let file = std::env::temp_dir().join(format!("mamori-export-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec_pretty(&exported).unwrap()).unwrap();
    if let Some(v) = python(
        "validate_stix.py",
        "stix2validator",
        &[file.to_str().unwrap()],
    ) {
        assert_eq!(v["valid"], true, "{v}");
    }
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_taxii_server_pages_filters_and_speaks_its_media_types() {
    let app = spawn_app().await;
    let isac = existing(&app, "isac-analyst").await;
    let fsa = existing(&app, "fsa-supervisor").await;
    let mut objects = Vec::new();
    for i in 0..25 {
        objects.push(json!({"type": "indicator", "spec_version": "2.1", "id": format!("indicator--0b5e7c1a-0000-4000-8000-{i:012}"),
            "created": "2026-05-01T00:00:00.000Z", "modified": "2026-05-01T00:00:00.000Z", "pattern_type": "stix",
            "pattern": format!("[ipv4-addr:value = '192.0.2.{i}']"), "valid_from": "2026-05-01T00:00:00Z"}));
    }
    let res = post_json(&app, &isac, "/api/v1/sharing/import?tlp=clear", &json!({"type": "bundle", "id": "bundle--0b5e7c1a-0000-4000-8000-000000000000", "objects": objects})).await;
    assert_eq!(res.status(), 200);
    let clear = mamori_web::api::taxii::collection_id(Tlp::Clear);
    let objects_url = format!("/taxii2/mamori/collections/{clear}/objects/");

    // Discovery and media types.
    let d = app
        .client
        .get(app.url("/taxii2/"))
        .header("accept", TAXII)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), 200);
    assert_eq!(d.headers()["content-type"], TAXII);
    let no = app
        .client
        .get(app.url("/taxii2/"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(no.status(), 406);
    assert_eq!(no.headers()["content-type"], TAXII);
    let err: Value = no.json().await.unwrap();
    assert_eq!(err["http_status"], "406");
    let anon = app
        .client
        .get(app.url(&objects_url))
        .header("accept", TAXII)
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401, "no token, no objects");

    // Pages of 10 follow `next` through all 25, without loss or repetition.
    let mut seen = Vec::new();
    let mut url = format!("{objects_url}?limit=10");
    let mut pages = 0;
    let mut last_added;
    loop {
        let res = taxii_get(&app, &fsa, &url).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], TAXII);
        last_added = res.headers()["x-taxii-date-added-last"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(res.headers().contains_key("x-taxii-date-added-first"));
        let v: Value = res.json().await.unwrap();
        seen.extend(ids_of(&v, "objects"));
        pages += 1;
        if v["more"] == json!(true) {
            url = format!(
                "{objects_url}?limit=10&next={}",
                v["next"].as_str().unwrap()
            );
        } else {
            assert!(v.get("next").is_none());
            break;
        }
    }
    assert_eq!((pages, seen.len()), (3, 25));
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 25);
    let after: Value = taxii_get(
        &app,
        &fsa,
        &format!(
            "{objects_url}?added_after={}",
            last_added.replace('+', "%2B")
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        after.get("objects").is_none() && after["more"] == json!(false),
        "{after}"
    );
    let before: Value = taxii_get(
        &app,
        &fsa,
        &format!("{objects_url}?added_after=2000-01-01T00:00:00Z&limit=100"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(before["objects"].as_array().unwrap().len(), 25);
    let one_id = "indicator--0b5e7c1a-0000-4000-8000-000000000003";
    let by_id: Value = taxii_get(&app, &fsa, &format!("{objects_url}?match[id]={one_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        ids_of(&by_id, "objects"),
        BTreeSet::from([one_id.to_string()])
    );
    let by_type: Value = taxii_get(&app, &fsa, &format!("{objects_url}?match[type]=report"))
        .await
        .json()
        .await
        .unwrap();
    assert!(by_type.get("objects").is_none());
    let spec20: Value = taxii_get(
        &app,
        &fsa,
        &format!("{objects_url}?match[spec_version]=2.0"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(spec20.get("objects").is_none());
    assert_eq!(
        taxii_get(&app, &fsa, &format!("{objects_url}?limit=zero"))
            .await
            .status(),
        400
    );
    assert_eq!(
        taxii_get(
            &app,
            &fsa,
            "/taxii2/mamori/collections/00000000-0000-4000-8000-000000000000/objects/"
        )
        .await
        .status(),
        404
    );

    // POST: 415 without the TAXII content type, 413 above the limit, 202 with a status.
    let post = |body: Vec<u8>, ct: &'static str| {
        app.client
            .post(app.url(&objects_url))
            .bearer_auth(&isac.token)
            .header("accept", TAXII)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    assert_eq!(
        post(b"{}".to_vec(), "application/json")
            .await
            .unwrap()
            .status(),
        415
    );
    let big = vec![b' '; mamori_web::context::MAX_IMPORT_BODY + 10];
    let res = post(big, TAXII).await.unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], TAXII);
    let good = json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--0b5e7c1a-0000-4000-8000-000000000100",
        "created": "2026-05-02T00:00:00.000Z", "modified": "2026-05-02T00:00:00.000Z", "pattern_type": "stix",
        "pattern": "[domain-name:value = 'new.example']", "valid_from": "2026-05-02T00:00:00Z"});
    let strict = json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--0b5e7c1a-0000-4000-8000-000000000101",
        "created": "2026-05-02T00:00:00.000Z", "modified": "2026-05-02T00:00:00.000Z", "pattern_type": "stix",
        "pattern": "[domain-name:value = 'strict.example']", "valid_from": "2026-05-02T00:00:00Z", "object_marking_refs": [Tlp::AmberStrict.stix_id()]});
    let res = post(
        serde_json::to_vec(&json!({"objects": [good, strict, {"type": "nonsense"}]})).unwrap(),
        TAXII,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 202);
    let status: Value = res.json().await.unwrap();
    assert_eq!(
        (
            status["total_count"].as_u64(),
            status["success_count"].as_u64(),
            status["failure_count"].as_u64()
        ),
        (Some(3), Some(1), Some(2)),
        "{status}"
    );
    let sid = status["id"].as_str().unwrap();
    let again: Value = taxii_get(&app, &isac, &format!("/taxii2/mamori/status/{sid}/"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["success_count"], 1);
    assert_eq!(
        taxii_get(&app, &fsa, &format!("/taxii2/mamori/status/{sid}/"))
            .await
            .status(),
        404,
        "another account's status"
    );
    let fsa_post = app
        .client
        .post(app.url(&objects_url))
        .bearer_auth(&fsa.token)
        .header("accept", TAXII)
        .header("content-type", TAXII)
        .body("{\"objects\": []}")
        .send()
        .await
        .unwrap();
    assert_eq!(fsa_post.status(), 403, "supervisors do not post");

    // DELETE revokes; versions keep the history.
    let url = format!("/taxii2/mamori/collections/{clear}/objects/{one_id}/");
    let del = app
        .client
        .delete(app.url(&url))
        .bearer_auth(&isac.token)
        .header("accept", TAXII)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 200);
    let versions: Value = taxii_get(&app, &isac, &format!("{url}versions/"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        versions["versions"].as_array().unwrap().len(),
        2,
        "{versions}"
    );
    assert_eq!(
        taxii_get(&app, &fsa, &url).await.status(),
        404,
        "revoked objects leave peers' feeds"
    );
    let all: Value = taxii_get(&app, &isac, &format!("{url}?match[version]=all"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["objects"].as_array().unwrap().len(), 2);

    // The OASIS TAXII client pages, posts and reads the manifest.
    let indicator = json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--0b5e7c1a-0000-4000-8000-000000000200",
        "created": "2026-05-03T00:00:00.000Z", "modified": "2026-05-03T00:00:00.000Z", "pattern_type": "stix",
        "pattern": "[url:value = 'https://client.example/x']", "valid_from": "2026-05-03T00:00:00Z"}).to_string();
    if let Some(v) = python(
        "taxii_client.py",
        "taxii2client",
        &[&app.base, &isac.token, &indicator],
    ) {
        assert_eq!(v["api_root"], "mamori");
        assert_eq!(
            v["collections"],
            json!(["TLP:AMBER", "TLP:CLEAR", "TLP:GREEN"])
        );
        assert_eq!(v["paged_ids"].as_array().unwrap().len(), 26, "{v}");
        assert_eq!(
            (v["status"].as_str(), v["success_count"].as_u64()),
            (Some("complete"), Some(1))
        );
        assert_eq!(v["manifest_count"], 27);
    }
}
