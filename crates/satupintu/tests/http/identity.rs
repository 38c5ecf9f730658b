//! Accounts, sessions, the second factor, officers' scopes and personal data, through HTTP.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use sqlx::Row;

use crate::browser::{Browser, Page};
use crate::store_tests;
use crate::support::{Options, Store, TestApp};

/// A man born 15 May 1990 in Karang Pilang, Surabaya (35.78.01).
pub const NIK_KARANG_PILANG: &str = "3578011505900001";
/// A woman born 15 August 1985 in Wonocolo, Surabaya (35.78.02): day + 40.
pub const NIK_WONOCOLO: &str = "3578025508850002";
/// A man born 1 January 2001 in Gambir, Jakarta (31.71.01): outside the installation.
pub const NIK_GAMBIR: &str = "3171010101010003";
pub const PASSWORD: &str = "Kenari-Biru-1945";

/// The path of a link in a mail (the host is the configured public address).
pub fn path_of(link: &str) -> String {
    let after_scheme = link.split_once("://").map(|(_, rest)| rest).unwrap_or(link);
    after_scheme.find('/').map(|i| after_scheme[i..].to_string()).expect("a path")
}

/// Waits for a mail to `to` holding a link under `prefix`.
pub async fn mail_link(app: &TestApp, to: &str, prefix: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found = app
            .mail
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .find_map(|m| m.find_link(prefix));
        if let Some(link) = found {
            return path_of(&link);
        }
        assert!(std::time::Instant::now() < deadline, "no mail to {to} with a link under {prefix}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub async fn register<'a>(browser: &mut Browser<'a>, nik: &str, email: &str) -> Page {
    browser.get("/akun/daftar").await;
    browser
        .post(
            "/akun/daftar",
            &[
                ("nama", "Siti Rahayu"),
                ("nik", nik),
                ("email", email),
                ("telepon", "0812 3456 7890"),
                ("sandi", PASSWORD),
                ("sandi_ulang", PASSWORD),
            ],
        )
        .await
}

pub async fn sign_in<'a>(browser: &mut Browser<'a>, email: &str, password: &str) -> Page {
    browser.get("/akun/masuk").await;
    browser.post("/akun/masuk", &[("akun", email), ("sandi", password), ("kembali", "/akun")]).await
}

/// Registers, verifies and signs in a citizen.
pub async fn citizen<'a>(app: &'a TestApp, nik: &str, email: &str) -> Browser<'a> {
    citizen_in(Browser::new(app), app, nik, email).await
}

/// Registers, verifies and signs in a citizen with the given browser.
pub async fn citizen_in<'a>(
    mut browser: Browser<'a>,
    app: &'a TestApp,
    nik: &str,
    email: &str,
) -> Browser<'a> {
    assert_eq!(register(&mut browser, nik, email).await.status, 200);
    let link = mail_link(app, email, "/akun/verifikasi/").await;
    browser.get(&link).await;
    assert_eq!(browser.post(&link, &[]).await.status, 200);
    let page = sign_in(&mut browser, email, PASSWORD).await;
    assert_eq!(page.status, 303, "{}", page.body);
    browser
}

/// An officer made with `satupintu user create`: email, one-time password, TOTP secret.
pub struct NewOfficer {
    pub email: String,
    pub password: String,
    pub secret: Vec<u8>,
}

pub fn create_officer(
    app: &TestApp,
    email: &str,
    role: &str,
    agency: Option<&str>,
    region: Option<&str>,
) -> NewOfficer {
    let mut command = Command::new(env!("CARGO_BIN_EXE_satupintu"));
    command.args(["user", "create", "--email", email, "--role", role]);
    if let Some(agency) = agency {
        command.args(["--agency", agency]);
    }
    if let Some(region) = region {
        command.args(["--region", region]);
    }
    let output = command
        .arg("--data-dir")
        .arg(&app.data_dir)
        .env("DATABASE_URL", &app.database_url)
        .output()
        .expect("run user create");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("one-time password: "))
        .expect("one-time password printed")
        .to_string();
    let uri = stdout.lines().find_map(|l| l.strip_prefix("totp: ")).expect("otpauth uri printed");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let secret_text = uri.split("secret=").nth(1).expect("secret").split('&').next().expect("secret");
    let secret = base32_decode(secret_text);
    NewOfficer { email: email.to_string(), password, secret }
}

