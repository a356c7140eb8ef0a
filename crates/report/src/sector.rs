//! The annual sector report: the analytics module's figures, turned into sentences by fixed
//! rules, charts and annex tables. No figure is computed here beyond formatting.

use crate::chart::Chart;
use crate::doc::{Block, Doc};
use mamori_analytics::report::{GroupSection, IndicatorFigure, SectorReport, INDICATORS};
use mamori_i18n::{t, tf, Lang};
use mamori_survey::Framework;

/// What the report is about, beyond its figures.
pub struct SectorContext<'a> {
    pub campaign_name: &'a str,
    pub framework: &'a Framework,
    /// The date the report is generated, as text (the caller's clock).
    pub generated_on: &'a str,
}

pub(crate) fn text(lang: Lang, t: &mamori_survey::framework::Text) -> String {
    match lang {
        Lang::Ja => t.ja.clone().unwrap_or_else(|| t.en.clone()),
        Lang::En => t.en.clone(),
    }
}

pub(crate) fn domain_title(lang: Lang, f: &Framework, id: &str) -> String {
    f.items
        .iter()
        .find(|d| d.id == id)
        .map(|d| text(lang, &d.title))
        .unwrap_or_else(|| id.to_string())
}

pub(crate) fn one(v: f64) -> String {
    format!("{v:.1}")
}

pub(crate) fn whole(v: f64) -> String {
    format!("{v:.0}")
}

fn group_label(lang: Lang, code: &str) -> String {
    t(lang, &format!("group.{code}")).to_string()
}

/// The quantifier rule: how a share reads in words.
pub fn quantifier(share: f64) -> &'static str {
    match share {
        s if s >= 90.0 => "report.q.almost_all",
        s if s >= 70.0 => "report.q.most",
        s if s >= 50.0 => "report.q.majority",
        s if s >= 30.0 => "report.q.some",
        _ => "report.q.few",
    }
}

/// The finding for one indicator in one group, with a comparison to the whole population
/// when it differs by ten points or more.
fn finding(
    lang: Lang,
    group: &str,
    f: &IndicatorFigure,
    all: Option<&IndicatorFigure>,
) -> Option<String> {
    let share = f.share?;
    let mut s = tf(
        lang,
        "report.finding",
        &[
            ("quantifier", t(lang, quantifier(share))),
            ("group", t(lang, &format!("group.{group}.noun"))),
            ("predicate", t(lang, &format!("indicator.{}", f.indicator))),
            ("share", &whole(share)),
            ("hits", &f.hits.to_string()),
            ("n", &f.n.to_string()),
        ],
    );
    if let Some(all_share) = all.and_then(|a| a.share) {
        let diff = share - all_share;
        if diff.abs() >= 10.0 {
            s.push(' ');
            s.push_str(&tf(
                lang,
                if diff > 0.0 {
                    "report.above_all"
                } else {
                    "report.below_all"
                },
                &[("diff", &whole(diff.abs())), ("all", &whole(all_share))],
            ));
        }
    }
    Some(s)
}

fn stacked_rows(lang: Lang, g: &GroupSection) -> Vec<(String, Option<[f64; 4]>)> {
    g.indicators
        .iter()
        .map(|f| {
            let label = t(lang, &format!("indicator.{}.short", f.indicator)).to_string();
            let shares = (f.share.is_some() && f.n > 0).then(|| {
                let n = f.n as f64;
                [
                    100.0 * f.yes as f64 / n,
                    100.0 * f.partial as f64 / n,
                    100.0 * f.no as f64 / n,
                    100.0 * f.other as f64 / n,
                ]
            });
            (label, shares)
        })
        .collect()
}

fn legend(lang: Lang) -> [String; 4] {
    ["yes", "partial", "no", "other"].map(|k| t(lang, &format!("report.legend.{k}")).to_string())
}

