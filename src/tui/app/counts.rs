//! The counts the app keeps beside the screens (the inbox, tickets at risk) and a reload when
//! the data changed.

use super::*;

impl App {
    /// A count answered: the list that asked last with this number shows it, wherever it is.
    pub(super) fn counted(&mut self, request: u64, count: usize) {
        self.customers.counted(request, count);
        self.funnel.counted(request, count);
        self.calendar.counted(request, count);
        self.tickets.counted(request, count);
        for opened in self.history.all_mut() {
            opened.screen_mut().counted(request, count);
        }
    }

    /// Everything shown may be out of date (a write, a sync, a resize): the users are read again
    /// and the screen in view reloads; the others do when next shown.
    pub fn reload_all(&mut self) {
        self.data_changed();
        self.process(Vec::new());
    }

    /// The data moved on: the status and the users are read again, every screen is behind.
    pub(super) fn data_changed(&mut self) {
        self.status = self.source.status();
        self.refusals = self.source.refusals();
        if let Ok(users) = self.source.users() {
            self.people = People::new(users);
            self.find_me();
        }
        self.count_inbox();
        self.generation += 1;
    }

    /// The approvals waiting for this user. Read here, as the status is: a count over the
    /// approvals' (approver, status) index, which reads only this user's pending rows, tens and
    /// not a table's million.
    pub(super) fn count_inbox(&mut self) {
        let Some(me) = self.me.id.as_deref() else {
            return;
        };
        let query = crate::tui::data::CountQuery::Records(
            Entity::Approvals,
            crate::tui::data::RecordQuery {
                filters: crate::tui::panes::sales::inbox_filters(me),
                ..Default::default()
            },
        );
        if let Ok(n) = self.source.count(&query) {
            self.to_approve = n;
        }
        self.count_at_risk(me.to_string());
    }

    /// The tickets at risk, by the tickets' (alert, assignee) index, as the reminders list them.
    pub(super) fn count_at_risk(&mut self, me: String) {
        let everyone = matches!(self.me.role, Role::Manager | Role::Admin);
        let mut total = 0;
        for alert in [Alert::Breached, Alert::DueSoon] {
            let mut filters = vec![("sla_alert".to_string(), serde_json::json!(alert.code()))];
            if !(everyone && alert == Alert::Breached) {
                filters.push(("assignee_id".to_string(), serde_json::json!(me)));
            }
            let query = crate::tui::data::CountQuery::Records(
                Entity::Tickets,
                crate::tui::data::RecordQuery {
                    filters,
                    ..Default::default()
                },
            );
            total += self.source.count(&query).unwrap_or(0);
        }
        self.at_risk = total;
    }
}
