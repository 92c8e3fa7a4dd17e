//! End-to-end tests of the cometcat binary: a temp database per test, pages
//! served from 127.0.0.1 by wiremock, output pinned by insta snapshots.

mod architecture;
mod bill;
mod binstall;
mod book;
mod browser;
mod catalog;
mod common;
mod compare;
mod docs;
mod explore;
mod first_hour;
mod history;
mod hostile;
mod mcp;
mod postgres;
mod price;
mod price_history;
mod serve;
mod serve_limits;
mod sync;
mod usage;
mod warehouse;
mod wheel;
