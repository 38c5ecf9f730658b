//! The complaint pages: the public board, the report form (anyone, signed in or not), a
//! report's public page with "me too", and tracking by code.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::complaints::{self, Complaint, Filter, NewComplaint, Reporter, photos};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::session::Visitor;
use crate::portal::routes::{render, render_status};
use crate::web::RequestContext;
use crate::web::extract::{Form, FormWithFiles, Path, Query, Upload};
use crate::web::page::{Chrome, format_iso_date, format_timestamp};
use satupintu_rules::complaint::{Category, Draft, FieldError, Problem, Status};
use satupintu_rules::photo;

/// Reports per page of the board.
const PER_PAGE: i64 = 20;

/// A report as listed or shown publicly: nothing about who reported.
pub struct Shown {
    id: i64,
    title: String,
    text: String,
    topic: String,
    category: String,
    status: String,
    status_key: &'static str,
    region: Option<String>,
    address: Option<String>,
    agency: Option<String>,
    received: String,
    supporters: i64,
    /// The next deadline and whether it has passed.
    due: Option<(String, bool)>,
}

fn shown(lang: Lang, offset: i8, today: &str, complaint: &Complaint) -> Shown {
    let due_on = match complaint.status {
        Status::Received => Some(complaint.forward_due_on.clone()),
        Status::Forwarded => complaint.follow_up_due_on.clone(),
        Status::Done => complaint.confirm_due_on.clone(),
        Status::Closed | Status::Rejected => None,
    };
    Shown {
        id: complaint.id,
        title: complaint.title.clone(),
        text: complaint.text.clone(),
        topic: lang.pick(&complaint.topic_name.0, &complaint.topic_name.1).to_string(),
        category: lang.t(&format!("complaint-category-{}", complaint.category.as_str())),
        status: lang.t(&format!("complaint-status-{}", complaint.status.as_str())),
        status_key: complaint.status.as_str(),
        region: complaint.region_name.clone(),
        address: complaint.address.clone(),
        agency: complaint.agency.as_ref().map(|a| a.1.clone()),
        received: format_timestamp(lang, complaint.received_at, offset),
        supporters: complaint.supporters,
        due: due_on.and_then(|d| {
            let late = d.as_str() < today && complaint.status != Status::Done;
            format_iso_date(lang, &d).map(|shown| (shown, late))
        }),
    }
}

async fn today(state: &AppState) -> AppResult<(i8, String)> {
    let installation = crate::portal::store::installation(&state.db).await?;
    let offset = installation.utc_offset_hours;
    Ok((offset, crate::calendar::today_at(offset).to_string()))
}

/// The board's filters, from the query string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    topik: Option<String>,
    status: Option<String>,
    wilayah: Option<String>,
    instansi: Option<String>,
    halaman: Option<i64>,
}

