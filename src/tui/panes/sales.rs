//! The Sales screen (`g s`, `:sales`) and the approvals inbox (`g a`, `:approvals`): one screen
//! of sections, each a generic list ([`RecordList`]: the descriptor's columns, `/`, its count),
//! chosen with `h`/`l`. The Sales screen lists quotes, contracts and expense claims, and for
//! managers and admins what waits for their approval; the inbox is that last section alone.
//!
//! In the approvals section Enter opens the record the approval is for, `a` approves and `r`
//! rejects asking why. Who may decide is `rules::approvals::decide`, checked here first so a
//! refusal is said at once (never your own submission); the write goes off the UI thread
//! (`Ctx::write_later`) and the row leaves the inbox once written.
//!
//! A section is one line of [`SALES_SECTIONS`].

use std::collections::HashMap;

use crm_server::access::Role as UserRole;
use crm_server::rules::approvals::{self, Decider};
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Value, json};

use super::records::RecordList;
use crate::tui::action::Action;
use crate::tui::data::{Record, WriteError, id, text};
use crate::tui::dialogs::{Dialog, Prompt, Purpose};
use crate::tui::keymap::Mode;
use crate::tui::screen::{Answer, Ctx, Msg, Place, Screen, obj};
use crate::tui::view::View;
use crate::tui::work::{Pending, Write};

/// Which records a section lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every one this user may see (the server's read sets decided what reached the replica).
    All,
    /// Approvals waiting for this user's decision.
    WaitingForMe,
}

/// One section of the Sales screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub title: &'static str,
    pub entity: Entity,
    pub scope: Scope,
    /// Shown only to managers and admins (who approve).
    pub approvers_only: bool,
}

const fn section(title: &'static str, entity: Entity) -> Section {
    Section {
        title,
        entity,
        scope: Scope::All,
        approvers_only: false,
    }
}

/// The approvals waiting for this user.
pub const INBOX: Section = Section {
    title: "To approve",
    entity: Entity::Approvals,
    scope: Scope::WaitingForMe,
    approvers_only: false,
};

/// The Sales screen's sections, in order.
pub const SALES_SECTIONS: &[Section] = &[
    section("Quotes", Entity::Quotes),
    section("Orders", Entity::Orders),
    section("Contracts", Entity::Contracts),
    section("Payments due", Entity::Instalments),
    section("Expense claims", Entity::ExpenseClaims),
    Section {
        approvers_only: true,
        ..INBOX
    },
];

/// The filters of the approvals waiting for `me`.
pub fn inbox_filters(me: &str) -> Vec<(String, Value)> {
    vec![
        ("approver_id".into(), json!(me)),
        ("status".into(), json!("pending")),
    ]
}

