//! The navigation history: per pane, the views opened on top of it (a customer's 360°, a ticket
//! from its timeline, …), innermost last. Esc, q and the breadcrumb go back through them; a pane
//! left and shown again is as it was. Each step remembers the data generation it last read, so
//! only what is shown reloads after a write.

use super::action::Pane;
use super::panes::customer360::Customer360;
use super::panes::outbox::OutboxView;
use super::panes::record::RecordView;
use super::panes::records::RecordList;
use super::panes::reminders::RemindersView;
use super::panes::sales::SalesView;
use super::panes::ticket::TicketView;
use super::screen::{Place, Screen};

/// A view opened on top of a pane.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// Boxed: the 360 holds far more than the other views, and a history holds many steps.
    Customer(Box<Customer360>),
    Ticket(TicketView),
    List(RecordList),
    Record(RecordView),
    Outbox(OutboxView),
    Reminders(RemindersView),
    Sales(SalesView),
    Callbacks(super::panes::callbacks::CallbacksView),
    Duplicates(super::panes::duplicates::DuplicatesView),
    QuoteEditor(Box<super::panes::quote_editor::QuoteEditor>),
    Dashboard(Box<super::panes::dashboard::DashboardView>),
    Knowledge(super::panes::knowledge::KnowledgeView),
    Article(super::panes::knowledge::ArticleView),
    Visit(super::panes::visits::VisitView),
    Survey(super::panes::visits::SurveyView),
    DecisionMap(super::panes::decision_map::DecisionMap),
}

impl Opened {
    fn of(place: Place) -> Option<Opened> {
        match place {
            Place::Pane(_) => None,
            Place::Customer { id, inbound } => {
                Some(Opened::Customer(Box::new(Customer360::new(&id, inbound))))
            }
            Place::Call { id, pop } => {
                Some(Opened::Customer(Box::new(Customer360::popped(&id, pop))))
            }
            Place::Ticket(id) => Some(Opened::Ticket(TicketView::new(&id))),
            Place::Reminders => Some(Opened::Reminders(RemindersView::new())),
            Place::Sales(role) => Some(Opened::Sales(SalesView::sales(role))),
            Place::Approvals => Some(Opened::Sales(SalesView::approvals())),
            Place::Callbacks(dial) => Some(Opened::Callbacks(
                super::panes::callbacks::CallbacksView::new(&dial),
            )),
            Place::Duplicates(subject) => Some(Opened::Duplicates(
                super::panes::duplicates::DuplicatesView::new(subject),
            )),
            Place::Dashboard(period) => Some(Opened::Dashboard(Box::new(
                super::panes::dashboard::DashboardView::new(period),
            ))),
            Place::List(entity) => Some(Opened::List(RecordList::new(entity))),
            Place::Ranked => Some(Opened::List(RecordList::ranked())),
            Place::Query(entity, query) => Some(Opened::List(RecordList::filtered(entity, query))),
            Place::Record { entity, id } => Some(Opened::Record(RecordView::new(entity, &id))),
            Place::Outbox => Some(Opened::Outbox(OutboxView::default())),
            Place::QuoteEditor(id) => Some(Opened::QuoteEditor(Box::new(
                super::panes::quote_editor::QuoteEditor::new(&id),
            ))),
            Place::Knowledge => Some(Opened::Knowledge(Default::default())),
            Place::Article { id, ticket } => Some(Opened::Article(
                super::panes::knowledge::ArticleView::new(&id, ticket),
            )),
            Place::Visit(id) => Some(Opened::Visit(super::panes::visits::VisitView::new(&id))),
            Place::Survey(id) => Some(Opened::Survey(super::panes::visits::SurveyView::new(&id))),
            Place::DecisionMap(id) => Some(Opened::DecisionMap(
                super::panes::decision_map::DecisionMap::new(&id),
            )),
        }
    }

