//! Bulk actions over the marked rows of the customers list (`B`): reassign the owner (with the
//! old owner's open deals and planned activities, or not), change the level, add a tag, add to a
//! static list. The choice and its value are asked in two dialogs; the action is one
//! `bulk_actions` record written off the UI thread, which the server runs all or nothing
//! (`service::bulk`), so a refusal comes back through the outbox naming each refused customer.

use serde_json::json;

use crm_server::schema::{Entity, ListName};

use super::data::RecordQuery;
use super::dialogs::{Choice, Dialog, Picker, Prompt, Purpose};
use super::screen::{Answer, Ctx, obj};
use super::work::{After, Write};

/// The kinds offered, as (value, label, about): `owner_open` and `owner` are both `owner`.
const KINDS: &[(&str, &str, &str)] = &[
    (
        "owner_open",
        "Reassign owner",
        "with their open deals and planned activities",
    ),
    (
        "owner",
        "Reassign owner only",
        "deals and activities stay with whom they are",
    ),
    ("level", "Change level", ""),
    ("tag", "Add a tag", ""),
    ("list", "Add to a static list", ""),
];

/// `B` with rows marked: which action.
pub fn open(ids: Vec<String>, ctx: &mut Ctx) {
    if ids.is_empty() {
        return ctx.error("No customer here: mark customers (Space), then B acts on all of them");
    }
    let choices = KINDS
        .iter()
        .map(|(v, l, a)| Choice::new(*v, *l, *a))
        .collect();
    // Nothing marked: the customer under the cursor, as `d` does.
    let title = match ids.len() {
        1 => "The customer under the cursor".to_string(),
        n => format!("{n} marked customers"),
    };
    ctx.open(Dialog::Picker(Picker::new(
        title,
        Purpose::BulkKind(ids),
        choices,
    )));
}

/// The answers of the two dialogs; true when the action was sent (the marks have done their
/// work).
pub fn answer(purpose: &Purpose, answer: &Answer, ctx: &mut Ctx) -> bool {
    match (purpose, answer) {
        (Purpose::BulkKind(ids), Answer::Picked(kind)) => {
            ask_value(&kind.value, ids.clone(), ctx);
            false
        }
        (Purpose::BulkValue { kind, ids }, Answer::Picked(choice)) => {
            send(kind, ids, &choice.value, ctx);
            true
        }
        (Purpose::BulkValue { kind, ids }, Answer::Text(text)) => {
            if text.trim().is_empty() {
                ctx.error("Type the tag to add");
                return false;
            }
            ctx.close();
            send(kind, ids, text.trim(), ctx);
            true
        }
        _ => false,
    }
}

fn ask_value(kind: &str, ids: Vec<String>, ctx: &mut Ctx) {
    let purpose = Purpose::BulkValue {
        kind: kind.to_string(),
        ids,
    };
    let picker = |title: &str, choices: Vec<Choice>| {
        Dialog::Picker(Picker::new(title.to_string(), purpose.clone(), choices))
    };
    let dialog = match kind {
        "owner_open" | "owner" => picker("New owner", ctx.user_choices()),
        "level" => {
            let catalog = ctx.source.catalog();
            let levels = catalog
                .items(ListName::Levels)
                .map(|i| Choice::new(i.code.clone(), i.code.clone(), i.name_zh.clone()))
                .collect();
            picker("Level", levels)
        }
        "list" => {
            let lists = ctx.ok(ctx.source.records(
                Entity::StaticLists,
                &RecordQuery {
                    filters: vec![("entity".into(), json!("customers"))],
                    ..RecordQuery::default()
                },
                0,
                500,
            ));
            let choices: Vec<Choice> = lists
                .iter()
                .map(|l| {
                    let text = |f: &str| l.get(f).and_then(|v| v.as_str()).unwrap_or_default();
                    Choice::new(text("id"), text("name"), text("description"))
                })
                .collect();
            if choices.is_empty() {
                return ctx
                    .error("No static list of customers yet: make one (:list static_lists, n)");
            }
            picker("Static list", choices)
        }
        _ => Dialog::Prompt(Prompt::new("Add a tag", "tag", purpose.clone())),
    };
    ctx.open(dialog);
}

/// The bulk action as a record, written on the writer thread.
fn send(kind: &str, ids: &[String], value: &str, ctx: &mut Ctx) {
    let mut body = json!({"kind": kind, "ids": ids});
    let what = match kind {
        "owner_open" | "owner" => {
            body["kind"] = json!("owner");
            body["owner_id"] = json!(value);
            body["with_open"] = json!(kind == "owner_open");
            let name = ctx.people.name(value);
            if kind == "owner_open" {
                format!("to {name}, with their open work")
            } else {
                format!("to {name}")
            }
        }
        "level" => {
            body["level"] = json!(value);
            format!("level {value}")
        }
        "list" => {
            body["list_id"] = json!(value);
            "onto the list".to_string()
        }
        _ => {
            body["tag"] = json!(value);
            format!("tag {value}")
        }
    };
    let n = ids.len();
    ctx.write_then(
        Write::Create {
            entity: Entity::BulkActions,
            body: obj(body),
            allow_duplicate: false,
        },
        After::Say {
            done: format!("{n} customers {what}: sent; the server changes all of them or none"),
            refused: format!("the bulk action on {n} customers: "),
        },
    );
}
