//! The tamper-evident audit log: every state change appends an entry in the same
//! transaction as the change; entries are the leaves of an RFC 6962 Merkle tree whose heads
//! are signed with Ed25519 (`satupintu-audit`). `docs/audit.md` says how to verify it
//! independently.

pub mod keys;
pub mod routes;
pub mod store;
pub mod verify;

pub use store::{Entry, append, sign_tree_head};
