-- Lasso and elastic net: mlops.elastic_net_coef, _fit, _path, _lambda_grid, and train with
-- algorithms 'lasso' and 'elastic_net'; every error with its SQLSTATE, and no registry rows
-- from a failed training.
CREATE EXTENSION mlops;
CREATE SCHEMA regress_elastic_net;
SET search_path = regress_elastic_net;

\i sql/include/err.sql

\i sql/include/registry.sql
-- coefficients rounded to 9 places, and which are exactly 0
CREATE FUNCTION pg_temp.show(c float8[]) RETURNS text LANGUAGE sql AS $$
	SELECT array_to_string(ARRAY(SELECT round(v::numeric, 9) FROM unnest(c) v), ', ')
		   || '  zeros: ' || array_to_string(ARRAY(SELECT (v = 0)::int FROM unnest(c) v), '')
$$;

-- An orthogonal design, so that every answer is derived by hand.  Over the four rows
-- (repeated five times) x1 = (1, -1, 1, -1) and x2 = (1, 1, -1, -1) have mean 0, variance 1
-- and are orthogonal; y = 3 + 2 x1 + x2/2 + e with e = (1, -1, -1, 1)/10 orthogonal to both
-- and to the intercept.  So G = X_c'X_c/n = I, c = X_c'y/n = (2, 1/2), and the elastic net
-- is soft-thresholding: b_j = S(c_j, lambda alpha) / (1 + lambda (1 - alpha)), intercept 3.
-- x3 = 2 x1 has sd 2; u = x1 + 1 has mean 1; d = x1 duplicates x1; k is constant.
CREATE TABLE orth (id int, x1 float8, x2 float8, x3 float8, u float8, d float8, k float8, y float8);
INSERT INTO orth
SELECT 4 * r + i, x1, x2, 2 * x1, x1 + 1, x1, 7, 3 + 2 * x1 + x2 / 2.0 + e
FROM generate_series(0, 4) r,
	 (VALUES (1, 1, 1, 0.1), (2, -1, 1, -0.1), (3, 1, -1, -0.1), (4, -1, -1, 0.1)) v(i, x1, x2, e);
CREATE TABLE st AS
SELECT mlops.fit_state(y, ARRAY[1, x1, x2]) AS s,			-- intercept, x1, x2
	   mlops.fit_state(y, ARRAY[1, x3, x2]) AS s3,			-- intercept, 2 x1, x2
	   mlops.fit_state(y, ARRAY[u]) AS su,					-- u, no intercept
	   mlops.fit_state(y, ARRAY[1, u]) AS su1,				-- intercept, u
	   mlops.fit_state(y, ARRAY[1, x1, d]) AS sd,			-- a duplicated column
	   mlops.fit_state(y, ARRAY[1, k, x1]) AS sk,			-- a constant column
	   mlops.fit_state(y, ARRAY[1]) AS s0,					-- the intercept alone
	   mlops.fit_state(1, ARRAY[1, x1]) AS sy				-- y constant
FROM orth;

-- ======== elastic_net_coef ========
-- lasso: lambda 1 gives (3, 1, 0); 0.25 gives (3, 1.75, 0.25); 0 is least squares (3, 2, 0.5);
-- from lambda_max = max |c_j| = 2 on, every slope is 0.
SELECT l, pg_temp.show(mlops.elastic_net_coef(s, l)) FROM st, unnest(ARRAY[1, 0.25, 0, 2, 5]) l;
-- elastic net, alpha = 1/2: lambda 0.4 gives (1.8/1.2, 0.3/1.2) = (1.5, 0.25); lambda 1 gives (1.5/1.5, 0) = (1, 0)
SELECT l, pg_temp.show(mlops.elastic_net_coef(s, l, 0.5)) FROM st, unnest(ARRAY[0.4, 1]) l;
-- standardize: x3 = 2 x1 has sd 2, G = 4, c = 4.  The penalty is on 2 b3: lasso lambda 1 gives
-- b3 = S(4, 2)/4 = 0.5, the x1 model's 1 on x3's scale; without it, S(4, 1)/4 = 0.75.
SELECT pg_temp.show(mlops.elastic_net_coef(s3, 1, 1, true)) AS standardized,
	   pg_temp.show(mlops.elastic_net_coef(s3, 1, 1, false)) AS as_given FROM st;
