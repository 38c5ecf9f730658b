//! Applications: a citizen's draft, its answers (sealed at rest), submission with a receipt
//! number and an SLA due date, and the timeline the citizen follows. Every change is one
//! transaction with its audit entry.

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::Row;

use satupintu_rules::calendar::{Calendar, LeavePolicy};
use satupintu_rules::service::{CheckedService, FieldError};

use crate::audit;
use crate::db::{Backend, Db, Tx};
use crate::identity::protect::FieldProtector;
use crate::services::catalogue::{self, Offered};

/// The field name the answers are sealed under.
pub const DATA_FIELD: &str = "applications.data";

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being filled in by the citizen; nobody else sees it.
    Draft,
    /// Submitted; at a workflow step.
    InProgress,
    /// Waiting for the citizen to correct something (the SLA clock pauses).
    Revision,
    /// Approved; the document is issued.
    Approved,
    /// Rejected, with a reason.
    Rejected,
    /// Withdrawn by the citizen.
    Withdrawn,
}

impl Status {
    /// Whether the citizen may change the answers: a draft, or a correction asked for.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Revision)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InProgress => "in_progress",
            Self::Revision => "revision",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Reads the stored name.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        Ok(match text {
            "draft" => Self::Draft,
            "in_progress" => Self::InProgress,
            "revision" => Self::Revision,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "withdrawn" => Self::Withdrawn,
            other => anyhow::bail!("unknown application status {other}"),
        })
    }
}

/// An application with the definition it was made under.
#[derive(Clone, Debug)]
pub struct Application {
    /// The id.
    pub id: i64,
    /// The receipt number, once submitted.
    pub receipt: Option<String>,
    /// The service's URL name.
    pub service_slug: String,
    /// The definition's version.
    pub version: i64,
    /// The citizen's account.
    pub account_id: i64,
    /// Where it stands.
    pub status: Status,
    /// The workflow step, while in progress.
    pub step: Option<String>,
    /// The answers so far.
    pub data: Map<String, Value>,
    /// When it was last changed (unix seconds).
    pub updated_at: i64,
    /// When it was submitted (unix seconds).
    pub submitted_at: Option<i64>,
    /// The SLA due date, `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// The definition it is made under.
    pub service: std::sync::Arc<CheckedService>,
}

/// One line of an application's timeline.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// When (unix seconds).
    pub at: i64,
    /// `submitted`, `forwarded`, `revision_requested`, `resubmitted`, `approved`, `rejected`.
    pub kind: String,
    /// The step it happened at.
    pub step: Option<String>,
    /// The officer's note or reason, shown to the citizen.
    pub note: Option<String>,
}

/// What a new draft needs to know about its citizen.
#[derive(Clone, Copy, Debug)]
pub struct Applicant<'a> {
    /// The account.
    pub account_id: i64,
    /// The district of the citizen's NIK: officers' scope.
    pub region_code: &'a str,
}

fn seal(fields: &FieldProtector, data: &Map<String, Value>) -> anyhow::Result<String> {
    fields.seal(DATA_FIELD, &serde_json::to_string(data)?)
}

/// The citizen's open draft of this service, or a new one; returns its id.
pub async fn start_draft(
    db: &Db,
    tx: &mut Tx,
    fields: &FieldProtector,
    applicant: Applicant<'_>,
    slug: &str,
    offered: &Offered,
) -> anyhow::Result<i64> {
    let service = sqlx::query("SELECT id, agency_id FROM services WHERE slug = $1")
        .bind(slug)
        .fetch_one(&mut **tx)
        .await?;
    let service_id: i64 = service.try_get("id")?;
    let existing = sqlx::query(
        "SELECT id FROM applications WHERE account_id = $1 AND service_id = $2 AND service_version = $3 \
           AND status = 'draft' ORDER BY id DESC LIMIT 1",
    )
    .bind(applicant.account_id)
    .bind(service_id)
    .bind(offered.version)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = existing {
        return Ok(row.try_get("id")?);
    }
    let now = jiff::Timestamp::now().as_second();
    let row = sqlx::query(
        "INSERT INTO applications (service_id, service_version, agency_id, account_id, region_code, status, \
                                   data_sealed, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $7) RETURNING id",
    )
    .bind(service_id)
    .bind(offered.version)
    .bind(service.try_get::<i64, _>("agency_id")?)
    .bind(applicant.account_id)
    .bind(applicant.region_code)
    .bind(seal(fields, &Map::new())?)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let actor = format!("citizen:{}", applicant.account_id);
    record(db, tx, &actor, "application.start", id, &(slug, offered.version)).await?;
    Ok(id)
}

