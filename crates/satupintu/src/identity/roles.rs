//! Officers' roles. A role is always held within a scope: an agency (or the whole
//! installation, for `admin` and `auditor`) and a region. What a role may do is decided
//! here, in one table, and nowhere else.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::Row;

use crate::app::AppState;
use crate::db::Db;
use crate::error::AppError;
use crate::identity::session::{AccountKind, Principal, SignedIn};

/// The roles of the installation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Runs the installation.
    Admin,
    /// Manages one agency's officers and its citizens' privacy requests.
    AgencyAdmin,
    /// Serves citizens at an agency.
    Officer,
    /// Oversees an agency's officers.
    Supervisor,
    /// Edits the portal's content.
    ContentEditor,
    /// Reads the records of who did what, but no citizen data.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 6] =
        [Self::Admin, Self::AgencyAdmin, Self::Officer, Self::Supervisor, Self::ContentEditor, Self::Auditor];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::AgencyAdmin => "agency_admin",
            Self::Officer => "officer",
            Self::Supervisor => "supervisor",
            Self::ContentEditor => "content_editor",
            Self::Auditor => "auditor",
        }
    }

    /// Reads a stored or typed name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Things a role may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Open a citizen's personal record (logged and shown to the citizen).
    ReadCitizen,
    /// Handle citizens' privacy requests (correction, deletion).
    HandlePrivacyRequests,
    /// Read the record of officers' reads of personal data.
    ReadAccessLog,
    /// Edit and publish portal content.
    EditContent,
    /// Create officers and grant roles.
    ManageOfficers,
    /// Edit the installation's holiday calendar.
    ManageCalendar,
    /// Work on applications for an agency's services (the workflow step says which role acts).
    HandleApplications,
    /// Revoke an issued document, with a reason anyone verifying it sees.
    RevokeDocuments,
    /// Run an office's appointments: publish slots, see the day's list, call numbers.
    ManageAppointments,
    /// Write, preview and publish an agency's service definitions.
    ManageServices,
    /// Verify, forward, reject and follow up the complaints routed to an agency.
    HandleComplaints,
    /// Read an agency's satisfaction (IKM) reports and export them.
    ReadSatisfaction,
    /// Edit complaint topics and the rules that route them to agencies.
    ManageComplaintTopics,
}

/// The permission table.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::AgencyAdmin => {
            matches!(
                permission,
                ReadCitizen
                    | HandlePrivacyRequests
                    | ReadAccessLog
                    | ManageOfficers
                    | HandleApplications
                    | RevokeDocuments
                    | ManageAppointments
                    | ManageServices
                    | HandleComplaints
                    | ReadSatisfaction
            )
        }
        Role::Officer => {
            matches!(permission, ReadCitizen | HandleApplications | ManageAppointments | HandleComplaints)
        }
        Role::Supervisor => {
            matches!(
                permission,
                ReadCitizen
                    | ReadAccessLog
                    | HandleApplications
                    | RevokeDocuments
                    | ManageAppointments
                    | HandleComplaints
                    | ReadSatisfaction
            )
        }
        Role::ContentEditor => matches!(permission, EditContent),
        Role::Auditor => matches!(permission, ReadAccessLog | ReadSatisfaction),
    }
}

/// One role held in one scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The agency, or `None` for the whole installation.
    pub agency_id: Option<i64>,
    /// The region code the role covers, with everything under it.
    pub region_code: String,
}

