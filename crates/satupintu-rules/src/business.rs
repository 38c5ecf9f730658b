//! Business and tax identifiers: NIB (OSS business number) and NPWP (taxpayer number).
//!
//! The NIB (Nomor Induk Berusaha) is the 13-digit number the OSS system gives a
//! business (PP 5/2021, now PP 28/2025). The NPWP (Nomor Pokok Wajib Pajak) had
//! 15 digits, `XX.XXX.XXX.X-XXX.XXX`, whose 9th digit is a Luhn check digit
//! over the first 8; since 2024 it has 16 digits and, for individuals, equals
//! the NIK.

use std::fmt;
use std::str::FromStr;

/// The number of digits in a NIB.
const NIB_LEN: usize = 13;

/// The number of digits in an old-format NPWP.
const NPWP_LEGACY_LEN: usize = 15;

/// The number of digits in an NPWP issued since 2024.
const NPWP_LEN: usize = 16;

/// How an old-format NPWP is punctuated: `9` stands for a digit.
const NPWP_LEGACY_PATTERN: &[u8; 20] = b"99.999.999.9-999.999";

/// How many leading digits of an old-format NPWP the Luhn check covers (the
/// 9th being the check digit itself).
const NPWP_LUHN_LEN: usize = 9;

/// Why a string is not a valid NIB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum NibError {
    /// The input (after trimming surrounding whitespace) was not 13 characters long.
    #[error("NIB must be exactly 13 digits")]
    Length,
    /// The input held something other than the ASCII digits 0-9.
    #[error("NIB must contain only the digits 0-9")]
    NotDigits,
}

impl NibError {
    /// A stable snake_case code for the error, for API responses and metrics.
    pub fn code(self) -> &'static str {
        match self {
            NibError::Length => "length",
            NibError::NotDigits => "not_digits",
        }
    }
}

/// A NIB (Nomor Induk Berusaha): 13 ASCII digits.
///
/// Built only through [`Nib::parse`] (or [`str::parse`]). Whether the number
/// was actually issued by OSS is for the application to check.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nib(String);

impl Nib {
    /// Checks `input` and wraps it. Surrounding whitespace is ignored; inside,
    /// only the 13 digits are allowed.
    pub fn parse(input: &str) -> Result<Nib, NibError> {
        let digits = input.trim();
        // Digits first, so that non-ASCII digits are not reported as a length problem.
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NibError::NotDigits);
        }
        if digits.len() != NIB_LEN {
            return Err(NibError::Length);
        }
        Ok(Nib(digits.to_owned()))
    }

    /// The 13 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Nib {
    type Err = NibError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nib::parse(s)
    }
}

impl fmt::Display for Nib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a string is not a valid NPWP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum NpwpError {
    /// The input did not have 15 or 16 digits.
    #[error("NPWP must be 15 digits (old format) or 16 digits")]
    Length,
    /// The input held something other than ASCII digits, dots and dashes.
    #[error("NPWP must contain only the digits 0-9, optionally punctuated as XX.XXX.XXX.X-XXX.XXX")]
    NotDigits,
    /// The 9th digit of an old-format NPWP does not match the first 8 (Luhn).
    #[error("NPWP check digit (9th digit) does not match the first 8 digits")]
    CheckDigit,
    /// Dots or dashes were not where `XX.XXX.XXX.X-XXX.XXX` puts them.
    #[error("NPWP punctuation must follow XX.XXX.XXX.X-XXX.XXX exactly, or be left out")]
    Format,
}

impl NpwpError {
    /// A stable snake_case code for the error, for API responses and metrics.
    pub fn code(self) -> &'static str {
        match self {
            NpwpError::Length => "length",
            NpwpError::NotDigits => "not_digits",
            NpwpError::CheckDigit => "check_digit",
            NpwpError::Format => "format",
        }
    }
}

/// An NPWP (Nomor Pokok Wajib Pajak), held as its bare digits.
///
/// Either the old 15-digit form, whose Luhn check digit has been verified, or
/// the 16-digit form used since 2024. A 16-digit NPWP of an individual equals
/// their NIK, but it is not checked as one here: businesses have 16-digit
/// NPWPs too.
///
/// Because a 16-digit NPWP can be a NIK, `Debug` masks all but the last four
/// digits; `Display`, [`Npwp::as_str`] and [`Npwp::formatted`] give them all.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Npwp(String);

