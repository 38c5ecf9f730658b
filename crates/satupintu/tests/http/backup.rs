//! Backups: a signed snapshot taken while reports keep coming in, restored into an empty
//! database (of the same store or the other one) with the same audit tree head; altered,
//! truncated or foreign backups are refused and leave the target untouched.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::store_tests;
use crate::support::{
    Options, Store, TestApp, empty_database, fresh_data_dir, run_cli, run_cli_on, scratch_root,
};

store_tests!(a_backup_taken_under_load_restores_with_the_same_tree_head_and_refuses_tampering);

/// Posts Open311 reports until told to stop; returns how many were acknowledged.
fn keep_reporting(app: &TestApp, key: String, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<u64> {
    let (client, url) = (app.client.clone(), app.url("/open311/v2/requests.json"));
    tokio::spawn(async move {
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let fields = [
                ("api_key", key.as_str()),
                ("service_code", "lampu-jalan"),
                ("address_string", "Jl. Tunjungan 1, Genteng"),
                ("description", "Lampu jalan padam sejak kemarin malam di depan toko."),
            ];
            let response = client.post(&url).form(&fields).send().await.expect("post");
            assert_eq!(response.status().as_u16(), 201, "{}", response.text().await.unwrap_or_default());
            n += 1;
        }
        n
    })
}

/// The manifest: the backup's second-to-last line.
fn manifest_of(file: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(file).expect("backup");
    let line = text.lines().rev().nth(1).expect("manifest line");
    serde_json::from_str::<serde_json::Value>(line).expect("manifest json")["manifest"].clone()
}

/// An empty target with the source's installation key, as an operator prepares one.
async fn prepared_target(store: Store, key_from: &Path) -> (PathBuf, String) {
    let dir = fresh_data_dir();
    let key = satupintu::audit::keys::KEY_FILE;
    std::fs::copy(key_from.join(key), dir.join(key)).expect("copy the installation key");
    (dir, empty_database(store).await)
}

fn restore(target: &(PathBuf, String), file: &Path) -> (Option<i32>, String, String) {
    run_cli_on(&target.0, &target.1, &["restore", file.to_str().expect("path")])
}

async fn audit_entries(url: &str) -> i64 {
    use sqlx::Row;
    let db = satupintu::db::Db::connect_lazy(url, 1).expect("db");
    let n = match sqlx::query("SELECT COUNT(*) AS n FROM audit_entries").fetch_one(db.pool()).await {
        Ok(row) => row.try_get("n").expect("n"),
        // Not even migrated.
        Err(_) => 0,
    };
    db.close().await;
    n
}

