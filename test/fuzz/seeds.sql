-- test/fuzz/seeds.sql: models whose exports seed the import_model harness, and fit states
-- that seed the fit state harnesses.  test/fuzz/run.sh runs it in a scratch database and
-- reads the tables fuzz_docs (one document a row) and fuzz_states (text and binary forms).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;

CREATE TABLE flats AS
SELECT i AS id,
       (30 + (i * 37) % 90)::float8 AS area,
       1 + (i * 7) % 4 AS rooms,
       (i * 13) % 60 AS age,
       (1 + (i * 11) % 5)::float8 AS w,
       (20000 + 3000 * (30 + (i * 37) % 90) + 5000 * (1 + (i * 7) % 4)
        - 400 * ((i * 13) % 60) + 50 * ((i * 7919) % 401 - 200))::float8 AS price
FROM generate_series(1, 300) AS i;
UPDATE flats SET age = NULL WHERE id % 97 = 0;
CREATE TABLE flats_new AS SELECT * FROM flats WHERE id % 3 = 0 AND age IS NOT NULL;

-- Several kinds of model; a kind that this version of train refuses is left out.
CREATE TABLE fuzz_params (i int, features text[], params jsonb, test_fraction float8);
INSERT INTO fuzz_params VALUES
	(1, ARRAY['area', 'rooms', 'age'], '{}', 0.2),
	(2, ARRAY['area'], '{"intercept": false}', 0),
	(3, ARRAY['area', 'rooms'], '{"margin": 0.05, "nulls": "skip"}', 0.3),
	(4, ARRAY['area', 'rooms', 'age'], '{"folds": 3}', 0.2),
	(5, ARRAY['area', 'rooms'], '{"weights": "w", "robust": "HC1"}', 0.2),
	(6, ARRAY['area', 'rooms', 'age'], '{"incremental_column": "id", "drop_collinear": true}', 0.1),
	(7, ARRAY['area', 'age'], '{"bins": 5}', 0.2);

DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT * FROM fuzz_params ORDER BY i LOOP
		BEGIN
			PERFORM mlops.train('seed' || r.i, 'flats', 'price', r.features, 'linear', r.params,
								r.test_fraction, 'always');
		EXCEPTION WHEN OTHERS THEN
			RAISE WARNING 'seed model % (params %) not trained: %', r.i, r.params, SQLERRM;
		END;
	END LOOP;
END $$;
SELECT count(*) > 0 FROM mlops.evaluate('seed1', 'flats_new');

CREATE TABLE fuzz_docs (name text, doc jsonb);
INSERT INTO fuzz_docs
SELECT p.name, mlops.export_model(m.model_id)
FROM mlops.models m JOIN mlops.projects p USING (project_id);
-- the smallest documents import_model accepts
INSERT INTO fuzz_docs
SELECT name || '_minimal', doc - 'statistics' - 'state' - 'metrics' - 'version' - 'project' - 'trained_at'
FROM fuzz_docs WHERE name = 'seed1';
INSERT INTO fuzz_docs
SELECT name || '_nulls', doc || '{"statistics": null, "state": null, "metrics": null, "version": null, "project": null, "trained_at": null}'
FROM fuzz_docs WHERE name = 'seed2';

CREATE TABLE fuzz_states (name text, st mlops.fitstate);
INSERT INTO fuzz_states
SELECT 'x' || k, mlops.fit_state(price, (ARRAY[1, area, rooms, age, area * rooms])[1:k])
FROM flats, generate_series(1, 5) AS k
WHERE age IS NOT NULL
GROUP BY k;
INSERT INTO fuzz_states
SELECT 'weighted', mlops.fit_state(price, ARRAY[1, area], w) FROM flats;
INSERT INTO fuzz_states
SELECT 'few_rows', mlops.fit_state(price, ARRAY[1, area, rooms]) FROM flats WHERE id <= 2;
INSERT INTO fuzz_states
SELECT 'no_columns', mlops.fit_state(price, NULL::float8[]) FROM flats WHERE id <= 5;
INSERT INTO fuzz_states SELECT 'example', 'v1:1:4:0:1:400000000000000040080000000000004010000000000000';
