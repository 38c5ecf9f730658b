//! Citizens' rights under UU PDP through HTTP: correction and deletion requests, officers
//! resolving them within their regions (every opening logged), and an erased account that
//! leaves the audit log intact.

use satupintu::db::Db;
use serde_json::Value;
use sqlx::Row;

use crate::browser::{Browser, Page};
use crate::identity::{
    NIK_KARANG_PILANG, NIK_WONOCOLO, PASSWORD, citizen, create_officer, officer_session, sign_in,
};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    citizens_request_correction_and_deletion_one_open_request_of_each_kind,
    agency_admin_resolves_a_correction_and_every_opening_is_logged,
    officers_outside_the_citizens_region_or_role_cannot_see_requests,
    deletion_carried_out_erases_the_account_and_keeps_the_audit_log,
);

async fn request<'a>(browser: &mut Browser<'a>, kind: &str, text: &str) -> Page {
    browser.get("/akun/privasi").await;
    browser.post("/akun/privasi", &[("jenis", kind), ("rincian", text)]).await
}

/// The numbers of the requests a page links to under `/admin/privasi/`.
fn linked_requests(body: &str) -> Vec<i64> {
    body.split("href=\"/admin/privasi/").skip(1).filter_map(|s| s.split('"').next()?.parse().ok()).collect()
}

/// The newest request number on the citizen's page.
fn newest_request(body: &str) -> i64 {
    body.split("<td>#")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|n| n.parse().ok())
        .expect("a request")
}

async fn count(db: &Db, sql: &'static str, account_id: i64) -> i64 {
    sqlx::query(sql).bind(account_id).fetch_one(db.pool()).await.expect("count").get("n")
}

async fn tree_size(app: &TestApp) -> u64 {
    app.json("/api/v1/transparency/sth", 200).await["tree_size"].as_u64().expect("tree size")
}

async fn citizens_request_correction_and_deletion_one_open_request_of_each_kind(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    assert!(siti.get("/akun").await.body.contains("href=\"/akun/privasi\""), "linked from the account");
    let page = siti.get("/akun/privasi").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Nomor 27 Tahun 2022") && page.body.contains("href=\"/akun/unduh\""));
    assert!(page.body.contains("Kearsipan"), "says what is kept after deletion, and why");
    let before = tree_size(&app).await;

    let page = request(&mut siti, "correction", "salah").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("paling sedikit 10 karakter") && page.body.contains("aria-invalid=\"true\""));
    let page = request(&mut siti, "pengaduan", "Nama saya salah ketik di akun ini.").await;
    assert_eq!(page.status, 400, "unknown kind");
    let text = "Nama saya tertulis Siti Rahayu, seharusnya Siti Rahayu Ningsih.";
    let page = request(&mut siti, "correction", text).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/akun/privasi"));
    let page = request(&mut siti, "correction", "Tanggal lahir saya juga keliru.").await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("masih diproses"), "{}", page.body);
    let page = request(&mut siti, "deletion", "").await;
    assert_eq!(page.status, 303, "a deletion needs no reason");
    let page = request(&mut siti, "deletion", "Saya pindah domisili.").await;
    assert_eq!(page.status, 409);
    assert_eq!(tree_size(&app).await, before + 2, "each request is one audit entry; refusals none");

    let page = siti.get("/akun/privasi").await;
    assert_eq!(page.body.matches("Sedang diproses").count(), 2, "{}", page.body);
    assert!(page.body.contains("Perbaikan data") && page.body.contains("Penghapusan akun"));
    // Officers have no citizen data to correct here.
    let officer = create_officer(&app, "petugas@surabaya.test", "officer", Some("disdukcapil"), None);
    let mut desk = officer_session(&app, &officer).await;
    assert_eq!(desk.get("/akun/privasi").await.status, 403);
    app.stop().await;
}

