//! Mail that must not be lost: queued in the same transaction as the change that causes it,
//! sent after commit by a worker, and retried with back-off until the relay takes it. The
//! body is cleared once sent, since it may hold a single-use link.

use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;
use tokio::sync::Notify;

use crate::db::{Backend, Db, Tx};
use crate::mail::{Mailer, OutgoingMail};

/// The queue's sender side and the worker's wake-up call.
#[derive(Clone, Debug)]
pub struct Outbox {
    mailer: Mailer,
    wake: Arc<Notify>,
}

/// Most attempts before a message is left for an operator (about a day of back-off).
const MAX_ATTEMPTS: i64 = 12;

impl Outbox {
    /// An outbox that delivers through `mailer`.
    pub fn new(mailer: Mailer) -> Self {
        Self { mailer, wake: Arc::new(Notify::new()) }
    }

    /// Queues a message inside the caller's transaction; call [`Outbox::wake`] after commit.
    pub async fn queue(&self, tx: &mut Tx, mail: &OutgoingMail) -> anyhow::Result<()> {
        let now = jiff::Timestamp::now().as_second();
        sqlx::query(
            "INSERT INTO mail_outbox (to_address, subject, body, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Tells the worker that mail is waiting.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Sends what is due, then waits for new mail or the next retry, forever. Nothing is
    /// tried before the database is prepared (the queue's table may not exist yet).
    pub async fn run(self, db: Db, readiness: crate::ops::Readiness) {
        loop {
            if readiness.is_prepared()
                && let Err(e) = self.deliver_due(&db).await
            {
                tracing::warn!(error = %e, "mail delivery round failed");
            }
            let pause =
                if readiness.is_prepared() { Duration::from_secs(15) } else { Duration::from_secs(1) };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Sends every due message once; returns how many were sent.
    pub async fn deliver_due(&self, db: &Db) -> anyhow::Result<usize> {
        let mut sent = 0;
        while let Some((id, mail, attempts)) = claim_next(db).await? {
            let now = jiff::Timestamp::now().as_second();
            match self.mailer.send(&mail).await {
                Ok(()) => {
                    sqlx::query("UPDATE mail_outbox SET sent_at = $1, body = '' WHERE id = $2")
                        .bind(now)
                        .bind(id)
                        .execute(db.pool())
                        .await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(mail_id = id, attempts = attempts + 1, error = %e, "mail not delivered; will retry");
                    // The claim already pushed the next attempt out; nothing else to record.
                }
            }
        }
        Ok(sent)
    }
}

/// Takes the oldest due message and moves its next attempt out by an exponential back-off,
/// so that another node (or a crash) does not send it twice at once.
async fn claim_next(db: &Db) -> anyhow::Result<Option<(i64, OutgoingMail, i64)>> {
    let now = jiff::Timestamp::now().as_second();
    let mut tx = db.begin().await?;
    let pick = match db.backend() {
        Backend::Postgres => {
            "SELECT id, to_address, subject, body, attempts FROM mail_outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 \
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Backend::Sqlite => {
            "SELECT id, to_address, subject, body, attempts FROM mail_outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 ORDER BY id LIMIT 1"
        }
    };
    let Some(row) = sqlx::query(pick).bind(now).bind(MAX_ATTEMPTS).fetch_optional(&mut *tx).await? else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let attempts: i64 = row.try_get("attempts")?;
    let backoff = 30_i64.saturating_mul(1 << attempts.clamp(0, 12));
    sqlx::query("UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id = $2")
        .bind(now + backoff)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let mail = OutgoingMail {
        to: row.try_get("to_address")?,
        subject: row.try_get("subject")?,
        text: row.try_get("body")?,
    };
    Ok(Some((id, mail, attempts)))
}
