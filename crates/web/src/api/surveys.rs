//! `/api/v1/frameworks`, `/api/v1/campaigns`, `/api/v1/assignments`: surveys over JSON.

use crate::context::{ApiJson, ApiQuery, Ctx, PathParam};
use crate::error::{AppError, AppResult, Problem};
use crate::surveys::{answer_values, apply, assignment_for, respondent, scores, AnswerInput};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use mamori_domain::policy::{allows, survey_scope, AssignmentAction, Permission};
use mamori_domain::validation::FieldError;
use mamori_domain::Principal;
use mamori_store::campaigns::{
    Assignment, AssignmentFilter, Campaign, CampaignTarget, NewCampaign,
};
use mamori_store::frameworks::FrameworkSummary;
use mamori_store::Actor;
use mamori_survey::answer::{questions, AnswerValue};
use mamori_survey::assignment::{AssignmentStatus, Transition};
use mamori_survey::scoring::Scores;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

fn require(p: &Principal, perm: Permission) -> AppResult<()> {
    if allows(p, perm) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[utoipa::path(get, path = "/api/v1/frameworks", tag = "surveys",
    responses((status = 200, description = "Framework versions: id, key, version, name, assessable_items")), security(("bearer" = [])))]
pub async fn frameworks(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<Json<Vec<FrameworkSummary>>> {
    ctx.principal()?;
    Ok(Json(state.store.list_frameworks().await?))
}

#[utoipa::path(get, path = "/api/v1/frameworks/{id}", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, description = "The framework with all its items"), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn framework(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<mamori_survey::Framework>> {
    ctx.principal()?;
    Ok(Json(state.store.framework(id).await?))
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "surveys",
    responses((status = 200, description = "Campaigns the caller takes part in or supervises: id, name, status, dates, framework")), security(("bearer" = [])))]
pub async fn campaigns(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<Campaign>>> {
    let p = ctx.principal()?;
    require(p, Permission::ViewSurveys)?;
    Ok(Json(state.store.list_campaigns(survey_scope(p)).await?))
}

/// A new campaign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub name: String,
    pub framework_id: i64,
    #[serde(default)]
    pub instructions: Option<String>,
    /// YYYY-MM-DD
    #[schema(value_type = String)]
    pub opens_on: NaiveDate,
    /// YYYY-MM-DD
    #[schema(value_type = String)]
    pub due_on: NaiveDate,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub target: CampaignTarget,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignCreated {
    #[schema(value_type = Object)]
    pub campaign: Campaign,
    pub assignments: usize,
}

pub async fn create_campaign_for(
    state: &AppState,
    p: &Principal,
    input: CampaignInput,
) -> AppResult<CampaignCreated> {
    require(p, Permission::ManageCampaigns)?;
    if input
        .instructions
        .as_ref()
        .is_some_and(|i| i.chars().count() > 4000)
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "instructions",
            "invalid.too_long",
        )]));
    }
    let new = NewCampaign {
        name: input.name,
        framework_id: input.framework_id,
        instructions: input.instructions.filter(|i| !i.trim().is_empty()),
        opens_on: input.opens_on,
        due_on: input.due_on,
        target: input.target,
    };
    let (campaign, assignments) = state.store.create_campaign(&Actor::from(p), &new).await?;
    Ok(CampaignCreated {
        campaign,
        assignments,
    })
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "surveys", request_body = CampaignInput,
    responses((status = 201, body = CampaignCreated), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<CampaignInput>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let created = create_campaign_for(&state, p, input).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// A campaign with its progress within the caller's scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignDetail {
    #[schema(value_type = Object)]
    pub campaign: Campaign,
    /// Assignments by status.
    pub progress: BTreeMap<String, i64>,
    /// Assignments by sector, then status.
    pub by_sector: BTreeMap<String, BTreeMap<String, i64>>,
    /// Assignments by supervising office, then status.
    pub by_bureau: BTreeMap<String, BTreeMap<String, i64>>,
}

/// Progress of a campaign within the caller's scope; `NotFound` when the caller has no part in it.
pub async fn campaign_detail(
    state: &AppState,
    p: &Principal,
    id: i64,
) -> AppResult<CampaignDetail> {
    require(p, Permission::ViewSurveys)?;
    let campaign = state.store.campaign(id).await?;
    let rows = state.store.campaign_progress(survey_scope(p), id).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut progress: BTreeMap<String, i64> = AssignmentStatus::ALL
        .iter()
        .map(|s| (s.code().to_string(), 0))
        .collect();
    let mut by_sector: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut by_bureau: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (sector, bureau, status, n) in rows {
        *progress.entry(status.code().into()).or_default() += n;
        *by_sector
            .entry(sector.code().into())
            .or_default()
            .entry(status.code().into())
            .or_default() += n;
        *by_bureau
            .entry(bureau.code().into())
            .or_default()
            .entry(status.code().into())
            .or_default() += n;
    }
    Ok(CampaignDetail {
        campaign,
        progress,
        by_sector,
        by_bureau,
    })
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignDetail), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<CampaignDetail>> {
    Ok(Json(campaign_detail(&state, ctx.principal()?, id).await?))
}

