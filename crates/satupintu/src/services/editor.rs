//! Agency admins write service definitions in the browser: the definition as JSON text
//! (the same text `satupintu services import` reads and the API serves), checked with every
//! mistake named by its path, previewed as citizens will see it, kept as a draft, and
//! published as a new version. Applications already made keep the version they were made under.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use satupintu_rules::service::{CheckedService, ServiceDefinition};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::roles::{Officer, Permission};
use crate::portal::routes::{render, render_status};
use crate::services::pick;
use crate::web::extract::{Form, Path};
use crate::web::page::Chrome;
use crate::web::{RequestContext, see_other};

/// A definition of the admin's agencies, for the list.
pub struct DefinitionRow {
    href: String,
    name: String,
    agency: String,
    version: String,
    draft: bool,
}

/// The list of definitions.
#[derive(Template)]
#[template(path = "admin/services_list.html")]
pub struct ListPage {
    chrome: Chrome,
    rows: Vec<DefinitionRow>,
}

/// Agencies (slug, id, name) whose services the officer manages.
async fn managed_agencies(state: &AppState, officer: &Officer) -> AppResult<Vec<(String, i64, String)>> {
    let agencies =
        crate::identity::roles::agencies_in_scope(&state.db, officer, Permission::ManageServices).await?;
    let mut agencies: Vec<_> =
        agencies.into_iter().map(|(id, agency)| (agency.slug, id, agency.name)).collect();
    agencies.sort_by(|a, b| a.2.cmp(&b.2));
    Ok(agencies)
}

/// `GET /admin/layanan`: the definitions of the officer's agencies.
pub async fn list(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    let lang = context.lang;
    let agencies = managed_agencies(&state, &officer).await?;
    let rows = sqlx::query(
        "SELECT s.slug, s.name, s.name_en, s.published_version, g.slug AS agency, g.name AS agency_name, \
         (SELECT COUNT(*) FROM service_drafts d WHERE d.slug = s.slug) AS drafts \
         FROM services s JOIN agencies g ON g.id = s.agency_id ORDER BY g.name, s.name",
    )
    .fetch_all(state.db.pool())
    .await?;
    let mut shown = Vec::new();
    for row in rows {
        let agency: String = row.try_get("agency")?;
        if !agencies.iter().any(|(slug, _, _)| *slug == agency) {
            continue;
        }
        let slug: String = row.try_get("slug")?;
        let version: Option<i64> = row.try_get("published_version")?;
        shown.push(DefinitionRow {
            href: format!("/admin/layanan/{slug}"),
            name: lang
                .pick(&row.try_get::<String, _>("name")?, &row.try_get::<String, _>("name_en")?)
                .to_string(),
            agency: row.try_get("agency_name")?,
            version: version.map_or_else(|| lang.t("svc-edit-unpublished"), |v| format!("v{v}")),
            draft: row.try_get::<i64, _>("drafts")? > 0,
        });
    }
    // Drafts of services not published yet.
    let drafts = sqlx::query(
        "SELECT d.slug, g.slug AS agency, g.name AS agency_name FROM service_drafts d \
         JOIN agencies g ON g.id = d.agency_id \
         WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.slug = d.slug) ORDER BY d.slug",
    )
    .fetch_all(state.db.pool())
    .await?;
    for row in drafts {
        let agency: String = row.try_get("agency")?;
        if agencies.iter().any(|(slug, _, _)| *slug == agency) {
            let slug: String = row.try_get("slug")?;
            shown.push(DefinitionRow {
                href: format!("/admin/layanan/{slug}"),
                name: slug,
                agency: row.try_get("agency_name")?,
                version: lang.t("svc-edit-unpublished"),
                draft: true,
            });
        }
    }
    render(&ListPage {
        chrome: crate::services::chrome(&state, &context, "account", lang.t("svc-edit-title")).await?,
        rows: shown,
    })
}

/// The editor.
#[derive(Template)]
#[template(path = "admin/service_edit.html")]
pub struct EditPage {
    chrome: Chrome,
    csrf: String,
    action: String,
    text: String,
    problems: Vec<String>,
    notice: Option<String>,
    preview: Option<Preview>,
}

/// How citizens will see a definition.
pub struct Preview {
    name: String,
    description: String,
    fee: String,
    sla: String,
    requirements: Vec<String>,
    pages: Vec<(String, Vec<(String, String)>)>,
    steps: Vec<(String, String)>,
    document: String,
}

