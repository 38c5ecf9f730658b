//! The holiday calendar as data: loaded for SLA due dates, served by the API, and edited by
//! the installation's administrator at `/admin/kalender`. The counting rules live in
//! [`satupintu_rules::calendar`].

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use satupintu_rules::calendar::{Calendar, DayOff, LeavePolicy};

use crate::app::AppState;
use crate::audit;
use crate::db::Db;
use crate::error::{AppError, AppResult, ParamProblem};
use crate::i18n::Lang;
use crate::identity::privacy::Input;
use crate::identity::roles::{Officer, Permission};
use crate::identity::routes::chrome;
use crate::portal::routes::{render, render_status};
use crate::web::extract::{Form, Path, Query};
use crate::web::page::Chrome;
use crate::web::{RequestContext, see_other};

/// Years the calendar may hold: wide enough for any SLA, narrow enough to catch typos.
const YEARS: std::ops::RangeInclusive<i16> = 2000..=2100;

/// One day off as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Holiday {
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    /// `national` (hari libur nasional) or `collective_leave` (cuti bersama).
    pub kind: String,
    /// The name in Indonesian.
    pub name: String,
    /// The name in English.
    pub name_en: String,
}

/// Every day off, for counting working days. The table holds a few dozen rows a year.
pub async fn load(db: &Db) -> anyhow::Result<std::sync::Arc<Calendar>> {
    if let Some(calendar) = db.recent().calendar.get() {
        return Ok(calendar);
    }
    let calendar = std::sync::Arc::new(read(db).await?);
    db.recent().calendar.put(calendar.clone());
    Ok(calendar)
}

async fn read(db: &Db) -> anyhow::Result<Calendar> {
    let rows = sqlx::query("SELECT day, kind FROM holidays").fetch_all(db.pool()).await?;
    let mut calendar = Calendar::default();
    for row in rows {
        let day: String = row.try_get("day")?;
        let kind: String = row.try_get("kind")?;
        let date: Date = day.parse().map_err(|e| anyhow::anyhow!("holiday {day} is not a date: {e}"))?;
        let kind = DayOff::parse(&kind).ok_or_else(|| anyhow::anyhow!("holiday {day} has kind {kind}"))?;
        calendar.insert(date, kind);
    }
    Ok(calendar)
}

/// The days off of one year, in date order.
pub async fn holidays_of_year(db: &Db, year: i16) -> anyhow::Result<Vec<Holiday>> {
    let rows = sqlx::query(
        "SELECT day, kind, name, name_en FROM holidays WHERE day >= $1 AND day <= $2 ORDER BY day",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Holiday {
                date: row.try_get("day")?,
                kind: row.try_get("kind")?,
                name: row.try_get("name")?,
                name_en: row.try_get("name_en")?,
            })
        })
        .collect()
}

/// The policy an agency's SLA clocks follow.
pub async fn policy_of_agency(db: &Db, agency_id: i64) -> anyhow::Result<LeavePolicy> {
    let worked: Option<i64> = sqlx::query("SELECT collective_leave_worked FROM agencies WHERE id = $1")
        .bind(agency_id)
        .fetch_optional(db.pool())
        .await?
        .map(|row| row.try_get("collective_leave_worked"))
        .transpose()?;
    Ok(leave_policy(worked.unwrap_or(0)))
}

/// The policy an agency's `collective_leave_worked` flag stands for.
pub fn leave_policy(collective_leave_worked: i64) -> LeavePolicy {
    if collective_leave_worked != 0 { LeavePolicy::PublicHolidaysOnly } else { LeavePolicy::CivilService }
}

/// Today's date at the installation (its UTC offset in hours, e.g. 7 for WIB): the day an
/// SLA clock counts from.
pub fn today_at(utc_offset_hours: i8) -> Date {
    let offset = jiff::tz::Offset::from_hours(utc_offset_hours).unwrap_or(jiff::tz::Offset::UTC);
    jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::fixed(offset)).date()
}

fn current_year() -> i16 {
    crate::identity::nik::today_in_indonesia().year()
}

fn year_parameter(year: Option<i16>, name: &str) -> AppResult<i16> {
    let year = year.unwrap_or_else(current_year);
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(AppError::InvalidParameter {
            name: name.into(),
            problem: ParamProblem::OutOfRange { min: (*YEARS.start()).into(), max: (*YEARS.end()).into() },
        })
    }
}

