//! Issued documents through HTTP: approval issues a signed PDF, numbered by the agency; its
//! citizen and officers in scope download it; anyone checks it by code or by file, and learns
//! nothing about the applicant; a changed copy is refused; revocation shows at once.

use crate::browser::Browser;
use crate::identity::{NIK_WONOCOLO, PASSWORD, create_officer, officer_session, sign_in};
use crate::store_tests;
use crate::support::{Store, TestApp};
use crate::workbench::{submitted, wait_for_mail};

store_tests!(an_approved_application_gets_a_signed_document_anyone_can_verify);

/// The verification code in a page's `/verify/{code}` link.
fn code_in(body: &str) -> String {
    let at = body.find("/verify/").expect("a verification link") + "/verify/".len();
    body[at..at + 12].to_string()
}

async fn an_approved_application_gets_a_signed_document_anyone_can_verify(store: Store) {
    let app = TestApp::spawn(store).await;
    let (id, receipt) = submitted(&app, NIK_WONOCOLO, "siti@warga.test").await;
    let clerk = create_officer(&app, "loket@surabaya.test", "officer", Some("disdukcapil"), Some("35.78"));
    let head = create_officer(&app, "kabid@surabaya.test", "supervisor", Some("disdukcapil"), Some("35.78"));
    let mut officer = officer_session(&app, &clerk).await;
    let mut supervisor = officer_session(&app, &head).await;
    let path = format!("/admin/permohonan/{id}");
    let opened = officer.get(&path).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let action = format!("{path}/tindakan");
    let forwarded = officer.post(&action, &[("aksi", "forward"), ("catatan", "")]).await;
    assert_eq!(forwarded.status, 303, "{}", forwarded.body);
    supervisor.get(&path).await;
    assert_eq!(supervisor.post(&action, &[("aksi", "approve"), ("catatan", "")]).await.status, 303);

    // The citizen sees the document and downloads it.
    let mut siti = Browser::new(&app);
    assert_eq!(sign_in(&mut siti, "siti@warga.test", PASSWORD).await.status, 303);
    let status = siti.get(&format!("/permohonan/{id}")).await;
    assert!(status.body.contains("Dokumen terbit") && status.body.contains("Sah"), "{}", status.body);
    let year = jiff::tz::Offset::constant(7).to_datetime(jiff::Timestamp::now()).year();
    let number = format!("3578-LU-{year}-0001");
    assert!(status.body.contains(&number), "numbered by the agency's sequence: {}", status.body);
    let code = code_in(&status.body);
    let (http_status, content_type, pdf) = siti.download(&format!("/permohonan/{id}/surat")).await;
    assert_eq!((http_status, content_type.as_str()), (200, "application/pdf"));
    let checked = satupintu_docs::check(&pdf).expect("the signature holds");
    assert!(checked.signer_subject.contains("Pemerintah Kota Surabaya"), "{}", checked.signer_subject);
    let sha256 = satupintu_docs::sha256_hex(&pdf);
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains(&receipt) && text.contains(&format!("/verify/{code}")), "receipt and QR link");
    wait_for_mail(&app, "siti@warga.test", &format!("Kabar permohonan {receipt}"), 2).await;
    let notices = siti.get("/akun/notifikasi").await;
    assert!(
        notices.body.contains(&format!("Kabar permohonan {receipt}: Permohonan Anda disetujui")),
        "{}",
        notices.body
    );

    // The satisfaction survey opens once the application is closed, and takes one answer.
    assert!(status.body.contains(&format!("/permohonan/{id}/survei")));
    let survey = format!("/permohonan/{id}/survei");
    assert_eq!(siti.get(&survey).await.status, 200);
    let partial = siti.post(&survey, &[("persyaratan", "4"), ("waktu", "9")]).await;
    assert_eq!(partial.status, 400);
    assert!(
        partial.body.contains("Pilih salah satu penilaian") && partial.body.contains("value=\"4\" checked")
    );
    let elements = [
        "persyaratan",
        "prosedur",
        "waktu",
        "biaya",
        "produk",
        "kompetensi",
        "perilaku",
        "pengaduan",
        "sarana",
    ];
    let mut answers: Vec<(&str, &str)> = elements.iter().map(|e| (*e, "3")).collect();
    answers.push(("saran", "Antrean di loket sudah lebih cepat."));
    let rated = siti.post(&survey, &answers).await;
    assert_eq!(rated.location.as_deref(), Some(format!("/permohonan/{id}?dinilai=1").as_str()));
    let after = siti.get(&format!("/permohonan/{id}?dinilai=1")).await;
    assert!(after.body.contains("Terima kasih atas penilaian") && !after.body.contains(&survey));
    assert_eq!(siti.post(&survey, &answers).await.status, 409, "one answer per application");

    // Anyone verifies by code: status, number and hash, and nothing about the applicant.
    let public = app.page(&format!("/verify/{code}"), 200).await;
    assert!(public.contains("Sah") && public.contains(&number) && public.contains(&sha256), "{public}");
    assert!(!public.contains("Siti") && !public.contains(NIK_WONOCOLO), "no personal data");
    let typed = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]).to_lowercase();
    let lookup = app.get(&format!("/verify?kode={typed}")).await;
    assert_eq!(lookup.status(), 303, "to the document's page");
    let location = lookup.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(location, Some(format!("/verify/{code}")));
    let bad = app.page("/verify?kode=12345", 400).await;
    assert!(bad.contains("12 huruf dan angka"), "{bad}");
    assert!(app.page("/verify/ZZZZZZZZZZZZ", 404).await.contains("Tidak ada dokumen dengan kode ini"));
    let api = app.json(&format!("/api/v1/documents/{code}/verification"), 200).await;
    assert_eq!((api["status"].as_str(), api["number"].as_str()), (Some("valid"), Some(number.as_str())));
    assert_eq!(api["sha256"].as_str(), Some(sha256.as_str()));
    assert_eq!(app.get("/api/v1/documents/ZZZZZZZZZZZZ/verification").await.status(), 404);

    // Checking the file itself: the very file passes; a copy with one changed byte does not.
    let check_file = |bytes: Vec<u8>| {
        app.client
            .post(app.url("/api/v1/documents/verification"))
            .header("content-type", "application/pdf")
            .body(bytes)
            .send()
    };
    let same = check_file(pdf.clone()).await.expect("check");
    assert_eq!(same.status(), 200);
    let mut tampered = pdf.clone();
    let at = text.find(&receipt).expect("receipt printed");
    tampered[at] = if tampered[at] == b'9' { b'8' } else { b'9' };
    let refused = check_file(tampered.clone()).await.expect("check");
    assert_eq!(refused.status(), 422);
    let problem: serde_json::Value = refused.json().await.expect("problem");
    assert!(problem["type"].as_str().is_some_and(|t| t.ends_with("/document-not-issued")), "{problem}");
    assert!(
        problem["detail"].as_str().is_some_and(|d| d.contains("changed after it was signed")),
        "{problem}"
    );
    assert_eq!(check_file(b"MZ not a pdf".to_vec()).await.expect("check").status(), 422);
    let mut visitor = Browser::new(&app);
    let page = visitor.upload(&format!("/verify/{code}"), "surat.pdf", &pdf).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("sama persis"), "{}", page.body);
    let page = visitor.upload(&format!("/verify/{code}"), "surat.pdf", &tampered).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("berbeda dari dokumen yang diterbitkan"), "{}", page.body);

    // Officers in scope download it (logged for the citizen); others may not.
    let (http_status, _, copy) = officer.download(&format!("{path}/surat")).await;
    assert_eq!((http_status, copy == pdf), (200, true));
    assert!(siti.get("/akun/akses").await.body.contains(&format!("permohonan {receipt} (surat)")));
    let outsider =
        create_officer(&app, "jakarta@surabaya.test", "officer", Some("disdukcapil"), Some("31.71"));
    let mut outsider = officer_session(&app, &outsider).await;
    assert_eq!(outsider.download(&format!("{path}/surat")).await.0, 403);
    assert_eq!(siti.download("/permohonan/999999/surat").await.0, 404);

    // Revocation: not for a clerk; a supervisor must give a reason; then everyone sees it.
    let revoke = format!("{path}/surat/cabut");
    assert!(!officer.get(&path).await.body.contains(&revoke));
    assert_eq!(officer.post(&revoke, &[("alasan", "Salah cetak nama")]).await.status, 403);
    assert!(supervisor.get(&path).await.body.contains(&revoke));
    let short = supervisor.post(&revoke, &[("alasan", "x")]).await;
    assert_eq!(short.status, 400);
    assert!(short.body.contains("alasan pencabutan"), "{}", short.body);
    let reason = "Diterbitkan ulang karena salah tanggal lahir";
    assert_eq!(supervisor.post(&revoke, &[("alasan", reason)]).await.status, 303);
    assert_eq!(supervisor.post(&revoke, &[("alasan", reason)]).await.status, 409, "once");
    let public = app.page(&format!("/verify/{code}"), 200).await;
    assert!(public.contains("Dicabut") && public.contains(reason), "{public}");
    let api = app.json(&format!("/api/v1/documents/{code}/verification"), 200).await;
    assert_eq!(api["status"].as_str(), Some("revoked"));
    assert_eq!(api["revocation_reason"].as_str(), Some(reason));
    assert!(siti.get(&format!("/permohonan/{id}")).await.body.contains("Dokumen dicabut"));
    wait_for_mail(&app, "siti@warga.test", &format!("Kabar permohonan {receipt}"), 3).await;
    app.stop().await;
}
