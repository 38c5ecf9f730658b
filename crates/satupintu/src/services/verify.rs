//! Checking issued documents, open to anyone: by the code printed in the document's QR link,
//! or by the file itself (its SHA-256 and its signature). The answer says valid, revoked or
//! unknown, with the document's title, number, agency, date and hash, and nothing about the
//! applicant. Also: the PDF for its citizen and for officers in scope, and revocation.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::roles::{Officer, Permission};
use crate::identity::session::SignedIn;
use crate::portal::routes::render_status;
use crate::services::issued::{self, Issued, display_code, normalize_code};
use crate::services::workbench;
use crate::web::extract::{Form, Path, PublicUpload, Query};
use crate::web::page::{Chrome, format_timestamp};
use crate::web::{RequestContext, see_other};

/// What a page shows of an issued document.
#[derive(Clone, Debug)]
pub struct Shown {
    /// The code, grouped.
    pub code: String,
    /// `valid` or `revoked`.
    pub status: &'static str,
    /// The status in words.
    pub status_text: String,
    /// The title.
    pub title: String,
    /// The number.
    pub number: String,
    /// The issuing agency.
    pub agency: String,
    /// When issued, in words.
    pub issued: String,
    /// The PDF's SHA-256.
    pub sha256: String,
    /// When and why it was revoked.
    pub revoked: Option<(String, String)>,
    /// The verification page.
    pub verify_href: String,
}

impl Shown {
    /// The document as shown in `lang`, times in the installation's zone.
    pub fn new(lang: Lang, issued: &Issued, utc_offset_hours: i8) -> Self {
        let status = if issued.revoked.is_some() { "revoked" } else { "valid" };
        Self {
            code: display_code(&issued.code),
            status,
            status_text: lang.t(&format!("docverify-status-{status}")),
            title: lang.pick(&issued.title.0, &issued.title.1).to_string(),
            number: issued.number.clone(),
            agency: lang.pick(&issued.agency_name.0, &issued.agency_name.1).to_string(),
            issued: format_timestamp(lang, issued.issued_at, utc_offset_hours),
            sha256: issued.sha256.clone(),
            revoked: issued
                .revoked
                .as_ref()
                .map(|(at, reason)| (format_timestamp(lang, *at, utc_offset_hours), reason.clone())),
            verify_href: format!("/verify/{}", issued.code),
        }
    }
}

/// The verification page: a code form, and the document when one is found.
#[derive(Template)]
#[template(path = "services/verify.html")]
pub struct VerifyPage {
    chrome: Chrome,
    typed: String,
    code_error: Option<String>,
    found: Option<Shown>,
    unknown: bool,
    /// The result of comparing an uploaded file: whether it is the document, and why not.
    comparison: Option<(bool, String)>,
    csrf: String,
}

async fn verify_page(state: &AppState, context: &RequestContext) -> AppResult<VerifyPage> {
    Ok(VerifyPage {
        chrome: crate::services::chrome(state, context, "verify", context.lang.t("docverify-title")).await?,
        typed: String::new(),
        code_error: None,
        found: None,
        unknown: false,
        comparison: None,
        csrf: String::new(),
    })
}

/// The code form's query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeQuery {
    kode: Option<String>,
}

/// `GET /verify`: type a code; a well-formed one leads to its page.
pub async fn lookup(
    State(state): State<AppState>,
    context: RequestContext,
    Query(query): Query<CodeQuery>,
) -> AppResult<Response> {
    let mut page = verify_page(&state, &context).await?;
    let Some(typed) = query.kode.map(|k| k.trim().to_owned()) else {
        return render_status(&page, StatusCode::OK);
    };
    match normalize_code(&typed) {
        Some(code) => Ok(see_other(&format!("/verify/{code}"))),
        None => {
            page.code_error = Some(context.lang.t("docverify-error-code"));
            page.typed = typed;
            render_status(&page, StatusCode::BAD_REQUEST)
        }
    }
}

