//! The two standard PDF fonts we print with (Helvetica and Helvetica-Bold): their advance
//! widths, to wrap and centre lines, and the WinAnsi encoding they are written in.
//!
//! Standard fonts are not embedded, which keeps a letter to a few kilobytes; WinAnsi covers
//! Indonesian (Latin script with the occasional accented letter in a name).

/// Helvetica's widths, in thousandths of the font size, for the characters ' ' to '~'
/// (from Adobe's published font metrics).
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// Helvetica-Bold's widths for ' ' to '~'.
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0..?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P.._
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `..o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p..~
];

/// Characters outside ASCII that WinAnsi places in 0x80..0x9F.
const WIN_ANSI_EXTRA: [(char, u8); 12] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('„', 0x84),
    ('…', 0x85),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('™', 0x99),
];

/// Which of the two fonts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
}

impl Face {
    /// The width of `text` set at `size` points.
    pub fn width(self, text: &str, size: f32) -> f32 {
        let table = match self {
            Face::Regular => &REGULAR,
            Face::Bold => &BOLD,
        };
        let units: u32 = text
            .chars()
            .map(|c| {
                let ascii = match c {
                    ' '..='~' => c,
                    // Accented letters are about as wide as an 'a'; others as a '?'.
                    c if c.is_alphabetic() => 'a',
                    _ => '?',
                };
                u32::from(table[ascii as usize - 0x20])
            })
            .sum();
        units as f32 * size / 1000.0
    }
}

/// `text` in WinAnsi, with '?' for what the encoding lacks (and for control characters).
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{A0}'..='\u{FF}' => c as u32 as u8,
            _ => WIN_ANSI_EXTRA.iter().find(|(extra, _)| *extra == c).map_or(b'?', |(_, code)| *code),
        })
        .collect()
}

/// Breaks `text` into lines no wider than `width` at `size`, at spaces; a word longer than
/// a line is broken where it must.
pub fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if face.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if face.width(&piece, size) > width && piece.chars().count() > 1 {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        line = piece;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn widths_follow_the_font_metrics() {
        // "Helvetica" in Helvetica at 1000 points: H722 e556 l222 v500 e556 t278 i222 c500 a556.
        assert!((Face::Regular.width("Helvetica", 1000.0) - 4112.0).abs() < 0.01);
        assert!(Face::Bold.width("Wim", 10.0) > Face::Regular.width("Wim", 10.0));
    }

    #[test]
    fn win_ansi_keeps_latin_and_replaces_the_rest() {
        assert_eq!(win_ansi("Désa – 5€"), b"D\xe9sa \x96 5\x80");
        assert_eq!(win_ansi("日本\n"), b"???");
    }

    proptest! {
        #[test]
        fn wrapped_lines_fit_and_keep_every_word(text in "[a-zA-Z ]{0,300}", width in 40.0f32..400.0) {
            let lines = wrap(&text, Face::Regular, 11.0, width);
            for line in &lines {
                prop_assert!(Face::Regular.width(line, 11.0) <= width || line.chars().count() == 1);
            }
            let joined: String = lines.concat();
            let original: String = text.split_whitespace().collect();
            prop_assert_eq!(joined.replace(' ', ""), original);
        }
    }
}
