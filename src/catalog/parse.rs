//! One raw `/api/models` record becomes a [`Model`] here, and nowhere else.
//!
//! Parsing is lenient field by field and strict about money: a field of the wrong
//! shape is dropped with a warning and the rest of the record is kept; a record
//! without an id is quarantined.

use serde_json::{Map, Value};

use super::columns::PriceColumn;
use super::model::{Endpoint, Model, Pricing, USD};
use crate::count::parse_count;
use crate::pricing::{Component, Money, Prices};

/// What became of one raw record: a model (with a warning for each field
/// dropped), or a quarantine.
#[derive(Debug)]
pub enum Parsed {
    Model { model: Box<Model>, warnings: Vec<String> },
    Quarantined { reason: String },
}

/// Turns one raw record into a model, collecting a warning for every field it
/// had to drop. `value` must be the record parsed with serde_json's
/// `arbitrary_precision`, so numbers still carry their text.
pub fn parse_record(value: &Value) -> Parsed {
    let Some(obj) = value.as_object() else {
        return Parsed::Quarantined { reason: format!("the record is {}, not an object", kind(value)) };
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => {
            return Parsed::Quarantined { reason: "the record has no id".into() };
        }
        Some(Value::String(_)) => {
            return Parsed::Quarantined { reason: "the record's id is empty".into() };
        }
        Some(other) => {
            return Parsed::Quarantined { reason: format!("the record's id is {}, not a string", kind(other)) };
        }
    };
    let mut p = Parser { id: &id, warnings: Vec::new() };
    let pricing = p.pricing(obj.get("pricing"));
    let model = Model {
        code: p.text(obj, "code"),
        name: p.text(obj, "name"),
        provider: p.text(obj, "provider"),
        provider_code: p.text(obj, "provider_code"),
        description: p.text(obj, "description"),
        model_type: p.text(obj, "model_type"),
        features: p.features(obj.get("features")),
        endpoints: p.endpoints(obj.get("endpoints")),
        pricing,
        context_length: p.tokens(obj, "context_length"),
        max_completion_tokens: p.tokens(obj, "max_completion_tokens"),
        upcoming: p.flag(obj, "upcoming"),
        created: p.created(obj.get("created")),
        api_doc_url: p.text(obj, "api_doc_url"),
        id: id.clone(),
    };
    Parsed::Model { model: Box::new(model), warnings: p.warnings }
}

struct Parser<'a> {
    id: &'a str,
    warnings: Vec<String>,
}

