//! Businesses through HTTP: registration with NIB and NPWP, members only, invitations by
//! mail, delegates accepted and removed, and the API's list.

use serde_json::Value;
use sqlx::Row;

use crate::browser::{Browser, Page};
use crate::identity::{NIK_GAMBIR, NIK_KARANG_PILANG, NIK_WONOCOLO, PASSWORD, citizen, mail_link};
use crate::store_tests;
use crate::support::{Store, TestApp};

const NIB: &str = "9120001234567";
/// A published old-format NPWP, written dotted; stored as its 15 digits.
const NPWP_DOTTED: &str = "02.183.241.5-000.000";
const NPWP_DIGITS: &str = "021832415000000";
const NAME: &str = "CV Kue Lapis Karang Pilang";

async fn register_business<'a>(browser: &mut Browser<'a>, name: &str, nib: &str, npwp: &str) -> Page {
    browser.get("/akun/usaha").await;
    browser.post("/akun/usaha", &[("nama_usaha", name), ("nib", nib), ("npwp", npwp)]).await
}

/// The business id from the page a registration redirects to.
fn business_path(page: &Page) -> String {
    let location = page.location.as_deref().expect("redirect");
    assert!(location.starts_with("/akun/usaha/"), "{location}");
    location.split('?').next().expect("path").to_string()
}

async fn open_db(app: &TestApp) -> satupintu::db::Db {
    satupintu::db::Db::connect_lazy(&app.database_url, 1).expect("db")
}

async fn count(db: &satupintu::db::Db, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
        .fetch_one(db.pool())
        .await
        .expect("count")
        .get("n")
}

/// Every audit leaf, as text.
async fn audit_leaves(db: &satupintu::db::Db) -> Vec<String> {
    sqlx::query("SELECT leaf FROM audit_entries ORDER BY leaf_index")
        .fetch_all(db.pool())
        .await
        .expect("leaves")
        .iter()
        .map(|row| String::from_utf8(row.get::<Vec<u8>, _>("leaf")).expect("utf-8"))
        .collect()
}

async fn citizen_registers_a_business_and_sees_it_listed(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    let account = siti.get("/akun").await;
    assert!(account.body.contains("href=\"/akun/usaha\"") && account.body.contains("Usaha saya"));
    let page = siti.get("/akun/usaha").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Anda belum memiliki atau mewakili usaha"), "{}", page.body);
    let page = register_business(&mut siti, &format!("  {NAME} "), &format!(" {NIB} "), NPWP_DOTTED).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let path = business_path(&page);
    let detail = siti.get(page.location.as_deref().expect("location")).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("Usaha Anda telah terdaftar"), "{}", detail.body);
    assert!(detail.body.contains(NAME) && detail.body.contains(NIB) && detail.body.contains(NPWP_DOTTED));
    assert!(detail.body.contains("Undang wakil"), "owners see the invitation form");
    let list = siti.get("/akun/usaha").await;
    assert!(list.body.contains(&format!("href=\"{path}\"")), "{}", list.body);
    assert!(list.body.contains(NAME) && list.body.contains(NPWP_DOTTED) && list.body.contains("Pemilik"));
    // In English too.
    siti.get("/bahasa/en?kembali=/akun/usaha").await;
    let list = siti.get("/akun/usaha").await;
    assert!(list.body.contains("My businesses") && list.body.contains("Owner"), "{}", list.body);

    let db = open_db(&app).await;
    let row = sqlx::query("SELECT b.name, b.nib, b.npwp, m.role FROM businesses b JOIN business_members m ON m.business_id = b.id")
        .fetch_one(db.pool())
        .await
        .expect("business");
    assert_eq!(row.get::<String, _>("name"), NAME);
    assert_eq!(row.get::<String, _>("nib"), NIB);
    assert_eq!(row.get::<String, _>("npwp"), NPWP_DIGITS, "stored as bare digits");
    assert_eq!(row.get::<String, _>("role"), "owner");
    let leaves = audit_leaves(&db).await;
    let leaf = leaves.iter().find(|l| l.contains("business.register")).expect("audit entry");
    let id = path.trim_start_matches("/akun/usaha/");
    assert!(leaf.contains(&format!("\"business/{id}\"")), "{leaf}");
    for leaf in &leaves {
        assert!(!leaf.contains(NIB) && !leaf.contains(NPWP_DIGITS) && !leaf.contains("Kue"), "{leaf}");
    }
    db.close().await;
    app.stop().await;
}

