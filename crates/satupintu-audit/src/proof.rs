//! Inclusion and consistency proofs: generated as in RFC 6962 §2.1.1–2.1.2,
//! verified as in RFC 9162 §2.1.3.2 and §2.1.4.2.

use crate::hash::{Hash, empty_root, node_hash, split_point, subtree_root};

/// Why a proof could not be generated or did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size (which includes every index
    /// of the empty tree).
    #[error("leaf index {index} is out of range for a tree of {tree_size} entries")]
    IndexOutOfRange {
        /// The index asked for, counting from 0.
        index: u64,
        /// The number of leaves in the tree.
        tree_size: u64,
    },
    /// A consistency proof was asked for from a larger tree to a smaller one:
    /// an append-only log never shrinks.
    #[error("the first tree size {first} is larger than the second tree size {second}")]
    FirstLargerThanSecond {
        /// The size of the earlier tree.
        first: u64,
        /// The size of the later tree.
        second: u64,
    },
    /// The proof does not have the number of hashes these sizes call for.
    #[error("the proof has {actual} hashes, but a proof for these tree sizes has exactly {expected}")]
    WrongProofLength {
        /// How many hashes a proof for these sizes (and index) has.
        expected: usize,
        /// How many hashes the proof has.
        actual: usize,
    },
    /// The inclusion proof, applied to the leaf hash, gives another root hash:
    /// the leaf is not at that index of that tree.
    #[error("the inclusion proof does not lead from the leaf hash to the expected root hash")]
    RootMismatch,
    /// The consistency proof does not rebuild the first tree's root hash (or,
    /// for an empty first tree, that root is not SHA-256 of the empty string).
    #[error("the consistency proof does not reproduce the first tree's root hash")]
    FirstRootMismatch,
    /// The consistency proof does not rebuild the second tree's root hash: the
    /// second tree does not extend the first.
    #[error("the consistency proof does not reproduce the second tree's root hash")]
    SecondRootMismatch,
    /// Two tree heads of the same size have different roots: the log forked
    /// or was rewritten.
    #[error("two trees of the same size {size} have different root hashes")]
    DifferentRootsForSameSize {
        /// The size both trees claim.
        size: u64,
    },
}

