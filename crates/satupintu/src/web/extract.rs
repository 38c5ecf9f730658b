//! Our wrappers of axum's extractors: their rejections become [`AppError`]s, so a bad
//! query string or path gets the same clear 400 as any other bad input.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::web::RequestContext;

/// Query-string parameters, parsed strictly (unknown fields are refused by the target types).
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        // The form decoder would replace invalid UTF-8 silently; refuse it instead.
        if percent_encoding::percent_decode_str(query).decode_utf8().is_err() {
            return Err(AppError::MalformedRequest("query string is not valid UTF-8".into()));
        }
        serde_urlencoded::from_str::<T>(query).map(Query).map_err(|e| query_error(&e.to_string()))
    }
}

/// Names the offending field where serde says which one it was.
fn query_error(message: &str) -> AppError {
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((name, _)) = rest.split_once('`')
    {
        return AppError::InvalidParameter {
            name: name.to_string(),
            problem: crate::error::ParamProblem::Unknown,
        };
    }
    AppError::MalformedRequest(format!("query string: {message}"))
}

/// Path parameters.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        #[expect(clippy::disallowed_types, reason = "this is the wrapper")]
        let extracted =
            <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state).await;
        extracted
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|rejection| AppError::MalformedRequest(format!("path: {}", rejection.body_text())))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context middleware is not installed")))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for RequestContext {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<RequestContext>().cloned())
    }
}
