//! The TAXII 2.1 server at `/taxii2/`: discovery, one API root (`mamori`), a collection per
//! TLP marking that may be fed (CLEAR, GREEN, AMBER), objects with `added_after`, `limit`,
//! `next` and `match[...]`, manifests, versions, POST answered with a status resource, and
//! DELETE (a revocation: history stays). Access is the caller's bearer token; what a
//! collection returns passes the same TLP policy as every other read path, as a feed
//! (AMBER+STRICT and RED never leave). Errors are TAXII error messages (see
//! `AppError::taxii_response`).

use crate::api::sharing::{publisher, scope_of, set_revoked};
use crate::context::{Ctx, PathParam};
use crate::error::{AppError, AppResult};
use crate::sharing::{date_added, parse_object, to_stix, uuid_for, ImportDefaults, Parsed};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mamori_domain::policy::{check_sharing, Principal, SharingAction, SharingScope};
use mamori_domain::Tlp;
use mamori_store::sharing::{Published, SharedObject, TaxiiFilter, TaxiiStatus};
use mamori_store::Actor;
use serde_json::{json, Value};

pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
const ROOT: &str = "/taxii2/mamori/";
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// The collections: one per marking that may go out in a feed.
const COLLECTIONS: [Tlp; 3] = [Tlp::Clear, Tlp::Green, Tlp::Amber];

pub fn collection_id(tlp: Tlp) -> String {
    uuid_for(&format!("mamori-taxii-collection:{}", tlp.code()))
}

fn collection_of(id: &str) -> AppResult<Tlp> {
    COLLECTIONS
        .into_iter()
        .find(|t| collection_id(*t) == id)
        .ok_or(AppError::NotFound)
}

fn is_taxii(media: &str) -> bool {
    let mut parts = media.split(';').map(|p| p.trim().to_ascii_lowercase());
    let kind = parts.next().unwrap_or_default();
    if kind != "application/taxii+json" {
        return false;
    }
    parts.all(|p| match p.split_once('=') {
        Some(("version", v)) => v.trim_matches('"') == "2.1",
        _ => true,
    })
}

/// 406 unless the client accepts TAXII 2.1.
fn accepts(headers: &HeaderMap) -> AppResult<()> {
    let ok = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(is_taxii);
    if ok {
        Ok(())
    } else {
        Err(AppError::NotAcceptable)
    }
}

fn taxii_json(status: StatusCode, v: &Value) -> Response {
    let mut res = (status, serde_json::to_vec(v).unwrap_or_default()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    res
}

/// The signed-in caller, if the TAXII server is open to them (trial members per policy).
async fn caller<'a>(state: &AppState, ctx: &'a Ctx) -> AppResult<(&'a Principal, SharingScope)> {
    let p = ctx.principal()?;
    let (scope, trial) = scope_of(state, p).await?;
    check_sharing(p, SharingAction::Taxii, &trial)?;
    Ok((p, scope.for_feed()))
}

fn can_read(scope: &SharingScope, tlp: Tlp) -> bool {
    match tlp {
        // AMBER may be addressed to any organisation, member or not; the policy filters
        // the objects.
        Tlp::Clear | Tlp::Amber => true,
        _ => scope.staff || scope.community.is_some_and(|c| tlp <= c),
    }
}

pub async fn discovery(headers: HeaderMap) -> AppResult<Response> {
    accepts(&headers)?;
    Ok(taxii_json(
        StatusCode::OK,
        &json!({
            "title": "mamori TAXII 2.1",
            "description": "Advisories and indicators shared by the financial sector's members, under TLP 2.0.",
            "default": ROOT,
            "api_roots": [ROOT],
        }),
    ))
}

