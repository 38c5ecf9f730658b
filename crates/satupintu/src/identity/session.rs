//! Who is asking: server-side sessions behind an opaque cookie, API bearer tokens, and the
//! CSRF token every form carries.
//!
//! The cookie and the bearer token are random; the database keeps only their SHA-256, so a
//! copy of the database cannot be replayed as a login. CSRF tokens are an HMAC of the
//! session (or, before sign-in, of a random cookie scoped to `/akun`), so they need no
//! storage and die with the session.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;

use crate::app::AppState;
use crate::db::Db;
use crate::error::AppError;
use crate::web::RequestContext;

/// The session cookie.
pub const SESSION_COOKIE: &str = "sp_sesi";
/// The pre-sign-in cookie that anonymous forms' CSRF tokens are bound to.
pub const FORM_COOKIE: &str = "sp_form";
/// A session unused this long ends.
pub const IDLE_SECONDS: i64 = 60 * 60;
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;
/// Time to enter the second factor after the password.
pub const SECOND_FACTOR_SECONDS: i64 = 5 * 60;
/// `last_seen_at` is written at most this often, to keep reads cheap.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// Whether an account is a citizen's (and business's) or an officer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    /// A citizen; may act for businesses.
    Citizen,
    /// A government officer with scoped roles.
    Officer,
}

impl AccountKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Officer => "officer",
        }
    }

    /// Reads the stored name.
    pub fn parse(text: &str) -> Self {
        if text == "officer" { Self::Officer } else { Self::Citizen }
    }
}

/// How the request proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A browser session: the SHA-256 of its cookie.
    Session {
        /// Hex SHA-256 of the cookie's token.
        token_hash: String,
        /// The password is checked but the second factor is not yet.
        pending_second_factor: bool,
    },
    /// An API token with its scopes.
    ApiToken {
        /// The token's row id.
        id: i64,
        /// What the token may do.
        scopes: Vec<String>,
    },
}

/// The account behind the request.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The account id.
    pub account_id: i64,
    /// Citizen or officer.
    pub kind: AccountKind,
    /// The display name.
    pub name: String,
    /// Whether the account has a second factor.
    pub second_factor: bool,
    /// Set by `user create`: the password must be changed before anything else.
    pub must_change_password: bool,
    /// Session or token.
    pub credential: Credential,
}

impl Principal {
    /// `citizen:{id}` or `officer:{id}`: the actor of audit entries.
    pub fn actor(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.account_id)
    }

    /// Whether this is a complete browser session (not waiting for the second factor).
    pub fn is_full_session(&self) -> bool {
        matches!(self.credential, Credential::Session { pending_second_factor: false, .. })
    }

    /// Whether an API token carries the scope (sessions hold every scope of their account).
    pub fn has_scope(&self, scope: &str) -> bool {
        match &self.credential {
            Credential::Session { pending_second_factor, .. } => !pending_second_factor,
            Credential::ApiToken { scopes, .. } => scopes.iter().any(|s| s == scope),
        }
    }
}

/// What the session layer learnt about the request, for extractors and forms.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// The signed-in account, if any.
    pub principal: Option<Principal>,
    /// The CSRF token forms on this page must carry.
    pub csrf: String,
}

/// The key CSRF tokens are derived with; generated into the data folder like the others.
#[derive(Clone)]
pub struct CsrfKey(Arc<[u8; 32]>);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(…)")
    }
}

impl CsrfKey {
    /// The file that holds the key in the data folder.
    pub const FILE: &'static str = "csrf-key.bin";

