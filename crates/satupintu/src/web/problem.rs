//! Errors as the client reads them: an RFC 9457 problem+json document for the API, an
//! HTML page for people, both in the request's language and from one mapping.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::error::{ErrorReport, ParamProblem, ProblemKind};
use crate::i18n::Lang;
use crate::web::RequestContext;
use crate::web::page::Chrome;

/// An RFC 9457 problem details document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A stable URI naming the kind of problem; documented at that address.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind, in the requested language.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, in the requested language.
    pub detail: String,
    /// The request id, to quote when asking for help.
    pub instance: String,
    /// The offending parameter, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// For `invalid-answers`: every refused answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<AnswerError>,
}

/// One refused answer to a service's form.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AnswerError {
    /// The field.
    pub field: String,
    /// A stable code: `required`, `too_short`, `too_long`, `not_a_choice`, `not_integer`,
    /// `below_minimum`, `above_maximum`, `not_boolean`, `not_date`, `not_email`, `not_nik`,
    /// `not_phone`, `not_text`, `unknown_field`.
    pub code: String,
    /// What is wrong, in the requested language.
    pub message: String,
}

/// Renders an error response produced by a handler, or a bare error status produced by a
/// layer (404 fallback, 405, 413, time-outs), in the form the client expects.
pub fn render_errors(context: &RequestContext, response: Response) -> Response {
    let status = response.status();
    let report = match response.extensions().get::<ErrorReport>() {
        Some(report) => report.clone(),
        None if is_bare_error(&response) => ErrorReport {
            kind: ProblemKind::from_status(status),
            parameter: None,
            detail: None,
            source: None,
            retry_after: None,
            field_errors: Vec::new(),
        },
        None => return response,
    };
    if let Some(source) = &report.source {
        tracing::error!(request_id = %context.request_id, error = ?source, "request failed");
    }
    let mut rendered =
        if context.is_api { problem_json(context, &report) } else { error_page(context, &report) };
    *rendered.status_mut() = report.kind.status();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        rendered.headers_mut().insert(header::ALLOW, allow.clone());
    }
    if let Some(seconds) = report.retry_after {
        rendered.headers_mut().insert(header::RETRY_AFTER, seconds.into());
    }
    rendered
}

/// An error status whose body nobody has rendered for a reader yet: empty, or the plain
/// text that axum and tower layers produce. Bodies of other types (the `/readyz` report)
/// are already meant for their reader.
fn is_bare_error(response: &Response) -> bool {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.to_str().is_ok_and(|t| t.starts_with("text/plain")));
    (status.is_client_error() || status.is_server_error()) && plain
}

/// The localized title of a kind of problem.
pub fn title(lang: Lang, kind: ProblemKind) -> String {
    lang.t(&format!("problem-{}-title", kind.slug()))
}

/// The localized sentence saying what went wrong.
fn detail(lang: Lang, report: &ErrorReport) -> String {
    match &report.parameter {
        Some((name, problem)) => {
            let name = ("name", name.clone());
            match problem {
                ParamProblem::Malformed => lang.t_args("param-malformed", &[name]),
                ParamProblem::OutOfRange { min, max } => lang.t_args(
                    "param-out-of-range",
                    &[name, ("min", min.to_string()), ("max", max.to_string())],
                ),
                ParamProblem::TooLong { max } => {
                    lang.t_args("param-too-long", &[name, ("max", max.to_string())])
                }
                ParamProblem::InvalidCursor => lang.t_args("param-invalid-cursor", &[name]),
                ParamProblem::Unknown => lang.t_args("param-unknown", &[name]),
            }
        }
        None if report.kind == ProblemKind::TooManyRequests => {
            let wait = report.retry_after.unwrap_or(1);
            lang.t_args(
                "problem-too-many-requests-wait",
                &[("wait", crate::web::page::format_wait(lang, wait))],
            )
        }
        None => {
            let base = lang.t(&format!("problem-{}-detail", report.kind.slug()));
            match &report.detail {
                Some(extra) => format!("{base} ({extra})"),
                None => base,
            }
        }
    }
}

fn problem_json(context: &RequestContext, report: &ErrorReport) -> Response {
    let lang = context.lang;
    let problem = Problem {
        problem_type: format!("/problems/{}", report.kind.slug()),
        title: title(lang, report.kind),
        status: report.kind.status().as_u16(),
        detail: detail(lang, report),
        instance: format!("urn:request:{}", context.request_id),
        parameter: report.parameter.as_ref().map(|(name, _)| name.clone()),
        errors: report
            .field_errors
            .iter()
            .map(|e| AnswerError {
                field: e.field.clone(),
                code: e.problem.code().to_string(),
                message: crate::services::answer_problem_message(lang, &e.problem),
            })
            .collect(),
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: String,
    detail: String,
    request_id: String,
}

fn error_page(context: &RequestContext, report: &ErrorReport) -> Response {
    let lang = context.lang;
    let title = title(lang, report.kind);
    // The window's title names the error too (WCAG 2.4.2), not only the heading.
    let mut chrome = Chrome::minimal(context);
    chrome.title = title.clone();
    let page = ErrorPage {
        chrome,
        status: report.kind.status().as_u16(),
        title,
        detail: detail(lang, report),
        request_id: context.request_id.clone(),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not render the error page");
            (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response()
        }
    }
}
