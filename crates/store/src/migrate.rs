//! Schema migrations, one SQL file per version and backend, applied in order on start.

use crate::{on_tx, Backend, Result, Store, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "frameworks",
        sqlite: include_str!("../migrations/sqlite/0002_frameworks.sql"),
        postgres: include_str!("../migrations/postgres/0002_frameworks.sql"),
    },
    Migration {
        version: 3,
        name: "campaigns",
        sqlite: include_str!("../migrations/sqlite/0003_campaigns.sql"),
        postgres: include_str!("../migrations/postgres/0003_campaigns.sql"),
    },
    Migration {
        version: 4,
        name: "evidence",
        sqlite: include_str!("../migrations/sqlite/0004_evidence.sql"),
        postgres: include_str!("../migrations/postgres/0004_evidence.sql"),
    },
    Migration {
        version: 5,
        name: "sharing",
        sqlite: include_str!("../migrations/sqlite/0005_sharing.sql"),
        postgres: include_str!("../migrations/postgres/0005_sharing.sql"),
    },
];

impl Store {
    /// Applies every migration the database has not seen, each in its own transaction.
    /// Returns the versions applied.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let mut tx = self.begin().await?;
        on_tx!(tx, |c| {
            sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)"
        )
        .execute(c)
        .await.map(|r| r.rows_affected())
        })?;
        tx.commit_unaudited().await?;

        let mut applied = Vec::new();
        for m in MIGRATIONS {
            let mut tx = self.begin().await?;
            let seen: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT version FROM schema_migrations WHERE version = $1"
            )
            .bind(m.version)
            .fetch_optional(c)
            .await)?;
            if seen.is_some() {
                tx.rollback().await?;
                continue;
            }
            let script = match tx.backend() {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let result = on_tx!(tx, |c| sqlx::raw_sql(script)
                .execute(c)
                .await
                .map(|r| r.rows_affected()));
            if let Err(e) = result {
                tx.rollback().await?;
                return Err(StoreError::Migration {
                    version: m.version,
                    message: e.to_string(),
                });
            }
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"
            )
            .bind(m.version)
            .bind(m.name)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.commit_unaudited().await?;
            applied.push(m.version);
        }
        Ok(applied)
    }
}
