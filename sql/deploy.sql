-- mlops.deploy: versions, best, latest, rollback; the registry view; drop_project
CREATE EXTENSION mlops;
CREATE SCHEMA regress_deploy;
SET search_path = regress_deploy;

\i sql/include/err.sql
-- Three versions whose test errors are ordered by design: version 2 fits exactly,
-- version 1 leaves out c, version 3 leaves out b and c.
CREATE TABLE t (a int, b float8, c float8, y float8);
INSERT INTO t SELECT i % 13, (i * 7) % 11, (i * 5) % 9, 3 + 2 * (i % 13) - (i * 7) % 11 + ((i * 5) % 9) / 2.0
FROM generate_series(1, 500) i;
SELECT version, deployed, deploy_reason FROM mlops.train('d', 't', 'y', ARRAY['a', 'b']);
SELECT version, deployed FROM mlops.train('d', 't', 'y', ARRAY['a', 'b', 'c'], deploy => 'never');
SELECT version, deployed FROM mlops.train('d', 't', 'y', ARRAY['a'], deploy => 'never');
SELECT project, version, algorithm, strategy, reason FROM mlops.deployed_models;

SELECT project, version, strategy, reason FROM mlops.deploy('d', 'best');
SELECT project, version, strategy, reason FROM mlops.deploy('d', 'latest');
SELECT project, version, strategy, reason FROM mlops.deploy('d', 1);
-- Rollback walks back through the history: 1 -> 3 -> 2 -> 1.
SELECT project, version, strategy, reason FROM mlops.deploy('d', 'rollback');
SELECT project, version, strategy, reason FROM mlops.deploy('d', 'rollback');
SELECT project, version, strategy, reason FROM mlops.deploy('d', 'rollback');
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('d', 'rollback')$$);
SELECT m.version, d.strategy, d.deployed_by = current_user AS by_me
FROM mlops.deployments d JOIN mlops.models m USING (model_id) ORDER BY d.deployment_id;

-- Errors
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('d', 7)$$);
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('d', 'newest')$$);
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('nope', 1)$$);
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('nope', 'best')$$);

-- best ranks by test RMSE among the versions that have one: version 2 below fits
-- the noise exactly, but without a hold-out, so its training RMSE does not count.
CREATE TABLE noisy AS SELECT i % 10 AS a, ((i * 7919) % 13)::float8 AS z,
	1 + i % 10 + ((i * 7919) % 13) / 10.0 AS y FROM generate_series(1, 300) i;
SELECT version, deployed FROM mlops.train('noisy', 'noisy', 'y', ARRAY['a']);
SELECT version, deployed FROM mlops.train('noisy', 'noisy', 'y', ARRAY['a', 'z'], test_fraction => 0, deploy => 'never');
SELECT project, version, reason FROM mlops.deploy('noisy', 'best');

-- drop_project removes the project with its models, metrics and deployments.
SELECT mlops.drop_project('d');
SELECT mlops.drop_project('noisy');
SELECT (SELECT count(*) FROM mlops.projects) AS projects, (SELECT count(*) FROM mlops.models) AS models,
	   (SELECT count(*) FROM mlops.metrics) AS metrics, (SELECT count(*) FROM mlops.deployments) AS deployments;
SELECT pg_temp.err($$SELECT mlops.drop_project('d')$$);
SELECT pg_temp.err($$SELECT mlops.predict('d', ARRAY[1, 2])$$);

-- The registry tables are kept by pg_dump.
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS x(oid) JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'mlops' ORDER BY 1;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_deploy CASCADE;
DROP EXTENSION mlops;
