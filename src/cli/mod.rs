//! The command line, as clap types: every doc comment is the `--help` text of
//! its argument. The value parsers are in [`parse`], the long help texts in
//! [`help`]; the mapping of clap's values onto the domain's types is here.

mod common;
mod help;
pub mod parse;
mod usage;

use std::path::PathBuf;

use clap::builder::{FalseyValueParser, PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, Args, ColorChoice, Parser, Subcommand, ValueEnum};

use crate::book::Dialect;
use crate::output::book::BookFormat;
use crate::pricing::{Basis, Money, Workload};

use crate::query::{Facet, Filters, PricingKind, Sort, SortKey};
pub use common::{GateArgs, Output, TableOrJson};
use help::{MCP_SETUP, WORKLOAD_FORMAT};
pub use parse::SnapshotSelector;
use parse::{
    bind_address, book_format, calls, duration, positive_seconds, price, seconds, size, snapshot_selector, tokens,
    whole,
};
pub use usage::{BillArgs, UsageArgs};

/// clap's view of a domain enum: its values and their names on the command
/// line. The domain types themselves know nothing of clap.
macro_rules! value_enum {
    ($t:ty, $all:expr, $name:ident) => {
        impl ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                &$all
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.$name()))
            }
        }
    };
}

value_enum!(SortKey, SortKey::ALL, name);
value_enum!(Dialect, Dialect::ALL, name);
value_enum!(PricingKind, PricingKind::ALL, name);

/// Choose AI models and keep AI spend honest: a local, queryable copy of
/// CometAPI's model catalog, with prices, cost estimates and a CI cost gate.
#[derive(Debug, Parser)]
#[command(name = "cometcat", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The clap command, with each subcommand's usage line fixed to its
    /// general form: clap would otherwise show the flags just given (as if
    /// they were required) in the usage line of an error.
    pub fn command_with_usage() -> clap::Command {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        cmd.build();
        for sub in cmd.get_subcommands_mut() {
            let usage = sub.render_usage().to_string();
            let usage = usage.trim_start_matches("Usage: ").to_owned();
            *sub = std::mem::take(sub).override_usage(usage);
        }
        cmd
    }
}

