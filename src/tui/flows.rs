//! The flows several screens share: saving a record form, deleting after the confirmation,
//! logging a call, and the pick-lists of a form's reference fields. A screen calls them from its
//! own `answer`; they work through the screen's [`Ctx`].

use chrono::{DateTime, NaiveTime, Utc};
use crm_server::rules::call_outcomes::{self, Lang};
use crm_server::schema::{Entity, Kind};
use crm_server::validate::{self, Mode as ValidateMode, format_time};
use serde_json::json;

use super::data::{Record, WriteError, text};
use super::dates;
use super::dialogs::{Choice, Dialog, Picker, Purpose};
use super::screen::{Answer, Ctx, Msg, obj};
use crate::zone::Zone;

/// What every screen does with the answers it has no rule of its own for: a record form saves,
/// a delete confirmed deletes. Returns the record a form created or saved.
pub fn answer(purpose: Purpose, answer: Answer, ctx: &mut Ctx) -> Option<Record> {
    match (purpose, answer) {
        (Purpose::Create(_) | Purpose::Edit(..), Answer::Save) => save_form(ctx),
        (Purpose::Delete { entity, id }, Answer::Yes) => {
            delete(entity, &id, ctx);
            None
        }
        (Purpose::DeleteMany { entity, ids }, Answer::Yes) => {
            delete_many(entity, &ids, ctx);
            None
        }
        _ => None,
    }
}

/// The form on top as a create or an update. Refusals stay on the form, by field; on success the
/// form closes and everyone reloads.
pub fn save_form(ctx: &mut Ctx) -> Option<Record> {
    let (role, now) = (ctx.me.role, ctx.now);
    let catalog = ctx.source.catalog();
    let Some(Dialog::Form(form)) = ctx.dialogs.last_mut() else {
        return None;
    };
    let body = form.collect(now, role, &catalog)?;
    let (result, entity, created) = match form.purpose.clone() {
        Purpose::Create(entity) => {
            let allow = form.allow_duplicate;
            let mut result = ctx.source.create(entity, body);
            if allow
                && let Ok(record) = &result
                && let Err(e) = ctx.source.allow_duplicate(entity, text(record, "id"))
            {
                result = Err(e);
            }
            (result, entity, true)
        }
        Purpose::Edit(entity, id) => {
            if body.is_empty() {
                ctx.close();
                ctx.flash("Nothing changed");
                return None;
            }
            (ctx.source.update(entity, &id, body), entity, false)
        }
        _ => return None,
    };
    match result {
        Ok(record) => {
            ctx.close();
            let verb = if created { "Created" } else { "Saved" };
            let name = ["name", "subject", "number"]
                .iter()
                .map(|f| text(&record, f))
                .find(|s| !s.is_empty())
                .unwrap_or("");
            ctx.flash(format!(
                "{verb} {} {}",
                entity.noun(),
                crate::text::sanitize(name)
            ));
            ctx.out.push(Msg::Changed);
            Some(record)
        }
        Err(WriteError::Invalid(fields)) => {
            if let Some(Dialog::Form(form)) = ctx.dialogs.last_mut() {
                form.set_errors(&fields);
            }
            None
        }
        Err(e) => {
            if let Some(Dialog::Form(form)) = ctx.dialogs.last_mut() {
                form.error = Some(e.to_string());
            }
            None
        }
    }
}

pub fn delete(entity: Entity, id: &str, ctx: &mut Ctx) {
    match ctx.source.delete(entity, id) {
        Ok(()) => {
            ctx.flash(format!("Deleted the {}", entity.noun()));
            ctx.out.push(Msg::Changed);
        }
        Err(e) => ctx.error(e),
    }
}

/// Deletes the marked rows; a refusal stops there and says how far it got.
pub fn delete_many(entity: Entity, ids: &[String], ctx: &mut Ctx) {
    for (done, id) in ids.iter().enumerate() {
        if let Err(e) = ctx.source.delete(entity, id) {
            ctx.error(format!("deleted {done} of {}: {e}", ids.len()));
            ctx.out.push(Msg::Changed);
            return;
        }
    }
    ctx.flash(format!("Deleted {} {}", ids.len(), entity.name()));
    ctx.out.push(Msg::Changed);
}

