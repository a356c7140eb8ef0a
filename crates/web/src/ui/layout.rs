//! The page shell: landmarks, navigation by capability, language switch, account menu.

use crate::context::{Ctx, CSRF_FIELD};
use crate::error::{localise_field_error, AppError};
use crate::i18n::{t, Lang};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use mamori_domain::policy::{allows, Permission};
use mamori_domain::validation::FieldError;
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Top-level sections, for marking the current one in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Registry,
    Surveys,
    Supervision,
    Outsourcing,
    Exercises,
    MutualAid,
    Outreach,
    Reports,
    Organisations,
    Audit,
    Admin,
    Account,
    None,
}

pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(ctx.csrf); }
}

fn nav(ctx: &Ctx, current: Section) -> Markup {
    let l = ctx.lang;
    let items: Vec<(Section, &str, &str)> = vec![
        (Section::Registry, "/registry", "nav.registry"),
        (Section::Surveys, "/surveys", "nav.surveys"),
        (Section::Supervision, "/supervision", "nav.supervision"),
        (Section::Outsourcing, "/outsourcing", "nav.outsourcing"),
        (Section::Exercises, "/exercises", "nav.exercises"),
        (Section::MutualAid, "/mutual-aid", "nav.mutual_aid"),
        (Section::Reports, "/reports", "nav.reports"),
    ];
    let p = ctx.principal.as_ref();
    html! {
        nav aria-label=(t(l, "nav.label")) {
            ul.nav {
                @for (section, href, key) in items {
                    @if section != Section::Registry || p.is_some_and(|p| allows(p, Permission::ViewRegistry)) {
                        li { a href=(href) aria-current=[(section == current).then_some("page")] { (t(l, key)) } }
                    }
                }
                @if p.is_some_and(|p| allows(p, Permission::ViewOutreach)) {
                    li { a href="/outreach" aria-current=[(current == Section::Outreach).then_some("page")] { (t(l, "nav.outreach")) } }
                }
                @if p.is_some_and(|p| allows(p, Permission::ViewOrganisations)) {
                    li { a href="/organisations" aria-current=[(current == Section::Organisations).then_some("page")] { (t(l, "nav.organisations")) } }
                }
                @if p.is_some_and(|p| allows(p, Permission::ViewAudit)) {
                    li { a href="/audit" aria-current=[(current == Section::Audit).then_some("page")] { (t(l, "nav.audit")) } }
                }
                @if p.is_some_and(|p| allows(p, Permission::ManageAccounts)) {
                    li { a href="/admin/accounts" aria-current=[(current == Section::Admin).then_some("page")] { (t(l, "nav.admin")) } }
                }
            }
        }
    }
}

fn language_switch(ctx: &Ctx) -> Markup {
    let l = ctx.lang;
    html! {
        form.inline method="post" action="/lang" {
            (csrf_field(ctx))
            input type="hidden" name="next" value=(ctx.uri);
            @let other = if l == Lang::Ja { Lang::En } else { Lang::Ja };
            button type="submit" name="lang" value=(other.code()) lang=(other.code()) id="switch-lang" {
                (t(other, "lang.self"))
            }
        }
    }
}

/// A full page.
pub fn page(ctx: &Ctx, title: &str, current: Section, body: Markup) -> Response {
    let l = ctx.lang;
    let markup = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — mamori" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                a.skip href="#main" { (t(l, "layout.skip")) }
                header.top {
                    a.brand href="/" { "mamori " span.brand-ja lang="ja" { "守り" } }
                    (language_switch(ctx))
                    @if let Some(p) = &ctx.principal {
                        div.who {
                            a href="/account" { (p.username) } " · " span.role { (t(l, &format!("role.{}", p.role.code()))) }
                            form.inline method="post" action="/logout" {
                                (csrf_field(ctx))
                                button type="submit" id="logout" { (t(l, "nav.logout")) }
                            }
                        }
                    } @else {
                        a href="/login" { (t(l, "login.title")) }
                    }
                }
                @if ctx.principal.is_some() { (nav(ctx, current)) }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer { (t(l, "layout.footer")) }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// The page for an error, in the user's language.
pub fn error_page(ctx: &Ctx, err: &AppError) -> Response {
    let l = ctx.lang;
    let key = format!("error.title.{}", err.status().as_u16());
    let title = t(l, &key).to_string();
    let title = if title == key {
        t(l, "error.title.generic").to_string()
    } else {
        title
    };
    let body = html! {
        p.error role="alert" { (err.detail(l)) }
        @if let AppError::Validation(errs) = err { (field_errors(l, errs)) }
        p { a href="/" { (t(l, "error.home")) } }
    };
    page(ctx, &title, Section::None, body)
}

/// A list of validation errors, for the top of a form.
pub fn field_errors(lang: Lang, errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.errors role="alert" {
                p { (t(lang, "form.has_errors")) }
                ul {
                    @for e in errors {
                        @let p = localise_field_error(lang, e);
                        li {
                            @if let Some(row) = p.row { (t(lang, "csv.row")) " " (row) ": " }
                            (p.message)
                        }
                    }
                }
            }
        }
    }
}

/// A notice passed in the query string after a redirect; only known keys are shown.
pub fn notice(lang: Lang, key: Option<&str>) -> Markup {
    const KNOWN: &[&str] = &[
        "notice.saved",
        "notice.created",
        "notice.imported",
        "notice.contact_added",
        "notice.contact_deleted",
        "notice.totp_enabled",
        "notice.totp_disabled",
        "notice.token_revoked",
        "notice.account_created",
        "notice.account_disabled",
        "notice.account_enabled",
        "notice.enrol_required",
        "notice.signed_out",
        "notice.shared",
        "notice.sighting",
        "notice.revoked",
        "notice.restored",
    ];
    html! {
        @if let Some(k) = key.filter(|k| KNOWN.contains(k)) {
            p.notice role="status" { (t(lang, k)) }
        }
    }
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PreEscaped(include_str!("../../static/app.css")).into_string(),
    )
}
