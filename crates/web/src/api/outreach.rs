//! Outreach over JSON: a fiscal year's seminars and workshops with participation and ISAC
//! membership rates by sector and by region; recording an event with its attendance.

use crate::context::{ApiJson, ApiQuery, Ctx};
use crate::error::{AppError, AppResult, Problem};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Datelike, NaiveDate, Utc};
use mamori_analytics::outreach::{participation, OutreachFigures, Participation};
use mamori_domain::policy::{allows, InstitutionScope, Permission, Principal};
use mamori_domain::sharing::{EventAudience, EventKind, Organiser};
use mamori_domain::validation::FieldError;
use mamori_domain::Bureau;
use mamori_store::outreach::{NewEvent, OutreachEvent};
use mamori_store::registry::InstitutionFilter;
use mamori_store::Actor;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};

/// Japan's fiscal year: April to March. `2025` is 2025-04-01 to 2026-03-31.
pub fn fiscal_year_of(d: NaiveDate) -> i32 {
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

fn window(year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    let from = NaiveDate::from_ymd_opt(year, 4, 1);
    let to = NaiveDate::from_ymd_opt(year + 1, 4, 1);
    match (from, to) {
        (Some(f), Some(t)) if (2000..=2100).contains(&year) => Ok((f, t)),
        _ => Err(AppError::Validation(vec![FieldError::new(
            "year",
            "invalid.year",
        )
        .with_value(&year.to_string())])),
    }
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Fiscal year (April–March); default: the current one.
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rate {
    /// A sector or regional office code; `all` for everyone.
    pub group: String,
    pub institutions: usize,
    pub attended: usize,
    pub full_members: usize,
    pub trial_members: usize,
    /// Percent; absent for an empty group.
    pub attendance_rate: Option<f64>,
    pub membership_rate: Option<f64>,
}

fn rate(group: &str, p: &Participation) -> Rate {
    Rate {
        group: group.to_string(),
        institutions: p.institutions,
        attended: p.attended,
        full_members: p.full_members,
        trial_members: p.trial_members,
        attendance_rate: p.attendance_rate(),
        membership_rate: p.membership_rate(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutreachReport {
    pub year: i32,
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<OutreachEvent>,
    pub all: Rate,
    pub by_sector: Vec<Rate>,
    pub by_region: Vec<Rate>,
}

/// The year's events and figures: what the page and the API show.
pub async fn report(
    state: &AppState,
    year: Option<i32>,
) -> AppResult<(i32, Vec<OutreachEvent>, OutreachFigures)> {
    let year = year.unwrap_or_else(|| fiscal_year_of(Utc::now().date_naive()));
    let (from, to) = window(year)?;
    let events = state.store.outreach_events(from, to).await?;
    let attended: HashSet<i64> = state
        .store
        .attending_institutions(from, to)
        .await?
        .into_iter()
        .collect();
    let institutions = state
        .store
        .export_institutions(InstitutionScope::All, &InstitutionFilter::default())
        .await?;
    Ok((year, events, participation(&institutions, &attended)))
}

fn require(p: &Principal, permission: Permission) -> AppResult<()> {
    if allows(p, permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[utoipa::path(get, path = "/api/v1/outreach", tag = "outreach", params(YearQuery),
    responses((status = 200, body = OutreachReport), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn get_report(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> AppResult<Json<OutreachReport>> {
    let p = ctx.principal()?;
    require(p, Permission::ViewOutreach)?;
    let (year, events, f) = report(&state, q.year).await?;
    Ok(Json(OutreachReport {
        year,
        events,
        all: rate("all", &f.all),
        by_sector: f.by_sector.iter().map(|(s, p)| rate(s.code(), p)).collect(),
        by_region: f.by_region.iter().map(|(b, p)| rate(b.code(), p)).collect(),
    }))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEventBody {
    /// seminar or workshop.
    pub kind: String,
    /// fsa, bureau, fisc or isac.
    pub organiser: String,
    /// executives or staff.
    pub audience: String,
    /// The regional office it was held for.
    pub bureau: String,
    pub held_on: NaiveDate,
    pub title_ja: String,
    pub title_en: String,
    /// Codes of the institutions that attended.
    #[serde(default)]
    pub attendees: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEvent {
    pub id: i64,
    pub attendees: usize,
}

/// Validates and records an event: the one path for the form and the API.
pub async fn record(state: &AppState, p: &Principal, b: &NewEventBody) -> AppResult<CreatedEvent> {
    require(p, Permission::ManageOutreach)?;
    let mut errors = Vec::new();
    let kind = EventKind::from_code(b.kind.trim());
    let organiser = Organiser::from_code(b.organiser.trim());
    let audience = EventAudience::from_code(b.audience.trim());
    let bureau = Bureau::from_code(b.bureau.trim()).filter(|b| *b != Bureau::Fsa);
    for (field, ok, v) in [
        ("kind", kind.is_some(), &b.kind),
        ("organiser", organiser.is_some(), &b.organiser),
        ("audience", audience.is_some(), &b.audience),
        ("bureau", bureau.is_some(), &b.bureau),
    ] {
        if !ok {
            errors.push(FieldError::new(field, "invalid.unknown_code").with_value(v));
        }
    }
    for (field, v) in [("title_ja", &b.title_ja), ("title_en", &b.title_en)] {
        let n = v.trim().chars().count();
        if n == 0 {
            errors.push(FieldError::new(field, "invalid.required"));
        } else if n > 200 {
            errors.push(FieldError::new(field, "invalid.too_long"));
        }
    }
    let mut attendees = Vec::new();
    for code in b
        .attendees
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        match state.store.organisation_by_code(code).await {
            Ok((id, mamori_domain::OrganisationKind::Institution)) => attendees.push(id),
            Ok(_) | Err(mamori_store::StoreError::NotFound) => errors
                .push(FieldError::new("attendees", "invalid.unknown_institution").with_value(code)),
            Err(e) => return Err(e.into()),
        }
    }
    let (Some(kind), Some(organiser), Some(audience), Some(bureau), true) =
        (kind, organiser, audience, bureau, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let event = NewEvent {
        kind,
        organiser,
        audience,
        bureau,
        held_on: b.held_on,
        title_ja: b.title_ja.trim().to_string(),
        title_en: b.title_en.trim().to_string(),
    };
    attendees.sort_unstable();
    attendees.dedup();
    let id = state
        .store
        .record_event(&Actor::from(p), &event, &attendees)
        .await?;
    Ok(CreatedEvent {
        id,
        attendees: attendees.len(),
    })
}

#[utoipa::path(post, path = "/api/v1/outreach/events", tag = "outreach", request_body = NewEventBody,
    responses((status = 201, body = CreatedEvent), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn post_event(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<NewEventBody>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let created = record(&state, p, &b).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}
