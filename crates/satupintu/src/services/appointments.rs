//! Appointments and the queue at service offices. Officers publish slots (capacity per
//! slot); citizens book, reschedule and cancel, and get the day's queue number and a QR
//! code; the office sees the day's list and calls the next number, which a public display
//! page shows. A slot's `booked` count only moves by conditional updates inside the booking's
//! transaction, so however many citizens race for the last places, exactly the capacity wins.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::roles::{Officer, Permission};
use crate::identity::session::{AccountKind, SignedIn};
use crate::portal::model::Agency;
use crate::portal::routes::{render, render_status};
use crate::web::extract::{Form, Path, Query};
use crate::web::page::{Chrome, format_iso_date};
use crate::web::{RequestContext, see_other};

/// How far ahead citizens see slots, and officers may publish them.
const BOOKING_HORIZON_DAYS: i64 = 30;
const PUBLISH_HORIZON_DAYS: i64 = 365;

/// A published slot.
#[derive(Clone, Debug)]
pub struct Slot {
    /// The id.
    pub id: i64,
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    /// `HH:MM`.
    pub starts_at: String,
    /// `HH:MM`.
    pub ends_at: String,
    /// Places.
    pub capacity: i64,
    /// Places taken.
    pub booked: i64,
}

impl Slot {
    fn free(&self) -> i64 {
        self.capacity - self.booked
    }
}

fn slot_from(row: &sqlx::any::AnyRow) -> anyhow::Result<Slot> {
    Ok(Slot {
        id: row.try_get("id")?,
        day: row.try_get("day")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        capacity: row.try_get("capacity")?,
        booked: row.try_get("booked")?,
    })
}

/// The slots of an office from `first` to `last` (inclusive).
pub async fn slots(db: &Db, agency_id: i64, first: &str, last: &str) -> anyhow::Result<Vec<Slot>> {
    let rows = sqlx::query(
        "SELECT id, day, starts_at, ends_at, capacity, booked FROM appointment_slots \
         WHERE agency_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, starts_at",
    )
    .bind(agency_id)
    .bind(first)
    .bind(last)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(slot_from).collect()
}

/// Why a booking was not made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Every place is taken.
    Full,
    /// The citizen already has a booking at this office that day.
    AlreadyBooked,
    /// The slot is past, or does not exist.
    Unavailable,
}

impl Refusal {
    fn message_key(self) -> &'static str {
        match self {
            Refusal::Full => "appt-error-full",
            Refusal::AlreadyBooked => "appt-error-already",
            Refusal::Unavailable => "appt-error-unavailable",
        }
    }
}

