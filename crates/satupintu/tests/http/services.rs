//! The service catalogue as data: the demo's definitions through the API, and
//! `satupintu services import` with versions, idempotence and all-or-nothing checking.

use serde_json::Value;

use crate::store_tests;
use crate::support::{Store, TestApp};

store_tests!(
    the_demo_offers_its_online_services_with_their_forms,
    importing_a_changed_definition_makes_a_new_version_once,
    a_file_with_any_mistake_stores_nothing_and_names_every_mistake,
);

fn import(app: &TestApp, file: &std::path::Path) -> (Option<i32>, String, String) {
    crate::support::run_cli(app, &["services", "import", file.to_str().expect("a UTF-8 path")])
}

/// The demo's definition of the birth certificate service, as the API serves it.
async fn akta_definition(app: &TestApp) -> Value {
    app.json("/api/v1/services/akta-kelahiran/definition", 200).await["definition"].clone()
}

fn write_file(app: &TestApp, name: &str, value: &Value) -> std::path::PathBuf {
    let path = app.data_dir.join(format!("{name}-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec_pretty(value).expect("json")).expect("write");
    path
}

async fn the_demo_offers_its_online_services_with_their_forms(store: Store) {
    let app = TestApp::spawn(store).await;
    for slug in [
        "ktp-el-hilang-rusak",
        "kartu-keluarga-perubahan",
        "akta-kelahiran",
        "surat-pindah",
        "surat-keterangan-domisili",
        "bpjs-pbi",
        "permohonan-informasi-publik",
    ] {
        let listed = app.json(&format!("/api/v1/services/{slug}"), 200).await;
        assert_eq!(listed["definition_version"], 1, "{slug}");
        let offered = app.json(&format!("/api/v1/services/{slug}/definition"), 200).await;
        assert_eq!(offered["version"], 1);
        let definition = &offered["definition"];
        assert_eq!(definition["slug"], slug);
        assert_eq!(definition["form"]["schema"]["type"], "object");
        assert!(definition["workflow"]["steps"].as_array().is_some_and(|s| !s.is_empty()));
        // The listing's requirements are the definition's.
        let labels: Vec<&str> = definition["requirements"]
            .as_array()
            .expect("requirements")
            .iter()
            .filter_map(|r| r["label"]["id"].as_str())
            .collect();
        let listed_requirements: Vec<&str> =
            listed["requirements"].as_array().expect("listed").iter().filter_map(Value::as_str).collect();
        assert_eq!(labels, listed_requirements, "{slug}");
    }
    let akta = akta_definition(&app).await;
    assert_eq!(akta["form"]["schema"]["properties"]["tanggal_lahir"]["format"], "date");
    assert_eq!(akta["form"]["fields"]["nama_ayah"]["show_if"]["field"], "orang_tua_menikah");
    assert!(
        akta["requirements"][0]["accept"]
            .as_array()
            .is_some_and(|a| a.contains(&Value::from("application/pdf")))
    );
    // A service without an online form is listed but has no definition.
    assert_eq!(app.json("/api/v1/services/izin-reklame", 200).await["definition_version"], Value::Null);
    let missing = app.json("/api/v1/services/izin-reklame/definition", 404).await;
    assert!(missing["type"].as_str().is_some_and(|t| t.ends_with("/not-found")), "{missing}");
    app.json("/api/v1/services/tidak-ada/definition", 404).await;
    app.stop().await;
}

async fn importing_a_changed_definition_makes_a_new_version_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let mut akta = akta_definition(&app).await;
    akta["sla_working_days"] = Value::from(5);
    let file = write_file(&app, "akta", &akta);
    let (code, stdout, stderr) = import(&app, &file);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.trim(), "akta-kelahiran: version 2 (new)");
    let (code, stdout, _) = import(&app, &file);
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout.trim(),
        "akta-kelahiran: version 2 (unchanged)",
        "the same file twice makes no version"
    );
    // The import ran in another process: the server shows it once its kept read lapses.
    crate::support::eventually("the imported version offered", || async {
        app.json("/api/v1/services/akta-kelahiran/definition", 200).await["version"] == 2
    })
    .await;
    let listed = app.json("/api/v1/services/akta-kelahiran", 200).await;
    assert_eq!(listed["definition_version"], 2);
    assert_eq!(listed["sla_working_days"], 5);
    // Version 1 is kept for the applications made under it.
    let db = sqlx::AnyPool::connect(&app.database_url).await.expect("database");
    let versions: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM service_versions v JOIN services s ON s.id = v.service_id WHERE s.slug = 'akta-kelahiran'",
    )
    .fetch_one(&db)
    .await
    .map(|row| sqlx::Row::get(&row, "n"))
    .expect("count");
    assert_eq!(versions, 2);
    let leaves = sqlx::query("SELECT leaf FROM audit_entries").fetch_all(&db).await.expect("audit");
    let publications = leaves
        .iter()
        .filter(|row| {
            String::from_utf8_lossy(&sqlx::Row::get::<Vec<u8>, _>(*row, "leaf"))
                .contains("service/akta-kelahiran/v2")
        })
        .count();
    assert_eq!(publications, 1, "one audit entry for the new version, none for the repeat");
    db.close().await;
    let _ = std::fs::remove_file(file);
    app.stop().await;
}

