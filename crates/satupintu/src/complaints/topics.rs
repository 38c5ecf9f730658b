//! The administrators' side of complaint topics and routing: the topics reporters choose
//! (also the Open311 services) and the rules that send a topic's reports from a region to
//! an agency (the longest matching region prefix wins; an empty prefix matches everywhere).
//! Every change is one transaction with its audit entry; a topic is retired, never deleted,
//! so the reports filed under it keep their topic.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use crate::app::AppState;
use crate::complaints::{self, Topic};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::roles::{Officer, Permission};
use crate::portal::routes::{render, render_status};
use crate::web::extract::{Form, Path};
use crate::web::page::Chrome;
use crate::web::{RequestContext, see_other};

/// The code that names the creation page, so no topic may take it.
const NEW: &str = "baru";

/// A routing rule as listed: region prefix, the region's name, the agency's slug and name.
pub struct Rule {
    prefix: String,
    region: String,
    agency: String,
}

/// The topics with their rules.
#[derive(Template)]
#[template(path = "complaints/topics.html")]
pub struct TopicsPage {
    chrome: Chrome,
    /// Code, name, group, active, rules as text, whether a rule covers everywhere.
    topics: Vec<(String, String, String, bool, Vec<String>, bool)>,
}

const TOPIC_ROW: &str = "SELECT id, code, name_id, name_en, description_id, description_en, group_id, group_en, \
     keywords, active FROM complaint_topics";

fn topic_and_active(row: &sqlx::any::AnyRow) -> anyhow::Result<(Topic, bool)> {
    Ok((complaints::topic_from(row)?, row.try_get::<i64, _>("active")? != 0))
}

/// Every topic, offered or retired, and whether it is offered.
async fn all_topics(state: &AppState) -> anyhow::Result<Vec<(Topic, bool)>> {
    let sql = format!("{TOPIC_ROW} ORDER BY active DESC, group_id, name_id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(state.db.pool()).await?;
    rows.iter().map(topic_and_active).collect()
}

/// A topic by code, offered or retired.
async fn topic_by_code(state: &AppState, code: &str) -> anyhow::Result<Option<(Topic, bool)>> {
    let sql = format!("{TOPIC_ROW} WHERE code = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(code).fetch_optional(state.db.pool()).await?;
    row.as_ref().map(topic_and_active).transpose()
}

/// Routing rules, each with its topic's id: of one topic, or of all.
async fn rules(state: &AppState, lang: Lang, topic_id: Option<i64>) -> anyhow::Result<Vec<(i64, Rule)>> {
    let rows = sqlx::query(
        "SELECT r.topic_id, r.region_prefix, g.name AS region_name, a.name AS agency FROM complaint_routes r \
         JOIN agencies a ON a.id = r.agency_id LEFT JOIN regions g ON g.code = r.region_prefix \
         WHERE $1 = 0 OR r.topic_id = $1 ORDER BY r.topic_id, r.region_prefix",
    )
    .bind(topic_id.unwrap_or(0))
    .fetch_all(state.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let prefix: String = row.try_get("region_prefix")?;
            let region = match row.try_get::<Option<String>, _>("region_name")? {
                _ if prefix.is_empty() => lang.t("complaint-rule-everywhere"),
                Some(name) => format!("{name} ({prefix})"),
                None => prefix.clone(),
            };
            Ok((row.try_get("topic_id")?, Rule { prefix, region, agency: row.try_get("agency")? }))
        })
        .collect()
}

/// `GET /admin/pengaduan/topik`: every topic, retired ones last, with where its reports go.
pub async fn list(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    officer.require(Permission::ManageComplaintTopics)?;
    let lang = context.lang;
    let installation = crate::portal::store::installation(&state.db).await?;
    let mut every_rule = rules(&state, lang, None).await?;
    let mut topics = Vec::new();
    for (topic, active) in all_topics(&state).await? {
        let (its, others) = every_rule.into_iter().partition::<Vec<_>, _>(|(id, _)| *id == topic.id);
        every_rule = others;
        let rules: Vec<Rule> = its.into_iter().map(|(_, rule)| rule).collect();
        let everywhere = rules.iter().any(|r| r.prefix.is_empty());
        topics.push((
            topic.code.clone(),
            lang.pick(&topic.name_id, &topic.name_en).to_string(),
            lang.pick(&topic.group_id, &topic.group_en).to_string(),
            active,
            rules.into_iter().map(|r| format!("{} → {}", r.region, r.agency)).collect(),
            everywhere,
        ));
    }
    render(&TopicsPage {
        chrome: Chrome::new(&context, &installation, "admin", lang.t("complaint-topics-title")),
        topics,
    })
}

/// A topic's form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicForm {
    #[serde(default)]
    kode: String,
    #[serde(default)]
    nama: String,
    #[serde(default)]
    nama_en: String,
    #[serde(default)]
    deskripsi: String,
    #[serde(default)]
    deskripsi_en: String,
    #[serde(default)]
    kelompok: String,
    #[serde(default)]
    kelompok_en: String,
    #[serde(default)]
    kata_kunci: String,
    #[serde(default)]
    aktif: Option<String>,
    /// The agency that receives reports from everywhere (new topics only).
    #[serde(default)]
    instansi: String,
}

