//! A photo for a complaint: never a panic; a cleaned photo is itself accepted, has nothing
//! more to remove, and keeps no position a camera wrote.

#![no_main]

use libfuzzer_sys::fuzz_target;
use satupintu_rules::photo::clean;

fuzz_target!(|bytes: &[u8]| {
    let Ok(cleaned) = clean(bytes, false) else { return };
    assert_eq!(cleaned.location, None);
    let again = clean(&cleaned.bytes, true).expect("a cleaned photo is accepted");
    assert_eq!(again.location, None, "no position survives cleaning");
    assert_eq!(clean(&cleaned.bytes, false).expect("accepted").bytes, cleaned.bytes, "cleaning twice changes nothing");
});
