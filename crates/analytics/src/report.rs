//! The figures of the annual sector report: per sector group, the distribution of scores, the
//! median per domain, and the share of institutions that have each key measure in place; the
//! sector × domain heatmap; the 11 regional offices side by side. The report crate turns
//! these into sentences and charts; it computes nothing.

use crate::benchmark::{compare, heatmap, GroupFigure, Heatmap};
use crate::stats::{Distribution, MIN_PEER_GROUP};
use crate::{measures, Scored, OVERALL};
use mamori_domain::institution::Institution;
use mamori_domain::registry::{Bureau, Sector, SizeTier};
use mamori_survey::answer::{questions, AnswerValue, NO, NOT_APPLICABLE, PARTIAL, YES};
use mamori_survey::Framework;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// The sector groups the report has a section for, as the FSA's report groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectorGroup {
    Megabanks,
    OtherLarge,
    RegionalBanks,
    Cooperatives,
    Securities,
    FxBrokers,
    CryptoExchanges,
}

impl SectorGroup {
    pub const ALL: [SectorGroup; 7] = [
        SectorGroup::Megabanks,
        SectorGroup::OtherLarge,
        SectorGroup::RegionalBanks,
        SectorGroup::Cooperatives,
        SectorGroup::Securities,
        SectorGroup::FxBrokers,
        SectorGroup::CryptoExchanges,
    ];
    pub fn code(self) -> &'static str {
        match self {
            SectorGroup::Megabanks => "megabanks",
            SectorGroup::OtherLarge => "other_large",
            SectorGroup::RegionalBanks => "regional_banks",
            SectorGroup::Cooperatives => "cooperatives",
            SectorGroup::Securities => "securities",
            SectorGroup::FxBrokers => "fx_brokers",
            SectorGroup::CryptoExchanges => "crypto_exchanges",
        }
    }
    /// Which group an institution is reported in, if any: the major banks; other large
    /// institutions (large banks, securities firms and insurers); first- and second-tier
    /// regional banks; shinkin and shinkumi; other securities firms; FX brokers; crypto-asset
    /// exchanges. Labour banks, smaller insurers and payment providers count in the totals only.
    pub fn of(i: &Institution) -> Option<SectorGroup> {
        use Sector::*;
        Some(match (i.sector, i.size_tier) {
            (MajorBank, _) => SectorGroup::Megabanks,
            (OtherBank | Securities | LifeInsurer | NonLifeInsurer, SizeTier::Large) => {
                SectorGroup::OtherLarge
            }
            (RegionalBank | SecondRegionalBank, _) => SectorGroup::RegionalBanks,
            (Shinkin | Shinkumi, _) => SectorGroup::Cooperatives,
            (Securities, _) => SectorGroup::Securities,
            (FxBroker, _) => SectorGroup::FxBrokers,
            (CryptoExchange, _) => SectorGroup::CryptoExchanges,
            _ => return None,
        })
    }
}

/// A key measure the report quotes: the share of a group that answers `item` with one of
/// `counts`. The denominator is every respondent of the group, also those not asked (a
/// follow-up question is not asked when the measure it follows up is absent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Indicator {
    pub id: &'static str,
    pub item: &'static str,
    #[schema(value_type = Vec<String>)]
    pub counts: &'static [&'static str],
}

/// The measures the FSA's report discusses, by FSA baseline question. Indicators whose
/// question a framework lacks are left out of its report.
pub const INDICATORS: [Indicator; 10] = [
    Indicator {
        id: "cyber_plan",
        item: "GOV-01",
        counts: &[YES],
    },
    Indicator {
        id: "new_tech_staff",
        item: "GOV-04",
        counts: &[YES],
    },
    Indicator {
        id: "risk_assessment",
        item: "IDN-02",
        counts: &[YES],
    },
    Indicator {
        id: "executives_decide",
        item: "IDN-04",
        counts: &[YES],
    },
    Indicator {
        id: "vulnerability_assessment",
        item: "IDN-06",
        counts: &[YES],
    },
    Indicator {
        id: "assessment_criteria",
        item: "IDN-07",
        counts: &[YES],
    },
    Indicator {
        id: "contingency_plans",
        item: "RSP-01",
        counts: &[YES],
    },
    Indicator {
        id: "plans_exercised",
        item: "RSP-02",
        counts: &[YES],
    },
    Indicator {
        id: "vendor_coordination",
        item: "TPR-01",
        counts: &[YES],
    },
    Indicator {
        id: "isac_member",
        item: "SHR-01",
        counts: &["full", "trial"],
    },
];

