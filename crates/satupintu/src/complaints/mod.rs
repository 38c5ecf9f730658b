//! Complaints (pengaduan): anyone may report, signed in or not, with the privacy choices
//! Rahasia (confidential: the text is not public) and Anonim (the identity is hidden from the
//! agency), which combine. Topics and routing rules (topic × region → agency) are data. A
//! report gets a tracking code only its reporter knows, a public number, and SLA clocks in
//! working days. The same store serves the web pages, the public board and Open311.

pub mod admin;
pub mod open311;
pub mod photos;
pub mod routes;
pub mod topics;
pub mod workflow;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use satupintu_rules::complaint::{self, Category, Checked, Status};

/// The sealed-field name of a report's text.
const TEXT_FIELD: &str = "complaints.text";
/// The sealed-field name of the reporter's identity.
const REPORTER_FIELD: &str = "complaints.reporter";

/// A topic reporters choose (also an Open311 service).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Topic {
    /// The id.
    #[serde(default)]
    pub id: i64,
    /// The code (Open311 `service_code`).
    pub code: String,
    /// Name in Indonesian.
    pub name_id: String,
    /// Name in English.
    pub name_en: String,
    /// Description in Indonesian.
    pub description_id: String,
    /// Description in English.
    pub description_en: String,
    /// The group in Indonesian (Open311 `group`).
    pub group_id: String,
    /// The group in English.
    pub group_en: String,
    /// Search words, space separated.
    #[serde(default)]
    pub keywords: String,
}

const TOPIC_COLUMNS: &str =
    "id, code, name_id, name_en, description_id, description_en, group_id, group_en, keywords";

pub(crate) fn topic_from(row: &sqlx::any::AnyRow) -> anyhow::Result<Topic> {
    Ok(Topic {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        name_id: row.try_get("name_id")?,
        name_en: row.try_get("name_en")?,
        description_id: row.try_get("description_id")?,
        description_en: row.try_get("description_en")?,
        group_id: row.try_get("group_id")?,
        group_en: row.try_get("group_en")?,
        keywords: row.try_get("keywords")?,
    })
}

/// The topics offered now, by group and name.
pub async fn topics(db: &Db) -> anyhow::Result<Vec<Topic>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TOPIC_COLUMNS} FROM complaint_topics WHERE active = 1 ORDER BY group_id, name_id"
    )))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(topic_from).collect()
}

/// An offered topic by code.
pub async fn topic(db: &Db, code: &str) -> anyhow::Result<Option<Topic>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TOPIC_COLUMNS} FROM complaint_topics WHERE code = $1 AND active = 1"
    )))
    .bind(code)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(topic_from).transpose()
}

/// The agency a topic's reports from a region go to: the rule with the longest region
/// prefix that the region starts with ('' matches everywhere).
pub async fn route(db: &Db, topic_id: i64, region_code: Option<&str>) -> anyhow::Result<Option<i64>> {
    let rows = sqlx::query("SELECT region_prefix, agency_id FROM complaint_routes WHERE topic_id = $1")
        .bind(topic_id)
        .fetch_all(db.pool())
        .await?;
    let region = region_code.unwrap_or_default();
    let mut best: Option<(usize, i64)> = None;
    for row in rows {
        let prefix: String = row.try_get("region_prefix")?;
        if region.starts_with(&prefix) && best.is_none_or(|(length, _)| prefix.len() > length) {
            best = Some((prefix.len(), row.try_get("agency_id")?));
        }
    }
    Ok(best.map(|(_, agency)| agency))
}

/// Whether a region code names a district or village of the installation's region, as
/// reports, Open311 `address_id` and routing rules may.
pub async fn region_within(db: &Db, installation_region: &str, code: &str) -> anyhow::Result<bool> {
    match satupintu_rules::region::RegionCode::parse(code) {
        Ok(parsed) if code.starts_with(&format!("{installation_region}.")) => {
            Ok(crate::regions::find(db, &parsed).await?.is_some())
        }
        _ => Ok(false),
    }
}

/// Who reported, kept sealed; shown to the agency only when the report is not anonymous.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Reporter {
    /// The name given.
    pub name: String,
    /// Where notices go.
    pub email: Option<String>,
    /// A phone number given.
    pub phone: Option<String>,
}

