use proptest::prelude::*;
use serde_json::json;

use super::*;

/// A birth certificate service, as an agency would write it.
fn akta() -> Value {
    json!({
        "slug": "akta-kelahiran",
        "agency": "disdukcapil",
        "name": {"id": "Akta Kelahiran", "en": "Birth Certificate"},
        "description": {"id": "Penerbitan akta kelahiran.", "en": "Issuing a birth certificate."},
        "legal_basis": "UU 24/2013",
        "fee_rupiah": 0,
        "sla_working_days": 3,
        "requirements": [
            {"key": "surat_lahir", "label": {"id": "Surat keterangan lahir", "en": "Birth letter"},
             "accept": ["application/pdf", "image/jpeg"], "max_bytes": 2097152},
            {"key": "surat_nikah", "label": {"id": "Buku nikah", "en": "Marriage book"},
             "accept": ["application/pdf"], "max_bytes": 2097152,
             "show_if": {"field": "orang_tua_menikah", "equals": true}}
        ],
        "form": {
            "schema": {
                "type": "object",
                "additionalProperties": false,
                "required": ["nama_anak", "tanggal_lahir", "jenis_kelamin", "anak_ke", "orang_tua_menikah", "nama_ayah"],
                "properties": {
                    "nama_anak": {"type": "string", "minLength": 2, "maxLength": 100},
                    "tanggal_lahir": {"type": "string", "format": "date"},
                    "jenis_kelamin": {"type": "string", "enum": ["laki_laki", "perempuan"]},
                    "anak_ke": {"type": "integer", "minimum": 1, "maximum": 20},
                    "orang_tua_menikah": {"type": "boolean"},
                    "nama_ayah": {"type": "string", "maxLength": 100},
                    "catatan": {"type": "string", "maxLength": 1000}
                }
            },
            "pages": [
                {"key": "anak", "title": {"id": "Data anak", "en": "The child"},
                 "fields": ["nama_anak", "tanggal_lahir", "jenis_kelamin", "anak_ke"]},
                {"key": "orang_tua", "title": {"id": "Orang tua", "en": "Parents"},
                 "fields": ["orang_tua_menikah", "nama_ayah", "catatan"]}
            ],
            "fields": {
                "nama_anak": {"label": {"id": "Nama anak", "en": "Child's name"}},
                "tanggal_lahir": {"label": {"id": "Tanggal lahir", "en": "Date of birth"}},
                "jenis_kelamin": {"label": {"id": "Jenis kelamin", "en": "Sex"},
                    "options": {"laki_laki": {"id": "Laki-laki", "en": "Male"}, "perempuan": {"id": "Perempuan", "en": "Female"}}},
                "anak_ke": {"label": {"id": "Anak ke-", "en": "Birth order"}},
                "orang_tua_menikah": {"label": {"id": "Orang tua tercatat menikah", "en": "Parents registered as married"}},
                "nama_ayah": {"label": {"id": "Nama ayah", "en": "Father's name"},
                    "show_if": {"field": "orang_tua_menikah", "equals": true}},
                "catatan": {"label": {"id": "Catatan", "en": "Notes"}, "multiline": true}
            }
        },
        "workflow": {
            "steps": [
                {"key": "verifikasi", "name": {"id": "Verifikasi", "en": "Verification"}, "role": "officer"},
                {"key": "persetujuan", "name": {"id": "Persetujuan", "en": "Approval"}, "role": "supervisor"}
            ],
            "transitions": [
                {"from": "verifikasi", "action": "forward", "to": "persetujuan"},
                {"from": "verifikasi", "action": "request_revision", "to": "verifikasi"},
                {"from": "verifikasi", "action": "reject", "to": "rejected"},
                {"from": "persetujuan", "action": "approve", "to": "approved"},
                {"from": "persetujuan", "action": "reject", "to": "rejected"}
            ]
        },
        "document": {
            "title": {"id": "Kutipan Akta Kelahiran", "en": "Birth Certificate Extract"},
            "body": {"id": "Telah lahir {nama_anak} pada {tanggal_lahir}.", "en": "{nama_anak} was born on {tanggal_lahir}."},
            "number_format": "3578-LU-{year}-{seq}"
        }
    })
}

fn definition(value: Value) -> ServiceDefinition {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("definition parses: {e}"))
}

fn checked() -> CheckedService {
    definition(akta()).check().unwrap_or_else(|e| panic!("sample is valid: {e:?}"))
}

