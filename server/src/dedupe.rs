//! Normalized keys for the customer duplicate check, so that "ACME  Ltd." and "acme ltd",
//! "+86 138-0013-8000" and "13800138000" are recognised as the same.

/// Case folded, white space and punctuation removed (Latin and CJK alike).
pub fn name_key(name: &str) -> Option<String> {
    let key: String = name
        .chars()
        .filter(|c| !c.is_whitespace() && !is_punctuation(*c))
        .flat_map(char::to_lowercase)
        .collect();
    (!key.is_empty()).then_some(key)
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || "，。、（）《》【】「」『』：；！？·～—…“”‘’".contains(c)
}

/// The digits of a phone number without an international prefix for China (+86 / 0086), so a
/// number written with or without it matches. Fewer than five digits is no key at all.
pub fn phone_key(phone: &str) -> Option<String> {
    let mut digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if let Some(rest) = digits.strip_prefix("00") {
        digits = rest.to_string();
    }
    if digits.len() == 13 && digits.starts_with("86") {
        digits.drain(..2);
    }
    (digits.len() >= 5).then_some(digits)
}

pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    (key.contains('@')).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_case_space_and_punctuation() {
        assert_eq!(name_key("ACME  Ltd."), name_key("acme ltd"));
        assert_eq!(name_key("北京 科技（集团）"), name_key("北京科技(集团)"));
        assert_ne!(name_key("北京科技"), name_key("上海科技"));
        assert_eq!(name_key(" .. "), None);
    }

    #[test]
    fn phones_match_by_digits_with_or_without_country_code() {
        assert_eq!(phone_key("+86 138-0013-8000"), Some("13800138000".into()));
        assert_eq!(phone_key("0086 13800138000"), Some("13800138000".into()));
        assert_eq!(phone_key("(010) 6552-1234"), Some("01065521234".into()));
        assert_eq!(phone_key("12"), None);
    }

    #[test]
    fn emails_fold_case() {
        assert_eq!(email_key(" Li@Example.COM "), Some("li@example.com".into()));
        assert_eq!(email_key("nope"), None);
    }
}
