//! Officer management: who works in the back office, and in which scope. Administrators see
//! every officer and may grant any role within the installation's region; agency
//! administrators see the officers who hold a role in one of their agencies and may grant
//! only the working roles (officer, supervisor, content editor) there, in a region their own
//! grant covers. A new officer gets a one-time password and an enrolled second factor, shown
//! once. Every grant and revocation is an audit entry; the installation never loses its
//! last administrator.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use satupintu_rules::region::RegionCode;

use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::accounts;
use crate::identity::privacy::Input;
use crate::identity::roles::{self, Grant, Officer, Permission, Role};
use crate::identity::routes::{EmptyForm, MessagePage};
use crate::portal::model::Installation;
use crate::portal::routes::{render, render_status};
use crate::portal::store as portal_store;
use crate::web::extract::{Form, Path};
use crate::web::page::Chrome;
use crate::web::{RequestContext, see_other};

/// Roles an agency administrator may hand out, in their own agency only.
pub const AGENCY_GRANTABLE: [Role; 3] = [Role::Officer, Role::Supervisor, Role::ContentEditor];
/// Shortest and longest officer name, in characters.
const NAME_CHARS: std::ops::RangeInclusive<usize> = 2..=100;

// ---------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------

/// One role an officer holds, with its agency's names for display.
#[derive(Clone, Debug)]
pub struct HeldRole {
    /// The row's id (for revoking).
    pub id: i64,
    /// The role in its scope.
    pub grant: Grant,
    /// The agency's name, when the role is an agency's.
    pub agency_name: Option<String>,
    /// The agency's name in English.
    pub agency_name_en: Option<String>,
}

impl HeldRole {
    /// `Petugas — Dinas … — 35.78.01` in the reader's language.
    pub fn describe(&self, lang: Lang) -> String {
        let agency = match (&self.agency_name, &self.agency_name_en) {
            (Some(id), Some(en)) => lang.pick(id, en).to_string(),
            _ => lang.t("officers-installation"),
        };
        format!("{} — {agency} — {}", role_label(lang, self.grant.role), self.grant.region_code)
    }
}

/// An officer's account and roles.
#[derive(Clone, Debug)]
pub struct OfficerRecord {
    /// The account id.
    pub account_id: i64,
    /// The name.
    pub name: String,
    /// The sign-in address.
    pub email: Option<String>,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// The roles held.
    pub roles: Vec<HeldRole>,
}

/// An agency as the forms offer it.
#[derive(Clone, Debug)]
pub struct AgencyChoice {
    /// The id.
    pub id: i64,
    /// The URL name.
    pub slug: String,
    /// The name.
    pub name: String,
    /// The name in English.
    pub name_en: String,
}

/// What revoking a role did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoked {
    /// The role is gone.
    Done,
    /// Refused: it is the installation's last administrator role.
    LastAdmin,
    /// The role was revoked meanwhile.
    Gone,
}

