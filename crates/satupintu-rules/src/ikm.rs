//! The community satisfaction index (Indeks Kepuasan Masyarakat, IKM) of PermenPAN-RB
//! 14/2017: nine elements scored 1–4, the average score per element (NRR), the index with
//! the weight 1/9 per element, its value converted to 25–100, and the grade.

use serde::Serialize;

/// How many elements (unsur) the survey has.
pub const ELEMENTS: usize = 9;

/// The elements in the regulation's order: key, Indonesian name, English name.
pub const ELEMENT_NAMES: [(&str, &str, &str); ELEMENTS] = [
    ("u1", "Persyaratan", "Requirements"),
    ("u2", "Sistem, Mekanisme, dan Prosedur", "Systems, mechanisms and procedures"),
    ("u3", "Waktu Penyelesaian", "Time to completion"),
    ("u4", "Biaya/Tarif", "Cost or fee"),
    ("u5", "Produk Spesifikasi Jenis Pelayanan", "What the service delivers"),
    ("u6", "Kompetensi Pelaksana", "Competence of the staff"),
    ("u7", "Perilaku Pelaksana", "Conduct of the staff"),
    ("u8", "Penanganan Pengaduan, Saran dan Masukan", "Handling of complaints and suggestions"),
    ("u9", "Sarana dan Prasarana", "Facilities"),
];

/// The weight as the regulation prints it; published reports often compute with it.
pub const PRINTED_WEIGHT: f64 = 0.111;

/// One respondent's answers, element by element; `None` where the element was not answered.
pub type Answers = [Option<u8>; ELEMENTS];

/// Why a cell is not a score.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// Not a whole number from 1 to 4.
    #[error("`{0}` is not a score from 1 to 4")]
    NotAScore(String),
}

/// Reads one cell: a whole number from 1 to 4, or nothing (not answered). Surrounding spaces
/// are ignored.
pub fn parse_score(cell: &str) -> Result<Option<u8>, ScoreError> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    match cell {
        "1" => Ok(Some(1)),
        "2" => Ok(Some(2)),
        "3" => Ok(Some(3)),
        "4" => Ok(Some(4)),
        other => Err(ScoreError::NotAScore(other.chars().take(40).collect())),
    }
}

/// Grades of service quality (mutu pelayanan).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Grade {
    /// 88.31–100: Sangat Baik.
    A,
    /// 76.61–88.30: Baik.
    B,
    /// 65.00–76.60: Kurang Baik.
    C,
    /// 25.00–64.99: Tidak Baik.
    D,
}

impl Grade {
    /// The grade of a converted value. The value is first rounded to two decimals, as it is
    /// shown, so that a shown 88.31 is always an A.
    pub fn of(converted: f64) -> Self {
        let hundredths = (converted * 100.0).round() as i64;
        match hundredths {
            8831.. => Self::A,
            7661.. => Self::B,
            6500.. => Self::C,
            _ => Self::D,
        }
    }

    /// The letter.
    pub fn letter(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
        }
    }

    /// The regulation's label (Indonesian).
    pub fn label(self) -> &'static str {
        match self {
            Self::A => "Sangat Baik",
            Self::B => "Baik",
            Self::C => "Kurang Baik",
            Self::D => "Tidak Baik",
        }
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::A => "Very good",
            Self::B => "Good",
            Self::C => "Poor",
            Self::D => "Very poor",
        }
    }
}

/// Score sums and counts per element: what a report needs, and what can be added up from
/// any number of respondents (or from the database) without keeping them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Respondents counted.
    pub respondents: u64,
    /// Sum of the scores given, per element.
    pub sums: [u64; ELEMENTS],
    /// How many answered, per element.
    pub answered: [u64; ELEMENTS],
}

impl Tally {
    /// Adds one respondent.
    pub fn add(&mut self, answers: &Answers) {
        self.respondents += 1;
        for (i, answer) in answers.iter().enumerate() {
            if let Some(score) = answer {
                self.sums[i] += u64::from(*score);
                self.answered[i] += 1;
            }
        }
    }

    /// The index, once there is at least one answer.
    pub fn index(&self) -> Option<Index> {
        let nrr: [Option<f64>; ELEMENTS] = std::array::from_fn(|i| {
            (self.answered[i] > 0).then(|| self.sums[i] as f64 / self.answered[i] as f64)
        });
        let answered: Vec<f64> = nrr.iter().flatten().copied().collect();
        if answered.is_empty() {
            return None;
        }
        // Each element weighs 1/9. An element nobody answered is left out and the others
        // share its weight, so a skipped question does not read as a score of zero.
        let raw = answered.iter().sum::<f64>() / answered.len() as f64;
        let raw_printed = answered.iter().map(|n| n * PRINTED_WEIGHT).sum::<f64>() * ELEMENTS as f64
            / answered.len() as f64;
        let converted = raw * 25.0;
        let grade = Grade::of(converted);
        Some(Index {
            respondents: self.respondents,
            nrr,
            raw,
            converted,
            converted_printed_weight: raw_printed * 25.0,
            grade,
        })
    }
}

/// The index of a set of respondents.
#[derive(Clone, Debug, PartialEq)]
pub struct Index {
    /// How many respondents.
    pub respondents: u64,
    /// The average score (nilai rata-rata) per element; `None` where nobody answered.
    pub nrr: [Option<f64>; ELEMENTS],
    /// Σ NRR × 1/9, on the 1–4 scale.
    pub raw: f64,
    /// The raw index × 25: the value reported (25–100).
    pub converted: f64,
    /// The converted value computed with the printed weight 0.111 instead of 1/9.
    pub converted_printed_weight: f64,
    /// The grade of [`Index::converted`].
    pub grade: Grade,
}

