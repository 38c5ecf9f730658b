//! Service definitions: what a public service asks of the citizen, who acts on an
//! application and in which order, and what it issues. One definition drives the web form,
//! the API and any later channel, so it is data, checked here before it is stored.
//!
//! The form's data is described by a JSON Schema restricted to what a citizen's form needs
//! (a flat object of `string`, `integer` and `boolean` properties with lengths, bounds, `enum`
//! and a few formats); anything else is refused when the definition is checked, so every
//! accepted schema means exactly what it says. Presentation (labels in both languages, help,
//! page order, conditional fields) sits beside the schema, not inside it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Text in Indonesian and English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Indonesian.
    pub id: String,
    /// English.
    pub en: String,
}

/// A whole service definition, as written in a file or sent by the editor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDefinition {
    /// URL name, e.g. `akta-kelahiran`.
    pub slug: String,
    /// The responsible agency's slug.
    pub agency: String,
    /// The service's name.
    pub name: Text,
    /// What the service is for.
    pub description: Text,
    /// The regulation it rests on.
    pub legal_basis: String,
    /// Fee in rupiah; 0 for free services.
    pub fee_rupiah: i64,
    /// The SLA in working days.
    pub sla_working_days: u32,
    /// Shown on the home page.
    #[serde(default)]
    pub featured: bool,
    /// Documents the citizen uploads.
    pub requirements: Vec<Requirement>,
    /// The data the citizen enters.
    pub form: Form,
    /// Who acts on an application, in which order.
    pub workflow: Workflow,
    /// The document issued on approval.
    pub document: DocumentTemplate,
}

/// A document to upload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Identifier, `surat_kehilangan`.
    pub key: String,
    /// What to upload.
    pub label: Text,
    /// Help below the label.
    #[serde(default)]
    pub help: Option<Text>,
    /// Accepted media types (see [`ACCEPTED_MEDIA_TYPES`]).
    pub accept: Vec<String>,
    /// Largest file accepted, in bytes (at most [`MAX_UPLOAD_BYTES`]).
    pub max_bytes: u64,
    /// Whether it must be uploaded (when shown).
    #[serde(default = "yes")]
    pub required: bool,
    /// Asked only when a form field has a value.
    #[serde(default)]
    pub show_if: Option<Condition>,
}

fn yes() -> bool {
    true
}

/// Media types an upload may have; the server checks the content, not the name.
pub const ACCEPTED_MEDIA_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

/// The largest upload any requirement may allow.
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// The longest text a field may allow when its schema names no `maxLength`.
pub const DEFAULT_MAX_LENGTH: u64 = 500;

/// The longest text any field may allow.
pub const MAX_LENGTH: u64 = 5_000;

/// The form: a JSON Schema for the data, pages, and how each field is presented.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// The JSON Schema (the subset described in the module documentation).
    pub schema: Value,
    /// Pages, in order; each field is on exactly one.
    pub pages: Vec<FormPage>,
    /// Presentation of each field.
    pub fields: BTreeMap<String, FieldHints>,
}

/// One page of the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormPage {
    /// Identifier, used in the page's address.
    pub key: String,
    /// The page's heading.
    pub title: Text,
    /// The fields on it, in order.
    pub fields: Vec<String>,
}

/// How a field is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldHints {
    /// The label.
    pub label: Text,
    /// Help below the label.
    #[serde(default)]
    pub help: Option<Text>,
    /// Shown (and checked) only when another field has a value.
    #[serde(default)]
    pub show_if: Option<Condition>,
    /// Labels of an `enum`'s values, one for each.
    #[serde(default)]
    pub options: BTreeMap<String, Text>,
    /// A multi-line box instead of a one-line input.
    #[serde(default)]
    pub multiline: bool,
}

/// "When field `field` equals `equals`".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The field looked at.
    pub field: String,
    /// The value that makes the condition true.
    pub equals: Value,
}

/// The steps an application goes through, and the moves between them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// Steps; an application enters the first when submitted.
    pub steps: Vec<Step>,
    /// Allowed moves.
    pub transitions: Vec<Transition>,
}

