//! Businesses and the people who act for them: a citizen registers a business with its NIB
//! and NPWP and becomes its owner; owners invite others by mail to act for it as delegates,
//! and remove them again. Only members see a business (everyone else gets 404, so ids cannot
//! be probed). Every change is one transaction with its audit entry, which names the
//! business by id only, never its name, NIB or NPWP.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use satupintu_rules::business::{Nib, NibError, Npwp, NpwpError};

use crate::api::{ListPage, limit, page_of};
use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::accounts::{self, LinkProblem};
use crate::identity::routes::{EmptyForm, FormField, FormPage, MessagePage, chrome};
use crate::identity::session::{AccountKind, SignedIn, token_hash};
use crate::mail::OutgoingMail;
use crate::portal::routes::render;
use crate::web::extract::{Form, Path, Query};
use crate::web::page::Chrome;
use crate::web::{RequestContext, see_other};

/// Lifetime of an invitation link.
pub const INVITE_LINK_SECONDS: i64 = 7 * 24 * 60 * 60;
/// Most invitations one business may send in a day, so the outbox cannot be used to spam.
const INVITES_PER_DAY: i64 = 20;
/// Shortest and longest business name, in characters.
const NAME_CHARS: std::ops::RangeInclusive<usize> = 2..=200;
/// Most businesses the account page lists (the API pages through any number).
const PAGE_LIST_LIMIT: i64 = 500;

// ---------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------

/// What a member may do for a business.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Registered the business (or was made owner); invites and removes delegates.
    Owner,
    /// Acts for the business on an owner's invitation.
    Delegate,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Delegate => "delegate",
        }
    }

    /// Reads the stored name; the schema allows only these two.
    pub fn parse(text: &str) -> Self {
        if text == "owner" { Self::Owner } else { Self::Delegate }
    }

    /// The role in the reader's language.
    pub fn label(self, lang: Lang) -> String {
        lang.t(&format!("business-role-{}", self.as_str()))
    }
}

/// A business as one of its members sees it.
#[derive(Clone, Debug)]
pub struct Membership {
    /// The business's id.
    pub business_id: i64,
    /// Its name.
    pub name: String,
    /// Its NIB (13 digits).
    pub nib: String,
    /// Its NPWP, bare digits.
    pub npwp: String,
    /// The member's role.
    pub role: Role,
}

/// One person who acts for a business.
#[derive(Clone, Debug)]
pub struct Member {
    /// Their account.
    pub account_id: i64,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
}

/// A pending or used invitation, as its token names it.
#[derive(Clone, Debug)]
pub struct Invitation {
    /// The business it is for.
    pub business_id: i64,
    /// The address it was sent to (normalized).
    pub email: String,
}

// ---------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------

fn membership_from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<Membership> {
    Ok(Membership {
        business_id: row.try_get("id")?,
        name: row.try_get("name")?,
        nib: row.try_get("nib")?,
        npwp: row.try_get("npwp")?,
        role: Role::parse(&row.try_get::<String, _>("role")?),
    })
}

/// The businesses an account owns or acts for, by id, after `after_id`.
pub async fn memberships(
    db: &Db,
    account_id: i64,
    after_id: i64,
    limit: i64,
) -> anyhow::Result<Vec<Membership>> {
    let rows = sqlx::query(
        "SELECT b.id, b.name, b.nib, b.npwp, m.role FROM business_members m \
         JOIN businesses b ON b.id = m.business_id \
         WHERE m.account_id = $1 AND b.id > $2 ORDER BY b.id LIMIT $3",
    )
    .bind(account_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(membership_from_row).collect()
}

/// One business, if the account is a member of it.
pub async fn membership(db: &Db, business_id: i64, account_id: i64) -> anyhow::Result<Option<Membership>> {
    let row = sqlx::query(
        "SELECT b.id, b.name, b.nib, b.npwp, m.role FROM business_members m \
         JOIN businesses b ON b.id = m.business_id WHERE m.business_id = $1 AND m.account_id = $2",
    )
    .bind(business_id)
    .bind(account_id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(membership_from_row).transpose()
}

/// Everyone who acts for a business: owners first, then in the order they joined.
pub async fn members(db: &Db, business_id: i64) -> anyhow::Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT m.account_id, a.name, m.role FROM business_members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.business_id = $1 \
         ORDER BY CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, m.added_at, m.account_id",
    )
    .bind(business_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Member {
                account_id: row.try_get("account_id")?,
                name: row.try_get("name")?,
                role: Role::parse(&row.try_get::<String, _>("role")?),
            })
        })
        .collect()
}

