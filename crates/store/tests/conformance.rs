//! The backend conformance suite: every test runs on SQLite, and on PostgreSQL when
//! `MAMORI_TEST_POSTGRES_URL` is set, each in a fresh database.

use chrono::{Duration, Utc};
use mamori_domain::institution::{ContactInput, InstitutionInput};
use mamori_domain::policy::{AuditScope, InstitutionScope};
use mamori_domain::{Bureau, IsacMembership, OrganisationKind, Prefecture, Role, Sector, SizeTier};
use mamori_store::accounts::{LoginOutcome, NewAccount, MAX_FAILED_LOGINS};
use mamori_store::audit::AuditFilter;
use mamori_store::registry::{InstitutionFilter, InstitutionSort};
use mamori_store::testing::TestDatabase;
use mamori_store::{Actor, PageRequest, Store, StoreError};
use std::collections::{HashMap, HashSet};

/// Runs `body` against every configured backend.
macro_rules! conformance {
    ($name:ident, |$store:ident, $label:ident| $body:block) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let dbs = TestDatabase::all(stringify!($name)).await.expect("create test database");
            if dbs.len() == 1 {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED on PostgreSQL: {} ({} not set)",
                    stringify!($name),
                    mamori_store::testing::POSTGRES_ENV
                );
            }
            for db in dbs {
                let $store: Store = db.connect().await.expect("connect");
                let $label = db.label;
                $body
                $store.close().await;
                db.drop_database().await;
            }
        }
    };
}

fn inst(code: &str, name_en: &str, sector: Sector, pref: Prefecture) -> InstitutionInput {
    InstitutionInput {
        code: code.into(),
        name_ja: format!("{name_en}（日本語）"),
        name_en: name_en.into(),
        sector,
        size_tier: SizeTier::Medium,
        bureau: pref.bureau(),
        prefecture: pref,
        group_name: None,
        isac_membership: IsacMembership::Full,
        require_totp: false,
    }
}

fn actor() -> Actor {
    Actor::system("test")
}

async fn seed_small(store: &Store) -> (i64, i64) {
    let a = store
        .create_institution(
            &actor(),
            &inst(
                "RB-1",
                "Alpha Bank",
                Sector::RegionalBank,
                Prefecture::Tokyo,
            ),
        )
        .await
        .unwrap();
    let b = store
        .create_institution(
            &actor(),
            &inst("SK-1", "Beta Shinkin", Sector::Shinkin, Prefecture::Osaka),
        )
        .await
        .unwrap();
    (a.id, b.id)
}

conformance!(migrations_are_idempotent, |store, label| {
    assert!(
        store.migrate().await.unwrap().is_empty(),
        "{label}: second run applied something"
    );
    store.ping().await.unwrap();
});