/// One step, acted on by officers holding a role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Identifier, `verifikasi`.
    pub key: String,
    /// The step's name.
    pub name: Text,
    /// `officer`, `supervisor` or `agency_admin`.
    pub role: String,
}

/// The roles that may act at a step.
pub const STEP_ROLES: [&str; 3] = ["officer", "supervisor", "agency_admin"];

/// Where an approved application ends.
pub const APPROVED: &str = "approved";
/// Where a rejected application ends.
pub const REJECTED: &str = "rejected";

/// A move from a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The step it leaves.
    pub from: String,
    /// What the officer does.
    pub action: Action,
    /// The step it enters, or `approved` / `rejected`.
    pub to: String,
}

/// What an officer does at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Passes the application to another step.
    Forward,
    /// Asks the citizen to correct something; the application returns to the same step.
    RequestRevision,
    /// Approves it: the document is issued.
    Approve,
    /// Rejects it, with a reason.
    Reject,
}

/// The document issued on approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentTemplate {
    /// The document's title.
    pub title: Text,
    /// The body, with `{field}` placeholders for form fields and [`DOCUMENT_VARIABLES`].
    pub body: Text,
    /// The number, with `{seq}` (required), `{year}`, `{month_roman}` and `{agency}`.
    pub number_format: String,
}

/// Placeholders a document body may use besides the form's fields.
pub const DOCUMENT_VARIABLES: [&str; 5] =
    ["applicant_name", "applicant_nik", "number", "issued_date", "service"];

/// Placeholders a document number may use.
pub const NUMBER_VARIABLES: [&str; 4] = ["seq", "year", "month_roman", "agency"];

/// A mistake in a definition: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionError {
    /// A path, `form.schema.properties.alasan.maxLength`.
    pub path: String,
    /// What is wrong, in English (definitions are written by administrators and operators).
    pub message: String,
}

impl std::fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A field's type and limits, read from the schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text {
        /// Fewest characters.
        min_length: u64,
        /// Most characters.
        max_length: u64,
        /// A format the text must have.
        format: Option<TextFormat>,
    },
    /// One of a list of values.
    Choice {
        /// The allowed values, in the schema's order.
        values: Vec<String>,
    },
    /// A whole number.
    Integer {
        /// Smallest allowed.
        minimum: Option<i64>,
        /// Largest allowed.
        maximum: Option<i64>,
    },
    /// Yes or no.
    Boolean,
}

/// Formats a text field may require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFormat {
    /// `YYYY-MM-DD`.
    Date,
    /// An email address.
    Email,
    /// A 16-digit NIK (shape only; the server checks the rest).
    Nik,
    /// An Indonesian mobile number, stored in national form.
    Phone,
}

impl TextFormat {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "date" => Some(Self::Date),
            "email" => Some(Self::Email),
            "nik" => Some(Self::Nik),
            "phone" => Some(Self::Phone),
            _ => None,
        }
    }
}

/// A checked definition: the definition itself and what was read from its schema.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedService {
    /// The definition as given.
    pub definition: ServiceDefinition,
    /// Each field's kind.
    pub kinds: BTreeMap<String, FieldKind>,
    /// Fields the schema requires (when shown).
    pub required: BTreeSet<String>,
}

const ROOT_KEYWORDS: [&str; 7] =
    ["$schema", "type", "properties", "required", "additionalProperties", "title", "description"];
const PROPERTY_KEYWORDS: [&str; 9] =
    ["type", "title", "description", "minLength", "maxLength", "enum", "format", "minimum", "maximum"];

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && text.len() <= 40
}

fn is_slug(text: &str) -> bool {
    (3..=80).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
}

/// Collects definition errors with their paths.
#[derive(Default)]
struct Problems(Vec<DefinitionError>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(DefinitionError { path: path.into(), message: message.into() });
    }

    fn text(&mut self, path: &str, text: &Text, max: usize) {
        for (lang, value) in [("id", &text.id), ("en", &text.en)] {
            let count = value.trim().chars().count();
            if count == 0 || count > max {
                self.add(format!("{path}.{lang}"), format!("must be 1 to {max} characters"));
            }
        }
    }
}

