-- Categorical and missing features: text, enum and boolean columns one-hot encoded against a
-- reference level, params.nulls = "impute_mean", the levels and means replayed at predict,
-- evaluate, explain, export/import and retrain; unseen levels; errors.
CREATE EXTENSION mlops;
CREATE SCHEMA regress_categorical;
SET search_path = regress_categorical;

\i sql/include/err.sql

\i sql/include/registry.sql
CREATE FUNCTION pg_temp.coef(p text, v int DEFAULT NULL) RETURNS numeric[] LANGUAGE sql AS $$
	SELECT ARRAY(SELECT round(c::numeric, 9) FROM unnest(m.coefficients) c)
	FROM mlops.models m JOIN mlops.projects p USING (project_id)
	WHERE p.name = $1 ORDER BY (m.version = $2) DESC, m.version DESC LIMIT 1
$$;

-- y = 10 + (color: Blue 0, blue 1, green 2, red -3) + (size: small 0, medium 0.5, large 1.5)
--     + 4 turbo + x / 4 exactly: 4 x 3 x 2 combinations, each five times.
CREATE TYPE size AS ENUM ('small', 'medium', 'large');
CREATE TABLE cars (id int, color text, size size, turbo boolean, x int, y float8);
INSERT INTO cars
SELECT i, (ARRAY['red', 'green', 'blue', 'Blue'])[1 + i % 4], (ARRAY['large', 'small', 'medium'])[1 + (i / 4) % 3]::size,
	   (i / 12) % 2 = 0, i % 7, 0
FROM generate_series(1, 120) i;
UPDATE cars SET y = 10 + CASE color WHEN 'blue' THEN 1 WHEN 'green' THEN 2 WHEN 'red' THEN -3 ELSE 0 END
					   + CASE size WHEN 'medium' THEN 0.5 WHEN 'large' THEN 1.5 ELSE 0 END
					   + CASE WHEN turbo THEN 4 ELSE 0 END + x / 4.0;

-- ======== Encoding ========
-- Levels in order: text in byte order ("Blue" before "blue"), the enum in its own order,
-- false before true; the first is the reference.  One coefficient per other level.
SELECT version, deployed FROM mlops.train('cars', 'cars', 'y', ARRAY['color', 'size', 'turbo', 'x'], test_fraction => 0);
SELECT m.features, jsonb_pretty(m.encoding) AS encoding, cardinality(m.coefficients) AS n_coef, m.n_rows, m.n_skipped
FROM mlops.models m;
-- the exact coefficients: intercept, blue, green, red, medium, large, turbo, x
SELECT pg_temp.coef('cars') AS coef;
SELECT (statistics ->> 'r2')::float8 > 1 - 1e-12 AS r2_one, statistics ->> 'df_residual' AS df_residual
FROM mlops.models;
-- the default features are the numeric columns only (documented): text, enum and boolean columns are named
SELECT version FROM mlops.train('default_features', 'cars', 'y', deploy => 'never');
SELECT m.features, m.encoding FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'default_features';
SELECT mlops.drop_project('default_features');

-- ======== predict(project, record) ========
-- each row's prediction is y (the fit is exact)
SELECT count(*) AS rows, max(abs(mlops.predict('cars', c) - y)) < 1e-9 AS all_exact FROM cars c;
SELECT color, size, turbo, x, round(mlops.predict('cars', c)::numeric, 9) AS predicted, y
FROM cars c WHERE id IN (1, 2, 3, 4, 16, 40) ORDER BY id;
-- columns in any order, extra columns, domains and other text types: varchar, char(n) (trailing
-- blanks do not count, as in char::text), a domain over text
CREATE DOMAIN colour AS text;
SELECT round(mlops.predict('cars', r)::numeric, 9) AS predicted
FROM (SELECT 2 AS x, 'extra' AS other, true AS turbo, 'large'::size AS size, 'green'::varchar(10) AS color) r
UNION ALL
SELECT round(mlops.predict('cars', r)::numeric, 9)
FROM (SELECT 2 AS x, true AS turbo, 'large'::size AS size, 'green'::char(8) AS color) r
UNION ALL
SELECT round(mlops.predict('cars', r)::numeric, 9)
FROM (SELECT 2 AS x, true AS turbo, 'large'::size AS size, 'green'::colour AS color) r;

