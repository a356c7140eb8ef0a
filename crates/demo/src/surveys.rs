//! Demo survey data: a closed campaign of the FSA baseline self-assessment answered by every
//! targeted institution, and an open one in progress.
//!
//! Answers are drawn per sector group from probabilities that reproduce the tendencies of the
//! FSA's 2019 report and the published 2022 CSSA figures (PRODUCT.md): most shinkin and
//! shinkumi have risk assessments (≈83%) and contingency plans (≈90%) that they exercise
//! (≈80%), but executives decide on the results in fewer (≈43%); vulnerability assessments are
//! done by some regional banks and fewer cooperatives, mostly without criteria; many securities
//! firms lag; staff able to judge new technology are scarce (≈28%); vendor coordination and
//! customer communication are weak points.

use crate::DemoError;
use chrono::NaiveDate;
use mamori_domain::institution::InstitutionInput;
use mamori_domain::policy::InstitutionScope;
use mamori_domain::Sector;
use mamori_store::campaigns::{
    AnswerChange, AssignmentFilter, CampaignTarget, LoadedAssignment, NewCampaign,
};
use mamori_store::{Actor, Store};
use mamori_survey::answer::{applies, AnswerValue, Respondent};
use mamori_survey::assignment::AssignmentStatus;
use mamori_survey::Framework;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

#[derive(Clone, Copy)]
enum Group {
    Regional,
    Cooperative,
    Securities,
}

fn group(s: Sector) -> Group {
    match s {
        Sector::Shinkin | Sector::Shinkumi => Group::Cooperative,
        Sector::Securities => Group::Securities,
        _ => Group::Regional,
    }
}

/// Probability of "yes" per question for (regional banks, shinkin/shinkumi, securities).
fn p_yes(item: &str, g: Group) -> f64 {
    let (r, c, s) = match item {
        "GOV-01" => (0.85, 0.77, 0.55),
        "GOV-02" => (0.80, 0.70, 0.50),
        "GOV-03" => (0.60, 0.35, 0.30),
        "GOV-04" => (0.45, 0.28, 0.25),
        "GOV-05" => (0.70, 0.55, 0.40),
        "GOV-06" => (0.80, 0.70, 0.60),
        "IDN-01" => (0.75, 0.65, 0.45),
        "IDN-02" => (0.88, 0.83, 0.50),
        "IDN-03" => (0.85, 0.80, 0.60),
        "IDN-04" => (0.55, 0.43, 0.35),
        "IDN-05" => (0.80, 0.65, 0.45),
        "IDN-06" => (0.60, 0.30, 0.25),
        "IDN-07" => (0.35, 0.15, 0.12),
        "IDN-08" => (0.35, 0.10, 0.15),
        "IDN-09" => (0.45, 0.20, 0.20),
        "PRT-01" => (0.95, 0.90, 0.75),
        "PRT-02" => (0.75, 0.60, 0.45),
        "PRT-03" => (0.70, 0.55, 0.40),
        "DET-01" => (0.75, 0.55, 0.45),
        "RSP-01" => (0.92, 0.90, 0.55),
        "RSP-02" => (0.85, 0.82, 0.50),
        "RSP-03" => (0.75, 0.60, 0.45),
        "RSP-04" => (0.60, 0.50, 0.40),
        "RSP-05" => (0.80, 0.60, 0.35),
        "TPR-01" => (0.50, 0.45, 0.35),
        "TPR-02" => (0.70, 0.60, 0.40),
        "TPR-03" => (0.45, 0.35, 0.20),
        "SHR-02" => (0.70, 0.55, 0.30),
        _ => (0.5, 0.5, 0.5),
    };
    match g {
        Group::Regional => r,
        Group::Cooperative => c,
        Group::Securities => s,
    }
}

/// One institution's answers, in framework order so that conditions see earlier answers.
/// `fraction` < 1 leaves later questions unanswered (a draft in progress).
fn answers(
    f: &Framework,
    inst: &InstitutionInput,
    rng: &mut ChaCha8Rng,
    fraction: f64,
) -> Vec<AnswerChange> {
    let who = Respondent {
        sector: inst.sector,
        size_tier: inst.size_tier,
    };
    let mut given: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let walk = f.walk();
    let questions: Vec<_> = walk
        .iter()
        .filter(|(_, i)| i.is_assessable() && applies(i, who))
        .collect();
    let limit = ((questions.len() as f64) * fraction).round() as usize;
    for (_, item) in questions.into_iter().take(limit) {
        if let Some(cond) = &item.when {
            if !given.get(&cond.item).is_some_and(|v| cond.is.contains(v)) {
                continue;
            }
        }
        let value = if item.id == "SHR-01" {
            inst.isac_membership.code().to_string()
        } else {
            let p = p_yes(&item.id, group(inst.sector));
            let roll: f64 = rng.gen();
            if roll < p {
                "yes"
            } else if roll < p + (1.0 - p) * 0.45 {
                "partial"
            } else {
                "no"
            }
            .to_string()
        };
        given.insert(item.id.clone(), value.clone());
        out.push(AnswerChange {
            item_id: item.id.clone(),
            value: AnswerValue::One(value),
            comment: None,
        });
    }
    out
}

pub struct SurveySummary {
    pub closed_assignments: usize,
    pub open_assignments: usize,
}

