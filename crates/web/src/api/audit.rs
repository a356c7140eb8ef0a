//! `/api/v1/audit`: the audit trail within the caller's scope, newest first.

use crate::context::{ApiQuery, Ctx};
use crate::error::{AppError, AppResult, Problem};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use mamori_domain::audit::AuditRecord;
use mamori_domain::policy::{allows, audit_scope, Permission};
use mamori_store::audit::AuditFilter;
use mamori_store::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Actions starting with this text, e.g. `institution.`.
    pub action: Option<String>,
    pub actor: Option<String>,
    pub organisation_id: Option<i64>,
    pub cursor: Option<String>,
    /// 1 to 500; default 50.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    pub next: Option<String>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<Json<AuditPage>> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ViewAudit) {
        return Err(AppError::Forbidden);
    }
    if q.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        return Err(AppError::Validation(vec![
            mamori_domain::validation::FieldError::new("limit", "invalid.limit"),
        ]));
    }
    let filter = AuditFilter {
        action_prefix: q.action,
        actor: q.actor,
        organisation_id: q.organisation_id,
    };
    let page = state
        .store
        .list_audit(
            audit_scope(p),
            &filter,
            &PageRequest {
                limit: q.limit.unwrap_or(50),
                cursor: q.cursor,
            },
        )
        .await?;
    Ok(Json(AuditPage {
        items: page.items,
        next: page.next,
        total: page.total,
    }))
}
