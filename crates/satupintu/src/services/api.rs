//! Applications through the API: submit in one request (with an `Idempotency-Key`, so a
//! retry never makes a second application), read one, list one's own.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{AppError, AppResult, ParamProblem};
use crate::identity::session::{AccountKind, SignedIn};
use crate::services::applications::{self, Application, Status, SubmitRefusal};
use crate::services::catalogue;
use crate::web::RequestContext;
use crate::web::extract::{Json as JsonBody, Path};

/// The header that makes a submission safe to retry.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The body of `POST /api/v1/applications`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    /// The service's URL name.
    pub service: String,
    /// The answers, keyed by the field names of the service's form schema.
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
    /// `false` keeps it as a draft, to add its documents and submit it later; by default it
    /// is submitted at once.
    #[serde(default = "submit_by_default")]
    pub submit: bool,
}

fn submit_by_default() -> bool {
    true
}

/// An application as its citizen sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    /// The id.
    pub id: i64,
    /// The receipt number, once submitted.
    pub receipt: Option<String>,
    /// The service's URL name.
    pub service: String,
    /// The definition version it was made under.
    pub version: i64,
    /// `draft`, `in_progress`, `revision`, `approved`, `rejected` or `withdrawn`.
    pub status: String,
    /// The workflow step, while in progress.
    pub step: Option<String>,
    /// The SLA due date, `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// When it was submitted (RFC 3339).
    pub submitted_at: Option<String>,
    /// The answers.
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
    /// What happened, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// One line of the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// When (RFC 3339).
    pub at: String,
    /// `submitted`, `forwarded`, `revision_requested`, `resubmitted`, `approved`, `rejected`.
    pub kind: String,
    /// The step.
    pub step: Option<String>,
    /// The officer's note or reason.
    pub note: Option<String>,
}

/// A moment (unix seconds) as RFC 3339, as the API writes times.
pub(crate) fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map(|t| t.to_string()).unwrap_or_default()
}

async fn view(state: &AppState, application: &Application) -> AppResult<ApplicationView> {
    let timeline = applications::events(&state.db, application.id)
        .await?
        .into_iter()
        .map(|e| TimelineEntry { at: rfc3339(e.at), kind: e.kind, step: e.step, note: e.note })
        .collect();
    Ok(view_of(application, timeline))
}

fn view_of(application: &Application, timeline: Vec<TimelineEntry>) -> ApplicationView {
    ApplicationView {
        id: application.id,
        receipt: application.receipt.clone(),
        service: application.service_slug.clone(),
        version: application.version,
        status: application.status.as_str().to_string(),
        step: application.step.clone(),
        due_on: application.due_on.clone(),
        submitted_at: application.submitted_at.map(rfc3339),
        data: application.data.clone(),
        timeline,
    }
}

fn citizen_with_scope(signed_in: &SignedIn, scope: &str) -> AppResult<()> {
    if signed_in.principal.kind != AccountKind::Citizen || !signed_in.principal.has_scope(scope) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

fn idempotency_key(headers: &HeaderMap) -> AppResult<String> {
    let invalid = |problem| AppError::InvalidParameter { name: "Idempotency-Key".into(), problem };
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .ok_or_else(|| invalid(ParamProblem::Malformed))?
        .to_str()
        .map_err(|_| invalid(ParamProblem::Malformed))?
        .trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(invalid(ParamProblem::Malformed));
    }
    if key.len() > 200 {
        return Err(invalid(ParamProblem::TooLong { max: 200 }));
    }
    Ok(key.to_string())
}

fn created(view: ApplicationView, replayed: bool) -> Response {
    let location = format!("/api/v1/applications/{}", view.id);
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(axum::http::header::LOCATION, value);
    }
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// An application made earlier with this key: the same request gets the same answer; a
/// different request with the key is a conflict.
async fn replay(state: &AppState, account_id: i64, key: &str, digest: &str) -> AppResult<Option<Response>> {
    let row = sqlx::query(
        "SELECT id, idempotency_digest FROM applications WHERE account_id = $1 AND idempotency_key = $2",
    )
    .bind(account_id)
    .bind(key)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<Option<String>, _>("idempotency_digest")?.as_deref() != Some(digest) {
        tracing::info!(account = account_id, "idempotency key reused with another request");
        return Err(AppError::Conflict);
    }
    let application =
        applications::load(&state.db, &state.fields, row.try_get("id")?).await?.ok_or(AppError::NotFound)?;
    Ok(Some(created(view(state, &application).await?, true)))
}

