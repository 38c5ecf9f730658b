//! The database: one pool over SQLite or PostgreSQL, chosen by the URL scheme.
//!
//! Queries are written once with `$1` placeholders, which both stores accept. Where the
//! SQL must differ (full-text search, locks), callers branch on [`Backend`] here or in
//! their own store module, never on driver types.

pub mod fresh;
mod migrate;

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use migrate::{MigrationStatus, known_migrations, migrate, migration_status};

/// Which store a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (WAL): the default, one node.
    Sqlite,
    /// PostgreSQL: any number of nodes.
    Postgres,
}

impl Backend {
    /// The backend a database URL selects.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://")
        }
    }

    /// Lower-case name, as used in logs, metrics and migration folders.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The newest audit entry's index-to-be and chain hash, as this process last wrote them.
pub type AuditTail = Arc<Mutex<Option<(i64, [u8; 32])>>>;

/// A value read from the database and kept for a few seconds: settings that change rarely
/// and are read on nearly every request. A writer in this process clears it at once; other
/// processes sharing the database see a change within [`Recent::FRESH_FOR`].
#[derive(Debug)]
pub struct Recent<T> {
    slot: Mutex<Option<(std::time::Instant, T)>>,
}

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self { slot: Mutex::new(None) }
    }
}

impl<T: Clone> Recent<T> {
    /// How long a read value is used.
    pub const FRESH_FOR: Duration = Duration::from_secs(5);

    /// The value, while fresh.
    pub fn get(&self) -> Option<T> {
        let slot = self.slot.lock().ok()?;
        slot.as_ref().filter(|(at, _)| at.elapsed() < Self::FRESH_FOR).map(|(_, value)| value.clone())
    }

    /// Keeps a value just read.
    pub fn put(&self, value: T) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some((std::time::Instant::now(), value));
        }
    }

    /// Forgets the value (after a write).
    pub fn clear(&self) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = None;
        }
    }
}

/// Checked service definitions by (service id, version): versions never change.
#[derive(Debug, Default)]
pub struct Versions {
    map: Mutex<std::collections::HashMap<(i64, i64), Arc<satupintu_rules::service::CheckedService>>>,
}

impl Versions {
    /// Most versions kept; beyond it the map starts again.
    const CAPACITY: usize = 512;

    /// The checked definition, when read before.
    pub fn get(
        &self,
        service_id: i64,
        version: i64,
    ) -> Option<Arc<satupintu_rules::service::CheckedService>> {
        self.map.lock().ok()?.get(&(service_id, version)).cloned()
    }

    /// Keeps a definition just read.
    pub fn put(&self, service_id: i64, version: i64, service: Arc<satupintu_rules::service::CheckedService>) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= Self::CAPACITY {
                map.clear();
            }
            map.insert((service_id, version), service);
        }
    }
}

/// Values kept briefly per database.
#[derive(Debug, Default)]
pub struct RecentReads {
    /// Service definitions by version.
    pub versions: Versions,
    /// The installation's settings.
    pub installation: Recent<crate::portal::model::Installation>,
    /// The holiday calendar.
    pub calendar: Recent<std::sync::Arc<satupintu_rules::calendar::Calendar>>,
    /// Sessions by token hash.
    pub sessions: fresh::Kept<crate::identity::session::KeptCredential>,
    /// API tokens by token hash.
    pub tokens: fresh::Kept<crate::identity::session::KeptCredential>,
    /// Published services by slug.
    pub offered: fresh::Kept<Option<crate::services::catalogue::Offered>>,
    /// Whether a service's agency works on collective leave, by service slug.
    pub leave_worked: fresh::Kept<i64>,
    /// How to reach each account, by id.
    pub contacts: fresh::Kept<crate::identity::accounts::Contact>,
    /// Application status pages by id and language.
    pub status_pages: fresh::Kept<crate::services::routes::StatusFacts>,
}

/// A connection pool and the store it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    audit_tail: AuditTail,
    recent: Arc<RecentReads>,
    changes: Arc<fresh::Changes>,
    listen_url: Option<Arc<str>>,
    reserved_ids: Arc<Mutex<std::collections::HashMap<&'static str, Vec<i64>>>>,
    writer: Arc<tokio::sync::Semaphore>,
    groups: Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<GroupJob>>>,
}

/// Any fixed number works; it only has to be the same on every node.
const STARTUP_LOCK_KEY: i64 = 0x5341_5455_5049_4e54;

/// A transaction on either store. On SQLite it also holds this process's writer slot: one
/// writer at a time waits in line here instead of in SQLite's busy handler, which sleeps in
/// growing steps and leaves the database idle between writers.
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    _writer: Option<tokio::sync::OwnedSemaphorePermit>,
    audit_queue: Vec<crate::audit::store::Queued>,
    backend: Backend,
    changed: Vec<String>,
    created: Vec<String>,
    changes: Arc<fresh::Changes>,
}

