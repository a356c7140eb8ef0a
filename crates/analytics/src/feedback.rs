//! What an institution gets back after a campaign: its scores, its peers' distribution, and
//! its gaps with the framework's recommended actions.

use crate::benchmark::{benchmark, Benchmark};
use crate::stats::MIN_PEER_GROUP;
use crate::Scored;
use mamori_survey::answer::{questions, AnswerValue, YES};
use mamori_survey::scoring::{item_score, Scores};
use mamori_survey::Framework;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Gap {
    pub item_id: String,
    /// Top-level domain the question sits in.
    pub domain: String,
    /// The institution's answer (an option id), if any.
    pub answer: Option<String>,
    /// The question's score, 0–1.
    pub score: f64,
    pub weight: f64,
    /// Share of the same sector that answered yes (or the top option), in percent; withheld
    /// below five institutions asked.
    pub sector_share_yes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Feedback {
    #[schema(value_type = Object)]
    pub scores: Scores,
    pub benchmark: Benchmark,
    pub gaps: Vec<Gap>,
}

fn top(value: Option<&AnswerValue>, item: &mamori_survey::framework::Item) -> bool {
    item_score(item, value).is_some_and(|s| s >= 1.0)
        || value.and_then(AnswerValue::as_one) == Some(YES)
}

/// The feedback for one institution; `None` when it has no scored response in `scored`.
pub fn feedback(
    framework: &Framework,
    scored: &[Scored],
    measures: &[String],
    institution_id: i64,
) -> Option<Feedback> {
    let me = scored.iter().find(|s| s.institution.id == institution_id)?;
    let domain_of: std::collections::HashMap<&str, &str> = framework
        .items
        .iter()
        .flat_map(|d| {
            let mut stack = vec![d];
            let mut out = Vec::new();
            while let Some(i) = stack.pop() {
                out.push((i.id.as_str(), d.id.as_str()));
                stack.extend(i.items.iter());
            }
            out
        })
        .collect();
    // Each peer's asked questions, once (not once per gap).
    let peers: Vec<(&Scored, std::collections::HashSet<&str>)> = scored
        .iter()
        .filter(|s| s.institution.sector == me.institution.sector)
        .map(|p| {
            let asked = questions(framework, crate::respondent(p.institution), p.answers)
                .into_iter()
                .map(|q| q.id.as_str())
                .collect();
            (p, asked)
        })
        .collect();
    let mut gaps: Vec<Gap> = questions(framework, crate::respondent(me.institution), me.answers)
        .into_iter()
        .filter_map(|item| {
            let value = me.answers.get(&item.id);
            let s = item_score(item, value)?;
            if s >= 1.0 {
                return None;
            }
            let asked: Vec<bool> = peers
                .iter()
                .filter(|(_, asked)| asked.contains(item.id.as_str()))
                .map(|(p, _)| top(p.answers.get(&item.id), item))
                .collect();
            let share = (asked.len() >= MIN_PEER_GROUP)
                .then(|| 100.0 * asked.iter().filter(|b| **b).count() as f64 / asked.len() as f64);
            Some(Gap {
                item_id: item.id.clone(),
                domain: domain_of.get(item.id.as_str()).unwrap_or(&"").to_string(),
                answer: value.and_then(AnswerValue::as_one).map(String::from),
                score: s,
                weight: item.weight,
                sector_share_yes: share,
            })
        })
        .collect();
    // Weakest first; among equals, the heavier question and the one most peers have done.
    gaps.sort_by(|a, b| {
        a.score
            .total_cmp(&b.score)
            .then(b.weight.total_cmp(&a.weight))
            .then(
                b.sector_share_yes
                    .unwrap_or(0.0)
                    .total_cmp(&a.sector_share_yes.unwrap_or(0.0)),
            )
    });
    Some(Feedback {
        scores: me.scores.clone(),
        benchmark: benchmark(scored, measures, institution_id)?,
        gaps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{fixture, scored};

    /// Institution 3 (yes, yes, no, no) has two gaps, B1 and B2. Of the five shinkin,
    /// institutions 1 and 2 answered B1 yes (40%) and only 1 answered B2 yes (20%); B1 comes
    /// first because more peers have done it.
    #[test]
    fn gaps_with_peer_shares_by_hand() {
        let (f, insts, responses) = fixture();
        let s = scored(&f, &insts, &responses);
        let fb = feedback(&f, &s, &crate::measures(&f), 3).unwrap();
        let ids: Vec<&str> = fb.gaps.iter().map(|g| g.item_id.as_str()).collect();
        assert_eq!(ids, ["B1", "B2"]);
        assert_eq!(fb.gaps[0].sector_share_yes, Some(40.0));
        assert_eq!(fb.gaps[1].sector_share_yes, Some(20.0));
        assert_eq!(fb.gaps[0].domain, "B");
        assert_eq!(fb.scores.compliance, Some(50.0));
        // A shinkumi's gaps carry no sector share: only four shinkumi answered.
        let fb = feedback(&f, &s, &crate::measures(&f), 7).unwrap();
        assert!(fb.gaps.iter().all(|g| g.sector_share_yes.is_none()));
    }
}
