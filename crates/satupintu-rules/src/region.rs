//! Kemendagri administrative region codes (`PP`, `PP.KK`, `PP.KK.CC`, `PP.KK.CC.DDDD`).
//!
//! The Ministry of Home Affairs (Kemendagri) numbers every province, regency or
//! city, district (kecamatan) and village (desa/kelurahan) with a dotted code whose
//! segments have fixed widths: 2, 2, 2 and 4 digits. Because the widths are fixed,
//! a code's level follows from its length, its ancestors are its prefixes, and the
//! plain string order of codes lists every region right before its descendants.

use std::fmt;
use std::str::FromStr;

/// The four levels of the Kemendagri hierarchy, from the top down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegionLevel {
    /// Provinsi: `PP`.
    Province,
    /// Kabupaten (regency) or kota (city): `PP.KK`.
    Regency,
    /// Kecamatan: `PP.KK.CC`.
    District,
    /// Desa or kelurahan: `PP.KK.CC.DDDD`.
    Village,
}

impl RegionLevel {
    /// Every level, from province down to village.
    pub const ALL: [RegionLevel; 4] =
        [RegionLevel::Province, RegionLevel::Regency, RegionLevel::District, RegionLevel::Village];

    /// The stable machine name: `province`, `regency`, `district` or `village`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::Regency => "regency",
            RegionLevel::District => "district",
            RegionLevel::Village => "village",
        }
    }

    /// How many segments a code of this level has: 1 for a province up to 4 for a village.
    pub fn depth(self) -> u8 {
        match self {
            RegionLevel::Province => 1,
            RegionLevel::Regency => 2,
            RegionLevel::District => 3,
            RegionLevel::Village => 4,
        }
    }

    /// The Indonesian name of the level, as Kemendagri writes it.
    pub fn label_id(self) -> &'static str {
        match self {
            RegionLevel::Province => "Provinsi",
            RegionLevel::Regency => "Kabupaten/Kota",
            RegionLevel::District => "Kecamatan",
            RegionLevel::Village => "Desa/Kelurahan",
        }
    }

    /// The English name of the level.
    pub fn label_en(self) -> &'static str {
        match self {
            RegionLevel::Province => "Province",
            RegionLevel::Regency => "Regency/City",
            RegionLevel::District => "District",
            RegionLevel::Village => "Village",
        }
    }

    /// The level whose codes have `depth` segments, if any.
    fn from_depth(depth: usize) -> Option<RegionLevel> {
        match depth {
            1 => Some(RegionLevel::Province),
            2 => Some(RegionLevel::Regency),
            3 => Some(RegionLevel::District),
            4 => Some(RegionLevel::Village),
            _ => None,
        }
    }
}

impl fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`RegionLevel`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown region level (expected province, regency, district or village)")]
pub struct ParseRegionLevelError;

impl FromStr for RegionLevel {
    type Err = ParseRegionLevelError;

    /// Parses the machine name produced by [`RegionLevel::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionLevel::ALL.into_iter().find(|level| level.as_str() == s).ok_or(ParseRegionLevelError)
    }
}

/// Why a string is not a valid region code. Segments are numbered from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    /// The input was empty.
    #[error("region code is empty")]
    Empty,
    /// The input had more than four dot-separated segments.
    #[error("region code has {0} segments but at most 4 are allowed")]
    TooManySegments(usize),
    /// A segment held something other than the ASCII digits 0-9.
    #[error("region code segment {segment} must contain only the digits 0-9")]
    NotDigits {
        /// Which segment (1-based).
        segment: usize,
    },
    /// A segment had the wrong number of digits (an empty segment has 0).
    #[error("region code segment {segment} must be {expected} digits")]
    WrongLength {
        /// Which segment (1-based).
        segment: usize,
        /// The width that segment must have.
        expected: usize,
    },
    /// A segment was all zeros, which Kemendagri never assigns.
    #[error("region code segment {segment} must not be all zeros")]
    AllZeros {
        /// Which segment (1-based).
        segment: usize,
    },
}

/// The digit width of each segment, from province down to village.
const SEGMENT_WIDTHS: [usize; 4] = [2, 2, 2, 4];

