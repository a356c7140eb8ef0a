//! The inherent-risk model and risk profiles.
//!
//! The model is data (`library/risk-models/*.yaml`, format `mamori-risk-model/1`): factor
//! groups with weights, each fed by registry attributes and profile answers mapped to points
//! (0–100). An institution's inherent-risk score is the weighted mean of its factor scores,
//! rated least … most by the model's thresholds. Maturity per domain comes from the one
//! scoring function (`mamori_survey::scoring`); the gap between the maturity the rating calls
//! for and the maturity found drives supervisory priority. The shape follows the former FFIEC
//! Cybersecurity Assessment Tool (a US government work).

use mamori_domain::institution::Institution;
use mamori_domain::registry::{Bureau, Sector, SizeTier};
use mamori_survey::answer::AnswerValue;
use mamori_survey::framework::{AnswerType, Framework, Text};
use mamori_survey::scoring::Scores;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

pub const FORMAT: &str = "mamori-risk-model/1";

/// Inherent-risk rating, least to most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskRating {
    Least,
    Minimal,
    Moderate,
    Significant,
    Most,
}

impl RiskRating {
    pub const ALL: [RiskRating; 5] = [
        RiskRating::Least,
        RiskRating::Minimal,
        RiskRating::Moderate,
        RiskRating::Significant,
        RiskRating::Most,
    ];
    pub fn code(self) -> &'static str {
        match self {
            RiskRating::Least => "least",
            RiskRating::Minimal => "minimal",
            RiskRating::Moderate => "moderate",
            RiskRating::Significant => "significant",
            RiskRating::Most => "most",
        }
    }
}

/// Maturity on five levels. A domain's level is `1 + 4 × compliance / 100` (1.0–5.0); its band
/// is the quintile of compliance it falls in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MaturityBand {
    Baseline,
    Evolving,
    Intermediate,
    Advanced,
    Innovative,
}

impl MaturityBand {
    pub const ALL: [MaturityBand; 5] = [
        MaturityBand::Baseline,
        MaturityBand::Evolving,
        MaturityBand::Intermediate,
        MaturityBand::Advanced,
        MaturityBand::Innovative,
    ];
    pub fn code(self) -> &'static str {
        match self {
            MaturityBand::Baseline => "baseline",
            MaturityBand::Evolving => "evolving",
            MaturityBand::Intermediate => "intermediate",
            MaturityBand::Advanced => "advanced",
            MaturityBand::Innovative => "innovative",
        }
    }
    pub fn of_compliance(c: f64) -> MaturityBand {
        let i = ((c / 20.0).floor().max(0.0) as usize).min(4);
        MaturityBand::ALL[i]
    }
}

/// Maturity level (1.0–5.0) of a compliance percentage.
pub fn maturity_level(compliance: f64) -> f64 {
    1.0 + 4.0 * compliance.clamp(0.0, 100.0) / 100.0
}

/// What feeds a factor: a registry attribute or a profile answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// `sector`, `size_tier`, `bureau` or `group` (`yes` / `no`: belongs to a financial group).
    #[serde(default)]
    pub attribute: Option<String>,
    /// A single- or multiple-choice question of the model's framework. For several choices
    /// the highest-scoring one counts.
    #[serde(default)]
    pub answer: Option<String>,
    /// Points (0–100) per attribute code or option id.
    pub points: BTreeMap<String, f64>,
    /// Points when a multiple-choice question is answered with nothing picked.
    #[serde(default)]
    pub none_picked: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    pub id: String,
    pub name: Text,
    pub weight: f64,
    pub inputs: Vec<Input>,
}

/// Range of maturity levels expected at a rating.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskModel {
    pub format: String,
    pub key: String,
    pub version: String,
    pub name: Text,
    /// Key of the framework whose profile answers and domain scores the model reads.
    pub framework: String,
    /// Points for an input whose question was not answered: the middle, neither reassuring
    /// nor alarming, and shown as unanswered.
    pub unanswered: f64,
    /// Upper bounds of the inherent score for least, minimal, moderate and significant;
    /// above the last is most.
    pub ratings: [f64; 4],
    pub expected_maturity: BTreeMap<RiskRating, Expected>,
    /// Weight of each domain in the priority score; domains not named weigh 1.
    #[serde(default)]
    pub domain_weights: BTreeMap<String, f64>,
    pub factors: Vec<Factor>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct ModelError {
    pub file: String,
    pub field: String,
    pub message: String,
}

