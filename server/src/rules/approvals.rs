//! Approvals: one mechanism for contracts, expense claims and quotes whose discount is above the
//! sender's limit. Pure: the state machine, who an approval goes to and who may decide it.
//!
//! A record is submitted (an approval is created, `pending`); its approver approves or rejects
//! it with a comment, or its submitter withdraws it. The record it is for (its *subject*) moves
//! with it: `draft → pending → approved | rejected`, and back to `draft` when withdrawn. A
//! subject is changed only in `draft` or `rejected` (a rejected one is corrected and submitted
//! again); while `pending` it is locked, and once `approved` it is final.
//!
//! The approver is the owner's manager (a manager of the owner's team); an admin when the
//! amount is above the admin's setting for the kind, when the owner is a manager or admin
//! themselves, or when their team has no manager. Nobody decides their own submission: the
//! submitter is never chosen, and is refused if they try.

use crate::access::Role;

/// What an approval is for, by the link it holds.
pub const KINDS: [&str; 3] = ["contract", "discount", "expense"];
/// An approval's own state.
pub const STATUSES: [&str; 4] = ["pending", "approved", "rejected", "withdrawn"];
/// The approval state of a contract or an expense claim.
pub const SUBJECT_STATUSES: [&str; 4] = ["draft", "pending", "approved", "rejected"];

/// The kind of an approval and the field of an approval that links its subject.
pub const SUBJECT_LINKS: [(&str, &str); 3] = [
    ("contract", "contract_id"),
    ("discount", "quote_id"),
    ("expense", "expense_claim_id"),
];

/// Why a step is refused: the state is at fault (409) or the person is (403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    State(String),
    Person(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::State(m) | Refusal::Person(m) => m,
        }
    }
}

/// May a subject in this status be submitted?
pub fn may_submit(subject_status: &str) -> Result<(), Refusal> {
    match subject_status {
        "draft" | "rejected" => Ok(()),
        "pending" => Err(Refusal::State(
            "this is already waiting for approval".into(),
        )),
        other => Err(Refusal::State(format!(
            "this is {other} and cannot be submitted again"
        ))),
    }
}

/// May a subject in this status have its fields changed (or be deleted)?
pub fn editable(subject_status: &str) -> bool {
    matches!(subject_status, "draft" | "rejected")
}

/// What a user is told when they change a locked subject.
pub fn locked_message(noun: &str, subject_status: &str) -> String {
    match subject_status {
        "pending" => format!(
            "this {noun} is waiting for approval and is locked until it is approved or rejected; its submitter may withdraw it to make changes"
        ),
        status => format!("this {noun} is {status} and can no longer be changed"),
    }
}

/// The subject's status once its approval reaches `approval_status`.
pub fn subject_status_for(approval_status: &str) -> &'static str {
    match approval_status {
        "pending" => "pending",
        "approved" => "approved",
        "rejected" => "rejected",
        _ => "draft",
    }
}

/// The people an approval may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates<'a> {
    /// Active managers of the owner's team, in a stable order.
    pub managers: Vec<&'a str>,
    /// Active admins, in a stable order.
    pub admins: Vec<&'a str>,
}

/// Who an approval goes to. `owner_role`: the subject owner's role; `above_admin_limit`: the
/// amount (or the discount) is beyond what the admin's setting leaves to managers. Never the
/// submitter; when nobody else may decide, says so.
pub fn route<'a>(
    owner_role: Role,
    above_admin_limit: bool,
    submitter: &str,
    candidates: &Candidates<'a>,
) -> Result<&'a str, Refusal> {
    let other = |ids: &[&'a str]| ids.iter().copied().find(|id| *id != submitter);
    let to_admin = above_admin_limit || matches!(owner_role, Role::Manager | Role::Admin);
    let chosen = if to_admin {
        other(&candidates.admins)
    } else {
        other(&candidates.managers).or_else(|| other(&candidates.admins))
    };
    chosen.ok_or_else(|| {
        Refusal::State(
            "nobody but you may approve this: an admin must add another manager or admin".into(),
        )
    })
}

/// Who acts on an approval and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decider<'a> {
    pub id: &'a str,
    pub role: Role,
}