pub fn base32_decode(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut count, mut out) = (0u64, 0, Vec::new());
    for c in text.bytes() {
        let value = alphabet.iter().position(|&a| a == c).expect("base32") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs()
}

pub fn code(secret: &[u8], offset_steps: i64) -> String {
    let at = now().saturating_add_signed(offset_steps * 30);
    satupintu::identity::totp::code_at(secret, at)
}

async fn citizen_registers_verifies_signs_in_and_out(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = Browser::new(&app);
    let page = register(&mut browser, NIK_KARANG_PILANG, "siti@warga.test").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Periksa surel Anda"), "{}", page.body);
    // Not verified yet: the right password is still refused, with the reason.
    let page = sign_in(&mut browser, "siti@warga.test", PASSWORD).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("belum diverifikasi"));
    let received = app.mail.wait_for("siti@warga.test", Duration::from_secs(10)).await.expect("mail");
    assert_eq!(received.subject().as_deref(), Some("Verifikasi alamat surel Anda"));
    let link = path_of(&received.find_link("/akun/verifikasi/").expect("link"));
    // Opening the link changes nothing (mail scanners open links); the button does.
    assert_eq!(browser.get(&link).await.status, 200);
    assert_eq!(browser.post(&link, &[]).await.status, 200);
    assert_eq!(browser.post(&link, &[]).await.status, 409, "a link works once");
    let page = sign_in(&mut browser, "SITI@warga.test ", PASSWORD).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/akun"));
    let cookie = browser.cookie("sp_sesi").expect("session cookie").clone();
    let account = browser.get("/akun").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("Siti Rahayu"));
    assert!(account.body.contains("3578••••••••0001"), "NIK masked: {}", account.body);
    // The session cookie is HttpOnly and SameSite=Lax.
    let response = app
        .client
        .post(app.url("/akun/masuk"))
        .form(&[("akun", "siti@warga.test"), ("sandi", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 403, "a form without this visitor's token is refused");
    browser.get("/akun").await;
    let page = browser.post("/akun/keluar", &[]).await;
    assert_eq!(page.status, 303);
    assert!(browser.cookie("sp_sesi").is_none());
    // The old cookie is dead on the server too.
    let response = app
        .client
        .get(app.url("/akun"))
        .header("cookie", format!("sp_sesi={cookie}"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status().as_u16(), 303);
    app.stop().await;
}

async fn sign_in_sets_strict_cookie_flags(store: Store) {
    let app = TestApp::spawn_with(
        store,
        Options { public_url: Some("https://portal.test".into()), ..Options::default() },
    )
    .await;
    let mut browser = citizen(&app, NIK_KARANG_PILANG, "flags@warga.test").await;
    browser.get("/akun").await;
    assert_eq!(browser.post("/akun/keluar-semua", &[]).await.status, 303);
    browser.get("/akun/masuk").await;
    let token = browser.csrf.clone().expect("token");
    let response = app
        .client
        .post(app.url("/akun/masuk"))
        .header("cookie", format!("sp_form={}", browser.cookie("sp_form").expect("form cookie")))
        .form(&[("akun", "flags@warga.test"), ("sandi", PASSWORD), ("kembali", "/akun"), ("csrf", &token)])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 303);
    let cookie = response.headers().get("set-cookie").expect("cookie").to_str().expect("text").to_string();
    assert!(cookie.starts_with("sp_sesi="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    app.stop().await;
}

async fn registration_reports_each_bad_field_and_creates_nothing(store: Store) {
    let app = TestApp::spawn_with(store, Options::default()).await;
    let mut browser = Browser::new(&app);
    let cases: [(&str, &str, &str, &str); 5] = [
        (
            "3500011505900001",
            "x@warga.test",
            PASSWORD,
            "Kode kabupaten/kota pada NIK (digit 3–4) tidak boleh 00.",
        ),
        ("3578013205900001", "x@warga.test", PASSWORD, "Tanggal lahir pada NIK (digit 7–8)"),
        ("3578011505900000", "x@warga.test", PASSWORD, "Nomor urut pada NIK (digit 13–16) tidak boleh 0000."),
        (NIK_KARANG_PILANG, "bukan-surel", PASSWORD, "Tuliskan alamat surel yang benar"),
        (NIK_KARANG_PILANG, "x@warga.test", "password123", "terlalu umum"),
    ];
    for (nik, email, password, message) in cases {
        browser.get("/akun/daftar").await;
        let page = browser
            .post(
                "/akun/daftar",
                &[
                    ("nama", "Budi"),
                    ("nik", nik),
                    ("email", email),
                    ("sandi", password),
                    ("sandi_ulang", password),
                ],
            )
            .await;
        assert_eq!(page.status, 400, "{nik} {email}");
        assert!(page.body.contains(message), "{message} missing for {nik}/{email}");
        assert!(page.body.contains("aria-invalid=\"true\""));
    }
    // English messages for the same mistakes.
    let response =
        app.client.get(app.url("/akun/daftar")).header("cookie", "lang=en").send().await.expect("get");
    assert!(response.text().await.expect("body").contains("Register a citizen account"));
    let db = satupintu::db::Db::connect_lazy(&app.database_url, 1).expect("db");
    let count: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM accounts").fetch_one(db.pool()).await.expect("count").get("n");
    assert_eq!(count, 0, "nothing half-created");
    db.close().await;
    app.stop().await;
}

async fn one_account_per_nik_and_no_account_enumeration_by_email(store: Store) {
    let app = TestApp::spawn(store).await;
    let _first = citizen(&app, NIK_KARANG_PILANG, "pertama@warga.test").await;
    let mut stranger = Browser::new(&app);
    let page = register(&mut stranger, NIK_KARANG_PILANG, "kedua@warga.test").await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("NIK ini sudah terdaftar"));
    assert!(page.body.contains("/akun/lupa-sandi"), "a recovery path");
    assert!(!page.body.contains("pertama@"), "nothing about the existing account");
    // The same email with another NIK gets the ordinary page; the owner gets a notice.
    let page = register(&mut stranger, NIK_WONOCOLO, "pertama@warga.test").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Periksa surel Anda"));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let notices = app.mail.messages().into_iter().filter(|m| {
            m.to.iter().any(|t| t.contains("pertama@"))
                && m.subject().is_some_and(|s| s.contains("Percobaan pendaftaran"))
        });
        if notices.count() == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "notice mail");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await;
}

