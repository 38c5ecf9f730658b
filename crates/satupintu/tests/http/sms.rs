//! Citizens without email: registration verified by a link sent by SMS through the HTTP
//! gateway, sign-in with the NIK, password reset by SMS, and the outbox's handling of the
//! number (sealed while waiting, cleared once sent) and of a gateway that refuses.

use std::time::Duration;

use sqlx::Row;

use crate::browser::{Browser, Page};
use crate::identity::{NIK_KARANG_PILANG, NIK_WONOCOLO, PASSWORD, sign_in};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    a_citizen_without_email_verifies_by_sms_and_signs_in_with_the_nik,
    a_forgotten_password_is_reset_by_sms_when_the_account_has_no_email,
    registration_needs_an_email_or_a_mobile_number,
    a_refusing_gateway_is_retried_and_the_waiting_number_is_sealed,
);

const PHONE: &str = "0812 3456 7890";
const PHONE_E164: &str = "+6281234567890";

async fn register_by_phone<'a>(browser: &mut Browser<'a>, nik: &str, phone: &str) -> Page {
    browser.get("/akun/daftar").await;
    browser
        .post(
            "/akun/daftar",
            &[
                ("nama", "Sumarni"),
                ("nik", nik),
                ("email", ""),
                ("telepon", phone),
                ("sandi", PASSWORD),
                ("sandi_ulang", PASSWORD),
            ],
        )
        .await
}

async fn a_citizen_without_email_verifies_by_sms_and_signs_in_with_the_nik(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = Browser::new(&app);
    let page = register_by_phone(&mut browser, NIK_WONOCOLO, PHONE).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Periksa SMS Anda"), "{}", page.body);
    // Before the link is opened, the right password is not enough.
    let early = sign_in(&mut browser, "3578 0255 0885 0002", PASSWORD).await;
    assert_eq!(early.status, 401);
    assert!(early.body.contains("belum diverifikasi"), "{}", early.body);

    let link = app.sms.link(PHONE_E164, "/akun/verifikasi/").await;
    assert_eq!(browser.get(&link).await.status, 200);
    assert_eq!(browser.post(&link, &[]).await.status, 200);
    assert_eq!(browser.post(&link, &[]).await.status, 409, "the link works once");

    let page = sign_in(&mut browser, NIK_WONOCOLO, PASSWORD).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let account = browser.get("/akun").await;
    assert!(account.body.contains("Sumarni"), "{}", account.body);
    // A wrong password with the NIK gets the usual message, naming no part.
    browser.post("/akun/keluar", &[]).await;
    let wrong = sign_in(&mut browser, NIK_WONOCOLO, "Bukan-Sandinya-1").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("NIK, atau kata sandi salah"), "{}", wrong.body);

    // The verification is recorded against the phone, and the number is stored sealed.
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let row = sqlx::query("SELECT email, email_verified_at, phone_verified_at, phone_sealed FROM accounts WHERE name = 'Sumarni'")
        .fetch_one(&db)
        .await
        .expect("account");
    assert_eq!(row.get::<Option<String>, _>("email"), None);
    assert!(row.get::<Option<i64>, _>("email_verified_at").is_none());
    assert!(row.get::<Option<i64>, _>("phone_verified_at").is_some());
    assert!(!row.get::<String, _>("phone_sealed").contains("3456"));
    let leaves = sqlx::query("SELECT leaf FROM audit_entries").fetch_all(&db).await.expect("audit");
    let verified = leaves
        .iter()
        .filter(|row| {
            String::from_utf8_lossy(&row.get::<Vec<u8>, _>("leaf")).contains("\"account.verify_phone\"")
        })
        .count();
    assert_eq!(verified, 1);
    db.close().await;
    app.stop().await;
}