/// The public board.
#[derive(Template)]
#[template(path = "complaints/board.html")]
pub struct BoardPage {
    chrome: Chrome,
    reports: Vec<Shown>,
    topics: Vec<(String, String, bool)>,
    statuses: Vec<(&'static str, String, bool)>,
    districts: Vec<(String, String, bool)>,
    agencies: Vec<(String, String, bool)>,
    page: i64,
    map_link: String,
    previous: Option<String>,
    next: Option<String>,
}

fn chosen(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// `GET /pengaduan`: public reports, newest first, with filters (topic, status, district,
/// agency) that work without JavaScript.
pub async fn board(
    State(state): State<AppState>,
    context: RequestContext,
    Query(query): Query<BoardQuery>,
) -> AppResult<Response> {
    let lang = context.lang;
    let page = query.halaman.unwrap_or(1).clamp(1, 10_000);
    let topic = chosen(&query.topik);
    let status = chosen(&query.status);
    let region = chosen(&query.wilayah);
    let agency_slug = chosen(&query.instansi);
    let agencies = crate::portal::store::agencies(&state.db).await?;
    let filter =
        Filter { limit: PER_PAGE + 1, offset: (page - 1) * PER_PAGE, ..board_filter(&state, &query).await? };
    let mut found = complaints::public_list(&state, &filter).await?;
    let more = found.len() as i64 > PER_PAGE;
    found.truncate(PER_PAGE as usize);
    let (offset, today) = today(&state).await?;
    let link = |to: i64| {
        let params: Vec<(&str, String)> =
            std::iter::once(("halaman", to.to_string())).chain(filter_params(&query)).collect();
        format!("/pengaduan?{}", serde_urlencoded::to_string(&params).unwrap_or_default())
    };
    let installation = crate::portal::store::installation(&state.db).await?;
    let districts = region_choices(&state, &installation.region_code, false)
        .await?
        .into_iter()
        .map(|(code, name, _)| {
            let picked = region.as_deref() == Some(code.as_str());
            (code, name, picked)
        })
        .collect();
    let page_view = BoardPage {
        chrome: Chrome::new(&context, &installation, "complaints", lang.t("complaint-board-title")),
        reports: found.iter().map(|c| shown(lang, offset, &today, c)).collect(),
        topics: complaints::topics(&state.db)
            .await?
            .into_iter()
            .map(|t| {
                let picked = topic.as_deref() == Some(t.code.as_str());
                (t.code, lang.pick(&t.name_id, &t.name_en).to_string(), picked)
            })
            .collect(),
        statuses: ["terbuka", "received", "forwarded", "done", "closed"]
            .into_iter()
            .map(|key| (key, lang.t(&format!("complaint-filter-{key}")), status.as_deref() == Some(key)))
            .collect(),
        districts,
        agencies: agencies
            .iter()
            .map(|a| (a.slug.clone(), a.name.clone(), agency_slug.as_deref() == Some(a.slug.as_str())))
            .collect(),
        page,
        map_link: with_filters("/pengaduan/peta", &query),
        previous: (page > 1).then(|| link(page - 1)),
        next: more.then(|| link(page + 1)),
    };
    render(&page_view)
}

/// The board's chosen filters as query parameters.
fn filter_params(query: &BoardQuery) -> Vec<(&'static str, String)> {
    [
        ("topik", &query.topik),
        ("status", &query.status),
        ("wilayah", &query.wilayah),
        ("instansi", &query.instansi),
    ]
    .into_iter()
    .filter_map(|(name, value)| chosen(value).map(|v| (name, v)))
    .collect()
}

/// A page's address with the board's chosen filters.
fn with_filters(path: &str, query: &BoardQuery) -> String {
    let params = filter_params(query);
    if params.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", serde_urlencoded::to_string(&params).unwrap_or_default())
    }
}

/// The board's filters as a store filter (every report, newest first; the caller pages).
async fn board_filter(state: &AppState, query: &BoardQuery) -> AppResult<Filter> {
    let statuses: Vec<Status> = match chosen(&query.status).as_deref() {
        None => Vec::new(),
        Some("terbuka") => vec![Status::Received, Status::Forwarded, Status::Done],
        Some(other) => vec![Status::parse(other).ok_or(AppError::InvalidParameter {
            name: "status".into(),
            problem: crate::error::ParamProblem::Unknown,
        })?],
    };
    let agency = match chosen(&query.instansi) {
        Some(slug) => Some(
            sqlx::query_scalar::<_, i64>("SELECT id FROM agencies WHERE slug = $1")
                .bind(slug)
                .fetch_optional(state.db.pool())
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    Ok(Filter {
        topic: chosen(&query.topik),
        agencies: agency.into_iter().collect(),
        region: chosen(&query.wilayah),
        statuses,
        ..Filter::default()
    })
}

/// Most reports the map shows: the newest with a position.
const ON_THE_MAP: i64 = 300;

/// A report on the map: number, title, status key, and where it is drawn (x, y).
type Dot = (i64, String, &'static str, f64, f64);

/// The map of public reports: their positions drawn to scale on a plain grid (no map tiles,
/// nothing fetched from elsewhere), each a link to its report.
#[derive(Template)]
#[template(path = "complaints/map.html")]
pub struct MapPage {
    chrome: Chrome,
    dots: Vec<Dot>,
    width: u32,
    height: u32,
    /// The bounds' corners as text: north-west and south-east.
    corners: Option<(String, String)>,
    board_link: String,
}

/// Positions as drawn: where each falls, the drawing's height, and the (latitude,
/// longitude) of its north-west and south-east corners.
struct Drawing {
    points: Vec<(f64, f64)>,
    height: f64,
    north_west: (f64, f64),
    south_east: (f64, f64),
}

/// Where positions fall in a `width`-wide drawing: equirectangular, the longitude scaled by
/// the cosine of the middle latitude so that distances look right near the equator and
/// beyond; a margin around, and at least about a kilometre across.
fn project(positions: &[(f64, f64)], width: f64) -> Drawing {
    let (mut south, mut north, mut west, mut east) = (90.0_f64, -90.0_f64, 180.0_f64, -180.0_f64);
    for &(lat, lon) in positions {
        south = south.min(lat);
        north = north.max(lat);
        west = west.min(lon);
        east = east.max(lon);
    }
    let squeeze = ((south + north) / 2.0).to_radians().cos().max(0.1);
    let pad_lat = ((north - south) * 0.08).max(0.005);
    let pad_lon = ((east - west) * 0.08).max(0.005 / squeeze);
    let (south, north, west, east) = (south - pad_lat, north + pad_lat, west - pad_lon, east + pad_lon);
    let scale = width / ((east - west) * squeeze);
    let height = ((north - south) * scale).clamp(120.0, 900.0);
    let scale_y = height / (north - south);
    let points = positions
        .iter()
        .map(|&(lat, lon)| ((lon - west) * squeeze * scale, (north - lat) * scale_y))
        .collect();
    Drawing { points, height, north_west: (north, west), south_east: (south, east) }
}

/// `GET /pengaduan/peta`: the board's reports that have a position, with the same filters.
pub async fn map(
    State(state): State<AppState>,
    context: RequestContext,
    Query(query): Query<BoardQuery>,
) -> AppResult<Response> {
    let lang = context.lang;
    let filter = Filter { with_position: true, limit: ON_THE_MAP, ..board_filter(&state, &query).await? };
    let found = complaints::public_list(&state, &filter).await?;
    let placed: Vec<(&Complaint, (f64, f64))> = found.iter().filter_map(|c| Some((c, c.position?))).collect();
    let positions: Vec<(f64, f64)> = placed.iter().map(|(_, position)| *position).collect();
    const WIDTH: f64 = 640.0;
    let drawing = project(&positions, WIDTH);
    let dots = placed
        .iter()
        .zip(drawing.points)
        .map(|((c, _), (x, y))| {
            (c.id, c.title.clone(), c.status.as_str(), (x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0)
        })
        .collect();
    let corner = |(lat, lon): (f64, f64)| format!("{lat:.4}, {lon:.4}");
    let installation = crate::portal::store::installation(&state.db).await?;
    let board_link = with_filters("/pengaduan", &query);
    render(&MapPage {
        chrome: Chrome::new(&context, &installation, "complaints", lang.t("complaint-map-title")),
        dots,
        width: WIDTH as u32,
        height: drawing.height.round() as u32,
        corners: (!positions.is_empty()).then(|| (corner(drawing.north_west), corner(drawing.south_east))),
        board_link,
    })
}

/// The installation's districts and (with `villages`) their villages: code, name, whether a
/// village.
pub(crate) async fn region_choices(
    state: &AppState,
    installation_region: &str,
    villages: bool,
) -> AppResult<Vec<(String, String, bool)>> {
    let depth = if villages { 4 } else { 3 };
    let rows =
        sqlx::query("SELECT code, name, level FROM regions WHERE code LIKE $1 AND level <= $2 ORDER BY code")
            .bind(format!("{installation_region}.%"))
            .bind(depth)
            .fetch_all(state.db.pool())
            .await?;
    rows.iter()
        .map(|r| {
            Ok((
                sqlx::Row::try_get::<String, _>(r, "code")?,
                sqlx::Row::try_get::<String, _>(r, "name")?,
                sqlx::Row::try_get::<i64, _>(r, "level")? == 4,
            ))
        })
        .collect::<anyhow::Result<_>>()
        .map_err(AppError::from)
}

/// What the report form shows and keeps.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportForm {
    #[serde(default)]
    kategori: String,
    #[serde(default)]
    topik: String,
    #[serde(default)]
    judul: String,
    #[serde(default)]
    isi: String,
    #[serde(default)]
    wilayah: String,
    #[serde(default)]
    alamat: String,
    #[serde(default)]
    lintang: String,
    #[serde(default)]
    bujur: String,
    #[serde(default)]
    rahasia: Option<String>,
    #[serde(default)]
    anonim: Option<String>,
    #[serde(default)]
    nama: String,
    #[serde(default)]
    surel: String,
    #[serde(default)]
    telepon: String,
    /// Set once the reporter has seen the similar reports and sends anyway.
    #[serde(default)]
    tetap_kirim: Option<String>,
    /// Keep the location the camera wrote into the photos (it becomes the report's
    /// position when none is given).
    #[serde(default)]
    lokasi_foto: Option<String>,
    /// Photos already stored, carried from an earlier page of this form (signed).
    #[serde(default)]
    foto_tersimpan: String,
}

/// The report form.
#[derive(Template)]
#[template(path = "complaints/form.html")]
pub struct FormPage {
    chrome: Chrome,
    csrf: String,
    form: ReportForm,
    signed_in: bool,
    categories: Vec<(&'static str, String)>,
    topics: Vec<(String, String, String)>,
    regions: Vec<(String, String, bool)>,
    errors: Vec<(String, String)>,
    alike: Vec<(i64, String, i64)>,
    /// Photos already stored for this report: how many.
    photos_kept: usize,
    max_photos: usize,
    max_photo_mb: usize,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.0 == field).map(|e| e.1.as_str())
    }

    fn checked(value: &Option<String>) -> bool {
        value.is_some()
    }
}

async fn form_page(
    state: &AppState,
    context: &RequestContext,
    visitor: &Visitor,
    form: ReportForm,
) -> AppResult<FormPage> {
    let lang = context.lang;
    let installation = crate::portal::store::installation(&state.db).await?;
    Ok(FormPage {
        chrome: Chrome::new(context, &installation, "complaints", lang.t("complaint-form-title")),
        csrf: visitor.csrf.clone(),
        form,
        signed_in: visitor.principal.is_some(),
        categories: Category::ALL
            .into_iter()
            .map(|c| (c.as_str(), lang.t(&format!("complaint-category-{}", c.as_str()))))
            .collect(),
        topics: complaints::topics(&state.db)
            .await?
            .into_iter()
            .map(|t| {
                (
                    t.code,
                    lang.pick(&t.name_id, &t.name_en).to_string(),
                    lang.pick(&t.group_id, &t.group_en).to_string(),
                )
            })
            .collect(),
        regions: region_choices(state, &installation.region_code, true).await?,
        errors: Vec::new(),
        alike: Vec::new(),
        photos_kept: 0,
        max_photos: photo::MAX_PHOTOS,
        max_photo_mb: photo::MAX_PHOTO_BYTES / (1024 * 1024),
    })
}

/// `GET /pengaduan/baru`.
pub async fn new_form(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
) -> AppResult<Response> {
    render(&form_page(&state, &context, &visitor, ReportForm::default()).await?)
}

pub(crate) fn problem_text(lang: Lang, problem: &Problem) -> String {
    match problem {
        Problem::Required => lang.t("complaint-error-required"),
        Problem::TooShort { min } => lang.t_args("complaint-error-too-short", &[("min", min.to_string())]),
        Problem::TooLong { max } => lang.t_args("complaint-error-too-long", &[("max", max.to_string())]),
        Problem::UnknownChoice => lang.t("complaint-error-choice"),
        Problem::NotACoordinate => lang.t("complaint-error-coordinate"),
        Problem::HalfAPosition => lang.t("complaint-error-half-position"),
    }
}

/// The form's field of a checked field.
fn form_field(field: &str) -> &str {
    match field {
        "category" => "kategori",
        "title" => "judul",
        "text" => "isi",
        "address" => "alamat",
        "lat" => "lintang",
        "lon" => "bujur",
        other => other,
    }
}

/// The report as the page filed it.
#[derive(Template)]
#[template(path = "complaints/filed.html")]
pub struct FiledPage {
    chrome: Chrome,
    id: i64,
    code: String,
    emailed: bool,
}

/// `POST /pengaduan/baru`: checks every field (each error beside its field, the answers
/// kept, photos already sent carried along), offers similar open reports before filing a
/// likely duplicate, then files.
pub async fn create(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    FormWithFiles { mut form, files }: FormWithFiles<ReportForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let mut errors: Vec<(String, String)> = Vec::new();
    let (photos, photo_position) =
        take_photos(&state, lang, &form.foto_tersimpan, &files, form.lokasi_foto.is_some(), &mut errors)
            .await?;
    form.foto_tersimpan = photos.iter().map(|p| photos::carried(&state, p)).collect::<Vec<_>>().join(" ");
    // A kept camera position stands in for one the reporter did not give.
    if let Some((lat, lon)) = photo_position
        && form.lintang.trim().is_empty()
        && form.bujur.trim().is_empty()
    {
        form.lintang = format!("{lat:.6}");
        form.bujur = format!("{lon:.6}");
    }
    let draft = Draft {
        category: form.kategori.clone(),
        title: form.judul.clone(),
        text: form.isi.clone(),
        address: form.alamat.clone(),
        lat: form.lintang.clone(),
        lon: form.bujur.clone(),
    };
    let checked = satupintu_rules::complaint::check(&draft);
    let topic = complaints::topic(&state.db, form.topik.trim()).await?;
    let installation = crate::portal::store::installation(&state.db).await?;
    let region = form.wilayah.trim().to_string();
    let region_known =
        region.is_empty() || complaints::region_within(&state.db, &installation.region_code, &region).await?;
    let reporter = Reporter {
        name: form.nama.trim().chars().take(120).collect(),
        email: Some(form.surel.trim().to_string()).filter(|e| !e.is_empty()),
        phone: Some(form.telepon.trim().to_string()).filter(|p| !p.is_empty()),
    };
    if let Err(problems) = &checked {
        errors.extend(problems.iter().map(|FieldError { field, problem }| {
            (form_field(field).to_string(), problem_text(lang, problem))
        }));
    }
    if topic.is_none() {
        let key =
            if form.topik.trim().is_empty() { "complaint-error-required" } else { "complaint-error-choice" };
        errors.push(("topik".into(), lang.t(key)));
    }
    if !region_known {
        errors.push(("wilayah".into(), lang.t("complaint-error-choice")));
    }
    if let Some(email) = &reporter.email
        && !satupintu_rules::contact::plausible_email(email)
    {
        errors.push(("surel".into(), lang.t("complaint-error-email")));
    }
    let (Ok(checked), Some(topic), true) = (checked, topic, errors.is_empty()) else {
        let mut page = form_page(&state, &context, &visitor, form).await?;
        page.errors = errors;
        page.photos_kept = photos.len();
        return render_status(&page, StatusCode::BAD_REQUEST);
    };
    let region_code = Some(region).filter(|r| !r.is_empty());
    if form.tetap_kirim.is_none() {
        let alike =
            complaints::alike(&state, topic.id, region_code.as_deref(), &checked.title, &checked.text)
                .await?;
        if !alike.is_empty() {
            let mut page = form_page(&state, &context, &visitor, form).await?;
            page.alike = alike;
            page.photos_kept = photos.len();
            return render(&page);
        }
    }
    let emailed = reporter.email.is_some();
    let new = NewComplaint {
        checked,
        topic,
        region_code,
        confidential: form.rahasia.is_some(),
        anonymous: form.anonim.is_some(),
        account_id: visitor.principal.as_ref().map(|p| p.account_id),
        reporter,
        source: "web",
        client_request: None,
        photos,
        media_url: None,
    };
    let filed = complaints::file(&state, lang, new).await?;
    let page = FiledPage {
        chrome: Chrome::new(&context, &installation, "complaints", lang.t("complaint-filed-title")),
        id: filed.id,
        code: filed.tracking_code.as_deref().map(crate::services::issued::display_code).unwrap_or_default(),
        emailed,
    };
    render_status(&page, StatusCode::CREATED)
}

/// The photos of a report being written: those carried from an earlier page, then the
/// files just sent, each cleaned and stored (a refused one is named in `errors`, field
/// `foto`); with the first position a kept photo carried.
async fn take_photos(
    state: &AppState,
    lang: Lang,
    carried: &str,
    files: &[Upload],
    keep_location: bool,
    errors: &mut Vec<(String, String)>,
) -> AppResult<(Vec<photos::StoredPhoto>, Option<(f64, f64)>)> {
    let mut taken = photos::from_carried(state, carried);
    let mut position = None;
    if taken.len() + files.len() > photo::MAX_PHOTOS {
        let text = lang.t_args("complaint-photo-too-many", &[("max", photo::MAX_PHOTOS.to_string())]);
        errors.push(("foto".into(), text));
        return Ok((taken, None));
    }
    for file in files {
        match photos::store(state, &file.bytes, keep_location).await? {
            Ok((stored, found)) => {
                position = position.or(found);
                if !taken.contains(&stored) {
                    taken.push(stored);
                }
            }
            Err(refused) => {
                let name: String = file.file_name.chars().take(80).collect();
                errors.push(("foto".into(), format!("{name}: {}", photos::refusal_text(lang, refused))));
            }
        }
    }
    Ok((taken, position))
}

/// A report's public page, or (with its tracking code) its reporter's.
#[derive(Template)]
#[template(path = "complaints/detail.html")]
pub struct DetailPage {
    chrome: Chrome,
    csrf: String,
    report: Shown,
    timeline: Vec<(String, String, Option<String>)>,
    /// Shown to the reporter only: the privacy choices.
    reporter_view: Option<(bool, bool)>,
    supported: bool,
    /// The tracking code, when the reporter may confirm or dispute the follow-up now.
    respond_with: Option<String>,
    /// The tracking code, when the report is closed and its survey not yet answered.
    rate_with: Option<String>,
    /// What the reporter's answer did, or why it was refused.
    pub(crate) answer: Option<(bool, String)>,
    /// The photos: position and link text, linked when the report is public.
    photos: Vec<(usize, String)>,
    photos_public: bool,
}

/// A report's timeline as pages show it: when, what, and the note.
pub(crate) async fn timeline_rows(
    state: &AppState,
    lang: Lang,
    id: i64,
    offset: i8,
) -> AppResult<Vec<(String, String, Option<String>)>> {
    Ok(complaints::events(&state.db, id)
        .await?
        .into_iter()
        .map(|e| {
            let key = match (e.kind.as_str(), &e.agency) {
                ("received", Some(_)) => "complaint-event-received-routed".to_string(),
                (kind, _) => format!("complaint-event-{kind}"),
            };
            let what = lang.t_args(&key, &[("agency", e.agency.clone().unwrap_or_default())]);
            (format_timestamp(lang, e.at, offset), what, e.note)
        })
        .collect())
}

async fn detail_page(
    state: &AppState,
    context: &RequestContext,
    csrf: String,
    complaint: &Complaint,
    reporter_view: bool,
) -> AppResult<DetailPage> {
    let lang = context.lang;
    let (offset, today) = today(state).await?;
    let installation = crate::portal::store::installation(&state.db).await?;
    let timeline = timeline_rows(state, lang, complaint.id, offset).await?;
    let title = format!("#{} {}", complaint.id, complaint.title);
    let photos = photo_links(state, lang, complaint).await?;
    Ok(DetailPage {
        chrome: Chrome::new(context, &installation, "complaints", title),
        csrf,
        report: shown(lang, offset, &today, complaint),
        timeline,
        reporter_view: reporter_view.then_some((complaint.confidential, complaint.anonymous)),
        supported: false,
        respond_with: None,
        rate_with: None,
        answer: None,
        photos,
        photos_public: !complaint.confidential,
    })
}

/// A report's photos as pages list them: position and "Photo 1 (245 KB)". Most reports have
/// none, and their count is on the report: no query for those.
pub(crate) async fn photo_links(
    state: &AppState,
    lang: Lang,
    complaint: &Complaint,
) -> AppResult<Vec<(usize, String)>> {
    if complaint.photos == 0 {
        return Ok(Vec::new());
    }
    Ok(photos::of_complaint(&state.db, complaint.id)
        .await?
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let size = crate::services::documents::format_size(lang, p.size_bytes);
            (i + 1, lang.t_args("complaint-photo-link", &[("n", (i + 1).to_string()), ("size", size)]))
        })
        .collect())
}

/// `GET /pengaduan/{id}`: a public report; a confidential one is not found.
pub async fn detail(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let complaint = public_complaint(&state, &id).await?;
    render(&detail_page(&state, &context, visitor.csrf, &complaint, false).await?)
}

pub(crate) async fn public_complaint(state: &AppState, id: &str) -> AppResult<Complaint> {
    let id: i64 = id.trim_start_matches('#').parse().map_err(|_| AppError::NotFound)?;
    match complaints::load(state, id).await? {
        Some(complaint) if !complaint.confidential => Ok(complaint),
        _ => Err(AppError::NotFound),
    }
}

/// `POST /pengaduan/{id}/dukung`: "I have this problem too", once per visitor.
pub async fn support(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(_): Form<crate::identity::routes::EmptyForm>,
) -> AppResult<Response> {
    let complaint = public_complaint(&state, &id).await?;
    // A signed-in account counts once; otherwise the form cookie this browser holds.
    let supporter = match &visitor.principal {
        Some(principal) => format!("account:{}", principal.account_id),
        None => format!("browser:{}", crate::digest::sha256_hex(visitor.csrf.as_bytes())),
    };
    complaints::support(&state.db, complaint.id, &supporter).await?;
    let updated = complaints::load(&state, complaint.id).await?.ok_or(AppError::NotFound)?;
    let mut page = detail_page(&state, &context, visitor.csrf, &updated, false).await?;
    page.supported = true;
    render(&page)
}

/// The tracking form.
#[derive(Template)]
#[template(path = "complaints/track.html")]
pub struct TrackPage {
    chrome: Chrome,
    csrf: String,
    code: String,
    error: Option<String>,
}

/// `GET /pengaduan/lacak`.
pub async fn track_form(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
) -> AppResult<Response> {
    let installation = crate::portal::store::installation(&state.db).await?;
    render(&TrackPage {
        chrome: Chrome::new(&context, &installation, "complaints", context.lang.t("complaint-track-title")),
        csrf: visitor.csrf,
        code: String::new(),
        error: None,
    })
}

/// The tracking code typed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackForm {
    #[serde(default)]
    kode: String,
}

