//! Content editing: drafts stay off the portal, the API and search until published; every
//! save is audited; only content editors and admins may edit.

use serde_json::Value;

use crate::browser::Browser;
use crate::identity::{NIK_KARANG_PILANG, citizen, create_officer, officer_session};
use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    news_draft_stays_hidden_until_published_and_hides_again_when_withdrawn,
    faq_pages_and_regulations_are_edited_published_and_withdrawn,
    bad_fields_are_named_in_a_400_and_nothing_is_saved,
    only_content_editors_and_admins_may_edit_content,
);

/// A made-up word, so search finds only the item under test.
const NEWS_WORD: &str = "Gandrungsewu";
const NEWS_TITLE: &str = "Festival Gandrungsewu Digelar di Taman Bungkul";
const NEWS_SLUG: &str = "festival-gandrungsewu-digelar-di-taman-bungkul";

/// Per-stem document counts (what search uses to choose its plan), as one fingerprint.
async fn term_counts(app: &TestApp) -> (i64, i64) {
    use sqlx::Row;
    let db = satupintu::db::Db::connect_lazy(&app.database_url, 2).expect("db");
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(documents), 0) AS BIGINT) AS total, COUNT(*) AS terms FROM search_terms \
         WHERE documents <> 0",
    )
    .fetch_one(db.pool())
    .await
    .expect("term counts");
    let counts = (row.try_get("total").expect("total"), row.try_get("terms").expect("terms"));
    db.close().await;
    counts
}

async fn tree_size(app: &TestApp) -> u64 {
    app.json("/api/v1/transparency/sth", 200).await["tree_size"].as_u64().expect("tree size")
}

/// The (action, subject) of each audit entry from `start` on.
async fn audit_entries(app: &TestApp, start: u64, end: u64) -> Vec<(String, String)> {
    use base64::Engine;
    let page = app.json(&format!("/api/v1/transparency/entries?start={start}&end={end}"), 200).await;
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            let leaf = base64::engine::general_purpose::STANDARD
                .decode(entry["leaf"].as_str().expect("leaf"))
                .expect("base64");
            let leaf: Value = serde_json::from_slice(&leaf).expect("JSON leaf");
            assert!(leaf["actor"].as_str().is_some_and(|a| a.starts_with("officer:")), "{leaf}");
            (
                leaf["action"].as_str().expect("action").into(),
                leaf["subject"].as_str().expect("subject").into(),
            )
        })
        .collect()
}

/// The slugs a search through the API finds.
async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let body = app.json(&format!("/api/v1/search?q={query}&limit=100"), 200).await;
    body["data"].as_array().expect("data").iter().map(|h| h["slug"].as_str().expect("slug").into()).collect()
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn editor<'a>(app: &'a TestApp) -> Browser<'a> {
    let officer = create_officer(app, "redaksi@surabaya.test", "content_editor", Some("diskominfo"), None);
    officer_session(app, &officer).await
}

fn news_fields(action: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("jenis", "news"),
        ("judul", NEWS_TITLE),
        ("ringkasan", "Ribuan penari memeriahkan festival budaya tahunan di Taman Bungkul."),
        (
            "isi",
            "Festival Gandrungsewu kembali digelar.\r\n\r\nAcara terbuka untuk umum dan tidak dipungut biaya.",
        ),
        ("instansi", "diskominfo"),
        ("aksi", action),
    ]
}

/// Whether the news item shows anywhere a reader or a program could find it.
async fn news_visibility(app: &TestApp) -> [bool; 5] {
    let list = app.page("/berita", 200).await;
    let api = app.json("/api/v1/news?limit=100", 200).await.to_string();
    let detail = app.get(&format!("/berita/{NEWS_SLUG}")).await.status().as_u16();
    let api_detail = app.get(&format!("/api/v1/news/{NEWS_SLUG}")).await.status().as_u16();
    let search_page = app.page(&format!("/cari?q={NEWS_WORD}"), 200).await;
    assert_eq!(detail, api_detail, "page and API agree");
    assert!(detail == 200 || detail == 404, "{detail}");
    let api_search = found(app, NEWS_WORD).await.contains(&NEWS_SLUG.to_string());
    assert_eq!(
        search_page.contains(&format!("href=\"/berita/{NEWS_SLUG}\"")),
        api_search,
        "search page and API agree"
    );
    [list.contains(NEWS_SLUG), api.contains(NEWS_SLUG), detail == 200, api_search, list.contains(NEWS_TITLE)]
}

