//! Mail and SMS that must not be lost: queued in the same transaction as the change that
//! causes them, sent after commit by a worker, and retried with back-off until the relay or
//! gateway takes them. The body is cleared once sent, since it may hold a single-use link;
//! an SMS recipient is stored sealed (a phone number is personal data) and cleared too.

use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;
use tokio::sync::Notify;

use crate::db::{Backend, Db, Tx};
use crate::identity::protect::FieldProtector;
use crate::mail::{Mailer, OutgoingMail};
use crate::sms::{OutgoingSms, SmsGateway};

/// The field name SMS recipients are sealed under.
pub const SMS_RECIPIENT_FIELD: &str = "mail_outbox.sms_to";

/// The queue's sender side and the worker's wake-up call.
#[derive(Clone, Debug)]
pub struct Outbox {
    mailer: Mailer,
    sms: SmsGateway,
    fields: Arc<FieldProtector>,
    wake: Arc<Notify>,
}

/// A queued message on its channel.
#[derive(Debug)]
enum Message {
    Mail(OutgoingMail),
    Sms(OutgoingSms),
}

/// Most attempts before a message is left for an operator (about a day of back-off).
const MAX_ATTEMPTS: i64 = 12;

impl Outbox {
    /// An outbox that delivers mail through `mailer` and SMS through `sms`; `fields` seals
    /// SMS recipients while they wait.
    pub fn new(mailer: Mailer, sms: SmsGateway, fields: Arc<FieldProtector>) -> Self {
        Self { mailer, sms, fields, wake: Arc::new(Notify::new()) }
    }

    /// Queues a mail inside the caller's transaction; call [`Outbox::wake`] after commit.
    pub async fn queue(&self, tx: &mut Tx, mail: &OutgoingMail) -> anyhow::Result<()> {
        insert(tx, &Self::mail_row(mail)).await
    }

    /// Queues an SMS inside the caller's transaction; call [`Outbox::wake`] after commit.
    pub async fn queue_sms(&self, tx: &mut Tx, sms: &OutgoingSms) -> anyhow::Result<()> {
        insert(tx, &self.sms_row(sms)?).await
    }

    /// The row that queues a mail, for a caller that writes it in a statement of its own.
    pub fn mail_row(mail: &OutgoingMail) -> QueuedMessage {
        QueuedMessage {
            channel: "email",
            to: mail.to.clone(),
            subject: mail.subject.clone(),
            body: mail.text.clone(),
        }
    }

    /// The row that queues an SMS, its recipient sealed.
    pub fn sms_row(&self, sms: &OutgoingSms) -> anyhow::Result<QueuedMessage> {
        let to = self.fields.seal(SMS_RECIPIENT_FIELD, &sms.to)?;
        Ok(QueuedMessage { channel: "sms", to, subject: String::new(), body: sms.text.clone() })
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

    /// Sends every due message once; returns how many were sent. Messages are claimed and
    /// marked sent in batches, so a burst of submissions costs the store two commits per
    /// batch rather than two per message.
    pub async fn deliver_due(&self, db: &Db) -> anyhow::Result<usize> {
        let mut sent = 0;
        loop {
            let batch = claim_batch(db).await?;
            if batch.is_empty() {
                return Ok(sent);
            }
            let mut delivered = Vec::with_capacity(batch.len());
            for row in &batch {
                let id: i64 = row.try_get("id")?;
                let attempts: i64 = row.try_get("attempts")?;
                let outcome = match self.message_of(row) {
                    Ok(Message::Mail(mail)) => self.mailer.send(&mail).await,
                    Ok(Message::Sms(sms)) => self.sms.send(&sms).await,
                    Err(e) => Err(e),
                };
                match outcome {
                    Ok(()) => delivered.push(id),
                    // The claim already pushed the next attempt out; nothing else to record.
                    Err(e) => {
                        tracing::warn!(message_id = id, attempts = attempts + 1, error = %e, "message not delivered; will retry");
                    }
                }
            }
            if !delivered.is_empty() {
                let now = jiff::Timestamp::now().as_second();
                // SMS recipients are personal data: cleared once sent; mail keeps its address.
                let done = format!(
                    "UPDATE mail_outbox SET sent_at = $1, body = '', \
                     to_address = CASE WHEN channel = 'sms' THEN '' ELSE to_address END WHERE id IN ({})",
                    id_list(&delivered)
                );
                sqlx::query(sqlx::AssertSqlSafe(done)).bind(now).execute(db.pool()).await?;
                sent += delivered.len();
            }
            if batch.len() < BATCH {
                return Ok(sent);
            }
        }
    }

    fn message_of(&self, row: &sqlx::any::AnyRow) -> anyhow::Result<Message> {
        let to: String = row.try_get("to_address")?;
        let text: String = row.try_get("body")?;
        Ok(match row.try_get::<String, _>("channel")?.as_str() {
            "sms" => Message::Sms(OutgoingSms { to: self.fields.open(SMS_RECIPIENT_FIELD, &to)?, text }),
            _ => Message::Mail(OutgoingMail { to, subject: row.try_get("subject")?, text }),
        })
    }
}

/// Messages claimed at once.
const BATCH: usize = 100;

/// Ids as an SQL list; they come from the database as integers, so nothing needs quoting.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

/// A message as the queue stores it: the recipient of an SMS is sealed.
pub struct QueuedMessage {
    /// `email` or `sms`.
    pub channel: &'static str,
    /// The address, or the sealed number.
    pub to: String,
    /// The mail's subject (empty for SMS).
    pub subject: String,
    /// The text.
    pub body: String,
}

pub(crate) async fn insert(tx: &mut Tx, message: &QueuedMessage) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now().as_second();
    sqlx::query(
        "INSERT INTO mail_outbox (channel, to_address, subject, body, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(message.channel)
    .bind(&message.to)
    .bind(&message.subject)
    .bind(&message.body)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes the oldest due messages and moves their next attempt out by an exponential
/// back-off, so that another node (or a crash) does not send them twice at once.
async fn claim_batch(db: &Db) -> anyhow::Result<Vec<sqlx::any::AnyRow>> {
    let now = jiff::Timestamp::now().as_second();
    let mut tx = db.begin().await?;
    let pick = match db.backend() {
        Backend::Postgres => {
            "SELECT id, channel, to_address, subject, body, attempts FROM mail_outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 \
             ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED"
        }
        Backend::Sqlite => {
            "SELECT id, channel, to_address, subject, body, attempts FROM mail_outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 ORDER BY id LIMIT $3"
        }
    };
    let rows = sqlx::query(pick).bind(now).bind(MAX_ATTEMPTS).bind(BATCH as i64).fetch_all(&mut *tx).await?;
    if rows.is_empty() {
        return Ok(rows);
    }
    // Grouped by attempts so far: the back-off doubles with each failure.
    let mut by_attempts = std::collections::BTreeMap::<i64, Vec<i64>>::new();
    for row in &rows {
        by_attempts.entry(row.try_get("attempts")?).or_default().push(row.try_get("id")?);
    }
    for (attempts, ids) in by_attempts {
        let backoff = 30_i64.saturating_mul(1 << attempts.clamp(0, 12));
        let claim = format!(
            "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN ({})",
            id_list(&ids)
        );
        sqlx::query(sqlx::AssertSqlSafe(claim)).bind(now + backoff).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(rows)
}
