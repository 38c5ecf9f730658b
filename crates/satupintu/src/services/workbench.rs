//! The officer's workbench: the queue of applications in the officer's scope (agency and
//! region) with filters and counts, one application's page (its opening logged for the
//! citizen), and the workflow's actions: forward, ask for a correction (the SLA clock
//! pauses), approve, reject with a reason. Every action is one transaction with its event,
//! its audit entry and the citizen's notice.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use satupintu_rules::service::{APPROVED, Action, REJECTED};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::roles::{Grant, Officer, Permission, Role};
use crate::portal::routes::{render, render_status};
use crate::services::applications::{self, Application, Status};
use crate::services::pick;
use crate::web::extract::{Form, Path, Query};
use crate::web::page::{Chrome, format_iso_date, format_timestamp};
use crate::web::{RequestContext, see_other};

/// The grant under which the officer works on an application of `agency_id` in `region`.
fn grant_for<'a>(officer: &'a Officer, agency_id: i64, region: &str) -> Option<&'a Grant> {
    officer.grant_for(Permission::HandleApplications, region, Some(agency_id))
}

/// Whether a grant may act at a step that names `role`: the role itself, or the
/// installation's administrator.
fn acts_at(grant: &Grant, role: &str) -> bool {
    grant.role == Role::Admin || grant.role.as_str() == role
}

/// Filters of the queue.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// A service's slug.
    layanan: Option<String>,
    /// `in_progress` or `revision`.
    status: Option<String>,
    /// `1`: only those past their due date.
    terlambat: Option<u8>,
    /// `saya`: handled by me; `kosong`: handled by nobody yet.
    penanganan: Option<String>,
}

/// The queue page.
#[derive(Template)]
#[template(path = "admin/applications_list.html")]
pub struct QueuePage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    counts: Vec<(String, usize)>,
    services: Vec<(String, String, bool)>,
    statuses: Vec<(String, String, bool)>,
    overdue_only: bool,
    handling: Vec<(String, String, bool)>,
}

/// One application in the queue: no names, as personal data is shown (and logged) only on
/// the application's own page.
pub struct QueueRow {
    href: String,
    receipt: String,
    service: String,
    step: String,
    submitted: String,
    due: String,
    overdue: bool,
}

struct Queued {
    id: i64,
    receipt: String,
    service_slug: String,
    service_name: (String, String),
    /// The service and the version the application was made under (its workflow names the steps).
    service_version: (i64, i64),
    agency_id: i64,
    region_code: String,
    status: String,
    step: Option<String>,
    submitted_at: i64,
    due_on: Option<String>,
    assigned_to: Option<i64>,
}

async fn queue_rows(state: &AppState) -> anyhow::Result<Vec<Queued>> {
    let rows = sqlx::query(
        "SELECT a.id, a.receipt, s.slug, s.name, s.name_en, a.service_id, a.service_version, a.agency_id, \
                a.region_code, a.status, a.step, \
                a.submitted_at, a.due_on, a.assigned_to \
         FROM applications a JOIN services s ON s.id = a.service_id \
         WHERE a.status IN ('in_progress', 'revision') ORDER BY a.due_on, a.id LIMIT 2000",
    )
    .fetch_all(state.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Queued {
                id: row.try_get("id")?,
                receipt: row.try_get::<Option<String>, _>("receipt")?.unwrap_or_default(),
                service_slug: row.try_get("slug")?,
                service_name: (row.try_get("name")?, row.try_get("name_en")?),
                service_version: (row.try_get("service_id")?, row.try_get("service_version")?),
                agency_id: row.try_get("agency_id")?,
                region_code: row.try_get("region_code")?,
                status: row.try_get("status")?,
                step: row.try_get("step")?,
                submitted_at: row.try_get::<Option<i64>, _>("submitted_at")?.unwrap_or_default(),
                due_on: row.try_get("due_on")?,
                assigned_to: row.try_get("assigned_to")?,
            })
        })
        .collect()
}

