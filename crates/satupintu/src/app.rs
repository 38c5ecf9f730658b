//! The application: shared state, every route in one list, the middleware stack, and the
//! server loop with graceful shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use crate::config::ServeConfig;
use crate::db::Db;
use crate::error::{AppError, ProblemKind};
use crate::identity::officer;
use crate::identity::password::PasswordHasher;
use crate::identity::protect::FieldProtector;
use crate::identity::routes as account;
use crate::identity::session::{CsrfKey, session_layer};
use crate::mail::Mailer;
use crate::ops::{self, Readiness};
use crate::outbox::Outbox;
use crate::portal::{api as portal_api, routes as portal};
use crate::regions::routes as regions;
use crate::services::appointments;
use crate::sms::SmsGateway;
use crate::web::{self, PageCache, REQUEST_ID, RequestContext};

/// What every handler can reach, cheap to clone (every extractor takes a copy). Nothing here is
/// needed by another node: the page cache is a short-lived copy of what the database holds.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    /// The database.
    pub db: Db,
    /// Recently rendered public pages.
    pub page_cache: PageCache,
    /// Whether responses carry HSTS.
    pub behind_tls: bool,
    /// Start-up progress.
    pub readiness: Readiness,
    /// The Prometheus recorder.
    pub metrics: PrometheusHandle,
    /// Whether an empty database gets the demo municipality.
    pub load_demo: bool,
    /// The key that signs the audit log's tree heads.
    pub audit_key: Arc<satupintu_audit::SigningKey>,
    /// Seals and indexes personal data.
    pub fields: Arc<FieldProtector>,
    /// Derives forms' CSRF tokens.
    pub csrf_key: CsrfKey,
    /// Hashes passwords, a bounded number at once.
    pub hasher: PasswordHasher,
    /// Queued mail.
    pub outbox: Outbox,
    /// The portal's address, for links in mail.
    pub link_base: Arc<str>,
    /// The data folder: uploaded documents live under `files/`.
    pub data_dir: Arc<std::path::Path>,
    /// The key that signs issued documents.
    pub document_keys: crate::services::issued::DocumentKeys,
}

/// The one stylesheet.
const STYLESHEET: &str = include_str!("../assets/satupintu.css");

/// The largest complaint form: its photos and the text around them.
const COMPLAINT_FORM_LIMIT: usize =
    satupintu_rules::photo::MAX_PHOTOS * satupintu_rules::photo::MAX_PHOTO_BYTES + 256 * 1024;

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The complaint form's enhancement (the device's position): the only script, and optional.
const COMPLAINT_SCRIPT: &str = include_str!("../assets/pengaduan.js");

