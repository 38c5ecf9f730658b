//! Benchmarks of durable submissions and of the status page (run by `bench/submissions`):
//! - applications submitted through `POST /api/v1/applications` by concurrent clients, each
//!   with its audit entry, against the raw single-row commit rate of the same store;
//! - the citizen's status page of an application against `/healthz`.
//!
//! `cargo run --release --example submissions_bench -- DATABASE_URL SECONDS CLIENTS`
//! The database must be empty; the server migrates it and loads the demo. Prints
//! `BENCH key=value` lines.

use std::sync::Arc;

use anyhow::Context;
use satupintu::db::Db;
use satupintu::identity::accounts::{NewCitizen, Registered, register_citizen};

#[allow(dead_code, reason = "each benchmark uses part of the shared helpers")]
mod support;

use support::{Round, gets, round};

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().context("DATABASE_URL")?;
    let seconds: u64 = args.next().context("SECONDS")?.parse()?;
    let clients: usize = args.next().context("CLIENTS")?.parse()?;
    let (server, state, base, data_dir, _sink) = support::prepared_server(&url, "submissions").await?;
    let db = state.db.clone();

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
    // A public information request: the answers call for no document, so it is submitted in
    // one request.
    let body = serde_json::json!({
        "service": "permohonan-informasi-publik",
        "data": {
            "rincian_informasi": "Laporan realisasi anggaran Dinas Perhubungan tahun 2025",
            "tujuan_penggunaan": "Bahan penelitian skripsi", "cara_memperoleh": "salinan_elektronik",
            "cara_salinan": "surel", "atas_nama": "diri_sendiri"
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

    // The notices of the submissions are still being delivered; the status page is measured
    // once they are, not against the backlog.
    let drained = std::time::Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
            .fetch_one(db.pool())
            .await?;
        if waiting == 0 || drained.elapsed() > std::time::Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

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
