//! API tokens: a citizen (for their businesses) or an officer (for their agency) issues
//! named tokens with a few scopes and a lifetime, sees them listed, and revokes them. The
//! token itself is shown once; only its SHA-256 is stored. Tokens are managed from a full
//! browser session only, so a leaked token cannot mint more of itself.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::Row;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::accounts;
use crate::identity::routes::{EmptyForm, MessagePage, chrome};
use crate::identity::session::{AccountKind, Credential, SignedIn, new_token, token_hash};
use crate::portal::routes::render_status;
use crate::portal::store as portal_store;
use crate::web::extract::{Form, Path};
use crate::web::page::{Chrome, format_timestamp};
use crate::web::{RequestContext, see_other};

/// Scopes a citizen's token may hold.
pub const CITIZEN_SCOPES: &[&str] =
    &["me:read", "businesses:read", "applications:read", "applications:write"];
/// Scopes an officer's token may hold.
pub const OFFICER_SCOPES: &[&str] = &["me:read", "citizens:read", "applications:handle"];
/// Shortest and longest token name, in characters.
const NAME_CHARS: std::ops::RangeInclusive<usize> = 3..=60;
/// Shortest and longest lifetime, in days.
const DAYS: std::ops::RangeInclusive<i64> = 1..=365;
/// The lifetime the form suggests.
const DEFAULT_DAYS: i64 = 90;
/// Most unrevoked, unexpired tokens one account may hold, so a forgotten script cannot
/// pile them up.
const MAX_ACTIVE: i64 = 20;
const DAY_SECONDS: i64 = 24 * 60 * 60;

/// The scopes this kind of account may put on a token.
pub fn allowed_scopes(kind: AccountKind) -> &'static [&'static str] {
    match kind {
        AccountKind::Citizen => CITIZEN_SCOPES,
        AccountKind::Officer => OFFICER_SCOPES,
    }
}

