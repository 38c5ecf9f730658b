//! What operators look at: liveness, readiness, Prometheus metrics, and the start-up work
//! (migrations, region table, demo content) whose progress readiness reports.

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;

use crate::app::AppState;
use crate::db::{self, Db};
use crate::error::AppError;

/// Whether start-up work has finished, and the last reason it has not.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    inner: Arc<RwLock<ReadinessState>>,
}

#[derive(Debug, Default)]
struct ReadinessState {
    prepared: bool,
    last_error: Option<String>,
}

impl Readiness {
    /// Whether the database is migrated and loaded.
    pub fn is_prepared(&self) -> bool {
        self.inner.read().is_ok_and(|s| s.prepared)
    }

    /// Records that start-up work has finished.
    pub fn mark_prepared(&self) {
        self.set(true, None);
    }

    fn set(&self, prepared: bool, error: Option<String>) {
        if let Ok(mut state) = self.inner.write() {
            state.prepared = prepared;
            state.last_error = error;
        }
    }

    fn last_error(&self) -> Option<String> {
        self.inner.read().ok().and_then(|s| s.last_error.clone())
    }
}

/// Brings the database to what this binary needs: migrations, the region table, and the
/// demo municipality when nothing was loaded yet. Runs under the store's start-up lock, so
/// nodes that start together do it once.
pub async fn prepare(db: &Db, load_demo: bool) -> anyhow::Result<()> {
    db.exclusively(async || {
        db::migrate(db).await?;
        if crate::regions::count(db).await? == 0 {
            let started = std::time::Instant::now();
            let n = crate::regions::import(db, crate::regions::BUNDLED_REGIONS_CSV).await?;
            tracing::info!(
                regions = n,
                elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "imported the region table"
            );
        }
        if load_demo && !crate::portal::store::is_initialized(db).await? {
            crate::demo::load_demo(db).await?;
            tracing::info!("loaded the demo municipality");
        }
        Ok(())
    })
    .await
}

/// Retries [`prepare`] until it succeeds, logging every failure, so a server whose
/// database is down keeps answering `/readyz` with the reason instead of exiting.
pub async fn prepare_until_ready(db: Db, load_demo: bool, readiness: Readiness) {
    loop {
        match prepare(&db, load_demo).await {
            Ok(()) => {
                readiness.set(true, None);
                tracing::info!(store = db.backend().name(), "database ready");
                return;
            }
            Err(e) => {
                let reason = format!("{e:#}");
                tracing::error!(error = %reason, "database not ready; retrying in 5 s");
                readiness.set(false, Some(reason));
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// How often a node signs a new tree head when the audit log has grown.
const TREE_HEAD_INTERVAL: Duration = Duration::from_secs(30);

/// Signs a tree head over the audit log whenever it has grown, so appended entries are
/// covered by a signature soon after they are written.
pub async fn sign_tree_heads(state: AppState) {
    let mut interval = tokio::time::interval(TREE_HEAD_INTERVAL);
    loop {
        interval.tick().await;
        if !state.readiness.is_prepared() {
            continue;
        }
        if let Err(e) = crate::audit::sign_tree_head(&state.db, &state.audit_key).await {
            tracing::error!(error = %format!("{e:#}"), "could not sign an audit tree head");
        }
    }
}

/// How often SQLite's planner statistics are refreshed.
const STATISTICS_INTERVAL: Duration = Duration::from_secs(3600);

/// Keeps SQLite's query planner statistics current (PostgreSQL's autovacuum does this on its
/// own): without them SQLite cannot tell a common status from a rare one, and sorts a
/// quarter of the complaints to list the newest thousand closed ones.
pub async fn refresh_statistics(state: AppState) {
    let mut interval = tokio::time::interval(STATISTICS_INTERVAL);
    loop {
        interval.tick().await;
        while !state.readiness.is_prepared() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if let Err(e) = state.db.refresh_statistics().await {
            tracing::warn!(error = %format!("{e:#}"), "could not refresh the query planner's statistics");
        }
    }
}

/// Answers 503 for pages that need the database until start-up work has finished.
pub async fn require_ready(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.readiness.is_prepared() {
        next.run(request).await
    } else {
        let reason = state.readiness.last_error().unwrap_or_else(|| "starting".into());
        AppError::Unavailable(anyhow::anyhow!(reason)).into_response()
    }
}

/// Liveness: the process answers.
pub async fn healthz() -> Response {
    no_store(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok\n").into_response())
}

/// The readiness report.
#[derive(Debug, Serialize)]
pub struct ReadyReport {
    /// `ready` or `not ready`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub store: &'static str,
    /// Applied and expected migrations, when the database answers.
    pub migrations: Option<MigrationsReport>,
    /// What is wrong, when not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Migration counts.
#[derive(Debug, Serialize)]
pub struct MigrationsReport {
    /// Applied migrations.
    pub applied: usize,
    /// Migrations this binary knows.
    pub expected: usize,
}

/// Readiness: the database answers and its schema is this binary's.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.db.backend().name();
    let check = async {
        state.db.ping().await.map_err(|e| format!("database unreachable: {e}"))?;
        let status = db::migration_status(&state.db).await.map_err(|e| format!("{e:#}"))?;
        let migrations = MigrationsReport { applied: status.applied, expected: status.expected };
        if !status.is_current() {
            return Err(format!(
                "migrations not current: {} applied, {} expected",
                status.applied, status.expected
            ));
        }
        if !state.readiness.is_prepared() {
            return Err(state.readiness.last_error().unwrap_or_else(|| "still starting".into()));
        }
        Ok(migrations)
    };
    let (code, report) = match check.await {
        Ok(migrations) => (
            StatusCode::OK,
            ReadyReport { status: "ready", store, migrations: Some(migrations), error: None },
        ),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            ReadyReport { status: "not ready", store, migrations: None, error: Some(error) },
        ),
    };
    no_store((code, Json(report)).into_response())
}

/// The process-wide Prometheus recorder; installed once, shared by every app in the process.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ])
                .map(PrometheusBuilder::build_recorder)
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Fails only if another recorder is installed, which this binary never does.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Prometheus metrics: requests and latency by route, database pool.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let (open, idle) = state.db.pool_stats();
    metrics::gauge!("db_pool_connections", "state" => "open").set(f64::from(open));
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    let body = state.metrics.render();
    no_store(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response())
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
