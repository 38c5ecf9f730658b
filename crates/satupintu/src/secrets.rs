//! Secret files in the data folder (signing and encryption keys): created once, readable by
//! the owner only, and agreed on by processes that start together.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `contents` to `path` unless the file exists, and returns what the file holds
/// afterwards: ours, or the first writer's. Each attempt writes a complete candidate beside
/// the file and links it into place, so nobody ever reads a half-written secret.
pub fn create_once(path: &Path, contents: &[u8]) -> anyhow::Result<Vec<u8>> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Unique per attempt: threads of one process may race too.
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let candidate = path.with_extension(format!("new-{}-{}", std::process::id(), crate::digest::hex(&nonce)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file =
        options.open(&candidate).with_context(|| format!("could not create {}", candidate.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    let linked = std::fs::hard_link(&candidate, path);
    let _ = std::fs::remove_file(&candidate);
    match linked {
        Ok(()) => Ok(contents.to_vec()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read(path).with_context(|| format!("could not read {}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("could not store {}", path.display())),
    }
}

/// Reads a secret file; `None` when it does not exist yet.
pub fn read(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// 32 random bytes.
pub fn random_key() -> anyhow::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    Ok(key)
}