-- Unseen levels: all zeros (the reference's prediction), and counted in this session.
SELECT * FROM mlops.predict_unseen_levels(reset => true);
SELECT round(mlops.predict('cars', r)::numeric, 9) AS unseen, round(mlops.predict('cars', s)::numeric, 9) AS reference
FROM (SELECT 'purple' AS color, 'small'::size AS size, false AS turbo, 0 AS x) r,
	 (SELECT 'Blue' AS color, 'small'::size AS size, false AS turbo, 0 AS x) s;
SELECT round(mlops.predict('cars', r)::numeric, 9) AS case_differs
FROM (SELECT 'GREEN' AS color, 'small'::size AS size, false AS turbo, 0 AS x) r;
SELECT project, feature, unseen, last_level FROM mlops.predict_unseen_levels() ORDER BY 1, 2;
-- an enum of another type whose label is no level of the model
CREATE TYPE size2 AS ENUM ('small', 'huge');
SELECT round(mlops.predict('cars', r)::numeric, 9) AS huge
FROM (SELECT 'Blue' AS color, 'huge'::size2 AS size, false AS turbo, 0 AS x) r;
SELECT project, feature, unseen, last_level FROM mlops.predict_unseen_levels(reset => true) ORDER BY 1, 2;
SELECT count(*) AS after_reset FROM mlops.predict_unseen_levels();

-- record errors: NULL level, a numeric column where a level is expected, a missing column
SELECT pg_temp.err($$SELECT mlops.predict('cars', r) FROM (SELECT NULL::text AS color, 'small'::size AS size, true AS turbo, 1 AS x) r$$);
SELECT pg_temp.err($$SELECT mlops.predict('cars', r) FROM (SELECT 1 AS color, 'small'::size AS size, true AS turbo, 1 AS x) r$$);
SELECT pg_temp.err($$SELECT mlops.predict('cars', r) FROM (SELECT 'red' AS color, true AS turbo, 1 AS x) r$$);
SELECT pg_temp.err($$SELECT mlops.predict('cars', r) FROM (SELECT 'red' AS color, 'small'::size AS size, true AS turbo, NULL::int AS x) r$$);

-- ======== predict(project, float8[]), explain: the design columns in order ========
SELECT round(mlops.predict('cars', ARRAY[0, 1, 0, 0, 1, 1, 2]::float8[])::numeric, 9) AS green_large_turbo_x2,
	   round(mlops.predict((SELECT model_id FROM mlops.models), ARRAY[0, 1, 0, 0, 1, 1, 2]::float8[])::numeric, 9) AS by_id;
SELECT pg_temp.err($$SELECT mlops.predict('cars', ARRAY[1, 2, 3, 4]::float8[])$$);
SELECT pg_temp.err($$SELECT mlops.predict('cars', ARRAY[0, 1, 0, 0, 1, 1, NULL]::float8[])$$);
SELECT feature, value, round(weight::numeric, 9) AS weight, round(contribution::numeric, 9) AS contribution
FROM mlops.explain('cars', ARRAY[0, 1, 0, 0, 1, 1, 2]::float8[]);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('cars', ARRAY[0, 1, 0]::float8[])$$);

-- ======== Baselines: the prediction, the numeric features, the level counts ========
-- a categorical feature: value i - 1 for level i (the reference first), edges 0.5, 1.5, ...;
-- the last bin counts values that are none of the levels
SELECT ordinal, feature, n, n_null, mean IS NULL AS no_mean, edges, counts
FROM mlops.baselines ORDER BY ordinal;

-- ======== evaluate: the same design, unseen levels all zeros ========
CREATE TABLE cars_new AS SELECT * FROM cars WHERE id <= 24;
INSERT INTO cars_new VALUES (1000, 'purple', 'small', false, 0, 10), (1001, 'purple', 'small', false, 0, 11);
SELECT metric, round(value::numeric, 9) AS value FROM mlops.evaluate('cars', 'cars_new');
CREATE TABLE cars_numeric_color AS SELECT id, 1 AS color, size, turbo, x, y FROM cars;
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('cars', 'cars_numeric_color')$$);

