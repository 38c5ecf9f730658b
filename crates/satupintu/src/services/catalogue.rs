//! The service catalogue: each service's public listing (name, requirements, fee, SLA), kept
//! in `services` and the search index, and its versioned definition in `service_versions`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;

use satupintu_rules::service::{CheckedService, ServiceDefinition};

use crate::audit;
use crate::db::{Db, Tx};
use crate::portal::search::{DocKind, Indexer};

/// What the catalogue lists of a service.
#[derive(Debug)]
pub struct Listing<'a> {
    /// URL name.
    pub slug: &'a str,
    /// The responsible agency's slug.
    pub agency: &'a str,
    /// Name in Indonesian and English.
    pub name: (&'a str, &'a str),
    /// Description in Indonesian and English.
    pub description: (&'a str, &'a str),
    /// Requirements in Indonesian and in English, one line each.
    pub requirements: (Vec<String>, Vec<String>),
    /// Fee in rupiah.
    pub fee_rupiah: i64,
    /// SLA in working days.
    pub sla_working_days: i64,
    /// The regulation it rests on.
    pub legal_basis: &'a str,
    /// Featured on the home page.
    pub featured: bool,
}

impl<'a> Listing<'a> {
    /// The listing a definition shows.
    pub fn of(definition: &'a ServiceDefinition) -> Self {
        let labels = |pick: fn(&satupintu_rules::service::Text) -> &String| {
            definition.requirements.iter().map(|r| pick(&r.label).clone()).collect()
        };
        Self {
            slug: &definition.slug,
            agency: &definition.agency,
            name: (&definition.name.id, &definition.name.en),
            description: (&definition.description.id, &definition.description.en),
            requirements: (labels(|t| &t.id), labels(|t| &t.en)),
            fee_rupiah: definition.fee_rupiah,
            sla_working_days: i64::from(definition.sla_working_days),
            legal_basis: &definition.legal_basis,
            featured: definition.featured,
        }
    }
}

/// The id of an agency by slug, or an error naming it.
pub async fn agency_id(tx: &mut Tx, slug: &str) -> anyhow::Result<i64> {
    let row = sqlx::query("SELECT id FROM agencies WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut **tx)
        .await?
        .with_context(|| format!("unknown agency `{slug}`"))?;
    Ok(row.try_get("id")?)
}

/// Writes a service's listing (insert or update by slug) and its search document; returns
/// the service's id.
pub async fn store_listing(tx: &mut Tx, search: &mut Indexer, listing: &Listing<'_>) -> anyhow::Result<i64> {
    let agency_id = agency_id(tx, listing.agency).await?;
    let row = sqlx::query(
        "INSERT INTO services (slug, agency_id, name, name_en, description, description_en, \
           requirements, requirements_en, fee_rupiah, sla_working_days, legal_basis, featured) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (slug) DO UPDATE SET agency_id = excluded.agency_id, name = excluded.name, \
           name_en = excluded.name_en, description = excluded.description, \
           description_en = excluded.description_en, requirements = excluded.requirements, \
           requirements_en = excluded.requirements_en, fee_rupiah = excluded.fee_rupiah, \
           sla_working_days = excluded.sla_working_days, legal_basis = excluded.legal_basis, \
           featured = excluded.featured \
         RETURNING id",
    )
    .bind(listing.slug)
    .bind(agency_id)
    .bind(listing.name.0)
    .bind(listing.name.1)
    .bind(listing.description.0)
    .bind(listing.description.1)
    .bind(serde_json::to_string(&listing.requirements.0)?)
    .bind(serde_json::to_string(&listing.requirements.1)?)
    .bind(listing.fee_rupiah)
    .bind(listing.sla_working_days)
    .bind(listing.legal_basis)
    .bind(i64::from(listing.featured))
    .fetch_one(&mut **tx)
    .await?;
    let body =
        format!("{} {} {}", listing.description.0, listing.requirements.0.join(" "), listing.legal_basis);
    search.index(tx, DocKind::Service, listing.slug, listing.name.0, &body, 0).await?;
    Ok(row.try_get("id")?)
}

/// What publishing a definition did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Published {
    /// The service's id.
    pub service_id: i64,
    /// The version now offered.
    pub version: i64,
    /// Whether that version is new (false when the same definition was already stored).
    pub new_version: bool,
}

