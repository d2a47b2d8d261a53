//! Dialogs: state machines that turn actions into an [`Outcome`]. They never touch the data
//! source; the screen that opened one acts on its outcome by the dialog's [`Purpose`], so the same
//! prompt serves a won/lost reason, a resolution note or a date to jump to.

pub mod command;
pub mod confirm;
pub mod conflicts;
pub mod form;
pub mod help;
pub mod log_call;
pub mod picker;
pub mod prompt;
pub mod script;

use chrono::{DateTime, Utc};
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::action::Action;
use super::data::Record;
use super::view::View;

pub use confirm::Confirm;
pub use conflicts::ConflictChooser;
pub use form::Form;
pub use help::Help;
pub use log_call::LogCall;
pub use picker::{Choice, Picker};
pub use prompt::Prompt;
pub use script::ScriptPanel;

/// Why a dialog is open: decides what its answer does.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    Create(Entity),
    Edit(Entity, String),
    CustomerFilter,
    /// `:saved`: a saved query or static list picked applies as the list's filter.
    NamedFilter,
    /// A pick-list filling field `n` of the form below it.
    Field(usize),
    TicketStatus(String),
    TicketPriority(String),
    TicketAssignee(String),
    FunnelOwner,
    /// Whose schedule the calendar shows (a manager's pick of a team member).
    CalendarOwner,
    /// Moving an opportunity to a won or lost stage needs a reason.
    StageReason {
        opportunity: String,
        stage: String,
        kind: String,
    },
    ResolveNote(String),
    /// Closing a ticket that has no resolution yet.
    CloseNote(String),
    Comment {
        ticket: String,
        internal: bool,
    },
    /// A canned reply picked for this ticket: filled in, then the reply prompt holds it.
    CannedReply(String),
    /// An article suggested for this ticket: read, then `y` replies with its link or text.
    SuggestedArticle(String),
    /// `y` on an article opened from this ticket: reply with its link or its text.
    ArticleReply(String),
    /// A return visit's answer to one of its survey's questions.
    VisitAnswer {
        visit: String,
        question: String,
    },
    Reschedule(String),
    /// An overdue instalment (by id): the amount received now is recorded as a payment.
    RecordPayment(String),
    /// A customer not contacted: plan a follow-up on the date typed.
    PlanFollowUp(String),
    /// Rejecting this approval: why.
    RejectApproval(String),
    /// Converting this lead: the name of the opportunity to make (empty: none).
    ConvertLead(String),
    /// Attaching a file to this record: its path.
    AttachFile(crm_server::schema::Entity, String),
    /// Submitting this record for approval: a note for the approver.
    /// The quote editor's product search for a new line of this quote.
    QuoteProduct(String),
    RequestApproval {
        entity: Entity,
        id: String,
    },
    Goto,
    FunnelMonth,
    Delete {
        entity: Entity,
        id: String,
    },
    /// The marked rows of a list.
    DeleteMany {
        entity: Entity,
        ids: Vec<String>,
    },
    /// The duplicate warning over a new-customer form.
    CreateAnyway,
    /// `B` on marked customers: which bulk action (`tui/bulk.rs`).
    BulkKind(Vec<String>),
    /// Its value: the new owner, level, tag or static list.
    BulkValue {
        kind: String,
        ids: Vec<String>,
    },
    /// Which competitor to add to this opportunity (then the entry's form).
    AddCompetitor {
        opportunity: String,
    },
    /// The decision map: this contact's part in the buying decision.
    DecisionRole(String),
    /// Discarding this outbox entry (the review of unsent changes).
    DiscardWrite(i64),
    /// Closing a form whose fields were changed.
    DiscardForm,
    /// Quitting (Ctrl-C) with a changed form open.
    DiscardAndQuit,
    Info,
}

/// What a dialog answers after an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Stay,
    /// Close it; nothing happens.
    Cancel,
    /// The form on top asks to be saved.
    Save,
    /// Open the pick-list of the form's field, starting with this filter.
    OpenPicker {
        field: usize,
        filter: String,
    },
    /// The filter of a pick-list over records changed: the app fetches matching choices.
    Query(String),
    Picked(Choice),
    Text(String),
    Yes,
    No,
    LogCall {
        outcome: String,
        direction: &'static str,
        note: String,
    },
    Resolve {
        conflict_id: String,
        chosen: Record,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Form(Form),
    Picker(Picker),
    Prompt(Prompt),
    Confirm(Confirm),
    LogCall(LogCall),
    Help(Help),
    Conflicts(ConflictChooser),
    /// A call script beside the customer (`S` on the 360°).
    Script(ScriptPanel),
}

impl Dialog {
    /// Dialogs where letters type (keymap mode "dialog"); the others use "chooser".
    pub fn types_text(&self) -> bool {
        match self {
            Dialog::Help(h) => h.typing(),
            Dialog::Confirm(_) | Dialog::Conflicts(_) => false,
            _ => true,
        }
    }

    pub fn handle(&mut self, action: &Action, now: DateTime<Utc>) -> Outcome {
        match self {
            Dialog::Form(d) => d.handle(action),
            Dialog::Picker(d) => d.handle(action),
            Dialog::Prompt(d) => d.handle(action),
            Dialog::Confirm(d) => d.handle(action),
            Dialog::LogCall(d) => d.handle(action),
            Dialog::Help(d) => d.handle(action),
            Dialog::Conflicts(d) => d.handle(action, now),
            Dialog::Script(d) => d.handle(action),
        }
    }

    /// Draws the dialog over `area`; returns where the text cursor goes, if it types.
    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) -> Option<Position> {
        match self {
            Dialog::Form(d) => d.render(buf, area, view),
            Dialog::Picker(d) => d.render(buf, area, view),
            Dialog::Prompt(d) => d.render(buf, area, view),
            Dialog::Confirm(d) => {
                d.render(buf, area, view);
                None
            }
            Dialog::LogCall(d) => d.render(buf, area, view),
            Dialog::Help(d) => {
                d.render(buf, area, view);
                None
            }
            Dialog::Conflicts(d) => {
                d.render(buf, area, view);
                None
            }
            Dialog::Script(d) => {
                d.render(buf, area, view);
                None
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        match self {
            Dialog::Form(d) => d.paste(text),
            Dialog::Picker(d) => d.paste(text),
            Dialog::Prompt(d) => d.input.insert(text),
            Dialog::LogCall(d) => d.paste(text),
            Dialog::Help(d) => d.paste(text),
            Dialog::Confirm(_) | Dialog::Conflicts(_) | Dialog::Script(_) => {}
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Dialog::Form(_) => "form",
            Dialog::Picker(_) => "picker",
            Dialog::Prompt(_) => "prompt",
            Dialog::Confirm(_) => "confirm",
            Dialog::LogCall(_) => "log_call",
            Dialog::Help(_) => "help",
            Dialog::Conflicts(_) => "conflicts",
            Dialog::Script(_) => "script",
        }
    }
}
