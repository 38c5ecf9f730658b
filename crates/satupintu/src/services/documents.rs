//! The citizen's documents for an application: one upload per requirement (replaced by a
//! new one), its type read from the content and checked against the requirement, its size
//! against the requirement's limit; served only to the citizen and, logged, to officers in
//! scope.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use satupintu_rules::service::{MAX_UPLOAD_BYTES, Requirement};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::session::SignedIn;
use crate::portal::routes::{render, render_status};
use crate::services::applications::Application;
use crate::services::attachments::{self, Attachment};
use crate::services::pick;
use crate::web::extract::{Path, Upload};
use crate::web::page::Chrome;
use crate::web::{RequestContext, see_other};

/// The largest upload request: the largest file any requirement allows, and its form.
pub const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES as usize + 64 * 1024;

/// `1,5 MB`, `300 KB`.
pub fn format_size(lang: Lang, bytes: i64) -> String {
    let kb = bytes as f64 / 1024.0;
    let text =
        if kb >= 1024.0 { format!("{:.1} MB", kb / 1024.0) } else { format!("{} KB", kb.ceil() as i64) };
    if lang == Lang::Id { text.replace('.', ",") } else { text }
}

fn type_names(accept: &[String]) -> String {
    accept
        .iter()
        .map(|t| match t.as_str() {
            "application/pdf" => "PDF",
            "image/jpeg" => "JPG",
            "image/png" => "PNG",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One requirement on the documents page.
pub struct DocumentRow {
    key: String,
    label: String,
    hint: String,
    required: bool,
    uploaded: Option<String>,
    verdict: Option<String>,
    error: Option<String>,
}

/// The documents page.
#[derive(Template)]
#[template(path = "services/documents.html")]
pub struct DocumentsPage {
    chrome: Chrome,
    csrf: String,
    id: i64,
    rows: Vec<DocumentRow>,
}

/// An officer's check of an uploaded document, in words, with its note.
pub fn verdict_text(lang: Lang, attachment: &attachments::Attachment) -> Option<String> {
    let (verdict, note) = attachment.verdict.as_ref()?;
    let text = lang.t(&format!("docs-verdict-{verdict}"));
    Some(match note {
        Some(note) => format!("{text}: {note}"),
        None => text,
    })
}

/// The requirements asked for, given the answers so far.
pub fn shown_requirements(application: &Application) -> Vec<&Requirement> {
    let service = &application.service;
    service
        .definition
        .requirements
        .iter()
        .filter(|r| service.requirement_shown(r, &application.data))
        .collect()
}

/// The required documents the answers call for that are not among `uploaded`.
pub fn missing_required<'a>(
    application: &'a Application,
    uploaded: &[attachments::Attachment],
) -> Vec<&'a Requirement> {
    shown_requirements(application)
        .into_iter()
        .filter(|r| r.required && !uploaded.iter().any(|a| a.requirement_key == r.key))
        .collect()
}

/// The same as refusals of the API, each naming the requirement's key.
pub fn missing_as_errors(missing: &[&Requirement]) -> Vec<satupintu_rules::service::FieldError> {
    missing
        .iter()
        .map(|r| satupintu_rules::service::FieldError {
            field: r.key.clone(),
            problem: satupintu_rules::service::FieldProblem::Required,
        })
        .collect()
}

async fn documents_page(
    state: &AppState,
    context: &RequestContext,
    csrf: String,
    application: &Application,
    failed: Option<(&str, String)>,
) -> AppResult<DocumentsPage> {
    let lang = context.lang;
    let uploaded = attachments::of_application(&state.db, application.id).await?;
    let rows = shown_requirements(application)
        .into_iter()
        .map(|r| DocumentRow {
            key: r.key.clone(),
            label: pick(lang, &r.label),
            hint: lang.t_args(
                "docs-accept",
                &[("types", type_names(&r.accept)), ("size", format_size(lang, r.max_bytes as i64))],
            ),
            required: r.required,
            uploaded: uploaded
                .iter()
                .find(|a| a.requirement_key == r.key)
                .map(|a| format!("{} ({})", a.file_name, format_size(lang, a.size_bytes))),
            verdict: uploaded.iter().find(|a| a.requirement_key == r.key).and_then(|a| verdict_text(lang, a)),
            error: failed.as_ref().filter(|(key, _)| *key == r.key).map(|(_, message)| message.clone()),
        })
        .collect();
    let installation = crate::portal::store::installation(&state.db).await?;
    Ok(DocumentsPage {
        chrome: Chrome::new(context, &installation, "account", lang.t("docs-title")),
        csrf,
        id: application.id,
        rows,
    })
}

/// `GET /permohonan/{id}/dokumen`.
pub async fn page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let application = crate::services::routes::own(&state, &signed_in, &id).await?;
    if !application.status.is_editable() {
        return Ok(see_other(&format!("/permohonan/{}", application.id)));
    }
    render(&documents_page(&state, &context, signed_in.csrf, &application, None).await?)
}