async fn news_draft_stays_hidden_until_published_and_hides_again_when_withdrawn(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut desk = editor(&app).await;
    let before = tree_size(&app).await;
    let counts = term_counts(&app).await;

    let list = desk.get("/admin/konten").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(
        list.body.contains("href=\"/admin/konten/berita/baru\"") && list.body.contains("Tambah tanya-jawab")
    );
    assert!(list.body.contains("href=\"/admin/konten/halaman/tentang\""));
    assert!(
        list.body.contains("href=\"/admin/konten/regulasi/perda-6-2015-retribusi-izin-mendirikan-bangunan\"")
    );

    let form = desk.get("/admin/konten/berita/baru").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"draf\"") && form.body.contains("Simpan sebagai draf"));
    assert!(form.body.contains("value=\"terbit\"") && form.body.contains("Terbitkan"));
    let saved = desk.post("/admin/konten/berita/baru", &news_fields("draf")).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("disimpan sebagai draf"), "{}", saved.body);
    assert!(saved.body.contains("beberapa detik"), "the page cache is mentioned");
    assert_eq!(news_visibility(&app).await, [false; 5], "a draft is nowhere public");
    let list = desk.get("/admin/konten").await;
    assert!(list.body.contains(&format!("href=\"/admin/konten/berita/{NEWS_SLUG}\"")), "{}", list.body);
    assert!(list.body.contains("<strong>Draf</strong>"));

    let form = desk.get(&format!("/admin/konten/berita/{NEWS_SLUG}")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Status saat ini: Draf") && form.body.contains("Acara terbuka untuk umum"));
    let published = desk.post(&format!("/admin/konten/berita/{NEWS_SLUG}"), &news_fields("terbit")).await;
    assert_eq!(published.status, 200, "{}", published.body);
    assert!(published.body.contains("diterbitkan"));
    assert_eq!(news_visibility(&app).await, [true; 5], "published: everywhere");
    let article = app.page(&format!("/berita/{NEWS_SLUG}"), 200).await;
    assert!(article.contains("<p>Acara terbuka untuk umum dan tidak dipungut biaya.</p>"), "paragraphs kept");
    let item = app.json(&format!("/api/v1/news/{NEWS_SLUG}"), 200).await;
    assert_eq!(item["agency_slug"], "diskominfo");

    // Re-publishing an edit updates the search index: the old word is gone, the new one found.
    desk.get(&format!("/admin/konten/berita/{NEWS_SLUG}")).await;
    let mut edited = news_fields("terbit");
    edited[3] = ("isi", "Festival tahun ini menampilkan tari Remobarongan dari seluruh kecamatan.");
    assert_eq!(desk.post(&format!("/admin/konten/berita/{NEWS_SLUG}"), &edited).await.status, 200);
    assert!(found(&app, "Remobarongan").await.contains(&NEWS_SLUG.to_string()));
    assert!(found(&app, "pungut").await.iter().all(|s| s != NEWS_SLUG), "old text left the index");

    desk.get(&format!("/admin/konten/berita/{NEWS_SLUG}")).await;
    let withdrawn = desk.post(&format!("/admin/konten/berita/{NEWS_SLUG}"), &news_fields("draf")).await;
    assert_eq!(withdrawn.status, 200);
    assert!(withdrawn.body.contains("ditarik dari portal"));
    assert_eq!(news_visibility(&app).await, [false; 5], "withdrawn: gone again");
    assert_eq!(term_counts(&app).await, counts, "document counts back where they were");

    // A second item with the same headline gets a name of its own.
    desk.get("/admin/konten/berita/baru").await;
    assert_eq!(desk.post("/admin/konten/berita/baru", &news_fields("terbit")).await.status, 200);
    app.page(&format!("/berita/{NEWS_SLUG}-2"), 200).await;
    app.page(&format!("/berita/{NEWS_SLUG}"), 404).await;

    let after = tree_size(&app).await;
    assert_eq!(after, before + 5, "one audit entry per save");
    let subject = format!("news/{NEWS_SLUG}");
    let entries = audit_entries(&app, before, after).await;
    let expected = [
        ("content.save_draft", subject.clone()),
        ("content.publish", subject.clone()),
        ("content.publish", subject.clone()),
        ("content.unpublish", subject.clone()),
        ("content.publish", format!("{subject}-2")),
    ];
    let expected: Vec<(String, String)> = expected.into_iter().map(|(a, s)| (a.to_string(), s)).collect();
    assert_eq!(entries, expected);
    app.stop().await;
}

