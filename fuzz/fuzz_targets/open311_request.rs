//! An Open311 `POST requests` body, through the same pure steps as the server: the form is
//! parsed, the report checked as the web form checks it, the region code and email read.
//! Never a panic; an accepted report keeps its text within the limits.

#![no_main]

use libfuzzer_sys::fuzz_target;
use satupintu_rules::complaint::{Draft, check};

fuzz_target!(|body: &[u8]| {
    let fields: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| {
        fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    };
    let draft = Draft {
        category: {
            let category = field("attribute[category]");
            if category.is_empty() { "complaint".to_string() } else { category }
        },
        title: field("attribute[title]"),
        text: field("description"),
        address: field("address_string"),
        lat: field("lat"),
        lon: field("long"),
    };
    if let Ok(checked) = check(&draft) {
        assert!(checked.text.chars().count() <= 5000, "the text limit holds");
    }
    let _ = satupintu_rules::region::RegionCode::parse(&field("address_id"));
    let _ = satupintu_rules::contact::plausible_email(&field("email"));
    let _ = satupintu_rules::contact::normalize_phone(&field("phone"));
});
