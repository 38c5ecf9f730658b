//! RFC 6962 §2.1 hashing: leaf hashes, interior node hashes and the Merkle Tree Hash.

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree's root hash.
pub type Hash = [u8; 32];

/// RFC 6962 §2.1: leaves and interior nodes get different one-byte prefixes,
/// so that no interior node can be passed off as a leaf or the other way
/// round (second-preimage resistance).
const LEAF_PREFIX: u8 = 0x00;

/// RFC 6962 §2.1: the prefix of interior nodes; see [`LEAF_PREFIX`].
const NODE_PREFIX: u8 = 0x01;

/// The leaf hash of one entry: SHA-256(0x00 ‖ `leaf`).
///
/// `leaf` is the entry's canonical byte encoding, chosen by the application;
/// the same bytes must be hashed again whenever the entry is verified.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(leaf);
    hasher.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 ‖ `left` ‖ `right`).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root hash of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1),
/// `e3b0c442…b855`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The Merkle Tree Hash (RFC 6962 §2.1) of the tree whose leaves have these
/// hashes, in order; [`empty_root`] for no leaves.
///
/// Takes O(n) time and O(log n) stack. To hash entries as they stream past
/// without holding them all, use [`Frontier`](crate::Frontier).
pub fn root(leaf_hashes: &[Hash]) -> Hash {
    if leaf_hashes.is_empty() { empty_root() } else { subtree_root(leaf_hashes) }
}

/// MTH of a non-empty run of leaf hashes; callers never pass an empty slice
/// (RFC 6962 defines MTH({}) separately, see [`empty_root`]).
pub(crate) fn subtree_root(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes {
        [] => empty_root(),
        [single] => *single,
        _ => {
            let (left, right) = leaf_hashes.split_at(split_point(leaf_hashes.len()));
            node_hash(&subtree_root(left), &subtree_root(right))
        }
    }
}

/// RFC 6962 §2.1: a tree of `n > 1` leaves splits after the first `k` leaves,
/// `k` being the largest power of two smaller than `n`. Returns 0 for `n <= 1`,
/// which has no split.
pub(crate) fn split_point(n: usize) -> usize {
    n.saturating_sub(1).checked_ilog2().map_or(0, |bits| 1 << bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_the_largest_power_of_two_below_n() {
        let cases =
            [(0, 0), (1, 0), (2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512), (1024, 512)];
        for (n, k) in cases {
            assert_eq!(split_point(n), k, "n = {n}");
        }
    }

    #[test]
    fn a_leaf_hash_differs_from_the_node_hash_over_the_same_bytes() {
        // The domain separation RFC 6962 relies on: hashing left ‖ right as a
        // leaf must not give the interior node.
        let left = leaf_hash(b"left");
        let right = leaf_hash(b"right");
        let mut concatenated = left.to_vec();
        concatenated.extend_from_slice(&right);
        assert_ne!(leaf_hash(&concatenated), node_hash(&left, &right));
    }

    #[test]
    fn node_hash_depends_on_the_order_of_children() {
        let a = leaf_hash(b"a");
        let b = leaf_hash(b"b");
        assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
    }

    #[test]
    fn the_root_of_one_leaf_is_that_leaf_hash() {
        let leaf = leaf_hash(b"only entry");
        assert_eq!(root(&[leaf]), leaf);
    }

    #[test]
    fn the_empty_tree_differs_from_a_tree_with_one_empty_leaf() {
        assert_ne!(root(&[]), root(&[leaf_hash(b"")]));
    }
}