async fn agency_admin_resolves_a_correction_and_every_opening_is_logged(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    let text = "Nama saya tertulis Siti Rahayu, seharusnya Siti Rahayu Ningsih.";
    assert_eq!(request(&mut siti, "correction", text).await.status, 303);
    let id = newest_request(&siti.get("/akun/privasi").await.body);
    let admin =
        create_officer(&app, "admin@disdukcapil.test", "agency_admin", Some("disdukcapil"), Some("35.78"));
    let mut desk = officer_session(&app, &admin).await;
    let home = desk.get("/admin").await;
    assert!(home.body.contains("href=\"/admin/privasi\"") && home.body.contains("href=\"/admin/petugas\""));
    let list = desk.get("/admin/privasi").await;
    assert_eq!(list.status, 200);
    assert_eq!(linked_requests(&list.body), [id]);
    assert!(!list.body.contains("Siti"), "no personal data before a logged opening");

    let page = desk.get(&format!("/admin/privasi/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(NIK_KARANG_PILANG) && page.body.contains(text));
    let purpose = format!("Permintaan privasi #{id}");
    assert!(siti.get("/akun/akses").await.body.contains(&purpose), "the opening is on the access page");

    // Bad input: every field named, nothing written, and no personal data shown unlogged.
    let path = format!("/admin/privasi/{id}");
    let page =
        desk.post(&path, &[("keputusan", "done"), ("jawaban", ""), ("nama", "S"), ("telepon", "12")]).await;
    assert_eq!(page.status, 400);
    assert_eq!(page.body.matches("class=\"error\"").count(), 3, "{}", page.body);
    assert!(!page.body.contains(NIK_KARANG_PILANG));
    let page = desk.post(&path, &[("jawaban", "Sudah diperiksa."), ("nama", "Siti")]).await;
    assert_eq!(page.status, 400, "a decision is required");

    let resolution = "Nama sudah diperbaiki sesuai KTP-el.";
    let fields = [
        ("keputusan", "done"),
        ("jawaban", resolution),
        ("nama", "Siti Rahayu Ningsih"),
        ("telepon", "0813 1111 2222"),
    ];
    let page = desk.post(&path, &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = desk.post(&path, &[("keputusan", "refused"), ("jawaban", "Berubah pikiran.")]).await;
    assert_eq!(page.status, 409, "a request is resolved once");

    let page = siti.get("/akun/privasi").await;
    assert!(page.body.contains("Selesai") && page.body.contains(resolution), "{}", page.body);
    let export: Value = serde_json::from_str(&siti.get("/akun/unduh").await.body).expect("json");
    assert_eq!(export["name"], "Siti Rahayu Ningsih");
    assert_eq!(export["phone"], "081311112222");
    assert_eq!(export["accesses"].as_array().expect("accesses").len(), 1);
    // A resolved request is listed as closed and opens without reading personal data.
    let page = desk.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(NIK_KARANG_PILANG) && !page.body.contains("name=\"keputusan\""));
    let export: Value = serde_json::from_str(&siti.get("/akun/unduh").await.body).expect("json");
    assert_eq!(export["accesses"].as_array().expect("accesses").len(), 1, "nothing more was read");

    // A refusal changes nothing but the request.
    assert_eq!(
        request(&mut siti, "correction", "Nomor ponsel saya sudah tidak aktif lagi.").await.status,
        303
    );
    let second = newest_request(&siti.get("/akun/privasi").await.body);
    desk.get(&format!("/admin/privasi/{second}")).await;
    let page = desk
        .post(
            &format!("/admin/privasi/{second}"),
            &[("keputusan", "refused"), ("jawaban", "Nomor baru belum dapat diverifikasi."), ("nama", "X")],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let export: Value = serde_json::from_str(&siti.get("/akun/unduh").await.body).expect("json");
    assert_eq!(export["name"], "Siti Rahayu Ningsih");
    assert!(siti.get("/akun/privasi").await.body.contains("Nomor baru belum dapat diverifikasi."));
    app.stop().await;
}

async fn officers_outside_the_citizens_region_or_role_cannot_see_requests(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    assert_eq!(request(&mut siti, "deletion", "").await.status, 303);
    let id = newest_request(&siti.get("/akun/privasi").await.body);
    let path = format!("/admin/privasi/{id}");

    // An agency administrator of Genteng (35.78.07) does not cover Karang Pilang (35.78.01).
    let genteng = create_officer(
        &app,
        "admin@genteng.test",
        "agency_admin",
        Some("kecamatan-genteng"),
        Some("35.78.07"),
    );
    let mut desk = officer_session(&app, &genteng).await;
    let list = desk.get("/admin/privasi").await;
    assert_eq!(list.status, 200);
    assert!(linked_requests(&list.body).is_empty(), "{}", list.body);
    assert_eq!(desk.get(&path).await.status, 403);
    desk.get("/akun").await;
    let page = desk.post(&path, &[("keputusan", "done"), ("jawaban", "Dihapus.")]).await;
    assert_eq!(page.status, 403);
    assert_eq!(desk.get("/admin/privasi/999999").await.status, 404);

    // An officer reads citizens but does not handle privacy requests.
    let officer =
        create_officer(&app, "petugas@disdukcapil.test", "officer", Some("disdukcapil"), Some("35.78"));
    let mut clerk = officer_session(&app, &officer).await;
    assert_eq!(clerk.get("/admin/privasi").await.status, 403);
    assert_eq!(clerk.get(&path).await.status, 403);
    assert!(!clerk.get("/admin").await.body.contains("/admin/privasi"));

    // Citizens never reach the officers' pages.
    assert_eq!(siti.get("/admin/privasi").await.status, 403);
    // Nothing was read, and the request is still open.
    assert!(siti.get("/akun/akses").await.body.contains("Belum ada petugas"));
    assert!(siti.get("/akun/privasi").await.body.contains("Sedang diproses"));
    app.stop().await;
}

async fn deletion_carried_out_erases_the_account_and_keeps_the_audit_log(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    let mut dewi = citizen(&app, NIK_WONOCOLO, "dewi@warga.test").await;
    let admin =
        create_officer(&app, "admin@disdukcapil.test", "agency_admin", Some("disdukcapil"), Some("35.78"));
    let mut desk = officer_session(&app, &admin).await;
    // Dewi's record is read once, for the check at the end.
    let page = desk.get(&format!("/admin/warga?nik={NIK_WONOCOLO}&keperluan=Permohonan+KK-2026-0007")).await;
    assert_eq!(page.status, 200);

    assert_eq!(request(&mut siti, "deletion", "Saya tidak lagi memakai layanan ini.").await.status, 303);
    let id = newest_request(&siti.get("/akun/privasi").await.body);
    let path = format!("/admin/privasi/{id}");
    assert!(desk.get(&path).await.body.contains("dianonimkan"), "the officer is warned");
    let before = tree_size(&app).await;
    let page = desk.post(&path, &[("keputusan", "done"), ("jawaban", "Akun Anda telah dihapus.")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("dianonimkan"));
    assert_eq!(tree_size(&app).await, before + 1, "the resolution is an audit entry");

    // The citizen is signed out everywhere and cannot sign in again; nothing is left to export.
    assert_eq!(siti.get("/akun/unduh").await.status, 303);
    assert_eq!(siti.get("/akun").await.status, 303);
    let mut again = Browser::new(&app);
    assert_eq!(sign_in(&mut again, "siti@warga.test", PASSWORD).await.status, 401);

    let db = Db::connect_lazy(&app.database_url, 1).expect("db");
    let row = sqlx::query(
        "SELECT id, name, email, nik_index, nik_sealed, nik_district, phone_sealed, birth_date_sealed, \
                totp_secret_sealed, disabled_at, password_hash FROM accounts WHERE name = 'Akun dihapus'",
    )
    .fetch_one(db.pool())
    .await
    .expect("the erased account");
    for column in [
        "email",
        "nik_index",
        "nik_sealed",
        "nik_district",
        "phone_sealed",
        "birth_date_sealed",
        "totp_secret_sealed",
    ] {
        assert!(row.try_get::<Option<String>, _>(column).expect(column).is_none(), "{column} cleared");
    }
    assert!(row.try_get::<Option<i64>, _>("disabled_at").expect("disabled").is_some());
    assert!(row.try_get::<String, _>("password_hash").expect("hash").starts_with("$argon2id$"));
    let erased: i64 = row.try_get("id").expect("id");
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM sessions WHERE account_id = $1", erased).await, 0);
    let kept = count(&db, "SELECT COUNT(*) AS n FROM data_access_log WHERE citizen_id = $1", erased).await;
    assert_eq!(kept, 1, "the access log stays");
    let blanked = count(
        &db,
        "SELECT COUNT(*) AS n FROM privacy_requests WHERE account_id = $1 AND details = ''",
        erased,
    )
    .await;
    assert_eq!(blanked, 1, "what the citizen wrote goes too");
    let report = satupintu::audit::verify::verify(&db).await.expect("verify");
    assert_eq!(report.tamper, None, "the audit log still verifies");
    db.close().await;

    // The other citizen is unaffected.
    let page = dewi.get("/akun/akses").await;
    assert!(page.body.contains("Permohonan KK-2026-0007"), "{}", page.body);
    let export: Value = serde_json::from_str(&dewi.get("/akun/unduh").await.body).expect("json");
    assert_eq!(export["nik"], NIK_WONOCOLO);
    // The erased account's request stays listed for the installation's administrators only.
    assert!(linked_requests(&desk.get("/admin/privasi").await.body).is_empty());
    assert_eq!(desk.get(&path).await.status, 403);
    app.stop().await;
}