impl Tx {
    /// Appends the audit entries waiting for the commit, announces the changed records to the
    /// other nodes, commits, and forgets what this node kept of them.
    pub async fn commit(mut self) -> anyhow::Result<()> {
        let queued = std::mem::take(&mut self.audit_queue);
        crate::audit::store::append_queued(&mut self, queued).await?;
        let mut changed = std::mem::take(&mut self.changed);
        changed.sort_unstable();
        changed.dedup();
        if self.backend == Backend::Postgres && !changed.is_empty() {
            // Sent on commit only, so other nodes never forget for a change that did not stay.
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(fresh::CHANNEL)
                .bind(fresh::payload(&changed))
                .execute(&mut *self.inner)
                .await
                .context("could not announce the changes")?;
        }
        self.inner.commit().await.context("could not commit")?;
        changed.iter().for_each(|record| self.changes.mark(record));
        Ok(())
    }

    /// Notes a record this transaction makes: no node can have kept a read of it, so its
    /// changes here need no announcement.
    pub fn created(&mut self, subject: &str) {
        let record = fresh::record_of(subject);
        self.changed.retain(|changed| changed != record);
        self.created.push(record.to_string());
    }

    /// Notes a record this transaction changes (`application/17`), so that reads kept of it
    /// end when it commits.
    pub fn changed(&mut self, subject: &str) {
        let record = fresh::record_of(subject);
        if fresh::is_kept(record) && !self.created.iter().any(|created| created == record) {
            self.changed.push(record.to_string());
        }
    }

    /// Keeps an audit entry for the commit.
    pub(crate) fn queue_audit(&mut self, entry: crate::audit::store::Queued) {
        self.audit_queue.push(entry);
    }

    /// Rolls back (dropping a transaction does too).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").finish_non_exhaustive()
    }
}

/// A future borrowing a transaction, as grouped jobs return.
pub type BoxFuture<'t, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 't>>;

/// Most jobs committed together: enough to share a flush widely, few enough that the first
/// job's caller does not wait long behind the last.
const GROUP_MOST: usize = 64;

/// A job of [`Db::grouped`]: `run` does its writes and says whether they stay; `settle` gives
/// its caller the outcome once the group's fate is known (`Some(why)` when it failed).
struct GroupJob {
    run: RunJob,
    settle: SettleJob,
}

/// Does a job's writes; true when they stay.
type RunJob = Box<dyn for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, bool> + Send>;

/// Answers a job's caller: `None` once committed, else why the group failed.
type SettleJob = Box<dyn FnOnce(Option<&str>) + Send>;

/// Ids reserved at once by [`Db::reserve_id`].
const RESERVED_BLOCK: i64 = 32;

/// How long a SQLite writer waits for its turn before giving up, like `busy_timeout`.
const WRITER_WAIT: Duration = Duration::from_secs(5);

impl Db {
    /// Prepares a pool without connecting, so a server can start (and report why it is not
    /// ready) while the database is down.
    pub fn connect_lazy(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyConnectOptions::from_str(url).context("DATABASE_URL is not a valid URL")?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; FULL sync puts each
                        // commit on disk before it is acknowledged, so an application a
                        // citizen was told is received survives a power cut, not only a
                        // process crash; busy_timeout queues writers instead of failing them.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_lazy_with(options);
        Ok(Self {
            pool,
            backend,
            audit_tail: AuditTail::default(),
            recent: Arc::default(),
            changes: Arc::default(),
            listen_url: (backend == Backend::Postgres).then(|| url.into()),
            reserved_ids: Arc::default(),
            writer: Arc::new(tokio::sync::Semaphore::new(1)),
            groups: Arc::default(),
        })
    }

