-- Life cycle: evaluate, explain, export/import, tags, leaderboard
CREATE EXTENSION mlops;
CREATE SCHEMA regress_lifecycle;
SET search_path = regress_lifecycle;

\i sql/include/err.sql
-- y = 3 + 2a - b + c/2 exactly (as in sql/predict.sql).
CREATE TABLE t1 (a int, b float8, c numeric, y float8);
INSERT INTO t1 SELECT i % 13, (i * 7) % 11, (i * 5) % 9, 3 + 2 * (i % 13) - (i * 7) % 11 + ((i * 5) % 9) / 2.0
FROM generate_series(1, 500) i;
SELECT version, deployed FROM mlops.train('p', 't1', 'y', ARRAY['a', 'b', 'c']);
SELECT round(c::numeric, 9) AS coefficient FROM mlops.models m, unnest(m.coefficients) c;

-- ======== evaluate ========
-- New labelled rows, columns in another order and of other numeric types, a text column and
-- three rows with a NULL (skipped): the even rows are 1 above the model, the odd rows 3 below.
-- Errors +1 and -3 on 250 rows each: n = 500, rmse = sqrt((250·1 + 250·9) / 500) = sqrt(5),
-- mae = (250·1 + 250·3) / 500 = 2, r2 = 1 - 5·500 / Σ(y - ȳ)² = 1 - 5 / var_pop(y).
CREATE TABLE fresh (note text, c numeric, y numeric, b real, a bigint);
INSERT INTO fresh SELECT 'row ' || i, (i * 5) % 9, 3 + 2 * (i % 13) - (i * 7) % 11 + ((i * 5) % 9) / 2.0
	+ CASE WHEN i % 2 = 0 THEN 1 ELSE -3 END, (i * 7) % 11, i % 13
FROM generate_series(1, 500) i;
INSERT INTO fresh VALUES ('no y', 1, NULL, 1, 1), ('no a', 1, 1, 1, NULL), ('no c', NULL, 1, 1, 1);
SELECT metric, round(value::numeric, 9) AS value FROM mlops.evaluate('p', 'fresh');
SELECT round(sqrt(5)::numeric, 9) AS sqrt_5,
	   round((1 - 5 / var_pop(y))::numeric, 9) AS expected_r2 FROM fresh WHERE a IS NOT NULL AND c IS NOT NULL;
SELECT m.version, r.split, r.metric, round(r.value::numeric, 9) AS value
FROM mlops.metrics r JOIN mlops.models m USING (model_id) WHERE r.split = 'eval' ORDER BY r.metric;
-- A second evaluation replaces the first: on the training rows the model is exact.
SELECT metric, round(value::numeric, 9) AS value FROM mlops.evaluate('p', 't1');
SELECT r.metric, round(r.value::numeric, 9) AS value
FROM mlops.metrics r WHERE r.split = 'eval' ORDER BY r.metric;
-- Quoted identifiers and a schema-qualified relation.
CREATE SCHEMA "Other Schema";
CREATE TABLE "Other Schema"."Fresh Rows" AS SELECT a, b, c, y + 2 AS y FROM t1;
SELECT metric, round(value::numeric, 9) AS value FROM mlops.evaluate('p', '"Other Schema"."Fresh Rows"');
DROP SCHEMA "Other Schema" CASCADE;
-- More than 90 columns go to mlops.error_stats as an array: 95 features, y = 1 + Σ x_k exactly
-- in the data; evaluated on y + 1 the errors are all 1.
DO $$
BEGIN
	EXECUTE format('CREATE TABLE wide AS SELECT %s FROM generate_series(1, 300) i',
				   (SELECT string_agg(format('sin(i * %s + %s) AS x%s', k, k * k, k), ', ') FROM generate_series(1, 95) k));
	EXECUTE format('ALTER TABLE wide ADD COLUMN y float8; UPDATE wide SET y = 1 + %s',
				   (SELECT string_agg(format('x%s', k), ' + ') FROM generate_series(1, 95) k));
