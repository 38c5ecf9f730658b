//! Cryptography of Satu Pintu's tamper-evident audit log, with no I/O.
//!
//! The application stores audit entries in its database and calls this crate
//! to prove things about them. The log is a Merkle tree exactly as in
//! [RFC 6962 §2.1](https://www.rfc-editor.org/rfc/rfc6962#section-2.1), the
//! structure Certificate Transparency uses:
//!
//! - each entry's canonical bytes become a leaf hash, SHA-256(0x00 ‖ bytes)
//!   ([`leaf_hash`]); interior nodes are SHA-256(0x01 ‖ left ‖ right)
//!   ([`node_hash`]); the tree's root commits to every entry in order
//!   ([`root`], or [`Frontier`] when streaming entries one at a time);
//! - an inclusion proof shows that one entry is in a tree with a given root
//!   ([`inclusion_proof`], [`verify_inclusion`]);
//! - a consistency proof shows that a later tree only appended to an earlier
//!   one: nothing was changed, removed or reordered ([`consistency_proof`],
//!   [`verify_consistency`]);
//! - a signed tree head ([`TreeHead`], [`SigningKey`], [`VerifyingKey`]) is the
//!   log's Ed25519-signed statement "after `tree_size` entries the root was
//!   `root_hash`", which outsiders keep and later check new heads against.
//!
//! Verification follows the algorithms of
//! [RFC 9162 §2.1.3.2 and §2.1.4.2](https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2),
//! which need only the proof, never the tree.
//!
//! ```
//! use satupintu_audit::{Frontier, consistency_proof, inclusion_proof, leaf_hash, root,
//!     verify_consistency, verify_inclusion};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let entries: [&[u8]; 3] = [b"application 1 submitted", b"application 1 approved", b"complaint 7 closed"];
//! let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
//!
//! // Streaming and all-at-once give the same root.
//! let mut frontier = Frontier::new();
//! for leaf in &leaves {
//!     frontier.push(*leaf)?;
//! }
//! let root3 = root(&leaves);
//! assert_eq!(frontier.root(), root3);
//!
//! // Entry 1 is in the tree of 3 entries.
//! let proof = inclusion_proof(&leaves, 1)?;
//! verify_inclusion(&leaves[1], 1, 3, &proof, &root3)?;
//!
//! // The tree of 3 entries extends the tree of the first 2.
//! let root2 = root(&leaves[..2]);
//! let proof = consistency_proof(&leaves, 2)?;
//! verify_consistency(2, 3, &root2, &root3, &proof)?;
//! # Ok(())
//! # }
//! ```

mod encoding;
mod frontier;
mod hash;
mod proof;
#[cfg(test)]
mod reference;
mod tree_head;

pub use encoding::{Base64Error, hash_from_base64, public_key_from_base64, signature_from_base64, to_base64};
pub use frontier::{Frontier, FrontierFull};
pub use hash::{Hash, empty_root, leaf_hash, node_hash, root};
pub use proof::{ProofError, consistency_proof, inclusion_proof, verify_consistency, verify_inclusion};
pub use tree_head::{SIGNED_BYTES_LEN, SignatureError, SigningKey, TREE_HEAD_LABEL, TreeHead, VerifyingKey};
