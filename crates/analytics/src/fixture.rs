//! A hand-sized population for the analytics tests: every expected figure in the tests is
//! computed by hand from this file.

use crate::{score_responses, Response, Scored};
use mamori_domain::institution::Institution;
use mamori_domain::registry::{Bureau, IsacMembership, Prefecture, Sector, SizeTier};
use mamori_survey::answer::AnswerValue;
use mamori_survey::Framework;
use std::collections::HashMap;

pub const FRAMEWORK: &str = r#"format: mamori-framework/1
key: fx
version: "1"
name: { en: Fixture }
items:
  - id: A
    title: { en: A }
    items:
      - { id: A1, title: { en: a1 }, answer: { type: yes_partial_no }, guidance: { en: Do a1 } }
      - { id: A2, title: { en: a2 }, answer: { type: yes_partial_no } }
  - id: B
    title: { en: B }
    items:
      - { id: B1, title: { en: b1 }, answer: { type: yes_partial_no } }
      - { id: B2, title: { en: b2 }, answer: { type: yes_partial_no } }
  - id: P
    title: { en: Profile }
    items:
      - id: P1
        title: { en: Cloud }
        answer: { type: single_choice, options: [{ id: low, label: { en: Low } }, { id: high, label: { en: High } }] }
      - id: P2
        title: { en: Products }
        answer: { type: multiple_choice, options: [{ id: pay, label: { en: Pay } }, { id: crypto, label: { en: Crypto } }] }
"#;

pub fn institution(id: i64, sector: Sector, tier: SizeTier, bureau: Bureau) -> Institution {
    let t = chrono::DateTime::UNIX_EPOCH;
    Institution {
        id,
        code: format!("T-{id:02}"),
        name_ja: format!("機関{id}"),
        name_en: format!("Institution {id}"),
        sector,
        size_tier: tier,
        bureau,
        prefecture: Prefecture::Tokyo,
        group_name: None,
        isac_membership: IsacMembership::None,
        require_totp: false,
        created_at: t,
        updated_at: t,
    }
}

fn answers(a: [&str; 4], p1: &str) -> HashMap<String, AnswerValue> {
    let mut m: HashMap<String, AnswerValue> = ["A1", "A2", "B1", "B2"]
        .iter()
        .zip(a)
        .map(|(k, v)| (k.to_string(), AnswerValue::One(v.to_string())))
        .collect();
    m.insert("P1".into(), AnswerValue::One(p1.into()));
    m
}

/// Institutions 1–5 are shinkin (Kanto) scoring 100, 75, 50, 25, 0 overall; 6–9 are
/// shinkumi (Kinki) scoring 100, 50, 50, 0.
pub fn fixture() -> (Framework, HashMap<i64, Institution>, Vec<Response>) {
    let f = mamori_survey::load("fx.yaml", FRAMEWORK).expect("fixture framework");
    let mut insts = HashMap::new();
    let mut responses = Vec::new();
    let y = "yes";
    let n = "no";
    let rows: [(i64, Sector, Bureau, [&str; 4]); 9] = [
        (1, Sector::Shinkin, Bureau::Kanto, [y, y, y, y]),
        (2, Sector::Shinkin, Bureau::Kanto, [y, y, y, n]),
        (3, Sector::Shinkin, Bureau::Kanto, [y, y, n, n]),
        (4, Sector::Shinkin, Bureau::Kanto, [y, n, n, n]),
        (5, Sector::Shinkin, Bureau::Kanto, [n, n, n, n]),
        (6, Sector::Shinkumi, Bureau::Kinki, [y, y, y, y]),
        (7, Sector::Shinkumi, Bureau::Kinki, [y, y, n, n]),
        (8, Sector::Shinkumi, Bureau::Kinki, [n, n, y, y]),
        (9, Sector::Shinkumi, Bureau::Kinki, [n, n, n, n]),
    ];
    for (id, sector, bureau, a) in rows {
        insts.insert(id, institution(id, sector, SizeTier::Small, bureau));
        responses.push(Response {
            institution_id: id,
            answers: answers(a, if id % 2 == 0 { "high" } else { "low" }),
        });
    }
    (f, insts, responses)
}

pub fn scored<'a>(
    f: &Framework,
    insts: &'a HashMap<i64, Institution>,
    responses: &'a [Response],
) -> Vec<Scored<'a>> {
    score_responses(f, insts, responses)
}
