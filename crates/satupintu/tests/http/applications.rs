//! The citizen's journey through HTTP, without JavaScript: start an application, answer its
//! pages with drafts and field errors, check, submit once, and follow it.

use std::time::Duration;

use satupintu_rules::calendar::{Calendar, DayOff, LeavePolicy};
use sqlx::Row;

use crate::browser::{Browser, Page};
use crate::identity::{
    NIK_GAMBIR, NIK_KARANG_PILANG, NIK_WONOCOLO, citizen, create_officer, officer_session,
};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    a_citizen_applies_for_a_birth_certificate_page_by_page,
    answers_hidden_by_a_condition_are_dropped_and_drafts_resume,
    nobody_else_sees_or_changes_an_application,
    the_api_submits_once_per_idempotency_key_and_checks_every_answer,
    the_api_keeps_a_draft_takes_its_documents_and_submits_it,
);

/// Starts an application for the birth certificate; returns the first page's path.
async fn start(browser: &mut Browser<'_>) -> String {
    let page = browser.get("/layanan/akta-kelahiran/ajukan").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let started = browser.post("/layanan/akta-kelahiran/ajukan", &[]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    started.location.expect("first page")
}

fn id_of(path: &str) -> String {
    path.split('/').nth(2).expect("id").to_string()
}

const CHILD: [(&str, &str); 6] = [
    ("nama_anak", "Putri Ayu Lestari"),
    ("jenis_kelamin", "perempuan"),
    ("tanggal_lahir", "2026-11-20"),
    ("tempat_lahir", "Surabaya"),
    ("anak_ke", "2"),
    ("aksi", "lanjut"),
];

async fn post(browser: &mut Browser<'_>, path: &str, fields: &[(&str, &str)]) -> Page {
    browser.post(path, fields).await
}

/// The expected due date: `days` working days after today in Indonesia, by the shipped calendar.
async fn expected_due(app: &TestApp, days: u32) -> jiff::civil::Date {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7)))
        .date();
    let mut calendar = Calendar::default();
    for year in [today.year(), today.year() + 1] {
        let listed = app.json(&format!("/api/v1/calendar/holidays?year={year}"), 200).await;
        for holiday in listed["holidays"].as_array().expect("holidays") {
            let date: jiff::civil::Date = holiday["date"].as_str().expect("date").parse().expect("a date");
            let kind = DayOff::parse(holiday["kind"].as_str().expect("kind")).expect("a kind");
            calendar.insert(date, kind);
        }
    }
    calendar.add_working_days(today, days, LeavePolicy::CivilService).expect("due date")
}

