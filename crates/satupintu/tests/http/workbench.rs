//! The officer's workbench through HTTP: the queue in scope, the logged opening, each
//! workflow action by the role its step names, the citizen's correction with the clock
//! paused, and refusals outside scope.

use std::time::Duration;

use serde_json::json;

use crate::applications::{api_tokens, post_api};
use crate::browser::Browser;
use crate::identity::{
    NIK_GAMBIR, NIK_WONOCOLO, PASSWORD, citizen, create_officer, officer_session, sign_in,
};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    an_application_goes_through_its_workflow_with_a_correction,
    officers_outside_the_scope_see_and_do_nothing,
    supervisors_in_scope_are_told_once_when_an_application_passes_its_due_date,
    officers_act_through_the_api_with_a_scoped_token,
);

fn birth() -> serde_json::Value {
    json!({
        "service": "akta-kelahiran",
        "data": {
            "nama_anak": "Raka Pratama", "jenis_kelamin": "laki_laki", "tanggal_lahir": "2026-11-02",
            "tempat_lahir": "Surabaya", "anak_ke": 1, "nama_ibu": "Siti Rahayu", "orang_tua_menikah": true,
            "nama_ayah": "Budi Santoso"
        }
    })
}

/// Submits a birth certificate application through the API, as a draft with its three
/// required documents; returns its id and receipt.
pub(crate) async fn submitted(app: &TestApp, nik: &str, email: &str) -> (i64, String) {
    let (token, _) = api_tokens(app, nik, email).await;
    let mut draft = birth();
    draft["submit"] = json!(false);
    let response = post_api(app, &token, Some("akta-1"), &draft).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<serde_json::Value>().await.expect("draft")["id"].as_i64().expect("id");
    for key in ["surat_lahir", "kartu_keluarga", "buku_nikah"] {
        let attached =
            crate::applications::put_document(app, &token, id, key, b"%PDF-1.4\n% berkas\n%%EOF\n").await;
        assert_eq!(attached.status(), 200, "{key}");
    }
    let response = crate::applications::submit_api(app, &token, id).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("application");
    (id, body["receipt"].as_str().expect("receipt").to_string())
}

