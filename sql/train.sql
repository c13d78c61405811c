-- mlops.train: checks, hold-out, metrics, versions, deployment modes, errors
CREATE EXTENSION mlops;
CREATE SCHEMA regress_train;
SET search_path = regress_train;

\i sql/include/err.sql
-- y = 3 + 2a - b + c/2 exactly, with columns of several numeric types and a text column.
CREATE TABLE sales (id int PRIMARY KEY, a int, b float8, c numeric, label text, y float8);
INSERT INTO sales
SELECT i, i % 13, (i * 7) % 11, (i * 5) % 9, 'row ' || i, 3 + 2 * (i % 13) - (i * 7) % 11 + ((i * 5) % 9) / 2.0
FROM generate_series(1, 1000) i;

SELECT model_id, project, version, algorithm, deployed, deploy_reason,
	   (metrics -> 'train' ->> 'n')::int + (metrics -> 'test' ->> 'n')::int AS n_total,
	   (metrics -> 'test' ->> 'n')::int BETWEEN 150 AND 250 AS test_share_ok
FROM mlops.train('exact', 'sales', 'y', ARRAY['a', 'b', 'c']);

-- The coefficients are recovered; metrics are those of a perfect fit.
SELECT version, algorithm, features, intercept, test_fraction, n_rows + (
		SELECT value FROM mlops.metrics mt WHERE mt.model_id = m.model_id AND split = 'test' AND metric = 'n') AS n_total,
	   ARRAY(SELECT round(c::numeric, 9) FROM unnest(coefficients) c) AS coef,
	   (statistics ->> 'r2')::float8 > 1 - 1e-12 AS r2_one
FROM mlops.models m;
SELECT split, metric, round(value::numeric, 9) AS value
FROM mlops.metrics WHERE metric <> 'n' ORDER BY split, metric;

-- The same data gives the same split: a second training has the same test rows.
SELECT (SELECT value FROM mlops.metrics WHERE model_id = 1 AND split = 'test' AND metric = 'n') =
	   (t.metrics -> 'test' ->> 'n')::float8 AS same_split,
	   t.version, t.deployed, t.deploy_reason
FROM mlops.train('exact', 'sales', 'y', ARRAY['a', 'b', 'c'], deploy => 'never') t;

-- A worse model (feature a only) is not deployed by if_better.
SELECT version, deployed, deploy_reason LIKE 'test rmse % does not beat % of deployed version 1' AS reason_ok
FROM mlops.train('exact', 'sales', 'y', ARRAY['a']);
-- deploy => always deploys it anyway.
SELECT version, deployed, deploy_reason FROM mlops.train('exact', 'sales', 'y', ARRAY['a'], deploy => 'always');
-- if_better deploys a better model again.
SELECT version, deployed, deploy_reason LIKE 'test rmse % beats % of deployed version 4' AS reason_ok
FROM mlops.train('exact', 'sales', 'y', ARRAY['a', 'b', 'c']);
SELECT m.version, d.strategy FROM mlops.deployments d JOIN mlops.models m USING (model_id)
ORDER BY d.deployment_id;

-- features => NULL takes every numeric column except the target; no hold-out; no intercept.
SELECT version, metrics ? 'test' AS has_test FROM mlops.train('all', 'sales', 'y', test_fraction => 0);
SELECT m.features, m.intercept FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'all';
CREATE VIEW sales_noint AS SELECT a, b, c, y - 3 AS y FROM sales;
SELECT version FROM mlops.train('noint', 'sales_noint', 'y', ARRAY['a', 'b', 'c'],
								params => '{"intercept": false}', test_fraction => 0);
SELECT ARRAY(SELECT round(c::numeric, 9) FROM unnest(m.coefficients) c) AS coef, m.intercept, m.params
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'noint';

-- NULLs: skipped and counted by default (10 rows with b NULL, 4 with y NULL),
-- an error with nulls = error.
CREATE TABLE holes AS SELECT * FROM sales;
UPDATE holes SET b = NULL WHERE id % 100 = 0;
UPDATE holes SET y = NULL WHERE id % 250 = 1;
SELECT (statistics ->> 'n_skipped')::int AS skipped, (statistics ->> 'n_rows')::int AS n_rows,
	   (metrics -> 'train' ->> 'n')::int AS n_metrics