    /// Loads the key, generating it (mode 0600) on first use.
    pub fn load_or_create(path: &std::path::Path) -> anyhow::Result<Self> {
        let bytes = match crate::secrets::read(path)? {
            Some(bytes) => bytes,
            None => crate::secrets::create_once(path, &crate::secrets::random_key()?)?,
        };
        let key = <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| anyhow::anyhow!("{} is not a 32-byte key", path.display()))?;
        Ok(Self(Arc::new(key)))
    }

    /// The token for forms bound to `binding` (a session's hash or the form cookie).
    pub fn token_for(&self, binding: &str) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_slice()) else {
            return Default::default();
        };
        mac.update(b"csrf\0");
        mac.update(binding.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `token` is the one for `binding`, compared in constant time.
    pub fn verify(&self, binding: &str, token: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_slice()) else {
            return Default::default();
        };
        mac.update(b"csrf\0");
        mac.update(binding.as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}

/// A new random token for a cookie, link or API token: 256 bits, URL-safe.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    crate::digest::sha256_hex(token.as_bytes())
}

/// The CSRF binding and the cookie the layer must set before sign-in.
struct FormBinding {
    binding: String,
    new_cookie: Option<String>,
}

/// Finds the session or API token, checks its time-outs, and records the result for the
/// handlers; signed-in responses are marked uncacheable.
pub async fn session_layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let now = jiff::Timestamp::now().as_second();
    let cookies = request_cookies(&request);
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    let mut expired_session = false;
    let principal = if let Some(token) = bearer {
        match principal_from_api_token(&state.db, &token, now).await {
            Ok(Some(principal)) => Some(principal),
            // A wrong or revoked token is refused outright rather than treated as anonymous,
            // so a client notices at once.
            Ok(None) => return AppError::Unauthorized.into_response(),
            Err(e) => return AppError::from(e).into_response(),
        }
    } else if let Some(token) = cookie_value(&cookies, SESSION_COOKIE) {
        match principal_from_session(&state.db, &token_hash(&token), now).await {
            Ok(found) => {
                expired_session = found.is_none();
                found
            }
            Err(e) => return AppError::from(e).into_response(),
        }
    } else {
        None
    };
    let path = request.uri().path();
    let form = match &principal {
        Some(Principal { credential: Credential::Session { token_hash, .. }, .. }) => {
            FormBinding { binding: token_hash.clone(), new_cookie: None }
        }
        _ => match cookie_value(&cookies, FORM_COOKIE) {
            Some(value) => FormBinding { binding: value, new_cookie: None },
            // Pages with forms for visitors who are not signed in: the account pages, the
            // complaint pages (anyone may report) and the walk-in survey.
            None if path.starts_with("/akun")
                || path.starts_with("/pengaduan")
                || path.starts_with("/survei") =>
            {
                match new_token() {
                    Ok(value) => FormBinding { binding: value.clone(), new_cookie: Some(value) },
                    Err(e) => return AppError::Internal(e).into_response(),
                }
            }
            None => FormBinding { binding: String::new(), new_cookie: None },
        },
    };
    let csrf = if form.binding.is_empty() { String::new() } else { state.csrf_key.token_for(&form.binding) };
    let signed_in = principal.is_some();
    request.extensions_mut().insert(Visitor { principal, csrf });
    request.extensions_mut().insert(FormCsrf { binding: form.binding });
    let mut response = next.run(request).await;
    if signed_in {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(value) = form.new_cookie {
        let cookie = build_cookie(FORM_COOKIE, value, "/", state.behind_tls, None);
        append_cookie(&mut response, &cookie);
    }
    if expired_session {
        append_cookie(&mut response, &removal_cookie(SESSION_COOKIE, state.behind_tls));
    }
    response
}

/// The binding the CSRF token of this request's forms was derived from.
#[derive(Clone, Debug)]
pub struct FormCsrf {
    binding: String,
}

impl FormCsrf {
    /// Whether a submitted token belongs to this visitor.
    pub fn accepts(&self, key: &CsrfKey, token: &str) -> bool {
        !self.binding.is_empty() && key.verify(&self.binding, token)
    }
}

fn request_cookies(request: &Request) -> Vec<(String, String)> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .map(|c| (c.name().to_string(), c.value().to_string()))
        .collect()
}