async fn faq_pages_and_regulations_are_edited_published_and_withdrawn(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut desk = editor(&app).await;
    let before = tree_size(&app).await;

    // An FAQ answer, edited and published.
    let faq = app.json("/api/v1/faq", 200).await;
    let entry = faq["data"][0].clone();
    let id = entry["id"].as_i64().expect("id");
    let path = format!("/admin/konten/tanya-jawab/{id}");
    let form = desk.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Status saat ini: Terbit"));
    let answer =
        "Tidak. Semua layanan kependudukan gratis; laporkan pungutan Cakrawalaku lewat menu Pengaduan.";
    let fields = |answer: &'static str, action: &'static str| -> Vec<(String, String)> {
        let text = |key: &str| entry[key].as_str().expect("text").to_string();
        vec![
            ("kategori".into(), text("category")),
            ("pertanyaan".into(), text("question")),
            ("jawaban".into(), answer.into()),
            ("pertanyaan_en".into(), text("question_en")),
            ("jawaban_en".into(), text("answer_en")),
            ("urutan".into(), "0".into()),
            ("aksi".into(), action.into()),
        ]
    };
    let saved = desk.post(&path, &pairs(&fields(answer, "terbit"))).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(app.page("/tanya-jawab", 200).await.contains("Cakrawalaku"));
    assert_eq!(found(&app, "Cakrawalaku").await, [format!("faq-{id}")]);
    desk.get(&path).await;
    assert_eq!(desk.post(&path, &pairs(&fields(answer, "draf"))).await.status, 200);
    assert!(!app.page("/tanya-jawab", 200).await.contains("Cakrawalaku"));
    assert!(!app.json("/api/v1/faq", 200).await.to_string().contains("Cakrawalaku"));
    assert!(found(&app, "Cakrawalaku").await.is_empty());

    // A new FAQ entry.
    desk.get("/admin/konten/tanya-jawab/baru").await;
    let new_entry = [
        ("kategori", "Perizinan"),
        ("pertanyaan", "Berapa lama izin reklame Sinarlintang diproses?"),
        ("jawaban", "Paling lama lima hari kerja sejak berkas lengkap."),
        ("pertanyaan_en", ""),
        ("jawaban_en", ""),
        ("urutan", "99"),
        ("aksi", "terbit"),
    ];
    assert_eq!(desk.post("/admin/konten/tanya-jawab/baru", &new_entry).await.status, 200);
    assert!(app.json("/api/v1/faq", 200).await.to_string().contains("Sinarlintang"));
    let hits = found(&app, "Sinarlintang").await;
    assert_eq!(hits.len(), 1);

    // A page, in both languages.
    let form = desk.get("/admin/konten/halaman/tentang").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("lang=\"en\""), "English fields are marked as English");
    let page_fields = [
        ("judul", "Tentang Kota Surabaya"),
        ("isi", "Surabaya adalah kota pahlawan.\n\nPortal ini dikelola Diskominfo Kembangpelangi."),
        ("judul_en", "About Surabaya"),
        ("isi_en", "Surabaya is the city of heroes, run by Kembangpelangi."),
        ("aksi", "terbit"),
    ];
    assert_eq!(desk.post("/admin/konten/halaman/tentang", &page_fields).await.status, 200);
    assert!(
        app.page("/halaman/tentang", 200)
            .await
            .contains("<p>Portal ini dikelola Diskominfo Kembangpelangi.</p>")
    );
    let english =
        app.get_with("/halaman/tentang", &[("cookie", "lang=en")]).await.text().await.expect("body");
    assert!(english.contains("<title>About Surabaya"), "{english}");
    assert_eq!(found(&app, "Kembangpelangi").await, ["tentang"]);

    // A regulation's metadata; its draft takes its page, file and API record with it.
    let slug = "perda-6-2015-retribusi-izin-mendirikan-bangunan";
    let path = format!("/admin/konten/regulasi/{slug}");
    let form = desk.get(&path).await;
    assert!(
        form.body.contains("value=\"2015-07-20\"")
            && form.body.contains("<option value=\"dicabut\" selected>")
    );
    let regulation = |status: &'static str, action: &'static str| {
        [
            ("jenis", "Peraturan Daerah"),
            ("nomor", "6"),
            ("tahun", "2015"),
            ("judul", "Retribusi Izin Mendirikan Bangunan Tirtamaya"),
            ("status", status),
            ("pokok", "Bangunan Gedung"),
            ("ditetapkan", "2015-07-20"),
            ("ringkasan", "Mengatur retribusi IMB; dicabut sejak berlakunya Persetujuan Bangunan Gedung."),
            ("aksi", action),
        ]
    };
    assert_eq!(desk.post(&path, &regulation("diubah", "terbit")).await.status, 200);
    assert_eq!(app.json(&format!("/api/v1/regulations/{slug}"), 200).await["status"], "diubah");
    assert_eq!(found(&app, "Tirtamaya").await, [slug]);
    desk.get(&path).await;
    assert_eq!(desk.post(&path, &regulation("diubah", "draf")).await.status, 200);
    app.page(&format!("/regulasi/{slug}"), 404).await;
    app.page(&format!("/regulasi/{slug}/berkas"), 404).await;
    app.json(&format!("/api/v1/regulations/{slug}"), 404).await;
    assert!(!app.page("/regulasi?tahun=2015", 200).await.contains(slug));
    assert!(found(&app, "Tirtamaya").await.is_empty());

    let after = tree_size(&app).await;
    let actions: Vec<String> =
        audit_entries(&app, before, after).await.into_iter().map(|(a, s)| format!("{a} {s}")).collect();
    let new_id = actions.get(2).and_then(|a| a.rsplit('/').next()).expect("new entry").to_string();
    assert_eq!(hits, [format!("faq-{new_id}")]);
    assert_eq!(
        actions,
        [
            format!("content.publish faq/{id}"),
            format!("content.unpublish faq/{id}"),
            format!("content.publish faq/{new_id}"),
            "content.publish page/tentang".to_string(),
            format!("content.publish regulation/{slug}"),
            format!("content.unpublish regulation/{slug}"),
        ]
    );
    app.stop().await;
}

