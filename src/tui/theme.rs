//! Themes by meaning (title, muted, danger, selection…), read from TOML. A theme names a
//! `parent` and overrides only what it says, down to single attributes; a user's file in the
//! theme directory does the same over the shipped themes. The shipped themes are compiled in so
//! the binary works anywhere. NO_COLOR drops every colour and keeps meaning with bold, dim,
//! underline and reverse.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::colour::Depth;

/// What a piece of the screen means; a theme gives each a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Text,
    Title,
    Muted,
    Accent,
    Ok,
    Warn,
    Danger,
    Selection,
    Border,
    BorderFocus,
    Header,
    Tab,
    TabActive,
    StatusBar,
    Footer,
    Key,
    Input,
    Popup,
    Bar,
    Today,
    Weekend,
}

impl Role {
    pub const ALL: [Role; 21] = [
        Role::Text,
        Role::Title,
        Role::Muted,
        Role::Accent,
        Role::Ok,
        Role::Warn,
        Role::Danger,
        Role::Selection,
        Role::Border,
        Role::BorderFocus,
        Role::Header,
        Role::Tab,
        Role::TabActive,
        Role::StatusBar,
        Role::Footer,
        Role::Key,
        Role::Input,
        Role::Popup,
        Role::Bar,
        Role::Today,
        Role::Weekend,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::Title => "title",
            Role::Muted => "muted",
            Role::Accent => "accent",
            Role::Ok => "ok",
            Role::Warn => "warn",
            Role::Danger => "danger",
            Role::Selection => "selection",
            Role::Border => "border",
            Role::BorderFocus => "border_focus",
            Role::Header => "header",
            Role::Tab => "tab",
            Role::TabActive => "tab_active",
            Role::StatusBar => "status_bar",
            Role::Footer => "footer",
            Role::Key => "key",
            Role::Input => "input",
            Role::Popup => "popup",
            Role::Bar => "bar",
            Role::Today => "today",
            Role::Weekend => "weekend",
        }
    }

    fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// How the role stays distinguishable without colour.
    fn no_color_modifiers(self) -> Modifier {
        match self {
            Role::Selection | Role::TabActive | Role::StatusBar => Modifier::REVERSED,
            Role::Title | Role::Danger | Role::Key | Role::Header | Role::BorderFocus => {
                Modifier::BOLD
            }
            Role::Warn => Modifier::BOLD,
            Role::Muted | Role::Border | Role::Footer => Modifier::DIM,
            Role::Today => Modifier::BOLD | Modifier::UNDERLINED,
            Role::Input => Modifier::UNDERLINED,
            _ => Modifier::empty(),
        }
    }
}

pub const SHIPPED: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("basic16", include_str!("../../themes/basic16.toml")),
];

pub const DEFAULT_THEME: &str = "dark";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    #[error("no theme named \"{0}\"; shipped themes are dark, light, high-contrast and basic16")]
    Unknown(String),
    #[error("theme {file}: {message}")]
    Invalid { file: String, message: String },
    #[error("theme {0} names itself as an ancestor; break the parent chain")]
    Cycle(String),
}

