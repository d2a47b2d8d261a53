//! Call outcomes are the wrap-up codes an admin defines (`wrap_up_codes` records, synced to
//! every client): how a code reads in each language the screens speak, which digit picks it in
//! the call dialog, and what follow-up it asks for. The fixed list this replaced became the
//! first codes of a migrated database (migration 0012) and the demo's.

use serde_json::{Map, Value};

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

/// What a wrap-up code asks for after the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FollowUp {
    #[default]
    None,
    /// When to call back: an outbound call planned then.
    Callback,
    /// A ticket: its subject, the ticket created.
    Ticket,
}

impl FollowUp {
    pub fn parse(word: &str) -> FollowUp {
        match word {
            "callback" => FollowUp::Callback,
            "ticket" => FollowUp::Ticket,
            _ => FollowUp::None,
        }
    }
}

/// One wrap-up code as the dialog offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapUp {
    pub code: String,
    pub en: String,
    pub zh: String,
    pub digit: u32,
    pub follow_up: FollowUp,
    /// The follow-up must be given before the call is logged; otherwise it is offered.
    pub required: bool,
    pub active: bool,
}

impl WrapUp {
    /// A `wrap_up_codes` record; `None` when it lacks a code.
    pub fn of(record: &Map<String, Value>) -> Option<WrapUp> {
        let text = |f: &str| record.get(f).and_then(Value::as_str).unwrap_or_default();
        let code = text("code");
        if code.is_empty() {
            return None;
        }
        Some(WrapUp {
            code: code.to_string(),
            en: text("label_en").to_string(),
            zh: text("label_zh").to_string(),
            digit: record
                .get("digit")
                .and_then(Value::as_u64)
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(0),
            follow_up: FollowUp::parse(text("follow_up")),
            required: record.get("follow_up_required") == Some(&Value::Bool(true)),
            active: record.get("active") != Some(&Value::Bool(false)),
        })
    }

    pub fn label(&self, lang: Lang) -> &str {
        let (first, other) = match lang {
            Lang::En => (&self.en, &self.zh),
            Lang::Zh => (&self.zh, &self.en),
        };
        if first.is_empty() { other } else { first }
    }
}

/// The codes the dialog offers: the active ones, by digit (a digit picks the first active code
/// holding it).
pub fn offered(records: &[Map<String, Value>]) -> Vec<WrapUp> {
    let mut codes: Vec<WrapUp> = records
        .iter()
        .filter_map(WrapUp::of)
        .filter(|w| w.active)
        .collect();
    codes.sort_by(|a, b| a.digit.cmp(&b.digit).then_with(|| a.code.cmp(&b.code)));
    codes
}

/// The offered code digit `d` picks.
pub fn by_digit(codes: &[WrapUp], d: u32) -> Option<&WrapUp> {
    codes.iter().find(|w| w.digit == d)
}

/// How an outcome code is shown: its code's label, or the code as words when no code defines it
/// (deleted since, or from a newer server).
pub fn label(codes: &[WrapUp], code: &str, lang: Lang) -> String {
    codes
        .iter()
        .find(|w| w.code == code)
        .map_or_else(|| code.replace('_', " "), |w| w.label(lang).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn records() -> Vec<Map<String, Value>> {
        [
            json!({"code": "no_answer", "label_en": "No answer", "label_zh": "无人接听", "digit": 2}),
            json!({"code": "answered", "label_en": "Answered", "label_zh": "已接通", "digit": 1}),
            json!({"code": "callback_requested", "label_en": "Callback", "label_zh": "",
                   "digit": 6, "follow_up": "callback", "follow_up_required": true}),
            json!({"code": "old", "label_en": "Old", "label_zh": "旧", "digit": 1, "active": false}),
            json!({"label_en": "no code"}),
        ]
        .into_iter()
        .map(|v| v.as_object().unwrap().clone())
        .collect()
    }

    #[test]
    fn the_active_codes_are_offered_by_digit() {
        let codes = offered(&records());
        let order: Vec<&str> = codes.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(order, ["answered", "no_answer", "callback_requested"]);
        assert_eq!(
            by_digit(&codes, 1).map(|w| w.code.as_str()),
            Some("answered")
        );
        assert_eq!(
            by_digit(&codes, 6).map(|w| (w.follow_up, w.required)),
            Some((FollowUp::Callback, true))
        );
        assert_eq!(by_digit(&codes, 0), None);
    }

    #[test]
    fn labels_follow_the_language_and_fall_back() {
        let codes = offered(&records());
        assert_eq!(label(&codes, "no_answer", Lang::Zh), "无人接听");
        assert_eq!(label(&codes, "no_answer", Lang::En), "No answer");
        // No Chinese label: the English one rather than nothing.
        assert_eq!(label(&codes, "callback_requested", Lang::Zh), "Callback");
        assert_eq!(label(&codes, "left_a_message", Lang::Zh), "left a message");
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::parse("en_US.UTF-8"), Lang::En);
    }
}
