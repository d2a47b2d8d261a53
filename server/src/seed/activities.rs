//! A month of calendar around today: calls, meetings, tasks and mails.

use std::collections::HashMap;

use chrono::{Datelike, Duration, Weekday};

use super::generator::*;
use super::rng::*;
use super::users::*;
use super::words::*;
use super::{MAX_ACTIVITIES, SeedReport};
use crate::access;
use crate::schema::Entity;
use crate::store::NewRecord;
use crate::validate::format_time;

impl Gen {
    /// A month of calendar around today.
    pub(super) fn activities(&mut self, report: &mut SeedReport) -> Vec<NewRecord> {
        if self.pool.is_empty() {
            return Vec::new();
        }
        let count = self.total.saturating_mul(3).min(MAX_ACTIVITIES);
        let mut by_owner: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, c) in self.pool.iter().enumerate() {
            by_owner.entry(c.owner).or_default().push(i);
        }
        let mut made = Vec::with_capacity(count);
        for i in 0..count {
            self.rng = Rng::stream(ACTIVITIES, i);
            let owner = *self.rng.weighted(&[
                (DEMO, 15),
                (WANG, 15),
                (LI, 20),
                (ZHANG, 18),
                (EMMA, 16),
                (CHEN, 8),
                (LIU, 8),
            ]);
            made.push(self.activity(owner, &by_owner));
        }
        report.activities += made.len();
        made
    }

    pub(super) fn activity(
        &mut self,
        owner: usize,
        by_owner: &HashMap<usize, Vec<usize>>,
    ) -> NewRecord {
        // A working day within a fortnight either side of today.
        let mut day = self.today + Duration::days(self.rng.between(-15, 15));
        match day.weekday() {
            Weekday::Sat => day -= Duration::days(1),
            Weekday::Sun => day += Duration::days(1),
            _ => {}
        }
        let agent = AGENTS.contains(&owner);
        let ticket = (agent && !self.tickets.is_empty() && self.rng.percent(80))
            .then(|| self.rng.below(self.tickets.len()));
        let customer = match ticket {
            Some(t) => self.tickets[t].customer,
            None => match by_owner.get(&owner).filter(|_| owner != DEMO) {
                Some(own) => *self.rng.pick(own),
                None => self.rng.below(self.pool.len()),
            },
        };
        let mut kind = if agent {
            *self
                .rng
                .weighted(&[("call", 70), ("task", 15), ("note", 10), ("email", 5)])
        } else {
            *self.rng.weighted(&[
                ("call", 30),
                ("meeting", 15),
                ("visit", 12),
                ("task", 25),
                ("email", 12),
                ("note", 6),
            ])
        };
        let start = self.working_time(day);
        // Mails and notes are records of what happened, so they are never in the future.
        if matches!(kind, "email" | "note") && start > self.now {
            kind = "task";
        }
        let past = start <= self.now;
        let owner_id = self.user(owner).to_string();
        let c = &self.pool[customer];
        let (customer_id, zh, short) = (c.id.clone(), c.zh, c.short.clone());
        let contact =
            (!c.contacts.is_empty()).then(|| c.contacts[self.rng.below(c.contacts.len())].clone());
        let opportunity =
            (!agent && ticket.is_none() && !c.opportunities.is_empty() && self.rng.percent(35))
                .then(|| c.opportunities[self.rng.below(c.opportunities.len())].clone());
        let not_before = ticket.map_or(c.created, |t| self.tickets[t].created);

        let planned = (start - Duration::days(self.rng.between(1, 10))).min(self.now);
        let created = planned.max(not_before).min(self.now);
        let mut r = self.record(Entity::Activities, created, created, &owner_id);
        set(&mut r, "kind", kind);
        set(&mut r, "owner_id", owner_id);
        set(&mut r, "customer_id", customer_id);
        if let Some((id, _)) = &contact {
            set(&mut r, "contact_id", id.clone());
        }
        if let Some((id, _)) = &opportunity {
            set(&mut r, "opportunity_id", id.clone());
        }
        if let Some(t) = ticket {
            set(&mut r, "ticket_id", self.tickets[t].id.clone());
        }
        let who = contact
            .as_ref()
            .map_or(short.as_str(), |(_, name)| name.as_str())
            .to_string();
        let about = match (&opportunity, ticket) {
            (Some((_, name)), _) => name.clone(),
            (None, Some(t)) => self.tickets[t].subject.clone(),
            (None, None) => short.clone(),
        };
        let templates = subject_templates(kind, zh, ticket.is_some());
        let subject = self
            .rng
            .pick(templates)
            .replace("{who}", &who)
            .replace("{about}", &about)
            .replace("{customer}", &short);
        set(
            &mut r,
            "subject",
            subject.chars().take(200).collect::<String>(),
        );

        let mut done = false;
        let mut finished = start;
        match kind {
            "call" => {
                let inbound = if agent {
                    self.rng.percent(75)
                } else {
                    self.rng.percent(15)
                };
                set(
                    &mut r,
                    "direction",
                    if inbound { "inbound" } else { "outbound" },
                );
                set(&mut r, "starts_at", format_time(start));
                if past {
                    let outcome = if agent {
                        *self.rng.weighted(&[
                            ("resolved", 35),
                            ("answered", 25),
                            ("escalated", 10),
                            ("callback_requested", 12),
                            ("no_answer", 8),
                            ("voicemail", 5),
                            ("busy", 3),
                            ("wrong_number", 2),
                        ])
                    } else {
                        *self.rng.weighted(&[
                            ("answered", 40),
                            ("no_answer", 15),
                            ("busy", 6),
                            ("voicemail", 10),
                            ("callback_requested", 14),
                            ("sale", 10),
                            ("wrong_number", 2),
                            ("escalated", 3),
                        ])
                    };
                    let talked = matches!(
                        outcome,
                        "answered" | "resolved" | "escalated" | "callback_requested" | "sale"
                    );
                    let seconds = if talked {
                        self.rng.between(45, 1800)
                    } else {
                        self.rng.between(5, 40)
                    };
                    finished = start + Duration::seconds(seconds);
                    set(&mut r, "ends_at", format_time(finished));
                    set(&mut r, "duration_seconds", seconds);
                    set(&mut r, "outcome", outcome);
                    done = true;
                }
            }
            "meeting" | "visit" => {
                let minutes = if kind == "visit" {
                    self.rng.between(4, 12) * 15
                } else {
                    self.rng.between(2, 8) * 15
                };
                finished = start + Duration::minutes(minutes);
                set(&mut r, "starts_at", format_time(start));
                set(&mut r, "ends_at", format_time(finished));
                done = past && self.rng.percent(90);
            }
            "task" => {
                let due = day + Duration::hours(*self.rng.pick(&[10i64, 12, 15, 18]) - 8);
                set(&mut r, "due_at", format_time(due));
                // A quarter of the tasks already due are still open: the overdue list.
                done = if due <= self.now {
                    self.rng.percent(75)
                } else {
                    self.rng.percent(8)
                };
                finished = due.min(self.now);
            }
            _ => {
                set(&mut r, "starts_at", format_time(start));
                done = true;
            }
        }
        set(&mut r, "done", done);
        if self.rng.percent(30) {
            let note = match (kind, zh) {
                ("call", true) => *self.rng.pick(&WORDS.call_notes_zh),
                ("call", false) => *self.rng.pick(&WORDS.call_notes_en),
                (_, true) => *self.rng.pick(&WORDS.activity_notes_zh),
                (_, false) => *self.rng.pick(&WORDS.activity_notes_en),
            };
            set(&mut r, "notes", note);
        }
        if done {
            let touched = finished.max(created).min(self.now);
            set(&mut r, "updated_at", format_time(touched));
        }
        let read_set = access::read_set(Entity::Activities, &r, &self.known);
        NewRecord {
            entity: Entity::Activities,
            record: r,
            hidden: Vec::new(),
            read_set,
        }
    }
}

/// The subject lines for an activity of `kind`, in Chinese or English, about a ticket or not:
/// the first entry of the `subjects` list that fits (the last ones fit every kind).
pub(super) fn subject_templates(kind: &str, zh: bool, ticket: bool) -> &'static [&'static str] {
    WORDS
        .subjects
        .iter()
        .find(|s| {
            s.zh == zh && s.kind.is_none_or(|k| k == kind) && s.ticket.is_none_or(|t| t == ticket)
        })
        .map_or(&[], |s| &s.templates)
}
