-- mlops.ols_fit: one-scan least squares, checked against values derived by hand
CREATE EXTENSION mlops;
CREATE SCHEMA regress_ols_fit;
SET search_path = regress_ols_fit;

\i sql/include/err.sql

-- x = 1..5, y = 2 4 5 4 5: slope 6/10 = 0.6, intercept 4 - 3 * 0.6 = 2.2,
-- RSS 2.4, TSS 6, s^2 = 2.4 / 3 = 0.8, se(slope) = sqrt(0.8 / 10),
-- se(intercept) = sqrt(0.8 * (1/5 + 9/10)), F = 3.6 / 0.8 = 4.5.
CREATE TABLE simple (x float8, y float8);
INSERT INTO simple VALUES (1, 2), (2, 4), (3, 5), (4, 4), (5, 5);

SELECT round(f.coef[1]::numeric, 12) AS b0, round(f.coef[2]::numeric, 12) AS b1,
	   abs(f.std_err[1] - sqrt(0.8 * 1.1)) < 1e-14 AS se0_ok,
	   abs(f.std_err[2] - sqrt(0.08)) < 1e-14 AS se1_ok,
	   round(f.r2::numeric, 12) AS r2,
	   round(f.adj_r2::numeric, 12) AS adj_r2,	-- 1 - 0.4 * 4/3
	   abs(f.residual_sd - sqrt(0.8)) < 1e-14 AS sd_ok,
	   round(f.f_statistic::numeric, 10) AS f,
	   round(f.rss::numeric, 12) AS rss,
	   f.n_rows, f.n_skipped, f.df_residual
FROM (SELECT (mlops.ols_fit(y, ARRAY[1, x])).* FROM simple) f;

-- t statistics are coef / se; with 3 residual degrees of freedom the
-- two-sided p-value is 1 - (2/pi) (atan(u) + u / (1 + u^2)), u = |t| / sqrt(3).
-- With one numerator degree of freedom the F test equals the t test of the slope.
SELECT abs(f.t_stats[2] - sqrt(4.5)) < 1e-12 AS t_ok,
	   abs(f.p_values[i] - (1 - 2 / pi() * (atan(u) + u / (1 + u * u)))) < 1e-14 AS p_ok,
	   abs(f.f_p_value - f.p_values[2]) < 1e-14 AS f_p_ok
FROM (SELECT (mlops.ols_fit(y, ARRAY[1, x])).* FROM simple) f,
	 LATERAL (SELECT i, abs(f.t_stats[i]) / sqrt(3) AS u FROM generate_series(1, 2) i) t;

-- Condition number of X = [1 x]: X'X = [[5, 15], [15, 55]] has eigenvalues 30 +- sqrt(850).
SELECT abs(condition_number - sqrt((30 + sqrt(850)) / (30 - sqrt(850)))) < 1e-12 AS cond_ok
FROM (SELECT (mlops.ols_fit(y, ARRAY[1, x])).* FROM simple) f;

