//! The range reads over the replica: the funnel's sums per stage, a stage's window of cards and a
//! card's place in it, the calendar's activities in a time range, and the reminders.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use crm_server::rules::{reminders, sla};
use crm_server::schema::Entity;
use serde_json::json;

use super::{ReplicaSource, SCAN_CAP, fields, query, storage};
use crate::replica::{DealScope, StageSums};
use crate::tui::data::*;

/// The funnel filter's owner and month, as the replica's range reads take them.
fn deal_scope(filter: &FunnelFilter) -> DealScope {
    DealScope {
        owner_id: filter.owner_id.clone(),
        close_month: filter.close_month,
    }
}

fn in_month(date: &str, month: Option<(i32, u32)>) -> bool {
    month.is_none_or(|(y, m)| {
        NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok_and(|d| d.year() == y && d.month() == m)
    })
}

impl ReplicaSource {
    fn stage_rows(&self, stage_id: &str, filter: &FunnelFilter) -> Result<Vec<Record>, DataError> {
        let mut filters = vec![("stage_id", json!(stage_id))];
        if let Some(o) = &filter.owner_id {
            filters.push(("owner_id", json!(o)));
        }
        let rows = self.all(Entity::Opportunities, filters, "amount", true)?;
        // A deal is found by its own name or its customer's (each customer read once).
        let mut customers: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for o in rows {
            if !in_month(text(&o, "expected_close"), filter.close_month) {
                continue;
            }
            let customer_id = text(&o, "customer_id");
            if !customers.contains_key(customer_id) {
                let name = self
                    .replica
                    .get(Entity::Customers, customer_id)
                    .map_err(storage)?
                    .map(|c| text(&fields(c), "name").to_string())
                    .unwrap_or_default();
                customers.insert(customer_id.to_string(), name);
            }
            let customer = customers.get(customer_id).map_or("", String::as_str);
            if crate::tui::list::passes(&filter.search, &[text(&o, "name"), customer]) {
                out.push(o);
            }
        }
        Ok(out)
    }

    pub(super) fn read_funnel(
        &self,
        filter: &FunnelFilter,
    ) -> Result<Vec<StageSummary>, DataError> {
        if filter.search.trim().is_empty() {
            // Summed in SQL over the stage index; a name filter is matched in Rust below.
            let mut sums: HashMap<String, StageSums> = self
                .replica
                .stage_sums(&deal_scope(filter))
                .map_err(storage)?
                .into_iter()
                .map(|s| (s.stage_id.clone(), s))
                .collect();
            return Ok(self
                .stages()?
                .into_iter()
                .map(|stage| {
                    let s = sums.remove(text(&stage, "id")).unwrap_or_default();
                    StageSummary {
                        count: s.count,
                        total: s.total,
                        weighted: s.weighted,
                        stage,
                    }
                })
                .collect());
        }
        self.stages()?
            .into_iter()
            .map(|stage| {
                let rows = self.stage_rows(text(&stage, "id"), filter)?;
                let p = int(&stage, "probability").unwrap_or(0);
                Ok(StageSummary {
                    count: rows.len(),
                    total: rows.iter().map(|o| int(o, "amount").unwrap_or(0)).sum(),
                    weighted: rows.iter().map(|o| weighted(o, p)).sum(),
                    stage,
                })
            })
            .collect()
    }

    pub(super) fn read_stage_window(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        if filter.search.trim().is_empty() {
            return Ok(self
                .replica
                .stage_window(stage_id, &deal_scope(filter), offset, limit.max(1))
                .map_err(storage)?
                .into_iter()
                .map(fields)
                .collect());
        }
        Ok(self
            .stage_rows(stage_id, filter)?
            .into_iter()
            .skip(offset)
            .take(limit)
            .collect())
    }

    pub(super) fn read_stage_position(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        opportunity: &str,
    ) -> Result<Option<usize>, DataError> {
        if filter.search.trim().is_empty() {
            return self
                .replica
                .stage_position(stage_id, &deal_scope(filter), opportunity)
                .map_err(storage);
        }
        Ok(self
            .stage_rows(stage_id, filter)?
            .iter()
            .position(|o| id(o) == opportunity))
    }

