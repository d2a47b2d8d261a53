//! The demo's leads and campaigns went through the rules.

use super::*;

#[test]
fn the_demo_has_leads_in_every_status_a_campaign_of_each_kind_and_results_with_a_return() {
    let (_dir, db) = open();
    demo(db.as_ref(), 300).unwrap();
    let admin = crate::system_actor();
    let leads = all(db.as_ref(), &admin, Entity::Leads);
    let statuses: BTreeSet<&str> = leads.iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["new", "contacted", "qualified", "converted", "disqualified"])
    );
    let sources: BTreeSet<&str> = leads.iter().filter_map(|l| l["source"].as_str()).collect();
    assert!(sources.len() >= 4, "{sources:?}");
    for lead in &leads {
        assert!(crate::rules::numbers::Number::parse(lead["number"].as_str().unwrap()).is_some());
        if lead["status"] == "converted" {
            // Converted by the rules: linked to what it became.
            assert!(lead["customer_id"].is_string() && lead["contact_id"].is_string());
        }
        if lead["status"] == "disqualified" {
            assert!(lead["disqualify_reason"].is_string());
        }
    }
    assert!(
        leads.iter().any(|l| l["owner_id"].is_null()),
        "some leads wait in a team's pool"
    );

    let campaigns = all(db.as_ref(), &admin, Entity::Campaigns);
    let kinds: BTreeSet<&str> = campaigns
        .iter()
        .filter_map(|c| c["campaign_type"].as_str())
        .collect();
    assert_eq!(kinds.len(), crate::rules::marketing::CAMPAIGN_TYPES.len());
    let members = all(db.as_ref(), &admin, Entity::CampaignMembers);
    let responses: BTreeSet<&str> = members
        .iter()
        .filter_map(|m| m["response"].as_str())
        .collect();
    assert!(responses.len() >= 3, "{responses:?}");
    // The call campaign's members are calls planned for the agents.
    let call = campaigns
        .iter()
        .find(|c| c["campaign_type"] == "call")
        .unwrap();
    let agents = &call["agent_ids"];
    let queued: Vec<&Record> = members
        .iter()
        .filter(|m| m["campaign_id"] == call["id"])
        .collect();
    assert!(!queued.is_empty());
    let activities = all(db.as_ref(), &admin, Entity::Activities);
    for m in queued {
        let activity = activities
            .iter()
            .find(|a| a["id"] == m["activity_id"])
            .expect("a member's call");
        assert_eq!(activity["kind"], "call");
        assert!(agents.as_array().unwrap().contains(&activity["owner_id"]));
    }
    // Some campaign earned something back, summed by the store.
    let won = store::read(db.as_ref(), |tx| {
        let mut total = 0;
        for c in &campaigns {
            total += tx.campaign_sums(c["id"].as_str().unwrap())?.won_amount;
        }
        Ok::<_, ApiError>(total)
    })
    .unwrap();
    assert!(won > 0, "no campaign won anything");
}
