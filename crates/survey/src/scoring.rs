//! Scoring: the one place where answers become figures.
//!
//! Compliance of a question: yes = 1, partial = ½, no = 0, not applicable = left out; a
//! choice scores its option's `score`; unanswered questions count as 0 (a missing answer is
//! not a good answer). A group's compliance is the weighted mean of the questions under it that
//! apply; the framework's is the weighted mean of all of them. Maturity, where the framework
//! defines levels, is the mean of the level answers.

use crate::answer::{questions, AnswerValue, Respondent, NO, NOT_APPLICABLE, PARTIAL, YES};
use crate::framework::{AnswerType, Framework, Item};
use serde::Serialize;
use std::collections::HashMap;

/// The score of one question, or `None` when it does not count (not applicable, unscored type).
pub fn item_score(item: &Item, value: Option<&AnswerValue>) -> Option<f64> {
    let answer = item.answer.as_ref()?;
    match answer {
        AnswerType::YesPartialNo => match value.and_then(AnswerValue::as_one) {
            Some(YES) => Some(1.0),
            Some(PARTIAL) => Some(0.5),
            Some(NO) | None => Some(0.0),
            Some(NOT_APPLICABLE) => None,
            Some(_) => Some(0.0),
        },
        AnswerType::SingleChoice { options } => {
            if options.iter().all(|o| o.score.is_none()) {
                return None;
            }
            let picked = value.and_then(AnswerValue::as_one);
            Some(
                options
                    .iter()
                    .find(|o| Some(o.id.as_str()) == picked)
                    .and_then(|o| o.score)
                    .unwrap_or(0.0),
            )
        }
        AnswerType::MultipleChoice { options } => {
            if options.iter().all(|o| o.score.is_none()) {
                return None;
            }
            let picked: Vec<&str> = match value {
                Some(AnswerValue::Many(v)) => v.iter().map(String::as_str).collect(),
                Some(AnswerValue::One(v)) => vec![v.as_str()],
                None => Vec::new(),
            };
            let total: f64 = options
                .iter()
                .filter(|o| picked.contains(&o.id.as_str()))
                .filter_map(|o| o.score)
                .sum();
            Some(total.min(1.0))
        }
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    pub id: String,
    /// 0 to 100, `None` when nothing under the group counts.
    pub compliance: Option<f64>,
    pub counted: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    pub compliance: Option<f64>,
    /// Mean maturity level answered, when the framework has levels.
    pub maturity: Option<f64>,
    /// Top-level groups of the framework that hold scored questions (a profile section that
    /// only describes the institution is left out).
    pub domains: Vec<GroupScore>,
    /// Questions asked.
    pub asked: usize,
    /// Questions answered.
    pub answered: usize,
}

fn weighted(parts: &[(f64, f64)]) -> Option<f64> {
    let w: f64 = parts.iter().map(|(_, w)| w).sum();
    (w > 0.0).then(|| 100.0 * parts.iter().map(|(s, w)| s * w).sum::<f64>() / w)
}

/// Scores an institution's answers.
pub fn score(f: &Framework, who: Respondent, answers: &HashMap<String, AnswerValue>) -> Scores {
    let asked = questions(f, who, answers);
    let asked_ids: HashMap<&str, &Item> = asked.iter().map(|i| (i.id.as_str(), *i)).collect();
    let collect = |root: &Item| -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(i) = stack.pop() {
            if asked_ids.contains_key(i.id.as_str()) {
                if let Some(s) = item_score(i, answers.get(&i.id)) {
                    out.push((s, i.weight));
                }
            }
            stack.extend(i.items.iter());
        }
        out
    };
    let mut all = Vec::new();
    let domains = f
        .items
        .iter()
        .filter(|d| d.has_scored_questions())
        .map(|d| {
            let parts = collect(d);
            all.extend(parts.iter().copied());
            GroupScore {
                id: d.id.clone(),
                compliance: weighted(&parts),
                counted: parts.len(),
            }
        })
        .collect();
    let levels: Vec<f64> = asked
        .iter()
        .filter(|i| matches!(i.answer, Some(AnswerType::MaturityLevel)))
        .filter_map(|i| {
            answers
                .get(&i.id)
                .and_then(AnswerValue::as_one)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .collect();
    Scores {
        compliance: weighted(&all),
        maturity: (!levels.is_empty()).then(|| levels.iter().sum::<f64>() / levels.len() as f64),
        domains,
        asked: asked.len(),
        answered: asked.iter().filter(|i| answers.contains_key(&i.id)).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mamori_domain::{Sector, SizeTier};

    const F: &str = r#"format: mamori-framework/1
key: t
version: "1"
name: { en: T }
items:
  - id: A
    title: { en: A }
    items:
      - { id: A1, title: { en: a1 }, answer: { type: yes_partial_no } }
      - { id: A2, title: { en: a2 }, answer: { type: yes_partial_no }, weight: 3 }
      - { id: A3, title: { en: a3 }, answer: { type: yes_partial_no } }
  - id: B
    title: { en: B }
    items:
      - id: B1
        title: { en: b1 }
        answer: { type: single_choice, options: [{ id: full, label: { en: F }, score: 1 }, { id: trial, label: { en: T }, score: 0.5 }] }
      - { id: B2, title: { en: b2 }, answer: { type: yes_partial_no }, when: { item: B1, is: [full] } }
      - { id: B3, title: { en: b3 }, answer: { type: yes_partial_no }, applies_to: { size_tiers: [large] } }
  - id: P
    title: { en: Profile }
    items:
      - id: P1
        title: { en: p1 }
        answer: { type: single_choice, options: [{ id: x, label: { en: X } }, { id: y, label: { en: Y } }] }
"#;

    fn answers(pairs: &[(&str, &str)]) -> HashMap<String, AnswerValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AnswerValue::One(v.to_string())))
            .collect()
    }

    const SMALL: Respondent = Respondent {
        sector: Sector::Shinkin,
        size_tier: SizeTier::Small,
    };

    /// Hand-computed: A = (1·1 + 0.5·3 + NA) / (1 + 3) = 62.5; B = trial 0.5, B2 not asked,
    /// B3 not applicable to a small institution = 50; overall = (1 + 1.5 + 0.5) / 5 = 60.
    #[test]
    fn weighted_compliance_by_hand() {
        let f = crate::format::parse("t.yaml", F).unwrap();
        let s = score(
            &f,
            SMALL,
            &answers(&[
                ("A1", "yes"),
                ("A2", "partial"),
                ("A3", "not_applicable"),
                ("B1", "trial"),
            ]),
        );
        assert_eq!(s.domains[0].compliance, Some(62.5));
        assert_eq!(s.domains[1].compliance, Some(50.0));
        assert_eq!(s.compliance, Some(60.0));
        assert_eq!(
            s.domains.len(),
            2,
            "the unscored profile section is not a domain"
        );
        assert_eq!((s.asked, s.answered), (5, 4));
    }

    /// Unanswered questions count as no (A = 0); with B1 = full, B2 is asked (B = 100).
    #[test]
    fn conditions_and_missing_answers() {
        let f = crate::format::parse("t.yaml", F).unwrap();
        let s = score(&f, SMALL, &answers(&[("B1", "full"), ("B2", "yes")]));
        assert_eq!(s.domains[1].compliance, Some(100.0));
        assert_eq!(s.domains[0].compliance, Some(0.0));
        assert_eq!((s.asked, s.answered), (6, 2));
        let large = Respondent {
            sector: Sector::Shinkin,
            size_tier: SizeTier::Large,
        };
        assert_eq!(score(&f, large, &answers(&[])).asked, 6);
    }

    #[test]
    fn answers_are_checked_against_their_type() {
        let f = crate::format::parse("t.yaml", F).unwrap();
        let walk = f.walk();
        let a1 = walk.iter().find(|(_, i)| i.id == "A1").unwrap().1;
        let b1 = walk.iter().find(|(_, i)| i.id == "B1").unwrap().1;
        assert!(crate::answer::validate(a1, 0, &AnswerValue::One("yes".into())).is_ok());
        assert_eq!(
            crate::answer::validate(a1, 0, &AnswerValue::One("maybe".into())),
            Err("invalid.answer_yes_partial_no")
        );
        assert_eq!(
            crate::answer::validate(b1, 0, &AnswerValue::One("gold".into())),
            Err("invalid.answer_choice")
        );
    }
}