const ANSWER_COLUMNS: [&str; 11] = [
    "institution_code",
    "institution_name",
    "sector",
    "bureau",
    "status",
    "item",
    "asked",
    "value",
    "comment",
    "answered_by",
    "answered_at",
];

/// Every answer of a campaign within the caller's scope, one row per institution × question:
/// the one table behind both the CSV and the XLSX export.
async fn answer_rows(state: &AppState, p: &Principal, id: i64) -> AppResult<Vec<Vec<String>>> {
    campaign_detail(state, p, id).await?;
    let assignments = state
        .store
        .list_assignments(
            survey_scope(p),
            &AssignmentFilter {
                campaign_id: Some(id),
                ..Default::default()
            },
        )
        .await?;
    let campaign = state.store.campaign(id).await?;
    let f = state.store.framework(campaign.framework_id).await?;
    let mut rows = Vec::new();
    for a in &assignments {
        let stored = state.store.answers(a.id).await?;
        let values: std::collections::HashMap<String, AnswerValue> = stored
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        let asked: std::collections::HashSet<String> = questions(&f, respondent(a), &values)
            .iter()
            .map(|i| i.id.clone())
            .collect();
        for (_, item) in f.walk().into_iter().filter(|(_, i)| i.is_assessable()) {
            let s = stored.get(&item.id);
            let value = match s.map(|s| &s.value) {
                Some(AnswerValue::One(v)) => v.clone(),
                Some(AnswerValue::Many(v)) => v.join(";"),
                None => String::new(),
            };
            rows.push(vec![
                a.institution_code.clone(),
                a.institution_name_en.clone(),
                a.sector.0.code().to_string(),
                a.bureau.0.code().to_string(),
                a.status.0.code().to_string(),
                item.id.clone(),
                asked.contains(&item.id).to_string(),
                value,
                s.and_then(|s| s.comment.clone()).unwrap_or_default(),
                s.map(|s| s.answered_by.clone()).unwrap_or_default(),
                s.map(|s| s.answered_at.to_rfc3339()).unwrap_or_default(),
            ]);
        }
    }
    Ok(rows)
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/answers.csv", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, description = "One row per institution × item, within the caller's scope", content_type = "text/csv")), security(("bearer" = [])))]
pub async fn answers_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    let rows = answer_rows(&state, ctx.principal()?, id).await?;
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record(ANSWER_COLUMNS);
    for r in &rows {
        let _ = w.write_record(r);
    }
    let body = w.into_inner().unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mamori-answers.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/answers.xlsx", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, description = "The same table as answers.csv, as a workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), security(("bearer" = [])))]
pub async fn answers_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    let rows = answer_rows(&state, ctx.principal()?, id).await?;
    let bytes = mamori_excel::table("Answers", &ANSWER_COLUMNS, &rows)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mamori-answers.xlsx\"".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendInput {
    /// The new deadline, YYYY-MM-DD, later than the current one.
    #[schema(value_type = String)]
    pub due_on: NaiveDate,
}

/// Grants an extension: a later deadline for one institution.
pub async fn extend_for(
    state: &AppState,
    p: &Principal,
    id: i64,
    due_on: NaiveDate,
) -> AppResult<()> {
    let (a, _) = assignment_for(state, p, id, AssignmentAction::Review).await?;
    if due_on <= a.due_on {
        return Err(AppError::Validation(vec![FieldError::new(
            "due_on",
            "invalid.extension_not_later",
        )
        .with_value(&a.due_on.to_string())]));
    }
    if !a.status.0.is_open_for_answers() {
        return Err(AppError::Validation(vec![FieldError::new(
            "status",
            "invalid.transition",
        )
        .with_value(a.status.0.code())]));
    }
    Ok(state
        .store
        .extend_assignment(&Actor::from(p), &a, due_on)
        .await?)
}

#[utoipa::path(post, path = "/api/v1/assignments/{id}/extend", tag = "surveys", params(("id" = i64, Path)), request_body = ExtendInput,
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn extend(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiJson(input): ApiJson<ExtendInput>,
) -> AppResult<StatusCode> {
    extend_for(&state, ctx.principal()?, id, input.due_on).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    pub campaign: Option<i64>,
    /// not_started, draft, submitted, returned or accepted.
    pub status: Option<String>,
    /// Only those past their deadline and not submitted.
    pub overdue: Option<bool>,
    /// The `next` value of the previous page.
    pub cursor: Option<String>,
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
}

