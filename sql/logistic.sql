-- Logistic regression (algorithm => 'logistic'): the fit in memory and by passes, the
-- statistics and metrics, predict and predict_proba, evaluate, explain, deployment by log
-- loss, export/import, retrain, separation, and every error (with no rows left behind).
CREATE EXTENSION mlops;
CREATE SCHEMA regress_logistic;
SET search_path = regress_logistic;

\i sql/include/err.sql

\i sql/include/registry.sql
CREATE FUNCTION pg_temp.r(v jsonb, d int DEFAULT 6) RETURNS text LANGUAGE sql AS $$
	SELECT CASE jsonb_typeof(v)
		WHEN 'array' THEN (SELECT '{' || string_agg(round((e #>> '{}')::numeric, d)::text, ', ' ORDER BY o) || '}'
						   FROM jsonb_array_elements(v) WITH ORDINALITY AS u(e, o))
		WHEN 'number' THEN round((v #>> '{}')::numeric, d)::text
		ELSE v #>> '{}' END
$$;

-- Spector and Mazzeo's data (statsmodels.datasets.spector): did a new teaching method (psi)
-- raise grades?  Their published logit: const -13.0213, gpa 2.8261, tuce 0.0952, psi 2.3787.
CREATE TABLE spector (id int, gpa float8, tuce int, psi int, grade int);
INSERT INTO spector VALUES
(1, 2.66, 20, 0, 0), (2, 2.89, 22, 0, 0), (3, 3.28, 24, 0, 0), (4, 2.92, 12, 0, 0),
(5, 4.0, 21, 0, 1), (6, 2.86, 17, 0, 0), (7, 2.76, 17, 0, 0), (8, 2.87, 21, 0, 0),
(9, 3.03, 25, 0, 0), (10, 3.92, 29, 0, 1), (11, 2.63, 20, 0, 0), (12, 3.32, 23, 0, 0),
(13, 3.57, 23, 0, 0), (14, 3.26, 25, 0, 1), (15, 3.53, 26, 0, 0), (16, 2.74, 19, 0, 0),
(17, 2.75, 25, 0, 0), (18, 2.83, 19, 0, 0), (19, 3.12, 23, 1, 0), (20, 3.16, 25, 1, 1),
(21, 2.06, 22, 1, 0), (22, 3.62, 28, 1, 1), (23, 2.89, 14, 1, 0), (24, 3.51, 26, 1, 0),
(25, 3.54, 24, 1, 1), (26, 2.83, 27, 1, 1), (27, 3.39, 17, 1, 1), (28, 2.67, 24, 1, 0),
(29, 3.65, 21, 1, 1), (30, 4.0, 23, 1, 1), (31, 3.1, 21, 1, 0), (32, 2.39, 19, 1, 1);
-- the same with a boolean target
CREATE VIEW spector_bool AS SELECT id, gpa, tuce, psi, grade = 1 AS passed FROM spector;

SELECT model_id, version, algorithm, deployed, deploy_reason
FROM mlops.train('sp', 'spector', 'grade', ARRAY['gpa', 'tuce', 'psi'], 'logistic', test_fraction => 0);
SELECT pg_temp.r(statistics -> 'coef', 4) AS coef, pg_temp.r(statistics -> 'std_err', 4) AS std_err,
	   pg_temp.r(statistics -> 'z_stats', 4) AS z, pg_temp.r(statistics -> 'p_values', 4) AS p
FROM mlops.models WHERE model_id = 1;
SELECT pg_temp.r(statistics -> 'log_likelihood') AS llf, pg_temp.r(statistics -> 'deviance') AS deviance,
	   pg_temp.r(statistics -> 'null_deviance') AS null_deviance, pg_temp.r(statistics -> 'aic') AS aic,
	   pg_temp.r(statistics -> 'bic') AS bic, statistics -> 'n_rows' AS n, statistics -> 'n_positive' AS n1,
	   statistics -> 'df_residual' AS df, statistics -> 'iterations' AS iterations,
	   statistics -> 'converged' AS converged, statistics -> 'separation' AS separation,
	   statistics -> 'fit' AS fit, params
FROM mlops.models WHERE model_id = 1;
-- metrics in long format (accuracy 26/32, precision = recall = f1 = 8/11 from the confusion below)
SELECT split, metric, round(value::numeric, 6) AS value FROM mlops.metrics WHERE model_id = 1 ORDER BY metric;
-- the confusion at 0.5, counted by hand from predict: tp, fp, fn, tn
SELECT count(*) FILTER (WHERE grade = 1 AND c = 1) AS tp, count(*) FILTER (WHERE grade = 0 AND c = 1) AS fp,
	   count(*) FILTER (WHERE grade = 1 AND c = 0) AS fn, count(*) FILTER (WHERE grade = 0 AND c = 0) AS tn
FROM (SELECT grade, mlops.predict('sp', ARRAY[gpa, tuce, psi]) AS c FROM spector) s;

-- predict: the class; predict_proba: P(y = 1); the record and model_id forms agree.
SELECT id, mlops.predict('sp', ARRAY[gpa, tuce, psi]) AS class,
	   round(mlops.predict_proba('sp', ARRAY[gpa, tuce, psi])::numeric, 6) AS proba,
	   mlops.predict('sp', s) = mlops.predict('sp', ARRAY[gpa, tuce, psi]) AS record_same,
	   mlops.predict_proba('sp', s) = mlops.predict_proba(1, ARRAY[gpa, tuce, psi]) AS same,
	   mlops.predict(1::bigint, ARRAY[gpa, tuce, psi]) AS by_id
FROM spector s WHERE id IN (1, 5, 20, 27, 32) ORDER BY id;
-- P(y = 1) is 1 / (1 + exp(-x'b)) with the stored coefficients
SELECT max(abs(mlops.predict_proba('sp', ARRAY[gpa, tuce, psi])
			   - 1 / (1 + exp(-(c[1] + c[2] * gpa + c[3] * tuce + c[4] * psi))))) < 1e-15 AS formula
FROM spector, (SELECT coefficients AS c FROM mlops.models WHERE model_id = 1) m;
-- explain: contributions on the log-odds scale, adding up to logit(predict_proba)
SELECT feature, value, round(weight::numeric, 6) AS weight, round(contribution::numeric, 6) AS contribution
FROM mlops.explain('sp', ARRAY[3.0, 20, 1]);
SELECT round((SELECT sum(contribution) FROM mlops.explain('sp', ARRAY[3.0, 20, 1]))::numeric, 12) =
	   round(ln(p / (1 - p))::numeric, 12) AS adds_up
FROM (SELECT mlops.predict_proba('sp', ARRAY[3.0, 20, 1]) AS p) s;

-- A boolean target gives the same model.
SELECT pg_temp.r(statistics -> 'coef', 10) = (SELECT pg_temp.r(statistics -> 'coef', 10) FROM mlops.models WHERE model_id = 1) AS same
FROM mlops.train('sp_bool', 'spector_bool', 'passed', ARRAY['gpa', 'tuce', 'psi'], 'logistic', test_fraction => 0);

-- The threshold: class 1 above it.
SELECT version FROM mlops.train('sp_t', 'spector', 'grade', ARRAY['gpa', 'tuce', 'psi'], 'logistic', '{"threshold": 0.3}',
								 test_fraction => 0);
SELECT m.params ->> 'threshold' AS threshold FROM mlops.deployed_models d JOIN mlops.models m USING (model_id)
WHERE d.project = 'sp_t';
SELECT sum(mlops.predict('sp_t', ARRAY[gpa, tuce, psi])) AS ones_at_03,
	   count(*) FILTER (WHERE mlops.predict_proba('sp_t', ARRAY[gpa, tuce, psi]) > 0.3) AS above_03,
	   sum(mlops.predict('sp', ARRAY[gpa, tuce, psi])) AS ones_at_05
FROM spector;

-- evaluate: the classification metrics, recorded with split eval
SELECT metric, round(value::numeric, 6) AS value FROM mlops.evaluate('sp', 'spector');
SELECT count(*) FROM mlops.metrics WHERE model_id = 1 AND split = 'eval';

-- The L2 penalty: (1/n) sum(-log-likelihood) + (lambda/2) ||b||^2 without the intercept
-- (scikit-learn's LogisticRegression(C = 1/(n lambda)) gives -9.973259, 1.884248, 0.111534, 1.695598).
SELECT pg_temp.r(statistics -> 'coef') AS coef, statistics -> 'std_err' AS std_err, statistics -> 'aic' AS aic,
	   statistics -> 'converged' AS converged
FROM mlops.train('sp_l2', 'spector', 'grade', ARRAY['gpa', 'tuce', 'psi'], 'logistic', '{"lambda": 0.01}',
				 test_fraction => 0);

-- Baselines: the prediction's is the probability.
SELECT ordinal, feature, n, n_null, min >= 0 AND max <= 1 AS in_01, cardinality(edges) AS edges, counts
FROM mlops.baselines WHERE model_id = 1 ORDER BY ordinal;

-- ---------------------------------------------------------------------------------------------
-- In memory and by passes: the same model.  20,000 deterministic rows.
CREATE TABLE many AS
SELECT i, x1, x2, (((i::bigint * 2654435761) % 1000003) / 1000003.0 < 1 / (1 + exp(-(0.3 + 2 * x1 - 3 * x2))))::int AS y
FROM (SELECT i, ((i * 7919) % 1000) / 1000.0::float8 - 0.5 AS x1, ((i * 104729) % 997) / 997.0::float8 - 0.5 AS x2
	  FROM generate_series(1, 20000) i) s;
SELECT version, deployed, metrics -> 'test' ->> 'n' AS n_test, statistics ->> 'fit' AS fit,
	   statistics ->> 'passes' AS passes, pg_temp.r(statistics -> 'coef') AS coef
FROM mlops.train('many', 'many', 'y', ARRAY['x1', 'x2'], 'logistic');
-- every iteration a scan
SET mlops.logistic_memory = 0;
SELECT version, statistics ->> 'fit' AS fit, statistics ->> 'passes' AS passes, pg_temp.r(statistics -> 'coef') AS coef
FROM mlops.train('many', 'many', 'y', ARRAY['x1', 'x2'], 'logistic', deploy => 'never');
-- the rows pass the limit during the first scan: that scan is the first iteration
SET mlops.logistic_memory = '256kB';
SELECT version, statistics ->> 'fit' AS fit, statistics ->> 'passes' AS passes, pg_temp.r(statistics -> 'coef') AS coef
FROM mlops.train('many', 'many', 'y', ARRAY['x1', 'x2'], 'logistic', deploy => 'never');
RESET mlops.logistic_memory;
-- every figure the same up to rounding (relative 1e-9; the AUC exactly)
SELECT m.version, s.split, s.metric,
	   abs(s.value - f.value) <= 1e-9 * abs(f.value) AS same
FROM mlops.metrics s JOIN mlops.models m USING (model_id)
JOIN mlops.metrics f ON f.model_id = (SELECT model_id FROM mlops.models WHERE version = 1 AND project_id = m.project_id)
					AND f.split = s.split AND f.metric = s.metric
WHERE m.project_id = (SELECT project_id FROM mlops.projects WHERE name = 'many') AND m.version > 1
  AND NOT (abs(s.value - f.value) <= 1e-9 * abs(f.value) AND (s.metric <> 'roc_auc' OR s.value = f.value))
ORDER BY 1, 2, 3;
SELECT m.version, max(abs((a.c #>> '{}')::float8 - (b.c #>> '{}')::float8)
					  / abs((b.c #>> '{}')::float8)) < 1e-9 AS coef_same,
	   max(abs((a.s #>> '{}')::float8 - (b.s #>> '{}')::float8) / (b.s #>> '{}')::float8) < 1e-9 AS std_err_same
FROM mlops.models m, mlops.models m1,
	 LATERAL (SELECT * FROM jsonb_array_elements(m.statistics -> 'coef') WITH ORDINALITY a(c, o)
			  JOIN jsonb_array_elements(m.statistics -> 'std_err') WITH ORDINALITY sa(s, o) USING (o)) a,
	 LATERAL (SELECT * FROM jsonb_array_elements(m1.statistics -> 'coef') WITH ORDINALITY b(c, o)
			  JOIN jsonb_array_elements(m1.statistics -> 'std_err') WITH ORDINALITY sb(s, o) USING (o)) b
WHERE m.project_id = m1.project_id AND m1.version = 1 AND m.version > 1 AND a.o = b.o
  AND m.project_id = (SELECT project_id FROM mlops.projects WHERE name = 'many')
GROUP BY m.version ORDER BY 1;

-- Parallel aggregation: partial states, combined (rows kept, or one step each).
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT mlops.logistic_step('{0,0,0}', mlops._logistic_options('{}', true, true), y, false, 1::float8, x1, x2) FROM many;
SELECT version, statistics ->> 'fit' AS fit, pg_temp.r(statistics -> 'coef') AS coef
FROM mlops.train('many', 'many', 'y', ARRAY['x1', 'x2'], 'logistic', deploy => 'never');
SET mlops.logistic_memory = 0;
SELECT version, statistics ->> 'fit' AS fit, pg_temp.r(statistics -> 'coef') AS coef
FROM mlops.train('many', 'many', 'y', ARRAY['x1', 'x2'], 'logistic', deploy => 'never');
-- the rows do not fit, their probabilities do (the area under the curve without a scan)
SET mlops.logistic_memory = '256kB';
SELECT version, statistics ->> 'fit' AS fit, pg_temp.r(statistics -> 'coef') AS coef
FROM mlops.train('many', 'many', 'y', ARRAY['x1', 'x2'], 'logistic', deploy => 'never');
RESET mlops.logistic_memory;
SELECT count(*) AS same_metrics FROM mlops.metrics s JOIN mlops.models m USING (model_id)
JOIN mlops.metrics f ON f.model_id = (SELECT model_id FROM mlops.models WHERE version = 1 AND project_id = m.project_id)
					AND f.split = s.split AND f.metric = s.metric
WHERE m.project_id = (SELECT project_id FROM mlops.projects WHERE name = 'many') AND m.version > 3
  AND abs(s.value - f.value) <= 1e-9 * abs(f.value) AND (s.metric <> 'roc_auc' OR s.value = f.value);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- The aggregate by itself: x as an array is the same fit; coefficients 0 measured only.
SELECT (r).coef = (SELECT (mlops.logistic_step('{0,0,0}', mlops._logistic_options('{}', true, true), y, false,
											   ARRAY[1, x1, x2])).coef FROM many) AS array_same,
	   (r).iterations, (r).converged, (r).in_memory, (r).done, (r).next_coef
FROM (SELECT mlops.logistic_step('{0,0,0}', mlops._logistic_options('{}', true, true), y, false, 1::float8, x1, x2) r
	  FROM many) s;
SELECT (r).coef, (r).iterations, (r).done, round((r).test_metrics[7]::numeric, 12) = round(ln(2)::numeric, 12) AS log2
FROM (SELECT mlops.logistic_step('{0,0,0}', mlops._logistic_options('{}', false, false), y, true, 1::float8, x1, x2) r
	  FROM many) s;
SELECT round(mlops.logistic_proba('{0.5,1,-2}', 1::float8, 0.25::float8, 0.5::float8)::numeric, 12) AS p,
	   round((1 / (1 + exp(0.25::float8)))::numeric, 12) AS formula,
	   mlops.logistic_proba('{0.5,1,-2}', ARRAY[1, 0.25, 0.5]::float8[])
	   = mlops.logistic_proba('{0.5,1,-2}', 1::float8, 0.25::float8, 0.5::float8) AS same,
	   mlops.logistic_proba('{1000,1}', ARRAY[1, 'Infinity']::float8[]) AS inf,
	   mlops.logistic_proba('{1}', ARRAY[-800]::float8[]) AS tiny, mlops.logistic_proba('{1}', ARRAY[800]::float8[]) AS one;

-- ---------------------------------------------------------------------------------------------
-- Deployment by log loss: if_better, best; a regression in the same project does not compare.
SELECT version, deployed, deploy_reason LIKE 'test log_loss % does not beat % of deployed version 1' AS reason
FROM mlops.train('many', 'many', 'y', ARRAY['x1'], 'logistic');
SELECT version, deployed, deploy_reason FROM mlops.train('many', 'many', 'y', ARRAY['x1', 'x2'], 'linear');
SELECT version, deployed, deploy_reason LIKE 'test log_loss % of deployed version 1' AS reason
FROM mlops.train('many', 'many', 'y', ARRAY['x1', 'x2'], 'logistic', '{"lambda": 0.1}');
SELECT version, strategy, reason FROM mlops.deploy('many', 'latest');
-- best: the lowest test log loss among the logistic versions (the latest training is logistic)
SELECT d.strategy, d.reason LIKE 'version % has the lowest test log loss of all versions' AS reason,
	   d.version = (SELECT m.version FROM mlops.models m JOIN mlops.metrics x USING (model_id)
					WHERE m.project_id = d.project_id AND x.split = 'test' AND x.metric = 'log_loss'
					ORDER BY x.value, m.version DESC LIMIT 1) AS lowest
FROM mlops.deploy('many', 'best') d;
-- retrain: the champion's log loss on the same hold-out
SELECT r.decision, r.score, r.challenger_score > r.champion_score AS worse,
	   abs(r.champion_score - x.value) < 1e-12 AS champion_as_trained
FROM mlops.retrain('many') r
JOIN mlops.metrics x ON x.model_id = r.champion_model_id AND x.split = 'test' AND x.metric = 'log_loss';
-- export / import: the algorithm and the threshold go along
SELECT mlops.import_model('many_copy', mlops.export_model(model_id)) AS imported FROM mlops.deployed_models WHERE project = 'many';
SELECT m.algorithm, m.params ->> 'threshold' AS threshold, m.statistics ->> 'fit' AS fit,
	   (SELECT count(*) FROM mlops.metrics x WHERE x.model_id = m.model_id) AS metrics
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'many_copy';
SELECT pg_temp.err($$SELECT mlops.import_model('bad', jsonb_set(mlops.export_model(1), '{params,threshold}', '1.5'))$$);
SELECT pg_temp.err($$SELECT mlops.import_model('bad', jsonb_set(mlops.export_model(1), '{metrics,train,rmse}', '1'))$$);

-- ---------------------------------------------------------------------------------------------
-- Separation.  Complete: x > 50 is y = 1, an error with a hint; a penalty fits.
CREATE TABLE sep AS SELECT i::float8 AS x, (i > 50)::int AS y FROM generate_series(1, 100) i;
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('sep', 'sep', 'y', ARRAY['x'], 'logistic')$$);
SELECT pg_temp.r(statistics -> 'coef', 4) AS coef, statistics -> 'separation' AS separation,
	   metrics -> 'train' -> 'accuracy' AS accuracy
FROM mlops.train('sep', 'sep', 'y', ARRAY['x'], 'logistic', '{"lambda": 0.01}', test_fraction => 0);
-- Quasi-complete: x = 1 is y = 0, x = 3 is y = 1, x = 2 both: a warning, and the model it reached.
CREATE TABLE qsep AS
SELECT (i % 3 + 1)::float8 AS x, (i % 7)::float8 AS z, CASE i % 3 WHEN 0 THEN 0 WHEN 2 THEN 1 ELSE (i / 3) % 2 END AS y
FROM generate_series(1, 90) i;
SELECT statistics -> 'separation' AS separation, (statistics ->> 'iterations')::int > 10 AS many_iterations,
	   (statistics -> 'coef' ->> 1)::float8 > 15 AS large
FROM mlops.train('qsep', 'qsep', 'y', ARRAY['x', 'z'], 'logistic', test_fraction => 0);
SET mlops.logistic_memory = 0;
SELECT statistics -> 'separation' AS separation, statistics -> 'fit' AS fit
FROM mlops.train('qsep', 'qsep', 'y', ARRAY['x', 'z'], 'logistic', test_fraction => 0);
RESET mlops.logistic_memory;
-- Not converged: a warning.
SELECT statistics -> 'converged' AS converged, statistics -> 'iterations' AS iterations
FROM mlops.train('sp_1', 'spector', 'grade', ARRAY['gpa', 'tuce', 'psi'], 'logistic', '{"max_iter": 2}', test_fraction => 0);

-- ---------------------------------------------------------------------------------------------
-- Errors: SQLSTATE, message, detail; nothing recorded.
CREATE TABLE bad AS SELECT id, gpa, tuce, psi, grade, grade * 2 AS grade2, grade::text AS grade_text,
	   gpa + tuce AS both, 1 AS one, CASE WHEN id = 7 THEN 'NaN' ELSE gpa END AS gpa_nan,
	   CASE WHEN id = 7 THEN NULL ELSE gpa END AS gpa_null
FROM spector;
SELECT pg_temp.registry();
-- a target that is not 0/1, or not boolean or numeric
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade2', ARRAY['gpa'], 'logistic')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade_text', ARRAY['gpa'], 'logistic')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'nope', ARRAY['gpa'], 'logistic')$$);
-- one class, collinear features, NaN, no rows, NULLs with nulls = error
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'one', ARRAY['gpa'], 'logistic')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa', 'tuce', 'both'], 'logistic')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa_nan', 'tuce'], 'logistic')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', (SELECT 'bad'::regclass), 'grade', ARRAY['gpa_null'], 'logistic', '{"nulls": "error"}', 0)$$);
CREATE TABLE nothing (LIKE bad);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'nothing', 'grade', ARRAY['gpa'], 'logistic')$$);
-- parameters
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"folds": 5}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"incremental_column": "id"}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"lambda": -1}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"lambda": "auto"}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"max_iter": 0}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"max_iter": 2.5}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"tol": 1}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"threshold": 0}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"threshold": "high"}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('e', 'bad', 'grade', ARRAY['gpa'], 'logistic', '{"weights": "gpa"}')$$);
-- predict_proba of a regression
SELECT version FROM mlops.train('reg', 'spector', 'gpa', ARRAY['tuce'], test_fraction => 0);
SELECT pg_temp.err($$SELECT mlops.predict_proba('reg', ARRAY[20]::float8[])$$);
SELECT pg_temp.err($$SELECT mlops.predict_proba(model_id, ARRAY[20]::float8[]) FROM mlops.deployed_models WHERE project = 'reg'$$);
SELECT pg_temp.err($$SELECT mlops.predict_proba('reg', s) FROM spector s$$);
SELECT pg_temp.err($$SELECT mlops.predict_proba('sp', ARRAY[1, 2]::float8[])$$);
SELECT pg_temp.err($$SELECT mlops.predict_proba('nope', ARRAY[1, 2]::float8[])$$);
-- evaluate on a relation without the features, or whose target is not binary
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('sp', 'sep')$$);
CREATE VIEW bad_eval AS SELECT gpa, tuce, psi, grade2 AS grade FROM bad;
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('sp', 'bad_eval')$$);
-- the aggregate's own checks
SELECT pg_temp.err($$SELECT mlops.logistic_step('{0,0}', '{0,25}', y, false, 1::float8, x1) FROM many$$);
SELECT pg_temp.err($$SELECT mlops.logistic_step('{0,0,0}', mlops._logistic_options('{}', true, true), y, false, 1::float8, x1) FROM many$$);
SELECT pg_temp.err($$SELECT mlops.logistic_step('{0,0}', '{0,25,1e-10,2,1,1,0,NaN,1}', y, false, 1::float8, x1) FROM many$$);
SELECT pg_temp.err($$SELECT mlops.logistic_step('{0,0}', '{0,25,1e-10,0.5,1,1,0,NaN,1}', y, false, 1, x1) FROM many$$);
SELECT pg_temp.registry();

DROP SCHEMA regress_logistic CASCADE;
DROP EXTENSION mlops;