/// Creates a business with `account_id` as its owner, in the caller's transaction. `None`
/// when the NIB is already registered (the unique NIB decides, so two concurrent
/// registrations of one NIB cannot both succeed).
pub async fn create(
    db: &Db,
    tx: &mut Tx,
    account_id: i64,
    actor: &str,
    name: &str,
    nib: &Nib,
    npwp: &Npwp,
) -> anyhow::Result<Option<i64>> {
    let now = jiff::Timestamp::now().as_second();
    let row = sqlx::query(
        "INSERT INTO businesses (nib, npwp, name, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (nib) DO NOTHING RETURNING id",
    )
    .bind(nib.as_str())
    .bind(npwp.as_str())
    .bind(name)
    .bind(account_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let business_id: i64 = row.try_get("id")?;
    sqlx::query(
        "INSERT INTO business_members (business_id, account_id, role, added_at) VALUES ($1, $2, 'owner', $3)",
    )
    .bind(business_id)
    .bind(account_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    accounts::record(db, tx, actor, "business.register", &format!("business/{business_id}")).await?;
    Ok(Some(business_id))
}

/// How many invitations a business sent in the last day.
async fn invitations_today(db: &Db, business_id: i64) -> anyhow::Result<i64> {
    let since = jiff::Timestamp::now().as_second() - 24 * 60 * 60;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM email_tokens WHERE purpose = 'invite' AND business_id = $1 AND created_at > $2",
    )
    .bind(business_id)
    .bind(since)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("n")?)
}

/// Whether the account with this (normalized) email already acts for the business.
async fn email_is_member(db: &Db, business_id: i64, email: &str) -> anyhow::Result<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM business_members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.business_id = $1 AND a.email = $2",
    )
    .bind(business_id)
    .bind(email)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.is_some())
}

/// Stores a single-use invitation for `email` to act for a business, and returns its token;
/// the account is unknown until someone accepts.
pub async fn issue_invitation(tx: &mut Tx, business_id: i64, email: &str) -> anyhow::Result<String> {
    accounts::issue_email_token(
        tx,
        "invite",
        accounts::LinkFor::Business(business_id),
        accounts::SentTo::Email(email),
        INVITE_LINK_SECONDS,
    )
    .await
}

/// Reads an invitation token's row and says whether it may still be used.
fn invitation_from_row(
    row: Option<sqlx::any::AnyRow>,
    now: i64,
) -> anyhow::Result<Result<Invitation, LinkProblem>> {
    let Some(row) = row else { return Ok(Err(LinkProblem::Unknown)) };
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        return Ok(Err(LinkProblem::Used));
    }
    if row.try_get::<i64, _>("expires_at")? <= now {
        return Ok(Err(LinkProblem::Expired));
    }
    let Some(business_id) = row.try_get::<Option<i64>, _>("business_id")? else {
        return Ok(Err(LinkProblem::Unknown));
    };
    Ok(Ok(Invitation { business_id, email: row.try_get("email")? }))
}

const INVITATION_SELECT: &str = "SELECT t.business_id, t.email, t.expires_at, t.used_at FROM email_tokens t \
     JOIN businesses b ON b.id = t.business_id WHERE t.token_hash = $1 AND t.purpose = 'invite'";