conformance!(scope_limits_reads, |store, label| {
    let (a, b) = seed_small(&store).await;
    let all = store
        .list_institutions(
            InstitutionScope::All,
            &InstitutionFilter::default(),
            InstitutionSort::Code,
            false,
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 2, "{label}");
    let kanto = store
        .list_institutions(
            InstitutionScope::Bureau(Bureau::Kanto),
            &InstitutionFilter::default(),
            InstitutionSort::Code,
            false,
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        kanto.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![a],
        "{label}"
    );
    assert!(matches!(
        store.get_institution(InstitutionScope::Only(a), b).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_institution(InstitutionScope::Nothing, a).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .get_institution(InstitutionScope::Only(a), a)
            .await
            .unwrap()
            .code,
        "RB-1"
    );
});

conformance!(
    keyset_pagination_visits_every_row_once_in_order,
    |store, label| {
        for n in 0..23 {
            // Names repeat so that ties on the sort key are broken by id.
            let name = format!("Bank {}", n % 5);
            store
                .create_institution(
                    &actor(),
                    &inst(
                        &format!("RB-{n:03}"),
                        &name,
                        Sector::RegionalBank,
                        Prefecture::Miyagi,
                    ),
                )
                .await
                .unwrap();
        }
        for desc in [false, true] {
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let page = store
                    .list_institutions(
                        InstitutionScope::All,
                        &InstitutionFilter::default(),
                        InstitutionSort::NameEn,
                        desc,
                        &PageRequest {
                            limit: 4,
                            cursor: cursor.clone(),
                        },
                    )
                    .await
                    .unwrap();
                assert_eq!(page.total, 23);
                seen.extend(page.items.iter().map(|i| (i.name_en.clone(), i.id)));
                match page.next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
            assert_eq!(seen.len(), 23, "{label} desc={desc}");
            assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 23);
            let mut sorted = seen.clone();
            sorted.sort();
            if desc {
                sorted.reverse();
            }
            assert_eq!(seen, sorted, "{label} desc={desc}: pages out of order");
        }
        let bad = store
            .list_institutions(
                InstitutionScope::All,
                &InstitutionFilter::default(),
                InstitutionSort::NameEn,
                false,
                &PageRequest {
                    limit: 4,
                    cursor: Some("zz".into()),
                },
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
    }
);

conformance!(search_is_case_insensitive_and_literal, |store, label| {
    seed_small(&store).await;
    store
        .create_institution(
            &actor(),
            &inst(
                "RB-2",
                "100% Bank_x",
                Sector::RegionalBank,
                Prefecture::Aichi,
            ),
        )
        .await
        .unwrap();
    let find = |q: &str| InstitutionFilter {
        q: Some(q.into()),
        ..Default::default()
    };
    let count = |f: InstitutionFilter| {
        let store = store.clone();
        async move {
            store
                .list_institutions(
                    InstitutionScope::All,
                    &f,
                    InstitutionSort::Code,
                    false,
                    &PageRequest::default(),
                )
                .await
                .unwrap()
                .total
        }
    };
    assert_eq!(count(find("alpha")).await, 1, "{label}");
    assert_eq!(count(find("ALPHA")).await, 1, "{label}");
    assert_eq!(count(find("（日本語）")).await, 3, "{label}");
    assert_eq!(count(find("%")).await, 1, "{label}: % must be literal");
    assert_eq!(count(find("_")).await, 1, "{label}: _ must be literal");
    assert_eq!(
        count(InstitutionFilter {
            sector: Some(Sector::Shinkin),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(InstitutionFilter {
            bureau: Some(Bureau::Tokai),
            ..Default::default()
        })
        .await,
        1
    );
});

conformance!(
    codes_are_unique_and_updates_audit_only_changes,
    |store, label| {
        let (a, _) = seed_small(&store).await;
        let dup = store
            .create_institution(
                &actor(),
                &inst("RB-1", "Again", Sector::RegionalBank, Prefecture::Tokyo),
            )
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { field: "code" })),
            "{label}"
        );
        let current = store
            .get_institution(InstitutionScope::All, a)
            .await
            .unwrap();
        let mut changed = inst(
            "RB-1",
            "Alpha Bank",
            Sector::RegionalBank,
            Prefecture::Tokyo,
        );
        changed.isac_membership = IsacMembership::Trial;
        store
            .update_institution(&actor(), &current, &changed)
            .await
            .unwrap();
        let page = store
            .list_audit(
                AuditScope::All,
                &AuditFilter {
                    action_prefix: Some("institution.update".into()),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1, "{label}");
        let changes: serde_json::Value = serde_json::from_str(&page.items[0].changes).unwrap();
        assert_eq!(
            changes,
            serde_json::json!({"isac_membership": ["full", "trial"]})
        );
    }
);

conformance!(import_is_all_or_nothing, |store, label| {
    seed_small(&store).await;
    let (fsa, _) = (
        store
            .create_organisation(
                &actor(),
                OrganisationKind::Fsa,
                "FSA",
                "金融庁",
                "FSA",
                None,
            )
            .await
            .unwrap(),
        (),
    );
    let _ = fsa;
    let ok = vec![
        inst(
            "RB-1",
            "Alpha Bank renamed",
            Sector::RegionalBank,
            Prefecture::Tokyo,
        ),
        inst("RB-9", "New Bank", Sector::RegionalBank, Prefecture::Gifu),
        inst("SK-1", "Beta Shinkin", Sector::Shinkin, Prefecture::Osaka),
    ];
    let s = store.import_institutions(&actor(), &ok).await.unwrap();
    assert_eq!((s.created, s.updated, s.unchanged), (1, 1, 1), "{label}");
    let before = store.verify_audit().await.unwrap().unwrap();
    // The last row collides with a non-institution: nothing of the file may land.
    let bad = vec![
        inst(
            "RB-10",
            "Would be new",
            Sector::RegionalBank,
            Prefecture::Gifu,
        ),
        inst("FSA", "Clash", Sector::RegionalBank, Prefecture::Gifu),
    ];
    assert!(matches!(
        store.import_institutions(&actor(), &bad).await,
        Err(StoreError::Conflict { .. })
    ));
    let total = store
        .list_institutions(
            InstitutionScope::All,
            &InstitutionFilter::default(),
            InstitutionSort::Code,
            false,
            &PageRequest::default(),
        )
        .await
        .unwrap()
        .total;
    assert_eq!(total, 3, "{label}: partial import leaked");
    assert_eq!(
        store.verify_audit().await.unwrap().unwrap(),
        before,
        "{label}: audit records leaked"
    );
    let unchanged = store.import_institutions(&actor(), &ok[2..]).await.unwrap();
    assert_eq!(unchanged.unchanged, 1);
    assert_eq!(store.verify_audit().await.unwrap().unwrap(), before);
});

conformance!(contacts_belong_to_their_organisation, |store, label| {
    let (a, b) = seed_small(&store).await;
    let c = ContactInput {
        name: "CISO office".into(),
        title: None,
        email: Some("c@a.example".into()),
        phone: None,
    };
    let id = store.add_contact(&actor(), a, &c).await.unwrap();
    assert!(
        matches!(
            store.delete_contact(&actor(), b, id).await,
            Err(StoreError::NotFound)
        ),
        "{label}"
    );
    assert_eq!(store.list_contacts(a).await.unwrap().len(), 1);
    store.delete_contact(&actor(), a, id).await.unwrap();
    assert!(store.list_contacts(a).await.unwrap().is_empty());
});

async fn account(store: &Store, username: &str, org: &str, role: Role) {
    store
        .create_account(
            &actor(),
            &NewAccount {
                username: username.into(),
                display_name: username.into(),
                organisation_code: org.into(),
                role,
                password: "correct horse battery".into(),
            },
        )
        .await
        .unwrap();
}

conformance!(accounts_validate_role_and_organisation, |store, label| {
    seed_small(&store).await;
    let bad = store
        .create_account(
            &actor(),
            &NewAccount {
                username: "X".into(),
                display_name: "x".into(),
                organisation_code: "RB-1".into(),
                role: Role::FsaSupervisor,
                password: "short".into(),
            },
        )
        .await;
    let Err(StoreError::Invalid(errs)) = bad else {
        panic!("{label}: expected invalid")
    };
    let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"username") && fields.contains(&"password") && fields.contains(&"role"),
        "{fields:?}"
    );
    account(&store, "alice", "RB-1", Role::InstitutionAdmin).await;
    let again = store
        .create_account(
            &actor(),
            &NewAccount {
                username: "alice".into(),
                display_name: "a".into(),
                organisation_code: "RB-1".into(),
                role: Role::InstitutionMember,
                password: "long enough password".into(),
            },
        )
        .await;
    assert!(matches!(
        again,
        Err(StoreError::Conflict { field: "username" })
    ));
});

