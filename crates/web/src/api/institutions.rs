//! `/api/v1/institutions`, `/api/v1/registry/*`: the registry over JSON and CSV.

use crate::context::{ApiJson, ApiQuery, Ctx, PathParam};
use crate::error::{AppError, AppResult, Problem};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mamori_domain::institution::ContactFields;
use mamori_domain::policy::{
    allows, check_institution, institution_scope, InstitutionAction, Permission,
};
use mamori_domain::validation::FieldError;
use mamori_domain::{
    registry_csv, Bureau, Contact, Institution, InstitutionFields, IsacMembership, Prefecture,
    Principal, Sector, SizeTier,
};
use mamori_store::registry::{ImportSummary, InstitutionFilter, InstitutionSort};
use mamori_store::{Actor, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Filters, sort and page of the institution list; shared by the UI, the API and exports.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstitutionQuery {
    /// Text matched against both names and the code.
    pub q: Option<String>,
    pub sector: Option<String>,
    pub bureau: Option<String>,
    pub size_tier: Option<String>,
    pub isac_membership: Option<String>,
    pub prefecture: Option<String>,
    /// `name_en` (default), `name_ja`, `code`, `sector` or `bureau`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    /// The `next` value of the previous page.
    pub cursor: Option<String>,
    /// 1 to 500; default 50.
    pub limit: Option<u32>,
}

pub fn code_param<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &Option<String>,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    let v = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    let parsed = parse(v);
    if parsed.is_none() {
        errors.push(FieldError::new(field, "invalid.unknown_code").with_value(v));
    }
    parsed
}

impl InstitutionQuery {
    pub fn parse(&self) -> AppResult<(InstitutionFilter, InstitutionSort, bool, PageRequest)> {
        let mut errors = Vec::new();
        let filter = InstitutionFilter {
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            sector: code_param(&mut errors, "sector", &self.sector, Sector::from_code),
            bureau: code_param(&mut errors, "bureau", &self.bureau, Bureau::from_code),
            size_tier: code_param(
                &mut errors,
                "size_tier",
                &self.size_tier,
                SizeTier::from_code,
            ),
            isac_membership: code_param(
                &mut errors,
                "isac_membership",
                &self.isac_membership,
                IsacMembership::from_code,
            ),
            prefecture: code_param(
                &mut errors,
                "prefecture",
                &self.prefecture,
                Prefecture::from_code,
            ),
        };
        if filter.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            errors.push(FieldError::new("q", "invalid.too_long"));
        }
        let sort = code_param(&mut errors, "sort", &self.sort, InstitutionSort::from_code)
            .unwrap_or_default();
        let descending = match self.order.as_deref().unwrap_or("asc") {
            "asc" | "" => false,
            "desc" => true,
            other => {
                errors.push(FieldError::new("order", "invalid.unknown_code").with_value(other));
                false
            }
        };
        if let Some(limit) = self.limit {
            if !(1..=500).contains(&limit) {
                errors.push(FieldError::new("limit", "invalid.limit"));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let page = PageRequest {
            limit: self.limit.unwrap_or(50),
            cursor: self.cursor.clone().filter(|c| !c.is_empty()),
        };
        Ok((filter, sort, descending, page))
    }
}

/// A page of institutions.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionPage {
    pub items: Vec<Institution>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next: Option<String>,
    /// Institutions matching the filters within the caller's scope.
    pub total: i64,
}

