//! Content editing (`/admin/konten`): news and announcements, regulations' metadata, FAQ
//! entries and the fixed pages, each saved as a draft or published by a content editor (or
//! an admin). Every save is one transaction with its audit entry. Publishing (re)indexes the
//! item for search and saving as a draft takes it out of the index, so the public pages, the
//! API and search never show a draft.

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::AppState;
use crate::audit;
use crate::db::Tx;
use crate::error::{AppError, AppResult, ParamProblem};
use crate::i18n::Lang;
use crate::identity::roles::{Officer, Permission};
use crate::identity::routes::MessagePage;
use crate::portal::model::Installation;
use crate::portal::routes::{REGULATION_STATUSES, render};
use crate::portal::search::{DocKind, Indexer};
use crate::portal::store;
use crate::web::RequestContext;
use crate::web::extract::{Form, Path, Query};
use crate::web::page::{Chrome, Pager, format_timestamp};

/// News items and regulations per page of the editor's list.
const LIST_PER_PAGE: i64 = 25;
/// Pages of the editor's list beyond this are refused.
const MAX_LIST_PAGE: i64 = 10_000;
/// Longest generated URL name, in characters.
const MAX_SLUG_CHARS: usize = 80;
/// Attempts at a free URL name (`judul`, `judul-2`, …) before giving up with 409.
const SLUG_ATTEMPTS: usize = 100;
/// The one fixed segment beside news URL names in the editor's routes.
const RESERVED_NEWS_SLUG: &str = "baru";

/// An officer who may edit content. Anyone else is refused (403) before a form is read, so
/// a wrong role never learns whether its form would have been valid.
#[derive(Clone, Debug)]
pub struct Editor(pub Officer);

impl FromRequestParts<AppState> for Editor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let officer = Officer::from_request_parts(parts, state).await?;
        if let Err(refused) = officer.require(Permission::EditContent) {
            tracing::warn!(officer = officer.principal.account_id, path = %parts.uri.path(), "content editing refused: no EditContent grant");
            return Err(refused.into_response());
        }
        Ok(Self(officer))
    }
}

/// What the editor asked for with the form's button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// "Simpan sebagai draf": keep (or take) the item off the portal.
    Draft,
    /// "Terbitkan": show the item on the portal, in the API and in search.
    Publish,
}

impl Action {
    /// Reads the `aksi` button value: `draf` or `terbit`.
    pub fn parse(value: &str) -> AppResult<Self> {
        match value {
            "draf" => Ok(Self::Draft),
            "terbit" => Ok(Self::Publish),
            _ => Err(AppError::malformed("aksi")),
        }
    }

    fn published(self) -> i64 {
        i64::from(self == Self::Publish)
    }

    /// The audit action: saving a draft that was never public differs from withdrawing a
    /// published item, though both store a draft.
    pub fn audit_action(self, was_published: bool) -> &'static str {
        match (self, was_published) {
            (Self::Publish, _) => "content.publish",
            (Self::Draft, true) => "content.unpublish",
            (Self::Draft, false) => "content.save_draft",
        }
    }

    fn outcome_key(self, was_published: bool) -> &'static str {
        match (self, was_published) {
            (Self::Publish, _) => "content-saved-published",
            (Self::Draft, true) => "content-saved-withdrawn",
            (Self::Draft, false) => "content-saved-draft",
        }
    }
}

/// A URL name made from a title: lower-case ASCII letters and digits joined by single
/// hyphens, at most `MAX_SLUG_CHARS` characters, cut between words. Never empty, never the reserved
/// `baru`.
pub fn slug_from_title(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_SLUG_CHARS {
        let cut = slug[..=MAX_SLUG_CHARS].rfind('-').filter(|&i| i > 0).unwrap_or(MAX_SLUG_CHARS);
        slug.truncate(cut);
    }
    let slug = slug.trim_end_matches('-').to_string();
    match slug.as_str() {
        "" => "berita".to_string(),
        RESERVED_NEWS_SLUG => "berita-baru".to_string(),
        _ => slug,
    }
}

/// Multi-line text as stored: Unix line ends, no control characters (PostgreSQL refuses
/// NUL in text), trimmed.
fn clean_text(value: &str) -> String {
    let unified = value.replace("\r\n", "\n").replace('\r', "\n");
    let kept: String = unified.chars().filter(|&c| c == '\n' || c == '\t' || !c.is_control()).collect();
    kept.trim().to_string()
}

