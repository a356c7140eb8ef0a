//! The registry pages: browse, search, filter, sort and page; detail with contacts; create,
//! edit; CSV export and import.

use crate::api::institutions::{export_for, import_bytes, institution_for, InstitutionQuery};
use crate::context::{ApiQuery, Ctx, PathParam, UiForm};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::ui::layout::{csrf_field, field_errors, notice, page, Section};
use crate::AppState;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_domain::institution::ContactFields;
use mamori_domain::policy::{
    allows, check_institution, institution_scope, InstitutionAction, InstitutionRef, Permission,
};
use mamori_domain::validation::FieldError;
use mamori_domain::{
    registry_csv, Bureau, Institution, InstitutionFields, IsacMembership, Prefecture, Sector,
    SizeTier,
};
use mamori_store::registry::InstitutionSort;
use mamori_store::Actor;
use maud::{html, Markup};
use serde::Deserialize;

fn name(l: Lang, i: &Institution) -> &str {
    if l == Lang::Ja {
        &i.name_ja
    } else {
        &i.name_en
    }
}

fn options<T: Copy>(
    l: Lang,
    prefix: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    selected: Option<&str>,
    any: bool,
) -> Markup {
    html! {
        @if any { option value="" { (t(l, "filter.any")) } }
        @for v in all {
            @let c = code(*v);
            option value=(c) selected[selected == Some(c)] { (t(l, &format!("{prefix}.{c}"))) }
        }
    }
}

