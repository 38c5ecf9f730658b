//! A real HTTP SMS gateway for tests: it listens on a random local port, accepts the JSON
//! that the portal posts (`{"to", "text"}` with a bearer token), keeps every message, and can
//! be told to refuse the next few so retries can be observed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// The token the gateway expects.
pub const TOKEN: &str = "rahasia-gerbang-sms";

/// One accepted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sms {
    /// The number in E.164, `+6281234567890`.
    pub to: String,
    /// The text.
    pub text: String,
}

impl Sms {
    /// The first link in the text under `prefix`, as a path.
    pub fn find_path(&self, prefix: &str) -> Option<String> {
        self.text.split_whitespace().filter_map(|word| word.split_once("://")).find_map(|(_, rest)| {
            let path = &rest[rest.find('/')?..];
            path.starts_with(prefix).then(|| path.to_string())
        })
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Sms>>,
    refuse_next: AtomicUsize,
    refused: AtomicUsize,
}

/// The running gateway.
#[derive(Clone)]
pub struct SmsSink {
    address: SocketAddr,
    shared: Arc<Shared>,
}

impl SmsSink {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the SMS sink");
        let address = listener.local_addr().expect("address");
        let shared = Arc::new(Shared::default());
        let router = axum::Router::new().route("/kirim", post(accept)).with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { address, shared }
    }

    /// The URL to configure as the gateway.
    pub fn url(&self) -> String {
        format!("http://{}/kirim", self.address)
    }

    /// Every message accepted so far.
    pub fn messages(&self) -> Vec<Sms> {
        self.shared.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Answers 503 to the next `count` messages.
    pub fn refuse_next(&self, count: usize) {
        self.shared.refuse_next.store(count, Ordering::SeqCst);
    }

    /// How many messages were refused.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    /// Waits for a message to `to` (E.164) holding a link under `prefix`; returns its path.
    pub async fn link(&self, to: &str, prefix: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.messages().into_iter().filter(|m| m.to == to).find_map(|m| m.find_path(prefix));
            if let Some(path) = found {
                return path;
            }
            assert!(std::time::Instant::now() < deadline, "no SMS to {to} with a link under {prefix}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn accept(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> StatusCode {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"));
    if !authorized {
        return StatusCode::UNAUTHORIZED;
    }
    let refuse = shared.refuse_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    if refuse.is_ok() {
        shared.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let (Some(to), Some(text)) = (body["to"].as_str(), body["text"].as_str()) else {
        return StatusCode::BAD_REQUEST;
    };
    let sms = Sms { to: to.to_string(), text: text.to_string() };
    shared.received.lock().unwrap_or_else(PoisonError::into_inner).push(sms);
    StatusCode::ACCEPTED
}