/// A report ready to be filed.
#[derive(Clone, Debug)]
pub struct NewComplaint {
    /// The checked content.
    pub checked: Checked,
    /// The topic.
    pub topic: Topic,
    /// Where (a region code inside the installation), if chosen.
    pub region_code: Option<String>,
    /// Rahasia: the text is never public.
    pub confidential: bool,
    /// Anonim: the agency never sees who reported.
    pub anonymous: bool,
    /// The signed-in reporter, if any.
    pub account_id: Option<i64>,
    /// Who reported, as given.
    pub reporter: Reporter,
    /// `web` or `open311`.
    pub source: &'static str,
    /// An Open311 client and its request key, so a retried post files once.
    pub client_request: Option<(String, String)>,
    /// Photos, cleaned and stored.
    pub photos: Vec<photos::StoredPhoto>,
    /// A link to media an Open311 client gave.
    pub media_url: Option<String>,
}

/// A report just filed.
#[derive(Clone, Debug)]
pub struct Filed {
    /// The public number.
    pub id: i64,
    /// The reporter's tracking code (shown once, sent by mail; only its hash is stored).
    pub tracking_code: Option<String>,
    /// When (unix seconds).
    pub received_at: i64,
}

/// The SHA-256 of a tracking code, as stored.
fn tracking_hash(code: &str) -> String {
    crate::digest::sha256_hex(format!("complaint-tracking:{code}").as_bytes())
}

/// Files a report: routed to its agency, due dates set, its first timeline line, its audit
/// entry and the reporter's notice, committed with the other reports of the moment. A
/// retried Open311 post (same client and key) answers with the first report.
pub async fn file(state: &AppState, lang: crate::i18n::Lang, new: NewComplaint) -> AppResult<Filed> {
    let agency = route(&state.db, new.topic.id, new.region_code.as_deref()).await?;
    let installation = crate::portal::store::installation(&state.db).await?;
    let calendar = crate::calendar::load(&state.db).await?;
    let today = crate::calendar::today_at(installation.utc_offset_hours);
    let forward_due = calendar
        .add_working_days(
            today,
            complaint::FORWARD_WORKING_DAYS,
            satupintu_rules::calendar::LeavePolicy::CivilService,
        )
        .map_err(anyhow::Error::from)?;
    let code = crate::services::issued::new_code()?;
    let text_sealed = state.fields.seal(TEXT_FIELD, &new.checked.text)?;
    let reporter_sealed = state
        .fields
        .seal(REPORTER_FIELD, &serde_json::to_string(&new.reporter).map_err(anyhow::Error::from)?)?;
    let now = jiff::Timestamp::now().as_second();
    let notice = new.reporter.email.clone().map(|to| crate::mail::OutgoingMail {
        to,
        subject: lang.t("complaint-mail-subject"),
        text: lang.t_args(
            "complaint-mail-body",
            &[
                ("code", crate::services::issued::display_code(&code)),
                ("link", format!("{}/pengaduan/lacak", state.link_base)),
            ],
        ),
    });
    let in_job = state.clone();
    let hash = tracking_hash(&code);
    let replay_key = new.client_request.clone();
    let filed = state
        .db
        .grouped(move |tx| {
            Box::pin(async move {
                let (client, key) = new.client_request.clone().unzip();
                // Coordinates travel as text: sqlx 0.9's Any driver declares a missing f64 as
                // float4 (sqlx issue 4284), which breaks PostgreSQL's cached statement
                // for the next report that has one.
                let (lat, lon) = new.checked.position.map(|(lat, lon)| (lat.to_string(), lon.to_string())).unzip();
                let inserted = sqlx::query(
                    "INSERT INTO complaints (tracking_hash, category, topic_id, title, text_sealed, public_text, \
                       region_code, address, lat, lon, confidential, anonymous, account_id, reporter_sealed, \
                       agency_id, status, source, client_key, idempotency_key, received_at, updated_at, \
                       forward_due_on, photos, media_url) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS DOUBLE PRECISION), \
                             CAST($10 AS DOUBLE PRECISION), $11, $12, $13, $14, $15, 'received', $16, \
                             $17, $18, $19, $19, $20, $21, $22) \
                     ON CONFLICT (client_key, idempotency_key) DO NOTHING RETURNING id",
                )
                .bind(&hash)
                .bind(new.checked.category.as_str())
                .bind(new.topic.id)
                .bind(&new.checked.title)
                .bind(text_sealed)
                .bind((!new.confidential).then(|| new.checked.text.clone()))
                .bind(new.region_code.clone())
                .bind(new.checked.address.clone())
                .bind(lat)
                .bind(lon)
                .bind(i64::from(new.confidential))
                .bind(i64::from(new.anonymous))
                .bind(new.account_id)
                .bind(reporter_sealed)
                .bind(agency)
                .bind(new.source)
                .bind(client)
                .bind(key)
                .bind(now)
                .bind(forward_due.to_string())
                .bind(i64::try_from(new.photos.len()).unwrap_or_default())
                .bind(new.media_url.clone())
                .fetch_optional(&mut **tx)
                .await?;
                let Some(row) = inserted else { return Ok::<_, AppError>(None) };
                let id: i64 = row.try_get("id")?;
                photos::attach(tx, id, &new.photos).await?;
                add_event(tx, id, &actor_of(new.account_id), "received", agency, None).await?;
                let entry = crate::audit::Entry {
                    actor: &actor_of(new.account_id),
                    action: "complaint.file",
                    subject: &format!("complaint/{id}"),
                    digest: crate::audit::store::digest_of(&(&new.checked.title, &new.checked.text, new.confidential, new.anonymous)),
                };
                crate::audit::store::append_on_commit(&in_job.db, tx, &entry).await?;
                if let Some(mail) = &notice {
                    in_job.outbox.queue(tx, mail).await?;
                }
                Ok(Some(id))
            })
        })
        .await?;
    match (filed, replay_key) {
        (Some(id), _) => {
            state.outbox.wake();
            Ok(Filed { id, tracking_code: Some(code), received_at: now })
        }
        (None, Some((client, key))) => {
            // The same client sent this request before: the first report is the answer.
            let row = sqlx::query(
                "SELECT id, received_at FROM complaints WHERE client_key = $1 AND idempotency_key = $2",
            )
            .bind(client)
            .bind(key)
            .fetch_one(state.db.pool())
            .await?;
            Ok(Filed {
                id: row.try_get("id")?,
                tracking_code: None,
                received_at: row.try_get("received_at")?,
            })
        }
        (None, None) => Err(AppError::Conflict),
    }
}