fn preview(lang: Lang, service: &CheckedService) -> Preview {
    let definition = &service.definition;
    let fields = &definition.form.fields;
    Preview {
        name: pick(lang, &definition.name),
        description: pick(lang, &definition.description),
        fee: crate::web::page::format_rupiah(lang, definition.fee_rupiah),
        sla: lang.t_args("svc-edit-sla", &[("days", definition.sla_working_days.to_string())]),
        requirements: definition.requirements.iter().map(|r| pick(lang, &r.label)).collect(),
        pages: definition
            .form
            .pages
            .iter()
            .map(|page| {
                let shown = page
                    .fields
                    .iter()
                    .map(|key| {
                        let hints = fields.get(key);
                        let label = hints.map_or_else(|| key.clone(), |h| pick(lang, &h.label));
                        let help =
                            hints.and_then(|h| h.help.as_ref()).map(|h| pick(lang, h)).unwrap_or_default();
                        (label, help)
                    })
                    .collect();
                (pick(lang, &page.title), shown)
            })
            .collect(),
        steps: definition.workflow.steps.iter().map(|s| (pick(lang, &s.name), s.role.clone())).collect(),
        document: pick(lang, &definition.document.title),
    }
}

/// A new definition's starting text: a small but complete service of the first agency.
fn starter(agency: &str) -> String {
    let text = include_str!("../../demo/service_starter.json");
    text.replace("\"AGENCY\"", &format!("\"{agency}\""))
}

/// `GET /admin/layanan/baru`: a starting definition to change.
pub async fn new_form(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    let agencies = managed_agencies(&state, &officer).await?;
    let agency = agencies.first().map(|(slug, _, _)| slug.clone()).ok_or(AppError::Forbidden)?;
    let page = EditPage {
        chrome: crate::services::chrome(&state, &context, "account", context.lang.t("svc-edit-new")).await?,
        csrf: officer.csrf.clone(),
        action: "/admin/layanan/baru".into(),
        text: starter(&agency),
        problems: Vec::new(),
        notice: None,
        preview: None,
    };
    render(&page)
}

/// `GET /admin/layanan/{slug}`: the draft if there is one, else the published definition.
pub async fn edit_form(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let agencies = managed_agencies(&state, &officer).await?;
    let (text, agency) = current_text(&state, &slug).await?.ok_or(AppError::NotFound)?;
    if !agencies.iter().any(|(a, _, _)| *a == agency) {
        return Err(AppError::Forbidden);
    }
    let page = EditPage {
        chrome: crate::services::chrome(&state, &context, "account", context.lang.t("svc-edit-title"))
            .await?,
        csrf: officer.csrf.clone(),
        action: format!("/admin/layanan/{slug}"),
        text,
        problems: Vec::new(),
        notice: None,
        preview: None,
    };
    render(&page)
}

/// The text to edit and the owning agency: the draft, else the published version.
async fn current_text(state: &AppState, slug: &str) -> anyhow::Result<Option<(String, String)>> {
    let draft = sqlx::query(
        "SELECT d.definition, g.slug AS agency FROM service_drafts d JOIN agencies g ON g.id = d.agency_id \
         WHERE d.slug = $1",
    )
    .bind(slug)
    .fetch_optional(state.db.pool())
    .await?;
    if let Some(row) = draft {
        return Ok(Some((row.try_get("definition")?, row.try_get("agency")?)));
    }
    let published = sqlx::query(
        "SELECT v.definition, g.slug AS agency FROM services s JOIN service_versions v \
         ON v.service_id = s.id AND v.version = s.published_version JOIN agencies g ON g.id = s.agency_id \
         WHERE s.slug = $1",
    )
    .bind(slug)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(row) = published else { return Ok(None) };
    let value: serde_json::Value = serde_json::from_str(&row.try_get::<String, _>("definition")?)?;
    Ok(Some((serde_json::to_string_pretty(&value)?, row.try_get("agency")?)))
}

/// The editor's form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditForm {
    definisi: String,
    aksi: String,
}

/// The text checked: the definition, or every mistake.
fn check(text: &str) -> Result<CheckedService, Vec<String>> {
    let definition: ServiceDefinition = serde_json::from_str(text).map_err(|e| vec![e.to_string()])?;
    definition.check().map_err(|errors| errors.into_iter().map(|e| e.to_string()).collect())
}

/// `POST /admin/layanan/baru`: preview, save as a draft, or publish a new service.
pub async fn create(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    save(&state, &context, &officer, None, form).await
}

/// `POST /admin/layanan/{slug}`: preview, save as a draft, or publish a new version.
pub async fn update(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(slug): Path<String>,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    save(&state, &context, &officer, Some(slug), form).await
}

