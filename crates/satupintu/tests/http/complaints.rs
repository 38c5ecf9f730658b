//! Complaints: anyone reports through the web form or Open311, privacy choices hold in every
//! output, similar reports are offered before a duplicate is filed, and the reporter tracks
//! the report with a code.

use std::time::Duration;

use crate::browser::Browser;
use crate::identity::{create_officer, officer_session};
use crate::support::{Store, TestApp, run_cli};
use crate::workbench::wait_for_mail;

crate::store_tests!(
    an_anonymous_visitor_reports_gets_a_code_by_mail_and_tracks_the_report,
    a_confidential_report_never_shows_on_the_board_or_its_page,
    every_bad_field_is_named_beside_it_with_the_answers_kept,
    a_similar_open_report_is_offered_before_a_duplicate_is_filed,
    support_counts_once_per_visitor,
    reports_are_routed_by_topic_and_region,
    open311_lists_services_and_definitions_in_xml_and_json,
    open311_posts_and_reads_requests_with_the_specifications_errors,
    an_independent_open311_client_finds_the_server_conformant,
    a_report_is_handled_in_scope_and_closed_only_by_its_reporter,
    a_disputed_follow_up_is_escalated_and_silence_closes_after_the_deadline,
    photos_lose_their_location_and_follow_the_reports_privacy,
    photos_sent_with_a_form_that_needs_fixing_are_carried_not_lost,
    reports_with_and_without_coordinates_alternate_on_one_store,
    an_administrator_adds_a_topic_and_routes_it_by_region,
    the_map_shows_public_reports_with_a_position_and_the_boards_filters,
);

/// A phone photo's structure with the position the camera wrote (6°10'45"S 106°49'30"E) in
/// its EXIF and XMP.
const PHONE_PHOTO: &[u8] = include_bytes!("../../../../fuzz/seeds/photo_metadata/phone.jpg");

fn camera_position(bytes: &[u8]) -> Option<(f64, f64)> {
    satupintu_rules::photo::clean(bytes, true).expect("a photo").location
}

const TITLE: &str = "Jalan berlubang di Jl. Raya Darmo";
const TEXT: &str = "Lubang besar di depan nomor 45 sudah dua minggu, membahayakan pengendara motor.";

fn report<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("kategori", "complaint"),
        ("topik", "jalan-rusak"),
        ("judul", TITLE),
        ("isi", TEXT),
        ("wilayah", "35.78.08"),
    ];
    for (name, value) in extra {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    fields
}

/// Files a report through the web form and returns its number and tracking code.
async fn file_on_web(browser: &mut Browser<'_>, fields: &[(&str, &str)]) -> (i64, String) {
    browser.get("/pengaduan/baru").await;
    let mut page = browser.post("/pengaduan/baru", fields).await;
    if page.status == 200 && page.body.contains("tetap_kirim") {
        let mut again = fields.to_vec();
        again.push(("tetap_kirim", "1"));
        page = browser.post("/pengaduan/baru", &again).await;
    }
    assert_eq!(page.status, 201, "{}", page.body);
    let id = between(&page.body, "<strong>#", "</strong>").parse().expect("number");
    let code = between(&page.body, "<strong class=\"receipt\">", "</strong>").to_string();
    (id, code)
}

fn between<'b>(body: &'b str, start: &str, end: &str) -> &'b str {
    let from = body.find(start).unwrap_or_else(|| panic!("{start} in {body}")) + start.len();
    let to = body[from..].find(end).expect("end") + from;
    &body[from..to]
}

async fn an_anonymous_visitor_reports_gets_a_code_by_mail_and_tracks_the_report(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = Browser::new(&app);
    let (id, code) =
        file_on_web(&mut browser, &report(&[("surel", "warga@contoh.id"), ("nama", "Budi")])).await;
    assert_eq!(code.len(), 14, "a code like 7K3M-9QX2-WP4D: {code}");
    let mail = app.mail.wait_for("warga@contoh.id", Duration::from_secs(10)).await.expect("mail");
    assert!(mail.body_text().contains(&code), "the mail carries the code");

    // Public: on the board and its page, without the reporter's name or email.
    let board = browser.get("/pengaduan").await;
    assert!(board.body.contains(&format!("/pengaduan/{id}")), "listed");
    let detail = browser.get(&format!("/pengaduan/{id}")).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains(TEXT) && detail.body.contains("Dinas Perhubungan"));
    assert!(!detail.body.contains("warga@contoh.id") && !detail.body.contains("Budi"), "no identity");

    // Tracking with the code, typed in lower case without dashes.
    browser.get("/pengaduan/lacak").await;
    let typed = code.replace('-', "").to_lowercase();
    let tracked = browser.post("/pengaduan/lacak", &[("kode", &typed)]).await;
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    assert!(tracked.body.contains(TITLE));
    let wrong = browser.post("/pengaduan/lacak", &[("kode", "0000-0000-0000")]).await;
    assert_eq!(wrong.status, 404);
    app.stop().await;
}

async fn a_confidential_report_never_shows_on_the_board_or_its_page(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = Browser::new(&app);
    let secret = "Kepala seksi meminta uang tambahan untuk mempercepat izin saya di loket tiga.";
    let fields = report(&[
        ("topik", "pungutan-liar"),
        ("judul", "Pungutan di loket perizinan"),
        ("isi", secret),
        ("rahasia", "1"),
        ("anonim", "1"),
    ]);
    let (id, code) = file_on_web(&mut browser, &fields).await;
    assert!(!browser.get("/pengaduan").await.body.contains("Pungutan di loket"), "not on the board");
    assert!(!browser.get("/pengaduan?topik=pungutan-liar").await.body.contains(secret));
    assert_eq!(browser.get(&format!("/pengaduan/{id}")).await.status, 404, "its page is not found");
    for path in [format!("/open311/v2/requests/{id}.json"), format!("/open311/v2/requests/{id}.xml")] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
    let listed = app.get("/open311/v2/requests.json").await.text().await.expect("body");
    assert!(!listed.contains(secret) && !listed.contains(&format!("\"{id}\"")), "not in Open311");
    // The reporter still reads it with the code.
    browser.get("/pengaduan/lacak").await;
    let tracked = browser.post("/pengaduan/lacak", &[("kode", &code)]).await;
    assert!(tracked.body.contains(secret));
    app.stop().await;
}

