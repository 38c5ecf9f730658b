//! Full-text search over the portal. Words are reduced to their Indonesian stems in Rust
//! (`satupintu_rules::text`) before they reach the store, so SQLite FTS5 and PostgreSQL's
//! `simple` text search index the same terms and answer the same queries.

use std::collections::HashSet;

use sqlx::Row;

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

/// Adds or replaces one item in the search index, inside the caller's transaction.
pub async fn index(
    tx: &mut Tx,
    kind: DocKind,
    slug: &str,
    title: &str,
    body: &str,
    published_at: i64,
) -> anyhow::Result<()> {
    let terms = text::index_terms(&format!("{title} {body}")).join(" ");
    let stored_body: String = body.chars().take(STORED_BODY_CHARS).collect();
    sqlx::query(
        "INSERT INTO search_documents (kind, slug, title, body, published_at, terms) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (kind, slug) DO UPDATE SET title = excluded.title, body = excluded.body, \
           published_at = excluded.published_at, terms = excluded.terms",
    )
    .bind(kind.as_str())
    .bind(slug)
    .bind(title)
    .bind(stored_body)
    .bind(published_at)
    .bind(terms)
    .execute(&mut **tx)
    .await?;
    Ok(())
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

/// Runs a query: the best `limit` results after `offset`, and how many match in all.
pub async fn search(
    db: &Db,
    query: &SearchQuery,
    offset: i64,
    limit: i64,
) -> anyhow::Result<(Vec<Hit>, i64)> {
    if query.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let expression = query.expression(db.backend());
    let (select, count) = match db.backend() {
        Backend::Sqlite => (
            "SELECT d.kind, d.slug, d.title, d.body, d.published_at FROM search_fts \
             JOIN search_documents d ON d.id = search_fts.rowid \
             WHERE search_fts MATCH $1 ORDER BY bm25(search_fts), d.published_at DESC, d.id LIMIT $2 OFFSET $3",
            "SELECT COUNT(*) AS n FROM search_fts WHERE search_fts MATCH $1",
        ),
        Backend::Postgres => (
            "SELECT kind, slug, title, body, published_at FROM search_documents \
             WHERE terms_tsv @@ to_tsquery('simple', $1) \
             ORDER BY ts_rank(terms_tsv, to_tsquery('simple', $1)) DESC, published_at DESC, id \
             LIMIT $2 OFFSET $3",
            "SELECT COUNT(*) AS n FROM search_documents WHERE terms_tsv @@ to_tsquery('simple', $1)",
        ),
    };
    let rows = sqlx::query(select).bind(&expression).bind(limit).bind(offset).fetch_all(db.pool()).await?;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let Some(kind) = DocKind::parse(&kind) else {
            continue;
        };
        hits.push(Hit {
            kind,
            slug: row.try_get("slug")?,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
            published_at: row.try_get("published_at")?,
        });
    }
    let total: i64 = sqlx::query(count).bind(&expression).fetch_one(db.pool()).await?.try_get("n")?;
    Ok((hits, total))
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