/// A page of assignments.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Assignment>,
    pub next: Option<String>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/assignments", tag = "surveys", params(AssignmentQuery),
    responses((status = 200, body = AssignmentPage, description = "Assignments within the caller's scope, a page at a time"), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn assignments(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AssignmentQuery>,
) -> AppResult<Json<AssignmentPage>> {
    let p = ctx.principal()?;
    require(p, Permission::ViewSurveys)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(AssignmentStatus::from_code(s).ok_or_else(|| {
            AppError::Validation(vec![
                FieldError::new("status", "invalid.unknown_code").with_value(s)
            ])
        })?),
        None => None,
    };
    if q.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        return Err(AppError::Validation(vec![FieldError::new(
            "limit",
            "invalid.limit",
        )]));
    }
    let filter = AssignmentFilter {
        campaign_id: q.campaign,
        status,
        overdue_on: q
            .overdue
            .filter(|o| *o)
            .map(|_| chrono::Utc::now().date_naive()),
    };
    let page = mamori_store::PageRequest {
        limit: q.limit.unwrap_or(100),
        cursor: q.cursor.filter(|c| !c.is_empty()),
    };
    let page = state
        .store
        .page_assignments(survey_scope(p), &filter, &page)
        .await?;
    Ok(Json(AssignmentPage {
        items: page.items,
        next: page.next,
        total: page.total,
    }))
}

/// An assignment with its questions, answers and scores.
#[derive(Debug, Serialize, ToSchema)]
pub struct Questionnaire {
    #[schema(value_type = Object)]
    pub assignment: Assignment,
    /// Items asked of this institution given its answers so far.
    pub questions: Vec<String>,
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, mamori_store::campaigns::StoredAnswer>,
    #[schema(value_type = Object)]
    pub scores: Scores,
}

#[utoipa::path(get, path = "/api/v1/assignments/{id}", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, body = Questionnaire), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn assignment(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<Questionnaire>> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Read).await?;
    let values = answer_values(&state, &a).await?;
    let questions = questions(&f, respondent(&a), &values)
        .iter()
        .map(|i| i.id.clone())
        .collect();
    let scores = scores(&state, &a, &f).await?;
    let answers = state.store.answers(a.id).await?;
    Ok(Json(Questionnaire {
        assignment: a,
        questions,
        answers,
        scores,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersInput {
    pub answers: Vec<AnswerInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusOutput {
    #[schema(value_type = String)]
    pub status: AssignmentStatus,
}

#[utoipa::path(put, path = "/api/v1/assignments/{id}/answers", tag = "surveys", params(("id" = i64, Path)), request_body = AnswersInput,
    responses((status = 200, body = StatusOutput), (status = 403, body = Problem), (status = 422, body = Problem, description = "Every bad answer; nothing was saved")),
    security(("bearer" = [])))]
pub async fn put_answers(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiJson(input): ApiJson<AnswersInput>,
) -> AppResult<Json<StatusOutput>> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Answer).await?;
    if input.answers.len() > 5000 {
        return Err(AppError::Validation(vec![FieldError::new(
            "answers",
            "invalid.too_long",
        )]));
    }
    let status = apply(&state, p, &a, &f, Transition::Save, &input.answers, None).await?;
    Ok(Json(StatusOutput { status }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    #[serde(default)]
    pub comment: Option<String>,
}

async fn transition(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    t: Transition,
    comment: Option<String>,
) -> AppResult<Json<StatusOutput>> {
    let p = ctx.principal()?;
    let action = if t == Transition::Submit {
        AssignmentAction::Answer
    } else {
        AssignmentAction::Review
    };
    let (a, f) = assignment_for(state, p, id, action).await?;
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(AppError::Validation(vec![FieldError::new(
            "comment",
            "invalid.too_long",
        )]));
    }
    let status = apply(state, p, &a, &f, t, &[], comment.as_deref()).await?;
    Ok(Json(StatusOutput { status }))
}

#[utoipa::path(post, path = "/api/v1/assignments/{id}/submit", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, body = StatusOutput), (status = 422, body = Problem, description = "Unanswered questions, or not in a state to submit")), security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<StatusOutput>> {
    transition(&state, &ctx, id, Transition::Submit, None).await
}