async fn every_bad_field_is_named_beside_it_with_the_answers_kept(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = Browser::new(&app);
    browser.get("/pengaduan/baru").await;
    let long = "x".repeat(50 * 1024);
    let page = browser
        .post(
            "/pengaduan/baru",
            &[
                ("kategori", "pothole"),
                ("topik", "nope"),
                ("judul", "<script>alert(1)</script>"),
                ("isi", &long),
                ("lintang", "-7.29"),
                ("wilayah", "99.99"),
                ("surel", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    for (field, message) in [
        ("kategori", "Pilih salah satu pilihan."),
        ("isi", "Tulis paling banyak 5000 karakter."),
        ("bujur", "Isi lintang dan bujur sekaligus"),
        ("topik", "Pilih salah satu pilihan."),
        ("wilayah", "Pilih salah satu pilihan."),
        ("surel", "Isi alamat surel"),
    ] {
        assert!(page.body.contains(&format!("href=\"#{field}\"")), "summary links {field}");
        assert!(page.body.contains(message), "{field}: {message}");
    }
    assert!(
        page.body.contains("script&#62;alert(1)&#60;") || page.body.contains("script&gt;alert(1)&lt;"),
        "the title is kept, escaped"
    );
    assert!(!page.body.contains("<script>alert(1)"), "never as markup");
    let nothing = app.get("/open311/v2/requests.json").await.text().await.expect("body");
    assert_eq!(nothing, "[]", "nothing was filed");
    // A report whose form came from nowhere is refused.
    let forged = app.client.post(app.url("/pengaduan/baru")).form(&report(&[])).send().await.expect("post");
    assert_eq!(forged.status(), 403);
    app.stop().await;
}

async fn a_similar_open_report_is_offered_before_a_duplicate_is_filed(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut first = Browser::new(&app);
    let (id, _) = file_on_web(&mut first, &report(&[])).await;
    let mut second = Browser::new(&app);
    second.get("/pengaduan/baru").await;
    let alike = report(&[
        ("judul", "Ada lubang besar di Raya Darmo"),
        ("isi", "Jalan berlubang di Raya Darmo depan nomor 45, bahaya untuk motor."),
    ]);
    let offered = second.post("/pengaduan/baru", &alike).await;
    assert_eq!(offered.status, 200);
    assert!(offered.body.contains(&format!("/pengaduan/{id}/dukung")), "the open report is offered");
    assert!(offered.body.contains("Raya Darmo depan nomor 45"), "the answers are kept");
    // Supporting it instead of filing counts the support and files nothing.
    let supported = second.post(&format!("/pengaduan/{id}/dukung"), &[]).await;
    assert_eq!(supported.status, 200);
    assert!(supported.body.contains("1 orang juga mengalami"));
    let listed = app.get("/open311/v2/requests.json").await.text().await.expect("body");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&listed).expect("json").as_array().map(Vec::len),
        Some(1)
    );
    // Or the reporter sends theirs anyway.
    let (other, _) = file_on_web(&mut second, &alike).await;
    assert_ne!(other, id);
    app.stop().await;
}

async fn support_counts_once_per_visitor(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut reporter = Browser::new(&app);
    let (id, _) = file_on_web(&mut reporter, &report(&[])).await;
    let mut neighbour = Browser::new(&app);
    neighbour.get(&format!("/pengaduan/{id}")).await;
    neighbour.post(&format!("/pengaduan/{id}/dukung"), &[]).await;
    neighbour.get(&format!("/pengaduan/{id}")).await;
    let again = neighbour.post(&format!("/pengaduan/{id}/dukung"), &[]).await;
    assert!(again.body.contains("1 orang juga mengalami"), "counted once");
    let mut another = Browser::new(&app);
    another.get(&format!("/pengaduan/{id}")).await;
    let third = another.post(&format!("/pengaduan/{id}/dukung"), &[]).await;
    assert!(third.body.contains("2 orang juga mengalami"));
    assert_eq!(app.get("/pengaduan/999999").await.status(), 404);
    app.stop().await;
}

async fn reports_are_routed_by_topic_and_region(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut browser = Browser::new(&app);
    let rubbish = [
        ("topik", "sampah"),
        ("judul", "Sampah menumpuk di TPS"),
        ("isi", "Sampah di TPS belum diangkut selama lima hari dan mulai bau."),
    ];
    // Rungkut (35.78.03) has its own rule for rubbish; Gubeng (35.78.08) takes the city-wide one.
    let mut rungkut = rubbish.to_vec();
    rungkut.push(("wilayah", "35.78.03.1002"));
    let (in_rungkut, _) = file_on_web(&mut browser, &report(&rungkut)).await;
    let mut gubeng = rubbish.to_vec();
    gubeng.push(("wilayah", "35.78.08"));
    gubeng.push(("judul", "Tumpukan sampah di Gubeng"));
    let (in_gubeng, _) = file_on_web(&mut browser, &report(&gubeng)).await;
    let agency = |id: i64| {
        let app = &app;
        async move {
            let body = app.get(&format!("/open311/v2/requests/{id}.json")).await.text().await.expect("body");
            let json: serde_json::Value = serde_json::from_str(&body).expect("json");
            json[0]["agency_responsible"].as_str().unwrap_or_default().to_string()
        }
    };
    assert_eq!(agency(in_rungkut).await, "Kecamatan Rungkut");
    assert_eq!(agency(in_gubeng).await, "Dinas Lingkungan Hidup");
    app.stop().await;
}

fn open311_key(app: &TestApp) -> String {
    let (code, out, err) = run_cli(app, &["open311", "add-client", "Test app"]);
    assert_eq!(code, Some(0), "{err}");
    out.trim().to_string()
}

fn xml(body: &str) -> String {
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{body}");
    body.to_string()
}

async fn open311_lists_services_and_definitions_in_xml_and_json(store: Store) {
    let app = TestApp::spawn(store).await;
    let response = app.get("/open311/v2/services.xml").await;
    assert!(response.headers()["content-type"].to_str().expect("type").starts_with("text/xml"));
    let services = xml(&response.text().await.expect("body"));
    assert!(services.contains("<service><service_code>jalan-rusak</service_code>"));
    assert!(services.contains("<metadata>true</metadata><type>realtime</type>"));
    let json: serde_json::Value = app.json("/open311/v2/services.json", 200).await;
    let first = &json[0];
    for key in ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"] {
        assert!(first.get(key).is_some(), "{key}");
    }
    let definition = xml(&app.page("/open311/v2/services/jalan-rusak.xml", 200).await);
    assert!(definition.contains("<service_definition><service_code>jalan-rusak</service_code><attributes>"));
    assert!(definition.contains("<code>category</code><datatype>singlevaluelist</datatype>"));
    assert!(definition.contains("<value><key>aspiration</key>"));
    let definition: serde_json::Value = app.json("/open311/v2/services/jalan-rusak.json", 200).await;
    assert_eq!(definition["attributes"][0]["code"], "category");
    let missing = app.page("/open311/v2/services/nope.xml", 404).await;
    assert!(missing.contains("<errors><error><code>404</code><description>"));
    let other_place = app.json("/open311/v2/services.json?jurisdiction_id=31.71", 404).await;
    assert_eq!(other_place[0]["code"], 404);
    assert_eq!(app.json("/open311/v2/services.json?jurisdiction_id=35.78", 200).await, json);
    let discovery: serde_json::Value = app.json("/open311/discovery.json", 200).await;
    assert_eq!(discovery["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    app.stop().await;
}

async fn open311_posts_and_reads_requests_with_the_specifications_errors(store: Store) {
    let app = TestApp::spawn(store).await;
    let key = open311_key(&app);
    let post =
        |format: &'static str, fields: Vec<(&'static str, String)>, idempotency: Option<&'static str>| {
            let app = &app;
            async move {
                let mut request =
                    app.client.post(app.url(&format!("/open311/v2/requests.{format}"))).form(&fields);
                if let Some(k) = idempotency {
                    request = request.header("Idempotency-Key", k);
                }
                let response = request.send().await.expect("post");
                (response.status().as_u16(), response.text().await.expect("body"))
            }
        };
    let good = |key: &str| {
        vec![
            ("api_key", key.to_string()),
            ("service_code", "lampu-jalan".to_string()),
            ("lat", "-7.2653".to_string()),
            ("long", "112.7425".to_string()),
            (
                "description",
                "Lampu penerangan jalan di depan balai RW 03 mati sejak Senin malam.".to_string(),
            ),
            ("email", "pelapor@contoh.id".to_string()),
            ("first_name", "Sri".to_string()),
            ("attribute[category]", "complaint".to_string()),
        ]
    };
    let (status, body) = post("json", good(&key), Some("retry-1")).await;
    assert_eq!(status, 201, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).expect("json");
    let id = created[0]["service_request_id"].as_str().expect("id").to_string();
    assert!(created[0]["service_notice"].as_str().expect("notice").contains("/pengaduan/lacak"));
    // A retry with the same key is the same request.
    let (status, body) = post("json", good(&key), Some("retry-1")).await;
    assert_eq!(status, 201);
    let again: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(again[0]["service_request_id"].as_str(), Some(id.as_str()));
    let (status, body) = post("xml", good(&key), None).await;
    assert_eq!(status, 201);
    assert!(xml(&body).contains("<service_requests><request><service_request_id>"));

    // The specification's errors, in the format asked for.
    let without = |name: &str| good(&key).into_iter().filter(|(n, _)| *n != name).collect::<Vec<_>>();
    let (status, body) = post("xml", without("service_code"), None).await;
    assert_eq!(status, 400);
    assert!(xml(&body).contains("<errors><error><code>400</code><description>service_code is required"));
    let no_location: Vec<_> = good(&key).into_iter().filter(|(n, _)| *n != "lat" && *n != "long").collect();
    let (status, body) = post("json", no_location, None).await;
    assert_eq!(status, 400);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).expect("json")[0]["code"], 400);
    let (status, _) = post("json", good("wrong-key"), None).await;
    assert_eq!(status, 403);
    let mut bad_position = good(&key);
    bad_position.retain(|(n, _)| *n != "lat");
    bad_position.push(("lat", "123".into()));
    let (status, body) = post("json", bad_position, None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("lat"));
    let mut outside = good(&key);
    outside.retain(|(n, _)| *n != "lat" && *n != "long");
    outside.extend([("lat", "48.85".to_string()), ("long", "2.35".to_string())]);
    let (status, body) = post("json", outside, None).await;
    assert_eq!(status, 201, "outside Indonesia is a warning: {body}");
    assert!(body.contains("di luar Indonesia"));
    let mut by_region = without("lat");
    by_region.retain(|(n, _)| *n != "long");
    by_region.push(("address_id", "35.78.07.1001".into()));
    let (status, _) = post("json", by_region.clone(), None).await;
    assert_eq!(status, 201);
    by_region.retain(|(n, _)| *n != "address_id");
    by_region.push(("address_id", "31.71".into()));
    assert_eq!(post("json", by_region, None).await.0, 400, "a region elsewhere");

    // Reading back, one and filtered.
    let one: serde_json::Value = app.json(&format!("/open311/v2/requests/{id}.json"), 200).await;
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["service_code"], "lampu-jalan");
    assert!(one[0]["requested_datetime"].as_str().expect("time").ends_with("+07:00"));
    assert!(
        !one.to_string().contains("pelapor@contoh.id") && !one.to_string().contains("Sri"),
        "no identity"
    );
    let listed: serde_json::Value =
        app.json(&format!("/open311/v2/requests.json?service_request_id={id},999999"), 200).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let open: serde_json::Value =
        app.json("/open311/v2/requests.json?service_code=lampu-jalan&status=open", 200).await;
    assert_eq!(open.as_array().map(Vec::len), Some(4));
    let closed: serde_json::Value = app.json("/open311/v2/requests.json?status=closed", 200).await;
    assert_eq!(closed.as_array().map(Vec::len), Some(0));
    let past: serde_json::Value = app
        .json("/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z", 200)
        .await;
    assert_eq!(past.as_array().map(Vec::len), Some(0));
    let bad_date: serde_json::Value = app.json("/open311/v2/requests.json?start_date=kemarin", 400).await;
    assert_eq!(bad_date[0]["code"], 400);
    assert!(app.page("/open311/v2/requests/999999.xml", 404).await.contains("<code>404</code>"));
    assert!(app.page("/open311/v2/tokens/abc.xml", 404).await.contains("<errors>"));
    app.stop().await;
}