    pub(super) fn read_activities_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<Record>, DataError> {
        // The stored text's range, a day wider on each side (a time written without
        // milliseconds compares a little off at the edge); the exact range is checked here.
        let text_of = |t: DateTime<Utc>| crm_server::validate::format_time(t);
        let day = chrono::Duration::days(1);
        let mut rows: Vec<Record> = self
            .replica
            .activities_between(&text_of(from - day), &text_of(to + day), owner, SCAN_CAP)
            .map_err(storage)?
            .into_iter()
            .map(fields)
            .filter(|a| activity_time(a).is_some_and(|t| t >= from && t < to))
            .collect();
        rows.sort_by_key(|a| (activity_time(a), text(a, "id").to_string()));
        Ok(rows)
    }

    pub(super) fn read_reminders(&self, q: &ReminderQuery) -> Result<Reminders, DataError> {
        let owner = q.owner.as_deref();
        // Every one of the user's customers, by SQL over the replica's indexes; the rules
        // decide (`crm_server::rules::reminders`). Birthdays are narrowed to the range's
        // month-days by the same rule, so the first rows read are the soonest.
        let days = reminders::birthday_month_days(q.from, q.to);
        let (found, birthdays_total) = self
            .replica
            .birthday_contacts(owner, days.as_deref(), QUIET_ROWS)
            .map_err(storage)?;
        let mut birthdays: Vec<Birthday> = found
            .into_iter()
            .filter_map(|(k, customer_name)| {
                let k: Record = k.fields;
                reminders::birthday_between(&k, q.from, q.to).map(|date| Birthday {
                    contact: k,
                    customer_name,
                    date,
                })
            })
            .collect();
        birthdays.sort_by_key(|b| b.date);
        let now = crm_server::validate::format_time(q.now);
        let mut quiet = Vec::new();
        let mut quiet_total = 0;
        // The days per level are the admin's setting, synced like any record.
        let settings = self.list(
            Entity::LevelSettings,
            &query(Vec::new(), "level", false, 0, 100),
        )?;
        for (level, days) in reminders::quiet_days_in_force(&settings) {
            let cutoff = q.now - chrono::Duration::days(i64::from(days));
            let cutoff = crm_server::validate::format_time(cutoff);
            let (found, total) = self
                .replica
                .last_contacts(owner, &level, &now, &cutoff, QUIET_ROWS)
                .map_err(storage)?;
            quiet_total += total;
            for (c, last, planned) in found {
                if reminders::is_due_for_contact(last, planned, q.now, days) {
                    quiet.push(QuietCustomer {
                        customer: c.fields,
                        last_contact: last,
                    });
                }
            }
        }
        quiet.sort_by(|a, b| {
            reminders::quiet_order(
                (a.last_contact, text(&a.customer, "name")),
                (b.last_contact, text(&b.customer, "name")),
            )
        });
        quiet.truncate(QUIET_ROWS);
        let mut filters = vec![("done", json!(false))];
        if let Some(o) = owner {
            filters.push(("owner_id", json!(o)));
        }
        let mut overdue: Vec<Record> = self
            .all(Entity::Activities, filters, "created_at", true)?
            .into_iter()
            .filter(|a| reminders::is_overdue(a, q.now))
            .collect();
        overdue.sort_by(reminders::overdue_order);
        // Contracts to renew: the approved ones (of the owner's), decided by the rule.
        let today = q.now.date_naive();
        let mut filters = vec![("status", json!("approved"))];
        if let Some(o) = owner {
            filters.push(("owner_id", json!(o)));
        }
        let mut renewals: Vec<(chrono::NaiveDate, Record)> = self
            .all(Entity::Contracts, filters, "created_at", true)?
            .into_iter()
            .filter_map(|c| reminders::renewal_due(&c, today).map(|ends| (ends, c)))
            .collect();
        renewals.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| text(&a.1, "number").cmp(text(&b.1, "number")))
        });
        let renewals: Vec<Record> = renewals.into_iter().map(|(_, c)| c).collect();
        let mut customer_names = BTreeMap::new();
        for a in overdue.iter().chain(&renewals) {
            let cid = text(a, "customer_id");
            if !cid.is_empty() && !customer_names.contains_key(cid) {
                let name = self
                    .get(Entity::Customers, cid)?
                    .map(|c| text(&c, "name").to_string())
                    .unwrap_or_default();
                customer_names.insert(cid.to_string(), name);
            }
        }
        // Instalments past due and not paid, the owner's (by the owner and due-date index).
        let today = q.now.date_naive();
        let mut filters = Vec::new();
        if let Some(o) = owner {
            filters.push(("owner_id", json!(o)));
        }
        let mut unpaid: Vec<Record> = self
            .all(Entity::Instalments, filters, "due_date", false)?
            .into_iter()
            .filter(|i| {
                text(i, "due_date").parse().is_ok_and(|due| {
                    crm_server::rules::payments::is_overdue(text(i, "status"), due, today)
                })
            })
            .collect();
        self.count_local_payments(&mut unpaid, today)?;
        // Tickets the server's escalation sweep marked (`sla_alert`), by the (alert, assignee)
        // index: the owner's breached and due soon, and for a manager every breached one.
        let mut tickets = Vec::new();
        for alert in [sla::Alert::Breached, sla::Alert::DueSoon] {
            let mut filters = vec![("sla_alert", json!(alert.code()))];
            let everyone = alert == sla::Alert::Breached && q.team_breaches;
            if let Some(o) = owner.filter(|_| !everyone) {
                filters.push(("assignee_id", json!(o)));
            }
            tickets.extend(
                self.all(Entity::Tickets, filters, "created_at", false)?
                    .into_iter()
                    .filter(|t| sla::running_due(t).is_some()),
            );
        }
        tickets.sort_by_key(|t| {
            let alert = sla::Alert::of_code(text(t, "sla_alert"));
            (std::cmp::Reverse(alert), sla::running_due(t))
        });
        for i in unpaid.iter().chain(&tickets) {
            let cid = text(i, "customer_id");
            if !cid.is_empty() && !customer_names.contains_key(cid) {
                let name = self
                    .get(Entity::Customers, cid)?
                    .map(|c| text(&c, "name").to_string())
                    .unwrap_or_default();
                customer_names.insert(cid.to_string(), name);
            }
        }
        let mut low_stock = Vec::new();
        if q.stock {
            for level in self.all(
                Entity::StockLevels,
                vec![("low", json!(true))],
                "created_at",
                false,
            )? {
                let code = self
                    .get(Entity::Products, text(&level, "product_id"))?
                    .map(|p| text(&p, "code").to_string())
                    .unwrap_or_default();
                let warehouse = self
                    .get(Entity::Warehouses, text(&level, "warehouse_id"))?
                    .map(|w| text(&w, "name").to_string())
                    .unwrap_or_default();
                low_stock.push((level, format!("{code} · {warehouse}")));
            }
        }
        // The owner's warned customers; a manager's every one in view (the team's).
        let (warned, warned_total) = self.warned_customers(owner.filter(|_| !q.team_breaches))?;
        Ok(Reminders {
            warned,
            warned_total,
            birthdays,
            birthdays_total,
            overdue,
            quiet,
            quiet_total,
            renewals,
            customer_names,
            unpaid,
            low_stock,
            tickets,
        })
    }

    /// The owner's (None: every visible) customers with a business warning standing, highest
    /// value first: at most `QUIET_ROWS` of them, and how many there are.
    fn warned_customers(&self, owner: Option<&str>) -> Result<(Vec<Record>, usize), DataError> {
        use crm_server::rules::analysis::{FALLING, NO_BUSINESS};
        let db = self.replica.connection();
        let owned = if owner.is_some() {
            "owner_id = ?1"
        } else {
            "?1 IS NULL"
        };
        let which = format!(
            "FROM customers WHERE {owned} AND warnings <> '[]' AND EXISTS \
             (SELECT 1 FROM json_each(customers.warnings) w \
              WHERE w.value IN ('{NO_BUSINESS}', '{FALLING}'))"
        );
        let total: i64 = db
            .query_row(&format!("SELECT count(*) {which}"), [owner], |r| r.get(0))
            .map_err(|e| storage(e.into()))?;
        let mut stmt = db
            .prepare_cached(&format!(
                "SELECT id, code, name, value_score, warnings {which} \
                 ORDER BY value_score DESC, id LIMIT {QUIET_ROWS}"
            ))
            .map_err(|e| storage(e.into()))?;
        let rows = stmt
            .query_map([owner], |r| {
                let warnings: String = r.get(4)?;
                Ok(crate::tui::screen::obj(json!({
                    "id": r.get::<_, String>(0)?,
                    "code": r.get::<_, Option<String>>(1)?,
                    "name": r.get::<_, String>(2)?,
                    "value_score": r.get::<_, i64>(3)?,
                    "warnings": serde_json::from_str::<serde_json::Value>(&warnings)
                        .unwrap_or_default(),
                })))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| storage(e.into()))?;
        Ok((rows, usize::try_from(total).unwrap_or(0)))
    }

    /// A payment recorded here (the reminder's `x`, offline too) counts against its
    /// instalment before the server's figure comes back: what was received is the larger of
    /// the server's and the sum of the payments this replica holds for it (a refused payment
    /// not counted), and an instalment paid that way leaves the reminders.
    fn count_local_payments(
        &self,
        unpaid: &mut Vec<Record>,
        today: chrono::NaiveDate,
    ) -> Result<(), DataError> {
        use crm_server::rules::payments;
        let refused = self.refusals();
        for i in unpaid.iter_mut() {
            let held: i64 = self
                .all(
                    Entity::Payments,
                    vec![("instalment_id", json!(id(i)))],
                    "created_at",
                    false,
                )?
                .iter()
                .filter(|p| !refused.contains_key(id(p)))
                .filter_map(|p| int(p, "amount"))
                .sum();
            let received = int(i, "received").unwrap_or(0).max(held);
            let status = payments::status(int(i, "amount").unwrap_or(0), received);
            i.insert("received".into(), json!(received));
            i.insert("status".into(), json!(status));
        }
        unpaid.retain(|i| {
            text(i, "due_date")
                .parse()
                .is_ok_and(|due| payments::is_overdue(text(i, "status"), due, today))
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{obj, source};
    use super::*;
    use serde_json::Value;

    /// Birthdays are read soonest first and only as many as asked, with the count of all: a
    /// salesperson of the 1M demo has tens of thousands in two weeks. A 29 February birthday
    /// comes on the 28th in a common year.
    #[test]
    fn birthdays_are_the_soonest_few_and_counted_all() {
        let (_dir, mut s) = source();
        let c = s
            .create(Entity::Customers, obj(json!({"name": "Born Co"})))
            .unwrap();
        let customer = text(&c, "id").to_string();
        for (name, born) in [
            ("Ann", "1980-06-03"),
            ("Cid", "1975-06-01"),
            ("Dee", "1990-06-14"),
            ("Eve", "1990-12-25"),
            ("Fay", "1984-02-29"),
            ("Gus", "1999-05-30"),
        ] {
            s.create(
                Entity::Contacts,
                obj(json!({"customer_id": customer, "name": name, "birthday": born})),
            )
            .unwrap();
        }
        let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let days = reminders::birthday_month_days(day("2026-05-31"), day("2026-06-14"));
        let (first, total) = s
            .replica
            .birthday_contacts(None, days.as_deref(), 2)
            .unwrap();
        let names: Vec<&str> = first.iter().map(|(k, _)| text(&k.fields, "name")).collect();
        assert_eq!((names, total), (vec!["Cid", "Ann"], 3));
        assert_eq!(first[0].1, "Born Co");
        // Across a year's end, and the leap day in a common year.
        let days = reminders::birthday_month_days(day("2026-12-20"), day("2027-03-01"));
        let (all, total) = s
            .replica
            .birthday_contacts(None, days.as_deref(), 10)
            .unwrap();
        let names: Vec<&str> = all.iter().map(|(k, _)| text(&k.fields, "name")).collect();
        assert_eq!((names, total), (vec!["Eve", "Fay"], 2));
        let q = ReminderQuery {
            from: day("2027-02-27"),
            to: day("2027-03-01"),
            now: DateTime::parse_from_rfc3339("2027-02-27T08:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            ..ReminderQuery::default()
        };
        let r = s.reminders(&q).unwrap();
        let dates: Vec<String> = r.birthdays.iter().map(|b| b.date.to_string()).collect();
        assert_eq!(
            (dates, r.birthdays_total),
            (vec!["2027-02-28".to_string()], 1)
        );
    }

    /// The reminders read from the replica and decided by `crm_server::rules::reminders`: a
    /// birthday in the range, a watched customer gone quiet (a planned meeting is no contact),
    /// a follow-up past due and not done.
    #[test]
    fn reminders_over_the_replica_follow_the_rules() {
        let (_dir, mut s) = source();
        let now = DateTime::parse_from_rfc3339("2026-05-31T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut customer = |name: &str, level: Value| {
            let c = s.create(
                Entity::Customers,
                obj(json!({"name": name, "level": level})),
            );
            text(&c.unwrap(), "id").to_string()
        };
        let quiet = customer("Quiet Co", json!("A"));
        let busy = customer("Busy Co", json!("A"));
        // No level: not watched.
        let unwatched = customer("Unwatched Co", Value::Null);
        let add = |s: &mut ReplicaSource, entity, body: Value| {
            s.create(entity, obj(body)).unwrap();
        };
        add(
            &mut s,
            Entity::Contacts,
            json!({"customer_id": quiet, "name": "Ann", "birthday": "1980-06-03"}),
        );
        add(
            &mut s,
            Entity::Contacts,
            json!({"customer_id": busy, "name": "Bob", "birthday": "1980-08-03"}),
        );
        for (customer, at) in [
            (&quiet, "2026-05-01T09:00:00Z"),
            (&quiet, "2026-06-02T09:00:00Z"),
            (&busy, "2026-05-30T09:00:00Z"),
        ] {
            add(
                &mut s,
                Entity::Activities,
                json!({"kind": "meeting", "subject": "Visit", "customer_id": customer, "starts_at": at}),
            );
        }
        for (subject, done) in [("Send the quote", false), ("Sent", true)] {
            add(
                &mut s,
                Entity::Activities,
                json!({"kind": "task", "subject": subject, "customer_id": unwatched,
                       "due_at": "2026-05-30T09:00:00Z", "done": done}),
            );
        }
        let q = ReminderQuery {
            from: now.date_naive(),
            to: now.date_naive() + chrono::Duration::days(14),
            now,
            owner: None,
            stock: true,
            team_breaches: true,
        };
        let r = s.reminders(&q).unwrap();
        let birthdays: Vec<&str> = r
            .birthdays
            .iter()
            .map(|b| text(&b.contact, "name"))
            .collect();
        assert_eq!(birthdays, ["Ann"]);
        assert_eq!(r.birthdays[0].customer_name, "Quiet Co");
        let quiet_names: Vec<&str> = r.quiet.iter().map(|c| text(&c.customer, "name")).collect();
        assert_eq!(quiet_names, ["Quiet Co"]);
        assert_eq!(
            r.quiet[0].last_contact.map(|t| t.to_rfc3339()),
            Some("2026-05-01T09:00:00+00:00".to_string())
        );
        let overdue: Vec<&str> = r.overdue.iter().map(|a| text(a, "subject")).collect();
        assert_eq!(overdue, ["Send the quote"]);
    }

    /// The calendar's range read: an activity counts by its start, else its due time (not its
    /// due time when it has a start), only the owner's, edges as [from, to).
    #[test]
    fn the_calendar_range_goes_by_start_else_due_time() {
        let (_dir, mut s) = source();
        let me = "00000002-0000-7000-8000-000000000003";
        let other = "00000002-0000-7000-8000-000000000004";
        for (subject, fields) in [
            (
                "starts in",
                json!({"starts_at": "2026-11-25T06:00:00.000Z", "owner_id": me}),
            ),
            (
                "due in",
                json!({"due_at": "2026-11-25T23:59:59.000Z", "owner_id": me}),
            ),
            (
                "starts before, due in",
                json!({"starts_at": "2026-11-20T06:00:00.000Z", "due_at": "2026-11-25T10:00:00.000Z", "owner_id": me}),
            ),
            (
                "starts at the end",
                json!({"starts_at": "2026-11-26T00:00:00.000Z", "owner_id": me}),
            ),
            (
                "another's",
                json!({"starts_at": "2026-11-25T07:00:00.000Z", "owner_id": other}),
            ),
        ] {
            let mut a = obj(fields);
            a.insert("kind".into(), json!("task"));
            a.insert("subject".into(), json!(subject));
            s.create(Entity::Activities, a).unwrap();
        }
        let from = DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z")
            .unwrap()
            .to_utc();
        let to = from + chrono::Duration::days(1);
        let subjects = |owner: Option<&str>| -> Vec<String> {
            s.activities_between(from, to, owner)
                .unwrap()
                .iter()
                .map(|a| text(a, "subject").to_string())
                .collect()
        };
        assert_eq!(subjects(Some(me)), ["starts in", "due in"]);
        assert_eq!(subjects(None), ["starts in", "another's", "due in"]);
    }
}