END $$;
SELECT version, (metrics #>> '{train,rmse}')::float8 < 1e-9 AS exact FROM mlops.train('wide', 'wide', 'y', test_fraction => 0);
CREATE TABLE wide_shifted AS SELECT * FROM wide;
UPDATE wide_shifted SET y = y + 1;
SELECT metric, round(value::numeric, 9) AS value FROM mlops.evaluate('wide', 'wide_shifted') WHERE metric <> 'r2';

-- Errors
SELECT version FROM mlops.train('undeployed', 't1', 'y', ARRAY['a'], deploy => 'never');
CREATE TABLE no_c (a int, b float8, y float8);
INSERT INTO no_c VALUES (1, 1, 1);
CREATE TABLE text_c (a int, b float8, c text, y float8);
CREATE TABLE text_y (a int, b float8, c float8, y text);
CREATE TABLE empty (a int, b float8, c float8, y float8);
CREATE TABLE all_null (a int, b float8, c float8, y float8);
INSERT INTO all_null VALUES (1, 2, 3, NULL), (NULL, 2, 3, 4);
CREATE TABLE nan_b (a int, b float8, c float8, y float8);
INSERT INTO nan_b VALUES (1, 2, 3, 4), (1, 'NaN', 3, 4);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('nope', 't1')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('undeployed', 't1')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('p', 'no_c')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('p', 'text_c')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('p', 'text_y')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('p', 'empty')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('p', 'all_null')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('p', 'nan_b')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('p', NULL)$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('p', 'no_such_table')$$);
-- A model trained with "nulls": "error" refuses NULLs in the evaluation data too.
SELECT version FROM mlops.train('strict', 't1', 'y', ARRAY['a', 'b', 'c'], params => '{"nulls": "error"}');
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('strict', 'fresh')$$);
-- The failed evaluations wrote nothing: only the 4 rows of the last evaluation of p are there.
SELECT count(*) AS eval_rows FROM mlops.metrics WHERE split = 'eval';

-- ======== explain ========
-- a = 1, b = 2, c = 3: 3 + 2·1 - 1·2 + 0.5·3 = 4.5.
SELECT feature, value, round(weight::numeric, 9) AS weight, round(contribution::numeric, 9) AS contribution
FROM mlops.explain('p', ARRAY[1, 2, 3]);
SELECT round(sum(contribution)::numeric, 9) AS total, round(mlops.predict('p', ARRAY[1, 2, 3])::numeric, 9) AS predict
FROM mlops.explain('p', ARRAY[1, 2, 3]);
-- The contributions add up to the prediction bit for bit (summed in the order of the rows).
SELECT count(*) AS inputs,
	   bool_and((SELECT sum(e.contribution) FROM mlops.explain('p', x) e) = mlops.predict('p', x)) AS all_equal