/// Creates the two baseline campaigns. `insts` and `ids` are the seeded institutions.
pub async fn seed(
    store: &Store,
    rng: &mut ChaCha8Rng,
    insts: &[InstitutionInput],
    ids: &[i64],
) -> Result<SurveySummary, DemoError> {
    let actor = Actor::system("demo");
    let Some(baseline) = store
        .list_frameworks()
        .await?
        .into_iter()
        .find(|f| f.key == "fsa-baseline")
    else {
        return Ok(SurveySummary {
            closed_assignments: 0,
            open_assignments: 0,
        });
    };
    let framework = store.framework(baseline.id).await?;
    let by_id: HashMap<i64, &InstitutionInput> = ids.iter().copied().zip(insts.iter()).collect();
    let target = CampaignTarget {
        sectors: vec![
            Sector::RegionalBank,
            Sector::SecondRegionalBank,
            Sector::Shinkin,
            Sector::Shinkumi,
            Sector::Securities,
        ],
        ..Default::default()
    };
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    let mut summary = SurveySummary {
        closed_assignments: 0,
        open_assignments: 0,
    };
    for (name, opens, due, open) in [
        (
            "FSA baseline self-assessment 2025 / 基本自己評価 2025",
            "2025-04-01",
            "2025-06-30",
            false,
        ),
        (
            "FSA baseline self-assessment 2026 / 基本自己評価 2026",
            "2026-10-01",
            "2026-12-18",
            true,
        ),
    ] {
        let (campaign, _) = store
            .create_campaign(
                &actor,
                &NewCampaign {
                    name: name.into(),
                    framework_id: baseline.id,
                    instructions: Some("Answer for the institution as a whole; add a comment where an answer needs context. / 組織全体について回答し、補足が必要な場合はコメントを付けてください。".into()),
                    opens_on: day(opens),
                    due_on: day(due),
                    target: target.clone(),
                },
            )
            .await?;
        let assignments = store
            .list_assignments(
                InstitutionScope::All,
                &AssignmentFilter {
                    campaign_id: Some(campaign.id),
                    ..Default::default()
                },
            )
            .await?;
        let mut loaded = Vec::new();
        for a in &assignments {
            let Some(inst) = by_id.get(&a.institution_id) else {
                continue;
            };
            let (status, fraction) = if open {
                let roll: f64 = rng.gen();
                match roll {
                    r if r < 0.35 => (AssignmentStatus::NotStarted, 0.0),
                    r if r < 0.60 => (AssignmentStatus::Draft, rng.gen_range(0.2..0.9)),
                    r if r < 0.82 => (AssignmentStatus::Submitted, 1.0),
                    r if r < 0.87 => (AssignmentStatus::Returned, 1.0),
                    _ => (AssignmentStatus::Accepted, 1.0),
                }
            } else {
                (AssignmentStatus::Accepted, 1.0)
            };
            if status == AssignmentStatus::NotStarted {
                continue;
            }
            loaded.push(LoadedAssignment {
                assignment_id: a.id,
                institution_id: a.institution_id,
                answers: answers(&framework, inst, rng, fraction),
                status,
            });
        }
        store.load_answers(&actor, campaign.id, &loaded).await?;
        if open {
            summary.open_assignments = assignments.len();
        } else {
            store.close_campaign(&actor, campaign.id).await?;
            summary.closed_assignments = assignments.len();
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn share(
        f: &Framework,
        insts: &[InstitutionInput],
        sectors: &[Sector],
        item: &str,
        value: &str,
    ) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut asked = 0.0;
        let mut hit = 0.0;
        for i in insts.iter().filter(|i| sectors.contains(&i.sector)) {
            let a = answers(f, i, &mut rng, 1.0);
            if let Some(x) = a.iter().find(|x| x.item_id == item) {
                asked += 1.0;
                if x.value == AnswerValue::One(value.into()) {
                    hit += 1.0;
                }
            }
        }
        hit / asked
    }

    /// The demo reproduces the published tendencies, within sampling noise.
    #[test]
    fn answers_follow_the_published_tendencies() {
        let (_, text) = crate::LIBRARY
            .iter()
            .find(|(f, _)| *f == "fsa-baseline.yaml")
            .unwrap();
        let f = mamori_survey::load("fsa-baseline.yaml", text).unwrap();
        let insts = crate::institutions(crate::DemoOptions::default());
        let coop = [Sector::Shinkin, Sector::Shinkumi];
        let regional = [Sector::RegionalBank, Sector::SecondRegionalBank];
        let risk_assessment = share(&f, &insts, &coop, "IDN-02", "yes");
        assert!((0.76..0.90).contains(&risk_assessment), "{risk_assessment}");
        let contingency = share(&f, &insts, &coop, "RSP-01", "yes");
        assert!((0.84..0.96).contains(&contingency), "{contingency}");
        let new_tech = share(&f, &insts, &coop, "GOV-04", "yes");
        assert!((0.20..0.36).contains(&new_tech), "{new_tech}");
        let va_regional = share(&f, &insts, &regional, "IDN-06", "yes");
        let va_coop = share(&f, &insts, &coop, "IDN-06", "yes");
        assert!(va_regional > va_coop + 0.15, "{va_regional} vs {va_coop}");
        let securities_plan = share(&f, &insts, &[Sector::Securities], "GOV-01", "yes");
        assert!(securities_plan < share(&f, &insts, &coop, "GOV-01", "yes"));
    }
}
