//! The installation's document key (ECDSA P-256) and certificate, and the CMS signature
//! (RFC 5652, in the CAdES form PAdES asks for) over a PDF's signed byte ranges.

use std::str::FromStr;
use std::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{GeneralizedTime, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, EncodePem, Sequence};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::Error;

pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// ESS signing-certificate-v2 (RFC 5035), which binds the signature to its certificate.
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(crate) const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const ID_ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// `ESSCertIDv2` with the default hash (SHA-256) and no issuer-serial.
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

/// `SigningCertificateV2` without policies.
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// Who signs documents: the private key and its certificate chain, signer first.
pub struct DocumentSigner {
    key: SigningKey,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for DocumentSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("DocumentSigner").field("subject", &self.subject()).finish_non_exhaustive()
    }
}

impl DocumentSigner {
    /// A new private key (PKCS#8 PEM) from 32 secret bytes.
    pub fn key_pem(secret: [u8; 32]) -> Result<String, Error> {
        let key =
            SigningKey::from_bytes(&secret.into()).map_err(|_| Error::Key("secret out of range".into()))?;
        Ok(key.to_pkcs8_pem(LineEnding::LF).map_err(|e| Error::Key(e.to_string()))?.to_string())
    }

    /// A self-signed certificate (PEM) for `key_pem`, valid for ten years from `now`, naming
    /// `organisation` (the government) as its subject; `serial` is random. For installations
    /// without a certificate of their own.
    pub fn self_signed_certificate_pem(
        key_pem: &str,
        serial: [u8; 16],
        organisation: &str,
        now: Duration,
    ) -> Result<String, Error> {
        let key = SigningKey::from_pkcs8_pem(key_pem)
            .map_err(|_| Error::Key("the document key is not a P-256 private key in PKCS#8 PEM".into()))?;
        let name = distinguished_value(organisation);
        let subject = Name::from_str(&format!("CN={name} Document Signing,O={name},C=ID"))
            .map_err(|e| Error::Key(e.to_string()))?;
        let mut serial = serial;
        serial[0] &= 0x7f; // positive, as RFC 5280 requires
        let serial = SerialNumber::new(&serial).map_err(|e| Error::Key(e.to_string()))?;
        let day = Duration::from_secs(86_400);
        let validity = Validity {
            not_before: Time::GeneralTime(GeneralizedTime::from_unix_duration(now.saturating_sub(day))?),
            not_after: Time::GeneralTime(GeneralizedTime::from_unix_duration(now + day * 3_653)?),
        };
        let public = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key())
            .map_err(|e| Error::Key(e.to_string()))?;
        // A self-signed end-entity certificate: it signs documents, never other certificates.
        let mut builder = CertificateBuilder::new(
            Profile::Manual { issuer: None },
            serial,
            validity,
            subject,
            public,
            &key,
        )
        .map_err(|e| Error::Key(e.to_string()))?;
        builder
            .add_extension(&BasicConstraints { ca: false, path_len_constraint: None })
            .map_err(|e| Error::Key(e.to_string()))?;
        builder
            .add_extension(&KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation))
            .map_err(|e| Error::Key(e.to_string()))?;
        let certificate = builder.build::<DerSignature>().map_err(|e| Error::Key(e.to_string()))?;
        Ok(certificate.to_pem(LineEnding::LF)?)
    }

    /// A signer with a new key and self-signed certificate, for tests and benchmarks.
    pub fn self_signed(secret: [u8; 32], organisation: &str, now: Duration) -> Result<Self, Error> {
        let key = Self::key_pem(secret)?;
        let certificate = Self::self_signed_certificate_pem(&key, [1; 16], organisation, now)?;
        Self::from_pem(&key, &certificate)
    }

    /// Loads a P-256 key (PKCS#8 PEM) and its certificate chain (PEM, signer first).
    pub fn from_pem(key_pem: &str, chain_pem: &str) -> Result<Self, Error> {
        let key = SigningKey::from_pkcs8_pem(key_pem)
            .map_err(|_| Error::Key("the document key is not a P-256 private key in PKCS#8 PEM".into()))?;
        let chain = Certificate::load_pem_chain(chain_pem.as_bytes())?;
        let Some(first) = chain.first() else {
            return Err(Error::Key("the certificate file holds no certificate".into()));
        };
        let ours = key.verifying_key().to_public_key_der().map_err(|e| Error::Key(e.to_string()))?;
        if first.tbs_certificate.subject_public_key_info.to_der()? != ours.as_bytes() {
            return Err(Error::Key("the first certificate is not the document key's".into()));
        }
        Ok(Self { key, chain })
    }

    /// The signer's certificate, DER.
    pub fn certificate_der(&self) -> Vec<u8> {
        self.chain[0].to_der().unwrap_or_default()
    }

    /// The signer's certificate, PEM, for relying parties to trust.
    pub fn certificate_pem(&self) -> String {
        self.chain[0].to_pem(LineEnding::LF).unwrap_or_default()
    }

    /// The certificate's subject, as text.
    pub fn subject(&self) -> String {
        self.chain[0].tbs_certificate.subject.to_string()
    }

    /// A detached CMS SignedData over content whose SHA-256 is `digest`, DER.
    pub(crate) fn cms(&self, digest: &[u8; 32]) -> Result<Vec<u8>, Error> {
        let certificate = &self.chain[0];
        let cert_hash = Sha256::digest(certificate.to_der()?);
        let signing_certificate = SigningCertificateV2 {
            certs: vec![EssCertIdV2 { cert_hash: OctetString::new(cert_hash.to_vec())? }],
        };
        let signed_attrs = SetOfVec::try_from(vec![
            attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA)?)?,
            attribute(ID_MESSAGE_DIGEST, Any::encode_from(&OctetString::new(digest.to_vec())?)?)?,
            attribute(ID_SIGNING_CERTIFICATE_V2, Any::encode_from(&signing_certificate)?)?,
        ])?;
        let signature: DerSignature = self.key.sign(&signed_attrs.to_der()?);
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: certificate.tbs_certificate.issuer.clone(),
                serial_number: certificate.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: algorithm(ID_SHA256),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: algorithm(ID_ECDSA_WITH_SHA256),
            signature: OctetString::new(signature.as_bytes())?,
            unsigned_attrs: None,
        };
        let certificates =
            self.chain.iter().cloned().map(CertificateChoices::Certificate).collect::<Vec<_>>();
        let signed_data = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![algorithm(ID_SHA256)])?,
            encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
            certificates: Some(CertificateSet(SetOfVec::try_from(certificates)?)),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
        };
        let content_info =
            ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&signed_data)? };
        Ok(content_info.to_der()?)
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, Error> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value])? })
}

