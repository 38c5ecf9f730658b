//! Personal data at rest: fields such as NIK, phone, address and birth date are sealed with
//! AES-256-GCM under a key named in every ciphertext (so keys can be rotated), and looked up
//! through an HMAC-SHA-256 blind index, so a database dump alone reveals none of them.
//!
//! A sealed value reads `v1:{key id}:{base64(nonce ‖ ciphertext ‖ tag)}`; the field's name is
//! authenticated with it, so a value moved to another field does not open.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The key file's name in the data folder.
pub const KEY_FILE: &str = "field-keys.json";

/// Where the field keys live: `SATUPINTU_FIELD_KEYS_FILE`, or the data folder. Nodes that
/// share a PostgreSQL database must share this file.
pub fn key_path(data_dir: &Path) -> PathBuf {
    std::env::var_os("SATUPINTU_FIELD_KEYS_FILE").map_or_else(|| data_dir.join(KEY_FILE), PathBuf::from)
}

/// Why a sealed value did not open.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Not in the `v1:{key id}:{base64}` form.
    #[error("not a sealed value")]
    Malformed,
    /// Sealed under a key this installation does not have.
    #[error("sealed under unknown key {0}")]
    UnknownKey(String),
    /// Altered, truncated, or sealed for another field.
    #[error("the sealed value does not authenticate")]
    Forged,
}

/// The key file: every key ever used (old ciphertexts must still open), which one seals
/// new values, and the blind-index key (never rotated: indexes would have to be rebuilt).
#[derive(Serialize, Deserialize)]
struct KeyFile {
    active: String,
    keys: BTreeMap<String, String>,
    index_key: String,
}

/// Seals and opens personal-data fields, and computes their blind indexes.
pub struct FieldProtector {
    active: String,
    ciphers: BTreeMap<String, Aes256Gcm>,
    index_key: [u8; 32],
}

impl std::fmt::Debug for FieldProtector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldProtector").field("active", &self.active).finish_non_exhaustive()
    }
}

fn decode_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD.decode(text).context("a field key is not base64")?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| anyhow::anyhow!("a field key is not 32 bytes"))
}

fn new_key_id(existing: &BTreeMap<String, String>) -> String {
    (1..).map(|n| format!("k{n}")).find(|id| !existing.contains_key(id)).unwrap_or_else(|| "k0".into())
}

