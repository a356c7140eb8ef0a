//! Mutual-aid pages: the shared objects a member may read (search, filters, paging), posting
//! advisories and indicators, STIX import and export, one object with its versions and
//! sightings, revocation, and the trial policy. Every read goes through `api::sharing`,
//! which asks the TLP policy.

use crate::api::sharing::{
    change_trial_policy, detail_of, import_bundle, list_views, new_advisory, new_indicator,
    publish_one, report_sighting, scope_of, set_revoked, Addressing, NewAdvisoryBody,
    NewIndicatorBody, ObjectsQuery, SharedView, SightingBody, TrialPolicyBody,
};
use crate::context::{ApiQuery, Ctx, PathParam, UiForm};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::sharing::ImportDefaults;
use crate::ui::layout::{csrf_field, field_errors, notice, page, Section};
use crate::AppState;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use mamori_domain::policy::{check_sharing, Principal, SharingAction};
use mamori_domain::sharing::{Severity, TrialPolicy};
use mamori_domain::validation::FieldError;
use mamori_domain::{IsacMembership, Role, Tlp};
use mamori_scan::indicator::Kind;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

fn tlp_badge(l: Lang, tlp: &str) -> Markup {
    let t_ = Tlp::from_code(tlp).unwrap_or(Tlp::Red);
    html! { span class=(format!("tlp tlp-{}", t_.code())) title=(t(l, &format!("tlp.explain.{}", t_.code()))) { (t_.label()) } }
}

fn source_cell(l: Lang, v: &SharedView) -> Markup {
    html! {
        @match &v.source {
            Some(s) => {
                (if l == Lang::Ja { &s.name_ja } else { &s.name_en })
                @if v.anonymous { " " span.muted { "(" (t(l, "sharing.posted_anonymously")) ")" } }
            }
            None => span.muted { (t(l, "sharing.anonymous_member")) },
        }
    }
}

/// Who the reader is in the community, in one sentence.
fn standing(l: Lang, p: &Principal, trial: &TrialPolicy) -> String {
    if p.role == Role::IsacAnalyst {
        return t(l, "sharing.standing.staff").to_string();
    }
    match (p.role.is_institution_role(), p.isac_membership) {
        (true, IsacMembership::Full) => t(l, "sharing.standing.full").to_string(),
        (true, IsacMembership::Trial) => tf(
            l,
            "sharing.standing.trial",
            &[("tlp", trial.max_tlp.label())],
        ),
        _ => t(l, "sharing.standing.outside").to_string(),
    }
}

