//! Accounts and what happens to them: registration, email verification, sign-in with
//! back-off, the second factor, password reset. Handlers parse the form; the rules and the
//! SQL are here, each change in one transaction with its audit entry.

use sqlx::Row;

use crate::audit::store::{self as audit, Entry};
use crate::db::{Db, Tx};
use crate::identity::protect::FieldProtector;
use crate::identity::session::{AccountKind, new_token, token_hash};

/// Field names used to seal and index personal data (bound into each ciphertext).
pub mod field {
    /// NIK.
    pub const NIK: &str = "accounts.nik";
    /// Mobile number.
    pub const PHONE: &str = "accounts.phone";
    /// Postal address.
    pub const ADDRESS: &str = "accounts.address";
    /// Date of birth.
    pub const BIRTH_DATE: &str = "accounts.birth_date";
    /// TOTP secret (base32).
    pub const TOTP: &str = "accounts.totp_secret";
}

/// Lifetime of an email verification link.
pub const VERIFY_LINK_SECONDS: i64 = 48 * 60 * 60;
/// Lifetime of a password reset link.
pub const RESET_LINK_SECONDS: i64 = 30 * 60;

/// Emails compare case-insensitively and without surrounding space.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub use satupintu_rules::contact::{normalize_phone, plausible_email};

/// A citizen's registration, checked field by field by the handler.
#[derive(Debug)]
pub struct NewCitizen<'a> {
    /// Full name.
    pub name: &'a str,
    /// The NIK, checked against the region table.
    pub nik: &'a str,
    /// The NIK's district code, `35.78.01`.
    pub nik_district: &'a str,
    /// The birth date from the NIK, `YYYY-MM-DD`.
    pub birth_date: &'a str,
    /// Normalized email, if given.
    pub email: Option<&'a str>,
    /// Normalized mobile number, if given. The handler requires this or an email.
    pub phone: Option<&'a str>,
    /// The argon2id hash of the password.
    pub password_hash: &'a str,
}

/// What registration did.
#[derive(Debug, PartialEq, Eq)]
pub enum Registered {
    /// A new account; its verification link token.
    Created {
        /// The account id.
        account_id: i64,
        /// The token of the verification link.
        token: String,
        /// Where the link goes: the email when there is one, else the mobile number.
        channel: Channel,
    },
    /// The email already has an account: the owner gets a notice instead, and the visitor
    /// sees the same page as for a new account (nothing leaks about who has one).
    EmailTaken,
    /// The NIK already has an account.
    NikTaken,
}

/// Creates a citizen account (unverified) and its verification token.
pub async fn register_citizen(
    db: &Db,
    tx: &mut Tx,
    fields: &FieldProtector,
    new: &NewCitizen<'_>,
) -> anyhow::Result<Registered> {
    let nik_index = fields.blind_index(field::NIK, new.nik);
    let taken = sqlx::query("SELECT 1 FROM accounts WHERE nik_index = $1")
        .bind(&nik_index)
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Ok(Registered::NikTaken);
    }
    if let Some(email) = new.email {
        let email_taken = sqlx::query("SELECT 1 FROM accounts WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut **tx)
            .await?;
        if email_taken.is_some() {
            return Ok(Registered::EmailTaken);
        }
    }
    let now = jiff::Timestamp::now().as_second();
    let phone = new.phone.map(|p| fields.seal(field::PHONE, p)).transpose()?;
    let row = sqlx::query(
        "INSERT INTO accounts (kind, name, email, nik_index, nik_sealed, nik_district, phone_sealed, \
                               birth_date_sealed, password_hash, created_at) \
         VALUES ('citizen', $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(new.name)
    .bind(new.email)
    .bind(&nik_index)
    .bind(fields.seal(field::NIK, new.nik)?)
    .bind(new.nik_district)
    .bind(phone)
    .bind(fields.seal(field::BIRTH_DATE, new.birth_date)?)
    .bind(new.password_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let account_id: i64 = row.try_get("id")?;
    let sent_to = new.email.map_or(SentTo::Sms, SentTo::Email);
    let token =
        issue_email_token(tx, "verify", LinkFor::Account(account_id), sent_to, VERIFY_LINK_SECONDS).await?;
    let subject = format!("account/{account_id}");
    record(db, tx, &format!("citizen:{account_id}"), "account.register", &subject).await?;
    tx.created(&subject);
    Ok(Registered::Created { account_id, token, channel: sent_to.channel() })
}

/// Appends an audit entry whose digest covers the action and the moment, not personal data.
pub async fn record(db: &Db, tx: &mut Tx, actor: &str, action: &str, subject: &str) -> anyhow::Result<i64> {
    let digest = audit::digest_of(&(actor, action, subject, jiff::Timestamp::now().as_millisecond()));
    audit::append(db, tx, &Entry { actor, action, subject, digest }).await
}

/// What a mailed link acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkFor {
    /// An account (verification, reset).
    Account(i64),
    /// A business, for someone not known yet (an invitation).
    Business(i64),
}

/// The channel a single-use link goes out on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// By email.
    Email,
    /// By SMS to the account's mobile number.
    Sms,
}