/// Checks whether an invitation is still usable, without using it (for the page behind the
/// link; mail scanners open links).
pub async fn invitation_state(db: &Db, token: &str) -> anyhow::Result<Result<Invitation, LinkProblem>> {
    let row = sqlx::query(INVITATION_SELECT).bind(token_hash(token)).fetch_optional(db.pool()).await?;
    invitation_from_row(row, jiff::Timestamp::now().as_second())
}

/// Uses an invitation: marks it used in the caller's transaction and returns what it was for.
/// Like [`accounts::consume_email_token`], but an invitation names a business and an
/// address rather than an account.
pub async fn consume_invitation(tx: &mut Tx, token: &str) -> anyhow::Result<Result<Invitation, LinkProblem>> {
    let now = jiff::Timestamp::now().as_second();
    let row = sqlx::query(INVITATION_SELECT).bind(token_hash(token)).fetch_optional(&mut **tx).await?;
    let invitation = match invitation_from_row(row, now)? {
        Ok(invitation) => invitation,
        Err(problem) => return Ok(Err(problem)),
    };
    // The condition on used_at makes two concurrent uses of one link succeed only once.
    let done = sqlx::query(
        "UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = 'invite' AND used_at IS NULL",
    )
    .bind(now)
    .bind(token_hash(token))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(Err(LinkProblem::Used));
    }
    Ok(Ok(invitation))
}

/// The account's own email, to match against invitations.
async fn account_email(db: &Db, account_id: i64) -> anyhow::Result<Option<String>> {
    let row = sqlx::query("SELECT email FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|r| r.try_get::<Option<String>, _>("email")).transpose()?.flatten())
}

// ---------------------------------------------------------------------------------------
// Checking the form
// ---------------------------------------------------------------------------------------

/// What is wrong with a NIB, in the reader's language.
pub fn nib_message(lang: Lang, input: &str, error: NibError) -> String {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return lang.t("nib-error-missing");
    }
    match error {
        NibError::Length => {
            lang.t_args("nib-error-length", &[("count", trimmed.chars().count().to_string())])
        }
        NibError::NotDigits => lang.t("nib-error-not-digits"),
    }
}

/// What is wrong with an NPWP, in the reader's language.
pub fn npwp_message(lang: Lang, input: &str, error: NpwpError) -> String {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return lang.t("npwp-error-missing");
    }
    match error {
        NpwpError::Length => {
            let digits = trimmed.chars().filter(char::is_ascii_digit).count();
            lang.t_args("npwp-error-length", &[("count", digits.to_string())])
        }
        NpwpError::NotDigits => lang.t("npwp-error-not-digits"),
        NpwpError::CheckDigit => lang.t("npwp-error-check-digit"),
        NpwpError::Format => lang.t("npwp-error-format"),
    }
}

/// A form input labelled with one of this module's messages.
fn input(
    lang: Lang,
    name: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: &str,
) -> FormField {
    FormField {
        name,
        label: lang.t(&format!("business-field-{name}")),
        kind,
        autocomplete,
        inputmode: "",
        value: value.to_string(),
        hint: None,
        error: None,
        required: true,
    }
}

fn set_error(fields: &mut [FormField], name: &str, message: String) {
    if let Some(field) = fields.iter_mut().find(|f| f.name == name) {
        field.error = Some(message);
    }
}

fn error_summary(fields: &[FormField]) -> Vec<(String, String)> {
    fields.iter().filter_map(|f| f.error.clone().map(|e| (f.name.to_string(), e))).collect()
}

fn with_status(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    response
}

/// Only citizens act for businesses; officers act for the government.
fn require_citizen(signed_in: &SignedIn) -> AppResult<()> {
    if signed_in.principal.kind == AccountKind::Citizen { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A path id that is not a number names no business: the same 404 as anyone else's.
fn parse_id(text: &str) -> AppResult<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0).ok_or(AppError::NotFound)
}

/// The NPWP as people write it (dotted for the old format).
fn npwp_written(digits: &str) -> String {
    Npwp::parse(digits).map(|n| n.formatted()).unwrap_or_else(|_| digits.to_string())
}

