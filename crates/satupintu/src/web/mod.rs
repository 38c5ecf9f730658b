//! What every request goes through: language and request context, security headers,
//! conditional GET with a short per-node page cache, error rendering and metrics.

pub mod extract;
pub mod page;
pub mod problem;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::i18n::Lang;

/// Facts about the current request that handlers and the error renderer share.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The reader's language.
    pub lang: Lang,
    /// Whether the client speaks the JSON API (errors as problem+json).
    pub is_api: bool,
    /// The request id, shown on error pages and logged.
    pub request_id: String,
    /// The path and query, for links back to this page (language switch).
    pub path_and_query: String,
}

/// The header carrying the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Whether a path belongs to the machine-readable API. The API's documentation page is
/// for people and follows the reader's language choice like every other page.
pub fn is_api_path(path: &str) -> bool {
    (path == "/api" || path.starts_with("/api/")) && path != "/api/docs"
}

/// Resolves the language and request id, runs the handler, and renders any error it gave.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let is_api = is_api_path(&path);
    let headers = request.headers();
    let lang = if is_api {
        header_str(headers, &header::ACCEPT_LANGUAGE).map(Lang::from_accept_language)
    } else {
        header_str(headers, &header::COOKIE).map(Lang::from_cookie_header)
    }
    .unwrap_or_default();
    let request_id = header_str(headers, &REQUEST_ID).unwrap_or("-").to_string();
    let path_and_query =
        request.uri().path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| path.clone());
    let context = RequestContext { lang, is_api, request_id, path_and_query };
    request.extensions_mut().insert(context.clone());
    let mut response = next.run(request).await;
    response = problem::render_errors(&context, response);
    if !response.headers().contains_key(header::CONTENT_LANGUAGE) {
        response.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    }
    response
}

/// A path on this site to return to; anything else (`//host`, `/\\host`, a full URL) is
/// replaced by the home page.
pub fn local_path(candidate: Option<String>) -> String {
    candidate
        .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\"))
        .unwrap_or_else(|| "/".to_string())
}

