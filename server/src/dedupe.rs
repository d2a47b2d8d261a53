//! Normalized keys for the customer duplicate check, so that "ACME  Ltd." and "acme ltd",
//! "+86 10 6552 1234" and "(010) 6552-1234" are recognised as the same, and the comparison of
//! two customers by those keys ([`same_customer`]): the server's check, the seeder's stored
//! keys and the client's warning before a create all go through it.

use serde_json::Value;

use crate::store::{Hidden, Record};

/// The duplicate keys of one customer: its name, phone and email normalized (None: the field is
/// empty or has no key, and matches nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// On which fields two customers agree: `name`, `phone`, `email`, in that order, at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub on: Vec<&'static str>,
}

impl Keys {
    /// The keys of a customer's name, phone and email as given.
    pub fn new(name: Option<&str>, phone: Option<&str>, email: Option<&str>) -> Keys {
        Keys {
            name: name.and_then(name_key),
            phone: phone.and_then(phone_key),
            email: email.and_then(email_key),
        }
    }

    /// The keys of a customer record.
    pub fn of(customer: &Record) -> Keys {
        let text = |f: &str| customer.get(f).and_then(Value::as_str);
        Keys::new(text("name"), text("phone"), text("email"))
    }

    /// The keys of a contact: its name within its customer (`<customer id>/<name key>`, so two
    /// people of one name at different companies are not taken for one), its mobile else its
    /// phone, and its email. A person's number and address say the same across customers.
    pub fn of_contact(contact: &Record) -> Keys {
        let text = |f: &str| contact.get(f).and_then(Value::as_str);
        Keys {
            name: text("customer_id")
                .zip(text("name").and_then(name_key))
                .map(|(customer, name)| format!("{customer}/{name}")),
            phone: text("mobile")
                .and_then(phone_key)
                .or_else(|| text("phone").and_then(phone_key)),
            email: text("email").and_then(email_key),
        }
    }

    /// The hidden columns stored beside a customer, which the store's duplicate look-up reads.
    pub fn columns(self) -> Hidden {
        vec![
            ("name_key", self.name),
            ("phone_key", self.phone),
            ("email_key", self.email),
        ]
    }

    /// Where these keys and `other` agree; None when nowhere.
    pub fn matches(&self, other: &Keys) -> Option<Match> {
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        let on: Vec<&'static str> = [
            ("name", same(&self.name, &other.name)),
            ("phone", same(&self.phone, &other.phone)),
            ("email", same(&self.email, &other.email)),
        ]
        .into_iter()
        .filter_map(|(field, hit)| hit.then_some(field))
        .collect();
        (!on.is_empty()).then_some(Match { on })
    }
}

/// Whether two customers are the same by name, phone or email (normalized), and on which.
pub fn same_customer(a: &Record, b: &Record) -> Option<Match> {
    Keys::of(a).matches(&Keys::of(b))
}

/// Two customers' ids (the smaller first) and the keys they agree on.
pub type IdPair = (String, String, Vec<&'static str>);

/// Pairs of ids whose keys agree, each with the keys it agrees on (`name`, `phone`, `email`),
/// ordered by ids, at most `limit`: the client's review queue over its replica, which holds no
/// key columns (the server groups its stored keys in SQL, `Tx::shared_keys`).
pub fn pairs(keyed: impl IntoIterator<Item = (String, Keys)>, limit: usize) -> Vec<IdPair> {
    use std::collections::{BTreeMap, HashMap};
    let mut groups: HashMap<(&'static str, String), Vec<String>> = HashMap::new();
    for (id, keys) in keyed {
        for (on, key) in [
            ("name", keys.name),
            ("phone", keys.phone),
            ("email", keys.email),
        ] {
            if let Some(key) = key {
                groups.entry((on, key)).or_default().push(id.clone());
            }
        }
    }
    let mut found: BTreeMap<(String, String), Vec<&'static str>> = BTreeMap::new();
    for ((on, _), mut ids) in groups.into_iter().filter(|(_, ids)| ids.len() > 1) {
        ids.sort();
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                found.entry((a.clone(), b.clone())).or_default().push(on);
            }
        }
    }
    found
        .into_iter()
        .take(limit)
        .map(|((a, b), mut on)| {
            on.sort_by_key(|r| ["name", "phone", "email"].iter().position(|x| x == r));
            (a, b, on)
        })
        .collect()
}

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

