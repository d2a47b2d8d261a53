//! The ticket queue and its comments, with breached and nearly due service levels.

use chrono::Duration;

use super::generator::*;
use super::rng::*;
use super::users::*;
use super::words::*;
use super::{MAX_TICKETS, SeedReport};
use crate::access;
use crate::error::ApiError;
use crate::rules::{numbers, sla};
use crate::schema::{Entity, PRIORITIES};
use crate::store::{NewRecord, Tx};
use crate::validate::format_time;

impl Gen {
    /// The ticket queue, each ticket followed by its comments.
    pub(super) fn tickets(
        &mut self,
        tx: &dyn Tx,
        report: &mut SeedReport,
    ) -> Result<Vec<NewRecord>, ApiError> {
        if self.pool.is_empty() {
            return Ok(Vec::new());
        }
        let count = self.total.div_ceil(2).min(MAX_TICKETS);
        let mut out = Vec::with_capacity(count * 3);
        for i in 0..count {
            self.rng = Rng::stream(TICKETS, i);
            let number = numbers::ticket_number(tx.next_counter(numbers::TICKET_COUNTER)?);
            let (ticket, mut comments) = self.ticket(number);
            report.tickets += 1;
            report.comments += comments.len();
            out.push(ticket);
            out.append(&mut comments);
        }
        Ok(out)
    }

