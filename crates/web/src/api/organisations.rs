//! `/api/v1/organisations`: the bodies that are not supervised.

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Problem};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use mamori_domain::policy::{allows, Permission};
use mamori_domain::Organisation;

#[utoipa::path(get, path = "/api/v1/organisations", tag = "registry",
    responses((status = 200, body = Vec<Organisation>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<Organisation>>> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ViewOrganisations) {
        return Err(AppError::Forbidden);
    }
    Ok(Json(state.store.list_organisations().await?))
}