/// `GET /admin/permohonan`: open applications in the officer's scope, most urgent first.
pub async fn queue(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<QueueQuery>,
) -> AppResult<Response> {
    officer.require(Permission::HandleApplications)?;
    let lang = context.lang;
    let installation = crate::portal::store::installation(&state.db).await?;
    let today = crate::calendar::today_at(installation.utc_offset_hours).to_string();
    let in_scope: Vec<Queued> = queue_rows(&state)
        .await?
        .into_iter()
        .filter(|a| grant_for(&officer, a.agency_id, &a.region_code).is_some())
        .collect();
    let is_overdue =
        |a: &Queued| a.status == "in_progress" && a.due_on.as_deref().is_some_and(|d| d < today.as_str());
    let mut services: Vec<(String, String, bool)> = Vec::new();
    for a in &in_scope {
        if !services.iter().any(|(slug, _, _)| slug == &a.service_slug) {
            let chosen = query.layanan.as_deref() == Some(a.service_slug.as_str());
            services.push((
                a.service_slug.clone(),
                lang.pick(&a.service_name.0, &a.service_name.1).to_string(),
                chosen,
            ));
        }
    }
    let counts = vec![
        (lang.t("work-count-open"), in_scope.len()),
        (lang.t("work-count-revision"), in_scope.iter().filter(|a| a.status == "revision").count()),
        (lang.t("work-count-overdue"), in_scope.iter().filter(|a| is_overdue(a)).count()),
    ];
    // Steps are shown by their names in the version each application was made under (each
    // version is read once per process).
    let mut definitions = std::collections::HashMap::new();
    for a in &in_scope {
        if let std::collections::hash_map::Entry::Vacant(slot) = definitions.entry(a.service_version) {
            let (service, version) = a.service_version;
            slot.insert(crate::services::catalogue::definition_at(&state.db, service, version).await?);
        }
    }
    let step_of = |a: &Queued| {
        let key = a.step.as_deref().unwrap_or_default();
        definitions
            .get(&a.service_version)
            .map(|service| crate::services::routes::step_name(lang, service, key))
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| key.to_string())
    };
    let rows = in_scope
        .iter()
        .filter(|a| query.layanan.as_deref().is_none_or(|s| s.is_empty() || s == a.service_slug))
        .filter(|a| query.status.as_deref().is_none_or(|s| s.is_empty() || s == a.status))
        .filter(|a| query.terlambat != Some(1) || is_overdue(a))
        .filter(|a| match query.penanganan.as_deref() {
            Some("saya") => a.assigned_to == Some(officer.principal.account_id),
            Some("kosong") => a.assigned_to.is_none(),
            _ => true,
        })
        .map(|a| QueueRow {
            href: format!("/admin/permohonan/{}", a.id),
            receipt: a.receipt.clone(),
            service: lang.pick(&a.service_name.0, &a.service_name.1).to_string(),
            step: if a.status == "revision" { lang.t("apply-status-revision") } else { step_of(a) },
            submitted: format_timestamp(lang, a.submitted_at, installation.utc_offset_hours),
            due: a.due_on.as_deref().and_then(|d| format_iso_date(lang, d)).unwrap_or_default(),
            overdue: is_overdue(a),
        })
        .collect();
    let statuses = ["in_progress", "revision"]
        .into_iter()
        .map(|s| (s.to_string(), lang.t(&format!("apply-status-{s}")), query.status.as_deref() == Some(s)))
        .collect();
    render(&QueuePage {
        chrome: Chrome::new(&context, &installation, "account", lang.t("work-title")),
        rows,
        counts,
        services,
        statuses,
        overdue_only: query.terlambat == Some(1),
        handling: ["", "saya", "kosong"]
            .into_iter()
            .map(|value| {
                let label = match value {
                    "saya" => lang.t("work-filter-mine"),
                    "kosong" => lang.t("work-filter-unassigned"),
                    _ => lang.t("work-filter-any"),
                };
                (value.to_string(), label, query.penanganan.as_deref().unwrap_or("") == value)
            })
            .collect(),
    })
}

/// One application as an officer sees it.
#[derive(Template)]
#[template(path = "admin/application_detail.html")]
pub struct DetailPage {
    chrome: Chrome,
    csrf: String,
    id: i64,
    receipt: String,
    status: String,
    step: String,
    due: String,
    answers: Vec<(String, String)>,
    documents: Vec<DocumentView>,
    actions: Vec<(String, String, bool)>,
    timeline: Vec<(String, String, Option<String>)>,
    error: Option<String>,
    issued: Option<crate::services::verify::Shown>,
    can_revoke: bool,
    revoke_error: Option<String>,
    assigned: String,
    claimable: bool,
    assignees: Vec<(i64, String, bool)>,
}

