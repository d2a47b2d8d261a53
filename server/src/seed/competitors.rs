//! The competitors met in deals: which ones, with which product and offer, and how it ended
//! for them. Each customer's deals draw from a stream of their own, so adding competitors left
//! every other seeded value as it was.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::generator::*;
use super::rng::{RIVALS, Rng};
use super::words::WORDS;
use crate::access::{self, Lookup};
use crate::schema::Entity;
use crate::store::NewRecord;

/// A deal just made, as its competitors need it.
pub(super) struct Deal {
    pub(super) id: String,
    pub(super) read_set: BTreeSet<String>,
    /// The kind of its stage: open, won or lost.
    pub(super) kind: String,
    /// Minor units.
    pub(super) amount: i64,
    pub(super) zh: bool,
    pub(super) owner: String,
    pub(super) created: DateTime<Utc>,
}

/// The access rules' view of one deal: its competitors' read sets derive from it.
struct OneDeal<'a>(&'a Deal);

impl Lookup for OneDeal<'_> {
    fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>> {
        (entity == Entity::Opportunities && id == self.0.id).then(|| self.0.read_set.clone())
    }
    fn team_of(&self, _user_id: &str) -> Option<String> {
        None
    }
}

impl Gen {
    /// What `rivals` needs of a deal just made.
    pub(super) fn deal(&self, opp: &NewRecord, zh: bool) -> Deal {
        let stage = text(&opp.record, "stage_id");
        let kind = self
            .setup
            .stages
            .iter()
            .find(|s| Some(s.id.as_str()) == stage)
            .map_or("open", |s| s.kind.as_str());
        let created = text(&opp.record, "created_at")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(self.now, |t| t.with_timezone(&Utc));
        Deal {
            id: text(&opp.record, "id").unwrap_or_default().to_string(),
            read_set: opp.read_set.clone(),
            kind: kind.to_string(),
            amount: opp
                .record
                .get("amount")
                .and_then(|a| a.as_i64())
                .unwrap_or(0),
            zh,
            owner: text(&opp.record, "owner_id")
                .unwrap_or_default()
                .to_string(),
            created,
        }
    }

    /// Competitors in about four deals in ten: one or two, those that compete for that kind of
    /// customer. A won deal beat them; a lost one went to one of them or they dropped out.
    pub(super) fn rivals(&mut self, customer: usize, deals: &[Deal], out: &mut Vec<NewRecord>) {
        if deals.is_empty() || self.setup.rivals.is_empty() {
            return;
        }
        let saved = std::mem::replace(&mut self.rng, Rng::stream(RIVALS, customer));
        for deal in deals {
            if !self.rng.percent(40) {
                continue;
            }
            let candidates: Vec<usize> = (0..self.setup.rivals.len())
                .filter(|&i| self.setup.rivals[i].zh == deal.zh)
                .collect();
            let count = if self.rng.percent(30) { 2 } else { 1 };
            let mut picked: Vec<usize> = Vec::new();
            while picked.len() < count.min(candidates.len()) {
                let i = *self.rng.pick(&candidates);
                if !picked.contains(&i) {
                    picked.push(i);
                }
            }
            for (n, &i) in picked.iter().enumerate() {
                let met = deal.created + Duration::days(self.rng.between(0, 20));
                let created = self.since(met.min(self.now));
                let mut r = self.record(
                    Entity::OpportunityCompetitors,
                    created,
                    created,
                    &deal.owner,
                );
                set(&mut r, "opportunity_id", deal.id.as_str());
                set(&mut r, "competitor_id", self.setup.rivals[i].id.as_str());
                if self.rng.percent(70) {
                    let products = &self.setup.rivals[i].products;
                    let (product, _) = products[self.rng.below(products.len())].clone();
                    set(&mut r, "product_id", product);
                }
                // Their offer: within a fifth of ours either way, in whole units.
                let offer = deal.amount / 100 * (80 + self.rng.between(0, 40)) / 100 * 100;
                set(&mut r, "price_offered", offer);
                set(&mut r, "currency", if deal.zh { "CNY" } else { "USD" });
                let threat = *self.rng.weighted(&[("low", 3), ("medium", 5), ("high", 2)]);
                set(&mut r, "threat", threat);
                let status = match deal.kind.as_str() {
                    "won" => "beaten",
                    "lost" if n == 0 && self.rng.percent(70) => "chosen",
                    "lost" => "dropped",
                    _ if self.rng.percent(15) => "dropped",
                    _ => "competing",
                };
                set(&mut r, "status", status);
                let notes = if deal.zh {
                    &WORDS.rival_notes_zh
                } else {
                    &WORDS.rival_notes_en
                };
                set(&mut r, "notes", *self.rng.pick(notes));
                let read_set = access::read_set(Entity::OpportunityCompetitors, &r, &OneDeal(deal));
                self.rivals += 1;
                out.push(NewRecord {
                    entity: Entity::OpportunityCompetitors,
                    record: r,
                    hidden: Vec::new(),
                    read_set,
                });
            }
        }
        self.rng = saved;
    }
}