FROM mlops.train('holes', 'holes', 'y', ARRAY['a', 'b', 'c'], test_fraction => 0);
SELECT m.n_rows, m.n_skipped FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'holes';
SELECT pg_temp.err($$SELECT * FROM mlops.train('holes', 'holes', 'y', ARRAY['a', 'b', 'c'], params => '{"nulls": "error"}')$$);

-- Errors leave no rows anywhere.
CREATE TABLE before AS
SELECT (SELECT count(*) FROM mlops.projects) AS p, (SELECT count(*) FROM mlops.models) AS m,
	   (SELECT count(*) FROM mlops.metrics) AS mt, (SELECT count(*) FROM mlops.deployments) AS d;
CREATE TABLE tiny (a float8, b float8, y float8);
INSERT INTO tiny VALUES (1, 2, 3), (2, 3, 5);
CREATE TABLE collinear AS SELECT a, b, a + b AS ab, y FROM sales;
CREATE TABLE empty (a float8, y float8);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'no_such_table', 'y')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'no_such_column')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', ARRAY['a', 'nope'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'label')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', ARRAY['a', 'label'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', ARRAY['a', 'y'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', ARRAY['a', 'a'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'tiny', 'y', test_fraction => 0)$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'empty', 'y')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'collinear', 'y', ARRAY['a', 'b', 'ab'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', algorithm => 'forest')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', test_fraction => 1)$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', deploy => 'sometimes')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', params => '{"lambda": 1}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', params => '{"intercept": "yes"}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('bad', 'sales', 'y', params => '[]')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('', 'sales', 'y')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train(NULL, 'sales', 'y')$$);
SELECT b.p = (SELECT count(*) FROM mlops.projects) AS projects_same,
	   b.m = (SELECT count(*) FROM mlops.models) AS models_same,
	   b.mt = (SELECT count(*) FROM mlops.metrics) AS metrics_same,
	   b.d = (SELECT count(*) FROM mlops.deployments) AS deployments_same,
	   NOT EXISTS (SELECT 1 FROM mlops.projects WHERE name = 'bad') AS no_bad_project
FROM before b;
-- A training whose transaction rolls back leaves no version behind.
BEGIN;
SELECT version FROM mlops.train('exact', 'sales', 'y', ARRAY['a', 'b', 'c'], deploy => 'never');
ROLLBACK;
SELECT max(version) FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'exact';

-- Quoted and mixed-case identifiers.
CREATE TABLE "Odd Table" ("Y value" float8, "x;1" float8, "X" int);
INSERT INTO "Odd Table" SELECT 1 + 2 * i + 3 * (i % 4), i, i % 4 FROM generate_series(1, 50) i;
SELECT version FROM mlops.train('odd', '"Odd Table"', 'Y value', test_fraction => 0);
SELECT ARRAY(SELECT round(c::numeric, 9) FROM unnest(m.coefficients) c) AS coef, m.features, m.relation
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'odd';

-- Many features: beyond 90 columns the scan passes arrays (a function takes at
-- most 100 arguments).  y = 1 + sum(k * x_k) over 120 columns is recovered.
DO $$
BEGIN
	EXECUTE format('CREATE TABLE wide AS SELECT %s FROM generate_series(1, 600) i',
		(SELECT string_agg(format('(hashint4(i * 1000 + %s) %% 1000)::float8 AS x%s', k, k), ', ')
		 FROM generate_series(1, 120) k));
	EXECUTE format('ALTER TABLE wide ADD COLUMN y float8');
	EXECUTE format('UPDATE wide SET y = 1 + %s',
		(SELECT string_agg(format('%s * x%s', k, k), ' + ') FROM generate_series(1, 120) k));
END $$;
SELECT version, (metrics -> 'test' ->> 'n')::int + (metrics -> 'train' ->> 'n')::int AS n
FROM mlops.train('wide', 'wide', 'y');
SELECT cardinality(m.features) AS features,
	   (SELECT max(abs(c - k)) FROM unnest(m.coefficients[2:]) WITH ORDINALITY AS u(c, k)) < 1e-6 AS slopes_ok,
	   abs(m.coefficients[1] - 1) < 1e-6 AS intercept_ok
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'wide';
-- The hold-out hash is the same for values passed one by one and as an array.
SELECT mlops.holdout_hash(1.5::float8, NULL::float8, -0.0::float8, 'NaN'::float8) =
	   mlops.holdout_hash(ARRAY[1.5, NULL, 0.0, 'NaN']::float8[]) AS same_hash;

