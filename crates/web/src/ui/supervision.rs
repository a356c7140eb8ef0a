//! Supervision pages: the ranked priority list and one institution's risk profile, benchmark
//! and trend. Every figure comes from `mamori_analytics` through `crate::supervision`.

use crate::api::supervision::PriorityQuery;
use crate::context::{ApiQuery, Ctx, PathParam};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::supervision::{
    campaign_results, domain_title, priorities, reason, results_readable, series, PriorityFilter,
};
use crate::ui::layout::{page, Section};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use mamori_analytics::benchmark::benchmark;
use mamori_analytics::trend::{institution_trend, Wave};
use mamori_domain::policy::{allows, survey_scope, InstitutionScope, Permission};
use mamori_domain::{Bureau, Sector};
use mamori_report::chart::Chart;
use mamori_store::campaigns::AssignmentFilter;
use maud::{html, Markup, PreEscaped};

fn one(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

fn rating(l: Lang, r: mamori_analytics::RiskRating) -> String {
    t(l, &format!("risk.{}", r.code())).to_string()
}

fn forbid_unless(allowed: bool) -> AppResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The filters as query parameters (for paging links and the export).
fn filter_query(filter: &PriorityFilter) -> Vec<String> {
    let mut qs = Vec::new();
    if let Some(s) = filter.sector {
        qs.push(format!("sector={}", s.code()));
    }
    if let Some(b) = filter.bureau {
        qs.push(format!("bureau={}", b.code()));
    }
    qs
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<PriorityQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    forbid_unless(allows(p, Permission::ViewSupervision))?;
    let l = ctx.lang;
    let (filter, limit, offset) = q.parse()?;
    let result = priorities(&state, survey_scope(p), &filter).await?;
    let filters = html! {
        form.filters method="get" action="/supervision" {
            label { (t(l, "field.sector")) " "
                select name="sector" {
                    option value="" { (t(l, "filter.any")) }
                    @for s in Sector::ALL { option value=(s.code()) selected[filter.sector == Some(*s)] { (t(l, &format!("sector.{}", s.code()))) } }
                }
            }
            " "
            label { (t(l, "field.bureau")) " "
                select name="bureau" {
                    option value="" { (t(l, "filter.any")) }
                    @for b in Bureau::ALL { option value=(b.code()) selected[filter.bureau == Some(*b)] { (t(l, &format!("bureau.{}", b.code()))) } }
                }
            }
            " "
            button type="submit" { (t(l, "filter.apply")) }
        }
    };
    let body = match result {
        Err(key) => {
            html! { p role="status" { (tf(l, "supervision.no_framework", &[("key", &key)])) } }
        }
        Ok(list) => {
            let total = list.entries.len();
            let rows: Vec<_> = list.entries.iter().skip(offset).take(limit).collect();
            let link = |off: usize| {
                let mut qs = vec![format!("offset={off}"), format!("limit={limit}")];
                qs.extend(filter_query(&filter));
                format!("/supervision?{}", qs.join("&"))
            };
            html! {
                p { (t(l, "supervision.intro")) }
                p.muted { (tf(l, "supervision.model", &[("name", list.model.name.get(l == Lang::Ja)), ("version", &list.model.version)])) }
                p { a href="/reports" { (t(l, "supervision.comparisons")) } }
                (filters)
                p { a #export-csv href=(format!("/supervision/export.csv?{}", filter_query(&filter).join("&"))) download { (t(l, "supervision.export")) } }
                @if rows.is_empty() {
                    p role="status" { (t(l, "supervision.empty")) }
                } @else {
                    table #priorities {
                        thead { tr {
                            th scope="col" { (t(l, "supervision.rank")) }
                            th scope="col" { (t(l, "field.name")) }
                            th scope="col" { (t(l, "field.sector")) }
                            th scope="col" { (t(l, "field.bureau")) }
                            th scope="col" { (t(l, "supervision.priority")) }
                            th scope="col" { (t(l, "supervision.inherent")) }
                            th scope="col" { (t(l, "supervision.maturity")) }
                            th scope="col" { (t(l, "supervision.reason")) }
                        } }
                        tbody {
                            @for e in &rows {
                                @if let Some(i) = list.institutions.get(&e.institution_id) {
                                    tr {
                                        td { (e.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into())) }
                                        td { a href=(format!("/supervision/institutions/{}", i.id)) { (if l == Lang::Ja { &i.name_ja } else { &i.name_en }) } " " span.muted { (i.code) } }
                                        td { (t(l, &format!("sector.{}", i.sector.code()))) }
                                        td { (t(l, &format!("bureau.{}", i.bureau.code()))) }
                                        td { (one(e.profile.as_ref().map(|p| p.priority))) }
                                        td { @if let Some(pr) = &e.profile { (rating(l, pr.inherent.rating)) " (" (format!("{:.0}", pr.inherent.score)) ")" } @else { "—" } }
                                        td { (one(e.profile.as_ref().and_then(|p| p.maturity))) }
                                        td { (reason(l, e.profile.as_ref(), &list.framework)) }
                                    }
                                }
                            }
                        }
                    }
                    nav.pager aria-label=(t(l, "list.pages")) {
                        (tf(l, "list.showing", &[("from", &(offset + 1).to_string()), ("to", &(offset + rows.len()).to_string()), ("total", &total.to_string())]))
                        @if offset > 0 { " " a href=(link(offset.saturating_sub(limit))) { (t(l, "list.previous")) } }
                        @if offset + limit < total { " " a href=(link(offset + limit)) rel="next" { (t(l, "list.next")) } }
                    }
                }
            }
        }
    };
    Ok(page(
        &ctx,
        t(l, "supervision.title"),
        Section::Supervision,
        body,
    ))
}

