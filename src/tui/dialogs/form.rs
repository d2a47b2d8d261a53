//! A form for any entity, built from the server's field descriptors: text fields, pick-lists for
//! enums and related records, dates typed naturally, money as 12,345.67. Saving checks the values
//! with the server's own `validate::check` first and shows every problem beside its field; a
//! failed save keeps everything typed.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};
use crm_server::access::Role;
use crm_server::catalog::{Catalog, CustomField, CustomKind, Lang};
use crm_server::schema::{Access, CUSTOM_FIELD, Entity, Field, Kind};
use crm_server::validate::{self, Mode, format_time};
use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Value, json};

use super::{Outcome, Purpose};
use crate::tui::action::Action;
use crate::tui::data::Record;
use crate::tui::dates;
use crate::tui::draw;
use crate::tui::format;
use crate::tui::input::LineInput;
use crate::tui::theme::Role as Style;
use crate::tui::view::View;
use crate::zone::Zone;

/// The fields each entity's form shows, in order (the descriptor's). Server-set fields are
/// never here.
pub fn form_fields(entity: Entity) -> &'static [&'static str] {
    entity.descriptor().form
}

/// Field names as people read them.
pub fn label(name: &str) -> String {
    let base = name.strip_suffix("_id").unwrap_or(name);
    let mut s = base.replace('_', " ");
    if let Some(first) = s.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    match name {
        "owner_id" => "Owner".into(),
        "assignee_id" => "Assignee".into(),
        "stage_id" => "Stage".into(),
        "expected_close" => "Close date".into(),
        "starts_at" => "Starts".into(),
        "ends_at" => "Ends".into(),
        "due_at" => "Due".into(),
        "duration_seconds" => "Duration (s)".into(),
        "amount" => "Amount".into(),
        _ => s,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    /// The field's name; a custom field's is `custom.<key>`, as the server's problems name it.
    pub name: String,
    /// The definition of a custom field (its value goes into the record's `custom` map).
    pub custom: Option<CustomField>,
    pub label: String,
    pub kind: Kind,
    pub required: bool,
    pub input: LineInput,
    /// The chosen record's id, for reference fields (the input shows its name).
    pub ref_id: Option<String>,
    pub error: Option<String>,
    original_text: String,
    original_ref: Option<String>,
}

impl FormField {
    /// A pick-list field: typing opens the list instead of editing the text.
    pub fn picks(&self) -> bool {
        matches!(
            self.kind,
            Kind::Enum(_) | Kind::List(_) | Kind::Ref(_) | Kind::Bool
        ) || self
            .custom
            .as_ref()
            .is_some_and(|c| c.kind == CustomKind::Choice)
    }

    fn changed(&self) -> bool {
        self.input.value() != self.original_text || self.ref_id != self.original_ref
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub title: String,
    pub entity: Entity,
    pub purpose: Purpose,
    pub fields: Vec<FormField>,
    /// Values sent without being shown (the customer a contact belongs to, an activity's kind).
    pub hidden: Record,
    pub focus: usize,
    /// A problem not tied to a shown field.
    pub error: Option<String>,
    /// Set once the user confirmed a duplicate warning.
    pub allow_duplicate: bool,
    /// The zone its times are shown and typed in ([`Form::in_zone`]; UTC until then).
    pub zone: Zone,
    /// The write its save handed to the writer thread, until answered: the form stays open
    /// (a refusal comes back to its fields) and a second save waits.
    pub saving: Option<u64>,
}

/// How a stored value reads in a field, its time in `zone`.
pub fn value_text(kind: Kind, value: &Value, zone: Zone) -> String {
    match (kind, value) {
        (_, Value::Null) => String::new(),
        (Kind::Money, v) => v.as_i64().map(format::money).unwrap_or_default(),
        (Kind::Bool, Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        (Kind::Time, Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| zone.datetime(t.to_utc()))
            .unwrap_or_else(|_| s.clone()),
        (Kind::Tags, Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

impl Form {
    /// A form for `entity`. `record` fills it (editing, or a prefilled create); `hidden` holds
    /// values sent as they are; `ref_label` names a referenced record for display.
    pub fn new(
        title: impl Into<String>,
        entity: Entity,
        purpose: Purpose,
        role: Role,
        record: Option<&Record>,
        hidden: Record,
        ref_label: &mut dyn FnMut(Entity, &str) -> String,
    ) -> Form {
        Form::with_fields(
            title,
            entity,
            purpose,
            role,
            record,
            hidden,
            form_fields(entity),
            ref_label,
        )
    }

    /// Like [`Form::new`] with a chosen list of fields (the customer filter).
    #[allow(clippy::too_many_arguments)]
    pub fn with_fields(
        title: impl Into<String>,
        entity: Entity,
        purpose: Purpose,
        role: Role,
        record: Option<&Record>,
        hidden: Record,
        names: &[&str],
        ref_label: &mut dyn FnMut(Entity, &str) -> String,
    ) -> Form {
        let fields = names
            .iter()
            .filter_map(|name| entity.field(name))
            .filter(|f| !hidden.contains_key(f.name))
            .filter(|f| may_set(f, role))
            .map(|f: &'static Field| {
                let value = record
                    .and_then(|r| r.get(f.name))
                    .cloned()
                    .unwrap_or(Value::Null);
                let (text, ref_id) = match (f.kind, &value) {
                    (Kind::Ref(target), Value::String(id)) => {
                        (ref_label(target, id), Some(id.clone()))
                    }
                    (kind, v) => (value_text(kind, v, Zone::UTC), None),
                };
                FormField {
                    name: f.name.to_string(),
                    custom: None,
                    label: label(f.name),
                    kind: f.kind,
                    required: f.required,
                    input: LineInput::new(&text),
                    original_text: LineInput::new(&text).value(),
                    original_ref: ref_id.clone(),
                    ref_id,
                    error: None,
                }
            })
            .collect();
        Form {
            title: title.into(),
            entity,
            purpose,
            fields,
            hidden,
            focus: 0,
            error: None,
            allow_duplicate: false,
            zone: Zone::UTC,
            saving: None,
        }
    }

    /// Adds the entity's custom fields this role may write, after the built-in ones, filled from
    /// `record`'s `custom` map (labels in `lang`).
    pub fn with_custom(
        mut self,
        catalog: &Catalog,
        role: Role,
        record: Option<&Record>,
        lang: Lang,
        ref_label: &mut dyn FnMut(Entity, &str) -> String,
    ) -> Form {
        for c in catalog
            .custom_fields(self.entity)
            .filter(|c| c.may_write(role))
        {
            let value = record
                .and_then(|r| r.get(CUSTOM_FIELD))
                .and_then(|m| m.get(c.key.as_str()))
                .cloned()
                .unwrap_or(Value::Null);
            let kind = custom_kind(c.kind);
            let (text, ref_id) = match (kind, &value) {
                (Kind::Ref(target), Value::String(id)) => (ref_label(target, id), Some(id.clone())),
                (kind, v) => (value_text(kind, v, self.zone), None),
            };
            self.fields.push(FormField {
                name: c.path(),
                custom: Some(c.clone()),
                label: c.label(lang).to_string(),
                kind,
                required: c.required,
                input: LineInput::new(&text),
                original_text: LineInput::new(&text).value(),
                original_ref: ref_id.clone(),
                ref_id,
                error: None,
            });
        }
        self
    }

    /// Shows `record`'s times in `zone` and reads the times typed in it.
    pub fn in_zone(mut self, zone: Zone, record: Option<&Record>) -> Form {
        self.zone = zone;
        for f in self.fields.iter_mut().filter(|f| f.kind == Kind::Time) {
            let value = record
                .and_then(|r| r.get(f.name.as_str()))
                .unwrap_or(&Value::Null);
            let text = value_text(f.kind, value, zone);
            f.input = LineInput::new(&text);
            f.original_text = f.input.value();
        }
        self
    }

    /// An edit sends only the fields changed; a create sends all that are filled in.
    /// Some field differs from what the form opened with: closing it would lose typing.
    pub fn is_changed(&self) -> bool {
        self.fields.iter().any(FormField::changed)
    }

    pub fn is_edit(&self) -> bool {
        matches!(self.purpose, Purpose::Edit(..))
    }

    /// Moves the focus to the named field.
    pub fn focus_on(&mut self, name: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.name == name) {
            self.focus = i;
        }
    }

    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The value of a reference field, shown or hidden (a contact pick-list needs the customer).
    pub fn ref_value(&self, name: &str) -> Option<String> {
        self.field(name).and_then(|f| f.ref_id.clone()).or_else(|| {
            self.hidden
                .get(name)
                .and_then(Value::as_str)
                .map(String::from)
        })
    }

    /// Sets a field from a pick-list choice.
    pub fn set_choice(&mut self, index: usize, value: &str, label: &str) {
        if let Some(f) = self.fields.get_mut(index) {
            match f.kind {
                Kind::Ref(_) => {
                    f.ref_id = Some(value.to_string());
                    f.input.set(label);
                }
                _ => f.input.set(value),
            }
            f.error = None;
        }
        self.error = None;
        // Moving on is what one does after choosing.
        if index + 1 < self.fields.len() {
            self.focus = index + 1;
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(f) = self.fields.get_mut(self.focus)
            && !f.picks()
        {
            f.input.insert(text);
            f.error = None;
        }
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        let count = self.fields.len();
        match action {
            Action::Submit => Outcome::Save,
            Action::Cancel => Outcome::Cancel,
            Action::NextField | Action::Down => {
                if count > 0 {
                    self.focus = (self.focus + 1) % count;
                }
                Outcome::Stay
            }
            Action::PrevField | Action::Up => {
                if count > 0 {
                    self.focus = (self.focus + count - 1) % count;
                }
                Outcome::Stay
            }
            Action::Key(key) => {
                let Some(f) = self.fields.get_mut(self.focus) else {
                    return Outcome::Stay;
                };
                if f.picks() {
                    match key.code {
                        KeyCode::Backspace | KeyCode::Delete => {
                            f.input.clear();
                            f.ref_id = None;
                            f.error = None;
                        }
                        KeyCode::Char(' ') if f.kind == Kind::Bool => {
                            let yes = f.input.value() == "yes";
                            f.input.set(if yes { "no" } else { "yes" });
                        }
                        KeyCode::Char(' ') => {
                            return Outcome::OpenPicker {
                                field: self.focus,
                                filter: String::new(),
                            };
                        }
                        KeyCode::Char(c) if f.kind == Kind::Bool => {
                            if matches!(c, 'y' | 'Y') {
                                f.input.set("yes");
                            } else if matches!(c, 'n' | 'N') {
                                f.input.set("no");
                            }
                        }
                        KeyCode::Char(c)
                            if !key
                                .modifiers
                                .contains(crossterm::event::KeyModifiers::CONTROL) =>
                        {
                            return Outcome::OpenPicker {
                                field: self.focus,
                                filter: c.to_string(),
                            };
                        }
                        _ => {}
                    }
                } else if f.input.key(key) {
                    f.error = None;
                }
                Outcome::Stay
            }
            _ => Outcome::Stay,
        }
    }

    /// Reads the fields into a body and checks it with the server's rules. On failure every
    /// problem is set beside its field and nothing typed is lost.
    pub fn collect(&mut self, now: DateTime<Utc>, role: Role, catalog: &Catalog) -> Option<Record> {
        let mode = if self.is_edit() {
            Mode::Patch
        } else {
            Mode::Create
        };
        let mut body = Record::new();
        let mut errors: BTreeMap<String, String> = BTreeMap::new();
        let mut custom = serde_json::Map::new();
        for f in &self.fields {
            if mode == Mode::Patch && !f.changed() {
                continue;
            }
            let (into, key) = match &f.custom {
                Some(c) => (&mut custom, c.key.clone()),
                None => (&mut body, f.name.clone()),
            };
            match parse_field(f, now, self.zone) {
                Ok(Some(v)) => {
                    into.insert(key, v);
                }
                Ok(None) if mode == Mode::Patch => {
                    into.insert(key, Value::Null);
                }
                Ok(None) => {}
                Err(e) => {
                    errors.insert(f.name.clone(), e);
                }
            }
        }
        if !custom.is_empty() {
            body.insert(CUSTOM_FIELD.into(), Value::Object(custom));
        }
        if mode == Mode::Create {
            for (k, v) in &self.hidden {
                body.insert(k.clone(), v.clone());
            }
        }
        if errors.is_empty()
            && let Err(problems) = validate::check_in(self.entity, &body, mode, role, catalog)
        {
            errors.extend(problems.invalid);
            errors.extend(problems.forbidden);
        }
        if errors.is_empty() {
            Some(body)
        } else {
            self.set_errors(&errors);
            None
        }
    }

    /// Shows problems (local or from the data source) beside their fields.
    pub fn set_errors(&mut self, errors: &BTreeMap<String, String>) {
        let mut elsewhere = Vec::new();
        for f in &mut self.fields {
            f.error = None;
        }
        for (name, message) in errors {
            match self.fields.iter_mut().find(|f| &f.name == name) {
                Some(f) => f.error = Some(message.clone()),
                None => elsewhere.push(format!("{} {message}", label(name))),
            }
        }
        if let Some(first) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = first;
        }
        let n = errors.len();
        self.error = Some(if elsewhere.is_empty() {
            format!(
                "{n} field{} need{} attention",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" }
            )
        } else {
            elsewhere.join("; ")
        });
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) -> Option<Position> {
        let theme = view.theme;
        let rows_needed: u16 = self
            .fields
            .iter()
            .map(|f| 1 + u16::from(f.error.is_some()))
            .sum::<u16>()
            + 2;
        let w = area.width.saturating_sub(4).min(84);
        let inner = draw::dialog(buf, area, w, rows_needed + 2, &self.title, theme);
        if inner.height < 3 {
            return None;
        }
        let label_w = 14.min(inner.width / 3);
        let input_x = inner.x + label_w + 2;
        let input_w = inner.right().saturating_sub(input_x + 1);
        let body_h = inner.height.saturating_sub(2);
        // Scroll so the focused field (and its message) is visible.
        let heights: Vec<u16> = self
            .fields
            .iter()
            .map(|f| 1 + u16::from(f.error.is_some()))
            .collect();
        let mut top = 0;
        while top < self.focus && heights[top..=self.focus].iter().sum::<u16>() > body_h {
            top += 1;
        }
        let mut y = inner.y;
        let mut cursor = None;
        for (i, f) in self.fields.iter().enumerate().skip(top) {
            if y + heights[i] > inner.y + body_h {
                break;
            }
            let focused = i == self.focus;
            let mark = if f.required { "*" } else { " " };
            let label_style = if focused {
                theme.style(Style::Accent)
            } else {
                theme.style(Style::Muted)
            };
            draw::put(
                buf,
                inner.x,
                y,
                label_w + 1,
                &format!("{}{mark}", f.label),
                label_style,
            );
            let input_style = if focused {
                theme.style(Style::Input)
            } else {
                theme.style(Style::Text)
            };
            let (shown, col) = if focused {
                f.input.view(usize::from(input_w.saturating_sub(1)))
            } else {
                (f.input.head(usize::from(input_w)), 0)
            };
            draw::put_fit(buf, input_x, y, input_w, &shown, input_style);
            if focused {
                cursor = (!f.picks()).then(|| Position::new(input_x + col as u16, y));
            }
            let note = field_note(f, focused, view.now, self.zone);
            if let Some((note, role)) = note {
                let used = crate::text::width(&shown) as u16;
                let x = input_x + used + 2;
                if x + 4 < inner.right() {
                    draw::put(buf, x, y, inner.right() - x, &note, theme.style(role));
                }
            }
            y += 1;
            if let Some(e) = &f.error {
                draw::put(
                    buf,
                    input_x,
                    y,
                    input_w,
                    &format!("↳ {e}"),
                    theme.style(Style::Danger),
                );
                y += 1;
            }
        }
        let footer_y = inner.bottom() - 1;
        match &self.error {
            None if self.saving.is_some() => draw::put(
                buf,
                inner.x,
                footer_y,
                inner.width,
                "Saving…",
                theme.style(Style::Muted),
            ),
            Some(e) => draw::put(
                buf,
                inner.x,
                footer_y,
                inner.width,
                e,
                theme.style(Style::Danger),
            ),
            None => draw::put(
                buf,
                inner.x,
                footer_y,
                inner.width,
                "Enter save · Tab next · Space or type on a list field to choose · Esc cancel",
                theme.style(Style::Muted),
            ),
        };
        cursor
    }
}

/// What to show after a field's value: a date's reading, or how to fill a pick-list.
fn field_note(
    f: &FormField,
    focused: bool,
    now: DateTime<Utc>,
    zone: Zone,
) -> Option<(String, Style)> {
    let value = f.input.value();
    match f.kind {
        Kind::Date | Kind::Time if !value.is_empty() => match dates::parse(&value, zone.naive(now))
        {
            Ok(w) => {
                let shown = if f.kind == Kind::Date {
                    w.date.format("%Y-%m-%d").to_string()
                } else if zone.to_utc(w.at(nine())).is_err() {
                    // In a daylight-saving gap: saving says which time to type.
                    return focused.then(|| ("? not on this clock".to_string(), Style::Warn));
                } else {
                    w.at(nine()).format("%Y-%m-%d %H:%M").to_string()
                };
                (shown != value).then(|| (format!("→ {shown}"), Style::Ok))
            }
            Err(_) => focused.then(|| ("?".to_string(), Style::Warn)),
        },
        Kind::Enum(_) | Kind::List(_) | Kind::Ref(_) if focused && value.is_empty() => {
            Some(("Space to choose".into(), Style::Muted))
        }
        Kind::Bool if focused => Some(("Space toggles".into(), Style::Muted)),
        _ => None,
    }
}

/// The form kind a custom field is typed as (numbers and multiple choices are read apart).
fn custom_kind(kind: CustomKind) -> Kind {
    match kind {
        CustomKind::Text | CustomKind::Number | CustomKind::Choice => Kind::Text(2000),
        CustomKind::MultiChoice => Kind::Tags,
        CustomKind::Money => Kind::Money,
        CustomKind::Date => Kind::Date,
        CustomKind::User => Kind::Ref(Entity::Users),
        CustomKind::Link(e) => Kind::Ref(e),
    }
}

fn nine() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()
}

fn may_set(field: &Field, role: Role) -> bool {
    match field.access {
        Access::Open => true,
        Access::Privileged => role.may_assign(),
        Access::Admin => role == Role::Admin,
        Access::Server => false,
    }
}

/// A field's text as the JSON the server expects; None for empty. Dates and times are read as
/// the user's in `zone`; a time is sent as its UTC instant.
fn parse_field(f: &FormField, now: DateTime<Utc>, zone: Zone) -> Result<Option<Value>, String> {
    let raw = f.input.value();
    let s = raw.trim();
    if s.is_empty() && f.ref_id.is_none() {
        return Ok(None);
    }
    Ok(Some(match f.kind {
        _ if f
            .custom
            .as_ref()
            .is_some_and(|c| c.kind == CustomKind::Number) =>
        {
            let n: f64 = s
                .replace([',', '_'], "")
                .parse()
                .map_err(|_| "must be a number")?;
            serde_json::Number::from_f64(n)
                .map(|n| match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => json!(f as i64),
                    _ => Value::Number(n),
                })
                .ok_or("must be a number")?
        }
        _ if f
            .custom
            .as_ref()
            .is_some_and(|c| c.kind == CustomKind::MultiChoice) =>
        {
            json!(
                s.split([',', '，'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
            )
        }
        Kind::Text(_) | Kind::Enum(_) | Kind::List(_) => json!(s),
        Kind::Ref(_) => match &f.ref_id {
            Some(id) => json!(id),
            None => return Err("choose one from the list (Space)".into()),
        },
        Kind::Int(..) => json!(
            s.replace([',', '_'], "")
                .parse::<i64>()
                .map_err(|_| "must be a whole number")?
        ),
        Kind::Money => json!(format::parse_money(s).ok_or("must be an amount like 12,345.67")?),
        Kind::Bool => json!(match s.to_lowercase().as_str() {
            "yes" | "y" | "true" | "是" => true,
            "no" | "n" | "false" | "否" => false,
            _ => return Err("must be yes or no".into()),
        }),
        Kind::Date => {
            let w = dates::parse(s, zone.naive(now)).map_err(|e| e.to_string())?;
            json!(w.date.format("%Y-%m-%d").to_string())
        }
        Kind::Time => {
            let w = dates::parse(s, zone.naive(now)).map_err(|e| e.to_string())?;
            json!(format_time(
                zone.to_utc(w.at(nine())).map_err(|e| e.to_string())?
            ))
        }
        Kind::Tags => json!(
            s.split([',', '，'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        ),
        Kind::Refs(_) | Kind::Map => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEvent, KeyModifiers};

    fn type_text(form: &mut Form, s: &str) {
        for c in s.chars() {
            form.handle(&Action::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn problems_are_shown_beside_fields_and_typing_is_kept() {
        let mut form = Form::new(
            "New customer",
            Entity::Customers,
            Purpose::Create(Entity::Customers),
            Role::Sales,
            None,
            Record::new(),
            &mut |_, id| id.to_string(),
        );
        assert!(form.field("owner_id").is_none(), "sales may not set owners");
        form.focus_on("email");
        type_text(&mut form, "x".repeat(300).as_str());
        assert!(
            form.collect(now(), Role::Sales, &Catalog::default().open_when_empty())
                .is_none()
        );
        assert!(form.field("name").unwrap().error.as_deref() == Some("is required"));
        assert!(form.field("email").unwrap().error.is_some());
        assert_eq!(form.field("email").unwrap().input.value().len(), 300);
    }

    #[test]
    fn dates_and_money_are_read_naturally() {
        let mut form = Form::new(
            "New opportunity",
            Entity::Opportunities,
            Purpose::Create(Entity::Opportunities),
            Role::Sales,
            None,
            json!({"customer_id": "0190c1d2-0000-7000-8000-000000000001"})
                .as_object()
                .cloned()
                .unwrap(),
            &mut |_, id| id.to_string(),
        );
        form.focus_on("name");
        type_text(&mut form, "Deal");
        form.focus_on("amount");
        type_text(&mut form, "12,345.67");
        form.focus_on("expected_close");
        type_text(&mut form, "+3d");
        let body = form
            .collect(now(), Role::Sales, &Catalog::default().open_when_empty())
            .unwrap();
        assert_eq!(body["amount"], json!(1_234_567));
        assert_eq!(body["expected_close"], json!("2026-11-28"));
        assert_eq!(
            body["customer_id"],
            json!("0190c1d2-0000-7000-8000-000000000001")
        );
    }

    #[test]
    fn an_edit_sends_only_what_changed() {
        let record = json!({"name": "Acme", "level": "B", "phone": "1"})
            .as_object()
            .cloned()
            .unwrap();
        let mut form = Form::new(
            "Edit",
            Entity::Customers,
            Purpose::Edit(Entity::Customers, "x".into()),
            Role::Sales,
            Some(&record),
            Record::new(),
            &mut |_, id| id.to_string(),
        );
        form.focus_on("phone");
        form.handle(&Action::Key(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        )));
        type_text(&mut form, "2");
        let body = form
            .collect(now(), Role::Sales, &Catalog::default().open_when_empty())
            .unwrap();
        assert_eq!(body, json!({"phone": "2"}).as_object().cloned().unwrap());
    }

    #[test]
    fn typing_on_a_list_field_opens_its_picker() {
        let mut form = Form::new(
            "x",
            Entity::Customers,
            Purpose::Create(Entity::Customers),
            Role::Sales,
            None,
            Record::new(),
            &mut |_, id| id.to_string(),
        );
        form.focus_on("level");
        let out = form.handle(&Action::Key(KeyEvent::new(
            KeyCode::Char('a'),
            KeyModifiers::NONE,
        )));
        assert_eq!(
            out,
            Outcome::OpenPicker {
                field: form.focus,
                filter: "a".into()
            }
        );
    }
}
