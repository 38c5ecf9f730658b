//! What happens to a report after it is filed, and the SLA clocks that watch it:
//!
//! - an officer of the agency it is routed to verifies it and takes it on (or forwards it to
//!   another agency, a disposisi, with a reason), or rejects it with a reason the reporter sees;
//! - the agency reports its follow-up; only the reporter can then close it (confirm) or
//!   reopen it (dispute, which escalates to the supervisors); silence closes it after 10
//!   working days. An officer alone never closes a report.
//! - clocks: a report not forwarded within 3 working days, or not followed up within 5 after
//!   forwarding, is escalated once to the agency's supervisors.
//!
//! Every step is a conditional update on the status it starts from, so two officers (or two
//! nodes running the clocks) acting at once succeed once.

use sqlx::Row;

use crate::app::AppState;
use crate::complaints::{Reporter, add_event};
use crate::db::Tx;
use crate::i18n::Lang;
use crate::identity::roles::{Handler, Permission};
use satupintu_rules::complaint::{CONFIRM_WORKING_DAYS, FOLLOW_UP_WORKING_DAYS, Status};

/// What someone does to a report.
#[derive(Clone, Debug)]
pub enum Action {
    /// Verified: the agency takes it (or, to another agency, a disposisi).
    Forward {
        /// The agency that is to follow it up.
        agency_id: i64,
        /// Why (required when the agency changes).
        note: String,
    },
    /// Not a report that can be handled.
    Reject {
        /// Why, for the reporter.
        note: String,
    },
    /// The agency's follow-up, for the reporter to confirm or dispute.
    Done {
        /// What was done.
        note: String,
    },
    /// The reporter accepts the follow-up: closed.
    Confirm,
    /// The reporter does not accept it: back to the agency, escalated.
    Dispute {
        /// Why.
        note: String,
    },
}

impl Action {
    /// The status the action starts from.
    fn starts_from(&self) -> &'static [Status] {
        match self {
            Self::Forward { .. } => &[Status::Received, Status::Forwarded],
            Self::Reject { .. } => &[Status::Received],
            Self::Done { .. } => &[Status::Forwarded],
            Self::Confirm | Self::Dispute { .. } => &[Status::Done],
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Forward { .. } => "forwarded",
            Self::Reject { .. } => "rejected",
            Self::Done { .. } => "done",
            Self::Confirm => "confirmed",
            Self::Dispute { .. } => "disputed",
        }
    }
}

/// Why an action was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not possible from where the report stands (already done, closed, or acted on by
    /// someone else a moment ago).
    NotNow,
    /// A note is required (5 to 2,000 characters).
    NoteRequired,
    /// The agency does not exist.
    UnknownAgency,
}

/// Shortest and longest note.
const NOTE_CHARS: (usize, usize) = (5, 2000);

fn note_ok(note: &str) -> bool {
    let n = note.trim().chars().count();
    (NOTE_CHARS.0..=NOTE_CHARS.1).contains(&n)
}

