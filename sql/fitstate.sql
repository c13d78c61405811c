-- mlops.fitstate: exact text and binary forms, and hostile input
CREATE EXTENSION mlops;
CREATE SCHEMA regress_fitstate;
SET search_path = regress_fitstate;

\i sql/include/err.sql

-- 300 rows (more than one block) with values that are not short decimals.
CREATE TABLE d AS
SELECT (i / 7.0)::float8 AS x1, sqrt(i)::float8 AS x2, (sin(i) * 1e3 + i / 3.0)::float8 AS y
FROM generate_series(1, 300) i;
CREATE TABLE s AS SELECT mlops.fit_state(y, ARRAY[1, x1, x2]) AS st FROM d;

-- The header: format version, columns, rows, skipped rows, flags (1: first column all ones).
SELECT split_part(st::text, ':', 1) AS v, split_part(st::text, ':', 2) AS ncols,
	   split_part(st::text, ':', 3) AS nrows, split_part(st::text, ':', 4) AS nskipped,
	   split_part(st::text, ':', 5) AS flags,
	   length(split_part(st::text, ':', 6)) AS hex_digits	-- 10 entries of the 4 x 4 triangle
FROM s;

-- Text round trip is exact: the same text, the same bits of every result.
SELECT st::text = st::text::mlops.fitstate::text AS text_same,
	   mlops.ols_result(st) = mlops.ols_result(st::text::mlops.fitstate) AS result_same
FROM s;

-- Binary round trip through COPY.
COPY s TO '/tmp/mlops_regress_fitstate.bin' WITH (FORMAT binary);
CREATE TABLE s2 (st mlops.fitstate);
COPY s2 FROM '/tmp/mlops_regress_fitstate.bin' WITH (FORMAT binary);
SELECT s.st::text = s2.st::text AS binary_same FROM s, s2;

-- A stored state goes on accumulating: state of 300 rows merged with 100 more rows
-- equals the state of all 400.
INSERT INTO d SELECT (i / 7.0)::float8, sqrt(i)::float8, (sin(i) * 1e3 + i / 3.0)::float8
FROM generate_series(301, 400) i;
SELECT bool_and(abs(a - b) <= 1e-12 * abs(b)) AS incremental_equal
FROM (SELECT mlops.ols_result(mlops.fit_merge(st)) AS r FROM (
		SELECT st FROM s
		UNION ALL SELECT mlops.fit_state(y, ARRAY[1, x1, x2]) FROM d WHERE x1 > 300 / 7.0) u) m,
	 (SELECT mlops.ols_fit(y, ARRAY[1, x1, x2]) AS r FROM d) w,
	 LATERAL unnest((m.r).coef || (m.r).std_err, (w.r).coef || (w.r).std_err) AS t(a, b);

-- A hand-written state: one column, R = [[2, 3], [0, 4]] is the R factor of
-- 4 rows of x = 1 and y with sum(y) = 6, sum(y^2) = 25: coef 3 / 2, RSS 16.
SELECT r.coef, r.rss, r.n_rows, r.df_residual
FROM mlops.ols_result(('v1:1:4:0:1:' ||
	'4000000000000000' || '4008000000000000' || '4010000000000000')::mlops.fitstate) r;

-- Malformed values are errors, never crashes.
SELECT pg_temp.err($$SELECT ''::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v2:1:1:0:1:'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:4:0:1:00'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:4:0:1:4000000000000000400800000000000040100000000000zz'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:4:0:1:4000000000000000400800000000000040100000000000000'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:4:0:1:7ff800000000000040080000000000004010000000000000'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:4:0:1:7ff000000000000040080000000000004010000000000000'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:100000000:4:0:1:'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:-1:4:0:1:'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:-4:0:1:'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:4:0:8:4000000000000000400800000000000040100000000000000'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:99999999999999999999999:0:1:'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:0:4:0:1:0000000000000000'::mlops.fitstate$$);
SELECT pg_temp.err($$SELECT 'v1:1:4'::mlops.fitstate$$);
-- Binary: truncated, wrong version, lying about its size.
CREATE TABLE raw (b bytea);
INSERT INTO raw VALUES ('\x0001'), ('\x0002000100000001'),
	('\x00010001000003e80000000000000004000000000000000040000000000000004008000000000000');
SELECT pg_temp.err(format($q$COPY (SELECT %L::bytea) TO '/tmp/mlops_regress_raw.bin' WITH (FORMAT binary)$q$, b)) AS wrote,
	   pg_temp.err($q$COPY s2 FROM '/tmp/mlops_regress_raw.bin' WITH (FORMAT binary)$q$) AS copy_into_fitstate
FROM raw;

-- Extremes found by the fuzzers: row counts past int64, collinear columns of entries near
-- 1e200 (the rank check scales its columns), and a fit that overflows double precision.
SELECT pg_temp.err($$SELECT mlops.fitstate_combine(s, s) FROM (SELECT 'v1:1:4611686018427387904:4611686018427387904:1:400000000000000040080000000000004010000000000000'::mlops.fitstate s) x$$);
SELECT (mlops.ols_fit(y, ARRAY[x, x])).coef FROM (SELECT g::float8 * 1e200 AS x, g::float8 AS y FROM generate_series(1, 3) g) s;
SELECT round((r).coef[1]::numeric, 12) AS mean_y, (r).coef[2] AS aliased
FROM (SELECT mlops.ols_fit(y, ARRAY[1, x]) AS r FROM (SELECT 1e200::float8 AS x, g::float8 AS y FROM generate_series(1, 3) g) s) q;
SELECT pg_temp.err($$SELECT mlops.fit_state(y, ARRAY[x])::text FROM (SELECT 1.7e308::float8 * (g % 2 * 2 - 1) AS x, g::float8 AS y FROM generate_series(1, 4) g) s$$);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_fitstate CASCADE;
DROP EXTENSION mlops;