async fn wrong_passwords_back_off_with_the_wait_time(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = citizen(&app, NIK_KARANG_PILANG, "lupa@warga.test").await;
    browser.post("/akun/keluar", &[]).await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let page = sign_in(&mut browser, "lupa@warga.test", "salah-sandi-99").await;
        statuses.push(page.status);
        last = Some(page);
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert_eq!(statuses[6], 429, "{statuses:?}");
    let last = last.expect("page");
    assert!(last.retry_after.is_some());
    assert!(last.body.contains("Silakan coba lagi dalam"), "{}", last.body);
    // Even the right password waits out the back-off.
    assert_eq!(sign_in(&mut browser, "lupa@warga.test", PASSWORD).await.status, 429);
    app.stop().await;
}

async fn password_reset_link_works_once_and_ends_every_session(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut phone = citizen(&app, NIK_KARANG_PILANG, "reset@warga.test").await;
    let mut laptop = Browser::new(&app);
    laptop.get("/akun/lupa-sandi").await;
    let page = laptop.post("/akun/lupa-sandi", &[("akun", "reset@warga.test")]).await;
    assert_eq!(page.status, 200);
    // Unknown addresses get the same answer and no mail.
    let unknown = laptop.post("/akun/lupa-sandi", &[("akun", "tidak-ada@warga.test")]).await;
    assert_eq!(
        unknown.body.replace(&laptop.csrf.clone().unwrap_or_default(), ""),
        page.body.replace(&laptop.csrf.clone().unwrap_or_default(), "")
    );
    let link = mail_link(&app, "reset@warga.test", "/akun/atur-ulang/").await;
    assert_eq!(laptop.get(&link).await.status, 200);
    let page = laptop.post(&link, &[("sandi", "pendek"), ("sandi_ulang", "pendek")]).await;
    assert_eq!(page.status, 400);
    let page =
        laptop.post(&link, &[("sandi", "Merpati-Putih-77"), ("sandi_ulang", "Merpati-Putih-77")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let replay =
        laptop.post(&link, &[("sandi", "Merpati-Putih-88"), ("sandi_ulang", "Merpati-Putih-88")]).await;
    assert_eq!(replay.status, 409, "a reset link works once");
    assert_eq!(phone.get("/akun").await.status, 303, "the other session ended");
    assert_eq!(sign_in(&mut laptop, "reset@warga.test", PASSWORD).await.status, 401);
    assert_eq!(sign_in(&mut laptop, "reset@warga.test", "Merpati-Putih-77").await.status, 303);
    app.stop().await;
}

async fn citizens_can_turn_on_two_step_verification_and_codes_work_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = citizen(&app, NIK_KARANG_PILANG, "dua@warga.test").await;
    let page = browser.get("/akun/dua-langkah").await;
    assert!(page.body.contains("<svg"), "QR code");
    let manual = page
        .body
        .split("<code>")
        .nth(1)
        .expect("manual key")
        .split("</code>")
        .next()
        .expect("key")
        .to_string();
    let secret = base32_decode(&manual);
    let page = browser
        .post("/akun/dua-langkah", &[("rahasia", &hidden(&page.body, "rahasia")), ("kode", "000000")])
        .await;
    assert_eq!(page.status, 400);
    let page = browser.get("/akun/dua-langkah").await;
    let manual =
        page.body.split("<code>").nth(1).expect("key").split("</code>").next().expect("key").to_string();
    let secret_now = base32_decode(&manual);
    assert_ne!(secret, secret_now, "a fresh secret each time");
    let page = browser
        .post(
            "/akun/dua-langkah",
            &[("rahasia", &hidden(&page.body, "rahasia")), ("kode", &code(&secret_now, 0))],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let recovery: Vec<String> = page
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().expect("code").to_string())
        .collect();
    assert_eq!(recovery.len(), 10);
    browser.post("/akun/keluar", &[]).await;
    let page = sign_in(&mut browser, "dua@warga.test", PASSWORD).await;
    assert_eq!(page.location.as_deref(), Some("/akun/masuk/verifikasi?kembali=%2Fakun"));
    assert_eq!(browser.get("/akun").await.status, 303, "no access before the second factor");
    browser.get("/akun/masuk/verifikasi").await;
    // The code used at enrolment cannot be used again.
    let page = browser.post("/akun/masuk/verifikasi", &[("kode", &code(&secret_now, 0))]).await;
    assert_eq!(page.status, 401);
    let page = browser.post("/akun/masuk/verifikasi", &[("kode", &recovery[0])]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(browser.get("/akun").await.status, 200);
    browser.post("/akun/keluar", &[]).await;
    sign_in(&mut browser, "dua@warga.test", PASSWORD).await;
    browser.get("/akun/masuk/verifikasi").await;
    let page = browser.post("/akun/masuk/verifikasi", &[("kode", &recovery[0])]).await;
    assert_eq!(page.status, 401, "a recovery code works once");
    app.stop().await;
}

pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).expect("hidden field") + marker.len();
    body[start..].split('"').next().expect("value").replace("&#43;", "+").replace("&#x2b;", "+")
}

