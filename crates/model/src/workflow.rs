//! The submission workflow: one table of allowed moves and who may make them,
//! enforced by [`check_move`] and nowhere else.
//!
//! ```text
//!  upload ──► submitted ──start_review──► in_review ──return──► returned
//!                │                            │                    │
//!                │                          accept             (new revision
//!                │                            ▼                 uploaded)
//!                │                         accepted                │
//!                └──(new revision uploaded)──► superseded ◄─────────┘
//! ```
//! A returned sheet comes back as a new revision (status `submitted`); the
//! returned revision becomes `superseded`. Decisions on flags carry over to the
//! new revision for items whose score and evidence did not change
//! ([`answer_unchanged`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::{Evaluation, Role};
use crate::error::ParseError;

/// Where a submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Uploaded, waiting for a reviewer.
    Submitted,
    /// A reviewer is working on it.
    InReview,
    /// Sent back to the subsidiary with a message.
    Returned,
    /// Accepted by a reviewer.
    Accepted,
    /// Replaced by a newer revision.
    Superseded,
}

impl SubmissionStatus {
    /// Every status.
    pub const ALL: [SubmissionStatus; 5] = [
        SubmissionStatus::Submitted,
        SubmissionStatus::InReview,
        SubmissionStatus::Returned,
        SubmissionStatus::Accepted,
        SubmissionStatus::Superseded,
    ];

    /// Storage code.
    pub fn code(self) -> &'static str {
        match self {
            SubmissionStatus::Submitted => "submitted",
            SubmissionStatus::InReview => "in_review",
            SubmissionStatus::Returned => "returned",
            SubmissionStatus::Accepted => "accepted",
            SubmissionStatus::Superseded => "superseded",
        }
    }
}

impl FromStr for SubmissionStatus {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        SubmissionStatus::ALL.into_iter().find(|x| x.code() == s).ok_or_else(|| {
            ParseError::new("submission status", s, "submitted, in_review, returned, accepted or superseded")
        })
    }
}

impl fmt::Display for SubmissionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A move in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A reviewer takes the sheet up.
    StartReview,
    /// A reviewer sends it back with a message.
    Return,
    /// A reviewer accepts it.
    Accept,
    /// A newer revision replaces it.
    Supersede,
}

impl Action {
    /// Storage code.
    pub fn code(self) -> &'static str {
        match self {
            Action::StartReview => "start_review",
            Action::Return => "return",
            Action::Accept => "accept",
            Action::Supersede => "supersede",
        }
    }
}

/// Who acts. The command line acts as [`Actor::System`], with admin rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A logged-in user.
    User {
        /// User id.
        id: i64,
        /// The user's role.
        role: Role,
        /// The company of a subsidiary user.
        company_id: Option<i64>,
    },
    /// The `hyoka` command line or the demo.
    System,
}

impl Actor {
    /// The role rights are checked against.
    pub fn role(self) -> Role {
        match self {
            Actor::User { role, .. } => role,
            Actor::System => Role::Admin,
        }
    }

    /// The user id, if a user acts.
    pub fn user_id(self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(id),
            Actor::System => None,
        }
    }

    /// Whether this actor may act for `company_id` at all: parent-company
    /// roles for every company, a subsidiary user only for its own.
    pub fn acts_for(self, company_id: i64) -> bool {
        match self {
            Actor::User { role: Role::Subsidiary, company_id: own, .. } => own == Some(company_id),
            _ => true,
        }
    }
}

/// One row of the state table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// The status the submission must be in.
    pub from: SubmissionStatus,
    /// The move.
    pub action: Action,
    /// The status it ends in.
    pub to: SubmissionStatus,
    /// Roles allowed to make it (subsidiary users only for their own company).
    pub roles: &'static [Role],
    /// Whether a message to the subsidiary is required.
    pub needs_message: bool,
}

const PARENT: &[Role] = &[Role::Admin, Role::Reviewer];
const UPLOADERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::Subsidiary];

/// Every allowed move. Anything not listed here is refused.
pub const MOVES: &[Move] = &[
    Move {
        from: SubmissionStatus::Submitted,
        action: Action::StartReview,
        to: SubmissionStatus::InReview,
        roles: PARENT,
        needs_message: false,
    },
    Move {
        from: SubmissionStatus::InReview,
        action: Action::Return,
        to: SubmissionStatus::Returned,
        roles: PARENT,
        needs_message: true,
    },
    Move {
        from: SubmissionStatus::InReview,
        action: Action::Accept,
        to: SubmissionStatus::Accepted,
        roles: PARENT,
        needs_message: false,
    },
    Move {
        from: SubmissionStatus::Submitted,
        action: Action::Supersede,
        to: SubmissionStatus::Superseded,
        roles: UPLOADERS,
        needs_message: false,
    },
    Move {
        from: SubmissionStatus::Returned,
        action: Action::Supersede,
        to: SubmissionStatus::Superseded,
        roles: UPLOADERS,
        needs_message: false,
    },
];

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The table has no such move from this status.
    #[error("cannot {action} a submission that is {from} / {from_ja}の提出物に対して {action} はできません", action = .action.code(), from_ja = status_ja(*.from))]
    NotAllowed {
        /// Current status.
        from: SubmissionStatus,
        /// Attempted move.
        action: Action,
    },
    /// The actor's role or company may not make this move.
    #[error("your role may not {action} this submission / この操作（{action}）を行う権限がありません", action = .action.code())]
    Forbidden {
        /// Attempted move.
        action: Action,
    },
    /// A message is required (returning a sheet).
    #[error("a message to the subsidiary is required / 子会社へのメッセージを入力してください")]
    MessageRequired,
}