/// One-line text as stored: runs of white space become one space.
fn clean_line(value: &str) -> String {
    let kept: String = value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One input of an editor form.
pub struct EditField {
    /// Input name and id.
    name: &'static str,
    /// Visible label.
    label: String,
    /// Help below the label.
    hint: Option<String>,
    /// `text`, `numeric`, `date`, `textarea` or `select`.
    control: &'static str,
    /// The value to show again.
    value: String,
    /// Choices of a `select`: value and label.
    options: Vec<(String, String)>,
    /// What is wrong with the value.
    error: Option<String>,
    /// Whether the field must be filled.
    required: bool,
    /// `en` for English text (read aloud in English), else empty.
    text_lang: &'static str,
}

impl EditField {
    fn new(lang: Lang, name: &'static str, control: &'static str, value: &str) -> Self {
        Self {
            name,
            label: lang.t(&format!("content-field-{}", name.replace('_', "-"))),
            hint: None,
            control,
            value: value.to_string(),
            options: Vec::new(),
            error: None,
            required: true,
            text_lang: "",
        }
    }

    fn hint(mut self, text: String) -> Self {
        self.hint = Some(text);
        self
    }

    fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// An optional English translation of an Indonesian field.
    fn english(mut self, lang: Lang) -> Self {
        self.text_lang = "en";
        self.required = false;
        self.hint = Some(lang.t("content-field-en-hint"));
        self
    }

    fn options(mut self, options: Vec<(String, String)>) -> Self {
        self.options = options;
        self
    }

    /// The ids of the hint and error, for `aria-describedby` (empty when there are none).
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// An editor form with its two buttons.
#[derive(Template)]
#[template(path = "admin/content_form.html")]
pub struct EditPage {
    chrome: Chrome,
    /// The item's state now, in words.
    state_line: String,
    intro: Vec<String>,
    errors: Vec<(String, String)>,
    action: String,
    csrf: String,
    fields: Vec<EditField>,
    links: Vec<(String, String)>,
}

impl EditPage {
    fn new(chrome: Chrome, editor: &Editor, action: String, state_name: &str) -> Self {
        let lang = chrome.lang;
        let state = lang.t(state_name);
        Self {
            chrome,
            state_line: lang.t_args("content-state-line", &[("state", state)]),
            intro: vec![lang.t("content-buttons-hint")],
            errors: Vec::new(),
            action,
            csrf: editor.0.csrf.clone(),
            fields: Vec::new(),
            links: vec![("/admin/konten".to_string(), lang.t("content-back-to-list"))],
        }
    }

    fn lang(&self) -> Lang {
        self.chrome.lang
    }

    fn field(&mut self, name: &str) -> Option<&mut EditField> {
        self.fields.iter_mut().find(|f| f.name == name)
    }

    /// Records the first problem of a field.
    fn set_error(&mut self, name: &str, key: &str, args: &[(&'static str, String)]) {
        let lang = self.lang();
        if let Some(field) = self.field(name)
            && field.error.is_none()
        {
            let mut args = args.to_vec();
            args.push(("field", field.label.clone()));
            field.error = Some(lang.t_args(key, &args));
        }
    }

    /// Checks a text's length in characters; empty is an error only for required fields.
    fn check_length(&mut self, name: &str, value: &str, min: usize, max: usize) {
        let Some(required) = self.field(name).map(|f| f.required) else { return };
        let chars = value.chars().count();
        if chars == 0 {
            if required {
                self.set_error(name, "content-error-required", &[]);
            }
        } else if chars < min {
            self.set_error(name, "content-error-too-short", &[("min", min.to_string())]);
        } else if chars > max {
            self.set_error(name, "content-error-too-long", &[("max", max.to_string())]);
        }
    }

    /// Checks that a value is one of the field's choices.
    fn check_choice(&mut self, name: &str, value: &str) {
        let known = self.field(name).is_some_and(|f| f.options.iter().any(|(v, _)| v == value));
        if !known {
            self.set_error(name, "content-error-choice", &[]);
        }
    }

    /// Parses a whole number within a range.
    fn check_number(&mut self, name: &str, value: &str, min: i64, max: i64) -> Option<i64> {
        match value.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ if value.trim().is_empty() => {
                self.set_error(name, "content-error-required", &[]);
                None
            }
            _ => {
                let args = [("min", min.to_string()), ("max", max.to_string())];
                self.set_error(name, "content-error-number", &args);
                None
            }
        }
    }

    /// An English translation comes with its pair (question and answer, title and body) or
    /// not at all: half a translation would show an English heading over Indonesian text.
    fn check_pair(&mut self, first: (&str, &str), second: (&str, &str)) {
        if first.1.is_empty() && !second.1.is_empty() {
            self.set_error(first.0, "content-error-pair", &[]);
        } else if second.1.is_empty() && !first.1.is_empty() {
            self.set_error(second.0, "content-error-pair", &[]);
        }
    }

    fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    fn respond(mut self, status: StatusCode) -> AppResult<Response> {
        self.errors =
            self.fields.iter().filter_map(|f| f.error.clone().map(|e| (f.name.to_string(), e))).collect();
        crate::portal::routes::render_status(&self, status)
    }
}

async fn frame(
    state: &AppState,
    context: &RequestContext,
    title: String,
) -> AppResult<(Chrome, Installation)> {
    let installation = store::installation(&state.db).await?;
    Ok((Chrome::new(context, &installation, "account", title), installation))
}

fn state_key(published: bool) -> &'static str {
    if published { "content-state-published" } else { "content-state-draft" }
}

/// Appends the audit entry of a save, with the digest of the item's new state.
async fn audit_save(
    state: &AppState,
    tx: &mut Tx,
    editor: &Editor,
    action: &str,
    subject: &str,
    new_state: &impl Serialize,
) -> anyhow::Result<()> {
    let actor = editor.0.principal.actor();
    let entry = audit::Entry { actor: &actor, action, subject, digest: audit::store::digest_of(new_state) };
    audit::append(&state.db, tx, &entry).await.map(|_| ())
}

/// What the confirmation page says about a saved item.
struct Saved {
    title: String,
    action: Action,
    was_published: bool,
    edit_href: String,
    public_href: String,
}

/// The confirmation after a save. Anonymous readers may see the previous version for as
/// long as each node keeps its copy of a public page (`page_cache_seconds`, 2 s by default).
async fn saved(state: &AppState, context: &RequestContext, saved: Saved) -> AppResult<Response> {
    let lang = context.lang;
    let (chrome, _) = frame(state, context, lang.t("content-saved-title")).await?;
    let mut links = Vec::new();
    if saved.action == Action::Publish {
        links.push((saved.public_href, lang.t("content-view-public")));
    }
    links.push((saved.edit_href, lang.t("content-edit-again")));
    links.push(("/admin/konten".to_string(), lang.t("content-back-to-list")));
    let page = MessagePage {
        chrome,
        paragraphs: vec![
            lang.t_args(saved.action.outcome_key(saved.was_published), &[("title", saved.title)]),
            lang.t("content-cache-note"),
        ],
        codes: Vec::new(),
        links,
    };
    render(&page)
}

/// The optimistic check of a save failed: someone published or withdrew the item between
/// this editor's reading and writing it.
fn changed_meanwhile(tx: Tx) -> AppError {
    drop(tx);
    tracing::info!("content save refused: the item's state changed meanwhile");
    AppError::Conflict
}

// ---------------------------------------------------------------------------------------
// The list.

/// Query of the editor's list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Page of the news list, from 1.
    berita: Option<i64>,
    /// Page of the regulation list, from 1.
    regulasi: Option<i64>,
}

fn list_page_number(value: Option<i64>, name: &str) -> AppResult<i64> {
    let page = value.unwrap_or(1);
    if (1..=MAX_LIST_PAGE).contains(&page) {
        Ok(page)
    } else {
        Err(AppError::InvalidParameter {
            name: name.into(),
            problem: ParamProblem::OutOfRange { min: 1, max: MAX_LIST_PAGE },
        })
    }
}

/// One item in the editor's list.
pub struct ListRow {
    title: String,
    edit_href: String,
    draft: bool,
    state: String,
    detail: String,
    updated: String,
}

/// One kind of content in the editor's list.
pub struct ListSection {
    heading: String,
    /// The "add" button's target and label, for kinds created here.
    add: Option<(String, String)>,
    rows: Vec<ListRow>,
    pager: Pager,
    /// The pager's name, distinct per section (landmarks need distinct names).
    pager_label: String,
}

#[derive(Template)]
#[template(path = "admin/content_list.html")]
struct ListPage {
    chrome: Chrome,
    sections: Vec<ListSection>,
}

fn updated_text(lang: Lang, installation: &Installation, updated_at: Option<i64>) -> String {
    updated_at.map(|t| format_timestamp(lang, t, installation.utc_offset_hours)).unwrap_or_else(|| "–".into())
}

/// `GET /admin/konten`: every news item (drafts first), regulation, FAQ entry and page,
/// with its state and a link to edit it.
pub async fn list(
    State(state): State<AppState>,
    context: RequestContext,
    _editor: Editor,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let news_page = list_page_number(query.berita, "berita")?;
    let regulation_page = list_page_number(query.regulasi, "regulasi")?;
    let lang = context.lang;
    let (chrome, installation) = frame(&state, &context, lang.t("content-title")).await?;
    let db = state.db.pool();
    let row = |title: String, href: String, published: i64, detail: String, updated: Option<i64>| ListRow {
        title,
        edit_href: href,
        draft: published == 0,
        state: lang.t(state_key(published != 0)),
        detail,
        updated: updated_text(lang, &installation, updated),
    };

    let rows = sqlx::query(
        "SELECT slug, kind, title, published, published_at, updated_at FROM news \
         ORDER BY published, published_at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(LIST_PER_PAGE)
    .bind((news_page - 1) * LIST_PER_PAGE)
    .fetch_all(db)
    .await?;
    let mut news = Vec::with_capacity(rows.len());
    for r in &rows {
        let slug: String = r.try_get("slug")?;
        let kind: String = r.try_get("kind")?;
        let published: i64 = r.try_get("published")?;
        let mut detail = lang.t(&format!("news-kind-{kind}"));
        if published != 0 {
            let at: i64 = r.try_get("published_at")?;
            detail = format!("{detail} · {}", format_timestamp(lang, at, installation.utc_offset_hours));
        }
        let href = format!("/admin/konten/berita/{slug}");
        news.push(row(r.try_get("title")?, href, published, detail, r.try_get("updated_at")?));
    }
    let news_total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM news").fetch_one(db).await?.try_get("n")?;

    let rows = sqlx::query(
        "SELECT slug, reg_type, number, year, title, status, published, updated_at FROM regulations \
         ORDER BY published, year DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(LIST_PER_PAGE)
    .bind((regulation_page - 1) * LIST_PER_PAGE)
    .fetch_all(db)
    .await?;
    let mut regulations = Vec::with_capacity(rows.len());
    for r in &rows {
        let slug: String = r.try_get("slug")?;
        let status: String = r.try_get("status")?;
        let detail = format!(
            "{} {}/{} · {}",
            r.try_get::<String, _>("reg_type")?,
            r.try_get::<String, _>("number")?,
            r.try_get::<i64, _>("year")?,
            lang.t(&format!("regulation-status-{status}"))
        );
        let href = format!("/admin/konten/regulasi/{slug}");
        regulations.push(row(
            r.try_get("title")?,
            href,
            r.try_get("published")?,
            detail,
            r.try_get("updated_at")?,
        ));
    }
    let regulation_total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM regulations").fetch_one(db).await?.try_get("n")?;

    let rows = sqlx::query(
        "SELECT id, position, category, question, published, updated_at FROM faq ORDER BY position, id",
    )
    .fetch_all(db)
    .await?;
    let mut faq = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let position: i64 = r.try_get("position")?;
        let detail = format!(
            "{} · {}",
            r.try_get::<String, _>("category")?,
            lang.t_args("content-position", &[("n", position.to_string())])
        );
        let href = format!("/admin/konten/tanya-jawab/{id}");
        faq.push(row(
            r.try_get("question")?,
            href,
            r.try_get("published")?,
            detail,
            r.try_get("updated_at")?,
        ));
    }

    let rows = sqlx::query("SELECT slug, title, published, updated_at FROM pages ORDER BY slug")
        .fetch_all(db)
        .await?;
    let mut pages = Vec::with_capacity(rows.len());
    for r in &rows {
        let slug: String = r.try_get("slug")?;
        let href = format!("/admin/konten/halaman/{slug}");
        let detail = format!("/halaman/{slug}");
        pages.push(row(r.try_get("title")?, href, r.try_get("published")?, detail, r.try_get("updated_at")?));
    }

    let news_href = |p: i64| format!("/admin/konten?berita={p}&regulasi={regulation_page}");
    let regulation_href = |p: i64| format!("/admin/konten?berita={news_page}&regulasi={p}");
    // Short lists fit one page: a pager of one page is not shown.
    let single = || Pager::new(1, 1, 1, |_| String::new());
    let sections = vec![
        ListSection {
            heading: lang.t("content-news"),
            add: Some(("/admin/konten/berita/baru".into(), lang.t("content-new-news"))),
            rows: news,
            pager: Pager::new(news_page, LIST_PER_PAGE, news_total, news_href),
            pager_label: lang.t("content-news-pages"),
        },
        ListSection {
            heading: lang.t("content-regulations"),
            add: None,
            rows: regulations,
            pager: Pager::new(regulation_page, LIST_PER_PAGE, regulation_total, regulation_href),
            pager_label: lang.t("content-regulation-pages"),
        },
        ListSection {
            heading: lang.t("content-faq"),
            add: Some(("/admin/konten/tanya-jawab/baru".into(), lang.t("content-new-faq"))),
            rows: faq,
            pager: single(),
            pager_label: String::new(),
        },
        ListSection {
            heading: lang.t("content-pages"),
            add: None,
            rows: pages,
            pager: single(),
            pager_label: String::new(),
        },
    ];
    render(&ListPage { chrome, sections })
}

// ---------------------------------------------------------------------------------------
// News and announcements.

/// The fields of the news form.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewsForm {
    /// `news` or `announcement`.
    jenis: String,
    /// Headline.
    judul: String,
    /// One or two sentences.
    ringkasan: String,
    /// The text.
    isi: String,
    /// The publishing agency's URL name, or empty.
    instansi: String,
    /// Which button: `draf` or `terbit`.
    aksi: String,
}

/// A stored news item, drafts included.
struct NewsRecord {
    id: i64,
    slug: String,
    published: bool,
    published_at: i64,
    form: NewsForm,
}

/// The state an audit entry's digest covers.
#[derive(Serialize)]
struct NewsState<'a> {
    slug: &'a str,
    kind: &'a str,
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    agency: Option<&'a str>,
    published: bool,
    published_at: i64,
}

