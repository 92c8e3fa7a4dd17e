-- cometcat catalog, schema 1.
--
-- A snapshot is one successful sync. A model version is one distinct record
-- (identified by the hash of its canonical JSON); a span says that a version was
-- the model's record from snapshot `first_snapshot` to `last_snapshot` (NULL: it
-- still is). An unchanged re-sync therefore adds one snapshot row and nothing
-- else. Money is TEXT holding a canonical decimal ("0.416", "0.0000001"), never REAL.

CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT    NOT NULL,  -- RFC 3339, UTC
    finished_at  TEXT    NOT NULL,
    fetched_at   TEXT    NOT NULL,  -- when the data left the API (see README)
    source       TEXT    NOT NULL,  -- URL, file path, or "-" for stdin
    source_kind  TEXT    NOT NULL CHECK (source_kind IN ('api', 'file')),
    pages        INTEGER NOT NULL,
    total        INTEGER,           -- the server's `total`, when it sent one
    models       INTEGER NOT NULL,
    warnings     INTEGER NOT NULL,
    quarantined  INTEGER NOT NULL,
    retries      INTEGER NOT NULL,
    content_hash TEXT    NOT NULL,  -- sha256 over the sorted record hashes
    added        INTEGER NOT NULL,  -- against the previous snapshot
    removed      INTEGER NOT NULL,
    changed      INTEGER NOT NULL
);

CREATE TABLE model_versions (
    version_id             INTEGER PRIMARY KEY,
    hash                   TEXT    NOT NULL UNIQUE,  -- sha256 of the canonical record
    id                     TEXT    NOT NULL,
    code                   TEXT,
    name                   TEXT,
    provider               TEXT,
    provider_code          TEXT,
    description            TEXT,
    model_type             TEXT,
    features               TEXT    NOT NULL,  -- JSON array of strings
    endpoints              TEXT    NOT NULL,  -- JSON array of {key, path, method}
    currency               TEXT,
    input_price            TEXT,  -- USD per 1M input tokens, as listed
    output_price           TEXT,  -- USD per 1M output tokens, as listed
    per_request            TEXT,  -- USD per call, as listed
    per_second             TEXT,  -- USD per second of media, as listed
    ratio                  TEXT,  -- as listed; absent means 1
    effective_input_price  TEXT,  -- listed x ratio; NULL when unpriced or unsupported currency
    effective_output_price TEXT,
    effective_per_request  TEXT,
    effective_per_second   TEXT,
    input_sort             TEXT,  -- effective_input_price as fixed-width text: sorts and compares exactly
    output_sort            TEXT,
    context_length         INTEGER,
    max_completion_tokens  INTEGER,
    upcoming               INTEGER NOT NULL CHECK (upcoming IN (0, 1)),
    created                INTEGER,
    api_doc_url            TEXT,
    warnings               TEXT              -- JSON array of messages, NULL when none
);
CREATE INDEX model_versions_id ON model_versions (id);
CREATE INDEX model_versions_code ON model_versions (code);  -- lookups by code

-- Each version's record exactly as received, unknown fields included. Kept
-- apart so that listing and filtering read small rows.
CREATE TABLE model_records (
    version_id INTEGER PRIMARY KEY REFERENCES model_versions (version_id),
    record     TEXT NOT NULL
);

-- Each version's features and endpoints, one row each: views over the JSON
-- columns, so that a sync writes them once.
CREATE VIEW model_features AS
SELECT v.version_id, j.value AS feature
FROM model_versions AS v, json_each(v.features) AS j;

CREATE VIEW model_endpoints AS
SELECT v.version_id,
       j.key AS position,
       json_extract(j.value, '$.key') AS key,
       json_extract(j.value, '$.path') AS path,
       json_extract(j.value, '$.method') AS method
FROM model_versions AS v, json_each(v.endpoints) AS j;

CREATE TABLE spans (
    model_id       TEXT    NOT NULL,
    version_id     INTEGER NOT NULL REFERENCES model_versions (version_id),
    first_snapshot INTEGER NOT NULL REFERENCES snapshots (id),
    last_snapshot  INTEGER REFERENCES snapshots (id),  -- NULL: in the current snapshot
    PRIMARY KEY (model_id, first_snapshot)
) WITHOUT ROWID;
-- The current snapshot is `last_snapshot IS NULL` (covering: it yields the
-- versions in order); a diff looks for span ends and starts between two snapshots.
CREATE INDEX spans_last ON spans (last_snapshot, version_id);
CREATE INDEX spans_first ON spans (first_snapshot);

-- Records the sync could not keep as models (no id, not an object), kept raw.
CREATE TABLE quarantine (
    hash           TEXT    PRIMARY KEY,
    reason         TEXT    NOT NULL,
    record         TEXT    NOT NULL,
    first_snapshot INTEGER NOT NULL REFERENCES snapshots (id),
    last_snapshot  INTEGER NOT NULL REFERENCES snapshots (id)
);

-- The current snapshot, one row per model, with the column names of the CSV
-- export (SPEC section 3), then a few extra columns.
CREATE VIEW models AS
SELECT
    v.id,
    v.code,
    v.name,
    v.provider,
    v.provider_code,
    v.model_type,
    (SELECT group_concat(j.value, ';') FROM json_each(v.features) AS j) AS features,
    (SELECT group_concat(json_extract(j.value, '$.key'), ';') FROM json_each(v.endpoints) AS j) AS endpoints,
    v.input_price,
    v.output_price,
    v.per_request,
    v.per_second,
    v.ratio,
    v.effective_input_price,
    v.effective_output_price,
    v.effective_per_request,
    v.effective_per_second,
    v.context_length,
    v.max_completion_tokens,
    v.upcoming,
    v.created,
    v.description,
    v.currency,
    v.api_doc_url,
    v.warnings,
    (SELECT r.record FROM model_records AS r WHERE r.version_id = v.version_id) AS record,
    v.version_id
FROM spans AS s
JOIN model_versions AS v ON v.version_id = s.version_id
WHERE s.last_snapshot IS NULL;
