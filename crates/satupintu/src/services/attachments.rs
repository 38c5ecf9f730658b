//! Documents attached to applications. The type is read from the content, never from the
//! name; the content is stored once per SHA-256 under `DATA_DIR/files` (private to this
//! user), and each application's row points at it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::Row;

use crate::db::{Db, Tx};

/// The media type the content shows, if it is one we accept.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Where a content hash is stored: `files/ab/abcdef…`.
pub fn path_of(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("files").join(sha256.get(..2).unwrap_or("00")).join(sha256)
}

/// The content stored under a hash.
pub async fn read_content(data_dir: &Path, sha256: &str) -> anyhow::Result<Vec<u8>> {
    tokio::fs::read(path_of(data_dir, sha256))
        .await
        .with_context(|| format!("stored file {sha256} unreadable"))
}

/// Writes the content under its hash (once: the same content is already there), private to
/// this user, and returns the hash.
pub async fn store_content(data_dir: &Path, bytes: bytes::Bytes) -> anyhow::Result<String> {
    let sha256 = crate::digest::sha256_hex(&bytes);
    let path = path_of(data_dir, &sha256);
    tokio::task::spawn_blocking(move || write_once(&path, &bytes))
        .await
        .context("the file writer stopped")??;
    Ok(sha256)
}

pub(crate) fn write_once(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().context("a file path has a folder")?;
    crate::mail::create_private_dir(dir)?;
    // Its own partial name: two requests may store the same content at once.
    let partial =
        path.with_extension(format!("partial-{}-{}", std::process::id(), crate::mail::random_hex()?));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&partial).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    // Renamed into place only when complete, so a reader never sees half a file.
    if let Err(e) = written.and_then(|()| std::fs::rename(&partial, path)) {
        let _ = std::fs::remove_file(&partial);
        return Err(e).with_context(|| format!("could not store {}", path.display()));
    }
    Ok(())
}

/// A stored attachment.
#[derive(Clone, Debug)]
pub struct Attachment {
    /// The requirement it answers.
    pub requirement_key: String,
    /// Its content hash.
    pub sha256: String,
    /// The sniffed type.
    pub media_type: String,
    /// Its size.
    pub size_bytes: i64,
    /// The name the browser gave.
    pub file_name: String,
    /// The officer's check: `ok` or `not_ok` with a note; none before it is checked.
    pub verdict: Option<(String, Option<String>)>,
}

/// Records (or replaces) the attachment of a requirement, in the caller's transaction.
pub async fn record(tx: &mut Tx, application_id: i64, attachment: &Attachment) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO attachments (application_id, requirement_key, sha256, media_type, size_bytes, file_name, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (application_id, requirement_key) DO UPDATE SET sha256 = excluded.sha256, \
           media_type = excluded.media_type, size_bytes = excluded.size_bytes, file_name = excluded.file_name, \
           uploaded_at = excluded.uploaded_at, verdict = NULL, verdict_note = NULL, verdict_by = NULL, verdict_at = NULL",
    )
    .bind(application_id)
    .bind(&attachment.requirement_key)
    .bind(&attachment.sha256)
    .bind(&attachment.media_type)
    .bind(attachment.size_bytes)
    .bind(&attachment.file_name)
    .bind(jiff::Timestamp::now().as_second())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An application's attachments.
pub async fn of_application(db: &Db, application_id: i64) -> anyhow::Result<Vec<Attachment>> {
    let rows = sqlx::query(
        "SELECT requirement_key, sha256, media_type, size_bytes, file_name, verdict, verdict_note FROM attachments \
         WHERE application_id = $1 ORDER BY requirement_key",
    )
    .bind(application_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Attachment {
                requirement_key: row.try_get("requirement_key")?,
                sha256: row.try_get("sha256")?,
                media_type: row.try_get("media_type")?,
                size_bytes: row.try_get("size_bytes")?,
                file_name: row.try_get("file_name")?,
                verdict: row
                    .try_get::<Option<String>, _>("verdict")?
                    .map(|v| Ok::<_, sqlx::Error>((v, row.try_get("verdict_note")?)))
                    .transpose()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some("image/jpeg"));
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\x00 a renamed program"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"%PD"), None);
    }
}