async fn news_record(state: &AppState, slug: &str) -> AppResult<NewsRecord> {
    let row = sqlx::query(
        "SELECT n.id, n.slug, n.kind, n.title, n.summary, n.body, n.published, n.published_at, \
           a.slug AS agency_slug \
         FROM news n LEFT JOIN agencies a ON a.id = n.agency_id WHERE n.slug = $1",
    )
    .bind(slug)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(NewsRecord {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        published: row.try_get::<i64, _>("published")? != 0,
        published_at: row.try_get("published_at")?,
        form: NewsForm {
            jenis: row.try_get("kind")?,
            judul: row.try_get("title")?,
            ringkasan: row.try_get("summary")?,
            isi: row.try_get("body")?,
            instansi: row.try_get::<Option<String>, _>("agency_slug")?.unwrap_or_default(),
            aksi: String::new(),
        },
    })
}

async fn news_form_page(
    state: &AppState,
    context: &RequestContext,
    editor: &Editor,
    existing: Option<&NewsRecord>,
    form: &NewsForm,
) -> AppResult<EditPage> {
    let lang = context.lang;
    let (title_key, action, state_name) = match existing {
        Some(r) => ("content-edit-news", format!("/admin/konten/berita/{}", r.slug), state_key(r.published)),
        None => ("content-new-news-title", "/admin/konten/berita/baru".to_string(), "content-state-new"),
    };
    let (chrome, _) = frame(state, context, lang.t(title_key)).await?;
    let mut agencies = vec![(String::new(), lang.t("content-no-agency"))];
    for agency in store::agencies(&state.db).await? {
        let name = lang.pick(&agency.name, &agency.name_en).to_string();
        agencies.push((agency.slug, name));
    }
    let kinds = ["news", "announcement"].map(|k| (k.to_string(), lang.t(&format!("news-kind-{k}"))));
    let mut page = EditPage::new(chrome, editor, action, state_name);
    page.fields = vec![
        EditField::new(lang, "jenis", "select", &form.jenis).options(kinds.to_vec()),
        EditField::new(lang, "judul", "text", &form.judul),
        EditField::new(lang, "ringkasan", "textarea", &form.ringkasan),
        EditField::new(lang, "isi", "textarea", &form.isi).hint(lang.t("content-field-isi-hint")),
        EditField::new(lang, "instansi", "select", &form.instansi).optional().options(agencies),
    ];
    if let Some(record) = existing.filter(|r| r.published) {
        page.links.insert(0, (DocKind::News.href(&record.slug), lang.t("content-view-public")));
    }
    Ok(page)
}