/// One role as a file states it: only what is named is applied.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<String>,
    bg: Option<String>,
    bold: Option<bool>,
    dim: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    reversed: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[allow(dead_code)] // Named in files for people reading them; the file name is the key.
    name: Option<String>,
    parent: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, RoleSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub no_color: bool,
    styles: Vec<Style>,
}

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(role as usize).copied().unwrap_or_default()
    }

    /// The theme with its colours brought down to what the terminal shows.
    pub fn fitted(mut self, depth: Depth) -> Theme {
        for s in &mut self.styles {
            *s = depth.fit_style(*s);
        }
        self
    }

    /// The default theme; cannot fail because it is compiled in and tested.
    pub fn fallback(no_color: bool) -> Theme {
        Theme::load(DEFAULT_THEME, None, no_color).unwrap_or_else(|_| Theme {
            name: DEFAULT_THEME.into(),
            no_color,
            styles: vec![Style::default(); Role::ALL.len()],
        })
    }

    /// Loads `name`: a file `<user_dir>/<name>.toml` when there is one, else a shipped theme,
    /// else a path to a file.
    pub fn load(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, ThemeError> {
        let mut chain = Vec::new();
        collect(name, user_dir, true, &mut chain)?;
        let mut styles = vec![Style::default(); Role::ALL.len()];
        for (file, spec) in chain.iter().rev() {
            for (role_name, role_spec) in &spec.roles {
                let role = Role::from_name(role_name).ok_or_else(|| ThemeError::Invalid {
                    file: file.clone(),
                    message: format!(
                        "unknown role \"{role_name}\"; roles are {}",
                        Role::ALL.map(Role::name).join(", ")
                    ),
                })?;
                let slot = &mut styles[role as usize];
                *slot = apply(*slot, role_spec).map_err(|message| ThemeError::Invalid {
                    file: file.clone(),
                    message: format!("{role_name}: {message}"),
                })?;
            }
        }
        if no_color {
            for role in Role::ALL {
                let s = styles[role as usize];
                styles[role as usize] = Style {
                    fg: Some(Color::Reset),
                    bg: Some(Color::Reset),
                    underline_color: None,
                    add_modifier: (s.add_modifier - Modifier::REVERSED) | role.no_color_modifiers(),
                    sub_modifier: Modifier::empty(),
                };
            }
        }
        Ok(Theme {
            name: name.to_string(),
            no_color,
            styles,
        })
    }

    /// Shipped theme names, then the user's, for completion.
    pub fn names(user_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = SHIPPED.iter().map(|(n, _)| n.to_string()).collect();
        if let Some(dir) = user_dir
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            let mut user: Vec<String> = entries
                .flatten()
                .filter_map(|e| {
                    let path = e.path();
                    (path.extension()? == "toml")
                        .then(|| path.file_stem()?.to_str().map(String::from))?
                })
                .filter(|n| !names.contains(n))
                .collect();
            user.sort();
            names.extend(user);
        }
        names
    }
}

fn shipped(name: &str) -> Option<&'static str> {
    SHIPPED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

fn parse(file: &str, text: &str) -> Result<ThemeFile, ThemeError> {
    toml::from_str(text).map_err(|e| ThemeError::Invalid {
        file: file.to_string(),
        message: e.message().to_string(),
    })
}

/// The chain from `name` up to its root, leaf first.
fn collect(
    name: &str,
    user_dir: Option<&Path>,
    allow_user: bool,
    chain: &mut Vec<(String, ThemeFile)>,
) -> Result<(), ThemeError> {
    if chain.len() > 8 {
        return Err(ThemeError::Cycle(name.to_string()));
    }
    let user_file = user_dir
        .filter(|_| allow_user)
        .map(|d| d.join(format!("{name}.toml")))
        .filter(|p| p.is_file())
        .or_else(|| {
            let p = PathBuf::from(name);
            (allow_user && name.ends_with(".toml") && p.is_file()).then_some(p)
        });
    if let Some(path) = user_file {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| ThemeError::Invalid {
            file: label.clone(),
            message: e.to_string(),
        })?;
        let spec = parse(&label, &text)?;
        // A user file named like a shipped theme overrides that theme unless it says otherwise.
        let (parent, parent_is_user) = match (&spec.parent, shipped(name)) {
            (Some(p), _) if p == name => (Some(p.clone()), false),
            (Some(p), _) => (Some(p.clone()), true),
            (None, Some(_)) => (Some(name.to_string()), false),
            (None, None) => (Some(DEFAULT_THEME.to_string()), false),
        };
        chain.push((label, spec));
        if let Some(parent) = parent {
            collect(&parent, user_dir, parent_is_user, chain)?;
        }
        return Ok(());
    }
    let text = shipped(name).ok_or_else(|| ThemeError::Unknown(name.to_string()))?;
    let spec = parse(name, text)?;
    let parent = spec.parent.clone();
    chain.push((name.to_string(), spec));
    if let Some(parent) = parent {
        if parent == name {
            return Err(ThemeError::Cycle(name.to_string()));
        }
        collect(&parent, user_dir, true, chain)?;
    }
    Ok(())
}

