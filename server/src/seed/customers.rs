//! Customers: Chinese and English companies, their owners, places and addresses; each followed
//! by its contacts and opportunities.

use std::sync::mpsc::SyncSender;

use chrono::Duration;
use serde_json::{Value, json};

use super::generator::*;
use super::rng::*;
use super::users::*;
use super::words::*;
use crate::access;
use crate::schema::Entity;
use crate::store::NewRecord;

impl Gen {
    /// Makes every customer, with its contacts and opportunities, and sends them on in chunks.
    pub(super) fn customers(&mut self, send: &SyncSender<Vec<NewRecord>>, chunk: usize) {
        let mut start = 0;
        while start < self.total {
            let end = (start + chunk.max(1)).min(self.total);
            let mut chunk = Vec::with_capacity((end - start) * 3);
            for index in start..end {
                self.customer(index, &mut chunk);
            }
            if send.send(chunk).is_err() {
                return;
            }
            start = end;
        }
    }

    /// Appends a customer, then its contacts and opportunities (parents first, so a client
    /// following the change feed never holds a child without its parent). The writer fills in
    /// the code.
    pub(super) fn customer(&mut self, index: usize, out: &mut Vec<NewRecord>) {
        self.rng = Rng::stream(CUSTOMERS, index);
        // Created over the last three years in code order, so older customers have lower codes.
        let span = 3 * 365 * 86_400_i64;
        let slot = span / self.total.max(1) as i64;
        let offset =
            span * index as i64 / self.total.max(1) as i64 + self.rng.between(0, slot.max(1) - 1);
        let created =
            (self.today - Duration::seconds(span) + Duration::seconds(offset)).min(self.now);
        let updated = if self.rng.percent(40) {
            created
        } else {
            self.since(created)
        };

        let roll = self.rng.below(100);
        let person = roll >= 85;
        let zh = if person { roll < 96 } else { roll < 68 };
        let place = if zh {
            Place::Cn(self.rng.pick_skewed(&WORDS.cities))
        } else {
            Place::Abroad(self.rng.pick(&WORDS.countries))
        };
        let owner = self.owner_for(place);
        let owner_id = self.user(owner).to_string();
        let mut r = self.record(Entity::Customers, created, updated, &owner_id);
        let id = text(&r, "id").unwrap_or_default().to_string();

        // Names, and the labels mail addresses are made from.
        let (name, short, person_mail, domain_label) = match (person, place) {
            (false, Place::Cn(city)) => {
                let (name, short, label) = self.chinese_company(index, city);
                (name, short, None, Some(label))
            }
            (false, Place::Abroad(country)) => {
                let (name, short, label) = self.english_company(index, country);
                (name, short, None, Some(label))
            }
            (true, Place::Cn(_)) => {
                let (name, mail) = self.unique_person_zh(index);
                (name.clone(), name, Some(mail), None)
            }
            (true, Place::Abroad(_)) => {
                let (name, mail) = self.unique_person_en(index);
                (name.clone(), name, Some(mail), None)
            }
        };
        set(&mut r, "name", name);
        set(&mut r, "kind", if person { "person" } else { "company" });

        // Where they are and how to reach them.
        let (region, city_label) = match place {
            Place::Cn(city) => (city.region, city.pinyin),
            Place::Abroad(country) => (INTERNATIONAL, country.label),
        };
        set(&mut r, "region", region);
        let address = self.address(place, &short);
        set(&mut r, "address", address);
        let postcode = match place {
            Place::Cn(city) => self.rng.fill(&format!("{}###", city.post)),
            Place::Abroad(country) => self.rng.fill(country.postcode),
        };
        set(&mut r, "postcode", postcode);
        let phone = match (person, place) {
            (true, Place::Cn(_)) => self.unique_phone(Gen::mobile),
            (false, Place::Cn(city)) => self.unique_phone(|rng| Gen::landline(rng, city)),
            (_, Place::Abroad(country)) => self.unique_phone(|rng| rng.fill(country.phone)),
        };
        set(&mut r, "phone", phone);
        let mut domain = None;
        if let Some(label) = &domain_label {
            let tld = match place {
                Place::Cn(_) => *self.rng.weighted(&[("com", 5), ("cn", 3), ("com.cn", 2)]),
                Place::Abroad(country) => country.tld,
            };
            let d = self.unique_domain(label, city_label, tld, index);
            if self.rng.percent(20)
                && let Place::Cn(city) = place
            {
                let fax = self.unique_phone(|rng| Gen::landline(rng, city));
                set(&mut r, "fax", fax);
            }
            if self.rng.percent(65) {
                set(&mut r, "website", format!("https://www.{d}"));
            }
            if self.rng.percent(75) {
                let mailbox = if zh {
                    self.rng
                        .pick(&["info", "sales", "service", "contact", "office"])
                } else {
                    self.rng
                        .pick(&["info", "sales", "hello", "contact", "office"])
                };
                // The domain is new, so the address is too; this records it as taken.
                let email = format!("{mailbox}@{d}");
                if self.claim_email(&email) {
                    set(&mut r, "email", email);
                }
            }
            domain = Some(d);
        } else if let Some(mail) = person_mail.filter(|_| self.rng.percent(60))
            && self.claim_email(&mail)
        {
            set(&mut r, "email", mail);
        }

        // How they are classified.
        if !person {
            let industry = match place {
                Place::Cn(_) => *self.rng.pick(&WORDS.industries_zh_field),
                Place::Abroad(_) => *self.rng.pick(&WORDS.industries_en_field),
            };
            set(&mut r, "industry", industry);
        }
        let level = *self
            .rng
            .weighted(&[("A", 5), ("B", 15), ("C", 40), ("D", 40)]);
        set(&mut r, "level", level);
        let category = *self.rng.weighted(&[
            ("prospect", 35),
            ("customer", 40),
            ("partner", 8),
            ("dealer", 7),
            ("supplier", 5),
            ("other", 5),
        ]);
        set(&mut r, "category", category);
        let lifecycle = if category == "prospect" {
            *self.rng.weighted(&[("potential", 85), ("lost", 15)])
        } else {
            *self.rng.weighted(&[
                ("active", 65),
                ("dormant", 20),
                ("lost", 8),
                ("potential", 7),
            ])
        };
        set(&mut r, "lifecycle", lifecycle);
        let source = if zh {
            *self.rng.pick(&WORDS.sources_zh)
        } else {
            *self.rng.pick(&WORDS.sources_en)
        };
        set(&mut r, "source", source);
        let tag_count = *self.rng.weighted(&[(0usize, 40), (1, 35), (2, 18), (3, 7)]);
        let mut tags: Vec<Value> = Vec::new();
        for _ in 0..tag_count {
            let tag = if zh {
                *self.rng.pick(&WORDS.tags_zh)
            } else {
                *self.rng.pick(&WORDS.tags_en)
            };
            if !tags.iter().any(|t| t == tag) {
                tags.push(json!(tag));
            }
        }
        if level == "A" && !tags.iter().any(|t| t == "VIP") {
            tags.push(json!("VIP"));
        }
        set(&mut r, "tags", tags);
        if self.rng.percent(20) {
            let note = if zh {
                *self.rng.pick(&WORDS.customer_notes_zh)
            } else {
                *self.rng.pick(&WORDS.customer_notes_en)
            };
            set(&mut r, "notes", note);
        }
        if !person && let Some(profile) = super::profile::customer(&mut self.rng, zh) {
            set(&mut r, "custom", Value::Object(profile));
        }

        // Who works it.
        set(&mut r, "owner_id", owner_id.clone());
        set(
            &mut r,
            "team_id",
            self.setup.teams[owner]
                .clone()
                .map_or(Value::Null, Value::String),
        );
        if self.rng.percent(5) {
            let others: Vec<usize> = SALES.iter().copied().filter(|&u| u != owner).collect();
            let with = *self.rng.pick(&others);
            set(&mut r, "shared_with", json!([self.user(with)]));
        }

        let read_set = access::read_set(Entity::Customers, &r, &self.known);
        self.known
            .sets
            .insert((Entity::Customers, id.clone()), read_set.clone());
        let hidden = crate::service::hidden_columns(Entity::Customers, &r);
        out.push(NewRecord {
            entity: Entity::Customers,
            record: r,
            hidden,
            read_set,
        });

        // Contacts: a person is their own contact; companies have one to three.
        let count = if person {
            1
        } else {
            *self.rng.weighted(&[(1usize, 55), (2, 30), (3, 15)])
        };
        let mut made_contacts = Vec::with_capacity(count);
        for n in 0..count {
            let own_name = person.then_some(short.as_str());
            let contact = self.contact(
                &id,
                &owner_id,
                created,
                zh,
                place,
                domain.as_deref(),
                own_name,
                n == 0,
            );
            let cid = text(&contact.record, "id").unwrap_or_default().to_string();
            let cname = text(&contact.record, "name")
                .unwrap_or_default()
                .to_string();
            made_contacts.push((cid, cname));
            out.push(contact);
            self.contacts += 1;
        }

        // Opportunities for about three customers in ten.
        let mut made_opps = Vec::new();
        let mut deals = Vec::new();
        if self.rng.percent(30) {
            let count = if self.rng.percent(20) { 2 } else { 1 };
            for _ in 0..count {
                let opp = self.opportunity(
                    &id,
                    &owner_id,
                    &short,
                    zh,
                    person,
                    created,
                    source,
                    &made_contacts,
                );
                let oid = text(&opp.record, "id").unwrap_or_default().to_string();
                let oname = text(&opp.record, "name").unwrap_or_default().to_string();
                deals.push(self.deal(&opp, zh));
                if index.is_multiple_of(self.stride) {
                    self.known
                        .sets
                        .insert((Entity::Opportunities, oid.clone()), opp.read_set.clone());
                }
                made_opps.push((oid, oname));
                out.push(opp);
                self.opportunities += 1;
            }
        }

        self.rivals(index, &deals, out);
        self.order_history(&id, &owner_id, zh, created, out);

        if index.is_multiple_of(self.stride) {
            self.pool.push(Pooled {
                id,
                short,
                zh,
                owner,
                created,
                contacts: made_contacts,
                opportunities: made_opps,
            });
        } else {
            self.known.sets.remove(&(Entity::Customers, id));
        }
    }