-- and elastic net: S(4, 0.4)/(4 + 0.8) = 0.75, again the x1 model's 1.5 on x3's scale
SELECT pg_temp.show(mlops.elastic_net_coef(s3, 0.4, 0.5, true)) AS standardized FROM st;
-- x1 and x2 have sd 1: standardize changes nothing
SELECT mlops.elastic_net_coef(s, 0.25, 0.7, true) = mlops.elastic_net_coef(s, 0.25, 0.7, false) AS same FROM st;
-- without an intercept nothing is centred: u = x1 + 1 has u'u/n = 2, u'y/n = 5, so lasso
-- lambda 1 gives S(5, 1)/2 = 2; with an intercept S(2, 1)/1 = 1 and intercept 3 - 1 = 2
SELECT pg_temp.show(mlops.elastic_net_coef(su, 1)) AS no_intercept, pg_temp.show(mlops.elastic_net_coef(su1, 1)) AS intercept FROM st;
-- a constant column beside the intercept gets 0, with or without standardize
SELECT pg_temp.show(mlops.elastic_net_coef(sk, 1)) AS constant, pg_temp.show(mlops.elastic_net_coef(sk, 1, 1, true)) AS constant_std FROM st;
-- the intercept alone: the mean of y
SELECT pg_temp.show(mlops.elastic_net_coef(s0, 1)) AS intercept_only FROM st;
-- a duplicated column: for the lasso any split with the sum 1 is optimal; the elastic net
-- splits evenly, b each with 2 - 2b = lambda alpha + lambda (1 - alpha) b: b = 1.5/2.5 = 0.6
SELECT round((c[2] + c[3])::numeric, 9) AS lasso_sum FROM st, mlops.elastic_net_coef(sd, 1) c;
SELECT pg_temp.show(mlops.elastic_net_coef(sd, 1, 0.5)) AS enet FROM st;

-- ======== elastic_net_fit: the coefficients, the sweeps and whether it converged ========
SELECT pg_temp.show(f.coef), f.iterations BETWEEN 1 AND 10 AS few_sweeps, f.converged
FROM st, mlops.elastic_net_fit(s, 1) f;
-- one sweep is not enough to know: a WARNING (SQLSTATE 01000) and converged false
\set VERBOSITY sqlstate
SELECT f.iterations, f.converged FROM st, mlops.elastic_net_fit(s, 1, max_iter => 1) f;
\set VERBOSITY default
SELECT f.iterations, f.converged FROM st, mlops.elastic_net_fit(s, 1, max_iter => 1) f;
-- elastic_net_coef warns alike; its coefficients are those of the last sweep (here already
-- exact: one sweep over orthogonal columns solves the problem, but descent cannot know it yet)
SELECT pg_temp.show(mlops.elastic_net_coef(s, 1, 1, false, 1)) AS one_sweep FROM st;
-- a path warns once for the lambdas that did not converge
SELECT array_dims(mlops.elastic_net_path(s, ARRAY[1, 0.5, 0.1], max_iter => 1)) FROM st;
-- a loose tolerance still ends at the exact solution:
-- b3 = S(4, 0.03)/(4 + 0.07) = 3.97/4.07, b2 = S(0.5, 0.03)/(1 + 0.07) = 0.47/1.07
SELECT pg_temp.show(mlops.elastic_net_coef(s3, 0.1, 0.3, false, 10000, 0.5)) AS loose,
	   pg_temp.show(mlops.elastic_net_coef(s3, 0.1, 0.3, false, 10000, 1e-12)) AS tight FROM st;

-- ======== elastic_net_path: one row per lambda ========
SELECT array_dims(p), pg_temp.show(p[1:1][:]) AS l2, pg_temp.show(p[2:2][:]) AS l1,
	   pg_temp.show(p[3:3][:]) AS l025, pg_temp.show(p[4:4][:]) AS l0
