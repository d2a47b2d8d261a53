//! The callbacks queue (`g c`, `:callbacks`): the calls planned for me or for nobody, due by the
//! end of my day, by due time — the overdue first. Read off the UI thread (`work::Read`).
//! Enter opens the customer; `D` dials: the profile's `dial_command` run with the number as an
//! argument (never through a shell), the customer opened and the call's timer started.

use chrono::{DateTime, Duration, Utc};
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::tui::action::Action;
use crate::tui::data::{DataError, DataSource, Record, text, time};
use crate::tui::dialogs::Purpose;
use crate::tui::draw;
use crate::tui::keymap::Mode;
use crate::tui::list::Move;
use crate::tui::screen::{Answer, Ctx, Msg, Place, Screen};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{Loaded, Read};

/// What the queue asks the reader thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbacksAsk {
    pub owner: String,
    /// The end of the user's day.
    pub until: DateTime<Utc>,
}

/// A planned call with whom to call.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    pub activity: Record,
    pub customer: String,
    /// The contact's name, when the call is to one.
    pub contact: String,
    /// The contact's mobile or phone, else the customer's phone.
    pub phone: String,
}

/// The queue as read: each call, its customer's name and the number to dial.
pub fn read(source: &dyn DataSource, ask: &CallbacksAsk) -> Result<Vec<Callback>, DataError> {
    let mut out = Vec::new();
    for activity in source.callbacks(&ask.owner, ask.until)? {
        let customer = match text(&activity, "customer_id") {
            "" => None,
            id => source.get(Entity::Customers, id)?,
        };
        let contact = match text(&activity, "contact_id") {
            "" => None,
            id => source.get(Entity::Contacts, id)?,
        };
        let number = |r: &Record, fields: &[&str]| {
            fields
                .iter()
                .map(|f| text(r, f))
                .find(|p| !p.is_empty())
                .map(str::to_string)
        };
        let phone = contact
            .as_ref()
            .and_then(|k| number(k, &["mobile", "phone"]))
            .or_else(|| customer.as_ref().and_then(|c| number(c, &["phone"])))
            .unwrap_or_default();
        out.push(Callback {
            customer: customer
                .as_ref()
                .map_or("", |c| text(c, "name"))
                .to_string(),
            contact: contact.as_ref().map_or("", |k| text(k, "name")).to_string(),
            phone,
            activity,
        });
    }
    Ok(out)
}

/// Why a dial command cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialError {
    #[error(
        "no dial command: set dial_command in the profile, e.g. dial_command = \"linphonecsh dial {{phone}}\""
    )]
    NotSet,
    #[error("no number to dial for this call")]
    NoNumber,
    #[error("the dial command must name {{phone}} where the number goes")]
    NoPlaceholder,
}

/// The program and arguments a dial runs: the profile's command split on spaces, `{phone}`
/// replaced by the number (digits and `+` only), each word an argument of its own — the number
/// never reaches a shell.
pub fn dial_argv(command: &str, phone: &str) -> Result<Vec<String>, DialError> {
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.is_empty() {
        return Err(DialError::NotSet);
    }
    let number: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    if number.chars().all(|c| c == '+') {
        return Err(DialError::NoNumber);
    }
    if !words[1..].iter().any(|w| w.contains("{phone}")) {
        return Err(DialError::NoPlaceholder);
    }
    Ok(words
        .iter()
        .map(|w| w.replace("{phone}", &number))
        .collect())
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallbacksView {
    pub items: Vec<Callback>,
    pub cursor: usize,
    /// The profile's dial command.
    dial_command: String,
    asked: Option<u64>,
    pub loaded: bool,
}

impl CallbacksView {
    pub fn new(dial_command: &str) -> CallbacksView {
        CallbacksView {
            dial_command: dial_command.to_string(),
            ..CallbacksView::default()
        }
    }

    fn chosen(&self) -> Option<&Callback> {
        self.items.get(self.cursor)
    }

    fn open(&self, ctx: &mut Ctx) {
        if let Some(c) = self.chosen() {
            let id = text(&c.activity, "customer_id").to_string();
            if !id.is_empty() {
                ctx.go(Place::Customer { id, inbound: false });
            }
        }
    }

    /// `D`: runs the dial command, opens the customer, starts the call's timer.
    fn dial(&self, ctx: &mut Ctx) {
        let Some(c) = self.chosen() else { return };
        let argv = match dial_argv(&self.dial_command, &c.phone) {
            Ok(argv) => argv,
            Err(e) => return ctx.error(e),
        };
        let spawned = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            // The softphone runs on its own; the child is not waited for.
            Ok(_) => {
                ctx.flash(format!("Dialling {}", crate::text::sanitize(&c.phone)));
                ctx.out.push(Msg::CallStarted);
                self.open(ctx);
            }
            Err(e) => ctx.error(format!("the dial command {} did not run: {e}", argv[0])),
        }
    }
}

