//! The command line, as clap types. Only types, value parsers and the mapping
//! of clap's values onto the domain's types live here: every doc comment is the
//! `--help` text of its argument.

use std::path::PathBuf;

use clap::builder::{FalseyValueParser, PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, Args, ColorChoice, Parser, Subcommand, ValueEnum};

use crate::catalog::{CountError, parse_count};
use crate::output::Format;
use crate::pricing::{Basis, Money, Threshold, Workload};
use crate::query::{Facet, Filters, PricingKind, Sort, SortKey};
use crate::usage::{At, GroupBy};

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

#[derive(Debug, Args)]
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

/// Defines a `--format` argument group: the formats a command writes, its
/// default, and `--json` as a short form where JSON is one of them.
macro_rules! output_args {
    ($name:ident, $default:literal, [$($format:ident),*]) => {
        #[derive(Debug, Args, Clone, Copy)]
        pub struct $name {
            /// Output format
            #[arg(long, value_name = "FORMAT", default_value = $default,
                  value_parser = formats(&[$(Format::$format),*]))]
            format: Format,
            /// Short for --format json
            #[arg(long, conflicts_with = "format")]
            json: bool,
        }

        impl $name {
            pub fn format(&self) -> Format {
                if self.json { Format::Json } else { self.format }
            }
        }
    };
}

output_args!(Output, "table", [Table, Json, Csv, Markdown]);
output_args!(TableOrJson, "table", [Table, Json]);
output_args!(CsvOrJson, "csv", [Csv, Json]);

/// A parser that takes exactly these formats by name.
fn formats(allowed: &[Format]) -> impl TypedValueParser<Value = Format> {
    let names: Vec<&'static str> = allowed.iter().map(|f| f.name()).collect();
    PossibleValuesParser::new(names)
        .map(|name| Format::ALL.into_iter().find(|f| f.name() == name).expect("a listed format"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch the catalog (or import a saved answer) into a new snapshot
    Sync(SyncArgs),
    /// List the models of the current snapshot
    Models(ModelsArgs),
    /// One model, every field, by id or code
    Show(ShowArgs),
    /// Providers, each with its number of models
    Providers(FacetArgs),
    /// Features, each with its number of models
    Features(FacetArgs),
    /// Model types, each with its number of models
    Types(FacetArgs),
    /// Endpoints, each with its number of models
    Endpoints(FacetArgs),
    /// The catalog as CSV, or as JSON that `sync --from` re-imports losslessly
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
    /// Print the shell completion script (completes commands, flags and the catalog's models)
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
    /// Write to FILE instead of stdout (a regular file is replaced atomically)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub format: CsvOrJson,
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

/// The limits of a CI gate (`estimate`, `usage`).
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Exit 3 when the total exceeds this many USD
    #[arg(long, value_name = "USD", value_parser = price, allow_negative_numbers = true)]
    pub budget: Option<Money>,
    /// An earlier report of this command (--format json) to compare with
    #[arg(long, value_name = "FILE.json")]
    pub baseline: Option<PathBuf>,
    /// Exit 3 when the total grows by more than this over the baseline: 10% or 25 (USD)
    #[arg(long, value_name = "PCT%|USD", requires = "baseline", allow_hyphen_values = true)]
    pub max_increase: Option<Threshold>,
    /// Report unknown or unpriced models instead of failing on them (exit 4)
    #[arg(long)]
    pub allow_unpriced: bool,
}

/// The workload file's format, for `estimate --help` (installed binaries have no README).
const WORKLOAD_FORMAT: &str = "\
The workload file (TOML) lists what an application runs in a period, one [[item]] per use:

    [[item]]
    name = \"summarize-tickets\"   # unique in the file
    model = \"gpt-5-mini\"         # model id or code
    requests = 30000               # calls in the period (default 1)
    input_tokens = 1200            # per call (default 0)
    output_tokens = 350            # per call (default 0)

    [[item]]
    name = \"product-videos\"
    model = \"veo3-fast\"          # priced per second
    requests = 40
    seconds = 8                    # per call; required for models priced per second

Counts are whole numbers, 0 or more; seconds may have decimals. Any other key, a duplicate
name or an empty model is an error naming the file, line and field (exit 1). A field the model
does not price (seconds on a model priced per token) is reported and not used.

Exit codes: 0 within budget and policy; 1 a malformed file or another error; 3 over --budget or
--max-increase; 4 an unknown or unpriced model (unless --allow-unpriced), or a catalog older than
--max-catalog-age. When both 3 and 4 apply, the exit is 4.";

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
    #[command(flatten)]
    pub output: Output,
}

/// `--by`: model, provider, day or tag:KEY.
pub fn group_by(s: &str) -> Result<GroupBy, String> {
    match s.trim() {
        "model" => Ok(GroupBy::Model),
        "provider" => Ok(GroupBy::Provider),
        "day" => Ok(GroupBy::Day),
        other => match other.strip_prefix("tag:") {
            Some(key) if !key.is_empty() => Ok(GroupBy::Tag(key.to_owned())),
            Some(_) => Err("tag: needs the tag's name, as in tag:team".into()),
            None => Err(format!("{other:?} is not model, provider, day or tag:KEY")),
        },
    }
}

/// `--alias NAME=MODEL`.
pub fn alias(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, model)) if !name.is_empty() && !model.trim().is_empty() => {
            Ok((name.to_owned(), model.trim().to_owned()))
        }
        _ => Err(format!("{s:?} is not NAME=MODEL, as in gpt4o=gpt-4o")),
    }
}

