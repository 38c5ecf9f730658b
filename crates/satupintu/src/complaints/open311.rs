//! Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>) at `/open311/v2/`, so that
//! existing civic apps can list topics, post reports and follow them unchanged. XML (required
//! by the specification) and JSON, chosen by the extension; errors in the specification's
//! format (a list of `code` and `description`). Confidential reports never appear, and no
//! output ever names a reporter.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sqlx::Row;

use crate::app::AppState;
use crate::complaints::{self, Complaint, Filter, NewComplaint, Reporter, Topic};
use crate::i18n::Lang;
use crate::web::RequestContext;
use crate::web::extract::{Path, Query};
use satupintu_rules::complaint::{Category, Draft, Status};

/// The specification these endpoints follow, as the discovery document names it.
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// Requests listed when no dates are given: the last 90 days, at most 1,000 (as the
/// specification suggests).
const DEFAULT_DAYS: i64 = 90;
const MOST_REQUESTS: i64 = 1000;

/// The response format, from the path's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// Splits `name.xml` / `name.json`.
fn split_format(file: &str) -> Option<(&str, Format)> {
    let (name, extension) = file.rsplit_once('.')?;
    let format = match extension {
        "xml" => Format::Xml,
        "json" => Format::Json,
        _ => return None,
    };
    Some((name, format))
}

/// An error in the specification's shape.
pub struct Open311Error {
    status: StatusCode,
    description: String,
    format: Format,
}

impl Open311Error {
    fn new(status: StatusCode, description: impl Into<String>, format: Format) -> Self {
        Self { status, description: description.into(), format }
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let code = self.status.as_u16();
        let body = match self.format {
            Format::Json => {
                serde_json::json!([{ "code": code, "description": self.description }]).to_string()
            }
            Format::Xml => {
                let mut xml = Xml::new("errors");
                xml.open("error");
                xml.element("code", &code.to_string());
                xml.element("description", &self.description);
                xml.close("error");
                xml.finish()
            }
        };
        respond(self.status, self.format, body)
    }
}

impl From<crate::error::AppError> for Open311Error {
    fn from(e: crate::error::AppError) -> Self {
        let description = e.to_string();
        let status = e.into_response().status();
        // The cause of a fault is logged, never sent.
        let description = if status.is_server_error() {
            tracing::error!(error = %description, "open311 request failed");
            "the server could not answer; try again later".to_string()
        } else {
            description
        };
        // The format is not known here; XML is the one every client must read.
        Self::new(status, description, Format::Xml)
    }
}

impl From<anyhow::Error> for Open311Error {
    fn from(e: anyhow::Error) -> Self {
        crate::error::AppError::from(e).into()
    }
}

/// What an Open311 endpoint answers.
pub type Answer = Result<Response, Open311Error>;

fn respond(status: StatusCode, format: Format, body: String) -> Response {
    let content_type = match format {
        Format::Xml => "text/xml; charset=utf-8",
        Format::Json => "application/json; charset=utf-8",
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A small XML writer: elements and escaped text, UTF-8, with the declaration.
struct Xml {
    out: String,
    root: &'static str,
}

impl Xml {
    fn new(root: &'static str) -> Self {
        Self { out: format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}>"), root }
    }

    fn open(&mut self, name: &str) {
        self.out.push_str(&format!("<{name}>"));
    }

    fn close(&mut self, name: &str) {
        self.out.push_str(&format!("</{name}>"));
    }

    fn element(&mut self, name: &str, text: &str) {
        self.out.push_str(&format!("<{name}>"));
        for c in text.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                '\'' => self.out.push_str("&apos;"),
                // Characters XML 1.0 cannot carry are dropped.
                c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
                c => self.out.push(c),
            }
        }
        self.out.push_str(&format!("</{name}>"));
    }

    fn optional(&mut self, name: &str, text: Option<&str>) {
        self.element(name, text.unwrap_or_default());
    }

    fn finish(mut self) -> String {
        self.out.push_str(&format!("</{}>", self.root));
        self.out
    }
}

