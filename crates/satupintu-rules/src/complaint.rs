//! Complaints (pengaduan) in the LAPOR!/SP4N model (Perpres 76/2013, PermenPAN-RB 46/2020):
//! what a report must say, where it may be, its life cycle, and when two reports are alike.

use serde::Serialize;

/// Working days to verify a report and forward it to the responsible agency.
pub const FORWARD_WORKING_DAYS: u32 = 3;
/// Working days for the agency's follow-up once it has the report.
pub const FOLLOW_UP_WORKING_DAYS: u32 = 5;
/// Working days the reporter has to confirm or dispute a follow-up; silence then closes it.
pub const CONFIRM_WORKING_DAYS: u32 = 10;

/// Shortest and longest title, in characters.
pub const TITLE_CHARS: (usize, usize) = (5, 150);
/// Shortest and longest text, in characters.
pub const TEXT_CHARS: (usize, usize) = (20, 5000);
/// Longest address, in characters.
pub const ADDRESS_CHARS: usize = 200;

/// What kind of report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Pengaduan: something is wrong.
    Complaint,
    /// Aspirasi: a wish or proposal.
    Aspiration,
    /// Permintaan informasi: a question.
    Information,
}

impl Category {
    /// Every category, in the order offered.
    pub const ALL: [Self; 3] = [Self::Complaint, Self::Aspiration, Self::Information];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complaint => "complaint",
            Self::Aspiration => "aspiration",
            Self::Information => "information",
        }
    }

    /// From the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Where a report is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Received, waiting to be verified and forwarded (within 3 working days).
    Received,
    /// With the responsible agency, waiting for its follow-up (within 5 working days).
    Forwarded,
    /// The agency reports it done; the reporter confirms or disputes (10 working days).
    Done,
    /// Closed: confirmed by the reporter, or by silence after the follow-up.
    Closed,
    /// Not a report that can be handled (spam, abuse, out of scope), with a reason.
    Rejected,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Forwarded => "forwarded",
            Self::Done => "done",
            Self::Closed => "closed",
            Self::Rejected => "rejected",
        }
    }

    /// From the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Received, Self::Forwarded, Self::Done, Self::Closed, Self::Rejected]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// Open311's two states: everything not finished is `open`.
    pub fn open311(self) -> &'static str {
        match self {
            Self::Closed | Self::Rejected => "closed",
            _ => "open",
        }
    }
}

/// A report as typed, before it is checked.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    /// `complaint`, `aspiration` or `information`.
    pub category: String,
    /// The title.
    pub title: String,
    /// What happened.
    pub text: String,
    /// Where, in words.
    pub address: String,
    /// Latitude, as typed.
    pub lat: String,
    /// Longitude, as typed.
    pub lon: String,
}

/// Why a field of a report is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// Nothing given.
    Required,
    /// Fewer characters than allowed.
    TooShort {
        /// The least.
        min: usize,
    },
    /// More characters than allowed.
    TooLong {
        /// The most.
        max: usize,
    },
    /// Not one of the choices.
    UnknownChoice,
    /// Not a number, or outside the globe.
    NotACoordinate,
    /// Only one of latitude and longitude.
    HalfAPosition,
}

/// A refused field and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field: `category`, `title`, `text`, `address`, `lat`, `lon`.
    pub field: &'static str,
    /// Why.
    #[serde(flatten)]
    pub problem: Problem,
}

/// A report that passed the checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// The category.
    pub category: Category,
    /// The title, trimmed.
    pub title: String,
    /// The text, trimmed.
    pub text: String,
    /// The address, trimmed, if any.
    pub address: Option<String>,
    /// Latitude and longitude, if given.
    pub position: Option<(f64, f64)>,
    /// The position lies outside Indonesia's bounding box: accepted, but worth a second look.
    pub outside_indonesia: bool,
}

/// Indonesia's bounding box (south, west, north, east), with a margin for its waters.
pub const INDONESIA: (f64, f64, f64, f64) = (-11.5, 94.5, 6.5, 141.5);