FROM st, mlops.elastic_net_path(s, ARRAY[2, 1, 0.25, 0]) p;
-- each row is the fit of its lambda alone, in any order
SELECT bool_and(abs(p[i][j] - (mlops.elastic_net_coef(s3, l[i], 0.5, true))[j]) < 1e-12) AS rows_match
FROM st, (SELECT ARRAY[0.01, 3, 0.3, 0.1]::float8[] AS l) g,
	 mlops.elastic_net_path(s3, l, 0.5, true) p, generate_series(1, 4) i, generate_series(1, 3) j;

-- ======== elastic_net_lambda_grid: lambda_max = max |c_j| / (alpha d_j) down to lambda_max/1000 ========
CREATE FUNCTION pg_temp.r12(a float8[]) RETURNS numeric[] LANGUAGE sql AS $$
	SELECT ARRAY(SELECT round(v::numeric, 12) FROM unnest(a) v)
$$;
SELECT pg_temp.r12(mlops.elastic_net_lambda_grid(s, 1, false, 4)) AS lasso,
	   pg_temp.r12(mlops.elastic_net_lambda_grid(s, 0.5, false, 4)) AS enet,
	   pg_temp.r12(mlops.elastic_net_lambda_grid(s3, 1, true, 4)) AS std,
	   pg_temp.r12(mlops.elastic_net_lambda_grid(s3, 1, false, 4)) AS as_given
FROM st;
SELECT cardinality(mlops.elastic_net_lambda_grid(s)) AS default_k FROM st;
-- at lambda_max every slope is 0
SELECT pg_temp.show(mlops.elastic_net_coef(s, (mlops.elastic_net_lambda_grid(s, 0.3, true, 2))[1], 0.3, true)) FROM st;

-- ======== bad arguments and bad states ========
SELECT mlops.elastic_net_coef(NULL, 1) IS NULL AS null_state, mlops.elastic_net_coef(s, NULL) IS NULL AS null_lambda,
	   mlops.elastic_net_coef(s, 1, NULL) IS NULL AS null_ratio, mlops.elastic_net_path(s, NULL) IS NULL AS null_lambdas,
	   mlops.elastic_net_lambda_grid(s, 1, false, NULL) IS NULL AS null_k FROM st;
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, -1) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 'NaN') FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 'Infinity') FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 1, 0) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 1, 1.5) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 1, -0.5) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 1, 'NaN') FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 1, 1, false, 0) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 1, 1, false, 100, 0) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 1, 1, false, 100, 1) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(s, 1, 1, false, 100, 'NaN') FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_fit(s, 1, 1, false, -5) FROM st$$);
-- lambda 0 is least squares: the columns must be independent
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef(sd, 0) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_path(sd, ARRAY[1, 0]) FROM st$$);
-- states without rows or columns
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef('v1:1:0:0:1:000000000000000000000000000000000000000000000000', 1)$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_coef('v1:0:0:3:0:0000000000000000', 1)$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_path('v1:0:0:3:0:0000000000000000', ARRAY[1])$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_lambda_grid('v1:1:0:0:1:000000000000000000000000000000000000000000000000')$$);
-- lambdas: NULLs, two dimensions, none, too many, negative, not finite
SELECT pg_temp.err($$SELECT mlops.elastic_net_path(s, ARRAY[1, NULL]) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_path(s, ARRAY[[1, 2], [3, 4]]) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_path(s, '{}') FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_path(s, array_fill(1::float8, ARRAY[1001])) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_path(s, ARRAY[1, -1]) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_path(s, ARRAY[1, 'Infinity'::float8]) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_path(s, ARRAY[1], 0) FROM st$$);
-- the grid: its size, l1_ratio, nothing to penalise, nothing correlated with y
SELECT pg_temp.err($$SELECT mlops.elastic_net_lambda_grid(s, 1, false, 1) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_lambda_grid(s, 1, false, 1001) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_lambda_grid(s, 0) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_lambda_grid(s0) FROM st$$);
SELECT pg_temp.err($$SELECT mlops.elastic_net_lambda_grid(sy) FROM st$$);