fn actor_of(account_id: Option<i64>) -> String {
    account_id.map_or_else(|| "public".to_string(), |id| format!("citizen:{id}"))
}

/// Adds a line to a report's timeline.
pub async fn add_event(
    tx: &mut Tx,
    id: i64,
    actor: &str,
    kind: &str,
    agency_id: Option<i64>,
    note: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO complaint_events (complaint_id, at, actor, kind, agency_id, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(jiff::Timestamp::now().as_second())
    .bind(actor)
    .bind(kind)
    .bind(agency_id)
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A report as stored, text opened.
#[derive(Clone, Debug)]
pub struct Complaint {
    /// The public number.
    pub id: i64,
    /// The category.
    pub category: Category,
    /// The topic's code.
    pub topic_code: String,
    /// The topic's names (id, en).
    pub topic_name: (String, String),
    /// The title.
    pub title: String,
    /// The text.
    pub text: String,
    /// The region code, if chosen.
    pub region_code: Option<String>,
    /// That region's name.
    pub region_name: Option<String>,
    /// The address given.
    pub address: Option<String>,
    /// Latitude and longitude.
    pub position: Option<(f64, f64)>,
    /// Rahasia.
    pub confidential: bool,
    /// Anonim.
    pub anonymous: bool,
    /// The signed-in reporter.
    pub account_id: Option<i64>,
    /// The responsible agency: id and name.
    pub agency: Option<(i64, String)>,
    /// Where it stands.
    pub status: Status,
    /// When received and last changed (unix seconds).
    pub received_at: i64,
    /// When last changed.
    pub updated_at: i64,
    /// Due dates: forward, follow-up, confirmation.
    pub forward_due_on: String,
    /// Follow-up due date, once forwarded.
    pub follow_up_due_on: Option<String>,
    /// Confirmation due date, once done.
    pub confirm_due_on: Option<String>,
    /// "Me too" count.
    pub supporters: i64,
    /// How it arrived.
    pub source: String,
    /// How many photos it has.
    pub photos: i64,
    /// A link to media an Open311 client gave.
    pub media_url: Option<String>,
}

const COMPLAINT_COLUMNS: &str = "c.id, c.category, t.code AS topic_code, t.name_id, t.name_en, c.title, \
     c.text_sealed, c.public_text, c.region_code, r.name AS region_name, c.address, c.lat, c.lon, c.confidential, c.anonymous, \
     c.account_id, c.agency_id, g.name AS agency_name, c.status, c.received_at, c.updated_at, c.forward_due_on, \
     c.follow_up_due_on, c.confirm_due_on, c.supporters, c.source, c.photos, c.media_url \
     FROM complaints c JOIN complaint_topics t ON t.id = c.topic_id \
     LEFT JOIN regions r ON r.code = c.region_code LEFT JOIN agencies g ON g.id = c.agency_id";

fn complaint_from(state: &AppState, row: &sqlx::any::AnyRow) -> anyhow::Result<Complaint> {
    let lat: Option<f64> = row.try_get("lat")?;
    let lon: Option<f64> = row.try_get("lon")?;
    let agency_id: Option<i64> = row.try_get("agency_id")?;
    let agency_name: Option<String> = row.try_get("agency_name")?;
    Ok(Complaint {
        id: row.try_get("id")?,
        category: Category::parse(&row.try_get::<String, _>("category")?)
            .ok_or_else(|| anyhow::anyhow!("a stored complaint has an unknown category"))?,
        topic_code: row.try_get("topic_code")?,
        topic_name: (row.try_get("name_id")?, row.try_get("name_en")?),
        title: row.try_get("title")?,
        // A public report keeps its text in clear: lists need not open each sealed copy.
        text: match row.try_get::<Option<String>, _>("public_text")? {
            Some(text) => text,
            None => state.fields.open(TEXT_FIELD, &row.try_get::<String, _>("text_sealed")?)?,
        },
        region_code: row.try_get("region_code")?,
        region_name: row.try_get("region_name")?,
        address: row.try_get("address")?,
        position: lat.zip(lon),
        confidential: row.try_get::<i64, _>("confidential")? != 0,
        anonymous: row.try_get::<i64, _>("anonymous")? != 0,
        account_id: row.try_get("account_id")?,
        agency: agency_id.zip(agency_name),
        status: Status::parse(&row.try_get::<String, _>("status")?)
            .ok_or_else(|| anyhow::anyhow!("a stored complaint has an unknown status"))?,
        received_at: row.try_get("received_at")?,
        updated_at: row.try_get("updated_at")?,
        forward_due_on: row.try_get("forward_due_on")?,
        follow_up_due_on: row.try_get("follow_up_due_on")?,
        confirm_due_on: row.try_get("confirm_due_on")?,
        supporters: row.try_get("supporters")?,
        source: row.try_get("source")?,
        photos: row.try_get("photos")?,
        media_url: row.try_get("media_url")?,
    })
}

/// A report by its number, whatever its privacy (callers decide what to show).
pub async fn load(state: &AppState, id: i64) -> anyhow::Result<Option<Complaint>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COMPLAINT_COLUMNS} WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?;
    row.as_ref().map(|r| complaint_from(state, r)).transpose()
}

