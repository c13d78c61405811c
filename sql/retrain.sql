-- mlops.retrain: champion and challenger on the same hold-out, the audit trail, schedules
CREATE EXTENSION mlops;
CREATE SCHEMA regress_retrain;
SET search_path = regress_retrain;

\i sql/include/err.sql

-- Version 1 learns y = 1 + a (b gets weight 0); then the data changes to y = 3 + 2a - b.
CREATE TABLE t (id int, a int, b int, y float8);
INSERT INTO t SELECT i, i % 13, (i * 7) % 11, 1 + i % 13 FROM generate_series(1, 600) i;
SELECT version, deployed FROM mlops.train('r', 't', 'y', ARRAY['a', 'b']);
UPDATE t SET y = 3 + 2 * a - b;

-- The challenger fits the new data exactly, the champion does not: deployed.
SELECT run_id, triggered_by, deploy, score, decision, challenger_score < 1e-9 AS challenger_exact,
	   champion_score > 1 AS champion_worse
FROM mlops.retrain('r');
SELECT project, version, strategy FROM mlops.deployed_models;
SELECT round(mlops.predict('r', ARRAY[1, 2])::numeric, 9) AS prediction;	-- 3 + 2 - 2

-- A challenger with fewer features than the champion (the stored configuration now
-- has only a) loses on the same hold-out: kept.
SELECT version, deployed FROM mlops.train('r', 't', 'y', ARRAY['a'], deploy => 'never');
SELECT decision, score, challenger_score > champion_score AS challenger_worse,
	   reason LIKE 'challenger test rmse % does not beat champion % by more than the margin 0' AS reason_ok
FROM mlops.retrain('r');
SELECT version FROM mlops.deployed_models;
-- deploy => always and never decide without comparing.
SELECT decision, reason FROM mlops.retrain('r', deploy => 'never');
SELECT decision, reason FROM mlops.retrain('r', deploy => 'always');
SELECT version, strategy FROM mlops.deployed_models;

-- The margin: y = 1 + a + b + e with noise e; a challenger with a and b (RMSE about 1)
-- beats a champion with a alone (RMSE about 1.8) by about 40%: not by a margin of 0.5,
-- but by a margin of 0.3.
CREATE TABLE m (id int, a int, b int, y float8);
INSERT INTO m SELECT i, i % 10, i % 5, 1 + i % 10 + i % 5 + ((i * 7919) % 13 - 6) / 3.6
FROM generate_series(1, 1000) i;
SELECT deployed FROM mlops.train('m', 'm', 'y', ARRAY['a']);
SELECT deployed FROM mlops.train('m', 'm', 'y', ARRAY['a', 'b'], params => '{"margin": 0.5}', deploy => 'never');
SELECT decision, challenger_score < champion_score AS challenger_better,
	   challenger_score > 0.5 * champion_score AS not_by_half