conformance!(login_locks_after_repeated_failures, |store, label| {
    seed_small(&store).await;
    account(&store, "alice", "RB-1", Role::InstitutionAdmin).await;
    for _ in 0..MAX_FAILED_LOGINS - 1 {
        assert!(
            matches!(
                store.login("alice", "wrong", None, 1).await.unwrap(),
                LoginOutcome::Invalid
            ),
            "{label}"
        );
    }
    assert!(matches!(
        store.login("alice", "wrong", None, 1).await.unwrap(),
        LoginOutcome::Locked { .. }
    ));
    // Even the right password is refused while locked.
    assert!(matches!(
        store
            .login("alice", "correct horse battery", None, 1)
            .await
            .unwrap(),
        LoginOutcome::Locked { .. }
    ));
    store
        .reset_password(&actor(), "alice", "another long password")
        .await
        .unwrap();
    let ok = store
        .login("alice", "another long password", None, 1)
        .await
        .unwrap();
    let LoginOutcome::Success {
        principal,
        session_token,
    } = ok
    else {
        panic!("{label}: expected success")
    };
    assert_eq!(principal.role, Role::InstitutionAdmin);
    assert_eq!(
        store
            .session_principal(&session_token)
            .await
            .unwrap()
            .unwrap()
            .username,
        "alice"
    );
    assert!(matches!(
        store.login("nobody", "x", None, 1).await.unwrap(),
        LoginOutcome::Invalid
    ));
    let actions: Vec<String> = store
        .list_audit(
            AuditScope::All,
            &AuditFilter {
                action_prefix: Some("auth.".into()),
                ..Default::default()
            },
            &PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(
        actions.contains(&"auth.lockout".to_string())
            && actions.contains(&"auth.login".to_string()),
        "{actions:?}"
    );
});

conformance!(second_factor_is_required_once_enrolled, |store, label| {
    seed_small(&store).await;
    account(&store, "bob", "RB-1", Role::InstitutionMember).await;
    let acc = store.account_by_username("bob").await.unwrap();
    let secret = b"0123456789abcdefghij";
    store
        .set_totp_secret(
            &actor(),
            acc.id,
            Some(&mamori_domain::totp::encode_secret(secret)),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            store
                .login("bob", "correct horse battery", None, 1)
                .await
                .unwrap(),
            LoginOutcome::TotpRequired
        ),
        "{label}"
    );
    assert!(
        matches!(
            store
                .login("bob", "correct horse battery", Some("000000"), 1)
                .await
                .unwrap(),
            LoginOutcome::Invalid
        ) || mamori_domain::totp::verify(secret, "000000", Utc::now().timestamp())
    );
    let code = mamori_domain::totp::code_at(secret, Utc::now().timestamp());
    assert!(matches!(
        store
            .login("bob", "correct horse battery", Some(&code), 1)
            .await
            .unwrap(),
        LoginOutcome::Success { .. }
    ));
});

