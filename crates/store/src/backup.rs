//! Consistent online copies of the database.

use crate::{read, Backend, Result, Store, StoreError};
use std::path::Path;

impl Store {
    /// Writes a consistent copy of a SQLite database to `target` while it stays in use
    /// (`VACUUM INTO` reads one snapshot). PostgreSQL has its own tool for this.
    pub async fn backup_to(&self, target: &Path) -> Result<()> {
        if self.backend() == Backend::Postgres {
            return Err(StoreError::Unsupported(
                "PostgreSQL databases are backed up with pg_dump, e.g. `pg_dump --format=custom --file mamori.dump \"$DATABASE_URL\"`, and restored with pg_restore".into(),
            ));
        }
        if target.exists() {
            return Err(StoreError::Unsupported(format!(
                "{} already exists; choose a new file",
                target.display()
            )));
        }
        let target = target.to_string_lossy().to_string();
        read!(self, |c| sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
