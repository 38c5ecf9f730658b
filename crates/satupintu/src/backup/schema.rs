//! The tables a backup holds, read from the database's own catalogue, so a new migration's
//! tables are backed up without anyone listing them here.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use sqlx::{AnyConnection, Row};

use crate::db::Backend;

/// How a column's values are carried in a backup. Both stores map onto these four, so a
/// backup of one store restores into the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 64-bit integers.
    Integer,
    /// Double-precision numbers.
    Real,
    /// UTF-8 text.
    Text,
    /// Bytes (base64 in the file).
    Blob,
}

/// A column that holds data (generated columns are left out: the store recomputes them).
#[derive(Clone, Debug)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// How its values are carried.
    pub kind: Kind,
}

/// A table as a backup sees it.
#[derive(Clone, Debug)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Its data columns, in the table's order.
    pub columns: Vec<Column>,
    /// The primary key's columns, to read rows in a stable order (parents before the rows
    /// that point at them, for tables that point at themselves).
    pub key: Vec<String>,
    /// A PostgreSQL identity column, whose sequence must move past the restored ids.
    pub identity: Option<String>,
}

impl Table {
    /// The data column of that name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Not data: the migration ledger (a restore migrates first) and SQLite's own bookkeeping.
fn is_bookkeeping(name: &str) -> bool {
    name == "schema_migrations" || name.starts_with("sqlite_") || name.starts_with("_sqlx")
}

/// Every data table, ordered so that a table comes after the tables its foreign keys point
/// at (creation order breaks ties).
pub async fn tables(conn: &mut AnyConnection, backend: Backend) -> anyhow::Result<Vec<Table>> {
    let (tables, references) = match backend {
        Backend::Sqlite => sqlite_tables(conn).await?,
        Backend::Postgres => postgres_tables(conn).await?,
    };
    Ok(dependency_order(tables, &references))
}

async fn sqlite_tables(
    conn: &mut AnyConnection,
) -> anyhow::Result<(Vec<Table>, BTreeMap<String, BTreeSet<String>>)> {
    let rows = sqlx::query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
        .fetch_all(&mut *conn)
        .await?;
    let mut listed = Vec::new();
    for row in &rows {
        let name: String = row.try_get("name")?;
        let sql: Option<String> = row.try_get("sql")?;
        let is_virtual =
            sql.as_deref().is_some_and(|s| s.trim_start().to_ascii_uppercase().starts_with("CREATE VIRTUAL"));
        listed.push((name, is_virtual));
    }
    // A full-text index is rebuilt by its triggers as rows go in; its shadow tables are its own.
    let virtual_names: Vec<String> =
        listed.iter().filter(|(_, v)| *v).map(|(n, _)| format!("{n}_")).collect();
    let mut tables = Vec::new();
    let mut references = BTreeMap::new();
    for (name, is_virtual) in listed {
        if is_virtual || is_bookkeeping(&name) || virtual_names.iter().any(|prefix| name.starts_with(prefix))
        {
            continue;
        }
        let columns = sqlx::query("SELECT name, type, pk, hidden FROM pragma_table_xinfo($1) ORDER BY cid")
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?;
        let mut table = Table { name: name.clone(), columns: Vec::new(), key: Vec::new(), identity: None };
        let mut key = Vec::new();
        for column in &columns {
            let hidden: i64 = column.try_get("hidden")?;
            if hidden != 0 {
                continue;
            }
            let column_name: String = column.try_get("name")?;
            let declared: String = column.try_get("type")?;
            let pk: i64 = column.try_get("pk")?;
            if pk > 0 {
                key.push((pk, column_name.clone()));
            }
            table.columns.push(Column { kind: sqlite_kind(&declared), name: column_name });
        }
        key.sort();
        table.key = key.into_iter().map(|(_, n)| n).collect();
        let parents = sqlx::query("SELECT \"table\" AS parent FROM pragma_foreign_key_list($1)")
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?;
        let parents: BTreeSet<String> =
            parents.iter().map(|r| r.try_get::<String, _>("parent")).collect::<Result<_, _>>()?;
        references.insert(name, parents);
        tables.push(table);
    }
    Ok((tables, references))
}

/// SQLite's type affinity rules (section 3.1 of its datatype document).
fn sqlite_kind(declared: &str) -> Kind {
    let upper = declared.to_ascii_uppercase();
    if upper.contains("INT") {
        Kind::Integer
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|t| upper.contains(t)) {
        Kind::Text
    } else if upper.contains("BLOB") || upper.is_empty() {
        Kind::Blob
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|t| upper.contains(t)) {
        Kind::Real
    } else {
        // NUMERIC affinity: our schema has none; text keeps any value exactly.
        Kind::Text
    }
}

async fn postgres_tables(
    conn: &mut AnyConnection,
) -> anyhow::Result<(Vec<Table>, BTreeMap<String, BTreeSet<String>>)> {
    let names = sqlx::query(
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.oid",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = Vec::new();
    let mut references = BTreeMap::new();
    for row in &names {
        let name: String = row.try_get("name")?;
        if is_bookkeeping(&name) {
            continue;
        }
        let columns = sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS data_type, \
             is_generated::text AS generated, is_identity::text AS identity \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 \
             ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        let mut table = Table { name: name.clone(), columns: Vec::new(), key: Vec::new(), identity: None };
        for column in &columns {
            let column_name: String = column.try_get("name")?;
            if column.try_get::<String, _>("generated")? == "ALWAYS" {
                continue;
            }
            if column.try_get::<String, _>("identity")? == "YES" {
                table.identity = Some(column_name.clone());
            }
            let data_type: String = column.try_get("data_type")?;
            let kind = postgres_kind(&data_type)
                .with_context(|| format!("column {name}.{column_name} has type {data_type}"))?;
            table.columns.push(Column { name: column_name, kind });
        }
        let key = sqlx::query(
            "SELECT a.attname::text AS name FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        table.key = key.iter().map(|r| r.try_get::<String, _>("name")).collect::<Result<_, _>>()?;
        let parents = sqlx::query(
            "SELECT confrelid::regclass::text AS parent FROM pg_constraint \
             WHERE contype = 'f' AND conrelid = $1::regclass",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        let parents: BTreeSet<String> =
            parents.iter().map(|r| r.try_get::<String, _>("parent")).collect::<Result<_, _>>()?;
        references.insert(name, parents);
        tables.push(table);
    }
    Ok((tables, references))
}

fn postgres_kind(data_type: &str) -> anyhow::Result<Kind> {
    Ok(match data_type {
        "bigint" | "integer" | "smallint" => Kind::Integer,
        "double precision" | "real" => Kind::Real,
        "text" | "character varying" | "character" => Kind::Text,
        "bytea" => Kind::Blob,
        other => bail!("a backup cannot carry values of type {other}"),
    })
}

/// Orders tables so that every table follows those it references (a table referencing
/// itself does not wait for itself); otherwise keeps the given order.
fn dependency_order(tables: Vec<Table>, references: &BTreeMap<String, BTreeSet<String>>) -> Vec<Table> {
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut waiting = tables;
    let mut ordered = Vec::with_capacity(waiting.len());
    while !waiting.is_empty() {
        let ready = waiting.iter().position(|table| {
            references.get(&table.name).is_none_or(|parents| {
                parents.iter().all(|p| p == &table.name || placed.contains(p) || !references.contains_key(p))
            })
        });
        // A cycle between tables cannot be ordered; keep the rest as they are.
        let index = ready.unwrap_or(0);
        let table = waiting.remove(index);
        placed.insert(table.name.clone());
        ordered.push(table);
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> Table {
        Table { name: name.into(), columns: Vec::new(), key: Vec::new(), identity: None }
    }

    #[test]
    fn tables_follow_the_tables_they_reference() {
        let refs: BTreeMap<String, BTreeSet<String>> =
            [("c", vec!["a", "b"]), ("a", vec!["a"]), ("b", vec!["d"]), ("d", vec![])]
                .into_iter()
                .map(|(t, ps)| (t.to_string(), ps.into_iter().map(String::from).collect()))
                .collect();
        let order: Vec<String> =
            dependency_order(vec![table("c"), table("a"), table("b"), table("d")], &refs)
                .into_iter()
                .map(|t| t.name)
                .collect();
        assert_eq!(order, ["a", "d", "b", "c"]);
    }

    #[test]
    fn affinity_follows_sqlite_rules() {
        assert_eq!(sqlite_kind("BIGINT"), Kind::Integer);
        assert_eq!(sqlite_kind("INTEGER"), Kind::Integer);
        assert_eq!(sqlite_kind("TEXT"), Kind::Text);
        assert_eq!(sqlite_kind("VARCHAR(20)"), Kind::Text);
        assert_eq!(sqlite_kind("BLOB"), Kind::Blob);
        assert_eq!(sqlite_kind(""), Kind::Blob);
        assert_eq!(sqlite_kind("DOUBLE PRECISION"), Kind::Real);
    }
}
