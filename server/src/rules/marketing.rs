//! Leads and campaigns (seed 003 线索, 营销战役, 营销项目; 001 市场管理): a lead's status moves,
//! what a campaign member's response may be, and a campaign's results (cost per lead, ROI) from
//! the sums the store reads in SQL. Pure: the caller passes the records.

/// A lead's quality as people grade it.
pub const LEAD_QUALITIES: [&str; 3] = ["hot", "warm", "cold"];

/// A lead's statuses: worked (new → contacted → qualified), then converted (by the conversion
/// only) or disqualified (with a reason).
pub const LEAD_STATUSES: [&str; 5] = ["new", "contacted", "qualified", "converted", "disqualified"];

/// The kinds of campaign (seed 001 市场管理: events, SMS and email promotion; 003 营销项目).
pub const CAMPAIGN_TYPES: [&str; 5] = ["event", "email", "sms", "call", "exhibition"];

/// A campaign's own state.
pub const CAMPAIGN_STATUSES: [&str; 4] = ["planned", "active", "completed", "cancelled"];

/// How far a campaign member went, in order: each counts as every one before it.
pub const RESPONSES: [&str; 4] = ["invited", "responded", "attended", "converted"];

/// A lead status move that is refused, and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadMove {
    /// A converted lead is kept as it was converted.
    Converted { customer: Option<String> },
    /// Not a move a lead makes (disqualified leads are reopened as `new` first).
    Illegal { from: String, to: String },
    /// Disqualifying needs a reason.
    NeedsReason,
}

impl LeadMove {
    pub fn message(&self) -> String {
        match self {
            LeadMove::Converted { customer: Some(c) } => {
                format!("this lead was converted already (to customer {c}); edit the customer")
            }
            LeadMove::Converted { customer: None } => {
                "this lead was converted already; edit the customer it became".into()
            }
            LeadMove::Illegal { from, to } => format!(
                "a {from} lead cannot become {to}; {}",
                if from == "disqualified" {
                    "reopen it as new first"
                } else {
                    "move it through new, contacted, qualified"
                }
            ),
            LeadMove::NeedsReason => "say why the lead is disqualified".into(),
        }
    }
}

/// Whether a lead may move from `from` to `to` (the same status is no move). Converting is
/// allowed from any open status; a disqualified lead is reopened as `new` first; a converted
/// lead never changes.
pub fn lead_move(from: &str, to: &str, reason: Option<&str>) -> Result<(), LeadMove> {
    if from == "converted" {
        return Err(LeadMove::Converted { customer: None });
    }
    if from == to {
        return Ok(());
    }
    let ok = match (from, to) {
        ("disqualified", "new") => true,
        ("disqualified", _) => false,
        (_, "disqualified") => {
            if reason.is_none_or(|r| r.trim().is_empty()) {
                return Err(LeadMove::NeedsReason);
            }
            true
        }
        (_, "new" | "contacted" | "qualified" | "converted") => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(LeadMove::Illegal {
            from: from.into(),
            to: to.into(),
        })
    }
}

/// The counts and sums a campaign's results are made from, as the store reads them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CampaignSums {
    pub members: i64,
    /// Members who responded, attended or converted.
    pub responses: i64,
    /// Members who attended or converted.
    pub attended: i64,
    /// Leads naming the campaign.
    pub leads: i64,
    pub converted_leads: i64,
    /// Opportunities naming the campaign as their source.
    pub opportunities: i64,
    pub won: i64,
    /// The won opportunities' amounts, minor units.
    pub won_amount: i64,
}

/// A campaign's results: the sums, and what follows from them and its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Results {
    pub sums: CampaignSums,
    pub budget: i64,
    pub actual_cost: i64,
    /// Actual cost over leads, minor units, rounded half up; None without leads.
    pub cost_per_lead: Option<i64>,
    /// (won amount − cost) / cost in basis points (10,000 = 100%), rounded toward zero; None
    /// when nothing was spent.
    pub roi_bp: Option<i64>,
}

/// The results of a campaign that cost `actual_cost` (minor units) given its sums.
pub fn results(sums: CampaignSums, budget: i64, actual_cost: i64) -> Results {
    let cost_per_lead = (sums.leads > 0).then(|| {
        let (cost, leads) = (i128::from(actual_cost), i128::from(sums.leads));
        i64::try_from((2 * cost + leads) / (2 * leads)).unwrap_or(i64::MAX)
    });
    let roi_bp = (actual_cost > 0).then(|| {
        let gain = i128::from(sums.won_amount) - i128::from(actual_cost);
        i64::try_from(gain * 10_000 / i128::from(actual_cost)).unwrap_or(i64::MAX)
    });
    Results {
        sums,
        budget,
        actual_cost,
        cost_per_lead,
        roi_bp,
    }
}

/// A response as far as the member went: a later response never goes back to an earlier one
/// by itself (a converted lead's member stays converted).
pub fn furthest<'a>(a: &'a str, b: &'a str) -> &'a str {
    let rank = |r: &str| RESPONSES.iter().position(|x| *x == r).unwrap_or(0);
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_is_worked_then_converted_or_disqualified_with_a_reason() {
        assert_eq!(lead_move("new", "contacted", None), Ok(()));
        assert_eq!(lead_move("contacted", "qualified", None), Ok(()));
        assert_eq!(lead_move("new", "converted", None), Ok(()));
        assert_eq!(lead_move("qualified", "new", None), Ok(()));
        assert_eq!(
            lead_move("contacted", "disqualified", None),
            Err(LeadMove::NeedsReason)
        );
        assert_eq!(
            lead_move("contacted", "disqualified", Some("  ")),
            Err(LeadMove::NeedsReason)
        );
        assert_eq!(
            lead_move("contacted", "disqualified", Some("no budget")),
            Ok(())
        );
        assert!(matches!(
            lead_move("disqualified", "converted", None),
            Err(LeadMove::Illegal { .. })
        ));
        assert_eq!(lead_move("disqualified", "new", None), Ok(()));
        assert!(matches!(
            lead_move("converted", "converted", None),
            Err(LeadMove::Converted { .. })
        ));
        assert!(matches!(
            lead_move("converted", "new", None),
            Err(LeadMove::Converted { .. })
        ));
        assert!(matches!(
            lead_move("new", "lost", None),
            Err(LeadMove::Illegal { .. })
        ));
    }

    #[test]
    fn cost_per_lead_and_roi_follow_from_the_sums() {
        let sums = CampaignSums {
            leads: 3,
            won_amount: 1_000_000,
            ..CampaignSums::default()
        };
        let r = results(sums, 500_000, 200_000);
        // 200,000 / 3 = 66,666.67 → 66,667.
        assert_eq!(r.cost_per_lead, Some(66_667));
        // (1,000,000 − 200,000) / 200,000 = 400%.
        assert_eq!(r.roi_bp, Some(40_000));
        let lost = results(CampaignSums::default(), 0, 100);
        assert_eq!(lost.cost_per_lead, None);
        assert_eq!(lost.roi_bp, Some(-10_000));
        assert_eq!(results(sums, 0, 0).roi_bp, None);
    }

    #[test]
    fn a_response_keeps_the_furthest_step() {
        assert_eq!(furthest("invited", "attended"), "attended");
        assert_eq!(furthest("converted", "responded"), "converted");
    }
}