async fn message_page(
    state: &AppState,
    context: &RequestContext,
    status: StatusCode,
    title_key: &str,
    paragraphs: Vec<String>,
    links: Vec<(String, String)>,
) -> AppResult<Response> {
    let page = MessagePage {
        chrome: chrome(state, context, title_key).await?,
        paragraphs,
        codes: Vec::new(),
        links,
    };
    Ok(with_status(render(&page)?, status))
}

// ---------------------------------------------------------------------------------------
// My businesses: list and registration
// ---------------------------------------------------------------------------------------

/// One row of the list of my businesses.
struct BusinessRow {
    id: i64,
    name: String,
    nib: String,
    npwp: String,
    role: String,
}

/// `GET /akun/usaha` and the registration form's answers.
#[derive(Template)]
#[template(path = "account/business_list.html")]
struct BusinessListPage {
    chrome: Chrome,
    rows: Vec<BusinessRow>,
    csrf: String,
    errors: Vec<(String, String)>,
    fields: Vec<FormField>,
}

/// The registration form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterBusinessForm {
    #[serde(default)]
    nama_usaha: String,
    #[serde(default)]
    nib: String,
    #[serde(default)]
    npwp: String,
}

fn register_fields(lang: Lang, form: &RegisterBusinessForm) -> Vec<FormField> {
    let mut nib = input(lang, "nib", "text", "off", &form.nib);
    nib.inputmode = "numeric";
    nib.hint = Some(lang.t("business-field-nib-hint"));
    let mut npwp = input(lang, "npwp", "text", "off", &form.npwp);
    npwp.hint = Some(lang.t("business-field-npwp-hint"));
    vec![input(lang, "nama_usaha", "text", "organization", &form.nama_usaha), nib, npwp]
}

async fn list_page(
    state: &AppState,
    context: &RequestContext,
    signed_in: &SignedIn,
    fields: Vec<FormField>,
    status: StatusCode,
) -> AppResult<Response> {
    let lang = context.lang;
    let rows = memberships(&state.db, signed_in.principal.account_id, 0, PAGE_LIST_LIMIT)
        .await?
        .into_iter()
        .map(|m| BusinessRow {
            id: m.business_id,
            name: m.name,
            npwp: npwp_written(&m.npwp),
            nib: m.nib,
            role: m.role.label(lang),
        })
        .collect();
    let page = BusinessListPage {
        chrome: chrome(state, context, "business-title").await?,
        rows,
        csrf: signed_in.csrf.clone(),
        errors: error_summary(&fields),
        fields,
    };
    Ok(with_status(render(&page)?, status))
}

/// `GET /akun/usaha`: the businesses I own or act for, and a form to register one.
pub async fn list(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    require_citizen(&signed_in)?;
    let fields = register_fields(context.lang, &RegisterBusinessForm::default());
    list_page(&state, &context, &signed_in, fields, StatusCode::OK).await
}

/// `POST /akun/usaha`: checks name, NIB and NPWP, then registers the business with me as
/// its owner.
pub async fn register(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Form(form): Form<RegisterBusinessForm>,
) -> AppResult<Response> {
    require_citizen(&signed_in)?;
    let lang = context.lang;
    let mut fields = register_fields(lang, &form);
    let name = form.nama_usaha.trim();
    if !NAME_CHARS.contains(&name.chars().count()) {
        set_error(&mut fields, "nama_usaha", lang.t("business-error-name"));
    }
    let nib = Nib::parse(&form.nib);
    if let Err(e) = &nib {
        set_error(&mut fields, "nib", nib_message(lang, &form.nib, *e));
    }
    let npwp = Npwp::parse(&form.npwp);
    if let Err(e) = &npwp {
        set_error(&mut fields, "npwp", npwp_message(lang, &form.npwp, *e));
    }
    let (Ok(nib), Ok(npwp)) = (nib, npwp) else {
        return list_page(&state, &context, &signed_in, fields, StatusCode::BAD_REQUEST).await;
    };
    if fields.iter().any(|f| f.error.is_some()) {
        return list_page(&state, &context, &signed_in, fields, StatusCode::BAD_REQUEST).await;
    }
    let principal = &signed_in.principal;
    let mut tx = state.db.begin().await?;
    let created =
        create(&state.db, &mut tx, principal.account_id, &principal.actor(), name, &nib, &npwp).await?;
    let Some(business_id) = created else {
        drop(tx);
        tracing::info!("business registration refused: NIB already registered");
        set_error(&mut fields, "nib", lang.t("business-nib-taken"));
        return list_page(&state, &context, &signed_in, fields, StatusCode::CONFLICT).await;
    };
    tx.commit().await?;
    Ok(see_other(&format!("/akun/usaha/{business_id}?pesan=terdaftar")))
}

