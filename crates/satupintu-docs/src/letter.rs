//! An official letter on one A4 page: the agency's letterhead, title and number, the text,
//! the details, the place and date, the signatory, and a QR code to the verification page.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{EcLevel, QrCode};

use crate::Error;
use crate::font::{Face, win_ansi, wrap};

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// Two centimetres.
pub(crate) const MARGIN: f32 = 56.7;
pub(crate) const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// How far the details' values start from the margin.
const LABEL_WIDTH: f32 = 170.0;
/// The QR code's side.
const QR_SIDE: f32 = 92.0;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// The agency's letterhead.
#[derive(Clone, Debug, Default)]
pub struct Letterhead {
    /// "PEMERINTAH KOTA CONTOH".
    pub government: String,
    /// "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL".
    pub agency: String,
    /// The address and contact line.
    pub address: String,
}

/// What a letter says; every text is final (already in the document's language).
#[derive(Clone, Debug, Default)]
pub struct Letter {
    /// The letterhead.
    pub letterhead: Letterhead,
    /// The title, printed in capitals.
    pub title: String,
    /// "Nomor: 470/0001/436.7.11/2026".
    pub number_line: String,
    /// The body, one string per paragraph.
    pub paragraphs: Vec<String>,
    /// Label and value rows (the application's data).
    pub details: Vec<(String, String)>,
    /// "Kota Contoh, 28 November 2026".
    pub place_and_date: String,
    /// Lines under the date: the office that signs.
    pub signatory: Vec<String>,
    /// The verification page's address, encoded in the QR code.
    pub verify_url: String,
    /// The note printed beside the QR code.
    pub verify_note: Vec<String>,
    /// The document's title in the PDF's metadata.
    pub metadata_title: String,
}

/// Object numbers of the letter's PDF.
pub(crate) struct Objects {
    pub catalog: Ref,
    pub signature_field: Ref,
    pub signature_value: Ref,
    pub page: Ref,
}

pub(crate) const OBJECTS: Objects = Objects {
    catalog: Ref::new(1),
    page: Ref::new(3),
    signature_field: Ref::new(7),
    signature_value: Ref::new(8),
};
const PAGES: Ref = Ref::new(2);
const CONTENT: Ref = Ref::new(4);
const FONT_REGULAR: Ref = Ref::new(5);
const FONT_BOLD: Ref = Ref::new(6);
const INFO: Ref = Ref::new(9);

/// Writes the page and everything but the signature value into `pdf`.
pub(crate) fn write(pdf: &mut Pdf, letter: &Letter, created: &str) -> Result<(), Error> {
    let content = page_content(letter)?;
    let mut catalog = pdf.catalog(OBJECTS.catalog);
    catalog.pages(PAGES);
    let mut form = catalog.insert(Name(b"AcroForm")).dict();
    form.insert(Name(b"Fields")).array().item(OBJECTS.signature_field);
    // 1 = signatures exist, 2 = append only: viewers must not rewrite the file in place.
    form.pair(Name(b"SigFlags"), 3);
    form.finish();
    catalog.finish();

    pdf.pages(PAGES).kids([OBJECTS.page]).count(1);
    let mut page = pdf.page(OBJECTS.page);
    page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
    page.parent(PAGES);
    page.contents(CONTENT);
    page.annotations([OBJECTS.signature_field]);
    font_resources(&mut page, FONT_REGULAR, FONT_BOLD);
    page.finish();
    standard_fonts(pdf, FONT_REGULAR, FONT_BOLD);
    pdf.stream(CONTENT, &content);

    // An invisible signature field: the visible mark is the printed note and the QR code.
    let mut field = pdf.indirect(OBJECTS.signature_field).dict();
    field.pair(Name(b"Type"), Name(b"Annot"));
    field.pair(Name(b"Subtype"), Name(b"Widget"));
    field.pair(Name(b"FT"), Name(b"Sig"));
    field.pair(Name(b"T"), TextStr("Tanda tangan elektronik"));
    field.pair(Name(b"V"), OBJECTS.signature_value);
    field.pair(Name(b"P"), OBJECTS.page);
    field.pair(Name(b"Rect"), Rect::new(0.0, 0.0, 0.0, 0.0));
    // Print and locked.
    field.pair(Name(b"F"), 132);
    field.finish();

    let mut info = pdf.document_info(INFO);
    info.title(TextStr(&letter.metadata_title));
    info.producer(TextStr("Satu Pintu"));
    info.pair(Name(b"CreationDate"), Str(created.as_bytes()));
    info.finish();
    Ok(())
}

/// Names the two fonts in a page's resources, as the content stream uses them.
pub(crate) fn font_resources(page: &mut pdf_writer::writers::Page<'_>, regular: Ref, bold: Ref) {
    let mut resources = page.resources();
    let mut fonts = resources.fonts();
    fonts.pair(REGULAR, regular);
    fonts.pair(BOLD, bold);
}

/// Writes the two standard fonts (not embedded, WinAnsi encoded).
pub(crate) fn standard_fonts(pdf: &mut Pdf, regular: Ref, bold: Ref) {
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
}