/// A requirement on the application's page: the file, the officer's check, and the form to
/// record it.
pub struct DocumentView {
    key: String,
    label: String,
    href: Option<String>,
    state: String,
    verdict: Option<String>,
    checkable: bool,
    error: Option<String>,
}

/// An application an officer may work on, and the grant that allows it.
pub(crate) struct Scoped {
    /// The application.
    pub application: Application,
    /// The grant.
    pub grant: Grant,
    /// The agency it is made to.
    pub agency_id: i64,
    /// The citizen's district.
    pub region: String,
    /// The officer handling it.
    pub assigned_to: Option<i64>,
}

/// The application `id` if the officer may handle it; drafts and other scopes are refused.
pub(crate) async fn scoped(state: &AppState, officer: &Officer, id: &str) -> AppResult<Scoped> {
    officer.require(Permission::HandleApplications)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let row =
        sqlx::query("SELECT agency_id, region_code, status, assigned_to FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(state.db.pool())
            .await?
            .ok_or(AppError::NotFound)?;
    // Drafts are the citizen's alone.
    if row.try_get::<String, _>("status")? == Status::Draft.as_str() {
        return Err(AppError::NotFound);
    }
    let agency_id: i64 = row.try_get("agency_id")?;
    let region: String = row.try_get("region_code")?;
    let Some(grant) = grant_for(officer, agency_id, &region).cloned() else {
        tracing::warn!(
            account = officer.principal.account_id,
            application = id,
            "application refused: out of scope"
        );
        return Err(AppError::Forbidden);
    };
    let application = applications::load(&state.db, &state.fields, id).await?.ok_or(AppError::NotFound)?;
    Ok(Scoped { application, grant, agency_id, region, assigned_to: row.try_get("assigned_to")? })
}

/// The actions this grant may take at the application's current step.
fn available_actions(scoped: &Scoped) -> Vec<(Action, String)> {
    let application = &scoped.application;
    if application.status != Status::InProgress {
        return Vec::new();
    }
    let Some(step) = application.step.as_deref() else { return Vec::new() };
    let workflow = &application.service.definition.workflow;
    let Some(step_def) = workflow.steps.iter().find(|s| s.key == step) else { return Vec::new() };
    if !acts_at(&scoped.grant, &step_def.role) {
        return Vec::new();
    }
    workflow.transitions.iter().filter(|t| t.from == step).map(|t| (t.action, t.to.clone())).collect()
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Forward => "forward",
        Action::RequestRevision => "request_revision",
        Action::Approve => "approve",
        Action::Reject => "reject",
    }
}

