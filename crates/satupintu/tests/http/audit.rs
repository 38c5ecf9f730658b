//! The tamper-evident audit log: signed heads and proofs that verify independently, and
//! `audit verify` catching every kind of tampering done directly in the database.

use satupintu::audit::store::append_on_commit;
use satupintu::audit::verify::{Tamper, verify};
use satupintu::audit::{Entry, append};
use satupintu::db::Db;
use satupintu_audit::{
    Hash, TreeHead, VerifyingKey, hash_from_base64, leaf_hash, root, verify_consistency, verify_inclusion,
};

use crate::support::{Store, TestApp};

crate::store_tests!(
    tree_heads_and_proofs_verify_with_the_public_key_alone,
    audit_verify_names_the_first_edited_deleted_or_reordered_entry,
    concurrent_appends_get_gap_free_unique_indexes,
    grouped_jobs_commit_together_and_a_failing_job_leaves_no_trace,
);

fn b64(value: &serde_json::Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(value.as_str().unwrap_or_default()).unwrap_or_default()
}

fn hash(value: &serde_json::Value) -> Hash {
    hash_from_base64(value.as_str().unwrap_or_default()).expect("hash")
}

async fn append_some(app: &TestApp, count: usize) {
    let db = Db::connect_lazy(&app.database_url, 2).expect("db");
    let mut tx = db.begin().await.expect("begin");
    for i in 0..count {
        let subject = format!("test/{i}");
        append(
            &db,
            &mut tx,
            &Entry { actor: "test", action: "test.append", subject: &subject, digest: "00".into() },
        )
        .await
        .expect("append");
    }
    tx.commit().await.expect("commit");
    db.close().await;
}

async fn tree_heads_and_proofs_verify_with_the_public_key_alone(store: Store) {
    let app = TestApp::spawn(store).await;
    let key = app.json("/api/v1/transparency/key", 200).await;
    let public = <[u8; 32]>::try_from(b64(&key["public_key"]).as_slice()).expect("32-byte key");
    let verifying = VerifyingKey::from_public_bytes(public).expect("key");

    let first = app.json("/api/v1/transparency/sth", 200).await;
    let size = first["tree_size"].as_u64().unwrap_or(0);
    assert!(size > 50, "the demo load is audited: {size}");
    let head = TreeHead {
        tree_size: size,
        timestamp_ms: first["timestamp"].as_u64().unwrap_or(0),
        root_hash: hash(&first["root_hash"]),
    };
    let signature = <[u8; 64]>::try_from(b64(&first["signature"]).as_slice()).expect("signature");
    verifying.verify(&head, &signature).expect("the head is signed by the published key");

    // Recompute the root from the published entries, as an outside verifier would.
    let mut leaves = Vec::new();
    let mut start = 0;
    while start < size {
        let end = (start + 1000).min(size);
        let page = app.json(&format!("/api/v1/transparency/entries?start={start}&end={end}"), 200).await;
        for entry in page["entries"].as_array().cloned().unwrap_or_default() {
            leaves.push(leaf_hash(&b64(&entry["leaf"])));
        }
        start = end;
    }
    assert_eq!(root(&leaves), head.root_hash, "entries hash to the signed root");
    let leaf_json: serde_json::Value = serde_json::from_slice(&b64(&app
        .json("/api/v1/transparency/entries?start=0&end=1", 200)
        .await["entries"][0]["leaf"]))
    .expect("leaf is JSON");
    assert_eq!(leaf_json["v"], 1);
    assert_eq!(leaf_json["action"], "regions.import", "the region table is the first thing recorded");
    assert!(leaf_json["digest"].is_string() && leaf_json.get("nik").is_none());

    let index = size / 2;
    let proof = app
        .json(&format!("/api/v1/transparency/proof/inclusion?leaf_index={index}&tree_size={size}"), 200)
        .await;
    let path: Vec<Hash> =
        proof["audit_path"].as_array().cloned().unwrap_or_default().iter().map(hash).collect();
    verify_inclusion(&leaves[usize::try_from(index).unwrap_or(0)], index, size, &path, &head.root_hash)
        .expect("inclusion proof verifies");

    append_some(&app, 5).await;
    let second = app.json("/api/v1/transparency/sth", 200).await;
    let second_size = second["tree_size"].as_u64().unwrap_or(0);
    assert_eq!(second_size, size + 5);
    let consistency = app
        .json(&format!("/api/v1/transparency/proof/consistency?first={size}&second={second_size}"), 200)
        .await;
    let proof: Vec<Hash> =
        consistency["consistency"].as_array().cloned().unwrap_or_default().iter().map(hash).collect();
    verify_consistency(size, second_size, &head.root_hash, &hash(&second["root_hash"]), &proof)
        .expect("the new tree extends the old one");

    app.json(
        &format!("/api/v1/transparency/proof/inclusion?leaf_index={second_size}&tree_size={second_size}"),
        400,
    )
    .await;
    app.json("/api/v1/transparency/entries?start=5&end=5000", 400).await;
    // The largest start there is: refused as out of range, not overflowed.
    let edge = app
        .json("/api/v1/transparency/entries?start=9223372036854775807&end=-9223372036854775808", 400)
        .await;
    assert_eq!(edge["parameter"], "end");
    app.stop().await;
}

async fn tampered(store: Store, tamper_sql: &[&str]) -> Option<Tamper> {
    let app = TestApp::spawn(store).await;
    app.json("/api/v1/transparency/sth", 200).await;
    let db = Db::connect_lazy(&app.database_url, 2).expect("db");
    assert_eq!(verify(&db).await.expect("verify").tamper, None, "intact before tampering");
    for sql in tamper_sql {
        sqlx::query(sqlx::AssertSqlSafe(*sql)).execute(db.pool()).await.expect("tamper");
    }
    let report = verify(&db).await.expect("verify");
    db.close().await;
    app.stop().await;
    report.tamper
}