pub async fn institution(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    forbid_unless(allows(p, Permission::ViewSupervision))?;
    let l = ctx.lang;
    let inst = results_readable(&state, p, id).await?;
    let name = if l == Lang::Ja {
        &inst.name_ja
    } else {
        &inst.name_en
    }
    .clone();
    let list = priorities(
        &state,
        InstitutionScope::Only(inst.id),
        &PriorityFilter::default(),
    )
    .await?;
    let mut body: Vec<Markup> = vec![html! {
        p { (inst.code) " · " (t(l, &format!("sector.{}", inst.sector.code()))) " · " (t(l, &format!("tier.{}", inst.size_tier.code()))) " · " (t(l, &format!("bureau.{}", inst.bureau.code()))) }
    }];
    let entry = match &list {
        Ok(list) => list.entries.first(),
        Err(_) => None,
    };
    match (
        &list,
        entry.and_then(|e| e.profile.as_ref().map(|p| (e, p))),
    ) {
        (Ok(list), Some((e, prof))) => {
            let f = &list.framework;
            let campaign_name = e
                .campaign_id
                .and_then(|c| list.campaigns.get(&c))
                .cloned()
                .unwrap_or_default();
            body.push(html! {
                h2 { (t(l, "supervision.profile")) }
                p { (t(l, "supervision.inherent")) ": " strong { (rating(l, prof.inherent.rating)) } " (" (format!("{:.1}", prof.inherent.score)) ") · "
                    (t(l, "supervision.priority")) ": " strong #priority-score { (format!("{:.1}", prof.priority)) } }
                p { (reason(l, Some(prof), f)) }
                p.muted { (tf(l, "supervision.based_on", &[("campaign", &campaign_name)])) " "
                    (tf(l, "supervision.expected_range", &[("min", &format!("{:.0}", prof.expected.min)), ("max", &format!("{:.0}", prof.expected.max))])) }
                h3 { (t(l, "supervision.factors")) }
                table { thead { tr { th scope="col" { (t(l, "supervision.factor")) } th scope="col" { (t(l, "supervision.weight")) } th scope="col" { (t(l, "supervision.score")) } th scope="col" { (t(l, "supervision.contribution")) } } }
                    tbody { @for fs in &prof.inherent.factors { tr {
                        th scope="row" { (t(l, &format!("factor.{}", fs.id))) @if !fs.unanswered.is_empty() { br; span.muted { (tf(l, "supervision.unanswered", &[("items", &fs.unanswered.join(", "))])) } } }
                        td { (format!("{:.0}", fs.weight)) } td { (format!("{:.0}", fs.score)) } td { (format!("{:.1}", fs.contribution)) }
                    } } } }
                h3 { (t(l, "supervision.domains")) }
                table { thead { tr { th scope="col" { (t(l, "supervision.domain")) } th scope="col" { (t(l, "supervision.compliance")) } th scope="col" { (t(l, "supervision.level")) } th scope="col" { (t(l, "supervision.maturity")) } th scope="col" { (t(l, "supervision.gap_col")) } } }
                    tbody { @for d in &prof.domains { tr {
                        th scope="row" { (domain_title(l, f, &d.domain)) }
                        td { (format!("{:.1}", d.compliance)) } td { (format!("{:.2}", d.level)) } td { (t(l, &format!("maturity.{}", d.band.code()))) } td { (format!("{:.2}", d.gap)) }
                    } } } }
            });
            if let Some(cid) = e.campaign_id {
                let results = campaign_results(&state, cid).await?;
                let scored = results.scored();
                let measures = results.measures();
                if let Some(b) = benchmark(&scored, &measures, inst.id) {
                    let label = |m: &str| {
                        if m == mamori_analytics::OVERALL {
                            t(l, "feedback.overall").to_string()
                        } else {
                            domain_title(l, &results.framework, m)
                        }
                    };
                    let chart = Chart::Boxes {
                        title: tf(l, "feedback.chart", &[("peers", t(l, "peer.sector"))]),
                        rows: b
                            .measures
                            .iter()
                            .map(|m| {
                                (
                                    label(&m.measure),
                                    m.peers.first().and_then(|p| p.distribution),
                                )
                            })
                            .collect(),
                        marker: None,
                        withheld: t(l, "report.withheld").into(),
                    };
                    body.push(html! {
                        h2 { (t(l, "supervision.benchmark")) }
                        table #benchmark { thead { tr { th scope="col" { (t(l, "feedback.measure")) } th scope="col" { (name) }
                            @for pk in mamori_analytics::benchmark::PeerKind::ALL { th scope="col" { (t(l, &format!("peer.{}", pk.code()))) } } } }
                          tbody { @for m in &b.measures { tr { th scope="row" { (label(&m.measure)) } td { (one(m.value)) }
                            @for pg in &m.peers { td { @match (pg.distribution, pg.percentile) {
                                (Some(d), Some(pr)) => (tf(l, "feedback.peer_cell", &[("median", &format!("{:.1}", d.median)), ("pr", &format!("{pr:.0}"))])),
                                _ => (t(l, "report.withheld")),
                            } } } } } } }
                        figure { (PreEscaped(chart.svg())) }
                    });
                }
                let assignments = state
                    .store
                    .list_assignments(
                        InstitutionScope::Only(inst.id),
                        &AssignmentFilter {
                            campaign_id: Some(cid),
                            ..Default::default()
                        },
                    )
                    .await?;
                if let Some(a) = assignments.first() {
                    body.push(html! { p { a href=(format!("/reports/feedback/{}", a.id)) { (t(l, "supervision.feedback_link")) } } });
                }
            }
            // Trend across campaigns of the framework.
            let waves_data = series(&state, &list.model.framework).await?;
            let waves: Vec<Wave> = waves_data
                .iter()
                .map(|r| Wave {
                    campaign_id: r.campaign.id,
                    campaign_name: r.campaign.name.clone(),
                    scored: r.scored(),
                })
                .collect();
            let measures = mamori_analytics::measures(f);
            let trend = institution_trend(&waves, &measures, inst.id);
            if !trend.is_empty() {
                body.push(html! {
                    h2 { (t(l, "supervision.trend")) }
                    table #trend { thead { tr { th scope="col" { (t(l, "supervision.campaign")) } @for m in &measures { th scope="col" { @if m == mamori_analytics::OVERALL { (t(l, "feedback.overall")) } @else { (m) } } } } }
                      tbody { @for pt in &trend { tr { th scope="row" { (pt.campaign_name) } @for v in &pt.values { td { (one(*v)) } } } } } }
                });
            }
        }
        (Err(key), _) => body.push(
            html! { p role="status" { (tf(l, "supervision.no_framework", &[("key", key)])) } },
        ),
        (Ok(_), None) => body.push(html! { p role="status" { (t(l, "supervision.no_profile")) } }),
    }
    let content = html! { @for b in body { (b) } };
    Ok(page(&ctx, &name, Section::Supervision, content))
}