impl Parser<'_> {
    fn warn(&mut self, field: &str, problem: impl std::fmt::Display) {
        self.warnings.push(format!("{}: {field} {problem}; dropped", self.id));
    }

    fn text(&mut self, obj: &Map<String, Value>, field: &str) -> Option<String> {
        match obj.get(field)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            other => {
                self.warn(field, format_args!("is {}, not a string", kind(other)));
                None
            }
        }
    }

    fn flag(&mut self, obj: &Map<String, Value>, field: &str) -> bool {
        match obj.get(field) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.warn(field, format_args!("is {}, not true or false", kind(other)));
                false
            }
        }
    }

    fn created(&mut self, value: Option<&Value>) -> Option<i64> {
        let parsed = match value? {
            Value::Null => return None,
            Value::Number(n) => unix_time(n.as_str()),
            Value::String(s) => unix_time(s),
            _ => None,
        };
        if parsed.is_none() {
            self.warn("created", format_args!("is {}, not a unix time", describe(value?)));
        }
        parsed
    }

    fn tokens(&mut self, obj: &Map<String, Value>, field: &str) -> Option<u64> {
        let value = obj.get(field)?;
        let parsed = match value {
            Value::Null => return None,
            Value::Number(n) => parse_count(n.as_str()).ok(),
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => parse_count(s).ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.warn(field, format_args!("is {}, not a token count", describe(value)));
        }
        parsed
    }

    fn features(&mut self, value: Option<&Value>) -> Vec<String> {
        let decoded;
        let items = match value {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            // Like `endpoints`, a list may come encoded as a string: JSON, or
            // labels separated by commas.
            Some(Value::String(s)) => {
                decoded = match crate::json::value(s) {
                    Ok(Value::Array(items)) => items,
                    _ => s.split(',').map(|label| Value::String(label.trim().to_owned())).collect(),
                };
                &decoded
            }
            Some(other) => {
                self.warn("features", format_args!("is {}, not a list", kind(other)));
                return Vec::new();
            }
        };
        let mut features = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) if !s.trim().is_empty() => {
                    let s = s.trim();
                    if !features.iter().any(|f| f == s) {
                        features.push(s.to_owned());
                    }
                }
                other => self.warn("features", format_args!("has an item that is {}", describe(other))),
            }
        }
        features
    }

    fn endpoints(&mut self, value: Option<&Value>) -> Vec<Endpoint> {
        let decoded;
        let value = match value {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::String(s)) if s.trim().is_empty() => return Vec::new(),
            Some(Value::String(s)) => match crate::json::value(s) {
                Ok(v) => {
                    decoded = v;
                    &decoded
                }
                Err(e) => {
                    self.warn("endpoints", format_args!("is a string that is not JSON ({e})"));
                    return Vec::new();
                }
            },
            Some(v) => v,
        };
        let mut endpoints = match value {
            Value::Object(map) => map.iter().map(|(key, spec)| endpoint(key, spec)).collect::<Vec<_>>(),
            Value::Array(items) => {
                let mut endpoints = Vec::with_capacity(items.len());
                for item in items {
                    let key = match item {
                        Value::String(label) => Some(label.as_str()),
                        Value::Object(o) => o.get("key").or(o.get("name")).and_then(Value::as_str),
                        _ => None,
                    };
                    match key {
                        Some(key) if !key.trim().is_empty() => endpoints.push(endpoint(key, item)),
                        _ => self.warn("endpoints", format_args!("has an item that is {}", describe(item))),
                    }
                }
                endpoints
            }
            other => {
                self.warn("endpoints", format_args!("is {}, not an object or a list", kind(other)));
                return Vec::new();
            }
        };
        endpoints.sort();
        endpoints.dedup();
        endpoints
    }

    fn pricing(&mut self, value: Option<&Value>) -> Pricing {
        let obj = match value {
            None | Some(Value::Null) => return Pricing::default(),
            Some(Value::Object(obj)) => obj,
            Some(other) => {
                self.warn("pricing", format_args!("is {}, not an object", kind(other)));
                return Pricing::default();
            }
        };
        let currency = self.text(obj, "currency").filter(|c| !c.trim().is_empty());
        if let Some(c) = &currency
            && c != USD
        {
            self.warnings
                .push(format!("{}: pricing.currency {c:?} is not {USD:?}; the model is treated as unpriced", self.id));
        }
        let mut listed = Prices::default();
        for c in Component::ALL {
            listed.set(c, self.price(obj, c.wire()));
        }
        let pricing = Pricing { currency, listed, ratio: self.price(obj, "ratio") };
        if let Some(c) = pricing.inexact() {
            let (price, ratio) = (c.of(&pricing.listed).unwrap_or_default(), pricing.ratio());
            self.warnings.push(format!(
                "{}: {} = {price} × ratio {ratio} cannot be held exactly; the model is treated as unpriced",
                self.id,
                PriceColumn::Effective(c).name(),
            ));
        }
        pricing
    }

    /// A price: a JSON number or a decimal string, exact and not negative.
    fn price(&mut self, obj: &Map<String, Value>, field: &str) -> Option<Money> {
        let value = obj.get(field)?;
        let parsed = match value {
            Value::Null => return None,
            Value::Number(n) => Money::parse(n.as_str()),
            Value::String(s) => s.parse::<Money>(),
            other => {
                self.warn(&format!("pricing.{field}"), format_args!("is {}, not a number", kind(other)));
                return None;
            }
        };
        match parsed {
            Ok(money) if money.is_negative() => {
                self.warn(&format!("pricing.{field}"), format_args!("is negative ({money})"));
                None
            }
            Ok(money) => Some(money),
            Err(e) => {
                self.warn(&format!("pricing.{field}"), e);
                None
            }
        }
    }
}

