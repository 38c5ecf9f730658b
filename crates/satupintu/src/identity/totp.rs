//! Second factor: time-based one-time codes (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps,
//! one step of clock drift either way, each code usable once) and single-use recovery codes,
//! stored only as SHA-256 digests.

use anyhow::Context;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use totp_rs::{Algorithm, TOTP};

/// Digits in a code.
pub const DIGITS: usize = 6;

/// Seconds in a time step.
pub const STEP_SECONDS: u64 = 30;

/// How many recovery codes a person gets at a time.
pub const RECOVERY_CODES: usize = 10;

/// Recovery-code characters: lower-case letters and digits without the look-alikes
/// 0/o, 1/l/i.
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// What the QR code's `aria-label` says.
/// The label of the enrolment QR code.
pub const QR_LABEL: &str = "QR code for an authenticator app";

/// Why a one-time code was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TotpProblem {
    /// Not six digits.
    #[error("the code is not six digits")]
    Malformed,
    /// Not the code of the current step, the one before or the one after.
    #[error("the code is wrong")]
    Wrong,
    /// Right, but its step was already used: a replayed code.
    #[error("the code was already used")]
    Reused,
}

/// A fresh 160-bit secret (the size RFC 4226 §4 recommends).
pub fn new_secret() -> anyhow::Result<[u8; 20]> {
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness for a TOTP secret: {e}"))?;
    Ok(secret)
}

fn totp(secret: &[u8], issuer: Option<String>, account: String) -> TOTP {
    // `new_unchecked` takes any secret length; `otpauth_uri` uses the checked `new`.
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret.to_vec(), issuer, account)
}

/// The secret in base32 without padding, for typing into an authenticator app by hand.
pub fn secret_base32(secret: &[u8]) -> String {
    totp(secret, None, String::new()).get_secret_base32()
}

/// The `otpauth://totp/…` URI an authenticator app reads from the QR code. Colons in the
/// issuer or account (which separate them in the label) become spaces.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> anyhow::Result<String> {
    let issuer = issuer.replace(':', " ");
    let account = account.replace(':', " ");
    let totp = TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret.to_vec(), Some(issuer), account)
        .context("could not describe the TOTP secret as a URI")?;
    let mut uri = totp.get_url();
    // totp-rs leaves out parameters that equal the defaults of Google's key-URI format; some
    // apps assume other defaults, so we always spell them out.
    for (name, value) in [("digits", "6"), ("period", "30"), ("algorithm", "SHA1")] {
        if !uri.contains(&format!("{name}=")) {
            uri.push_str(&format!("&{name}={value}"));
        }
    }
    Ok(uri)
}

/// The QR code of a URI as an inline `<svg>` element (no XML declaration, no `style`, so it
/// passes a CSP without `style-src 'unsafe-inline'`), labelled for screen readers. The label
/// is plain text without quotes.
pub fn qr_svg(uri: &str, label: &str) -> anyhow::Result<String> {
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)
        .context("the URI does not fit in a QR code")?;
    let image = code.render::<svg::Color>().quiet_zone(true).min_dimensions(200, 200).build();
    let start = image.find("<svg").context("the QR renderer made no <svg> element")?;
    let svg = image[start..].replacen("<svg", &format!(r#"<svg role="img" aria-label="{label}""#), 1);
    anyhow::ensure!(!svg.contains("style"), "the QR renderer added styles, which the CSP blocks");
    Ok(svg)
}

/// The code for a moment (seconds since the Unix epoch).
pub fn code_at(secret: &[u8], unix: u64) -> String {
    totp(secret, None, String::new()).generate(unix)
}

/// Checks a code typed at `now_unix` against the steps before, at and after now, and
/// returns the step it matched; the caller stores it as the new `last_used_step`, so the
/// same code (or an older one) is refused next time. Spaces are ignored (apps show
/// `123 456`).
pub fn verify(
    secret: &[u8],
    code: &str,
    now_unix: u64,
    last_used_step: Option<i64>,
) -> Result<i64, TotpProblem> {
    let code: String = code.chars().filter(|c| *c != ' ').collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpProblem::Malformed);
    }
    let now = i64::try_from(now_unix / STEP_SECONDS).map_err(|_| TotpProblem::Wrong)?;
    let totp = totp(secret, None, String::new());
    let mut fresh = None;
    let mut reused = false;
    // All three steps are compared, each in constant time, whatever matches first.
    for step in [now - 1, now, now + 1] {
        let Some(moment) = u64::try_from(step).ok().and_then(|step| step.checked_mul(STEP_SECONDS)) else {
            continue;
        };
        if !same_bytes(totp.generate(moment).as_bytes(), code.as_bytes()) {
            continue;
        }
        if last_used_step.is_some_and(|last| step <= last) {
            reused = true;
        } else if fresh.is_none() {
            fresh = Some(step);
        }
    }
    match (fresh, reused) {
        (Some(step), _) => Ok(step),
        (None, true) => Err(TotpProblem::Reused),
        (None, false) => Err(TotpProblem::Wrong),
    }
}

/// Compares two byte strings without stopping at the first difference.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