conformance!(tokens_are_hashed_revocable_and_expire, |store, label| {
    seed_small(&store).await;
    account(&store, "carol", "RB-1", Role::InstitutionMember).await;
    let acc = store.account_by_username("carol").await.unwrap();
    let (token, info) = store
        .create_token(&actor(), acc.id, "ci", Utc::now() + Duration::days(1))
        .await
        .unwrap();
    assert!(token.starts_with("mamori_") && !info.prefix.is_empty());
    assert_eq!(
        store
            .token_principal(&token)
            .await
            .unwrap()
            .unwrap()
            .username,
        "carol",
        "{label}"
    );
    assert!(store
        .token_principal("mamori_nottoken")
        .await
        .unwrap()
        .is_none());
    store.revoke_token(&actor(), acc.id, info.id).await.unwrap();
    assert!(store.token_principal(&token).await.unwrap().is_none());
    assert!(matches!(
        store.revoke_token(&actor(), acc.id, info.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .create_token(&actor(), acc.id, "old", Utc::now() - Duration::days(1))
            .await,
        Err(StoreError::Invalid(_))
    ));
    let (t2, _) = store
        .create_token(&actor(), acc.id, "ci2", Utc::now() + Duration::days(1))
        .await
        .unwrap();
    store
        .set_account_disabled(&actor(), "carol", true)
        .await
        .unwrap();
    assert!(
        store.token_principal(&t2).await.unwrap().is_none(),
        "disabled accounts' tokens must stop working"
    );
});

conformance!(audit_scope_limits_browsing, |store, label| {
    let (a, b) = seed_small(&store).await;
    let own = store
        .list_audit(
            AuditScope::Organisation(a),
            &AuditFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(
        own.total >= 1 && own.items.iter().all(|r| r.organisation_id == Some(a)),
        "{label}"
    );
    let bureau = store
        .list_audit(
            AuditScope::Bureau {
                bureau: Bureau::Kinki,
                own_organisation: -1,
            },
            &AuditFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(
        bureau.total >= 1 && bureau.items.iter().all(|r| r.organisation_id == Some(b)),
        "{label}"
    );
    let none = store
        .list_audit(
            AuditScope::Nothing,
            &AuditFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(none.total, 0);
});

conformance!(
    every_change_commits_with_its_audit_record,
    |store, label| {
        let mut tx = store.begin().await.unwrap();
        tx.insert_organisation(
            &actor(),
            OrganisationKind::Isac,
            "ISAC",
            "ISAC",
            "ISAC",
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // A transaction that changes nothing auditable may not commit as a change.
        let tx = store.begin().await.unwrap();
        assert!(
            matches!(tx.commit().await, Err(StoreError::Unaudited)),
            "{label}"
        );
        assert_eq!(store.verify_audit().await.unwrap().unwrap(), 1);
    }
);

conformance!(concurrent_writers_keep_the_chain_linear, |store, label| {
    let mut handles = Vec::new();
    for n in 0..12 {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            s.create_institution(
                &actor(),
                &inst(
                    &format!("CC-{n}"),
                    &format!("C {n}"),
                    Sector::Securities,
                    Prefecture::Tokyo,
                ),
            )
            .await
            .map(|_| ())
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    assert_eq!(store.verify_audit().await.unwrap().unwrap(), 12, "{label}");
});

conformance!(tampering_is_detected, |store, label| {
    seed_small(&store).await;
    store
        .create_institution(
            &actor(),
            &inst("RB-3", "Gamma", Sector::RegionalBank, Prefecture::Nara),
        )
        .await
        .unwrap();
    assert_eq!(store.verify_audit().await.unwrap().unwrap(), 3, "{label}");
    let url_store = store.clone();
    // Alter a record's content directly in the database.
    tamper(
        &url_store,
        "UPDATE audit_log SET changes = '{}' WHERE seq = 2",
    )
    .await;
    let broken = store.verify_audit().await.unwrap().unwrap_err();
    assert!(broken.to_string().contains("record 2"), "{label}: {broken}");
});

conformance!(deletion_and_truncation_are_detected, |store, label| {
    seed_small(&store).await;
    store
        .create_institution(
            &actor(),
            &inst("RB-3", "Gamma", Sector::RegionalBank, Prefecture::Nara),
        )
        .await
        .unwrap();
    tamper(&store, "DELETE FROM audit_log WHERE seq = 3").await;
    assert!(
        store.verify_audit().await.unwrap().is_err(),
        "{label}: truncation undetected"
    );
    tamper(&store, "DELETE FROM audit_log WHERE seq = 1").await;
    assert!(
        store.verify_audit().await.unwrap().is_err(),
        "{label}: deletion undetected"
    );
});

conformance!(
    backup_copies_sqlite_and_explains_postgres,
    |store, label| {
        seed_small(&store).await;
        let target = std::env::temp_dir().join(format!(
            "mamori-backup-{}.db",
            mamori_store::sessions::random_secret()
        ));
        let result = store.backup_to(&target).await;
        if label == "sqlite" {
            result.unwrap();
            let copy = Store::connect(&format!("sqlite://{}", target.display()))
                .await
                .unwrap();
            assert_eq!(copy.verify_audit().await.unwrap().unwrap(), 2);
            copy.close().await;
            let _ = std::fs::remove_file(&target);
        } else {
            assert!(result.unwrap_err().to_string().contains("pg_dump"));
        }
    }
);

/// Runs raw SQL on the store's database, as an attacker with database access would.
async fn tamper(store: &Store, sql: &str) {
    store.execute_raw_for_tests(sql).await.unwrap();
}

conformance!(
    bulk_inserts_keep_input_order_across_chunks,
    |store, label| {
        let inputs: Vec<InstitutionInput> = (0..905)
            .map(|n| {
                inst(
                    &format!("BK-{:04}", (n * 7919) % 10_000),
                    &format!("Bulk {n}"),
                    Sector::Securities,
                    Prefecture::Tokyo,
                )
            })
            .collect();
        let mut tx = store.begin().await.unwrap();
        let ids = tx.insert_institutions(&actor(), &inputs).await.unwrap();
        let contacts: Vec<(i64, ContactInput)> = ids
            .iter()
            .map(|id| {
                (
                    *id,
                    ContactInput {
                        name: format!("contact of {id}"),
                        title: None,
                        email: None,
                        phone: None,
                    },
                )
            })
            .collect();
        let contact_ids = tx.insert_contacts(&actor(), &contacts).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(ids.len(), 905, "{label}");
        for (input, id) in inputs.iter().zip(&ids).step_by(97) {
            let got = store
                .get_institution(InstitutionScope::All, *id)
                .await
                .unwrap();
            assert_eq!(
                got.code, input.code,
                "{label}: id {id} maps to the wrong row"
            );
        }
        for ((org, _), cid) in contacts.iter().zip(&contact_ids).step_by(101) {
            let cs = store.list_contacts(*org).await.unwrap();
            assert_eq!(cs[0].id, *cid, "{label}");
            assert_eq!(cs[0].name, format!("contact of {org}"));
        }
        assert_eq!(
            store.verify_audit().await.unwrap().unwrap(),
            905 * 2,
            "{label}"
        );
    }
);

conformance!(framework_versions_are_immutable, |store, label| {
    let text = include_str!("../../../library/frameworks/nist-csf-2.0.oscal.json");
    let value: serde_yaml::Value = serde_json::from_str::<serde_json::Value>(text)
        .map(|v| serde_yaml::to_value(v).unwrap())
        .unwrap();
    let csf = mamori_survey::oscal::import_with_key("csf.json", &value, Some("nist-csf")).unwrap();
    use mamori_store::frameworks::FrameworkImport;
    let first = store.import_framework(&actor(), &csf).await.unwrap();
    let FrameworkImport::Created(id) = first else {
        panic!("{label}: {first:?}")
    };
    assert_eq!(
        store.import_framework(&actor(), &csf).await.unwrap(),
        FrameworkImport::Unchanged(id)
    );
    let mut edited = csf.clone();
    edited.items[0].title.en = "Governance".into();
    assert!(
        matches!(
            store.import_framework(&actor(), &edited).await,
            Err(StoreError::Conflict { field: "version" })
        ),
        "{label}"
    );
    edited.version = "1.2.1".into();
    assert!(matches!(
        store.import_framework(&actor(), &edited).await.unwrap(),
        FrameworkImport::Created(_)
    ));
    let list = store.list_frameworks().await.unwrap();
    assert_eq!(list.len(), 2, "{label}");
    assert!(list
        .iter()
        .all(|f| f.assessable_items == 106 && f.key == "nist-csf"));
    assert_eq!(
        store.framework(id).await.unwrap(),
        csf,
        "{label}: the stored definition round-trips"
    );
});

async fn tiny_framework(store: &Store) -> i64 {
    let f = mamori_survey::format::parse(
        "t.yaml",
        "format: mamori-framework/1\nkey: t\nversion: '1'\nname: { en: T }\nitems:\n  - { id: Q1, title: { en: q1 }, answer: { type: yes_partial_no } }\n  - { id: Q2, title: { en: q2 }, answer: { type: yes_partial_no } }\n",
    )
    .unwrap();
    match store.import_framework(&actor(), &f).await.unwrap() {
        mamori_store::frameworks::FrameworkImport::Created(id)
        | mamori_store::frameworks::FrameworkImport::Unchanged(id) => id,
    }
}

conformance!(campaign_lifecycle_with_history, |store, label| {
    use mamori_store::campaigns::{AnswerChange, AssignmentFilter, CampaignTarget, NewCampaign};
    use mamori_survey::answer::AnswerValue;
    use mamori_survey::assignment::{AssignmentStatus, Transition};
    let (a, b) = seed_small(&store).await;
    let framework_id = tiny_framework(&store).await;
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let new = NewCampaign {
        name: "Baseline 2025".into(),
        framework_id,
        instructions: None,
        opens_on: day("2025-04-01"),
        due_on: day("2025-06-30"),
        target: CampaignTarget {
            sectors: vec![Sector::RegionalBank],
            ..Default::default()
        },
    };
    let (campaign, n) = store.create_campaign(&actor(), &new).await.unwrap();
    assert_eq!(n, 1, "{label}: only the regional bank is targeted");
    let mut empty = new.clone();
    empty.target.sectors = vec![Sector::FxBroker];
    assert!(matches!(
        store.create_campaign(&actor(), &empty).await,
        Err(StoreError::Invalid(_))
    ));
    // Scope: the shinkin sees no campaign, the bank sees its one.
    assert!(
        store
            .list_campaigns(InstitutionScope::Only(b))
            .await
            .unwrap()
            .is_empty(),
        "{label}"
    );
    assert_eq!(
        store
            .list_campaigns(InstitutionScope::Only(a))
            .await
            .unwrap()
            .len(),
        1
    );
    let list = store
        .list_assignments(
            InstitutionScope::Only(a),
            &AssignmentFilter {
                campaign_id: Some(campaign.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let asg = list[0].clone();
    assert_eq!(asg.status.0, AssignmentStatus::NotStarted);
    assert!(matches!(
        store.assignment(InstitutionScope::Only(b), asg.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(asg.is_overdue(day("2025-07-01")) && !asg.is_overdue(day("2025-06-30")));

    let yes = |item: &str, v: &str| AnswerChange {
        item_id: item.into(),
        value: AnswerValue::One(v.into()),
        comment: None,
    };
    let inst = Actor::system("bank-staff");
    let s = store
        .transition_assignment(&inst, &asg, Transition::Save, &[yes("Q1", "yes")], None)
        .await
        .unwrap();
    assert_eq!(s, AssignmentStatus::Draft);
    // Saving the same answer again leaves no trace.
    let before = store.verify_audit().await.unwrap().unwrap();
    store
        .transition_assignment(&inst, &asg, Transition::Save, &[yes("Q1", "yes")], None)
        .await
        .unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap().unwrap(),
        before,
        "{label}: an unchanged save was recorded"
    );
    // Accepting a draft is not a transition.
    assert!(matches!(
        store
            .transition_assignment(&actor(), &asg, Transition::Accept, &[], None)
            .await,
        Err(StoreError::Invalid(_))
    ));
    store
        .transition_assignment(
            &inst,
            &asg,
            Transition::Submit,
            &[yes("Q2", "partial")],
            None,
        )
        .await
        .unwrap();
    // Submitted answers are locked.
    assert!(store
        .transition_assignment(&inst, &asg, Transition::Save, &[yes("Q2", "no")], None)
        .await
        .is_err());
    let s = store
        .transition_assignment(&actor(), &asg, Transition::Return, &[], Some("Q2: explain"))
        .await
        .unwrap();
    assert_eq!(s, AssignmentStatus::Returned);
    store
        .transition_assignment(&inst, &asg, Transition::Save, &[yes("Q2", "yes")], None)
        .await
        .unwrap();
    store
        .transition_assignment(&inst, &asg, Transition::Submit, &[], None)
        .await
        .unwrap();
    let s = store
        .transition_assignment(&actor(), &asg, Transition::Accept, &[], None)
        .await
        .unwrap();
    assert_eq!(s, AssignmentStatus::Accepted);
    let answers = store.answers(asg.id).await.unwrap();
    assert_eq!(answers["Q2"].value, AnswerValue::One("yes".into()));
    let events = store.assignment_events(asg.id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["save", "submit", "return", "save", "submit", "accept"],
        "{label}"
    );
    // The first submission stays viewable as it was.
    let first: serde_json::Value =
        serde_json::from_str(events[1].snapshot.as_ref().unwrap()).unwrap();
    assert_eq!(first["Q2"]["value"], "partial");
    assert_eq!(events[2].comment.as_deref(), Some("Q2: explain"));
    let progress = store
        .campaign_progress(InstitutionScope::All, campaign.id)
        .await
        .unwrap();
    assert_eq!(
        progress,
        vec![(
            Sector::RegionalBank,
            Bureau::Kanto,
            AssignmentStatus::Accepted,
            1
        )]
    );
});

conformance!(analytics_read_accepted_answers_only, |store, label| {
    use mamori_store::campaigns::{
        AnswerChange, AssignmentFilter, CampaignTarget, LoadedAssignment, NewCampaign,
    };
    use mamori_survey::answer::AnswerValue;
    use mamori_survey::assignment::AssignmentStatus;
    let (a, b) = seed_small(&store).await;
    let framework_id = tiny_framework(&store).await;
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let answer = |item: &str, v: &str| AnswerChange {
        item_id: item.into(),
        value: AnswerValue::One(v.into()),
        comment: None,
    };
    let mut campaigns = Vec::new();
    // Created out of order: the later-opening campaign is created first.
    for (name, opens, b_status) in [
        ("2026", "2026-04-01", AssignmentStatus::Submitted),
        ("2025", "2025-04-01", AssignmentStatus::Accepted),
    ] {
        let (c, _) = store
            .create_campaign(
                &actor(),
                &NewCampaign {
                    name: name.into(),
                    framework_id,
                    instructions: None,
                    opens_on: day(opens),
                    due_on: day(opens) + chrono::Days::new(60),
                    target: CampaignTarget {
                        sectors: vec![Sector::RegionalBank, Sector::Shinkin],
                        ..Default::default()
                    },
                },
            )
            .await
            .unwrap();
        let list = store
            .list_assignments(
                InstitutionScope::All,
                &AssignmentFilter {
                    campaign_id: Some(c.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let loaded: Vec<LoadedAssignment> = list
            .iter()
            .map(|x| LoadedAssignment {
                assignment_id: x.id,
                institution_id: x.institution_id,
                answers: vec![answer("Q1", name_answer(name)), answer("Q2", "no")],
                status: if x.institution_id == a {
                    AssignmentStatus::Accepted
                } else {
                    b_status
                },
            })
            .collect();
        store.load_answers(&actor(), c.id, &loaded).await.unwrap();
        campaigns.push(c.id);
    }
    fn name_answer(name: &str) -> &'static str {
        if name == "2026" {
            "yes"
        } else {
            "partial"
        }
    }
    let (c2026, c2025) = (campaigns[0], campaigns[1]);
    let all = store
        .accepted_responses(InstitutionScope::All, c2025)
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "{label}");
    assert_eq!(
        all[0].answers.get("Q1"),
        Some(&AnswerValue::One("partial".into()))
    );
    // The submitted (not accepted) response of 2026 does not count.
    let r2026 = store
        .accepted_responses(InstitutionScope::All, c2026)
        .await
        .unwrap();
    assert_eq!(r2026.len(), 1, "{label}");
    assert_eq!(r2026[0].institution_id, a);
    let own = store
        .accepted_responses(InstitutionScope::Only(b), c2025)
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].institution_id, b);
    // Latest accepted: a from 2026 (opened later though created first), b from 2025.
    let mut latest = store
        .latest_accepted(InstitutionScope::All, "t")
        .await
        .unwrap();
    latest.sort_by_key(|r| r.institution_id);
    let picked: Vec<(i64, i64)> = latest
        .iter()
        .map(|r| (r.institution_id, r.campaign_id))
        .collect();
    assert_eq!(picked, [(a, c2026), (b, c2025)], "{label}");
    assert_eq!(latest[0].answers.len(), 2);
    let kinki = store
        .latest_accepted(InstitutionScope::Bureau(Bureau::Kinki), "t")
        .await
        .unwrap();
    assert_eq!(kinki.len(), 1);
    assert_eq!(kinki[0].institution_id, b);
    assert!(store
        .latest_accepted(InstitutionScope::All, "no-such-framework")
        .await
        .unwrap()
        .is_empty());
});

fn shared(
    stix_id: &str,
    version: &str,
    tlp: mamori_domain::Tlp,
    audience: mamori_domain::sharing::Audience,
) -> mamori_store::sharing::NewShared {
    mamori_store::sharing::NewShared {
        stix_id: stix_id.into(),
        stix_type: "indicator".into(),
        version: version.into(),
        tlp,
        audience,
        anonymous: false,
        revoked: false,
        kind: Some("ipv4".into()),
        value: Some("192.0.2.1".into()),
        title: format!("{stix_id} {version}"),
        severity: None,
        confidence: Some(50),
        valid_from: None,
        valid_until: None,
        body: serde_json::json!({"type": "indicator", "id": stix_id}),
        recipient_organisations: vec![],
        recipient_accounts: vec![],
    }
}

conformance!(
    sharing_scope_in_sql_says_what_the_policy_says,
    |store, label| {
        use mamori_domain::policy::SharingScope;
        use mamori_domain::sharing::{check_addressing, Audience};
        use mamori_domain::Tlp;
        use mamori_store::sharing::{Publisher, SharedFilter};
        let (a, b) = seed_small(&store).await;
        let c = store
            .create_institution(
                &actor(),
                &inst("SK-2", "Gamma Shinkin", Sector::Shinkin, Prefecture::Aichi),
            )
            .await
            .unwrap()
            .id;
        let mut accounts = HashMap::new();
        for (org, code) in [(a, "RB-1"), (b, "SK-1"), (c, "SK-2")] {
            let acc = store
                .create_account(
                    &actor(),
                    &NewAccount {
                        username: format!("user-{}", code.to_lowercase()),
                        display_name: code.into(),
                        organisation_code: code.into(),
                        role: Role::InstitutionMember,
                        password: "correct horse battery staple".into(),
                    },
                )
                .await
                .unwrap();
            accounts.insert(org, acc.id);
        }
        // Every addressing the policy allows, from two authors, live and revoked.
        let mut n = 0;
        for author in [a, b] {
            let publisher = Publisher {
                organisation_id: author,
                account_id: Some(accounts[&author]),
                curator: false,
            };
            let mut batch = Vec::new();
            for tlp in Tlp::ALL {
                for audience in [Audience::Community, Audience::Listed] {
                    for listed in [a, c] {
                        for revoked in [false, true] {
                            let (orgs, people) = match (tlp, audience) {
                                (_, Audience::Community) => (vec![], vec![]),
                                (Tlp::Red, _) => (vec![], vec![accounts[&listed]]),
                                _ => (vec![listed], vec![]),
                            };
                            if check_addressing(tlp, audience, orgs.len(), people.len()).is_err() {
                                continue;
                            }
                            n += 1;
                            let mut o = shared(
                                &format!("indicator--{n:08}"),
                                "2026-01-01T00:00:00.000Z",
                                tlp,
                                audience,
                            );
                            o.revoked = revoked;
                            o.recipient_organisations = orgs;
                            o.recipient_accounts = people;
                            batch.push(o);
                        }
                    }
                }
            }
            store
                .publish(&actor(), publisher, &batch, true)
                .await
                .unwrap();
        }
        let all = SharingScope {
            organisation_id: 0,
            account_id: 0,
            community: Some(Tlp::AmberStrict),
            staff: true,
            feed: false,
        };
        // The staff scope plus the authors' own views give every object with its recipients.
        let mut objects = HashMap::new();
        for scope in [
            all,
            SharingScope {
                organisation_id: a,
                account_id: accounts[&a],
                ..all
            },
            SharingScope {
                organisation_id: b,
                account_id: accounts[&b],
                ..all
            },
            SharingScope {
                organisation_id: c,
                account_id: accounts[&c],
                ..all
            },
        ] {
            let page = store
                .list_shared(
                    scope,
                    &SharedFilter::default(),
                    &PageRequest {
                        limit: 500,
                        cursor: None,
                    },
                )
                .await
                .unwrap();
            for o in page.items {
                let r = store.recipients(o.id).await.unwrap();
                objects.insert(o.stix_id.clone(), o.policy_ref(&r));
            }
        }
        assert_eq!(
            objects.len(),
            n,
            "{label}: every object is visible to someone"
        );
        let mut checked = 0;
        for org in [a, b, c] {
            for community in [
                None,
                Some(Tlp::Clear),
                Some(Tlp::Green),
                Some(Tlp::Amber),
                Some(Tlp::AmberStrict),
            ] {
                for staff in [false, true] {
                    for feed in [false, true] {
                        let scope = SharingScope {
                            organisation_id: org,
                            account_id: accounts[&org],
                            community,
                            staff,
                            feed,
                        };
                        let page = store
                            .list_shared(
                                scope,
                                &SharedFilter::default(),
                                &PageRequest {
                                    limit: 500,
                                    cursor: None,
                                },
                            )
                            .await
                            .unwrap();
                        let got: HashSet<String> =
                            page.items.into_iter().map(|o| o.stix_id).collect();
                        let want: HashSet<String> = objects
                            .iter()
                            .filter(|(_, r)| scope.can_read(r))
                            .map(|(id, _)| id.clone())
                            .collect();
                        assert_eq!(got, want, "{label}: {scope:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 60);
    }
);

conformance!(
    shared_objects_have_versions_sightings_and_pages,
    |store, label| {
        use mamori_domain::policy::SharingScope;
        use mamori_domain::sharing::{Audience, TrialPolicy};
        use mamori_domain::Tlp;
        use mamori_store::sharing::{NewSighting, Published, Publisher, SharedFilter, TaxiiFilter};
        let (a, b) = seed_small(&store).await;
        let pa = Publisher {
            organisation_id: a,
            account_id: None,
            curator: false,
        };
        let pb = Publisher {
            organisation_id: b,
            account_id: None,
            curator: false,
        };
        let first = shared(
            "indicator--1",
            "2026-01-01T00:00:00.000Z",
            Tlp::Green,
            Audience::Community,
        );
        assert_eq!(
            store
                .publish(&actor(), pa, std::slice::from_ref(&first), true)
                .await
                .unwrap(),
            [Published::Stored]
        );
        assert_eq!(
            store
                .publish(&actor(), pa, std::slice::from_ref(&first), true)
                .await
                .unwrap(),
            [Published::AlreadyStored]
        );
        let mut second = first.clone();
        second.version = "2026-02-01T00:00:00.000Z".into();
        second.confidence = Some(90);
        assert_eq!(
            store
                .publish(&actor(), pb, std::slice::from_ref(&second), true)
                .await
                .unwrap(),
            [Published::NotYours],
            "{label}"
        );
        assert_eq!(
            store
                .publish(&actor(), pa, std::slice::from_ref(&second), true)
                .await
                .unwrap(),
            [Published::Stored]
        );
        let scope = SharingScope {
            organisation_id: b,
            account_id: 0,
            community: Some(Tlp::Green),
            staff: false,
            feed: true,
        };
        let latest = store.shared_object(scope, "indicator--1").await.unwrap();
        assert_eq!(latest.confidence, Some(90));
        assert_eq!(
            store
                .shared_versions(scope, "indicator--1")
                .await
                .unwrap()
                .len(),
            2
        );
        let outsider = SharingScope {
            community: None,
            ..scope
        };
        assert!(matches!(
            store.shared_object(outsider, "indicator--1").await,
            Err(StoreError::NotFound)
        ));

        // Many objects, paged for TAXII by id, and for the UI newest first.
        let batch: Vec<_> = (0..25)
            .map(|i| {
                shared(
                    &format!("indicator--x{i:03}"),
                    "2026-01-01T00:00:00.000Z",
                    Tlp::Clear,
                    Audience::Community,
                )
            })
            .collect();
        store.publish(&actor(), pa, &batch, true).await.unwrap();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let mut page = store
                .taxii_objects(
                    scope,
                    &TaxiiFilter {
                        after_id: after,
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let more = page.len() > 10;
            page.truncate(10);
            after = page.last().map(|o| o.id);
            seen.extend(page.into_iter().map(|o| o.stix_id));
            if !more {
                break;
            }
        }
        assert_eq!(seen.len(), 26, "{label}");
        assert_eq!(seen[0], "indicator--1");
        let all_versions = store
            .taxii_objects(
                scope,
                &TaxiiFilter {
                    ids: vec!["indicator--1".into()],
                    versions: Some(vec![]),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(all_versions.len(), 2);
        let first_only = store
            .taxii_objects(
                scope,
                &TaxiiFilter {
                    ids: vec!["indicator--1".into()],
                    versions: Some(vec!["first".into()]),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(first_only[0].confidence, Some(50));
        let exact = store
            .list_shared(
                scope,
                &SharedFilter {
                    value: Some("192.0.2.1".into()),
                    ..Default::default()
                },
                &PageRequest {
                    limit: 5,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(exact.total, 26, "{label}");
        let searched = store
            .list_shared(
                scope,
                &SharedFilter {
                    q: Some("X01".into()),
                    ..Default::default()
                },
                &PageRequest {
                    limit: 5,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            searched.total, 10,
            "{label}: x010..x019 by title, case-insensitively"
        );
        let p1 = store
            .list_shared(
                scope,
                &SharedFilter::default(),
                &PageRequest {
                    limit: 20,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        let p2 = store
            .list_shared(
                scope,
                &SharedFilter::default(),
                &PageRequest {
                    limit: 20,
                    cursor: p1.next.clone(),
                },
            )
            .await
            .unwrap();
        assert_eq!((p1.items.len(), p2.items.len(), p1.total), (20, 6, 26));

        // Sightings: counted per organisation, false positives apart.
        for (i, (org, fp)) in [(a, false), (b, false), (b, false), (b, true)]
            .into_iter()
            .enumerate()
        {
            let now = Utc::now();
            store
                .add_sighting(
                    &actor(),
                    org,
                    None,
                    &NewSighting {
                        stix_id: format!("sighting--{i}"),
                        indicator_stix_id: "indicator--1".into(),
                        count: 3,
                        first_seen: now,
                        last_seen: now,
                        false_positive: fp,
                        created: now,
                    },
                )
                .await
                .unwrap();
        }
        let counts = store
            .sighting_counts(&["indicator--1".into(), "indicator--x001".into()])
            .await
            .unwrap();
        assert_eq!(counts.get("indicator--1"), Some(&2), "{label}");
        assert_eq!(counts.get("indicator--x001"), None);
        assert_eq!(store.sightings_of("indicator--1").await.unwrap().len(), 4);

        assert_eq!(store.trial_policy().await.unwrap(), TrialPolicy::default());
        let open = TrialPolicy {
            max_tlp: Tlp::Amber,
            may_post: false,
            may_use_taxii: true,
        };
        store.set_trial_policy(&actor(), a, &open).await.unwrap();
        assert_eq!(store.trial_policy().await.unwrap(), open, "{label}");
    }
);

conformance!(outreach_attendance_is_counted_per_window, |store, label| {
    use mamori_domain::sharing::{EventAudience, EventKind, Organiser};
    use mamori_store::outreach::NewEvent;
    let (a, b) = seed_small(&store).await;
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let ev = |d: &str| NewEvent {
        kind: EventKind::Seminar,
        organiser: Organiser::Bureau,
        audience: EventAudience::Executives,
        bureau: Bureau::Kinki,
        held_on: day(d),
        title_ja: "経営層向けセミナー".into(),
        title_en: "Seminar for executives".into(),
    };
    store
        .record_event(&actor(), &ev("2025-06-01"), &[a, b, b])
        .await
        .unwrap();
    store
        .record_event(&actor(), &ev("2026-06-01"), &[b])
        .await
        .unwrap();
    let events = store
        .outreach_events(day("2025-04-01"), day("2026-04-01"))
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "{label}");
    assert_eq!(events[0].attendees, 2);
    assert_eq!(
        store
            .attending_institutions(day("2025-04-01"), day("2026-04-01"))
            .await
            .unwrap(),
        [a, b]
    );
    assert_eq!(
        store
            .attending_institutions(day("2026-04-01"), day("2027-04-01"))
            .await
            .unwrap(),
        [b]
    );
});