-- ======== Without an intercept: the first categorical feature keeps every level ========
SELECT version FROM mlops.train('no_intercept', 'cars', 'y', ARRAY['x', 'color', 'size', 'turbo'],
								params => '{"intercept": false}', test_fraction => 0, deploy => 'never');
SELECT m.encoding -> 1 AS color, m.encoding -> 2 AS size FROM mlops.models m JOIN mlops.projects p USING (project_id)
WHERE p.name = 'no_intercept';
-- x, then Blue blue green red (each level's own constant: 10 + its effect), medium, large, turbo
SELECT pg_temp.coef('no_intercept') AS coef;
SELECT mlops.drop_project('no_intercept');

-- ======== nulls => impute_mean ========
-- x is NULL on every fifth row; there y = 10 + 2 * (the mean of the other x: 3.25, not their median 2.25),
-- elsewhere 10 + 2x; 3 more when kind is odd.
CREATE TABLE gaps (id int, x float8, kind text, y float8);
INSERT INTO gaps SELECT i, CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 7) * (i % 7) / 4.0 END,
	   CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END, 0
FROM generate_series(1, 70) i;
SELECT avg(x) AS mean, percentile_disc(0.5) WITHIN GROUP (ORDER BY x) AS median FROM gaps;
UPDATE gaps SET y = 10 + 2 * coalesce(x, (SELECT avg(x) FROM gaps)) + CASE kind WHEN 'odd' THEN 3 ELSE 0 END;
SELECT version FROM mlops.train('gaps', 'gaps', 'y', ARRAY['x', 'kind'], params => '{"nulls": "impute_mean"}', test_fraction => 0);
SELECT m.params, m.n_rows, m.n_skipped, m.encoding -> 0 ->> 'impute' AS impute,
	   (m.encoding -> 0 ->> 'impute')::float8 = (SELECT avg(x) FROM gaps) AS impute_is_mean
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'gaps';
SELECT pg_temp.coef('gaps') AS coef;
-- replayed: a NULL x (record or array element) is the training mean
SELECT round(mlops.predict('gaps', r)::numeric, 9) AS record_null,
	   round(mlops.predict('gaps', ARRAY[NULL, 1]::float8[])::numeric, 9) AS array_null,
	   round((10 + 2 * (SELECT avg(x) FROM gaps) + 3)::numeric, 9) AS expected
FROM (SELECT NULL::float8 AS x, 'odd' AS kind) r;
SELECT feature, round(value::numeric, 9) AS value FROM mlops.explain('gaps', ARRAY[NULL, 1]::float8[]);
SELECT metric, round(value::numeric, 9) AS value FROM mlops.evaluate('gaps', 'gaps') WHERE metric IN ('n', 'rmse');
-- a NULL level is not imputed: its rows are skipped (counted), and predict says so
INSERT INTO gaps VALUES (71, 1, NULL, 12), (72, NULL, NULL, 12);
SELECT version FROM mlops.train('gaps', 'gaps', 'y', ARRAY['x', 'kind'], params => '{"nulls": "impute_mean"}', test_fraction => 0);
SELECT m.version, m.n_rows, m.n_skipped, (m.encoding -> 0 ->> 'impute')::float8 = (SELECT avg(x) FROM gaps WHERE kind IS NOT NULL) AS mean_of_used_rows
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'gaps' ORDER BY m.version;
SELECT pg_temp.err($$SELECT mlops.predict('gaps', r) FROM (SELECT 1.0 AS x, NULL::text AS kind) r$$);
DELETE FROM gaps WHERE id > 70;
-- the drift baselines keep the NULLs of an imputed feature as NULLs
SELECT b.ordinal, b.feature, b.n, b.n_null FROM mlops.baselines b JOIN mlops.models m USING (model_id)
JOIN mlops.projects p USING (project_id) WHERE p.name = 'gaps' AND m.version = 1 ORDER BY b.ordinal;