-- Covariance s^2 (X'X)^-1 = 0.8 / 50 * [[55, -15], [-15, 5]]; log-likelihood as R's logLik:
-- -n/2 (log(2 pi) + 1 + log(RSS/n)) with n = 5, RSS = 2.4; AIC and BIC count 3 parameters.
SELECT array_dims(f.vcov) AS dims,
	   abs(f.vcov[1][1] - 0.88) < 1e-14 AND abs(f.vcov[1][2] + 0.24) < 1e-14
	   AND abs(f.vcov[2][1] + 0.24) < 1e-14 AND abs(f.vcov[2][2] - 0.08) < 1e-14 AS vcov_ok,
	   abs(f.log_likelihood + 2.5 * (ln(2 * pi()) + 1 + ln(0.48))) < 1e-13 AS loglik_ok,
	   abs(f.aic - (5 * (ln(2 * pi()) + 1 + ln(0.48)) + 6)) < 1e-13 AS aic_ok,
	   abs(f.bic - (5 * (ln(2 * pi()) + 1 + ln(0.48)) + 3 * ln(5))) < 1e-13 AS bic_ok
FROM (SELECT (mlops.ols_fit(y, ARRAY[1, x])).* FROM simple) f;

-- Weighted least squares: rows (0, 0), (1, 1), (2, 1) with weights 1, 2, 1.
-- [4 4; 4 6] b = [3; 4] gives b = (0.25, 0.5); weighted RSS = 0.25, df = 1, s^2 = 0.25,
-- covariance 0.25 / 8 * [6 -4; -4 4].
SELECT round(f.coef[1]::numeric, 12) AS b0, round(f.coef[2]::numeric, 12) AS b1,
	   abs(f.rss - 0.25) < 1e-14 AS rss_ok, f.df_residual,
	   abs(f.std_err[1] - sqrt(0.1875)) < 1e-14 AND abs(f.std_err[2] - sqrt(0.125)) < 1e-14 AS se_ok,
	   abs(f.vcov[1][2] + 0.125) < 1e-14 AS cov_ok,
	   f.log_likelihood IS NULL AS no_loglik
FROM (SELECT (mlops.ols_fit(y, ARRAY[1, x], w)).* FROM (VALUES (0, 0, 1), (1, 1, 2), (2, 1, 1)) v(x, y, w)) f;
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, ARRAY[1, x], -1) FROM simple$$);
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, ARRAY[1, x], 'NaN') FROM simple$$);

-- Without an intercept R^2 is uncentred: b = sum(xy) / sum(x^2) = 66/55,
-- RSS = 86 - 1.2 * 66 = 6.8, R^2 = 79.2 / 86, F = 79.2 / (6.8 / 4).
SELECT round(f.coef[1]::numeric, 12) AS b,
	   round(f.r2::numeric, 12) AS r2,
	   abs(f.r2 - 79.2 / 86) < 1e-14 AS r2_ok,
	   abs(f.f_statistic - 79.2 / 1.7) < 1e-10 AS f_ok,
	   abs(f.std_err[1] - sqrt(1.7 / 55)) < 1e-14 AS se_ok
FROM (SELECT (mlops.ols_fit(y, ARRAY[x])).* FROM simple) f;

-- One residual degree of freedom: x = 0 1 2, y = 0 2 1 gives slope 1/2 with
-- t = 1/sqrt(3), whose two-sided p-value under t(1) is 1 - (2/pi) atan(t) = 2/3.
SELECT round(f.coef[2]::numeric, 12) AS slope,
	   abs(f.t_stats[2] - 1 / sqrt(3)) < 1e-14 AS t_ok,
	   abs(f.p_values[2] - 2.0 / 3) < 1e-14 AS p_ok
FROM (SELECT (mlops.ols_fit(y, ARRAY[1, x])).* FROM (VALUES (0, 0), (1, 2), (2, 1)) v(x, y)) f;

-- Two numerator degrees of freedom: P(F > f) = (d2 / (d2 + 2 f))^(d2 / 2).
CREATE TABLE two (x1 float8, x2 float8, y float8);
INSERT INTO two SELECT i, (i * 7) % 5, ((i * 13) % 11) + 0.5 * i FROM generate_series(1, 12) i;
SELECT abs(f.f_p_value - (9 / (9 + 2 * f.f_statistic)) ^ 4.5) < 1e-14 AS f_p_ok, f.df_residual
FROM (SELECT (mlops.ols_fit(y, ARRAY[1, x1, x2])).* FROM two) f;