fn cookie_value(cookies: &[(String, String)], name: &str) -> Option<String> {
    cookies.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure behind TLS.
pub fn build_cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    secure: bool,
    max_age_seconds: Option<i64>,
) -> String {
    let mut cookie =
        Cookie::build((name, value)).path(path).http_only(true).same_site(SameSite::Lax).secure(secure);
    if let Some(seconds) = max_age_seconds {
        cookie = cookie.max_age(cookie::time::Duration::seconds(seconds));
    }
    cookie.build().to_string()
}

/// A `Set-Cookie` value that removes the cookie.
pub fn removal_cookie(name: &'static str, secure: bool) -> String {
    build_cookie(name, String::new(), "/", secure, Some(0))
}

/// Adds a `Set-Cookie` header.
pub fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

async fn principal_from_session(db: &Db, hash: &str, now: i64) -> Result<Option<Principal>, sqlx::Error> {
    if let Some(kept) = db.recent().sessions.get(db.changes(), hash)
        && kept.usable_at(now)
    {
        return Ok(Some(kept.principal));
    }
    let since = std::time::Instant::now();
    let row = sqlx::query(
        "SELECT s.account_id, s.pending_2fa, s.last_seen_at, s.expires_at, a.kind, a.name, \
                a.totp_enabled_at, a.must_change_password, a.disabled_at \
         FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut last_seen: i64 = row.try_get("last_seen_at")?;
    let expires: i64 = row.try_get("expires_at")?;
    let disabled: Option<i64> = row.try_get("disabled_at")?;
    if now >= expires || now - last_seen >= IDLE_SECONDS || disabled.is_some() {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(hash).execute(db.pool()).await?;
        return Ok(None);
    }
    if now - last_seen >= TOUCH_EVERY_SECONDS {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(hash)
            .execute(db.pool())
            .await?;
        last_seen = now;
    }
    let pending: i64 = row.try_get("pending_2fa")?;
    let principal = Principal {
        account_id: row.try_get("account_id")?,
        kind: AccountKind::parse(&row.try_get::<String, _>("kind")?),
        name: row.try_get("name")?,
        second_factor: row.try_get::<Option<i64>, _>("totp_enabled_at")?.is_some(),
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        credential: Credential::Session { token_hash: hash.to_string(), pending_second_factor: pending != 0 },
    };
    let records = vec![format!("account/{}", principal.account_id), session_record(hash)];
    let kept = KeptCredential { principal: principal.clone(), expires, touched: last_seen };
    db.recent().sessions.put(hash.to_string(), since, records, kept);
    Ok(Some(principal))
}

/// The record a session's end changes: reads kept of it end with it.
fn session_record(hash: &str) -> String {
    format!("session/{hash}")
}

/// A session or token read a moment ago (see [`crate::db::fresh`]): good until it expires
/// or its last use must be written again.
#[derive(Clone, Debug)]
pub struct KeptCredential {
    principal: Principal,
    expires: i64,
    touched: i64,
}

impl KeptCredential {
    fn usable_at(&self, now: i64) -> bool {
        now < self.expires && now - self.touched < TOUCH_EVERY_SECONDS
    }
}

async fn principal_from_api_token(db: &Db, token: &str, now: i64) -> Result<Option<Principal>, sqlx::Error> {
    let hash = token_hash(token);
    if let Some(kept) = db.recent().tokens.get(db.changes(), &hash)
        && kept.usable_at(now)
    {
        return Ok(Some(kept.principal));
    }
    let since = std::time::Instant::now();
    let row = sqlx::query(
        "SELECT t.id, t.account_id, t.scopes, t.expires_at, t.revoked_at, t.last_used_at, a.kind, a.name, \
                a.totp_enabled_at, a.disabled_at \
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires: i64 = row.try_get("expires_at")?;
    let revoked: Option<i64> = row.try_get("revoked_at")?;
    let disabled: Option<i64> = row.try_get("disabled_at")?;
    if now >= expires || revoked.is_some() || disabled.is_some() {
        return Ok(None);
    }
    let id: i64 = row.try_get("id")?;
    let mut last_used: Option<i64> = row.try_get("last_used_at")?;
    if last_used.is_none_or(|t| now - t >= TOUCH_EVERY_SECONDS) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(db.pool())
            .await?;
        last_used = Some(now);
    }
    let scopes: String = row.try_get("scopes")?;
    let principal = Principal {
        account_id: row.try_get("account_id")?,
        kind: AccountKind::parse(&row.try_get::<String, _>("kind")?),
        name: row.try_get("name")?,
        second_factor: row.try_get::<Option<i64>, _>("totp_enabled_at")?.is_some(),
        must_change_password: false,
        credential: Credential::ApiToken {
            id,
            scopes: scopes.split_whitespace().map(str::to_string).collect(),
        },
    };
    let records = vec![format!("account/{}", principal.account_id), format!("token/{id}")];
    let kept = KeptCredential { principal: principal.clone(), expires, touched: last_used.unwrap_or(now) };
    db.recent().tokens.put(hash, since, records, kept);
    Ok(Some(principal))
}

/// Starts a session in the caller's transaction and returns the cookie to set. Sign-in
/// always starts a new session (the old cookie, if any, is dropped), so a session id fixed
/// before sign-in is worthless after it.
pub async fn start(
    tx: &mut crate::db::Tx,
    account_id: i64,
    pending_second_factor: bool,
    secure: bool,
) -> anyhow::Result<String> {
    let token = new_token()?;
    let now = jiff::Timestamp::now().as_second();
    let lifetime = if pending_second_factor { SECOND_FACTOR_SECONDS } else { ABSOLUTE_SECONDS };
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, pending_2fa, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(i64::from(pending_second_factor))
    .bind(now)
    .bind(now + lifetime)
    .execute(&mut **tx)
    .await?;
    tx.changed(&format!("account/{account_id}"));
    Ok(build_cookie(SESSION_COOKIE, token, "/", secure, None))
}

/// Ends one session.
pub async fn end(tx: &mut crate::db::Tx, token_hash: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut **tx).await?;
    tx.changed(&session_record(token_hash));
    Ok(())
}

