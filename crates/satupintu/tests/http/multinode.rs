//! Two nodes on one PostgreSQL database, as processes of their own: a visitor moving between
//! them keeps the session and its form tokens; the clocks and notifications fire once across
//! both; a node killed under load loses nothing that was acknowledged.

use std::time::Duration;

use crate::crash::{Write, assert_stored_once, free_port, send, start_server};
use crate::identity::{NIK_WONOCOLO, citizen, create_officer};
use crate::support::{Options, Store, TestApp, fresh_data_dir, run_cli, run_cli_on};
use crate::workbench::wait_for_mail;

/// Mail sent so far to `to` whose subject contains `part`.
fn mails(app: &TestApp, to: &str, part: &str) -> usize {
    app.mail
        .messages()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to) && m.subject().is_some_and(|s| s.contains(part)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_sessions_fire_each_job_once_and_lose_nothing_when_one_dies() {
    let data_dir = fresh_data_dir();
    // This in-process server prepares the database and holds the mail sink; it keeps running,
    // so three servers (it and the two node processes) compete for every job below.
    let app = TestApp::spawn_with(
        Store::Postgres,
        Options { data_dir: Some(data_dir.clone()), ..Options::default() },
    )
    .await;
    let head = create_officer(&app, "kabid@dishub.test", "supervisor", Some("dishub"), Some("35.78"));
    let (code, api_key, err) = run_cli(&app, &["open311", "add-client", "Two nodes"]);
    assert_eq!(code, Some(0), "{err}");
    let api_key = api_key.trim().to_string();
    let mut visitor = citizen(&app, NIK_WONOCOLO, "dua.node@warga.test").await;
    let database_url = app.database_url.clone();
    let smtp = app.mail.url();

    let options = ["--smtp-url", smtp.as_str(), "--overdue-check-seconds", "1"];
    let (port_a, port_b) = (free_port(), free_port());
    let mut node_a = start_server(&data_dir, &database_url, port_a, &options);
    let mut node_b = start_server(&data_dir, &database_url, port_b, &options);
    let (a, b) = (format!("http://127.0.0.1:{port_a}"), format!("http://127.0.0.1:{port_b}"));

    // The session and its form token hold on either node.
    for base in [&a, &b, &a, &b] {
        visitor.switch_to(base);
        let page = visitor.get("/akun").await;
        assert_eq!(page.status, 200, "signed in on {base}");
        assert!(page.body.contains("dua.node@warga.test"), "{base}");
    }
    visitor.switch_to(&a);
    visitor.get("/pengaduan/baru").await;
    visitor.switch_to(&b);
    let filed = visitor
        .post(
            "/pengaduan/baru",
            &[
                ("kategori", "complaint"),
                ("topik", "lalu-lintas"),
                ("judul", "Rambu dilarang parkir hilang"),
                ("isi", "Rambu di perempatan Jl. Embong Malang hilang sejak minggu lalu."),
                ("wilayah", "35.78.07"),
                ("surel", "pelapor.dua@warga.test"),
                ("tetap_kirim", "1"),
            ],
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let id: i64 = filed
        .body
        .split("<strong>#")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .expect("number");

    // The reporter's mail goes out once, though both nodes deliver mail.
    wait_for_mail(&app, "pelapor.dua@warga.test", "Laporan Anda diterima", 1).await;
    // Past its forwarding deadline: both nodes' clocks see it every second; one escalates it.
    let db = sqlx::AnyPool::connect(&database_url).await.expect("database");
    sqlx::query("UPDATE complaints SET forward_due_on = '2020-01-02' WHERE id = $1")
        .bind(id)
        .execute(&db)
        .await
        .expect("backdate");
    let late = format!("Laporan #{id} melewati batas waktu");
    wait_for_mail(&app, &head.email, &late, 1).await;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(mails(&app, &head.email, &late), 1, "escalated once across the nodes");
    assert_eq!(mails(&app, "pelapor.dua@warga.test", "Laporan Anda diterima"), 1, "told once");
    let escalations: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM complaint_events WHERE complaint_id = $1 AND kind = 'escalated'",
    )
    .bind(id)
    .fetch_one(&db)
    .await
    .expect("events");
    assert_eq!(escalations, 1);
    db.close().await;

    // Each node keeps a session it read for a few seconds; signing out on one ends it on the
    // other at once (the commit tells every node), not when the kept read lapses.
    let cookie = visitor.cookie("sp_sesi").expect("session cookie").to_string();
    let on_b = |path: &'static str| {
        let request = app.client.get(format!("{b}{path}")).header("cookie", format!("sp_sesi={cookie}"));
        async move { request.send().await.expect("get").status().as_u16() }
    };
    // The account page logs the reading of personal data, so B forgets what it kept of the
    // account; the list of applications writes nothing, and B keeps the session read afresh.
    assert_eq!(on_b("/akun").await, 200);
    assert_eq!(on_b("/akun/permohonan").await, 200, "signed in on B");
    visitor.switch_to(&a);
    visitor.get("/akun").await;
    assert_eq!(visitor.post("/akun/keluar", &[]).await.status, 303);
    let signed_out = std::time::Instant::now();
    while on_b("/akun/permohonan").await != 303 {
        assert!(signed_out.elapsed() < Duration::from_secs(1), "B still takes the session signed out on A");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Clients alternate between the nodes; B is killed under load; what B never answered is
    // retried on A with the same idempotency key.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|c| {
            let (a, b, api_key, stop) = (a.clone(), b.clone(), api_key.clone(), stop.clone());
            tokio::spawn(async move {
                let client =
                    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
                let (mut written, mut lost) = (Vec::new(), Vec::new());
                for n in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let write = Write::Complaint { key: format!("node-{c}-{n}") };
                    let base = if n % 2 == 0 { &a } else { &b };
                    match send(&client, base, "", &api_key, &write).await {
                        Ok(id) => written.push((write, id)),
                        Err(_) => lost.push(write),
                    }
                }
                (written, lost)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    node_b.kill().expect("SIGKILL");
    node_b.wait().expect("reaped");
    tokio::time::sleep(Duration::from_millis(400)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut written, mut lost) = (Vec::new(), Vec::new());
    for client in clients {
        let (mut w, mut l) = client.await.expect("client");
        written.append(&mut w);
        lost.append(&mut l);
    }
    assert!(!lost.is_empty(), "node B was killed while clients used it");
    let on_a_after_kill = written.len();
    assert!(on_a_after_kill > 20, "node A kept answering: {on_a_after_kill}");
    let client = reqwest::Client::new();
    for write in &lost {
        let id = send(&client, &a, "", &api_key, write).await.expect("node A answers the retry");
        written.push((write.clone(), id));
    }
    assert_stored_once(&database_url, &written).await;
    let _ = std::process::Command::new("kill").args(["-TERM", &node_a.id().to_string()]).status();
    node_a.wait().expect("stopped");
    let (code, out, err) = run_cli_on(&data_dir, &database_url, &["audit", "verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    drop(visitor);
    app.stop().await;
}