// ---------------------------------------------------------------------------------------
// One business: members, invitations, removal
// ---------------------------------------------------------------------------------------

/// One row of a business's members.
struct MemberRow {
    account_id: i64,
    name: String,
    role: String,
    removable: bool,
}

/// `GET /akun/usaha/{id}`.
#[derive(Template)]
#[template(path = "account/business_detail.html")]
struct BusinessDetailPage {
    chrome: Chrome,
    business_id: i64,
    notice: Option<String>,
    facts: Vec<(String, String)>,
    members: Vec<MemberRow>,
    is_owner: bool,
    csrf: String,
    errors: Vec<(String, String)>,
    fields: Vec<FormField>,
}

/// Query of the business page: which change just happened, for the notice.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailQuery {
    pesan: Option<String>,
}

/// The invitation form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
}

fn invite_fields(lang: Lang, email: &str) -> Vec<FormField> {
    vec![input(lang, "email", "email", "off", email)]
}

/// The signed-in citizen's membership of a business; anything else is 404, whether the
/// business exists or not.
async fn member_of(state: &AppState, signed_in: &SignedIn, id: &str) -> AppResult<Membership> {
    let business_id = parse_id(id)?;
    membership(&state.db, business_id, signed_in.principal.account_id).await?.ok_or(AppError::NotFound)
}

async fn detail_page(
    state: &AppState,
    context: &RequestContext,
    signed_in: &SignedIn,
    business: &Membership,
    notice: Option<String>,
    fields: Vec<FormField>,
    status: StatusCode,
) -> AppResult<Response> {
    let lang = context.lang;
    let is_owner = business.role == Role::Owner;
    let members = members(&state.db, business.business_id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            account_id: m.account_id,
            name: m.name,
            role: m.role.label(lang),
            removable: is_owner && m.role == Role::Delegate,
        })
        .collect();
    let mut chrome = chrome(state, context, "business-title").await?;
    chrome.title = business.name.clone();
    let page = BusinessDetailPage {
        chrome,
        business_id: business.business_id,
        notice,
        facts: vec![
            (lang.t("business-col-nib"), business.nib.clone()),
            (lang.t("business-col-npwp"), npwp_written(&business.npwp)),
            (lang.t("business-your-role"), business.role.label(lang)),
        ],
        members,
        is_owner,
        csrf: signed_in.csrf.clone(),
        errors: error_summary(&fields),
        fields,
    };
    Ok(with_status(render(&page)?, status))
}

