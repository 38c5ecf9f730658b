//! NIK, NIB, NPWP and region codes as typed by anyone: never a panic, and whatever is
//! accepted reads back as itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use satupintu_rules::business::{Nib, Npwp};
use satupintu_rules::nik::Nik;
use satupintu_rules::region::RegionCode;

fuzz_target!(|text: &str| {
    let today = jiff::civil::date(2026, 11, 29);
    if let Ok(nik) = Nik::parse(text, today) {
        assert_eq!(Nik::parse(nik.as_str(), today).as_ref().map(Nik::as_str), Ok(nik.as_str()));
    }
    if let Ok(nib) = Nib::parse(text) {
        assert_eq!(Nib::parse(nib.as_str()).as_ref().map(Nib::as_str), Ok(nib.as_str()));
    }
    if let Ok(npwp) = Npwp::parse(text) {
        assert_eq!(Npwp::parse(npwp.as_str()).as_ref().map(Npwp::as_str), Ok(npwp.as_str()));
    }
    if let Ok(code) = RegionCode::parse(text) {
        assert_eq!(RegionCode::parse(code.as_str()).as_ref().map(RegionCode::as_str), Ok(code.as_str()));
    }
});