-- Only smallint, integer, bigint, real, double precision, numeric and domains over
-- them are numeric: an oid column is not a feature and does not disturb the split.
CREATE DOMAIN positive AS numeric CHECK (VALUE > 0);
CREATE TABLE typed (o oid, d positive, a int, y float8);
INSERT INTO typed SELECT i, 1 + i % 7, i % 5, 2 + 3 * (1 + i % 7) - (i % 5) FROM generate_series(1, 200) i;
SELECT version FROM mlops.train('typed', 'typed', 'y');
SELECT m.features, ARRAY(SELECT round(c::numeric, 9) FROM unnest(m.coefficients) c) AS coef
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'typed';
SELECT round(mlops.predict('typed', t)::numeric, 9) AS from_domain_row FROM typed t WHERE o = 8;
SELECT pg_temp.err($$SELECT * FROM mlops.train('typed', 'typed', 'y', ARRAY['o'])$$);

-- A non-finite value is an error naming the columns, in the training or the test split.
CREATE TABLE nonfinite AS SELECT * FROM sales;
UPDATE nonfinite SET b = 'NaN' WHERE id = 17;
SELECT pg_temp.err($$SELECT * FROM mlops.train('nf', 'nonfinite', 'y', ARRAY['a', 'b', 'c'], test_fraction => 0)$$);
-- (row chosen so that, with b = NaN, its hash puts it in the test split)
CREATE TABLE nonfinite_test AS SELECT * FROM sales;
UPDATE nonfinite_test SET b = 'NaN' WHERE id = (
	SELECT min(id) FROM sales
	WHERE mlops.holdout_hash(y, id::float8, a::float8, 'NaN'::float8, c::float8) < 0.2);
SELECT pg_temp.err($$SELECT * FROM mlops.train('nf', 'nonfinite_test', 'y', ARRAY['a', 'b', 'c'])$$);

-- Project names are at most 63 bytes, so that every name train accepts works in predict.
SELECT version FROM mlops.train(repeat('é', 31) || 'x', 'sales', 'y', ARRAY['a', 'b', 'c']);
SELECT round(mlops.predict(repeat('é', 31) || 'x', ARRAY[1, 2, 3])::numeric, 9) AS long_name;
SELECT pg_temp.err($$SELECT * FROM mlops.train(repeat('é', 32), 'sales', 'y')$$);

-- Statistics and metrics are stored exactly, whatever the session's extra_float_digits:
-- the same training with -15 (15 digits would be lost) and with the default stores the same.
SET extra_float_digits = -15;
SELECT version FROM mlops.train('digits', 'sales', 'y', ARRAY['a', 'b']);
RESET extra_float_digits;
SELECT version FROM mlops.train('digits', 'sales', 'y', ARRAY['a', 'b']);
SELECT a.statistics = b.statistics AS same_statistics,
	   a.statistics -> 'coef' = to_jsonb(a.coefficients) AS coef_exact,
	   (SELECT array_agg(value ORDER BY split, metric) FROM mlops.metrics WHERE model_id = a.model_id) =
	   (SELECT array_agg(value ORDER BY split, metric) FROM mlops.metrics WHERE model_id = b.model_id) AS same_metrics
FROM mlops.models a JOIN mlops.models b ON b.project_id = a.project_id AND b.version = 2
WHERE a.version = 1 AND a.project_id = (SELECT project_id FROM mlops.projects WHERE name = 'digits');

-- params.drop_collinear: collinear features leave the model (ab = a + b here), which is then
-- the fit without them; its statistics have one entry per remaining coefficient.
SELECT version FROM mlops.train('dc', 'collinear', 'y', ARRAY['a', 'b', 'ab'], params => '{"drop_collinear": true}');
SELECT version FROM mlops.train('dc_ref', 'collinear', 'y', ARRAY['a', 'b']);
SELECT d.features, d.state IS NULL AS no_state,
	   (SELECT bool_and(abs(u - v) <= 1e-12 * abs(v)) FROM unnest(d.coefficients, r.coefficients) AS t(u, v)) AS same_coef,
	   jsonb_array_length(d.statistics -> 'std_err') AS n_std_err,
	   (SELECT array_agg(metric || '=' || (abs(a.value - b.value) <= 1e-9 * greatest(abs(b.value), 1))::text ORDER BY metric)
		FROM mlops.metrics a JOIN mlops.metrics b USING (split, metric)
		WHERE a.model_id = d.model_id AND b.model_id = r.model_id AND split = 'test') AS same_test_metrics