-- ======== export and import: the encoding round-trips ========
SELECT mlops.import_model('cars_copy', mlops.export_model(m.model_id)) AS imported
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'cars';
SELECT (SELECT encoding FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'cars') =
	   (SELECT encoding FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'cars_copy') AS same_encoding,
	   mlops.export_model((SELECT model_id FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'cars_copy'))
	   - ARRAY['project', 'trained_at', 'version'] =
	   mlops.export_model((SELECT model_id FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'cars'))
	   - ARRAY['project', 'trained_at', 'version'] AS same_document;
SELECT version FROM mlops.deploy('cars_copy', 1);
SELECT max(abs(mlops.predict('cars_copy', c) - mlops.predict('cars', c))) AS max_difference FROM cars c;
SELECT mlops.import_model('gaps_copy', mlops.export_model(m.model_id)) AS imported
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'gaps' AND m.version = 1;
SELECT version FROM mlops.deploy('gaps_copy', 1);
SELECT round(mlops.predict('gaps_copy', ARRAY[NULL, 1]::float8[])::numeric, 9) AS imputed_after_import;
-- a plain numeric model exports no encoding
SELECT version FROM mlops.train('plain', 'cars', 'y', ARRAY['x'], deploy => 'never');
SELECT mlops.export_model(m.model_id) ? 'encoding' AS has_encoding
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'plain';
SELECT mlops.drop_project('plain');

-- every defect of an encoding is 22023 and records nothing
CREATE TABLE doc AS SELECT mlops.export_model(m.model_id) AS d
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'cars';
CREATE TABLE gdoc AS SELECT mlops.export_model(m.model_id) AS d
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'gaps' AND m.version = 1;
SELECT pg_temp.registry();
SELECT pg_temp.err(format('SELECT mlops.import_model(%L, %L)', 'bad', e)) AS error
FROM (SELECT (SELECT d FROM doc) || jsonb_build_object('encoding', x) AS e FROM (VALUES
	('{}'::jsonb),
	('[]'),
	('[1, 2, 3, 4]'),
	('[{"column": "color", "kind": "categorical", "reference": "Blue", "levels": ["blue", "green", "red"], "extra": 1}, 2, 3, 4]'),
	('[{"column": "colour", "kind": "categorical", "reference": "Blue", "levels": ["blue", "green", "red"]}, 2, 3, 4]'),
	('[{"column": "color", "kind": "ordinal", "reference": "Blue", "levels": ["blue", "green", "red"]}, 2, 3, 4]'),
	('[{"column": "color", "kind": "categorical", "reference": "Blue", "levels": ["blue", "blue", "red"]}, 2, 3, 4]'),
	('[{"column": "color", "kind": "categorical", "reference": "Blue", "levels": ["blue", "green", 3]}, 2, 3, 4]'),
	('[{"column": "color", "kind": "categorical", "levels": ["blue", "green", "red"]}, 2, 3, 4]'),
	('[{"column": "color", "kind": "categorical", "reference": null, "levels": ["blue", "green", "red"]}, 2, 3, 4]'),
	('[{"column": "color", "kind": "categorical", "reference": "blue", "levels": ["blue", "green", "red"]}, 2, 3, 4]'),
	('[{"column": "color", "kind": "categorical", "reference": "Blue", "levels": ["blue", "green", "red"], "impute": 1}, 2, 3, 4]'),
	('[{"column": "color", "kind": "numeric", "levels": ["blue"]}, 2, 3, 4]')) v(x)) s;
-- the coefficients must fit the design: one fewer level is one fewer design column
SELECT pg_temp.err(format('SELECT mlops.import_model(%L, %L)', 'bad',
	jsonb_set((SELECT d FROM doc), '{encoding,0,levels}', '["blue", "green"]')));
