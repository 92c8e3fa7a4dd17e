//! The exit-code table, in one place, and how an error is shown:
//! `error: what failed` / `  caused by: ...` / `hint: what to do next`.
//!
//! Every error type the user can meet implements [`Diagnostic`]: it may name
//! its exit code and a hint. [`diagnose`] walks an error's cause chain once and
//! takes the first exit and the first hint it finds; no message is ever parsed
//! or reworded.

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

    /// The exit of a run with several findings: policy (4) wins over threshold (3).
    pub fn worst(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Ok => 0,
            Exit::Threshold => 1,
            Exit::Policy => 2,
            Exit::Usage => 3,
            Exit::Error => 4,
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

/// The [`Diagnostic`] of one cause, for each error type that has one.
fn as_diagnostic<'e>(cause: &'e (dyn std::error::Error + 'static)) -> Option<&'e dyn Diagnostic> {
    macro_rules! first_of {
        ($($t:ty),* $(,)?) => {
            $(if let Some(d) = cause.downcast_ref::<$t>() {
                return Some(d);
            })*
        };
    }
    first_of!(
        UserError,
        crate::store::StoreError,
        crate::api::client::SyncError,
        crate::api::paging::PagingError,
        crate::api::retry::Failure,
        crate::pricing::CostError,
        crate::workload::WorkloadError,
        crate::suggest::UnknownModel,
    );
    None
}

/// An error's exit code and hint: the first each cause offers, outermost first.
#[derive(Debug, PartialEq, Eq)]
pub struct Diagnosis {
    pub exit: Exit,
    pub hint: Option<String>,
}

pub fn diagnose(err: &anyhow::Error) -> Diagnosis {
    let (mut exit, mut hint) = (None, None);
    for d in err.chain().filter_map(as_diagnostic) {
        exit = exit.or_else(|| d.exit());
        hint = hint.or_else(|| d.hint().map(Cow::into_owned));
        if exit.is_some() && hint.is_some() {
            break;
        }
    }
    Diagnosis { exit: exit.unwrap_or(Exit::Error), hint }
}

/// True when the error is stdout closing under us (`cometcat models | head`),
/// however deep the I/O error is wrapped.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    fn broken(e: &(dyn std::error::Error + 'static)) -> bool {
        match e.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe => true,
            // An io::Error's `source` skips the error it wraps: look inside.
            Some(io) => io.get_ref().is_some_and(|inner| broken(inner)),
            None => false,
        }
    }
    err.chain().any(broken)
}

/// The text printed on stderr for an error, with the hint from [`diagnose`].
pub fn render(err: &anyhow::Error, hint: Option<&str>) -> String {
    let mut out = format!("error: {err}");
    let mut last = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !last.contains(&text) {
            out.push_str(&format!("\n  caused by: {text}"));
        }
        last = text;
    }
    if let Some(hint) = hint {
        out.push_str(&format!("\nhint: {hint}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_wins_over_threshold() {
        assert_eq!(Exit::Threshold.worst(Exit::Policy), Exit::Policy);
        assert_eq!(Exit::Policy.worst(Exit::Threshold), Exit::Policy);
        assert_eq!(Exit::Ok.worst(Exit::Threshold), Exit::Threshold);
        assert_eq!(Exit::Ok.worst(Exit::Ok), Exit::Ok);
    }

    #[test]
    fn errors_render_with_causes_and_hints() {
        let err = anyhow::Error::new(UserError::usage("bad flag").hint("try --help"));
        let d = diagnose(&err);
        assert_eq!(d, Diagnosis { exit: Exit::Usage, hint: Some("try --help".into()) });
        assert_eq!(render(&err, d.hint.as_deref()), "error: bad flag\nhint: try --help");
        let err = anyhow::Error::new(std::io::Error::other("disk on fire")).context("cannot write out.csv");
        assert_eq!(diagnose(&err), Diagnosis { exit: Exit::Error, hint: None });
        assert_eq!(render(&err, None), "error: cannot write out.csv\n  caused by: disk on fire");
    }

    #[test]
    fn exits_and_hints_are_found_anywhere_in_the_chain() {
        // Context that says nothing of exits does not hide the cause's.
        let err = anyhow::Error::new(crate::pricing::CostError::NeedsSeconds { model: "veo3".into() })
            .context("pricing the workload");
        assert_eq!(diagnose(&err), Diagnosis { exit: Exit::Usage, hint: None });
        let err = anyhow::Error::new(crate::store::StoreError::NoSnapshot(9)).context("diff");
        assert_eq!(diagnose(&err).hint.as_deref(), Some("`cometcat syncs` lists the snapshots"));
    }
}