/// A role's name in the reader's language.
pub fn role_label(lang: Lang, role: Role) -> String {
    lang.t(&format!("role-{}", role.as_str().replace('_', "-")))
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

/// Whether an officer may grant (or revoke) a role in a scope: an administrator anything
/// within the installation's region; an agency administrator the working roles in their
/// own agency, in a region their grant covers.
pub fn may_grant(officer: &Officer, installation_region: &str, grant: &Grant) -> bool {
    let installation = Grant { role: Role::Admin, agency_id: None, region_code: installation_region.into() };
    officer.grants.iter().any(|g| match g.role {
        Role::Admin => installation.covers_region(&grant.region_code) && g.covers_region(&grant.region_code),
        Role::AgencyAdmin => {
            AGENCY_GRANTABLE.contains(&grant.role)
                && g.agency_id.is_some()
                && grant.agency_id == g.agency_id
                && g.covers_region(&grant.region_code)
        }
        _ => false,
    })
}

/// Whether an officer sees every officer (administrators do).
fn sees_all(officer: &Officer) -> bool {
    officer.grants.iter().any(|g| g.role == Role::Admin)
}

/// The agencies an agency administrator manages.
fn own_agencies(officer: &Officer) -> Vec<i64> {
    officer.grants.iter().filter(|g| g.role == Role::AgencyAdmin).filter_map(|g| g.agency_id).collect()
}

/// Whether an officer may see (and manage) another: administrators see everyone; agency
/// administrators those who hold a role in one of their agencies.
pub fn may_see(officer: &Officer, record: &OfficerRecord) -> bool {
    if sees_all(officer) {
        return true;
    }
    let own = own_agencies(officer);
    record.roles.iter().any(|r| r.grant.agency_id.is_some_and(|a| own.contains(&a)))
}

/// The roles an officer may offer in the forms.
fn grantable_roles(officer: &Officer) -> Vec<Role> {
    if sees_all(officer) {
        Role::ALL.to_vec()
    } else if officer.grants.iter().any(|g| g.role == Role::AgencyAdmin) {
        AGENCY_GRANTABLE.to_vec()
    } else {
        Vec::new()
    }
}

// ---------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------

fn held_role(row: &sqlx::any::AnyRow) -> anyhow::Result<(i64, HeldRole)> {
    let role: String = row.try_get("role")?;
    Ok((
        row.try_get("account_id")?,
        HeldRole {
            id: row.try_get("id")?,
            grant: Grant {
                role: Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?,
                agency_id: row.try_get("agency_id")?,
                region_code: row.try_get("region_code")?,
            },
            agency_name: row.try_get("agency_name")?,
            agency_name_en: row.try_get("agency_name_en")?,
        },
    ))
}

fn officer_record(
    row: &sqlx::any::AnyRow,
    roles: &mut Vec<(i64, HeldRole)>,
) -> anyhow::Result<OfficerRecord> {
    let account_id: i64 = row.try_get("id")?;
    let (own, rest): (Vec<_>, Vec<_>) =
        std::mem::take(roles).into_iter().partition(|(a, _)| *a == account_id);
    *roles = rest;
    Ok(OfficerRecord {
        account_id,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        roles: own.into_iter().map(|(_, r)| r).collect(),
    })
}

const ROLE_COLUMNS: &str = "r.id, r.account_id, r.role, r.agency_id, r.region_code, \
                            g.name AS agency_name, g.name_en AS agency_name_en";

/// Every officer with their roles, by name.
pub async fn officers(db: &Db) -> anyhow::Result<Vec<OfficerRecord>> {
    let rows = sqlx::query(
        "SELECT id, name, email, disabled_at FROM accounts WHERE kind = 'officer' ORDER BY name, id",
    )
    .fetch_all(db.pool())
    .await?;
    let sql = format!(
        "SELECT {ROLE_COLUMNS} FROM officer_roles r LEFT JOIN agencies g ON g.id = r.agency_id ORDER BY r.id"
    );
    let mut roles = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(held_role)
        .collect::<anyhow::Result<Vec<_>>>()?;
    rows.iter().map(|row| officer_record(row, &mut roles)).collect()
}

/// One officer with their roles.
pub async fn officer(db: &Db, account_id: i64) -> anyhow::Result<Option<OfficerRecord>> {
    let row =
        sqlx::query("SELECT id, name, email, disabled_at FROM accounts WHERE id = $1 AND kind = 'officer'")
            .bind(account_id)
            .fetch_optional(db.pool())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let sql = format!(
        "SELECT {ROLE_COLUMNS} FROM officer_roles r LEFT JOIN agencies g ON g.id = r.agency_id \
         WHERE r.account_id = $1 ORDER BY r.id"
    );
    let mut roles = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(held_role)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Some(officer_record(&row, &mut roles)?))
}

/// Every agency, by name.
pub async fn agencies(db: &Db) -> anyhow::Result<Vec<AgencyChoice>> {
    let rows = sqlx::query("SELECT id, slug, name, name_en FROM agencies ORDER BY name")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            Ok(AgencyChoice {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
                name_en: row.try_get("name_en")?,
            })
        })
        .collect()
}

/// Grants a role with its audit entry; `false` when the officer already holds it.
pub async fn add_role(
    db: &Db,
    tx: &mut Tx,
    account_id: i64,
    grant: &Grant,
    actor: &str,
) -> anyhow::Result<bool> {
    if !roles::grant(tx, account_id, grant).await? {
        return Ok(false);
    }
    let subject = format!("account/{account_id}/{}", grant.role.as_str());
    accounts::record(db, tx, actor, "officer.grant", &subject).await?;
    Ok(true)
}