impl Channel {
    fn parse(text: &str) -> Self {
        if text == "sms" { Self::Sms } else { Self::Email }
    }
}

/// Where a single-use link is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SentTo<'a> {
    /// To this email address (kept with the token: invitations are bound to it).
    Email(&'a str),
    /// By SMS to the account's mobile number (not stored with the token).
    Sms,
}

impl SentTo<'_> {
    /// The channel.
    pub fn channel(self) -> Channel {
        match self {
            Self::Email(_) => Channel::Email,
            Self::Sms => Channel::Sms,
        }
    }
}

/// Stores a single-use token for a mailed link and returns it. Only its SHA-256 is kept.
pub async fn issue_email_token(
    tx: &mut Tx,
    purpose: &str,
    subject: LinkFor,
    sent_to: SentTo<'_>,
    lifetime_seconds: i64,
) -> anyhow::Result<String> {
    let token = new_token()?;
    let now = jiff::Timestamp::now().as_second();
    let (account_id, business_id) = match subject {
        LinkFor::Account(id) => (Some(id), None),
        LinkFor::Business(id) => (None, Some(id)),
    };
    let (channel, email) = match sent_to {
        SentTo::Email(email) => ("email", email),
        SentTo::Sms => ("sms", ""),
    };
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, purpose, account_id, business_id, channel, email, created_at, \
                                   expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token_hash(&token))
    .bind(purpose)
    .bind(account_id)
    .bind(business_id)
    .bind(channel)
    .bind(email)
    .bind(now)
    .bind(now + lifetime_seconds)
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Why a mailed link was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// No such link (or one for another purpose).
    Unknown,
    /// Past its lifetime.
    Expired,
    /// Already used once.
    Used,
}

/// A single-use link that was just used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsedLink {
    /// The account it was for.
    pub account_id: i64,
    /// The channel it went out on, which using it proves.
    pub channel: Channel,
}

/// Uses a single-use token: marks it used in the caller's transaction and returns its account.
pub async fn consume_email_token(
    tx: &mut Tx,
    purpose: &str,
    token: &str,
) -> anyhow::Result<Result<UsedLink, LinkProblem>> {
    let now = jiff::Timestamp::now().as_second();
    let row = sqlx::query(
        "SELECT account_id, channel, expires_at, used_at FROM email_tokens \
         WHERE token_hash = $1 AND purpose = $2",
    )
    .bind(token_hash(token))
    .bind(purpose)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(Err(LinkProblem::Unknown)) };
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        return Ok(Err(LinkProblem::Used));
    }
    if row.try_get::<i64, _>("expires_at")? <= now {
        return Ok(Err(LinkProblem::Expired));
    }
    // The condition on used_at makes two concurrent uses of one link succeed only once.
    let done = sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
        .bind(now)
        .bind(token_hash(token))
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(Err(LinkProblem::Used));
    }
    let channel = Channel::parse(&row.try_get::<String, _>("channel")?);
    let account: Option<i64> = row.try_get("account_id")?;
    Ok(account.map(|account_id| UsedLink { account_id, channel }).ok_or(LinkProblem::Unknown))
}