impl Screen for CallbacksView {
    fn reload(&mut self, ctx: &mut Ctx) {
        let tomorrow = ctx.today() + Duration::days(1);
        let ask = CallbacksAsk {
            // Not yet known (never synced): the unassigned calls only.
            owner: ctx.me.id.clone().unwrap_or_default(),
            until: ctx.zone.day_start(tomorrow),
        };
        let request = crate::tui::list::next_request();
        self.asked = Some(request);
        ctx.load(request, Read::Callbacks(ask));
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.asked != Some(request) {
            return;
        }
        self.asked = None;
        match data {
            Ok(Loaded::Callbacks(items)) => {
                self.loaded = true;
                self.items = items.as_ref().clone();
                self.cursor = self.cursor.min(self.items.len().saturating_sub(1));
            }
            Ok(_) => {}
            Err(e) => ctx.error(e),
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        if let Some(m) = Move::of(&action, usize::from(ctx.area.height / 2)) {
            self.cursor = m.apply(self.cursor, self.items.len());
            return;
        }
        match action {
            Action::Open => self.open(ctx),
            Action::Dial => self.dial(ctx),
            Action::Back => ctx.back(),
            _ => {}
        }
    }

    fn answer(&mut self, _purpose: Purpose, _answer: Answer, _ctx: &mut Ctx) {}

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let overdue = |c: &Callback| time(&c.activity, "due_at").is_some_and(|t| t < view.now);
        let title = format!(
            "Callbacks today · {} · {} overdue",
            self.items.len(),
            self.items.iter().filter(|c| overdue(c)).count()
        );
        let inner = draw::panel(buf, area, &title, theme, true);
        if inner.height == 0 {
            return;
        }
        if self.items.is_empty() {
            let s = if self.loaded {
                "no calls to make today"
            } else {
                "reading…"
            };
            draw::empty_note(buf, inner, s, theme);
            return;
        }
        let height = usize::from(inner.height);
        let scroll = (self.cursor + 1).saturating_sub(height);
        for (row, c) in self.items.iter().enumerate().skip(scroll).take(height) {
            let selected = row == self.cursor;
            let y = draw::list_row(buf, inner, row - scroll, selected, theme);
            let style = |r: Role| crate::tui::panes::cell_style(theme, r, selected);
            let due = time(&c.activity, "due_at").map_or(String::new(), |t| view.zone.time(t));
            let (state, role) = if overdue(c) {
                ("overdue", Role::Danger)
            } else {
                ("due", Role::Accent)
            };
            let who = if c.contact.is_empty() {
                c.customer.clone()
            } else {
                format!("{} · {}", c.customer, c.contact)
            };
            let phone_w = 18.min(inner.width / 4);
            let who_w = inner.width.saturating_sub(8 + 7 + phone_w + 3) / 2;
            let subject_w = inner.width.saturating_sub(8 + 7 + phone_w + who_w + 3);
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (8, state, style(role)),
                    (7, &due, style(Role::Text)),
                    (who_w, &who, style(Role::Text)),
                    (phone_w, &c.phone, style(Role::Muted)),
                    (subject_w, text(&c.activity, "subject"), style(Role::Muted)),
                ],
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::Callbacks
    }

    fn crumb(&self) -> String {
        "Callbacks".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_is_one_argument_and_never_a_shell_word() {
        assert_eq!(
            dial_argv("linphonecsh dial {phone}", "+86 (10) 6552-1234").unwrap(),
            ["linphonecsh", "dial", "+861065521234"]
        );
        // Whatever the number holds, it cannot add words or shell syntax.
        assert_eq!(
            dial_argv("sip-call --to={phone}", "138; rm -rf ~").unwrap(),
            ["sip-call", "--to=138"]
        );
        assert_eq!(dial_argv("", "123"), Err(DialError::NotSet));
        assert_eq!(dial_argv("dial", "123"), Err(DialError::NoPlaceholder));
        assert_eq!(dial_argv("dial {phone}", "ext."), Err(DialError::NoNumber));
    }
}
