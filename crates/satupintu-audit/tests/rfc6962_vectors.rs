//! Known-answer tests against the RFC 6962 test vectors that Certificate
//! Transparency's implementations share.
//!
//! The hex values are copied from the Go module `github.com/transparency-dev/merkle`
//! (Apache-2.0), which inherited them from google/certificate-transparency:
//!
//! - `testonly/constants.go` (`LeafInputs`, `NodeHashes`, `RootHashes`): the
//!   eight leaf inputs, every complete subtree's hash and the roots of sizes 0–8;
//! - `proof/verify_test.go` (`inclusionProofs`, `consistencyProofs`): inclusion
//!   and consistency proofs in those trees. That file numbers leaves from 1;
//!   the indices here count from 0, as our API does;
//! - `rfc6962/rfc6962_test.go` (`TestRFC6962Hasher`): single leaf hashes.
//!
//! Nothing here was computed by this crate: each value is an independent answer.

use satupintu_audit::{
    Frontier, Hash, ProofError, consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash, root,
    verify_consistency, verify_inclusion,
};

/// A 32-byte hash from 64 hex digits (test vectors only).
fn h(hex: &str) -> Hash {
    let bytes = bytes(hex);
    bytes.try_into().unwrap_or_else(|b: Vec<u8>| panic!("{hex} is {} bytes, not 32", b.len()))
}

/// Bytes from hex digits (test vectors only).
fn bytes(hex: &str) -> Vec<u8> {
    assert_eq!(hex.len() % 2, 0, "{hex}");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_else(|e| panic!("{hex}: {e}")))
        .collect()
}

/// `LeafInputs()` in testonly/constants.go.
const LEAF_INPUTS: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

/// `NodeHashes()` in testonly/constants.go: level 0 (the leaf hashes) to level 3
/// (the root of all eight), left to right within a level.
const NODE_HASHES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// `RootHashes()` in testonly/constants.go: the root of the first n leaves, n = 0..=8.
const ROOT_HASHES: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `inclusionProofs` in proof/verify_test.go: (index from 0, tree size, proof).
const INCLUSION_PROOFS: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// `consistencyProofs` in proof/verify_test.go: (first size, second size, proof).
const CONSISTENCY_PROOFS: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn leaf_hashes() -> Vec<Hash> {
    LEAF_INPUTS.iter().map(|input| leaf_hash(&bytes(input))).collect()
}

fn hashes(hex: &[&str]) -> Vec<Hash> {
    hex.iter().map(|x| h(x)).collect()
}

fn usize_of(n: u64) -> usize {
    usize::try_from(n).unwrap_or_else(|e| panic!("{n}: {e}"))
}

#[test]
fn leaf_hashes_match_the_published_level_0() {
    assert_eq!(leaf_hashes(), hashes(NODE_HASHES[0]));
}

