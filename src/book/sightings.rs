//! What the price book is made from, as the store hands it over
//! ([`PriceHistory`]: every snapshot's fetch time, every span, every version
//! that a span names), and which models each stretch of the
//! [`Timeline`] holds, with their versions ([`Presence`]). Pure.

use std::collections::HashMap;

use jiff::Timestamp;

use super::timeline::Timeline;
use crate::catalog::Model;

/// A stretch of snapshots in which a model had one version (a `spans` row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sighting {
    pub model_id: String,
    pub version_id: i64,
    pub first_snapshot: i64,
    /// `None`: the span reaches the current snapshot.
    pub last_snapshot: Option<i64>,
}

/// Every snapshot (id, `fetched_at` as stored), every span, and the model of
/// every version a span names (id, code, provider code and prices are enough).
#[derive(Clone, Debug, Default)]
pub struct PriceHistory {
    pub snapshots: Vec<(i64, String)>,
    pub sightings: Vec<Sighting>,
    pub versions: HashMap<i64, Model>,
}

/// The models of each stretch of a timeline, each with its version there,
/// sorted by model id (the order in which `usage` reads a snapshot's models).
#[derive(Debug)]
pub struct Presence {
    pub timeline: Timeline,
    pub stretches: Vec<Vec<(String, i64)>>,
}

impl Presence {
    /// Lays `history` out in time. A snapshot whose fetch time cannot be read
    /// is left out, as `usage --at record` leaves it out.
    pub fn new(history: &PriceHistory) -> Presence {
        let times: Vec<(i64, Timestamp)> =
            history.snapshots.iter().filter_map(|(id, at)| Some((*id, at.parse().ok()?))).collect();
        let timeline = Timeline::new(&times);
        let newest = history.snapshots.iter().map(|s| s.0).max().unwrap_or(0);
        // Stretches by snapshot id, to find those a span covers.
        let mut by_id: Vec<(i64, usize)> =
            timeline.stretches.iter().enumerate().map(|(i, s)| (s.snapshot, i)).collect();
        by_id.sort_unstable();
        let mut stretches = vec![Vec::new(); timeline.stretches.len()];
        for s in &history.sightings {
            let last = s.last_snapshot.unwrap_or(newest);
            let from = by_id.partition_point(|&(id, _)| id < s.first_snapshot);
            let to = by_id.partition_point(|&(id, _)| id <= last);
            for &(_, at) in by_id.get(from..to).unwrap_or_default() {
                stretches[at].push((s.model_id.clone(), s.version_id));
            }
        }
        for models in &mut stretches {
            models.sort_unstable();
            models.dedup_by(|a, b| a.0 == b.0);
        }
        Presence { timeline, stretches }
    }

    /// The version `model_id` has in stretch `at`, if it is there.
    pub fn version(&self, at: usize, model_id: &str) -> Option<i64> {
        let models = &self.stretches[at];
        models.binary_search_by(|(id, _)| id.as_str().cmp(model_id)).ok().map(|i| models[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stretch_holds_the_models_its_snapshot_holds() {
        let sighting = |model: &str, version, first, last| Sighting {
            model_id: model.into(),
            version_id: version,
            first_snapshot: first,
            last_snapshot: last,
        };
        let history = PriceHistory {
            snapshots: vec![
                (1, "2026-09-01T00:00:00Z".into()),
                (2, "2026-11-01T00:00:00Z".into()),
                (3, "2026-10-01T00:00:00Z".into()),
                (4, "not a time".into()),
            ],
            sightings: vec![sighting("b", 10, 1, Some(2)), sighting("b", 11, 3, None), sighting("a", 20, 2, None)],
            versions: HashMap::new(),
        };
        let p = Presence::new(&history);
        // In time: 1, 3, 2 (4 has no readable time, but is the newest).
        assert_eq!(p.timeline.stretches.iter().map(|s| s.snapshot).collect::<Vec<_>>(), [1, 3, 2]);
        assert_eq!(p.stretches[0], [("b".to_owned(), 10)]);
        assert_eq!(p.stretches[1], [("a".to_owned(), 20), ("b".to_owned(), 11)]);
        assert_eq!(p.stretches[2], [("a".to_owned(), 20), ("b".to_owned(), 10)]);
        assert_eq!(p.version(1, "b"), Some(11));
        assert_eq!(p.version(0, "a"), None);
    }
}
