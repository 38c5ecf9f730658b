//! NIK (Nomor Induk Kependudukan), the 16-digit population identity number.
//!
//! UU 24/2013 (Administrasi Kependudukan) gives every resident one NIK, written
//! `PPKKCC DDMMYY SSSS`: the province, regency/city and district (kecamatan)
//! where it was registered, the date of birth with 40 added to the day for
//! women, and a serial number. The year has two digits; the century is the one
//! that does not put the birth in the future.

use std::fmt;

use jiff::civil::Date;

use crate::region::{RegionCode, RegionCodeError};

/// The number of digits in a NIK.
const NIK_LEN: usize = 16;

/// Adminduk rule: a woman's NIK carries her day of birth plus 40.
const FEMALE_DAY_OFFSET: i8 = 40;

/// Why a string is not a valid NIK. Digit positions in the messages count from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum NikError {
    /// The input (after trimming surrounding whitespace) was not 16 characters long.
    #[error("NIK must be exactly 16 digits")]
    Length,
    /// The input held something other than the ASCII digits 0-9.
    #[error("NIK must contain only the digits 0-9")]
    NotDigits,
    /// The province code (digits 1-2) was `00`.
    #[error("NIK province code (digits 1-2) must not be 00")]
    ProvinceZero,
    /// The regency/city code (digits 3-4) was `00`.
    #[error("NIK regency/city code (digits 3-4) must not be 00")]
    RegencyZero,
    /// The district code (digits 5-6) was `00`.
    #[error("NIK district code (digits 5-6) must not be 00")]
    DistrictZero,
    /// The day of birth (digits 7-8) was outside 01-31 (men) and 41-71 (women).
    #[error("NIK day of birth (digits 7-8) must be 01-31, or 41-71 for women")]
    BirthDay,
    /// The month of birth (digits 9-10) was outside 01-12.
    #[error("NIK month of birth (digits 9-10) must be 01-12")]
    BirthMonth,
    /// The day, month and year of birth do not form a real calendar date, such as
    /// 31 April or 29 February of a year that is not a leap year.
    #[error("NIK date of birth is not a real calendar date")]
    BirthDate,
    /// The serial number (digits 13-16) was `0000`.
    #[error("NIK serial number (digits 13-16) must not be 0000")]
    SerialZero,
}

impl NikError {
    /// A stable snake_case code for the error, for API responses and metrics.
    pub fn code(self) -> &'static str {
        match self {
            NikError::Length => "length",
            NikError::NotDigits => "not_digits",
            NikError::ProvinceZero => "province_zero",
            NikError::RegencyZero => "regency_zero",
            NikError::DistrictZero => "district_zero",
            NikError::BirthDay => "birth_day",
            NikError::BirthMonth => "birth_month",
            NikError::BirthDate => "birth_date",
            NikError::SerialZero => "serial_zero",
        }
    }

    /// Maps a rejected `PP.KK.CC` code to the NIK segment at fault.
    fn from_region(error: RegionCodeError) -> NikError {
        match error {
            RegionCodeError::AllZeros { segment: 1 } => NikError::ProvinceZero,
            RegionCodeError::AllZeros { segment: 2 } => NikError::RegencyZero,
            RegionCodeError::AllZeros { .. } => NikError::DistrictZero,
            // The six characters were already checked to be ASCII digits, so
            // the code has the right shape and only all-zero segments can fail.
            RegionCodeError::Empty
            | RegionCodeError::TooManySegments(_)
            | RegionCodeError::NotDigits { .. }
            | RegionCodeError::WrongLength { .. } => NikError::NotDigits,
        }
    }
}

/// Sex as recorded in a NIK (through the +40 on the day of birth).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Laki-laki: the day of birth is written as is (01-31).
    Male,
    /// Perempuan: the day of birth is written plus 40 (41-71).
    Female,
}

impl Sex {
    /// The one-letter code: `M` or `F`.
    pub fn as_code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

/// A NIK whose shape, date of birth and serial have been checked.
///
/// Built only through [`Nik::parse`]. Whether its province, regency and
/// district codes exist in the Kemendagri region table is **not** checked here
/// (this crate has no data): the application, which holds the region table,
/// must look up [`Nik::district_code`] before trusting the place of
/// registration.
///
/// `Debug` masks all but the last four digits so that a NIK (personal data
/// under UU 27/2022 PDP) does not leak into logs; `Display` and
/// [`Nik::as_str`] give the full number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik {
    /// The 16 ASCII digits.
    digits: String,
    /// `PP.KK.CC`, checked when the NIK was parsed.
    district: RegionCode,
    /// The date of birth, with the century resolved against the parse date.
    birth_date: Date,
}

