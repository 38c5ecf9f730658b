//! The satisfaction survey (IKM, PermenPAN-RB 14/2017): the nine elements, each on the
//! regulation's 1-4 scale, the respondent's optional profile of its annex (sex, age group,
//! education, occupation) and a suggestion. A citizen answers it once an application is closed
//! (one response per application); anyone answers it at a service unit's counter or kiosk
//! through the unit's walk-in address or QR code (`/survei/{unit}`). Responses are stored per
//! unit (agency) for the IKM report, never with a name.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::Row;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::session::{SignedIn, Visitor};
use crate::portal::routes::{render, render_status};
use crate::services::applications::{Application, Status};
use crate::web::extract::{Form, Path, Query};
use crate::web::page::Chrome;
use crate::web::{RequestContext, see_other};

/// The elements, in the regulation's order.
pub const ELEMENTS: [&str; 9] =
    ["persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan", "sarana"];

/// The profile questions (all optional): the form's name, the stored column, the choices.
const PROFILE: [(&str, &str, &[&str]); 4] = [
    ("jenis_kelamin", "sex", &["L", "P"]),
    ("usia", "age_group", &["17-25", "26-35", "36-45", "46-55", "56-atas"]),
    ("pendidikan", "education", &["sd", "smp", "sma", "diploma", "s1", "s2", "s3"]),
    ("pekerjaan", "occupation", &["pns", "tni-polri", "swasta", "wirausaha", "pelajar", "lainnya"]),
];

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

/// Whether the reporter may rate the handling of this complaint now: closed, routed to a
/// unit, not rated yet.
pub async fn open_for_complaint(
    state: &AppState,
    complaint: &crate::complaints::Complaint,
) -> anyhow::Result<bool> {
    if complaint.status != satupintu_rules::complaint::Status::Closed || complaint.agency.is_none() {
        return Ok(false);
    }
    let answered = sqlx::query("SELECT 1 FROM survey_responses WHERE complaint_id = $1")
        .bind(complaint.id)
        .fetch_optional(state.db.pool())
        .await?;
    Ok(answered.is_none())
}

