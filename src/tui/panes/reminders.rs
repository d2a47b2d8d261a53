//! The reminders, every one and actionable: follow-ups past their due time, customers not
//! contacted for their level's days (the admin's `level_settings`), birthdays in the next two
//! weeks. Read off the UI thread (`Ctx::remind`); `x` and `r` write on the writer thread (`x`
//! takes the reminder off the list at once, `r`'s prompt stays open until the write answers).
//! Enter opens the customer; `x` marks done and `r` moves, as each kind understands it:
//! - an overdue follow-up: `x` marks it done, `r` moves its due time to the date typed;
//! - a customer not contacted: `x` logs a done follow-up now (the contact made), `r` plans a
//!   follow-up on the date typed (a planned follow-up keeps it off this list until then; missed,
//!   it comes back as an overdue follow-up);
//! - a birthday is a date, not a task: `x` and `r` say so (Enter, then `c` logs the call);
//! - an instalment past due and unpaid (the owner's): Enter opens the customer; `x` records a
//!   payment received today (the outstanding amount offered, a part may be typed); it leaves
//!   the list once paid, at once for a payment recorded here (counted before the server's
//!   figure comes back);
//! - a stock level at or below its threshold (managers and admins): Enter opens the level; it
//!   leaves the list when goods come in.
//! - a contract to renew (approved, within its renewal days of ending): Enter opens the
//!   contract; it leaves the list when its end passes or a renewal replaces it.
//! - a ticket whose service level is due soon or breached (the server's escalation sweep marks
//!   it: the assignee's, and every breached one for a manager): Enter opens the ticket; it
//!   leaves the list when answered or resolved.

use chrono::{Duration, NaiveTime};
use crm_server::access::Role as UserRole;
use crm_server::schema::Entity;
use crm_server::validate::format_time;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::json;

use crate::tui::action::Action;
use crate::tui::data::{
    Birthday, QuietCustomer, Record, ReminderQuery, Reminders, id, int, text, time,
};
use crate::tui::dates;
use crate::tui::dialogs::{Dialog, Prompt, Purpose};
use crate::tui::draw;
use crate::tui::keymap::Mode;
use crate::tui::list::Move;
use crate::tui::screen::{Answer, Ctx, Place, Screen, obj};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{After, Write};

/// A customer's warnings as the list says them, the business ones first (the column is
/// narrow).
pub fn warning_words(customer: &Record) -> String {
    use crm_server::rules::analysis::{FALLING, NO_BUSINESS, NO_CONTACT};
    let held: Vec<&str> = customer
        .get("warnings")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    [
        (FALLING, "orders falling"),
        (NO_BUSINESS, "no business"),
        (NO_CONTACT, "no contact"),
    ]
    .into_iter()
    .filter(|(code, _)| held.contains(code))
    .map(|(_, words)| words)
    .collect::<Vec<_>>()
    .join(", ")
}

/// Birthdays this many days ahead are listed.
const BIRTHDAY_DAYS: i64 = 14;

/// One reminder.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A follow-up past due, with its customer's name.
    Overdue(Record, String),
    Quiet(QuietCustomer),
    Birthday(Birthday),
    /// An instalment past due, with its customer's name.
    Unpaid(Record, String),
    /// A stock level running low, with its product's code and warehouse.
    LowStock(Record, String),
    /// A contract to renew, with its customer's name.
    Renewal(Record, String),
    /// A ticket due soon or breached, with its customer's name.
    Ticket(Record, String),
    /// A customer the server's analysis warns about (no business, falling orders).
    Warned(Record),
}

