//! Passwords: argon2id hashes computed off the async threads and bounded by a semaphore, so a
//! flood of logins cannot take more than a set number of cores, and the policy a new password
//! must meet (NIST SP 800-63B §5.1.1.2: a minimum length, no common passwords, no personal data).
//!
//! The common-password list (`common_passwords.txt`) is our own: widely known weak passwords,
//! Indonesian favourites, sequences and keyboard walks, lower-case, one per line.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::{self, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

/// How long a hash or verification waits for a free slot before giving up with
/// [`HashError::Busy`].
pub const QUEUE_WAIT: Duration = Duration::from_secs(3);

/// The fewest characters a password may have (NIST SP 800-63B: at least 8).
pub const MIN_LENGTH: usize = 8;

/// The most characters a password may have; long enough for passphrases, short enough that
/// nobody sends us a megabyte to hash.
pub const MAX_LENGTH: usize = 128;

/// OWASP Password Storage Cheat Sheet, argon2id: m = 19456 KiB (19 MiB), t = 2, p = 1.
const PARAMS: Params = match Params::new(19_456, 2, 1, None) {
    Ok(params) => params,
    Err(_) => panic!("the OWASP argon2id parameters are valid"),
};

/// The length of the hash output, in bytes (argon2's default).
const OUTPUT_LEN: usize = Params::DEFAULT_OUTPUT_LEN;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every slot stayed taken for the whole queue wait: the server is overloaded, and the
    /// request should be answered 503 with `Retry-After`.
    #[error("too many password checks are waiting; try again shortly")]
    Busy,
    /// Anything else: no randomness, a malformed stored hash, a failed task.
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// Hashes and verifies passwords with argon2id on the blocking thread pool, at most
/// `max_concurrent` at a time. Cheap to clone: clones share the slots.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    params: Params,
    queue_wait: Duration,
}

impl PasswordHasher {
    /// A hasher that runs at most `max_concurrent` hashes at once (at least one).
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.clamp(1, Semaphore::MAX_PERMITS))),
            params: PARAMS,
            queue_wait: QUEUE_WAIT,
        }
    }

    /// The same hasher, waiting `wait` instead of [`QUEUE_WAIT`] for a free slot.
    pub fn with_queue_wait(mut self, wait: Duration) -> Self {
        self.queue_wait = wait;
        self
    }

    /// Hashes a password under a fresh random salt; returns the PHC string
    /// (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        let params = self.params.clone();
        self.run(move || hash_with(params, &password)).await
    }

    /// Whether a password matches a stored PHC string. A wrong password is `Ok(false)`; a
    /// stored hash that does not parse is [`HashError::Internal`].
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let password = password.to_owned();
        let phc = phc.to_owned();
        self.run(move || password_matches(&password, &phc)).await
    }

    /// Does the work of [`verify`](Self::verify) against a fixed dummy hash, so a login for
    /// an account that does not exist takes as long as one for an account that does.
    pub async fn verify_unknown_account(&self, password: &str) -> Result<(), HashError> {
        let password = password.to_owned();
        let params = self.params.clone();
        self.run(move || {
            let dummy = dummy_hash(params)?;
            password_matches(&password, dummy).map(drop)
        })
        .await
    }

    /// Runs CPU-heavy work on the blocking pool while holding a slot. The slot moves into
    /// the task, so it stays taken until the work ends even if the caller gives up.
    async fn run<T, F>(&self, work: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce() -> anyhow::Result<T> + Send + 'static,
    {
        let permit =
            match tokio::time::timeout(self.queue_wait, Arc::clone(&self.permits).acquire_owned()).await {
                Err(_elapsed) => return Err(HashError::Busy),
                Ok(Err(closed)) => {
                    return Err(HashError::Internal(
                        anyhow::Error::new(closed).context("the password hashing slots are closed"),
                    ));
                }
                Ok(Ok(permit)) => permit,
            };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .context("a password hashing task failed")
        .and_then(|result| result)
        .map_err(HashError::Internal)
    }
}

fn argon2(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_with(params: Params, password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).context("could not encode a salt")?;
    let hash = argon2(params).hash_password(password.as_bytes(), &salt).context("argon2id hashing failed")?;
    Ok(hash.to_string())
}

fn password_matches(password: &str, phc: &str) -> anyhow::Result<bool> {
    let hash = PasswordHash::new(phc).context("a stored password hash is malformed")?;
    // Without these the verifier would answer "wrong password" for a broken record.
    anyhow::ensure!(
        hash.salt.is_some() && hash.hash.is_some(),
        "a stored password hash has no salt or no output"
    );
    // The stored hash names its own algorithm and parameters; the verifier uses those.
    match Argon2::default().verify_password(password.as_bytes(), &hash) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(e) => Err(anyhow::Error::new(e).context("could not verify a password")),
    }
}