/// The options every command takes; `--help` lists them after the command's own.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The catalog database [default: $XDG_DATA_HOME/cometcat/catalog.db,
    /// else ~/.local/share/cometcat/catalog.db]
    #[arg(long, global = true, env = "COMETCAT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print nothing on stderr except errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more on stderr: every retry and every warning
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Never draw a progress bar
    #[arg(long, global = true, env = "COMETCAT_NO_PROGRESS", action = ArgAction::SetTrue,
          value_parser = FalseyValueParser::new())]
    pub no_progress: bool,
    /// Colour on a terminal: auto (unless NO_COLOR is set), always, never
    #[arg(long, global = true, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Show every table cell in full, however wide the terminal
    #[arg(long, global = true)]
    pub wide: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch the catalog (or import a saved answer) into a new snapshot
    Sync(SyncArgs),
    /// List the models of the current snapshot
    Models(ModelsArgs),
    /// One model, every field, by id or code
    Show(ShowArgs),
    /// 2 to 8 models side by side: one column per model, one row per field
    Compare(CompareArgs),
    /// Providers, each with its number of models
    Providers(FacetArgs),
    /// Features, each with its number of models
    Features(FacetArgs),
    /// Model types, each with its number of models
    Types(FacetArgs),
    /// Endpoints, each with its number of models
    Endpoints(FacetArgs),
    /// The catalog as CSV, or as JSON that `sync --from` re-imports losslessly; or, with
    /// --price-book, its prices over time as tables for SQL engines
    Export(ExportArgs),
    /// What a workload costs on the named models
    Cost(CostArgs),
    /// The cheapest models for a workload, among those matching FILTERS
    Rank(RankArgs),
    /// CI cost gate: price a workload file, against a budget and a baseline
    Estimate(EstimateArgs),
    /// Price real usage: the API responses or logs of the calls an application made
    Usage(UsageArgs),
    /// List the snapshots, newest first
    Syncs(SyncsArgs),
    /// What changed between two snapshots (default: the previous one and the current one)
    Diff(DiffArgs),
    /// One model's prices over time
    History(HistoryArgs),
    /// Run one read-only SQL query over the catalog (the README documents the schema)
    Sql(SqlArgs),
    /// Browse the catalog in a web browser: filters, price charts, costs, changes
    Serve(ServeArgs),
    /// Serve the catalog to AI agents: an MCP server on stdin/stdout (read-only)
    Mcp(McpArgs),
    /// Print the shell completion script (completes commands, flags and the catalog's models)
    #[command(after_help = COMPLETION_INSTALL)]
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The API's address; /api/models is appended
    #[arg(long, value_name = "URL", env = "COMETCAT_BASE_URL", default_value = crate::api::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Records to ask for per page (the server may answer with fewer)
    #[arg(long, value_name = "N", default_value = "100", value_parser = whole(1, 10_000))]
    pub page_size: u64,
    /// Pages fetched at once after the first
    #[arg(long, value_name = "N", default_value = "4", value_parser = whole(1, 64))]
    pub concurrency: u64,
    /// Seconds allowed for each request
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = positive_seconds)]
    pub timeout: f64,
    /// Retries for each request after a transient failure
    #[arg(long, value_name = "N", default_value = "5", value_parser = whole(0, 100))]
    pub retries: u64,
    /// The largest answer (or --from input) read: 64M, 512K, 1G, or bytes
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = size)]
    pub max_body: u64,
    /// Import a saved /api/models answer, a cometcat export or a JSON array of
    /// records instead of fetching ("-" reads stdin)
    // Not in conflict with --base-url: COMETCAT_BASE_URL in the environment must
    // not stop an import.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["page_size", "concurrency", "timeout", "retries"])]
    pub from: Option<PathBuf>,
    /// Let a sync from the API remove more than half of the current catalog's models
    #[arg(long, conflicts_with = "from")]
    pub allow_shrink: bool,
    #[command(flatten)]
    pub output: TableOrJson,
}

/// FILTERS, shared by every command that lists models. Text matches ignore case.
#[derive(Debug, Args, Default, Clone)]
pub struct FilterArgs {
    /// Only models with feature F (repeat: must have all)
    #[arg(long = "feature", value_name = "F", help_heading = "Filters", add = crate::complete::facet(Facet::Features))]
    pub features: Vec<String>,
    /// Only models from provider P, by name or provider_code (repeat: any)
    #[arg(long = "provider", value_name = "P", help_heading = "Filters", add = crate::complete::facet(Facet::Providers))]
    pub providers: Vec<String>,
    /// Only models of type T: text, image, audio, video, ... (repeat: any)
    #[arg(long = "type", value_name = "T", help_heading = "Filters", add = crate::complete::facet(Facet::Types))]
    pub types: Vec<String>,
    /// Only models with endpoint E, by key or path (repeat: any)
    #[arg(long = "endpoint", value_name = "E", help_heading = "Filters", add = crate::complete::facet(Facet::Endpoints))]
    pub endpoints: Vec<String>,
    /// Only models whose id, code, name, description or provider contains TEXT
    #[arg(long, value_name = "TEXT", help_heading = "Filters")]
    pub search: Option<String>,
    /// Only models whose effective input price (USD per 1M tokens) is at most this
    #[arg(long, value_name = "USD", value_parser = price, allow_negative_numbers = true, help_heading = "Filters")]
    pub max_input_price: Option<Money>,
    /// Only models whose effective output price (USD per 1M tokens) is at most this
    #[arg(long, value_name = "USD", value_parser = price, allow_negative_numbers = true, help_heading = "Filters")]
    pub max_output_price: Option<Money>,
    /// Only models with at least this context (200000, 200K, 1M)
    #[arg(long, value_name = "TOKENS", value_parser = tokens, allow_negative_numbers = true, help_heading = "Filters")]
    pub min_context: Option<u64>,
    /// Only models priced this way
    #[arg(long, value_enum, value_name = "KIND", help_heading = "Filters")]
    pub pricing: Option<PricingKind>,
    /// Include models announced but not yet callable
    #[arg(long, help_heading = "Filters")]
    pub include_upcoming: bool,
}

