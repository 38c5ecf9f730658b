//! A survey file for `satupintu ikm compute`: never a panic; when it is accepted, the index
//! lies on the regulation's scale (25–100) with a grade.

#![no_main]

use libfuzzer_sys::fuzz_target;
use satupintu_rules::ikm_file::{computed, tally_csv};

fuzz_target!(|bytes: &[u8]| {
    let Ok(tally) = tally_csv(bytes) else { return };
    if let Ok(result) = computed(&tally) {
        assert!((25.0..=100.0).contains(&result.ikm), "{}", result.ikm);
        assert!(result.nrr.iter().flatten().all(|nrr| (1.0..=4.0).contains(nrr)));
        assert!(["A", "B", "C", "D"].contains(&result.grade));
    }
});
