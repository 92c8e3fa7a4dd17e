//! How to walk the catalog's pages, and when a walk is complete. Pure.
//!
//! Page 1 decides the plan: a `page: 0` answer (or one holding `total` records)
//! is the whole catalog; otherwise the page size the server answered with and
//! `total` give the number of pages. Every later page must echo its number and
//! the same `total`; the collected ids (plus quarantined records) must match
//! `total` at the end, else the catalog moved under the walk.

/// What an answer said about itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageMeta {
    pub page: Option<u64>,
    pub page_size: Option<u64>,
    pub total: Option<u64>,
    /// Records in `data`.
    pub len: u64,
}

/// How to fetch the rest of the catalog after page 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Page 1 held everything.
    Whole,
    /// Pages 2..=last, `size` records each.
    Pages { last: u64, size: u64 },
    /// No `total`: pages 2, 3, ... until one holds fewer than `size` records.
    UntilShort { size: u64 },
}

/// No walk fetches more models than this (about 100 times the real catalog):
/// a server that never stops sending pages must not fill the disk.
pub const MAX_MODELS: u64 = 500_000;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    #[error(
        "the server offers more than {MAX_MODELS} models ({offered}): no catalog is that large; nothing was stored"
    )]
    TooManyModels { offered: String },
    #[error(
        "the server ignores paging: asked for page {asked}, it answered {answered}; only {got} of {total} models are reachable"
    )]
    IgnoresPaging { asked: u64, answered: String, got: u64, total: u64 },
}

impl crate::error::Diagnostic for PagingError {
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            PagingError::IgnoresPaging { .. } => {
                Some("check --base-url, or save the whole catalog to a file and use `sync --from FILE`".into())
            }
            PagingError::TooManyModels { .. } => None,
        }
    }
}

/// Plans the walk from page 1's answer to a request for `requested` records per page.
pub fn plan(first: &PageMeta, requested: u64) -> Result<Plan, PagingError> {
    let total = match (first.page, first.total) {
        (Some(0), _) | (None, None) => return Ok(Plan::Whole),
        (_, Some(total)) if first.len >= total => return Ok(Plan::Whole),
        (_, total) => total,
    };
    // Trust the size the server answered with, unless page 1 (which is not the
    // last page here) holds fewer records than that: then that is the real size.
    let mut size = first.page_size.filter(|&s| s > 0).unwrap_or(requested);
    if first.len > 0 && first.len < size {
        size = first.len;
    }
    let size = size.max(1);
    match total {
        None => Ok(Plan::UntilShort { size }),
        Some(total) if total > MAX_MODELS => Err(PagingError::TooManyModels { offered: format!("it says {total}") }),
        Some(total) => {
            // At most MAX_MODELS pages, of a record or more each.
            Ok(Plan::Pages { last: total.div_ceil(size), size })
        }
    }
}

/// What a later page says about the walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageCheck {
    Fine,
    /// `total` changed: the catalog moved, walk again.
    Shifted,
}

/// Checks page `asked` against page 1. `repeats` is the earlier page whose
/// records it holds exactly, if any: a server that sends a page again ignores
/// paging, whatever page number it echoes.
pub fn check(asked: u64, meta: &PageMeta, first: &PageMeta, repeats: Option<u64>) -> Result<PageCheck, PagingError> {
    let ignores = |answered| PagingError::IgnoresPaging {
        asked,
        answered,
        got: first.len,
        total: first.total.unwrap_or(first.len),
    };
    match (meta.page, repeats) {
        (Some(p), _) if p != asked => return Err(ignores(format!("page {p}"))),
        (_, Some(earlier)) if meta.len > 0 => {
            let echoed = meta.page.map(|p| format!(" (saying it is page {p})")).unwrap_or_default();
            return Err(ignores(format!("with page {earlier}'s records again{echoed}")));
        }
        _ => {}
    }
    if meta.total != first.total {
        return Ok(PageCheck::Shifted);
    }
    Ok(PageCheck::Fine)
}

/// The end of one walk, as far as the sink can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collected {
    /// Distinct ids plus quarantined records.
    pub collected: u64,
    /// Records received, duplicates included.
    pub received: u64,
    /// A hash of what was collected.
    pub fingerprint: String,
}