impl Npwp {
    /// Checks `input` and stores its digits.
    ///
    /// Surrounding whitespace is ignored. Accepted: 15 digits, written plain or
    /// exactly as `XX.XXX.XXX.X-XXX.XXX`, with a valid check digit; or 16 plain
    /// digits.
    pub fn parse(input: &str) -> Result<Npwp, NpwpError> {
        let trimmed = input.trim();
        if !trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') {
            return Err(NpwpError::NotDigits);
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if digits.len() != NPWP_LEGACY_LEN && digits.len() != NPWP_LEN {
            return Err(NpwpError::Length);
        }
        let punctuated = digits.len() != trimmed.len();
        // Only the old format has a written form with punctuation.
        if punctuated && !matches_legacy_pattern(trimmed) {
            return Err(NpwpError::Format);
        }
        if digits.len() == NPWP_LEGACY_LEN && !luhn_valid(&digits.as_bytes()[..NPWP_LUHN_LEN]) {
            return Err(NpwpError::CheckDigit);
        }
        Ok(Npwp(digits))
    }

    /// The bare digits (15 or 16).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is an old-format (15-digit) NPWP.
    pub fn is_legacy(&self) -> bool {
        self.0.len() == NPWP_LEGACY_LEN
    }

    /// The customary written form: `XX.XXX.XXX.X-XXX.XXX` for an old-format
    /// NPWP, the plain 16 digits for a new one.
    pub fn formatted(&self) -> String {
        if !self.is_legacy() {
            return self.0.clone();
        }
        let mut digits = self.0.chars();
        NPWP_LEGACY_PATTERN
            .iter()
            .filter_map(|&slot| if slot == b'9' { digits.next() } else { Some(char::from(slot)) })
            .collect()
    }
}

impl FromStr for Npwp {
    type Err = NpwpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Npwp::parse(s)
    }
}

impl fmt::Display for Npwp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Npwp {
    /// Shows only the last four digits, e.g. `Npwp("************0001")`: a
    /// 16-digit NPWP can be a NIK, which is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.0.len().saturating_sub(4);
        let masked = format!("{}{}", "*".repeat(shown), &self.0[shown..]);
        f.debug_tuple("Npwp").field(&masked).finish()
    }
}

/// Whether `text` is punctuated exactly like `XX.XXX.XXX.X-XXX.XXX`.
fn matches_legacy_pattern(text: &str) -> bool {
    text.len() == NPWP_LEGACY_PATTERN.len()
        && text.bytes().zip(NPWP_LEGACY_PATTERN).all(|(b, &slot)| match slot {
            b'9' => b.is_ascii_digit(),
            punctuation => b == punctuation,
        })
}