/// Ten fresh recovery codes, each ten characters from an alphabet without look-alikes,
/// shown as `xxxxx-xxxxx`. Store only their [`recovery_code_digest`]s.
pub fn new_recovery_codes() -> anyhow::Result<Vec<String>> {
    (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect()
}

fn new_recovery_code() -> anyhow::Result<String> {
    // Bytes at or above the largest multiple of the alphabet's size are dropped, so every
    // character is equally likely.
    let limit = 256 - 256 % RECOVERY_ALPHABET.len();
    let mut chars = Vec::with_capacity(10);
    while chars.len() < 10 {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for a recovery code: {e}"))?;
        chars.extend(
            bytes
                .iter()
                .map(|b| usize::from(*b))
                .filter(|b| *b < limit)
                .map(|b| char::from(RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.len()]))
                .take(10 - chars.len()),
        );
    }
    let (head, tail) = chars.split_at(5);
    Ok(format!("{}-{}", head.iter().collect::<String>(), tail.iter().collect::<String>()))
}

/// The hex SHA-256 of a recovery code as typed, after lower-casing it and removing spaces
/// and dashes, so `ABCDE-FGHJK`, `abcde fghjk` and `abcdefghjk` have one digest.
pub fn recovery_code_digest(code: &str) -> String {
    let normalised: String =
        code.chars().filter(|c| !matches!(c, ' ' | '-')).flat_map(char::to_lowercase).collect();
    crate::digest::sha256_hex(normalised.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_6238_sha1_test_vectors() {
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(RFC_SECRET, time), code, "at {time}");
            assert_eq!(verify(RFC_SECRET, code, time, None), Ok(i64::try_from(time / 30).unwrap_or(-1)));
        }
    }

    #[test]
    fn one_step_of_drift_either_way_is_accepted_and_two_are_not() {
        let now = 1_234_567_890;
        let step = 1_234_567_890 / 30;
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now - 30), now, None), Ok(step - 1));
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now + 30), now, None), Ok(step + 1));
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now - 60), now, None), Err(TotpProblem::Wrong));
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now + 60), now, None), Err(TotpProblem::Wrong));
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, 59), 10, None), Ok(1), "no step before zero");
    }

    #[test]
    fn a_code_is_usable_once() {
        let now = 1_234_567_890;
        let code = code_at(RFC_SECRET, now);
        let step = verify(RFC_SECRET, &code, now, None);
        assert_eq!(step, Ok(now as i64 / 30));
        let last = step.ok();
        assert_eq!(verify(RFC_SECRET, &code, now + 5, last), Err(TotpProblem::Reused));
        let older = code_at(RFC_SECRET, now - 30);
        assert_eq!(verify(RFC_SECRET, &older, now, last), Err(TotpProblem::Reused), "nor an older one");
        let next = code_at(RFC_SECRET, now + 30);
        assert_eq!(verify(RFC_SECRET, &next, now + 30, last), Ok(now as i64 / 30 + 1));
    }

    #[test]
    fn codes_must_be_six_digits_and_may_have_spaces() {
        for code in ["12345", "abcdef", "1234567", "", "１２３４５６", "12345a", "+12345"] {
            assert_eq!(verify(RFC_SECRET, code, 59, None), Err(TotpProblem::Malformed), "{code:?}");
        }
        assert_eq!(verify(RFC_SECRET, " 287 082 ", 59, None), Ok(1));
    }

    #[test]
    fn the_uri_names_every_parameter_and_survives_colons_and_spaces() -> anyhow::Result<()> {
        let secret = new_secret()?;
        let uri = otpauth_uri(&secret, "Satu Pintu: Kota Surabaya", "budi@example.id")?;
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        for part in [
            &format!("secret={}", secret_base32(&secret)),
            "issuer=Satu%20Pintu%20%20Kota%20Surabaya",
            "digits=6",
            "period=30",
            "algorithm=SHA1",
        ] {
            assert!(uri.contains(part), "{part} in {uri}");
        }
        assert!(otpauth_uri(&secret[..8], "Satu Pintu", "budi").is_err(), "64-bit secrets are too short");
        Ok(())
    }

    #[test]
    fn secrets_are_random_and_base32_without_padding() -> anyhow::Result<()> {
        assert_ne!(new_secret()?, new_secret()?);
        assert_eq!(secret_base32(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(secret_base32(b"12345"), "GEZDGNBV");
        assert_eq!(secret_base32(b"1"), "GE", "no padding");
        Ok(())
    }

    #[test]
    fn the_qr_code_is_a_labelled_inline_svg_without_styles() -> anyhow::Result<()> {
        let svg =
            qr_svg(&otpauth_uri(&new_secret()?, "Satu Pintu Kota Surabaya", "budi@example.id")?, QR_LABEL)?;
        assert!(svg.starts_with(r#"<svg role="img" aria-label=""#), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("style") && !svg.contains("<?xml"), "{svg}");
        Ok(())
    }

    #[test]
    fn recovery_codes_are_ten_distinct_codes_of_the_right_shape() -> anyhow::Result<()> {
        let codes = new_recovery_codes()?;
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        for code in &codes {
            let (head, tail) = code.split_once('-').unwrap_or_default();
            assert_eq!((head.len(), tail.len()), (5, 5), "{code}");
            assert!(head.bytes().chain(tail.bytes()).all(|b| RECOVERY_ALPHABET.contains(&b)), "{code}");
            assert!(!code.contains(['0', 'o', 'O', '1', 'l', 'I', 'i']), "{code}");
        }
        Ok(())
    }

    #[test]
    fn recovery_code_digests_ignore_case_spaces_and_dashes() {
        let digest = recovery_code_digest("abcde-fghjk");
        assert_eq!(digest, crate::digest::sha256_hex(b"abcdefghjk"));
        assert_eq!(recovery_code_digest("ABCDE-FGHJK"), digest);
        assert_eq!(recovery_code_digest(" abcde fghjk "), digest);
        assert_eq!(recovery_code_digest("abcdefghjk"), digest);
        assert_ne!(recovery_code_digest("abcde-fghjm"), digest);
    }
}
