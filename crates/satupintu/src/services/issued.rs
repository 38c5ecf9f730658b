//! Documents issued on approval: the letter is composed from the service's template, numbered
//! by the agency's yearly sequence, signed (PAdES) with the installation's document key, stored
//! under its SHA-256 beside uploads, and recorded with its audit entry in the approval's
//! transaction. Each document carries a verification code, printed as a link in its QR code.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use sqlx::Row;

use satupintu_docs::{DocumentSigner, Letter, Letterhead, Signing};
use satupintu_rules::service::{fill, month_roman};

use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::i18n::Lang;
use crate::services::applications::Application;

/// File names of the document key and certificate in the data folder.
pub const KEY_FILE: &str = "document-signing.key";
/// The certificate beside it.
pub const CERTIFICATE_FILE: &str = "document-signing.pem";

/// The document key, loaded on first use (generating one needs the government's name, which
/// lives in the database).
#[derive(Clone)]
pub struct DocumentKeys {
    key_path: Arc<Path>,
    certificate_path: Arc<Path>,
    loaded: Arc<tokio::sync::OnceCell<Arc<DocumentSigner>>>,
}

impl DocumentKeys {
    /// `SATUPINTU_DOCUMENT_KEY_FILE` and `SATUPINTU_DOCUMENT_CERT_FILE` (a real deployment's
    /// key, PKCS#8 PEM, and its certificate chain), or files generated in the data folder.
    pub fn new(data_dir: &Path) -> Self {
        let configured = |var: &str, default: &str| {
            std::env::var_os(var).map_or_else(|| data_dir.join(default), PathBuf::from)
        };
        Self {
            key_path: configured("SATUPINTU_DOCUMENT_KEY_FILE", KEY_FILE).into(),
            certificate_path: configured("SATUPINTU_DOCUMENT_CERT_FILE", CERTIFICATE_FILE).into(),
            loaded: Arc::default(),
        }
    }

    /// The signer, creating a key and a self-signed certificate in the government's name
    /// when there are none yet.
    pub async fn signer(&self, db: &Db) -> anyhow::Result<Arc<DocumentSigner>> {
        self.loaded
            .get_or_try_init(|| async {
                let government = crate::portal::store::installation(db).await?.name;
                let (key_path, certificate_path) = (self.key_path.clone(), self.certificate_path.clone());
                let signer = tokio::task::spawn_blocking(move || {
                    load_or_create(&key_path, &certificate_path, &government)
                })
                .await
                .context("the key loader stopped")??;
                Ok::<_, anyhow::Error>(Arc::new(signer))
            })
            .await
            .cloned()
    }
}

fn load_or_create(
    key_path: &Path,
    certificate_path: &Path,
    government: &str,
) -> anyhow::Result<DocumentSigner> {
    let key = match crate::secrets::read(key_path)? {
        Some(key) => key,
        None => {
            let pem = satupintu_docs::DocumentSigner::key_pem(crate::secrets::random_key()?)?;
            crate::secrets::create_once(key_path, pem.as_bytes())?
        }
    };
    let key = String::from_utf8(key).context("the document key is not PEM text")?;
    let certificate = match crate::secrets::read(certificate_path)? {
        Some(certificate) => certificate,
        None => {
            let mut serial = [0u8; 16];
            getrandom::fill(&mut serial).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
            let pem = DocumentSigner::self_signed_certificate_pem(&key, serial, government, now)?;
            tracing::info!(path = %certificate_path.display(), "self-signed document certificate created");
            crate::secrets::create_once(certificate_path, pem.as_bytes())?
        }
    };
    let certificate = String::from_utf8(certificate).context("the document certificate is not PEM text")?;
    DocumentSigner::from_pem(&key, &certificate)
        .with_context(|| format!("{} and {}", key_path.display(), certificate_path.display()))
}

/// A document as recorded.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The verification code (12 characters, Crockford base 32).
    pub code: String,
    /// The application it was issued for.
    pub application_id: i64,
    /// The agency.
    pub agency_id: i64,
    /// The agency's name, Indonesian and English.
    pub agency_name: (String, String),
    /// The applicant's district, for officers' scope.
    pub region_code: String,
    /// The document number.
    pub number: String,
    /// The title, Indonesian and English.
    pub title: (String, String),
    /// The SHA-256 of the PDF, lowercase hex.
    pub sha256: String,
    /// The PDF's size.
    pub size_bytes: i64,
    /// When it was issued (unix seconds).
    pub issued_at: i64,
    /// When and why it was revoked.
    pub revoked: Option<(i64, String)>,
}