/// Signs an officer in: one-time password, TOTP, then a password of their own.
pub async fn officer_session<'a>(app: &'a TestApp, officer: &NewOfficer) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let page = sign_in(&mut browser, &officer.email, &officer.password).await;
    assert!(
        page.location.as_deref().is_some_and(|l| l.starts_with("/akun/masuk/verifikasi")),
        "{:?}",
        page.location
    );
    browser.get("/akun/masuk/verifikasi").await;
    let page = browser
        .post("/akun/masuk/verifikasi", &[("kode", &code(&officer.secret, 0)), ("kembali", "/admin")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    // The one-time password must be replaced before anything else.
    assert_eq!(browser.get("/admin").await.location.as_deref(), Some("/akun/sandi"));
    browser.get("/akun/sandi").await;
    let page = browser
        .post("/akun/sandi", &[("sandi", "Petugas-Andal-2026"), ("sandi_ulang", "Petugas-Andal-2026")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(browser.get("/admin").await.status, 200);
    browser
}

async fn officer_reads_are_logged_and_shown_to_the_citizen(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    let page = siti.get("/akun/akses").await;
    assert!(page.body.contains("Belum ada petugas"));
    let officer =
        create_officer(&app, "petugas@surabaya.test", "officer", Some("disdukcapil"), Some("35.78.01"));
    let mut desk = officer_session(&app, &officer).await;
    let page =
        desk.get(&format!("/admin/warga?nik={NIK_KARANG_PILANG}&keperluan=Permohonan+KTP-2026-0042")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Siti Rahayu") && page.body.contains(NIK_KARANG_PILANG));
    assert!(page.body.contains("1990-05-15"));
    // Outside the officer's district: refused, and nothing is shown or logged.
    let _other = citizen(&app, NIK_WONOCOLO, "dewi@warga.test").await;
    let page = desk.get(&format!("/admin/warga?nik={NIK_WONOCOLO}&keperluan=Iseng")).await;
    assert_eq!(page.status, 403);
    // A read needs a purpose.
    assert_eq!(desk.get(&format!("/admin/warga?nik={NIK_KARANG_PILANG}&keperluan=")).await.status, 400);
    let page = siti.get("/akun/akses").await;
    assert!(page.body.contains("Permohonan KTP-2026-0042"), "{}", page.body);
    assert!(page.body.contains("Dinas Kependudukan") && page.body.contains("Petugas"));
    let export: Value = serde_json::from_str(&siti.get("/akun/unduh").await.body).expect("json");
    assert_eq!(export["nik"], NIK_KARANG_PILANG);
    assert_eq!(export["phone"], "081234567890");
    assert_eq!(export["accesses"].as_array().expect("accesses").len(), 1);
    // The read is an audit entry naming the officer and the citizen's record, no personal data.
    let audit_index = export["accesses"][0]["audit_index"].as_i64().expect("index");
    let entries: Value = app
        .json(&format!("/api/v1/transparency/entries?start={audit_index}&end={}", audit_index + 1), 200)
        .await;
    let leaf = entries["entries"][0]["leaf"].as_str().expect("leaf");
    let leaf = String::from_utf8(base64_decode(leaf)).expect("utf-8");
    assert!(leaf.contains("citizen.read") && leaf.contains("officer:"), "{leaf}");
    assert!(!leaf.contains(NIK_KARANG_PILANG) && !leaf.contains("Siti"));
    app.stop().await;
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).expect("base64")
}

async fn token(app: &TestApp, email: &str, password: &str, totp: Option<String>) -> reqwest::Response {
    let mut body = serde_json::json!({"email": email, "password": password});
    if let Some(code) = totp {
        body["totp"] = Value::String(code);
    }
    app.client.post(app.url("/api/v1/auth/token")).json(&body).send().await.expect("token")
}

/// A role in a scope (role, agency, region) and the statuses it gets for three citizens.
type Scoped = (&'static str, Option<&'static str>, Option<&'static str>, [u16; 3]);

/// Who may read which citizen's record, through the API: every role, in and out of scope.
async fn authorization_table_for_citizen_records(store: Store) {
    let app = TestApp::spawn(store).await;
    citizen(&app, NIK_KARANG_PILANG, "karang@warga.test").await;
    citizen(&app, NIK_WONOCOLO, "wonocolo@warga.test").await;
    citizen(&app, NIK_GAMBIR, "gambir@warga.test").await;
    // (role, agency, region): expected status for citizens of Karang Pilang, Wonocolo, Gambir.
    let table: [Scoped; 9] = [
        ("admin", None, None, [200, 200, 403]),
        ("agency_admin", Some("disdukcapil"), None, [200, 200, 403]),
        ("officer", Some("disdukcapil"), Some("35.78.01"), [200, 403, 403]),
        ("officer", Some("kecamatan-genteng"), Some("35.78.07"), [403, 403, 403]),
        ("supervisor", Some("dinsos"), Some("35.78"), [200, 200, 403]),
        ("content_editor", Some("diskominfo"), None, [403, 403, 403]),
        ("auditor", None, None, [403, 403, 403]),
        ("officer", Some("disdukcapil"), Some("31.71"), [403, 403, 200]),
        ("officer", Some("dinkes"), Some("35.78.02"), [403, 200, 403]),
    ];
    for (n, (role, agency, region, expected)) in table.iter().enumerate() {
        let officer = create_officer(&app, &format!("p{n}@surabaya.test"), role, *agency, *region);
        let response = token(&app, &officer.email, &officer.password, Some(code(&officer.secret, 0))).await;
        assert_eq!(response.status().as_u16(), 201);
        let issued: Value = response.json().await.expect("json");
        let bearer = issued["token"].as_str().expect("token").to_string();
        for (nik, want) in [NIK_KARANG_PILANG, NIK_WONOCOLO, NIK_GAMBIR].iter().zip(expected) {
            let response = app
                .client
                .get(app.url(&format!("/api/v1/citizens?nik={nik}&purpose=Perkara-{n}")))
                .bearer_auth(&bearer)
                .send()
                .await
                .expect("get");
            assert_eq!(response.status().as_u16(), *want, "{role} {agency:?} {region:?} reading {nik}");
            if *want == 200 {
                let record: Value = response.json().await.expect("json");
                assert_eq!(record["nik"], *nik);
            } else {
                assert_eq!(response.headers()["content-type"], "application/problem+json");
            }
        }
    }
    // Citizens' tokens and no token.
    let response = token(&app, "karang@warga.test", PASSWORD, None).await;
    let bearer = response.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_string();
    let url = app.url(&format!("/api/v1/citizens?nik={NIK_KARANG_PILANG}&purpose=Saya-sendiri"));
    assert_eq!(app.client.get(&url).bearer_auth(&bearer).send().await.expect("get").status().as_u16(), 403);
    assert_eq!(app.client.get(&url).send().await.expect("get").status().as_u16(), 401);
    assert_eq!(app.client.get(&url).bearer_auth("forged").send().await.expect("get").status().as_u16(), 401);
    // The citizen's own record through the API, then the token revoked.
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&bearer)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["nik"], NIK_KARANG_PILANG);
    assert_eq!(me["accesses"].as_array().expect("accesses").len(), 4, "four officers read it");
    let revoked =
        app.client.delete(app.url("/api/v1/auth/token")).bearer_auth(&bearer).send().await.expect("delete");
    assert_eq!(revoked.status().as_u16(), 204);
    assert_eq!(
        app.client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&bearer)
            .send()
            .await
            .expect("me")
            .status()
            .as_u16(),
        401
    );
    app.stop().await;
}

async fn token_failures_all_look_the_same(store: Store) {
    let app = TestApp::spawn(store).await;
    let officer = create_officer(&app, "token@surabaya.test", "officer", Some("disdukcapil"), None);
    let mut bodies = Vec::new();
    for (email, password, totp) in [
        ("token@surabaya.test", "salah", Some(code(&officer.secret, 0))),
        ("token@surabaya.test", officer.password.as_str(), Some("123456".to_string())),
        ("token@surabaya.test", officer.password.as_str(), None),
        ("tidak-ada@surabaya.test", "salah", Some("123456".to_string())),
    ] {
        let response = token(&app, email, password, totp).await;
        assert_eq!(response.status().as_u16(), 401);
        let mut body: Value = response.json().await.expect("problem");
        body["instance"] = Value::Null;
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert_eq!(bodies[0]["type"], "/problems/unauthorized");
    let malformed = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .expect("post");
    assert_eq!(malformed.status().as_u16(), 400);
    let issued = token(&app, "token@surabaya.test", &officer.password, Some(code(&officer.secret, 0))).await;
    assert_eq!(issued.status().as_u16(), 201);
    let replay = token(&app, "token@surabaya.test", &officer.password, Some(code(&officer.secret, 0))).await;
    assert_eq!(replay.status().as_u16(), 401, "a TOTP code works once");
    app.stop().await;
}

async fn stale_sessions_end_and_personal_data_is_sealed_at_rest(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = citizen(&app, NIK_KARANG_PILANG, "lama@warga.test").await;
    let db = satupintu::db::Db::connect_lazy(&app.database_url, 1).expect("db");
    let row = sqlx::query("SELECT nik_sealed, nik_index, phone_sealed, birth_date_sealed FROM accounts")
        .fetch_one(db.pool())
        .await
        .expect("row");
    for column in ["nik_sealed", "phone_sealed", "birth_date_sealed"] {
        let value: String = row.get(column);
        assert!(value.starts_with("v1:k"), "{column} is sealed: {value}");
        assert!(!value.contains("3578") && !value.contains("0812"), "{column}");
    }
    let index: String = row.get("nik_index");
    assert!(!index.contains("3578011505900001"));
    // Idle for over an hour: the session is gone, and the browser is asked to sign in.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 3700")
        .execute(db.pool())
        .await
        .expect("age");
    let page = browser.get("/akun").await;
    assert_eq!(page.status, 303);
    assert!(page.location.as_deref().is_some_and(|l| l.starts_with("/akun/masuk")));
    assert!(browser.cookie("sp_sesi").is_none(), "the stale cookie is removed");
    db.close().await;
    app.stop().await;
}

async fn keys_rotate_reseals_stored_values_and_they_still_open(store: Store) {
    let data_dir = crate::support::scratch_root().join(format!("rotate-{store:?}"));
    let options = || Options { data_dir: Some(data_dir.clone()), ..Options::default() };
    let app = TestApp::spawn_with(store, options()).await;
    let mut first = citizen(&app, NIK_WONOCOLO, "putar@warga.test").await;
    // A draft application: its answers are sealed too.
    first.get("/layanan/surat-keterangan-domisili/ajukan").await;
    let draft = first.post("/layanan/surat-keterangan-domisili/ajukan", &[]).await.location.expect("draft");
    let saved = first.post(&draft, &[("keperluan", "Pendaftaran sekolah"), ("aksi", "simpan")]).await;
    assert_eq!(saved.status, 200);
    let database_url = app.database_url.clone();
    app.stop().await;
    let output = Command::new(env!("CARGO_BIN_EXE_satupintu"))
        .args(["keys", "rotate", "--data-dir"])
        .arg(&data_dir)
        .env("DATABASE_URL", &database_url)
        .output()
        .expect("run keys rotate");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("field key k2 is now active; 4 values re-sealed"), "{stdout}");
    let db = satupintu::db::Db::connect_lazy(&database_url, 1).expect("db");
    let sealed: String = sqlx::query("SELECT nik_sealed FROM accounts")
        .fetch_one(db.pool())
        .await
        .expect("row")
        .get("nik_sealed");
    assert!(sealed.starts_with("v1:k2:"), "{sealed}");
    let answers: String = sqlx::query("SELECT data_sealed FROM applications")
        .fetch_one(db.pool())
        .await
        .expect("row")
        .get("data_sealed");
    assert!(answers.starts_with("v1:k2:"), "{answers}");
    db.close().await;
    let app = TestApp::spawn_with(store, Options { database_url: Some(database_url), ..options() }).await;
    let mut browser = Browser::new(&app);
    assert_eq!(sign_in(&mut browser, "putar@warga.test", PASSWORD).await.status, 303);
    let export: Value = serde_json::from_str(&browser.get("/akun/unduh").await.body).expect("json");
    assert_eq!(export["nik"], NIK_WONOCOLO);
    assert_eq!(export["birth_date"], "1985-08-15");
    assert!(browser.get(&draft).await.body.contains("value=\"Pendaftaran sekolah\""), "the answers open");
    app.stop().await;
}

fn run_user_create(app: &TestApp, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_satupintu"))
        .args(["user", "create"])
        .args(args)
        .arg("--data-dir")
        .arg(&app.data_dir)
        .env("DATABASE_URL", &app.database_url)
        .output()
        .expect("run");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).to_string())
}