pub async fn api_root(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> AppResult<Response> {
    accepts(&headers)?;
    caller(&state, &ctx).await?;
    Ok(taxii_json(
        StatusCode::OK,
        &json!({
            "title": "mamori",
            "description": "Mutual aid: one collection per TLP marking that may be fed.",
            "versions": [MEDIA_TYPE],
            "max_content_length": crate::context::MAX_IMPORT_BODY,
        }),
    ))
}

fn collection_json(tlp: Tlp, scope: &SharingScope, may_post: bool) -> Value {
    json!({
        "id": collection_id(tlp),
        "title": tlp.label(),
        "description": format!("Objects marked {} that you may read", tlp.label()),
        "can_read": can_read(scope, tlp),
        "can_write": may_post,
        "media_types": [STIX_MEDIA_TYPE],
    })
}

pub async fn collections(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> AppResult<Response> {
    accepts(&headers)?;
    let (p, scope) = caller(&state, &ctx).await?;
    let may_post = may_post(&state, p).await?;
    let list: Vec<Value> = COLLECTIONS
        .into_iter()
        .map(|t| collection_json(t, &scope, may_post))
        .collect();
    Ok(taxii_json(StatusCode::OK, &json!({ "collections": list })))
}

async fn may_post(state: &AppState, p: &Principal) -> AppResult<bool> {
    let trial = state.store.trial_policy().await?;
    Ok(check_sharing(p, SharingAction::Post, &trial).is_ok())
}

pub async fn collection(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    accepts(&headers)?;
    let (p, scope) = caller(&state, &ctx).await?;
    let tlp = collection_of(&id)?;
    let may_post = may_post(&state, p).await?;
    Ok(taxii_json(
        StatusCode::OK,
        &collection_json(tlp, &scope, may_post),
    ))
}

fn bad(detail: &str) -> AppError {
    AppError::bad_request("bad_filter", detail)
}

/// The filters of a request: `added_after`, `limit`, `next`, `match[id|type|version|spec_version]`.
fn filter_of(uri: &Uri, tlp: Tlp) -> AppResult<(TaxiiFilter, bool)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|_| bad("taxii.bad_query"))?;
    let mut f = TaxiiFilter {
        tlp: Some(tlp),
        limit: DEFAULT_LIMIT,
        ..Default::default()
    };
    let mut spec_ok = true;
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    for (k, v) in &pairs {
        match k.as_str() {
            "added_after" => {
                f.added_after = Some(
                    DateTime::parse_from_rfc3339(v)
                        .map_err(|_| bad("taxii.bad_added_after"))?
                        .with_timezone(&Utc),
                )
            }
            "limit" => {
                let n: i64 = v.parse().map_err(|_| bad("taxii.bad_limit"))?;
                if n < 1 {
                    return Err(bad("taxii.bad_limit"));
                }
                f.limit = n.min(MAX_LIMIT);
            }
            "next" => f.after_id = Some(v.parse().map_err(|_| bad("taxii.bad_next"))?),
            "match[id]" => f.ids.extend(list(v)),
            "match[type]" => f.types.extend(list(v)),
            "match[version]" => {
                let vs = list(v);
                if vs.iter().any(|v| v == "all") {
                    f.versions = Some(Vec::new());
                } else {
                    f.versions = Some(vs);
                }
            }
            "match[spec_version]" => spec_ok = list(v).iter().any(|s| s == "2.1"),
            _ => {}
        }
    }
    Ok((f, spec_ok))
}

/// One page of a collection and whether more follow.
async fn page(
    state: &AppState,
    scope: SharingScope,
    f: &TaxiiFilter,
    spec_ok: bool,
) -> AppResult<(Vec<SharedObject>, bool)> {
    if !spec_ok {
        return Ok((Vec::new(), false));
    }
    let mut rows = state.store.taxii_objects(scope, f).await?;
    let more = rows.len() as i64 > f.limit;
    rows.truncate(f.limit as usize);
    Ok((rows, more))
}

