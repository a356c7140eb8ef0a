//! `/api/v1/me`: who the caller is.

use crate::context::Ctx;
use crate::error::{AppResult, Problem};
use axum::Json;
use mamori_domain::{Bureau, Role};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub account_id: i64,
    pub username: String,
    pub role: Role,
    pub organisation_id: i64,
    pub organisation_bureau: Option<Bureau>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses((status = 200, body = Me), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn me(ctx: Ctx) -> AppResult<Json<Me>> {
    let p = ctx.principal()?;
    Ok(Json(Me {
        account_id: p.account_id,
        username: p.username.clone(),
        role: p.role,
        organisation_id: p.organisation_id,
        organisation_bureau: p.organisation_bureau,
    }))
}
