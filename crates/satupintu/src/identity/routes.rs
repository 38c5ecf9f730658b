//! The account pages: register, verify the email, sign in (with the second factor), reset a
//! forgotten password, the account overview, two-step set-up, who accessed my data, and
//! the download of everything held about me. All work without JavaScript.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::accounts::{
    self, AccountName, Channel, LinkProblem, NewCitizen, Reachable, Registered, field,
};
use crate::identity::password::{self, HashError};
use crate::identity::session::{self, AccountKind, Credential, SignedIn, Visitor, append_cookie};
use crate::identity::{nik, throttle, totp};
use crate::mail::OutgoingMail;
use crate::portal::routes::{render, render_status};
use crate::portal::store as portal_store;
use crate::sms::OutgoingSms;
use crate::web::extract::{ClientAddress, Form, Path, Query};
use crate::web::page::{Chrome, format_timestamp};
use crate::web::{RequestContext, local_path, see_other};

/// One input of a form, with its label, hint and error in the reader's language.
pub struct FormField {
    /// Input name and id.
    pub name: &'static str,
    /// Visible label.
    pub label: String,
    /// `text`, `email`, `password`, `tel`.
    pub kind: &'static str,
    /// The autocomplete token.
    pub autocomplete: &'static str,
    /// `numeric` for digit fields, else empty.
    pub inputmode: &'static str,
    /// The value to show again (never for passwords).
    pub value: String,
    /// Help below the label.
    pub hint: Option<String>,
    /// What is wrong with the value.
    pub error: Option<String>,
    /// Whether the field must be filled.
    pub required: bool,
}

impl FormField {
    /// A required text field.
    pub fn new(lang: Lang, name: &'static str, kind: &'static str, autocomplete: &'static str) -> Self {
        Self {
            name,
            label: lang.t(&format!("field-{name}")),
            kind,
            autocomplete,
            inputmode: "",
            value: String::new(),
            hint: None,
            error: None,
            required: true,
        }
    }

    /// Adds the field's hint.
    pub fn hint(mut self, lang: Lang) -> Self {
        self.hint = Some(lang.t(&format!("field-{}-hint", self.name)));
        self
    }

    /// Marks the field as digits only.
    pub fn numeric(mut self) -> Self {
        self.inputmode = "numeric";
        self
    }

    /// Uses another label than the field's usual one.
    pub fn label(mut self, label: String) -> Self {
        self.label = label;
        self
    }

    /// Marks the field as optional.
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// The value to show.
    pub fn value(mut self, value: &str) -> Self {
        self.value = value.to_string();
        self
    }
}

/// A page with one form.
#[derive(Template)]
#[template(path = "account/form.html")]
pub struct FormPage {
    /// The frame.
    pub chrome: Chrome,
    /// Paragraphs above the form.
    pub intro: Vec<String>,
    /// Errors, each with the id of its field, for the summary.
    pub errors: Vec<(String, String)>,
    /// Where the form posts.
    pub action: String,
    /// `post`, or `get` for searches.
    pub method: &'static str,
    /// The CSRF token.
    pub csrf: String,
    /// Hidden fields besides the token.
    pub hidden: Vec<(String, String)>,
    /// The inputs.
    pub fields: Vec<FormField>,
    /// The button's label.
    pub submit: String,
    /// Links below the form.
    pub links: Vec<(String, String)>,
    /// A QR code to show above the form (two-step set-up).
    pub qr_svg: Option<String>,
    /// The secret in text, beside the QR code.
    pub manual_secret: String,
}

impl FormPage {
    /// A POST form with the visitor's CSRF token.
    pub fn new(chrome: Chrome, action: impl Into<String>, csrf: &str, submit: String) -> Self {
        Self {
            chrome,
            intro: Vec::new(),
            errors: Vec::new(),
            action: action.into(),
            method: "post",
            csrf: csrf.to_string(),
            hidden: Vec::new(),
            fields: Vec::new(),
            submit,
            links: Vec::new(),
            qr_svg: None,
            manual_secret: String::new(),
        }
    }

    /// Renders with a status (400 when fields are wrong, 401 for failed sign-in).
    pub fn respond(mut self, status: StatusCode) -> AppResult<Response> {
        self.errors =
            self.fields.iter().filter_map(|f| f.error.clone().map(|e| (f.name.to_string(), e))).collect();
        render_status(&self, status)
    }

    fn set_error(&mut self, name: &str, message: String) {
        if let Some(field) = self.fields.iter_mut().find(|f| f.name == name) {
            field.error = Some(message);
        }
    }

    fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }
}

/// A page of paragraphs and links.
#[derive(Template)]
#[template(path = "account/message.html")]
pub struct MessagePage {
    /// The frame.
    pub chrome: Chrome,
    /// The text.
    pub paragraphs: Vec<String>,
    /// Codes to list (recovery codes).
    pub codes: Vec<String>,
    /// Links.
    pub links: Vec<(String, String)>,
}

/// A page with one table.
#[derive(Template)]
#[template(path = "account/table.html")]
pub struct TablePage {
    /// The frame.
    pub chrome: Chrome,
    /// Paragraphs above the table.
    pub intro: Vec<String>,
    /// The table's caption.
    pub caption: String,
    /// Column headings.
    pub headings: Vec<String>,
    /// Cells.
    pub rows: Vec<Vec<String>>,
    /// Shown instead of an empty table.
    pub empty: String,
    /// Links below.
    pub links: Vec<(String, String)>,
}

/// The frame of an account page.
pub async fn chrome(state: &AppState, context: &RequestContext, title_key: &str) -> AppResult<Chrome> {
    let installation = portal_store::installation(&state.db).await?;
    Ok(Chrome::new(context, &installation, "account", context.lang.t(title_key)))
}

