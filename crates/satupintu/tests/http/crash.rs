//! Crash safety: clients submit applications (API) and complaints (Open311) at full speed
//! while the server process is killed with SIGKILL, several times. After each restart every
//! acknowledged write is there, complete, with its audit entry; retrying the requests whose
//! answer was lost makes no duplicate; `satupintu audit verify` passes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Row;

use crate::applications::api_tokens;
use crate::identity::NIK_WONOCOLO;
use crate::store_tests;
use crate::support::{Options, Store, TestApp, fresh_data_dir, run_cli, run_cli_on};

store_tests!(acknowledged_writes_survive_sigkill_and_retries_make_no_duplicates);

/// Kill cycles per store.
const CYCLES: usize = 3;
/// Concurrent clients during each cycle.
const CLIENTS: usize = 16;

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    listener.local_addr().expect("address").port()
}

/// Starts `satupintu serve` as its own process and waits until it is ready.
pub fn start_server(data_dir: &Path, database_url: &str, port: u16, options: &[&str]) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_satupintu"))
        .args(["serve", "--no-demo", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .args(options)
        .env("DATABASE_URL", database_url)
        .env("SATUPINTU_LOG", "warn")
        .env_remove("SATUPINTU_AUDIT_KEY_FILE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the server");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200") {
                return child;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited before it was ready: {status}");
        }
        assert!(Instant::now() < deadline, "the server did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One write a client sent, identified by its idempotency key.
#[derive(Clone, Debug)]
pub enum Write {
    Application { key: String },
    Complaint { key: String },
}

impl Write {
    pub fn key(&self) -> &str {
        match self {
            Write::Application { key } | Write::Complaint { key } => key,
        }
    }
}

/// Sends a write; `Ok(id)` when acknowledged, `Err` when the answer never came.
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    api_key: &str,
    write: &Write,
) -> Result<i64, String> {
    match write {
        Write::Application { key } => {
            let body = serde_json::json!({
                "service": "permohonan-informasi-publik",
                "data": {"rincian_informasi": "Daftar penerima hibah Kota Surabaya tahun 2025",
                         "tujuan_penggunaan": "Pengawasan oleh warga", "cara_memperoleh": "salinan_elektronik",
                         "cara_salinan": "surel", "atas_nama": "diri_sendiri"}
            });
            let response = client
                .post(format!("{base}/api/v1/applications"))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let value: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
            assert_eq!(status, 201, "{value}");
            value["id"].as_i64().ok_or_else(|| format!("no id in {value}"))
        }
        Write::Complaint { key } => {
            let fields = [
                ("api_key", api_key),
                ("service_code", "lampu-jalan"),
                ("address_string", "Jl. Tunjungan 1, Genteng"),
                ("description", "Lampu jalan padam sejak kemarin malam di depan toko."),
            ];
            let response = client
                .post(format!("{base}/open311/v2/requests.json"))
                .header("Idempotency-Key", key)
                .form(&fields)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let value: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
            assert!(status == 201, "{status} {value}");
            value[0]["service_request_id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| format!("no id in {value}"))
        }
    }
}

/// What the clients saw in one cycle.
#[derive(Default)]
struct Seen {
    acknowledged: Vec<(Write, i64)>,
    lost: Vec<Write>,
}

async fn load_until_killed(
    base: String,
    token: String,
    api_key: String,
    cycle: usize,
    server: Child,
) -> (Seen, Child) {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (base, token, api_key, stop) = (base.clone(), token.clone(), api_key.clone(), stop.clone());
            tokio::spawn(async move {
                let client =
                    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
                let mut seen = Seen::default();
                for n in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let key = format!("crash-{cycle}-{c}-{n}");
                    let write =
                        if (c + n) % 2 == 0 { Write::Application { key } } else { Write::Complaint { key } };
                    match send(&client, &base, &token, &api_key, &write).await {
                        Ok(id) => seen.acknowledged.push((write, id)),
                        Err(_) => {
                            seen.lost.push(write);
                            break;
                        }
                    }
                }
                seen
            })
        })
        .collect();
    // Kill at a different moment each cycle, well inside the load.
    tokio::time::sleep(Duration::from_millis(700 + 400 * cycle as u64)).await;
    let mut server = server;
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut seen = Seen::default();
    for client in clients {
        let mut one = client.await.expect("client");
        seen.acknowledged.append(&mut one.acknowledged);
        seen.lost.append(&mut one.lost);
    }
    (seen, server)
}