/// A 303 to a local path, re-encoding characters a header cannot carry.
pub fn see_other(path: &str) -> Response {
    const UNSAFE: &percent_encoding::AsciiSet =
        &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`').add(b'\\');
    let location = percent_encoding::utf8_percent_encode(path, UNSAFE).to_string();
    let mut response = (StatusCode::SEE_OTHER, ()).into_response();
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/")));
    response
}

fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Adds the security headers to every response.
pub async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // No inline script or style anywhere, so the policy needs no 'unsafe-inline' or nonces;
    // the one script (an optional enhancement) is a file of our own.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(self), interest-cohort=()"),
    );
    if state.behind_tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Counts requests and their latency by route, for `/metrics`.
pub async fn record_metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        // Unmatched paths share one label, so scanners cannot grow the metric set.
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A rendered response kept for a short time, with its validator.
#[derive(Clone)]
struct CachedPage {
    headers: HeaderMap,
    body: Bytes,
    stored: Instant,
}

/// A small per-node cache of public GET responses. It holds nothing another node needs:
/// a node that has never seen a page renders it from the database.
#[derive(Clone)]
pub struct PageCache {
    ttl: Duration,
    pages: Arc<Mutex<HashMap<String, CachedPage>>>,
}

/// Enough for every public page of a municipality; beyond it, old entries are dropped so a
/// flood of distinct URLs cannot grow memory.
const PAGE_CACHE_CAPACITY: usize = 4096;
/// Larger responses are neither hashed for an ETag nor cached.
const MAX_BUFFERED_BODY: usize = 8 * 1024 * 1024;

impl PageCache {
    /// A cache keeping pages for `ttl`; zero turns it off.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, pages: Arc::new(Mutex::new(HashMap::new())) }
    }

    fn get(&self, key: &str) -> Option<CachedPage> {
        if self.ttl.is_zero() {
            return None;
        }
        let pages = self.pages.lock().ok()?;
        pages.get(key).filter(|p| p.stored.elapsed() < self.ttl).cloned()
    }

    fn put(&self, key: String, page: CachedPage) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() >= PAGE_CACHE_CAPACITY {
                let ttl = self.ttl;
                pages.retain(|_, p| p.stored.elapsed() < ttl);
                if pages.len() >= PAGE_CACHE_CAPACITY {
                    pages.clear();
                }
            }
            pages.insert(key, page);
        }
    }
}

/// Conditional GET for every successful GET: a weak ETag over the body, `304 Not Modified`
/// when the client has it, and the short page cache for anonymous readers.
pub async fn conditional_get(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let key = cache_key(&request);
    if let Some(page) = key.as_deref().and_then(|k| state.page_cache.get(k)) {
        return respond(page.headers, page.body, if_none_match.as_ref());
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::ETAG) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let body = match http_body_util::Limited::new(body, MAX_BUFFERED_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            tracing::error!(error = %e, "could not buffer a response body");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let digest = Sha256::digest(&body);
    let tag = crate::digest::hex(&digest[..12]);
    if let Ok(value) = HeaderValue::from_str(&format!("W/\"{tag}\"")) {
        parts.headers.insert(header::ETAG, value);
    }
    parts.headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
    parts.headers.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language, Accept-Encoding"));
    let cacheable = !parts.headers.contains_key(header::SET_COOKIE)
        && parts.headers.get(header::CACHE_CONTROL).is_none_or(|v| !v.as_bytes().starts_with(b"no-store"));
    if let Some(key) = key.filter(|_| cacheable) {
        state.page_cache.put(
            key,
            CachedPage { headers: parts.headers.clone(), body: body.clone(), stored: Instant::now() },
        );
    }
    respond(parts.headers, body, if_none_match.as_ref())
}

/// Only readers without a session share cached pages; the key carries everything a page
/// varies on (address, language, API or not).
fn cache_key(request: &Request) -> Option<String> {
    let headers = request.headers();
    let has_other_cookies = header_str(headers, &header::COOKIE).is_some_and(|c| {
        c.split(';').any(|pair| !pair.trim().starts_with("lang=") && !pair.trim().is_empty())
    });
    if has_other_cookies || headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    let context = request.extensions().get::<RequestContext>()?;
    Some(format!(
        "{}|{}|{}|{}",
        request.method(),
        context.lang.code(),
        context.is_api,
        context.path_and_query
    ))
}

fn respond(headers: HeaderMap, body: Bytes, if_none_match: Option<&HeaderValue>) -> Response {
    let etag = headers.get(header::ETAG);
    let matches = match (if_none_match, etag) {
        (Some(wanted), Some(etag)) => etag_matches(wanted, etag),
        _ => false,
    };
    let (status, body) =
        if matches { (StatusCode::NOT_MODIFIED, Body::empty()) } else { (StatusCode::OK, Body::from(body)) };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    if matches {
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    response
}

/// RFC 9110 §13.1.2: `If-None-Match` uses the weak comparison, and `*` matches anything.
fn etag_matches(wanted: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(wanted) = wanted.to_str() else {
        return false;
    };
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    wanted.trim() == "*" || wanted.split(',').any(|candidate| opaque(candidate) == opaque(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_comparison_is_weak_and_accepts_lists_and_star() {
        let etag = HeaderValue::from_static("W/\"abc\"");
        assert!(etag_matches(&HeaderValue::from_static("W/\"abc\""), &etag));
        assert!(etag_matches(&HeaderValue::from_static("\"abc\""), &etag));
        assert!(etag_matches(&HeaderValue::from_static("\"x\", W/\"abc\""), &etag));
        assert!(etag_matches(&HeaderValue::from_static("*"), &etag));
        assert!(!etag_matches(&HeaderValue::from_static("\"abd\""), &etag));
    }

    #[test]
    fn api_paths_are_recognised() {
        assert!(is_api_path("/api/v1/news"));
        assert!(is_api_path("/api"));
        assert!(!is_api_path("/apiary"));
        assert!(!is_api_path("/berita"));
        assert!(!is_api_path("/api/docs"));
    }
}
