//! The snapshots a usage report prices on: the current one, and for
//! `--at record` the one that was current at each record's time, loaded when
//! first needed.

use std::collections::HashMap;

use crate::time::Time;

use super::options::At;
use super::resolve::Resolver;
use crate::catalog::Model;

/// The snapshots a report may price on: the current one, and for `At::Record`
/// every snapshot by the time its data was fetched, loaded when first needed.
pub struct Catalogs<'l> {
    current: (i64, Resolver),
    /// (fetched at, snapshot id), oldest first.
    history: Vec<(Time, i64)>,
    loaded: HashMap<i64, Resolver>,
    load: Box<dyn FnMut(i64) -> anyhow::Result<Vec<Model>> + 'l>,
}

impl<'l> Catalogs<'l> {
    /// `current` is the current snapshot's id and models; `history` every
    /// snapshot's fetch time and id; `load` gives a snapshot's models.
    pub fn new(
        current: (i64, Vec<Model>),
        mut history: Vec<(Time, i64)>,
        load: impl FnMut(i64) -> anyhow::Result<Vec<Model>> + 'l,
    ) -> Catalogs<'l> {
        history.sort();
        Catalogs {
            current: (current.0, Resolver::new(current.1)),
            history,
            loaded: HashMap::new(),
            load: Box::new(load),
        }
    }

    /// The snapshot a call at `time` is priced on, and whether that was its
    /// time, the current snapshot for want of one, or the first for a call older than any.
    pub(super) fn pick(&self, at: At, time: Option<Time>) -> (i64, Timing) {
        match (at, time) {
            (At::Now, _) => (self.current.0, Timing::AtTime),
            (At::Record, None) => (self.current.0, Timing::Untimed),
            (At::Record, Some(t)) => match self.history.partition_point(|(fetched, _)| *fetched <= t) {
                0 => (self.history.first().map_or(self.current.0, |s| s.1), Timing::BeforeFirst),
                n => (self.history[n - 1].1, Timing::AtTime),
            },
        }
    }

    pub(super) fn book(&mut self, snapshot: i64) -> anyhow::Result<&Resolver> {
        if snapshot == self.current.0 {
            return Ok(&self.current.1);
        }
        if !self.loaded.contains_key(&snapshot) {
            let models = (self.load)(snapshot)?;
            self.loaded.insert(snapshot, Resolver::new(models));
        }
        Ok(&self.loaded[&snapshot])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timing {
    AtTime,
    Untimed,
    BeforeFirst,
}