/// A hash of a random password, made once on first use.
fn dummy_hash(params: Params) -> anyhow::Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let mut password = [0u8; 16];
    getrandom::fill(&mut password).map_err(|e| anyhow::anyhow!("no randomness for a dummy password: {e}"))?;
    let hash = hash_with(params, &crate::digest::hex(&password))?;
    Ok(DUMMY.get_or_init(|| hash))
}

/// Whether a stored hash was made with other settings than the current ones (another
/// algorithm, version, cost or output length, or not parseable at all) and should be
/// replaced by a fresh hash at the next successful login.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return true;
    };
    if hash.algorithm != argon2::ARGON2ID_IDENT || hash.version != Some(u32::from(Version::V0x13)) {
        return true;
    }
    let Ok(params) = Params::try_from(&hash) else {
        return true;
    };
    params.m_cost() != PARAMS.m_cost()
        || params.t_cost() != PARAMS.t_cost()
        || params.p_cost() != PARAMS.p_cost()
        || hash.hash.map(|output| output.len()) != Some(OUTPUT_LEN)
}

/// Why a new password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_LENGTH`] characters.
    #[error("the password is too short")]
    TooShort,
    /// More than [`MAX_LENGTH`] characters.
    #[error("the password is too long")]
    TooLong,
    /// On the list of common passwords.
    #[error("the password is too common")]
    Common,
    /// Contains the person's own data: email, name or NIK.
    #[error("the password contains personal data")]
    ContainsPersonal,
}

impl PasswordProblem {
    /// The Fluent message key that explains the problem to the user.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::TooShort => "password-too-short",
            Self::TooLong => "password-too-long",
            Self::Common => "password-common",
            Self::ContainsPersonal => "password-personal",
        }
    }
}