impl Item {
    /// The customer it is about.
    pub fn customer_id(&self) -> &str {
        match self {
            Item::Overdue(a, _) => text(a, "customer_id"),
            Item::Quiet(q) => id(&q.customer),
            Item::Birthday(b) => text(&b.contact, "customer_id"),
            Item::Unpaid(i, _) => text(i, "customer_id"),
            Item::LowStock(..) => "",
            Item::Renewal(c, _) | Item::Ticket(c, _) => text(c, "customer_id"),
            Item::Warned(c) => id(c),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemindersView {
    pub items: Vec<Item>,
    pub cursor: usize,
    /// The question in flight; answers to older ones are dropped.
    asked: Option<u64>,
    /// An answer has come.
    pub loaded: bool,
    /// Every customer not contacted, of which the list holds the first `QUIET_ROWS`.
    pub quiet_total: usize,
    /// Every customer with a business warning, of which the list holds the first few hundred.
    pub warned_total: usize,
    /// Every birthday in the range, of which the list holds the soonest `QUIET_ROWS`.
    pub birthdays_total: usize,
}

impl RemindersView {
    pub fn new() -> RemindersView {
        RemindersView::default()
    }

    fn chosen(&self) -> Option<&Item> {
        self.items.get(self.cursor)
    }

    /// `x`.
    fn done(&mut self, ctx: &mut Ctx) {
        let Some(item) = self.chosen().cloned() else {
            return;
        };
        let write = match &item {
            Item::Overdue(a, _) => Write::Update {
                entity: Entity::Activities,
                id: id(a).to_string(),
                patch: obj(json!({"done": true})),
            },
            Item::Quiet(q) => Write::Create {
                entity: Entity::Activities,
                body: obj(json!({
                    "kind": "task",
                    "subject": format!("Followed up: {}", crate::text::sanitize(text(&q.customer, "name"))),
                    "customer_id": id(&q.customer),
                    "due_at": format_time(ctx.now),
                    "done": true,
                })),
                allow_duplicate: false,
            },
            Item::Birthday(_) => {
                return ctx.flash(
                    "A birthday is a date, not a task: Enter opens the customer, c logs a call",
                );
            }
            Item::Unpaid(i, customer) => return ask_payment(i, customer, ctx),
            Item::LowStock(..) => {
                return ctx.flash(
                    "Low stock is done when goods come in: record them (:list stock_movements, n)",
                );
            }
            Item::Renewal(..) => {
                return ctx.flash("A renewal is done by a new contract: Enter opens this one");
            }
            Item::Ticket(..) => {
                return ctx.flash(
                    "A service level is met by answering or resolving: Enter opens the ticket",
                );
            }
            Item::Warned(..) => {
                return ctx.flash(
                    "A warning goes when the business comes back: Enter opens the customer",
                );
            }
        };
        // Written on the writer thread; the reminder leaves the list at once, and the reload
        // the answer asks brings it back if the write was refused.
        self.items.remove(self.cursor);
        if matches!(item, Item::Quiet(_)) {
            self.quiet_total = self.quiet_total.saturating_sub(1);
        }
        self.cursor = self.cursor.min(self.items.len().saturating_sub(1));
        ctx.write_then(
            write,
            After::Say {
                done: "Done".into(),
                refused: "not done: ".into(),
            },
        );
    }

    /// `r`: asks for the date.
    fn ask_move(&mut self, ctx: &mut Ctx) {
        let purpose = match self.chosen() {
            Some(Item::Overdue(a, _)) => Purpose::Reschedule(id(a).to_string()),
            Some(Item::Quiet(q)) => Purpose::PlanFollowUp(id(&q.customer).to_string()),
            Some(Item::Birthday(_)) => {
                return ctx.flash("A birthday does not move");
            }
            Some(Item::Unpaid(..) | Item::LowStock(..)) => {
                return ctx.flash("This reminder goes when it is settled, not by moving it");
            }
            Some(Item::Renewal(..)) => {
                return ctx.flash("A contract's end moves on the contract: Enter opens it");
            }
            Some(Item::Ticket(..)) => {
                return ctx.flash("A due time follows the service level: Enter opens the ticket");
            }
            Some(Item::Warned(..)) => {
                return ctx.flash("A warning does not move: Enter opens the customer");
            }
            None => return,
        };
        let mut p = Prompt::new("Move the reminder", "To", purpose);
        p.hint = "tomorrow, next mon, 2026-12-01 14:00, +3d".into();
        ctx.open(Dialog::Prompt(p));
    }

    /// A payment for the overdue instalment `instalment`, of the amount typed, received today
    /// (the user's day): the server matches it and recomputes the instalment and its plan. An
    /// amount that does not read, or is more than still due, is refused at once by the
    /// server's own rule.
    fn payment(&self, instalment: &str, typed: &str, ctx: &Ctx) -> Result<(Write, String), String> {
        let i = self
            .items
            .iter()
            .find_map(|item| match item {
                Item::Unpaid(i, _) if id(i) == instalment => Some(i),
                _ => None,
            })
            .ok_or("that instalment is gone")?;
        let amount = crate::tui::format::parse_money(typed)
            .filter(|a| *a > 0)
            .ok_or("not an amount: type it as 12,345.67")?;
        if let Some(why) = crm_server::rules::payments::overpayment(amount, outstanding(i)) {
            return Err(why);
        }
        let write = Write::Create {
            entity: Entity::Payments,
            body: obj(json!({
                "plan_id": text(i, "plan_id"),
                "instalment_id": instalment,
                "amount": amount,
                "received_on": ctx.local_now().date().to_string(),
            })),
            allow_duplicate: false,
        };
        Ok((
            write,
            format!("Payment of {} recorded", crate::tui::format::money(amount)),
        ))
    }

    /// The moved reminder's write, and what to say when it is written: a follow-up's due
    /// time, or a follow-up planned. A date that does not read is refused at once.
    fn moved(&self, purpose: &Purpose, typed: &str, ctx: &Ctx) -> Result<(Write, String), String> {
        let when = dates::parse(typed, ctx.local_now()).map_err(|e| e.to_string())?;
        match purpose {
            Purpose::Reschedule(activity) => {
                let old = self
                    .items
                    .iter()
                    .find_map(|i| match i {
                        Item::Overdue(a, _) if id(a) == activity => Some(a),
                        _ => None,
                    })
                    .ok_or("that follow-up is gone")?;
                let keep = time(old, "due_at").map_or(nine(), |t| ctx.zone.naive(t).time());
                let due = ctx.zone.to_utc(when.at(keep)).map_err(|e| e.to_string())?;
                let write = Write::Update {
                    entity: Entity::Activities,
                    id: activity.clone(),
                    patch: obj(json!({"due_at": format_time(due)})),
                };
                Ok((write, format!("Moved to {}", ctx.zone.datetime(due))))
            }
            Purpose::PlanFollowUp(customer) => {
                let due = ctx
                    .zone
                    .to_utc(when.at(nine()))
                    .map_err(|e| e.to_string())?;
                let name = self
                    .items
                    .iter()
                    .find(|i| i.customer_id() == customer)
                    .map(|i| match i {
                        Item::Quiet(q) => text(&q.customer, "name").to_string(),
                        _ => String::new(),
                    })
                    .unwrap_or_default();
                let write = Write::Create {
                    entity: Entity::Activities,
                    body: obj(json!({
                        "kind": "task",
                        "subject": format!("Follow up: {}", crate::text::sanitize(&name)),
                        "customer_id": customer,
                        "due_at": format_time(due),
                        "done": false,
                    })),
                    allow_duplicate: false,
                };
                Ok((
                    write,
                    format!("Follow-up planned for {}", ctx.zone.datetime(due)),
                ))
            }
            _ => Err("nothing to move".into()),
        }
    }
}

/// What is still owed on an instalment.
fn outstanding(instalment: &Record) -> i64 {
    int(instalment, "amount").unwrap_or(0) - int(instalment, "received").unwrap_or(0)
}

/// `x` on an overdue instalment: asks what was received, the whole outstanding amount
/// offered (Enter records it; a part may be typed instead).
fn ask_payment(instalment: &Record, customer: &str, ctx: &mut Ctx) {
    let mut p = Prompt::new(
        format!("Record a payment · {}", crate::text::sanitize(customer)),
        "Received today",
        Purpose::RecordPayment(id(instalment).to_string()),
    )
    .value(&crm_server::rules::money::format_minor(outstanding(
        instalment,
    )));
    p.hint = format!(
        "due {}; Enter records it, or type the part received",
        text(instalment, "due_date")
    );
    ctx.open(Dialog::Prompt(p));
}

fn nine() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()
}

impl Screen for RemindersView {
    fn reload(&mut self, ctx: &mut Ctx) {
        let today = ctx.now.date_naive();
        self.asked = Some(ctx.remind(ReminderQuery {
            from: today,
            to: today + Duration::days(BIRTHDAY_DAYS),
            now: ctx.now,
            owner: ctx.me.id.clone(),
            stock: matches!(ctx.me.role, UserRole::Manager | UserRole::Admin),
            team_breaches: matches!(ctx.me.role, UserRole::Manager | UserRole::Admin),
        }));
    }

    fn reminded(&mut self, request: u64, r: &Reminders) {
        if self.asked != Some(request) {
            return;
        }
        self.asked = None;
        self.loaded = true;
        let name = |a: &Record| {
            r.customer_names
                .get(text(a, "customer_id"))
                .cloned()
                .unwrap_or_default()
        };
        self.items = r
            .tickets
            .iter()
            .map(|t| Item::Ticket(t.clone(), name(t)))
            .chain(r.overdue.iter().map(|a| Item::Overdue(a.clone(), name(a))))
            .chain(r.quiet.iter().cloned().map(Item::Quiet))
            .chain(r.birthdays.iter().cloned().map(Item::Birthday))
            .chain(r.renewals.iter().map(|c| Item::Renewal(c.clone(), name(c))))
            .chain(r.unpaid.iter().map(|i| Item::Unpaid(i.clone(), name(i))))
            .chain(r.warned.iter().cloned().map(Item::Warned))
            .chain(
                r.low_stock
                    .iter()
                    .map(|(l, label)| Item::LowStock(l.clone(), label.clone())),
            )
            .collect();
        self.quiet_total = r.quiet_total;
        self.warned_total = r.warned_total;
        self.birthdays_total = r.birthdays_total;
        self.cursor = self.cursor.min(self.items.len().saturating_sub(1));
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        if let Some(m) = Move::of(&action, usize::from(ctx.area.height / 2)) {
            self.cursor = m.apply(self.cursor, self.items.len());
            return;
        }
        match action {
            Action::Open if matches!(self.chosen(), Some(Item::Renewal(..))) => {
                if let Some(Item::Renewal(c, _)) = self.chosen() {
                    ctx.go(Place::Record {
                        entity: Entity::Contracts,
                        id: id(c).to_string(),
                    });
                }
            }
            Action::Open if matches!(self.chosen(), Some(Item::Ticket(..))) => {
                if let Some(Item::Ticket(t, _)) = self.chosen() {
                    ctx.go(Place::Ticket(id(t).to_string()));
                }
            }
            Action::Open => {
                if let Some(Item::LowStock(level, _)) = self.chosen() {
                    let id = id(level).to_string();
                    ctx.go(Place::Record {
                        entity: Entity::StockLevels,
                        id,
                    });
                } else if let Some(item) = self.chosen() {
                    let id = item.customer_id().to_string();
                    if !id.is_empty() {
                        ctx.go(Place::Customer { id, inbound: false });
                    }
                }
            }
            Action::Complete => self.done(ctx),
            Action::Reschedule => self.ask_move(ctx),
            Action::Back => ctx.back(),
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        let Answer::Text(typed) = answer else {
            return;
        };
        let (result, refused) = match &purpose {
            Purpose::RecordPayment(instalment) => {
                (self.payment(instalment, &typed, ctx), "not recorded: ")
            }
            _ => (self.moved(&purpose, &typed, ctx), "not moved: "),
        };
        match result {
            Ok((write, done)) => ctx.write_from_prompt(write, done, refused),
            Err(e) => ctx.refuse(e),
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let count = |f: fn(&Item) -> bool| self.items.iter().filter(|i| f(i)).count();
        let mut title = format!(
            "Reminders · {} overdue · {} not contacted · {} birthdays",
            count(|i| matches!(i, Item::Overdue(..))),
            self.quiet_total,
            self.birthdays_total,
        );
        for (n, label) in [
            (count(|i| matches!(i, Item::Ticket(..))), "tickets at risk"),
            (count(|i| matches!(i, Item::Renewal(..))), "to renew"),
            (count(|i| matches!(i, Item::Unpaid(..))), "unpaid"),
            (count(|i| matches!(i, Item::LowStock(..))), "low stock"),
            (self.warned_total, "warned"),
        ] {
            if n > 0 {
                title.push_str(&format!(" · {n} {label}"));
            }
        }
        let inner = draw::panel(buf, area, &title, theme, true);
        if inner.height == 0 {
            return;
        }
        if self.items.is_empty() {
            let s = if self.loaded {
                "nothing to remind you of"
            } else {
                "reading…"
            };
            draw::empty_note(buf, inner, s, theme);
            return;
        }
        let height = usize::from(inner.height);
        let scroll = (self.cursor + 1).saturating_sub(height);
        for (row, item) in self.items.iter().enumerate().skip(scroll).take(height) {
            let selected = row == self.cursor;
            let y = draw::list_row(buf, inner, row - scroll, selected, theme);
            let (kind, role, who, detail) = match item {
                Item::Overdue(a, customer) => (
                    "overdue",
                    Role::Danger,
                    format!("{}  {}", text(a, "subject"), customer),
                    time(a, "due_at")
                        .map_or(String::new(), |t| format!("due {}", view.zone.datetime(t))),
                ),
                Item::Quiet(q) => (
                    "no contact",
                    Role::Warn,
                    format!(
                        "{}  level {}",
                        text(&q.customer, "name"),
                        text(&q.customer, "level")
                    ),
                    q.last_contact.map_or("never contacted".into(), |t| {
                        format!("last {}", view.zone.datetime(t))
                    }),
                ),
                Item::Birthday(b) => (
                    "birthday",
                    Role::Accent,
                    format!("{}  {}", text(&b.contact, "name"), b.customer_name),
                    b.date.format("%m-%d").to_string(),
                ),
                Item::Unpaid(i, customer) => (
                    "unpaid",
                    Role::Danger,
                    format!(
                        "{}  {}",
                        crate::tui::format::money(outstanding(i)),
                        customer
                    ),
                    format!("due {}", text(i, "due_date")),
                ),
                Item::LowStock(l, label) => (
                    "low stock",
                    Role::Warn,
                    label.clone(),
                    format!(
                        "{} free, warn at {}",
                        int(l, "available").unwrap_or(0),
                        int(l, "low_threshold").unwrap_or(0)
                    ),
                ),
                Item::Renewal(c, customer) => (
                    "renewal",
                    Role::Warn,
                    format!("{} {}  {customer}", text(c, "number"), text(c, "name")),
                    format!("ends {}", text(c, "ends_on")),
                ),
                Item::Warned(c) => (
                    "warning",
                    Role::Warn,
                    format!(
                        "{} {}  value {}",
                        text(c, "code"),
                        text(c, "name"),
                        int(c, "value_score").unwrap_or(0)
                    ),
                    warning_words(c),
                ),
                Item::Ticket(t, customer) => {
                    let (countdown, _) = crate::tui::sla::countdown(t, view.now);
                    let alert = crm_server::rules::sla::Alert::of_code(text(t, "sla_alert"));
                    let breached = alert == crm_server::rules::sla::Alert::Breached;
                    (
                        if breached { "breached" } else { "due soon" },
                        if breached { Role::Danger } else { Role::Warn },
                        format!("{} {}  {customer}", text(t, "number"), text(t, "subject")),
                        countdown,
                    )
                }
            };
            let style = |r: Role| crate::tui::panes::cell_style(theme, r, selected);
            let detail_w = 22.min(inner.width / 3);
            let who_w = inner.width.saturating_sub(11 + detail_w + 2);
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (11, kind, style(role)),
                    (who_w, &who, style(Role::Text)),
                    (detail_w, &detail, style(Role::Muted)),
                ],
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::Reminders
    }

    fn crumb(&self) -> String {
        "Reminders".into()
    }
}