async fn detail_page(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    scoped: &Scoped,
    error: Option<String>,
) -> AppResult<DetailPage> {
    let lang = context.lang;
    let application = &scoped.application;
    let service = &application.service;
    let installation = crate::portal::store::installation(&state.db).await?;
    let step_name = |key: &str| crate::services::routes::step_name(lang, service, key);
    let answers = service
        .definition
        .form
        .pages
        .iter()
        .flat_map(|p| p.fields.iter())
        .filter_map(|f| {
            let value = application.data.get(f)?;
            let label = pick(lang, &service.definition.form.fields.get(f)?.label);
            Some((label, crate::services::routes::answer_text(lang, service, f, value)))
        })
        .collect();
    let actions = available_actions(scoped)
        .into_iter()
        .map(|(action, to)| {
            let label = match action {
                Action::Forward => lang.t_args("work-action-forward", &[("step", step_name(&to))]),
                other => lang.t(&format!("work-action-{}", action_name(other))),
            };
            (
                action_name(action).to_string(),
                label,
                matches!(action, Action::RequestRevision | Action::Reject),
            )
        })
        .collect();
    let timeline = crate::services::routes::timeline_rows(state, lang, application).await?;
    let uploaded = crate::services::attachments::of_application(&state.db, application.id).await?;
    let checking = application.status == Status::InProgress;
    let documents = crate::services::documents::shown_requirements(application)
        .into_iter()
        .map(|r| {
            let file = uploaded.iter().find(|a| a.requirement_key == r.key);
            DocumentView {
                key: r.key.clone(),
                label: pick(lang, &r.label),
                href: file.map(|_| format!("/admin/permohonan/{}/dokumen/{}", application.id, r.key)),
                state: file.map_or_else(
                    || lang.t("docs-missing"),
                    |a| {
                        format!(
                            "{} ({})",
                            a.file_name,
                            crate::services::documents::format_size(lang, a.size_bytes)
                        )
                    },
                ),
                verdict: file.and_then(|a| crate::services::documents::verdict_text(lang, a)),
                checkable: checking && file.is_some(),
                error: None,
            }
        })
        .collect();
    let assignees = assignees(state, scoped).await?;
    let assigned = scoped
        .assigned_to
        .and_then(|id| assignees.iter().find(|(a, _)| *a == id).map(|(_, name)| name.clone()))
        .unwrap_or_else(|| lang.t("work-unassigned"));
    let open = matches!(application.status, Status::InProgress | Status::Revision);
    let issued = crate::services::issued::of_application(&state.db, application.id).await?;
    let can_revoke = issued.as_ref().is_some_and(|d| {
        d.revoked.is_none()
            && officer.grant_for(Permission::RevokeDocuments, &d.region_code, Some(d.agency_id)).is_some()
    });
    Ok(DetailPage {
        issued: issued.map(|d| crate::services::verify::Shown::new(lang, &d, installation.utc_offset_hours)),
        can_revoke,
        revoke_error: None,
        assigned,
        claimable: open && scoped.assigned_to != Some(officer.principal.account_id),
        assignees: if open && assigns_others(&scoped.grant) {
            assignees.into_iter().map(|(id, name)| (id, name, scoped.assigned_to == Some(id))).collect()
        } else {
            Vec::new()
        },
        documents,
        chrome: Chrome::new(context, &installation, "account", pick(lang, &service.definition.name)),
        csrf: officer.csrf.clone(),
        id: application.id,
        receipt: application.receipt.clone().unwrap_or_default(),
        status: lang.t(&format!("apply-status-{}", application.status.as_str())),
        step: application.step.as_deref().map(step_name).unwrap_or_default(),
        due: application.due_on.as_deref().and_then(|d| format_iso_date(lang, d)).unwrap_or_default(),
        answers,
        actions,
        timeline,
        error,
    })
}

/// `GET /admin/permohonan/{id}`: the answers, logged as a read of the citizen's data.
pub async fn detail(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let scoped = scoped(&state, &officer, &id).await?;
    let application = &scoped.application;
    log_opening(&state, &officer, &scoped, "", &format!("application/{}", application.id)).await?;
    render(&detail_page(&state, &context, &officer, &scoped, None).await?)
}

/// Officers who may handle the application (by their roles' scope), with their names.
async fn assignees(state: &AppState, scoped: &Scoped) -> anyhow::Result<Vec<(i64, String)>> {
    let handlers = crate::identity::roles::handlers(
        &state.db,
        crate::identity::roles::Permission::HandleApplications,
        scoped.agency_id,
        &scoped.region,
    )
    .await?;
    Ok(handlers.into_iter().map(|h| (h.account_id, h.name)).collect())
}

/// Supervisors, agency admins and the installation's admin hand work to others; officers
/// take it for themselves.
fn assigns_others(grant: &Grant) -> bool {
    matches!(grant.role, Role::Supervisor | Role::AgencyAdmin | Role::Admin)
}

/// The assignment form: an officer's id, or `saya` for oneself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignForm {
    petugas: String,
}

/// `POST /admin/permohonan/{id}/tugaskan`: takes the application, or hands it to an officer
/// in scope.
pub async fn assign(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let scoped = scoped(&state, &officer, &id).await?;
    let me = officer.principal.account_id;
    let target = if form.petugas == "saya" {
        me
    } else {
        form.petugas.parse().map_err(|_| AppError::malformed("petugas"))?
    };
    if target != me && !assigns_others(&scoped.grant) {
        return Err(AppError::Forbidden);
    }
    if !assignees(&state, &scoped).await?.iter().any(|(id, _)| *id == target) {
        return Err(AppError::Forbidden);
    }
    let application = &scoped.application;
    let now = jiff::Timestamp::now().as_second();
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE applications SET assigned_to = $1, updated_at = $2 WHERE id = $3 AND status IN ('in_progress', 'revision')",
    )
    .bind(target)
    .bind(now)
    .bind(application.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(AppError::Conflict);
    }
    let actor = officer.principal.actor();
    let entry = crate::audit::Entry {
        actor: &actor,
        action: "application.assign",
        subject: &format!("application/{}", application.id),
        digest: crate::audit::store::digest_of(&target),
    };
    crate::audit::append(&state.db, &mut tx, &entry).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/admin/permohonan/{}", application.id)))
}

