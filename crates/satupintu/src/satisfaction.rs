//! The satisfaction report (IKM, PermenPAN-RB 14/2017) of a service unit over a period:
//! respondents, the average score per element (NRR), the index and its grade, whether the
//! sample reaches the minimum for the unit's volume of service, a chart, and a CSV export.
//! The sums come from the database in one query; the rules are in [`satupintu_rules::ikm`].

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use satupintu_rules::ikm::{self, ELEMENT_NAMES, ELEMENTS, Index, Tally};
use serde::Deserialize;
use sqlx::Row;

use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::roles::{Officer, Permission};
use crate::portal::routes::render;
use crate::web::RequestContext;
use crate::web::extract::Query;
use crate::web::page::{Chrome, format_date};

/// What the survey says about one unit in one period.
#[derive(Clone, Debug)]
pub struct Report {
    /// The unit (agency) id.
    pub agency_id: i64,
    /// First and last day, inclusive.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// Sums and counts of the responses.
    pub tally: Tally,
    /// The index, when anyone answered.
    pub index: Option<Index>,
    /// Applications the unit received in the period: the volume the sample is drawn from.
    pub population: u64,
    /// The Krejcie–Morgan minimum sample for that volume.
    pub minimum_sample: u64,
}

impl Report {
    /// Whether the respondents reach the minimum sample.
    pub fn sample_met(&self) -> bool {
        self.tally.respondents >= self.minimum_sample && self.tally.respondents > 0
    }
}

/// Adds up the responses of `agency_id` from `from` to `to` (inclusive).
pub async fn report(db: &Db, agency_id: i64, from: Date, to: Date) -> anyhow::Result<Report> {
    let sums: Vec<String> =
        (1..=ELEMENTS).map(|i| format!("CAST(COALESCE(SUM(u{i}), 0) AS BIGINT) AS s{i}")).collect();
    let sql = format!(
        "SELECT COUNT(*) AS n, {} FROM survey_responses WHERE agency_id = $1 AND submitted_on >= $2 AND submitted_on <= $3",
        sums.join(", ")
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(agency_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_one(db.pool())
        .await?;
    let respondents = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
    let mut tally = Tally { respondents, ..Tally::default() };
    for i in 0..ELEMENTS {
        tally.sums[i] = u64::try_from(row.try_get::<i64, _>(format!("s{}", i + 1).as_str())?).unwrap_or(0);
        // Every stored response scores every element.
        tally.answered[i] = respondents;
    }
    let population = population(db, agency_id, from, to).await?;
    Ok(Report {
        agency_id,
        from,
        to,
        index: tally.index(),
        tally,
        population,
        minimum_sample: ikm::minimum_sample(population),
    })
}

/// Applications submitted to the unit within the period, days counted in the installation's
/// time zone.
async fn population(db: &Db, agency_id: i64, from: Date, to: Date) -> anyhow::Result<u64> {
    let offset = crate::portal::store::installation(db).await?.utc_offset_hours;
    let zone = jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_hours(offset)?);
    let start = from.at(0, 0, 0, 0).to_zoned_datetime(zone.clone())?.timestamp().as_second();
    let end = to.tomorrow()?.at(0, 0, 0, 0).to_zoned_datetime(zone)?.timestamp().as_second();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE agency_id = $1 AND submitted_at >= $2 AND submitted_at < $3",
    )
    .bind(agency_id)
    .bind(start)
    .bind(end)
    .fetch_one(db.pool())
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The report's choices: unit (agency slug) and period.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    unit: Option<String>,
    dari: Option<String>,
    sampai: Option<String>,
}

/// Numbers as the language writes them: `88,31` in Indonesian, `88.31` in English.
fn decimal(lang: Lang, value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    match lang {
        Lang::Id => text.replace('.', ","),
        Lang::En => text,
    }
}

/// One element's line: key, name, NRR, NRR × 0.111, bar height in the chart (0–160).
type ElementLine = (&'static str, String, String, String, u32);

/// The report page.
#[derive(Template)]
#[template(path = "satisfaction/report.html")]
pub struct ReportPage {
    chrome: Chrome,
    units: Vec<(String, String, bool)>,
    unit_name: String,
    unit_slug: String,
    from: String,
    to: String,
    period: String,
    respondents: u64,
    population: u64,
    minimum_sample: u64,
    sample_met: bool,
    elements: Vec<ElementLine>,
    /// Raw index (1–4), converted (25–100), converted with 0.111, grade and label.
    summary: Option<(String, String, String, &'static str, String)>,
    /// The unit's walk-in survey address and its QR code (an inline SVG).
    walk_in: (String, String),
}

/// The units in the officer's scope, the one asked for, and its report over the period asked
/// for.
async fn asked(
    state: &AppState,
    officer: &Officer,
    query: &ReportQuery,
) -> AppResult<(Vec<(i64, crate::portal::model::Agency)>, usize, Report)> {
    let units =
        crate::identity::roles::agencies_in_scope(&state.db, officer, Permission::ReadSatisfaction).await?;
    if units.is_empty() {
        return Err(AppError::Forbidden);
    }
    let picked = match query.unit.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => units.iter().position(|(_, a)| a.slug == slug).ok_or(AppError::Forbidden)?,
        None => 0,
    };
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    let today = crate::calendar::today_at(offset);
    let date = |name: &str, text: Option<&str>, default: Date| -> AppResult<Date> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(default),
            Some(text) => text.parse::<Date>().map_err(|_| AppError::malformed(name)),
        }
    };
    // By default the year so far, as the regulation's yearly survey reports.
    let from = date("dari", query.dari.as_deref(), today.first_of_year())?;
    let to = date("sampai", query.sampai.as_deref(), today)?;
    if from > to {
        return Err(AppError::malformed("sampai"));
    }
    let report = report(&state.db, units[picked].0, from, to).await?;
    Ok((units, picked, report))
}