impl From<&FilterArgs> for Filters {
    fn from(a: &FilterArgs) -> Filters {
        Filters {
            features: a.features.clone(),
            providers: a.providers.clone(),
            types: a.types.clone(),
            endpoints: a.endpoints.clone(),
            search: a.search.clone().filter(|s| !s.is_empty()),
            max_input_price: a.max_input_price,
            max_output_price: a.max_output_price,
            min_context: a.min_context,
            pricing: a.pricing,
            include_upcoming: a.include_upcoming,
        }
    }
}

#[derive(Debug, Args, Default, Clone, Copy)]
pub struct SortArgs {
    /// Sort by this key; models without the value come last
    #[arg(long, value_enum, value_name = "KEY", default_value_t = SortKey::Id)]
    pub sort: SortKey,
    /// Sort in descending order (ties still break by id, ascending)
    #[arg(long)]
    pub desc: bool,
    /// Show at most N models
    #[arg(short = 'n', long, value_name = "N", value_parser = whole(0, u64::MAX), allow_negative_numbers = true)]
    pub limit: Option<u64>,
}

impl From<SortArgs> for Sort {
    fn from(a: SortArgs) -> Sort {
        Sort { key: a.sort, desc: a.desc }
    }
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Only models whose id, code, name, description or provider contains TEXT (as --search)
    #[arg(value_name = "TEXT", conflicts_with = "search")]
    pub term: Option<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub sort: SortArgs,
    #[command(flatten)]
    pub output: Output,
}

impl ModelsArgs {
    /// The filters, with the positional search term folded in.
    pub fn filters(&self) -> Filters {
        let mut filters = Filters::from(&self.filters);
        if let Some(term) = self.term.clone().filter(|t| !t.is_empty()) {
            filters.search = Some(term);
        }
        filters
    }
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Model id (tried first) or code
    #[arg(add = crate::complete::models())]
    pub model: String,
    #[command(flatten)]
    pub output: TableOrJson,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// 2 to 8 models, each by id (tried first) or code
    #[arg(required = true, value_name = "ID", add = crate::complete::models())]
    pub models: Vec<String>,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct FacetArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Write to FILE instead of stdout (a regular file is replaced atomically);
    /// with --price-book, the folder to write its two tables into
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format: csv, json, or (with --price-book) parquet
    #[arg(long, value_name = "FORMAT", default_value = "csv", requires_if("parquet", "price_book"),
          value_parser = PossibleValuesParser::new(["csv", "json", "parquet"]).map(book_format))]
    pub format: BookFormat,
    /// Short for --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write the price book instead: every model's price periods (price_book) and the
    /// names that resolve to it (price_aliases), from every stored snapshot, for SQL
    /// engines (see docs/warehouse.md)
    #[arg(long, requires = "output", conflicts_with = "FilterArgs")]
    pub price_book: bool,
}

impl ExportArgs {
    pub fn format(&self) -> BookFormat {
        if self.json { BookFormat::Json } else { self.format }
    }
}

