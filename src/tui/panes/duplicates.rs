//! The duplicate review queue (`:duplicates`, `D` on the customers list; `:duplicates contacts`
//! for contacts): likely duplicate customers or contacts in pairs, side by side, field by field
//! (read off the UI thread: online, the server's queue — `GET /customers/duplicates`, its whole
//! table; offline, or when the server does not answer, the pairs among the records this replica
//! holds, `Replica::duplicate_pairs`, by the same duplicate keys, and the screen says so). `h`/`l` choose which value of the
//! field under the cursor survives, `s` swaps which customer stays, `J`/`K` move between pairs,
//! `m` merges: a `merges` record written off the UI thread, which the server carries out (moving
//! every record of the other customer to the one that stays) or refuses with the reason — a
//! customer changed since the pair was read.

use std::collections::BTreeSet;

use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::json;

use crate::tui::action::Action;
use crate::tui::data::{DataError, DataSource, Record, RecordQuery, text};
use crate::tui::dialogs::Purpose;
use crate::tui::draw;
use crate::tui::keymap::Mode;
use crate::tui::list::Move;
use crate::tui::screen::{Answer, Ctx, Screen, obj};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{After, Loaded, Read, Write};

/// Pairs read at most: a queue to work through, not a report.
pub const MAX_PAIRS: usize = 500;

/// Merges read to leave their customers out: more than a replica's queue ever holds pending.
const MAX_MERGES: usize = 10_000;

/// The fields compared of each subject, in order; a customer's code is in the header.
pub fn fields(subject: Entity) -> &'static [&'static str] {
    if subject == Entity::Contacts {
        CONTACT_FIELDS
    } else {
        FIELDS
    }
}

/// A contact's fields compared; its customer first, as a pair may span two.
pub const CONTACT_FIELDS: &[&str] = &[
    "name",
    "customer_id",
    "title",
    "department",
    "mobile",
    "phone",
    "email",
    "birthday",
    "decision_role",
    "preferred_channel",
    "notes",
];

/// The customer fields compared, in order; the code is in the header.
pub const FIELDS: &[&str] = &[
    "name",
    "phone",
    "email",
    "kind",
    "level",
    "category",
    "lifecycle",
    "industry",
    "region",
    "address",
    "postcode",
    "website",
    "fax",
    "source",
    "owner_id",
    "notes",
];

/// Two customers (or contacts) that look like one, and on which keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub a: Record,
    pub b: Record,
    pub reasons: Vec<&'static str>,
    /// A contact pair's customers by id → label, read with the pair off the UI thread.
    pub customers: std::collections::BTreeMap<String, String>,
}

/// The queue as read, and where from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Queue {
    pub pairs: Vec<Pair>,
    /// Why the pairs are the replica's, not the server's (offline, or no answer); None when
    /// the server answered or there is no server to ask.
    pub note: Option<String>,
    pub from_server: bool,
}

/// The server's spelling of a reason, as the screen's (the keys `dedupe` and the server name).
fn reason(r: &str) -> Option<&'static str> {
    ["name", "phone", "email", "pinyin"]
        .into_iter()
        .find(|k| *k == r)
}