impl TopicForm {
    fn from_topic(topic: &Topic, active: bool) -> Self {
        Self {
            kode: topic.code.clone(),
            nama: topic.name_id.clone(),
            nama_en: topic.name_en.clone(),
            deskripsi: topic.description_id.clone(),
            deskripsi_en: topic.description_en.clone(),
            kelompok: topic.group_id.clone(),
            kelompok_en: topic.group_en.clone(),
            kata_kunci: topic.keywords.clone(),
            aktif: active.then(|| "1".to_string()),
            instansi: String::new(),
        }
    }
}

/// A topic's page: its form and, once it exists, its rules.
#[derive(Template)]
#[template(path = "complaints/topic.html")]
pub struct TopicPage {
    chrome: Chrome,
    csrf: String,
    /// The topic's code; none on the creation page.
    code: Option<String>,
    form: TopicForm,
    /// One-line inputs and text areas: name, label key, value.
    inputs: Vec<(&'static str, &'static str, String)>,
    areas: Vec<(&'static str, &'static str, String)>,
    errors: Vec<(String, String)>,
    rules: Vec<Rule>,
    /// Agencies: slug, name.
    agencies: Vec<(String, String)>,
    /// Regions a rule may name: code, name, whether a village.
    regions: Vec<(String, String, bool)>,
    /// What the last change did.
    saved: Option<String>,
}

impl TopicPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.0 == field).map(|e| e.1.as_str())
    }
}

/// A topic's page: of an existing topic (with its rules), or the creation page.
async fn topic_page(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    existing: Option<&Topic>,
    form: TopicForm,
) -> AppResult<TopicPage> {
    let lang = context.lang;
    let installation = crate::portal::store::installation(&state.db).await?;
    let rules = match existing {
        Some(topic) => rules(state, lang, Some(topic.id)).await?.into_iter().map(|(_, rule)| rule).collect(),
        None => Vec::new(),
    };
    let code = existing.map(|topic| topic.code.clone());
    let title = match &code {
        Some(_) => lang.t_args("complaint-topic-edit-title", &[("name", form.nama.clone())]),
        None => lang.t("complaint-topic-new-title"),
    };
    let inputs = vec![
        ("nama", "complaint-topic-name", form.nama.clone()),
        ("nama_en", "complaint-topic-name-en", form.nama_en.clone()),
        ("kelompok", "complaint-topic-group", form.kelompok.clone()),
        ("kelompok_en", "complaint-topic-group-en", form.kelompok_en.clone()),
        ("kata_kunci", "complaint-topic-keywords", form.kata_kunci.clone()),
    ];
    let areas = vec![
        ("deskripsi", "complaint-topic-description", form.deskripsi.clone()),
        ("deskripsi_en", "complaint-topic-description-en", form.deskripsi_en.clone()),
    ];
    Ok(TopicPage {
        chrome: Chrome::new(context, &installation, "admin", title),
        csrf: officer.csrf.clone(),
        code,
        form,
        inputs,
        areas,
        errors: Vec::new(),
        rules,
        agencies: crate::portal::store::agencies(&state.db)
            .await?
            .into_iter()
            .map(|a| (a.slug, a.name))
            .collect(),
        regions: crate::complaints::routes::region_choices(state, &installation.region_code, true).await?,
        saved: None,
    })
}

/// Whether a topic code can be an Open311 `service_code` and a URL segment.
fn valid_code(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
        && !code.ends_with('-')
        && code != NEW
}

/// Checks a topic's fields, each error beside its field; the topic they describe.
fn check(lang: Lang, form: &TopicForm, errors: &mut Vec<(String, String)>) -> Topic {
    let limits: [(&str, &str, usize, usize); 7] = [
        ("nama", &form.nama, 3, 120),
        ("nama_en", &form.nama_en, 3, 120),
        ("deskripsi", &form.deskripsi, 10, 500),
        ("deskripsi_en", &form.deskripsi_en, 10, 500),
        ("kelompok", &form.kelompok, 2, 80),
        ("kelompok_en", &form.kelompok_en, 2, 80),
        ("kata_kunci", &form.kata_kunci, 0, 300),
    ];
    for (name, value, min, max) in limits {
        if let Some(problem) = satupintu_rules::complaint::length_problem(value.trim(), min, max) {
            errors.push((name.into(), crate::complaints::routes::problem_text(lang, &problem)));
        }
    }
    Topic {
        id: 0,
        code: form.kode.trim().to_string(),
        name_id: form.nama.trim().to_string(),
        name_en: form.nama_en.trim().to_string(),
        description_id: form.deskripsi.trim().to_string(),
        description_en: form.deskripsi_en.trim().to_string(),
        group_id: form.kelompok.trim().to_string(),
        group_en: form.kelompok_en.trim().to_string(),
        keywords: form.kata_kunci.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

async fn agency_id(state: &AppState, slug: &str) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM agencies WHERE slug = $1")
        .bind(slug)
        .fetch_optional(state.db.pool())
        .await?)
}