/// `GET /admin/konten/berita/baru`: an empty news form.
pub async fn news_new(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
) -> AppResult<Response> {
    let form = NewsForm { jenis: "news".into(), ..NewsForm::default() };
    news_form_page(&state, &context, &editor, None, &form).await?.respond(StatusCode::OK)
}

/// `GET /admin/konten/berita/{slug}`: a news item's form, draft or published.
pub async fn news_edit(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let record = news_record(&state, &slug).await?;
    news_form_page(&state, &context, &editor, Some(&record), &record.form).await?.respond(StatusCode::OK)
}

/// `POST /admin/konten/berita/baru`: creates a news item, as a draft or published.
pub async fn news_create(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Form(form): Form<NewsForm>,
) -> AppResult<Response> {
    save_news(&state, &context, &editor, None, form).await
}

/// `POST /admin/konten/berita/{slug}`: saves a news item as a draft or publishes it.
pub async fn news_save(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Path(slug): Path<String>,
    Form(form): Form<NewsForm>,
) -> AppResult<Response> {
    let record = news_record(&state, &slug).await?;
    save_news(&state, &context, &editor, Some(record), form).await
}

async fn save_news(
    state: &AppState,
    context: &RequestContext,
    editor: &Editor,
    existing: Option<NewsRecord>,
    form: NewsForm,
) -> AppResult<Response> {
    let action = Action::parse(&form.aksi)?;
    let form = NewsForm {
        jenis: form.jenis.trim().to_string(),
        judul: clean_line(&form.judul),
        ringkasan: clean_line(&form.ringkasan),
        isi: clean_text(&form.isi),
        instansi: form.instansi.trim().to_string(),
        aksi: form.aksi,
    };
    let mut page = news_form_page(state, context, editor, existing.as_ref(), &form).await?;
    page.check_choice("jenis", &form.jenis);
    page.check_length("judul", &form.judul, 5, 200);
    page.check_length("ringkasan", &form.ringkasan, 10, 400);
    page.check_length("isi", &form.isi, 10, 20_000);
    if !form.instansi.is_empty() {
        page.check_choice("instansi", &form.instansi);
    }
    if page.has_errors() {
        return page.respond(StatusCode::BAD_REQUEST);
    }
    let agency_id: Option<i64> = match form.instansi.as_str() {
        "" => None,
        slug => Some(
            sqlx::query("SELECT id FROM agencies WHERE slug = $1")
                .bind(slug)
                .fetch_one(state.db.pool())
                .await?
                .try_get("id")?,
        ),
    };
    let now = jiff::Timestamp::now().as_second();
    let account = editor.0.principal.account_id;
    let was_published = existing.as_ref().is_some_and(|r| r.published);
    // A draft's first publication dates it; later edits of a published item keep its date.
    let published_at = match &existing {
        Some(r) if r.published || action == Action::Draft => r.published_at,
        _ => now,
    };
    let mut tx = state.db.begin().await?;
    let slug = match &existing {
        Some(record) => {
            let updated = sqlx::query(
                "UPDATE news SET kind = $1, title = $2, summary = $3, body = $4, agency_id = $5, \
                   published = $6, published_at = $7, updated_at = $8, updated_by = $9 \
                 WHERE id = $10 AND published = $11",
            )
            .bind(&form.jenis)
            .bind(&form.judul)
            .bind(&form.ringkasan)
            .bind(&form.isi)
            .bind(agency_id)
            .bind(action.published())
            .bind(published_at)
            .bind(now)
            .bind(account)
            .bind(record.id)
            .bind(i64::from(record.published))
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(changed_meanwhile(tx));
            }
            record.slug.clone()
        }
        None => {
            insert_news(&mut tx, &form, agency_id, action.published(), published_at, now, account).await?
        }
    };
    let mut search = Indexer::new();
    match action {
        Action::Publish => {
            // The same text the import indexes (`demo::store_news`).
            let body = format!("{}\n\n{}", form.ringkasan, form.isi);
            search.index(&mut tx, DocKind::News, &slug, &form.judul, &body, published_at).await?;
        }
        Action::Draft => search.remove(&mut tx, DocKind::News, &slug).await?,
    }
    search.finish(&mut tx).await?;
    let new_state = NewsState {
        slug: &slug,
        kind: &form.jenis,
        title: &form.judul,
        summary: &form.ringkasan,
        body: &form.isi,
        agency: Some(form.instansi.as_str()).filter(|a| !a.is_empty()),
        published: action == Action::Publish,
        published_at,
    };
    let audit_action = action.audit_action(was_published);
    audit_save(state, &mut tx, editor, audit_action, &format!("news/{slug}"), &new_state).await?;
    tx.commit().await?;
    tracing::info!(action = audit_action, slug = %slug, "news saved");
    let saved_item = Saved {
        title: form.judul,
        action,
        was_published,
        edit_href: format!("/admin/konten/berita/{slug}"),
        public_href: DocKind::News.href(&slug),
    };
    saved(state, context, saved_item).await
}

