-- Hostile identifiers: quotes, semicolons, spaces, upper case, non-ASCII letters, backslashes,
-- comment markers and schema-qualified names reach dynamic SQL only quoted, for every function
-- that takes one
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

-- ======== A schema, tables, columns and projects whose names break SQL in every way ========
-- The schema is not on the search_path, so every stored relation must be schema-qualified.
-- Names: double and single quotes, semicolons, spaces, upper case, é and 日本, backslashes, -- and /*.
CREATE TABLE victim (still_here int);
CREATE SCHEMA "Sch ""é"" 'q'; -- /* \";
CREATE TABLE "Sch ""é"" 'q'; -- /* \"."x; DROP TABLE victim; --" (
	"Id'; SELECT 1; --" bigint,
	"Y'); DROP TABLE victim; --" float8,
	"""a"" /* x */" int,
	"日本 b\" numeric,
	"W -- eight" float8,
	"Note ""txt""" text
);
INSERT INTO "Sch ""é"" 'q'; -- /* \"."x; DROP TABLE victim; --"
SELECT i, 1 + 2 * (i % 7) + 3 * ((i * 5) % 11), i % 7, (i * 5) % 11, 1 + i % 3, 'row ' || i
FROM generate_series(1, 60) i;
-- a decoy of the same name on the search_path, whose y is 1000 off: it must never be read
CREATE TABLE "x; DROP TABLE victim; --" AS
SELECT "Id'; SELECT 1; --", "Y'); DROP TABLE victim; --" + 1000 AS "Y'); DROP TABLE victim; --",
	   """a"" /* x */", "日本 b\", "W -- eight", "Note ""txt"""
FROM "Sch ""é"" 'q'; -- /* \"."x; DROP TABLE victim; --";

