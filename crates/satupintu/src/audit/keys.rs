//! The installation's signing key: 32 secret bytes, from a configured file or generated
//! into the data folder on first use, readable by the owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use satupintu_audit::SigningKey;

/// The key file's name in the data folder.
pub const KEY_FILE: &str = "audit-signing.key";

/// Where the signing key lives: `SATUPINTU_AUDIT_KEY_FILE`, or the data folder. Nodes that
/// share a PostgreSQL database must share this file.
pub fn key_path(data_dir: &Path) -> PathBuf {
    std::env::var_os("SATUPINTU_AUDIT_KEY_FILE").map_or_else(|| data_dir.join(KEY_FILE), PathBuf::from)
}

/// Loads the signing key, generating it when the file does not exist yet.
pub fn load_or_create(path: &Path) -> anyhow::Result<SigningKey> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let Ok(secret) = <[u8; 32]>::try_from(bytes.as_slice()) else {
                bail!("{} must hold exactly 32 bytes", path.display());
            };
            Ok(SigningKey::from_secret_bytes(secret))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options
                .open(path)
                .with_context(|| format!("could not create the signing key {}", path.display()))?;
            file.write_all(&secret)?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "generated the audit signing key");
            Ok(SigningKey::from_secret_bytes(secret))
        }
        Err(e) => Err(e).with_context(|| format!("could not read the signing key {}", path.display())),
    }
}
