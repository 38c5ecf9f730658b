//! Full-text search over the portal. Words are reduced to their Indonesian stems in Rust
//! (`satupintu_rules::text`) before they reach the store, so SQLite FTS5 and PostgreSQL's
//! `simple` text search index the same terms and answer the same queries.

use std::collections::{BTreeSet, HashMap, HashSet};

// Dynamic SQL here is assembled only from constant fragments and numbered placeholders;
// every value is bound.
use sqlx::{AssertSqlSafe, Row};

use crate::db::{Backend, Db, Tx};
use satupintu_rules::text;

/// The kinds of searchable items, with the path prefix of their pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// News and announcements.
    News,
    /// Regulations.
    Regulation,
    /// Services.
    Service,
    /// Agencies.
    Agency,
    /// FAQ entries.
    Faq,
    /// Fixed pages.
    Page,
}

impl DocKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::News => "news",
            Self::Regulation => "regulation",
            Self::Service => "service",
            Self::Agency => "agency",
            Self::Faq => "faq",
            Self::Page => "page",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::News, Self::Regulation, Self::Service, Self::Agency, Self::Faq, Self::Page]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The address of an item's page.
    pub fn href(self, slug: &str) -> String {
        match self {
            Self::News => format!("/berita/{slug}"),
            Self::Regulation => format!("/regulasi/{slug}"),
            Self::Service => format!("/layanan/{slug}"),
            Self::Agency => format!("/instansi/{slug}"),
            Self::Faq => format!("/tanya-jawab#{slug}"),
            Self::Page => format!("/halaman/{slug}"),
        }
    }
}

/// Characters of body text kept with a search document, for snippets.
const STORED_BODY_CHARS: usize = 800;
/// Terms per statement when adjusting document counts: well under every store's limit on
/// bound parameters.
const TERM_BATCH: usize = 400;

/// Writes items into the search index within one transaction, and keeps the per-stem
/// document counts in step. Counts are summed in memory and written once by
/// [`Indexer::finish`]: updating a common stem's row once per item would rewrite that row
/// tens of thousands of times in a large import.
#[derive(Debug, Default)]
pub struct Indexer {
    deltas: HashMap<String, i64>,
}