/// The inclusion proof (RFC 6962 §2.1.1 PATH(m, D\[n\])) of the leaf at `index`
/// in the tree over `leaf_hashes`: the sibling hashes from the leaf up to the
/// root, the leaf's own sibling first.
///
/// Needs every leaf hash of the tree (not the entries themselves) and takes
/// O(n) time.
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`] unless `index < leaf_hashes.len()`.
pub fn inclusion_proof(leaf_hashes: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let tree_size = len_u64(leaf_hashes);
    let out_of_range = ProofError::IndexOutOfRange { index, tree_size };
    if index >= tree_size {
        return Err(out_of_range);
    }
    let position = usize::try_from(index).map_err(|_| out_of_range)?;
    let mut proof = Vec::with_capacity(inclusion_proof_len(index, tree_size));
    push_path(position, leaf_hashes, &mut proof);
    Ok(proof)
}

/// RFC 6962 §2.1.1: PATH(m, D\[n\]) is empty for n = 1; otherwise, with k the
/// split point, PATH(m, D\[0:k\]) : MTH(D\[k:n\]) for m < k and
/// PATH(m - k, D\[k:n\]) : MTH(D\[0:k\]) for m >= k.
fn push_path(m: usize, leaves: &[Hash], proof: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split_point(leaves.len());
    let (left, right) = leaves.split_at(k);
    if m < k {
        push_path(m, left, proof);
        proof.push(subtree_root(right));
    } else {
        push_path(m - k, right, proof);
        proof.push(subtree_root(left));
    }
}

/// Checks that `leaf_hash` is the leaf at `index` of the tree of `tree_size`
/// leaves whose root is `root`, using only the inclusion `proof`
/// (RFC 9162 §2.1.3.2).
///
/// `tree_size` and `root` must come together from one verified
/// [`TreeHead`](crate::TreeHead): the proof binds the leaf to the root, and
/// the signature binds the root to the size.
///
/// # Errors
///
/// - [`ProofError::IndexOutOfRange`] unless `index < tree_size`;
/// - [`ProofError::WrongProofLength`] if the proof is too short or too long for
///   this index and size;
/// - [`ProofError::RootMismatch`] if the proof leads to another root.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    // RFC 9162 §2.1.3.2 step 1.
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    // Checked up front only for a precise message; step 3a and step 4 below
    // reject a wrong length by themselves.
    let expected = inclusion_proof_len(index, tree_size);
    let wrong_length = ProofError::WrongProofLength { expected, actual: proof.len() };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    // Step 2. `fnode` and `snode` are the RFC's fn and sn: the positions of the
    // current node and of the last node at the current level.
    let mut fnode = index;
    let mut snode = tree_size - 1;
    let mut r = *leaf_hash;
    // Step 3.
    for p in proof {
        // Step 3a.
        if snode == 0 {
            return Err(wrong_length);
        }
        // Step 3b.
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                // The node is the last at its level and has no right sibling:
                // climb the right border to the level where it is a right child.
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        // Step 3c.
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 4.
    if snode != 0 {
        return Err(wrong_length);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The consistency proof (RFC 6962 §2.1.2 PROOF(m, D\[n\])) that the tree over
/// the first `first` of `leaf_hashes` is a prefix of the tree over all of them.
///
/// Empty when `first` is 0 or equal to the number of leaves: those pairs are
/// consistent with no proof (see [`verify_consistency`]). Takes O(n) time.
///
/// # Errors
///
/// [`ProofError::FirstLargerThanSecond`] if `first > leaf_hashes.len()`.
pub fn consistency_proof(leaf_hashes: &[Hash], first: u64) -> Result<Vec<Hash>, ProofError> {
    let second = len_u64(leaf_hashes);
    let too_large = ProofError::FirstLargerThanSecond { first, second };
    if first > second {
        return Err(too_large);
    }
    if first == 0 || first == second {
        return Ok(Vec::new());
    }
    let m = usize::try_from(first).map_err(|_| too_large)?;
    let mut proof = Vec::with_capacity(consistency_proof_len(first, second));
    push_subproof(m, leaf_hashes, true, &mut proof);
    Ok(proof)
}

/// RFC 6962 §2.1.2 SUBPROOF(m, D\[n\], b), for 0 < m <= n: empty when m = n and
/// `b` (the subtree is the whole first tree, whose root the verifier already
/// has); MTH(D\[n\]) when m = n and not `b`; otherwise, with k the split point,
/// SUBPROOF(m, D\[0:k\], b) : MTH(D\[k:n\]) for m <= k and
/// SUBPROOF(m - k, D\[k:n\], false) : MTH(D\[0:k\]) for m > k.
fn push_subproof(m: usize, leaves: &[Hash], whole_first_tree: bool, proof: &mut Vec<Hash>) {
    if m == leaves.len() {
        if !whole_first_tree {
            proof.push(subtree_root(leaves));
        }
        return;
    }
    let k = split_point(leaves.len());
    let (left, right) = leaves.split_at(k);
    if m <= k {
        push_subproof(m, left, whole_first_tree, proof);
        proof.push(subtree_root(right));
    } else {
        push_subproof(m - k, right, false, proof);
        proof.push(subtree_root(left));
    }
}

/// Checks that the tree of `second` leaves with root `second_root` extends the
/// tree of `first` leaves with root `first_root`, using only the consistency
/// `proof` (RFC 9162 §2.1.4.2).
///
/// The cases RFC 9162 leaves to the caller are settled here, strictly:
/// equal sizes need an empty proof and equal roots, and the empty tree
/// (`first` = 0) needs an empty proof and SHA-256("") as its root.
///
/// # Errors
///
/// - [`ProofError::FirstLargerThanSecond`] if `first > second`;
/// - [`ProofError::WrongProofLength`] if the proof is too short or too long for
///   these sizes;
/// - [`ProofError::DifferentRootsForSameSize`] if the sizes are equal but the
///   roots are not;
/// - [`ProofError::FirstRootMismatch`] / [`ProofError::SecondRootMismatch`] if
///   the proof does not rebuild that root.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::FirstLargerThanSecond { first, second });
    }
    let expected = consistency_proof_len(first, second);
    let wrong_length = ProofError::WrongProofLength { expected, actual: proof.len() };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    if first == second {
        return if first_root == second_root {
            Ok(())
        } else {
            Err(ProofError::DifferentRootsForSameSize { size: first })
        };
    }
    if first == 0 {
        // Every tree extends the empty one; only its root can be wrong.
        return if *first_root == empty_root() { Ok(()) } else { Err(ProofError::FirstRootMismatch) };
    }

    // RFC 9162 §2.1.4.2, for 0 < first < second. Steps 1 and 2: a proof for a
    // first tree whose size is a power of two leaves out that tree's root (the
    // verifier has it), so the path starts from first_root; otherwise from the
    // proof's first hash, and an empty proof fails.
    let (start, rest) = if first.is_power_of_two() {
        (*first_root, proof)
    } else {
        match proof.split_first() {
            Some((start, rest)) => (*start, rest),
            None => return Err(wrong_length),
        }
    };
    // Step 3.
    let mut fnode = first - 1;
    let mut snode = second - 1;
    // Step 4: skip the levels where the first tree's last node is a right child
    // inside a perfect subtree shared by both trees.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    let mut fr = start;
    let mut sr = start;
    // Step 6.
    for c in rest {
        // Step 6a.
        if snode == 0 {
            return Err(wrong_length);
        }
        // Step 6b.
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // Step 6c.
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7.
    if snode != 0 {
        return Err(wrong_length);
    }
    if fr != *first_root {
        return Err(ProofError::FirstRootMismatch);
    }
    if sr != *second_root {
        return Err(ProofError::SecondRootMismatch);
    }
    Ok(())
}

/// The number of hashes in the inclusion proof of `index` in a tree of
/// `tree_size` leaves, for `index < tree_size`.
fn inclusion_proof_len(index: u64, tree_size: u64) -> usize {
    // Below the level where the paths to `index` and to the last leaf meet,
    // every level has a sibling (one hash per differing bit, counted from the
    // highest); above it, the path runs along the tree's right border, where a
    // level contributes a hash only when the node has a left sibling, i.e. for
    // each set bit of the remaining index.
    let inner = u64::BITS - (index ^ tree_size.saturating_sub(1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    as_usize(inner + border)
}

/// The number of hashes in the consistency proof from `first` to `second`
/// leaves, for `first <= second`.
fn consistency_proof_len(first: u64, second: u64) -> usize {
    if first == 0 || first == second {
        return 0;
    }
    // The proof is the inclusion proof of the first tree's last leaf, less the
    // levels inside the perfect subtree that the last leaf closes (their
    // hashes lie inside the first tree), plus that subtree's own root unless it
    // is the whole first tree (a power of two), whose root the verifier has.
    let shared_levels = first.trailing_zeros();
    let index = first - 1;
    let inner = u64::BITS - (index ^ (second - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    let start = u32::from(!first.is_power_of_two());
    as_usize(start + inner.saturating_sub(shared_levels) + border)
}

/// A proof length, at most 2 × 64, as a `usize`.
fn as_usize(len: u32) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX)
}

/// A slice length as a tree size; every `usize` fits in a `u64` on the
/// platforms Rust supports.
fn len_u64(leaf_hashes: &[Hash]) -> u64 {
    u64::try_from(leaf_hashes.len()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::hash::{leaf_hash, root};
    use crate::reference;

    /// Distinct leaf hashes, so that moving a proof to another index can never
    /// succeed by accident of two equal entries.
    fn leaves(seed: u64, count: usize) -> Vec<Hash> {
        (0..count)
            .map(|i| {
                let mut bytes = seed.to_be_bytes().to_vec();
                bytes.extend_from_slice(&i.to_be_bytes());
                leaf_hash(&bytes)
            })
            .collect()
    }

    fn size(n: usize) -> u64 {
        u64::try_from(n).unwrap()
    }

    fn flip_bit(hash: &Hash, salt: usize) -> Hash {
        let mut flipped = *hash;
        flipped[salt % 32] ^= 1 << (salt % 8);
        flipped
    }

    #[test]
    fn every_inclusion_proof_in_trees_up_to_64_verifies_and_has_the_predicted_length() {
        let all = leaves(1, 64);
        for n in 1..=64 {
            let tree = &all[..n];
            let tree_root = root(tree);
            for (i, leaf) in tree.iter().enumerate() {
                let proof = inclusion_proof(tree, size(i)).unwrap();
                assert_eq!(proof.len(), inclusion_proof_len(size(i), size(n)), "i = {i}, n = {n}");
                assert_eq!(verify_inclusion(leaf, size(i), size(n), &proof, &tree_root), Ok(()));
            }
        }
    }

    #[test]
    fn every_consistency_proof_between_trees_up_to_64_verifies_and_has_the_predicted_length() {
        let all = leaves(2, 64);
        let roots: Vec<Hash> = (0..=64).map(|n| root(&all[..n])).collect();
        for n in 0..=64 {
            for m in 0..=n {
                let proof = consistency_proof(&all[..n], size(m)).unwrap();
                assert_eq!(proof.len(), consistency_proof_len(size(m), size(n)), "m = {m}, n = {n}");
                assert_eq!(verify_consistency(size(m), size(n), &roots[m], &roots[n], &proof), Ok(()));
            }
        }
    }

    #[test]
    fn inclusion_proofs_match_the_bottom_up_reference_tree() {
        // An independent construction (pair up each level, promote a lone last
        // node) must give the same sibling hashes as RFC 6962's recursion.
        for n in [1, 2, 3, 5, 7, 8, 13, 31, 32, 33, 100] {
            let tree = leaves(3, n);
            for i in 0..n {
                assert_eq!(inclusion_proof(&tree, size(i)).unwrap(), reference::inclusion_proof(&tree, i));
            }
        }
    }

    #[test]
    fn an_inclusion_proof_for_an_index_past_the_end_is_refused() {
        let tree = leaves(4, 5);
        assert_eq!(inclusion_proof(&tree, 5), Err(ProofError::IndexOutOfRange { index: 5, tree_size: 5 }));
        assert_eq!(inclusion_proof(&[], 0), Err(ProofError::IndexOutOfRange { index: 0, tree_size: 0 }));
        assert_eq!(
            verify_inclusion(&tree[0], 5, 5, &[], &root(&tree)),
            Err(ProofError::IndexOutOfRange { index: 5, tree_size: 5 })
        );
        assert_eq!(
            verify_inclusion(&tree[0], 0, 0, &[], &empty_root()),
            Err(ProofError::IndexOutOfRange { index: 0, tree_size: 0 })
        );
    }

    #[test]
    fn the_largest_index_of_the_largest_tree_needs_64_hashes() {
        // No overflow at the top of the u64 range. A tree of u64::MAX leaves is
        // 64 perfect subtrees of 2^63, 2^62, ... 1 leaves: its last leaf is the
        // lone one at the end, proven by the 63 subtree roots to its left; its
        // first leaf is 63 levels down the first subtree, plus that subtree's
        // right neighbour.
        assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), 63);
        assert_eq!(inclusion_proof_len(0, u64::MAX), 64);
        assert_eq!(
            verify_inclusion(&[0; 32], 0, u64::MAX, &[], &[0; 32]),
            Err(ProofError::WrongProofLength { expected: 64, actual: 0 })
        );
        assert_eq!(consistency_proof_len(1, u64::MAX), 64);
        assert_eq!(consistency_proof_len(u64::MAX - 1, u64::MAX), 64);
    }

    #[test]
    fn a_consistency_proof_from_a_larger_tree_is_refused() {
        let tree = leaves(5, 3);
        assert_eq!(
            consistency_proof(&tree, 4),
            Err(ProofError::FirstLargerThanSecond { first: 4, second: 3 })
        );
        assert_eq!(
            verify_consistency(4, 3, &root(&tree), &root(&tree), &[]),
            Err(ProofError::FirstLargerThanSecond { first: 4, second: 3 })
        );
    }

    #[test]
    fn trees_of_equal_size_are_consistent_only_with_equal_roots_and_no_proof() {
        let a = root(&leaves(6, 4));
        let b = root(&leaves(7, 4));
        assert_eq!(verify_consistency(4, 4, &a, &a, &[]), Ok(()));
        assert_eq!(
            verify_consistency(4, 4, &a, &b, &[]),
            Err(ProofError::DifferentRootsForSameSize { size: 4 })
        );
        assert_eq!(
            verify_consistency(4, 4, &a, &a, &[a]),
            Err(ProofError::WrongProofLength { expected: 0, actual: 1 })
        );
    }

    #[test]
    fn the_empty_tree_is_consistent_with_any_tree_but_only_under_its_own_root() {
        let second = root(&leaves(8, 9));
        assert_eq!(verify_consistency(0, 9, &empty_root(), &second, &[]), Ok(()));
        assert_eq!(verify_consistency(0, 0, &empty_root(), &empty_root(), &[]), Ok(()));
        assert_eq!(verify_consistency(0, 9, &second, &second, &[]), Err(ProofError::FirstRootMismatch));
        assert_eq!(
            verify_consistency(0, 9, &empty_root(), &second, &[second]),
            Err(ProofError::WrongProofLength { expected: 0, actual: 1 })
        );
    }

    #[test]
    fn an_inclusion_proof_fits_another_size_whose_path_has_the_same_shape() {
        // Pinned limitation of every RFC 6962 verifier: leaf 0 has the same
        // path (left, left, left) in trees of 5 and 6 leaves, so a size-5 proof
        // checks out against the size-5 root under the claim "size 6". This is
        // why tree_size and root must both come from one signed tree head.
        let tree = leaves(9, 5);
        let proof = inclusion_proof(&tree, 0).unwrap();
        assert_eq!(verify_inclusion(&tree[0], 0, 6, &proof, &root(&tree)), Ok(()));
        // Against the genuine root of a 6-leaf tree it fails.
        let longer = leaves(9, 6);
        assert_eq!(verify_inclusion(&tree[0], 0, 6, &proof, &root(&longer)), Err(ProofError::RootMismatch));
    }

    fn is_wrong_length(result: Result<(), ProofError>) -> bool {
        matches!(result, Err(ProofError::WrongProofLength { .. }))
    }

    /// Sizes and indices near `value`, each used to move a proof somewhere it
    /// does not belong.
    fn neighbours(value: u64) -> impl Iterator<Item = u64> {
        [value.wrapping_sub(1), value + 1, value ^ 1, value ^ 2, value * 2, value / 2]
            .into_iter()
            .filter(move |&v| v != value)
    }

    proptest! {
        #[test]
        fn root_equals_the_bottom_up_reference_root(seed in any::<u64>(), n in 0usize..300) {
            let tree = leaves(seed, n);
            prop_assert_eq!(root(&tree), reference::root(&tree));
        }
    }

    proptest! {
        // Each case checks every index (or first size) of its tree with some 20
        // alterations, O(n²) hashing; 32 trees keep the run to a few seconds
        // beside the exhaustive tests of all trees up to 64 leaves above.
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn every_inclusion_proof_verifies_and_fails_once_anything_is_altered(
            seed in any::<u64>(),
            n in 1usize..=300,
        ) {
            // One leaf more than the tree, for the root of the next size.
            let all = leaves(seed, n + 1);
            let tree = &all[..n];
            let tree_size = size(n);
            let tree_root = root(tree);
            let smaller_root = root(&tree[..n - 1]);
            let larger_root = root(&all);
            for (i, leaf) in tree.iter().enumerate() {
                let index = size(i);
                let proof = inclusion_proof(tree, index)?;
                prop_assert_eq!(verify_inclusion(leaf, index, tree_size, &proof, &tree_root), Ok(()));

                // Any one bit of any proof hash, of the leaf or of the root.
                for j in 0..proof.len() {
                    let mut altered = proof.clone();
                    altered[j] = flip_bit(&altered[j], i + j);
                    prop_assert_eq!(
                        verify_inclusion(leaf, index, tree_size, &altered, &tree_root),
                        Err(ProofError::RootMismatch)
                    );
                }
                prop_assert_eq!(
                    verify_inclusion(&flip_bit(leaf, i), index, tree_size, &proof, &tree_root),
                    Err(ProofError::RootMismatch)
                );
                prop_assert_eq!(
                    verify_inclusion(leaf, index, tree_size, &proof, &flip_bit(&tree_root, i)),
                    Err(ProofError::RootMismatch)
                );

                // Another index.
                for other in neighbours(index) {
                    prop_assert!(verify_inclusion(leaf, other, tree_size, &proof, &tree_root).is_err());
                }

                // Another size, with its genuine root; or twice the size, whose
                // paths are all one level longer.
                if n > 1 && i < n - 1 {
                    prop_assert!(verify_inclusion(leaf, index, tree_size - 1, &proof, &smaller_root).is_err());
                }
                prop_assert!(verify_inclusion(leaf, index, tree_size + 1, &proof, &larger_root).is_err());
                prop_assert!(verify_inclusion(leaf, index, tree_size * 2, &proof, &tree_root).is_err());

                // A hash too few, too many, or one in front.
                if let Some((_, shorter)) = proof.split_last() {
                    prop_assert!(is_wrong_length(
                        verify_inclusion(leaf, index, tree_size, shorter, &tree_root)
                    ));
                }
                let mut longer = proof.clone();
                longer.push(tree_root);
                prop_assert!(is_wrong_length(
                    verify_inclusion(leaf, index, tree_size, &longer, &tree_root)
                ));
                let mut prefixed = vec![*leaf];
                prefixed.extend_from_slice(&proof);
                prop_assert!(is_wrong_length(
                    verify_inclusion(leaf, index, tree_size, &prefixed, &tree_root)
                ));
            }
        }

        #[test]
        fn every_consistency_proof_verifies_and_fails_once_anything_is_altered(
            seed in any::<u64>(),
            n in 1usize..=300,
        ) {
            let all = leaves(seed, n + 1);
            let tree = &all[..n];
            let second = size(n);
            let roots: Vec<Hash> = (0..=n + 1).map(|m| root(&all[..m])).collect();
            for m in 0..=n {
                let first = size(m);
                let proof = consistency_proof(tree, first)?;
                prop_assert_eq!(verify_consistency(first, second, &roots[m], &roots[n], &proof), Ok(()));
                if m == 0 || m == n {
                    // Trivially consistent pairs have no proof to alter.
                    prop_assert!(proof.is_empty());
                    continue;
                }

                // Any one bit of any proof hash or of either root.
                for j in 0..proof.len() {
                    let mut altered = proof.clone();
                    altered[j] = flip_bit(&altered[j], m + j);
                    prop_assert!(verify_consistency(first, second, &roots[m], &roots[n], &altered).is_err());
                }
                prop_assert!(
                    verify_consistency(first, second, &flip_bit(&roots[m], m), &roots[n], &proof).is_err()
                );
                prop_assert!(
                    verify_consistency(first, second, &roots[m], &flip_bit(&roots[n], m), &proof).is_err()
                );
                prop_assert!(verify_consistency(first, second, &roots[n], &roots[m], &proof).is_err());

                // Another first size with the same roots: the second root pins the
                // proof hashes to the real tree, so the first root can only be
                // rebuilt for its own size.
                for other in neighbours(first) {
                    prop_assert!(verify_consistency(other, second, &roots[m], &roots[n], &proof).is_err());
                }
                // Another second size, with its genuine root.
                if m < n - 1 {
                    prop_assert!(
                        verify_consistency(first, second - 1, &roots[m], &roots[n - 1], &proof).is_err()
                    );
                }
                prop_assert!(
                    verify_consistency(first, second + 1, &roots[m], &roots[n + 1], &proof).is_err()
                );

                // No proof, a hash too few, too many, or one in front.
                prop_assert!(verify_consistency(first, second, &roots[m], &roots[n], &[]).is_err());
                if let Some((_, shorter)) = proof.split_last() {
                    prop_assert!(is_wrong_length(
                        verify_consistency(first, second, &roots[m], &roots[n], shorter)
                    ));
                }
                let mut longer = proof.clone();
                longer.push(roots[m]);
                prop_assert!(is_wrong_length(
                    verify_consistency(first, second, &roots[m], &roots[n], &longer)
                ));
                let mut prefixed = vec![roots[m]];
                prefixed.extend_from_slice(&proof);
                prop_assert!(is_wrong_length(
                    verify_consistency(first, second, &roots[m], &roots[n], &prefixed)
                ));
            }
        }
    }
}
