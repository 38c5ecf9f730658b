//! The portal's HTML pages.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{AppError, AppResult, ParamProblem};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::portal::model::{Agency, Faq, Installation, NewsItem, Regulation, Service};
use crate::portal::search::{self, SearchQuery};
use crate::portal::store::{self, RegulationFilter};
use crate::web::RequestContext;
use crate::web::extract::{Path, Query};
use crate::web::page::{Chrome, Pager, format_date, format_rupiah, format_timestamp, iso_date, paragraphs};
use satupintu_rules::text::{self, Segment};

/// Items per page in HTML lists.
const PER_PAGE: i64 = 10;
/// Pages beyond this are refused: nobody reads that far, and deep offsets are slow.
const MAX_PAGE: i64 = 10_000;
/// Longest search query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Renders a template, or reports why it could not be rendered.
pub fn render(template: &impl Template) -> AppResult<Response> {
    let html =
        template.render().map_err(|e| AppError::Internal(anyhow::Error::new(e).context("template")))?;
    Ok(Html(html).into_response())
}

/// Renders a page with a status other than 200 (a refused form, a page not found).
pub fn render_status(template: &impl Template, status: axum::http::StatusCode) -> AppResult<Response> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    Ok(response)
}

/// Checks a 1-based page number.
pub fn page_number(page: Option<i64>) -> AppResult<i64> {
    let page = page.unwrap_or(1);
    if (1..=MAX_PAGE).contains(&page) {
        Ok(page)
    } else {
        Err(AppError::InvalidParameter {
            name: "halaman".into(),
            problem: ParamProblem::OutOfRange { min: 1, max: MAX_PAGE },
        })
    }
}

/// A news item as a list shows it.
pub struct NewsCard {
    href: String,
    title: String,
    summary: String,
    kind_label: String,
    date: String,
    date_iso: String,
}

impl NewsCard {
    fn new(lang: Lang, installation: &Installation, item: &NewsItem) -> Self {
        Self {
            href: format!("/berita/{}", item.slug),
            title: item.title.clone(),
            summary: item.summary.clone(),
            kind_label: lang.t(&format!("news-kind-{}", item.kind)),
            date: format_timestamp(lang, item.published_unix, installation.utc_offset_hours),
            date_iso: iso_date(item.published_unix, installation.utc_offset_hours),
        }
    }
}

/// A service as lists and pages show it, in the reader's language.
pub struct ServiceView {
    href: String,
    name: String,
    description: String,
    agency_name: String,
    agency_href: String,
    requirements: Vec<String>,
    fee: String,
    sla: String,
    legal_basis: String,
    /// The start of the online application, when the service has a published form.
    apply_href: Option<String>,
}

impl ServiceView {
    fn new(lang: Lang, service: &Service) -> Self {
        let requirements = match lang {
            Lang::En if service.requirements_en.len() == service.requirements.len() => {
                service.requirements_en.clone()
            }
            _ => service.requirements.clone(),
        };
        Self {
            href: format!("/layanan/{}", service.slug),
            apply_href: service.definition_version.map(|_| format!("/layanan/{}/ajukan", service.slug)),
            name: lang.pick(&service.name, &service.name_en).to_string(),
            description: lang.pick(&service.description, &service.description_en).to_string(),
            agency_name: service.agency_name.clone(),
            agency_href: format!("/instansi/{}", service.agency_slug),
            requirements,
            fee: format_rupiah(lang, service.fee_rupiah),
            sla: lang.t_args("sla-working-days", &[("days", service.sla_working_days.to_string())]),
            legal_basis: service.legal_basis.clone(),
        }
    }
}

/// An agency in the reader's language.
pub struct AgencyView {
    href: String,
    name: String,
    acronym: String,
    region_name: String,
    region_href: String,
    address: String,
    phone: String,
    email: String,
    hours: String,
    description: String,
}

