//! Text folding, tokenising, a dictionary-free Indonesian stemmer, and the
//! highlighting and snippets that full-text search shows.
//!
//! The stemmer follows the rule-based algorithm of Fadillah Z. Tala, "A Study of
//! Stemming Effects on Information Retrieval in Bahasa Indonesia" (2003), a
//! Porter-style stemmer. It is dictionary-free on purpose: the root-word
//! dictionaries that other Indonesian stemmers rely on carry non-commercial
//! licences. Without a dictionary some steps are ambiguous (was `menulis` made from
//! `tulis` or `nulis`?), so [`stems`] returns every plausible candidate and a
//! search matches when a query word and a document word share any of them.

use std::collections::HashSet;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// At most this many distinct words of a query are searched for; the rest are
/// ignored so that one pasted paragraph cannot make a query arbitrarily expensive.
pub const MAX_QUERY_TERMS: usize = 16;

/// At most this many candidate stems are kept for one word (the primary stem
/// first, then the most-stemmed forms), which bounds the size of the index.
pub const MAX_STEMS: usize = 16;

/// Words with fewer characters than this are never stemmed: every affix rule
/// would leave too little to tell words apart.
const MIN_STEMMED_CHARS: usize = 4;

/// Folds `c` into `out`: compatibility decomposition, combining marks dropped,
/// lowercase, and anything that is not a letter or digit turned into a space.
fn fold_char(c: char, out: &mut String) {
    decompose_compatible(c, |part| {
        if is_combining_mark(part) {
            return;
        }
        for lower in part.to_lowercase() {
            // Lowercasing can itself yield a decomposable or marked form (the
            // Turkish İ lowercases to i + U+0307), so decompose once more.
            decompose_compatible(lower, |piece| {
                if is_combining_mark(piece) {
                    return;
                }
                out.push(if piece.is_alphanumeric() { piece } else { ' ' });
            });
        }
    });
}

/// Folds text for matching: lowercase, accents removed (Unicode NFKD with the
/// combining marks dropped, so "Café" becomes "cafe"), and every character that
/// is not a letter or digit replaced by a space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// The folded words of `s`, in order, repeats kept.
pub fn tokens(s: &str) -> Vec<String> {
    fold(s).split(' ').filter(|word| !word.is_empty()).map(str::to_owned).collect()
}

/// The distinct folded words of a search query, in order, at most
/// [`MAX_QUERY_TERMS`] of them.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for token in tokens(query) {
        if terms.len() == MAX_QUERY_TERMS {
            break;
        }
        if !terms.contains(&token) {
            terms.push(token);
        }
    }
    terms
}

/// Every stem of every word of [`query_terms`]: what [`highlight`] and
/// [`snippet`] look for.
pub fn query_stems(query: &str) -> HashSet<String> {
    query_terms(query).iter().flat_map(|term| stems(term)).collect()
}

/// The terms to index for `text`: every stem of every word, each once, in the
/// order first met. Joined with spaces, this is the indexed document.
pub fn index_terms(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut terms = Vec::new();
    for token in tokens(text) {
        for stem in stems(&token) {
            if seen.insert(stem.clone()) {
                terms.push(stem);
            }
        }
    }
    terms
}

// ---------------------------------------------------------------------------
// Stemmer
// ---------------------------------------------------------------------------

/// Which prefix was taken off last; Tala's rules forbid some suffixes after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prefix {
    None,
    /// me-, mem-, men-, meng-, meny-.
    Meng,
    /// pe- with a nasal: pem-, pen-, peng-, peny-.
    Peng,
    Di,
    Ter,
    Ke,
    /// ber-, be-, and bel- in belajar.
    Ber,
    /// per-, and pel- in pelajar: Tala puts no restriction on suffixes after them.
    Per,
    /// pe- without a nasal.
    Pe,
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// Tala's measure: the number of vowels stands in for the number of syllables.
fn syllables(word: &str) -> usize {
    word.chars().filter(|&c| is_vowel(c)).count()
}

/// Tala strips an affix only while the word still has more than two syllables,
/// which keeps two-syllable roots such as "izin", "data" or "kota" whole.
fn long_enough(word: &str) -> bool {
    syllables(word) > 2
}

fn starts_with_vowel(word: &str) -> bool {
    word.chars().next().is_some_and(is_vowel)
}

fn with_initial(initial: &str, rest: &str) -> String {
    let mut word = String::with_capacity(initial.len() + rest.len());
    word.push_str(initial);
    word.push_str(rest);
    word
}

