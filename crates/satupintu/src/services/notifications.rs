//! In-app notifications: every notice a citizen gets by mail or SMS is also listed on their
//! notifications page, unread until they mark it read.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sqlx::Row;

use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::identity::session::SignedIn;
use crate::portal::routes::render;
use crate::web::extract::Form;
use crate::web::page::{Chrome, format_timestamp};
use crate::web::{RequestContext, see_other};

/// Records a notification in the caller's transaction.
pub async fn record(tx: &mut Tx, account_id: i64, title: &str, link: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO notifications (account_id, created_at, title, link) VALUES ($1, $2, $3, $4)")
        .bind(account_id)
        .bind(jiff::Timestamp::now().as_second())
        .bind(title)
        .bind(link)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How many notifications the account has not read.
pub async fn unread(db: &Db, account_id: i64) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL")
        .bind(account_id)
        .fetch_one(db.pool())
        .await?)
}

/// The notifications page.
#[derive(Template)]
#[template(path = "account/notifications.html")]
pub struct NotificationsPage {
    chrome: Chrome,
    csrf: String,
    rows: Vec<(String, String, String, bool)>,
    unread: usize,
}

/// `GET /akun/notifikasi`: the latest hundred, newest first.
pub async fn page(
    State(state): State<AppState>,
    context: RequestContext,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let lang = context.lang;
    let installation = crate::portal::store::installation(&state.db).await?;
    let rows = sqlx::query(
        "SELECT created_at, title, link, read_at FROM notifications WHERE account_id = $1 ORDER BY id DESC LIMIT 100",
    )
    .bind(signed_in.principal.account_id)
    .fetch_all(state.db.pool())
    .await?;
    let rows = rows
        .iter()
        .map(|row| {
            Ok((
                format_timestamp(lang, row.try_get("created_at")?, installation.utc_offset_hours),
                row.try_get("title")?,
                row.try_get("link")?,
                row.try_get::<Option<i64>, _>("read_at")?.is_none(),
            ))
        })
        .collect::<anyhow::Result<Vec<(String, String, String, bool)>>>()?;
    render(&NotificationsPage {
        chrome: Chrome::new(&context, &installation, "account", lang.t("notifications-title")),
        csrf: signed_in.csrf,
        unread: rows.iter().filter(|r| r.3).count(),
        rows,
    })
}

/// `POST /akun/notifikasi/dibaca`: marks every notification read.
pub async fn mark_read(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(_): Form<crate::identity::routes::EmptyForm>,
) -> AppResult<Response> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL")
        .bind(jiff::Timestamp::now().as_second())
        .bind(signed_in.principal.account_id)
        .execute(state.db.pool())
        .await?;
    Ok(see_other("/akun/notifikasi"))
}
