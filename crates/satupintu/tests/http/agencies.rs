//! Agency administration through HTTP: administrators create agencies (unique URL names,
//! checked fields), agency administrators edit only their own agency, other roles are
//! refused, and every save is an audit entry the public directory reflects at once.

use crate::browser::{Browser, Page};
use crate::identity::{create_officer, officer_session};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    admin_creates_an_agency_shown_in_the_directory_and_the_api,
    a_duplicate_acronym_is_refused_with_409,
    invalid_agency_fields_are_refused_with_messages_and_nothing_saved,
    agency_admin_edits_only_their_own_agency,
    officers_without_an_administrator_role_are_refused,
);

async fn tree_size(app: &TestApp) -> u64 {
    app.json("/api/v1/transparency/sth", 200).await["tree_size"].as_u64().expect("tree size")
}

/// A complete, valid agency form with this acronym and these hours.
fn fields<'a>(acronym: &'a str, hours: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("nama", "Badan Penanggulangan Bencana Daerah"),
        ("nama_en", "Regional Disaster Management Agency"),
        ("singkatan", acronym),
        ("alamat", "Jl. Jemursari No. 197, Surabaya"),
        ("telepon", "(031) 8490 123"),
        ("email", "bpbd@surabaya.test"),
        ("jam", hours),
        ("jam_en", "Monday–Friday 08.00–16.00"),
        ("deskripsi", "Menangani kesiapsiagaan dan tanggap darurat bencana."),
        ("deskripsi_en", "Handles disaster preparedness and emergency response."),
    ]
}

async fn create<'a>(browser: &mut Browser<'a>, acronym: &str) -> Page {
    assert_eq!(browser.get("/admin/instansi/baru").await.status, 200);
    let mut form = fields(acronym, "Senin–Jumat 08.00–16.00");
    form.push(("wilayah", "35.78"));
    browser.post("/admin/instansi/baru", &form).await
}

async fn admin_creates_an_agency_shown_in_the_directory_and_the_api(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = create_officer(&app, "admin@surabaya.test", "admin", None, None);
    let mut browser = officer_session(&app, &admin).await;
    assert!(browser.get("/admin").await.body.contains("href=\"/admin/instansi\""));
    let list = browser.get("/admin/instansi").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("/admin/instansi/baru"));
    assert!(list.body.contains("/admin/instansi/dinkes"));
    assert!(list.body.contains("/admin/instansi/kecamatan-genteng"));
    let before = tree_size(&app).await;
    let page = create(&mut browser, "BPBD Kota").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/instansi/bpbd-kota"));
    assert_eq!(tree_size(&app).await, before + 1);
    assert!(app.page("/instansi", 200).await.contains("Badan Penanggulangan Bencana Daerah"));
    assert!(app.page("/instansi/bpbd-kota", 200).await.contains("Jl. Jemursari No. 197"));
    let api = app.json("/api/v1/agencies?limit=50", 200).await;
    assert!(api.to_string().contains("\"bpbd-kota\""), "{api}");
    let one = app.json("/api/v1/agencies/bpbd-kota", 200).await;
    assert_eq!(one["email"], "bpbd@surabaya.test");
    // The new agency is searchable like the imported ones.
    assert!(app.page("/cari?q=penanggulangan", 200).await.contains("/instansi/bpbd-kota"));
    app.stop().await;
}

async fn a_duplicate_acronym_is_refused_with_409(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = create_officer(&app, "admin@surabaya.test", "admin", None, None);
    let mut browser = officer_session(&app, &admin).await;
    assert_eq!(create(&mut browser, "BPBD").await.status, 303);
    let before = tree_size(&app).await;
    let page = create(&mut browser, "bpbd").await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("/instansi/bpbd sudah dipakai"), "{}", page.body);
    let page = create(&mut browser, "Disdukcapil").await;
    assert_eq!(page.status, 409);
    assert_eq!(tree_size(&app).await, before);
    // The demo agency keeps its own name.
    assert!(!app.page("/instansi/disdukcapil", 200).await.contains("Penanggulangan Bencana"));
    app.stop().await;
}

