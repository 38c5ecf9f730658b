//! The JSON API: lists, cursors, records, problem+json errors, the OpenAPI document.

use crate::support::{Store, TestApp};

crate::store_tests!(
    news_api_pages_with_cursors_without_gaps_or_duplicates,
    records_are_served_by_slug_and_unknown_ones_are_problem_json,
    errors_are_problem_json_in_the_requested_language,
    regulations_agencies_services_and_regions_are_listed,
    lists_answer_conditional_gets_with_304,
);

async fn news_api_pages_with_cursors_without_gaps_or_duplicates(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut slugs = Vec::new();
    let mut path = "/api/v1/news?limit=7".to_string();
    loop {
        let page = app.json(&path, 200).await;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        assert!(data.len() <= 7);
        slugs.extend(data.iter().filter_map(|n| n["slug"].as_str().map(str::to_string)));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/news?limit=7&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(slugs.len(), 26, "all demo news");
    let unique: std::collections::HashSet<_> = slugs.iter().collect();
    assert_eq!(unique.len(), 26);
    let announcements = app.json("/api/v1/news?kind=announcement&limit=100", 200).await;
    assert_eq!(announcements["data"].as_array().map(Vec::len), Some(8));
    app.stop().await;
}

async fn records_are_served_by_slug_and_unknown_ones_are_problem_json(store: Store) {
    let app = TestApp::spawn(store).await;
    let news = app.json("/api/v1/news/gerai-konsultasi-perizinan-umkm", 200).await;
    assert_eq!(news["kind"], "news");
    assert!(news["published_at"].as_str().is_some_and(|t| t.ends_with('Z')), "UTC timestamps");
    let service = app.json("/api/v1/services/ktp-el-hilang-rusak", 200).await;
    assert_eq!(service["fee_rupiah"], 0);
    assert!(service["requirements"].as_array().is_some_and(|r| !r.is_empty()));
    let installation = app.json("/api/v1/installation", 200).await;
    assert_eq!(installation["region_code"], "35.78");
    assert_eq!(installation["demo"], true);
    for path in [
        "/api/v1/news/nope",
        "/api/v1/services/nope",
        "/api/v1/agencies/nope",
        "/api/v1/pages/nope",
        "/api/v1/nothing-here",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
        let problem: serde_json::Value = response.json().await.unwrap_or_default();
        assert_eq!(problem["type"], "/problems/not-found");
        assert_eq!(problem["status"], 404);
    }
    app.stop().await;
}

async fn errors_are_problem_json_in_the_requested_language(store: Store) {
    let app = TestApp::spawn(store).await;
    let english = app.get_with("/api/v1/news?limit=1000", &[("accept-language", "en-GB,en;q=0.9")]).await;
    assert_eq!(english.status().as_u16(), 400);
    assert_eq!(english.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = english.json().await.unwrap_or_default();
    assert_eq!(problem["type"], "/problems/invalid-parameter");
    assert_eq!(problem["parameter"], "limit");
    assert_eq!(problem["detail"], "Parameter `limit` must be between 1 and 100.");
    let indonesian = app.json("/api/v1/news?limit=0", 400).await;
    assert_eq!(indonesian["detail"], "Parameter `limit` harus bernilai antara 1 dan 100.");
    for path in [
        "/api/v1/news?cursor=-1",
        "/api/v1/news?cursor=bm90LWEtY3Vyc29y",
        "/api/v1/news?limit=abc",
        "/api/v1/news?kind=gossip",
        "/api/v1/news?unknown=1",
        "/api/v1/regulations?year=20x5",
        "/api/v1/regions?parent=3x",
        "/api/v1/regions?cursor=zz",
        "/api/v1/search",
        "/api/v1/search?q=%C3%28",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 400, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
    }
    let cursor = app.json("/api/v1/news?cursor=AAAA", 400).await;
    assert_eq!(cursor["parameter"], "cursor");
    let regulations_cursor = app.json("/api/v1/regulations?limit=1", 200).await;
    let foreign = regulations_cursor["next_cursor"].as_str().unwrap_or_default().to_string();
    app.json(&format!("/api/v1/news?cursor={foreign}"), 400).await;
    app.stop().await;
}

async fn regulations_agencies_services_and_regions_are_listed(store: Store) {
    let app = TestApp::spawn(store).await;
    let regulations = app.json("/api/v1/regulations?status=berlaku&limit=100", 200).await;
    assert_eq!(regulations["data"].as_array().map(Vec::len), Some(12));
    let agencies = app.json("/api/v1/agencies?limit=100", 200).await;
    assert_eq!(agencies["data"].as_array().map(Vec::len), Some(14));
    let services = app.json("/api/v1/services?limit=10", 200).await;
    assert!(services["next_cursor"].is_string(), "20 services, pages of 10");
    let provinces = app.json("/api/v1/regions?limit=100", 200).await;
    assert_eq!(provinces["data"].as_array().map(Vec::len), Some(38));
    let districts = app.json("/api/v1/regions?parent=35.78&limit=20", 200).await;
    let next = districts["next_cursor"].as_str().unwrap_or_default().to_string();
    assert_eq!(next, "35.78.20");
    let rest = app.json(&format!("/api/v1/regions?parent=35.78&limit=20&cursor={next}"), 200).await;
    assert_eq!(rest["data"].as_array().map(Vec::len), Some(11));
    let surabaya = app.json("/api/v1/regions/35.78", 200).await;
    assert_eq!(surabaya["name"], "Kota Surabaya");
    assert_eq!(surabaya["ancestors"][0]["name"], "Jawa Timur");
    app.json("/api/v1/regions/99", 404).await;
    app.json("/api/v1/regions?parent=99", 404).await;
    let faq = app.json("/api/v1/faq", 200).await;
    assert_eq!(faq["data"].as_array().map(Vec::len), Some(15));
    app.stop().await;
}

async fn lists_answer_conditional_gets_with_304(store: Store) {
    let app = TestApp::spawn(store).await;
    for path in ["/api/v1/news", "/", "/berita/gerai-konsultasi-perizinan-umkm"] {
        let first = app.get(path).await;
        let etag = first.headers()["etag"].to_str().unwrap_or_default().to_string();
        assert!(etag.starts_with("W/\""), "{path}: {etag}");
        let again = app.get_with(path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert!(again.bytes().await.unwrap_or_default().is_empty());
        let changed = app.get_with(path, &[("if-none-match", "W/\"other\"")]).await;
        assert_eq!(changed.status().as_u16(), 200, "{path}");
    }
    app.stop().await;
}

/// The API's contract: any change to the document shows up in review as a snapshot diff.
#[test]
fn openapi_document_matches_the_snapshot() {
    insta::assert_json_snapshot!("openapi", satupintu::api::openapi_document());
}