/// Checks a new password against the policy. Lengths count characters, not bytes.
/// `personal` holds the person's own data (email local part, name, NIK); a password that
/// contains any of them of at least four characters, in any case, is refused.
pub fn check_password(password: &str, personal: &[&str]) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(lower.as_str()) {
        return Err(PasswordProblem::Common);
    }
    let contains_personal = personal.iter().map(|item| item.trim().to_lowercase()).any(|item| {
        // Shorter pieces (a three-letter name) would refuse too many good passwords.
        item.chars().count() >= 4 && lower.contains(&item)
    });
    if contains_personal {
        return Err(PasswordProblem::ContainsPersonal);
    }
    Ok(())
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt").lines().map(str::trim).filter(|line| !line.is_empty()).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() -> anyhow::Result<()> {
        let hasher = PasswordHasher::new(2);
        let phc = hasher.hash("kopi-tubruk-pagi").await?;
        assert!(phc.starts_with(PREFIX), "{phc}");
        assert!(hasher.verify("kopi-tubruk-pagi", &phc).await?);
        assert!(!hasher.verify("kopi-tubruk-sore", &phc).await?);
        assert_ne!(phc, hasher.hash("kopi-tubruk-pagi").await?, "a fresh salt every time");
        assert!(!needs_rehash(&phc));
        Ok(())
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_internal_error_not_a_wrong_password() {
        let hasher = PasswordHasher::new(1);
        for phc in ["", "plain text", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ", "$argon2id$v=19$m=x"] {
            let result = hasher.verify("kopi-tubruk-pagi", phc).await;
            assert!(matches!(result, Err(HashError::Internal(_))), "{phc}: {result:?}");
        }
    }

    #[tokio::test]
    async fn unknown_accounts_do_the_same_work() -> anyhow::Result<()> {
        let hasher = PasswordHasher::new(1);
        hasher.verify_unknown_account("kopi-tubruk-pagi").await?;
        hasher.verify_unknown_account("kopi-tubruk-sore").await?;
        let dummy = dummy_hash(PARAMS)?;
        assert!(dummy.starts_with(PREFIX) && !needs_rehash(dummy), "{dummy}");
        Ok(())
    }

    #[test]
    fn hashes_with_other_settings_need_a_rehash() -> anyhow::Result<()> {
        let weaker = hash_with(Params::new(8 * 1024, 1, 1, None)?, "kopi-tubruk-pagi")?;
        assert!(weaker.starts_with("$argon2id$v=19$m=8192,t=1,p=1$"), "{weaker}");
        assert!(needs_rehash(&weaker));
        assert!(password_matches("kopi-tubruk-pagi", &weaker)?, "old hashes still verify");
        let salt = SaltString::encode_b64(b"0123456789abcdef")?;
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, PARAMS)
            .hash_password(b"kopi-tubruk-pagi", &salt)?
            .to_string();
        assert!(needs_rehash(&argon2i), "{argon2i}");
        assert!(needs_rehash("not a hash"));
        Ok(())
    }

    #[tokio::test]
    async fn a_full_pool_answers_busy_after_the_queue_wait_and_recovers() -> anyhow::Result<()> {
        let hasher = PasswordHasher::new(1).with_queue_wait(Duration::from_millis(50));
        let held = Arc::clone(&hasher.permits).acquire_owned().await?;
        assert!(matches!(hasher.hash("kopi-tubruk-pagi").await, Err(HashError::Busy)));
        assert!(matches!(hasher.clone().verify_unknown_account("x").await, Err(HashError::Busy)));
        drop(held);
        let phc = hasher.hash("kopi-tubruk-pagi").await?;
        assert!(hasher.verify("kopi-tubruk-pagi", &phc).await?);
        assert_eq!(hasher.permits.available_permits(), 1, "every slot is given back");
        Ok(())
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(check_password("kopi123", &[]), Err(PasswordProblem::TooShort));
        assert_eq!(check_password("kopi1234", &[]), Ok(()));
        assert_eq!(check_password("ñáéíóúü", &[]), Err(PasswordProblem::TooShort), "7 chars, 14 bytes");
        assert_eq!(check_password("ñáéíóúüö", &[]), Ok(()));
        assert_eq!(check_password(&"é".repeat(MAX_LENGTH), &[]), Ok(()));
        assert_eq!(check_password(&"é".repeat(MAX_LENGTH + 1), &[]), Err(PasswordProblem::TooLong));
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for password in ["password", "PassWord123", "BISMILLAH", "SayangKamu", "qwertyuiop", "12345678"] {
            assert_eq!(check_password(password, &[]), Err(PasswordProblem::Common), "{password}");
        }
    }

    #[test]
    fn personal_data_is_refused_in_any_case_when_long_enough() {
        let personal = ["budi.santoso", "Budi Santoso", "3578074708900001", "ani"];
        assert_eq!(
            check_password("xX-BUDI.SANTOSO-Xx", &personal),
            Err(PasswordProblem::ContainsPersonal),
            "email local part"
        );
        assert_eq!(check_password("a3578074708900001", &personal), Err(PasswordProblem::ContainsPersonal));
        assert_eq!(check_password("ani-kopi-tubruk", &personal), Ok(()), "shorter than 4: ignored");
    }

    #[test]
    fn problems_have_their_message_keys() {
        assert_eq!(PasswordProblem::TooShort.message_key(), "password-too-short");
        assert_eq!(PasswordProblem::TooLong.message_key(), "password-too-long");
        assert_eq!(PasswordProblem::Common.message_key(), "password-common");
        assert_eq!(PasswordProblem::ContainsPersonal.message_key(), "password-personal");
    }

    #[test]
    fn the_common_list_is_lower_case_and_only_holds_passwords_the_length_rule_lets_through() {
        let list = include_str!("common_passwords.txt");
        let entries: Vec<&str> = list.lines().collect();
        assert!((400..=700).contains(&entries.len()), "{}", entries.len());
        for entry in &entries {
            assert_eq!(*entry, entry.trim().to_lowercase(), "{entry:?}");
            assert!(entry.chars().count() >= MIN_LENGTH, "{entry:?}");
        }
        assert_eq!(common_passwords().len(), entries.len(), "no duplicates");
    }

    proptest::proptest! {
        #[test]
        fn any_long_enough_uncommon_impersonal_password_is_accepted(password in "\\PC{8,128}") {
            proptest::prop_assume!(!common_passwords().contains(password.to_lowercase().as_str()));
            proptest::prop_assume!(!password.to_lowercase().contains("budi.santoso"));
            proptest::prop_assert_eq!(check_password(&password, &["budi.santoso"]), Ok(()));
        }

        #[test]
        fn any_password_shorter_than_the_minimum_is_refused(password in "\\PC{0,7}") {
            proptest::prop_assert_eq!(check_password(&password, &[]), Err(PasswordProblem::TooShort));
        }

        #[test]
        fn any_password_longer_than_the_maximum_is_refused(password in "\\PC{129,200}") {
            proptest::prop_assert_eq!(check_password(&password, &[]), Err(PasswordProblem::TooLong));
        }
    }
}