/// A phone number without an extension written after it (`0571-4249 8151 转 6218`,
/// `+44 20 7946 0000 ext. 12`, `x12`, `#12`): the number itself.
fn without_extension(raw: &str) -> &str {
    // One pass (every synced phone goes through here: a million customers' and contacts' at a
    // first sync): cut at the first of 转, 分机, ext, x, #, `,` and `;`, ASCII case folded.
    let bytes = raw.as_bytes();
    for (i, c) in raw.char_indices() {
        let marker = match c {
            '转' | 'x' | 'X' | '#' | ',' | ';' => true,
            '分' => raw[i + c.len_utf8()..].starts_with('机'),
            'e' | 'E' => bytes
                .get(i + 1..i + 3)
                .is_some_and(|b| b.eq_ignore_ascii_case(b"xt")),
            _ => false,
        };
        if marker {
            return &raw[..i];
        }
    }
    raw
}

/// The canonical digits of a phone number: an extension, an international prefix 00, the
/// country code 86 and a domestic trunk 0 removed, so `+86 10 1234 5678`, `010-12345678` and
/// `(010) 1234 5678 转 8` agree. Shared by the duplicate check and the client's phone search
/// and caller look-up.
pub fn phone_digits(raw: &str) -> Option<String> {
    let raw = without_extension(raw);
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let mut d = digits.as_str();
    if let Some(rest) = d.strip_prefix("00") {
        // Dialled abroad (0086, 0044…): China's own code goes, as written with a +.
        d = rest.strip_prefix("86").unwrap_or(rest);
    } else if d.len() >= 11 && d.starts_with("86") && !raw.trim_start().starts_with('0') {
        // Domestic numbers of 11+ digits start with 1 (mobiles) or 0 (area codes), never 86.
        d = &d[2..];
    }
    let d = d.strip_prefix('0').unwrap_or(d);
    (!d.is_empty()).then(|| d.to_string())
}

/// The duplicate check's key of a phone number: its canonical digits (`phone_digits`), so a
/// number matches however it is written. Fewer than five digits is no key at all.
pub fn phone_key(phone: &str) -> Option<String> {
    phone_digits(phone).filter(|d| d.len() >= 5)
}

pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    (key.contains('@')).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_contacts_name_matches_within_its_customer_and_its_number_across() {
        let contact = |v: Value| Keys::of_contact(v.as_object().unwrap());
        let a = contact(json!({"customer_id": "c1", "name": "王 芳", "mobile": "138-0013-8000"}));
        let b = contact(json!({"customer_id": "c1", "name": "王芳", "phone": "010 6552 1234"}));
        let c = contact(json!({"customer_id": "c2", "name": "王芳", "mobile": "+86 13800138000"}));
        assert_eq!(a.matches(&b).unwrap().on, vec!["name"]);
        // Another company's 王芳 is not the same person by name, but by the same mobile.
        assert_eq!(a.matches(&c).unwrap().on, vec!["phone"]);
        assert!(b.matches(&c).is_none());
        // No mobile: the phone is the number.
        assert_eq!(b.phone.as_deref(), Some("1065521234"));
    }

    fn customer(v: Value) -> Record {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn customers_match_on_every_key_they_share() {
        let a = customer(
            json!({"name": "ACME Ltd.", "phone": "+86 10 6552 1234", "email": "a@acme.cn"}),
        );
        let b =
            customer(json!({"name": "acme ltd", "phone": "(010) 6552-1234", "email": "b@acme.cn"}));
        assert_eq!(same_customer(&a, &b).unwrap().on, vec!["name", "phone"]);
        let c = customer(json!({"name": "Other", "email": " A@ACME.cn"}));
        assert_eq!(same_customer(&a, &c).unwrap().on, vec!["email"]);
        let d = customer(json!({"name": "Other Co", "phone": "12"}));
        assert_eq!(same_customer(&a, &d), None);
        // Missing fields never match each other.
        let empty = customer(json!({"name": "..."}));
        assert_eq!(same_customer(&empty, &customer(json!({}))), None);
    }

    #[test]
    fn the_stored_columns_are_the_keys() {
        let a = customer(json!({"name": "北京 科技", "phone": "138-0013-8000"}));
        assert_eq!(
            Keys::of(&a).columns(),
            vec![
                ("name_key", Some("北京科技".to_string())),
                ("phone_key", Some("13800138000".to_string())),
                ("email_key", None),
            ]
        );
    }

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
        // A landline with its trunk 0, or with the country code instead, or an extension.
        let landline = phone_key("(010) 6552-1234");
        assert_eq!(landline.as_deref(), Some("1065521234"));
        assert_eq!(phone_key("+86 10 6552 1234"), landline);
        assert_eq!(phone_key("010-6552 1234 转 8"), landline);
        assert_eq!(
            phone_key("+44 20 7946 0000"),
            phone_key("0044 20 7946 0000 ext. 12")
        );
        assert_eq!(phone_key("12"), None);
    }

    #[test]
    fn phone_digits_agree_across_spellings() {
        let k = phone_digits("+86 10 1234 5678");
        assert_eq!(k.as_deref(), Some("1012345678"));
        assert_eq!(phone_digits("010-12345678"), k);
        assert_eq!(phone_digits("(010) 1234 5678"), k);
        assert_eq!(phone_digits("0086 10 12345678"), k);
        assert_eq!(
            phone_digits("+86 138 0013 8000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(phone_digits("13800138000").as_deref(), Some("13800138000"));
        // A short local number that happens to start with 86 keeps its digits.
        assert_eq!(phone_digits("8612 3456").as_deref(), Some("86123456"));
        assert_eq!(phone_digits("n/a"), None);
        // An extension is not part of the number a call comes from.
        assert_eq!(
            phone_digits("0571-42498151 转 6218"),
            phone_digits("0571 4249 8151")
        );
        assert_eq!(
            phone_digits("+44 20 7946 0000 ext. 12").as_deref(),
            Some("442079460000")
        );
        assert_eq!(
            phone_digits("010-1234 5678 X9"),
            phone_digits("01012345678")
        );
        // Every marker, wherever it stands and however it is cased; the first one cuts.
        for written in [
            "010-1234 5678 分机 9",
            "010-1234 5678 EXT 9",
            "010-1234 5678 Ext.9 转 7",
            "010-1234 5678#9",
            "010-1234 5678, 9",
            "010-1234 5678;9",
            "010-1234 5678 x 9 ext 8",
        ] {
            assert_eq!(
                phone_digits(written).as_deref(),
                Some("1012345678"),
                "{written}"
            );
        }
        // 分 alone, or an e not followed by xt, cuts nothing.
        assert_eq!(
            phone_digits("分 010-1234 5678").as_deref(),
            Some("1012345678")
        );
        assert_eq!(
            phone_digits("tel 010-1234 5678").as_deref(),
            Some("1012345678")
        );
    }

    #[test]
    fn pairs_group_by_every_key_and_say_on_which() {
        let k = |n: &str, p: Option<&str>, e: Option<&str>| Keys::new(Some(n), p, e);
        let found = pairs(
            [
                ("1".to_string(), k("甲", Some("010-6552 1234"), None)),
                (
                    "2".to_string(),
                    k("乙", Some("+86 10 6552 1234"), Some("a@b.cn")),
                ),
                ("3".to_string(), k("乙", None, Some("A@b.cn"))),
                ("4".to_string(), k("丙", None, None)),
            ],
            10,
        );
        assert_eq!(
            found,
            vec![
                ("1".into(), "2".into(), vec!["phone"]),
                ("2".into(), "3".into(), vec!["name", "email"]),
            ]
        );
        assert_eq!(pairs([("1".to_string(), k("x", None, None))], 10), vec![]);
    }

    #[test]
    fn emails_fold_case() {
        assert_eq!(email_key(" Li@Example.COM "), Some("li@example.com".into()));
        assert_eq!(email_key("nope"), None);
    }
}
