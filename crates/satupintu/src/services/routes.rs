//! The citizen's journey, without JavaScript: read what a service needs, start an
//! application, answer its pages (saved as a draft at every step), check the answers,
//! submit, and follow it on a timeline with its due date.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use satupintu_rules::service::{CheckedService, FieldError, FieldKind, TextFormat};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::session::{AccountKind, SignedIn};
use crate::portal::routes::{render, render_status};
use crate::services::applications::{self, Applicant, Application, Status, SubmitRefusal};
use crate::services::catalogue;
use crate::services::pick;
use crate::web::extract::{Form, Path};
use crate::web::page::{Chrome, format_iso_date, format_timestamp};
use crate::web::{RequestContext, see_other};

fn citizen_only(signed_in: &SignedIn) -> AppResult<()> {
    if signed_in.principal.kind == AccountKind::Citizen { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The page before starting: what is needed, how long it takes, what it costs.
#[derive(Template)]
#[template(path = "services/start.html")]
pub struct StartPage {
    chrome: Chrome,
    csrf: String,
    slug: String,
    description: String,
    requirements: Vec<(String, Option<String>)>,
    pages: Vec<String>,
    sla: String,
    fee: String,
}

/// `GET /layanan/{slug}/ajukan`.
pub async fn start_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    citizen_only(&signed_in)?;
    let lang = context.lang;
    let offered = catalogue::offered(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let definition = &offered.service.definition;
    let page = StartPage {
        chrome: crate::services::chrome(
            &state,
            &context,
            "account",
            lang.t_args("apply-start-title", &[("service", pick(lang, &definition.name))]),
        )
        .await?,
        csrf: signed_in.csrf,
        slug: slug.clone(),
        description: pick(lang, &definition.description),
        requirements: definition
            .requirements
            .iter()
            .map(|r| (pick(lang, &r.label), r.help.as_ref().map(|h| pick(lang, h))))
            .collect(),
        pages: definition.form.pages.iter().map(|p| pick(lang, &p.title)).collect(),
        sla: lang.t_args("apply-sla", &[("days", definition.sla_working_days.to_string())]),
        fee: crate::web::page::format_rupiah(lang, definition.fee_rupiah),
    };
    render(&page)
}

/// The start button's (empty) form.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartForm {}

/// `POST /layanan/{slug}/ajukan`: opens the citizen's draft (or the one already open).
pub async fn start(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(_): Form<StartForm>,
) -> AppResult<Response> {
    citizen_only(&signed_in)?;
    let offered = catalogue::offered(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let region = citizen_region(&state, signed_in.principal.account_id).await?;
    let mut tx = state.db.begin().await?;
    let applicant = Applicant { account_id: signed_in.principal.account_id, region_code: &region };
    let id = applications::start_draft(&state.db, &mut tx, &state.fields, applicant, &slug, &offered).await?;
    tx.commit().await?;
    let first = offered.service.definition.form.pages.first().map(|p| p.key.clone()).unwrap_or_default();
    Ok(see_other(&format!("/permohonan/{id}/isi/{first}")))
}

/// The district of the citizen's NIK: the region officers' scope is checked against.
pub async fn citizen_region(state: &AppState, account_id: i64) -> AppResult<String> {
    let row = sqlx::query("SELECT nik_district FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(state.db.pool())
        .await?;
    Ok(sqlx::Row::try_get::<Option<String>, _>(&row, "nik_district")?.unwrap_or_default())
}

/// The citizen's own application; any other is "not found", revealing nothing.
pub async fn own(state: &AppState, signed_in: &SignedIn, id: &str) -> AppResult<Application> {
    citizen_only(signed_in)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    match applications::load(&state.db, &state.fields, id).await? {
        Some(application) if application.account_id == signed_in.principal.account_id => Ok(application),
        _ => Err(AppError::NotFound),
    }
}

/// One question on a form page.
pub struct Question {
    /// The field's name (and the input's id).
    pub name: String,
    /// The label.
    pub label: String,
    /// Help.
    pub hint: Option<String>,
    /// When it applies, if it depends on another answer on the same page.
    pub condition: Option<String>,
    /// What is wrong with the answer.
    pub error: Option<String>,
    /// `text`, `textarea`, `date`, `number`, `email`, `tel` or `radio`.
    pub widget: &'static str,
    /// The answer so far.
    pub value: String,
    /// Choices of a radio question: value, label, chosen.
    pub options: Vec<(String, String, bool)>,
    /// `inputmode` of a text input.
    pub inputmode: &'static str,
}

impl Question {
    /// The ids of the hint, the condition and the error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.condition.is_some() {
            ids.push(format!("{}-condition", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

fn value_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// An answer as a reader sees it: choice labels, Ya/Tidak, dates in words.
pub fn answer_text(lang: Lang, service: &CheckedService, field: &str, value: &Value) -> String {
    let hints = service.definition.form.fields.get(field);
    match (service.kinds.get(field), value) {
        (Some(FieldKind::Choice { .. }), Value::String(v)) => {
            hints.and_then(|h| h.options.get(v)).map_or_else(|| v.clone(), |t| pick(lang, t))
        }
        (Some(FieldKind::Boolean), Value::Bool(b)) => lang.t(if *b { "apply-yes" } else { "apply-no" }),
        (Some(FieldKind::Text { format: Some(TextFormat::Date), .. }), Value::String(v)) => {
            format_iso_date(lang, v).unwrap_or_else(|| v.clone())
        }
        _ => value_text(Some(value)),
    }
}

fn questions(
    lang: Lang,
    service: &CheckedService,
    page_fields: &[String],
    data: &Map<String, Value>,
    errors: &[FieldError],
) -> Vec<Question> {
    let on_page = |field: &str| page_fields.iter().any(|f| f == field);
    page_fields
        .iter()
        .filter_map(|name| {
            let hints = service.definition.form.fields.get(name)?;
            let kind = service.kinds.get(name)?;
            // A condition on an earlier page is already answered: hide the question outright.
            let condition = match &hints.show_if {
                Some(c) if on_page(&c.field) => {
                    let asked = service.definition.form.fields.get(&c.field).map(|h| pick(lang, &h.label));
                    let answer = answer_text(lang, service, &c.field, &c.equals);
                    Some(lang.t_args(
                        "apply-only-if",
                        &[("question", asked.unwrap_or_default()), ("answer", answer)],
                    ))
                }
                Some(_) if !service.is_shown(name, data) => return None,
                _ => None,
            };
            let value = value_text(data.get(name));
            let (widget, inputmode, options) = match kind {
                FieldKind::Choice { values } => (
                    "radio",
                    "",
                    values
                        .iter()
                        .map(|v| {
                            let label =
                                hints.options.get(v).map(|t| pick(lang, t)).unwrap_or_else(|| v.clone());
                            (v.clone(), label, &value == v)
                        })
                        .collect(),
                ),
                FieldKind::Boolean => (
                    "radio",
                    "",
                    vec![
                        ("true".into(), lang.t("apply-yes"), value == "true"),
                        ("false".into(), lang.t("apply-no"), value == "false"),
                    ],
                ),
                FieldKind::Integer { .. } => ("text", "numeric", Vec::new()),
                FieldKind::Text { format: Some(TextFormat::Date), .. } => ("date", "", Vec::new()),
                FieldKind::Text { format: Some(TextFormat::Email), .. } => ("email", "", Vec::new()),
                FieldKind::Text { format: Some(TextFormat::Phone), .. } => ("tel", "", Vec::new()),
                FieldKind::Text { format: Some(TextFormat::Nik), .. } => ("text", "numeric", Vec::new()),
                FieldKind::Text { .. } if hints.multiline => ("textarea", "", Vec::new()),
                FieldKind::Text { .. } => ("text", "", Vec::new()),
            };
            let required = service.required.contains(name);
            let mut label = pick(lang, &hints.label);
            if !required {
                label = lang.t_args("apply-optional", &[("label", label)]);
            }
            Some(Question {
                name: name.clone(),
                label,
                hint: hints.help.as_ref().map(|h| pick(lang, h)),
                condition,
                error: errors
                    .iter()
                    .find(|e| &e.field == name)
                    .map(|e| crate::services::answer_problem_message(lang, &e.problem)),
                widget,
                value,
                options,
                inputmode,
            })
        })
        .collect()
}

/// One page of an application's form.
#[derive(Template)]
#[template(path = "services/form.html")]
pub struct FormPageView {
    chrome: Chrome,
    csrf: String,
    action: String,
    step_of: String,
    questions: Vec<Question>,
    errors: Vec<(String, String)>,
    saved: bool,
    back: Option<String>,
}

fn page_index(service: &CheckedService, key: &str) -> AppResult<usize> {
    service.definition.form.pages.iter().position(|p| p.key == key).ok_or(AppError::NotFound)
}

async fn form_view(
    state: &AppState,
    context: &RequestContext,
    csrf: String,
    application: &Application,
    index: usize,
    data: &Map<String, Value>,
    errors: &[FieldError],
) -> AppResult<FormPageView> {
    let lang = context.lang;
    let pages = &application.service.definition.form.pages;
    let page = pages.get(index).ok_or(AppError::NotFound)?;
    let questions = questions(lang, &application.service, &page.fields, data, errors);
    let summary = questions.iter().filter_map(|q| q.error.clone().map(|e| (q.name.clone(), e))).collect();
    let id = application.id;
    Ok(FormPageView {
        chrome: crate::services::chrome(state, context, "account", pick(lang, &page.title)).await?,
        csrf,
        action: format!("/permohonan/{id}/isi/{}", page.key),
        step_of: lang.t_args(
            "apply-page-of",
            &[
                ("service", pick(lang, &application.service.definition.name)),
                ("page", (index + 1).to_string()),
                ("pages", pages.len().to_string()),
            ],
        ),
        questions,
        errors: summary,
        saved: false,
        back: index
            .checked_sub(1)
            .and_then(|i| pages.get(i))
            .map(|p| format!("/permohonan/{id}/isi/{}", p.key)),
    })
}

/// `GET /permohonan/{id}/isi/{page}`.
pub async fn form_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path((id, key)): Path<(String, String)>,
) -> AppResult<Response> {
    let application = own(&state, &signed_in, &id).await?;
    if !application.status.is_editable() {
        return Ok(see_other(&format!("/permohonan/{}", application.id)));
    }
    let index = page_index(&application.service, &key)?;
    render(&form_view(&state, &context, signed_in.csrf, &application, index, &application.data, &[]).await?)
}

/// `POST /permohonan/{id}/isi/{page}`: `aksi=simpan` keeps the answers as they are and
/// stays; otherwise the page's answers are checked and the next page (or the check page)
/// follows. Either way the draft keeps what was typed.
pub async fn save_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path((id, key)): Path<(String, String)>,
    Form(inputs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let csrf = signed_in.csrf.clone();
    let application = own(&state, &signed_in, &id).await?;
    if !application.status.is_editable() {
        return Err(AppError::Conflict);
    }
    let service = &application.service;
    let index = page_index(service, &key)?;
    let page = &service.definition.form.pages[index];
    let save_only = inputs.iter().any(|(name, value)| name == "aksi" && value == "simpan");
    let typed = service.from_form_text(
        inputs.iter().filter(|(name, _)| page.fields.contains(name)).map(|(n, v)| (n.as_str(), v.as_str())),
    );
    // The page's answers replace the draft's; an emptied input removes its answer.
    let mut data = application.data.clone();
    for field in &page.fields {
        data.remove(field);
    }
    data.extend(typed);
    let checked = service.validate_fields(&data, page.fields.iter().map(String::as_str));
    // Valid answers are stored cleaned; invalid ones as typed, so nothing the citizen wrote is lost.
    if let Ok(clean) = &checked {
        for field in &page.fields {
            data.remove(field);
        }
        data.extend(clean.clone());
    }
    if !applications::save_draft(&state.db, &state.fields, &application, &data).await? {
        return Err(AppError::Conflict);
    }
    match (save_only, checked) {
        (true, _) => {
            let mut view = form_view(&state, &context, csrf, &application, index, &data, &[]).await?;
            view.saved = true;
            render(&view)
        }
        (false, Err(errors)) => {
            let view = form_view(&state, &context, csrf, &application, index, &data, &errors).await?;
            render_status(&view, StatusCode::BAD_REQUEST)
        }
        (false, Ok(_)) => {
            let next = service.definition.form.pages.get(index + 1);
            let asks_documents =
                service.definition.requirements.iter().any(|r| service.requirement_shown(r, &data));
            Ok(see_other(&match next {
                Some(next) => format!("/permohonan/{}/isi/{}", application.id, next.key),
                None if asks_documents => format!("/permohonan/{}/dokumen", application.id),
                None => format!("/permohonan/{}/periksa", application.id),
            }))
        }
    }
}

/// The check-your-answers page.
#[derive(Template)]
#[template(path = "services/check.html")]
pub struct CheckPage {
    chrome: Chrome,
    csrf: String,
    id: i64,
    sections: Vec<CheckSection>,
    errors: Vec<(String, String)>,
    sla: String,
    documents: Vec<(String, String)>,
}

/// Answers of one form page.
pub struct CheckSection {
    /// The page's title.
    pub title: String,
    /// Where to change them.
    pub href: String,
    /// Question, answer, and the error if any.
    pub rows: Vec<(String, String, Option<String>)>,
}

async fn check_view(
    state: &AppState,
    context: &RequestContext,
    csrf: String,
    application: &Application,
    errors: &[FieldError],
) -> AppResult<CheckPage> {
    let lang = context.lang;
    let service = &application.service;
    let sections = service
        .definition
        .form
        .pages
        .iter()
        .map(|page| CheckSection {
            title: pick(lang, &page.title),
            href: format!("/permohonan/{}/isi/{}", application.id, page.key),
            rows: page
                .fields
                .iter()
                .filter(|f| service.is_shown(f, &application.data))
                .filter_map(|f| {
                    let label = pick(lang, &service.definition.form.fields.get(f)?.label);
                    let answer = application
                        .data
                        .get(f)
                        .map(|v| answer_text(lang, service, f, v))
                        .unwrap_or_else(|| lang.t("apply-not-answered"));
                    let error = errors
                        .iter()
                        .find(|e| &e.field == f)
                        .map(|e| crate::services::answer_problem_message(lang, &e.problem));
                    Some((label, answer, error))
                })
                .collect(),
        })
        .collect();
    let summary = errors
        .iter()
        .map(|e| {
            let label = service
                .definition
                .form
                .fields
                .get(&e.field)
                .map(|h| pick(lang, &h.label))
                .unwrap_or_default();
            (
                e.field.clone(),
                format!("{label}: {}", crate::services::answer_problem_message(lang, &e.problem)),
            )
        })
        .collect();
    let uploaded = crate::services::attachments::of_application(&state.db, application.id).await?;
    let documents = crate::services::documents::shown_requirements(application)
        .into_iter()
        .map(|r| {
            let state = uploaded
                .iter()
                .find(|a| a.requirement_key == r.key)
                .map(|a| {
                    format!(
                        "{} ({})",
                        a.file_name,
                        crate::services::documents::format_size(lang, a.size_bytes)
                    )
                })
                .unwrap_or_else(|| lang.t("docs-missing"));
            (pick(lang, &r.label), state)
        })
        .collect();
    Ok(CheckPage {
        documents,
        chrome: crate::services::chrome(state, context, "account", lang.t("apply-check-title")).await?,
        csrf,
        id: application.id,
        sections,
        errors: summary,
        sla: lang.t_args("apply-sla", &[("days", service.definition.sla_working_days.to_string())]),
    })
}

/// `GET /permohonan/{id}/periksa`.
pub async fn check_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let application = own(&state, &signed_in, &id).await?;
    if !application.status.is_editable() {
        return Ok(see_other(&format!("/permohonan/{}", application.id)));
    }
    render(&check_view(&state, &context, signed_in.csrf, &application, &[]).await?)
}

/// `POST /permohonan/{id}/kirim`: submits the draft.
pub async fn submit(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(_): Form<StartForm>,
) -> AppResult<Response> {
    let application = own(&state, &signed_in, &id).await?;
    let missing = missing_documents(&state, context.lang, &application).await?;
    if application.status.is_editable() && !missing.is_empty() {
        let mut view = check_view(&state, &context, signed_in.csrf, &application, &[]).await?;
        for label in missing {
            let message = context.lang.t_args("docs-error-required", &[("document", label)]);
            view.errors.push(("dokumen".into(), message));
        }
        return render_status(&view, StatusCode::BAD_REQUEST);
    }
    let outcome =
        submit_application(&state, context.lang, &application, &signed_in.principal.actor()).await?;
    match outcome {
        Ok(_) => Ok(see_other(&format!("/permohonan/{}?terkirim=1", application.id))),
        Err(SubmitRefusal::NotDraft) => Ok(see_other(&format!("/permohonan/{}", application.id))),
        Err(SubmitRefusal::Invalid(errors)) => {
            let view = check_view(&state, &context, signed_in.csrf, &application, &errors).await?;
            render_status(&view, StatusCode::BAD_REQUEST)
        }
    }
}

/// The labels of required documents the answers call for that are not uploaded yet.
async fn missing_documents(
    state: &AppState,
    lang: Lang,
    application: &Application,
) -> AppResult<Vec<String>> {
    let uploaded = crate::services::attachments::of_application(&state.db, application.id).await?;
    Ok(crate::services::documents::missing_required(application, &uploaded)
        .into_iter()
        .map(|r| pick(lang, &r.label))
        .collect())
}

/// Submits with the citizen's notice (mail, or SMS without email), committed with the other
/// submissions of the moment (see [`crate::db::Db::grouped`]).
pub async fn submit_application(
    state: &AppState,
    lang: Lang,
    application: &Application,
    actor: &str,
) -> AppResult<Result<applications::Submitted, SubmitRefusal>> {
    let facts = SubmitFacts::load(state, application.account_id, &application.service_slug).await?;
    let (state_in, application, actor) = (state.clone(), application.clone(), actor.to_string());
    let outcome = state
        .db
        .grouped(move |tx| {
            Box::pin(async move { submit_in(&state_in, tx, lang, &application, None, &actor, facts).await })
        })
        .await?;
    if outcome.is_ok() {
        state.outbox.wake();
    }
    Ok(outcome)
}

/// What a submission reads besides the application, gathered before its transaction opens
/// (a transaction must not wait on another pool connection).
pub struct SubmitFacts {
    calendar: std::sync::Arc<satupintu_rules::calendar::Calendar>,
    policy: satupintu_rules::calendar::LeavePolicy,
    today: jiff::civil::Date,
    contact: crate::identity::accounts::Contact,
}

impl SubmitFacts {
    /// Reads the calendar, the agency's policy, today's local date and how to reach the
    /// citizen: two queries besides the cached settings.
    pub async fn load(state: &AppState, account_id: i64, service_slug: &str) -> AppResult<Self> {
        let worked = Self::collective_leave_worked(&state.db, service_slug).await?;
        let installation = crate::portal::store::installation(&state.db).await?;
        let contact = crate::identity::accounts::contact(&state.db, &state.fields, account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Self {
            calendar: crate::calendar::load(&state.db).await?,
            policy: crate::calendar::leave_policy(worked),
            today: crate::calendar::today_at(installation.utc_offset_hours),
            contact,
        })
    }

    /// Whether the agency offering the service counts collective leave as working days.
    async fn collective_leave_worked(db: &crate::db::Db, service_slug: &str) -> AppResult<i64> {
        if let Some(kept) = db.recent().leave_worked.get(db.changes(), service_slug) {
            return Ok(kept);
        }
        let since = std::time::Instant::now();
        let row = sqlx::query(
            "SELECT g.collective_leave_worked, g.slug FROM services s JOIN agencies g ON g.id = s.agency_id \
             WHERE s.slug = $1",
        )
        .bind(service_slug)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)?;
        let worked: i64 = sqlx::Row::try_get(&row, "collective_leave_worked")?;
        let agency: String = sqlx::Row::try_get(&row, "slug")?;
        let records = vec![format!("service/{service_slug}"), format!("agency/{agency}")];
        db.recent().leave_worked.put(service_slug.to_string(), since, records, worked);
        Ok(worked)
    }

    /// The district of the citizen's NIK.
    pub fn district(&self) -> &str {
        &self.contact.district
    }
}

/// Submits in the caller's transaction and queues the citizen's notice in it; the caller
/// commits and wakes the outbox.
pub async fn submit_in(
    state: &AppState,
    tx: &mut crate::db::Tx,
    lang: Lang,
    application: &Application,
    creating: Option<&applications::Creating>,
    actor: &str,
    facts: SubmitFacts,
) -> AppResult<Result<applications::Submitted, SubmitRefusal>> {
    let clock =
        applications::SlaClock { calendar: &facts.calendar, policy: facts.policy, today: facts.today };
    let reachable = facts.contact.reachable;
    let notice = |submitted: &applications::Submitted| {
        let receipt = submitted.receipt.clone();
        let service = pick(lang, &application.service.definition.name);
        let path = format!("/permohonan/{}", submitted.id);
        let link = format!("{}{path}", state.link_base);
        let subject = lang.t_args("mail-submitted-subject", &[("receipt", receipt.clone())]);
        let notice = crate::services::Notice {
            path,
            title: subject.clone(),
            subject,
            body: lang.t_args(
                "mail-submitted-body",
                &[("receipt", receipt.clone()), ("service", service), ("link", link.clone())],
            ),
            sms: lang.t_args("sms-submitted", &[("receipt", receipt), ("link", link)]),
        };
        crate::services::notice_rows(state, application.account_id, reachable, notice)
    };
    Ok(applications::submit(&state.db, tx, &state.fields, application, creating, &clock, actor, notice)
        .await?)
}

/// The name of a workflow step in the reader's language.
pub fn step_name(lang: Lang, service: &CheckedService, key: &str) -> String {
    service
        .definition
        .workflow
        .steps
        .iter()
        .find(|s| s.key == key)
        .map(|s| pick(lang, &s.name))
        .unwrap_or_default()
}

/// The timeline of an application as shown on pages: when, what, and the officer's note.
pub async fn timeline_rows(
    state: &AppState,
    lang: Lang,
    application: &Application,
) -> AppResult<Vec<(String, String, Option<String>)>> {
    let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
    Ok(applications::events(&state.db, application.id)
        .await?
        .into_iter()
        .map(|e| {
            let step =
                e.step.as_deref().map(|k| step_name(lang, &application.service, k)).unwrap_or_default();
            let what = lang.t_args(&format!("apply-event-{}", e.kind), &[("step", step)]);
            (format_timestamp(lang, e.at, offset), what, e.note)
        })
        .collect())
}

/// An application's status page.
#[derive(Template)]
#[template(path = "services/status.html")]
pub struct StatusPage {
    chrome: Chrome,
    id: i64,
    facts: StatusFacts,
    just_submitted: bool,
    just_rated: bool,
}

/// The query of the status page.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    terkirim: Option<u8>,
    dinilai: Option<u8>,
}

/// What the status page shows of an application in one language, kept a moment per node
/// (see [`crate::db::fresh`]): the page is what citizens reload while they wait.
#[derive(Clone, Debug)]
pub struct StatusFacts {
    account_id: i64,
    title: String,
    receipt: Option<String>,
    status: String,
    step: Option<String>,
    due: Option<String>,
    timeline: Vec<(String, String, Option<String>)>,
    continue_href: Option<String>,
    revision: bool,
    draft: bool,
    issued: Option<crate::services::verify::Shown>,
    survey_open: bool,
}

impl StatusFacts {
    async fn read(state: &AppState, lang: Lang, application: &Application) -> AppResult<(Self, Vec<String>)> {
        let mut records = vec![format!("application/{}", application.id)];
        // Documents are issued on approval only: other applications need not look.
        let issued = match application.status {
            Status::Approved => crate::services::issued::of_application(&state.db, application.id).await?,
            _ => None,
        };
        let issued = match issued {
            Some(issued) => {
                records.push(format!("document/{}", issued.code));
                let offset = crate::portal::store::installation(&state.db).await?.utc_offset_hours;
                Some(crate::services::verify::Shown::new(lang, &issued, offset))
            }
            None => None,
        };
        let step_name = |key: &str| step_name(lang, &application.service, key);
        let facts = Self {
            account_id: application.account_id,
            title: pick(lang, &application.service.definition.name),
            receipt: application.receipt.clone(),
            status: lang.t(&format!("apply-status-{}", application.status.as_str())),
            step: application.step.as_deref().map(step_name),
            due: application.due_on.as_deref().and_then(|d| format_iso_date(lang, d)),
            timeline: timeline_rows(state, lang, application).await?,
            continue_href: application
                .status
                .is_editable()
                .then(|| format!("/permohonan/{}/periksa", application.id)),
            revision: application.status == Status::Revision,
            draft: application.status == Status::Draft,
            issued,
            survey_open: crate::services::survey::open_for(state, application).await?,
        };
        Ok((facts, records))
    }

    /// The facts of the signed-in citizen's application `id`, kept or read now.
    async fn of_own(state: &AppState, signed_in: &SignedIn, lang: Lang, id: &str) -> AppResult<(i64, Self)> {
        citizen_only(signed_in)?;
        let number: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let key = format!("{number}:{}", lang.code());
        let kept = state.db.recent().status_pages.get(state.db.changes(), &key);
        let facts = match kept {
            Some(facts) => facts,
            None => {
                let since = std::time::Instant::now();
                let application = own(state, signed_in, id).await?;
                let (facts, records) = Self::read(state, lang, &application).await?;
                state.db.recent().status_pages.put(key, since, records, facts.clone());
                facts
            }
        };
        if facts.account_id != signed_in.principal.account_id {
            return Err(AppError::NotFound);
        }
        Ok((number, facts))
    }
}

/// `GET /permohonan/{id}`.
pub async fn status_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Path(id): Path<String>,
    crate::web::extract::Query(query): crate::web::extract::Query<StatusQuery>,
) -> AppResult<Response> {
    let (id, facts) = StatusFacts::of_own(&state, &signed_in, context.lang, &id).await?;
    let page = StatusPage {
        chrome: crate::services::chrome(&state, &context, "account", facts.title.clone()).await?,
        id,
        just_submitted: query.terkirim == Some(1) && !facts.draft,
        just_rated: query.dinilai == Some(1),
        facts,
    };
    render(&page)
}

/// The citizen's list of applications.
#[derive(Template)]
#[template(path = "services/list.html")]
pub struct ListPage {
    chrome: Chrome,
    rows: Vec<(String, String, String, String, String)>,
}

/// `GET /akun/permohonan`.
pub async fn list_page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    citizen_only(&signed_in)?;
    let lang = context.lang;
    let rows = applications::list_for_account(&state.db, signed_in.principal.account_id)
        .await?
        .into_iter()
        .map(|a| {
            let href = format!("/permohonan/{}", a.id);
            let number = a.receipt.unwrap_or_else(|| lang.t("apply-draft-number"));
            let due =
                a.due_on.as_deref().and_then(|d| format_iso_date(lang, d)).unwrap_or_else(|| "—".into());
            (
                href,
                number,
                lang.pick(&a.service_name.0, &a.service_name.1).to_string(),
                lang.t(&format!("apply-status-{}", a.status.as_str())),
                due,
            )
        })
        .collect();
    render(&ListPage {
        chrome: crate::services::chrome(&state, &context, "account", lang.t("apply-list-title")).await?,
        rows,
    })
}
