//! Writing a backup: one read-only snapshot transaction over every table, so the backup is
//! consistent while the server goes on writing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::schema::{self, Kind};
use super::{AuditHead, ColumnHeader, FileLine, Manifest, ManifestLine, SignatureLine, TableLine};
use crate::db::{Backend, Db};

/// Counts the bytes and hashes them on their way to the file.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    fn line(&mut self, value: &impl serde::Serialize) -> anyhow::Result<()> {
        let mut encoded = serde_json::to_vec(value)?;
        encoded.push(b'\n');
        self.hasher.update(&encoded);
        self.bytes += encoded.len() as u64;
        self.inner.write_all(&encoded)?;
        Ok(())
    }
}

/// Writes a signed backup of `db` and the files under `data_dir` to `output`. The file
/// appears only once complete.
pub async fn backup(
    db: &Db,
    data_dir: &Path,
    key: &satupintu_audit::SigningKey,
    output: &Path,
) -> anyhow::Result<Manifest> {
    let status = crate::db::migration_status(db).await?;
    anyhow::ensure!(status.is_current(), "the database is not migrated: run `satupintu migrate`");
    let partial = partial_path(output);
    let file =
        std::fs::File::create(&partial).with_context(|| format!("could not create {}", partial.display()))?;
    let mut out = HashingWriter { inner: std::io::BufWriter::new(file), hasher: Sha256::new(), bytes: 0 };
    let written = write_snapshot(db, data_dir, &mut out).await;
    let (tables, files, file_bytes, audit) = match written {
        Ok(counts) => counts,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let manifest = Manifest {
        format: super::FORMAT.into(),
        created_at: jiff::Timestamp::now().to_string(),
        source_store: db.backend().name().into(),
        schema_version: status.applied,
        tables,
        files,
        file_bytes,
        audit,
        payload_sha256: crate::digest::hex(&out.hasher.finalize_reset()),
        payload_bytes: out.bytes,
        key_id: key.key_id(),
    };
    let manifest_line = serde_json::to_vec(&ManifestLine { manifest: manifest.clone() })?;
    let signature = key
        .sign_labelled(super::SIGNATURE_LABEL, &manifest_line)
        .map_err(|e| anyhow::anyhow!("could not sign the manifest: {e}"))?;
    let finished = (|| -> anyhow::Result<()> {
        out.inner.write_all(&manifest_line)?;
        out.inner.write_all(b"\n")?;
        serde_json::to_writer(
            &mut out.inner,
            &SignatureLine { signature: super::base64_encode(&signature) },
        )?;
        out.inner.write_all(b"\n")?;
        let file = out.inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, output)?;
        Ok(())
    })();
    if let Err(e) = finished {
        let _ = std::fs::remove_file(&partial);
        return Err(e.context(format!("could not write {}", output.display())));
    }
    Ok(manifest)
}

fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    output.with_file_name(name)
}

type Counts = (BTreeMap<String, u64>, u64, u64, AuditHead);

async fn write_snapshot<W: Write>(
    db: &Db,
    data_dir: &Path,
    out: &mut HashingWriter<W>,
) -> anyhow::Result<Counts> {
    let begin = match db.backend() {
        // A deferred transaction reads one snapshot (WAL) without blocking the writer.
        Backend::Sqlite => "BEGIN",
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    let mut tx = db.pool().begin_with(begin).await.context("could not start the snapshot")?;
    let tables = schema::tables(&mut tx, db.backend()).await?;
    // The first read fixes the snapshot; files listed after it include every file a row in
    // it points at, since a file is stored before the row that names it commits.
    sqlx::query("SELECT COUNT(*) AS n FROM audit_entries").fetch_one(&mut *tx).await?;
    let (files, file_bytes) = write_files(data_dir, out)?;
    let mut counts = BTreeMap::new();
    let mut audit = satupintu_audit::Frontier::new();
    for table in &tables {
        let n = write_table(&mut tx, table, out, &mut audit).await?;
        counts.insert(table.name.clone(), n);
    }
    tx.rollback().await?;
    let head = AuditHead { entries: audit.size(), root_hash: satupintu_audit::to_base64(&audit.root()) };
    Ok((counts, files, file_bytes, head))
}

fn write_files<W: Write>(data_dir: &Path, out: &mut HashingWriter<W>) -> anyhow::Result<(u64, u64)> {
    let root = data_dir.join("files");
    let mut paths = Vec::new();
    if root.is_dir() {
        for shard in std::fs::read_dir(&root)? {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&shard)? {
                let path = entry?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                // Partial writes and anything else are not stored files.
                if super::is_sha256_name(name) {
                    paths.push(path);
                }
            }
        }
    }
    paths.sort();
    let (mut count, mut bytes) = (0, 0);
    for path in paths {
        let content = std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if crate::digest::sha256_hex(&content) != name {
            bail!("the stored file {} is damaged: its content does not match its name", path.display());
        }
        bytes += content.len() as u64;
        count += 1;
        out.line(&FileLine { file: name, content: super::base64_encode(&content) })?;
    }
    Ok((count, bytes))
}

async fn write_table<W: Write>(
    conn: &mut sqlx::AnyConnection,
    table: &schema::Table,
    out: &mut HashingWriter<W>,
    audit: &mut satupintu_audit::Frontier,
) -> anyhow::Result<u64> {
    let columns: Vec<String> = table.columns.iter().map(|c| super::quoted(&c.name)).collect();
    let order = if table.key.is_empty() {
        String::from("1")
    } else {
        table.key.iter().map(|k| super::quoted(k)).collect::<Vec<_>>().join(", ")
    };
    let sql = format!("SELECT {} FROM {} ORDER BY {order}", columns.join(", "), super::quoted(&table.name));
    out.line(&TableLine {
        table: table.name.clone(),
        columns: table.columns.iter().map(|c| ColumnHeader { name: c.name.clone(), kind: c.kind }).collect(),
    })?;
    // The audit log's root is recomputed from the leaves as they go by.
    let leaf_column = (table.name == "audit_entries")
        .then(|| table.columns.iter().position(|c| c.name == "leaf"))
        .flatten();
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
    let mut n = 0;
    while let Some(row) = rows.try_next().await? {
        let values = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| value_of(&row, i, column.kind))
            .collect::<anyhow::Result<Vec<_>>>()
            .with_context(|| format!("reading a row of {}", table.name))?;
        if let Some(i) = leaf_column {
            let leaf: Vec<u8> = row.try_get(i)?;
            audit
                .push(satupintu_audit::leaf_hash(&leaf))
                .map_err(|_| anyhow::anyhow!("the audit log is too large to back up"))?;
        }
        out.line(&values)?;
        n += 1;
    }
    Ok(n)
}

fn value_of(row: &AnyRow, index: usize, kind: Kind) -> anyhow::Result<serde_json::Value> {
    use serde_json::Value;
    Ok(match kind {
        Kind::Integer => row.try_get::<Option<i64>, _>(index)?.map_or(Value::Null, Value::from),
        Kind::Real => match row.try_get::<Option<f64>, _>(index)? {
            None => Value::Null,
            Some(x) => serde_json::Number::from_f64(x)
                .map(Value::Number)
                .context("a number that is not finite cannot be backed up")?,
        },
        Kind::Text => row.try_get::<Option<String>, _>(index)?.map_or(Value::Null, Value::String),
        Kind::Blob => row
            .try_get::<Option<Vec<u8>>, _>(index)?
            .map_or(Value::Null, |bytes| Value::String(super::base64_encode(&bytes))),
    })
}
