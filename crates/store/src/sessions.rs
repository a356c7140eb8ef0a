//! Browser sessions and API tokens. Both are random 256-bit values handed out once; the
//! database keeps only their SHA-256, which is enough for secrets with that much entropy (a
//! slow hash protects guessable passwords, not random tokens).

use crate::accounts::{principal_from_row_query, PRINCIPAL_SELECT};
use crate::audit::AuditEvent;
use crate::{on_tx, read, Actor, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use mamori_domain::Principal;
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "mamori_";

/// A fresh random secret, hex-encoded.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Tx {
    pub(crate) async fn insert_session(
        &mut self,
        account_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<String> {
        let token = random_secret();
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(hash_secret(&token))
        .bind(account_id)
        .bind(Utc::now())
        .bind(expires_at)
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        Ok(token)
    }
}

impl Store {
    /// The principal of a live session of an enabled account.
    pub async fn session_principal(&self, token: &str) -> Result<Option<Principal>> {
        let sql = format!(
            "{PRINCIPAL_SELECT} JOIN sessions s ON s.account_id = a.id WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT a.disabled"
        );
        principal_from_row_query(self, &sql, &hash_secret(token), Utc::now()).await
    }

    pub async fn logout(&self, principal: &Principal, token: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, |c| sqlx::query(
            "DELETE FROM sessions WHERE token_hash = $1"
        )
        .bind(hash_secret(token))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.audit(AuditEvent {
            actor: &Actor::from(principal),
            organisation_id: Some(principal.organisation_id),
            action: "auth.logout",
            object_type: "account",
            object_id: principal.account_id.to_string(),
            changes: json!({}),
        })
        .await?;
        tx.commit().await
    }

    /// Removes expired sessions (housekeeping, not a business change, so not audited).
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = on_tx!(tx, |c| sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1"
        )
        .bind(Utc::now())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit_unaudited().await?;
        Ok(n)
    }

    /// Creates an API token for an account; returns the token itself, which is never stored
    /// and cannot be shown again.
    pub async fn create_token(
        &self,
        actor: &Actor,
        account_id: i64,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(String, ApiToken)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(StoreError::Invalid(vec![
                mamori_domain::validation::FieldError::new("name", "invalid.required"),
            ]));
        }
        if expires_at <= Utc::now() {
            return Err(StoreError::Invalid(vec![
                mamori_domain::validation::FieldError::new("expires_at", "invalid.in_past"),
            ]));
        }
        let principal = self.principal(account_id).await?;
        let token = format!("{TOKEN_PREFIX}{}", random_secret());
        let prefix: String = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO api_tokens (account_id, name, token_hash, prefix, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        )
        .bind(account_id)
        .bind(name)
        .bind(hash_secret(&token))
        .bind(&prefix)
        .bind(now)
        .bind(expires_at)
        .fetch_one(c)
        .await
        })?;
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(principal.organisation_id),
            action: "token.create",
            object_type: "api_token",
            object_id: id.to_string(),
            changes: json!({"name": name, "account": principal.username, "expires_at": expires_at}),
        })
        .await?;
        tx.commit().await?;
        Ok((
            token,
            ApiToken {
                id,
                name: name.to_string(),
                prefix,
                created_at: now,
                expires_at,
                revoked_at: None,
            },
        ))
    }

    pub async fn list_tokens(&self, account_id: i64) -> Result<Vec<ApiToken>> {
        let tokens: Vec<ApiToken> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, name, prefix, created_at, expires_at, revoked_at FROM api_tokens WHERE account_id = $1 ORDER BY id DESC"
        )
        .bind(account_id)
        .fetch_all(c)
        .await
        })?;
        Ok(tokens)
    }

    /// Revokes one of an account's tokens. `NotFound` when the token is not that account's.
    pub async fn revoke_token(&self, actor: &Actor, account_id: i64, token_id: i64) -> Result<()> {
        let principal = self.principal(account_id).await?;
        let mut tx = self.begin().await?;
        let n = on_tx!(tx, |c| {
            sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL"
        )
        .bind(Utc::now())
        .bind(token_id)
        .bind(account_id)
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        if n == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(principal.organisation_id),
            action: "token.revoke",
            object_type: "api_token",
            object_id: token_id.to_string(),
            changes: json!({}),
        })
        .await?;
        tx.commit().await
    }

    /// The principal of a live, unrevoked token of an enabled account.
    pub async fn token_principal(&self, token: &str) -> Result<Option<Principal>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let sql = format!(
            "{PRINCIPAL_SELECT} JOIN api_tokens t ON t.account_id = a.id WHERE t.token_hash = $1 AND t.expires_at > $2 AND t.revoked_at IS NULL AND NOT a.disabled"
        );
        principal_from_row_query(self, &sql, &hash_secret(token), Utc::now()).await
    }
}