    /// The pool, for queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which store this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Refreshes SQLite's planner statistics (`ANALYZE`, sampling at most 1,000 rows per
    /// index so it stays quick on a large store); PostgreSQL keeps its own.
    pub async fn refresh_statistics(&self) -> anyhow::Result<()> {
        if self.backend() == Backend::Sqlite {
            let mut conn = self.pool().acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 1000").execute(&mut *conn).await?;
            sqlx::query("ANALYZE").execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Values read recently (installation settings, the holiday calendar).
    pub fn recent(&self) -> &RecentReads {
        &self.recent
    }

    /// On PostgreSQL, an id for a new row of `table` taken from its identity sequence ahead of
    /// the insert (in blocks of 32, one query each), so that the writer can build
    /// everything that names the row and write it in one statement. Ids reserved and never
    /// used leave gaps, as rolled-back inserts do anyway. `None` on SQLite, where the insert
    /// gives the id.
    pub async fn reserve_id(&self, table: &'static str) -> anyhow::Result<Option<i64>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let taken =
            |ids: &Self| ids.reserved_ids.lock().ok().and_then(|mut blocks| blocks.get_mut(table)?.pop());
        if let Some(id) = taken(self) {
            return Ok(Some(id));
        }
        let mut block: Vec<i64> = sqlx::query_scalar(
            "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2) ORDER BY 1 DESC",
        )
        .bind(table)
        .bind(RESERVED_BLOCK)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("could not reserve ids for {table}"))?;
        let id = block.pop().context("the sequence gave no id")?;
        if let Ok(mut blocks) = self.reserved_ids.lock() {
            blocks.entry(table).or_default().extend(block);
        }
        Ok(Some(id))
    }

    /// When records last changed, as this node knows: what kept reads are checked against.
    pub fn changes(&self) -> &fresh::Changes {
        &self.changes
    }

    /// Hears the records other nodes change (PostgreSQL), forever. A lost connection may have
    /// missed some, so everything kept is forgotten before listening again.
    pub async fn follow_changes(self) {
        let Some(url) = self.listen_url.clone() else { return };
        loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => match listener.listen(fresh::CHANNEL).await {
                    Ok(()) => {
                        // Anything changed before listening went unheard.
                        self.changes.mark_everything();
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(notice)) => {
                                    notice.payload().lines().for_each(|record| self.changes.mark(record))
                                }
                                Ok(None) => break,
                                Err(e) => {
                                    tracing::warn!(error = %e, "lost the change notifications");
                                    break;
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot listen for changes"),
                },
                Err(e) => tracing::debug!(error = %e, "cannot connect to listen for changes"),
            }
            self.changes.mark_everything();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// On SQLite, lets an audit append build its entry without reading the log's tail first.
    /// Only a hint: the insert checks it against the database and falls back to reading.
    pub fn audit_tail(&self) -> &AuditTail {
        &self.audit_tail
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a transaction that reads and then writes would otherwise fail outright, without waiting,
    /// whenever another connection committed in between.
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        let (started, writer) = match self.backend {
            Backend::Sqlite => {
                let permit = tokio::time::timeout(WRITER_WAIT, self.writer.clone().acquire_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)
                    .context("waited too long for the database writer")?
                    .context("the writer slot closed")?;
                (self.pool.begin_with("BEGIN IMMEDIATE").await, Some(permit))
            }
            Backend::Postgres => (self.pool.begin().await, None),
        };
        let inner = started.context("could not start a database transaction")?;
        Ok(Tx {
            inner,
            _writer: writer,
            audit_queue: Vec::new(),
            backend: self.backend,
            changed: Vec::new(),
            created: Vec::new(),
            changes: Arc::clone(&self.changes),
        })
    }

    /// Runs `job` in a transaction shared with the other jobs waiting at that moment (group
    /// commit): one commit, and so one flush to disk, for the whole group, and on PostgreSQL
    /// one turn at the audit log's tail instead of one per job. Each job runs inside its own
    /// savepoint, so a job that fails leaves no trace and the others still commit. The answer
    /// comes only after the commit: `Ok` means the job's writes are on disk.
    ///
    /// The job must only talk to the database through the transaction it is given (no pool
    /// reads: the group holds the writer) and should keep other work outside.
    pub async fn grouped<T, E>(
        &self,
        job: impl for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T, E>> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<anyhow::Error> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let outcome = Arc::new(Mutex::new(None::<Result<T, E>>));
        let kept = Arc::clone(&outcome);
        let group_job = GroupJob {
            run: Box::new(move |tx| {
                Box::pin(async move {
                    let result = job(tx).await;
                    let keep = result.is_ok();
                    if let Ok(mut slot) = kept.lock() {
                        *slot = Some(result);
                    }
                    keep
                })
            }),
            settle: Box::new(move |failure| {
                let result = match failure {
                    None => outcome.lock().ok().and_then(|mut slot| slot.take()),
                    Some(_) => None,
                };
                let result = result.unwrap_or_else(|| {
                    Err(E::from(anyhow::anyhow!(
                        "the group transaction failed: {}",
                        failure.unwrap_or("the job did not run")
                    )))
                });
                let _ = answer.send(result);
            }),
        };
        let sender = self.groups.get_or_init(|| {
            let (sender, jobs) = tokio::sync::mpsc::unbounded_channel();
            // The committers' own handle has no queue of its own, so it does not keep the
            // queue open: they end once every other handle of this database is gone.
            let committer = Self { groups: Arc::default(), ..self.clone() };
            let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
            // SQLite writes one transaction at a time; PostgreSQL overlaps a few groups, which
            // meet only at the audit log's tail, while committing.
            let committers = match self.backend {
                Backend::Sqlite => 1,
                Backend::Postgres => 3,
            };
            for _ in 0..committers {
                tokio::spawn(committer.clone().commit_groups(Arc::clone(&jobs)));
            }
            sender
        });
        sender.send(group_job).map_err(|_| E::from(anyhow::anyhow!("the group committer has stopped")))?;
        answered.await.map_err(|_| E::from(anyhow::anyhow!("the group committer dropped a job")))?
    }

    /// Takes what is queued, up to [`GROUP_MOST`] jobs, and commits it as one group; a group
    /// that panics fails its own jobs only.
    async fn commit_groups(
        self,
        jobs: Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<GroupJob>>>,
    ) {
        loop {
            let group = {
                let mut jobs = jobs.lock().await;
                let Some(first) = jobs.recv().await else { return };
                let mut group = vec![first];
                while group.len() < GROUP_MOST {
                    match jobs.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                group
            };
            let db = self.clone();
            if let Err(e) = tokio::spawn(async move { db.commit_group(group).await }).await {
                tracing::error!(error = %e, "a group transaction stopped");
            }
        }
    }

    async fn commit_group(&self, group: Vec<GroupJob>) {
        let mut tx = match self.begin().await {
            Ok(tx) => tx,
            Err(e) => {
                let why = format!("{e:#}");
                group.into_iter().for_each(|job| (job.settle)(Some(&why)));
                return;
            }
        };
        // A group of one needs no savepoint: its failure rolls the whole transaction back.
        let alone = group.len() == 1;
        let mut settles = Vec::with_capacity(group.len());
        let mut kept_any = false;
        let mut broken = None;
        for job in group {
            if broken.is_some() {
                (job.settle)(broken.as_deref());
                continue;
            }
            if !alone && let Err(e) = sqlx::query("SAVEPOINT grouped_job").execute(&mut *tx).await {
                broken = Some(format!("{e}"));
                (job.settle)(broken.as_deref());
                continue;
            }
            let queued_before = tx.audit_queue.len();
            let keep = (job.run)(&mut tx).await;
            if !keep {
                tx.audit_queue.truncate(queued_before);
            }
            // A kept job's savepoint is not released: the next one nests inside it, and the
            // commit ends them all, one round trip less per job.
            let end = match (alone, keep) {
                (true, _) | (false, true) => Ok(()),
                (false, false) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT grouped_job").execute(&mut *tx).await.map(drop)
                }
            };
            kept_any |= keep;
            settles.push(job.settle);
            if let Err(e) = end {
                broken = Some(format!("{e}"));
            }
        }
        let failure = match broken {
            Some(why) => Some(why),
            None if !kept_any => {
                // Nothing to keep; each job's own error is its answer.
                let _ = tx.rollback().await;
                None
            }
            None => tx.commit().await.err().map(|e| format!("{e}")),
        };
        for settle in settles {
            settle(failure.as_deref());
        }
    }

    /// Checks that the database answers. When the pool cannot hand out a connection, a
    /// direct connection is tried so that the error names the cause (refused connection,
    /// a file that is not a database) rather than a pool time-out.
    pub async fn ping(&self) -> anyhow::Result<()> {
        match sqlx::query("SELECT 1").execute(&self.pool).await {
            Ok(_) => Ok(()),
            Err(sqlx::Error::PoolTimedOut) => {
                let mut conn = self.pool.connect_options().connect().await?;
                if self.backend == Backend::Sqlite {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                }
                conn.execute("SELECT 1").await?;
                anyhow::bail!("the connection pool is exhausted")
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Open and idle connections, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Runs start-up work (migrations, imports) while holding the store's start-up lock, so
    /// nodes that start together do it one after the other. SQLite serves one node and
    /// needs no lock.
    pub async fn exclusively<T>(&self, work: impl AsyncFnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
        if self.backend == Backend::Sqlite {
            return work().await;
        }
        let mut conn = self.pool.acquire().await.context("could not connect to the database")?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(STARTUP_LOCK_KEY)
            .execute(&mut *conn)
            .await
            .context("could not take the start-up lock")?;
        let result = work().await;
        let unlocked =
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(STARTUP_LOCK_KEY).execute(&mut *conn).await;
        if unlocked.is_err() {
            // Closing the session releases its locks; never hand a locked session back.
            drop(conn.detach());
        }
        result
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Opens the configured database, creating the SQLite folder when needed.
pub fn open(store: &crate::config::StoreConfig) -> anyhow::Result<Db> {
    if store.database_url.is_none() {
        std::fs::create_dir_all(&store.data_dir)
            .with_context(|| format!("could not create the data folder {}", store.data_dir.display()))?;
    }
    Db::connect_lazy(&store.url(), store.db_max_connections)
}
