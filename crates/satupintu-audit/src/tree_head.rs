//! Signed tree heads: the log's Ed25519-signed statement of its size and root.

use std::fmt;

use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};

use crate::encoding::{hex_lower, to_base64};
use crate::hash::Hash;

/// The ASCII label that starts every signed tree head, naming the format and
/// its version; followed by one 0x00 byte in [`TreeHead::signed_bytes`].
///
/// A signature over these bytes can never be mistaken for a signature over
/// anything else the same key might sign (domain separation).
pub const TREE_HEAD_LABEL: &str = "satupintu-tree-head-v1";

/// The length of [`TreeHead::signed_bytes`]: 22 + 1 + 8 + 8 + 32 = 71 bytes.
pub const SIGNED_BYTES_LEN: usize = TREE_HEAD_LABEL.len() + 1 + 8 + 8 + 32;

/// The log's state at one moment: after `tree_size` entries its Merkle root
/// was `root_hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TreeHead {
    /// The number of entries (leaves) in the tree.
    pub tree_size: u64,
    /// When the head was made: milliseconds since the Unix epoch,
    /// 1970-01-01T00:00:00Z, leap seconds not counted.
    pub timestamp_ms: u64,
    /// The RFC 6962 Merkle Tree Hash of the first `tree_size` entries
    /// ([`root`](crate::root)).
    pub root_hash: Hash,
}

impl TreeHead {
    /// The exact bytes that are signed, [`SIGNED_BYTES_LEN`] (71) in all:
    ///
    /// | offset | length | content                                                  |
    /// |-------:|-------:|----------------------------------------------------------|
    /// |      0 |     22 | the ASCII string `satupintu-tree-head-v1`                |
    /// |     22 |      1 | the byte 0x00                                            |
    /// |     23 |      8 | `tree_size`, unsigned, big-endian                        |
    /// |     31 |      8 | `timestamp_ms`, unsigned, big-endian                     |
    /// |     39 |     32 | `root_hash`, the raw 32 bytes of the SHA-256 digest      |
    ///
    /// The signature is plain Ed25519 (RFC 8032 §5.1, not Ed25519ph or
    /// Ed25519ctx) over these 71 bytes, with no further hashing or framing. An
    /// independent verifier rebuilds them from the three fields and checks the
    /// 64-byte signature against the log's 32-byte public key.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(SIGNED_BYTES_LEN);
        bytes.extend_from_slice(TREE_HEAD_LABEL.as_bytes());
        bytes.push(0x00);
        bytes.extend_from_slice(&self.tree_size.to_be_bytes());
        bytes.extend_from_slice(&self.timestamp_ms.to_be_bytes());
        bytes.extend_from_slice(&self.root_hash);
        bytes
    }
}

/// Why a public key or a signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum SignatureError {
    /// The 32 bytes are not the encoding of a point on Ed25519's curve.
    #[error("the public key is not a valid Ed25519 point")]
    InvalidPublicKey,
    /// The key is one of the few small-order points, under which forged
    /// signatures can verify.
    #[error("the public key is a weak (small-order) Ed25519 point and cannot be trusted")]
    WeakPublicKey,
    /// The signature is not this key's signature over this tree head.
    #[error("the signature does not match this statement and public key")]
    BadSignature,
    /// A label for [`SigningKey::sign_labelled`] that is empty, holds a 0x00 byte or is
    /// the tree heads' own.
    #[error("a statement's label must be non-empty, free of 0x00 and not the tree heads' label")]
    BadLabel,
}