/// `e2e/open311/check_open311.py` is a client written from the published GeoReport v2
/// specification alone; it must find nothing wrong, in XML and JSON, with the discovery
/// document and the jurisdiction.
async fn an_independent_open311_client_finds_the_server_conformant(store: Store) {
    let app = TestApp::spawn(store).await;
    let key = open311_key(&app);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e/open311/check_open311.py");
    let (base, discovery) = (app.url("/open311/v2"), app.url("/open311/discovery.xml"));
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .args(["--base", &base, "--api-key", &key, "--jurisdiction", "35.78", "--discovery", &discovery])
            .output()
    })
    .await
    .expect("join")
    .expect("run python3");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains(" 0 failed"), "{report}");
    app.stop().await;
}

async fn status_of(app: &TestApp, id: i64) -> String {
    let body = app.get(&format!("/open311/v2/requests/{id}.json")).await.text().await.expect("body");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    json[0]["status_notes"].as_str().unwrap_or_default().to_string()
}

async fn a_report_is_handled_in_scope_and_closed_only_by_its_reporter(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut reporter = Browser::new(&app);
    let fields = report(&[
        ("topik", "lampu-jalan"),
        ("judul", "Lampu mati di Jalan Kertajaya"),
        ("surel", "rina@contoh.id"),
        ("nama", "Rina Wulandari"),
    ]);
    let (id, code) = file_on_web(&mut reporter, &fields).await;
    let path = format!("/admin/pengaduan/{id}");

    // Outside the scope: neither listed nor readable nor actionable.
    let other = create_officer(&app, "dinsos@surabaya.test", "officer", Some("dinsos"), Some("35.78"));
    let mut outsider = officer_session(&app, &other).await;
    assert!(!outsider.get("/admin/pengaduan").await.body.contains(&path));
    assert_eq!(outsider.get(&path).await.status, 404);
    outsider.get("/akun").await;
    assert_eq!(
        outsider
            .post(&format!("{path}/tindakan"), &[("tindakan", "tolak"), ("catatan", "Bukan wewenang kami")])
            .await
            .status,
        404
    );

    let clerk = create_officer(&app, "dishub@surabaya.test", "officer", Some("dishub"), Some("35.78"));
    let mut officer = officer_session(&app, &clerk).await;
    assert!(officer.get("/admin/pengaduan").await.body.contains(&path), "listed for the routed agency");
    let page = officer.get(&path).await;
    assert!(page.body.contains("Rina Wulandari") && page.body.contains("rina@contoh.id"), "not anonymous");
    // A follow-up before the report is taken on is refused, and so is one without a note.
    let early = officer
        .post(&format!("{path}/tindakan"), &[("tindakan", "selesai"), ("catatan", "Sudah diperbaiki")])
        .await;
    assert_eq!(early.status, 409);
    officer.get(&path).await;
    let taken = officer.post(&format!("{path}/tindakan"), &[("tindakan", "teruskan"), ("catatan", "")]).await;
    assert_eq!(taken.status, 303, "{}", taken.body);
    assert_eq!(status_of(&app, id).await, "Di instansi");
    wait_for_mail(&app, "rina@contoh.id", &format!("#{id} berpindah tahap"), 1).await;
    officer.get(&path).await;
    let bare = officer.post(&format!("{path}/tindakan"), &[("tindakan", "selesai"), ("catatan", "")]).await;
    assert_eq!(bare.status, 400);
    assert!(bare.body.contains("Tulis catatan"));
    let done = officer
        .post(
            &format!("{path}/tindakan"),
            &[("tindakan", "selesai"), ("catatan", "Lampu sudah diganti pada hari Selasa.")],
        )
        .await;
    assert_eq!(done.status, 303);
    // The officer cannot close it; only the reporter, with the code.
    assert!(!officer.get(&path).await.body.contains("value=\"tutup\""));
    assert_eq!(status_of(&app, id).await, "Tindak lanjut dilaporkan, menunggu pelapor");
    reporter.get("/pengaduan/lacak").await;
    let tracked = reporter.post("/pengaduan/lacak", &[("kode", &code)]).await;
    assert!(tracked.body.contains("Lampu sudah diganti pada hari Selasa."), "the follow-up note");
    let closed = reporter.post("/pengaduan/tanggapi", &[("kode", &code), ("jawaban", "konfirmasi")]).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(status_of(&app, id).await, "Selesai");
    let twice = reporter.post("/pengaduan/tanggapi", &[("kode", &code), ("jawaban", "konfirmasi")]).await;
    assert_eq!(twice.status, 409, "a second confirmation changes nothing");
    let stranger =
        reporter.post("/pengaduan/tanggapi", &[("kode", "0000-0000-0000"), ("jawaban", "sanggah")]).await;
    assert_eq!(stranger.status, 404, "someone else's report cannot be answered without its code");
    // Closed: the reporter rates the handling once, by code, for the unit that handled it.
    assert!(closed.body.contains("action=\"/pengaduan/survei\""), "the survey is offered");
    let survey = reporter.post("/pengaduan/survei", &[("kode", &code)]).await;
    assert_eq!(survey.status, 200, "{}", survey.body);
    assert!(survey.body.contains("name=\"kirim\" value=\"1\""));
    let mut answers: Vec<(&str, &str)> =
        satupintu::services::survey::ELEMENTS.iter().map(|e| (*e, "4")).collect();
    answers.extend([("kode", code.as_str()), ("kirim", "1"), ("pendidikan", "s1")]);
    let rated = reporter.post("/pengaduan/survei", &answers).await;
    assert_eq!(rated.status, 200, "{}", rated.body);
    assert!(rated.body.contains("Terima kasih atas penilaian Anda."));
    assert!(!rated.body.contains("action=\"/pengaduan/survei\""), "not offered again");
    assert_eq!(reporter.post("/pengaduan/survei", &answers).await.status, 409, "once per report");
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let (source, unit): (String, String) = sqlx::query_as(
        "SELECT r.source, a.slug FROM survey_responses r JOIN agencies a ON a.id = r.agency_id WHERE r.complaint_id = $1",
    )
    .bind(id)
    .fetch_one(&db)
    .await
    .expect("the rating");
    assert_eq!((source.as_str(), unit.as_str()), ("complaint", "dishub"));
    db.close().await;
    // Taken on and followed up the same day: both deadlines met.
    let report = officer.get("/admin/pengaduan/laporan").await;
    assert_eq!(report.status, 200);
    assert_eq!(report.body.matches("100% (1/1)").count(), 2, "{}", report.body);
    assert_eq!(
        outsider.get("/admin/pengaduan/laporan").await.body.matches("(1/1)").count(),
        0,
        "not in scope"
    );
    let (code_out, out, _) = run_cli(&app, &["audit", "verify"]);
    assert_eq!(code_out, Some(0), "{out}");
    app.stop().await;
}

