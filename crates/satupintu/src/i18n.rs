//! Languages of the interface: Indonesian first, English second (Project Fluent).
//!
//! Messages live in `locales/{id,en}/main.ftl`. The reader's choice is a `lang` cookie set
//! by a plain link, so it works without JavaScript; API clients use `Accept-Language`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "id",
        // Fluent's bidi isolation marks would show as stray characters in plain text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ID: LanguageIdentifier = langid!("id");
static EN: LanguageIdentifier = langid!("en");

/// Messages without arguments, once resolved, per language (Indonesian, English): a page
/// shows dozens, and each resolves to the same text every time.
static RESOLVED: std::sync::LazyLock<[std::sync::RwLock<HashMap<String, String>>; 2]> =
    std::sync::LazyLock::new(Default::default);

/// Most messages kept resolved per language; more than the catalogue holds.
const RESOLVED_MOST: usize = 4_096;

/// A language the interface speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    /// English.
    En,
}

/// The name of the cookie that remembers the reader's language.
pub const LANG_COOKIE: &str = "lang";

impl Lang {
    /// Parses a language code as used in URLs and cookies (`id`, `en`).
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "id" | "in" => Some(Self::Id),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The BCP 47 code, for `lang` attributes and `Content-Language`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Self {
        match self {
            Self::Id => Self::En,
            Self::En => Self::Id,
        }
    }

    /// Picks the first supported language from an `Accept-Language` header,
    /// honouring quality values; Indonesian when none is supported.
    pub fn from_accept_language(header: &str) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(lang) = Self::from_code(primary)
                && quality > 0.0
                && best.is_none_or(|(q, _)| quality > q)
            {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang).unwrap_or_default()
    }

    /// Picks the language from a `Cookie` header; Indonesian when none is set.
    pub fn from_cookie_header(header: &str) -> Self {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Self::from_code(value))
            .unwrap_or_default()
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::Id => &ID,
            Self::En => &EN,
        }
    }

    /// The message `key` in this language.
    pub fn t(self, key: &str) -> String {
        let resolved = &RESOLVED[self as usize];
        if let Some(text) = resolved.read().ok().and_then(|known| known.get(key).cloned()) {
            return text;
        }
        let text = LOCALES.lookup(self.id(), key);
        if let Ok(mut known) = resolved.write()
            && known.len() < RESOLVED_MOST
        {
            known.insert(key.to_string(), text.clone());
        }
        text
    }

    /// The message `key` in this language, with named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(value.as_str())))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// Picks the text for this language from an Indonesian original and an English
    /// translation, falling back to Indonesian where no translation exists.
    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::En if !en.trim().is_empty() => en,
            _ => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_highest_quality_supported_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,id;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr, id;q=0.5, en;q=0.4"), Lang::Id);
        assert_eq!(Lang::from_accept_language("en;q=0.2, id;q=0.9"), Lang::Id);
        assert_eq!(Lang::from_accept_language("de"), Lang::Id);
        assert_eq!(Lang::from_accept_language(""), Lang::Id);
        assert_eq!(Lang::from_accept_language("en;q=0"), Lang::Id);
    }

    proptest::proptest! {
        #[test]
        fn any_header_text_picks_a_language_without_panicking(header in "\\PC{0,200}") {
            let _ = Lang::from_accept_language(&header);
            let _ = Lang::from_cookie_header(&header);
        }
    }

    #[test]
    fn cookie_selects_language_and_ignores_unknown_values() {
        assert_eq!(Lang::from_cookie_header("a=b; lang=en"), Lang::En);
        assert_eq!(Lang::from_cookie_header("lang=xx"), Lang::Id);
        assert_eq!(Lang::from_cookie_header(""), Lang::Id);
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let id_keys = keys(include_str!("../locales/id/main.ftl"));
        let en_keys = keys(include_str!("../locales/en/main.ftl"));
        let missing_en: Vec<_> = id_keys.iter().filter(|k| !en_keys.contains(k)).collect();
        let missing_id: Vec<_> = en_keys.iter().filter(|k| !id_keys.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        assert!(missing_id.is_empty(), "missing in Indonesian: {missing_id:?}");
    }

    #[test]
    fn messages_are_translated_and_take_arguments() {
        assert_eq!(Lang::Id.t("nav-news"), "Berita");
        assert_eq!(Lang::En.t("nav-news"), "News");
        let text = Lang::En.t_args("search-results-count", &[("count", "3".into())]);
        assert!(text.contains('3'), "{text}");
    }

    fn keys(ftl: &str) -> Vec<String> {
        ftl.lines()
            .filter_map(|line| line.split_once(" ="))
            .map(|(key, _)| key.trim().to_string())
            .filter(|key| !key.starts_with('#') && !key.is_empty() && !key.starts_with(' '))
            .collect()
    }
}