async fn message(
    state: &AppState,
    context: &RequestContext,
    status: StatusCode,
    title_key: &str,
    paragraph_keys: &[&str],
    links: Vec<(String, String)>,
) -> AppResult<Response> {
    let page = MessagePage {
        chrome: chrome(state, context, title_key).await?,
        paragraphs: paragraph_keys.iter().map(|k| context.lang.t(k)).collect(),
        codes: Vec::new(),
        links,
    };
    render_status(&page, status)
}

fn hash_error(e: HashError) -> AppError {
    match e {
        HashError::Busy => AppError::Busy,
        HashError::Internal(e) => AppError::Internal(e),
    }
}

/// The registration form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterForm {
    nama: String,
    nik: String,
    email: String,
    #[serde(default)]
    telepon: String,
    sandi: String,
    sandi_ulang: String,
}

fn register_page(chrome: Chrome, csrf: &str, form: &RegisterForm) -> FormPage {
    let lang = chrome.lang;
    let mut page = FormPage::new(chrome, "/akun/daftar", csrf, lang.t("register-submit"));
    page.intro = vec![lang.t("register-intro")];
    page.fields = vec![
        FormField::new(lang, "nama", "text", "name").value(&form.nama),
        FormField::new(lang, "nik", "text", "off").numeric().hint(lang).value(&form.nik),
        FormField::new(lang, "email", "email", "email")
            .label(lang.t("register-field-email"))
            .optional()
            .value(&form.email),
        FormField::new(lang, "telepon", "tel", "tel").optional().hint(lang).value(&form.telepon),
        FormField::new(lang, "sandi", "password", "new-password").hint(lang),
        FormField::new(lang, "sandi_ulang", "password", "new-password"),
    ];
    page.links = vec![("/akun/masuk".into(), lang.t("register-have-account"))];
    page
}

/// `GET /akun/daftar`: the registration form.
pub async fn register_form(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
) -> AppResult<Response> {
    let chrome = chrome(&state, &context, "register-title").await?;
    register_page(chrome, &visitor.csrf, &RegisterForm::default()).respond(StatusCode::OK)
}

/// `POST /akun/daftar`: checks every field, then creates the account and mails the link.
pub async fn register(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    ClientAddress(address): ClientAddress,
    Form(form): Form<RegisterForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let mut page = register_page(chrome(&state, &context, "register-title").await?, &visitor.csrf, &form);
    let name = form.nama.trim();
    if name.chars().count() < 2 || name.chars().count() > 100 {
        page.set_error("nama", lang.t("error-name"));
    }
    let nik_digits: String = form.nik.chars().filter(|c| !c.is_whitespace()).collect();
    let checked = nik::check(&state.db, &nik_digits, nik::today_in_indonesia()).await?;
    match &checked {
        Ok(_) => {}
        Err(problem) => page.set_error("nik", problem.message(lang)),
    }
    let email = Some(accounts::normalize_email(&form.email)).filter(|e| !e.is_empty());
    if email.as_deref().is_some_and(|e| !accounts::plausible_email(e)) {
        page.set_error("email", lang.t("error-email"));
    }
    if email.is_none() && form.telepon.trim().is_empty() {
        page.set_error("email", lang.t("error-email-or-phone"));
    }
    let phone = if form.telepon.trim().is_empty() {
        None
    } else {
        let phone = accounts::normalize_phone(&form.telepon);
        if phone.is_none() {
            page.set_error("telepon", lang.t("error-phone"));
        }
        phone
    };
    let local_part = email.as_deref().and_then(|e| e.split('@').next()).unwrap_or_default();
    if let Err(problem) = password::check_password(&form.sandi, &[local_part, name, &nik_digits]) {
        page.set_error("sandi", lang.t(problem.message_key()));
    } else if form.sandi != form.sandi_ulang {
        page.set_error("sandi_ulang", lang.t("error-password-mismatch"));
    }
    let Ok((nik_value, facts)) = checked else {
        return page.respond(StatusCode::BAD_REQUEST);
    };
    let verify_by = email.clone().map(Reachable::Email).or_else(|| phone.clone().map(Reachable::Phone));
    let Some(verify_by) = verify_by.filter(|_| !page.has_errors()) else {
        return page.respond(StatusCode::BAD_REQUEST);
    };
    // Each registration sends mail (to a new or an existing address): counted per client
    // address like sign-in failures, so the form cannot be used to flood someone's inbox.
    let key = format!("register:{}", throttle::address_key(address));
    let wait = throttle::wait_seconds(&state.db, &key).await?;
    if wait > 0 {
        return Err(AppError::TooManyRequests { retry_after_seconds: u64::try_from(wait).unwrap_or(1) });
    }
    throttle::record_failure(&state.db, &key, throttle::FREE_ADDRESS_FAILURES).await?;
    let password_hash = state.hasher.hash(&form.sandi).await.map_err(hash_error)?;
    let mut tx = state.db.begin().await?;
    let new = NewCitizen {
        name,
        nik: nik_value.as_str(),
        nik_district: &facts.district_code,
        birth_date: &facts.birth_date,
        email: email.as_deref(),
        phone: phone.as_deref(),
        password_hash: &password_hash,
    };
    let outcome = accounts::register_citizen(&state.db, &mut tx, &state.fields, &new).await?;
    match outcome {
        Registered::NikTaken => {
            drop(tx);
            tracing::info!("registration refused: NIK already has an account");
            page.set_error("nik", lang.t("error-nik-taken"));
            page.links.push(("/akun/lupa-sandi".into(), lang.t("signin-forgot")));
            return page.respond(StatusCode::CONFLICT);
        }
        Registered::Created { token, .. } => {
            let link = format!("{}/akun/verifikasi/{token}", state.link_base);
            match &verify_by {
                Reachable::Email(email) => {
                    let mail = OutgoingMail {
                        to: email.clone(),
                        subject: lang.t("mail-verify-subject"),
                        text: lang.t_args("mail-verify-body", &[("name", name.to_string()), ("link", link)]),
                    };
                    state.outbox.queue(&mut tx, &mail).await?;
                }
                Reachable::Phone(phone) => {
                    let sms =
                        OutgoingSms { to: phone.clone(), text: lang.t_args("sms-verify", &[("link", link)]) };
                    state.outbox.queue_sms(&mut tx, &sms).await?;
                }
            }
        }
        Registered::EmailTaken => {
            let mail = OutgoingMail {
                to: email.clone().unwrap_or_default(),
                subject: lang.t("mail-exists-subject"),
                text: lang
                    .t_args("mail-exists-body", &[("link", format!("{}/akun/lupa-sandi", state.link_base))]),
            };
            state.outbox.queue(&mut tx, &mail).await?;
        }
    }
    tx.commit().await?;
    state.outbox.wake();
    let (title, body) = if matches!(verify_by, Reachable::Email(_)) {
        ("register-sent-title", ["register-sent-body", "register-sent-spam"])
    } else {
        ("register-sms-sent-title", ["register-sms-sent-body", "register-sms-sent-late"])
    };
    message(&state, &context, StatusCode::OK, title, &body, vec![]).await
}