/// What a nasal prefix before a vowel may have swallowed: `alternatives` lists
/// the root's possible first consonants, the most common first ("" = none).
fn recode(rest: &str, alternatives: &[&str]) -> Vec<String> {
    if starts_with_vowel(rest) {
        alternatives.iter().map(|initial| with_initial(initial, rest)).collect()
    } else {
        vec![rest.to_owned()]
    }
}

/// meng-/peng-: before a vowel the root began with k (mengirim ← kirim) or with
/// the vowel itself (mengambil ← ambil); Tala keeps the vowel, so that comes first.
fn recode_velar(rest: &str) -> Vec<String> {
    let mut out = recode(rest, &["", "k"]);
    // menge-/penge- is how the prefix attaches to one-syllable roots (mengecat ← cat).
    if let Some(root) = rest.strip_prefix('e')
        && syllables(root) == 1
        && root.chars().count() >= 3
    {
        out.push(root.to_owned());
    }
    out
}

/// Tala's first-order (derivational) prefixes, longest first, with the recoded
/// remainders. `None` when the word has none of them.
fn first_order(word: &str) -> Option<(Prefix, Vec<String>)> {
    for (prefix, kind) in [("meng", Prefix::Meng), ("peng", Prefix::Peng)] {
        if let Some(rest) = word.strip_prefix(prefix) {
            return Some((kind, recode_velar(rest)));
        }
    }
    // meny-/peny- + vowel: the root began with s (menyapu ← sapu), or, less
    // often, the prefix is plain me-/pe- before a root in ny (menyanyi ← nyanyi).
    for (prefix, kind) in [("meny", Prefix::Meng), ("peny", Prefix::Peng)] {
        if let Some(rest) = word.strip_prefix(prefix)
            && starts_with_vowel(rest)
        {
            return Some((kind, recode(rest, &["s", "ny"])));
        }
    }
    // men-/pen- + vowel: t was swallowed (menulis ← tulis) or the root began
    // with n (menilai ← nilai).
    for (prefix, kind) in [("men", Prefix::Meng), ("pen", Prefix::Peng)] {
        if let Some(rest) = word.strip_prefix(prefix) {
            return Some((kind, recode(rest, &["t", "n"])));
        }
    }
    // mem-/pem- + vowel: p was swallowed (memukul ← pukul) or the root began
    // with m (memakan ← makan).
    for (prefix, kind) in [("mem", Prefix::Meng), ("pem", Prefix::Peng)] {
        if let Some(rest) = word.strip_prefix(prefix) {
            return Some((kind, recode(rest, &["p", "m"])));
        }
    }
    if let Some(rest) = word.strip_prefix("me") {
        return Some((Prefix::Meng, vec![rest.to_owned()]));
    }
    if let Some(rest) = word.strip_prefix("di") {
        return Some((Prefix::Di, vec![rest.to_owned()]));
    }
    if let Some(rest) = word.strip_prefix("ter") {
        // ter- before a root in r keeps a single r (terasa ← rasa).
        return Some((Prefix::Ter, recode(rest, &["", "r"])));
    }
    if let Some(rest) = word.strip_prefix("ke") {
        return Some((Prefix::Ke, vec![rest.to_owned()]));
    }
    None
}

/// Tala's second-order prefixes with their remainders. A nasal pe- here (as
/// in kependudukan → penduduk) is stripped like a first-order peN- rather than
/// as a bare pe-, which would leave "nduduk".
fn second_order(word: &str) -> Option<(Prefix, Vec<String>)> {
    // belajar and pelajar are Tala's listed exceptions: the prefix is bel-/pel-
    // before the root ajar. Matched as prefixes so pelajaran is covered too.
    if word.starts_with("belajar") {
        return Some((Prefix::Ber, vec![word["bel".len()..].to_owned()]));
    }
    if word.starts_with("pelajar") {
        return Some((Prefix::Per, vec![word["pel".len()..].to_owned()]));
    }
    if let Some(rest) = word.strip_prefix("ber") {
        // ber- before a root in r keeps a single r (berenang ← renang).
        return Some((Prefix::Ber, recode(rest, &["", "r"])));
    }
    if let Some(rest) = word.strip_prefix("be") {
        // be- stands before a root whose first syllable ends in -er (bekerja ← kerja).
        let mut chars = rest.chars();
        if chars.next().is_some_and(|c| !is_vowel(c)) && chars.as_str().starts_with("er") {
            return Some((Prefix::Ber, vec![rest.to_owned()]));
        }
        return None;
    }
    if let Some(rest) = word.strip_prefix("per") {
        // The same single-r rule as ber- (perumahan ← rumah).
        return Some((Prefix::Per, recode(rest, &["", "r"])));
    }
    // "pen" also covers peng- and peny-.
    if word.starts_with("pem") || word.starts_with("pen") {
        return first_order(word).filter(|(kind, _)| *kind == Prefix::Peng);
    }
    if let Some(rest) = word.strip_prefix("pe") {
        return Some((Prefix::Pe, vec![rest.to_owned()]));
    }
    None
}