/// The query every endpoint accepts; unknown parameters are ignored, as clients add their own.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CommonQuery {
    jurisdiction_id: Option<String>,
    service_request_id: Option<String>,
    service_code: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    status: Option<String>,
}

/// This installation's jurisdiction id: its region code (`35.78`). Another is refused.
async fn check_jurisdiction(
    state: &AppState,
    given: Option<&str>,
    format: Format,
) -> Result<(), Open311Error> {
    let Some(given) = given.map(str::trim).filter(|g| !g.is_empty()) else { return Ok(()) };
    let installation = crate::portal::store::installation(&state.db).await?;
    if given == installation.region_code {
        Ok(())
    } else {
        Err(Open311Error::new(
            StatusCode::NOT_FOUND,
            format!(
                "jurisdiction_id {given} is not served here; this server serves {}",
                installation.region_code
            ),
            format,
        ))
    }
}

fn format_of(file: &str) -> Result<(&str, Format), Open311Error> {
    split_format(file).ok_or_else(|| {
        Open311Error::new(StatusCode::NOT_FOUND, "add .xml or .json to the resource name", Format::Xml)
    })
}

/// A date-time as the specification writes them: ISO 8601 with the installation's offset
/// (whole hours in Indonesia). Written directly: a list formats thousands of them.
fn datetime(seconds: i64, offset_hours: i8) -> String {
    let offset = jiff::tz::Offset::from_hours(offset_hours).unwrap_or(jiff::tz::Offset::UTC);
    let Ok(moment) = jiff::Timestamp::from_second(seconds) else { return String::new() };
    let local = offset.to_datetime(moment);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:00",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        if offset_hours < 0 { '-' } else { '+' },
        offset_hours.unsigned_abs()
    )
}

/// The end of a due day, as a date-time.
fn due_datetime(day: &str, offset_hours: i8) -> Option<String> {
    let date: jiff::civil::Date = day.parse().ok()?;
    let offset = jiff::tz::Offset::from_hours(offset_hours).ok()?;
    let zoned = date.at(23, 59, 59, 0).to_zoned_datetime(jiff::tz::TimeZone::fixed(offset)).ok()?;
    Some(zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

/// Reads `start_date` / `end_date`: a W3C date-time with a zone, or a date (its start in the
/// installation's zone).
fn parse_date(name: &str, text: &str, offset_hours: i8, format: Format) -> Result<i64, Open311Error> {
    let text = text.trim();
    if let Ok(moment) = text.parse::<jiff::Timestamp>() {
        return Ok(moment.as_second());
    }
    let offset = jiff::tz::Offset::from_hours(offset_hours).unwrap_or(jiff::tz::Offset::UTC);
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::fixed(offset)).ok())
        .map(|z| z.timestamp().as_second())
        .ok_or_else(|| {
            Open311Error::new(
                StatusCode::BAD_REQUEST,
                format!("{name} must be a date-time like 2026-11-29T08:00:00+07:00"),
                format,
            )
        })
}

