//! The Knowledge screen (`g k`, `:kb`) and an article read. The screen is three sections of
//! generic lists (`h`/`l`): articles (`/` searches title, number and text in any language, CJK
//! included, through the replica's list search), the open return visits, and the surveys;
//! Enter opens the article's reader, the visit's questionnaire or the survey's results.
//!
//! The reader draws the article's Markdown for the terminal (`tui::markdown`), `v` steps through
//! its earlier versions (kept by the server on each edit), `e` edits it. Opened from a ticket's
//! suggestions (`K` there: articles whose text holds the subject's words, those of the ticket's
//! category first, then the most solving), `y` opens the reply to that ticket holding the
//! article's link (`rules::knowledge::link`); a ticket finished with the link counts it solved.

use crm_server::rules::knowledge;
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use serde_json::json;

use super::records::RecordList;
use crate::tui::action::Action;
use crate::tui::data::{Record, RecordQuery, flag, int, text};
use crate::tui::dialogs::{Choice, Dialog, Picker, Prompt, Purpose};
use crate::tui::draw;
use crate::tui::keymap::Mode;
use crate::tui::markdown::{self, Look};
use crate::tui::screen::{Answer, Ctx, Place, Screen};
use crate::tui::theme::{Role, Theme};
use crate::tui::view::View;

/// The Knowledge screen's sections: (title, entity, only the open ones).
const SECTIONS: [(&str, Entity, bool); 3] = [
    ("Articles", Entity::Articles, false),
    ("Return visits", Entity::ReturnVisits, true),
    ("Surveys", Entity::Surveys, false),
];

/// The most articles a ticket's suggestions read per word.
const SUGGEST_PER_WORD: usize = 20;
/// The most suggestions offered.
const SUGGESTIONS: usize = 12;

#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeView {
    sections: Vec<(&'static str, RecordList)>,
    pub current: usize,
}

impl Default for KnowledgeView {
    fn default() -> KnowledgeView {
        KnowledgeView {
            sections: SECTIONS
                .iter()
                .map(|(title, entity, open_only)| {
                    let mut list = RecordList::new(*entity);
                    if *open_only {
                        list.query.filters = vec![("status".into(), json!("open"))];
                    }
                    (*title, list)
                })
                .collect(),
            current: 0,
        }
    }
}

impl KnowledgeView {
    /// The list in view.
    pub fn list(&self) -> &RecordList {
        &self.sections[self.current].1
    }

    fn list_mut(&mut self) -> &mut RecordList {
        &mut self.sections[self.current].1
    }

    /// The tabs, the section in view bracketed, each with its count when known.
    fn label_tabs(&mut self) {
        let tabs: Vec<String> = self
            .sections
            .iter()
            .enumerate()
            .map(|(i, (title, l))| {
                let count = l
                    .list
                    .total
                    .or(l.list.window.len)
                    .map(|n| format!(" {}", crate::tui::format::count(n)))
                    .unwrap_or_default();
                if i == self.current {
                    format!("[{title}{count}]")
                } else {
                    format!("{title}{count}")
                }
            })
            .collect();
        let heading = tabs.join(" │ ");
        for (_, l) in &mut self.sections {
            l.heading = Some(heading.clone());
        }
    }
}

