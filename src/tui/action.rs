//! What the user asked for, after the keymap resolved a key; and what the app asks the outside
//! world to do in return. Keymap files name actions by the strings of [`Action::parse`].

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

use super::SyncStatus;
use super::data::TicketScope;

/// The four panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Customers,
    Funnel,
    Calendar,
    Tickets,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Customers, Pane::Funnel, Pane::Calendar, Pane::Tickets];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Customers => "Customers",
            Pane::Funnel => "Funnel",
            Pane::Calendar => "Calendar",
            Pane::Tickets => "Tickets",
        }
    }

    pub fn parse(s: &str) -> Option<Pane> {
        match s.to_ascii_lowercase().as_str() {
            "1" | "customers" | "customer" | "cust" => Some(Pane::Customers),
            "2" | "funnel" | "opportunities" | "opps" => Some(Pane::Funnel),
            "3" | "calendar" | "cal" => Some(Pane::Calendar),
            "4" | "tickets" | "ticket" => Some(Pane::Tickets),
            _ => None,
        }
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// Calendar layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CalView {
    #[default]
    Month,
    Week,
    Agenda,
}

impl CalView {
    pub fn name(self) -> &'static str {
        match self {
            CalView::Month => "month",
            CalView::Week => "week",
            CalView::Agenda => "agenda",
        }
    }

    pub fn parse(s: &str) -> Option<CalView> {
        [CalView::Month, CalView::Week, CalView::Agenda]
            .into_iter()
            .find(|v| v.name() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // Everywhere.
    /// A list's exact length, answering the `Effect::Count` with this request number.
    Counted {
        request: u64,
        count: usize,
    },
    /// The reminders, answering the `Effect::Reminders` with this request number.
    Reminded {
        request: u64,
        reminders: Box<crate::tui::data::Reminders>,
    },
    /// What an `Effect::Load` read, answering it by its request number.
    Loaded {
        request: u64,
        data: Result<crate::tui::work::Loaded, crate::tui::data::DataError>,
    },
    /// How an `Effect::Write` went, answering it by its request number.
    Written {
        request: u64,
        result: Result<crate::tui::data::Record, crate::tui::data::WriteError>,
    },
    /// How an `Effect::AttachFile` went: the file's name, and why it was not attached.
    Attached {
        name: String,
        result: Result<(), String>,
    },
    Quit,
    /// Back out of an opened view; at a pane's own screen, quit.
    Leave,
    Pane(Pane),
    NextPane,
    PrevPane,
    Help,
    CommandLine,
    Sync,
    Conflicts,
    /// Undo this user's latest write (again: the one before).
    Undo,
    /// The review of unsent and refused changes.
    Outbox,
    /// Send a refused write again.
    Retry,
    /// Drop an unsent write.
    Discard,
    // Movement and opening, as each pane understands them.
    Down,
    Up,
    Left,
    Right,
    Top,
    Bottom,
    HalfDown,
    HalfUp,
    Open,
    Back,
    /// Mark the chosen row of a list (for an action on several) and move on.
    Mark,
    // Records.
    Search,
    New,
    Edit,
    Delete,
    CopyId,
    /// A file (or the file chosen among a record's related records): open it with the system's
    /// opener, downloaded first when not kept here.
    OpenFile,
    /// A record's view or the 360°: attach a file to the record, its path typed.
    AttachFile,
    // Customers.
    Sort,
    Reverse,
    Filter,
    ClearFilter,
    LogCall,
    /// Pick a canned reply for the ticket's reply.
    CannedReply,
    /// Open the callbacks queue.
    Callbacks,
    /// Open the dashboard.
    Dashboard,
    /// The dashboard's period before, after; its length (month, quarter, year).
    PeriodPrev,
    PeriodNext,
    PeriodSpan,
    /// Dial the chosen callback with the profile's dial command.
    Dial,
    /// Start the call timer (an outbound call, or one that did not pop).
    CallStart,
    /// Hang up: talk time stops, after-call work runs until the wrap-up.
    HangUp,
    /// Open the reminders list.
    Reminders,
    /// Open the approvals inbox.
    Approvals,
    /// Open the Sales screen.
    Sales,
    /// Open the Knowledge screen: articles, return visits, surveys (`g k`, `:kb`).
    Knowledge,
    /// An article: its earlier versions, one after another.
    Versions,
    /// An article opened from a ticket: its link into a reply to the ticket.
    InsertArticle,
    /// A ticket: the articles its subject and category suggest.
    SuggestArticles,
    /// A return visit: finish it with the answers given.
    FinishVisit,
    /// Approve the chosen approval.
    Approve,
    /// Reject the chosen approval (asks why).
    Reject,
    /// Submit the record in view (a contract, expense claim or quote) for approval.
    RequestApproval,
    /// The quote editor: send the quote, mark it accepted (and order it), type a line's
    /// quantity or discount in place.
    SendQuote,
    AcceptQuote,
    Quantity,
    Discount,
    /// Convert the lead in view into a customer, contact and (when named) an opportunity.
    ConvertLead,
    /// The 360°: the call script for this customer beside them (`S`).
    CallScript,
    /// A ticket: book an engineer's on-site visit, fill the visit's report and the customer's
    /// confirmation, record a part it used.
    BookVisit,
    VisitReport,
    VisitPart,
    /// A bulk action on the marked customers (reassign, level, tag, static list).
    Bulk,
    /// The duplicate review queue; in it: the next and previous pair, which customer stays,
    /// merge.
    Duplicates,
    NextPair,
    PrevPair,
    Swap,
    Merge,
    /// The 360°: log a visit or a meeting held now, in a short form.
    LogVisit,
    LogMeeting,
    /// The 360°: edit the customer itself (`e` edits the chosen item).
    EditCustomer,
    FollowUp,
    NewTicket,
    NewOpportunity,
    AddContact,
    /// A deal's view: add a competitor to the deal.
    AddCompetitor,
    /// The 360°: the customer's decision map (who reports to whom, roles, influence).
    DecisionMap,
    /// The decision map: the chosen person's part in the buying decision.
    SetRole,
    /// Open the chosen record's own view (the funnel's card: the deal, not its customer).
    Details,
    // Funnel.
    StagePrev,
    StageNext,
    FilterOwner,
    FilterMonth,
    ToggleChart,
    // Calendar.
    View(CalView),
    Today,
    Goto,
    Reschedule,
    Complete,
    ItemNext,
    ItemPrev,
    // Tickets.
    Scope(TicketScope),
    ToggleDone,
    SetStatus,
    SetPriority,
    Assign,
    Comment,
    InternalComment,
    Resolve,
    Close,
    // Dialogs.
    Submit,
    Cancel,
    NextField,
    PrevField,
    Yes,
    No,
    // Not bound to keys: what the terminal and the sync engine send.
    /// A key no binding claimed, for text input.
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick(DateTime<Utc>),
    /// An incoming call handed over by `crm pop` (see `crate::pop`): open the caller.
    Pop(String),
    SyncStatus(SyncStatus),
    /// A command line, as typed after `:`.
    Run(String),
    /// `:filter QUERY`: the list in view filtered by a query (as typed after `/`).
    FilterBy(String),
    /// `:saved`: the saved queries and static lists of the list in view, to filter by.
    NamedFilters,
    /// `W` on a list: its `/` query saved as a named query (a form: name, private or shared).
    SaveQuery,
    Noop,
}

impl Action {
    /// Reads an action as keymap files name it: "down", "pane 2", "view week", "scope mine".
    pub fn parse(s: &str) -> Option<Action> {
        let mut words = s.split_whitespace();
        let head = words.next().unwrap_or("");
        let arg = words.next();
        let simple = match head {
            "quit" => Action::Quit,
            "leave" => Action::Leave,
            "next_pane" => Action::NextPane,
            "prev_pane" => Action::PrevPane,
            "help" => Action::Help,
            "command" => Action::CommandLine,
            "sync" => Action::Sync,
            "conflicts" => Action::Conflicts,
            "undo" => Action::Undo,
            "outbox" => Action::Outbox,
            "retry" => Action::Retry,
            "discard" => Action::Discard,
            "down" => Action::Down,
            "up" => Action::Up,
            "left" => Action::Left,
            "right" => Action::Right,
            "top" => Action::Top,
            "bottom" => Action::Bottom,
            "half_down" => Action::HalfDown,
            "half_up" => Action::HalfUp,
            "open" => Action::Open,
            "back" => Action::Back,
            "mark" => Action::Mark,
            "search" => Action::Search,
            "new" => Action::New,
            "edit" => Action::Edit,
            "delete" => Action::Delete,
            "copy_id" => Action::CopyId,
            "save_query" => Action::SaveQuery,
            "open_file" => Action::OpenFile,
            "attach_file" => Action::AttachFile,
            "sort" => Action::Sort,
            "reverse" => Action::Reverse,
            "filter" => Action::Filter,
            "clear_filter" => Action::ClearFilter,
            "log_call" => Action::LogCall,
            "call_start" => Action::CallStart,
            "callbacks" => Action::Callbacks,
            "dashboard" => Action::Dashboard,
            "period_prev" => Action::PeriodPrev,
            "period_next" => Action::PeriodNext,
            "period_span" => Action::PeriodSpan,
            "canned_reply" => Action::CannedReply,
            "dial" => Action::Dial,
            "hang_up" => Action::HangUp,
            "reminders" => Action::Reminders,
            "approvals" => Action::Approvals,
            "sales" => Action::Sales,
            "knowledge" => Action::Knowledge,
            "versions" => Action::Versions,
            "insert_article" => Action::InsertArticle,
            "suggest_articles" => Action::SuggestArticles,
            "finish_visit" => Action::FinishVisit,
            "approve" => Action::Approve,
            "reject" => Action::Reject,
            "request_approval" => Action::RequestApproval,
            "send_quote" => Action::SendQuote,
            "accept_quote" => Action::AcceptQuote,
            "quantity" => Action::Quantity,
            "discount" => Action::Discount,
            "convert_lead" => Action::ConvertLead,
            "call_script" => Action::CallScript,
            "book_visit" => Action::BookVisit,
            "visit_report" => Action::VisitReport,
            "visit_part" => Action::VisitPart,
            "bulk" => Action::Bulk,
            "duplicates" => Action::Duplicates,
            "next_pair" => Action::NextPair,
            "prev_pair" => Action::PrevPair,
            "swap" => Action::Swap,
            "merge" => Action::Merge,
            "log_visit" => Action::LogVisit,
            "log_meeting" => Action::LogMeeting,
            "edit_customer" => Action::EditCustomer,
            "follow_up" => Action::FollowUp,
            "new_ticket" => Action::NewTicket,
            "new_opportunity" => Action::NewOpportunity,
            "add_contact" => Action::AddContact,
            "add_competitor" => Action::AddCompetitor,
            "decision_map" => Action::DecisionMap,
            "set_role" => Action::SetRole,
            "details" => Action::Details,
            "stage_prev" => Action::StagePrev,
            "stage_next" => Action::StageNext,
            "filter_owner" => Action::FilterOwner,
            "filter_month" => Action::FilterMonth,
            "toggle_chart" => Action::ToggleChart,
            "today" => Action::Today,
            "goto" => Action::Goto,
            "reschedule" => Action::Reschedule,
            "complete" => Action::Complete,
            "item_next" => Action::ItemNext,
            "item_prev" => Action::ItemPrev,
            "toggle_done" => Action::ToggleDone,
            "status" => Action::SetStatus,
            "priority" => Action::SetPriority,
            "assign" => Action::Assign,
            "comment" => Action::Comment,
            "internal_comment" => Action::InternalComment,
            "resolve" => Action::Resolve,
            "close" => Action::Close,
            "submit" => Action::Submit,
            "cancel" => Action::Cancel,
            "next_field" => Action::NextField,
            "prev_field" => Action::PrevField,
            "yes" => Action::Yes,
            "no" => Action::No,
            "noop" => Action::Noop,
            "pane" => return Pane::parse(arg?).map(Action::Pane),
            "view" => return CalView::parse(arg?).map(Action::View),
            "scope" => return TicketScope::parse(arg?).map(Action::Scope),
            _ => return None,
        };
        arg.is_none().then_some(simple)
    }
}

/// What `update` asks the runner to do outside the app's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Put this text on the clipboard (OSC 52, which also works over SSH).
    Clipboard(String),
    /// Ask the sync engine to sync now.
    SyncNow,
    /// Ring the terminal's bell (something came due and the profile says `bell = true`).
    Bell,
    /// Count this list off the UI thread; the answer comes back as `Action::Counted` with the
    /// same request number.
    Count {
        request: u64,
        query: crate::tui::data::CountQuery,
    },
    /// Read the reminders off the UI thread (they scan every one of the user's customers); the
    /// answer comes back as `Action::Reminded` with the same request number.
    Reminders {
        request: u64,
        query: crate::tui::data::ReminderQuery,
    },
    /// Read this off the UI thread (a screen's reload); the answer comes back as
    /// `Action::Loaded` with the same request number.
    Load {
        request: u64,
        read: crate::tui::work::Read,
    },
    /// Write this off the UI thread, after the writes asked before it; the answer comes back
    /// as `Action::Written` with the same request number.
    Write {
        request: u64,
        write: crate::tui::work::Write,
    },
    /// Open the attached file of this id with the system's opener: `crm files open ID` run on
    /// its own (it downloads the bytes when they are not kept here).
    OpenFile(String),
    /// Upload the file at `path` to this record, beside the screens (`crm files attach`);
    /// answered by `Action::Attached`.
    AttachFile {
        entity: crm_server::schema::Entity,
        record_id: String,
        path: std::path::PathBuf,
        name: String,
    },
}