/// One service in `services`.
#[derive(Serialize)]
struct ServiceOut {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

fn service_out(lang: Lang, topic: &Topic) -> ServiceOut {
    ServiceOut {
        service_code: topic.code.clone(),
        service_name: lang.pick(&topic.name_id, &topic.name_en).to_string(),
        description: lang.pick(&topic.description_id, &topic.description_en).to_string(),
        metadata: true,
        kind: "realtime",
        keywords: topic.keywords.split_whitespace().collect::<Vec<_>>().join(", "),
        group: lang.pick(&topic.group_id, &topic.group_en).to_string(),
    }
}

/// `GET /open311/v2/{services,requests}.{xml,json}`: the two collections share a path shape.
pub async fn collection(
    state: State<AppState>,
    context: RequestContext,
    file: Path<String>,
    query: Query<CommonQuery>,
) -> Answer {
    if file.0.starts_with("requests.") {
        requests(state, context, file, query).await
    } else {
        services(state, context, file, query).await
    }
}

/// `GET /open311/v2/services.{xml,json}`.
pub async fn services(
    State(state): State<AppState>,
    context: RequestContext,
    Path(file): Path<String>,
    Query(query): Query<CommonQuery>,
) -> Answer {
    let (name, format) = format_of(&file)?;
    if name != "services" {
        return Err(Open311Error::new(StatusCode::NOT_FOUND, "no such resource", format));
    }
    check_jurisdiction(&state, query.jurisdiction_id.as_deref(), format).await?;
    let services: Vec<ServiceOut> =
        complaints::topics(&state.db).await?.iter().map(|t| service_out(context.lang, t)).collect();
    let body = match format {
        Format::Json => serde_json::to_string(&services).map_err(anyhow::Error::from)?,
        Format::Xml => {
            let mut xml = Xml::new("services");
            for s in &services {
                xml.open("service");
                xml.element("service_code", &s.service_code);
                xml.element("service_name", &s.service_name);
                xml.element("description", &s.description);
                xml.element("metadata", if s.metadata { "true" } else { "false" });
                xml.element("type", s.kind);
                xml.element("keywords", &s.keywords);
                xml.element("group", &s.group);
                xml.close("service");
            }
            xml.finish()
        }
    };
    Ok(respond(StatusCode::OK, format, body))
}

/// One attribute of a service definition.
#[derive(Serialize)]
struct AttributeOut {
    variable: bool,
    code: &'static str,
    datatype: &'static str,
    required: bool,
    datatype_description: String,
    order: u32,
    description: String,
    values: Vec<ValueOut>,
}

#[derive(Serialize)]
struct ValueOut {
    key: String,
    name: String,
}

fn yes_no(lang: Lang) -> Vec<ValueOut> {
    vec![
        ValueOut { key: "false".into(), name: lang.t("open311-no") },
        ValueOut { key: "true".into(), name: lang.t("open311-yes") },
    ]
}

/// The attributes every topic takes: the kind of report, a title, and the privacy choices.
fn attributes(lang: Lang) -> Vec<AttributeOut> {
    vec![
        AttributeOut {
            variable: true,
            code: "category",
            datatype: "singlevaluelist",
            required: false,
            datatype_description: String::new(),
            order: 1,
            description: lang.t("open311-attribute-category"),
            values: Category::ALL
                .into_iter()
                .map(|c| ValueOut {
                    key: c.as_str().into(),
                    name: lang.t(&format!("complaint-category-{}", c.as_str())),
                })
                .collect(),
        },
        AttributeOut {
            variable: true,
            code: "title",
            datatype: "string",
            required: false,
            datatype_description: lang.t("open311-attribute-title-format"),
            order: 2,
            description: lang.t("open311-attribute-title"),
            values: Vec::new(),
        },
        AttributeOut {
            variable: true,
            code: "confidential",
            datatype: "singlevaluelist",
            required: false,
            datatype_description: String::new(),
            order: 3,
            description: lang.t("complaint-confidential"),
            values: yes_no(lang),
        },
        AttributeOut {
            variable: true,
            code: "anonymous",
            datatype: "singlevaluelist",
            required: false,
            datatype_description: String::new(),
            order: 4,
            description: lang.t("complaint-anonymous"),
            values: yes_no(lang),
        },
    ]
}

/// `GET /open311/v2/services/{service_code}.{xml,json}`.
pub async fn service_definition(
    State(state): State<AppState>,
    context: RequestContext,
    Path(file): Path<String>,
    Query(query): Query<CommonQuery>,
) -> Answer {
    let (code, format) = format_of(&file)?;
    check_jurisdiction(&state, query.jurisdiction_id.as_deref(), format).await?;
    let Some(topic) = complaints::topic(&state.db, code).await? else {
        return Err(Open311Error::new(
            StatusCode::NOT_FOUND,
            format!("no service has the code {code}"),
            format,
        ));
    };
    let attributes = attributes(context.lang);
    let body = match format {
        Format::Json => {
            serde_json::json!({ "service_code": topic.code, "attributes": attributes }).to_string()
        }
        Format::Xml => {
            let mut xml = Xml::new("service_definition");
            xml.element("service_code", &topic.code);
            xml.open("attributes");
            for a in &attributes {
                xml.open("attribute");
                xml.element("variable", if a.variable { "true" } else { "false" });
                xml.element("code", a.code);
                xml.element("datatype", a.datatype);
                xml.element("required", if a.required { "true" } else { "false" });
                xml.element("datatype_description", &a.datatype_description);
                xml.element("order", &a.order.to_string());
                xml.element("description", &a.description);
                if !a.values.is_empty() {
                    xml.open("values");
                    for v in &a.values {
                        xml.open("value");
                        xml.element("key", &v.key);
                        xml.element("name", &v.name);
                        xml.close("value");
                    }
                    xml.close("values");
                }
                xml.close("attribute");
            }
            xml.close("attributes");
            xml.finish()
        }
    };
    Ok(respond(StatusCode::OK, format, body))
}

/// A request as listed: never a reporter's identity.
#[derive(Serialize)]
struct RequestOut {
    service_request_id: String,
    status: &'static str,
    status_notes: Option<String>,
    service_name: String,
    service_code: String,
    description: String,
    agency_responsible: Option<String>,
    service_notice: Option<String>,
    requested_datetime: String,
    updated_datetime: String,
    expected_datetime: Option<String>,
    address: Option<String>,
    address_id: Option<String>,
    zipcode: Option<String>,
    lat: Option<f64>,
    long: Option<f64>,
    media_url: Option<String>,
}

/// The status notes of each status, looked up once per answer rather than once per request.
#[derive(Default)]
struct StatusNotes(std::collections::HashMap<&'static str, String>);

impl StatusNotes {
    fn of(&mut self, lang: Lang, status: Status) -> String {
        self.0
            .entry(status.as_str())
            .or_insert_with(|| lang.t(&format!("complaint-status-{}", status.as_str())))
            .clone()
    }
}

fn request_out(
    lang: Lang,
    offset: i8,
    link_base: &str,
    complaint: &Complaint,
    notes: &mut StatusNotes,
) -> RequestOut {
    let expected = match complaint.status {
        Status::Received => Some(complaint.forward_due_on.clone()),
        Status::Forwarded => complaint.follow_up_due_on.clone(),
        _ => None,
    };
    RequestOut {
        service_request_id: complaint.id.to_string(),
        status: complaint.status.open311(),
        status_notes: Some(notes.of(lang, complaint.status)),
        service_name: lang.pick(&complaint.topic_name.0, &complaint.topic_name.1).to_string(),
        service_code: complaint.topic_code.clone(),
        description: complaint.text.clone(),
        agency_responsible: complaint.agency.as_ref().map(|a| a.1.clone()),
        service_notice: None,
        requested_datetime: datetime(complaint.received_at, offset),
        updated_datetime: datetime(complaint.updated_at, offset),
        expected_datetime: expected.and_then(|d| due_datetime(&d, offset)),
        address: complaint.address.clone().or_else(|| complaint.region_name.clone()),
        address_id: complaint.region_code.clone(),
        zipcode: None,
        lat: complaint.position.map(|p| p.0),
        long: complaint.position.map(|p| p.1),
        // Lists hold public reports only; a confidential one is never listed at all.
        media_url: if complaint.photos > 0 {
            Some(format!("{link_base}/pengaduan/{}/foto/1", complaint.id))
        } else {
            complaint.media_url.clone()
        },
    }
}

fn requests_body(format: Format, requests: &[RequestOut]) -> Result<String, Open311Error> {
    Ok(match format {
        Format::Json => serde_json::to_string(requests).map_err(anyhow::Error::from)?,
        Format::Xml => {
            let mut xml = Xml::new("service_requests");
            for r in requests {
                xml.open("request");
                xml.element("service_request_id", &r.service_request_id);
                xml.element("status", r.status);
                xml.optional("status_notes", r.status_notes.as_deref());
                xml.element("service_name", &r.service_name);
                xml.element("service_code", &r.service_code);
                xml.element("description", &r.description);
                xml.optional("agency_responsible", r.agency_responsible.as_deref());
                xml.optional("service_notice", r.service_notice.as_deref());
                xml.element("requested_datetime", &r.requested_datetime);
                xml.element("updated_datetime", &r.updated_datetime);
                xml.optional("expected_datetime", r.expected_datetime.as_deref());
                xml.optional("address", r.address.as_deref());
                xml.optional("address_id", r.address_id.as_deref());
                xml.optional("zipcode", r.zipcode.as_deref());
                xml.optional("lat", r.lat.map(|v| v.to_string()).as_deref());
                xml.optional("long", r.long.map(|v| v.to_string()).as_deref());
                xml.optional("media_url", r.media_url.as_deref());
                xml.close("request");
            }
            xml.finish()
        }
    })
}

/// `GET /open311/v2/requests.{xml,json}` with the specification's filters.
pub async fn requests(
    State(state): State<AppState>,
    context: RequestContext,
    Path(file): Path<String>,
    Query(query): Query<CommonQuery>,
) -> Answer {
    let (name, format) = format_of(&file)?;
    if name != "requests" {
        return Err(Open311Error::new(StatusCode::NOT_FOUND, "no such resource", format));
    }
    check_jurisdiction(&state, query.jurisdiction_id.as_deref(), format).await?;
    let installation = crate::portal::store::installation(&state.db).await?;
    let offset = installation.utc_offset_hours;
    let bad = |what: String| Open311Error::new(StatusCode::BAD_REQUEST, what, format);
    let mut filter = Filter { limit: MOST_REQUESTS, ..Filter::default() };
    if let Some(ids) = query.service_request_id.as_deref().filter(|s| !s.trim().is_empty()) {
        filter.ids = ids
            .split(',')
            .map(|id| {
                id.trim().parse::<i64>().map_err(|_| bad(format!("service_request_id {id} is not a number")))
            })
            .collect::<Result<_, _>>()?;
    } else {
        // Without ids, the list is bounded by dates (the last 90 days by default).
        filter.since = match &query.start_date {
            Some(start) => Some(parse_date("start_date", start, offset, format)?),
            None => None,
        };
        filter.until = match &query.end_date {
            Some(end) => Some(parse_date("end_date", end, offset, format)?),
            None => None,
        };
        if filter.since.is_none() {
            let until = filter.until.unwrap_or_else(|| jiff::Timestamp::now().as_second());
            filter.since = Some(until - DEFAULT_DAYS * 24 * 3600);
        }
        filter.topic = query.service_code.clone().filter(|c| !c.trim().is_empty());
        if let Some(statuses) = query.status.as_deref().filter(|s| !s.trim().is_empty()) {
            for status in statuses.split(',').map(str::trim) {
                match status {
                    "open" => filter.statuses.extend([Status::Received, Status::Forwarded, Status::Done]),
                    "closed" => filter.statuses.extend([Status::Closed, Status::Rejected]),
                    other => return Err(bad(format!("status {other} is neither open nor closed"))),
                }
            }
        }
    }
    let found = complaints::public_list(&state, &filter).await?;
    let mut notes = StatusNotes::default();
    let out: Vec<RequestOut> =
        found.iter().map(|c| request_out(context.lang, offset, &state.link_base, c, &mut notes)).collect();
    Ok(respond(StatusCode::OK, format, requests_body(format, &out)?))
}

/// `GET /open311/v2/requests/{id}.{xml,json}`: one public request; a confidential one is
/// not found, like one that does not exist.
pub async fn request(
    State(state): State<AppState>,
    context: RequestContext,
    Path(file): Path<String>,
    Query(query): Query<CommonQuery>,
) -> Answer {
    let (id, format) = format_of(&file)?;
    check_jurisdiction(&state, query.jurisdiction_id.as_deref(), format).await?;
    let not_found =
        || Open311Error::new(StatusCode::NOT_FOUND, format!("no service request has the id {id}"), format);
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let complaint = match complaints::load(&state, id).await? {
        Some(c) if !c.confidential => c,
        _ => return Err(not_found()),
    };
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    let out = [request_out(context.lang, offset, &state.link_base, &complaint, &mut StatusNotes::default())];
    Ok(respond(StatusCode::OK, format, requests_body(format, &out)?))
}

/// `GET /open311/v2/tokens/{token}.{xml,json}`: requests are created at once here, so no
/// token is ever handed out and none is found.
pub async fn token(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<CommonQuery>,
) -> Answer {
    let (token, format) = format_of(&file)?;
    check_jurisdiction(&state, query.jurisdiction_id.as_deref(), format).await?;
    Err(Open311Error::new(
        StatusCode::NOT_FOUND,
        format!("no request has the token {token}: requests here get their id at once"),
        format,
    ))
}

/// The SHA-256 of an Open311 client key, as stored.
fn key_hash(key: &str) -> String {
    crate::digest::sha256_hex(format!("open311-key:{key}").as_bytes())
}

/// Registers an app that may post (`api_key`); returns the key, shown once.
pub async fn add_client(db: &crate::db::Db, name: &str) -> anyhow::Result<String> {
    let key = crate::identity::session::new_token()?;
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "INSERT INTO open311_clients (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(key_hash(&key))
    .bind(jiff::Timestamp::now().as_second())
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let entry = crate::audit::Entry {
        actor: "cli",
        action: "open311.add_client",
        subject: &format!("open311_client/{id}"),
        digest: crate::audit::store::digest_of(&name),
    };
    crate::audit::append(db, &mut tx, &entry).await?;
    tx.commit().await?;
    Ok(key)
}

/// The client a key belongs to, if it is valid.
async fn client_of(db: &crate::db::Db, key: &str) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM open311_clients WHERE key_hash = $1 AND revoked_at IS NULL")
        .bind(key_hash(key))
        .fetch_optional(db.pool())
        .await?)
}