impl Indexer {
    /// An indexer with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces one item.
    pub async fn index(
        &mut self,
        tx: &mut Tx,
        kind: DocKind,
        slug: &str,
        title: &str,
        body: &str,
        published_at: i64,
    ) -> anyhow::Result<()> {
        let terms = text::index_terms(&format!("{title} {body}"));
        let title_terms = text::index_terms(title).join(" ");
        let previous: Option<String> =
            sqlx::query("SELECT terms FROM search_documents WHERE kind = $1 AND slug = $2")
                .bind(kind.as_str())
                .bind(slug)
                .fetch_optional(&mut **tx)
                .await?
                .map(|row| row.try_get("terms"))
                .transpose()?;
        let new: BTreeSet<&str> = terms.iter().map(String::as_str).collect();
        let old: BTreeSet<&str> = previous.as_deref().map(|t| t.split(' ').collect()).unwrap_or_default();
        self.count(new.difference(&old).copied(), 1);
        self.count(old.difference(&new).copied(), -1);
        let stored_body: String = body.chars().take(STORED_BODY_CHARS).collect();
        sqlx::query(
            "INSERT INTO search_documents (kind, slug, title, body, published_at, title_terms, terms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (kind, slug) DO UPDATE SET title = excluded.title, body = excluded.body, \
               published_at = excluded.published_at, title_terms = excluded.title_terms, \
               terms = excluded.terms",
        )
        .bind(kind.as_str())
        .bind(slug)
        .bind(title)
        .bind(stored_body)
        .bind(published_at)
        .bind(title_terms)
        .bind(terms.join(" "))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Removes every item of a kind (a list replaced whole, such as the FAQ).
    pub async fn remove_kind(&mut self, tx: &mut Tx, kind: DocKind) -> anyhow::Result<()> {
        let rows = sqlx::query("SELECT terms FROM search_documents WHERE kind = $1")
            .bind(kind.as_str())
            .fetch_all(&mut **tx)
            .await?;
        for row in rows {
            let terms: String = row.try_get("terms")?;
            let unique: BTreeSet<&str> = terms.split(' ').collect();
            self.count(unique.into_iter(), -1);
        }
        sqlx::query("DELETE FROM search_documents WHERE kind = $1")
            .bind(kind.as_str())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Removes one item (a withdrawn draft), if it is indexed.
    pub async fn remove(&mut self, tx: &mut Tx, kind: DocKind, slug: &str) -> anyhow::Result<()> {
        let previous: Option<String> =
            sqlx::query("DELETE FROM search_documents WHERE kind = $1 AND slug = $2 RETURNING terms")
                .bind(kind.as_str())
                .bind(slug)
                .fetch_optional(&mut **tx)
                .await?
                .map(|row| row.try_get("terms"))
                .transpose()?;
        if let Some(terms) = previous {
            let unique: BTreeSet<&str> = terms.split(' ').collect();
            self.count(unique.into_iter(), -1);
        }
        Ok(())
    }

    fn count<'a>(&mut self, terms: impl Iterator<Item = &'a str>, delta: i64) {
        for term in terms.filter(|t| !t.is_empty()) {
            *self.deltas.entry(term.to_string()).or_insert(0) += delta;
        }
    }

    /// Writes the summed document counts; call before committing the transaction.
    pub async fn finish(self, tx: &mut Tx) -> anyhow::Result<()> {
        let changes: Vec<(String, i64)> = self.deltas.into_iter().filter(|(_, delta)| *delta != 0).collect();
        for batch in changes.chunks(TERM_BATCH) {
            let values: Vec<String> =
                (0..batch.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
            let sql = format!(
                "INSERT INTO search_terms (term, documents) VALUES {} \
                 ON CONFLICT (term) DO UPDATE SET documents = search_terms.documents + excluded.documents",
                values.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (term, delta) in batch {
                query = query.bind(term.as_str()).bind(*delta);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// A parsed query: for each query word, the stems any of which may match.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    groups: Vec<Vec<String>>,
    stems: HashSet<String>,
}

impl SearchQuery {
    /// Parses what the reader typed. Punctuation, operators and markup are only separators,
    /// so nothing typed can change the query's structure.
    pub fn parse(input: &str) -> Self {
        let groups: Vec<Vec<String>> = text::query_terms(input)
            .iter()
            .map(|term| text::stems(term))
            .filter(|stems| stems.iter().any(|s| !s.is_empty()))
            .collect();
        let stems = groups.iter().flatten().cloned().collect();
        Self { groups, stems }
    }

    /// Whether nothing searchable was typed.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every stem of the query, for highlighting.
    pub fn stems(&self) -> &HashSet<String> {
        &self.stems
    }

    /// The query in the store's syntax: every word must match, by any of its stems.
    /// Stems hold only letters and digits, so quoting them cannot be broken.
    fn expression(&self, backend: Backend) -> String {
        let (or, and) = match backend {
            Backend::Sqlite => (" OR ", " AND "),
            Backend::Postgres => (" | ", " & "),
        };
        self.groups
            .iter()
            .map(|stems| {
                let alternatives: Vec<String> = stems
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| match backend {
                        Backend::Sqlite => format!("\"{s}\""),
                        // Quoted, so a letter PostgreSQL's parser reads as a separator
                        // drops out of the query instead of breaking its syntax.
                        Backend::Postgres => format!("'{s}'"),
                    })
                    .collect();
                format!("({})", alternatives.join(or))
            })
            .collect::<Vec<_>>()
            .join(and)
    }
}

/// One search result.
#[derive(Clone, Debug)]
pub struct Hit {
    /// What kind of item it is.
    pub kind: DocKind,
    /// Its URL name.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// The stored start of its text.
    pub body: String,
    /// When it was published (0 when it has no date).
    pub published_at: i64,
}

/// How results are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Best matches first: few enough items match to rank them all.
    Relevance,
    /// Newest first: so many items match that ranking them all would be slow, and for a
    /// word that common, what is newest is what readers want.
    Newest,
}

/// A page of results.
#[derive(Clone, Debug)]
pub struct Results {
    /// The results of the page.
    pub hits: Vec<Hit>,
    /// How they are ordered.
    pub order: Order,
    /// How many items match in all, when ranked by relevance (and so counted).
    pub total: Option<i64>,
    /// Whether another page follows.
    pub has_more: bool,
}

/// Queries whose words occur in at most this many items are ranked by relevance.
pub const RANKED_MATCHES: i64 = 300;
/// How far back the newest-first order looks on PostgreSQL before it falls back to
/// ranking; bounds the work of a query whose words are common but rarely together.
const NEWEST_WINDOW: i64 = 3_000;

/// Runs a query: `limit` results after `offset`.
pub async fn search(db: &Db, query: &SearchQuery, offset: i64, limit: i64) -> anyhow::Result<Results> {
    let empty = Results { hits: Vec::new(), order: Order::Relevance, total: Some(0), has_more: false };
    if query.is_empty() {
        return Ok(empty);
    }
    let estimate = estimate_matches(db, query).await?;
    if estimate == 0 {
        return Ok(empty);
    }
    let expression = query.expression(db.backend());
    if estimate > RANKED_MATCHES {
        let mut hits = newest(db, &expression, offset, limit + 1).await?;
        let full = i64::try_from(hits.len()).unwrap_or(i64::MAX) > limit;
        // Fewer than a page among the newest items: the words are common apart but rare
        // together, so rank what there is.
        if full || offset > 0 || db.backend() == Backend::Sqlite {
            hits.truncate(usize::try_from(limit).unwrap_or(0));
            return Ok(Results { hits, order: Order::Newest, total: None, has_more: full });
        }
    }
    let (mut hits, total) = ranked(db, &expression, offset, limit + 1).await?;
    let has_more = i64::try_from(hits.len()).unwrap_or(i64::MAX) > limit;
    hits.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Results { hits, order: Order::Relevance, total: Some(total), has_more })
}

/// An upper bound of the matches: for every word, the items holding any of its stems; the
/// query matches at most as many items as its rarest word.
async fn estimate_matches(db: &Db, query: &SearchQuery) -> anyhow::Result<i64> {
    let stems: Vec<&String> = query.stems.iter().collect();
    let placeholders: Vec<String> = (1..=stems.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT term, documents FROM search_terms WHERE term IN ({})", placeholders.join(", "));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for stem in &stems {
        statement = statement.bind(stem.as_str());
    }
    let mut counts = HashMap::new();
    for row in statement.fetch_all(db.pool()).await? {
        counts.insert(row.try_get::<String, _>("term")?, row.try_get::<i64, _>("documents")?);
    }
    Ok(query
        .groups
        .iter()
        .map(|group| group.iter().map(|stem| counts.get(stem).copied().unwrap_or(0).max(0)).sum::<i64>())
        .min()
        .unwrap_or(0))
}

fn hits(rows: Vec<sqlx::any::AnyRow>) -> anyhow::Result<Vec<Hit>> {
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let Some(kind) = DocKind::parse(&kind) else { continue };
        hits.push(Hit {
            kind,
            slug: row.try_get("slug")?,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
            published_at: row.try_get("published_at")?,
        });
    }
    Ok(hits)
}

/// Every match, best first, and how many there are. Title matches weigh most.
async fn ranked(db: &Db, expression: &str, offset: i64, limit: i64) -> anyhow::Result<(Vec<Hit>, i64)> {
    match db.backend() {
        Backend::Sqlite => {
            let rows = sqlx::query(
                "SELECT d.kind, d.slug, d.title, d.body, d.published_at FROM \
                   (SELECT rowid AS id, bm25(search_fts, 4.0, 1.0) AS score FROM search_fts \
                    WHERE search_fts MATCH $1 ORDER BY score LIMIT $2 OFFSET $3) f \
                 JOIN search_documents d ON d.id = f.id ORDER BY f.score, d.id",
            )
            .bind(expression)
            .bind(limit)
            .bind(offset)
            .fetch_all(db.pool())
            .await?;
            let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM search_fts WHERE search_fts MATCH $1")
                .bind(expression)
                .fetch_one(db.pool())
                .await?
                .try_get("n")?;
            Ok((hits(rows)?, total))
        }
        Backend::Postgres => {
            // Reading every match's full stem vector to score it would cost more than the
            // answer is worth; title matches first, then the newest, needs only the small
            // title vector. The bitmap plan is forced: the planner cannot see our estimate.
            let mut tx = db.begin().await?;
            sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await?;
            sqlx::query("SET LOCAL enable_indexscan = off").execute(&mut *tx).await?;
            let rows = sqlx::query(
                "SELECT kind, slug, title, body, published_at FROM search_documents \
                 WHERE terms_tsv @@ to_tsquery('simple', $1) \
                 ORDER BY (title_tsv @@ to_tsquery('simple', $1)) DESC, id DESC LIMIT $2 OFFSET $3",
            )
            .bind(expression)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *tx)
            .await?;
            let total: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM search_documents WHERE terms_tsv @@ to_tsquery('simple', $1)",
            )
            .bind(expression)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            tx.commit().await?;
            Ok((hits(rows)?, total))
        }
    }
}