async fn audited(
    state: &AppState,
    tx: &mut crate::db::Tx,
    officer: &Officer,
    action: &str,
    code: &str,
    what: &impl serde::Serialize,
) -> anyhow::Result<()> {
    let entry = crate::audit::Entry {
        actor: &officer.principal.actor(),
        action,
        subject: &format!("complaint-topic/{code}"),
        digest: crate::audit::store::digest_of(what),
    };
    crate::audit::append(&state.db, tx, &entry).await?;
    Ok(())
}

/// `GET /admin/pengaduan/topik/baru`.
pub async fn new_form(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    officer.require(Permission::ManageComplaintTopics)?;
    let form = TopicForm { aktif: Some("1".into()), ..TopicForm::default() };
    render(&topic_page(&state, &context, &officer, None, form).await?)
}

/// `POST /admin/pengaduan/topik/baru`: a new topic with the agency its reports go to from
/// everywhere.
pub async fn create(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Form(form): Form<TopicForm>,
) -> AppResult<Response> {
    officer.require(Permission::ManageComplaintTopics)?;
    let lang = context.lang;
    let mut errors = Vec::new();
    let topic = check(lang, &form, &mut errors);
    if !valid_code(&topic.code) {
        errors.push(("kode".into(), lang.t("complaint-topic-error-code")));
    } else if topic_by_code(&state, &topic.code).await?.is_some() {
        errors.push(("kode".into(), lang.t("complaint-topic-error-taken")));
    }
    let agency = agency_id(&state, form.instansi.trim()).await?;
    if agency.is_none() {
        errors.push(("instansi".into(), lang.t("complaint-error-choice")));
    }
    let (Some(agency), true) = (agency, errors.is_empty()) else {
        let mut page = topic_page(&state, &context, &officer, None, form).await?;
        page.errors = errors;
        return render_status(&page, StatusCode::BAD_REQUEST);
    };
    let active = form.aktif.is_some();
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO complaint_topics (code, name_id, name_en, description_id, description_en, group_id, group_en, \
                                       keywords, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (code) DO NOTHING RETURNING id",
    )
    .bind(&topic.code);
    let inserted = bind_wording(inserted, &topic).bind(i64::from(active)).fetch_optional(&mut *tx).await?;
    // Two administrators creating the same code at once: the second is told it is taken.
    let Some(row) = inserted else { return Err(AppError::Conflict) };
    let topic_id: i64 = row.try_get("id")?;
    set_rule(&mut tx, topic_id, "", agency).await?;
    audited(&state, &mut tx, &officer, "complaint.topic.create", &topic.code, &(&topic, active, agency))
        .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/admin/pengaduan/topik/{}", topic.code)))
}

/// `GET /admin/pengaduan/topik/{code}`.
pub async fn edit_form(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(code): Path<String>,
) -> AppResult<Response> {
    officer.require(Permission::ManageComplaintTopics)?;
    let (topic, active) = topic_by_code(&state, &code).await?.ok_or(AppError::NotFound)?;
    let form = TopicForm::from_topic(&topic, active);
    render(&topic_page(&state, &context, &officer, Some(&topic), form).await?)
}

