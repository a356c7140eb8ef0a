//! The life of an assignment: one institution answering one campaign.
//!
//! ```text
//! not_started ─save→ draft ─submit→ submitted ─accept→ accepted
//!                      ↑                │
//!                      └──── returned ←─┘ return (with a comment); save keeps it returned
//! ```
//! Who may make each transition is the tenant policy's decision
//! (`mamori_domain::policy::check_assignment`); this module only knows which transitions exist.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    NotStarted,
    Draft,
    Submitted,
    Returned,
    Accepted,
}

impl AssignmentStatus {
    pub const ALL: [AssignmentStatus; 5] = [
        AssignmentStatus::NotStarted,
        AssignmentStatus::Draft,
        AssignmentStatus::Submitted,
        AssignmentStatus::Returned,
        AssignmentStatus::Accepted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AssignmentStatus::NotStarted => "not_started",
            AssignmentStatus::Draft => "draft",
            AssignmentStatus::Submitted => "submitted",
            AssignmentStatus::Returned => "returned",
            AssignmentStatus::Accepted => "accepted",
        }
    }

    pub fn from_code(s: &str) -> Option<AssignmentStatus> {
        AssignmentStatus::ALL.into_iter().find(|a| a.code() == s)
    }

    /// Whether the institution may still change its answers.
    pub fn is_open_for_answers(self) -> bool {
        matches!(
            self,
            AssignmentStatus::NotStarted | AssignmentStatus::Draft | AssignmentStatus::Returned
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Save,
    Submit,
    Return,
    Accept,
}

impl Transition {
    pub fn code(self) -> &'static str {
        match self {
            Transition::Save => "save",
            Transition::Submit => "submit",
            Transition::Return => "return",
            Transition::Accept => "accept",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an assignment that is {from:?} cannot be {transition:?}d")]
pub struct InvalidTransition {
    pub from: AssignmentStatus,
    pub transition: Transition,
}

/// The status after `transition`, or why it cannot happen.
pub fn next(
    from: AssignmentStatus,
    transition: Transition,
) -> Result<AssignmentStatus, InvalidTransition> {
    use AssignmentStatus::*;
    let to = match (from, transition) {
        (NotStarted | Draft, Transition::Save) => Some(Draft),
        (Returned, Transition::Save) => Some(Returned),
        (Draft | Returned, Transition::Submit) => Some(Submitted),
        (Submitted, Transition::Return) => Some(Returned),
        (Submitted, Transition::Accept) => Some(Accepted),
        _ => None,
    };
    to.ok_or(InvalidTransition { from, transition })
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignmentStatus::*;

    #[test]
    fn every_transition_from_every_status() {
        let expect = |from, t, to: Option<AssignmentStatus>| {
            assert_eq!(next(from, t).ok(), to, "{from:?} {t:?}")
        };
        expect(NotStarted, Transition::Save, Some(Draft));
        expect(NotStarted, Transition::Submit, None);
        expect(NotStarted, Transition::Return, None);
        expect(NotStarted, Transition::Accept, None);
        expect(Draft, Transition::Save, Some(Draft));
        expect(Draft, Transition::Submit, Some(Submitted));
        expect(Draft, Transition::Return, None);
        expect(Draft, Transition::Accept, None);
        expect(Submitted, Transition::Save, None);
        expect(Submitted, Transition::Submit, None);
        expect(Submitted, Transition::Return, Some(Returned));
        expect(Submitted, Transition::Accept, Some(Accepted));
        expect(Returned, Transition::Save, Some(Returned));
        expect(Returned, Transition::Submit, Some(Submitted));
        expect(Returned, Transition::Return, None);
        expect(Returned, Transition::Accept, None);
        for t in [
            Transition::Save,
            Transition::Submit,
            Transition::Return,
            Transition::Accept,
        ] {
            expect(Accepted, t, None);
        }
    }
}