-- the imputed means and params.nulls go together; "impute" is a finite number
SELECT pg_temp.err(format('SELECT mlops.import_model(%L, %L)', 'bad', e)) AS error
FROM (VALUES
	(jsonb_set((SELECT d FROM gdoc), '{params,nulls}', '"skip"')),
	((SELECT d FROM gdoc) #- '{encoding,0,impute}'),
	(jsonb_set((SELECT d FROM gdoc), '{encoding,0,impute}', '"3"')),
	(jsonb_set((SELECT d FROM gdoc), '{encoding,0,impute}', 'null')),
	(jsonb_set((SELECT d FROM gdoc), '{params,nulls}', '"mean"')),
	((SELECT d FROM gdoc) - 'encoding')) v(e);
SELECT pg_temp.registry();
-- an encoding that changes nothing is stored as none
SELECT mlops.import_model('plain_import', (SELECT d FROM doc)
	|| '{"features": ["x"], "coefficients": [1, 2], "encoding": [{"column": "x", "kind": "numeric"}], "state": null}');
SELECT encoding IS NULL AS no_encoding FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'plain_import';
SELECT mlops.drop_project('plain_import');
SELECT mlops.drop_project('cars_copy');
SELECT mlops.drop_project('gaps_copy');

-- ======== Errors of training, each leaving the registry as it was ========
SELECT pg_temp.registry();
-- too many levels: 54000 with a hint
CREATE TABLE many AS SELECT i, 'level ' || i AS label, i % 3 AS a, i::float8 AS y FROM generate_series(1, 300) i;
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'many', 'y', ARRAY['a', 'label'])$$);
-- at the limit, 100 levels train
CREATE TABLE hundred AS SELECT i, 'level ' || (i % 100) AS label, (i % 100)::float8 AS y FROM generate_series(1, 300) i;
SELECT version FROM mlops.train('at_limit', 'hundred', 'y', ARRAY['label'], test_fraction => 0, deploy => 'never');
SELECT cardinality(m.coefficients) AS n_coef, jsonb_array_length(m.encoding -> 0 -> 'levels') AS n_levels
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'at_limit';
SELECT mlops.drop_project('at_limit');
-- params.nulls: not a known mode
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'cars', 'y', ARRAY['color'], params => '{"nulls": "impute"}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'cars', 'y', ARRAY['color'], params => '{"nulls": "impute_median"}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'cars', 'y', ARRAY['color'], params => '{"nulls": true}')$$);
-- a column of another type
CREATE TABLE odd_types AS SELECT i, ARRAY[i] AS arr, '{}'::jsonb AS js, i::float8 AS y FROM generate_series(1, 30) i;
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'odd_types', 'y', ARRAY['arr'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'odd_types', 'y', ARRAY['js'])$$);
-- nulls => error: a NULL level is an error like any other NULL
INSERT INTO cars VALUES (121, NULL, 'small', true, 1, 15.25);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'cars', 'y', ARRAY['color'], params => '{"nulls": "error"}', test_fraction => 0)$$);
DELETE FROM cars WHERE id = 121;
-- impute_mean of a feature that is NULL in every training row
CREATE TABLE all_null AS SELECT i, NULL::float8 AS x, i::float8 AS y FROM generate_series(1, 20) i;
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'all_null', 'y', ARRAY['x'], params => '{"nulls": "impute_mean"}')$$);
-- ... or NaN
CREATE TABLE nan_x AS SELECT i, CASE WHEN i = 3 THEN 'NaN'::float8 WHEN i = 4 THEN NULL ELSE i END AS x, i::float8 AS y
FROM generate_series(1, 20) i;
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'nan_x', 'y', ARRAY['x'], params => '{"nulls": "impute_mean"}', test_fraction => 0)$$);
-- collinear levels: drop_collinear drops numeric features only
CREATE TABLE twins AS SELECT id, color, color AS colour, x, 2 * x AS x2, y FROM cars;
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'twins', 'y', ARRAY['color', 'colour'], params => '{"drop_collinear": true}')$$);
SELECT pg_temp.registry();
SELECT version FROM mlops.train('twins', 'twins', 'y', ARRAY['color', 'x', 'x2'],
								params => '{"drop_collinear": true, "nulls": "impute_mean"}', test_fraction => 0, deploy => 'never');
SELECT m.features, m.encoding -> 1 AS x_encoding, cardinality(m.coefficients) AS n_coef
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'twins';
SELECT mlops.drop_project('twins');

-- ======== A level on one row only, and a feature with a single level ========
CREATE TABLE sparse AS SELECT i, CASE WHEN i = 7 THEN 'rare' ELSE 'common' END AS kind, 'same' AS constant,
	   i % 5 AS x, 1 + i % 5 + CASE WHEN i = 7 THEN 10 ELSE 0 END AS y