/// A workload: tokens and seconds per call, and the number of calls.
#[derive(Debug, Args, Clone, Copy)]
pub struct WorkloadArgs {
    /// Input tokens per call (1200, 1.2K, 1M) [default: 0]
    #[arg(long, value_name = "N", value_parser = tokens, allow_negative_numbers = true, help_heading = "Workload")]
    pub input_tokens: Option<u64>,
    /// Output tokens per call [default: 0]
    #[arg(long, value_name = "N", value_parser = tokens, allow_negative_numbers = true, help_heading = "Workload")]
    pub output_tokens: Option<u64>,
    /// Number of calls [default: 1]
    #[arg(long, value_name = "N", value_parser = calls, allow_negative_numbers = true, help_heading = "Workload")]
    pub requests: Option<u64>,
    /// Seconds of generated media per call, for models priced per second
    #[arg(long, value_name = "S", value_parser = seconds, allow_negative_numbers = true, help_heading = "Workload")]
    pub seconds: Option<Money>,
    /// Use the prices as listed, not the effective ones (listed × ratio)
    #[arg(long, help_heading = "Workload")]
    pub list_price: bool,
}

impl WorkloadArgs {
    /// The workload, or `None` when no workload flag was given at all.
    pub fn workload(&self) -> Option<Workload> {
        let given = self.input_tokens.is_some()
            || self.output_tokens.is_some()
            || self.requests.is_some()
            || self.seconds.is_some();
        given.then(|| Workload {
            input_tokens: self.input_tokens.unwrap_or(0),
            output_tokens: self.output_tokens.unwrap_or(0),
            seconds: self.seconds,
            requests: self.requests.unwrap_or(1),
        })
    }

    pub fn basis(&self) -> Basis {
        if self.list_price { Basis::List } else { Basis::Effective }
    }
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// Models by id (tried first) or code
    #[arg(required = true, value_name = "MODEL", add = crate::complete::models())]
    pub models: Vec<String>,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct RankArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Show the N cheapest
    #[arg(long, value_name = "N", value_parser = whole(0, u64::MAX), allow_negative_numbers = true)]
    pub top: Option<u64>,
    /// With tokens in the workload, also rank models priced only per call or
    /// per second (they bill no tokens)
    #[arg(long)]
    pub any_pricing: bool,
    /// Leave out models whose price for this workload is 0
    #[arg(long)]
    pub no_free: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(after_long_help = WORKLOAD_FORMAT)]
pub struct EstimateArgs {
    /// The workload file ("-" reads stdin); `estimate --help` describes it
    #[arg(value_name = "WORKLOAD.toml")]
    pub file: PathBuf,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Exit 4 when the catalog's data is older than this: 45s, 30m, 12h, 7d
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub max_catalog_age: Option<std::time::Duration>,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct SyncsArgs {
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older snapshot: an id, or a date or time (the newest snapshot fetched by
    /// then) [default: the one before TO]
    #[arg(value_name = "FROM", value_parser = snapshot_selector)]
    pub from: Option<SnapshotSelector>,
    /// The newer snapshot, the same way [default: the current one]
    #[arg(value_name = "TO", value_parser = snapshot_selector)]
    pub to: Option<SnapshotSelector>,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Model id (tried first) or code; models no longer listed are found too
    #[arg(add = crate::complete::models())]
    pub model: String,
    /// Every snapshot from the model's first to its last, absences included
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// One SQL statement; anything that would write is refused
    pub query: String,
    /// Stop the query after this many seconds
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = positive_seconds)]
    pub timeout: f64,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on; port 0 picks a free port. Anything but a
    /// loopback address shows the catalog to the network
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8787", value_parser = bind_address)]
    pub bind: std::net::SocketAddr,
    /// Open the explorer in the default browser
    #[arg(long)]
    pub open: bool,
    /// Seconds a request's queries may run; past it the answer is 503 with
    /// Retry-After (waiting for a slow reader does not count)
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = positive_seconds, help_heading = "Limits")]
    pub time_limit: f64,
    /// Seconds an answer may take to reach its client once it is ready; past
    /// it the connection is closed, however slowly the client still reads
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = positive_seconds, help_heading = "Limits")]
    pub write_timeout: f64,
    /// Connections served at once; past it, a new one takes the slot of one
    /// that has waited 2 s on its client (to send a request or read an
    /// answer), or waits up to 5 s, then is answered 503 with Retry-After
    #[arg(long, value_name = "N", default_value = "256", value_parser = whole(1, 65_536), help_heading = "Limits")]
    pub max_connections: u64,
    /// Memory for answers being sent, across all connections (64M, 512K, 1G
    /// or bytes); an answer that finds no room is refused with 503 and
    /// Retry-After, the rest of a long one waits for room
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = size, help_heading = "Limits")]
    pub max_in_flight: u64,
    /// API answers over 1 MiB streamed at once (each keeps its query running
    /// for as long as its reader takes); one more is refused with 503 and
    /// Retry-After
    #[arg(long, value_name = "N", default_value = "16", value_parser = whole(1, 4096), help_heading = "Limits")]
    pub max_streams: u64,
}