/// Publishes a checked definition in the caller's transaction: the listing, a new version
/// when the definition differs from the latest stored one, and an audit entry for a change.
pub async fn publish(
    db: &Db,
    tx: &mut Tx,
    search: &mut Indexer,
    service: &CheckedService,
    actor: &str,
) -> anyhow::Result<Published> {
    let definition = &service.definition;
    let service_id = store_listing(tx, search, &Listing::of(definition)).await?;
    let json = serde_json::to_string(definition)?;
    let digest = crate::digest::sha256_hex(json.as_bytes());
    let latest = sqlx::query(
        "SELECT version, digest FROM service_versions WHERE service_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(service_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (version, new_version) = match latest {
        Some(row) if row.try_get::<String, _>("digest")? == digest => {
            (row.try_get::<i64, _>("version")?, false)
        }
        Some(row) => (row.try_get::<i64, _>("version")? + 1, true),
        None => (1, true),
    };
    if new_version {
        sqlx::query(
            "INSERT INTO service_versions (service_id, version, definition, digest, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(service_id)
        .bind(version)
        .bind(&json)
        .bind(&digest)
        .bind(jiff::Timestamp::now().as_second())
        .bind(actor)
        .execute(&mut **tx)
        .await?;
    }
    let changed = sqlx::query(
        "UPDATE services SET published_version = $1 WHERE id = $2 \
           AND (published_version IS NULL OR published_version <> $1)",
    )
    .bind(version)
    .bind(service_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed > 0 {
        let subject = format!("service/{}/v{version}", definition.slug);
        let entry = audit::Entry { actor, action: "service.publish", subject: &subject, digest };
        audit::append(db, tx, &entry).await?;
    }
    Ok(Published { service_id, version, new_version })
}

/// The agency responsible for a service.
pub async fn agency_of_service(db: &Db, slug: &str) -> anyhow::Result<i64> {
    let row =
        sqlx::query("SELECT agency_id FROM services WHERE slug = $1").bind(slug).fetch_one(db.pool()).await?;
    Ok(row.try_get("agency_id")?)
}

/// A published definition and its version.
#[derive(Clone, Debug)]
pub struct Offered {
    /// The service's id.
    pub service_id: i64,
    /// The responsible agency.
    pub agency_id: i64,
    /// The version.
    pub version: i64,
    /// The definition.
    pub service: Arc<CheckedService>,
}

/// The definition a service offers now, if it has one.
pub async fn offered(db: &Db, slug: &str) -> anyhow::Result<Option<Offered>> {
    if let Some(kept) = db.recent().offered.get(db.changes(), slug) {
        return Ok(kept);
    }
    let since = std::time::Instant::now();
    let row = sqlx::query(
        "SELECT id, agency_id, published_version FROM services WHERE slug = $1 AND published_version IS NOT NULL",
    )
    .bind(slug)
    .fetch_optional(db.pool())
    .await?;
    let offered = match row {
        Some(row) => {
            let (service_id, version) = (row.try_get("id")?, row.try_get("published_version")?);
            let service = definition_at(db, service_id, version).await?;
            Some(Offered { service_id, agency_id: row.try_get("agency_id")?, version, service })
        }
        None => None,
    };
    db.recent().offered.put(slug.to_string(), since, vec![format!("service/{slug}")], offered.clone());
    Ok(offered)
}

/// The definition of one version of a service (applications keep theirs).
/// A version never changes, so each is read once per database.
pub async fn definition_at(db: &Db, service_id: i64, version: i64) -> anyhow::Result<Arc<CheckedService>> {
    if let Some(found) = db.recent().versions.get(service_id, version) {
        return Ok(found);
    }
    let row = sqlx::query("SELECT definition FROM service_versions WHERE service_id = $1 AND version = $2")
        .bind(service_id)
        .bind(version)
        .fetch_one(db.pool())
        .await?;
    let service =
        parse_stored(&format!("service {service_id} v{version}"), &row.try_get::<String, _>("definition")?)?;
    db.recent().versions.put(service_id, version, Arc::clone(&service));
    Ok(service)
}

/// Checked definitions by the SHA-256 of their stored text. A version never changes, and the
/// key is the text itself, so an entry is right for any database and any row holding it.
static CHECKED: LazyLock<Mutex<HashMap<String, Arc<CheckedService>>>> = LazyLock::new(Mutex::default);

/// Most definitions kept checked in memory; beyond it the cache starts again.
const CHECKED_CAPACITY: usize = 512;

/// A stored definition is checked again on reading (a row is trusted no more than a file),
/// once per distinct text.
fn parse_stored(name: &str, json: &str) -> anyhow::Result<Arc<CheckedService>> {
    let key = crate::digest::sha256_hex(json.as_bytes());
    if let Some(found) = CHECKED.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Ok(Arc::clone(found));
    }
    let definition: ServiceDefinition = serde_json::from_str(json)
        .with_context(|| format!("the stored definition of {name} does not parse"))?;
    let checked = Arc::new(definition.check().map_err(|errors| {
        let first = errors.first().map(ToString::to_string).unwrap_or_default();
        anyhow::anyhow!("the stored definition of {name} does not check: {first}")
    })?);
    let mut cache = CHECKED.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= CHECKED_CAPACITY {
        cache.clear();
    }
    cache.insert(key, Arc::clone(&checked));
    Ok(checked)
}
