//! Text encodings of hashes, keys and signatures: standard padded base64 for
//! the JSON API, lowercase hex for key ids.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::hash::Hash;

/// Why a base64 string is not the hash, key or signature it should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Base64Error {
    /// Not standard base64 (RFC 4648 §4 alphabet, `=` padding, no whitespace).
    #[error("the value is not standard padded base64")]
    NotBase64,
    /// Valid base64 of the wrong number of bytes.
    #[error("the value decodes to {actual} bytes, but {expected} were expected")]
    WrongLength {
        /// The number of bytes required.
        expected: usize,
        /// The number of bytes decoded.
        actual: usize,
    },
}

/// Standard padded base64 (RFC 4648 §4), as hashes, keys and signatures
/// appear in the JSON API.
pub fn to_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// A 32-byte hash (leaf, node or root) from standard padded base64.
///
/// # Errors
///
/// [`Base64Error`] if `s` is not standard padded base64 of exactly 32 bytes.
pub fn hash_from_base64(s: &str) -> Result<Hash, Base64Error> {
    fixed_from_base64(s)
}

/// A 32-byte Ed25519 public key from standard padded base64; pass it to
/// [`VerifyingKey::from_public_bytes`](crate::VerifyingKey::from_public_bytes).
///
/// # Errors
///
/// [`Base64Error`] if `s` is not standard padded base64 of exactly 32 bytes.
pub fn public_key_from_base64(s: &str) -> Result<[u8; 32], Base64Error> {
    fixed_from_base64(s)
}

/// A 64-byte Ed25519 signature from standard padded base64.
///
/// # Errors
///
/// [`Base64Error`] if `s` is not standard padded base64 of exactly 64 bytes.
pub fn signature_from_base64(s: &str) -> Result<[u8; 64], Base64Error> {
    fixed_from_base64(s)
}

/// Decodes exactly `N` bytes. The standard engine also refuses non-zero
/// trailing bits, so every value has one spelling and two strings never
/// decode to the same hash.
fn fixed_from_base64<const N: usize>(s: &str) -> Result<[u8; N], Base64Error> {
    let bytes = STANDARD.decode(s).map_err(|_| Base64Error::NotBase64)?;
    let actual = bytes.len();
    bytes.try_into().map_err(|_| Base64Error::WrongLength { expected: N, actual })
}

/// Lowercase hexadecimal, two digits a byte.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_empty_root_has_its_well_known_base64_form() {
        // SHA-256("") in base64, as printed by `printf '' | openssl dgst -sha256 -binary | base64`.
        let encoded = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let hash = hash_from_base64(encoded).unwrap();
        assert_eq!(hash, crate::empty_root());
        assert_eq!(to_base64(&hash), encoded);
    }

    #[test]
    fn base64_of_the_wrong_length_is_refused_with_both_lengths() {
        assert_eq!(hash_from_base64("AAAA"), Err(Base64Error::WrongLength { expected: 32, actual: 3 }));
        assert_eq!(
            signature_from_base64(&to_base64(&[0; 32])),
            Err(Base64Error::WrongLength { expected: 64, actual: 32 })
        );
    }

    #[test]
    fn url_safe_unpadded_or_spaced_base64_is_refused() {
        let hash = [0xfb; 32]; // encodes with '+' and '/' in the standard alphabet
        let standard = to_base64(&hash);
        assert!(standard.contains('+') || standard.contains('/'), "{standard}");
        let url_safe = standard.replace('+', "-").replace('/', "_");
        assert_eq!(hash_from_base64(&url_safe), Err(Base64Error::NotBase64));
        assert_eq!(hash_from_base64(standard.trim_end_matches('=')), Err(Base64Error::NotBase64));
        assert_eq!(hash_from_base64(&format!(" {standard}")), Err(Base64Error::NotBase64));
        assert_eq!(hash_from_base64(&standard), Ok(hash));
    }

    #[test]
    fn hex_is_lowercase_with_two_digits_per_byte() {
        assert_eq!(hex_lower(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex_lower(&[]), "");
    }

    proptest! {
        #[test]
        fn hashes_and_signatures_survive_a_base64_round_trip(
            hash in any::<[u8; 32]>(),
            signature in prop::collection::vec(any::<u8>(), 64),
        ) {
            prop_assert_eq!(hash_from_base64(&to_base64(&hash)), Ok(hash));
            prop_assert_eq!(public_key_from_base64(&to_base64(&hash)), Ok(hash));
            let decoded = signature_from_base64(&to_base64(&signature))?;
            prop_assert_eq!(decoded.to_vec(), signature);
        }

        #[test]
        fn decoding_arbitrary_text_never_panics_and_accepts_only_canonical_forms(
            s in "[A-Za-z0-9+/=]{40,48}|\\PC{0,90}",
        ) {
            if let Ok(hash) = hash_from_base64(&s) {
                prop_assert_eq!(to_base64(&hash), s);
            }
        }
    }
}
