//! The walk through a log's pages, judged page by page: pure, so every
//! gateway's way of paging is table-tested without a server.
//!
//! - Pages are asked for from `p=0`: one-api numbers them from 0; new-api
//!   from 1, and answers 0 as 1. A page 1 that repeats page 0 says the
//!   numbering starts at 1, and is not counted twice.
//! - An item (its whole text) sent again is kept once: pages shift when the
//!   log grows while it is read. Ids cannot tell: new-api rewrites them
//!   (`id % 1024`, or the row's number).
//! - A page of items all sent before means the gateway ignores paging: an
//!   error, never an endless walk.
//! - The page size is what the gateway says, never more than the first page
//!   held (some cap pages at 10 and echo what was asked); without a word, the
//!   first page's length.
//! - A stated `total` is walked to, short pages or not, while it is
//!   consistent; a total below what was already sent is not trusted.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::value::RawValue;

/// Where the walk is.
#[derive(Debug, Default)]
pub struct Walk {
    /// The `p` of the next request.
    number: u64,
    /// The hash of each item kept.
    seen: HashSet<u64>,
    size: Option<u64>,
    /// The last page's fingerprint.
    last: Option<u64>,
    /// The total the gateway last stated, and whether it can still be trusted.
    said: Option<u64>,
    total_wrong: bool,
    /// Pages taken (a page 1 that repeats page 0 is not one).
    pub pages: u64,
    /// Items kept, and items sent again.
    pub kept: u64,
    pub twice: u64,
}

/// What comes after a page.
#[derive(Debug, PartialEq, Eq)]
pub struct Taken {
    /// The page's items to keep, by index: those not sent before.
    pub fresh: Vec<usize>,
    /// Whether there may be more.
    pub more: bool,
}

/// The gateway sends pages it already sent: page `page` holds nothing new.
#[derive(Debug, PartialEq, Eq)]
pub struct IgnoresPaging {
    pub page: u64,
}

impl Walk {
    /// The `p` to ask for next.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Takes the answer to page [`Walk::number`]: its items, the total and
    /// page size the gateway stated.
    pub fn take(
        &mut self,
        items: &[Box<RawValue>],
        total: Option<u64>,
        echoed: Option<u64>,
    ) -> Result<Taken, IgnoresPaging> {
        let len = items.len() as u64;
        let print = fingerprint(items);
        if self.number == 1 && self.pages == 1 && len > 0 && self.last == Some(print) {
            // `p=0` was answered as `p=1`: the numbering starts at 1.
            self.number = 2;
            return Ok(Taken { fresh: Vec::new(), more: true });
        }
        let fresh: Vec<usize> = (0..items.len()).filter(|&i| self.seen.insert(hash(&items[i]))).collect();
        if len > 0 && fresh.is_empty() {
            return Err(IgnoresPaging { page: self.number });
        }
        self.twice += len - fresh.len() as u64;
        self.kept += fresh.len() as u64;
        self.pages += 1;
        self.last = Some(print);
        if total.is_some() {
            self.said = total;
        }
        // A total below what was already sent is wrong: the page-size rule decides from then on.
        self.total_wrong |= self.said.is_some_and(|t| self.kept > t);
        let size = *self.size.get_or_insert(page_size(echoed, len));
        let more = match self.trusted_total() {
            Some(total) => len > 0 && self.kept < total,
            None => len > 0 && len >= size,
        };
        self.number += 1;
        Ok(Taken { fresh, more })
    }

    fn trusted_total(&self) -> Option<u64> {
        self.said.filter(|_| !self.total_wrong)
    }

    /// The total the gateway stated, when it differs from what it sent.
    pub fn total_differs(&self) -> Option<u64> {
        self.said.filter(|&t| t != self.kept)
    }
}

/// The page size the walk goes by (see the module's rules).
fn page_size(echoed: Option<u64>, first: u64) -> u64 {
    echoed.filter(|&s| s > 0).map_or(first, |s| s.min(first)).max(1)
}

fn hash(item: &RawValue) -> u64 {
    let mut hasher = DefaultHasher::new();
    item.get().hash(&mut hasher);
    hasher.finish()
}