pub(crate) async fn wait_for_mail(app: &TestApp, to: &str, subject_part: &str, count: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found = app
            .mail
            .messages()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to) && m.subject().is_some_and(|s| s.contains(subject_part)))
            .count();
        if found >= count {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "no mail {subject_part} to {to}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn an_application_goes_through_its_workflow_with_a_correction(store: Store) {
    let app = TestApp::spawn(store).await;
    let (id, receipt) = submitted(&app, NIK_WONOCOLO, "siti@warga.test").await;
    let clerk = create_officer(&app, "loket@surabaya.test", "officer", Some("disdukcapil"), Some("35.78"));
    let mut officer = officer_session(&app, &clerk).await;
    assert!(officer.get("/admin").await.body.contains("/admin/permohonan"));
    let queue = officer.get("/admin/permohonan").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains(&receipt) && !queue.body.contains("Raka Pratama"), "no answers in the queue");
    let filtered = officer.get("/admin/permohonan?layanan=bpjs-pbi").await;
    assert!(!filtered.body.contains(&receipt));

    // Opening it shows the answers and is recorded for the citizen.
    let path = format!("/admin/permohonan/{id}");
    let page = officer.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Raka Pratama") && page.body.contains("Laki-laki"), "{}", page.body);
    assert!(page.body.contains("value=\"request_revision\"") && page.body.contains("value=\"forward\""));
    assert!(!page.body.contains("value=\"approve\""), "approval is the supervisor's step");
    let mut siti = Browser::new(&app);
    assert_eq!(sign_in(&mut siti, "siti@warga.test", PASSWORD).await.status, 303);
    let access = siti.get("/akun/akses").await;
    assert!(access.body.contains(&format!("permohonan {receipt}")), "{}", access.body);

    // A correction needs a note; then the clock pauses and the citizen is told.
    let action = format!("{path}/tindakan");
    let bare = officer.post(&action, &[("aksi", "request_revision"), ("catatan", "")]).await;
    assert_eq!(bare.status, 400);
    assert!(bare.body.contains("Tuliskan alasan atau perbaikan"));
    let asked = officer
        .post(
            &action,
            &[
                ("aksi", "request_revision"),
                ("catatan", "Tanggal lahir tidak sesuai surat keterangan lahir."),
            ],
        )
        .await;
    assert_eq!(asked.status, 303);
    wait_for_mail(&app, "siti@warga.test", &format!("Kabar permohonan {receipt}"), 1).await;
    let status = siti.get(&format!("/permohonan/{id}")).await;
    assert!(
        status.body.contains("Perlu perbaikan dari Anda")
            && status.body.contains("tidak sesuai surat keterangan")
    );
    assert!(status.body.contains("Perbaiki permohonan"));
    // Nothing to do for the officer while the citizen has it.
    assert_eq!(officer.post(&action, &[("aksi", "forward"), ("catatan", "")]).await.status, 409);
    assert_eq!(siti.get(&format!("/permohonan/{id}/isi/anak")).await.status, 200, "the form opens again");
    let fix = siti
        .post(
            &format!("/permohonan/{id}/isi/anak"),
            &[
                ("nama_anak", "Raka Pratama"),
                ("jenis_kelamin", "laki_laki"),
                ("tanggal_lahir", "2026-11-03"),
                ("tempat_lahir", "Surabaya"),
                ("anak_ke", "1"),
                ("aksi", "lanjut"),
            ],
        )
        .await;
    assert_eq!(fix.status, 303, "{}", fix.body);
    assert_eq!(fix.location.as_deref(), Some(format!("/permohonan/{id}/isi/orang_tua").as_str()));
    let pdf = b"%PDF-1.4\n% surat keterangan lahir\n%%EOF\n";
    for key in ["surat_lahir", "kartu_keluarga", "buku_nikah"] {
        siti.get(&format!("/permohonan/{id}/dokumen")).await;
        assert_eq!(
            siti.upload(&format!("/permohonan/{id}/dokumen/{key}"), "lahir.pdf", pdf).await.status,
            303
        );
    }
    siti.get(&format!("/permohonan/{id}/periksa")).await;
    assert_eq!(siti.post(&format!("/permohonan/{id}/kirim"), &[]).await.status, 303);
    let status = siti.get(&format!("/permohonan/{id}")).await;
    assert!(
        status.body.contains("Sedang diproses") && status.body.contains("Perbaikan dikirim"),
        "{}",
        status.body
    );

    // Forward to approval; only a supervisor approves.
    let page = officer.get(&path).await;
    assert!(page.body.contains("3 November 2026"), "the corrected answer");
    assert!(page.body.contains(&format!("{path}/dokumen/surat_lahir")));

    // The clerk takes it; the queue's handling filter follows.
    assert!(page.body.contains("Ambil permohonan ini"));
    let claim = format!("{path}/tugaskan");
    assert_eq!(officer.post(&claim, &[("petugas", "saya")]).await.status, 303);
    assert!(!officer.get(&path).await.body.contains("Ambil permohonan ini"));
    assert!(officer.get("/admin/permohonan?penanganan=saya").await.body.contains(&receipt));
    assert!(!officer.get("/admin/permohonan?penanganan=kosong").await.body.contains(&receipt));
    assert_eq!(
        officer.post(&claim, &[("petugas", "1")]).await.status,
        403,
        "clerks take work, not hand it out"
    );

    // Each document is checked; a wrong one needs a note, which the citizen reads.
    let check = format!("{path}/dokumen/kartu_keluarga/periksa");
    let bare = officer.post(&check, &[("hasil", "not_ok"), ("catatan", "")]).await;
    assert_eq!(bare.status, 400);
    assert!(bare.body.contains("Tuliskan apa yang tidak sesuai"));
    let note = "Halaman kedua tidak terbaca";
    assert_eq!(officer.post(&check, &[("hasil", "not_ok"), ("catatan", note)]).await.status, 303);
    assert_eq!(
        officer
            .post(&format!("{path}/dokumen/surat_lahir/periksa"), &[("hasil", "ok"), ("catatan", "")])
            .await
            .status,
        303
    );
    assert!(officer.get(&path).await.body.contains(note));
    let file = officer.get(&format!("{path}/dokumen/surat_lahir")).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), pdf.as_slice());
    assert!(siti.get("/akun/akses").await.body.contains(&format!("permohonan {receipt} (surat_lahir)")));
    assert_eq!(officer.post(&action, &[("aksi", "forward"), ("catatan", "")]).await.status, 303);
    assert_eq!(officer.post(&action, &[("aksi", "approve"), ("catatan", "")]).await.status, 409);
    let head = create_officer(&app, "kabid@surabaya.test", "supervisor", Some("disdukcapil"), Some("35.78"));
    let mut supervisor = officer_session(&app, &head).await;
    assert!(supervisor.get(&path).await.body.contains("value=\"approve\""));
    assert_eq!(supervisor.post(&action, &[("aksi", "approve"), ("catatan", "")]).await.status, 303);
    assert_eq!(supervisor.post(&action, &[("aksi", "approve"), ("catatan", "")]).await.status, 409, "once");
    let status = siti.get(&format!("/permohonan/{id}")).await;
    assert!(status.body.contains("Disetujui"), "{}", status.body);
    wait_for_mail(&app, "siti@warga.test", &format!("Kabar permohonan {receipt}"), 3).await;
    assert!(!officer.get("/admin/permohonan").await.body.contains(&receipt), "closed ones leave the queue");
    app.stop().await;
}