/// Inserts a news item under the first free URL name made from its title. A taken name is
/// skipped rather than an error, so two editors saving the same headline both succeed.
async fn insert_news(
    tx: &mut Tx,
    form: &NewsForm,
    agency_id: Option<i64>,
    published: i64,
    published_at: i64,
    now: i64,
    account: i64,
) -> AppResult<String> {
    let base = slug_from_title(&form.judul);
    for attempt in 1..=SLUG_ATTEMPTS {
        let slug = if attempt == 1 { base.clone() } else { format!("{base}-{attempt}") };
        let inserted = sqlx::query(
            "INSERT INTO news (slug, kind, title, summary, body, published_at, agency_id, published, \
               updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (slug) DO NOTHING RETURNING id",
        )
        .bind(&slug)
        .bind(&form.jenis)
        .bind(&form.judul)
        .bind(&form.ringkasan)
        .bind(&form.isi)
        .bind(published_at)
        .bind(agency_id)
        .bind(published)
        .bind(now)
        .bind(account)
        .fetch_optional(&mut **tx)
        .await?;
        if inserted.is_some() {
            return Ok(slug);
        }
    }
    tracing::warn!(base, "no free URL name for a news item");
    Err(AppError::Conflict)
}

// ---------------------------------------------------------------------------------------
// FAQ entries.

/// The fields of the FAQ form.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaqForm {
    /// Category in Indonesian.
    kategori: String,
    /// Question in Indonesian.
    pertanyaan: String,
    /// Answer in Indonesian.
    jawaban: String,
    /// Question in English.
    pertanyaan_en: String,
    /// Answer in English.
    jawaban_en: String,
    /// Place in the list (smaller first).
    urutan: String,
    /// Which button: `draf` or `terbit`.
    aksi: String,
}

struct FaqRecord {
    id: i64,
    published: bool,
    form: FaqForm,
}

#[derive(Serialize)]
struct FaqState<'a> {
    id: i64,
    position: i64,
    category: &'a str,
    question: &'a str,
    answer: &'a str,
    question_en: &'a str,
    answer_en: &'a str,
    published: bool,
}

async fn faq_record(state: &AppState, id: &str) -> AppResult<FaqRecord> {
    // An id that is not a number names no entry.
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let row = sqlx::query(
        "SELECT id, position, category, question, answer, question_en, answer_en, published \
         FROM faq WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(FaqRecord {
        id,
        published: row.try_get::<i64, _>("published")? != 0,
        form: FaqForm {
            kategori: row.try_get("category")?,
            pertanyaan: row.try_get("question")?,
            jawaban: row.try_get("answer")?,
            pertanyaan_en: row.try_get("question_en")?,
            jawaban_en: row.try_get("answer_en")?,
            urutan: row.try_get::<i64, _>("position")?.to_string(),
            aksi: String::new(),
        },
    })
}

async fn faq_form_page(
    state: &AppState,
    context: &RequestContext,
    editor: &Editor,
    existing: Option<&FaqRecord>,
    form: &FaqForm,
) -> AppResult<EditPage> {
    let lang = context.lang;
    let (title_key, action, state_name) = match existing {
        Some(r) => {
            ("content-edit-faq", format!("/admin/konten/tanya-jawab/{}", r.id), state_key(r.published))
        }
        None => ("content-new-faq-title", "/admin/konten/tanya-jawab/baru".to_string(), "content-state-new"),
    };
    let (chrome, _) = frame(state, context, lang.t(title_key)).await?;
    let mut page = EditPage::new(chrome, editor, action, state_name);
    page.fields = vec![
        EditField::new(lang, "kategori", "text", &form.kategori).hint(lang.t("content-field-kategori-hint")),
        EditField::new(lang, "pertanyaan", "text", &form.pertanyaan),
        EditField::new(lang, "jawaban", "textarea", &form.jawaban).hint(lang.t("content-field-isi-hint")),
        EditField::new(lang, "pertanyaan_en", "text", &form.pertanyaan_en).english(lang),
        EditField::new(lang, "jawaban_en", "textarea", &form.jawaban_en).english(lang),
        EditField::new(lang, "urutan", "numeric", &form.urutan).hint(lang.t("content-field-urutan-hint")),
    ];
    if let Some(record) = existing.filter(|r| r.published) {
        let href = DocKind::Faq.href(&format!("faq-{}", record.id));
        page.links.insert(0, (href, lang.t("content-view-public")));
    }
    Ok(page)
}

/// `GET /admin/konten/tanya-jawab/baru`: an empty FAQ form, placed last.
pub async fn faq_new(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
) -> AppResult<Response> {
    let next: i64 = sqlx::query("SELECT COALESCE(MAX(position), -1) + 1 AS next FROM faq")
        .fetch_one(state.db.pool())
        .await?
        .try_get("next")?;
    let form = FaqForm { urutan: next.to_string(), ..FaqForm::default() };
    faq_form_page(&state, &context, &editor, None, &form).await?.respond(StatusCode::OK)
}

/// `GET /admin/konten/tanya-jawab/{id}`: an FAQ entry's form.
pub async fn faq_edit(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let record = faq_record(&state, &id).await?;
    faq_form_page(&state, &context, &editor, Some(&record), &record.form).await?.respond(StatusCode::OK)
}

/// `POST /admin/konten/tanya-jawab/baru`: creates an FAQ entry.
pub async fn faq_create(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Form(form): Form<FaqForm>,
) -> AppResult<Response> {
    save_faq(&state, &context, &editor, None, form).await
}

/// `POST /admin/konten/tanya-jawab/{id}`: saves an FAQ entry as a draft or publishes it.
pub async fn faq_save(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Path(id): Path<String>,
    Form(form): Form<FaqForm>,
) -> AppResult<Response> {
    let record = faq_record(&state, &id).await?;
    save_faq(&state, &context, &editor, Some(record), form).await
}

