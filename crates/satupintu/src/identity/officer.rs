//! Officers' side of identity: looking up a citizen's record within one's scope (every read
//! logged for the citizen to see and entered in the audit log), and the API's sign-in.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::AppState;
use crate::error::{AppError, AppResult, ParamProblem};
use crate::identity::accounts::{self, field};
use crate::identity::roles::{Grant, Officer, Permission};
use crate::identity::routes::{FormField, FormPage, PersonalData, SignInRefusal, chrome, personal_data};
use crate::identity::session::{self, AccountKind, Credential, SignedIn};
use crate::web::RequestContext;
use crate::web::extract::{ClientAddress, Json as JsonBody, Query};

/// Longest stated purpose of a read.
const MAX_PURPOSE_CHARS: usize = 200;
/// Lifetime of a token from `POST /api/v1/auth/token`.
pub const API_TOKEN_SECONDS: i64 = 24 * 60 * 60;

/// Why an officer reads a citizen's record: required, shown to the citizen.
fn check_purpose(name: &str, purpose: &str) -> AppResult<String> {
    let purpose = purpose.trim();
    if purpose.chars().count() < 3 {
        return Err(AppError::malformed(name));
    }
    if purpose.chars().count() > MAX_PURPOSE_CHARS {
        return Err(AppError::InvalidParameter {
            name: name.into(),
            problem: ParamProblem::TooLong { max: MAX_PURPOSE_CHARS },
        });
    }
    Ok(purpose.to_string())
}

/// Opens a citizen's record for an officer: found by NIK (through the blind index), allowed
/// only when one of the officer's grants covers the citizen's region, and recorded in the
/// same transaction as an access-log row and an audit entry.
pub async fn read_citizen(
    state: &AppState,
    officer: &Officer,
    nik: &str,
    purpose: &str,
) -> AppResult<PersonalData> {
    let nik: String = nik.chars().filter(|c| !c.is_whitespace()).collect();
    let index = state.fields.blind_index(field::NIK, &nik);
    let row = sqlx::query("SELECT id, nik_district FROM accounts WHERE nik_index = $1 AND kind = 'citizen'")
        .bind(&index)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(AppError::NotFound)?;
    let citizen_id: i64 = row.try_get("id")?;
    let district: String = row.try_get("nik_district")?;
    let Some(grant) = officer.grant_for(Permission::ReadCitizen, &district, None) else {
        tracing::warn!(
            officer = officer.principal.account_id,
            citizen = citizen_id,
            "read of a citizen outside the officer's scope refused"
        );
        return Err(AppError::Forbidden);
    };
    open_citizen_record(state, officer, grant, citizen_id, purpose).await
}

/// Opens a citizen's record under one of the officer's grants (the caller has checked that it
/// covers the citizen), after recording the read as an access-log row and an audit entry in
/// one transaction. Every page that shows an officer personal data goes through here, so no
/// read is missing from the citizen's access page.
pub async fn open_citizen_record(
    state: &AppState,
    officer: &Officer,
    grant: &Grant,
    citizen_id: i64,
    purpose: &str,
) -> AppResult<PersonalData> {
    let mut tx = state.db.begin().await?;
    log_access(state, &mut tx, officer, grant, citizen_id, purpose, &format!("account/{citizen_id}")).await?;
    tx.commit().await?;
    Ok(personal_data(state, citizen_id).await?)
}

