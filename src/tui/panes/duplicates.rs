//! The duplicate review queue (`:duplicates`, `D` on the customers list): likely duplicate
//! customers in pairs, side by side, field by field (the pairs from `Replica::duplicate_pairs`,
//! read off the UI thread, by the server's duplicate keys). `h`/`l` choose which value of the
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

/// The fields compared, in order; the code is in the header.
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

/// Two customers that look like one, and on which keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub a: Record,
    pub b: Record,
    pub reasons: Vec<&'static str>,
}

/// The queue as read: each pair's two customers; a customer a merge in force (or one written
/// here and not yet sent) took away is in no pair.
pub fn read(source: &dyn DataSource) -> Result<Vec<Pair>, DataError> {
    let merges = source.records(Entity::Merges, &RecordQuery::default(), 0, MAX_MERGES)?;
    let gone: BTreeSet<&str> = merges
        .iter()
        .filter(|m| text(m, "status") != "undone")
        .map(|m| text(m, "merged_id"))
        .collect();
    let mut out = Vec::new();
    for (a, b, reasons) in source.duplicate_pairs(MAX_PAIRS)? {
        if gone.contains(a.as_str()) || gone.contains(b.as_str()) {
            continue;
        }
        if let (Some(a), Some(b)) = (
            source.get(Entity::Customers, &a)?,
            source.get(Entity::Customers, &b)?,
        ) {
            out.push(Pair { a, b, reasons });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DuplicatesView {
    pub pairs: Vec<Pair>,
    pub pair: usize,
    pub field: usize,
    /// The fields whose value comes from the customer merged away.
    pub take: BTreeSet<&'static str>,
    /// The second customer stays (the first is merged into it).
    pub swapped: bool,
    asked: Option<u64>,
    pub loaded: bool,
}

impl DuplicatesView {
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
        let field = FIELDS[self.field];
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
        let done = format!(
            "Merging {} into {}: sent; the server moves its contacts, deals, tickets… (an admin can undo it)",
            text(goes, "code"),
            text(stays, "code")
        );
        let gone = text(goes, "id").to_string();
        ctx.write_then(
            Write::Create {
                entity: Entity::Merges,
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
        ctx.load(request, Read::Duplicates);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.asked != Some(request) {
            return;
        }
        self.asked = None;
        match data {
            Ok(Loaded::Duplicates(pairs)) => {
                let before = self
                    .pairs
                    .get(self.pair)
                    .map(|p| (text(&p.a, "id").to_string(), text(&p.b, "id").to_string()));
                self.loaded = true;
                self.pairs = pairs.as_ref().clone();
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
        if let Some(m) = Move::of(&action, FIELDS.len()) {
            self.field = m.apply(self.field, FIELDS.len());
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
            "Duplicates · pair {} of {}",
            if self.pairs.is_empty() {
                0
            } else {
                self.pair + 1
            },
            self.pairs.len()
        );
        let inner = draw::panel(buf, area, &title, theme, true);
        if inner.height == 0 {
            return;
        }
        let Some(p) = self.pairs.get(self.pair) else {
            let s = if self.loaded {
                "no likely duplicates among your customers"
            } else {
                "reading…"
            };
            draw::empty_note(buf, inner, s, theme);
            return;
        };
        let label_w = 10u16;
        let side_w = inner.width.saturating_sub(label_w + 2) / 2;
        let plain = |r: Role| crate::tui::panes::cell_style(theme, r, false);
        let head = |r: &Record, stays: bool| {
            format!(
                "{} {} {}",
                if stays { "stays" } else { "merged" },
                text(r, "code"),
                text(r, "name")
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
            } else {
                v.lines().next().unwrap_or_default().to_string()
            }
        };
        let rows = usize::from(inner.height.saturating_sub(1));
        let scroll = (self.field + 1).saturating_sub(rows);
        for (row, field) in FIELDS.iter().enumerate().skip(scroll).take(rows) {
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
        "Duplicates".into()
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