/// What is wrong with the length of a text, in characters: nothing, or missing (when
/// `min` is above zero), too short or too long. Shared by every form that bounds its texts.
pub fn length_problem(value: &str, min: usize, max: usize) -> Option<Problem> {
    match value.chars().count() {
        0 if min > 0 => Some(Problem::Required),
        n if n < min => Some(Problem::TooShort { min }),
        n if n > max => Some(Problem::TooLong { max }),
        _ => None,
    }
}

fn length(field: &'static str, value: &str, (min, max): (usize, usize), errors: &mut Vec<FieldError>) {
    if let Some(problem) = length_problem(value, min, max) {
        errors.push(FieldError { field, problem });
    }
}

fn coordinate(field: &'static str, text: &str, limit: f64, errors: &mut Vec<FieldError>) -> Option<f64> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value.abs() <= limit => Some(value),
        _ => {
            errors.push(FieldError { field, problem: Problem::NotACoordinate });
            None
        }
    }
}

/// Checks a report: every problem at once, so a form can show each beside its field.
pub fn check(draft: &Draft) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let category = Category::parse(draft.category.trim());
    if category.is_none() {
        let problem =
            if draft.category.trim().is_empty() { Problem::Required } else { Problem::UnknownChoice };
        errors.push(FieldError { field: "category", problem });
    }
    let (title, text, address) = (draft.title.trim(), draft.text.trim(), draft.address.trim());
    length("title", title, TITLE_CHARS, &mut errors);
    length("text", text, TEXT_CHARS, &mut errors);
    if address.chars().count() > ADDRESS_CHARS {
        errors.push(FieldError { field: "address", problem: Problem::TooLong { max: ADDRESS_CHARS } });
    }
    let position = match (draft.lat.trim().is_empty(), draft.lon.trim().is_empty()) {
        (true, true) => None,
        (false, false) => {
            let lat = coordinate("lat", &draft.lat, 90.0, &mut errors);
            let lon = coordinate("lon", &draft.lon, 180.0, &mut errors);
            lat.zip(lon)
        }
        (lat_missing, _) => {
            let field = if lat_missing { "lat" } else { "lon" };
            errors.push(FieldError { field, problem: Problem::HalfAPosition });
            None
        }
    };
    let Some(category) = category.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let (south, west, north, east) = INDONESIA;
    let outside_indonesia =
        position.is_some_and(|(lat, lon)| !(south..=north).contains(&lat) || !(west..=east).contains(&lon));
    Ok(Checked {
        category,
        title: title.to_string(),
        text: text.to_string(),
        address: (!address.is_empty()).then(|| address.to_string()),
        position,
        outside_indonesia,
    })
}

/// The words of a text that carry meaning: lower case, letters and digits only, at least
/// three characters, without the commonest Indonesian and English function words.
pub fn words(text: &str) -> std::collections::BTreeSet<String> {
    const COMMON: &[&str] = &[
        "dan", "yang", "di", "ke", "dari", "ini", "itu", "untuk", "dengan", "ada", "tidak", "sudah", "belum",
        "kami", "saya", "kita", "mereka", "pada", "dalam", "atau", "juga", "karena", "sangat", "the", "and",
        "for", "with", "this", "that", "not", "are", "was", "has", "have",
    ];
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !COMMON.contains(&w.as_str()))
        .collect()
}

/// How alike two reports' words are (Jaccard: shared words over all words), 0 to 1.
pub fn likeness(a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    let all = a.union(b).count();
    if all == 0 { 0.0 } else { shared as f64 / all as f64 }
}

