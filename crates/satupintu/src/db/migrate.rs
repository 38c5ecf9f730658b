//! Schema migrations, embedded in the binary: one list per store, with identical names.
//!
//! Each migration runs in its own transaction and is recorded with a checksum, so an
//! edited migration is caught instead of silently skipped.

use anyhow::{Context, bail};
use sqlx::{Connection, Executor, Row};

use super::{Backend, Db};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../../../../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../../../../migrations/postgres/", $name, ".sql")),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_portal"),
    migration!(2, "0002_audit"),
    migration!(3, "0003_identity"),
    migration!(4, "0004_content_drafts"),
    migration!(5, "0005_sms"),
    migration!(6, "0006_calendar"),
    migration!(7, "0007_service_versions"),
    migration!(8, "0008_applications"),
    migration!(9, "0009_issued_documents"),
    migration!(10, "0010_appointments"),
    migration!(11, "0011_service_drafts"),
    migration!(12, "0012_workbench"),
    migration!(13, "0013_notifications"),
    migration!(14, "0014_surveys"),
    migration!(15, "0015_complaints"),
    migration!(16, "0016_ikm_report"),
    migration!(17, "0017_complaint_photos"),
];

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }

    fn checksum(&self, backend: Backend) -> String {
        crate::digest::sha256_hex(self.sql(backend).as_bytes())
    }
}

/// How far the database schema is from this binary's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Migrations recorded as applied.
    pub applied: usize,
    /// Migrations this binary knows.
    pub expected: usize,
}

impl MigrationStatus {
    /// Whether the schema is exactly what this binary expects.
    pub fn is_current(&self) -> bool {
        self.applied == self.expected
    }
}

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// Applies every migration not yet applied. Callers on PostgreSQL run it inside
/// [`Db::exclusively`], so nodes that start together do not race.
pub async fn migrate(db: &Db) -> anyhow::Result<MigrationStatus> {
    let mut conn = db.pool().acquire().await.context("could not connect to the database")?;
    apply_pending(&mut conn, db.backend()).await
}

async fn apply_pending(conn: &mut sqlx::AnyConnection, backend: Backend) -> anyhow::Result<MigrationStatus> {
    conn.execute(CREATE_LEDGER).await.context("could not create the migration ledger")?;
    let applied = sqlx::query("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await
        .context("could not read the migration ledger")?;
    for row in &applied {
        let version: i64 = row.try_get("version")?;
        let checksum: String = row.try_get("checksum")?;
        match MIGRATIONS.iter().find(|m| m.version == version) {
            None => bail!(
                "the database has migration {version}, which this binary does not know: \
                 it was migrated by a newer version of Satu Pintu"
            ),
            Some(m) if m.checksum(backend) != checksum => {
                bail!("migration {} was changed after it was applied", m.name)
            }
            Some(_) => {}
        }
    }
    for m in MIGRATIONS.iter().skip(applied.len()) {
        let mut tx = conn.begin().await?;
        tx.execute(m.sql(backend)).await.with_context(|| format!("migration {} failed", m.name))?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(m.checksum(backend))
        .bind(jiff::Timestamp::now().as_second())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(migration = m.name, "applied migration");
    }
    Ok(MigrationStatus { applied: MIGRATIONS.len(), expected: MIGRATIONS.len() })
}

/// How many migrations this version knows.
pub fn known_migrations() -> usize {
    MIGRATIONS.len()
}

/// Reads how many migrations are applied, without changing anything.
pub async fn migration_status(db: &Db) -> anyhow::Result<MigrationStatus> {
    let applied: i64 = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations")
        .fetch_one(db.pool())
        .await
        .context("the migration ledger is missing: run `satupintu migrate`")?
        .try_get("n")?;
    Ok(MigrationStatus { applied: usize::try_from(applied).unwrap_or(0), expected: MIGRATIONS.len() })
}
