//! The fields a record's state requires or forbids: a won or lost opportunity says why, a
//! resolved or closed ticket says how, and only a finished ticket is rated.

use crate::error::ApiError;
use crate::rules::sla;

/// A field the state needs (or may not have), and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> ApiError {
        ApiError::invalid(p.field, p.message)
    }
}

/// Whether an opportunity in a stage of `stage_kind` (`open`, `won`, `lost`) needs a close
/// reason before it may move there.
pub fn needs_close_reason(stage_kind: &str) -> bool {
    stage_kind != "open"
}

/// What a user is told when a deal moves to a closed stage without a reason.
pub fn close_reason_needed(stage_kind: &str) -> String {
    format!("say why the opportunity was {stage_kind}")
}

/// An opportunity in a closed stage (won or lost) says why.
pub fn close_reason(stage_kind: &str, close_reason: Option<&str>) -> Result<(), Problem> {
    if needs_close_reason(stage_kind) && close_reason.is_none() {
        return Err(Problem {
            field: "close_reason",
            message: close_reason_needed(stage_kind),
        });
    }
    Ok(())
}

/// What a user is told when a ticket is resolved or closed without saying how.
pub const RESOLUTION_NEEDED: &str = "say how the request was resolved";

/// A resolved or closed ticket says how the request was resolved.
pub fn resolution(status: &str, resolution: Option<&str>) -> Result<(), Problem> {
    if sla::is_finished(status) && resolution.is_none() {
        return Err(Problem {
            field: "resolution",
            message: RESOLUTION_NEEDED.into(),
        });
    }
    Ok(())
}

/// A satisfaction score is recorded only once the ticket is resolved or closed.
pub fn satisfaction(status: &str, rated: bool) -> Result<(), Problem> {
    if rated && !sla::is_finished(status) {
        return Err(Problem {
            field: "satisfaction",
            message: "is recorded when the ticket is resolved or closed".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_deal_says_why() {
        assert_eq!(close_reason("open", None), Ok(()));
        assert_eq!(close_reason("won", Some("price")), Ok(()));
        let lost = close_reason("lost", None).unwrap_err();
        assert_eq!(lost.field, "close_reason");
        assert_eq!(lost.message, "say why the opportunity was lost");
        assert!(close_reason("won", None).is_err());
    }

    #[test]
    fn a_finished_ticket_says_how_and_only_it_is_rated() {
        assert_eq!(resolution("open", None), Ok(()));
        assert_eq!(
            resolution("resolved", None).unwrap_err().field,
            "resolution"
        );
        assert!(resolution("closed", None).is_err());
        assert_eq!(resolution("closed", Some("replaced the part")), Ok(()));
        assert_eq!(satisfaction("closed", true), Ok(()));
        assert_eq!(satisfaction("pending", false), Ok(()));
        assert_eq!(
            satisfaction("pending", true).unwrap_err().field,
            "satisfaction"
        );
    }

    #[test]
    fn a_problem_is_a_field_error() {
        let e: ApiError = close_reason("lost", None).unwrap_err().into();
        assert!(matches!(e, ApiError::Invalid(fields) if fields.contains_key("close_reason")));
    }
}
