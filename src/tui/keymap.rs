//! Keymaps as data: per mode, a list of `{ on = [keys], run = "action", desc = "…" }` (as yazi
//! writes them). The defaults are compiled in from keymap.toml; a user's config overrides single
//! bindings by mode → key → action. `?` and the footer are generated from these lists, so what
//! they show is what the keys do.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

const DEFAULT: &str = include_str!("keymap.toml");

/// Where a key is pressed: the panes and their sub-views, and two kinds of dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Global,
    Customers,
    Customer,
    Funnel,
    Calendar,
    Tickets,
    Ticket,
    /// The generic list of any entity (`:list ENTITY`).
    Records,
    /// The generic view of any record (`:open NUMBER`, Enter in a generic list).
    Record,
    /// The review of unsent and refused changes (`:outbox`).
    Outbox,
    /// The reminders list (`R`, `:reminders`).
    Reminders,
    /// The Sales screen and the approvals inbox (`g s`, `g a`, `:sales`, `:approvals`).
    Sales,
    /// The callbacks queue (`g c`, `:callbacks`).
    Callbacks,
    /// The duplicate review queue (`:duplicates`, `D` on the customers list).
    Duplicates,
    /// The quote editor (Enter on a draft quote).
    QuoteEditor,
    /// The dashboard (`0`, `:dash`).
    Dashboard,
    /// The Knowledge screen (`g k`, `:kb`): articles, return visits, surveys.
    Knowledge,
    /// An article read, a survey's results: scrolled text.
    Article,
    /// A return visit: the questionnaire while calling.
    Visit,
    /// A customer's decision map (`M` in the 360°).
    DecisionMap,
    /// Forms, pick-lists, prompts, the search and command lines: letters type.
    Dialog,
    /// Help, confirmations, the conflict chooser: letters act.
    Chooser,
}

impl Mode {
    pub const ALL: [Mode; 22] = [
        Mode::Global,
        Mode::Customers,
        Mode::Customer,
        Mode::Funnel,
        Mode::Calendar,
        Mode::Tickets,
        Mode::Ticket,
        Mode::Records,
        Mode::Record,
        Mode::Outbox,
        Mode::Reminders,
        Mode::Sales,
        Mode::Callbacks,
        Mode::Duplicates,
        Mode::QuoteEditor,
        Mode::Dashboard,
        Mode::Knowledge,
        Mode::Article,
        Mode::Visit,
        Mode::DecisionMap,
        Mode::Dialog,
        Mode::Chooser,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Customers => "customers",
            Mode::Customer => "customer",
            Mode::Funnel => "funnel",
            Mode::Calendar => "calendar",
            Mode::Tickets => "tickets",
            Mode::Ticket => "ticket",
            Mode::Records => "records",
            Mode::Record => "record",
            Mode::Outbox => "outbox",
            Mode::Reminders => "reminders",
            Mode::Sales => "sales",
            Mode::Callbacks => "callbacks",
            Mode::Duplicates => "duplicates",
            Mode::QuoteEditor => "quote_editor",
            Mode::Dashboard => "dashboard",
            Mode::Knowledge => "knowledge",
            Mode::Article => "article",
            Mode::Visit => "visit",
            Mode::DecisionMap => "decision_map",
            Mode::Dialog => "dialog",
            Mode::Chooser => "chooser",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == s)
    }

    /// What the help screen calls it.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::Customers => "Customer list",
            Mode::Customer => "Customer 360° view",
            Mode::Funnel => "Funnel",
            Mode::Calendar => "Calendar",
            Mode::Tickets => "Ticket queue",
            Mode::Ticket => "Ticket",
            Mode::Records => "Any list",
            Mode::Record => "Any record",
            Mode::Outbox => "Unsent changes",
            Mode::Reminders => "Reminders",
            Mode::Sales => "Sales and approvals",
            Mode::Callbacks => "Callbacks",
            Mode::Duplicates => "Duplicate customers",
            Mode::QuoteEditor => "Quote editor",
            Mode::Dashboard => "Dashboard",
            Mode::Knowledge => "Knowledge: articles, return visits, surveys",
            Mode::Article => "Article, survey results",
            Mode::Visit => "Return visit",
            Mode::DecisionMap => "Decision map",
            Mode::Dialog => "Forms, pick-lists, search and command line",
            Mode::Chooser => "Help, confirmations, conflicts",
        }
    }
}

