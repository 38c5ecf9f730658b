//! Satisfaction (IKM) figures from a file of responses: one respondent per row, columns
//! `u1`…`u9` (1–4, empty when not answered), other columns ignored. The rules are in
//! [`crate::ikm`]; this reads the file and writes the result.

use std::io::Read;

use crate::ikm::{self, Answers, ELEMENT_NAMES, ELEMENTS, Tally};
use serde::Serialize;

/// Most problems listed from one file; a file with more is wrong throughout.
const MOST_PROBLEMS: usize = 20;

/// What is wrong with a file, each problem naming its row and column.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct FileProblems {
    /// One line per problem.
    pub problems: Vec<String>,
}

/// Reads respondents from CSV. Every row is checked; with any problem nothing is returned.
/// Rows are numbered from 1 after the header (row 1 is the file's line 2, unless a cell
/// spans lines).
pub fn tally_csv(reader: impl Read) -> Result<Tally, FileProblems> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
    let fail = |problem: String| FileProblems { problems: vec![problem] };
    let header = csv.headers().map_err(|e| fail(format!("the header cannot be read: {e}")))?.clone();
    let mut columns = [0usize; ELEMENTS];
    let mut problems = Vec::new();
    for (i, (key, _, _)) in ELEMENT_NAMES.iter().enumerate() {
        let found: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, name)| name.trim_start_matches('\u{feff}').eq_ignore_ascii_case(key))
            .map(|(at, _)| at)
            .collect();
        match found.as_slice() {
            [at] => columns[i] = *at,
            [] => problems.push(format!("the header has no column {key} (columns u1 to u9 are needed)")),
            _ => problems.push(format!("the header has column {key} more than once")),
        }
    }
    if !problems.is_empty() {
        return Err(FileProblems { problems });
    }
    let mut tally = Tally::default();
    for (number, record) in csv.records().enumerate() {
        let row = number + 1;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push(format!("row {row}: cannot be read: {e}"));
                continue;
            }
        };
        if record.len() != header.len() {
            problems.push(format!("row {row}: has {} cells, the header {}", record.len(), header.len()));
        }
        let mut answers: Answers = [None; ELEMENTS];
        for (i, (key, _, _)) in ELEMENT_NAMES.iter().enumerate() {
            match ikm::parse_score(record.get(columns[i]).unwrap_or_default()) {
                Ok(score) => answers[i] = score,
                Err(e) => problems.push(format!("row {row}, column {key}: {e}")),
            }
        }
        if problems.len() >= MOST_PROBLEMS {
            problems.truncate(MOST_PROBLEMS);
            problems.push("… and possibly more; nothing was computed".into());
            return Err(FileProblems { problems });
        }
        tally.add(&answers);
    }
    if !problems.is_empty() {
        return Err(FileProblems { problems });
    }
    if tally.respondents == 0 {
        return Err(fail("the file has no respondents (no rows after the header)".into()));
    }
    Ok(tally)
}

/// The result as `satupintu ikm compute` prints it.
#[derive(Debug, Serialize)]
pub struct Computed {
    /// Respondents (rows).
    pub respondents: u64,
    /// NRR per element, `u1` first; `null` where nobody answered.
    pub nrr: [Option<f64>; ELEMENTS],
    /// The converted index (25–100), two decimals, weight 1/9.
    pub ikm: f64,
    /// The same with the printed weight 0.111, two decimals.
    pub ikm_0111: f64,
    /// A to D.
    pub grade: &'static str,
    /// The grade's label (Indonesian).
    pub label: &'static str,
    /// The grade's label in English.
    pub label_en: &'static str,
}

/// The result of a tally, or why there is none.
pub fn computed(tally: &Tally) -> Result<Computed, FileProblems> {
    let index = tally
        .index()
        .ok_or_else(|| FileProblems { problems: vec!["no respondent answered any element".into()] })?;
    Ok(Computed {
        respondents: index.respondents,
        nrr: index.nrr,
        ikm: ikm::two_decimals(index.converted),
        ikm_0111: ikm::two_decimals(index.converted_printed_weight),
        grade: index.grade.letter(),
        label: index.grade.label(),
        label_en: index.grade.label_en(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_name_in_any_order_and_others_are_ignored() {
        let file = "jenis_kelamin,u9,u8,u7,u6,u5,u4,u3,u2,u1\nP,4,4,4,4,4,4,4,4,1\nL,,3,3,3,3,3,3,3,3\n";
        let tally = tally_csv(file.as_bytes()).expect("tally");
        assert_eq!(tally.respondents, 2);
        assert_eq!(tally.sums[0], 4);
        assert_eq!(tally.answered[8], 1);
        let computed = computed(&tally).expect("computed");
        assert_eq!(computed.nrr[8], Some(4.0));
    }

    #[test]
    fn every_bad_cell_is_named_and_nothing_is_computed() {
        let file = "u1,u2,u3,u4,u5,u6,u7,u8,u9\n4,4,4,4,4,4,4,4,4\n4,5,4,4,4,4,4,4,x\n4,4,4\n";
        let problems = tally_csv(file.as_bytes()).expect_err("refused").problems;
        assert_eq!(
            problems,
            vec![
                "row 2, column u2: `5` is not a score from 1 to 4",
                "row 2, column u9: `x` is not a score from 1 to 4",
                "row 3: has 3 cells, the header 9",
            ]
        );
    }

    #[test]
    fn a_missing_column_or_an_empty_file_is_refused() {
        let problems = tally_csv("u1,u2,u3,u4,u5,u6,u7,u8\n1,1,1,1,1,1,1,1\n".as_bytes()).expect_err("no u9");
        assert_eq!(problems.problems, vec!["the header has no column u9 (columns u1 to u9 are needed)"]);
        assert!(tally_csv("u1,u2,u3,u4,u5,u6,u7,u8,u9\n".as_bytes()).is_err());
        assert!(tally_csv("".as_bytes()).is_err());
    }

    #[test]
    fn a_file_of_many_errors_stops_early() {
        let mut file = String::from("u1,u2,u3,u4,u5,u6,u7,u8,u9\n");
        for _ in 0..1000 {
            file.push_str("9,9,9,9,9,9,9,9,9\n");
        }
        let problems = tally_csv(file.as_bytes()).expect_err("refused").problems;
        assert_eq!(problems.len(), MOST_PROBLEMS + 1);
    }
}