impl Screen for KnowledgeView {
    fn reload(&mut self, ctx: &mut Ctx) {
        for (_, list) in &mut self.sections {
            list.reload(ctx);
        }
        self.label_tabs();
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
        match action {
            Action::Left | Action::Right if !self.typing() => {
                let n = self.sections.len();
                self.current = if action == Action::Right {
                    (self.current + 1) % n
                } else {
                    (self.current + n - 1) % n
                };
                self.label_tabs();
            }
            other => self.list_mut().handle(other, ctx),
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        self.list_mut().answer(purpose, answer, ctx);
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        self.list().render(buf, area, view);
    }

    fn mode(&self) -> Mode {
        Mode::Knowledge
    }

    fn entity(&self) -> Option<Entity> {
        Some(self.list().entity)
    }

    fn crumb(&self) -> String {
        format!("Knowledge · {}", self.sections[self.current].0)
    }

    fn typing(&self) -> bool {
        self.list().typing()
    }

    fn cursor(&self, area: Rect) -> Option<Position> {
        self.list().cursor(area)
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        self.list_mut().paste(text, ctx);
    }

    fn click(&mut self, x: u16, y: u16, ctx: &mut Ctx) {
        self.list_mut().click(x, y, ctx);
    }
}

/// An article read: the current text, or one of its kept versions.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleView {
    pub id: String,
    /// The ticket it was opened from, whose reply `y` writes.
    pub ticket: Option<String>,
    pub article: Record,
    /// Its earlier versions, newest first.
    pub versions: Vec<Record>,
    /// Which version is shown: None the current text, else an index into `versions`.
    pub showing: Option<usize>,
    pub scroll: usize,
    pub gone: bool,
}

impl ArticleView {
    pub fn new(id: &str, ticket: Option<String>) -> ArticleView {
        ArticleView {
            id: id.to_string(),
            ticket,
            article: Record::new(),
            versions: Vec::new(),
            showing: None,
            scroll: 0,
            gone: false,
        }
    }

    /// The record whose title and body are shown.
    pub fn shown(&self) -> &Record {
        self.showing
            .and_then(|i| self.versions.get(i))
            .unwrap_or(&self.article)
    }

