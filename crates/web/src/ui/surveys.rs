//! Survey pages: campaigns and frameworks, the questionnaire, review.

use crate::api::surveys::{campaign_detail, create_campaign_for, CampaignInput};
use crate::context::{ApiQuery, Ctx, PathParam, UiForm};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::surveys::{answer_values, apply, assignment_for, respondent, scores, AnswerInput};
use crate::ui::layout::{csrf_field, field_errors, notice, page, Section};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use mamori_domain::policy::{allows, check_assignment, survey_scope, AssignmentAction, Permission};
use mamori_domain::validation::FieldError;
use mamori_domain::{Bureau, Sector, SizeTier};
use mamori_store::campaigns::{AssignmentFilter, CampaignTarget};
use mamori_survey::answer::{questions, AnswerValue};
use mamori_survey::assignment::AssignmentStatus;
use mamori_survey::framework::{AnswerType, Item, Text};
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::HashMap;

fn text(l: Lang, t: &Text) -> &str {
    t.get(l == Lang::Ja)
}

fn status_label(l: Lang, s: AssignmentStatus) -> &'static str {
    t(
        l,
        match s {
            AssignmentStatus::NotStarted => "status.not_started",
            AssignmentStatus::Draft => "status.draft",
            AssignmentStatus::Submitted => "status.submitted",
            AssignmentStatus::Returned => "status.returned",
            AssignmentStatus::Accepted => "status.accepted",
        },
    )
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let l = ctx.lang;
    let frameworks = state.store.list_frameworks().await?;
    let view = allows(p, Permission::ViewSurveys);
    let campaigns = if view {
        state.store.list_campaigns(survey_scope(p)).await?
    } else {
        Vec::new()
    };
    let mine = if view && p.role.is_institution_role() {
        state
            .store
            .list_assignments(survey_scope(p), &AssignmentFilter::default())
            .await?
    } else {
        Vec::new()
    };
    let today = chrono::Utc::now().date_naive();
    let body = html! {
        (notice(l, q.notice.as_deref()))
        @if p.role.is_institution_role() {
            h2 { (t(l, "surveys.my_assignments")) }
            @if mine.is_empty() { p.muted { (t(l, "surveys.no_assignments")) } } @else {
                table id="assignments" {
                    thead { tr { th scope="col" { (t(l, "surveys.campaign")) } th scope="col" { (t(l, "surveys.status")) } th scope="col" { (t(l, "surveys.due")) } } }
                    tbody {
                        @for a in &mine {
                            tr {
                                td { a href=(format!("/surveys/assignments/{}", a.id)) { (a.campaign_name) } }
                                td { (status_label(l, a.status.0)) @if a.is_overdue(today) { " · " strong { (t(l, "surveys.overdue")) } } }
                                td { (a.due_on) }
                            }
                        }
                    }
                }
            }
        }
        @if view && !p.role.is_institution_role() {
            h2 { (t(l, "surveys.campaigns")) }
            @if allows(p, Permission::ManageCampaigns) { p { a href="/surveys/campaigns/new" id="new-campaign" { (t(l, "surveys.new_campaign")) } } }
            @if campaigns.is_empty() { p.muted { (t(l, "surveys.no_campaigns")) } } @else {
                table id="campaigns" {
                    thead { tr { th scope="col" { (t(l, "field.name")) } th scope="col" { (t(l, "surveys.framework")) } th scope="col" { (t(l, "surveys.opens")) } th scope="col" { (t(l, "surveys.due")) } th scope="col" { (t(l, "surveys.status")) } } }
                    tbody {
                        @for c in &campaigns {
                            tr {
                                td { a href=(format!("/surveys/campaigns/{}", c.id)) { (c.name) } }
                                td { (c.framework_key) " " (c.framework_version) }
                                td { (c.opens_on) } td { (c.due_on) }
                                td { (t(l, if c.status == "open" { "surveys.open" } else { "surveys.closed" })) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "surveys.frameworks")) }
        @if frameworks.is_empty() { p.muted { (t(l, "surveys.no_frameworks")) } } @else {
            table id="frameworks" {
                thead { tr { th scope="col" { (t(l, "field.name")) } th scope="col" { (t(l, "surveys.version")) } th.num scope="col" { (t(l, "surveys.questions")) } } }
                tbody {
                    @for f in &frameworks {
                        tr {
                            td { a href=(format!("/surveys/frameworks/{}", f.id)) { (if l == Lang::Ja { f.name_ja.as_deref().unwrap_or(&f.name) } else { &f.name }) } }
                            td { (f.key) " " (f.version) }
                            td.num { (f.assessable_items) }
                        }
                    }
                }
            }
        }
        div.soon role="status" { p { (t(l, "surveys.not_yet")) } }
    };
    Ok(page(&ctx, t(l, "nav.surveys"), Section::Surveys, body))
}

fn item_tree(l: Lang, items: &[Item]) -> Markup {
    html! {
        ul {
            @for i in items {
                li {
                    strong { (i.id) } " " (text(l, &i.title))
                    @if let Some(q) = &i.question { @if q.en != i.title.en { br; span.muted { (text(l, q)) } } }
                    @if let Some(tier) = i.tier { " · " em { (t(l, match tier { mamori_survey::Tier::Basic => "tier_measure.basic", mamori_survey::Tier::Recommended => "tier_measure.recommended" })) } }
                    @if !i.maps_to.is_empty() { " · " span.muted { (i.maps_to.join(", ")) } }
                    @if !i.items.is_empty() { (item_tree(l, &i.items)) }
                }
            }
        }
    }
}

pub async fn framework(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    ctx.principal()?;
    let l = ctx.lang;
    let f = state.store.framework(id).await?;
    let body = html! {
        p { (f.key) " " (f.version) " · " (tf(l, "surveys.question_count", &[("count", &f.assessable_items().to_string())])) }
        @if let Some(d) = &f.description { p { (text(l, d)) } }
        @if let Some(s) = &f.source { p.muted { (t(l, "surveys.source")) " " a href=(s) { (s) } } }
        @if l == Lang::Ja && f.walk().iter().any(|(_, i)| i.title.ja.is_none()) { p.muted { (t(l, "surveys.english_only")) } }
        (item_tree(l, &f.items))
    };
    Ok(page(&ctx, text(l, &f.name), Section::Surveys, body))
}

#[derive(Deserialize, Default, Clone)]
pub struct CampaignForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    framework_id: String,
    #[serde(default)]
    instructions: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    sector: Vec<String>,
    #[serde(default)]
    bureau: Vec<String>,
    #[serde(default)]
    size_tier: Vec<String>,
}

async fn campaign_form(
    state: &AppState,
    ctx: &Ctx,
    f: &CampaignForm,
    errors: &[FieldError],
) -> AppResult<Response> {
    let l = ctx.lang;
    let frameworks = state.store.list_frameworks().await?;
    let check = |name: &'static str, code: &'static str, label: String, chosen: &[String]| {
        html! { label { input type="checkbox" name=(name) value=(code) checked[chosen.iter().any(|c| c == code)]; " " (label) } }
    };
    let body = html! {
        (field_errors(l, errors))
        form.stack method="post" action="/surveys/campaigns/new" {
            (csrf_field(ctx))
            label for="c-name" { (t(l, "field.name")) }
            input id="c-name" name="name" required maxlength="200" value=(f.name);
            label for="c-framework" { (t(l, "surveys.framework")) }
            select id="c-framework" name="framework_id" required {
                @for fw in &frameworks { option value=(fw.id) selected[f.framework_id == fw.id.to_string()] { (fw.name) " " (fw.version) } }
            }
            label for="c-opens" { (t(l, "surveys.opens")) }
            input id="c-opens" name="opens_on" type="date" required value=(f.opens_on);
            label for="c-due" { (t(l, "surveys.due")) }
            input id="c-due" name="due_on" type="date" required value=(f.due_on);
            label for="c-instructions" { (t(l, "surveys.instructions")) }
            textarea id="c-instructions" name="instructions" rows="3" maxlength="4000" { (f.instructions) }
            fieldset { legend { (t(l, "field.sector")) " " span.muted { (t(l, "surveys.target_help")) } }
                @for s in Sector::ALL { (check("sector", s.code(), t(l, &format!("sector.{}", s.code())).to_string(), &f.sector)) " " } }
            fieldset { legend { (t(l, "field.bureau")) }
                @for b in Bureau::ALL { (check("bureau", b.code(), t(l, &format!("bureau.{}", b.code())).to_string(), &f.bureau)) " " } }
            fieldset { legend { (t(l, "field.size_tier")) }
                @for s in SizeTier::ALL { (check("size_tier", s.code(), t(l, &format!("tier.{}", s.code())).to_string(), &f.size_tier)) " " } }
            button type="submit" id="create-campaign" { (t(l, "surveys.create")) }
        }
    };
    let mut res = page(ctx, t(l, "surveys.new_campaign"), Section::Surveys, body);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn new_campaign(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ManageCampaigns) {
        return Err(AppError::Forbidden);
    }
    campaign_form(&state, &ctx, &CampaignForm::default(), &[]).await
}

/// Parses a form whose fields repeat (check boxes): serde_urlencoded cannot collect them.
fn form_pairs(body: &[(String, String)]) -> CampaignForm {
    let mut f = CampaignForm::default();
    for (k, v) in body {
        match k.as_str() {
            "name" => f.name = v.clone(),
            "framework_id" => f.framework_id = v.clone(),
            "instructions" => f.instructions = v.clone(),
            "opens_on" => f.opens_on = v.clone(),
            "due_on" => f.due_on = v.clone(),
            "sector" => f.sector.push(v.clone()),
            "bureau" => f.bureau.push(v.clone()),
            "size_tier" => f.size_tier.push(v.clone()),
            _ => {}
        }
    }
    f
}

pub async fn create_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ManageCampaigns) {
        return Err(AppError::Forbidden);
    }
    let f = form_pairs(&pairs);
    let mut errors = Vec::new();
    let date = |field: &str, v: &str, errors: &mut Vec<FieldError>| match NaiveDate::parse_from_str(
        v, "%Y-%m-%d",
    ) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, "invalid.date"));
            None
        }
    };
    let opens = date("opens_on", &f.opens_on, &mut errors);
    let due = date("due_on", &f.due_on, &mut errors);
    let framework_id = f.framework_id.parse::<i64>().ok();
    if framework_id.is_none() {
        errors.push(FieldError::new("framework_id", "invalid.unknown_framework"));
    }
    let mut target = CampaignTarget::default();
    for s in &f.sector {
        match Sector::from_code(s) {
            Some(s) => target.sectors.push(s),
            None => errors.push(FieldError::new("sector", "invalid.unknown_code").with_value(s)),
        }
    }
    for b in &f.bureau {
        match Bureau::from_code(b) {
            Some(b) => target.bureaus.push(b),
            None => errors.push(FieldError::new("bureau", "invalid.unknown_code").with_value(b)),
        }
    }
    for s in &f.size_tier {
        match SizeTier::from_code(s) {
            Some(s) => target.size_tiers.push(s),
            None => errors.push(FieldError::new("size_tier", "invalid.unknown_code").with_value(s)),
        }
    }
    let (Some(opens_on), Some(due_on), Some(framework_id), true) =
        (opens, due, framework_id, errors.is_empty())
    else {
        return campaign_form(&state, &ctx, &f, &errors).await;
    };
    let input = CampaignInput {
        name: f.name.clone(),
        framework_id,
        instructions: Some(f.instructions.clone()),
        opens_on,
        due_on,
        target,
    };
    match create_campaign_for(&state, p, input).await {
        Ok(created) => Ok(Redirect::to(&format!(
            "/surveys/campaigns/{}?notice=notice.created",
            created.campaign.id
        ))
        .into_response()),
        Err(AppError::Validation(errors)) => campaign_form(&state, &ctx, &f, &errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct CampaignQuery {
    notice: Option<String>,
    status: Option<String>,
    overdue: Option<String>,
}

/// Institutions listed at most on the campaign page; filters narrow the list.
const LISTED: usize = 200;

pub async fn campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let l = ctx.lang;
    let d = campaign_detail(&state, p, id).await?;
    let today = chrono::Utc::now().date_naive();
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(AssignmentStatus::from_code(s).ok_or_else(|| {
            AppError::Validation(vec![
                FieldError::new("status", "invalid.unknown_code").with_value(s)
            ])
        })?),
        None => None,
    };
    let overdue_only = q.overdue.as_deref() == Some("1");
    let filter = AssignmentFilter {
        campaign_id: Some(id),
        status,
        overdue_on: overdue_only.then_some(today),
    };
    let assignments = state
        .store
        .list_assignments(survey_scope(p), &filter)
        .await?;
    let overdue = crate::api::surveys::overdue_assignments(&state, p, id)
        .await?
        .len();
    let breakdown = |title: &str,
                     prefix: &str,
                     rows: &std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, i64>,
    >| {
        html! {
            h2 { (title) }
            table {
                thead { tr { th scope="col" { "" } @for s in AssignmentStatus::ALL { th.num scope="col" { (status_label(l, s)) } } } }
                tbody {
                    @for (k, counts) in rows {
                        tr { th scope="row" { (t(l, &format!("{prefix}.{k}"))) } @for s in AssignmentStatus::ALL { td.num { (counts.get(s.code()).copied().unwrap_or(0)) } } }
                    }
                }
            }
        }
    };
    let body = html! {
        (notice(l, q.notice.as_deref()))
        p { (d.campaign.framework_key) " " (d.campaign.framework_version) " · " (t(l, "surveys.opens")) " " (d.campaign.opens_on) " · " (t(l, "surveys.due")) " " (d.campaign.due_on) }
        @if let Some(i) = &d.campaign.instructions { p { (i) } }
        p id="progress" {
            @for s in AssignmentStatus::ALL { (status_label(l, s)) ": " (d.progress.get(s.code()).copied().unwrap_or(0)) " · " }
            (t(l, "surveys.overdue")) ": " (overdue)
            @if overdue > 0 && allows(p, Permission::ReviewSurveys) {
                " "
                form.inline method="post" action=(format!("/surveys/campaigns/{id}/remind")) {
                    (csrf_field(&ctx))
                    button.secondary type="submit" id="remind" { (t(l, "surveys.remind")) }
                }
            }
            " · " a href=(format!("/api/v1/campaigns/{id}/answers.csv")) { (t(l, "surveys.download_answers")) }
            " · " a href=(format!("/api/v1/campaigns/{id}/answers.xlsx")) { (t(l, "surveys.download_answers_xlsx")) }
        }
        @if d.campaign.status == "open" && allows(p, Permission::ManageCampaigns) {
            form.inline method="post" action=(format!("/surveys/campaigns/{id}/close")) {
                (csrf_field(&ctx))
                label { input type="checkbox" name="confirm" value="yes" required; " " (t(l, "surveys.close_confirm")) }
                " "
                button.danger type="submit" id="close-campaign" { (t(l, "surveys.close")) }
            }
        }
        (breakdown(t(l, "surveys.by_sector"), "sector", &d.by_sector))
        (breakdown(t(l, "surveys.by_bureau"), "bureau", &d.by_bureau))
        h2 { (t(l, "surveys.assignments")) }
        form.filters method="get" action=(format!("/surveys/campaigns/{id}")) {
            label for="f-status" { (t(l, "surveys.status")) select id="f-status" name="status" {
                option value="" { (t(l, "filter.any")) }
                @for s in AssignmentStatus::ALL { option value=(s.code()) selected[status == Some(s)] { (status_label(l, s)) } }
            } }
            label { input type="checkbox" name="overdue" value="1" checked[overdue_only]; " " (t(l, "surveys.overdue_only")) }
            button type="submit" { (t(l, "filter.apply")) }
        }
        p { (tf(l, "surveys.listed", &[("shown", &assignments.len().min(LISTED).to_string()), ("total", &assignments.len().to_string())])) }
        table id="assignments" {
            thead { tr { th scope="col" { (t(l, "field.code")) } th scope="col" { (t(l, "field.name")) } th scope="col" { (t(l, "surveys.status")) } th scope="col" { (t(l, "surveys.due")) } } }
            tbody {
                @for a in assignments.iter().take(LISTED) {
                    tr {
                        td { (a.institution_code) }
                        td { a href=(format!("/surveys/assignments/{}", a.id)) { (if l == Lang::Ja { &a.institution_name_ja } else { &a.institution_name_en }) } }
                        td { (status_label(l, a.status.0)) @if a.is_overdue(today) { " · " strong { (t(l, "surveys.overdue")) } } }
                        td { (a.due_on) }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, &d.campaign.name, Section::Surveys, body))
}

fn answer_input(
    l: Lang,
    i: &Item,
    levels: &[Text],
    current: Option<&AnswerValue>,
    editable: bool,
) -> Markup {
    let name = format!("a:{}", i.id);
    let id = format!("a-{}", i.id);
    let one = current.and_then(AnswerValue::as_one).unwrap_or("");
    let radio = |value: &str, label: &str| {
        html! { label { input type="radio" name=(name) value=(value) checked[one == value] disabled[!editable]; " " (label) } " " }
    };
    match &i.answer {
        Some(AnswerType::YesPartialNo) => html! {
            (radio("yes", t(l, "answer.yes"))) (radio("partial", t(l, "answer.partial"))) (radio("no", t(l, "answer.no"))) (radio("not_applicable", t(l, "answer.not_applicable")))
        },
        Some(AnswerType::MaturityLevel) => html! {
            @for (n, lv) in levels.iter().enumerate() { (radio(&(n + 1).to_string(), text(l, lv))) }
        },
        Some(AnswerType::SingleChoice { options }) => html! {
            @for o in options { (radio(&o.id, text(l, &o.label))) }
        },
        Some(AnswerType::MultipleChoice { options }) => {
            let picked: Vec<String> = match current {
                Some(AnswerValue::Many(v)) => v.clone(),
                Some(AnswerValue::One(v)) => vec![v.clone()],
                None => Vec::new(),
            };
            html! { @for o in options { label { input type="checkbox" name=(name) value=(o.id) checked[picked.contains(&o.id)] disabled[!editable]; " " (text(l, &o.label)) } " " } }
        }
        Some(AnswerType::Number { .. }) => {
            html! { input id=(id) name=(name) type="number" step="any" value=(one) disabled[!editable]; }
        }
        Some(AnswerType::Date) => {
            html! { input id=(id) name=(name) type="date" value=(one) disabled[!editable]; }
        }
        Some(AnswerType::Text) | None => {
            html! { textarea id=(id) name=(name) rows="2" maxlength="4000" disabled[!editable] { (one) } }
        }
    }
}

pub async fn assignment(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Read).await?;
    render_assignment(&state, &ctx, a, f, q.notice.as_deref(), &[], None).await
}

async fn render_assignment(
    state: &AppState,
    ctx: &Ctx,
    a: mamori_store::campaigns::Assignment,
    f: mamori_survey::Framework,
    notice_key: Option<&str>,
    errors: &[FieldError],
    pending: Option<&HashMap<String, (AnswerValue, Option<String>)>>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let l = ctx.lang;
    let stored = state.store.answers(a.id).await?;
    let mut values = answer_values(state, &a).await?;
    if let Some(pending) = pending {
        for (k, (v, _)) in pending {
            values.insert(k.clone(), v.clone());
        }
    }
    let asked = questions(&f, respondent(&a), &values);
    let asked_ids: std::collections::HashSet<&str> = asked.iter().map(|i| i.id.as_str()).collect();
    let can_answer = check_assignment(p, AssignmentAction::Answer, a.policy_ref()).is_ok()
        && a.status.0.is_open_for_answers();
    let can_review = check_assignment(p, AssignmentAction::Review, a.policy_ref()).is_ok()
        && a.status.0 == AssignmentStatus::Submitted;
    let sc = scores(state, &a, &f).await?;
    let events = state.store.assignment_events(a.id).await?;
    let evidence = state.store.list_evidence(a.id).await?;
    let walk = f.walk();
    let title_of = |id: &str| {
        walk.iter()
            .find(|(_, i)| i.id == id)
            .map(|(_, i)| text(l, &i.title).to_string())
            .unwrap_or_default()
    };
    let body = html! {
        (notice(l, notice_key))
        (field_errors(l, errors))
        p {
            (if l == Lang::Ja { &a.institution_name_ja } else { &a.institution_name_en }) " · "
            (t(l, "surveys.status")) ": " strong id="status" { (status_label(l, a.status.0)) } " · "
            (t(l, "surveys.due")) " " (a.due_on) " · "
            (tf(l, "surveys.answered_of", &[("answered", &sc.answered.to_string()), ("asked", &sc.asked.to_string())]))
        }
        @if a.status.0.is_open_for_answers() {
            @if let Some(r) = events.iter().rev().find(|e| e.action == "remind") {
                p.notice role="status" id="reminder" { (tf(l, "surveys.reminded_on", &[("when", &r.at.format("%Y-%m-%d").to_string()), ("due", &a.due_on.to_string())])) }
            }
        }
        @if let Some(last_return) = events.iter().rev().find(|e| e.action == "return") {
            @if a.status.0 == AssignmentStatus::Returned {
                p.error role="alert" id="return-comment" { (t(l, "surveys.returned_because")) " " (last_return.comment.as_deref().unwrap_or("")) }
            }
        }
        h2 { (t(l, "surveys.scores")) }
        p id="compliance" { (t(l, "surveys.compliance")) ": " (pct(sc.compliance)) }
        table {
            thead { tr { th scope="col" { (t(l, "surveys.domain")) } th.num scope="col" { (t(l, "surveys.compliance")) } th.num scope="col" { (t(l, "surveys.counted")) } } }
            tbody { @for d in &sc.domains { tr { td { (title_of(&d.id)) } td.num { (pct(d.compliance)) } td.num { (d.counted) } } } }
        }
        p.muted { (t(l, "surveys.scoring_rule")) }
        h2 { (t(l, "surveys.questions")) }
        form method="post" action=(format!("/surveys/assignments/{}", a.id)) {
            (csrf_field(ctx))
            ol.questions {
                @for (_, i) in walk.iter().filter(|(_, i)| i.is_assessable() && asked_ids.contains(i.id.as_str())) {
                    @let current = pending.and_then(|p| p.get(&i.id).map(|(v, _)| v)).or(stored.get(&i.id).map(|s| &s.value));
                    @let comment = pending.and_then(|p| p.get(&i.id).and_then(|(_, c)| c.clone())).or(stored.get(&i.id).and_then(|s| s.comment.clone()));
                    li id=(format!("q-{}", i.id)) {
                        fieldset {
                            legend { strong { (i.id) } " " (text(l, i.question.as_ref().unwrap_or(&i.title))) }
                            @if let Some(g) = &i.guidance { p.muted { (text(l, g)) } }
                            (answer_input(l, i, &f.levels, current, can_answer))
                            @if let Some(score) = mamori_survey::scoring::item_score(i, stored.get(&i.id).map(|s| &s.value)) {
                                " " small.muted.score { (tf(l, "surveys.item_score", &[("score", &format!("{score:.2}")), ("weight", &format!("{}", i.weight))])) }
                            }
                            @if can_answer || comment.is_some() {
                                br;
                                label { (t(l, "surveys.comment")) " " input name=(format!("c:{}", i.id)) value=(comment.unwrap_or_default()) maxlength="2000" disabled[!can_answer]; }
                            }
                            @if let Some(s) = stored.get(&i.id) { br; small.muted { (tf(l, "surveys.answered_by", &[("who", &s.answered_by), ("when", &s.answered_at.format("%Y-%m-%d %H:%M UTC").to_string())])) } }
                        }
                    }
                }
            }
            @if can_answer {
                button type="submit" name="action" value="save" id="save-draft" { (t(l, "surveys.save")) } " "
                button type="submit" name="action" value="submit" id="submit-answers" { (t(l, "surveys.submit")) }
            }
        }
        h2 { (t(l, "surveys.evidence")) }
        @if evidence.is_empty() { p.muted { (t(l, "surveys.no_evidence")) } } @else {
            table id="evidence" {
                thead { tr { th scope="col" { (t(l, "surveys.question")) } th scope="col" { (t(l, "field.file")) } th.num scope="col" { (t(l, "surveys.size")) } th scope="col" { (t(l, "audit.actor")) } } }
                tbody { @for e in &evidence { tr {
                    td { (e.item_id) }
                    td { a href=(format!("/surveys/assignments/{}/evidence/{}", a.id, e.id)) { (e.filename) } }
                    td.num { (format!("{:.1} KB", e.size as f64 / 1024.0)) }
                    td { (e.uploaded_by) " " (e.uploaded_at.format("%Y-%m-%d")) }
                } } }
            }
        }
        @if can_answer {
            form.stack method="post" action=(format!("/surveys/assignments/{}/evidence?csrf={}", a.id, ctx.csrf)) enctype="multipart/form-data" {
                label for="ev-item" { (t(l, "surveys.question")) }
                select id="ev-item" name="item" { @for q in &asked { option value=(q.id) { (q.id) " " (text(l, &q.title)) } } }
                label for="ev-file" { (t(l, "field.file")) }
                input id="ev-file" name="file" type="file" required accept=".pdf,.png,.jpg,.jpeg,.xlsx,.docx,.pptx,.txt,.csv";
                small.muted { (t(l, "surveys.evidence_help")) }
                button.secondary type="submit" id="upload-evidence" { (t(l, "surveys.attach")) }
            }
        }
        h2 { (t(l, "surveys.excel")) }
        p { a href=(format!("/surveys/assignments/{}/questionnaire.xlsx", a.id)) id="download-xlsx" { (t(l, "surveys.download_xlsx")) } }
        @if can_answer {
            form.stack method="post" action=(format!("/surveys/assignments/{}/upload?csrf={}", a.id, ctx.csrf)) enctype="multipart/form-data" {
                label for="xlsx" { (t(l, "surveys.upload_xlsx")) }
                input id="xlsx" name="file" type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
                small.muted { (t(l, "surveys.upload_help")) }
                button type="submit" id="upload-xlsx" { (t(l, "surveys.upload")) }
            }
        }
        @if can_review {
            h2 { (t(l, "surveys.review")) }
            form.stack method="post" action=(format!("/surveys/assignments/{}/review", a.id)) {
                (csrf_field(ctx))
                label for="review-comment" { (t(l, "surveys.comment")) }
                textarea id="review-comment" name="comment" rows="3" maxlength="2000" {}
                div {
                    button.secondary type="submit" name="action" value="return" id="return" { (t(l, "surveys.return")) } " "
                    button type="submit" name="action" value="accept" id="accept" { (t(l, "surveys.accept")) }
                }
            }
        }
        @if check_assignment(p, AssignmentAction::Review, a.policy_ref()).is_ok() && a.status.0.is_open_for_answers() {
            h2 { (t(l, "surveys.extension")) }
            form.stack method="post" action=(format!("/surveys/assignments/{}/extend", a.id)) {
                (csrf_field(ctx))
                label for="due-on" { (t(l, "surveys.new_due")) }
                input id="due-on" name="due_on" type="date" required;
                button.secondary type="submit" id="extend" { (t(l, "surveys.extend")) }
            }
        }
        h2 { (t(l, "surveys.history")) }
        @if events.is_empty() { p.muted { (t(l, "surveys.no_history")) } } @else {
            table id="history" {
                thead { tr { th scope="col" { (t(l, "audit.at")) } th scope="col" { (t(l, "audit.actor")) } th scope="col" { (t(l, "audit.action")) } th scope="col" { (t(l, "surveys.comment")) } } }
                tbody { @for e in &events { tr {
                    td { (e.at.format("%Y-%m-%d %H:%M UTC")) } td { (e.actor) } td { (t(l, &format!("event.{}", e.action))) }
                    td {
                        (e.comment.as_deref().unwrap_or(""))
                        @if let Some(snapshot) = e.snapshot.as_deref().and_then(|s| serde_json::from_str::<std::collections::BTreeMap<String, serde_json::Value>>(s).ok()) {
                            details.snapshot {
                                summary { (t(l, "surveys.as_submitted")) }
                                ul { @for (item, v) in &snapshot {
                                    li { strong { (item) } ": " (snapshot_value(&v["value"]))
                                        @if let Some(c) = v["comment"].as_str() { " — " em { (c) } } }
                                } }
                            }
                        }
                    }
                } } }
            }
        }
    };
    let title = format!(
        "{} — {}",
        a.campaign_name,
        if l == Lang::Ja {
            &a.institution_name_ja
        } else {
            &a.institution_name_en
        }
    );
    let mut res = page(ctx, &title, Section::Surveys, body);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Save or submit from the questionnaire form. Fields: `a:<item>` (repeated for multiple
/// choice), `c:<item>`, and `action`.
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Answer).await?;
    let multi: std::collections::HashSet<String> = f
        .walk()
        .iter()
        .filter(|(_, i)| matches!(i.answer, Some(AnswerType::MultipleChoice { .. })))
        .map(|(_, i)| i.id.clone())
        .collect();
    let mut values: HashMap<String, AnswerValue> = HashMap::new();
    let mut comments: HashMap<String, String> = HashMap::new();
    let mut action = "save".to_string();
    for (k, v) in pairs {
        if let Some(item) = k.strip_prefix("a:") {
            if multi.contains(item) {
                match values
                    .entry(item.to_string())
                    .or_insert_with(|| AnswerValue::Many(Vec::new()))
                {
                    AnswerValue::Many(list) => list.push(v),
                    AnswerValue::One(_) => {}
                }
            } else {
                values.insert(item.to_string(), AnswerValue::One(v));
            }
        } else if let Some(item) = k.strip_prefix("c:") {
            comments.insert(item.to_string(), v);
        } else if k == "action" {
            action = v;
        }
    }
    let mut inputs: Vec<AnswerInput> = values
        .iter()
        .map(|(item, value)| AnswerInput {
            item: item.clone(),
            value: value.clone(),
            comment: comments.get(item).cloned(),
        })
        .collect();
    inputs.sort_by(|x, y| x.item.cmp(&y.item));
    let transition = match action.as_str() {
        "save" => mamori_survey::assignment::Transition::Save,
        "submit" => mamori_survey::assignment::Transition::Submit,
        _ => return Err(AppError::bad_request("invalid_form", "error.invalid_form")),
    };
    // Save first, so that a submission refused for missing answers still keeps what was typed.
    let saved = apply(
        &state,
        p,
        &a,
        &f,
        mamori_survey::assignment::Transition::Save,
        &inputs,
        None,
    )
    .await;
    let result = match (saved, transition) {
        (Ok(_), mamori_survey::assignment::Transition::Submit) => {
            apply(&state, p, &a, &f, transition, &[], None).await
        }
        (other, _) => other,
    };
    match result {
        Ok(_) => {
            let key = if transition == mamori_survey::assignment::Transition::Submit {
                "notice.submitted"
            } else {
                "notice.saved"
            };
            Ok(Redirect::to(&format!("/surveys/assignments/{id}?notice={key}")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let (a, f) = assignment_for(&state, p, id, AssignmentAction::Read).await?;
            let pending: HashMap<String, (AnswerValue, Option<String>)> = inputs
                .into_iter()
                .map(|i| (i.item, (i.value, i.comment)))
                .collect();
            render_assignment(&state, &ctx, a, f, None, &errors, Some(&pending)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    UiForm(form): UiForm<ReviewForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Review).await?;
    let transition = match form.action.as_str() {
        "return" => mamori_survey::assignment::Transition::Return,
        "accept" => mamori_survey::assignment::Transition::Accept,
        _ => return Err(AppError::bad_request("invalid_form", "error.invalid_form")),
    };
    let comment = Some(form.comment.trim()).filter(|c| !c.is_empty());
    match apply(&state, p, &a, &f, transition, &[], comment).await {
        Ok(_) => {
            let key = if form.action == "return" {
                "notice.returned"
            } else {
                "notice.accepted"
            };
            Ok(Redirect::to(&format!("/surveys/assignments/{id}?notice={key}")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            render_assignment(&state, &ctx, a, f, None, &errors, None).await
        }
        Err(e) => Err(e),
    }
}

pub async fn download_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Read).await?;
    let bytes = crate::surveys::questionnaire_xlsx(&state, &a, &f, ctx.lang == Lang::Ja).await?;
    Ok(crate::api::surveys::xlsx_response(bytes, id))
}

pub async fn upload_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Answer).await?;
    let mut multipart = multipart.map_err(|_| AppError::UnsupportedMediaType)?;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("invalid_form", "error.invalid_form"))?
    {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?);
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return render_assignment(
            &state,
            &ctx,
            a,
            f,
            None,
            &[FieldError::new("file", "invalid.required")],
            None,
        )
        .await;
    };
    match crate::surveys::import_xlsx(&state, p, &a, &f, &bytes).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/surveys/assignments/{id}?notice=notice.imported"))
                .into_response(),
        ),
        Err(AppError::Validation(errors)) => {
            let (a, f) = assignment_for(&state, p, id, AssignmentAction::Read).await?;
            render_assignment(&state, &ctx, a, f, None, &errors, None).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct ExtendForm {
    #[serde(default)]
    due_on: String,
}

pub async fn extend(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    UiForm(form): UiForm<ExtendForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let result = match NaiveDate::parse_from_str(form.due_on.trim(), "%Y-%m-%d") {
        Ok(d) => crate::api::surveys::extend_for(&state, p, id, d).await,
        Err(_) => {
            assignment_for(&state, p, id, AssignmentAction::Review).await?;
            Err(AppError::Validation(vec![FieldError::new(
                "due_on",
                "invalid.date",
            )]))
        }
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/surveys/assignments/{id}?notice=notice.extended"))
                .into_response(),
        ),
        Err(AppError::Validation(errors)) => {
            let (a, f) = assignment_for(&state, p, id, AssignmentAction::Read).await?;
            render_assignment(&state, &ctx, a, f, None, &errors, None).await
        }
        Err(e) => Err(e),
    }
}

pub async fn remind(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    let n = crate::api::surveys::remind_for(&state, ctx.principal()?, id).await?;
    let key = if n == 0 {
        "notice.nothing_to_remind"
    } else {
        "notice.reminded"
    };
    Ok(Redirect::to(&format!("/surveys/campaigns/{id}?notice={key}")).into_response())
}

pub async fn evidence_file(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam((id, evidence_id)): PathParam<(i64, i64)>,
) -> AppResult<Response> {
    crate::api::surveys::evidence_download(&state, ctx.principal()?, id, evidence_id).await
}

pub async fn upload_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let (a, f) = assignment_for(&state, p, id, AssignmentAction::Answer).await?;
    let mut multipart = multipart.map_err(|_| AppError::UnsupportedMediaType)?;
    let (mut item, mut file) = (String::new(), None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("invalid_form", "error.invalid_form"))?
    {
        match field.name() {
            Some("item") => {
                item = field
                    .text()
                    .await
                    .map_err(|_| AppError::bad_request("invalid_form", "error.invalid_form"))?
            }
            Some("file") => {
                let name = crate::surveys::clean_filename(field.file_name().unwrap_or(""));
                let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let mut errors = Vec::new();
    if !a.status.0.is_open_for_answers() {
        errors.push(FieldError::new("status", "invalid.transition").with_value(a.status.0.code()));
    }
    if !f
        .walk()
        .iter()
        .any(|(_, i)| i.is_assessable() && i.id == item)
    {
        errors.push(FieldError::new("item", "invalid.unknown_item").with_value(&item));
    }
    let checked = match &file {
        Some((name, bytes)) => crate::surveys::evidence_type(name, bytes)
            .map_err(|e| errors.push(e))
            .ok(),
        None => {
            errors.push(FieldError::new("file", "invalid.required"));
            None
        }
    };
    match (checked, file, errors.is_empty()) {
        (Some(content_type), Some((name, bytes)), true) => {
            state
                .store
                .add_evidence(
                    &mamori_store::Actor::from(p),
                    &a,
                    &item,
                    &name,
                    content_type,
                    &bytes,
                )
                .await?;
            Ok(Redirect::to(&format!(
                "/surveys/assignments/{id}?notice=notice.evidence_added"
            ))
            .into_response())
        }
        _ => render_assignment(&state, &ctx, a, f, None, &errors, None).await,
    }
}

/// An answer value from a history snapshot, as text.
fn snapshot_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    confirm: Option<String>,
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    UiForm(form): UiForm<CloseForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ManageCampaigns) {
        return Err(AppError::Forbidden);
    }
    if form.confirm.as_deref() != Some("yes") {
        return Err(AppError::Validation(vec![FieldError::new(
            "confirm",
            "invalid.confirm_required",
        )]));
    }
    crate::api::surveys::close_for(&state, p, id).await?;
    Ok(Redirect::to(&format!("/surveys/campaigns/{id}?notice=notice.closed")).into_response())
}
