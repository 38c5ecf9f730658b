//! The holiday calendar: the decreed days shipped, `calendar add-working-days`, the public
//! API, and the administrator's page (only the installation's administrator edits it).

use crate::browser::Browser;
use crate::identity::{NIK_KARANG_PILANG, citizen, create_officer, officer_session};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    working_days_skip_weekends_holidays_and_leave_as_decreed,
    the_api_lists_a_years_holidays_and_refuses_odd_years,
    the_administrator_edits_the_calendar_and_due_dates_follow,
    only_the_installation_administrator_edits_the_calendar,
);

/// Runs `satupintu calendar add-working-days` on the app's database.
fn add_working_days(app: &TestApp, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["calendar", "add-working-days"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = crate::support::run_cli(app, &all);
    (code, stdout.trim().to_string(), stderr)
}

fn due(app: &TestApp, args: &[&str]) -> String {
    let (code, stdout, stderr) = add_working_days(app, args);
    assert_eq!(code, Some(0), "{args:?}: {stderr}");
    stdout
}

async fn working_days_skip_weekends_holidays_and_leave_as_decreed(store: Store) {
    let app = TestApp::spawn(store).await;
    // Friday → Monday.
    assert_eq!(due(&app, &["2026-11-27", "1"]), "2026-11-30");
    // Lebaran 2026: 18 March leave, 19 Nyepi, 20 leave, 21–22 Idulfitri, 23–24 leave.
    assert_eq!(due(&app, &["2026-03-17", "1"]), "2026-03-25");
    assert_eq!(due(&app, &["2026-03-17", "1", "--public-holidays-only"]), "2026-03-18");
    assert_eq!(due(&app, &["2026-03-17", "3", "--public-holidays-only"]), "2026-03-23");
    // Lebaran 2025: 31 March – 1 April Idulfitri, 2–4 and 7 April leave.
    assert_eq!(due(&app, &["2025-03-28", "1"]), "2025-04-08");
    // A 10-day SLA over Christmas 2025 (25 national, 26 leave) and New Year 2026.
    assert_eq!(due(&app, &["2025-12-22", "10"]), "2026-01-08");
    assert_eq!(due(&app, &["2026-11-27", "0"]), "2026-11-27");
    for (args, message) in [
        (vec!["2026-02-30", "1"], "not a date"),
        (vec!["besok", "1"], "not a date"),
        (vec!["9999-12-30", "5"], "9999-12-31"),
    ] {
        let (code, _, stderr) = add_working_days(&app, &args);
        assert_eq!(code, Some(1), "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let (code, _, _) = add_working_days(&app, &["2026-01-01", "-3"]);
    assert_ne!(code, Some(0), "a negative count is refused");
    app.stop().await;
}

async fn the_api_lists_a_years_holidays_and_refuses_odd_years(store: Store) {
    let app = TestApp::spawn(store).await;
    let year = app.json("/api/v1/calendar/holidays?year=2026", 200).await;
    assert_eq!(year["year"], 2026);
    let holidays = year["holidays"].as_array().expect("holidays");
    assert_eq!(holidays.len(), 25, "17 national holidays and 8 days of collective leave");
    let leave = holidays.iter().filter(|h| h["kind"] == "collective_leave").count();
    assert_eq!(leave, 8);
    let nyepi = holidays.iter().find(|h| h["date"] == "2026-03-19").expect("Nyepi");
    assert_eq!(nyepi["kind"], "national");
    assert!(nyepi["name"].as_str().is_some_and(|n| n.contains("Nyepi")));
    let dates: Vec<&str> = holidays.iter().filter_map(|h| h["date"].as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable();
    assert_eq!(dates, sorted, "in date order");
    assert_eq!(
        app.json("/api/v1/calendar/holidays?year=2025", 200).await["holidays"].as_array().map(Vec::len),
        Some(28)
    );
    assert_eq!(app.json("/api/v1/calendar/holidays?year=2040", 200).await["holidays"], serde_json::json!([]));
    for query in ["year=1999", "year=abc", "year=2026&tahun=1", "year=99999"] {
        let problem = app.json(&format!("/api/v1/calendar/holidays?{query}"), 400).await;
        assert!(problem["type"].as_str().is_some_and(|t| t.contains("/problems/")), "{query}: {problem}");
    }
    app.stop().await;
}

async fn the_administrator_edits_the_calendar_and_due_dates_follow(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = create_officer(&app, "admin@surabaya.test", "admin", None, None);
    let mut browser = officer_session(&app, &admin).await;
    let home = browser.get("/admin").await;
    assert!(home.body.contains("/admin/kalender"), "the start page links the calendar");
    let page = browser.get("/admin/kalender?tahun=2026").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("20 Maret 2026") && page.body.contains("Cuti bersama Idulfitri"),
        "{}",
        page.body
    );

    // Every mistake is named by its field, and the typed values come back.
    let bad = browser
        .post(
            "/admin/kalender",
            &[("tanggal", "2026-13-01"), ("jenis", "akhir-pekan"), ("nama", "X"), ("nama_en", "")],
        )
        .await;
    assert_eq!(bad.status, 400);
    for message in
        ["Tuliskan tanggal yang benar", "Pilih libur nasional atau cuti bersama", "Nama harus 3 sampai 150"]
    {
        assert!(bad.body.contains(message), "{message}");
    }
    assert!(bad.body.contains("value=\"2026-13-01\""));

    // A local day off (a regional decree) on Monday 30 November 2026.
    assert_eq!(due(&app, &["2026-11-27", "1"]), "2026-11-30");
    let saved = browser
        .post(
            "/admin/kalender",
            &[
                ("tanggal", "2026-11-30"),
                ("jenis", "collective_leave"),
                ("nama", "Cuti bersama Hari Jadi Kota"),
                ("nama_en", "Collective leave: city anniversary"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/admin/kalender?tahun=2026"));
    assert_eq!(due(&app, &["2026-11-27", "1"]), "2026-12-01");
    assert_eq!(due(&app, &["2026-11-27", "1", "--public-holidays-only"]), "2026-11-30");
    // Saving the same date again replaces it: now a national holiday, off under every policy.
    let replaced = browser
        .post(
            "/admin/kalender",
            &[
                ("tanggal", "2026-11-30"),
                ("jenis", "national"),
                ("nama", "Hari Jadi Kota"),
                ("nama_en", "City anniversary"),
            ],
        )
        .await;
    assert_eq!(replaced.status, 303);
    assert_eq!(due(&app, &["2026-11-27", "1", "--public-holidays-only"]), "2026-12-01");
    let listed = app.json("/api/v1/calendar/holidays?year=2026", 200).await;
    assert_eq!(listed["holidays"].as_array().map(Vec::len), Some(26));

    let removed = browser.post("/admin/kalender/2026-11-30/hapus", &[]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(due(&app, &["2026-11-27", "1"]), "2026-11-30");
    assert_eq!(browser.post("/admin/kalender/2026-11-30/hapus", &[]).await.status, 404);
    assert_eq!(browser.post("/admin/kalender/bukan-tanggal/hapus", &[]).await.status, 404);

    // Each change is in the audit log.
    let entries = audit_actions(&app).await;
    assert_eq!(entries.iter().filter(|a| a.as_str() == "calendar.save").count(), 2);
    assert_eq!(entries.iter().filter(|a| a.as_str() == "calendar.remove").count(), 1);
    app.stop().await;
}

async fn only_the_installation_administrator_edits_the_calendar(store: Store) {
    let app = TestApp::spawn(store).await;
    let agency_admin = create_officer(&app, "opd@surabaya.test", "agency_admin", Some("disdukcapil"), None);
    let mut officer = officer_session(&app, &agency_admin).await;
    assert_eq!(officer.get("/admin/kalender").await.status, 403);
    let form = [("tanggal", "2026-11-30"), ("jenis", "national"), ("nama", "Libur"), ("nama_en", "Holiday")];
    assert_eq!(officer.post("/admin/kalender", &form).await.status, 403);
    assert_eq!(officer.post("/admin/kalender/2026-03-19/hapus", &[]).await.status, 403);
    let mut warga = citizen(&app, NIK_KARANG_PILANG, "warga@warga.test").await;
    warga.get("/akun").await;
    assert_eq!(warga.post("/admin/kalender/2026-03-19/hapus", &[]).await.status, 403);
    let mut stranger = Browser::new(&app);
    let page = stranger.get("/admin/kalender").await;
    assert!(page.location.as_deref().is_some_and(|l| l.starts_with("/akun/masuk")), "{:?}", page.location);
    // Nothing changed.
    assert_eq!(due(&app, &["2026-03-18", "1"]), "2026-03-25");
    app.stop().await;
}

/// The actions of every audit entry so far.
async fn audit_actions(app: &TestApp) -> Vec<String> {
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let rows = sqlx::query("SELECT leaf FROM audit_entries ORDER BY leaf_index")
        .fetch_all(&db)
        .await
        .expect("entries");
    db.close().await;
    rows.iter()
        .map(|row| {
            use sqlx::Row;
            let leaf: serde_json::Value =
                serde_json::from_slice(&row.get::<Vec<u8>, _>("leaf")).expect("JSON leaf");
            leaf["action"].as_str().expect("action").to_string()
        })
        .collect()
}