/// Revokes a role with its audit entry, unless it is the last administrator role of an
/// active account.
pub async fn revoke(
    db: &Db,
    tx: &mut Tx,
    account_id: i64,
    role: &HeldRole,
    actor: &str,
) -> anyhow::Result<Revoked> {
    if role.grant.role == Role::Admin {
        // Two administrators revoking each other at once must not both see "one left";
        // touching one shared row makes the second wait for the first on PostgreSQL (SQLite's
        // BEGIN IMMEDIATE already serialises writers), and its count then sees the first.
        sqlx::query("UPDATE settings SET value = value WHERE key = 'installation.region_code'")
            .execute(&mut **tx)
            .await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, \
                    SUM(CASE WHEN a.id = $1 THEN 1 ELSE 0 END) AS mine \
             FROM officer_roles r JOIN accounts a ON a.id = r.account_id \
             WHERE r.role = 'admin' AND a.disabled_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await?;
        let active: i64 = row.try_get("n")?;
        let mine: Option<i64> = row.try_get("mine")?;
        if mine.unwrap_or(0) > 0 && active <= 1 {
            return Ok(Revoked::LastAdmin);
        }
    }
    let done = sqlx::query("DELETE FROM officer_roles WHERE id = $1 AND account_id = $2")
        .bind(role.id)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(Revoked::Gone);
    }
    let subject = format!("account/{account_id}/{}", role.grant.role.as_str());
    accounts::record(db, tx, actor, "officer.revoke", &subject).await?;
    Ok(Revoked::Done)
}

// ---------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------

/// The new-officer form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    nama: String,
    #[serde(default)]
    peran: String,
    #[serde(default)]
    instansi: String,
    #[serde(default)]
    wilayah: String,
}

/// The grant form on an officer's page.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantForm {
    #[serde(default)]
    peran: String,
    #[serde(default)]
    instansi: String,
    #[serde(default)]
    wilayah: String,
}

/// The scope inputs (role, agency, region), with the choices this officer may offer.
fn scope_inputs(
    lang: Lang,
    officer: &Officer,
    agencies: &[AgencyChoice],
    installation: &Installation,
    form: &GrantForm,
) -> Vec<Input> {
    let mut role = Input::new(lang, "peran", "select", "officers-field-role");
    role.options =
        grantable_roles(officer).into_iter().map(|r| (r.as_str().to_string(), role_label(lang, r))).collect();
    role.value = form.peran.clone();
    let mut agency = Input::new(lang, "instansi", "select", "officers-field-agency");
    agency.hint = Some(lang.t("officers-field-agency-hint"));
    let own = own_agencies(officer);
    let all = sees_all(officer);
    if all {
        agency.options.push((String::new(), lang.t("officers-installation")));
    }
    agency.options.extend(
        agencies
            .iter()
            .filter(|a| all || own.contains(&a.id))
            .map(|a| (a.slug.clone(), lang.pick(&a.name, &a.name_en).to_string())),
    );
    agency.value = form.instansi.clone();
    let mut region = Input::new(lang, "wilayah", "text", "officers-field-region");
    region.hint = Some(lang.t("officers-field-region-hint"));
    region.value = if form.wilayah.is_empty() {
        // The widest region the officer may grant in, as a sensible start.
        officer
            .grants
            .iter()
            .find(|g| g.role == Role::Admin)
            .map(|_| installation.region_code.clone())
            .or_else(|| {
                officer.grants.iter().find(|g| g.role == Role::AgencyAdmin).map(|g| g.region_code.clone())
            })
            .unwrap_or_else(|| installation.region_code.clone())
    } else {
        form.wilayah.clone()
    };
    vec![role, agency, region]
}

fn set_error(inputs: &mut [Input], name: &str, message: String) {
    if let Some(input) = inputs.iter_mut().find(|i| i.name == name) {
        input.error = Some(message);
    }
}

fn errors_of(inputs: &[Input]) -> Vec<(String, String)> {
    inputs.iter().filter_map(|i| i.error.clone().map(|e| (i.id.clone(), e))).collect()
}