/// Books `slot_id` for the citizen, cancelling `replacing` (their own live booking) in the
/// same transaction when rescheduling. Returns the new booking's id.
pub async fn book(
    db: &Db,
    account_id: i64,
    slot_id: i64,
    replacing: Option<i64>,
    today: &str,
) -> anyhow::Result<Result<i64, Refusal>> {
    let mut tx = db.begin().await?;
    if let Some(old) = replacing
        && !cancel_in(db, &mut tx, old, account_id).await?
    {
        return Ok(Err(Refusal::Unavailable));
    }
    let slot = sqlx::query("SELECT agency_id, day FROM appointment_slots WHERE id = $1")
        .bind(slot_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(slot) = slot else { return Ok(Err(Refusal::Unavailable)) };
    let (agency_id, day): (i64, String) = (slot.try_get("agency_id")?, slot.try_get("day")?);
    if day.as_str() < today {
        return Ok(Err(Refusal::Unavailable));
    }
    let already = sqlx::query(
        "SELECT id FROM appointments WHERE account_id = $1 AND agency_id = $2 AND day = $3 AND status = 'booked'",
    )
    .bind(account_id)
    .bind(agency_id)
    .bind(&day)
    .fetch_optional(&mut *tx)
    .await?;
    if already.is_some() {
        return Ok(Err(Refusal::AlreadyBooked));
    }
    // The one place where a slot fills: the condition holds for exactly `capacity` bookings.
    let taken =
        sqlx::query("UPDATE appointment_slots SET booked = booked + 1 WHERE id = $1 AND booked < capacity")
            .bind(slot_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if taken != 1 {
        return Ok(Err(Refusal::Full));
    }
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO queue_counters (agency_id, day, last_number) VALUES ($1, $2, 1) \
         ON CONFLICT (agency_id, day) DO UPDATE SET last_number = queue_counters.last_number + 1 \
         RETURNING last_number",
    )
    .bind(agency_id)
    .bind(&day)
    .fetch_one(&mut *tx)
    .await?;
    let now = jiff::Timestamp::now().as_second();
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO appointments (code, slot_id, agency_id, account_id, day, queue_number, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'booked', $7, $7) RETURNING id",
    )
    .bind(crate::services::issued::new_code()?)
    .bind(slot_id)
    .bind(agency_id)
    .bind(account_id)
    .bind(&day)
    .bind(number)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        // The same citizen booking twice at once: the partial unique index keeps one.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(Err(Refusal::AlreadyBooked)),
        Err(e) => return Err(e.into()),
    };
    crate::audit::append(
        db,
        &mut tx,
        &crate::audit::Entry {
            actor: &format!("citizen:{account_id}"),
            action: "appointment.book",
            subject: &format!("appointment/{id}"),
            digest: crate::audit::store::digest_of(&(slot_id, number)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Cancels the citizen's live booking `id`, giving its place back; false when there is none.
async fn cancel_in(db: &Db, tx: &mut Tx, id: i64, account_id: i64) -> anyhow::Result<bool> {
    let now = jiff::Timestamp::now().as_second();
    let slot: Option<i64> = sqlx::query_scalar(
        "UPDATE appointments SET status = 'cancelled', updated_at = $1 \
         WHERE id = $2 AND account_id = $3 AND status = 'booked' RETURNING slot_id",
    )
    .bind(now)
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(slot) = slot else { return Ok(false) };
    sqlx::query("UPDATE appointment_slots SET booked = booked - 1 WHERE id = $1")
        .bind(slot)
        .execute(&mut **tx)
        .await?;
    crate::audit::append(
        db,
        tx,
        &crate::audit::Entry {
            actor: &format!("citizen:{account_id}"),
            action: "appointment.cancel",
            subject: &format!("appointment/{id}"),
            digest: crate::audit::store::digest_of(&slot),
        },
    )
    .await?;
    Ok(true)
}

/// A booking as its citizen and the office see it.
#[derive(Clone, Debug)]
pub struct Booking {
    id: i64,
    code: String,
    agency_slug: String,
    agency_name: (String, String),
    account_id: i64,
    day: String,
    starts_at: String,
    ends_at: String,
    queue_number: i64,
    status: String,
}

const BOOKING_SELECT: &str = "SELECT b.id, b.code, g.slug, g.name, g.name_en, b.account_id, b.day, s.starts_at, \
     s.ends_at, b.queue_number, b.status FROM appointments b JOIN appointment_slots s ON s.id = b.slot_id \
     JOIN agencies g ON g.id = b.agency_id";

fn booking_from(row: &sqlx::any::AnyRow) -> anyhow::Result<Booking> {
    Ok(Booking {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        agency_slug: row.try_get("slug")?,
        agency_name: (row.try_get("name")?, row.try_get("name_en")?),
        account_id: row.try_get("account_id")?,
        day: row.try_get("day")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        queue_number: row.try_get("queue_number")?,
        status: row.try_get("status")?,
    })
}

/// A queue number as displayed: `A-007`.
pub fn ticket(number: i64) -> String {
    format!("A-{number:03}")
}

fn agency_name(lang: Lang, agency: &Agency) -> String {
    lang.pick(&agency.name, &agency.name_en).to_string()
}

async fn agency_id(db: &Db, slug: &str) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM agencies WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db.pool())
        .await?)
}

/// One day's free slots on the booking page.
pub struct DayView {
    label: String,
    slots: Vec<(i64, String, i64)>,
}

fn day_views(lang: Lang, slots: &[Slot]) -> Vec<DayView> {
    let mut days: Vec<DayView> = Vec::new();
    for slot in slots {
        let label = format_iso_date(lang, &slot.day).unwrap_or_else(|| slot.day.clone());
        if days.last().is_none_or(|d| d.label != label) {
            days.push(DayView { label, slots: Vec::new() });
        }
        if let Some(day) = days.last_mut() {
            day.slots.push((slot.id, format!("{}–{}", slot.starts_at, slot.ends_at), slot.free()));
        }
    }
    days
}

/// The booking page of an office.
#[derive(Template)]
#[template(path = "appointments/book.html")]
pub struct BookPage {
    chrome: Chrome,
    action: String,
    agency_href: String,
    days: Vec<DayView>,
    csrf: String,
    signed_in: bool,
    error: Option<String>,
    cancel_of: Option<i64>,
}