/// `cometcat mcp` takes no arguments of its own: the global `--db` (or
/// `COMETCAT_DB`) names the catalog it reads.
#[derive(Debug, Args)]
#[command(after_long_help = MCP_SETUP)]
pub struct McpArgs {}

/// How to install completion, shown by `completions --help` (and the README).
const COMPLETION_INSTALL: &str = "\
To complete at each Tab without saving a script (it asks cometcat, which reads the local catalog):
  echo 'source <(COMPLETE=bash cometcat)' >> ~/.bashrc                  # bash
  echo 'source <(COMPLETE=zsh cometcat)' >> ~/.zshrc                    # zsh, after compinit
  echo 'COMPLETE=fish cometcat | source' >> ~/.config/fish/config.fish  # fish
Or save the script where your shell keeps completions:
  mkdir -p ~/.local/share/bash-completion/completions ~/.config/fish/completions
  cometcat completions bash > ~/.local/share/bash-completion/completions/cometcat
  cometcat completions zsh > ~/.cometcat.zsh && echo 'source ~/.cometcat.zsh' >> ~/.zshrc
  cometcat completions fish > ~/.config/fish/completions/cometcat.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for: bash, zsh, fish, elvish or powershell
    pub shell: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn value_parsers_say_what_is_wrong_in_the_flags_terms() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["models", "--max-input-price", "-1"],
                "invalid value '-1' for '--max-input-price <USD>': a price cannot be negative",
            ),
            (&["models", "--limit", "-1"], "invalid value '-1' for '--limit <N>': not a whole number 0 or more"),
            (&["models", "-n", "abc"], "invalid value 'abc' for '--limit <N>': not a whole number 0 or more"),
            (
                &["estimate", "w.toml", "--budget", "-5"],
                "invalid value '-5' for '--budget <USD>': a price cannot be negative",
            ),
            (
                &["cost", "m", "--requests", "1.5"],
                "invalid value '1.5' for '--requests <N>': a number of calls is a whole number",
            ),
            (
                &["cost", "m", "--input-tokens", "18446744073709551616"],
                "invalid value '18446744073709551616' for '--input-tokens <N>': more tokens than cometcat can count (at most 18446744073709551615)",
            ),
            (
                &["cost", "m", "--output-tokens", "-5"],
                "invalid value '-5' for '--output-tokens <N>': a number of tokens cannot be negative",
            ),
            (
                &["sync", "--concurrency", "0"],
                "invalid value '0' for '--concurrency <N>': not a whole number from 1 to 64",
            ),
            (&["export", "--format", "table"], "invalid value 'table' for '--format <FORMAT>'"),
        ];
        for (args, want) in cases {
            let err = Cli::command_with_usage()
                .try_get_matches_from([&["cometcat"], *args].concat())
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{args:?}:\n{err}");
            assert!(!err.contains("--format <FORMAT>\n") || args.contains(&"--format"), "usage is general: {err}");
        }
    }
}