/// Records that the channel a used link went out on works (the first time only).
pub async fn mark_verified(tx: &mut Tx, link: UsedLink) -> anyhow::Result<()> {
    let update = match link.channel {
        Channel::Email => {
            "UPDATE accounts SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2"
        }
        Channel::Sms => {
            "UPDATE accounts SET phone_verified_at = COALESCE(phone_verified_at, $1) WHERE id = $2"
        }
    };
    sqlx::query(update)
        .bind(jiff::Timestamp::now().as_second())
        .bind(link.account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Checks whether a mailed link is still usable, without using it (for the page that
/// shows the form behind the link).
pub async fn email_token_state(
    db: &Db,
    purpose: &str,
    token: &str,
) -> anyhow::Result<Result<(), LinkProblem>> {
    let row =
        sqlx::query("SELECT expires_at, used_at FROM email_tokens WHERE token_hash = $1 AND purpose = $2")
            .bind(token_hash(token))
            .bind(purpose)
            .fetch_optional(db.pool())
            .await?;
    let Some(row) = row else { return Ok(Err(LinkProblem::Unknown)) };
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        return Ok(Err(LinkProblem::Used));
    }
    if row.try_get::<i64, _>("expires_at")? <= jiff::Timestamp::now().as_second() {
        return Ok(Err(LinkProblem::Expired));
    }
    Ok(Ok(()))
}

/// What sign-in needs to know about an account.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// Account id.
    pub id: i64,
    /// Citizen or officer.
    pub kind: AccountKind,
    /// The display name.
    pub name: String,
    /// The argon2id hash.
    pub password_hash: String,
    /// Whether the email or the mobile number was confirmed.
    pub verified: bool,
    /// The sealed TOTP secret, when the second factor is on.
    pub totp_sealed: Option<String>,
    /// The last TOTP step used, so no code works twice.
    pub totp_last_step: Option<i64>,
    /// Whether the account is disabled.
    pub disabled: bool,
}

const CREDENTIALS_SELECT: &str = "SELECT id, kind, name, password_hash, email_verified_at, phone_verified_at, \
     totp_secret_sealed, totp_enabled_at, totp_last_step, disabled_at FROM accounts";

/// How a visitor names their account when signing in or asking for a new password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountName {
    /// A (normalized) email address.
    Email(String),
    /// A NIK's blind index (citizens without email sign in with their NIK).
    Nik(String),
}

impl AccountName {
    /// Sixteen digits are a NIK; anything else is taken as an email address.
    pub fn parse(typed: &str, fields: &FieldProtector) -> Self {
        let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() == 16 && compact.chars().all(|c| c.is_ascii_digit()) {
            Self::Nik(fields.blind_index(field::NIK, &compact))
        } else {
            Self::Email(normalize_email(typed))
        }
    }

    /// A stable key for back-off, revealing neither the email nor the NIK.
    pub fn throttle_key(&self) -> String {
        match self {
            Self::Email(email) => crate::identity::throttle::account_key(email),
            Self::Nik(index) => crate::identity::throttle::account_key(index),
        }
    }
}

/// Looks an account up by its email or NIK.
pub async fn credentials_by_name(db: &Db, name: &AccountName) -> anyhow::Result<Option<Credentials>> {
    let (condition, value) = match name {
        AccountName::Email(email) => ("email", email),
        AccountName::Nik(index) => ("nik_index", index),
    };
    // Both parts are constants of this module.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CREDENTIALS_SELECT} WHERE {condition} = $1")))
        .bind(value)
        .fetch_optional(db.pool())
        .await?;
    row.map(|row| credentials_from_row(&row)).transpose()
}

/// Looks an account up by id.
pub async fn credentials_by_id(db: &Db, id: i64) -> anyhow::Result<Option<Credentials>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CREDENTIALS_SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.map(|row| credentials_from_row(&row)).transpose()
}

/// Where an account's links can go: its email, else its mobile number.
#[derive(Clone, PartialEq, Eq)]
pub enum Reachable {
    /// By email.
    Email(String),
    /// By SMS to this national number.
    Phone(String),
}

/// How to reach an account with a link, if at all.
pub async fn reachable(
    db: &Db,
    fields: &FieldProtector,
    account_id: i64,
) -> anyhow::Result<Option<Reachable>> {
    Ok(contact(db, fields, account_id).await?.and_then(|c| c.reachable))
}

/// How to reach an account, and the district of its NIK (where its applications are handled).
#[derive(Clone)]
pub struct Contact {
    /// Where links go.
    pub reachable: Option<Reachable>,
    /// The NIK's district code, `35.78.02`, empty when unknown.
    pub district: String,
}

