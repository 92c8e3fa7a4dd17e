//! The arguments of each tool, as typed structs: serde reads them (unknown
//! keys refused, so a misspelt argument is said, never ignored) and schemars
//! writes the JSON Schema an agent sees, field doc comments included. The
//! names are the command line's, with `_` for `-` and plurals for lists.
//! Structs stay flat (no `flatten`, no `untagged`): the shared FILTERS are
//! stamped into each struct that takes them by [`with_filters!`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::answer::ToolError;
use super::values::{Count, FilterFields, Scalar, at_choices, pricing_kinds, sort_keys};

/// Declares an argument struct with its own fields and then every filter,
/// each described once, here.
macro_rules! with_filters {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$field_meta:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
            /// Only models that have every one of these features, e.g. ["image-to-text"].
            #[serde(default)]
            pub features: Vec<String>,
            /// Only models from any of these providers, by name ("Moonshot AI") or provider_code ("moonshot").
            #[serde(default)]
            pub providers: Vec<String>,
            /// Only models of any of these types: text, image, video, audio, embedding, ...
            #[serde(default)]
            pub types: Vec<String>,
            /// Only models with any of these endpoints, by key ("openai-chat") or path ("/v1/chat/completions").
            #[serde(default)]
            pub endpoints: Vec<String>,
            /// Only models whose id, code, name, description or provider contains this text (ignoring case).
            pub search: Option<String>,
            /// Only models whose effective input price (USD per 1M tokens) is at most this, e.g. "0.5".
            pub max_input_price: Option<Scalar>,
            /// Only models whose effective output price (USD per 1M tokens) is at most this.
            pub max_output_price: Option<Scalar>,
            /// Only models with a context of at least this many tokens, e.g. 200000 or "200K".
            pub min_context: Option<Count>,
            /// Only models priced this way.
            #[serde(default)]
            #[schemars(schema_with = "pricing_kinds")]
            pub pricing: Option<String>,
            /// Also models announced but not yet callable (hidden by default).
            #[serde(default)]
            pub include_upcoming: bool,
        }

        impl $name {
            pub fn filter_fields(&self) -> FilterFields<'_> {
                FilterFields {
                    features: &self.features,
                    providers: &self.providers,
                    types: &self.types,
                    endpoints: &self.endpoints,
                    search: self.search.as_deref(),
                    max_input_price: self.max_input_price.as_ref(),
                    max_output_price: self.max_output_price.as_ref(),
                    min_context: self.min_context.as_ref(),
                    pricing: self.pricing.as_deref(),
                    include_upcoming: self.include_upcoming,
                }
            }
        }
    };
}

with_filters! {
    /// `find_models`: `cometcat models`.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct FindModels {
        /// Sort by this key (default id); models without the value come last.
        #[serde(default)]
        #[schemars(schema_with = "sort_keys")]
        pub sort: Option<String>,
        /// Sort in descending order (ties still break by id, ascending).
        #[serde(default)]
        pub desc: bool,
        /// At most this many models (default 50, at most 500); the answer says how many matched.
        pub limit: Option<Count>,
    }
}

/// `get_model`: `cometcat show` and `cometcat history`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetModel {
    /// The model's id or code, e.g. "gpt-5" (case is ignored); an unknown name is an error with the closest ids.
    pub id: String,
    /// List every snapshot from the model's first to its last (absences too), not only its price changes.
    #[serde(default)]
    pub all_snapshots: bool,
    /// At most this many history entries, the latest (default 50, at most 500).
    pub limit: Option<Count>,
}

