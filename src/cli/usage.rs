//! `cometcat usage`'s arguments: what it reads and how it groups and prices
//! it, the gate, the gateway's bill (`--fetch` and its network limits), and
//! the query for other engines (`--sql`).

use std::path::PathBuf;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};

use super::common::{GateArgs, Output};
use super::help::USAGE_INPUT;
use super::parse::{alias, day_end, day_start, group_by, percent, positive_seconds, quota_rate, size, table, whole};
use crate::book::{Dialect, TableName, TableRole};
use crate::pricing::Money;
use crate::usage::{At, GroupBy, QuotaRate};

#[derive(Debug, Args)]
#[command(after_long_help = USAGE_INPUT)]
pub struct UsageArgs {
    /// Responses or logs: JSON, JSON Lines or event streams, told apart per
    /// file ("-" or none reads stdin)
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Group by model, provider, day (UTC) or tag:KEY (an envelope's tag)
    #[arg(long, value_name = "GROUP", default_value = "model", value_parser = group_by)]
    pub by: GroupBy,
    /// Prices of now (the current snapshot), or of each record's time
    #[arg(long, value_name = "WHEN", default_value = "now",
          value_parser = PossibleValuesParser::new(["now", "record"]).map(|s| if s == "now" { At::Now } else { At::Record }))]
    pub at: At,
    /// Also price the same traffic on MODEL, by id or code (repeat for more)
    #[arg(long = "what-if", value_name = "MODEL", add = crate::complete::models())]
    pub what_if: Vec<String>,
    /// Price records naming NAME as MODEL (repeat for more)
    #[arg(long = "alias", value_name = "NAME=MODEL", value_parser = alias)]
    pub aliases: Vec<(String, String)>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Report unreadable lines instead of failing on them (exit 1)
    #[arg(long)]
    pub skip_unreadable: bool,
    /// Print one JSON line per record (file, line, model, counts, cost) instead of the report
    #[arg(long, conflicts_with_all = ["format", "json"])]
    pub per_record: bool,
    /// Keep at most N groups; the records of groups first seen after the Nth are summed under
    /// "(other groups)"
    #[arg(long, value_name = "N", default_value = "10000", value_parser = whole(1, 10_000_000))]
    pub max_groups: u64,
    #[command(flatten)]
    pub bill: BillArgs,
    #[command(flatten)]
    pub output: Output,
    /// Print one SQL query for DIALECT's engine that prices the table `usage` as
    /// --at record --by model does, with the tables of `export --price-book`
    /// (reads no file; see docs/warehouse.md)
    #[arg(long, value_name = "DIALECT", help_heading = "In other engines",
          conflicts_with_all = ["files", "by", "at", "what_if", "aliases", "GateArgs", "skip_unreadable", "per_record", "Output",
                               "fetch", "quota_per_usd", "max_overcharge"])]
    pub sql: Option<Dialect>,
    /// With --sql, the name of a table: usage=NAME, price_book=NAME or price_aliases=NAME
    /// (repeat for each; a dotted name such as billing.calls is fine)
    #[arg(long = "table", value_name = "TABLE=NAME", requires = "sql", value_parser = table,
          help_heading = "In other engines")]
    pub tables: Vec<(TableRole, TableName)>,
}

/// A gateway's own bill: reading its quota, and fetching its log.
#[derive(Debug, Args)]
#[command(next_help_heading = "The gateway's bill")]
pub struct BillArgs {
    /// How many quota units a gateway log counts as one dollar
    #[arg(long, value_name = "Q", default_value = "500000", value_parser = quota_rate)]
    pub quota_per_usd: QuotaRate,
    /// Exit 3 when the total charged exceeds the catalog's cost by more than PCT percent
    #[arg(long, value_name = "PCT", value_parser = percent, allow_negative_numbers = true)]
    pub max_overcharge: Option<Money>,
    /// Fetch the gateway's call log (COMETCAT_ACCESS_TOKEN, with COMETCAT_USER_ID,
    /// or COMETCAT_API_KEY) instead of reading files
    #[arg(long)]
    pub fetch: bool,
    /// The gateway's address, for --fetch
    #[arg(long, value_name = "URL", env = "COMETCAT_BASE_URL", default_value = crate::api::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Fetch calls from this time: RFC 3339, or a date (its start, UTC) [default: 30 days ago]
    #[arg(long, value_name = "TIME", value_parser = day_start, requires = "fetch")]
    pub since: Option<jiff::Timestamp>,
    /// Fetch calls up to this time: RFC 3339, or a date (its end, UTC) [default: now]
    #[arg(long, value_name = "TIME", value_parser = day_end, requires = "fetch")]
    pub until: Option<jiff::Timestamp>,
    /// Also write the fetched items to FILE, as JSON Lines that `usage FILE` reads offline
    #[arg(long, value_name = "FILE", requires = "fetch")]
    pub save: Option<PathBuf>,
    /// Fetch at most N pages of the log (a walk it stops exits 1)
    #[arg(long, value_name = "N", default_value = "100000", value_parser = whole(1, u64::MAX), requires = "fetch")]
    pub max_pages: u64,
    /// Keep at most N items of the log (a walk it stops exits 1): the gateway decides how many
    /// a page holds
    #[arg(long, value_name = "N", default_value = "5000000", value_parser = whole(1, u64::MAX), requires = "fetch")]
    pub max_items: u64,
    /// Seconds allowed for each request
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = positive_seconds, requires = "fetch")]
    pub timeout: f64,
    /// Retries for each request after a transient failure
    #[arg(long, value_name = "N", default_value = "5", value_parser = whole(0, 100), requires = "fetch")]
    pub retries: u64,
    /// The largest answer read: 64M, 512K, 1G, or bytes
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = size, requires = "fetch")]
    pub max_body: u64,
}
