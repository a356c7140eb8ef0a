//! Self-assessment frameworks and their versions.

use crate::audit::AuditEvent;
use crate::{on_tx, read, Actor, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use mamori_survey::Framework;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// A stored framework version, without its items.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FrameworkSummary {
    pub id: i64,
    pub key: String,
    pub version: String,
    #[sqlx(rename = "name_en")]
    pub name: String,
    pub name_ja: Option<String>,
    /// The number of items that take an answer.
    pub assessable_items: i64,
    pub created_at: DateTime<Utc>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameworkImport {
    Created(i64),
    /// The same key, version and content were already there.
    Unchanged(i64),
}

impl Store {
    /// Stores a framework version. A version is immutable: importing the same key and version
    /// with different content is a conflict (edit the version instead, which makes a new one).
    pub async fn import_framework(
        &self,
        actor: &Actor,
        framework: &Framework,
    ) -> Result<FrameworkImport> {
        let definition = serde_json::to_string(framework)
            .map_err(|e| StoreError::Unsupported(format!("cannot serialise the framework: {e}")))?;
        let hash = hex::encode(Sha256::digest(definition.as_bytes()));
        let mut tx = self.begin().await?;
        let existing: Option<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(
            "SELECT id, content_hash FROM frameworks WHERE key = $1 AND version = $2"
        )
        .bind(&framework.key)
        .bind(&framework.version)
        .fetch_optional(c)
        .await)?;
        if let Some((id, existing_hash)) = existing {
            tx.rollback().await?;
            return if existing_hash == hash {
                Ok(FrameworkImport::Unchanged(id))
            } else {
                Err(StoreError::Conflict { field: "version" })
            };
        }
        let assessable = framework.assessable_items() as i64;
        let id: i64 = on_tx!(tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO frameworks (key, version, name_en, name_ja, definition, content_hash, assessable_items, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        )
        .bind(&framework.key)
        .bind(&framework.version)
        .bind(&framework.name.en)
        .bind(&framework.name.ja)
        .bind(&definition)
        .bind(&hash)
        .bind(assessable)
        .bind(Utc::now())
        .fetch_one(c)
        .await
        })?;
        tx.audit(AuditEvent {
            actor,
            organisation_id: None,
            action: "framework.import",
            object_type: "framework",
            object_id: id.to_string(),
            changes: json!({"key": framework.key, "version": framework.version, "assessable_items": assessable, "sha256": hash}),
        })
        .await?;
        tx.commit().await?;
        Ok(FrameworkImport::Created(id))
    }

    pub async fn list_frameworks(&self) -> Result<Vec<FrameworkSummary>> {
        let rows: Vec<FrameworkSummary> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, key, version, name_en, name_ja, assessable_items, created_at FROM frameworks ORDER BY key, id"
        )
        .fetch_all(c)
        .await
        })?;
        Ok(rows)
    }

    /// One framework version with all its items.
    pub async fn framework(&self, id: i64) -> Result<Framework> {
        let definition: Option<String> = read!(self, |c| sqlx::query_scalar(
            "SELECT definition FROM frameworks WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?;
        let definition = definition.ok_or(StoreError::NotFound)?;
        serde_json::from_str(&definition)
            .map_err(|e| StoreError::Corrupt(format!("framework {id}: {e}")))
    }
}
