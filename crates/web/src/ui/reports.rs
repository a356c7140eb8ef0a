//! Reports: the annual sector report per campaign (HTML, PDF, XLSX, in either language) for
//! supervisors, and each institution's feedback after its answers are accepted.

use crate::context::{ApiQuery, Ctx, PathParam};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::supervision::{campaign_results, CampaignResults};
use crate::surveys::assignment_for;
use crate::ui::layout::{page, Section};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use mamori_analytics::feedback::feedback;
use mamori_analytics::report::sector_report;
use mamori_analytics::trend::Wave;
use mamori_domain::policy::{allows, survey_scope, AssignmentAction, Permission};
use mamori_report::feedback::FeedbackContext;
use mamori_report::sector::SectorContext;
use mamori_report::Format;
use mamori_store::campaigns::AssignmentFilter;
use mamori_survey::assignment::AssignmentStatus;
use maud::html;
use serde::Deserialize;

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

fn report_error(e: mamori_report::ReportError) -> AppError {
    AppError::Internal(e.to_string())
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let l = ctx.lang;
    let mut sections = Vec::new();
    if allows(p, Permission::SectorReports) {
        let campaigns = state.store.list_campaigns(survey_scope(p)).await?;
        let mut rows = Vec::new();
        for c in campaigns {
            let accepted: i64 = state
                .store
                .campaign_progress(mamori_domain::policy::InstitutionScope::All, c.id)
                .await?
                .iter()
                .filter(|(_, _, status, _)| *status == AssignmentStatus::Accepted)
                .map(|(_, _, _, n)| n)
                .sum();
            if accepted > 0 {
                rows.push((c, accepted));
            }
        }
        sections.push(html! {
            h2 { (t(l, "report.sector.title")) }
            p { (t(l, "report.intro")) }
            @if rows.is_empty() {
                p role="status" { (t(l, "report.none")) }
            } @else {
                table #sector-reports {
                    thead { tr { th scope="col" { (t(l, "supervision.campaign")) } th scope="col" { (t(l, "report.accepted")) } th scope="col" { (t(l, "report.download")) } } }
                    tbody { @for (c, n) in &rows { tr {
                        th scope="row" { (c.name) }
                        td { (tf(l, "report.accepted", &[("n", &n.to_string())])) }
                        td { @for lang in [Lang::Ja, Lang::En] { @for f in ["html", "pdf", "xlsx"] {
                            a href=(format!("/reports/campaigns/{}/sector/{f}?lang={}", c.id, lang.code())) download { (f.to_uppercase()) " (" (lang.code()) ")" } " "
                        } } }
                    } } }
                }
            }
        });
    }
    if p.role.is_institution_role() || allows(p, Permission::ViewSurveys) {
        let accepted = state
            .store
            .list_assignments(
                survey_scope(p),
                &AssignmentFilter {
                    status: Some(AssignmentStatus::Accepted),
                    ..Default::default()
                },
            )
            .await?;
        let own: Vec<_> = if p.role.is_institution_role() {
            accepted
        } else {
            Vec::new()
        };
        sections.push(html! {
            h2 { (t(l, "report.feedback")) }
            p { (t(l, "report.feedback.intro")) }
            @if p.role.is_institution_role() {
                @if own.is_empty() { p role="status" { (t(l, "feedback.not_ready")) } }
                ul { @for a in &own { li { a href=(format!("/reports/feedback/{}", a.id)) { (a.campaign_name) } } } }
            }
        });
    }
    let body = html! { @for s in sections { (s) } };
    Ok(page(&ctx, t(l, "report.title"), Section::Reports, body))
}

#[derive(Debug, Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

fn chosen_lang(ctx: &Ctx, q: &LangQuery) -> AppResult<Lang> {
    match q.lang.as_deref() {
        None | Some("") => Ok(ctx.lang),
        Some(code) => Lang::from_code(code).ok_or_else(|| {
            AppError::Validation(vec![mamori_domain::validation::FieldError::new(
                "lang",
                "invalid.unknown_code",
            )
            .with_value(code)])
        }),
    }
}