async fn a_disputed_follow_up_is_escalated_and_silence_closes_after_the_deadline(store: Store) {
    let app = TestApp::spawn(store).await;
    let head = create_officer(&app, "kabid@dishub.test", "supervisor", Some("dishub"), Some("35.78"));
    let clerk = create_officer(&app, "loket@dishub.test", "officer", Some("dishub"), Some("35.78"));
    let mut reporter = Browser::new(&app);
    let (id, code) = file_on_web(
        &mut reporter,
        &report(&[("topik", "lalu-lintas"), ("judul", "Lampu lalu lintas rusak"), ("anonim", "1")]),
    )
    .await;
    let path = format!("/admin/pengaduan/{id}");
    let mut officer = officer_session(&app, &clerk).await;
    let page = officer.get(&path).await;
    assert!(page.body.contains("Anonim: identitas pelapor disembunyikan"), "anonymous");
    // Forwarding to another agency (a disposisi) needs a reason.
    let dinsos: i64 = {
        let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
        sqlx::query_scalar("SELECT id FROM agencies WHERE slug = 'dlh'").fetch_one(&db).await.expect("dlh")
    };
    let no_reason = officer
        .post(&format!("{path}/tindakan"), &[("tindakan", "teruskan"), ("instansi", &dinsos.to_string())])
        .await;
    assert_eq!(no_reason.status, 400);
    officer.get(&path).await;
    officer.post(&format!("{path}/tindakan"), &[("tindakan", "teruskan")]).await;
    officer.get(&path).await;
    officer
        .post(
            &format!("{path}/tindakan"),
            &[("tindakan", "selesai"), ("catatan", "Sudah dilaporkan ke teknisi.")],
        )
        .await;
    reporter.get("/pengaduan/lacak").await;
    reporter.post("/pengaduan/lacak", &[("kode", &code)]).await;
    let disputed = reporter
        .post("/pengaduan/tanggapi", &[("kode", &code), ("jawaban", "sanggah"), ("alasan", "Masih mati")])
        .await;
    assert_eq!(disputed.status, 200);
    assert_eq!(status_of(&app, id).await, "Di instansi");
    wait_for_mail(&app, &head.email, &format!("Laporan #{id}: pelapor menyanggah"), 1).await;

    // Followed up again, then the reporter stays silent past the deadline: the clock (every
    // second here) closes it, once.
    officer.get(&path).await;
    officer
        .post(&format!("{path}/tindakan"), &[("tindakan", "selesai"), ("catatan", "Lampu sudah diganti.")])
        .await;
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    sqlx::query("UPDATE complaints SET confirm_due_on = '2020-01-02' WHERE id = $1")
        .bind(id)
        .execute(&db)
        .await
        .expect("backdate");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while status_of(&app, id).await != "Selesai" {
        assert!(std::time::Instant::now() < deadline, "closed by the clock");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A report nobody took on in time is escalated to the supervisor once.
    let (late, _) = file_on_web(
        &mut reporter,
        &report(&[("topik", "lalu-lintas"), ("judul", "Rambu hilang di perempatan")]),
    )
    .await;
    sqlx::query("UPDATE complaints SET forward_due_on = '2020-01-02' WHERE id = $1")
        .bind(late)
        .execute(&db)
        .await
        .expect("backdate");
    let subject = format!("Laporan #{late} melewati batas waktu");
    wait_for_mail(&app, &head.email, &subject, 1).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let told =
        app.mail.messages().iter().filter(|m| m.subject().is_some_and(|s| s.contains(&subject))).count();
    assert_eq!(told, 1, "escalated once");
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM complaint_events WHERE complaint_id = $1 AND kind = 'closed-silence'",
    )
    .bind(id)
    .fetch_one(&db)
    .await
    .expect("events");
    assert_eq!(events, 1, "closed once");
    app.stop().await;
}

