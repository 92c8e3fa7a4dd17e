//! The facets — `providers`, `features`, `types`, `endpoints` — each value
//! with its number of models.

use std::io::{self, Write};

use serde::Serialize;

use super::format::{Format, Look};
use super::grid::Grid;
use crate::query::Facet;
use crate::store::FacetCount;

#[derive(Serialize)]
struct ProviderCount<'a> {
    provider_code: &'a Option<String>,
    provider: &'a Option<String>,
    count: i64,
}

#[derive(Serialize)]
struct ValueCount<'a> {
    value: &'a Option<String>,
    count: i64,
}

/// The command's name, which is also the facet's plural.
pub fn name(facet: Facet) -> &'static str {
    match facet {
        Facet::Providers => "providers",
        Facet::Features => "features",
        Facet::Types => "types",
        Facet::Endpoints => "endpoints",
    }
}

/// One value of the facet, in words: `type`, `feature`, `provider`, `endpoint`.
pub fn singular(facet: Facet) -> &'static str {
    name(facet).trim_end_matches('s')
}

pub fn write(out: &mut dyn Write, facet: Facet, rows: &[FacetCount], format: Format, look: Look) -> io::Result<()> {
    if format == Format::Json {
        return if facet == Facet::Providers {
            let rows: Vec<_> = rows
                .iter()
                .map(|r| ProviderCount { provider_code: &r.value, provider: &r.name, count: r.count })
                .collect();
            super::json::json(out, &rows)
        } else {
            let rows: Vec<_> = rows.iter().map(|r| ValueCount { value: &r.value, count: r.count }).collect();
            super::json::json(out, &rows)
        };
    }
    let none = || "(none)".to_owned();
    // CSV names its columns as JSON names its keys.
    let csv = format == Format::Csv;
    let grid = if facet == Facet::Providers {
        let headers =
            if csv { ["provider_code", "provider", "count"] } else { ["PROVIDER_CODE", "PROVIDER", "MODELS"] };
        let mut grid = Grid::new(&headers).numeric(&[2]);
        for r in rows {
            grid.push(vec![
                r.value.clone().unwrap_or_else(none),
                r.name.clone().unwrap_or_default(),
                r.count.to_string(),
            ]);
        }
        grid
    } else {
        let header = singular(facet).to_uppercase();
        let headers = if csv { ["value", "count"] } else { [header.as_str(), "MODELS"] };
        let mut grid = Grid::new(&headers).numeric(&[1]);
        for r in rows {
            let value = if csv { r.value.clone().unwrap_or_default() } else { r.value.clone().unwrap_or_else(none) };
            grid.push(vec![value, r.count.to_string()]);
        }
        grid
    };
    grid.write(out, format, look)
}
