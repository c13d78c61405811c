#!/usr/bin/env bash
# test/demo.sh: the life cycle of a model in mlops, step by step, on a throwaway cluster.
#
# Run it with `make demo` (which installs what is missing and builds first), or
# `bash test/demo.sh` once the extension is installed.  The cluster is removed at the end;
# with KEEP=1 (`make demo KEEP=1`) it keeps running and the script says how to reach it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
sharedir=$("$PG_CONFIG" --sharedir 2>/dev/null) || {
	echo "demo: $PG_CONFIG does not run; run: make demo" >&2
	exit 1
}
[ -f "$sharedir/extension/mlops.control" ] || {
	echo "demo: the extension is not installed; run: make demo" >&2
	exit 1
}

if [ "${KEEP:-0}" = 1 ]; then
	export MLOPS_CLUSTER_KEEP=1
fi
# shellcheck source=test/cluster.sh
. "$root/test/cluster.sh"

bold=""
plain=""
if [ -t 1 ]; then
	bold=$(printf '\033[1m')
	plain=$(printf '\033[0m')
fi

step=0
# A heading, then lines of explanation.
say() {
	step=$((step + 1))
	echo ""
	echo "${bold}== $step. $1 ==${plain}"
	shift
	for line in "$@"; do
		echo "   $line"
	done
	echo ""
}

# Runs SQL from standard input, echoing each statement before its result.
sql() {
	psql -X -q -v ON_ERROR_STOP=1 --echo-queries -P pager=off -P null='(null)'
}

say "Start a throwaway PostgreSQL 15 cluster" \
	"It lives in a new temporary directory and listens only on a Unix socket there."
mlops_cluster_start || exit 1
echo "   Running in $MLOPS_CLUSTER_DIR, port $PGPORT."

say "Install the extension" \
	"No shared_preload_libraries entry is needed: CREATE EXTENSION is enough." \
	"Everything lives in schema mlops."
sql <<'SQL'
CREATE EXTENSION mlops;
SELECT extname, extversion FROM pg_extension WHERE extname = 'mlops';
SQL

say "Make some data: 100,000 houses" \
	"Four features and a price made from a known formula plus noise:" \
	"  price = 50000 + 1500*area + 8000*rooms - 900*age - 3000*distance + noise (sd 10000)" \
	"The numbers come from md5 hashes of the row number, so every run gets the same table."
sql <<'SQL'
CREATE TABLE houses AS
WITH u AS (
    -- six independent uniform numbers in [0, 1) per row, from hashes of the row number
    SELECT i,
           ('x' || substr(md5(i || 'a'), 1, 8))::bit(32)::bigint / 4294967296.0 AS u1,
           ('x' || substr(md5(i || 'b'), 1, 8))::bit(32)::bigint / 4294967296.0 AS u2,
           ('x' || substr(md5(i || 'c'), 1, 8))::bit(32)::bigint / 4294967296.0 AS u3,
           ('x' || substr(md5(i || 'd'), 1, 8))::bit(32)::bigint / 4294967296.0 AS u4,
           ('x' || substr(md5(i || 'e'), 1, 8))::bit(32)::bigint / 4294967296.0 AS u5,
           ('x' || substr(md5(i || 'f'), 1, 8))::bit(32)::bigint / 4294967296.0 AS u6
    FROM generate_series(1, 100000) AS i
), f AS (
    SELECT i,
           round((40 + 160 * u1)::numeric, 1)::float8 AS area,                   -- m²
           greatest(1, least(7, floor(1 + (40 + 160 * u1) / 40 + 2 * u2 - 1)))::int AS rooms,
           floor(80 * u3)::int AS age,                                           -- years
           round((0.5 + 29.5 * u4)::numeric, 2)::float8 AS distance,             -- km to the centre
           -- standard normal noise (Box-Muller)
           sqrt(-2 * ln(1 - u5)) * cos(2 * pi() * u6) AS z
    FROM u
)
SELECT area, rooms, age, distance,
       round((50000 + 1500 * area + 8000 * rooms - 900 * age - 3000 * distance
              + 10000 * z)::numeric)::float8 AS price
