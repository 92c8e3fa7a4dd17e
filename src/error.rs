//! The bottom of every error: the exit-code table ([`Exit`]), an error the
//! user can act on ([`UserError`]), and what an error may say beyond its
//! message ([`Diagnostic`]: an exit code and a hint). Every error type
//! implements `Diagnostic` here, at the bottom; the one list that knows every
//! error type, and renders them, is at the command layer
//! (`commands::diagnostics`), so no module needs to import upwards.

use std::borrow::Cow;
use std::process::ExitCode;

/// How a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok,
    /// 1: network, database, unreadable input, unknown model in `show`/`history`,
    /// a malformed workload file.
    Error,
    /// 2: the command line asks for something impossible.
    Usage,
    /// 3: a budget or `--max-increase` threshold was exceeded.
    Threshold,
    /// 4: an unknown or unpriced model, or a catalog older than `--max-catalog-age`.
    Policy,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Error => 1,
            Exit::Usage => 2,
            Exit::Threshold => 3,
            Exit::Policy => 4,
        }
    }

    /// The exit of a run with several findings: policy (4) wins over a
    /// threshold (3), and both over an error (1) and a usage error (2).
    pub fn worst(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Ok => 0,
            Exit::Usage => 1,
            Exit::Error => 2,
            Exit::Threshold => 3,
            Exit::Policy => 4,
        };
        if rank(other) > rank(self) { other } else { self }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

/// An error the user can act on, with its exit code and an optional hint.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
    pub exit: Exit,
}

impl UserError {
    /// Exit 1.
    pub fn new(message: impl Into<String>) -> UserError {
        UserError { message: message.into(), hint: None, exit: Exit::Error }
    }

    /// Exit 2.
    pub fn usage(message: impl Into<String>) -> UserError {
        UserError { message: message.into(), hint: None, exit: Exit::Usage }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> UserError {
        self.hint = Some(hint.into());
        self
    }

    /// The same error with another exit code.
    pub fn exit(mut self, exit: Exit) -> UserError {
        self.exit = exit;
        self
    }
}

/// What an error can say about itself beyond its message.
pub trait Diagnostic: std::error::Error {
    /// The exit code this error calls for, if it knows better than 1.
    fn exit(&self) -> Option<Exit> {
        None
    }

    /// What to do next.
    fn hint(&self) -> Option<Cow<'_, str>> {
        None
    }
}

impl Diagnostic for UserError {
    fn exit(&self) -> Option<Exit> {
        Some(self.exit)
    }

    fn hint(&self) -> Option<Cow<'_, str>> {
        self.hint.as_deref().map(Cow::Borrowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_wins_over_threshold_and_both_over_errors() {
        assert_eq!(Exit::Threshold.worst(Exit::Policy), Exit::Policy);
        assert_eq!(Exit::Policy.worst(Exit::Threshold), Exit::Policy);
        assert_eq!(Exit::Ok.worst(Exit::Threshold), Exit::Threshold);
        assert_eq!(Exit::Error.worst(Exit::Threshold), Exit::Threshold);
        assert_eq!(Exit::Policy.worst(Exit::Error), Exit::Policy);
        assert_eq!(Exit::Usage.worst(Exit::Error), Exit::Error);
        assert_eq!(Exit::Ok.worst(Exit::Ok), Exit::Ok);
    }
}