/// A valid Kemendagri region code, such as `32.73.01.1001`.
///
/// Built only through [`RegionCode::parse`] (or [`str::parse`]), so holding one
/// means the shape has already been checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    /// Checks `input` and wraps it. No trimming is done: surrounding whitespace is an error.
    pub fn parse(input: &str) -> Result<RegionCode, RegionCodeError> {
        if input.is_empty() {
            return Err(RegionCodeError::Empty);
        }
        let count = input.split('.').count();
        if count > SEGMENT_WIDTHS.len() {
            return Err(RegionCodeError::TooManySegments(count));
        }
        for ((index, part), expected) in input.split('.').enumerate().zip(SEGMENT_WIDTHS) {
            let segment = index + 1;
            // Digits are checked before the width so that "١١" (Arabic-Indic
            // digits, 4 bytes) is reported as not digits rather than too long.
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(RegionCodeError::NotDigits { segment });
            }
            if part.len() != expected {
                return Err(RegionCodeError::WrongLength { segment, expected });
            }
            if part.bytes().all(|b| b == b'0') {
                return Err(RegionCodeError::AllZeros { segment });
            }
        }
        Ok(RegionCode(input.to_owned()))
    }

    /// The code as written, e.g. `32.73.01`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level, read from the number of segments.
    pub fn level(&self) -> RegionLevel {
        let depth = self.0.split('.').count();
        // parse() admits 1 to 4 segments only; the fallback is unreachable.
        RegionLevel::from_depth(depth).unwrap_or(RegionLevel::Village)
    }

    /// The region one level up, or `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        self.0.rsplit_once('.').map(|(parent, _)| RegionCode(parent.to_owned()))
    }

    /// The province this region lies in (itself for a province).
    pub fn province(&self) -> RegionCode {
        let end = self.0.find('.').unwrap_or(self.0.len());
        RegionCode(self.0[..end].to_owned())
    }

    /// Whether `self` is `ancestor` or lies inside it.
    pub fn is_within(&self, ancestor: &RegionCode) -> bool {
        match self.0.strip_prefix(ancestor.as_str()) {
            // The next character must start a new segment: fixed widths make
            // this redundant for valid codes, but it keeps the rule obvious.
            Some(rest) => rest.is_empty() || rest.starts_with('.'),
            None => false,
        }
    }

    /// For a regency or anything below it: `Some(true)` when the second segment
    /// names a kota (city), `Some(false)` for a kabupaten (regency).
    ///
    /// Kemendagri numbers kabupaten from 01 to 69 and kota from 71 to 99; `70`
    /// is not assigned, so it gives `None`, as does a province.
    pub fn is_city(&self) -> Option<bool> {
        let regency = self.0.split('.').nth(1)?;
        match regency.parse::<u8>().ok()? {
            1..=69 => Some(false),
            71..=99 => Some(true),
            _ => None,
        }
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RegionCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> Result<RegionCode, RegionCodeError> {
        RegionCode::parse(s)
    }

    #[test]
    fn each_level_has_its_shape() -> Result<(), RegionCodeError> {
        assert_eq!(code("32")?.level(), RegionLevel::Province);
        assert_eq!(code("32.73")?.level(), RegionLevel::Regency);
        assert_eq!(code("32.73.01")?.level(), RegionLevel::District);
        assert_eq!(code("32.73.01.1001")?.level(), RegionLevel::Village);
        Ok(())
    }

    #[test]
    fn empty_input_is_rejected() {
        assert_eq!(code(""), Err(RegionCodeError::Empty));
    }

    #[test]
    fn surrounding_or_inner_whitespace_is_rejected() {
        assert_eq!(code(" 32"), Err(RegionCodeError::NotDigits { segment: 1 }));
        assert_eq!(code("32 "), Err(RegionCodeError::NotDigits { segment: 1 }));
        assert_eq!(code("32. 73"), Err(RegionCodeError::NotDigits { segment: 2 }));
    }

    #[test]
    fn extra_or_stray_dots_are_rejected() {
        assert_eq!(code("32.73.01.1001.5"), Err(RegionCodeError::TooManySegments(5)));
        assert_eq!(code("32."), Err(RegionCodeError::WrongLength { segment: 2, expected: 2 }));
        assert_eq!(code(".32"), Err(RegionCodeError::WrongLength { segment: 1, expected: 2 }));
        assert_eq!(code("32..01"), Err(RegionCodeError::WrongLength { segment: 2, expected: 2 }));
    }

    #[test]
    fn segments_of_the_wrong_width_are_rejected() {
        assert_eq!(code("3"), Err(RegionCodeError::WrongLength { segment: 1, expected: 2 }));
        assert_eq!(code("32.7"), Err(RegionCodeError::WrongLength { segment: 2, expected: 2 }));
        assert_eq!(code("32.73.001"), Err(RegionCodeError::WrongLength { segment: 3, expected: 2 }));
        assert_eq!(code("32.73.01.100"), Err(RegionCodeError::WrongLength { segment: 4, expected: 4 }));
        assert_eq!(code("3273"), Err(RegionCodeError::WrongLength { segment: 1, expected: 2 }));
    }

    #[test]
    fn non_ascii_digits_and_letters_are_rejected() {
        assert_eq!(code("٣٢"), Err(RegionCodeError::NotDigits { segment: 1 }));
        assert_eq!(code("３２"), Err(RegionCodeError::NotDigits { segment: 1 }));
        assert_eq!(code("3a"), Err(RegionCodeError::NotDigits { segment: 1 }));
        assert_eq!(code("+3"), Err(RegionCodeError::NotDigits { segment: 1 }));
        assert_eq!(code("32-73"), Err(RegionCodeError::NotDigits { segment: 1 }));
    }

    #[test]
    fn all_zero_segments_are_rejected() {
        assert_eq!(code("00"), Err(RegionCodeError::AllZeros { segment: 1 }));
        assert_eq!(code("32.00"), Err(RegionCodeError::AllZeros { segment: 2 }));
        assert_eq!(code("32.73.00"), Err(RegionCodeError::AllZeros { segment: 3 }));
        assert_eq!(code("32.73.01.0000"), Err(RegionCodeError::AllZeros { segment: 4 }));
    }

    #[test]
    fn error_messages_name_the_segment() {
        let message = RegionCodeError::WrongLength { segment: 2, expected: 2 }.to_string();
        assert_eq!(message, "region code segment 2 must be 2 digits");
        assert_eq!(
            RegionCodeError::AllZeros { segment: 4 }.to_string(),
            "region code segment 4 must not be all zeros"
        );
    }

    #[test]
    fn from_str_and_display_round_trip() -> Result<(), RegionCodeError> {
        let parsed: RegionCode = "32.73.01.1001".parse()?;
        assert_eq!(parsed.to_string(), "32.73.01.1001");
        assert_eq!(parsed.as_str(), "32.73.01.1001");
        Ok(())
    }

    #[test]
    fn parent_walks_up_one_level_and_stops_at_the_province() -> Result<(), RegionCodeError> {
        let village = code("32.73.01.1001")?;
        let district = village.parent();
        assert_eq!(district, Some(code("32.73.01")?));
        let regency = district.and_then(|d| d.parent());
        assert_eq!(regency, Some(code("32.73")?));
        let province = regency.and_then(|r| r.parent());
        assert_eq!(province, Some(code("32")?));
        assert_eq!(code("32")?.parent(), None);
        Ok(())
    }

    #[test]
    fn province_is_the_first_segment() -> Result<(), RegionCodeError> {
        assert_eq!(code("32.73.01.1001")?.province(), code("32")?);
        assert_eq!(code("32")?.province(), code("32")?);
        Ok(())
    }

    #[test]
    fn is_within_holds_for_itself_and_descendants_only() -> Result<(), RegionCodeError> {
        let bandung = code("32.73")?;
        assert!(bandung.is_within(&bandung));
        assert!(code("32.73.01.1001")?.is_within(&bandung));
        assert!(code("32.73.01")?.is_within(&code("32")?));
        assert!(!bandung.is_within(&code("32.73.01")?));
        assert!(!code("32.74.01")?.is_within(&bandung));
        assert!(!code("33.73")?.is_within(&code("32")?));
        Ok(())
    }

    #[test]
    fn regencies_below_70_are_kabupaten_and_above_are_kota() -> Result<(), RegionCodeError> {
        assert_eq!(code("32")?.is_city(), None);
        assert_eq!(code("32.04")?.is_city(), Some(false));
        assert_eq!(code("32.69.01")?.is_city(), Some(false));
        assert_eq!(code("32.70")?.is_city(), None);
        assert_eq!(code("32.71")?.is_city(), Some(true));
        assert_eq!(code("32.73.01.1001")?.is_city(), Some(true));
        assert_eq!(code("32.99")?.is_city(), Some(true));
        Ok(())
    }

    #[test]
    fn codes_sort_each_region_before_its_descendants() -> Result<(), RegionCodeError> {
        let mut codes = [
            code("32.74")?,
            code("32.73.01.1001")?,
            code("33")?,
            code("32.73")?,
            code("32")?,
            code("32.73.01")?,
        ];
        codes.sort();
        let sorted: Vec<&str> = codes.iter().map(RegionCode::as_str).collect();
        assert_eq!(sorted, ["32", "32.73", "32.73.01", "32.73.01.1001", "32.74", "33"]);
        Ok(())
    }

    #[test]
    fn level_names_and_labels_round_trip() {
        for level in RegionLevel::ALL {
            assert_eq!(level.as_str().parse::<RegionLevel>(), Ok(level));
            assert_eq!(level.to_string(), level.as_str());
        }
        assert_eq!(RegionLevel::Regency.label_id(), "Kabupaten/Kota");
        assert_eq!(RegionLevel::Village.label_id(), "Desa/Kelurahan");
        assert_eq!(RegionLevel::Regency.label_en(), "Regency/City");
        assert_eq!(RegionLevel::Province.depth(), 1);
        assert_eq!(RegionLevel::Village.depth(), 4);
        assert_eq!("Province".parse::<RegionLevel>(), Err(ParseRegionLevelError));
        assert_eq!("kota".parse::<RegionLevel>(), Err(ParseRegionLevelError));
    }

    #[test]
    fn depth_matches_the_number_of_segments() -> Result<(), RegionCodeError> {
        for text in ["11", "11.01", "11.01.01", "11.01.01.2001"] {
            let parsed = code(text)?;
            assert_eq!(usize::from(parsed.level().depth()), text.split('.').count());
        }
        Ok(())
    }

    /// A valid code of any level, built segment by segment.
    fn valid_code() -> impl Strategy<Value = String> {
        (1u32..=99, 1u32..=99, 1u32..=99, 1u32..=9999, 1usize..=4).prop_map(|(p, k, c, d, depth)| {
            let segments = [format!("{p:02}"), format!("{k:02}"), format!("{c:02}"), format!("{d:04}")];
            segments[..depth].join(".")
        })
    }

    proptest! {
        #[test]
        fn any_valid_code_round_trips(text in valid_code()) {
            let parsed = RegionCode::parse(&text);
            prop_assert!(parsed.is_ok());
            if let Ok(parsed) = parsed {
                prop_assert_eq!(parsed.to_string(), text.clone());
                prop_assert_eq!(usize::from(parsed.level().depth()), text.split('.').count());
            }
        }

        #[test]
        fn parent_of_a_child_is_its_prefix(text in valid_code()) {
            if let Ok(child) = RegionCode::parse(&text) {
                match child.parent() {
                    Some(parent) => {
                        let prefix = format!("{parent}.");
                        prop_assert!(text.starts_with(&prefix));
                        prop_assert_eq!(parent.level().depth() + 1, child.level().depth());
                        prop_assert!(child.is_within(&parent));
                        prop_assert!(!parent.is_within(&child));
                        prop_assert!(RegionCode::parse(parent.as_str()).is_ok());
                    }
                    None => prop_assert_eq!(child.level(), RegionLevel::Province),
                }
                prop_assert!(child.is_within(&child.province()));
            } else {
                prop_assert!(false, "generated code {} did not parse", text);
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(text in any::<String>()) {
            if let Ok(parsed) = RegionCode::parse(&text) {
                // Whatever is accepted is exactly one of the four shapes.
                prop_assert!(matches!(parsed.as_str().len(), 2 | 5 | 8 | 13));
                prop_assert!(parsed.as_str().bytes().all(|b| b.is_ascii_digit() || b == b'.'));
            }
        }

        #[test]
        fn digit_and_dot_strings_never_panic(text in "[0-9.]{0,16}") {
            if let Ok(parsed) = RegionCode::parse(&text) {
                prop_assert_eq!(parsed.as_str(), text.as_str());
                let _ = (parsed.level(), parsed.parent(), parsed.is_city());
            }
        }
    }
}