/// Query of the holidays list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HolidaysQuery {
    /// The year, 2000–2100 (default: this year in Indonesia).
    year: Option<i16>,
}

/// The days off of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidaysOfYear {
    /// The year.
    pub year: i16,
    /// National holidays and collective leave, in date order. Weekends are not listed.
    pub holidays: Vec<Holiday>,
}

/// National holidays and collective leave of a year, as the SLA clocks count them.
#[utoipa::path(get, path = "/api/v1/calendar/holidays", tag = "portal", params(HolidaysQuery),
    responses(
        (status = 200, body = HolidaysOfYear),
        (status = 400, body = crate::web::problem::Problem, content_type = "application/problem+json")))]
pub async fn api_holidays(
    State(state): State<AppState>,
    Query(query): Query<HolidaysQuery>,
) -> AppResult<Json<HolidaysOfYear>> {
    let year = year_parameter(query.year, "year")?;
    Ok(Json(HolidaysOfYear { year, holidays: holidays_of_year(&state.db, year).await? }))
}

/// The administrator's calendar page: one year's days off and the form to add one.
#[derive(Template)]
#[template(path = "admin/calendar.html")]
pub struct CalendarPage {
    /// The frame.
    pub chrome: Chrome,
    /// The CSRF token.
    pub csrf: String,
    /// The year shown.
    pub year: i16,
    /// Rows: date as shown, kind as shown, name, and the ISO date for the remove button.
    pub rows: Vec<CalendarRow>,
    /// Errors, each with the id of its field, for the summary.
    pub errors: Vec<(String, String)>,
    /// The add form's inputs.
    pub fields: Vec<Input>,
}

/// One day off on the administrator's page.
pub struct CalendarRow {
    /// `YYYY-MM-DD`.
    pub iso: String,
    /// The date in words, `18 Maret 2026`.
    pub shown: String,
    /// The kind, in the reader's language.
    pub kind: String,
    /// The name, in the reader's language.
    pub name: String,
}

/// Query of the administrator's page.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    tahun: Option<i16>,
}

/// The add form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayForm {
    #[serde(default)]
    tanggal: String,
    #[serde(default)]
    jenis: String,
    #[serde(default)]
    nama: String,
    #[serde(default)]
    nama_en: String,
}

fn require_admin(officer: &Officer) -> AppResult<()> {
    let installation_wide = officer
        .grants
        .iter()
        .any(|g| g.agency_id.is_none() && crate::identity::roles::allows(g.role, Permission::ManageCalendar));
    if installation_wide { Ok(()) } else { Err(AppError::Forbidden) }
}

fn kind_label(lang: Lang, kind: &str) -> String {
    lang.t(if kind == DayOff::National.as_str() { "calendar-kind-national" } else { "calendar-kind-leave" })
}

fn form_inputs(lang: Lang, form: &HolidayForm) -> Vec<Input> {
    let mut date = Input::new(lang, "tanggal", "date", "calendar-field-date");
    date.hint = Some(lang.t("calendar-field-date-hint"));
    date.value = form.tanggal.clone();
    let mut kind = Input::new(lang, "jenis", "select", "calendar-field-kind");
    kind.options = [DayOff::National, DayOff::CollectiveLeave]
        .into_iter()
        .map(|k| (k.as_str().to_string(), kind_label(lang, k.as_str())))
        .collect();
    kind.value = form.jenis.clone();
    let mut name = Input::new(lang, "nama", "text", "calendar-field-name");
    name.value = form.nama.clone();
    let mut name_en = Input::new(lang, "nama_en", "text", "calendar-field-name-en");
    name_en.value = form.nama_en.clone();
    vec![date, kind, name, name_en]
}

async fn page(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    year: i16,
    form: &HolidayForm,
) -> AppResult<CalendarPage> {
    let lang = context.lang;
    let rows = holidays_of_year(&state.db, year)
        .await?
        .into_iter()
        .map(|h| CalendarRow {
            shown: crate::web::page::format_iso_date(lang, &h.date).unwrap_or_else(|| h.date.clone()),
            kind: kind_label(lang, &h.kind),
            name: lang.pick(&h.name, &h.name_en).to_string(),
            iso: h.date,
        })
        .collect();
    Ok(CalendarPage {
        chrome: chrome(state, context, "calendar-title").await?,
        csrf: officer.csrf.clone(),
        year,
        rows,
        errors: Vec::new(),
        fields: form_inputs(lang, form),
    })
}