async fn save_faq(
    state: &AppState,
    context: &RequestContext,
    editor: &Editor,
    existing: Option<FaqRecord>,
    form: FaqForm,
) -> AppResult<Response> {
    let action = Action::parse(&form.aksi)?;
    let form = FaqForm {
        kategori: clean_line(&form.kategori),
        pertanyaan: clean_line(&form.pertanyaan),
        jawaban: clean_text(&form.jawaban),
        pertanyaan_en: clean_line(&form.pertanyaan_en),
        jawaban_en: clean_text(&form.jawaban_en),
        urutan: form.urutan.trim().to_string(),
        aksi: form.aksi,
    };
    let mut page = faq_form_page(state, context, editor, existing.as_ref(), &form).await?;
    page.check_length("kategori", &form.kategori, 2, 80);
    page.check_length("pertanyaan", &form.pertanyaan, 5, 300);
    page.check_length("jawaban", &form.jawaban, 5, 5_000);
    page.check_length("pertanyaan_en", &form.pertanyaan_en, 5, 300);
    page.check_length("jawaban_en", &form.jawaban_en, 5, 5_000);
    page.check_pair(("pertanyaan_en", &form.pertanyaan_en), ("jawaban_en", &form.jawaban_en));
    let position = page.check_number("urutan", &form.urutan, 0, 9_999);
    let Some(position) = position.filter(|_| !page.has_errors()) else {
        return page.respond(StatusCode::BAD_REQUEST);
    };
    let now = jiff::Timestamp::now().as_second();
    let account = editor.0.principal.account_id;
    let was_published = existing.as_ref().is_some_and(|r| r.published);
    let mut tx = state.db.begin().await?;
    let id = match &existing {
        Some(record) => {
            let updated = sqlx::query(
                "UPDATE faq SET position = $1, category = $2, question = $3, answer = $4, \
                   question_en = $5, answer_en = $6, published = $7, updated_at = $8, updated_by = $9 \
                 WHERE id = $10 AND published = $11",
            )
            .bind(position)
            .bind(&form.kategori)
            .bind(&form.pertanyaan)
            .bind(&form.jawaban)
            .bind(&form.pertanyaan_en)
            .bind(&form.jawaban_en)
            .bind(action.published())
            .bind(now)
            .bind(account)
            .bind(record.id)
            .bind(i64::from(record.published))
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(changed_meanwhile(tx));
            }
            record.id
        }
        None => sqlx::query(
            "INSERT INTO faq (position, category, question, answer, question_en, answer_en, published, \
               updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(position)
        .bind(&form.kategori)
        .bind(&form.pertanyaan)
        .bind(&form.jawaban)
        .bind(&form.pertanyaan_en)
        .bind(&form.jawaban_en)
        .bind(action.published())
        .bind(now)
        .bind(account)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?,
    };
    let anchor = format!("faq-{id}");
    let mut search = Indexer::new();
    match action {
        // The same text the import indexes (`demo::store_faq`).
        Action::Publish => {
            search.index(&mut tx, DocKind::Faq, &anchor, &form.pertanyaan, &form.jawaban, 0).await?
        }
        Action::Draft => search.remove(&mut tx, DocKind::Faq, &anchor).await?,
    }
    search.finish(&mut tx).await?;
    let new_state = FaqState {
        id,
        position,
        category: &form.kategori,
        question: &form.pertanyaan,
        answer: &form.jawaban,
        question_en: &form.pertanyaan_en,
        answer_en: &form.jawaban_en,
        published: action == Action::Publish,
    };
    let audit_action = action.audit_action(was_published);
    audit_save(state, &mut tx, editor, audit_action, &format!("faq/{id}"), &new_state).await?;
    tx.commit().await?;
    tracing::info!(action = audit_action, id, "FAQ entry saved");
    let saved_item = Saved {
        title: form.pertanyaan,
        action,
        was_published,
        edit_href: format!("/admin/konten/tanya-jawab/{id}"),
        public_href: DocKind::Faq.href(&anchor),
    };
    saved(state, context, saved_item).await
}

// ---------------------------------------------------------------------------------------
// Fixed pages.

/// The fields of the page form.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageForm {
    /// Title in Indonesian.
    judul: String,
    /// Title in English.
    judul_en: String,
    /// Text in Indonesian.
    isi: String,
    /// Text in English.
    isi_en: String,
    /// Which button: `draf` or `terbit`.
    aksi: String,
}

struct PageRecord {
    slug: String,
    published: bool,
    form: PageForm,
}

#[derive(Serialize)]
struct PageState<'a> {
    slug: &'a str,
    title: &'a str,
    title_en: &'a str,
    body: &'a str,
    body_en: &'a str,
    published: bool,
}

async fn page_record(state: &AppState, slug: &str) -> AppResult<PageRecord> {
    let row =
        sqlx::query("SELECT slug, title, title_en, body, body_en, published FROM pages WHERE slug = $1")
            .bind(slug)
            .fetch_optional(state.db.pool())
            .await?
            .ok_or(AppError::NotFound)?;
    Ok(PageRecord {
        slug: row.try_get("slug")?,
        published: row.try_get::<i64, _>("published")? != 0,
        form: PageForm {
            judul: row.try_get("title")?,
            judul_en: row.try_get("title_en")?,
            isi: row.try_get("body")?,
            isi_en: row.try_get("body_en")?,
            aksi: String::new(),
        },
    })
}

async fn page_form_page(
    state: &AppState,
    context: &RequestContext,
    editor: &Editor,
    record: &PageRecord,
    form: &PageForm,
) -> AppResult<EditPage> {
    let lang = context.lang;
    let (chrome, _) = frame(state, context, lang.t("content-edit-page")).await?;
    let action = format!("/admin/konten/halaman/{}", record.slug);
    let mut page = EditPage::new(chrome, editor, action, state_key(record.published));
    page.fields = vec![
        EditField::new(lang, "judul", "text", &form.judul),
        EditField::new(lang, "isi", "textarea", &form.isi).hint(lang.t("content-field-isi-hint")),
        EditField::new(lang, "judul_en", "text", &form.judul_en).english(lang),
        EditField::new(lang, "isi_en", "textarea", &form.isi_en).english(lang),
    ];
    if record.published {
        page.links.insert(0, (DocKind::Page.href(&record.slug), lang.t("content-view-public")));
    }
    Ok(page)
}

/// `GET /admin/konten/halaman/{slug}`: a fixed page's form (pages are not created here:
/// the portal links to each by name).
pub async fn page_edit(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let record = page_record(&state, &slug).await?;
    page_form_page(&state, &context, &editor, &record, &record.form).await?.respond(StatusCode::OK)
}

