//! Supervisors learn when an application passes its SLA due date: once per application, by
//! mail and in the app, every supervisor and agency admin whose scope covers it. The mark
//! that it was told is set in the same transaction, so nodes running the check at once tell
//! each supervisor once.

use std::time::Duration;

use sqlx::Row;

use crate::app::AppState;
use crate::i18n::Lang;

/// Checks now; returns how many applications were newly reported.
pub async fn notify_overdue(state: &AppState) -> anyhow::Result<usize> {
    let installation = crate::portal::store::installation(&state.db).await?;
    let today = crate::calendar::today_at(installation.utc_offset_hours).to_string();
    let late = sqlx::query(
        "SELECT a.id, a.receipt, a.agency_id, a.region_code, a.due_on, s.name FROM applications a \
         JOIN services s ON s.id = a.service_id \
         WHERE a.status = 'in_progress' AND a.due_on < $1 AND a.overdue_notified_on IS NULL \
         ORDER BY a.due_on LIMIT 500",
    )
    .bind(&today)
    .fetch_all(state.db.pool())
    .await?;
    if late.is_empty() {
        return Ok(0);
    }
    let mut reported = 0;
    for application in late {
        let id: i64 = application.try_get("id")?;
        let agency_id: i64 = application.try_get("agency_id")?;
        let region: String = application.try_get("region_code")?;
        let recipients: Vec<(i64, Option<String>)> = crate::identity::roles::handlers(
            &state.db,
            crate::identity::roles::Permission::HandleApplications,
            agency_id,
            &region,
        )
        .await?
        .into_iter()
        .filter(|h| h.heads)
        .map(|h| (h.account_id, h.email))
        .collect();
        let receipt: String = application.try_get::<Option<String>, _>("receipt")?.unwrap_or_default();
        let due: String = application.try_get::<Option<String>, _>("due_on")?.unwrap_or_default();
        let lang = Lang::Id;
        let path = format!("/admin/permohonan/{id}");
        let subject = lang.t_args("notice-overdue-subject", &[("receipt", receipt.clone())]);
        let body = lang.t_args(
            "notice-overdue-body",
            &[
                ("receipt", receipt),
                ("service", application.try_get("name")?),
                ("due", crate::web::page::format_iso_date(lang, &due).unwrap_or(due)),
                ("link", format!("{}{path}", state.link_base)),
            ],
        );
        let mut tx = state.db.begin().await?;
        let marked = sqlx::query(
            "UPDATE applications SET overdue_notified_on = $1 WHERE id = $2 AND overdue_notified_on IS NULL",
        )
        .bind(&today)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked != 1 {
            continue;
        }
        for (account, email) in &recipients {
            crate::services::notifications::record(&mut tx, *account, &subject, &path).await?;
            if let Some(to) = email {
                let mail = crate::mail::OutgoingMail {
                    to: to.clone(),
                    subject: subject.clone(),
                    text: body.clone(),
                };
                state.outbox.queue(&mut tx, &mail).await?;
            }
        }
        let entry = crate::audit::Entry {
            actor: "system:sla",
            action: "application.overdue",
            subject: &format!("application/{id}"),
            digest: crate::audit::store::digest_of(&(&today, recipients.len())),
        };
        crate::audit::append(&state.db, &mut tx, &entry).await?;
        tx.commit().await?;
        reported += 1;
    }
    state.outbox.wake();
    Ok(reported)
}

/// Runs the check every `every`, once the database is ready.
pub async fn watch(state: AppState, every: Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        if !state.readiness.is_prepared() {
            continue;
        }
        match notify_overdue(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(applications = n, "supervisors told of overdue applications"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "overdue check failed"),
        }
        match crate::complaints::workflow::tick(&state).await {
            Ok(tick) if tick == crate::complaints::workflow::Tick::default() => {}
            Ok(tick) => tracing::info!(closed = tick.closed, escalated = tick.escalated, "complaint clocks"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "complaint clocks failed"),
        }
    }
}
