//! End-to-end tests of the cometcat binary: a temp database per test, pages
//! served from 127.0.0.1 by wiremock, output pinned by insta snapshots.

mod architecture;
mod bill;
mod browser;
mod catalog;
mod common;
mod docs;
mod explore;
mod first_hour;
mod history;
mod mcp;
mod price;
mod serve;
mod serve_limits;
mod sync;
mod usage;
