//! The start page: what the signed-in user can do, by capability.

use crate::context::Ctx;
use crate::error::AppResult;
use crate::i18n::{t, tf};
use crate::ui::layout::{page, Section};
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use mamori_domain::policy::{allows, institution_scope, Permission};
use mamori_store::registry::{InstitutionFilter, InstitutionSort};
use mamori_store::PageRequest;
use maud::html;

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let l = ctx.lang;
    let in_scope = if allows(p, Permission::ViewRegistry) {
        let page = state
            .store
            .list_institutions(
                institution_scope(p),
                &InstitutionFilter::default(),
                InstitutionSort::default(),
                false,
                &PageRequest {
                    limit: 1,
                    cursor: None,
                },
            )
            .await?;
        Some(page.total)
    } else {
        None
    };
    let soon = [
        ("/outsourcing", "nav.outsourcing", "soon.outsourcing"),
        ("/exercises", "nav.exercises", "soon.exercises"),
    ];
    let body = html! {
        p { (tf(l, "home.welcome", &[("user", &p.username), ("role", t(l, &format!("role.{}", p.role.code())))])) }
        ul.cards {
            @if let Some(n) = in_scope {
                li {
                    h2 { a href="/registry" { (t(l, "nav.registry")) } }
                    p { (tf(l, "home.registry_count", &[("count", &n.to_string())])) }
                }
            }
            li {
                h2 { a href="/surveys" { (t(l, "nav.surveys")) } }
                p { (t(l, "home.surveys")) }
            }
            @if allows(p, Permission::ViewSupervision) {
                li {
                    h2 { a href="/supervision" { (t(l, "nav.supervision")) } }
                    p { (t(l, "home.supervision")) }
                }
            }
            li {
                h2 { a href="/mutual-aid" { (t(l, "nav.mutual_aid")) } }
                p { (t(l, "home.mutual_aid")) }
            }
            @if allows(p, Permission::ViewOutreach) {
                li {
                    h2 { a href="/outreach" { (t(l, "nav.outreach")) } }
                    p { (t(l, "home.outreach")) }
                }
            }
            li {
                h2 { a href="/reports" { (t(l, "nav.reports")) } }
                p { (t(l, "home.reports")) }
            }
            @for (href, title, what) in soon {
                li {
                    h2 { a href=(href) { (t(l, title)) } }
                    p.muted { (t(l, what)) }
                    p { strong { (t(l, "soon.badge")) } }
                }
            }
        }
    };
    Ok(page(&ctx, t(l, "home.title"), Section::Home, body))
}