/// The log's Ed25519 signing key.
///
/// Its `Debug` output shows only the [key id](Self::key_id), never the secret,
/// and the secret is wiped from memory when the key is dropped.
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// The key whose RFC 8032 secret key (seed) is these 32 bytes.
    ///
    /// The crate needs no random number generator: the application generates
    /// the secret once (e.g. 32 bytes from the OS RNG) and keeps it in its
    /// secret store; this copy is wiped on drop, the caller's is its own to wipe.
    pub fn from_secret_bytes(secret: [u8; 32]) -> Self {
        Self { inner: ed25519_dalek::SigningKey::from_bytes(&secret) }
    }

    /// The matching public key, to publish and to verify with.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey { inner: self.inner.verifying_key() }
    }

    /// The 32-byte public key (RFC 8032 encoding).
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.inner.verifying_key().to_bytes()
    }

    /// The key id: the first 8 bytes of SHA-256 of the 32-byte public key, as
    /// 16 lowercase hex digits. Names the key in tree heads and logs, so that
    /// verifiers pick the right key after a rotation.
    pub fn key_id(&self) -> String {
        key_id(&self.public_key_bytes())
    }

    /// The 64-byte Ed25519 signature over [`TreeHead::signed_bytes`].
    ///
    /// Deterministic (RFC 8032): the same key and head always give the same
    /// signature.
    pub fn sign(&self, head: &TreeHead) -> [u8; 64] {
        self.inner.sign(&head.signed_bytes()).to_bytes()
    }

    /// The Ed25519 signature over `label ‖ 0x00 ‖ message`, for statements other than tree
    /// heads (a backup's manifest, say). The label keeps such a signature from ever passing
    /// as a tree head's or as another kind of statement's.
    ///
    /// # Errors
    ///
    /// [`SignatureError::BadLabel`] if the label is the tree heads' own, empty, or holds a
    /// 0x00 byte.
    pub fn sign_labelled(&self, label: &str, message: &[u8]) -> Result<[u8; 64], SignatureError> {
        Ok(self.inner.sign(&labelled(label, message)?).to_bytes())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret stays out of logs and panic messages.
        f.debug_struct("SigningKey").field("key_id", &self.key_id()).finish_non_exhaustive()
    }
}

/// A public key that checks signed tree heads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey {
    inner: ed25519_dalek::VerifyingKey,
}

impl VerifyingKey {
    /// The key with this 32-byte public key (RFC 8032 encoding).
    ///
    /// # Errors
    ///
    /// [`SignatureError::InvalidPublicKey`] if the bytes are not a curve point,
    /// [`SignatureError::WeakPublicKey`] if the point has small order.
    pub fn from_public_bytes(public_key: [u8; 32]) -> Result<Self, SignatureError> {
        let inner = ed25519_dalek::VerifyingKey::from_bytes(&public_key)
            .map_err(|_| SignatureError::InvalidPublicKey)?;
        if inner.is_weak() {
            return Err(SignatureError::WeakPublicKey);
        }
        Ok(Self { inner })
    }

    /// The 32-byte public key (RFC 8032 encoding).
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.inner.to_bytes()
    }

    /// The key id, as [`SigningKey::key_id`].
    pub fn key_id(&self) -> String {
        key_id(&self.public_key_bytes())
    }

    /// Checks that `signature` is this key's signature over `head`.
    ///
    /// Strict verification: non-canonical signatures are refused, so a given
    /// head has exactly one valid signature per key and a signature cannot be
    /// altered into another valid one.
    ///
    /// # Errors
    ///
    /// [`SignatureError::BadSignature`] otherwise.
    pub fn verify(&self, head: &TreeHead, signature: &[u8; 64]) -> Result<(), SignatureError> {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        self.inner.verify_strict(&head.signed_bytes(), &signature).map_err(|_| SignatureError::BadSignature)
    }

    /// Checks a signature made by [`SigningKey::sign_labelled`], strictly as [`Self::verify`].
    ///
    /// # Errors
    ///
    /// [`SignatureError::BadLabel`] for a label `sign_labelled` refuses,
    /// [`SignatureError::BadSignature`] otherwise.
    pub fn verify_labelled(
        &self,
        label: &str,
        message: &[u8],
        signature: &[u8; 64],
    ) -> Result<(), SignatureError> {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        self.inner
            .verify_strict(&labelled(label, message)?, &signature)
            .map_err(|_| SignatureError::BadSignature)
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("key_id", &self.key_id())
            .field("public_key", &to_base64(&self.public_key_bytes()))
            .finish()
    }
}

/// `label ‖ 0x00 ‖ message`, for a label that cannot be confused with the tree heads'.
fn labelled(label: &str, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
    if label.is_empty() || label == TREE_HEAD_LABEL || label.contains('\0') {
        return Err(SignatureError::BadLabel);
    }
    let mut bytes = Vec::with_capacity(label.len() + 1 + message.len());
    bytes.extend_from_slice(label.as_bytes());
    bytes.push(0x00);
    bytes.extend_from_slice(message);
    Ok(bytes)
}