/// `POST /open311/v2/requests.{xml,json}`: files a report from an app. Needs `api_key`,
/// `service_code` and a location (`lat` and `long`, `address_string` or `address_id`, a
/// region code); the description follows the same rules as the web form. A retry with the
/// same `Idempotency-Key` header gets the first report's id.
pub async fn create(
    State(state): State<AppState>,
    context: RequestContext,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Answer {
    let (name, format) = format_of(&file)?;
    if name != "requests" {
        return Err(Open311Error::new(StatusCode::NOT_FOUND, "no such resource", format));
    }
    let bad = |what: String| Open311Error::new(StatusCode::BAD_REQUEST, what, format);
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty())
    };
    let attribute = |code: &str| field(&format!("attribute[{code}]"));
    check_jurisdiction(&state, field("jurisdiction_id").as_deref(), format).await?;
    let Some(key) = field("api_key") else {
        return Err(Open311Error::new(
            StatusCode::FORBIDDEN,
            "api_key is required to post a request",
            format,
        ));
    };
    let Some(client) = client_of(&state.db, &key).await? else {
        return Err(Open311Error::new(StatusCode::FORBIDDEN, "the api_key is not valid", format));
    };
    let Some(code) = field("service_code") else {
        return Err(bad("service_code is required".into()));
    };
    let Some(topic) = complaints::topic(&state.db, &code).await? else {
        return Err(bad(format!("service_code {code} is not a service here")));
    };
    let (lat, long) = (field("lat"), field("long"));
    let (address, address_id) = (field("address_string"), field("address_id"));
    if lat.is_none() && long.is_none() && address.is_none() && address_id.is_none() {
        return Err(bad("a location is required: lat and long, address_string or address_id".into()));
    }
    let installation = crate::portal::store::installation(&state.db).await?;
    let region_code = match &address_id {
        Some(id) => {
            if !complaints::region_within(&state.db, &installation.region_code, id).await? {
                return Err(bad(format!(
                    "address_id {id} is not a region code of {}",
                    installation.region_name
                )));
            }
            Some(id.clone())
        }
        None => None,
    };
    let description = field("description").unwrap_or_default();
    let title = attribute("title").unwrap_or_else(|| title_from(&description));
    let category = attribute("category").unwrap_or_else(|| Category::Complaint.as_str().to_string());
    let draft = Draft {
        category,
        title,
        text: description,
        address: address.unwrap_or_default(),
        lat: lat.unwrap_or_default(),
        lon: long.unwrap_or_default(),
    };
    let checked = satupintu_rules::complaint::check(&draft).map_err(|errors| {
        let described: Vec<String> = errors
            .iter()
            .map(|e| {
                let field = match e.field {
                    "text" => "description",
                    "lon" => "long",
                    "address" => "address_string",
                    "category" => "attribute[category]",
                    "title" => "attribute[title]",
                    other => other,
                };
                format!("{field}: {}", crate::complaints::routes::problem_text(Lang::En, &e.problem))
            })
            .collect();
        bad(described.join("; "))
    })?;
    let flag = |code: &str| -> Result<bool, Open311Error> {
        match attribute(code).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(bad(format!("attribute[{code}] must be true or false, not {other}"))),
        }
    };
    let (confidential, anonymous) = (flag("confidential")?, flag("anonymous")?);
    let media_url = match field("media_url") {
        Some(url) if !is_web_link(&url) => {
            return Err(bad("media_url must be an http or https URL of at most 2,000 characters".into()));
        }
        given => given,
    };
    let email = field("email");
    if let Some(email) = &email
        && !satupintu_rules::contact::plausible_email(email)
    {
        return Err(bad(format!("email {email} is not an email address")));
    }
    let name = [field("first_name"), field("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let outside = checked.outside_indonesia;
    let idempotency = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(str::to_string);
    let new = NewComplaint {
        checked,
        topic,
        region_code,
        confidential,
        anonymous,
        account_id: None,
        reporter: Reporter { name, email, phone: field("phone") },
        source: "open311",
        client_request: idempotency.map(|k| (client.to_string(), k)),
        photos: Vec::new(),
        media_url,
    };
    let filed = complaints::file(&state, context.lang, new).await?;
    let lang = context.lang;
    let mut notice = match &filed.tracking_code {
        Some(code) => lang.t_args(
            "open311-notice",
            &[
                ("code", crate::services::issued::display_code(code)),
                ("link", format!("{}/pengaduan/lacak", state.link_base)),
            ],
        ),
        None => lang.t("open311-notice-replayed"),
    };
    if outside {
        notice.push(' ');
        notice.push_str(&lang.t("open311-outside-indonesia"));
    }
    let id = filed.id.to_string();
    let body = match format {
        Format::Json => {
            serde_json::json!([{ "service_request_id": id, "service_notice": notice, "account_id": null }])
                .to_string()
        }
        Format::Xml => {
            let mut xml = Xml::new("service_requests");
            xml.open("request");
            xml.element("service_request_id", &id);
            xml.element("service_notice", &notice);
            xml.element("account_id", "");
            xml.close("request");
            xml.finish()
        }
    };
    Ok(respond(StatusCode::CREATED, format, body))
}

/// Whether a `media_url` is a plain web link: http(s), at most 2,000 characters, nothing
/// that could break out of the markup or the line it is shown in.
fn is_web_link(url: &str) -> bool {
    let (scheme, rest) = url.split_once("://").unwrap_or_default();
    ["http", "https"].contains(&scheme.to_ascii_lowercase().as_str())
        && !rest.is_empty()
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"'`".contains(c))
}

