//! The flows several screens share: saving a record form, deleting after the confirmation,
//! logging a call, and the pick-lists of a form's reference fields. A screen calls them from its
//! own `answer`; they work through the screen's [`Ctx`].

use chrono::{DateTime, NaiveTime, Utc};
use crm_server::rules::call_outcomes::{self, FollowUp, Lang, WrapUp};
use crm_server::schema::{Entity, Kind};
use crm_server::validate::{self, Mode as ValidateMode, format_time};
use serde_json::json;

use super::data::{Record, text};
use super::dates;
use super::dialogs::{Choice, Dialog, Picker, Purpose};
use super::screen::{Answer, Ctx, Place, obj};
use super::work::{After, Write};
use crate::zone::Zone;

/// What every screen does with the answers it has no rule of its own for: a record form saves,
/// a delete confirmed deletes. Both are handed to the writer thread (`Ctx::write_then`).
pub fn answer(purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
    match (purpose, answer) {
        (Purpose::Create(_) | Purpose::Edit(..), Answer::Save) => save_form(ctx, None),
        (Purpose::Delete { entity, id }, Answer::Yes) => delete(entity, &id, ctx),
        (Purpose::DeleteMany { entity, ids }, Answer::Yes) => delete_many(entity, &ids, ctx),
        _ => {}
    }
}

/// The form on top as a create or an update, handed to the writer thread: the form stays open,
/// marked saving, until the answer (`After::Form`) closes it, or brings a refusal back to its
/// fields. A new record's id is made here, so `open` (given its id) can name it at once.
pub fn save_form(ctx: &mut Ctx, open: Option<&dyn Fn(&str) -> Place>) {
    let (role, now) = (ctx.me.role, ctx.now);
    let catalog = ctx.source.catalog();
    let Some(Dialog::Form(form)) = ctx.dialogs.last_mut() else {
        return;
    };
    if form.saving.is_some() {
        // Saved once already; its answer closes the form.
        return;
    }
    let Some(mut body) = form.collect(now, role, &catalog) else {
        return;
    };
    let (write, verb, entity, id) = match form.purpose.clone() {
        Purpose::Create(entity) => {
            let id = uuid::Uuid::now_v7().hyphenated().to_string();
            body.insert("id".into(), json!(id));
            let write = Write::Create {
                entity,
                body,
                allow_duplicate: form.allow_duplicate,
            };
            (write, "Created", entity, id)
        }
        Purpose::Edit(entity, id) => {
            if body.is_empty() {
                ctx.close();
                ctx.flash("Nothing changed");
                return;
            }
            let write = Write::Update {
                entity,
                id: id.clone(),
                patch: body,
            };
            (write, "Saved", entity, id)
        }
        _ => return,
    };
    let after = After::Form {
        verb,
        entity,
        open: open.map(|open| open(&id)),
    };
    let request = ctx.write_then(write, after);
    if let Some(Dialog::Form(form)) = ctx.dialogs.last_mut() {
        form.saving = Some(request);
        form.error = None;
    }
}

/// Deletes a record on the writer thread; the answer says so and everyone reloads.
pub fn delete(entity: Entity, id: &str, ctx: &mut Ctx) {
    ctx.write_then(
        Write::Delete {
            entity,
            ids: vec![id.to_string()],
        },
        After::Say {
            done: format!("Deleted the {}", entity.noun()),
            refused: String::new(),
        },
    );
}

/// Deletes the marked rows on the writer thread; a refusal stops there and says how far it got.
pub fn delete_many(entity: Entity, ids: &[String], ctx: &mut Ctx) {
    ctx.write_then(
        Write::Delete {
            entity,
            ids: ids.to_vec(),
        },
        After::Say {
            done: format!("Deleted {} {}", ids.len(), entity.name()),
            refused: format!("deleting {} {}: ", ids.len(), entity.name()),
        },
    );
}

