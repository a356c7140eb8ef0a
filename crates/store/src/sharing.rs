//! Mutual aid: shared STIX objects (advisories as `report`, indicators) with their versions
//! and recipients, sightings, the trial policy and TAXII status resources.
//!
//! One row per version of an object; `latest` marks the newest. Every read takes a
//! [`SharingScope`] from `mamori_domain::policy` and passes it through
//! `Sql::sharing_scope`: no query here decides visibility by itself.

use crate::audit::AuditEvent;
use crate::sql::{bind_args, rows_per_statement, Arg, Sql};
use crate::{on_tx, read, Actor, Page, PageRequest, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use mamori_domain::policy::SharingScope;
use mamori_domain::sharing::{Audience, Severity, TrialPolicy};
pub use mamori_domain::sharing::{NewShared, NewSighting, Recipients, SharedObject, Sighting};
use mamori_domain::Tlp;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// Who is publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publisher {
    pub organisation_id: i64,
    pub account_id: Option<i64>,
    /// ISAC curators may publish new versions of anyone's objects.
    pub curator: bool,
}

/// What happened to each object of a publication, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Published {
    Stored,
    /// This version was already there: nothing changed.
    AlreadyStored,
    /// The object belongs to another organisation.
    NotYours,
}

#[derive(Debug, Clone, Default)]
pub struct SharedFilter {
    pub stix_type: Option<String>,
    pub kind: Option<String>,
    pub tlp: Option<Tlp>,
    /// Matches the title or the value, case-insensitively (a scan: slow on large stores).
    pub q: Option<String>,
    /// The value exactly, as compared (indexed).
    pub value: Option<String>,
    /// Only objects valid at this time and not revoked.
    pub active_at: Option<DateTime<Utc>>,
}

/// What a TAXII objects or manifest request asks for.
#[derive(Debug, Clone, Default)]
pub struct TaxiiFilter {
    pub added_after: Option<DateTime<Utc>>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// `None`: the latest version only; `Some(vec![])`: all versions; otherwise these.
    pub versions: Option<Vec<String>>,
    /// Only these TLP markings (a TAXII collection per marking).
    pub tlp: Option<Tlp>,
    /// Rows after this id (the `next` of the previous page).
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// A TAXII status resource: the outcome of one POST of objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxiiStatus {
    pub id: String,
    pub account_id: i64,
    pub created_at: DateTime<Utc>,
    pub total: i64,
    pub successes: Vec<(String, String)>,
    pub failures: Vec<(String, String, String)>,
}

/// Lists count their rows up to this many; beyond it the total reads "more than".
pub const COUNT_CAP: i64 = 10_000;

const OBJECT_COLUMNS: &str = "so.id, so.stix_id, so.stix_type, so.version, so.added_at, so.latest, so.tlp, so.audience, \
     so.author_org, o.code AS author_code, o.name_ja AS author_name_ja, o.name_en AS author_name_en, so.author_account, \
     so.anonymous, so.revoked, so.kind, so.value, so.title, so.severity, so.confidence, so.valid_from, so.valid_until, so.body";

#[derive(sqlx::FromRow)]
struct ObjectRow {
    id: i64,
    stix_id: String,
    stix_type: String,
    version: String,
    added_at: DateTime<Utc>,
    latest: bool,
    tlp: String,
    audience: String,
    author_org: i64,
    author_code: String,
    author_name_ja: String,
    author_name_en: String,
    author_account: Option<i64>,
    anonymous: bool,
    revoked: bool,
    kind: Option<String>,
    value: Option<String>,
    title: String,
    severity: Option<String>,
    confidence: Option<i64>,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    body: String,
}

