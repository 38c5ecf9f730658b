//! Answers to a real service's form, as a web form body and as API JSON: never a panic, and
//! answers the validator accepts are accepted again as they came out.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use satupintu_rules::service::{CheckedService, ServiceDefinition};

/// The demo's services, each checked as the server checks them.
fn services() -> &'static [CheckedService] {
    static SERVICES: OnceLock<Vec<CheckedService>> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let definitions: Vec<ServiceDefinition> =
            serde_json::from_str(include_str!("../../crates/satupintu/demo/services.json"))
                .expect("demo services");
        definitions.into_iter().map(|d| d.check().expect("a valid demo service")).collect()
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Some((&pick, body)) = bytes.split_first() else { return };
    let service = &services()[usize::from(pick) % services().len()];
    // The web form: urlencoded pairs.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let data = service.from_form_text(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Ok(clean) = service.validate(&data) {
        assert_eq!(service.validate(&clean).as_ref().ok(), Some(&clean), "valid answers stay valid");
    }
    // The API: any JSON object.
    if let Ok(serde_json::Value::Object(data)) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Ok(clean) = service.validate(&data) {
            assert_eq!(service.validate(&clean).as_ref().ok(), Some(&clean), "valid answers stay valid");
        }
    }
});