/// The report a tracking code belongs to.
pub async fn by_tracking_code(state: &AppState, typed: &str) -> anyhow::Result<Option<Complaint>> {
    let Some(code) = crate::services::issued::normalize_code(typed) else { return Ok(None) };
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COMPLAINT_COLUMNS} WHERE c.tracking_hash = $1")))
            .bind(tracking_hash(&code))
            .fetch_optional(state.db.pool())
            .await?;
    row.as_ref().map(|r| complaint_from(state, r)).transpose()
}

/// One line of a report's timeline.
#[derive(Clone, Debug)]
pub struct Event {
    /// When (unix seconds).
    pub at: i64,
    /// `received`, `forwarded`, `done`, `confirmed`, `disputed`, `closed`, `rejected`, `escalated`.
    pub kind: String,
    /// The agency it concerns.
    pub agency: Option<String>,
    /// The officer's note.
    pub note: Option<String>,
}

/// A report's timeline, oldest first.
pub async fn events(db: &Db, id: i64) -> anyhow::Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT e.at, e.kind, g.name AS agency, e.note FROM complaint_events e \
         LEFT JOIN agencies g ON g.id = e.agency_id WHERE e.complaint_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                at: r.try_get("at")?,
                kind: r.try_get("kind")?,
                agency: r.try_get("agency")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