/// The second-order prefix options for `word`, or none when it is too short.
fn second_order_options(word: &str) -> Vec<String> {
    if !long_enough(word) {
        return Vec::new();
    }
    second_order(word).map(|(_, rests)| rests).unwrap_or_default()
}

/// Tala's derivational suffixes allowed after `removed`, best first. Tala
/// forbids the combinations that Indonesian morphology does not form:
/// ke-/peN-/pe- with -kan, di-/meN-/ter- with -an, and ber-/ke-/peN- with -i.
fn suffixes(word: &str, removed: Prefix) -> Vec<String> {
    if !long_enough(word) {
        return Vec::new();
    }
    let kan_allowed = !matches!(removed, Prefix::Ke | Prefix::Peng | Prefix::Pe);
    let an_allowed = !matches!(removed, Prefix::Di | Prefix::Meng | Prefix::Ter);
    let i_allowed = !matches!(removed, Prefix::Ber | Prefix::Ke | Prefix::Peng);
    let mut out = Vec::new();
    if kan_allowed && let Some(stem) = word.strip_suffix("kan") {
        out.push(stem.to_owned());
        // A root ending in k takes -an, not -kan (perpajakan ← pajak).
        if an_allowed && let Some(stem) = word.strip_suffix("an") {
            out.push(stem.to_owned());
        }
        return out;
    }
    if an_allowed && let Some(stem) = word.strip_suffix("an") {
        out.push(stem.to_owned());
        return out;
    }
    // Tala keeps a final -si, which is mostly part of loan words (informasi).
    if i_allowed
        && !word.ends_with("si")
        && let Some(stem) = word.strip_suffix('i')
    {
        out.push(stem.to_owned());
    }
    out
}

/// Tala's particles (-kah, -lah, -pun, -tah), stripped only from long words.
fn strip_particle(word: &str) -> Option<&str> {
    if !long_enough(word) {
        return None;
    }
    ["kah", "lah", "pun", "tah"].iter().find_map(|particle| word.strip_suffix(particle))
}

/// Tala's possessive pronouns (-ku, -mu, -nya), stripped only from long words.
fn strip_possessive(word: &str) -> Option<&str> {
    if !long_enough(word) {
        return None;
    }
    ["nya", "ku", "mu"].iter().find_map(|pronoun| word.strip_suffix(pronoun))
}

/// The candidates found so far, and which one Tala's own path ends on.
#[derive(Default)]
struct Candidates {
    primary: Option<String>,
    found: Vec<String>,
}

impl Candidates {
    fn add(&mut self, stem: &str) {
        // A handful of candidates per word: a linear scan beats hashing.
        if !self.found.iter().any(|known| known == stem) {
            self.found.push(stem.to_owned());
        }
    }

    /// Records the end of Tala's path; only the first call counts.
    fn end_of_tala_path(&mut self, stem: &str, on_path: bool) {
        if on_path && self.primary.is_none() {
            self.primary = Some(stem.to_owned());
        }
    }

    fn finish(self, word: &str) -> Vec<String> {
        let primary = self.primary.unwrap_or_else(|| word.to_owned());
        let mut rest: Vec<String> = self.found.into_iter().filter(|stem| *stem != primary).collect();
        // Shortest (most stemmed) first, so the cap drops the near-surface forms.
        rest.sort_by_key(|stem| stem.chars().count());
        let mut out = Vec::with_capacity(rest.len() + 1);
        out.push(primary);
        out.extend(rest);
        out.truncate(MAX_STEMS);
        out
    }
}

