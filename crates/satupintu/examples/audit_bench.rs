//! Benchmarks of the audit log (run by `bench/audit`):
//! - append throughput of a business transaction with and without its audit entry;
//! - `audit verify` throughput over a large log.
//!
//! `cargo run --release --example audit_bench -- DATABASE_URL ENTRIES TRANSACTIONS`
//! The database must be empty; it is migrated here.

use std::time::Instant;

use satupintu::audit::{Entry, append, sign_tree_head};
use satupintu::db::{Db, migrate};

/// Entries appended per transaction while filling the log.
const FILL_BATCH: usize = 5_000;

/// A real use case, as `accounts::register_citizen` writes it: the NIK and email are checked
/// for duplicates, the account is inserted with its sealed fields, a verification token is
/// stored and the verification mail is queued.
async fn business_write(tx: &mut satupintu::db::Tx, i: usize) -> anyhow::Result<()> {
    let run = jiff::Timestamp::now().as_nanosecond();
    let nik_index = format!("{run:x}{i:032x}");
    let email = format!("warga{i}.{run}@bench.test");
    let sealed = format!("v1:k1:{}", "A".repeat(60));
    let now = jiff::Timestamp::now().as_second();
    sqlx::query("SELECT 1 FROM accounts WHERE nik_index = $1")
        .bind(&nik_index)
        .fetch_optional(&mut **tx)
        .await?;
    sqlx::query("SELECT 1 FROM accounts WHERE email = $1").bind(&email).fetch_optional(&mut **tx).await?;
    let id: i64 = sqlx::Row::try_get(
        &sqlx::query(
            "INSERT INTO accounts (kind, name, email, nik_index, nik_sealed, nik_district, phone_sealed, \
                                   birth_date_sealed, password_hash, created_at) \
             VALUES ('citizen', $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind("Siti Rahayu")
        .bind(&email)
        .bind(&nik_index)
        .bind(&sealed)
        .bind("35.78.01")
        .bind(&sealed)
        .bind(&sealed)
        .bind("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA")
        .bind(now)
        .fetch_one(&mut **tx)
        .await?,
        "id",
    )?;
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, purpose, account_id, email, created_at, expires_at) \
         VALUES ($1, 'verify', $2, $3, $4, $5)",
    )
    .bind(format!("{run:x}{i:056x}"))
    .bind(id)
    .bind(&email)
    .bind(now)
    .bind(now + 172_800)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO mail_outbox (to_address, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(&email)
    .bind("Verifikasi alamat surel Anda")
    .bind("Halo Siti Rahayu,\n\nBuka tautan berikut untuk memverifikasi alamat surel Anda.")
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Transactions per second of `transactions` business writes, each in its own transaction,
/// with or without an audit entry.
async fn write_rate(db: &Db, transactions: usize, audited: bool) -> anyhow::Result<f64> {
    let started = Instant::now();
    for i in 0..transactions {
        let mut tx = db.begin().await?;
        business_write(&mut tx, i).await?;
        if audited {
            let subject = format!("account/{i}");
            append(
                db,
                &mut tx,
                &Entry { actor: "bench", action: "account.register", subject: &subject, digest: "00".into() },
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(transactions as f64 / started.elapsed().as_secs_f64())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(entries), Some(transactions)) = (args.get(1), args.get(2), args.get(3)) else {
        anyhow::bail!("usage: audit_bench DATABASE_URL ENTRIES TRANSACTIONS");
    };
    let entries: usize = entries.parse()?;
    let transactions: usize = transactions.parse()?;
    let db = Db::connect_lazy(url, 4)?;
    migrate(&db).await?;

    // Alternate the two kinds of run so drift on a shared machine hits both alike.
    let mut plain = Vec::new();
    let mut audited = Vec::new();
    for _ in 0..3 {
        plain.push(write_rate(&db, transactions, false).await?);
        audited.push(write_rate(&db, transactions, true).await?);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (plain, audited) = (median(&mut plain), median(&mut audited));
    println!("BENCH plain_tps={plain:.1}");
    println!("BENCH audited_tps={audited:.1}");
    println!("BENCH audited_ratio={:.3}", audited / plain);

    let started = Instant::now();
    let mut appended = 0;
    while appended < entries {
        let mut tx = db.begin().await?;
        for _ in 0..FILL_BATCH.min(entries - appended) {
            let subject = format!("bench/{appended}");
            append(
                &db,
                &mut tx,
                &Entry { actor: "bench", action: "bench.fill", subject: &subject, digest: "00".into() },
            )
            .await?;
            appended += 1;
        }
        tx.commit().await?;
    }
    println!("BENCH fill_entries_per_s={:.0}", appended as f64 / started.elapsed().as_secs_f64());
    let key = satupintu_audit::SigningKey::from_secret_bytes([7u8; 32]);
    let started = Instant::now();
    sign_tree_head(&db, &key).await?;
    println!("BENCH sign_seconds={:.2}", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let report = satupintu::audit::verify::verify(&db).await?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(report.tamper.is_none(), "the log does not verify: {:?}", report.tamper);
    println!("BENCH verify_entries={}", report.entries);
    println!("BENCH verify_seconds={seconds:.2}");
    println!("BENCH verify_entries_per_s={:.0}", report.entries as f64 / seconds);
    db.close().await;
    Ok(())
}
