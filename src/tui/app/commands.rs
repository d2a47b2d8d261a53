//! The `:` command line: each command routes to the pane it is about.

use crm_server::schema::Entity;

use super::App;
use crate::tui::action::{Action, Effect, Pane};
use crate::tui::dates;
use crate::tui::dialogs::command::{self, Command, LineOutcome};
use crate::tui::layout;
use crate::tui::panes::records as places;
use crate::tui::screen::{Ctx, Msg, Place};
use crate::tui::theme::Theme;

impl App {
    pub(super) fn command_action(&mut self, action: Action) {
        let Some(line) = self.command.as_mut() else {
            return;
        };
        match line.handle(&action) {
            LineOutcome::Stay => {}
            LineOutcome::Cancel => self.command = None,
            LineOutcome::Run(text) => {
                self.command = None;
                self.run_command(&text);
            }
        }
    }

    /// Runs a `:` command.
    pub fn run_command(&mut self, line: &str) {
        let cmd = match command::parse(line) {
            Ok(c) => c,
            Err(e) => return self.set_flash(e, true),
        };
        let mut out = Vec::new();
        match cmd {
            Command::Quit => self.effects.push(Effect::Quit),
            Command::Pane(p) => self.show(p),
            Command::Search(s) => {
                self.show_root(Pane::Customers);
                self.customers.set_search(&s, &mut ctx!(self, out));
            }
            Command::New(entity) => {
                let pane = match entity {
                    Entity::Opportunities => Pane::Funnel,
                    Entity::Activities => Pane::Calendar,
                    Entity::Tickets => Pane::Tickets,
                    _ => Pane::Customers,
                };
                self.show_root(pane);
                self.global_or_screen(Action::New);
            }
            Command::Goto(s) => match dates::parse(&s, self.zone.naive(self.now)) {
                Ok(w) => {
                    self.show_root(Pane::Calendar);
                    self.calendar.goto(w.date, &mut ctx!(self, out));
                }
                Err(e) => self.set_flash(e.to_string(), true),
            },
            Command::Theme(name) => {
                match Theme::load(&name, self.theme_dir.as_deref(), self.no_color) {
                    Ok(t) => {
                        self.theme = t.fitted(self.depth);
                        self.set_flash(format!("Theme {name}"), false);
                    }
                    Err(e) => self.set_flash(e.to_string(), true),
                }
            }
            Command::Sync => self.global_or_screen(Action::Sync),
            Command::Conflicts => self.open_conflicts(),
            Command::Outbox => out.push(Msg::Go(Place::Outbox)),
            Command::Callbacks => self.open_callbacks(),
            Command::Duplicates(subject) => self.open_duplicates(subject),
            Command::Dashboard(period) => self.open_dashboard(period),
            Command::Undo => self.global_or_screen(Action::Undo),
            Command::Help => self.global_or_screen(Action::Help),
            Command::Filter(q) => self.global_or_screen(Action::FilterBy(q)),
            Command::Saved => self.global_or_screen(Action::NamedFilters),
            Command::Sort(s) => {
                self.show_root(Pane::Customers);
                self.customers.set_sort(s, &mut ctx!(self, out));
            }
            Command::Scope(s) => {
                self.show_root(Pane::Tickets);
                self.global_or_screen(Action::Scope(s));
            }
            Command::Open(number) => match self.source.by_number(&number) {
                Ok(Some((entity, record))) => {
                    let place = places::place_of(entity, crate::tui::data::id(&record));
                    out.push(Msg::Go(place));
                }
                Ok(None) => self.set_flash(format!("nothing here is numbered {number}"), true),
                Err(e) => self.set_flash(e.to_string(), true),
            },
            Command::List(entity) => out.push(Msg::Go(Place::List(entity))),
            Command::Value => out.push(Msg::Go(Place::Ranked)),
            Command::Reminders => self.open_reminders(),
            Command::Sales => self.open_sales(Place::Sales(self.me.role)),
            Command::Approvals => self.open_sales(Place::Approvals),
            Command::Knowledge => self.open_knowledge(),
            Command::View(v) => {
                self.show_root(Pane::Calendar);
                self.global_or_screen(Action::View(v));
            }
        }
        self.process(out);
    }
}
