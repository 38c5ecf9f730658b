//! The portal's JSON API (`/api/v1`).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{Cursor, ListPage, limit, page_of};
use crate::app::AppState;
use crate::error::{AppError, AppResult, ParamProblem};
use crate::portal::model::{Agency, Faq, Installation, NewsItem, Page, Regulation, Service};
use crate::portal::routes::{check_query, news_kind, parse_year, regulation_status};
use crate::portal::search::{self, SearchQuery};
use crate::portal::store::{self, After, RegulationFilter};
use crate::web::extract::{Path, Query};
use crate::web::problem::Problem;
use satupintu_rules::text;

/// The installation: which government this portal serves.
#[utoipa::path(get, path = "/api/v1/installation", tag = "portal",
    responses((status = 200, body = Installation)))]
pub async fn installation(State(state): State<AppState>) -> AppResult<Json<Installation>> {
    Ok(Json(store::installation(&state.db).await?))
}

/// Query of the news list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NewsQuery {
    /// Items per page, 1–100 (default 20).
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only `news` or only `announcement`.
    kind: Option<String>,
}

/// News and announcements, newest first.
#[utoipa::path(get, path = "/api/v1/news", tag = "portal", params(NewsQuery),
    responses(
        (status = 200, body = ListPage<NewsItem>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn news_list(
    State(state): State<AppState>,
    Query(q): Query<NewsQuery>,
) -> AppResult<Json<ListPage<NewsItem>>> {
    let limit = limit(q.limit)?;
    let after = Cursor::decode_opt("news", q.cursor.as_deref())?
        .map_or(After::START, |c| After { key: c.key, id: c.id });
    let kind = news_kind(q.kind, "kind")?;
    let rows = store::news_after(&state.db, kind.as_deref(), after, limit + 1).await?;
    Ok(Json(page_of(rows, limit, "news", |a| (a.key, a.id))))
}

/// One news item or announcement.
#[utoipa::path(get, path = "/api/v1/news/{slug}", tag = "portal",
    params(("slug" = String, Path, description = "URL name of the item")),
    responses(
        (status = 200, body = NewsItem),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn news_detail(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Json<NewsItem>> {
    store::news_by_slug(&state.db, &slug).await?.map(Json).ok_or(AppError::NotFound)
}

/// Query of the regulation list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegulationQuery {
    /// Items per page, 1–100 (default 20).
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only this type, e.g. `Peraturan Daerah`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    reg_type: Option<String>,
    /// Only this year (1945–2100).
    year: Option<String>,
    /// Only this status: `berlaku`, `diubah` or `dicabut`.
    status: Option<String>,
}

/// Regulations (JDIH), newest year first.
#[utoipa::path(get, path = "/api/v1/regulations", tag = "portal", params(RegulationQuery),
    responses(
        (status = 200, body = ListPage<Regulation>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn regulation_list(
    State(state): State<AppState>,
    Query(q): Query<RegulationQuery>,
) -> AppResult<Json<ListPage<Regulation>>> {
    let limit = limit(q.limit)?;
    let after = Cursor::decode_opt("regulations", q.cursor.as_deref())?
        .map_or(After::START, |c| After { key: c.key, id: c.id });
    let year = q.year.as_deref().filter(|y| !y.is_empty()).map(|y| parse_year(y, "year")).transpose()?;
    let status = regulation_status(q.status, "status")?;
    let filter = RegulationFilter { reg_type: q.reg_type.filter(|t| !t.is_empty()), year, status };
    let rows = store::regulations_after(&state.db, &filter, after, limit + 1).await?;
    Ok(Json(page_of(rows, limit, "regulations", |a| (a.key, a.id))))
}

/// One regulation.
#[utoipa::path(get, path = "/api/v1/regulations/{slug}", tag = "portal",
    params(("slug" = String, Path, description = "URL name of the regulation")),
    responses(
        (status = 200, body = Regulation),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn regulation_detail(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Json<Regulation>> {
    store::regulation_by_slug(&state.db, &slug).await?.map(Json).ok_or(AppError::NotFound)
}

/// Query of lists that only page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1–100 (default 20).
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Agencies (OPD), in the order they were registered.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "directory", params(PageQuery),
    responses(
        (status = 200, body = ListPage<Agency>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn agency_list(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<ListPage<Agency>>> {
    let limit = limit(q.limit)?;
    let after = Cursor::decode_opt("agencies", q.cursor.as_deref())?.map_or(0, |c| c.id);
    let rows = store::agencies_after(&state.db, after, limit + 1).await?;
    Ok(Json(page_of(rows, limit, "agencies", |id| (0, *id))))
}

/// One agency.
#[utoipa::path(get, path = "/api/v1/agencies/{slug}", tag = "directory",
    params(("slug" = String, Path, description = "URL name of the agency")),
    responses(
        (status = 200, body = Agency),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn agency_detail(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Json<Agency>> {
    store::agency_by_slug(&state.db, &slug).await?.map(Json).ok_or(AppError::NotFound)
}

/// The service catalogue, in the order services were registered.
#[utoipa::path(get, path = "/api/v1/services", tag = "directory", params(PageQuery),
    responses(
        (status = 200, body = ListPage<Service>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn service_list(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<ListPage<Service>>> {
    let limit = limit(q.limit)?;
    let after = Cursor::decode_opt("services", q.cursor.as_deref())?.map_or(0, |c| c.id);
    let rows = store::services_after(&state.db, after, limit + 1).await?;
    Ok(Json(page_of(rows, limit, "services", |id| (0, *id))))
}

/// One service.
#[utoipa::path(get, path = "/api/v1/services/{slug}", tag = "directory",
    params(("slug" = String, Path, description = "URL name of the service")),
    responses(
        (status = 200, body = Service),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn service_detail(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Json<Service>> {
    store::service_by_slug(&state.db, &slug).await?.map(Json).ok_or(AppError::NotFound)
}

/// A service's definition as offered now.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferedDefinition {
    /// The service's URL name.
    pub slug: String,
    /// The definition's version; applications record it.
    pub version: i64,
    /// The definition: names, requirements (accepted types, sizes), the form (a JSON Schema
    /// for the data, pages, labels, conditions), the workflow and the document template.
    /// See `docs/services.md`.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

/// The definition a service is applied for under: the same form drives the web pages, this
/// API and other channels.
#[utoipa::path(get, path = "/api/v1/services/{slug}/definition", tag = "directory",
    params(("slug" = String, Path, description = "URL name of the service")),
    responses(
        (status = 200, body = OfferedDefinition),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn service_definition(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Json<OfferedDefinition>> {
    let offered = crate::services::catalogue::offered(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    Ok(Json(OfferedDefinition {
        slug,
        version: offered.version,
        definition: serde_json::to_value(&offered.service.definition).map_err(anyhow::Error::from)?,
    }))
}

/// Every FAQ entry.
#[utoipa::path(get, path = "/api/v1/faq", tag = "portal",
    responses((status = 200, body = ListPage<Faq>)))]
pub async fn faq_list(State(state): State<AppState>) -> AppResult<Json<ListPage<Faq>>> {
    Ok(Json(ListPage { data: store::faq(&state.db).await?, next_cursor: None }))
}

/// One fixed page (`tentang`, `kontak`, `privasi`).
#[utoipa::path(get, path = "/api/v1/pages/{slug}", tag = "portal",
    params(("slug" = String, Path, description = "URL name of the page")),
    responses(
        (status = 200, body = Page),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn page_detail(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Json<Page>> {
    store::page(&state.db, &slug).await?.map(Json).ok_or(AppError::NotFound)
}

/// Query of the search.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchApiQuery {
    /// What to look for (at most 200 characters). Indonesian word forms match their stems.
    q: String,
    /// Items per page, 1–100 (default 20).
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// `news`, `regulation`, `service`, `agency`, `faq` or `page`.
    pub kind: String,
    /// URL name of the item.
    pub slug: String,
    /// Title.
    pub title: String,
    /// The page of the item on the portal.
    pub url: String,
    /// Text around the first match.
    pub snippet: String,
    /// Publication time (RFC 3339, UTC), for dated items.
    pub published_at: Option<String>,
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// `relevance` (best first; every match counted in `total`) or `newest` (the words
    /// are so common that matches are listed newest first, uncounted).
    pub order: String,
    /// How many items match in all; absent when ordered by `newest`.
    pub total: Option<i64>,
    /// The results of this page.
    pub data: Vec<SearchHit>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Deepest result reachable by paging: ranking deeper than this helps nobody.
const MAX_SEARCH_OFFSET: i64 = 1_000;

/// Full-text search over news, regulations, services, agencies, FAQ and pages.
#[utoipa::path(get, path = "/api/v1/search", tag = "portal", params(SearchApiQuery),
    responses(
        (status = 200, body = SearchResults),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Query(q): Query<SearchApiQuery>,
) -> AppResult<Json<SearchResults>> {
    check_query(&q.q)?;
    let limit = limit(q.limit)?;
    let offset = Cursor::decode_opt("search", q.cursor.as_deref())?.map_or(0, |c| c.key);
    if offset > MAX_SEARCH_OFFSET {
        return Err(AppError::InvalidParameter {
            name: "cursor".into(),
            problem: ParamProblem::InvalidCursor,
        });
    }
    let query = SearchQuery::parse(&q.q);
    let results = search::search(&state.db, &query, offset, limit).await?;
    let next_offset = offset + limit;
    let next_cursor = (results.has_more && next_offset <= MAX_SEARCH_OFFSET)
        .then(|| Cursor::encode("search", next_offset, 0));
    let order = match results.order {
        search::Order::Relevance => "relevance",
        search::Order::Newest => "newest",
    };
    let data = results
        .hits
        .into_iter()
        .map(|hit| SearchHit {
            kind: hit.kind.as_str().to_string(),
            url: hit.kind.href(&hit.slug),
            snippet: text::snippet(&hit.body, query.stems(), 240),
            published_at: (hit.published_at > 0)
                .then(|| jiff::Timestamp::from_second(hit.published_at).map(|t| t.to_string()).ok())
                .flatten(),
            slug: hit.slug,
            title: hit.title,
        })
        .collect();
    Ok(Json(SearchResults { order: order.to_string(), total: results.total, data, next_cursor }))
}
