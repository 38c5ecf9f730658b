//! Sign-in back-off, per account and per client address, kept in the database so every node
//! enforces the same windows. A few mistakes are free; after that each failure doubles the
//! wait, up to a quarter of an hour.

use sqlx::Row;

use crate::db::Db;

/// Failures allowed per account before waits start.
pub const FREE_ACCOUNT_FAILURES: i64 = 5;
/// Failures allowed per client address before waits start (shared offices, one NAT).
pub const FREE_ADDRESS_FAILURES: i64 = 30;
/// The longest wait, in seconds.
pub const MAX_WAIT_SECONDS: i64 = 15 * 60;

/// The throttle key of an account, by the email typed (so unknown emails are throttled the
/// same way as known ones, and the wait reveals nothing).
pub fn account_key(email: &str) -> String {
    format!("account:{}", crate::digest::sha256_hex(email.as_bytes()))
}

/// The throttle key of a client address.
pub fn address_key(address: std::net::IpAddr) -> String {
    format!("ip:{address}")
}

/// The wait after `failures` failures with `free` of them allowed.
pub fn wait_after(failures: i64, free: i64) -> i64 {
    if failures < free {
        0
    } else {
        let doublings = u32::try_from((failures - free).min(20)).unwrap_or(20);
        (1_i64 << doublings).min(MAX_WAIT_SECONDS)
    }
}

/// Seconds until the key may try again, 0 when it may now.
pub async fn wait_seconds(db: &Db, key: &str) -> anyhow::Result<i64> {
    let now = jiff::Timestamp::now().as_second();
    let row = sqlx::query("SELECT locked_until FROM login_throttle WHERE throttle_key = $1")
        .bind(key)
        .fetch_optional(db.pool())
        .await?;
    let locked_until: i64 = row.map(|r| r.try_get("locked_until")).transpose()?.unwrap_or(0);
    Ok((locked_until - now).max(0))
}

/// Records a failure and starts the wait it earns.
pub async fn record_failure(db: &Db, key: &str, free: i64) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now().as_second();
    let mut tx = db.begin().await?;
    // Failures older than the longest wait are forgotten.
    let previous: i64 =
        sqlx::query("SELECT failures, updated_at FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| -> anyhow::Result<i64> {
                let updated: i64 = r.try_get("updated_at")?;
                Ok(if now - updated > 24 * 60 * 60 { 0 } else { r.try_get("failures")? })
            })
            .transpose()?
            .unwrap_or(0);
    let failures = previous + 1;
    let locked_until = now + wait_after(failures, free);
    sqlx::query(
        "INSERT INTO login_throttle (throttle_key, failures, locked_until, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (throttle_key) DO UPDATE SET failures = $2, locked_until = $3, updated_at = $4",
    )
    .bind(key)
    .bind(failures)
    .bind(locked_until)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the failures of a key after a successful sign-in.
pub async fn clear(db: &Db, key: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key).execute(db.pool()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_the_free_failures_and_stop_growing() {
        assert_eq!(wait_after(4, 5), 0);
        assert_eq!(wait_after(5, 5), 1);
        assert_eq!(wait_after(6, 5), 2);
        assert_eq!(wait_after(9, 5), 16);
        assert_eq!(wait_after(40, 5), MAX_WAIT_SECONDS);
    }
}
