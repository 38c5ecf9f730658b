//! API tokens through HTTP: issued from the account page and shown once, used as bearer
//! tokens within their scopes, revoked, expired, and never managed by a token itself.

use sqlx::Row;

use crate::browser::{Browser, Page};
use crate::identity::{NIK_KARANG_PILANG, NIK_WONOCOLO, citizen, create_officer, officer_session};
use crate::store_tests;
use crate::support::{Store, TestApp};

async fn open_db(app: &TestApp) -> satupintu::db::Db {
    satupintu::db::Db::connect_lazy(&app.database_url, 1).expect("db")
}

/// Opens the token page and submits the create form.
pub async fn create_token<'a>(browser: &mut Browser<'a>, name: &str, scopes: &[&str], days: &str) -> Page {
    assert_eq!(browser.get("/akun/token").await.status, 200);
    let mut fields = vec![("nama", name), ("masa", days)];
    fields.extend(scopes.iter().map(|s| ("cakupan", *s)));
    browser.post("/akun/token", &fields).await
}

/// The token shown once on the result page.
pub fn shown_token(page: &Page) -> String {
    assert_eq!(page.status, 201, "{}", page.body);
    let start = page.body.find("<code>").expect("token shown") + "<code>".len();
    let end = page.body[start..].find("</code>").expect("end of token");
    page.body[start..start + end].to_string()
}

async fn status_with(app: &TestApp, path: &str, bearer: &str) -> u16 {
    app.client.get(app.url(path)).bearer_auth(bearer).send().await.expect("get").status().as_u16()
}

/// The id of the only token with this name.
async fn token_id(db: &satupintu::db::Db, name: &str) -> i64 {
    sqlx::query("SELECT id FROM api_tokens WHERE name = $1")
        .bind(name)
        .fetch_one(db.pool())
        .await
        .expect("token row")
        .get("id")
}

async fn citizen_token_reads_me_and_is_listed_without_its_secret(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    assert!(siti.get("/akun").await.body.contains("href=\"/akun/token\""));
    let page = create_token(&mut siti, "Aplikasi kasir", &["me:read"], "30").await;
    let token = shown_token(&page);
    assert!(page.body.contains("tidak akan ditampilkan lagi"), "{}", page.body);
    assert_eq!(status_with(&app, "/api/v1/me", &token).await, 200);
    let list = siti.get("/akun/token").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Aplikasi kasir") && list.body.contains("me:read"), "{}", list.body);
    assert!(list.body.contains("Aktif") && !list.body.contains(&token));
    // Only the hash is stored, with an audit entry for the issue.
    let db = open_db(&app).await;
    let row = sqlx::query("SELECT token_hash, scopes, expires_at - created_at AS life FROM api_tokens")
        .fetch_one(db.pool())
        .await
        .expect("row");
    assert_eq!(row.get::<String, _>("token_hash"), satupintu::identity::session::token_hash(&token));
    assert_eq!(row.get::<String, _>("scopes"), "me:read");
    assert_eq!(row.get::<i64, _>("life"), 30 * 24 * 60 * 60);
    let audits: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_entries")
        .fetch_one(db.pool())
        .await
        .expect("audit")
        .get("n");
    assert!(audits > 0);
    app.stop().await;
}

async fn business_list_needs_a_business_or_me_scope(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    let businesses = shown_token(&create_token(&mut siti, "Laporan usaha", &["businesses:read"], "90").await);
    assert_eq!(status_with(&app, "/api/v1/businesses", &businesses).await, 200);
    assert_eq!(status_with(&app, "/api/v1/me", &businesses).await, 403, "me:read is a scope of its own");
    // An officer's token for citizens' data does not list businesses.
    let officer =
        create_officer(&app, "petugas@surabaya.test", "officer", Some("disdukcapil"), Some("35.78.01"));
    let mut budi = officer_session(&app, &officer).await;
    let citizens = shown_token(&create_token(&mut budi, "Loket", &["citizens:read"], "7").await);
    assert_eq!(status_with(&app, "/api/v1/businesses", &citizens).await, 403);
    // Officers cannot hold the business scope.
    assert_eq!(create_token(&mut budi, "Usaha", &["businesses:read"], "7").await.status, 400);
    app.stop().await;
}

async fn revoked_and_expired_tokens_are_refused(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    let first = shown_token(&create_token(&mut siti, "Pertama", &["me:read"], "90").await);
    let second = shown_token(&create_token(&mut siti, "Kedua", &["me:read"], "90").await);
    let db = open_db(&app).await;
    let id = token_id(&db, "Pertama").await;
    siti.get("/akun/token").await;
    let revoked = siti.post(&format!("/akun/token/{id}/cabut"), &[]).await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert_eq!(status_with(&app, "/api/v1/me", &first).await, 401);
    assert!(siti.get("/akun/token").await.body.contains("Dicabut"));
    assert_eq!(status_with(&app, "/api/v1/me", &second).await, 200);
    sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE name = $2")
        .bind(jiff::Timestamp::now().as_second() - 60)
        .bind("Kedua")
        .execute(db.pool())
        .await
        .expect("expire");
    crate::support::eventually("the expired token refused", || async {
        status_with(&app, "/api/v1/me", &second).await == 401
    })
    .await;
    assert!(siti.get("/akun/token").await.body.contains("Kedaluwarsa"));
    app.stop().await;
}

async fn tokens_are_refused_outside_their_owner_and_scopes(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    let mut andi = citizen(&app, NIK_WONOCOLO, "andi@warga.test").await;
    // A citizen asking for an officer's scope, a bad name and a bad lifetime.
    let refused = create_token(&mut siti, "Data warga", &["citizens:read"], "30").await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Pilih satu cakupan"), "{}", refused.body);
    assert_eq!(create_token(&mut siti, "ab", &["me:read"], "30").await.status, 400);
    assert_eq!(create_token(&mut siti, "Terlalu lama", &["me:read"], "366").await.status, 400);
    let db = open_db(&app).await;
    let stored: i64 = sqlx::query("SELECT COUNT(*) AS n FROM api_tokens")
        .fetch_one(db.pool())
        .await
        .expect("count")
        .get("n");
    assert_eq!(stored, 0);
    // Someone else's token id names nothing.
    let token = shown_token(&create_token(&mut siti, "Milik Siti", &["me:read"], "30").await);
    let id = token_id(&db, "Milik Siti").await;
    andi.get("/akun/token").await;
    assert_eq!(andi.post(&format!("/akun/token/{id}/cabut"), &[]).await.status, 404);
    assert_eq!(status_with(&app, "/api/v1/me", &token).await, 200);
    // A token does not manage tokens.
    assert_eq!(status_with(&app, "/akun/token", &token).await, 403);
    // A form without its CSRF token is refused.
    let no_csrf = siti.post_with("/akun/token", &[("nama", "Tanpa"), ("masa", "5")], None, &[]).await;
    assert_eq!(no_csrf.status, 403);
    let no_csrf = siti.post_with(&format!("/akun/token/{id}/cabut"), &[], None, &[]).await;
    assert_eq!(no_csrf.status, 403);
    assert_eq!(status_with(&app, "/api/v1/me", &token).await, 200);
    app.stop().await;
}

store_tests!(
    citizen_token_reads_me_and_is_listed_without_its_secret,
    business_list_needs_a_business_or_me_scope,
    revoked_and_expired_tokens_are_refused,
    tokens_are_refused_outside_their_owner_and_scopes,
);