FROM mlops.models d JOIN mlops.projects pd ON pd.project_id = d.project_id AND pd.name = 'dc',
	 mlops.models r JOIN mlops.projects pr ON pr.project_id = r.project_id AND pr.name = 'dc_ref';
SELECT round(mlops.predict('dc', ARRAY[1, 2])::numeric, 9) = round(mlops.predict('dc_ref', ARRAY[1, 2])::numeric, 9) AS same_prediction;
SELECT pg_temp.err($$SELECT * FROM mlops.train('dc', 'collinear', 'y', params => '{"drop_collinear": "yes"}')$$);

-- Ridge: coefficients from the training state (checked against exact arithmetic in
-- test/t/010_accuracy.py); lambda 0 is least squares.
SELECT version, algorithm FROM mlops.train('ridge', 'sales', 'y', ARRAY['a', 'b', 'c'], algorithm => 'ridge',
	params => '{"lambda": 0.5}', test_fraction => 0);
SELECT (SELECT bool_and(abs(u - v) <= 1e-12 * abs(v))
		FROM unnest(m.coefficients, (SELECT mlops.ridge_coef(mlops.fit_state(y, ARRAY[1, a, b, c]), 0.5) FROM sales)) AS t(u, v))
	   AS same_as_ridge_coef,
	   m.coefficients[2] < 2 AS slope_shrunk, m.params ->> 'lambda' AS lambda
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'ridge';
SELECT version FROM mlops.train('ridge0', 'sales', 'y', ARRAY['a', 'b', 'c'], algorithm => 'ridge',
	params => '{"lambda": 0}', test_fraction => 0);
