//! The officers' side of complaints: the queue of reports routed to the agencies in their
//! scope (overdue ones marked), a report with its reporter (unless anonymous; the reading is
//! recorded), and the actions: take on or forward (disposisi), reject, report the follow-up.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::complaints::workflow::{self, Action, Refusal};
use crate::complaints::{self, Complaint};
use crate::error::{AppError, AppResult};
use crate::identity::roles::{Officer, Permission};
use crate::portal::routes::{render, render_status};
use crate::web::extract::{Form, Path, Query};
use crate::web::page::{Chrome, format_iso_date, format_timestamp};
use crate::web::{RequestContext, see_other};
use satupintu_rules::complaint::Status;

/// The region an officer's scope is checked against: the report's, else the installation's.
fn region_of(complaint: &Complaint, installation_region: &str) -> String {
    complaint.region_code.clone().unwrap_or_else(|| installation_region.to_string())
}

fn in_scope(officer: &Officer, complaint: &Complaint, installation_region: &str) -> bool {
    complaint.agency.as_ref().is_some_and(|(agency, _)| {
        officer
            .grant_for(
                Permission::HandleComplaints,
                &region_of(complaint, installation_region),
                Some(*agency),
            )
            .is_some()
    })
}

/// The queue's filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    status: Option<String>,
    terlambat: Option<u8>,
}

/// One row of the queue: number, title, topic, status, due date, overdue, received.
type Row = (i64, String, String, String, String, bool, String);