/// The newest matches. SQLite's index walks its matches newest first at no extra cost;
/// PostgreSQL walks the newest items and tests each, within a bounded window.
async fn newest(db: &Db, expression: &str, offset: i64, limit: i64) -> anyhow::Result<Vec<Hit>> {
    let rows = match db.backend() {
        Backend::Sqlite => {
            sqlx::query(
                "SELECT d.kind, d.slug, d.title, d.body, d.published_at FROM \
                   (SELECT rowid AS id FROM search_fts WHERE search_fts MATCH $1 \
                    ORDER BY rowid DESC LIMIT $2 OFFSET $3) f \
                 JOIN search_documents d ON d.id = f.id ORDER BY d.id DESC",
            )
            .bind(expression)
            .bind(limit)
            .bind(offset)
            .fetch_all(db.pool())
            .await?
        }
        Backend::Postgres => {
            sqlx::query(
                "SELECT kind, slug, title, body, published_at FROM \
                   (SELECT id, kind, slug, title, body, published_at, terms_tsv FROM search_documents \
                    ORDER BY id DESC LIMIT $4) recent \
                 WHERE terms_tsv @@ to_tsquery('simple', $1) ORDER BY id DESC LIMIT $2 OFFSET $3",
            )
            .bind(expression)
            .bind(limit)
            .bind(offset)
            .bind(NEWEST_WINDOW)
            .fetch_all(db.pool())
            .await?
        }
    };
    hits(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_become_grouped_alternatives() {
        let query = SearchQuery::parse("Perizinan  usaha");
        let sqlite = query.expression(Backend::Sqlite);
        assert!(sqlite.contains("\"izin\""), "{sqlite}");
        assert!(sqlite.contains(") AND ("), "{sqlite}");
        let postgres = query.expression(Backend::Postgres);
        assert!(postgres.contains("'izin'"), "{postgres}");
        assert!(postgres.contains(") & ("), "{postgres}");
    }

    #[test]
    fn markup_and_operators_are_only_separators() {
        let query = SearchQuery::parse("'; DROP TABLE news; -- <script>\"OR\" NEAR(");
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let expression = query.expression(backend);
            assert!(!expression.contains(';') && !expression.contains('<') && !expression.contains('-'));
        }
    }

    proptest::proptest! {
        /// Whatever a reader types, the store sees only stems (letters and digits), quotes,
        /// brackets and operators.
        #[test]
        fn any_input_yields_a_well_formed_expression(input in "\\PC{0,120}") {
            let query = SearchQuery::parse(&input);
            for backend in [Backend::Sqlite, Backend::Postgres] {
                let expression = query.expression(backend);
                let allowed = |c: char| c.is_alphanumeric() || " ()\"'|&".contains(c);
                proptest::prop_assert!(expression.chars().all(allowed), "{}", expression);
                proptest::prop_assert_eq!(expression.matches('(').count(), expression.matches(')').count());
            }
        }
    }

    #[test]
    fn punctuation_only_queries_are_empty() {
        assert!(SearchQuery::parse("  !!! ??? ").is_empty());
        assert!(SearchQuery::parse("").is_empty());
    }
}
