//! An institution's feedback after a campaign: its scores against its peers, and its gaps
//! with the framework's recommended actions.

use crate::chart::Chart;
use crate::doc::{Block, Doc};
use crate::sector::{domain_title, one, text, whole};
use mamori_analytics::benchmark::PeerKind;
use mamori_analytics::feedback::Feedback;
use mamori_i18n::{t, tf, Lang};
use mamori_survey::Framework;

pub struct FeedbackContext<'a> {
    pub institution_name: &'a str,
    pub campaign_name: &'a str,
    pub framework: &'a Framework,
    pub generated_on: &'a str,
}

pub fn document(fb: &Feedback, ctx: &FeedbackContext, lang: Lang) -> Doc {
    let withheld = t(lang, "report.withheld").to_string();
    let mut blocks = Vec::new();
    let measure_label = |m: &str| {
        if m == mamori_analytics::OVERALL {
            t(lang, "feedback.overall").to_string()
        } else {
            format!("{m} {}", domain_title(lang, ctx.framework, m))
        }
    };
    blocks.push(Block::Heading(t(lang, "feedback.scores").into()));
    if let Some(c) = fb.scores.compliance {
        blocks.push(Block::Para(tf(
            lang,
            "feedback.overall_sentence",
            &[("score", &one(c))],
        )));
    }
    // Scores against each peer group.
    let mut head = vec![
        t(lang, "feedback.measure").to_string(),
        t(lang, "feedback.yours").to_string(),
    ];
    head.extend(
        PeerKind::ALL
            .iter()
            .map(|k| t(lang, &format!("peer.{}", k.code())).to_string()),
    );
    let rows = fb
        .benchmark
        .measures
        .iter()
        .map(|m| {
            let mut row = vec![measure_label(&m.measure), m.value.map_or("–".into(), one)];
            row.extend(
                m.peers
                    .iter()
                    .map(|p| match (p.distribution, p.percentile) {
                        (Some(d), Some(pr)) => tf(
                            lang,
                            "feedback.peer_cell",
                            &[("median", &one(d.median)), ("pr", &whole(pr))],
                        ),
                        _ => withheld.clone(),
                    }),
            );
            row
        })
        .collect();
    blocks.push(Block::Table { head, rows });
    blocks.push(Block::Note(tf(
        lang,
        "feedback.peer_note",
        &[("min", &mamori_analytics::MIN_PEER_GROUP.to_string())],
    )));
    // Box plots of the sector group per measure, the institution marked.
    for kind in [PeerKind::Sector, PeerKind::All] {
        let rows: Vec<_> = fb
            .benchmark
            .measures
            .iter()
            .map(|m| {
                let d = m
                    .peers
                    .iter()
                    .find(|p| p.kind == kind)
                    .and_then(|p| p.distribution);
                (measure_label(&m.measure), d)
            })
            .collect();
        blocks.push(Block::Chart(Chart::Boxes {
            title: tf(
                lang,
                "feedback.chart",
                &[("peers", t(lang, &format!("peer.{}", kind.code())))],
            ),
            rows,
            marker: None,
            withheld: withheld.clone(),
        }));
    }
    blocks.push(Block::Chart(Chart::Bars {
        title: t(lang, "feedback.chart_yours").into(),
        rows: fb
            .benchmark
            .measures
            .iter()
            .map(|m| (measure_label(&m.measure), m.value))
            .collect(),
        withheld: withheld.clone(),
    }));
    // Gaps with recommended actions.
    blocks.push(Block::Heading(t(lang, "feedback.gaps").into()));
    if fb.gaps.is_empty() {
        blocks.push(Block::Para(t(lang, "feedback.no_gaps").into()));
    }
    let walk = ctx.framework.walk();
    for g in &fb.gaps {
        let Some((_, item)) = walk.iter().find(|(_, i)| i.id == g.item_id) else {
            continue;
        };
        blocks.push(Block::Subheading(format!(
            "{} {}",
            item.id,
            text(lang, &item.title)
        )));
        let answer = g
            .answer
            .as_deref()
            .map(|a| match &item.answer {
                Some(mamori_survey::framework::AnswerType::SingleChoice { options }) => options
                    .iter()
                    .find(|o| o.id == a)
                    .map(|o| text(lang, &o.label))
                    .unwrap_or_else(|| a.to_string()),
                _ => t(lang, &format!("answer.{a}")).to_string(),
            })
            .unwrap_or_else(|| t(lang, "feedback.unanswered").into());
        let peers = g
            .sector_share_yes
            .map(|s| tf(lang, "feedback.sector_share", &[("share", &whole(s))]))
            .unwrap_or_else(|| withheld.clone());
        blocks.push(Block::Para(tf(
            lang,
            "feedback.gap_line",
            &[("answer", &answer), ("peers", &peers)],
        )));
        if let Some(guidance) = &item.guidance {
            blocks.push(Block::Para(tf(
                lang,
                "feedback.action",
                &[("action", &text(lang, guidance))],
            )));
        }
    }
    Doc {
        title: tf(
            lang,
            "feedback.title",
            &[("institution", ctx.institution_name)],
        ),
        subtitle: tf(
            lang,
            "feedback.subtitle",
            &[
                ("campaign", ctx.campaign_name),
                ("framework", &text(lang, &ctx.framework.name)),
                ("date", ctx.generated_on),
            ],
        ),
        lang,
        blocks,
    }
}
