//! The portal's SQL. Every query here is portable between SQLite and PostgreSQL.

use anyhow::Context;
// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// every value is bound.
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::db::Db;
use crate::portal::model::{Agency, Faq, Installation, NewsItem, Page, Regulation, Service, StoredFile};

/// Filters of the regulation list.
#[derive(Clone, Debug, Default)]
pub struct RegulationFilter {
    /// Only this type, e.g. "Peraturan Daerah".
    pub reg_type: Option<String>,
    /// Only this year.
    pub year: Option<i64>,
    /// Only this status.
    pub status: Option<String>,
}

/// A position in a list ordered by (key, id), both descending; the next page starts after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct After {
    /// The sort key of the last item seen (a time or a year).
    pub key: i64,
    /// The id of the last item seen.
    pub id: i64,
}

impl After {
    /// Before everything: the first page.
    pub const START: Self = Self { key: i64::MAX, id: i64::MAX };
}

/// Maps a row to a record.
type FromRow<T> = fn(&AnyRow) -> anyhow::Result<T>;

/// Runs a query that takes a URL name and returns at most one record.
async fn one_by_slug<T>(db: &Db, sql: &str, slug: &str, map: FromRow<T>) -> anyhow::Result<Option<T>> {
    sqlx::query(AssertSqlSafe(sql)).bind(slug).fetch_optional(db.pool()).await?.as_ref().map(map).transpose()
}

/// Runs a query that takes `(after_id, limit)` and returns records with their ids.
async fn page_by_id<T>(
    db: &Db,
    sql: &str,
    after_id: i64,
    limit: i64,
    map: FromRow<T>,
) -> anyhow::Result<Vec<(i64, T)>> {
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(after_id).bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, map(r)?))).collect()
}

async fn setting(db: &Db, key: &str) -> anyhow::Result<Option<String>> {
    let row =
        sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(db.pool()).await?;
    Ok(row.map(|r| r.try_get("value")).transpose()?)
}

/// The installation's settings, with defaults for a database that has none yet. Read on
/// nearly every page, so kept for a few seconds.
pub async fn installation(db: &Db) -> anyhow::Result<Installation> {
    if let Some(installation) = db.recent().installation.get() {
        return Ok(installation);
    }
    let installation = read_installation(db).await?;
    db.recent().installation.put(installation.clone());
    Ok(installation)
}

async fn read_installation(db: &Db) -> anyhow::Result<Installation> {
    let rows = sqlx::query("SELECT key, value FROM settings WHERE key LIKE 'installation.%'")
        .fetch_all(db.pool())
        .await
        .context("could not read the installation settings")?;
    let mut get = std::collections::HashMap::new();
    for row in rows {
        let key: String = row.try_get("key")?;
        let value: String = row.try_get("value")?;
        get.insert(key, value);
    }
    let value = |k: &str| get.get(&format!("installation.{k}")).cloned().unwrap_or_default();
    let region_code = value("region_code");
    let region_name: String = sqlx::query("SELECT name FROM regions WHERE code = $1")
        .bind(&region_code)
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.try_get("name"))
        .transpose()?
        .unwrap_or_default();
    let name = value("name");
    Ok(Installation {
        name: if name.is_empty() { "Satu Pintu".into() } else { name },
        name_en: value("name_en"),
        utc_offset_hours: crate::regions::utc_offset_hours(&region_code),
        region_code,
        region_name,
        tagline: value("tagline"),
        tagline_en: value("tagline_en"),
        address: value("address"),
        phone: value("phone"),
        email: value("email"),
        demo: value("demo") == "true",
    })
}

/// Whether content has been loaded (demo or real).
pub async fn is_initialized(db: &Db) -> anyhow::Result<bool> {
    Ok(setting(db, "installation.name").await?.is_some())
}

const AGENCY_COLUMNS: &str = "a.id, a.slug, a.name, a.name_en, a.acronym, a.region_code, \
     COALESCE(r.name, '') AS region_name, a.address, a.phone, a.email, a.hours, a.hours_en, \
     a.description, a.description_en";

fn agency(row: &AnyRow) -> anyhow::Result<Agency> {
    Ok(Agency {
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        name_en: row.try_get("name_en")?,
        acronym: row.try_get("acronym")?,
        region_code: row.try_get("region_code")?,
        region_name: row.try_get("region_name")?,
        address: row.try_get("address")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        hours: row.try_get("hours")?,
        hours_en: row.try_get("hours_en")?,
        description: row.try_get("description")?,
        description_en: row.try_get("description_en")?,
    })
}