/// How a group answered one indicator's question. Shares are withheld below five respondents.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IndicatorFigure {
    pub indicator: &'static str,
    pub item: String,
    /// Respondents in the group.
    pub n: usize,
    /// Respondents counting towards the measure.
    pub hits: usize,
    pub yes: usize,
    pub partial: usize,
    pub no: usize,
    /// Not applicable, not asked (a condition or applicability left it out) or unanswered.
    pub other: usize,
    /// `hits / n` in percent.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupSection {
    /// A [`SectorGroup`] code, or `all`.
    pub group: String,
    pub n: usize,
    pub overall: Option<Distribution>,
    /// Median per domain (same order as the report's `domains`); withheld below five.
    pub domain_medians: Vec<Option<f64>>,
    pub indicators: Vec<IndicatorFigure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SectorReport {
    pub framework_key: String,
    pub framework_version: String,
    /// Domain ids, in framework order.
    pub domains: Vec<String>,
    /// Institutions whose accepted answers the report uses.
    pub respondents: usize,
    /// Every sector group, then `all`.
    pub sections: Vec<GroupSection>,
    /// Sector groups × domains (medians).
    pub heatmap: Heatmap,
    /// Overall compliance per sector (each of the 13), for box plots.
    pub by_sector: Vec<GroupFigure>,
    /// Overall compliance per regional office, the 11 side by side.
    pub by_bureau: Vec<GroupFigure>,
    /// Indicator shares per sector (annex).
    pub indicators_by_sector: Vec<GroupSection>,
    /// Median overall score of each sector group (then `all`) in the earlier campaigns of the
    /// same framework and this one, oldest first.
    pub trend: Vec<GroupTrend>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupTrend {
    pub group: String,
    pub points: Vec<crate::trend::TrendPoint>,
}

/// The questions each respondent was asked (conditions and applicability), computed once
/// per report rather than once per indicator and group.
type Asked<'a> = HashMap<i64, HashSet<&'a str>>;

fn asked<'a>(framework: &'a Framework, scored: &[Scored]) -> Asked<'a> {
    scored
        .iter()
        .map(|s| {
            let ids = questions(framework, crate::respondent(s.institution), s.answers)
                .into_iter()
                .map(|q| q.id.as_str())
                .collect();
            (s.institution.id, ids)
        })
        .collect()
}

fn indicator_figure(asked: &Asked, members: &[&Scored], ind: &Indicator) -> IndicatorFigure {
    let mut f = IndicatorFigure {
        indicator: ind.id,
        item: ind.item.to_string(),
        n: members.len(),
        hits: 0,
        yes: 0,
        partial: 0,
        no: 0,
        other: 0,
        share: None,
    };
    for s in members {
        let was_asked = asked
            .get(&s.institution.id)
            .is_some_and(|a| a.contains(ind.item));
        let v = if was_asked {
            s.answers.get(ind.item).and_then(AnswerValue::as_one)
        } else {
            None
        };
        if v.is_some_and(|v| ind.counts.contains(&v)) {
            f.hits += 1;
        }
        match v {
            Some(YES) => f.yes += 1,
            Some(PARTIAL) => f.partial += 1,
            Some(NO) => f.no += 1,
            Some(NOT_APPLICABLE) | None => f.other += 1,
            // A choice question: its counted options are its "yes".
            Some(x) if ind.counts.contains(&x) => f.yes += 1,
            Some(_) => f.no += 1,
        }
    }
    f.share = (f.n >= MIN_PEER_GROUP).then(|| 100.0 * f.hits as f64 / f.n as f64);
    f
}

fn section(
    asked: &Asked,
    scored: &[Scored],
    domains: &[String],
    indicators: &[&Indicator],
    group: &str,
    member: impl Fn(&Institution) -> bool,
) -> GroupSection {
    let members: Vec<&Scored> = scored.iter().filter(|s| member(s.institution)).collect();
    let values = |m: &str| -> Vec<f64> { members.iter().filter_map(|s| s.value(m)).collect() };
    GroupSection {
        group: group.to_string(),
        n: members.len(),
        overall: Distribution::of(&values(OVERALL)),
        domain_medians: domains
            .iter()
            .map(|d| Distribution::of(&values(d)).map(|x| x.median))
            .collect(),
        indicators: indicators
            .iter()
            .map(|i| indicator_figure(asked, &members, i))
            .collect(),
    }
}

