//! What a usage report is asked for: how records are grouped ([`GroupBy`]),
//! at which snapshot's prices ([`At`]), names to read as other models, and
//! the models to compare with.

use std::collections::HashMap;

use crate::catalog::Model;

/// How the report groups the calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Model,
    Provider,
    /// The UTC day of the call's time.
    Day,
    /// The value of one tag.
    Tag(String),
}

/// Which prices a call is charged at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// The current snapshot's.
    Now,
    /// The snapshot's that was current at the call's time.
    Record,
}

/// What the command asked for.
#[derive(Clone, Debug)]
pub struct Options {
    pub by: GroupBy,
    pub at: At,
    /// `--alias NAME=MODEL`.
    pub aliases: HashMap<String, String>,
    /// `--what-if MODEL`: each alternative, as the current catalog has it.
    pub what_if: Vec<Model>,
}
