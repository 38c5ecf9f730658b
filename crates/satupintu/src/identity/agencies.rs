//! Agency administration: the directory of agencies (OPD) shown at `/instansi`.
//! Administrators see and edit every agency and create new ones; agency administrators edit
//! only the agencies they administer, and never their region. Every save is one transaction
//! with its audit entry and the agency's search document.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use satupintu_rules::complaint::Problem;
use satupintu_rules::region::RegionCode;

use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::accounts;
use crate::identity::roles::{Officer, Role};
use crate::identity::routes::{FormField, FormPage, MessagePage, chrome};
use crate::portal::routes::render;
use crate::portal::search::{DocKind, Indexer};
use crate::web::extract::{Form, Path};
use crate::web::{RequestContext, see_other};

/// The slug that names the creation page, so no agency may take it.
const RESERVED_SLUG: &str = "baru";

/// An agency as stored: the state an audit entry's digest covers.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AgencyRecord {
    /// URL name.
    pub slug: String,
    /// Name in Indonesian.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// Short name, e.g. `DISDUKCAPIL`.
    pub acronym: String,
    /// The region the agency serves.
    pub region_code: String,
    /// Street address.
    pub address: String,
    /// Telephone.
    pub phone: String,
    /// Contact address.
    pub email: String,
    /// Opening hours in Indonesian.
    pub hours: String,
    /// Opening hours in English.
    pub hours_en: String,
    /// What the agency does, in Indonesian.
    pub description: String,
    /// What the agency does, in English.
    pub description_en: String,
}

/// The agency form's fields. `wilayah` counts only for administrators.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyForm {
    #[serde(default)]
    nama: String,
    #[serde(default)]
    nama_en: String,
    #[serde(default)]
    singkatan: String,
    #[serde(default)]
    wilayah: String,
    #[serde(default)]
    alamat: String,
    #[serde(default)]
    telepon: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    jam: String,
    #[serde(default)]
    jam_en: String,
    #[serde(default)]
    deskripsi: String,
    #[serde(default)]
    deskripsi_en: String,
    /// `1` when the agency works on collective leave days (cuti bersama).
    #[serde(default)]
    cuti_bersama: String,
}

impl AgencyForm {
    fn from_record(a: &AgencyRecord) -> Self {
        Self {
            nama: a.name.clone(),
            nama_en: a.name_en.clone(),
            singkatan: a.acronym.clone(),
            wilayah: a.region_code.clone(),
            alamat: a.address.clone(),
            telepon: a.phone.clone(),
            email: a.email.clone(),
            jam: a.hours.clone(),
            jam_en: a.hours_en.clone(),
            deskripsi: a.description.clone(),
            deskripsi_en: a.description_en.clone(),
            cuti_bersama: String::new(),
        }
    }
}