async fn record(
    db: &Db,
    tx: &mut Tx,
    actor: &str,
    action: &str,
    id: i64,
    content: &impl Serialize,
) -> anyhow::Result<()> {
    let subject = format!("application/{id}");
    let digest = audit::store::digest_of(content);
    audit::store::append_on_commit(db, tx, &audit::Entry { actor, action, subject: &subject, digest }).await
}

/// Loads an application with the definition of its version.
pub async fn load(db: &Db, fields: &FieldProtector, id: i64) -> anyhow::Result<Option<Application>> {
    let row = sqlx::query(
        "SELECT a.id, a.receipt, a.service_id, a.service_version, a.account_id, a.status, a.step, a.data_sealed, \
                a.updated_at, a.submitted_at, a.due_on, s.slug \
         FROM applications a JOIN services s ON s.id = a.service_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let service_id: i64 = row.try_get("service_id")?;
    let version: i64 = row.try_get("service_version")?;
    let service = catalogue::definition_at(db, service_id, version).await?;
    let data: Map<String, Value> =
        serde_json::from_str(&fields.open(DATA_FIELD, &row.try_get::<String, _>("data_sealed")?)?)?;
    Ok(Some(Application {
        id: row.try_get("id")?,
        receipt: row.try_get("receipt")?,
        service_slug: row.try_get("slug")?,
        version,
        account_id: row.try_get("account_id")?,
        status: Status::parse(&row.try_get::<String, _>("status")?)?,
        step: row.try_get("step")?,
        data,
        updated_at: row.try_get("updated_at")?,
        submitted_at: row.try_get("submitted_at")?,
        due_on: row.try_get("due_on")?,
        service,
    }))
}

/// Stores a draft's answers (only while it is a draft); false when it no longer is one.
pub async fn save_draft(
    db: &Db,
    fields: &FieldProtector,
    application: &Application,
    data: &Map<String, Value>,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE applications SET data_sealed = $1, updated_at = $2 WHERE id = $3 AND status IN ('draft', 'revision')",
    )
    .bind(seal(fields, data)?)
    .bind(jiff::Timestamp::now().as_second())
    .bind(application.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 1 {
        let actor = format!("citizen:{}", application.account_id);
        let digest_source = crate::digest::sha256_hex(serde_json::to_string(data)?.as_bytes());
        record(db, &mut tx, &actor, "application.save_draft", application.id, &digest_source).await?;
    }
    tx.commit().await?;
    Ok(changed == 1)
}

/// Why a submission did not go through.
#[derive(Debug)]
pub enum SubmitRefusal {
    /// Answers are missing or wrong.
    Invalid(Vec<FieldError>),
    /// It is no longer a draft (submitted twice, or from two tabs).
    NotDraft,
}

/// The receipt number of an application: `SP-{year}-{id, 6 digits}`.
pub fn receipt_number(year: i16, id: i64) -> String {
    format!("SP-{year}-{id:06}")
}

/// What a submission (or a resubmission) set.
#[derive(Clone, Debug)]
pub struct Submitted {
    /// The application's id.
    pub id: i64,
    /// The receipt number.
    pub receipt: String,
    /// The workflow step it went to.
    pub step: Option<String>,
    /// The SLA due date.
    pub due_on: String,
    /// When (unix seconds).
    pub at: i64,
}

/// How an SLA is counted: the holiday calendar, the agency's policy, and today's local date.
#[derive(Clone, Copy, Debug)]
pub struct SlaClock<'a> {
    /// The days off.
    pub calendar: &'a Calendar,
    /// Whether collective leave counts as working days.
    pub policy: LeavePolicy,
    /// Today at the installation.
    pub today: jiff::civil::Date,
}

/// The answers checked in full, or the refusal that names every wrong one.
fn checked_answers(application: &Application) -> Result<Map<String, Value>, SubmitRefusal> {
    application.service.validate(&application.data).map_err(SubmitRefusal::Invalid)
}