async fn book_page(
    state: &AppState,
    context: &RequestContext,
    agency: &Agency,
    visitor: &crate::identity::session::Visitor,
    rescheduling: Option<i64>,
    error: Option<String>,
) -> AppResult<BookPage> {
    let lang = context.lang;
    let id = agency_id(&state.db, &agency.slug).await?.ok_or(AppError::NotFound)?;
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    let first = crate::calendar::today_at(offset);
    let last =
        first.checked_add(jiff::Span::new().days(BOOKING_HORIZON_DAYS)).map_err(anyhow::Error::from)?;
    let slots = slots(&state.db, id, &first.to_string(), &last.to_string()).await?;
    let title = lang.t_args("appt-book-title", &[("agency", agency_name(lang, agency))]);
    Ok(BookPage {
        chrome: crate::services::chrome(state, context, "agencies", title).await?,
        action: match rescheduling {
            Some(booking) => format!("/akun/janji/{booking}/ubah"),
            None => format!("/janji/{}", agency.slug),
        },
        agency_href: format!("/instansi/{}", agency.slug),
        days: day_views(lang, &slots),
        csrf: visitor.csrf.clone(),
        signed_in: visitor.principal.is_some(),
        error,
        cancel_of: rescheduling,
    })
}

/// `GET /janji/{agency}`: the office's free slots; booking needs a citizen's account.
pub async fn office_slots(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: crate::identity::session::Visitor,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let agency = crate::portal::store::agency_by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    render(&book_page(&state, &context, &agency, &visitor, None, None).await?)
}

/// The chosen slot.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookForm {
    #[serde(default)]
    slot: String,
}

