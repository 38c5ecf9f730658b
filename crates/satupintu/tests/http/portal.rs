//! The public portal's pages, in both languages.

use crate::support::{Store, TestApp};

crate::store_tests!(
    home_page_shows_the_municipality_services_news_and_demo_banner,
    home_page_with_its_stylesheet_stays_under_50_kb,
    language_choice_is_remembered_in_a_cookie_without_javascript,
    language_switch_only_returns_to_local_paths,
    news_list_paginates_and_filters_by_kind,
    news_detail_shows_the_article_and_unknown_news_is_a_helpful_404,
    regulations_filter_by_year_and_status_and_offer_the_official_text,
    agency_directory_lists_agencies_with_their_services,
    service_catalogue_shows_requirements_fee_and_sla,
    faq_and_fixed_pages_render_in_both_languages,
    region_browser_walks_from_province_to_village,
    bad_page_numbers_and_filters_are_clear_400s,
);

async fn home_page_shows_the_municipality_services_news_and_demo_banner(store: Store) {
    let app = TestApp::spawn(store).await;
    let html = app.page("/", 200).await;
    assert!(html.contains("<html lang=\"id\">"));
    assert!(html.contains("Pemerintah Kota Surabaya"));
    assert!(html.contains("Situs demo"), "demo banner");
    assert!(html.contains("href=\"/layanan/ktp-el-hilang-rusak\""), "featured service");
    assert!(html.contains("href=\"/instansi/disdukcapil\""), "agency");
    assert!(html.contains("href=\"/berita/"), "news");
    assert!(html.contains("Kota Surabaya"), "region");
    assert!(html.contains("<a class=\"skip\" href=\"#main\">"), "skip link");
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(!html.contains("style=\""), "no inline style (CSP)");
    app.stop().await;
}

async fn home_page_with_its_stylesheet_stays_under_50_kb(store: Store) {
    let app = TestApp::spawn(store).await;
    let html = app.page("/", 200).await;
    let css = app.page("/assets/satupintu.css", 200).await;
    let total = html.len() + css.len();
    assert!(total <= 50 * 1024, "home page weighs {total} bytes");
    app.stop().await;
}

async fn language_choice_is_remembered_in_a_cookie_without_javascript(store: Store) {
    let app = TestApp::spawn(store).await;
    let response = app.get("/bahasa/en?kembali=%2Fberita%3Fhalaman%3D2").await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/berita?halaman=2");
    let cookie = response.headers()["set-cookie"].to_str().unwrap_or_default().to_string();
    assert!(cookie.starts_with("lang=en;") && cookie.contains("SameSite=Lax"), "{cookie}");
    let english = app.get_with("/berita?halaman=2", &[("cookie", "lang=en")]).await;
    assert_eq!(english.headers()["content-language"], "en");
    let html = english.text().await.unwrap_or_default();
    assert!(html.contains("<html lang=\"en\">") && html.contains(">News<"), "English page");
    assert!(html.contains("href=\"/bahasa/id?kembali="), "switch back to Indonesian");
    let indonesian = app.page("/berita?halaman=2", 200).await;
    assert!(indonesian.contains(">Berita<"));
    app.stop().await;
}

async fn language_switch_only_returns_to_local_paths(store: Store) {
    let app = TestApp::spawn(store).await;
    for target in ["%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "%2F%5Cevil.example"] {
        let response = app.get(&format!("/bahasa/id?kembali={target}")).await;
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(response.headers()["location"], "/", "{target}");
    }
    let odd = app.get("/bahasa/en?kembali=%2Fcari%3Fq%3D%0D%0Aset-cookie%3Ax%E2%80%94").await;
    assert_eq!(odd.status().as_u16(), 303);
    assert!(odd.headers().get("set-cookie").is_some_and(|c| c.to_str().unwrap_or("").starts_with("lang=en")));
    assert_eq!(app.get("/bahasa/fr").await.status().as_u16(), 404);
    app.stop().await;
}

async fn news_list_paginates_and_filters_by_kind(store: Store) {
    let app = TestApp::spawn(store).await;
    let first = app.page("/berita", 200).await;
    assert!(first.contains("rel=\"next\""), "pager");
    assert!(first.contains("Halaman 1 / 3"), "26 items in pages of 10");
    let last = app.page("/berita?halaman=3", 200).await;
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));
    app.page("/berita?halaman=4", 404).await;
    let announcements = app.page("/berita?jenis=announcement", 200).await;
    assert!(announcements.contains("Pengumuman ·"));
    assert!(!announcements.contains("Berita ·"), "only announcements");
    app.stop().await;
}

async fn news_detail_shows_the_article_and_unknown_news_is_a_helpful_404(store: Store) {
    let app = TestApp::spawn(store).await;
    let html = app.page("/berita/gerai-konsultasi-perizinan-umkm", 200).await;
    assert!(html.contains("<h1>Mal Pelayanan Publik Buka Gerai Konsultasi Perizinan"));
    assert!(html.contains("WIB</time>"), "local time with zone");
    let missing = app.page("/berita/tidak-ada", 404).await;
    assert!(missing.contains("Tidak ditemukan") && missing.contains("href=\"/cari\""));
    app.stop().await;
}

