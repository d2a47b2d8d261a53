//! `:saved`: the saved queries and static lists of the list in view, in a picker; Enter applies
//! one as the list's filter (`saved:"NAME"` or `list:"NAME"`, the query language's words), so
//! the filter line shows what is applied and `/` edits it like any query.

use crm_server::schema::Entity;
use serde_json::Value;

use crate::tui::data::{RecordQuery, text};
use crate::tui::dialogs::picker::{Choice, Picker};
use crate::tui::dialogs::{Dialog, Purpose};
use crate::tui::screen::Ctx;

/// How many of each a picker offers (a user has a handful; a team a few dozen).
const SHOWN: usize = 500;

/// The query text that applies a saved query or list called `name`.
pub fn query_for(word: &str, name: &str) -> String {
    format!("{word}:\"{}\"", name.replace('"', ""))
}

/// Opens the picker of `entity`'s saved queries and static lists (the user's and those shared
/// with them: the replica holds no others).
pub fn open(entity: Entity, ctx: &mut Ctx) {
    let mut choices = Vec::new();
    for (of, word) in [
        (Entity::SavedQueries, "saved"),
        (Entity::StaticLists, "list"),
    ] {
        let query = RecordQuery {
            filters: vec![("entity".into(), Value::String(entity.name().into()))],
            ..RecordQuery::default()
        };
        match ctx.source.records(of, &query, 0, SHOWN) {
            Ok(records) => choices.extend(records.iter().map(|r| {
                let name = text(r, "name");
                let detail = match of {
                    Entity::SavedQueries => text(r, "query").to_string(),
                    _ => "static list".to_string(),
                };
                Choice::new(query_for(word, name), name, detail)
            })),
            Err(e) => return ctx.error(e),
        }
    }
    if choices.is_empty() {
        return ctx.flash(format!(
            "no saved queries or lists of {} yet: crm saved_queries add / crm static_lists add",
            entity.name()
        ));
    }
    ctx.open(Dialog::Picker(Picker::new(
        "Saved queries and lists",
        Purpose::NamedFilter,
        choices,
    )));
}