    pub fn screen(&self) -> &dyn Screen {
        match self {
            Opened::Customer(s) => s.as_ref(),
            Opened::Ticket(s) => s,
            Opened::List(s) => s,
            Opened::Record(s) => s,
            Opened::Outbox(s) => s,
            Opened::Reminders(s) => s,
            Opened::Sales(s) => s,
            Opened::Callbacks(s) => s,
            Opened::Duplicates(s) => s,
            Opened::QuoteEditor(s) => s.as_ref(),
            Opened::Dashboard(s) => s.as_ref(),
            Opened::Knowledge(s) => s,
            Opened::Article(s) => s,
            Opened::Visit(s) => s,
            Opened::Survey(s) => s,
            Opened::DecisionMap(s) => s,
        }
    }

    pub fn screen_mut(&mut self) -> &mut dyn Screen {
        match self {
            Opened::Customer(s) => s.as_mut(),
            Opened::Ticket(s) => s,
            Opened::List(s) => s,
            Opened::Record(s) => s,
            Opened::Outbox(s) => s,
            Opened::Reminders(s) => s,
            Opened::Sales(s) => s,
            Opened::Callbacks(s) => s,
            Opened::Duplicates(s) => s,
            Opened::QuoteEditor(s) => s.as_mut(),
            Opened::Dashboard(s) => s.as_mut(),
            Opened::Knowledge(s) => s,
            Opened::Article(s) => s,
            Opened::Visit(s) => s,
            Opened::Survey(s) => s,
            Opened::DecisionMap(s) => s,
        }
    }
}

#[derive(Debug, Clone)]
struct Step {
    opened: Opened,
    /// The data generation it last read.
    seen: u64,
}

#[derive(Debug, Clone, Default)]
pub struct History {
    steps: [Vec<Step>; 4],
    /// The generation each pane's own screen last read.
    pane_seen: [u64; 4],
}

impl History {
    /// The views opened on `pane`, outermost first.
    pub fn opened(&self, pane: Pane) -> impl Iterator<Item = &Opened> {
        self.steps[pane.index()].iter().map(|s| &s.opened)
    }

    pub fn depth(&self, pane: Pane) -> usize {
        self.steps[pane.index()].len()
    }

    pub fn top(&self, pane: Pane) -> Option<&Opened> {
        self.steps[pane.index()].last().map(|s| &s.opened)
    }

    pub fn top_mut(&mut self, pane: Pane) -> Option<&mut Opened> {
        self.steps[pane.index()].last_mut().map(|s| &mut s.opened)
    }

    /// Every view opened on any pane.
    pub fn all_mut(&mut self) -> impl Iterator<Item = &mut Opened> {
        self.steps.iter_mut().flatten().map(|s| &mut s.opened)
    }

    /// Opens a place on top of `pane`; it reads its data when first shown.
    pub fn open(&mut self, pane: Pane, place: Place) {
        if let Some(opened) = Opened::of(place) {
            self.steps[pane.index()].push(Step { opened, seen: 0 });
        }
    }

    /// Closes the innermost view; false at the pane's own screen.
    pub fn back(&mut self, pane: Pane) -> bool {
        self.steps[pane.index()].pop().is_some()
    }

    /// Back to the step at `depth` (0: the pane's own screen).
    pub fn back_to(&mut self, pane: Pane, depth: usize) {
        self.steps[pane.index()].truncate(depth);
    }

    /// Records that the screen in view has read `generation`; true when it had not.
    pub fn catch_up(&mut self, pane: Pane, generation: u64) -> bool {
        let p = pane.index();
        let seen = match self.steps[p].last_mut() {
            Some(step) => &mut step.seen,
            None => &mut self.pane_seen[p],
        };
        let behind = *seen < generation;
        *seen = generation;
        behind
    }

    /// Closes the innermost view if its record is gone.
    pub fn drop_gone(&mut self, pane: Pane) {
        if self.top(pane).is_some_and(|o| o.screen().gone()) {
            self.back(pane);
        }
    }
}