/// Submits an application in one request: the answers are checked against the service's
/// form (422 naming every refused field), and a retry with the same `Idempotency-Key`
/// returns the first application instead of making a second. When the answers call for
/// documents, 422 names each (`required`): make a draft (`"submit": false`), attach them, and
/// submit it with `POST /api/v1/applications/{id}/submit`.
#[utoipa::path(post, path = "/api/v1/applications", tag = "services", request_body = NewApplication,
    security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "A unique key per intended application (1–200 visible ASCII characters); a retry sends the same key and body")),
    responses(
        (status = 201, body = ApplicationView, description = "Submitted (or, with `Idempotent-Replayed: true`, submitted earlier with this key)"),
        (status = 400, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    headers: HeaderMap,
    JsonBody(request): JsonBody<NewApplication>,
) -> AppResult<Response> {
    citizen_with_scope(&signed_in, "applications:write")?;
    let key = idempotency_key(&headers)?;
    let account_id = signed_in.principal.account_id;
    let digest = crate::audit::store::digest_of(&request);
    let offered = catalogue::offered(&state.db, &request.service).await?.ok_or(AppError::NotFound)?;
    let clean = offered.service.validate(&request.data).map_err(AppError::InvalidAnswers)?;
    let facts = crate::services::routes::SubmitFacts::load(&state, account_id, &request.service).await?;
    let now = jiff::Timestamp::now().as_second();
    let mut application = Application {
        id: 0,
        receipt: None,
        service_slug: request.service.clone(),
        version: offered.version,
        account_id,
        status: Status::Draft,
        step: None,
        data: clean,
        updated_at: now,
        submitted_at: None,
        due_on: None,
        service: offered.service,
    };
    // Nothing is attached yet: a service whose answers call for documents is applied for with
    // a draft, its attachments, and its own submission.
    if request.submit {
        let missing = crate::services::documents::missing_required(&application, &[]);
        if !missing.is_empty() {
            return Err(AppError::InvalidAnswers(crate::services::documents::missing_as_errors(&missing)));
        }
        // On PostgreSQL the id is known before the transaction, and the whole submission is
        // one statement in it.
        application.id = state.db.reserve_id("applications").await?.unwrap_or_default();
    }
    let creating = applications::Creating {
        service_id: offered.service_id,
        agency_id: offered.agency_id,
        region_code: facts.district().to_string(),
        idempotency_key: key.clone(),
        idempotency_digest: digest.clone(),
    };
    let (state_in, lang, actor, submit) =
        (state.clone(), context.lang, signed_in.principal.actor(), request.submit);
    let outcome = state
        .db
        .grouped(move |tx| {
            Box::pin(async move {
                let mut application = application;
                if !submit {
                    // A retry finds its key taken and is answered with the first application.
                    let Some(id) =
                        applications::insert_draft(tx, &state_in.fields, &application, &creating).await?
                    else {
                        return Ok(None);
                    };
                    application.id = id;
                    return Ok(Some((application, None)));
                }
                let submitted = crate::services::routes::submit_in(
                    &state_in,
                    tx,
                    lang,
                    &application,
                    Some(&creating),
                    &actor,
                    facts,
                )
                .await?;
                match submitted {
                    Ok(submitted) => {
                        application.id = submitted.id;
                        Ok(Some((application, Some(submitted))))
                    }
                    Err(SubmitRefusal::Invalid(errors)) => Err(AppError::InvalidAnswers(errors)),
                    // A new application is a draft: only a taken key refuses it.
                    Err(SubmitRefusal::NotDraft) => Ok(None),
                }
            })
        })
        .await?;
    let Some((mut application, submitted)) = outcome else {
        return replay(&state, account_id, &key, &digest).await?.ok_or(AppError::Conflict);
    };
    let Some(submitted) = submitted else {
        return Ok(created(view_of(&application, Vec::new()), false));
    };
    state.outbox.wake();
    // Answered from what was just written: the timeline is the one submission.
    application.status = Status::InProgress;
    application.receipt = Some(submitted.receipt);
    application.step = submitted.step.clone();
    application.due_on = Some(submitted.due_on);
    application.submitted_at = Some(submitted.at);
    application.updated_at = submitted.at;
    let timeline = vec![TimelineEntry {
        at: rfc3339(submitted.at),
        kind: "submitted".into(),
        step: submitted.step,
        note: None,
    }];
    Ok(created(view_of(&application, timeline), false))
}

/// One of the signed-in citizen's applications; or, with an officer's token with
/// `applications:handle`, a submitted application in the officer's scope (the reading is
/// logged where the citizen sees who accessed their data).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "services", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id")),
    responses(
        (status = 200, body = ApplicationView),
        (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Without the scope, or outside the officer's agencies and regions", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<ApplicationView>> {
    if signed_in.principal.kind == AccountKind::Officer {
        return officer_detail(&state, signed_in, &id).await;
    }
    citizen_with_scope(&signed_in, "applications:read")?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    match applications::load(&state.db, &state.fields, id).await? {
        Some(application) if application.account_id == signed_in.principal.account_id => {
            Ok(Json(view(&state, &application).await?))
        }
        _ => Err(AppError::NotFound),
    }
}

/// An application as an officer in scope reads it, logged like the workbench's page.
async fn officer_detail(state: &AppState, signed_in: SignedIn, id: &str) -> AppResult<Json<ApplicationView>> {
    // Officers work only with a second factor, through the API too.
    if !signed_in.principal.has_scope("applications:handle") || !signed_in.principal.second_factor {
        return Err(AppError::Forbidden);
    }
    let grants = crate::identity::roles::grants(&state.db, signed_in.principal.account_id).await?;
    let officer =
        crate::identity::roles::Officer { principal: signed_in.principal, csrf: signed_in.csrf, grants };
    let scoped = crate::services::workbench::scoped(state, &officer, id).await?;
    let subject = format!("application/{}", scoped.application.id);
    crate::services::workbench::log_opening(state, &officer, &scoped, " (API)", &subject).await?;
    Ok(Json(view(state, &scoped.application).await?))
}

/// An officer's workflow action on an application.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `forward`, `request_revision`, `approve` or `reject`, as the definition allows at the
    /// current step for the officer's role.
    pub action: String,
    /// The note: required (5 to 2000 characters) to ask for a correction or to reject; the
    /// citizen reads it.
    #[serde(default)]
    pub note: String,
}

/// Where an application stands after an officer's action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionResult {
    /// The application.
    pub id: i64,
    /// `in_progress`, `revision`, `approved` or `rejected`.
    pub status: String,
    /// The workflow step, while in progress.
    pub step: Option<String>,
}

