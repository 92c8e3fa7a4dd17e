//! The stored snapshots laid out in time, as `usage --at record` reads them:
//! a call at time t is priced on the latest snapshot fetched at or before t
//! (the one with the highest id among those fetched at the same instant), a
//! call older than every snapshot on the earliest one, and a call without a
//! time on the current snapshot (the highest id). Snapshots are ordered by
//! fetch time, not by id: a catalog file imported late, whose data is older,
//! sits where its fetch time puts it. Pure.

use jiff::Timestamp;

/// One stretch of time and the snapshot a call made in it is priced on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stretch {
    pub snapshot: i64,
    /// Inclusive; `None` for the first stretch, which reaches back without end.
    pub from: Option<Timestamp>,
}

/// The stretches, in time order, each ending where the next begins; the
/// last one has no end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    pub stretches: Vec<Stretch>,
    /// The stretch of the current snapshot, for calls without a time.
    pub current: Option<usize>,
}

impl Timeline {
    /// The timeline of `snapshots` (id, fetch time); the current snapshot is
    /// the one with the highest id. Snapshots that a call at no time is
    /// priced on (fetched at the same instant as a later one) have no stretch.
    pub fn new(snapshots: &[(i64, Timestamp)]) -> Timeline {
        let mut sorted: Vec<(Timestamp, i64)> = snapshots.iter().map(|&(id, at)| (at, id)).collect();
        sorted.sort();
        let Some(&(_, earliest)) = sorted.first() else { return Timeline::default() };
        let mut stretches = vec![Stretch { snapshot: earliest, from: None }];
        for (i, &(at, id)) in sorted.iter().enumerate() {
            // The last of the snapshots fetched at one instant wins that instant.
            if sorted.get(i + 1).is_some_and(|next| next.0 == at) {
                continue;
            }
            if stretches.len() == 1 && stretches[0].snapshot == id {
                continue; // the earliest snapshot also starts the timeline
            }
            stretches.push(Stretch { snapshot: id, from: Some(at) });
        }
        let newest = snapshots.iter().map(|s| s.0).max();
        let current = stretches.iter().rposition(|s| Some(s.snapshot) == newest);
        Timeline { stretches, current }
    }

    /// When stretch `i` ends: where the next begins (`None`: it does not end).
    pub fn end(&self, i: usize) -> Option<Timestamp> {
        self.stretches.get(i + 1).and_then(|s| s.from)
    }

    /// The validity of the run of stretches `first..=last`: `valid_from`,
    /// `valid_to`, and whether a call without a time is priced in it.
    pub fn validity(&self, first: usize, last: usize) -> Validity {
        Validity {
            from: self.stretches[first].from,
            to: self.end(last),
            current: self.current.is_some_and(|c| (first..=last).contains(&c)),
        }
    }
}

/// When a row of the price book (or of the alias table) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// Inclusive; `None`: since before the first snapshot.
    pub from: Option<Timestamp>,
    /// Exclusive; `None`: still.
    pub to: Option<Timestamp>,
    /// A call without a time is priced on this row (it holds in the current snapshot).
    pub current: bool,
}

/// Runs of consecutive stretches in which a key keeps one value, as rows:
/// each key's value is given stretch by stretch, in time order.
#[derive(Debug)]
pub struct Runs<K, V> {
    open: std::collections::HashMap<K, (V, usize, usize)>,
    closed: Vec<(K, V, usize, usize)>,
}

impl<K: std::hash::Hash + Eq + Clone, V: PartialEq> Runs<K, V> {
    pub fn new() -> Runs<K, V> {
        Runs { open: std::collections::HashMap::new(), closed: Vec::new() }
    }

    /// `key` has `value` in stretch `at` (called in increasing `at`).
    pub fn see(&mut self, key: &K, value: V, at: usize) {
        if let Some((v, _, last)) = self.open.get_mut(key)
            && *v == value
            && *last + 1 == at
        {
            *last = at;
            return;
        }
        if let Some((v, first, last)) = self.open.insert(key.clone(), (value, at, at)) {
            self.closed.push((key.clone(), v, first, last));
        }
    }

    /// Every run: key, value, first and last stretch.
    pub fn finish(mut self) -> Vec<(K, V, usize, usize)> {
        self.closed.extend(self.open.into_iter().map(|(k, (v, first, last))| (k, v, first, last)));
        self.closed
    }
}

impl<K: std::hash::Hash + Eq + Clone, V: PartialEq> Default for Runs<K, V> {
    fn default() -> Self {
        Runs::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn snapshots_are_laid_out_by_fetch_time_as_at_record_picks_them() {
        // 5 was imported last but fetched between 1 and 2; 3 and 4 share an instant.
        let snapshots = [
            (1, t("2026-09-01T00:00:00Z")),
            (2, t("2026-11-01T00:00:00Z")),
            (3, t("2026-12-01T00:00:00Z")),
            (4, t("2026-12-01T00:00:00Z")),
            (5, t("2026-10-01T00:00:00Z")),
        ];
        let line = Timeline::new(&snapshots);
        let got: Vec<(i64, Option<Timestamp>)> = line.stretches.iter().map(|s| (s.snapshot, s.from)).collect();
        assert_eq!(
            got,
            [
                (1, None),
                (5, Some(t("2026-10-01T00:00:00Z"))),
                (2, Some(t("2026-11-01T00:00:00Z"))),
                (4, Some(t("2026-12-01T00:00:00Z"))),
            ]
        );
        assert_eq!(line.current, Some(1), "5, the current snapshot, is the second stretch");
        assert_eq!(line.end(0), Some(t("2026-10-01T00:00:00Z")));
        assert_eq!(line.end(3), None);
        let v = line.validity(1, 2);
        assert_eq!((v.from, v.to, v.current), (Some(t("2026-10-01T00:00:00Z")), Some(t("2026-12-01T00:00:00Z")), true));
    }

    #[test]
    fn the_earliest_snapshot_keeps_the_time_before_it_even_when_it_loses_its_instant() {
        let snapshots = [(2, t("2026-09-01T00:00:00Z")), (1, t("2026-09-01T00:00:00Z"))];
        let line = Timeline::new(&snapshots);
        let got: Vec<(i64, Option<Timestamp>)> = line.stretches.iter().map(|s| (s.snapshot, s.from)).collect();
        assert_eq!(got, [(1, None), (2, Some(t("2026-09-01T00:00:00Z")))]);
        assert_eq!(line.current, Some(1));
        assert_eq!(Timeline::new(&[]), Timeline::default());
        let one = Timeline::new(&[(7, t("2026-09-01T00:00:00Z"))]);
        assert_eq!((one.stretches.len(), one.current), (1, Some(0)));
    }

    #[test]
    fn runs_join_consecutive_stretches_with_one_value() {
        let mut runs = Runs::new();
        for (at, v) in [(0, 'a'), (1, 'a'), (2, 'b'), (4, 'b'), (5, 'b')] {
            runs.see(&"k", v, at);
        }
        runs.see(&"j", 'x', 3);
        let mut got = runs.finish();
        got.sort_by_key(|r| (r.0, r.2));
        assert_eq!(got, [("j", 'x', 3, 3), ("k", 'a', 0, 1), ("k", 'b', 2, 2), ("k", 'b', 4, 5)]);
    }
}