impl TryFrom<ObjectRow> for SharedObject {
    type Error = StoreError;
    fn try_from(r: ObjectRow) -> Result<SharedObject> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("shared object {}: {what}", r.id));
        Ok(SharedObject {
            tlp: Tlp::from_code(&r.tlp).ok_or_else(|| corrupt("tlp"))?,
            audience: Audience::from_code(&r.audience).ok_or_else(|| corrupt("audience"))?,
            severity: match r.severity.as_deref() {
                None => None,
                Some(s) => Some(Severity::from_code(s).ok_or_else(|| corrupt("severity"))?),
            },
            body: serde_json::from_str(&r.body).map_err(|_| corrupt("body"))?,
            id: r.id,
            stix_id: r.stix_id,
            stix_type: r.stix_type,
            version: r.version,
            added_at: r.added_at,
            latest: r.latest,
            author_organisation: r.author_org,
            author_code: r.author_code,
            author_name_ja: r.author_name_ja,
            author_name_en: r.author_name_en,
            author_account: r.author_account,
            anonymous: r.anonymous,
            revoked: r.revoked,
            kind: r.kind,
            value: r.value,
            title: r.title,
            confidence: r.confidence,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
        })
    }
}

fn decode(rows: Vec<ObjectRow>) -> Result<Vec<SharedObject>> {
    rows.into_iter().map(SharedObject::try_from).collect()
}

fn select(store_backend: crate::Backend) -> Sql {
    Sql::new(
        store_backend,
        &format!("SELECT {OBJECT_COLUMNS} FROM shared_objects so JOIN organisations o ON o.id = so.author_org WHERE 1 = 1"),
    )
}

impl Tx {
    async fn insert_shared_rows(
        &mut self,
        publisher: Publisher,
        rows: &[&NewShared],
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(rows_per_statement(self.backend, 19)) {
            let mut sql = Sql::new(
                self.backend,
                "INSERT INTO shared_objects (stix_id, stix_type, version, added_at, latest, tlp, audience, author_org, \
                 author_account, anonymous, revoked, kind, value, title, severity, confidence, valid_from, valid_until, body) VALUES ",
            );
            for (i, o) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.row(vec![
                    Arg::Text(o.stix_id.clone()),
                    Arg::Text(o.stix_type.clone()),
                    Arg::Text(o.version.clone()),
                    Arg::Time(now),
                    Arg::Bool(true),
                    Arg::Text(o.tlp.code().into()),
                    Arg::Text(o.audience.code().into()),
                    Arg::I64(publisher.organisation_id),
                    Arg::OptI64(publisher.account_id),
                    Arg::Bool(o.anonymous),
                    Arg::Bool(o.revoked),
                    Arg::OptText(o.kind.clone()),
                    Arg::OptText(o.value.clone()),
                    Arg::Text(o.title.clone()),
                    Arg::OptText(o.severity.map(|s| s.code().to_string())),
                    Arg::OptI64(o.confidence),
                    Arg::OptTime(o.valid_from),
                    Arg::OptTime(o.valid_until),
                    Arg::Text(o.body.to_string()),
                ]);
            }
            // Ids come from one increasing sequence in VALUES order on both backends.
            sql.push(" RETURNING id");
            let mut got: Vec<i64> = on_tx!(self, |c| bind_args!(
                sqlx::query_scalar(&sql.text),
                sql.args
            )
            .fetch_all(c)
            .await)?;
            got.sort_unstable();
            ids.extend(got);
        }
        Ok(ids)
    }
}