FROM generate_series(1, 40) i;
SELECT version FROM mlops.train('sparse', 'sparse', 'y', ARRAY['kind', 'constant', 'x'], test_fraction => 0);
SELECT m.encoding -> 0 -> 'levels' AS kind_levels, m.encoding -> 1 AS constant, pg_temp.coef('sparse') AS coef
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'sparse';
SELECT round(mlops.predict('sparse', r)::numeric, 9) AS other_constant
FROM (SELECT 'common' AS kind, 'different' AS constant, 2 AS x) r;
SELECT project, feature, unseen, last_level FROM mlops.predict_unseen_levels(true);
SELECT mlops.drop_project('sparse');

-- ======== Hostile names and levels reach SQL quoted ========
CREATE TABLE "odd ""table"" ;" ("Col'; --" text, "x""y" float8, "Y" float8);
INSERT INTO "odd ""table"" ;"
SELECT (ARRAY['a''b', '"); DROP TABLE cars; --', E'back\\slash', 'ü 日本', ''])[1 + i % 5], i % 3, i % 5 + (i % 3) * 0.5
FROM generate_series(1, 50) i;
SELECT version FROM mlops.train('odd', '"odd ""table"" ;"', 'Y', ARRAY['Col''; --', 'x"y'], test_fraction => 0);
SELECT m.encoding -> 0 AS levels, pg_temp.coef('odd') AS coef FROM mlops.models m JOIN mlops.projects p USING (project_id)
WHERE p.name = 'odd';
SELECT * FROM (SELECT DISTINCT r."Col'; --" AS level, round(mlops.predict('odd', r)::numeric, 9) AS predicted, r."Y"
			   FROM "odd ""table"" ;" r WHERE r."x""y" = 1) s
ORDER BY level COLLATE "C";
SELECT feature FROM mlops.explain('odd', ARRAY[1, 0, 0, 0, 2]::float8[]);
SELECT to_regclass('cars') IS NOT NULL AS cars_still_there;
SELECT mlops.drop_project('odd');

-- ======== retrain: new levels in new data; a feature whose kind changed fails the run ========
SELECT version FROM mlops.train('fleet', 'cars', 'y', ARRAY['color', 'turbo'], test_fraction => 0);
INSERT INTO cars VALUES (200, 'silver', 'small', true, 0, 20), (201, 'silver', 'small', false, 0, 16);
SELECT decision, error_sqlstate FROM mlops.retrain('fleet', deploy => 'always');
SELECT m.version, m.encoding -> 0 -> 'levels' AS color_levels, cardinality(m.coefficients) AS n_coef
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'fleet' ORDER BY m.version;
CREATE TABLE fleet_src AS SELECT * FROM cars;
SELECT version FROM mlops.train('fleet2', 'fleet_src', 'y', ARRAY['color', 'x'], test_fraction => 0);
ALTER TABLE fleet_src ALTER COLUMN x TYPE text;
SELECT decision, error_sqlstate, error FROM mlops.retrain('fleet2');
ALTER TABLE fleet_src ALTER COLUMN x TYPE int USING x::int, ALTER COLUMN color TYPE int USING length(color);
SELECT decision, error_sqlstate, error FROM mlops.retrain('fleet2');
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('fleet2', 'fleet_src')$$);
DELETE FROM cars WHERE id >= 200;

-- incremental refits replay the champion's encoding: a level new since is all zeros
CREATE TABLE stream AS SELECT id, color, x, y FROM cars;
SELECT version FROM mlops.train('stream', 'stream', 'y', ARRAY['color', 'x'],
								params => '{"incremental_column": "id", "nulls": "impute_mean"}', test_fraction => 0);
INSERT INTO stream VALUES (300, 'silver', NULL, 12), (301, 'red', NULL, 9);
SELECT decision, reason LIKE '%incremental refit%' AS incremental FROM mlops.retrain('stream', deploy => 'always');
SELECT m.version, m.n_rows, m.encoding = (SELECT encoding FROM mlops.models m1 JOIN mlops.projects p1 USING (project_id)
										  WHERE p1.name = 'stream' AND m1.version = 1) AS same_encoding
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'stream' ORDER BY m.version;

SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;
DROP SCHEMA regress_categorical CASCADE;
