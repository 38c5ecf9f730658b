//! Loading a backup into an empty database: the whole file is checked against its signed
//! manifest first, then every row goes in within one transaction, so a restore either
//! completes or leaves the database as it was.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::schema::{self, Kind, Table};
use super::{FileLine, MANIFEST_PREFIX, Manifest, ManifestLine, SignatureLine, TableLine};
use crate::db::{Backend, Db};

/// Rows per INSERT statement, fewer for wide tables: binding looks each parameter's name up
/// in a list as long as the statement's (SQLite), so cost grows with the square of the
/// parameters per statement.
const BATCH_ROWS: usize = 250;
const BATCH_PARAMETERS: usize = 1_000;

/// Written by a trigger as audit entries go in (SQLite); its backed-up row is the truth, so
/// it is loaded after everything else.
const LOADED_LAST: &[&str] = &["audit_log_size"];

/// What a restore loaded.
#[derive(Debug)]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Rows loaded.
    pub rows: u64,
}

/// Checks `file` against the installation's key and loads it into `db` (which must hold no
/// audit entries) and the files under `data_dir`.
pub async fn restore(
    db: &Db,
    data_dir: &Path,
    key: &satupintu_audit::VerifyingKey,
    file: &Path,
) -> anyhow::Result<Restored> {
    let manifest = {
        let (file, key) = (file.to_path_buf(), *key);
        tokio::task::spawn_blocking(move || verified_manifest(&file, &key)).await??
    };
    let expected = crate::db::known_migrations();
    if manifest.schema_version > expected {
        bail!(
            "the backup was made by a newer version (schema {} of this version's {expected}): restore it with that version",
            manifest.schema_version
        );
    }
    db.exclusively(async || crate::db::migrate(db).await).await?;
    let entries: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM audit_entries").fetch_one(db.pool()).await?.try_get("n")?;
    if entries > 0 {
        bail!("the database is not empty ({entries} audit entries): restore only into an empty database");
    }
    let reader = open(file)?;
    let rows = load(db, data_dir, reader, &manifest).await?;
    Ok(Restored { manifest, rows })
}

fn open(file: &Path) -> anyhow::Result<BufReader<std::fs::File>> {
    let opened = std::fs::File::open(file).with_context(|| format!("could not open {}", file.display()))?;
    Ok(BufReader::with_capacity(1 << 20, opened))
}

/// Reads the whole file once: the payload must hash to what the signed manifest says.
fn verified_manifest(file: &Path, key: &satupintu_audit::VerifyingKey) -> anyhow::Result<Manifest> {
    let mut reader = open(file)?;
    let mut hasher = Sha256::new();
    let mut payload_bytes = 0u64;
    let mut line = Vec::new();
    let manifest_line = loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            bail!("the backup is incomplete: it ends before its signed manifest (truncated?)");
        }
        if line.starts_with(MANIFEST_PREFIX) {
            break line.strip_suffix(b"\n").unwrap_or(&line).to_vec();
        }
        hasher.update(&line);
        payload_bytes += line.len() as u64;
    };
    line.clear();
    reader.read_until(b'\n', &mut line)?;
    let signature: SignatureLine = serde_json::from_slice(&line)
        .map_err(|_| anyhow::anyhow!("the backup is incomplete: its signature line is missing or damaged"))?;
    let mut rest = Vec::new();
    if reader.read_until(b'\n', &mut rest)? != 0 {
        bail!("the backup has data after its signature: it was altered");
    }
    super::check_signature(key, &manifest_line, &signature.signature)?;
    let ManifestLine { manifest } =
        serde_json::from_slice(&manifest_line).context("the backup's manifest is not readable")?;
    if manifest.format != super::FORMAT {
        bail!("the backup is in format `{}`, this version reads `{}`", manifest.format, super::FORMAT);
    }
    let digest = crate::digest::hex(&hasher.finalize());
    if digest != manifest.payload_sha256 || payload_bytes != manifest.payload_bytes {
        bail!(
            "the backup's content does not match its signed manifest (SHA-256 {digest}, {payload_bytes} bytes; \
             signed {}, {} bytes): it was altered or damaged",
            manifest.payload_sha256,
            manifest.payload_bytes
        );
    }
    Ok(manifest)
}