async fn regulations_filter_by_year_and_status_and_offer_the_official_text(store: Store) {
    let app = TestApp::spawn(store).await;
    let all = app.page("/regulasi", 200).await;
    assert!(all.contains("Jumlah regulasi: 15"));
    let revoked = app.page("/regulasi?status=dicabut&jenis=&tahun=", 200).await;
    assert!(revoked.contains("Jumlah regulasi: 1"), "one revoked regulation");
    assert!(revoked.contains("Dicabut"));
    let year = app.page("/regulasi?tahun=2015", 200).await;
    assert!(year.contains("/2015</td>"));
    let detail = app.page("/regulasi/perda-6-2015-retribusi-izin-mendirikan-bangunan", 200).await;
    assert!(detail.contains("Peraturan Daerah Nomor 6 Tahun 2015"));
    let file = app.get("/regulasi/perda-6-2015-retribusi-izin-mendirikan-bangunan/berkas").await;
    assert_eq!(file.status().as_u16(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert!(file.headers()["content-disposition"].to_str().unwrap_or("").starts_with("attachment"));
    let bytes = file.bytes().await.unwrap_or_default();
    assert!(bytes.starts_with(b"%PDF-1.4"));
    app.stop().await;
}

async fn agency_directory_lists_agencies_with_their_services(store: Store) {
    let app = TestApp::spawn(store).await;
    let list = app.page("/instansi", 200).await;
    assert!(list.contains("Dinas Kependudukan dan Pencatatan Sipil"));
    let detail = app.page("/instansi/disdukcapil", 200).await;
    assert!(detail.contains("href=\"/layanan/akta-kelahiran\""), "services of the agency");
    assert!(detail.contains("href=\"/wilayah/35.78\""), "region of the agency");
    assert!(detail.contains("Jam layanan"));
    app.page("/instansi/nope", 404).await;
    app.stop().await;
}

async fn service_catalogue_shows_requirements_fee_and_sla(store: Store) {
    let app = TestApp::spawn(store).await;
    let list = app.page("/layanan", 200).await;
    assert!(list.contains("hari kerja"));
    let detail = app.page("/layanan/ktp-el-hilang-rusak", 200).await;
    assert!(detail.contains("Gratis"), "Adminduk services are free");
    assert!(detail.contains("<ol>\n<li>"), "requirements list");
    let english = app.get_with("/layanan/ktp-el-hilang-rusak", &[("cookie", "lang=en")]).await;
    let english = english.text().await.unwrap_or_default();
    assert!(english.contains("Free") && english.contains("working days"));
    app.stop().await;
}

async fn faq_and_fixed_pages_render_in_both_languages(store: Store) {
    let app = TestApp::spawn(store).await;
    let faq = app.page("/tanya-jawab", 200).await;
    assert!(faq.contains("<details id=\"faq-"));
    for slug in ["tentang", "kontak", "privasi"] {
        app.page(&format!("/halaman/{slug}"), 200).await;
    }
    let privacy = app.get_with("/halaman/privasi", &[("cookie", "lang=en")]).await;
    let privacy = privacy.text().await.unwrap_or_default();
    assert!(privacy.contains("<title>Privacy"), "English title");
    app.page("/halaman/rahasia", 404).await;
    app.stop().await;
}

async fn region_browser_walks_from_province_to_village(store: Store) {
    let app = TestApp::spawn(store).await;
    let root = app.page("/wilayah", 200).await;
    assert!(root.contains("Provinsi (38)"), "38 provinces");
    let province = app.page("/wilayah/35", 200).await;
    assert!(province.contains("href=\"/wilayah/35.78\""));
    let city = app.page("/wilayah/35.78", 200).await;
    assert!(city.contains("Kecamatan (31)"), "Surabaya has 31 districts");
    assert!(city.contains("href=\"/instansi/kecamatan-genteng\""), "agencies of districts within the city");
    assert!(province.contains("href=\"/instansi/disdukcapil\""), "a province lists its cities' agencies");
    let district = app.page("/wilayah/35.78.07", 200).await;
    assert!(district.contains("Desa/Kelurahan"));
    assert!(district.contains("href=\"/wilayah/35\""), "breadcrumb to the province");
    app.page("/wilayah/99.99", 404).await;
    app.page("/wilayah/bukan-kode", 404).await;
    app.stop().await;
}

async fn bad_page_numbers_and_filters_are_clear_400s(store: Store) {
    let app = TestApp::spawn(store).await;
    for path in [
        "/berita?halaman=0",
        "/berita?halaman=-1",
        "/berita?halaman=abc",
        "/berita?halaman=99999999999999999999",
        "/berita?jenis=gosip",
        "/regulasi?tahun=1800",
        "/regulasi?status=hilang",
        "/berita?tidak_dikenal=1",
        "/berita/%FF%FE",
    ] {
        let html = app.page(path, 400).await;
        assert!(html.contains("<h1>"), "{path}: an HTML error page");
    }
    let html = app.page("/berita?halaman=0", 400).await;
    assert!(html.contains("antara 1 dan 10000"), "says the allowed range");
    app.stop().await;
}