FROM f
ORDER BY i;
ANALYZE houses;
SELECT * FROM houses LIMIT 5;
SQL

say "Train a model" \
	"One call reads the table once (in parallel where the planner chooses to), holds out" \
	"20% of the rows for testing (chosen by a hash of each row, so the split is deterministic)," \
	"fits ordinary least squares exactly (QR decomposition with LAPACK), stores the model as" \
	"version 1 of project 'houses' with its metrics, and deploys it, as no model was deployed."
sql <<'SQL'
SELECT model_id, project, version, algorithm, deployed, deploy_reason
FROM mlops.train('houses', 'houses', 'price', test_fraction => 0.2);
SQL

say "Look at its metrics" \
	"mlops.metrics keeps one row per model, split and metric; here pivoted per split."
sql <<'SQL'
SELECT m.version, x.split,
       max(x.value) FILTER (WHERE x.metric = 'n')::bigint AS n,
       round(max(x.value) FILTER (WHERE x.metric = 'rmse')::numeric, 1) AS rmse,
       round(max(x.value) FILTER (WHERE x.metric = 'mae')::numeric, 1) AS mae,
       round(max(x.value) FILTER (WHERE x.metric = 'r2')::numeric, 4) AS r2
FROM mlops.metrics x JOIN mlops.models m USING (model_id)
GROUP BY m.version, x.split
ORDER BY m.version, x.split DESC;
SQL

say "Look at its coefficients and their statistics" \
	"mlops.models.statistics holds the fit of the training split: coefficients, standard" \
	"errors, t statistics, p-values, R², condition number.  Compare with the formula above."
sql <<'SQL'
SELECT name AS term,
       round(coef::numeric, 1) AS coefficient,
       round(se::numeric, 1) AS std_error,
       round(t::numeric, 1) AS t_stat,
       p AS p_value,
       truth AS true_value
FROM mlops.models m,
     unnest(ARRAY['(intercept)'] || m.features,
            ARRAY(SELECT jsonb_array_elements_text(m.statistics -> 'coef'))::float8[],
            ARRAY(SELECT jsonb_array_elements_text(m.statistics -> 'std_err'))::float8[],
            ARRAY(SELECT jsonb_array_elements_text(m.statistics -> 't_stats'))::float8[],
            ARRAY(SELECT jsonb_array_elements_text(m.statistics -> 'p_values'))::float8[],
            ARRAY[50000, 1500, 8000, -900, -3000]) AS s(name, coef, se, t, p, truth)
WHERE m.version = 1;

SELECT round((statistics ->> 'r2')::numeric, 4) AS r2,
       round((statistics ->> 'residual_sd')::numeric, 1) AS residual_sd,
       round((statistics ->> 'condition_number')::numeric, 1) AS condition_number,
       statistics ->> 'n_rows' AS n_rows
FROM mlops.models WHERE version = 1;
SQL

say "The same fit as an aggregate" \
	"mlops.ols_fit(y, x) is an ordinary (parallel-safe) aggregate: x lists the model's columns," \
	"with a leading 1 for the intercept.  With GROUP BY it fits one model per group."
sql <<'SQL'
SELECT rooms, count(*) AS houses,
       round(((mlops.ols_fit(price, ARRAY[1, area, age, distance])).r2)::numeric, 4) AS r2
FROM houses GROUP BY rooms ORDER BY rooms;
SQL

say "See which model serves predictions" \
	"The view mlops.deployed_models names the model each project serves now."
sql <<'SQL'
SELECT project, version, algorithm, strategy, reason FROM mlops.deployed_models;
SQL

say "Predict" \
	"mlops.predict takes a row (its columns are matched to the features by name) or an array" \
	"of features in the model's order (area, rooms, age, distance)."
sql <<'SQL'
SELECT h.*, round(mlops.predict('houses', h)) AS predicted
FROM houses h LIMIT 5;

SELECT round(mlops.predict('houses', ARRAY[120, 3, 10, 5.5])) AS "a new 120 m², 3-room house";
SQL

say "Train a second version with fewer features" \
	"deploy => 'always' deploys it even though it is worse (by default, 'if_better', a new" \
	"version is deployed only when its test RMSE beats the deployed one's)."