/// Tokens are managed from a full browser session only; officers also need their second
/// factor (which they always have, but the rule should not rest on that).
fn require_manager(signed_in: &SignedIn) -> AppResult<()> {
    let principal = &signed_in.principal;
    if matches!(principal.credential, Credential::ApiToken { .. }) || !principal.is_full_session() {
        return Err(AppError::Forbidden);
    }
    if principal.kind == AccountKind::Officer && !principal.second_factor {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// One row of the token list.
struct TokenRow {
    id: i64,
    name: String,
    scopes: String,
    created: String,
    expires: String,
    last_used: String,
    status: String,
    active: bool,
}

/// One scope checkbox.
struct ScopeChoice {
    value: &'static str,
    id: String,
    label: String,
    checked: bool,
}

/// What the create form holds, with its problems.
struct CreateForm {
    name: String,
    name_error: Option<String>,
    scopes: Vec<ScopeChoice>,
    scope_error: Option<String>,
    days: String,
    days_error: Option<String>,
}

impl CreateForm {
    fn new(lang: Lang, kind: AccountKind, name: &str, chosen: &[String], days: &str) -> Self {
        let scopes = allowed_scopes(kind)
            .iter()
            .map(|scope| ScopeChoice {
                value: scope,
                id: format!("scope-{}", scope.replace(':', "-")),
                label: lang.t(&format!("tokens-scope-{}", scope.replace(':', "-"))),
                checked: chosen.iter().any(|c| c == scope),
            })
            .collect();
        Self {
            name: name.to_string(),
            name_error: None,
            scopes,
            scope_error: None,
            days: days.to_string(),
            days_error: None,
        }
    }

    fn errors(&self) -> Vec<(String, String)> {
        let first_scope = self.scopes.first().map(|s| s.id.clone()).unwrap_or_default();
        [
            ("nama".to_string(), &self.name_error),
            (first_scope, &self.scope_error),
            ("masa".into(), &self.days_error),
        ]
        .into_iter()
        .filter_map(|(id, e)| e.clone().map(|e| (id, e)))
        .collect()
    }
}

/// `GET /akun/token` and the create form's answers.
#[derive(Template)]
#[template(path = "account/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    rows: Vec<TokenRow>,
    csrf: String,
    errors: Vec<(String, String)>,
    form: CreateForm,
}

async fn list_page(
    state: &AppState,
    context: &RequestContext,
    signed_in: &SignedIn,
    form: CreateForm,
    status: StatusCode,
) -> AppResult<Response> {
    let lang = context.lang;
    let installation = portal_store::installation(&state.db).await?;
    let offset = installation.utc_offset_hours;
    let now = jiff::Timestamp::now().as_second();
    let found = sqlx::query(
        "SELECT id, name, scopes, created_at, expires_at, revoked_at, last_used_at FROM api_tokens \
         WHERE account_id = $1 ORDER BY id DESC",
    )
    .bind(signed_in.principal.account_id)
    .fetch_all(state.db.pool())
    .await?;
    let mut rows = Vec::with_capacity(found.len());
    for row in &found {
        let expires_at: i64 = row.try_get("expires_at")?;
        let revoked_at: Option<i64> = row.try_get("revoked_at")?;
        let last_used_at: Option<i64> = row.try_get("last_used_at")?;
        let (status, active) = match revoked_at {
            Some(_) => (lang.t("tokens-status-revoked"), false),
            None if expires_at <= now => (lang.t("tokens-status-expired"), false),
            None => (lang.t("tokens-status-active"), true),
        };
        rows.push(TokenRow {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            scopes: row.try_get::<String, _>("scopes")?.split_whitespace().collect::<Vec<_>>().join(", "),
            created: format_timestamp(lang, row.try_get("created_at")?, offset),
            expires: format_timestamp(lang, expires_at, offset),
            last_used: last_used_at
                .map_or_else(|| lang.t("tokens-never-used"), |t| format_timestamp(lang, t, offset)),
            status,
            active,
        });
    }
    let page = TokensPage {
        chrome: chrome(state, context, "tokens-title").await?,
        rows,
        csrf: signed_in.csrf.clone(),
        errors: form.errors(),
        form,
    };
    render_status(&page, status)
}

/// `GET /akun/token`: my API tokens and a form to issue one.
pub async fn list(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    require_manager(&signed_in)?;
    let form = CreateForm::new(context.lang, signed_in.principal.kind, "", &[], &DEFAULT_DAYS.to_string());
    list_page(&state, &context, &signed_in, form, StatusCode::OK).await
}

/// `POST /akun/token`: checks name, scopes and lifetime, then issues the token and shows
/// it once.
pub async fn create(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    require_manager(&signed_in)?;
    let lang = context.lang;
    let principal = &signed_in.principal;
    let mut name = String::new();
    let mut days = String::new();
    let mut chosen = Vec::new();
    for (key, value) in fields {
        match key.as_str() {
            "nama" => name = value,
            "masa" => days = value,
            "cakupan" => chosen.push(value),
            _ => {
                return Err(AppError::InvalidParameter {
                    name: key,
                    problem: crate::error::ParamProblem::Unknown,
                });
            }
        }
    }
    let mut form = CreateForm::new(lang, principal.kind, &name, &chosen, &days);
    let allowed = allowed_scopes(principal.kind);
    let trimmed = name.trim();
    if !NAME_CHARS.contains(&trimmed.chars().count()) {
        form.name_error = Some(lang.t("tokens-error-name"));
    }
    if chosen.is_empty() || chosen.iter().any(|c| !allowed.contains(&c.as_str())) {
        form.scope_error = Some(lang.t("tokens-error-scopes"));
    }
    let lifetime = days.trim().parse::<i64>().ok().filter(|d| DAYS.contains(d));
    if lifetime.is_none() {
        form.days_error = Some(lang.t("tokens-error-days"));
    }
    let Some(lifetime) = lifetime else {
        return list_page(&state, &context, &signed_in, form, StatusCode::BAD_REQUEST).await;
    };
    if form.name_error.is_some() || form.scope_error.is_some() {
        return list_page(&state, &context, &signed_in, form, StatusCode::BAD_REQUEST).await;
    }
    // Stored in the order the allowed list gives, once each.
    let scopes: Vec<&str> = allowed.iter().copied().filter(|s| chosen.iter().any(|c| c == s)).collect();
    let now = jiff::Timestamp::now().as_second();
    let mut tx = state.db.begin().await?;
    let active: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM api_tokens WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(principal.account_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if active >= MAX_ACTIVE {
        drop(tx);
        form.name_error = Some(lang.t_args("tokens-error-too-many", &[("n", MAX_ACTIVE.to_string())]));
        return list_page(&state, &context, &signed_in, form, StatusCode::CONFLICT).await;
    }
    let owner = (principal.account_id, principal.actor());
    let token = insert(&state.db, &mut tx, (owner.0, &owner.1), trimmed, &scopes, lifetime).await?;
    tx.commit().await?;
    let page = MessagePage {
        chrome: chrome(&state, &context, "tokens-created-title").await?,
        paragraphs: vec![lang.t("tokens-created-once"), lang.t("tokens-created-usage")],
        codes: vec![token],
        links: vec![("/akun/token".into(), lang.t("tokens-title"))],
    };
    render_status(&page, StatusCode::CREATED)
}

/// Stores a new token of `account_id` in the caller's transaction, with its audit entry
/// naming `actor`, and returns it (the only time it exists in clear).
pub async fn insert(
    db: &crate::db::Db,
    tx: &mut crate::db::Tx,
    (account_id, actor): (i64, &str),
    name: &str,
    scopes: &[&str],
    lifetime_days: i64,
) -> anyhow::Result<String> {
    let now = jiff::Timestamp::now().as_second();
    let token = new_token()?;
    let id: i64 = sqlx::query(
        "INSERT INTO api_tokens (token_hash, account_id, name, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(name)
    .bind(scopes.join(" "))
    .bind(now)
    .bind(now + lifetime_days * DAY_SECONDS)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    accounts::record(db, tx, actor, "token.issue", &format!("token/{id}")).await?;
    Ok(token)
}

/// `POST /akun/token/{id}/cabut`: revokes one of my tokens at once. Anyone else's token
/// id gets the same 404 as an unknown one.
pub async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    require_manager(&signed_in)?;
    let id = id.parse::<i64>().ok().filter(|id| *id > 0).ok_or(AppError::NotFound)?;
    let principal = &signed_in.principal;
    let now = jiff::Timestamp::now().as_second();
    let mut tx = state.db.begin().await?;
    let revoked_at: Option<Option<i64>> =
        sqlx::query("SELECT revoked_at FROM api_tokens WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(principal.account_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get("revoked_at"))
            .transpose()?;
    match revoked_at {
        None => {
            drop(tx);
            return Err(AppError::NotFound);
        }
        // Already revoked: nothing changes, so nothing to audit.
        Some(Some(_)) => {
            drop(tx);
            return Ok(see_other("/akun/token"));
        }
        Some(None) => {}
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    accounts::record(&state.db, &mut tx, &principal.actor(), "token.revoke", &format!("token/{id}")).await?;
    tx.commit().await?;
    Ok(see_other("/akun/token"))
}
