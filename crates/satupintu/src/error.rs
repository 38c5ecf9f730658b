//! The application's errors, and the one place that decides their status codes.
//!
//! A handler returns [`AppError`]; its response carries the error as an extension, and the
//! `render_errors` middleware (in `web`) turns it into an HTML page or an RFC 9457
//! problem+json document in the reader's language.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a query or path parameter was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamProblem {
    /// The value does not parse; the text says what was expected (in English, for logs).
    Malformed,
    /// A number outside the allowed range.
    OutOfRange {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// Longer than allowed.
    TooLong {
        /// Most characters allowed.
        max: usize,
    },
    /// A pagination cursor that this server did not issue.
    InvalidCursor,
    /// A parameter this endpoint does not take.
    Unknown,
}

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such page or record.
    #[error("not found")]
    NotFound,
    /// A parameter has a bad value.
    #[error("invalid parameter `{name}`")]
    InvalidParameter {
        /// The parameter's name as the client sent it.
        name: String,
        /// What is wrong with it.
        problem: ParamProblem,
    },
    /// The request could not be read (bad encoding, bad syntax).
    #[error("malformed request: {0}")]
    MalformedRequest(String),
    /// The request body is larger than allowed.
    #[error("request body too large")]
    PayloadTooLarge,
    /// The method is not allowed on this route.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request needs credentials that were missing or wrong. Says nothing about which
    /// part failed.
    #[error("unauthorized")]
    Unauthorized,
    /// The signed-in account may not do this (outside its role or scope).
    #[error("forbidden")]
    Forbidden,
    /// A form arrived without the token of a page this site served.
    #[error("missing or wrong CSRF token")]
    CsrfRejected,
    /// The request conflicts with the current state (already used, already exists).
    #[error("conflict")]
    Conflict,
    /// Too many attempts; the client may retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until the next attempt is accepted.
        retry_after_seconds: u64,
    },
    /// Answers to a service's form that do not fit it, each with its field.
    #[error("invalid answers")]
    InvalidAnswers(Vec<satupintu_rules::service::FieldError>),
    /// An uploaded file's content is none of the accepted types.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A file that is not a document issued here, or was changed after signing (why, in English).
    #[error("document not issued here: {0}")]
    DocumentNotIssued(&'static str),
    /// Too much work queued (password hashing); retry shortly.
    #[error("busy")]
    Busy,
    /// The database cannot be reached; the request may succeed later.
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A fault of ours.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The kinds of problem a client may see, each with a stable `type` URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// 404.
    NotFound,
    /// 400, a parameter.
    InvalidParameter,
    /// 400, the request itself.
    MalformedRequest,
    /// 405.
    MethodNotAllowed,
    /// 413.
    PayloadTooLarge,
    /// 401.
    Unauthorized,
    /// 403, outside the account's role or scope.
    Forbidden,
    /// 403, a form without a valid CSRF token.
    CsrfRejected,
    /// 409.
    Conflict,
    /// 429.
    TooManyRequests,
    /// 422, answers to a form, field by field.
    InvalidAnswers,
    /// 422, a file that is not a document issued here, unchanged.
    DocumentNotIssued,
    /// 415, a file whose content is not an accepted type.
    UnsupportedMediaType,
    /// 503.
    Unavailable,
    /// 500.
    Internal,
}