async fn photos_lose_their_location_and_follow_the_reports_privacy(store: Store) {
    let app = TestApp::spawn(store).await;
    assert!(camera_position(PHONE_PHOTO).is_some(), "the sample carries a position");
    let mut reporter = Browser::new(&app);
    reporter.get("/pengaduan/baru").await;
    let fields = report(&[("tetap_kirim", "1")]);
    let filed =
        reporter.post_multipart("/pengaduan/baru", &fields, &[("foto", "IMG_0001.jpg", PHONE_PHOTO)]).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let id: i64 = between(&filed.body, "<strong>#", "</strong>").parse().expect("number");

    // Public report: the photo is shown, served as a JPEG, without the position.
    let page = reporter.get(&format!("/pengaduan/{id}")).await;
    assert!(page.body.contains(&format!("/pengaduan/{id}/foto/1")), "{}", page.body);
    let (status, media_type, bytes) = reporter.download(&format!("/pengaduan/{id}/foto/1")).await;
    assert_eq!((status, media_type.as_str()), (200, "image/jpeg"));
    assert_eq!(camera_position(&bytes), None, "the camera's position is removed");
    assert!(!String::from_utf8_lossy(&bytes).contains("GPSLatitude"), "and the XMP copy of it");
    assert_eq!(reporter.download(&format!("/pengaduan/{id}/foto/2")).await.0, 404);
    // Open311 links the photo.
    let json: serde_json::Value =
        app.get(&format!("/open311/v2/requests/{id}.json")).await.json().await.expect("json");
    let media = json[0]["media_url"].as_str().expect("media_url");
    assert!(media.ends_with(&format!("/pengaduan/{id}/foto/1")), "{media}");

    // Confidential, the position kept: not public anywhere, the officer sees it with the
    // position, which became the report's own.
    reporter.get("/pengaduan/baru").await;
    let secret = report(&[
        ("tetap_kirim", "1"),
        ("rahasia", "1"),
        ("lokasi_foto", "1"),
        ("judul", "Pungutan liar di jembatan timbang"),
    ]);
    let filed =
        reporter.post_multipart("/pengaduan/baru", &secret, &[("foto", "bukti.jpg", PHONE_PHOTO)]).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let hidden: i64 = between(&filed.body, "<strong>#", "</strong>").parse().expect("number");
    assert_eq!(reporter.download(&format!("/pengaduan/{hidden}/foto/1")).await.0, 404, "not public");
    let clerk = create_officer(&app, "dishub@surabaya.test", "officer", Some("dishub"), Some("35.78"));
    let mut officer = officer_session(&app, &clerk).await;
    let work = officer.get(&format!("/admin/pengaduan/{hidden}")).await;
    assert!(work.body.contains(&format!("/admin/pengaduan/{hidden}/foto/1")), "{}", work.body);
    assert!(work.body.contains("-6.179167, 106.825"), "the photo's position is the report's: {}", work.body);
    let (status, _, bytes) = officer.download(&format!("/admin/pengaduan/{hidden}/foto/1")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, PHONE_PHOTO, "kept as sent");
    let outsider = create_officer(&app, "dinsos@surabaya.test", "officer", Some("dinsos"), Some("35.78"));
    let mut outsider = officer_session(&app, &outsider).await;
    assert_eq!(outsider.download(&format!("/admin/pengaduan/{hidden}/foto/1")).await.0, 404, "out of scope");
    let listed = app.get("/open311/v2/requests.json").await.text().await.expect("body");
    assert!(!listed.contains(&format!("/pengaduan/{hidden}/foto")), "not in Open311");

    // What is not a photo is refused, named, and nothing is filed.
    reporter.get("/pengaduan/baru").await;
    let refused = reporter
        .post_multipart("/pengaduan/baru", &fields, &[("foto", "foto.jpg", b"%PDF-1.7 pretending")])
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("foto.jpg: Bukan foto JPEG atau PNG."), "{}", refused.body);
    reporter.get("/pengaduan/baru").await;
    let four = [("foto", "a.jpg", PHONE_PHOTO); 4];
    let too_many = reporter.post_multipart("/pengaduan/baru", &fields, &four).await;
    assert_eq!(too_many.status, 400);
    assert!(too_many.body.contains("Paling banyak 3 foto"), "{}", too_many.body);
    // The plain form (no files) still works, and an Open311 link must be a web link.
    let (_, _) = file_on_web(&mut reporter, &report(&[("judul", "Trotoar amblas di Jalan Pemuda")])).await;
    let key = open311_key(&app);
    let posted = |media_url: &'static str| {
        let fields = [
            ("api_key", key.clone()),
            ("service_code", "jalan-rusak".to_string()),
            ("address_id", "35.78.08".to_string()),
            ("description", TEXT.to_string()),
            ("media_url", media_url.to_string()),
        ];
        app.client.post(app.url("/open311/v2/requests.json")).form(&fields).send()
    };
    let bad = posted("javascript:alert(1)").await.expect("post");
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.expect("body").contains("media_url must be an http or https URL"));
    let linked: serde_json::Value =
        posted("https://foto.contoh.id/lubang.jpg").await.expect("post").json().await.expect("json");
    let linked_id = linked[0]["service_request_id"].as_str().expect("id").to_string();
    let shown: serde_json::Value = app.json(&format!("/open311/v2/requests/{linked_id}.json"), 200).await;
    assert_eq!(shown[0]["media_url"], "https://foto.contoh.id/lubang.jpg");
    app.stop().await;
}