SELECT ARRAY(SELECT round(c::numeric, 9) FROM unnest(m.coefficients) c) AS coef_lambda_0
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'ridge0';
SELECT round(mlops.predict('ridge0', ARRAY[1, 2, 3])::numeric, 9) AS prediction;
SELECT pg_temp.err($$SELECT * FROM mlops.train('r2', 'sales', 'y', algorithm => 'ridge')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('r2', 'sales', 'y', algorithm => 'ridge', params => '{"lambda": -1}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('r2', 'sales', 'y', params => '{"lambda": 1}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('r2', 'sales', 'y', algorithm => 'ridge', params => '{"lambda": 1, "drop_collinear": true}')$$);
SELECT pg_temp.err($$SELECT mlops.ridge_coef(mlops.fit_state(y, ARRAY[1, a, a]), 0) FROM sales$$);

-- k-fold cross-validation from one grouped scan: folds of the training split by the row hash,
-- each fold scored by the merge of the other folds' states; equal to explicit refits.
CREATE TABLE cvt AS SELECT i, (i % 13)::float8 AS a, ((i * 7) % 11)::float8 AS b,
	(1 + 0.5 * (i % 13) - 0.25 * ((i * 7) % 11) + ((i * 7919) % 17) / 8.0)::float8 AS y
FROM generate_series(1, 400) i;
SELECT version, metrics -> 'cv' ->> 'folds' AS folds FROM mlops.train('cv', 'cvt', 'y', ARRAY['a', 'b'], params => '{"folds": 5}');
WITH f AS (SELECT *, least(4, floor((mlops.holdout_hash(y, i::float8, a, b) - 0.2) / 0.8 * 5))::int AS fold
		   FROM cvt WHERE NOT mlops.holdout_hash(y, i::float8, a, b) < 0.2),
	 c AS (SELECT k, (SELECT (mlops.ols_fit(y, ARRAY[1, a, b])).coef FROM f WHERE fold <> k) AS coef
		   FROM generate_series(0, 4) k),
	 e AS (SELECT c.k, mlops.error_stats(c.coef, f.y, 1::float8, f.a, f.b) AS s
		   FROM c JOIN f ON f.fold = c.k GROUP BY c.k, c.coef),
	 cv AS (SELECT (mt.value) AS v, mt.metric FROM mlops.metrics mt JOIN mlops.models m USING (model_id)
			JOIN mlops.projects p USING (project_id) WHERE p.name = 'cv' AND mt.split = 'cv')
SELECT abs(avg(s[2]) - (SELECT v FROM cv WHERE metric = 'rmse_mean')) <= 1e-10 * avg(s[2]) AS rmse_mean_ok,
	   abs(stddev_samp(s[2]) - (SELECT v FROM cv WHERE metric = 'rmse_sd')) <= 1e-8 * stddev_samp(s[2]) AS rmse_sd_ok,
	   abs(avg(s[4]) - (SELECT v FROM cv WHERE metric = 'r2_mean')) <= 1e-10 AS r2_mean_ok,
	   count(*) AS folds
FROM e;
SELECT pg_temp.err($$SELECT * FROM mlops.train('cv', 'cvt', 'y', params => '{"folds": 1}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('cv', 'cvt', 'y', params => '{"folds": 2.5}')$$);
-- A cross-validated model exports and imports with its cv metrics.
SELECT mlops.import_model('cv_copy', mlops.export_model(m.model_id)) > 0 AS imported
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'cv';
SELECT (SELECT array_agg(metric || '=' || value ORDER BY metric) FROM mlops.metrics mt JOIN mlops.models m USING (model_id)
		JOIN mlops.projects p USING (project_id) WHERE p.name = 'cv' AND mt.split = 'cv') =
	   (SELECT array_agg(metric || '=' || value ORDER BY metric) FROM mlops.metrics mt JOIN mlops.models m USING (model_id)
		JOIN mlops.projects p USING (project_id) WHERE p.name = 'cv_copy' AND mt.split = 'cv') AS same_cv_metrics;
-- Ridge cross-validates the same way.
SELECT metrics -> 'cv' ->> 'folds' AS folds, (metrics -> 'cv' ->> 'rmse_mean')::float8 > 0 AS has_rmse
FROM mlops.train('cv_ridge', 'cvt', 'y', ARRAY['a', 'b'], algorithm => 'ridge', params => '{"lambda": 0.1, "folds": 4}');

-- params.lambda = "auto": lambda from a grid by cross-validation (5 folds unless given);
-- the chosen lambda and the curve are in the statistics; a retrain chooses again.
SELECT jsonb_array_length(statistics -> 'lambda_curve') AS grid, metrics -> 'cv' ->> 'folds' AS folds,
	   (statistics ->> 'lambda')::float8 = (SELECT (c ->> 'lambda')::float8 FROM jsonb_array_elements(statistics -> 'lambda_curve') c
											 ORDER BY (c ->> 'rmse_mean')::float8 LIMIT 1) AS lambda_is_the_best
FROM mlops.train('auto', 'cvt', 'y', ARRAY['a', 'b'], algorithm => 'ridge', params => '{"lambda": "auto"}');
SELECT statistics -> 'lambda_curve' -> 0 ->> 'lambda' AS first, jsonb_array_length(statistics -> 'lambda_curve') AS grid,
	   metrics -> 'cv' ->> 'folds' AS folds
FROM mlops.train('auto', 'cvt', 'y', ARRAY['a', 'b'], algorithm => 'ridge',
				 params => '{"lambda": "auto", "lambdas": [0.5, 0, 2], "folds": 3}');
SELECT pg_temp.err($$SELECT * FROM mlops.train('auto', 'cvt', 'y', algorithm => 'ridge', params => '{"lambda": "best"}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('auto', 'cvt', 'y', algorithm => 'ridge', params => '{"lambda": 1, "lambdas": [1, 2]}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('auto', 'cvt', 'y', algorithm => 'ridge', params => '{"lambda": "auto", "lambdas": [1]}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('auto', 'cvt', 'y', algorithm => 'ridge', params => '{"lambda": "auto", "lambdas": [1, -2]}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('auto', 'cvt', 'y', params => '{"lambdas": [1, 2]}')$$);

-- params.weights: weighted least squares, the same fit as ols_fit(y, x, w); weights of 0 drop
-- a row from the fit, a negative weight is an error; metrics stay unweighted.
CREATE TABLE wt AS SELECT i, (i % 7)::float8 AS a, (1 + 2 * (i % 7) + (i % 3))::float8 AS y,
	(i % 4)::float8 AS w FROM generate_series(1, 40) i;
SELECT (statistics ->> 'n_rows')::int AS n_rows,
	   (SELECT (mlops.ols_fit(y, ARRAY[1, a], w)).coef FROM wt) = ARRAY(SELECT jsonb_array_elements_text(statistics -> 'coef')::float8) AS same_as_ols_fit,
	   statistics -> 'log_likelihood' AS log_likelihood
FROM mlops.train('wls', 'wt', 'y', ARRAY['a'], params => '{"weights": "w"}', test_fraction => 0);
INSERT INTO wt VALUES (41, 1, 1, -1);
SELECT pg_temp.err($$SELECT * FROM mlops.train('wls', 'wt', 'y', ARRAY['a'], params => '{"weights": "w"}', test_fraction => 0)$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('wls', 'wt', 'y', ARRAY['a'], params => '{"weights": "nope"}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('wls', 'wt', 'y', ARRAY['a'], params => '{"weights": 1}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('wls', 'wt', 'y', ARRAY['a'], params => '{"weights": "w", "folds": 3}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('wls', 'wt', 'y', ARRAY['a'], algorithm => 'ridge', params => '{"lambda": 1, "weights": "w"}')$$);
SELECT count(*) AS models_of_failed_trains FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'wls';

-- params.robust: HC standard errors next to the ordinary ones
SELECT statistics -> 'robust' ->> 'type' AS type, jsonb_array_length(statistics -> 'robust' -> 'std_err') AS n_se,
	   jsonb_array_length(statistics -> 'robust' -> 'p_values') AS n_p
FROM mlops.train('hc', 'cvt', 'y', ARRAY['a', 'b'], params => '{"robust": "HC3"}');
SELECT pg_temp.err($$SELECT * FROM mlops.train('hc', 'cvt', 'y', params => '{"robust": "HC4"}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('hc', 'cvt', 'y', params => '{"robust": true}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('hc', 'cvt', 'y', algorithm => 'ridge', params => '{"lambda": 1, "robust": "HC0"}')$$);

-- refinement: an ill-conditioned fit gets one more scan in train, recorded as "refined"
CREATE TABLE ill AS SELECT x::float8 AS x, (x ^ 2)::float8 AS x2, (x ^ 3)::float8 AS x3,
	(1 + x / 4 + (x * 7919) % 13)::float8 AS y FROM generate_series(100, 140) x;
SELECT statistics -> 'refined' AS refined FROM mlops.train('ill', 'ill', 'y', ARRAY['x', 'x2', 'x3'], test_fraction => 0);
SELECT statistics -> 'refined' AS refined FROM mlops.train('ok', 'cvt', 'y', ARRAY['a', 'b'], test_fraction => 0);
SET mlops.refine_condition = 1e300;
SELECT statistics -> 'refined' AS refined FROM mlops.train('ill', 'ill', 'y', ARRAY['x', 'x2', 'x3'], test_fraction => 0);
RESET mlops.refine_condition;
SELECT mlops.refinement_wanted(mlops.fit_state(y, ARRAY[1, x, x2, x3])) AS ill, mlops.refinement_wanted(mlops.fit_state(y, ARRAY[1, a, b])) AS well
FROM ill, (SELECT a, b FROM cvt LIMIT 1) c;
-- ols_fit keeps its rows up to mlops.refine_memory; the refined and unrefined fits agree to
-- the digits the unrefined one has, and the kept rows never reach the text form
SELECT max(abs(r.c - u.c) / abs(r.c)) < 1e-6 AS close
FROM unnest((SELECT (mlops.ols_fit(y, ARRAY[1, x, x2, x3])).coef FROM ill)) WITH ORDINALITY r(c, k)
JOIN unnest((SELECT (mlops.ols_fit(y, ARRAY[1, x, x2, x3])).coef FROM ill, (SELECT set_config('mlops.refine_memory', '0', true)) s)) WITH ORDINALITY u(c, k) USING (k);
SELECT length(mlops.fit_state(y, ARRAY[1, x])::text) AS state_text_length FROM ill;
SELECT pg_temp.err($$SET mlops.refine_memory = -1$$);
SELECT pg_temp.err($$SET mlops.refine_condition = 0$$);
SELECT pg_temp.err($$SELECT mlops.residual_moments(ARRAY[1, 2]::float8[], y, x) FROM ill$$);
SELECT pg_temp.err($$SELECT mlops.residual_moments(NULL::float8[], y, x) FROM ill$$);
SELECT pg_temp.err($$SELECT mlops.ols_result(mlops.fit_state(y, ARRAY[1, x]), NULL, ARRAY[1, 2]::float8[], ARRAY[0, 0, 0, 7]::float8[]) FROM ill$$);
SELECT pg_temp.err($$SELECT mlops.student_t_p(1, 0)$$);
SELECT pg_temp.err($$SELECT mlops.ridge_lambda_grid(mlops.fit_state(y, ARRAY[1, x]), 1) FROM ill$$);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_train CASCADE;
DROP EXTENSION mlops;
