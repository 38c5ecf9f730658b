//! The audit log's SQL: appending entries inside the caller's transaction, and signing
//! tree heads.

use anyhow::Context;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{Backend, Db, Tx};
use satupintu_audit::{Frontier, Hash, SigningKey, TreeHead, leaf_hash};

/// What an entry records: who did what to which record. Never personal data in clear:
/// subjects are references, and the record itself enters only as a digest.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// Who acted: `system`, `cli`, later `officer:{id}` or `citizen:{id}`.
    pub actor: &'a str,
    /// What happened, as `capability.verb`, e.g. `content.import`.
    pub action: &'a str,
    /// Which record, as `kind/reference`, e.g. `news/gerai-konsultasi-perizinan-umkm`.
    pub subject: &'a str,
    /// SHA-256 of the record's new state (or of the request), hex.
    pub digest: String,
}

/// The exact bytes of a leaf: canonical JSON with its fields in this order. The entry's
/// index is its position in the tree, not part of its bytes, so a leaf can be built before
/// the index is taken.
#[derive(Serialize)]
struct Leaf<'a> {
    v: u8,
    at: i64,
    actor: &'a str,
    action: &'a str,
    subject: &'a str,
    digest: &'a str,
}

/// The SHA-256 of a value's JSON, hex: the `digest` of an entry about that value.
pub fn digest_of(value: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    crate::digest::sha256_hex(&bytes)
}

/// The chain hash after a leaf: SHA-256(previous chain hash ‖ leaf hash).
pub fn chain_hash(previous: &Hash, leaf: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(leaf);
    hasher.finalize().into()
}

/// An entry built and waiting for its transaction's commit: when, the leaf's bytes, its hash.
#[derive(Debug)]
pub struct Queued {
    at: i64,
    leaf: Vec<u8>,
    hash: Hash,
}

fn build(entry: &Entry<'_>) -> anyhow::Result<Queued> {
    let at = jiff::Timestamp::now().as_millisecond();
    let leaf = serde_json::to_vec(&Leaf {
        v: 1,
        at,
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        digest: &entry.digest,
    })?;
    let hash = leaf_hash(&leaf);
    Ok(Queued { at, leaf, hash })
}

/// Appends an entry as part of the caller's transaction when its index is not needed. On
/// PostgreSQL the entry waits in the transaction and enters the log just before it commits
/// ([`Tx::commit`]), with the other waiting entries in one statement: the log's tail is then
/// held only for the commit, not for the whole transaction, and concurrent transactions
/// overlap. On SQLite, where writers take turns anyway, it is appended at once.
pub async fn append_on_commit(db: &Db, tx: &mut Tx, entry: &Entry<'_>) -> anyhow::Result<()> {
    tx.changed(entry.subject);
    match db.backend() {
        Backend::Postgres => {
            tx.queue_audit(build(entry)?);
            Ok(())
        }
        Backend::Sqlite => append(db, tx, entry).await.map(drop),
    }
}