/// The URL name for an acronym: lowercase ASCII letters and digits, other runs as one hyphen.
pub fn slug_of(acronym: &str) -> String {
    let mut slug = String::new();
    for c in acronym.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

fn is_admin(officer: &Officer) -> bool {
    officer.grants.iter().any(|g| g.role == Role::Admin)
}

fn administers(officer: &Officer, agency_id: i64) -> bool {
    is_admin(officer)
        || officer.grants.iter().any(|g| g.role == Role::AgencyAdmin && g.agency_id == Some(agency_id))
}

fn row_record(row: &sqlx::any::AnyRow) -> anyhow::Result<(i64, AgencyRecord)> {
    Ok((
        row.try_get("id")?,
        AgencyRecord {
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            name_en: row.try_get("name_en")?,
            acronym: row.try_get("acronym")?,
            region_code: row.try_get("region_code")?,
            address: row.try_get("address")?,
            phone: row.try_get("phone")?,
            email: row.try_get("email")?,
            hours: row.try_get("hours")?,
            hours_en: row.try_get("hours_en")?,
            description: row.try_get("description")?,
            description_en: row.try_get("description_en")?,
        },
    ))
}

const COLUMNS: &str = "id, slug, name, name_en, acronym, region_code, address, phone, email, hours, \
     hours_en, description, description_en";

async fn all_agencies(state: &AppState) -> anyhow::Result<Vec<(i64, AgencyRecord)>> {
    let sql = format!("SELECT {COLUMNS} FROM agencies ORDER BY region_code, name");
    sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(state.db.pool())
        .await?
        .iter()
        .map(row_record)
        .collect()
}

async fn agency_by_slug(state: &AppState, slug: &str) -> anyhow::Result<Option<(i64, AgencyRecord)>> {
    let sql = format!("SELECT {COLUMNS} FROM agencies WHERE slug = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(slug)
        .fetch_optional(state.db.pool())
        .await?
        .as_ref()
        .map(row_record)
        .transpose()
}

/// `GET /admin/instansi`: the agencies this reader administers, each with an edit link.
pub async fn list(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    let lang = context.lang;
    let admin = is_admin(&officer);
    let agencies: Vec<_> =
        all_agencies(&state).await?.into_iter().filter(|(id, _)| administers(&officer, *id)).collect();
    if !admin && agencies.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut links = Vec::new();
    if admin {
        links.push(("/admin/instansi/baru".to_string(), lang.t("agencies-new")));
    }
    for (_, a) in &agencies {
        let name = lang.pick(&a.name, &a.name_en);
        links.push((
            format!("/admin/instansi/{}", a.slug),
            lang.t_args("agencies-edit-link", &[("name", name.to_string()), ("acronym", a.acronym.clone())]),
        ));
    }
    links.push(("/admin".to_string(), lang.t("admin-title")));
    let page = MessagePage {
        chrome: chrome(&state, &context, "agencies-title").await?,
        paragraphs: vec![lang.t(if admin { "agencies-intro-admin" } else { "agencies-intro" })],
        codes: Vec::new(),
        links,
    };
    render(&page)
}

fn field(
    lang: Lang,
    name: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: &str,
) -> FormField {
    FormField {
        name,
        label: lang.t(&format!("agencies-field-{}", name.replace('_', "-"))),
        kind,
        autocomplete,
        inputmode: "",
        value: value.to_string(),
        hint: None,
        error: None,
        required: true,
    }
}

fn form_page(
    chrome: crate::web::page::Chrome,
    action: String,
    csrf: &str,
    form: &AgencyForm,
    with_region: bool,
) -> FormPage {
    let lang = chrome.lang;
    let mut page = FormPage::new(chrome, action, csrf, lang.t("agencies-save"));
    let mut fields = vec![
        field(lang, "nama", "text", "organization", &form.nama),
        field(lang, "nama_en", "text", "off", &form.nama_en),
        field(lang, "singkatan", "text", "off", &form.singkatan),
    ];
    if with_region {
        let mut region = field(lang, "wilayah", "text", "off", &form.wilayah);
        region.hint = Some(lang.t("agencies-field-wilayah-hint"));
        fields.push(region);
    }
    fields.extend([
        field(lang, "alamat", "text", "street-address", &form.alamat),
        field(lang, "telepon", "tel", "tel", &form.telepon),
        field(lang, "email", "email", "email", &form.email),
        field(lang, "jam", "text", "off", &form.jam),
        field(lang, "jam_en", "text", "off", &form.jam_en),
        field(lang, "deskripsi", "text", "off", &form.deskripsi),
        field(lang, "deskripsi_en", "text", "off", &form.deskripsi_en),
    ]);
    let mut leave = field(lang, "cuti_bersama", "checkbox", "off", &form.cuti_bersama);
    leave.required = false;
    leave.hint = Some(lang.t("agencies-field-cuti_bersama-hint"));
    fields.push(leave);
    page.fields = fields;
    page.links = vec![("/admin/instansi".into(), lang.t("agencies-title"))];
    page
}

fn set_error(page: &mut FormPage, name: &str, message: String) {
    if let Some(f) = page.fields.iter_mut().find(|f| f.name == name) {
        f.error = Some(message);
    }
}

/// Checks the text fields and returns the record they describe (slug and region left to the
/// caller), writing a message beside every wrong field.
fn check_fields(lang: Lang, page: &mut FormPage, form: &AgencyForm) -> AgencyRecord {
    let limits: [(&str, &str, usize, usize); 9] = [
        ("nama", &form.nama, 3, 150),
        ("nama_en", &form.nama_en, 3, 150),
        ("singkatan", &form.singkatan, 2, 30),
        ("alamat", &form.alamat, 5, 300),
        ("jam", &form.jam, 3, 200),
        ("jam_en", &form.jam_en, 3, 200),
        ("deskripsi", &form.deskripsi, 10, 2000),
        ("deskripsi_en", &form.deskripsi_en, 10, 2000),
        ("telepon", &form.telepon, 5, 30),
    ];
    for (name, value, min, max) in limits {
        match satupintu_rules::complaint::length_problem(value.trim(), min, max) {
            None => {}
            Some(Problem::Required) => set_error(page, name, lang.t("agencies-error-required")),
            Some(_) => set_error(
                page,
                name,
                lang.t_args("agencies-error-length", &[("min", min.to_string()), ("max", max.to_string())]),
            ),
        }
    }
    let phone = form.telepon.trim();
    let phone_ok = phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && phone.chars().filter(char::is_ascii_digit).count() >= 5;
    if !phone.is_empty() && !phone_ok {
        set_error(page, "telepon", lang.t("agencies-error-phone"));
    }
    let email = accounts::normalize_email(&form.email);
    if email.is_empty() {
        set_error(page, "email", lang.t("agencies-error-required"));
    } else if !accounts::plausible_email(&email) || email.chars().count() > 254 {
        set_error(page, "email", lang.t("agencies-error-email"));
    }
    let acronym = form.singkatan.trim();
    if !acronym.is_empty() && slug_of(acronym).is_empty() {
        set_error(page, "singkatan", lang.t("agencies-error-acronym"));
    }
    AgencyRecord {
        slug: String::new(),
        name: form.nama.trim().to_string(),
        name_en: form.nama_en.trim().to_string(),
        acronym: acronym.to_string(),
        region_code: String::new(),
        address: form.alamat.trim().to_string(),
        phone: phone.to_string(),
        email,
        hours: form.jam.trim().to_string(),
        hours_en: form.jam_en.trim().to_string(),
        description: form.deskripsi.trim().to_string(),
        description_en: form.deskripsi_en.trim().to_string(),
    }
}

/// The region an administrator typed, if it exists and one of their grants covers it.
async fn check_region(
    state: &AppState,
    lang: Lang,
    officer: &Officer,
    page: &mut FormPage,
    text: &str,
) -> AppResult<Option<String>> {
    let found = match RegionCode::parse(text.trim()) {
        Ok(code) => crate::regions::find(&state.db, &code).await?.map(|r| r.code),
        Err(_) => None,
    };
    match found {
        None => {
            set_error(page, "wilayah", lang.t("agencies-error-region"));
            Ok(None)
        }
        Some(code) if officer.grants.iter().any(|g| g.role == Role::Admin && g.covers_region(&code)) => {
            Ok(Some(code))
        }
        Some(_) => {
            set_error(page, "wilayah", lang.t("agencies-error-region-scope"));
            Ok(None)
        }
    }
}

fn has_errors(page: &FormPage) -> bool {
    page.fields.iter().any(|f| f.error.is_some())
}

/// Writes the agency's search document and the audit entry, in the save's transaction.
async fn index_and_record(
    state: &AppState,
    tx: &mut crate::db::Tx,
    officer: &Officer,
    action: &str,
    record: &AgencyRecord,
) -> anyhow::Result<()> {
    let mut search = Indexer::new();
    // The same document the content import writes, so search finds an edited agency alike.
    let body = format!("{} {} {} {}", record.acronym, record.description, record.address, record.hours);
    search.index(tx, DocKind::Agency, &record.slug, &record.name, &body, 0).await?;
    search.finish(tx).await?;
    let actor = officer.principal.actor();
    let subject = format!("agency/{}", record.slug);
    let entry =
        audit::Entry { actor: &actor, action, subject: &subject, digest: audit::store::digest_of(record) };
    audit::append(&state.db, tx, &entry).await?;
    Ok(())
}

/// `GET /admin/instansi/baru`: the new-agency form (administrators only).
pub async fn new_form(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    if !is_admin(&officer) {
        return Err(AppError::Forbidden);
    }
    let installation = crate::portal::store::installation(&state.db).await?;
    let form = AgencyForm { wilayah: installation.region_code, ..AgencyForm::default() };
    let chrome = chrome(&state, &context, "agencies-new").await?;
    form_page(chrome, "/admin/instansi/baru".into(), &officer.csrf, &form, true).respond(StatusCode::OK)
}

/// `POST /admin/instansi/baru`: creates an agency whose URL name comes from its acronym.
pub async fn create(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Form(form): Form<AgencyForm>,
) -> AppResult<Response> {
    if !is_admin(&officer) {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang;
    let chrome = chrome(&state, &context, "agencies-new").await?;
    let mut page = form_page(chrome, "/admin/instansi/baru".into(), &officer.csrf, &form, true);
    let mut record = check_fields(lang, &mut page, &form);
    let region = check_region(&state, lang, &officer, &mut page, &form.wilayah).await?;
    let (false, Some(region)) = (has_errors(&page), region) else {
        return page.respond(StatusCode::BAD_REQUEST);
    };
    record.region_code = region;
    record.slug = slug_of(&record.acronym);
    let taken = |page: &mut FormPage, slug: &str| {
        set_error(page, "singkatan", lang.t_args("agencies-error-taken", &[("slug", slug.to_string())]));
    };
    if record.slug == RESERVED_SLUG {
        taken(&mut page, &record.slug);
        return page.respond(StatusCode::CONFLICT);
    }
    let mut tx = state.db.begin().await?;
    // ON CONFLICT makes the uniqueness check and the insert one step, so two requests racing
    // for the same slug end in one agency and one 409, never a failed insert.
    let inserted = sqlx::query(
        "INSERT INTO agencies (slug, name, name_en, acronym, region_code, address, phone, email, \
           hours, hours_en, description, description_en) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (slug) DO NOTHING RETURNING id",
    )
    .bind(&record.slug)
    .bind(&record.name)
    .bind(&record.name_en)
    .bind(&record.acronym)
    .bind(&record.region_code)
    .bind(&record.address)
    .bind(&record.phone)
    .bind(&record.email)
    .bind(&record.hours)
    .bind(&record.hours_en)
    .bind(&record.description)
    .bind(&record.description_en)
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        drop(tx);
        tracing::info!(slug = %record.slug, "agency refused: slug taken");
        taken(&mut page, &record.slug);
        return page.respond(StatusCode::CONFLICT);
    }
    index_and_record(&state, &mut tx, &officer, "agency.create", &record).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/instansi/{}", record.slug)))
}

/// Loads an agency the officer may edit: 404 when unknown, 403 when not theirs.
async fn editable(state: &AppState, officer: &Officer, slug: &str) -> AppResult<(i64, AgencyRecord)> {
    let Some((id, record)) = agency_by_slug(state, slug).await? else {
        return Err(AppError::NotFound);
    };
    if !administers(officer, id) {
        tracing::warn!(account = officer.principal.account_id, slug, "agency edit refused: out of scope");
        return Err(AppError::Forbidden);
    }
    Ok((id, record))
}

/// `GET /admin/instansi/{slug}`: an agency's edit form.
pub async fn edit_form(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let (id, record) = editable(&state, &officer, &slug).await?;
    let chrome = chrome(&state, &context, "agencies-edit").await?;
    let mut form = AgencyForm::from_record(&record);
    if crate::calendar::policy_of_agency(&state.db, id).await?
        == satupintu_rules::calendar::LeavePolicy::PublicHolidaysOnly
    {
        form.cuti_bersama = "1".into();
    }
    form_page(chrome, format!("/admin/instansi/{slug}"), &officer.csrf, &form, is_admin(&officer))
        .respond(StatusCode::OK)
}

/// `POST /admin/instansi/{slug}`: saves an agency's details; only administrators move it to
/// another region.
pub async fn update(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(slug): Path<String>,
    Form(form): Form<AgencyForm>,
) -> AppResult<Response> {
    let (id, current) = editable(&state, &officer, &slug).await?;
    let lang = context.lang;
    let admin = is_admin(&officer);
    if !admin && !form.wilayah.trim().is_empty() && form.wilayah.trim() != current.region_code {
        return Err(AppError::Forbidden);
    }
    let chrome = chrome(&state, &context, "agencies-edit").await?;
    let mut page = form_page(chrome, format!("/admin/instansi/{slug}"), &officer.csrf, &form, admin);
    let mut record = check_fields(lang, &mut page, &form);
    record.slug = current.slug.clone();
    record.region_code = if admin {
        check_region(&state, lang, &officer, &mut page, &form.wilayah).await?.unwrap_or_default()
    } else {
        current.region_code.clone()
    };
    if has_errors(&page) {
        return page.respond(StatusCode::BAD_REQUEST);
    }
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE agencies SET name = $1, name_en = $2, acronym = $3, region_code = $4, address = $5, \
           phone = $6, email = $7, hours = $8, hours_en = $9, description = $10, description_en = $11, \
           collective_leave_worked = $13 \
         WHERE id = $12",
    )
    .bind(&record.name)
    .bind(&record.name_en)
    .bind(&record.acronym)
    .bind(&record.region_code)
    .bind(&record.address)
    .bind(&record.phone)
    .bind(&record.email)
    .bind(&record.hours)
    .bind(&record.hours_en)
    .bind(&record.description)
    .bind(&record.description_en)
    .bind(id)
    .bind(i64::from(form.cuti_bersama == "1"))
    .execute(&mut *tx)
    .await?;
    index_and_record(&state, &mut tx, &officer, "agency.update", &record).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/instansi/{}", record.slug)))
}

#[cfg(test)]
mod tests {
    use super::slug_of;

    #[test]
    fn slugs_are_lowercase_ascii_with_single_hyphens() {
        assert_eq!(slug_of("DISDUKCAPIL"), "disdukcapil");
        assert_eq!(slug_of("  Kec. Genteng  "), "kec-genteng");
        assert_eq!(slug_of("BPBD--Kota"), "bpbd-kota");
        assert_eq!(slug_of("Ümlaut"), "mlaut");
        assert_eq!(slug_of("…"), "");
    }
}