/// Every agency, by region then name.
pub async fn agencies(db: &Db) -> anyhow::Result<Vec<Agency>> {
    let sql = format!(
        "SELECT {AGENCY_COLUMNS} FROM agencies a LEFT JOIN regions r ON r.code = a.region_code \
         ORDER BY a.region_code, a.name"
    );
    sqlx::query(AssertSqlSafe(sql.as_str())).fetch_all(db.pool()).await?.iter().map(agency).collect()
}

/// Agencies serving a region or any region within it (a province lists its cities' and
/// districts' agencies too), by region then name.
pub async fn agencies_within(db: &Db, region_code: &str) -> anyhow::Result<Vec<Agency>> {
    let sql = format!(
        "SELECT {AGENCY_COLUMNS} FROM agencies a LEFT JOIN regions r ON r.code = a.region_code \
         WHERE a.region_code = $1 OR a.region_code LIKE $2 ORDER BY a.region_code, a.name"
    );
    sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(region_code)
        .bind(format!("{region_code}.%"))
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(agency)
        .collect()
}

/// Agencies after a cursor, by id, for the API.
pub async fn agencies_after(db: &Db, after_id: i64, limit: i64) -> anyhow::Result<Vec<(i64, Agency)>> {
    let sql = format!(
        "SELECT {AGENCY_COLUMNS} FROM agencies a LEFT JOIN regions r ON r.code = a.region_code \
         WHERE a.id > $1 ORDER BY a.id LIMIT $2"
    );
    page_by_id(db, &sql, after_id, limit, agency).await
}

/// One agency by its URL name.
pub async fn agency_by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<Agency>> {
    let sql = format!(
        "SELECT {AGENCY_COLUMNS} FROM agencies a LEFT JOIN regions r ON r.code = a.region_code \
         WHERE a.slug = $1"
    );
    one_by_slug(db, &sql, slug, agency).await
}

const SERVICE_COLUMNS: &str = "s.id, s.slug, a.slug AS agency_slug, a.name AS agency_name, s.name, \
     s.name_en, s.description, s.description_en, s.requirements, s.requirements_en, s.fee_rupiah, \
     s.sla_working_days, s.legal_basis, s.featured, s.published_version";

fn service(row: &AnyRow) -> anyhow::Result<Service> {
    let list = |column: &str| -> anyhow::Result<Vec<String>> {
        let json: String = row.try_get(column)?;
        serde_json::from_str(&json).with_context(|| format!("services.{column} is not a JSON list"))
    };
    Ok(Service {
        slug: row.try_get("slug")?,
        agency_slug: row.try_get("agency_slug")?,
        agency_name: row.try_get("agency_name")?,
        name: row.try_get("name")?,
        name_en: row.try_get("name_en")?,
        description: row.try_get("description")?,
        description_en: row.try_get("description_en")?,
        requirements: list("requirements")?,
        requirements_en: list("requirements_en")?,
        fee_rupiah: row.try_get("fee_rupiah")?,
        sla_working_days: row.try_get("sla_working_days")?,
        legal_basis: row.try_get("legal_basis")?,
        featured: row.try_get::<i64, _>("featured")? != 0,
        definition_version: row.try_get("published_version")?,
    })
}

/// Services, optionally of one agency and optionally only featured ones, by name.
pub async fn services(
    db: &Db,
    agency_slug: Option<&str>,
    featured_only: bool,
) -> anyhow::Result<Vec<Service>> {
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM services s JOIN agencies a ON a.id = s.agency_id \
         WHERE ($1 = '' OR a.slug = $1) AND ($2 = 0 OR s.featured = 1) ORDER BY s.name"
    );
    sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(agency_slug.unwrap_or(""))
        .bind(i64::from(featured_only))
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(service)
        .collect()
}

/// Services after a cursor, by id, for the API.
pub async fn services_after(db: &Db, after_id: i64, limit: i64) -> anyhow::Result<Vec<(i64, Service)>> {
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM services s JOIN agencies a ON a.id = s.agency_id \
         WHERE s.id > $1 ORDER BY s.id LIMIT $2"
    );
    page_by_id(db, &sql, after_id, limit, service).await
}

