//! Content import: a JSON bundle of installation settings, agencies, services, news,
//! regulations, FAQ and pages, loaded in one transaction. The demo municipality is such a
//! bundle (`demo/content.json`), loaded on first start and by `satupintu demo`.

use std::str::FromStr;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::audit;
use crate::db::{Db, Tx};
use crate::portal::search::{DocKind, Indexer};
use crate::services::catalogue::{Listing, agency_id, store_listing};
use satupintu_rules::region::RegionCode;

/// The demo municipality's content.
pub const DEMO_CONTENT: &str = include_str!("../demo/content.json");

/// The demo's service definitions (forms, workflows, documents) for the services citizens
/// apply for online; the same format `satupintu services import` reads.
pub const DEMO_SERVICES: &str = include_str!("../demo/services.json");

/// A content bundle, as imported.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentBundle {
    installation: InstallationIn,
    agencies: Vec<AgencyIn>,
    services: Vec<ServiceIn>,
    news: Vec<NewsIn>,
    regulations: Vec<RegulationIn>,
    faq: Vec<FaqIn>,
    pages: Vec<PageIn>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct InstallationIn {
    name: String,
    name_en: String,
    region_code: String,
    tagline: String,
    tagline_en: String,
    address: String,
    phone: String,
    email: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct AgencyIn {
    slug: String,
    name: String,
    name_en: String,
    acronym: String,
    region_code: String,
    address: String,
    phone: String,
    email: String,
    hours: String,
    hours_en: String,
    description: String,
    description_en: String,
    website: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ServiceIn {
    slug: String,
    agency: String,
    name: String,
    name_en: String,
    description: String,
    description_en: String,
    requirements: Vec<String>,
    requirements_en: Vec<String>,
    fee_rupiah: i64,
    sla_working_days: i64,
    legal_basis: String,
    featured: bool,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct NewsIn {
    slug: String,
    kind: String,
    title: String,
    summary: String,
    body: String,
    published_at: String,
    agency: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RegulationIn {
    slug: String,
    reg_type: String,
    number: String,
    year: i64,
    title: String,
    status: String,
    subject: String,
    enacted_on: String,
    summary: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FaqIn {
    category: String,
    question: String,
    answer: String,
    question_en: String,
    answer_en: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PageIn {
    slug: String,
    title: String,
    title_en: String,
    body: String,
    body_en: String,
}

/// What an import stored.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Agencies stored.
    pub agencies: usize,
    /// Services stored.
    pub services: usize,
    /// News items stored.
    pub news: usize,
    /// Regulations stored.
    pub regulations: usize,
    /// FAQ entries stored.
    pub faq: usize,
    /// Pages stored.
    pub pages: usize,
}

fn check_slug(what: &str, slug: &str) -> anyhow::Result<()> {
    let valid = !slug.is_empty()
        && slug.len() <= 120
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        bail!("{what}: slug `{slug}` must be 1–120 characters of a–z, 0–9 and '-'");
    }
    Ok(())
}

impl ContentBundle {
    /// Parses a bundle from JSON, naming the place of any mistake.
    pub fn from_json(json: &str) -> anyhow::Result<Self> {
        let bundle: Self = serde_json::from_str(json).context("the content file is not a valid bundle")?;
        bundle.check()?;
        Ok(bundle)
    }

    /// Checks what the database cannot: slugs, kinds, statuses, references within the bundle.
    fn check(&self) -> anyhow::Result<()> {
        RegionCode::parse(&self.installation.region_code).context("installation.region_code")?;
        for a in &self.agencies {
            check_slug("agency", &a.slug)?;
            RegionCode::parse(&a.region_code).with_context(|| format!("agency {}: region_code", a.slug))?;
        }
        for s in &self.services {
            check_slug("service", &s.slug)?;
            if !self.agencies.iter().any(|a| a.slug == s.agency) {
                bail!("service {}: unknown agency `{}`", s.slug, s.agency);
            }
            if s.fee_rupiah < 0 || !(1..=365).contains(&s.sla_working_days) {
                bail!("service {}: fee must be ≥ 0 and the SLA 1–365 working days", s.slug);
            }
        }
        for n in &self.news {
            check_slug("news", &n.slug)?;
            if n.kind != "news" && n.kind != "announcement" {
                bail!("news {}: kind must be `news` or `announcement`", n.slug);
            }
            jiff::Timestamp::from_str(&n.published_at)
                .with_context(|| format!("news {}: published_at must be RFC 3339", n.slug))?;
            if let Some(agency) = &n.agency
                && !self.agencies.iter().any(|a| &a.slug == agency)
            {
                bail!("news {}: unknown agency `{agency}`", n.slug);
            }
        }
        for r in &self.regulations {
            check_slug("regulation", &r.slug)?;
            if !crate::portal::routes::REGULATION_STATUSES.contains(&r.status.as_str()) {
                bail!("regulation {}: status must be berlaku, diubah or dicabut", r.slug);
            }
            jiff::civil::Date::strptime("%Y-%m-%d", &r.enacted_on)
                .with_context(|| format!("regulation {}: enacted_on must be YYYY-MM-DD", r.slug))?;
        }
        for p in &self.pages {
            check_slug("page", &p.slug)?;
        }
        Ok(())
    }
}

/// Loads the demo municipality (marked as demo everywhere it shows).
pub async fn load_demo(db: &Db) -> anyhow::Result<ImportSummary> {
    import(db, &ContentBundle::from_json(DEMO_CONTENT)?, true).await
}

/// Stores a bundle in one transaction: everything or nothing. Records with a known slug
/// are replaced, so importing the same bundle twice changes nothing.
pub async fn import(db: &Db, bundle: &ContentBundle, demo: bool) -> anyhow::Result<ImportSummary> {
    let mut tx = db.begin().await?;
    let mut search = Indexer::new();
    let actor = if demo { "system:demo" } else { "cli:import" };
    store_installation(&mut tx, &bundle.installation, demo).await?;
    record(db, &mut tx, actor, "installation/settings", &bundle.installation).await?;
    for a in &bundle.agencies {
        store_agency(&mut tx, &mut search, a).await.with_context(|| format!("agency {}", a.slug))?;
        record(db, &mut tx, actor, &format!("agency/{}", a.slug), a).await?;
    }
    for s in &bundle.services {
        store_service(&mut tx, &mut search, s).await.with_context(|| format!("service {}", s.slug))?;
        record(db, &mut tx, actor, &format!("service/{}", s.slug), s).await?;
    }
    if demo {
        for service in crate::services::import::parse_definitions(DEMO_SERVICES)? {
            crate::services::catalogue::publish(db, &mut tx, &mut search, &service, actor)
                .await
                .with_context(|| format!("service definition {}", service.definition.slug))?;
        }
        let offset = crate::regions::utc_offset_hours(&bundle.installation.region_code);
        let today = crate::calendar::today_at(offset);
        crate::services::appointments::open_demo_slots(&mut tx, &["disdukcapil", "kecamatan-genteng"], today)
            .await
            .context("appointment times")?;
        crate::complaints::load_demo_topics(&mut tx).await.context("complaint topics")?;
    }
    for n in &bundle.news {
        store_news(&mut tx, &mut search, n).await.with_context(|| format!("news {}", n.slug))?;
        record(db, &mut tx, actor, &format!("news/{}", n.slug), n).await?;
    }
    for r in &bundle.regulations {
        store_regulation(&mut tx, &mut search, r).await.with_context(|| format!("regulation {}", r.slug))?;
        record(db, &mut tx, actor, &format!("regulation/{}", r.slug), r).await?;
    }
    store_faq(&mut tx, &mut search, &bundle.faq).await.context("faq")?;
    record(db, &mut tx, actor, "faq/all", &bundle.faq).await?;
    for p in &bundle.pages {
        store_page(&mut tx, &mut search, p).await.with_context(|| format!("page {}", p.slug))?;
        record(db, &mut tx, actor, &format!("page/{}", p.slug), p).await?;
    }
    search.finish(&mut tx).await.context("search index")?;
    tx.commit().await.context("could not commit the import")?;
    db.recent().installation.clear();
    Ok(ImportSummary {
        agencies: bundle.agencies.len(),
        services: bundle.services.len(),
        news: bundle.news.len(),
        regulations: bundle.regulations.len(),
        faq: bundle.faq.len(),
        pages: bundle.pages.len(),
    })
}

/// Appends the audit entry of an imported record, in the import's transaction.
async fn record(
    db: &Db,
    tx: &mut Tx,
    actor: &str,
    subject: &str,
    value: &impl Serialize,
) -> anyhow::Result<()> {
    let entry =
        audit::Entry { actor, action: "content.import", subject, digest: audit::store::digest_of(value) };
    audit::append(db, tx, &entry).await.map(|_| ())
}

async fn store_installation(tx: &mut Tx, i: &InstallationIn, demo: bool) -> anyhow::Result<()> {
    let demo = if demo { "true" } else { "false" };
    let settings = [
        ("name", i.name.as_str()),
        ("name_en", &i.name_en),
        ("region_code", &i.region_code),
        ("tagline", &i.tagline),
        ("tagline_en", &i.tagline_en),
        ("address", &i.address),
        ("phone", &i.phone),
        ("email", &i.email),
        ("demo", demo),
    ];
    for (key, value) in settings {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(format!("installation.{key}"))
        .bind(value)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn require_region(tx: &mut Tx, code: &str) -> anyhow::Result<()> {
    let found = sqlx::query("SELECT 1 AS one FROM regions WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?;
    if found.is_none() {
        bail!("region {code} is not in the region table; import the regions first");
    }
    Ok(())
}

async fn store_agency(tx: &mut Tx, search: &mut Indexer, a: &AgencyIn) -> anyhow::Result<()> {
    require_region(tx, &a.region_code).await?;
    let _ = &a.website;
    sqlx::query(
        "INSERT INTO agencies (slug, name, name_en, acronym, region_code, address, phone, email, \
           hours, hours_en, description, description_en) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
           acronym = excluded.acronym, region_code = excluded.region_code, address = excluded.address, \
           phone = excluded.phone, email = excluded.email, hours = excluded.hours, \
           hours_en = excluded.hours_en, description = excluded.description, \
           description_en = excluded.description_en",
    )
    .bind(&a.slug)
    .bind(&a.name)
    .bind(&a.name_en)
    .bind(&a.acronym)
    .bind(&a.region_code)
    .bind(&a.address)
    .bind(&a.phone)
    .bind(&a.email)
    .bind(&a.hours)
    .bind(&a.hours_en)
    .bind(&a.description)
    .bind(&a.description_en)
    .execute(&mut **tx)
    .await?;
    let body = format!("{} {} {} {}", a.acronym, a.description, a.address, a.hours);
    search.index(tx, DocKind::Agency, &a.slug, &a.name, &body, 0).await
}

async fn store_service(tx: &mut Tx, search: &mut Indexer, s: &ServiceIn) -> anyhow::Result<()> {
    let listing = Listing {
        slug: &s.slug,
        agency: &s.agency,
        name: (&s.name, &s.name_en),
        description: (&s.description, &s.description_en),
        requirements: (s.requirements.clone(), s.requirements_en.clone()),
        fee_rupiah: s.fee_rupiah,
        sla_working_days: s.sla_working_days,
        legal_basis: &s.legal_basis,
        featured: s.featured,
    };
    store_listing(tx, search, &listing).await?;
    Ok(())
}

async fn store_news(tx: &mut Tx, search: &mut Indexer, n: &NewsIn) -> anyhow::Result<()> {
    let published_at = jiff::Timestamp::from_str(&n.published_at)?.as_second();
    let agency_id = match &n.agency {
        Some(slug) => Some(agency_id(tx, slug).await?),
        None => None,
    };
    sqlx::query(
        "INSERT INTO news (slug, kind, title, summary, body, published_at, agency_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (slug) DO UPDATE SET kind = excluded.kind, title = excluded.title, \
           summary = excluded.summary, body = excluded.body, published_at = excluded.published_at, \
           agency_id = excluded.agency_id",
    )
    .bind(&n.slug)
    .bind(&n.kind)
    .bind(&n.title)
    .bind(&n.summary)
    .bind(&n.body)
    .bind(published_at)
    .bind(agency_id)
    .execute(&mut **tx)
    .await?;
    let body = format!("{}\n\n{}", n.summary, n.body);
    search.index(tx, DocKind::News, &n.slug, &n.title, &body, published_at).await
}

async fn store_file(tx: &mut Tx, content_type: &str, bytes: &[u8]) -> anyhow::Result<String> {
    let sha256 = crate::digest::sha256_hex(bytes);
    sqlx::query(
        "INSERT INTO files (sha256, content_type, size_bytes, bytes) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&sha256)
    .bind(content_type)
    .bind(i64::try_from(bytes.len())?)
    .bind(bytes.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(sha256)
}

async fn store_regulation(tx: &mut Tx, search: &mut Indexer, r: &RegulationIn) -> anyhow::Result<()> {
    let heading = format!("{} Nomor {} Tahun {}", r.reg_type, r.number, r.year);
    let pdf = text_pdf(&[heading.as_str(), "tentang", &r.title, "", &r.summary]);
    let sha256 = store_file(tx, "application/pdf", &pdf).await?;
    let file_name = format!("{}.pdf", r.slug);
    sqlx::query(
        "INSERT INTO regulations (slug, reg_type, number, year, title, status, subject, enacted_on, \
           summary, file_name, file_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (slug) DO UPDATE SET reg_type = excluded.reg_type, number = excluded.number, \
           year = excluded.year, title = excluded.title, status = excluded.status, \
           subject = excluded.subject, enacted_on = excluded.enacted_on, summary = excluded.summary, \
           file_name = excluded.file_name, file_sha256 = excluded.file_sha256",
    )
    .bind(&r.slug)
    .bind(&r.reg_type)
    .bind(&r.number)
    .bind(r.year)
    .bind(&r.title)
    .bind(&r.status)
    .bind(&r.subject)
    .bind(&r.enacted_on)
    .bind(&r.summary)
    .bind(file_name)
    .bind(sha256)
    .execute(&mut **tx)
    .await?;
    let title = format!("{heading} tentang {}", r.title);
    let body = format!("{} {}", r.subject, r.summary);
    search.index(tx, DocKind::Regulation, &r.slug, &title, &body, 0).await
}

/// FAQ entries have no names of their own: a bundle replaces the whole list.
async fn store_faq(tx: &mut Tx, search: &mut Indexer, entries: &[FaqIn]) -> anyhow::Result<()> {
    search.remove_kind(tx, DocKind::Faq).await?;
    sqlx::query("DELETE FROM faq").execute(&mut **tx).await?;
    for (position, f) in entries.iter().enumerate() {
        let id: i64 = sqlx::query(
            "INSERT INTO faq (position, category, question, answer, question_en, answer_en) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(i64::try_from(position)?)
        .bind(&f.category)
        .bind(&f.question)
        .bind(&f.answer)
        .bind(&f.question_en)
        .bind(&f.answer_en)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        search.index(tx, DocKind::Faq, &format!("faq-{id}"), &f.question, &f.answer, 0).await?;
    }
    Ok(())
}

async fn store_page(tx: &mut Tx, search: &mut Indexer, p: &PageIn) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO pages (slug, title, title_en, body, body_en) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (slug) DO UPDATE SET title = excluded.title, title_en = excluded.title_en, \
           body = excluded.body, body_en = excluded.body_en",
    )
    .bind(&p.slug)
    .bind(&p.title)
    .bind(&p.title_en)
    .bind(&p.body)
    .bind(&p.body_en)
    .execute(&mut **tx)
    .await?;
    search.index(tx, DocKind::Page, &p.slug, &p.title, &p.body, 0).await
}

/// A one-page A4 PDF of plain text (Helvetica, WinAnsi), for the official text of imported
/// regulations until the document crate renders real ones.
pub fn text_pdf(paragraphs: &[&str]) -> Vec<u8> {
    let mut lines = Vec::new();
    for paragraph in paragraphs {
        lines.extend(wrap(paragraph, 85));
        lines.push(String::new());
    }
    let mut content = String::from("BT /F1 11 Tf 56 780 Td 15 TL\n");
    for line in lines.iter().take(48) {
        content.push('(');
        for c in line.chars() {
            match c {
                '(' | ')' | '\\' => {
                    content.push('\\');
                    content.push(c);
                }
                c if c.is_ascii() && !c.is_ascii_control() => content.push(c),
                // Typographic dashes and quotes become their ASCII look-alikes.
                '–' | '—' => content.push('-'),
                '‘' | '’' => content.push('\''),
                '“' | '”' => content.push('"'),
                _ => content.push('?'),
            }
        }
        content.push_str(") Tj T*\n");
    }
    content.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{object}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for offset in offsets {
        pdf.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_bundle_is_valid() -> anyhow::Result<()> {
        let bundle = ContentBundle::from_json(DEMO_CONTENT)?;
        assert!(bundle.agencies.len() >= 10);
        assert!(bundle.services.iter().any(|s| s.slug == "ktp-el-hilang-rusak"));
        assert_eq!(bundle.pages.len(), 3);
        Ok(())
    }

    #[test]
    fn demo_service_definitions_check_and_cover_the_six_core_services() -> anyhow::Result<()> {
        let services = crate::services::import::parse_definitions(DEMO_SERVICES)?;
        let slugs: Vec<&str> = services.iter().map(|s| s.definition.slug.as_str()).collect();
        for slug in [
            "ktp-el-hilang-rusak",
            "kartu-keluarga-perubahan",
            "akta-kelahiran",
            "surat-pindah",
            "surat-keterangan-domisili",
            "bpjs-pbi",
        ] {
            assert!(slugs.contains(&slug), "{slug} has a definition");
        }
        Ok(())
    }

    #[test]
    fn bundles_with_bad_references_are_refused_by_name() {
        let json = DEMO_CONTENT.replacen("\"agency\": \"disdukcapil\"", "\"agency\": \"nowhere\"", 1);
        let error = ContentBundle::from_json(&json).err().map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(error.contains("unknown agency `nowhere`"), "{error}");
    }

    #[test]
    fn pdf_has_a_valid_cross_reference_table() {
        let pdf = text_pdf(&["Peraturan Daerah (contoh) – uji", "Rp 10.000 \\ “kutip”"]);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4"));
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|rest| rest.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(text[startxref..].starts_with("xref"));
        // Every object offset in the table points at that object.
        for (i, line) in text[startxref..].lines().skip(3).take(5).enumerate() {
            let offset: usize = line[..10].parse().unwrap_or(0);
            assert!(text[offset..].starts_with(&format!("{} 0 obj", i + 1)), "object {}", i + 1);
        }
        assert!(text.contains("\\(contoh\\)") && text.contains("- uji"));
    }
}