impl Store {
    /// Publishes objects (new ones or new versions) in one transaction with one audit record.
    /// A version already stored is left alone; an object first published by another
    /// organisation may get new versions only from a curator. With `atomic`, one such object
    /// makes the whole publication change nothing (the outcome still names it).
    pub async fn publish(
        &self,
        actor: &Actor,
        publisher: Publisher,
        objects: &[NewShared],
        atomic: bool,
    ) -> Result<Vec<Published>> {
        let mut tx = self.begin().await?;
        let outcome = tx.publish(actor, publisher, objects, atomic).await?;
        if atomic && outcome.contains(&Published::NotYours) {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    /// Objects and sightings of one publisher in one transaction: a bundle or a TAXII POST.
    /// Sightings already stored (by id) are left alone. With `atomic`, an object of another
    /// organisation makes the whole call change nothing. Returns the objects' outcome and
    /// how many sightings were new.
    pub async fn publish_with_sightings(
        &self,
        actor: &Actor,
        publisher: Publisher,
        objects: &[NewShared],
        sightings: &[NewSighting],
        atomic: bool,
    ) -> Result<(Vec<Published>, usize)> {
        let mut tx = self.begin().await?;
        let outcome = if objects.is_empty() {
            Vec::new()
        } else {
            tx.publish(actor, publisher, objects, atomic).await?
        };
        if atomic && outcome.contains(&Published::NotYours) {
            tx.rollback().await?;
            return Ok((outcome, 0));
        }
        let rows: Vec<(i64, Option<i64>, NewSighting)> = sightings
            .iter()
            .map(|s| (publisher.organisation_id, publisher.account_id, s.clone()))
            .collect();
        let added = tx.insert_sightings(actor, &rows).await?;
        if outcome.is_empty() && added == 0 {
            // Nothing new: nothing to audit, nothing to commit.
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok((outcome, added))
    }

    /// Publications of several publishers in one transaction (demo data, bulk loads).
    pub async fn publish_all(
        &self,
        actor: &Actor,
        batches: &[(Publisher, Vec<NewShared>)],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for (publisher, objects) in batches {
            tx.publish(actor, *publisher, objects, false).await?;
        }
        tx.commit().await
    }
}

impl Tx {
    /// See [`Store::publish`]. When `atomic` and an object is not the publisher's, nothing
    /// is written and the outcome says which.
    pub async fn publish(
        &mut self,
        actor: &Actor,
        publisher: Publisher,
        objects: &[NewShared],
        atomic: bool,
    ) -> Result<Vec<Published>> {
        // TAXII clients page with `added_after` at microsecond precision: store no finer.
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        let tx = self;
        // Existing versions and authors of the objects named, in chunks.
        let mut existing: HashMap<String, (i64, Vec<String>)> = HashMap::new();
        let mut names: Vec<&str> = objects.iter().map(|o| o.stix_id.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for chunk in names.chunks(rows_per_statement(tx.backend, 1)) {
            let mut sql = Sql::new(
                tx.backend,
                "SELECT stix_id, author_org, version FROM shared_objects WHERE stix_id IN (",
            );
            for (i, n) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.text_arg(*n);
            }
            sql.push(")");
            let rows: Vec<(String, i64, String)> =
                on_tx!(tx, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
                    .fetch_all(c)
                    .await)?;
            for (id, org, version) in rows {
                let e = existing.entry(id).or_insert((org, Vec::new()));
                e.1.push(version);
            }
        }
        let mut outcome = Vec::with_capacity(objects.len());
        let mut plain = Vec::new();
        let mut addressed = Vec::new();
        let mut superseding = Vec::new();
        for o in objects {
            let entry = existing
                .entry(o.stix_id.clone())
                .or_insert((publisher.organisation_id, Vec::new()));
            if entry.0 != publisher.organisation_id && !publisher.curator {
                outcome.push(Published::NotYours);
            } else if entry.1.contains(&o.version) {
                outcome.push(Published::AlreadyStored);
            } else {
                if !entry.1.is_empty() {
                    superseding.push(o.stix_id.clone());
                }
                entry.1.push(o.version.clone());
                outcome.push(Published::Stored);
                if o.recipient_organisations.is_empty() && o.recipient_accounts.is_empty() {
                    plain.push(o);
                } else {
                    addressed.push(o);
                }
            }
        }
        if atomic && outcome.contains(&Published::NotYours) {
            return Ok(outcome);
        }
        tx.insert_shared_rows(publisher, &plain, now).await?;
        for o in &addressed {
            let id = tx.insert_shared_rows(publisher, &[o], now).await?[0];
            let mut sql = Sql::new(
                tx.backend,
                "INSERT INTO shared_recipients (object_id, organisation_id, account_id) VALUES ",
            );
            let rows = o
                .recipient_organisations
                .iter()
                .map(|org| (Some(*org), None))
                .chain(o.recipient_accounts.iter().map(|a| (None, Some(*a))));
            for (i, (org, acct)) in rows.enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.row(vec![Arg::I64(id), Arg::OptI64(org), Arg::OptI64(acct)]);
            }
            tx.execute(&sql).await?;
        }
        // Re-mark the newest version of every object that gained an older or newer one.
        superseding.sort_unstable();
        superseding.dedup();
        for chunk in superseding.chunks(rows_per_statement(tx.backend, 1)) {
            let mut sql = Sql::new(
                tx.backend,
                "UPDATE shared_objects SET latest = (version = (SELECT MAX(v.version) FROM shared_objects v WHERE v.stix_id = shared_objects.stix_id)) WHERE stix_id IN (",
            );
            for (i, n) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.text_arg(n.clone());
            }
            sql.push(")");
            tx.execute(&sql).await?;
        }
        let stored = outcome.iter().filter(|o| **o == Published::Stored).count();
        let mut types: HashMap<&str, usize> = HashMap::new();
        for o in objects {
            *types.entry(o.stix_type.as_str()).or_default() += 1;
        }
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(publisher.organisation_id),
            action: "sharing.publish",
            object_type: if objects.len() == 1 { "shared_object" } else { "bundle" },
            object_id: match objects {
                [one] => one.stix_id.clone(),
                _ => format!("{} objects", objects.len()),
            },
            changes: json!({
                "stored": stored,
                "unchanged": objects.len() - stored,
                "types": types,
                "versions": objects.iter().take(20).map(|o| format!("{}@{}", o.stix_id, o.version)).collect::<Vec<_>>(),
            }),
        })
        .await?;
        Ok(outcome)
    }
}