async fn a_citizen_applies_for_a_birth_certificate_page_by_page(store: Store) {
    let app = TestApp::spawn(store).await;
    // Visitors see the way in; starting needs an account.
    let service = app.page("/layanan/akta-kelahiran", 200).await;
    assert!(service.contains("href=\"/layanan/akta-kelahiran/ajukan\""), "{service}");
    assert!(!app.page("/layanan/izin-reklame", 200).await.contains("/ajukan"), "no form, no button");
    let mut stranger = Browser::new(&app);
    let redirect = stranger.get("/layanan/akta-kelahiran/ajukan").await;
    assert!(
        redirect.location.as_deref().is_some_and(|l| l.starts_with("/akun/masuk?kembali=")),
        "{:?}",
        redirect.location
    );

    let mut siti = citizen(&app, NIK_WONOCOLO, "siti@warga.test").await;
    let first = start(&mut siti).await;
    assert!(first.ends_with("/isi/anak"), "{first}");
    let id = id_of(&first);
    assert_eq!(start(&mut siti).await, first, "starting again resumes the draft");
    let page = siti.get(&first).await;
    assert!(page.body.contains("halaman 1 dari 2"), "{}", page.body);

    // Mistakes: each named by its field, in Indonesian, with what was typed kept.
    let bad = post(
        &mut siti,
        &first,
        &[("nama_anak", "P"), ("tanggal_lahir", "2026-02-30"), ("anak_ke", "dua"), ("aksi", "lanjut")],
    )
    .await;
    assert_eq!(bad.status, 400);
    for message in [
        "Tuliskan sedikitnya 2 karakter",
        "Tuliskan tanggal yang benar",
        "Tuliskan bilangan bulat",
        "Bagian ini wajib diisi",
    ] {
        assert!(bad.body.contains(message), "{message}: {}", bad.body);
    }
    assert!(bad.body.contains("value=\"dua\""), "the typed value stays");
    // Saving a draft keeps even unfinished answers.
    let saved = post(&mut siti, &first, &[("nama_anak", "Putri"), ("aksi", "simpan")]).await;
    assert_eq!(saved.status, 200);
    assert!(saved.body.contains("Draf tersimpan") && saved.body.contains("value=\"Putri\""));

    let next = post(&mut siti, &first, &CHILD).await;
    assert_eq!(next.status, 303, "{}", next.body);
    let parents = next.location.expect("next page");
    assert!(parents.ends_with("/isi/orang_tua"));
    let missing = post(
        &mut siti,
        &parents,
        &[("nama_ibu", "Siti Rahayu"), ("orang_tua_menikah", "true"), ("aksi", "lanjut")],
    )
    .await;
    assert_eq!(missing.status, 400, "the father's name is asked once the marriage is");
    assert!(missing.body.contains("href=\"#nama_ayah\""));
    let done = post(
        &mut siti,
        &parents,
        &[
            ("nama_ibu", "Siti Rahayu"),
            ("orang_tua_menikah", "true"),
            ("nama_ayah", "Budi Santoso"),
            ("aksi", "lanjut"),
        ],
    )
    .await;
    assert_eq!(
        done.location.as_deref(),
        Some(format!("/permohonan/{id}/dokumen").as_str()),
        "documents next"
    );
    let documents = siti.get(&format!("/permohonan/{id}/dokumen")).await;
    assert!(documents.body.contains("Surat keterangan kelahiran") && documents.body.contains("Buku nikah"));
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let uploaded =
        siti.upload(&format!("/permohonan/{id}/dokumen/surat_lahir"), "surat lahir.pdf", pdf).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    siti.get(&format!("/permohonan/{id}/dokumen")).await;
    let program = siti
        .upload(&format!("/permohonan/{id}/dokumen/kartu_keluarga"), "kk.pdf", b"MZ\x90\x00 program")
        .await;
    assert_eq!(program.status, 415, "a renamed program is refused by its content");
    assert!(program.body.contains("Jenis berkas tidak diterima"), "{}", program.body);
    let big = vec![b'%'; 3 * 1024 * 1024];
    let oversized = siti.upload(&format!("/permohonan/{id}/dokumen/kartu_keluarga"), "kk.pdf", &big).await;
    assert_eq!(oversized.status, 413);
    assert!(oversized.body.contains("Berkas terlalu besar"));
    let mut stranger = citizen(&app, NIK_KARANG_PILANG, "asing@warga.test").await;
    assert_eq!(stranger.get(&format!("/permohonan/{id}/dokumen/surat_lahir")).await.status, 404);
    let own = app
        .client
        .get(app.url(&format!("/permohonan/{id}/dokumen/surat_lahir")))
        .header("cookie", format!("sp_sesi={}", siti.cookie("sp_sesi").expect("session")))
        .send()
        .await
        .expect("download");
    assert_eq!(own.status(), 200);
    assert_eq!(own.headers()["content-type"], "application/pdf");
    assert_eq!(own.bytes().await.expect("bytes").as_ref(), pdf.as_slice());

    let check = siti.get(&format!("/permohonan/{id}/periksa")).await;
    for shown in ["Putri Ayu Lestari", "Perempuan", "20 November 2026", "Budi Santoso", "Ya"] {
        assert!(check.body.contains(shown), "{shown}: {}", check.body);
    }
    // Required documents come first: the kirim button answers with what is missing.
    let early = siti.post(&format!("/permohonan/{id}/kirim"), &[]).await;
    assert_eq!(early.status, 400);
    assert!(
        early.body.contains("Kartu Keluarga")
            && early.body.contains("wajib diunggah sebelum permohonan dikirim"),
        "{}",
        early.body
    );
    for key in ["kartu_keluarga", "buku_nikah"] {
        siti.get(&format!("/permohonan/{id}/dokumen")).await;
        let done = siti.upload(&format!("/permohonan/{id}/dokumen/{key}"), "berkas.pdf", pdf).await;
        assert_eq!(done.status, 303, "{key}");
    }
    siti.get(&format!("/permohonan/{id}/periksa")).await;
    let sent = siti.post(&format!("/permohonan/{id}/kirim"), &[]).await;
    assert_eq!(sent.location.as_deref(), Some(format!("/permohonan/{id}?terkirim=1").as_str()));
    let status = siti.get(&format!("/permohonan/{id}?terkirim=1")).await;
    let year = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7)))
        .date()
        .year();
    let receipt = format!("SP-{year}-{:06}", id.parse::<i64>().expect("id"));
    assert!(status.body.contains("Permohonan terkirim") && status.body.contains(&receipt), "{}", status.body);
    assert!(status.body.contains("Sedang diproses") && status.body.contains("Verifikasi berkas"));
    let due = expected_due(&app, 3).await;
    let due_text =
        satupintu::web::page::format_date(satupintu::i18n::Lang::Id, due.year(), due.month(), due.day());
    assert!(status.body.contains("Batas waktu penyelesaian"), "{}", status.body);
    assert!(status.body.contains(&due_text), "due {due}: {}", status.body);

    // A second click, a stale page: nothing happens twice.
    let again = siti.post(&format!("/permohonan/{id}/kirim"), &[]).await;
    assert_eq!(again.location.as_deref(), Some(format!("/permohonan/{id}").as_str()));
    assert_eq!(siti.get(&first).await.location.as_deref(), Some(format!("/permohonan/{id}").as_str()));
    assert_eq!(post(&mut siti, &first, &CHILD).await.status, 409);
    let list = siti.get("/akun/permohonan").await;
    assert!(list.body.contains(&receipt) && list.body.contains("Penerbitan Akta Kelahiran"), "{}", list.body);

    // The receipt comes by mail; the answers are sealed at rest.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !app.mail.messages().iter().any(|m| m.subject().is_some_and(|s| s.contains(&receipt))) {
        assert!(std::time::Instant::now() < deadline, "no receipt mail");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let row = sqlx::query("SELECT data_sealed, due_on, step, status FROM applications WHERE id = $1")
        .bind(id.parse::<i64>().expect("id"))
        .fetch_one(&db)
        .await
        .expect("row");
    assert!(!row.get::<String, _>("data_sealed").contains("Putri"));
    assert_eq!(row.get::<String, _>("due_on"), due.to_string());
    assert_eq!(row.get::<String, _>("step"), "verifikasi");
    let submitted: i64 = sqlx::query("SELECT COUNT(*) AS n FROM application_events WHERE kind = 'submitted'")
        .fetch_one(&db)
        .await
        .expect("count")
        .get("n");
    assert_eq!(submitted, 1);
    db.close().await;
    app.stop().await;
}