/// A period as pages and exports print it: `1 Januari 2026 – 30 Juni 2026`.
fn period(lang: Lang, report: &Report) -> String {
    let day = |d: Date| format_date(lang, d.year(), d.month(), d.day());
    format!("{} – {}", day(report.from), day(report.to))
}

/// `GET /admin/ikm`: the report of one unit in scope over a period.
pub async fn page(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<ReportQuery>,
) -> AppResult<Response> {
    let lang = context.lang;
    let (units, picked, report) = asked(&state, &officer, &query).await?;
    let (agency, from, to) = (&units[picked].1, report.from, report.to);
    let installation = crate::portal::store::installation(&state.db).await?;
    let nrr = report.index.as_ref().map(|i| i.nrr).unwrap_or([None; ELEMENTS]);
    let elements = ELEMENT_NAMES
        .iter()
        .zip(nrr)
        .map(|((key, id, en), nrr)| {
            (
                *key,
                lang.pick(id, en).to_string(),
                nrr.map_or_else(|| "–".into(), |n| decimal(lang, n, 2)),
                nrr.map_or_else(|| "–".into(), |n| decimal(lang, n * ikm::PRINTED_WEIGHT, 3)),
                // Scores run from 1 to 4: 40 units of height per point.
                nrr.map_or(0, |n| (n * 40.0).round() as u32),
            )
        })
        .collect();
    let summary = report.index.as_ref().map(|index| {
        (
            decimal(lang, index.raw, 3),
            decimal(lang, ikm::two_decimals(index.converted), 2),
            decimal(lang, ikm::two_decimals(index.converted_printed_weight), 2),
            index.grade.letter(),
            lang.pick(index.grade.label(), index.grade.label_en()).to_string(),
        )
    });
    let walk_in = format!("{}/survei/{}", state.link_base, agency.slug);
    let walk_in_qr = crate::identity::totp::qr_svg(&walk_in, &lang.t("ikm-walk-in-qr"))?;
    render(&ReportPage {
        chrome: Chrome::new(&context, &installation, "admin", lang.t("ikm-title")),
        units: units.iter().map(|(_, a)| (a.slug.clone(), a.name.clone(), a.slug == agency.slug)).collect(),
        unit_name: agency.name.clone(),
        unit_slug: agency.slug.clone(),
        from: from.to_string(),
        to: to.to_string(),
        period: period(lang, &report),
        respondents: report.tally.respondents,
        population: report.population,
        minimum_sample: report.minimum_sample,
        sample_met: report.sample_met(),
        elements,
        summary,
        walk_in: (walk_in, walk_in_qr),
    })
}

/// `GET /admin/ikm.csv`: the same report as CSV (one line per element, then the totals), with
/// plain decimal points for spreadsheets.
pub async fn csv(
    State(state): State<AppState>,
    officer: Officer,
    Query(query): Query<ReportQuery>,
) -> AppResult<Response> {
    let (units, picked, report) = asked(&state, &officer, &query).await?;
    let (agency, from, to) = (&units[picked].1, report.from, report.to);
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = |fields: &[&str]| out.write_record(fields).map_err(anyhow::Error::from);
    write(&["unit", "from", "to", "element", "name", "nrr", "nrr_weighted_0111"])?;
    let nrr = report.index.as_ref().map(|i| i.nrr).unwrap_or([None; ELEMENTS]);
    let (from_text, to_text) = (from.to_string(), to.to_string());
    for ((key, name, _), nrr) in ELEMENT_NAMES.iter().zip(nrr) {
        let value = nrr.map(|n| format!("{n:.4}")).unwrap_or_default();
        let weighted = nrr.map(|n| format!("{:.4}", n * ikm::PRINTED_WEIGHT)).unwrap_or_default();
        write(&[&agency.slug, &from_text, &to_text, key, name, &value, &weighted])?;
    }
    let figure = |f: fn(&Index) -> String| report.index.as_ref().map(f).unwrap_or_default();
    for (key, value) in [
        ("respondents", report.tally.respondents.to_string()),
        ("population", report.population.to_string()),
        ("minimum_sample", report.minimum_sample.to_string()),
        ("sample_met", report.sample_met().to_string()),
        ("ikm", figure(|i| format!("{:.2}", ikm::two_decimals(i.converted)))),
        ("ikm_0111", figure(|i| format!("{:.2}", ikm::two_decimals(i.converted_printed_weight)))),
        ("grade", figure(|i| i.grade.letter().to_string())),
        ("label", figure(|i| i.grade.label().to_string())),
    ] {
        write(&[&agency.slug, &from_text, &to_text, key, "", &value, ""])?;
    }
    let body = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(download(body, "text/csv; charset=utf-8", &format!("ikm-{}-{from}-{to}.csv", agency.slug)))
}

