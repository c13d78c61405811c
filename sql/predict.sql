-- mlops.predict: the deployed model, one exact version, features by column name; errors
CREATE EXTENSION mlops;
CREATE SCHEMA regress_predict;
SET search_path = regress_predict;

\i sql/include/err.sql
-- Version 1 learns y = 3 + 2a - b + c/2 exactly; version 2 learns y = 1 + a - 2b exactly.
CREATE TABLE t1 (a int, b float8, c numeric, y float8);
INSERT INTO t1 SELECT i % 13, (i * 7) % 11, (i * 5) % 9, 3 + 2 * (i % 13) - (i * 7) % 11 + ((i * 5) % 9) / 2.0
FROM generate_series(1, 500) i;
CREATE TABLE t2 (a int, b float8, c numeric, y float8);
INSERT INTO t2 SELECT a, b, c, 1 + a - 2 * b FROM t1;
SELECT version, deployed FROM mlops.train('p', 't1', 'y', ARRAY['a', 'b', 'c'], test_fraction => 0);
SELECT version, deployed FROM mlops.train('p', 't2', 'y', ARRAY['a', 'b', 'c'], test_fraction => 0, deploy => 'never');

-- a = 1, b = 2, c = 3: version 1 gives 3 + 2 - 2 + 1.5 = 4.5; version 2 gives 1 + 1 - 4 = -2.
SELECT round(mlops.predict('p', ARRAY[1, 2, 3])::numeric, 9) AS deployed_v1;
SELECT round(mlops.predict(m.model_id, ARRAY[1, 2, 3])::numeric, 9) AS by_id, m.version
FROM mlops.models m ORDER BY m.version;

-- By column name, from whole rows of any column order and numeric types.
CREATE TABLE live (id int, c numeric, b real, a bigint, note text);
INSERT INTO live VALUES (1, 3, 2, 1, 'x'), (2, 0, 0, 0, 'y'), (3, 1.5, -1, 10, 'z');
SELECT id, round(mlops.predict('p', l)::numeric, 9) AS prediction FROM live l ORDER BY id;
SELECT round(mlops.predict('p', r)::numeric, 9) AS from_row
FROM (SELECT 1 AS a, 2.0 AS b, 3 AS c) r;
-- Over a table, matching the SQL arithmetic of the model.
SELECT bool_and(abs(mlops.predict('p', ARRAY[a, b, c]) - (3 + 2 * a - b + c / 2.0)) < 1e-9) AS all_match,
	   count(*)
FROM t1;

-- Deploying version 2 reaches this session's next statement; so does a rollback.
SELECT version FROM mlops.deploy('p', 2);
SELECT round(mlops.predict('p', ARRAY[1, 2, 3])::numeric, 9) AS deployed_v2;
BEGIN;
SELECT version FROM mlops.deploy('p', 1);
SELECT round(mlops.predict('p', ARRAY[1, 2, 3])::numeric, 9) AS inside_transaction_v1;
ROLLBACK;
SELECT round(mlops.predict('p', ARRAY[1, 2, 3])::numeric, 9) AS after_rollback_v2;

-- NULL arguments give NULL (the functions are strict).
SELECT mlops.predict('p', NULL::float8[]) IS NULL AS null_features, mlops.predict(NULL::text, ARRAY[1, 2, 3]) IS NULL AS null_project;

-- Errors
SELECT version FROM mlops.train('undeployed', 't1', 'y', ARRAY['a'], deploy => 'never');
SELECT pg_temp.err($$SELECT mlops.predict('nope', ARRAY[1, 2, 3])$$);
SELECT pg_temp.err($$SELECT mlops.predict('undeployed', ARRAY[1])$$);
SELECT pg_temp.err($$SELECT mlops.predict(123456, ARRAY[1, 2, 3])$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', ARRAY[1, 2])$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', ARRAY[1, 2, 3, 4])$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', ARRAY[1, NULL, 3])$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', ARRAY[1, 'NaN', 3]::float8[])$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', ARRAY[1, 2, 'Infinity']::float8[])$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', ARRAY[[1, 2, 3]]::float8[])$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', r) FROM (SELECT 1 AS a, 2 AS b) r$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', r) FROM (SELECT 1 AS a, 2 AS b, 'three'::text AS c) r$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', r) FROM (SELECT 1 AS a, NULL::int AS b, 3 AS c) r$$);
SELECT pg_temp.err($$SELECT mlops.predict('p', r) FROM (SELECT 1 AS a, 'NaN'::float8 AS b, 3 AS c) r$$);

-- Renaming a project reaches the cache as well.
SELECT round(mlops.predict('p', ARRAY[1, 2, 3])::numeric, 9) AS before_rename;
UPDATE mlops.projects SET name = 'p_renamed' WHERE name = 'p';
SELECT pg_temp.err($$SELECT mlops.predict('p', ARRAY[1, 2, 3])$$);
SELECT round(mlops.predict('p_renamed', ARRAY[1, 2, 3])::numeric, 9) AS after_rename;

-- In parallel workers (which cannot take a new snapshot, so keep models only per call site).
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT sum(mlops.predict('p_renamed', ARRAY[a, b, c])) FROM t1;
SELECT bool_and(abs(mlops.predict('p_renamed', ARRAY[a, b, c]) - (1 + a - 2 * b)) < 1e-9) AS all_match,
	   count(*)
FROM t1;
SELECT bool_and(abs(mlops.predict('p_renamed', t) - (1 + a - 2 * b)) < 1e-9) AS rows_match FROM t1 t;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_predict CASCADE;
DROP EXTENSION mlops;