/// The definition with one JSON pointer replaced, checked; the paths of its errors.
fn errors_after(pointer: &str, value: Value) -> Vec<String> {
    let mut doc = akta();
    let (parent, key) = pointer.rsplit_once('/').unwrap_or_else(|| panic!("{pointer} has a parent"));
    match doc.pointer_mut(parent).unwrap_or_else(|| panic!("{parent} exists")) {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(list) => {
            let index: usize = key.parse().unwrap_or_else(|_| panic!("{key} is an index"));
            list[index] = value;
        }
        other => panic!("{parent} is {other}"),
    }
    match definition(doc).check() {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
    }
}

fn assert_refused(pointer: &str, value: Value, expected_path: &str) {
    let errors = errors_after(pointer, value);
    assert!(errors.iter().any(|e| e.starts_with(expected_path)), "{pointer}: {errors:?}");
}

#[test]
fn the_sample_definition_is_accepted_and_round_trips() {
    let service = checked();
    assert_eq!(service.kinds.len(), 7);
    assert_eq!(service.kinds["anak_ke"], FieldKind::Integer { minimum: Some(1), maximum: Some(20) });
    assert!(service.required.contains("nama_ayah") && !service.required.contains("catatan"));
    let written = serde_json::to_value(&service.definition).unwrap_or(Value::Null);
    assert_eq!(definition(written), service.definition);
}

#[test]
fn unknown_keys_in_the_definition_are_refused_when_parsing() {
    let mut doc = akta();
    doc["warna"] = json!("merah");
    assert!(serde_json::from_value::<ServiceDefinition>(doc).is_err());
}

#[test]
fn schema_features_outside_the_subset_are_refused_by_path() {
    assert_refused(
        "/form/schema/properties/nama_anak/pattern",
        json!("^[A-Z]"),
        "form.schema.properties.nama_anak.pattern",
    );
    assert_refused("/form/schema/type", json!("array"), "form.schema.type");
    assert_refused("/form/schema/additionalProperties", json!(true), "form.schema.additionalProperties");
    assert_refused(
        "/form/schema/properties/anak_ke/type",
        json!("number"),
        "form.schema.properties.anak_ke.type",
    );
    assert_refused(
        "/form/schema/properties/tanggal_lahir/format",
        json!("uri"),
        "form.schema.properties.tanggal_lahir.format",
    );
    assert_refused(
        "/form/schema/properties/nama_anak/maxLength",
        json!(100_000),
        "form.schema.properties.nama_anak.maxLength",
    );
    assert_refused(
        "/form/schema/properties/anak_ke/minimum",
        json!(50),
        "form.schema.properties.anak_ke.minimum",
    );
    assert_refused("/form/schema/required", json!(["tidak_ada"]), "form.schema.required");
    assert_refused(
        "/form/schema/properties/jenis_kelamin/enum",
        json!(["Laki Laki"]),
        "form.schema.properties.jenis_kelamin.enum",
    );
}

#[test]
fn every_field_needs_a_page_a_label_and_sensible_conditions() {
    assert_refused(
        "/form/pages/1/fields",
        json!(["orang_tua_menikah", "nama_ayah"]),
        "form.pages: catatan is on no page",
    );
    assert_refused(
        "/form/pages/0/fields",
        json!(["nama_anak", "nama_anak", "tanggal_lahir", "jenis_kelamin", "anak_ke"]),
        "form.pages[0].fields",
    );
    assert_refused(
        "/form/fields/nama_ayah/show_if/field",
        json!("catatan"),
        "form.fields.nama_ayah.show_if.field",
    );
    assert_refused(
        "/form/fields/nama_ayah/show_if/equals",
        json!("ya"),
        "form.fields.nama_ayah.show_if.equals",
    );
    assert_refused(
        "/form/fields/jenis_kelamin/options",
        json!({"laki_laki": {"id": "L", "en": "M"}}),
        "form.fields.jenis_kelamin.options",
    );
    assert_refused("/form/fields/nama_anak/label/en", json!(" "), "form.fields.nama_anak.label.en");
    assert_refused(
        "/form/fields/tanggal_lahir/multiline",
        json!(true),
        "form.fields.tanggal_lahir.multiline",
    );
}