/// Records an officer's read of a citizen's personal data, in the caller's transaction: an
/// audit entry (`citizen.read` on `subject`) and a line on the citizen's "who accessed my
/// data" page naming the agency, the role and the purpose.
pub async fn log_access(
    state: &AppState,
    tx: &mut crate::db::Tx,
    officer: &Officer,
    grant: &Grant,
    citizen_id: i64,
    purpose: &str,
    subject: &str,
) -> anyhow::Result<()> {
    let actor = officer.principal.actor();
    let audit_index = accounts::record(&state.db, tx, &actor, "citizen.read", subject).await?;
    sqlx::query(
        "INSERT INTO data_access_log (citizen_id, officer_id, agency_id, role, purpose, accessed_at, audit_index) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(citizen_id)
    .bind(officer.principal.account_id)
    .bind(grant.agency_id)
    .bind(grant.role.as_str())
    .bind(purpose)
    .bind(jiff::Timestamp::now().as_second())
    .bind(audit_index)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `GET /admin`: the officer's start page, with what their roles allow.
pub async fn admin_home(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    let lang = context.lang;
    let mut links = Vec::new();
    if officer.may(Permission::HandleApplications) {
        links.push(("/admin/permohonan".to_string(), lang.t("work-title")));
    }
    if officer.may(Permission::ManageAppointments) {
        links.push(("/admin/antrean".to_string(), lang.t("appt-office-title")));
    }
    if officer.may(Permission::ManageServices) {
        links.push(("/admin/layanan".to_string(), lang.t("svc-edit-title")));
    }
    if officer.may(Permission::HandleComplaints) {
        links.push(("/admin/pengaduan".to_string(), lang.t("complaint-queue-title")));
    }
    if officer.may(Permission::ManageComplaintTopics) {
        links.push(("/admin/pengaduan/topik".to_string(), lang.t("complaint-topics-title")));
    }
    if officer.may(Permission::ReadSatisfaction) {
        links.push(("/admin/ikm".to_string(), lang.t("ikm-title")));
    }
    if officer.may(Permission::ReadCitizen) {
        links.push(("/admin/warga".to_string(), lang.t("lookup-title")));
    }
    if officer.may(Permission::HandlePrivacyRequests) {
        links.push(("/admin/privasi".to_string(), lang.t("privacy-admin-title")));
    }
    if officer.may(Permission::ManageOfficers) {
        links.push(("/admin/petugas".to_string(), lang.t("officers-title")));
    }
    if officer.may(Permission::ManageOfficers) {
        links.push(("/admin/instansi".to_string(), lang.t("agencies-title")));
    }
    if officer.may(Permission::EditContent) {
        links.push(("/admin/konten".to_string(), lang.t("content-title")));
    }
    if officer.may(Permission::ManageCalendar) {
        links.push(("/admin/kalender".to_string(), lang.t("calendar-title")));
    }
    links.push(("/akun".to_string(), lang.t("account-title")));
    let roles = officer
        .grants
        .iter()
        .map(|g| {
            format!("{} ({})", lang.t(&format!("role-{}", g.role.as_str().replace('_', "-"))), g.region_code)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let page = crate::identity::routes::MessagePage {
        chrome: chrome(&state, &context, "admin-title").await?,
        paragraphs: vec![lang.t_args("admin-roles", &[("roles", roles)])],
        codes: Vec::new(),
        links,
    };
    crate::portal::routes::render(&page)
}

/// Query of the citizen lookup page.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    nik: Option<String>,
    keperluan: Option<String>,
}

/// `GET /admin/warga`: the lookup form, and the record when NIK and purpose are given.
pub async fn citizen_lookup(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<LookupQuery>,
) -> AppResult<Response> {
    officer.require(Permission::ReadCitizen)?;
    let lang = context.lang;
    let mut page = FormPage::new(
        chrome(&state, &context, "lookup-title").await?,
        "/admin/warga",
        "",
        lang.t("lookup-submit"),
    );
    page.method = "get";
    page.intro = vec![lang.t("lookup-intro")];
    page.fields = vec![
        FormField::new(lang, "nik", "text", "off").value(query.nik.as_deref().unwrap_or_default()),
        FormField::new(lang, "keperluan", "text", "off")
            .value(query.keperluan.as_deref().unwrap_or_default()),
    ];
    let (Some(nik), Some(purpose)) = (query.nik, query.keperluan) else {
        return page.respond(StatusCode::OK);
    };
    let purpose = check_purpose("keperluan", &purpose)?;
    let data = read_citizen(&state, &officer, &nik, &purpose).await?;
    page.intro = vec![
        lang.t("lookup-logged"),
        format!("{}: {}", lang.t("field-nama"), data.name),
        format!("{}: {}", lang.t("field-nik"), data.nik.unwrap_or_default()),
        format!("{}: {}", lang.t("field-birth-date"), data.birth_date.unwrap_or_default()),
        format!("{}: {}", lang.t("field-telepon"), data.phone.unwrap_or_else(|| "–".into())),
        format!("{}: {}", lang.t("field-email"), data.email.unwrap_or_default()),
    ];
    page.respond(StatusCode::OK)
}

/// Query of `GET /api/v1/citizens`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CitizenQuery {
    /// The citizen's NIK.
    nik: String,
    /// Why the record is read (a case reference); shown to the citizen.
    purpose: String,
}

/// A citizen's record, for officers within scope. Needs a token with `citizens:read`.
#[utoipa::path(get, path = "/api/v1/citizens", tag = "identity", params(CitizenQuery),
    security(("bearer" = [])),
    responses((status = 200, body = PersonalData),
        (status = 400, description = "A parameter is missing or malformed, or the purpose is shorter than 3 or longer than 200 characters", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"), (status = 403, body = crate::web::problem::Problem, content_type = "application/problem+json"), (status = 404, body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn api_citizen(
    State(state): State<AppState>,
    officer: Officer,
    Query(query): Query<CitizenQuery>,
) -> AppResult<Json<PersonalData>> {
    if !officer.principal.has_scope("citizens:read") {
        return Err(AppError::Forbidden);
    }
    officer.require(Permission::ReadCitizen)?;
    let purpose = check_purpose("purpose", &query.purpose)?;
    Ok(Json(read_citizen(&state, &officer, &query.nik, &purpose).await?))
}

/// Everything held about the signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = PersonalData), (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn api_me(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<Json<PersonalData>> {
    if !signed_in.principal.has_scope("me:read") {
        return Err(AppError::Forbidden);
    }
    Ok(Json(personal_data(&state, signed_in.principal.account_id).await?))
}

/// Body of `POST /api/v1/auth/token`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    /// The account's email.
    email: String,
    /// The password.
    password: String,
    /// The current TOTP code (required when the account has a second factor; always for officers).
    #[serde(default)]
    totp: Option<String>,
}

/// A new API token, shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer {token}`.
    token: String,
    /// When it stops working (RFC 3339).
    expires_at: String,
    /// What it may do.
    scopes: Vec<String>,
}

