//! The satisfaction report (IKM): per unit and period, the figures of PermenPAN-RB 14/2017
//! from the stored responses, for officers whose scope covers the unit, as a page and as CSV.

use satupintu_rules::ikm::{self, Tally};
use sqlx::Row;

use crate::identity::{create_officer, officer_session};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    a_units_report_gives_the_regulations_figures_within_the_officers_scope,
    anyone_served_at_a_unit_answers_its_walk_in_survey_with_an_optional_profile,
);

/// The scores of the n-th walk-in respondent: varied, every element answered.
fn scores(n: u64) -> [u8; 9] {
    std::array::from_fn(|i| 1 + ((n * 7 + i as u64 * 3 + n / 5) % 4) as u8)
}

async fn agency_id(db: &sqlx::AnyPool, slug: &str) -> i64 {
    sqlx::query("SELECT id FROM agencies WHERE slug = $1")
        .bind(slug)
        .fetch_one(db)
        .await
        .expect("agency")
        .get("id")
}

async fn respond(db: &sqlx::AnyPool, agency: i64, day: &str, n: u64) {
    let s = scores(n);
    let mut insert = sqlx::query(
        "INSERT INTO survey_responses (source, agency_id, submitted_on, u1, u2, u3, u4, u5, u6, u7, u8, u9) \
         VALUES ('walk_in', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(agency)
    .bind(day);
    for score in s {
        insert = insert.bind(i64::from(score));
    }
    insert.execute(db).await.expect("response");
}

async fn a_units_report_gives_the_regulations_figures_within_the_officers_scope(store: Store) {
    let app = TestApp::spawn(store).await;
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let (genteng, dishub) = (agency_id(&db, "kecamatan-genteng").await, agency_id(&db, "dishub").await);
    // 150 responses to the unit in March, 20 in April (outside the period asked), 30 to another unit.
    let mut expected = Tally::default();
    for n in 0..150 {
        respond(&db, genteng, &format!("2026-03-{:02}", 1 + n % 28), n).await;
        expected.add(&scores(n).map(Some));
    }
    for n in 150..170 {
        respond(&db, genteng, "2026-04-02", n).await;
    }
    for n in 0..30 {
        respond(&db, dishub, "2026-03-10", n + 1000).await;
    }
    let index = expected.index().expect("an index");

    let head = create_officer(
        &app,
        "kabid.ikm@genteng.test",
        "supervisor",
        Some("kecamatan-genteng"),
        Some("35.78"),
    );
    let mut supervisor = officer_session(&app, &head).await;
    let page = supervisor.get("/admin/ikm?unit=kecamatan-genteng&dari=2026-03-01&sampai=2026-03-31").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let converted = format!("{:.2}", ikm::two_decimals(index.converted)).replace('.', ",");
    assert!(page.body.contains(&format!("<strong>{converted}</strong>")), "IKM {converted}: {}", page.body);
    assert!(page.body.contains(&format!("<dd>{}</dd>", 150)), "respondents");
    assert!(page.body.contains(&format!("mutu {}", index.grade.letter())), "grade");
    assert!(page.body.contains(index.grade.label()), "label");
    let u1 = format!("{:.2}", index.nrr[0].expect("u1")).replace('.', ",");
    assert!(page.body.contains(&format!("<td>{u1}</td>")), "NRR u1 {u1}");
    assert!(page.body.contains("<svg role=\"img\""), "the chart");
    // Nobody applied in March: no volume, so no minimum sample to reach.
    assert!(page.body.contains("<dd>0: terpenuhi</dd>"), "sample");

    let csv = app
        .client
        .get(app.url("/admin/ikm.csv?unit=kecamatan-genteng&dari=2026-03-01&sampai=2026-03-31"))
        .header("cookie", supervisor.cookie_header())
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
    let text = csv.text().await.expect("body");
    let line = |key: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.split(',').nth(3) == Some(key))
            .unwrap_or_else(|| panic!("{key} in {text}"))
            .split(',')
            .map(str::to_string)
            .collect()
    };
    assert_eq!(line("respondents")[5], "150");
    assert_eq!(line("ikm")[5], format!("{:.2}", ikm::two_decimals(index.converted)));
    assert_eq!(line("ikm_0111")[5], format!("{:.2}", ikm::two_decimals(index.converted_printed_weight)));
    assert_eq!(line("grade")[5], index.grade.letter());
    assert_eq!(line("u9")[5], format!("{:.4}", index.nrr[8].expect("u9")));

    // The same report to print and as a workbook, read back by an independent reader.
    let download = |format: &'static str| {
        let request = app
            .client
            .get(app.url(&format!(
                "/admin/ikm.{format}?unit=kecamatan-genteng&dari=2026-03-01&sampai=2026-03-31"
            )))
            .header("cookie", supervisor.cookie_header());
        async move {
            let response = request.send().await.expect(format);
            assert_eq!(response.status(), 200, "{format}");
            let media_type = response.headers()["content-type"].to_str().expect("type").to_string();
            (media_type, response.bytes().await.expect("body").to_vec())
        }
    };
    let (media_type, pdf) = download("pdf").await;
    assert_eq!(media_type, "application/pdf");
    let printed = String::from_utf8_lossy(&pdf);
    assert!(printed.contains(&format!("({converted}) Tj")), "the IKM is printed");
    assert!(printed.contains(&format!("({u1}) Tj")), "and U1's NRR");
    let (media_type, workbook) = download("xlsx").await;
    assert_eq!(media_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let path = app.data_dir.join("ikm-report.xlsx");
    std::fs::write(&path, &workbook).expect("write the workbook");
    let read = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read('xl/worksheets/sheet1.xml').decode()); print(sorted(z.namelist()))"])
        .arg(&path)
        .output()
        .expect("python3");
    assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
    let sheet = String::from_utf8_lossy(&read.stdout);
    let stored = ikm::two_decimals(index.converted);
    assert!(sheet.contains(&format!("<v>{stored}</v>")), "the IKM is a number in the sheet: {sheet}");
    assert!(sheet.contains("<v>150</v>"), "respondents");
    assert!(sheet.contains("xl/charts/chart1.xml"), "with its chart");

    // The whole of March and April, and the other unit: outside the supervisor's scope.
    let both = supervisor.get("/admin/ikm?unit=kecamatan-genteng&dari=2026-03-01&sampai=2026-04-30").await;
    assert!(both.body.contains("<dd>170</dd>"), "April counted");
    assert_eq!(supervisor.get("/admin/ikm?unit=dishub").await.status, 403);
    assert_eq!(supervisor.get("/admin/ikm?dari=2026-13-01").await.status, 400);
    assert_eq!(supervisor.get("/admin/ikm?dari=2026-05-01&sampai=2026-04-01").await.status, 400);
    // Today one application came in and nobody has answered yet: the sample falls short.
    let (token, _) =
        crate::applications::api_tokens(&app, crate::identity::NIK_WONOCOLO, "ikm@warga.test").await;
    let body = serde_json::json!({
        "service": "surat-keterangan-domisili",
        "data": {"keperluan": "Pendaftaran sekolah anak", "alamat_domisili": "Jl. Kenari 12, RT 03 RW 05, Genteng",
                 "status_tempat": "sewa", "lama_tinggal_bulan": 26},
        "submit": false
    });
    let draft = crate::applications::post_api(&app, &token, Some("ikm-1"), &body).await;
    assert_eq!(draft.status(), 201);
    let id = draft.json::<serde_json::Value>().await.expect("draft")["id"].as_i64().expect("id");
    let letter = b"%PDF-1.4\n% pengantar\n%%EOF\n";
    assert_eq!(
        crate::applications::put_document(&app, &token, id, "pengantar_rt_rw", letter).await.status(),
        200
    );
    assert_eq!(crate::applications::submit_api(&app, &token, id).await.status(), 200);
    let day = satupintu::calendar::today_at(7);
    let today = supervisor.get(&format!("/admin/ikm?unit=kecamatan-genteng&dari={day}&sampai={day}")).await;
    assert!(
        today.body.contains("<dd>1: <strong class=\"overdue\">belum terpenuhi</strong></dd>"),
        "{}",
        today.body
    );
    assert!(today.body.contains("belum ada responden"), "no index without respondents");
    // A clerk handles cases but does not read the unit's report.
    let clerk =
        create_officer(&app, "loket.ikm@genteng.test", "officer", Some("kecamatan-genteng"), Some("35.78"));
    let mut desk = officer_session(&app, &clerk).await;
    assert_eq!(desk.get("/admin/ikm").await.status, 403);
    // Without signing in: to the sign-in page.
    assert_eq!(app.get("/admin/ikm").await.status().as_u16(), 303);
    db.close().await;
    app.stop().await;
}

