//! The frontier (compact range) of a growing tree: its root in O(log n) memory.

use std::fmt;

use crate::encoding::hex_lower;
use crate::hash::{Hash, empty_root, node_hash};

/// The most perfect subtrees a tree can decompose into: one per bit of a `u64` size.
const MAX_PEAKS: usize = u64::BITS as usize;

/// The tree already holds `u64::MAX` leaves, the largest size a `u64` can count
/// (and so the largest a [`TreeHead`](crate::TreeHead) can describe).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the tree already holds {} entries, the most a tree size can count", u64::MAX)]
pub struct FrontierFull;

/// The right edge of an append-only Merkle tree: enough to compute its root
/// and to keep appending, without the leaves.
///
/// A tree of `n` leaves is, left to right, one perfect subtree for each set bit
/// of `n`, largest first (the "compact range" `[0, n)`); the frontier keeps just
/// their roots, at most 64 hashes. `audit verify` streams every stored entry
/// through [`push`](Self::push) and compares [`root`](Self::root) with the
/// signed tree head, in constant memory.
#[derive(Clone)]
pub struct Frontier {
    /// `peaks[..size.count_ones()]` are the roots of the perfect subtrees, the
    /// leftmost (tallest) first; the rest is unused. A fixed array keeps
    /// [`push`](Self::push) free of allocation.
    peaks: [Hash; MAX_PEAKS],
    /// The number of leaves appended so far.
    size: u64,
}

impl Frontier {
    /// An empty tree.
    pub fn new() -> Self {
        Self { peaks: [[0; 32]; MAX_PEAKS], size: 0 }
    }

    /// Appends one leaf hash (see [`leaf_hash`](crate::leaf_hash)) in O(log n)
    /// time, without allocating.
    ///
    /// # Errors
    ///
    /// [`FrontierFull`] if the tree already holds `u64::MAX` leaves; the
    /// frontier is then left unchanged.
    pub fn push(&mut self, leaf_hash: Hash) -> Result<(), FrontierFull> {
        let new_size = self.size.checked_add(1).ok_or(FrontierFull)?;
        // Each trailing 1 bit of the old size is a perfect subtree as tall as the
        // one being built: merge it in, like a carry in binary addition.
        let mut top = self.peak_count();
        let mut hash = leaf_hash;
        let mut carries = self.size;
        while carries & 1 == 1 {
            top -= 1;
            hash = node_hash(&self.peaks[top], &hash);
            carries >>= 1;
        }
        self.peaks[top] = hash;
        self.size = new_size;
        Ok(())
    }

    /// The number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 Merkle Tree Hash of every leaf appended so far, equal to
    /// [`root`](crate::root) over the same leaf hashes; [`empty_root`] for none.
    pub fn root(&self) -> Hash {
        // MTH splits at the largest power of two below n, which is exactly the
        // tallest peak; the right part splits the same way, so the root folds
        // the peaks together from the right.
        let peaks = &self.peaks[..self.peak_count()];
        match peaks.split_last() {
            None => empty_root(),
            Some((last, rest)) => rest.iter().rev().fold(*last, |right, left| node_hash(left, &right)),
        }
    }

    /// The roots of the perfect subtrees, tallest first: with the size, everything needed to
    /// carry on appending. Stored beside a signed tree head, it lets the next head be signed
    /// by reading only the entries appended since.
    pub fn peaks(&self) -> &[Hash] {
        &self.peaks[..self.peak_count()]
    }

    /// Rebuilds a frontier from its size and [`peaks`](Self::peaks); `None` when the number
    /// of peaks is not the number of set bits of the size.
    pub fn from_peaks(size: u64, peaks: &[Hash]) -> Option<Self> {
        if peaks.len() != size.count_ones() as usize {
            return None;
        }
        let mut frontier = Self { peaks: [[0; 32]; MAX_PEAKS], size };
        frontier.peaks[..peaks.len()].copy_from_slice(peaks);
        Some(frontier)
    }

    /// How many entries of `peaks` are in use: one per set bit of the size.
    fn peak_count(&self) -> usize {
        // count_ones of a u64 is at most 64, which every usize holds.
        self.size.count_ones() as usize
    }
}

