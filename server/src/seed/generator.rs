//! The generator's state and what every entity's generator shares: ids, system fields,
//! times, unique names, phones, mails and domains, and read sets without a database round trip.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::rng::*;
use super::setup::Setup;
use super::words::*;
use super::{ID_EPOCH_MS, POOL, SEED};
use crate::access::Lookup;
use crate::dedupe;
use crate::schema::{Entity, SYSTEM_FIELDS};
use crate::store::Record;
use crate::validate::{self, format_time};

// Read sets without a database round trip.

/// The access rules' view of the records made so far: the read sets of the customers in hand
/// and of the pooled ones, and every demo user's team.
#[derive(Default)]
pub(super) struct Known {
    pub(super) teams: HashMap<String, String>,
    pub(super) sets: HashMap<(Entity, String), BTreeSet<String>>,
}

impl Lookup for Known {
    fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>> {
        self.sets.get(&(entity, id.to_string())).cloned()
    }
    fn team_of(&self, user_id: &str) -> Option<String> {
        self.teams.get(user_id).cloned()
    }
}

/// A customer remembered for activities and tickets.
pub(super) struct Pooled {
    pub(super) id: String,
    pub(super) short: String,
    pub(super) zh: bool,
    pub(super) owner: usize,
    pub(super) created: DateTime<Utc>,
    /// (id, name)
    pub(super) contacts: Vec<(String, String)>,
    /// (id, name)
    pub(super) opportunities: Vec<(String, String)>,
}

pub(super) struct PooledTicket {
    pub(super) id: String,
    pub(super) customer: usize,
    pub(super) subject: String,
    pub(super) created: DateTime<Utc>,
}