impl ServiceDefinition {
    /// Checks everything that can be checked without the database (the agency's existence is
    /// the caller's to check); returns every mistake found, not only the first.
    pub fn check(self) -> Result<CheckedService, Vec<DefinitionError>> {
        let mut problems = Problems::default();
        if !is_slug(&self.slug) {
            problems.add("slug", "must be 3 to 80 lowercase letters, digits and single hyphens");
        }
        let agency_ok = (1..=80).contains(&self.agency.len())
            && self.agency.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !agency_ok {
            problems.add("agency", "must name an agency by its slug");
        }
        problems.text("name", &self.name, 150);
        problems.text("description", &self.description, 4000);
        if self.legal_basis.trim().is_empty() || self.legal_basis.chars().count() > 1000 {
            problems.add("legal_basis", "must be 1 to 1000 characters");
        }
        if !(0..=1_000_000_000).contains(&self.fee_rupiah) {
            problems.add("fee_rupiah", "must be 0 to 1,000,000,000");
        }
        if !(1..=365).contains(&self.sla_working_days) {
            problems.add("sla_working_days", "must be 1 to 365");
        }
        let (kinds, required) = read_schema(&self.form.schema, &mut problems);
        check_form(&self.form, &kinds, &mut problems);
        check_requirements(&self.requirements, &kinds, &mut problems);
        check_workflow(&self.workflow, &mut problems);
        check_document(&self.document, &kinds, &mut problems);
        if problems.0.is_empty() {
            Ok(CheckedService { definition: self, kinds, required })
        } else {
            Err(problems.0)
        }
    }
}

fn read_schema(schema: &Value, problems: &mut Problems) -> (BTreeMap<String, FieldKind>, BTreeSet<String>) {
    let mut kinds = BTreeMap::new();
    let mut required = BTreeSet::new();
    let Some(root) = schema.as_object() else {
        problems.add("form.schema", "must be a JSON object");
        return (kinds, required);
    };
    for key in root.keys().filter(|k| !ROOT_KEYWORDS.contains(&k.as_str())) {
        problems.add(format!("form.schema.{key}"), "is not supported");
    }
    if root.get("type") != Some(&Value::from("object")) {
        problems.add("form.schema.type", "must be \"object\"");
    }
    if root.get("additionalProperties").is_some_and(|v| v != &Value::Bool(false)) {
        problems.add("form.schema.additionalProperties", "may only be false (unknown fields are refused)");
    }
    let Some(properties) = root.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty()) else {
        problems.add("form.schema.properties", "must be an object with at least one field");
        return (kinds, required);
    };
    for (name, property) in properties {
        let path = format!("form.schema.properties.{name}");
        if !is_identifier(name) {
            problems.add(&path, "field names are lowercase letters, digits and _, starting with a letter");
        }
        if let Some(kind) = read_property(&path, property, problems) {
            kinds.insert(name.clone(), kind);
        }
    }
    match root.get("required") {
        None => {}
        Some(Value::Array(names)) => {
            for name in names {
                match name.as_str() {
                    Some(name) if properties.contains_key(name) => {
                        required.insert(name.to_string());
                    }
                    _ => problems.add("form.schema.required", format!("{name} is not a field")),
                }
            }
        }
        Some(_) => problems.add("form.schema.required", "must be a list of field names"),
    }
    (kinds, required)
}

