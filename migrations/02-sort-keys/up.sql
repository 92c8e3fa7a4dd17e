-- cometcat catalog, schema 2: exact sort keys for the per-request and
-- per-second effective prices (`models --sort request-price|second-price`),
-- like input_sort and output_sort. Existing rows are filled in by the
-- migration's hook, which computes each key from the effective price.
ALTER TABLE model_versions ADD COLUMN request_sort TEXT;
ALTER TABLE model_versions ADD COLUMN second_sort TEXT;