/// The Luhn (mod 10) check over ASCII digits whose last one is the check digit.
///
/// From the right, every second digit is doubled (subtracting 9 when that
/// exceeds 9), and the sum of all digits must end in 0.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, &b)| {
            let digit = u32::from(b - b'0');
            match (index % 2 == 1, digit * 2) {
                (false, _) => digit,
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Published examples of valid old-format NPWPs (python-stdnum's `stdnum.id.npwp`
    /// and Perl's `Business::ID::NPWP` documentation).
    const PUBLISHED_NPWPS: [&str; 4] =
        ["013121660091000", "016090524017000", "013000666091000", "021832415000000"];

    /// Computes the check digit the slow, textbook way, independently of `luhn_valid`:
    /// the digit that makes the weighted sum of the first 9 digits end in 0.
    fn check_digit(first8: &str) -> char {
        let weighted: u32 = first8
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                // The 9th digit has weight 1, so the 8th has weight 2, the 7th 1, …
                let weight = if i % 2 == 1 { 2 } else { 1 };
                let product = u32::from(b - b'0') * weight;
                product / 10 + product % 10
            })
            .sum();
        char::from_digit((10 - weighted % 10) % 10, 10).unwrap()
    }

    #[test]
    fn a_13_digit_nib_is_accepted() -> Result<(), NibError> {
        let nib = Nib::parse(" 9120001234567 ")?;
        assert_eq!(nib.as_str(), "9120001234567");
        assert_eq!(nib.to_string(), "9120001234567");
        assert_eq!("9120001234567".parse::<Nib>()?, nib);
        Ok(())
    }

    #[test]
    fn a_nib_of_the_wrong_length_is_rejected() {
        assert_eq!(Nib::parse(""), Err(NibError::Length));
        assert_eq!(Nib::parse("912000123456"), Err(NibError::Length));
        assert_eq!(Nib::parse("91200012345678"), Err(NibError::Length));
    }

    #[test]
    fn a_nib_with_anything_but_ascii_digits_is_rejected() {
        assert_eq!(Nib::parse("912000123456A"), Err(NibError::NotDigits));
        assert_eq!(Nib::parse("9120-0012-34567"), Err(NibError::NotDigits));
        assert_eq!(Nib::parse("912 0001234567"), Err(NibError::NotDigits));
        assert_eq!(Nib::parse("٩١٢٠٠٠١٢٣٤٥٦٧"), Err(NibError::NotDigits));
    }

    #[test]
    fn published_npwps_pass_the_check_digit() -> Result<(), NpwpError> {
        for example in PUBLISHED_NPWPS {
            let npwp = Npwp::parse(example)?;
            assert!(npwp.is_legacy());
            assert_eq!(npwp.as_str(), example);
            assert_eq!(check_digit(&example[..8]), char::from(example.as_bytes()[8]), "{example}");
        }
        Ok(())
    }

    #[test]
    fn constructed_npwps_pass_the_check_digit() -> Result<(), NpwpError> {
        // 0,1,2,3,4,5,6,7: doubling 7,5,3,1 gives 5+1+6+2, plus 0+2+4+6 = 26, so 4.
        assert_eq!(check_digit("01234567"), '4');
        assert_eq!(Npwp::parse("012345674012000")?.as_str(), "012345674012000");
        // 9,9,9,9,9,9,9,9: four doubled 9s give 9 each, plus four 9s = 72, so 8.
        assert_eq!(check_digit("99999999"), '8');
        assert!(Npwp::parse("999999998999999")?.is_legacy());
        Ok(())
    }

    #[test]
    fn the_dotted_form_is_accepted_and_normalised() -> Result<(), NpwpError> {
        let npwp = Npwp::parse("  01.312.166.0-091.000 ")?;
        assert_eq!(npwp.as_str(), "013121660091000");
        assert_eq!(npwp.formatted(), "01.312.166.0-091.000");
        assert_eq!(npwp.to_string(), "013121660091000");
        assert_eq!(npwp, Npwp::parse("013121660091000")?);
        assert_eq!(Npwp::parse("013000666091000")?.formatted(), "01.300.066.6-091.000");
        Ok(())
    }

    #[test]
    fn changing_any_of_the_first_nine_digits_breaks_the_check() {
        for example in PUBLISHED_NPWPS.iter().copied().chain(["012345674012000"]) {
            for position in 0..9 {
                for replacement in b'0'..=b'9' {
                    let mut bytes = example.as_bytes().to_vec();
                    if bytes[position] == replacement {
                        continue;
                    }
                    bytes[position] = replacement;
                    let altered = String::from_utf8(bytes).unwrap();
                    assert_eq!(Npwp::parse(&altered), Err(NpwpError::CheckDigit), "{altered}");
                }
            }
        }
    }

    #[test]
    fn the_last_six_digits_are_not_checked() -> Result<(), NpwpError> {
        assert_eq!(Npwp::parse("013121660999999")?.formatted(), "01.312.166.0-999.999");
        Ok(())
    }

    #[test]
    fn a_16_digit_npwp_needs_only_digits() -> Result<(), NpwpError> {
        // An individual's NPWP is their NIK; any 16 digits are accepted.
        let npwp = Npwp::parse("3578014708900001")?;
        assert!(!npwp.is_legacy());
        assert_eq!(npwp.as_str(), "3578014708900001");
        assert_eq!(npwp.formatted(), "3578014708900001");
        assert_eq!(Npwp::parse("0000000000000000")?.as_str(), "0000000000000000");
        Ok(())
    }

    #[test]
    fn misplaced_punctuation_is_a_format_error() {
        assert_eq!(Npwp::parse("01.312.166.0.091.000"), Err(NpwpError::Format));
        assert_eq!(Npwp::parse("013.121.660-091.000"), Err(NpwpError::Format));
        assert_eq!(Npwp::parse("01.312.1660-091000"), Err(NpwpError::Format));
        assert_eq!(Npwp::parse("01..312.166.0-091.000"), Err(NpwpError::Format));
        assert_eq!(Npwp::parse("013121660-091000"), Err(NpwpError::Format));
        assert_eq!(Npwp::parse("01.312.166.0-091.000.1"), Err(NpwpError::Format));
        // The 16-digit form has no punctuated spelling.
        assert_eq!(Npwp::parse("3578.0147.0890.0001"), Err(NpwpError::Format));
    }

    #[test]
    fn wrong_digit_counts_are_a_length_error() {
        assert_eq!(Npwp::parse(""), Err(NpwpError::Length));
        assert_eq!(Npwp::parse("01312166009100"), Err(NpwpError::Length));
        assert_eq!(Npwp::parse("01.312.166.0-091.00"), Err(NpwpError::Length));
        assert_eq!(Npwp::parse("01.312.166.0-091.000.12"), Err(NpwpError::Length));
        assert_eq!(Npwp::parse("35780147089000011"), Err(NpwpError::Length));
    }

    #[test]
    fn other_characters_are_rejected() {
        assert_eq!(Npwp::parse("01 312 166 0 091 000"), Err(NpwpError::NotDigits));
        assert_eq!(Npwp::parse("01/312/166/0-091/000"), Err(NpwpError::NotDigits));
        assert_eq!(Npwp::parse("O13121660091000"), Err(NpwpError::NotDigits));
        assert_eq!(Npwp::parse("٠١٣١٢١٦٦٠٠٩١٠٠٠"), Err(NpwpError::NotDigits));
        assert_eq!(Npwp::parse("01.312.166.0–091.000"), Err(NpwpError::NotDigits));
    }

    #[test]
    fn debug_masks_all_but_the_last_four_digits() -> Result<(), NpwpError> {
        assert_eq!(format!("{:?}", Npwp::parse("3578014708900001")?), r#"Npwp("************0001")"#);
        assert_eq!(format!("{:?}", Npwp::parse("013121660091000")?), r#"Npwp("***********1000")"#);
        Ok(())
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(NibError::Length.code(), "length");
        assert_eq!(NibError::NotDigits.code(), "not_digits");
        assert_eq!(NpwpError::Length.code(), "length");
        assert_eq!(NpwpError::NotDigits.code(), "not_digits");
        assert_eq!(NpwpError::CheckDigit.code(), "check_digit");
        assert_eq!(NpwpError::Format.code(), "format");
        assert_eq!(NibError::Length.to_string(), "NIB must be exactly 13 digits");
        assert_eq!(
            NpwpError::CheckDigit.to_string(),
            "NPWP check digit (9th digit) does not match the first 8 digits"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(input in any::<String>()) {
            if let Ok(nib) = Nib::parse(&input) {
                prop_assert_eq!(nib.as_str(), input.trim());
            }
            if let Ok(npwp) = Npwp::parse(&input) {
                prop_assert_eq!(Npwp::parse(&npwp.formatted()), Ok(npwp.clone()));
                prop_assert_eq!(Npwp::parse(npwp.as_str()), Ok(npwp));
            }
        }

        #[test]
        fn npwp_like_strings_never_panic(input in "[0-9.\\- ]{0,24}") {
            if let Ok(npwp) = Npwp::parse(&input) {
                prop_assert!(npwp.as_str().bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(Npwp::parse(&npwp.formatted()), Ok(npwp));
            }
        }

        #[test]
        fn any_13_digits_are_a_nib(digits in "[0-9]{13}") {
            prop_assert_eq!(Nib::parse(&digits).map(|n| n.to_string()), Ok(digits));
        }

        #[test]
        fn any_16_digits_are_a_new_npwp(digits in "[0-9]{16}") {
            let npwp = Npwp::parse(&digits);
            prop_assert_eq!(npwp.as_ref().map(Npwp::is_legacy), Ok(false));
            prop_assert_eq!(npwp.map(|n| n.formatted()), Ok(digits));
        }

        #[test]
        fn exactly_one_check_digit_fits_any_8_digits(first8 in "[0-9]{8}", rest in "[0-9]{6}") {
            let valid: Vec<char> = ('0'..='9')
                .filter(|c| Npwp::parse(&format!("{first8}{c}{rest}")).is_ok())
                .collect();
            prop_assert_eq!(valid, vec![check_digit(&first8)]);
        }

        #[test]
        fn old_npwps_round_trip_through_the_dotted_form(first8 in "[0-9]{8}", rest in "[0-9]{6}") {
            let digits = format!("{first8}{}{rest}", check_digit(&first8));
            let npwp = Npwp::parse(&digits);
            prop_assert!(npwp.is_ok(), "{}", digits);
            let formatted = npwp.as_ref().map(Npwp::formatted).unwrap_or_default();
            prop_assert_eq!(formatted.len(), 20);
            prop_assert_eq!(Npwp::parse(&formatted), npwp);
        }
    }
}