async fn officers_outside_the_scope_see_and_do_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let (id, receipt) = submitted(&app, NIK_WONOCOLO, "siti@warga.test").await;
    let path = format!("/admin/permohonan/{id}");
    for (email, role, agency, region) in [
        ("dinsos@surabaya.test", "officer", "dinsos", "35.78"),
        ("jakarta@surabaya.test", "officer", "disdukcapil", "31.71"),
    ] {
        let clerk = create_officer(&app, email, role, Some(agency), Some(region));
        let mut officer = officer_session(&app, &clerk).await;
        assert!(!officer.get("/admin/permohonan").await.body.contains(&receipt), "{email}");
        assert_eq!(officer.get(&path).await.status, 403, "{email}");
        assert_eq!(
            officer.post(&format!("{path}/tindakan"), &[("aksi", "forward"), ("catatan", "")]).await.status,
            403
        );
    }
    let editor = create_officer(&app, "redaksi@surabaya.test", "content_editor", Some("diskominfo"), None);
    let mut officer = officer_session(&app, &editor).await;
    assert_eq!(officer.get("/admin/permohonan").await.status, 403);
    // Another citizen, and drafts, are not the workbench's.
    let mut budi = citizen(&app, NIK_GAMBIR, "budi@warga.test").await;
    assert_eq!(budi.get("/admin/permohonan").await.status, 403);
    budi.get("/layanan/akta-kelahiran/ajukan").await;
    let draft = budi.post("/layanan/akta-kelahiran/ajukan", &[]).await;
    let draft_id = draft.location.expect("draft").split('/').nth(2).expect("id").to_string();
    let clerk = create_officer(&app, "loket@surabaya.test", "officer", Some("disdukcapil"), None);
    let mut officer = officer_session(&app, &clerk).await;
    assert_eq!(
        officer.get(&format!("/admin/permohonan/{draft_id}")).await.status,
        404,
        "drafts are the citizen's"
    );
    assert_eq!(officer.get("/admin/permohonan/bukan-angka").await.status, 404);
    app.stop().await;
}

async fn supervisors_in_scope_are_told_once_when_an_application_passes_its_due_date(store: Store) {
    let app = TestApp::spawn(store).await;
    let (id, receipt) = submitted(&app, NIK_WONOCOLO, "siti@warga.test").await;
    let head = create_officer(&app, "kabid@surabaya.test", "supervisor", Some("disdukcapil"), Some("35.78"));
    let elsewhere =
        create_officer(&app, "kabid@jakarta.test", "supervisor", Some("disdukcapil"), Some("31.71"));
    let clerk = create_officer(&app, "loket@surabaya.test", "officer", Some("disdukcapil"), Some("35.78"));
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    sqlx::query("UPDATE applications SET due_on = '2020-01-02' WHERE id = $1")
        .bind(id)
        .execute(&db)
        .await
        .expect("backdate");
    let subject = format!("Permohonan {receipt} melewati batas waktu");
    wait_for_mail(&app, &head.email, &subject, 1).await;
    // Checks keep running (every second here); nobody is told twice, nor outside the scope.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let told = |to: &str| {
        app.mail
            .messages()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to) && m.subject().is_some_and(|s| s.contains(&subject)))
            .count()
    };
    assert_eq!((told(&head.email), told(&elsewhere.email), told(&clerk.email)), (1, 0, 0));
    let mut supervisor = officer_session(&app, &head).await;
    let notices = supervisor.get("/akun/notifikasi").await;
    assert!(
        notices.body.contains(&subject) && notices.body.contains(&format!("/admin/permohonan/{id}")),
        "{}",
        notices.body
    );
    assert!(supervisor.get("/akun").await.body.contains("1 belum dibaca"));
    assert_eq!(supervisor.post("/akun/notifikasi/dibaca", &[]).await.status, 303);
    assert!(supervisor.get("/akun").await.body.contains("0 belum dibaca"));
    app.stop().await;
}