with_filters! {
    /// `rank_models`: `cometcat rank`.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RankModels {
        /// Input tokens per call (default 0), e.g. 1200 or "1.2K".
        pub input_tokens: Option<Count>,
        /// Output tokens per call (default 0).
        pub output_tokens: Option<Count>,
        /// Number of calls (default 1); the cost is for all of them.
        pub requests: Option<Count>,
        /// Seconds of generated media per call, for models priced per second, e.g. 8.
        pub seconds: Option<Scalar>,
        /// Price at the listed prices instead of the effective ones (listed × ratio).
        #[serde(default)]
        pub list_price: bool,
        /// With tokens in the workload, also rank models priced only per call or per second.
        #[serde(default)]
        pub any_pricing: bool,
        /// Leave out models whose price for this workload is 0.
        #[serde(default)]
        pub no_free: bool,
        /// Only the cheapest this many (default 50, at most 500); the answer says how many were ranked.
        pub limit: Option<Count>,
    }
}

/// `estimate_cost`: `cometcat estimate` on a workload given inline.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimateCost {
    /// What runs in the period, one item per use of a model (at most 500 items).
    pub items: Vec<WorkloadItem>,
    /// A budget in USD for the total, e.g. "500": the answer says whether it is exceeded.
    pub budget: Option<Scalar>,
}

/// One item of a workload: a named use of a model.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadItem {
    /// A name for the item, unique in the list (default: the model as given).
    pub name: Option<String>,
    /// The model's id or code, e.g. "gpt-5-mini".
    pub model: String,
    /// Calls in the period (default 1).
    pub requests: Option<Count>,
    /// Input tokens per call (default 0), e.g. 1200 or "1.2K".
    pub input_tokens: Option<Count>,
    /// Output tokens per call (default 0).
    pub output_tokens: Option<Count>,
    /// Seconds of generated media per call: required for models priced per second.
    pub seconds: Option<Scalar>,
}

/// `price_usage`: `cometcat usage` on records given inline.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceUsage {
    /// The calls to price, one JSON value each, as lines of JSON Lines: records[N-1] is line N of "records".
    #[serde(default)]
    pub records: Vec<serde_json::Value>,
    /// Also (or instead): a log as a file holds it (JSON, JSON Lines, or an event stream of `data:` lines).
    pub text: Option<String>,
    /// Group by model (default), provider, day (UTC) or tag:KEY (an envelope's tag).
    pub by: Option<String>,
    /// Price at the prices of now (default) or of each record's time ("record").
    #[serde(default)]
    #[schemars(schema_with = "at_choices")]
    pub at: Option<String>,
    /// Also price the same traffic on these models (ids or codes), with the change.
    #[serde(default)]
    pub what_if: Vec<String>,
    /// Price records naming a key as the model of its value (an id or code), e.g. {"gpt4o": "gpt-4o"}.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// A budget in USD for the total: the answer says whether it is exceeded.
    pub budget: Option<Scalar>,
    /// For a gateway's log items: how many quota units are one dollar (default 500000).
    pub quota_per_usd: Option<Scalar>,
    /// At most this many groups, the costliest (default 50, at most 500).
    pub limit: Option<Count>,
}

with_filters! {
    /// `catalog_changes`: `cometcat diff`.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CatalogChanges {
        /// The older snapshot: an id, or a date ("2026-10-01") or time, the latest by then (default: the one before).
        pub since: Option<Scalar>,
        /// The newer snapshot, the same way (default: the current one).
        pub until: Option<Scalar>,
        /// At most this many models in each of added, removed and changed (default 50, at most 500).
        pub limit: Option<Count>,
    }
}

/// A tool's arguments read into `A`; an error names the argument at fault
/// (`items[1].input_tokens`) and says what it expected.
pub fn read<A: serde::de::DeserializeOwned>(
    arguments: serde_json::Map<String, serde_json::Value>,
) -> Result<A, ToolError> {
    serde_path_to_error::deserialize(serde_json::Value::Object(arguments)).map_err(|e| {
        let path = e.path().to_string();
        match path.as_str() {
            "." => ToolError(format!("arguments: {}", e.into_inner())),
            _ => ToolError::argument(&path, e.into_inner()),
        }
    })
}