/// The wrap-up codes the call dialog offers: the admin's active codes, by digit, as synced.
pub fn wrap_up_codes(ctx: &mut Ctx) -> Vec<WrapUp> {
    let records = ctx.ok(ctx.source.records(
        Entity::WrapUpCodes,
        &super::data::RecordQuery::default(),
        0,
        200,
    ));
    call_outcomes::offered(&records)
}

/// The log-call dialog on top chose a wrap-up code: the call is written as a done activity
/// now, by the caller picked, its talk time from the pop (or the start key) to the hang-up and
/// its after-call work from then to now; the code's follow-up is made with it — a callback
/// planned as an outbound call due when the caller said, or a ticket opened with the subject
/// typed, which the call then belongs to.
pub fn log_call(outcome: &str, direction: &str, note: String, ctx: &mut Ctx) {
    let Some(Dialog::LogCall(d)) = ctx.dialogs.last() else {
        return;
    };
    if let Some(missing) = d.missing() {
        return ctx.error(missing);
    }
    let lang = d.lang;
    let label = call_outcomes::label(&d.codes, outcome, lang);
    let follow_up = d.follow_up();
    let callback_typed = d.callback.value();
    let callback = if follow_up == FollowUp::Callback && !callback_typed.trim().is_empty() {
        match callback_time(&callback_typed, ctx.now, ctx.zone) {
            Ok(at) => Some(at),
            Err(e) => return ctx.error(e),
        }
    } else {
        None
    };
    let ticket_subject = d.ticket.value().trim().to_string();
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
        let times = crate::tui::call::CallTimes::of(started, d.hung_up, ctx.now);
        body.insert("duration_seconds".into(), json!(times.talk_seconds));
        body.insert("wrap_up_seconds".into(), json!(times.wrap_up_seconds));
        body.insert("ends_at".into(), json!(format_time(times.ended)));
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
    let ticket = (follow_up == FollowUp::Ticket && !ticket_subject.is_empty()).then(|| {
        let mut t = obj(json!({
            "subject": ticket_subject,
            "customer_id": d.customer_id,
            "channel": "phone",
        }));
        if let Some(k) = d.caller_id() {
            t.insert("contact_id".into(), json!(k));
        }
        t
    });
    for (entity, b) in std::iter::once((Entity::Activities, &body))
        .chain(plan.as_ref().map(|p| (Entity::Activities, p)))
        .chain(ticket.as_ref().map(|t| (Entity::Tickets, t)))
    {
        if let Err(problems) = check(entity, b, ctx) {
            return ctx.error(problems);
        }
    }
    let mut done = match callback {
        Some(due) => format!(
            "Call logged: {label}; call back planned for {}",
            ctx.zone.datetime(due)
        ),
        None => format!("Call logged: {label}"),
    };
    let mut writes = Vec::new();
    if let Some(mut t) = ticket {
        // The ticket first, its id chosen here, so the call belongs to it.
        let ticket_id = uuid::Uuid::now_v7().hyphenated().to_string();
        t.insert("id".into(), json!(ticket_id));
        body.insert("ticket_id".into(), json!(ticket_id));
        writes.push((Entity::Tickets, t));
        done.push_str("; ticket opened");
    }
    writes.push((Entity::Activities, body));
    writes.extend(plan.map(|task| (Entity::Activities, task)));
    // The dialog closes now: the call is written on the writer thread, and a refusal is said
    // in the status bar ("done 1 of 2" when the call was logged but not its callback).
    ctx.write_then(
        Write::Creates(writes),
        After::Say {
            done,
            refused: "logging the call: ".into(),
        },
    );
    ctx.out.push(crate::tui::screen::Msg::CallEnded);
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
    // A contact relation's other person is first sought among its contact's colleagues.
    let customer = form.ref_value("customer_id").or_else(|| {
        let contact = form.ref_value("contact_id")?;
        let contact = ctx.source.get(Entity::Contacts, &contact).ok().flatten()?;
        Some(text(&contact, "customer_id").to_string())
    });
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
