//! The frame around every page (site name, navigation, language switch, demo banner) and
//! the small formatting rules pages share: dates in Indonesian, rupiah, paragraphs, pages.

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

use crate::i18n::Lang;
use crate::portal::model::Installation;
use crate::web::RequestContext;

/// Everything the layout template needs besides the page's own content.
#[derive(Clone, Debug)]
pub struct Chrome {
    /// The reader's language.
    pub lang: Lang,
    /// The government's name in the reader's language.
    pub site_name: String,
    /// Whether this installation shows demo data.
    pub demo: bool,
    /// Which navigation item is current (`home`, `news`, …), for `aria-current`.
    pub section: &'static str,
    /// The page title, before the site name.
    pub title: String,
    /// Link that switches to the other language and comes back here.
    pub switch_href: String,
}

impl Chrome {
    /// The frame of a portal page.
    pub fn new(
        context: &RequestContext,
        installation: &Installation,
        section: &'static str,
        title: impl Into<String>,
    ) -> Self {
        let lang = context.lang;
        Self {
            lang,
            site_name: lang.pick(&installation.name, &installation.name_en).to_string(),
            demo: installation.demo,
            section,
            title: title.into(),
            switch_href: switch_href(lang.other(), &context.path_and_query),
        }
    }

    /// A frame that needs no database, for error pages.
    pub fn minimal(context: &RequestContext) -> Self {
        Self {
            lang: context.lang,
            site_name: "Satu Pintu".to_string(),
            demo: false,
            section: "",
            title: String::new(),
            switch_href: switch_href(context.lang.other(), &context.path_and_query),
        }
    }

    /// A message in the reader's language.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A message with arguments, in the reader's language.
    pub fn t_args(&self, key: &str, args: impl AsRef<[(&'static str, String)]>) -> String {
        self.lang.t_args(key, args.as_ref())
    }

    /// `page` when `section` is the current one, for `aria-current`.
    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section { "page" } else { "false" }
    }
}

fn switch_href(target: Lang, back_to: &str) -> String {
    let back: String =
        percent_encoding::utf8_percent_encode(back_to, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!("/bahasa/{}?kembali={back}", target.code())
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A calendar date as people write it: "27 November 2026" (both languages share the
/// day-month-year order in Indonesia).
pub fn format_date(lang: Lang, year: i16, month: i8, day: i8) -> String {
    let months = match lang {
        Lang::Id => &MONTHS_ID,
        Lang::En => &MONTHS_EN,
    };
    let month_name = usize::try_from(month - 1).ok().and_then(|i| months.get(i)).copied().unwrap_or("");
    format!("{day} {month_name} {year}")
}

/// A stored `YYYY-MM-DD` date in words, or `None` when it is not a date.
pub fn format_iso_date(lang: Lang, iso: &str) -> Option<String> {
    let date = iso.parse::<jiff::civil::Date>().ok()?;
    Some(format_date(lang, date.year(), date.month(), date.day()))
}

/// A moment shown in the installation's zone (WIB, WITA or WIT), with the zone named.
pub fn format_timestamp(lang: Lang, seconds: i64, utc_offset_hours: i8) -> String {
    let Ok(moment) = Timestamp::from_second(seconds) else {
        return String::new();
    };
    let offset = Offset::constant(utc_offset_hours);
    let local = moment.to_zoned_datetime(TimeZone::fixed(offset));
    let zone = match utc_offset_hours {
        8 => "WITA",
        9 => "WIT",
        _ => "WIB",
    };
    format!(
        "{}, {:02}.{:02} {zone}",
        format_date(lang, local.year(), local.month(), local.day()),
        local.hour(),
        local.minute()
    )
}

/// The date part of a stored timestamp in the installation's zone, as `YYYY-MM-DD`,
/// for `<time datetime>`.
pub fn iso_date(seconds: i64, utc_offset_hours: i8) -> String {
    Timestamp::from_second(seconds)
        .map(|t| t.to_zoned_datetime(TimeZone::fixed(Offset::constant(utc_offset_hours))).date().to_string())
        .unwrap_or_default()
}

/// A fee in rupiah with Indonesian digit grouping ("Rp 150.000"), or "free".
pub fn format_rupiah(lang: Lang, amount: i64) -> String {
    if amount == 0 {
        return lang.t("fee-free");
    }
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}Rp {grouped}")
}

/// Splits stored plain text into paragraphs at blank lines.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// Page-number navigation for HTML lists.
#[derive(Clone, Debug)]
pub struct Pager {
    /// The current page, from 1.
    pub page: i64,
    /// How many pages there are (at least 1).
    pub pages: i64,
    /// Link to the previous page, if any.
    pub prev_href: Option<String>,
    /// Link to the next page, if any.
    pub next_href: Option<String>,
}

impl Pager {
    /// Builds the pager; `href(page)` makes the link of a page.
    pub fn new(page: i64, per_page: i64, total: i64, href: impl Fn(i64) -> String) -> Self {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Self {
            page,
            pages,
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: (page < pages).then(|| href(page + 1)),
        }
    }
}

/// A wait in words, rounded up to whole minutes past one minute: "45 detik", "3 menit".
pub fn format_wait(lang: Lang, seconds: u64) -> String {
    let seconds = seconds.max(1);
    if seconds < 60 {
        lang.t_args("wait-seconds", &[("n", seconds.to_string())])
    } else {
        lang.t_args("wait-minutes", &[("n", seconds.div_ceil(60).to_string())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_uses_dots_between_thousands() {
        assert_eq!(format_rupiah(Lang::Id, 150_000), "Rp 150.000");
        assert_eq!(format_rupiah(Lang::Id, 1_250_000), "Rp 1.250.000");
        assert_eq!(format_rupiah(Lang::Id, 999), "Rp 999");
        assert_eq!(format_rupiah(Lang::Id, 0), "Gratis");
        assert_eq!(format_rupiah(Lang::En, 0), "Free");
    }

    #[test]
    fn timestamps_show_in_the_installation_zone() {
        // 2026-11-27T17:30:00Z is 28 November 00.30 in WIB.
        let t = 1_795_800_600;
        assert_eq!(format_timestamp(Lang::Id, t, 7), "28 November 2026, 00.30 WIB");
        assert_eq!(format_timestamp(Lang::En, t, 9), "28 November 2026, 02.30 WIT");
        assert_eq!(iso_date(t, 7), "2026-11-28");
    }

    #[test]
    fn pager_links_only_existing_neighbours() {
        let pager = Pager::new(1, 10, 25, |p| format!("?page={p}"));
        assert_eq!(pager.pages, 3);
        assert!(pager.prev_href.is_none());
        assert_eq!(pager.next_href.as_deref(), Some("?page=2"));
        let empty = Pager::new(1, 10, 0, |p| p.to_string());
        assert_eq!(empty.pages, 1);
        assert!(empty.next_href.is_none());
    }

    #[test]
    fn paragraphs_split_at_blank_lines() {
        assert_eq!(paragraphs("a\n\n b \n\n\n\nc"), vec!["a", "b", "c"]);
    }
}
