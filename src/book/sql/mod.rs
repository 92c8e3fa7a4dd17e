//! `usage --sql DIALECT`: one query that prices a table of calls (`usage`)
//! in the engine that holds it, as `cometcat usage --at record --by model`
//! does, from the two tables of `export --price-book`. The rules are written
//! here once, as data: the resolution's lookups in order ([`STEPS`]), when a
//! row holds ([`in_force`]), the parts of a cost ([`PARTS`]) and when a call is
//! unpriced ([`REFUSALS`], `pricing::Prices::refuse`'s rules); each
//! [`Dialect`] only renders them. Pure: the query depends on nothing but the
//! dialect and the table names, so it stays valid across price book refreshes.

mod dialect;

pub use dialect::{DATE_SUFFIX, Dialect, Unit};

use std::fmt::Write as _;

use super::aliases::{AliasHow, Class};
use super::columns::{IS_CURRENT, VALID_FROM, VALID_TO, book_name};
use crate::catalog::PriceColumn;
use crate::pricing::Component;

/// The three tables the query reads, by role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableRole {
    Usage,
    PriceBook,
    PriceAliases,
}

impl TableRole {
    pub const ALL: [TableRole; 3] = [TableRole::Usage, TableRole::PriceBook, TableRole::PriceAliases];

    /// The role's name, which is also the table's default name.
    pub fn name(self) -> &'static str {
        match self {
            TableRole::Usage => "usage",
            TableRole::PriceBook => "price_book",
            TableRole::PriceAliases => "price_aliases",
        }
    }
}

/// A table's name: identifiers joined by dots (`warehouse.billing.usage`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableName(Vec<String>);

impl std::str::FromStr for TableName {
    type Err = String;

    /// Parts of letters, digits, `_` and `-`; anything else could become SQL.
    fn from_str(s: &str) -> Result<TableName, String> {
        let parts: Vec<String> = s.split('.').map(str::to_owned).collect();
        let fine = |p: &String| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if parts.iter().all(fine) {
            Ok(TableName(parts))
        } else {
            Err(format!("{s:?} is not a table name: use letters, digits, _ and -, in parts joined by dots"))
        }
    }
}

impl TableName {
    fn render(&self, dialect: Dialect) -> String {
        self.0.iter().map(|p| dialect.quote(p)).collect::<Vec<_>>().join(".")
    }
}

/// The tables' names, each its role's name unless given.
#[derive(Clone, Debug)]
pub struct Tables([TableName; 3]);

impl Default for Tables {
    fn default() -> Tables {
        Tables(TableRole::ALL.map(|r| TableName(vec![r.name().to_owned()])))
    }
}

impl Tables {
    pub fn set(&mut self, role: TableRole, name: TableName) {
        self.0[role as usize] = name;
    }

    fn name(&self, role: TableRole, dialect: Dialect) -> String {
        self.0[role as usize].render(dialect)
    }
}

/// A form of the call's model name that the resolution looks up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameForm {
    AsWritten,
    Lowered,
    Undated,
    LoweredUndated,
}

impl NameForm {
    fn column(self) -> &'static str {
        match self {
            NameForm::AsWritten => "name",
            NameForm::Lowered => "lowered",
            NameForm::Undated => "undated",
            NameForm::LoweredUndated => "lowered_undated",
        }
    }
}

/// §5's resolution as equality lookups, in its order: the name as written
/// against the exact names, lower-cased against the folded ones, then both
/// without a trailing date. (`models/` prefixes are aliases of their own.)
const STEPS: [(NameForm, Class); 4] = [
    (NameForm::AsWritten, Class::Exact),
    (NameForm::Lowered, Class::Folded),
    (NameForm::Undated, Class::Exact),
    (NameForm::LoweredUndated, Class::Folded),
];

/// The parts of a call's cost: each component, the `usage` column that counts it, its unit.
const PARTS: [(Component, &str, Unit); 4] = [
    (Component::Input, "input_tokens", Unit::PerMillion),
    (Component::Output, "output_tokens", Unit::PerMillion),
    (Component::Request, "requests", Unit::Each),
    (Component::Second, "seconds", Unit::Seconds),
];

/// Why a call that found its model's prices has no cost (`Prices::refuse`).
#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// The model has no price at all.
    NoPrice,
    /// Tokens of a kind the model does not price, on a model that prices tokens.
    Tokens(Component),
    /// A price per second, and no seconds.
    NoSeconds,
}

const REFUSALS: [Refusal; 4] =
    [Refusal::NoPrice, Refusal::Tokens(Component::Input), Refusal::Tokens(Component::Output), Refusal::NoSeconds];

/// The effective price of `c`, as the `priced` step names it.
fn price(c: Component) -> String {
    format!("{}_price", c.wire())
}

fn part(c: Component) -> String {
    format!("part_{}", c.wire())
}

