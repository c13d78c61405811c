-- The registry rows; a failing call must leave them as they were.
CREATE FUNCTION pg_temp.registry() RETURNS text LANGUAGE sql AS $$
	SELECT format('rows: projects %s, models %s, metrics %s, baselines %s, deployments %s',
				  (SELECT count(*) FROM mlops.projects), (SELECT count(*) FROM mlops.models),
				  (SELECT count(*) FROM mlops.metrics), (SELECT count(*) FROM mlops.baselines),
				  (SELECT count(*) FROM mlops.deployments))
$$;
-- The error of a call, then the registry rows after it.
CREATE FUNCTION pg_temp.err_rows(q text) RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.err(q) || E'\n' || pg_temp.registry()
$$;