FROM (SELECT ARRAY[sin(i) * 1e3, cos(i * 7) / 3, ln(i + 1) * 17.1] AS x FROM generate_series(1, 200) i) s;
-- A model without an intercept has no intercept row: y = 2a - b.
CREATE TABLE t0 AS SELECT a, b, 2 * a - b AS y FROM t1;
SELECT version FROM mlops.train('no_intercept', 't0', 'y', ARRAY['a', 'b'], params => '{"intercept": false}');
SELECT feature, value, round(weight::numeric, 9) AS weight, round(contribution::numeric, 9) AS contribution
FROM mlops.explain('no_intercept', ARRAY[10, 4]);
-- A model with an intercept only.
SELECT version FROM mlops.train('constant', 't1', 'y', ARRAY[]::text[]);
SELECT feature, value, round(weight::numeric, 9) AS weight FROM mlops.explain('constant', '{}');
SELECT round(avg(y)::numeric, 9) AS mean_of_training_split FROM t1 WHERE mlops.holdout_hash(y, a::float8, b, c::float8) >= 0.2;
-- A NULL argument gives no rows (the function is strict); an array with another lower bound counts from its start.
SELECT count(*) AS null_rows FROM mlops.explain('p', NULL);
SELECT feature, value FROM mlops.explain('p', '[0:2]={1,2,3}'::float8[]);
-- Errors, as predict raises them
SELECT pg_temp.err($$SELECT * FROM mlops.explain('nope', ARRAY[1, 2, 3])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('undeployed', ARRAY[1])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('p', ARRAY[1, 2])$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', ARRAY[1, 2])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('constant', ARRAY[1])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('p', ARRAY[1, NULL, 3])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('p', ARRAY[1, 'NaN', 3]::float8[])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('p', ARRAY[1, 2, '-Infinity']::float8[])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('p', ARRAY[[1, 2, 3]]::float8[])$$);

-- ======== export and import ========
-- Noisy data, so that the coefficients are not short decimals.
CREATE TABLE noisy AS
SELECT i, sin(i) * 10 AS a, cos(i * 3) * 7 + i / 100.0 AS b, 1.5 + 0.3 * sin(i) * 10 - 2.7 * (cos(i * 3) * 7 + i / 100.0) + sin(i * i) AS y
FROM generate_series(1, 300) i;
SELECT version FROM mlops.train('noisy', 'noisy', 'y', ARRAY['a', 'b']);
CREATE TABLE exported AS SELECT m.model_id, mlops.export_model(m.model_id) AS doc
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'noisy';
SELECT k FROM exported, jsonb_object_keys(doc) k ORDER BY k;
SELECT doc -> 'format' AS format, doc -> 'format_version' AS format_version, doc -> 'algorithm' AS algorithm,
	   doc -> 'params' AS params, doc -> 'target' AS target, doc -> 'features' AS features,
	   doc -> 'intercept' AS intercept, doc -> 'project' AS project, doc -> 'version' AS version,
	   doc -> 'relation' AS relation, doc -> 'n_rows' AS n_rows, doc -> 'n_skipped' AS n_skipped,
	   doc -> 'test_fraction' AS test_fraction
FROM exported;
SELECT jsonb_typeof(doc -> 'coefficients') AS coefficients, jsonb_typeof(doc -> 'statistics') AS statistics,
	   left(doc ->> 'state', 12) AS state, (doc ->> 'trained_at')::timestamptz = m.trained_at AS trained_at,
	   (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(doc -> 'metrics') k) AS metric_splits,
	   (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(doc -> 'metrics' -> 'test') k) AS test_metrics
FROM exported e JOIN mlops.models m USING (model_id);
-- The coefficients are written exactly, even when the session asks for fewer digits.
SET extra_float_digits = -15;
SELECT mlops.export_model(model_id) = doc AS same_document FROM exported;
RESET extra_float_digits;
SELECT bool_and(float8send((doc -> 'coefficients' ->> (o - 1)::int)::float8) = float8send(c)) AS coefficients_exact,
	   count(*) AS n
FROM exported e JOIN mlops.models m USING (model_id), unnest(m.coefficients) WITH ORDINALITY AS u(c, o);
SELECT (doc ->> 'state') = m.state::text AS state_exact, doc -> 'statistics' = m.statistics AS statistics_same
FROM exported e JOIN mlops.models m USING (model_id);

-- Import into a new project: version 1, not deployed, the same model and metrics.
SELECT mlops.import_model('noisy_copy', doc) IS NOT NULL AS imported FROM exported;
SELECT p.name, m.version, m.algorithm, m.params, m.relation, m.target, m.features, m.intercept,
	   m.n_rows = o.n_rows AS n_rows, m.n_skipped, m.test_fraction, m.trained_at = o.trained_at AS trained_at,
	   m.state::text = o.state::text AS state, m.statistics = o.statistics AS statistics,
	   m.trained_by = current_user AS trained_by_me
FROM mlops.models m JOIN mlops.projects p USING (project_id), exported e JOIN mlops.models o USING (model_id)
WHERE p.name = 'noisy_copy';
SELECT bool_and(float8send(c) = float8send(oc)) AS coefficients_bit_exact, count(*) AS n
FROM mlops.models m JOIN mlops.projects p USING (project_id),
	 exported e JOIN mlops.models o USING (model_id),
	 unnest(m.coefficients, o.coefficients) AS u(c, oc)
WHERE p.name = 'noisy_copy';
SELECT (SELECT array_agg((r.split, r.metric, float8send(r.value)) ORDER BY r.split, r.metric)
		FROM mlops.metrics r JOIN mlops.models m USING (model_id) JOIN mlops.projects p USING (project_id)
		WHERE p.name = 'noisy_copy')
	 = (SELECT array_agg((r.split, r.metric, float8send(r.value)) ORDER BY r.split, r.metric)
		FROM mlops.metrics r JOIN exported e USING (model_id)) AS metrics_same;
SELECT count(*) AS deployed FROM mlops.deployed_models WHERE project = 'noisy_copy';
SELECT pg_temp.err($$SELECT mlops.predict('noisy_copy', ARRAY[1, 2])$$);
-- Deployed, it predicts exactly as the original, bit for bit.
SELECT version FROM mlops.deploy('noisy_copy', 1);
SELECT count(*) AS inputs,
	   bool_and(mlops.predict('noisy_copy', x) = mlops.predict('noisy', x)) AS all_equal,
	   bool_and(float8send(mlops.predict('noisy_copy', x)) = float8send(mlops.predict('noisy', x))) AS all_bits_equal
FROM (SELECT ARRAY[a, b] AS x FROM noisy
	  UNION ALL VALUES (ARRAY[0, 0]::float8[]), (ARRAY[1e-300, -1e-300]), (ARRAY[1e15, -3e14]),
					   (ARRAY[pi(), exp(1)]), (ARRAY[-0.1, 0.7])) s;
-- The state imported is usable: its fit gives the same coefficients.
SELECT (mlops.ols_result(m.state)).coef = m.coefficients AS state_refits
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'noisy_copy';
-- Import into an existing project takes its next version; a minimal document (no state,
-- statistics, metrics or provenance) is enough; the deployment does not change.
SELECT mlops.import_model('p', '{"format": "mlops-model", "format_version": 1, "algorithm": "linear",
	"params": {}, "target": "y", "features": ["a", "b", "c"], "intercept": true,
	"coefficients": [1, 0.1, 0.2, 0.3], "n_rows": 0, "n_skipped": 0, "test_fraction": 0, "relation": "elsewhere"}') IS NOT NULL AS imported;
SELECT m.version, m.params, m.relation, (SELECT array_agg(round(c::numeric, 9)) FROM unnest(m.coefficients) c) AS coefficients,
	   m.state IS NULL AS no_state, m.statistics IS NULL AS no_statistics,
	   (SELECT count(*) FROM mlops.metrics r WHERE r.model_id = m.model_id) AS metrics
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'p' ORDER BY m.version;
SELECT version FROM mlops.deployed_models WHERE project = 'p';
-- 1 + 0.1·10 + 0.2·20 + 0.3·30 = 15
SELECT round(mlops.predict(m.model_id, ARRAY[10, 20, 30])::numeric, 9) AS imported_v2
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'p' AND m.version = 2;
-- The parameters of retrain are kept: "margin" and "incremental_column" (a column of the
-- source relation, which need not exist here).
SELECT mlops.import_model('with_params', doc || '{"params": {"margin": 0.05, "incremental_column": "id"}}') AS with_params_id
FROM exported \gset
SELECT m.params FROM mlops.models m WHERE m.model_id = :with_params_id;
SELECT mlops.drop_project('with_params');
-- Export → import of a model without an intercept and of a model with no features.
SELECT version FROM mlops.deploy('no_intercept', 1);
SELECT mlops.import_model('no_intercept', mlops.export_model(m.model_id)) IS NOT NULL AS imported
FROM mlops.deployed_models m WHERE m.project = 'no_intercept';
SELECT version FROM mlops.deploy('no_intercept', 'latest');
SELECT round(mlops.predict('no_intercept', ARRAY[10, 4])::numeric, 9) AS v2_prediction,
	   mlops.predict('no_intercept', ARRAY[10, 4]) = (SELECT mlops.predict(m.model_id, ARRAY[10, 4]) FROM mlops.models m
		 JOIN mlops.projects p USING (project_id) WHERE p.name = 'no_intercept' AND m.version = 1) AS same_as_v1;
SELECT mlops.import_model('constant', mlops.export_model(m.model_id)) IS NOT NULL AS imported
FROM mlops.deployed_models m WHERE m.project = 'constant';
SELECT bool_and(mlops.predict(m.model_id, '{}'::float8[]) = mlops.predict('constant', '{}'::float8[])) AS constant_same
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'constant';

-- Errors: export of an unknown model; documents that are not accepted (22023, the detail names the fault).
SELECT pg_temp.err($$SELECT mlops.export_model(123456)$$);
SELECT mlops.export_model(NULL) IS NULL AS null_export;
CREATE TABLE good AS SELECT doc FROM exported;
SELECT pg_temp.err(format('SELECT mlops.import_model(%L, %L)', 'bad', d))
FROM (VALUES
	('[1, 2]'::jsonb),
	((SELECT doc || '{"colour": "red"}' FROM good)),
	((SELECT doc - 'coefficients' FROM good)),
	((SELECT doc || '{"relation": null}' FROM good)),
	((SELECT doc || '{"format": "onnx"}' FROM good)),
	((SELECT doc || '{"format_version": 2}' FROM good)),
	((SELECT doc || '{"algorithm": "ridge"}' FROM good)),
	((SELECT doc || '{"target": ""}' FROM good)),
	((SELECT doc || '{"intercept": "yes"}' FROM good)),
	((SELECT doc || '{"features": "a"}' FROM good)),
	((SELECT doc || '{"features": ["a", null]}' FROM good)),
	((SELECT doc || '{"features": ["a", "a"]}' FROM good)),
	((SELECT doc || '{"features": ["a", "y"]}' FROM good)),
	((SELECT doc || '{"features": [], "intercept": false, "coefficients": []}' FROM good)),
	((SELECT doc || '{"coefficients": [1, 2]}' FROM good)),
	((SELECT doc || '{"coefficients": [1, 2, "NaN"]}' FROM good)),
	((SELECT doc || '{"coefficients": [1, 2, null]}' FROM good)),
	((SELECT doc || '{"coefficients": [1, 1e400, 3]}' FROM good)),
	((SELECT doc || '{"coefficients": [1, 1e-400, 3]}' FROM good)),
	((SELECT doc || '{"params": []}' FROM good)),
	((SELECT doc || '{"params": {"lambda": 0.1}}' FROM good)),
	((SELECT doc || '{"params": {"intercept": false}}' FROM good)),
	((SELECT doc || '{"params": {"nulls": "zero"}}' FROM good)),
	((SELECT doc || '{"params": {"margin": 1}}' FROM good)),
	((SELECT doc || '{"params": {"incremental_column": 7}}' FROM good)),
	((SELECT doc || '{"n_rows": -1}' FROM good)),
	((SELECT doc || '{"n_skipped": 1.5}' FROM good)),
	((SELECT doc || '{"test_fraction": 1}' FROM good)),
	((SELECT doc || '{"relation": 7}' FROM good)),
	((SELECT doc || '{"statistics": [1]}' FROM good)),
	((SELECT doc || '{"version": 0}' FROM good)),
	((SELECT doc || '{"project": 1}' FROM good)),
	((SELECT doc || '{"trained_at": "yesterday noon"}' FROM good)),
	((SELECT doc || '{"trained_at": 12}' FROM good)),
	((SELECT doc || '{"state": "v1:zz"}' FROM good)),
	((SELECT doc || '{"state": "v1:1:4:0:1:400000000000000040080000000000004010000000000000"}' FROM good)),
	((SELECT doc || '{"state": 5}' FROM good)),
	((SELECT doc || '{"metrics": {"holdout": {}}}' FROM good)),
	((SELECT doc || '{"metrics": {"test": {"rmse": "low"}}}' FROM good)),
	((SELECT doc || '{"metrics": {"test": {"auc": 0.5}}}' FROM good))
) v(d);
SELECT pg_temp.err(format('SELECT mlops.import_model(%L, %L)', repeat('x', 64), doc)) FROM good;
SELECT pg_temp.err($$SELECT mlops.import_model('bad', NULL)$$);
-- None of them left a project or a model behind.
SELECT count(*) AS bad_projects FROM mlops.projects WHERE name = 'bad';

-- ======== tags ========
SELECT mlops.tag_model(m.model_id, 'stage', 'production'), mlops.tag_model(m.model_id, 'ticket', 'ML-1')
FROM mlops.deployed_models m WHERE m.project = 'p';
SELECT mlops.tag_model(m.model_id, 'stage', 'staging') FROM mlops.deployed_models m WHERE m.project = 'p';
SELECT mlops.tag_model(m.model_id, 'stage', 'candidate') FROM mlops.deployed_models m WHERE m.project = 'noisy';
SELECT p.name, m.version, t.key, t.value, t.tagged_by = current_user AS by_me
FROM mlops.model_tags t JOIN mlops.models m USING (model_id) JOIN mlops.projects p USING (project_id)
ORDER BY 1, 2, 3;
-- A NULL value removes the tag (removing one that is not there is no error).
SELECT mlops.tag_model(m.model_id, 'ticket', NULL), mlops.tag_model(m.model_id, 'never set', NULL)
FROM mlops.deployed_models m WHERE m.project = 'p';
SELECT p.name, t.key, t.value
FROM mlops.model_tags t JOIN mlops.models m USING (model_id) JOIN mlops.projects p USING (project_id)
ORDER BY 1, 2;
SELECT pg_temp.err($$SELECT mlops.tag_model(123456, 'stage', 'x')$$);
SELECT pg_temp.err($$SELECT mlops.tag_model(123456, 'stage', NULL)$$);
SELECT pg_temp.err($$SELECT mlops.tag_model(NULL, 'stage', 'x')$$);
SELECT pg_temp.err($$SELECT mlops.tag_model(m.model_id, NULL, 'x') FROM mlops.models m LIMIT 1$$);
SELECT pg_temp.err($$SELECT mlops.tag_model(m.model_id, '', 'x') FROM mlops.models m LIMIT 1$$);
-- Dropping a project drops the tags of its models.
SELECT mlops.drop_project('noisy');
SELECT count(*) AS noisy_tags FROM mlops.model_tags t WHERE NOT EXISTS (SELECT 1 FROM mlops.models m WHERE m.model_id = t.model_id);
SELECT count(*) AS tags_left FROM mlops.model_tags;

-- ======== leaderboard ========
SELECT project, version, algorithm, round(test_rmse::numeric, 9) AS test_rmse, round(test_mae::numeric, 9) AS test_mae,
	   round(test_r2::numeric, 9) AS test_r2, round(train_rmse::numeric, 9) AS train_rmse,
	   round(eval_rmse::numeric, 9) AS eval_rmse, deployed, trained_by = current_user AS by_me
FROM mlops.leaderboard
WHERE project IN ('p', 'no_intercept', 'strict')
ORDER BY project, version;
SELECT project, version, deployed FROM mlops.leaderboard ORDER BY project, version;
-- Exactly one deployed row per deployed project, and it is the one deployed_models names.
SELECT l.project, l.version FROM mlops.leaderboard l WHERE l.deployed
EXCEPT SELECT d.project, d.version FROM mlops.deployed_models d;
SELECT count(*) FILTER (WHERE deployed) AS deployed_rows, count(DISTINCT project) FILTER (WHERE deployed) AS deployed_projects
FROM mlops.leaderboard;

-- ======== markings ========
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proconfig
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'mlops'
WHERE p.proname IN ('evaluate', 'explain', 'export_model', 'import_model', 'tag_model')
ORDER BY p.proname;
SELECT has_table_privilege('public', 'mlops.model_tags', 'SELECT') AS tags_public,
	   has_table_privilege('public', 'mlops.leaderboard', 'SELECT') AS leaderboard_public;
SELECT 'mlops.model_tags'::regclass = ANY (e.extconfig) AS tags_dumped FROM pg_extension e WHERE e.extname = 'mlops';

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_lifecycle CASCADE;
DROP EXTENSION mlops;
