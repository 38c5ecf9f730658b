//! Benchmarks of durable submissions and of the status page (run by `bench/submissions`):
//! - applications submitted through `POST /api/v1/applications` by concurrent clients, each
//!   with its audit entry, against the raw single-row commit rate of the same store;
//! - the citizen's status page of an application against `/healthz`.
//!
//! `cargo run --release --example submissions_bench -- DATABASE_URL SECONDS CLIENTS`
//! The database must be empty; the server migrates it and loads the demo. Prints
//! `BENCH key=value` lines.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use satupintu::app::Server;
use satupintu::config::{ServeConfig, StoreConfig};
use satupintu::db::Db;
use satupintu::identity::accounts::{NewCitizen, Registered, register_citizen};

// Notices go over SMTP, as in production, to the test suite's sink.
#[allow(dead_code, clippy::expect_used)]
#[path = "../tests/http/smtp_sink.rs"]
mod smtp_sink;

/// What one kind of request did in a round: completed requests and their latencies.
struct Round {
    seconds: f64,
    latencies: Vec<Duration>,
}

impl Round {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    fn percentile_ms(&mut self, q: f64) -> f64 {
        self.latencies.sort();
        let index = ((self.latencies.len() as f64 * q) as usize).min(self.latencies.len().saturating_sub(1));
        self.latencies.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// Runs `clients` loops of `work` for `seconds`; every call must succeed.
async fn round<F, Fut>(clients: usize, seconds: u64, work: F) -> anyhow::Result<Round>
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

/// Single-row commits, each in its own transaction: the store's raw durable write rate.
async fn raw_commits(db: &Db, clients: usize, seconds: u64) -> anyhow::Result<Round> {
    let db = db.clone();
    round(clients, seconds, move |client, n| {
        let db = db.clone();
        async move {
            let mut tx = db.begin().await?;
            sqlx::query("INSERT INTO bench_raw (v) VALUES ($1)")
                .bind(format!("{client}-{n}"))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }
    })
    .await
}

/// Plain GETs of `path` with the session cookie; each must answer 200.
async fn gets(base: &str, path: &str, cookie: &str, clients: usize, seconds: u64) -> anyhow::Result<Round> {
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().context("DATABASE_URL")?;
    let seconds: u64 = args.next().context("SECONDS")?.parse()?;
    let clients: usize = args.next().context("CLIENTS")?.parse()?;
    let data_dir = std::env::temp_dir().join(format!("satupintu-bench-submissions-{}", std::process::id()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sink = smtp_sink::SmtpSink::start().await;
    let config = ServeConfig {
        smtp_url: Some(sink.url()),
        mail_from: "Satu Pintu <noreply@bench.test>".into(),
        sms_gateway_url: None,
        sms_gateway_token: None,
        password_hashing_slots: Some(2),
        listen: listener.local_addr()?,
        public_url: None,
        no_demo: false,
        max_body_bytes: 1_048_576,
        page_cache_seconds: 0,
        request_timeout_seconds: 30,
        overdue_check_seconds: 300,
        store: StoreConfig {
            data_dir: data_dir.clone(),
            database_url: Some(url.clone()),
            db_max_connections: 16,
        },
    };
    let db = Db::connect_lazy(&url, 16)?;
    let server = Server::new(listener, db, &config)?;
    server.prepare().await?;
    let state = server.state().clone();
    let db = state.db.clone();
    let base = format!("http://{}", server.local_addr()?);

    // A citizen with a verified email, an API token and a browser session.
    let mut tx = db.begin().await?;
    let citizen = NewCitizen {
        name: "Siti Rahayu",
        nik: "3578025508850002",
        nik_district: "35.78.02",
        birth_date: "1985-08-15",
        email: Some("siti@bench.test"),
        phone: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
    };
    let Registered::Created { account_id, .. } =
        register_citizen(&db, &mut tx, &state.fields, &citizen).await?
    else {
        anyhow::bail!("the bench citizen exists already: the database is not empty");
    };
    sqlx::query("UPDATE accounts SET email_verified_at = $1 WHERE id = $2")
        .bind(jiff::Timestamp::now().as_second())
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    let actor = format!("citizen:{account_id}");
    let scopes = ["applications:read", "applications:write"];
    let token =
        satupintu::identity::tokens::insert(&db, &mut tx, (account_id, &actor), "Bench", &scopes, 30).await?;
    let cookie = satupintu::identity::session::start(&mut tx, account_id, false, false).await?;
    let cookie = cookie.split(';').next().unwrap_or_default().to_string();
    tx.commit().await?;
    sqlx::query("CREATE TABLE bench_raw (v TEXT NOT NULL)").execute(db.pool()).await?;

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));

    // Durable submissions, between two raw-commit rounds (the better one is the baseline).
    let raw_before = raw_commits(&db, clients, seconds).await?;
    let client = reqwest::Client::new();
    let submit_url = format!("{base}/api/v1/applications");
    let body = serde_json::json!({
        "service": "akta-kelahiran",
        "data": {
            "nama_anak": "Raka Pratama", "jenis_kelamin": "laki_laki", "tanggal_lahir": "2026-11-02",
            "tempat_lahir": "Surabaya", "anak_ke": 1, "nama_ibu": "Siti Rahayu", "orang_tua_menikah": true,
            "nama_ayah": "Budi Santoso"
        }
    });
    let first_id = Arc::new(std::sync::Mutex::new(None::<i64>));
    let remember = first_id.clone();
    let mut submissions = round(clients, seconds, move |client_no, n| {
        let request = client
            .post(&submit_url)
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("bench-{client_no}-{n}"))
            .json(&body)
            .send();
        let remember = remember.clone();
        async move {
            let response = request.await?;
            anyhow::ensure!(response.status() == 201, "submission answered {}", response.status());
            let created: serde_json::Value = response.json().await?;
            let mut first = remember.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
            if first.is_none() {
                *first = created["id"].as_i64();
            }
            Ok(())
        }
    })
    .await?;
    let raw_after = raw_commits(&db, clients, seconds).await?;
    let raw = raw_before.rate().max(raw_after.rate());
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE status = 'in_progress'")
        .fetch_one(db.pool())
        .await?;
    anyhow::ensure!(
        stored as usize == submissions.latencies.len(),
        "every acknowledged submission is stored"
    );

    // The status page against /healthz, healthz on both sides.
    let id = first_id.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.context("no application")?;
    let status_path = format!("/permohonan/{id}");
    let health_before = gets(&base, "/healthz", "", clients, seconds).await?;
    let mut status = gets(&base, &status_path, &cookie, clients, seconds).await?;
    let health_after = gets(&base, "/healthz", "", clients, seconds).await?;
    let health = health_before.rate().max(health_after.rate());

    println!("BENCH clients={clients}");
    println!("BENCH seconds={seconds}");
    println!("BENCH raw_commits_per_s={raw:.1}");
    println!("BENCH submissions_per_s={:.1}", submissions.rate());
    println!("BENCH submissions={}", submissions.latencies.len());
    println!("BENCH submission_p50_ms={:.2}", submissions.percentile_ms(0.50));
    println!("BENCH submission_p99_ms={:.2}", submissions.percentile_ms(0.99));
    println!("BENCH healthz_per_s={health:.1}");
    println!("BENCH status_per_s={:.1}", status.rate());
    println!("BENCH status_p99_ms={:.2}", status.percentile_ms(0.99));
    let _ = stop.send(());
    serving.await??;
    std::fs::remove_dir_all(&data_dir).ok();
    Ok(())
}