fn attribute_codes(name: &str) -> Option<Vec<&'static str>> {
    Some(match name {
        "sector" => Sector::ALL.iter().map(|s| s.code()).collect(),
        "size_tier" => SizeTier::ALL.iter().map(|s| s.code()).collect(),
        "bureau" => Bureau::ALL.iter().map(|s| s.code()).collect(),
        "group" => vec!["yes", "no"],
        _ => return None,
    })
}

fn attribute_value(inst: &Institution, name: &str) -> &'static str {
    match name {
        "sector" => inst.sector.code(),
        "size_tier" => inst.size_tier.code(),
        "bureau" => inst.bureau.code(),
        _ => {
            if inst
                .group_name
                .as_deref()
                .is_some_and(|g| !g.trim().is_empty())
            {
                "yes"
            } else {
                "no"
            }
        }
    }
}

impl RiskModel {
    /// Reads a model file and checks it on its own and against the framework it reads.
    pub fn load(
        file: &str,
        text: &str,
        framework: &Framework,
    ) -> Result<RiskModel, Vec<ModelError>> {
        let err = |field: &str, message: String| ModelError {
            file: file.to_string(),
            field: field.to_string(),
            message,
        };
        let model: RiskModel =
            serde_yaml::from_str(text).map_err(|e| vec![err("", e.to_string())])?;
        let mut errors = Vec::new();
        if model.format != FORMAT {
            errors.push(err("format", format!("must be {FORMAT}")));
        }
        if model.framework != framework.key {
            errors.push(err(
                "framework",
                format!("the model reads {}, not {}", model.framework, framework.key),
            ));
        }
        if !(0.0..=100.0).contains(&model.unanswered) {
            errors.push(err("unanswered", "points are between 0 and 100".into()));
        }
        if model.ratings.windows(2).any(|w| w[0] >= w[1]) {
            errors.push(err("ratings", "thresholds must rise".into()));
        }
        for r in RiskRating::ALL {
            match model.expected_maturity.get(&r) {
                None => errors.push(err("expected_maturity", format!("{} is missing", r.code()))),
                Some(e) if !(1.0..=5.0).contains(&e.min) || e.max < e.min || e.max > 5.0 => errors
                    .push(err(
                        &format!("expected_maturity.{}", r.code()),
                        "levels are 1 to 5, min ≤ max".into(),
                    )),
                _ => {}
            }
        }
        let domain_ids: Vec<&str> = framework
            .items
            .iter()
            .filter(|d| d.has_scored_questions())
            .map(|d| d.id.as_str())
            .collect();
        for (d, w) in &model.domain_weights {
            if !domain_ids.contains(&d.as_str()) {
                errors.push(err("domain_weights", format!("{d} is not a scored domain")));
            }
            if *w <= 0.0 {
                errors.push(err(
                    &format!("domain_weights.{d}"),
                    "must be positive".into(),
                ));
            }
        }
        if model.factors.is_empty() {
            errors.push(err("factors", "at least one factor".into()));
        }
        let walk = framework.walk();
        let mut seen = Vec::new();
        for (fi, f) in model.factors.iter().enumerate() {
            let at = format!("factors[{}]", f.id);
            if seen.contains(&f.id) {
                errors.push(err(&at, "duplicate id".into()));
            }
            seen.push(f.id.clone());
            if f.weight <= 0.0 {
                errors.push(err(&format!("{at}.weight"), "must be positive".into()));
            }
            if f.inputs.is_empty() {
                errors.push(err(&at, "at least one input".into()));
            }
            for (ii, input) in f.inputs.iter().enumerate() {
                let at = format!("factors[{fi}].inputs[{ii}]");
                if input.points.values().any(|p| !(0.0..=100.0).contains(p))
                    || input
                        .none_picked
                        .is_some_and(|p| !(0.0..=100.0).contains(&p))
                {
                    errors.push(err(&at, "points are between 0 and 100".into()));
                }
                let codes: Vec<String> = match (&input.attribute, &input.answer) {
                    (Some(a), None) => match attribute_codes(a) {
                        Some(c) => c.into_iter().map(String::from).collect(),
                        None => {
                            errors.push(err(&at, format!("unknown attribute {a}")));
                            continue;
                        }
                    },
                    (None, Some(q)) => {
                        match walk
                            .iter()
                            .find(|(_, i)| &i.id == q)
                            .and_then(|(_, i)| i.answer.as_ref())
                        {
                            Some(AnswerType::SingleChoice { options })
                            | Some(AnswerType::MultipleChoice { options }) => {
                                options.iter().map(|o| o.id.clone()).collect()
                            }
                            _ => {
                                errors.push(err(
                                    &at,
                                    format!("{q} is not a choice question of {}", framework.key),
                                ));
                                continue;
                            }
                        }
                    }
                    _ => {
                        errors.push(err(&at, "name either an attribute or an answer".into()));
                        continue;
                    }
                };
                for c in &codes {
                    if !input.points.contains_key(c) {
                        errors.push(err(&at, format!("no points for {c}")));
                    }
                }
                for k in input.points.keys() {
                    if !codes.contains(k) {
                        errors.push(err(&at, format!("{k} is not a value of this input")));
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(model)
        } else {
            Err(errors)
        }
    }

    pub fn rating(&self, score: f64) -> RiskRating {
        let i = self.ratings.iter().position(|t| score <= *t).unwrap_or(4);
        RiskRating::ALL[i]
    }

    pub fn expected(&self, r: RiskRating) -> Expected {
        self.expected_maturity
            .get(&r)
            .copied()
            .unwrap_or(Expected { min: 1.0, max: 5.0 })
    }

    fn input_points(
        &self,
        input: &Input,
        inst: &Institution,
        answers: &HashMap<String, AnswerValue>,
    ) -> Option<f64> {
        if let Some(a) = &input.attribute {
            return input.points.get(attribute_value(inst, a)).copied();
        }
        let q = input.answer.as_deref()?;
        match answers.get(q) {
            Some(AnswerValue::One(v)) => input.points.get(v).copied(),
            Some(AnswerValue::Many(vs)) if vs.is_empty() => Some(input.none_picked.unwrap_or(0.0)),
            Some(AnswerValue::Many(vs)) => vs
                .iter()
                .filter_map(|v| input.points.get(v).copied())
                .reduce(f64::max),
            None => None,
        }
    }

    /// An institution's inherent risk from its registry attributes and profile answers.
    pub fn inherent_risk(
        &self,
        inst: &Institution,
        answers: &HashMap<String, AnswerValue>,
    ) -> InherentRisk {
        let total_weight: f64 = self.factors.iter().map(|f| f.weight).sum();
        let factors: Vec<FactorScore> = self
            .factors
            .iter()
            .map(|f| {
                let mut unanswered = Vec::new();
                let points: Vec<f64> = f
                    .inputs
                    .iter()
                    .map(|i| {
                        self.input_points(i, inst, answers).unwrap_or_else(|| {
                            unanswered.extend(i.answer.clone());
                            self.unanswered
                        })
                    })
                    .collect();
                let score = points.iter().sum::<f64>() / points.len().max(1) as f64;
                FactorScore {
                    id: f.id.clone(),
                    score,
                    weight: f.weight,
                    contribution: score * f.weight / total_weight,
                    unanswered,
                }
            })
            .collect();
        let score = factors.iter().map(|f| f.contribution).sum();
        InherentRisk {
            score,
            rating: self.rating(score),
            factors,
        }
    }

    /// The whole profile: inherent risk, maturity per domain, gaps against what the rating
    /// calls for, and the priority score (0–100: the weighted mean gap as a share of the
    /// largest possible gap, four levels).
    pub fn profile(
        &self,
        inst: &Institution,
        answers: &HashMap<String, AnswerValue>,
        scores: &Scores,
    ) -> RiskProfile {
        let inherent = self.inherent_risk(inst, answers);
        let expected = self.expected(inherent.rating);
        let domains: Vec<DomainMaturity> = scores
            .domains
            .iter()
            .filter_map(|d| {
                let c = d.compliance?;
                let level = maturity_level(c);
                Some(DomainMaturity {
                    domain: d.id.clone(),
                    compliance: c,
                    level,
                    band: MaturityBand::of_compliance(c),
                    gap: (expected.min - level).max(0.0),
                    weight: self.domain_weights.get(&d.id).copied().unwrap_or(1.0),
                })
            })
            .collect();
        let w: f64 = domains.iter().map(|d| d.weight).sum();
        let priority = if w > 0.0 {
            100.0 * domains.iter().map(|d| d.gap * d.weight).sum::<f64>() / (w * 4.0)
        } else {
            0.0
        };
        RiskProfile {
            inherent,
            expected,
            maturity: scores.compliance.map(maturity_level),
            domains,
            priority,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FactorScore {
    pub id: String,
    /// 0–100.
    pub score: f64,
    pub weight: f64,
    /// Points this factor adds to the inherent score (weight share × score).
    pub contribution: f64,
    /// Profile questions that were not answered (counted at the model's middle value).
    pub unanswered: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct InherentRisk {
    /// 0–100.
    pub score: f64,
    pub rating: RiskRating,
    pub factors: Vec<FactorScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DomainMaturity {
    pub domain: String,
    pub compliance: f64,
    /// 1.0–5.0.
    pub level: f64,
    pub band: MaturityBand,
    /// Levels below the minimum the inherent-risk rating calls for (0 when at or above).
    pub gap: f64,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RiskProfile {
    pub inherent: InherentRisk,
    pub expected: Expected,
    /// Overall maturity level (1.0–5.0).
    pub maturity: Option<f64>,
    pub domains: Vec<DomainMaturity>,
    /// 0–100; higher means further below what its risk calls for.
    pub priority: f64,
}

impl RiskProfile {
    /// Domains with a gap, largest first: the reason a supervisor reads.
    pub fn largest_gaps(&self, n: usize) -> Vec<&DomainMaturity> {
        let mut g: Vec<&DomainMaturity> = self.domains.iter().filter(|d| d.gap > 0.0).collect();
        g.sort_by(|a, b| b.gap.total_cmp(&a.gap).then(a.domain.cmp(&b.domain)));
        g.truncate(n);
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::fixture;
    use crate::priority::{rank, Basis};

    pub const MODEL: &str = r#"format: mamori-risk-model/1
key: t
version: "1"
name: { en: T }
framework: fx
unanswered: 50
ratings: [20, 40, 60, 80]
expected_maturity:
  least: { min: 1, max: 2 }
  minimal: { min: 1, max: 2 }
  moderate: { min: 2, max: 3 }
  significant: { min: 3, max: 4 }
  most: { min: 4, max: 5 }
domain_weights: { A: 3 }
factors:
  - id: tech
    name: { en: Tech }
    weight: 3
    inputs:
      - { answer: P1, points: { low: 0, high: 100 } }
  - id: org
    name: { en: Org }
    weight: 1
    inputs:
      - { attribute: size_tier, points: { large: 100, medium: 50, small: 0 } }
      - { answer: P2, points: { pay: 40, crypto: 100 }, none_picked: 0 }
"#;

    fn model() -> RiskModel {
        let (f, _, _) = fixture();
        RiskModel::load("t.yaml", MODEL, &f).unwrap()
    }

    /// Institution 2: P1 high → tech 100; small (0) and P2 unanswered (50) → org 25;
    /// inherent (3·100 + 1·25) / 4 = 81.25 → most, expecting level 4 at least. Its answers
    /// give A = 100 (level 5, no gap) and B = 50 (level 3, gap 1); priority
    /// 100 · (3·0 + 1·1) / (4 · 4) = 6.25.
    #[test]
    fn profile_by_hand() {
        let (f, insts, responses) = fixture();
        let m = model();
        let inst = &insts[&2];
        let answers = &responses[1].answers;
        let scores = mamori_survey::scoring::score(&f, crate::respondent(inst), answers);
        let p = m.profile(inst, answers, &scores);
        assert_eq!(p.inherent.score, 81.25);
        assert_eq!(p.inherent.rating, RiskRating::Most);
        assert_eq!(p.inherent.factors[0].contribution, 75.0);
        assert_eq!(p.inherent.factors[1].score, 25.0);
        assert_eq!(p.inherent.factors[1].unanswered, ["P2"]);
        assert_eq!(p.expected, Expected { min: 4.0, max: 5.0 });
        assert_eq!(p.domains[0].level, 5.0);
        assert_eq!(p.domains[0].band, MaturityBand::Innovative);
        assert_eq!((p.domains[1].level, p.domains[1].gap), (3.0, 1.0));
        assert_eq!(p.domains[1].band, MaturityBand::Intermediate);
        assert_eq!(p.priority, 6.25);
        assert_eq!(p.largest_gaps(2)[0].domain, "B");
    }

    /// Several products picked: the riskiest counts (crypto 100); none picked: `none_picked`.
    #[test]
    fn multiple_choice_takes_the_highest() {
        let m = model();
        let (_, insts, _) = fixture();
        let mut a = HashMap::new();
        a.insert("P1".to_string(), AnswerValue::One("low".into()));
        a.insert(
            "P2".to_string(),
            AnswerValue::Many(vec!["pay".into(), "crypto".into()]),
        );
        assert_eq!(m.inherent_risk(&insts[&1], &a).factors[1].score, 50.0);
        a.insert("P2".to_string(), AnswerValue::Many(vec![]));
        assert_eq!(m.inherent_risk(&insts[&1], &a).factors[1].score, 0.0);
    }

    /// Institution 4: most (P1 high), A = 50 (level 3, gap 1), B = 0 (level 1, gap 3) →
    /// 100 · (3·1 + 1·3) / 16 = 37.5, first. Then 2 (6.25); 1 and 5 have no gap (least risk)
    /// and tie on inherent risk, so by code; 3 has no accepted answers and no rank.
    #[test]
    fn ranking_by_hand() {
        let (f, insts, responses) = fixture();
        let m = model();
        let basis = |id: i64| {
            Some(Basis {
                campaign_id: 1,
                framework: &f,
                answers: &responses[(id - 1) as usize].answers,
            })
        };
        let subjects = vec![
            (&insts[&1], basis(1)),
            (&insts[&2], basis(2)),
            (&insts[&3], None),
            (&insts[&4], basis(4)),
            (&insts[&5], basis(5)),
        ];
        let ranked = rank(&m, &subjects);
        let order: Vec<(i64, Option<usize>)> =
            ranked.iter().map(|e| (e.institution_id, e.rank)).collect();
        assert_eq!(
            order,
            [
                (4, Some(1)),
                (2, Some(2)),
                (1, Some(3)),
                (5, Some(4)),
                (3, None)
            ]
        );
        assert_eq!(ranked[0].profile.as_ref().unwrap().priority, 37.5);
    }

    #[test]
    fn model_errors_name_the_field() {
        let (f, _, _) = fixture();
        let bad = MODEL
            .replace("ratings: [20, 40, 60, 80]", "ratings: [20, 60, 40, 80]")
            .replace("{ low: 0, high: 100 }", "{ low: 0, hgh: 100 }")
            .replace("attribute: size_tier", "attribute: colour")
            .replace("framework: fx", "framework: other");
        let errors = RiskModel::load("bad.yaml", &bad, &f).unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        for expected in [
            "bad.yaml: ratings: thresholds must rise",
            "no points for high",
            "hgh is not a value of this input",
            "unknown attribute colour",
            "bad.yaml: framework: the model reads other, not fx",
        ] {
            assert!(
                text.iter().any(|t| t.contains(expected)),
                "{expected} in {text:?}"
            );
        }
    }

    /// The shipped model fits the shipped FSA baseline, and each factor group of PRODUCT.md is
    /// there.
    #[test]
    fn the_shipped_model_fits_the_shipped_baseline() {
        let f = mamori_survey::load(
            "fsa-baseline.yaml",
            include_str!("../../../library/frameworks/fsa-baseline.yaml"),
        )
        .unwrap();
        let (file, text) = crate::SHIPPED_MODEL;
        let m = RiskModel::load(file, text, &f).unwrap();
        let ids: Vec<&str> = m.factors.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "technology",
                "channels",
                "products",
                "organisation",
                "threats"
            ]
        );
    }
}
