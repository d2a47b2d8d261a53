//! The outbox review (`:outbox`, `g o`): this user's writes the server has not accepted, the
//! refused ones first, each naming its record, what was done and the server's reason. Enter
//! opens the record's form with the local values (saving sends the fixed write again), `r`
//! sends a refused write again as it is, `D` discards it (after asking): the server's copy of
//! the record comes back.

use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::tui::action::Action;
use crate::tui::data::{PendingWrite, Record};
use crate::tui::dialogs::{Confirm, Dialog, Purpose};
use crate::tui::draw;
use crate::tui::flows;
use crate::tui::keymap::Mode;
use crate::tui::list::Move;
use crate::tui::screen::{Answer, Ctx, Screen};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{After, Write};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutboxView {
    pub writes: Vec<PendingWrite>,
    pub cursor: usize,
}

/// "create", "edit", … as people say it.
fn verb(action: &str) -> &str {
    match action {
        "update" => "edit",
        other => other,
    }
}

impl OutboxView {
    fn chosen(&self) -> Option<&PendingWrite> {
        self.writes.get(self.cursor)
    }

    /// The fix of a refused create or edit: the record's form with the local values; saving
    /// puts the change into the refused write and sends it again.
    fn fix(&self, ctx: &mut Ctx) {
        let Some(w) = self.chosen().cloned() else {
            return;
        };
        if !matches!(w.action, "create" | "update") {
            ctx.error("Nothing to edit in a delete: r sends it again, D discards it");
            return;
        }
        let record = match ctx.source.get(w.entity, &w.record_id) {
            Ok(Some(r)) => r,
            Ok(None) => return ctx.error(format!("The {} is gone", w.entity.noun())),
            Err(e) => return ctx.error(e),
        };
        let form = ctx.form(
            &format!("Fix {} {}", w.entity.noun(), w.label),
            w.entity,
            Purpose::Edit(w.entity, w.record_id.clone()),
            Some(&record),
            Record::new(),
        );
        ctx.open(Dialog::Form(form));
    }
}

impl Screen for OutboxView {
    fn reload(&mut self, ctx: &mut Ctx) {
        let mut writes = ctx.ok(ctx.source.pending_writes());
        // Refused first (they need the user), then conflicts, then the ones simply waiting.
        writes.sort_by_key(|w| (w.refused.is_none(), !w.conflict, w.seq));
        self.writes = writes;
        self.cursor = self.cursor.min(self.writes.len().saturating_sub(1));
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        if let Some(m) = Move::of(&action, usize::from(ctx.area.height / 2)) {
            self.cursor = m.apply(self.cursor, self.writes.len());
            return;
        }
        match action {
            Action::Back => ctx.back(),
            Action::Open | Action::Edit => self.fix(ctx),
            Action::Retry => {
                let Some(w) = self.chosen().cloned() else {
                    return;
                };
                ctx.write_then(
                    Write::Retry(w.seq),
                    After::Say {
                        done: format!(
                            "Sending the {} of {} {} again",
                            verb(w.action),
                            w.entity.noun(),
                            w.label
                        ),
                        refused: "not sent again: ".into(),
                    },
                );
            }
            Action::Discard => {
                let Some(w) = self.chosen().cloned() else {
                    return;
                };
                let c = Confirm::new(
                    "Discard a change",
                    vec![
                        format!(
                            "Discard your {} of {} {}?",
                            verb(w.action),
                            w.entity.noun(),
                            w.label
                        ),
                        "The server's copy of the record comes back.".into(),
                    ],
                    Purpose::DiscardWrite(w.seq),
                )
                .danger();
                ctx.open(Dialog::Confirm(c));
            }
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::DiscardWrite(seq), Answer::Yes) => {
                ctx.write_then(
                    Write::Discard(seq),
                    After::Say {
                        done: "Discarded; the server's copy stands".into(),
                        refused: "not discarded: ".into(),
                    },
                );
            }
            (purpose, answer) => {
                flows::answer(purpose, answer, ctx);
            }
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let refused = self.writes.iter().filter(|w| w.refused.is_some()).count();
        let title = format!(
            "Unsent changes · {} refused · {} waiting",
            refused,
            self.writes.len() - refused
        );
        let inner = draw::panel(buf, area, &title, theme, true);
        if self.writes.is_empty() {
            draw::put(
                buf,
                inner.x + 1,
                inner.y,
                inner.width.saturating_sub(1),
                "Everything is sent.",
                theme.style(Role::Muted),
            );
            return;
        }
        // Two lines a write: what and on which record, then its state or the server's reason.
        let per = 2usize;
        let rows = usize::from(inner.height) / per;
        let first = self.cursor.saturating_sub(rows.saturating_sub(1));
        for (i, w) in self.writes.iter().enumerate().skip(first).take(rows) {
            let y = inner.y + ((i - first) * per) as u16;
            let selected = i == self.cursor;
            let style = if selected {
                theme.style(Role::Selection)
            } else {
                theme.style(Role::Text)
            };
            let (mark, mark_role) = match (&w.refused, w.conflict) {
                (Some(_), _) => ("⚠", Role::Danger),
                (None, true) => ("!", Role::Warn),
                (None, false) => ("↑", Role::Muted),
            };
            draw::fill(buf, Rect::new(inner.x, y, inner.width, 1), style);
            draw::put(buf, inner.x + 1, y, 1, mark, theme.style(mark_role));
            let line = format!("{} {} {}", verb(w.action), w.entity.noun(), w.label);
            draw::put(
                buf,
                inner.x + 3,
                y,
                inner.width.saturating_sub(3),
                &line,
                style,
            );
            let (note, role) = match (&w.refused, w.conflict) {
                (Some(reason), _) => (format!("refused: {reason}"), Role::Danger),
                (None, true) => ("waits for a conflict to be resolved (!)".into(), Role::Warn),
                (None, false) => ("waiting to be sent".into(), Role::Muted),
            };
            draw::put(
                buf,
                inner.x + 3,
                y + 1,
                inner.width.saturating_sub(3),
                &note,
                theme.style(role),
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::Outbox
    }

    fn entity(&self) -> Option<Entity> {
        None
    }

    fn crumb(&self) -> String {
        "Unsent changes".into()
    }
}