impl FieldProtector {
    /// Loads the keys, generating the file (mode 0600) on first use.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        let bytes = match crate::secrets::read(path)? {
            Some(bytes) => bytes,
            None => {
                let keys =
                    BTreeMap::from([("k1".to_string(), STANDARD.encode(crate::secrets::random_key()?))]);
                let file = KeyFile {
                    active: "k1".into(),
                    keys,
                    index_key: STANDARD.encode(crate::secrets::random_key()?),
                };
                crate::secrets::create_once(path, &serde_json::to_vec_pretty(&file)?)?
            }
        };
        let file: KeyFile = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a field key file", path.display()))?;
        Self::from_file(file)
    }

    fn from_file(file: KeyFile) -> anyhow::Result<Self> {
        let mut ciphers = BTreeMap::new();
        for (id, key) in &file.keys {
            ciphers.insert(id.clone(), Aes256Gcm::new(&decode_key(key)?.into()));
        }
        anyhow::ensure!(
            ciphers.contains_key(&file.active),
            "the active field key {} is missing",
            file.active
        );
        Ok(Self { active: file.active, ciphers, index_key: decode_key(&file.index_key)? })
    }

    /// Adds a new key to the file and makes it the one that seals; returns its id. Values
    /// sealed before still open; re-sealing them is the caller's job (`keys rotate`).
    pub fn rotate(path: &Path) -> anyhow::Result<String> {
        let bytes = std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
        let mut file: KeyFile = serde_json::from_slice(&bytes)?;
        let id = new_key_id(&file.keys);
        file.keys.insert(id.clone(), STANDARD.encode(crate::secrets::random_key()?));
        file.active = id.clone();
        let staged = path.with_extension("rotating");
        let _ = std::fs::remove_file(&staged);
        crate::secrets::create_once(&staged, &serde_json::to_vec_pretty(&file)?)?;
        std::fs::rename(&staged, path).with_context(|| format!("could not replace {}", path.display()))?;
        Ok(id)
    }

    /// The id of the key that seals new values.
    pub fn active_key(&self) -> &str {
        &self.active
    }

    /// Seals a field's value under the active key.
    pub fn seal(&self, field: &str, plaintext: &str) -> anyhow::Result<String> {
        let cipher = self.ciphers.get(&self.active).context("the active field key is missing")?;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness for a nonce: {e}"))?;
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plaintext.as_bytes(), aad: field.as_bytes() })
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("v1:{}:{}", self.active, STANDARD.encode(bytes)))
    }

    /// Opens a sealed value of a field.
    pub fn open(&self, field: &str, sealed: &str) -> Result<String, OpenError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(key_id), Some(payload)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(OpenError::Malformed);
        };
        let cipher = self.ciphers.get(key_id).ok_or_else(|| OpenError::UnknownKey(key_id.to_string()))?;
        let bytes = STANDARD.decode(payload).map_err(|_| OpenError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce = <[u8; 12]>::try_from(nonce).map_err(|_| OpenError::Malformed)?;
        let plain = cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: field.as_bytes() })
            .map_err(|_| OpenError::Forged)?;
        String::from_utf8(plain).map_err(|_| OpenError::Forged)
    }

    /// Whether a sealed value was sealed under an older key and should be re-sealed.
    pub fn is_stale(&self, sealed: &str) -> bool {
        sealed.split(':').nth(1).is_some_and(|id| id != self.active)
    }

    /// The blind index of a field's value: equal values of the same field have equal
    /// indexes, and nothing about the value can be learnt from it without the index key.
    pub fn blind_index(&self, field: &str, value: &str) -> String {
        // The key is 32 bytes, which HMAC always accepts.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key) else {
            return String::new();
        };
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        crate::digest::hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("satupintu-protect-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join(KEY_FILE)
    }

    #[test]
    fn sealed_fields_open_only_as_the_same_field_and_reveal_nothing() -> anyhow::Result<()> {
        let path = scratch("seal");
        let keys = FieldProtector::load_or_create(&path)?;
        let sealed = keys.seal("nik", "3578074708900001")?;
        assert!(sealed.starts_with("v1:k1:") && !sealed.contains("3578"), "{sealed}");
        assert_ne!(sealed, keys.seal("nik", "3578074708900001")?, "a fresh nonce every time");
        assert_eq!(keys.open("nik", &sealed)?, "3578074708900001");
        assert_eq!(keys.open("phone", &sealed), Err(OpenError::Forged), "bound to its field");
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.open("nik", &String::from_utf8(tampered)?), Err(OpenError::Forged));
        assert_eq!(keys.open("nik", "v1:k9:AAAA"), Err(OpenError::UnknownKey("k9".into())));
        assert_eq!(keys.open("nik", "plain text"), Err(OpenError::Malformed));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        }
        assert!(!format!("{keys:?}").contains(&STANDARD.encode(keys.index_key)), "Debug shows no key");
        Ok(())
    }

    #[test]
    fn blind_indexes_match_equal_values_of_one_field_only() -> anyhow::Result<()> {
        let keys = FieldProtector::load_or_create(&scratch("index"))?;
        let a = keys.blind_index("nik", "3578074708900001");
        assert_eq!(a, keys.blind_index("nik", "3578074708900001"));
        assert_ne!(a, keys.blind_index("nik", "3578074708900002"));
        assert_ne!(a, keys.blind_index("npwp", "3578074708900001"));
        assert_eq!(a.len(), 64);
        Ok(())
    }

    #[test]
    fn rotation_seals_with_the_new_key_and_still_opens_old_values() -> anyhow::Result<()> {
        let path = scratch("rotate");
        let before = FieldProtector::load_or_create(&path)?;
        let old = before.seal("address", "Jl. Taman Surya No. 1")?;
        let id = FieldProtector::rotate(&path)?;
        assert_eq!(id, "k2");
        let after = FieldProtector::load_or_create(&path)?;
        assert_eq!(after.active_key(), "k2");
        assert!(after.is_stale(&old));
        assert_eq!(after.open("address", &old)?, "Jl. Taman Surya No. 1");
        let new = after.seal("address", "Jl. Taman Surya No. 1")?;
        assert!(new.starts_with("v1:k2:") && !after.is_stale(&new));
        assert_eq!(
            after.blind_index("nik", "3578074708900001"),
            before.blind_index("nik", "3578074708900001"),
            "the index key survives rotation"
        );
        Ok(())
    }
}