fn query_string(q: &ObjectsQuery) -> String {
    let mut parts: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("type", &q.stix_type),
        ("kind", &q.kind),
        ("tlp", &q.tlp),
        ("q", &q.q),
        ("value", &q.value),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push((k, v.to_string()));
        }
    }
    if q.active == Some(true) {
        parts.push(("active", "true".into()));
    }
    serde_urlencoded::to_string(parts).unwrap_or_default()
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    pub objects: ObjectsQuery,
    pub notice: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let l = ctx.lang;
    let (scope, trial) = scope_of(&state, p).await?;
    let (filter, page_req) = q.objects.parse()?;
    let list = list_views(&state, scope, &filter, &page_req).await?;
    let may_post = check_sharing(p, SharingAction::Post, &trial).is_ok();
    let qs = query_string(&q.objects);
    let sel = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    let body = html! {
        (notice(l, q.notice.as_deref()))
        p #standing { (standing(l, p, &trial)) }
        p.actions {
            @if may_post { a.button href="/mutual-aid/new" { (t(l, "sharing.post")) } " " }
            a.button href=(format!("/mutual-aid/export.stix.json?{qs}")) download { (t(l, "sharing.export")) } " "
            a href="/mutual-aid/policy" { (t(l, "sharing.trial_policy")) } " · "
            a href="/taxii2/" { "TAXII 2.1" }
        }
        form.filters method="get" action="/mutual-aid" role="search" {
            label { (t(l, "sharing.filter.type")) " "
                select name="type" {
                    option value="" { (t(l, "filter.any")) }
                    @for ty in ["indicator", "report", "observed-data"] {
                        option value=(ty) selected[sel(&q.objects.stix_type, ty)] { (t(l, &format!("stix.type.{ty}"))) }
                    }
                }
            }
            label { (t(l, "sharing.filter.kind")) " "
                select name="kind" {
                    option value="" { (t(l, "filter.any")) }
                    @for k in Kind::ALL {
                        option value=(k.code()) selected[sel(&q.objects.kind, k.code())] { (t(l, &format!("indicator.kind.{}", k.code()))) }
                    }
                }
            }
            label { "TLP " select name="tlp" {
                option value="" { (t(l, "filter.any")) }
                @for tl in Tlp::ALL { option value=(tl.code()) selected[sel(&q.objects.tlp, tl.code())] { (tl.label()) } }
            } }
            label { (t(l, "sharing.filter.q")) " " input type="search" name="q" value=(q.objects.q.clone().unwrap_or_default()); }
            label {
                (t(l, "sharing.filter.value")) " "
                input type="search" name="value" value=(q.objects.value.clone().unwrap_or_default());
            }
            label { input type="checkbox" name="active" value="true" checked[q.objects.active == Some(true)]; " " (t(l, "sharing.filter.active")) }
            button type="submit" { (t(l, "filter.apply")) }
        }
        p #count {
            @if list.total_capped { (tf(l, "sharing.count_more", &[("n", &list.total.to_string())])) }
            @else { (tf(l, "sharing.count", &[("n", &list.total.to_string())])) }
        }
        @if list.items.is_empty() {
            p.empty { (t(l, "sharing.empty")) }
        } @else {
            table #shared {
                thead { tr {
                    th scope="col" { "TLP" }
                    th scope="col" { (t(l, "sharing.col.title")) }
                    th scope="col" { (t(l, "sharing.col.value")) }
                    th scope="col" { (t(l, "sharing.col.severity")) }
                    th scope="col" { (t(l, "sharing.col.confidence")) }
                    th scope="col" { (t(l, "sharing.col.source")) }
                    th scope="col" { (t(l, "sharing.col.sighted")) }
                    th scope="col" { (t(l, "sharing.col.added")) }
                } }
                tbody {
                    @for v in &list.items {
                        tr class=[v.revoked.then_some("revoked")] {
                            td { (tlp_badge(l, &v.tlp)) }
                            td {
                                span.muted { (t(l, &format!("stix.type.{}", v.stix_type))) } " "
                                a href=(format!("/mutual-aid/objects/{}", v.stix_id)) { (title_of(l, v)) }
                                @if v.revoked { " " strong { (t(l, "sharing.revoked")) } }
                            }
                            td { @if let Some(k) = &v.kind { span.muted { (t(l, &format!("indicator.kind.{k}"))) } " " } code { (v.value.clone().unwrap_or_default()) } }
                            td { @if let Some(s) = &v.severity { (t(l, &format!("severity.{s}"))) } }
                            td { @if let Some(c) = v.confidence { (c) } }
                            td { (source_cell(l, v)) }
                            td { (v.sighted_by) }
                            td { (v.added_at.format("%Y-%m-%d")) }
                        }
                    }
                }
            }
            @if let Some(next) = &list.next {
                p { a rel="next" href=(format!("/mutual-aid?{qs}&cursor={next}")) { (t(l, "list.next")) } }
            }
        }
    };
    Ok(page(&ctx, t(l, "nav.mutual_aid"), Section::MutualAid, body))
}

/// The title in the reader's language (advisories carry both).
fn title_of(l: Lang, v: &SharedView) -> String {
    if l == Lang::Ja {
        if let Some(ja) = v.stix.get("x_mamori_name_ja").and_then(Value::as_str) {
            return ja.to_string();
        }
    }
    v.title.clone()
}

/// The addressing fields of a form, as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddressingForm {
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub audience: Option<String>,
    /// Codes, separated by commas, spaces or lines.
    #[serde(default)]
    pub organisations: String,
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub anonymous: Option<String>,
}

