//! Fresh databases for tests and benchmarks: a SQLite file in a temporary folder always, and
//! a new PostgreSQL database when `MAMORI_TEST_POSTGRES_URL` names a server.

use crate::{Result, Store};
use sqlx::postgres::PgPoolOptions;
use std::path::PathBuf;

pub const POSTGRES_ENV: &str = "MAMORI_TEST_POSTGRES_URL";

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    pub label: &'static str,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

fn unique(prefix: &str) -> String {
    let r = crate::sessions::random_secret();
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    format!("mamori_{clean}_{}", &r[..10])
}

impl TestDatabase {
    pub fn sqlite(name: &str) -> TestDatabase {
        let dir = std::env::temp_dir().join(unique(name));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("test.db");
        TestDatabase {
            url: format!("sqlite://{}", path.display()),
            label: "sqlite",
            cleanup: Some(Cleanup::File(dir)),
        }
    }

    /// A new, empty PostgreSQL database, when the environment names a server.
    pub async fn postgres(name: &str) -> Result<Option<TestDatabase>> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            return Ok(None);
        };
        if admin_url.trim().is_empty() {
            return Ok(None);
        }
        let db = unique(name);
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&admin_url)
            .await?;
        sqlx::raw_sql(&format!("CREATE DATABASE {db}"))
            .execute(&admin)
            .await?;
        admin.close().await;
        Ok(Some(TestDatabase {
            url: replace_database(&admin_url, &db),
            label: "postgres",
            cleanup: Some(Cleanup::Postgres {
                admin_url,
                name: db,
            }),
        }))
    }

    /// SQLite, plus PostgreSQL when configured.
    pub async fn all(name: &str) -> Result<Vec<TestDatabase>> {
        let mut v = vec![TestDatabase::sqlite(name)];
        if let Some(pg) = TestDatabase::postgres(name).await? {
            v.push(pg);
        }
        Ok(v)
    }

    pub async fn connect(&self) -> Result<Store> {
        Store::connect(&self.url).await
    }

    /// Removes the database; call after closing every connection to it.
    pub async fn drop_database(mut self) {
        match self.cleanup.take() {
            None => {}
            Some(Cleanup::File(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Cleanup::Postgres { admin_url, name }) => {
                if let Ok(admin) = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin_url)
                    .await
                {
                    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                    admin.close().await;
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    /// Files go with the value; a PostgreSQL database needs `drop_database` (async).
    fn drop(&mut self) {
        if let Some(Cleanup::File(dir)) = &self.cleanup {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The same server URL with another database name.
fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let with_db = match base[after_scheme..].find('/') {
        Some(slash) => format!("{}/{db}", &base[..after_scheme + slash]),
        None => format!("{base}/{db}"),
    };
    match query {
        Some(q) => format!("{with_db}?{q}"),
        None => with_db,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://h", "x"),
            "postgres://h/x"
        );
        assert_eq!(
            super::replace_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