fn query_string(q: &InstitutionQuery) -> String {
    serde_urlencoded::to_string(q).unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ViewRegistry) {
        return Err(AppError::Forbidden);
    }
    let l = ctx.lang;
    let (filter, sort, desc, page_req) = q.parse()?;
    let page_data = state
        .store
        .list_institutions(institution_scope(p), &filter, sort, desc, &page_req)
        .await?;
    let sort_link = |s: InstitutionSort| {
        let mut q2 = q.clone();
        q2.cursor = None;
        let same = sort == s;
        q2.sort = Some(s.code().into());
        q2.order = Some(if same && !desc {
            "desc".into()
        } else {
            "asc".into()
        });
        format!("/registry?{}", query_string(&q2))
    };
    let aria_sort = |s: InstitutionSort| {
        if sort == s {
            if desc {
                "descending"
            } else {
                "ascending"
            }
        } else {
            "none"
        }
    };
    let next_link = page_data.next.as_ref().map(|c| {
        let mut q2 = q.clone();
        q2.cursor = Some(c.clone());
        format!("/registry?{}", query_string(&q2))
    });
    let first_link = page_req.cursor.as_ref().map(|_| {
        let mut q2 = q.clone();
        q2.cursor = None;
        format!("/registry?{}", query_string(&q2))
    });
    let mut export_q = q.clone();
    export_q.cursor = None;
    let name_sort = if l == Lang::Ja {
        InstitutionSort::NameJa
    } else {
        InstitutionSort::NameEn
    };
    let body = html! {
        form.filters method="get" action="/registry" role="search" aria-label=(t(l, "registry.search")) {
            label for="q" { (t(l, "registry.search")) input id="q" name="q" type="search" value=[q.q.as_deref()]; }
            label for="sector" { (t(l, "field.sector")) select id="sector" name="sector" { (options(l, "sector", Sector::ALL, Sector::code, q.sector.as_deref(), true)) } }
            label for="bureau" { (t(l, "field.bureau")) select id="bureau" name="bureau" { (options(l, "bureau", Bureau::ALL, Bureau::code, q.bureau.as_deref(), true)) } }
            label for="size_tier" { (t(l, "field.size_tier")) select id="size_tier" name="size_tier" { (options(l, "tier", SizeTier::ALL, SizeTier::code, q.size_tier.as_deref(), true)) } }
            label for="isac_membership" { (t(l, "field.isac_membership")) select id="isac_membership" name="isac_membership" { (options(l, "membership", IsacMembership::ALL, IsacMembership::code, q.isac_membership.as_deref(), true)) } }
            input type="hidden" name="sort" value=(sort.code());
            input type="hidden" name="order" value=(if desc { "desc" } else { "asc" });
            button type="submit" id="apply-filters" { (t(l, "filter.apply")) }
            a href="/registry" { (t(l, "filter.reset")) }
        }
        p {
            span id="result-count" { (tf(l, "list.total", &[("count", &page_data.total.to_string())])) }
            " · " a href=(format!("/registry/export.csv?{}", query_string(&export_q))) { (t(l, "registry.export")) }
            @if allows(p, Permission::CreateInstitution) {
                " · " a href="/registry/new" { (t(l, "registry.new")) }
                " · " a href="/registry/import" { (t(l, "registry.import")) }
            }
        }
        @if page_data.items.is_empty() {
            p.muted id="empty" { (t(l, "registry.empty")) }
        } @else {
            table id="institutions" {
                thead { tr {
                    th scope="col" aria-sort=(aria_sort(InstitutionSort::Code)) { a href=(sort_link(InstitutionSort::Code)) { (t(l, "field.code")) } }
                    th scope="col" aria-sort=(aria_sort(name_sort)) { a href=(sort_link(name_sort)) { (t(l, "field.name")) } }
                    th scope="col" aria-sort=(aria_sort(InstitutionSort::Sector)) { a href=(sort_link(InstitutionSort::Sector)) { (t(l, "field.sector")) } }
                    th scope="col" { (t(l, "field.size_tier")) }
                    th scope="col" aria-sort=(aria_sort(InstitutionSort::Bureau)) { a href=(sort_link(InstitutionSort::Bureau)) { (t(l, "field.bureau")) } }
                    th scope="col" { (t(l, "field.prefecture")) }
                    th scope="col" { (t(l, "field.isac_membership")) }
                } }
                tbody {
                    @for i in &page_data.items {
                        tr {
                            td { (i.code) }
                            td { a href=(format!("/registry/{}", i.id)) { (name(l, i)) } }
                            td { (t(l, &format!("sector.{}", i.sector.code()))) }
                            td { (t(l, &format!("tier.{}", i.size_tier.code()))) }
                            td { (t(l, &format!("bureau.{}", i.bureau.code()))) }
                            td { (t(l, &format!("prefecture.{}", i.prefecture.code()))) }
                            td { (t(l, &format!("membership.{}", i.isac_membership.code()))) }
                        }
                    }
                }
            }
        }
        nav.pager aria-label=(t(l, "list.pages")) {
            @if let Some(href) = first_link { a href=(href) { (t(l, "list.first")) } }
            @if let Some(href) = next_link { a href=(href) rel="next" id="next-page" { (t(l, "list.next")) } }
        }
    };
    Ok(page(&ctx, t(l, "nav.registry"), Section::Registry, body))
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let i = institution_for(&state, p, id, InstitutionAction::Read).await?;
    let contacts = state.store.list_contacts(i.id).await?;
    let l = ctx.lang;
    let can_edit = check_institution(p, InstitutionAction::EditAttributes, i.policy_ref()).is_ok();
    let can_contacts =
        check_institution(p, InstitutionAction::EditContacts, i.policy_ref()).is_ok();
    let body = html! {
        (notice(l, q.notice.as_deref()))
        dl.facts {
            dt { (t(l, "field.code")) } dd { (i.code) }
            dt { (t(l, "field.name_ja")) } dd lang="ja" { (i.name_ja) }
            dt { (t(l, "field.name_en")) } dd lang="en" { (i.name_en) }
            dt { (t(l, "field.sector")) } dd { (t(l, &format!("sector.{}", i.sector.code()))) }
            dt { (t(l, "field.size_tier")) } dd { (t(l, &format!("tier.{}", i.size_tier.code()))) }
            dt { (t(l, "field.bureau")) } dd { (t(l, &format!("bureau.{}", i.bureau.code()))) }
            dt { (t(l, "field.prefecture")) } dd { (t(l, &format!("prefecture.{}", i.prefecture.code()))) }
            dt { (t(l, "field.group_name")) } dd { (i.group_name.as_deref().unwrap_or("—")) }
            dt { (t(l, "field.isac_membership")) } dd { (t(l, &format!("membership.{}", i.isac_membership.code()))) }
            dt { (t(l, "field.require_totp")) } dd { (t(l, if i.require_totp { "common.yes" } else { "common.no" })) }
            dt { (t(l, "field.updated_at")) } dd { (i.updated_at.format("%Y-%m-%d %H:%M UTC")) }
        }
        @if can_edit { p { a href=(format!("/registry/{}/edit", i.id)) id="edit" { (t(l, "registry.edit")) } } }
        h2 { (t(l, "registry.contacts")) }
        @if contacts.is_empty() { p.muted { (t(l, "registry.no_contacts")) } } @else {
            table {
                thead { tr {
                    th scope="col" { (t(l, "field.name")) } th scope="col" { (t(l, "field.title")) }
                    th scope="col" { (t(l, "field.email")) } th scope="col" { (t(l, "field.phone")) }
                    @if can_contacts { th scope="col" { span.muted { (t(l, "common.actions")) } } }
                } }
                tbody {
                    @for c in &contacts {
                        tr {
                            td { (c.name) } td { (c.title.as_deref().unwrap_or("")) }
                            td { (c.email.as_deref().unwrap_or("")) } td { (c.phone.as_deref().unwrap_or("")) }
                            @if can_contacts {
                                td {
                                    form.inline method="post" action=(format!("/registry/{}/contacts/{}/delete", i.id, c.id)) {
                                        (csrf_field(&ctx))
                                        label {
                                            input type="checkbox" name="confirm" value="yes" required;
                                            " " (t(l, "common.confirm_delete"))
                                        }
                                        " "
                                        button.danger type="submit" { (t(l, "common.delete")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if can_contacts {
            h2 { (t(l, "registry.add_contact")) }
            (contact_form(&ctx, i.id, &ContactFields::default(), &[]))
        }
    };
    Ok(page(&ctx, name(l, &i), Section::Registry, body))
}

fn contact_form(ctx: &Ctx, id: i64, f: &ContactFields, errors: &[FieldError]) -> Markup {
    let l = ctx.lang;
    html! {
        (field_errors(l, errors))
        form.stack method="post" action=(format!("/registry/{id}/contacts")) {
            (csrf_field(ctx))
            label for="c-name" { (t(l, "field.name")) }
            input id="c-name" name="name" required maxlength="120" value=(f.name);
            label for="c-title" { (t(l, "field.title")) }
            input id="c-title" name="title" maxlength="120" value=[f.title.as_deref()];
            label for="c-email" { (t(l, "field.email")) }
            input id="c-email" name="email" type="email" value=[f.email.as_deref()];
            label for="c-phone" { (t(l, "field.phone")) }
            input id="c-phone" name="phone" type="tel" value=[f.phone.as_deref()];
            button type="submit" { (t(l, "registry.add_contact")) }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ContactForm {
    #[serde(default)]
    name: String,
    title: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

pub async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    UiForm(form): UiForm<ContactForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let i = institution_for(&state, p, id, InstitutionAction::EditContacts).await?;
    let fields = ContactFields {
        name: form.name,
        title: form.title,
        email: form.email,
        phone: form.phone,
    };
    match fields.validate() {
        Ok(input) => {
            state
                .store
                .add_contact(&Actor::from(p), i.id, &input)
                .await?;
            Ok(
                Redirect::to(&format!("/registry/{}?notice=notice.contact_added", i.id))
                    .into_response(),
            )
        }
        Err(errors) => {
            let l = ctx.lang;
            let mut res = page(
                &ctx,
                t(l, "registry.add_contact"),
                Section::Registry,
                contact_form(&ctx, i.id, &fields, &errors),
            );
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    confirm: Option<String>,
}

pub async fn delete_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam((id, contact_id)): PathParam<(i64, i64)>,
    UiForm(form): UiForm<ConfirmForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let i = institution_for(&state, p, id, InstitutionAction::EditContacts).await?;
    if form.confirm.as_deref() != Some("yes") {
        return Err(AppError::Validation(vec![FieldError::new(
            "confirm",
            "invalid.confirm_required",
        )]));
    }
    state
        .store
        .delete_contact(&Actor::from(p), i.id, contact_id)
        .await?;
    Ok(Redirect::to(&format!("/registry/{}?notice=notice.contact_deleted", i.id)).into_response())
}

fn institution_form(
    ctx: &Ctx,
    action: &str,
    f: &InstitutionFields,
    errors: &[FieldError],
) -> Markup {
    let l = ctx.lang;
    let text = |id: &'static str, value: &str, required: bool| {
        html! {
            label for=(id) { (t(l, &format!("field.{id}"))) }
            input id=(id) name=(id) value=(value) required[required] maxlength="200";
        }
    };
    let select = |id: &'static str, opts: Markup| {
        html! {
            label for=(id) { (t(l, &format!("field.{id}"))) }
            select id=(id) name=(id) required { (opts) }
        }
    };
    html! {
        (field_errors(l, errors))
        form.stack method="post" action=(action) {
            (csrf_field(ctx))
            (text("code", &f.code, true))
            (text("name_ja", &f.name_ja, true))
            (text("name_en", &f.name_en, true))
            (select("sector", options(l, "sector", Sector::ALL, Sector::code, Some(&f.sector), false)))
            (select("size_tier", options(l, "tier", SizeTier::ALL, SizeTier::code, Some(&f.size_tier), false)))
            (select("bureau", options(l, "bureau", Bureau::ALL, Bureau::code, Some(&f.bureau), false)))
            (select("prefecture", options(l, "prefecture", Prefecture::ALL, Prefecture::code, Some(&f.prefecture), false)))
            (text("group_name", f.group_name.as_deref().unwrap_or(""), false))
            (select("isac_membership", options(l, "membership", IsacMembership::ALL, IsacMembership::code, f.isac_membership.as_deref(), false)))
            label { input type="checkbox" name="require_totp" value="true" checked[f.require_totp == Some(true)]; " " (t(l, "field.require_totp")) }
            button type="submit" id="save" { (t(l, "common.save")) }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct InstitutionForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_ja: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    size_tier: String,
    #[serde(default)]
    bureau: String,
    #[serde(default)]
    prefecture: String,
    group_name: Option<String>,
    isac_membership: Option<String>,
    require_totp: Option<String>,
}

impl InstitutionForm {
    fn fields(self) -> InstitutionFields {
        InstitutionFields {
            code: self.code,
            name_ja: self.name_ja,
            name_en: self.name_en,
            sector: self.sector,
            size_tier: self.size_tier,
            bureau: self.bureau,
            prefecture: self.prefecture,
            group_name: self.group_name,
            isac_membership: self.isac_membership,
            require_totp: Some(self.require_totp.as_deref() == Some("true")),
        }
    }
}

fn form_page(
    ctx: &Ctx,
    title: &str,
    action: &str,
    f: &InstitutionFields,
    errors: &[FieldError],
) -> Response {
    let mut res = page(
        ctx,
        title,
        Section::Registry,
        institution_form(ctx, action, f, errors),
    );
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::CreateInstitution) {
        return Err(AppError::Forbidden);
    }
    let f = InstitutionFields {
        isac_membership: Some("none".into()),
        ..Default::default()
    };
    Ok(form_page(
        &ctx,
        t(ctx.lang, "registry.new"),
        "/registry/new",
        &f,
        &[],
    ))
}

pub async fn new_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    UiForm(form): UiForm<InstitutionForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::CreateInstitution) {
        return Err(AppError::Forbidden);
    }
    let fields = form.fields();
    let title = t(ctx.lang, "registry.new");
    let input = match fields.validate() {
        Ok(i) => i,
        Err(errors) => return Ok(form_page(&ctx, title, "/registry/new", &fields, &errors)),
    };
    match state
        .store
        .create_institution(&Actor::from(p), &input)
        .await
    {
        Ok(i) => {
            Ok(Redirect::to(&format!("/registry/{}?notice=notice.created", i.id)).into_response())
        }
        Err(mamori_store::StoreError::Conflict { field }) => Ok(form_page(
            &ctx,
            title,
            "/registry/new",
            &fields,
            &[FieldError::new(field, "invalid.taken")],
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let i = institution_for(&state, p, id, InstitutionAction::EditAttributes).await?;
    let title = tf(
        ctx.lang,
        "registry.edit_title",
        &[("name", name(ctx.lang, &i))],
    );
    Ok(form_page(
        &ctx,
        &title,
        &format!("/registry/{id}/edit"),
        &InstitutionFields::from(&i),
        &[],
    ))
}

pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    UiForm(form): UiForm<InstitutionForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let current = institution_for(&state, p, id, InstitutionAction::EditAttributes).await?;
    let fields = form.fields();
    let title = tf(
        ctx.lang,
        "registry.edit_title",
        &[("name", name(ctx.lang, &current))],
    );
    let action = format!("/registry/{id}/edit");
    let input = match fields.validate() {
        Ok(i) => i,
        Err(errors) => return Ok(form_page(&ctx, &title, &action, &fields, &errors)),
    };
    if check_institution(
        p,
        InstitutionAction::EditAttributes,
        InstitutionRef {
            id,
            bureau: input.bureau,
        },
    )
    .is_err()
    {
        return Ok(form_page(
            &ctx,
            &title,
            &action,
            &fields,
            &[FieldError::new("bureau", "invalid.bureau_out_of_scope")],
        ));
    }
    match state
        .store
        .update_institution(&Actor::from(p), &current, &input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/registry/{id}?notice=notice.saved")).into_response()),
        Err(mamori_store::StoreError::Conflict { field }) => Ok(form_page(
            &ctx,
            &title,
            &action,
            &fields,
            &[FieldError::new(field, "invalid.taken")],
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn export_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> AppResult<Response> {
    export_for(&state, ctx.principal()?, &q).await
}

fn import_form(ctx: &Ctx, errors: &[FieldError]) -> Markup {
    let l = ctx.lang;
    html! {
        p { (t(l, "import.explain")) }
        p { (t(l, "import.columns")) " " code { (registry_csv::COLUMNS.join(",")) } }
        p.muted { (t(l, "import.limits")) }
        (field_errors(l, errors))
        form.stack method="post" action=(format!("/registry/import?csrf={}", ctx.csrf)) enctype="multipart/form-data" {
            label for="file" { (t(l, "import.file")) }
            input id="file" name="file" type="file" accept=".csv,text/csv" required;
            button type="submit" id="import" { (t(l, "registry.import")) }
        }
    }
}

pub async fn import_page(ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::CreateInstitution) {
        return Err(AppError::Forbidden);
    }
    Ok(page(
        &ctx,
        t(ctx.lang, "registry.import"),
        Section::Registry,
        import_form(&ctx, &[]),
    ))
}

pub async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if !allows(p, Permission::CreateInstitution) {
        return Err(AppError::Forbidden);
    }
    let l = ctx.lang;
    let mut multipart = multipart.map_err(|_| AppError::UnsupportedMediaType)?;
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("invalid_form", "error.invalid_form"))?
    {
        if field.name() == Some("file") {
            let name_ok = field
                .file_name()
                .map(|n| n.to_ascii_lowercase().ends_with(".csv"))
                .unwrap_or(false);
            if !name_ok {
                let errors = [FieldError::new("file", "invalid.csv_type")];
                let mut res = page(
                    &ctx,
                    t(l, "registry.import"),
                    Section::Registry,
                    import_form(&ctx, &errors),
                );
                *res.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
                return Ok(res);
            }
            let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            file = Some(bytes.to_vec());
        }
    }
    let Some(bytes) = file else {
        let errors = [FieldError::new("file", "invalid.required")];
        let mut res = page(
            &ctx,
            t(l, "registry.import"),
            Section::Registry,
            import_form(&ctx, &errors),
        );
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    };
    match import_bytes(&state, p, &bytes).await {
        Ok(s) => {
            let body = html! {
                p.notice role="status" id="import-result" {
                    (tf(l, "import.done", &[("created", &s.created.to_string()), ("updated", &s.updated.to_string()), ("unchanged", &s.unchanged.to_string())]))
                }
                p { a href="/registry" { (t(l, "nav.registry")) } }
            };
            Ok(page(&ctx, t(l, "registry.import"), Section::Registry, body))
        }
        Err(AppError::Validation(errors)) => {
            let mut res = page(
                &ctx,
                t(l, "registry.import"),
                Section::Registry,
                import_form(&ctx, &errors),
            );
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(AppError::Conflict { field }) => {
            let errors = [FieldError::new(field, "invalid.taken_by_organisation")];
            let mut res = page(
                &ctx,
                t(l, "registry.import"),
                Section::Registry,
                import_form(&ctx, &errors),
            );
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}