/// ASCII lower case: `lower()` folds more than ASCII in most engines.
fn lowered(x: &str) -> String {
    format!("translate({x}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
}

/// Whether row `t` (of the price book or the alias table) holds at the call's
/// time: `valid_from <= time < valid_to`, nulls open; a call without a time
/// takes the rows of the current snapshot.
fn in_force(t: &str) -> String {
    format!(
        "((n.called_at IS NULL AND {t}.{IS_CURRENT}) OR (n.called_at IS NOT NULL\n      \
         AND ({t}.{VALID_FROM} IS NULL OR {t}.{VALID_FROM} <= n.called_at)\n      \
         AND ({t}.{VALID_TO} IS NULL OR n.called_at < {t}.{VALID_TO})))"
    )
}

/// The query, for `dialect`, over `tables`.
pub fn query(dialect: Dialect, tables: &Tables) -> String {
    let mut sql = format!(
        "-- cometcat usage --sql {} ({}): prices the table {} as\n\
         -- `cometcat usage --at record --by model` does, with the tables {} and {}\n\
         -- that `cometcat export --price-book` writes.\n",
        dialect.name(),
        dialect.title(),
        tables.name(TableRole::Usage, dialect),
        tables.name(TableRole::PriceBook, dialect),
        tables.name(TableRole::PriceAliases, dialect),
    );
    sql.push_str(&names(dialect, tables));
    sql.push_str(&resolved(tables, dialect));
    sql.push_str(&priced(dialect, tables));
    sql.push_str(&costs(dialect));
    sql.push_str(&grouped(dialect));
    sql
}

/// The calls, with the forms of their names the lookups need, and their
/// seconds read to the microsecond.
fn names(dialect: Dialect, tables: &Tables) -> String {
    let undated = dialect.undated("u.model");
    format!(
        "WITH named AS (\n  SELECT\n    u.model AS name,\n    u.time AS called_at,\n    \
         coalesce(u.input_tokens, 0) AS input_tokens,\n    coalesce(u.output_tokens, 0) AS output_tokens,\n    \
         coalesce(u.requests, 1) AS requests,\n    u.seconds AS seconds_given,\n    {} AS micros,\n    \
         substr(u.model, 1, 7) = 'models/' AS prefixed,\n    {} AS lowered,\n    {undated} AS undated\n  \
         FROM {} AS u\n),\nn AS (\n  SELECT\n    named.*,\n    {} AS lowered_undated,\n    {} AS seconds\n  \
         FROM named\n),\n",
        dialect.micros("u.seconds"),
        lowered("u.model"),
        tables.name(TableRole::Usage, dialect),
        lowered("named.undated"),
        dialect.to_seconds("named.micros"),
    )
}

/// Each call with the model its name resolves to at its time (NULL: none).
fn resolved(tables: &Tables, dialect: Dialect) -> String {
    let aliases = tables.name(TableRole::PriceAliases, dialect);
    let mut joins = String::new();
    let mut found = Vec::new();
    for (i, (form, class)) in STEPS.iter().enumerate() {
        let a = format!("a{}", i + 1);
        let hows: Vec<AliasHow> = AliasHow::ALL.into_iter().filter(|h| h.class() == *class).collect();
        let plain: Vec<String> = hows.iter().filter(|h| !h.needs_prefix()).map(|h| format!("'{}'", h.name())).collect();
        let mut which = match plain.as_slice() {
            [one] => format!("{a}.how = {one}"),
            many => format!("{a}.how IN ({})", many.join(", ")),
        };
        for h in hows.iter().filter(|h| h.needs_prefix()) {
            which = format!("({which} OR ({a}.how = '{}' AND n.prefixed))", h.name());
        }
        let _ = write!(
            joins,
            "  LEFT JOIN {aliases} AS {a}\n    ON {a}.alias = n.{} AND {which}\n    AND {}\n",
            form.column(),
            in_force(&a)
        );
        found.push(format!("{a}.model_id"));
    }
    format!("resolved AS (\n  SELECT n.*, coalesce({}) AS alias_of\n  FROM n\n{joins}),\n", found.join(", "))
}

/// Each call with the effective prices of its model's period at its time.
fn priced(dialect: Dialect, tables: &Tables) -> String {
    let mut prices = String::new();
    for (c, _, _) in PARTS {
        let column = book_name(PriceColumn::Effective(c));
        let _ = write!(prices, ",\n    {} AS {}", dialect.price(&format!("p.{column}")), price(c));
    }
    format!(
        "priced AS (\n  SELECT\n    p.model_id, n.input_tokens, n.output_tokens, n.requests, n.seconds, n.seconds_given{prices}\n  \
         FROM resolved AS n\n  LEFT JOIN {} AS p\n    ON p.model_id = n.alias_of\n    AND {}\n),\n",
        tables.name(TableRole::PriceBook, dialect),
        in_force("p"),
    )
}

/// Each call's parts and cost: NULL when it has no model or is unpriced.
fn costs(dialect: Dialect) -> String {
    let mut parts = String::new();
    for (c, quantity, unit) in PARTS {
        let _ = write!(
            parts,
            ",\n    {} AS {}",
            dialect.part(&format!("c.{quantity}"), &format!("c.{}", price(c)), unit),
            part(c)
        );
    }
    let names: Vec<String> = PARTS.iter().map(|(c, _, _)| format!("k.{}", part(*c))).collect();
    let mut cases = String::from("      WHEN k.model_id IS NULL THEN NULL\n");
    let counts = ["k.input_tokens", "k.output_tokens", "k.requests"];
    let prices: Vec<String> = PARTS.iter().map(|(c, _, _)| format!("k.{}", price(*c))).collect();
    if let Some(guard) = dialect.guard(&counts, "k.seconds_given", &prices, &names) {
        let raise = dialect.raise("cometcat: a call is outside the range this query prices exactly");
        let _ = writeln!(cases, "      WHEN {guard}\n      THEN {raise}");
    }
    for refusal in REFUSALS {
        let _ = writeln!(cases, "      WHEN {} THEN NULL", refused(refusal));
    }
    format!(
        "parts AS (\n  SELECT c.*{parts}\n  FROM priced AS c\n),\ncosts AS (\n  SELECT\n    k.model_id, k.input_tokens, \
         k.output_tokens, k.requests, k.seconds,\n    CASE\n{cases}      ELSE {}\n    END AS cost\n  FROM parts AS k\n)\n",
        dialect.sum(&names),
    )
}

/// The condition of one refusal, on the `costs` step's row `k`.
fn refused(refusal: Refusal) -> String {
    let p = |c: Component| format!("k.{}", price(c));
    match refusal {
        Refusal::NoPrice => {
            let none: Vec<String> = PARTS.iter().map(|(c, _, _)| format!("{} IS NULL", p(*c))).collect();
            none.join(" AND ")
        }
        Refusal::Tokens(c) => {
            let other = if c == Component::Input { Component::Output } else { Component::Input };
            let (_, quantity, _) = PARTS.iter().find(|(x, _, _)| *x == c).expect("a token part");
            format!("k.{quantity} > 0 AND {} IS NULL AND {} IS NOT NULL", p(c), p(other))
        }
        Refusal::NoSeconds => format!("{} IS NOT NULL AND k.seconds IS NULL", p(Component::Second)),
    }
}

/// Calls and costs per model; the unknown calls together, under a NULL model.
fn grouped(dialect: Dialect) -> String {
    let mut cost = "sum(cost)".to_owned();
    if dialect == Dialect::Spark {
        // Spark 3 turns an overflowing sum into NULL without ANSI mode.
        let raise = dialect.raise("cometcat: the total of a model is outside the range this query prices exactly");
        cost = format!("CASE WHEN count(cost) > 0 AND sum(cost) IS NULL THEN {raise} ELSE sum(cost) END");
    }
    format!(
        "SELECT\n  model_id,\n  count(*) AS records,\n  sum(input_tokens) AS input_tokens,\n  \
         sum(output_tokens) AS output_tokens,\n  sum(requests) AS requests,\n  \
         sum(coalesce(seconds, 0)) AS seconds,\n  {cost} AS cost,\n  \
         sum(CASE WHEN model_id IS NOT NULL AND cost IS NULL THEN 1 ELSE 0 END) AS unpriced\n\
         FROM costs\nGROUP BY model_id\nORDER BY model_id NULLS LAST\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_identifiers_never_sql() {
        assert!("billing.usage".parse::<TableName>().is_ok());
        assert!("my-project.ds.usage".parse::<TableName>().is_ok());
        for bad in ["", "a..b", "usage; DROP TABLE x", "a b", "\"q\"", "a.`b`"] {
            assert!(bad.parse::<TableName>().is_err(), "{bad}");
        }
        let name: TableName = "my-project.ds.usage".parse().unwrap();
        assert_eq!(name.render(Dialect::BigQuery), "`my-project`.ds.usage");
        assert_eq!(name.render(Dialect::Postgres), "\"my-project\".ds.usage");
        let reserved: TableName = "billing.order".parse().unwrap();
        assert_eq!(reserved.render(Dialect::DuckDb), "billing.\"order\"");
        assert_eq!(reserved.render(Dialect::Spark), "billing.`order`");
    }

    #[test]
    fn every_dialect_gets_the_same_rules() {
        for d in Dialect::ALL {
            let q = query(d, &Tables::default());
            assert_eq!(q.matches("LEFT JOIN price_aliases").count(), 4, "{d:?}");
            assert_eq!(q.matches("THEN NULL").count(), 5, "{d:?}");
            assert!(!q.contains(" / "), "no division: it rounds or turns to DOUBLE ({d:?})");
            assert!(!q.contains("1e-"), "no float literal ({d:?})");
        }
    }
}