async fn a_backup_taken_under_load_restores_with_the_same_tree_head_and_refuses_tampering(store: Store) {
    let source_dir = fresh_data_dir();
    let app =
        TestApp::spawn_with(store, Options { data_dir: Some(source_dir.clone()), ..Options::default() })
            .await;
    let (code, key, err) = run_cli(&app, &["open311", "add-client", "Backup test"]);
    assert_eq!(code, Some(0), "{err}");
    let attachment = bytes::Bytes::from_static(b"%PDF-1.4 surat keterangan domisili");
    let sha256 = satupintu::services::attachments::store_content(&source_dir, attachment.clone())
        .await
        .expect("store a file");

    let stop = Arc::new(AtomicBool::new(false));
    let writer = keep_reporting(&app, key.trim().to_string(), stop.clone());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let file = scratch_root().join(format!("backup-{store:?}-{}.spbk", std::process::id()));
    let (code, out, err) = {
        let (dir, url, file) = (source_dir.clone(), app.database_url.clone(), file.clone());
        tokio::task::spawn_blocking(move || {
            run_cli_on(&dir, &url, &["backup", "--output", file.to_str().expect("path")])
        })
        .await
        .expect("backup")
    };
    stop.store(true, Ordering::Relaxed);
    let reported = writer.await.expect("writer");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("backup written to"), "{out}");
    assert!(reported > 0, "reports kept coming in during the backup");
    app.stop().await;

    let manifest = manifest_of(&file);
    let root = manifest["audit"]["root_hash"].as_str().expect("root").to_string();
    let entries = manifest["audit"]["entries"].as_i64().expect("entries");
    assert!(manifest["tables"]["complaints"].as_i64().expect("complaints") > 0, "{manifest}");
    assert_eq!(manifest["files"], 1);
    assert_eq!(manifest["source_store"], if store == Store::Sqlite { "sqlite" } else { "postgres" });

    // Restored into an empty database of the same store, and of the other one.
    for target_store in [store, if store == Store::Sqlite { Store::Postgres } else { Store::Sqlite }] {
        let target = prepared_target(target_store, &source_dir).await;
        let (code, out, err) = restore(&target, &file);
        assert_eq!(code, Some(0), "restore into {target_store:?}: {out}{err}");
        assert!(out.contains(&root), "{out}");
        let (code, out, err) = run_cli_on(&target.0, &target.1, &["audit", "verify"]);
        assert_eq!(code, Some(0), "{out}{err}");
        assert!(
            out.contains(&format!("{entries} entries")) && out.contains(&format!("root {root}")),
            "{out}"
        );
        assert!(satupintu::services::attachments::path_of(&target.0, &sha256).exists(), "the file came back");
        assert_eq!(
            std::fs::read(satupintu::services::attachments::path_of(&target.0, &sha256)).expect("file"),
            attachment
        );

        // The restored installation serves what it held and takes new reports.
        let restored = TestApp::spawn_with(
            target_store,
            Options {
                database_url: Some(target.1.clone()),
                data_dir: Some(target.0.clone()),
                ..Options::default()
            },
        )
        .await;
        let listed: serde_json::Value = restored.json("/open311/v2/requests.json", 200).await;
        assert!(listed.as_array().is_some_and(|list| !list.is_empty()), "{listed}");
        let response = restored
            .client
            .post(restored.url("/open311/v2/requests.json"))
            .form(&[
                ("api_key", key.trim()),
                ("service_code", "lampu-jalan"),
                ("address_string", "Jl. Genteng Besar 5"),
                ("description", "Lampu jalan mati setelah pemulihan cadangan."),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(response.status().as_u16(), 201, "{}", response.text().await.unwrap_or_default());
        restored.stop().await;

        // A second restore into the same database is refused.
        let (code, _, err) = restore(&target, &file);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("not empty"), "{err}");
    }

    // One changed byte inside a row: refused, nothing written.
    let bytes = std::fs::read(&file).expect("backup");
    let row = bytes.windows(8).position(|w| w == b"Tunjunga").expect("a report's address in the backup");
    let mut altered = bytes.clone();
    altered[row] = b't';
    let altered_file = file.with_extension("altered");
    std::fs::write(&altered_file, &altered).expect("write");
    let target = prepared_target(store, &source_dir).await;
    let (code, _, err) = restore(&target, &altered_file);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("altered or damaged"), "{err}");
    assert_eq!(audit_entries(&target.1).await, 0);

    // Cut short: refused.
    let truncated_file = file.with_extension("truncated");
    std::fs::write(&truncated_file, &bytes[..bytes.len() / 2]).expect("write");
    let (code, _, err) = restore(&target, &truncated_file);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("incomplete"), "{err}");

    // A changed count in the manifest breaks its signature.
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let forged = text.replacen("\"files\":1,", "\"files\":2,", 1);
    assert_ne!(forged, text);
    let forged_file = file.with_extension("forged");
    std::fs::write(&forged_file, forged).expect("write");
    let (code, _, err) = restore(&target, &forged_file);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("does not verify"), "{err}");

    // Another installation's key cannot vouch for it.
    let stranger = (fresh_data_dir(), empty_database(store).await);
    std::fs::write(stranger.0.join(satupintu::audit::keys::KEY_FILE), [7u8; 32]).expect("key");
    let (code, _, err) = restore(&stranger, &file);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("does not verify"), "{err}");
    // No key at all: told what to do.
    let keyless = (fresh_data_dir(), empty_database(store).await);
    let (code, _, err) = restore(&keyless, &file);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no installation key"), "{err}");
    assert_eq!(audit_entries(&target.1).await, 0);
}
