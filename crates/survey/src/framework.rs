//! The framework model.

use mamori_domain::{Sector, SizeTier};
use serde::{Deserialize, Serialize};

/// Text in both languages. Japanese may be missing for imported catalogs that have none;
/// readers then fall back to English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja: Option<String>,
    pub en: String,
}

impl Text {
    pub fn en(s: &str) -> Text {
        Text {
            ja: None,
            en: s.to_string(),
        }
    }

    /// Japanese when asked and present, otherwise English.
    pub fn get(&self, japanese: bool) -> &str {
        match (&self.ja, japanese) {
            (Some(ja), true) if !ja.is_empty() => ja,
            _ => &self.en,
        }
    }
}

/// How a question is answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AnswerType {
    /// Yes / partial / no / not applicable; scored 1, ½, 0, excluded.
    YesPartialNo,
    /// One of the framework's maturity levels.
    MaturityLevel,
    Number {
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
        #[serde(default)]
        unit: Option<String>,
    },
    Date,
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleChoice {
        options: Vec<Choice>,
    },
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub label: Text,
    /// Score of this choice between 0 and 1, when the choice is scored.
    #[serde(default)]
    pub score: Option<f64>,
}

/// Basic measures apply to every institution; recommended ones to institutions with larger
/// impact (the FSA's 2024 guideline distinguishes the two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Basic,
    Recommended,
}

/// Inherent-risk levels, least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Least,
    Minimal,
    Moderate,
    Significant,
    Most,
}

/// Who an item applies to. Empty lists mean everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<Sector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub size_tiers: Vec<SizeTier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherent_risk: Vec<RiskLevel>,
}

impl Applicability {
    pub fn is_everyone(&self) -> bool {
        self.sectors.is_empty() && self.size_tiers.is_empty() && self.inherent_risk.is_empty()
    }
}

/// Ask an item only when another (earlier) item was answered with one of `is`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub item: String,
    pub is: Vec<String>,
}

/// One node of the hierarchy: a group (with `items`) or a question (with `answer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<Text>,
    /// Guidance shown with the question: what a good answer looks like.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerType>,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    #[serde(default, skip_serializing_if = "Applicability::is_everyone")]
    pub applies_to: Applicability,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Ids of items in other frameworks, as `framework-key:item-id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maps_to: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
}

fn one() -> f64 {
    1.0
}

fn is_one(w: &f64) -> bool {
    *w == 1.0
}

impl Item {
    pub fn is_assessable(&self) -> bool {
        self.answer.is_some()
    }

    /// Whether the answer to this question can carry a score: yes/partial/no, a maturity
    /// level, or a choice whose options have scores. Profile questions (a number, a choice
    /// without scores) describe the institution instead of grading it.
    pub fn is_scored(&self) -> bool {
        match &self.answer {
            Some(AnswerType::YesPartialNo) | Some(AnswerType::MaturityLevel) => true,
            Some(AnswerType::SingleChoice { options })
            | Some(AnswerType::MultipleChoice { options }) => {
                options.iter().any(|o| o.score.is_some())
            }
            _ => false,
        }
    }

    /// Whether anything under this item (or the item itself) is scored.
    pub fn has_scored_questions(&self) -> bool {
        self.is_scored() || self.items.iter().any(Item::has_scored_questions)
    }
}

/// A framework at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Stable key across versions, e.g. `nist-csf`.
    pub key: String,
    pub version: String,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Where the content comes from, for attribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Maturity levels, lowest first, when the framework defines them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Text>,
    pub items: Vec<Item>,
}

impl Framework {
    /// Every item, depth first, with its depth (0 for top-level items).
    pub fn walk(&self) -> Vec<(usize, &Item)> {
        fn go<'a>(items: &'a [Item], depth: usize, out: &mut Vec<(usize, &'a Item)>) {
            for i in items {
                out.push((depth, i));
                go(&i.items, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        go(&self.items, 0, &mut out);
        out
    }

    /// The number of items that take an answer.
    pub fn assessable_items(&self) -> usize {
        self.walk()
            .iter()
            .filter(|(_, i)| i.is_assessable())
            .count()
    }

    /// The number of items at each depth.
    pub fn items_per_level(&self) -> Vec<usize> {
        let mut counts = Vec::new();
        for (depth, _) in self.walk() {
            if counts.len() <= depth {
                counts.resize(depth + 1, 0);
            }
            counts[depth] += 1;
        }
        counts
    }
}