fn read_property(path: &str, property: &Value, problems: &mut Problems) -> Option<FieldKind> {
    let Some(property) = property.as_object() else {
        problems.add(path, "must be an object");
        return None;
    };
    for key in property.keys().filter(|k| !PROPERTY_KEYWORDS.contains(&k.as_str())) {
        problems.add(format!("{path}.{key}"), "is not supported");
    }
    let unsigned = |key: &str, problems: &mut Problems| -> Option<u64> {
        let value = property.get(key)?;
        let number = value.as_u64();
        if number.is_none() {
            problems.add(format!("{path}.{key}"), "must be a whole number ≥ 0");
        }
        number
    };
    let signed = |key: &str, problems: &mut Problems| -> Option<i64> {
        let value = property.get(key)?;
        let number = value.as_i64();
        if number.is_none() {
            problems.add(format!("{path}.{key}"), "must be a whole number");
        }
        number
    };
    let only_for = |keys: &[&str], kind: &str, problems: &mut Problems| {
        for key in keys.iter().filter(|k| property.contains_key(**k)) {
            problems.add(format!("{path}.{key}"), format!("does not apply to a {kind} field"));
        }
    };
    match property.get("type").and_then(Value::as_str) {
        Some("string") => {
            only_for(&["minimum", "maximum"], "string", problems);
            if let Some(values) = property.get("enum") {
                only_for(&["minLength", "maxLength", "format"], "choice", problems);
                let values: Option<Vec<String>> = values
                    .as_array()
                    .map(|list| list.iter().map(|v| v.as_str().map(str::to_string)).collect())
                    .unwrap_or(None);
                match values {
                    Some(values) if !values.is_empty() && values.iter().all(|v| is_identifier(v)) => {
                        let unique: BTreeSet<&String> = values.iter().collect();
                        if unique.len() != values.len() {
                            problems.add(format!("{path}.enum"), "lists a value twice");
                        }
                        return Some(FieldKind::Choice { values });
                    }
                    _ => problems.add(format!("{path}.enum"), "must list identifiers (lowercase, digits, _)"),
                }
                return None;
            }
            let format = match property.get("format") {
                None => None,
                Some(format) => {
                    let parsed = format.as_str().and_then(TextFormat::parse);
                    if parsed.is_none() {
                        problems.add(format!("{path}.format"), "must be date, email, nik or phone");
                    }
                    parsed
                }
            };
            let min_length = unsigned("minLength", problems).unwrap_or(0);
            let max_length = unsigned("maxLength", problems).unwrap_or(DEFAULT_MAX_LENGTH);
            if max_length == 0 || max_length > MAX_LENGTH || min_length > max_length {
                problems
                    .add(format!("{path}.maxLength"), format!("must be 1 to {MAX_LENGTH} and ≥ minLength"));
            }
            Some(FieldKind::Text { min_length, max_length, format })
        }
        Some("integer") => {
            only_for(&["minLength", "maxLength", "enum", "format"], "integer", problems);
            let minimum = signed("minimum", problems);
            let maximum = signed("maximum", problems);
            if let (Some(min), Some(max)) = (minimum, maximum)
                && min > max
            {
                problems.add(format!("{path}.minimum"), "is above maximum");
            }
            Some(FieldKind::Integer { minimum, maximum })
        }
        Some("boolean") => {
            only_for(
                &["minLength", "maxLength", "enum", "format", "minimum", "maximum"],
                "boolean",
                problems,
            );
            Some(FieldKind::Boolean)
        }
        _ => {
            problems.add(format!("{path}.type"), "must be string, integer or boolean");
            None
        }
    }
}

fn check_condition(
    path: &str,
    condition: &Condition,
    kinds: &BTreeMap<String, FieldKind>,
    problems: &mut Problems,
) {
    let fits = match kinds.get(&condition.field) {
        None => {
            problems.add(format!("{path}.field"), format!("{} is not a field", condition.field));
            return;
        }
        Some(FieldKind::Choice { values }) => {
            condition.equals.as_str().is_some_and(|v| values.iter().any(|x| x == v))
        }
        Some(FieldKind::Boolean) => condition.equals.is_boolean(),
        Some(FieldKind::Integer { .. }) => condition.equals.is_i64(),
        Some(FieldKind::Text { .. }) => condition.equals.is_string(),
    };
    if !fits {
        problems.add(format!("{path}.equals"), "is not a value that field can have");
    }
}

