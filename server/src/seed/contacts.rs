//! Contacts of a customer, some with a birthday coming up.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::generator::*;
use super::words::*;
use crate::access;
use crate::schema::Entity;
use crate::store::NewRecord;

impl Gen {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn contact(
        &mut self,
        customer_id: &str,
        owner_id: &str,
        customer_created: DateTime<Utc>,
        zh: bool,
        place: Place,
        domain: Option<&str>,
        own_name: Option<&str>,
        primary: bool,
    ) -> NewRecord {
        let created =
            (customer_created + Duration::minutes(self.rng.between(1, 60 * 24 * 20))).min(self.now);
        let updated = if self.rng.percent(70) {
            created
        } else {
            self.since(created)
        };
        let mut r = self.record(Entity::Contacts, created, updated, owner_id);
        set(&mut r, "customer_id", customer_id);
        let (name, mail_user) = match (own_name, zh) {
            (Some(name), _) => (name.to_string(), None),
            (None, true) => {
                let (name, pinyin) = person_zh(&mut self.rng);
                (name, Some(pinyin))
            }
            (None, false) => {
                let first = self.rng.pick(&WORDS.en_first_names);
                let last = self.rng.pick(&WORDS.en_last_names);
                (
                    format!("{first} {last}"),
                    Some(format!("{}.{}", first.to_lowercase(), last.to_lowercase())),
                )
            }
        };
        set(&mut r, "name", name);
        if own_name.is_none() {
            let (title, department) = if zh {
                *self.rng.pick(&WORDS.titles_zh)
            } else {
                *self.rng.pick(&WORDS.titles_en)
            };
            set(&mut r, "title", title);
            set(&mut r, "department", department);
        }
        match place {
            Place::Cn(city) => {
                if own_name.is_none() && self.rng.percent(70) {
                    let mut phone = Gen::landline(&mut self.rng, city);
                    if self.rng.percent(40) {
                        phone = format!("{phone} 转 {}", self.rng.between(800, 8999));
                    }
                    set(&mut r, "phone", phone);
                }
                if self.rng.percent(90) {
                    let mobile = Gen::mobile(&mut self.rng);
                    set(&mut r, "mobile", mobile);
                }
            }
            Place::Abroad(country) => {
                let phone = self.rng.fill(country.phone);
                set(&mut r, "phone", phone);
                if self.rng.percent(60) {
                    let mobile = self.rng.fill(country.mobile);
                    set(&mut r, "mobile", mobile);
                }
            }
        }
        if let (Some(user), Some(domain)) = (mail_user, domain)
            && self.rng.percent(80)
        {
            set(&mut r, "email", format!("{user}@{domain}"));
        }
        if let Some(birthday) = self.birthday() {
            set(&mut r, "birthday", birthday);
        }
        set(&mut r, "is_primary", primary);
        let channel = if zh {
            *self.rng.weighted(&[
                ("wechat", 35),
                ("mobile", 25),
                ("phone", 15),
                ("email", 15),
                ("visit", 5),
                ("sms", 5),
            ])
        } else {
            *self.rng.weighted(&[
                ("email", 50),
                ("phone", 20),
                ("mobile", 20),
                ("web", 5),
                ("visit", 5),
            ])
        };
        set(&mut r, "preferred_channel", channel);
        if self.rng.percent(10) {
            let note = if zh {
                *self.rng.pick(&WORDS.contact_notes_zh)
            } else {
                *self.rng.pick(&WORDS.contact_notes_en)
            };
            set(&mut r, "notes", note);
        }
        if let Some(profile) = super::profile::contact(&mut self.rng) {
            set(&mut r, "custom", serde_json::Value::Object(profile));
        }
        let read_set = access::read_set(Entity::Contacts, &r, &self.known);
        // The contacts' duplicate keys, stored as the service stores them.
        let hidden = crate::service::hidden_columns(Entity::Contacts, &r);
        NewRecord {
            entity: Entity::Contacts,
            record: r,
            hidden,
            read_set,
        }
    }

    /// Seven in ten contacts have a birthday on file; some fall in the coming month, so the
    /// birthday reminders have something to show.
    pub(super) fn birthday(&mut self) -> Option<String> {
        if !self.rng.percent(70) {
            return None;
        }
        let year = self.rng.between(1960, 2000) as i32;
        let (month, day) = if self.rng.percent(12) {
            let date = self.today.date_naive() + Duration::days(self.rng.between(0, 29));
            (date.month(), date.day())
        } else {
            let date = NaiveDate::from_yo_opt(2001, self.rng.between(1, 365) as u32)?;
            (date.month(), date.day())
        };
        // 29 February only exists in leap years.
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .or_else(|| NaiveDate::from_ymd_opt(1988, month, day))?;
        Some(date.format("%Y-%m-%d").to_string())
    }
}