/// Reports at least this alike are offered as possible duplicates.
pub const ALIKE: f64 = 0.3;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft() -> Draft {
        Draft {
            category: "complaint".into(),
            title: "Jalan berlubang di Jl. Raya Darmo".into(),
            text: "Lubang besar di depan nomor 45 sudah dua minggu, membahayakan pengendara motor.".into(),
            ..Draft::default()
        }
    }

    #[test]
    fn a_complete_report_passes_trimmed() {
        let checked = check(&Draft { title: "  Lampu jalan mati  ".into(), ..draft() }).expect("valid");
        assert_eq!(checked.title, "Lampu jalan mati");
        assert_eq!(checked.category, Category::Complaint);
        assert_eq!(checked.position, None);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = check(&Draft {
            category: "pothole".into(),
            title: "abc".into(),
            text: "x".repeat(50 * 1024),
            address: "a".repeat(201),
            lat: "-7.29".into(),
            lon: String::new(),
        })
        .expect_err("invalid");
        let fields: Vec<(&str, &Problem)> = errors.iter().map(|e| (e.field, &e.problem)).collect();
        assert_eq!(
            fields,
            vec![
                ("category", &Problem::UnknownChoice),
                ("title", &Problem::TooShort { min: 5 }),
                ("text", &Problem::TooLong { max: 5000 }),
                ("address", &Problem::TooLong { max: 200 }),
                ("lon", &Problem::HalfAPosition),
            ]
        );
    }

    #[test]
    fn an_empty_report_names_what_is_required() {
        let errors = check(&Draft::default()).expect_err("invalid");
        assert!(errors.iter().all(|e| e.problem == Problem::Required));
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn coordinates_must_be_on_the_globe_and_outside_indonesia_is_only_a_warning() {
        let surabaya =
            check(&Draft { lat: "-7.2575".into(), lon: "112.7521".into(), ..draft() }).expect("ok");
        assert_eq!(surabaya.position, Some((-7.2575, 112.7521)));
        assert!(!surabaya.outside_indonesia);
        let paris = check(&Draft { lat: "48.85".into(), lon: "2.35".into(), ..draft() }).expect("ok");
        assert!(paris.outside_indonesia);
        for (lat, lon) in [("91", "100"), ("-7", "181"), ("NaN", "110"), ("-7", "inf"), ("abc", "110")] {
            let errors = check(&Draft { lat: lat.into(), lon: lon.into(), ..draft() }).expect_err("refused");
            assert!(errors.iter().all(|e| e.problem == Problem::NotACoordinate), "{lat},{lon}");
        }
    }

    #[test]
    fn script_is_just_text() {
        let checked =
            check(&Draft { title: "<script>alert(1)</script>".into(), ..draft() }).expect("accepted as text");
        assert_eq!(checked.title, "<script>alert(1)</script>");
    }

    #[test]
    fn alike_reports_share_their_meaningful_words() {
        let a = words("Jalan berlubang di Jl. Raya Darmo depan nomor 45");
        let b = words("Ada lubang besar, jalan berlubang di Raya Darmo");
        let c = words("Lampu penerangan jalan mati di Rungkut");
        assert!(likeness(&a, &b) >= ALIKE, "{}", likeness(&a, &b));
        assert!(likeness(&a, &c) < ALIKE);
        assert_eq!(likeness(&words(""), &words("")), 0.0);
    }

    proptest! {
        #[test]
        fn any_input_is_checked_without_panicking(
            category in ".{0,12}", title in ".{0,200}", text in ".{0,300}", lat in ".{0,10}", lon in ".{0,10}"
        ) {
            let draft = Draft { category, title, text, address: String::new(), lat, lon };
            if let Ok(checked) = check(&draft) {
                prop_assert!(checked.title.chars().count() <= TITLE_CHARS.1);
                if let Some((lat, lon)) = checked.position {
                    prop_assert!(lat.abs() <= 90.0 && lon.abs() <= 180.0);
                }
            }
        }

        #[test]
        fn likeness_is_symmetric_and_between_zero_and_one(a in ".{0,80}", b in ".{0,80}") {
            let (a, b) = (words(&a), words(&b));
            let ab = likeness(&a, &b);
            prop_assert!((0.0..=1.0).contains(&ab));
            prop_assert_eq!(ab, likeness(&b, &a));
        }
    }
}
