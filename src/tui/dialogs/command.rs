//! The `:` command line: commands with aliases, Tab completion of names and arguments, and a
//! pure parser so every command is testable without a screen.

use crm_server::schema::Entity;

use crate::tui::action::{Action, CalView, Pane};
use crate::tui::data::{CustomerSort, TicketScope};
use crate::tui::input::LineInput;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    Pane(Pane),
    /// Customers pane, searching for this.
    Search(String),
    New(Entity),
    Goto(String),
    Theme(String),
    Sync,
    Conflicts,
    /// The review of unsent and refused changes.
    Outbox,
    Callbacks,
    /// The duplicate review queue.
    Duplicates(Entity),
    /// The dashboard, for a period (`:dash 2026-Q4`) or this month.
    Dashboard(Option<String>),
    /// Undo the latest write.
    Undo,
    Help,
    Sort(CustomerSort),
    Scope(TicketScope),
    View(CalView),
    /// A record by its human number or code: C000123, T-001001.
    Open(String),
    /// `:filter QUERY`: the list in view filtered (empty: the filter cleared).
    Filter(String),
    /// `:saved`: the saved queries and static lists of the list in view.
    Saved,
    /// The generic list of an entity.
    List(Entity),
    Reminders,
    /// The Sales screen.
    Sales,
    /// The approvals waiting for this user.
    Approvals,
    /// The Knowledge screen.
    Knowledge,
    /// The customers ranked by the value model's score.
    Value,
}

/// Canonical names first (completion offers them in this order), then aliases.
const COMMANDS: &[(&str, &[&str])] = &[
    ("customers", &["cust", "c", "customer"]),
    ("funnel", &["f", "opps", "opportunities", "opp"]),
    ("calendar", &["cal"]),
    ("tickets", &["ticket", "t"]),
    ("goto", &["g", "date"]),
    ("open", &[]),
    ("list", &["ls"]),
    ("reminders", &["remind", "r"]),
    ("sales", &["quotes", "contracts"]),
    ("approvals", &["approve", "inbox"]),
    ("callbacks", &["cb"]),
    ("duplicates", &["dups", "dedupe", "merge"]),
    ("dashboard", &["dash", "0"]),
    ("value", &["ranking", "pyramid"]),
    ("plans", &["plan", "workplans"]),
    ("logs", &["log", "worklogs"]),
    ("kb", &["knowledge", "articles", "surveys", "visits"]),
    ("theme", &["colors", "colours"]),
    ("sync", &[]),
    ("conflicts", &[]),
    ("outbox", &["unsent", "refused"]),
    ("undo", &[]),
    ("sort", &[]),
    ("filter", &["where"]),
    ("saved", &["lists"]),
    ("view", &[]),
    ("help", &["keys", "h"]),
    ("quit", &["q", "exit", "q!"]),
];

fn canonical(word: &str) -> Option<&'static str> {
    let w = word.to_lowercase();
    COMMANDS
        .iter()
        .find(|(name, aliases)| *name == w || aliases.contains(&w.as_str()))
        .map(|(name, _)| *name)
}

pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let (head, rest) = match line.split_once(char::is_whitespace) {
        Some((h, r)) => (h, r.trim()),
        None => (line, ""),
    };
    if head.is_empty() {
        return Err("type a command; Tab completes, :help lists keys".into());
    }
    let name = canonical(head).ok_or_else(|| format!("no command \"{head}\"; Tab completes"))?;
    let need = |what: &str| -> Result<String, String> {
        if rest.is_empty() {
            Err(format!(":{name} needs {what}"))
        } else {
            Ok(rest.to_string())
        }
    };
    Ok(match name {
        "customers" => match rest {
            "" => Command::Pane(Pane::Customers),
            "new" => Command::New(Entity::Customers),
            search => Command::Search(search.to_string()),
        },
        "funnel" => match rest {
            "" => Command::Pane(Pane::Funnel),
            "new" => Command::New(Entity::Opportunities),
            other => return Err(format!(":funnel takes nothing or new, not \"{other}\"")),
        },
        "calendar" => match rest {
            "" => Command::Pane(Pane::Calendar),
            "new" => Command::New(Entity::Activities),
            v => Command::View(
                CalView::parse(v)
                    .ok_or_else(|| format!("no calendar view \"{v}\"; month, week or agenda"))?,
            ),
        },
        "tickets" => match rest {
            "" => Command::Pane(Pane::Tickets),
            "new" => Command::New(Entity::Tickets),
            s => Command::Scope(TicketScope::parse(s).ok_or_else(|| {
                format!(":ticket takes new, mine, unassigned or all, not \"{s}\"")
            })?),
        },
        "goto" => Command::Goto(need("a date, like tomorrow, next mon, 2026-12-01 or +3d")?),
        "theme" => Command::Theme(need("a theme name")?),
        "open" => Command::Open(need("a number or code, like C000123 or T-001001")?),
        "list" => {
            let e = need("a kind of record, like contacts or opportunities")?;
            let e = e.to_lowercase();
            Command::List(
                Entity::ALL
                    .into_iter()
                    .find(|x| x.name() == e || x.noun() == e)
                    .ok_or_else(|| format!("no kind of record \"{e}\"; Tab completes"))?,
            )
        }
        "reminders" => Command::Reminders,
        "sales" => Command::Sales,
        "approvals" => Command::Approvals,
        "sync" => Command::Sync,
        "conflicts" => Command::Conflicts,
        "outbox" => Command::Outbox,
        "callbacks" => Command::Callbacks,
        // `:duplicates` the customers, `:duplicates contacts` the contacts.
        "duplicates" => match rest.trim() {
            "" | "customers" | "customer" => Command::Duplicates(Entity::Customers),
            "contacts" | "contact" => Command::Duplicates(Entity::Contacts),
            other => {
                return Err(format!(
                    "duplicates of \"{other}\"? :duplicates or :duplicates contacts"
                ));
            }
        },
        "dashboard" => Command::Dashboard(Some(rest.trim().to_string()).filter(|p| !p.is_empty())),
        "kb" => Command::Knowledge,
        "value" => Command::Value,
        "plans" => Command::List(Entity::WorkPlans),
        "logs" => Command::List(Entity::WorkLogs),
        "undo" => Command::Undo,
        "help" => Command::Help,
        "saved" => Command::Saved,
        "filter" => Command::Filter(rest.to_string()),
        "sort" => {
            let s = need("a field: name, code, level or updated")?;
            Command::Sort(
                CustomerSort::parse(&s).ok_or_else(|| {
                    format!("cannot sort by \"{s}\"; name, code, level or updated")
                })?,
            )
        }
        "view" => {
            let v = need("month, week or agenda")?;
            Command::View(
                CalView::parse(&v)
                    .ok_or_else(|| format!("no calendar view \"{v}\"; month, week or agenda"))?,
            )
        }
        _ => Command::Quit,
    })
}

/// Completions for what is typed so far: whole lines, in order.
pub fn complete(line: &str, themes: &[String]) -> Vec<String> {
    let trimmed = line.trim_start();
    match trimmed.split_once(char::is_whitespace) {
        None => {
            let w = trimmed.to_lowercase();
            let mut out: Vec<String> = COMMANDS
                .iter()
                .filter(|(name, _)| name.starts_with(&w))
                .map(|(name, _)| name.to_string())
                .collect();
            // An alias typed in full completes to itself plus a space, ready for arguments.
            if out.is_empty()
                && let Some(name) = canonical(&w)
            {
                out.push(name.to_string());
            }
            out.into_iter().map(|n| format!("{n} ")).collect()
        }
        Some((head, rest)) => {
            let rest = rest.trim_start();
            let args: Vec<String> = match canonical(head) {
                Some("customers") | Some("funnel") => vec!["new".into()],
                Some("calendar") => ["new", "month", "week", "agenda"]
                    .map(String::from)
                    .to_vec(),
                Some("tickets") => ["new", "mine", "unassigned", "all"]
                    .map(String::from)
                    .to_vec(),
                Some("theme") => themes.to_vec(),
                Some("list") => Entity::ALL.iter().map(|e| e.name().to_string()).collect(),
                Some("sort") => CustomerSort::ALL
                    .iter()
                    .map(|s| s.name().to_string())
                    .collect(),
                Some("view") => ["month", "week", "agenda"].map(String::from).to_vec(),
                Some("goto") => ["today", "tomorrow", "next mon", "+1w", "next month"]
                    .map(String::from)
                    .to_vec(),
                _ => Vec::new(),
            };
            args.into_iter()
                .filter(|a| a.starts_with(&rest.to_lowercase()))
                .map(|a| format!("{head} {a}"))
                .collect()
        }
    }
}

/// The command line's state while open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandLine {
    pub input: LineInput,
    pub completions: Vec<String>,
    /// Which completion Tab last filled in.
    pub chosen: Option<usize>,
    themes: Vec<String>,
}