/// The queue as read: each pair's two customers or contacts; one a merge in force (or one
/// written here and not yet sent) took away is in no pair.
pub fn read(source: &dyn DataSource, subject: Entity) -> Result<Queue, DataError> {
    let Some(merges) = crm_server::service::merges::merges_of(subject) else {
        return Ok(Queue::default());
    };
    let merges = source.records(merges, &RecordQuery::default(), 0, MAX_MERGES)?;
    let gone: BTreeSet<&str> = merges
        .iter()
        .filter(|m| text(m, "status") != "undone")
        .map(|m| text(m, "merged_id"))
        .collect();
    let mut found: Vec<(Record, Record, Vec<&'static str>)> = Vec::new();
    let mut note = None;
    let server = source.server_duplicates(subject, MAX_PAIRS);
    let from_server = matches!(server, Some(Ok(_)));
    match server {
        Some(Ok(pairs)) => {
            for (a, b, reasons) in pairs {
                let reasons = reasons.iter().filter_map(|r| reason(r)).collect();
                found.push((a, b, reasons));
            }
        }
        other => {
            if let Some(Err(why)) = other {
                // What it means first: the reason is long and may be cut at the edge.
                note = Some(format!(
                    "offline: pairs among the {} on this machine; online, the server's queue covers them all ({why})",
                    subject.name()
                ));
            }
            for (a, b, reasons) in source.duplicate_pairs(subject, MAX_PAIRS)? {
                if let (Some(a), Some(b)) = (source.get(subject, &a)?, source.get(subject, &b)?) {
                    found.push((a, b, reasons));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (a, b, reasons) in found {
        if gone.contains(text(&a, "id")) || gone.contains(text(&b, "id")) {
            continue;
        }
        {
            let mut customers = std::collections::BTreeMap::new();
            if subject == Entity::Contacts {
                for r in [&a, &b] {
                    let id = text(r, "customer_id");
                    if !id.is_empty() && !customers.contains_key(id) {
                        let label = crate::tui::screen::record_label(source, Entity::Customers, id);
                        customers.insert(id.to_string(), label);
                    }
                }
            }
            out.push(Pair {
                a,
                b,
                reasons,
                customers,
            });
        }
    }
    Ok(Queue {
        pairs: out,
        note,
        from_server,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatesView {
    /// Customers or contacts.
    pub subject: Entity,
    pub pairs: Vec<Pair>,
    /// Why the pairs shown are the replica's (offline), when they are.
    pub note: Option<String>,
    pub from_server: bool,
    pub pair: usize,
    pub field: usize,
    /// The fields whose value comes from the customer merged away.
    pub take: BTreeSet<&'static str>,
    /// The second customer stays (the first is merged into it).
    pub swapped: bool,
    asked: Option<u64>,
    pub loaded: bool,
}

impl Default for DuplicatesView {
    fn default() -> Self {
        DuplicatesView::new(Entity::Customers)
    }
}

impl DuplicatesView {
    pub fn new(subject: Entity) -> DuplicatesView {
        DuplicatesView {
            subject,
            pairs: Vec::new(),
            note: None,
            from_server: false,
            pair: 0,
            field: 0,
            take: BTreeSet::new(),
            swapped: false,
            asked: None,
            loaded: false,
        }
    }

    fn fields(&self) -> &'static [&'static str] {
        fields(self.subject)
    }

    /// How a side is named in the header and the messages: a customer's code and name, a
    /// contact's name.
    fn label(&self, r: &Record) -> String {
        if self.subject == Entity::Customers {
            format!("{} {}", text(r, "code"), text(r, "name"))
        } else {
            text(r, "name").to_string()
        }
    }
    /// (the customer that stays, the one merged away) of the pair in view.
    pub fn sides(&self) -> Option<(&Record, &Record)> {
        let p = self.pairs.get(self.pair)?;
        Some(if self.swapped {
            (&p.b, &p.a)
        } else {
            (&p.a, &p.b)
        })
    }

    fn choose(&mut self, from_merged: bool) {
        let Some(&field) = self.fields().get(self.field) else {
            return;
        };
        if from_merged {
            self.take.insert(field);
        } else {
            self.take.remove(field);
        }
    }

    fn move_pair(&mut self, by: isize) {
        let last = self.pairs.len().saturating_sub(1);
        self.pair = self.pair.saturating_add_signed(by).min(last);
        self.take.clear();
        self.swapped = false;
    }

    /// `m`: the merge as a record; the pair leaves the queue at once.
    fn merge(&mut self, ctx: &mut Ctx) {
        let Some((stays, goes)) = self.sides() else {
            return;
        };
        let take: Vec<&str> = self.take.iter().copied().collect();
        let mut body = json!({
            "survivor_id": text(stays, "id"),
            "merged_id": text(goes, "id"),
            "take": take,
        });
        for (field, r) in [("survivor_version", stays), ("merged_version", goes)] {
            if let Some(v) = r
                .get("version")
                .and_then(serde_json::Value::as_i64)
                .filter(|v| *v > 0)
            {
                body[field] = json!(v);
            }
        }
        let what = if self.subject == Entity::Customers {
            "contacts, deals, tickets…"
        } else {
            "deals, activities, tickets, campaigns, relations…"
        };
        // A customer by its code, a contact by its name.
        let short = |r: &Record| {
            let key = if self.subject == Entity::Customers {
                "code"
            } else {
                "name"
            };
            text(r, key).to_string()
        };
        let done = format!(
            "Merging {} into {}: sent; the server moves its {what} (an admin can undo it)",
            short(goes),
            short(stays)
        );
        let gone = text(goes, "id").to_string();
        let Some(entity) = crm_server::service::merges::merges_of(self.subject) else {
            return;
        };
        ctx.write_then(
            Write::Create {
                entity,
                body: obj(body),
                allow_duplicate: false,
            },
            After::Say {
                done,
                refused: "the merge: ".into(),
            },
        );
        // Every pair naming the customer merged away goes with it.
        self.pairs
            .retain(|p| text(&p.a, "id") != gone && text(&p.b, "id") != gone);
        self.pair = self.pair.min(self.pairs.len().saturating_sub(1));
        self.take.clear();
        self.swapped = false;
    }
}

impl Screen for DuplicatesView {
    fn reload(&mut self, ctx: &mut Ctx) {
        let request = crate::tui::list::next_request();
        self.asked = Some(request);
        ctx.load(request, Read::Duplicates(self.subject));
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.asked != Some(request) {
            return;
        }
        self.asked = None;
        match data {
            Ok(Loaded::Duplicates(queue)) => {
                let before = self
                    .pairs
                    .get(self.pair)
                    .map(|p| (text(&p.a, "id").to_string(), text(&p.b, "id").to_string()));
                self.loaded = true;
                self.pairs = queue.pairs.clone();
                self.note = queue.note.clone();
                self.from_server = queue.from_server;
                // The same pair stays in view when it is still there.
                self.pair = before
                    .and_then(|(a, b)| {
                        self.pairs
                            .iter()
                            .position(|p| text(&p.a, "id") == a && text(&p.b, "id") == b)
                    })
                    .unwrap_or_else(|| self.pair.min(self.pairs.len().saturating_sub(1)));
            }
            Ok(_) => {}
            Err(e) => ctx.error(e),
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        let count = self.fields().len();
        if let Some(m) = Move::of(&action, count) {
            self.field = m.apply(self.field, count);
            return;
        }
        match action {
            Action::Left => self.choose(self.swapped),
            Action::Right => self.choose(!self.swapped),
            Action::NextPair => self.move_pair(1),
            Action::PrevPair => self.move_pair(-1),
            Action::Swap => {
                self.swapped = !self.swapped;
                self.take.clear();
            }
            Action::Merge => self.merge(ctx),
            Action::Back => ctx.back(),
            _ => {}
        }
    }

    fn answer(&mut self, _purpose: Purpose, _answer: Answer, _ctx: &mut Ctx) {}

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let title = format!(
            "Duplicate {}{} · pair {} of {}",
            self.subject.name(),
            if self.from_server {
                " · from the server"
            } else {
                ""
            },
            if self.pairs.is_empty() {
                0
            } else {
                self.pair + 1
            },
            self.pairs.len()
        );
        let mut inner = draw::panel(buf, area, &title, theme, true);
        if inner.height == 0 {
            return;
        }
        // Offline: the note says whose pairs these are, above them.
        if let Some(note) = &self.note {
            let style = crate::tui::panes::cell_style(theme, Role::Warn, false);
            draw::columns(buf, inner.x, inner.y, &[(inner.width, note, style)]);
            inner.y += 1;
            inner.height = inner.height.saturating_sub(1);
            if inner.height == 0 {
                return;
            }
        }
        let Some(p) = self.pairs.get(self.pair) else {
            let s = if self.loaded {
                format!("no likely duplicates among your {}", self.subject.name())
            } else {
                "reading…".into()
            };
            draw::empty_note(buf, inner, &s, theme);
            return;
        };
        let label_w = 10u16;
        let side_w = inner.width.saturating_sub(label_w + 2) / 2;
        let plain = |r: Role| crate::tui::panes::cell_style(theme, r, false);
        let head = |r: &Record, stays: bool| {
            format!(
                "{} {}",
                if stays { "stays" } else { "merged" },
                self.label(r).trim()
            )
        };
        let (a_stays, b_stays) = (!self.swapped, self.swapped);
        draw::columns(
            buf,
            inner.x,
            inner.y,
            &[
                (
                    label_w,
                    &format!("same {}", p.reasons.join(", ")),
                    plain(Role::Warn),
                ),
                (side_w, &head(&p.a, a_stays), plain(Role::Title)),
                (side_w, &head(&p.b, b_stays), plain(Role::Title)),
            ],
        );
        let shown = |r: &Record, f: &str| -> String {
            let v = text(r, f);
            if f == "owner_id" {
                view.people.name(v)
            } else if f == "customer_id" {
                // The pair's customers, read with the pair (a contact's customer by name).
                p.customers.get(v).cloned().unwrap_or_else(|| v.to_string())
            } else {
                v.lines().next().unwrap_or_default().to_string()
            }
        };
        let rows = usize::from(inner.height.saturating_sub(1));
        let scroll = (self.field + 1).saturating_sub(rows);
        for (row, field) in self.fields().iter().enumerate().skip(scroll).take(rows) {
            let selected = row == self.field;
            let y = inner.y + 1 + (row - scroll) as u16;
            let style = |r: Role| crate::tui::panes::cell_style(theme, r, selected);
            // Which side's value survives: the merged one's when taken, else the one staying
            // (or the other's when the staying one is empty).
            let (stays, goes) = if self.swapped {
                (&p.b, &p.a)
            } else {
                (&p.a, &p.b)
            };
            let from_merged = self.take.contains(field)
                || (text(stays, field).trim().is_empty() && !text(goes, field).trim().is_empty());
            let a_wins = from_merged == self.swapped;
            let cell = |r: &Record, wins: bool| {
                let v = shown(r, field);
                if wins {
                    format!("● {v}")
                } else {
                    format!("  {v}")
                }
            };
            let (a, b) = (cell(&p.a, a_wins), cell(&p.b, !a_wins));
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (label_w, field, style(Role::Muted)),
                    (
                        side_w,
                        &a,
                        style(if a_wins { Role::Text } else { Role::Muted }),
                    ),
                    (
                        side_w,
                        &b,
                        style(if a_wins { Role::Muted } else { Role::Text }),
                    ),
                ],
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::Duplicates
    }

    fn crumb(&self) -> String {
        if self.subject == Entity::Customers {
            "Duplicates".into()
        } else {
            "Duplicate contacts".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(id: &str, code: &str, phone: &str) -> Record {
        obj(json!({"id": id, "code": code, "name": code, "phone": phone, "version": 3}))
    }

    #[test]
    fn choices_follow_the_side_that_stays() {
        let mut v = DuplicatesView {
            pairs: vec![Pair {
                a: customer("1", "C1", "1"),
                b: customer("2", "C2", "2"),
                reasons: vec!["name"],
                customers: Default::default(),
            }],
            ..DuplicatesView::default()
        };
        v.field = 1; // phone
        v.choose(true);
        assert!(v.take.contains("phone"));
        v.choose(false);
        assert!(v.take.is_empty());
        let (stays, goes) = v.sides().unwrap();
        assert_eq!((text(stays, "id"), text(goes, "id")), ("1", "2"));
        v.swapped = true;
        let (stays, _) = v.sides().unwrap();
        assert_eq!(text(stays, "id"), "2");
    }
}