/// A title from the description's first words, when the app sends none.
fn title_from(description: &str) -> String {
    let mut title: String = description.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() > 80 {
        title = title.chars().take(77).collect::<String>() + "…";
    }
    title
}

/// `GET /open311/discovery.{xml,json}`: where this server's GeoReport v2 endpoint is.
pub async fn discovery(State(state): State<AppState>, Path(file): Path<String>) -> Answer {
    let (name, format) = format_of(&file)?;
    if name != "discovery" {
        return Err(Open311Error::new(StatusCode::NOT_FOUND, "no such resource", format));
    }
    let installation = crate::portal::store::installation(&state.db).await?;
    let changeset = datetime(CHANGESET, installation.utc_offset_hours);
    let url = format!("{}/open311/v2", state.link_base);
    let contact = format!("{} <{}>", installation.name, installation.email);
    let key_service = format!("{}: satupintu open311 add-client", installation.name);
    let body = match format {
        Format::Json => serde_json::json!({
            "changeset": changeset,
            "contact": contact,
            "key_service": key_service,
            "endpoints": [{
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        })
        .to_string(),
        Format::Xml => {
            let mut xml = Xml::new("discovery");
            xml.element("changeset", &changeset);
            xml.element("contact", &contact);
            xml.element("key_service", &key_service);
            xml.open("endpoints");
            xml.open("endpoint");
            xml.element("specification", SPECIFICATION);
            xml.element("url", &url);
            xml.element("changeset", &changeset);
            xml.element("type", "production");
            xml.open("formats");
            xml.element("format", "text/xml");
            xml.element("format", "application/json");
            xml.close("formats");
            xml.close("endpoint");
            xml.close("endpoints");
            xml.finish()
        }
    };
    Ok(respond(StatusCode::OK, format, body))
}

/// When this endpoint last changed what it offers (2026-11-29 00:00 UTC).
const CHANGESET: i64 = 1_795_910_400;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_links_are_plain_web_links() {
        assert!(is_web_link("https://example.org/foto/1.jpg"));
        assert!(is_web_link("HTTP://example.org/a?b=c"));
        for refused in [
            "javascript:alert(1)",
            "https://",
            "ftp://example.org/x",
            "https://a b",
            "https://a\"onload=x",
            "",
        ] {
            assert!(!is_web_link(refused), "{refused}");
        }
        assert!(!is_web_link(&format!("https://example.org/{}", "a".repeat(2000))));
    }

    #[test]
    fn xml_text_is_escaped_and_control_characters_dropped() {
        let mut xml = Xml::new("errors");
        xml.element("description", "<script>alert('x') & \"y\"</script>\u{1}");
        assert_eq!(
            xml.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors><description>&lt;script&gt;alert(&apos;x&apos;) \
             &amp; &quot;y&quot;&lt;/script&gt;</description></errors>"
        );
    }

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(split_format("services.xml"), Some(("services", Format::Xml)));
        assert_eq!(split_format("jalan-rusak.json"), Some(("jalan-rusak", Format::Json)));
        assert_eq!(split_format("services"), None);
        assert_eq!(split_format("services.html"), None);
    }

    #[test]
    fn dates_are_iso_8601_with_the_installation_offset() {
        assert_eq!(datetime(1_795_910_400, 7), "2026-11-29T07:00:00+07:00");
        assert_eq!(datetime(1_795_910_400 + 59, 9), "2026-11-29T09:00:59+09:00");
        assert_eq!(datetime(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(due_datetime("2026-12-02", 7).as_deref(), Some("2026-12-02T23:59:59+07:00"));
        assert_eq!(
            parse_date("start_date", "2026-11-29T00:00:00Z", 7, Format::Xml).ok(),
            Some(1_795_910_400)
        );
        assert_eq!(
            parse_date("start_date", "2026-11-29", 7, Format::Xml).ok(),
            Some(1_795_910_400 - 7 * 3600)
        );
        assert!(parse_date("start_date", "yesterday", 7, Format::Xml).is_err());
    }

    #[test]
    fn a_long_description_gives_a_short_title() {
        assert_eq!(title_from("  Lampu   mati  "), "Lampu mati");
        assert_eq!(title_from(&"kata ".repeat(40)).chars().count(), 78);
    }
}
