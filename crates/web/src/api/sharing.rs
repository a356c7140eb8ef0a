//! Mutual aid over JSON: shared objects (list, one, post an indicator or an advisory,
//! revoke), sightings, STIX bundle import and export, and the trial policy. Every read
//! passes the TLP policy (`mamori_domain::policy::sharing_scope`).

use crate::context::{ApiJson, ApiQuery, Ctx, PathParam};
use crate::error::{AppError, AppResult, Problem};
use crate::i18n::{t, Lang};
use crate::sharing::{
    advisory_object, bundle, indicator_object, parse_object, sighting_to_stix, to_stix,
    AdvisoryText, ImportDefaults, ObjectError, Parsed,
};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use mamori_domain::policy::{
    check_sharing, may_revoke, sharing_scope, Principal, SharingAction, SharingScope,
};
use mamori_domain::sharing::{check_addressing, Audience, Severity, TrialPolicy};
use mamori_domain::validation::FieldError;
use mamori_domain::Tlp;
use mamori_scan::indicator::{check, Kind};
use mamori_store::sharing::{
    NewShared, NewSighting, Published, Publisher, SharedFilter, SharedObject, Sighting,
};
use mamori_store::{Actor, PageRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// The principal's view of mutual aid: what it may read, under the current trial policy.
pub async fn scope_of(state: &AppState, p: &Principal) -> AppResult<(SharingScope, TrialPolicy)> {
    let trial = state.store.trial_policy().await?;
    Ok((sharing_scope(p, &trial), trial))
}

pub fn publisher(p: &Principal) -> Publisher {
    Publisher {
        organisation_id: p.organisation_id,
        account_id: Some(p.account_id),
        curator: check_sharing(p, SharingAction::Curate, &TrialPolicy::default()).is_ok(),
    }
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObjectsQuery {
    /// `indicator`, `report` or `observed-data`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub stix_type: Option<String>,
    /// Indicator kind: ipv4, ipv6, cidr, domain, url, email, md5, sha1, sha256, bank_account, crypto_address.
    pub kind: Option<String>,
    /// clear, green, amber, amber_strict, red.
    pub tlp: Option<String>,
    /// Text in the title or the value (a scan; slow on very large stores).
    pub q: Option<String>,
    /// An indicator value exactly (as compared: lower-case hosts and hashes); indexed.
    pub value: Option<String>,
    /// Only objects valid now and not revoked.
    pub active: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A value as the store compares it, by its shape (what an analyst pastes).
fn exact_value(v: &str) -> String {
    let v = v.trim();
    let kind = if v.contains("://") {
        Kind::Url
    } else if v.contains('@') {
        Kind::Email
    } else if v.contains('/') {
        Kind::Cidr
    } else if v.parse::<std::net::Ipv4Addr>().is_ok() {
        Kind::Ipv4
    } else if v.parse::<std::net::Ipv6Addr>().is_ok() {
        Kind::Ipv6
    } else if v.len() >= 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Kind::Sha256
    } else if v.contains('.') {
        Kind::Domain
    } else {
        return v.to_string();
    };
    // Hashes of any length compare in lower case, as `check` gives them.
    if kind == Kind::Sha256 {
        return v.to_ascii_lowercase();
    }
    check(kind, v).unwrap_or_else(|_| v.to_string())
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ObjectsQuery {
    pub fn parse(&self) -> AppResult<(SharedFilter, PageRequest)> {
        let mut errors = Vec::new();
        if let Some(t) = nonempty(&self.stix_type) {
            if !["indicator", "report", "observed-data"].contains(&t) {
                errors.push(FieldError::new("type", "invalid.unknown_code").with_value(t));
            }
        }
        if let Some(k) = nonempty(&self.kind) {
            if Kind::from_code(k).is_none() {
                errors.push(FieldError::new("kind", "invalid.unknown_code").with_value(k));
            }
        }
        let tlp = match nonempty(&self.tlp) {
            None => None,
            Some(s) => {
                let t = Tlp::from_code(s);
                if t.is_none() {
                    errors.push(FieldError::new("tlp", "invalid.unknown_code").with_value(s));
                }
                t
            }
        };
        let limit = self.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            errors.push(FieldError::new("limit", "invalid.limit").with_value(&limit.to_string()));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok((
            SharedFilter {
                stix_type: nonempty(&self.stix_type).map(str::to_string),
                kind: nonempty(&self.kind).map(str::to_string),
                tlp,
                q: nonempty(&self.q).map(str::to_string),
                value: nonempty(&self.value).map(exact_value),
                active_at: self.active.unwrap_or(false).then(Utc::now),
            },
            PageRequest {
                limit,
                cursor: nonempty(&self.cursor).map(str::to_string),
            },
        ))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Source {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedView {
    pub stix_id: String,
    #[serde(rename = "type")]
    pub stix_type: String,
    pub version: String,
    pub added_at: DateTime<Utc>,
    /// clear, green, amber, amber_strict or red.
    pub tlp: String,
    pub tlp_label: String,
    pub audience: String,
    pub title: String,
    pub kind: Option<String>,
    pub value: Option<String>,
    pub severity: Option<String>,
    pub confidence: Option<i64>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub revoked: bool,
    pub anonymous: bool,
    /// The source organisation; absent when the object was posted anonymously and the
    /// reader is neither its organisation nor ISAC staff.
    pub source: Option<Source>,
    /// How many organisations reported a true sighting (never which).
    pub sighted_by: i64,
    /// The STIX object as the reader may see it.
    #[schema(value_type = Object)]
    pub stix: Value,
}

pub fn view(o: &SharedObject, scope: &SharingScope, sighted_by: i64) -> SharedView {
    SharedView {
        stix_id: o.stix_id.clone(),
        stix_type: o.stix_type.clone(),
        version: o.version.clone(),
        added_at: o.added_at,
        tlp: o.tlp.code().into(),
        tlp_label: o.tlp.label().into(),
        audience: o.audience.code().into(),
        title: o.title.clone(),
        kind: o.kind.clone(),
        value: o.value.clone(),
        severity: o.severity.map(|s| s.code().to_string()),
        confidence: o.confidence,
        valid_from: o.valid_from,
        valid_until: o.valid_until,
        revoked: o.revoked,
        anonymous: o.anonymous,
        source: (!o.anonymous || scope.sees_source(o.author_organisation)).then(|| Source {
            code: o.author_code.clone(),
            name_ja: o.author_name_ja.clone(),
            name_en: o.author_name_en.clone(),
        }),
        sighted_by,
        stix: to_stix(o, scope),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedList {
    pub items: Vec<SharedView>,
    pub next: Option<String>,
    /// Rows matching, counted up to 10,000; see `total_capped`.
    pub total: i64,
    /// More than 10,000 rows match: `total` is a lower bound.
    pub total_capped: bool,
}

/// One page of readable objects with their sighting counts: the list page, the API and
/// the export all read through here.
pub async fn list_views(
    state: &AppState,
    scope: SharingScope,
    filter: &SharedFilter,
    page: &PageRequest,
) -> AppResult<SharedList> {
    let page = state.store.list_shared(scope, filter, page).await?;
    let ids: Vec<String> = page.items.iter().map(|o| o.stix_id.clone()).collect();
    let counts = state.store.sighting_counts(&ids).await?;
    Ok(SharedList {
        items: page
            .items
            .iter()
            .map(|o| view(o, &scope, counts.get(&o.stix_id).copied().unwrap_or(0)))
            .collect(),
        next: page.next,
        total: page.total.min(mamori_store::sharing::COUNT_CAP),
        total_capped: page.total > mamori_store::sharing::COUNT_CAP,
    })
}

#[utoipa::path(get, path = "/api/v1/sharing/objects", tag = "mutual aid", params(ObjectsQuery),
    responses((status = 200, body = SharedList), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ObjectsQuery>,
) -> AppResult<Json<SharedList>> {
    let p = ctx.principal()?;
    let (scope, _) = scope_of(&state, p).await?;
    let (filter, page) = q.parse()?;
    Ok(Json(list_views(&state, scope, &filter, &page).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SightingView {
    pub stix_id: String,
    /// Present only for those who may see who sighted: the indicator's source and ISAC staff.
    pub organisation: Option<Source>,
    pub count: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub false_positive: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub version: String,
    pub added_at: DateTime<Utc>,
    pub revoked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedDetail {
    pub object: SharedView,
    pub versions: Vec<VersionView>,
    /// The sightings the reader may see one by one: all of them for the source and ISAC
    /// staff, the reader's own otherwise.
    pub sightings: Vec<SightingView>,
    /// Recipients by code or user name, for the source organisation only.
    pub recipients: Option<Vec<String>>,
    pub may_revoke: bool,
    pub may_sight: bool,
}

pub async fn detail_of(state: &AppState, p: &Principal, stix_id: &str) -> AppResult<SharedDetail> {
    let (scope, trial) = scope_of(state, p).await?;
    let o = state.store.shared_object(scope, stix_id).await?;
    let versions = state.store.shared_versions(scope, stix_id).await?;
    let all = state.store.sightings_of(stix_id).await?;
    let sighted_by = state
        .store
        .sighting_counts(std::slice::from_ref(&o.stix_id))
        .await?
        .get(&o.stix_id)
        .copied()
        .unwrap_or(0);
    let sees_all = scope.sees_sighters(o.author_organisation);
    let sightings = all
        .iter()
        .filter(|s| sees_all || s.organisation_id == p.organisation_id)
        .map(|s: &Sighting| SightingView {
            stix_id: s.stix_id.clone(),
            organisation: Some(Source {
                code: s.organisation_code.clone(),
                name_ja: s.organisation_name_ja.clone(),
                name_en: s.organisation_name_en.clone(),
            }),
            count: s.count,
            first_seen: s.first_seen,
            last_seen: s.last_seen,
            false_positive: s.false_positive,
        })
        .collect();
    let recipients = if o.author_organisation == p.organisation_id {
        let r = state.store.recipients(o.id).await?;
        let mut names = Vec::new();
        for org in r.organisations {
            names.push(state.store.organisation_code(org).await?);
        }
        for acct in r.accounts {
            names.push(state.store.username_of(acct).await?);
        }
        Some(names)
    } else {
        None
    };
    Ok(SharedDetail {
        may_revoke: may_revoke(p, o.author_organisation),
        may_sight: o.stix_type == "indicator"
            && check_sharing(p, SharingAction::Post, &trial).is_ok(),
        object: view(&o, &scope, sighted_by),
        versions: versions
            .iter()
            .map(|v| VersionView {
                version: v.version.clone(),
                added_at: v.added_at,
                revoked: v.revoked,
            })
            .collect(),
        sightings,
        recipients,
    })
}

#[utoipa::path(get, path = "/api/v1/sharing/objects/{stix_id}", tag = "mutual aid", params(("stix_id" = String, Path)),
    responses((status = 200, body = SharedDetail), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(stix_id): PathParam<String>,
) -> AppResult<Json<SharedDetail>> {
    let p = ctx.principal()?;
    Ok(Json(detail_of(&state, p, &stix_id).await?))
}

/// Whom to address: organisation codes for listed AMBER / AMBER+STRICT, user names for RED.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Addressing {
    /// clear, green, amber, amber_strict or red.
    pub tlp: String,
    /// `community` (default) or `listed`.
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub organisations: Vec<String>,
    #[serde(default)]
    pub people: Vec<String>,
    /// Peers do not see the source; ISAC staff do.
    #[serde(default)]
    pub anonymous: bool,
}

/// Checks the addressing and resolves recipients. Unknown names are field errors.
pub async fn resolve_addressing(
    state: &AppState,
    a: &Addressing,
    errors: &mut Vec<FieldError>,
) -> AppResult<(Tlp, Audience, Vec<i64>, Vec<i64>)> {
    let tlp = Tlp::from_code(a.tlp.trim());
    if tlp.is_none() {
        errors.push(FieldError::new("tlp", "invalid.unknown_code").with_value(&a.tlp));
    }
    let audience = match a
        .audience
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Audience::Community,
        Some(s) => Audience::from_code(s).unwrap_or_else(|| {
            errors.push(FieldError::new("audience", "invalid.unknown_code").with_value(s));
            Audience::Community
        }),
    };
    let mut orgs = Vec::new();
    for code in a
        .organisations
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        match state.store.organisation_by_code(code).await {
            Ok((id, _)) => orgs.push(id),
            Err(mamori_store::StoreError::NotFound) => errors.push(
                FieldError::new("organisations", "invalid.unknown_organisation").with_value(code),
            ),
            Err(e) => return Err(e.into()),
        }
    }
    let mut people = Vec::new();
    for name in a.people.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match state.store.account_by_username(name).await {
            Ok(acc) => people.push(acc.id),
            Err(mamori_store::StoreError::NotFound) => {
                errors.push(FieldError::new("people", "invalid.unknown_account").with_value(name))
            }
            Err(e) => return Err(e.into()),
        }
    }
    orgs.sort_unstable();
    orgs.dedup();
    people.sort_unstable();
    people.dedup();
    let tlp = tlp.unwrap_or(Tlp::Clear);
    if errors.is_empty() {
        if let Err(key) = check_addressing(tlp, audience, orgs.len(), people.len()) {
            errors.push(FieldError::new("audience", key));
        }
    }
    Ok((tlp, audience, orgs, people))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIndicatorBody {
    pub kind: String,
    pub value: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// 0–100.
    pub confidence: Option<i64>,
    /// Default: now.
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub addressing: Addressing,
}

/// Validates a new indicator and builds what is stored: the same STIX reader as imports.
pub async fn new_indicator(state: &AppState, b: &NewIndicatorBody) -> AppResult<NewShared> {
    let mut errors = Vec::new();
    let kind = Kind::from_code(b.kind.trim());
    match kind {
        None => errors.push(FieldError::new("kind", "invalid.unknown_code").with_value(&b.kind)),
        Some(k) => {
            if let Err(e) = check(k, &b.value) {
                errors
                    .push(FieldError::new("value", "invalid.indicator_value").with_value(e.reason));
            }
        }
    }
    if b.confidence.is_some_and(|c| !(0..=100).contains(&c)) {
        errors.push(FieldError::new("confidence", "invalid.confidence"));
    }
    let now = Utc::now();
    let from = b.valid_from.unwrap_or(now);
    if b.valid_until.is_some_and(|u| u <= from) {
        errors.push(FieldError::new("valid_until", "invalid.valid_until"));
    }
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (name, description) = (text(&b.name), text(&b.description));
    if name.as_ref().is_some_and(|n| n.chars().count() > 300)
        || description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 10_000)
    {
        errors.push(FieldError::new("description", "invalid.too_long"));
    }
    let (tlp, audience, orgs, people) =
        resolve_addressing(state, &b.addressing, &mut errors).await?;
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let o = indicator_object(
        &format!("indicator--{}", crate::sharing::random_uuid()),
        kind,
        &b.value,
        name.as_deref(),
        description.as_deref(),
        b.confidence,
        from,
        b.valid_until,
        now,
    );
    finish(o, tlp, audience, orgs, people, b.addressing.anonymous)
}

fn finish(
    o: Value,
    tlp: Tlp,
    audience: Audience,
    orgs: Vec<i64>,
    people: Vec<i64>,
    anonymous: bool,
) -> AppResult<NewShared> {
    // Our own objects are unmarked until here; RED is refused in bulk, so read them as
    // GREEN and set the marking the author chose afterwards.
    match parse_object(
        &o,
        ImportDefaults {
            tlp: Some(Tlp::Green),
            anonymous,
        },
    ) {
        Ok(Parsed::Object(mut n)) => {
            n.tlp = tlp;
            n.audience = audience;
            n.recipient_organisations = orgs;
            n.recipient_accounts = people;
            Ok(*n)
        }
        Ok(_) => Err(AppError::Internal(
            "a form built something that is not an object".into(),
        )),
        Err(e) => Err(AppError::Validation(vec![
            FieldError::new("value", e.key).with_value(&e.detail)
        ])),
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdvisoryBody {
    pub title_ja: String,
    pub title_en: String,
    pub body_ja: String,
    pub body_en: String,
    /// low, medium, high or critical.
    pub severity: String,
    #[serde(default)]
    pub affected_products: Vec<String>,
    /// STIX ids of indicators the advisory refers to.
    #[serde(default)]
    pub indicators: Vec<String>,
    #[serde(flatten)]
    pub addressing: Addressing,
}

pub async fn new_advisory(state: &AppState, b: &NewAdvisoryBody) -> AppResult<NewShared> {
    let mut errors = Vec::new();
    for (field, v, max) in [
        ("title_ja", &b.title_ja, 300),
        ("title_en", &b.title_en, 300),
        ("body_ja", &b.body_ja, 20_000),
        ("body_en", &b.body_en, 20_000),
    ] {
        let n = v.trim().chars().count();
        if n == 0 {
            errors.push(FieldError::new(field, "invalid.required"));
        } else if n > max {
            errors.push(FieldError::new(field, "invalid.too_long"));
        }
    }
    let severity = Severity::from_code(b.severity.trim());
    if severity.is_none() {
        errors.push(FieldError::new("severity", "invalid.unknown_code").with_value(&b.severity));
    }
    let products: Vec<String> = b
        .affected_products
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if products.len() > 50 || products.iter().any(|p| p.chars().count() > 200) {
        errors.push(FieldError::new("affected_products", "invalid.too_long"));
    }
    let indicators: Vec<String> = b
        .indicators
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if indicators.iter().any(|i| !i.starts_with("indicator--")) {
        errors.push(FieldError::new("indicators", "invalid.indicator_ref"));
    }
    let (tlp, audience, orgs, people) =
        resolve_addressing(state, &b.addressing, &mut errors).await?;
    let (Some(severity), true) = (severity, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let o = advisory_object(
        &format!("report--{}", crate::sharing::random_uuid()),
        &AdvisoryText {
            title_ja: b.title_ja.trim(),
            title_en: b.title_en.trim(),
            body_ja: b.body_ja.trim(),
            body_en: b.body_en.trim(),
            severity,
            affected_products: &products,
            indicators: &indicators,
        },
        tlp,
        Utc::now(),
    );
    finish(o, tlp, audience, orgs, people, b.addressing.anonymous)
}

/// Publishes one object from a form or the API and answers with it as the author sees it.
pub async fn publish_one(state: &AppState, p: &Principal, n: NewShared) -> AppResult<SharedView> {
    let (scope, trial) = scope_of(state, p).await?;
    check_sharing(p, SharingAction::Post, &trial)?;
    let stix_id = n.stix_id.clone();
    state
        .store
        .publish(&Actor::from(p), publisher(p), &[n], true)
        .await?;
    let o = state.store.shared_object(scope, &stix_id).await?;
    Ok(view(&o, &scope, 0))
}

#[utoipa::path(post, path = "/api/v1/sharing/indicators", tag = "mutual aid", request_body = NewIndicatorBody,
    responses((status = 201, body = SharedView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn post_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<NewIndicatorBody>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let trial = state.store.trial_policy().await?;
    check_sharing(p, SharingAction::Post, &trial)?;
    let n = new_indicator(&state, &b).await?;
    Ok((StatusCode::CREATED, Json(publish_one(&state, p, n).await?)).into_response())
}

#[utoipa::path(post, path = "/api/v1/sharing/advisories", tag = "mutual aid", request_body = NewAdvisoryBody,
    responses((status = 201, body = SharedView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn post_advisory(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<NewAdvisoryBody>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let trial = state.store.trial_policy().await?;
    check_sharing(p, SharingAction::Post, &trial)?;
    let n = new_advisory(&state, &b).await?;
    Ok((StatusCode::CREATED, Json(publish_one(&state, p, n).await?)).into_response())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// `true` to revoke, `false` to restore.
    pub revoked: bool,
}

/// Revokes or restores an object by publishing a new version: history stays.
pub async fn set_revoked(
    state: &AppState,
    p: &Principal,
    stix_id: &str,
    revoked: bool,
) -> AppResult<SharedView> {
    let (scope, _) = scope_of(state, p).await?;
    let o = state.store.shared_object(scope, stix_id).await?;
    if !may_revoke(p, o.author_organisation) {
        return Err(AppError::Forbidden);
    }
    if o.revoked == revoked {
        return Ok(view(&o, &scope, 0));
    }
    let now = Utc::now();
    let mut version = crate::sharing::timestamp(now);
    if version <= o.version {
        // Versions must grow even when clocks disagree.
        version = crate::sharing::timestamp(
            DateTime::parse_from_rfc3339(&o.version)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now)
                + chrono::Duration::milliseconds(1),
        );
    }
    let mut body = o.body.clone();
    if let Some(m) = body.as_object_mut() {
        m.insert("modified".into(), Value::String(version.clone()));
    }
    let recipients = state.store.recipients(o.id).await?;
    let n = NewShared {
        stix_id: o.stix_id.clone(),
        stix_type: o.stix_type.clone(),
        version,
        tlp: o.tlp,
        audience: o.audience,
        anonymous: o.anonymous,
        revoked,
        kind: o.kind.clone(),
        value: o.value.clone(),
        title: o.title.clone(),
        severity: o.severity,
        confidence: o.confidence,
        valid_from: o.valid_from,
        valid_until: o.valid_until,
        body,
        recipient_organisations: recipients.organisations,
        recipient_accounts: recipients.accounts,
    };
    // The version keeps its author: revocation publishes on the author's behalf, which a
    // curator may do for anyone's object.
    let on_behalf = Publisher {
        organisation_id: o.author_organisation,
        account_id: o.author_account,
        curator: true,
    };
    state
        .store
        .publish(&Actor::from(p), on_behalf, &[n], true)
        .await?;
    let o = state.store.shared_object(scope, stix_id).await?;
    Ok(view(&o, &scope, 0))
}

#[utoipa::path(post, path = "/api/v1/sharing/objects/{stix_id}/revoke", tag = "mutual aid", params(("stix_id" = String, Path)),
    request_body = RevokeBody, responses((status = 200, body = SharedView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(stix_id): PathParam<String>,
    ApiJson(b): ApiJson<RevokeBody>,
) -> AppResult<Json<SharedView>> {
    let p = ctx.principal()?;
    Ok(Json(set_revoked(&state, p, &stix_id, b.revoked).await?))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SightingBody {
    pub count: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    #[serde(default)]
    pub false_positive: bool,
}

/// Reports a sighting of an indicator the reporter can read.
pub async fn report_sighting(
    state: &AppState,
    p: &Principal,
    stix_id: &str,
    b: &SightingBody,
) -> AppResult<String> {
    let (scope, trial) = scope_of(state, p).await?;
    let o = state.store.shared_object(scope, stix_id).await?;
    check_sharing(p, SharingAction::Post, &trial)?;
    let mut errors = Vec::new();
    if o.stix_type != "indicator" {
        errors.push(FieldError::new("indicator", "invalid.not_an_indicator"));
    }
    if !(1..=999_999_999).contains(&b.count) {
        errors.push(FieldError::new("count", "invalid.count"));
    }
    if b.last_seen < b.first_seen {
        errors.push(FieldError::new("last_seen", "invalid.last_seen"));
    }
    if b.first_seen > Utc::now() + chrono::Duration::minutes(5) {
        errors.push(FieldError::new("first_seen", "invalid.in_future"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id = format!("sighting--{}", crate::sharing::random_uuid());
    state
        .store
        .add_sighting(
            &Actor::from(p),
            p.organisation_id,
            Some(p.account_id),
            &NewSighting {
                stix_id: id.clone(),
                indicator_stix_id: stix_id.to_string(),
                count: b.count,
                first_seen: b.first_seen,
                last_seen: b.last_seen,
                false_positive: b.false_positive,
                created: Utc::now(),
            },
        )
        .await?;
    Ok(id)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub stix_id: String,
}

#[utoipa::path(post, path = "/api/v1/sharing/objects/{stix_id}/sightings", tag = "mutual aid", params(("stix_id" = String, Path)),
    request_body = SightingBody, responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn post_sighting(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(stix_id): PathParam<String>,
    ApiJson(b): ApiJson<SightingBody>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let id = report_sighting(&state, p, &stix_id, &b).await?;
    Ok((StatusCode::CREATED, Json(Created { stix_id: id })).into_response())
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The marking of objects that carry none (default: refuse them).
    pub tlp: Option<String>,
    /// Post without showing the source to peers.
    pub anonymous: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefusedObject {
    pub id: String,
    pub version: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub stored: usize,
    pub unchanged: usize,
    pub sightings: usize,
    pub described: usize,
}

pub fn refusal(l: Lang, e: &ObjectError) -> RefusedObject {
    let mut message = t(l, e.key).to_string();
    if !e.detail.is_empty() {
        message = format!(
            "{message} ({})",
            e.detail.chars().take(200).collect::<String>()
        );
    }
    RefusedObject {
        id: e.id.clone(),
        version: e.version.clone(),
        code: e.key.to_string(),
        message,
    }
}

/// The objects of a bundle, or a clear error if it is not one.
pub fn bundle_objects(v: &Value) -> AppResult<&Vec<Value>> {
    if v.get("type").and_then(Value::as_str) != Some("bundle") {
        return Err(AppError::bad_request("not_a_bundle", "stix.not_a_bundle"));
    }
    v.get("objects")
        .and_then(Value::as_array)
        .ok_or_else(|| AppError::bad_request("not_a_bundle", "stix.not_a_bundle"))
}

#[utoipa::path(post, path = "/api/v1/sharing/import", tag = "mutual aid", params(ImportQuery),
    request_body(content = Object, description = "A STIX 2.1 bundle", content_type = "application/stix+json"),
    responses((status = 200, body = ImportResult), (status = 400, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ImportQuery>,
    ApiJson(doc): ApiJson<Value>,
) -> AppResult<Json<ImportResult>> {
    let p = ctx.principal()?;
    let tlp = match q.tlp.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Tlp::from_code(s).ok_or_else(|| {
            AppError::Validation(vec![
                FieldError::new("tlp", "invalid.unknown_code").with_value(s)
            ])
        })?),
    };
    let defaults = ImportDefaults {
        tlp,
        anonymous: q.anonymous.unwrap_or(false),
    };
    Ok(Json(import_bundle(&state, p, &doc, defaults).await?))
}

/// Imports a STIX bundle, all or nothing: a bundle with a bad object changes nothing, and
/// every problem is named. The API and the upload form both come here.
pub async fn import_bundle(
    state: &AppState,
    p: &Principal,
    doc: &Value,
    defaults: ImportDefaults,
) -> AppResult<ImportResult> {
    let (scope, trial) = scope_of(state, p).await?;
    check_sharing(p, SharingAction::Post, &trial)?;
    let objects = bundle_objects(doc)?;
    let mut shared = Vec::new();
    let mut sightings = Vec::new();
    let mut described = 0;
    let mut errors = Vec::new();
    for o in objects {
        match parse_object(o, defaults) {
            Ok(Parsed::Object(n)) => shared.push(*n),
            Ok(Parsed::Sighting(s)) => sightings.push(s),
            Ok(Parsed::Described) => described += 1,
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(
            errors
                .iter()
                .take(100)
                .map(|e| {
                    FieldError::new(&format!("objects[{}]", e.id), e.key).with_value(&e.detail)
                })
                .collect(),
        ));
    }
    for s in &sightings {
        if shared.iter().any(|n| n.stix_id == s.indicator_stix_id) {
            continue;
        }
        state
            .store
            .shared_object(scope, &s.indicator_stix_id)
            .await
            .map_err(|_| {
                AppError::Validation(vec![FieldError::new(
                    &format!("objects[{}]", s.stix_id),
                    "stix.sighting_of_unknown",
                )])
            })?;
    }
    // Objects and sightings land in one transaction, or not at all.
    let (outcome, _) = state
        .store
        .publish_with_sightings(&Actor::from(p), publisher(p), &shared, &sightings, true)
        .await?;
    if let Some(i) = outcome.iter().position(|o| *o == Published::NotYours) {
        return Err(AppError::Validation(vec![FieldError::new(
            &format!("objects[{}]", shared[i].stix_id),
            "stix.not_yours",
        )]));
    }
    let stored = outcome.iter().filter(|o| **o == Published::Stored).count();
    Ok(ImportResult {
        stored,
        unchanged: outcome.len() - stored,
        sightings: sightings.len(),
        described,
    })
}

/// Objects in one export, at most; larger feeds are for TAXII, which pages.
pub const EXPORT_LIMIT: usize = 50_000;

/// The readable objects matching the filter as a STIX bundle, with the reader's own
/// sightings. A feed: AMBER+STRICT and RED never leave this way.
pub async fn export_bundle(
    state: &AppState,
    p: &Principal,
    filter: &SharedFilter,
) -> AppResult<Value> {
    let (scope, _) = scope_of(state, p).await?;
    let scope = scope.for_feed();
    let mut objects = Vec::new();
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let got = state.store.list_shared(scope, filter, &page).await?;
        objects.extend(got.items);
        match got.next {
            Some(n) if objects.len() < EXPORT_LIMIT => page.cursor = Some(n),
            _ => break,
        }
    }
    let mut extra = Vec::new();
    for o in objects.iter().filter(|o| o.stix_type == "indicator") {
        if o.author_organisation == p.organisation_id || scope.staff {
            for s in state.store.sightings_of(&o.stix_id).await? {
                extra.push(sighting_to_stix(&s));
            }
        }
    }
    Ok(bundle(&objects, extra, &scope))
}

#[utoipa::path(get, path = "/api/v1/sharing/export.stix.json", tag = "mutual aid", params(ObjectsQuery),
    responses((status = 200, description = "A STIX 2.1 bundle", content_type = "application/stix+json")), security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ObjectsQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let (filter, _) = q.parse()?;
    let doc = export_bundle(&state, p, &filter).await?;
    Ok(stix_download(&doc))
}

pub fn stix_download(doc: &Value) -> Response {
    let body = serde_json::to_vec_pretty(doc).unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "application/stix+json;version=2.1"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mamori-sharing.stix.json\"",
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialPolicyBody {
    /// The most restricted marking trial members read: clear, green, amber or amber_strict.
    pub max_tlp: String,
    pub may_post: bool,
    pub may_use_taxii: bool,
}

impl From<TrialPolicy> for TrialPolicyBody {
    fn from(t: TrialPolicy) -> Self {
        TrialPolicyBody {
            max_tlp: t.max_tlp.code().into(),
            may_post: t.may_post,
            may_use_taxii: t.may_use_taxii,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/sharing/trial-policy", tag = "mutual aid",
    responses((status = 200, body = TrialPolicyBody)), security(("bearer" = [])))]
pub async fn trial_policy(
    State(state): State<AppState>,
    ctx: Ctx,
) -> AppResult<Json<TrialPolicyBody>> {
    ctx.principal()?;
    Ok(Json(state.store.trial_policy().await?.into()))
}

pub async fn change_trial_policy(
    state: &AppState,
    p: &Principal,
    b: &TrialPolicyBody,
) -> AppResult<TrialPolicy> {
    let current = state.store.trial_policy().await?;
    check_sharing(p, SharingAction::Curate, &current)?;
    let max_tlp = Tlp::from_code(b.max_tlp.trim())
        .filter(|t| *t != Tlp::Red)
        .ok_or_else(|| {
            AppError::Validation(vec![
                FieldError::new("max_tlp", "invalid.unknown_code").with_value(&b.max_tlp)
            ])
        })?;
    let policy = TrialPolicy {
        max_tlp,
        may_post: b.may_post,
        may_use_taxii: b.may_use_taxii,
    };
    state
        .store
        .set_trial_policy(&Actor::from(p), p.organisation_id, &policy)
        .await?;
    Ok(policy)
}

#[utoipa::path(put, path = "/api/v1/sharing/trial-policy", tag = "mutual aid", request_body = TrialPolicyBody,
    responses((status = 200, body = TrialPolicyBody), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_trial_policy(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<TrialPolicyBody>,
) -> AppResult<Json<TrialPolicyBody>> {
    let p = ctx.principal()?;
    Ok(Json(change_trial_policy(&state, p, &b).await?.into()))
}
