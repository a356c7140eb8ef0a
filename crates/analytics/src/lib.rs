//! Supervision analytics: **the one module that computes every figure** the supervision pages,
//! the API and the reports show — risk profiles and supervisory priority, peer benchmarks,
//! trends, institution feedback and the annual sector report's figures. Templates and SQL
//! never recompute them.
//!
//! Architecture invariant: no I/O. Callers pass institutions, frameworks and answers; scores
//! come from `mamori_survey::scoring::score`, the one scoring function.

pub mod benchmark;
pub mod feedback;
pub mod outreach;
pub mod priority;
pub mod report;
pub mod risk;
pub mod stats;
pub mod trend;

use mamori_domain::institution::Institution;
use mamori_survey::answer::{AnswerValue, Respondent};
use mamori_survey::scoring::{score, Scores};
use mamori_survey::Framework;
use std::collections::HashMap;

pub use risk::{RiskModel, RiskProfile, RiskRating};
pub use stats::{Distribution, MIN_PEER_GROUP};

/// The shipped inherent-risk model.
pub const SHIPPED_MODEL: (&str, &str) = (
    "fsa-inherent-risk.yaml",
    include_str!("../../../library/risk-models/fsa-inherent-risk.yaml"),
);

/// One institution's final answers in a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub institution_id: i64,
    pub answers: HashMap<String, AnswerValue>,
}

/// A response with its institution and its scores.
#[derive(Debug, Clone)]
pub struct Scored<'a> {
    pub institution: &'a Institution,
    pub answers: &'a HashMap<String, AnswerValue>,
    pub scores: Scores,
}

impl Scored<'_> {
    /// The value of a measure: `overall` or a domain id.
    pub fn value(&self, measure: &str) -> Option<f64> {
        if measure == OVERALL {
            self.scores.compliance
        } else {
            self.scores
                .domains
                .iter()
                .find(|d| d.id == measure)
                .and_then(|d| d.compliance)
        }
    }
}

/// The measure that is the framework's overall compliance.
pub const OVERALL: &str = "overall";

pub fn respondent(i: &Institution) -> Respondent {
    Respondent {
        sector: i.sector,
        size_tier: i.size_tier,
    }
}

/// Scores every response whose institution is known (responses of institutions the caller
/// cannot see are simply not passed in).
pub fn score_responses<'a>(
    framework: &Framework,
    institutions: &'a HashMap<i64, Institution>,
    responses: &'a [Response],
) -> Vec<Scored<'a>> {
    responses
        .iter()
        .filter_map(|r| {
            let inst = institutions.get(&r.institution_id)?;
            Some(Scored {
                institution: inst,
                answers: &r.answers,
                scores: score(framework, respondent(inst), &r.answers),
            })
        })
        .collect()
}

/// Each response's scores, aligned with `responses` (`None` for an unknown institution):
/// what a cache keeps so that requests need not score again.
pub fn scores_of(
    framework: &Framework,
    institutions: &HashMap<i64, Institution>,
    responses: &[Response],
) -> Vec<Option<Scores>> {
    responses
        .iter()
        .map(|r| {
            let inst = institutions.get(&r.institution_id)?;
            Some(score(framework, respondent(inst), &r.answers))
        })
        .collect()
}

/// [`score_responses`] from scores computed earlier by [`scores_of`] on the same responses.
pub fn scored_from<'a>(
    institutions: &'a HashMap<i64, Institution>,
    responses: &'a [Response],
    scores: &[Option<Scores>],
) -> Vec<Scored<'a>> {
    responses
        .iter()
        .zip(scores)
        .filter_map(|(r, s)| {
            Some(Scored {
                institution: institutions.get(&r.institution_id)?,
                answers: &r.answers,
                scores: s.clone()?,
            })
        })
        .collect()
}

/// The measures of a framework: overall, then each scored domain.
pub fn measures(framework: &Framework) -> Vec<String> {
    std::iter::once(OVERALL.to_string())
        .chain(
            framework
                .items
                .iter()
                .filter(|d| d.has_scored_questions())
                .map(|d| d.id.clone()),
        )
        .collect()
}

#[cfg(test)]
pub(crate) mod fixture;
