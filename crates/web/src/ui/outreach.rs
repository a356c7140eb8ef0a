//! The outreach page: a fiscal year's seminars and workshops, participation and ISAC
//! membership rates by region (charted, so that the disparity shows) and by sector, and the
//! form to record an event with its attendance. Figures come from `mamori_analytics::outreach`
//! through `api::outreach::report`, as the API's do.

use crate::api::outreach::{record, report, NewEventBody, YearQuery};
use crate::context::{ApiQuery, Ctx, UiForm};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::ui::layout::{csrf_field, field_errors, notice, page, Section};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use mamori_analytics::outreach::Participation;
use mamori_domain::policy::{allows, Permission};
use mamori_domain::sharing::{EventAudience, EventKind, Organiser};
use mamori_domain::validation::FieldError;
use mamori_domain::Bureau;
use mamori_report::chart::Chart;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
}

fn rows(l: Lang, label: &str, groups: &[(String, &Participation)]) -> Markup {
    html! {
        table {
            thead { tr {
                th scope="col" { (label) }
                th scope="col" { (t(l, "outreach.institutions")) }
                th scope="col" { (t(l, "outreach.attended")) }
                th scope="col" { (t(l, "outreach.attendance_rate")) }
                th scope="col" { (t(l, "outreach.full_members")) }
                th scope="col" { (t(l, "outreach.trial_members")) }
                th scope="col" { (t(l, "outreach.membership_rate")) }
            } }
            tbody { @for (name, p) in groups { tr {
                th scope="row" { (name) }
                td { (p.institutions) } td { (p.attended) } td { (pct(p.attendance_rate())) }
                td { (p.full_members) } td { (p.trial_members) } td { (pct(p.membership_rate())) }
            } } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(flatten)]
    pub year: YearQuery,
    pub notice: Option<String>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    year: Option<i32>,
    form: &EventForm,
    errors: &[FieldError],
    notice_key: Option<&str>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ViewOutreach) {
        return Err(AppError::Forbidden);
    }
    let l = ctx.lang;
    let (year, events, f) = report(state, year).await?;
    let region_name = |b: Bureau| t(l, &format!("bureau.{}", b.code())).to_string();
    let attendance = Chart::Bars {
        title: t(l, "outreach.chart.attendance").to_string(),
        rows: f
            .by_region
            .iter()
            .map(|(b, p)| (region_name(*b), p.attendance_rate()))
            .collect(),
        withheld: t(l, "outreach.no_institutions").to_string(),
    };
    let membership = Chart::Bars {
        title: t(l, "outreach.chart.membership").to_string(),
        rows: f
            .by_region
            .iter()
            .map(|(b, p)| (region_name(*b), p.membership_rate()))
            .collect(),
        withheld: t(l, "outreach.no_institutions").to_string(),
    };
    let regions: Vec<(String, &Participation)> = f
        .by_region
        .iter()
        .map(|(b, p)| (region_name(*b), p))
        .collect();
    let sectors: Vec<(String, &Participation)> = f
        .by_sector
        .iter()
        .map(|(s, p)| (t(l, &format!("sector.{}", s.code())).to_string(), p))
        .collect();
    let lowest = f
        .by_region
        .iter()
        .filter_map(|(b, p)| p.attendance_rate().map(|r| (r, *b)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let highest = f
        .by_region
        .iter()
        .filter_map(|(b, p)| p.attendance_rate().map(|r| (r, *b)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let body = html! {
        (notice(l, notice_key))
        nav.pager aria-label=(t(l, "outreach.years")) {
            a href=(format!("/outreach?year={}", year - 1)) rel="prev" { "← " (tf(l, "outreach.fiscal_year", &[("year", &(year - 1).to_string())])) }
            " " strong { (tf(l, "outreach.fiscal_year", &[("year", &year.to_string())])) } " "
            a href=(format!("/outreach?year={}", year + 1)) rel="next" { (tf(l, "outreach.fiscal_year", &[("year", &(year + 1).to_string())])) " →" }
        }
        p #summary {
            (tf(l, "outreach.summary", &[
                ("events", &events.len().to_string()),
                ("attended", &f.all.attended.to_string()),
                ("institutions", &f.all.institutions.to_string()),
                ("rate", &pct(f.all.attendance_rate())),
                ("members", &pct(f.all.membership_rate())),
            ]))
        }
        @if let (Some((lo, lb)), Some((hi, hb))) = (lowest, highest) {
            p #disparity { (tf(l, "outreach.disparity", &[("low", &region_name(lb)), ("low_rate", &pct(Some(lo))), ("high", &region_name(hb)), ("high_rate", &pct(Some(hi)))])) }
        }
        div.charts {
            figure #chart-attendance { (PreEscaped(attendance.svg())) }
            figure #chart-membership { (PreEscaped(membership.svg())) }
        }
        section aria-labelledby="h-regions" { h2 #h-regions { (t(l, "outreach.by_region")) } (rows(l, t(l, "outreach.region"), &regions)) }
        section aria-labelledby="h-sectors" { h2 #h-sectors { (t(l, "outreach.by_sector")) } (rows(l, t(l, "outreach.sector"), &sectors)) }
        section aria-labelledby="h-events" {
            h2 #h-events { (t(l, "outreach.events")) }
            @if events.is_empty() {
                p.empty { (t(l, "outreach.no_events")) }
            } @else {
                table #events {
                    thead { tr { th { (t(l, "outreach.held_on")) } th { (t(l, "outreach.title")) } th { (t(l, "outreach.kind")) } th { (t(l, "outreach.organiser")) } th { (t(l, "outreach.audience")) } th { (t(l, "outreach.region")) } th { (t(l, "outreach.attendees")) } } }
                    tbody { @for e in &events { tr {
                        td { (e.held_on) }
                        td { (if l == Lang::Ja { &e.title_ja } else { &e.title_en }) }
                        td { (t(l, &format!("outreach.kind.{}", e.kind.code()))) }
                        td { (t(l, &format!("outreach.organiser.{}", e.organiser.code()))) }
                        td { (t(l, &format!("outreach.audience.{}", e.audience.code()))) }
                        td { (region_name(e.bureau)) }
                        td { (e.attendees) }
                    } } }
                }
            }
        }
        @if allows(p, Permission::ManageOutreach) {
            section aria-labelledby="h-record" {
                h2 #h-record { (t(l, "outreach.record")) }
                (field_errors(l, errors))
                form.stack #event-form method="post" action="/outreach/events" {
                    (csrf_field(ctx))
                    label for="e-held" { (t(l, "outreach.held_on")) }
                    input #e-held type="date" name="held_on" required value=(form.held_on);
                    label for="e-kind" { (t(l, "outreach.kind")) }
                    select #e-kind name="kind" { @for k in EventKind::ALL { option value=(k.code()) selected[form.kind == k.code()] { (t(l, &format!("outreach.kind.{}", k.code()))) } } }
                    label for="e-organiser" { (t(l, "outreach.organiser")) }
                    select #e-organiser name="organiser" { @for o in Organiser::ALL { option value=(o.code()) selected[form.organiser == o.code()] { (t(l, &format!("outreach.organiser.{}", o.code()))) } } }
                    label for="e-audience" { (t(l, "outreach.audience")) }
                    select #e-audience name="audience" { @for a in EventAudience::ALL { option value=(a.code()) selected[form.audience == a.code()] { (t(l, &format!("outreach.audience.{}", a.code()))) } } }
                    label for="e-bureau" { (t(l, "outreach.region")) }
                    select #e-bureau name="bureau" { @for b in Bureau::ALL.iter().filter(|b| **b != Bureau::Fsa) { option value=(b.code()) selected[form.bureau == b.code()] { (region_name(*b)) } } }
                    label for="e-title-ja" { (t(l, "sharing.title_ja")) }
                    input #e-title-ja name="title_ja" required value=(form.title_ja) lang="ja";
                    label for="e-title-en" { (t(l, "sharing.title_en")) }
                    input #e-title-en name="title_en" required value=(form.title_en) lang="en";
                    label for="e-attendees" { (t(l, "outreach.attendee_codes")) }
                    textarea #e-attendees name="attendees" rows="4" { (form.attendees) }
                    button type="submit" { (t(l, "outreach.record.submit")) }
                }
            }
        }
    };
    let mut res = page(ctx, t(l, "nav.outreach"), Section::Outreach, body);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Response> {
    render(
        &state,
        &ctx,
        q.year.year,
        &EventForm::default(),
        &[],
        q.notice.as_deref(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub organiser: String,
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub bureau: String,
    #[serde(default)]
    pub title_ja: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub attendees: String,
}

pub async fn record_event(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(f): UiForm<EventForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ManageOutreach) {
        return Err(AppError::Forbidden);
    }
    let Ok(held_on) = NaiveDate::parse_from_str(f.held_on.trim(), "%Y-%m-%d") else {
        let errors = [FieldError::new("held_on", "invalid.date").with_value(&f.held_on)];
        return render(&state, &ctx, None, &f, &errors, None).await;
    };
    let body = NewEventBody {
        kind: f.kind.clone(),
        organiser: f.organiser.clone(),
        audience: f.audience.clone(),
        bureau: f.bureau.clone(),
        held_on,
        title_ja: f.title_ja.clone(),
        title_en: f.title_en.clone(),
        attendees: f
            .attendees
            .split([',', ' ', '\n', '\r', '\t', '、'])
            .map(str::to_string)
            .collect(),
    };
    match record(&state, p, &body).await {
        Ok(_) => {
            let year = crate::api::outreach::fiscal_year_of(held_on);
            Ok(
                Redirect::to(&format!("/outreach?year={year}&notice=notice.created"))
                    .into_response(),
            )
        }
        Err(AppError::Validation(errors)) => render(&state, &ctx, None, &f, &errors, None).await,
        Err(e) => Err(e),
    }
}
