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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{fixture, scored};
    use mamori_domain::Sector;
    use mamori_survey::answer::AnswerValue;

    /// Wave 1 is the fixture; in wave 2 institution 5 answers everything yes. Shinkin overall:
    /// 100, 75, 50, 25, 0 → median 50; then 100, 75, 50, 25, 100 → median 75. Institution 5
    /// goes from 0 to 100. The four shinkumi stay withheld.
    #[test]
    fn trends_by_hand() {
        let (f, insts, first) = fixture();
        let mut second = first.clone();
        for k in ["A1", "A2", "B1", "B2"] {
            second[4]
                .answers
                .insert(k.into(), AnswerValue::One("yes".into()));
        }
        let waves = vec![
            Wave {
                campaign_id: 1,
                campaign_name: "2025".into(),
                scored: scored(&f, &insts, &first),
            },
            Wave {
                campaign_id: 2,
                campaign_name: "2026".into(),
                scored: scored(&f, &insts, &second),
            },
        ];
        let m = crate::measures(&f);
        let shinkin = group_trend(&waves, &m, |i| i.sector == Sector::Shinkin);
        let overall: Vec<Option<f64>> = shinkin.iter().map(|p| p.values[0]).collect();
        assert_eq!(overall, [Some(50.0), Some(75.0)]);
        let own = institution_trend(&waves, &m, 5);
        assert_eq!(
            own.iter().map(|p| p.values[0]).collect::<Vec<_>>(),
            [Some(0.0), Some(100.0)]
        );
        let shinkumi = group_trend(&waves, &m, |i| i.sector == Sector::Shinkumi);
        assert!(shinkumi
            .iter()
            .all(|p| p.n == 4 && p.values.iter().all(Option::is_none)));
    }
}