fn check_form(form: &Form, kinds: &BTreeMap<String, FieldKind>, problems: &mut Problems) {
    if form.pages.is_empty() {
        problems.add("form.pages", "must list at least one page");
    }
    let mut placed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut page_keys = BTreeSet::new();
    for (index, page) in form.pages.iter().enumerate() {
        let path = format!("form.pages[{index}]");
        if !is_identifier(&page.key) || !page_keys.insert(page.key.as_str()) {
            problems.add(format!("{path}.key"), "must be a unique identifier");
        }
        problems.text(&format!("{path}.title"), &page.title, 150);
        if page.fields.is_empty() {
            problems.add(format!("{path}.fields"), "must list at least one field");
        }
        for field in &page.fields {
            if !kinds.contains_key(field) {
                problems.add(format!("{path}.fields"), format!("{field} is not in the schema"));
            } else if placed.insert(field, index).is_some() {
                problems.add(format!("{path}.fields"), format!("{field} is on two pages"));
            }
        }
    }
    for name in kinds.keys() {
        if !placed.contains_key(name.as_str()) {
            problems.add("form.pages", format!("{name} is on no page"));
        }
        if !form.fields.contains_key(name) {
            problems.add(format!("form.fields.{name}"), "needs a label");
        }
    }
    for (name, hints) in &form.fields {
        let path = format!("form.fields.{name}");
        let Some(kind) = kinds.get(name) else {
            problems.add(&path, "is not in the schema");
            continue;
        };
        problems.text(&format!("{path}.label"), &hints.label, 200);
        if let Some(help) = &hints.help {
            problems.text(&format!("{path}.help"), help, 1000);
        }
        if let Some(condition) = &hints.show_if {
            check_condition(&format!("{path}.show_if"), condition, kinds, problems);
            // The field looked at must be answered before: on an earlier page or earlier on this one.
            let order = |field: &str| {
                let page = placed.get(field).copied()?;
                Some((page, form.pages.get(page)?.fields.iter().position(|f| f == field)?))
            };
            if condition.field == *name || order(&condition.field) >= order(name) {
                problems.add(format!("{path}.show_if.field"), "must be a field asked before this one");
            }
        }
        match kind {
            FieldKind::Choice { values } => {
                let labelled: BTreeSet<&String> = hints.options.keys().collect();
                if labelled != values.iter().collect::<BTreeSet<_>>() {
                    problems.add(format!("{path}.options"), "must label every enum value, and only those");
                }
                for (value, label) in &hints.options {
                    problems.text(&format!("{path}.options.{value}"), label, 200);
                }
            }
            _ if !hints.options.is_empty() => {
                problems.add(format!("{path}.options"), "only choice fields have options")
            }
            _ => {}
        }
        if hints.multiline && !matches!(kind, FieldKind::Text { format: None, .. }) {
            problems.add(format!("{path}.multiline"), "only plain text fields may be multi-line");
        }
    }
}

fn check_requirements(
    requirements: &[Requirement],
    kinds: &BTreeMap<String, FieldKind>,
    problems: &mut Problems,
) {
    let mut keys = BTreeSet::new();
    for (index, requirement) in requirements.iter().enumerate() {
        let path = format!("requirements[{index}]");
        if !is_identifier(&requirement.key) || !keys.insert(requirement.key.as_str()) {
            problems.add(format!("{path}.key"), "must be a unique identifier");
        }
        problems.text(&format!("{path}.label"), &requirement.label, 200);
        if let Some(help) = &requirement.help {
            problems.text(&format!("{path}.help"), help, 1000);
        }
        if requirement.accept.is_empty()
            || requirement.accept.iter().any(|t| !ACCEPTED_MEDIA_TYPES.contains(&t.as_str()))
        {
            problems.add(
                format!("{path}.accept"),
                format!("must list some of {}", ACCEPTED_MEDIA_TYPES.join(", ")),
            );
        }
        if !(1..=MAX_UPLOAD_BYTES).contains(&requirement.max_bytes) {
            problems.add(format!("{path}.max_bytes"), format!("must be 1 to {MAX_UPLOAD_BYTES}"));
        }
        if let Some(condition) = &requirement.show_if {
            check_condition(&format!("{path}.show_if"), condition, kinds, problems);
        }
    }
}

