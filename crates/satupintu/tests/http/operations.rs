//! What operators rely on: health, readiness, metrics, headers, limits, failure modes.

use crate::support::{Options, Store, TestApp};

crate::store_tests!(
    health_readiness_and_metrics_answer,
    every_response_carries_the_security_headers,
    hsts_is_sent_only_behind_tls,
    oversized_bodies_get_413_and_wrong_methods_405,
    responses_are_compressed_for_clients_that_accept_it,
    page_cache_serves_repeat_readers_and_skips_personal_requests,
    openapi_document_and_docs_page_are_served,
    in_flight_requests_finish_during_graceful_shutdown,
);

async fn health_readiness_and_metrics_answer(store: Store) {
    let app = TestApp::spawn(store).await;
    assert_eq!(app.page("/healthz", 200).await, "ok\n");
    let ready = app.json("/readyz", 200).await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["store"], if store == Store::Sqlite { "sqlite" } else { "postgres" });
    assert_eq!(ready["migrations"]["applied"], ready["migrations"]["expected"]);
    app.page("/berita", 200).await;
    let metrics = app.page("/metrics", 200).await;
    assert!(metrics.contains("http_requests_total{"), "request counter");
    assert!(metrics.contains("route=\"/berita\""), "labelled by route template");
    assert!(metrics.contains("http_request_duration_seconds_bucket"), "latency histogram");
    assert!(metrics.contains("db_pool_connections{state=\"open\"}"), "pool gauge");
    app.stop().await;
}

async fn every_response_carries_the_security_headers(store: Store) {
    let app = TestApp::spawn(store).await;
    for path in ["/", "/api/v1/news", "/does-not-exist", "/api/v1/nope", "/assets/satupintu.css", "/healthz"]
    {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap_or_default();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
        assert!(!headers.contains_key("strict-transport-security"), "no HSTS over plain HTTP: {path}");
    }
    app.stop().await;
}

async fn hsts_is_sent_only_behind_tls(store: Store) {
    let options = Options { public_url: Some("https://portal.example.go.id".into()), ..Options::default() };
    let app = TestApp::spawn_with(store, options).await;
    let response = app.get("/").await;
    assert!(response.headers()["strict-transport-security"].to_str().unwrap_or("").contains("max-age="));
    app.stop().await;
}