/// A new API token of an officer's browser session with these scopes.
async fn officer_token(browser: &mut Browser<'_>, scopes: &[&str]) -> String {
    crate::tokens::shown_token(&crate::tokens::create_token(browser, "Aplikasi loket", scopes, "30").await)
}

async fn act_api(app: &TestApp, token: &str, id: i64, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/applications/{id}/actions")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("action");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

/// `GET /api/v1/applications/{id}` with a token: the status and the body.
async fn read_api(app: &TestApp, token: &str, id: i64) -> (u16, serde_json::Value) {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/applications/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

async fn officers_act_through_the_api_with_a_scoped_token(store: Store) {
    let app = TestApp::spawn(store).await;
    let (id, receipt) = submitted(&app, NIK_WONOCOLO, "siti@warga.test").await;
    let clerk = create_officer(&app, "loket@surabaya.test", "officer", Some("disdukcapil"), Some("35.78"));
    let mut clerk = officer_session(&app, &clerk).await;
    let token = officer_token(&mut clerk, &["applications:handle"]).await;
    let reader = officer_token(&mut clerk, &["me:read"]).await;
    // Reading it: with the scope, in the officer's region, and logged for the citizen.
    let (status, read) = read_api(&app, &token, id).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        (read["receipt"].as_str(), read["data"]["nama_anak"].as_str()),
        (Some(receipt.as_str()), Some("Raka Pratama"))
    );
    assert_eq!(read_api(&app, &reader, id).await.0, 403, "the scope is needed to read");
    let mut siti = Browser::new(&app);
    assert_eq!(sign_in(&mut siti, "siti@warga.test", PASSWORD).await.status, 303);
    let access = siti.get("/akun/akses").await;
    assert!(access.body.contains(&format!("permohonan {receipt} (API)")), "{}", access.body);
    assert_eq!(act_api(&app, &reader, id, json!({"action": "forward"})).await.0, 403, "the scope is needed");
    assert_eq!(act_api(&app, &token, id, json!({"action": "approve"})).await.0, 409, "the supervisor's step");
    let (status, problem) = act_api(&app, &token, id, json!({"action": "request_revision"})).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["parameter"].as_str().or(problem["name"].as_str()), Some("note"), "{problem}");
    assert_eq!(act_api(&app, &token, id, json!({"action": "forward", "extra": 1})).await.0, 400);
    let (status, moved) = act_api(&app, &token, id, json!({"action": "forward"})).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (moved["status"].as_str(), moved["step"].as_str()),
        (Some("in_progress"), Some("persetujuan"))
    );

    let outsider =
        create_officer(&app, "jakarta@surabaya.test", "supervisor", Some("disdukcapil"), Some("31.71"));
    let mut outsider = officer_session(&app, &outsider).await;
    let foreign = officer_token(&mut outsider, &["applications:handle"]).await;
    assert_eq!(read_api(&app, &foreign, id).await.0, 403, "outside the region");
    assert_eq!(act_api(&app, &foreign, id, json!({"action": "approve"})).await.0, 403);
    let head = create_officer(&app, "kabid@surabaya.test", "supervisor", Some("disdukcapil"), Some("35.78"));
    let mut head = officer_session(&app, &head).await;
    let approver = officer_token(&mut head, &["applications:handle"]).await;
    let (status, approved) = act_api(&app, &approver, id, json!({"action": "approve"})).await;
    assert_eq!((status, approved["status"].as_str()), (200, Some("approved")), "{approved}");
    assert_eq!(act_api(&app, &approver, id, json!({"action": "approve"})).await.0, 409, "once");
    app.stop().await;
}
