//! The command line: `serve`, `migrate`, `demo` and `import`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, ServeConfig, StoreConfig};

/// Satu Pintu: the one portal of an Indonesian local government.
#[derive(Debug, Parser)]
#[command(name = "satupintu", version, about)]
pub struct Cli {
    /// Log line format.
    #[arg(long, global = true, env = "SATUPINTU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log filter, e.g. `info` or `satupintu=debug,tower_http=debug`.
    #[arg(long, global = true, env = "SATUPINTU_LOG", default_value = "info")]
    pub log: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal and the API; prepares the database on first start.
    Serve(ServeConfig),
    /// Apply database migrations and exit.
    Migrate(StoreConfig),
    /// Load (or reload) the demo municipality.
    Demo(StoreConfig),
    /// The tamper-evident audit log.
    Audit {
        /// What to do.
        #[command(subcommand)]
        what: AuditCommand,
    },
    /// Identity numbers.
    Nik {
        /// What to do with the number.
        #[command(subcommand)]
        what: NikCommand,
    },
    /// Import reference data or content.
    Import {
        /// What to import.
        #[command(subcommand)]
        what: ImportCommand,
    },
}

/// What `audit` does.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every entry and the Merkle tree, check every signed tree head; exit 0 when
    /// intact, 1 naming the first bad entry otherwise.
    Verify {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
}

/// What `nik` does.
#[derive(Debug, Subcommand)]
pub enum NikCommand {
    /// Check a NIK against the rules and the region table and print what it says, as JSON.
    /// Exits 0 when valid, 1 when not.
    Decode {
        /// The 16-digit NIK.
        nik: String,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
}

/// What `import` loads.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A region table (`code,name,level` CSV, as in data/regions/wilayah.csv).
    Regions {
        /// The CSV file.
        file: PathBuf,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
    /// A content bundle (JSON: installation, agencies, services, news, regulations, faq, pages).
    Content {
        /// The JSON file.
        file: PathBuf,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
}

fn init_logging(cli: &Cli) {
    let filter = EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command)) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Refused) => ExitCode::from(1),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "failed");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Signs a tree head over what a command appended to the audit log.
async fn sign_tree_head(store: &StoreConfig, db: &crate::db::Db) -> anyhow::Result<()> {
    let key = crate::audit::keys::load_or_create(&crate::audit::keys::key_path(&store.data_dir))?;
    crate::audit::sign_tree_head(db, &key).await?;
    Ok(())
}

async fn prepared_db(store: &StoreConfig) -> anyhow::Result<crate::db::Db> {
    let db = crate::db::open(store)?;
    crate::ops::prepare(&db, false).await?;
    Ok(db)
}

/// How a command that ran to its end turned out.
enum Outcome {
    /// It did what was asked.
    Success,
    /// It answered "no" (an invalid NIK): exit code 1, without an error.
    Refused,
}

async fn execute(command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Audit { what: AuditCommand::Verify { store } } => {
            let db = crate::db::open(&store)?;
            let status = crate::db::migration_status(&db).await?;
            anyhow::ensure!(status.is_current(), "the database is not migrated: run `satupintu migrate`");
            let started = std::time::Instant::now();
            let report = crate::audit::verify::verify(&db).await?;
            db.close().await;
            let seconds = started.elapsed().as_secs_f64();
            let root = satupintu_audit::to_base64(&report.root);
            match report.tamper {
                None => {
                    println!(
                        "audit log intact: {} entries, {} signed tree heads, root {root} ({seconds:.2} s)",
                        report.entries, report.tree_heads
                    );
                    Ok(Outcome::Success)
                }
                Some(tamper) => {
                    println!("audit log TAMPERED: {tamper} (checked {} entries before it)", report.entries);
                    Ok(Outcome::Refused)
                }
            }
        }
        Command::Nik { what: NikCommand::Decode { nik, store } } => {
            let db = prepared_db(&store).await?;
            let today = crate::identity::nik::today_in_indonesia();
            let checked = crate::identity::nik::check(&db, &nik, today).await?;
            db.close().await;
            let (json, outcome) = match checked {
                Ok((_, facts)) => (serde_json::to_value(facts)?, Outcome::Success),
                Err(problem) => (
                    serde_json::json!({
                        "valid": false,
                        "error": problem.code(),
                        "message": problem.message(crate::i18n::Lang::En),
                    }),
                    Outcome::Refused,
                ),
            };
            println!("{json}");
            Ok(outcome)
        }
        Command::Serve(config) => {
            let shutdown = crate::app::shutdown_signal();
            let server = crate::app::Server::bind(&config).await?;
            let address = server.local_addr()?;
            tracing::info!(%address, store = server.state().db.backend().name(), "Satu Pintu is listening on http://{address}");
            server.run(shutdown).await?;
            Ok(Outcome::Success)
        }
        Command::Migrate(store) => {
            let db = crate::db::open(&store)?;
            let status = db.exclusively(async || crate::db::migrate(&db).await).await?;
            println!("migrations: {} applied of {}", status.applied, status.expected);
            Ok(Outcome::Success)
        }
        Command::Demo(store) => {
            let db = prepared_db(&store).await?;
            let summary = crate::demo::load_demo(&db).await?;
            sign_tree_head(&store, &db).await?;
            println!("demo municipality loaded: {summary:?}");
            Ok(Outcome::Success)
        }
        Command::Import { what: ImportCommand::Regions { file, store } } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let db = prepared_db(&store).await?;
            let n = crate::regions::import(&db, &text).await?;
            sign_tree_head(&store, &db).await?;
            println!("regions imported: {n}");
            Ok(Outcome::Success)
        }
        Command::Import { what: ImportCommand::Content { file, store } } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let bundle = crate::demo::ContentBundle::from_json(&text)?;
            let db = prepared_db(&store).await?;
            let summary = crate::demo::import(&db, &bundle, false).await?;
            sign_tree_head(&store, &db).await?;
            println!("content imported: {summary:?}");
            Ok(Outcome::Success)
        }
    }
}
