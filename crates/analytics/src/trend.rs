//! Trends: the same measures across campaigns of one framework, for an institution or a group.

use crate::stats::{median, MIN_PEER_GROUP};
use crate::Scored;
use mamori_domain::institution::Institution;
use serde::Serialize;
use utoipa::ToSchema;

/// One campaign's results, oldest first in a series.
pub struct Wave<'a> {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub scored: Vec<Scored<'a>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TrendPoint {
    pub campaign_id: i64,
    pub campaign_name: String,
    /// Institutions the figure stands for (1 for an institution's own trend).
    pub n: usize,
    /// Per measure (as in `measures`), the value or the group median; `None` when withheld
    /// or not answered.
    pub values: Vec<Option<f64>>,
}

/// An institution's own values in each campaign it has a scored response in.
pub fn institution_trend(waves: &[Wave], measures: &[String], id: i64) -> Vec<TrendPoint> {
    waves
        .iter()
        .filter_map(|w| {
            let s = w.scored.iter().find(|s| s.institution.id == id)?;
            Some(TrendPoint {
                campaign_id: w.campaign_id,
                campaign_name: w.campaign_name.clone(),
                n: 1,
                values: measures.iter().map(|m| s.value(m)).collect(),
            })
        })
        .collect()
}

/// A group's median per campaign, withheld below the anonymity threshold.
pub fn group_trend(
    waves: &[Wave],
    measures: &[String],
    member: impl Fn(&Institution) -> bool,
) -> Vec<TrendPoint> {
    waves
        .iter()
        .map(|w| {
            let members: Vec<&Scored> = w.scored.iter().filter(|s| member(s.institution)).collect();
            let values = measures
                .iter()
                .map(|m| {
                    let v: Vec<f64> = members.iter().filter_map(|s| s.value(m)).collect();
                    if v.len() < MIN_PEER_GROUP {
                        None
                    } else {
                        median(&v)
                    }
                })
                .collect();
            TrendPoint {
                campaign_id: w.campaign_id,
                campaign_name: w.campaign_name.clone(),
                n: members.len(),
                values,
            }
        })
        .collect()
}
