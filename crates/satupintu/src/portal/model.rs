//! The portal's records, as stored and as served by the API.

use serde::Serialize;
use utoipa::ToSchema;

/// The government this installation serves.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Installation {
    /// Official name in Indonesian, e.g. "Pemerintah Kota Surabaya".
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// The installation's own region (Kemendagri code).
    pub region_code: String,
    /// That region's name.
    pub region_name: String,
    /// Tagline in Indonesian.
    pub tagline: String,
    /// Tagline in English.
    pub tagline_en: String,
    /// Postal address of the main office.
    pub address: String,
    /// Telephone of the main office.
    pub phone: String,
    /// E-mail of the main office.
    pub email: String,
    /// Whether the content is demo data.
    pub demo: bool,
    /// Hours ahead of UTC in the installation's zone: 7 (WIB), 8 (WITA) or 9 (WIT).
    pub utc_offset_hours: i8,
}

/// A government agency (OPD/dinas/badan/kecamatan).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Agency {
    /// URL name.
    pub slug: String,
    /// Name in Indonesian.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// Short name, e.g. "Disdukcapil".
    pub acronym: String,
    /// The region the agency serves.
    pub region_code: String,
    /// That region's name.
    pub region_name: String,
    /// Office address.
    pub address: String,
    /// Office telephone.
    pub phone: String,
    /// Office e-mail.
    pub email: String,
    /// Opening hours in Indonesian.
    pub hours: String,
    /// Opening hours in English.
    pub hours_en: String,
    /// What the agency does, in Indonesian.
    pub description: String,
    /// What the agency does, in English.
    pub description_en: String,
}

/// A public service in the catalogue.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Service {
    /// URL name.
    pub slug: String,
    /// The responsible agency's URL name.
    pub agency_slug: String,
    /// The responsible agency's name.
    pub agency_name: String,
    /// Name in Indonesian.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// Description in Indonesian.
    pub description: String,
    /// Description in English.
    pub description_en: String,
    /// Documents and conditions required, in Indonesian.
    pub requirements: Vec<String>,
    /// The same requirements in English.
    pub requirements_en: Vec<String>,
    /// Fee in whole rupiah; 0 means free.
    pub fee_rupiah: i64,
    /// Service level: working days from a complete application to the result.
    pub sla_working_days: i64,
    /// The regulation the service rests on.
    pub legal_basis: String,
    /// Whether the home page features it.
    pub featured: bool,
    /// The version of the definition (form, workflow) it is applied for under, when it can
    /// be applied for online; see `/api/v1/services/{slug}/definition`.
    pub definition_version: Option<i64>,
}

/// News or an announcement.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NewsItem {
    /// URL name.
    pub slug: String,
    /// `news` or `announcement`.
    pub kind: String,
    /// Headline.
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Plain text; paragraphs separated by a blank line.
    pub body: String,
    /// Publication time, RFC 3339 in UTC.
    pub published_at: String,
    /// Publishing agency's URL name, if any.
    pub agency_slug: Option<String>,
    #[serde(skip)]
    #[schema(ignore)]
    pub(crate) published_unix: i64,
}

/// A regulation in the legal documentation (JDIH).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Regulation {
    /// URL name.
    pub slug: String,
    /// Type, e.g. "Peraturan Daerah".
    pub reg_type: String,
    /// Number within the type and year.
    pub number: String,
    /// Year of enactment.
    pub year: i64,
    /// Title.
    pub title: String,
    /// `berlaku` (in force), `diubah` (amended) or `dicabut` (revoked).
    pub status: String,
    /// Subject area.
    pub subject: String,
    /// Date of enactment, YYYY-MM-DD.
    pub enacted_on: String,
    /// Short summary.
    pub summary: String,
    /// File name of the official text.
    pub file_name: String,
    /// Where to download the official text.
    pub file_url: String,
    /// SHA-256 of the file, hex.
    pub file_sha256: String,
}

/// A frequently asked question.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Faq {
    /// Anchor id.
    pub id: i64,
    /// Category in Indonesian.
    pub category: String,
    /// Question in Indonesian.
    pub question: String,
    /// Answer in Indonesian.
    pub answer: String,
    /// Question in English.
    pub question_en: String,
    /// Answer in English.
    pub answer_en: String,
}

/// A fixed page (about, contact, privacy).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Page {
    /// URL name.
    pub slug: String,
    /// Title in Indonesian.
    pub title: String,
    /// Title in English.
    pub title_en: String,
    /// Plain text in Indonesian; paragraphs separated by a blank line.
    pub body: String,
    /// Plain text in English.
    pub body_en: String,
}

/// A stored file.
#[derive(Clone, Debug)]
pub struct StoredFile {
    /// MIME type.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}