/// The log-call dialog on top chose an outcome: the call is written as a done activity now,
/// by the caller picked, lasting from the pop to now; a callback asked for is planned as an
/// outbound call due when the caller said.
pub fn log_call(outcome: &str, direction: &str, note: String, ctx: &mut Ctx) {
    let Some(Dialog::LogCall(d)) = ctx.dialogs.last() else {
        return;
    };
    let lang = d.lang;
    let label = call_outcomes::label(outcome, lang);
    let callback = if outcome == call_outcomes::CALLBACK {
        match callback_time(&d.callback.value(), ctx.now, ctx.zone) {
            Ok(at) => Some(at),
            Err(e) => return ctx.error(e),
        }
    } else {
        None
    };
    let subject = match (lang, direction) {
        (Lang::Zh, "inbound") => format!("来电：{label}"),
        (Lang::Zh, _) => format!("去电：{label}"),
        (Lang::En, "inbound") => format!("Inbound call: {label}"),
        (Lang::En, _) => format!("Outbound call: {label}"),
    };
    let mut body = obj(json!({
        "kind": "call",
        "subject": subject,
        "customer_id": d.customer_id,
        "outcome": outcome,
        "direction": direction,
        "starts_at": format_time(d.started.unwrap_or(ctx.now)),
        "done": true,
    }));
    if let Some(started) = d.started {
        // From the pop to the wrap-up, within what the field holds.
        let seconds = (ctx.now - started).num_seconds().clamp(0, 86_400);
        body.insert("duration_seconds".into(), json!(seconds));
        body.insert("ends_at".into(), json!(format_time(ctx.now.max(started))));
    }
    if let Some(k) = d.caller_id() {
        body.insert("contact_id".into(), json!(k));
    }
    if !note.is_empty() {
        body.insert("notes".into(), json!(note));
    }
    let plan = callback.map(|due| {
        let mut task = obj(json!({
            "kind": "call",
            "subject": match lang {
                Lang::Zh => format!("回电：{}", crate::text::sanitize(&d.customer_name)),
                Lang::En => format!("Call back {}", crate::text::sanitize(&d.customer_name)),
            },
            "customer_id": d.customer_id,
            "direction": "outbound",
            "due_at": format_time(due),
            "done": false,
        }));
        if let Some(k) = d.caller_id() {
            task.insert("contact_id".into(), json!(k));
        }
        task
    });
    for b in std::iter::once(&body).chain(plan.as_ref()) {
        if let Err(problems) = check(Entity::Activities, b, ctx) {
            return ctx.error(problems);
        }
    }
    let r = ctx.source.create(Entity::Activities, body);
    if ctx.write(r, &format!("Call logged: {label}")).is_none() {
        return;
    }
    if let Some(task) = plan {
        let r = ctx.source.create(Entity::Activities, task);
        let due = callback.map(format_time).unwrap_or_default();
        // The call is logged either way (saving again would log it twice): a refused plan
        // is said in the status bar.
        ctx.write(
            r,
            &format!("Call logged: {label}; call back planned for {due}"),
        );
    }
    ctx.close();
}

/// When to call back, as typed in the call dialog ("tomorrow 14:00", "+2h"); a date alone
/// means 09:00. The one place a callback time is read, so the user's time zone applies here.
pub fn callback_time(typed: &str, now: DateTime<Utc>, zone: Zone) -> Result<DateTime<Utc>, String> {
    let when = dates::parse(typed, zone.naive(now)).map_err(|e| format!("call back when? {e}"))?;
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let at = zone
        .to_utc(when.at(nine))
        .map_err(|e| format!("call back when? {e}"))?;
    if at <= now {
        return Err("call back when? that time has passed; type a later one".into());
    }
    Ok(at)
}

