//! The test harness: `TestApp` starts the real application on port 0 over a fresh copy
//! of a prepared database (migrated, regions imported, demo loaded), built once per run.

use std::path::PathBuf;
use std::sync::OnceLock;

use satupintu::app::Server;
use satupintu::config::{ServeConfig, StoreConfig};
use satupintu::db::Db;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Which store a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

pub fn postgres_admin_url() -> String {
    std::env::var("SATUPINTU_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn postgres_url(database: &str) -> String {
    let admin = postgres_admin_url();
    let base = admin.rsplit_once('/').map(|(base, _)| base.to_string()).unwrap_or(admin);
    format!("{base}/{database}")
}

pub fn scratch_root() -> PathBuf {
    let root = std::env::temp_dir().join(format!("satupintu-tests-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("scratch folder");
    root
}

fn unique_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!("{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Builds the prepared template database once per process, on a runtime of its own so it
/// does not depend on the runtime of whichever test asks first.
fn template(store: Store) -> &'static str {
    static SQLITE: OnceLock<String> = OnceLock::new();
    static POSTGRES: OnceLock<String> = OnceLock::new();
    let cell = match store {
        Store::Sqlite => &SQLITE,
        Store::Postgres => &POSTGRES,
    };
    cell.get_or_init(|| {
        std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(build_template(store))
        })
        .join()
        .expect("template thread")
    })
}

async fn build_template(store: Store) -> String {
    match store {
        Store::Sqlite => {
            let path = scratch_root().join("template.db");
            let _ = std::fs::remove_file(&path);
            let db = Db::connect_lazy(&format!("sqlite://{}?mode=rwc", path.display()), 4).expect("sqlite");
            satupintu::ops::prepare(&db, true).await.expect("prepare sqlite template");
            // Closing checkpoints the WAL into the main file, so a plain copy is complete.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.pool()).await.expect("checkpoint");
            db.close().await;
            path.display().to_string()
        }
        Store::Postgres => {
            let admin = Db::connect_lazy(&postgres_admin_url(), 2).expect("postgres admin");
            drop_leftovers(&admin).await;
            let name = format!("sptpl_{}", std::process::id());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(admin.pool())
                .await
                .expect("create template database");
            let db = Db::connect_lazy(&postgres_url(&name), 4).expect("template");
            satupintu::ops::prepare(&db, true).await.expect("prepare postgres template");
            db.close().await;
            admin.close().await;
            name
        }
    }
}

/// Databases of earlier runs that ended before cleaning up.
async fn drop_leftovers(admin: &Db) {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT datname::text AS datname FROM pg_database WHERE datname LIKE 'sptest\\_%' OR datname LIKE 'sptpl\\_%'",
    )
    .fetch_all(admin.pool())
    .await
    .expect("list databases");
    for row in rows {
        let name: String = row.try_get("datname").expect("name");
        // Names carry the pid of the run that made them; another run still going keeps its own.
        let pid =
            name.trim_start_matches("sptpl_").trim_start_matches("sptest_").split('_').next().unwrap_or("");
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(admin.pool())
            .await;
    }
}

/// A new database with nothing in it, not even the schema; returns its URL.
pub async fn empty_database(store: Store) -> String {
    match store {
        Store::Sqlite => {
            let dir = scratch_root().join(unique_name());
            std::fs::create_dir_all(&dir).expect("test folder");
            format!("sqlite://{}?mode=rwc", dir.join("satupintu.db").display())
        }
        Store::Postgres => {
            let name = format!("sptest_{}", unique_name());
            let admin = Db::connect_lazy(&postgres_admin_url(), 1).expect("admin");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(admin.pool())
                .await
                .expect("create empty database");
            admin.close().await;
            postgres_url(&name)
        }
    }
}

/// A data folder of a test's own.
pub fn fresh_data_dir() -> PathBuf {
    let dir = scratch_root().join(format!("data_{}", unique_name()));
    std::fs::create_dir_all(&dir).expect("data folder");
    dir
}

/// A fresh database copied from the template; returns its URL.
async fn fresh_database(store: Store) -> String {
    let template = template(store);
    match store {
        Store::Sqlite => {
            let dir = scratch_root().join(unique_name());
            std::fs::create_dir_all(&dir).expect("test folder");
            let path = dir.join("satupintu.db");
            std::fs::copy(template, &path).expect("copy template");
            format!("sqlite://{}?mode=rwc", path.display())
        }
        Store::Postgres => {
            let name = format!("sptest_{}", unique_name());
            let admin = Db::connect_lazy(&postgres_admin_url(), 1).expect("admin");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} TEMPLATE {template}")))
                .execute(admin.pool())
                .await
                .expect("create test database");
            admin.close().await;
            postgres_url(&name)
        }
    }
}