impl AgencyView {
    fn new(lang: Lang, agency: &Agency) -> Self {
        Self {
            href: format!("/instansi/{}", agency.slug),
            name: lang.pick(&agency.name, &agency.name_en).to_string(),
            acronym: agency.acronym.clone(),
            region_name: agency.region_name.clone(),
            region_href: format!("/wilayah/{}", agency.region_code),
            address: agency.address.clone(),
            phone: agency.phone.clone(),
            email: agency.email.clone(),
            hours: lang.pick(&agency.hours, &agency.hours_en).to_string(),
            description: lang.pick(&agency.description, &agency.description_en).to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    chrome: Chrome,
    tagline: String,
    region_name: String,
    region_href: String,
    services: Vec<ServiceView>,
    news: Vec<NewsCard>,
    announcements: Vec<NewsCard>,
    agencies: Vec<AgencyView>,
}

/// The home page: the municipality, featured services, latest news and announcements, agencies.
pub async fn home(State(state): State<AppState>, context: RequestContext) -> AppResult<Response> {
    let db = &state.db;
    let installation = store::installation(db).await?;
    let lang = context.lang;
    let services = store::services(db, None, true).await?;
    let (news, _) = store::news_page(db, Some("news"), 0, 4).await?;
    let (announcements, _) = store::news_page(db, Some("announcement"), 0, 3).await?;
    let agencies = store::agencies(db).await?;
    let page = HomePage {
        chrome: Chrome::new(&context, &installation, "home", lang.t("nav-home")),
        tagline: lang.pick(&installation.tagline, &installation.tagline_en).to_string(),
        region_name: installation.region_name.clone(),
        region_href: format!("/wilayah/{}", installation.region_code),
        services: services.iter().map(|s| ServiceView::new(lang, s)).collect(),
        news: news.iter().map(|n| NewsCard::new(lang, &installation, n)).collect(),
        announcements: announcements.iter().map(|n| NewsCard::new(lang, &installation, n)).collect(),
        agencies: agencies.iter().map(|a| AgencyView::new(lang, a)).collect(),
    };
    render(&page)
}

/// Query of the news list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsListQuery {
    /// Page number, from 1.
    halaman: Option<i64>,
    /// `news` or `announcement`; both when absent.
    jenis: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/news_list.html")]
struct NewsListPage {
    chrome: Chrome,
    items: Vec<NewsCard>,
    pager: Pager,
    kind: String,
}

/// Checks the news-kind filter: `news`, `announcement`, or none (absent or empty).
pub fn news_kind(kind: Option<String>, name: &str) -> AppResult<Option<String>> {
    match kind.as_deref() {
        None | Some("") => Ok(None),
        Some("news" | "announcement") => Ok(kind),
        Some(_) => Err(AppError::malformed(name)),
    }
}

/// The statuses a regulation can have (JDIH): in force, amended, revoked.
pub const REGULATION_STATUSES: [&str; 3] = ["berlaku", "diubah", "dicabut"];

/// Checks the regulation-status filter: one of [`REGULATION_STATUSES`], or none.
pub fn regulation_status(status: Option<String>, name: &str) -> AppResult<Option<String>> {
    match status.filter(|s| !s.trim().is_empty()) {
        Some(s) if !REGULATION_STATUSES.contains(&s.as_str()) => Err(AppError::malformed(name)),
        status => Ok(status),
    }
}

/// News and announcements, newest first.
pub async fn news_list(
    State(state): State<AppState>,
    context: RequestContext,
    Query(query): Query<NewsListQuery>,
) -> AppResult<Response> {
    let page = page_number(query.halaman)?;
    let kind = news_kind(query.jenis, "jenis")?;
    let installation = store::installation(&state.db).await?;
    let (items, total) =
        store::news_page(&state.db, kind.as_deref(), (page - 1) * PER_PAGE, PER_PAGE).await?;
    if page > 1 && items.is_empty() {
        return Err(AppError::NotFound);
    }
    let lang = context.lang;
    let kind_param = kind.clone().map(|k| format!("&jenis={k}")).unwrap_or_default();
    let title = match kind.as_deref() {
        Some("announcement") => lang.t("nav-announcements"),
        _ => lang.t("nav-news"),
    };
    render(&NewsListPage {
        chrome: Chrome::new(&context, &installation, "news", title),
        items: items.iter().map(|n| NewsCard::new(lang, &installation, n)).collect(),
        pager: Pager::new(page, PER_PAGE, total, |p| format!("/berita?halaman={p}{kind_param}")),
        kind: kind.unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "portal/news_detail.html")]
struct NewsDetailPage {
    chrome: Chrome,
    card: NewsCard,
    paragraphs: Vec<String>,
    agency: Option<AgencyView>,
}

/// One news item or announcement.
pub async fn news_detail(
    State(state): State<AppState>,
    context: RequestContext,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let item = store::news_by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let installation = store::installation(&state.db).await?;
    let agency = match &item.agency_slug {
        Some(slug) => store::agency_by_slug(&state.db, slug).await?,
        None => None,
    };
    let lang = context.lang;
    render(&NewsDetailPage {
        chrome: Chrome::new(&context, &installation, "news", item.title.clone()),
        card: NewsCard::new(lang, &installation, &item),
        paragraphs: paragraphs(&item.body),
        agency: agency.map(|a| AgencyView::new(lang, &a)),
    })
}

/// Query of the regulation list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegulationListQuery {
    /// Page number, from 1.
    halaman: Option<i64>,
    /// Regulation type.
    jenis: Option<String>,
    /// Year of enactment; empty means any.
    tahun: Option<String>,
    /// Status.
    status: Option<String>,
}

impl RegulationListQuery {
    fn filter(&self) -> AppResult<RegulationFilter> {
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        let year = match non_empty(&self.tahun) {
            None => None,
            Some(y) => Some(parse_year(&y, "tahun")?),
        };
        let status = regulation_status(self.status.clone(), "status")?;
        Ok(RegulationFilter { reg_type: non_empty(&self.jenis), year, status })
    }
}

/// Parses a year between 1945 (the Republic) and 2100.
pub fn parse_year(value: &str, name: &str) -> AppResult<i64> {
    let year: i64 = value.trim().parse().map_err(|_| AppError::malformed(name))?;
    if (1945..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::InvalidParameter {
            name: name.into(),
            problem: ParamProblem::OutOfRange { min: 1945, max: 2100 },
        })
    }
}

/// A regulation in the reader's language.
pub struct RegulationView {
    href: String,
    reg_type: String,
    number: String,
    year: i64,
    title: String,
    status: String,
    status_label: String,
    subject: String,
    enacted_on: String,
    summary: String,
    file_url: String,
    file_name: String,
}

impl RegulationView {
    fn new(lang: Lang, r: &Regulation) -> Self {
        let enacted_on = jiff::civil::Date::strptime("%Y-%m-%d", &r.enacted_on)
            .map(|d| format_date(lang, d.year(), d.month(), d.day()))
            .unwrap_or_else(|_| r.enacted_on.clone());
        Self {
            href: format!("/regulasi/{}", r.slug),
            reg_type: r.reg_type.clone(),
            number: r.number.clone(),
            year: r.year,
            title: r.title.clone(),
            status: r.status.clone(),
            status_label: lang.t(&format!("regulation-status-{}", r.status)),
            subject: r.subject.clone(),
            enacted_on,
            summary: r.summary.clone(),
            file_url: r.file_url.clone(),
            file_name: r.file_name.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/regulation_list.html")]
struct RegulationListPage {
    chrome: Chrome,
    items: Vec<RegulationView>,
    pager: Pager,
    total: i64,
    types: Vec<String>,
    years: Vec<i64>,
    selected_type: String,
    selected_year: i64,
    selected_status: String,
}

/// Regulations (JDIH), filterable by type, year and status.
pub async fn regulation_list(
    State(state): State<AppState>,
    context: RequestContext,
    Query(query): Query<RegulationListQuery>,
) -> AppResult<Response> {
    let page = page_number(query.halaman)?;
    let filter = query.filter()?;
    let installation = store::installation(&state.db).await?;
    let (items, total) = store::regulations_page(&state.db, &filter, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let (types, years) = store::regulation_facets(&state.db).await?;
    let lang = context.lang;
    let encode =
        |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    let filter_params = format!(
        "&jenis={}&tahun={}&status={}",
        encode(filter.reg_type.as_deref().unwrap_or("")),
        filter.year.map(|y| y.to_string()).unwrap_or_default(),
        encode(filter.status.as_deref().unwrap_or(""))
    );
    render(&RegulationListPage {
        chrome: Chrome::new(&context, &installation, "regulations", lang.t("nav-regulations")),
        items: items.iter().map(|r| RegulationView::new(lang, r)).collect(),
        pager: Pager::new(page, PER_PAGE, total, |p| format!("/regulasi?halaman={p}{filter_params}")),
        total,
        types,
        years,
        selected_type: filter.reg_type.unwrap_or_default(),
        selected_year: filter.year.unwrap_or(0),
        selected_status: filter.status.unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "portal/regulation_detail.html")]
struct RegulationDetailPage {
    chrome: Chrome,
    regulation: RegulationView,
    sha256: String,
}

/// One regulation with its downloadable text.
pub async fn regulation_detail(
    State(state): State<AppState>,
    context: RequestContext,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let regulation = store::regulation_by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let installation = store::installation(&state.db).await?;
    let view = RegulationView::new(context.lang, &regulation);
    render(&RegulationDetailPage {
        chrome: Chrome::new(
            &context,
            &installation,
            "regulations",
            format!("{} {}/{}", view.reg_type, view.number, view.year),
        ),
        regulation: view,
        sha256: regulation.file_sha256,
    })
}

/// The official text of a regulation, as a download.
pub async fn regulation_file(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let (file_name, file) = store::regulation_file(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // File names are ours (ASCII slugs), but never trust them into a header unchecked.
    let safe_name: String =
        file_name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A FAQ entry in the reader's language.
pub struct FaqView {
    anchor: String,
    question: String,
    answer: Vec<String>,
}

/// FAQ entries grouped under their category.
pub struct FaqGroup {
    category: String,
    entries: Vec<FaqView>,
}

fn group_faq(lang: Lang, entries: &[Faq]) -> Vec<FaqGroup> {
    let mut groups: Vec<FaqGroup> = Vec::new();
    for entry in entries {
        let view = FaqView {
            anchor: format!("faq-{}", entry.id),
            question: lang.pick(&entry.question, &entry.question_en).to_string(),
            answer: paragraphs(lang.pick(&entry.answer, &entry.answer_en)),
        };
        match groups.iter_mut().find(|g| g.category == entry.category) {
            Some(group) => group.entries.push(view),
            None => groups.push(FaqGroup { category: entry.category.clone(), entries: vec![view] }),
        }
    }
    groups
}

#[derive(Template)]
#[template(path = "portal/faq.html")]
struct FaqPage {
    chrome: Chrome,
    groups: Vec<FaqGroup>,
}

/// Frequently asked questions, by category.
pub async fn faq(State(state): State<AppState>, context: RequestContext) -> AppResult<Response> {
    let installation = store::installation(&state.db).await?;
    let entries = store::faq(&state.db).await?;
    render(&FaqPage {
        chrome: Chrome::new(&context, &installation, "faq", context.lang.t("nav-faq")),
        groups: group_faq(context.lang, &entries),
    })
}

#[derive(Template)]
#[template(path = "portal/page.html")]
struct FixedPage {
    chrome: Chrome,
    paragraphs: Vec<String>,
}

/// A fixed page: about, contact, privacy.
pub async fn page(
    State(state): State<AppState>,
    context: RequestContext,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let page = store::page(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let installation = store::installation(&state.db).await?;
    let lang = context.lang;
    render(&FixedPage {
        chrome: Chrome::new(&context, &installation, "", lang.pick(&page.title, &page.title_en)),
        paragraphs: paragraphs(lang.pick(&page.body, &page.body_en)),
    })
}

#[derive(Template)]
#[template(path = "portal/agency_list.html")]
struct AgencyListPage {
    chrome: Chrome,
    agencies: Vec<AgencyView>,
}

/// The agency directory.
pub async fn agency_list(State(state): State<AppState>, context: RequestContext) -> AppResult<Response> {
    let installation = store::installation(&state.db).await?;
    let agencies = store::agencies(&state.db).await?;
    render(&AgencyListPage {
        chrome: Chrome::new(&context, &installation, "agencies", context.lang.t("nav-agencies")),
        agencies: agencies.iter().map(|a| AgencyView::new(context.lang, a)).collect(),
    })
}

#[derive(Template)]
#[template(path = "portal/agency_detail.html")]
struct AgencyDetailPage {
    chrome: Chrome,
    agency: AgencyView,
    services: Vec<ServiceView>,
}

/// One agency and the services it offers.
pub async fn agency_detail(
    State(state): State<AppState>,
    context: RequestContext,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let agency = store::agency_by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let installation = store::installation(&state.db).await?;
    let services = store::services(&state.db, Some(&slug), false).await?;
    let lang = context.lang;
    let view = AgencyView::new(lang, &agency);
    render(&AgencyDetailPage {
        chrome: Chrome::new(&context, &installation, "agencies", view.name.clone()),
        agency: view,
        services: services.iter().map(|s| ServiceView::new(lang, s)).collect(),
    })
}

#[derive(Template)]
#[template(path = "portal/service_list.html")]
struct ServiceListPage {
    chrome: Chrome,
    services: Vec<ServiceView>,
}

/// The service catalogue.
pub async fn service_list(State(state): State<AppState>, context: RequestContext) -> AppResult<Response> {
    let installation = store::installation(&state.db).await?;
    let services = store::services(&state.db, None, false).await?;
    render(&ServiceListPage {
        chrome: Chrome::new(&context, &installation, "services", context.lang.t("nav-services")),
        services: services.iter().map(|s| ServiceView::new(context.lang, s)).collect(),
    })
}

#[derive(Template)]
#[template(path = "portal/service_detail.html")]
struct ServiceDetailPage {
    chrome: Chrome,
    service: ServiceView,
}

/// One service: what it needs, what it costs, how long it takes.
pub async fn service_detail(
    State(state): State<AppState>,
    context: RequestContext,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let service = store::service_by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let installation = store::installation(&state.db).await?;
    let view = ServiceView::new(context.lang, &service);
    render(&ServiceDetailPage {
        chrome: Chrome::new(&context, &installation, "services", view.name.clone()),
        service: view,
    })
}

/// Query of the search page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchPageQuery {
    /// What to look for.
    q: Option<String>,
    /// Page number, from 1.
    halaman: Option<i64>,
}

/// A search result with its title and snippet split into highlighted segments.
pub struct HitView {
    href: String,
    kind_label: String,
    title: Vec<Segment>,
    snippet: Vec<Segment>,
    date: String,
}

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchPage {
    chrome: Chrome,
    query: String,
    searched: bool,
    hits: Vec<HitView>,
    summary: String,
    pager: SearchPager,
}

/// Checks the length of a search query.
pub fn check_query(q: &str) -> AppResult<()> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::InvalidParameter {
            name: "q".into(),
            problem: ParamProblem::TooLong { max: MAX_QUERY_CHARS },
        });
    }
    Ok(())
}

/// Search over everything the portal publishes.
pub async fn search_page(
    State(state): State<AppState>,
    context: RequestContext,
    Query(query): Query<SearchPageQuery>,
) -> AppResult<Response> {
    let q = query.q.unwrap_or_default();
    check_query(&q)?;
    let page = page_number(query.halaman)?;
    let installation = store::installation(&state.db).await?;
    let parsed = SearchQuery::parse(&q);
    let results = search::search(&state.db, &parsed, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let lang = context.lang;
    let stems = parsed.stems();
    let encoded = percent_encoding::utf8_percent_encode(&q, percent_encoding::NON_ALPHANUMERIC).to_string();
    let href = |p: i64| format!("/cari?q={encoded}&halaman={p}");
    let hits = results
        .hits
        .iter()
        .map(|hit| HitView {
            href: hit.kind.href(&hit.slug),
            kind_label: lang.t(&format!("search-kind-{}", hit.kind.as_str())),
            title: text::highlight(&hit.title, stems),
            snippet: text::highlight(&text::snippet(&hit.body, stems, 240), stems),
            date: if hit.published_at > 0 {
                format_timestamp(lang, hit.published_at, installation.utc_offset_hours)
            } else {
                String::new()
            },
        })
        .collect();
    let summary = match results.total {
        Some(total) => lang.t_args("search-results-count", &[("count", total.to_string())]),
        None => lang.t("search-many-newest"),
    };
    render(&SearchPage {
        chrome: Chrome::new(&context, &installation, "search", lang.t("nav-search")),
        searched: !q.trim().is_empty(),
        query: q,
        hits,
        summary,
        pager: SearchPager {
            page,
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: results.has_more.then(|| href(page + 1)),
        },
    })
}

/// Previous/next links of search results (their total is not always counted).
pub struct SearchPager {
    page: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// Query of the language switch.
#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    /// Where to go back to; only paths on this site are followed.
    kembali: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back to the page the reader was on.
pub async fn switch_language(
    Path(code): Path<String>,
    Query(query): Query<SwitchQuery>,
) -> AppResult<Response> {
    let lang = Lang::from_code(&code).ok_or(AppError::NotFound)?;
    let mut response = crate::web::see_other(&crate::web::local_path(query.kembali));
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