/// The queue page.
#[derive(Template)]
#[template(path = "complaints/queue.html")]
pub struct QueuePage {
    chrome: Chrome,
    rows: Vec<Row>,
    counts: Vec<(String, usize)>,
    statuses: Vec<(&'static str, String, bool)>,
    overdue_only: bool,
}

fn due_of(complaint: &Complaint) -> Option<&str> {
    match complaint.status {
        Status::Received => Some(&complaint.forward_due_on),
        Status::Forwarded => complaint.follow_up_due_on.as_deref(),
        Status::Done => complaint.confirm_due_on.as_deref(),
        Status::Closed | Status::Rejected => None,
    }
}

fn overdue(complaint: &Complaint, today: &str) -> bool {
    matches!(complaint.status, Status::Received | Status::Forwarded)
        && due_of(complaint).is_some_and(|d| d < today)
}

/// `GET /admin/pengaduan`: open reports of the agencies in the officer's scope, oldest
/// first, with counts and the overdue ones in red.
pub async fn queue(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<QueueQuery>,
) -> AppResult<Response> {
    officer.require(Permission::HandleComplaints)?;
    let lang = context.lang;
    let installation = crate::portal::store::installation(&state.db).await?;
    let today = crate::calendar::today_at(installation.utc_offset_hours).to_string();
    let agencies =
        crate::identity::roles::agencies_in_scope(&state.db, &officer, Permission::HandleComplaints).await?;
    // One query for every agency in scope (an empty list would mean any agency).
    let mut mine = Vec::new();
    if !agencies.is_empty() {
        let filter = complaints::Filter {
            agencies: agencies.iter().map(|(id, _)| *id).collect(),
            statuses: vec![Status::Received, Status::Forwarded, Status::Done],
            limit: 500 * agencies.len() as i64,
            ..complaints::Filter::default()
        };
        mine = complaints::list(&state, &filter, true)
            .await?
            .into_iter()
            .filter(|c| in_scope(&officer, c, &installation.region_code))
            .collect();
    }
    mine.sort_by_key(|c| (c.received_at, c.id));
    let counts = vec![
        (lang.t("complaint-status-received"), mine.iter().filter(|c| c.status == Status::Received).count()),
        (lang.t("complaint-status-forwarded"), mine.iter().filter(|c| c.status == Status::Forwarded).count()),
        (lang.t("complaint-status-done"), mine.iter().filter(|c| c.status == Status::Done).count()),
        (lang.t("complaint-overdue-count"), mine.iter().filter(|c| overdue(c, &today)).count()),
    ];
    let status = query.status.as_deref().filter(|s| !s.is_empty());
    let overdue_only = query.terlambat == Some(1);
    let rows = mine
        .iter()
        .filter(|c| status.is_none_or(|s| s == c.status.as_str()))
        .filter(|c| !overdue_only || overdue(c, &today))
        .map(|c| {
            (
                c.id,
                c.title.clone(),
                lang.pick(&c.topic_name.0, &c.topic_name.1).to_string(),
                lang.t(&format!("complaint-status-{}", c.status.as_str())),
                due_of(c).and_then(|d| format_iso_date(lang, d)).unwrap_or_default(),
                overdue(c, &today),
                format_timestamp(lang, c.received_at, installation.utc_offset_hours),
            )
        })
        .collect();
    let page = QueuePage {
        chrome: Chrome::new(&context, &installation, "admin", lang.t("complaint-queue-title")),
        rows,
        counts,
        statuses: ["received", "forwarded", "done"]
            .into_iter()
            .map(|s| (s, lang.t(&format!("complaint-status-{s}")), status == Some(s)))
            .collect(),
        overdue_only,
    };
    render(&page)
}

/// A report as the officer works on it.
#[derive(Template)]
#[template(path = "complaints/work.html")]
pub struct WorkPage {
    chrome: Chrome,
    csrf: String,
    id: i64,
    text: String,
    facts: Vec<(String, String)>,
    /// Name, email, phone, when not anonymous.
    reporter: Option<(String, String, String)>,
    timeline: Vec<(String, String, Option<String>)>,
    /// Agencies to forward to: id, name, current.
    agencies: Vec<(i64, String, bool)>,
    can_forward: bool,
    can_reject: bool,
    can_report_done: bool,
    error: Option<String>,
    note: String,
    /// The photos: position and link text.
    photos: Vec<(usize, String)>,
}

async fn work_page(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    complaint: &Complaint,
) -> AppResult<WorkPage> {
    let lang = context.lang;
    let installation = crate::portal::store::installation(&state.db).await?;
    let offset = installation.utc_offset_hours;
    let reporter = if complaint.anonymous {
        None
    } else {
        let who = workflow::reporter_of(state, complaint.id).await?;
        // Reading who reported is a read of personal data: it goes into the audit log.
        let mut tx = state.db.begin().await?;
        let entry = crate::audit::Entry {
            actor: &officer.principal.actor(),
            action: "complaint.read_reporter",
            subject: &format!("complaint/{}", complaint.id),
            digest: crate::audit::store::digest_of(&complaint.id),
        };
        crate::audit::append(&state.db, &mut tx, &entry).await?;
        tx.commit().await?;
        Some((who.name, who.email.unwrap_or_default(), who.phone.unwrap_or_default()))
    };
    let timeline = crate::complaints::routes::timeline_rows(state, lang, complaint.id, offset).await?;
    let current = complaint.agency.as_ref().map(|a| a.0);
    let agencies = sqlx::query("SELECT id, name FROM agencies ORDER BY name")
        .fetch_all(state.db.pool())
        .await?
        .iter()
        .map(|r| {
            let id: i64 = sqlx::Row::try_get(r, "id")?;
            Ok((id, sqlx::Row::try_get(r, "name")?, Some(id) == current))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut facts = vec![
        (
            lang.t("complaint-category"),
            lang.t(&format!("complaint-category-{}", complaint.category.as_str())),
        ),
        (lang.t("complaint-topic"), lang.pick(&complaint.topic_name.0, &complaint.topic_name.1).to_string()),
        (lang.t("complaint-status"), lang.t(&format!("complaint-status-{}", complaint.status.as_str()))),
        (lang.t("complaint-received"), format_timestamp(lang, complaint.received_at, offset)),
    ];
    if let Some(due) = due_of(complaint).and_then(|d| format_iso_date(lang, d)) {
        facts.push((lang.t("complaint-due"), due));
    }
    if let Some(region) = &complaint.region_name {
        facts.push((lang.t("complaint-region"), region.clone()));
    }
    if let Some(address) = &complaint.address {
        facts.push((lang.t("complaint-address"), address.clone()));
    }
    if let Some((lat, lon)) = complaint.position {
        facts.push((lang.t("complaint-position"), format!("{lat}, {lon}")));
    }
    let privacy = match (complaint.confidential, complaint.anonymous) {
        (true, true) => lang.t("complaint-privacy-both"),
        (true, false) => lang.t("complaint-confidential"),
        (false, true) => lang.t("complaint-anonymous"),
        (false, false) => lang.t("complaint-privacy-public"),
    };
    facts.push((lang.t("complaint-privacy"), privacy));
    Ok(WorkPage {
        chrome: Chrome::new(
            context,
            &installation,
            "admin",
            format!("#{} {}", complaint.id, complaint.title),
        ),
        csrf: officer.csrf.clone(),
        id: complaint.id,
        text: complaint.text.clone(),
        facts,
        reporter,
        timeline,
        agencies,
        can_forward: matches!(complaint.status, Status::Received | Status::Forwarded),
        can_reject: complaint.status == Status::Received,
        can_report_done: complaint.status == Status::Forwarded,
        error: None,
        note: String::new(),
        photos: crate::complaints::routes::photo_links(state, lang, complaint).await?,
    })
}

pub(crate) async fn scoped(state: &AppState, officer: &Officer, id: &str) -> AppResult<Complaint> {
    officer.require(Permission::HandleComplaints)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let complaint = complaints::load(state, id).await?.ok_or(AppError::NotFound)?;
    let installation = crate::portal::store::installation(&state.db).await?;
    if !in_scope(officer, &complaint, &installation.region_code) {
        // Outside the officer's scope: as good as not there.
        return Err(AppError::NotFound);
    }
    Ok(complaint)
}

/// `GET /admin/pengaduan/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let complaint = scoped(&state, &officer, &id).await?;
    render(&work_page(&state, &context, &officer, &complaint).await?)
}

/// An officer's action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionForm {
    tindakan: String,
    #[serde(default)]
    catatan: String,
    #[serde(default)]
    instansi: Option<i64>,
}

/// `POST /admin/pengaduan/{id}/tindakan`: `teruskan` (with `instansi`), `tolak` or `selesai`.
pub async fn act(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let complaint = scoped(&state, &officer, &id).await?;
    let note = form.catatan.clone();
    let action = match form.tindakan.as_str() {
        "teruskan" => Action::Forward {
            agency_id: form
                .instansi
                .or(complaint.agency.as_ref().map(|a| a.0))
                .ok_or(AppError::malformed("instansi"))?,
            note: note.clone(),
        },
        "tolak" => Action::Reject { note: note.clone() },
        "selesai" => Action::Done { note: note.clone() },
        _ => return Err(AppError::malformed("tindakan")),
    };
    match workflow::act(&state, complaint.id, &officer.principal.actor(), action).await? {
        Ok(_) => Ok(see_other(&format!("/admin/pengaduan/{}", complaint.id))),
        Err(refusal) => {
            let mut page = work_page(&state, &context, &officer, &complaint).await?;
            let (key, status) = match refusal {
                Refusal::NotNow => ("complaint-refused-not-now", StatusCode::CONFLICT),
                Refusal::NoteRequired => ("complaint-refused-note", StatusCode::BAD_REQUEST),
                Refusal::UnknownAgency => ("complaint-error-choice", StatusCode::BAD_REQUEST),
            };
            page.error = Some(context.lang.t(key));
            page.note = note;
            render_status(&page, status)
        }
    }
}

/// One line of the SLA report: an agency and a topic.
pub struct SlaLine {
    agency: String,
    topic: String,
    reports: usize,
    /// Forwarded within 3 working days: of those forwarded, and the share (percent).
    forwarded_in_time: (usize, usize, String),
    /// Followed up within 5 working days of forwarding.
    followed_up_in_time: (usize, usize, String),
    /// Median working days to forward and to follow up.
    median_forward: String,
    median_follow_up: String,
    open_overdue: usize,
}

/// The SLA report page.
#[derive(Template)]
#[template(path = "complaints/sla.html")]
pub struct SlaPage {
    chrome: Chrome,
    lines: Vec<SlaLine>,
    overdue: Vec<Row>,
    days: i64,
}

/// The report's period.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaQuery {
    hari: Option<i64>,
}