/// A new application made and submitted in one request (the API): what its row needs besides
/// the application itself. On PostgreSQL the application's id is reserved beforehand
/// ([`Db::reserve_id`]); on SQLite the insert gives it.
#[derive(Clone, Debug)]
pub struct Creating {
    /// The service's id.
    pub service_id: i64,
    /// The agency that handles it.
    pub agency_id: i64,
    /// The district of the citizen's NIK.
    pub region_code: String,
    /// The client's `Idempotency-Key`; a second row with it is never made.
    pub idempotency_key: String,
    /// The SHA-256 of the request, to tell a retry from another request with the same key.
    pub idempotency_digest: String,
}

/// Submits a draft in the caller's transaction: checks every answer, gives it a receipt
/// number, puts it at the workflow's first step with a due date `sla` working days after
/// `today`, and records the event, the citizen's notice (made by `notice` from what was set)
/// and the audit entry. With `creating`, the draft is made here too, unless its idempotency
/// key is taken: then the refusal is [`SubmitRefusal::NotDraft`] and nothing is written.
#[allow(clippy::too_many_arguments, reason = "the parts of one submission, each needed once")]
pub async fn submit(
    db: &Db,
    tx: &mut Tx,
    fields: &FieldProtector,
    application: &Application,
    creating: Option<&Creating>,
    clock: &SlaClock<'_>,
    actor: &str,
    notice: impl FnOnce(&Submitted) -> anyhow::Result<crate::services::NoticeRows>,
) -> anyhow::Result<Result<Submitted, SubmitRefusal>> {
    if application.status == Status::Revision {
        return resubmit(db, tx, fields, application, clock, actor, notice).await;
    }
    if application.status != Status::Draft {
        return Ok(Err(SubmitRefusal::NotDraft));
    }
    let clean = match checked_answers(application) {
        Ok(clean) => clean,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut id = application.id;
    if let (Backend::Sqlite, Some(creating)) = (db.backend(), creating) {
        match insert_draft(tx, fields, application, creating).await? {
            Some(inserted) => id = inserted,
            None => return Ok(Err(SubmitRefusal::NotDraft)),
        }
    }
    let definition = &application.service.definition;
    let due = clock.calendar.add_working_days(clock.today, definition.sla_working_days, clock.policy)?;
    let submitted = Submitted {
        id,
        receipt: receipt_number(clock.today.year(), id),
        step: definition.workflow.steps.first().map(|s| s.key.clone()),
        due_on: due.to_string(),
        at: jiff::Timestamp::now().as_second(),
    };
    let rows = notice(&submitted)?;
    let sealed = seal(fields, &clean)?;
    // The status condition makes a double submission (two tabs, a retry) succeed once.
    let changed = match db.backend() {
        // One statement, one round trip: submissions are the busiest write.
        Backend::Postgres => {
            let row = NewRow { application, creating };
            write_submission_at_once(tx, &sealed, &submitted, actor, &rows, row).await?
        }
        Backend::Sqlite => {
            let changed = mark_submitted(tx, &sealed, &submitted).await?;
            if changed == 1 {
                add_event(tx, id, actor, "submitted", submitted.step.as_deref(), None).await?;
                rows.write(tx).await?;
            }
            changed
        }
    };
    if changed != 1 {
        return Ok(Err(SubmitRefusal::NotDraft));
    }
    if creating.is_some() {
        tx.created(&format!("application/{id}"));
    }
    let data_digest = crate::digest::sha256_hex(serde_json::to_string(&clean)?.as_bytes());
    record(
        db,
        tx,
        actor,
        "application.submit",
        id,
        &(&submitted.receipt, &application.service_slug, application.version, data_digest),
    )
    .await?;
    Ok(Ok(submitted))
}

/// Inserts a new draft unless its idempotency key is taken; its id.
pub async fn insert_draft(
    tx: &mut Tx,
    fields: &FieldProtector,
    application: &Application,
    creating: &Creating,
) -> anyhow::Result<Option<i64>> {
    let inserted = sqlx::query(
        "INSERT INTO applications (service_id, service_version, agency_id, account_id, region_code, status, \
                                   data_sealed, created_at, updated_at, idempotency_key, idempotency_digest) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $7, $8, $9) \
         ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(creating.service_id)
    .bind(application.version)
    .bind(creating.agency_id)
    .bind(application.account_id)
    .bind(&creating.region_code)
    .bind(seal(fields, &application.data)?)
    .bind(application.updated_at)
    .bind(&creating.idempotency_key)
    .bind(&creating.idempotency_digest)
    .fetch_optional(&mut **tx)
    .await?;
    inserted.map(|row| row.try_get("id")).transpose().map_err(Into::into)
}

/// The update that submits a draft; how many rows it changed (0: not a draft any more).
async fn mark_submitted(tx: &mut Tx, sealed: &str, submitted: &Submitted) -> anyhow::Result<u64> {
    let sql = format!("{SUBMIT_DRAFT} WHERE id = $6 AND status = 'draft' RETURNING id");
    let changed = submission_query(sql, sealed, submitted).fetch_optional(&mut **tx).await?;
    Ok(u64::from(changed.is_some()))
}

/// A statement built on [`SUBMIT_DRAFT`]'s parameters, with them bound.
fn submission_query<'q>(
    sql: String,
    sealed: &'q str,
    submitted: &'q Submitted,
) -> sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&submitted.receipt)
        .bind(&submitted.step)
        .bind(submitted.at)
        .bind(&submitted.due_on)
        .bind(sealed)
        .bind(submitted.id)
}

