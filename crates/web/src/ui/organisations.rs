//! The organisations that are not supervised: the FSA, bureaus, the ISAC, FISC, associations.

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};
use crate::ui::layout::{page, Section};
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use mamori_domain::policy::{allows, Permission};
use maud::html;

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ViewOrganisations) {
        return Err(AppError::Forbidden);
    }
    let l = ctx.lang;
    let orgs = state.store.list_organisations().await?;
    let body = html! {
        table {
            caption.muted { (t(l, "orgs.caption")) }
            thead { tr { th scope="col" { (t(l, "field.code")) } th scope="col" { (t(l, "field.name")) } th scope="col" { (t(l, "field.kind")) } } }
            tbody {
                @for o in &orgs {
                    tr {
                        td { (o.code) }
                        td { (if l == Lang::Ja { &o.name_ja } else { &o.name_en }) }
                        td { (t(l, &format!("orgkind.{}", o.kind.code()))) }
                    }
                }
            }
        }
    };
    Ok(page(
        &ctx,
        t(l, "nav.organisations"),
        Section::Organisations,
        body,
    ))
}