/// May `who` move an approval from `from` to `to`? The approver (or an admin) approves or
/// rejects, a rejection with a comment; the submitter withdraws; nobody decides their own.
pub fn decide(
    from: &str,
    to: &str,
    who: Decider<'_>,
    submitter: &str,
    approver: &str,
    comment: Option<&str>,
) -> Result<(), Refusal> {
    if from == to {
        return Ok(());
    }
    if from != "pending" {
        return Err(Refusal::State(format!(
            "this approval is {from} already; submit the record again for a new one"
        )));
    }
    match to {
        "approved" | "rejected" => {
            if who.id == submitter {
                return Err(Refusal::Person(
                    "you cannot approve or reject your own submission".into(),
                ));
            }
            if who.id != approver && who.role != Role::Admin {
                return Err(Refusal::Person(
                    "only the approver it was sent to, or an admin, may decide this".into(),
                ));
            }
            if to == "rejected" && comment.is_none_or(|c| c.trim().is_empty()) {
                return Err(Refusal::State(
                    "say why in a comment when you reject".into(),
                ));
            }
            Ok(())
        }
        "withdrawn" => {
            if who.id == submitter {
                Ok(())
            } else {
                Err(Refusal::Person(
                    "only the submitter may withdraw an approval".into(),
                ))
            }
        }
        other => Err(Refusal::State(format!(
            "an approval is approved, rejected or withdrawn, not {other}"
        ))),
    }
}

/// A discount approved up to `approved_bp` covers a quote whose largest line discount is now
/// `largest_bp`.
pub fn discount_covered(approved_bp: Option<i64>, largest_bp: i64) -> bool {
    approved_bp.is_some_and(|a| largest_bp <= a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALES: Decider = Decider {
        id: "s",
        role: Role::Sales,
    };
    const MANAGER: Decider = Decider {
        id: "m",
        role: Role::Manager,
    };
    const ADMIN: Decider = Decider {
        id: "a",
        role: Role::Admin,
    };

    #[test]
    fn drafts_and_rejected_records_are_submitted_and_edited() {
        assert!(may_submit("draft").is_ok() && may_submit("rejected").is_ok());
        assert!(may_submit("pending").is_err() && may_submit("approved").is_err());
        assert!(editable("draft") && editable("rejected"));
        assert!(!editable("pending") && !editable("approved"));
        assert!(locked_message("contract", "pending").contains("waiting for approval"));
        assert_eq!(subject_status_for("withdrawn"), "draft");
        assert_eq!(subject_status_for("approved"), "approved");
    }

    #[test]
    fn an_approval_goes_to_the_owners_manager_or_above_the_limit_to_an_admin() {
        let c = Candidates {
            managers: vec!["m", "m2"],
            admins: vec!["a"],
        };
        assert_eq!(route(Role::Sales, false, "s", &c), Ok("m"));
        assert_eq!(route(Role::Sales, true, "s", &c), Ok("a"));
        // A manager's own record goes up to an admin.
        assert_eq!(route(Role::Manager, false, "m", &c), Ok("a"));
        // A manager submitting a salesperson's record does not get it back.
        assert_eq!(route(Role::Sales, false, "m", &c), Ok("m2"));
        let lonely = Candidates {
            managers: vec![],
            admins: vec!["a"],
        };
        assert_eq!(route(Role::Sales, false, "s", &lonely), Ok("a"));
        assert!(route(Role::Sales, false, "a", &lonely).is_err());
    }

    #[test]
    fn only_the_approver_or_an_admin_decides_and_never_their_own() {
        assert!(decide("pending", "approved", MANAGER, "s", "m", None).is_ok());
        assert!(decide("pending", "approved", ADMIN, "s", "m", None).is_ok());
        let other_manager = Decider {
            id: "m2",
            role: Role::Manager,
        };
        assert!(matches!(
            decide("pending", "approved", other_manager, "s", "m", None),
            Err(Refusal::Person(_))
        ));
        // Not even an admin approves their own submission.
        assert!(matches!(
            decide("pending", "approved", ADMIN, "a", "a", None),
            Err(Refusal::Person(m)) if m.contains("your own")
        ));
        assert!(matches!(
            decide("pending", "rejected", MANAGER, "s", "m", Some("  ")),
            Err(Refusal::State(_))
        ));
        assert!(decide("pending", "rejected", MANAGER, "s", "m", Some("too cheap")).is_ok());
        assert!(decide("pending", "withdrawn", SALES, "s", "m", None).is_ok());
        assert!(decide("pending", "withdrawn", MANAGER, "s", "m", None).is_err());
        assert!(matches!(
            decide("approved", "rejected", MANAGER, "s", "m", Some("no")),
            Err(Refusal::State(_))
        ));
        assert!(decide("pending", "pending", SALES, "s", "m", None).is_ok());
    }

    #[test]
    fn an_approved_discount_covers_no_more_than_it_said() {
        assert!(discount_covered(Some(2_500), 2_500));
        assert!(discount_covered(Some(2_500), 1_000));
        assert!(!discount_covered(Some(2_500), 2_600));
        assert!(!discount_covered(None, 100));
    }
}