/// Japanese name of a status, for messages.
pub fn status_ja(s: SubmissionStatus) -> &'static str {
    match s {
        SubmissionStatus::Submitted => "提出済",
        SubmissionStatus::InReview => "レビュー中",
        SubmissionStatus::Returned => "差戻し",
        SubmissionStatus::Accepted => "承認済",
        SubmissionStatus::Superseded => "旧版",
    }
}

/// Checks one move against the table: the move exists from `from`, the
/// actor's role is allowed and acts for `company_id`, and a message is there
/// when required. Returns the new status.
pub fn check_move(
    from: SubmissionStatus,
    action: Action,
    actor: Actor,
    company_id: i64,
    message: Option<&str>,
) -> Result<SubmissionStatus, WorkflowError> {
    let m = MOVES
        .iter()
        .find(|m| m.from == from && m.action == action)
        .ok_or(WorkflowError::NotAllowed { from, action })?;
    if !m.roles.contains(&actor.role()) || !actor.acts_for(company_id) {
        return Err(WorkflowError::Forbidden { action });
    }
    if m.needs_message && message.is_none_or(|s| s.trim().is_empty()) {
        return Err(WorkflowError::MessageRequired);
    }
    Ok(m.to)
}

/// Whether a decision on a flag of the previous revision carries over: the
/// item's score and its evidence (after NFKC and whitespace folding) are the
/// same.
pub fn answer_unchanged(prev: (Evaluation, &str), next: (Evaluation, &str)) -> bool {
    prev.0 == next.0 && fold(prev.1) == fold(next.1)
}

fn fold(s: &str) -> String {
    crate::text::normalize_compact(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REVIEWER: Actor = Actor::User { id: 1, role: Role::Reviewer, company_id: None };
    const SUB_A: Actor = Actor::User { id: 2, role: Role::Subsidiary, company_id: Some(10) };
    const AUDITOR: Actor = Actor::User { id: 3, role: Role::Auditor, company_id: None };

    #[test]
    fn the_happy_path() {
        use SubmissionStatus as S;
        let s = check_move(S::Submitted, Action::StartReview, REVIEWER, 10, None);
        assert_eq!(s, Ok(S::InReview));
        assert_eq!(check_move(S::InReview, Action::Return, REVIEWER, 10, Some("No.9 の根拠を追記")), Ok(S::Returned));
        assert_eq!(check_move(S::Returned, Action::Supersede, SUB_A, 10, None), Ok(S::Superseded));
        assert_eq!(check_move(S::InReview, Action::Accept, Actor::System, 10, None), Ok(S::Accepted));
    }

    #[test]
    fn every_move_outside_the_table_is_refused() {
        for from in SubmissionStatus::ALL {
            for action in [Action::StartReview, Action::Return, Action::Accept, Action::Supersede] {
                let listed = MOVES.iter().any(|m| m.from == from && m.action == action);
                let r = check_move(from, action, Actor::System, 10, Some("m"));
                assert_eq!(r.is_ok(), listed, "{from} {action:?}");
            }
        }
    }

    #[test]
    fn roles_and_companies_are_checked() {
        use SubmissionStatus as S;
        assert_eq!(
            check_move(S::Submitted, Action::StartReview, SUB_A, 10, None),
            Err(WorkflowError::Forbidden { action: Action::StartReview })
        );
        assert_eq!(
            check_move(S::InReview, Action::Accept, AUDITOR, 10, None),
            Err(WorkflowError::Forbidden { action: Action::Accept })
        );
        assert_eq!(
            check_move(S::Returned, Action::Supersede, SUB_A, 11, None),
            Err(WorkflowError::Forbidden { action: Action::Supersede })
        );
        assert_eq!(
            check_move(S::InReview, Action::Return, REVIEWER, 10, Some("  ")),
            Err(WorkflowError::MessageRequired)
        );
        let msg = check_move(S::Accepted, Action::Return, REVIEWER, 10, Some("x"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("承認済") && msg.contains("accepted"), "{msg}");
    }

    #[test]
    fn carry_over_ignores_width_and_spacing_only() {
        assert!(answer_unchanged(
            (Evaluation::DONE, "規程を２０２２年に制定"),
            (Evaluation::DONE, "規程を 2022年に制定")
        ));
        assert!(!answer_unchanged(
            (Evaluation::DONE, "規程を2022年に制定"),
            (Evaluation::IN_PROGRESS, "規程を2022年に制定")
        ));
        assert!(!answer_unchanged((Evaluation::DONE, "規程を2022年に制定"), (Evaluation::DONE, "規程を2023年に制定")));
    }
}
