//! How an error reaches the user: `error: what failed` / `  caused by: ...`
//! / `hint: what to do next`, and its exit code. This is the one place that
//! knows every error type ([`crate::error::Diagnostic`] implementors): it
//! walks an error's cause chain once and takes the first exit and the first
//! hint it finds; no message is ever parsed or reworded.

use std::borrow::Cow;

use crate::error::{Diagnostic, Exit, UserError};

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
        crate::api::log::LogError,
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
    format!("error: {}", render_body(err, hint))
}

/// The error's message, causes and hint, without the `error: ` that starts
/// the line on a terminal (the explorer shows it in a page of its own).
pub fn render_body(err: &anyhow::Error, hint: Option<&str>) -> String {
    let mut out = err.to_string();
    let mut last = out.clone();
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