impl Default for Frontier {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Frontier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let peaks: Vec<String> = self.peaks[..self.peak_count()].iter().map(|p| hex_lower(p)).collect();
        f.debug_struct("Frontier").field("size", &self.size).field("peaks", &peaks).finish()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn a_frontier_rebuilt_from_its_peaks_continues_as_the_original() {
        let mut original = Frontier::new();
        for i in 0..13u8 {
            original.push(leaf_hash(&[i])).expect("room");
        }
        let mut rebuilt = Frontier::from_peaks(original.size(), original.peaks()).expect("valid peaks");
        assert_eq!(rebuilt.root(), original.root());
        for i in 13..40u8 {
            original.push(leaf_hash(&[i])).expect("room");
            rebuilt.push(leaf_hash(&[i])).expect("room");
        }
        assert_eq!(rebuilt.root(), original.root());
        assert!(Frontier::from_peaks(13, &original.peaks()[..1]).is_none(), "13 = 0b1101 needs three peaks");
    }

    use super::*;
    use crate::hash::{leaf_hash, root};

    fn leaves(count: usize) -> Vec<Hash> {
        (0..count).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
    }

    #[test]
    fn an_empty_frontier_has_the_empty_root() {
        let frontier = Frontier::new();
        assert_eq!(frontier.size(), 0);
        assert_eq!(frontier.root(), empty_root());
    }

    #[test]
    fn the_frontier_root_matches_root_for_every_size_up_to_1100() -> Result<(), FrontierFull> {
        // Covers several powers of two and the sizes around them, where the
        // carries in `push` run longest.
        let all = leaves(1100);
        let mut frontier = Frontier::new();
        for (i, leaf) in all.iter().enumerate() {
            frontier.push(*leaf)?;
            assert_eq!(frontier.size(), u64::try_from(i + 1).unwrap_or(u64::MAX));
            assert_eq!(frontier.root(), root(&all[..=i]), "size {}", i + 1);
        }
        Ok(())
    }

    #[test]
    fn a_full_frontier_refuses_another_leaf_and_stays_unchanged() {
        // Forge the state of a tree of u64::MAX leaves: 64 peaks.
        let mut frontier = Frontier { peaks: [[7; 32]; MAX_PEAKS], size: u64::MAX };
        let before = frontier.root();
        assert_eq!(frontier.push(leaf_hash(b"one too many")), Err(FrontierFull));
        assert_eq!(frontier.size(), u64::MAX);
        assert_eq!(frontier.root(), before);
    }

    #[test]
    fn the_frontier_accepts_the_last_leaf_a_u64_can_count() {
        // size u64::MAX - 1 has 63 peaks; the next leaf takes the 64th slot.
        let mut frontier = Frontier { peaks: [[7; 32]; MAX_PEAKS], size: u64::MAX - 1 };
        assert_eq!(frontier.push(leaf_hash(b"last")), Ok(()));
        assert_eq!(frontier.size(), u64::MAX);
        assert_eq!(frontier.peaks[63], leaf_hash(b"last"));
    }

    #[test]
    fn debug_shows_the_size_and_one_peak_per_set_bit() -> Result<(), FrontierFull> {
        let mut frontier = Frontier::new();
        for leaf in leaves(5) {
            frontier.push(leaf)?;
        }
        let shown = format!("{frontier:?}");
        assert!(shown.starts_with("Frontier { size: 5, peaks: ["), "{shown}");
        assert_eq!(shown.matches('"').count(), 4, "two peaks for 5 = 0b101: {shown}");
        Ok(())
    }

    proptest! {
        // O(n²) hashing per case: checking the root after every push.
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn the_frontier_root_equals_root_for_every_prefix(
            contents in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..300),
        ) {
            let all: Vec<Hash> = contents.iter().map(|c| leaf_hash(c)).collect();
            let mut frontier = Frontier::new();
            prop_assert_eq!(frontier.root(), root(&[]));
            for (i, leaf) in all.iter().enumerate() {
                prop_assert_eq!(frontier.push(*leaf), Ok(()));
                prop_assert_eq!(frontier.root(), root(&all[..=i]));
            }
        }
    }
}