/// Takes `action` on report `id`, as `actor`, if the report is where the action starts.
pub async fn act(
    state: &AppState,
    id: i64,
    actor: &str,
    action: Action,
) -> anyhow::Result<Result<Status, Refusal>> {
    let current = sqlx::query("SELECT status, agency_id, region_code FROM complaints WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?;
    let Some(current) = current else { return Ok(Err(Refusal::NotNow)) };
    let status = Status::parse(&current.try_get::<String, _>("status")?)
        .ok_or_else(|| anyhow::anyhow!("bad status"))?;
    let current_agency: Option<i64> = current.try_get("agency_id")?;
    if !action.starts_from().contains(&status) {
        return Ok(Err(Refusal::NotNow));
    }
    let note = match &action {
        Action::Forward { agency_id, note } => {
            // A disposisi (another agency) needs a reason; taking it on needs none.
            if Some(*agency_id) != current_agency && !note_ok(note) {
                return Ok(Err(Refusal::NoteRequired));
            }
            let known = sqlx::query("SELECT 1 FROM agencies WHERE id = $1")
                .bind(agency_id)
                .fetch_optional(state.db.pool())
                .await?;
            if known.is_none() {
                return Ok(Err(Refusal::UnknownAgency));
            }
            Some(note.trim().to_string()).filter(|n| !n.is_empty())
        }
        Action::Reject { note } | Action::Done { note } => {
            if !note_ok(note) {
                return Ok(Err(Refusal::NoteRequired));
            }
            Some(note.trim().to_string())
        }
        Action::Dispute { note } => {
            Some(note.trim().chars().take(NOTE_CHARS.1).collect::<String>()).filter(|n| !n.is_empty())
        }
        Action::Confirm => None,
    };
    let installation = crate::portal::store::installation(&state.db).await?;
    let today = crate::calendar::today_at(installation.utc_offset_hours);
    let calendar = crate::calendar::load(&state.db).await?;
    let civil = satupintu_rules::calendar::LeavePolicy::CivilService;
    let now = jiff::Timestamp::now().as_second();
    let reporter = reporter_of(state, id).await?;
    let policy = match &action {
        Action::Forward { agency_id, .. } => crate::calendar::policy_of_agency(&state.db, *agency_id).await?,
        _ => civil,
    };
    let region =
        current.try_get::<Option<String>, _>("region_code")?.unwrap_or(installation.region_code.clone());
    let heads = match (&action, current_agency) {
        (Action::Dispute { .. }, Some(agency)) => supervisors(state, agency, &region).await?,
        _ => Vec::new(),
    };
    let mut tx = state.db.begin().await?;
    let (changed, (new_status, agency)) = match &action {
        Action::Forward { agency_id, .. } => {
            let due = calendar.add_working_days(today, FOLLOW_UP_WORKING_DAYS, policy)?;
            let changed = sqlx::query(
                "UPDATE complaints SET status = 'forwarded', agency_id = $1, follow_up_due_on = $2, updated_at = $3, \
                 escalated_at = NULL WHERE id = $4 AND status = $5",
            )
            .bind(agency_id)
            .bind(due.to_string())
            .bind(now)
            .bind(id)
            .bind(status.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            (changed, (Status::Forwarded, Some(*agency_id)))
        }
        Action::Reject { .. } => (
            close(&mut tx, id, status, now, "rejected", "rejected").await?,
            (Status::Rejected, current_agency),
        ),
        Action::Done { .. } => {
            let due = calendar.add_working_days(today, CONFIRM_WORKING_DAYS, civil)?;
            let changed = sqlx::query(
                "UPDATE complaints SET status = 'done', confirm_due_on = $1, updated_at = $2 WHERE id = $3 AND status = 'forwarded'",
            )
            .bind(due.to_string())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            (changed, (Status::Done, current_agency))
        }
        Action::Confirm => {
            (close(&mut tx, id, status, now, "closed", "confirmed").await?, (Status::Closed, current_agency))
        }
        Action::Dispute { .. } => {
            let due = calendar.add_working_days(today, FOLLOW_UP_WORKING_DAYS, civil)?;
            let changed = sqlx::query(
                "UPDATE complaints SET status = 'forwarded', follow_up_due_on = $1, confirm_due_on = NULL, \
                 updated_at = $2, escalated_at = $2 WHERE id = $3 AND status = 'done'",
            )
            .bind(due.to_string())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            (changed, (Status::Forwarded, current_agency))
        }
    };
    if changed != 1 {
        return Ok(Err(Refusal::NotNow));
    }
    add_event(&mut tx, id, actor, action.kind(), agency, note.as_deref()).await?;
    let entry = crate::audit::Entry {
        actor,
        action: &format!("complaint.{}", action.kind()),
        subject: &format!("complaint/{id}"),
        digest: crate::audit::store::digest_of(&(action.kind(), agency, &note)),
    };
    crate::audit::append(&state.db, &mut tx, &entry).await?;
    // The reporter hears of each step that asks something of them or ends the report.
    if matches!(action, Action::Done { .. } | Action::Reject { .. } | Action::Forward { .. }) {
        tell_reporter(state, &mut tx, id, &reporter, action.kind()).await?;
    }
    tell_supervisors(state, &mut tx, id, &heads, "disputed").await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(Ok(new_status))
}

async fn close(tx: &mut Tx, id: i64, from: Status, now: i64, to: &str, how: &str) -> anyhow::Result<u64> {
    Ok(sqlx::query(
        "UPDATE complaints SET status = $1, closed_at = $2, closed_how = $3, updated_at = $2 WHERE id = $4 AND status = $5",
    )
    .bind(to)
    .bind(now)
    .bind(how)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The reporter's identity as given (sealed in the database).
pub async fn reporter_of(state: &AppState, id: i64) -> anyhow::Result<Reporter> {
    let sealed: Option<String> = sqlx::query_scalar("SELECT reporter_sealed FROM complaints WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?
        .flatten();
    Ok(match sealed {
        Some(sealed) => serde_json::from_str(&state.fields.open(super::REPORTER_FIELD, &sealed)?)?,
        None => Reporter::default(),
    })
}

async fn tell_reporter(
    state: &AppState,
    tx: &mut Tx,
    id: i64,
    reporter: &Reporter,
    kind: &str,
) -> anyhow::Result<()> {
    let Some(to) = reporter.email.clone() else { return Ok(()) };
    let lang = Lang::Id;
    let mail = crate::mail::OutgoingMail {
        to,
        subject: lang.t_args("complaint-mail-step-subject", &[("id", id.to_string())]),
        text: lang.t_args(
            "complaint-mail-step-body",
            &[
                ("id", id.to_string()),
                ("step", lang.t(&format!("complaint-step-{kind}"))),
                ("link", format!("{}/pengaduan/lacak", state.link_base)),
            ],
        ),
    };
    state.outbox.queue(tx, &mail).await
}

/// The supervisors and agency admins who oversee an agency's complaints in a region.
async fn supervisors(state: &AppState, agency_id: i64, region: &str) -> anyhow::Result<Vec<Handler>> {
    Ok(crate::identity::roles::handlers(&state.db, Permission::HandleComplaints, agency_id, region)
        .await?
        .into_iter()
        .filter(|h| h.heads)
        .collect())
}

/// Tells `heads` (in the app and by mail) why report `id` needs them.
async fn tell_supervisors(
    state: &AppState,
    tx: &mut Tx,
    id: i64,
    heads: &[Handler],
    why: &str,
) -> anyhow::Result<usize> {
    let lang = Lang::Id;
    let path = format!("/admin/pengaduan/{id}");
    let subject = lang.t_args(&format!("complaint-escalated-{why}"), &[("id", id.to_string())]);
    for head in heads {
        crate::services::notifications::record(tx, head.account_id, &subject, &path).await?;
        if let Some(to) = &head.email {
            let text = format!("{subject}\n\n{}{path}", state.link_base);
            state
                .outbox
                .queue(tx, &crate::mail::OutgoingMail { to: to.clone(), subject: subject.clone(), text })
                .await?;
        }
    }
    Ok(heads.len())
}

/// What one turn of the clocks did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// Reports closed because the reporter did not answer in time.
    pub closed: usize,
    /// Reports escalated because a deadline passed.
    pub escalated: usize,
}

/// One turn of the clocks: closes followed-up reports whose reporter stayed silent past the
/// deadline, and escalates (once) reports past their forwarding or follow-up deadline. Each
/// change is conditional on the state it found, so it happens once however many nodes run it.
pub async fn tick(state: &AppState) -> anyhow::Result<Tick> {
    let installation = crate::portal::store::installation(&state.db).await?;
    let today = crate::calendar::today_at(installation.utc_offset_hours).to_string();
    let now = jiff::Timestamp::now().as_second();
    let mut done = Tick::default();
    let silent: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM complaints WHERE status = 'done' AND confirm_due_on < $1 ORDER BY id LIMIT 500",
    )
    .bind(&today)
    .fetch_all(state.db.pool())
    .await?;
    for id in silent {
        let mut tx = state.db.begin().await?;
        let changed = sqlx::query(
            "UPDATE complaints SET status = 'closed', closed_at = $1, closed_how = 'silence', updated_at = $1 \
             WHERE id = $2 AND status = 'done' AND confirm_due_on < $3",
        )
        .bind(now)
        .bind(id)
        .bind(&today)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            continue;
        }
        add_event(&mut tx, id, "system:sla", "closed-silence", None, None).await?;
        let entry = crate::audit::Entry {
            actor: "system:sla",
            action: "complaint.closed_silence",
            subject: &format!("complaint/{id}"),
            digest: crate::audit::store::digest_of(&today),
        };
        crate::audit::append(&state.db, &mut tx, &entry).await?;
        tx.commit().await?;
        done.closed += 1;
    }
    let late = sqlx::query(
        "SELECT id, agency_id, region_code FROM complaints WHERE escalated_at IS NULL AND agency_id IS NOT NULL \
         AND ((status = 'received' AND forward_due_on < $1) OR (status = 'forwarded' AND follow_up_due_on < $1)) \
         ORDER BY id LIMIT 500",
    )
    .bind(&today)
    .fetch_all(state.db.pool())
    .await?;
    for row in late {
        let id: i64 = row.try_get("id")?;
        let agency: i64 = row.try_get("agency_id")?;
        let region =
            row.try_get::<Option<String>, _>("region_code")?.unwrap_or(installation.region_code.clone());
        let heads = supervisors(state, agency, &region).await?;
        let mut tx = state.db.begin().await?;
        let changed =
            sqlx::query("UPDATE complaints SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if changed != 1 {
            continue;
        }
        add_event(&mut tx, id, "system:sla", "escalated", Some(agency), None).await?;
        let told = tell_supervisors(state, &mut tx, id, &heads, "overdue").await?;
        let entry = crate::audit::Entry {
            actor: "system:sla",
            action: "complaint.escalated",
            subject: &format!("complaint/{id}"),
            digest: crate::audit::store::digest_of(&(&today, told)),
        };
        crate::audit::append(&state.db, &mut tx, &entry).await?;
        tx.commit().await?;
        done.escalated += 1;
    }
    if done != Tick::default() {
        state.outbox.wake();
    }
    Ok(done)
}