/// Exchanges email, password and TOTP code for a bearer token. Any failure is the same 401.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "identity", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 400, description = "The body is not JSON of this shape", body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"), (status = 429, body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn api_token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    JsonBody(request): JsonBody<TokenRequest>,
) -> AppResult<Response> {
    let name = accounts::AccountName::Email(accounts::normalize_email(&request.email));
    let account =
        match crate::identity::routes::check_password_sign_in(&state, &name, &request.password, address)
            .await?
        {
            Ok(account) => account,
            Err(SignInRefusal::Throttled(seconds)) => {
                return Err(AppError::TooManyRequests { retry_after_seconds: seconds });
            }
            Err(_) => return Err(AppError::Unauthorized),
        };
    if account.kind == AccountKind::Officer && account.totp_sealed.is_none() {
        tracing::info!(account = account.id, "API token refused: officer without a second factor");
        return Err(AppError::Unauthorized);
    }
    let mut tx = state.db.begin().await?;
    if account.totp_sealed.is_some() {
        let code = request.totp.as_deref().unwrap_or_default();
        if let Err(reason) =
            crate::identity::routes::verify_second_factor(&state, &mut tx, &account, code).await?
        {
            drop(tx);
            tracing::info!(account = account.id, reason, "API token refused");
            crate::identity::throttle::record_failure(
                &state.db,
                &format!("2fa:{}", account.id),
                crate::identity::throttle::FREE_ACCOUNT_FAILURES,
            )
            .await?;
            return Err(AppError::Unauthorized);
        }
    }
    let scopes: Vec<String> = match account.kind {
        AccountKind::Officer => vec!["citizens:read".into(), "me:read".into()],
        AccountKind::Citizen => vec!["me:read".into()],
    };
    let token = session::new_token()?;
    let now = jiff::Timestamp::now().as_second();
    let expires = now + API_TOKEN_SECONDS;
    sqlx::query(
        "INSERT INTO api_tokens (token_hash, account_id, name, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(session::token_hash(&token))
    .bind(account.id)
    .bind("api")
    .bind(scopes.join(" "))
    .bind(now)
    .bind(expires)
    .execute(&mut *tx)
    .await?;
    accounts::record(
        &state.db,
        &mut tx,
        &format!("{}:{}", account.kind.as_str(), account.id),
        "token.issue",
        &format!("account/{}", account.id),
    )
    .await?;
    tx.commit().await?;
    let expires_at = jiff::Timestamp::from_second(expires).map(|t| t.to_string()).unwrap_or_default();
    Ok((StatusCode::CREATED, Json(TokenResponse { token, expires_at, scopes })).into_response())
}

/// Revokes the token the request carries.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "identity", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn api_revoke_token(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<StatusCode> {
    let Credential::ApiToken { id, .. } = signed_in.principal.credential else {
        return Err(AppError::Unauthorized);
    };
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
        .bind(jiff::Timestamp::now().as_second())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    accounts::record(
        &state.db,
        &mut tx,
        &signed_in.principal.actor(),
        "token.revoke",
        &format!("token/{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