/// `GET /admin/kalender?tahun=YYYY`.
pub async fn admin_page(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<CalendarQuery>,
) -> AppResult<Response> {
    require_admin(&officer)?;
    let year = year_parameter(query.tahun, "tahun")?;
    render(&page(&state, &context, &officer, year, &HolidayForm::default()).await?)
}

/// What the audit entry of a calendar change covers.
#[derive(Serialize)]
struct HolidayChange<'a> {
    date: &'a str,
    kind: &'a str,
    name: &'a str,
    name_en: &'a str,
}

async fn record(
    state: &AppState,
    tx: &mut crate::db::Tx,
    officer: &Officer,
    action: &str,
    change: &HolidayChange<'_>,
) -> anyhow::Result<()> {
    let actor = officer.principal.actor();
    let subject = format!("holiday/{}", change.date);
    let entry =
        audit::Entry { actor: &actor, action, subject: &subject, digest: audit::store::digest_of(change) };
    audit::append(&state.db, tx, &entry).await?;
    Ok(())
}

/// `POST /admin/kalender`: adds a day off, or replaces the one on that date.
pub async fn save(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Form(form): Form<HolidayForm>,
) -> AppResult<Response> {
    require_admin(&officer)?;
    let lang = context.lang;
    let date = form.tanggal.trim().parse::<Date>().ok().filter(|d| YEARS.contains(&d.year()));
    let kind = DayOff::parse(form.jenis.trim());
    let name = form.nama.trim();
    let name_en = form.nama_en.trim();
    let mut errors = Vec::new();
    if date.is_none() {
        errors.push(("tanggal", lang.t("calendar-error-date")));
    }
    if kind.is_none() {
        errors.push(("jenis", lang.t("calendar-error-kind")));
    }
    for (field, value) in [("nama", name), ("nama_en", name_en)] {
        if !(3..=150).contains(&value.chars().count()) {
            errors.push((field, lang.t("calendar-error-name")));
        }
    }
    let (Some(date), Some(kind), true) = (date, kind, errors.is_empty()) else {
        let year = date.map_or_else(current_year, |d| d.year());
        let mut page = page(&state, &context, &officer, year, &form).await?;
        for (field, message) in errors {
            if let Some(input) = page.fields.iter_mut().find(|i| i.name == field) {
                input.error = Some(message.clone());
            }
            page.errors.push((field.to_string(), message));
        }
        return render_status(&page, StatusCode::BAD_REQUEST);
    };
    let iso = date.to_string();
    let mut tx = state.db.begin().await?;
    // One statement for insert-or-replace, so two administrators saving the same date at once
    // end with one row (the later save), never a failed insert.
    sqlx::query(
        "INSERT INTO holidays (day, kind, name, name_en, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, name_en = excluded.name_en, \
           updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&iso)
    .bind(kind.as_str())
    .bind(name)
    .bind(name_en)
    .bind(jiff::Timestamp::now().as_second())
    .bind(officer.principal.account_id)
    .execute(&mut *tx)
    .await?;
    let change = HolidayChange { date: &iso, kind: kind.as_str(), name, name_en };
    record(&state, &mut tx, &officer, "calendar.save", &change).await?;
    tx.commit().await?;
    state.db.recent().calendar.clear();
    Ok(see_other(&format!("/admin/kalender?tahun={}", date.year())))
}

/// The remove button's (empty) form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveForm {}

/// `POST /admin/kalender/{date}/hapus`: makes the date a working day again.
pub async fn remove(
    State(state): State<AppState>,
    officer: Officer,
    Path(day): Path<String>,
    Form(_): Form<RemoveForm>,
) -> AppResult<Response> {
    require_admin(&officer)?;
    let date: Date = day.parse().map_err(|_| AppError::NotFound)?;
    let iso = date.to_string();
    let mut tx = state.db.begin().await?;
    let removed = sqlx::query("DELETE FROM holidays WHERE day = $1 RETURNING kind, name, name_en")
        .bind(&iso)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(removed) = removed else { return Err(AppError::NotFound) };
    let (kind, name, name_en): (String, String, String) =
        (removed.try_get("kind")?, removed.try_get("name")?, removed.try_get("name_en")?);
    let change = HolidayChange { date: &iso, kind: &kind, name: &name, name_en: &name_en };
    record(&state, &mut tx, &officer, "calendar.remove", &change).await?;
    tx.commit().await?;
    state.db.recent().calendar.clear();
    Ok(see_other(&format!("/admin/kalender?tahun={}", date.year())))
}
