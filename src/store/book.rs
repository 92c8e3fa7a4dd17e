//! Reading what the price book is made from ([`Store::price_history`]):
//! every snapshot's fetch time, every span, and the id, code, provider code
//! and prices of each version a span names, decoded by column name. The
//! periods and aliases themselves are worked out by `crate::book`.

use std::collections::HashMap;

use super::error::StoreError;
use super::open::Store;
use super::row::{PriceColumns, select_list, stored_prices};
use crate::book::{PriceHistory, Sighting};
use crate::catalog::Model;

impl Store {
    /// Every snapshot (id, fetch time), every span, and every spanned version.
    pub fn price_history(&self) -> Result<PriceHistory, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, fetched_at FROM snapshots ORDER BY id")?;
        let snapshots = stmt
            .query_map([], |r| Ok((r.get("id")?, r.get("fetched_at")?)))?
            .collect::<Result<Vec<(i64, String)>, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT model_id, version_id, first_snapshot, last_snapshot FROM spans ORDER BY model_id, first_snapshot",
        )?;
        let sightings = stmt
            .query_map([], |r| {
                Ok(Sighting {
                    model_id: r.get("model_id")?,
                    version_id: r.get("version_id")?,
                    first_snapshot: r.get("first_snapshot")?,
                    last_snapshot: r.get("last_snapshot")?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PriceHistory { snapshots, sightings, versions: self.spanned_versions()? })
    }

    /// Each version a span names, with what the price book needs of it.
    fn spanned_versions(&self) -> Result<HashMap<i64, Model>, StoreError> {
        let prices = stored_prices().map(|c| c.name());
        let columns = select_list(["version_id", "id", "code", "provider_code", "currency"].into_iter().chain(prices));
        let sql = format!(
            "SELECT {columns} FROM model_versions AS v
             WHERE v.version_id IN (SELECT version_id FROM spans)"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let pricing = PriceColumns::of(&stmt)?;
        let rows = stmt.query_map([], |r| {
            let model = Model {
                id: r.get("id")?,
                code: r.get("code")?,
                provider_code: r.get("provider_code")?,
                pricing: pricing.read(r)?,
                ..Model::default()
            };
            Ok((r.get("version_id")?, model))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