/// Walks Tala's derivational steps from `base`, trying every recoding and
/// letting each step be skipped. `on_path` is true while following Tala's own
/// choices, whose end is the primary stem.
fn derive(base: &str, on_path: bool, found: &mut Candidates) {
    found.add(base);
    if !long_enough(base) {
        found.end_of_tala_path(base, on_path);
        return;
    }
    if let Some((prefix, rests)) = first_order(base) {
        // Tala: first-order prefix, then a suffix, then (only if a suffix came
        // off) a second-order prefix, as in mem-per-baik-i.
        for (i, rest) in rests.iter().enumerate() {
            let on_path = on_path && i == 0;
            found.add(rest);
            let stripped = suffixes(rest, prefix);
            if stripped.is_empty() {
                found.end_of_tala_path(rest, on_path);
            }
            for (j, stem) in stripped.iter().enumerate() {
                let on_path = on_path && j == 0;
                found.add(stem);
                let roots = second_order_options(stem);
                if roots.is_empty() {
                    found.end_of_tala_path(stem, on_path);
                }
                for (k, root) in roots.iter().enumerate() {
                    found.add(root);
                    found.end_of_tala_path(root, on_path && k == 0);
                }
            }
            // Beyond Tala: a second-order prefix when there is no suffix to
            // take, so that mempercepat reaches cepat; never the primary. With
            // a suffix still on, it would turn diberikan into ikan.
            if stripped.is_empty() {
                for root in second_order_options(rest) {
                    found.add(&root);
                }
            }
        }
    } else {
        // Tala: second-order prefix, then a suffix.
        match second_order(base) {
            Some((prefix, rests)) => {
                for (i, rest) in rests.iter().enumerate() {
                    let on_path = on_path && i == 0;
                    found.add(rest);
                    let stripped = suffixes(rest, prefix);
                    if stripped.is_empty() {
                        found.end_of_tala_path(rest, on_path);
                    }
                    for (j, stem) in stripped.iter().enumerate() {
                        found.add(stem);
                        found.end_of_tala_path(stem, on_path && j == 0);
                    }
                }
                // Beyond Tala: the suffix alone (pelayanan → pelayan).
                for stem in suffixes(base, Prefix::None) {
                    found.add(&stem);
                }
            }
            None => {
                let stripped = suffixes(base, Prefix::None);
                if stripped.is_empty() {
                    found.end_of_tala_path(base, on_path);
                }
                for (j, stem) in stripped.iter().enumerate() {
                    found.add(stem);
                    found.end_of_tala_path(stem, on_path && j == 0);
                }
            }
        }
    }
}

/// The candidate stems of one folded word (a token from [`tokens`]): never
/// empty, no empty strings, no repeats, the primary stem first.
///
/// The primary stem is what Tala's algorithm gives, taking the most common
/// reading at each ambiguous step. The others are every form reachable by the
/// same rules in the same order when any step may be skipped and every
/// recoding is tried, including the word itself. So "menulis" gives "tulis"
/// and "nulis", "terima" keeps "terima" beside "ima" (for diterima), and
/// "sekolah" keeps "sekolah" beside "seko" (for sekolahnya).
///
/// Words shorter than four characters, or containing a digit, are returned
/// unchanged as their only stem, as are words of two syllables or fewer
/// ("izin", "data", "pajak"). The empty string, which [`tokens`] never yields,
/// is the one input whose stem is empty.
pub fn stems(word: &str) -> Vec<String> {
    if word.chars().count() < MIN_STEMMED_CHARS || word.chars().any(char::is_numeric) {
        return vec![word.to_owned()];
    }
    // Inflectional suffixes first: -kah/-lah/-pun/-tah, then -ku/-mu/-nya.
    // Either may be part of the root (sekolah, bertemu, pemerintah), so the
    // less-stripped words are derived from as well, after Tala's own reading.
    let after_particle = strip_particle(word).unwrap_or(word);
    let base = strip_possessive(after_particle).unwrap_or(after_particle);
    let mut found = Candidates::default();
    derive(base, true, &mut found);
    if after_particle != base {
        derive(after_particle, false, &mut found);
    }
    if word != after_particle {
        derive(word, false, &mut found);
    }
    found.finish(word)
}

// ---------------------------------------------------------------------------
// Highlighting and snippets
// ---------------------------------------------------------------------------

/// A stretch of the original text, marked when it is a word the query matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// The text exactly as it appears in the input.
    pub text: String,
    /// Whether this is a matched word.
    pub marked: bool,
}

/// How a character takes part in words, judged by what it folds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CharClass {
    /// Folds to at least one letter or digit.
    Word,
    /// Folds to nothing (a combining mark): it stays with whatever precedes it.
    Attach,
    /// Folds to spaces only.
    Separator,
}

impl CharClass {
    fn of(c: char) -> CharClass {
        if c.is_ascii() {
            return if c.is_ascii_alphanumeric() { CharClass::Word } else { CharClass::Separator };
        }
        let mut folded = String::new();
        fold_char(c, &mut folded);
        if folded.is_empty() {
            CharClass::Attach
        } else if folded.chars().any(char::is_alphanumeric) {
            CharClass::Word
        } else {
            CharClass::Separator
        }
    }

    /// Cutting a snippet right before a character of this class would split a word.
    fn continues_word(self) -> bool {
        self != CharClass::Separator
    }
}

