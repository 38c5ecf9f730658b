//! The `satupintu` command itself.

use std::process::Command;

fn satupintu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_satupintu"))
}

#[test]
fn serve_help_documents_every_option_and_its_environment_variable() {
    let output = satupintu().args(["serve", "--help"]).output().expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--listen",
        "SATUPINTU_LISTEN",
        "--data-dir",
        "SATUPINTU_DATA_DIR",
        "DATABASE_URL",
        "--log-format",
        "127.0.0.1:8080",
        "./satupintu-data",
    ] {
        assert!(help.contains(needle), "serve --help lacks {needle}:\n{help}");
    }
}

#[test]
fn importing_a_broken_region_table_fails_with_the_line_number() {
    let dir = std::env::temp_dir().join(format!("satupintu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("regions.csv");
    std::fs::write(&file, "code,name,level\n11,Aceh,province\n11.01.01,Orphan,district\n").expect("write");
    let output = satupintu()
        .args(["import", "regions"])
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env_remove("DATABASE_URL")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3") && stderr.contains("parent"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("satupintu-sigterm-{}", std::process::id()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut child = satupintu()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--no-demo", "--data-dir"])
        .arg(&dir)
        .env_remove("DATABASE_URL")
        .spawn()
        .expect("spawn");
    // Wait until it answers, then ask it to stop.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "exit status {exit:?}");
    let _ = std::fs::remove_dir_all(dir);
}

fn decode(nik: &str, data_dir: &std::path::Path) -> (Option<i32>, serde_json::Value) {
    let output = satupintu()
        .args(["nik", "decode", nik, "--data-dir"])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run");
    let json = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code(), json)
}

#[test]
fn nik_decode_reports_region_names_birth_date_and_sex_or_the_reason_it_is_invalid() {
    let dir = std::env::temp_dir().join(format!("satupintu-nik-{}", std::process::id()));
    // 35.78.07 Genteng, Kota Surabaya, Jawa Timur; day 47 = a woman born on the 7th.
    let (code, valid) = decode("3578074708900001", &dir);
    assert_eq!(code, Some(0), "{valid}");
    assert_eq!(valid["valid"], true);
    assert_eq!(valid["province_code"], "35");
    assert_eq!(valid["province"], "Jawa Timur");
    assert_eq!(valid["regency_code"], "35.78");
    assert_eq!(valid["regency"], "Kota Surabaya");
    assert_eq!(valid["district_code"], "35.78.07");
    assert_eq!(valid["district"], "Genteng");
    assert_eq!(valid["birth_date"], "1990-08-07");
    assert_eq!(valid["sex"], "F");
    let (_, man) = decode("3578071708900001", &dir);
    assert_eq!(man["sex"], "M");
    for (nik, error) in [
        ("357807470890000", "length"),
        ("35780747089O0001", "not_digits"),
        ("3500074708900001", "regency_zero"),
        ("3578073208900001", "birth_day"),
        ("3578073102900001", "birth_date"),
        ("3578074708900000", "serial_zero"),
        ("3599074708900001", "regency_unknown"),
        ("3578994708900001", "district_unknown"),
        ("9978074708900001", "province_unknown"),
    ] {
        let (code, invalid) = decode(nik, &dir);
        assert_eq!(code, Some(1), "{nik}: {invalid}");
        assert_eq!(invalid["valid"], false, "{nik}");
        assert_eq!(invalid["error"], error, "{nik}");
        assert!(invalid["message"].as_str().is_some_and(|m| !m.is_empty()), "{nik}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_exits_0_when_intact_and_1_naming_the_altered_entry() {
    let dir = std::env::temp_dir().join(format!("satupintu-audit-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: &[&str]| {
        satupintu().args(args).arg("--data-dir").arg(&dir).env_remove("DATABASE_URL").output().expect("run")
    };
    assert!(run(&["demo"]).status.success(), "demo loads");
    let intact = run(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&intact.stdout);
    assert_eq!(intact.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("audit log intact") && stdout.contains("1 signed tree heads"), "{stdout}");
    let url = format!("sqlite://{}?mode=rw", dir.join("satupintu.db").display());
    let db = satupintu::db::Db::connect_lazy(&url, 1).expect("db");
    sqlx::query("UPDATE audit_entries SET leaf = (SELECT leaf FROM audit_entries WHERE leaf_index = 12) WHERE leaf_index = 11")
        .execute(db.pool())
        .await
        .expect("tamper");
    db.close().await;
    let tampered = run(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&tampered.stdout);
    assert_eq!(tampered.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("entry 11 was altered"), "{stdout}");
    let key = std::fs::metadata(dir.join("audit-signing.key")).expect("key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(key.permissions().mode() & 0o777, 0o600, "the signing key is private");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ikm_compute_prints_the_index_and_refuses_a_file_with_errors_naming_row_and_column() {
    let dir = std::env::temp_dir().join(format!("satupintu-ikm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    // 40 respondents: every element 3, except element 1 at 4 for half of them and element 9
    // left unanswered by ten.
    let mut rows = String::from("u1,u2,u3,u4,u5,u6,u7,u8,u9,pekerjaan\n");
    for i in 0..40 {
        let first = if i % 2 == 0 { 4 } else { 3 };
        let last = if i < 10 { String::new() } else { "3".into() };
        rows.push_str(&format!("{first},3,3,3,3,3,3,3,{last},PNS\n"));
    }
    let good = dir.join("good.csv");
    std::fs::write(&good, rows).expect("write");
    let output = satupintu().args(["ikm", "compute"]).arg(&good).output().expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(json["respondents"], 40);
    let nrr: Vec<f64> = json["nrr"].as_array().expect("nrr").iter().map(|v| v.as_f64().expect("n")).collect();
    assert_eq!(nrr, vec![3.5, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]);
    // (3.5 + 8 × 3) / 9 × 25 = 76.388… → 76.39, grade C; with 0.111: 27.5 × 0.111 × 25 = 76.31.
    assert_eq!(json["ikm"], 76.39);
    assert_eq!(json["ikm_0111"], 76.31);
    assert_eq!(json["grade"], "C");
    assert_eq!(json["label"], "Kurang Baik");

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "u1,u2,u3,u4,u5,u6,u7,u8,u9\n4,4,4,4,4,4,4,4,4\n4,4,0,4,4,4,4,4,4\n")
        .expect("write");
    let output = satupintu().args(["ikm", "compute"]).arg(&bad).output().expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing computed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("row 2, column u3"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