async fn each_malformed_nib_and_npwp_gets_its_field_message_and_creates_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    for (name, nib, npwp, field, message) in [
        ("", NIB, NPWP_DOTTED, "nama_usaha", "Tuliskan nama usaha"),
        (NAME, "", NPWP_DOTTED, "nib", "Tuliskan NIB usaha: 13 angka."),
        (NAME, "912000123456", NPWP_DOTTED, "nib", "NIB harus tepat 13 angka; yang Anda tulis 12 angka."),
        (NAME, "91200012345678", NPWP_DOTTED, "nib", "yang Anda tulis 14 angka"),
        (NAME, "912000123456A", NPWP_DOTTED, "nib", "NIB hanya boleh berisi angka 0–9"),
        (NAME, "9120-0012-34567", NPWP_DOTTED, "nib", "NIB hanya boleh berisi angka 0–9"),
        (NAME, NIB, "", "npwp", "Tuliskan NPWP usaha"),
        (NAME, NIB, "01312166009100", "npwp", "yang Anda tulis berisi 14 angka"),
        (NAME, NIB, "35780147089000011", "npwp", "yang Anda tulis berisi 17 angka"),
        (NAME, NIB, "O13121660091000", "npwp", "NPWP hanya boleh berisi angka 0–9"),
        (NAME, NIB, "01 312 166 0 091 000", "npwp", "NPWP hanya boleh berisi angka 0–9"),
        (NAME, NIB, "013121670091000", "npwp", "Angka ke-9 NPWP (angka pemeriksa) tidak cocok"),
        (NAME, NIB, "01.312.166.1-091.000", "npwp", "angka pemeriksa"),
        (NAME, NIB, "013.121.660-091.000", "npwp", "Letak titik dan tanda hubung NPWP"),
        (NAME, NIB, "3578.0147.0890.0001", "npwp", "Letak titik dan tanda hubung NPWP"),
    ] {
        let page = register_business(&mut siti, name, nib, npwp).await;
        let case = format!("{name:?} {nib:?} {npwp:?}");
        assert_eq!(page.status, 400, "{case}");
        assert!(page.body.contains(message), "{case}: {}", page.body);
        assert!(page.body.contains(&format!("id=\"{field}-error\"")), "{case}: the message is at its field");
        assert!(page.body.contains(&format!("href=\"#{field}\"")), "{case}: and in the summary");
    }
    // Both wrong at once: both fields say what is wrong.
    let page = register_business(&mut siti, NAME, "12345", "013121670091000").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("yang Anda tulis 5 angka") && page.body.contains("angka pemeriksa"));
    // The English messages name the same problems.
    siti.get("/bahasa/en?kembali=/akun/usaha").await;
    let page = register_business(&mut siti, NAME, "912000123456", "013121670091000").await;
    assert!(page.body.contains("The NIB must be exactly 13 digits; you entered 12."), "{}", page.body);
    assert!(page.body.contains("the check digit"), "{}", page.body);
    let db = open_db(&app).await;
    assert_eq!(count(&db, "businesses").await, 0);
    assert_eq!(count(&db, "business_members").await, 0);
    assert!(!audit_leaves(&db).await.iter().any(|l| l.contains("business.")));
    db.close().await;
    // A 16-digit NPWP is accepted as it is.
    let page = register_business(&mut siti, NAME, NIB, "3578014708900001").await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.stop().await;
}

