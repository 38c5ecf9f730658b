//! Checks that a PDF carries our kind of signature and was not changed after signing:
//! the byte ranges cover the whole file but the signature, their digest is the one signed,
//! and the signature verifies with the certificate it carries.

use der::{Decode, Encode, SliceReader};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{DerSignature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::sign::{ID_MESSAGE_DIGEST, signed_data};

/// A file whose signature holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The signing certificate's SHA-256 (lowercase hex), to compare with the installation's.
    pub certificate_sha256: String,
    /// The signing certificate's subject.
    pub signer_subject: String,
}

/// Checks the last signature in `pdf`.
pub fn check(pdf: &[u8]) -> Result<Checked, Error> {
    const NOT_SIGNED: Error = Error::Invalid("the file carries no signature we can read");
    let at = rfind(pdf, b"/ByteRange [").ok_or(NOT_SIGNED)? + b"/ByteRange [".len();
    let close = at + pdf[at..].iter().position(|b| *b == b']').ok_or(NOT_SIGNED)?;
    let numbers: Vec<usize> = std::str::from_utf8(&pdf[at..close])
        .map_err(|_| NOT_SIGNED)?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| NOT_SIGNED)?;
    let [0, first_len, second_at, second_len] = numbers[..] else { return Err(NOT_SIGNED) };
    if second_at.checked_add(second_len) != Some(pdf.len()) || first_len + 2 > second_at {
        return Err(Error::Invalid("the signature does not cover the whole file"));
    }
    if pdf[first_len] != b'<' || pdf[second_at - 1] != b'>' {
        return Err(NOT_SIGNED);
    }
    let cms = decode_hex(&pdf[first_len + 1..second_at - 1]).ok_or(NOT_SIGNED)?;

    let mut reader = SliceReader::new(&cms)?;
    let content_info = cms::content_info::ContentInfo::decode(&mut reader)?;
    let signed = signed_data(&content_info.to_der()?)?;
    let signer_info = signed.signer_infos.0.iter().next().ok_or(NOT_SIGNED)?;
    let attributes = signer_info.signed_attrs.as_ref().ok_or(NOT_SIGNED)?;
    let signed_digest = attributes
        .iter()
        .find(|a| a.oid == ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok())
        .ok_or(NOT_SIGNED)?;
    let mut hasher = Sha256::new();
    hasher.update(&pdf[..first_len]);
    hasher.update(&pdf[second_at..]);
    if hasher.finalize()[..] != *signed_digest.as_bytes() {
        return Err(Error::Invalid("the file was changed after it was signed"));
    }

    let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(sid) = &signer_info.sid else {
        return Err(NOT_SIGNED);
    };
    let certificate = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|choice| match choice {
            cms::cert::CertificateChoices::Certificate(c)
                if c.tbs_certificate.serial_number == sid.serial_number
                    && c.tbs_certificate.issuer == sid.issuer =>
            {
                Some(c)
            }
            _ => None,
        })
        .ok_or(Error::Invalid("the signing certificate is missing"))?;
    let key = VerifyingKey::from_sec1_bytes(
        certificate.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes(),
    )
    .map_err(|_| Error::Invalid("the signing key is not a P-256 key"))?;
    let signature = DerSignature::from_bytes(signer_info.signature.as_bytes())
        .map_err(|_| Error::Invalid("the signature is malformed"))?;
    key.verify(&attributes.to_der()?, &signature)
        .map_err(|_| Error::Invalid("the signature does not verify"))?;
    Ok(Checked {
        certificate_sha256: crate::sha256_hex(&certificate.to_der()?),
        signer_subject: certificate.tbs_certificate.subject.to_string(),
    })
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|window| window == needle)
}

fn decode_hex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()).collect()
}