fn citizen_id(signed_in: &SignedIn) -> AppResult<i64> {
    if signed_in.principal.kind == AccountKind::Citizen {
        Ok(signed_in.principal.account_id)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn book_and_answer(
    state: &AppState,
    context: &RequestContext,
    signed_in: &SignedIn,
    agency: &Agency,
    form: &BookForm,
    replacing: Option<i64>,
) -> AppResult<Response> {
    let account_id = citizen_id(signed_in)?;
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    let outcome = match form.slot.parse::<i64>() {
        Ok(slot) => {
            book(&state.db, account_id, slot, replacing, &crate::calendar::today_at(offset).to_string())
                .await?
        }
        Err(_) => Err(Refusal::Unavailable),
    };
    match outcome {
        Ok(id) => Ok(see_other(&format!("/akun/janji/{id}"))),
        Err(refusal) => {
            tracing::info!(account = account_id, ?refusal, "booking refused");
            let visitor = crate::identity::session::Visitor {
                principal: Some(signed_in.principal.clone()),
                csrf: signed_in.csrf.clone(),
            };
            let message = context.lang.t(refusal.message_key());
            let page = book_page(state, context, agency, &visitor, replacing, Some(message)).await?;
            render_status(
                &page,
                if refusal == Refusal::Full {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
            )
        }
    }
}

/// `POST /janji/{agency}`: books a slot.
pub async fn book_slot(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<BookForm>,
) -> AppResult<Response> {
    let agency = crate::portal::store::agency_by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    book_and_answer(&state, &context, &signed_in, &agency, &form, None).await
}

async fn own_booking(state: &AppState, signed_in: &SignedIn, id: &str) -> AppResult<Booking> {
    let account_id = citizen_id(signed_in)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{BOOKING_SELECT} WHERE b.id = $1")))
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?;
    let booking = row.as_ref().map(booking_from).transpose()?.ok_or(AppError::NotFound)?;
    if booking.account_id != account_id {
        return Err(AppError::NotFound);
    }
    Ok(booking)
}

/// One booking's page.
#[derive(Template)]
#[template(path = "appointments/booking.html")]
pub struct BookingPage {
    chrome: Chrome,
    id: i64,
    ticket: String,
    agency: String,
    agency_slug: String,
    when: String,
    code: String,
    status: String,
    live: bool,
    qr: String,
    csrf: String,
}

/// `GET /akun/janji/{id}`: the queue number, time and QR code.
pub async fn booking_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let lang = context.lang;
    let booking = own_booking(&state, &signed_in, &id).await?;
    let ticket = ticket(booking.queue_number);
    let qr_label = lang.t_args("appt-qr-label", &[("ticket", ticket.clone())]);
    let display = crate::services::issued::display_code(&booking.code);
    let page = BookingPage {
        chrome: crate::services::chrome(&state, &context, "account", lang.t("appt-booking-title")).await?,
        id: booking.id,
        agency: lang.pick(&booking.agency_name.0, &booking.agency_name.1).to_string(),
        agency_slug: booking.agency_slug.clone(),
        when: format!(
            "{}, {}–{}",
            format_iso_date(lang, &booking.day).unwrap_or_default(),
            booking.starts_at,
            booking.ends_at
        ),
        status: lang.t(&format!("appt-status-{}", booking.status)),
        live: booking.status == "booked",
        qr: crate::identity::totp::qr_svg(&format!("{}:{}", ticket, booking.code), &qr_label)?,
        code: display,
        ticket,
        csrf: signed_in.csrf,
    };
    render(&page)
}

/// `POST /akun/janji/{id}/batal`: cancels the booking.
pub async fn cancel(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(_): Form<crate::identity::routes::EmptyForm>,
) -> AppResult<Response> {
    let booking = own_booking(&state, &signed_in, &id).await?;
    let mut tx = state.db.begin().await?;
    if !cancel_in(&state.db, &mut tx, booking.id, booking.account_id).await? {
        return Err(AppError::Conflict);
    }
    tx.commit().await?;
    Ok(see_other(&format!("/akun/janji/{}", booking.id)))
}

/// `GET /akun/janji/{id}/ubah`: another slot at the same office.
pub async fn reschedule_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let booking = own_booking(&state, &signed_in, &id).await?;
    if booking.status != "booked" {
        return Err(AppError::Conflict);
    }
    let agency = crate::portal::store::agency_by_slug(&state.db, &booking.agency_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let visitor =
        crate::identity::session::Visitor { principal: Some(signed_in.principal), csrf: signed_in.csrf };
    render(&book_page(&state, &context, &agency, &visitor, Some(booking.id), None).await?)
}

/// `POST /akun/janji/{id}/ubah`: moves the booking to another slot in one transaction.
pub async fn reschedule(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<BookForm>,
) -> AppResult<Response> {
    let booking = own_booking(&state, &signed_in, &id).await?;
    let agency = crate::portal::store::agency_by_slug(&state.db, &booking.agency_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    book_and_answer(&state, &context, &signed_in, &agency, &form, Some(booking.id)).await
}

/// The citizen's bookings.
#[derive(Template)]
#[template(path = "appointments/mine.html")]
pub struct MinePage {
    chrome: Chrome,
    rows: Vec<(String, String, String, String, String)>,
}

/// `GET /akun/janji`.
pub async fn mine(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let lang = context.lang;
    let account_id = citizen_id(&signed_in)?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{BOOKING_SELECT} WHERE b.account_id = $1 ORDER BY b.day DESC, s.starts_at DESC LIMIT 100"
    )))
    .bind(account_id)
    .fetch_all(state.db.pool())
    .await?;
    let rows = rows
        .iter()
        .map(booking_from)
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .map(|b| {
            (
                format!("/akun/janji/{}", b.id),
                ticket(b.queue_number),
                lang.pick(&b.agency_name.0, &b.agency_name.1).to_string(),
                format!("{}, {}", format_iso_date(lang, &b.day).unwrap_or_default(), b.starts_at),
                lang.t(&format!("appt-status-{}", b.status)),
            )
        })
        .collect();
    render(&MinePage {
        chrome: crate::services::chrome(&state, &context, "account", lang.t("appt-mine-title")).await?,
        rows,
    })
}

/// The office's day: slots, the list of numbers, calling the next, publishing slots.
#[derive(Template)]
#[template(path = "appointments/office.html")]
pub struct OfficePage {
    chrome: Chrome,
    csrf: String,
    agencies: Vec<(String, String, bool)>,
    agency_slug: String,
    day: String,
    day_label: String,
    slots: Vec<(String, i64, i64)>,
    queue: Vec<(String, String, String, String)>,
    current: Option<String>,
    waiting: usize,
    form: PublishForm,
    errors: Vec<(&'static str, String)>,
}

impl OfficePage {
    /// The publish form's fields: name, label, input type, value.
    fn publish_fields(&self) -> Vec<(&'static str, &'static str, &'static str, String)> {
        let form = &self.form;
        vec![
            ("hari", "appt-day", "date", form.hari.clone()),
            ("mulai", "appt-start", "time", form.mulai.clone()),
            ("selesai", "appt-end", "time", form.selesai.clone()),
            ("durasi", "appt-length", "number", form.durasi.clone()),
            ("kapasitas", "appt-capacity", "number", form.kapasitas.clone()),
        ]
    }

