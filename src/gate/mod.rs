//! The CI gate, whole: the rules a report is judged by ([`rules`]: given
//! what a report found and the limits the user set, which rules are broken,
//! and the exit code that says so), and the earlier report a run is compared
//! with ([`baseline`]). Pure: the clock is an argument and files are read by
//! the caller, so every rule is table-tested.

pub mod baseline;
mod rules;

pub use baseline::{Baseline, BaselineError, BaselineItem, Growth, Shape};
pub use rules::{Facts, Limits, Unread, Violation, evaluate, exit};
