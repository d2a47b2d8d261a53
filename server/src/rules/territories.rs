//! Territory assignment (区域): which territory a new customer falls in, from its region and
//! industry. The service applies it on every customer create (one path: the API, the bulk
//! import and the seeder's service writes), the client may show the same choice.

use serde_json::Value;

use crate::store::Record;

/// A territory as the rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Territory<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub regions: Vec<&'a str>,
    pub industries: Vec<&'a str>,
    pub priority: i64,
    pub active: bool,
}

impl<'a> Territory<'a> {
    pub fn of(record: &'a Record) -> Option<Territory<'a>> {
        let list = |field: &str| -> Vec<&'a str> {
            record
                .get(field)
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        };
        Some(Territory {
            id: record.get("id")?.as_str()?,
            name: record.get("name").and_then(Value::as_str).unwrap_or(""),
            regions: list("regions"),
            industries: list("industries"),
            priority: record
                .get("priority")
                .and_then(Value::as_i64)
                .unwrap_or(100),
            active: record
                .get("active")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        })
    }

    fn covers(&self, region: &str, industry: Option<&str>) -> bool {
        self.active
            && self.regions.iter().any(|r| r.eq_ignore_ascii_case(region))
            && (self.industries.is_empty()
                || industry
                    .is_some_and(|i| self.industries.iter().any(|t| t.eq_ignore_ascii_case(i))))
    }
}

/// The territory a customer in `region` (and `industry`) goes to: among the active ones covering
/// the region, one naming the industry beats one for every industry, then the lower priority,
/// then the name. None without a region or a territory covering it.
pub fn assign<'t, 'a>(
    territories: &'t [Territory<'a>],
    region: Option<&str>,
    industry: Option<&str>,
) -> Option<&'t Territory<'a>> {
    let region = region?;
    territories
        .iter()
        .filter(|t| t.covers(region, industry))
        .min_by(|a, b| {
            (a.industries.is_empty(), a.priority, a.name).cmp(&(
                b.industries.is_empty(),
                b.priority,
                b.name,
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(
        id: &'a str,
        regions: &[&'a str],
        industries: &[&'a str],
        priority: i64,
    ) -> Territory<'a> {
        Territory {
            id,
            name: id,
            regions: regions.to_vec(),
            industries: industries.to_vec(),
            priority,
            active: true,
        }
    }

    #[test]
    fn the_most_specific_then_the_first_by_priority_wins() {
        let list = vec![
            t("east", &["华东"], &[], 100),
            t("east-finance", &["华东"], &["finance"], 100),
            t("east-backup", &["华东", "华中"], &[], 200),
            t("south", &["华南"], &[], 1),
        ];
        let pick = |r: Option<&str>, i: Option<&str>| assign(&list, r, i).map(|t| t.id);
        assert_eq!(pick(Some("华东"), Some("finance")), Some("east-finance"));
        assert_eq!(pick(Some("华东"), Some("retail")), Some("east"));
        assert_eq!(pick(Some("华东"), None), Some("east"));
        assert_eq!(pick(Some("华中"), None), Some("east-backup"));
        assert_eq!(pick(Some("西北"), None), None);
        assert_eq!(pick(None, Some("finance")), None);
    }

    #[test]
    fn an_inactive_territory_takes_nobody() {
        let mut east = t("east", &["华东"], &[], 100);
        east.active = false;
        let list = vec![east];
        assert!(assign(&list, Some("华东"), None).is_none());
    }
}