fn envelope(rows: &[SharedObject], more: bool, items: Vec<Value>, key: &str) -> Response {
    let mut body = json!({ "more": more });
    if more {
        if let Some(last) = rows.last() {
            body["next"] = json!(last.id.to_string());
        }
    }
    if !items.is_empty() {
        body[key] = Value::Array(items);
    }
    let mut res = taxii_json(StatusCode::OK, &body);
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        for (name, t) in [
            ("x-taxii-date-added-first", first.added_at),
            ("x-taxii-date-added-last", last.added_at),
        ] {
            if let Ok(v) = HeaderValue::from_str(&date_added(t)) {
                res.headers_mut().insert(name, v);
            }
        }
    }
    res
}

async fn readable_collection(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: &str,
) -> AppResult<(SharingScope, Tlp)> {
    accepts(headers)?;
    let (_, scope) = caller(state, ctx).await?;
    let tlp = collection_of(id)?;
    if !can_read(&scope, tlp) {
        return Err(AppError::Forbidden);
    }
    Ok((scope, tlp))
}

pub async fn get_objects(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: Uri,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    let (scope, tlp) = readable_collection(&state, &ctx, &headers, &id).await?;
    let (f, spec_ok) = filter_of(&uri, tlp)?;
    let (rows, more) = page(&state, scope, &f, spec_ok).await?;
    let items = rows.iter().map(|o| to_stix(o, &scope)).collect();
    Ok(envelope(&rows, more, items, "objects"))
}

pub async fn manifest(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: Uri,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    let (scope, tlp) = readable_collection(&state, &ctx, &headers, &id).await?;
    let (f, spec_ok) = filter_of(&uri, tlp)?;
    let (rows, more) = page(&state, scope, &f, spec_ok).await?;
    let items = rows
        .iter()
        .map(|o| {
            json!({
                "id": o.stix_id,
                "date_added": date_added(o.added_at),
                "version": o.version,
                "media_type": STIX_MEDIA_TYPE,
            })
        })
        .collect();
    Ok(envelope(&rows, more, items, "objects"))
}

/// The rows of one object: its latest version (or those `match[version]` names), or every
/// version; "not found" when the reader may see none.
async fn object_rows(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    uri: &Uri,
    (id, object_id): (String, String),
    every_version: bool,
) -> AppResult<(SharingScope, Vec<SharedObject>, bool)> {
    let (scope, tlp) = readable_collection(state, ctx, headers, &id).await?;
    let (mut f, spec_ok) = filter_of(uri, tlp)?;
    f.ids = vec![object_id];
    if every_version {
        f.versions = Some(Vec::new());
    }
    let (rows, more) = page(state, scope, &f, spec_ok).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok((scope, rows, more))
}

pub async fn get_object(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: Uri,
    PathParam(ids): PathParam<(String, String)>,
) -> AppResult<Response> {
    let (scope, rows, more) = object_rows(&state, &ctx, &headers, &uri, ids, false).await?;
    let items = rows.iter().map(|o| to_stix(o, &scope)).collect();
    Ok(envelope(&rows, more, items, "objects"))
}

pub async fn versions(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: Uri,
    PathParam(ids): PathParam<(String, String)>,
) -> AppResult<Response> {
    let (_, rows, more) = object_rows(&state, &ctx, &headers, &uri, ids, true).await?;
    let items = rows.iter().map(|o| json!(o.version)).collect();
    Ok(envelope(&rows, more, items, "versions"))
}

pub async fn delete_object(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PathParam((id, object_id)): PathParam<(String, String)>,
) -> AppResult<Response> {
    let (_, _) = readable_collection(&state, &ctx, &headers, &id).await?;
    let p = ctx.principal()?;
    set_revoked(&state, p, &object_id, true).await?;
    Ok(taxii_json(StatusCode::OK, &json!({})))
}

fn status_json(s: &TaxiiStatus) -> Value {
    let pair = |(id, version): &(String, String)| json!({"id": id, "version": version});
    json!({
        "id": s.id,
        "status": "complete",
        "request_timestamp": date_added(s.created_at),
        "total_count": s.total,
        "success_count": s.successes.len(),
        "successes": s.successes.iter().map(pair).collect::<Vec<_>>(),
        "failure_count": s.failures.len(),
        "failures": s.failures.iter().map(|(id, version, message)| json!({"id": id, "version": version, "message": message})).collect::<Vec<_>>(),
        "pending_count": 0,
        "pendings": [],
    })
}

