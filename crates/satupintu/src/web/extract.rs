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

/// A submitted HTML form, accepted only with the CSRF token of a page this site served to
/// this visitor (field `csrf`, which is removed before `T` sees the rest). A request whose
/// `Origin` names another site is refused as well.
#[derive(Debug, Clone)]
pub struct Form<T>(pub T);

/// The name of the hidden field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

impl<T> axum::extract::FromRequest<crate::app::AppState> for Form<T>
where
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(
        request: axum::extract::Request,
        state: &crate::app::AppState,
    ) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        if !same_origin(&parts) {
            tracing::warn!(path = %parts.uri.path(), "form from another origin refused");
            return Err(AppError::CsrfRejected);
        }
        let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|_| AppError::PayloadTooLarge)?;
        let (token, rest) = url_encoded_fields(&bytes)?;
        check_token(parts.extensions.get::<crate::identity::session::FormCsrf>(), state, token)?;
        fields_as(rest).map(Form)
    }
}

/// A form's text fields, by name, in the order sent.
type Fields = Vec<(String, String)>;

/// The fields of a URL-encoded form body: its CSRF token and the rest.
fn url_encoded_fields(bytes: &[u8]) -> Result<(Option<String>, Fields), AppError> {
    if std::str::from_utf8(bytes).is_err() || percent_encoding::percent_decode(bytes).decode_utf8().is_err() {
        return Err(AppError::MalformedRequest("form is not valid UTF-8".into()));
    }
    let mut token = None;
    let mut rest = Vec::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        if name == CSRF_FIELD {
            token = Some(value.into_owned());
        } else {
            rest.push((name.into_owned(), value.into_owned()));
        }
    }
    Ok((token, rest))
}

/// A form's fields (the CSRF token taken out) read into `T`.
fn fields_as<T: DeserializeOwned>(fields: Fields) -> Result<T, AppError> {
    let encoded =
        serde_urlencoded::to_string(&fields).map_err(|e| AppError::MalformedRequest(format!("form: {e}")))?;
    serde_urlencoded::from_str::<T>(&encoded).map_err(|e| query_error(&e.to_string()))
}

/// A submitted HTML form that may carry files (`multipart/form-data`, each file part with
/// a name), or a plain URL-encoded one; accepted only with the form's CSRF token and from
/// this site, like [`Form`]. File inputs left empty are left out.
#[derive(Debug, Clone)]
pub struct FormWithFiles<T> {
    /// The text fields.
    pub form: T,
    /// The files chosen.
    pub files: Vec<Upload>,
}

impl<T> axum::extract::FromRequest<crate::app::AppState> for FormWithFiles<T>
where
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(
        request: axum::extract::Request,
        state: &crate::app::AppState,
    ) -> Result<Self, Self::Rejection> {
        let multipart = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let Form(form) = Form::<T>::from_request(request, state).await?;
            return Ok(FormWithFiles { form, files: Vec::new() });
        }
        let binding = request.extensions().get::<crate::identity::session::FormCsrf>().cloned();
        let parts = read_multipart(request, state).await?;
        check_token(binding.as_ref(), state, parts.token)?;
        let files = parts
            .files
            .into_iter()
            .map(|(_, file)| file)
            .filter(|file| !(file.bytes.is_empty() && file.file_name.is_empty()))
            .collect();
        Ok(FormWithFiles { form: fields_as(parts.texts)?, files })
    }
}

/// One uploaded file from a `multipart/form-data` form (field `berkas`), accepted only with
/// the form's CSRF token (field `csrf`) and from this site, like [`Form`].
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the browser gave, for display only (never a path).
    pub file_name: String,
    /// The content.
    pub bytes: bytes::Bytes,
}

/// The name of the file field of an upload form.
pub const UPLOAD_FIELD: &str = "berkas";

impl axum::extract::FromRequest<crate::app::AppState> for Upload {
    type Rejection = AppError;

    async fn from_request(
        request: axum::extract::Request,
        state: &crate::app::AppState,
    ) -> Result<Self, Self::Rejection> {
        let binding = request.extensions().get::<crate::identity::session::FormCsrf>().cloned();
        let (token, file) = read_upload(request, state).await?;
        check_token(binding.as_ref(), state, token)?;
        file.ok_or_else(|| AppError::MalformedRequest("upload: no file".into()))
    }
}