/// `GET /akun/verifikasi/{token}`: a button that confirms. Link scanners in mail systems
/// follow links; only the button's POST uses the token.
pub async fn verify_page(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if let Err(problem) = accounts::email_token_state(&state.db, "verify", &token).await? {
        return link_problem(&state, &context, problem).await;
    }
    let lang = context.lang;
    let mut page = FormPage::new(
        chrome(&state, &context, "verify-title").await?,
        format!("/akun/verifikasi/{token}"),
        &visitor.csrf,
        lang.t("verify-submit"),
    );
    page.intro = vec![lang.t("verify-intro")];
    page.respond(StatusCode::OK)
}

/// The empty form of a button.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyForm {}

/// `POST /akun/verifikasi/{token}`: marks the email verified, once.
pub async fn verify(
    State(state): State<AppState>,
    context: RequestContext,
    Path(token): Path<String>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let link = match accounts::consume_email_token(&mut tx, "verify", &token).await? {
        Ok(link) => link,
        Err(problem) => return link_problem(&state, &context, problem).await,
    };
    let account_id = link.account_id;
    accounts::mark_verified(&mut tx, link).await?;
    let action = match link.channel {
        Channel::Email => "account.verify_email",
        Channel::Sms => "account.verify_phone",
    };
    accounts::record(
        &state.db,
        &mut tx,
        &format!("citizen:{account_id}"),
        action,
        &format!("account/{account_id}"),
    )
    .await?;
    tx.commit().await?;
    let lang = context.lang;
    message(
        &state,
        &context,
        StatusCode::OK,
        "verified-title",
        &["verified-body"],
        vec![("/akun/masuk".into(), lang.t("signin-title"))],
    )
    .await
}

async fn link_problem(
    state: &AppState,
    context: &RequestContext,
    problem: LinkProblem,
) -> AppResult<Response> {
    let (status, key) = match problem {
        LinkProblem::Unknown => (StatusCode::NOT_FOUND, "link-unknown"),
        LinkProblem::Expired => (StatusCode::BAD_REQUEST, "link-expired"),
        LinkProblem::Used => (StatusCode::CONFLICT, "link-used"),
    };
    tracing::info!(problem = ?problem, "mailed link refused");
    message(
        state,
        context,
        status,
        "link-title",
        &[key],
        vec![("/akun/lupa-sandi".into(), context.lang.t("signin-forgot"))],
    )
    .await
}

/// Query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInQuery {
    kembali: Option<String>,
}

/// The sign-in form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInForm {
    /// An email address or a NIK.
    akun: String,
    sandi: String,
    #[serde(default)]
    kembali: String,
}

fn sign_in_page(chrome: Chrome, csrf: &str, account: &str, back: &str) -> FormPage {
    let lang = chrome.lang;
    let mut page = FormPage::new(chrome, "/akun/masuk", csrf, lang.t("signin-submit"));
    page.hidden = vec![("kembali".into(), back.to_string())];
    page.fields = vec![
        FormField::new(lang, "akun", "text", "username").hint(lang).value(account),
        FormField::new(lang, "sandi", "password", "current-password"),
    ];
    page.links = vec![
        ("/akun/lupa-sandi".into(), lang.t("signin-forgot")),
        ("/akun/daftar".into(), lang.t("signin-register")),
    ];
    page
}

/// `GET /akun/masuk`.
pub async fn sign_in_form(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Query(query): Query<SignInQuery>,
) -> AppResult<Response> {
    let back = local_path(query.kembali.or_else(|| Some("/akun".into())));
    sign_in_page(chrome(&state, &context, "signin-title").await?, &visitor.csrf, "", &back)
        .respond(StatusCode::OK)
}

/// Why a password sign-in did not succeed. The messages never say which part was wrong.
#[derive(Debug)]
pub enum SignInRefusal {
    /// Wait this many seconds.
    Throttled(u64),
    /// Email/NIK or password wrong (or the account disabled).
    Wrong,
    /// Right password, but neither the email nor the mobile number is verified yet.
    Unverified,
}

