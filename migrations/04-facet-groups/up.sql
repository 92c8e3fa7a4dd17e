-- cometcat catalog, schema 4: what each snapshot's facets are counted from,
-- written by the sync that makes the snapshot. A group is the current models
-- that share one value of a facet's column(s), and how many they are: for
-- 'feature' and 'endpoint', one JSON array text of `features` or `endpoints`
-- (in `value`); for 'provider', one (provider_code, provider) pair (in
-- `value`, `name`); for 'type', one model_type (in `value`). The facets of the
-- whole catalog (no filter, upcoming models included: the notes on a filter
-- value no model has, synonyms, completion) are counted from these few rows
-- instead of every model. A snapshot synced
-- before schema 4 has none, and its facets are counted from the models.
CREATE TABLE facet_groups (
    snapshot INTEGER NOT NULL REFERENCES snapshots (id),
    facet    TEXT    NOT NULL CHECK (facet IN ('feature', 'type', 'provider', 'endpoint')),
    value    TEXT,
    name     TEXT,
    models   INTEGER NOT NULL
);
CREATE INDEX facet_groups_snapshot ON facet_groups (snapshot, facet);