pub(crate) fn algorithm(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters: None }
}

/// A name kept to characters that need no escaping in an RFC 4514 distinguished name.
fn distinguished_value(text: &str) -> String {
    let kept: String = text.chars().filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.')).collect();
    let kept = kept.trim().to_owned();
    if kept.is_empty() { "Satu Pintu".to_owned() } else { kept }
}

/// Decodes our own ContentInfo back (for the checker).
pub(crate) fn signed_data(cms_der: &[u8]) -> Result<SignedData, Error> {
    let content_info = ContentInfo::from_der(cms_der)?;
    if content_info.content_type != ID_SIGNED_DATA {
        return Err(Error::Invalid("the signature is not CMS signed data"));
    }
    Ok(content_info.content.decode_as::<SignedData>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Duration = Duration::from_secs(1_790_000_000);

    #[test]
    fn a_self_signed_identity_loads_back_and_names_the_government() {
        let signer = DocumentSigner::self_signed([7; 32], "Pemerintah Kota Contoh", NOW).expect("signer");
        assert!(signer.subject().contains("O=Pemerintah Kota Contoh"), "{}", signer.subject());
        assert!(signer.certificate_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn a_key_with_someone_elses_certificate_is_refused() {
        let ours = DocumentSigner::key_pem([7; 32]).expect("ours");
        let theirs = DocumentSigner::key_pem([8; 32]).expect("theirs");
        let certificate =
            DocumentSigner::self_signed_certificate_pem(&theirs, [9; 16], "B", NOW).expect("cert");
        let error = DocumentSigner::from_pem(&ours, &certificate).expect_err("mismatch");
        assert!(error.to_string().contains("not the document key"), "{error}");
        assert!(DocumentSigner::from_pem("nonsense", &certificate).is_err());
    }
}
