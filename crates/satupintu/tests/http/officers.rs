//! Officer management through HTTP: creating officers (the one-time password and second
//! factor shown once, and working), the scope of agency administrators, and revocation that
//! never removes the installation's last administrator.

use satupintu::db::Db;
use sqlx::Row;

use crate::browser::{Browser, Page};
use crate::identity::{NewOfficer, base32_decode, create_officer, officer_session};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    admin_creates_an_officer_whose_one_time_password_and_key_work,
    agency_admin_grants_only_working_roles_in_their_own_agency_and_region,
    the_last_administrator_role_cannot_be_revoked,
);

async fn account_id(app: &TestApp, email: &str) -> i64 {
    let db = Db::connect_lazy(&app.database_url, 1).expect("db");
    let id = sqlx::query("SELECT id FROM accounts WHERE email = $1")
        .bind(email)
        .fetch_one(db.pool())
        .await
        .expect("account")
        .get("id");
    db.close().await;
    id
}

async fn add_officer<'a>(
    browser: &mut Browser<'a>,
    email: &str,
    role: &str,
    agency: &str,
    region: &str,
) -> Page {
    browser.get("/admin/petugas").await;
    browser
        .post(
            "/admin/petugas",
            &[
                ("email", email),
                ("nama", "Budi Santoso"),
                ("peran", role),
                ("instansi", agency),
                ("wilayah", region),
            ],
        )
        .await
}

async fn tree_size(app: &TestApp) -> u64 {
    app.json("/api/v1/transparency/sth", 200).await["tree_size"].as_u64().expect("tree size")
}

/// The text of the element with this id on a page (HTML entities of URIs undone).
fn text_of(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = body.find(&marker).expect(id) + marker.len();
    body[start..]
        .split('<')
        .next()
        .expect(id)
        .replace("&amp;", "&")
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
}

/// The revoke buttons' targets on an officer's page.
fn revoke_paths(body: &str) -> Vec<String> {
    body.split("action=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|a| a.ends_with("/cabut"))
        .map(str::to_string)
        .collect()
}

async fn admin_creates_an_officer_whose_one_time_password_and_key_work(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = create_officer(&app, "admin@surabaya.test", "admin", None, None);
    let mut desk = officer_session(&app, &admin).await;
    let page = desk.get("/admin/petugas").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("admin@surabaya.test") && page.body.contains("Administrator"));

    let page = add_officer(&mut desk, "bukan-surel", "officer", "disdukcapil", "35.78.01").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("aria-invalid=\"true\""));
    let page = add_officer(&mut desk, "budi@surabaya.test", "officer", "", "35.78.99").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("memerlukan instansi") && page.body.contains("Tidak ada wilayah"));
    let page = add_officer(&mut desk, "budi@surabaya.test", "officer", "disdukcapil", "31.71").await;
    assert_eq!(page.status, 403, "outside the installation's region");

    let page = add_officer(&mut desk, "Budi@Surabaya.test", "officer", "disdukcapil", "35.78.01").await;
    assert_eq!(page.status, 201, "{}", page.body);
    assert!(page.body.contains("<svg") && page.body.contains("hanya ditampilkan sekali"));
    let password = text_of(&page.body, "one-time-password");
    let uri = text_of(&page.body, "otpauth-uri");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let secret = uri.split("secret=").nth(1).expect("secret").split('&').next().expect("secret");
    let officer = NewOfficer {
        email: "budi@surabaya.test".into(),
        password: password.clone(),
        secret: base32_decode(secret),
    };
    let mut budi = officer_session(&app, &officer).await;
    assert_eq!(budi.get("/admin/warga").await.status, 200, "the new officer works in their role");
    assert_eq!(budi.get("/admin/petugas").await.status, 403, "an officer does not manage officers");

    // Shown once: the officer's page and the list never show it again.
    let id = account_id(&app, "budi@surabaya.test").await;
    let page = desk.get(&format!("/admin/petugas/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Budi Santoso") && page.body.contains("35.78.01"));
    assert!(!page.body.contains(&password));
    assert!(!desk.get("/admin/petugas").await.body.contains(&password));
    // A citizen's address is never turned into an officer's account.
    crate::identity::citizen(&app, crate::identity::NIK_KARANG_PILANG, "siti@warga.test").await;
    let page = add_officer(&mut desk, "siti@warga.test", "officer", "disdukcapil", "35.78").await;
    assert_eq!(page.status, 409);
    app.stop().await;
}