async fn a_forgotten_password_is_reset_by_sms_when_the_account_has_no_email(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = Browser::new(&app);
    assert_eq!(register_by_phone(&mut browser, NIK_KARANG_PILANG, PHONE).await.status, 200);
    // The verification SMS is lost; a reset link by SMS also proves the number.
    app.sms.link(PHONE_E164, "/akun/verifikasi/").await;
    browser.get("/akun/lupa-sandi").await;
    let page = browser.post("/akun/lupa-sandi", &[("akun", NIK_KARANG_PILANG)]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Periksa surel atau SMS Anda"), "{}", page.body);
    let link = app.sms.link(PHONE_E164, "/akun/atur-ulang/").await;
    let new_password = "Cendrawasih-Emas-8";
    let page = browser.post(&link, &[("sandi", new_password), ("sandi_ulang", new_password)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        sign_in(&mut browser, NIK_KARANG_PILANG, PASSWORD).await.status,
        401,
        "the old password is gone"
    );
    assert_eq!(sign_in(&mut browser, NIK_KARANG_PILANG, new_password).await.status, 303);
    // An unknown NIK gets the same answer and no SMS.
    let before = app.sms.messages().len();
    let mut stranger = Browser::new(&app);
    stranger.get("/akun/lupa-sandi").await;
    let unknown = stranger.post("/akun/lupa-sandi", &[("akun", "3578015505900009")]).await;
    assert_eq!(unknown.status, 200);
    assert!(unknown.body.contains("Periksa surel atau SMS Anda"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.sms.messages().len(), before);
    app.stop().await;
}

async fn registration_needs_an_email_or_a_mobile_number(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = Browser::new(&app);
    let page = register_by_phone(&mut browser, NIK_WONOCOLO, "").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Tuliskan alamat surel atau nomor ponsel"), "{}", page.body);
    assert!(page.body.contains("value=\"3578025508850002\""), "entered data kept");
    let page = register_by_phone(&mut browser, NIK_WONOCOLO, "021 555 1234").await;
    assert_eq!(page.status, 400, "a landline cannot receive the SMS");
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let accounts: i64 = sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE kind = 'citizen'")
        .fetch_one(&db)
        .await
        .expect("count")
        .get("n");
    assert_eq!(accounts, 0, "nothing half-created");
    db.close().await;
    app.stop().await;
}

async fn a_refusing_gateway_is_retried_and_the_waiting_number_is_sealed(store: Store) {
    let app = TestApp::spawn(store).await;
    app.sms.refuse_next(1);
    let mut first = Browser::new(&app);
    assert_eq!(register_by_phone(&mut first, NIK_KARANG_PILANG, PHONE).await.status, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.sms.refused() == 0 {
        assert!(std::time::Instant::now() < deadline, "the gateway was never called");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let waiting = sqlx::query("SELECT to_address, attempts, sent_at FROM mail_outbox WHERE channel = 'sms'")
        .fetch_one(&db)
        .await
        .expect("queued SMS");
    assert!(waiting.get::<Option<i64>, _>("sent_at").is_none());
    assert_eq!(waiting.get::<i64, _>("attempts"), 1);
    let sealed: String = waiting.get("to_address");
    assert!(sealed.starts_with("v1:") && !sealed.contains("3456"), "{sealed}");
    // Its back-off is over; the next message wakes the worker, which sends both.
    sqlx::query("UPDATE mail_outbox SET next_attempt_at = 0").execute(&db).await.expect("due now");
    let mut second = Browser::new(&app);
    assert_eq!(register_by_phone(&mut second, NIK_WONOCOLO, "0813 1111 2222").await.status, 200);
    app.sms.link(PHONE_E164, "/akun/verifikasi/").await;
    app.sms.link("+6281311112222", "/akun/verifikasi/").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let pending: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM mail_outbox WHERE channel = 'sms' AND (sent_at IS NULL OR to_address <> '' OR body <> '')",
        )
        .fetch_one(&db)
        .await
        .expect("count")
        .get("n");
        if pending == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "sent SMS keep their number or text");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    db.close().await;
    app.stop().await;
}
