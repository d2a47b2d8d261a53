//! Call outcomes (wrap-up codes): one table of code → labels in each language the screens
//! speak, in the order the call dialog numbers them (digit 1 is the first). The activity
//! descriptor's `outcome` enum and the client's dialog are both made from it, so a later
//! admin-defined list replaces this one table.

/// A language the screens show labels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// The language a locale or setting names (`zh`, `zh_CN.UTF-8`, `en_US`); anything that is
    /// not Chinese is English.
    pub fn parse(tag: &str) -> Lang {
        if tag.trim().to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// One outcome: the stored code and its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallOutcome {
    pub code: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
}

impl CallOutcome {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

const fn o(code: &'static str, en: &'static str, zh: &'static str) -> CallOutcome {
    CallOutcome { code, en, zh }
}

/// Every outcome, in dialog order.
pub const OUTCOMES: [CallOutcome; 9] = [
    o("answered", "Answered", "已接通"),
    o("no_answer", "No answer", "无人接听"),
    o("busy", "Busy", "占线"),
    o("voicemail", "Voicemail", "语音信箱"),
    o("wrong_number", "Wrong number", "打错电话"),
    o("callback_requested", "Callback requested", "要求回电"),
    o("resolved", "Resolved", "已解决"),
    o("escalated", "Escalated", "已升级"),
    o("sale", "Sale", "成交"),
];

/// The outcome that asks when to call back and plans that call.
pub const CALLBACK: &str = "callback_requested";

/// The stored codes, for the activity descriptor's enum.
pub const CODES: [&str; OUTCOMES.len()] = {
    let mut codes = [""; OUTCOMES.len()];
    let mut i = 0;
    while i < OUTCOMES.len() {
        codes[i] = OUTCOMES[i].code;
        i += 1;
    }
    codes
};

/// The outcome stored as `code`.
pub fn by_code(code: &str) -> Option<&'static CallOutcome> {
    OUTCOMES.iter().find(|o| o.code == code)
}

/// The outcome digit `d` (1–9) picks in the dialog.
pub fn by_digit(d: u32) -> Option<&'static CallOutcome> {
    (d as usize).checked_sub(1).and_then(|i| OUTCOMES.get(i))
}

/// How an outcome code is shown: its label, or the code itself when unknown (a record from a
/// newer server).
pub fn label(code: &str, lang: Lang) -> String {
    by_code(code).map_or_else(|| code.replace('_', " "), |o| o.label(lang).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_every_one_has_both_labels() {
        for (i, a) in OUTCOMES.iter().enumerate() {
            assert!(!a.en.is_empty() && !a.zh.is_empty(), "{}", a.code);
            assert!(OUTCOMES[i + 1..].iter().all(|b| b.code != a.code));
            assert_eq!(CODES[i], a.code);
        }
        assert!(by_code(CALLBACK).is_some());
    }

    #[test]
    fn digits_pick_in_order_and_zero_or_ten_pick_nothing() {
        assert_eq!(by_digit(1).map(|o| o.code), Some("answered"));
        assert_eq!(by_digit(6).map(|o| o.code), Some(CALLBACK));
        assert_eq!(by_digit(0), None);
        assert_eq!(by_digit(10), None);
    }

    #[test]
    fn labels_follow_the_language_and_unknown_codes_read_as_words() {
        assert_eq!(label("no_answer", Lang::Zh), "无人接听");
        assert_eq!(label("no_answer", Lang::En), "No answer");
        assert_eq!(label("left_a_message", Lang::Zh), "left a message");
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::parse("en_US.UTF-8"), Lang::En);
    }
}