/// Checks the account's name and password with back-off; the same work is done for unknown
/// names.
pub async fn check_password_sign_in(
    state: &AppState,
    name: &AccountName,
    password: &str,
    address: std::net::IpAddr,
) -> AppResult<Result<accounts::Credentials, SignInRefusal>> {
    let account_key = name.throttle_key();
    let address_key = throttle::address_key(address);
    let wait = throttle::wait_seconds(&state.db, &account_key)
        .await?
        .max(throttle::wait_seconds(&state.db, &address_key).await?);
    if wait > 0 {
        tracing::info!(wait, "sign-in refused: back-off in force");
        return Ok(Err(SignInRefusal::Throttled(u64::try_from(wait).unwrap_or(1))));
    }
    let found = accounts::credentials_by_name(&state.db, name).await?;
    let accepted = match &found {
        Some(account) => state.hasher.verify(password, &account.password_hash).await.map_err(hash_error)?,
        None => {
            state.hasher.verify_unknown_account(password).await.map_err(hash_error)?;
            false
        }
    };
    match found {
        Some(account) if accepted && !account.disabled => {
            throttle::clear(&state.db, &account_key).await?;
            if !account.verified {
                return Ok(Err(SignInRefusal::Unverified));
            }
            Ok(Ok(account))
        }
        _ => {
            throttle::record_failure(&state.db, &account_key, throttle::FREE_ACCOUNT_FAILURES).await?;
            throttle::record_failure(&state.db, &address_key, throttle::FREE_ADDRESS_FAILURES).await?;
            tracing::info!("sign-in refused: wrong account name or password");
            Ok(Err(SignInRefusal::Wrong))
        }
    }
}

/// `POST /akun/masuk`.
pub async fn sign_in(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    ClientAddress(address): ClientAddress,
    Form(form): Form<SignInForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let name = AccountName::parse(&form.akun, &state.fields);
    let back = local_path(Some(form.kembali.clone()).filter(|b| !b.is_empty()).or(Some("/akun".into())));
    let account = match check_password_sign_in(&state, &name, &form.sandi, address).await? {
        Ok(account) => account,
        Err(SignInRefusal::Throttled(seconds)) => {
            return Err(AppError::TooManyRequests { retry_after_seconds: seconds });
        }
        Err(refusal) => {
            let mut page = sign_in_page(
                chrome(&state, &context, "signin-title").await?,
                &visitor.csrf,
                form.akun.trim(),
                &back,
            );
            let key = if matches!(refusal, SignInRefusal::Unverified) {
                "signin-unverified"
            } else {
                "signin-wrong"
            };
            page.set_error("akun", lang.t(key));
            return page.respond(StatusCode::UNAUTHORIZED);
        }
    };
    let needs_second_factor = account.totp_sealed.is_some();
    let mut tx = state.db.begin().await?;
    if let Some(Credential::Session { token_hash, .. }) = visitor.principal.as_ref().map(|p| &p.credential) {
        session::end(&mut tx, token_hash).await?;
    }
    let cookie = session::start(&mut tx, account.id, needs_second_factor, state.behind_tls).await?;
    if !needs_second_factor {
        accounts::record(
            &state.db,
            &mut tx,
            &actor(account.kind, account.id),
            "session.start",
            &format!("account/{}", account.id),
        )
        .await?;
    }
    tx.commit().await?;
    let next = if needs_second_factor {
        format!("/akun/masuk/verifikasi?kembali={}", encode(&back))
    } else if account.kind == AccountKind::Officer {
        // Officers always have a second factor; reaching here means it is not set up yet.
        "/akun/dua-langkah".to_string()
    } else {
        back
    };
    let mut response = see_other(&next);
    append_cookie(&mut response, &cookie);
    Ok(response)
}

fn actor(kind: AccountKind, id: i64) -> String {
    format!("{}:{id}", kind.as_str())
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The second factor's form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorForm {
    kode: String,
    #[serde(default)]
    kembali: String,
}

fn second_factor_page(chrome: Chrome, csrf: &str, back: &str) -> FormPage {
    let lang = chrome.lang;
    let mut page = FormPage::new(chrome, "/akun/masuk/verifikasi", csrf, lang.t("signin-submit"));
    page.intro = vec![lang.t("second-factor-intro")];
    page.hidden = vec![("kembali".into(), back.to_string())];
    page.fields = vec![FormField::new(lang, "kode", "text", "one-time-code").hint(lang)];
    page
}

fn pending_session(visitor: &Visitor) -> Option<(i64, String)> {
    let principal = visitor.principal.as_ref()?;
    match &principal.credential {
        Credential::Session { token_hash, pending_second_factor: true } => {
            Some((principal.account_id, token_hash.clone()))
        }
        _ => None,
    }
}

/// `GET /akun/masuk/verifikasi`.
pub async fn second_factor_form(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Query(query): Query<SignInQuery>,
) -> AppResult<Response> {
    if pending_session(&visitor).is_none() {
        return Ok(see_other("/akun/masuk"));
    }
    let back = local_path(query.kembali.or_else(|| Some("/akun".into())));
    second_factor_page(chrome(&state, &context, "second-factor-title").await?, &visitor.csrf, &back)
        .respond(StatusCode::OK)
}