const ISSUED_COLUMNS: &str = "d.code, d.application_id, d.agency_id, g.name AS agency_name, g.name_en AS agency_name_en, \
     a.region_code, d.number, d.title, d.title_en, d.sha256, d.size_bytes, d.issued_at, d.revoked_at, d.revoked_reason \
     FROM issued_documents d JOIN agencies g ON g.id = d.agency_id JOIN applications a ON a.id = d.application_id";

fn issued_from(row: &sqlx::any::AnyRow) -> anyhow::Result<Issued> {
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    Ok(Issued {
        code: row.try_get("code")?,
        application_id: row.try_get("application_id")?,
        agency_id: row.try_get("agency_id")?,
        agency_name: (row.try_get("agency_name")?, row.try_get("agency_name_en")?),
        region_code: row.try_get("region_code")?,
        number: row.try_get("number")?,
        title: (row.try_get("title")?, row.try_get("title_en")?),
        sha256: row.try_get("sha256")?,
        size_bytes: row.try_get("size_bytes")?,
        issued_at: row.try_get("issued_at")?,
        revoked: revoked_at.map(|at| {
            (at, row.try_get::<Option<String>, _>("revoked_reason").ok().flatten().unwrap_or_default())
        }),
    })
}

/// The document with this verification code (dashes and case ignored).
pub async fn by_code(db: &Db, code: &str) -> anyhow::Result<Option<Issued>> {
    let Some(code) = normalize_code(code) else { return Ok(None) };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ISSUED_COLUMNS} WHERE d.code = $1")))
        .bind(code)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(issued_from).transpose()
}

/// The document issued for an application.
pub async fn of_application(db: &Db, application_id: i64) -> anyhow::Result<Option<Issued>> {
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ISSUED_COLUMNS} WHERE d.application_id = $1")))
            .bind(application_id)
            .fetch_optional(db.pool())
            .await?;
    row.as_ref().map(issued_from).transpose()
}

/// The document whose PDF has this SHA-256.
pub async fn by_sha256(db: &Db, sha256: &str) -> anyhow::Result<Option<Issued>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ISSUED_COLUMNS} WHERE d.sha256 = $1")))
        .bind(sha256)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(issued_from).transpose()
}

/// Crockford's base 32: no I, L, O or U, so a code read aloud or typed is not mistaken.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH: usize = 12;

/// A new verification code: 60 random bits.
pub(crate) fn new_code() -> anyhow::Result<String> {
    let mut bytes = [0u8; CODE_LENGTH];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| CODE_ALPHABET[usize::from(b % 32)] as char).collect())
}