/// The minimum number of respondents for a population of `population` service users: the
/// Krejcie and Morgan (1970) table the regulation uses, computed from its formula
/// (χ² = 3.841, P = 0.5, d = 0.05) and rounded, which reproduces the table (100 → 80,
/// 1,000 → 278, 10,000 → 370, 1,000,000 → 384).
pub fn minimum_sample(population: u64) -> u64 {
    if population == 0 {
        return 0;
    }
    let n = population as f64;
    let chi = 3.841;
    let sample = chi * n * 0.25 / (0.0025 * (n - 1.0) + chi * 0.25);
    // The table rounds to the nearest whole respondent (50 → 44.3 → 44).
    (sample.round() as u64).min(population)
}

/// Rounds for display: two decimals.
pub fn two_decimals(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(score: u8) -> Answers {
        [Some(score); ELEMENTS]
    }

    #[test]
    fn scores_are_whole_numbers_from_one_to_four_or_nothing() {
        assert_eq!(parse_score(" 3 "), Ok(Some(3)));
        assert_eq!(parse_score(""), Ok(None));
        assert_eq!(parse_score("  "), Ok(None));
        for bad in ["0", "5", "3.0", "2,5", "x", "-1", "+2", "04"] {
            assert!(parse_score(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_element_at_four_is_one_hundred_and_at_one_is_twenty_five() {
        let mut tally = Tally::default();
        tally.add(&all(4));
        let index = tally.index().expect("index");
        assert_eq!(index.converted, 100.0);
        assert_eq!(index.grade, Grade::A);
        let mut tally = Tally::default();
        tally.add(&all(1));
        let index = tally.index().expect("index");
        assert_eq!(index.converted, 25.0);
        assert_eq!(index.grade, Grade::D);
    }

    #[test]
    fn a_worked_example() {
        // Three respondents; the second skipped element 9.
        let mut tally = Tally::default();
        tally.add(&[Some(3), Some(3), Some(4), Some(4), Some(3), Some(3), Some(4), Some(3), Some(3)]);
        tally.add(&[Some(4), Some(3), Some(3), Some(4), Some(3), Some(4), Some(4), Some(2), None]);
        tally.add(&[Some(3), Some(2), Some(3), Some(4), Some(3), Some(3), Some(3), Some(3), Some(4)]);
        let index = tally.index().expect("index");
        assert_eq!(index.respondents, 3);
        assert_eq!(index.nrr[0], Some(10.0 / 3.0));
        assert_eq!(index.nrr[8], Some(3.5));
        let nrr_sum =
            10.0 / 3.0 + 8.0 / 3.0 + 10.0 / 3.0 + 4.0 + 3.0 + 10.0 / 3.0 + 11.0 / 3.0 + 8.0 / 3.0 + 3.5;
        assert!((index.converted - nrr_sum / 9.0 * 25.0).abs() < 1e-12);
        assert_eq!(two_decimals(index.converted), 81.94);
        assert_eq!(index.grade, Grade::B);
        assert_eq!(two_decimals(index.converted_printed_weight), 81.86);
    }

    #[test]
    fn grade_boundaries_follow_the_regulation_on_the_shown_value() {
        assert_eq!(Grade::of(100.0), Grade::A);
        assert_eq!(Grade::of(88.31), Grade::A);
        assert_eq!(Grade::of(88.30), Grade::B);
        assert_eq!(Grade::of(76.61), Grade::B);
        assert_eq!(Grade::of(76.60), Grade::C);
        assert_eq!(Grade::of(65.0), Grade::C);
        assert_eq!(Grade::of(64.99), Grade::D);
        assert_eq!(Grade::of(25.0), Grade::D);
    }

    #[test]
    fn minimum_samples_match_the_krejcie_morgan_table() {
        for (population, sample) in [
            (10, 10),
            (50, 44),
            (100, 80),
            (200, 132),
            (500, 217),
            (1_000, 278),
            (2_000, 322),
            (5_000, 357),
            (10_000, 370),
            (20_000, 377),
            (75_000, 382),
            (1_000_000, 384),
        ] {
            assert_eq!(minimum_sample(population), sample, "N = {population}");
        }
        assert_eq!(minimum_sample(0), 0);
    }

    #[test]
    fn nobody_answering_gives_no_index() {
        let mut tally = Tally::default();
        tally.add(&[None; ELEMENTS]);
        assert_eq!(tally.index(), None);
    }

    proptest! {
        #[test]
        fn the_index_stays_within_the_scale_and_agrees_with_its_grade(
            rows in proptest::collection::vec(proptest::array::uniform9(proptest::option::of(1u8..=4)), 1..60)
        ) {
            let mut tally = Tally::default();
            for row in &rows {
                tally.add(row);
            }
            if let Some(index) = tally.index() {
                prop_assert!((25.0..=100.0).contains(&index.converted));
                prop_assert_eq!(index.grade, Grade::of(index.converted));
                for (i, nrr) in index.nrr.iter().enumerate() {
                    let answered: Vec<u64> = rows.iter().filter_map(|r| r[i]).map(u64::from).collect();
                    match nrr {
                        Some(value) => prop_assert!(
                            (value - answered.iter().sum::<u64>() as f64 / answered.len() as f64).abs() < 1e-12
                        ),
                        None => prop_assert!(answered.is_empty()),
                    }
                }
            } else {
                prop_assert!(rows.iter().all(|r| r.iter().all(Option::is_none)));
            }
        }

        #[test]
        fn any_cell_text_parses_or_is_refused_without_panicking(cell in ".{0,12}") {
            let parsed = parse_score(&cell);
            if let Ok(Some(score)) = parsed {
                prop_assert!((1..=4).contains(&score));
            }
        }
    }
}