#[test]
fn requirements_accept_only_known_types_and_sizes() {
    assert_refused("/requirements/0/accept", json!(["application/x-msdownload"]), "requirements[0].accept");
    assert_refused("/requirements/0/max_bytes", json!(50 * 1024 * 1024), "requirements[0].max_bytes");
    assert_refused("/requirements/1/key", json!("surat_lahir"), "requirements[1].key");
    assert_refused("/requirements/1/show_if/field", json!("tidak_ada"), "requirements[1].show_if.field");
}

#[test]
fn workflows_must_reach_every_step_and_approval() {
    assert_refused("/workflow/transitions/0/to", json!("rejected"), "workflow.transitions[0].to");
    // Without the forward move, the approval step is unreachable (and so is approval).
    let mut doc = akta();
    if let Some(list) = doc.pointer_mut("/workflow/transitions").and_then(Value::as_array_mut) {
        list.remove(0);
    }
    let errors: Vec<String> = match definition(doc).check() {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
    };
    assert!(errors.iter().any(|e| e.contains("persetujuan cannot be reached")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("no path leads to approved")), "{errors:?}");
    assert_refused("/workflow/steps/0/role", json!("walikota"), "workflow.steps[0].role");
    assert_refused("/workflow/steps/1/key", json!("approved"), "workflow.steps[1].key");
    assert_refused("/workflow/transitions/1/to", json!("persetujuan"), "workflow.transitions[1].to");
}

#[test]
fn documents_use_known_placeholders_and_a_sequence() {
    assert_refused("/document/body/id", json!("Nama {nama_ibu}"), "document.body.id");
    assert_refused("/document/body/en", json!("Unclosed {nama_anak"), "document.body.en");
    assert_refused("/document/number_format", json!("474/{year}"), "document.number_format");
    assert_refused("/document/number_format", json!("{seq}/{walikota}"), "document.number_format");
    assert_eq!(placeholders("{a} dan {b}"), Ok(vec!["a", "b"]));
    assert!(placeholders("a } b").is_err());
    assert!(placeholders("{}").is_err());
}

#[test]
fn several_mistakes_are_all_reported() {
    let mut doc = akta();
    doc["slug"] = json!("Akta Kelahiran");
    doc["sla_working_days"] = json!(0);
    doc["fee_rupiah"] = json!(-5);
    let errors = definition(doc).check().err().unwrap_or_default();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["slug", "fee_rupiah", "sla_working_days"]);
}

