//! `satupintu audit verify`: recomputes every leaf and the tree from the database and
//! checks every signed tree head, naming the first entry that is not as it was written.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::Row;

use crate::audit::store::{self, chain_hash};
use crate::db::Db;
use satupintu_audit::{Frontier, Hash, VerifyingKey, leaf_hash};

/// What went wrong, at which entry or tree head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// An index is missing (an entry was deleted) or out of place.
    Missing {
        /// The first index that is not where it should be.
        index: i64,
    },
    /// The entry's bytes differ from what was appended (edited, or moved from elsewhere).
    Altered {
        /// The first altered entry.
        index: i64,
    },
    /// A signed tree head does not match the entries it covers, or its signature fails.
    TreeHead {
        /// The head's tree size.
        tree_size: u64,
        /// Why.
        reason: String,
    },
    /// The recorded size of the log disagrees with its entries.
    Size {
        /// The recorded size.
        recorded: i64,
        /// The entries found.
        found: i64,
    },
}

impl std::fmt::Display for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing { index } => write!(f, "entry {index} is missing or out of order"),
            Self::Altered { index } => write!(f, "entry {index} was altered"),
            Self::TreeHead { tree_size, reason } => {
                write!(f, "signed tree head at size {tree_size}: {reason}")
            }
            Self::Size { recorded, found } => {
                write!(f, "the log records {recorded} entries but holds {found}")
            }
        }
    }
}

/// The outcome of a verification.
#[derive(Clone, Debug)]
pub struct Report {
    /// Entries read.
    pub entries: i64,
    /// Signed tree heads checked.
    pub tree_heads: usize,
    /// The root over all entries.
    pub root: Hash,
    /// The first problem found, if any.
    pub tamper: Option<Tamper>,
}

/// Entries read per query.
const BATCH: i64 = 20_000;

/// Reads the whole log and checks it.
pub async fn verify(db: &Db) -> anyhow::Result<Report> {
    let heads = Arc::new(store::tree_heads(db).await?);
    let mut keys = HashMap::new();
    for row in sqlx::query("SELECT key_id, public_key FROM audit_keys").fetch_all(db.pool()).await? {
        let id: String = row.try_get("key_id")?;
        let bytes: Vec<u8> = row.try_get("public_key")?;
        keys.insert(id, bytes);
    }
    let keys = Arc::new(keys);
    let recorded: i64 = sqlx::query("SELECT size FROM audit_log_size WHERE id = 1")
        .fetch_one(db.pool())
        .await?
        .try_get("size")?;
    let mut progress = Progress {
        frontier: Frontier::new(),
        chain: [0u8; 32],
        expected: 0,
        next_head: 0,
        heads_checked: 0,
        tamper: None,
    };
    // Reading the next batch overlaps hashing this one: the database and the hashing each
    // keep a core busy.
    let mut fetching = tokio::spawn(fetch(db.clone(), 0));
    loop {
        let batch = fetching.await.map_err(|e| anyhow::anyhow!("the reader stopped: {e}"))??;
        if batch.is_empty() {
            break;
        }
        let next_start = progress.expected + i64::try_from(batch.len())?;
        fetching = tokio::spawn(fetch(db.clone(), next_start));
        let (heads, keys) = (Arc::clone(&heads), Arc::clone(&keys));
        progress = tokio::task::spawn_blocking(move || progress.check(&batch, &heads, &keys))
            .await
            .map_err(|e| anyhow::anyhow!("the checker stopped: {e}"))??;
        if progress.tamper.is_some() {
            fetching.abort();
            break;
        }
    }
    let Progress { frontier, expected, next_head, heads_checked, mut tamper, .. } = progress;
    if tamper.is_none() {
        if let Some(head) = heads.get(next_head) {
            tamper = Some(Tamper::TreeHead {
                tree_size: head.head.tree_size,
                reason: format!("it covers {} entries but the log holds {expected}", head.head.tree_size),
            });
        } else if recorded != expected {
            tamper = Some(if recorded > expected {
                Tamper::Missing { index: expected }
            } else {
                Tamper::Size { recorded, found: expected }
            });
        }
    }
    Ok(Report { entries: expected, tree_heads: heads_checked, root: frontier.root(), tamper })
}

/// One stored entry; `None` where a column does not hold bytes (itself an edit).
struct StoredEntry {
    index: i64,
    leaf_and_chain: Option<(Vec<u8>, Vec<u8>)>,
}

async fn fetch(db: Db, start: i64) -> anyhow::Result<Vec<StoredEntry>> {
    let rows = sqlx::query(
        "SELECT leaf_index, leaf, chain_hash FROM audit_entries WHERE leaf_index >= $1 \
         ORDER BY leaf_index LIMIT $2",
    )
    .bind(start)
    .bind(BATCH)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let leaf = row.try_get::<Vec<u8>, _>("leaf").ok();
            let chain = row.try_get::<Vec<u8>, _>("chain_hash").ok();
            Ok(StoredEntry { index: row.try_get("leaf_index")?, leaf_and_chain: leaf.zip(chain) })
        })
        .collect()
}

/// What the verification has established so far, carried from batch to batch.
struct Progress {
    frontier: Frontier,
    chain: Hash,
    expected: i64,
    next_head: usize,
    heads_checked: usize,
    tamper: Option<Tamper>,
}

impl Progress {
    /// Checks a batch in order, stopping at the first tampered entry or head.
    fn check(
        mut self,
        batch: &[StoredEntry],
        heads: &[store::StoredTreeHead],
        keys: &HashMap<String, Vec<u8>>,
    ) -> anyhow::Result<Self> {
        for entry in batch {
            if entry.index != self.expected {
                self.tamper = Some(Tamper::Missing { index: self.expected });
                return Ok(self);
            }
            let Some((leaf, stored_chain)) = &entry.leaf_and_chain else {
                self.tamper = Some(Tamper::Altered { index: entry.index });
                return Ok(self);
            };
            let hash = leaf_hash(leaf);
            self.chain = chain_hash(&self.chain, &hash);
            if stored_chain.as_slice() != self.chain.as_slice() {
                self.tamper = Some(Tamper::Altered { index: entry.index });
                return Ok(self);
            }
            self.frontier.push(hash)?;
            self.expected += 1;
            while let Some(head) =
                heads.get(self.next_head).filter(|h| h.head.tree_size == self.frontier.size())
            {
                self.next_head += 1;
                self.heads_checked += 1;
                if let Err(reason) = check_head(head, &self.frontier.root(), keys) {
                    self.tamper = Some(Tamper::TreeHead { tree_size: head.head.tree_size, reason });
                    return Ok(self);
                }
            }
        }
        Ok(self)
    }
}

fn check_head(
    head: &store::StoredTreeHead,
    root: &Hash,
    keys: &HashMap<String, Vec<u8>>,
) -> Result<(), String> {
    if &head.head.root_hash != root {
        return Err("its root does not match the entries it covers".into());
    }
    let public = keys.get(&head.key_id).ok_or_else(|| format!("unknown signing key {}", head.key_id))?;
    let public =
        <[u8; 32]>::try_from(public.as_slice()).map_err(|_| "a stored public key is not 32 bytes")?;
    let key = VerifyingKey::from_public_bytes(public).map_err(|e| e.to_string())?;
    key.verify(&head.head, &head.signature).map_err(|e| format!("bad signature: {e}"))
}