/// What the public board and Open311 may filter on.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only these numbers.
    pub ids: Vec<i64>,
    /// Only this topic.
    pub topic: Option<String>,
    /// Only these agencies (ids); any agency when empty.
    pub agencies: Vec<i64>,
    /// Only regions starting with this code.
    pub region: Option<String>,
    /// Only these statuses.
    pub statuses: Vec<Status>,
    /// Received at or after (unix seconds).
    pub since: Option<i64>,
    /// Received at or before (unix seconds).
    pub until: Option<i64>,
    /// Only reports with a position.
    pub with_position: bool,
    /// Newest first, at most this many.
    pub limit: i64,
    /// After skipping this many.
    pub offset: i64,
}

/// Public reports (never a confidential one) matching a filter, newest first.
pub async fn public_list(state: &AppState, filter: &Filter) -> anyhow::Result<Vec<Complaint>> {
    list(state, filter, false).await
}

/// Reports matching a filter, newest first; confidential ones only when asked (for the
/// officers handling them).
pub async fn list(
    state: &AppState,
    filter: &Filter,
    with_confidential: bool,
) -> anyhow::Result<Vec<Complaint>> {
    let mut conditions = vec![if with_confidential { "1 = 1" } else { "c.confidential = 0" }.to_string()];
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if !filter.ids.is_empty() {
        let marks: Vec<String> = filter.ids.iter().map(|_| next()).collect();
        conditions.push(format!("c.id IN ({})", marks.join(", ")));
    }
    if filter.topic.is_some() {
        conditions.push(format!("t.code = {}", next()));
    }
    if !filter.agencies.is_empty() {
        let marks: Vec<String> = filter.agencies.iter().map(|_| next()).collect();
        conditions.push(format!("c.agency_id IN ({})", marks.join(", ")));
    }
    if filter.region.is_some() {
        conditions.push(format!("c.region_code LIKE {}", next()));
    }
    if !filter.statuses.is_empty() {
        let marks: Vec<String> = filter.statuses.iter().map(|_| next()).collect();
        conditions.push(format!("c.status IN ({})", marks.join(", ")));
    }
    if filter.since.is_some() {
        conditions.push(format!("c.received_at >= {}", next()));
    }
    if filter.until.is_some() {
        conditions.push(format!("c.received_at <= {}", next()));
    }
    if filter.with_position {
        conditions.push("c.lat IS NOT NULL".to_string());
    }
    let (limit, offset) = (next(), next());
    // Only placeholders are formatted in; every value is bound below in the same order.
    let sql = format!(
        "SELECT {COMPLAINT_COLUMNS} WHERE {} ORDER BY c.received_at DESC, c.id DESC LIMIT {limit} OFFSET {offset}",
        conditions.join(" AND ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in &filter.ids {
        query = query.bind(*id);
    }
    if let Some(topic) = &filter.topic {
        query = query.bind(topic.clone());
    }
    for agency in &filter.agencies {
        query = query.bind(*agency);
    }
    if let Some(region) = &filter.region {
        query = query.bind(format!("{}%", region.replace(['%', '_'], "")));
    }
    for status in &filter.statuses {
        query = query.bind(status.as_str());
    }
    if let Some(since) = filter.since {
        query = query.bind(since);
    }
    if let Some(until) = filter.until {
        query = query.bind(until);
    }
    let rows = query.bind(filter.limit).bind(filter.offset).fetch_all(state.db.pool()).await?;
    rows.iter().map(|r| complaint_from(state, r)).collect()
}

/// Open public reports of a topic near a region (same district) from the last 60 days that
/// read like `title` and `text`, most alike first: offered before a duplicate is filed.
pub async fn alike(
    state: &AppState,
    topic_id: i64,
    region_code: Option<&str>,
    title: &str,
    text: &str,
) -> anyhow::Result<Vec<(i64, String, i64)>> {
    let since = jiff::Timestamp::now().as_second() - 60 * 24 * 3600;
    let district = region_code.map(|r| r.chars().take(8).collect::<String>()).unwrap_or_default();
    let rows = sqlx::query(
        "SELECT id, title, public_text, supporters FROM complaints \
         WHERE topic_id = $1 AND confidential = 0 AND status IN ('received', 'forwarded', 'done') \
           AND received_at >= $2 AND COALESCE(region_code, '') LIKE $3 \
         ORDER BY received_at DESC LIMIT 300",
    )
    .bind(topic_id)
    .bind(since)
    .bind(format!("{}%", district.replace(['%', '_'], "")))
    .fetch_all(state.db.pool())
    .await?;
    let mine = complaint::words(&format!("{title} {text}"));
    let mut found = Vec::new();
    for row in rows {
        let theirs_title: String = row.try_get("title")?;
        let theirs_text: Option<String> = row.try_get("public_text")?;
        let theirs = complaint::words(&format!("{theirs_title} {}", theirs_text.unwrap_or_default()));
        let likeness = complaint::likeness(&mine, &theirs);
        if likeness >= complaint::ALIKE {
            found.push((
                likeness,
                row.try_get::<i64, _>("id")?,
                theirs_title,
                row.try_get::<i64, _>("supporters")?,
            ));
        }
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(found.into_iter().take(5).map(|(_, id, title, supporters)| (id, title, supporters)).collect())
}

/// "I have this problem too": counted once per supporter; false when already counted or
/// the report is not public and open.
pub async fn support(db: &Db, id: i64, supporter: &str) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let open = sqlx::query(
        "SELECT 1 FROM complaints WHERE id = $1 AND confidential = 0 AND status IN ('received', 'forwarded', 'done')",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    if !open {
        return Ok(false);
    }
    let added = sqlx::query(
        "INSERT INTO complaint_supports (complaint_id, supporter, at) VALUES ($1, $2, $3) \
         ON CONFLICT (complaint_id, supporter) DO NOTHING",
    )
    .bind(id)
    .bind(supporter)
    .bind(jiff::Timestamp::now().as_second())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added == 1 {
        sqlx::query("UPDATE complaints SET supporters = supporters + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(added == 1)
}

/// The demo topics and routing rules: loaded when the demo municipality is.
pub async fn load_demo_topics(tx: &mut Tx) -> anyhow::Result<()> {
    #[derive(Deserialize)]
    struct DemoTopic {
        #[serde(flatten)]
        topic: Topic,
        /// The agency slug reports go to, wherever they are from.
        agency: String,
        /// Regions (code prefixes) whose reports go to another agency (slug) instead.
        #[serde(default)]
        local: Vec<(String, String)>,
    }
    let topics: Vec<DemoTopic> = serde_json::from_str(include_str!("../../demo/complaint_topics.json"))?;
    for demo in topics {
        let t = &demo.topic;
        let row = sqlx::query(
            "INSERT INTO complaint_topics (code, name_id, name_en, description_id, description_en, group_id, \
                                           group_en, keywords) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (code) DO UPDATE SET name_id = excluded.name_id, name_en = excluded.name_en, \
               description_id = excluded.description_id, description_en = excluded.description_en, \
               group_id = excluded.group_id, group_en = excluded.group_en, keywords = excluded.keywords \
             RETURNING id",
        )
        .bind(&t.code);
        let row = topics::bind_wording(row, t).fetch_one(&mut **tx).await?;
        let topic_id: i64 = row.try_get("id")?;
        let rules = std::iter::once((String::new(), demo.agency.clone())).chain(demo.local.iter().cloned());
        for (prefix, slug) in rules {
            let agency: Option<i64> = sqlx::query_scalar("SELECT id FROM agencies WHERE slug = $1")
                .bind(&slug)
                .fetch_optional(&mut **tx)
                .await?;
            let Some(agency) = agency else {
                anyhow::bail!("demo complaint topic {} names agency {slug}, which is missing", t.code)
            };
            topics::set_rule(tx, topic_id, &prefix, agency).await?;
        }
    }
    Ok(())
}
