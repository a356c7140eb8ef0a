//! Browsing the audit trail within the caller's audit scope.

use crate::context::{ApiQuery, Ctx};
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::ui::layout::{page, Section};
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use mamori_domain::policy::{allows, audit_scope, Permission};
use mamori_store::audit::AuditFilter;
use mamori_store::PageRequest;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ViewAudit) {
        return Err(AppError::Forbidden);
    }
    let l = ctx.lang;
    let filter = AuditFilter {
        action_prefix: q.action.clone(),
        actor: q.actor.clone(),
        organisation_id: None,
    };
    let records = state
        .store
        .list_audit(
            audit_scope(p),
            &filter,
            &PageRequest {
                limit: 50,
                cursor: q.cursor.clone(),
            },
        )
        .await?;
    let next_link = records.next.as_ref().map(|c| {
        let qs = serde_urlencoded::to_string([
            ("action", q.action.as_deref().unwrap_or("")),
            ("actor", q.actor.as_deref().unwrap_or("")),
            ("cursor", c.as_str()),
        ])
        .unwrap_or_default();
        format!("/audit?{qs}")
    });
    let body = html! {
        p.muted { (t(l, "audit.explain")) }
        form.filters method="get" action="/audit" role="search" {
            label { (t(l, "audit.action")) input name="action" type="text" value=[q.action.as_deref()] placeholder="institution."; }
            label { (t(l, "audit.actor")) input name="actor" type="text" value=[q.actor.as_deref()]; }
            button type="submit" { (t(l, "filter.apply")) }
        }
        p { (crate::i18n::tf(l, "list.total", &[("count", &records.total.to_string())])) }
        @if records.items.is_empty() {
            p.muted { (t(l, "audit.empty")) }
        } @else {
            table {
                thead { tr {
                    th.num scope="col" { "#" }
                    th scope="col" { (t(l, "audit.at")) }
                    th scope="col" { (t(l, "audit.actor")) }
                    th scope="col" { (t(l, "audit.action")) }
                    th scope="col" { (t(l, "audit.object")) }
                    th scope="col" { (t(l, "audit.changes")) }
                } }
                tbody {
                    @for r in &records.items {
                        tr {
                            td.num { (r.seq) }
                            td { (r.at.format("%Y-%m-%d %H:%M:%S UTC")) }
                            td { (r.actor) }
                            td { code { (r.action) } }
                            td { (r.object_type) " " (r.object_id) }
                            td { code { (r.changes.chars().take(200).collect::<String>()) } }
                        }
                    }
                }
            }
        }
        @if let Some(href) = next_link { p.pager { a href=(href) rel="next" { (t(l, "list.next")) } } }
    };
    Ok(page(&ctx, t(l, "nav.audit"), Section::Audit, body))
}
