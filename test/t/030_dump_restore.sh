#!/bin/bash
# pg_dump keeps the registry: a database with trained, deployed models is dumped
# and restored into a new database, where the models, metrics and deployment
# history are the same, predictions are identical, and new versions continue
# the numbering (the identity sequences were dumped too).
#
# Runs against the cluster named by PGHOST/PGPORT/PGUSER.
set -u
SRC=mlops_t_dump_src
DST=mlops_t_dump_dst

. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

q() {
	local db=$1
	shift
	psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

dropdb --if-exists "$SRC" && dropdb --if-exists "$DST" && createdb "$SRC" && createdb "$DST" || exit 2

# y = 2 + 3a - b exactly, then a second version on half the features
q "$SRC" <<'SQL' >/dev/null || exit 2
CREATE EXTENSION mlops;
CREATE TABLE t AS SELECT i, (i % 17)::float8 AS a, ((i * 7) % 13)::float8 AS b,
	(2 + 3 * (i % 17) - (i * 7) % 13)::float8 AS y FROM generate_series(1, 2000) i;
SELECT * FROM mlops.train('dumped', 't', 'y', ARRAY['a', 'b']);
SELECT * FROM mlops.train('dumped', 't', 'y', ARRAY['a'], deploy => 'always');
SELECT * FROM mlops.deploy('dumped', 'rollback');
SQL

registry="SELECT p.name, m.version, m.features, m.coefficients, m.state::text, m.statistics
	FROM mlops.models m JOIN mlops.projects p USING (project_id) ORDER BY 1, 2;
	SELECT model_id, split, metric, value FROM mlops.metrics ORDER BY 1, 2, 3;
	SELECT d.deployment_id, d.model_id, d.strategy, d.reason FROM mlops.deployments d ORDER BY 1;
	SELECT project, version FROM mlops.deployed_models;
	SELECT mlops.predict('dumped', ARRAY[1.5, 2.5]);"

q "$SRC" -c "$registry" >"$work/before" || exit 2
pg_dump -Fc -d "$SRC" -f "$work/dump" || { fail "pg_dump failed"; exit 1; }
pg_restore -d "$DST" "$work/dump" 2>"$work/restore.err" || { cat "$work/restore.err"; fail "pg_restore failed"; }
q "$DST" -c "$registry" >"$work/after" 2>&1 || fail "reading the restored registry failed"
if ! diff -u "$work/before" "$work/after"; then
	fail "the restored registry differs from the dumped one"
fi
if [ "$(wc -l <"$work/before")" -lt 10 ]; then
	fail "the registry read back almost nothing: $(cat "$work/before")"
fi

# a new version after the restore continues the numbering and gets a fresh model_id
out=$(q "$DST" -c "SELECT version, model_id > 2 FROM mlops.train('dumped', 't', 'y', ARRAY['a', 'b'], deploy => 'never')" 2>&1)
if [ "$out" != "3|t" ]; then
	fail "training after the restore gave '$out', expected version 3 with a new model_id"
fi

dropdb "$SRC"
dropdb "$DST"
if [ "$failures" -gt 0 ]; then
	echo "030_dump_restore: $failures failure(s)"
	exit 1
fi
echo "030_dump_restore: registry, metrics, deployments and predictions survive pg_dump/pg_restore"