/// An account's [`Contact`], read in one query.
pub async fn contact(db: &Db, fields: &FieldProtector, account_id: i64) -> anyhow::Result<Option<Contact>> {
    let key = account_id.to_string();
    if let Some(kept) = db.recent().contacts.get(db.changes(), &key) {
        return Ok(Some(kept));
    }
    let since = std::time::Instant::now();
    let row = sqlx::query("SELECT email, phone_sealed, nik_district FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let district = row.try_get::<Option<String>, _>("nik_district")?.unwrap_or_default();
    let reachable = match row.try_get::<Option<String>, _>("email")? {
        Some(email) => Some(Reachable::Email(email)),
        None => row
            .try_get::<Option<String>, _>("phone_sealed")?
            .map(|sealed| fields.open(field::PHONE, &sealed))
            .transpose()?
            .map(Reachable::Phone),
    };
    let contact = Contact { reachable, district };
    db.recent().contacts.put(key, since, vec![format!("account/{account_id}")], contact.clone());
    Ok(Some(contact))
}

fn credentials_from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<Credentials> {
    let enabled: Option<i64> = row.try_get("totp_enabled_at")?;
    Ok(Credentials {
        id: row.try_get("id")?,
        kind: AccountKind::parse(&row.try_get::<String, _>("kind")?),
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        verified: row.try_get::<Option<i64>, _>("email_verified_at")?.is_some()
            || row.try_get::<Option<i64>, _>("phone_verified_at")?.is_some(),
        totp_sealed: if enabled.is_some() { row.try_get("totp_secret_sealed")? } else { None },
        totp_last_step: row.try_get("totp_last_step")?,
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
    })
}

/// Records a TOTP step as used, unless a concurrent sign-in used it (or a later one) first.
pub async fn use_totp_step(tx: &mut Tx, account_id: i64, step: i64) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses a recovery code, once.
pub async fn use_recovery_code(tx: &mut Tx, account_id: i64, code: &str) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE account_id = $2 AND digest = $3 AND used_at IS NULL",
    )
    .bind(jiff::Timestamp::now().as_second())
    .bind(account_id)
    .bind(crate::identity::totp::recovery_code_digest(code))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns the second factor on with a new secret and ten recovery codes (replacing old ones);