async fn complaint_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        COMPLAINT_SCRIPT,
    )
        .into_response()
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Documentation of one problem type, at the address its `type` names.
async fn problem_type(
    context: RequestContext,
    crate::web::extract::Path(slug): crate::web::extract::Path<String>,
) -> Response {
    let Some(kind) = ProblemKind::ALL.into_iter().find(|k| k.slug() == slug) else {
        return AppError::NotFound.into_response();
    };
    let lang = context.lang;
    let text = format!(
        "{} ({})\n\n{}\n",
        web::problem::title(lang, kind),
        kind.status().as_u16(),
        lang.t(&format!("problem-{}-detail", kind.slug()))
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// Every route of the application.
pub fn router(state: AppState, config: &ServeConfig) -> Router {
    let needs_database = Router::new()
        .route("/", get(portal::home))
        .route("/berita", get(portal::news_list))
        .route("/berita/{slug}", get(portal::news_detail))
        .route("/regulasi", get(portal::regulation_list))
        .route("/regulasi/{slug}", get(portal::regulation_detail))
        .route("/regulasi/{slug}/berkas", get(portal::regulation_file))
        .route("/tanya-jawab", get(portal::faq))
        .route("/halaman/{slug}", get(portal::page))
        .route("/instansi", get(portal::agency_list))
        .route("/instansi/{slug}", get(portal::agency_detail))
        .route("/layanan", get(portal::service_list))
        .route("/layanan/{slug}", get(portal::service_detail))
        .route("/cari", get(portal::search_page))
        .route("/wilayah", get(regions::browse_root))
        .route("/wilayah/{code}", get(regions::browse_region))
        .route("/api/v1/installation", get(portal_api::installation))
        .route("/api/v1/news", get(portal_api::news_list))
        .route("/api/v1/news/{slug}", get(portal_api::news_detail))
        .route("/api/v1/regulations", get(portal_api::regulation_list))
        .route("/api/v1/regulations/{slug}", get(portal_api::regulation_detail))
        .route("/api/v1/agencies", get(portal_api::agency_list))
        .route("/api/v1/agencies/{slug}", get(portal_api::agency_detail))
        .route("/api/v1/services", get(portal_api::service_list))
        .route("/api/v1/services/{slug}", get(portal_api::service_detail))
        .route("/api/v1/services/{slug}/definition", get(portal_api::service_definition))
        .route("/api/v1/faq", get(portal_api::faq_list))
        .route("/api/v1/pages/{slug}", get(portal_api::page_detail))
        .route("/api/v1/search", get(portal_api::search))
        .route("/api/v1/calendar/holidays", get(crate::calendar::api_holidays))
        .route("/api/v1/applications", post(crate::services::api::create))
        .route("/api/v1/applications/{id}", get(crate::services::api::detail))
        .route("/api/v1/applications/{id}/actions", post(crate::services::api::act))
        .route("/api/v1/applications/{id}/submit", post(crate::services::api::submit))
        .route("/api/v1/regions", get(regions::api_region_list))
        .route("/api/v1/regions/{code}", get(regions::api_region_detail))
        .route("/api/v1/transparency/sth", get(crate::audit::routes::tree_head))
        .route("/api/v1/transparency/key", get(crate::audit::routes::public_key))
        .route("/api/v1/transparency/entries", get(crate::audit::routes::entries))
        .route("/api/v1/transparency/proof/inclusion", get(crate::audit::routes::inclusion))
        .route("/api/v1/transparency/proof/consistency", get(crate::audit::routes::consistency))
        .route("/akun", get(account::overview))
        .route("/akun/daftar", get(account::register_form).post(account::register))
        .route("/akun/verifikasi/{token}", get(account::verify_page).post(account::verify))
        .route("/akun/masuk", get(account::sign_in_form).post(account::sign_in))
        .route("/akun/masuk/verifikasi", get(account::second_factor_form).post(account::second_factor))
        .route("/akun/keluar", post(account::sign_out))
        .route("/akun/keluar-semua", post(account::sign_out_everywhere))
        .route("/akun/lupa-sandi", get(account::reset_request_form).post(account::reset_request))
        .route("/akun/atur-ulang/{token}", get(account::reset_form).post(account::reset))
        .route("/akun/sandi", get(account::change_password_form).post(account::change_password))
        .route("/akun/dua-langkah", get(account::totp_setup_form).post(account::totp_setup))
        .route("/akun/akses", get(account::access_log))
        .route("/akun/unduh", get(account::export))
        .route("/admin", get(officer::admin_home))
        .route("/admin/warga", get(officer::citizen_lookup))
        .route("/api/v1/auth/token", post(officer::api_token).delete(officer::api_revoke_token))
        .route("/api/v1/me", get(officer::api_me))
        .route("/api/v1/citizens", get(officer::api_citizen))
        .route("/akun/usaha", get(crate::identity::business::list).post(crate::identity::business::register))
        .route("/akun/usaha/{id}", get(crate::identity::business::detail))
        .route("/akun/usaha/{id}/undang", post(crate::identity::business::invite))
        .route("/akun/usaha/{id}/anggota/{account}/hapus", post(crate::identity::business::remove_member))
        .route(
            "/akun/undangan/{token}",
            get(crate::identity::business::invitation_page).post(crate::identity::business::accept),
        )
        .route("/api/v1/businesses", get(crate::identity::business::api_list))
        .route("/admin/konten", get(crate::portal::editor::list))
        .route(
            "/admin/konten/berita/baru",
            get(crate::portal::editor::news_new).post(crate::portal::editor::news_create),
        )
        .route(
            "/admin/konten/berita/{slug}",
            get(crate::portal::editor::news_edit).post(crate::portal::editor::news_save),
        )
        .route(
            "/admin/konten/tanya-jawab/baru",
            get(crate::portal::editor::faq_new).post(crate::portal::editor::faq_create),
        )
        .route(
            "/admin/konten/tanya-jawab/{id}",
            get(crate::portal::editor::faq_edit).post(crate::portal::editor::faq_save),
        )
        .route(
            "/admin/konten/halaman/{slug}",
            get(crate::portal::editor::page_edit).post(crate::portal::editor::page_save),
        )
        .route(
            "/admin/konten/regulasi/{slug}",
            get(crate::portal::editor::regulation_edit).post(crate::portal::editor::regulation_save),
        )
        .route(
            "/akun/privasi",
            get(crate::identity::privacy::citizen_page).post(crate::identity::privacy::submit),
        )
        .route("/admin/privasi", get(crate::identity::privacy::officer_list))
        .route(
            "/admin/privasi/{id}",
            get(crate::identity::privacy::officer_detail).post(crate::identity::privacy::resolve_request),
        )
        .route("/admin/petugas", get(crate::identity::admin::list).post(crate::identity::admin::create))
        .route("/admin/petugas/{id}", get(crate::identity::admin::detail))
        .route("/admin/petugas/{id}/peran", post(crate::identity::admin::grant_role))
        .route("/admin/petugas/{id}/peran/{role_id}/cabut", post(crate::identity::admin::revoke_role))
        .route("/akun/token", get(crate::identity::tokens::list).post(crate::identity::tokens::create))
        .route("/akun/token/{id}/cabut", post(crate::identity::tokens::revoke))
        .route(
            "/layanan/{slug}/ajukan",
            get(crate::services::routes::start_page).post(crate::services::routes::start),
        )
        .route("/akun/permohonan", get(crate::services::routes::list_page))
        .route("/permohonan/{id}", get(crate::services::routes::status_page))
        .route("/permohonan/{id}/periksa", get(crate::services::routes::check_page))
        .route("/permohonan/{id}/kirim", post(crate::services::routes::submit))
        .route(
            "/permohonan/{id}/isi/{page}",
            get(crate::services::routes::form_page).post(crate::services::routes::save_page),
        )
        .route("/admin/permohonan", get(crate::services::workbench::queue))
        .route("/admin/permohonan/{id}", get(crate::services::workbench::detail))
        .route("/admin/permohonan/{id}/tindakan", post(crate::services::workbench::act))
        .route("/admin/permohonan/{id}/tugaskan", post(crate::services::workbench::assign))
        .route(
            "/admin/permohonan/{id}/dokumen/{key}/periksa",
            post(crate::services::workbench::check_document),
        )
        .route("/admin/permohonan/{id}/dokumen/{key}", get(crate::services::workbench::document))
        .route("/permohonan/{id}/dokumen", get(crate::services::documents::page))
        .route("/permohonan/{id}/surat", get(crate::services::verify::citizen_download))
        .route(
            "/permohonan/{id}/survei",
            get(crate::services::survey::form).post(crate::services::survey::submit),
        )
        .route("/admin/permohonan/{id}/surat", get(crate::services::verify::officer_download))
        .route("/admin/permohonan/{id}/surat/cabut", post(crate::services::verify::revoke))
        .route("/janji/{agency}", get(appointments::office_slots).post(appointments::book_slot))
        .route("/akun/janji", get(appointments::mine))
        .route("/akun/notifikasi", get(crate::services::notifications::page))
        .route("/akun/notifikasi/dibaca", post(crate::services::notifications::mark_read))
        .route("/akun/janji/{id}", get(appointments::booking_page))
        .route("/akun/janji/{id}/batal", post(appointments::cancel))
        .route("/akun/janji/{id}/ubah", get(appointments::reschedule_page).post(appointments::reschedule))
        .route("/admin/layanan", get(crate::services::editor::list))
        .route(
            "/admin/layanan/baru",
            get(crate::services::editor::new_form).post(crate::services::editor::create),
        )
        .route(
            "/admin/layanan/{slug}",
            get(crate::services::editor::edit_form).post(crate::services::editor::update),
        )
        .route("/admin/antrean", get(appointments::office))
        .route("/admin/antrean/slot", post(appointments::publish))
        .route("/admin/antrean/panggil", post(appointments::call_next))
        .route("/antrean/{agency}", get(appointments::display))
        .route("/verify", get(crate::services::verify::lookup))
        .route(
            "/verify/{code}",
            get(crate::services::verify::by_code).post(crate::services::verify::compare_upload),
        )
        .route("/api/v1/documents/{code}/verification", get(crate::services::verify::api_by_code))
        .route("/api/v1/documents/verification", post(crate::services::verify::api_check_file))
        .route("/pengaduan", get(crate::complaints::routes::board))
        .route("/pengaduan/peta", get(crate::complaints::routes::map))
        .route("/pengaduan/{id}/foto/{n}", get(crate::complaints::photos::public_photo))
        .route("/admin/pengaduan/{id}/foto/{n}", get(crate::complaints::photos::officer_photo))
        .route(
            "/pengaduan/lacak",
            get(crate::complaints::routes::track_form).post(crate::complaints::routes::track),
        )
        .route("/pengaduan/tanggapi", post(crate::complaints::routes::answer))
        .route("/pengaduan/{id}", get(crate::complaints::routes::detail))
        .route("/admin/pengaduan", get(crate::complaints::admin::queue))
        .route("/admin/pengaduan/laporan", get(crate::complaints::admin::sla_report))
        .route("/admin/pengaduan/topik", get(crate::complaints::topics::list))
        .route(
            "/admin/pengaduan/topik/baru",
            get(crate::complaints::topics::new_form).post(crate::complaints::topics::create),
        )
        .route(
            "/admin/pengaduan/topik/{code}",
            get(crate::complaints::topics::edit_form).post(crate::complaints::topics::update),
        )
        .route("/admin/pengaduan/topik/{code}/aturan", post(crate::complaints::topics::change_rule))
        .route("/admin/ikm", get(crate::satisfaction::page))
        .route("/pengaduan/survei", post(crate::services::survey::complaint_survey))
        .route(
            "/survei/{unit}",
            get(crate::services::survey::walk_in_form).post(crate::services::survey::walk_in_submit),
        )
        .route("/admin/ikm.csv", get(crate::satisfaction::csv))
        .route("/admin/ikm.pdf", get(crate::satisfaction::pdf))
        .route("/admin/ikm.xlsx", get(crate::satisfaction::xlsx))
        .route("/admin/pengaduan/{id}", get(crate::complaints::admin::detail))
        .route("/admin/pengaduan/{id}/tindakan", post(crate::complaints::admin::act))
        .route("/pengaduan/{id}/dukung", post(crate::complaints::routes::support))
        .route("/open311/{file}", get(crate::complaints::open311::discovery))
        .route(
            "/open311/v2/{file}",
            get(crate::complaints::open311::collection).post(crate::complaints::open311::create),
        )
        .route("/open311/v2/services/{file}", get(crate::complaints::open311::service_definition))
        .route("/open311/v2/requests/{file}", get(crate::complaints::open311::request))
        .route("/open311/v2/tokens/{file}", get(crate::complaints::open311::token))
        .route("/admin/kalender", get(crate::calendar::admin_page).post(crate::calendar::save))
        .route("/admin/kalender/{day}/hapus", post(crate::calendar::remove))
        .route("/admin/instansi", get(crate::identity::agencies::list))
        .route(
            "/admin/instansi/baru",
            get(crate::identity::agencies::new_form).post(crate::identity::agencies::create),
        )
        .route(
            "/admin/instansi/{slug}",
            get(crate::identity::agencies::edit_form).post(crate::identity::agencies::update),
        )
        .route_layer(from_fn_with_state(state.clone(), session_layer))
        .route_layer(from_fn_with_state(state.clone(), ops::require_ready))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes));

    // Documents are larger than any form: their route has a limit of its own (the largest
    // file a requirement may allow, and the form around it).
    let uploads = Router::new()
        .route(
            "/permohonan/{id}/dokumen/{key}",
            get(crate::services::documents::download).post(crate::services::documents::upload),
        )
        .route("/api/v1/applications/{id}/attachments/{key}", put(crate::services::api::put_attachment))
        .route_layer(from_fn_with_state(state.clone(), session_layer))
        .route_layer(from_fn_with_state(state.clone(), ops::require_ready))
        .layer(RequestBodyLimitLayer::new(crate::services::documents::UPLOAD_BODY_LIMIT))
        .layer(axum::extract::DefaultBodyLimit::max(crate::services::documents::UPLOAD_BODY_LIMIT));
    // The complaint form carries up to three photos.
    let photo_forms = Router::new()
        .route(
            "/pengaduan/baru",
            get(crate::complaints::routes::new_form).post(crate::complaints::routes::create),
        )
        .route_layer(from_fn_with_state(state.clone(), session_layer))
        .route_layer(from_fn_with_state(state.clone(), ops::require_ready))
        .layer(RequestBodyLimitLayer::new(COMPLAINT_FORM_LIMIT))
        .layer(axum::extract::DefaultBodyLimit::max(COMPLAINT_FORM_LIMIT));

    Router::new()
        .merge(needs_database)
        .merge(uploads)
        .merge(photo_forms)
        .route("/bahasa/{code}", get(portal::switch_language))
        .route("/assets/satupintu.css", get(stylesheet))
        .route("/assets/pengaduan.js", get(complaint_script))
        .route("/api/openapi.json", get(crate::api::openapi_json))
        .route("/api/docs", get(crate::api::docs_page))
        .route("/problems/{slug}", get(problem_type))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(not_found)
        .layer(
            // Outermost first.
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, NodeRequestIds::default()))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::debug_span!("request", method = %request.method(), uri = %request.uri(), request_id = %id)
                })
                // Faults are logged once, with their cause, by the error renderer.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)))
                .layer(from_fn(web::record_metrics))
                .layer(CompressionLayer::new())
                .layer(from_fn_with_state(state.clone(), web::security_headers))
                .layer(from_fn(web::request_context))
                .layer(from_fn_with_state(state.clone(), web::conditional_get))
                .layer(CatchPanicLayer::custom(|_panic| {
                    AppError::Internal(anyhow::anyhow!("a handler panicked")).into_response()
                }))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(config.request_timeout_seconds),
                )),
        )
        .with_state(state)
}

