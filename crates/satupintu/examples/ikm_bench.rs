//! Benchmark of the satisfaction report (run by `bench/ikm`): a service unit's IKM report for a
//! year over `RESPONSES` stored survey responses, the work `GET /admin/ikm` and its CSV do
//! (the sums in one query, the unit's volume, the rules), against a plain count of the same
//! rows as the baseline.
//!
//! `cargo run --release --example ikm_bench -- DATABASE_URL RESPONSES ROUNDS`
//! The database must be empty. Prints `BENCH key=value` lines.

use std::time::{Duration, Instant};

use anyhow::Context;
use satupintu::db::Backend;

#[allow(dead_code, reason = "each benchmark uses part of the shared helpers")]
mod support;

/// Stores `responses` walk-in responses to the unit over 2026, scores varied; generated in
/// the database itself, which is much faster than sending them.
async fn fill(db: &satupintu::db::Db, agency: i64, responses: i64) -> anyhow::Result<()> {
    let score = |k: i64| format!("1 + (n * 7 + {k} + n / 5) % 4");
    let scores: Vec<String> = (0..9).map(score).collect();
    let sql = match db.backend() {
        Backend::Sqlite => format!(
            "WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n + 1 < $2) \
             INSERT INTO survey_responses (source, agency_id, submitted_on, u1, u2, u3, u4, u5, u6, u7, u8, u9) \
             SELECT 'walk_in', $1, date('2026-01-01', '+' || (n % 365) || ' days'), {} FROM c",
            scores.join(", ")
        ),
        Backend::Postgres => format!(
            "INSERT INTO survey_responses (source, agency_id, submitted_on, u1, u2, u3, u4, u5, u6, u7, u8, u9) \
             SELECT 'walk_in', $1, to_char(DATE '2026-01-01' + (n % 365)::int, 'YYYY-MM-DD'), {} \
             FROM generate_series(0, $2 - 1) AS n",
            scores.join(", ")
        ),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency).bind(responses).execute(db.pool()).await?;
    if db.backend() == Backend::Postgres {
        // As autovacuum would after a bulk load: fresh statistics and a visibility map, so
        // the report reads from the index alone.
        sqlx::query("VACUUM ANALYZE survey_responses").execute(db.pool()).await?;
    }
    Ok(())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().context("DATABASE_URL")?;
    let responses: i64 = args.next().context("RESPONSES")?.parse()?;
    let rounds: usize = args.next().context("ROUNDS")?.parse()?;
    let (server, state, _base, data_dir, _sink) = support::prepared_server(&url, "ikm").await?;
    let agency: i64 = sqlx::query_scalar("SELECT id FROM agencies WHERE slug = 'disdukcapil'")
        .fetch_one(state.db.pool())
        .await?;
    let started = Instant::now();
    fill(&state.db, agency, responses).await?;
    let fill_s = started.elapsed().as_secs_f64();

    let year = (jiff::civil::date(2026, 1, 1), jiff::civil::date(2026, 12, 31));
    // Warm the caches once, as a report asked twice would find them.
    let report = satupintu::satisfaction::report(&state.db, agency, year.0, year.1).await?;
    anyhow::ensure!(report.tally.respondents == responses as u64, "every response counted");
    let index = report.index.context("an index")?;
    let (mut reports, mut counts) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        satupintu::satisfaction::report(&state.db, agency, year.0, year.1).await?;
        reports.push(started.elapsed());
        let started = Instant::now();
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM survey_responses").fetch_one(state.db.pool()).await?;
        counts.push(started.elapsed());
        anyhow::ensure!(n == responses, "the count sees every row");
    }
    println!("BENCH responses={responses}");
    println!("BENCH fill_s={fill_s:.1}");
    println!("BENCH ikm={:.2}", index.converted);
    println!("BENCH report_median_ms={:.1}", median(&mut reports).as_secs_f64() * 1000.0);
    println!(
        "BENCH report_max_ms={:.1}",
        reports.iter().max().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
    println!("BENCH count_median_ms={:.1}", median(&mut counts).as_secs_f64() * 1000.0);
    drop(server);
    std::fs::remove_dir_all(&data_dir).ok();
    Ok(())
}
