//! Accounts, passwords, sign-in with lockout, and the second factor.

use crate::audit::AuditEvent;
use crate::{conflict_on, on_tx, read, Actor, Result, Store, StoreError, Tx};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use mamori_domain::validation::FieldError;
use mamori_domain::{Bureau, IsacMembership, OrganisationKind, Principal, Role};
use serde::Serialize;
use serde_json::json;
use std::sync::LazyLock;

/// Failed sign-ins in a row before an account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT_MINUTES: i64 = 15;
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub organisation_name_en: String,
    pub organisation_name_ja: String,
    pub role: Role,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    display_name: String,
    organisation_id: i64,
    organisation: String,
    organisation_name_en: String,
    organisation_name_ja: String,
    role: String,
    disabled: bool,
    totp_enabled: bool,
    locked_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> Result<Account> {
        Ok(Account {
            role: Role::from_code(&r.role)
                .ok_or_else(|| StoreError::Corrupt(format!("role = {}", r.role)))?,
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            organisation_id: r.organisation_id,
            organisation: r.organisation,
            organisation_name_en: r.organisation_name_en,
            organisation_name_ja: r.organisation_name_ja,
            disabled: r.disabled,
            totp_enabled: r.totp_enabled,
            locked_until: r.locked_until,
            created_at: r.created_at,
        })
    }
}

const ACCOUNT_SELECT: &str =
    "SELECT a.id, a.username, a.display_name, a.organisation_id, o.code AS organisation, \
    o.name_en AS organisation_name_en, o.name_ja AS organisation_name_ja, a.role, a.disabled, \
    (a.totp_secret IS NOT NULL) AS totp_enabled, a.locked_until, a.created_at \
    FROM accounts a JOIN organisations o ON o.id = a.organisation_id";

/// A new account as given by an administrator.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub organisation_code: String,
    pub role: Role,
    pub password: String,
}

/// The result of a sign-in attempt.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in; the raw session token goes into the cookie.
    Success {
        principal: Principal,
        session_token: String,
    },
    /// Unknown user, wrong password, wrong code or disabled account: one answer for all, so
    /// that sign-in does not reveal which usernames exist.
    Invalid,
    Locked {
        until: DateTime<Utc>,
    },
    /// The password was right; the account has a second factor and no code was given.
    TotpRequired,
}

pub fn validate_username(username: &str) -> Result<(), FieldError> {
    let ok = (3..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new("username", "invalid.username"))
    }
}

pub fn validate_password(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err(FieldError::new("password", "invalid.password_short"))
    } else if n > 1024 {
        Err(FieldError::new("password", "invalid.too_long"))
    } else {
        Ok(())
    }
}

/// Hashes a password with argon2id off the async runtime (it is slow on purpose).
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Unsupported(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| StoreError::Unsupported(format!("password hashing task failed: {e}")))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_string();
    let hash = hash.to_string();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Verified against when the username is unknown, so that unknown and known users take the
/// same time to refuse.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"not a password anyone has", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

#[derive(sqlx::FromRow)]
struct PrincipalRow {
    id: i64,
    username: String,
    role: String,
    organisation_id: i64,
    bureau: Option<String>,
    require_totp: bool,
    has_totp: bool,
    isac_membership: String,
}

impl TryFrom<PrincipalRow> for Principal {
    type Error = StoreError;
    fn try_from(r: PrincipalRow) -> Result<Principal> {
        Ok(Principal {
            account_id: r.id,
            role: Role::from_code(&r.role)
                .ok_or_else(|| StoreError::Corrupt(format!("role = {}", r.role)))?,
            username: r.username,
            organisation_id: r.organisation_id,
            organisation_bureau: r.bureau.as_deref().and_then(Bureau::from_code),
            must_enrol_totp: r.require_totp && !r.has_totp,
            isac_membership: IsacMembership::from_code(&r.isac_membership).ok_or_else(|| {
                StoreError::Corrupt(format!("isac_membership = {}", r.isac_membership))
            })?,
        })
    }
}

pub(crate) const PRINCIPAL_SELECT: &str = "SELECT a.id, a.username, a.role, a.organisation_id, o.bureau, o.require_totp, \
    (a.totp_secret IS NOT NULL) AS has_totp, o.isac_membership FROM accounts a JOIN organisations o ON o.id = a.organisation_id";

impl Tx {
    /// Inserts an account whose password is already hashed (the demo hashes in bulk).
    pub async fn insert_account_with_hash(
        &mut self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        organisation_id: i64,
        role: Role,
        password_hash: &str,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, |c| sqlx::query_scalar(
            "INSERT INTO accounts (username, display_name, organisation_id, role, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id"
        )
        .bind(username)
        .bind(display_name)
        .bind(organisation_id)
        .bind(role.code())
        .bind(password_hash)
        .bind(Utc::now())
        .fetch_one(c)
        .await)
        .map_err(conflict_on("username"))?;
        self.audit(AuditEvent {
            actor,
            organisation_id: Some(organisation_id),
            action: "account.create",
            object_type: "account",
            object_id: id.to_string(),
            changes: json!({"username": username, "role": role}),
        })
        .await?;
        Ok(id)
    }
}

