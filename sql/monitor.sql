-- Drift monitoring: baselines at training, the statement trigger, drift statistics, alerts
CREATE EXTENSION mlops;
CREATE SCHEMA regress_monitor;
SET search_path = regress_monitor;

\i sql/include/err.sql

-- Training data: a = 1..100 (deciles: edges 10, 20, ..., 90), b = i % 7, y = 1 + 2a - b.
CREATE TABLE tr AS SELECT i AS a, (i % 7) AS b, (1 + 2 * i - i % 7)::float8 AS y FROM generate_series(1, 100) i;
SELECT version, deployed FROM mlops.train('m', 'tr', 'y', ARRAY['a', 'b'], test_fraction => 0);
-- bin b holds the values with exactly b edges <= v: a < 10 is bin 0 (9 values), [90, 100] bin 9 (11)
-- (the prediction 1 + 2a - b at the deciles; b = i % 7 has ties: empty bins between equal edges)
SELECT ordinal, feature, n, n_null, round(mean::numeric, 9) AS mean, round(min::numeric, 9) AS min,
	   round(max::numeric, 9) AS max, ARRAY(SELECT round(e::numeric, 9) FROM unnest(edges) e) AS edges, counts
FROM mlops.baselines ORDER BY ordinal;
SELECT round(sd::numeric, 10) AS sd_a FROM mlops.baselines WHERE feature = 'a';	-- sqrt(100 * 101 / 12)

-- Errors of monitor
CREATE TABLE live (a int, b int, y float8, note text);
CREATE VIEW live_v AS SELECT * FROM live;
CREATE TABLE narrow (a int);
SELECT pg_temp.err($$SELECT mlops.monitor('nope', 'live')$$);
SELECT pg_temp.err($$SELECT mlops.monitor('m', 'live_v')$$);
SELECT pg_temp.err($$SELECT mlops.monitor('m', 'narrow')$$);
SELECT pg_temp.err($$SELECT mlops.monitor('m', NULL)$$);
SELECT pg_temp.err($$SELECT mlops.unmonitor('m', 'live')$$);
SELECT mlops.monitor('m', 'live');
SELECT pg_temp.err($$SELECT mlops.monitor('m', 'live')$$);
SELECT p.name, m.relation, m.trigger_name FROM mlops.monitors m JOIN mlops.projects p USING (project_id);

-- One summary row per statement, whatever the number of rows; none for a statement of no rows.
SET mlops.drift_check_interval = 0;
SET mlops.drift_min_rows = 100;
INSERT INTO live SELECT a, b, y, 'same' FROM tr;
-- the training rows themselves: the same counts as the baseline, PSI and KS 0, no shift,
-- and the live error is the training error
SELECT counts[11:20] AS a_counts FROM mlops.drift_log ORDER BY log_id LIMIT 1;
SELECT feature, n_live, psi, ks, round(mean_shift::numeric, 12) AS mean_shift, null_rate_live, out_of_range, status,
	   round((rmse_live - rmse_base)::numeric, 12) AS rmse_live_minus_base
FROM mlops.drift('m', '-infinity');
INSERT INTO live SELECT a, b, y FROM tr WHERE false;
INSERT INTO live VALUES (5, NULL, NULL), (150, 3, 300);
COPY live (a, b, y) FROM STDIN;
1	1	2
-5	2	-12
\.
SELECT statements, n_rows, bins, n, n_null, below, above, err_n FROM mlops.drift_log ORDER BY log_id;
-- the NULL b: no prediction for that row; 150 and -5 are out of the training range of a
SELECT feature, n_live, null_rate_live, out_of_range FROM mlops.drift('m', '-infinity');

-- Shifted rows: a + 100 lands above the training range, all in the last bin.
INSERT INTO live SELECT a + 100, b, NULL FROM tr;
SELECT feature, status, out_of_range FROM mlops.drift('m', '-infinity') ORDER BY feature;
SELECT a.feature, a.n_live FROM mlops.alerts a ORDER BY a.feature;
-- once per feature and window: a second shifted batch raises nothing new
INSERT INTO live SELECT a + 100, b, NULL FROM tr;
SELECT count(*) AS alerts FROM mlops.alerts;
SELECT project, feature, status FROM mlops.drift_status ORDER BY feature;

-- The running totals of the window (mlops.drift_totals): after one more check, in the same
-- transaction (one now(), one window), they hold every summary of the window once.
BEGIN;
SELECT mlops.check_drift('m') AS raised;
SELECT l.model_id = t.model_id AS same_model, t.statements, l.statements AS logged_statements,
	   t.n_rows, l.n_rows AS logged_rows, t.n = l.n AS same_n, t.counts = l.counts AS same_counts,
	   t.sums = l.sums AS same_sums
