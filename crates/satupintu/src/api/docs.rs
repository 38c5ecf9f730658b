//! The OpenAPI document, served as JSON and as a browsable page that needs no script.

use std::sync::OnceLock;

use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa::OpenApi;

use crate::api::ApiDoc;
use crate::error::AppResult;
use crate::portal::routes::render;
use crate::web::RequestContext;
use crate::web::page::Chrome;

/// The document, built once: it only changes with the binary.
pub fn openapi_document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_string();
        serde_json::to_value(&doc).unwrap_or(Value::Null)
    })
}

/// The OpenAPI 3.1 document of the API.
pub async fn openapi_json() -> Response {
    let body = serde_json::to_vec_pretty(openapi_document()).unwrap_or_default();
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// One parameter of an operation, for the docs page.
pub struct ParamDoc {
    name: String,
    location: String,
    required: bool,
    description: String,
}

/// One operation, for the docs page.
pub struct OperationDoc {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    params: Vec<ParamDoc>,
    responses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    chrome: Chrome,
    title: String,
    description: String,
    version: String,
    operations: Vec<OperationDoc>,
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Lists every operation of the document, in path order.
fn operations(doc: &Value) -> Vec<OperationDoc> {
    let mut operations = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return operations;
    };
    for (path, item) in paths {
        let Some(methods) = item.as_object() else {
            continue;
        };
        for (method, operation) in methods {
            let params = operation
                .get("parameters")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|p| ParamDoc {
                            name: text(p, "name"),
                            location: text(p, "in"),
                            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                            description: text(p, "description"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let responses = operation
                .get("responses")
                .and_then(Value::as_object)
                .map(|map| map.iter().map(|(code, r)| (code.clone(), text(r, "description"))).collect())
                .unwrap_or_default();
            let summary = text(operation, "summary");
            operations.push(OperationDoc {
                anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
                method: method.to_uppercase(),
                path: path.clone(),
                summary,
                params,
                responses,
            });
        }
    }
    operations
}

/// The API reference as a page.
pub async fn docs_page(context: RequestContext) -> AppResult<Response> {
    let doc = openapi_document();
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    let installation_free = Chrome::minimal(&context);
    render(&DocsPage {
        chrome: Chrome { section: "api", title: context.lang.t("api-docs-title"), ..installation_free },
        title: text(&info, "title"),
        description: text(&info, "description"),
        version: text(&info, "version"),
        operations: operations(doc),
    })
}