/// Takes a workflow action on an application in the officer's scope (token scope
/// `applications:handle`). The same rules as the workbench: the step's role acts, two
/// officers acting at once succeed once, approval issues the signed document.
#[utoipa::path(post, path = "/api/v1/applications/{id}/actions", tag = "services", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id")),
    request_body = ActionRequest,
    responses(
        (status = 200, body = ActionResult),
        (status = 400, description = "The body is not JSON of this shape, or the action needs a note (`parameter`: `note`)", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside the officer's scope, or a token without `applications:handle`", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not an action allowed now at this step for this officer", body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn act(
    State(state): State<AppState>,
    context: RequestContext,
    officer: crate::identity::roles::Officer,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<ActionRequest>,
) -> AppResult<Json<ActionResult>> {
    if !officer.principal.has_scope("applications:handle") {
        return Err(AppError::Forbidden);
    }
    let scoped = crate::services::workbench::scoped(&state, &officer, &id).await?;
    let outcome = crate::services::workbench::perform(
        &state,
        context.lang,
        &officer,
        &scoped,
        &request.action,
        &request.note,
    )
    .await?;
    match outcome {
        Ok(_) => {
            let application = applications::load(&state.db, &state.fields, scoped.application.id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Json(ActionResult {
                id: application.id,
                status: application.status.as_str().to_string(),
                step: application.step,
            }))
        }
        Err(crate::services::workbench::Refusal::NotAllowed) => Err(AppError::Conflict),
        Err(crate::services::workbench::Refusal::NoteNeeded) => {
            Err(AppError::InvalidParameter { name: "note".into(), problem: ParamProblem::Malformed })
        }
    }
}

/// A stored document of an application.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    /// The requirement it answers.
    pub key: String,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// The type sniffed from the content.
    pub media_type: String,
    /// Its size in bytes.
    pub size_bytes: i64,
}