FROM (SELECT model_id, sum(statements) AS statements, sum(n_rows) AS n_rows,
			 ARRAY(SELECT sum(x)::bigint FROM mlops.drift_log d, unnest(d.n) WITH ORDINALITY u(x, i)
				   WHERE NOT d.compacted GROUP BY i ORDER BY i) AS n,
			 ARRAY(SELECT sum(x)::bigint FROM mlops.drift_log d, unnest(d.counts) WITH ORDINALITY u(x, i)
				   WHERE NOT d.compacted GROUP BY i ORDER BY i) AS counts,
			 ARRAY(SELECT sum(x) FROM mlops.drift_log d, unnest(d.sums) WITH ORDINALITY u(x, i)
				   WHERE NOT d.compacted GROUP BY i ORDER BY i) AS sums
	  FROM mlops.drift_log WHERE NOT compacted GROUP BY model_id) l
LEFT JOIN mlops.drift_totals t ON t.model_id = l.model_id AND t.window_start = mlops._drift_window_start(now());
SELECT count(*) AS totals_rows FROM mlops.drift_totals;
COMMIT;
SELECT count(*) AS checked_projects, bool_and(horizon IS NOT NULL) AS have_horizon FROM mlops.drift_checks;

-- element-wise sums
SELECT mlops.vec_add('{1,2,3}'::bigint[], '{10,20,30}') AS ints, mlops.vec_add('{0.5,1}'::float8[], '{0.25,-1}') AS floats;
SELECT mlops.vec_sum(a) AS sum FROM (VALUES ('{1,2}'::bigint[]), (NULL), ('{3,4}'), ('{5,6}')) v(a);
SELECT mlops.vec_sum(a) AS sum FROM (VALUES (NULL::float8[])) v(a);
SELECT pg_temp.err($$SELECT mlops.vec_add('{1,2}'::bigint[], '{1}')$$);
SELECT pg_temp.err($$SELECT mlops.vec_add('{1,NULL}'::bigint[], '{1,2}')$$);
SELECT pg_temp.err($$SELECT mlops.vec_add('{{1},{2}}'::float8[], '{{1},{2}}')$$);
SELECT pg_temp.err($$SELECT mlops.vec_add('{9223372036854775807}'::bigint[], '{1}')$$);
SELECT pg_temp.err($$SELECT mlops.vec_sum(a) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) v(a)$$);

-- compact_drift rolls the statements up per day; drift sees the same figures
CREATE TEMPORARY TABLE before AS SELECT * FROM mlops.drift('m', '-infinity');
SELECT mlops.compact_drift('0 seconds') AS rolled_up;
SELECT count(*) AS rows, sum(statements) AS statements, bool_and(compacted) AS compacted FROM mlops.drift_log;
SELECT b.feature, a.n_live = b.n_live AS same_n, a.psi IS NOT DISTINCT FROM b.psi AS same_psi,
	   a.ks IS NOT DISTINCT FROM b.ks AS same_ks, a.rmse_live IS NOT DISTINCT FROM b.rmse_live AS same_rmse
FROM before b JOIN mlops.drift('m', '-infinity') a USING (feature) ORDER BY feature;

-- only_on_drift: an alert since the last training lets the retrain run; then it is skipped
SELECT triggered_by, decision FROM mlops.retrain('m', only_on_drift => true);
SELECT triggered_by, decision, reason LIKE 'no drift alert since the last training%' AS reason
FROM mlops.retrain('m', only_on_drift => true);

-- A redeploy: later statements bin against the new model's baseline
SELECT version FROM mlops.train('m', 'tr', 'y', ARRAY['a'], test_fraction => 0, deploy => 'always');
INSERT INTO live SELECT a, b, y FROM tr;
SELECT model_id, n FROM mlops.drift_log ORDER BY log_id DESC LIMIT 1;

-- Errors of the functions
SELECT pg_temp.err($$SELECT * FROM mlops.drift('nope')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.drift(NULL)$$);
SELECT pg_temp.err($$SELECT mlops.compact_drift(NULL)$$);
SELECT pg_temp.err($$SELECT mlops.check_drift('nope')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('m', 'tr', 'y', params => '{"bins": 1}')$$);
SELECT pg_temp.err($$SELECT mlops.bin_counts(ARRAY[1, NULL]::float8[], 1) $$);

-- A table dropped while monitored: its row goes when the table is monitored again
DROP TABLE live CASCADE;
CREATE TABLE live (a int, b int, y float8);
SELECT mlops.monitor('m', 'live');
SELECT count(*) AS monitor_rows FROM mlops.monitors;
-- A model without baselines (imported) cannot be monitored
SELECT mlops.import_model('copy', mlops.export_model(model_id)) > 0 AS imported FROM mlops.deployed_models WHERE project = 'm';
SELECT mlops.deploy('copy', version => 1) IS NOT NULL AS deployed;
SELECT pg_temp.err($$SELECT mlops.monitor('copy', 'live')$$);