async fn user_create_refuses_bad_roles_scopes_and_citizen_emails(store: Store) {
    let app = TestApp::spawn(store).await;
    citizen(&app, NIK_KARANG_PILANG, "warga@warga.test").await;
    for (args, message) in [
        (vec!["--email", "a@surabaya.test", "--role", "walikota"], "unknown role"),
        (vec!["--email", "a@surabaya.test", "--role", "officer"], "needs --agency"),
        (vec!["--email", "a@surabaya.test", "--role", "officer", "--agency", "tidak-ada"], "no agency"),
        (vec!["--email", "a@surabaya.test", "--role", "admin", "--region", "99.99"], "no region"),
        (vec!["--email", "bukan-surel", "--role", "admin"], "not an email"),
    ] {
        let (code, stderr) = run_user_create(&app, &args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let (code, stderr) = run_user_create(&app, &["--email", "warga@warga.test", "--role", "admin"]);
    assert_ne!(code, Some(0));
    assert!(stderr.contains("citizen account"), "{stderr}");
    app.stop().await;
}

async fn registrations_from_one_address_are_throttled(store: Store) {
    let app = TestApp::spawn(store).await;
    let db = satupintu::db::Db::connect_lazy(&app.database_url, 1).expect("db");
    let mut browser = Browser::new(&app);
    for n in 0..30 {
        let page = register(&mut browser, NIK_KARANG_PILANG, &format!("banjir{n}@warga.test")).await;
        assert!(page.status == 200 || page.status == 409, "{}", page.status);
    }
    // From the 31st on, registrations from the same address wait: 1 s, then 2, 4, 8… A busy
    // machine may let the first second pass between two requests, never the longer waits.
    let mut throttled = None;
    for n in 0..5 {
        let page = register(&mut browser, NIK_KARANG_PILANG, &format!("banjir-lagi{n}@warga.test")).await;
        if page.status == 429 {
            throttled = Some(page);
            break;
        }
    }
    let page = throttled.expect("registrations past the free ones wait");
    assert!(page.retry_after.is_some());
    let count: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM accounts").fetch_one(db.pool()).await.expect("count").get("n");
    assert_eq!(count, 1, "only the first registration of the NIK made an account");
    db.close().await;
    app.stop().await;
}

store_tests!(
    registrations_from_one_address_are_throttled,
    keys_rotate_reseals_stored_values_and_they_still_open,
    user_create_refuses_bad_roles_scopes_and_citizen_emails,
    citizen_registers_verifies_signs_in_and_out,
    sign_in_sets_strict_cookie_flags,
    registration_reports_each_bad_field_and_creates_nothing,
    one_account_per_nik_and_no_account_enumeration_by_email,
    wrong_passwords_back_off_with_the_wait_time,
    password_reset_link_works_once_and_ends_every_session,
    citizens_can_turn_on_two_step_verification_and_codes_work_once,
    officer_reads_are_logged_and_shown_to_the_citizen,
    authorization_table_for_citizen_records,
    token_failures_all_look_the_same,
    stale_sessions_end_and_personal_data_is_sealed_at_rest,
);