-- ======== train ========
SELECT version, algorithm, pg_temp.show(ARRAY(SELECT jsonb_array_elements_text(statistics -> 'coef')::float8)) AS coef,
	   statistics -> 'lambda' AS lambda, statistics -> 'l1_ratio' AS l1_ratio, statistics -> 'standardize' AS std,
	   statistics -> 'converged' AS converged, (statistics ->> 'iterations')::int >= 1 AS swept,
	   metrics -> 'train' -> 'n' AS n
FROM mlops.train('las', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1}', test_fraction => 0);
-- the stored model is that of elastic_net_coef on the state
SELECT m.coefficients = (SELECT mlops.elastic_net_coef(s, 1) FROM st) AS same_as_coef, m.algorithm,
	   round(mlops.predict('las', ARRAY[1, 1])::numeric, 9) AS prediction
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'las';
SELECT feature, value, round(weight::numeric, 9) AS weight, round(contribution::numeric, 9) AS contribution
FROM mlops.explain('las', ARRAY[1, 1]);
SELECT metric, round(value::numeric, 9) FROM mlops.evaluate('las', 'orth');
-- elastic net with l1_ratio and standardize; l1_ratio defaults to 0.5
SELECT pg_temp.show(ARRAY(SELECT jsonb_array_elements_text(statistics -> 'coef')::float8)) AS coef,
	   statistics -> 'l1_ratio' AS l1_ratio, statistics -> 'standardize' AS std
FROM mlops.train('en', 'orth', 'y', ARRAY['x3', 'x2'], 'elastic_net', '{"lambda": 0.4, "l1_ratio": 0.5, "standardize": true}',
				 test_fraction => 0);
SELECT pg_temp.show(ARRAY(SELECT jsonb_array_elements_text(statistics -> 'coef')::float8)) AS coef,
	   statistics -> 'l1_ratio' AS l1_ratio
FROM mlops.train('en', 'orth', 'y', ARRAY['x1', 'x2'], 'elastic_net', '{"lambda": 1}', test_fraction => 0);
-- no intercept
SELECT pg_temp.show(ARRAY(SELECT jsonb_array_elements_text(statistics -> 'coef')::float8)) AS coef
FROM mlops.train('noint', 'orth', 'y', ARRAY['u'], 'lasso', '{"lambda": 1, "intercept": false}', test_fraction => 0);
-- k-fold metrics from the fold states
SELECT metrics -> 'cv' -> 'folds' AS folds, (metrics -> 'cv' ->> 'rmse_mean')::float8 > 0 AS rmse
FROM mlops.train('cv', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 0.5, "folds": 4}', test_fraction => 0);
-- lambda "auto": 100 values from lambda_max = 2 down to 0.002 by default; the chosen lambda
-- has the lowest mean cross-validated RMSE; the model is the fit at that lambda
SELECT jsonb_array_length(statistics -> 'lambda_curve') AS grid,
	   round((statistics -> 'lambda_curve' -> 0 ->> 'lambda')::numeric, 12) AS smallest,
	   round((statistics -> 'lambda_curve' -> 99 ->> 'lambda')::numeric, 12) AS largest,
	   (statistics ->> 'lambda')::float8 = (SELECT (c ->> 'lambda')::float8 FROM jsonb_array_elements(statistics -> 'lambda_curve') c
											 ORDER BY (c ->> 'rmse_mean')::float8, (c ->> 'lambda')::float8 DESC LIMIT 1) AS best,
	   metrics -> 'cv' -> 'folds' AS folds