/// `GET /akun/usaha/{id}`: the business, who acts for it, and for owners the invitation form.
pub async fn detail(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> AppResult<Response> {
    let business = member_of(&state, &signed_in, &id).await?;
    let lang = context.lang;
    let notice = match query.pesan.as_deref() {
        Some("terdaftar") => Some(lang.t("business-notice-registered")),
        Some("terkirim") => Some(lang.t("business-notice-invited")),
        Some("dihapus") => Some(lang.t("business-notice-removed")),
        Some("diterima") => Some(lang.t("business-notice-accepted")),
        _ => None,
    };
    detail_page(&state, &context, &signed_in, &business, notice, invite_fields(lang, ""), StatusCode::OK)
        .await
}

/// `POST /akun/usaha/{id}/undang`: an owner invites someone, by email, to act for the
/// business; the link is mailed and works once, for 7 days.
pub async fn invite(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let business = member_of(&state, &signed_in, &id).await?;
    if business.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang;
    let mut fields = invite_fields(lang, &form.email);
    let email = accounts::normalize_email(&form.email);
    let refusal = if !accounts::plausible_email(&email) {
        Some((StatusCode::BAD_REQUEST, "business-error-email"))
    } else if email_is_member(&state.db, business.business_id, &email).await? {
        Some((StatusCode::CONFLICT, "business-invite-member"))
    } else if invitations_today(&state.db, business.business_id).await? >= INVITES_PER_DAY {
        Some((StatusCode::TOO_MANY_REQUESTS, "business-invite-too-many"))
    } else {
        None
    };
    if let Some((status, key)) = refusal {
        set_error(&mut fields, "email", lang.t(key));
        return detail_page(&state, &context, &signed_in, &business, None, fields, status).await;
    }
    let principal = &signed_in.principal;
    let mut tx = state.db.begin().await?;
    let token = issue_invitation(&mut tx, business.business_id, &email).await?;
    let link = format!("{}/akun/undangan/{token}", state.link_base);
    let args = [("business", business.name.clone()), ("inviter", principal.name.clone()), ("link", link)];
    let mail = OutgoingMail {
        to: email,
        subject: lang.t_args("business-mail-invite-subject", &args),
        text: lang.t_args("business-mail-invite-body", &args),
    };
    state.outbox.queue(&mut tx, &mail).await?;
    accounts::record(
        &state.db,
        &mut tx,
        &principal.actor(),
        "business.invite",
        &format!("business/{}", business.business_id),
    )
    .await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(see_other(&format!("/akun/usaha/{}?pesan=terkirim", business.business_id)))
}

/// `POST /akun/usaha/{id}/anggota/{account}/hapus`: an owner removes someone who acts for
/// the business. The last owner stays, so a business is never left without one.
pub async fn remove_member(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path((id, account)): Path<(String, String)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let business = member_of(&state, &signed_in, &id).await?;
    if business.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    let target = parse_id(&account)?;
    let business_id = business.business_id;
    let mut tx = state.db.begin().await?;
    let role = sqlx::query("SELECT role FROM business_members WHERE business_id = $1 AND account_id = $2")
        .bind(business_id)
        .bind(target)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get::<String, _>("role"))
        .transpose()?
        .map(|role| Role::parse(&role));
    let Some(role) = role else {
        drop(tx);
        return Err(AppError::NotFound);
    };
    if role == Role::Owner {
        let owners: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM business_members WHERE business_id = $1 AND role = 'owner'",
        )
        .bind(business_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if owners <= 1 {
            drop(tx);
            let lang = context.lang;
            return message_page(
                &state,
                &context,
                StatusCode::CONFLICT,
                "business-title",
                vec![lang.t("business-last-owner")],
                vec![(format!("/akun/usaha/{business_id}"), lang.t("business-back-to-business"))],
            )
            .await;
        }
    }
    sqlx::query("DELETE FROM business_members WHERE business_id = $1 AND account_id = $2")
        .bind(business_id)
        .bind(target)
        .execute(&mut *tx)
        .await?;
    accounts::record(
        &state.db,
        &mut tx,
        &signed_in.principal.actor(),
        "business.remove_member",
        &format!("business/{business_id}/member/{target}"),
    )
    .await?;
    tx.commit().await?;
    // An owner who removed themselves no longer sees the business.
    if target == signed_in.principal.account_id {
        return Ok(see_other("/akun/usaha"));
    }
    Ok(see_other(&format!("/akun/usaha/{business_id}?pesan=dihapus")))
}

// ---------------------------------------------------------------------------------------
// Accepting an invitation
// ---------------------------------------------------------------------------------------

