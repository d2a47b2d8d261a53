//! Quotes and contracts as printable documents (`crm quotes render Q-000123 --format
//! pdf|html|md`, `crm contracts render K-000123 …`), from the replica, so they print offline.
//! The values ([`template::Values`]) come from the records: money through the one formatter
//! (`tui::format::money`), percentages through `rules::quotes::percent`, a quote's line amounts
//! and totals by `rules::money` (the server's rule: what it stores, offline too). The template
//! is the admin's `document_templates` record for the kind, the profile's language and the
//! format, as synced, else the built-in default (`templates/`). A PDF is laid out from the
//! Markdown ([`pdf`]).

pub mod pdf;
pub mod template;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use crm_server::rules::call_outcomes::Lang;
use crm_server::rules::{money, quotes};
use crm_server::schema::Entity;
use serde_json::{Map, Value, json};

use crate::replica::{LocalQuery, Replica, ReplicaError};
use crate::tui::format;
use template::{Escape, TemplateError, Values};

/// What a document is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "md" | "markdown" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    /// The template format it is filled from: a PDF is laid out from Markdown.
    fn template(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown | Format::Pdf => "md",
        }
    }
}

/// Why a document cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error(transparent)]
    Replica(#[from] ReplicaError),
    #[error(
        "the {kind} template ({lang}, {format}): {error}; fix it with `crm document_templates edit`"
    )]
    Template {
        kind: &'static str,
        lang: &'static str,
        format: &'static str,
        error: TemplateError,
    },
    #[error("{0}")]
    Pdf(String),
    #[error("only quotes and contracts are printed")]
    NotPrinted,
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// The built-in template of a kind, language and template format.
pub fn default_template(kind: &str, lang: Lang, format: &str) -> &'static str {
    match (kind, lang, format) {
        ("quote", Lang::Zh, "md") => include_str!("templates/quote.zh.md"),
        ("quote", Lang::En, "md") => include_str!("templates/quote.en.md"),
        ("quote", Lang::Zh, _) => include_str!("templates/quote.zh.html"),
        ("quote", Lang::En, _) => include_str!("templates/quote.en.html"),
        (_, Lang::Zh, "md") => include_str!("templates/contract.zh.md"),
        (_, Lang::En, "md") => include_str!("templates/contract.en.md"),
        (_, Lang::Zh, _) => include_str!("templates/contract.zh.html"),
        (_, Lang::En, _) => include_str!("templates/contract.en.html"),
    }
}

fn text<'a>(record: &'a Map<String, Value>, field: &str) -> &'a str {
    record.get(field).and_then(Value::as_str).unwrap_or("")
}

fn int(record: &Map<String, Value>, field: &str) -> i64 {
    record.get(field).and_then(Value::as_i64).unwrap_or(0)
}

fn linked(
    replica: &Replica,
    entity: Entity,
    record: &Map<String, Value>,
    field: &str,
) -> Result<Map<String, Value>, ReplicaError> {
    Ok(match text(record, field) {
        "" => Map::new(),
        id => replica
            .get(entity, id)?
            .map(|r| r.fields)
            .unwrap_or_default(),
    })
}

