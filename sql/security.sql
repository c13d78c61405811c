-- Privileges: project owners, grants, row-level security, invoker rights
CREATE EXTENSION mlops;
CREATE SCHEMA regress_security;
SET search_path = regress_security;

\i sql/include/err.sql

SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_mlops_alice, regress_mlops_bob, regress_mlops_carol, regress_mlops_dave;
RESET client_min_messages;
CREATE ROLE regress_mlops_alice;
CREATE ROLE regress_mlops_bob;
CREATE ROLE regress_mlops_carol;
CREATE ROLE regress_mlops_dave IN ROLE regress_mlops_alice;	-- a member of alice
GRANT USAGE, CREATE ON SCHEMA regress_security TO regress_mlops_alice, regress_mlops_bob, regress_mlops_carol, regress_mlops_dave;
GRANT EXECUTE ON FUNCTION pg_temp.err(text) TO PUBLIC;

-- alice's data and project
SET ROLE regress_mlops_alice;
CREATE TABLE salaries AS SELECT i AS years, (30000 + 1000 * i + (i * 7919) % 500)::float8 AS salary
FROM generate_series(1, 200) i;
SELECT version, deployed FROM mlops.train('salary', 'salaries', 'salary', ARRAY['years']);
SELECT name, owner FROM mlops.projects;
RESET ROLE;

-- bob may do nothing with it: he does not see it, cannot predict, train, deploy or drop it
SET ROLE regress_mlops_bob;
SELECT count(*) AS projects, (SELECT count(*) FROM mlops.models) AS models, (SELECT count(*) FROM mlops.metrics) AS metrics,
	   (SELECT count(*) FROM mlops.baselines) AS baselines, (SELECT count(*) FROM mlops.deployed_models) AS deployed
FROM mlops.projects;
SELECT pg_temp.err($$SELECT mlops.predict('salary', ARRAY[10])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('salary', 'latest')$$);
SELECT pg_temp.err($$SELECT mlops.drop_project('salary')$$);
SELECT pg_temp.err($$SELECT mlops.grant('salary', 'regress_mlops_bob', 'train')$$);
CREATE TABLE bob_data AS SELECT * FROM generate_series(1, 50) years, LATERAL (SELECT years * 2.0 AS salary) s;
SELECT pg_temp.err($$SELECT * FROM mlops.train('salary', 'bob_data', 'salary', ARRAY['years'])$$);
-- nor write the registry directly: row-level security and column privileges
SELECT pg_temp.err($$INSERT INTO mlops.deployments (project_id, model_id, strategy, reason) SELECT 1, 1, 'version', 'x'$$);
SELECT pg_temp.err($$UPDATE mlops.projects SET owner = current_user$$);
SELECT pg_temp.err($$DELETE FROM mlops.models$$);
SELECT pg_temp.err($$INSERT INTO mlops.project_grants (project_id, grantee, privilege) VALUES (1, 'regress_mlops_bob', 'train')$$);
-- bob's own project is his
SELECT version FROM mlops.train('bobs', 'bob_data', 'salary', ARRAY['years'], test_fraction => 0);
SELECT name, owner FROM mlops.projects ORDER BY name;
RESET ROLE;
SELECT count(*) AS models_bob_could_not_delete FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'salary';

