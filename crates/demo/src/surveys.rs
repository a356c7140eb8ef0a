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
    Major,
    Regional,
    Cooperative,
    Securities,
    Fintech,
}

fn group(s: Sector) -> Group {
    match s {
        Sector::MajorBank => Group::Major,
        Sector::Shinkin | Sector::Shinkumi | Sector::LabourBank => Group::Cooperative,
        Sector::Securities => Group::Securities,
        Sector::FxBroker | Sector::CryptoExchange | Sector::PaymentProvider => Group::Fintech,
        _ => Group::Regional,
    }
}

/// The unscored inherent-risk profile (PRF-*): what the institution does, not how well.
/// Probabilities follow the business: crypto exchanges hold crypto-assets and trade online,
/// large banks are abroad and open APIs, cooperatives mostly run on shared centres.
fn profile_answer(item: &str, inst: &InstitutionInput, rng: &mut ChaCha8Rng) -> AnswerValue {
    use mamori_domain::SizeTier::*;
    let large = inst.size_tier == Large;
    let small = inst.size_tier == Small;
    let pick = |rng: &mut ChaCha8Rng, options: [&str; 3], p: [f64; 2]| -> AnswerValue {
        let r: f64 = rng.gen();
        let v = if r < p[0] {
            options[0]
        } else if r < p[0] + p[1] {
            options[1]
        } else {
            options[2]
        };
        AnswerValue::One(v.to_string())
    };
    let g = group(inst.sector);
    match item {
        "PRF-01" => match g {
            Group::Fintech => pick(rng, ["none", "non_critical", "critical"], [0.05, 0.35]),
            _ if large => pick(rng, ["none", "non_critical", "critical"], [0.05, 0.45]),
            Group::Cooperative => pick(rng, ["none", "non_critical", "critical"], [0.45, 0.45]),
            _ => pick(rng, ["none", "non_critical", "critical"], [0.25, 0.5]),
        },
        "PRF-02" => match g {
            Group::Cooperative => pick(rng, ["none", "some", "most"], [0.05, 0.15]),
            Group::Major => pick(rng, ["none", "some", "most"], [0.7, 0.3]),
            _ if small => pick(rng, ["none", "some", "most"], [0.1, 0.3]),
            _ => pick(rng, ["none", "some", "most"], [0.3, 0.5]),
        },
        "PRF-03" => match g {
            Group::Major | Group::Fintech => pick(rng, ["none", "few", "many"], [0.1, 0.4]),
            Group::Regional => pick(rng, ["none", "few", "many"], [0.3, 0.55]),
            _ => pick(rng, ["none", "few", "many"], [0.7, 0.27]),
        },
        "PRF-04" => match g {
            Group::Cooperative if small => {
                pick(rng, ["none", "information", "transactions"], [0.15, 0.35])
            }
            _ => pick(rng, ["none", "information", "transactions"], [0.02, 0.08]),
        },
        "PRF-05" => {
            let mut v: Vec<String> = Vec::new();
            let mut add = |id: &str, p: f64, rng: &mut ChaCha8Rng| {
                if rng.gen_bool(p) {
                    v.push(id.to_string());
                }
            };
            match inst.sector {
                Sector::CryptoExchange => {
                    add("crypto", 1.0, rng);
                    add("payments", 0.3, rng);
                }
                Sector::FxBroker => {
                    add("fx", 1.0, rng);
                    add("crypto", 0.15, rng);
                }
                Sector::Securities => {
                    add("securities", 1.0, rng);
                    add("fx", 0.3, rng);
                }
                Sector::PaymentProvider => add("payments", 1.0, rng),
                Sector::LifeInsurer | Sector::NonLifeInsurer => add("payments", 0.2, rng),
                _ => {
                    add("payments", 1.0, rng);
                    add("fx", if large { 0.9 } else { 0.3 }, rng);
                    add("securities", if large { 0.8 } else { 0.2 }, rng);
                }
            }
            AnswerValue::Many(v)
        }
        "PRF-06" => match g {
            Group::Major => pick(rng, ["none", "representative", "operating"], [0.0, 0.0]),
            _ if large => pick(rng, ["none", "representative", "operating"], [0.2, 0.3]),
            Group::Regional => pick(rng, ["none", "representative", "operating"], [0.6, 0.35]),
            _ => pick(rng, ["none", "representative", "operating"], [0.93, 0.05]),
        },
        "PRF-07" => match g {
            Group::Fintech => pick(rng, ["none", "minor", "significant"], [0.45, 0.4]),
            _ => pick(rng, ["none", "minor", "significant"], [0.65, 0.3]),
        },
        _ => match g {
            Group::Major | Group::Fintech => {
                pick(rng, ["rare", "regular", "frequent"], [0.05, 0.45])
            }
            _ if large => pick(rng, ["rare", "regular", "frequent"], [0.1, 0.6]),
            _ => pick(rng, ["rare", "regular", "frequent"], [0.45, 0.45]),
        },
    }
}

/// Probability of "yes" per question for (regional banks, shinkin/shinkumi, securities).
fn p_yes(item: &str, g: Group) -> f64 {
    let (r, c, s): (f64, f64, f64) = match item {
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
        // The largest groups are ahead of the regional banks; fintech businesses resemble
        // the securities firms, slightly ahead on technology, behind on governance.
        Group::Major => (r + 0.12).min(0.97),
        Group::Regional => r,
        Group::Cooperative => c,
        Group::Securities => s,
        Group::Fintech => {
            if item.starts_with("GOV") {
                s
            } else {
                (s + 0.08).min(0.95)
            }
        }
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
        if item.id.starts_with("PRF-") {
            out.push(AnswerChange {
                item_id: item.id.clone(),
                value: profile_answer(&item.id, inst, rng),
                comment: None,
            });
            continue;
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
            Sector::MajorBank,
            Sector::OtherBank,
            Sector::RegionalBank,
            Sector::SecondRegionalBank,
            Sector::Shinkin,
            Sector::Shinkumi,
            Sector::LabourBank,
            Sector::Securities,
            Sector::LifeInsurer,
            Sector::NonLifeInsurer,
            Sector::FxBroker,
            Sector::CryptoExchange,
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
