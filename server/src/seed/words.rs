//! The word lists the generator draws from, kept as data in `words.json` (read once, the
//! strings borrowed from the embedded text) rather than as code. Their order matters: the
//! generator picks by index, some with a skew towards the front.

use std::sync::LazyLock;

use serde::Deserialize;

/// The lists, parsed on first use.
pub(super) static WORDS: LazyLock<WordsOf<'static>> = LazyLock::new(|| {
    // The file is part of the binary and checked by a test, so it cannot fail at run time.
    serde_json::from_str(include_str!("words.json")).expect("seed/words.json is valid")
});

pub(super) type City = CityOf<'static>;
pub(super) type Country = CountryOf<'static>;

#[derive(Deserialize)]
pub(super) struct CityOf<'a> {
    pub(super) name: &'a str,
    pub(super) pinyin: &'a str,
    pub(super) region: &'a str,
    pub(super) area: &'a str,
    pub(super) post: &'a str,
    #[serde(borrow)]
    pub(super) districts: Vec<&'a str>,
}

#[derive(Deserialize)]
pub(super) struct CountryOf<'a> {
    /// As written in addresses and company names.
    pub(super) name: &'a str,
    /// For telling apart clashing web domains.
    pub(super) label: &'a str,
    #[serde(borrow)]
    pub(super) suffixes: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) cities: Vec<&'a str>,
    pub(super) phone: &'a str,
    pub(super) mobile: &'a str,
    pub(super) postcode: &'a str,
    pub(super) tld: &'a str,
}

/// A ticket's subject with its category, description and how it was resolved.
#[derive(Deserialize)]
pub(super) struct TopicOf<'a> {
    pub(super) category: &'a str,
    pub(super) subject: &'a str,
    pub(super) description: &'a str,
    pub(super) resolution: &'a str,
}

/// Subject lines of activities: for a kind (None: any), a language, about a ticket or not (None:
/// either). `{customer}`, `{who}` and `{about}` are filled in.
#[derive(Deserialize)]
pub(super) struct SubjectsOf<'a> {
    pub(super) kind: Option<&'a str>,
    pub(super) zh: bool,
    pub(super) ticket: Option<bool>,
    #[serde(borrow)]
    pub(super) templates: Vec<&'a str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WordsOf<'a> {
    /// From the most to the least common in the demo (picked with a skew towards the front).
    #[serde(borrow)]
    pub(super) cities: Vec<CityOf<'a>>,
    #[serde(borrow)]
    pub(super) countries: Vec<CountryOf<'a>>,
    #[serde(borrow)]
    pub(super) mobile_prefixes: Vec<&'a str>,
    /// (character, pinyin) for brand names and their web domains.
    #[serde(borrow)]
    pub(super) brand_chars: Vec<(&'a str, &'a str)>,
    /// (word in the name, ASCII label for the domain)
    #[serde(borrow)]
    pub(super) industries_zh: Vec<(&'a str, &'a str)>,
    /// The industry field of Chinese companies.
    #[serde(borrow)]
    pub(super) industries_zh_field: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) industries_en_field: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) en_prefixes: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) en_first_parts: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) en_second_parts: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) en_industries: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) en_streets: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) roads_zh: Vec<&'a str>,
    /// From the most to the least common.
    #[serde(borrow)]
    pub(super) surnames: Vec<(&'a str, &'a str)>,
    #[serde(borrow)]
    pub(super) given_chars: Vec<(&'a str, &'a str)>,
    #[serde(borrow)]
    pub(super) en_first_names: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) en_last_names: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) titles_zh: Vec<(&'a str, &'a str)>,
    #[serde(borrow)]
    pub(super) titles_en: Vec<(&'a str, &'a str)>,
    #[serde(borrow)]
    pub(super) sources_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) sources_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) tags_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) tags_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) revenues_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) revenues_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) customer_notes_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) customer_notes_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) contact_notes_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) contact_notes_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) deals_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) personal_deals_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) deals_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) personal_deals_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) next_steps_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) next_steps_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) won_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) won_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) lost_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) lost_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) call_notes_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) call_notes_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) activity_notes_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) activity_notes_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) tickets_zh: Vec<TopicOf<'a>>,
    #[serde(borrow)]
    pub(super) tickets_en: Vec<TopicOf<'a>>,
    #[serde(borrow)]
    pub(super) replies_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) internal_zh: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) replies_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) internal_en: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) subjects: Vec<SubjectsOf<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_reads_and_none_is_empty() {
        let w = &*WORDS;
        let lens = [
            w.cities.len(),
            w.countries.len(),
            w.mobile_prefixes.len(),
            w.brand_chars.len(),
            w.industries_zh.len(),
            w.industries_zh_field.len(),
            w.industries_en_field.len(),
            w.en_prefixes.len(),
            w.en_first_parts.len(),
            w.en_second_parts.len(),
            w.en_industries.len(),
            w.en_streets.len(),
            w.roads_zh.len(),
            w.surnames.len(),
            w.given_chars.len(),
            w.en_first_names.len(),
            w.en_last_names.len(),
            w.titles_zh.len(),
            w.titles_en.len(),
            w.sources_zh.len(),
            w.sources_en.len(),
            w.tags_zh.len(),
            w.tags_en.len(),
            w.revenues_zh.len(),
            w.revenues_en.len(),
            w.customer_notes_zh.len(),
            w.customer_notes_en.len(),
            w.contact_notes_zh.len(),
            w.contact_notes_en.len(),
            w.deals_zh.len(),
            w.personal_deals_zh.len(),
            w.deals_en.len(),
            w.personal_deals_en.len(),
            w.next_steps_zh.len(),
            w.next_steps_en.len(),
            w.won_zh.len(),
            w.won_en.len(),
            w.lost_zh.len(),
            w.lost_en.len(),
            w.call_notes_zh.len(),
            w.call_notes_en.len(),
            w.activity_notes_zh.len(),
            w.activity_notes_en.len(),
            w.tickets_zh.len(),
            w.tickets_en.len(),
            w.replies_zh.len(),
            w.internal_zh.len(),
            w.replies_en.len(),
            w.internal_en.len(),
        ];
        assert!(lens.iter().all(|n| *n > 0), "{lens:?}");
        assert!(w.subjects.iter().all(|s| !s.templates.is_empty()));
        // Every kind finds its subject lines, in both languages, about a ticket or not.
        for &kind in crate::schema::ACTIVITY_KINDS {
            for zh in [true, false] {
                for ticket in [true, false] {
                    assert!(
                        w.subjects.iter().any(|s| s.zh == zh
                            && s.kind.is_none_or(|k| k == kind)
                            && s.ticket.is_none_or(|t| t == ticket)),
                        "{kind} {zh} {ticket}"
                    );
                }
            }
        }
        assert!(w.cities.iter().all(|c| !c.districts.is_empty()));
        assert!(
            w.countries
                .iter()
                .all(|c| !c.suffixes.is_empty() && !c.cities.is_empty())
        );
    }
}