pub async fn add_objects(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
    body: Bytes,
) -> AppResult<Response> {
    accepts(&headers)?;
    let content_ok = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_taxii);
    if !content_ok {
        return Err(AppError::UnsupportedMediaType);
    }
    let (p, scope) = caller(&state, &ctx).await?;
    let tlp = collection_of(&id)?;
    let trial = state.store.trial_policy().await?;
    check_sharing(p, SharingAction::Post, &trial)?;
    let doc: Value = crate::context::parse_json(&body)?;
    let Some(objects) = doc.get("objects").and_then(Value::as_array) else {
        return Err(AppError::bad_request(
            "not_an_envelope",
            "taxii.not_an_envelope",
        ));
    };
    let l = ctx.lang;
    let defaults = ImportDefaults {
        tlp: Some(tlp),
        anonymous: false,
    };
    let mut successes = Vec::new();
    let mut failures = Vec::new();
    let mut shared = Vec::new();
    let mut sightings = Vec::new();
    for o in objects {
        match parse_object(o, defaults) {
            Ok(Parsed::Object(n)) if !n.tlp.may_be_fed() => failures.push((
                n.stix_id.clone(),
                n.version.clone(),
                crate::i18n::t(l, "stix.not_for_feeds").to_string(),
            )),
            Ok(Parsed::Object(n)) => shared.push(*n),
            Ok(Parsed::Sighting(s)) => sightings.push(s),
            Ok(Parsed::Described) => successes.push((
                o.get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                o.get("modified")
                    .or_else(|| o.get("created"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            )),
            Err(e) => failures.push((
                e.id.clone(),
                e.version.clone(),
                crate::api::sharing::refusal(l, &e).message,
            )),
        }
    }
    // Sightings of indicators the caller may read (or sends now); the rest are failures.
    let mut readable = Vec::new();
    for s in sightings {
        let known = shared.iter().any(|n| n.stix_id == s.indicator_stix_id)
            || state
                .store
                .shared_object(scope, &s.indicator_stix_id)
                .await
                .is_ok();
        if known {
            readable.push(s);
        } else {
            failures.push((
                s.stix_id.clone(),
                s.last_seen.to_rfc3339(),
                crate::i18n::t(l, "stix.sighting_of_unknown").to_string(),
            ));
        }
    }
    // Objects and sightings in one transaction; an object of another organisation fails
    // alone, as TAXII reports per object.
    let (outcome, _) = state
        .store
        .publish_with_sightings(&Actor::from(p), publisher(p), &shared, &readable, false)
        .await?;
    for (n, o) in shared.iter().zip(outcome) {
        match o {
            Published::Stored | Published::AlreadyStored => {
                successes.push((n.stix_id.clone(), n.version.clone()))
            }
            Published::NotYours => failures.push((
                n.stix_id.clone(),
                n.version.clone(),
                crate::i18n::t(l, "stix.not_yours").to_string(),
            )),
        }
    }
    successes.extend(
        readable
            .iter()
            .map(|s| (s.stix_id.clone(), s.last_seen.to_rfc3339())),
    );
    let status = TaxiiStatus {
        id: crate::sharing::random_uuid(),
        account_id: p.account_id,
        created_at: Utc::now(),
        total: objects.len() as i64,
        successes,
        failures,
    };
    state.store.insert_taxii_status(&status).await?;
    Ok(taxii_json(StatusCode::ACCEPTED, &status_json(&status)))
}

pub async fn status(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    accepts(&headers)?;
    let (p, _) = caller(&state, &ctx).await?;
    let s = state.store.taxii_status(p.account_id, &id).await?;
    Ok(taxii_json(StatusCode::OK, &status_json(&s)))
}