    /// The salesperson a customer belongs to, by where it is.
    pub(super) fn owner_for(&mut self, place: Place) -> usize {
        match place {
            Place::Abroad(_) => *self.rng.weighted(&[(EMMA, 85), (LI, 10), (WANG, 5)]),
            Place::Cn(city) => match city.region {
                "华北" | "东北" | "西北" => *self.rng.weighted(&[(ZHANG, 90), (WANG, 10)]),
                "华东" => *self.rng.weighted(&[(LI, 70), (WANG, 30)]),
                _ => *self.rng.weighted(&[(LI, 40), (ZHANG, 40), (WANG, 20)]),
            },
        }
    }

    /// (name, short name, domain label)
    pub(super) fn chinese_company(
        &mut self,
        index: usize,
        city: &'static City,
    ) -> (String, String, String) {
        let mut parts = None;
        let name = self.unique_name(index, |rng| {
            let a = rng.pick(&WORDS.brand_chars);
            let mut b = rng.pick(&WORDS.brand_chars);
            while b.0 == a.0 {
                b = rng.pick(&WORDS.brand_chars);
            }
            let industry = rng.pick(&WORDS.industries_zh);
            let suffix = if industry.0.contains("科技") {
                *rng.weighted(&[("有限公司", 6), ("股份有限公司", 2), ("集团有限公司", 1)])
            } else {
                *rng.weighted(&[
                    ("有限公司", 5),
                    ("科技有限公司", 3),
                    ("股份有限公司", 1),
                    ("集团有限公司", 1),
                    ("集团", 1),
                ])
            };
            let brand = format!("{}{}", a.0, b.0);
            let label = format!("{}{}{}", a.1, b.1, industry.1);
            let name = format!("{}{brand}{}{suffix}", city.name, industry.0);
            parts = Some((format!("{brand}{}", industry.0), label));
            name
        });
        let (short, label) = parts.unwrap_or_default();
        (name, short, label)
    }