/// Each character's byte offset and class, and the words as character-index
/// ranges. A word is a character that folds to a letter or digit, followed by
/// any more of those or of combining marks: the same words [`tokens`] sees.
struct Layout {
    chars: Vec<(usize, CharClass)>,
    words: Vec<(usize, usize)>,
    len: usize,
}

impl Layout {
    fn of(text: &str) -> Layout {
        let chars: Vec<(usize, CharClass)> =
            text.char_indices().map(|(offset, c)| (offset, CharClass::of(c))).collect();
        let mut words = Vec::new();
        let mut start = None;
        for (index, &(_, class)) in chars.iter().enumerate() {
            match (start, class) {
                (None, CharClass::Word) => start = Some(index),
                (Some(begin), CharClass::Separator) => {
                    words.push((begin, index));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(begin) = start {
            words.push((begin, chars.len()));
        }
        Layout { chars, words, len: text.len() }
    }

    /// The byte offset of character `index` (the text's end past the last one).
    fn byte(&self, index: usize) -> usize {
        self.chars.get(index).map_or(self.len, |&(offset, _)| offset)
    }

    fn continues_word(&self, index: usize) -> bool {
        self.chars.get(index).is_some_and(|&(_, class)| class.continues_word())
    }
}

/// Whether any stem of the word `word` is among `query_stems`.
fn word_matches(word: &str, query_stems: &HashSet<String>) -> bool {
    tokens(word).iter().any(|token| stems(token).iter().any(|stem| query_stems.contains(stem)))
}

/// Splits `text` into consecutive segments, marking each word with a stem in
/// `query_stems`. The segments joined give back `text` exactly; unmarked
/// stretches are merged, so marked and unmarked segments alternate.
pub fn highlight(text: &str, query_stems: &HashSet<String>) -> Vec<Segment> {
    let mut segments = Vec::new();
    if query_stems.is_empty() {
        if !text.is_empty() {
            segments.push(Segment { text: text.to_owned(), marked: false });
        }
        return segments;
    }
    let layout = Layout::of(text);
    let mut plain_from = 0;
    for &(start, end) in &layout.words {
        let (from, to) = (layout.byte(start), layout.byte(end));
        if !word_matches(&text[from..to], query_stems) {
            continue;
        }
        if plain_from < from {
            segments.push(Segment { text: text[plain_from..from].to_owned(), marked: false });
        }
        segments.push(Segment { text: text[from..to].to_owned(), marked: true });
        plain_from = to;
    }
    if plain_from < text.len() {
        segments.push(Segment { text: text[plain_from..].to_owned(), marked: false });
    }
    segments
}

/// Text before the first match kept in a snippet, as a share of its length:
/// enough to show what the match is about without hiding the match itself.
const SNIPPET_LEAD_DIVISOR: usize = 4;

/// A window of at most `max_chars` characters of `text` around the first word
/// matching `query_stems` (or from the start when none does), cut between
/// words, with "…" where text was left out on either side. So the result has at
/// most `max_chars + 2` characters. A single word longer than the window is cut
/// inside, but never inside a UTF-8 character.
pub fn snippet(text: &str, query_stems: &HashSet<String>, max_chars: usize) -> String {
    let layout = Layout::of(text);
    let count = layout.chars.len();
    if count <= max_chars {
        return text.to_owned();
    }
    if max_chars == 0 {
        return String::new();
    }
    let anchor = if query_stems.is_empty() {
        0
    } else {
        layout
            .words
            .iter()
            .find(|&&(start, end)| word_matches(&text[layout.byte(start)..layout.byte(end)], query_stems))
            .map_or(0, |&(start, _)| start)
    };
    // Some lead-in before the match, but no unused room after the window.
    let mut start = anchor.saturating_sub(max_chars / SNIPPET_LEAD_DIVISOR).min(count - max_chars);
    if start > 0 && layout.continues_word(start - 1) {
        // Landed inside a word: skip to its end (never past the match).
        while start < anchor && layout.continues_word(start) {
            start += 1;
        }
    }
    let mut end = (start + max_chars).min(count);
    if end < count && layout.continues_word(end) {
        let mut word_start = end;
        while word_start > start && layout.continues_word(word_start - 1) {
            word_start -= 1;
        }
        // Drop the cut word, unless that would drop the match or everything.
        if word_start > anchor.max(start) {
            end = word_start;
        }
    }
    let mut body = &text[layout.byte(start)..layout.byte(end)];
    if start > 0 {
        body = body.trim_start();
    }
    if end < count {
        body = body.trim_end();
    }
    let mut out = String::with_capacity(body.len() + 6);
    if start > 0 {
        out.push('…');
    }
    out.push_str(body);
    if end < count {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn share_a_stem(a: &str, b: &str) -> bool {
        let left = stems(a);
        stems(b).iter().any(|stem| left.contains(stem))
    }

    #[track_caller]
    fn assert_related(words: &[&str]) {
        for (i, a) in words.iter().enumerate() {
            for b in &words[i + 1..] {
                assert!(share_a_stem(a, b), "{a} {:?} and {b} {:?} share no stem", stems(a), stems(b));
            }
        }
    }

    fn set(words: &[&str]) -> HashSet<String> {
        words.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn fold_lowercases_and_strips_accents() {
        assert_eq!(fold("Café"), "cafe");
        assert_eq!(fold("Ã"), "a");
        assert_eq!(fold("SURAT"), "surat");
        assert_eq!(fold("İzin"), "izin");
    }

    #[test]
    fn fold_turns_punctuation_into_spaces_one_for_one() {
        assert_eq!(fold("e-KTP, (baru)!"), "e ktp   baru  ");
    }

    #[test]
    fn fold_decomposes_compatibility_forms() {
        assert_eq!(fold("ＫＴＰ"), "ktp");
        assert_eq!(fold("ﬁle"), "file");
        assert_eq!(fold("x²"), "x2");
    }

    #[test]
    fn tokens_are_the_folded_words() {
        assert_eq!(
            tokens("Surat Izin Usaha (SIUP) — Perdagangan!"),
            ["surat", "izin", "usaha", "siup", "perdagangan"]
        );
        assert!(tokens("  ... --- ").is_empty());
        assert!(tokens("").is_empty());
    }

    #[test]
    fn query_terms_drop_repeats_and_stop_at_the_cap() {
        assert_eq!(query_terms("izin IZIN Izin usaha"), ["izin", "usaha"]);
        let long: Vec<String> = (0..40).map(|i| format!("kata{i}")).collect();
        let terms = query_terms(&long.join(" "));
        assert_eq!(terms.len(), MAX_QUERY_TERMS);
        assert_eq!(terms.first().map(String::as_str), Some("kata0"));
    }

    #[test]
    fn derived_words_share_a_stem_with_their_roots() {
        assert_related(&["perizinan", "izin"]);
        assert_related(&["pengaduan", "aduan", "adu"]);
        assert_related(&["pelayanan", "layanan", "melayani"]);
        assert_related(&["pendaftaran", "daftar", "mendaftar"]);
        assert_related(&["diberikan", "beri"]);
        assert_related(&["pembangunan", "bangun"]);
        assert_related(&["bermain", "main"]);
        assert_related(&["ditulis", "tulis"]);
        assert_related(&["terbaca", "baca"]);
        assert_related(&["kebersihan", "bersih"]);
    }

    #[test]
    fn nasal_prefixes_are_recoded_every_plausible_way() {
        assert_related(&["menulis", "tulis"]);
        assert_related(&["memukul", "pukul"]);
        assert_related(&["memakan", "makan"]);
        assert_related(&["menyapu", "sapu"]);
        assert_related(&["mengirim", "kirim"]);
        assert_related(&["mengambil", "ambil"]);
        assert_related(&["menilai", "nilai"]);
        assert_related(&["mengecat", "cat"]);
    }

    #[test]
    fn ke_an_around_a_pen_word_reaches_the_pen_word() {
        assert_related(&["kependudukan", "penduduk"]);
        assert!(stems("kependudukan").iter().any(|s| s == "penduduk"));
    }

    #[test]
    fn pelajaran_belajar_and_ajar_share_a_stem() {
        assert_related(&["pelajaran", "belajar", "ajar", "mempelajari"]);
    }

    #[test]
    fn possessives_and_particles_come_off() {
        assert_related(&["bukunya", "buku"]);
        assert_related(&["rumahku", "rumah"]);
        assert_related(&["rumahmu", "rumah"]);
        assert_eq!(stems("bukunya").first().map(String::as_str), Some("buku"));
        assert_eq!(stems("walaupun").first().map(String::as_str), Some("walau"));
    }

    #[test]
    fn a_suffix_that_may_belong_to_the_root_is_also_kept() {
        assert_related(&["sekolah", "sekolahnya"]);
        assert_related(&["bertemu", "temu"]);
        assert_related(&["menikah", "nikah"]);
        assert_related(&["terima", "diterima", "menerima"]);
        assert_related(&["perpajakan", "pajak"]);
        assert_related(&["keluarga", "kekeluargaan"]);
        assert_related(&["mempercepat", "percepat", "cepat"]);
        assert_related(&["perumahan", "rumah"]);
    }

    #[test]
    fn two_syllable_roots_stay_whole() {
        for word in ["izin", "data", "pajak", "kota", "dinas", "kartu", "surat"] {
            assert_eq!(stems(word), [word], "{word} was stemmed");
        }
    }

    #[test]
    fn primary_stems_follow_tala() {
        let primary = |word: &str| stems(word).first().cloned().unwrap_or_default();
        assert_eq!(primary("perizinan"), "izin");
        assert_eq!(primary("pengaduan"), "adu");
        assert_eq!(primary("pelayanan"), "layan");
        assert_eq!(primary("pendaftaran"), "daftar");
        assert_eq!(primary("menulis"), "tulis");
        assert_eq!(primary("memukul"), "pukul");
        assert_eq!(primary("menyapu"), "sapu");
        assert_eq!(primary("mengambil"), "ambil");
        assert_eq!(primary("diberikan"), "beri");
        assert_eq!(primary("pembangunan"), "bangun");
        assert_eq!(primary("kebersihan"), "bersih");
        assert_eq!(primary("kependudukan"), "duduk");
        assert_eq!(primary("memperbaiki"), "baik");
    }

    #[test]
    fn short_words_and_words_with_digits_are_left_alone() {
        assert_eq!(stems("ktp"), ["ktp"]);
        assert_eq!(stems("di"), ["di"]);
        assert_eq!(stems("pemilu2024"), ["pemilu2024"]);
        assert_eq!(stems(""), [""]);
    }

    #[test]
    fn unrelated_words_do_not_collide() {
        assert!(!share_a_stem("izin", "data"));
        assert!(!share_a_stem("pajak", "kota"));
        assert!(!share_a_stem("dinas", "perizinan"));
        assert!(!share_a_stem("pengaduan", "pendaftaran"));
        assert!(!share_a_stem("pelayanan", "pembangunan"));
        // A second-order prefix is never stripped while a suffix is still on.
        assert!(!share_a_stem("diberikan", "ikan"));
    }

    #[test]
    fn stems_have_no_repeats_and_respect_the_cap() {
        for word in ["memperdengarkannyalah", "kependudukannya", "pemerintahan"] {
            let all = stems(word);
            let distinct: HashSet<&String> = all.iter().collect();
            assert_eq!(distinct.len(), all.len(), "{all:?}");
            assert!(all.len() <= MAX_STEMS);
        }
    }

    #[test]
    fn index_terms_list_each_stem_once_in_order() {
        let terms = index_terms("Pelayanan perizinan: layanan izin");
        let distinct: HashSet<&String> = terms.iter().collect();
        assert_eq!(distinct.len(), terms.len());
        assert_eq!(terms.first().map(String::as_str), Some("layan"));
        assert!(terms.iter().any(|t| t == "izin"));
        assert!(terms.iter().any(|t| t == "pelayanan"));
        assert!(index_terms(" -- ").is_empty());
    }

    #[test]
    fn query_stems_cover_every_query_word() {
        let stems = query_stems("Perizinan usaha");
        assert!(stems.contains("izin"));
        assert!(stems.contains("usaha"));
    }

    #[test]
    fn highlight_marks_matching_words_and_keeps_the_text() {
        let text = "Layanan Perizinan, cepat & mudah!";
        let segments = highlight(text, &query_stems("izin"));
        assert_eq!(
            segments,
            [
                Segment { text: "Layanan ".to_owned(), marked: false },
                Segment { text: "Perizinan".to_owned(), marked: true },
                Segment { text: ", cepat & mudah!".to_owned(), marked: false },
            ]
        );
    }

    #[test]
    fn highlight_keeps_accents_and_combining_marks_with_their_word() {
        let text = "Cafe\u{301} dan Café.";
        let segments = highlight(text, &set(&["cafe"]));
        let marked: Vec<&str> = segments.iter().filter(|s| s.marked).map(|s| s.text.as_str()).collect();
        assert_eq!(marked, ["Cafe\u{301}", "Café"]);
    }

    #[test]
    fn highlight_without_matches_is_one_plain_segment() {
        let segments = highlight("Tidak ada yang cocok.", &query_stems("pajak"));
        assert_eq!(segments.len(), 1);
        assert!(segments.iter().all(|s| !s.marked));
        assert!(highlight("", &query_stems("pajak")).is_empty());
    }

    #[test]
    fn snippet_returns_short_text_whole() {
        assert_eq!(snippet("Izin usaha.", &query_stems("izin"), 50), "Izin usaha.");
    }

    #[test]
    fn snippet_centres_on_the_first_match_and_cuts_between_words() {
        let text = "Warga dapat mengajukan berbagai permohonan melalui portal ini, \
                    termasuk perizinan usaha mikro dan kecil, tanpa datang ke kantor dinas.";
        let result = snippet(text, &query_stems("izin"), 40);
        assert!(result.starts_with('…'), "{result}");
        assert!(result.ends_with('…'), "{result}");
        assert!(result.contains("perizinan"), "{result}");
        assert!(result.chars().count() <= 42);
        let inner = result.trim_matches('…');
        // Every word of the window is a whole word of the text.
        for word in inner.split(' ') {
            assert!(text.split(' ').any(|w| w == word), "{word} was cut");
        }
    }

    #[test]
    fn snippet_without_a_match_starts_at_the_beginning() {
        let text = "Satu Pintu melayani perizinan dan pengaduan warga secara daring.";
        let result = snippet(text, &HashSet::new(), 20);
        assert_eq!(result, "Satu Pintu melayani…");
    }

    #[test]
    fn snippet_cuts_inside_a_word_longer_than_the_window() {
        let text = "ééééééééééééééééééééé ok";
        let result = snippet(text, &HashSet::new(), 5);
        assert_eq!(result, "ééééé…");
    }

    proptest! {
        #[test]
        fn text_functions_never_panic(text in any::<String>()) {
            let folded = fold(&text);
            let _ = tokens(&text);
            let _ = query_terms(&text);
            let _ = index_terms(&text);
            for token in tokens(&text) {
                let _ = stems(&token);
            }
            let _ = stems(&text);
            let _ = highlight(&text, &set(&["a", "b"]));
            prop_assert!(folded.chars().all(|c| c == ' ' || c.is_alphanumeric()));
        }

        #[test]
        fn fold_is_idempotent(text in any::<String>()) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn stems_are_never_empty(word in "\\PC{1,24}") {
            let all = stems(&word);
            prop_assert!(!all.is_empty());
            prop_assert!(all.iter().all(|stem| !stem.is_empty()));
            prop_assert!(all.len() <= MAX_STEMS);
        }

        #[test]
        fn stems_of_indonesian_like_words_are_non_empty_ascii(word in "[a-z]{1,20}(nya|lah|kan|an|i)?") {
            let all = stems(&word);
            prop_assert!(!all.is_empty());
            let distinct: HashSet<&String> = all.iter().collect();
            prop_assert_eq!(distinct.len(), all.len());
            for stem in &all {
                prop_assert!(!stem.is_empty());
                prop_assert!(stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            }
        }

        #[test]
        fn stems_of_affixed_words_are_ascii(
            prefix in "(meng|meny|men|mem|me|peng|peny|pen|pem|di|ter|ke|ber|be|per|pe)?",
            root in "[a-z0-9]{1,10}",
            suffix in "(kan|an|i)?(nya|ku|mu)?(kah|lah|pun|tah)?",
        ) {
            let word = format!("{prefix}{root}{suffix}");
            let all = stems(&word);
            prop_assert!(!all.is_empty());
            for stem in &all {
                prop_assert!(!stem.is_empty());
                prop_assert!(stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            }
        }

        #[test]
        fn highlight_segments_rebuild_the_text(text in any::<String>(), query in "[a-zA-Z ]{0,20}") {
            let stems = query_stems(&query);
            let segments = highlight(&text, &stems);
            let rebuilt: String = segments.iter().map(|s| s.text.as_str()).collect();
            prop_assert_eq!(rebuilt, text);
            prop_assert!(segments.iter().all(|s| !s.text.is_empty()));
            // Unmarked stretches are merged.
            prop_assert!(segments.windows(2).all(|pair| pair[0].marked || pair[1].marked));
        }

        #[test]
        fn highlight_marks_words_of_the_query_itself(words in proptest::collection::vec("[a-z]{1,12}", 1..6)) {
            let text = words.join(", ");
            let stems = query_stems(&text);
            let segments = highlight(&text, &stems);
            let marked = segments.iter().filter(|s| s.marked).count();
            prop_assert_eq!(marked, words.len());
        }

        #[test]
        fn snippet_never_panics_and_stays_bounded(
            text in any::<String>(),
            query in "[a-z ]{0,12}",
            max_chars in 0usize..80,
        ) {
            let result = snippet(&text, &query_stems(&query), max_chars);
            prop_assert!(result.chars().count() <= max_chars + 2);
            let inner = result.trim_start_matches('…').trim_end_matches('…');
            prop_assert!(text.contains(inner));
        }
    }
}