/// The survey page, for an application or for a unit's walk-in respondents.
#[derive(Template)]
#[template(path = "services/survey.html")]
pub struct SurveyPage {
    chrome: Chrome,
    csrf: String,
    /// Where the form posts.
    action: String,
    /// After a walk-in response: thanks, and the form again for the next respondent.
    thanked: bool,
    /// Fields the form carries along (a complaint's tracking code).
    hidden: Vec<(&'static str, String)>,
    /// Each element: key, question, chosen score, error.
    questions: Vec<(&'static str, String, Option<u8>, Option<String>)>,
    /// Each profile question: name, label, choices.
    profile: Vec<(&'static str, String, Vec<Choice>)>,
    suggestion: String,
    errors: Vec<(String, String)>,
}

/// A choice of a profile question: value, label, chosen.
type Choice = (&'static str, String, bool);

impl SurveyPage {
    fn is_checked(&self, chosen: &Option<u8>, score: &u8) -> bool {
        *chosen == Some(*score)
    }

    fn new(chrome: Chrome, csrf: String, action: String) -> Self {
        let lang = chrome.lang;
        Self {
            csrf,
            action,
            thanked: false,
            hidden: Vec::new(),
            questions: ELEMENTS
                .iter()
                .map(|key| (*key, lang.t(&format!("survey-q-{key}")), None, None))
                .collect(),
            profile: PROFILE
                .iter()
                .map(|(name, _, values)| {
                    let choices = values
                        .iter()
                        .map(|value| (*value, lang.t(&format!("survey-profile-{name}-{value}")), false))
                        .collect();
                    (*name, lang.t(&format!("survey-profile-{name}")), choices)
                })
                .collect(),
            suggestion: String::new(),
            errors: Vec::new(),
            chrome,
        }
    }

    /// Reads the posted form into the page (answers kept, errors beside their questions);
    /// the checked response when nothing is wrong.
    fn read(&mut self, lang: Lang, fields: &[(String, String)]) -> AppResult<Option<Answers>> {
        for (name, value) in fields {
            if name == "saran" {
                self.suggestion = value.trim().chars().take(2000).collect();
            } else if let Some(question) = self.questions.iter_mut().find(|q| q.0 == name) {
                question.2 = value.parse::<u8>().ok().filter(|v| (1..=4).contains(v));
            } else if let Some(profile) = self.profile.iter_mut().find(|p| p.0 == name) {
                // An unknown choice is left unanswered, as an empty one is.
                for choice in &mut profile.2 {
                    choice.2 = choice.0 == value;
                }
            } else if name != "csrf" && !self.hidden.iter().any(|(hidden, _)| hidden == name) {
                return Err(AppError::InvalidParameter {
                    name: name.clone(),
                    problem: crate::error::ParamProblem::Unknown,
                });
            }
        }
        for question in &mut self.questions {
            if question.2.is_none() {
                let message = lang.t("survey-error-choose");
                question.3 = Some(message.clone());
                self.errors.push((format!("{}-1", question.0), format!("{}: {message}", question.1)));
            }
        }
        if self.suggestion.chars().count() > 1000 {
            self.errors.push(("saran".into(), lang.t("survey-error-suggestion")));
        }
        if !self.errors.is_empty() {
            return Ok(None);
        }
        Ok(Some(Answers {
            scores: std::array::from_fn(|i| i64::from(self.questions[i].2.unwrap_or_default())),
            suggestion: Some(self.suggestion.clone()).filter(|s| !s.is_empty()),
            profile: std::array::from_fn(|i| self.profile[i].2.iter().find(|c| c.2).map(|c| c.0.to_string())),
        }))
    }
}

/// A checked response.
struct Answers {
    scores: [i64; 9],
    suggestion: Option<String>,
    /// In the order of [`PROFILE`].
    profile: [Option<String>; 4],
}

/// What a response is about.
enum Case {
    /// A closed application (one response each).
    Application { id: i64, service_id: i64 },
    /// A closed complaint (one response each).
    Complaint { id: i64 },
    /// A visit to the unit's counter or kiosk.
    WalkIn,
}

/// Stores a response with its audit entry; false when the case was answered already.
async fn store(
    state: &AppState,
    actor: &str,
    case: Case,
    agency_id: i64,
    answers: &Answers,
) -> anyhow::Result<bool> {
    let installation = crate::portal::store::installation(&state.db).await?;
    let today = crate::calendar::today_at(installation.utc_offset_hours).to_string();
    let (source, application_id, complaint_id, service_id, subject) = match case {
        Case::Application { id, service_id } => {
            ("application", Some(id), None, Some(service_id), format!("application/{id}"))
        }
        Case::Complaint { id } => ("complaint", None, Some(id), None, format!("complaint/{id}")),
        Case::WalkIn => ("walk_in", None, None, None, format!("agency/{agency_id}")),
    };
    let mut tx = state.db.begin().await?;
    let mut insert = sqlx::query(
        "INSERT INTO survey_responses (source, application_id, complaint_id, service_id, agency_id, \
         submitted_on, u1, u2, u3, u4, u5, u6, u7, u8, u9, suggestion, sex, age_group, education, occupation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
         ON CONFLICT DO NOTHING",
    )
    .bind(source)
    .bind(application_id)
    .bind(complaint_id)
    .bind(service_id)
    .bind(agency_id)
    .bind(&today);
    for score in answers.scores {
        insert = insert.bind(score);
    }
    insert = insert.bind(answers.suggestion.clone());
    for value in &answers.profile {
        insert = insert.bind(value.clone());
    }
    if insert.execute(&mut *tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    let entry = crate::audit::Entry {
        actor,
        action: "survey.answer",
        subject: &subject,
        digest: crate::audit::store::digest_of(&answers.scores),
    };
    crate::audit::append(&state.db, &mut tx, &entry).await?;
    tx.commit().await?;
    Ok(true)
}

async fn application_page(
    state: &AppState,
    context: &RequestContext,
    csrf: String,
    application: &Application,
) -> AppResult<SurveyPage> {
    let chrome = crate::services::chrome(state, context, "account", context.lang.t("survey-title")).await?;
    Ok(SurveyPage::new(chrome, csrf, format!("/permohonan/{}/survei", application.id)))
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
    render(&application_page(&state, &context, signed_in.csrf, &application).await?)
}

/// `POST /permohonan/{id}/survei`: every element must be scored; the profile and the
/// suggestion are optional.
pub async fn submit(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let application = crate::services::routes::own(&state, &signed_in, &id).await?;
    if !open_for(&state, &application).await? {
        return Err(AppError::Conflict);
    }
    let mut page = application_page(&state, &context, signed_in.csrf.clone(), &application).await?;
    let Some(answers) = page.read(context.lang, &fields)? else {
        return render_status(&page, StatusCode::BAD_REQUEST);
    };
    let row = sqlx::query("SELECT service_id, agency_id FROM applications WHERE id = $1")
        .bind(application.id)
        .fetch_one(state.db.pool())
        .await?;
    let case = Case::Application { id: application.id, service_id: row.try_get("service_id")? };
    if !store(&state, &signed_in.principal.actor(), case, row.try_get("agency_id")?, &answers).await? {
        return Err(AppError::Conflict);
    }
    Ok(see_other(&format!("/permohonan/{}?dinilai=1", application.id)))
}

/// The walk-in page's query: `terima=1` after a response.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkInQuery {
    terima: Option<u8>,
}

/// The unit by its slug: id and name.
async fn unit(state: &AppState, slug: &str) -> AppResult<(i64, String)> {
    let row = sqlx::query("SELECT id, name FROM agencies WHERE slug = $1")
        .bind(slug)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((row.try_get("id")?, row.try_get("name")?))
}

async fn walk_in_page(
    state: &AppState,
    context: &RequestContext,
    csrf: String,
    slug: &str,
    name: &str,
) -> AppResult<SurveyPage> {
    let installation = crate::portal::store::installation(&state.db).await?;
    let title = context.lang.t_args("survey-walk-in-title", &[("unit", name.to_string())]);
    let chrome = Chrome::new(context, &installation, "services", title);
    Ok(SurveyPage::new(chrome, csrf, format!("/survei/{slug}")))
}

/// `GET /survei/{unit}`: the survey for anyone served at the unit, signed in or not (the
/// address of the unit's kiosk and of the QR code on its counter).
pub async fn walk_in_form(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(query): Query<WalkInQuery>,
) -> AppResult<Response> {
    let (_, name) = unit(&state, &slug).await?;
    let mut page = walk_in_page(&state, &context, visitor.csrf, &slug, &name).await?;
    page.thanked = query.terima == Some(1);
    render(&page)
}

/// `POST /survei/{unit}`: stores the response and shows the form again, thanking the last
/// respondent, ready for the next.
pub async fn walk_in_submit(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Path(slug): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (agency_id, name) = unit(&state, &slug).await?;
    let mut page = walk_in_page(&state, &context, visitor.csrf.clone(), &slug, &name).await?;
    let Some(answers) = page.read(context.lang, &fields)? else {
        return render_status(&page, StatusCode::BAD_REQUEST);
    };
    let actor = visitor.principal.as_ref().map_or_else(|| "visitor".to_string(), |p| p.actor());
    store(&state, &actor, Case::WalkIn, agency_id, &answers).await?;
    Ok(see_other(&format!("/survei/{slug}?terima=1")))
}

/// `POST /pengaduan/survei`: the reporter of a closed complaint, by tracking code (in the body,
/// never in a URL), rates its handling once. With the code alone it shows the survey; with the
/// answers (`kirim`) it stores them and shows the report again, thanking the reporter.
pub async fn complaint_survey(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = context.lang;
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let code = field("kode").unwrap_or_default();
    let complaint = crate::complaints::by_tracking_code(&state, &code).await?.ok_or(AppError::NotFound)?;
    if !open_for_complaint(&state, &complaint).await? {
        return Err(AppError::Conflict);
    }
    let chrome = crate::services::chrome(&state, &context, "complaints", lang.t("survey-title")).await?;
    let mut page = SurveyPage::new(chrome, visitor.csrf.clone(), "/pengaduan/survei".into());
    page.hidden = vec![("kode", code.trim().chars().take(40).collect()), ("kirim", "1".into())];
    if field("kirim").is_none() {
        return render(&page);
    }
    let Some(answers) = page.read(lang, &fields)? else {
        return render_status(&page, StatusCode::BAD_REQUEST);
    };
    let agency_id = complaint.agency.as_ref().map(|(id, _)| *id).ok_or(AppError::Conflict)?;
    let actor = match &visitor.principal {
        Some(p) if complaint.account_id == Some(p.account_id) => p.actor(),
        _ => format!("reporter:complaint/{}", complaint.id),
    };
    if !store(&state, &actor, Case::Complaint { id: complaint.id }, agency_id, &answers).await? {
        return Err(AppError::Conflict);
    }
    let mut shown =
        crate::complaints::routes::reporter_page(&state, &context, visitor.csrf, &complaint, &code).await?;
    shown.answer = Some((true, lang.t("survey-thanks")));
    render(&shown)
}