#[test]
fn single_leaf_hashes_match_the_rfc6962_hasher_vectors() {
    // rfc6962_test.go: the empty leaf, and the leaf "L123456".
    assert_eq!(leaf_hash(b""), h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
    assert_eq!(leaf_hash(b"L123456"), h("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"));
}

#[test]
fn node_hashes_of_each_level_pair_up_into_the_published_next_level() {
    for level in 0..3 {
        let below = hashes(NODE_HASHES[level]);
        let computed: Vec<Hash> = below.chunks(2).map(|pair| node_hash(&pair[0], &pair[1])).collect();
        assert_eq!(computed, hashes(NODE_HASHES[level + 1]), "level {}", level + 1);
    }
}

#[test]
fn roots_of_every_prefix_match_the_published_root_hashes() {
    let leaves = leaf_hashes();
    assert_eq!(empty_root(), h(ROOT_HASHES[0]));
    for (n, expected) in ROOT_HASHES.iter().enumerate() {
        assert_eq!(root(&leaves[..n]), h(expected), "size {n}");
    }
}

#[test]
fn the_frontier_reaches_the_published_root_after_every_leaf() {
    let mut frontier = Frontier::new();
    assert_eq!(frontier.root(), h(ROOT_HASHES[0]));
    for (n, leaf) in leaf_hashes().into_iter().enumerate() {
        frontier.push(leaf).unwrap();
        assert_eq!(frontier.root(), h(ROOT_HASHES[n + 1]), "size {}", n + 1);
    }
}

#[test]
fn published_inclusion_proofs_are_generated_exactly_and_verify() {
    let leaves = leaf_hashes();
    for (index, size, expected) in INCLUSION_PROOFS {
        let tree = &leaves[..usize_of(size)];
        let proof = inclusion_proof(tree, index).unwrap();
        assert_eq!(proof, hashes(expected), "index {index}, size {size}");
        let tree_root = h(ROOT_HASHES[usize_of(size)]);
        assert_eq!(verify_inclusion(&leaves[usize_of(index)], index, size, &proof, &tree_root), Ok(()));
    }
}

#[test]
fn every_inclusion_proof_in_the_eight_leaf_tree_is_the_published_siblings() {
    // In a perfect tree of 8, leaf i's proof is its sibling on each level of
    // NODE_HASHES: positions i ^ 1, (i >> 1) ^ 1, (i >> 2) ^ 1.
    let leaves = leaf_hashes();
    let root8 = h(ROOT_HASHES[8]);
    for i in 0..8 {
        let expected: Vec<Hash> = (0..3).map(|level| h(NODE_HASHES[level][(i >> level) ^ 1])).collect();
        let index = u64::try_from(i).unwrap();
        assert_eq!(inclusion_proof(&leaves, index).unwrap(), expected, "index {i}");
        assert_eq!(verify_inclusion(&leaves[i], index, 8, &expected, &root8), Ok(()));
    }
}

#[test]
fn published_consistency_proofs_are_generated_exactly_and_verify() {
    let leaves = leaf_hashes();
    for (first, second, expected) in CONSISTENCY_PROOFS {
        let proof = consistency_proof(&leaves[..usize_of(second)], first).unwrap();
        assert_eq!(proof, hashes(expected), "{first} -> {second}");
        let first_root = h(ROOT_HASHES[usize_of(first)]);
        let second_root = h(ROOT_HASHES[usize_of(second)]);
        assert_eq!(verify_consistency(first, second, &first_root, &second_root, &proof), Ok(()));
    }
}

#[test]
fn published_proofs_fail_when_tampered_as_the_reference_tests_do() {
    // The corruptions of verify_test.go's corruptInclusionProof and
    // corruptConsistencyProof that apply to fixed-size hashes.
    let leaves = leaf_hashes();
    let some_hash = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (index, size, expected) in INCLUSION_PROOFS.into_iter().skip(1) {
        let proof = hashes(expected);
        let leaf = leaves[usize_of(index)];
        let tree_root = h(ROOT_HASHES[usize_of(size)]);
        let probes = [
            (index.wrapping_sub(1), size, leaf, tree_root, proof.clone()),
            (index + 1, size, leaf, tree_root, proof.clone()),
            (index ^ 2, size, leaf, tree_root, proof.clone()),
            (index, size * 2, leaf, tree_root, proof.clone()),
            (index, size / 2, leaf, tree_root, proof.clone()),
            (index, size, leaf_hash(b"WrongLeaf"), tree_root, proof.clone()),
            (index, size, leaf, empty_root(), proof.clone()),
            (index, size, leaf, some_hash, proof.clone()),
            (index, size, leaf, tree_root, [proof.clone(), vec![tree_root]].concat()),
            (index, size, leaf, tree_root, [vec![tree_root], proof.clone()].concat()),
            (index, size, leaf, tree_root, proof[..proof.len() - 1].to_vec()),
        ];
        for (i, (index, size, leaf, tree_root, proof)) in probes.into_iter().enumerate() {
            assert!(verify_inclusion(&leaf, index, size, &proof, &tree_root).is_err(), "inclusion probe {i}");
        }
    }
    for (first, second, expected) in CONSISTENCY_PROOFS.into_iter().skip(1) {
        let proof = hashes(expected);
        let first_root = h(ROOT_HASHES[usize_of(first)]);
        let second_root = h(ROOT_HASHES[usize_of(second)]);
        let probes = [
            (first - 1, second, first_root, second_root, proof.clone()),
            (first + 1, second, first_root, second_root, proof.clone()),
            (first ^ 2, second, first_root, second_root, proof.clone()),
            (first, second * 2, first_root, second_root, proof.clone()),
            (first, second / 2, first_root, second_root, proof.clone()),
            (first, second, some_hash, second_root, proof.clone()),
            (first, second, first_root, some_hash, proof.clone()),
            (first, second, second_root, first_root, proof.clone()),
            (first, second, first_root, second_root, Vec::new()),
            (first, second, first_root, second_root, [proof.clone(), vec![first_root]].concat()),
            (first, second, first_root, second_root, [proof.clone(), vec![second_root]].concat()),
            (first, second, first_root, second_root, [vec![first_root], proof.clone()].concat()),
            (first, second, first_root, second_root, [vec![second_root], proof.clone()].concat()),
            (first, second, first_root, second_root, [vec![proof[0]], proof.clone()].concat()),
            (first, second, first_root, second_root, proof[..proof.len() - 1].to_vec()),
        ];
        for (i, (first, second, first_root, second_root, proof)) in probes.into_iter().enumerate() {
            assert!(
                verify_consistency(first, second, &first_root, &second_root, &proof).is_err(),
                "consistency {first} -> {second}, probe {i}"
            );
        }
    }
}

#[test]
fn the_reference_edge_cases_of_inclusion_with_no_proof_fail() {
    // verify_test.go TestVerifyInclusion: (index, size) pairs with an empty proof.
    let some_hash = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (index, size) in [(0, 0), (0, 1), (1, 0), (2, 1)] {
        assert!(verify_inclusion(&some_hash, index, size, &[], &empty_root()).is_err(), "{index}/{size}");
    }
    assert_eq!(
        verify_inclusion(&some_hash, 1, 0, &[], &some_hash),
        Err(ProofError::IndexOutOfRange { index: 1, tree_size: 0 })
    );
    // A single-entry tree: the root is the leaf hash and the proof is empty.
    let data = leaf_hash(b"data");
    assert_eq!(verify_inclusion(&data, 0, 1, &[], &data), Ok(()));
}
