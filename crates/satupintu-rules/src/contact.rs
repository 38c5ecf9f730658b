//! Contact details typed by citizens: email addresses and Indonesian mobile numbers.

/// Whether text looks like one mailbox address (the relay has the last word).
pub fn plausible_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
        && !domain.contains('@')
}

/// Indonesian mobile numbers: `08…` or `+628…`, 10–13 digits after the leading 0.
pub fn normalize_phone(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let national = if let Some(rest) = digits.strip_prefix("+62") {
        format!("0{rest}")
    } else if let Some(rest) = digits.strip_prefix("62") {
        format!("0{rest}")
    } else {
        digits
    };
    let ok = national.starts_with("08")
        && (10..=13).contains(&national.len())
        && national.chars().all(|c| c.is_ascii_digit());
    ok.then_some(national)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalized_to_the_national_form() {
        assert_eq!(normalize_phone("+62 812-3456-7890").as_deref(), Some("081234567890"));
        assert_eq!(normalize_phone("0812 3456 789").as_deref(), Some("08123456789"));
        assert_eq!(normalize_phone("021 555 1234"), None);
        assert_eq!(normalize_phone("08abc"), None);
        assert_eq!(normalize_phone("08123"), None);
    }
}