-- A weight of 2 gives the coefficients of the row taken twice; weight 0 drops a row
-- (and it is not counted); a NULL weight skips the row and counts it.
SELECT bool_and(abs(a - b) < 1e-12) AS same_as_duplicated, max(n_w) AS n_rows_weighted, max(skipped) AS skipped
FROM (SELECT (mlops.ols_fit(y, ARRAY[1, x1, x2], w)).coef AS cw,
			 (mlops.ols_fit(y, ARRAY[1, x1, x2], w)).n_rows AS n_w,
			 (mlops.ols_fit(y, ARRAY[1, x1, x2], w)).n_skipped AS skipped
	  FROM (SELECT y, x1, x2, CASE WHEN x1 = 3 THEN 2 WHEN x1 = 5 THEN 0 ELSE 1 END::float8 AS w FROM two
			UNION ALL SELECT 1, 1, 1, NULL) t) w,
	 (SELECT (mlops.ols_fit(y, ARRAY[1, x1, x2])).coef AS cd
	  FROM (SELECT y, x1, x2 FROM two WHERE x1 <> 5 UNION ALL SELECT y, x1, x2 FROM two WHERE x1 = 3) t) d,
	 LATERAL unnest(w.cw, d.cd) AS u(a, b);
-- A perfect fit recovers y = 3 + 2 x1 - x2 with zero residual.
SELECT round(f.coef[1]::numeric, 10) AS b0, round(f.coef[2]::numeric, 10) AS b1,
	   round(f.coef[3]::numeric, 10) AS b2, f.r2 > 1 - 1e-14 AS r2_one
FROM (SELECT (mlops.ols_fit(3 + 2 * x1 - x2, ARRAY[1, x1, x2])).* FROM two) f;

-- Rows with a NULL y, x or element are skipped and counted; the fit is that of the rest.
SELECT f.n_rows, f.n_skipped, round(f.coef[1]::numeric, 12) AS b0, round(f.coef[2]::numeric, 12) AS b1
FROM (SELECT (mlops.ols_fit(y, x)).* FROM (
	SELECT y, ARRAY[1, x] AS x FROM simple
	UNION ALL VALUES (NULL::float8, ARRAY[1, 7]::float8[]), (100, NULL), (100, ARRAY[1, NULL])
) s) f;
-- NULL rows first: the width of x is not known yet, the count is still kept.
SELECT f.n_rows, f.n_skipped
FROM (SELECT (mlops.ols_fit(y, x ORDER BY o)).* FROM (
	VALUES (1, 100::float8, NULL::float8[]), (2, 1, ARRAY[1, 1]), (3, 2, ARRAY[1, 2]), (4, 4, ARRAY[1, 3])
) s(o, y, x)) f;

-- No rows at all: NULL.
SELECT mlops.ols_fit(y, ARRAY[1, x]) IS NULL AS is_null FROM simple WHERE false;

-- More rows than a block, and states merged across groups, give the same fit.
CREATE TABLE many AS
SELECT i, (i % 17)::float8 AS x1, ((i * 31) % 23)::float8 AS x2,
	   (1 + 0.5 * (i % 17) - 0.25 * ((i * 31) % 23) + ((i * 7919) % 101) / 100.0)::float8 AS y
FROM generate_series(1, 5000) i;
SELECT bool_and(abs(merged - whole) <= 1e-12 * abs(whole)) AS merged_equal, count(*)
FROM (SELECT mlops.ols_result(mlops.fit_merge(s)) AS r FROM
		(SELECT i % 7 AS g, mlops.fit_state(y, ARRAY[1, x1, x2]) AS s FROM many GROUP BY 1) g) m,
	 (SELECT mlops.ols_fit(y, ARRAY[1, x1, x2]) AS r FROM many) w,
	 LATERAL unnest((m.r).coef || (m.r).std_err || (m.r).r2,
					(w.r).coef || (w.r).std_err || (w.r).r2) AS u(merged, whole);

-- One model per group: ols_fit under GROUP BY equals a separate fit of each group.
SELECT g, (SELECT bool_and(abs(u - v) <= 1e-12 * abs(v)) FROM unnest((grouped).coef || (grouped).std_err,
											  (separate).coef || (separate).std_err) AS t(u, v)) AS same
FROM (SELECT i % 3 AS g, mlops.ols_fit(y, ARRAY[1, x1, x2]) AS grouped FROM many GROUP BY 1) a,
	 LATERAL (SELECT mlops.ols_fit(y, ARRAY[1, x1, x2] ORDER BY i) AS separate FROM many WHERE i % 3 = a.g) b
