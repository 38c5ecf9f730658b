//! Full-text search: Indonesian word forms, highlighting, and hostile input.

use crate::support::{Store, TestApp};

crate::store_tests!(
    search_matches_indonesian_word_forms_both_ways,
    search_results_are_highlighted_and_link_to_their_pages,
    empty_garbage_and_injection_queries_are_answered_gracefully,
    search_api_pages_through_results_with_cursors,
    very_common_words_list_the_newest_matches_and_rare_combinations_are_still_found,
);

async fn hits(app: &TestApp, query: &str) -> Vec<String> {
    let encoded: String = url_encode(query);
    let body = app.json(&format!("/api/v1/search?q={encoded}&limit=100"), 200).await;
    body["data"]
        .as_array()
        .map(|hits| hits.iter().filter_map(|h| h["slug"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

async fn search_matches_indonesian_word_forms_both_ways(store: Store) {
    let app = TestApp::spawn(store).await;
    // The demo news has "izin" in one item and "perizinan" in another (and none has both).
    let izin = hits(&app, "izin").await;
    let perizinan = hits(&app, "perizinan").await;
    assert!(
        perizinan.contains(&"percepatan-pbg-rumah-tinggal".to_string()),
        "perizinan finds izin: {perizinan:?}"
    );
    assert!(izin.contains(&"gerai-konsultasi-perizinan-umkm".to_string()), "izin finds perizinan: {izin:?}");
    let pengaduan = hits(&app, "pengaduan").await;
    assert!(pengaduan.contains(&"layanan-aduan-gratifikasi-pungli".to_string()), "pengaduan finds aduan");
    let aduan = hits(&app, "ADUAN").await;
    assert!(
        aduan.contains(&"kanal-pengaduan-terpadu-semester-1".to_string()),
        "case-insensitive, aduan finds pengaduan"
    );
    let daftar = hits(&app, "daftar").await;
    assert!(daftar.contains(&"pendaftaran-spmb-sd-smp-2026".to_string()), "daftar finds pendaftaran");
    let accented = hits(&app, "Pérîzinan").await;
    assert_eq!(accented, perizinan, "accents are folded");
    app.stop().await;
}

async fn search_results_are_highlighted_and_link_to_their_pages(store: Store) {
    let app = TestApp::spawn(store).await;
    let html = app.page("/cari?q=perizinan", 200).await;
    assert!(html.contains("<mark>Perizinan</mark>") || html.contains("<mark>perizinan</mark>"), "highlight");
    assert!(
        html.contains("<mark>izin</mark>") || html.contains("<mark>Izin</mark>"),
        "stem matches highlighted"
    );
    assert!(html.contains("href=\"/berita/gerai-konsultasi-perizinan-umkm\""));
    assert!(html.contains("value=\"perizinan\""), "query kept in the box");
    let services = hits(&app, "kartu keluarga").await;
    assert!(services.contains(&"kartu-keluarga-perubahan".to_string()), "services are searchable");
    app.stop().await;
}

async fn empty_garbage_and_injection_queries_are_answered_gracefully(store: Store) {
    let app = TestApp::spawn(store).await;
    let empty = app.page("/cari", 200).await;
    assert!(empty.contains("Ketik kata kunci"), "a hint, not an error");
    let blank = app.page("/cari?q=+++", 200).await;
    assert!(blank.contains("Ketik kata kunci"));
    for q in [
        "%27%3B%20DROP%20TABLE%20news%3B%20--",
        "%22%20OR%20%221%22%3D%221",
        "NEAR(%22a%22%20%22b%22)",
        "a%20%26%20%7C%20!%20%3A*",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "%E2%80%AE%F0%9F%98%80%F0%9F%8F%9B",
        "xyzzyqqq",
        "%F0%96%B9%80%20%E4%B8%AD%E6%96%87%20%C2%B2%C2%B3%20%D8%B9%D8%B1%D8%A8%D9%8A",
    ] {
        let html = app.page(&format!("/cari?q={q}"), 200).await;
        assert!(!html.contains("<script>alert"), "markup is escaped: {q}");
        let json = app.json(&format!("/api/v1/search?q={q}"), 200).await;
        assert!(json["total"].is_i64(), "{q}");
    }
    let injected = app.page("/cari?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200).await;
    assert!(injected.contains("&lt;script&gt;") || injected.contains("&#60;script&#62;"));
    // The news table is still there after the injection attempt.
    assert!(!hits(&app, "perizinan").await.is_empty());
    app.page(&format!("/cari?q={}", "a".repeat(201)), 400).await;
    app.page("/cari?q=%FF%FE", 400).await;
    app.stop().await;
}

async fn search_api_pages_through_results_with_cursors(store: Store) {
    let app = TestApp::spawn(store).await;
    let first = app.json("/api/v1/search?q=layanan&limit=5", 200).await;
    let total = first["total"].as_i64().unwrap_or(0);
    assert!(total > 5, "enough results to page: {total}");
    let mut seen = Vec::new();
    let mut page = first;
    loop {
        for hit in page["data"].as_array().cloned().unwrap_or_default() {
            seen.push(format!("{}:{}", hit["kind"], hit["slug"]));
        }
        let Some(cursor) = page["next_cursor"].as_str().map(str::to_string) else { break };
        page = app.json(&format!("/api/v1/search?q=layanan&limit=5&cursor={cursor}"), 200).await;
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len() as i64, total, "every result once");
    assert_eq!(unique.len(), seen.len(), "no duplicates across pages");
    app.stop().await;
}

async fn very_common_words_list_the_newest_matches_and_rare_combinations_are_still_found(store: Store) {
    let app = TestApp::spawn(store).await;
    // More items share a word than are ranked one by one.
    let db = satupintu::db::Db::connect_lazy(&app.database_url, 2).expect("db");
    let mut tx = db.begin().await.expect("begin");
    let mut indexer = satupintu::portal::search::Indexer::new();
    let common = satupintu::portal::search::RANKED_MATCHES + 50;
    for i in 0..common {
        let body = if i == 7 { "Lomba perahu naga di Kalimas." } else { "Kegiatan warga di kampung." };
        indexer
            .index(
                &mut tx,
                satupintu::portal::search::DocKind::News,
                &format!("kampung-{i:05}"),
                &format!("Gotong royong kampung {i}"),
                body,
                1_700_000_000 + i,
            )
            .await
            .expect("index");
    }
    indexer.finish(&mut tx).await.expect("counts");
    tx.commit().await.expect("commit");
    db.close().await;

    let newest = app.json("/api/v1/search?q=gotong+royong&limit=5", 200).await;
    assert_eq!(newest["order"], "newest");
    assert!(newest["total"].is_null(), "not counted");
    let first = newest["data"][0]["slug"].as_str().unwrap_or_default().to_string();
    assert_eq!(first, format!("kampung-{:05}", common - 1), "newest first");
    let cursor = newest["next_cursor"].as_str().unwrap_or_default().to_string();
    let next = app.json(&format!("/api/v1/search?q=gotong+royong&limit=5&cursor={cursor}"), 200).await;
    assert_eq!(next["data"][0]["slug"], format!("kampung-{:05}", common - 6), "second page follows on");

    // Two common words that occur together once: found, ranked, counted.
    let rare = app.json("/api/v1/search?q=gotong+perahu", 200).await;
    assert_eq!(rare["order"], "relevance");
    assert_eq!(rare["total"], 1);
    assert_eq!(rare["data"][0]["slug"], "kampung-00007");

    let html = app.page("/cari?q=gotong", 200).await;
    assert!(html.contains("diurutkan dari yang terbaru"), "the page says why the order is by date");
    app.stop().await;
}
