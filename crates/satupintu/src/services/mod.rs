//! Public services online: the catalogue of versioned service definitions.

pub mod api;
pub mod applications;
pub mod appointments;
pub mod attachments;
pub mod catalogue;
pub mod documents;
pub mod editor;
pub mod import;
pub mod issued;
pub mod notifications;
pub mod overdue;
pub mod routes;
pub mod survey;
pub mod verify;
pub mod workbench;

use satupintu_rules::service::FieldProblem;

use crate::i18n::Lang;

/// The message for a refused answer, in the reader's language (web pages and the API alike).
pub fn answer_problem_message(lang: Lang, problem: &FieldProblem) -> String {
    match problem {
        FieldProblem::TooShort { min } => lang.t_args("apply-error-too_short", &[("min", min.to_string())]),
        FieldProblem::TooLong { max } => lang.t_args("apply-error-too_long", &[("max", max.to_string())]),
        FieldProblem::BelowMinimum { min } => {
            lang.t_args("apply-error-below_minimum", &[("min", min.to_string())])
        }
        FieldProblem::AboveMaximum { max } => {
            lang.t_args("apply-error-above_maximum", &[("max", max.to_string())])
        }
        other => lang.t(&format!("apply-error-{}", other.code())),
    }
}

/// The page frame of a services page in `section` of the navigation.
pub(crate) async fn chrome(
    state: &crate::app::AppState,
    context: &crate::web::RequestContext,
    section: &'static str,
    title: String,
) -> crate::error::AppResult<crate::web::page::Chrome> {
    let installation = crate::portal::store::installation(&state.db).await?;
    Ok(crate::web::page::Chrome::new(context, &installation, section, title))
}

/// Text of a definition in the reader's language.
pub fn pick(lang: Lang, text: &satupintu_rules::service::Text) -> String {
    lang.pick(&text.id, &text.en).to_string()
}

/// A notice about an application for its citizen: in the app, and by mail, or SMS for
/// citizens without email.
pub struct Notice {
    /// The mail's subject.
    pub subject: String,
    /// The in-app notification's one line.
    pub title: String,
    /// The page it is about, a path (`/permohonan/12`).
    pub path: String,
    /// The mail's text.
    pub body: String,
    /// The SMS text.
    pub sms: String,
}

/// Records a notice in the caller's transaction, in the app and by the channel the citizen can
/// be reached on.
pub async fn notify_citizen(
    state: &crate::app::AppState,
    tx: &mut crate::db::Tx,
    account_id: i64,
    reachable: Option<crate::identity::accounts::Reachable>,
    notice: Notice,
) -> anyhow::Result<()> {
    notice_rows(state, account_id, reachable, notice)?.write(tx).await
}

/// What a notice writes: the in-app line, and the message if the citizen can be reached.
pub struct NoticeRows {
    /// The account notified.
    pub account_id: i64,
    /// The in-app notification's line.
    pub title: String,
    /// The page it is about.
    pub path: String,
    /// The mail or SMS.
    pub message: Option<crate::outbox::QueuedMessage>,
}

impl NoticeRows {
    /// Writes the rows in the caller's transaction.
    pub async fn write(&self, tx: &mut crate::db::Tx) -> anyhow::Result<()> {
        crate::services::notifications::record(tx, self.account_id, &self.title, &self.path).await?;
        match &self.message {
            Some(message) => crate::outbox::insert(tx, message).await,
            None => Ok(()),
        }
    }
}

/// The rows of a notice to an account reachable (or not) at `reachable`.
pub fn notice_rows(
    state: &crate::app::AppState,
    account_id: i64,
    reachable: Option<crate::identity::accounts::Reachable>,
    notice: Notice,
) -> anyhow::Result<NoticeRows> {
    let message = match reachable {
        Some(crate::identity::accounts::Reachable::Email(to)) => {
            let mail = crate::mail::OutgoingMail { to, subject: notice.subject, text: notice.body };
            Some(crate::outbox::Outbox::mail_row(&mail))
        }
        Some(crate::identity::accounts::Reachable::Phone(to)) => {
            Some(state.outbox.sms_row(&crate::sms::OutgoingSms { to, text: notice.sms })?)
        }
        None => None,
    };
    Ok(NoticeRows { account_id, title: notice.title, path: notice.path, message })
}