fn apply(mut style: Style, spec: &RoleSpec) -> Result<Style, String> {
    let color = |s: &str| {
        Color::from_str(s)
            .map_err(|_| format!("\"{s}\" is not a colour; use a name like red or #rrggbb"))
    };
    if let Some(fg) = &spec.fg {
        style.fg = Some(color(fg)?);
    }
    if let Some(bg) = &spec.bg {
        style.bg = Some(color(bg)?);
    }
    for (flag, modifier) in [
        (spec.bold, Modifier::BOLD),
        (spec.dim, Modifier::DIM),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
    ] {
        match flag {
            Some(true) => style.add_modifier |= modifier,
            Some(false) => style.add_modifier -= modifier,
            None => {}
        }
    }
    Ok(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_loads_and_names_every_role() {
        for (name, text) in SHIPPED {
            let theme = Theme::load(name, None, false).unwrap();
            let file = parse(name, text).unwrap();
            for role in Role::ALL {
                assert!(
                    file.roles.contains_key(role.name()) || file.parent.is_some(),
                    "{name}.{}",
                    role.name()
                );
                assert!(
                    theme.style(role).fg.is_some(),
                    "{name}.{} has no colour",
                    role.name()
                );
            }
        }
    }

    #[test]
    fn basic16_uses_only_ansi_colours() {
        let theme = Theme::load("basic16", None, false).unwrap();
        for role in Role::ALL {
            let s = theme.style(role);
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{}: {c:?}",
                    role.name()
                );
            }
        }
    }

    #[test]
    fn basic16_muted_text_is_readable_on_black() {
        let theme = Theme::load("basic16", None, false).unwrap();
        let muted = theme.style(Role::Muted);
        assert!(
            !matches!(muted.fg, Some(Color::Black | Color::DarkGray) | None),
            "{muted:?}"
        );
        assert!(!muted.add_modifier.contains(Modifier::DIM), "{muted:?}");
    }

    #[test]
    fn a_theme_fitted_to_16_colours_has_only_ansi_ones() {
        let theme = Theme::load("dark", None, false)
            .unwrap()
            .fitted(Depth::Ansi16);
        for role in Role::ALL {
            let s = theme.style(role);
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
        let dark = Theme::load("dark", None, false).unwrap();
        assert_eq!(dark.clone().fitted(Depth::TrueColor), dark);
        let indexed = dark.fitted(Depth::Indexed256);
        assert!(
            Role::ALL
                .iter()
                .all(|r| !matches!(indexed.style(*r).fg, Some(Color::Rgb(..)))),
            "no 24-bit colour left"
        );
    }

    #[test]
    fn a_user_file_overrides_only_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "parent = \"light\"\n[roles]\ndanger = { fg = \"magenta\" }\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("dark.toml"),
            "[roles]\naccent = { fg = \"red\" }\n",
        )
        .unwrap();
        let light = Theme::load("light", None, false).unwrap();
        let mine = Theme::load("mine", Some(dir.path()), false).unwrap();
        assert_eq!(mine.style(Role::Danger).fg, Some(Color::Magenta));
        assert!(
            mine.style(Role::Danger)
                .add_modifier
                .contains(Modifier::BOLD),
            "bold kept from light"
        );
        assert_eq!(mine.style(Role::Text), light.style(Role::Text));
        // A user dark.toml overrides the shipped dark rather than replacing it.
        let dark = Theme::load("dark", Some(dir.path()), false).unwrap();
        assert_eq!(dark.style(Role::Accent).fg, Some(Color::Red));
        assert_eq!(
            dark.style(Role::Text),
            Theme::load("dark", None, false).unwrap().style(Role::Text)
        );
        assert!(Theme::names(Some(dir.path())).contains(&"mine".to_string()));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.toml"),
            "[roles]\nshiny = { fg = \"red\" }\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("ugly.toml"),
            "[roles]\ntext = { fg = \"octarine\" }\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("loop.toml"), "parent = \"loop2\"\n").unwrap();
        std::fs::write(dir.path().join("loop2.toml"), "parent = \"loop\"\n").unwrap();
        assert!(matches!(
            Theme::load("bad", Some(dir.path()), false),
            Err(ThemeError::Invalid { .. })
        ));
        assert!(matches!(
            Theme::load("ugly", Some(dir.path()), false),
            Err(ThemeError::Invalid { .. })
        ));
        assert!(matches!(
            Theme::load("loop", Some(dir.path()), false),
            Err(ThemeError::Cycle(_))
        ));
        assert_eq!(
            Theme::load("nope", None, false),
            Err(ThemeError::Unknown("nope".into()))
        );
    }

    #[test]
    fn no_color_keeps_meaning_without_colour() {
        let theme = Theme::load("dark", None, true).unwrap();
        for role in Role::ALL {
            let s = theme.style(role);
            assert_eq!(
                (s.fg, s.bg),
                (Some(Color::Reset), Some(Color::Reset)),
                "{}",
                role.name()
            );
        }
        assert!(
            theme
                .style(Role::Selection)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
        assert!(
            theme
                .style(Role::Danger)
                .add_modifier
                .contains(Modifier::BOLD)
        );
    }
}