async fn invalid_agency_fields_are_refused_with_messages_and_nothing_saved(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = create_officer(&app, "admin@surabaya.test", "admin", None, None);
    let mut browser = officer_session(&app, &admin).await;
    let before = tree_size(&app).await;
    browser.get("/admin/instansi/baru").await;
    let mut form = fields("BPBD", "");
    form.retain(|(name, _)| *name != "nama" && *name != "email");
    form.extend([("nama", "  "), ("email", "bukan-email"), ("wilayah", "99.99")]);
    let page = browser.post("/admin/instansi/baru", &form).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("Wajib diisi."));
    assert!(page.body.contains("Alamat email tidak valid."));
    assert!(page.body.contains("Kode wilayah tidak ditemukan."));
    assert!(page.body.contains("href=\"#jam\""), "the summary links to the field");
    let mut form = fields("…", "Senin");
    form.push(("wilayah", "35.78"));
    let page = browser.post("/admin/instansi/baru", &form).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Singkatan harus memuat"));
    // An administrator of Surabaya may not place an agency in Jakarta.
    let mut form = fields("BPBD", "Senin–Jumat");
    form.push(("wilayah", "31.71"));
    let page = browser.post("/admin/instansi/baru", &form).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("di luar wilayah kewenangan"));
    // Without the form's token nothing happens.
    let mut form = fields("BPBD", "Senin–Jumat");
    form.push(("wilayah", "35.78"));
    assert_eq!(browser.post_with("/admin/instansi/baru", &form, None, &[]).await.status, 403);
    assert_eq!(browser.post_with("/admin/instansi/dinkes", &form, None, &[]).await.status, 403);
    assert_eq!(tree_size(&app).await, before);
    assert_eq!(app.get("/instansi/bpbd").await.status().as_u16(), 404);
    app.stop().await;
}

async fn agency_admin_edits_only_their_own_agency(store: Store) {
    let app = TestApp::spawn(store).await;
    let head =
        create_officer(&app, "kepala@disdukcapil.test", "agency_admin", Some("disdukcapil"), Some("35.78"));
    let mut browser = officer_session(&app, &head).await;
    let list = browser.get("/admin/instansi").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("/admin/instansi/disdukcapil"));
    assert!(!list.body.contains("/admin/instansi/dinkes"));
    assert!(!list.body.contains("/admin/instansi/baru"));
    let form_page = browser.get("/admin/instansi/disdukcapil").await;
    assert_eq!(form_page.status, 200);
    assert!(!form_page.body.contains("name=\"wilayah\""), "only administrators move agencies");
    let before = tree_size(&app).await;
    let hours = "Senin–Sabtu 07.30–15.00";
    let page = browser.post("/admin/instansi/disdukcapil", &fields("DISDUKCAPIL", hours)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(tree_size(&app).await, before + 1);
    assert!(app.page("/instansi/disdukcapil", 200).await.contains(hours));
    assert!(!browser.get("/admin/instansi/disdukcapil").await.body.contains("value=\"1\" checked"));
    // The agency chooses to work on collective leave days; its SLA clocks then skip only
    // weekends and national holidays.
    let mut working = fields("DISDUKCAPIL", hours);
    working.push(("cuti_bersama", "1"));
    assert_eq!(browser.post("/admin/instansi/disdukcapil", &working).await.status, 303);
    assert!(browser.get("/admin/instansi/disdukcapil").await.body.contains("value=\"1\" checked"));
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let worked: i64 =
        sqlx::query_scalar("SELECT collective_leave_worked FROM agencies WHERE slug = 'disdukcapil'")
            .fetch_one(&db)
            .await
            .expect("policy");
    assert_eq!(worked, 1);
    // Moving the agency to another region is an administrator's decision.
    let mut moved = fields("DISDUKCAPIL", hours);
    moved.push(("wilayah", "35.78.07"));
    assert_eq!(browser.post("/admin/instansi/disdukcapil", &moved).await.status, 403);
    assert_eq!(browser.get("/admin/instansi/dinkes").await.status, 403);
    assert_eq!(browser.post("/admin/instansi/dinkes", &fields("DINKES", hours)).await.status, 403);
    assert_eq!(browser.get("/admin/instansi/baru").await.status, 403);
    let mut new = fields("BPBD", hours);
    new.push(("wilayah", "35.78"));
    assert_eq!(browser.post("/admin/instansi/baru", &new).await.status, 403);
    assert_eq!(tree_size(&app).await, before + 2);
    assert!(!app.page("/instansi/dinkes", 200).await.contains(hours));
    app.stop().await;
}

async fn officers_without_an_administrator_role_are_refused(store: Store) {
    let app = TestApp::spawn(store).await;
    let clerk = create_officer(&app, "loket@surabaya.test", "officer", Some("disdukcapil"), Some("35.78"));
    let mut browser = officer_session(&app, &clerk).await;
    assert!(!browser.get("/admin").await.body.contains("/admin/instansi"));
    assert_eq!(browser.get("/admin/instansi").await.status, 403);
    assert_eq!(browser.get("/admin/instansi/disdukcapil").await.status, 403);
    assert_eq!(browser.get("/admin/instansi/baru").await.status, 403);
    app.stop().await;
}