/// What the command line answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome {
    Stay,
    Cancel,
    Run(String),
}

impl CommandLine {
    pub fn new(themes: Vec<String>) -> CommandLine {
        CommandLine {
            themes,
            ..CommandLine::default()
        }
    }

    pub fn handle(&mut self, action: &Action) -> LineOutcome {
        match action {
            Action::Submit => LineOutcome::Run(self.input.value()),
            Action::Cancel => LineOutcome::Cancel,
            Action::NextField | Action::Down | Action::PrevField | Action::Up => {
                let forward = matches!(action, Action::NextField | Action::Down);
                if self.chosen.is_none() {
                    self.completions = complete(&self.input.value(), &self.themes);
                }
                let n = self.completions.len();
                if n > 0 {
                    let next = match (self.chosen, forward) {
                        (None, true) => 0,
                        (None, false) => n - 1,
                        (Some(i), true) => (i + 1) % n,
                        (Some(i), false) => (i + n - 1) % n,
                    };
                    self.chosen = Some(next);
                    self.input.set(&self.completions[next]);
                }
                LineOutcome::Stay
            }
            Action::Key(key) => {
                if key.code == crossterm::event::KeyCode::Backspace && self.input.is_empty() {
                    return LineOutcome::Cancel;
                }
                if self.input.key(key) {
                    self.chosen = None;
                    self.completions = complete(&self.input.value(), &self.themes);
                }
                LineOutcome::Stay
            }
            _ => LineOutcome::Stay,
        }
    }

    pub fn paste(&mut self, text: &str) {
        self.input.insert(text);
        self.chosen = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_aliases() {
        assert_eq!(parse(":cust 张"), Ok(Command::Search("张".into())));
        assert_eq!(parse("customers"), Ok(Command::Pane(Pane::Customers)));
        assert_eq!(parse("ticket new"), Ok(Command::New(Entity::Tickets)));
        assert_eq!(parse("t mine"), Ok(Command::Scope(TicketScope::Mine)));
        assert_eq!(
            parse("goto 2026-12-01"),
            Ok(Command::Goto("2026-12-01".into()))
        );
        assert_eq!(parse("g next mon"), Ok(Command::Goto("next mon".into())));
        assert_eq!(parse("theme light"), Ok(Command::Theme("light".into())));
        assert_eq!(parse("sync"), Ok(Command::Sync));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("cal week"), Ok(Command::View(CalView::Week)));
        assert!(parse("goto").is_err());
        assert!(parse("frobnicate").unwrap_err().contains("frobnicate"));
        assert!(parse("sort shoe size").is_err());
        assert_eq!(parse("open C000123"), Ok(Command::Open("C000123".into())));
        assert_eq!(parse("ls contact"), Ok(Command::List(Entity::Contacts)));
        assert_eq!(
            parse("list Opportunities"),
            Ok(Command::List(Entity::Opportunities))
        );
        assert!(parse("list widgets").unwrap_err().contains("widgets"));
        assert!(parse("open").is_err());
    }

    #[test]
    fn completion_covers_names_and_arguments() {
        let themes = vec!["dark".to_string(), "light".to_string()];
        assert_eq!(complete("th", &themes), ["theme "]);
        assert_eq!(complete("theme l", &themes), ["theme light"]);
        assert_eq!(complete("ticket n", &themes), ["ticket new"]);
        assert_eq!(
            complete("c", &themes),
            ["customers ", "calendar ", "callbacks ", "conflicts "]
        );
        assert_eq!(complete("cust", &themes), ["customers "]);
        assert_eq!(
            complete("list op", &themes),
            [
                "list opportunities",
                "list opportunity_competitors",
                "list opportunity_lines"
            ]
        );
        assert_eq!(
            complete("list quo", &themes),
            ["list quotes", "list quote_lines"]
        );
        assert_eq!(
            complete("list compe", &themes),
            ["list competitors", "list competitor_products"]
        );
    }

    #[test]
    fn tab_cycles_completions() {
        let mut line = CommandLine::new(vec!["dark".into(), "light".into()]);
        line.input.set("theme ");
        line.handle(&Action::NextField);
        assert_eq!(line.input.value(), "theme dark");
        line.handle(&Action::NextField);
        assert_eq!(line.input.value(), "theme light");
        assert_eq!(
            line.handle(&Action::Submit),
            LineOutcome::Run("theme light".into())
        );
    }
}
