//! `satupintu services import FILE`: service definitions from a JSON file (one definition or
//! a list), all checked before any is stored, then published in one transaction.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use satupintu_rules::service::{CheckedService, ServiceDefinition};

use crate::db::Db;
use crate::portal::search::Indexer;
use crate::services::catalogue::{self, Published};

/// Reads and checks every definition in a file's text; the error lists every mistake, each
/// with the service it belongs to.
pub fn parse_definitions(text: &str) -> anyhow::Result<Vec<CheckedService>> {
    let value: Value = serde_json::from_str(text).context("the file is not JSON")?;
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    let mut checked = Vec::new();
    let mut mistakes = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let name =
            item.get("slug").and_then(Value::as_str).map_or_else(|| format!("#{index}"), str::to_string);
        match serde_json::from_value::<ServiceDefinition>(item) {
            Err(e) => mistakes.push(format!("{name}: {e}")),
            Ok(definition) => match definition.check() {
                Ok(service) => checked.push(service),
                Err(errors) => mistakes.extend(errors.into_iter().map(|e| format!("{name}: {e}"))),
            },
        }
    }
    let mut slugs: Vec<&str> = checked.iter().map(|s| s.definition.slug.as_str()).collect();
    slugs.sort_unstable();
    for pair in slugs.windows(2).filter(|pair| pair[0] == pair[1]) {
        mistakes.push(format!("{}: defined twice in the file", pair[0]));
    }
    if mistakes.is_empty() {
        Ok(checked)
    } else {
        anyhow::bail!("{} mistake(s):\n  {}", mistakes.len(), mistakes.join("\n  "))
    }
}

/// Publishes already checked definitions in one transaction.
pub async fn publish_all(
    db: &Db,
    services: &[CheckedService],
    actor: &str,
) -> anyhow::Result<Vec<Published>> {
    let mut tx = db.begin().await?;
    let mut search = Indexer::new();
    let mut published = Vec::new();
    for service in services {
        let done = catalogue::publish(db, &mut tx, &mut search, service, actor)
            .await
            .with_context(|| format!("service {}", service.definition.slug))?;
        published.push(done);
    }
    search.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(published)
}

/// Imports a file: checks every definition, then publishes them all or none.
pub async fn import_file(db: &Db, path: &Path, actor: &str) -> anyhow::Result<Vec<(String, Published)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
    let services = parse_definitions(&text)?;
    let published = publish_all(db, &services, actor).await?;
    Ok(services.into_iter().map(|s| s.definition.slug).zip(published).collect())
}
