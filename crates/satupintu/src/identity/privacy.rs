//! Citizens' rights under UU No. 27/2022 (Pelindungan Data Pribadi): access (the download at
//! `/akun/unduh`), correction and deletion. A citizen files a correction or deletion request
//! at `/akun/privasi` and follows it there; officers allowed to handle such requests resolve
//! them at `/admin/privasi`, for citizens of the regions their grants cover. Opening a
//! request shows the citizen's current data and is logged like any other officer read. A
//! deletion carried out anonymises the account in the same transaction as the resolution;
//! the audit log and the access log stay, since they record government actions and hold no
//! personal data in clear.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use serde::Deserialize;
use sqlx::Row;

use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::accounts::{self, field};
use crate::identity::officer::open_citizen_record;
use crate::identity::roles::{Grant, Officer, Permission, allows};
use crate::identity::routes::{MessagePage, PersonalData};
use crate::identity::session::{AccountKind, SignedIn};
use crate::portal::routes::{render, render_status};
use crate::portal::store as portal_store;
use crate::web::RequestContext;
use crate::web::extract::{Form, Path};
use crate::web::page::{Chrome, format_timestamp};
use crate::web::see_other;

/// Longest text of a request or of a resolution, in characters.
const MAX_TEXT_CHARS: usize = 2000;
/// Shortest description of a correction: enough to say which data is wrong and how.
const MIN_CORRECTION_CHARS: usize = 10;
/// Shortest resolution text: the citizen must be told something.
const MIN_RESOLUTION_CHARS: usize = 3;
/// Shortest and longest name, as at registration.
const NAME_CHARS: std::ops::RangeInclusive<usize> = 2..=100;
/// Most requests an officer's list shows (open ones first).
const LIST_LIMIT: i64 = 500;
/// The name an erased account keeps, so lists that join accounts still read sensibly.
pub const ERASED_NAME: &str = "Akun dihapus";

// ---------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------

/// What a citizen asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Correct data held about them.
    Correction,
    /// Delete their account and the personal data in it.
    Deletion,
}

impl Kind {
    /// Both kinds, in the order the citizen's page offers them.
    pub const ALL: [Self; 2] = [Self::Correction, Self::Deletion];

    /// The stored (and submitted) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Correction => "correction",
            Self::Deletion => "deletion",
        }
    }

    /// Reads a stored or submitted name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kind in the reader's language.
    pub fn label(self, lang: Lang) -> String {
        lang.t(&format!("privacy-kind-{}", self.as_str()))
    }
}

/// Where a request stands. Only an open request may be resolved, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Waiting for an officer.
    Open,
    /// Carried out.
    Done,
    /// Refused, with the reason in the resolution.
    Refused,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Refused => "refused",
        }
    }

    /// Reads a stored name (the schema allows only these three).
    pub fn parse(text: &str) -> Self {
        match text {
            "done" => Self::Done,
            "refused" => Self::Refused,
            _ => Self::Open,
        }
    }

    /// The status in the reader's language.
    pub fn label(self, lang: Lang) -> String {
        lang.t(&format!("privacy-status-{}", self.as_str()))
    }
}

/// One request, with the district of the citizen who made it (for officers' scope).
#[derive(Clone, Debug)]
pub struct Request {
    /// The request's number.
    pub id: i64,
    /// The citizen's account.
    pub account_id: i64,
    /// Correction or deletion.
    pub kind: Kind,
    /// What the citizen wrote (empty for a deletion without a reason, and once erased).
    pub details: String,
    /// Where it stands.
    pub status: Status,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it was resolved (Unix seconds).
    pub resolved_at: Option<i64>,
    /// What the officer told the citizen.
    pub resolution: Option<String>,
    /// The citizen's NIK district, `None` once the account is erased.
    pub district: Option<String>,
}

/// What filing a request did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filed {
    /// A new request with this number.
    Created(i64),
    /// A request of the same kind, with this number, is still open.
    AlreadyOpen(i64),
}

/// What a resolution changes besides the request itself.
#[derive(Clone, Debug)]
pub enum Change {
    /// Nothing (a refusal).
    Nothing,
    /// A correction carried out: the new name and the new phone, sealed (`None` removes it).
    Correct {
        /// The corrected name.
        name: String,
        /// The corrected phone number, sealed.
        phone_sealed: Option<String>,
    },
    /// A deletion carried out: the account is anonymised.
    Erase,
}