/// The result of checking one document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckForm {
    #[serde(default)]
    hasil: String,
    #[serde(default)]
    catatan: String,
}

/// `POST /admin/permohonan/{id}/dokumen/{key}/periksa`: records whether a document is right;
/// the citizen sees the result (and the note) on the documents page.
pub async fn check_document(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path((id, key)): Path<(String, String)>,
    Form(form): Form<CheckForm>,
) -> AppResult<Response> {
    let scoped = scoped(&state, &officer, &id).await?;
    let application = &scoped.application;
    if application.status != Status::InProgress {
        return Err(AppError::Conflict);
    }
    let note = form.catatan.trim();
    let length = note.chars().count();
    let valid = match form.hasil.as_str() {
        "ok" => length <= 500,
        "not_ok" => (5..=500).contains(&length),
        _ => false,
    };
    if !valid {
        let mut page = detail_page(&state, &context, &officer, &scoped, None).await?;
        if let Some(document) = page.documents.iter_mut().find(|d| d.key == key) {
            document.error = Some(context.lang.t("work-error-check-note"));
        }
        return render_status(&page, axum::http::StatusCode::BAD_REQUEST);
    }
    let actor = officer.principal.actor();
    let note = Some(note).filter(|n| !n.is_empty());
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE attachments SET verdict = $1, verdict_note = $2, verdict_by = $3, verdict_at = $4 \
         WHERE application_id = $5 AND requirement_key = $6",
    )
    .bind(&form.hasil)
    .bind(note)
    .bind(&actor)
    .bind(jiff::Timestamp::now().as_second())
    .bind(application.id)
    .bind(&key)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(AppError::NotFound);
    }
    let entry = crate::audit::Entry {
        actor: &actor,
        action: "application.check_document",
        subject: &format!("application/{}/{key}", application.id),
        digest: crate::audit::store::digest_of(&(&form.hasil, note)),
    };
    crate::audit::append(&state.db, &mut tx, &entry).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/admin/permohonan/{}#dokumen-{key}", application.id)))
}

/// The application's page again, with the revocation form's error (400).
pub(crate) async fn revoke_refused(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    scoped: &Scoped,
    message: String,
) -> AppResult<Response> {
    let mut page = detail_page(state, context, officer, scoped, None).await?;
    page.revoke_error = Some(message);
    render_status(&page, axum::http::StatusCode::BAD_REQUEST)
}