async fn invitation_problem(
    state: &AppState,
    context: &RequestContext,
    problem: LinkProblem,
) -> AppResult<Response> {
    let (status, key) = match problem {
        LinkProblem::Unknown => (StatusCode::NOT_FOUND, "business-invitation-unknown"),
        LinkProblem::Expired => (StatusCode::BAD_REQUEST, "business-invitation-expired"),
        LinkProblem::Used => (StatusCode::CONFLICT, "business-invitation-used"),
    };
    tracing::info!(problem = ?problem, "invitation link refused");
    let lang = context.lang;
    message_page(
        state,
        context,
        status,
        "business-invitation-title",
        vec![lang.t(key)],
        vec![("/akun/usaha".into(), lang.t("business-title"))],
    )
    .await
}

/// Why the signed-in account may not accept an invitation that is otherwise usable.
async fn refusal(
    state: &AppState,
    context: &RequestContext,
    signed_in: &SignedIn,
    invitation: &Invitation,
) -> AppResult<Option<Response>> {
    let lang = context.lang;
    let principal = &signed_in.principal;
    let own_email = account_email(&state.db, principal.account_id).await?;
    // Case-insensitive: both sides are normalized the same way.
    let addressed_to_me = principal.kind == AccountKind::Citizen
        && own_email
            .is_some_and(|e| accounts::normalize_email(&e) == accounts::normalize_email(&invitation.email));
    if !addressed_to_me {
        tracing::info!(account = principal.account_id, "invitation refused: addressed to another email");
        let page = message_page(
            state,
            context,
            StatusCode::FORBIDDEN,
            "business-invitation-title",
            vec![lang.t("business-invitation-wrong-account")],
            vec![("/akun".into(), lang.t("account-title"))],
        )
        .await?;
        return Ok(Some(page));
    }
    if membership(&state.db, invitation.business_id, principal.account_id).await?.is_some() {
        let page = message_page(
            state,
            context,
            StatusCode::CONFLICT,
            "business-invitation-title",
            vec![lang.t("business-invitation-already-member")],
            vec![(format!("/akun/usaha/{}", invitation.business_id), lang.t("business-back-to-business"))],
        )
        .await?;
        return Ok(Some(page));
    }
    Ok(None)
}

/// `GET /akun/undangan/{token}`: which business invites me, and a button to accept. Opening
/// the link changes nothing (mail scanners open links); only the button uses it.
pub async fn invitation_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let invitation = match invitation_state(&state.db, &token).await? {
        Ok(invitation) => invitation,
        Err(problem) => return invitation_problem(&state, &context, problem).await,
    };
    if let Some(response) = refusal(&state, &context, &signed_in, &invitation).await? {
        return Ok(response);
    }
    let name: String = sqlx::query("SELECT name FROM businesses WHERE id = $1")
        .bind(invitation.business_id)
        .fetch_one(state.db.pool())
        .await?
        .try_get("name")?;
    let lang = context.lang;
    let mut page = FormPage::new(
        chrome(&state, &context, "business-invitation-title").await?,
        format!("/akun/undangan/{token}"),
        &signed_in.csrf,
        lang.t("business-invitation-accept"),
    );
    page.intro = vec![
        lang.t_args("business-invitation-intro", &[("business", name)]),
        lang.t("business-invitation-explain"),
    ];
    page.respond(StatusCode::OK)
}

/// `POST /akun/undangan/{token}`: accepts, once, if the invitation was sent to my address;
/// I then act for the business as a delegate.
pub async fn accept(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(token): Path<String>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    // Checked before the transaction: on SQLite no pool query may run while it is open.
    let invitation = match invitation_state(&state.db, &token).await? {
        Ok(invitation) => invitation,
        Err(problem) => return invitation_problem(&state, &context, problem).await,
    };
    if let Some(response) = refusal(&state, &context, &signed_in, &invitation).await? {
        return Ok(response);
    }
    let principal = &signed_in.principal;
    let mut tx = state.db.begin().await?;
    let invitation = match consume_invitation(&mut tx, &token).await? {
        Ok(invitation) => invitation,
        Err(problem) => {
            drop(tx);
            return invitation_problem(&state, &context, problem).await;
        }
    };
    let business_id = invitation.business_id;
    sqlx::query(
        "INSERT INTO business_members (business_id, account_id, role, added_at) VALUES ($1, $2, 'delegate', $3) \
         ON CONFLICT (business_id, account_id) DO NOTHING",
    )
    .bind(business_id)
    .bind(principal.account_id)
    .bind(jiff::Timestamp::now().as_second())
    .execute(&mut *tx)
    .await?;
    accounts::record(
        &state.db,
        &mut tx,
        &principal.actor(),
        "business.accept",
        &format!("business/{business_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/akun/usaha/{business_id}?pesan=diterima")))
}