async fn photos_sent_with_a_form_that_needs_fixing_are_carried_not_lost(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut reporter = Browser::new(&app);
    reporter.get("/pengaduan/baru").await;
    let broken = report(&[("judul", ""), ("tetap_kirim", "1")]);
    let first = reporter.post_multipart("/pengaduan/baru", &broken, &[("foto", "a.jpg", PHONE_PHOTO)]).await;
    assert_eq!(first.status, 400);
    assert!(first.body.contains("1 foto sudah kami terima"), "{}", first.body);
    let carried = between(&first.body, "name=\"foto_tersimpan\" value=\"", "\"").to_string();

    // A forged carry names a file this site did not store for the form: ignored.
    let forged = format!("{}.jpg.100.0.AAAA", "ab".repeat(32));
    let both = format!("{carried} {forged}");
    let fixed = report(&[("tetap_kirim", "1"), ("foto_tersimpan", &both)]);
    let filed = reporter.post_multipart("/pengaduan/baru", &fixed, &[]).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let id: i64 = between(&filed.body, "<strong>#", "</strong>").parse().expect("number");
    let page = reporter.get(&format!("/pengaduan/{id}")).await;
    assert!(page.body.contains(&format!("/pengaduan/{id}/foto/1")) && !page.body.contains("/foto/2"));
    assert_eq!(reporter.download(&format!("/pengaduan/{id}/foto/1")).await.0, 200);
    app.stop().await;
}