/// The page of the document issued under `code`, and that document when there is one.
async fn document_page(
    state: &AppState,
    context: &RequestContext,
    code: &str,
) -> AppResult<(VerifyPage, Option<Issued>)> {
    let mut page = verify_page(state, context).await?;
    page.typed = display_code(code);
    let issued = issued::by_code(&state.db, code).await?;
    match &issued {
        Some(issued) => {
            let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
            page.found = Some(Shown::new(context.lang, issued, offset));
        }
        None => page.unknown = true,
    }
    Ok((page, issued))
}

/// `GET /verify/{code}`: the document's status (the QR code's link).
pub async fn by_code(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: crate::identity::session::Visitor,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let (mut page, _) = document_page(&state, &context, &code).await?;
    page.csrf = visitor.csrf;
    let status = if page.unknown { StatusCode::NOT_FOUND } else { StatusCode::OK };
    render_status(&page, status)
}

/// What comparing a file with the document issued under a code found.
enum Comparison {
    /// The very file.
    Same,
    /// Signed by us, but another document.
    Other,
    /// Changed after signing, or not signed by us at all.
    Altered(&'static str),
}

fn compare(issued: &Issued, bytes: &[u8]) -> Comparison {
    if crate::digest::sha256_hex(bytes) == issued.sha256 {
        return Comparison::Same;
    }
    match satupintu_docs::check(bytes) {
        Ok(_) => Comparison::Other,
        Err(satupintu_docs::Error::Invalid(reason)) => Comparison::Altered(reason),
        Err(_) => Comparison::Altered("the file carries no signature we can read"),
    }
}

/// `POST /verify/{code}`: compares an uploaded file with the document issued under the code.
pub async fn compare_upload(
    State(state): State<AppState>,
    context: RequestContext,
    Path(code): Path<String>,
    upload: PublicUpload,
) -> AppResult<Response> {
    let lang = context.lang;
    let (mut page, issued) = document_page(&state, &context, &code).await?;
    let Some(issued) = issued else {
        return render_status(&page, StatusCode::NOT_FOUND);
    };
    let (same, message, status) = match compare(&issued, &upload.0.bytes) {
        Comparison::Same => (true, lang.t("docverify-file-same"), StatusCode::OK),
        Comparison::Other => (false, lang.t("docverify-file-other"), StatusCode::UNPROCESSABLE_ENTITY),
        Comparison::Altered(reason) => {
            tracing::info!(code = %issued.code, reason, "a file that differs from its document was checked");
            (false, lang.t("docverify-file-altered"), StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    page.comparison = Some((same, message));
    render_status(&page, status)
}

/// The verification of a document, for the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// The verification code.
    pub code: String,
    /// `valid` or `revoked`.
    pub status: String,
    /// The document's title in Indonesian.
    pub title: String,
    /// The title in English.
    pub title_en: String,
    /// The document number.
    pub number: String,
    /// The issuing agency.
    pub agency: String,
    /// When it was issued (RFC 3339).
    pub issued_at: String,
    /// SHA-256 of the PDF, lowercase hex: a copy with another hash is not this document.
    pub sha256: String,
    /// When it was revoked (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// Why it was revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
}

impl From<Issued> for Verification {
    fn from(issued: Issued) -> Self {
        Self {
            status: if issued.revoked.is_some() { "revoked" } else { "valid" }.into(),
            code: issued.code,
            title: issued.title.0,
            title_en: issued.title.1,
            number: issued.number,
            agency: issued.agency_name.0,
            issued_at: crate::services::api::rfc3339(issued.issued_at),
            sha256: issued.sha256,
            revoked_at: issued.revoked.as_ref().map(|(at, _)| crate::services::api::rfc3339(*at)),
            revocation_reason: issued.revoked.map(|(_, reason)| reason),
        }
    }
}

/// `GET /api/v1/documents/{code}/verification`.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{code}/verification",
    tag = "documents",
    params(("code" = String, Path, description = "The verification code printed on the document (dashes optional)")),
    responses(
        (status = 200, description = "The document: valid or revoked", body = Verification),
        (status = 404, description = "No document has this code", body = crate::web::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn api_by_code(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Response> {
    let issued = issued::by_code(&state.db, &code).await?.ok_or(AppError::NotFound)?;
    Ok(axum::Json(Verification::from(issued)).into_response())
}

/// The largest file the API checks: far above any document we issue.
pub const MAX_CHECKED_BYTES: usize = 10 * 1024 * 1024;

/// `POST /api/v1/documents/verification`: is this file a document issued here, unchanged?
#[utoipa::path(
    post,
    path = "/api/v1/documents/verification",
    tag = "documents",
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The PDF to check"),
    responses(
        (status = 200, description = "The file is a document issued here, byte for byte", body = Verification),
        (status = 413, description = "Larger than any document issued here", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a document issued here, or changed after it was signed", body = crate::web::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn api_check_file(State(state): State<AppState>, body: axum::body::Bytes) -> AppResult<Response> {
    if body.len() > MAX_CHECKED_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let sha256 = crate::digest::sha256_hex(&body);
    match issued::by_sha256(&state.db, &sha256).await? {
        Some(issued) => Ok(axum::Json(Verification::from(issued)).into_response()),
        None => {
            let reason = match satupintu_docs::check(&body) {
                Ok(_) => "the file is signed but was not issued here",
                Err(satupintu_docs::Error::Invalid(reason)) => reason,
                Err(_) => "the file carries no signature we can read",
            };
            Err(AppError::DocumentNotIssued(reason))
        }
    }
}

/// The PDF as a download.
async fn pdf_response(state: &AppState, issued: &Issued) -> AppResult<Response> {
    let bytes = issued::read_pdf(&state.data_dir, issued).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    let name: String =
        issued.number.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.pdf\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

/// `GET /permohonan/{id}/surat`: the citizen's issued document.
pub async fn citizen_download(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let application = crate::services::routes::own(&state, &signed_in, &id).await?;
    let issued = issued::of_application(&state.db, application.id).await?.ok_or(AppError::NotFound)?;
    pdf_response(&state, &issued).await
}

/// `GET /admin/permohonan/{id}/surat`: the document, for officers in scope; the read is
/// logged for the citizen like the application's opening.
pub async fn officer_download(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let scoped = workbench::scoped(&state, &officer, &id).await?;
    let issued = issued::of_application(&state.db, scoped.application.id).await?.ok_or(AppError::NotFound)?;
    let subject = format!("document/{}", issued.code);
    workbench::log_opening(&state, &officer, &scoped, " (surat)", &subject).await?;
    pdf_response(&state, &issued).await
}

/// The revocation form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeForm {
    alasan: String,
}

/// `POST /admin/permohonan/{id}/surat/cabut`: revokes the document with a reason, which
/// verification shows from then on; the citizen is told.
pub async fn revoke(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> AppResult<Response> {
    let scoped = workbench::scoped(&state, &officer, &id).await?;
    let application = &scoped.application;
    let issued = issued::of_application(&state.db, application.id).await?.ok_or(AppError::NotFound)?;
    if officer.grant_for(Permission::RevokeDocuments, &issued.region_code, Some(issued.agency_id)).is_none() {
        return Err(AppError::Forbidden);
    }
    let reason = form.alasan.trim();
    if !(5..=500).contains(&reason.chars().count()) {
        let message = context.lang.t("work-error-revoke-reason");
        return workbench::revoke_refused(&state, &context, &officer, &scoped, message).await;
    }
    let reachable =
        crate::identity::accounts::reachable(&state.db, &state.fields, application.account_id).await?;
    let now = jiff::Timestamp::now().as_second();
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE issued_documents SET revoked_at = $1, revoked_reason = $2 WHERE code = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(&issued.code)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(AppError::Conflict);
    }
    let actor = officer.principal.actor();
    crate::services::applications::add_event(
        &mut tx,
        issued.application_id,
        &actor,
        "document_revoked",
        None,
        Some(reason),
    )
    .await?;
    crate::audit::append(
        &state.db,
        &mut tx,
        &crate::audit::Entry {
            actor: &actor,
            action: "document.revoke",
            subject: &format!("document/{}", issued.code),
            digest: crate::audit::store::digest_of(&reason),
        },
    )
    .await?;
    workbench::notify(&state, &mut tx, context.lang, application, "document_revoked", reachable).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(see_other(&format!("/admin/permohonan/{}", issued.application_id)))
}
