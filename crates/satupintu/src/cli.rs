//! The command line: `serve`, `migrate`, `demo`, `import`, `backup`, `restore` and the tools.

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
    /// Accounts of officers.
    User {
        /// What to do.
        #[command(subcommand)]
        what: UserCommand,
    },
    /// The keys that seal personal data.
    Keys {
        /// What to do.
        #[command(subcommand)]
        what: KeysCommand,
    },
    /// Working days, by the holiday calendar in the database.
    Calendar {
        /// What to compute.
        #[command(subcommand)]
        what: CalendarCommand,
    },
    /// Apps that post complaints through Open311.
    Open311 {
        /// What to do.
        #[command(subcommand)]
        what: Open311Command,
    },
    /// The satisfaction index (IKM, PermenPAN-RB 14/2017).
    Ikm {
        /// What to do.
        #[command(subcommand)]
        what: IkmCommand,
    },
    /// The service catalogue.
    Services {
        /// What to do.
        #[command(subcommand)]
        what: ServicesCommand,
    },
    /// Write a signed backup: a consistent snapshot of the database and the stored files,
    /// taken while the server runs, with a manifest of counts and the audit log's tree head.
    Backup {
        /// The backup file to write (it appears only once complete).
        #[arg(long, short)]
        output: PathBuf,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Load a backup into an empty database (either store) after checking its signature
    /// with this installation's key; a tampered or truncated backup is refused whole.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Where the data goes (the installation's key must be there already).
        #[command(flatten)]
        store: StoreConfig,
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

/// What `calendar` does.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print the day N working days after DATE, as YYYY-MM-DD. Weekends, national holidays
    /// and collective leave are skipped (the civil-service calendar) unless
    /// `--public-holidays-only` counts collective leave as working days.
    AddWorkingDays {
        /// The start, YYYY-MM-DD (not itself counted).
        date: String,
        /// How many working days to add.
        days: u32,
        /// Count collective leave (cuti bersama) as working days.
        #[arg(long)]
        public_holidays_only: bool,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
}

/// What `open311` does.
#[derive(Debug, Subcommand)]
pub enum Open311Command {
    /// Register an app allowed to post reports and print its `api_key` (shown once).
    AddClient {
        /// The app's name, for the records.
        name: String,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
}

/// What `ikm` does.
#[derive(Debug, Subcommand)]
pub enum IkmCommand {
    /// Compute the index from a CSV file with one respondent per row and columns `u1`…`u9`
    /// (scores 1–4; an empty cell is not answered). Prints JSON: `respondents`, `nrr`, `ikm`,
    /// `ikm_0111`, `grade`, `label`. A file with any bad row is refused whole, each problem
    /// naming its row and column.
    Compute {
        /// The CSV file (`-` reads standard input).
        file: PathBuf,
    },
}

/// What `services` does.
#[derive(Debug, Subcommand)]
pub enum ServicesCommand {
    /// Check and publish service definitions from a JSON file (one definition or a list). All
    /// are checked first; on any mistake nothing is stored and every mistake is printed.
    /// Publishing an unchanged definition again makes no new version.
    Import {
        /// The JSON file.
        file: PathBuf,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
}

/// What `user` does.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an officer with a role in a scope (or add the role to an existing officer).
    /// Prints a one-time password, to be changed at first sign-in, and the `otpauth://` URI
    /// of the officer's authenticator.
    Create {
        /// The officer's email, used to sign in.
        #[arg(long)]
        email: String,
        /// admin, agency_admin, officer, supervisor, content_editor or auditor.
        #[arg(long)]
        role: String,
        /// The agency's slug (see /instansi); required except for admin and auditor.
        #[arg(long)]
        agency: Option<String>,
        /// The region code the role covers; the installation's region when absent.
        #[arg(long)]
        region: Option<String>,
        /// The officer's name; the email when absent.
        #[arg(long)]
        name: Option<String>,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreConfig,
    },
}

/// What `keys` does.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new field key, make it the one that seals, and re-seal every stored value with it.
    Rotate {
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
        Command::Calendar {
            what: CalendarCommand::AddWorkingDays { date, days, public_holidays_only, store },
        } => {
            let start: jiff::civil::Date = date
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("`{date}` is not a date in the form YYYY-MM-DD"))?;
            let db = prepared_db(&store).await?;
            let calendar = crate::calendar::load(&db).await;
            db.close().await;
            let policy = if public_holidays_only {
                satupintu_rules::calendar::LeavePolicy::PublicHolidaysOnly
            } else {
                satupintu_rules::calendar::LeavePolicy::CivilService
            };
            println!("{}", calendar?.add_working_days(start, days, policy)?);
            Ok(Outcome::Success)
        }
        Command::Open311 { what: Open311Command::AddClient { name, store } } => {
            let db = prepared_db(&store).await?;
            let key = crate::complaints::open311::add_client(&db, name.trim()).await;
            if key.is_ok() {
                sign_tree_head(&store, &db).await?;
            }
            db.close().await;
            println!("{}", key?);
            Ok(Outcome::Success)
        }
        Command::Ikm { what: IkmCommand::Compute { file } } => {
            let tally = if file.as_os_str() == "-" {
                satupintu_rules::ikm_file::tally_csv(std::io::stdin().lock())
            } else {
                let opened = std::fs::File::open(&file)
                    .with_context(|| format!("could not open {}", file.display()))?;
                satupintu_rules::ikm_file::tally_csv(std::io::BufReader::new(opened))
            };
            let computed = tally.and_then(|tally| satupintu_rules::ikm_file::computed(&tally))?;
            println!("{}", serde_json::to_string(&computed)?);
            Ok(Outcome::Success)
        }
        Command::Services { what: ServicesCommand::Import { file, store } } => {
            let db = prepared_db(&store).await?;
            let outcome = crate::services::import::import_file(&db, &file, "cli").await;
            db.close().await;
            for (slug, published) in outcome? {
                let state = if published.new_version { "new" } else { "unchanged" };
                println!("{slug}: version {} ({state})", published.version);
            }
            Ok(Outcome::Success)
        }
        Command::User { what: UserCommand::Create { email, role, agency, region, name, store } } => {
            let db = prepared_db(&store).await?;
            let outcome = create_user(&db, &store, &email, &role, agency, region, name).await;
            db.close().await;
            outcome
        }
        Command::Keys { what: KeysCommand::Rotate { store } } => {
            let path = crate::identity::protect::key_path(&store.data_dir);
            let db = prepared_db(&store).await?;
            crate::identity::protect::FieldProtector::load_or_create(&path)?;
            let key_id = crate::identity::protect::FieldProtector::rotate(&path)?;
            let fields = crate::identity::protect::FieldProtector::load_or_create(&path)?;
            let changed = crate::identity::accounts::reseal_all(&db, &fields).await?;
            sign_tree_head(&store, &db).await?;
            db.close().await;
            println!("field key {key_id} is now active; {changed} values re-sealed");
            Ok(Outcome::Success)
        }
        Command::Backup { output, store } => {
            let db = crate::db::open(&store)?;
            let key = crate::audit::keys::load_or_create(&crate::audit::keys::key_path(&store.data_dir))?;
            let manifest = crate::backup::backup(&db, &store.data_dir, &key, &output).await;
            db.close().await;
            let manifest = manifest?;
            let rows: u64 = manifest.tables.values().sum();
            println!(
                "backup written to {}: {rows} rows in {} tables, {} files; audit log {} entries, root {}; signed by key {}",
                output.display(),
                manifest.tables.len(),
                manifest.files,
                manifest.audit.entries,
                manifest.audit.root_hash,
                manifest.key_id
            );
            Ok(Outcome::Success)
        }
        Command::Restore { file, store } => {
            let key_path = crate::audit::keys::key_path(&store.data_dir);
            let Some(secret) = crate::secrets::read(&key_path)? else {
                anyhow::bail!(
                    "no installation key at {}: copy the key of the installation that made the backup there \
                     (or set SATUPINTU_AUDIT_KEY_FILE) before restoring",
                    key_path.display()
                );
            };
            let key = crate::audit::keys::from_bytes(&key_path, &secret)?.verifying_key();
            let db = crate::db::open(&store)?;
            let restored = crate::backup::restore(&db, &store.data_dir, &key, &file).await;
            db.close().await;
            let restored = restored?;
            println!(
                "restored {} rows and {} files from the backup of {}; audit log {} entries, root {}",
                restored.rows,
                restored.manifest.files,
                restored.manifest.created_at,
                restored.manifest.audit.entries,
                restored.manifest.audit.root_hash
            );
            Ok(Outcome::Success)
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

async fn create_user(
    db: &crate::db::Db,
    store: &StoreConfig,
    email: &str,
    role: &str,
    agency: Option<String>,
    region: Option<String>,
    name: Option<String>,
) -> anyhow::Result<Outcome> {
    use crate::identity::roles::{Grant, Role};
    use sqlx::Row;
    let email = crate::identity::accounts::normalize_email(email);
    if !crate::identity::accounts::plausible_email(&email) {
        eprintln!("error: `{email}` is not an email address");
        return Ok(Outcome::Refused);
    }
    let Some(role) = Role::parse(role) else {
        let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        eprintln!("error: unknown role `{role}`; one of: {}", names.join(", "));
        return Ok(Outcome::Refused);
    };
    let agency_id = match agency {
        Some(slug) => {
            let row = sqlx::query("SELECT id FROM agencies WHERE slug = $1")
                .bind(&slug)
                .fetch_optional(db.pool())
                .await?;
            match row {
                Some(row) => Some(row.try_get::<i64, _>("id")?),
                None => {
                    eprintln!("error: no agency `{slug}` (see /instansi for the slugs)");
                    return Ok(Outcome::Refused);
                }
            }
        }
        None if matches!(role, Role::Admin | Role::Auditor) => None,
        None => {
            eprintln!("error: the role {} needs --agency", role.as_str());
            return Ok(Outcome::Refused);
        }
    };
    let installation = crate::portal::store::installation(db).await?;
    let region_code = region.unwrap_or(installation.region_code.clone());
    let Ok(code) = satupintu_rules::region::RegionCode::parse(&region_code) else {
        eprintln!("error: `{region_code}` is not a region code (e.g. 35.78)");
        return Ok(Outcome::Refused);
    };
    if crate::regions::find(db, &code).await?.is_none() {
        eprintln!("error: no region `{region_code}`");
        return Ok(Outcome::Refused);
    }
    let fields = crate::identity::protect::FieldProtector::load_or_create(
        &crate::identity::protect::key_path(&store.data_dir),
    )?;
    let hasher = crate::identity::password::PasswordHasher::new(1);
    let grant = Grant { role, agency_id, region_code: region_code.clone() };
    let name = name.unwrap_or_else(|| email.clone());
    let created =
        crate::identity::accounts::create_officer(db, &fields, &email, &name, &grant, &hasher, "cli").await?;
    sign_tree_head(store, db).await?;
    println!("officer {email} (account {}) holds {} in {region_code}", created.account_id, role.as_str());
    if let (Some(password), Some(secret)) = (created.one_time_password, created.totp_secret) {
        let uri = crate::identity::totp::otpauth_uri(
            &secret,
            &format!("Satu Pintu {}", installation.name),
            &email,
        )?;
        println!("one-time password: {password}");
        println!("totp: {uri}");
    }
    Ok(Outcome::Success)
}