    fn error_for(&self, field: &str) -> Option<&String> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m)
    }
}

/// The office page's query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeQuery {
    instansi: Option<String>,
    hari: Option<String>,
}

/// The agencies whose offices the officer runs.
async fn offices(state: &AppState, officer: &Officer) -> AppResult<Vec<(i64, Agency)>> {
    crate::identity::roles::agencies_in_scope(&state.db, officer, Permission::ManageAppointments).await
}

async fn office_page(
    state: &AppState,
    context: &RequestContext,
    officer: &Officer,
    slug: Option<&str>,
    day: Option<&str>,
) -> AppResult<OfficePage> {
    let lang = context.lang;
    let offices = offices(state, officer).await?;
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    let day = match day {
        Some(d) => d.parse::<jiff::civil::Date>().map_err(|_| AppError::malformed("hari"))?,
        None => crate::calendar::today_at(offset),
    }
    .to_string();
    let chosen = match slug {
        Some(slug) => offices.iter().find(|(_, a)| a.slug == slug).ok_or(AppError::Forbidden)?,
        None => offices.first().ok_or(AppError::Forbidden)?,
    };
    let (id, agency) = chosen;
    let slots = slots(&state.db, *id, &day, &day).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{BOOKING_SELECT} WHERE b.agency_id = $1 AND b.day = $2 AND b.status <> 'cancelled' ORDER BY b.queue_number"
    )))
    .bind(id)
    .bind(&day)
    .fetch_all(state.db.pool())
    .await?;
    let bookings = rows.iter().map(booking_from).collect::<anyhow::Result<Vec<_>>>()?;
    let current = current_number(&state.db, *id, &day).await?.map(ticket);
    Ok(OfficePage {
        chrome: crate::services::chrome(state, context, "account", lang.t("appt-office-title")).await?,
        csrf: officer.csrf.clone(),
        agencies: offices
            .iter()
            .map(|(_, a)| (a.slug.clone(), agency_name(lang, a), a.slug == agency.slug))
            .collect(),
        agency_slug: agency.slug.clone(),
        day_label: format_iso_date(lang, &day).unwrap_or_default(),
        slots: slots
            .iter()
            .map(|s| (format!("{}–{}", s.starts_at, s.ends_at), s.booked, s.capacity))
            .collect(),
        waiting: bookings.iter().filter(|b| b.status == "booked").count(),
        queue: bookings
            .iter()
            .map(|b| {
                (
                    ticket(b.queue_number),
                    format!("{}–{}", b.starts_at, b.ends_at),
                    crate::services::issued::display_code(&b.code),
                    lang.t(&format!("appt-status-{}", b.status)),
                )
            })
            .collect(),
        current,
        form: PublishForm { hari: day.clone(), ..PublishForm::default() },
        day,
        errors: Vec::new(),
    })
}

/// The number called last at an office on a day.
async fn current_number(db: &Db, agency_id: i64, day: &str) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT queue_number FROM appointments WHERE agency_id = $1 AND day = $2 AND status = 'called' \
         ORDER BY called_at DESC, queue_number DESC LIMIT 1",
    )
    .bind(agency_id)
    .bind(day)
    .fetch_optional(db.pool())
    .await?)
}

/// `GET /admin/antrean`: the office's day.
pub async fn office(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<OfficeQuery>,
) -> AppResult<Response> {
    let page =
        office_page(&state, &context, &officer, query.instansi.as_deref(), query.hari.as_deref()).await?;
    render(&page)
}

/// Publishing a day's slots.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishForm {
    #[serde(default)]
    instansi: String,
    #[serde(default)]
    hari: String,
    #[serde(default)]
    mulai: String,
    #[serde(default)]
    selesai: String,
    #[serde(default)]
    durasi: String,
    #[serde(default)]
    kapasitas: String,
}

/// Slots to open: the day, each (start, end), and the places in each.
type Plan = (String, Vec<(String, String)>, i64);

