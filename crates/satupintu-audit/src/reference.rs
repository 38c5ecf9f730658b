//! An independent, deliberately naive Merkle tree for tests: built bottom-up,
//! level by level, the way Certificate Transparency first described it.
//!
//! Each level pairs up adjacent nodes; a lone last node moves up unchanged.
//! That gives the same tree as RFC 6962's top-down split at the largest power
//! of two, by a different route, so agreeing with it checks the real code.

use crate::hash::{Hash, empty_root, node_hash};

/// Every level of the tree, leaves first, root last.
fn levels(leaf_hashes: &[Hash]) -> Vec<Vec<Hash>> {
    let mut levels = vec![leaf_hashes.to_vec()];
    while let Some(level) = levels.last().filter(|level| level.len() > 1) {
        let next = level
            .chunks(2)
            .map(|pair| match pair {
                [left, right] => node_hash(left, right),
                [lone] => *lone,
                _ => unreachable!("chunks(2) yields one or two nodes"),
            })
            .collect();
        levels.push(next);
    }
    levels
}

/// The root hash; SHA-256("") for no leaves.
pub(crate) fn root(leaf_hashes: &[Hash]) -> Hash {
    levels(leaf_hashes).last().and_then(|top| top.first().copied()).unwrap_or_else(empty_root)
}

/// The audit path of leaf `index`: its sibling at every level where it has one.
pub(crate) fn inclusion_proof(leaf_hashes: &[Hash], index: usize) -> Vec<Hash> {
    let mut proof = Vec::new();
    let mut position = index;
    for level in levels(leaf_hashes) {
        if let Some(sibling) = level.get(position ^ 1) {
            proof.push(*sibling);
        }
        position /= 2;
    }
    proof
}
