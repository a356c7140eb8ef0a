//! Capabilities that are not built yet say so plainly, instead of showing empty screens.

use crate::context::Ctx;
use crate::error::AppResult;
use crate::i18n::t;
use crate::ui::layout::{page, Section};
use axum::response::Response;
use maud::html;

fn not_built(ctx: &Ctx, section: Section, title: &str, what: &str) -> AppResult<Response> {
    ctx.principal()?;
    let l = ctx.lang;
    let body = html! {
        div.soon role="status" {
            p { strong { (t(l, "soon.badge")) } }
            p { (t(l, "soon.explain")) }
            p { (t(l, what)) }
        }
    };
    Ok(page(ctx, t(l, title), section, body))
}

pub async fn outsourcing(ctx: Ctx) -> AppResult<Response> {
    not_built(
        &ctx,
        Section::Outsourcing,
        "nav.outsourcing",
        "soon.outsourcing",
    )
}
pub async fn exercises(ctx: Ctx) -> AppResult<Response> {
    not_built(&ctx, Section::Exercises, "nav.exercises", "soon.exercises")
}
