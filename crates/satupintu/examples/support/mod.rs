//! What the benchmark examples share: a server on a fresh database with the demo loaded and
//! notices going to an SMTP sink, and timed rounds of concurrent clients.

use std::sync::Arc;
use std::time::{Duration, Instant};

use satupintu::app::{AppState, Server};
use satupintu::config::{ServeConfig, StoreConfig};
use satupintu::db::Db;

// Notices go over SMTP, as in production, to the test suite's sink.
#[allow(dead_code, clippy::expect_used)]
#[path = "../../tests/http/smtp_sink.rs"]
mod smtp_sink;

/// What one kind of request did in a round: completed requests and their latencies.
pub struct Round {
    pub seconds: f64,
    pub latencies: Vec<Duration>,
}

impl Round {
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    pub fn percentile_ms(&mut self, q: f64) -> f64 {
        self.latencies.sort();
        let index = ((self.latencies.len() as f64 * q) as usize).min(self.latencies.len().saturating_sub(1));
        self.latencies.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// Runs `clients` loops of `work` for `seconds`; every call must succeed.
pub async fn round<F, Fut>(clients: usize, seconds: u64, work: F) -> anyhow::Result<Round>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let work = Arc::new(work);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let work = work.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0;
            while Instant::now() < deadline {
                let at = Instant::now();
                work(client, n).await?;
                latencies.push(at.elapsed());
                n += 1;
            }
            Ok::<_, anyhow::Error>(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    Ok(Round { seconds: started.elapsed().as_secs_f64(), latencies })
}

/// Plain GETs of `path` with the session cookie; each must answer 200.
pub async fn gets(
    base: &str,
    path: &str,
    cookie: &str,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<Round> {
    let client = reqwest::Client::new();
    let (url, cookie) = (format!("{base}{path}"), cookie.to_string());
    round(clients, seconds, move |_, _| {
        let request = client.get(&url).header("cookie", &cookie).send();
        async move {
            let response = request.await?;
            anyhow::ensure!(response.status() == 200, "GET answered {}", response.status());
            response.bytes().await?;
            Ok(())
        }
    })
    .await
}

/// A server being prepared on `url` (an empty database): migrated, demo loaded, not yet
/// serving, without the page cache; its mail goes to an SMTP sink. Returns the server, its
/// state, its address, its data folder and the sink (kept alive for the run).
pub async fn prepared_server(
    url: &str,
    name: &str,
) -> anyhow::Result<(Server, AppState, String, std::path::PathBuf, smtp_sink::SmtpSink)> {
    let data_dir = std::env::temp_dir().join(format!("satupintu-bench-{name}-{}", std::process::id()));
    let sink = smtp_sink::SmtpSink::start().await;
    let (server, base) = node(url, &data_dir, &sink.url(), 0).await?;
    server.prepare().await?;
    let state = server.state().clone();
    Ok((server, state, base, data_dir, sink))
}

/// A server on `url` and `data_dir` (already prepared, or to be), with the page cache kept
/// `page_cache_seconds` (2 by default in production); returns it and its address.
pub async fn node(
    url: &str,
    data_dir: &std::path::Path,
    smtp_url: &str,
    page_cache_seconds: u64,
) -> anyhow::Result<(Server, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let config = ServeConfig {
        smtp_url: Some(smtp_url.to_string()),
        mail_from: "Satu Pintu <noreply@bench.test>".into(),
        sms_gateway_url: None,
        sms_gateway_token: None,
        password_hashing_slots: Some(2),
        listen: listener.local_addr()?,
        public_url: None,
        no_demo: false,
        max_body_bytes: 1_048_576,
        page_cache_seconds,
        request_timeout_seconds: 30,
        overdue_check_seconds: 300,
        store: StoreConfig {
            data_dir: data_dir.to_path_buf(),
            database_url: Some(url.to_string()),
            db_max_connections: 16,
        },
    };
    let db = Db::connect_lazy(url, 16)?;
    let server = Server::new(listener, db, &config)?;
    let base = format!("http://{}", server.local_addr()?);
    Ok((server, base))
}
