//! A one-page report (a title, its facts, a table, a bar chart and notes) exported as a PDF
//! (A4, the standard fonts, nothing embedded) or as an XLSX workbook whose numbers stay
//! numbers and whose chart is the spreadsheet's own.

use pdf_writer::{Content, Finish, Pdf, Rect, Ref, TextStr};
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};

use crate::Error;
use crate::font::{Face, wrap};
use crate::letter::{
    MARGIN, PAGE_HEIGHT, PAGE_WIDTH, TEXT_WIDTH, centred, font_resources, line_height, standard_fonts,
    text_line,
};

/// One cell of a report: text, or a number with the text it is shown as (in the reader's
/// language) and the decimals a spreadsheet shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number {
        /// The value.
        value: f64,
        /// As the page shows it, e.g. `3,52`.
        shown: String,
        /// Decimals in the spreadsheet's format.
        decimals: u8,
    },
}

impl Cell {
    fn shown(&self) -> &str {
        match self {
            Cell::Text(text) => text,
            Cell::Number { shown, .. } => shown,
        }
    }
}

/// A report to export.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The heading.
    pub title: String,
    /// Lines under it (who, which period).
    pub subtitle: Vec<String>,
    /// Label and value pairs.
    pub facts: Vec<(String, Cell)>,
    /// The table's column headings.
    pub columns: Vec<String>,
    /// The table's rows, as many cells as columns.
    pub rows: Vec<Vec<Cell>>,
    /// The chart's title, its bars (label, value) and the top of its scale.
    pub chart_title: String,
    /// Bars.
    pub bars: Vec<(String, f64)>,
    /// The value at the top of the chart.
    pub chart_max: f64,
    /// Notes at the foot.
    pub notes: Vec<String>,
    /// The worksheet's name (at most 31 characters) and the PDF's title.
    pub sheet_name: String,
}

const PAGES: Ref = Ref::new(1);
const CATALOG: Ref = Ref::new(2);
const PAGE: Ref = Ref::new(3);
const CONTENT: Ref = Ref::new(4);
const FONT_REGULAR: Ref = Ref::new(5);
const FONT_BOLD: Ref = Ref::new(6);
const INFO: Ref = Ref::new(7);

/// The report as a one-page PDF.
pub fn pdf(report: &Report) -> Result<Vec<u8>, Error> {
    let content = pdf_content(report)?;
    let mut pdf = Pdf::new();
    pdf.catalog(CATALOG).pages(PAGES);
    pdf.pages(PAGES).kids([PAGE]).count(1);
    let mut page = pdf.page(PAGE);
    page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
    page.parent(PAGES);
    page.contents(CONTENT);
    font_resources(&mut page, FONT_REGULAR, FONT_BOLD);
    page.finish();
    standard_fonts(&mut pdf, FONT_REGULAR, FONT_BOLD);
    pdf.stream(CONTENT, &content);
    let mut info = pdf.document_info(INFO);
    info.title(TextStr(&report.sheet_name));
    info.producer(TextStr("Satu Pintu"));
    info.finish();
    Ok(pdf.finish())
}

/// Where each of the table's columns starts: the first takes what the others leave.
fn column_starts(count: usize) -> Vec<f32> {
    const NUMBER_COLUMN: f32 = 90.0;
    let first = TEXT_WIDTH - NUMBER_COLUMN * count.saturating_sub(1) as f32;
    (0..count)
        .map(|i| if i == 0 { MARGIN } else { MARGIN + first + NUMBER_COLUMN * (i - 1) as f32 })
        .collect()
}