ORDER BY g;

-- fit_columns (no array per row) is the same fit as fit_state.
SELECT (mlops.ols_result(mlops.fit_columns(y, 1::float8, x1, x2))).coef =
	   (mlops.ols_result(mlops.fit_state(y, ARRAY[1, x1, x2]))).coef AS same
FROM many;

-- Parallel aggregation: the plan has partial aggregates.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT mlops.ols_fit(y, ARRAY[1, x1, x2]) FROM many;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Errors
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, ARRAY[1, x]) FROM (VALUES (1, 1), ('NaN'::float8, 2)) v(y, x)$$);
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, ARRAY[1, x]) FROM (VALUES (1, 1), (2, '-Infinity'::float8)) v(y, x)$$);
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, x) FROM (VALUES (1, ARRAY[1, 2]), (2, ARRAY[1, 2, 3])) v(y, x)$$);
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, x) FROM (VALUES (1, '{}'::float8[])) v(y, x)$$);
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, x) FROM (VALUES (1, '{{1,2},{3,4}}'::float8[])) v(y, x)$$);
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, ARRAY[1, x, x * x]) FROM simple WHERE x < 3$$);
-- Collinear columns: as R's lm, the aliased columns get NULL (with a NOTICE naming them) and
-- the others the fit without them; the degrees of freedom count the columns kept.
SELECT a.coef[4] IS NULL AS aliased_null, a.std_err[4] IS NULL AND a.t_stats[4] IS NULL AS stats_null,
	   a.vcov[4][1] IS NULL AND a.vcov[1][4] IS NULL AND a.vcov[4][4] IS NULL AS vcov_null,
	   (SELECT bool_and(abs(u - v) <= 1e-12 * abs(v))
		FROM unnest(a.coef[1:3] || a.std_err[1:3] || a.r2, b.coef || b.std_err || b.r2) AS t(u, v)) AS same_as_without,
	   a.df_residual, b.df_residual AS df_without
FROM (SELECT mlops.ols_fit(y, ARRAY[1, x1, x2, x1 + x2]) AS r FROM two) fa,
	 (SELECT mlops.ols_fit(y, ARRAY[1, x1, x2]) AS r FROM two) fb,
	 LATERAL (SELECT (fa.r).*) a, LATERAL (SELECT (fb.r).*) b;
SELECT (r).coef[3] IS NULL AND (r).coef[4] IS NULL AS two_aliased,
	   (SELECT bool_and(abs(u - v) <= 1e-12 * abs(v)) FROM unnest((r).coef[1:2], (w).coef) AS t(u, v)) AS same_as_without
FROM (SELECT mlops.ols_fit(y, ARRAY[1, x1, x1, 2 * x1]) AS r, mlops.ols_fit(y, ARRAY[1, x1]) AS w FROM two) f;
SELECT (r).coef[1] IS NULL AS zero_column_null, abs((r).coef[2] - (w).coef[1]) <= 1e-12 * abs((w).coef[1]) AS same_as_without
FROM (SELECT mlops.ols_fit(y, ARRAY[0, x1]) AS r, mlops.ols_fit(y, ARRAY[x1]) AS w FROM two) f;
-- Nothing left to fit is an error.
SELECT pg_temp.err($$SELECT mlops.ols_fit(y, ARRAY[0, 0]) FROM two$$);
SELECT pg_temp.err($$SELECT mlops.fitstate_accum(NULL, 1, ARRAY[1])$$);
SELECT pg_temp.err($$SELECT mlops.fit_columns(y, x) FROM (VALUES (1, 2)) v(y, x)$$);
SELECT pg_temp.err($$SELECT mlops.fit_columns(y) FROM simple$$);

SELECT pg_temp.err($$SELECT mlops.error_stats_final('{1, 2}')$$);
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_ols_fit CASCADE;
DROP EXTENSION mlops;
