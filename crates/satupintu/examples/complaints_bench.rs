//! Benchmarks of complaints (run by `bench/complaints`):
//! - intake through Open311 (`POST /open311/v2/requests.json`) and through the web form
//!   (`POST /pengaduan/baru`, with its CSRF token), each durable with its audit entry, by
//!   concurrent clients;
//! - `GET /open311/v2/requests.json` with filters over a store of `REPORTS` reports.
//!
//! `cargo run --release --example complaints_bench -- DATABASE_URL SECONDS CLIENTS REPORTS`
//! The database must be empty. Prints `BENCH key=value` lines.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;

#[allow(dead_code, reason = "each benchmark uses part of the shared helpers")]
mod support;

use support::round;

const TEXT: &str = "Lampu penerangan jalan di depan balai RW mati sejak Senin malam, jalan gelap sekali.";

/// The web form's CSRF token and form cookie for one client.
async fn web_session(client: &reqwest::Client, base: &str) -> anyhow::Result<(String, String)> {
    let page = client.get(format!("{base}/pengaduan/baru")).send().await?;
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sp_form="))
        .and_then(|v| v.split(';').next())
        .context("no form cookie")?
        .to_string();
    let body = page.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let from = body.find(marker).context("no csrf field")? + marker.len();
    let to = body[from..].find('"').context("csrf end")? + from;
    Ok((cookie, body[from..to].to_string()))
}