/// A table being loaded: its target columns in the backup's order, and rows waiting to go in.
struct Loading {
    table: Table,
    kinds: Vec<Kind>,
    insert_columns: String,
    batch: Vec<Vec<serde_json::Value>>,
    rows: u64,
}

async fn load(
    db: &Db,
    data_dir: &Path,
    mut reader: BufReader<std::fs::File>,
    manifest: &Manifest,
) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    if db.backend() == Backend::Sqlite {
        // Checked at commit: rows of tables that point at each other can go in any order.
        sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await?;
    }
    let targets = schema::tables(&mut tx, db.backend()).await?;
    // Rows the migrations seeded make way for the backup's.
    for table in targets.iter().rev() {
        let sql = format!("DELETE FROM {}", super::quoted(&table.name));
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    let by_name: BTreeMap<&str, &Table> = targets.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut current: Option<Loading> = None;
    let mut held_back: Vec<Loading> = Vec::new();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut audit = satupintu_audit::Frontier::new();
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        number += 1;
        if reader.read_until(b'\n', &mut line)? == 0 || line.starts_with(MANIFEST_PREFIX) {
            break;
        }
        let context = || format!("line {number} of the backup");
        match line.first() {
            Some(b'[') => {
                let values: Vec<serde_json::Value> = serde_json::from_slice(&line).with_context(context)?;
                let loading =
                    current.as_mut().with_context(|| format!("{}: a row before any table", context()))?;
                if values.len() != loading.kinds.len() {
                    bail!("{}: {} values for {} columns", context(), values.len(), loading.kinds.len());
                }
                if loading.table.name == "audit_entries" {
                    push_leaf(&mut audit, loading, &values).with_context(context)?;
                }
                loading.batch.push(values);
                if loading.batch.len() >= batch_rows(loading.kinds.len()) {
                    flush(&mut tx, db.backend(), loading).await.with_context(context)?;
                }
            }
            Some(b'{') if line.starts_with(b"{\"file\":") => {
                let FileLine { file, content } = serde_json::from_slice(&line).with_context(context)?;
                store_file(data_dir, &file, &content).await.with_context(context)?;
            }
            Some(b'{') => {
                let header: TableLine = serde_json::from_slice(&line).with_context(context)?;
                let next = start_table(&by_name, header).with_context(context)?;
                finish(&mut tx, db.backend(), current.take(), &mut held_back, &mut counts).await?;
                current = Some(next);
            }
            _ => bail!("{}: not a line of a backup", context()),
        }
    }
    finish(&mut tx, db.backend(), current.take(), &mut held_back, &mut counts).await?;
    for mut loading in held_back {
        let sql = format!("DELETE FROM {}", super::quoted(&loading.table.name));
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
        flush(&mut tx, db.backend(), &mut loading).await?;
        counts.insert(loading.table.name.clone(), loading.rows);
    }
    if counts != manifest.tables {
        bail!("the rows loaded do not match the manifest's counts; nothing was restored");
    }
    let root = satupintu_audit::to_base64(&audit.root());
    if audit.size() != manifest.audit.entries || root != manifest.audit.root_hash {
        bail!("the audit entries loaded do not give the manifest's tree head; nothing was restored");
    }
    if db.backend() == Backend::Postgres {
        for table in &targets {
            move_identity_past_restored_ids(&mut tx, table).await?;
        }
    }
    tx.commit().await?;
    Ok(counts.values().sum())
}

fn batch_rows(columns: usize) -> usize {
    (BATCH_PARAMETERS / columns.max(1)).clamp(1, BATCH_ROWS)
}

fn start_table(by_name: &BTreeMap<&str, &Table>, header: TableLine) -> anyhow::Result<Loading> {
    let table = by_name.get(header.table.as_str()).with_context(|| {
        format!("the backup holds table `{}`, which this version does not have", header.table)
    })?;
    let mut kinds = Vec::with_capacity(header.columns.len());
    let mut names = Vec::with_capacity(header.columns.len());
    for column in &header.columns {
        let target = table.column(&column.name).with_context(|| {
            format!(
                "the backup holds column `{}.{}`, which this version does not have",
                header.table, column.name
            )
        })?;
        kinds.push(target.kind);
        names.push(super::quoted(&column.name));
    }
    Ok(Loading {
        table: (*table).clone(),
        kinds,
        insert_columns: names.join(", "),
        batch: Vec::new(),
        rows: 0,
    })
}