// ---------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------

/// A business the caller owns or acts for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BusinessSummary {
    /// The business's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its NIB (13 digits).
    pub nib: String,
    /// Its NPWP, bare digits (15 or 16).
    pub npwp: String,
    /// The caller's role: `owner` or `delegate`.
    pub role: String,
}

/// Query of `GET /api/v1/businesses`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BusinessQuery {
    /// Items per page, 1–100 (default 20).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The businesses the caller owns or acts for. A browser session, or a token with `me:read`.
#[utoipa::path(get, path = "/api/v1/businesses", tag = "identity", params(BusinessQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ListPage<BusinessSummary>),
        (status = 400, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::web::problem::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn api_list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<BusinessQuery>,
) -> AppResult<Json<ListPage<BusinessSummary>>> {
    if !(signed_in.principal.has_scope("me:read") || signed_in.principal.has_scope("businesses:read")) {
        return Err(AppError::Forbidden);
    }
    let limit = limit(query.limit)?;
    let after = crate::api::Cursor::decode_opt("businesses", query.cursor.as_deref())?.map_or(0, |c| c.id);
    let rows = memberships(&state.db, signed_in.principal.account_id, after, limit + 1)
        .await?
        .into_iter()
        .map(|m| {
            let id = m.business_id;
            (id, BusinessSummary { id, name: m.name, nib: m.nib, npwp: m.npwp, role: m.role.as_str().into() })
        })
        .collect();
    Ok(Json(page_of(rows, limit, "businesses", |id| (*id, *id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nib_problem_has_its_own_message_in_both_languages() {
        for lang in [Lang::Id, Lang::En] {
            let missing = nib_message(lang, "  ", NibError::Length);
            let short = nib_message(lang, "912000123456", NibError::Length);
            let letters = nib_message(lang, "912000123456A", NibError::NotDigits);
            assert!(short.contains("12"), "{short}");
            assert_ne!(missing, short);
            assert_ne!(short, letters);
        }
    }

    #[test]
    fn every_npwp_problem_has_its_own_message_in_both_languages() {
        for lang in [Lang::Id, Lang::En] {
            let messages = [
                npwp_message(lang, "", NpwpError::Length),
                npwp_message(lang, "0131216600910", NpwpError::Length),
                npwp_message(lang, "O13121660091000", NpwpError::NotDigits),
                npwp_message(lang, "013121670091000", NpwpError::CheckDigit),
                npwp_message(lang, "013.121.660-091.000", NpwpError::Format),
            ];
            assert!(messages[1].contains("13"), "{}", messages[1]);
            for (i, a) in messages.iter().enumerate() {
                for b in &messages[i + 1..] {
                    assert_ne!(a, b);
                }
            }
        }
    }

    #[test]
    fn old_npwps_are_shown_dotted() {
        assert_eq!(npwp_written("013121660091000"), "01.312.166.0-091.000");
        assert_eq!(npwp_written("3578014708900001"), "3578014708900001");
    }

    #[test]
    fn path_ids_that_are_not_positive_numbers_name_nothing() {
        assert!(matches!(parse_id("abc"), Err(AppError::NotFound)));
        assert!(matches!(parse_id("0"), Err(AppError::NotFound)));
        assert_eq!(parse_id("42").ok(), Some(42));
    }
}