/// Where a customer is: a Chinese city or a foreign country.
#[derive(Clone, Copy)]
pub(super) enum Place {
    Cn(&'static City),
    Abroad(&'static Country),
}

pub(super) struct Gen {
    pub(super) rng: Rng,
    pub(super) now: DateTime<Utc>,
    /// Midnight UTC today: the calendar is laid out in days from here.
    pub(super) today: DateTime<Utc>,
    pub(super) total: usize,
    pub(super) setup: Setup,
    pub(super) known: Known,
    pub(super) templates: HashMap<Entity, Record>,
    pub(super) ids: u64,
    pub(super) names: Fingerprints,
    pub(super) phones: Fingerprints,
    pub(super) emails: Fingerprints,
    pub(super) domains: Fingerprints,
    /// Keep every `stride`-th customer in the pool.
    pub(super) stride: usize,
    pub(super) pool: Vec<Pooled>,
    pub(super) tickets: Vec<PooledTicket>,
    pub(super) contacts: usize,
    pub(super) opportunities: usize,
    pub(super) rivals: usize,
    /// Past orders and their lines made with the customers.
    pub(super) orders: usize,
    pub(super) order_lines: usize,
}

pub(super) fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

pub(super) fn set(record: &mut Record, field: &str, value: impl Into<Value>) {
    // Every field is present from the template, so this never allocates a key.
    match record.get_mut(field) {
        Some(slot) => *slot = value.into(),
        None => debug_assert!(false, "{field} is not a field of the record being seeded"),
    }
}

impl Gen {
    pub(super) fn new(now: DateTime<Utc>, setup: Setup, total: usize) -> Gen {
        let today = now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or(now, |t| t.and_utc());
        let mut known = Known::default();
        for (user, team) in setup.users.iter().zip(&setup.teams) {
            if let Some(team) = team {
                known.teams.insert(user.clone(), team.clone());
            }
        }
        let templates = Entity::ALL
            .iter()
            .map(|&e| {
                let mut r = Record::new();
                for field in SYSTEM_FIELDS {
                    r.insert((*field).to_string(), Value::Null);
                }
                for field in e.fields() {
                    r.insert(field.name.to_string(), validate::default_value(field));
                }
                (e, r)
            })
            .collect();
        Gen {
            rng: Rng(SEED),
            now,
            today,
            total,
            setup,
            known,
            templates,
            ids: 0,
            names: Fingerprints::default(),
            phones: Fingerprints::default(),
            emails: Fingerprints::default(),
            domains: Fingerprints::default(),
            stride: total.div_ceil(POOL).max(1),
            pool: Vec::new(),
            tickets: Vec::new(),
            contacts: 0,
            opportunities: 0,
            rivals: 0,
            orders: 0,
            order_lines: 0,
        }
    }

    pub(super) fn user(&self, index: usize) -> &str {
        &self.setup.users[index]
    }

    pub(super) fn new_id(&mut self) -> String {
        let millis = ID_EPOCH_MS + self.ids;
        self.ids += 1;
        let bits = (u128::from(self.rng.next()) << 64 | u128::from(self.rng.next())).to_be_bytes();
        let mut random = [0u8; 10];
        random.copy_from_slice(&bits[..10]);
        uuid::Builder::from_unix_timestamp_millis(millis, &random)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// A full record of `entity` with every field at its default and the system fields set.
    pub(super) fn record(
        &mut self,
        entity: Entity,
        created: DateTime<Utc>,
        updated: DateTime<Utc>,
        by: &str,
    ) -> Record {
        let mut r = self.templates.get(&entity).cloned().unwrap_or_default();
        let id = self.new_id();
        set(&mut r, "id", id);
        set(&mut r, "version", 1);
        set(&mut r, "created_at", format_time(created));
        set(&mut r, "updated_at", format_time(updated.max(created)));
        // Seeded history: whoever made a record last changed it.
        set(&mut r, "updated_by", by);
        set(&mut r, "created_by", by);
        r
    }

    /// A time between `from` and now, or `from` itself when that is not in the past.
    pub(super) fn since(&mut self, from: DateTime<Utc>) -> DateTime<Utc> {
        let span = (self.now - from).num_seconds();
        from + Duration::seconds(self.rng.between(0, span.max(0)))
    }

    /// An instant on `day` (midnight UTC) at a Beijing working hour, 09:00 to 17:45.
    pub(super) fn working_time(&mut self, day: DateTime<Utc>) -> DateTime<Utc> {
        let hour = self.rng.between(9, 17);
        let minute = 15 * self.rng.between(0, 3);
        day + Duration::hours(hour - 8) + Duration::minutes(minute)
    }

    /// Draws from `make` until the name is new; very large seeds may exhaust a name space, and
    /// then a number makes it unique.
    pub(super) fn unique_name(
        &mut self,
        index: usize,
        mut make: impl FnMut(&mut Rng) -> String,
    ) -> String {
        let mut name = String::new();
        for _ in 0..30 {
            name = make(&mut self.rng);
            if self.claim_name(&name) {
                return name;
            }
        }
        let name = format!("{name} #{}", index + 1);
        self.claim_name(&name);
        name
    }

    pub(super) fn claim_name(&mut self, name: &str) -> bool {
        dedupe::name_key(name).is_some_and(|key| self.names.insert(fingerprint(&key)))
    }

    pub(super) fn unique_phone(&mut self, mut make: impl FnMut(&mut Rng) -> String) -> String {
        loop {
            let phone = make(&mut self.rng);
            if let Some(key) = dedupe::phone_key(&phone)
                && self.phones.insert(fingerprint(&key))
            {
                return phone;
            }
        }
    }

    /// Records a mail address as handed out; false when it was already.
    pub(super) fn claim_email(&mut self, email: &str) -> bool {
        dedupe::email_key(email).is_some_and(|key| self.emails.insert(fingerprint(&key)))
    }

    /// A web domain not handed out before, from a label; a city or the index tell apart those
    /// that clash.
    pub(super) fn unique_domain(
        &mut self,
        label: &str,
        city: &str,
        tld: &str,
        index: usize,
    ) -> String {
        for candidate in [
            format!("{label}.{tld}"),
            format!("{label}-{city}.{tld}"),
            format!("{city}{label}.{tld}"),
        ] {
            if self.domains.insert(fingerprint(&candidate)) {
                return candidate;
            }
        }
        let candidate = format!("{label}{}.{tld}", index + 1);
        self.domains.insert(fingerprint(&candidate));
        candidate
    }

    pub(super) fn mobile(rng: &mut Rng) -> String {
        let prefix = rng.pick(&WORDS.mobile_prefixes);
        rng.fill(&format!("{prefix}-####-####"))
    }

    pub(super) fn landline(rng: &mut Rng, city: &City) -> String {
        let first = rng.between(2, 8);
        rng.fill(&format!("{}-{first}#######", city.area))
    }
}

/// A Chinese name and its pinyin, for mail addresses.
pub(super) fn person_zh(rng: &mut Rng) -> (String, String) {
    let surname = rng.pick_skewed(&WORDS.surnames);
    let first = rng.pick(&WORDS.given_chars);
    if rng.percent(35) {
        (
            format!("{}{}", surname.0, first.0),
            format!("{}{}", surname.1, first.1),
        )
    } else {
        let second = rng.pick(&WORDS.given_chars);
        (
            format!("{}{}{}", surname.0, first.0, second.0),
            format!("{}{}{}", surname.1, first.1, second.1),
        )
    }
}