/// The update that submits a draft: `$1` receipt, `$2` step, `$3` time, `$4` due date, `$5`
/// sealed answers (and `$6` the id, in the condition).
const SUBMIT_DRAFT: &str = "UPDATE applications SET status = 'in_progress', receipt = $1, step = $2, \
                            submitted_at = $3, updated_at = $3, due_on = $4, data_sealed = $5";

/// The row a PostgreSQL submission writes: a draft to update, or a new one to insert.
struct NewRow<'a> {
    application: &'a Application,
    creating: Option<&'a Creating>,
}

/// The submission's row (updated, or inserted already submitted), its timeline event, its
/// in-app notice and its message in one PostgreSQL statement; the inserts that follow happen
/// only if the row was written. How many rows that was (0: not a draft, or the key taken).
async fn write_submission_at_once(
    tx: &mut Tx,
    sealed: &str,
    submitted: &Submitted,
    actor: &str,
    rows: &crate::services::NoticeRows,
    row: NewRow<'_>,
) -> anyhow::Result<u64> {
    let written = match row.creating {
        Some(_) => {
            "INSERT INTO applications (id, receipt, step, submitted_at, updated_at, created_at, due_on, \
                                       data_sealed, status, account_id, service_id, service_version, agency_id, \
                                       region_code, idempotency_key, idempotency_digest) \
             VALUES ($6, $1, $2, $3, $3, $3, $4, $5, 'in_progress', $8, $16, $17, $18, $19, $20, $21) \
             ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING id"
                .to_string()
        }
        None => format!("{SUBMIT_DRAFT} WHERE id = $6 AND status = 'draft' RETURNING id"),
    };
    let sql = format!(
        "WITH app AS ({written}), \
              event AS (INSERT INTO application_events (application_id, at, actor, kind, step, note) \
                        SELECT id, $3, $7, 'submitted', $2, NULL FROM app), \
              notice AS (INSERT INTO notifications (account_id, created_at, title, link) \
                         SELECT $8, $3, $9, $10 FROM app), \
              message AS (INSERT INTO mail_outbox (channel, to_address, subject, body, created_at, next_attempt_at) \
                          SELECT $11, $12, $13, $14, $3, $3 FROM app WHERE $15) \
         SELECT COUNT(*) FROM app"
    );
    let message = rows.message.as_ref();
    let mut query = submission_query(sql, sealed, submitted)
        .bind(actor)
        .bind(rows.account_id)
        .bind(&rows.title)
        .bind(&rows.path)
        .bind(message.map_or("", |m| m.channel))
        .bind(message.map_or("", |m| m.to.as_str()))
        .bind(message.map_or("", |m| m.subject.as_str()))
        .bind(message.map_or("", |m| m.body.as_str()))
        .bind(message.is_some());
    if let Some(creating) = row.creating {
        query = query
            .bind(creating.service_id)
            .bind(row.application.version)
            .bind(creating.agency_id)
            .bind(&creating.region_code)
            .bind(&creating.idempotency_key)
            .bind(&creating.idempotency_digest);
    }
    Ok(u64::try_from(query.fetch_one(&mut **tx).await?)?)
}