/// The report as its reporter sees it (by tracking code), with what they may do now: answer
/// the follow-up, or rate the service once the report is closed.
pub(crate) async fn reporter_page(
    state: &AppState,
    context: &RequestContext,
    csrf: String,
    complaint: &Complaint,
    code: &str,
) -> AppResult<DetailPage> {
    let mut page = detail_page(state, context, csrf, complaint, true).await?;
    let code: String = code.trim().chars().take(40).collect();
    if complaint.status == Status::Done {
        page.respond_with = Some(code.clone());
    }
    if crate::services::survey::open_for_complaint(state, complaint).await? {
        page.rate_with = Some(code);
    }
    Ok(page)
}

/// The reporter's answer to a follow-up.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerForm {
    #[serde(default)]
    kode: String,
    #[serde(default)]
    jawaban: String,
    #[serde(default)]
    alasan: String,
}

/// `POST /pengaduan/tanggapi`: the reporter, by tracking code, confirms the follow-up
/// (closing the report) or disputes it (back to the agency, escalated). Only the holder of
/// the code can; an answer to a report that is not waiting for one changes nothing.
pub async fn answer(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let complaint = complaints::by_tracking_code(&state, &form.kode).await?.ok_or(AppError::NotFound)?;
    let action = match form.jawaban.as_str() {
        "konfirmasi" => crate::complaints::workflow::Action::Confirm,
        "sanggah" => crate::complaints::workflow::Action::Dispute { note: form.alasan.clone() },
        _ => return Err(AppError::malformed("jawaban")),
    };
    let actor = match &visitor.principal {
        Some(p) if complaint.account_id == Some(p.account_id) => p.actor(),
        _ => format!("reporter:complaint/{}", complaint.id),
    };
    let outcome = crate::complaints::workflow::act(&state, complaint.id, &actor, action).await?;
    let updated = complaints::load(&state, complaint.id).await?.ok_or(AppError::NotFound)?;
    let mut page = reporter_page(&state, &context, visitor.csrf, &updated, &form.kode).await?;
    let status = match outcome {
        Ok(_) => {
            page.answer = Some((true, lang.t(&format!("complaint-answered-{}", form.jawaban))));
            StatusCode::OK
        }
        Err(_) => {
            page.answer = Some((false, lang.t("complaint-refused-not-now")));
            StatusCode::CONFLICT
        }
    };
    render_status(&page, status)
}