/// Why an uploaded file is refused for a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadRefusal {
    /// No content.
    Empty,
    /// Larger than the requirement allows.
    TooLarge,
    /// Its content is none of the accepted types (whatever its name says).
    WrongType,
}

impl UploadRefusal {
    /// The HTTP status and the message in the reader's language.
    pub fn describe(self, lang: Lang, requirement: &Requirement) -> (StatusCode, String) {
        match self {
            UploadRefusal::Empty => (StatusCode::BAD_REQUEST, lang.t("docs-error-empty")),
            UploadRefusal::TooLarge => {
                let limit = format_size(lang, requirement.max_bytes as i64);
                (StatusCode::PAYLOAD_TOO_LARGE, lang.t_args("docs-error-size", &[("size", limit)]))
            }
            UploadRefusal::WrongType => {
                let types = type_names(&requirement.accept);
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, lang.t_args("docs-error-type", &[("types", types)]))
            }
        }
    }
}

/// The sniffed type of a file for a requirement, or why it is refused.
pub fn accept(requirement: &Requirement, bytes: &[u8]) -> Result<&'static str, UploadRefusal> {
    if bytes.is_empty() {
        return Err(UploadRefusal::Empty);
    }
    if bytes.len() as u64 > requirement.max_bytes {
        return Err(UploadRefusal::TooLarge);
    }
    attachments::sniff(bytes)
        .filter(|t| requirement.accept.iter().any(|a| a == t))
        .ok_or(UploadRefusal::WrongType)
}

/// Stores an accepted file as the application's document for `key`, with its audit entry.
pub async fn attach(
    state: &AppState,
    application: &Application,
    key: &str,
    upload: Upload,
    media_type: &str,
    actor: &str,
) -> AppResult<Attachment> {
    let size_bytes = i64::try_from(upload.bytes.len()).map_err(anyhow::Error::from)?;
    let sha256 = attachments::store_content(&state.data_dir, upload.bytes).await?;
    let file_name = if upload.file_name.trim().is_empty() { key.to_string() } else { upload.file_name };
    let attachment = Attachment {
        requirement_key: key.to_string(),
        sha256,
        media_type: media_type.into(),
        size_bytes,
        file_name,
        verdict: None,
    };
    let mut tx = state.db.begin().await?;
    attachments::record(&mut tx, application.id, &attachment).await?;
    let subject = format!("application/{}/{key}", application.id);
    let entry = crate::audit::Entry {
        actor,
        action: "application.attach",
        subject: &subject,
        digest: attachment.sha256.clone(),
    };
    crate::audit::append(&state.db, &mut tx, &entry).await?;
    tx.commit().await?;
    Ok(attachment)
}

/// `POST /permohonan/{id}/dokumen/{key}`: stores the file for one requirement.
pub async fn upload(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path((id, key)): Path<(String, String)>,
    upload: Upload,
) -> AppResult<Response> {
    let lang = context.lang;
    let csrf = signed_in.csrf.clone();
    let application = crate::services::routes::own(&state, &signed_in, &id).await?;
    if !application.status.is_editable() {
        return Err(AppError::Conflict);
    }
    let requirement = shown_requirements(&application)
        .into_iter()
        .find(|r| r.key == key)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let media_type = match accept(&requirement, &upload.bytes) {
        Ok(media_type) => media_type,
        Err(refusal) => {
            let (status, message) = refusal.describe(lang, &requirement);
            tracing::info!(application = application.id, requirement = %key, %status, "upload refused");
            let page = documents_page(&state, &context, csrf, &application, Some((&key, message))).await?;
            return render_status(&page, status);
        }
    };
    let actor = signed_in.principal.actor();
    attach(&state, &application, &key, upload, media_type, &actor).await?;
    Ok(see_other(&format!("/permohonan/{}/dokumen", application.id)))
}

/// The file of an attachment as a download.
pub async fn serve(state: &AppState, application_id: i64, key: &str) -> AppResult<Response> {
    let found = attachments::of_application(&state.db, application_id)
        .await?
        .into_iter()
        .find(|a| a.requirement_key == key);
    let attachment = found.ok_or(AppError::NotFound)?;
    let bytes = attachments::read_content(&state.data_dir, &attachment.sha256).await?;
    let mut response = bytes.into_response();
    if let Ok(value) = HeaderValue::from_str(&attachment.media_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    // The stored name may hold anything: the download is named by the requirement.
    let extension = match attachment.media_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{key}.{extension}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

/// `GET /permohonan/{id}/dokumen/{key}`: the citizen's own file.
pub async fn download(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, key)): Path<(String, String)>,
) -> AppResult<Response> {
    let application = crate::services::routes::own(&state, &signed_in, &id).await?;
    serve(&state, application.id, &key).await
}