/// A typed code in stored form: upper case, without dashes or spaces, with the letters
/// Crockford reads as digits mapped; `None` when it cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A code as printed: `7K3M-9QX2-WP4D`.
pub fn display_code(code: &str) -> String {
    code.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// Issues the document for `application` in the approval's transaction.
pub async fn issue(
    state: &AppState,
    tx: &mut Tx,
    application: &Application,
    actor: &str,
) -> anyhow::Result<Issued> {
    let signer = state.document_keys.signer(&state.db).await?;
    let installation = crate::portal::store::installation(&state.db).await?;
    let row = sqlx::query(
        "SELECT a.agency_id, a.region_code, g.name, g.name_en, g.acronym, g.address, g.phone, g.email, \
         c.name AS applicant, c.nik_sealed \
         FROM applications a JOIN agencies g ON g.id = a.agency_id JOIN accounts c ON c.id = a.account_id \
         WHERE a.id = $1",
    )
    .bind(application.id)
    .fetch_one(&mut **tx)
    .await?;
    let agency_id: i64 = row.try_get("agency_id")?;
    let nik = match row.try_get::<Option<String>, _>("nik_sealed")? {
        Some(sealed) => state
            .fields
            .open(crate::identity::accounts::field::NIK, &sealed)
            .map_err(|e| anyhow::anyhow!("NIK: {e}"))?,
        None => String::new(),
    };
    let now = jiff::Timestamp::now();
    let offset = jiff::tz::Offset::constant(installation.utc_offset_hours);
    let today = offset.to_datetime(now).date();
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO document_counters (agency_id, year, last_seq) VALUES ($1, $2, 1) \
         ON CONFLICT (agency_id, year) DO UPDATE SET last_seq = document_counters.last_seq + 1 \
         RETURNING last_seq",
    )
    .bind(agency_id)
    .bind(i64::from(today.year()))
    .fetch_one(&mut **tx)
    .await?;

    let definition = &application.service.definition;
    let acronym: String = row.try_get("acronym")?;
    let number = fill(&definition.document.number_format, |name| match name {
        "seq" => Some(format!("{seq:04}")),
        "year" => Some(today.year().to_string()),
        "month_roman" => Some(month_roman(today.month()).to_string()),
        "agency" => Some(acronym.clone()),
        _ => None,
    });
    let code = new_code()?;
    let verify_url = format!("{}/verify/{code}", state.link_base);
    let issued_date = crate::web::page::format_date(Lang::Id, today.year(), today.month(), today.day());
    let applicant: String = row.try_get("applicant")?;
    let service_name = definition.name.id.clone();
    let body = fill(&definition.document.body.id, |name| match name {
        "applicant_name" => Some(applicant.clone()),
        "applicant_nik" => Some(nik.clone()),
        "number" => Some(number.clone()),
        "issued_date" => Some(issued_date.clone()),
        "service" => Some(service_name.clone()),
        field => application
            .data
            .get(field)
            .map(|value| crate::services::routes::answer_text(Lang::Id, &application.service, field, value)),
    });
    let agency_name: String = row.try_get("name")?;
    let letter = Letter {
        letterhead: Letterhead {
            government: installation.name.clone(),
            agency: agency_name.clone(),
            address: [row.try_get::<String, _>("address")?, row.try_get("phone")?, row.try_get("email")?]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
        },
        title: definition.document.title.id.clone(),
        number_line: format!("Nomor: {number}"),
        paragraphs: body.split("\n\n").map(str::to_owned).collect(),
        details: vec![
            ("Nama pemohon".into(), applicant.clone()),
            ("Layanan".into(), service_name.clone()),
            ("Nomor permohonan".into(), application.receipt.clone().unwrap_or_default()),
        ],
        place_and_date: format!("{}, {issued_date}", installation.region_name),
        signatory: vec![format!("a.n. Kepala {agency_name}"), installation.name.clone()],
        verify_note: vec![
            "Dokumen ini ditandatangani secara elektronik dengan sertifikat".into(),
            format!("{}. Keasliannya dapat diperiksa dengan memindai kode QR", signer.subject()),
            format!("atau di {verify_url} (kode {}).", display_code(&code)),
        ],
        verify_url,
        metadata_title: format!("{} {number}", definition.document.title.id),
    };
    let reason = format!("{} {number}", definition.document.title.id);
    let signing =
        Signing { signer: &signer, reason: &reason, location: &installation.region_name, at: now, offset };
    let pdf = satupintu_docs::render_signed(&letter, &signing).context("the document could not be made")?;
    let size_bytes = i64::try_from(pdf.len())?;
    let sha256 = crate::services::attachments::store_content(&state.data_dir, pdf.into()).await?;

    sqlx::query(
        "INSERT INTO issued_documents (code, application_id, agency_id, number, title, title_en, sha256, size_bytes, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&code)
    .bind(application.id)
    .bind(agency_id)
    .bind(&number)
    .bind(&definition.document.title.id)
    .bind(&definition.document.title.en)
    .bind(&sha256)
    .bind(size_bytes)
    .bind(now.as_second())
    .execute(&mut **tx)
    .await?;
    crate::audit::append(
        &state.db,
        tx,
        &crate::audit::Entry {
            actor,
            action: "document.issue",
            subject: &format!("document/{code}"),
            digest: crate::audit::store::digest_of(&(&number, &sha256)),
        },
    )
    .await?;
    Ok(Issued {
        code,
        application_id: application.id,
        agency_id,
        agency_name: (agency_name, row.try_get("name_en")?),
        region_code: row.try_get("region_code")?,
        number,
        title: (definition.document.title.id.clone(), definition.document.title.en.clone()),
        sha256,
        size_bytes,
        issued_at: now.as_second(),
        revoked: None,
    })
}

/// The PDF of an issued document.
pub async fn read_pdf(data_dir: &Path, issued: &Issued) -> anyhow::Result<Vec<u8>> {
    crate::services::attachments::read_content(data_dir, &issued.sha256)
        .await
        .with_context(|| format!("document {} unreadable", issued.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typed_forgivingly_and_printed_in_groups() {
        let code = new_code().expect("code");
        assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
        assert_eq!(normalize_code("7k3m-9qx2-wp4d").as_deref(), Some("7K3M9QX2WP4D"));
        assert_eq!(normalize_code("7K3M 9QX2 WPOD").as_deref(), Some("7K3M9QX2WP0D"));
        assert_eq!(normalize_code("7K3M9QX2WP4"), None);
        assert_eq!(normalize_code("7K3M9QX2WP4U"), None, "U is not in the alphabet");
        assert_eq!(display_code("7K3M9QX2WP4D"), "7K3M-9QX2-WP4D");
    }
}