async fn reports_with_and_without_coordinates_alternate_on_one_store(store: Store) {
    let app = TestApp::spawn(store).await;
    let key = open311_key(&app);
    for round in 0..6 {
        let mut fields = vec![
            ("api_key", key.clone()),
            ("service_code", "jalan-rusak".to_string()),
            ("description", format!("{TEXT} Laporan ke-{round}.")),
        ];
        if round % 2 == 0 {
            fields.push(("address_id", "35.78.08".to_string()));
        } else {
            fields.extend([("lat", "-7.2575".to_string()), ("long", "112.7521".to_string())]);
        }
        let response =
            app.client.post(app.url("/open311/v2/requests.json")).form(&fields).send().await.expect("post");
        assert_eq!(response.status(), 201, "round {round}: {}", response.text().await.unwrap_or_default());
        let filed: serde_json::Value = response.json().await.expect("json");
        let id = filed[0]["service_request_id"].as_str().expect("id").to_string();
        let shown: serde_json::Value = app.json(&format!("/open311/v2/requests/{id}.json"), 200).await;
        if round % 2 == 1 {
            assert_eq!(
                (shown[0]["lat"].as_f64(), shown[0]["long"].as_f64()),
                (Some(-7.2575), Some(112.7521))
            );
        } else {
            assert!(shown[0]["lat"].is_null(), "{shown}");
        }
    }
    app.stop().await;
}

async fn an_administrator_adds_a_topic_and_routes_it_by_region(store: Store) {
    let app = TestApp::spawn(store).await;
    let clerk = create_officer(&app, "dishub@surabaya.test", "officer", Some("dishub"), Some("35.78"));
    let mut clerk = officer_session(&app, &clerk).await;
    assert_eq!(clerk.get("/admin/pengaduan/topik").await.status, 403, "administrators only");
    let admin = create_officer(&app, "admin@surabaya.test", "admin", None, None);
    let mut admin = officer_session(&app, &admin).await;
    assert!(admin.get("/admin").await.body.contains("/admin/pengaduan/topik"), "linked from the dashboard");
    let list = admin.get("/admin/pengaduan/topik").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Kecamatan Rungkut"), "the demo rules are listed: {}", list.body);

    admin.get("/admin/pengaduan/topik/baru").await;
    let topic = [
        ("kode", "pohon-tumbang"),
        ("nama", "Pohon tumbang"),
        ("nama_en", "Fallen tree"),
        ("deskripsi", "Pohon tumbang atau dahan patah yang menghalangi jalan."),
        ("deskripsi_en", "A fallen tree or broken branch blocking a road."),
        ("kelompok", "Lingkungan"),
        ("kelompok_en", "Environment"),
        ("kata_kunci", "pohon dahan tumbang"),
        ("aktif", "1"),
        ("instansi", "dlh"),
    ];
    let mut bad = topic.to_vec();
    bad.retain(|(name, _)| *name != "kode" && *name != "nama_en");
    bad.extend([("kode", "Pohon Tumbang"), ("nama_en", "")]);
    let refused = admin.post("/admin/pengaduan/topik/baru", &bad).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("huruf kecil, angka dan tanda hubung")
            && refused.body.contains("Isian ini wajib diisi."),
        "{}",
        refused.body
    );
    let created = admin.post("/admin/pengaduan/topik/baru", &topic).await;
    assert_eq!(created.status, 303, "{}", created.body);
    admin.get("/admin/pengaduan/topik/baru").await;
    assert_eq!(admin.post("/admin/pengaduan/topik/baru", &topic).await.status, 400, "the code is taken");

    // Rungkut's fallen trees go to the district office.
    admin.get("/admin/pengaduan/topik/pohon-tumbang").await;
    let rule = admin
        .post(
            "/admin/pengaduan/topik/pohon-tumbang/aturan",
            &[("tindakan", "simpan"), ("wilayah", "35.78.03"), ("instansi", "kecamatan-rungkut")],
        )
        .await;
    assert_eq!(rule.status, 200, "{}", rule.body);
    assert!(rule.body.contains("Aturan disimpan.") && rule.body.contains("Kecamatan Rungkut"));
    let unknown = admin
        .post(
            "/admin/pengaduan/topik/pohon-tumbang/aturan",
            &[("tindakan", "simpan"), ("wilayah", "99.99"), ("instansi", "dlh")],
        )
        .await;
    assert_eq!(unknown.status, 400, "a region outside the installation");

    let mut reporter = Browser::new(&app);
    assert!(reporter.get("/pengaduan/baru").await.body.contains("value=\"pohon-tumbang\""), "offered");
    let tree = |region: &'static str, title: &'static str| {
        report(&[
            ("topik", "pohon-tumbang"),
            ("wilayah", region),
            ("judul", title),
            ("isi", "Pohon besar tumbang menutup separuh jalan sejak semalam."),
        ])
    };
    let (in_rungkut, _) =
        file_on_web(&mut reporter, &tree("35.78.03.1002", "Pohon tumbang di Rungkut")).await;
    let (in_gubeng, _) = file_on_web(&mut reporter, &tree("35.78.08", "Pohon tumbang di Gubeng")).await;
    let agency = |id: i64| {
        let app = &app;
        async move {
            let json: serde_json::Value = app.json(&format!("/open311/v2/requests/{id}.json"), 200).await;
            json[0]["agency_responsible"].as_str().unwrap_or_default().to_string()
        }
    };
    assert_eq!(agency(in_rungkut).await, "Kecamatan Rungkut");
    assert_eq!(agency(in_gubeng).await, "Dinas Lingkungan Hidup");

    // Removing the district rule sends Rungkut's next report to the city-wide agency.
    admin.get("/admin/pengaduan/topik/pohon-tumbang").await;
    let removed = admin
        .post(
            "/admin/pengaduan/topik/pohon-tumbang/aturan",
            &[("tindakan", "hapus"), ("wilayah", "35.78.03")],
        )
        .await;
    assert!(removed.body.contains("Aturan dihapus."), "{}", removed.body);
    let (later, _) = file_on_web(&mut reporter, &tree("35.78.03.1002", "Dahan patah di Rungkut")).await;
    assert_eq!(agency(later).await, "Dinas Lingkungan Hidup");
    assert_eq!(agency(in_rungkut).await, "Kecamatan Rungkut", "filed reports stay where they are");

    // Retired: no longer offered, in the form or Open311; its reports keep it.
    admin.get("/admin/pengaduan/topik/pohon-tumbang").await;
    let mut retired = topic.to_vec();
    retired.retain(|(name, _)| *name != "aktif" && *name != "instansi");
    let saved = admin.post("/admin/pengaduan/topik/pohon-tumbang", &retired).await;
    assert!(saved.body.contains("Topik disimpan."), "{}", saved.body);
    assert!(!reporter.get("/pengaduan/baru").await.body.contains("value=\"pohon-tumbang\""));
    crate::support::eventually("the Open311 list drops the topic", || async {
        !app.get("/open311/v2/services.json").await.text().await.expect("body").contains("pohon-tumbang")
    })
    .await;
    assert_eq!(
        app.json(&format!("/open311/v2/requests/{in_gubeng}.json"), 200).await[0]["service_code"],
        "pohon-tumbang"
    );

    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let leaves: Vec<Vec<u8>> = sqlx::query_scalar("SELECT leaf FROM audit_entries ORDER BY leaf_index")
        .fetch_all(&db)
        .await
        .expect("audit");
    let actions: Vec<String> = leaves
        .iter()
        .map(|leaf| serde_json::from_slice::<serde_json::Value>(leaf).expect("a leaf is JSON"))
        .filter(|entry| entry["subject"] == "complaint-topic/pohon-tumbang")
        .map(|entry| entry["action"].as_str().expect("action").to_string())
        .collect();
    assert_eq!(
        actions,
        ["complaint.topic.create", "complaint.route.set", "complaint.route.remove", "complaint.topic.update"]
    );
    db.close().await;
    app.stop().await;
}