/// Options of a test server.
pub struct Options {
    pub database_url: Option<String>,
    pub prepare: bool,
    pub page_cache_seconds: u64,
    pub max_body_bytes: usize,
    pub public_url: Option<String>,
    /// A data folder of the test's own (keys); the run's shared one when absent.
    pub data_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            database_url: None,
            prepare: true,
            page_cache_seconds: 0,
            max_body_bytes: 1_048_576,
            public_url: None,
            data_dir: None,
        }
    }
}

/// A running application.
pub struct TestApp {
    pub base: String,
    /// The SMTP sink this app's mail goes to.
    pub mail: crate::smtp_sink::SmtpSink,
    /// The HTTP gateway this app's SMS go to.
    pub sms: crate::sms_sink::SmsSink,
    /// The data folder (keys).
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    finished: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn spawn(store: Store) -> Self {
        Self::spawn_with(store, Options::default()).await
    }

    pub async fn spawn_with(store: Store, options: Options) -> Self {
        let database_url = match options.database_url {
            Some(url) => url,
            None => fresh_database(store).await,
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let mail = crate::smtp_sink::SmtpSink::start().await;
        let sms = crate::sms_sink::SmsSink::start().await;
        let data_dir = options.data_dir.unwrap_or_else(scratch_root);
        let config = ServeConfig {
            smtp_url: Some(mail.url()),
            mail_from: "Satu Pintu <noreply@satupintu.test>".into(),
            sms_gateway_url: Some(sms.url()),
            sms_gateway_token: Some(crate::sms_sink::TOKEN.into()),
            password_hashing_slots: Some(2),
            listen: listener.local_addr().expect("address"),
            public_url: options.public_url,
            no_demo: false,
            max_body_bytes: options.max_body_bytes,
            page_cache_seconds: options.page_cache_seconds,
            request_timeout_seconds: 30,
            overdue_check_seconds: 1,
            store: StoreConfig {
                data_dir: data_dir.clone(),
                database_url: Some(database_url.clone()),
                db_max_connections: 4,
            },
        };
        let db = Db::connect_lazy(&database_url, 4).expect("database url");
        let server = Server::new(listener, db, &config).expect("server");
        if options.prepare {
            server.prepare().await.expect("prepare");
        }
        let base = format!("http://{}", server.local_addr().expect("address"));
        let (tx, rx) = oneshot::channel::<()>();
        let finished = tokio::spawn(async move {
            server
                .run(async move {
                    let _ = rx.await;
                })
                .await
                .expect("server");
        });
        let client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { base, mail, sms, data_dir, client, database_url, shutdown: Some(tx), finished: Some(finished) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// GET with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request")
    }

    /// GET a page, asserting the status, and return its body.
    pub async fn page(&self, path: &str, status: u16) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.text().await.expect("body")
    }

    /// GET JSON, asserting the status.
    pub async fn json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.json().await.expect("json")
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.finished.take() {
            let _ = handle.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Defines `<name>_sqlite` and `<name>_postgres` tests calling `name(Store)`.
#[macro_export]
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        pub mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Store::Sqlite).await
                }
            )*
        }
        pub mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Store::Postgres).await
                }
            )*
        }
    };
}

/// Runs the `satupintu` binary on the app's database and data folder; returns the exit
/// code, standard output and standard error.
pub fn run_cli(app: &TestApp, args: &[&str]) -> (Option<i32>, String, String) {
    run_cli_on(&app.data_dir, &app.database_url, args)
}

/// Runs the `satupintu` binary on a given data folder and database.
pub fn run_cli_on(
    data_dir: &std::path::Path,
    database_url: &str,
    args: &[&str],
) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_satupintu"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("DATABASE_URL", database_url)
        .env_remove("SATUPINTU_AUDIT_KEY_FILE")
        .output()
        .expect("run satupintu");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

/// Waits until `check` holds, for a change made behind the server's back (another process on
/// the SQLite file, an SQL update): what a node keeps shows it within
/// [`satupintu::db::fresh::FRESH_FOR`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline =
        std::time::Instant::now() + satupintu::db::fresh::FRESH_FOR + std::time::Duration::from_secs(2);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "{what}: not seen in time");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