async fn answers_hidden_by_a_condition_are_dropped_and_drafts_resume(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut budi = citizen(&app, NIK_KARANG_PILANG, "budi@warga.test").await;
    let first = start(&mut budi).await;
    let id = id_of(&first);
    assert_eq!(post(&mut budi, &first, &CHILD).await.status, 303);
    let parents = format!("/permohonan/{id}/isi/orang_tua");
    // Unmarried: the father's name typed anyway is not kept.
    let done = post(
        &mut budi,
        &parents,
        &[
            ("nama_ibu", "Rina"),
            ("orang_tua_menikah", "false"),
            ("nama_ayah", "Tidak Dicatat"),
            ("aksi", "lanjut"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let check = budi.get(&format!("/permohonan/{id}/periksa")).await;
    assert!(!check.body.contains("Tidak Dicatat"), "{}", check.body);
    assert!(check.body.contains("Tidak"), "the marriage answer is shown");
    // Going back: the draft still holds the answers, and the list offers to continue.
    let back = budi.get(&first).await;
    assert!(
        back.body.contains("value=\"Putri Ayu Lestari\"")
            && back.body.contains("value=\"perempuan\" checked")
    );
    let list = budi.get("/akun/permohonan").await;
    assert!(list.body.contains("Draf (belum dikirim)"), "{}", list.body);
    let pdf = b"%PDF-1.4\n% berkas\n%%EOF\n";
    for key in ["surat_lahir", "kartu_keluarga"] {
        budi.get(&format!("/permohonan/{id}/dokumen")).await;
        assert_eq!(
            budi.upload(&format!("/permohonan/{id}/dokumen/{key}"), "berkas.pdf", pdf).await.status,
            303
        );
    }
    budi.get(&format!("/permohonan/{id}/periksa")).await;
    assert_eq!(budi.post(&format!("/permohonan/{id}/kirim"), &[]).await.status, 303);
    app.stop().await;
}

async fn nobody_else_sees_or_changes_an_application(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut owner = citizen(&app, NIK_WONOCOLO, "pemilik@warga.test").await;
    let first = start(&mut owner).await;
    let id = id_of(&first);
    let mut other = citizen(&app, NIK_GAMBIR, "lain@warga.test").await;
    other.get("/akun").await;
    for path in [format!("/permohonan/{id}"), first.clone(), format!("/permohonan/{id}/periksa")] {
        assert_eq!(other.get(&path).await.status, 404, "{path}");
    }
    assert_eq!(post(&mut other, &first, &CHILD).await.status, 404);
    assert_eq!(other.post(&format!("/permohonan/{id}/kirim"), &[]).await.status, 404);
    for path in ["/permohonan/abc", "/permohonan/999999", "/permohonan/1/isi/tidak-ada"] {
        assert_eq!(owner.get(path).await.status, 404, "{path}");
    }
    assert_eq!(owner.get(&format!("/permohonan/{id}/isi/tidak-ada")).await.status, 404);
    assert_eq!(owner.get("/layanan/izin-reklame/ajukan").await.status, 404, "no definition, no form");
    // Officers serve applications; they do not file them.
    let clerk = create_officer(&app, "loket@surabaya.test", "officer", Some("disdukcapil"), Some("35.78"));
    let mut officer = officer_session(&app, &clerk).await;
    assert_eq!(officer.get("/layanan/akta-kelahiran/ajukan").await.status, 403);
    assert_eq!(officer.get(&format!("/permohonan/{id}")).await.status, 403);
    app.stop().await;
}

/// A citizen's bearer token with the application scopes (and one without them).
pub async fn api_tokens(app: &TestApp, nik: &str, email: &str) -> (String, String) {
    let mut browser = citizen(app, nik, email).await;
    let full = crate::tokens::shown_token(
        &crate::tokens::create_token(
            &mut browser,
            "Aplikasi",
            &["applications:read", "applications:write"],
            "30",
        )
        .await,
    );
    let reader = crate::tokens::shown_token(
        &crate::tokens::create_token(&mut browser, "Pembaca", &["me:read"], "30").await,
    );
    (full, reader)
}

pub async fn post_api(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    body: &serde_json::Value,
) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/v1/applications")).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("post")
}

async fn count_applications(app: &TestApp) -> i64 {
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let n =
        sqlx::query("SELECT COUNT(*) AS n FROM applications").fetch_one(&db).await.expect("count").get("n");
    db.close().await;
    n
}

async fn the_api_submits_once_per_idempotency_key_and_checks_every_answer(store: Store) {
    let app = TestApp::spawn(store).await;
    let (token, reader) = api_tokens(&app, NIK_WONOCOLO, "api@warga.test").await;
    let body = serde_json::json!({
        "service": "permohonan-informasi-publik",
        "data": {"rincian_informasi": "Laporan realisasi anggaran Dinas Perhubungan tahun 2025",
                 "tujuan_penggunaan": "Bahan penelitian skripsi", "cara_memperoleh": "salinan_elektronik",
                 "cara_salinan": "surel", "atas_nama": "diri_sendiri"}
    });
    // The key is required.
    let missing = post_api(&app, &token, None, &body).await;
    assert_eq!(missing.status(), 400);
    let problem: serde_json::Value = missing.json().await.expect("problem");
    assert_eq!(problem["parameter"], "Idempotency-Key");
    // Every wrong answer is named; nothing is stored.
    let wrong = serde_json::json!({
        "service": "surat-keterangan-domisili",
        "data": {"keperluan": "x", "status_tempat": "istana", "lama_tinggal_bulan": "dua", "warna": "merah"}
    });
    let refused = post_api(&app, &token, Some("k-salah"), &wrong).await;
    assert_eq!(refused.status(), 422);
    let problem: serde_json::Value = refused.json().await.expect("problem");
    assert_eq!(problem["type"], "/problems/invalid-answers");
    let mut codes: Vec<String> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| format!("{}:{}", e["field"].as_str().unwrap_or(""), e["code"].as_str().unwrap_or("")))
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "alamat_domisili:required",
            "keperluan:too_short",
            "lama_tinggal_bulan:not_integer",
            "status_tempat:not_a_choice",
            "warna:unknown_field"
        ]
    );
    assert_eq!(count_applications(&app).await, 0, "nothing half-written");
    // Answers that call for a document cannot be submitted in one request: nothing is attached.
    let needs_a_letter = serde_json::json!({
        "service": "surat-keterangan-domisili",
        "data": {"keperluan": "Pendaftaran sekolah anak", "alamat_domisili": "Jl. Kenari 12, RT 03 RW 05, Genteng",
                 "status_tempat": "sewa", "lama_tinggal_bulan": 26}
    });
    let refused = post_api(&app, &token, Some("k-surat"), &needs_a_letter).await;
    assert_eq!(refused.status(), 422);
    let problem: serde_json::Value = refused.json().await.expect("problem");
    assert_eq!(problem["errors"][0]["field"], "pengantar_rt_rw");
    assert_eq!(problem["errors"][0]["code"], "required");
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(1), "the optional proof is not asked for");
    assert_eq!(count_applications(&app).await, 0, "nothing half-written");

    let first = post_api(&app, &token, Some("kunci-001"), &body).await;
    assert_eq!(first.status(), 201);
    let location = first.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    let first: serde_json::Value = first.json().await.expect("application");
    assert_eq!(first["status"], "in_progress");
    assert_eq!(first["step"], "telaah");
    assert!(first["receipt"].as_str().is_some_and(|r| r.starts_with("SP-")));
    assert_eq!(first["data"]["cara_salinan"], "surel");
    assert_eq!(location, Some(format!("/api/v1/applications/{}", first["id"])));
    // A retry gets the same application, marked as a replay.
    let again = post_api(&app, &token, Some("kunci-001"), &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let again: serde_json::Value = again.json().await.expect("application");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(count_applications(&app).await, 1);
    // The same key for another request is a conflict.
    let mut other = body.clone();
    other["data"]["cara_salinan"] = serde_json::json!("pos");
    assert_eq!(post_api(&app, &token, Some("kunci-001"), &other).await.status(), 409);

    // Eight concurrent retries of a new request make one application.
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, token, body) =
                (app.client.clone(), app.url("/api/v1/applications"), token.clone(), other.clone());
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .header("Idempotency-Key", "kunci-serentak")
                    .json(&body)
                    .send()
                    .await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for attempt in attempts {
        let answer = attempt.await.expect("task").expect("post");
        assert_eq!(answer.status(), 201);
        let value: serde_json::Value = answer.json().await.expect("application");
        ids.push(value["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(count_applications(&app).await, 2);

    // Reading: one's own, with the scope.
    let path = format!("/api/v1/applications/{}", first["id"]);
    let read = app.client.get(app.url(&path)).bearer_auth(&token).send().await.expect("get");
    assert_eq!(read.status(), 200);
    let read: serde_json::Value = read.json().await.expect("application");
    assert_eq!(read["timeline"][0]["kind"], "submitted");
    assert_eq!(app.client.get(app.url(&path)).bearer_auth(&reader).send().await.expect("get").status(), 403);
    assert_eq!(post_api(&app, &reader, Some("k-lain"), &body).await.status(), 403);
    let (stranger, _) = api_tokens(&app, NIK_KARANG_PILANG, "orang-lain@warga.test").await;
    assert_eq!(
        app.client.get(app.url(&path)).bearer_auth(&stranger).send().await.expect("get").status(),
        404
    );
    let unknown = serde_json::json!({"service": "tidak-ada", "data": {}});
    assert_eq!(post_api(&app, &token, Some("k-x"), &unknown).await.status(), 404);
    app.stop().await;
}

pub(crate) async fn put_document(
    app: &TestApp,
    token: &str,
    id: i64,
    key: &str,
    bytes: &[u8],
) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/applications/{id}/attachments/{key}")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("put")
}

pub(crate) async fn submit_api(app: &TestApp, token: &str, id: i64) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/applications/{id}/submit")))
        .bearer_auth(token)
        .send()
        .await
        .expect("submit")
}