FROM mlops.train('auto', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": "auto"}', test_fraction => 0);
-- (the state is the merge of the fold states: equal up to rounding)
SELECT (SELECT max(abs(a - b)) < 1e-12 FROM unnest(m.coefficients, (SELECT mlops.elastic_net_coef(s, (m.statistics ->> 'lambda')::float8) FROM st)) u(a, b)) AS refit
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'auto';
-- a grid of one's own (duplicates count once), and 3 folds
SELECT jsonb_path_query_array(statistics -> 'lambda_curve', '$[*].lambda') AS grid, metrics -> 'cv' -> 'folds' AS folds,
	   statistics -> 'lambda' AS lambda
FROM mlops.train('auto', 'orth', 'y', ARRAY['x1', 'x2'], 'elastic_net',
				 '{"lambda": "auto", "lambdas": [0.05, 10, 0.05, 1], "folds": 3, "l1_ratio": 0.9}', test_fraction => 0);
-- not converged: a WARNING, and converged false in the statistics
\set VERBOSITY sqlstate
SELECT statistics -> 'converged' AS converged, statistics -> 'iterations' AS iterations
FROM mlops.train('slow', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "max_iter": 1}', test_fraction => 0);
\set VERBOSITY default
-- retrain and export / import keep the algorithm
SELECT decision, error FROM mlops.retrain('las', 'always');
SELECT m.version, m.algorithm, pg_temp.show(m.coefficients) FROM mlops.models m JOIN mlops.projects p USING (project_id)
WHERE p.name = 'las' ORDER BY m.version;
SELECT mlops.import_model('imported', mlops.export_model(1)) IS NOT NULL AS imported;
SELECT m.algorithm, m.params, m.coefficients = (SELECT coefficients FROM mlops.models WHERE model_id = 1) AS same
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'imported';
SELECT round(mlops.predict(m.model_id, ARRAY[1, 1])::numeric, 9) AS prediction
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'imported';
SELECT split_part(e, E'\n', 1) AS error,
	   split_part(e, E'\n', 2) LIKE 'Key "algorithm" is "svm"; this version of mlops knows %"lasso"%"elastic_net"%' AS names_them,
	   split_part(e, E'\n', 3) AS registry
FROM pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"algorithm": "svm"}')$$) e;
SELECT pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"params": {}}')$$);
SELECT pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"params": {"lambda": "1"}}')$$);
SELECT pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"params": {"lambda": 1, "l1_ratio": 0.5}}')$$);
SELECT pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"algorithm": "elastic_net", "params": {"lambda": 1, "l1_ratio": 0}}')$$);
SELECT pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"params": {"lambda": 1, "standardize": 1}}')$$);
SELECT pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"params": {"lambda": 1, "max_iter": 0}}')$$);
SELECT pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"params": {"lambda": 1, "tol": 1}}')$$);
SELECT pg_temp.err_rows($$SELECT mlops.import_model('imported', mlops.export_model(1) || '{"params": {"lambda": "auto", "lambdas": [1]}}')$$);

-- ======== bad parameters of train: errors, and no rows written ========
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'elastic_net', '{"lambda": -1}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": "1"}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "l1_ratio": 0.5}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "weights": "x1"}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'elastic_net', '{"lambda": 1, "l1_ratio": 0}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'elastic_net', '{"lambda": 1, "l1_ratio": 1.01}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'elastic_net', '{"lambda": 1, "l1_ratio": "0.5"}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "standardize": "yes"}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "max_iter": 0}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "max_iter": 2.5}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "max_iter": 1000001}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "tol": 0}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "tol": "small"}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": 1, "lambdas": [1, 2]}')$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": "auto", "lambdas": [1, -2]}')$$);
-- lambda 0 on collinear features; "auto" on a state with no penalised column or without rows
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY['x1', 'd'], 'lasso', '{"lambda": 0}', test_fraction => 0)$$);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'orth', 'y', ARRAY[]::text[], 'lasso', '{"lambda": "auto"}', test_fraction => 0)$$);
CREATE TABLE none (LIKE orth);
SELECT pg_temp.err_rows($$SELECT * FROM mlops.train('bad', 'none', 'y', ARRAY['x1', 'x2'], 'lasso', '{"lambda": "auto"}')$$);
SELECT count(*) AS bad_projects FROM mlops.projects WHERE name = 'bad';

SET client_min_messages = warning;
DROP SCHEMA regress_elastic_net CASCADE;
DROP EXTENSION mlops;
