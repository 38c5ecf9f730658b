use std::process::Command;
use std::time::Duration;

use proptest::prelude::*;

use super::*;

fn signer() -> DocumentSigner {
    DocumentSigner::self_signed([7; 32], "Pemerintah Kota Contoh", Duration::from_secs(1_790_000_000))
        .expect("signer")
}

fn signed(letter: &Letter, signer: &DocumentSigner) -> Vec<u8> {
    let at = jiff::Timestamp::from_second(1_795_000_000).expect("time");
    let signing =
        Signing { signer, reason: "Diterbitkan", location: "Kota Contoh", at, offset: jiff::tz::offset(7) };
    render_signed(letter, &signing).expect("signed")
}

#[test]
fn a_signed_letter_checks_and_names_its_signer() {
    let signer = signer();
    let pdf = signed(&sample::letter(), &signer);
    assert!(pdf.starts_with(b"%PDF-1.7"));
    assert!(pdf.len() < 60_000, "a letter stays small: {} bytes", pdf.len());
    let checked = check(&pdf).expect("the signature holds");
    assert_eq!(checked.certificate_sha256, sha256_hex(&signer.certificate_der()));
    assert!(checked.signer_subject.contains("Pemerintah Kota Contoh"));
    assert!(find(&pdf, b"/SubFilter /ETSI.CAdES.detached").is_some());
    assert!(find(&pdf, b"/M (D:20261118180640+07'00')").is_some(), "signing time in the installation's zone");
}

#[test]
fn a_changed_byte_or_an_appended_page_is_caught() {
    let pdf = signed(&sample::letter(), &signer());
    let at = find(&pdf, b"3171014501900001").expect("the NIK is printed");
    let mut changed = pdf.clone();
    changed[at] = b'9';
    assert!(matches!(check(&changed), Err(Error::Invalid("the file was changed after it was signed"))));
    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n% more\n");
    assert!(matches!(check(&appended), Err(Error::Invalid("the signature does not cover the whole file"))));
    assert!(check(b"%PDF-1.7 nothing here").is_err());
}

#[test]
fn a_letter_too_long_for_one_page_is_refused() {
    let mut letter = sample::letter();
    letter.paragraphs = vec!["kata ".repeat(2_000)];
    let signer = signer();
    let signing = Signing {
        signer: &signer,
        reason: "",
        location: "",
        at: jiff::Timestamp::UNIX_EPOCH,
        offset: jiff::tz::Offset::UTC,
    };
    let result = render_signed(&letter, &signing);
    assert!(matches!(result, Err(Error::TooLong)));
}

/// Poppler's `pdfsig` and pyHanko, the two validators relying parties use. CI installs both
/// and sets SATUPINTU_REQUIRE_PDF_TOOLS so that a missing tool fails instead of skipping.
#[test]
fn pdfsig_and_pyhanko_validate_the_signature() {
    let required = std::env::var_os("SATUPINTU_REQUIRE_PDF_TOOLS").is_some();
    let dir = std::env::temp_dir().join(format!("satupintu-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let signer = signer();
    let pdf_path = dir.join("letter.pdf");
    let cert_path = dir.join("signer.pem");
    std::fs::write(&pdf_path, signed(&sample::letter(), &signer)).expect("write pdf");
    std::fs::write(&cert_path, signer.certificate_pem()).expect("write cert");

    match Command::new("pdfsig").arg(&pdf_path).output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("Signature Validation: Signature is Valid."), "pdfsig:\n{text}");
            assert!(text.contains("Signature Type: ETSI.CAdES.detached"), "pdfsig:\n{text}");
        }
        Err(_) => assert!(!required, "pdfsig (poppler-utils) is not installed"),
    }
    match Command::new("pyhanko")
        .args(["sign", "validate", "--pretty-print", "--trust"])
        .arg(&cert_path)
        .arg(&pdf_path)
        .output()
    {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "pyHanko:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
            assert!(text.contains("The signature is judged VALID."), "pyHanko:\n{text}");
            assert!(text.contains("The signer's certificate is trusted."), "pyHanko:\n{text}");
            assert!(text.contains("The signature covers the entire file."), "pyHanko:\n{text}");
        }
        Err(_) => assert!(!required, "pyHanko is not installed"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever byte outside the signature value changes, the check notices.
    #[test]
    fn any_changed_byte_outside_the_signature_is_caught(position in 0usize..1_000_000, flip in 1u8..=255) {
        let pdf = signed(&sample::letter(), &signer());
        let start = find(&pdf, b"/Contents <").expect("contents") + b"/Contents ".len();
        let end = start + 2 + 2 * SIGNATURE_CAPACITY;
        let outside = pdf.len() - (end - start);
        let position = position % outside;
        let position = if position < start { position } else { position + (end - start) };
        let mut changed = pdf.clone();
        changed[position] ^= flip;
        prop_assert!(check(&changed).is_err());
    }
}