async fn acknowledged_writes_survive_sigkill_and_retries_make_no_duplicates(store: Store) {
    let data_dir = fresh_data_dir();
    let app =
        TestApp::spawn_with(store, Options { data_dir: Some(data_dir.clone()), ..Options::default() }).await;
    let (token, _) = api_tokens(&app, NIK_WONOCOLO, "kilat@warga.test").await;
    let (code, api_key, err) = run_cli(&app, &["open311", "add-client", "Crash test"]);
    assert_eq!(code, Some(0), "{err}");
    let api_key = api_key.trim().to_string();
    let database_url = app.database_url.clone();
    app.stop().await;

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut acknowledged: Vec<(Write, i64)> = Vec::new();
    let mut lost: Vec<Write> = Vec::new();
    for cycle in 0..CYCLES {
        let server = start_server(&data_dir, &database_url, port, &[]);
        let (mut seen, _) =
            load_until_killed(base.clone(), token.clone(), api_key.clone(), cycle, server).await;
        assert!(
            seen.acknowledged.len() > 10,
            "cycle {cycle}: the load ran ({} acknowledged)",
            seen.acknowledged.len()
        );
        acknowledged.append(&mut seen.acknowledged);
        lost.append(&mut seen.lost);
    }

    // Restarted: the clients retry what they never got an answer to, and some of what they did.
    let mut server = start_server(&data_dir, &database_url, port, &[]);
    let client = reqwest::Client::new();
    let mut retried: Vec<(Write, i64)> = Vec::new();
    for write in lost.iter().chain(acknowledged.iter().step_by(7).map(|(w, _)| w)) {
        let id = send(&client, &base, &token, &api_key, write).await.expect("a retry is answered");
        retried.push((write.clone(), id));
    }
    let _ = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    server.wait().expect("stopped");

    let by_key: BTreeMap<&str, i64> = acknowledged.iter().map(|(w, id)| (w.key(), *id)).collect();
    for (write, id) in &retried {
        if let Some(first) = by_key.get(write.key()) {
            assert_eq!(first, id, "a retry of {} got another record", write.key());
        }
    }

    assert_stored_once(
        &database_url,
        &acknowledged.iter().chain(retried.iter()).cloned().collect::<Vec<_>>(),
    )
    .await;
    let (code, out, err) = run_cli_on(&data_dir, &database_url, &["audit", "verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("audit log intact"), "{out}");
    eprintln!(
        "crash test on {store:?}: {CYCLES} SIGKILLs, {} acknowledged, {} answers lost and retried, {}",
        acknowledged.len(),
        lost.len(),
        out.trim()
    );
}

/// Every written record is there, complete, with its audit entry, and no idempotency key
/// made two records.
pub async fn assert_stored_once(database_url: &str, written: &[(Write, i64)]) {
    let db = satupintu::db::Db::connect_lazy(database_url, 2).expect("db");
    let mut leaves: BTreeSet<(String, String)> = BTreeSet::new();
    for row in sqlx::query("SELECT leaf FROM audit_entries").fetch_all(db.pool()).await.expect("audit") {
        let leaf: Vec<u8> = row.get("leaf");
        let leaf: serde_json::Value = serde_json::from_slice(&leaf).expect("leaf json");
        leaves.insert((
            leaf["action"].as_str().unwrap_or_default().to_string(),
            leaf["subject"].as_str().unwrap_or_default().to_string(),
        ));
    }
    for (write, id) in written {
        let (table, action, subject, status) = match write {
            Write::Application { .. } => {
                ("applications", "application.submit", format!("application/{id}"), "in_progress")
            }
            Write::Complaint { .. } => {
                ("complaints", "complaint.file", format!("complaint/{id}"), "received")
            }
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT status, idempotency_key FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(db.pool())
        .await
        .expect("read");
        let row = row.unwrap_or_else(|| panic!("acknowledged {} {id} is missing", write.key()));
        assert_eq!(row.get::<String, _>("status"), status, "{} {id} is complete", write.key());
        assert_eq!(row.get::<Option<String>, _>("idempotency_key").as_deref(), Some(write.key()));
        assert!(leaves.contains(&(action.to_string(), subject.clone())), "no audit entry for {subject}");
    }
    // One record per key, whatever the retries.
    for table in ["applications", "complaints"] {
        let duplicates: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM (SELECT idempotency_key FROM {table} WHERE idempotency_key IS NOT NULL \
             GROUP BY idempotency_key HAVING COUNT(*) > 1) d"
        )))
        .fetch_one(db.pool())
        .await
        .expect("count")
        .get("n");
        assert_eq!(duplicates, 0, "{table}");
    }
    db.close().await;
}