sql <<'SQL'
SELECT model_id, version, deployed, deploy_reason
FROM mlops.train('houses', 'houses', 'price', features => ARRAY['area', 'rooms'], deploy => 'always');

SELECT project, version, reason FROM mlops.deployed_models;
SELECT round(mlops.predict('houses', ARRAY[120, 3])) AS "the same house, version 2";
SQL

say "A third version is not deployed when it is worse" \
	"With the default deploy => 'if_better' the new version must beat the deployed one."
sql <<'SQL'
SELECT version, deployed, deploy_reason
FROM mlops.train('houses', 'houses', 'price', features => ARRAY['area']);
SQL

say "Roll back" \
	"Version 2 is worse: go back to the version deployed before it."
sql <<'SQL'
SELECT project, version, strategy, reason FROM mlops.deploy('houses', 'rollback');
SELECT round(mlops.predict('houses', ARRAY[120, 3, 10, 5.5])) AS "the same house, version 1 again";
SQL

say "Deployments are transactional" \
	"A deployment inside a transaction that rolls back never happened: other sessions never" \
	"see it, and this one serves version 1 again after the ROLLBACK."
sql <<'SQL'
BEGIN;
SELECT project, version, strategy FROM mlops.deploy('houses', 2);
SELECT round(mlops.predict('houses', ARRAY[120, 3])) AS "inside the transaction: version 2";
ROLLBACK;
SELECT project, version FROM mlops.deployed_models;
SELECT round(mlops.predict('houses', ARRAY[120, 3, 10, 5.5])) AS "after the rollback: version 1";
SQL

say "The market changes: retrain, champion against challenger" \
	"Prices now rise by 5,000 more per room.  mlops.retrain trains a challenger with the" \
	"project's stored configuration (that of its latest training), scores it and the deployed" \
	"champion on the same hold-out of the current rows, and deploys it only if it is better." \
	"Every run is recorded in mlops.retrain_runs."
sql <<'SQL'
SELECT version, deployed FROM mlops.train('houses', 'houses', 'price', deploy => 'never');
UPDATE houses SET price = price + 5000 * rooms;
SELECT decision, score, round(champion_score) AS champion, round(challenger_score) AS challenger, reason
FROM mlops.retrain('houses');
SQL

say "Retrain on a schedule with pg_cron" \
	"pg_cron (preloaded in this cluster, serving this database) runs the retraining every" \
	"minute.  The prices rise once more; the next run, at the start of the next minute," \
	"retrains and deploys the better model by itself."
sql <<'SQL'
CREATE EXTENSION pg_cron;
SELECT mlops.schedule_retrain('houses', '* * * * *') AS pg_cron_job;
UPDATE houses SET price = price + 3000 * rooms;
SQL
echo "   Waiting for pg_cron's next minute ..."
for _ in $(seq 1 150); do
	n=$(psql -X -A -t -c "SELECT count(*) FROM mlops.retrain_runs WHERE triggered_by = 'schedule'")
	[ "$n" -ge 1 ] && break
	sleep 1
done
sql <<'SQL'
SELECT run_id, triggered_by, champion_version, challenger_version, decision,
       round(champion_score) AS champion, round(challenger_score) AS challenger,
       date_trunc('second', duration) AS duration
FROM mlops.retrain_history ORDER BY run_id;
SELECT mlops.unschedule_retrain('houses');
SQL

say "The history of deployments" \
	"mlops.deployments keeps every decision, with who made it, when and why."
sql <<'SQL'
SELECT d.deployment_id, m.version, d.strategy, d.reason, d.deployed_by,
       to_char(d.deployed_at, 'HH24:MI:SS') AS at
FROM mlops.deployments d JOIN mlops.models m USING (model_id)
ORDER BY d.deployment_id;
SQL

echo ""
if [ "${KEEP:-0}" = 1 ]; then
	echo "${bold}The cluster keeps running (KEEP=1).${plain}"
	mlops_cluster_connect_hint
else
	echo "${bold}Done.${plain} The cluster is now stopped and removed (run 'make demo KEEP=1' to keep it)."
fi