async fn a_file_with_any_mistake_stores_nothing_and_names_every_mistake(store: Store) {
    let app = TestApp::spawn(store).await;
    let good = akta_definition(&app).await;
    let mut changed = good.clone();
    changed["fee_rupiah"] = Value::from(10_000);
    let mut broken = good.clone();
    broken["slug"] = Value::from("akta-kelahiran-baru");
    broken["form"]["schema"]["properties"]["nama_anak"]["pattern"] = Value::from("^[A-Z]");
    broken["workflow"]["steps"][0]["role"] = Value::from("walikota");
    let file = write_file(&app, "campur", &Value::Array(vec![changed, broken]));
    let (code, stdout, stderr) = import(&app, &file);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stderr.contains("akta-kelahiran-baru: form.schema.properties.nama_anak.pattern: is not supported"),
        "{stderr}"
    );
    assert!(stderr.contains("akta-kelahiran-baru: workflow.steps[0].role"), "{stderr}");
    assert_eq!(
        app.json("/api/v1/services/akta-kelahiran", 200).await["fee_rupiah"],
        0,
        "the good one was not stored either"
    );
    app.json("/api/v1/services/akta-kelahiran-baru", 404).await;

    let mut elsewhere = good.clone();
    elsewhere["agency"] = Value::from("dinas-tidak-ada");
    let file = write_file(&app, "instansi", &elsewhere);
    let (code, _, stderr) = import(&app, &file);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("unknown agency `dinas-tidak-ada`"), "{stderr}");

    let file = write_file(&app, "twice", &Value::Array(vec![good.clone(), good]));
    let (code, _, stderr) = import(&app, &file);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("akta-kelahiran: defined twice"), "{stderr}");

    let not_json = app.data_dir.join(format!("rusak-{}.json", std::process::id()));
    std::fs::write(&not_json, b"{ bukan json").expect("write");
    let (code, _, stderr) = import(&app, &not_json);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("not JSON"), "{stderr}");
    app.stop().await;
}

mod editor {
    use crate::identity::{create_officer, officer_session};
    use crate::store_tests;
    use crate::support::{Store, TestApp};

    store_tests!(agency_admins_write_preview_and_publish_definitions);

    const STARTER: &str = include_str!("../../demo/service_starter.json");

    async fn agency_admins_write_preview_and_publish_definitions(store: Store) {
        let app = TestApp::spawn(store).await;
        let admin =
            create_officer(&app, "admin@capil.test", "agency_admin", Some("disdukcapil"), Some("35.78"));
        let mut admin = officer_session(&app, &admin).await;
        let list = admin.get("/admin/layanan").await;
        assert_eq!(list.status, 200);
        assert!(list.body.contains("Penggantian KTP-el") && !list.body.contains("PBI"), "own agency only");
        assert!(admin.get("/admin/layanan/baru").await.body.contains("layanan-baru"));

        let text = STARTER.replace("\"AGENCY\"", "\"disdukcapil\"");
        let new = "/admin/layanan/baru";
        let preview = admin.post(new, &[("definisi", &text), ("aksi", "pratinjau")]).await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert!(preview.body.contains("Pratinjau: Layanan Baru"));
        admin.get(new).await;
        let broken = admin.post(new, &[("definisi", "{\"slug\": "), ("aksi", "pratinjau")]).await;
        assert_eq!(broken.status, 400);
        assert!(
            broken.body.contains("Definisi ini belum benar") && broken.body.contains("EOF"),
            "{}",
            broken.body
        );
        admin.get(new).await;
        let wrong = text.replace("\"sla_working_days\": 1", "\"sla_working_days\": 0");
        let refused = admin.post(new, &[("definisi", &wrong), ("aksi", "terbitkan")]).await;
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains("sla_working_days"), "the mistake named by its path: {}", refused.body);
        admin.get(new).await;
        let other = text.replace("\"disdukcapil\"", "\"dinsos\"");
        let foreign = admin.post(new, &[("definisi", &other), ("aksi", "simpan")]).await;
        assert_eq!(foreign.status, 400);
        assert!(foreign.body.contains("bukan instansi yang Anda kelola"));

        // A draft stays invisible; publishing makes it a service.
        admin.get(new).await;
        let saved = admin.post(new, &[("definisi", &text), ("aksi", "simpan")]).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        assert!(saved.body.contains("Draf disimpan"));
        assert_eq!(app.get("/layanan/layanan-baru").await.status(), 404);
        assert!(admin.get("/admin/layanan").await.body.contains("ada draf"));
        admin.get("/admin/layanan/layanan-baru").await;
        let published =
            admin.post("/admin/layanan/layanan-baru", &[("definisi", &text), ("aksi", "terbitkan")]).await;
        assert_eq!(published.status, 303, "{}", published.body);
        assert_eq!(app.get("/layanan/layanan-baru").await.status(), 200);
        let definition = app.json("/api/v1/services/layanan-baru/definition", 200).await;
        assert_eq!(definition["slug"].as_str(), Some("layanan-baru"));

        // A change is a new version; another service's slug cannot be taken over.
        let changed = text.replace("\"sla_working_days\": 1", "\"sla_working_days\": 2");
        admin.get("/admin/layanan/layanan-baru").await;
        let again =
            admin.post("/admin/layanan/layanan-baru", &[("definisi", &changed), ("aksi", "terbitkan")]).await;
        assert_eq!(again.location.as_deref(), Some("/admin/layanan/layanan-baru?terbit=2"));
        admin.get("/admin/layanan/ktp-el-hilang-rusak").await;
        let renamed = admin
            .post("/admin/layanan/ktp-el-hilang-rusak", &[("definisi", &text), ("aksi", "terbitkan")])
            .await;
        assert_eq!(renamed.status, 400);

        let clerk = create_officer(&app, "loket@capil.test", "officer", Some("disdukcapil"), Some("35.78"));
        let mut clerk = officer_session(&app, &clerk).await;
        assert_eq!(clerk.get("/admin/layanan").await.status, 403);
        app.stop().await;
    }
}