async fn the_api_keeps_a_draft_takes_its_documents_and_submits_it(store: Store) {
    let app = TestApp::spawn(store).await;
    let (token, _) = api_tokens(&app, NIK_WONOCOLO, "siti@warga.test").await;
    let mut body = serde_json::json!({
        "service": "akta-kelahiran",
        "data": {
            "nama_anak": "Raka Pratama", "jenis_kelamin": "laki_laki", "tanggal_lahir": "2026-11-02",
            "tempat_lahir": "Surabaya", "anak_ke": 1, "nama_ibu": "Siti Rahayu", "orang_tua_menikah": true,
            "nama_ayah": "Budi Santoso"
        }
    });
    body["submit"] = serde_json::Value::Bool(false);
    let created = post_api(&app, &token, Some("draft-1"), &body).await;
    assert_eq!(created.status(), 201);
    let draft: serde_json::Value = created.json().await.expect("draft");
    assert_eq!((draft["status"].as_str(), draft["receipt"].as_str()), (Some("draft"), None));
    let id = draft["id"].as_i64().expect("id");

    // Submitting names every required document still missing.
    let early = submit_api(&app, &token, id).await;
    assert_eq!(early.status(), 422);
    let problem: serde_json::Value = early.json().await.expect("problem");
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["surat_lahir", "kartu_keluarga", "buku_nikah"], "{problem}");

    let program = put_document(&app, &token, id, "surat_lahir", b"MZ\x90\x00 not a document").await;
    assert_eq!(program.status(), 415);
    let problem: serde_json::Value = program.json().await.expect("problem");
    assert!(problem["type"].as_str().is_some_and(|t| t.ends_with("/unsupported-media-type")), "{problem}");
    assert_eq!(put_document(&app, &token, id, "surat_lahir", b"").await.status(), 400);
    assert_eq!(
        put_document(&app, &token, id, "sptjm", b"%PDF-1.4\n%%EOF\n").await.status(),
        404,
        "not asked for married parents"
    );
    let big = vec![b'%'; 3 * 1024 * 1024];
    assert_eq!(put_document(&app, &token, id, "kartu_keluarga", &big).await.status(), 413);
    for key in ["surat_lahir", "kartu_keluarga", "buku_nikah"] {
        let stored = put_document(&app, &token, id, key, b"%PDF-1.4\n% berkas\n%%EOF\n").await;
        assert_eq!(stored.status(), 200, "{key}");
        let stored: serde_json::Value = stored.json().await.expect("stored");
        assert_eq!(stored["media_type"].as_str(), Some("application/pdf"));
    }
    let (other, _) = api_tokens(&app, NIK_GAMBIR, "budi@warga.test").await;
    assert_eq!(put_document(&app, &other, id, "surat_lahir", b"%PDF-1.4\n%%EOF\n").await.status(), 404);
    assert_eq!(submit_api(&app, &other, id).await.status(), 404);

    let sent = submit_api(&app, &token, id).await;
    assert_eq!(sent.status(), 200);
    let sent: serde_json::Value = sent.json().await.expect("submitted");
    assert_eq!(sent["status"].as_str(), Some("in_progress"));
    assert!(sent["receipt"].as_str().is_some_and(|r| r.starts_with("SP-")));
    assert_eq!(submit_api(&app, &token, id).await.status(), 409);
    assert_eq!(put_document(&app, &token, id, "surat_lahir", b"%PDF-1.4\n%%EOF\n").await.status(), 409);
    app.stop().await;
}