    pub(super) fn ticket(&mut self, number: String) -> (NewRecord, Vec<NewRecord>) {
        let customer = self.rng.below(self.pool.len());
        let zh = self.pool[customer].zh;
        let priority_index = *self
            .rng
            .weighted(&[(0usize, 20), (1, 50), (2, 20), (3, 10)]);
        let priority = PRIORITIES
            .get(priority_index)
            .copied()
            .unwrap_or(sla::DEFAULT_PRIORITY);
        // One policy per entry of PRIORITIES, read from the store by `setup`.
        let (policy, calendar) = self.setup.sla[priority_index].clone();
        let (first_minutes, resolve_minutes) =
            (policy.first_response_minutes, policy.resolution_minutes);
        let status = *self.rng.weighted(&[
            ("new", 12),
            ("open", 25),
            ("pending", 13),
            ("resolved", 30),
            ("closed", 20),
        ]);
        let minutes = Duration::minutes;

        // Opened at a time chosen so that the queue shows every state of the service level:
        // long finished, comfortably within, nearly due and breached.
        let created = match status {
            s if sla::is_finished(s) => self.now - minutes(self.rng.between(60 * 24, 60 * 24 * 30)),
            "new" => self.now - minutes(self.rng.between(1, first_minutes * 2)),
            _ => match self.rng.below(100) {
                0..30 => {
                    self.now - minutes(resolve_minutes + self.rng.between(30, resolve_minutes * 2))
                }
                30..55 => {
                    self.now
                        - minutes(
                            resolve_minutes - self.rng.between(10, 120.min(resolve_minutes - 1)),
                        )
                }
                _ => self.now - minutes(self.rng.between(5, resolve_minutes / 2)),
            },
        }
        .max(self.pool[customer].created);
        let due = policy.due(created, &calendar);
        let responded = (status != "new").then(|| {
            // Mostly in time; a few late.
            let late = self.rng.percent(15);
            let after = if late {
                self.rng.between(first_minutes, first_minutes * 2)
            } else {
                self.rng.between(2, first_minutes)
            };
            (created + minutes(after)).min(self.now)
        });
        let resolved = sla::is_finished(status).then(|| {
            let late = self.rng.percent(15);
            let after = if late {
                self.rng.between(resolve_minutes, resolve_minutes * 3)
            } else {
                self.rng.between(first_minutes, resolve_minutes)
            };
            let at = (created + minutes(after)).min(self.now - minutes(5));
            at.max(responded.unwrap_or(created))
        });
        let assignee = match status {
            "new" if self.rng.percent(70) => None,
            "new" => Some(*self.rng.pick(&AGENTS)),
            _ if self.rng.percent(8) => None,
            _ => Some(*self.rng.pick(&AGENTS)),
        };
        let by = *self.rng.pick(&AGENTS);
        let last_event = resolved.or(responded).unwrap_or(created);
        let updated = if status == "closed" {
            self.since(last_event)
        } else {
            last_event
        };
        let by_id = self.user(by).to_string();
        let mut r = self.record(Entity::Tickets, created, updated, &by_id);
        let id = text(&r, "id").unwrap_or_default().to_string();
        set(&mut r, "number", number);
        let topic = if zh {
            self.rng.pick(&WORDS.tickets_zh)
        } else {
            self.rng.pick(&WORDS.tickets_en)
        };
        set(&mut r, "subject", topic.subject);
        set(&mut r, "description", topic.description);
        set(&mut r, "category", topic.category);
        set(&mut r, "customer_id", self.pool[customer].id.clone());
        if !self.pool[customer].contacts.is_empty() && self.rng.percent(85) {
            let pick = self.rng.below(self.pool[customer].contacts.len());
            set(
                &mut r,
                "contact_id",
                self.pool[customer].contacts[pick].0.clone(),
            );
        }
        let channel =
            *self
                .rng
                .weighted(&[("phone", 45), ("email", 25), ("web", 20), ("visit", 10)]);
        set(&mut r, "channel", channel);
        set(&mut r, "priority", priority);
        set(&mut r, "status", status);
        if let Some(a) = assignee {
            set(&mut r, "assignee_id", self.user(a).to_string());
        }
        set(
            &mut r,
            "first_response_due",
            format_time(due.first_response),
        );
        set(&mut r, "resolution_due", format_time(due.resolution));
        if let Some(t) = responded {
            set(&mut r, "first_responded_at", format_time(t));
        }
        if let Some(t) = resolved {
            set(&mut r, "resolved_at", format_time(t));
            set(&mut r, "resolution", topic.resolution);
            if self.rng.percent(60) {
                let score = *self
                    .rng
                    .weighted(&[(1i64, 5), (2, 5), (3, 15), (4, 35), (5, 40)]);
                set(&mut r, "satisfaction", score);
            }
        }
        // Where the clock stands, as the server's sweep would have it.
        let alert = sla::Alert::at(
            self.now,
            sla::running_due(&r),
            policy.warn_minutes,
            &calendar,
        );
        set(&mut r, "sla_alert", alert.code());
        let read_set = access::read_set(Entity::Tickets, &r, &self.known);
        self.known
            .sets
            .insert((Entity::Tickets, id.clone()), read_set.clone());
        self.tickets.push(PooledTicket {
            id: id.clone(),
            customer,
            subject: topic.subject.to_string(),
            created,
        });

        // Comments: a first reply when it was answered, then notes until it was resolved. A new
        // ticket has only internal notes, since a visible reply would be its first response.
        let count = self.rng.between(1, 3) as usize;
        let author = self.user(assignee.unwrap_or(by)).to_string();
        let end = resolved.unwrap_or(self.now);
        let mut comments = Vec::with_capacity(count);
        for n in 0..count {
            let (at, internal) = match (n, responded) {
                (0, Some(t)) => (t, false),
                _ => {
                    let from = responded.unwrap_or(created);
                    let span = (end - from).num_seconds().max(0);
                    (
                        from + Duration::seconds(self.rng.between(0, span)),
                        responded.is_none() || self.rng.percent(35),
                    )
                }
            };
            let mut c = self.record(Entity::Comments, at, at, &author);
            set(&mut c, "ticket_id", id.clone());
            let body = match (zh, internal) {
                (true, false) => *self.rng.pick(&WORDS.replies_zh),
                (true, true) => *self.rng.pick(&WORDS.internal_zh),
                (false, false) => *self.rng.pick(&WORDS.replies_en),
                (false, true) => *self.rng.pick(&WORDS.internal_en),
            };
            set(&mut c, "body", body);
            set(&mut c, "internal", internal);
            let read_set = access::read_set(Entity::Comments, &c, &self.known);
            comments.push(NewRecord {
                entity: Entity::Comments,
                record: c,
                hidden: Vec::new(),
                read_set,
            });
        }
        (
            NewRecord {
                entity: Entity::Tickets,
                record: r,
                hidden: Vec::new(),
                read_set,
            },
            comments,
        )
    }
}
