//! Service definitions as an agency admin or an import file may send them: never a panic; a
//! definition that passes the checks passes them again after a round trip through JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use satupintu_rules::service::ServiceDefinition;

fuzz_target!(|bytes: &[u8]| {
    let Ok(definition) = serde_json::from_slice::<ServiceDefinition>(bytes) else { return };
    let json = serde_json::to_vec(&definition).expect("a definition serialises");
    if definition.check().is_ok() {
        let again: ServiceDefinition = serde_json::from_slice(&json).expect("reads back");
        assert!(again.check().is_ok(), "a checked definition stays valid");
    }
});
