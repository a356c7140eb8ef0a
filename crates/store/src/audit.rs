//! Writing, browsing and verifying the audit trail.

use crate::sql::{bind_args, rows_per_statement, Arg, Cursor, Sql};
use crate::{on_tx, read, Page, PageRequest, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mamori_domain::audit::{audit_time, chain_hash, AuditRecord, ChainBreak, ChainVerifier};
use mamori_domain::policy::AuditScope;
use mamori_domain::Principal;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub name: String,
}

impl Actor {
    /// A change made from the command line or by the system itself, not by a signed-in user.
    pub fn system(name: &str) -> Actor {
        Actor {
            account_id: None,
            name: name.to_string(),
        }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Actor {
        Actor {
            account_id: Some(p.account_id),
            name: p.username.clone(),
        }
    }
}

/// What an audit record says happened.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub actor: &'a Actor,
    pub organisation_id: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub changes: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: DateTime<Utc>,
    actor_account_id: Option<i64>,
    actor: String,
    organisation_id: Option<i64>,
    action: String,
    object_type: String,
    object_id: String,
    changes: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> Self {
        AuditRecord {
            seq: r.seq,
            at: r.at,
            actor_account_id: r.actor_account_id,
            actor: r.actor,
            organisation_id: r.organisation_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            changes: r.changes,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLUMNS: &str = "seq, at, actor_account_id, actor, organisation_id, action, object_type, object_id, changes, prev_hash, hash";

impl Tx {
    /// Appends an audit record inside this transaction.
    pub async fn audit(&mut self, event: AuditEvent<'_>) -> Result<AuditRecord> {
        let mut records = self.audit_many(vec![event]).await?;
        records
            .pop()
            .ok_or_else(|| StoreError::Corrupt("no audit record written".into()))
    }

    /// Appends audit records, in order, inside this transaction. The head row is claimed
    /// first with an UPDATE, which serialises concurrent writers on both backends so that the
    /// chain never forks; the records are then chained in memory and written in bulk.
    pub async fn audit_many(&mut self, events: Vec<AuditEvent<'_>>) -> Result<Vec<AuditRecord>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let n = events.len() as i64;
        let (last, mut prev_hash): (i64, String) = on_tx!(self, |c| sqlx::query_as(
            "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash"
        )
        .bind(n)
        .fetch_one(c)
        .await)?;
        let at = audit_time(Utc::now());
        let mut records = Vec::with_capacity(events.len());
        for (i, event) in events.into_iter().enumerate() {
            let seq = last - n + 1 + i as i64;
            let changes = event.changes.to_string();
            let hash = chain_hash(
                &prev_hash,
                seq,
                at,
                event.actor.account_id,
                &event.actor.name,
                event.organisation_id,
                event.action,
                event.object_type,
                &event.object_id,
                &changes,
            );
            records.push(AuditRecord {
                seq,
                at,
                actor_account_id: event.actor.account_id,
                actor: event.actor.name.clone(),
                organisation_id: event.organisation_id,
                action: event.action.to_string(),
                object_type: event.object_type.to_string(),
                object_id: event.object_id,
                changes,
                prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
                hash,
            });
        }
        for chunk in records.chunks(rows_per_statement(self.backend, 11)) {
            let mut sql = Sql::new(
                self.backend,
                &format!("INSERT INTO audit_log ({COLUMNS}) VALUES "),
            );
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.row(vec![
                    Arg::I64(r.seq),
                    Arg::Time(r.at),
                    Arg::OptI64(r.actor_account_id),
                    Arg::Text(r.actor.clone()),
                    Arg::OptI64(r.organisation_id),
                    Arg::Text(r.action.clone()),
                    Arg::Text(r.object_type.clone()),
                    Arg::Text(r.object_id.clone()),
                    Arg::Text(r.changes.clone()),
                    Arg::Text(r.prev_hash.clone()),
                    Arg::Text(r.hash.clone()),
                ]);
            }
            self.execute(&sql).await?;
        }
        on_tx!(self, |c| sqlx::query(
            "UPDATE audit_head SET hash = $1 WHERE id = 1"
        )
        .bind(&prev_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        self.audited = true;
        Ok(records)
    }
}

/// Filters for browsing the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Actions starting with this text (e.g. `institution.`).
    pub action_prefix: Option<String>,
    pub actor: Option<String>,
    pub organisation_id: Option<i64>,
}

impl Store {
    /// How many changes the database has seen: the sequence number at the head of the audit
    /// chain. Every change is audited in its own transaction, so this number moves whenever
    /// any data does; a cache keyed by it is never served stale. (Read it *before* the data
    /// it guards: a change landing in between then only costs a reload.)
    pub async fn change_counter(&self) -> Result<i64> {
        Ok(read!(self, |c| sqlx::query_scalar::<_, i64>(
            "SELECT seq FROM audit_head WHERE id = 1"
        )
        .fetch_one(c)
        .await)?)
    }

    /// Newest first, within the caller's scope.
    pub async fn list_audit(
        &self,
        scope: AuditScope,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>> {
        let mut where_ = Sql::new(self.backend(), " WHERE 1 = 1");
        where_.audit_scope(scope, "organisation_id");
        if let Some(prefix) = filter.action_prefix.as_deref().filter(|s| !s.is_empty()) {
            where_.starts_with("action", prefix);
        }
        if let Some(actor) = filter.actor.as_deref().filter(|s| !s.is_empty()) {
            where_.push(" AND actor = ").text_arg(actor);
        }
        if let Some(org) = filter.organisation_id {
            where_.push(" AND organisation_id = ").arg(Arg::I64(org));
        }
        let count_sql = format!("SELECT COUNT(*) FROM audit_log{}", where_.text);
        let total: i64 = read!(self, |c| bind_args!(
            sqlx::query_scalar(&count_sql),
            where_.args
        )
        .fetch_one(c)
        .await)?;

        if let Some(cursor) = &page.cursor {
            let c = Cursor::decode(cursor).ok_or_else(invalid_cursor)?;
            where_.push(" AND seq < ").arg(Arg::I64(c.id));
        }
        let limit = page.limit();
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log{} ORDER BY seq DESC LIMIT {}",
            where_.text,
            limit + 1
        );
        let mut rows: Vec<AuditRow> =
            read!(self, |c| bind_args!(sqlx::query_as(&sql), where_.args)
                .fetch_all(c)
                .await)?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| {
                Cursor {
                    key: String::new(),
                    id: r.seq,
                }
                .encode()
            })
        } else {
            None
        };
        Ok(Page {
            items: rows.into_iter().map(AuditRecord::from).collect(),
            next,
            total,
        })
    }

    /// Walks the whole chain in order and compares it with the head. Returns the number of
    /// records when intact.
    pub async fn verify_audit(&self) -> Result<Result<i64, ChainBreak>> {
        let sql = format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq");
        let mut verifier = ChainVerifier::default();
        let outcome: Result<Option<ChainBreak>> = read!(self, |c| {
            let mut rows = sqlx::query_as::<_, AuditRow>(&sql).fetch(c);
            let mut broken = None;
            while let Some(row) = rows.try_next().await? {
                if let Err(b) = verifier.push(&row.into()) {
                    broken = Some(b);
                    break;
                }
            }
            Ok(broken)
        });
        if let Some(b) = outcome? {
            return Ok(Err(b));
        }
        let (seq, hash): (i64, String) = read!(self, |c| sqlx::query_as(
            "SELECT seq, hash FROM audit_head WHERE id = 1"
        )
        .fetch_one(c)
        .await)?;
        Ok(verifier.finish(seq, &hash))
    }
}

pub(crate) fn invalid_cursor() -> StoreError {
    StoreError::Invalid(vec![mamori_domain::validation::FieldError::new(
        "cursor",
        "invalid.cursor",
    )])
}