/// Records an officer's opening of an application (or of one of its documents) for the
/// citizen's "who accessed my data" page and the audit log.
pub(crate) async fn log_opening(
    state: &AppState,
    officer: &Officer,
    scoped: &Scoped,
    what: &str,
    subject: &str,
) -> AppResult<()> {
    let application = &scoped.application;
    let purpose = format!("permohonan {}{what}", application.receipt.clone().unwrap_or_default());
    let mut tx = state.db.begin().await?;
    crate::identity::officer::log_access(
        state,
        &mut tx,
        officer,
        &scoped.grant,
        application.account_id,
        &purpose,
        subject,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The action form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionForm {
    aksi: String,
    #[serde(default)]
    catatan: String,
}

/// Why a workflow action was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not an action this officer may take at the current step (or someone acted first).
    NotAllowed,
    /// A correction or a rejection needs a note of 5 to 2000 characters; any note at most 2000.
    NoteNeeded,
}

/// Takes one workflow action at the application's current step, in one transaction with its
/// event, its audit entry, the issued document on approval, and the citizen's notice.
pub(crate) async fn perform(
    state: &AppState,
    lang: Lang,
    officer: &Officer,
    scoped: &Scoped,
    name: &str,
    note: &str,
) -> AppResult<Result<Status, Refusal>> {
    let application = &scoped.application;
    let chosen = available_actions(scoped).into_iter().find(|(action, _)| action_name(*action) == name);
    let Some((action, to)) = chosen else {
        // Not allowed now: another officer acted first, or the role does not act at this step.
        tracing::info!(application = application.id, action = %name, "workflow action refused");
        return Ok(Err(Refusal::NotAllowed));
    };
    let note = note.trim();
    let needs_note = matches!(action, Action::RequestRevision | Action::Reject);
    if (needs_note && note.chars().count() < 5) || note.chars().count() > 2000 {
        return Ok(Err(Refusal::NoteNeeded));
    }
    let note = Some(note).filter(|n| !n.is_empty());
    let reachable =
        crate::identity::accounts::reachable(&state.db, &state.fields, application.account_id).await?;
    let current = application.step.clone().unwrap_or_default();
    let (status, step, event) = match action {
        Action::Forward => (Status::InProgress, Some(to.as_str()), "forwarded"),
        Action::RequestRevision => (Status::Revision, Some(current.as_str()), "revision_requested"),
        Action::Approve => (Status::Approved, None, APPROVED),
        Action::Reject => (Status::Rejected, None, REJECTED),
    };
    let now = jiff::Timestamp::now().as_second();
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    let today = crate::calendar::today_at(offset).to_string();
    let mut tx = state.db.begin().await?;
    // The condition on status and step makes two officers acting at once succeed once.
    let changed = sqlx::query(
        "UPDATE applications SET status = $1, step = $2, updated_at = $3, paused_on = $6 \
         WHERE id = $4 AND status = 'in_progress' AND step = $5",
    )
    .bind(status.as_str())
    .bind(step)
    .bind(now)
    .bind(application.id)
    .bind(&current)
    .bind((status == Status::Revision).then_some(today))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Ok(Err(Refusal::NotAllowed));
    }
    let actor = officer.principal.actor();
    applications::add_event(&mut tx, application.id, &actor, event, step, note).await?;
    let subject = format!("application/{}", application.id);
    let digest = crate::audit::store::digest_of(&(action_name(action), &current, step, note));
    crate::audit::append(
        &state.db,
        &mut tx,
        &crate::audit::Entry {
            actor: &actor,
            action: &format!("application.{}", action_name(action)),
            subject: &subject,
            digest,
        },
    )
    .await?;
    if action == Action::Approve {
        crate::services::issued::issue(state, &mut tx, application, &actor).await?;
    }
    notify(state, &mut tx, lang, application, event, reachable).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(Ok(status))
}

/// `POST /admin/permohonan/{id}/tindakan`: one workflow action at the current step.
pub async fn act(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let scoped = scoped(&state, &officer, &id).await?;
    match perform(&state, lang, &officer, &scoped, &form.aksi, &form.catatan).await? {
        Ok(_) => Ok(see_other(&format!("/admin/permohonan/{}", scoped.application.id))),
        Err(Refusal::NotAllowed) => Err(AppError::Conflict),
        Err(Refusal::NoteNeeded) => {
            let page =
                detail_page(&state, &context, &officer, &scoped, Some(lang.t("work-error-note"))).await?;
            render_status(&page, axum::http::StatusCode::BAD_REQUEST)
        }
    }
}

/// Tells the citizen that their application moved (by mail, or SMS without email).
pub(crate) async fn notify(
    state: &AppState,
    tx: &mut crate::db::Tx,
    lang: Lang,
    application: &Application,
    event: &str,
    reachable: Option<crate::identity::accounts::Reachable>,
) -> anyhow::Result<()> {
    let receipt = application.receipt.clone().unwrap_or_default();
    let path = format!("/permohonan/{}", application.id);
    let link = format!("{}{path}", state.link_base);
    let what = lang.t(&format!("notice-{event}"));
    let subject = lang.t_args("mail-update-subject", &[("receipt", receipt.clone())]);
    let notice = crate::services::Notice {
        path,
        title: format!("{subject}: {what}"),
        subject,
        body: lang.t_args(
            "mail-update-body",
            &[("receipt", receipt.clone()), ("what", what.clone()), ("link", link.clone())],
        ),
        sms: lang.t_args("sms-update", &[("receipt", receipt), ("what", what), ("link", link)]),
    };
    crate::services::notify_citizen(state, tx, application.account_id, reachable, notice).await
}

/// `GET /admin/permohonan/{id}/dokumen/{key}`: an attachment, for officers in scope; the
/// read is logged for the citizen like the application's opening.
pub async fn document(
    State(state): State<AppState>,
    officer: Officer,
    Path((id, key)): Path<(String, String)>,
) -> AppResult<Response> {
    let scoped = scoped(&state, &officer, &id).await?;
    let application = &scoped.application;
    let subject = format!("application/{}/{key}", application.id);
    log_opening(&state, &officer, &scoped, &format!(" ({key})"), &subject).await?;
    crate::services::documents::serve(&state, application.id, &key).await
}