-- unmonitor drops the trigger; drop_project drops triggers (also of renamed tables), summaries and alerts
SELECT mlops.unmonitor('m', 'live');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'live'::regclass;
SELECT mlops.monitor('m', 'live');
ALTER TABLE live RENAME TO live_renamed;
SELECT count(*) AS live_monitors FROM mlops.drift_status;
SELECT mlops.monitor('m', 'live_renamed');
SELECT relation FROM mlops.monitors;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'live_renamed'::regclass;
SELECT mlops.drop_project('m');
ALTER TABLE live_renamed RENAME TO live;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'live'::regclass;
SELECT (SELECT count(*) FROM mlops.drift_log) AS logs, (SELECT count(*) FROM mlops.alerts) AS alerts,
	   (SELECT count(*) FROM mlops.monitors) AS monitors, (SELECT count(*) FROM mlops.baselines) AS baselines;
INSERT INTO live VALUES (1, 1, 1);

-- A model with a categorical feature: its rows are binned by level (the reference a, then b
-- and c, then one bin for other values, which count as out of range); the prediction uses the
-- level's design column, all zeros for an unseen level.  y = 1 + 2x + 3[c = b] + 5[c = c].
CREATE TABLE cat_tr AS
SELECT (ARRAY['a', 'b', 'c'])[i % 3 + 1] AS c, (i % 10)::float8 AS x,
	   1 + 2 * (i % 10) + CASE i % 3 WHEN 1 THEN 3 WHEN 2 THEN 5 ELSE 0 END AS y
FROM generate_series(1, 300) i;
SELECT count(*) FROM mlops.train('cat', 'cat_tr', 'y', ARRAY['c', 'x'], test_fraction => 0, deploy => 'always');
SELECT ordinal, feature, n, edges, counts FROM mlops.baselines b JOIN mlops.deployed_models d USING (model_id)
WHERE d.project = 'cat' AND ordinal = 1;
CREATE TABLE cat_live (c text, x float8, y float8);
SELECT mlops.monitor('cat', 'cat_live');
SET mlops.drift_min_rows = 10;
-- 30 a, 10 b, 20 z (unseen), all with x = 1: predictions 3, 6 and 3
INSERT INTO cat_live SELECT CASE WHEN i <= 30 THEN 'a' WHEN i <= 40 THEN 'b' ELSE 'z' END, 1, NULL
FROM generate_series(1, 60) i;
SELECT bins, cardinality(counts) AS elements, counts[11:14] AS c_counts, n[2] AS c_n, above[2] AS c_unseen,
	   round(sums[1]::numeric, 9) AS prediction_sum
FROM mlops.drift_log l JOIN mlops.projects p USING (project_id) WHERE p.name = 'cat';
-- the PSI of c from those counts, by the documented formula: live {30, 10, 0, 20} of 60,
-- baseline {100, 100, 100, 0} of 300, shares (count + 0.5) / (total + 0.5 * 4)
SELECT d.feature, d.n_live, d.out_of_range, d.status,
	   abs(d.psi - (SELECT sum((l - b) * ln(l / b))
					FROM unnest(ARRAY[30, 10, 0, 20], ARRAY[100, 100, 100, 0]) u(lc, bc),
						 LATERAL (SELECT (lc + 0.5) / 62.0 AS l, (bc + 0.5) / 302.0 AS b) s)) < 1e-12 AS psi_ok
FROM mlops.drift('cat', '-infinity') d WHERE d.feature = 'c';
RESET mlops.drift_min_rows;
SELECT mlops.drop_project('cat');

-- A logistic model: the prediction binned is P(y = 1), as predict_proba gives it, and the live
-- error is the target (boolean) minus that probability
CREATE TABLE lg_tr AS SELECT i::float8 AS x, (i % 7 < 3 + (i > 50)::int * 2) AS y FROM generate_series(1, 100) i;
SELECT count(*) FROM mlops.train('lg', 'lg_tr', 'y', ARRAY['x'], 'logistic', test_fraction => 0, deploy => 'always');
CREATE TABLE lg_live (x float8, y boolean);
SELECT mlops.monitor('lg', 'lg_live');
INSERT INTO lg_live SELECT i, i % 2 = 0 FROM generate_series(1, 20) i;
SELECT l.n[1] AS predictions, abs(l.sums[1] - s.p) < 1e-12 AS prediction_sum_ok, l.err_n,
	   abs(l.err_sse - s.sse) < 1e-12 AS error_ok
FROM mlops.drift_log l JOIN mlops.projects p USING (project_id),
	 (SELECT sum(mlops.predict_proba('lg', ARRAY[x])) AS p,
			 sum((y::int - mlops.predict_proba('lg', ARRAY[x])) ^ 2) AS sse FROM lg_live) s
WHERE p.name = 'lg';
SELECT mlops.drop_project('lg');

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_monitor CASCADE;
DROP EXTENSION mlops;
