//! What each tool does: a thin call into the code the command it stands for
//! runs, on the catalog opened for the call, answering with that command's
//! `--format json` under a key of its own. Listings keep at most `limit`
//! entries and say how many there were; a name is looked up as the command
//! line looks it up, and an unknown one is an error with the closest names,
//! never a guess.

use std::io;

use serde::Serialize;

use super::answer::{Catalog, Reply, ToolError, more};
use super::args::{CatalogChanges, EstimateCost, FindModels, GetModel, PriceUsage, RankModels, WorkloadItem};
use super::values::{MAX_LIMIT, calls, filters, limit, quota_rate, seconds, snapshot, sort, tokens, usd};
use crate::cli::parse::group_by;
use crate::commands::diff::{pick, select};
use crate::commands::estimate::report_items;
use crate::commands::history::entries;
use crate::commands::lookup::{resolve_synonyms, unknown, unmatched_filter_values};
use crate::commands::rank::{Compare, left_out, ranked};
use crate::commands::usage::{Terms, price, read_input};
use crate::estimate::EstimateReport;
use crate::gate::Limits;
use crate::output::costs::CostRow;
use crate::output::diff::DiffJson;
use crate::output::history::Entry;
use crate::output::models::{ModelJson, ShowJson};
use crate::pricing::{Basis, Workload};
use crate::query::{Facet, Filters};
use crate::store::Store;
use crate::usage::{At, GroupBy, UsageReport};
use crate::workload::{Given, Item};

/// What to do when a listing was cut short.
const NARROW: &str = "give a larger `limit` (at most 500), or narrow the filters";

/// A listing: at most `limit` rows, and how many there were in all.
#[derive(Serialize)]
struct Listing<T: Serialize> {
    models: Vec<T>,
    /// How many matched (for `rank_models`: were ranked) before `limit`.
    matched: usize,
}

/// `find_models`: `cometcat models FILTERS --sort KEY [--desc] --limit N`.
pub fn find_models(c: &Catalog, args: FindModels) -> Result<Reply, ToolError> {
    let mut filters = filters(args.filter_fields())?;
    let (sort, limit) = (sort(args.sort.as_deref(), args.desc)?, limit(args.limit.as_ref())?);
    let read = read_words(&c.store, &mut filters)?;
    let matched = usize::try_from(c.store.count(&filters)?).unwrap_or(usize::MAX);
    let mut models = Vec::with_capacity(limit.min(matched));
    c.store.each_model(&filters, sort, Some(limit as u64), |m| -> anyhow::Result<()> {
        models.push(m.model);
        Ok(())
    })?;
    let notes = read.into_iter().chain(more(models.len(), matched, "models", NARROW)).collect();
    c.answer(&Listing { models: models.iter().map(ModelJson).collect(), matched }, notes)
}

/// `get_model`: `cometcat show ID` and `cometcat history ID [--all]`.
pub fn get_model(c: &Catalog, args: GetModel) -> Result<Reply, ToolError> {
    #[derive(Serialize)]
    struct Body<'a, R> {
        model: Option<ShowJson<'a, R>>,
        history: &'a [Entry<'a>],
        /// How many history entries there are, before `limit`.
        history_entries: usize,
    }
    let (store, limit) = (&c.store, limit(args.limit.as_ref())?);
    let found = store.find(&args.id).map_err(|e| ToolError::from(e).about("id"))?;
    let id = match &found {
        Some(found) => found.model.id.clone(),
        None => match store.find_any(&args.id)? {
            Some(id) => id,
            None => return Err(ToolError::from(unknown(store, &args.id, true)?).about("id")),
        },
    };
    let record = found.as_ref().map(|f| store.record(f.version_id)).transpose()?;
    let sightings = store.sightings(&id, args.all_snapshots)?;
    let snapshots = if args.all_snapshots { store.snapshots()? } else { Vec::new() };
    let history = entries(&sightings, &snapshots, args.all_snapshots);
    let kept = &history[history.len().saturating_sub(limit)..];
    let mut notes = Vec::new();
    if found.is_none() {
        notes.push(format!("{id} is not in the current catalog: `model` is null, and `history` says when it was"));
    }
    notes.extend(more(
        kept.len(),
        history.len(),
        "history entries (the latest)",
        "give a larger `limit` (at most 500)",
    ));
    let found = found.as_ref().zip(record.as_deref());
    let model = found.map(|(f, r)| ShowJson::new(f, r)).transpose()?;
    // The structured answer holds the record read here (see `Catalog::answer_as`).
    let read = found.map(|(f, r)| Ok::<_, serde_json::Error>(ShowJson::new(f, r)?.with_record(crate::json::value(r)?)));
    let history_entries = history.len();
    c.answer_as(
        &Body { model, history: kept, history_entries },
        &Body { model: read.transpose()?, history: kept, history_entries },
        notes,
    )
}

