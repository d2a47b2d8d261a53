//! Opening screens: the sales, knowledge, callbacks, duplicates, dashboard and reminders panes,
//! the incoming-call pop, and a pane shown over or in place of the history.

use super::*;

impl App {
    /// The Sales screen or the approvals inbox, over the funnel, read afresh.
    pub fn open_sales(&mut self, place: Place) {
        self.history.back_to(Pane::Funnel, 0);
        self.history.open(Pane::Funnel, place);
        self.show(Pane::Funnel);
    }

    /// The Knowledge screen, over the ticket queue (the desk reads articles while answering).
    pub fn open_knowledge(&mut self) {
        self.history.back_to(Pane::Tickets, 0);
        self.history.open(Pane::Tickets, Place::Knowledge);
        self.show(Pane::Tickets);
    }

    /// The reminders list, over the calendar, read afresh (`R` again reads them again).
    /// The callbacks queue, over the calendar (the day's plan).
    pub fn open_callbacks(&mut self) {
        self.history.back_to(Pane::Calendar, 0);
        self.history
            .open(Pane::Calendar, Place::Callbacks(self.dial_command.clone()));
        self.show(Pane::Calendar);
    }

    /// The duplicate review queue, over the customers pane.
    /// The duplicate review queue of customers or contacts, over the customers pane.
    pub fn open_duplicates(&mut self, subject: Entity) {
        self.history.back_to(Pane::Customers, 0);
        self.history
            .open(Pane::Customers, Place::Duplicates(subject));
        self.show(Pane::Customers);
    }

    /// The dashboard, over the customers pane.
    pub fn open_dashboard(&mut self, period: Option<String>) {
        self.history.back_to(Pane::Customers, 0);
        self.history.open(Pane::Customers, Place::Dashboard(period));
        self.show(Pane::Customers);
    }

    pub fn open_reminders(&mut self) {
        self.history.back_to(Pane::Calendar, 0);
        self.history.open(Pane::Calendar, Place::Reminders);
        self.show(Pane::Calendar);
    }

    /// An incoming call: the customers pane opens the caller (or a new customer with the
    /// number). A dialog or command line being typed in is not thrown away: the call waits
    /// until it is closed, and the status bar says so.
    pub(super) fn pop_call(&mut self, phone: String) {
        if !self.dialogs.is_empty() || self.command.is_some() {
            self.set_flash(
                format!("Incoming call from {phone}: it opens when this dialog is closed"),
                false,
            );
            self.waiting_call = Some(phone);
            return;
        }
        // The caller opens over the customer list, not over the last caller's view; the talk
        // time runs from now.
        self.call = Some(crate::tui::call::CallTimer::start(self.now));
        self.show_root(Pane::Customers);
        let mut out = Vec::new();
        self.customers.pop(&phone, &mut ctx!(self, out));
        self.process(out);
    }

    /// Switches to a pane, as it was left (its opened views too); loads it if it is behind.
    pub fn show(&mut self, pane: Pane) {
        self.pane = pane;
        self.process(Vec::new());
    }

    /// Shows a pane's own screen, closing the views opened on it.
    pub(super) fn show_root(&mut self, pane: Pane) {
        self.history.back_to(pane, 0);
        self.show(pane);
    }
}