/// The agencies where the officer holds `permission` (by agency and region), with their ids,
/// in the directory's order.
pub async fn agencies_in_scope(
    db: &Db,
    officer: &Officer,
    permission: Permission,
) -> Result<Vec<(i64, crate::portal::model::Agency)>, AppError> {
    officer.require(permission)?;
    let ids: std::collections::HashMap<String, i64> = sqlx::query("SELECT id, slug FROM agencies")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|row| Ok((row.try_get("slug")?, row.try_get("id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(crate::portal::store::agencies(db)
        .await?
        .into_iter()
        .filter_map(|agency| ids.get(&agency.slug).map(|id| (*id, agency)))
        .filter(|(id, agency)| officer.grant_for(permission, &agency.region_code, Some(*id)).is_some())
        .collect())
}

/// An officer whose roles let them handle an agency's applications in a region.
#[derive(Clone, Debug)]
pub struct Handler {
    /// The account.
    pub account_id: i64,
    /// The display name.
    pub name: String,
    /// Where mail reaches them.
    pub email: Option<String>,
    /// Whether one of those roles is a supervisor's or an agency admin's.
    pub heads: bool,
}

/// The active officers whose roles give `permission` for `agency_id` in `region`, by name.
pub async fn handlers(
    db: &Db,
    permission: Permission,
    agency_id: i64,
    region: &str,
) -> anyhow::Result<Vec<Handler>> {
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.email, r.role, r.agency_id, r.region_code FROM officer_roles r \
         JOIN accounts a ON a.id = r.account_id WHERE a.disabled_at IS NULL ORDER BY a.name, a.id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut found: Vec<Handler> = Vec::new();
    for row in rows {
        let Some(role) = Role::parse(&row.try_get::<String, _>("role")?) else { continue };
        let grant =
            Grant { role, agency_id: row.try_get("agency_id")?, region_code: row.try_get("region_code")? };
        if !(allows(role, permission)
            && grant.covers_region(region)
            && grant.agency_id.is_none_or(|a| a == agency_id))
        {
            continue;
        }
        let heads = matches!(role, Role::Supervisor | Role::AgencyAdmin);
        let account_id: i64 = row.try_get("id")?;
        match found.iter_mut().find(|h| h.account_id == account_id) {
            Some(known) => known.heads |= heads,
            None => found.push(Handler {
                account_id,
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                heads,
            }),
        }
    }
    Ok(found)
}

impl Grant {
    /// Whether the grant covers a region (its own code or any code under it).
    pub fn covers_region(&self, code: &str) -> bool {
        code == self.region_code
            || code.strip_prefix(self.region_code.as_str()).is_some_and(|rest| rest.starts_with('.'))
    }
}

/// A signed-in officer with a second factor, and their grants.
#[derive(Clone, Debug)]
pub struct Officer {
    /// Who.
    pub principal: Principal,
    /// The CSRF token for forms.
    pub csrf: String,
    /// Roles held, each in its scope.
    pub grants: Vec<Grant>,
}

impl Officer {
    /// The first grant that allows the permission for a record in `region` (and, when the
    /// record belongs to an agency, that agency).
    pub fn grant_for(&self, permission: Permission, region: &str, agency_id: Option<i64>) -> Option<&Grant> {
        self.grants.iter().find(|g| {
            allows(g.role, permission)
                && g.covers_region(region)
                && (g.agency_id.is_none() || agency_id.is_none() || g.agency_id == agency_id)
        })
    }

    /// Whether any grant allows the permission at all (for menus and list pages).
    pub fn may(&self, permission: Permission) -> bool {
        self.grants.iter().any(|g| allows(g.role, permission))
    }

    /// Refuses with 403 unless some grant allows the permission.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.may(permission) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// The grants of an account.
pub async fn grants(db: &Db, account_id: i64) -> anyhow::Result<Vec<Grant>> {
    let rows = sqlx::query(
        "SELECT role, agency_id, region_code FROM officer_roles WHERE account_id = $1 ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok(Grant {
                role: Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?,
                agency_id: row.try_get("agency_id")?,
                region_code: row.try_get("region_code")?,
            })
        })
        .collect()
}

/// Grants a role in a scope; `false` when the account already holds it (nothing changes).
pub async fn grant(tx: &mut crate::db::Tx, account_id: i64, grant: &Grant) -> anyhow::Result<bool> {
    let exists = sqlx::query(
        "SELECT 1 FROM officer_roles WHERE account_id = $1 AND role = $2 AND region_code = $3 \
         AND COALESCE(agency_id, -1) = COALESCE($4, -1)",
    )
    .bind(account_id)
    .bind(grant.role.as_str())
    .bind(&grant.region_code)
    .bind(grant.agency_id)
    .fetch_optional(&mut **tx)
    .await?;
    if exists.is_none() {
        sqlx::query(
            "INSERT INTO officer_roles (account_id, role, agency_id, region_code, granted_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(account_id)
        .bind(grant.role.as_str())
        .bind(grant.agency_id)
        .bind(&grant.region_code)
        .bind(jiff::Timestamp::now().as_second())
        .execute(&mut **tx)
        .await?;
    }
    Ok(exists.is_none())
}

impl FromRequestParts<AppState> for Officer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if signed_in.principal.kind != AccountKind::Officer {
            tracing::warn!(account = signed_in.principal.account_id, path = %parts.uri.path(), "citizen refused from an officer page");
            return Err(AppError::Forbidden.into_response());
        }
        // Officers work only with a second factor.
        if !signed_in.principal.second_factor {
            return Err(Redirect::to("/akun/dua-langkah").into_response());
        }
        let grants = grants(&state.db, signed_in.principal.account_id)
            .await
            .map_err(|e| AppError::Internal(e).into_response())?;
        Ok(Self { principal: signed_in.principal, csrf: signed_in.csrf, grants })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_covered_by_prefix_at_a_level_boundary() {
        let grant = Grant { role: Role::Officer, agency_id: Some(1), region_code: "35.78".into() };
        assert!(grant.covers_region("35.78"));
        assert!(grant.covers_region("35.78.01"));
        assert!(grant.covers_region("35.78.01.1001"));
        assert!(!grant.covers_region("35.7"));
        assert!(!grant.covers_region("35.79.01"));
        assert!(!grant.covers_region("35"));
    }

    #[test]
    fn only_some_roles_read_citizens() {
        let readers: Vec<_> = Role::ALL.into_iter().filter(|r| allows(*r, Permission::ReadCitizen)).collect();
        assert_eq!(readers, [Role::Admin, Role::AgencyAdmin, Role::Officer, Role::Supervisor]);
        assert!(!allows(Role::ContentEditor, Permission::ReadCitizen));
        assert!(!allows(Role::Auditor, Permission::ReadCitizen));
    }
}