/// `rank_models`: `cometcat rank FILTERS WORKLOAD --top N`.
pub fn rank_models(c: &Catalog, args: RankModels) -> Result<Reply, ToolError> {
    let mut filters = filters(args.filter_fields())?;
    let limit = limit(args.limit.as_ref())?;
    let given = [&args.input_tokens, &args.output_tokens, &args.requests].iter().any(|c| c.is_some());
    if !given && args.seconds.is_none() {
        return Err(ToolError(
            "no workload was given, so there is nothing to price\nhint: give input_tokens and output_tokens (per \
             call), requests (calls), or seconds for models priced per second"
                .into(),
        ));
    }
    let workload = Workload {
        input_tokens: args.input_tokens.as_ref().map(|t| tokens("input_tokens", t)).transpose()?.unwrap_or(0),
        output_tokens: args.output_tokens.as_ref().map(|t| tokens("output_tokens", t)).transpose()?.unwrap_or(0),
        requests: args.requests.as_ref().map(|c| calls("requests", c)).transpose()?.unwrap_or(1),
        seconds: args.seconds.as_ref().map(|s| seconds("seconds", s)).transpose()?,
    };
    let basis = if args.list_price { Basis::List } else { Basis::Effective };
    let read = read_words(&c.store, &mut filters)?;
    let compare = Compare { any_pricing: args.any_pricing, no_free: args.no_free };
    let ranking = ranked(&c.store, &filters, &workload, basis, Some(limit as u64), compare)?;
    let mut notes: Vec<String> =
        read.into_iter().chain(more(ranking.rows.len(), ranking.ranked, "ranked models", NARROW)).collect();
    let upcoming: Vec<&str> = ranking.rows.iter().filter(|r| r.priced.upcoming).map(|r| r.id.as_str()).collect();
    if !upcoming.is_empty() {
        notes.push(format!("upcoming (listed, not yet callable): {}", upcoming.join(", ")));
    }
    notes.extend(ranking.inexact.iter().map(|e| format!("warning: {e}")));
    notes.extend(left_out(&ranking, |name| format!("`{name}`")));
    c.answer(&Listing::<&CostRow> { models: ranking.rows.iter().collect(), matched: ranking.ranked }, notes)
}

/// `estimate_cost`: `cometcat estimate WORKLOAD.toml [--budget USD]`, the
/// workload given inline. An unknown model is an error, with the closest ids.
pub fn estimate_cost(c: &Catalog, args: EstimateCost) -> Result<Reply, ToolError> {
    #[derive(Serialize)]
    struct Body<'a> {
        estimate: &'a EstimateReport,
    }
    if args.items.is_empty() || args.items.len() > MAX_LIMIT as usize {
        let why =
            if args.items.is_empty() { "no item was given".to_owned() } else { format!("{} items", args.items.len()) };
        return Err(ToolError::argument(
            "items",
            format!(
                "{why}: give 1 to {MAX_LIMIT} items, as {{\"model\": \"gpt-5-mini\", \"requests\": 30000, \
                 \"input_tokens\": 1200, \"output_tokens\": 350}}"
            ),
        ));
    }
    let items = args.items.into_iter().enumerate().map(|(n, i)| item(n, i)).collect::<Result<Vec<_>, _>>()?;
    for (n, item) in items.iter().enumerate() {
        if let Some(first) = items[..n].iter().position(|i| i.name == item.name) {
            let message =
                format!("name {:?} is already used by items[{first}]: give each item a `name` of its own", item.name);
            return Err(ToolError::argument(&format!("items[{n}]"), message));
        }
    }
    let limits = Limits { budget: args.budget.map(|b| usd("budget", &b)).transpose()?, ..Limits::default() };
    let place = |item: &Item| format!("argument `items[{}]`", item.line - 1);
    let (report, _, notes) = report_items(&c.store, &items, &place, None, &limits)?;
    let unknown: Vec<String> = (report.items.iter().enumerate())
        .filter_map(|(n, i)| Some((n, i.problem.as_ref().filter(|p| p.kind == "unknown_model")?)))
        .map(|(n, p)| format!("argument `items[{n}].model`: {}", p.message))
        .collect();
    if !unknown.is_empty() {
        return Err(ToolError(unknown.join("\n")));
    }
    c.answer(&Body { estimate: &report }, notes.into_iter().map(|n| format!("warning: {n}")).collect())
}

