//! The sample catalog bundled in the binary, so that the main job works on a
//! fresh machine before any sync, even offline: 64 models shaped like the real
//! catalog, with their date. It is labelled wherever it is used, and never
//! gates a build (`estimate` and `usage` refuse it).

use jiff::Timestamp;

use crate::api::wire::Answer;
use crate::store::{Feed, SnapshotMeta, Store, StoreError};

/// The sample, as a cometcat export (its `fetched_at` is its date).
const CATALOG: &str = include_str!("../fixtures/catalog-v1-dated.json");

/// What a command says on stderr when it answers from the sample.
pub fn note() -> String {
    format!("using {}; run `cometcat sync` for the live catalog", label())
}

/// `the bundled sample catalog (64 models, from 2026-09-01)`.
pub fn label() -> String {
    let (models, date) = count_and_date();
    format!("the bundled sample catalog ({models} models, from {date})")
}

/// The sample's model count and date.
fn count_and_date() -> (usize, String) {
    let answer = Answer::parse(CATALOG.as_bytes()).expect("the bundled sample is a valid export");
    let date = match &answer {
        Answer::Envelope(e) => e.fetched_at.clone().unwrap_or_default(),
        Answer::Records(_) => String::new(),
    };
    let models = answer.meta().len as usize;
    (models, date.split('T').next().unwrap_or_default().to_owned())
}

/// The sample catalog, loaded into a database in memory.
pub fn open() -> Result<Store, StoreError> {
    let answer = Answer::parse(CATALOG.as_bytes()).expect("the bundled sample is a valid export");
    let fetched_at = match &answer {
        Answer::Envelope(e) => e.fetched_at.as_deref().and_then(|t| t.parse().ok()),
        Answer::Records(_) => None,
    }
    .unwrap_or(Timestamp::UNIX_EPOCH);
    let total = answer.meta().total;
    let records = answer.into_records().expect("the bundled sample holds records");
    let mut store = Store::in_memory()?;
    store.write_snapshot(Feed::File, |ingest| {
        ingest.add(0, &records)?;
        Ok::<_, StoreError>(SnapshotMeta {
            started_at: fetched_at,
            fetched_at,
            source: "the bundled sample catalog".into(),
            from_file: true,
            pages: 1,
            total,
            retries: 0,
        })
    })?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_loads_and_says_what_it_is() {
        let store = open().unwrap();
        assert_eq!(store.current_snapshot().unwrap().unwrap().models, 64);
        assert!(store.find("gpt-5").unwrap().is_some());
        assert_eq!(
            note(),
            "using the bundled sample catalog (64 models, from 2026-09-01); run `cometcat sync` for the live catalog"
        );
    }
}
