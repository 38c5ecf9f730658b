//! Appointments through HTTP: an office publishes slots, citizens book, reschedule and
//! cancel, the office calls numbers that the public display shows; and when 50 citizens race
//! for 10 places, exactly 10 win.

use crate::browser::Browser;
use crate::identity::{NIK_GAMBIR, NIK_WONOCOLO, citizen, citizen_in, create_officer, officer_session};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    citizens_book_reschedule_and_cancel_and_the_office_calls_them,
    fifty_citizens_racing_for_ten_places_leave_exactly_ten_bookings,
);

/// A local date some days from now.
fn day_after(days: i64) -> String {
    let today = jiff::tz::Offset::constant(7).to_datetime(jiff::Timestamp::now()).date();
    today.checked_add(jiff::Span::new().days(days)).expect("date").to_string()
}

/// Publishes slots at Dinas Sosial (the demo opens none there) as an officer; returns the officer's browser.
async fn publish<'a>(app: &'a TestApp, day: &str, start: &str, end: &str, capacity: &str) -> Browser<'a> {
    let clerk = create_officer(app, "loket@surabaya.test", "officer", Some("dinsos"), Some("35.78"));
    let mut officer = officer_session(app, &clerk).await;
    assert_eq!(officer.get("/admin/antrean?instansi=dinsos").await.status, 200);
    let fields = [
        ("instansi", "dinsos"),
        ("hari", day),
        ("mulai", start),
        ("selesai", end),
        ("durasi", "60"),
        ("kapasitas", capacity),
    ];
    let published = officer.post("/admin/antrean/slot", &fields).await;
    assert_eq!(published.status, 303, "{}", published.body);
    officer
}

