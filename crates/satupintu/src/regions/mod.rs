//! Kemendagri administrative regions: import of the national table, and lookups.
//!
//! The table ships in the binary (`data/regions/wilayah.csv`, MIT, see its README), so a
//! fresh installation can browse every province, regency, district and village at once.

pub mod routes;

use anyhow::{Context, bail};
use serde::Serialize;
// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// every value is bound.
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::db::Db;
use satupintu_rules::region::{RegionCode, RegionLevel};

/// The national region table, as shipped.
pub const BUNDLED_REGIONS_CSV: &str = include_str!("../../../../data/regions/wilayah.csv");

/// Rows per INSERT statement: large enough to be fast, small enough for every store's
/// limit on bound parameters.
const IMPORT_BATCH: usize = 1_000;

/// A region.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Region {
    /// Kemendagri code, e.g. `35.78`.
    pub code: String,
    /// Name as published, e.g. `Kota Surabaya`.
    pub name: String,
    /// `province`, `regency`, `district` or `village`.
    pub level: String,
    /// The parent region's code; absent for provinces.
    pub parent_code: Option<String>,
}

/// One parsed row of a region table.
struct RegionRow {
    code: RegionCode,
    name: String,
}

/// Parses a region table (`code,name,level` with a header), checking every code, that the
/// level matches the code's shape, and that parents come before their children.
fn parse_table(csv_text: &str) -> anyhow::Result<Vec<RegionRow>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(csv_text.as_bytes());
    let headers = reader.headers().context("the region table has no header")?.clone();
    if headers.iter().collect::<Vec<_>>() != ["code", "name", "level"] {
        bail!(
            "the region table's header must be `code,name,level`, found `{}`",
            headers.iter().collect::<Vec<_>>().join(",")
        );
    }
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.with_context(|| format!("line {line}: not valid CSV"))?;
        let (Some(code), Some(name), Some(level)) = (record.get(0), record.get(1), record.get(2)) else {
            bail!("line {line}: expected 3 fields");
        };
        let code =
            RegionCode::parse(code).with_context(|| format!("line {line}: bad region code `{code}`"))?;
        let level: RegionLevel =
            level.parse().map_err(|_| anyhow::anyhow!("line {line}: unknown level `{level}`"))?;
        if level != code.level() {
            bail!("line {line}: {} is a {} code, not a {}", code, code.level().as_str(), level.as_str());
        }
        let name = name.trim();
        if name.is_empty() {
            bail!("line {line}: region {code} has no name");
        }
        if let Some(parent) = code.parent()
            && !seen.contains(&parent)
        {
            bail!("line {line}: region {code} comes before its parent {parent}");
        }
        seen.insert(code.clone());
        rows.push(RegionRow { code, name: name.to_string() });
    }
    Ok(rows)
}