/// One inline item, checked as a workload file's item is; `n` places it.
fn item(n: usize, given: WorkloadItem) -> Result<Item, ToolError> {
    let at = format!("items[{n}]");
    let field = |name: &str| format!("{at}.{name}");
    let workload = Workload {
        input_tokens: given.input_tokens.as_ref().map(|t| tokens(&field("input_tokens"), t)).transpose()?.unwrap_or(0),
        output_tokens: given
            .output_tokens
            .as_ref()
            .map(|t| tokens(&field("output_tokens"), t))
            .transpose()?
            .unwrap_or(0),
        requests: given.requests.as_ref().map(|c| calls(&field("requests"), c)).transpose()?.unwrap_or(1),
        seconds: given.seconds.as_ref().map(|s| seconds(&field("seconds"), s)).transpose()?,
    };
    let set = Given {
        input_tokens: given.input_tokens.is_some(),
        output_tokens: given.output_tokens.is_some(),
        seconds: given.seconds.is_some(),
    };
    let model = given.model.trim();
    let name = given.name.unwrap_or_else(|| if model.is_empty() { at.clone() } else { model.to_owned() });
    Item::new(name, &given.model, workload, set, n + 1).map_err(|e| ToolError::argument(&at, e))
}

/// `price_usage`: `cometcat usage [--by G] [--at A] [--what-if M]... [--alias N=M]...
/// [--budget USD]` on records given inline. Unknown and unpriced records are
/// in the report, as the command reports them.
pub fn price_usage(c: &Catalog, args: PriceUsage) -> Result<Reply, ToolError> {
    #[derive(Serialize)]
    struct Body<'a> {
        usage: &'a UsageReport,
        /// How many groups the report has, before `limit`.
        groups: usize,
    }
    let limit = limit(args.limit.as_ref())?;
    if args.records.is_empty() && args.text.as_deref().is_none_or(str::is_empty) {
        let message = "nothing to price: give `records` (API responses or log lines, one JSON value each) or `text`";
        return Err(ToolError::argument("records", message));
    }
    let by = args.by.as_deref().map(group_by).transpose().map_err(|e| ToolError::argument("by", e))?;
    let at = match args.at.as_deref().map(str::trim) {
        None | Some("now") => At::Now,
        Some("record") => At::Record,
        Some(other) => return Err(ToolError::argument("at", format!("{other:?} is not one of now, record"))),
    };
    let aliases: Vec<(String, String)> = args.aliases.into_iter().collect();
    let terms = Terms {
        by: &by.unwrap_or(GroupBy::Model),
        at,
        aliases: &aliases,
        what_if: &args.what_if,
        limits: Limits { budget: args.budget.map(|b| usd("budget", &b)).transpose()?, ..Limits::default() },
        quota: args.quota_per_usd.map(|q| quota_rate("quota_per_usd", &q)).transpose()?.unwrap_or_default(),
        max_groups: crate::usage::DEFAULT_MAX_GROUPS,
        flag: &|name| format!("argument `{}`", if name == "alias" { "aliases" } else { name }),
    };
    let lines: String = args.records.iter().map(|r| format!("{r}\n")).collect();
    let mut report = price(&c.store, &terms, None, |ledger, tag| {
        let mut unopened = 0;
        if !lines.is_empty() && !read_input(&mut io::sink(), ledger, "records", lines.as_bytes(), tag, false)? {
            unopened += 1;
        }
        if let Some(text) = args.text.as_deref().filter(|t| !t.is_empty())
            && !read_input(&mut io::sink(), ledger, "text", text.as_bytes(), tag, false)?
        {
            unopened += 1;
        }
        Ok(unopened)
    })?;
    let groups = report.groups.len();
    report.groups.truncate(limit);
    let notes =
        more(report.groups.len(), groups, "groups", "give a larger `limit` (at most 500)").into_iter().collect();
    c.answer(&Body { usage: &report, groups }, notes)
}

