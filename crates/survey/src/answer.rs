//! Answers: what may be given for each answer type, and which questions apply.

use crate::framework::{AnswerType, Framework, Item};
use mamori_domain::{Sector, SizeTier};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One answer as stored and exchanged: the value as text (a choice id, a number, a date,
/// `yes`...), or several for multiple choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    One(String),
    Many(Vec<String>),
}

impl AnswerValue {
    pub fn as_one(&self) -> Option<&str> {
        match self {
            AnswerValue::One(s) => Some(s),
            AnswerValue::Many(_) => None,
        }
    }
}

pub const YES: &str = "yes";
pub const PARTIAL: &str = "partial";
pub const NO: &str = "no";
pub const NOT_APPLICABLE: &str = "not_applicable";

/// Checks a value against the item's answer type; `Err` holds a message key.
pub fn validate(
    item: &Item,
    levels: usize,
    value: &AnswerValue,
) -> Result<AnswerValue, &'static str> {
    let Some(answer) = &item.answer else {
        return Err("invalid.not_a_question");
    };
    let one = |v: &AnswerValue| {
        v.as_one()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match answer {
        AnswerType::YesPartialNo => match one(value).as_deref() {
            Some(v @ (YES | PARTIAL | NO | NOT_APPLICABLE)) => Ok(AnswerValue::One(v.to_string())),
            _ => Err("invalid.answer_yes_partial_no"),
        },
        AnswerType::MaturityLevel => match one(value).and_then(|v| v.parse::<usize>().ok()) {
            Some(n) if (1..=levels).contains(&n) => Ok(AnswerValue::One(n.to_string())),
            _ => Err("invalid.answer_level"),
        },
        AnswerType::Number { min, max, .. } => match one(value).and_then(|v| v.parse::<f64>().ok())
        {
            Some(n)
                if n.is_finite() && min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m) =>
            {
                Ok(AnswerValue::One(n.to_string()))
            }
            _ => Err("invalid.answer_number"),
        },
        AnswerType::Date => match one(value) {
            Some(d) if is_date(&d) => Ok(AnswerValue::One(d)),
            _ => Err("invalid.answer_date"),
        },
        AnswerType::SingleChoice { options } => match one(value) {
            Some(v) if options.iter().any(|o| o.id == v) => Ok(AnswerValue::One(v)),
            _ => Err("invalid.answer_choice"),
        },
        AnswerType::MultipleChoice { options } => {
            let picked: Vec<String> = match value {
                AnswerValue::Many(v) => v.clone(),
                AnswerValue::One(v) => v
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            };
            if picked.iter().all(|p| options.iter().any(|o| &o.id == p)) {
                Ok(AnswerValue::Many(picked))
            } else {
                Err("invalid.answer_choice")
            }
        }
        AnswerType::Text => match one(value) {
            Some(t) if t.chars().count() <= 4000 => Ok(AnswerValue::One(t)),
            Some(_) => Err("invalid.too_long"),
            None => Err("invalid.required"),
        },
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return false;
    }
    match (
        parts[0].parse::<u32>(),
        parts[1].parse::<u32>(),
        parts[2].parse::<u32>(),
    ) {
        (Ok(_), Ok(m), Ok(d)) => (1..=12).contains(&m) && (1..=31).contains(&d),
        _ => false,
    }
}

/// The attributes of the answering institution that decide which items apply.
#[derive(Debug, Clone, Copy)]
pub struct Respondent {
    pub sector: Sector,
    pub size_tier: SizeTier,
}

/// Whether an item applies to the respondent, before conditions on other answers.
/// Inherent-risk applicability is not decided yet (the risk model comes with supervision
/// analytics): such items apply to everyone for now.
pub fn applies(item: &Item, who: Respondent) -> bool {
    let a = &item.applies_to;
    (a.sectors.is_empty() || a.sectors.contains(&who.sector))
        && (a.size_tiers.is_empty() || a.size_tiers.contains(&who.size_tier))
}

/// The questions to ask, in order, given the answers so far: applicable, and with their
/// condition (if any) met.
pub fn questions<'a>(
    f: &'a Framework,
    who: Respondent,
    answers: &HashMap<String, AnswerValue>,
) -> Vec<&'a Item> {
    let mut out = Vec::new();
    fn go<'a>(
        items: &'a [Item],
        who: Respondent,
        answers: &HashMap<String, AnswerValue>,
        out: &mut Vec<&'a Item>,
    ) {
        for i in items {
            if !applies(i, who) {
                continue;
            }
            if i.is_assessable() {
                let wanted = i.when.as_ref().is_none_or(|c| match answers.get(&c.item) {
                    Some(AnswerValue::One(v)) => c.is.contains(v),
                    Some(AnswerValue::Many(vs)) => vs.iter().any(|v| c.is.contains(v)),
                    None => false,
                });
                if wanted {
                    out.push(i);
                }
            }
            go(&i.items, who, answers, out);
        }
    }
    go(&f.items, who, answers, &mut out);
    out
}