fn median(values: &mut [u32]) -> String {
    if values.is_empty() {
        return "–".into();
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    let value = if values.len().is_multiple_of(2) {
        f64::from(values[middle - 1] + values[middle]) / 2.0
    } else {
        f64::from(values[middle])
    };
    format!("{value:.1}")
}

fn share(part: usize, whole: usize) -> String {
    if whole == 0 { "–".into() } else { format!("{:.0}%", part as f64 * 100.0 / whole as f64) }
}

/// `GET /admin/pengaduan/laporan`: per agency and topic in the officer's scope, over the last
/// `hari` days (default 90): reports, the share forwarded within 3 working days and followed
/// up within 5, median working days, and the open reports past their deadline.
pub async fn sla_report(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<SlaQuery>,
) -> AppResult<Response> {
    officer.require(Permission::HandleComplaints)?;
    let lang = context.lang;
    let days = query.hari.unwrap_or(90).clamp(1, 3660);
    let installation = crate::portal::store::installation(&state.db).await?;
    let offset = installation.utc_offset_hours;
    let today = crate::calendar::today_at(offset);
    let calendar = crate::calendar::load(&state.db).await?;
    let civil = satupintu_rules::calendar::LeavePolicy::CivilService;
    let since = jiff::Timestamp::now().as_second() - days * 24 * 3600;
    let agencies =
        crate::identity::roles::agencies_in_scope(&state.db, &officer, Permission::HandleComplaints).await?;
    let day_of = |seconds: i64| {
        jiff::Timestamp::from_second(seconds)
            .map(|t| {
                t.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(offset))).date()
            })
            .unwrap_or(today)
    };
    let mut lines = Vec::new();
    let mut overdue_rows = Vec::new();
    for (agency_id, agency) in &agencies {
        let filter = complaints::Filter {
            agencies: vec![*agency_id],
            since: Some(since),
            limit: 100_000,
            ..complaints::Filter::default()
        };
        let reports: Vec<Complaint> = complaints::list(&state, &filter, true)
            .await?
            .into_iter()
            .filter(|c| in_scope(&officer, c, &installation.region_code))
            .collect();
        // When each report was first forwarded and first followed up.
        let steps = sqlx::query(
            "SELECT e.complaint_id, e.kind, MIN(e.at) AS at FROM complaint_events e \
             JOIN complaints c ON c.id = e.complaint_id \
             WHERE c.agency_id = $1 AND c.received_at >= $2 AND e.kind IN ('forwarded', 'done') \
             GROUP BY e.complaint_id, e.kind",
        )
        .bind(agency_id)
        .bind(since)
        .fetch_all(state.db.pool())
        .await?;
        let mut first_at: std::collections::HashMap<(i64, String), i64> = std::collections::HashMap::new();
        for row in &steps {
            first_at.insert(
                (sqlx::Row::try_get(row, "complaint_id")?, sqlx::Row::try_get(row, "kind")?),
                sqlx::Row::try_get(row, "at")?,
            );
        }
        let step = |id: i64, kind: &str| first_at.get(&(id, kind.to_string())).copied();
        let mut topics: Vec<(String, String)> = reports
            .iter()
            .map(|c| (c.topic_code.clone(), lang.pick(&c.topic_name.0, &c.topic_name.1).to_string()))
            .collect();
        topics.sort();
        topics.dedup();
        for (code, topic_name) in topics {
            let of_topic: Vec<&Complaint> = reports.iter().filter(|c| c.topic_code == code).collect();
            let (mut to_forward, mut to_follow) = (Vec::new(), Vec::new());
            let (mut forwarded, mut forwarded_ok, mut followed, mut followed_ok) = (0, 0, 0, 0);
            for c in &of_topic {
                let received = day_of(c.received_at);
                if let Some(at) = step(c.id, "forwarded") {
                    let taken = calendar.working_days_between(received, day_of(at), civil);
                    to_forward.push(taken);
                    forwarded += 1;
                    forwarded_ok += usize::from(taken <= satupintu_rules::complaint::FORWARD_WORKING_DAYS);
                    if let Some(done) = step(c.id, "done") {
                        let taken = calendar.working_days_between(day_of(at), day_of(done), civil);
                        to_follow.push(taken);
                        followed += 1;
                        followed_ok +=
                            usize::from(taken <= satupintu_rules::complaint::FOLLOW_UP_WORKING_DAYS);
                    }
                }
            }
            lines.push(SlaLine {
                agency: agency.name.clone(),
                topic: topic_name,
                reports: of_topic.len(),
                forwarded_in_time: (forwarded_ok, forwarded, share(forwarded_ok, forwarded)),
                followed_up_in_time: (followed_ok, followed, share(followed_ok, followed)),
                median_forward: median(&mut to_forward),
                median_follow_up: median(&mut to_follow),
                open_overdue: of_topic.iter().filter(|c| overdue(c, &today.to_string())).count(),
            });
        }
        overdue_rows.extend(reports.iter().filter(|c| overdue(c, &today.to_string())).map(|c| {
            (
                c.id,
                c.title.clone(),
                lang.pick(&c.topic_name.0, &c.topic_name.1).to_string(),
                lang.t(&format!("complaint-status-{}", c.status.as_str())),
                due_of(c).and_then(|d| format_iso_date(lang, d)).unwrap_or_default(),
                true,
                format_timestamp(lang, c.received_at, offset),
            )
        }));
    }
    let page = SlaPage {
        chrome: Chrome::new(&context, &installation, "admin", lang.t("complaint-sla-title")),
        lines,
        overdue: overdue_rows,
        days,
    };
    render(&page)
}
