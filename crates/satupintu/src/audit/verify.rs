//! `satupintu audit verify`: recomputes every leaf and the tree from the database and
//! checks every signed tree head, naming the first entry that is not as it was written.

use std::collections::HashMap;

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
    let heads = store::tree_heads(db).await?;
    let mut keys = HashMap::new();
    for row in sqlx::query("SELECT key_id, public_key FROM audit_keys").fetch_all(db.pool()).await? {
        let id: String = row.try_get("key_id")?;
        let bytes: Vec<u8> = row.try_get("public_key")?;
        keys.insert(id, bytes);
    }
    let recorded: i64 = sqlx::query("SELECT size FROM audit_log_size WHERE id = 1")
        .fetch_one(db.pool())
        .await?
        .try_get("size")?;
    let mut frontier = Frontier::new();
    let mut chain: Hash = [0u8; 32];
    let mut next_head = heads.iter().peekable();
    let mut expected: i64 = 0;
    let mut tamper = None;
    let mut heads_checked = 0;
    'read: loop {
        let rows = sqlx::query(
            "SELECT leaf_index, leaf, chain_hash FROM audit_entries WHERE leaf_index >= $1 \
             ORDER BY leaf_index LIMIT $2",
        )
        .bind(expected)
        .bind(BATCH)
        .fetch_all(db.pool())
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let index: i64 = row.try_get("leaf_index")?;
            if index != expected {
                tamper = Some(Tamper::Missing { index: expected });
                break 'read;
            }
            // A value of another type where bytes belong is an edit too.
            let (Ok(leaf), Ok(stored_chain)) =
                (row.try_get::<Vec<u8>, _>("leaf"), row.try_get::<Vec<u8>, _>("chain_hash"))
            else {
                tamper = Some(Tamper::Altered { index });
                break 'read;
            };
            let hash = leaf_hash(&leaf);
            chain = chain_hash(&chain, &hash);
            if stored_chain.as_slice() != chain.as_slice() {
                tamper = Some(Tamper::Altered { index });
                break 'read;
            }
            frontier.push(hash)?;
            expected += 1;
            while let Some(head) = next_head.next_if(|h| h.head.tree_size == frontier.size()) {
                heads_checked += 1;
                if let Err(reason) = check_head(head, &frontier.root(), &keys) {
                    tamper = Some(Tamper::TreeHead { tree_size: head.head.tree_size, reason });
                    break 'read;
                }
            }
        }
    }
    if tamper.is_none() {
        if let Some(head) = next_head.next() {
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