    pub(super) fn english_company(
        &mut self,
        index: usize,
        country: &'static Country,
    ) -> (String, String, String) {
        let mut parts = None;
        let name = self.unique_name(index, |rng| {
            let prefix = if rng.percent(45) {
                (*rng.pick(&WORDS.en_prefixes)).to_string()
            } else {
                format!(
                    "{}{}",
                    rng.pick(&WORDS.en_first_parts),
                    rng.pick(&WORDS.en_second_parts).to_lowercase()
                )
            };
            let industry = *rng.pick(&WORDS.en_industries);
            let suffix = *rng.pick(&country.suffixes);
            let qualified = if rng.percent(25) {
                format!("{prefix} {industry} ({}) {suffix}", country.name)
            } else {
                format!("{prefix} {industry} {suffix}")
            };
            let label: String = format!("{prefix}{industry}")
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .flat_map(|c| c.to_lowercase())
                .collect();
            parts = Some((prefix, label));
            qualified
        });
        let (short, label) = parts.unwrap_or_default();
        (name, short, label)
    }

    /// A Chinese person's name not used by another customer, and a personal mail address.
    pub(super) fn unique_person_zh(&mut self, index: usize) -> (String, String) {
        let mut mail = String::new();
        let name = self.unique_name(index, |rng| {
            let (name, pinyin) = person_zh(rng);
            let host = rng.pick(&["163.com", "126.com", "qq.com", "sina.com", "foxmail.com"]);
            mail = format!("{pinyin}{}@{host}", rng.between(60, 99));
            name
        });
        (name, mail)
    }

