//! The screens: the four panes (customers, funnel, calendar, tickets) and the views opened from
//! them (a customer's 360°, a ticket). Each is a [`crate::tui::screen::Screen`]: it holds its own
//! state, handles the actions routed to it with a `Ctx`, answers the dialogs it opened, and draws
//! itself from that state alone.

pub mod calendar;
pub mod callbacks;
pub mod customer360;
pub mod customers;
pub mod dashboard;
pub mod decision_map;
pub mod duplicates;
pub mod funnel;
pub mod knowledge;
pub mod outbox;
pub mod quote_editor;
pub mod record;
pub mod records;
pub mod reminders;
pub mod sales;
pub mod ticket;
pub mod tickets;
pub mod visits;

use ratatui::style::Style;

use super::theme::{Role, Theme};

/// Selected rows use the selection style whatever their cells' own roles.
pub fn cell_style(theme: &Theme, role: Role, selected: bool) -> Style {
    if selected {
        theme.style(Role::Selection)
    } else {
        theme.style(role)
    }
}

/// Lifecycle and status words in the colour of what they mean.
pub fn word_role(word: &str) -> Role {
    match word {
        "active" | "won" | "resolved" | "answered" | "sale" => Role::Ok,
        "potential" | "new" | "open" => Role::Accent,
        "dormant" | "pending" | "high" => Role::Warn,
        "lost" | "closed" => Role::Muted,
        "urgent" => Role::Danger,
        _ => Role::Text,
    }
}