/// A key as bindings name it: modifiers other than Ctrl and Alt are folded into the character
/// (Shift-g is "G"), so terminals that report Shift differently still match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                mods -= KeyModifiers::SHIFT;
                // Ctrl-D and Ctrl-d are the same key to a terminal.
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods -= KeyModifiers::SHIFT;
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn from_event(event: &KeyEvent) -> Key {
        Key::new(event.code, event.modifiers)
    }

    pub fn char(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// "j", "G", "<C-d>", "<Enter>", "<S-Tab>", "<Space>".
    pub fn parse(s: &str) -> Option<Key> {
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Some(Key::char(c));
        }
        let inner = s.strip_prefix('<')?.strip_suffix('>')?;
        let mut mods = KeyModifiers::NONE;
        let mut name = inner;
        loop {
            if let Some(rest) = name.strip_prefix("C-") {
                mods |= KeyModifiers::CONTROL;
                name = rest;
            } else if let Some(rest) = name.strip_prefix("A-") {
                mods |= KeyModifiers::ALT;
                name = rest;
            } else if let Some(rest) = name.strip_prefix("S-") {
                mods |= KeyModifiers::SHIFT;
                name = rest;
            } else {
                break;
            }
        }
        let code = match name {
            "Enter" | "CR" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Space" => KeyCode::Char(' '),
            "Backspace" => KeyCode::Backspace,
            "Delete" | "Del" => KeyCode::Delete,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "lt" => KeyCode::Char('<'),
            "gt" => KeyCode::Char('>'),
            f if f.starts_with('F') => {
                KeyCode::F(f[1..].parse().ok().filter(|n| (1..=12).contains(n))?)
            }
            other => {
                let mut cs = other.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return None,
                }
            }
        };
        Some(Key::new(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            write!(f, "C-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            write!(f, "A-")?;
        }
        write!(f, "{name}")
    }
}

/// Keys of a sequence as help shows them: "g g", "C-d".
pub fn describe(keys: &[Key]) -> String {
    keys.iter()
        .map(Key::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub on: Vec<Key>,
    pub action: Action,
    pub run: String,
    pub desc: String,
    /// Short label for the footer; bindings without one are only in `?`.
    pub hint: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingSpec {
    on: Vec<String>,
    run: String,
    desc: String,
    hint: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModeSpec {
    keymap: Vec<BindingSpec>,
}

/// What a sequence of keys means so far.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Action(Action),
    /// The start of a longer binding ("g" of "g g").
    Pending,
    Unbound,
}

/// User overrides as the config holds them: mode → key sequence ("g g", "<C-d>") → action.
pub type Overrides = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("keymap: {0}")]
    Parse(String),
    #[error(
        "keymap: unknown mode \"{0}\"; modes are global, customers, customer, funnel, calendar, tickets, ticket, dialog, chooser"
    )]
    Mode(String),
    #[error(
        "keymap [{mode}]: cannot read key \"{key}\"; write j, G, <C-d>, <Enter>, or several separated by spaces"
    )]
    Key { mode: String, key: String },
    #[error("keymap [{mode}] {key}: unknown action \"{run}\"")]
    Action {
        mode: String,
        key: String,
        run: String,
    },
}

fn parse_sequence(s: &str) -> Option<Vec<Key>> {
    let keys: Option<Vec<Key>> = s.split_whitespace().map(Key::parse).collect();
    keys.filter(|k| !k.is_empty())
}