/// `POST /pengaduan/lacak`: the reporter's view of their report (also a confidential one).
/// The code travels in the form body, never in a URL that logs or referrers could keep.
pub async fn track(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Form(form): Form<TrackForm>,
) -> AppResult<Response> {
    match complaints::by_tracking_code(&state, &form.kode).await? {
        Some(complaint) => {
            render(&reporter_page(&state, &context, visitor.csrf, &complaint, &form.kode).await?)
        }
        None => {
            let installation = crate::portal::store::installation(&state.db).await?;
            let page = TrackPage {
                chrome: Chrome::new(
                    &context,
                    &installation,
                    "complaints",
                    context.lang.t("complaint-track-title"),
                ),
                csrf: visitor.csrf,
                code: form.kode.chars().take(40).collect(),
                error: Some(context.lang.t("complaint-track-unknown")),
            };
            render_status(&page, StatusCode::NOT_FOUND)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_keeps_north_up_east_right_and_every_point_inside() {
        // Surabaya: Tugu Pahlawan, Rungkut (south-east) and a point north-west of both.
        let positions = [(-7.2458, 112.7378), (-7.3277, 112.7831), (-7.2000, 112.6500)];
        let Drawing { points, height, north_west, south_east } = project(&positions, 640.0);
        for &(x, y) in &points {
            assert!((0.0..=640.0).contains(&x) && (0.0..=height).contains(&y), "{x} {y}");
        }
        assert!(points[1].0 > points[0].0 && points[1].1 > points[0].1, "Rungkut lies south-east");
        assert!(points[2].0 < points[0].0 && points[2].1 < points[0].1, "and the third north-west");
        assert!(north_west.0 > -7.2000 && south_east.0 < -7.3277, "a margin around");
        // The same angle across is the same distance down and across, near the equator.
        let wide = (points[1].0 - points[0].0) / (112.7831 - 112.7378);
        let tall = (points[1].1 - points[0].1) / (7.3277 - 7.2458);
        assert!((wide / tall - (-7.29_f64).to_radians().cos()).abs() < 0.01, "{wide} {tall}");
        // One report alone still gets a drawing about a kilometre across.
        let single = project(&[(-7.25, 112.75)], 640.0);
        assert!(single.height >= 120.0 && (single.points[0].0 - 320.0).abs() < 1.0, "{:?}", single.points);
    }
}