// ---------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------

const REQUEST_COLUMNS: &str = "r.id, r.account_id, r.kind, r.details, r.status, r.created_at, r.resolved_at, \
                               r.resolution, a.nik_district";

fn request_from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<Request> {
    let kind: String = row.try_get("kind")?;
    Ok(Request {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        kind: Kind::parse(&kind).ok_or_else(|| anyhow::anyhow!("unknown privacy request kind {kind}"))?,
        details: row.try_get("details")?,
        status: Status::parse(&row.try_get::<String, _>("status")?),
        created_at: row.try_get("created_at")?,
        resolved_at: row.try_get("resolved_at")?,
        resolution: row.try_get("resolution")?,
        district: row.try_get("nik_district")?,
    })
}

/// A citizen's requests, newest first.
pub async fn requests_of(db: &Db, account_id: i64) -> anyhow::Result<Vec<Request>> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM privacy_requests r JOIN accounts a ON a.id = r.account_id \
         WHERE r.account_id = $1 ORDER BY r.id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).fetch_all(db.pool()).await?;
    rows.iter().map(request_from_row).collect()
}

/// One request by number.
pub async fn find(db: &Db, id: i64) -> anyhow::Result<Option<Request>> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM privacy_requests r JOIN accounts a ON a.id = r.account_id WHERE r.id = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(request_from_row).transpose()
}

/// The requests of citizens in the regions the given grants cover (and, for grants of the
/// whole installation, of erased accounts, which have no region any more); open ones first.
pub async fn requests_in_scope(db: &Db, grants: &[&Grant]) -> anyhow::Result<Vec<Request>> {
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    for grant in grants {
        // Region codes are digits and dots (the table's foreign key keeps them so), so they
        // are safe in a LIKE pattern; anything else is skipped rather than trusted.
        if grant.region_code.is_empty() || !grant.region_code.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            continue;
        }
        binds.push(grant.region_code.clone());
        binds.push(format!("{}.%", grant.region_code));
        let n = binds.len();
        conditions.push(format!("a.nik_district = ${} OR a.nik_district LIKE ${n}", n - 1));
    }
    if grants.iter().any(|g| g.agency_id.is_none()) {
        conditions.push("a.nik_district IS NULL".into());
    }
    if conditions.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM privacy_requests r JOIN accounts a ON a.id = r.account_id \
         WHERE a.kind = 'citizen' AND ({}) \
         ORDER BY CASE WHEN r.status = 'open' THEN 0 ELSE 1 END, r.id DESC LIMIT {LIST_LIMIT}",
        conditions.join(" OR ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for value in binds {
        query = query.bind(value);
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter().map(request_from_row).collect()
}