-- train: the relation as text, the target, the features, params.incremental_column and
-- params.weights all carry the names
SELECT version, deployed FROM mlops.train('Two ''p'' "日本"; /* -- */ \',
	'"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"', 'Y''); DROP TABLE victim; --',
	ARRAY['"a" /* x */', '日本 b\'], params => jsonb_build_object('incremental_column', 'Id''; SELECT 1; --'),
	test_fraction => 0.25);
SELECT version, deployed FROM mlops.train('P''; DROP TABLE victim; --"\ é 日本',
	'"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"', 'Y''); DROP TABLE victim; --',
	ARRAY['"a" /* x */', '日本 b\'], params => '{"weights": "W -- eight"}', test_fraction => 0);
SELECT p.name, m.relation, m.target, m.features, m.params ->> 'incremental_column' AS incremental_column,
	   m.params ->> 'weights' AS weights, m.watermark,
	   ARRAY(SELECT round(c::numeric, 9) FROM unnest(m.coefficients) c) AS coef
FROM mlops.models m JOIN mlops.projects p USING (project_id)
WHERE p.name IN ('Two ''p'' "日本"; /* -- */ \', 'P''; DROP TABLE victim; --"\ é 日本') ORDER BY m.model_id;
SELECT ordinal, feature FROM mlops.baselines b JOIN mlops.models m USING (model_id) JOIN mlops.projects p USING (project_id)
WHERE p.name = 'Two ''p'' "日本"; /* -- */ \' ORDER BY ordinal;
-- the decoy on the search_path trains only when named
SELECT version, round((metrics #>> '{train,rmse}')::numeric, 9) AS train_rmse
FROM mlops.train('decoy', '"x; DROP TABLE victim; --"', 'Y''); DROP TABLE victim; --', ARRAY['"a" /* x */'],
	test_fraction => 0, deploy => 'never');
SELECT m.relation FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'decoy';
SELECT mlops.drop_project('decoy');

-- predict: by project name, and from a row (the columns found by name)
SELECT round(mlops.predict('Two ''p'' "日本"; /* -- */ \', ARRAY[3, 4])::numeric, 9) AS by_project,
	   round(mlops.predict('P''; DROP TABLE victim; --"\ é 日本', ARRAY[3, 4])::numeric, 9) AS weighted;
SELECT round(mlops.predict('Two ''p'' "日本"; /* -- */ \', r)::numeric, 9) AS by_row, r."Y'); DROP TABLE victim; --" AS y
FROM "Sch ""é"" 'q'; -- /* \"."x; DROP TABLE victim; --" r WHERE "Id'; SELECT 1; --" IN (1, 2) ORDER BY 2;
SELECT round(mlops.predict('Two ''p'' "日本"; /* -- */ \', r)::numeric, 9) AS from_subquery
FROM (SELECT 4 AS "日本 b\", 3 AS """a"" /* x */", 'ignored' AS "Y'); DROP TABLE victim; --") r;
-- names are matched exactly: no case folding, no trimming, no unquoting
SELECT pg_temp.err($$SELECT mlops.predict('TWO ''P'' "日本"; /* -- */ \', ARRAY[3, 4])$$);
SELECT pg_temp.err($$SELECT mlops.predict('Two ''p'' "日本"; /* -- */ \ ', ARRAY[3, 4])$$);
SELECT pg_temp.err($$SELECT mlops.predict('Two ''p'' "日本"; /* -- */ \', r) FROM (SELECT 3 AS "a /* x */", 4 AS "日本 b\") r$$);
SELECT pg_temp.err($$SELECT mlops.predict('Two ''p'' "日本"; /* -- */ \', r) FROM (SELECT 3 AS """a"" /* x */", 4 AS "日本 B\") r$$);
SELECT pg_temp.err($$SELECT mlops.predict('Two ''p'' "日本"; /* -- */ \', r) FROM (SELECT 3 AS """a"" /* x */", 'x' AS "日本 b\") r$$);
SELECT pg_temp.err($$SELECT mlops.predict('Two ''p'' "日本"; /* -- */ \', ARRAY[3, NULL])$$);
SELECT pg_temp.err($$SELECT mlops.predict('Two ''p'' "日本"; /* -- */ \', ARRAY[3])$$);

-- explain and evaluate
SELECT feature, value, round(contribution::numeric, 9) AS contribution
FROM mlops.explain('Two ''p'' "日本"; /* -- */ \', ARRAY[3, 4]);
SELECT metric, round(value::numeric, 9) AS value
FROM mlops.evaluate('Two ''p'' "日本"; /* -- */ \', '"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"');
-- on the decoy every error is 1000
SELECT metric, round(value::numeric, 9) AS value
FROM mlops.evaluate('Two ''p'' "日本"; /* -- */ \', '"x; DROP TABLE victim; --"') WHERE metric IN ('n', 'rmse');
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('Two ''p'' "日本"; /* -- */ \', 'victim')$$);

-- deploy, tags, export and import
SELECT version, strategy, reason FROM mlops.deploy('P''; DROP TABLE victim; --"\ é 日本', 1);
SELECT version, strategy, reason FROM mlops.deploy('P''; DROP TABLE victim; --"\ é 日本', 'rollback');
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('P''; DROP TABLE victim; --"\ é 日本', '1; DROP TABLE victim')$$);
SELECT mlops.tag_model(m.model_id, 'key ''"; DROP TABLE victim; -- 日本 \', 'value /* é */ \')
FROM mlops.deployed_models m WHERE m.project = 'Two ''p'' "日本"; /* -- */ \';
SELECT t.key, t.value FROM mlops.model_tags t JOIN mlops.deployed_models m USING (model_id)
WHERE m.project = 'Two ''p'' "日本"; /* -- */ \';
SELECT mlops.import_model('Imp "copy"; -- \ 日本', mlops.export_model(m.model_id)) IS NOT NULL AS imported
FROM mlops.deployed_models m WHERE m.project = 'Two ''p'' "日本"; /* -- */ \';
SELECT version, strategy FROM mlops.deploy('Imp "copy"; -- \ 日本', 'latest');
SELECT m.relation, m.target, m.features, m.params ->> 'incremental_column' AS incremental_column,
	   round(mlops.predict('Imp "copy"; -- \ 日本', ARRAY[3, 4])::numeric, 9) AS prediction
FROM mlops.deployed_models d JOIN mlops.models m USING (model_id) WHERE d.project = 'Imp "copy"; -- \ 日本';
SELECT metric, round(value::numeric, 9) AS value
FROM mlops.evaluate('Imp "copy"; -- \ 日本', '"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"') WHERE metric = 'rmse';

-- retrain: an incremental refit over the rows past the watermark, by the quoted column
INSERT INTO "Sch ""é"" 'q'; -- /* \"."x; DROP TABLE victim; --"
SELECT i, 1 + 2 * (i % 7) + 3 * ((i * 5) % 11), i % 7, (i * 5) % 11, 1 + i % 3, 'row ' || i
FROM generate_series(61, 120) i;
SELECT decision, reason FROM mlops.retrain('Two ''p'' "日本"; /* -- */ \', deploy => 'always');
SELECT m.version, m.watermark, ARRAY(SELECT round(c::numeric, 9) FROM unnest(m.coefficients) c) AS coef
FROM mlops.deployed_models d JOIN mlops.models m USING (model_id) WHERE d.project = 'Two ''p'' "日本"; /* -- */ \';
-- the weighted project refits in full
SELECT decision, challenger_model_id IS NOT NULL AS trained, error FROM mlops.retrain('P''; DROP TABLE victim; --"\ é 日本');
-- schedules need pg_cron, which the regression database does not have
SELECT pg_temp.err($$SELECT mlops.schedule_retrain('Two ''p'' "日本"; /* -- */ \', '* * * * *')$$);
SELECT pg_temp.err($$SELECT mlops.unschedule_retrain('Two ''p'' "日本"; /* -- */ \')$$);
SELECT pg_temp.err($$SELECT mlops.schedule_retrain('nope''; DROP TABLE victim; --', '* * * * *')$$);

-- monitor: the trigger gets the project name as its argument (quotes and a backslash) and logs
-- the inserted rows under the table's quoted, qualified name
CREATE TABLE "Sch ""é"" 'q'; -- /* \"."Live 'rows' ""日本""" (LIKE "Sch ""é"" 'q'; -- /* \"."x; DROP TABLE victim; --");
SELECT mlops.monitor('Two ''p'' "日本"; /* -- */ \', '"Sch ""é"" ''q''; -- /* \"."Live ''rows'' ""日本"""');
SELECT pg_temp.err($$SELECT mlops.monitor('Two ''p'' "日本"; /* -- */ \', '"Sch ""é"" ''q''; -- /* \"."Live ''rows'' ""日本"""')$$);
SELECT p.name, m.relation, m.trigger_name ~ '^mlops_drift_[0-9]+$' AS trigger_named
FROM mlops.monitors m JOIN mlops.projects p USING (project_id);
-- the trigger's argument, without its terminating zero byte, is the project name exactly
SELECT tgrelid::regclass, convert_from(substring(tgargs FROM 1 FOR length(tgargs) - 1), 'UTF8') AS tgargs,
	   convert_from(substring(tgargs FROM 1 FOR length(tgargs) - 1), 'UTF8') = 'Two ''p'' "日本"; /* -- */ \' AS same
FROM pg_trigger WHERE tgname LIKE 'mlops_drift_%';
SET mlops.drift_check_interval = 0;
INSERT INTO "Sch ""é"" 'q'; -- /* \"."Live 'rows' ""日本"""
SELECT * FROM "Sch ""é"" 'q'; -- /* \"."x; DROP TABLE victim; --" WHERE "Id'; SELECT 1; --" <= 30;
INSERT INTO "Sch ""é"" 'q'; -- /* \"."Live 'rows' ""日本""" ("""a"" /* x */", "日本 b\") VALUES (3, 4);
SELECT l.relation, l.n_rows, l.n, l.n_null, l.err_n FROM mlops.drift_log l ORDER BY l.log_id;
SELECT feature, n_live, null_rate_live FROM mlops.drift('Two ''p'' "日本"; /* -- */ \', '-infinity');
SELECT mlops.check_drift('Two ''p'' "日本"; /* -- */ \') AS alerts;
-- a table without one of the features
CREATE TABLE "Sch ""é"" 'q'; -- /* \"."narrow" ("""a"" /* x */" int);
SELECT pg_temp.err($$SELECT mlops.monitor('Two ''p'' "日本"; /* -- */ \', '"Sch ""é"" ''q''; -- /* \"."narrow"')$$);
SELECT pg_temp.err($$SELECT mlops.monitor('nope''; DROP TABLE victim; --', 'victim')$$);
SELECT pg_temp.err($$SELECT mlops.unmonitor('Two ''p'' "日本"; /* -- */ \', 'victim')$$);
SELECT pg_temp.err($$SELECT mlops.check_drift('nope''; DROP TABLE victim; --')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.drift('nope''; DROP TABLE victim; --')$$);
SELECT mlops.unmonitor('Two ''p'' "日本"; /* -- */ \', '"Sch ""é"" ''q''; -- /* \"."Live ''rows'' ""日本"""');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'mlops_drift_%';
-- drop_project drops the trigger of a monitored table too
SELECT mlops.monitor('P''; DROP TABLE victim; --"\ é 日本', '"Sch ""é"" ''q''; -- /* \"."Live ''rows'' ""日本"""');
SELECT mlops.drop_project('P''; DROP TABLE victim; --"\ é 日本');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'mlops_drift_%';
INSERT INTO "Sch ""é"" 'q'; -- /* \"."Live 'rows' ""日本""" ("""a"" /* x */", "日本 b\") VALUES (3, 4);
SELECT count(*) AS summaries FROM mlops.drift_log;
RESET mlops.drift_check_interval;

-- names that do not exist are errors that quote them, never SQL
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"', 'y''); DROP TABLE victim; --')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"', 'Y''); DROP TABLE victim; --', ARRAY['日本 B\'])$$);
-- (a text column is a categorical feature: its name and its levels reach the scans quoted)
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"', 'Y''); DROP TABLE victim; --', ARRAY['Note "txt"'], deploy => 'never')$$);
SELECT m.features, m.encoding -> 0 ->> 'column' AS encoded_column, m.encoding -> 0 ->> 'reference' AS reference
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'p';
SELECT mlops.drop_project('p');
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"', 'Y''); DROP TABLE victim; --', params => '{"weights": "w -- eight"}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"', 'Y''); DROP TABLE victim; --', params => '{"weights": "Note \"txt\""}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Sch ""é"" ''q''; -- /* \"."x; DROP TABLE victim; --"', 'Y''); DROP TABLE victim; --', params => '{"incremental_column": "id''; SELECT 1; --"}')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', 'Sch "é" ''q''; -- /* \.x; DROP TABLE victim; --', 'y')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.train('p', '"Sch ""é"" ''q''; -- /* \"."X; DROP TABLE victim; --"', 'y')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.evaluate('nope''; DROP TABLE victim; --', 'victim')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.explain('nope''; DROP TABLE victim; --', ARRAY[1])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.retrain('nope''; DROP TABLE victim; --')$$);
SELECT pg_temp.err($$SELECT mlops.import_model('nope''; DROP TABLE victim; --', '{"format": "x; DROP TABLE victim"}')$$);

-- Nothing was dropped or changed.
SELECT to_regclass('victim') IS NOT NULL AS victim_still_there,
	   (SELECT count(*) FROM "Sch ""é"" 'q'; -- /* \"."x; DROP TABLE victim; --") AS hostile_rows,
	   (SELECT count(*) FROM "x; DROP TABLE victim; --") AS decoy_rows;
SELECT mlops.drop_project('Two ''p'' "日本"; /* -- */ \');
SELECT mlops.drop_project('Imp "copy"; -- \ 日本');
SELECT name FROM mlops.projects ORDER BY 1;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA "Regress Ident; schema" CASCADE;
DROP SCHEMA "Sch ""é"" 'q'; -- /* \" CASCADE;
DROP EXTENSION mlops;