fn data(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn problems(result: Result<Map<String, Value>, Vec<FieldError>>) -> Vec<(String, &'static str)> {
    result.err().unwrap_or_default().into_iter().map(|e| (e.field, e.problem.code())).collect()
}

#[test]
fn valid_data_is_cleaned_and_hidden_fields_are_dropped() {
    let service = checked();
    let clean = service.validate(&data(json!({
        "nama_anak": "  Putri Ayu ", "tanggal_lahir": "2026-11-20", "jenis_kelamin": "perempuan",
        "anak_ke": 2, "orang_tua_menikah": false, "nama_ayah": "Tidak ditampilkan"
    })));
    let clean = clean.unwrap_or_else(|e| panic!("valid: {e:?}"));
    assert_eq!(clean["nama_anak"], "Putri Ayu");
    assert!(!clean.contains_key("nama_ayah"), "a hidden field is not kept");
    // Shown, the father's name is required.
    let refused = service.validate(&data(json!({
        "nama_anak": "Putri", "tanggal_lahir": "2026-11-20", "jenis_kelamin": "perempuan",
        "anak_ke": 2, "orang_tua_menikah": true
    })));
    assert_eq!(problems(refused), [("nama_ayah".to_string(), "required")]);
}

#[test]
fn each_bad_value_gets_its_own_problem() {
    let service = checked();
    let refused = service.validate(&data(json!({
        "nama_anak": "P", "tanggal_lahir": "2026-02-30", "jenis_kelamin": "lainnya",
        "anak_ke": 0, "orang_tua_menikah": "ya", "warna": "merah"
    })));
    let mut found = problems(refused);
    found.sort();
    assert_eq!(
        found,
        [
            ("anak_ke".to_string(), "below_minimum"),
            ("jenis_kelamin".to_string(), "not_a_choice"),
            ("nama_anak".to_string(), "too_short"),
            ("orang_tua_menikah".to_string(), "not_boolean"),
            ("tanggal_lahir".to_string(), "not_date"),
            ("warna".to_string(), "unknown_field"),
        ]
    );
}

#[test]
fn web_text_becomes_typed_values_and_pages_check_alone() {
    let service = checked();
    let form = service.from_form_text([
        ("anak_ke", " 3 "),
        ("orang_tua_menikah", "true"),
        ("nama_anak", ""),
        ("csrf", "x"),
    ]);
    assert_eq!(form, data(json!({"anak_ke": 3, "orang_tua_menikah": true})));
    let page = &service.definition.form.pages[0];
    let refused = service.validate_fields(&form, page.fields.iter().map(String::as_str));
    let mut found = problems(refused);
    found.sort();
    assert_eq!(
        found,
        [
            ("jenis_kelamin".to_string(), "required"),
            ("nama_anak".to_string(), "required"),
            ("tanggal_lahir".to_string(), "required"),
        ]
    );
    let typo = service.from_form_text([("anak_ke", "tiga")]);
    assert_eq!(
        problems(service.validate_fields(&typo, ["anak_ke"])),
        [("anak_ke".to_string(), "not_integer")]
    );
}

#[test]
fn a_requirement_follows_its_condition() {
    let service = checked();
    let marriage = &service.definition.requirements[1];
    assert!(service.requirement_shown(marriage, &data(json!({"orang_tua_menikah": true}))));
    assert!(!service.requirement_shown(marriage, &data(json!({"orang_tua_menikah": false}))));
    assert!(service.requirement_shown(&service.definition.requirements[0], &Map::new()));
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn templates_are_filled_and_months_written_in_roman() {
    let value = |name: &str| match name {
        "seq" => Some("0007".to_string()),
        "year" => Some("2026".to_string()),
        _ => None,
    };
    assert_eq!(fill("470/{seq}/{month}/{year}", value), "470/0007/{month}/2026");
    assert_eq!(fill("{ no close", value), "{ no close");
    assert_eq!(month_roman(11), "XI");
    assert_eq!(month_roman(4), "IV");
    assert_eq!(month_roman(13), "");
}

proptest! {
    /// Whatever a client sends, validation answers without panicking, keeps only known
    /// fields, and what it keeps validates again unchanged.
    #[test]
    fn validation_is_total_and_idempotent(
        values in prop::collection::btree_map(
            prop_oneof![
                Just("nama_anak".to_string()), Just("tanggal_lahir".to_string()), Just("jenis_kelamin".to_string()),
                Just("anak_ke".to_string()), Just("orang_tua_menikah".to_string()), Just("nama_ayah".to_string()),
                Just("catatan".to_string()), "[a-z]{1,6}",
            ],
            any_json(),
            0..8,
        )
    ) {
        let service = checked();
        let input: Map<String, Value> = values.into_iter().collect();
        if let Ok(clean) = service.validate(&input) {
            prop_assert!(clean.keys().all(|k| service.kinds.contains_key(k)));
            prop_assert_eq!(service.validate(&clean), Ok(clean.clone()));
        }
    }

    /// Any JSON as a schema is checked without panicking.
    #[test]
    fn schema_checking_is_total(schema in any_json()) {
        let mut doc = akta();
        doc["form"]["schema"] = schema;
        let _ = definition(doc).check();
    }

    /// Well-formed answers are accepted.
    #[test]
    fn well_formed_answers_are_accepted(
        name in "[A-Za-z][A-Za-z ]{1,60}[a-z]", day in 1u8..=28, month in 1u8..=12, order in 1i64..=20,
        married in any::<bool>(), female in any::<bool>()
    ) {
        let service = checked();
        let answers = data(json!({
            "nama_anak": name, "tanggal_lahir": format!("2025-{month:02}-{day:02}"),
            "jenis_kelamin": if female { "perempuan" } else { "laki_laki" },
            "anak_ke": order, "orang_tua_menikah": married, "nama_ayah": "Budi Santoso",
        }));
        let clean = service.validate(&answers);
        prop_assert!(clean.is_ok(), "{:?}", clean);
        prop_assert_eq!(clean.map(|c| c.contains_key("nama_ayah")).ok(), Some(married));
    }

    /// Filling a template with every placeholder's own name in braces gives the template back.
    #[test]
    fn filling_with_each_placeholder_itself_changes_nothing(template in "[a-z{}/ ]{0,40}") {
        prop_assert_eq!(fill(&template, |name| Some(format!("{{{name}}}"))), template);
    }
}
