//! The satisfaction survey a citizen answers when an application is closed: the nine IKM
//! elements of PermenPAN-RB 14/2017, each on the regulation's 1-4 scale, and a suggestion.
//! Responses are stored per service and agency for the IKM computation; one per application.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::Row;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::session::SignedIn;
use crate::portal::routes::{render, render_status};
use crate::services::applications::{Application, Status};
use crate::web::extract::{Form, Path};
use crate::web::page::Chrome;
use crate::web::{RequestContext, see_other};

/// The elements, in the regulation's order.
pub const ELEMENTS: [&str; 9] =
    ["persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan", "sarana"];

/// Whether the citizen may answer the survey for this application now.
pub async fn open_for(state: &AppState, application: &Application) -> anyhow::Result<bool> {
    if !matches!(application.status, Status::Approved | Status::Rejected) {
        return Ok(false);
    }
    let answered = sqlx::query("SELECT 1 FROM survey_responses WHERE application_id = $1")
        .bind(application.id)
        .fetch_optional(state.db.pool())
        .await?;
    Ok(answered.is_none())
}

/// The survey page.
#[derive(Template)]
#[template(path = "services/survey.html")]
pub struct SurveyPage {
    chrome: Chrome,
    csrf: String,
    id: i64,
    /// Each element: key, question, chosen score, error.
    questions: Vec<(&'static str, String, Option<u8>, Option<String>)>,
    suggestion: String,
    errors: Vec<(String, String)>,
}

impl SurveyPage {
    fn is_checked(&self, chosen: &Option<u8>, score: &u8) -> bool {
        *chosen == Some(*score)
    }
}

async fn survey_page(
    state: &AppState,
    context: &RequestContext,
    csrf: String,
    application: &Application,
) -> AppResult<SurveyPage> {
    let lang = context.lang;
    Ok(SurveyPage {
        chrome: crate::services::chrome(state, context, "account", lang.t("survey-title")).await?,
        csrf,
        id: application.id,
        questions: ELEMENTS
            .iter()
            .map(|key| (*key, lang.t(&format!("survey-q-{key}")), None, None))
            .collect(),
        suggestion: String::new(),
        errors: Vec::new(),
    })
}

/// `GET /permohonan/{id}/survei`.
pub async fn form(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let application = crate::services::routes::own(&state, &signed_in, &id).await?;
    if !open_for(&state, &application).await? {
        return Ok(see_other(&format!("/permohonan/{}", application.id)));
    }
    render(&survey_page(&state, &context, signed_in.csrf, &application).await?)
}

/// `POST /permohonan/{id}/survei`: every element must be scored; the suggestion is optional.
pub async fn submit(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = context.lang;
    let application = crate::services::routes::own(&state, &signed_in, &id).await?;
    if !open_for(&state, &application).await? {
        return Err(AppError::Conflict);
    }
    let mut page = survey_page(&state, &context, signed_in.csrf.clone(), &application).await?;
    for (name, value) in &fields {
        if name == "saran" {
            page.suggestion = value.trim().chars().take(2000).collect();
        } else if let Some(question) = page.questions.iter_mut().find(|q| q.0 == name) {
            question.2 = value.parse::<u8>().ok().filter(|v| (1..=4).contains(v));
        } else if name != "csrf" {
            return Err(AppError::InvalidParameter {
                name: name.clone(),
                problem: crate::error::ParamProblem::Unknown,
            });
        }
    }
    for question in &mut page.questions {
        if question.2.is_none() {
            let message = lang.t("survey-error-choose");
            question.3 = Some(message.clone());
            page.errors.push((question.0.to_string(), format!("{}: {message}", question.1)));
        }
    }
    if page.suggestion.chars().count() > 1000 {
        page.errors.push(("saran".into(), lang.t("survey-error-suggestion")));
    }
    if !page.errors.is_empty() {
        return render_status(&page, StatusCode::BAD_REQUEST);
    }
    let scores: Vec<i64> = page.questions.iter().map(|q| i64::from(q.2.unwrap_or_default())).collect();
    let row = sqlx::query("SELECT service_id, agency_id FROM applications WHERE id = $1")
        .bind(application.id)
        .fetch_one(state.db.pool())
        .await?;
    let installation = crate::portal::store::installation(&state.db).await?;
    let today = crate::calendar::today_at(installation.utc_offset_hours).to_string();
    let mut tx = state.db.begin().await?;
    let mut insert = sqlx::query(
        "INSERT INTO survey_responses (application_id, service_id, agency_id, submitted_on, \
         u1, u2, u3, u4, u5, u6, u7, u8, u9, suggestion) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (application_id) DO NOTHING",
    )
    .bind(application.id)
    .bind(row.try_get::<i64, _>("service_id")?)
    .bind(row.try_get::<i64, _>("agency_id")?)
    .bind(&today);
    for score in &scores {
        insert = insert.bind(*score);
    }
    let suggestion = Some(page.suggestion.clone()).filter(|s| !s.is_empty());
    if insert.bind(suggestion).execute(&mut *tx).await?.rows_affected() != 1 {
        return Err(AppError::Conflict);
    }
    let entry = crate::audit::Entry {
        actor: &signed_in.principal.actor(),
        action: "survey.answer",
        subject: &format!("application/{}", application.id),
        digest: crate::audit::store::digest_of(&scores),
    };
    crate::audit::append(&state.db, &mut tx, &entry).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/permohonan/{}?dinilai=1", application.id)))
}