impl Store {
    pub async fn create_account(&self, actor: &Actor, new: &NewAccount) -> Result<Account> {
        let mut errors = Vec::new();
        if let Err(e) = validate_username(&new.username) {
            errors.push(e);
        }
        if let Err(e) = validate_password(&new.password) {
            errors.push(e);
        }
        if new.display_name.trim().is_empty() || new.display_name.chars().count() > 120 {
            errors.push(FieldError::new("display_name", "invalid.required"));
        }
        let org = match self.organisation_by_code(&new.organisation_code).await {
            Ok(org) => Some(org),
            Err(StoreError::NotFound) => {
                errors.push(FieldError::new(
                    "organisation",
                    "invalid.unknown_organisation",
                ));
                None
            }
            Err(e) => return Err(e),
        };
        if let Some((_, kind)) = org {
            if !new.role.fits(kind) {
                errors.push(
                    FieldError::new("role", "invalid.role_for_organisation")
                        .with_value(kind.code()),
                );
            }
        }
        let Some((org_id, _)) = org.filter(|_| errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let hash = hash_password(&new.password).await?;
        let mut tx = self.begin().await?;
        tx.insert_account_with_hash(
            actor,
            &new.username,
            new.display_name.trim(),
            org_id,
            new.role,
            &hash,
        )
        .await?;
        tx.commit().await?;
        self.account_by_username(&new.username).await
    }

    pub async fn account_by_username(&self, username: &str) -> Result<Account> {
        let sql = format!("{ACCOUNT_SELECT} WHERE a.username = $1");
        let row: Option<AccountRow> = read!(self, |c| sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(c)
            .await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("{ACCOUNT_SELECT} ORDER BY a.username");
        let rows: Vec<AccountRow> = read!(self, |c| sqlx::query_as(&sql).fetch_all(c).await)?;
        rows.into_iter().map(Account::try_from).collect()
    }

    /// Sets a new password and lifts any lockout.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
    ) -> Result<()> {
        validate_password(password).map_err(|e| StoreError::Invalid(vec![e]))?;
        let account = self.account_by_username(username).await?;
        let hash = hash_password(password).await?;
        let mut tx = self.begin().await?;
        on_tx!(tx, |c| {
            sqlx::query(
            "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3"
        )
        .bind(&hash)
        .bind(Utc::now())
        .bind(account.id)
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        // Existing sessions were opened with the old password.
        on_tx!(tx, |c| sqlx::query(
            "DELETE FROM sessions WHERE account_id = $1"
        )
        .bind(account.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(account.organisation_id),
            action: "account.reset_password",
            object_type: "account",
            object_id: account.id.to_string(),
            changes: json!({}),
        })
        .await?;
        tx.commit().await
    }

    /// Disables or re-enables an account. Disabling also ends its sessions and revokes
    /// nothing else: its tokens stop working because the account does.
    pub async fn set_account_disabled(
        &self,
        actor: &Actor,
        username: &str,
        disabled: bool,
    ) -> Result<()> {
        let account = self.account_by_username(username).await?;
        let mut tx = self.begin().await?;
        on_tx!(tx, |c| sqlx::query(
            "UPDATE accounts SET disabled = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(disabled)
        .bind(Utc::now())
        .bind(account.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if disabled {
            on_tx!(tx, |c| sqlx::query(
                "DELETE FROM sessions WHERE account_id = $1"
            )
            .bind(account.id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(account.organisation_id),
            action: if disabled {
                "account.disable"
            } else {
                "account.enable"
            },
            object_type: "account",
            object_id: account.id.to_string(),
            changes: json!({"disabled": [account.disabled, disabled]}),
        })
        .await?;
        tx.commit().await
    }

    /// Stores (or with `None` removes) the account's TOTP secret, in base32.
    pub async fn set_totp_secret(
        &self,
        actor: &Actor,
        account_id: i64,
        secret: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let org: Option<i64> = on_tx!(tx, |c| {
            sqlx::query_scalar(
            "UPDATE accounts SET totp_secret = $1, updated_at = $2 WHERE id = $3 RETURNING organisation_id"
        )
        .bind(secret)
        .bind(Utc::now())
        .bind(account_id)
        .fetch_optional(c)
        .await
        })?;
        let Some(org) = org else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(org),
            action: if secret.is_some() {
                "account.totp_enable"
            } else {
                "account.totp_disable"
            },
            object_type: "account",
            object_id: account_id.to_string(),
            changes: json!({}),
        })
        .await?;
        tx.commit().await
    }

    /// Checks a password (and code), applying the lockout rule, and opens a session.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        totp_code: Option<&str>,
        session_hours: i64,
    ) -> Result<LoginOutcome> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            organisation_id: i64,
            password_hash: String,
            totp_secret: Option<String>,
            disabled: bool,
            locked_until: Option<DateTime<Utc>>,
        }
        let row: Option<Row> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, organisation_id, password_hash, totp_secret, disabled, locked_until FROM accounts WHERE username = $1"
        )
        .bind(username)
        .fetch_optional(c)
        .await
        })?;
        let Some(row) = row else {
            verify_password(password, &DUMMY_HASH).await;
            return Ok(LoginOutcome::Invalid);
        };
        let now = Utc::now();
        if let Some(until) = row.locked_until.filter(|u| *u > now) {
            return Ok(LoginOutcome::Locked { until });
        }
        let password_ok = verify_password(password, &row.password_hash).await && !row.disabled;
        let code = totp_code.map(str::trim).filter(|c| !c.is_empty());
        let totp_ok = match (&row.totp_secret, code) {
            (None, _) => true,
            (Some(_), None) if password_ok => return Ok(LoginOutcome::TotpRequired),
            (Some(_), None) => false,
            (Some(secret), Some(code)) => mamori_domain::totp::decode_secret(secret)
                .is_some_and(|s| mamori_domain::totp::verify(&s, code, now.timestamp())),
        };
        let actor = Actor {
            account_id: Some(row.id),
            name: username.to_string(),
        };
        let mut tx = self.begin().await?;
        if !(password_ok && totp_ok) {
            let failed: i64 = on_tx!(tx, |c| {
                sqlx::query_scalar(
                "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins"
            )
            .bind(row.id)
            .fetch_one(c)
            .await
            })?;
            let locked = failed >= MAX_FAILED_LOGINS;
            let until = now + Duration::minutes(LOCKOUT_MINUTES);
            if locked {
                on_tx!(tx, |c| sqlx::query(
                    "UPDATE accounts SET failed_logins = 0, locked_until = $1 WHERE id = $2"
                )
                .bind(until)
                .bind(row.id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            }
            tx.audit(AuditEvent {
                actor: &actor,
                organisation_id: Some(row.organisation_id),
                action: if locked {
                    "auth.lockout"
                } else {
                    "auth.login_failed"
                },
                object_type: "account",
                object_id: row.id.to_string(),
                changes: json!({"failed_logins": failed}),
            })
            .await?;
            tx.commit().await?;
            return Ok(if locked {
                LoginOutcome::Locked { until }
            } else {
                LoginOutcome::Invalid
            });
        }
        on_tx!(tx, |c| sqlx::query(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1"
        )
        .bind(row.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        let session_token = tx
            .insert_session(row.id, now + Duration::hours(session_hours))
            .await?;
        tx.audit(AuditEvent {
            actor: &actor,
            organisation_id: Some(row.organisation_id),
            action: "auth.login",
            object_type: "account",
            object_id: row.id.to_string(),
            changes: json!({"second_factor": row.totp_secret.is_some()}),
        })
        .await?;
        tx.commit().await?;
        let principal = self.principal(row.id).await?;
        Ok(LoginOutcome::Success {
            principal,
            session_token,
        })
    }

    /// The principal for an enabled account.
    pub async fn principal(&self, account_id: i64) -> Result<Principal> {
        let sql = format!("{PRINCIPAL_SELECT} WHERE a.id = $1 AND NOT a.disabled");
        let row: Option<PrincipalRow> = read!(self, |c| sqlx::query_as(&sql)
            .bind(account_id)
            .fetch_optional(c)
            .await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Organisation kind of an account's organisation (for the UI's role checks).
    pub async fn organisation_kind(&self, organisation_id: i64) -> Result<OrganisationKind> {
        let kind: Option<String> = read!(self, |c| sqlx::query_scalar(
            "SELECT kind FROM organisations WHERE id = $1"
        )
        .bind(organisation_id)
        .fetch_optional(c)
        .await)?;
        kind.as_deref()
            .and_then(OrganisationKind::from_code)
            .ok_or(StoreError::NotFound)
    }
}

pub(crate) async fn principal_from_row_query(
    store: &Store,
    sql: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Principal>> {
    let row: Option<PrincipalRow> = read!(store, |c| sqlx::query_as(sql)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(c)
        .await)?;
    row.map(Principal::try_from).transpose()
}

impl Store {
    /// Checks a code against the account's second factor.
    pub async fn verify_totp(&self, account_id: i64, code: &str) -> Result<bool> {
        let secret: Option<Option<String>> = read!(self, |c| sqlx::query_scalar(
            "SELECT totp_secret FROM accounts WHERE id = $1"
        )
        .bind(account_id)
        .fetch_optional(c)
        .await)?;
        Ok(secret
            .flatten()
            .and_then(|s| mamori_domain::totp::decode_secret(&s))
            .is_some_and(|s| mamori_domain::totp::verify(&s, code, Utc::now().timestamp())))
    }
}