fn check_workflow(workflow: &Workflow, problems: &mut Problems) {
    let mut steps = BTreeSet::new();
    if workflow.steps.is_empty() {
        problems.add("workflow.steps", "must list at least one step");
    }
    for (index, step) in workflow.steps.iter().enumerate() {
        let path = format!("workflow.steps[{index}]");
        if !is_identifier(&step.key)
            || [APPROVED, REJECTED].contains(&step.key.as_str())
            || !steps.insert(step.key.as_str())
        {
            problems
                .add(format!("{path}.key"), "must be a unique identifier other than approved and rejected");
        }
        problems.text(&format!("{path}.name"), &step.name, 150);
        if !STEP_ROLES.contains(&step.role.as_str()) {
            problems.add(format!("{path}.role"), format!("must be one of {}", STEP_ROLES.join(", ")));
        }
    }
    let mut seen = BTreeSet::new();
    for (index, transition) in workflow.transitions.iter().enumerate() {
        let path = format!("workflow.transitions[{index}]");
        if !steps.contains(transition.from.as_str()) {
            problems.add(format!("{path}.from"), format!("{} is not a step", transition.from));
        }
        let target_fits = match transition.action {
            Action::Forward => steps.contains(transition.to.as_str()) && transition.to != transition.from,
            Action::RequestRevision => transition.to == transition.from,
            Action::Approve => transition.to == APPROVED,
            Action::Reject => transition.to == REJECTED,
        };
        if !target_fits {
            problems.add(
                format!("{path}.to"),
                "forward goes to another step, request_revision to the same step, approve to approved, reject to rejected",
            );
        }
        if !seen.insert((transition.from.as_str(), transition.action)) {
            problems.add(&path, "repeats an action from the same step");
        }
    }
    // Every step must be reachable from the first, and approval reachable at all.
    let mut reached: BTreeSet<&str> = workflow.steps.first().map(|s| s.key.as_str()).into_iter().collect();
    loop {
        let before = reached.len();
        for t in &workflow.transitions {
            if reached.contains(t.from.as_str()) {
                reached.insert(t.to.as_str());
            }
        }
        if reached.len() == before {
            break;
        }
    }
    for step in &workflow.steps {
        if !reached.contains(step.key.as_str()) {
            problems
                .add("workflow.transitions", format!("step {} cannot be reached from the first", step.key));
        }
    }
    if !workflow.steps.is_empty() && !reached.contains(APPROVED) {
        problems.add("workflow.transitions", "no path leads to approved");
    }
}

/// The `{names}` in a template, or the text of an unclosed or empty one as an error.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| "a { is not closed".to_string())?;
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return Err(format!("{{{name}}} is not a placeholder"));
        }
        names.push(name);
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("a } has no {".into());
    }
    Ok(names)
}

/// The template with each `{name}` replaced by `value(name)`; a name without a value, and
/// a brace that opens no placeholder, are left as written.
pub fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (close, value(&after[..close]))) {
            Some((close, Some(text))) => {
                out.push_str(&text);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The month (1-12) in Roman numerals, as Indonesian letter numbers write it.
pub fn month_roman(month: i8) -> &'static str {
    const ROMAN: [&str; 12] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"];
    usize::try_from(month - 1).ok().and_then(|i| ROMAN.get(i)).copied().unwrap_or("")
}

fn check_document(document: &DocumentTemplate, kinds: &BTreeMap<String, FieldKind>, problems: &mut Problems) {
    problems.text("document.title", &document.title, 200);
    problems.text("document.body", &document.body, 8000);
    for (lang, body) in [("id", &document.body.id), ("en", &document.body.en)] {
        match placeholders(body) {
            Ok(names) => {
                for name in
                    names.into_iter().filter(|n| !kinds.contains_key(*n) && !DOCUMENT_VARIABLES.contains(n))
                {
                    problems.add(
                        format!("document.body.{lang}"),
                        format!("{{{name}}} is neither a field nor a variable"),
                    );
                }
            }
            Err(message) => problems.add(format!("document.body.{lang}"), message),
        }
    }
    match placeholders(&document.number_format) {
        Ok(names) => {
            if !names.contains(&"seq") {
                problems.add("document.number_format", "must contain {seq}");
            }
            for name in names.into_iter().filter(|n| !NUMBER_VARIABLES.contains(n)) {
                problems.add("document.number_format", format!("{{{name}}} is not a number variable"));
            }
        }
        Err(message) => problems.add("document.number_format", message),
    }
}

/// Why a value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// Required and empty.
    Required,
    /// Fewer characters than allowed.
    TooShort {
        /// Fewest allowed.
        min: u64,
    },
    /// More characters than allowed.
    TooLong {
        /// Most allowed.
        max: u64,
    },
    /// Not one of the choices.
    NotAChoice,
    /// Not a whole number.
    NotInteger,
    /// Below the minimum.
    BelowMinimum {
        /// Smallest allowed.
        min: i64,
    },
    /// Above the maximum.
    AboveMaximum {
        /// Largest allowed.
        max: i64,
    },
    /// Not yes or no.
    NotBoolean,
    /// Not a date.
    NotDate,
    /// Not an email address.
    NotEmail,
    /// Not 16 digits.
    NotNik,
    /// Not an Indonesian mobile number.
    NotPhone,
    /// Not text.
    NotText,
    /// No such field in the form.
    Unknown,
}