/// Builds the report document.
pub fn document(r: &SectorReport, ctx: &SectorContext, lang: Lang) -> Doc {
    let withheld = t(lang, "report.withheld").to_string();
    let all = r.sections.iter().find(|s| s.group == "all");
    let mut blocks = Vec::new();

    // Summary: the population, then one line per group.
    blocks.push(Block::Heading(t(lang, "report.summary").into()));
    if let Some(d) = all.and_then(|a| a.overall) {
        blocks.push(Block::Para(tf(
            lang,
            "report.overall",
            &[
                ("n", &d.n.to_string()),
                ("median", &one(d.median)),
                ("q1", &one(d.q1)),
                ("q3", &one(d.q3)),
            ],
        )));
    } else {
        blocks.push(Block::Para(t(lang, "report.no_data").into()));
    }
    blocks.push(Block::Chart(Chart::Bars {
        title: t(lang, "report.chart.groups").into(),
        rows: r
            .sections
            .iter()
            .map(|s| (group_label(lang, &s.group), s.overall.map(|d| d.median)))
            .collect(),
        withheld: withheld.clone(),
    }));
    blocks.push(Block::Chart(Chart::Heatmap {
        title: t(lang, "report.chart.heatmap").into(),
        columns: r.domains.clone(),
        rows: r
            .heatmap
            .rows
            .iter()
            .map(|row| (group_label(lang, &row.key), row.cells.clone()))
            .collect(),
    }));
    blocks.push(Block::Note(
        r.domains
            .iter()
            .map(|d| format!("{d}: {}", domain_title(lang, ctx.framework, d)))
            .collect::<Vec<_>>()
            .join(" / "),
    ));

    // One section per sector group.
    for s in r.sections.iter().filter(|s| s.group != "all") {
        blocks.push(Block::Heading(group_label(lang, &s.group)));
        let Some(d) = s.overall else {
            blocks.push(Block::Para(tf(
                lang,
                "report.group_withheld",
                &[("n", &s.n.to_string())],
            )));
            continue;
        };
        blocks.push(Block::Para(tf(
            lang,
            "report.group_overall",
            &[
                ("n", &d.n.to_string()),
                ("median", &one(d.median)),
                ("q1", &one(d.q1)),
                ("q3", &one(d.q3)),
            ],
        )));
        let scored: Vec<(&String, f64)> = r
            .domains
            .iter()
            .zip(&s.domain_medians)
            .filter_map(|(d, m)| m.map(|m| (d, m)))
            .collect();
        let strongest = scored.iter().max_by(|a, b| a.1.total_cmp(&b.1));
        let weakest = scored.iter().min_by(|a, b| a.1.total_cmp(&b.1));
        if let (Some(hi), Some(lo)) = (strongest, weakest) {
            if hi.0 != lo.0 {
                blocks.push(Block::Para(tf(
                    lang,
                    "report.domains_sentence",
                    &[
                        ("strong", &domain_title(lang, ctx.framework, hi.0)),
                        ("strong_value", &one(hi.1)),
                        ("weak", &domain_title(lang, ctx.framework, lo.0)),
                        ("weak_value", &one(lo.1)),
                    ],
                )));
            }
        }
        for f in &s.indicators {
            let all_f = all.and_then(|a| a.indicators.iter().find(|x| x.indicator == f.indicator));
            if let Some(sentence) = finding(lang, &s.group, f, all_f) {
                blocks.push(Block::Para(sentence));
            }
        }
        blocks.push(Block::Chart(Chart::Stacked {
            title: tf(
                lang,
                "report.chart.indicators",
                &[("group", &group_label(lang, &s.group))],
            ),
            legend: legend(lang),
            rows: stacked_rows(lang, s),
            withheld: withheld.clone(),
        }));
    }

    // Across sectors and regions.
    blocks.push(Block::Heading(t(lang, "report.across").into()));
    blocks.push(Block::Chart(Chart::Boxes {
        title: t(lang, "report.chart.sectors").into(),
        rows: r
            .by_sector
            .iter()
            .filter(|g| g.n > 0)
            .map(|g| {
                (
                    t(lang, &format!("sector.{}", g.key)).to_string(),
                    g.distribution,
                )
            })
            .collect(),
        marker: None,
        withheld: withheld.clone(),
    }));
    blocks.push(Block::Chart(Chart::Boxes {
        title: t(lang, "report.chart.bureaus").into(),
        rows: r
            .by_bureau
            .iter()
            .map(|g| {
                (
                    t(lang, &format!("bureau.{}", g.key)).to_string(),
                    g.distribution,
                )
            })
            .collect(),
        marker: None,
        withheld: withheld.clone(),
    }));
    let medians: Vec<(String, f64)> = r
        .by_bureau
        .iter()
        .filter_map(|g| {
            g.distribution
                .map(|d| (t(lang, &format!("bureau.{}", g.key)).to_string(), d.median))
        })
        .collect();
    if let (Some(hi), Some(lo)) = (
        medians.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
        medians.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
    ) {
        blocks.push(Block::Para(tf(
            lang,
            "report.bureau_sentence",
            &[
                ("high", &hi.0),
                ("high_value", &one(hi.1)),
                ("low", &lo.0),
                ("low_value", &one(lo.1)),
            ],
        )));
    }

    // Change over time: the median of each group in every campaign of the framework.
    if r.trend.first().is_some_and(|t| t.points.len() > 1) {
        blocks.push(Block::Heading(t(lang, "report.trend").into()));
        let mut head = vec![t(lang, "report.col.group").to_string()];
        head.extend(r.trend[0].points.iter().map(|p| p.campaign_name.clone()));
        blocks.push(Block::Table {
            head,
            rows: r
                .trend
                .iter()
                .map(|g| {
                    let mut row = vec![group_label(lang, &g.group)];
                    row.extend(
                        g.points
                            .iter()
                            .map(|p| p.values.first().copied().flatten().map_or("–".into(), one)),
                    );
                    row
                })
                .collect(),
        });
        blocks.push(Block::Note(t(lang, "report.trend.note").into()));
    }

    // Annex.
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading(t(lang, "report.annex").into()));
    blocks.push(Block::Subheading(t(lang, "report.annex.indicators").into()));
    let indicators: Vec<&str> = r
        .sections
        .first()
        .map(|s| s.indicators.iter().map(|f| f.indicator).collect())
        .unwrap_or_default();
    blocks.push(Block::Table {
        head: vec![
            t(lang, "report.col.indicator").into(),
            t(lang, "report.col.question").into(),
        ],
        rows: indicators
            .iter()
            .map(|id| {
                let item = INDICATORS
                    .iter()
                    .find(|i| i.id == *id)
                    .map_or("", |i| i.item);
                vec![
                    t(lang, &format!("indicator.{id}.short")).into(),
                    format!("{item}: {}", t(lang, &format!("indicator.{id}"))),
                ]
            })
            .collect(),
    });
    let share_rows =
        |sections: &[GroupSection], label: &dyn Fn(&str) -> String| -> Vec<Vec<String>> {
            sections
                .iter()
                .filter(|s| s.n > 0)
                .map(|s| {
                    let mut row = vec![label(&s.group), s.n.to_string()];
                    row.extend(
                        s.indicators
                            .iter()
                            .map(|f| f.share.map_or("–".into(), whole)),
                    );
                    row
                })
                .collect()
        };
    let mut head = vec![t(lang, "report.col.group").to_string(), "n".to_string()];
    head.extend(
        indicators
            .iter()
            .map(|id| t(lang, &format!("indicator.{id}.short")).to_string()),
    );
    blocks.push(Block::Subheading(
        t(lang, "report.annex.shares_groups").into(),
    ));
    blocks.push(Block::Table {
        head: head.clone(),
        rows: share_rows(&r.sections, &|g| group_label(lang, g)),
    });
    blocks.push(Block::Subheading(
        t(lang, "report.annex.shares_sectors").into(),
    ));
    blocks.push(Block::Table {
        head,
        rows: share_rows(&r.indicators_by_sector, &|g| {
            t(lang, &format!("sector.{g}")).to_string()
        }),
    });
    let dist_head = ["report.col.group", "n", "min", "q1", "median", "q3", "max"]
        .map(|k| {
            if k.starts_with("report.") {
                t(lang, k).to_string()
            } else {
                k.to_string()
            }
        })
        .to_vec();
    let dist_rows = |figs: &[mamori_analytics::benchmark::GroupFigure],
                     label: &dyn Fn(&str) -> String| {
        figs.iter()
            .filter(|g| g.n > 0)
            .map(|g| {
                let mut row = vec![label(&g.key), g.n.to_string()];
                match g.distribution {
                    Some(d) => row.extend([d.min, d.q1, d.median, d.q3, d.max].map(one)),
                    None => row.extend(std::iter::repeat_n("–".to_string(), 5)),
                }
                row
            })
            .collect::<Vec<_>>()
    };
    blocks.push(Block::Subheading(t(lang, "report.annex.sectors").into()));
    blocks.push(Block::Table {
        head: dist_head.clone(),
        rows: dist_rows(&r.by_sector, &|k| {
            t(lang, &format!("sector.{k}")).to_string()
        }),
    });
    blocks.push(Block::Subheading(t(lang, "report.annex.bureaus").into()));
    blocks.push(Block::Table {
        head: dist_head,
        rows: dist_rows(&r.by_bureau, &|k| {
            t(lang, &format!("bureau.{k}")).to_string()
        }),
    });
    blocks.push(Block::Heading(t(lang, "report.method").into()));
    blocks.push(Block::Para(tf(
        lang,
        "report.method.text",
        &[("min", &mamori_analytics::MIN_PEER_GROUP.to_string())],
    )));

    Doc {
        title: t(lang, "report.sector.title").into(),
        subtitle: tf(
            lang,
            "report.sector.subtitle",
            &[
                ("campaign", ctx.campaign_name),
                ("framework", &text(lang, &ctx.framework.name)),
                ("version", &ctx.framework.version),
                ("n", &r.respondents.to_string()),
                ("date", ctx.generated_on),
            ],
        ),
        lang,
        blocks,
    }
}