fn require_registry(p: &Principal) -> AppResult<()> {
    if allows(p, Permission::ViewRegistry) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The institution with `id`, if the caller may do `action` on it.
pub async fn institution_for(
    state: &AppState,
    p: &Principal,
    id: i64,
    action: InstitutionAction,
) -> AppResult<Institution> {
    let inst = state
        .store
        .get_institution(institution_scope(p), id)
        .await?;
    check_institution(p, action, inst.policy_ref())?;
    Ok(inst)
}

#[utoipa::path(get, path = "/api/v1/institutions", tag = "registry", params(InstitutionQuery),
    responses((status = 200, body = InstitutionPage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> AppResult<Json<InstitutionPage>> {
    let p = ctx.principal()?;
    require_registry(p)?;
    let (filter, sort, desc, page) = q.parse()?;
    let page = state
        .store
        .list_institutions(institution_scope(p), &filter, sort, desc, &page)
        .await?;
    Ok(Json(InstitutionPage {
        items: page.items,
        next: page.next,
        total: page.total,
    }))
}

#[utoipa::path(get, path = "/api/v1/institutions/{id}", tag = "registry", params(("id" = i64, Path)),
    responses((status = 200, body = Institution), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<Institution>> {
    let p = ctx.principal()?;
    Ok(Json(
        institution_for(&state, p, id, InstitutionAction::Read).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/institutions", tag = "registry", request_body = InstitutionFields,
    responses((status = 201, body = Institution), (status = 400, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(fields): ApiJson<InstitutionFields>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::CreateInstitution) {
        return Err(AppError::Forbidden);
    }
    let input = fields.validate().map_err(AppError::Validation)?;
    let inst = state
        .store
        .create_institution(&Actor::from(p), &input)
        .await?;
    Ok((StatusCode::CREATED, Json(inst)).into_response())
}

#[utoipa::path(put, path = "/api/v1/institutions/{id}", tag = "registry", params(("id" = i64, Path)), request_body = InstitutionFields,
    responses((status = 200, body = Institution), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiJson(fields): ApiJson<InstitutionFields>,
) -> AppResult<Json<Institution>> {
    let p = ctx.principal()?;
    let current = institution_for(&state, p, id, InstitutionAction::EditAttributes).await?;
    let input = fields.validate().map_err(AppError::Validation)?;
    // A bureau supervisor may not move an institution out of its own jurisdiction.
    check_institution(
        p,
        InstitutionAction::EditAttributes,
        mamori_domain::policy::InstitutionRef {
            id,
            bureau: input.bureau,
        },
    )
    .map_err(|_| {
        AppError::Validation(vec![FieldError::new(
            "bureau",
            "invalid.bureau_out_of_scope",
        )])
    })?;
    Ok(Json(
        state
            .store
            .update_institution(&Actor::from(p), &current, &input)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/institutions/{id}/contacts", tag = "registry", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Contact>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn contacts(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<Vec<Contact>>> {
    let p = ctx.principal()?;
    let inst = institution_for(&state, p, id, InstitutionAction::Read).await?;
    Ok(Json(state.store.list_contacts(inst.id).await?))
}

#[utoipa::path(post, path = "/api/v1/institutions/{id}/contacts", tag = "registry", params(("id" = i64, Path)), request_body = ContactFields,
    responses((status = 201, body = Contact), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiJson(fields): ApiJson<ContactFields>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let inst = institution_for(&state, p, id, InstitutionAction::EditContacts).await?;
    let input = fields.validate().map_err(AppError::Validation)?;
    let contact_id = state
        .store
        .add_contact(&Actor::from(p), inst.id, &input)
        .await?;
    let contact = Contact {
        id: contact_id,
        organisation_id: inst.id,
        name: input.name,
        title: input.title,
        email: input.email,
        phone: input.phone,
    };
    Ok((StatusCode::CREATED, Json(contact)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/institutions/{id}/contacts/{contact_id}", tag = "registry",
    params(("id" = i64, Path), ("contact_id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn delete_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam((id, contact_id)): PathParam<(i64, i64)>,
) -> AppResult<StatusCode> {
    let p = ctx.principal()?;
    let inst = institution_for(&state, p, id, InstitutionAction::EditContacts).await?;
    state
        .store
        .delete_contact(&Actor::from(p), inst.id, contact_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The registry CSV for the caller's scope and filters.
pub async fn export_for(
    state: &AppState,
    p: &Principal,
    q: &InstitutionQuery,
) -> AppResult<Response> {
    require_registry(p)?;
    let (filter, _, _, _) = q.parse()?;
    let rows = state
        .store
        .export_institutions(institution_scope(p), &filter)
        .await?;
    let body = registry_csv::write(&rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mamori-registry.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/registry/export.csv", tag = "registry", params(InstitutionQuery),
    responses((status = 200, description = "CSV, UTF-8 with byte-order mark", content_type = "text/csv")), security(("bearer" = [])))]
pub async fn export_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> AppResult<Response> {
    export_for(&state, ctx.principal()?, &q).await
}

/// Validates a whole CSV file and applies it in one transaction.
pub async fn import_bytes(
    state: &AppState,
    p: &Principal,
    bytes: &[u8],
) -> AppResult<ImportSummary> {
    if !allows(p, Permission::CreateInstitution) {
        return Err(AppError::Forbidden);
    }
    let rows = registry_csv::parse(bytes).map_err(AppError::Validation)?;
    Ok(state
        .store
        .import_institutions(&Actor::from(p), &rows)
        .await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[utoipa::path(post, path = "/api/v1/registry/import", tag = "registry",
    request_body(content = String, content_type = "text/csv", description = "The registry CSV format (see the export)"),
    responses((status = 200, body = ImportResult), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem, description = "Every bad row and column; nothing was saved")),
    security(("bearer" = [])))]
pub async fn import_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<ImportResult>> {
    let p = ctx.principal()?;
    if !allows(p, Permission::CreateInstitution) {
        return Err(AppError::Forbidden);
    }
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    if !csv {
        return Err(AppError::UnsupportedMediaType);
    }
    let s = import_bytes(&state, p, &body).await?;
    Ok(Json(ImportResult {
        created: s.created,
        updated: s.updated,
        unchanged: s.unchanged,
    }))
}