fn endpoint(key: &str, spec: &Value) -> Endpoint {
    let field = |name: &str| spec.get(name).and_then(Value::as_str).map(str::to_owned);
    Endpoint { key: key.to_owned(), path: field("path"), method: field("method") }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Whole seconds, written as an integer or as an integral decimal (`1.7e9`).
fn unix_time(text: &str) -> Option<i64> {
    let text = text.trim();
    text.parse().ok().or_else(|| {
        let f: f64 = text.parse().ok()?;
        (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
    })
}

/// A short description of a value for a warning: strings and numbers are quoted.
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() <= 40 => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        other => kind(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::Unpriced;
    use serde_json::json;

    fn parse(v: Value) -> (Model, Vec<String>) {
        match parse_record(&v) {
            Parsed::Model { model, warnings } => (*model, warnings),
            Parsed::Quarantined { reason } => panic!("quarantined: {reason}"),
        }
    }

    fn parse_text(text: &str) -> (Model, Vec<String>) {
        parse(serde_json::from_str(text).unwrap())
    }

    #[test]
    fn endpoints_string_list_and_object_all_parse() {
        let (m, w) = parse(json!({"id": "a", "endpoints":
            "{\n \"openai-chat\": {\"path\": \"/v1/chat/completions\", \"method\": \"POST\"}}"}));
        assert!(w.is_empty());
        assert_eq!(
            m.endpoints,
            [Endpoint {
                key: "openai-chat".into(),
                path: Some("/v1/chat/completions".into()),
                method: Some("POST".into())
            }]
        );
        let (m, _) = parse(json!({"id": "a", "endpoints": ["image-generation", "openai"]}));
        assert_eq!(m.endpoints.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["image-generation", "openai"]);
        let (m, _) = parse(json!({"id": "a", "endpoints": {"anthropic": {"path": "/v1/messages"}}}));
        assert_eq!(m.endpoints[0].path.as_deref(), Some("/v1/messages"));
        let (m, _) = parse(json!({"id": "a", "endpoints": "[\"anthropic\"]"}));
        assert_eq!(m.endpoints[0].key, "anthropic");
    }

    #[test]
    fn an_endpoints_string_that_is_not_json_keeps_the_rest() {
        let (m, w) = parse(json!({"id": "odd", "name": "Odd", "endpoints": "{not json"}));
        assert!(m.endpoints.is_empty());
        assert_eq!(m.name.as_deref(), Some("Odd"));
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("odd: endpoints is a string that is not JSON"), "{w:?}");
    }

    #[test]
    fn prices_are_exact_and_strings_are_accepted() {
        let (m, w) = parse_text(
            r#"{"id": "p", "pricing": {"currency": "USD / M Tokens", "input": 0.416, "output": "0.832",
                "per_request": 1e-7, "per_second": 2.77778e-05, "ratio": 0.8}}"#,
        );
        assert!(w.is_empty(), "{w:?}");
        let l = m.pricing.listed;
        assert_eq!(l.input.unwrap().to_string(), "0.416");
        assert_eq!(l.output.unwrap().to_string(), "0.832");
        assert_eq!(l.per_request.unwrap().to_string(), "0.0000001");
        assert_eq!(l.per_second.unwrap().to_string(), "0.0000277778");
        let e = m.pricing.effective().unwrap();
        assert_eq!(e.input.unwrap().to_string(), "0.3328");
        assert_eq!(e.per_second.unwrap().to_string(), "0.00002222224");
    }

    #[test]
    fn bad_prices_are_dropped_with_a_warning() {
        let (m, w) = parse(json!({"id": "bad", "pricing": {
            "input": "abc", "output": -1, "per_request": true, "per_second": {"x": 1}, "ratio": 0.8}}));
        assert_eq!(m.pricing.listed, Prices::default());
        assert_eq!(m.pricing.ratio.unwrap().to_string(), "0.8");
        assert_eq!(
            w,
            [
                "bad: pricing.input \"abc\" is not a decimal number; dropped",
                "bad: pricing.output is negative (-1); dropped",
                "bad: pricing.per_request is a boolean, not a number; dropped",
                "bad: pricing.per_second is an object, not a number; dropped",
            ]
        );
    }

    #[test]
    fn an_unknown_currency_makes_the_model_unpriced() {
        let (m, w) = parse(json!({"id": "eur", "pricing": {"currency": "EUR / M Tokens", "input": 1}}));
        assert_eq!(m.pricing.usable(), Err(Unpriced::UnsupportedCurrency("EUR / M Tokens".into())));
        assert_eq!(m.pricing.effective(), None);
        assert_eq!(m.pricing.listed.input.unwrap().to_string(), "1");
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn an_effective_price_that_cannot_be_held_exactly_is_unpriced_with_a_warning() {
        for (input, ratio) in [("1e-20", "1e-9"), ("1e28", "1e28")] {
            let (m, w) = parse_text(&format!(r#"{{"id": "x", "pricing": {{"input": {input}, "ratio": {ratio}}}}}"#));
            assert_eq!(m.pricing.effective().unwrap().input, None, "{input} × {ratio} is not rounded");
            assert_eq!(w.len(), 1, "{w:?}");
            assert!(w[0].starts_with("x: effective_input_price = "), "{w:?}");
            let cost = m.cost(
                &crate::pricing::Workload { input_tokens: 1, requests: 1, ..Default::default() },
                crate::pricing::Basis::Effective,
            );
            assert!(cost.unwrap_err().is_unpriced());
        }
    }

    #[test]
    fn missing_pricing_or_only_a_ratio_is_unpriced_not_free() {
        let (m, _) = parse(json!({"id": "none"}));
        assert_eq!(m.pricing.usable(), Err(Unpriced::NoPrice));
        let (m, _) = parse(json!({"id": "ratio", "pricing": {"ratio": 0.8}}));
        assert_eq!(m.pricing.usable(), Err(Unpriced::NoPrice));
        let (m, _) = parse(json!({"id": "free", "pricing": {"input": 0, "output": 0}}));
        assert!(m.pricing.usable().is_ok());
    }

    #[test]
    fn records_without_an_id_are_quarantined() {
        for (v, reason) in [
            (json!({"code": "x"}), "the record has no id"),
            (json!({"id": null}), "the record has no id"),
            (json!({"id": "  "}), "the record's id is empty"),
            (json!({"id": ["x"]}), "the record's id is a list, not a string"),
            (json!("just a string"), "the record is a string, not an object"),
        ] {
            match parse_record(&v) {
                Parsed::Quarantined { reason: r } => assert_eq!(r, reason),
                Parsed::Model { .. } => panic!("{v} was not quarantined"),
            }
        }
    }

    #[test]
    fn odd_scalars_warn_and_keep_the_rest() {
        let (m, w) = parse(json!({"id": "o", "upcoming": "yes", "features": ["a", 3, "a", "b"],
            "created": "soon", "name": {"en": "x"}, "provider": "P"}));
        assert!(!m.upcoming);
        assert_eq!(m.features, ["a", "b"]);
        assert_eq!(m.created, None);
        assert_eq!(m.name, None);
        assert_eq!(m.provider.as_deref(), Some("P"));
        assert_eq!(w.len(), 4, "{w:?}");
    }

    #[test]
    fn features_and_times_written_as_strings_are_read() {
        for (features, want) in [
            (json!("text-to-text"), vec!["text-to-text"]),
            (json!("[\"text-to-text\", \"image-to-text\"]"), vec!["text-to-text", "image-to-text"]),
            (json!("text-to-text, image-to-text,,"), vec!["text-to-text", "image-to-text"]),
            (json!([" a ", "a", ""]), vec!["a"]),
        ] {
            let (m, _) = parse(json!({"id": "f", "features": features}));
            assert_eq!(m.features, want, "{features}");
        }
        for (created, want) in [
            (json!(1700000000), Some(1700000000)),
            (json!(" 1700000000 "), Some(1700000000)),
            (json!(1.7e9), Some(1700000000)),
            (json!(1700000000.5), None),
            (json!("1e400"), None),
        ] {
            let (m, _) = parse(json!({"id": "t", "created": created}));
            assert_eq!(m.created, want, "{created}");
        }
    }

    #[test]
    fn endpoint_items_that_are_not_labels_are_warned_about() {
        // Found by the property test below: these were dropped silently.
        let (m, w) = parse(json!({"id": "e", "endpoints": [null, "openai", {"path": "/v1"}, 3]}));
        assert_eq!(m.endpoints.len(), 1);
        assert_eq!(
            w,
            [
                "e: endpoints has an item that is null; dropped",
                "e: endpoints has an item that is an object; dropped",
                "e: endpoints has an item that is 3; dropped",
            ]
        );
    }

    mod properties {
        use proptest::prelude::*;
        use serde_json::{Map, Value, json};

        use super::super::*;

        /// Any JSON value, a few levels deep: control characters, odd numbers
        /// (exponents, huge, tiny), and every shape.
        fn any_value() -> impl Strategy<Value = Value> {
            let number = prop_oneof![
                any::<i64>().prop_map(|n| json!(n)),
                "-?[0-9]{1,30}(\\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?"
                    .prop_map(|t| serde_json::from_str::<Value>(&t).unwrap_or(Value::Null)),
            ];
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                number,
                any::<String>().prop_map(Value::String),
                "[0-9 .,kKmM-]{0,8}".prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
                ]
            })
        }

        const FIELDS: [&str; 14] = [
            "code",
            "name",
            "provider",
            "provider_code",
            "description",
            "model_type",
            "features",
            "endpoints",
            "context_length",
            "max_completion_tokens",
            "upcoming",
            "created",
            "api_doc_url",
            "pricing",
        ];

        /// Whether the parsed model holds something for `field`.
        fn kept(m: &Model, field: &str) -> bool {
            match field {
                "code" => m.code.is_some(),
                "name" => m.name.is_some(),
                "provider" => m.provider.is_some(),
                "provider_code" => m.provider_code.is_some(),
                "description" => m.description.is_some(),
                "model_type" => m.model_type.is_some(),
                "api_doc_url" => m.api_doc_url.is_some(),
                "features" => !m.features.is_empty(),
                "endpoints" => !m.endpoints.is_empty(),
                "context_length" => m.context_length.is_some(),
                "max_completion_tokens" => m.max_completion_tokens.is_some(),
                "created" => m.created.is_some(),
                "upcoming" => true,
                _ => unreachable!(),
            }
        }

        /// Values that mean "nothing here" and may leave no trace.
        fn blank(v: &Value) -> bool {
            match v {
                Value::Null => true,
                Value::String(s) => s.trim().is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

            /// No value in any field makes the parser panic, and none is lost
            /// silently: it is kept, or a warning names its field.
            #[test]
            fn every_field_is_kept_or_warned_about(field in prop::sample::select(&FIELDS[..]), v in any_value()) {
                let record = json!({"id": "m", field: v.clone()});
                let Parsed::Model { model, warnings } = parse_record(&record) else {
                    panic!("a record with an id is a model");
                };
                if field != "pricing" {
                    let warned = warnings.iter().any(|w| w.contains(field));
                    prop_assert!(kept(&model, field) || warned || blank(&v), "{field} = {v} lost: {warnings:?}");
                }
            }

            /// Each price is kept exactly or dropped with a warning naming it.
            #[test]
            fn every_price_is_kept_or_warned_about(key in prop::sample::select(&["input", "output", "per_request", "per_second", "ratio"][..]), v in any_value()) {
                let record = json!({"id": "m", "pricing": {key: v.clone()}});
                let Parsed::Model { model, warnings } = parse_record(&record) else { panic!() };
                let listed = &model.pricing.listed;
                let kept = [listed.input, listed.output, listed.per_request, listed.per_second, model.pricing.ratio]
                    .iter().any(Option::is_some);
                let warned = warnings.iter().any(|w| w.contains(&format!("pricing.{key}")));
                prop_assert!(kept || warned || v.is_null(), "pricing.{key} = {v} lost: {warnings:?}");
            }

            /// Whatever the record, parsing ends in a model or a quarantine.
            #[test]
            fn no_record_panics(v in any_value(), id in any_value()) {
                let mut record = v;
                if let Value::Object(map) = &mut record {
                    map.insert("id".into(), id);
                }
                let _ = parse_record(&record);
            }
        }
    }
}