/// A quote's values: its header, its lines (by the rounding rule) and its totals (their sums).
pub fn quote_values(
    replica: &Replica,
    quote: &Map<String, Value>,
    today: NaiveDate,
) -> Result<Values, DocumentError> {
    let customer = linked(replica, Entity::Customers, quote, "customer_id")?;
    let contact = linked(replica, Entity::Contacts, quote, "contact_id")?;
    let rows = replica.list(
        Entity::QuoteLines,
        &LocalQuery {
            filters: vec![("quote_id".into(), json!(text(quote, "id")))],
            limit: quotes::MAX_LINES,
            ..LocalQuery::default()
        },
    )?;
    let mut v = Values::default();
    let mut amounts = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let l = &row.fields;
        let product = linked(replica, Entity::Products, l, "product_id")?;
        let input = money::LineInput {
            quantity: int(l, "quantity"),
            unit_price: int(l, "unit_price"),
            discount_bp: int(l, "discount_bp"),
            tax_rate_bp: int(l, "tax_rate_bp"),
        };
        let a = money::line(input).unwrap_or_default();
        amounts.push(a);
        let mut line = BTreeMap::new();
        line.insert("no", (i + 1).to_string());
        line.insert("code", text(&product, "code").to_string());
        line.insert("name", text(&product, "name").to_string());
        line.insert(
            "product",
            format!("{} {}", text(&product, "code"), text(&product, "name")),
        );
        line.insert("unit", text(&product, "unit").to_string());
        line.insert("quantity", input.quantity.to_string());
        line.insert("unit_price", format::money(input.unit_price));
        line.insert("discount", quotes::percent(input.discount_bp));
        line.insert("tax_rate", quotes::percent(input.tax_rate_bp));
        line.insert("net", format::money(a.net));
        line.insert("tax", format::money(a.tax));
        line.insert("line_notes", text(l, "notes").to_string());
        v.lines.push(line);
    }
    let totals = money::totals(amounts).unwrap_or_default();
    let f = &mut v.fields;
    f.insert("number", text(quote, "number").to_string());
    f.insert("revision", int(quote, "revision").max(1).to_string());
    f.insert("subject", text(quote, "subject").to_string());
    f.insert("status", text(quote, "status").to_string());
    f.insert("customer", text(&customer, "name").to_string());
    f.insert("customer_code", text(&customer, "code").to_string());
    f.insert("contact", text(&contact, "name").to_string());
    f.insert("currency", text(quote, "currency").to_string());
    f.insert("valid_until", text(quote, "valid_until").to_string());
    f.insert("date", today.to_string());
    f.insert("terms", text(quote, "terms").to_string());
    f.insert("notes", text(quote, "notes").to_string());
    f.insert("subtotal", format::money(totals.subtotal));
    f.insert("tax_total", format::money(totals.tax));
    f.insert("total", format::money(totals.total));
    Ok(v)
}

/// A contract's values: the fields of seed 004.
pub fn contract_values(
    replica: &Replica,
    contract: &Map<String, Value>,
    today: NaiveDate,
) -> Result<Values, DocumentError> {
    let customer = linked(replica, Entity::Customers, contract, "customer_id")?;
    let mut v = Values::default();
    let f = &mut v.fields;
    for field in [
        "number",
        "name",
        "format",
        "contract_type",
        "currency",
        "payment_terms",
        "standards",
        "key_clauses",
        "remarks",
        "starts_on",
        "ends_on",
        "status",
    ] {
        f.insert(field, text(contract, field).to_string());
    }
    f.insert("amount", format::money(int(contract, "amount")));
    f.insert("customer", text(&customer, "name").to_string());
    f.insert("customer_code", text(&customer, "code").to_string());
    f.insert("date", today.to_string());
    Ok(v)
}

/// The admin's template for a kind, language and template format, as synced, if any.
fn admin_template(
    replica: &Replica,
    kind: &str,
    lang: &str,
    format: &str,
) -> Result<Option<String>, ReplicaError> {
    let found = replica.list(
        Entity::DocumentTemplates,
        &LocalQuery {
            filters: vec![
                ("kind".into(), json!(kind)),
                ("lang".into(), json!(lang)),
                ("format".into(), json!(format)),
            ],
            limit: 1,
            ..LocalQuery::default()
        },
    )?;
    Ok(found
        .into_iter()
        .next()
        .map(|r| text(&r.fields, "body").to_string()))
}

/// A quote or contract as a document in `format`, in `lang`.
pub fn render(
    replica: &Replica,
    entity: Entity,
    record: &Map<String, Value>,
    format: Format,
    lang: Lang,
    today: NaiveDate,
) -> Result<Vec<u8>, DocumentError> {
    let (kind, values) = match entity {
        Entity::Quotes => ("quote", quote_values(replica, record, today)?),
        Entity::Contracts => ("contract", contract_values(replica, record, today)?),
        _ => return Err(DocumentError::NotPrinted),
    };
    let template_format = format.template();
    let code = lang_code(lang);
    let template = admin_template(replica, kind, code, template_format)?
        .unwrap_or_else(|| default_template(kind, lang, template_format).to_string());
    let escape = match format {
        Format::Html => Escape::Html,
        Format::Markdown | Format::Pdf => Escape::Markdown,
    };
    let text =
        template::render(&template, &values, escape).map_err(|error| DocumentError::Template {
            kind,
            lang: code,
            format: template_format,
            error,
        })?;
    match format {
        Format::Pdf => {
            let title = values.fields.get("number").map_or("", String::as_str);
            pdf::from_markdown(&text, title).map_err(DocumentError::Pdf)
        }
        _ => Ok(text.into_bytes()),
    }
}