impl FieldProblem {
    /// A stable code for APIs and messages.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::NotAChoice => "not_a_choice",
            Self::NotInteger => "not_integer",
            Self::BelowMinimum { .. } => "below_minimum",
            Self::AboveMaximum { .. } => "above_maximum",
            Self::NotBoolean => "not_boolean",
            Self::NotDate => "not_date",
            Self::NotEmail => "not_email",
            Self::NotNik => "not_nik",
            Self::NotPhone => "not_phone",
            Self::NotText => "not_text",
            Self::Unknown => "unknown_field",
        }
    }
}

/// A refused value and its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: String,
    /// What is wrong.
    pub problem: FieldProblem,
}

/// Whether a value is "empty" for the required check.
fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.trim().is_empty(),
        Some(_) => false,
    }
}

impl CheckedService {
    /// Whether a field is shown, given the data so far (a field whose condition looks at a
    /// hidden field is hidden too).
    pub fn is_shown(&self, field: &str, data: &Map<String, Value>) -> bool {
        let mut current = field;
        // Conditions only look at earlier fields, so this walk ends; the bound is a guard.
        for _ in 0..=self.kinds.len() {
            let Some(condition) = self.definition.form.fields.get(current).and_then(|h| h.show_if.as_ref())
            else {
                return true;
            };
            if data.get(&condition.field) != Some(&condition.equals) {
                return false;
            }
            current = &condition.field;
        }
        false
    }

    /// Whether a requirement is asked for, given the form's data.
    pub fn requirement_shown(&self, requirement: &Requirement, data: &Map<String, Value>) -> bool {
        match &requirement.show_if {
            None => true,
            Some(condition) => {
                self.is_shown(&condition.field, data) && data.get(&condition.field) == Some(&condition.equals)
            }
        }
    }