/// The first 8 bytes of SHA-256(public key), as lowercase hex.
fn key_id(public_key: &[u8; 32]) -> String {
    let digest = Sha256::digest(public_key);
    hex_lower(&digest[..8])
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The fixed test key: secret bytes 0x01, 0x02, …, 0x20.
    fn test_key() -> SigningKey {
        SigningKey::from_secret_bytes(std::array::from_fn(|i| u8::try_from(i + 1).unwrap()))
    }

    fn test_head() -> TreeHead {
        TreeHead {
            tree_size: 1_000_000,
            timestamp_ms: 1_750_000_000_000,
            root_hash: crate::leaf_hash(b"root"),
        }
    }

    fn hex(bytes: &[u8]) -> String {
        hex_lower(bytes)
    }

    #[test]
    fn labelled_signatures_verify_only_with_their_label_and_never_as_tree_heads() {
        let key = test_key();
        let public = key.verifying_key();
        let signature = key.sign_labelled("satupintu-backup-v1", b"manifest").unwrap();
        assert_eq!(public.verify_labelled("satupintu-backup-v1", b"manifest", &signature), Ok(()));
        assert_eq!(
            public.verify_labelled("satupintu-backup-v2", b"manifest", &signature),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            public.verify_labelled("satupintu-backup-v1", b"manifesT", &signature),
            Err(SignatureError::BadSignature)
        );
        // A message shaped like a tree head's bytes still cannot be signed as one.
        let head = test_head();
        assert_eq!(
            key.sign_labelled(TREE_HEAD_LABEL, &head.signed_bytes()[23..]),
            Err(SignatureError::BadLabel)
        );
        for label in ["", "a\0b"] {
            assert_eq!(key.sign_labelled(label, b"x"), Err(SignatureError::BadLabel));
        }
    }

    #[test]
    fn signed_bytes_are_label_zero_size_timestamp_root() {
        let root_hash: Hash = std::array::from_fn(|i| 0xa0 + u8::try_from(i).unwrap());
        let head =
            TreeHead { tree_size: 0x0102_0304_0506_0708, timestamp_ms: 0x1112_1314_1516_1718, root_hash };
        let bytes = head.signed_bytes();
        assert_eq!(bytes.len(), 71);
        assert_eq!(SIGNED_BYTES_LEN, 71);
        assert_eq!(&bytes[0..22], b"satupintu-tree-head-v1");
        assert_eq!(bytes[22], 0x00);
        assert_eq!(bytes[23..31], [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]);
        assert_eq!(bytes[31..39], [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]);
        assert_eq!(bytes[39..71], root_hash);
        // The same, as one hex string, for readers writing their own verifier.
        assert_eq!(
            hex(&bytes),
            concat!(
                "7361747570696e74752d747265652d686561642d763100",
                "0102030405060708",
                "1112131415161718",
                "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
            )
        );
    }

    #[test]
    fn a_signed_tree_head_verifies_under_the_signers_public_key() {
        let key = test_key();
        let head = test_head();
        let signature = key.sign(&head);
        assert_eq!(key.verifying_key().verify(&head, &signature), Ok(()));
        let published = VerifyingKey::from_public_bytes(key.public_key_bytes()).unwrap();
        assert_eq!(published.verify(&head, &signature), Ok(()));
        assert_eq!(published, key.verifying_key());
    }

    #[test]
    fn flipping_any_bit_of_the_size_timestamp_root_or_signature_breaks_the_signature() {
        let key = test_key();
        let verifier = key.verifying_key();
        let head = test_head();
        let signature = key.sign(&head);
        for bit in 0..64 {
            let altered = TreeHead { tree_size: head.tree_size ^ (1 << bit), ..head };
            assert_eq!(
                verifier.verify(&altered, &signature),
                Err(SignatureError::BadSignature),
                "size bit {bit}"
            );
            let altered = TreeHead { timestamp_ms: head.timestamp_ms ^ (1 << bit), ..head };
            assert_eq!(
                verifier.verify(&altered, &signature),
                Err(SignatureError::BadSignature),
                "time bit {bit}"
            );
        }
        for bit in 0..256 {
            let mut root_hash = head.root_hash;
            root_hash[bit / 8] ^= 1 << (bit % 8);
            let altered = TreeHead { root_hash, ..head };
            assert_eq!(
                verifier.verify(&altered, &signature),
                Err(SignatureError::BadSignature),
                "root bit {bit}"
            );
        }
        for bit in 0..512 {
            let mut altered = signature;
            altered[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                verifier.verify(&head, &altered),
                Err(SignatureError::BadSignature),
                "signature bit {bit}"
            );
        }
    }

    #[test]
    fn another_keys_signature_is_refused() {
        let head = test_head();
        let other = SigningKey::from_secret_bytes([0x42; 32]);
        assert_eq!(
            test_key().verifying_key().verify(&head, &other.sign(&head)),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn the_test_key_has_a_stable_key_id_and_signature() {
        // Regression values computed by this crate (and checked against Python's
        // `cryptography` package and hashlib) when the format was fixed; a change
        // here means every published key id and signature would change.
        let key = test_key();
        assert_eq!(
            hex(&key.public_key_bytes()),
            "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"
        );
        assert_eq!(key.key_id(), "65b60673d6ed884b");
        assert_eq!(key.key_id().len(), 16);
        assert_eq!(key.verifying_key().key_id(), key.key_id());
        assert_eq!(
            hex(&key.sign(&test_head())),
            concat!(
                "31be0faeb2c6f56f0f3548929cecff11c9dadee7be4ddc3aaad629da181f0c27",
                "dd876f0396c0ad61def994b184f11d990d2841e6c9aa28391a24bf19eb291f09",
            )
        );
    }

    #[test]
    fn the_secret_bytes_are_the_rfc_8032_seed() {
        // RFC 8032 §7.1, TEST 1: this secret key has this public key.
        let secret: [u8; 32] = [
            0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
            0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
        ];
        let key = SigningKey::from_secret_bytes(secret);
        assert_eq!(
            hex(&key.public_key_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
    }

    #[test]
    fn debug_output_names_the_key_but_hides_the_secret() {
        let key = test_key();
        let shown = format!("{key:?}");
        assert_eq!(shown, format!("SigningKey {{ key_id: \"{}\", .. }}", key.key_id()));
        let pretty = format!("{key:#?}");
        assert!(!pretty.contains("0102") && !pretty.contains("[1, 2"), "{pretty}");
    }

    #[test]
    fn a_weak_public_key_is_refused() {
        // The identity point (y = 1) has order 1: every "signature" with R = identity
        // and S = 0 would verify under it.
        let mut identity = [0; 32];
        identity[0] = 1;
        assert_eq!(VerifyingKey::from_public_bytes(identity), Err(SignatureError::WeakPublicKey));
    }

    #[test]
    fn bytes_that_are_not_a_curve_point_are_refused() {
        // y = 2 has no x on Ed25519 (y² − 1 over d·y² + 1 is not a square mod p).
        let mut not_a_point = [0; 32];
        not_a_point[0] = 2;
        assert_eq!(VerifyingKey::from_public_bytes(not_a_point), Err(SignatureError::InvalidPublicKey));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_key_signs_any_head_verifiably_and_only_that_head(
            secret in any::<[u8; 32]>(),
            tree_size in any::<u64>(),
            timestamp_ms in any::<u64>(),
            root_hash in any::<[u8; 32]>(),
            other_size in any::<u64>(),
        ) {
            let key = SigningKey::from_secret_bytes(secret);
            let head = TreeHead { tree_size, timestamp_ms, root_hash };
            let signature = key.sign(&head);
            let verifier = VerifyingKey::from_public_bytes(key.public_key_bytes())?;
            prop_assert_eq!(verifier.verify(&head, &signature), Ok(()));
            prop_assume!(other_size != tree_size);
            let other = TreeHead { tree_size: other_size, ..head };
            prop_assert_eq!(verifier.verify(&other, &signature), Err(SignatureError::BadSignature));
        }
    }
}