/// The whole ranked list (filters as on the page) as CSV for supervisors' own analysis:
/// UTF-8 with a byte-order mark so that spreadsheet programs read the Japanese names.
pub async fn export_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<PriorityQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    forbid_unless(allows(p, Permission::ViewSupervision))?;
    let l = ctx.lang;
    let (filter, _, _) = q.parse()?;
    let list = priorities(&state, survey_scope(p), &filter)
        .await?
        .map_err(|_| AppError::NotReady {
            detail: "supervision.model_not_ready",
        })?;
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record([
        "rank",
        "code",
        "name_ja",
        "name_en",
        "sector",
        "size_tier",
        "bureau",
        "priority",
        "inherent_score",
        "inherent_rating",
        "maturity",
        "reason",
        "campaign",
    ])
    .map_err(internal)?;
    let num = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
    // Text that a spreadsheet would run as a formula is quoted (CSV injection).
    let text = |s: &str| {
        if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        }
    };
    for e in &list.entries {
        let Some(i) = list.institutions.get(&e.institution_id) else {
            continue;
        };
        let prof = e.profile.as_ref();
        w.write_record([
            e.rank.map(|r| r.to_string()).unwrap_or_default(),
            text(&i.code),
            text(&i.name_ja),
            text(&i.name_en),
            i.sector.code().to_string(),
            i.size_tier.code().to_string(),
            i.bureau.code().to_string(),
            num(prof.map(|p| p.priority)),
            num(prof.map(|p| p.inherent.score)),
            prof.map(|p| p.inherent.rating.code().to_string())
                .unwrap_or_default(),
            num(prof.and_then(|p| p.maturity)),
            text(&reason(l, prof, &list.framework)),
            text(
                e.campaign_id
                    .and_then(|c| list.campaigns.get(&c))
                    .map_or("", String::as_str),
            ),
        ])
        .map_err(internal)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mamori-priorities.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
