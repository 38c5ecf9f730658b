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
    assert_eq!(done.location.as_deref(), Some(format!("/permohonan/{id}/periksa").as_str()));

    let check = siti.get(&format!("/permohonan/{id}/periksa")).await;
    for shown in ["Putri Ayu Lestari", "Perempuan", "20 November 2026", "Budi Santoso", "Ya"] {
        assert!(check.body.contains(shown), "{shown}: {}", check.body);
    }
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
    const MONTHS: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    let due_text =
        format!("{} {} {}", due.day(), MONTHS[usize::try_from(due.month() - 1).expect("month")], due.year());
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
