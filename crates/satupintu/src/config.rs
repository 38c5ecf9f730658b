//! Typed configuration: command-line flags, then `SATUPINTU_…` environment variables, then defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where the data lives; shared by every subcommand that touches the database.
#[derive(Clone, Debug, Args)]
pub struct StoreConfig {
    /// Folder for the embedded SQLite database and files; created when missing.
    #[arg(long, env = "SATUPINTU_DATA_DIR", default_value = "./satupintu-data")]
    pub data_dir: PathBuf,

    /// Database URL. `postgres://…` selects PostgreSQL; `sqlite://…` a given SQLite file.
    /// Without it, SQLite in the data folder is used.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Most database connections this process opens.
    #[arg(long, env = "SATUPINTU_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
}

impl StoreConfig {
    /// The URL to connect to: the configured one, or SQLite in the data folder.
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("satupintu.db").display()),
        }
    }
}

/// Options of `satupintu serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    /// Address and port to listen on.
    #[arg(long, env = "SATUPINTU_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The public address of the portal. When it starts with `https://`, responses carry HSTS.
    #[arg(long, env = "SATUPINTU_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Do not load the demo municipality into an empty database.
    #[arg(long, env = "SATUPINTU_NO_DEMO")]
    pub no_demo: bool,

    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "SATUPINTU_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,

    /// Seconds a public page may be served from this node's short-lived cache.
    /// Content edits show on every node within this time. 0 turns the cache off.
    #[arg(long, env = "SATUPINTU_PAGE_CACHE_SECONDS", default_value_t = 2)]
    pub page_cache_seconds: u64,

    /// Seconds a request may take before it is answered with 503.
    #[arg(long, env = "SATUPINTU_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,

    /// SMTP relay for outgoing mail, `smtp://[user:pass@]host[:port]` (no TLS: a relay on
    /// this host or network). Without it, mail is written as `.eml` files to `DATA_DIR/mail`.
    #[arg(long, env = "SATUPINTU_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of outgoing mail.
    #[arg(long, env = "SATUPINTU_MAIL_FROM", default_value = "Satu Pintu <noreply@satupintu.invalid>")]
    pub mail_from: String,

    /// HTTP gateway for outgoing SMS, `http://host[:port]/path` (see docs/identity.md for
    /// the JSON it receives). Without it, SMS are written as `.sms` files to `DATA_DIR/sms`.
    #[arg(long, env = "SATUPINTU_SMS_GATEWAY_URL", hide_env_values = true)]
    pub sms_gateway_url: Option<String>,

    /// Bearer token sent to the SMS gateway.
    #[arg(long, env = "SATUPINTU_SMS_GATEWAY_TOKEN", hide_env_values = true)]
    pub sms_gateway_token: Option<String>,

    /// Password hashes computed at once; more sign-ins wait, so a flood of them cannot take
    /// every core. Defaults to half the cores (at least one).
    #[arg(long, env = "SATUPINTU_PASSWORD_HASHING_SLOTS")]
    pub password_hashing_slots: Option<usize>,

    /// Seconds between checks for applications past their due date (supervisors are told).
    #[arg(long, env = "SATUPINTU_OVERDUE_CHECK_SECONDS", default_value_t = 300)]
    pub overdue_check_seconds: u64,

    /// Where the data lives.
    #[command(flatten)]
    pub store: StoreConfig,
}

impl ServeConfig {
    /// The address links in mail point to.
    pub fn link_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Concurrent password hashes allowed.
    pub fn hashing_slots(&self) -> usize {
        self.password_hashing_slots
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get() / 2).unwrap_or(1).max(1))
    }

    /// Whether the portal is reached over TLS (through a proxy), so HSTS applies.
    pub fn behind_tls(&self) -> bool {
        self.public_url.as_deref().is_some_and(|url| url.starts_with("https://"))
    }
}