/// One service by its URL name.
pub async fn service_by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<Service>> {
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM services s JOIN agencies a ON a.id = s.agency_id WHERE s.slug = $1"
    );
    one_by_slug(db, &sql, slug, service).await
}

const NEWS_COLUMNS: &str = "n.id, n.slug, n.kind, n.title, n.summary, n.body, n.published_at, \
     a.slug AS agency_slug";

fn news_item(row: &AnyRow) -> anyhow::Result<NewsItem> {
    let published_unix: i64 = row.try_get("published_at")?;
    Ok(NewsItem {
        slug: row.try_get("slug")?,
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        summary: row.try_get("summary")?,
        body: row.try_get("body")?,
        published_at: jiff::Timestamp::from_second(published_unix).map(|t| t.to_string()).unwrap_or_default(),
        agency_slug: row.try_get("agency_slug")?,
        published_unix,
    })
}

/// A page of news, newest first, optionally of one kind; with the total count.
pub async fn news_page(
    db: &Db,
    kind: Option<&str>,
    offset: i64,
    limit: i64,
) -> anyhow::Result<(Vec<NewsItem>, i64)> {
    let kind = kind.unwrap_or("");
    let sql = format!(
        "SELECT {NEWS_COLUMNS} FROM news n LEFT JOIN agencies a ON a.id = n.agency_id \
         WHERE n.published = 1 AND ($1 = '' OR n.kind = $1) \
         ORDER BY n.published_at DESC, n.id DESC LIMIT $2 OFFSET $3"
    );
    let items = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(kind)
        .bind(limit)
        .bind(offset)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(news_item)
        .collect::<anyhow::Result<_>>()?;
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM news WHERE published = 1 AND ($1 = '' OR kind = $1)")
            .bind(kind)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?;
    Ok((items, total))
}

/// News after a cursor, newest first, for the API.
pub async fn news_after(
    db: &Db,
    kind: Option<&str>,
    after: After,
    limit: i64,
) -> anyhow::Result<Vec<(After, NewsItem)>> {
    let sql = format!(
        "SELECT {NEWS_COLUMNS} FROM news n LEFT JOIN agencies a ON a.id = n.agency_id \
         WHERE n.published = 1 AND ($1 = '' OR n.kind = $1) \
           AND (n.published_at < $2 OR (n.published_at = $2 AND n.id < $3)) \
         ORDER BY n.published_at DESC, n.id DESC LIMIT $4"
    );
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(kind.unwrap_or(""))
        .bind(after.key)
        .bind(after.id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let item = news_item(r)?;
            Ok((After { key: item.published_unix, id: r.try_get("id")? }, item))
        })
        .collect()
}

/// One published news item by its URL name (a draft is not found).
pub async fn news_by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<NewsItem>> {
    let sql = format!(
        "SELECT {NEWS_COLUMNS} FROM news n LEFT JOIN agencies a ON a.id = n.agency_id \
         WHERE n.slug = $1 AND n.published = 1"
    );
    one_by_slug(db, &sql, slug, news_item).await
}

const REGULATION_COLUMNS: &str = "id, slug, reg_type, number, year, title, status, subject, \
     enacted_on, summary, file_name, file_sha256";

fn regulation(row: &AnyRow) -> anyhow::Result<Regulation> {
    let slug: String = row.try_get("slug")?;
    Ok(Regulation {
        file_url: format!("/regulasi/{slug}/berkas"),
        slug,
        reg_type: row.try_get("reg_type")?,
        number: row.try_get("number")?,
        year: row.try_get("year")?,
        title: row.try_get("title")?,
        status: row.try_get("status")?,
        subject: row.try_get("subject")?,
        enacted_on: row.try_get("enacted_on")?,
        summary: row.try_get("summary")?,
        file_name: row.try_get("file_name")?,
        file_sha256: row.try_get("file_sha256")?,
    })
}

// Drafts are never listed.
const REGULATION_FILTER: &str = "published = 1 AND ($1 = '' OR reg_type = $1) AND ($2 = 0 OR year = $2) \
     AND ($3 = '' OR status = $3)";

