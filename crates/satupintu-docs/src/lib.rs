//! Issued documents and reports: an official letter rendered to a one-page A4 PDF and signed as PAdES
//! (a CMS signature in the PDF's signature dictionary, subfilter `ETSI.CAdES.detached`) with
//! the installation's P-256 key, the check that a file is still the one that was signed, and
//! one-page reports exported as PDF or XLSX ([`report`]).
//!
//! Kept apart from the server so that the PDF and cryptography dependencies build once.

mod check;
mod font;
mod letter;
pub mod report;
pub mod sample;
mod sign;

pub use check::{Checked, check};
pub use letter::{Letter, Letterhead};
pub use sign::DocumentSigner;

use pdf_writer::{Finish, Name, Pdf, Str, TextStr};
use sha2::{Digest, Sha256};

/// What can go wrong making or checking a document.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key or certificate cannot be used.
    #[error("document signing key: {0}")]
    Key(String),
    /// The text does not fit on one page, or the link does not fit in a QR code.
    #[error("the document does not fit on one page")]
    TooLong,
    /// The certificate chain is larger than the room kept for the signature.
    #[error("the signature needs {0} bytes, more than the room kept for it")]
    SignatureTooLarge(usize),
    /// A file is not a document signed the way we sign, or it was changed after signing.
    #[error("{0}")]
    Invalid(&'static str),
    /// A spreadsheet could not be written.
    #[error("spreadsheet: {0}")]
    Spreadsheet(String),
    /// ASN.1 encoding or decoding.
    #[error("ASN.1: {0}")]
    Der(#[from] der::Error),
}

/// Bytes kept for the CMS signature: enough for a chain of several certificates.
const SIGNATURE_CAPACITY: usize = 12 * 1024;
/// Written in the byte range before the real offsets are known; as wide as any offset.
const OFFSET_PLACEHOLDER: i32 = 1_000_000_000;

/// How a document is signed: by whom, why, where and when.
#[derive(Debug)]
pub struct Signing<'a> {
    /// The installation's document key.
    pub signer: &'a DocumentSigner,
    /// Why ("Dokumen layanan ... diterbitkan").
    pub reason: &'a str,
    /// Where (the government's seat).
    pub location: &'a str,
    /// When.
    pub at: jiff::Timestamp,
    /// The installation's offset from UTC, for the date written in the signature.
    pub offset: jiff::tz::Offset,
}

/// Renders `letter` and signs it: the finished PDF.
pub fn render_signed(letter: &Letter, signing: &Signing<'_>) -> Result<Vec<u8>, Error> {
    let date = pdf_date(signing.at, signing.offset);
    let mut pdf = Pdf::new();
    letter::write(&mut pdf, letter, &date)?;
    let mut value = pdf.indirect(letter::OBJECTS.signature_value).dict();
    value.pair(Name(b"Type"), Name(b"Sig"));
    value.pair(Name(b"Filter"), Name(b"Adobe.PPKLite"));
    value.pair(Name(b"SubFilter"), Name(b"ETSI.CAdES.detached"));
    value.insert(Name(b"ByteRange")).array().items([
        0,
        OFFSET_PLACEHOLDER,
        OFFSET_PLACEHOLDER,
        OFFSET_PLACEHOLDER,
    ]);
    // Non-ASCII bytes make the writer use a hex string, which is what a signature needs.
    value.pair(Name(b"Contents"), Str(&[0xFF; SIGNATURE_CAPACITY]));
    value.pair(Name(b"M"), Str(date.as_bytes()));
    value.pair(Name(b"Reason"), TextStr(signing.reason));
    value.pair(Name(b"Location"), TextStr(signing.location));
    value.finish();
    let mut bytes = pdf.finish();

    let start =
        find(&bytes, b"/Contents <").ok_or(Error::Invalid("no signature placeholder"))? + b"/Contents ".len();
    let end = start + 2 + 2 * SIGNATURE_CAPACITY;
    let range = format!("[0 {start} {end} {}", bytes.len() - end);
    let range_at =
        find(&bytes, b"/ByteRange [").ok_or(Error::Invalid("no byte range"))? + b"/ByteRange ".len();
    let range_end = range_at + find(&bytes[range_at..], b"]").ok_or(Error::Invalid("no byte range"))?;
    let room = range_end - range_at;
    bytes[range_at..range_end].copy_from_slice(format!("{range:<room$}").as_bytes());

    let mut hasher = Sha256::new();
    hasher.update(&bytes[..start]);
    hasher.update(&bytes[end..]);
    let cms = signing.signer.cms(&hasher.finalize().into())?;
    if cms.len() > SIGNATURE_CAPACITY {
        return Err(Error::SignatureTooLarge(cms.len()));
    }
    let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
    let slot = &mut bytes[start + 1..end - 1];
    slot.fill(b'0');
    slot[..hex.len()].copy_from_slice(hex.as_bytes());
    Ok(bytes)
}

/// `D:YYYYMMDDHHmmSS+07'00'`, the PDF date form.
fn pdf_date(at: jiff::Timestamp, offset: jiff::tz::Offset) -> String {
    let local = offset.to_datetime(at);
    let offset = offset.seconds();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    format!("D:{}{sign}{:02}'{:02}'", local.strftime("%Y%m%d%H%M%S"), offset / 3600, offset % 3600 / 60)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The SHA-256 of a file, as lowercase hex: how documents are named and compared.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod tests;