/// Checks role, agency and region, marking the inputs; the grant when all three are right.
async fn parse_grant(
    state: &AppState,
    lang: Lang,
    agencies: &[AgencyChoice],
    form: &GrantForm,
    inputs: &mut [Input],
) -> AppResult<Option<Grant>> {
    let role = Role::parse(form.peran.trim());
    if role.is_none() {
        set_error(inputs, "peran", lang.t("officers-error-role"));
    }
    let slug = form.instansi.trim();
    let agency_id = if slug.is_empty() {
        Ok(None)
    } else {
        agencies.iter().find(|a| a.slug == slug).map(|a| Some(a.id)).ok_or(())
    };
    match (&agency_id, role) {
        (Err(()), _) => set_error(inputs, "instansi", lang.t("officers-error-agency")),
        (Ok(Some(_)), Some(Role::Admin | Role::Auditor)) => {
            set_error(inputs, "instansi", lang.t("officers-error-agency-installation"));
        }
        (Ok(None), Some(r)) if !matches!(r, Role::Admin | Role::Auditor) => {
            set_error(inputs, "instansi", lang.t("officers-error-agency-required"));
        }
        _ => {}
    }
    let region = match RegionCode::parse(form.wilayah.trim()) {
        Ok(code) => crate::regions::find(&state.db, &code).await?.map(|r| r.code),
        Err(_) => None,
    };
    if region.is_none() {
        set_error(inputs, "wilayah", lang.t("officers-error-region"));
    }
    Ok(match (role, agency_id, region) {
        (Some(role), Ok(agency_id), Some(region_code)) if inputs.iter().all(|i| i.error.is_none()) => {
            Some(Grant { role, agency_id, region_code })
        }
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------

/// One officer in the list.
pub struct ListRow {
    /// The officer's page.
    pub href: String,
    /// The name.
    pub name: String,
    /// The sign-in address.
    pub email: String,
    /// Their roles, described.
    pub roles: Vec<String>,
}

/// `/admin/petugas`.
#[derive(Template)]
#[template(path = "admin/officers_list.html")]
pub struct ListPage {
    /// The frame.
    pub chrome: Chrome,
    /// The CSRF token.
    pub csrf: String,
    /// The officers this reader may see.
    pub officers: Vec<ListRow>,
    /// Errors, each with the id of its field, for the summary.
    pub errors: Vec<(String, String)>,
    /// The new-officer form's inputs.
    pub fields: Vec<Input>,
}

/// One role on an officer's page.
pub struct RoleRow {
    /// The role, described.
    pub text: String,
    /// Where its revoke button posts, when the reader may revoke it.
    pub revoke_href: Option<String>,
}

/// `/admin/petugas/{id}`.
#[derive(Template)]
#[template(path = "admin/officers_detail.html")]
pub struct DetailPage {
    /// The frame.
    pub chrome: Chrome,
    /// The CSRF token.
    pub csrf: String,
    /// Name, email, state.
    pub facts: Vec<(String, String)>,
    /// The roles held.
    pub roles: Vec<RoleRow>,
    /// Where the grant form posts.
    pub action: String,
    /// Errors, each with the id of its field, for the summary.
    pub errors: Vec<(String, String)>,
    /// The grant form's inputs.
    pub fields: Vec<Input>,
}

/// The result of creating an officer: shown once.
#[derive(Template)]
#[template(path = "admin/officers_created.html")]
pub struct CreatedPage {
    /// The frame.
    pub chrome: Chrome,
    /// Who, with which role.
    pub summary: String,
    /// The sign-in address.
    pub email: String,
    /// The one-time password.
    pub password: String,
    /// The `otpauth://` URI.
    pub uri: String,
    /// Its QR code.
    pub qr_svg: String,
    /// The secret for typing by hand.
    pub manual_secret: String,
    /// The new officer's page.
    pub href: String,
}

fn respond(page: &impl Template, status: StatusCode) -> AppResult<Response> {
    render_status(page, status)
}

async fn list_page(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    installation: &Installation,
    form: &CreateForm,
) -> AppResult<ListPage> {
    let lang = context.lang;
    let officers = officers(&state.db)
        .await?
        .into_iter()
        .filter(|o| may_see(officer, o))
        .map(|o| ListRow {
            href: format!("/admin/petugas/{}", o.account_id),
            name: if o.disabled { format!("{} ({})", o.name, lang.t("officers-disabled")) } else { o.name },
            email: o.email.unwrap_or_default(),
            roles: o.roles.iter().map(|r| r.describe(lang)).collect(),
        })
        .collect();
    let agencies = agencies(&state.db).await?;
    let mut email = Input::new(lang, "email", "email", "officers-field-email");
    email.value = form.email.clone();
    let mut name = Input::new(lang, "nama", "text", "officers-field-name");
    name.value = form.nama.clone();
    let scope = GrantForm {
        peran: form.peran.clone(),
        instansi: form.instansi.clone(),
        wilayah: form.wilayah.clone(),
    };
    let mut fields = vec![email, name];
    fields.extend(scope_inputs(lang, officer, &agencies, installation, &scope));
    Ok(ListPage {
        chrome: Chrome::new(context, installation, "account", lang.t("officers-title")),
        csrf: officer.csrf.clone(),
        officers,
        errors: Vec::new(),
        fields,
    })
}

/// `GET /admin/petugas`: the officers this reader may manage, and the new-officer form.
pub async fn list(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
) -> AppResult<Response> {
    officer.require(Permission::ManageOfficers)?;
    let installation = portal_store::installation(&state.db).await?;
    let page = list_page(&state, &context, &officer, &installation, &CreateForm::default()).await?;
    render(&page)
}

/// `POST /admin/petugas`: creates an officer (or gives an existing officer another role)
/// within the reader's scope; a new officer's one-time password and second-factor secret are
/// shown once.
pub async fn create(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    officer.require(Permission::ManageOfficers)?;
    let lang = context.lang;
    let installation = portal_store::installation(&state.db).await?;
    let mut page = list_page(&state, &context, &officer, &installation, &form).await?;
    let email = accounts::normalize_email(&form.email);
    if !accounts::plausible_email(&email) {
        set_error(&mut page.fields, "email", lang.t("officers-error-email"));
    }
    let name = form.nama.trim().to_string();
    if !NAME_CHARS.contains(&name.chars().count()) {
        set_error(&mut page.fields, "nama", lang.t("officers-error-name"));
    }
    let agencies = agencies(&state.db).await?;
    let scope = GrantForm {
        peran: form.peran.clone(),
        instansi: form.instansi.clone(),
        wilayah: form.wilayah.clone(),
    };
    let grant = parse_grant(&state, lang, &agencies, &scope, &mut page.fields).await?;
    page.errors = errors_of(&page.fields);
    let Some(grant) = grant.filter(|_| page.errors.is_empty()) else {
        return respond(&page, StatusCode::BAD_REQUEST);
    };
    if !may_grant(&officer, &installation.region_code, &grant) {
        tracing::warn!(
            officer = officer.principal.account_id,
            role = grant.role.as_str(),
            "grant outside the officer's scope refused"
        );
        return Err(AppError::Forbidden);
    }
    let existing = sqlx::query("SELECT kind FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(state.db.pool())
        .await?;
    if let Some(row) = existing
        && row.try_get::<String, _>("kind")? != "officer"
    {
        // Officers need their own account; a citizen's is never turned into one.
        set_error(&mut page.fields, "email", lang.t("officers-error-email-citizen"));
        page.errors = errors_of(&page.fields);
        return respond(&page, StatusCode::CONFLICT);
    }
    let created = accounts::create_officer(
        &state.db,
        &state.fields,
        &email,
        &name,
        &grant,
        &state.hasher,
        &officer.principal.actor(),
    )
    .await?;
    tracing::info!(
        officer = officer.principal.account_id,
        account = created.account_id,
        role = grant.role.as_str(),
        "officer role granted"
    );
    let href = format!("/admin/petugas/{}", created.account_id);
    let (Some(password), Some(secret)) = (created.one_time_password, created.totp_secret) else {
        // An existing officer got another role: nothing to show once.
        return Ok(see_other(&href));
    };
    let uri =
        crate::identity::totp::otpauth_uri(&secret, &format!("Satu Pintu {}", installation.name), &email)?;
    let page = CreatedPage {
        chrome: Chrome::new(&context, &installation, "account", lang.t("officers-created-title")),
        summary: lang.t_args(
            "officers-created-summary",
            &[("name", name), ("role", role_label(lang, grant.role)), ("region", grant.region_code.clone())],
        ),
        email,
        password,
        qr_svg: crate::identity::totp::qr_svg(&uri, crate::identity::totp::QR_LABEL)?,
        uri,
        manual_secret: crate::identity::totp::secret_base32(&secret),
        href,
    };
    respond(&page, StatusCode::CREATED)
}

/// Loads an officer the reader may see: 404 when there is no such officer, 403 outside scope.
async fn visible_officer(state: &AppState, officer: &Officer, account_id: i64) -> AppResult<OfficerRecord> {
    officer.require(Permission::ManageOfficers)?;
    let record = self::officer(&state.db, account_id).await?.ok_or(AppError::NotFound)?;
    if !may_see(officer, &record) {
        tracing::warn!(
            officer = officer.principal.account_id,
            account = account_id,
            "officer outside scope refused"
        );
        return Err(AppError::Forbidden);
    }
    Ok(record)
}

async fn detail_page(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    installation: &Installation,
    record: &OfficerRecord,
    form: &GrantForm,
) -> AppResult<DetailPage> {
    let lang = context.lang;
    let agencies = agencies(&state.db).await?;
    let facts = vec![
        (lang.t("officers-field-name"), record.name.clone()),
        (lang.t("officers-field-email"), record.email.clone().unwrap_or_default()),
        (
            lang.t("officers-state"),
            lang.t(if record.disabled { "officers-disabled" } else { "officers-active" }),
        ),
    ];
    let roles = record
        .roles
        .iter()
        .map(|r| RoleRow {
            text: r.describe(lang),
            revoke_href: may_grant(officer, &installation.region_code, &r.grant)
                .then(|| format!("/admin/petugas/{}/peran/{}/cabut", record.account_id, r.id)),
        })
        .collect();
    Ok(DetailPage {
        chrome: Chrome::new(context, installation, "account", record.name.clone()),
        csrf: officer.csrf.clone(),
        facts,
        roles,
        action: format!("/admin/petugas/{}/peran", record.account_id),
        errors: Vec::new(),
        fields: scope_inputs(lang, officer, &agencies, installation, form),
    })
}

/// `GET /admin/petugas/{id}`: one officer, their roles (with a revoke button where the reader
/// may revoke), and a form to grant another.
pub async fn detail(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let record = visible_officer(&state, &officer, id).await?;
    let installation = portal_store::installation(&state.db).await?;
    let page = detail_page(&state, &context, &officer, &installation, &record, &GrantForm::default()).await?;
    render(&page)
}

/// `POST /admin/petugas/{id}/peran`: grants a role within the reader's scope.
pub async fn grant_role(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path(id): Path<i64>,
    Form(form): Form<GrantForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let record = visible_officer(&state, &officer, id).await?;
    let installation = portal_store::installation(&state.db).await?;
    let mut page = detail_page(&state, &context, &officer, &installation, &record, &form).await?;
    let agencies = agencies(&state.db).await?;
    let grant = parse_grant(&state, lang, &agencies, &form, &mut page.fields).await?;
    page.errors = errors_of(&page.fields);
    let Some(grant) = grant else {
        return respond(&page, StatusCode::BAD_REQUEST);
    };
    if !may_grant(&officer, &installation.region_code, &grant) {
        tracing::warn!(
            officer = officer.principal.account_id,
            role = grant.role.as_str(),
            "grant outside the officer's scope refused"
        );
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let added = add_role(&state.db, &mut tx, id, &grant, &officer.principal.actor()).await?;
    if !added {
        drop(tx);
        set_error(&mut page.fields, "peran", lang.t("officers-error-already-held"));
        page.errors = errors_of(&page.fields);
        return respond(&page, StatusCode::CONFLICT);
    }
    tx.commit().await?;
    Ok(see_other(&format!("/admin/petugas/{id}")))
}

/// `POST /admin/petugas/{id}/peran/{role_id}/cabut`: revokes a role within the reader's
/// scope; the installation's last administrator role stays (409).
pub async fn revoke_role(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Path((id, role_id)): Path<(i64, i64)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let record = visible_officer(&state, &officer, id).await?;
    let role = record.roles.iter().find(|r| r.id == role_id).ok_or(AppError::NotFound)?;
    let installation = portal_store::installation(&state.db).await?;
    if !may_grant(&officer, &installation.region_code, &role.grant) {
        tracing::warn!(
            officer = officer.principal.account_id,
            role = role_id,
            "revocation outside scope refused"
        );
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    match revoke(&state.db, &mut tx, id, role, &officer.principal.actor()).await? {
        Revoked::Done => {
            tx.commit().await?;
            Ok(see_other(&format!("/admin/petugas/{id}")))
        }
        Revoked::Gone => {
            drop(tx);
            Err(AppError::NotFound)
        }
        Revoked::LastAdmin => {
            drop(tx);
            let page = MessagePage {
                chrome: Chrome::new(&context, &installation, "account", lang.t("officers-last-admin-title")),
                paragraphs: vec![lang.t("officers-last-admin")],
                codes: Vec::new(),
                links: vec![(format!("/admin/petugas/{id}"), record.name.clone())],
            };
            respond(&page, StatusCode::CONFLICT)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::session::{AccountKind, Credential, Principal};

    fn officer_with(grants: Vec<Grant>) -> Officer {
        Officer {
            principal: Principal {
                account_id: 1,
                kind: AccountKind::Officer,
                name: "Uji".into(),
                second_factor: true,
                must_change_password: false,
                credential: Credential::Session { token_hash: String::new(), pending_second_factor: false },
            },
            csrf: String::new(),
            grants,
        }
    }

    fn grant(role: Role, agency_id: Option<i64>, region: &str) -> Grant {
        Grant { role, agency_id, region_code: region.into() }
    }

    #[test]
    fn administrators_grant_anything_within_the_installation() {
        let admin = officer_with(vec![grant(Role::Admin, None, "35.78")]);
        for role in Role::ALL {
            assert!(may_grant(&admin, "35.78", &grant(role, Some(3), "35.78.01")), "{role:?}");
        }
        assert!(may_grant(&admin, "35.78", &grant(Role::Admin, None, "35.78")));
        assert!(!may_grant(&admin, "35.78", &grant(Role::Officer, Some(3), "31.71")));
    }

    #[test]
    fn agency_administrators_grant_working_roles_in_their_agency_and_region() {
        let agency_admin = officer_with(vec![grant(Role::AgencyAdmin, Some(7), "35.78.07")]);
        for role in Role::ALL {
            let allowed = may_grant(&agency_admin, "35.78", &grant(role, Some(7), "35.78.07"));
            assert_eq!(allowed, AGENCY_GRANTABLE.contains(&role), "{role:?}");
        }
        assert!(
            !may_grant(&agency_admin, "35.78", &grant(Role::Officer, Some(8), "35.78.07")),
            "other agency"
        );
        assert!(
            !may_grant(&agency_admin, "35.78", &grant(Role::Officer, Some(7), "35.78.01")),
            "other region"
        );
        assert!(!may_grant(&agency_admin, "35.78", &grant(Role::Officer, None, "35.78.07")), "no agency");
        let officer = officer_with(vec![grant(Role::Officer, Some(7), "35.78")]);
        assert!(!may_grant(&officer, "35.78", &grant(Role::Officer, Some(7), "35.78")));
    }

    #[test]
    fn agency_administrators_see_only_their_agencies_officers() {
        let record = |agency| OfficerRecord {
            account_id: 2,
            name: "Petugas".into(),
            email: None,
            disabled: false,
            roles: vec![HeldRole {
                id: 1,
                grant: grant(Role::Officer, agency, "35.78"),
                agency_name: None,
                agency_name_en: None,
            }],
        };
        let agency_admin = officer_with(vec![grant(Role::AgencyAdmin, Some(7), "35.78")]);
        assert!(may_see(&agency_admin, &record(Some(7))));
        assert!(!may_see(&agency_admin, &record(Some(8))));
        assert!(!may_see(&agency_admin, &record(None)));
        let admin = officer_with(vec![grant(Role::Admin, None, "35.78")]);
        assert!(may_see(&admin, &record(Some(8))));
    }
}