/// A page of regulations, newest year first, filtered; with the total count.
pub async fn regulations_page(
    db: &Db,
    filter: &RegulationFilter,
    offset: i64,
    limit: i64,
) -> anyhow::Result<(Vec<Regulation>, i64)> {
    let sql = format!(
        "SELECT {REGULATION_COLUMNS} FROM regulations WHERE {REGULATION_FILTER} \
         ORDER BY year DESC, id DESC LIMIT $4 OFFSET $5"
    );
    let items = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(filter.reg_type.as_deref().unwrap_or(""))
        .bind(filter.year.unwrap_or(0))
        .bind(filter.status.as_deref().unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(regulation)
        .collect::<anyhow::Result<_>>()?;
    let count_sql = format!("SELECT COUNT(*) AS n FROM regulations WHERE {REGULATION_FILTER}");
    let total: i64 = sqlx::query(AssertSqlSafe(count_sql.as_str()))
        .bind(filter.reg_type.as_deref().unwrap_or(""))
        .bind(filter.year.unwrap_or(0))
        .bind(filter.status.as_deref().unwrap_or(""))
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    Ok((items, total))
}

/// Regulations after a cursor, newest year first, for the API.
pub async fn regulations_after(
    db: &Db,
    filter: &RegulationFilter,
    after: After,
    limit: i64,
) -> anyhow::Result<Vec<(After, Regulation)>> {
    let sql = format!(
        "SELECT {REGULATION_COLUMNS} FROM regulations WHERE {REGULATION_FILTER} \
           AND (year < $4 OR (year = $4 AND id < $5)) ORDER BY year DESC, id DESC LIMIT $6"
    );
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(filter.reg_type.as_deref().unwrap_or(""))
        .bind(filter.year.unwrap_or(0))
        .bind(filter.status.as_deref().unwrap_or(""))
        .bind(after.key)
        .bind(after.id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let item = regulation(r)?;
            Ok((After { key: item.year, id: r.try_get("id")? }, item))
        })
        .collect()
}

/// The distinct regulation types and years, for the filter form.
pub async fn regulation_facets(db: &Db) -> anyhow::Result<(Vec<String>, Vec<i64>)> {
    let types =
        sqlx::query("SELECT DISTINCT reg_type FROM regulations WHERE published = 1 ORDER BY reg_type")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| r.try_get("reg_type"))
            .collect::<Result<_, _>>()?;
    let years = sqlx::query("SELECT DISTINCT year FROM regulations WHERE published = 1 ORDER BY year DESC")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| r.try_get("year"))
        .collect::<Result<_, _>>()?;
    Ok((types, years))
}

/// One published regulation by its URL name (a draft is not found).
pub async fn regulation_by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<Regulation>> {
    let sql = format!("SELECT {REGULATION_COLUMNS} FROM regulations WHERE slug = $1 AND published = 1");
    one_by_slug(db, &sql, slug, regulation).await
}

/// The official text of a regulation: its file name and the file.
pub async fn regulation_file(db: &Db, slug: &str) -> anyhow::Result<Option<(String, StoredFile)>> {
    let row = sqlx::query(
        "SELECT r.file_name, f.content_type, f.bytes FROM regulations r \
         JOIN files f ON f.sha256 = r.file_sha256 WHERE r.slug = $1 AND r.published = 1",
    )
    .bind(slug)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("file_name")?,
            StoredFile { content_type: r.try_get("content_type")?, bytes: r.try_get("bytes")? },
        ))
    })
    .transpose()
}

/// Every published FAQ entry, in its set order.
pub async fn faq(db: &Db) -> anyhow::Result<Vec<Faq>> {
    let rows = sqlx::query(
        "SELECT id, category, question, answer, question_en, answer_en FROM faq WHERE published = 1 \
         ORDER BY position, id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Faq {
                id: r.try_get("id")?,
                category: r.try_get("category")?,
                question: r.try_get("question")?,
                answer: r.try_get("answer")?,
                question_en: r.try_get("question_en")?,
                answer_en: r.try_get("answer_en")?,
            })
        })
        .collect()
}

/// One published fixed page by its URL name (a withdrawn page is not found).
pub async fn page(db: &Db, slug: &str) -> anyhow::Result<Option<Page>> {
    let row = sqlx::query(
        "SELECT slug, title, title_en, body, body_en FROM pages WHERE slug = $1 AND published = 1",
    )
    .bind(slug)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Page {
            slug: r.try_get("slug")?,
            title: r.try_get("title")?,
            title_en: r.try_get("title_en")?,
            body: r.try_get("body")?,
            body_en: r.try_get("body_en")?,
        })
    })
    .transpose()
}