async fn bad_fields_are_named_in_a_400_and_nothing_is_saved(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut desk = editor(&app).await;
    let before = tree_size(&app).await;

    desk.get("/admin/konten/berita/baru").await;
    let long = "x".repeat(20_001);
    let fields = [
        ("jenis", "gosip"),
        ("judul", ""),
        ("ringkasan", "Pendek"),
        ("isi", long.as_str()),
        ("instansi", "tidak-ada"),
        ("aksi", "terbit"),
    ];
    let page = desk.post("/admin/konten/berita/baru", &fields).await;
    assert_eq!(page.status, 400, "{}", page.body);
    for message in [
        "Pilih Jenis dari daftar.",
        "Judul wajib diisi.",
        "Ringkasan paling sedikit 10 karakter.",
        "Isi paling banyak 20000 karakter.",
        "Pilih Instansi (opsional) dari daftar.",
    ] {
        assert!(page.body.contains(message), "{message} missing");
    }
    assert!(page.body.contains("aria-invalid=\"true\"") && page.body.contains("href=\"#judul\""));
    assert!(page.body.contains("value=\"Pendek\"") || page.body.contains(">Pendek</textarea>"), "input kept");

    let path = "/admin/konten/regulasi/perda-6-2015-retribusi-izin-mendirikan-bangunan";
    desk.get(path).await;
    let page = desk
        .post(
            path,
            &[
                ("jenis", "Peraturan Daerah"),
                ("nomor", ""),
                ("tahun", "1800"),
                ("judul", "Retribusi Izin Mendirikan Bangunan"),
                ("status", "hapus"),
                ("pokok", "Bangunan Gedung"),
                ("ditetapkan", "2015-02-30"),
                ("ringkasan", "Ringkasan yang cukup panjang."),
                ("aksi", "terbit"),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    for message in [
        "Nomor wajib diisi.",
        "Tahun harus angka dari 1945 sampai 2100.",
        "Pilih Status dari daftar.",
        "Tanggal ditetapkan harus tanggal yang benar",
    ] {
        assert!(page.body.contains(message), "{message} missing");
    }

    let faq = app.json("/api/v1/faq", 200).await;
    let id = faq["data"][0]["id"].as_i64().expect("id");
    let path = format!("/admin/konten/tanya-jawab/{id}");
    desk.get(&path).await;
    let fields = [
        ("kategori", "Layanan"),
        ("pertanyaan", "Apakah gratis?"),
        ("jawaban", "Ya, gratis."),
        ("pertanyaan_en", "Is it free?"),
        ("jawaban_en", ""),
        ("urutan", "satu"),
        ("aksi", "terbit"),
    ];
    let page = desk.post(&path, &fields).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Jawaban dalam bahasa Inggris wajib diisi bila terjemahan"));
    assert!(page.body.contains("Urutan harus angka dari 0 sampai 9999."));

    // English messages for an English reader.
    desk.get("/bahasa/en?kembali=%2Fadmin%2Fkonten").await;
    desk.get("/admin/konten/halaman/kontak").await;
    let page = desk
        .post(
            "/admin/konten/halaman/kontak",
            &[("judul", ""), ("isi", "Hubungi kami."), ("judul_en", ""), ("isi_en", ""), ("aksi", "draf")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Title is required."), "{}", page.body);

    // No button, or an unknown one: refused as a bad request.
    desk.get("/admin/konten/berita/baru").await;
    let mut no_button = vec![
        ("jenis", "news"),
        ("judul", "Judul yang cukup"),
        ("ringkasan", "Ringkasan yang cukup panjang."),
        ("isi", "Isi yang cukup panjang."),
    ];
    assert_eq!(desk.post("/admin/konten/berita/baru", &no_button).await.status, 400);
    no_button.push(("aksi", "hapus"));
    assert_eq!(desk.post("/admin/konten/berita/baru", &no_button).await.status, 400);
    // Unknown items are 404s.
    assert_eq!(desk.get("/admin/konten/berita/tidak-ada").await.status, 404);
    assert_eq!(desk.get("/admin/konten/tanya-jawab/abc").await.status, 404);
    assert_eq!(desk.get("/admin/konten/halaman/rahasia").await.status, 404);
    assert_eq!(desk.get("/admin/konten?berita=0").await.status, 400);

    assert_eq!(tree_size(&app).await, before, "nothing saved, nothing audited");
    assert!(
        app.json("/api/v1/faq", 200)
            .await
            .to_string()
            .contains(faq["data"][0]["answer"].as_str().expect("answer"))
    );
    app.stop().await;
}

async fn only_content_editors_and_admins_may_edit_content(store: Store) {
    let app = TestApp::spawn(store).await;
    let before = tree_size(&app).await;
    let fields = news_fields("terbit");

    // Anonymous readers are sent to sign in.
    let mut anonymous = Browser::new(&app);
    let page = anonymous.get("/admin/konten").await;
    assert_eq!(page.status, 303);
    assert!(page.location.as_deref().is_some_and(|l| l.starts_with("/akun/masuk")), "{:?}", page.location);

    let mut siti = citizen(&app, NIK_KARANG_PILANG, "siti@warga.test").await;
    assert_eq!(siti.get("/admin/konten").await.status, 403);
    siti.get("/akun").await;
    assert_eq!(siti.post("/admin/konten/berita/baru", &fields).await.status, 403);

    let officer =
        create_officer(&app, "loket@surabaya.test", "officer", Some("disdukcapil"), Some("35.78.01"));
    let mut desk = officer_session(&app, &officer).await;
    assert_eq!(desk.get("/admin/konten").await.status, 403);
    assert_eq!(desk.get("/admin/konten/halaman/tentang").await.status, 403);
    desk.get("/akun").await;
    assert_eq!(desk.post("/admin/konten/berita/baru", &fields).await.status, 403);
    assert_eq!(
        desk.post("/admin/konten/halaman/tentang", &[("judul", "Diretas"), ("aksi", "terbit")]).await.status,
        403
    );

    // A content editor's form without its CSRF token is refused.
    let mut editor = editor(&app).await;
    editor.get("/admin/konten/berita/baru").await;
    let page = editor.post_with("/admin/konten/berita/baru", &fields, None, &[]).await;
    assert_eq!(page.status, 403);
    let page = editor.post_with("/admin/konten/berita/baru", &fields, Some("palsu"), &[]).await;
    assert_eq!(page.status, 403);
    app.page(&format!("/berita/{NEWS_SLUG}"), 404).await;
    // Signing in made audit entries of its own; no content entry was added.
    let size = tree_size(&app).await;
    let entries = audit_entries_any(&app, before, size).await;
    assert!(entries.iter().all(|action| !action.starts_with("content.")), "{entries:?}");

    // An admin may edit content too.
    let admin = create_officer(&app, "admin@surabaya.test", "admin", None, None);
    let mut admin = officer_session(&app, &admin).await;
    assert_eq!(admin.get("/admin/konten").await.status, 200);
    admin.get("/admin/konten/berita/baru").await;
    assert_eq!(admin.post("/admin/konten/berita/baru", &fields).await.status, 200);
    app.page(&format!("/berita/{NEWS_SLUG}"), 200).await;
    app.stop().await;
}

/// The actions of audit entries by anyone.
async fn audit_entries_any(app: &TestApp, start: u64, end: u64) -> Vec<String> {
    use base64::Engine;
    if start == end {
        return Vec::new();
    }
    let page = app.json(&format!("/api/v1/transparency/entries?start={start}&end={end}"), 200).await;
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            let leaf = base64::engine::general_purpose::STANDARD
                .decode(entry["leaf"].as_str().expect("leaf"))
                .expect("base64");
            let leaf: Value = serde_json::from_slice(&leaf).expect("JSON leaf");
            leaf["action"].as_str().expect("action").to_string()
        })
        .collect()
}