/// `POST /akun/masuk/verifikasi`: a TOTP code (each usable once) or a recovery code.
pub async fn second_factor(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Form(form): Form<SecondFactorForm>,
) -> AppResult<Response> {
    let Some((account_id, pending_hash)) = pending_session(&visitor) else {
        return Err(AppError::Unauthorized);
    };
    let key = format!("2fa:{account_id}");
    let wait = throttle::wait_seconds(&state.db, &key).await?;
    if wait > 0 {
        return Err(AppError::TooManyRequests { retry_after_seconds: u64::try_from(wait).unwrap_or(1) });
    }
    let account = accounts::credentials_by_id(&state.db, account_id).await?.ok_or(AppError::Unauthorized)?;
    let mut tx = state.db.begin().await?;
    let accepted = match verify_second_factor(&state, &mut tx, &account, &form.kode).await? {
        Ok(how) => {
            tracing::info!(account = account_id, how, "second factor accepted");
            true
        }
        Err(problem) => {
            tracing::info!(account = account_id, problem, "second factor refused");
            false
        }
    };
    if !accepted {
        drop(tx);
        throttle::record_failure(&state.db, &key, throttle::FREE_ACCOUNT_FAILURES).await?;
        let back = local_path(Some(form.kembali));
        let lang = context.lang;
        let mut page =
            second_factor_page(chrome(&state, &context, "second-factor-title").await?, &visitor.csrf, &back);
        page.set_error("kode", lang.t("second-factor-wrong"));
        return page.respond(StatusCode::UNAUTHORIZED);
    }
    session::end(&mut tx, &pending_hash).await?;
    let cookie = session::start(&mut tx, account_id, false, state.behind_tls).await?;
    accounts::record(
        &state.db,
        &mut tx,
        &actor(account.kind, account_id),
        "session.start",
        &format!("account/{account_id}"),
    )
    .await?;
    tx.commit().await?;
    // After commit: on SQLite a second connection would wait for this transaction's lock.
    throttle::clear(&state.db, &key).await?;
    let back = local_path(Some(form.kembali).filter(|b| !b.is_empty()).or(Some("/akun".into())));
    let mut response = see_other(&back);
    append_cookie(&mut response, &cookie);
    Ok(response)
}

/// Checks a TOTP code or a recovery code and uses it up. `Err` names the reason for the log.
pub async fn verify_second_factor(
    state: &AppState,
    tx: &mut crate::db::Tx,
    account: &accounts::Credentials,
    code: &str,
) -> anyhow::Result<Result<&'static str, &'static str>> {
    let Some(sealed) = &account.totp_sealed else { return Ok(Err("no second factor")) };
    let secret = accounts::open_totp_secret(&state.fields, sealed)?;
    let now = u64::try_from(jiff::Timestamp::now().as_second()).unwrap_or(0);
    match totp::verify(&secret, code, now, account.totp_last_step) {
        Ok(step) => {
            if accounts::use_totp_step(tx, account.id, step).await? {
                Ok(Ok("totp"))
            } else {
                Ok(Err("totp reused"))
            }
        }
        Err(totp::TotpProblem::Reused) => Ok(Err("totp reused")),
        Err(_) if code.trim().len() > 6 => {
            if accounts::use_recovery_code(tx, account.id, code).await? {
                Ok(Ok("recovery code"))
            } else {
                Ok(Err("recovery code wrong or used"))
            }
        }
        Err(_) => Ok(Err("totp wrong")),
    }
}

/// `POST /akun/keluar`: ends this session.
pub async fn sign_out(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    if let Some(principal) = &visitor.principal
        && let Credential::Session { token_hash, .. } = &principal.credential
    {
        let mut tx = state.db.begin().await?;
        session::end(&mut tx, token_hash).await?;
        accounts::record(
            &state.db,
            &mut tx,
            &principal.actor(),
            "session.end",
            &format!("account/{}", principal.account_id),
        )
        .await?;
        tx.commit().await?;
    }
    let mut response = see_other("/");
    append_cookie(&mut response, &session::removal_cookie(session::SESSION_COOKIE, state.behind_tls));
    Ok(response)
}

/// `POST /akun/keluar-semua`: ends every session of the account, on every device.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let principal = &signed_in.principal;
    let mut tx = state.db.begin().await?;
    session::end_all(&mut tx, principal.account_id).await?;
    accounts::record(
        &state.db,
        &mut tx,
        &principal.actor(),
        "session.end_all",
        &format!("account/{}", principal.account_id),
    )
    .await?;
    tx.commit().await?;
    let mut response = see_other("/akun/masuk");
    append_cookie(&mut response, &session::removal_cookie(session::SESSION_COOKIE, state.behind_tls));
    Ok(response)
}

/// The forgotten-password form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestForm {
    /// An email address or a NIK.
    akun: String,
}

/// `GET /akun/lupa-sandi`.
pub async fn reset_request_form(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
) -> AppResult<Response> {
    let lang = context.lang;
    let mut page = FormPage::new(
        chrome(&state, &context, "reset-request-title").await?,
        "/akun/lupa-sandi",
        &visitor.csrf,
        lang.t("reset-request-submit"),
    );
    page.intro = vec![lang.t("reset-request-intro")];
    page.fields = vec![FormField::new(lang, "akun", "text", "username").hint(lang)];
    page.respond(StatusCode::OK)
}

/// `POST /akun/lupa-sandi`: sends a link valid 30 minutes when the account exists, to its
/// email or else by SMS to its mobile number; the answer is the same either way.
pub async fn reset_request(
    State(state): State<AppState>,
    context: RequestContext,
    ClientAddress(address): ClientAddress,
    Form(form): Form<ResetRequestForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let name = AccountName::parse(&form.akun, &state.fields);
    // Mail bombing someone's inbox through this form is throttled like sign-in.
    let key = format!("reset:{}", throttle::address_key(address));
    let wait = throttle::wait_seconds(&state.db, &key).await?;
    if wait > 0 {
        return Err(AppError::TooManyRequests { retry_after_seconds: u64::try_from(wait).unwrap_or(1) });
    }
    throttle::record_failure(&state.db, &key, throttle::FREE_ADDRESS_FAILURES).await?;
    let account = accounts::credentials_by_name(&state.db, &name).await?.filter(|a| !a.disabled);
    let reachable = match &account {
        Some(account) => accounts::reachable(&state.db, &state.fields, account.id).await?,
        None => None,
    };
    if let (Some(account), Some(reachable)) = (account, reachable) {
        let mut tx = state.db.begin().await?;
        let sent_to = match &reachable {
            Reachable::Email(email) => accounts::SentTo::Email(email),
            Reachable::Phone(_) => accounts::SentTo::Sms,
        };
        let token = accounts::issue_email_token(
            &mut tx,
            "reset",
            accounts::LinkFor::Account(account.id),
            sent_to,
            accounts::RESET_LINK_SECONDS,
        )
        .await?;
        let link = format!("{}/akun/atur-ulang/{token}", state.link_base);
        match reachable {
            Reachable::Email(email) => {
                let mail = OutgoingMail {
                    to: email,
                    subject: lang.t("mail-reset-subject"),
                    text: lang.t_args("mail-reset-body", &[("name", account.name.clone()), ("link", link)]),
                };
                state.outbox.queue(&mut tx, &mail).await?;
            }
            Reachable::Phone(phone) => {
                let sms = OutgoingSms { to: phone, text: lang.t_args("sms-reset", &[("link", link)]) };
                state.outbox.queue_sms(&mut tx, &sms).await?;
            }
        }
        accounts::record(
            &state.db,
            &mut tx,
            &actor(account.kind, account.id),
            "account.reset_requested",
            &format!("account/{}", account.id),
        )
        .await?;
        tx.commit().await?;
        state.outbox.wake();
    }
    message(&state, &context, StatusCode::OK, "reset-sent-title", &["reset-sent-body"], vec![]).await
}

