//! Survey campaigns, assignments, answers and their history.
//!
//! The rules of the lifecycle live in `mamori_survey::assignment`; who may act lives in the
//! tenant policy; this module applies a transition inside one transaction, re-reading the
//! current status there so that two reviewers cannot both act on the same submission.

use crate::audit::AuditEvent;
use crate::sql::{bind_args, rows_per_statement, Arg, Sql};
use crate::{on_tx, read, Actor, Result, Store, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use mamori_domain::policy::InstitutionScope;
use mamori_domain::validation::FieldError;
use mamori_domain::{Bureau, Sector, SizeTier};
use mamori_survey::answer::AnswerValue;
use mamori_survey::assignment::{next, AssignmentStatus, Transition};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Digest;
use std::collections::{BTreeMap, HashMap};

/// Which institutions a campaign goes to. Every non-empty list narrows the population;
/// `institutions` (registry codes), when given, names it outright.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignTarget {
    #[serde(default)]
    pub sectors: Vec<Sector>,
    #[serde(default)]
    pub bureaus: Vec<Bureau>,
    #[serde(default)]
    pub size_tiers: Vec<SizeTier>,
    #[serde(default)]
    pub institutions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub framework_id: i64,
    pub instructions: Option<String>,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    pub target: CampaignTarget,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub framework_id: i64,
    pub framework_key: String,
    pub framework_version: String,
    pub instructions: Option<String>,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    /// `open` or `closed`.
    pub status: String,
    #[serde(skip)]
    pub target: String,
    pub created_at: DateTime<Utc>,
}

const CAMPAIGN_SELECT: &str = "SELECT c.id, c.name, c.framework_id, f.key AS framework_key, f.version AS framework_version, \
    c.instructions, c.opens_on, c.due_on, c.status, c.target, c.created_at FROM campaigns c JOIN frameworks f ON f.id = c.framework_id";

/// One institution's assignment, with what lists and policies need of the institution.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Assignment {
    pub id: i64,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub framework_id: i64,
    pub institution_id: i64,
    pub institution_code: String,
    pub institution_name_en: String,
    pub institution_name_ja: String,
    #[sqlx(try_from = "String")]
    pub sector: SectorCode,
    #[sqlx(try_from = "String")]
    pub size_tier: TierCode,
    #[sqlx(try_from = "String")]
    pub bureau: BureauCode,
    #[sqlx(try_from = "String")]
    pub status: StatusCode,
    pub due_on: NaiveDate,
    pub updated_at: DateTime<Utc>,
}

macro_rules! code_newtype {
    ($name:ident, $inner:ty) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);
        impl TryFrom<String> for $name {
            type Error = StoreError;
            fn try_from(s: String) -> Result<Self> {
                <$inner>::from_code(&s)
                    .map($name)
                    .ok_or_else(|| StoreError::Corrupt(format!("{} = {s}", stringify!($name))))
            }
        }
    };
}
code_newtype!(SectorCode, Sector);
code_newtype!(TierCode, SizeTier);
code_newtype!(BureauCode, Bureau);
code_newtype!(StatusCode, AssignmentStatus);

impl Assignment {
    pub fn policy_ref(&self) -> mamori_domain::policy::InstitutionRef {
        mamori_domain::policy::InstitutionRef {
            id: self.institution_id,
            bureau: self.bureau.0,
        }
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.0.is_open_for_answers() && self.due_on < today
    }
}

const ASSIGNMENT_SELECT: &str = "SELECT a.id, a.campaign_id, c.name AS campaign_name, c.framework_id, a.institution_id, \
    o.code AS institution_code, o.name_en AS institution_name_en, o.name_ja AS institution_name_ja, o.sector, o.size_tier, o.bureau, \
    a.status, a.due_on, a.updated_at FROM assignments a JOIN campaigns c ON c.id = a.campaign_id JOIN organisations o ON o.id = a.institution_id";

/// A stored answer.
#[derive(Debug, Clone, Serialize)]
pub struct StoredAnswer {
    pub value: AnswerValue,
    pub comment: Option<String>,
    pub answered_by: String,
    pub answered_at: DateTime<Utc>,
}