/// A file sent by anyone, for a form that changes nothing (checking a document), so it
/// needs no CSRF token.
#[derive(Debug)]
pub struct PublicUpload(pub Upload);

impl axum::extract::FromRequest<crate::app::AppState> for PublicUpload {
    type Rejection = AppError;

    async fn from_request(
        request: axum::extract::Request,
        state: &crate::app::AppState,
    ) -> Result<Self, Self::Rejection> {
        let (_, file) = read_upload(request, state).await?;
        file.map(PublicUpload).ok_or_else(|| AppError::MalformedRequest("upload: no file".into()))
    }
}

/// Reads an upload form: its CSRF token, if any, and its one file.
async fn read_upload(
    request: axum::extract::Request,
    state: &crate::app::AppState,
) -> Result<(Option<String>, Option<Upload>), AppError> {
    let MultipartFields { token, texts, mut files } = read_multipart(request, state).await?;
    let unexpected = texts.first().map(|(name, _)| name.as_str()).or_else(|| {
        files
            .iter()
            .map(|(name, _)| name.as_str())
            .find(|name| *name != UPLOAD_FIELD)
            .or_else(|| (files.len() > 1).then_some(UPLOAD_FIELD))
    });
    if let Some(name) = unexpected {
        return Err(AppError::MalformedRequest(format!("upload: unexpected field {name}")));
    }
    Ok((token, files.pop().map(|(_, file)| file)))
}

/// The parts of a `multipart/form-data` body.
struct MultipartFields {
    token: Option<String>,
    texts: Fields,
    /// File parts (those with a file name, possibly empty), by field name.
    files: Vec<(String, Upload)>,
}

async fn read_multipart(
    request: axum::extract::Request,
    state: &crate::app::AppState,
) -> Result<MultipartFields, AppError> {
    let (parts, body) = request.into_parts();
    if !same_origin(&parts) {
        tracing::warn!(path = %parts.uri.path(), "upload from another origin refused");
        return Err(AppError::CsrfRejected);
    }
    let request = axum::extract::Request::from_parts(parts, body);
    let mut multipart =
        <axum::extract::Multipart as axum::extract::FromRequest<_>>::from_request(request, state)
            .await
            .map_err(|e| AppError::MalformedRequest(format!("upload: {}", e.body_text())))?;
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::MalformedRequest(format!("upload: {}", e.body_text()))
        }
    };
    let mut fields = MultipartFields { token: None, texts: Vec::new(), files: Vec::new() };
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name() {
            Some(file_name) => {
                let file_name = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
                fields
                    .files
                    .push((name, Upload { file_name, bytes: field.bytes().await.map_err(too_large)? }));
            }
            None if name == CSRF_FIELD => fields.token = Some(field.text().await.map_err(too_large)?),
            None => {
                let value = field.text().await.map_err(too_large)?;
                fields.texts.push((name, value));
            }
        }
    }
    Ok(fields)
}

/// Accepts a form's CSRF token only when it was made for this visitor's binding.
fn check_token(
    binding: Option<&crate::identity::session::FormCsrf>,
    state: &crate::app::AppState,
    token: Option<String>,
) -> Result<(), AppError> {
    if binding.zip(token).is_some_and(|(binding, token)| binding.accepts(&state.csrf_key, &token)) {
        Ok(())
    } else {
        tracing::warn!("form without a valid CSRF token refused");
        Err(AppError::CsrfRejected)
    }
}

/// Whether the `Origin` header, when present, names this host.
fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts.headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = parts.headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

/// A JSON request body; bad JSON becomes a 400 naming the problem.
#[derive(Debug, Clone)]
pub struct Json<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        <axum::Json<T> as axum::extract::FromRequest<S>>::from_request(request, state)
            .await
            .map(|axum::Json(value)| Json(value))
            .map_err(|rejection| AppError::MalformedRequest(format!("JSON body: {}", rejection.body_text())))
    }
}

/// The client's address, as the connection shows it. Behind a reverse proxy every client
/// shares the proxy's address, so per-address limits then count the proxy as one client.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        Ok(Self(address))
    }
}
