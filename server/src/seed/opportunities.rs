//! Opportunities across every stage of the pipeline.

use chrono::{DateTime, Duration, Utc};

use super::generator::*;
use super::words::*;
use crate::access;
use crate::schema::Entity;
use crate::store::NewRecord;

impl Gen {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn opportunity(
        &mut self,
        customer_id: &str,
        owner_id: &str,
        short: &str,
        zh: bool,
        person: bool,
        customer_created: DateTime<Utc>,
        source: &str,
        contacts: &[(String, String)],
    ) -> NewRecord {
        // The stages are read from the database: open ones weighted towards the top of the
        // funnel, and a good share already won or lost.
        let open = self
            .setup
            .stages
            .iter()
            .filter(|s| s.kind == "open")
            .count();
        let mut weights = Vec::with_capacity(self.setup.stages.len());
        let mut open_seen = 0;
        for (i, stage) in self.setup.stages.iter().enumerate() {
            let w = match stage.kind.as_str() {
                "open" => {
                    open_seen += 1;
                    (open - open_seen + 3) as u32
                }
                "won" => 4,
                _ => 3,
            };
            weights.push((i, w));
        }
        let stage_index = if weights.is_empty() {
            None
        } else {
            Some(*self.rng.weighted(&weights))
        };
        let (stage_id, kind, probability) = match stage_index.map(|i| &self.setup.stages[i]) {
            Some(s) => (Some(s.id.clone()), s.kind.clone(), Some(s.probability)),
            None => (None, "open".to_string(), None),
        };

        let created = self.since(customer_created.max(self.now - Duration::days(240)));
        let updated = self.since(created);
        let mut r = self.record(Entity::Opportunities, created, updated, owner_id);
        set(&mut r, "customer_id", customer_id);
        if !contacts.is_empty() && self.rng.percent(80) {
            let (cid, _) = self.rng.pick(contacts);
            set(&mut r, "contact_id", cid.clone());
        }
        let item = match (zh, person) {
            (true, false) => *self.rng.pick(&WORDS.deals_zh),
            (true, true) => *self.rng.pick(&WORDS.personal_deals_zh),
            (false, false) => *self.rng.pick(&WORDS.deals_en),
            (false, true) => *self.rng.pick(&WORDS.personal_deals_en),
        };
        let name = if zh {
            format!("{short} · {item}")
        } else {
            format!("{short} – {item}")
        };
        set(&mut r, "name", name);
        if let Some(stage_id) = stage_id {
            set(&mut r, "stage_id", stage_id);
        }
        if let Some(p) = probability {
            set(&mut r, "probability", p);
        }
        // Integer yuan (or dollars) in bands, so small deals are common and large ones rare.
        let band = *self.rng.weighted(&[
            ((5_000, 20_000), 30),
            ((20_000, 100_000), 35),
            ((100_000, 500_000), 25),
            ((500_000, 2_000_000), 10),
        ]);
        let (lo, hi) = if zh { band } else { (band.0 / 5, band.1 / 7) };
        let whole = self.rng.between(lo / 100, hi / 100) * 100;
        set(&mut r, "amount", whole * 100);
        set(&mut r, "currency", if zh { "CNY" } else { "USD" });
        let close = if kind == "open" {
            self.today + Duration::days(self.rng.between(-30, 90))
        } else {
            self.today - Duration::days(self.rng.between(0, 90))
        };
        set(
            &mut r,
            "expected_close",
            close.format("%Y-%m-%d").to_string(),
        );
        set(&mut r, "owner_id", owner_id);
        set(&mut r, "source", source);
        match kind.as_str() {
            "open" => {
                let step = if zh {
                    *self.rng.pick(&WORDS.next_steps_zh)
                } else {
                    *self.rng.pick(&WORDS.next_steps_en)
                };
                set(&mut r, "next_step", step);
            }
            "won" => {
                let reason = if zh {
                    *self.rng.pick(&WORDS.won_zh)
                } else {
                    *self.rng.pick(&WORDS.won_en)
                };
                set(&mut r, "close_reason", reason);
                let step = if zh {
                    "安排实施启动会"
                } else {
                    "Schedule the kick-off"
                };
                set(&mut r, "next_step", step);
            }
            _ => {
                let reason = if zh {
                    *self.rng.pick(&WORDS.lost_zh)
                } else {
                    *self.rng.pick(&WORDS.lost_en)
                };
                set(&mut r, "close_reason", reason);
            }
        }
        let read_set = access::read_set(Entity::Opportunities, &r, &self.known);
        NewRecord {
            entity: Entity::Opportunities,
            record: r,
            hidden: Vec::new(),
            read_set,
        }
    }
}