/// The sector report of one campaign, as bytes; `earlier` are the framework's campaigns
/// that opened before it (for the trend).
pub fn render_sector(
    results: &CampaignResults,
    earlier: &[CampaignResults],
    lang: Lang,
    format: Format,
    generated_on: &str,
) -> Result<Vec<u8>, mamori_report::ReportError> {
    fn wave(r: &CampaignResults) -> Wave<'_> {
        Wave {
            campaign_id: r.campaign.id,
            campaign_name: r.campaign.name.clone(),
            scored: r.scored(),
        }
    }
    let earlier: Vec<Wave> = earlier.iter().map(wave).collect();
    let figures = sector_report(&results.framework, &wave(results), &earlier);
    mamori_report::sector_report(
        &figures,
        &SectorContext {
            campaign_name: &results.campaign.name,
            framework: &results.framework,
            generated_on,
        },
        lang,
        format,
    )
}

/// A campaign's results and those of the same framework's campaigns that opened before it.
pub async fn report_inputs(
    state: &AppState,
    campaign_id: i64,
) -> AppResult<(CampaignResults, Vec<CampaignResults>)> {
    let results = campaign_results(state, campaign_id).await?;
    let earlier = crate::supervision::series(state, &results.campaign.framework_key)
        .await?
        .into_iter()
        .filter(|r| {
            (r.campaign.opens_on, r.campaign.id) < (results.campaign.opens_on, results.campaign.id)
        })
        .collect();
    Ok((results, earlier))
}

fn download(bytes: Vec<u8>, format: Format, name: &str) -> Response {
    let disposition = if format == Format::Html {
        "inline"
    } else {
        "attachment"
    };
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{name}.{}\"", format.extension()),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn sector(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam((id, format)): PathParam<(i64, String)>,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::SectorReports) {
        return Err(AppError::Forbidden);
    }
    let format = Format::from_code(&format).ok_or(AppError::NotFound)?;
    let lang = chosen_lang(&ctx, &q)?;
    // A bureau supervisor reaches only campaigns that reach its jurisdiction.
    if !state
        .store
        .list_campaigns(survey_scope(p))
        .await?
        .iter()
        .any(|c| c.id == id)
    {
        return Err(AppError::NotFound);
    }
    let (results, earlier) = report_inputs(&state, id).await?;
    let bytes = render_sector(&results, &earlier, lang, format, &today()).map_err(report_error)?;
    Ok(download(
        bytes,
        format,
        &format!("mamori-sector-report-{id}-{}", lang.code()),
    ))
}

/// The feedback document, or `None` when the answers are not accepted yet.
async fn feedback_doc(
    state: &AppState,
    ctx: &Ctx,
    assignment_id: i64,
    lang: Lang,
) -> AppResult<Option<mamori_report::doc::Doc>> {
    let (a, _) = assignment_for(
        state,
        ctx.principal()?,
        assignment_id,
        AssignmentAction::Read,
    )
    .await?;
    if a.status.0 != AssignmentStatus::Accepted {
        return Ok(None);
    }
    let results = campaign_results(state, a.campaign_id).await?;
    let scored = results.scored();
    let Some(fb) = feedback(
        &results.framework,
        &scored,
        &results.measures(),
        a.institution_id,
    ) else {
        return Ok(None);
    };
    let name = if lang == Lang::Ja {
        &a.institution_name_ja
    } else {
        &a.institution_name_en
    };
    Ok(Some(mamori_report::feedback::document(
        &fb,
        &FeedbackContext {
            institution_name: name,
            campaign_name: &results.campaign.name,
            framework: &results.framework,
            generated_on: &today(),
        },
        lang,
    )))
}

pub async fn feedback_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    let l = ctx.lang;
    let doc = feedback_doc(&state, &ctx, id, l).await?;
    let (title, body) = match doc {
        None => (
            t(l, "report.feedback").to_string(),
            html! { p role="status" { (t(l, "feedback.not_ready")) } },
        ),
        Some(doc) => (
            doc.title.clone(),
            html! {
                p.muted { (doc.subtitle) }
                p { a #feedback-pdf href=(format!("/reports/feedback/{id}/pdf")) download { (t(l, "feedback.pdf")) } }
                (mamori_report::html::body(&doc))
            },
        ),
    };
    Ok(page(&ctx, &title, Section::Reports, body))
}

pub async fn feedback_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> AppResult<Response> {
    let lang = chosen_lang(&ctx, &q)?;
    let doc = feedback_doc(&state, &ctx, id, lang)
        .await?
        .ok_or(AppError::NotReady {
            detail: "feedback.not_ready",
        })?;
    let bytes = mamori_report::pdf::render(&doc).map_err(report_error)?;
    Ok(download(
        bytes,
        Format::Pdf,
        &format!("mamori-feedback-{id}-{}", lang.code()),
    ))
}