async fn audit_verify_names_the_first_edited_deleted_or_reordered_entry(store: Store) {
    let edited =
        tampered(store, &["UPDATE audit_entries SET leaf = (SELECT leaf FROM audit_entries WHERE leaf_index = 6) WHERE leaf_index = 5"]).await;
    assert_eq!(edited, Some(Tamper::Altered { index: 5 }));
    let deleted = tampered(store, &["DELETE FROM audit_entries WHERE leaf_index = 7"]).await;
    assert_eq!(deleted, Some(Tamper::Missing { index: 7 }));
    let swapped = tampered(
        store,
        &[
            "UPDATE audit_entries SET leaf_index = -1 WHERE leaf_index = 3",
            "UPDATE audit_entries SET leaf_index = 3 WHERE leaf_index = 4",
            "UPDATE audit_entries SET leaf_index = 4 WHERE leaf_index = -1",
        ],
    )
    .await;
    assert_eq!(swapped, Some(Tamper::Altered { index: 3 }));
    let truncated = tampered(store, &["DELETE FROM audit_entries WHERE leaf_index >= 10"]).await;
    assert!(matches!(truncated, Some(Tamper::TreeHead { .. } | Tamper::Missing { .. })), "{truncated:?}");
}

async fn concurrent_appends_get_gap_free_unique_indexes(store: Store) {
    let app = TestApp::spawn(store).await;
    let db = Db::connect_lazy(&app.database_url, 8).expect("db");
    let before: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT size FROM audit_log_size").fetch_one(db.pool()).await.expect("size"),
        "size",
    )
    .expect("size");
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                let mut tx = db.begin().await.expect("begin");
                let subject = format!("worker-{worker}/{i}");
                append(
                    &db,
                    &mut tx,
                    &Entry {
                        actor: "test",
                        action: "test.concurrent",
                        subject: &subject,
                        digest: "00".into(),
                    },
                )
                .await
                .expect("append");
                // Every fifth transaction fails after appending: its index must come back.
                if i % 5 == 4 {
                    tx.rollback().await.expect("rollback");
                } else {
                    tx.commit().await.expect("commit");
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("worker");
    }
    let rows = sqlx::query("SELECT leaf_index FROM audit_entries ORDER BY leaf_index")
        .fetch_all(db.pool())
        .await
        .expect("rows");
    let indexes: Vec<i64> =
        rows.iter().map(|r| sqlx::Row::try_get(r, "leaf_index").expect("index")).collect();
    assert_eq!(indexes.len() as i64, before + 8 * 16, "committed appends only");
    assert!(indexes.iter().enumerate().all(|(i, index)| *index == i as i64), "gap-free and unique");
    assert_eq!(verify(&db).await.expect("verify").tamper, None);
    db.close().await;
    app.stop().await;
}

/// Jobs committed as one group (group commit): each job's writes and audit entry stay or go
/// together, a failing job (an error after writing) leaves nothing, the others still commit,
/// and the log stays gap-free and verifies.
async fn grouped_jobs_commit_together_and_a_failing_job_leaves_no_trace(store: Store) {
    let app = TestApp::spawn(store).await;
    let db = Db::connect_lazy(&app.database_url, 8).expect("db");
    sqlx::query("CREATE TABLE grouped_test (v TEXT NOT NULL)").execute(db.pool()).await.expect("table");
    let size = |db: Db| async move {
        let row = sqlx::query("SELECT size FROM audit_log_size").fetch_one(db.pool()).await.expect("size");
        sqlx::Row::try_get::<i64, _>(&row, "size").expect("size")
    };
    let before = size(db.clone()).await;
    let mut tasks = Vec::new();
    for job in 0..60 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let in_job = db.clone();
            db.grouped(move |tx| {
                Box::pin(async move {
                    let value = format!("job-{job}");
                    sqlx::query("INSERT INTO grouped_test (v) VALUES ($1)")
                        .bind(&value)
                        .execute(&mut **tx)
                        .await
                        .map_err(anyhow::Error::from)?;
                    let subject = format!("test/{value}");
                    let entry = Entry {
                        actor: "test",
                        action: "test.grouped",
                        subject: &subject,
                        digest: "00".into(),
                    };
                    append_on_commit(&in_job, tx, &entry).await?;
                    if job % 4 == 3 {
                        anyhow::bail!("job {job} fails after writing");
                    }
                    Ok::<_, anyhow::Error>(job)
                })
            })
            .await
        }));
    }
    let mut kept = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(job) => kept.push(job),
            Err(e) => assert!(e.to_string().contains("fails after writing"), "the job's own error: {e}"),
        }
    }
    assert_eq!(kept.len(), 45, "every job but the failing ones is acknowledged");
    let rows = sqlx::query("SELECT v FROM grouped_test").fetch_all(db.pool()).await.expect("rows");
    let mut stored: Vec<String> = rows.iter().map(|r| sqlx::Row::try_get(r, "v").expect("v")).collect();
    let mut expected: Vec<String> = kept.iter().map(|job| format!("job-{job}")).collect();
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected, "exactly the acknowledged jobs' rows");
    assert_eq!(size(db.clone()).await, before + 45, "one audit entry per acknowledged job");
    let subjects = sqlx::query("SELECT COUNT(*) AS n FROM audit_entries WHERE leaf_index >= $1")
        .bind(before)
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(sqlx::Row::try_get::<i64, _>(&subjects, "n").expect("n"), 45);
    assert_eq!(verify(&db).await.expect("verify").tamper, None);
    db.close().await;
    app.stop().await;
}