fn split(s: &str) -> Vec<String> {
    s.split([',', ' ', '\n', '\r', '\t', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl AddressingForm {
    fn addressing(&self) -> Addressing {
        Addressing {
            tlp: self.tlp.clone(),
            audience: self.audience.clone(),
            organisations: split(&self.organisations),
            people: split(&self.people),
            anonymous: self.anonymous.is_some(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct IndicatorForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub valid_until: String,
    #[serde(flatten)]
    pub addressing: AddressingForm,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AdvisoryForm {
    #[serde(default)]
    pub title_ja: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub body_ja: String,
    #[serde(default)]
    pub body_en: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub affected_products: String,
    #[serde(default)]
    pub indicators: String,
    #[serde(flatten)]
    pub addressing: AddressingForm,
}

fn addressing_fields(l: Lang, prefix: &str, a: &AddressingForm) -> Markup {
    let tlp = if a.tlp.is_empty() {
        "green"
    } else {
        a.tlp.as_str()
    };
    html! {
        fieldset {
            legend { (t(l, "sharing.addressing")) }
            label for=(format!("{prefix}-tlp")) { "TLP" }
            select id=(format!("{prefix}-tlp")) name="tlp" {
                @for tl in Tlp::ALL {
                    option value=(tl.code()) selected[tl.code() == tlp] { (tl.label()) " — " (t(l, &format!("tlp.explain.{}", tl.code()))) }
                }
            }
            label for=(format!("{prefix}-audience")) { (t(l, "sharing.audience")) }
            select id=(format!("{prefix}-audience")) name="audience" {
                option value="community" selected[a.audience.as_deref() != Some("listed")] { (t(l, "sharing.audience.community")) }
                option value="listed" selected[a.audience.as_deref() == Some("listed")] { (t(l, "sharing.audience.listed")) }
            }
            label for=(format!("{prefix}-orgs")) { (t(l, "sharing.recipient_organisations")) }
            input id=(format!("{prefix}-orgs")) name="organisations" value=(a.organisations) placeholder="RB-0001, FSA";
            label for=(format!("{prefix}-people")) { (t(l, "sharing.recipient_people")) }
            input id=(format!("{prefix}-people")) name="people" value=(a.people);
            label { input type="checkbox" name="anonymous" value="1" checked[a.anonymous.is_some()]; " " (t(l, "sharing.anonymous")) }
        }
    }
}

fn new_form(
    ctx: &Ctx,
    ind: &IndicatorForm,
    adv: &AdvisoryForm,
    errors: &[FieldError],
    which: &str,
) -> Markup {
    let l = ctx.lang;
    html! {
        p { (t(l, "sharing.post.intro")) }
        section aria-labelledby="h-indicator" {
            h2 #h-indicator { (t(l, "sharing.new_indicator")) }
            @if which == "indicator" { (field_errors(l, errors)) }
            form.stack #indicator-form method="post" action="/mutual-aid/indicators" {
                (csrf_field(ctx))
                label for="i-kind" { (t(l, "sharing.filter.kind")) }
                select #i-kind name="kind" {
                    @for k in Kind::ALL { option value=(k.code()) selected[ind.kind == k.code()] { (t(l, &format!("indicator.kind.{}", k.code()))) } }
                }
                label for="i-value" { (t(l, "sharing.col.value")) }
                input #i-value name="value" required value=(ind.value);
                label for="i-name" { (t(l, "sharing.name")) }
                input #i-name name="name" value=(ind.name);
                label for="i-description" { (t(l, "sharing.description")) }
                textarea #i-description name="description" rows="3" { (ind.description) }
                label for="i-confidence" { (t(l, "sharing.col.confidence")) " (0–100)" }
                input #i-confidence name="confidence" type="number" min="0" max="100" value=(ind.confidence);
                label for="i-until" { (t(l, "sharing.valid_until")) }
                input #i-until name="valid_until" type="date" value=(ind.valid_until);
                (addressing_fields(l, "i", &ind.addressing))
                button type="submit" { (t(l, "sharing.share")) }
            }
        }
        section aria-labelledby="h-advisory" {
            h2 #h-advisory { (t(l, "sharing.new_advisory")) }
            @if which == "advisory" { (field_errors(l, errors)) }
            form.stack #advisory-form method="post" action="/mutual-aid/advisories" {
                (csrf_field(ctx))
                label for="a-title-ja" { (t(l, "sharing.title_ja")) }
                input #a-title-ja name="title_ja" required value=(adv.title_ja) lang="ja";
                label for="a-title-en" { (t(l, "sharing.title_en")) }
                input #a-title-en name="title_en" required value=(adv.title_en) lang="en";
                label for="a-body-ja" { (t(l, "sharing.body_ja")) }
                textarea #a-body-ja name="body_ja" rows="4" required lang="ja" { (adv.body_ja) }
                label for="a-body-en" { (t(l, "sharing.body_en")) }
                textarea #a-body-en name="body_en" rows="4" required lang="en" { (adv.body_en) }
                label for="a-severity" { (t(l, "sharing.col.severity")) }
                select #a-severity name="severity" {
                    @for s in Severity::ALL { option value=(s.code()) selected[adv.severity == s.code()] { (t(l, &format!("severity.{}", s.code()))) } }
                }
                label for="a-products" { (t(l, "sharing.affected_products")) }
                input #a-products name="affected_products" value=(adv.affected_products);
                label for="a-indicators" { (t(l, "sharing.advisory_indicators")) }
                input #a-indicators name="indicators" value=(adv.indicators);
                (addressing_fields(l, "a", &adv.addressing))
                button type="submit" { (t(l, "sharing.share")) }
            }
        }
        section aria-labelledby="h-import" {
            h2 #h-import { (t(l, "sharing.import")) }
            @if which == "import" { (field_errors(l, errors)) }
            form.stack #import-form method="post" action=(format!("/mutual-aid/import?csrf={}", ctx.csrf)) enctype="multipart/form-data" {
                label for="s-file" { (t(l, "sharing.import.file")) }
                input #s-file type="file" name="file" accept=".json,application/json" required;
                label for="s-tlp" { (t(l, "sharing.import.default_tlp")) }
                select #s-tlp name="tlp" {
                    option value="" { (t(l, "sharing.import.refuse_unmarked")) }
                    @for tl in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict] { option value=(tl.code()) { (tl.label()) } }
                }
                label { input type="checkbox" name="anonymous" value="1"; " " (t(l, "sharing.anonymous")) }
                button type="submit" { (t(l, "sharing.import.submit")) }
            }
        }
    }
}