/// `POST /admin/konten/halaman/{slug}`: saves a fixed page as a draft or publishes it.
pub async fn page_save(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Path(slug): Path<String>,
    Form(form): Form<PageForm>,
) -> AppResult<Response> {
    let record = page_record(&state, &slug).await?;
    let action = Action::parse(&form.aksi)?;
    let form = PageForm {
        judul: clean_line(&form.judul),
        judul_en: clean_line(&form.judul_en),
        isi: clean_text(&form.isi),
        isi_en: clean_text(&form.isi_en),
        aksi: form.aksi,
    };
    let mut page = page_form_page(&state, &context, &editor, &record, &form).await?;
    page.check_length("judul", &form.judul, 2, 120);
    page.check_length("isi", &form.isi, 10, 50_000);
    page.check_length("judul_en", &form.judul_en, 2, 120);
    page.check_length("isi_en", &form.isi_en, 10, 50_000);
    page.check_pair(("judul_en", &form.judul_en), ("isi_en", &form.isi_en));
    if page.has_errors() {
        return page.respond(StatusCode::BAD_REQUEST);
    }
    let now = jiff::Timestamp::now().as_second();
    let mut tx = state.db.begin().await?;
    let updated = sqlx::query(
        "UPDATE pages SET title = $1, title_en = $2, body = $3, body_en = $4, published = $5, \
           updated_at = $6, updated_by = $7 \
         WHERE slug = $8 AND published = $9",
    )
    .bind(&form.judul)
    .bind(&form.judul_en)
    .bind(&form.isi)
    .bind(&form.isi_en)
    .bind(action.published())
    .bind(now)
    .bind(editor.0.principal.account_id)
    .bind(&record.slug)
    .bind(i64::from(record.published))
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(changed_meanwhile(tx));
    }
    let mut search = Indexer::new();
    match action {
        // The same text the import indexes (`demo::store_page`).
        Action::Publish => {
            search.index(&mut tx, DocKind::Page, &record.slug, &form.judul, &form.isi, 0).await?
        }
        Action::Draft => search.remove(&mut tx, DocKind::Page, &record.slug).await?,
    }
    search.finish(&mut tx).await?;
    let new_state = PageState {
        slug: &record.slug,
        title: &form.judul,
        title_en: &form.judul_en,
        body: &form.isi,
        body_en: &form.isi_en,
        published: action == Action::Publish,
    };
    let audit_action = action.audit_action(record.published);
    audit_save(&state, &mut tx, &editor, audit_action, &format!("page/{}", record.slug), &new_state).await?;
    tx.commit().await?;
    tracing::info!(action = audit_action, slug = %record.slug, "page saved");
    let saved_item = Saved {
        title: form.judul,
        action,
        was_published: record.published,
        edit_href: format!("/admin/konten/halaman/{}", record.slug),
        public_href: DocKind::Page.href(&record.slug),
    };
    saved(&state, &context, saved_item).await
}

// ---------------------------------------------------------------------------------------
// Regulations (metadata only: the official text is not uploaded here).

/// The fields of the regulation form.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegulationForm {
    /// Type, e.g. "Peraturan Daerah".
    jenis: String,
    /// Number within the type and year.
    nomor: String,
    /// Year.
    tahun: String,
    /// Title.
    judul: String,
    /// `berlaku`, `diubah` or `dicabut`.
    status: String,
    /// Subject area.
    pokok: String,
    /// Date of enactment, YYYY-MM-DD.
    ditetapkan: String,
    /// Short summary.
    ringkasan: String,
    /// Which button: `draf` or `terbit`.
    aksi: String,
}

struct RegulationRecord {
    slug: String,
    published: bool,
    form: RegulationForm,
}

#[derive(Serialize)]
struct RegulationState<'a> {
    slug: &'a str,
    reg_type: &'a str,
    number: &'a str,
    year: i64,
    title: &'a str,
    status: &'a str,
    subject: &'a str,
    enacted_on: &'a str,
    summary: &'a str,
    published: bool,
}

async fn regulation_record(state: &AppState, slug: &str) -> AppResult<RegulationRecord> {
    let row = sqlx::query(
        "SELECT slug, reg_type, number, year, title, status, subject, enacted_on, summary, published \
         FROM regulations WHERE slug = $1",
    )
    .bind(slug)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(RegulationRecord {
        slug: row.try_get("slug")?,
        published: row.try_get::<i64, _>("published")? != 0,
        form: RegulationForm {
            jenis: row.try_get("reg_type")?,
            nomor: row.try_get("number")?,
            tahun: row.try_get::<i64, _>("year")?.to_string(),
            judul: row.try_get("title")?,
            status: row.try_get("status")?,
            pokok: row.try_get("subject")?,
            ditetapkan: row.try_get("enacted_on")?,
            ringkasan: row.try_get("summary")?,
            aksi: String::new(),
        },
    })
}

async fn regulation_form_page(
    state: &AppState,
    context: &RequestContext,
    editor: &Editor,
    record: &RegulationRecord,
    form: &RegulationForm,
) -> AppResult<EditPage> {
    let lang = context.lang;
    let (chrome, _) = frame(state, context, lang.t("content-edit-regulation")).await?;
    let action = format!("/admin/konten/regulasi/{}", record.slug);
    let statuses =
        REGULATION_STATUSES.map(|s| (s.to_string(), lang.t(&format!("regulation-status-{s}")))).to_vec();
    let mut page = EditPage::new(chrome, editor, action, state_key(record.published));
    page.intro.push(lang.t("content-regulation-file-note"));
    page.fields = vec![
        EditField::new(lang, "jenis", "text", &form.jenis).hint(lang.t("content-field-jenis-hint")),
        EditField::new(lang, "nomor", "text", &form.nomor),
        EditField::new(lang, "tahun", "numeric", &form.tahun),
        EditField::new(lang, "judul", "text", &form.judul),
        EditField::new(lang, "status", "select", &form.status).options(statuses),
        EditField::new(lang, "pokok", "text", &form.pokok),
        EditField::new(lang, "ditetapkan", "date", &form.ditetapkan)
            .hint(lang.t("content-field-ditetapkan-hint")),
        EditField::new(lang, "ringkasan", "textarea", &form.ringkasan),
    ];
    if record.published {
        page.links.insert(0, (DocKind::Regulation.href(&record.slug), lang.t("content-view-public")));
    }
    Ok(page)
}

/// `GET /admin/konten/regulasi/{slug}`: a regulation's metadata form.
pub async fn regulation_edit(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let record = regulation_record(&state, &slug).await?;
    regulation_form_page(&state, &context, &editor, &record, &record.form).await?.respond(StatusCode::OK)
}