async fn a_registered_nib_is_refused_without_revealing_its_owner(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    assert_eq!(register_business(&mut siti, NAME, NIB, NPWP_DOTTED).await.status, 303);
    let mut dewi = citizen(&app, NIK_WONOCOLO, "dewi@warga.test").await;
    let page = register_business(&mut dewi, "UD Lain", NIB, "3578014708900001").await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("NIB ini sudah terdaftar") && page.body.contains("DPMPTSP"), "{}", page.body);
    assert!(page.body.contains("id=\"nib-error\""));
    assert!(
        !page.body.contains(NAME)
            && !page.body.contains("siti@warga.test")
            && !page.body.contains(NPWP_DOTTED)
    );
    // The same for the owner, who sees it in the list anyway.
    assert_eq!(register_business(&mut siti, NAME, NIB, NPWP_DOTTED).await.status, 409);
    let db = open_db(&app).await;
    assert_eq!(count(&db, "businesses").await, 1);
    assert_eq!(count(&db, "business_members").await, 1);
    db.close().await;
    app.stop().await;
}

/// The account id in the first remove button of a business page.
fn removable_account(body: &str) -> String {
    let start = body.find("/anggota/").expect("a remove button") + "/anggota/".len();
    body[start..].split('/').next().expect("id").to_string()
}