/// Imports a region table in one transaction, replacing names of known codes. Returns how
/// many rows were read.
pub async fn import(db: &Db, csv_text: &str) -> anyhow::Result<usize> {
    let rows = parse_table(csv_text)?;
    let mut tx = db.begin().await?;
    for batch in rows.chunks(IMPORT_BATCH) {
        let placeholders: Vec<String> = (0..batch.len())
            .map(|i| format!("(${}, ${}, ${}, ${})", i * 4 + 1, i * 4 + 2, i * 4 + 3, i * 4 + 4))
            .collect();
        let sql = format!(
            "INSERT INTO regions (code, name, level, parent_code) VALUES {} \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
             parent_code = excluded.parent_code",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql.as_str()));
        for row in batch {
            query = query
                .bind(row.code.as_str().to_string())
                .bind(row.name.clone())
                .bind(i64::from(row.code.level().depth()))
                .bind(row.code.parent().map(|p| p.as_str().to_string()));
        }
        query.execute(&mut *tx).await.context("could not store regions")?;
    }
    let digest = crate::digest::sha256_hex(csv_text.as_bytes());
    let entry =
        crate::audit::Entry { actor: "system", action: "regions.import", subject: "regions/table", digest };
    crate::audit::append(db, &mut tx, &entry).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// How many regions are stored.
pub async fn count(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM regions").fetch_one(db.pool()).await?.try_get("n")?)
}

fn level_name(depth: i64) -> String {
    RegionLevel::ALL
        .iter()
        .find(|l| i64::from(l.depth()) == depth)
        .map(|l| l.as_str().to_string())
        .unwrap_or_default()
}

fn region(row: &sqlx::any::AnyRow) -> anyhow::Result<Region> {
    Ok(Region {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        level: level_name(row.try_get("level")?),
        parent_code: row.try_get("parent_code")?,
    })
}

/// One region by code.
pub async fn find(db: &Db, code: &RegionCode) -> anyhow::Result<Option<Region>> {
    let row = sqlx::query("SELECT code, name, level, parent_code FROM regions WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(region).transpose()
}

/// The children of a region (the provinces when `parent` is `None`), by code, after `after`.
pub async fn children(
    db: &Db,
    parent: Option<&RegionCode>,
    after: &str,
    limit: i64,
) -> anyhow::Result<Vec<Region>> {
    let rows = match parent {
        Some(parent) => {
            sqlx::query(
                "SELECT code, name, level, parent_code FROM regions \
                 WHERE parent_code = $1 AND code > $2 ORDER BY code LIMIT $3",
            )
            .bind(parent.as_str())
            .bind(after)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(
                "SELECT code, name, level, parent_code FROM regions \
                 WHERE parent_code IS NULL AND code > $1 ORDER BY code LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(region).collect()
}

/// The ancestors of a region, from the province down to its parent.
pub async fn ancestors(db: &Db, code: &RegionCode) -> anyhow::Result<Vec<Region>> {
    let mut chain = Vec::new();
    let mut current = code.parent();
    while let Some(parent) = current {
        if let Some(found) = find(db, &parent).await? {
            chain.push(found);
        }
        current = parent.parent();
    }
    chain.reverse();
    Ok(chain)
}

/// Hours ahead of UTC in a region: its province's zone (WIB +7, WITA +8, WIT +9).
pub fn utc_offset_hours(region_code: &str) -> i8 {
    match region_code.get(0..2) {
        // Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi.
        Some("51" | "52" | "53" | "63" | "64" | "65" | "71" | "72" | "73" | "74" | "75" | "76") => 8,
        // Maluku and Papua.
        Some("81" | "82" | "91" | "92" | "93" | "94" | "95" | "96" | "97") => 9,
        _ => 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_parses_completely() -> anyhow::Result<()> {
        let rows = parse_table(BUNDLED_REGIONS_CSV)?;
        // The shipped README's totals (Kepmendagri 300.2.2-2430/2025).
        assert_eq!(rows.len(), 91_599);
        let provinces = rows.iter().filter(|r| r.code.level() == RegionLevel::Province).count();
        assert_eq!(provinces, 38);
        assert!(rows.iter().any(|r| r.code.as_str() == "35.78" && r.name == "Kota Surabaya"));
        Ok(())
    }

    #[test]
    fn tables_with_mistakes_are_refused_with_the_line() {
        let orphan = "code,name,level\n11,Aceh,province\n12.01,Kabupaten X,regency\n";
        let error = parse_table(orphan).err().map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(error.contains("line 3") && error.contains("parent"), "{error}");
        let wrong_level = "code,name,level\n11,Aceh,regency\n";
        assert!(parse_table(wrong_level).is_err());
        let bad_code = "code,name,level\n1a,Aceh,province\n";
        assert!(parse_table(bad_code).is_err());
        let bad_header = "kode,nama,tingkat\n11,Aceh,province\n";
        assert!(parse_table(bad_header).is_err());
    }

    #[test]
    fn time_zone_follows_the_province() {
        assert_eq!(utc_offset_hours("35.78"), 7);
        assert_eq!(utc_offset_hours("51.71"), 8);
        assert_eq!(utc_offset_hours("94"), 9);
        assert_eq!(utc_offset_hours(""), 7);
    }
}