    fn facts(&self, view: &View) -> String {
        let a = &self.article;
        let mut facts = vec![
            text(a, "category").to_string(),
            if text(a, "visibility") == "public" {
                "may be sent to customers".to_string()
            } else {
                "internal".to_string()
            },
        ];
        if !flag(a, "for_agents") {
            facts.push("not for agents".into());
        }
        facts.push(format!("solved {}", int(a, "solved_count").unwrap_or(0)));
        if let Some(author) = crate::tui::data::opt_text(a, "author_id") {
            facts.push(format!("by {}", view.people.name(author)));
        }
        if let Some(day) = crate::tui::data::opt_text(a, "reviewed_on") {
            facts.push(format!("reviewed {day}"));
        }
        let tags: Vec<&str> = a
            .get("tags")
            .and_then(|t| t.as_array())
            .map(|t| t.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if !tags.is_empty() {
            facts.push(tags.join(", "));
        }
        facts.retain(|f| !f.is_empty());
        facts.join(" · ")
    }
}

/// How a piece of an article looks in this theme.
pub fn look_style(theme: &Theme, look: Look) -> Style {
    match look {
        Look::Text => theme.style(Role::Text),
        Look::Heading => theme.style(Role::Title).add_modifier(Modifier::BOLD),
        Look::Strong => theme.style(Role::Text).add_modifier(Modifier::BOLD),
        Look::Emphasis => theme.style(Role::Text).add_modifier(Modifier::ITALIC),
        Look::Code => theme.style(Role::Accent),
        Look::Link => theme.style(Role::Accent).add_modifier(Modifier::UNDERLINED),
        Look::Muted => theme.style(Role::Muted),
    }
}

impl Screen for ArticleView {
    fn reload(&mut self, ctx: &mut Ctx) {
        let Some(article) = ctx.ok(ctx.source.get(Entity::Articles, &self.id)) else {
            self.gone = true;
            ctx.error("That article is no longer here");
            return;
        };
        self.article = article;
        let query = RecordQuery {
            filters: vec![("article_id".into(), json!(self.id))],
            sort: Some("revision".into()),
            descending: true,
            ..RecordQuery::default()
        };
        self.versions = ctx.ok(ctx.source.records(Entity::ArticleVersions, &query, 0, 500));
        if self.showing.is_some_and(|i| i >= self.versions.len()) {
            self.showing = None;
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        let half = usize::from(ctx.area.height / 2);
        match action {
            Action::Back => ctx.back(),
            Action::Down => self.scroll += 1,
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::HalfDown => self.scroll += half,
            Action::HalfUp => self.scroll = self.scroll.saturating_sub(half),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = usize::MAX / 2,
            Action::Versions => {
                if self.versions.is_empty() {
                    return ctx.flash("No earlier versions: it was never edited");
                }
                self.showing = match self.showing {
                    None => Some(0),
                    Some(i) if i + 1 < self.versions.len() => Some(i + 1),
                    Some(_) => None,
                };
                self.scroll = 0;
                match self.showing.map(|i| &self.versions[i]) {
                    Some(v) => ctx.flash(format!(
                        "Version {} of {}",
                        int(v, "revision").unwrap_or(0),
                        int(&self.article, "revision").unwrap_or(0)
                    )),
                    None => ctx.flash("The current version"),
                }
            }
            Action::Edit => {
                let title = format!("Edit {}", text(&self.article, "number"));
                let form = ctx.form(
                    &title,
                    Entity::Articles,
                    Purpose::Edit(Entity::Articles, self.id.clone()),
                    Some(&self.article),
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::InsertArticle => {
                let Some(ticket) = self.ticket.clone() else {
                    return ctx.flash("Open the article from a ticket (K there) to reply with it");
                };
                let internal = text(&self.article, "visibility") == "internal";
                let text_choice = if internal {
                    Choice::new(
                        "text",
                        "its text",
                        "an internal article: as an internal note, not to the customer",
                    )
                } else {
                    Choice::new("text", "its text", "the article itself, in the reply")
                };
                let choices = vec![
                    Choice::new("link", "a link", "[KB-…] and its title"),
                    text_choice,
                ];
                ctx.open(Dialog::Picker(Picker::new(
                    "Reply with",
                    Purpose::ArticleReply(ticket),
                    choices,
                )));
            }
            Action::CopyId => ctx.copy_id(text(&self.article, "number")),
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::ArticleReply(ticket), Answer::Picked(choice)) => {
                let (value, internal) = article_reply(&self.article, &choice.value);
                let p = Prompt::new(
                    if internal { "Internal note" } else { "Reply" },
                    if internal {
                        "Only staff see this"
                    } else {
                        "The customer sees this"
                    },
                    Purpose::Comment { ticket, internal },
                )
                .required("write something first")
                .value(&value);
                ctx.open(Dialog::Prompt(p));
            }
            (purpose @ Purpose::Comment { .. }, answer) => {
                super::ticket::ticket_answer(purpose, answer, ctx)
            }
            (purpose, answer) => crate::tui::flows::answer(purpose, answer, ctx),
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let shown = self.shown();
        let mut head = format!(
            "{}  {}",
            text(&self.article, "number"),
            text(shown, "title")
        );
        if let Some(i) = self.showing {
            head.push_str(&format!(
                "  (version {} of {})",
                int(&self.versions[i], "revision").unwrap_or(0),
                int(&self.article, "revision").unwrap_or(0)
            ));
        }
        let width = area.width.saturating_sub(2);
        draw::put(
            buf,
            area.x + 1,
            area.y,
            width,
            &head,
            theme.style(Role::Title),
        );
        draw::put(
            buf,
            area.x + 1,
            area.y + 1,
            width,
            &self.facts(view),
            theme.style(Role::Muted),
        );
        let body = Rect::new(
            area.x,
            area.y + 2,
            area.width,
            area.height.saturating_sub(2),
        );
        let inner = draw::panel(buf, body, "", theme, true);
        let lines = markdown::lines(
            text(shown, "body"),
            usize::from(inner.width.saturating_sub(2)),
        );
        let height = usize::from(inner.height);
        let scroll = self.scroll.min(lines.len().saturating_sub(height));
        for (row, line) in lines.iter().skip(scroll).take(height).enumerate() {
            let y = inner.y + row as u16;
            let mut x = inner.x + 1;
            let right = inner.x + inner.width;
            for (piece, look) in line {
                if x >= right {
                    break;
                }
                x += draw::put(buf, x, y, right - x, piece, look_style(theme, *look));
            }
        }
    }

    fn mode(&self) -> Mode {
        Mode::Article
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::Articles)
    }

    fn crumb(&self) -> String {
        match text(&self.article, "number") {
            "" => text(&self.article, "title").to_string(),
            n => n.to_string(),
        }
    }

    fn gone(&self) -> bool {
        self.gone
    }
}

/// `K` on a ticket: the articles its subject suggests (each word of it found in an article's
/// title, number or text), those of the ticket's category first, then by how many words they
/// hold and how many tickets they solved; a picker whose Enter reads the one chosen.
pub fn suggest(ticket: &Record, ctx: &mut Ctx) {
    let words = knowledge::suggestion_words(text(ticket, "subject"));
    let category = text(ticket, "category");
    let mut found: Vec<(Record, usize)> = Vec::new();
    for word in &words {
        let query = RecordQuery {
            search: word.clone(),
            ..RecordQuery::default()
        };
        for a in ctx.ok(ctx
            .source
            .records(Entity::Articles, &query, 0, SUGGEST_PER_WORD))
        {
            match found
                .iter_mut()
                .find(|(f, _)| text(f, "id") == text(&a, "id"))
            {
                Some((_, hits)) => *hits += 1,
                None => found.push((a, 1)),
            }
        }
    }
    if !category.is_empty() {
        let query = RecordQuery {
            filters: vec![("category".into(), json!(category))],
            ..RecordQuery::default()
        };
        for a in ctx.ok(ctx
            .source
            .records(Entity::Articles, &query, 0, SUGGEST_PER_WORD))
        {
            if !found.iter().any(|(f, _)| text(f, "id") == text(&a, "id")) {
                found.push((a, 0));
            }
        }
    }
    if found.is_empty() {
        return ctx
            .flash("No article matches this ticket's subject or category (g k searches them all)");
    }
    let key = |(a, hits): &(Record, usize)| {
        (
            text(a, "category") != category || category.is_empty(),
            std::cmp::Reverse(*hits),
            std::cmp::Reverse(int(a, "solved_count").unwrap_or(0)),
        )
    };
    found.sort_by_key(key);
    let choices = found
        .iter()
        .take(SUGGESTIONS)
        .map(|(a, _)| {
            Choice::new(
                text(a, "id"),
                format!("{} {}", text(a, "number"), text(a, "title")),
                format!(
                    "{} · solved {}",
                    text(a, "category"),
                    int(a, "solved_count").unwrap_or(0)
                ),
            )
        })
        .collect();
    ctx.open(Dialog::Picker(Picker::new(
        format!("Articles for {}", text(ticket, "number")),
        Purpose::SuggestedArticle(text(ticket, "id").to_string()),
        choices,
    )));
}

/// The article picked among a ticket's suggestions: read it, `y` there replies with it.
pub fn read_suggested(ticket: String, choice: &Choice, ctx: &mut Ctx) {
    ctx.go(Place::Article {
        id: choice.value.clone(),
        ticket: Some(ticket),
    });
}

/// What `y` puts in the reply: the article's link, or its text as plain words (Markdown
/// read, its lines joined: the reply is one line); an internal article's text goes into an
/// internal note, never to the customer.
pub fn article_reply(article: &Record, how: &str) -> (String, bool) {
    if how == "text" {
        let plain: Vec<String> = crate::tui::markdown::lines(text(article, "body"), 10_000)
            .iter()
            .map(crate::tui::markdown::plain)
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        let internal = text(article, "visibility") == "internal";
        (plain.join(" "), internal)
    } else {
        (
            knowledge::link(text(article, "number"), text(article, "title")),
            false,
        )
    }
}
