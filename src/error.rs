//! The exit-code table of SPEC §3, in one place, and how an error is shown:
//! `error: what failed` / `  caused by: ...` / `hint: what to do next`.

use std::process::ExitCode;

use crate::api::client::SyncError;
use crate::store::StoreError;

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
}

/// The exit code for an error: a [`UserError`]'s own, else 1.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    err.chain().find_map(|e| e.downcast_ref::<UserError>()).map_or(Exit::Error, |u| u.exit)
}

/// True when the error is stdout closing under us (`cometcat models | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// The text printed on stderr for an error.
pub fn render(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err}");
    let mut last = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !last.contains(&text) {
            out.push_str(&format!("\n  caused by: {text}"));
        }
        last = text;
    }
    if let Some(hint) = hint(err) {
        out.push_str(&format!("\nhint: {hint}"));
    }
    out
}

fn hint(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|e| {
        if let Some(u) = e.downcast_ref::<UserError>() {
            u.hint.clone()
        } else if let Some(s) = e.downcast_ref::<StoreError>() {
            s.hint().map(str::to_owned)
        } else {
            e.downcast_ref::<SyncError>().and_then(SyncError::hint).map(str::to_owned)
        }
    })
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
        assert_eq!(exit_for(&err), Exit::Usage);
        assert_eq!(render(&err), "error: bad flag\nhint: try --help");
        let err = anyhow::Error::new(std::io::Error::other("disk on fire")).context("cannot write out.csv");
        assert_eq!(exit_for(&err), Exit::Error);
        assert_eq!(render(&err), "error: cannot write out.csv\n  caused by: disk on fire");
    }
}
