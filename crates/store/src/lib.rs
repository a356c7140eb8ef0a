//! mamori's one storage layer.
//!
//! [`Store`] speaks to SQLite (the embedded default) or PostgreSQL. Every business rule is
//! written once: a query body is written once inside the [`read!`] or [`on_tx!`] macro, which
//! expands it for each backend's pool or transaction, so the backends differ only where SQL
//! dialects do (see [`Backend`]). That keeps sqlx's native types on both sides (timestamps as
//! `TIMESTAMPTZ` on PostgreSQL, text on SQLite) instead of the lowest common denominator that
//! sqlx's `Any` driver would give.
//!
//! Every change goes through a [`Tx`], and a `Tx` refuses to commit unless it wrote an audit
//! record ([`Tx::audit`]): the audit record and the change it describes land together or not
//! at all.
//!
//! Tenant isolation: functions that read tenant data take a scope from
//! `mamori_domain::policy` and turn it into SQL in one place ([`sql::Sql::institution_scope`]).

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod campaigns;
pub mod frameworks;
mod migrate;
pub mod outreach;
pub mod registry;
pub mod results;
pub mod sessions;
pub mod sharing;
mod sql;
pub mod testing;

pub use audit::Actor;
pub use sql::{Page, PageRequest};

use mamori_domain::validation::FieldError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("not found")]
    NotFound,
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("migration {version} failed: {message}")]
    Migration { version: i64, message: String },
    #[error("the database holds a value this version does not know: {0}")]
    Corrupt(String),
    #[error("refused to commit a change without an audit record")]
    Unaudited,
    #[error("{0}")]
    Unsupported(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
pub(crate) fn conflict_on(field: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict { field },
        _ => StoreError::Database(e),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Case-insensitive pattern match.
    pub(crate) fn ilike(self) -> &'static str {
        match self {
            Backend::Sqlite => "LIKE",
            Backend::Postgres => "ILIKE",
        }
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    /// SQLite allows one writer at a time; a dedicated one-connection pool makes writers queue
    /// in the process instead of failing with SQLITE_BUSY.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// A handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

/// Runs `$body` with `$conn` bound to the pool of whichever backend `$store` uses.
macro_rules! read {
    ($store:expr, |$conn:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite { read, .. } => {
                let $conn = read;
                $body
            }
            $crate::Pool::Postgres(pg) => {
                let $conn = pg;
                $body
            }
        }
    };
}

/// Runs `$body` with `$conn` bound to the open transaction of whichever backend `$tx` uses.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::TxInner::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::TxInner::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use {on_tx, read};

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// An open transaction. Commit with [`Tx::commit`], which insists on an audit record.
pub struct Tx {
    pub(crate) inner: TxInner,
    pub(crate) audited: bool,
    pub(crate) backend: Backend,
}

impl Tx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Commits a change. Fails, rolling back, when no audit record was written.
    pub async fn commit(self) -> Result<()> {
        if !self.audited {
            self.rollback().await?;
            return Err(StoreError::Unaudited);
        }
        self.commit_unaudited().await
    }

    /// Commits bookkeeping that is not a change of business state (sessions expiring).
    pub(crate) async fn commit_unaudited(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Runs a statement built with [`sql::Sql`] inside this transaction.
    pub(crate) async fn execute(&mut self, sql: &sql::Sql) -> Result<u64> {
        let affected = on_tx!(self, |c| sql::bind_args!(sqlx::query(&sql.text), sql.args)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(affected)
    }

    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.rollback().await?,
            TxInner::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing, WAL) or `postgres://...`, and runs
    /// pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        let store = Store::connect_without_migrating(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn connect_without_migrating(url: &str) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts.read_only(false))
                .await?;
            Pool::Sqlite { read, write }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pg = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Pool::Postgres(pg)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        Ok(Store { pool })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (BEGIN
    /// IMMEDIATE), so that a transaction that reads before it writes cannot fail halfway.
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite { write, .. } => {
                TxInner::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?)
            }
            Pool::Postgres(pg) => TxInner::Postgres(pg.begin().await?),
        };
        Ok(Tx {
            inner,
            audited: false,
            backend: self.backend(),
        })
    }

    /// Refreshes the query planner's statistics (after bulk loads such as the demo's).
    pub async fn analyze(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite { write, .. } => {
                sqlx::query("ANALYZE").execute(write).await?;
            }
            Pool::Postgres(pg) => {
                sqlx::query("ANALYZE").execute(pg).await?;
            }
        }
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        read!(self, |c| sqlx::query("SELECT 1")
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pool::Postgres(pg) => pg.close().await,
        }
    }
}

impl Store {
    /// Drops every table (used only by the demo, on a database it created itself), so that
    /// migrations then start from nothing. Done inside the database rather than by deleting
    /// files, which would race with connections still closing.
    pub async fn reset_schema(&self) -> Result<()> {
        match &self.pool {
            Pool::Postgres(pg) => {
                sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                    .execute(pg)
                    .await?;
            }
            Pool::Sqlite { write, .. } => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(write)
                .await?;
                let mut script = String::from("PRAGMA foreign_keys = OFF;\n");
                for t in tables {
                    script.push_str(&format!("DROP TABLE \"{}\";\n", t.replace('"', "\"\"")));
                }
                script.push_str("PRAGMA foreign_keys = ON;\n");
                sqlx::raw_sql(&script).execute(write).await?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// Runs a statement outside every rule of this crate: no audit, no scope. Only the test
    /// suites use it, to play an attacker with direct database access.
    #[doc(hidden)]
    pub async fn execute_raw_for_tests(&self, sql: &str) -> Result<()> {
        match &self.pool {
            Pool::Sqlite { write, .. } => {
                sqlx::raw_sql(sql).execute(write).await?;
            }
            Pool::Postgres(pg) => {
                sqlx::raw_sql(sql).execute(pg).await?;
            }
        }
        Ok(())
    }
}
