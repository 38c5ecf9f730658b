//! A NIK checked in full: its shape and birth date by the rules crate, and its province,
//! regency/city and district against the region table.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use serde::Serialize;

use crate::db::Db;
use crate::i18n::Lang;
use crate::regions;
use satupintu_rules::nik::{Nik, NikError};

/// Why a NIK was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NikProblem {
    /// Its shape or birth date is wrong.
    Shape(NikError),
    /// Its province code is not in the region table.
    UnknownProvince,
    /// Its regency/city code is not in the region table.
    UnknownRegency,
    /// Its district code is not in the region table.
    UnknownDistrict,
}

impl NikProblem {
    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Shape(e) => e.code(),
            Self::UnknownProvince => "province_unknown",
            Self::UnknownRegency => "regency_unknown",
            Self::UnknownDistrict => "district_unknown",
        }
    }

    /// What is wrong, in the reader's language, for the field's error message.
    pub fn message(self, lang: Lang) -> String {
        lang.t(&format!("nik-{}", self.code().replace('_', "-")))
    }
}

/// What a valid NIK says about its holder.
#[derive(Clone, Debug, Serialize)]
pub struct NikFacts {
    /// Always true: the output of a check that passed.
    pub valid: bool,
    /// Province code, e.g. `35`.
    pub province_code: String,
    /// Province name.
    pub province: String,
    /// Regency/city code, e.g. `35.78`.
    pub regency_code: String,
    /// Regency/city name.
    pub regency: String,
    /// District code, e.g. `35.78.01`.
    pub district_code: String,
    /// District name.
    pub district: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: String,
    /// `M` or `F`.
    pub sex: &'static str,
}

/// Today in Western Indonesia: the latest date a NIK's holder can have been born on
/// anywhere in the country, so no valid NIK is refused near midnight.
pub fn today_in_indonesia() -> Date {
    Timestamp::now().to_zoned_datetime(TimeZone::fixed(Offset::constant(9))).date()
}

/// Checks a NIK in full. The outer error is a fault of ours (the database); the inner one
/// is the NIK's.
pub async fn check(db: &Db, input: &str, today: Date) -> anyhow::Result<Result<(Nik, NikFacts), NikProblem>> {
    let nik = match Nik::parse(input, today) {
        Ok(nik) => nik,
        Err(e) => return Ok(Err(NikProblem::Shape(e))),
    };
    let levels = [
        (nik.province_code(), NikProblem::UnknownProvince),
        (nik.regency_code(), NikProblem::UnknownRegency),
        (nik.district_code(), NikProblem::UnknownDistrict),
    ];
    let mut names = Vec::with_capacity(levels.len());
    for (code, problem) in levels {
        match regions::find(db, &code).await? {
            Some(region) => names.push(region.name),
            None => return Ok(Err(problem)),
        }
    }
    let [province, regency, district] =
        <[String; 3]>::try_from(names).map_err(|_| anyhow::anyhow!("three region levels were looked up"))?;
    let facts = NikFacts {
        valid: true,
        province_code: nik.province_code().to_string(),
        province,
        regency_code: nik.regency_code().to_string(),
        regency,
        district_code: nik.district_code().to_string(),
        district,
        birth_date: nik.birth_date().to_string(),
        sex: nik.sex().as_code(),
    };
    Ok(Ok((nik, facts)))
}