/// Years of the Republic's regulations.
const YEARS: (i64, i64) = (1945, 2100);

/// `POST /admin/konten/regulasi/{slug}`: saves a regulation's metadata as a draft or
/// publishes it.
pub async fn regulation_save(
    State(state): State<AppState>,
    context: RequestContext,
    editor: Editor,
    Path(slug): Path<String>,
    Form(form): Form<RegulationForm>,
) -> AppResult<Response> {
    let record = regulation_record(&state, &slug).await?;
    let action = Action::parse(&form.aksi)?;
    let form = RegulationForm {
        jenis: clean_line(&form.jenis),
        nomor: clean_line(&form.nomor),
        tahun: form.tahun.trim().to_string(),
        judul: clean_line(&form.judul),
        status: form.status.trim().to_string(),
        pokok: clean_line(&form.pokok),
        ditetapkan: form.ditetapkan.trim().to_string(),
        ringkasan: clean_text(&form.ringkasan),
        aksi: form.aksi,
    };
    let mut page = regulation_form_page(&state, &context, &editor, &record, &form).await?;
    page.check_length("jenis", &form.jenis, 3, 80);
    page.check_length("nomor", &form.nomor, 1, 20);
    let year = page.check_number("tahun", &form.tahun, YEARS.0, YEARS.1);
    page.check_length("judul", &form.judul, 5, 300);
    page.check_choice("status", &form.status);
    page.check_length("pokok", &form.pokok, 2, 120);
    if form.ditetapkan.is_empty() {
        page.set_error("ditetapkan", "content-error-required", &[]);
    } else {
        let valid = jiff::civil::Date::strptime("%Y-%m-%d", &form.ditetapkan)
            .is_ok_and(|d| (YEARS.0..=YEARS.1).contains(&i64::from(d.year())));
        if !valid {
            page.set_error("ditetapkan", "content-error-date", &[]);
        }
    }
    page.check_length("ringkasan", &form.ringkasan, 10, 2_000);
    let Some(year) = year.filter(|_| !page.has_errors()) else {
        return page.respond(StatusCode::BAD_REQUEST);
    };
    let now = jiff::Timestamp::now().as_second();
    let mut tx = state.db.begin().await?;
    let updated = sqlx::query(
        "UPDATE regulations SET reg_type = $1, number = $2, year = $3, title = $4, status = $5, \
           subject = $6, enacted_on = $7, summary = $8, published = $9, updated_at = $10, updated_by = $11 \
         WHERE slug = $12 AND published = $13",
    )
    .bind(&form.jenis)
    .bind(&form.nomor)
    .bind(year)
    .bind(&form.judul)
    .bind(&form.status)
    .bind(&form.pokok)
    .bind(&form.ditetapkan)
    .bind(&form.ringkasan)
    .bind(action.published())
    .bind(now)
    .bind(editor.0.principal.account_id)
    .bind(&record.slug)
    .bind(i64::from(record.published))
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(changed_meanwhile(tx));
    }
    let mut search = Indexer::new();
    match action {
        Action::Publish => {
            // The same text the import indexes (`demo::store_regulation`).
            let title = format!("{} Nomor {} Tahun {year} tentang {}", form.jenis, form.nomor, form.judul);
            let body = format!("{} {}", form.pokok, form.ringkasan);
            search.index(&mut tx, DocKind::Regulation, &record.slug, &title, &body, 0).await?;
        }
        Action::Draft => search.remove(&mut tx, DocKind::Regulation, &record.slug).await?,
    }
    search.finish(&mut tx).await?;
    let new_state = RegulationState {
        slug: &record.slug,
        reg_type: &form.jenis,
        number: &form.nomor,
        year,
        title: &form.judul,
        status: &form.status,
        subject: &form.pokok,
        enacted_on: &form.ditetapkan,
        summary: &form.ringkasan,
        published: action == Action::Publish,
    };
    let audit_action = action.audit_action(record.published);
    let subject = format!("regulation/{}", record.slug);
    audit_save(&state, &mut tx, &editor, audit_action, &subject, &new_state).await?;
    tx.commit().await?;
    tracing::info!(action = audit_action, slug = %record.slug, "regulation saved");
    let saved_item = Saved {
        title: form.judul,
        action,
        was_published: record.published,
        edit_href: format!("/admin/konten/regulasi/{}", record.slug),
        public_href: DocKind::Regulation.href(&record.slug),
    };
    saved(&state, &context, saved_item).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words_joined_by_hyphens() {
        assert_eq!(slug_from_title("Pemkot Buka Gerai  UMKM — 2026!"), "pemkot-buka-gerai-umkm-2026");
        assert_eq!(slug_from_title("  ¿¡ "), "berita");
        assert_eq!(slug_from_title("Baru"), "berita-baru");
        assert_eq!(slug_from_title("Café"), "caf");
        let long = slug_from_title(&"kata ".repeat(40));
        assert!(long.len() <= MAX_SLUG_CHARS && long.ends_with("kata"), "{long}");
    }

    #[test]
    fn each_button_and_state_names_its_audit_action() {
        assert_eq!(Action::parse("draf").ok(), Some(Action::Draft));
        assert_eq!(Action::parse("terbit").ok(), Some(Action::Publish));
        assert!(Action::parse("hapus").is_err() && Action::parse("").is_err());
        assert_eq!(Action::Publish.audit_action(false), "content.publish");
        assert_eq!(Action::Publish.audit_action(true), "content.publish");
        assert_eq!(Action::Draft.audit_action(false), "content.save_draft");
        assert_eq!(Action::Draft.audit_action(true), "content.unpublish");
    }

    #[test]
    fn text_is_stored_with_unix_line_ends_and_without_control_characters() {
        assert_eq!(clean_text(" Satu\r\n\r\nDua\u{0}\r"), "Satu\n\nDua");
        assert_eq!(clean_line(" Judul\n\tbaru\u{0}x "), "Judul baru x");
    }

    proptest::proptest! {
        /// Whatever the title, the URL name passes the import's rule (1–120 of a–z, 0–9, '-')
        /// and has no empty words.
        #[test]
        fn any_title_yields_a_valid_slug(title in "\\PC{0,300}") {
            let slug = slug_from_title(&title);
            proptest::prop_assert!(!slug.is_empty() && slug.len() <= MAX_SLUG_CHARS);
            proptest::prop_assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            proptest::prop_assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"));
            proptest::prop_assert_ne!(slug.as_str(), RESERVED_NEWS_SLUG);
        }
    }
}