/// `catalog_changes`: `cometcat diff [FROM] [TO] FILTERS`.
pub fn catalog_changes(c: &Catalog, args: CatalogChanges) -> Result<Reply, ToolError> {
    #[derive(Serialize)]
    struct Body<'a> {
        changes: DiffJson<'a>,
        /// How many models were added, removed and changed, before `limit`.
        counts: Counts,
    }
    #[derive(Serialize)]
    struct Counts {
        added: usize,
        removed: usize,
        changed: usize,
    }
    let filters = filters(args.filter_fields())?;
    let limit = limit(args.limit.as_ref())?;
    let store = &c.store;
    let since = args.since.as_ref().map(|s| snapshot("since", s)).transpose()?;
    let until = args.until.as_ref().map(|s| snapshot("until", s)).transpose()?;
    for (name, selector) in [("since", since), ("until", until)] {
        if let Some(selector) = selector {
            select(store, selector).map_err(|e| snapshots_error(store, ToolError::from(e).about(name)))?;
        }
    }
    let (from, to) = pick(store, since, until)?;
    // Filter values unknown today may be those of models that left: said, not refused.
    let mut notes: Vec<String> = unmatched_filter_values(store, &filters)?.into_iter().map(|u| u.message).collect();
    if from.id == to.id && since.is_none() {
        notes.push(format!("snapshot {} is the first one: there is nothing before it to compare with", to.id));
    }
    let mut diff = store.diff(from.id, to.id, Some(&filters))?;
    let counts = Counts { added: diff.added.len(), removed: diff.removed.len(), changed: diff.changed.len() };
    let longest = counts.added.max(counts.removed).max(counts.changed);
    diff.added.truncate(limit);
    diff.removed.truncate(limit);
    diff.changed.truncate(limit);
    if longest > limit {
        notes.push(format!(
            "at most {limit} of each kind shown ({} added, {} removed, {} changed in all): {NARROW}",
            counts.added, counts.removed, counts.changed
        ));
    }
    c.answer(&Body { changes: DiffJson::new(&diff), counts }, notes)
}

/// A snapshot that is not there, with the snapshots there are.
fn snapshots_error(store: &Store, err: ToolError) -> ToolError {
    let Ok(all) = store.snapshots() else { return err };
    match (all.last(), all.first()) {
        (Some(first), Some(last)) => ToolError(format!(
            "{}\nnote: the catalog holds snapshots {} (fetched {}) to {} (fetched {})",
            err.0, first.id, first.fetched_at, last.id, last.fetched_at
        )),
        _ => err,
    }
}

/// The words agents type for the catalog's names read as those names (said
/// in the notes returned); then a filter value that no model has is an error
/// naming the argument, with the values there are and the closest one.
fn read_words(store: &Store, filters: &mut Filters) -> Result<Vec<String>, ToolError> {
    let read = resolve_synonyms(store, filters)?;
    let unmatched = unmatched_filter_values(store, filters)?;
    if unmatched.is_empty() {
        return Ok(read);
    }
    let argument = |facet| match facet {
        Facet::Providers => "providers",
        Facet::Features => "features",
        Facet::Types => "types",
        Facet::Endpoints => "endpoints",
    };
    let lines: Vec<String> = unmatched.iter().map(|u| ToolError::argument(argument(u.facet), &u.message).0).collect();
    Err(ToolError(lines.join("\n")))
}