fn download(body: Vec<u8>, media_type: &'static str, file_name: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The report as the PDF and XLSX exports lay it out, in the reader's language.
fn exported(lang: Lang, unit: &str, report: &Report) -> satupintu_docs::report::Report {
    use satupintu_docs::report::Cell;
    let number = |value: f64, decimals: usize| Cell::Number {
        value,
        shown: decimal(lang, value, decimals),
        decimals: u8::try_from(decimals).unwrap_or(2),
    };
    let count = |value: u64| Cell::Number { value: value as f64, shown: value.to_string(), decimals: 0 };
    let dash = || Cell::Text("–".into());
    let nrr = report.index.as_ref().map(|i| i.nrr).unwrap_or([None; ELEMENTS]);
    let mut facts = vec![
        (lang.t("ikm-respondents"), count(report.tally.respondents)),
        (lang.t("ikm-population"), count(report.population)),
        (lang.t("ikm-minimum-sample"), count(report.minimum_sample)),
        (
            lang.t("ikm-sample"),
            Cell::Text(lang.t(if report.sample_met() { "ikm-sample-met" } else { "ikm-sample-short" })),
        ),
    ];
    match &report.index {
        Some(index) => facts.extend([
            (lang.t("ikm-index"), number(ikm::two_decimals(index.converted), 2)),
            (
                lang.t("ikm-grade-label"),
                Cell::Text(format!(
                    "{} ({})",
                    index.grade.letter(),
                    lang.pick(index.grade.label(), index.grade.label_en())
                )),
            ),
            (lang.t("ikm-raw"), number(index.raw, 3)),
            (lang.t("ikm-printed-weight"), number(ikm::two_decimals(index.converted_printed_weight), 2)),
        ]),
        None => facts.push((lang.t("ikm-index"), Cell::Text(lang.t("ikm-no-responses")))),
    }
    satupintu_docs::report::Report {
        title: lang.t("ikm-title"),
        subtitle: vec![unit.to_string(), period(lang, report)],
        facts,
        columns: vec![lang.t("ikm-element"), lang.t("ikm-nrr"), lang.t("ikm-nrr-weighted")],
        rows: ELEMENT_NAMES
            .iter()
            .zip(nrr)
            .map(|((key, id, en), nrr)| {
                vec![
                    Cell::Text(format!("{} {}", key.to_uppercase(), lang.pick(id, en))),
                    nrr.map_or_else(dash, |n| number(n, 2)),
                    nrr.map_or_else(dash, |n| number(n * ikm::PRINTED_WEIGHT, 3)),
                ]
            })
            .collect(),
        chart_title: lang.t("ikm-chart"),
        bars: ELEMENT_NAMES
            .iter()
            .zip(nrr)
            .map(|((key, _, _), nrr)| (key.to_uppercase(), nrr.unwrap_or(0.0)))
            .collect(),
        chart_max: 4.0,
        notes: vec![lang.t("ikm-intro")],
        sheet_name: format!("IKM {} {}", report.from, report.to),
    }
}

/// Which export.
#[derive(Clone, Copy)]
enum Export {
    Pdf,
    Xlsx,
}

async fn export(
    state: &AppState,
    lang: Lang,
    officer: &Officer,
    query: &ReportQuery,
    kind: Export,
) -> AppResult<Response> {
    let (units, picked, report) = asked(state, officer, query).await?;
    let (agency, from, to) = (&units[picked].1, report.from, report.to);
    let laid_out = exported(lang, &agency.name, &report);
    let name = format!("ikm-{}-{from}-{to}", agency.slug);
    Ok(match kind {
        Export::Pdf => download(
            satupintu_docs::report::pdf(&laid_out).map_err(anyhow::Error::from)?,
            "application/pdf",
            &format!("{name}.pdf"),
        ),
        Export::Xlsx => download(
            satupintu_docs::report::xlsx(&laid_out).map_err(anyhow::Error::from)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{name}.xlsx"),
        ),
    })
}

/// `GET /admin/ikm.pdf`: the report on one A4 page, with its chart.
pub async fn pdf(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<ReportQuery>,
) -> AppResult<Response> {
    export(&state, context.lang, &officer, &query, Export::Pdf).await
}

/// `GET /admin/ikm.xlsx`: the report as a workbook, numbers as numbers, with a chart.
pub async fn xlsx(
    State(state): State<AppState>,
    context: RequestContext,
    officer: Officer,
    Query(query): Query<ReportQuery>,
) -> AppResult<Response> {
    export(&state, context.lang, &officer, &query, Export::Xlsx).await
}