async fn the_map_shows_public_reports_with_a_position_and_the_boards_filters(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut reporter = Browser::new(&app);
    let placed = |title: &'static str,
                  lat: &'static str,
                  lon: &'static str,
                  extra: &[(&'static str, &'static str)]| {
        let mut overrides = vec![("judul", title), ("lintang", lat), ("bujur", lon), ("tetap_kirim", "1")];
        overrides.extend_from_slice(extra);
        report(&overrides)
    };
    let (north, _) =
        file_on_web(&mut reporter, &placed("Jalan retak di Jalan Pahlawan", "-7.2458", "112.7378", &[]))
            .await;
    let (south, _) = file_on_web(
        &mut reporter,
        &placed("Lampu mati di Rungkut", "-7.3277", "112.7831", &[("topik", "lampu-jalan")]),
    )
    .await;
    let (secret, _) = file_on_web(
        &mut reporter,
        &placed(
            "Pungutan di loket perizinan",
            "-7.2600",
            "112.7500",
            &[("topik", "pungutan-liar"), ("rahasia", "1")],
        ),
    )
    .await;
    let (unplaced, _) =
        file_on_web(&mut reporter, &report(&[("judul", "Trotoar amblas di Jalan Pemuda")])).await;

    let board = reporter.get("/pengaduan?topik=lampu-jalan").await;
    assert!(board.body.contains("href=\"/pengaduan/peta?topik=lampu-jalan\""), "the board links its map");
    let map = reporter.get("/pengaduan/peta").await;
    assert_eq!(map.status, 200);
    for id in [north, south] {
        assert!(map.body.contains(&format!("<a href=\"/pengaduan/{id}\"")), "#{id} on the map");
    }
    assert!(!map.body.contains(&format!("/pengaduan/{secret}\"")), "a confidential report is never drawn");
    assert!(!map.body.contains("Pungutan"), "nor named");
    assert!(
        !map.body.contains(&format!("/pengaduan/{unplaced}\"")),
        "a report without a position is not drawn"
    );
    let dot = |body: &str, id: i64| -> (f64, f64) {
        let from = body.find(&format!("<a href=\"/pengaduan/{id}\"")).expect("dot");
        let cx: f64 = between(&body[from..], "cx=\"", "\"").parse().expect("cx");
        let cy: f64 = between(&body[from..], "cy=\"", "\"").parse().expect("cy");
        (cx, cy)
    };
    let (north_dot, south_dot) = (dot(&map.body, north), dot(&map.body, south));
    assert!(south_dot.0 > north_dot.0 && south_dot.1 > north_dot.1, "Rungkut is drawn south-east");
    let filtered = reporter.get("/pengaduan/peta?topik=lampu-jalan").await;
    assert!(
        filtered.body.contains(&format!("/pengaduan/{south}\""))
            && !filtered.body.contains(&format!("/pengaduan/{north}\""))
    );
    assert!(filtered.body.contains("href=\"/pengaduan?topik=lampu-jalan\""), "back to the same board");
    let none = reporter.get("/pengaduan/peta?topik=sampah").await;
    assert!(none.body.contains("Belum ada laporan publik dengan titik lokasi"), "{}", none.body);
    assert_eq!(reporter.get("/pengaduan/peta?status=entah").await.status, 400);
    app.stop().await;
}