/// Draws the page.
fn page_content(letter: &Letter) -> Result<Vec<u8>, Error> {
    let mut content = Content::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    let head = &letter.letterhead;
    y = centred(&mut content, &head.government.to_uppercase(), Face::Bold, 13.0, y);
    y = centred(&mut content, &head.agency.to_uppercase(), Face::Bold, 15.0, y - 3.0);
    for line in wrap(&head.address, Face::Regular, 9.0, TEXT_WIDTH) {
        y = centred(&mut content, &line, Face::Regular, 9.0, y);
    }
    // The double rule under a letterhead.
    y -= 8.0;
    content.set_line_width(1.8).move_to(MARGIN, y).line_to(PAGE_WIDTH - MARGIN, y).stroke();
    content.set_line_width(0.6).move_to(MARGIN, y - 3.0).line_to(PAGE_WIDTH - MARGIN, y - 3.0).stroke();
    y -= 30.0;

    for line in wrap(&letter.title.to_uppercase(), Face::Bold, 13.0, TEXT_WIDTH) {
        y = centred(&mut content, &line, Face::Bold, 13.0, y);
    }
    y = centred(&mut content, &letter.number_line, Face::Regular, 11.0, y) - 18.0;

    for paragraph in &letter.paragraphs {
        for line in wrap(paragraph, Face::Regular, 11.0, TEXT_WIDTH) {
            y = text_line(&mut content, &line, Face::Regular, 11.0, MARGIN, y);
        }
        y -= 8.0;
    }
    for (label, value) in &letter.details {
        let lines = wrap(value, Face::Regular, 11.0, TEXT_WIDTH - LABEL_WIDTH);
        text_line(&mut content, label, Face::Regular, 11.0, MARGIN, y);
        text_line(&mut content, ":", Face::Regular, 11.0, MARGIN + LABEL_WIDTH - 10.0, y);
        if lines.is_empty() {
            y -= line_height(11.0);
        }
        for line in lines {
            y = text_line(&mut content, &line, Face::Regular, 11.0, MARGIN + LABEL_WIDTH, y);
        }
    }
    y -= 24.0;

    for (line, face) in signature_block(letter) {
        y = text_line(&mut content, &line, face, 11.0, SIGNATURE_COLUMN, y);
    }
    if y < MARGIN + QR_SIDE + 20.0 {
        return Err(Error::TooLong);
    }

    qr(&mut content, &letter.verify_url, MARGIN, MARGIN + 14.0)?;
    let mut note_y = MARGIN + QR_SIDE;
    for line in &letter.verify_note {
        for piece in wrap(line, Face::Regular, 8.5, TEXT_WIDTH - QR_SIDE - 14.0) {
            note_y = text_line(&mut content, &piece, Face::Regular, 8.5, MARGIN + QR_SIDE + 14.0, note_y);
        }
    }
    Ok(content.finish().to_vec())
}

/// Where the place, date and signatory start: the right half of the page.
const SIGNATURE_COLUMN: f32 = PAGE_WIDTH / 2.0 + 20.0;

/// The place and date, then the signatory's lines, each wrapped to the column so that a long
/// agency name stays on the page.
fn signature_block(letter: &Letter) -> Vec<(String, Face)> {
    let width = PAGE_WIDTH - MARGIN - SIGNATURE_COLUMN;
    let mut lines: Vec<(String, Face)> = wrap(&letter.place_and_date, Face::Regular, 11.0, width)
        .into_iter()
        .map(|l| (l, Face::Regular))
        .collect();
    for line in &letter.signatory {
        lines.extend(wrap(line, Face::Bold, 11.0, width).into_iter().map(|l| (l, Face::Bold)));
    }
    lines
}

pub(crate) fn line_height(size: f32) -> f32 {
    size * 1.35
}

/// Writes one line at `x` on baseline `y`; returns the next line's baseline.
pub(crate) fn text_line(content: &mut Content, text: &str, face: Face, size: f32, x: f32, y: f32) -> f32 {
    let font = if face == Face::Bold { BOLD } else { REGULAR };
    content.begin_text().set_font(font, size).next_line(x, y).show(Str(&win_ansi(text))).end_text();
    y - line_height(size)
}

pub(crate) fn centred(content: &mut Content, text: &str, face: Face, size: f32, y: f32) -> f32 {
    let x = (PAGE_WIDTH - face.width(text, size)) / 2.0;
    text_line(content, text, face, size, x.max(MARGIN), y)
}

/// The QR code, as filled squares (one rectangle per horizontal run of dark modules).
fn qr(content: &mut Content, url: &str, x: f32, y: f32) -> Result<(), Error> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(|_| Error::TooLong)?;
    let width = code.width();
    let module = QR_SIDE / width as f32;
    let colors = code.to_colors();
    content.set_fill_gray(0.0);
    for row in 0..width {
        let mut column = 0;
        while column < width {
            if colors[row * width + column] != qrcode::Color::Dark {
                column += 1;
                continue;
            }
            let start = column;
            while column < width && colors[row * width + column] == qrcode::Color::Dark {
                column += 1;
            }
            let top = y + QR_SIDE - row as f32 * module;
            content.rect(x + start as f32 * module, top - module, (column - start) as f32 * module, module);
        }
    }
    content.fill_nonzero();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_signatory_wraps_within_the_page() {
        let mut letter = crate::sample::letter();
        letter.signatory = vec![
            "a.n. Kepala Dinas Kependudukan dan Pencatatan Sipil".into(),
            "Kepala Bidang Pelayanan Pencatatan Sipil".into(),
        ];
        let block = signature_block(&letter);
        let width = PAGE_WIDTH - MARGIN - SIGNATURE_COLUMN;
        for (line, face) in &block {
            assert!(face.width(line, 11.0) <= width, "`{line}` fits the column");
        }
        let words =
            |lines: &[String]| lines.join(" ").split_whitespace().map(str::to_string).collect::<Vec<_>>();
        let shown: Vec<String> =
            block.iter().filter(|(_, f)| *f == Face::Bold).map(|(l, _)| l.clone()).collect();
        assert_eq!(words(&shown), words(&letter.signatory), "no word is lost");
        assert!(shown.len() > letter.signatory.len(), "the long line was wrapped");
    }
}