/// Appends entries queued by [`append_on_commit`] (PostgreSQL): the tail is read under its
/// row lock, the chain computed here, and entries and tail written in one statement.
pub(crate) async fn append_queued(tx: &mut Tx, queued: Vec<Queued>) -> anyhow::Result<()> {
    if queued.is_empty() {
        return Ok(());
    }
    let row = sqlx::query("SELECT size, last_chain FROM audit_log_size WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut **tx)
        .await
        .context("could not read the audit log's tail")?;
    let first: i64 = row.try_get("size")?;
    let previous: Vec<u8> = row.try_get("last_chain")?;
    let mut chain = <Hash>::try_from(previous.as_slice()).context("the stored chain hash is not 32 bytes")?;
    let mut values = String::new();
    for i in 0..queued.len() {
        let p = 3 + i * 4;
        values.push_str(&format!(
            "{}(${}, ${}, ${}, ${})",
            if i == 0 { "" } else { ", " },
            p,
            p + 1,
            p + 2,
            p + 3
        ));
    }
    let chains: Vec<Hash> = queued
        .iter()
        .map(|q| {
            chain = chain_hash(&chain, &q.hash);
            chain
        })
        .collect();
    let sql = format!(
        "WITH moved AS (UPDATE audit_log_size SET size = $1, last_chain = $2 WHERE id = 1) \
         INSERT INTO audit_entries (leaf_index, recorded_at, leaf, chain_hash) VALUES {values}"
    );
    let size = first + i64::try_from(queued.len())?;
    // Only placeholders are formatted in; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(size).bind(chain.to_vec());
    for (i, (q, c)) in queued.iter().zip(&chains).enumerate() {
        query = query.bind(first + i64::try_from(i)?).bind(q.at).bind(q.leaf.as_slice()).bind(c.to_vec());
    }
    query.execute(&mut **tx).await.context("could not append to the audit log")?;
    Ok(())
}

/// Appends an entry inside the caller's transaction and returns its index. Indexes are
/// taken under the one size row's lock, so concurrent appenders queue on that row and
/// indexes stay gap-free: a rolled-back transaction gives its index back.
pub async fn append(db: &Db, tx: &mut Tx, entry: &Entry<'_>) -> anyhow::Result<i64> {
    tx.changed(entry.subject);
    let Queued { at, leaf, hash } = build(entry)?;
    match db.backend() {
        // One round trip: the update takes the row lock, and PostgreSQL computes the chain
        // hash itself.
        Backend::Postgres => Ok(sqlx::query(
            "WITH next AS (UPDATE audit_log_size SET size = size + 1, last_chain = sha256(last_chain || $3) \
               WHERE id = 1 RETURNING size - 1 AS leaf_index, last_chain) \
             INSERT INTO audit_entries (leaf_index, recorded_at, leaf, chain_hash) \
             SELECT leaf_index, $1, $2, last_chain FROM next RETURNING leaf_index",
        )
        .bind(at)
        .bind(&leaf)
        .bind(hash.to_vec())
        .fetch_one(&mut **tx)
        .await
        .context("could not append to the audit log")?
        .try_get("leaf_index")?),
        Backend::Sqlite => append_sqlite(db, tx, at, &leaf, &hash).await,
    }
}

/// SQLite cannot hash in SQL, so the entry is built here on the tail this process last saw,
/// and inserted only if that tail is still current (the insert trigger then moves it on).
/// When it is not (another process appended, or a transaction rolled back), the tail is read
/// under the write lock and the insert cannot miss.
async fn append_sqlite(db: &Db, tx: &mut Tx, at: i64, leaf: &[u8], hash: &Hash) -> anyhow::Result<i64> {
    let mut tail = db.audit_tail().lock().ok().and_then(|t| *t);
    for _ in 0..2 {
        let (size, previous) = match tail {
            Some(known) => known,
            None => {
                let row = sqlx::query(
                    "UPDATE audit_log_size SET size = size WHERE id = 1 RETURNING size, last_chain",
                )
                .fetch_one(&mut **tx)
                .await
                .context("could not read the audit log's tail")?;
                let previous: Vec<u8> = row.try_get("last_chain")?;
                let previous =
                    <Hash>::try_from(previous.as_slice()).context("the stored chain hash is not 32 bytes")?;
                (row.try_get("size")?, previous)
            }
        };
        let chain = chain_hash(&previous, hash);
        let inserted = sqlx::query(
            "INSERT INTO audit_entries (leaf_index, recorded_at, leaf, chain_hash) \
             SELECT size, $1, $2, $3 FROM audit_log_size WHERE id = 1 AND size = $4 AND last_chain = $5 \
             RETURNING leaf_index",
        )
        .bind(at)
        .bind(leaf)
        .bind(chain.to_vec())
        .bind(size)
        .bind(previous.to_vec())
        .fetch_optional(&mut **tx)
        .await
        .context("could not append to the audit log")?;
        if let Some(row) = inserted {
            let index: i64 = row.try_get("leaf_index")?;
            if let Ok(mut known) = db.audit_tail().lock() {
                *known = Some((index + 1, chain));
            }
            return Ok(index);
        }
        tail = None;
    }
    anyhow::bail!("the audit log's tail moved while this transaction held the write lock")
}

/// A signed tree head as stored.
#[derive(Clone, Debug)]
pub struct StoredTreeHead {
    /// The head.
    pub head: TreeHead,
    /// Ed25519 signature over `head.signed_bytes()`.
    pub signature: [u8; 64],
    /// Which key signed it.
    pub key_id: String,
}

/// The newest signed tree head with its frontier, if any.
const LATEST_TREE_HEAD: &str = "SELECT tree_size, timestamp_ms, root_hash, signature, key_id, frontier \
     FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1";

/// The newest signed tree head, if any.
pub async fn latest_tree_head(db: &Db) -> anyhow::Result<Option<StoredTreeHead>> {
    let row = sqlx::query(LATEST_TREE_HEAD).fetch_optional(db.pool()).await?;
    row.map(|r| tree_head(&r)).transpose()
}

/// Every signed tree head, smallest first.
pub async fn tree_heads(db: &Db) -> anyhow::Result<Vec<StoredTreeHead>> {
    let rows = sqlx::query(
        "SELECT tree_size, timestamp_ms, root_hash, signature, key_id FROM audit_tree_heads ORDER BY tree_size",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(tree_head).collect()
}

fn tree_head(row: &sqlx::any::AnyRow) -> anyhow::Result<StoredTreeHead> {
    let root: Vec<u8> = row.try_get("root_hash")?;
    let signature: Vec<u8> = row.try_get("signature")?;
    Ok(StoredTreeHead {
        head: TreeHead {
            tree_size: u64::try_from(row.try_get::<i64, _>("tree_size")?)?,
            timestamp_ms: u64::try_from(row.try_get::<i64, _>("timestamp_ms")?)?,
            root_hash: <Hash>::try_from(root.as_slice()).context("a stored root hash is not 32 bytes")?,
        },
        signature: <[u8; 64]>::try_from(signature.as_slice())
            .context("a stored signature is not 64 bytes")?,
        key_id: row.try_get("key_id")?,
    })
}

/// Leaves from `start` (inclusive) to `end` (exclusive), in order.
pub async fn leaves(db: &Db, start: i64, end: i64) -> anyhow::Result<Vec<(i64, Vec<u8>)>> {
    let rows = sqlx::query(
        "SELECT leaf_index, leaf FROM audit_entries WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index",
    )
    .bind(start)
    .bind(end)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok((r.try_get("leaf_index")?, r.try_get("leaf")?))).collect()
}

/// The leaf hashes of the first `size` entries.
pub async fn leaf_hashes(db: &Db, size: i64) -> anyhow::Result<Vec<Hash>> {
    const BATCH: i64 = 10_000;
    let mut hashes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let mut start = 0;
    while start < size {
        let end = (start + BATCH).min(size);
        for (_, leaf) in leaves(db, start, end).await? {
            hashes.push(leaf_hash(&leaf));
        }
        start = end;
    }
    Ok(hashes)
}

/// Signs a head over everything appended so far, unless the newest head already covers it.
/// Returns the newest head either way (none while the log is empty). Only the entries
/// appended since the newest head are read: its stored frontier carries the rest.
pub async fn sign_tree_head(db: &Db, key: &SigningKey) -> anyhow::Result<Option<StoredTreeHead>> {
    let size: i64 = sqlx::query("SELECT size FROM audit_log_size WHERE id = 1")
        .fetch_one(db.pool())
        .await?
        .try_get("size")?;
    let latest = sqlx::query(LATEST_TREE_HEAD).fetch_optional(db.pool()).await?;
    let mut frontier = Frontier::new();
    if let Some(row) = &latest {
        let head = tree_head(row)?;
        if head.head.tree_size == u64::try_from(size)? {
            return Ok(Some(head));
        }
        let bytes: Vec<u8> = row.try_get("frontier")?;
        let peaks: Vec<Hash> = bytes
            .chunks(32)
            .map(<Hash>::try_from)
            .collect::<Result<_, _>>()
            .context("a stored frontier is not whole hashes")?;
        frontier = Frontier::from_peaks(head.head.tree_size, &peaks)
            .context("a stored frontier does not fit its size")?;
    }
    if size == 0 {
        return Ok(None);
    }
    const BATCH: i64 = 10_000;
    let mut start = i64::try_from(frontier.size())?;
    while start < size {
        let end = (start + BATCH).min(size);
        for (_, leaf) in leaves(db, start, end).await? {
            frontier.push(leaf_hash(&leaf))?;
        }
        start = end;
    }
    let head = TreeHead {
        tree_size: frontier.size(),
        timestamp_ms: u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0),
        root_hash: frontier.root(),
    };
    let signature = key.sign(&head);
    let key_id = key.key_id();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO audit_keys (key_id, public_key, first_used) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING",
    )
    .bind(&key_id)
    .bind(key.public_key_bytes().to_vec())
    .bind(i64::try_from(head.timestamp_ms).unwrap_or(0))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO audit_tree_heads (tree_size, timestamp_ms, root_hash, signature, key_id, frontier) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tree_size) DO NOTHING",
    )
    .bind(i64::try_from(head.tree_size)?)
    .bind(i64::try_from(head.timestamp_ms)?)
    .bind(head.root_hash.to_vec())
    .bind(signature.to_vec())
    .bind(&key_id)
    .bind(frontier.peaks().concat())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(StoredTreeHead { head, signature, key_id }))
}