impl Nik {
    /// Checks `input` and wraps it.
    ///
    /// Leading and trailing whitespace is ignored; anything else must be
    /// exactly 16 ASCII digits (no spaces, dots or dashes inside). `today` is
    /// the date the NIK is checked on: the two-digit year of birth is read as
    /// the most recent year ending in those digits whose date is not after
    /// `today`. For any `today` in 2000-2099 that is `20YY` when that date has
    /// passed and `19YY` otherwise.
    pub fn parse(input: &str, today: Date) -> Result<Nik, NikError> {
        let digits = input.trim();
        // Digits are checked before the length so that 16 Arabic-Indic digits
        // (32 bytes) are reported as not digits rather than too long.
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NikError::NotDigits);
        }
        let bytes: &[u8; NIK_LEN] = digits.as_bytes().try_into().map_err(|_| NikError::Length)?;

        // RegionCode already rejects the all-zero segments Kemendagri never assigns.
        let district = RegionCode::parse(&format!("{}.{}.{}", &digits[0..2], &digits[2..4], &digits[4..6]))
            .map_err(NikError::from_region)?;

        let day_field = two_digits(bytes[6], bytes[7]);
        let day = match day_field {
            1..=31 => day_field,
            41..=71 => day_field - FEMALE_DAY_OFFSET,
            _ => return Err(NikError::BirthDay),
        };
        let month = two_digits(bytes[8], bytes[9]);
        if !(1..=12).contains(&month) {
            return Err(NikError::BirthMonth);
        }
        let year = two_digits(bytes[10], bytes[11]);
        let birth_date = resolve_birth_date(year, month, day, today)?;

        if &digits[12..] == "0000" {
            return Err(NikError::SerialZero);
        }
        Ok(Nik { digits: digits.to_owned(), district, birth_date })
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The province of registration, `PP`.
    pub fn province_code(&self) -> RegionCode {
        self.district.province()
    }

    /// The regency or city of registration, `PP.KK`.
    pub fn regency_code(&self) -> RegionCode {
        // A district code always has a parent; the fallback is unreachable.
        self.district.parent().unwrap_or_else(|| self.district.clone())
    }

    /// The district (kecamatan) of registration, `PP.KK.CC`.
    pub fn district_code(&self) -> RegionCode {
        self.district.clone()
    }

    /// The date of birth, with the +40 for women removed and the century resolved.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The sex, read from the day of birth (women have 40 added).
    pub fn sex(&self) -> Sex {
        // parse() admits days 01-31 (men) and 41-71 (women) only.
        if self.digits.as_bytes()[6] >= b'4' { Sex::Female } else { Sex::Male }
    }

    /// The four-digit serial number, never `0000`.
    pub fn serial(&self) -> &str {
        &self.digits[12..]
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

impl fmt::Debug for Nik {
    /// Shows only the serial, e.g. `Nik("************0001")`: a NIK is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = format!("{}{}", "*".repeat(12), self.serial());
        f.debug_tuple("Nik").field(&masked).finish()
    }
}

/// The number written by two ASCII digits, 0-99.
fn two_digits(tens: u8, ones: u8) -> i8 {
    // Both bytes are ASCII digits, so each value is 0-9 and the casts are lossless.
    (tens - b'0') as i8 * 10 + (ones - b'0') as i8
}