/// The slots a publish form asks for, or each field's problem.
fn planned_slots(
    lang: Lang,
    form: &PublishForm,
    today: jiff::civil::Date,
) -> Result<Plan, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let day = form.hari.trim().parse::<jiff::civil::Date>().ok();
    let last = today.checked_add(jiff::Span::new().days(PUBLISH_HORIZON_DAYS)).ok();
    if !day.is_some_and(|d| d >= today && last.is_none_or(|l| d <= l)) {
        errors.push(("hari", lang.t("appt-error-day")));
    }
    let time = |text: &str| jiff::civil::Time::strptime("%H:%M", text.trim()).ok();
    let (start, end) = (time(&form.mulai), time(&form.selesai));
    if start.is_none() {
        errors.push(("mulai", lang.t("appt-error-time")));
    }
    if end.is_none() || start.zip(end).is_some_and(|(s, e)| e <= s) {
        errors.push(("selesai", lang.t("appt-error-end")));
    }
    let minutes = form.durasi.trim().parse::<i64>().ok().filter(|m| (5..=240).contains(m));
    if minutes.is_none() {
        errors.push(("durasi", lang.t("appt-error-length")));
    }
    let capacity = form.kapasitas.trim().parse::<i64>().ok().filter(|c| (1..=500).contains(c));
    if capacity.is_none() {
        errors.push(("kapasitas", lang.t("appt-error-capacity")));
    }
    let (Some(day), Some(mut at), Some(end), Some(minutes), Some(capacity), true) =
        (day, start, end, minutes, capacity, errors.is_empty())
    else {
        return Err(errors);
    };
    let mut planned = Vec::new();
    while let Ok(next) = at.checked_add(jiff::Span::new().minutes(minutes)) {
        if next > end || next <= at || planned.len() >= 200 {
            break;
        }
        planned.push((at.strftime("%H:%M").to_string(), next.strftime("%H:%M").to_string()));
        at = next;
    }
    if planned.is_empty() {
        return Err(vec![("durasi", lang.t("appt-error-length"))]);
    }
    Ok((day.to_string(), planned, capacity))
}

