//! The web explorer: the catalog, the same filters and the same numbers as the
//! command line, in a browser. Server-rendered HTML ([`pages`]) with charts
//! drawn as SVG on the server ([`chart`]), and a JSON API ([`api`]) that runs
//! the very commands of the command line, so its JSON is theirs byte for byte.
//!
//! Read-only and bounded: only GET and HEAD; a query string of at most
//! 16 KiB and 64 parameters; every request opens the catalog afresh (a sync
//! shows on the next request) on a blocking thread whose queries are
//! interrupted after the time limit ([`job`]); connections are bounded in
//! number and in how long their headers and answers may take ([`conn`]), and
//! answers in flight in bytes ([`budget`]); every bound is in [`limits`].
//! Every page sends a Content-Security-Policy that allows no inline script
//! and no other origin; the one script and style sheet are embedded in the
//! binary.

mod answer;
mod api;
mod app;
mod assets;
mod budget;
mod chart;
mod conn;
mod error;
mod job;
mod limits;
mod pages;
mod request;
mod server;

pub use app::{App, Runner};
pub use error::EXIT;
pub use limits::ServeLimits;
pub use server::serve;
