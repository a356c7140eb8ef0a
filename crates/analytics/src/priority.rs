//! The supervisory priority list: every institution in the caller's view, ranked by how far
//! its maturity falls below what its inherent risk calls for.

use crate::risk::{RiskModel, RiskProfile};
use mamori_domain::institution::Institution;
use mamori_survey::answer::AnswerValue;
use mamori_survey::scoring::score;
use mamori_survey::Framework;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The answers a profile is built from: an institution's latest accepted response.
pub struct Basis<'a> {
    pub campaign_id: i64,
    pub framework: &'a Framework,
    pub answers: &'a HashMap<String, AnswerValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PriorityEntry {
    /// 1 for the highest priority; `None` for institutions without an accepted response.
    pub rank: Option<usize>,
    pub institution_id: i64,
    /// The campaign whose accepted answers the profile uses.
    pub campaign_id: Option<i64>,
    pub profile: Option<RiskProfile>,
}

/// Ranks institutions: priority score, then inherent-risk score (both descending), then
/// registry code. Institutions without a basis follow, by code: having no accepted
/// self-assessment is itself something a supervisor needs to see.
pub fn rank(model: &RiskModel, subjects: &[(&Institution, Option<Basis>)]) -> Vec<PriorityEntry> {
    let mut rows: Vec<(&Institution, PriorityEntry)> = subjects
        .iter()
        .map(|(inst, basis)| {
            let profile = basis.as_ref().map(|b| {
                let scores = score(b.framework, crate::respondent(inst), b.answers);
                model.profile(inst, b.answers, &scores)
            });
            (
                *inst,
                PriorityEntry {
                    rank: None,
                    institution_id: inst.id,
                    campaign_id: basis.as_ref().map(|b| b.campaign_id),
                    profile,
                },
            )
        })
        .collect();
    rows.sort_by(|(ia, a), (ib, b)| match (&a.profile, &b.profile) {
        (Some(pa), Some(pb)) => pb
            .priority
            .total_cmp(&pa.priority)
            .then(pb.inherent.score.total_cmp(&pa.inherent.score))
            .then(ia.code.cmp(&ib.code)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => ia.code.cmp(&ib.code),
    });
    let mut n = 0;
    rows.into_iter()
        .map(|(_, mut e)| {
            if e.profile.is_some() {
                n += 1;
                e.rank = Some(n);
            }
            e
        })
        .collect()
}