#[utoipa::path(post, path = "/api/v1/assignments/{id}/return", tag = "surveys", params(("id" = i64, Path)), request_body = CommentInput,
    responses((status = 200, body = StatusOutput), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn return_(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiJson(input): ApiJson<CommentInput>,
) -> AppResult<Json<StatusOutput>> {
    transition(&state, &ctx, id, Transition::Return, input.comment).await
}

#[utoipa::path(post, path = "/api/v1/assignments/{id}/accept", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, body = StatusOutput), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<StatusOutput>> {
    transition(&state, &ctx, id, Transition::Accept, None).await
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn xlsx_response(bytes: Vec<u8>, id: i64) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"mamori-questionnaire-{id}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/assignments/{id}/questionnaire.xlsx", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, description = "The questionnaire as .xlsx with current answers", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn questionnaire_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Read).await?;
    let bytes =
        crate::surveys::questionnaire_xlsx(&state, &a, &f, ctx.lang == crate::i18n::Lang::Ja)
            .await?;
    Ok(xlsx_response(bytes, id))
}

#[utoipa::path(put, path = "/api/v1/assignments/{id}/questionnaire.xlsx", tag = "surveys", params(("id" = i64, Path)),
    request_body(content = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "A questionnaire downloaded from mamori, filled in"),
    responses((status = 200, body = StatusOutput), (status = 415, body = Problem), (status = 422, body = Problem, description = "Every bad cell, by sheet and cell; nothing was saved")),
    security(("bearer" = [])))]
pub async fn put_questionnaire_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<StatusOutput>> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Answer).await?;
    let ok = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(XLSX));
    if !ok {
        return Err(AppError::UnsupportedMediaType);
    }
    let status = crate::surveys::import_xlsx(&state, p, &a, &f, &body).await?;
    Ok(Json(StatusOutput { status }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reminded {
    pub reminded: usize,
}

/// Reminds every overdue institution of a campaign that the caller supervises.
pub async fn remind_for(state: &AppState, p: &Principal, id: i64) -> AppResult<usize> {
    campaign_detail(state, p, id).await?;
    require(p, Permission::ReviewSurveys)?;
    let overdue = overdue_assignments(state, p, id).await?;
    let mine: Vec<Assignment> = overdue
        .into_iter()
        .filter(|a| {
            mamori_domain::policy::check_assignment(p, AssignmentAction::Review, a.policy_ref())
                .is_ok()
        })
        .collect();
    Ok(state.store.remind(&Actor::from(p), &mine).await?)
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/remind", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, body = Reminded), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn remind(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<Reminded>> {
    Ok(Json(Reminded {
        reminded: remind_for(&state, ctx.principal()?, id).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/assignments/{id}/evidence", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, description = "Evidence files attached to the assignment's answers"), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<Vec<mamori_store::campaigns::Evidence>>> {
    let (a, _) = assignment_for(&state, ctx.principal()?, id, AssignmentAction::Read).await?;
    Ok(Json(state.store.list_evidence(a.id).await?))
}

/// Sends an evidence file as an attachment, never to be rendered by the browser.
pub async fn evidence_download(
    state: &AppState,
    p: &Principal,
    id: i64,
    evidence_id: i64,
) -> AppResult<Response> {
    let (a, _) = assignment_for(state, p, id, AssignmentAction::Read).await?;
    let (meta, data) = state.store.evidence_file(a.id, evidence_id).await?;
    let ascii: String = meta
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = meta
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, meta.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        data,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/assignments/{id}/evidence/{evidence_id}", tag = "surveys", params(("id" = i64, Path), ("evidence_id" = i64, Path)),
    responses((status = 200, description = "The file, as an attachment"), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn evidence_file(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam((id, evidence_id)): PathParam<(i64, i64)>,
) -> AppResult<Response> {
    evidence_download(&state, ctx.principal()?, id, evidence_id).await
}

/// The overdue assignments of a campaign within the caller's scope.
pub async fn overdue_assignments(
    state: &AppState,
    p: &Principal,
    id: i64,
) -> AppResult<Vec<Assignment>> {
    let filter = AssignmentFilter {
        campaign_id: Some(id),
        status: None,
        overdue_on: Some(chrono::Utc::now().date_naive()),
    };
    Ok(state
        .store
        .list_assignments(survey_scope(p), &filter)
        .await?)
}

/// Closes a campaign: no more answers or transitions. Only for those who manage campaigns.
pub async fn close_for(state: &AppState, p: &Principal, id: i64) -> AppResult<()> {
    require(p, Permission::ManageCampaigns)?;
    let campaign = state.store.campaign(id).await?;
    if campaign.status != "open" {
        return Err(AppError::Validation(vec![FieldError::new(
            "campaign",
            "invalid.campaign_closed",
        )]));
    }
    Ok(state.store.close_campaign(&Actor::from(p), id).await?)
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/close", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<StatusCode> {
    close_for(&state, ctx.principal()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