impl ProblemKind {
    /// The slug in the problem `type` URI (`/problems/{slug}`), stable across releases.
    pub fn slug(self) -> &'static str {
        match self {
            Self::NotFound => "not-found",
            Self::InvalidParameter => "invalid-parameter",
            Self::MalformedRequest => "malformed-request",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::PayloadTooLarge => "payload-too-large",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::CsrfRejected => "csrf-rejected",
            Self::Conflict => "conflict",
            Self::TooManyRequests => "too-many-requests",
            Self::InvalidAnswers => "invalid-answers",
            Self::DocumentNotIssued => "document-not-issued",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::Unavailable => "service-unavailable",
            Self::Internal => "internal-error",
        }
    }

    /// Every kind, for the problem catalogue.
    pub const ALL: [Self; 15] = [
        Self::NotFound,
        Self::InvalidParameter,
        Self::MalformedRequest,
        Self::MethodNotAllowed,
        Self::PayloadTooLarge,
        Self::Unauthorized,
        Self::Forbidden,
        Self::CsrfRejected,
        Self::Conflict,
        Self::TooManyRequests,
        Self::InvalidAnswers,
        Self::DocumentNotIssued,
        Self::UnsupportedMediaType,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The kind a bare error status (from a layer, not a handler) stands for.
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNAUTHORIZED => Self::Unauthorized,
            StatusCode::FORBIDDEN => Self::Forbidden,
            StatusCode::CONFLICT => Self::Conflict,
            StatusCode::TOO_MANY_REQUESTS => Self::TooManyRequests,
            StatusCode::UNPROCESSABLE_ENTITY => Self::InvalidAnswers,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => Self::Unavailable,
            s if s.is_client_error() => Self::MalformedRequest,
            _ => Self::Internal,
        }
    }

    /// The HTTP status of this kind.
    pub fn status(self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidParameter | Self::MalformedRequest => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::Conflict => StatusCode::CONFLICT,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::InvalidAnswers | Self::DocumentNotIssued => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What the error renderer needs from a failed handler, carried in response extensions.
#[derive(Clone, Debug)]
pub struct ErrorReport {
    /// The problem kind.
    pub kind: ProblemKind,
    /// For invalid parameters: the name and the problem.
    pub parameter: Option<(String, ParamProblem)>,
    /// Extra detail for malformed requests, in English (the parser's words).
    pub detail: Option<String>,
    /// Seconds until a retry may succeed (429, 503), sent as `Retry-After`.
    pub retry_after: Option<u64>,
    /// For invalid answers: each field and what is wrong with it.
    pub field_errors: Vec<satupintu_rules::service::FieldError>,
    /// The underlying fault, logged with the request id, never shown.
    pub source: Option<Arc<anyhow::Error>>,
}

impl AppError {
    /// A parameter with a value that does not parse.
    pub fn malformed(name: impl Into<String>) -> Self {
        Self::InvalidParameter { name: name.into(), problem: ParamProblem::Malformed }
    }

    /// The seconds a client should wait before retrying, for `Retry-After`.
    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after_seconds } => Some(*retry_after_seconds),
            Self::Busy | Self::Unavailable(_) => Some(5),
            _ => None,
        }
    }

    fn report(self) -> ErrorReport {
        let retry_after = self.retry_after();
        let mut field_errors = Vec::new();
        let (kind, parameter, detail, source) = match self {
            Self::NotFound => (ProblemKind::NotFound, None, None, None),
            Self::InvalidParameter { name, problem } => {
                (ProblemKind::InvalidParameter, Some((name, problem)), None, None)
            }
            Self::MalformedRequest(detail) => (ProblemKind::MalformedRequest, None, Some(detail), None),
            Self::PayloadTooLarge => (ProblemKind::PayloadTooLarge, None, None, None),
            Self::MethodNotAllowed => (ProblemKind::MethodNotAllowed, None, None, None),
            Self::Unauthorized => (ProblemKind::Unauthorized, None, None, None),
            Self::Forbidden => (ProblemKind::Forbidden, None, None, None),
            Self::CsrfRejected => (ProblemKind::CsrfRejected, None, None, None),
            Self::Conflict => (ProblemKind::Conflict, None, None, None),
            Self::TooManyRequests { .. } => (ProblemKind::TooManyRequests, None, None, None),
            Self::InvalidAnswers(errors) => {
                field_errors = errors;
                (ProblemKind::InvalidAnswers, None, None, None)
            }
            Self::UnsupportedMediaType => (ProblemKind::UnsupportedMediaType, None, None, None),
            Self::DocumentNotIssued(reason) => {
                (ProblemKind::DocumentNotIssued, None, Some(reason.to_string()), None)
            }
            Self::Busy => (ProblemKind::Unavailable, None, None, None),
            Self::Unavailable(e) => (ProblemKind::Unavailable, None, None, Some(Arc::new(e))),
            Self::Internal(e) => (ProblemKind::Internal, None, None, Some(Arc::new(e))),
        };
        ErrorReport { kind, parameter, detail, source, retry_after, field_errors }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let report = self.report();
        let mut response = report.kind.status().into_response();
        response.extensions_mut().insert(report);
        response
    }
}

/// Database errors are faults of ours unless the database is simply out of reach.
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                Self::Unavailable(anyhow::Error::new(e).context("database unreachable"))
            }
            other => Self::Internal(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

/// Results of handlers.
pub type AppResult<T> = Result<T, AppError>;