/// Copies the reports filed so far until the store holds `reports`, spread over the last 60
/// days and over the topics and statuses.
async fn fill(db: &satupintu::db::Db, reports: i64) -> anyhow::Result<()> {
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaints").fetch_one(db.pool()).await?;
    let sample =
        sqlx::query("SELECT text_sealed, reporter_sealed FROM complaints WHERE confidential = 0 LIMIT 1")
            .fetch_one(db.pool())
            .await?;
    let text_sealed: String = sqlx::Row::try_get(&sample, "text_sealed")?;
    let topics: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM complaint_topics ORDER BY id").fetch_all(db.pool()).await?;
    let now = jiff::Timestamp::now().as_second();
    let statuses = ["received", "forwarded", "done", "closed"];
    let mut n = have;
    while n < reports {
        let batch = (reports - n).min(500);
        let mut sql = String::from(
            "INSERT INTO complaints (tracking_hash, category, topic_id, title, text_sealed, public_text, region_code, \
             lat, lon, confidential, anonymous, status, source, received_at, updated_at, forward_due_on) VALUES ",
        );
        for i in 0..batch {
            let marks: Vec<String> = (1..=11).map(|m| format!("${}", 11 * i + m)).collect();
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "({}, 'complaint', {}, {}, {}, {}, '35.78.07', {}, {}, 0, 0, {}, 'open311', {}, {}, {})",
                marks[0],
                marks[1],
                marks[2],
                marks[3],
                marks[4],
                marks[5],
                marks[6],
                marks[7],
                marks[8],
                marks[9],
                marks[10]
            ));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in 0..batch {
            let at = now - ((n + i) * 60 * 24 * 3600 / reports.max(1));
            query = query
                .bind(format!("bench-{}", n + i))
                .bind(topics[((n + i) as usize) % topics.len()])
                .bind(format!("Laporan contoh {}", n + i))
                .bind(text_sealed.clone())
                .bind(TEXT)
                .bind(-7.2575 + (i as f64) * 1e-5)
                .bind(112.7521)
                .bind(statuses[((n + i) as usize) % statuses.len()])
                .bind(at)
                .bind(at)
                .bind("2026-12-31");
        }
        let mut tx = db.begin().await?;
        query.execute(&mut *tx).await?;
        tx.commit().await?;
        n += batch;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().context("DATABASE_URL")?;
    let seconds: u64 = args.next().context("SECONDS")?.parse()?;
    let clients: usize = args.next().context("CLIENTS")?.parse()?;
    let reports: i64 = args.next().context("REPORTS")?.parse()?;
    let (server, state, base, data_dir, sink) = support::prepared_server(&url, "complaints").await?;
    let key = satupintu::complaints::open311::add_client(&state.db, "Bench").await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;

    // Open311 intake.
    let post_url = format!("{base}/open311/v2/requests.json");
    let (open311_client, open311_key) = (client.clone(), key.clone());
    let mut open311 = round(clients, seconds, move |c, n| {
        let request = open311_client.post(&post_url).form(&[
            ("api_key", open311_key.as_str()),
            ("service_code", "lampu-jalan"),
            ("lat", "-7.2653"),
            ("long", "112.7425"),
            ("description", &format!("{TEXT} ({c}-{n})")),
        ]);
        async move {
            let response = request.send().await?;
            anyhow::ensure!(response.status() == 201, "Open311 POST answered {}", response.status());
            response.bytes().await?;
            Ok(())
        }
    })
    .await?;

    // Web form intake: each client holds its own form cookie and token.
    let mut sessions = Vec::new();
    for _ in 0..clients {
        sessions.push(web_session(&client, &base).await?);
    }
    let sessions = Arc::new(sessions);
    let (web_client, form_url) = (client.clone(), format!("{base}/pengaduan/baru"));
    let mut web = round(clients, seconds, move |c, n| {
        let (cookie, csrf) = sessions[c].clone();
        let request = web_client.post(&form_url).header("cookie", cookie).form(&[
            ("csrf", csrf.as_str()),
            ("kategori", "complaint"),
            ("topik", "sampah"),
            ("judul", &format!("Sampah menumpuk {c}-{n}")),
            ("isi", TEXT),
            ("wilayah", "35.78.08"),
            // Filed even when similar reports are open (the suggestion step is a page, not a write).
            ("tetap_kirim", "1"),
        ]);
        async move {
            let response = request.send().await?;
            anyhow::ensure!(response.status() == 201, "web form answered {}", response.status());
            response.bytes().await?;
            Ok(())
        }
    })
    .await?;
    let filed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaints").fetch_one(state.db.pool()).await?;
    anyhow::ensure!(
        filed as usize == open311.latencies.len() + web.latencies.len(),
        "every acknowledged report is stored"
    );

    // Reading with filters over the filled store.
    fill(&state.db, reports).await?;
    // The planner's statistics as the hourly refresh keeps them on a store this size.
    state.db.refresh_statistics().await?;
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM complaint_topics ORDER BY id")
        .fetch_all(state.db.pool())
        .await?;
    let since = jiff::Timestamp::now().as_second() - 30 * 24 * 3600;
    let start = jiff::Timestamp::from_second(since)?.to_string();
    let paths: Arc<Vec<String>> = Arc::new(
        codes
            .iter()
            .flat_map(|code| {
                [
                    format!("/open311/v2/requests.json?service_code={code}&status=open"),
                    format!("/open311/v2/requests.json?service_code={code}&start_date={start}"),
                ]
            })
            .chain(["/open311/v2/requests.json?status=closed".to_string()])
            .collect(),
    );
    let reads_from = |base: String| {
        let (paths, client, next) = (paths.clone(), client.clone(), Arc::new(AtomicUsize::new(0)));
        round(4, seconds, move |_, _| {
            let path = paths[next.fetch_add(1, Ordering::Relaxed) % paths.len()].clone();
            let request = client.get(format!("{base}{path}")).send();
            async move {
                let response = request.await?;
                anyhow::ensure!(response.status() == 200, "GET answered {}", response.status());
                response.bytes().await?;
                Ok(())
            }
        })
    };
    // Every read from the database, then as served by default: a node keeps each public
    // answer for 2 s (the page cache), so apps polling the same feed share one rendering.
    let mut reads = reads_from(base.clone()).await?;
    let (cached_node, cached_base) = support::node(&url, &data_dir, &sink.url(), 2).await?;
    // Finds the database ready (migrated, demo loaded) and starts answering.
    cached_node.prepare().await?;
    let (stop_cached, cached_stopped) = tokio::sync::oneshot::channel::<()>();
    let serving_cached = tokio::spawn(cached_node.run(async move {
        let _ = cached_stopped.await;
    }));
    let mut cached = reads_from(cached_base).await?;
    let _ = stop_cached.send(());
    serving_cached.await??;

    println!("BENCH clients={clients}");
    println!("BENCH seconds={seconds}");
    println!("BENCH reports={reports}");
    println!("BENCH open311_per_s={:.1}", open311.rate());
    println!("BENCH open311_p99_ms={:.2}", open311.percentile_ms(0.99));
    println!("BENCH web_per_s={:.1}", web.rate());
    println!("BENCH web_p99_ms={:.2}", web.percentile_ms(0.99));
    println!("BENCH list_per_s={:.1}", reads.rate());
    println!("BENCH list_p50_ms={:.2}", reads.percentile_ms(0.50));
    println!("BENCH list_p95_ms={:.2}", reads.percentile_ms(0.95));
    println!("BENCH cached_list_per_s={:.1}", cached.rate());
    println!("BENCH cached_list_p50_ms={:.2}", cached.percentile_ms(0.50));
    println!("BENCH cached_list_p95_ms={:.2}", cached.percentile_ms(0.95));
    let _ = stop.send(());
    serving.await??;
    std::fs::remove_dir_all(&data_dir).ok();
    Ok(())
}