fn new_response(
    ctx: &Ctx,
    ind: &IndicatorForm,
    adv: &AdvisoryForm,
    errors: &[FieldError],
    which: &str,
) -> Response {
    let mut res = page(
        ctx,
        t(ctx.lang, "sharing.post"),
        Section::MutualAid,
        new_form(ctx, ind, adv, errors, which),
    );
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// Publishes what a form built and shows it, or shows the form again with its errors.
async fn shared_or_form(
    state: &AppState,
    p: &Principal,
    built: AppResult<mamori_domain::sharing::NewShared>,
    form: impl FnOnce(&[FieldError]) -> Response,
) -> AppResult<Response> {
    match built {
        Ok(n) => {
            let v = publish_one(state, p, n).await?;
            let to = format!("/mutual-aid/objects/{}?notice=notice.shared", v.stix_id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Validation(errors)) => Ok(form(&errors)),
        Err(e) => Err(e),
    }
}

async fn require_post(state: &AppState, p: &Principal) -> AppResult<()> {
    let trial = state.store.trial_policy().await?;
    Ok(check_sharing(p, SharingAction::Post, &trial)?)
}

pub async fn new_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    require_post(&state, p).await?;
    let ind = IndicatorForm {
        confidence: "50".into(),
        ..Default::default()
    };
    Ok(new_response(&ctx, &ind, &AdvisoryForm::default(), &[], ""))
}

fn end_of_day(s: &str) -> Result<Option<DateTime<Utc>>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(&format!("{s} 23:59:59"), "%Y-%m-%d %H:%M:%S")
        .map(|d| Some(d.and_utc()))
        .map_err(|_| FieldError::new("valid_until", "invalid.date").with_value(s))
}