/// The latest real date with year `…YY`, `month` and `day` that is not after `today`.
///
/// Only two centuries can qualify: today's, and the one before (whose date is
/// always in the past). If neither gives a real date that is not after today,
/// the date of birth is reported as not real.
fn resolve_birth_date(yy: i8, month: i8, day: i8, today: Date) -> Result<Date, NikError> {
    let century_start = today.year().div_euclid(100) * 100;
    let this_century = century_start + i16::from(yy);
    [this_century, this_century - 100]
        .into_iter()
        .filter_map(|year| Date::new(year, month, day).ok())
        .find(|date| *date <= today)
        .ok_or(NikError::BirthDate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TODAY: Date = Date::constant(2025, 6, 15);

    fn nik(s: &str) -> Result<Nik, NikError> {
        Nik::parse(s, TODAY)
    }

    fn date(year: i16, month: i8, day: i8) -> Date {
        Date::constant(year, month, day)
    }

    #[test]
    fn a_womans_nik_removes_40_from_the_day() -> Result<(), NikError> {
        // 35 Jawa Timur, 78 Kota Surabaya, 01; 47 = day 7 + 40; 08; 90.
        let parsed = nik("3578014708900001")?;
        assert_eq!(parsed.sex(), Sex::Female);
        assert_eq!(parsed.birth_date(), date(1990, 8, 7));
        assert_eq!(parsed.province_code().as_str(), "35");
        assert_eq!(parsed.regency_code().as_str(), "35.78");
        assert_eq!(parsed.district_code().as_str(), "35.78.01");
        assert_eq!(parsed.serial(), "0001");
        assert_eq!(parsed.as_str(), "3578014708900001");
        Ok(())
    }

    #[test]
    fn a_mans_nik_keeps_the_day_as_written() -> Result<(), NikError> {
        // 32 Jawa Barat, 73 Kota Bandung, 01; born 25 January 1985.
        let parsed = nik("3273012501850002")?;
        assert_eq!(parsed.sex(), Sex::Male);
        assert_eq!(parsed.birth_date(), date(1985, 1, 25));
        assert_eq!(parsed.province_code().as_str(), "32");
        assert_eq!(parsed.regency_code().as_str(), "32.73");
        assert_eq!(parsed.district_code().as_str(), "32.73.01");
        assert_eq!(parsed.serial(), "0002");
        Ok(())
    }

    #[test]
    fn sex_codes_are_m_and_f() {
        assert_eq!(Sex::Male.as_code(), "M");
        assert_eq!(Sex::Female.as_code(), "F");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() -> Result<(), NikError> {
        let parsed = nik("  3273012501850002\n")?;
        assert_eq!(parsed.as_str(), "3273012501850002");
        assert_eq!(parsed, nik("3273012501850002")?);
        Ok(())
    }

    #[test]
    fn a_birthday_up_to_today_is_this_century() -> Result<(), NikError> {
        assert_eq!(nik("3273011506250001")?.birth_date(), date(2025, 6, 15));
        assert_eq!(nik("3273015506250001")?.birth_date(), date(2025, 6, 15));
        assert_eq!(nik("3273011406250001")?.birth_date(), date(2025, 6, 14));
        assert_eq!(nik("3273010101000001")?.birth_date(), date(2000, 1, 1));
        Ok(())
    }

    #[test]
    fn a_birthday_after_today_is_last_century() -> Result<(), NikError> {
        assert_eq!(nik("3273011606250001")?.birth_date(), date(1925, 6, 16));
        assert_eq!(nik("3273010107250001")?.birth_date(), date(1925, 7, 1));
        assert_eq!(nik("3273013112990001")?.birth_date(), date(1999, 12, 31));
        assert_eq!(nik("3273010101260001")?.birth_date(), date(1926, 1, 1));
        Ok(())
    }

    #[test]
    fn the_century_follows_the_date_passed_as_today() -> Result<(), NikError> {
        let new_year = date(2026, 1, 1);
        assert_eq!(Nik::parse("3273010101260001", new_year)?.birth_date(), date(2026, 1, 1));
        assert_eq!(Nik::parse("3273010201260001", new_year)?.birth_date(), date(1926, 1, 2));
        // Past 2099 the window keeps sliding instead of jumping back to 19YY.
        assert_eq!(Nik::parse("3273010101850001", date(2101, 1, 1))?.birth_date(), date(2085, 1, 1));
        Ok(())
    }

    #[test]
    fn leap_day_2000_is_valid() -> Result<(), NikError> {
        assert_eq!(nik("3273012902000001")?.birth_date(), date(2000, 2, 29));
        assert_eq!(nik("3273016902000001")?.birth_date(), date(2000, 2, 29));
        assert_eq!(nik("3273012902960001")?.birth_date(), date(1996, 2, 29));
        assert_eq!(nik("3273012902240001")?.birth_date(), date(2024, 2, 29));
        // 2028 is in the future, and 1928 was a leap year too.
        assert_eq!(nik("3273012902280001")?.birth_date(), date(1928, 2, 29));
        Ok(())
    }

    #[test]
    fn leap_day_of_a_common_year_is_not_a_date() {
        assert_eq!(nik("3273012902990001"), Err(NikError::BirthDate));
        assert_eq!(nik("3273016902970001"), Err(NikError::BirthDate));
        assert_eq!(nik("3273012902250001"), Err(NikError::BirthDate));
        // Before 29 Feb 2000 had come, "00" meant 1900, which was not a leap year.
        assert_eq!(Nik::parse("3273012902000001", date(2000, 2, 28)), Err(NikError::BirthDate));
    }

    #[test]
    fn day_31_of_a_30_day_month_is_not_a_date() {
        assert_eq!(nik("3273013104900001"), Err(NikError::BirthDate));
        assert_eq!(nik("3273017104900001"), Err(NikError::BirthDate));
        assert_eq!(nik("3273013002900001"), Err(NikError::BirthDate));
    }

    #[test]
    fn days_31_and_71_are_the_last_valid_days() -> Result<(), NikError> {
        assert_eq!(nik("3273013101900001")?.birth_date(), date(1990, 1, 31));
        let woman = nik("3273017101900001")?;
        assert_eq!((woman.sex(), woman.birth_date()), (Sex::Female, date(1990, 1, 31)));
        let first = nik("3273014101900001")?;
        assert_eq!((first.sex(), first.birth_date()), (Sex::Female, date(1990, 1, 1)));
        Ok(())
    }

    #[test]
    fn days_outside_both_ranges_are_rejected() {
        for day in ["00", "32", "39", "40", "72", "80", "99"] {
            let input = format!("327301{day}01900001");
            assert_eq!(nik(&input), Err(NikError::BirthDay), "{input}");
        }
    }

    #[test]
    fn months_outside_1_to_12_are_rejected() {
        assert_eq!(nik("3273011500900001"), Err(NikError::BirthMonth));
        assert_eq!(nik("3273011513900001"), Err(NikError::BirthMonth));
        assert_eq!(nik("3273015599900001"), Err(NikError::BirthMonth));
    }

    #[test]
    fn serial_0000_is_rejected() {
        assert_eq!(nik("3273012501850000"), Err(NikError::SerialZero));
    }

    #[test]
    fn zero_region_segments_are_rejected() {
        assert_eq!(nik("0073012501850002"), Err(NikError::ProvinceZero));
        assert_eq!(nik("3200012501850002"), Err(NikError::RegencyZero));
        assert_eq!(nik("3273002501850002"), Err(NikError::DistrictZero));
        // Reported left to right: the province comes first.
        assert_eq!(nik("0000000000000000"), Err(NikError::ProvinceZero));
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        assert_eq!(nik(""), Err(NikError::Length));
        assert_eq!(nik("   "), Err(NikError::Length));
        assert_eq!(nik("327301250185000"), Err(NikError::Length));
        assert_eq!(nik("32730125018500021"), Err(NikError::Length));
    }

    #[test]
    fn separators_and_letters_are_rejected() {
        assert_eq!(nik("32730125018500a2"), Err(NikError::NotDigits));
        assert_eq!(nik("327301-250185-0002"), Err(NikError::NotDigits));
        assert_eq!(nik("32.73.01.250185.0002"), Err(NikError::NotDigits));
        assert_eq!(nik("3273 0125 0185 0002"), Err(NikError::NotDigits));
        assert_eq!(nik("+327301250185000"), Err(NikError::NotDigits));
    }

    #[test]
    fn non_ascii_digits_are_rejected() {
        // Arabic-Indic, Extended Arabic-Indic (Persian) and fullwidth digits.
        assert_eq!(nik("٣٢٧٣٠١٢٥٠١٨٥٠٠٠٢"), Err(NikError::NotDigits));
        assert_eq!(nik("۳۲۷۳۰۱۲۵۰۱۸۵۰۰۰۲"), Err(NikError::NotDigits));
        assert_eq!(nik("３２７３０１２５０１８５０００２"), Err(NikError::NotDigits));
    }

    #[test]
    fn debug_masks_all_but_the_serial() -> Result<(), NikError> {
        let parsed = nik("3578014708900001")?;
        assert_eq!(format!("{parsed:?}"), r#"Nik("************0001")"#);
        let in_a_struct = format!("{:?}", Some(parsed.clone()));
        assert!(!in_a_struct.contains("470890"), "{in_a_struct}");
        assert!(!format!("{parsed:#?}").contains("357801"));
        Ok(())
    }

    #[test]
    fn display_shows_the_whole_nik() -> Result<(), NikError> {
        assert_eq!(nik("3578014708900001")?.to_string(), "3578014708900001");
        Ok(())
    }

    #[test]
    fn error_messages_and_codes_are_specific() {
        assert_eq!(NikError::Length.to_string(), "NIK must be exactly 16 digits");
        assert_eq!(
            NikError::BirthDay.to_string(),
            "NIK day of birth (digits 7-8) must be 01-31, or 41-71 for women"
        );
        let all = [
            NikError::Length,
            NikError::NotDigits,
            NikError::ProvinceZero,
            NikError::RegencyZero,
            NikError::DistrictZero,
            NikError::BirthDay,
            NikError::BirthMonth,
            NikError::BirthDate,
            NikError::SerialZero,
        ];
        let codes: Vec<&str> = all.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "length",
                "not_digits",
                "province_zero",
                "regency_zero",
                "district_zero",
                "birth_day",
                "birth_month",
                "birth_date",
                "serial_zero"
            ]
        );
        let messages: std::collections::HashSet<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), all.len());
        assert!(messages.iter().all(|m| m.starts_with("NIK ")));
    }

    /// Any real date between 1900 and 2200, used as "today".
    fn any_today() -> impl Strategy<Value = Date> {
        today_in(1900..=2200)
    }

    /// Any real date in `years`.
    fn today_in(years: std::ops::RangeInclusive<i16>) -> impl Strategy<Value = Date> {
        (years, 1i8..=12, 1i8..=31)
            .prop_filter_map("not a date", |(year, month, day)| Date::new(year, month, day).ok())
    }

    proptest! {
        #[test]
        fn any_16_digits_parse_consistently(input in "[0-9]{16}", today in any_today()) {
            if let Ok(parsed) = Nik::parse(&input, today) {
                prop_assert_eq!(parsed.as_str(), input.as_str());
                prop_assert_eq!(parsed.to_string(), input.clone());
                prop_assert_eq!(Nik::parse(parsed.as_str(), today), Ok(parsed.clone()));
                let birth = parsed.birth_date();
                prop_assert!(birth <= today);
                prop_assert!(birth.year() > today.year() - 101);
                prop_assert_eq!(i32::from(birth.year()).rem_euclid(100), input[10..12].parse::<i32>().unwrap());
                prop_assert_eq!(i32::from(birth.month()), input[8..10].parse::<i32>().unwrap());
                let written_day = input[6..8].parse::<i8>().unwrap();
                let offset = if parsed.sex() == Sex::Female { 40 } else { 0 };
                prop_assert_eq!(birth.day() + offset, written_day);
                prop_assert_eq!(parsed.district_code().to_string(), format!("{}.{}.{}", &input[0..2], &input[2..4], &input[4..6]));
                prop_assert!(parsed.district_code().is_within(&parsed.regency_code()));
                prop_assert!(parsed.regency_code().is_within(&parsed.province_code()));
                prop_assert_eq!(parsed.serial(), &input[12..]);
                prop_assert_eq!(format!("{parsed:?}"), format!("Nik(\"************{}\")", &input[12..]));
            }
        }

        #[test]
        fn well_formed_niks_always_parse(
            province in 1u8..=99,
            regency in 1u8..=99,
            district in 1u8..=99,
            day in 1i8..=28,
            female in any::<bool>(),
            month in 1i8..=12,
            yy in 0u8..=99,
            serial in 1u16..=9999,
            today in any_today(),
        ) {
            let written_day = if female { day + 40 } else { day };
            let input = format!("{province:02}{regency:02}{district:02}{written_day:02}{month:02}{yy:02}{serial:04}");
            let parsed = Nik::parse(&format!(" {input}\t"), today);
            prop_assert!(parsed.is_ok(), "{input} on {today}: {parsed:?}");
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.sex(), if female { Sex::Female } else { Sex::Male });
            prop_assert_eq!((parsed.birth_date().month(), parsed.birth_date().day()), (month, day));
        }

        #[test]
        fn the_century_is_20yy_unless_that_is_after_today(
            day in 1i8..=31,
            month in 1i8..=12,
            yy in 0i16..=99,
            today in today_in(2000..=2099),
        ) {
            let input = format!("327301{day:02}{month:02}{yy:02}0001");
            let expected = match Date::new(2000 + yy, month, day) {
                Ok(recent) if recent <= today => Ok(recent),
                _ => Date::new(1900 + yy, month, day).map_err(|_| NikError::BirthDate),
            };
            prop_assert_eq!(Nik::parse(&input, today).map(|n| n.birth_date()), expected);
        }

        #[test]
        fn arbitrary_strings_never_panic(input in any::<String>(), today in any_today()) {
            if let Ok(parsed) = Nik::parse(&input, today) {
                prop_assert_eq!(parsed.as_str(), input.trim());
            }
        }
    }
}