/// Where an approval's record opens.
pub fn subject_place(approval: &Record) -> Option<Place> {
    approvals::SUBJECT_LINKS.iter().find_map(|(kind, field)| {
        let target = text(approval, field);
        (!target.is_empty()).then(|| Place::Record {
            entity: match *kind {
                "contract" => Entity::Contracts,
                "discount" => Entity::Quotes,
                _ => Entity::ExpenseClaims,
            },
            id: target.to_string(),
        })
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct SalesView {
    /// "Sales" or "Approvals".
    name: &'static str,
    sections: Vec<(Section, RecordList)>,
    pub current: usize,
    pending: Pending,
    /// Decisions asked and not yet answered: the approval and what it is called.
    deciding: HashMap<u64, (String, String, &'static str)>,
}

impl SalesView {
    /// The Sales screen, its sections as this role sees them.
    pub fn sales(role: UserRole) -> SalesView {
        let approver = matches!(role, UserRole::Manager | UserRole::Admin);
        SalesView::of(
            "Sales",
            SALES_SECTIONS
                .iter()
                .filter(|s| approver || !s.approvers_only)
                .copied(),
        )
    }

    /// The approvals inbox alone.
    pub fn approvals() -> SalesView {
        SalesView::of("Approvals", [INBOX])
    }

    fn of(name: &'static str, sections: impl IntoIterator<Item = Section>) -> SalesView {
        SalesView {
            name,
            sections: sections
                .into_iter()
                .map(|s| (s, RecordList::new(s.entity)))
                .collect(),
            current: 0,
            pending: Pending::default(),
            deciding: HashMap::new(),
        }
    }

    /// The section in view.
    pub fn section(&self) -> Option<&Section> {
        self.sections.get(self.current).map(|(s, _)| s)
    }

    /// The list in view.
    pub fn list(&self) -> Option<&RecordList> {
        self.sections.get(self.current).map(|(_, l)| l)
    }

    fn list_mut(&mut self) -> Option<&mut RecordList> {
        self.sections.get_mut(self.current).map(|(_, l)| l)
    }

    /// The tabs drawn as the list's header: the section in view bracketed, each with its count.
    fn label_tabs(&mut self) {
        let tabs: Vec<String> = self
            .sections
            .iter()
            .enumerate()
            .map(|(i, (s, l))| {
                // The count's answer, else the window's when it holds the whole list.
                let count = l
                    .list
                    .total
                    .or(l.list.window.len)
                    .map(|n| format!(" {}", crate::tui::format::count(n)))
                    .unwrap_or_default();
                if i == self.current {
                    format!("[{}{count}]", s.title)
                } else {
                    format!("{}{count}", s.title)
                }
            })
            .collect();
        let heading = tabs.join(" │ ");
        for (_, l) in &mut self.sections {
            l.heading = Some(heading.clone());
        }
    }

    /// The approval chosen in the approvals section.
    fn chosen_approval(&self) -> Option<&Record> {
        let (section, list) = self.sections.get(self.current)?;
        (section.entity == Entity::Approvals)
            .then(|| list.list.selected_row())
            .flatten()
    }

    /// The chosen quote's id when it is a draft (the quote editor's to open).
    fn chosen_draft_quote(&self) -> Option<String> {
        let (section, list) = self.sections.get(self.current)?;
        let row = list.list.selected_row()?;
        (section.entity == Entity::Quotes
            && crm_server::rules::quotes::editable(match text(row, "status") {
                "" => "draft",
                s => s,
            }))
        .then(|| id(row).to_string())
    }

    /// Whether this user may move the chosen approval to `to`: the rule's answer.
    fn may_decide(&self, to: &str, comment: Option<&str>, ctx: &Ctx) -> Result<Record, String> {
        let approval = self
            .chosen_approval()
            .cloned()
            .ok_or("choose an approval first")?;
        let me = ctx
            .me
            .id
            .clone()
            .ok_or("sync first: who you are is not known yet")?;
        approvals::decide(
            text(&approval, "status"),
            to,
            Decider {
                id: &me,
                role: ctx.me.role,
            },
            text(&approval, "submitted_by"),
            text(&approval, "approver_id"),
            comment,
        )
        .map_err(|r| r.message().to_string())?;
        Ok(approval)
    }

    /// `a`, or `r` once its comment is typed: the decision written off the UI thread.
    fn decide(&mut self, to: &'static str, comment: Option<String>, ctx: &mut Ctx) {
        let approval = match self.may_decide(to, comment.as_deref(), ctx) {
            Ok(a) => a,
            Err(why) => return ctx.error(why),
        };
        let mut patch = json!({"status": to});
        if let Some(c) = comment {
            patch["comment"] = json!(c);
        }
        let request = self.pending.ask_write();
        self.deciding.insert(
            request,
            (
                id(&approval).to_string(),
                text(&approval, "subject").to_string(),
                to,
            ),
        );
        ctx.write_later(
            request,
            Write::Update {
                entity: Entity::Approvals,
                id: id(&approval).to_string(),
                patch: obj(patch),
            },
        );
        ctx.flash(format!(
            "{} {}…",
            if to == "approved" {
                "Approving"
            } else {
                "Rejecting"
            },
            crate::text::sanitize(text(&approval, "subject"))
        ));
    }

    /// Every section reads again, with this user's filters.
    fn reload_sections(&mut self, ctx: &mut Ctx) {
        let me = ctx.me.id.clone().unwrap_or_default();
        for (section, list) in &mut self.sections {
            if section.scope == Scope::WaitingForMe {
                list.query.filters = inbox_filters(&me);
            }
            list.reload(ctx);
        }
        self.label_tabs();
    }
}

impl Screen for SalesView {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.reload_sections(ctx);
    }

    fn counted(&mut self, request: u64, count: usize) {
        for (_, list) in &mut self.sections {
            list.counted(request, count);
        }
        self.label_tabs();
    }

    /// A section's first rows, read off the UI thread after its filter changed.
    fn loaded(
        &mut self,
        request: u64,
        data: &Result<crate::tui::work::Loaded, crate::tui::data::DataError>,
        ctx: &mut Ctx,
    ) {
        for (_, list) in &mut self.sections {
            list.loaded(request, data, ctx);
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        let typing = self.typing();
        let approvals_here = self.section().map(|s| s.entity) == Some(Entity::Approvals);
        match action {
            Action::Left | Action::Right if !typing && !self.sections.is_empty() => {
                let n = self.sections.len();
                self.current = if action == Action::Right {
                    (self.current + 1) % n
                } else {
                    (self.current + n - 1) % n
                };
                self.label_tabs();
            }
            Action::Approve if !typing && approvals_here => self.decide("approved", None, ctx),
            Action::Reject if !typing && approvals_here => {
                // Refused at once when the rule says this user may not (their own, say).
                if let Err(why) = self.may_decide("rejected", Some("-"), ctx) {
                    return ctx.error(why);
                }
                if let Some(a) = self.chosen_approval() {
                    let mut p = Prompt::new(
                        format!("Reject {}", crate::text::sanitize(text(a, "subject"))),
                        "Why",
                        Purpose::RejectApproval(id(a).to_string()),
                    )
                    .hint("the submitter reads this");
                    p.required = Some("say why you reject it".into());
                    ctx.open(Dialog::Prompt(p));
                }
            }
            Action::Approve | Action::Reject if !typing => {
                ctx.flash("Decide in To approve (h/l)");
            }
            // A draft quote opens in the quote editor.
            Action::Open | Action::Edit if !typing && self.chosen_draft_quote().is_some() => {
                if let Some(quote) = self.chosen_draft_quote() {
                    ctx.go(Place::QuoteEditor(quote));
                }
            }
            Action::Open if !typing && approvals_here => {
                if let Some(place) = self.chosen_approval().and_then(subject_place) {
                    ctx.go(place);
                }
            }
            other => {
                if let Some(list) = self.list_mut() {
                    list.handle(other, ctx);
                }
            }
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            // A new quote's header saved, its lines are added in the editor.
            (Purpose::Create(Entity::Quotes), Answer::Save) => {
                crate::tui::flows::save_form(ctx, Some(&|id| Place::QuoteEditor(id.into())));
            }
            (Purpose::RejectApproval(_), Answer::Text(comment)) => {
                ctx.close();
                self.decide("rejected", Some(comment.trim().to_string()), ctx);
            }
            (purpose, answer) => {
                if let Some(list) = self.list_mut() {
                    list.answer(purpose, answer, ctx);
                }
            }
        }
    }

    fn written(&mut self, request: u64, result: &Result<Record, WriteError>, ctx: &mut Ctx) {
        if !self.pending.take_write(request) {
            return;
        }
        let Some((_, subject, to)) = self.deciding.remove(&request) else {
            return;
        };
        let subject = crate::text::sanitize(&subject);
        match result {
            Ok(_) => ctx.flash(format!(
                "{} {subject}",
                if to == "approved" {
                    "Approved"
                } else {
                    "Rejected"
                }
            )),
            Err(e) => ctx.error(format!("Not decided: {e}")),
        }
        ctx.out.push(Msg::Changed);
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        if let Some(list) = self.list() {
            list.render(buf, area, view);
        }
    }

    fn mode(&self) -> Mode {
        Mode::Sales
    }

    fn entity(&self) -> Option<Entity> {
        self.section().map(|s| s.entity)
    }

    fn crumb(&self) -> String {
        match self.section() {
            Some(s) if self.sections.len() > 1 => format!("{} · {}", self.name, s.title),
            _ => self.name.to_string(),
        }
    }

    fn typing(&self) -> bool {
        self.list().is_some_and(|l| l.typing())
    }

    fn cursor(&self, area: Rect) -> Option<Position> {
        self.list().and_then(|l| l.cursor(area))
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        if let Some(list) = self.list_mut() {
            list.paste(text, ctx);
        }
    }

    fn click(&mut self, x: u16, y: u16, ctx: &mut Ctx) {
        if let Some(list) = self.list_mut() {
            list.click(x, y, ctx);
        }
    }
}