/// `POST /admin/antrean/slot`: publishes slots from a start to an end time.
pub async fn publish(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Form(form): Form<PublishForm>,
) -> AppResult<Response> {
    let offices = offices(&state, &officer).await?;
    let (agency_id, agency) =
        offices.iter().find(|(_, a)| a.slug == form.instansi).ok_or(AppError::Forbidden)?;
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    let (day, planned, capacity) = match planned_slots(context.lang, &form, crate::calendar::today_at(offset))
    {
        Ok(plan) => plan,
        Err(errors) => {
            let mut page = office_page(&state, &context, &officer, Some(&agency.slug), None).await?;
            page.form = form;
            page.errors = errors;
            return render_status(&page, StatusCode::BAD_REQUEST);
        }
    };
    let now = jiff::Timestamp::now().as_second();
    let mut tx = state.db.begin().await?;
    for (starts_at, ends_at) in &planned {
        // A slot already published at that time keeps its bookings and capacity.
        sqlx::query(
            "INSERT INTO appointment_slots (agency_id, day, starts_at, ends_at, capacity, booked, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (agency_id, day, starts_at) DO NOTHING",
        )
        .bind(agency_id)
        .bind(&day)
        .bind(starts_at)
        .bind(ends_at)
        .bind(capacity)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    crate::audit::append(
        &state.db,
        &mut tx,
        &crate::audit::Entry {
            actor: &officer.principal.actor(),
            action: "appointment.publish",
            subject: &format!("agency/{}/{day}", agency.slug),
            digest: crate::audit::store::digest_of(&(&planned, capacity)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/admin/antrean?instansi={}&hari={day}", agency.slug)))
}

/// Calling the next number.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallForm {
    instansi: String,
    hari: String,
}

/// `POST /admin/antrean/panggil`: calls the lowest waiting number of the day.
pub async fn call_next(
    State(state): State<AppState>,
    officer: Officer,
    Form(form): Form<CallForm>,
) -> AppResult<Response> {
    let offices = offices(&state, &officer).await?;
    let (agency_id, agency) =
        offices.iter().find(|(_, a)| a.slug == form.instansi).ok_or(AppError::Forbidden)?;
    let day = form.hari.parse::<jiff::civil::Date>().map_err(|_| AppError::malformed("hari"))?.to_string();
    let now = jiff::Timestamp::now().as_second();
    let mut tx = state.db.begin().await?;
    // Two counters calling at once each get their own number.
    let called: Option<i64> = sqlx::query_scalar(
        "UPDATE appointments SET status = 'called', called_at = $1, updated_at = $1 WHERE id = \
         (SELECT id FROM appointments WHERE agency_id = $2 AND day = $3 AND status = 'booked' \
          ORDER BY queue_number LIMIT 1) AND status = 'booked' RETURNING id",
    )
    .bind(now)
    .bind(agency_id)
    .bind(&day)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(called) = called else { return Err(AppError::Conflict) };
    crate::audit::append(
        &state.db,
        &mut tx,
        &crate::audit::Entry {
            actor: &officer.principal.actor(),
            action: "appointment.call",
            subject: &format!("appointment/{called}"),
            digest: crate::audit::store::digest_of(&day),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/admin/antrean?instansi={}&hari={day}", agency.slug)))
}

/// The public display of an office's queue.
#[derive(Template)]
#[template(path = "appointments/display.html")]
pub struct DisplayPage {
    chrome: Chrome,
    current: Option<String>,
    waiting: i64,
}

/// `GET /antrean/{agency}`: the number being served now, refreshed every 15 s without script.
pub async fn display(
    State(state): State<AppState>,
    context: RequestContext,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let lang = context.lang;
    let agency = crate::portal::store::agency_by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let id = agency_id(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    let day = crate::calendar::today_at(offset).to_string();
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments WHERE agency_id = $1 AND day = $2 AND status = 'booked'",
    )
    .bind(id)
    .bind(&day)
    .fetch_one(state.db.pool())
    .await?;
    let title = lang.t_args("appt-display-title", &[("agency", agency_name(lang, &agency))]);
    let page = DisplayPage {
        chrome: crate::services::chrome(&state, &context, "agencies", title).await?,
        current: current_number(&state.db, id, &day).await?.map(ticket),
        waiting,
    };
    let mut response = render(&page)?;
    response.headers_mut().insert(axum::http::header::REFRESH, axum::http::HeaderValue::from_static("15"));
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Opens the demo's appointment times: weekdays of the next two weeks, 08:00–12:00 by the
/// hour, eight places each, at the offices named.
pub async fn open_demo_slots(
    tx: &mut Tx,
    agency_slugs: &[&str],
    from: jiff::civil::Date,
) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now().as_second();
    for slug in agency_slugs {
        let agency: Option<i64> = sqlx::query_scalar("SELECT id FROM agencies WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(agency) = agency else { continue };
        for offset in 0..14 {
            let day = from.checked_add(jiff::Span::new().days(offset))?;
            if matches!(day.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday) {
                continue;
            }
            for hour in 8..12 {
                sqlx::query(
                    "INSERT INTO appointment_slots (agency_id, day, starts_at, ends_at, capacity, booked, created_at) \
                     VALUES ($1, $2, $3, $4, 8, 0, $5) ON CONFLICT (agency_id, day, starts_at) DO NOTHING",
                )
                .bind(agency)
                .bind(day.to_string())
                .bind(format!("{hour:02}:00"))
                .bind(format!("{:02}:00", hour + 1))
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(day: &str, start: &str, end: &str, minutes: &str, capacity: &str) -> PublishForm {
        PublishForm {
            instansi: "disdukcapil".into(),
            hari: day.into(),
            mulai: start.into(),
            selesai: end.into(),
            durasi: minutes.into(),
            kapasitas: capacity.into(),
        }
    }

    #[test]
    fn a_morning_is_cut_into_slots_and_bad_fields_are_named() {
        let today = jiff::civil::date(2026, 11, 30);
        let (day, planned, capacity) =
            planned_slots(Lang::Id, &form("2026-12-01", "08:00", "10:00", "30", "10"), today).expect("plan");
        assert_eq!((day.as_str(), capacity), ("2026-12-01", 10));
        assert_eq!(planned.first().map(|p| p.0.as_str()), Some("08:00"));
        assert_eq!(planned.last().map(|p| p.1.as_str()), Some("10:00"));
        assert_eq!(planned.len(), 4);
        let errors =
            planned_slots(Lang::Id, &form("2026-11-29", "9", "25:00", "1", "0"), today).expect_err("bad");
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["hari", "mulai", "selesai", "durasi", "kapasitas"]);
    }

    #[test]
    fn queue_numbers_read_as_tickets() {
        assert_eq!(ticket(7), "A-007");
        assert_eq!(ticket(1234), "A-1234");
    }
}
