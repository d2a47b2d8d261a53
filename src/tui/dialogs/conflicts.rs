//! Sync conflicts side by side: for each field that differs, mine or theirs. Enter settles the
//! conflict with the chosen fields; nothing is dropped without the user choosing.

use chrono::{DateTime, Utc};
use crm_server::schema::SYSTEM_FIELDS;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::Value;

use super::Outcome;
use crate::tui::action::Action;
use crate::tui::data::{Conflict, Record};
use crate::tui::draw;
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Mine,
    Theirs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldChoice {
    pub field: String,
    pub mine: Value,
    pub theirs: Value,
    pub side: Side,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConflictChooser {
    pub conflicts: Vec<Conflict>,
    pub index: usize,
    pub rows: Vec<FieldChoice>,
    pub cursor: usize,
}

fn differing(conflict: &Conflict) -> Vec<FieldChoice> {
    let mut fields: Vec<&String> = conflict.mine.keys().chain(conflict.theirs.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|f| !SYSTEM_FIELDS.contains(&f.as_str()))
        .filter_map(|f| {
            let mine = conflict.mine.get(f).cloned().unwrap_or(Value::Null);
            let theirs = conflict.theirs.get(f).cloned().unwrap_or(Value::Null);
            // A field only in the server's copy was not touched here.
            (conflict.mine.contains_key(f) && mine != theirs).then(|| FieldChoice {
                field: f.clone(),
                mine,
                theirs,
                side: Side::Mine,
            })
        })
        .collect()
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl ConflictChooser {
    pub fn new(conflicts: Vec<Conflict>) -> ConflictChooser {
        let rows = conflicts.first().map(differing).unwrap_or_default();
        ConflictChooser {
            conflicts,
            index: 0,
            rows,
            cursor: 0,
        }
    }

    fn select(&mut self, index: usize) {
        self.index = index;
        self.rows = self.conflicts.get(index).map(differing).unwrap_or_default();
        self.cursor = 0;
    }

    /// The fields to keep: every differing field, from the chosen side.
    pub fn chosen(&self) -> Record {
        self.rows
            .iter()
            .map(|r| {
                let v = match r.side {
                    Side::Mine => r.mine.clone(),
                    Side::Theirs => r.theirs.clone(),
                };
                (r.field.clone(), v)
            })
            .collect()
    }

    pub fn handle(&mut self, action: &Action, _now: DateTime<Utc>) -> Outcome {
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(self.rows.len().saturating_sub(1)),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::Left => {
                if let Some(r) = self.rows.get_mut(self.cursor) {
                    r.side = Side::Mine;
                }
            }
            Action::Right => {
                if let Some(r) = self.rows.get_mut(self.cursor) {
                    r.side = Side::Theirs;
                }
            }
            Action::NextField if !self.conflicts.is_empty() => {
                self.select((self.index + 1) % self.conflicts.len())
            }
            Action::Submit => {
                if let Some(c) = self.conflicts.get(self.index) {
                    return Outcome::Resolve {
                        conflict_id: c.id.clone(),
                        chosen: self.chosen(),
                    };
                }
                return Outcome::Cancel;
            }
            Action::Cancel | Action::No => return Outcome::Cancel,
            _ => {}
        }
        Outcome::Stay
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let w = area.width.saturating_sub(4).min(120);
        let h = (self.rows.len() as u16 + 8).min(area.height.saturating_sub(2));
        let title = format!(
            "Sync conflicts {}/{}",
            (self.index + 1).min(self.conflicts.len()),
            self.conflicts.len()
        );
        let inner = draw::dialog(buf, area, w, h, &title, theme);
        if inner.height < 4 {
            return;
        }
        let Some(conflict) = self.conflicts.get(self.index) else {
            draw::put(
                buf,
                inner.x + 1,
                inner.y,
                inner.width - 1,
                "No conflicts. Esc closes.",
                theme.style(Role::Ok),
            );
            return;
        };
        // Named as people know it (its number and name), as `crm conflicts list` names it.
        let name = crate::replica::record_label(conflict.entity, &conflict.theirs);
        let who = conflict
            .changed_by
            .as_deref()
            .and_then(|id| crate::replica::user_name(view.people.get(id)));
        let at = conflict.changed_at.map(|t| view.zone.datetime(t));
        let changed = crate::replica::changed_by(who.as_deref(), at.as_deref());
        // Who and when first: they are what a narrow dialog must still show.
        let what = if changed.is_empty() {
            conflict.message.clone()
        } else {
            format!("{changed} on the server since you edited it")
        };
        let head = format!("{} {name} — {what}", conflict.entity.noun());
        draw::put(
            buf,
            inner.x + 1,
            inner.y,
            inner.width - 1,
            &head,
            theme.style(Role::Warn),
        );
        let field_w = 16.min(inner.width / 4);
        let side_w = (inner.width.saturating_sub(field_w + 3)) / 2;
        let y = inner.y + 2;
        draw::columns(
            buf,
            inner.x + 1,
            y,
            &[
                (field_w, "field", theme.style(Role::Header)),
                (side_w, "mine (h)", theme.style(Role::Header)),
                (side_w, "theirs (l)", theme.style(Role::Header)),
            ],
        );
        let visible = usize::from(inner.height.saturating_sub(5));
        let first = (self.cursor + 1).saturating_sub(visible);
        for (row, (i, r)) in self
            .rows
            .iter()
            .enumerate()
            .skip(first)
            .take(visible)
            .enumerate()
        {
            let y = y + 1 + row as u16;
            let here = i == self.cursor;
            let pick = |side: Side| {
                if r.side == side {
                    if here {
                        theme.style(Role::Selection)
                    } else {
                        theme.style(Role::Ok)
                    }
                } else {
                    theme.style(Role::Muted)
                }
            };
            let mark = |side: Side| if r.side == side { "● " } else { "○ " };
            let field_style = if here {
                theme.style(Role::Accent)
            } else {
                theme.style(Role::Text)
            };
            draw::columns(
                buf,
                inner.x + 1,
                y,
                &[
                    (field_w, &r.field, field_style),
                    (
                        side_w,
                        &format!("{}{}", mark(Side::Mine), show(&r.mine)),
                        pick(Side::Mine),
                    ),
                    (
                        side_w,
                        &format!("{}{}", mark(Side::Theirs), show(&r.theirs)),
                        pick(Side::Theirs),
                    ),
                ],
            );
        }
        if self.rows.is_empty() {
            draw::put(
                buf,
                inner.x + 1,
                y + 1,
                inner.width - 1,
                "Both sides agree now; Enter settles it.",
                theme.style(Role::Muted),
            );
        }
        draw::put(
            buf,
            inner.x + 1,
            inner.bottom() - 1,
            inner.width - 1,
            "h mine · l theirs · Enter resolve · Tab next conflict · Esc close",
            theme.style(Role::Muted),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_server::schema::Entity;
    use serde_json::json;

    #[test]
    fn only_fields_i_changed_and_that_differ_are_offered() {
        let theirs = json!({"id": "x", "version": 3, "name": "Acme", "phone": "1", "email": "a@b"});
        let mine = json!({"id": "x", "version": 2, "name": "Acme", "phone": "2", "notes": "n"});
        let conflict = Conflict {
            id: "k".into(),
            entity: Entity::Customers,
            record_id: "x".into(),
            mine: mine.as_object().cloned().unwrap(),
            theirs: theirs.as_object().cloned().unwrap(),
            message: String::new(),
            changed_at: None,
            changed_by: None,
        };
        let mut c = ConflictChooser::new(vec![conflict]);
        let fields: Vec<&str> = c.rows.iter().map(|r| r.field.as_str()).collect();
        assert_eq!(fields, ["notes", "phone"]);
        c.handle(&Action::Down, Utc::now());
        c.handle(&Action::Right, Utc::now());
        match c.handle(&Action::Submit, Utc::now()) {
            Outcome::Resolve { chosen, .. } => {
                assert_eq!(chosen["phone"], json!("1"));
                assert_eq!(chosen["notes"], json!("n"));
            }
            other => panic!("{other:?}"),
        }
    }
}
