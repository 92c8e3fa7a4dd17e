//! Pricing real usage: the calls an application made, read from the
//! responses it received or a log of them ([`read`] into [`Record`]s),
//! matched to the catalog's models ([`resolve`]) on the snapshot of now or of
//! each record's time ([`catalogs`]), priced and added up ([`ledger`]) into
//! one [`UsageReport`] ([`report`]): totals, groups, what could not be priced
//! and why, and what the same traffic would cost on other models. Pure: the
//! command hands in the records and the catalogs.

mod catalogs;
pub mod ledger;
pub mod options;
pub mod read;
pub mod record;
pub mod report;
pub mod resolve;

pub use catalogs::Catalogs;
pub use ledger::{Ledger, PricedRecord};
pub use options::{At, DEFAULT_MAX_GROUPS, GroupBy, OTHER_GROUPS, Options, QuotaRate};
pub use read::read;
pub use record::{Kind, Read, Record};
pub use report::UsageReport;
pub use resolve::{How, Resolver};
