//! `:saved`: the saved queries and static lists of the list in view, in a picker; Enter applies
//! one as the list's filter (`saved:"NAME"` or `list:"NAME"`, the query language's words), so
//! the filter line shows what is applied and `/` edits it like any query.

use crate::tui::data::Capability;
use crm_server::schema::Entity;
use serde_json::{Value, json};

use crate::tui::data::{Record, RecordQuery, text};
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

/// `W`: the list's query (what `/` or `:filter` set) as a new saved query of `entity`, in a
/// form asking its name and whether the team shares it. Saved like any record (the writer
/// thread, the outbox), so `:saved` offers it at once, offline too.
pub fn save_current(entity: Entity, query: &str, ctx: &mut Ctx) {
    let query = query.trim();
    if query.is_empty() {
        return ctx.flash("nothing to save: type a query after / first, then W");
    }
    if ctx.source.may(Capability::Create, Entity::SavedQueries) == Some(false) {
        return ctx.flash("your role may not save queries");
    }
    let mut prefill = Record::new();
    prefill.insert("query".into(), json!(query));
    prefill.insert("shared".into(), json!(false));
    let mut hidden = Record::new();
    hidden.insert("entity".into(), json!(entity.name()));
    let form = ctx.form(
        &format!("Save the query of {} as", entity.name()),
        Entity::SavedQueries,
        Purpose::Create(Entity::SavedQueries),
        Some(&prefill),
        hidden,
    );
    ctx.open(Dialog::Form(form));
}