/// the step of the code that proved the set-up is used up.
pub async fn enable_totp(
    tx: &mut Tx,
    fields: &FieldProtector,
    account_id: i64,
    secret: &[u8],
    recovery_codes: &[String],
    used_step: i64,
) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now().as_second();
    let secret = crate::identity::totp::secret_base32(secret);
    sqlx::query(
        "UPDATE accounts SET totp_secret_sealed = $1, totp_enabled_at = $2, totp_last_step = $3 WHERE id = $4",
    )
    .bind(fields.seal(field::TOTP, &secret)?)
    .bind(now)
    .bind(used_step)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    for code in recovery_codes {
        sqlx::query("INSERT INTO recovery_codes (account_id, digest) VALUES ($1, $2)")
            .bind(account_id)
            .bind(crate::identity::totp::recovery_code_digest(code))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Opens a sealed TOTP secret into its bytes.
pub fn open_totp_secret(fields: &FieldProtector, sealed: &str) -> anyhow::Result<Vec<u8>> {
    let text = fields.open(field::TOTP, sealed).map_err(|e| anyhow::anyhow!("TOTP secret: {e}"))?;
    base32_decode(&text).ok_or_else(|| anyhow::anyhow!("TOTP secret is not base32"))
}

/// A TOTP secret from its base32 text.
pub fn open_totp_secret_text(text: &str) -> Option<Vec<u8>> {
    base32_decode(text).filter(|bytes| bytes.len() >= 16)
}

/// RFC 4648 base32 without padding, as [`crate::identity::totp::secret_base32`] writes it.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())?;
        bits = (bits << 5) | value as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// Sets a new password and ends every session of the account.
pub async fn set_password(tx: &mut Tx, account_id: i64, password_hash: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = 0 WHERE id = $2")
        .bind(password_hash)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    crate::identity::session::end_all(tx, account_id).await?;
    Ok(())
}

/// What `user create` made.
#[derive(Debug)]
pub struct NewOfficer {
    /// The account id.
    pub account_id: i64,
    /// A one-time password, when the account is new.
    pub one_time_password: Option<String>,
    /// The TOTP secret, when the account is new.
    pub totp_secret: Option<[u8; 20]>,
}

/// Creates an officer (or adds a role to an existing one) with a one-time password that must
/// be changed at first sign-in and a TOTP secret already enrolled. `actor` is who grants
/// (`cli`, or the administrator's `officer:{id}`).
pub async fn create_officer(
    db: &Db,
    fields: &FieldProtector,
    email: &str,
    name: &str,
    grant: &crate::identity::roles::Grant,
    hasher: &crate::identity::password::PasswordHasher,
    actor: &str,
) -> anyhow::Result<NewOfficer> {
    // Hashing is slow; it happens before the transaction so the write lock is held briefly.
    let password = new_token()?.chars().take(16).collect::<String>();
    let hash = hasher.hash(&password).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let secret = crate::identity::totp::new_secret()?;
    let mut tx = db.begin().await?;
    let existing = sqlx::query("SELECT id, kind FROM accounts WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *tx)
        .await?;
    let (account_id, one_time_password, totp_secret) = match existing {
        Some(row) => {
            let kind: String = row.try_get("kind")?;
            anyhow::ensure!(
                kind == "officer",
                "{email} belongs to a citizen account; officers need their own account"
            );
            (row.try_get::<i64, _>("id")?, None, None)
        }
        None => {
            let now = jiff::Timestamp::now().as_second();
            let row = sqlx::query(
                "INSERT INTO accounts (kind, name, email, email_verified_at, password_hash, must_change_password, \
                                       totp_secret_sealed, totp_enabled_at, created_at) \
                 VALUES ('officer', $1, $2, $3, $4, 1, $5, $3, $3) RETURNING id",
            )
            .bind(name)
            .bind(email)
            .bind(now)
            .bind(&hash)
            .bind(fields.seal(field::TOTP, &crate::identity::totp::secret_base32(&secret))?)
            .fetch_one(&mut *tx)
            .await?;
            (row.try_get::<i64, _>("id")?, Some(password), Some(secret))
        }
    };
    crate::identity::roles::grant(&mut tx, account_id, grant).await?;
    let subject = format!("account/{account_id}");
    record(db, &mut tx, actor, "officer.grant", &format!("{subject}/{}", grant.role.as_str())).await?;
    tx.commit().await?;
    Ok(NewOfficer { account_id, one_time_password, totp_secret })
}

/// Every sealed column: its table, the field it is bound to, and which rows hold a value.
const SEALED_COLUMNS: [(&str, &str, &str, &str); 7] = [
    ("accounts", "nik_sealed", field::NIK, "nik_sealed IS NOT NULL"),
    ("accounts", "phone_sealed", field::PHONE, "phone_sealed IS NOT NULL"),
    ("accounts", "address_sealed", field::ADDRESS, "address_sealed IS NOT NULL"),
    ("accounts", "birth_date_sealed", field::BIRTH_DATE, "birth_date_sealed IS NOT NULL"),
    ("accounts", "totp_secret_sealed", field::TOTP, "totp_secret_sealed IS NOT NULL"),
    ("applications", "data_sealed", crate::services::applications::DATA_FIELD, "1 = 1"),
    ("mail_outbox", "to_address", crate::outbox::SMS_RECIPIENT_FIELD, "channel = 'sms' AND to_address <> ''"),
];

/// Re-seals every value sealed under an older key with the active one, in one transaction;
/// returns how many values changed.
pub async fn reseal_all(db: &Db, fields: &FieldProtector) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    let mut changed = 0;
    for (table, column, field_name, holds_value) in SEALED_COLUMNS {
        // Every part of these statements is a constant of this module.
        let select = format!("SELECT id, {column} AS sealed FROM {table} WHERE {holds_value}");
        let rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch_all(&mut *tx).await?;
        let update = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
        for row in rows {
            let sealed: String = row.try_get("sealed")?;
            if !fields.is_stale(&sealed) {
                continue;
            }
            let plain =
                fields.open(field_name, &sealed).map_err(|e| anyhow::anyhow!("{table}.{column}: {e}"))?;
            sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                .bind(fields.seal(field_name, &plain)?)
                .bind(row.try_get::<i64, _>("id")?)
                .execute(&mut *tx)
                .await?;
            changed += 1;
        }
    }
    record(db, &mut tx, "cli", "keys.rotate", &format!("field-key/{}", fields.active_key())).await?;
    tx.commit().await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips_what_totp_writes() {
        let secret: Vec<u8> = (0u8..20).collect();
        let text = crate::identity::totp::secret_base32(&secret);
        assert_eq!(base32_decode(&text), Some(secret));
        assert_eq!(base32_decode("not base32!"), None);
    }

    #[test]
    fn emails_are_checked_for_shape_only() {
        assert!(plausible_email("warga@example.id"));
        assert!(!plausible_email("warga@localhost"));
        assert!(!plausible_email("a b@example.id"));
        assert!(!plausible_email("a@b@example.id"));
        assert!(!plausible_email("@example.id"));
        assert_eq!(normalize_email(" Warga@Example.ID "), "warga@example.id");
    }
}