/// One's own application that may still change (a draft, or waiting for a correction).
async fn own_editable(state: &AppState, signed_in: &SignedIn, id: &str) -> AppResult<Application> {
    citizen_with_scope(signed_in, "applications:write")?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let application = applications::load(&state.db, &state.fields, id)
        .await?
        .filter(|a| a.account_id == signed_in.principal.account_id)
        .ok_or(AppError::NotFound)?;
    if !application.status.is_editable() {
        return Err(AppError::Conflict);
    }
    Ok(application)
}

/// Stores the document for one requirement of one's draft (or of an application waiting
/// for a correction), replacing an earlier one; the type is sniffed from the content.
#[utoipa::path(put, path = "/api/v1/applications/{id}/attachments/{key}", tag = "services", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id"), ("key" = String, Path, description = "The requirement's key in the service definition")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file (PDF, JPEG or PNG as the requirement accepts)"),
    responses(
        (status = 200, body = AttachmentView),
        (status = 400, description = "An empty body", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a citizen's token with `applications:write`", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one's application, or no such requirement for these answers", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already submitted and not waiting for a correction", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the requirement allows", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The content is none of the accepted types", body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn put_attachment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, key)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Json<AttachmentView>> {
    let application = own_editable(&state, &signed_in, &id).await?;
    let requirement = crate::services::documents::shown_requirements(&application)
        .into_iter()
        .find(|r| r.key == key)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let media_type =
        crate::services::documents::accept(&requirement, &body).map_err(|refusal| match refusal {
            crate::services::documents::UploadRefusal::Empty => {
                AppError::MalformedRequest("the body is empty".into())
            }
            crate::services::documents::UploadRefusal::TooLarge => AppError::PayloadTooLarge,
            crate::services::documents::UploadRefusal::WrongType => AppError::UnsupportedMediaType,
        })?;
    let upload = crate::web::extract::Upload { file_name: key.clone(), bytes: body };
    let actor = signed_in.principal.actor();
    let stored =
        crate::services::documents::attach(&state, &application, &key, upload, media_type, &actor).await?;
    Ok(Json(AttachmentView {
        key: stored.requirement_key,
        sha256: stored.sha256,
        media_type: stored.media_type,
        size_bytes: stored.size_bytes,
    }))
}

/// Submits one's draft (or sends back a corrected application) once every required document
/// the answers call for is attached; 422 names each missing one (`code` `required`).
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "services", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id")),
    responses(
        (status = 200, body = ApplicationView),
        (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a citizen's token with `applications:write`", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already submitted", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Answers or required documents missing", body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn submit(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<ApplicationView>> {
    let application = own_editable(&state, &signed_in, &id).await?;
    let uploaded = crate::services::attachments::of_application(&state.db, application.id).await?;
    let missing = crate::services::documents::missing_required(&application, &uploaded);
    if !missing.is_empty() {
        return Err(AppError::InvalidAnswers(crate::services::documents::missing_as_errors(&missing)));
    }
    let actor = signed_in.principal.actor();
    match crate::services::routes::submit_application(&state, context.lang, &application, &actor).await? {
        Ok(_) => {}
        Err(SubmitRefusal::Invalid(errors)) => return Err(AppError::InvalidAnswers(errors)),
        Err(SubmitRefusal::NotDraft) => return Err(AppError::Conflict),
    }
    let stored =
        applications::load(&state.db, &state.fields, application.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(view(&state, &stored).await?))
}