fn fingerprint(items: &[Box<RawValue>]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for item in items {
        item.get().hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items `from..to`, each a distinct log item.
    fn items(range: std::ops::Range<u64>) -> Vec<Box<RawValue>> {
        range.map(|i| RawValue::from_string(format!(r#"{{"id":{},"created_at":{i}}}"#, i % 1024)).unwrap()).collect()
    }

    /// Walks a gateway whose `p` gives what `answer` says; gives the items kept
    /// in order, and the `p`s asked for.
    fn walk(
        answer: impl Fn(u64) -> (Vec<Box<RawValue>>, Option<u64>, Option<u64>),
    ) -> Result<(Vec<String>, Vec<u64>), IgnoresPaging> {
        let (mut w, mut kept, mut asked) = (Walk::default(), Vec::new(), Vec::new());
        for _ in 0..100 {
            asked.push(w.number());
            let (page, total, size) = answer(w.number());
            let taken = w.take(&page, total, size)?;
            kept.extend(taken.fresh.iter().map(|&i| page[i].get().to_owned()));
            if !taken.more {
                break;
            }
        }
        Ok((kept, asked))
    }

    /// A gateway numbering pages from `base`, capping them at `cap`.
    fn pages(all: u64, base: u64, cap: u64) -> impl Fn(u64) -> Vec<Box<RawValue>> {
        move |p: u64| {
            let page = p.max(base) - base;
            items((page * cap).min(all)..((page + 1) * cap).min(all))
        }
    }

    #[test]
    fn every_numbering_and_cap_gives_every_item_once() {
        for (all, base, cap, echo, total, asked) in [
            // new-api: p=0 is answered as p=1, so p=1 repeats it and the walk goes on from p=2.
            (57, 1, 10, None, false, (0..=6).collect::<Vec<u64>>()),
            // one-api: pages from 0.
            (57, 0, 10, None, false, (0..=5).collect()),
            (60, 1, 10, Some(100), false, (0..=7).collect()),
            (31, 1, 10, Some(100), true, (0..=4).collect()),
            (7, 1, 10, None, false, vec![0, 1, 2]),
            (7, 0, 10, None, false, vec![0, 1]),
            (0, 1, 10, None, false, vec![0]),
            (2000, 1, 100, Some(100), true, (0..=20).collect()),
        ] {
            let serve = pages(all, base, cap);
            let count = all;
            let (kept, got) = walk(|p| (serve(p), total.then_some(count), echo)).unwrap();
            assert_eq!(kept.len() as u64, all, "{all} items, pages from {base}, capped at {cap}");
            assert_eq!(got, asked, "{all} items, pages from {base}, capped at {cap}");
        }
    }

    #[test]
    fn items_whose_ids_repeat_are_not_taken_for_repeats() {
        // new-api shows `id % 1024`: 2000 calls, ids 0..1023 twice over.
        let serve = pages(2000, 1, 100);
        let (kept, _) = walk(|p| (serve(p), None, Some(100))).unwrap();
        assert_eq!(kept.len(), 2000);
    }

    #[test]
    fn pages_that_shift_keep_each_item_once() {
        // Page 2 starts with page 1's last two items.
        let (kept, _) = walk(|p| {
            let start = match p {
                0 | 1 => 0,
                p => (p - 1) * 10 - 2,
            };
            (items(start.min(25)..(start + 10).min(25)), None, None)
        })
        .unwrap();
        assert_eq!(kept.len(), 25);
    }

    #[test]
    fn a_gateway_that_ignores_paging_is_found_out() {
        // Always page 1 (new-api numbering: p=0 and p=1 alike, then p=2 again).
        assert_eq!(walk(|_| (items(0..10), None, None)), Err(IgnoresPaging { page: 2 }));
        // Pages A, B, A, B, ...: page 3 repeats page 1.
        let got = walk(|p| (if p % 2 == 0 { items(0..10) } else { items(10..20) }, None, None));
        assert_eq!(got, Err(IgnoresPaging { page: 2 }));
        // The same items in another order.
        let got = walk(|p| {
            let mut page = items(0..10);
            page.rotate_left(p as usize % 10);
            (page, None, None)
        });
        assert!(got.is_err());
    }

    #[test]
    fn a_total_is_trusted_only_while_the_pages_agree() {
        // `total: 5` with pages of 10: wrong, so the page size decides.
        let serve = pages(25, 1, 10);
        let (kept, _) = walk(|p| (serve(p), Some(5), None)).unwrap();
        assert_eq!(kept.len(), 25);
        let (kept, _) = walk(|p| (serve(p), Some(0), None)).unwrap();
        assert_eq!(kept.len(), 25, "total 0 with items: wrong too");
        // `total: 1000`, 25 sent: the walk ends at the empty page, and the total is said to differ.
        let mut w = Walk::default();
        for p in [0, 1, 2, 3, 4] {
            assert_eq!(w.number(), p);
            let taken = w.take(&serve(p), Some(1000), None).unwrap();
            assert_eq!(taken.more, p < 4, "page {p}");
        }
        assert_eq!(w.total_differs(), Some(1000));
        // A short page before the total does not end the walk.
        let mut w = Walk::default();
        assert!(w.take(&items(0..10), Some(40), Some(10)).unwrap().more);
        assert!(w.take(&items(10..17), Some(40), Some(10)).unwrap().more);
        assert!(!w.take(&items(17..17), Some(40), Some(10)).unwrap().more);
    }

    #[test]
    fn the_page_size_is_what_the_server_says_and_page_one_shows() {
        assert_eq!(page_size(Some(100), 100), 100);
        assert_eq!(page_size(Some(100), 10), 10, "a silent cap at 10, with the asked size echoed");
        assert_eq!(page_size(None, 10), 10, "no echo: page 1's length");
        assert_eq!(page_size(Some(10), 7), 7, "a log of 7: one more page, empty, ends it");
        assert_eq!(page_size(None, 0), 1);
        assert_eq!(page_size(Some(0), 5), 5);
    }
}