/// The server's validation of a new record, run before it goes to the outbox so a bad value is
/// shown where it was typed.
pub fn check(entity: Entity, body: &Record, ctx: &Ctx) -> Result<(), String> {
    validate::check(entity, body, ValidateMode::Create, ctx.me.role)
        .map(|_| ())
        .map_err(|p| {
            p.invalid
                .into_iter()
                .chain(p.forbidden)
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
}

/// A pick-list's choice for field `n` of the form under it.
pub fn field_picked(field: usize, choice: &Choice, ctx: &mut Ctx) {
    if let Some(Dialog::Form(form)) = ctx.dialogs.last_mut() {
        form.set_choice(field, &choice.value, &choice.label);
    }
}

/// Opens the pick-list of the form's reference or enum field, starting with `filter`.
pub fn open_field_picker(field: usize, filter: &str, ctx: &mut Ctx) {
    let Some(Dialog::Form(form)) = ctx.dialogs.last() else {
        return;
    };
    let Some(f) = form.fields.get(field) else {
        return;
    };
    let title = format!("Choose {}", f.label.to_lowercase());
    let purpose = Purpose::Field(field);
    let customer = form.ref_value("customer_id");
    let current = f.ref_id.clone().unwrap_or_else(|| f.input.value());
    let choices: Result<Vec<Choice>, String> = match f.kind {
        Kind::Enum(options) => Ok(options.iter().map(|o| Choice::word(o)).collect()),
        Kind::List(list) => {
            let catalog = ctx.source.catalog();
            let lang = ctx.me.lang;
            Ok(catalog
                .items(list)
                .filter(|i| i.active)
                .map(|i| Choice::new(&i.code, &i.code, i.name(lang)))
                .collect())
        }
        _ if f.picks() && f.custom.is_some() => Ok(f
            .custom
            .iter()
            .flat_map(|c| c.choices.iter())
            .map(|c| Choice::word(c))
            .collect()),
        Kind::Bool => Ok(vec![Choice::word("yes"), Choice::word("no")]),
        Kind::Ref(Entity::Users) => Ok(ctx.user_choices()),
        Kind::Ref(Entity::Stages) => ctx
            .source
            .stages()
            .map(|s| {
                s.iter()
                    .map(|s| {
                        Choice::new(
                            text(s, "id"),
                            text(s, "name"),
                            format!("{}%", s.get("probability").cloned().unwrap_or(json!(0))),
                        )
                    })
                    .collect()
            })
            .map_err(|e| e.to_string()),
        Kind::Ref(Entity::Customers) => {
            let picker = Picker::dynamic(title, purpose).with_filter(filter);
            ctx.open(Dialog::Picker(picker));
            query_picker(filter, ctx);
            return;
        }
        Kind::Ref(Entity::Contacts) => match customer {
            Some(c) => ctx
                .source
                .contacts_of(&c)
                .map(|ks| {
                    ks.iter()
                        .map(|k| Choice::new(text(k, "id"), text(k, "name"), text(k, "title")))
                        .collect()
                })
                .map_err(|e| e.to_string()),
            None => Err("choose the customer first".into()),
        },
        Kind::Ref(Entity::Opportunities) => match customer {
            Some(c) => ctx
                .source
                .opportunities_of(&c)
                .map(|os| {
                    os.iter()
                        .map(|o| Choice::new(text(o, "id"), text(o, "name"), ""))
                        .collect()
                })
                .map_err(|e| e.to_string()),
            None => Err("choose the customer first".into()),
        },
        _ => Err("this field has no list; type its value".into()),
    };
    match choices {
        Ok(choices) => {
            let mut picker = Picker::new(title, purpose, choices).with_filter(filter);
            if filter.is_empty() {
                picker.select_value(&current);
            }
            ctx.open(Dialog::Picker(picker));
        }
        Err(e) => ctx.error(e),
    }
}

/// The customers matching what is typed in a customer pick-list.
pub fn query_picker(filter: &str, ctx: &mut Ctx) {
    let query = super::data::CustomerQuery {
        search: filter.to_string(),
        ..Default::default()
    };
    let found = if filter.trim().is_empty() {
        Ok(Vec::new())
    } else {
        ctx.source.customers(&query, 0, 30)
    };
    match found {
        Ok(rows) => {
            if let Some(Dialog::Picker(p)) = ctx.dialogs.last_mut() {
                p.set_choices(
                    rows.iter()
                        .map(|c| {
                            Choice::new(
                                text(c, "id"),
                                text(c, "name"),
                                format!("{} {}", text(c, "code"), text(c, "phone")),
                            )
                        })
                        .collect(),
                );
            }
        }
        Err(e) => ctx.error(e),
    }
}