async fn agency_admin_grants_only_working_roles_in_their_own_agency_and_region(store: Store) {
    let app = TestApp::spawn(store).await;
    let chief =
        create_officer(&app, "kepala@disdukcapil.test", "agency_admin", Some("disdukcapil"), Some("35.78"));
    create_officer(&app, "dokter@dinkes.test", "officer", Some("dinkes"), Some("35.78"));
    create_officer(&app, "loket@disdukcapil.test", "officer", Some("disdukcapil"), Some("35.78.01"));
    let mut desk = officer_session(&app, &chief).await;
    let page = desk.get("/admin/petugas").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("loket@disdukcapil.test") && !page.body.contains("dokter@dinkes.test"));
    assert!(!page.body.contains("value=\"admin\""), "only the roles this reader may grant are offered");

    for (role, agency, region) in [
        ("admin", "", "35.78"),
        ("auditor", "", "35.78"),
        ("agency_admin", "disdukcapil", "35.78"),
        ("officer", "dinkes", "35.78"),
        ("officer", "disdukcapil", "31.71"),
    ] {
        let page = add_officer(&mut desk, "baru@disdukcapil.test", role, agency, region).await;
        assert_eq!(page.status, 403, "{role} {agency} {region}");
    }
    let page = add_officer(&mut desk, "baru@disdukcapil.test", "supervisor", "disdukcapil", "35.78.01").await;
    assert_eq!(page.status, 201, "{}", page.body);

    // Another agency's officer is neither shown nor managed.
    let doctor = account_id(&app, "dokter@dinkes.test").await;
    assert_eq!(desk.get(&format!("/admin/petugas/{doctor}")).await.status, 403);
    desk.get("/akun").await;
    let page = desk
        .post(
            &format!("/admin/petugas/{doctor}/peran"),
            &[("peran", "officer"), ("instansi", "disdukcapil"), ("wilayah", "35.78")],
        )
        .await;
    assert_eq!(page.status, 403);

    // Grant and revoke within scope, each an audit entry.
    let clerk = account_id(&app, "loket@disdukcapil.test").await;
    let path = format!("/admin/petugas/{clerk}");
    let page = desk.get(&path).await;
    assert_eq!(revoke_paths(&page.body).len(), 1);
    let grant = [("peran", "content_editor"), ("instansi", "disdukcapil"), ("wilayah", "35.78.02")];
    let before = tree_size(&app).await;
    assert_eq!(desk.post(&format!("{path}/peran"), &grant).await.status, 303);
    desk.get(&path).await;
    assert_eq!(desk.post(&format!("{path}/peran"), &grant).await.status, 409, "already held");
    let page = desk.get(&path).await;
    assert!(page.body.contains("Editor konten — "), "{}", page.body);
    let revokes = revoke_paths(&page.body);
    assert_eq!(revokes.len(), 2);
    assert_eq!(desk.post(&revokes[1], &[]).await.status, 303);
    assert_eq!(tree_size(&app).await, before + 2, "officer.grant and officer.revoke");
    assert!(!desk.get(&path).await.body.contains("Editor konten — "));
    // The agency administrator's own role is not theirs to revoke.
    let own = account_id(&app, "kepala@disdukcapil.test").await;
    assert!(revoke_paths(&desk.get(&format!("/admin/petugas/{own}")).await.body).is_empty());
    app.stop().await;
}

async fn the_last_administrator_role_cannot_be_revoked(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = create_officer(&app, "admin@surabaya.test", "admin", None, None);
    let mut desk = officer_session(&app, &admin).await;
    let id = account_id(&app, "admin@surabaya.test").await;
    let path = format!("/admin/petugas/{id}");
    let revokes = revoke_paths(&desk.get(&path).await.body);
    assert_eq!(revokes.len(), 1);
    let page = desk.post(&revokes[0], &[]).await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("administrator terakhir"), "{}", page.body);
    assert_eq!(desk.get("/admin/petugas").await.status, 200, "still an administrator");

    let page = add_officer(&mut desk, "wakil@surabaya.test", "admin", "", "35.78").await;
    assert_eq!(page.status, 201, "{}", page.body);
    desk.get(&path).await;
    assert_eq!(desk.post(&revokes[0], &[]).await.status, 303, "another administrator remains");
    assert_eq!(desk.get("/admin/petugas").await.status, 403, "no longer an administrator");
    app.stop().await;
}
