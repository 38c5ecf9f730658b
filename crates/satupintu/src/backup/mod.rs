//! Signed backups: `satupintu backup` writes a consistent snapshot of a running installation
//! (every table, read in one snapshot transaction, and the stored files), and
//! `satupintu restore` loads one into an empty database after checking its signature.
//!
//! A backup is one file of JSON lines, the same for both stores, so a SQLite installation
//! can also move to PostgreSQL through it:
//!
//! ```text
//! {"file":"<sha256>","content":"<base64>"}            each stored file (attachments, PDFs)
//! {"table":"<name>","columns":[{"name":…,"kind":…}]}  then each table's rows, one per line:
//! [1,"text",null,"<base64 of a blob>"]
//! {"manifest":{…}}                                     counts, audit tree head, SHA-256 of all above
//! {"signature":"<base64>"}                             Ed25519 over the manifest line
//! ```
//!
//! The manifest is signed with the installation's key (the audit log's), labelled so the
//! signature can never pass for a tree head's. A backup that was altered, truncated or
//! signed by another installation is refused before anything is written.

pub mod export;
pub mod restore;
pub mod schema;

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use base64::Engine;
use serde::{Deserialize, Serialize};

pub use export::backup;
pub use restore::restore;

/// The format written in every manifest; a restore refuses others.
pub const FORMAT: &str = "satupintu-backup/1";

/// The label of the manifest's signature.
const SIGNATURE_LABEL: &str = "satupintu-backup-v1";

/// What a backup holds and proves, signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// The store it was taken from: `sqlite` or `postgres`.
    pub source_store: String,
    /// Migrations applied to the source; a restore needs at least as many.
    pub schema_version: usize,
    /// Rows per table.
    pub tables: BTreeMap<String, u64>,
    /// Stored files, and their bytes.
    pub files: u64,
    /// The stored files' total size.
    pub file_bytes: u64,
    /// The audit log in the snapshot.
    pub audit: AuditHead,
    /// SHA-256 (hex) and length of everything before the manifest line.
    pub payload_sha256: String,
    /// The payload's length.
    pub payload_bytes: u64,
    /// The signing key's id.
    pub key_id: String,
}

/// The audit log as the snapshot holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditHead {
    /// How many entries.
    pub entries: u64,
    /// The Merkle root over all entries (base64), as `satupintu audit verify` prints it.
    pub root_hash: String,
}

/// A stored file's line.
#[derive(Serialize, Deserialize)]
struct FileLine {
    file: String,
    content: String,
}

/// The line that starts a table's rows (each row then is a JSON array, in column order).
#[derive(Serialize, Deserialize)]
struct TableLine {
    table: String,
    columns: Vec<ColumnHeader>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct ColumnHeader {
    name: String,
    kind: schema::Kind,
}

/// The trailer's two lines.
#[derive(Serialize, Deserialize)]
struct ManifestLine {
    manifest: Manifest,
}

#[derive(Serialize, Deserialize)]
struct SignatureLine {
    signature: String,
}

/// The start of the manifest line; no payload line starts so.
const MANIFEST_PREFIX: &[u8] = b"{\"manifest\":";

fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64_decode(text: &str) -> anyhow::Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).context("not valid base64")
}

/// A 64-hex-digit SHA-256, as stored files are named.
fn is_sha256_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Quotes a table or column name read from the catalogue.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Checks the signature of a manifest line with the installation's public key.
fn check_signature(
    key: &satupintu_audit::VerifyingKey,
    manifest_line: &[u8],
    signature: &str,
) -> anyhow::Result<()> {
    let signature = satupintu_audit::signature_from_base64(signature)
        .map_err(|_| anyhow::anyhow!("the backup's signature line is malformed"))?;
    if key.verify_labelled(SIGNATURE_LABEL, manifest_line, &signature).is_err() {
        bail!(
            "the backup's manifest does not verify with this installation's key (id {}): it was altered, \
             or made by another installation",
            key.key_id()
        );
    }
    Ok(())
}
