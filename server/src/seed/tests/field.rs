//! The demo's field service, survey schedule and campaign script went through the rules.

use super::*;

#[test]
fn the_demo_has_visits_in_the_engineer_s_calendar_a_schedule_and_a_campaign_script() {
    let (_dir, db) = open();
    demo(db.as_ref(), 300).unwrap();
    let admin = crate::system_actor();
    let liu = actor(db.as_ref(), "liu");
    let visits = all(db.as_ref(), &admin, Entity::FieldVisits);
    assert_eq!(visits.len(), 6, "{visits:?}");
    let activities = all(db.as_ref(), &liu, Entity::Activities);
    for v in &visits {
        assert_eq!(v["engineer_id"], json!(liu.id));
        // Each appointment is one of the engineer's own activities, at the visit's time.
        let appointment = activities
            .iter()
            .find(|a| a["id"] == v["activity_id"])
            .unwrap_or_else(|| panic!("no appointment for {v:?}"));
        assert_eq!(appointment["owner_id"], json!(liu.id));
        assert_eq!(appointment["starts_at"], v["starts_at"]);
    }
    let done: Vec<&serde_json::Map<String, Value>> =
        visits.iter().filter(|v| v["status"] == "done").collect();
    assert_eq!(done.len(), 3);
    assert!(
        done.iter()
            .all(|v| crate::service::field::report_missing(v).is_empty())
    );
    // One still waits for the customer's confirmation: its ticket may not close.
    let waiting: Vec<serde_json::Map<String, Value>> = done
        .iter()
        .filter(|v| v["confirmed_at"].is_null())
        .map(|v| (*v).clone())
        .collect();
    assert_eq!(waiting.len(), 1);
    assert!(crate::service::field::close_problem(&waiting).is_some());
    assert!(!all(db.as_ref(), &admin, Entity::VisitParts).is_empty());

    let schedules = all(db.as_ref(), &admin, Entity::SurveySchedules);
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0]["query"], json!("level:A"));
    let scripts = all(db.as_ref(), &admin, Entity::CallScripts);
    assert!(
        scripts.iter().any(|s| s["campaign_id"].is_string()),
        "a call campaign's script"
    );
}