/// A new password, twice.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPasswordForm {
    sandi: String,
    sandi_ulang: String,
}

fn new_password_page(chrome: Chrome, action: String, csrf: &str) -> FormPage {
    let lang = chrome.lang;
    let mut page = FormPage::new(chrome, action, csrf, lang.t("password-submit"));
    page.fields = vec![
        FormField::new(lang, "sandi", "password", "new-password").hint(lang),
        FormField::new(lang, "sandi_ulang", "password", "new-password"),
    ];
    page
}

/// `GET /akun/atur-ulang/{token}`.
pub async fn reset_form(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if let Err(problem) = accounts::email_token_state(&state.db, "reset", &token).await? {
        return link_problem(&state, &context, problem).await;
    }
    new_password_page(
        chrome(&state, &context, "reset-title").await?,
        format!("/akun/atur-ulang/{token}"),
        &visitor.csrf,
    )
    .respond(StatusCode::OK)
}

/// `POST /akun/atur-ulang/{token}`: sets the password, uses up the link, ends all sessions.
pub async fn reset(
    State(state): State<AppState>,
    context: RequestContext,
    visitor: Visitor,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    if let Err(problem) = accounts::email_token_state(&state.db, "reset", &token).await? {
        return link_problem(&state, &context, problem).await;
    }
    let mut page = new_password_page(
        chrome(&state, &context, "reset-title").await?,
        format!("/akun/atur-ulang/{token}"),
        &visitor.csrf,
    );
    if let Err(problem) = password::check_password(&form.sandi, &[]) {
        page.set_error("sandi", lang.t(problem.message_key()));
        return page.respond(StatusCode::BAD_REQUEST);
    }
    if form.sandi != form.sandi_ulang {
        page.set_error("sandi_ulang", lang.t("error-password-mismatch"));
        return page.respond(StatusCode::BAD_REQUEST);
    }
    let hash = state.hasher.hash(&form.sandi).await.map_err(hash_error)?;
    let mut tx = state.db.begin().await?;
    let link = match accounts::consume_email_token(&mut tx, "reset", &token).await? {
        Ok(link) => link,
        Err(problem) => return link_problem(&state, &context, problem).await,
    };
    let account_id = link.account_id;
    accounts::set_password(&mut tx, account_id, &hash).await?;
    // The link proves the mailbox or the phone, so that channel counts as verified now.
    accounts::mark_verified(&mut tx, link).await?;
    accounts::record(
        &state.db,
        &mut tx,
        &format!("account:{account_id}"),
        "account.password_reset",
        &format!("account/{account_id}"),
    )
    .await?;
    tx.commit().await?;
    message(
        &state,
        &context,
        StatusCode::OK,
        "reset-done-title",
        &["reset-done-body"],
        vec![("/akun/masuk".into(), lang.t("signin-title"))],
    )
    .await
}

/// `GET /akun/sandi`: change the password (required after `user create`).
pub async fn change_password_form(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let mut page = new_password_page(
        chrome(&state, &context, "password-title").await?,
        "/akun/sandi".into(),
        &signed_in.csrf,
    );
    if signed_in.principal.must_change_password {
        page.intro = vec![context.lang.t("password-must-change")];
    }
    page.respond(StatusCode::OK)
}

/// `POST /akun/sandi`: sets the password and starts a new session (others end).
pub async fn change_password(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Form(form): Form<NewPasswordForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let principal = &signed_in.principal;
    let mut page = new_password_page(
        chrome(&state, &context, "password-title").await?,
        "/akun/sandi".into(),
        &signed_in.csrf,
    );
    if let Err(problem) = password::check_password(&form.sandi, &[&principal.name]) {
        page.set_error("sandi", lang.t(problem.message_key()));
        return page.respond(StatusCode::BAD_REQUEST);
    }
    if form.sandi != form.sandi_ulang {
        page.set_error("sandi_ulang", lang.t("error-password-mismatch"));
        return page.respond(StatusCode::BAD_REQUEST);
    }
    let hash = state.hasher.hash(&form.sandi).await.map_err(hash_error)?;
    let mut tx = state.db.begin().await?;
    accounts::set_password(&mut tx, principal.account_id, &hash).await?;
    let cookie = session::start(&mut tx, principal.account_id, false, state.behind_tls).await?;
    accounts::record(
        &state.db,
        &mut tx,
        &principal.actor(),
        "account.password_changed",
        &format!("account/{}", principal.account_id),
    )
    .await?;
    tx.commit().await?;
    let mut response = see_other("/akun");
    append_cookie(&mut response, &cookie);
    Ok(response)
}

/// The account overview.
#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    chrome: Chrome,
    facts: Vec<(String, String)>,
    links: Vec<(String, String)>,
    sessions_text: String,
    csrf: String,
}