async fn oversized_bodies_get_413_and_wrong_methods_405(store: Store) {
    let app = TestApp::spawn_with(store, Options { max_body_bytes: 1024, ..Options::default() }).await;
    let big = app.client.post(app.url("/api/v1/news")).body(vec![b'x'; 4096]).send().await.expect("post");
    assert_eq!(big.status().as_u16(), 413);
    assert_eq!(big.headers()["content-type"], "application/problem+json");
    let wrong = app.client.delete(app.url("/api/v1/news")).send().await.expect("delete");
    assert_eq!(wrong.status().as_u16(), 405);
    assert_eq!(wrong.headers()["content-type"], "application/problem+json");
    let page = app.client.post(app.url("/berita")).send().await.expect("post");
    assert_eq!(page.status().as_u16(), 405);
    assert!(page.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
    app.stop().await;
}

async fn responses_are_compressed_for_clients_that_accept_it(store: Store) {
    let app = TestApp::spawn(store).await;
    for encoding in ["gzip", "br"] {
        let response = app.get_with("/", &[("accept-encoding", encoding)]).await;
        assert_eq!(response.headers()["content-encoding"], encoding);
    }
    app.stop().await;
}

async fn page_cache_serves_repeat_readers_and_skips_personal_requests(store: Store) {
    let app = TestApp::spawn_with(store, Options { page_cache_seconds: 60, ..Options::default() }).await;
    let path = "/berita/gerai-konsultasi-perizinan-umkm";
    let first = app.get(path).await;
    let etag = first.headers()["etag"].clone();
    // Change the content behind the cache's back: anonymous readers get the cached page
    // until it expires; a request with a session cookie is rendered from the database.
    let db = satupintu::db::Db::connect_lazy(&app.database_url, 2).expect("db");
    sqlx::query("UPDATE news SET title = 'Judul Baru Sekali' WHERE slug = 'gerai-konsultasi-perizinan-umkm'")
        .execute(db.pool())
        .await
        .expect("update");
    db.close().await;
    let again = app.get(path).await;
    assert_eq!(again.headers()["etag"], etag, "served from the cache");
    assert!(!again.text().await.unwrap_or_default().contains("Judul Baru Sekali"));
    let personal = app.get_with(path, &[("cookie", "session=abc")]).await;
    assert!(personal.text().await.unwrap_or_default().contains("Judul Baru Sekali"), "bypasses the cache");
    let english = app.get_with(path, &[("cookie", "lang=en")]).await;
    assert_eq!(english.headers()["content-language"], "en", "language is part of the cache key");
    app.stop().await;
}

async fn openapi_document_and_docs_page_are_served(store: Store) {
    let app = TestApp::spawn(store).await;
    let doc = app.json("/api/openapi.json", 200).await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    assert!(doc["paths"]["/api/v1/search"]["get"].is_object());
    let docs = app.page("/api/docs", 200).await;
    assert!(docs.contains("GET /api/v1/news"));
    let problem = app.page("/problems/invalid-parameter", 200).await;
    assert!(problem.contains("400"));
    app.stop().await;
}

async fn in_flight_requests_finish_during_graceful_shutdown(store: Store) {
    let app = TestApp::spawn(store).await;
    let client = app.client.clone();
    let url = app.url("/cari?q=layanan+perizinan+pengaduan");
    let in_flight = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) });
    tokio::task::yield_now().await;
    app.stop().await;
    let status = in_flight.await.expect("join");
    // Either the request was being served and finished with its full answer, or it had not
    // reached the server yet and its connection was refused or closed before any answer; it
    // is never answered half-way or with an error status.
    match status {
        Ok(code) => assert_eq!(code, 200),
        Err(e) => assert!(e.is_connect() || e.is_request(), "{e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_database_makes_readyz_fail_with_the_reason() {
    let options = Options {
        database_url: Some("postgres://postgres@127.0.0.1:9/nothing".into()),
        prepare: false,
        ..Options::default()
    };
    let app = TestApp::spawn_with(Store::Postgres, options).await;
    assert_eq!(app.page("/healthz", 200).await, "ok\n", "the process stays up");
    let ready = app.json("/readyz", 503).await;
    assert_eq!(ready["status"], "not ready");
    assert!(ready["error"].as_str().is_some_and(|e| e.contains("database unreachable")), "{ready}");
    let page = app.get("/").await;
    assert_eq!(page.status().as_u16(), 503);
    let api = app.json("/api/v1/news", 503).await;
    assert_eq!(api["type"], "/problems/service-unavailable");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_sqlite_file_makes_readyz_fail_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("satupintu-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("satupintu.db");
    std::fs::write(&path, vec![0x5a_u8; 8192]).expect("write garbage");
    let options = Options {
        database_url: Some(format!("sqlite://{}?mode=rwc", path.display())),
        prepare: false,
        ..Options::default()
    };
    let app = TestApp::spawn_with(Store::Sqlite, options).await;
    let ready = app.json("/readyz", 503).await;
    let error = ready["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("not a database"), "{error}");
    app.page("/", 503).await;
    app.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_postgres_database_and_load_it_once() {
    // Two nodes start at once on an empty database: one migrates and loads, the other
    // waits for the start-up lock and finds the work done.
    let admin = satupintu::db::Db::connect_lazy(&crate::support::postgres_admin_url(), 1).expect("admin");
    let name = format!("spnodes_{}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(admin.pool())
        .await
        .expect("drop");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin.pool())
        .await
        .expect("create");
    let url = crate::support::postgres_admin_url()
        .rsplit_once('/')
        .map(|(b, _)| format!("{b}/{name}"))
        .unwrap_or_default();
    let options = |url: &str| Options { database_url: Some(url.to_string()), ..Options::default() };
    let (a, b) = tokio::join!(
        TestApp::spawn_with(Store::Postgres, options(&url)),
        TestApp::spawn_with(Store::Postgres, options(&url))
    );
    let from_a = a.json("/api/v1/faq", 200).await;
    let from_b = b.json("/api/v1/faq", 200).await;
    assert_eq!(from_a["data"].as_array().map(Vec::len), Some(15), "FAQ loaded once");
    assert_eq!(from_a, from_b, "both nodes serve the same data");
    let news = b.json("/api/v1/news?limit=100", 200).await;
    assert_eq!(news["data"].as_array().map(Vec::len), Some(26));
    a.stop().await;
    b.stop().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(admin.pool())
        .await
        .expect("drop");
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_statistics_for_its_query_planner() {
    let app = TestApp::spawn(Store::Sqlite).await;
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    crate::support::eventually("the planner's statistics are written", || async {
        // Tables with rows get them (the demo's region table has thousands).
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'regions'")
            .fetch_one(&db)
            .await
            .is_ok_and(|n| n >= 1)
    })
    .await;
    db.close().await;
    app.stop().await;
}
