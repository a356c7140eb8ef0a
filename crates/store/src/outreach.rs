//! Outreach: seminars and workshops, and which institutions attended.

use crate::audit::AuditEvent;
use crate::sql::{bind_args, rows_per_statement, Arg, Sql};
use crate::{on_tx, read, Actor, Result, Store, StoreError};
use chrono::{NaiveDate, Utc};
use mamori_domain::sharing::{EventAudience, EventKind, Organiser};
use mamori_domain::Bureau;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutreachEvent {
    pub id: i64,
    pub kind: EventKind,
    pub organiser: Organiser,
    pub audience: EventAudience,
    /// The region it was held for.
    pub bureau: Bureau,
    pub held_on: NaiveDate,
    pub title_ja: String,
    pub title_en: String,
    pub attendees: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub organiser: Organiser,
    pub audience: EventAudience,
    pub bureau: Bureau,
    pub held_on: NaiveDate,
    pub title_ja: String,
    pub title_en: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    organiser: String,
    audience: String,
    bureau: String,
    held_on: NaiveDate,
    title_ja: String,
    title_en: String,
    attendees: i64,
}

impl TryFrom<EventRow> for OutreachEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<OutreachEvent> {
        let bad = |f: &str| StoreError::Corrupt(format!("outreach event {}: {f}", r.id));
        Ok(OutreachEvent {
            kind: EventKind::from_code(&r.kind).ok_or_else(|| bad("kind"))?,
            organiser: Organiser::from_code(&r.organiser).ok_or_else(|| bad("organiser"))?,
            audience: EventAudience::from_code(&r.audience).ok_or_else(|| bad("audience"))?,
            bureau: Bureau::from_code(&r.bureau).ok_or_else(|| bad("bureau"))?,
            id: r.id,
            held_on: r.held_on,
            title_ja: r.title_ja,
            title_en: r.title_en,
            attendees: r.attendees,
        })
    }
}

impl Store {
    /// Records an event and the institutions that attended it, in one transaction.
    pub async fn record_event(
        &self,
        actor: &Actor,
        event: &NewEvent,
        attendees: &[i64],
    ) -> Result<i64> {
        let ids = self
            .record_events(actor, &[(event.clone(), attendees.to_vec())])
            .await?;
        Ok(ids[0])
    }

    /// Records events with their attendance in one transaction (each audited).
    pub async fn record_events(
        &self,
        actor: &Actor,
        events: &[(NewEvent, Vec<i64>)],
    ) -> Result<Vec<i64>> {
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(events.len());
        let mut audits = Vec::with_capacity(events.len());
        for (event, attendees) in events {
            let id: i64 = on_tx!(tx, |c| {
                sqlx::query_scalar(
                "INSERT INTO outreach_events (kind, organiser, audience, bureau, held_on, title_ja, title_en, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
            )
            .bind(event.kind.code())
            .bind(event.organiser.code())
            .bind(event.audience.code())
            .bind(event.bureau.code())
            .bind(event.held_on)
            .bind(&event.title_ja)
            .bind(&event.title_en)
            .bind(Utc::now())
            .fetch_one(c)
            .await
            })?;
            let mut unique = attendees.clone();
            unique.sort_unstable();
            unique.dedup();
            for chunk in unique.chunks(rows_per_statement(self.backend(), 2)) {
                let mut sql = Sql::new(
                    self.backend(),
                    "INSERT INTO outreach_attendance (event_id, institution_id) VALUES ",
                );
                for (i, inst) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.row(vec![Arg::I64(id), Arg::I64(*inst)]);
                }
                tx.execute(&sql).await?;
            }
            audits.push(AuditEvent {
                actor,
                organisation_id: None,
                action: "outreach.event",
                object_type: "outreach_event",
                object_id: id.to_string(),
                changes: json!({"title": event.title_en, "held_on": event.held_on, "attendees": unique.len()}),
            });
            ids.push(id);
        }
        tx.audit_many(audits).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Events held in `[from, to)`, newest first, with their attendance counts.
    pub async fn outreach_events(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<OutreachEvent>> {
        let rows: Vec<EventRow> = read!(self, |c| {
            sqlx::query_as(
            "SELECT e.id, e.kind, e.organiser, e.audience, e.bureau, e.held_on, e.title_ja, e.title_en, \
             (SELECT COUNT(*) FROM outreach_attendance a WHERE a.event_id = e.id) AS attendees \
             FROM outreach_events e WHERE e.held_on >= $1 AND e.held_on < $2 ORDER BY e.held_on DESC, e.id DESC"
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
        })?;
        rows.into_iter().map(OutreachEvent::try_from).collect()
    }

    /// The institutions that attended at least one event held in `[from, to)`.
    pub async fn attending_institutions(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<i64>> {
        let mut sql = Sql::new(
            self.backend(),
            "SELECT DISTINCT a.institution_id FROM outreach_attendance a JOIN outreach_events e ON e.id = a.event_id WHERE e.held_on >= ",
        );
        sql.arg(Arg::Date(from))
            .push(" AND e.held_on < ")
            .arg(Arg::Date(to));
        sql.push(" ORDER BY a.institution_id");
        let ids: Vec<i64> = read!(self, |c| bind_args!(
            sqlx::query_scalar(&sql.text),
            sql.args
        )
        .fetch_all(c)
        .await)?;
        Ok(ids)
    }
}
