//! Targets in the demo: every salesperson and manager a monthly target from six months back to
//! three ahead, each sales team one a tenth above its members' sum, set through the service as
//! an admin. Sized to the demo: about what a person wins a month at its size (about a deal a
//! customer, a fifth of them won within three months, some 200,000 yuan each, over four
//! sellers), varied per person so attainment differs.

use chrono::{Datelike, Months, NaiveDate};
use serde_json::json;

use super::generator::Gen;
use super::setup::object;
use super::users::DEMO_USERS;
use crate::access::Role;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::Tx;

/// Months before this one, and after, that get targets.
const MONTHS_BACK: u32 = 6;
const MONTHS_AHEAD: u32 = 3;
/// A person's monthly target per demo customer, in fen (1,000 yuan).
const PER_CUSTOMER: i64 = 100_000;
/// The least monthly target, in fen (100,000 yuan).
const LEAST: i64 = 10_000_000;
/// Percent of the base each seller's target is, in DEMO_USERS order among the sellers.
const SPREAD: [i64; 4] = [110, 90, 100, 80];

impl Gen {
    pub(super) fn targets(&mut self, tx: &dyn Tx) -> Result<usize, ApiError> {
        let admin = crate::system_actor();
        let per_customer = i64::try_from(self.total).unwrap_or(i64::MAX / PER_CUSTOMER);
        // Rounded to 10,000 yuan, as people set them.
        let base = (per_customer.saturating_mul(PER_CUSTOMER)).max(LEAST) / 1_000_000 * 1_000_000;
        let today = self.today.date_naive();
        let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
        let first = this_month
            .checked_sub_months(Months::new(MONTHS_BACK))
            .unwrap_or(this_month);
        let sellers: Vec<(usize, &str)> = DEMO_USERS
            .iter()
            .enumerate()
            .filter(|(_, u)| matches!(u.role, Role::Sales | Role::Manager))
            .filter_map(|(n, _)| Some((n, self.setup.teams.get(n)?.as_deref()?)))
            .collect();
        let mut made = 0;
        for m in 0..=(MONTHS_BACK + MONTHS_AHEAD) {
            let month = first.checked_add_months(Months::new(m)).unwrap_or(first);
            let month = month.format("%Y-%m-%d").to_string();
            let mut teams: std::collections::BTreeMap<&str, i64> = Default::default();
            for (i, (n, team)) in sellers.iter().enumerate() {
                let amount = base * SPREAD[i % SPREAD.len()] / 100;
                *teams.entry(team).or_default() += amount;
                let body =
                    json!({"user_id": self.setup.users[*n], "month": month, "amount": amount});
                service::create(tx, &admin, Entity::Targets, &object(body), false)?;
                made += 1;
            }
            for (team, sum) in teams {
                let amount = sum * 11 / 10 / 1_000_000 * 1_000_000;
                let body = json!({"team_id": team, "month": month, "amount": amount});
                service::create(tx, &admin, Entity::Targets, &object(body), false)?;
                made += 1;
            }
        }
        Ok(made)
    }
}