    /// Reads web form text into typed values: numbers for integer fields, `true`/`false`
    /// for yes/no fields, trimmed text otherwise; empty inputs are left out. Unknown names
    /// are left out too (a page posts only its own fields).
    pub fn from_form_text<'a>(
        &self,
        inputs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Map<String, Value> {
        let mut data = Map::new();
        for (name, text) in inputs {
            let text = text.trim();
            let Some(kind) = self.kinds.get(name) else { continue };
            if text.is_empty() {
                continue;
            }
            let value = match kind {
                FieldKind::Integer { .. } => {
                    text.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(text))
                }
                FieldKind::Boolean => match text {
                    "true" | "ya" => Value::Bool(true),
                    "false" | "tidak" => Value::Bool(false),
                    other => Value::from(other),
                },
                _ => Value::from(text),
            };
            data.insert(name.to_string(), value);
        }
        data
    }

    /// Checks the named fields of `data` (one page's, say): hidden ones are skipped, shown
    /// ones must fit their kind and, when required, be filled. Returns the clean values of
    /// the shown fields, or every error; a name that is not a field is an error.
    pub fn validate_fields<'a>(
        &self,
        data: &Map<String, Value>,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> Result<Map<String, Value>, Vec<FieldError>> {
        let mut clean = Map::new();
        let mut errors = Vec::new();
        for field in fields {
            let Some(kind) = self.kinds.get(field) else {
                errors.push(FieldError { field: field.to_string(), problem: FieldProblem::Unknown });
                continue;
            };
            if !self.is_shown(field, data) {
                continue;
            }
            let value = data.get(field);
            if is_empty(value) {
                if self.required.contains(field) {
                    errors.push(FieldError { field: field.to_string(), problem: FieldProblem::Required });
                }
                continue;
            }
            match check_value(kind, value.unwrap_or(&Value::Null)) {
                Ok(value) => {
                    clean.insert(field.to_string(), value);
                }
                Err(problem) => errors.push(FieldError { field: field.to_string(), problem }),
            }
        }
        if errors.is_empty() { Ok(clean) } else { Err(errors) }
    }

    /// Checks a whole application's data: every field, and no unknown ones.
    pub fn validate(&self, data: &Map<String, Value>) -> Result<Map<String, Value>, Vec<FieldError>> {
        let unknown: Vec<FieldError> = data
            .keys()
            .filter(|k| !self.kinds.contains_key(k.as_str()))
            .map(|k| FieldError { field: k.clone(), problem: FieldProblem::Unknown })
            .collect();
        let checked = self.validate_fields(data, self.kinds.keys().map(String::as_str));
        match (checked, unknown.is_empty()) {
            (Ok(clean), true) => Ok(clean),
            (Ok(_), false) => Err(unknown),
            (Err(mut errors), _) => {
                errors.extend(unknown);
                Err(errors)
            }
        }
    }
}

fn check_value(kind: &FieldKind, value: &Value) -> Result<Value, FieldProblem> {
    match kind {
        FieldKind::Text { min_length, max_length, format } => {
            let text = value.as_str().ok_or(FieldProblem::NotText)?.trim();
            let count = text.chars().count() as u64;
            if count < *min_length {
                return Err(FieldProblem::TooShort { min: *min_length });
            }
            if count > *max_length {
                return Err(FieldProblem::TooLong { max: *max_length });
            }
            if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                return Err(FieldProblem::NotText);
            }
            let text = match format {
                None => text.to_string(),
                Some(TextFormat::Date) => {
                    text.parse::<jiff::civil::Date>().map_err(|_| FieldProblem::NotDate)?.to_string()
                }
                Some(TextFormat::Email) => {
                    let email = text.to_lowercase();
                    if !crate::contact::plausible_email(&email) {
                        return Err(FieldProblem::NotEmail);
                    }
                    email
                }
                Some(TextFormat::Nik) => {
                    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                    if digits.len() != 16 || !digits.chars().all(|c| c.is_ascii_digit()) {
                        return Err(FieldProblem::NotNik);
                    }
                    digits
                }
                Some(TextFormat::Phone) => {
                    crate::contact::normalize_phone(text).ok_or(FieldProblem::NotPhone)?
                }
            };
            Ok(Value::from(text))
        }
        FieldKind::Choice { values } => {
            let text = value.as_str().ok_or(FieldProblem::NotAChoice)?;
            if values.iter().any(|v| v == text) {
                Ok(Value::from(text))
            } else {
                Err(FieldProblem::NotAChoice)
            }
        }
        FieldKind::Integer { minimum, maximum } => {
            let number = value.as_i64().ok_or(FieldProblem::NotInteger)?;
            if let Some(min) = minimum
                && number < *min
            {
                return Err(FieldProblem::BelowMinimum { min: *min });
            }
            if let Some(max) = maximum
                && number > *max
            {
                return Err(FieldProblem::AboveMaximum { max: *max });
            }
            Ok(Value::from(number))
        }
        FieldKind::Boolean => value.as_bool().map(Value::Bool).ok_or(FieldProblem::NotBoolean),
    }
}

#[cfg(test)]
mod tests;
