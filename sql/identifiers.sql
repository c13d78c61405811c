-- Hostile identifiers: quotes, semicolons, spaces, upper case, non-ASCII letters and
-- schema-qualified names reach dynamic SQL only quoted, for every function that takes one
CREATE EXTENSION mlops;
CREATE SCHEMA "Regress Ident; schema";
SET search_path = "Regress Ident; schema";

\i sql/include/err.sql

-- y = 1 + 2 x1 + 3 x2 exactly, in a table and columns whose names would break unquoted SQL.
CREATE TABLE "Data ""quoted""; DROP TABLE x; --" (
	"Y; DROP TABLE t; --" float8,
	"x ""one""" int,
	"Größe ÄÖÜ" numeric,
	"select" float8
);
INSERT INTO "Data ""quoted""; DROP TABLE x; --"
SELECT 1 + 2 * (i % 7) + 3 * ((i * 5) % 11), i % 7, (i * 5) % 11, i FROM generate_series(1, 300) i;
CREATE TABLE x (still_here int);

SELECT version, deployed FROM mlops.train('proj''; DROP TABLE x; --',
	'"Regress Ident; schema"."Data ""quoted""; DROP TABLE x; --"',
	'Y; DROP TABLE t; --', ARRAY['x "one"', 'Größe ÄÖÜ']);
SELECT m.features, ARRAY(SELECT round(c::numeric, 9) FROM unnest(m.coefficients) c) AS coef, m.relation, m.target
FROM mlops.models m;

-- features => NULL picks the numeric columns, "select" among them.
SELECT version FROM mlops.train('all columns', '"Data ""quoted""; DROP TABLE x; --"', 'Y; DROP TABLE t; --',
	test_fraction => 0, deploy => 'never');
SELECT m.features FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'all columns';

-- Predict by column name, explain, evaluate, retrain: all with the same names.
SELECT round(mlops.predict('proj''; DROP TABLE x; --', d)::numeric, 9) AS prediction
FROM "Data ""quoted""; DROP TABLE x; --" d WHERE "select" = 10;
SELECT feature, round(contribution::numeric, 9) AS contribution
FROM mlops.explain('proj''; DROP TABLE x; --', ARRAY[3, 6]);
SELECT metric, round(value::numeric, 9) AS value
FROM mlops.evaluate('proj''; DROP TABLE x; --', '"Data ""quoted""; DROP TABLE x; --"') WHERE metric IN ('n', 'rmse');
SELECT decision, score FROM mlops.retrain('proj''; DROP TABLE x; --', deploy => 'always');
SELECT version, strategy FROM mlops.deploy('proj''; DROP TABLE x; --', 'rollback');
SELECT mlops.tag_model(1, 'owner''s; tag', 'value"; --');
SELECT key, value FROM mlops.model_tags;
SELECT mlops.import_model('copy; of "proj"', mlops.export_model(1));
SELECT project, version FROM mlops.leaderboard ORDER BY 1, 2;

-- Names that do not exist are errors, never SQL.
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Data ""quoted""; DROP TABLE x; --"', 'y; DROP TABLE x')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Data ""quoted""; DROP TABLE x; --"', 'Y; DROP TABLE t; --', ARRAY['1); DROP TABLE x; --'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'x; DROP TABLE x', 'y')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Data ""quoted""; DROP TABLE x; --"', 'Y; DROP TABLE t; --', params => '{"incremental_column": "x; DROP TABLE x"}')$$);
SELECT pg_temp.err($$SELECT mlops.predict('nope''; DROP TABLE x; --', ARRAY[1, 2])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('nope''; DROP TABLE x; --', 'best')$$);
SELECT pg_temp.err($$SELECT mlops.drop_project('nope''; DROP TABLE x; --')$$);

-- Nothing was dropped.
SELECT to_regclass('x') IS NOT NULL AS x_still_there,
	   to_regclass('"Data ""quoted""; DROP TABLE x; --"') IS NOT NULL AS data_still_there;
SELECT mlops.drop_project('proj''; DROP TABLE x; --');
SELECT name FROM mlops.projects ORDER BY 1;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA "Regress Ident; schema" CASCADE;
DROP EXTENSION mlops;