fn pdf_content(report: &Report) -> Result<Vec<u8>, Error> {
    let mut content = Content::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    for line in wrap(&report.title, Face::Bold, 15.0, TEXT_WIDTH) {
        y = centred(&mut content, &line, Face::Bold, 15.0, y);
    }
    for line in &report.subtitle {
        y = centred(&mut content, line, Face::Regular, 11.0, y);
    }
    y -= 14.0;
    for (label, value) in &report.facts {
        text_line(&mut content, label, Face::Regular, 10.0, MARGIN, y);
        y = text_line(&mut content, value.shown(), Face::Bold, 10.0, MARGIN + 200.0, y);
    }
    y -= 12.0;

    let starts = column_starts(report.columns.len());
    let widths: Vec<f32> = starts
        .iter()
        .enumerate()
        .map(|(i, start)| starts.get(i + 1).copied().unwrap_or(PAGE_WIDTH - MARGIN) - start - 6.0)
        .collect();
    for (i, heading) in report.columns.iter().enumerate() {
        text_line(&mut content, heading, Face::Bold, 9.5, starts[i], y);
    }
    y -= line_height(9.5);
    content.set_line_width(0.6).move_to(MARGIN, y + 8.0).line_to(PAGE_WIDTH - MARGIN, y + 8.0).stroke();
    for row in &report.rows {
        let mut lowest = y;
        for (i, cell) in row.iter().enumerate().take(starts.len()) {
            let mut line_y = y;
            for line in wrap(cell.shown(), Face::Regular, 9.5, widths[i]) {
                line_y = text_line(&mut content, &line, Face::Regular, 9.5, starts[i], line_y);
            }
            lowest = lowest.min(line_y);
        }
        y = lowest - 2.0;
    }
    y -= 16.0;

    if !report.bars.is_empty() && report.chart_max > 0.0 {
        y = text_line(&mut content, &report.chart_title, Face::Bold, 10.0, MARGIN, y) - 4.0;
        let height = 120.0;
        let base = y - height;
        let slot = TEXT_WIDTH / report.bars.len() as f32;
        content.set_line_width(0.6).move_to(MARGIN, base).line_to(PAGE_WIDTH - MARGIN, base).stroke();
        content.set_fill_rgb(0.114, 0.373, 0.541);
        for (i, (_, value)) in report.bars.iter().enumerate() {
            let bar = (value / report.chart_max).clamp(0.0, 1.0) as f32 * height;
            content.rect(MARGIN + slot * i as f32 + slot * 0.2, base, slot * 0.6, bar);
        }
        content.fill_nonzero();
        content.set_fill_gray(0.0);
        for (i, (label, _)) in report.bars.iter().enumerate() {
            let x = MARGIN + slot * i as f32 + (slot - Face::Regular.width(label, 9.0)) / 2.0;
            text_line(&mut content, label, Face::Regular, 9.0, x, base - 12.0);
        }
        y = base - 30.0;
    }
    for note in &report.notes {
        for line in wrap(note, Face::Regular, 8.5, TEXT_WIDTH) {
            y = text_line(&mut content, &line, Face::Regular, 8.5, MARGIN, y);
        }
    }
    if y < MARGIN / 2.0 {
        return Err(Error::TooLong);
    }
    Ok(content.finish().to_vec())
}

