-- cometcat catalog, schema 3: every value a filter can ask for (a feature, a
-- type, a provider's name or code, an endpoint's key or path) that a stored
-- version has had. A filter value that is not here matches no model, so the
-- scan that would look for it is not run. Each sync adds the values of the
-- versions it writes; nothing is taken out, so the list may hold values no
-- current model has (then the scan runs, as before).
CREATE TABLE filter_values (
    facet TEXT NOT NULL CHECK (facet IN ('feature', 'type', 'provider', 'endpoint')),
    value TEXT NOT NULL COLLATE NOCASE,  -- filters ignore ASCII case, as this does
    PRIMARY KEY (facet, value)
) WITHOUT ROWID;

-- The values of the versions already stored (each distinct JSON array opened once).
INSERT OR IGNORE INTO filter_values (facet, value)
SELECT 'feature', j.value
FROM (SELECT DISTINCT features FROM model_versions) AS v, json_each(v.features) AS j
WHERE j.type = 'text';

INSERT OR IGNORE INTO filter_values (facet, value)
SELECT DISTINCT 'type', model_type FROM model_versions WHERE model_type IS NOT NULL;

INSERT OR IGNORE INTO filter_values (facet, value)
SELECT 'provider', provider FROM model_versions WHERE provider IS NOT NULL
UNION
SELECT 'provider', provider_code FROM model_versions WHERE provider_code IS NOT NULL;

INSERT OR IGNORE INTO filter_values (facet, value)
SELECT 'endpoint', json_extract(j.value, '$.key')
FROM (SELECT DISTINCT endpoints FROM model_versions) AS v, json_each(v.endpoints) AS j
WHERE json_extract(j.value, '$.key') IS NOT NULL
UNION
SELECT 'endpoint', json_extract(j.value, '$.path')
FROM (SELECT DISTINCT endpoints FROM model_versions) AS v, json_each(v.endpoints) AS j
WHERE json_extract(j.value, '$.path') IS NOT NULL;