impl Keymap {
    /// The shipped keymap. It is compiled in and covered by tests, so it always parses.
    pub fn default_map() -> Keymap {
        Keymap::from_toml(DEFAULT).unwrap_or(Keymap {
            modes: BTreeMap::new(),
        })
    }

    pub fn from_toml(text: &str) -> Result<Keymap, KeymapError> {
        let specs: BTreeMap<String, ModeSpec> =
            toml::from_str(text).map_err(|e| KeymapError::Parse(e.to_string()))?;
        let mut modes = BTreeMap::new();
        for (mode_name, spec) in specs {
            let mode =
                Mode::parse(&mode_name).ok_or_else(|| KeymapError::Mode(mode_name.clone()))?;
            let mut bindings = Vec::new();
            for b in spec.keymap {
                let on: Option<Vec<Key>> = b.on.iter().map(|k| Key::parse(k)).collect();
                let on = on
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| KeymapError::Key {
                        mode: mode_name.clone(),
                        key: b.on.join(" "),
                    })?;
                let action = Action::parse(&b.run).ok_or_else(|| KeymapError::Action {
                    mode: mode_name.clone(),
                    key: b.on.join(" "),
                    run: b.run.clone(),
                })?;
                bindings.push(Binding {
                    on,
                    action,
                    run: b.run,
                    desc: b.desc,
                    hint: b.hint,
                });
            }
            modes.insert(mode, bindings);
        }
        Ok(Keymap { modes })
    }

    /// Applies a user's overrides. A bad entry is skipped and reported, so one typo does not
    /// cost the user the whole keymap.
    pub fn with_overrides(mut self, overrides: &Overrides) -> (Keymap, Vec<KeymapError>) {
        let mut errors = Vec::new();
        for (mode_name, keys) in overrides {
            let Some(mode) = Mode::parse(mode_name) else {
                errors.push(KeymapError::Mode(mode_name.clone()));
                continue;
            };
            for (key, run) in keys {
                let Some(on) = parse_sequence(key) else {
                    errors.push(KeymapError::Key {
                        mode: mode_name.clone(),
                        key: key.clone(),
                    });
                    continue;
                };
                let run = run.trim();
                let action = if run.is_empty() {
                    Some(Action::Noop)
                } else {
                    Action::parse(run)
                };
                let Some(action) = action else {
                    errors.push(KeymapError::Action {
                        mode: mode_name.clone(),
                        key: key.clone(),
                        run: run.to_string(),
                    });
                    continue;
                };
                let desc = self
                    .find_desc(mode, &action)
                    .unwrap_or_else(|| run.replace('_', " "));
                let hint = self.find_hint(mode, &action);
                let list = self.modes.entry(mode).or_default();
                list.retain(|b| b.on != on);
                if action != Action::Noop {
                    // Prepended, so the user's binding is the one help and the footer show first.
                    list.insert(
                        0,
                        Binding {
                            on,
                            action,
                            run: run.to_string(),
                            desc,
                            hint,
                        },
                    );
                }
            }
        }
        (self, errors)
    }

    fn find_desc(&self, mode: Mode, action: &Action) -> Option<String> {
        [mode, Mode::Global]
            .iter()
            .filter_map(|m| self.modes.get(m))
            .flatten()
            .find(|b| &b.action == action)
            .map(|b| b.desc.clone())
    }

    fn find_hint(&self, mode: Mode, action: &Action) -> Option<String> {
        self.modes
            .get(&mode)
            .into_iter()
            .flatten()
            .find(|b| &b.action == action)
            .and_then(|b| b.hint.clone())
    }

    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Resolves `keys` (pressed so far) in the given modes, first mode first.
    pub fn resolve(&self, modes: &[Mode], keys: &[Key]) -> Resolved {
        for mode in modes {
            if let Some(b) = self.bindings(*mode).iter().find(|b| b.on == keys) {
                return Resolved::Action(b.action.clone());
            }
        }
        let pending = modes
            .iter()
            .flat_map(|m| self.bindings(*m))
            .any(|b| b.on.len() > keys.len() && b.on.starts_with(keys));
        if pending {
            Resolved::Pending
        } else {
            Resolved::Unbound
        }
    }

    /// Footer hints of these modes: (keys, hint, action), first binding per action only.
    pub fn hints(&self, modes: &[Mode]) -> Vec<(String, String, Action)> {
        let mut seen: Vec<&Action> = Vec::new();
        let mut out = Vec::new();
        for mode in modes {
            for b in self.bindings(*mode) {
                if let Some(hint) = &b.hint
                    && !seen.contains(&&b.action)
                {
                    seen.push(&b.action);
                    out.push((describe(&b.on), hint.clone(), b.action.clone()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_keymap_parses_and_every_binding_is_described() {
        let map = Keymap::from_toml(DEFAULT).unwrap();
        for mode in Mode::ALL {
            assert!(!map.bindings(mode).is_empty(), "{}", mode.name());
            for b in map.bindings(mode) {
                assert!(!b.desc.trim().is_empty(), "{} {:?}", mode.name(), b.on);
            }
        }
    }

    #[test]
    fn keys_parse_and_fold_shift() {
        assert_eq!(
            Key::parse("G"),
            Some(Key::new(KeyCode::Char('G'), KeyModifiers::SHIFT))
        );
        assert_eq!(
            Key::parse("<C-d>"),
            Some(Key::new(KeyCode::Char('D'), KeyModifiers::CONTROL))
        );
        assert_eq!(
            Key::parse("<S-Tab>"),
            Some(Key::new(KeyCode::BackTab, KeyModifiers::SHIFT))
        );
        assert_eq!(Key::parse("<Space>"), Some(Key::char(' ')));
        assert_eq!(Key::parse("<"), Some(Key::char('<')));
        assert_eq!(
            Key::parse("<F5>"),
            Some(Key::new(KeyCode::F(5), KeyModifiers::NONE))
        );
        assert_eq!(Key::parse("<Nope>"), None);
        assert_eq!(Key::parse("<C-d>").unwrap().to_string(), "C-d");
    }

    #[test]
    fn sequences_wait_for_their_second_key() {
        let map = Keymap::default_map();
        let modes = [Mode::Customers, Mode::Global];
        let g = Key::char('g');
        assert_eq!(map.resolve(&modes, &[g]), Resolved::Pending);
        assert_eq!(map.resolve(&modes, &[g, g]), Resolved::Action(Action::Top));
        assert_eq!(
            map.resolve(&modes, &[Key::char('j')]),
            Resolved::Action(Action::Down)
        );
        assert_eq!(map.resolve(&modes, &[Key::char('Z')]), Resolved::Unbound);
        // The pane's binding wins over the global one.
        assert_eq!(
            map.resolve(&[Mode::Chooser, Mode::Global], &[Key::char('q')]),
            Resolved::Action(Action::Cancel)
        );
    }

    #[test]
    fn overrides_replace_add_and_unbind() {
        let mut o = Overrides::new();
        o.insert(
            "customers".into(),
            BTreeMap::from([
                ("x".to_string(), "log_call".to_string()),
                ("c".to_string(), "".to_string()),
                ("<C-j>".to_string(), "down".to_string()),
            ]),
        );
        o.insert("nowhere".into(), BTreeMap::new());
        o.insert(
            "funnel".into(),
            BTreeMap::from([("z".to_string(), "fly".to_string())]),
        );
        let (map, errors) = Keymap::default_map().with_overrides(&o);
        let modes = [Mode::Customers, Mode::Global];
        assert_eq!(
            map.resolve(&modes, &[Key::char('x')]),
            Resolved::Action(Action::LogCall)
        );
        assert_eq!(map.resolve(&modes, &[Key::char('c')]), Resolved::Unbound);
        let desc = &map.bindings(Mode::Customers)[0].desc;
        assert!(!desc.is_empty());
        assert_eq!(errors.len(), 2, "{errors:?}");
    }
}