/// Sends a corrected application back to the step that asked for the correction. The SLA
/// clock paused while the citizen had it: the due date moves by the working days it waited.
async fn resubmit(
    db: &Db,
    tx: &mut Tx,
    fields: &FieldProtector,
    application: &Application,
    clock: &SlaClock<'_>,
    actor: &str,
    notice: impl FnOnce(&Submitted) -> anyhow::Result<crate::services::NoticeRows>,
) -> anyhow::Result<Result<Submitted, SubmitRefusal>> {
    let clean = match checked_answers(application) {
        Ok(clean) => clean,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let row = sqlx::query("SELECT paused_on FROM applications WHERE id = $1")
        .bind(application.id)
        .fetch_one(&mut **tx)
        .await?;
    let paused_on = row
        .try_get::<Option<String>, _>("paused_on")?
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .unwrap_or(clock.today);
    let waited = clock.calendar.working_days_between(paused_on, clock.today, clock.policy);
    let due = match application.due_on.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok()) {
        Some(due) => clock.calendar.add_working_days(due, waited, clock.policy)?,
        None => clock.calendar.add_working_days(
            clock.today,
            application.service.definition.sla_working_days,
            clock.policy,
        )?,
    };
    let now = jiff::Timestamp::now().as_second();
    let changed = sqlx::query(
        "UPDATE applications SET status = 'in_progress', paused_on = NULL, due_on = $1, data_sealed = $2, \
           updated_at = $3 WHERE id = $4 AND status = 'revision'",
    )
    .bind(due.to_string())
    .bind(seal(fields, &clean)?)
    .bind(now)
    .bind(application.id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Ok(Err(SubmitRefusal::NotDraft));
    }
    add_event(tx, application.id, actor, "resubmitted", application.step.as_deref(), None).await?;
    let data_digest = crate::digest::sha256_hex(serde_json::to_string(&clean)?.as_bytes());
    record(db, tx, actor, "application.resubmit", application.id, &(waited, data_digest)).await?;
    let submitted = Submitted {
        id: application.id,
        receipt: application.receipt.clone().unwrap_or_default(),
        step: application.step.clone(),
        due_on: due.to_string(),
        at: now,
    };
    notice(&submitted)?.write(tx).await?;
    Ok(Ok(submitted))
}

/// Adds a line to the timeline.
pub async fn add_event(
    tx: &mut Tx,
    id: i64,
    actor: &str,
    kind: &str,
    step: Option<&str>,
    note: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor, kind, step, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(jiff::Timestamp::now().as_second())
    .bind(actor)
    .bind(kind)
    .bind(step)
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The timeline, oldest first.
pub async fn events(db: &Db, id: i64) -> anyhow::Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT at, kind, step, note FROM application_events WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Event {
                at: row.try_get("at")?,
                kind: row.try_get("kind")?,
                step: row.try_get("step")?,
                note: row.try_get("note")?,
            })
        })
        .collect()
}

/// One line of a citizen's list.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The id.
    pub id: i64,
    /// The receipt, once submitted.
    pub receipt: Option<String>,
    /// The service's name (Indonesian, English).
    pub service_name: (String, String),
    /// Where it stands.
    pub status: Status,
    /// Last change.
    pub updated_at: i64,
    /// Due date.
    pub due_on: Option<String>,
}

/// A citizen's applications, most recently changed first.
pub async fn list_for_account(db: &Db, account_id: i64) -> anyhow::Result<Vec<Summary>> {
    let rows = sqlx::query(
        "SELECT a.id, a.receipt, a.status, a.updated_at, a.due_on, s.name, s.name_en \
         FROM applications a JOIN services s ON s.id = a.service_id \
         WHERE a.account_id = $1 ORDER BY a.updated_at DESC, a.id DESC LIMIT 200",
    )
    .bind(account_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Summary {
                id: row.try_get("id")?,
                receipt: row.try_get("receipt")?,
                service_name: (row.try_get("name")?, row.try_get("name_en")?),
                status: Status::parse(&row.try_get::<String, _>("status")?)?,
                updated_at: row.try_get("updated_at")?,
                due_on: row.try_get("due_on")?,
            })
        })
        .collect()
}
