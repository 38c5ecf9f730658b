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