async fn save(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    editing: Option<String>,
    form: EditForm,
) -> AppResult<Response> {
    let state = state.clone();
    let lang = context.lang;
    let agencies = managed_agencies(&state, officer).await?;
    if let Some(slug) = &editing {
        let (_, agency) = current_text(&state, slug).await?.ok_or(AppError::NotFound)?;
        if !agencies.iter().any(|(a, _, _)| *a == agency) {
            return Err(AppError::Forbidden);
        }
    }
    let mut page = EditPage {
        chrome: crate::services::chrome(&state, context, "account", lang.t("svc-edit-title")).await?,
        csrf: officer.csrf.clone(),
        action: editing
            .as_ref()
            .map_or_else(|| "/admin/layanan/baru".into(), |s| format!("/admin/layanan/{s}")),
        text: form.definisi.clone(),
        problems: Vec::new(),
        notice: None,
        preview: None,
    };
    let checked = check(&form.definisi);
    // The slug and agency the text names must be the page's, and an agency of the officer's.
    let named = match &checked {
        Ok(service) => Some((service.definition.slug.clone(), service.definition.agency.clone())),
        Err(_) => serde_json::from_str::<serde_json::Value>(&form.definisi).ok().and_then(|v| {
            Some((v.get("slug")?.as_str()?.to_string(), v.get("agency")?.as_str()?.to_string()))
        }),
    };
    if let Some((slug, agency)) = &named {
        if editing.as_ref().is_some_and(|editing| editing != slug) {
            page.problems.push(lang.t("svc-edit-error-slug"));
        }
        if !agencies.iter().any(|(a, _, _)| a == agency) {
            page.problems.push(lang.t("svc-edit-error-agency"));
        }
        if editing.is_none() && current_text(&state, slug).await?.is_some() {
            page.problems.push(lang.t("svc-edit-error-exists"));
        }
    }
    let actor = officer.principal.actor();
    match form.aksi.as_str() {
        "pratinjau" | "terbitkan" => {
            match &checked {
                Ok(service) => page.preview = Some(preview(lang, service)),
                Err(problems) => page.problems.extend(problems.iter().cloned()),
            }
            if form.aksi == "terbitkan"
                && page.problems.is_empty()
                && let Ok(service) = &checked
            {
                let mut tx = state.db.begin().await?;
                let mut search = crate::portal::search::Indexer::new();
                let published =
                    crate::services::catalogue::publish(&state.db, &mut tx, &mut search, service, &actor)
                        .await?;
                search.finish(&mut tx).await?;
                sqlx::query("DELETE FROM service_drafts WHERE slug = $1")
                    .bind(&service.definition.slug)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                tracing::info!(service = %service.definition.slug, version = published.version, "definition published");
                return Ok(see_other(&format!(
                    "/admin/layanan/{}?terbit={}",
                    service.definition.slug, published.version
                )));
            }
        }
        "simpan" => {
            let Some((slug, agency)) = named.filter(|_| page.problems.is_empty()) else {
                page.problems.push(lang.t("svc-edit-error-draft"));
                return render_status(&page, StatusCode::BAD_REQUEST);
            };
            let agency_id = agencies
                .iter()
                .find(|(a, _, _)| *a == agency)
                .map(|(_, id, _)| *id)
                .ok_or(AppError::Forbidden)?;
            let mut tx = state.db.begin().await?;
            sqlx::query(
                "INSERT INTO service_drafts (slug, agency_id, definition, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (slug) DO UPDATE SET agency_id = $2, definition = $3, updated_at = $4, updated_by = $5",
            )
            .bind(&slug)
            .bind(agency_id)
            .bind(&form.definisi)
            .bind(jiff::Timestamp::now().as_second())
            .bind(&actor)
            .execute(&mut *tx)
            .await?;
            let digest = crate::digest::sha256_hex(form.definisi.as_bytes());
            let entry = crate::audit::Entry {
                actor: &actor,
                action: "service.draft",
                subject: &format!("service/{slug}"),
                digest,
            };
            crate::audit::append(&state.db, &mut tx, &entry).await?;
            tx.commit().await?;
            page.notice = Some(lang.t("svc-edit-saved"));
            page.action = format!("/admin/layanan/{slug}");
            if let Err(problems) = &checked {
                page.problems.extend(problems.iter().cloned());
            }
        }
        _ => return Err(AppError::malformed("aksi")),
    }
    let status = if page.problems.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    render_status(&page, status)
}