/// `POST /admin/pengaduan/topik/{code}`: saves the topic's wording and whether it is
/// offered (the code stays: apps and reports know it).
pub async fn update(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(code): Path<String>,
    Form(mut form): Form<TopicForm>,
) -> AppResult<Response> {
    officer.require(Permission::ManageComplaintTopics)?;
    let (existing, _) = topic_by_code(&state, &code).await?.ok_or(AppError::NotFound)?;
    form.kode = existing.code.clone();
    let lang = context.lang;
    let mut errors = Vec::new();
    let topic = check(lang, &form, &mut errors);
    if !errors.is_empty() {
        let mut page = topic_page(&state, &context, &officer, Some(&existing), form).await?;
        page.errors = errors;
        return render_status(&page, StatusCode::BAD_REQUEST);
    }
    let active = form.aktif.is_some();
    let mut tx = state.db.begin().await?;
    let update = sqlx::query(
        "UPDATE complaint_topics SET name_id = $1, name_en = $2, description_id = $3, description_en = $4, \
           group_id = $5, group_en = $6, keywords = $7, active = $8 WHERE id = $9",
    );
    bind_wording(update, &topic).bind(i64::from(active)).bind(existing.id).execute(&mut *tx).await?;
    audited(&state, &mut tx, &officer, "complaint.topic.update", &code, &(&topic, active)).await?;
    tx.commit().await?;
    let mut page = topic_page(&state, &context, &officer, Some(&existing), form).await?;
    page.saved = Some(lang.t("complaint-topic-saved"));
    render(&page)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds a topic's wording in the order its statements list it: names, descriptions,
/// groups, keywords.
pub(crate) fn bind_wording<'q>(query: AnyQuery<'q>, topic: &'q Topic) -> AnyQuery<'q> {
    query
        .bind(&topic.name_id)
        .bind(&topic.name_en)
        .bind(&topic.description_id)
        .bind(&topic.description_en)
        .bind(&topic.group_id)
        .bind(&topic.group_en)
        .bind(&topic.keywords)
}

/// Sends a topic's reports from a region prefix to an agency (replacing the rule there).
pub(crate) async fn set_rule(
    tx: &mut crate::db::Tx,
    topic_id: i64,
    prefix: &str,
    agency_id: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO complaint_routes (topic_id, region_prefix, agency_id) VALUES ($1, $2, $3) \
         ON CONFLICT (topic_id, region_prefix) DO UPDATE SET agency_id = excluded.agency_id",
    )
    .bind(topic_id)
    .bind(prefix)
    .bind(agency_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A change to a topic's rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleForm {
    /// `simpan` (add or replace) or `hapus` (remove).
    tindakan: String,
    /// The region prefix; empty for everywhere.
    #[serde(default)]
    wilayah: String,
    /// The agency's slug (to save).
    #[serde(default)]
    instansi: String,
}

/// `POST /admin/pengaduan/topik/{code}/aturan`: sets where the topic's reports from a region
/// go, or removes a rule. Reports already filed stay where they are; officers forward them.
pub async fn change_rule(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(code): Path<String>,
    Form(form): Form<RuleForm>,
) -> AppResult<Response> {
    officer.require(Permission::ManageComplaintTopics)?;
    let lang = context.lang;
    let (topic, active) = topic_by_code(&state, &code).await?.ok_or(AppError::NotFound)?;
    let installation = crate::portal::store::installation(&state.db).await?;
    let prefix = form.wilayah.trim().to_string();
    let known_region =
        prefix.is_empty() || complaints::region_within(&state.db, &installation.region_code, &prefix).await?;
    let mut errors = Vec::new();
    if !known_region {
        errors.push(("wilayah".to_string(), lang.t("complaint-error-choice")));
    }
    let mut tx = state.db.begin().await?;
    let saved = match form.tindakan.as_str() {
        "simpan" => {
            let agency = agency_id(&state, form.instansi.trim()).await?;
            match (agency, errors.is_empty()) {
                (Some(agency), true) => {
                    set_rule(&mut tx, topic.id, &prefix, agency).await?;
                    audited(&state, &mut tx, &officer, "complaint.route.set", &code, &(&prefix, agency))
                        .await?;
                    lang.t("complaint-rule-saved")
                }
                (agency, _) => {
                    if agency.is_none() {
                        errors.push(("instansi".to_string(), lang.t("complaint-error-choice")));
                    }
                    String::new()
                }
            }
        }
        "hapus" => {
            let removed =
                sqlx::query("DELETE FROM complaint_routes WHERE topic_id = $1 AND region_prefix = $2")
                    .bind(topic.id)
                    .bind(&prefix)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if removed == 0 {
                return Err(AppError::NotFound);
            }
            audited(&state, &mut tx, &officer, "complaint.route.remove", &code, &prefix).await?;
            lang.t("complaint-rule-removed")
        }
        _ => return Err(AppError::malformed("tindakan")),
    };
    let form_view = TopicForm::from_topic(&topic, active);
    if !errors.is_empty() {
        tx.rollback().await?;
        let mut page = topic_page(&state, &context, &officer, Some(&topic), form_view).await?;
        page.errors = errors;
        return render_status(&page, StatusCode::BAD_REQUEST);
    }
    tx.commit().await?;
    let mut page = topic_page(&state, &context, &officer, Some(&topic), form_view).await?;
    page.saved = Some(saved);
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_codes_are_url_and_open311_safe() {
        for good in ["jalan-rusak", "pju", "banjir-2026"] {
            assert!(valid_code(good), "{good}");
        }
        for bad in
            ["", "a", "Jalan", "jalan rusak", "-jalan", "jalan-", "baru", "jalan/rusak", &"a".repeat(41)]
        {
            assert!(!valid_code(bad), "{bad}");
        }
    }
}