async fn invited_delegate_accepts_acts_for_the_business_and_is_removed(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    let mut dewi = citizen(&app, NIK_WONOCOLO, "dewi@warga.test").await;
    let mut budi = citizen(&app, NIK_GAMBIR, "budi@warga.test").await;
    let page = register_business(&mut siti, NAME, NIB, NPWP_DOTTED).await;
    let path = business_path(&page);

    // Not members: the business does not exist for them, nor do ids that name nothing.
    assert_eq!(dewi.get(&path).await.status, 404);
    assert_eq!(budi.get(&path).await.status, 404);
    assert_eq!(budi.get("/akun/usaha/999999").await.status, 404);
    assert_eq!(budi.get("/akun/usaha/bukan-angka").await.status, 404);
    budi.get("/akun").await;
    assert_eq!(budi.post(&format!("{path}/undang"), &[("email", "budi@warga.test")]).await.status, 404);

    // A bad address is a field error; the invitation goes out by mail.
    siti.get(&path).await;
    let page = siti.post(&format!("{path}/undang"), &[("email", "bukan-surel")]).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("id=\"email-error\""), "{}", page.body);
    let page = siti.post(&format!("{path}/undang"), &[("email", "siti@warga.test")]).await;
    assert_eq!(page.status, 409, "the owner is already a member");
    let page = siti.post(&format!("{path}/undang"), &[("email", " Dewi@Warga.test ")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some(format!("{path}?pesan=terkirim").as_str()));
    assert!(
        siti.get(page.location.as_deref().expect("location")).await.body.contains("Undangan telah dikirim")
    );
    let link = mail_link(&app, "dewi@warga.test", "/akun/undangan/").await;
    let mail = app
        .mail
        .messages()
        .into_iter()
        .find(|m| m.to.iter().any(|t| t == "dewi@warga.test") && m.find_link("/akun/undangan/").is_some())
        .expect("invitation mail");
    assert!(mail.subject().is_some_and(|s| s.contains(NAME)), "{:?}", mail.subject());

    // Anonymous readers sign in first and come back.
    let mut stranger = Browser::new(&app);
    let page = stranger.get(&link).await;
    assert_eq!(page.status, 303);
    assert!(
        page.location.as_deref().is_some_and(|l| l.starts_with("/akun/masuk?kembali=")),
        "{:?}",
        page.location
    );

    // Someone else's account cannot use it.
    let page = budi.get(&link).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("dikirim ke alamat surel lain") && !page.body.contains(NAME), "{}", page.body);
    budi.get("/akun").await;
    let page = budi.post(&link, &[]).await;
    assert_eq!(page.status, 403);
    assert_eq!(budi.get(&path).await.status, 404);

    // The invitee sees the business's name and accepts, once.
    let page = dewi.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(NAME) && page.body.contains("Terima undangan"));
    let page = dewi.post(&link, &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some(format!("{path}?pesan=diterima").as_str()));
    let detail = dewi.get(&path).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("Pemilik") && detail.body.contains("Wakil"));
    assert!(
        !detail.body.contains("Undang wakil") && !detail.body.contains("/hapus"),
        "delegates manage no one"
    );
    let list = dewi.get("/akun/usaha").await;
    assert!(list.body.contains(NAME) && list.body.contains("Wakil"), "{}", list.body);
    let page = dewi.post(&link, &[]).await;
    assert_eq!(page.status, 409, "an invitation works once");
    assert!(page.body.contains("sudah dipakai"));
    assert_eq!(budi.post(&link, &[]).await.status, 409);
    assert_eq!(dewi.get("/akun/undangan/tidak-ada").await.status, 404);

    // A delegate may not invite or remove.
    dewi.get(&path).await;
    assert_eq!(dewi.post(&format!("{path}/undang"), &[("email", "budi@warga.test")]).await.status, 403);

    // The owner sees the delegate with a remove button, and removes them.
    let detail = siti.get(&path).await;
    let delegate = removable_account(&detail.body);
    assert_eq!(detail.body.matches("/hapus\"").count(), 1, "one button, for the delegate only");
    let remove = format!("{path}/anggota/{delegate}/hapus");
    assert_eq!(dewi.post(&remove, &[]).await.status, 403);
    let page = siti.post(&remove, &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(siti.get(page.location.as_deref().expect("location")).await.body.contains("Wakil telah dihapus"));
    assert_eq!(dewi.get(&path).await.status, 404);
    assert!(dewi.get("/akun/usaha").await.body.contains("Anda belum memiliki"));
    assert_eq!(siti.post(&remove, &[]).await.status, 404, "no longer a member");

    // The last owner stays.
    let db = open_db(&app).await;
    let owner: i64 = sqlx::query("SELECT account_id FROM business_members WHERE role = 'owner'")
        .fetch_one(db.pool())
        .await
        .expect("owner")
        .get("account_id");
    siti.get(&path).await;
    let page = siti.post(&format!("{path}/anggota/{owner}/hapus"), &[]).await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("Pemilik terakhir tidak dapat dihapus"), "{}", page.body);
    assert_eq!(count(&db, "business_members").await, 1);

    let leaves = audit_leaves(&db).await;
    let id = path.trim_start_matches("/akun/usaha/");
    for action in ["business.register", "business.invite", "business.accept", "business.remove_member"] {
        let leaf = leaves.iter().find(|l| l.contains(action)).unwrap_or_else(|| panic!("{action} audited"));
        assert!(leaf.contains(&format!("\"business/{id}")), "{leaf}");
    }
    assert_eq!(leaves.iter().filter(|l| l.contains("business.accept")).count(), 1);
    for leaf in &leaves {
        assert!(!leaf.contains("dewi@") && !leaf.contains(NIB) && !leaf.contains("Kue"), "{leaf}");
    }

    // An expired invitation is refused with 400.
    siti.get(&path).await;
    assert_eq!(siti.post(&format!("{path}/undang"), &[("email", "budi@warga.test")]).await.status, 303);
    let link = mail_link(&app, "budi@warga.test", "/akun/undangan/").await;
    sqlx::query("UPDATE email_tokens SET expires_at = expires_at - 8 * 24 * 60 * 60 WHERE purpose = 'invite' AND used_at IS NULL")
        .execute(db.pool())
        .await
        .expect("age");
    assert_eq!(budi.get(&link).await.status, 400);
    budi.get("/akun").await;
    let page = budi.post(&link, &[]).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("kedaluwarsa"), "{}", page.body);
    assert_eq!(budi.get(&path).await.status, 404);
    db.close().await;
    app.stop().await;
}