impl Store {
    /// The latest readable version of each object, newest first.
    pub async fn list_shared(
        &self,
        scope: SharingScope,
        filter: &SharedFilter,
        page: &PageRequest,
    ) -> Result<Page<SharedObject>> {
        let mut w = Sql::new(
            self.backend(),
            " FROM shared_objects so JOIN organisations o ON o.id = so.author_org WHERE so.latest",
        );
        w.sharing_scope(scope, "so");
        if let Some(t) = &filter.stix_type {
            w.push(" AND so.stix_type = ").text_arg(t.clone());
        }
        if let Some(k) = &filter.kind {
            w.push(" AND so.kind = ").text_arg(k.clone());
        }
        if let Some(t) = filter.tlp {
            w.push(" AND so.tlp = ").text_arg(t.code());
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            w.contains_any(&["so.title", "so.value"], q);
        }
        if let Some(v) = &filter.value {
            w.push(" AND so.value = ").text_arg(v.clone());
        }
        if let Some(at) = filter.active_at {
            w.push(" AND NOT so.revoked AND (so.valid_from IS NULL OR so.valid_from <= ")
                .arg(Arg::Time(at))
                .push(") AND (so.valid_until IS NULL OR so.valid_until > ")
                .arg(Arg::Time(at))
                .push(")");
        }
        // Counting a million readable rows would cost more than the page: count up to
        // COUNT_CAP + 1 and let the reader say "more than".
        let total: i64 = {
            let sql = format!(
                "SELECT COUNT(*) FROM (SELECT 1{} LIMIT {}) c",
                w.text,
                COUNT_CAP + 1
            );
            read!(self, |c| bind_args!(sqlx::query_scalar(&sql), w.args)
                .fetch_one(c)
                .await)?
        };
        if let Some(cursor) = &page.cursor {
            let after: i64 = cursor.parse().map_err(|_| {
                StoreError::Invalid(vec![mamori_domain::validation::FieldError::new(
                    "next",
                    "invalid.cursor",
                )])
            })?;
            w.push(" AND so.id < ").arg(Arg::I64(after));
        }
        let limit = page.limit();
        w.push(&format!(" ORDER BY so.id DESC LIMIT {}", limit + 1));
        let sql = format!("SELECT {OBJECT_COLUMNS}{}", w.text);
        let rows: Vec<ObjectRow> = read!(self, |c| bind_args!(sqlx::query_as(&sql), w.args)
            .fetch_all(c)
            .await)?;
        let mut items = decode(rows)?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|o| o.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next, total })
    }

    /// Every readable version of one object, oldest first; empty when none is readable.
    pub async fn shared_versions(
        &self,
        scope: SharingScope,
        stix_id: &str,
    ) -> Result<Vec<SharedObject>> {
        let mut w = select(self.backend());
        w.push(" AND so.stix_id = ").text_arg(stix_id);
        w.sharing_scope(scope, "so");
        w.push(" ORDER BY so.version, so.id");
        let rows: Vec<ObjectRow> = read!(self, |c| bind_args!(sqlx::query_as(&w.text), w.args)
            .fetch_all(c)
            .await)?;
        decode(rows)
    }

    /// The latest version of one object, if the scope may read it.
    pub async fn shared_object(&self, scope: SharingScope, stix_id: &str) -> Result<SharedObject> {
        let mut w = select(self.backend());
        w.push(" AND so.latest AND so.stix_id = ").text_arg(stix_id);
        w.sharing_scope(scope, "so");
        let row: Option<ObjectRow> = read!(self, |c| bind_args!(sqlx::query_as(&w.text), w.args)
            .fetch_optional(c)
            .await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The recipients of one stored version (for its author and for policy checks).
    pub async fn recipients(&self, object_id: i64) -> Result<Recipients> {
        let rows: Vec<(Option<i64>, Option<i64>)> = read!(self, |c| sqlx::query_as(
            "SELECT organisation_id, account_id FROM shared_recipients WHERE object_id = $1"
        )
        .bind(object_id)
        .fetch_all(c)
        .await)?;
        Ok(Recipients {
            organisations: rows.iter().filter_map(|r| r.0).collect(),
            accounts: rows.iter().filter_map(|r| r.1).collect(),
        })
    }

    /// Objects for TAXII, in the order they were added. Returns one more row than `limit`
    /// when there are more.
    pub async fn taxii_objects(
        &self,
        scope: SharingScope,
        filter: &TaxiiFilter,
    ) -> Result<Vec<SharedObject>> {
        let mut w = select(self.backend());
        w.sharing_scope(scope, "so");
        if let Some(t) = filter.tlp {
            w.push(" AND so.tlp = ").text_arg(t.code());
        }
        if let Some(after) = filter.added_after {
            w.push(" AND so.added_at > ").arg(Arg::Time(after));
        }
        if let Some(id) = filter.after_id {
            w.push(" AND so.id > ").arg(Arg::I64(id));
        }
        for (column, values) in [("so.stix_id", &filter.ids), ("so.stix_type", &filter.types)] {
            if !values.is_empty() {
                w.push(&format!(" AND {column} IN ("));
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.text_arg(v.clone());
                }
                w.push(")");
            }
        }
        match &filter.versions {
            None => {
                w.push(" AND so.latest");
            }
            Some(v) if v.is_empty() => {}
            Some(v) => {
                w.push(" AND (1 = 0");
                for version in v {
                    match version.as_str() {
                        "last" => w.push(" OR so.latest"),
                        "first" => w.push(" OR so.version = (SELECT MIN(f.version) FROM shared_objects f WHERE f.stix_id = so.stix_id)"),
                        other => w.push(" OR so.version = ").text_arg(other.to_string()),
                    };
                }
                w.push(")");
            }
        }
        w.push(&format!(" ORDER BY so.id LIMIT {}", filter.limit + 1));
        let rows: Vec<ObjectRow> = read!(self, |c| bind_args!(sqlx::query_as(&w.text), w.args)
            .fetch_all(c)
            .await)?;
        decode(rows)
    }

    pub async fn add_sighting(
        &self,
        actor: &Actor,
        organisation_id: i64,
        account_id: Option<i64>,
        s: &NewSighting,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
            "INSERT INTO sightings (stix_id, indicator_stix_id, organisation_id, account_id, count, first_seen, last_seen, false_positive, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
        )
        .bind(&s.stix_id)
        .bind(&s.indicator_stix_id)
        .bind(organisation_id)
        .bind(account_id)
        .bind(s.count)
        .bind(s.first_seen)
        .bind(s.last_seen)
        .bind(s.false_positive)
        .bind(s.created)
        .fetch_one(c)
        .await)
        .map_err(crate::conflict_on("stix_id"))?;
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(organisation_id),
            action: "sighting.create",
            object_type: "sighting",
            object_id: s.stix_id.clone(),
            changes: json!({"indicator": s.indicator_stix_id, "count": s.count, "false_positive": s.false_positive}),
        })
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Many sightings at once (demo data), each audited, in one transaction.
    pub async fn add_sightings(&self, actor: &Actor, rows: &[(i64, NewSighting)]) -> Result<usize> {
        let rows: Vec<(i64, Option<i64>, NewSighting)> = rows
            .iter()
            .map(|(org, s)| (*org, None, s.clone()))
            .collect();
        let mut tx = self.begin().await?;
        let added = tx.insert_sightings(actor, &rows).await?;
        if added == 0 {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(added)
    }

    /// Every sighting of one indicator. Callers show them only as the policy allows
    /// (`SharingScope::sees_sighters`).
    pub async fn sightings_of(&self, indicator_stix_id: &str) -> Result<Vec<Sighting>> {
        let rows: Vec<SightingRow> = read!(self, |c| {
            sqlx::query_as(
            "SELECT s.id, s.stix_id, s.indicator_stix_id, s.organisation_id, o.code, o.name_ja, o.name_en, s.count, \
             s.first_seen, s.last_seen, s.false_positive, s.created_at FROM sightings s JOIN organisations o ON o.id = s.organisation_id \
             WHERE s.indicator_stix_id = $1 ORDER BY s.id"
        )
        .bind(indicator_stix_id)
        .fetch_all(c)
        .await
        })?;
        Ok(rows.into_iter().map(Sighting::from).collect())
    }

    /// How many organisations reported a true sighting of each indicator: what everyone
    /// who can read an indicator may know.
    pub async fn sighting_counts(
        &self,
        indicator_stix_ids: &[String],
    ) -> Result<HashMap<String, i64>> {
        let mut out = HashMap::new();
        for chunk in indicator_stix_ids.chunks(rows_per_statement(self.backend(), 1)) {
            let mut sql = Sql::new(
                self.backend(),
                "SELECT indicator_stix_id, COUNT(DISTINCT organisation_id) FROM sightings WHERE NOT false_positive AND indicator_stix_id IN (",
            );
            for (i, n) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.text_arg(n.clone());
            }
            sql.push(") GROUP BY indicator_stix_id");
            let rows: Vec<(String, i64)> =
                read!(self, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
                    .fetch_all(c)
                    .await)?;
            out.extend(rows);
        }
        Ok(out)
    }

    pub async fn trial_policy(&self) -> Result<TrialPolicy> {
        let row: (String, bool, bool) = read!(self, |c| {
            sqlx::query_as(
            "SELECT trial_max_tlp, trial_may_post, trial_may_use_taxii FROM sharing_policy WHERE id = 1"
        )
        .fetch_one(c)
        .await
        })?;
        Ok(TrialPolicy {
            max_tlp: Tlp::from_code(&row.0)
                .ok_or_else(|| StoreError::Corrupt(format!("trial_max_tlp = {}", row.0)))?,
            may_post: row.1,
            may_use_taxii: row.2,
        })
    }

    pub async fn set_trial_policy(
        &self,
        actor: &Actor,
        organisation_id: i64,
        p: &TrialPolicy,
    ) -> Result<()> {
        let before = self.trial_policy().await?;
        let mut tx = self.begin().await?;
        on_tx!(tx, |c| {
            sqlx::query(
            "UPDATE sharing_policy SET trial_max_tlp = $1, trial_may_post = $2, trial_may_use_taxii = $3, updated_at = $4 WHERE id = 1"
        )
        .bind(p.max_tlp.code())
        .bind(p.may_post)
        .bind(p.may_use_taxii)
        .bind(Utc::now())
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(organisation_id),
            action: "sharing.trial_policy",
            object_type: "sharing_policy",
            object_id: "1".into(),
            changes: json!({"before": before, "after": p}),
        })
        .await?;
        tx.commit().await
    }

    /// Stores the outcome of a TAXII POST. It records the state change the POST already
    /// audited, so it is bookkeeping, committed without an audit record of its own.
    pub async fn insert_taxii_status(&self, s: &TaxiiStatus) -> Result<()> {
        let tx = {
            let mut tx = self.begin().await?;
            on_tx!(tx, |c| {
                sqlx::query(
                "INSERT INTO taxii_status (id, account_id, created_at, total, successes, failures) VALUES ($1, $2, $3, $4, $5, $6)"
            )
            .bind(&s.id)
            .bind(s.account_id)
            .bind(s.created_at)
            .bind(s.total)
            .bind(serde_json::to_string(&s.successes).unwrap_or_default())
            .bind(serde_json::to_string(&s.failures).unwrap_or_default())
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            tx
        };
        tx.commit_unaudited().await
    }

    /// A status resource, for the account that created it only.
    pub async fn taxii_status(&self, account_id: i64, id: &str) -> Result<TaxiiStatus> {
        let row: Option<(String, i64, DateTime<Utc>, i64, String, String)> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, account_id, created_at, total, successes, failures FROM taxii_status WHERE id = $1 AND account_id = $2"
        )
        .bind(id)
        .bind(account_id)
        .fetch_optional(c)
        .await
        })?;
        let r = row.ok_or(StoreError::NotFound)?;
        let corrupt = || StoreError::Corrupt(format!("taxii status {}", r.0));
        Ok(TaxiiStatus {
            successes: serde_json::from_str(&r.4).map_err(|_| corrupt())?,
            failures: serde_json::from_str(&r.5).map_err(|_| corrupt())?,
            id: r.0.clone(),
            account_id: r.1,
            created_at: r.2,
            total: r.3,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SightingRow {
    id: i64,
    stix_id: String,
    indicator_stix_id: String,
    organisation_id: i64,
    code: String,
    name_ja: String,
    name_en: String,
    count: i64,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    false_positive: bool,
    created_at: DateTime<Utc>,
}

impl From<SightingRow> for Sighting {
    fn from(r: SightingRow) -> Sighting {
        Sighting {
            id: r.id,
            stix_id: r.stix_id,
            indicator_stix_id: r.indicator_stix_id,
            organisation_id: r.organisation_id,
            organisation_code: r.code,
            organisation_name_ja: r.name_ja,
            organisation_name_en: r.name_en,
            count: r.count,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            false_positive: r.false_positive,
            created_at: r.created_at,
        }
    }
}

impl Store {
    /// An organisation's code, to name recipients back to the author.
    pub async fn organisation_code(&self, id: i64) -> Result<String> {
        let code: Option<String> = read!(self, |c| sqlx::query_scalar(
            "SELECT code FROM organisations WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?;
        code.ok_or(StoreError::NotFound)
    }

    pub async fn username_of(&self, account_id: i64) -> Result<String> {
        let name: Option<String> = read!(self, |c| sqlx::query_scalar(
            "SELECT username FROM accounts WHERE id = $1"
        )
        .bind(account_id)
        .fetch_optional(c)
        .await)?;
        name.ok_or(StoreError::NotFound)
    }
}

impl Tx {
    /// Inserts sightings (organisation, account, sighting) in multi-row statements, skipping
    /// ids already stored, and audits each one written. Returns how many were written.
    pub async fn insert_sightings(
        &mut self,
        actor: &Actor,
        rows: &[(i64, Option<i64>, NewSighting)],
    ) -> Result<usize> {
        let mut written: std::collections::HashSet<String> = Default::default();
        for chunk in rows.chunks(rows_per_statement(self.backend, 9)) {
            let mut sql = Sql::new(
                self.backend,
                "INSERT INTO sightings (stix_id, indicator_stix_id, organisation_id, account_id, count, first_seen, last_seen, false_positive, created_at) VALUES ",
            );
            for (i, (org, account, s)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.row(vec![
                    Arg::Text(s.stix_id.clone()),
                    Arg::Text(s.indicator_stix_id.clone()),
                    Arg::I64(*org),
                    Arg::OptI64(*account),
                    Arg::I64(s.count),
                    Arg::Time(s.first_seen),
                    Arg::Time(s.last_seen),
                    Arg::Bool(s.false_positive),
                    Arg::Time(s.created),
                ]);
            }
            sql.push(" ON CONFLICT (stix_id) DO NOTHING RETURNING stix_id");
            let got: Vec<String> = on_tx!(self, |c| bind_args!(
                sqlx::query_scalar(&sql.text),
                sql.args
            )
            .fetch_all(c)
            .await)?;
            written.extend(got);
        }
        let events = rows
            .iter()
            .filter(|(_, _, s)| written.contains(&s.stix_id))
            .map(|(org, _, s)| AuditEvent {
                actor,
                organisation_id: Some(*org),
                action: "sighting.create",
                object_type: "sighting",
                object_id: s.stix_id.clone(),
                changes: json!({"indicator": s.indicator_stix_id, "count": s.count, "false_positive": s.false_positive}),
            })
            .collect();
        self.audit_many(events).await?;
        Ok(written.len())
    }
}