/// Whether a walk is complete, given the walk before it (if any).
pub fn complete(total: Option<u64>, this: &Collected, previous: Option<&Collected>) -> bool {
    match total {
        None => true,
        Some(total) if this.collected == total => true,
        // The server itself lists an id twice: the same answer twice in a row,
        // with every record accounted for, is not a catalog in motion.
        Some(total) => this.received == total && previous.is_some_and(|p| p == this),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(page: Option<u64>, page_size: Option<u64>, total: Option<u64>, len: u64) -> PageMeta {
        PageMeta { page, page_size, total, len }
    }

    #[test]
    fn plans_from_page_one() {
        let cases = [
            ("page 0 is the whole catalog", meta(Some(0), Some(0), Some(301), 301), Plan::Whole),
            ("no paging fields at all", meta(None, None, None, 3), Plan::Whole),
            ("everything on page 1", meta(Some(1), Some(100), Some(64), 64), Plan::Whole),
            ("a server ignoring paging but sending all", meta(Some(1), Some(20), Some(64), 64), Plan::Whole),
            ("pages of the requested size", meta(Some(1), Some(25), Some(64), 25), Plan::Pages { last: 3, size: 25 }),
            ("the server clamps the size", meta(Some(1), Some(20), Some(302), 20), Plan::Pages { last: 16, size: 20 }),
            (
                "the server says 100 but sends 20",
                meta(Some(1), Some(100), Some(302), 20),
                Plan::Pages { last: 16, size: 20 },
            ),
            ("no page_size echoed", meta(Some(1), None, Some(250), 100), Plan::Pages { last: 3, size: 100 }),
            ("no total", meta(Some(1), Some(50), None, 50), Plan::UntilShort { size: 50 }),
            ("empty first page", meta(Some(1), Some(50), Some(10), 0), Plan::Pages { last: 1, size: 50 }),
        ];
        for (name, first, want) in cases {
            assert_eq!(plan(&first, 100), Ok(want), "{name}");
        }
    }

    #[test]
    fn refuses_absurd_page_counts() {
        let first = meta(Some(1), Some(1), Some(u64::MAX), 1);
        assert!(matches!(plan(&first, 1), Err(PagingError::TooManyModels { .. })));
        let first = meta(Some(1), Some(100), Some(MAX_MODELS + 1), 100);
        assert!(matches!(plan(&first, 100), Err(PagingError::TooManyModels { .. })));
    }

    #[test]
    fn later_pages_must_echo_their_number_and_total() {
        let first = meta(Some(1), Some(25), Some(64), 25);
        assert_eq!(check(2, &meta(Some(2), Some(25), Some(64), 25), &first, None), Ok(PageCheck::Fine));
        assert_eq!(check(2, &meta(None, None, Some(64), 25), &first, None), Ok(PageCheck::Fine));
        assert_eq!(check(3, &meta(Some(3), Some(25), Some(65), 15), &first, None), Ok(PageCheck::Shifted));
        let err = check(2, &meta(Some(1), Some(25), Some(64), 25), &first, Some(1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the server ignores paging: asked for page 2, it answered page 1; only 25 of 64 models are reachable"
        );
        assert!(check(2, &meta(None, None, Some(64), 25), &first, Some(1)).is_err());
        // It echoes the page asked for, and sends page 1's records (or page 2's) again.
        let err = check(3, &meta(Some(3), Some(25), Some(64), 25), &first, Some(2)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the server ignores paging: asked for page 3, it answered with page 2's records again (saying it is page 3); only 25 of 64 models are reachable"
        );
        assert_eq!(
            check(3, &meta(Some(3), Some(25), Some(64), 0), &first, Some(2)),
            Ok(PageCheck::Fine),
            "empty pages alike are no repeat"
        );
    }

    fn tally(collected: u64, received: u64, fp: &str) -> Collected {
        Collected { collected, received, fingerprint: fp.into() }
    }

    #[test]
    fn a_walk_is_complete_when_ids_match_total() {
        assert!(complete(Some(64), &tally(64, 64, "a"), None));
        assert!(complete(Some(64), &tally(64, 66, "a"), None), "duplicates collapse");
        assert!(complete(None, &tally(3, 3, "a"), None));
        assert!(!complete(Some(64), &tally(63, 64, "a"), None), "a record went missing");
        assert!(!complete(Some(64), &tally(65, 65, "a"), None), "more than total");
    }

    #[test]
    fn a_stable_duplicate_in_the_server_listing_is_accepted_on_the_second_walk() {
        let t = tally(63, 64, "same");
        assert!(complete(Some(64), &t, Some(&t.clone())));
        assert!(!complete(Some(64), &t, Some(&tally(63, 64, "other"))));
        assert!(!complete(Some(64), &tally(62, 63, "same"), Some(&tally(62, 63, "same"))), "a record is missing");
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        fn count() -> impl Strategy<Value = Option<u64>> {
            prop_oneof![Just(None), (0u64..500).prop_map(Some), any::<u64>().prop_map(Some)]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 5000, failure_persistence: None, ..ProptestConfig::default() })]

            /// The plan always covers `total` with whole pages, never one too many.
            #[test]
            fn the_plan_covers_the_catalog_exactly(page in count(), page_size in count(), total in count(), len in 0u64..300, requested in 1u64..=10_000) {
                let first = PageMeta { page, page_size, total, len };
                match plan(&first, requested) {
                    Ok(Plan::Whole) => {}
                    Ok(Plan::Pages { last, size }) => {
                        let total = total.expect("pages are planned from a total");
                        prop_assert!(size >= 1 && last <= MAX_MODELS);
                        prop_assert!(last.saturating_mul(size) >= total, "{last} pages of {size} < {total}");
                        prop_assert!((last - 1).saturating_mul(size) < total.max(1), "a page too many");
                    }
                    Ok(Plan::UntilShort { size }) => prop_assert!(size >= 1 && total.is_none()),
                    Err(PagingError::TooManyModels { .. }) => prop_assert!(total.is_some_and(|t| t > MAX_MODELS)),
                    Err(e) => prop_assert!(false, "unexpected {e}"),
                }
            }

            /// Checking any later page against any first page never panics.
            #[test]
            fn checking_a_page_never_panics(asked in 2u64..100, page in count(), total in count(), len in 0u64..300, repeats in prop::option::of(1u64..100)) {
                let first = PageMeta { page: Some(1), page_size: Some(20), total: Some(64), len: 20 };
                let _ = check(asked, &PageMeta { page, page_size: None, total, len }, &first, repeats);
            }
        }
    }
}