/// Request ids unique across nodes: a random prefix per process and a counter.
#[derive(Clone)]
struct NodeRequestIds {
    prefix: Arc<str>,
    counter: Arc<AtomicU64>,
}

impl Default for NodeRequestIds {
    fn default() -> Self {
        // Process id and start time are distinct enough between nodes for log correlation.
        let seed = format!("{}{:?}", std::process::id(), std::time::SystemTime::now());
        let prefix = crate::digest::hex(&crate::digest::sha256(seed.as_bytes())[..4]);
        Self { prefix: prefix.into(), counter: Arc::new(AtomicU64::new(1)) }
    }
}

impl MakeRequestId for NodeRequestIds {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

/// A server bound to its address and ready to run.
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
    overdue_every: Duration,
}

impl Server {
    /// Binds the configured address. `/healthz` and `/readyz` answer as soon as the
    /// server runs, while migrations and imports may still be going on.
    pub async fn bind(config: &ServeConfig) -> anyhow::Result<Self> {
        let db = crate::db::open(&config.store)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("could not listen on {}: {e}", config.listen))?;
        Self::new(listener, db, config)
    }

    /// Builds the server on an already bound listener (tests bind port 0).
    pub fn new(listener: TcpListener, db: Db, config: &ServeConfig) -> anyhow::Result<Self> {
        let key_path = crate::audit::keys::key_path(&config.store.data_dir);
        let audit_key = Arc::new(crate::audit::keys::load_or_create(&key_path)?);
        let data_dir = &config.store.data_dir;
        let fields = Arc::new(FieldProtector::load_or_create(&crate::identity::protect::key_path(data_dir))?);
        let csrf_key = CsrfKey::load_or_create(&data_dir.join(CsrfKey::FILE))?;
        let mailer = match &config.smtp_url {
            Some(url) => Mailer::smtp(url, &config.mail_from)?,
            None => Mailer::files(data_dir.join("mail"), &config.mail_from)?,
        };
        let sms = match &config.sms_gateway_url {
            Some(url) => SmsGateway::http(url, config.sms_gateway_token.clone())?,
            None => SmsGateway::files(data_dir.join("sms"))?,
        };
        let outbox = Outbox::new(mailer, sms, fields.clone());
        let state = AppState(Arc::new(Shared {
            db,
            page_cache: PageCache::new(Duration::from_secs(config.page_cache_seconds)),
            behind_tls: config.behind_tls(),
            readiness: Readiness::default(),
            metrics: ops::metrics_handle(),
            load_demo: !config.no_demo,
            audit_key,
            fields,
            csrf_key,
            hasher: PasswordHasher::new(config.hashing_slots()),
            outbox,
            link_base: config.link_base().into(),
            data_dir: data_dir.as_path().into(),
            document_keys: crate::services::issued::DocumentKeys::new(data_dir),
        }));
        let router = router(state.clone(), config);
        let overdue_every = Duration::from_secs(config.overdue_check_seconds.max(1));
        Ok(Self { listener, router, state, overdue_every })
    }

    /// Prepares the database now, before serving (tests do this to start ready).
    pub async fn prepare(&self) -> anyhow::Result<()> {
        ops::prepare(&self.state.db, self.state.load_demo).await?;
        self.state.readiness.mark_prepared();
        Ok(())
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes; requests in flight finish first. A database that
    /// is not prepared yet is prepared in the background, retrying until it answers.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        if !self.state.readiness.is_prepared() {
            tokio::spawn(ops::prepare_until_ready(
                self.state.db.clone(),
                self.state.load_demo,
                self.state.readiness.clone(),
            ));
        }
        tokio::spawn(ops::sign_tree_heads(self.state.clone()));
        tokio::spawn(ops::refresh_statistics(self.state.clone()));
        tokio::spawn(self.state.db.clone().follow_changes());
        tokio::spawn(crate::services::overdue::watch(self.state.clone(), self.overdue_every));
        tokio::spawn(self.state.outbox.clone().run(self.state.db.clone(), self.state.readiness.clone()));
        let service = self.router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await?;
        self.state.db.close().await;
        Ok(())
    }
}

/// Listens for SIGTERM and Ctrl-C from now on, and returns a future that completes when
/// either arrives. Registering before the listener is bound means a signal that comes as soon
/// as the port answers still shuts down gracefully instead of killing the process.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let interrupt = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async move {
            match terminate {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = interrupt => {},
            () = terminate => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