/// Sends a table's last rows and counts it (or holds it back to load last).
async fn finish(
    tx: &mut crate::db::Tx,
    backend: Backend,
    loading: Option<Loading>,
    held_back: &mut Vec<Loading>,
    counts: &mut BTreeMap<String, u64>,
) -> anyhow::Result<()> {
    let Some(mut loading) = loading else { return Ok(()) };
    if LOADED_LAST.contains(&loading.table.name.as_str()) {
        held_back.push(loading);
        return Ok(());
    }
    flush(tx, backend, &mut loading).await?;
    counts.insert(loading.table.name.clone(), loading.rows);
    Ok(())
}

async fn flush(tx: &mut crate::db::Tx, backend: Backend, loading: &mut Loading) -> anyhow::Result<()> {
    if loading.batch.is_empty() {
        return Ok(());
    }
    let width = loading.kinds.len();
    let mut placeholders = Vec::with_capacity(loading.batch.len());
    for row in 0..loading.batch.len() {
        let params: Vec<String> = (1..=width).map(|c| format!("${}", row * width + c)).collect();
        placeholders.push(format!("({})", params.join(", ")));
    }
    // Ids keep their values, identity columns included.
    let overriding = if backend == Backend::Postgres && loading.table.identity.is_some() {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO {} ({}){overriding} VALUES {}",
        super::quoted(&loading.table.name),
        loading.insert_columns,
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in loading.batch.drain(..) {
        for (value, kind) in row.into_iter().zip(&loading.kinds) {
            query = bind(query, value, *kind)?;
        }
        loading.rows += 1;
    }
    query.execute(&mut **tx).await.with_context(|| format!("loading table {}", loading.table.name))?;
    Ok(())
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn bind(query: AnyQuery<'_>, value: serde_json::Value, kind: Kind) -> anyhow::Result<AnyQuery<'_>> {
    use serde_json::Value;
    Ok(match (kind, value) {
        (Kind::Integer, Value::Null) => query.bind(None::<i64>),
        (Kind::Real, Value::Null) => query.bind(None::<f64>),
        (Kind::Text, Value::Null) => query.bind(None::<String>),
        (Kind::Blob, Value::Null) => query.bind(None::<Vec<u8>>),
        (Kind::Integer, Value::Number(n)) => query.bind(n.as_i64().context("an integer out of range")?),
        (Kind::Real, Value::Number(n)) => query.bind(n.as_f64().context("a number out of range")?),
        (Kind::Text, Value::String(s)) => query.bind(s),
        (Kind::Blob, Value::String(s)) => query.bind(super::base64_decode(&s)?),
        (kind, other) => bail!("a {kind:?} column cannot take {other}"),
    })
}

fn push_leaf(
    audit: &mut satupintu_audit::Frontier,
    loading: &Loading,
    values: &[serde_json::Value],
) -> anyhow::Result<()> {
    let index =
        loading.table.columns.iter().position(|c| c.name == "leaf").context("audit entries have a leaf")?;
    let leaf = values.get(index).and_then(|v| v.as_str()).context("an audit entry without its leaf")?;
    audit
        .push(satupintu_audit::leaf_hash(&super::base64_decode(leaf)?))
        .map_err(|_| anyhow::anyhow!("the audit log is too large"))
}

async fn store_file(data_dir: &Path, name: &str, content: &str) -> anyhow::Result<()> {
    if !super::is_sha256_name(name) {
        bail!("`{name}` is not a stored file's name");
    }
    let bytes = super::base64_decode(content)?;
    if crate::digest::sha256_hex(&bytes) != name {
        bail!("the content of file {name} does not match its name");
    }
    let path = crate::services::attachments::path_of(data_dir, name);
    tokio::task::spawn_blocking(move || crate::services::attachments::write_once(&path, &bytes)).await?
}

/// New rows must not collide with restored ids.
async fn move_identity_past_restored_ids(tx: &mut crate::db::Tx, table: &Table) -> anyhow::Result<()> {
    let Some(column) = &table.identity else { return Ok(()) };
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({col}), 0) + 1, false) FROM {t}",
        col = super::quoted(column),
        t = super::quoted(&table.name),
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(super::quoted(&table.name))
        .bind(column)
        .execute(&mut **tx)
        .await
        .with_context(|| format!("moving the id sequence of {}", table.name))?;
    Ok(())
}