async fn anyone_served_at_a_unit_answers_its_walk_in_survey_with_an_optional_profile(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut kiosk = crate::browser::Browser::new(&app);
    let page = kiosk.get("/survei/kecamatan-genteng").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Survei kepuasan: Kecamatan Genteng"), "{}", page.body);
    assert!(page.body.contains("Tentang Anda (tidak wajib)"));
    assert_eq!(kiosk.get("/survei/tidak-ada").await.status, 404);

    // A missing score is named, the other answers kept; nothing is stored.
    let mut answers: Vec<(&str, &str)> =
        satupintu::services::survey::ELEMENTS.iter().map(|e| (*e, "3")).collect();
    answers.retain(|(e, _)| *e != "sarana");
    answers.push(("usia", "26-35"));
    kiosk.get("/survei/kecamatan-genteng").await;
    let refused = kiosk.post("/survei/kecamatan-genteng", &answers).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("href=\"#sarana-1\""), "the error links to the question");
    assert!(refused.body.contains("id=\"usia-26-35\" name=\"usia\" value=\"26-35\" checked"), "answers kept");

    answers.push(("sarana", "4"));
    answers.push(("jenis_kelamin", "P"));
    answers.push(("pekerjaan", "bukan-pilihan"));
    answers.push(("saran", "Antrean lebih tertib dengan nomor."));
    let stored = kiosk.post("/survei/kecamatan-genteng", &answers).await;
    assert_eq!(stored.status, 303, "{}", stored.body);
    assert_eq!(stored.location.as_deref(), Some("/survei/kecamatan-genteng?terima=1"));
    let next = kiosk.get("/survei/kecamatan-genteng?terima=1").await;
    assert!(next.body.contains("Terima kasih"), "thanks, and the form for the next respondent");
    // Without the form token: refused.
    let forged = app
        .client
        .post(app.url("/survei/kecamatan-genteng"))
        .form(&[("persyaratan", "1")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status().as_u16(), 403);

    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let row = sqlx::query(
        "SELECT r.source, r.application_id, r.u1, r.u9, r.sex, r.age_group, r.occupation, r.suggestion \
         FROM survey_responses r JOIN agencies a ON a.id = r.agency_id WHERE a.slug = 'kecamatan-genteng'",
    )
    .fetch_all(&db)
    .await
    .expect("responses");
    assert_eq!(row.len(), 1, "one response stored");
    let r = &row[0];
    assert_eq!(r.get::<String, _>("source"), "walk_in");
    assert_eq!(r.get::<Option<i64>, _>("application_id"), None);
    assert_eq!((r.get::<i64, _>("u1"), r.get::<i64, _>("u9")), (3, 4));
    assert_eq!(r.get::<Option<String>, _>("sex").as_deref(), Some("P"));
    assert_eq!(r.get::<Option<String>, _>("age_group").as_deref(), Some("26-35"));
    assert_eq!(r.get::<Option<String>, _>("occupation"), None, "an unknown choice is not stored");
    assert_eq!(
        r.get::<Option<String>, _>("suggestion").as_deref(),
        Some("Antrean lebih tertib dengan nomor.")
    );
    db.close().await;

    // The unit's report counts it and shows the walk-in address with its QR code.
    let head =
        create_officer(&app, "camat@genteng.test", "supervisor", Some("kecamatan-genteng"), Some("35.78"));
    let mut supervisor = officer_session(&app, &head).await;
    let day = satupintu::calendar::today_at(7);
    let report = supervisor.get(&format!("/admin/ikm?unit=kecamatan-genteng&dari={day}&sampai={day}")).await;
    assert!(report.body.contains("<dt>Responden</dt><dd>1</dd>"), "{}", report.body);
    assert!(report.body.contains("/survei/kecamatan-genteng</a>"), "the walk-in address");
    assert!(report.body.contains("<svg role=\"img\" aria-label=\"Kode QR survei"), "its QR code");
    app.stop().await;
}