/// The report as an XLSX workbook: one sheet with the facts, the table and a column chart
/// of the bars.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, Error> {
    let spreadsheet = |e: rust_xlsxwriter::XlsxError| Error::Spreadsheet(e.to_string());
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let sheet = workbook.add_worksheet();
    let name: String = report.sheet_name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    sheet.set_name(if name.is_empty() { "Report" } else { &name }).map_err(spreadsheet)?;
    sheet.write_string_with_format(0, 0, &report.title, &title).map_err(spreadsheet)?;
    let mut row: u32 = 1;
    for line in &report.subtitle {
        sheet.write_string(row, 0, line).map_err(spreadsheet)?;
        row += 1;
    }
    row += 1;
    let write_cell = |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, column: u16, cell: &Cell| match cell {
        Cell::Text(text) => sheet.write_string(row, column, text).map(|_| ()),
        Cell::Number { value, decimals, .. } => {
            let pattern = if *decimals == 0 {
                "0".to_string()
            } else {
                format!("0.{}", "0".repeat(usize::from(*decimals)))
            };
            sheet
                .write_number_with_format(row, column, *value, &Format::new().set_num_format(&pattern))
                .map(|_| ())
        }
    };
    for (label, value) in &report.facts {
        sheet.write_string(row, 0, label).map_err(spreadsheet)?;
        write_cell(sheet, row, 1, value).map_err(spreadsheet)?;
        row += 1;
    }
    row += 1;
    let header = row;
    for (column, heading) in (0u16..).zip(&report.columns) {
        sheet.write_string_with_format(row, column, heading, &bold).map_err(spreadsheet)?;
    }
    row += 1;
    for cells in &report.rows {
        for (column, cell) in (0u16..).zip(cells) {
            write_cell(sheet, row, column, cell).map_err(spreadsheet)?;
        }
        row += 1;
    }
    sheet.set_column_width(0, 48).map_err(spreadsheet)?;
    for column in 1..u16::try_from(report.columns.len()).unwrap_or(1) {
        sheet.set_column_width(column, 16).map_err(spreadsheet)?;
    }
    // The chart's data sit beside the table, so the chart reads the sheet's own cells.
    if !report.bars.is_empty() {
        let data_column = u16::try_from(report.columns.len()).unwrap_or(0) + 1;
        for (offset, (label, value)) in (0u32..).zip(&report.bars) {
            sheet.write_string(header + 1 + offset, data_column, label).map_err(spreadsheet)?;
            sheet.write_number(header + 1 + offset, data_column + 1, *value).map_err(spreadsheet)?;
        }
        let last = header + u32::try_from(report.bars.len()).unwrap_or(0);
        let mut chart = Chart::new(ChartType::Column);
        chart
            .add_series()
            .set_categories((sheet.name().as_str(), header + 1, data_column, last, data_column))
            .set_values((sheet.name().as_str(), header + 1, data_column + 1, last, data_column + 1))
            .set_name(&report.chart_title);
        chart.title().set_name(&report.chart_title);
        chart.legend().set_hidden();
        chart.y_axis().set_min(0.0).set_max(report.chart_max);
        sheet.insert_chart(row + 1, 0, &chart).map_err(spreadsheet)?;
        row += 17;
    }
    for note in &report.notes {
        row += 1;
        sheet.write_string(row, 0, note).map_err(spreadsheet)?;
    }
    workbook.save_to_buffer().map_err(spreadsheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let number =
            |value: f64| Cell::Number { value, shown: format!("{value:.2}").replace('.', ","), decimals: 2 };
        Report {
            title: "Indeks Kepuasan Masyarakat".into(),
            subtitle: vec![
                "Dinas Kependudukan dan Pencatatan Sipil".into(),
                "1 Januari – 30 Juni 2026".into(),
            ],
            facts: vec![
                ("Responden".into(), Cell::Number { value: 400.0, shown: "400".into(), decimals: 0 }),
                ("IKM".into(), number(88.31)),
                ("Mutu".into(), Cell::Text("A (Sangat Baik)".into())),
            ],
            columns: vec!["Unsur".into(), "NRR".into(), "NRR × 0,111".into()],
            rows: (1..=9)
                .map(|i| vec![Cell::Text(format!("U{i} Unsur pelayanan ke-{i}")), number(3.5), number(0.389)])
                .collect(),
            chart_title: "NRR per unsur".into(),
            bars: (1..=9).map(|i| (format!("U{i}"), 3.0 + f64::from(i) / 10.0)).collect(),
            chart_max: 4.0,
            notes: vec!["Dihitung menurut PermenPAN-RB 14/2017.".into()],
            sheet_name: "IKM disdukcapil 2026".into(),
        }
    }

    #[test]
    fn the_pdf_is_one_page_with_the_figures() {
        let bytes = pdf(&sample()).expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text.matches("/Type /Page").count() - text.matches("/Type /Pages").count(), 1, "one page");
        assert!(text.contains("(88,31)") && text.contains("(A (Sangat Baik)) Tj"), "the figures are printed");
    }

    #[test]
    fn the_workbook_is_a_zip_with_the_sheet_and_its_chart() {
        let bytes = xlsx(&sample()).expect("xlsx");
        assert!(bytes.starts_with(b"PK\x03\x04"), "a zip archive");
        let names = String::from_utf8_lossy(&bytes);
        for part in ["xl/worksheets/sheet1.xml", "xl/charts/chart1.xml", "xl/workbook.xml"] {
            assert!(names.contains(part), "{part}");
        }
    }

    #[test]
    fn a_report_too_long_for_a_page_is_refused() {
        let mut long = sample();
        long.notes = vec!["Catatan yang panjang sekali. ".repeat(40); 30];
        assert!(matches!(pdf(&long), Err(Error::TooLong)));
    }
}