/// `GET /akun`: who I am, what I can do, my sessions.
pub async fn overview(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let lang = context.lang;
    let principal = &signed_in.principal;
    let row = sqlx::query("SELECT email, nik_sealed FROM accounts WHERE id = $1")
        .bind(principal.account_id)
        .fetch_one(state.db.pool())
        .await?;
    let email: Option<String> = row.try_get("email")?;
    let nik_sealed: Option<String> = row.try_get("nik_sealed")?;
    let sessions: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE account_id = $1 AND pending_2fa = 0")
            .bind(principal.account_id)
            .fetch_one(state.db.pool())
            .await?
            .try_get("n")?;
    let mut facts = vec![
        (lang.t("field-nama"), principal.name.clone()),
        (lang.t("field-email"), email.unwrap_or_default()),
    ];
    if let Some(sealed) = nik_sealed {
        let nik = state.fields.open(field::NIK, &sealed).map_err(|e| anyhow::anyhow!("NIK: {e}"))?;
        facts.push((lang.t("field-nik"), mask_nik(&nik)));
    }
    facts.push((
        lang.t("account-second-factor"),
        lang.t(if principal.second_factor {
            "account-second-factor-on"
        } else {
            "account-second-factor-off"
        }),
    ));
    let unread = crate::services::notifications::unread(&state.db, principal.account_id).await?;
    let mut links = vec![
        (
            "/akun/notifikasi".to_string(),
            lang.t_args("account-notifications", &[("unread", unread.to_string())]),
        ),
        ("/akun/sandi".to_string(), lang.t("password-title")),
        ("/akun/dua-langkah".to_string(), lang.t("totp-title")),
    ];
    links.push(("/akun/token".into(), lang.t("tokens-title")));
    if principal.kind == AccountKind::Citizen {
        links.push(("/akun/permohonan".into(), lang.t("apply-list-title")));
        links.push(("/akun/janji".into(), lang.t("account-appointments")));
        links.push(("/akun/usaha".into(), lang.t("business-title")));
        links.push(("/akun/akses".into(), lang.t("access-title")));
        links.push(("/akun/unduh".into(), lang.t("export-title")));
        links.push(("/akun/privasi".into(), lang.t("privacy-title")));
    } else {
        links.push(("/admin".into(), lang.t("admin-title")));
    }
    let page = AccountPage {
        chrome: chrome(&state, &context, "account-title").await?,
        facts,
        links,
        sessions_text: lang.t_args("account-sessions-count", &[("n", sessions.to_string())]),
        csrf: signed_in.csrf.clone(),
    };
    render(&page)
}

/// A NIK as the account page shows it: province and regency visible, the rest hidden.
pub fn mask_nik(nik: &str) -> String {
    nik.chars().enumerate().map(|(i, c)| if (4..12).contains(&i) { '•' } else { c }).collect()
}

/// The two-step set-up form: the new secret travels sealed in a hidden field, so nothing
/// is stored until a code proves the app has it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpSetupForm {
    rahasia: String,
    kode: String,
}

async fn totp_setup_page(
    state: &AppState,
    context: &RequestContext,
    signed_in: &SignedIn,
    secret: &[u8],
) -> AppResult<FormPage> {
    let lang = context.lang;
    let installation = portal_store::installation(&state.db).await?;
    let label = sqlx::query("SELECT email FROM accounts WHERE id = $1")
        .bind(signed_in.principal.account_id)
        .fetch_one(state.db.pool())
        .await?
        .try_get::<Option<String>, _>("email")?
        .unwrap_or_else(|| signed_in.principal.name.clone());
    let uri = totp::otpauth_uri(secret, &format!("Satu Pintu {}", installation.name), &label)?;
    let sealed = state
        .fields
        .seal(&pending_totp_field(signed_in.principal.account_id), &totp::secret_base32(secret))?;
    let mut page = FormPage::new(
        chrome(state, context, "totp-title").await?,
        "/akun/dua-langkah",
        &signed_in.csrf,
        lang.t("totp-submit"),
    );
    page.intro = vec![lang.t("totp-intro")];
    page.qr_svg = Some(totp::qr_svg(&uri, totp::QR_LABEL)?);
    page.manual_secret = totp::secret_base32(secret);
    page.hidden = vec![("rahasia".into(), sealed)];
    page.fields = vec![FormField::new(lang, "kode", "text", "one-time-code").numeric().hint(lang)];
    Ok(page)
}

/// The sealing context of a secret being set up, bound to the account.
fn pending_totp_field(account_id: i64) -> String {
    format!("totp_setup:{account_id}")
}

/// `GET /akun/dua-langkah`: a new secret with its QR code.
pub async fn totp_setup_form(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let secret = totp::new_secret()?;
    totp_setup_page(&state, &context, &signed_in, &secret).await?.respond(StatusCode::OK)
}

/// `POST /akun/dua-langkah`: turns the second factor on once a code matches, and shows the
/// ten recovery codes once.
pub async fn totp_setup(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
    Form(form): Form<TotpSetupForm>,
) -> AppResult<Response> {
    let lang = context.lang;
    let account_id = signed_in.principal.account_id;
    let secret_text = state
        .fields
        .open(&pending_totp_field(account_id), &form.rahasia)
        .map_err(|_| AppError::malformed("rahasia"))?;
    let secret =
        accounts::open_totp_secret_text(&secret_text).ok_or_else(|| AppError::malformed("rahasia"))?;
    let now = u64::try_from(jiff::Timestamp::now().as_second()).unwrap_or(0);
    let Ok(step) = totp::verify(&secret, &form.kode, now, None) else {
        let mut page = totp_setup_page(&state, &context, &signed_in, &secret).await?;
        page.set_error("kode", lang.t("second-factor-wrong"));
        return page.respond(StatusCode::BAD_REQUEST);
    };
    let codes = totp::new_recovery_codes()?;
    let mut tx = state.db.begin().await?;
    accounts::enable_totp(&mut tx, &state.fields, account_id, &secret, &codes, step).await?;
    accounts::record(
        &state.db,
        &mut tx,
        &signed_in.principal.actor(),
        "account.second_factor_on",
        &format!("account/{account_id}"),
    )
    .await?;
    tx.commit().await?;
    let page = MessagePage {
        chrome: chrome(&state, &context, "totp-done-title").await?,
        paragraphs: vec![lang.t("totp-done-body")],
        codes,
        links: vec![("/akun".into(), lang.t("account-title"))],
    };
    render(&page)
}

