//! What the 360° reads of a customer on the reader thread: every section at once, with what
//! the customer owes, its satisfaction and, for a dealer, its month against target.

use super::*;

/// The sections as read from the source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sections {
    pub(super) contacts: Vec<Record>,
    pub(super) tickets: Vec<Record>,
    pub(super) opportunities: Vec<Record>,
    pub(super) competitors: Vec<CompetitorEntry>,
    pub(super) timeline: Vec<TimelineEntry>,
    pub(super) quotes: Vec<Record>,
    pub(super) orders: Vec<Record>,
    pub(super) agreements: Vec<(Entity, Record)>,
}

/// What the reader thread reads for a customer's 360°.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer360Ask {
    pub id: String,
    /// The user's day, which the receivables are aged on.
    pub today: chrono::NaiveDate,
}

/// What the reader found for a [`Customer360Ask`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Customer360Data {
    /// None: deleted, or out of this user's view.
    pub customer: Option<Record>,
    /// Every wrap-up code, retired ones too: old calls keep their labels.
    pub codes: Vec<crm_server::rules::call_outcomes::WrapUp>,
    pub custom: Vec<crm_server::catalog::CustomField>,
    pub sections: Sections,
    pub receivables: Aging,
    pub stages: Vec<Record>,
    /// Its return visits' satisfaction: the average score and how many gave one.
    pub satisfaction: Option<(f64, usize)>,
    /// A dealer's line: sold this month against its target, its latest assessment.
    pub dealer: Option<String>,
}

/// Reads a customer and its sections (on the reader thread).
pub fn read(source: &dyn DataSource, ask: &Customer360Ask) -> Result<Customer360Data, DataError> {
    let Some(customer) = source.get(Entity::Customers, &ask.id)? else {
        return Ok(Customer360Data::default());
    };
    let of_customer = |sort: &str, descending: bool| RecordQuery {
        filters: vec![("customer_id".into(), json!(ask.id))],
        search: String::new(),
        sort: Some(sort.into()),
        descending,
    };
    let codes = source
        .records(Entity::WrapUpCodes, &RecordQuery::default(), 0, 200)?
        .iter()
        .filter_map(crm_server::rules::call_outcomes::WrapUp::of)
        .collect();
    let custom = source
        .catalog()
        .custom_fields(Entity::Customers)
        .cloned()
        .collect();
    let mut agreements = Vec::new();
    for (entity, sort, descending) in [
        (Entity::Contracts, "created_at", true),
        (Entity::Licences, "licence_number", false),
    ] {
        let rows = source.records(entity, &of_customer(sort, descending), 0, AGREEMENTS_SHOWN)?;
        agreements.extend(rows.into_iter().map(|r| (entity, r)));
    }
    // The files attached to the customer itself (a contract scan, a licence certificate).
    let files = RecordQuery {
        filters: vec![(crm_server::schema::FILE_RECORD.into(), json!(ask.id))],
        search: String::new(),
        sort: Some("name".into()),
        descending: false,
    };
    let rows = source.records(Entity::Files, &files, 0, AGREEMENTS_SHOWN)?;
    agreements.extend(rows.into_iter().map(|r| (Entity::Files, r)));
    let sections = Sections {
        contacts: source.contacts_of(&ask.id)?,
        tickets: source.records(
            Entity::Tickets,
            &of_customer("number", true),
            0,
            TICKETS_SHOWN,
        )?,
        opportunities: source.opportunities_of(&ask.id)?,
        competitors: source.competitors_of(&ask.id)?,
        timeline: source.timeline(&ask.id, 200)?,
        quotes: open_quotes(source.records(
            Entity::Quotes,
            &of_customer("created_at", true),
            0,
            500,
        )?),
        orders: source.records(
            Entity::Orders,
            &of_customer("ordered_on", true),
            0,
            ORDERS_SHOWN,
        )?,
        agreements,
    };
    let receivables = receivables(
        &source.records(
            Entity::Instalments,
            &RecordQuery {
                filters: vec![("customer_id".into(), json!(ask.id))],
                ..RecordQuery::default()
            },
            0,
            INSTALMENTS_READ,
        )?,
        ask.today,
    );
    Ok(Customer360Data {
        satisfaction: crate::tui::panes::visits::customer_satisfaction(source, &ask.id)?,
        dealer: crate::tui::panes::decision_map::dealer_summary(source, &customer, ask.today)?,
        customer: Some(customer),
        codes,
        custom,
        sections,
        receivables,
        stages: source.stages()?,
    })
}

/// What a customer still owes on these instalments on `today`, aged by `rules::payments`.
fn receivables(instalments: &[Record], today: chrono::NaiveDate) -> Aging {
    let mut aging = Aging::default();
    for i in instalments {
        let unpaid = int(i, "amount").unwrap_or(0) - int(i, "received").unwrap_or(0);
        if let Ok(due) = text(i, "due_date").parse() {
            aging.add(unpaid, due, today);
        }
    }
    aging
}

/// A customer's open quotes (`rules::quotes::is_open`), without those a newer revision
/// replaced.
fn open_quotes(all: Vec<Record>) -> Vec<Record> {
    let replaced: std::collections::HashSet<String> = all
        .iter()
        .map(|q| text(q, "supersedes").to_string())
        .filter(|s| !s.is_empty())
        .collect();
    all.into_iter()
        .filter(|q| quotes::is_open(text(q, "status")) && !replaced.contains(id(q)))
        .collect()
}