/// Files a request with its audit entry, unless one of the same kind is still open.
pub async fn file(
    db: &Db,
    tx: &mut Tx,
    account_id: i64,
    actor: &str,
    kind: Kind,
    details: &str,
) -> anyhow::Result<Filed> {
    // Touching the account row first makes two concurrent requests of one citizen wait for
    // each other on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers), so
    // the check below cannot let two open requests of one kind through.
    sqlx::query("UPDATE accounts SET name = name WHERE id = $1").bind(account_id).execute(&mut **tx).await?;
    let open = sqlx::query(
        "SELECT id FROM privacy_requests WHERE account_id = $1 AND kind = $2 AND status = 'open' ORDER BY id",
    )
    .bind(account_id)
    .bind(kind.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = open {
        return Ok(Filed::AlreadyOpen(row.try_get("id")?));
    }
    let row = sqlx::query(
        "INSERT INTO privacy_requests (account_id, kind, details, status, created_at) \
         VALUES ($1, $2, $3, 'open', $4) RETURNING id",
    )
    .bind(account_id)
    .bind(kind.as_str())
    .bind(details)
    .bind(jiff::Timestamp::now().as_second())
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    accounts::record(db, tx, actor, "privacy.request", &format!("privacy_request/{id}")).await?;
    Ok(Filed::Created(id))
}

/// An officer's decision on a request.
#[derive(Clone, Debug)]
pub struct Resolution {
    /// `Done` or `Refused`.
    pub status: Status,
    /// What the citizen is told.
    pub text: String,
    /// What carrying it out changes.
    pub change: Change,
}

/// Resolves an open request and carries out its change, with the audit entry, in the
/// caller's transaction. `false` when the request was no longer open (resolved meanwhile).
pub async fn resolve(
    db: &Db,
    tx: &mut Tx,
    request: &Request,
    officer_id: i64,
    actor: &str,
    resolution: &Resolution,
) -> anyhow::Result<bool> {
    // The condition on status makes a second resolution, even a concurrent one, change nothing.
    let done = sqlx::query(
        "UPDATE privacy_requests SET status = $1, resolved_at = $2, resolved_by = $3, resolution = $4 \
         WHERE id = $5 AND status = 'open'",
    )
    .bind(resolution.status.as_str())
    .bind(jiff::Timestamp::now().as_second())
    .bind(officer_id)
    .bind(&resolution.text)
    .bind(request.id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    match &resolution.change {
        Change::Nothing => {}
        Change::Correct { name, phone_sealed } => {
            sqlx::query("UPDATE accounts SET name = $1, phone_sealed = $2 WHERE id = $3")
                .bind(name)
                .bind(phone_sealed)
                .bind(request.account_id)
                .execute(&mut **tx)
                .await?;
        }
        Change::Erase => erase_account(tx, request.account_id).await?,
    }
    accounts::record(db, tx, actor, "privacy.resolve", &format!("privacy_request/{}", request.id)).await?;
    Ok(true)
}

/// Anonymises an account: every personal field is cleared, the account can no longer sign
/// in, and its sessions, tokens, codes and pending links go. The access log and the audit
/// log stay (UU No. 43/2009 on archives: government actions keep their record); they name
/// the account by number only.
pub async fn erase_account(tx: &mut Tx, account_id: i64) -> anyhow::Result<()> {
    tx.changed(&format!("account/{account_id}"));
    sqlx::query(
        "UPDATE accounts SET name = $1, email = NULL, nik_index = NULL, nik_sealed = NULL, nik_district = NULL, \
                phone_sealed = NULL, address_sealed = NULL, birth_date_sealed = NULL, \
                totp_secret_sealed = NULL, totp_enabled_at = NULL, totp_last_step = NULL, \
                password_hash = $2, disabled_at = $3 \
         WHERE id = $4",
    )
    .bind(ERASED_NAME)
    .bind(unusable_password_hash()?)
    .bind(jiff::Timestamp::now().as_second())
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    for table in ["recovery_codes", "sessions", "api_tokens", "email_tokens"] {
        let sql = format!("DELETE FROM {table} WHERE account_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).execute(&mut **tx).await?;
    }
    // What the citizen wrote in their requests may itself be personal data; the requests
    // stay (kind, dates, outcome) as the record of what was done.
    sqlx::query("UPDATE privacy_requests SET details = '' WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A well-formed argon2id hash of nothing anyone knows: random salt and output, so no
/// password matches it and the verifier never meets a malformed record.
fn unusable_password_hash() -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    let mut output = [0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    getrandom::fill(&mut output).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    Ok(format!("$argon2id$v=19$m=19456,t=2,p=1${}${}", b64.encode(salt), b64.encode(output)))
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

/// Why a text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    /// Shorter than required.
    TooShort,
    /// Longer than allowed.
    TooLong,
}

/// Trims a text and checks its length in characters.
pub fn check_text(text: &str, min: usize, max: usize) -> Result<String, TextProblem> {
    let text = text.trim();
    let n = text.chars().count();
    if n < min {
        Err(TextProblem::TooShort)
    } else if n > max {
        Err(TextProblem::TooLong)
    } else {
        Ok(text.to_string())
    }
}

/// The grant under which an officer may handle a request: one that allows handling privacy
/// requests and covers the citizen's district; for an erased account (no district left), a
/// grant of the whole installation.
pub fn grant_for_request<'a>(officer: &'a Officer, district: Option<&str>) -> Option<&'a Grant> {
    match district {
        Some(district) => officer.grant_for(Permission::HandlePrivacyRequests, district, None),
        None => officer
            .grants
            .iter()
            .find(|g| allows(g.role, Permission::HandlePrivacyRequests) && g.agency_id.is_none()),
    }
}

// ---------------------------------------------------------------------------------------
// Citizen's page
// ---------------------------------------------------------------------------------------

/// One request as the citizen's list shows it.
pub struct RequestRow {
    /// `#12`.
    pub number: String,
    /// The kind.
    pub kind: String,
    /// When it was made.
    pub submitted: String,
    /// Where it stands.
    pub status: String,
    /// The officer's answer, or a dash.
    pub resolution: String,
}

/// One of the two request forms on the citizen's page.
pub struct RequestForm {
    /// `correction` or `deletion`.
    pub kind: &'static str,
    /// The textarea's id.
    pub field_id: String,
    /// The section heading.
    pub heading: String,
    /// What the request does.
    pub paragraphs: Vec<String>,
    /// The textarea's label.
    pub label: String,
    /// Help below the label.
    pub hint: String,
    /// The text to show again.
    pub value: String,
    /// What is wrong.
    pub error: Option<String>,
    /// Whether the text is required.
    pub required: bool,
    /// The button.
    pub submit: String,
}

/// `/akun/privasi`.
#[derive(Template)]
#[template(path = "account/privacy.html")]
pub struct CitizenPage {
    /// The frame.
    pub chrome: Chrome,
    /// The CSRF token.
    pub csrf: String,
    /// Errors, each with the id of its field, for the summary.
    pub errors: Vec<(String, String)>,
    /// The citizen's requests.
    pub requests: Vec<RequestRow>,
    /// The two forms.
    pub forms: Vec<RequestForm>,
}

/// The citizen's request form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSubmission {
    #[serde(default)]
    jenis: String,
    #[serde(default)]
    rincian: String,
}

fn citizen_only(signed_in: &SignedIn) -> AppResult<()> {
    if signed_in.principal.kind == AccountKind::Citizen {
        Ok(())
    } else {
        // Officers' accounts hold no citizen data and are managed at /admin/petugas.
        Err(AppError::Forbidden)
    }
}

async fn build_citizen_page(
    state: &AppState,
    context: &RequestContext,
    signed_in: &SignedIn,
    submitted: Option<(Kind, &str, String)>,
) -> AppResult<CitizenPage> {
    let lang = context.lang;
    let installation = portal_store::installation(&state.db).await?;
    let requests = requests_of(&state.db, signed_in.principal.account_id).await?;
    let requests = requests
        .iter()
        .map(|r| RequestRow {
            number: format!("#{}", r.id),
            kind: r.kind.label(lang),
            submitted: format_timestamp(lang, r.created_at, installation.utc_offset_hours),
            status: r.status.label(lang),
            resolution: r.resolution.clone().unwrap_or_else(|| "–".into()),
        })
        .collect();
    let forms: Vec<RequestForm> = Kind::ALL
        .into_iter()
        .map(|kind| {
            let (value, error) = match &submitted {
                Some((k, value, error)) if *k == kind => (value.to_string(), Some(error.clone())),
                _ => (String::new(), None),
            };
            let key = kind.as_str();
            let paragraphs = match kind {
                Kind::Correction => vec![lang.t("privacy-correction-body")],
                Kind::Deletion => vec![
                    lang.t("privacy-deletion-body"),
                    lang.t("privacy-deletion-kept"),
                    lang.t("privacy-deletion-final"),
                ],
            };
            RequestForm {
                kind: kind.as_str(),
                field_id: format!("rincian-{key}"),
                heading: lang.t(&format!("privacy-{key}-heading")),
                paragraphs,
                label: lang.t(&format!("privacy-{key}-label")),
                hint: lang.t(&format!("privacy-{key}-hint")),
                value,
                error,
                required: kind == Kind::Correction,
                submit: lang.t(&format!("privacy-{key}-submit")),
            }
        })
        .collect();
    let errors =
        forms.iter().filter_map(|f| f.error.clone().map(|e| (f.field_id.clone(), e))).collect::<Vec<_>>();
    Ok(CitizenPage {
        chrome: Chrome::new(context, &installation, "account", lang.t("privacy-title")),
        csrf: signed_in.csrf.clone(),
        errors,
        requests,
        forms,
    })
}

fn respond(page: &impl Template, status: StatusCode) -> AppResult<Response> {
    render_status(page, status)
}

/// `GET /akun/privasi`: the citizen's rights under UU PDP, their requests, and the forms.
pub async fn citizen_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    citizen_only(&signed_in)?;
    let page = build_citizen_page(&state, &context, &signed_in, None).await?;
    respond(&page, StatusCode::OK)
}

/// `POST /akun/privasi`: files a correction (text required) or a deletion (reason
/// optional); one open request of each kind at a time.
pub async fn submit(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Form(form): Form<RequestSubmission>,
) -> AppResult<Response> {
    citizen_only(&signed_in)?;
    let lang = context.lang;
    let kind = Kind::parse(&form.jenis).ok_or_else(|| AppError::malformed("jenis"))?;
    let min = if kind == Kind::Correction { MIN_CORRECTION_CHARS } else { 0 };
    let details = match check_text(&form.rincian, min, MAX_TEXT_CHARS) {
        Ok(details) => details,
        Err(problem) => {
            let key = match problem {
                TextProblem::TooShort => "privacy-error-correction-short",
                TextProblem::TooLong => "privacy-error-too-long",
            };
            let error = (kind, form.rincian.as_str(), lang.t(key));
            let page = build_citizen_page(&state, &context, &signed_in, Some(error)).await?;
            return respond(&page, StatusCode::BAD_REQUEST);
        }
    };
    let principal = &signed_in.principal;
    let mut tx = state.db.begin().await?;
    let filed = file(&state.db, &mut tx, principal.account_id, &principal.actor(), kind, &details).await?;
    match filed {
        Filed::Created(id) => {
            tx.commit().await?;
            tracing::info!(request = id, kind = kind.as_str(), "privacy request filed");
            Ok(see_other("/akun/privasi"))
        }
        Filed::AlreadyOpen(id) => {
            // Nothing was written; the pages below read through the pool.
            drop(tx);
            let message = lang.t_args("privacy-error-already-open", &[("number", id.to_string())]);
            let error = (kind, form.rincian.as_str(), message);
            let page = build_citizen_page(&state, &context, &signed_in, Some(error)).await?;
            respond(&page, StatusCode::CONFLICT)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Officers' pages
// ---------------------------------------------------------------------------------------

/// One input of an officer's or citizen's form (text, phone, email, textarea, select).
pub struct Input {
    /// The element's id.
    pub id: String,
    /// The submitted name.
    pub name: &'static str,
    /// `text`, `tel`, `email`, `textarea` or `select`.
    pub kind: &'static str,
    /// The autocomplete token.
    pub autocomplete: &'static str,
    /// The visible label.
    pub label: String,
    /// Help below the label.
    pub hint: Option<String>,
    /// The value to show again.
    pub value: String,
    /// What is wrong with it.
    pub error: Option<String>,
    /// Whether it must be filled.
    pub required: bool,
    /// A select's options: value and label.
    pub options: Vec<(String, String)>,
}

impl Input {
    /// A required input named `name`, labelled with the message `label_key`.
    pub fn new(lang: Lang, name: &'static str, kind: &'static str, label_key: &str) -> Self {
        Self {
            id: name.to_string(),
            name,
            kind,
            autocomplete: "off",
            label: lang.t(label_key),
            hint: None,
            value: String::new(),
            error: None,
            required: true,
            options: Vec::new(),
        }
    }

    /// The ids of the hint and the error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// The requests an officer may see, in two lists.
#[derive(Template)]
#[template(path = "admin/privacy_list.html")]
pub struct ListPage {
    /// The frame.
    pub chrome: Chrome,
    /// Open requests: link, number, kind, date, district.
    pub open: Vec<ListRow>,
    /// Resolved requests.
    pub closed: Vec<ListRow>,
}

/// One request in an officer's list. No name: the citizen's data is shown, and logged, only
/// on the request's own page.
pub struct ListRow {
    /// The request's page.
    pub href: String,
    /// `#12`.
    pub number: String,
    /// The kind.
    pub kind: String,
    /// When it was made.
    pub submitted: String,
    /// The citizen's district, or a dash once erased.
    pub district: String,
    /// Where it stands.
    pub status: String,
}

/// `GET /admin/privasi`: requests of citizens in the officer's regions, open ones first.
pub async fn officer_list(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    officer.require(Permission::HandlePrivacyRequests)?;
    let lang = context.lang;
    let installation = portal_store::installation(&state.db).await?;
    let grants: Vec<&Grant> =
        officer.grants.iter().filter(|g| allows(g.role, Permission::HandlePrivacyRequests)).collect();
    let requests = requests_in_scope(&state.db, &grants).await?;
    let (mut open, mut closed) = (Vec::new(), Vec::new());
    for r in &requests {
        let row = ListRow {
            href: format!("/admin/privasi/{}", r.id),
            number: format!("#{}", r.id),
            kind: r.kind.label(lang),
            submitted: format_timestamp(lang, r.created_at, installation.utc_offset_hours),
            district: r.district.clone().unwrap_or_else(|| "–".into()),
            status: r.status.label(lang),
        };
        if r.status == Status::Open { open.push(row) } else { closed.push(row) }
    }
    let page = ListPage {
        chrome: Chrome::new(&context, &installation, "account", lang.t("privacy-admin-title")),
        open,
        closed,
    };
    render(&page)
}

/// One request, for the officer who handles it.
#[derive(Template)]
#[template(path = "admin/privacy_detail.html")]
pub struct DetailPage {
    /// The frame.
    pub chrome: Chrome,
    /// The CSRF token.
    pub csrf: String,
    /// Errors, each with the id of its field, for the summary.
    pub errors: Vec<(String, String)>,
    /// The request.
    pub facts: Vec<(String, String)>,
    /// The citizen's current data, when opened (and logged) for this page.
    pub data: Vec<(String, String)>,
    /// A note about the data: that the read was logged, or why none is shown.
    pub data_note: String,
    /// Whether the request can still be resolved.
    pub open: bool,
    /// Where the form posts.
    pub action: String,
    /// What carrying out the request will do.
    pub warning: String,
    /// The decision: `done` or `refused`.
    pub decision: String,
    /// What is wrong with the decision.
    pub decision_error: Option<String>,
    /// The decision's options: value and label.
    pub decisions: Vec<(String, String)>,
    /// Text inputs: the resolution, and for a correction the corrected name and phone.
    pub inputs: Vec<Input>,
}

/// The resolution form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveForm {
    #[serde(default)]
    keputusan: String,
    #[serde(default)]
    jawaban: String,
    nama: Option<String>,
    telepon: Option<String>,
}

/// Loads a request and the grant under which this officer may handle it: 404 when there is
/// no such request, 403 when it is outside the officer's regions.
async fn request_in_scope(state: &AppState, officer: &Officer, id: i64) -> AppResult<(Request, Grant)> {
    officer.require(Permission::HandlePrivacyRequests)?;
    let request = find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let Some(grant) = grant_for_request(officer, request.district.as_deref()) else {
        tracing::warn!(
            officer = officer.principal.account_id,
            request = id,
            "privacy request outside the officer's scope refused"
        );
        return Err(AppError::Forbidden);
    };
    Ok((request, grant.clone()))
}

fn detail_page(
    chrome: Chrome,
    officer: &Officer,
    request: &Request,
    utc_offset_hours: i8,
    data: Option<&PersonalData>,
    form: &ResolveForm,
) -> DetailPage {
    let lang = chrome.lang;
    let when = |t: i64| format_timestamp(lang, t, utc_offset_hours);
    let details = if request.details.is_empty() { "–".to_string() } else { request.details.clone() };
    let mut facts = vec![
        (lang.t("privacy-col-number"), format!("#{}", request.id)),
        (lang.t("privacy-col-kind"), request.kind.label(lang)),
        (lang.t("privacy-col-status"), request.status.label(lang)),
        (lang.t("privacy-col-submitted"), when(request.created_at)),
        (lang.t("privacy-col-district"), request.district.clone().unwrap_or_else(|| "–".into())),
        (lang.t("privacy-col-details"), details),
    ];
    if let Some(resolved_at) = request.resolved_at {
        facts.push((lang.t("privacy-col-resolved"), when(resolved_at)));
    }
    if let Some(resolution) = &request.resolution {
        facts.push((lang.t("privacy-col-resolution"), resolution.clone()));
    }
    let open = request.status == Status::Open;
    let data_rows = data
        .map(|d| {
            vec![
                (lang.t("field-nama"), d.name.clone()),
                (lang.t("field-nik"), d.nik.clone().unwrap_or_else(|| "–".into())),
                (lang.t("field-birth-date"), d.birth_date.clone().unwrap_or_else(|| "–".into())),
                (lang.t("privacy-field-phone"), d.phone.clone().unwrap_or_else(|| "–".into())),
                (lang.t("field-email"), d.email.clone().unwrap_or_else(|| "–".into())),
            ]
        })
        .unwrap_or_default();
    let data_note = if data.is_some() {
        lang.t("privacy-data-logged")
    } else if request.district.is_none() {
        lang.t("privacy-data-erased")
    } else if open {
        lang.t("privacy-data-not-again")
    } else {
        lang.t("privacy-data-closed")
    };
    let mut inputs = vec![{
        let mut input = Input::new(lang, "jawaban", "textarea", "privacy-field-resolution");
        input.hint = Some(lang.t("privacy-field-resolution-hint"));
        input.value = form.jawaban.clone();
        input
    }];
    if request.kind == Kind::Correction {
        let mut name = Input::new(lang, "nama", "text", "privacy-field-name");
        name.value = form.nama.clone().or_else(|| data.map(|d| d.name.clone())).unwrap_or_default();
        name.hint = Some(lang.t("privacy-field-correction-hint"));
        let mut phone = Input::new(lang, "telepon", "tel", "privacy-field-phone");
        phone.value = form.telepon.clone().or_else(|| data.and_then(|d| d.phone.clone())).unwrap_or_default();
        phone.required = false;
        phone.hint = Some(lang.t("privacy-field-phone-hint"));
        inputs.push(name);
        inputs.push(phone);
    }
    let warning = lang.t(match request.kind {
        Kind::Correction => "privacy-resolve-correction-note",
        Kind::Deletion => "privacy-resolve-deletion-warning",
    });
    DetailPage {
        chrome,
        csrf: officer.csrf.clone(),
        errors: Vec::new(),
        facts,
        data: data_rows,
        data_note,
        open,
        action: format!("/admin/privasi/{}", request.id),
        warning,
        decision: form.keputusan.clone(),
        decision_error: None,
        decisions: [Status::Done, Status::Refused]
            .into_iter()
            .map(|s| (s.as_str().to_string(), lang.t(&format!("privacy-decision-{}", s.as_str()))))
            .collect(),
        inputs,
    }
}

/// `GET /admin/privasi/{id}`: the request and, while it is open, the citizen's current data
/// (a read of personal data, logged for the citizen to see) with the resolution form.
pub async fn officer_detail(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (request, grant) = request_in_scope(&state, &officer, id).await?;
    let installation = portal_store::installation(&state.db).await?;
    // Data minimisation: a closed request needs no personal data, so none is opened.
    let data = if request.status == Status::Open && request.district.is_some() {
        let purpose = format!("Permintaan privasi #{}", request.id);
        Some(open_citizen_record(&state, &officer, &grant, request.account_id, &purpose).await?)
    } else {
        None
    };
    let title = context.lang.t_args("privacy-detail-title", &[("number", request.id.to_string())]);
    let chrome = Chrome::new(&context, &installation, "account", title);
    let page = detail_page(
        chrome,
        &officer,
        &request,
        installation.utc_offset_hours,
        data.as_ref(),
        &ResolveForm::default(),
    );
    render(&page)
}

/// `POST /admin/privasi/{id}`: resolves the request, once. A correction carried out updates
/// name and phone; a deletion carried out anonymises the account; both in the same
/// transaction as the resolution and its audit entry.
pub async fn resolve_request(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<i64>,
    Form(form): Form<ResolveForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let (request, _grant) = request_in_scope(&state, &officer, id).await?;
    let installation = portal_store::installation(&state.db).await?;
    if request.status != Status::Open {
        return already_resolved(&state, &context, &request).await;
    }
    let title = lang.t_args("privacy-detail-title", &[("number", request.id.to_string())]);
    let chrome = Chrome::new(&context, &installation, "account", title);
    let mut page = detail_page(chrome, &officer, &request, installation.utc_offset_hours, None, &form);
    let set_error = |page: &mut DetailPage, name: &str, key: &str| {
        if let Some(input) = page.inputs.iter_mut().find(|i| i.name == name) {
            input.error = Some(lang.t(key));
        }
    };
    let status = match form.keputusan.as_str() {
        "done" => Some(Status::Done),
        "refused" => Some(Status::Refused),
        _ => {
            page.decision_error = Some(lang.t("privacy-error-decision"));
            None
        }
    };
    let resolution = match check_text(&form.jawaban, MIN_RESOLUTION_CHARS, MAX_TEXT_CHARS) {
        Ok(text) => Some(text),
        Err(TextProblem::TooShort) => {
            set_error(&mut page, "jawaban", "privacy-error-resolution");
            None
        }
        Err(TextProblem::TooLong) => {
            set_error(&mut page, "jawaban", "privacy-error-too-long");
            None
        }
    };
    let mut change = Change::Nothing;
    if status == Some(Status::Done) {
        match request.kind {
            Kind::Deletion => change = Change::Erase,
            Kind::Correction => {
                let name = form.nama.as_deref().unwrap_or_default().trim().to_string();
                if !NAME_CHARS.contains(&name.chars().count()) {
                    set_error(&mut page, "nama", "privacy-error-name");
                }
                let phone_text = form.telepon.as_deref().unwrap_or_default();
                let phone = if phone_text.trim().is_empty() {
                    None
                } else {
                    let phone = accounts::normalize_phone(phone_text);
                    if phone.is_none() {
                        set_error(&mut page, "telepon", "privacy-error-phone");
                    }
                    phone
                };
                let phone_sealed = phone.map(|p| state.fields.seal(field::PHONE, &p)).transpose()?;
                change = Change::Correct { name, phone_sealed };
            }
        }
    }
    page.errors = page
        .decision_error
        .iter()
        .map(|e| ("keputusan-done".to_string(), e.clone()))
        .chain(page.inputs.iter().filter_map(|i| i.error.clone().map(|e| (i.id.clone(), e))))
        .collect();
    let (Some(status), Some(resolution)) = (status, resolution) else {
        return respond(&page, StatusCode::BAD_REQUEST);
    };
    if !page.errors.is_empty() {
        return respond(&page, StatusCode::BAD_REQUEST);
    }
    let actor = officer.principal.actor();
    let mut tx = state.db.begin().await?;
    let resolution = Resolution { status, text: resolution, change };
    let resolved =
        resolve(&state.db, &mut tx, &request, officer.principal.account_id, &actor, &resolution).await?;
    if !resolved {
        drop(tx);
        return already_resolved(&state, &context, &request).await;
    }
    tx.commit().await?;
    tracing::info!(request = request.id, status = status.as_str(), "privacy request resolved");
    let outcome = match &resolution.change {
        Change::Erase => "privacy-resolved-erased",
        Change::Correct { .. } => "privacy-resolved-corrected",
        Change::Nothing => "privacy-resolved-refused",
    };
    let page = MessagePage {
        chrome: Chrome::new(&context, &installation, "account", lang.t("privacy-resolved-title")),
        paragraphs: vec![lang.t_args(outcome, &[("number", request.id.to_string())])],
        codes: Vec::new(),
        links: vec![("/admin/privasi".into(), lang.t("privacy-admin-title"))],
    };
    render(&page)
}

async fn already_resolved(
    state: &AppState,
    context: &RequestContext,
    request: &Request,
) -> AppResult<Response> {
    let lang = context.lang;
    let installation = portal_store::installation(&state.db).await?;
    let page = MessagePage {
        chrome: Chrome::new(context, &installation, "account", lang.t("privacy-already-resolved-title")),
        paragraphs: vec![lang.t_args("privacy-already-resolved", &[("number", request.id.to_string())])],
        codes: Vec::new(),
        links: vec![("/admin/privasi".into(), lang.t("privacy-admin-title"))],
    };
    respond(&page, StatusCode::CONFLICT)
}