/// The slot ids offered on a booking page, in order.
fn slot_ids(body: &str) -> Vec<String> {
    body.split("name=\"slot\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().expect("id").to_string())
        .collect()
}

async fn citizens_book_reschedule_and_cancel_and_the_office_calls_them(store: Store) {
    let app = TestApp::spawn(store).await;
    let day = day_after(0);
    let mut officer = publish(&app, &day, "08:00", "10:00", "1").await;
    let bad = officer
        .post(
            "/admin/antrean/slot",
            &[
                ("instansi", "dinsos"),
                ("hari", "2020-01-01"),
                ("mulai", "8"),
                ("selesai", "07:00"),
                ("durasi", "60"),
                ("kapasitas", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("tanggal hari ini atau sesudahnya") && bad.body.contains("Kapasitas 1 sampai 500")
    );
    assert!(bad.body.contains("value=\"07:00\""), "entered data kept");

    // Anyone sees the times; booking needs a citizen.
    let open = app.page("/janji/dinsos", 200).await;
    assert!(
        open.contains("08:00–09:00")
            && open.contains("09:00–10:00")
            && open.contains("Masuk dengan akun warga")
    );
    assert!(app.page("/instansi/dinsos", 200).await.contains("/janji/dinsos"));

    let mut siti = citizen(&app, NIK_WONOCOLO, "siti@warga.test").await;
    let slots = slot_ids(&siti.get("/janji/dinsos").await.body);
    assert_eq!(slots.len(), 2, "08:00 and 09:00");
    let booked = siti.post("/janji/dinsos", &[("slot", &slots[0])]).await;
    assert_eq!(booked.status, 303, "{}", booked.body);
    let path = booked.location.expect("booking page");
    let page = siti.get(&path).await;
    assert!(page.body.contains("A-001") && page.body.contains("<svg role=\"img\""), "{}", page.body);
    assert!(siti.get("/akun/janji").await.body.contains("A-001"));

    // The only place is taken; a second booking the same day is refused.
    let mut budi = citizen(&app, NIK_GAMBIR, "budi@warga.test").await;
    budi.get("/janji/dinsos").await;
    let full = budi.post("/janji/dinsos", &[("slot", &slots[0])]).await;
    assert_eq!(full.status, 409);
    assert!(full.body.contains("sudah penuh"));
    siti.get("/janji/dinsos").await;
    let twice = siti.post("/janji/dinsos", &[("slot", &slots[1])]).await;
    assert_eq!(twice.status, 422);
    assert!(twice.body.contains("sudah punya janji temu"));
    assert_eq!(siti.post("/janji/dinsos", &[("slot", "bukan-angka")]).await.status, 422);

    // Rescheduling moves the booking and frees the old place, in one step.
    siti.get(&format!("{path}/ubah")).await;
    let moved = siti.post(&format!("{path}/ubah"), &[("slot", &slots[1])]).await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let new_path = moved.location.expect("new booking");
    assert!(siti.get(&path).await.body.contains("Dibatalkan"));
    assert!(siti.get(&new_path).await.body.contains("A-002"));
    budi.get("/janji/dinsos").await;
    let budi_booked = budi.post("/janji/dinsos", &[("slot", &slots[0])]).await;
    assert_eq!(budi_booked.status, 303, "the freed place: {}", budi_booked.body);
    // Someone else's booking is not found.
    assert_eq!(budi.get(&new_path).await.status, 404);

    // The office calls numbers in order; the display follows.
    let office = officer.get(&format!("/admin/antrean?instansi=dinsos&hari={day}")).await;
    assert!(office.body.contains("A-002") && office.body.contains("A-003") && !office.body.contains("Siti"));
    let call = [("instansi", "dinsos"), ("hari", day.as_str())];
    assert_eq!(officer.post("/admin/antrean/panggil", &call).await.status, 303);
    let display = app.get("/antrean/dinsos").await;
    assert_eq!(display.headers().get("refresh").and_then(|v| v.to_str().ok()), Some("15"));
    assert!(display.text().await.expect("display").contains("A-002"));
    officer.get(&format!("/admin/antrean?instansi=dinsos&hari={day}")).await;
    assert_eq!(officer.post("/admin/antrean/panggil", &call).await.status, 303);
    assert!(app.page("/antrean/dinsos", 200).await.contains("A-003"));
    officer.get(&format!("/admin/antrean?instansi=dinsos&hari={day}")).await;
    assert_eq!(officer.post("/admin/antrean/panggil", &call).await.status, 409, "nobody waiting");
    assert!(siti.get(&new_path).await.body.contains("Sudah dipanggil"));

    // Cancelling: once, and only while booked.
    let budi_path = budi_booked.location.expect("budi's booking");
    budi.get(&budi_path).await;
    assert_eq!(budi.post(&format!("{budi_path}/batal"), &[]).await.status, 409, "already called");

    // Officers of other offices and citizens do not run this office.
    let other = create_officer(&app, "capil@surabaya.test", "officer", Some("disdukcapil"), Some("35.78"));
    let mut other = officer_session(&app, &other).await;
    assert_eq!(other.get("/admin/antrean?instansi=dinsos").await.status, 403);
    assert_eq!(siti.get("/admin/antrean").await.status, 403);
    app.stop().await;
}

async fn fifty_citizens_racing_for_ten_places_leave_exactly_ten_bookings(store: Store) {
    let app = TestApp::spawn(store).await;
    let day = day_after(1);
    let mut officer = publish(&app, &day, "09:00", "10:00", "10").await;

    // Fifty citizens, each signed in with a form token of their own.
    let mut racers = Vec::new();
    for i in 0..50 {
        let nik = format!("357802150590{:04}", 100 + i);
        // Ten registrations per loopback address stay under the per-address limit.
        let address = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 1, (i / 10) as u8 + 1));
        let browser = Browser::from_address(&app, address);
        let mut browser = citizen_in(browser, &app, &nik, &format!("warga{i}@antre.test")).await;
        let offered = slot_ids(&browser.get("/janji/dinsos").await.body);
        racers.push((browser.cookie_header(), browser.csrf.clone().expect("token"), offered[0].clone()));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (cookie, csrf, slot) in racers {
        let client = app.client.clone();
        let url = app.url("/janji/dinsos");
        tasks.spawn(async move {
            let form = [("slot", slot.as_str()), ("csrf", csrf.as_str())];
            let response = client.post(url).header("cookie", cookie).form(&form).send().await.expect("POST");
            response.status().as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("task"));
    }
    let won = statuses.iter().filter(|s| **s == 303).count();
    let full = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((won, full), (10, 40), "{statuses:?}");

    // The office sees ten numbers, each once, and a full slot.
    let office = officer.get(&format!("/admin/antrean?instansi=dinsos&hari={day}")).await;
    for n in 1..=10 {
        assert_eq!(office.body.matches(&format!("<td>A-{n:03}</td>")).count(), 1, "A-{n:03}");
    }
    assert!(!office.body.contains("A-011"));
    assert!(office.body.contains("<td>10</td><td>10</td>"), "ten of ten places: {}", office.body);
    app.stop().await;
}