-- predict: bob predicts, without being able to read the training table
SET ROLE regress_mlops_alice;
SELECT mlops.grant('salary', 'regress_mlops_bob', 'predict');
SELECT grantee, privilege FROM mlops.project_grants;
RESET ROLE;
SET ROLE regress_mlops_bob;
SELECT pg_temp.err($$SELECT count(*) FROM regress_security.salaries$$);
SELECT round(mlops.predict('salary', ARRAY[10])::numeric, -2) AS prediction;
SELECT count(*) AS models_seen FROM mlops.models;
SELECT name FROM mlops.projects ORDER BY name;
SELECT (mlops.export_model(model_id) ->> 'project') AS exported FROM mlops.deployed_models WHERE project = 'salary';
SELECT pg_temp.err($$SELECT * FROM mlops.train('salary', 'bob_data', 'salary', ARRAY['years'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('salary', 'latest')$$);
SELECT pg_temp.err($$SELECT mlops.tag_model((SELECT model_id FROM mlops.deployed_models WHERE project = 'salary'), 'stage', 'x')$$);
RESET ROLE;

-- train: carol trains (on data she may read), but only the owner deploys
SET ROLE regress_mlops_alice;
SELECT mlops.grant('salary', 'regress_mlops_carol', 'train');
GRANT SELECT ON salaries TO regress_mlops_carol;
RESET ROLE;
SET ROLE regress_mlops_carol;
SELECT version, deployed FROM mlops.train('salary', 'salaries', 'salary', ARRAY['years'], deploy => 'never');
SELECT pg_temp.err($$SELECT * FROM mlops.train('salary', 'salaries', 'salary', ARRAY['years'])$$);
SELECT pg_temp.err($$SELECT * FROM mlops.deploy('salary', 'latest')$$);
SELECT pg_temp.err($$SELECT mlops.drop_project('salary')$$);
SELECT pg_temp.err($$SELECT mlops.grant('salary', 'regress_mlops_bob', 'train')$$);
SELECT decision FROM mlops.retrain('salary', deploy => 'never');
SELECT pg_temp.err($$SELECT * FROM mlops.retrain('salary')$$);
SELECT mlops.tag_model((SELECT max(model_id) FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'salary'), 'stage', 'candidate');
-- training reads data with the caller's privileges: carol cannot train on bob's table
SELECT pg_temp.err($$SELECT * FROM mlops.train('salary', 'bob_data', 'salary', ARRAY['years'], deploy => 'never')$$);
RESET ROLE;

-- a member of the owning role is an owner: dave deploys
SET ROLE regress_mlops_dave;
SELECT version, strategy FROM mlops.deploy('salary', 'latest');
RESET ROLE;

-- revoke: bob's next predict no longer sees the project (the caches forget it)
SET ROLE regress_mlops_bob;
SELECT round(mlops.predict('salary', ARRAY[10])::numeric, -2) AS prediction;
RESET ROLE;
SET ROLE regress_mlops_alice;
SELECT mlops.revoke('salary', 'regress_mlops_bob', 'predict');
RESET ROLE;
SET ROLE regress_mlops_bob;
SELECT pg_temp.err($$SELECT mlops.predict('salary', ARRAY[10])$$);
RESET ROLE;

-- public: every role may predict
SET ROLE regress_mlops_alice;
SELECT mlops.grant('salary', 'public', 'predict');
RESET ROLE;
SET ROLE regress_mlops_bob;
SELECT round(mlops.predict('salary', ARRAY[10])::numeric, -2) AS prediction;
RESET ROLE;

-- the superuser sees every project; errors of grant and revoke
SELECT name, owner FROM mlops.projects ORDER BY name;
SELECT pg_temp.err($$SELECT mlops.grant('salary', 'regress_mlops_nobody', 'predict')$$);
SELECT pg_temp.err($$SELECT mlops.grant('salary', 'regress_mlops_bob', 'deploy')$$);
SELECT pg_temp.err($$SELECT mlops.grant('nope', 'regress_mlops_bob', 'predict')$$);
SELECT pg_temp.err($$SELECT mlops.grant(NULL, 'regress_mlops_bob', 'predict')$$);
SELECT pg_temp.err($$SELECT mlops.revoke('salary', 'regress_mlops_bob', 'owner')$$);

-- the only SECURITY DEFINER functions pin search_path; every SQL and PL/pgSQL function pins it
SELECT p.oid::regprocedure AS function FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'mlops' AND p.prosecdef ORDER BY 1;
SELECT p.oid::regprocedure AS unpinned FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = 'mlops' AND (l.lanname IN ('sql', 'plpgsql') OR p.prosecdef)
  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
ORDER BY 1;

-- A hostile search_path: look-alike functions and operators planted in a schema that comes
-- first and in public would log their calls; none of them is called.
CREATE SCHEMA regress_evil;
CREATE TABLE regress_evil.calls (what text);
CREATE FUNCTION regress_evil.hijack(what text) RETURNS boolean LANGUAGE sql AS
	$$ INSERT INTO regress_evil.calls VALUES (what) RETURNING true $$;
CREATE FUNCTION regress_evil.texteq(a text, b text) RETURNS boolean LANGUAGE sql AS
	$$ SELECT regress_evil.hijack('text =') AND a OPERATOR(pg_catalog.=) b $$;
CREATE OPERATOR regress_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_evil.texteq);
CREATE FUNCTION regress_evil.f8pl(a float8, b float8) RETURNS float8 LANGUAGE sql AS
	$$ SELECT CASE WHEN regress_evil.hijack('float8 +') THEN a OPERATOR(pg_catalog.+) b END $$;
CREATE OPERATOR regress_evil.+ (LEFTARG = float8, RIGHTARG = float8, FUNCTION = regress_evil.f8pl);
CREATE FUNCTION regress_evil.format(text, text) RETURNS text LANGUAGE sql AS
	$$ SELECT CASE WHEN regress_evil.hijack('format') THEN $1 END $$;
CREATE FUNCTION regress_evil.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE sql AS
	$$ SELECT CASE WHEN regress_evil.hijack('jsonb_build_object') THEN '{}'::jsonb END $$;
CREATE FUNCTION regress_evil.sqrt(float8) RETURNS float8 LANGUAGE sql AS
	$$ SELECT CASE WHEN regress_evil.hijack('sqrt') THEN 0::float8 END $$;
CREATE FUNCTION public.quote_ident(text) RETURNS text LANGUAGE sql AS
	$$ SELECT CASE WHEN regress_evil.hijack('quote_ident') THEN $1 END $$;
CREATE FUNCTION public.coalesce_hijack(anyelement) RETURNS anyelement LANGUAGE sql AS $$ SELECT $1 $$;
CREATE TABLE regress_evil.live (years int, salary float8);
-- (pg_catalog after them, so that the look-alikes win where a name is looked up: see the control)
SET search_path = regress_evil, public, pg_catalog, regress_security;
SELECT 'a' = 'a' AS control, sqrt(4::float8) AS control_sqrt;
SELECT count(*) AS control_calls FROM regress_evil.calls;
TRUNCATE regress_evil.calls;
SELECT version FROM mlops.train('hostile', 'salaries', 'salary', ARRAY['years'], params => '{"folds": 3, "robust": "HC1"}');
SELECT mlops.predict('hostile', ARRAY[10]) > 0 AS predicted;
SELECT version FROM mlops.deploy('hostile', 'latest');
SELECT count(*) > 0 AS evaluated FROM mlops.evaluate('hostile', 'salaries');
SELECT mlops.import_model('hostile_copy', mlops.export_model(model_id)) > 0 AS imported FROM mlops.deployed_models WHERE project OPERATOR(pg_catalog.=) 'hostile';
SELECT decision FROM mlops.retrain('hostile');
SELECT mlops.monitor('hostile', 'regress_evil.live');
INSERT INTO regress_evil.live SELECT years, salary FROM salaries;
SELECT count(*) > 0 AS drift_rows FROM mlops.drift('hostile', '-infinity');
SELECT mlops.check_drift('hostile') >= 0 AS checked;
SELECT mlops.grant('hostile', 'public', 'predict');
SELECT mlops.drop_project('hostile');
SELECT mlops.drop_project('hostile_copy');
RESET search_path;
SET search_path = regress_security;
SELECT count(*) AS hijacked_calls, string_agg(DISTINCT what, ', ') AS which FROM regress_evil.calls;
DROP SCHEMA regress_evil CASCADE;
DROP FUNCTION public.quote_ident(text), public.coalesce_hijack(anyelement);

SELECT mlops.drop_project('salary');
SELECT mlops.drop_project('bobs');
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_security CASCADE;
DROP EXTENSION mlops;
DROP ROLE regress_mlops_alice, regress_mlops_bob, regress_mlops_carol, regress_mlops_dave;