/// What `usage` reads, for `usage --help` (installed binaries have no README).
const USAGE_INPUT: &str = "\
Each file may be a JSON document (one response, or an array of them), JSON Lines (one response
or log line per line) or an event stream (data: lines); the kind is told from the content. One
record is one call:

    OpenAI chat         {\"object\":\"chat.completion\",\"model\":\"gpt-5-mini\",\"created\":1757839279,
                         \"choices\":[...],\"usage\":{\"prompt_tokens\":1843,\"completion_tokens\":880}}
    OpenAI chat stream  data: {\"object\":\"chat.completion.chunk\",...,\"usage\":{...}}
                        ... data: [DONE]
    OpenAI Responses    {\"object\":\"response\",\"model\":\"gpt-5\",
                         \"usage\":{\"input_tokens\":2540,\"output_tokens\":941}}
    Responses stream    event: response.completed
                        data: {\"type\":\"response.completed\",\"response\":{...}}
    embeddings          {\"object\":\"list\",\"model\":\"text-embedding-3-small\",
                         \"usage\":{\"prompt_tokens\":27}}
    Anthropic           {\"type\":\"message\",\"model\":\"claude-sonnet-4-5\",
                         \"usage\":{\"input_tokens\":86,\"output_tokens\":52}}
    Anthropic stream    event: message_start ... event: message_delta (usage)
    Gemini (and stream) {\"candidates\":[...],\"usageMetadata\":{...},
                         \"modelVersion\":\"gemini-2.5-flash\"}
    image generation    {\"created\":1757839279,\"data\":[...],\"model\":\"dall-e-3\"}
    video task          {\"object\":\"video\",\"model\":\"sora-2\",\"seconds\":\"8\"}
    transcription       {\"text\":\"...\",\"usage\":{\"type\":\"duration\",\"seconds\":42},
                         \"model\":\"whisper-1\"}
    log line            {\"model\":\"gpt-5\",\"input_tokens\":1200,\"output_tokens\":300,
                         \"requests\":10,\"time\":\"2026-09-14T08:41:19Z\"}
    envelope            {\"response\":<any of the above>,\"model\":\"dall-e-3\",
                         \"time\":\"2026-09-14T08:41:19Z\",\"tags\":{\"team\":\"search\"}}

Billing: input and output tokens at the model's effective prices. OpenAI's and Gemini's cached
and reasoning tokens are already inside their counts and are not added again; Anthropic's cache
tokens are outside input_tokens and are added to it; Gemini's thoughts are billed as output.
Cached tokens are billed at the input price (the catalog lists no cache price).

A record's model is matched to the catalog by exact id, exact code, id or code ignoring case,
without a models/ prefix, without a trailing date (-2024-08-06, -20250929), or by --alias;
never by likeness. A model not in the catalog is unknown, one without the price a record needs
is unpriced: neither is ever counted as $0.

Exit codes: 0 ok; 1 an unreadable line (unless --skip-unreadable), a file that cannot be
read, or another error; 3 over --budget or --max-increase; 4 an unknown or unpriced record
(unless --allow-unpriced). 4 wins over 3, and both over 1.";

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

/// How a snapshot is named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotSelector {
    Id(i64),
    /// The newest snapshot whose data was fetched at or before this instant.
    At(jiff::Timestamp),
}

/// `7` (an id), `2026-10-01` (the end of that day, UTC) or `2026-10-01T08:00:00Z`.
pub fn snapshot_selector(s: &str) -> Result<SnapshotSelector, String> {
    let s = s.trim();
    if let Ok(id) = s.parse::<i64>() {
        return Ok(SnapshotSelector::Id(id));
    }
    if let Ok(at) = s.parse::<jiff::Timestamp>() {
        return Ok(SnapshotSelector::At(at));
    }
    if let Ok(day) = s.parse::<jiff::civil::Date>() {
        // The last second of that day, UTC; the last days of year 9999 lie
        // beyond what a timestamp holds, and mean "the latest" all the same.
        let end = day.at(23, 59, 59, 0).to_zoned(jiff::tz::TimeZone::UTC);
        return Ok(SnapshotSelector::At(end.map_or(jiff::Timestamp::MAX, |z| z.timestamp())));
    }
    Err(format!("{s:?} is not a snapshot id, a date (2026-10-01) or a time (2026-10-01T08:00:00Z)"))
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
}

/// `127.0.0.1:8787`, `[::1]:8080`, `localhost:8787`, or an address alone (port 8787).
pub fn bind_address(s: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
    let s = s.trim();
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Ok(ip) = s.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 8787));
    }
    let example = "as in 127.0.0.1:8787, localhost:8787 or [::1]:8787";
    let (host, port) = s.rsplit_once(':').ok_or_else(|| format!("{s:?} is not ADDR:PORT, {example}"))?;
    let port: u16 = port.parse().map_err(|_| format!("{port:?} is not a port (0 to 65535), {example}"))?;
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| format!("{host:?} is not an address of this machine, {example}"))
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for: bash, zsh, fish, elvish or powershell
    pub shell: String,
}

/// A non-negative price in USD.
pub fn price(s: &str) -> Result<Money, String> {
    let m: Money = s.parse().map_err(|e: crate::pricing::MoneyError| e.to_string())?;
    if m.is_negative() {
        return Err("a price cannot be negative".into());
    }
    Ok(m)
}

/// A token count: 1200, 200K, 1.5M.
pub fn tokens(s: &str) -> Result<u64, String> {
    parse_count(s).map_err(|e| count_error("tokens", e))
}

/// A number of calls: 30000, 30K.
pub fn calls(s: &str) -> Result<u64, String> {
    parse_count(s).map_err(|e| count_error("calls", e))
}

/// What is wrong with a count of `what`, in those words.
fn count_error(what: &str, e: CountError) -> String {
    match e {
        CountError::NotANumber => format!("not a number of {what}: give a whole number such as 1200, 1.2K or 1M"),
        CountError::Negative => format!("a number of {what} cannot be negative"),
        CountError::Fraction => format!("a number of {what} is a whole number"),
        CountError::TooLarge => format!("more {what} than cometcat can count (at most {})", u64::MAX),
    }
}

/// A whole number from `min` to `max`, for limits and settings.
fn whole(min: u64, max: u64) -> impl TypedValueParser<Value = u64> {
    move |s: &str| -> Result<u64, String> {
        let range = if max == u64::MAX { format!("{min} or more") } else { format!("from {min} to {max}") };
        match s.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!("not a whole number {range}")),
        }
    }
}

/// Seconds of media per call: a decimal, 0 or more.
pub fn seconds(s: &str) -> Result<Money, String> {
    let m: Money = s.parse().map_err(|e: crate::pricing::MoneyError| e.to_string())?;
    if m.is_negative() {
        return Err("seconds cannot be negative".into());
    }
    Ok(m)
}

/// A size in bytes: `1048576`, `512K`, `64M`, `1G` (1K = 1024 bytes; `KiB`,
/// `MiB`, `GiB` and a trailing `B` are accepted too).
pub fn size(s: &str) -> Result<u64, String> {
    let bad = || format!("{s:?} is not a size like 64M, 512K, 1G or a number of bytes");
    let t = s.trim().to_ascii_uppercase();
    let t = t.strip_suffix("IB").or_else(|| t.strip_suffix('B')).unwrap_or(&t);
    let (number, factor) = match t.char_indices().last().ok_or_else(bad)? {
        (i, 'K') => (&t[..i], 1u64 << 10),
        (i, 'M') => (&t[..i], 1 << 20),
        (i, 'G') => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    let n: u64 = number.trim().parse().map_err(|_| bad())?;
    match n.checked_mul(factor) {
        Some(0) => Err(format!("{s:?} is too small: give at least 1 byte")),
        Some(bytes) => Ok(bytes),
        None => Err(bad()),
    }
}

/// A duration with its unit: 45s, 30m, 12h, 7d.
pub fn duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let unit = |c: char| match c {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3_600),
        'd' => Some(86_400),
        _ => None,
    };
    let bad = || format!("{s:?} is not a duration like 45s, 30m, 12h or 7d");
    let (number, last) = s.split_at(s.len().saturating_sub(1));
    let factor = last.chars().next().and_then(unit).ok_or_else(bad)?;
    let n: u64 = number.parse().map_err(|_| bad())?;
    n.checked_mul(factor).map(std::time::Duration::from_secs).ok_or_else(bad)
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds above 0 and at most 86400")),
    }
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

    #[test]
    fn value_parsers_refuse_nonsense() {
        assert_eq!(tokens("200K"), Ok(200_000));
        assert!(tokens("-1").is_err());
        assert!(tokens("18446744073709551616").is_err(), "u64 overflow");
        assert!(price("-1").is_err());
        assert_eq!(price("0.5").unwrap().to_string(), "0.5");
        assert!(positive_seconds("0").is_err());
        assert!(positive_seconds("NaN").is_err());
        assert_eq!(positive_seconds("2.5"), Ok(2.5));
        assert_eq!(duration("7d"), Ok(std::time::Duration::from_secs(7 * 86_400)));
        assert_eq!(duration("90m"), Ok(std::time::Duration::from_secs(5_400)));
        assert!(
            duration("7").is_err() && duration("d").is_err() && duration("-1d").is_err() && duration("1w").is_err()
        );
        assert!(seconds("-1").is_err());
        assert_eq!(snapshot_selector("7"), Ok(SnapshotSelector::Id(7)));
        assert_eq!(
            snapshot_selector("2026-10-01"),
            Ok(SnapshotSelector::At("2026-10-01T23:59:59Z".parse().unwrap())),
            "a date means the end of that day"
        );
        assert_eq!(
            snapshot_selector("2026-10-01T08:00:00Z"),
            Ok(SnapshotSelector::At("2026-10-01T08:00:00Z".parse().unwrap()))
        );
        assert!(snapshot_selector("yesterday").is_err());
        assert_eq!(snapshot_selector("9999-12-31"), Ok(SnapshotSelector::At(jiff::Timestamp::MAX)), "the last day");
        assert_eq!(seconds("8.5").unwrap().to_string(), "8.5");
        assert_eq!(size("64M"), Ok(64 << 20));
        assert_eq!(size("512KiB"), Ok(512 << 10));
        assert_eq!(size("1g"), Ok(1 << 30));
        assert_eq!(size("100"), Ok(100));
        assert!(size("0").is_err() && size("M").is_err() && size("-1M").is_err() && size("99999999999G").is_err());
    }
}