    pub(super) fn unique_person_en(&mut self, index: usize) -> (String, String) {
        let mut mail = String::new();
        let name = self.unique_name(index, |rng| {
            let first = rng.pick(&WORDS.en_first_names);
            let last = rng.pick(&WORDS.en_last_names);
            let host = rng.pick(&[
                "gmail.com",
                "outlook.com",
                "yahoo.com",
                "icloud.com",
                "proton.me",
            ]);
            mail = format!(
                "{}.{}{}@{host}",
                first.to_lowercase(),
                last.to_lowercase(),
                rng.between(1, 99)
            );
            if rng.percent(60) {
                format!("{first} {}. {last}", char::from(b'A' + rng.below(26) as u8))
            } else {
                format!("{first} {last}")
            }
        });
        (name, mail)
    }

    pub(super) fn address(&mut self, place: Place, short: &str) -> String {
        match place {
            Place::Cn(city) => {
                let district = self.rng.pick(&city.districts);
                let road = self.rng.pick(&WORDS.roads_zh);
                let number = self.rng.between(1, 999);
                let building = if self.rng.percent(60) {
                    let tower = self.rng.pick(&["大厦", "中心", "广场", "科技园", "商务楼"]);
                    let floor = self.rng.between(2, 38);
                    let brand: String = short.chars().take(2).collect();
                    format!("{brand}{tower}{floor}楼")
                } else {
                    format!(
                        "{}号楼{}室",
                        self.rng.between(1, 12),
                        self.rng.between(101, 2208)
                    )
                };
                format!("{}市{district}{road}{number}号{building}", city.name)
            }
            Place::Abroad(country) => {
                let city = self.rng.pick(&country.cities);
                let street = self.rng.pick(&WORDS.en_streets);
                format!(
                    "{} {street}, {city}, {}",
                    self.rng.between(1, 480),
                    country.name
                )
            }
        }
    }
}
