use super::*;

#[test]
fn names_round_trip_and_are_unique() {
    for e in Entity::ALL {
        assert_eq!(Entity::from_name(e.name()), Some(e));
    }
    assert_eq!(Entity::from_name("nope"), None);
}

#[test]
fn sortable_fields_are_never_null() {
    for e in Entity::ALL {
        for field in e.fields().iter().filter(|f| f.sort) {
            assert!(
                field.not_null(),
                "{}.{} is sortable but nullable",
                e.name(),
                field.name
            );
        }
        let default = e.default_sort();
        assert!(
            SYSTEM_FIELDS.contains(&default) || e.field(default).is_some_and(|f| f.sort),
            "{} sorts by default on {default}, which is not sortable",
            e.name()
        );
    }
}

#[test]
fn descriptors_name_only_their_own_fields() {
    for e in Entity::ALL {
        let d = e.descriptor();
        let known = |name: &str| e.field(name).is_some() || SYSTEM_FIELDS.contains(&name);
        assert!(known(d.title), "{}.title {}", d.name, d.title);
        for name in d.search {
            let kind = e.field(name).map(|f| f.kind);
            assert!(
                matches!(kind, Some(Kind::Text(_))),
                "{} searches {name}, not a text field",
                d.name
            );
        }
        for index in d.indexes {
            for column in index.split(", ") {
                assert!(known(column), "{} indexes unknown {column}", d.name);
            }
        }
        for name in d.columns {
            assert!(known(name), "{} lists unknown {name}", d.name);
        }
        for name in d.form {
            let field = e.field(name).unwrap_or_else(|| panic!("{}.{name}", d.name));
            assert_ne!(
                field.access,
                Access::Server,
                "{}.{name} is set by the server",
                d.name
            );
        }
        for name in d.access_links {
            let kind = e.field(name).map(|f| f.kind);
            assert!(
                matches!(kind, Some(Kind::Ref(_))),
                "{}.{name} links nothing",
                d.name
            );
        }
        if let Some(number) = d.number {
            assert!(e.field(number).is_some_and(|f| f.generated && f.sort));
        }
    }
}

#[test]
fn dependents_follow_the_access_links() {
    let of = |e: Entity| e.dependents().collect::<Vec<_>>();
    assert_eq!(
        of(Entity::Customers),
        vec![
            (Entity::Contacts, "customer_id"),
            (Entity::Opportunities, "customer_id"),
            (Entity::Activities, "customer_id"),
            (Entity::Tickets, "customer_id"),
            (Entity::Prices, "customer_id"),
            (Entity::Quotes, "customer_id"),
            (Entity::Orders, "customer_id"),
            (Entity::PaymentPlans, "customer_id"),
            (Entity::Payments, "customer_id"),
            (Entity::Contracts, "customer_id"),
            (Entity::Licences, "customer_id"),
            (Entity::Targets, "customer_id"),
            (Entity::ReturnVisits, "customer_id"),
            (Entity::CampaignMembers, "customer_id"),
            (Entity::DealerAssessments, "customer_id"),
            (Entity::Files, "record_id"),
        ]
    );
    // A contact's relations are read by whoever reads the contact.
    assert_eq!(
        of(Entity::Contacts),
        vec![
            (Entity::CampaignMembers, "contact_id"),
            (Entity::ContactRelations, "contact_id"),
            (Entity::Files, "record_id"),
        ]
    );
    assert_eq!(
        of(Entity::Users),
        vec![
            (Entity::Customers, "owner_id"),
            (Entity::Opportunities, "owner_id"),
            (Entity::Activities, "owner_id"),
            (Entity::Tickets, "assignee_id"),
            (Entity::Quotes, "owner_id"),
            (Entity::Orders, "owner_id"),
            (Entity::PaymentPlans, "owner_id"),
            (Entity::Contracts, "owner_id"),
            (Entity::ExpenseClaims, "owner_id"),
            (Entity::Targets, "user_id"),
            (Entity::ReturnVisits, "assignee_id"),
            (Entity::Leads, "owner_id"),
            (Entity::WorkPlans, "owner_id"),
            (Entity::WorkLogs, "owner_id"),
        ]
    );
    assert_eq!(
        of(Entity::Articles),
        vec![
            (Entity::ArticleVersions, "article_id"),
            (Entity::Files, "record_id")
        ]
    );
    assert_eq!(
        of(Entity::Surveys),
        vec![(Entity::SurveyQuestions, "survey_id")]
    );
    assert_eq!(
        of(Entity::Opportunities),
        vec![
            (Entity::Activities, "opportunity_id"),
            (Entity::OpportunityCompetitors, "opportunity_id"),
            (Entity::OpportunityLines, "opportunity_id"),
            (Entity::Files, "record_id"),
        ]
    );
    assert_eq!(
        of(Entity::Quotes),
        vec![
            (Entity::QuoteLines, "quote_id"),
            (Entity::Approvals, "quote_id"),
            (Entity::Files, "record_id"),
        ]
    );
    assert_eq!(
        of(Entity::Contracts),
        vec![
            (Entity::Approvals, "contract_id"),
            (Entity::Files, "record_id")
        ]
    );
    assert_eq!(
        of(Entity::Orders),
        vec![
            (Entity::OrderLines, "order_id"),
            (Entity::Files, "record_id")
        ]
    );
    assert_eq!(
        of(Entity::PaymentPlans),
        vec![
            (Entity::Instalments, "plan_id"),
            (Entity::Payments, "plan_id")
        ]
    );
    assert_eq!(
        of(Entity::Tickets),
        vec![
            (Entity::Activities, "ticket_id"),
            (Entity::Comments, "ticket_id"),
            (Entity::FieldVisits, "ticket_id"),
            (Entity::Files, "record_id"),
        ]
    );
    assert_eq!(
        of(Entity::FieldVisits),
        vec![(Entity::VisitParts, "visit_id")]
    );
    // A lead's history and its memberships follow it.
    assert_eq!(
        of(Entity::Leads),
        vec![
            (Entity::Activities, "lead_id"),
            (Entity::CampaignMembers, "lead_id"),
            (Entity::Files, "record_id"),
        ]
    );
    // Reference data everyone reads: nothing derives its access from it but the files on it.
    assert_eq!(of(Entity::Competitors), vec![(Entity::Files, "record_id")]);
    assert!(of(Entity::Stages).is_empty());
}

#[test]
fn no_field_shadows_a_system_field() {
    for e in Entity::ALL {
        for field in e.fields() {
            assert!(
                !SYSTEM_FIELDS.contains(&field.name),
                "{}.{}",
                e.name(),
                field.name
            );
        }
    }
}