async fn business_forms_refuse_a_missing_csrf_token(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    siti.get("/akun/usaha").await;
    let fields = [("nama_usaha", NAME), ("nib", NIB), ("npwp", NPWP_DOTTED)];
    assert_eq!(siti.post_with("/akun/usaha", &fields, None, &[]).await.status, 403);
    assert_eq!(siti.post_with("/akun/usaha", &fields, Some("palsu"), &[]).await.status, 403);
    let page = register_business(&mut siti, NAME, NIB, NPWP_DOTTED).await;
    let path = business_path(&page);
    siti.get(&path).await;
    let invite = format!("{path}/undang");
    assert_eq!(siti.post_with(&invite, &[("email", "dewi@warga.test")], None, &[]).await.status, 403);
    let db = open_db(&app).await;
    assert_eq!(count(&db, "businesses").await, 1);
    let invites: i64 = sqlx::query("SELECT COUNT(*) AS n FROM email_tokens WHERE purpose = 'invite'")
        .fetch_one(db.pool())
        .await
        .expect("count")
        .get("n");
    assert_eq!(invites, 0);
    db.close().await;
    app.stop().await;
}

async fn api_lists_my_businesses_for_a_bearer_token(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    assert_eq!(register_business(&mut siti, NAME, NIB, NPWP_DOTTED).await.status, 303);
    assert_eq!(
        register_business(&mut siti, "UD Kedua", "9120001234568", "3578014708900001").await.status,
        303
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "siti@warga.test", "password": PASSWORD}))
        .send()
        .await
        .expect("token");
    assert_eq!(response.status().as_u16(), 201);
    let issued: Value = response.json().await.expect("json");
    let bearer = issued["token"].as_str().expect("token").to_string();
    let response =
        app.client.get(app.url("/api/v1/businesses")).bearer_auth(&bearer).send().await.expect("get");
    assert_eq!(response.status().as_u16(), 200);
    let list: Value = response.json().await.expect("json");
    let data = list["data"].as_array().expect("data");
    assert_eq!(data.len(), 2, "{list}");
    assert_eq!(data[0]["name"], NAME);
    assert_eq!(data[0]["nib"], NIB);
    assert_eq!(data[0]["npwp"], NPWP_DIGITS);
    assert_eq!(data[0]["role"], "owner");
    assert!(data[0]["id"].as_i64().is_some());
    assert!(list.get("next_cursor").is_none_or(Value::is_null), "{list}");
    // Pages follow the API's cursor convention.
    let response =
        app.client.get(app.url("/api/v1/businesses?limit=1")).bearer_auth(&bearer).send().await.expect("get");
    let first: Value = response.json().await.expect("json");
    assert_eq!(first["data"].as_array().expect("data").len(), 1);
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let response = app
        .client
        .get(app.url(&format!("/api/v1/businesses?limit=1&cursor={cursor}")))
        .bearer_auth(&bearer)
        .send()
        .await
        .expect("get");
    let second: Value = response.json().await.expect("json");
    assert_eq!(second["data"][0]["name"], "UD Kedua");
    // Another citizen's token lists nothing of hers; no token is 401.
    let _dewi = citizen(&app, NIK_WONOCOLO, "dewi@warga.test").await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "dewi@warga.test", "password": PASSWORD}))
        .send()
        .await
        .expect("token");
    let other: Value = response.json().await.expect("json");
    let other = other["token"].as_str().expect("token");
    let list: Value = app
        .client
        .get(app.url("/api/v1/businesses"))
        .bearer_auth(other)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(list["data"].as_array().expect("data").len(), 0);
    assert_eq!(app.get("/api/v1/businesses").await.status().as_u16(), 401);
    let response =
        app.client.get(app.url("/api/v1/businesses")).bearer_auth("palsu").send().await.expect("get");
    assert_eq!(response.status().as_u16(), 401);
    // The signed-in browser session may read it too.
    let page = siti.get("/api/v1/businesses").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(NIB));
    app.stop().await;
}

store_tests!(
    citizen_registers_a_business_and_sees_it_listed,
    each_malformed_nib_and_npwp_gets_its_field_message_and_creates_nothing,
    a_registered_nib_is_refused_without_revealing_its_owner,
    invited_delegate_accepts_acts_for_the_business_and_is_removed,
    business_forms_refuse_a_missing_csrf_token,
    api_lists_my_businesses_for_a_bearer_token,
);
