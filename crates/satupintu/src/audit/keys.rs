//! The installation's signing key: 32 secret bytes, from a configured file or generated
//! into the data folder on first use, readable by the owner only.

use std::path::{Path, PathBuf};

use anyhow::bail;
use satupintu_audit::SigningKey;

/// The key file's name in the data folder.
pub const KEY_FILE: &str = "audit-signing.key";

/// Where the signing key lives: `SATUPINTU_AUDIT_KEY_FILE`, or the data folder. Nodes that
/// share a PostgreSQL database must share this file.
pub fn key_path(data_dir: &Path) -> PathBuf {
    std::env::var_os("SATUPINTU_AUDIT_KEY_FILE").map_or_else(|| data_dir.join(KEY_FILE), PathBuf::from)
}

/// Loads the signing key, generating it when the file does not exist yet. Processes that
/// start together agree on one key.
pub fn load_or_create(path: &Path) -> anyhow::Result<SigningKey> {
    let bytes = match crate::secrets::read(path)? {
        Some(bytes) => bytes,
        None => {
            let bytes = crate::secrets::create_once(path, &crate::secrets::random_key()?)?;
            tracing::info!(path = %path.display(), "audit signing key ready");
            bytes
        }
    };
    from_bytes(path, &bytes)
}

/// The key held in a key file's bytes (`path` names the file in the error).
pub fn from_bytes(path: &Path, bytes: &[u8]) -> anyhow::Result<SigningKey> {
    let Ok(secret) = <[u8; 32]>::try_from(bytes) else {
        bail!("{} must hold exactly 32 bytes", path.display());
    };
    Ok(SigningKey::from_secret_bytes(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_starting_together_agree_on_one_key() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("satupintu-key-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join(KEY_FILE);
        let results: Vec<anyhow::Result<String>> = std::thread::scope(|scope| {
            let handles: Vec<_> =
                (0..8).map(|_| scope.spawn(|| load_or_create(&path).map(|k| k.key_id()))).collect();
            handles
                .into_iter()
                .map(|h| h.join().map_err(|_| anyhow::anyhow!("thread")).and_then(|r| r))
                .collect()
        });
        let keys = results.into_iter().collect::<anyhow::Result<Vec<String>>>()?;
        assert!(keys.windows(2).all(|w| w[0] == w[1]), "{keys:?}");
        assert_eq!(load_or_create(&path)?.key_id(), keys[0], "later starts read the same key");
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }
}
