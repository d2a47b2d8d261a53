//! A customer's own views over the replica: the competitors on its deals and its timeline.

use super::*;

pub(super) fn competitors_of(
    source: &ReplicaSource,
    customer_id: &str,
) -> Result<Vec<CompetitorEntry>, DataError> {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for deal in source.opportunities_of(customer_id)? {
        let entries = source.list(
            Entity::OpportunityCompetitors,
            &query(
                vec![("opportunity_id", json!(id(&deal)))],
                "created_at",
                false,
                0,
                PAGE,
            ),
        )?;
        for entry in entries {
            let cid = text(&entry, "competitor_id").to_string();
            let competitor = match names.get(&cid) {
                Some(name) => name.clone(),
                None => {
                    let name = source
                        .get(Entity::Competitors, &cid)?
                        .map(|c| text(&c, "name").to_string())
                        .unwrap_or_default();
                    names.insert(cid, name.clone());
                    name
                }
            };
            out.push(CompetitorEntry {
                entry,
                competitor,
                deal: text(&deal, "name").to_string(),
            });
        }
    }
    Ok(out)
}

pub(super) fn timeline(
    source: &ReplicaSource,
    customer_id: &str,
    limit: usize,
) -> Result<Vec<TimelineEntry>, DataError> {
    let by_customer = || vec![("customer_id", json!(customer_id))];
    let activities = source.list(
        Entity::Activities,
        &query(by_customer(), "created_at", true, 0, limit),
    )?;
    let tickets = source.list(
        Entity::Tickets,
        &query(by_customer(), "created_at", true, 0, limit),
    )?;
    let mut entries: Vec<TimelineEntry> = activities
        .into_iter()
        .map(|a| TimelineEntry {
            entity: Entity::Activities,
            at: opt_text(&a, "starts_at")
                .or(opt_text(&a, "due_at"))
                .unwrap_or(text(&a, "created_at"))
                .to_string(),
            record: a,
        })
        .chain(tickets.into_iter().map(|t| TimelineEntry {
            entity: Entity::Tickets,
            at: text(&t, "created_at").to_string(),
            record: t,
        }))
        .collect();
    entries.sort_by(|a, b| b.at.cmp(&a.at));
    entries.truncate(limit);
    Ok(entries)
}