FROM mlops.retrain('m');
SELECT deployed FROM mlops.train('m', 'm', 'y', ARRAY['a', 'b'], params => '{"margin": 0.3}', deploy => 'never');
SELECT decision, challenger_score < 0.7 * champion_score AS by_more_than_30_percent FROM mlops.retrain('m');
SELECT pg_temp.err($$SELECT * FROM mlops.train('m', 'm', 'y', params => '{"margin": 1}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('m', 'm', 'y', params => '{"margin": "big"}')$$);

-- A run that fails is recorded as failed with its error, and its work is rolled back:
-- the champion (version 2 again) needs column b, which is gone.
SELECT version FROM mlops.deploy('r', 2);
ALTER TABLE t DROP COLUMN b;
SELECT max(version) AS versions_before FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'r';
SELECT decision, challenger_model_id IS NULL AS no_challenger, error_sqlstate, error, reason
FROM mlops.retrain('r', deploy => 'if_better');
SELECT max(version) AS versions_after FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'r';

-- The audit trail: every run, and every deployment with its strategy and reason.
SELECT run_id, project, triggered_by, deploy, champion_version, challenger_version, decision,
	   duration >= '0'::interval AS has_duration
FROM mlops.retrain_history ORDER BY run_id;
SELECT p.name, m.version, d.strategy
FROM mlops.deployments d JOIN mlops.models m USING (model_id) JOIN mlops.projects p ON p.project_id = d.project_id
ORDER BY d.deployment_id;

-- Incremental refit: with params.incremental_column, retrain folds only the rows past
-- the champion's watermark into its stored state, and equals a full refit on all rows.
CREATE TABLE inc (id int, a int, b int, y float8);
INSERT INTO inc SELECT i, i % 13, (i * 7) % 11, 3 + 2 * (i % 13) - (i * 7) % 11 + ((i * 7919) % 17) / 10.0
FROM generate_series(1, 1000) i;
SELECT deployed FROM mlops.train('inc', 'inc', 'y', ARRAY['a', 'b'], params => '{"incremental_column": "id"}');
SELECT m.version, m.watermark FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'inc';
INSERT INTO inc SELECT i, i % 13, (i * 7) % 11, 3 + 2 * (i % 13) - (i * 7) % 11 + ((i * 7919) % 17) / 10.0
FROM generate_series(1001, 1600) i;
SELECT decision, reason LIKE '%; incremental refit: rows with id > 1000 folded into version 1' AS incremental
FROM mlops.retrain('inc', deploy => 'always');
SELECT version FROM mlops.train('inc_full', 'inc', 'y', ARRAY['a', 'b']);
SELECT i.version, i.watermark, i.n_rows = f.n_rows AS same_rows,
	   (SELECT max(abs(x - y) / abs(y)) FROM unnest(i.coefficients, f.coefficients) AS u(x, y)) < 1e-10 AS same_coef,
	   (SELECT max(abs(x::float8 - y::float8) / abs(y::float8))
		FROM unnest(ARRAY(SELECT jsonb_array_elements_text(i.statistics -> 'std_err')),
					ARRAY(SELECT jsonb_array_elements_text(f.statistics -> 'std_err'))) AS u(x, y)) < 1e-10 AS same_std_err
FROM mlops.models i, mlops.models f
WHERE i.project_id = (SELECT project_id FROM mlops.projects WHERE name = 'inc') AND i.version = 2
  AND f.project_id = (SELECT project_id FROM mlops.projects WHERE name = 'inc_full');
SELECT split, metric FROM mlops.metrics mt JOIN mlops.models m USING (model_id)
WHERE m.project_id = (SELECT project_id FROM mlops.projects WHERE name = 'inc') AND m.version = 2
ORDER BY 1, 2;
-- With nothing new in the test split there is nothing fresh to compare on: the champion stays.
SELECT decision, score, reason LIKE 'no new rows in the test split to compare on;%' AS reason_ok
FROM mlops.retrain('inc');

-- A timestamp watermark is kept in ISO form, whatever the session's DateStyle.
SET TimeZone = 'UTC';
SET DateStyle = 'SQL, DMY';
CREATE TABLE ts (at timestamptz, a int, y float8);
INSERT INTO ts SELECT timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour', i % 9, 2 + 3 * (i % 9)
FROM generate_series(1, 300) i;
SELECT deployed FROM mlops.train('ts', 'ts', 'y', ARRAY['a'], params => '{"incremental_column": "at"}');
SELECT watermark FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'ts';
INSERT INTO ts SELECT timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour', i % 9, 2 + 3 * (i % 9)
FROM generate_series(301, 400) i;
SET DateStyle = 'German';
SELECT decision, reason LIKE '%rows with at > 2026-01-13 12:00:00+00 folded into version 1' AS incremental
FROM mlops.retrain('ts', deploy => 'always');
SELECT m.version, m.watermark, m.n_rows FROM mlops.models m JOIN mlops.projects p USING (project_id)
WHERE p.name = 'ts' ORDER BY 1;
RESET DateStyle;
RESET TimeZone;

SELECT pg_temp.err($$SELECT * FROM mlops.train('inc', 'inc', 'y', params => '{"incremental_column": "nope"}')$$);

-- Errors
SELECT pg_temp.err($$SELECT * FROM mlops.retrain('nope')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.retrain('r', deploy => 'maybe')$$);
-- Schedules need pg_cron in this database (the regression database has none).
SELECT pg_temp.err($$SELECT mlops.schedule_retrain('r', '* * * * *')$$);
SELECT pg_temp.err($$SELECT mlops.unschedule_retrain('r')$$);
SELECT pg_temp.err($$SELECT mlops.schedule_retrain('nope', '* * * * *')$$);
SELECT pg_temp.err($$SELECT mlops.schedule_retrain('r', '* * * * *', 'sometimes')$$);
SELECT pg_temp.err($$SELECT mlops.schedule_retrain('r', '* * * * *', only_on_drift => true)$$);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_retrain CASCADE;
DROP EXTENSION mlops;