/// A change to one answer, already validated against the framework.
#[derive(Debug, Clone)]
pub struct AnswerChange {
    pub item_id: String,
    pub value: AnswerValue,
    pub comment: Option<String>,
}

/// One entry of an assignment's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AssignmentEvent {
    pub id: i64,
    pub action: String,
    pub actor: String,
    pub comment: Option<String>,
    /// For submissions: the answers as submitted (JSON).
    pub snapshot: Option<String>,
    pub at: DateTime<Utc>,
}

/// Filters for assignment lists.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub campaign_id: Option<i64>,
    pub status: Option<AssignmentStatus>,
    pub overdue_on: Option<NaiveDate>,
}

impl Store {
    /// Creates a campaign and an assignment for every institution of its population.
    pub async fn create_campaign(
        &self,
        actor: &Actor,
        new: &NewCampaign,
    ) -> Result<(Campaign, usize)> {
        let mut errors = Vec::new();
        if new.name.trim().is_empty() || new.name.chars().count() > 200 {
            errors.push(FieldError::new("name", "invalid.required"));
        }
        if new.due_on < new.opens_on {
            errors.push(FieldError::new("due_on", "invalid.due_before_open"));
        }
        let frameworks: Option<i64> = read!(self, |c| sqlx::query_scalar(
            "SELECT id FROM frameworks WHERE id = $1"
        )
        .bind(new.framework_id)
        .fetch_optional(c)
        .await)?;
        if frameworks.is_none() {
            errors.push(FieldError::new("framework_id", "invalid.unknown_framework"));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut population = Sql::new(
            self.backend(),
            "SELECT id FROM organisations WHERE kind = 'institution'",
        );
        let any_of = |sql: &mut Sql, col: &str, values: Vec<String>| {
            if !values.is_empty() {
                sql.push(&format!(" AND {col} IN ("));
                for (i, v) in values.into_iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.text_arg(v);
                }
                sql.push(")");
            }
        };
        let t = &new.target;
        any_of(
            &mut population,
            "sector",
            t.sectors.iter().map(|s| s.code().to_string()).collect(),
        );
        any_of(
            &mut population,
            "bureau",
            t.bureaus.iter().map(|s| s.code().to_string()).collect(),
        );
        any_of(
            &mut population,
            "size_tier",
            t.size_tiers.iter().map(|s| s.code().to_string()).collect(),
        );
        any_of(&mut population, "code", t.institutions.clone());
        population.push(" ORDER BY id");
        let institutions: Vec<i64> = read!(self, |c| bind_args!(
            sqlx::query_scalar(&population.text),
            population.args
        )
        .fetch_all(c)
        .await)?;
        if institutions.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "target",
                "invalid.empty_population",
            )]));
        }
        let target =
            serde_json::to_string(t).map_err(|e| StoreError::Unsupported(e.to_string()))?;
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO campaigns (name, framework_id, instructions, opens_on, due_on, status, target, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8) RETURNING id"
        )
        .bind(new.name.trim())
        .bind(new.framework_id)
        .bind(&new.instructions)
        .bind(new.opens_on)
        .bind(new.due_on)
        .bind(&target)
        .bind(&actor.name)
        .bind(now)
        .fetch_one(c)
        .await
        })?;
        for chunk in institutions.chunks(rows_per_statement(self.backend(), 5)) {
            let mut sql = Sql::new(self.backend(), "INSERT INTO assignments (campaign_id, institution_id, status, due_on, updated_at) VALUES ");
            for (i, inst) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.row(vec![
                    Arg::I64(id),
                    Arg::I64(*inst),
                    Arg::Text(AssignmentStatus::NotStarted.code().into()),
                    Arg::Date(new.due_on),
                    Arg::Time(now),
                ]);
            }
            tx.execute(&sql).await?;
        }
        tx.audit(AuditEvent {
            actor,
            organisation_id: None,
            action: "campaign.create",
            object_type: "campaign",
            object_id: id.to_string(),
            changes: json!({"name": new.name.trim(), "framework_id": new.framework_id, "opens_on": new.opens_on,
                "due_on": new.due_on, "target": t, "assignments": institutions.len()}),
        })
        .await?;
        tx.commit().await?;
        Ok((self.campaign(id).await?, institutions.len()))
    }

    pub async fn campaign(&self, id: i64) -> Result<Campaign> {
        let sql = format!("{CAMPAIGN_SELECT} WHERE c.id = $1");
        let row: Option<Campaign> = read!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(c)
            .await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Campaigns in which the scope has at least one assignment (all campaigns for `All`).
    pub async fn list_campaigns(&self, scope: InstitutionScope) -> Result<Vec<Campaign>> {
        let mut sql = Sql::new(self.backend(), &format!("{CAMPAIGN_SELECT} WHERE 1 = 1"));
        if scope != InstitutionScope::All {
            sql.push(" AND EXISTS (SELECT 1 FROM assignments a JOIN organisations o ON o.id = a.institution_id WHERE a.campaign_id = c.id");
            sql.institution_scope(scope, "o.id", "o.bureau");
            sql.push(")");
        }
        sql.push(" ORDER BY c.id DESC");
        let rows: Vec<Campaign> = read!(self, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
            .fetch_all(c)
            .await)?;
        Ok(rows)
    }

    /// Assignments within `scope`, by institution code.
    /// One page of assignments within `scope`, in id order (keyset paging).
    pub async fn page_assignments(
        &self,
        scope: InstitutionScope,
        filter: &AssignmentFilter,
        page: &crate::PageRequest,
    ) -> Result<crate::Page<Assignment>> {
        let mut sql = self.assignment_where(scope, filter, "SELECT COUNT(*) FROM assignments a JOIN campaigns c ON c.id = a.campaign_id JOIN organisations o ON o.id = a.institution_id WHERE 1 = 1");
        let total: i64 = read!(self, |c| bind_args!(
            sqlx::query_scalar(&sql.text),
            sql.args
        )
        .fetch_one(c)
        .await)?;
        sql = self.assignment_where(scope, filter, &format!("{ASSIGNMENT_SELECT} WHERE 1 = 1"));
        if let Some(cursor) = &page.cursor {
            let c = crate::sql::Cursor::decode(cursor).ok_or_else(crate::audit::invalid_cursor)?;
            sql.push(" AND a.id > ").arg(Arg::I64(c.id));
        }
        let limit = page.limit();
        sql.push(&format!(" ORDER BY a.id LIMIT {}", limit + 1));
        let mut items: Vec<Assignment> =
            read!(self, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
                .fetch_all(c)
                .await)?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|a| {
                crate::sql::Cursor {
                    key: String::new(),
                    id: a.id,
                }
                .encode()
            })
        } else {
            None
        };
        Ok(crate::Page { items, next, total })
    }

    fn assignment_where(
        &self,
        scope: InstitutionScope,
        filter: &AssignmentFilter,
        head: &str,
    ) -> Sql {
        let mut sql = Sql::new(self.backend(), head);
        sql.institution_scope(scope, "o.id", "o.bureau");
        if let Some(c) = filter.campaign_id {
            sql.push(" AND a.campaign_id = ").arg(Arg::I64(c));
        }
        if let Some(s) = filter.status {
            sql.push(" AND a.status = ").text_arg(s.code());
        }
        if let Some(today) = filter.overdue_on {
            sql.push(" AND a.status IN ('not_started', 'draft', 'returned') AND a.due_on < ")
                .arg(Arg::Date(today));
        }
        sql
    }

    /// Every assignment within `scope` matching `filter` (for exports and bulk actions).
    pub async fn list_assignments(
        &self,
        scope: InstitutionScope,
        filter: &AssignmentFilter,
    ) -> Result<Vec<Assignment>> {
        let mut sql =
            self.assignment_where(scope, filter, &format!("{ASSIGNMENT_SELECT} WHERE 1 = 1"));
        sql.push(" ORDER BY a.campaign_id DESC, o.code");
        let rows: Vec<Assignment> =
            read!(self, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
                .fetch_all(c)
                .await)?;
        Ok(rows)
    }

    /// One assignment, or `NotFound` outside `scope`.
    pub async fn assignment(&self, scope: InstitutionScope, id: i64) -> Result<Assignment> {
        let mut sql = Sql::new(
            self.backend(),
            &format!("{ASSIGNMENT_SELECT} WHERE a.id = "),
        );
        sql.arg(Arg::I64(id));
        sql.institution_scope(scope, "o.id", "o.bureau");
        let row: Option<Assignment> =
            read!(self, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
                .fetch_optional(c)
                .await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Counts of assignments by (sector, bureau, status) within `scope`, for dashboards.
    pub async fn campaign_progress(
        &self,
        scope: InstitutionScope,
        campaign_id: i64,
    ) -> Result<Vec<(Sector, Bureau, AssignmentStatus, i64)>> {
        let mut sql = Sql::new(
            self.backend(),
            "SELECT o.sector, o.bureau, a.status, COUNT(*) FROM assignments a JOIN organisations o ON o.id = a.institution_id WHERE a.campaign_id = ",
        );
        sql.arg(Arg::I64(campaign_id));
        sql.institution_scope(scope, "o.id", "o.bureau");
        sql.push(" GROUP BY o.sector, o.bureau, a.status");
        let rows: Vec<(String, String, String, i64)> =
            read!(self, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
                .fetch_all(c)
                .await)?;
        rows.into_iter()
            .map(|(s, b, st, n)| {
                Ok((
                    Sector::from_code(&s).ok_or_else(|| StoreError::Corrupt(s.clone()))?,
                    Bureau::from_code(&b).ok_or_else(|| StoreError::Corrupt(b.clone()))?,
                    AssignmentStatus::from_code(&st)
                        .ok_or_else(|| StoreError::Corrupt(st.clone()))?,
                    n,
                ))
            })
            .collect()
    }

    pub async fn answers(&self, assignment_id: i64) -> Result<BTreeMap<String, StoredAnswer>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            item_id: String,
            value: String,
            comment: Option<String>,
            answered_by: String,
            answered_at: DateTime<Utc>,
        }
        let rows: Vec<Row> = read!(self, |c| {
            sqlx::query_as(
            "SELECT item_id, value, comment, answered_by, answered_at FROM answers WHERE assignment_id = $1"
        )
        .bind(assignment_id)
        .fetch_all(c)
        .await
        })?;
        rows.into_iter()
            .map(|r| {
                let value: AnswerValue = serde_json::from_str(&r.value)
                    .map_err(|e| StoreError::Corrupt(format!("answer {}: {e}", r.item_id)))?;
                Ok((
                    r.item_id,
                    StoredAnswer {
                        value,
                        comment: r.comment,
                        answered_by: r.answered_by,
                        answered_at: r.answered_at,
                    },
                ))
            })
            .collect()
    }

    pub async fn assignment_events(&self, assignment_id: i64) -> Result<Vec<AssignmentEvent>> {
        let rows: Vec<AssignmentEvent> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, action, actor, comment, snapshot, at FROM assignment_events WHERE assignment_id = $1 ORDER BY id"
        )
        .bind(assignment_id)
        .fetch_all(c)
        .await
        })?;
        Ok(rows)
    }

    /// Applies a transition: saves `changes` (only those that differ from what is stored; the
    /// rest leave no history) and moves the status. The caller has validated the answers
    /// against the framework, and for a submission checked that every question asked has one.
    pub async fn transition_assignment(
        &self,
        actor: &Actor,
        assignment: &Assignment,
        transition: Transition,
        changes: &[AnswerChange],
        comment: Option<&str>,
    ) -> Result<AssignmentStatus> {
        let mut tx = self.begin().await?;
        let current: String = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT status FROM assignments WHERE id = $1"
        )
        .bind(assignment.id)
        .fetch_one(c)
        .await)?;
        let from = AssignmentStatus::from_code(&current)
            .ok_or_else(|| StoreError::Corrupt(current.clone()))?;
        let Ok(to) = next(from, transition) else {
            tx.rollback().await?;
            return Err(StoreError::Invalid(vec![FieldError::new(
                "status",
                "invalid.transition",
            )
            .with_value(from.code())]));
        };
        let campaign_open: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT status FROM campaigns WHERE id = $1"
        )
        .bind(assignment.campaign_id)
        .fetch_optional(c)
        .await)?;
        if campaign_open.as_deref() != Some("open") {
            tx.rollback().await?;
            return Err(StoreError::Invalid(vec![FieldError::new(
                "campaign",
                "invalid.campaign_closed",
            )]));
        }
        let now = Utc::now();
        let stored: HashMap<String, (String, Option<String>)> = {
            let rows: Vec<(String, String, Option<String>)> = on_tx!(tx, |c| sqlx::query_as(
                "SELECT item_id, value, comment FROM answers WHERE assignment_id = $1"
            )
            .bind(assignment.id)
            .fetch_all(c)
            .await)?;
            rows.into_iter().map(|(i, v, c)| (i, (v, c))).collect()
        };
        let mut changed = Vec::new();
        for ch in changes {
            let value = serde_json::to_string(&ch.value)
                .map_err(|e| StoreError::Unsupported(e.to_string()))?;
            if stored.get(&ch.item_id) == Some(&(value.clone(), ch.comment.clone())) {
                continue;
            }
            on_tx!(tx, |c| {
                sqlx::query(
                "INSERT INTO answers (assignment_id, item_id, value, comment, answered_by, answered_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (assignment_id, item_id) DO UPDATE SET value = excluded.value, comment = excluded.comment, \
                 answered_by = excluded.answered_by, answered_at = excluded.answered_at"
            )
            .bind(assignment.id)
            .bind(&ch.item_id)
            .bind(&value)
            .bind(&ch.comment)
            .bind(&actor.name)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            changed.push(json!({"item": ch.item_id, "from": stored.get(&ch.item_id).map(|(v, _)| v), "to": value}));
        }
        if transition == Transition::Save && changed.is_empty() && from == to {
            // Nothing changed: nothing to write, nothing to audit.
            tx.rollback().await?;
            return Ok(from);
        }
        let snapshot = if transition == Transition::Submit {
            let rows: Vec<(String, String, Option<String>)> = on_tx!(tx, |c| {
                sqlx::query_as(
                "SELECT item_id, value, comment FROM answers WHERE assignment_id = $1 ORDER BY item_id"
            )
            .bind(assignment.id)
            .fetch_all(c)
            .await
            })?;
            let map: BTreeMap<String, serde_json::Value> = rows
                .into_iter()
                .map(|(i, v, c)| (i, json!({"value": serde_json::from_str::<serde_json::Value>(&v).unwrap_or_default(), "comment": c})))
                .collect();
            Some(serde_json::to_string(&map).map_err(|e| StoreError::Unsupported(e.to_string()))?)
        } else {
            None
        };
        on_tx!(tx, |c| sqlx::query(
            "UPDATE assignments SET status = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(to.code())
        .bind(now)
        .bind(assignment.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.insert_events(
            actor,
            &[NewEvent {
                assignment_id: assignment.id,
                action: transition.code(),
                comment: comment.map(str::to_string),
                snapshot,
            }],
        )
        .await?;
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(assignment.institution_id),
            action: match transition {
                Transition::Save => "assignment.save",
                Transition::Submit => "assignment.submit",
                Transition::Return => "assignment.return",
                Transition::Accept => "assignment.accept",
            },
            object_type: "assignment",
            object_id: assignment.id.to_string(),
            changes: json!({"status": [from, to], "answers": changed, "comment": comment}),
        })
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// Moves one assignment's deadline (an extension granted by its supervisor).
    pub async fn extend_assignment(
        &self,
        actor: &Actor,
        assignment: &Assignment,
        due_on: NaiveDate,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, |c| sqlx::query(
            "UPDATE assignments SET due_on = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(due_on)
        .bind(Utc::now())
        .bind(assignment.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.insert_events(
            actor,
            &[NewEvent {
                assignment_id: assignment.id,
                action: "extend",
                comment: Some(due_on.to_string()),
                snapshot: None,
            }],
        )
        .await?;
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(assignment.institution_id),
            action: "assignment.extend",
            object_type: "assignment",
            object_id: assignment.id.to_string(),
            changes: json!({"due_on": [assignment.due_on, due_on]}),
        })
        .await?;
        tx.commit().await
    }
}

/// A history entry to write.
pub(crate) struct NewEvent<'a> {
    pub assignment_id: i64,
    pub action: &'a str,
    pub comment: Option<String>,
    pub snapshot: Option<String>,
}

impl Tx {
    /// Writes history entries with multi-row inserts.
    pub(crate) async fn insert_events(
        &mut self,
        actor: &Actor,
        events: &[NewEvent<'_>],
    ) -> Result<()> {
        let now = Utc::now();
        for chunk in events.chunks(rows_per_statement(self.backend, 10)) {
            let mut sql = Sql::new(
                self.backend,
                "INSERT INTO assignment_events (assignment_id, action, actor, comment, snapshot, at) VALUES ",
            );
            for (i, e) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.row(vec![
                    Arg::I64(e.assignment_id),
                    Arg::Text(e.action.to_string()),
                    Arg::Text(actor.name.clone()),
                    Arg::OptText(e.comment.clone()),
                    Arg::OptText(e.snapshot.clone()),
                    Arg::Time(now),
                ]);
            }
            self.execute(&sql).await?;
        }
        Ok(())
    }
}

/// One assignment's answers and final status, for bulk loading (the demo, migrations from
/// spreadsheets).
#[derive(Debug, Clone)]
pub struct LoadedAssignment {
    pub assignment_id: i64,
    pub institution_id: i64,
    pub answers: Vec<AnswerChange>,
    pub status: AssignmentStatus,
}

impl Store {
    /// Loads many assignments' answers at once, in one transaction with multi-row writes: each
    /// assignment gets its answers, its status, one history entry (`load`, with a snapshot
    /// when submitted or later) and one audit record.
    pub async fn load_answers(
        &self,
        actor: &Actor,
        campaign_id: i64,
        loaded: &[LoadedAssignment],
    ) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let rows: Vec<(i64, &AnswerChange)> = loaded
            .iter()
            .flat_map(|l| l.answers.iter().map(move |a| (l.assignment_id, a)))
            .collect();
        for chunk in rows.chunks(rows_per_statement(self.backend(), 6)) {
            let mut sql = Sql::new(self.backend(), "INSERT INTO answers (assignment_id, item_id, value, comment, answered_by, answered_at) VALUES ");
            for (i, (assignment, a)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                let value = serde_json::to_string(&a.value)
                    .map_err(|e| StoreError::Unsupported(e.to_string()))?;
                sql.row(vec![
                    Arg::I64(*assignment),
                    Arg::Text(a.item_id.clone()),
                    Arg::Text(value),
                    Arg::OptText(a.comment.clone()),
                    Arg::Text(actor.name.clone()),
                    Arg::Time(now),
                ]);
            }
            tx.execute(&sql).await?;
        }
        for status in AssignmentStatus::ALL {
            let ids: Vec<i64> = loaded
                .iter()
                .filter(|l| l.status == status)
                .map(|l| l.assignment_id)
                .collect();
            for chunk in ids.chunks(rows_per_statement(self.backend(), 1)) {
                let mut sql = Sql::new(self.backend(), "UPDATE assignments SET status = ");
                sql.text_arg(status.code())
                    .push(", updated_at = ")
                    .arg(Arg::Time(now))
                    .push(" WHERE campaign_id = ");
                sql.arg(Arg::I64(campaign_id)).push(" AND id IN (");
                for (i, id) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.arg(Arg::I64(*id));
                }
                sql.push(")");
                tx.execute(&sql).await?;
            }
        }
        let history: Vec<NewEvent> = loaded
            .iter()
            .map(|l| NewEvent {
                assignment_id: l.assignment_id,
                action: "load",
                comment: None,
                snapshot: matches!(
                    l.status,
                    AssignmentStatus::Submitted
                        | AssignmentStatus::Accepted
                        | AssignmentStatus::Returned
                )
                .then(|| {
                    let map: BTreeMap<&str, serde_json::Value> = l
                        .answers
                        .iter()
                        .map(|a| {
                            (
                                a.item_id.as_str(),
                                json!({"value": a.value, "comment": a.comment}),
                            )
                        })
                        .collect();
                    serde_json::to_string(&map).unwrap_or_default()
                }),
            })
            .collect();
        tx.insert_events(actor, &history).await?;
        let events = loaded
            .iter()
            .map(|l| AuditEvent {
                actor,
                organisation_id: Some(l.institution_id),
                action: "assignment.load",
                object_type: "assignment",
                object_id: l.assignment_id.to_string(),
                changes: json!({"answers": l.answers.len(), "status": l.status}),
            })
            .collect();
        tx.audit_many(events).await?;
        tx.commit().await
    }

    /// Closes a campaign: no more answers or transitions.
    pub async fn close_campaign(&self, actor: &Actor, campaign_id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(tx, |c| sqlx::query(
            "UPDATE campaigns SET status = 'closed' WHERE id = $1 AND status = 'open'"
        )
        .bind(campaign_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        tx.audit(AuditEvent {
            actor,
            organisation_id: None,
            action: "campaign.close",
            object_type: "campaign",
            object_id: campaign_id.to_string(),
            changes: json!({"status": ["open", "closed"]}),
        })
        .await?;
        tx.commit().await
    }
}

impl Store {
    /// Records a reminder on each assignment (shown to the institution on its questionnaire),
    /// in one transaction with one audit record each.
    pub async fn remind(&self, actor: &Actor, assignments: &[Assignment]) -> Result<usize> {
        if assignments.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let history: Vec<NewEvent> = assignments
            .iter()
            .map(|a| NewEvent {
                assignment_id: a.id,
                action: "remind",
                comment: Some(a.due_on.to_string()),
                snapshot: None,
            })
            .collect();
        tx.insert_events(actor, &history).await?;
        let events = assignments
            .iter()
            .map(|a| AuditEvent {
                actor,
                organisation_id: Some(a.institution_id),
                action: "assignment.remind",
                object_type: "assignment",
                object_id: a.id.to_string(),
                changes: json!({"due_on": a.due_on}),
            })
            .collect();
        tx.audit_many(events).await?;
        tx.commit().await?;
        Ok(assignments.len())
    }
}

/// An evidence file's description (without its bytes).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: i64,
    pub item_id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

impl Store {
    pub async fn add_evidence(
        &self,
        actor: &Actor,
        assignment: &Assignment,
        item_id: &str,
        filename: &str,
        content_type: &str,
        data: &[u8],
    ) -> Result<i64> {
        let sha = hex::encode(sha2::Sha256::digest(data));
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO evidence (assignment_id, item_id, filename, content_type, size, sha256, data, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
        )
        .bind(assignment.id)
        .bind(item_id)
        .bind(filename)
        .bind(content_type)
        .bind(data.len() as i64)
        .bind(&sha)
        .bind(data)
        .bind(&actor.name)
        .bind(Utc::now())
        .fetch_one(c)
        .await
        })?;
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(assignment.institution_id),
            action: "evidence.add",
            object_type: "evidence",
            object_id: id.to_string(),
            changes: json!({"assignment": assignment.id, "item": item_id, "filename": filename, "size": data.len(), "sha256": sha}),
        })
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_evidence(&self, assignment_id: i64) -> Result<Vec<Evidence>> {
        let rows: Vec<Evidence> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, item_id, filename, content_type, size, sha256, uploaded_by, uploaded_at FROM evidence WHERE assignment_id = $1 ORDER BY item_id, id"
        )
        .bind(assignment_id)
        .fetch_all(c)
        .await
        })?;
        Ok(rows)
    }

    /// One file of an assignment, with its bytes; `NotFound` when it belongs to another.
    pub async fn evidence_file(&self, assignment_id: i64, id: i64) -> Result<(Evidence, Vec<u8>)> {
        let meta: Option<Evidence> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, item_id, filename, content_type, size, sha256, uploaded_by, uploaded_at FROM evidence WHERE assignment_id = $1 AND id = $2"
        )
        .bind(assignment_id)
        .bind(id)
        .fetch_optional(c)
        .await
        })?;
        let meta = meta.ok_or(StoreError::NotFound)?;
        let data: Vec<u8> = read!(self, |c| sqlx::query_scalar(
            "SELECT data FROM evidence WHERE id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await)?;
        Ok((meta, data))
    }
}
