//! Argument groups several commands share: `--format` (and `--json`) with
//! the formats a command writes, and the limits of a CI gate.

use std::path::PathBuf;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};

use super::parse::price;
use crate::output::Format;
use crate::pricing::{Money, Threshold};

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

/// A parser that takes exactly these formats by name.
fn formats(allowed: &[Format]) -> impl TypedValueParser<Value = Format> {
    let names: Vec<&'static str> = allowed.iter().map(|f| f.name()).collect();
    PossibleValuesParser::new(names)
        .map(|name| Format::ALL.into_iter().find(|f| f.name() == name).expect("a listed format"))
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
    /// With --baseline, a file that does not exist means no baseline (said in the report), not
    /// an error: the pull request that adds the workload has none on its base branch
    #[arg(long, requires = "baseline")]
    pub allow_missing_baseline: bool,
    /// Exit 3 when the total grows by more than this over the baseline: 10% or 25 (USD)
    #[arg(long, value_name = "PCT%|USD", requires = "baseline", allow_hyphen_values = true)]
    pub max_increase: Option<Threshold>,
    /// Report unknown or unpriced models instead of failing on them (exit 4)
    #[arg(long)]
    pub allow_unpriced: bool,
}
