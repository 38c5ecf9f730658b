//! The region browser (HTML) and the regions API.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ListPage, limit};
use crate::app::AppState;
use crate::error::{AppError, AppResult, ParamProblem};
use crate::portal::routes::render;
use crate::portal::store;
use crate::regions::{self, Region};
use crate::web::RequestContext;
use crate::web::extract::{Path, Query};
use crate::web::page::Chrome;
use crate::web::problem::Problem;
use satupintu_rules::region::{RegionCode, RegionLevel};

fn parse_code(value: &str, name: &str) -> AppResult<RegionCode> {
    RegionCode::parse(value).map_err(|_| AppError::malformed(name))
}

/// The level name in the reader's language.
fn level_label(lang: crate::i18n::Lang, level: &str) -> String {
    let level: Option<RegionLevel> = level.parse().ok();
    match (lang, level) {
        (crate::i18n::Lang::Id, Some(l)) => l.label_id().to_string(),
        (crate::i18n::Lang::En, Some(l)) => l.label_en().to_string(),
        _ => String::new(),
    }
}

/// A region with its link and level label.
pub struct RegionLink {
    href: String,
    code: String,
    name: String,
    level: String,
}

impl RegionLink {
    fn new(lang: crate::i18n::Lang, region: &Region) -> Self {
        Self {
            href: format!("/wilayah/{}", region.code),
            code: region.code.clone(),
            name: region.name.clone(),
            level: level_label(lang, &region.level),
        }
    }
}

#[derive(Template)]
#[template(path = "regions/browse.html")]
struct BrowsePage {
    chrome: Chrome,
    current: Option<RegionLink>,
    trail: Vec<RegionLink>,
    children: Vec<RegionLink>,
    children_label: String,
    agencies: Vec<AgencyLink>,
}

/// An agency serving the region being browsed.
pub struct AgencyLink {
    href: String,
    name: String,
    region_name: String,
}

/// Most children any region has, with room to spare; the browser lists them all.
const MAX_CHILDREN: i64 = 1_000;

async fn browse(state: &AppState, context: &RequestContext, code: Option<RegionCode>) -> AppResult<Response> {
    let installation = store::installation(&state.db).await?;
    let lang = context.lang;
    let (current, trail) = match &code {
        Some(code) => {
            let region = regions::find(&state.db, code).await?.ok_or(AppError::NotFound)?;
            let trail = regions::ancestors(&state.db, code).await?;
            (Some(region), trail)
        }
        None => (None, Vec::new()),
    };
    let children = regions::children(&state.db, code.as_ref(), "", MAX_CHILDREN).await?;
    let agencies = match &code {
        Some(code) => store::agencies_within(&state.db, code.as_str()).await?,
        None => Vec::new(),
    };
    let children_label = children.first().map(|c| level_label(lang, &c.level)).unwrap_or_default();
    let title = current.as_ref().map_or_else(|| lang.t("nav-regions"), |r| r.name.clone());
    render(&BrowsePage {
        chrome: Chrome::new(context, &installation, "regions", title),
        current: current.as_ref().map(|r| RegionLink::new(lang, r)),
        trail: trail.iter().map(|r| RegionLink::new(lang, r)).collect(),
        children: children.iter().map(|r| RegionLink::new(lang, r)).collect(),
        children_label,
        agencies: agencies
            .iter()
            .map(|a| AgencyLink {
                href: format!("/instansi/{}", a.slug),
                name: lang.pick(&a.name, &a.name_en).to_string(),
                region_name: a.region_name.clone(),
            })
            .collect(),
    })
}

/// The provinces.
pub async fn browse_root(State(state): State<AppState>, context: RequestContext) -> AppResult<Response> {
    browse(&state, &context, None).await
}

/// One region and its children.
pub async fn browse_region(
    State(state): State<AppState>,
    context: RequestContext,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let code = RegionCode::parse(&code).map_err(|_| AppError::NotFound)?;
    browse(&state, &context, Some(code)).await
}

/// Query of the regions list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// List the children of this region; the provinces when absent.
    parent: Option<String>,
    /// Items per page, 1–100 (default 20).
    limit: Option<i64>,
    /// The `next_cursor` of the previous page (a region code).
    cursor: Option<String>,
}

/// Regions: the provinces, or the children of `parent`, by code.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(RegionQuery),
    responses(
        (status = 200, body = ListPage<Region>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn api_region_list(
    State(state): State<AppState>,
    Query(q): Query<RegionQuery>,
) -> AppResult<Json<ListPage<Region>>> {
    let limit = limit(q.limit)?;
    let parent =
        q.parent.as_deref().filter(|p| !p.is_empty()).map(|p| parse_code(p, "parent")).transpose()?;
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => RegionCode::parse(c)
            .map_err(|_| AppError::InvalidParameter {
                name: "cursor".into(),
                problem: ParamProblem::InvalidCursor,
            })?
            .as_str()
            .to_string(),
        None => String::new(),
    };
    if let Some(parent) = &parent
        && regions::find(&state.db, parent).await?.is_none()
    {
        return Err(AppError::NotFound);
    }
    let mut rows = regions::children(&state.db, parent.as_ref(), &after, limit + 1).await?;
    let has_more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if has_more { rows.last().map(|r| r.code.clone()) } else { None };
    Ok(Json(ListPage { data: rows, next_cursor }))
}

/// A region with its ancestors.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDetail {
    /// The region.
    #[serde(flatten)]
    pub region: Region,
    /// Its ancestors, from the province down.
    pub ancestors: Vec<Region>,
}

/// One region, with its ancestors.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions",
    params(("code" = String, Path, description = "Kemendagri code, e.g. 35.78")),
    responses(
        (status = 200, body = RegionDetail),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn api_region_detail(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Json<RegionDetail>> {
    let code = parse_code(&code, "code")?;
    let region = regions::find(&state.db, &code).await?.ok_or(AppError::NotFound)?;
    let ancestors = regions::ancestors(&state.db, &code).await?;
    Ok(Json(RegionDetail { region, ancestors }))
}