pub async fn post_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(f): UiForm<IndicatorForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    require_post(&state, p).await?;
    let mut errors = Vec::new();
    let confidence = match f.confidence.trim() {
        "" => None,
        c => match c.parse::<i64>() {
            Ok(c) => Some(c),
            Err(_) => {
                errors.push(FieldError::new("confidence", "invalid.confidence"));
                None
            }
        },
    };
    let valid_until = end_of_day(&f.valid_until).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let body = NewIndicatorBody {
        kind: f.kind.clone(),
        value: f.value.clone(),
        name: text(&f.name),
        description: text(&f.description),
        confidence,
        valid_from: None,
        valid_until,
        addressing: f.addressing.addressing(),
    };
    let result = match errors.is_empty() {
        true => new_indicator(&state, &body).await,
        false => Err(AppError::Validation(errors)),
    };
    let form = |errors: &[FieldError]| {
        new_response(&ctx, &f, &AdvisoryForm::default(), errors, "indicator")
    };
    shared_or_form(&state, p, result, form).await
}

pub async fn post_advisory(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(f): UiForm<AdvisoryForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    require_post(&state, p).await?;
    let body = NewAdvisoryBody {
        title_ja: f.title_ja.clone(),
        title_en: f.title_en.clone(),
        body_ja: f.body_ja.clone(),
        body_en: f.body_en.clone(),
        severity: f.severity.clone(),
        affected_products: f
            .affected_products
            .split([',', '、'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        indicators: split(&f.indicators),
        addressing: f.addressing.addressing(),
    };
    let form = |errors: &[FieldError]| {
        new_response(&ctx, &IndicatorForm::default(), &f, errors, "advisory")
    };
    shared_or_form(&state, p, new_advisory(&state, &body).await, form).await
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    require_post(&state, p).await?;
    let l = ctx.lang;
    let mut multipart = multipart.map_err(|_| AppError::UnsupportedMediaType)?;
    let (mut file, mut tlp, mut anonymous) = (None, None, false);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("invalid_form", "error.invalid_form"))?
    {
        match field.name() {
            Some("file") => {
                let ok = field
                    .file_name()
                    .is_some_and(|n| n.to_ascii_lowercase().ends_with(".json"));
                if !ok {
                    let errors = [FieldError::new("file", "invalid.json_type")];
                    let mut res = new_response(
                        &ctx,
                        &IndicatorForm::default(),
                        &AdvisoryForm::default(),
                        &errors,
                        "import",
                    );
                    *res.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
                    return Ok(res);
                }
                file = Some(field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?);
            }
            Some("tlp") => tlp = Tlp::from_code(field.text().await.unwrap_or_default().trim()),
            Some("anonymous") => anonymous = true,
            _ => {}
        }
    }
    let Some(bytes) = file else {
        let errors = [FieldError::new("file", "invalid.required")];
        return Ok(new_response(
            &ctx,
            &IndicatorForm::default(),
            &AdvisoryForm::default(),
            &errors,
            "import",
        ));
    };
    let outcome = match crate::context::parse_json::<Value>(&bytes) {
        Ok(doc) => import_bundle(&state, p, &doc, ImportDefaults { tlp, anonymous }).await,
        Err(e) => Err(AppError::Validation(vec![FieldError::new(
            "file",
            "stix.not_a_bundle",
        )
        .with_value(&e.detail(l))])),
    };
    match outcome {
        Ok(r) => {
            let body = html! {
                p.notice role="status" #import-result {
                    (tf(l, "sharing.import.done", &[("stored", &r.stored.to_string()), ("unchanged", &r.unchanged.to_string()), ("sightings", &r.sightings.to_string())]))
                }
                p { a href="/mutual-aid" { (t(l, "nav.mutual_aid")) } }
            };
            Ok(page(&ctx, t(l, "sharing.import"), Section::MutualAid, body))
        }
        Err(AppError::Validation(errors)) => Ok(new_response(
            &ctx,
            &IndicatorForm::default(),
            &AdvisoryForm::default(),
            &errors,
            "import",
        )),
        Err(AppError::BadRequest { detail, .. }) => {
            let errors = [FieldError::new("file", &detail)];
            Ok(new_response(
                &ctx,
                &IndicatorForm::default(),
                &AdvisoryForm::default(),
                &errors,
                "import",
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub notice: Option<String>,
}

fn detail_page(
    ctx: &Ctx,
    d: &crate::api::sharing::SharedDetail,
    errors: &[FieldError],
    notice_key: Option<&str>,
) -> Response {
    let l = ctx.lang;
    let v = &d.object;
    let s = &v.stix;
    let lang_text = |ja: &str, en: &str| -> Option<String> {
        let key = if l == Lang::Ja { ja } else { en };
        s.get(key)
            .or_else(|| s.get(en))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let body = html! {
        (notice(l, notice_key))
        (field_errors(l, errors))
        p { (tlp_badge(l, &v.tlp)) " " span.muted { (t(l, &format!("stix.type.{}", v.stix_type))) } @if v.revoked { " " strong #revoked-flag { (t(l, "sharing.revoked")) } } }
        p.muted { (t(l, &format!("tlp.explain.{}", v.tlp))) }
        dl {
            dt { (t(l, "sharing.col.source")) } dd #source { (source_cell(l, v)) }
            @if let Some(k) = &v.kind { dt { (t(l, "sharing.filter.kind")) } dd { (t(l, &format!("indicator.kind.{k}"))) } }
            @if let Some(val) = &v.value { dt { (t(l, "sharing.col.value")) } dd { code #value { (val) } } }
            @if let Some(sev) = &v.severity { dt { (t(l, "sharing.col.severity")) } dd { (t(l, &format!("severity.{sev}"))) } }
            @if let Some(c) = v.confidence { dt { (t(l, "sharing.col.confidence")) } dd { (c) } }
            @if let Some(f) = v.valid_from { dt { (t(l, "sharing.valid_from")) } dd { (f.format("%Y-%m-%d %H:%M UTC")) } }
            @if let Some(u) = v.valid_until { dt { (t(l, "sharing.valid_until")) } dd { (u.format("%Y-%m-%d %H:%M UTC")) } }
            dt { (t(l, "sharing.col.sighted")) } dd #sighted-by { (tf(l, "sharing.sighted_by", &[("n", &v.sighted_by.to_string())])) }
            @if let Some(r) = &d.recipients {
                dt { (t(l, "sharing.recipients")) }
                dd #recipients {
                    @if r.is_empty() { (t(l, "sharing.audience.community")) } @else { (r.join(", ")) }
                }
            }
        }
        @if let Some(text) = lang_text("x_mamori_description_ja", "description") {
            section { h2 { (t(l, "sharing.description")) } p.prose { (text) } }
        }
        @if let Some(products) = s.get("x_mamori_affected_products").and_then(Value::as_array).filter(|p| !p.is_empty()) {
            section { h2 { (t(l, "sharing.affected_products")) } ul { @for pr in products { li { (pr.as_str().unwrap_or("")) } } } }
        }
        section aria-labelledby="h-sightings" {
            h2 #h-sightings { (t(l, "sharing.sightings")) }
            @if d.sightings.is_empty() {
                p.empty { (t(l, "sharing.sightings.none_visible")) }
            } @else {
                table #sightings {
                    thead { tr { th { (t(l, "sharing.col.source")) } th { (t(l, "sharing.count_seen")) } th { (t(l, "sharing.first_seen")) } th { (t(l, "sharing.last_seen")) } th { (t(l, "sharing.false_positive")) } } }
                    tbody { @for si in &d.sightings { tr {
                        td { @if let Some(o) = &si.organisation { (if l == Lang::Ja { &o.name_ja } else { &o.name_en }) } }
                        td { (si.count) } td { (jst(si.first_seen)) } td { (jst(si.last_seen)) }
                        td { (t(l, if si.false_positive { "common.yes" } else { "common.no" })) }
                    } } }
                }
            }
            @if d.may_sight && !v.revoked {
                form.stack #sighting-form method="post" action=(format!("/mutual-aid/objects/{}/sightings", v.stix_id)) {
                    (csrf_field(ctx))
                    h3 { (t(l, "sharing.report_sighting")) }
                    label for="s-count" { (t(l, "sharing.count_seen")) }
                    input #s-count name="count" type="number" min="1" value="1" required;
                    label for="s-first" { (t(l, "sharing.first_seen")) }
                    input #s-first name="first_seen" type="datetime-local" required;
                    label for="s-last" { (t(l, "sharing.last_seen")) }
                    input #s-last name="last_seen" type="datetime-local" required;
                    label { input type="checkbox" name="false_positive" value="1"; " " (t(l, "sharing.false_positive")) }
                    button type="submit" { (t(l, "sharing.report_sighting")) }
                }
            }
        }
        section aria-labelledby="h-versions" {
            h2 #h-versions { (t(l, "sharing.versions")) }
            ol #versions { @for ver in &d.versions { li { code { (ver.version) } " — " (ver.added_at.format("%Y-%m-%d %H:%M")) @if ver.revoked { " (" (t(l, "sharing.revoked")) ")" } } } }
        }
        @if d.may_revoke {
            form.stack #revoke-form method="post" action=(format!("/mutual-aid/objects/{}/revoke", v.stix_id)) {
                (csrf_field(ctx))
                @if v.revoked {
                    input type="hidden" name="revoked" value="false";
                    button type="submit" { (t(l, "sharing.restore")) }
                } @else {
                    input type="hidden" name="revoked" value="true";
                    label { input type="checkbox" name="confirm" value="1" required; " " (t(l, "sharing.revoke.confirm")) }
                    button.danger type="submit" { (t(l, "sharing.revoke")) }
                }
            }
        }
        details { summary { "STIX 2.1" } pre #stix { (serde_json::to_string_pretty(s).unwrap_or_default()) } }
    };
    let title = if l == Lang::Ja {
        s.get("x_mamori_name_ja")
            .and_then(Value::as_str)
            .unwrap_or(&v.title)
            .to_string()
    } else {
        v.title.clone()
    };
    let mut res = page(ctx, &title, Section::MutualAid, body);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(stix_id): PathParam<String>,
    ApiQuery(q): ApiQuery<DetailQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let d = detail_of(&state, p, &stix_id).await?;
    Ok(detail_page(&ctx, &d, &[], q.notice.as_deref()))
}

#[derive(Debug, Default, Deserialize)]
pub struct SightingForm {
    #[serde(default)]
    pub count: String,
    #[serde(default)]
    pub first_seen: String,
    #[serde(default)]
    pub last_seen: String,
    #[serde(default)]
    pub false_positive: Option<String>,
}

/// A time as the sighting form takes it: Japan time, to the minute.
fn jst(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(9))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn local_time(field: &str, s: &str, errors: &mut Vec<FieldError>) -> DateTime<Utc> {
    // The browser sends the time without a zone; the form says it is Japan time.
    let parsed = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S"));
    match parsed {
        Ok(d) => (d - chrono::Duration::hours(9)).and_utc(),
        Err(_) => {
            errors.push(FieldError::new(field, "invalid.date").with_value(s));
            Utc::now()
        }
    }
}

pub async fn post_sighting(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(stix_id): PathParam<String>,
    UiForm(f): UiForm<SightingForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    require_post(&state, p).await?;
    let mut errors = Vec::new();
    let count = f.count.trim().parse::<i64>().unwrap_or_else(|_| {
        errors.push(FieldError::new("count", "invalid.count"));
        0
    });
    let first_seen = local_time("first_seen", &f.first_seen, &mut errors);
    let last_seen = local_time("last_seen", &f.last_seen, &mut errors);
    let result = if errors.is_empty() {
        report_sighting(
            &state,
            p,
            &stix_id,
            &SightingBody {
                count,
                first_seen,
                last_seen,
                false_positive: f.false_positive.is_some(),
            },
        )
        .await
    } else {
        Err(AppError::Validation(errors))
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/mutual-aid/objects/{stix_id}?notice=notice.sighting"
        ))
        .into_response()),
        Err(AppError::Validation(errors)) => {
            let d = detail_of(&state, p, &stix_id).await?;
            Ok(detail_page(&ctx, &d, &errors, None))
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub revoked: String,
    #[serde(default)]
    pub confirm: Option<String>,
}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(stix_id): PathParam<String>,
    UiForm(f): UiForm<RevokeForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let revoked = f.revoked != "false";
    if revoked && f.confirm.is_none() {
        let d = detail_of(&state, p, &stix_id).await?;
        if !d.may_revoke {
            return Err(AppError::Forbidden);
        }
        return Ok(detail_page(
            &ctx,
            &d,
            &[FieldError::new("confirm", "invalid.confirm")],
            None,
        ));
    }
    set_revoked(&state, p, &stix_id, revoked).await?;
    let key = if revoked {
        "notice.revoked"
    } else {
        "notice.restored"
    };
    Ok(Redirect::to(&format!("/mutual-aid/objects/{stix_id}?notice={key}")).into_response())
}

fn policy_form(
    ctx: &Ctx,
    current: &TrialPolicy,
    editable: bool,
    errors: &[FieldError],
    notice_key: Option<&str>,
) -> Response {
    let l = ctx.lang;
    let body = html! {
        (notice(l, notice_key))
        (field_errors(l, errors))
        p { (t(l, "sharing.trial_policy.intro")) }
        form.stack #policy-form method="post" action="/mutual-aid/policy" {
            (csrf_field(ctx))
            fieldset disabled[!editable] {
                label for="p-max" { (t(l, "sharing.trial_policy.max_tlp")) }
                select #p-max name="max_tlp" {
                    @for tl in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict] {
                        option value=(tl.code()) selected[tl == current.max_tlp] { (tl.label()) }
                    }
                }
                label { input type="checkbox" name="may_post" value="1" checked[current.may_post]; " " (t(l, "sharing.trial_policy.may_post")) }
                label { input type="checkbox" name="may_use_taxii" value="1" checked[current.may_use_taxii]; " " (t(l, "sharing.trial_policy.may_use_taxii")) }
                @if editable { button type="submit" { (t(l, "common.save")) } }
            }
            @if !editable { p.muted { (t(l, "sharing.trial_policy.isac_only")) } }
        }
    };
    let mut res = page(ctx, t(l, "sharing.trial_policy"), Section::MutualAid, body);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub async fn policy_page(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<DetailQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let current = state.store.trial_policy().await?;
    let editable = check_sharing(p, SharingAction::Curate, &current).is_ok();
    Ok(policy_form(
        &ctx,
        &current,
        editable,
        &[],
        q.notice.as_deref(),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    pub max_tlp: String,
    #[serde(default)]
    pub may_post: Option<String>,
    #[serde(default)]
    pub may_use_taxii: Option<String>,
}

pub async fn policy_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(f): UiForm<PolicyForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let body = TrialPolicyBody {
        max_tlp: f.max_tlp.clone(),
        may_post: f.may_post.is_some(),
        may_use_taxii: f.may_use_taxii.is_some(),
    };
    match change_trial_policy(&state, p, &body).await {
        Ok(_) => Ok(Redirect::to("/mutual-aid/policy?notice=notice.saved").into_response()),
        Err(AppError::Validation(errors)) => {
            let current = state.store.trial_policy().await?;
            Ok(policy_form(&ctx, &current, true, &errors, None))
        }
        Err(e) => Err(e),
    }
}