/// The report's figures for one campaign's accepted responses (`this`); `earlier` are the
/// framework's earlier campaigns, oldest first, for the trend.
pub fn sector_report(
    framework: &Framework,
    this: &crate::trend::Wave,
    earlier: &[crate::trend::Wave],
) -> SectorReport {
    let scored = &this.scored;
    let domains: Vec<String> = measures(framework).into_iter().skip(1).collect();
    let walk = framework.walk();
    let indicators: Vec<&Indicator> = INDICATORS
        .iter()
        .filter(|i| walk.iter().any(|(_, it)| it.id == i.item))
        .collect();
    let asked = asked(framework, scored);
    let mut sections: Vec<GroupSection> = SectorGroup::ALL
        .iter()
        .map(|g| {
            section(&asked, scored, &domains, &indicators, g.code(), |i| {
                SectorGroup::of(i) == Some(*g)
            })
        })
        .collect();
    sections.push(section(
        &asked,
        scored,
        &domains,
        &indicators,
        "all",
        |_| true,
    ));
    let group_keys: Vec<&str> = SectorGroup::ALL.iter().map(|g| g.code()).collect();
    let sector_keys: Vec<&str> = Sector::ALL.iter().map(|s| s.code()).collect();
    let bureau_keys: Vec<&str> = Bureau::regional().iter().map(|b| b.code()).collect();
    let overall = [OVERALL.to_string()];
    let trend_of = |member: &dyn Fn(&Institution) -> bool| {
        let mut points = crate::trend::group_trend(earlier, &overall, member);
        points.extend(crate::trend::group_trend(
            std::slice::from_ref(this),
            &overall,
            member,
        ));
        points
    };
    let mut trend: Vec<GroupTrend> = SectorGroup::ALL
        .iter()
        .map(|g| GroupTrend {
            group: g.code().to_string(),
            points: trend_of(&|i| SectorGroup::of(i) == Some(*g)),
        })
        .collect();
    trend.push(GroupTrend {
        group: "all".into(),
        points: trend_of(&|_| true),
    });
    SectorReport {
        trend,
        framework_key: framework.key.clone(),
        framework_version: framework.version.clone(),
        respondents: scored.len(),
        heatmap: heatmap(scored, &domains, &group_keys, |i| {
            SectorGroup::of(i).map(SectorGroup::code)
        }),
        by_sector: compare(scored, OVERALL, &sector_keys, |i| Some(i.sector.code())),
        by_bureau: compare(scored, OVERALL, &bureau_keys, |i| Some(i.bureau.code())),
        indicators_by_sector: Sector::ALL
            .iter()
            .map(|s| {
                section(&asked, scored, &domains, &indicators, s.code(), |i| {
                    i.sector == *s
                })
            })
            .collect(),
        sections,
        domains,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{fixture, scored};

    /// The fixture framework has none of the FSA questions, so no indicators; the sections
    /// still carry distributions. Cooperatives = all nine (five shinkin, four shinkumi):
    /// overall 100, 75, 50, 25, 0, 100, 50, 50, 0 → median 50, q1 25, q3 75.
    #[test]
    fn sections_by_hand() {
        let (f, insts, responses) = fixture();
        let s = scored(&f, &insts, &responses);
        let wave = crate::trend::Wave {
            campaign_id: 1,
            campaign_name: "one".into(),
            scored: s,
        };
        let r = sector_report(&f, &wave, &[]);
        assert_eq!(r.domains, ["A", "B"]);
        assert_eq!(r.respondents, 9);
        let coop = r
            .sections
            .iter()
            .find(|g| g.group == "cooperatives")
            .unwrap();
        assert_eq!(coop.n, 9);
        let d = coop.overall.unwrap();
        assert_eq!((d.q1, d.median, d.q3), (25.0, 50.0, 75.0));
        // Domain A: 100, 100, 100, 50, 0, 100, 100, 0, 0 → median 100; B: 100, 50, 0, 0, 0,
        // 100, 0, 100, 0 → median 0.
        assert_eq!(coop.domain_medians, [Some(100.0), Some(0.0)]);
        let mega = r.sections.iter().find(|g| g.group == "megabanks").unwrap();
        assert_eq!((mega.n, mega.overall), (0, None));
        // Kanto has the five shinkin, Kinki the four shinkumi (withheld).
        let kanto = r.by_bureau.iter().find(|b| b.key == "kanto").unwrap();
        assert_eq!(kanto.distribution.unwrap().median, 50.0);
        let kinki = r.by_bureau.iter().find(|b| b.key == "kinki").unwrap();
        assert_eq!((kinki.n, kinki.distribution), (4, None));
        assert_eq!(r.by_bureau.len(), 11);
        // Without earlier campaigns the trend has this campaign only.
        let t = r.trend.iter().find(|t| t.group == "cooperatives").unwrap();
        assert_eq!(t.points.len(), 1);
        assert_eq!(t.points[0].values, [Some(50.0)]);
    }
}