/// `GET /akun/akses`: every officer read of my record: when, which agency, which role, why.
pub async fn access_log(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let lang = context.lang;
    let installation = portal_store::installation(&state.db).await?;
    let rows = sqlx::query(
        "SELECT l.accessed_at, l.role, l.purpose, l.audit_index, g.name AS agency, g.name_en AS agency_en \
         FROM data_access_log l LEFT JOIN agencies g ON g.id = l.agency_id \
         WHERE l.citizen_id = $1 ORDER BY l.accessed_at DESC, l.id DESC LIMIT 500",
    )
    .bind(signed_in.principal.account_id)
    .fetch_all(state.db.pool())
    .await?;
    let mut cells = Vec::with_capacity(rows.len());
    for row in &rows {
        let agency: Option<String> = row.try_get("agency")?;
        let agency_en: Option<String> = row.try_get("agency_en")?;
        let role: String = row.try_get("role")?;
        cells.push(vec![
            format_timestamp(lang, row.try_get("accessed_at")?, installation.utc_offset_hours),
            match (agency, agency_en) {
                (Some(id), Some(en)) => lang.pick(&id, &en).to_string(),
                _ => lang.t("access-installation"),
            },
            lang.t(&format!("role-{}", role.replace('_', "-"))),
            row.try_get("purpose")?,
            format!("#{}", row.try_get::<i64, _>("audit_index")?),
        ]);
    }
    let page = TablePage {
        chrome: Chrome::new(&context, &installation, "account", lang.t("access-title")),
        intro: vec![lang.t("access-intro")],
        caption: lang.t("access-caption"),
        headings: ["access-when", "access-agency", "access-role", "access-purpose", "access-entry"]
            .iter()
            .map(|k| lang.t(k))
            .collect(),
        rows: cells,
        empty: lang.t("access-empty"),
        links: vec![("/akun".into(), lang.t("account-title"))],
    };
    render(&page)
}

/// Everything held about a citizen, for `GET /akun/unduh` and `GET /api/v1/me`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonalData {
    /// Account id.
    pub id: i64,
    /// `citizen` or `officer`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Whether and when (Unix seconds) the email was verified.
    pub email_verified_at: Option<i64>,
    /// NIK.
    pub nik: Option<String>,
    /// Mobile number.
    pub phone: Option<String>,
    /// Date of birth.
    pub birth_date: Option<String>,
    /// When the account was made (Unix seconds).
    pub created_at: i64,
    /// Whether the second factor is on.
    pub second_factor: bool,
    /// Officers' reads of this record.
    pub accesses: Vec<AccessRecord>,
}

/// One officer read of a citizen's record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessRecord {
    /// When (Unix seconds).
    pub accessed_at: i64,
    /// The agency's slug, if the role was an agency's.
    pub agency: Option<String>,
    /// The officer's role.
    pub role: String,
    /// The stated purpose (case reference).
    pub purpose: String,
    /// The audit log entry that records the read.
    pub audit_index: i64,
}

/// Reads and opens everything held about an account.
pub async fn personal_data(state: &AppState, account_id: i64) -> anyhow::Result<PersonalData> {
    let row = sqlx::query(
        "SELECT id, kind, name, email, email_verified_at, nik_sealed, phone_sealed, birth_date_sealed, created_at, \
                totp_enabled_at FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_one(state.db.pool())
    .await?;
    let open = |name: &str, field: &str| -> anyhow::Result<Option<String>> {
        let sealed: Option<String> = row.try_get(name)?;
        sealed.map(|s| state.fields.open(field, &s).map_err(|e| anyhow::anyhow!("{field}: {e}"))).transpose()
    };
    let accesses = sqlx::query(
        "SELECT l.accessed_at, g.slug, l.role, l.purpose, l.audit_index FROM data_access_log l \
         LEFT JOIN agencies g ON g.id = l.agency_id WHERE l.citizen_id = $1 ORDER BY l.id",
    )
    .bind(account_id)
    .fetch_all(state.db.pool())
    .await?
    .iter()
    .map(|r| -> anyhow::Result<AccessRecord> {
        Ok(AccessRecord {
            accessed_at: r.try_get("accessed_at")?,
            agency: r.try_get("slug")?,
            role: r.try_get("role")?,
            purpose: r.try_get("purpose")?,
            audit_index: r.try_get("audit_index")?,
        })
    })
    .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(PersonalData {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        email_verified_at: row.try_get("email_verified_at")?,
        nik: open("nik_sealed", field::NIK)?,
        phone: open("phone_sealed", field::PHONE)?,
        birth_date: open("birth_date_sealed", field::BIRTH_DATE)?,
        created_at: row.try_get("created_at")?,
        second_factor: row.try_get::<Option<i64>, _>("totp_enabled_at")?.is_some(),
        accesses,
    })
}

/// `GET /akun/unduh`: all my data as a JSON file (UU PDP's right of access and portability).
pub async fn export(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<Response> {
    let data = personal_data(&state, signed_in.principal.account_id).await?;
    let body = serde_json::to_vec_pretty(&data).map_err(anyhow::Error::from)?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"data-saya.json\""),
    );
    Ok(response)
}