/// Ends every session of an account ("sign out everywhere", password change).
pub async fn end_all(tx: &mut crate::db::Tx, account_id: i64) -> anyhow::Result<u64> {
    let done =
        sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(&mut **tx).await?;
    tx.changed(&format!("account/{account_id}"));
    Ok(done.rows_affected())
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer is not installed")))
    }
}

/// A signed-in account with a complete session or a token. Pages redirect anonymous
/// readers to sign in and come back; the API answers 401.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// Who.
    pub principal: Principal,
    /// The CSRF token for forms on the page.
    pub csrf: String,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let context = parts.extensions.get::<RequestContext>().cloned();
        let is_api = context.as_ref().is_some_and(|c| c.is_api);
        match visitor.principal {
            Some(principal)
                if principal.is_full_session()
                    || !matches!(principal.credential, Credential::Session { .. }) =>
            {
                if principal.must_change_password && !is_api && parts.uri.path() != "/akun/sandi" {
                    return Err(Redirect::to("/akun/sandi").into_response());
                }
                Ok(Self { principal, csrf: visitor.csrf })
            }
            Some(_) if !is_api => Err(Redirect::to("/akun/masuk/verifikasi").into_response()),
            _ if is_api => Err(AppError::Unauthorized.into_response()),
            _ => {
                let back = context.map(|c| c.path_and_query).unwrap_or_else(|| "/akun".into());
                let back = percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC);
                Err(Redirect::to(&format!("/akun/masuk?kembali={back}")).into_response())
            }
        }
    }
}
