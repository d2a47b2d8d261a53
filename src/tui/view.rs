//! What drawing needs besides a screen's own state: the theme, the clock, the users and who is
//! signed in. Dialogs and screens draw from it; it depends on nothing of theirs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use crm_server::access::Role;
use serde_json::Value;

use super::data::{Record, text};
use super::theme::Theme;
use crate::zone::Zone;

/// The users of the system, for names and pick-lists.
#[derive(Debug, Clone, Default)]
pub struct People {
    users: Vec<Record>,
}

impl People {
    pub fn new(users: Vec<Record>) -> People {
        People { users }
    }

    pub fn all(&self) -> &[Record] {
        &self.users
    }

    pub fn get(&self, id: &str) -> Option<&Record> {
        self.users.iter().find(|u| text(u, "id") == id)
    }

    /// A user's display name, else their username; "—" for nobody.
    pub fn name(&self, id: &str) -> String {
        if id.is_empty() {
            return "—".into();
        }
        match self.get(id) {
            Some(u) => {
                let n = text(u, "display_name");
                if n.is_empty() {
                    text(u, "username").to_string()
                } else {
                    n.to_string()
                }
            }
            None => "?".into(),
        }
    }

    /// Active users as (id, name, "username · role"), for pick-lists.
    pub fn active(&self) -> impl Iterator<Item = (&str, String, String)> {
        self.users
            .iter()
            .filter(|u| u.get("active") != Some(&Value::Bool(false)))
            .map(|u| {
                (
                    text(u, "id"),
                    self.name(text(u, "id")),
                    format!("{} · {}", text(u, "username"), text(u, "role")),
                )
            })
    }
}

/// The signed-in user.
#[derive(Debug, Clone)]
pub struct Me {
    pub id: Option<String>,
    pub username: String,
    pub role: Role,
    /// The language labels are shown in (call outcomes).
    pub lang: crm_server::rules::call_outcomes::Lang,
}

impl View<'_> {
    /// The user's local day now.
    pub fn today(&self) -> chrono::NaiveDate {
        self.zone.date(self.now)
    }
}

/// What drawing needs besides the screens' own state.
pub struct View<'a> {
    pub theme: &'a Theme,
    pub now: DateTime<Utc>,
    /// The user's zone: times drawn through it.
    pub zone: Zone,
    pub people: &'a People,
    pub me: &'a Me,
    /// Why the server refused a write, by record id: lists mark those rows, views say why.
    pub refused: &'a HashMap<String, String>,
}
