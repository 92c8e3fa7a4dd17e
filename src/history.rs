//! What changed between two versions of a model, and which sightings of a model
//! make its price history. Pure: the store finds the versions, this compares them.

use serde::Serialize;
use serde_json::{Value, json};

use crate::catalog::{Model, PRICE_COLUMNS, PriceColumn};
use crate::money::Money;
use crate::pricing::Prices;

/// One field that differs between two versions of a model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub field: &'static str,
    pub from: Value,
    pub to: Value,
    /// For prices present on both sides with a non-zero old value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_pct: Option<Money>,
}

/// The fields of two versions of one model that differ, in a fixed order.
/// Fields a diff does not track (raw-only fields such as `model_sort`) are ignored.
pub fn changes(old: &Model, new: &Model) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |field: &'static str, from: Value, to: Value, change_pct: Option<Money>| {
        if from != to {
            out.push(Change { field, from, to, change_pct });
        }
    };
    push("code", json!(old.code), json!(new.code), None);
    push("name", json!(old.name), json!(new.name), None);
    push("provider", json!(old.provider), json!(new.provider), None);
    push("provider_code", json!(old.provider_code), json!(new.provider_code), None);
    push("description", json!(old.description), json!(new.description), None);
    push("model_type", json!(old.model_type), json!(new.model_type), None);
    push("features", json!(old.features), json!(new.features), None);
    push("endpoints", json!(old.endpoints), json!(new.endpoints), None);
    push("currency", json!(old.pricing.currency), json!(new.pricing.currency), None);
    let (oe, ne) = (old.pricing.effective().unwrap_or_default(), new.pricing.effective().unwrap_or_default());
    for column in PRICE_COLUMNS {
        // An explicit ratio of 1 is the same as none.
        let compared = |m: &Model, effective: &Prices| match column {
            PriceColumn::Ratio => Some(m.pricing.ratio()),
            _ => m.pricing.value(column, effective),
        };
        let (from, to) = (compared(old, &oe), compared(new, &ne));
        push(column.name(), json!(from), json!(to), percent_change(from, to));
    }
    push("context_length", json!(old.context_length), json!(new.context_length), None);
    push("max_completion_tokens", json!(old.max_completion_tokens), json!(new.max_completion_tokens), None);
    push("upcoming", json!(old.upcoming), json!(new.upcoming), None);
    push("created", json!(old.created), json!(new.created), None);
    push("api_doc_url", json!(old.api_doc_url), json!(new.api_doc_url), None);
    out
}

/// The change from one price to another in percent, when both exist and the old one is not 0.
fn percent_change(from: Option<Money>, to: Option<Money>) -> Option<Money> {
    let (from, to) = (from?, to?);
    to.checked_sub(from).ok()?.percent_of(from)
}

/// What a price history compares: listed prices, ratio and currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceState {
    pub currency: Option<String>,
    pub listed: Prices,
    pub ratio: Money,
}

impl PriceState {
    pub fn of(model: &Model) -> PriceState {
        PriceState {
            currency: model.pricing.currency.clone(),
            listed: model.pricing.listed,
            ratio: model.pricing.ratio(),
        }
    }
}

/// Indexes of the sightings whose prices differ from the sighting before
/// (the first sighting always counts).
pub fn price_changes(sightings: &[PriceState]) -> Vec<usize> {
    (0..sightings.len()).filter(|&i| i == 0 || sightings[i] != sightings[i - 1]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Endpoint, Pricing};

    fn model(input: &str, ratio: Option<&str>) -> Model {
        Model {
            id: "m".into(),
            pricing: Pricing {
                currency: Some(crate::catalog::USD.into()),
                listed: Prices { input: Some(Money::parse(input).unwrap()), ..Prices::default() },
                ratio: ratio.map(|r| Money::parse(r).unwrap()),
            },
            ..Model::default()
        }
    }

    fn fields(changes: &[Change]) -> Vec<&str> {
        changes.iter().map(|c| c.field).collect()
    }

    #[test]
    fn identical_versions_have_no_changes() {
        assert!(changes(&model("1", None), &model("1", None)).is_empty());
        // An explicit ratio of 1 is the same as no ratio.
        assert!(changes(&model("1", None), &model("1", Some("1"))).is_empty());
    }

    #[test]
    fn a_repricing_changes_listed_and_effective_price_with_percentages() {
        let c = changes(&model("2", Some("0.8")), &model("2.5", Some("0.8")));
        assert_eq!(fields(&c), ["input_price", "effective_input_price"]);
        assert_eq!(c[0].from, json!("2"));
        assert_eq!(c[0].to, json!("2.5"));
        assert_eq!(c[0].change_pct.unwrap().to_string(), "25");
        assert_eq!(c[1].from, json!("1.6"));
        assert_eq!(c[1].to, json!("2"));
    }

    #[test]
    fn a_ratio_only_change_moves_effective_prices_only() {
        let c = changes(&model("10", Some("1")), &model("10", Some("0.8")));
        assert_eq!(fields(&c), ["ratio", "effective_input_price"]);
        assert_eq!(c[0].change_pct.unwrap().to_string(), "-20");
    }

    #[test]
    fn features_and_endpoints_compare_as_lists() {
        let old = model("1", None);
        let mut new = old.clone();
        new.features = vec!["text-to-text".into()];
        new.endpoints = vec![Endpoint { key: "openai-chat".into(), ..Endpoint::default() }];
        new.upcoming = true;
        let c = changes(&old, &new);
        assert_eq!(fields(&c), ["features", "endpoints", "upcoming"]);
        assert_eq!(c[0].to, json!(["text-to-text"]));
        assert_eq!(c[0].change_pct, None);
    }

    #[test]
    fn a_price_appearing_has_no_percentage() {
        let old = Model { id: "m".into(), ..Model::default() };
        let c = changes(&old, &model("1", None));
        assert_eq!(fields(&c), ["currency", "input_price", "effective_input_price"]);
        assert!(c.iter().all(|c| c.change_pct.is_none()));
    }

    #[test]
    fn price_history_keeps_first_sighting_and_each_change() {
        let s = |input: &str, ratio: &str| PriceState::of(&model(input, Some(ratio)));
        let sightings = [s("1", "1"), s("1", "1"), s("2", "1"), s("2", "0.8"), s("2", "0.8"), s("1", "1")];
        assert_eq!(price_changes(&sightings), [0, 2, 3, 5]);
        assert!(price_changes(&[]).is_empty());
    }
}
