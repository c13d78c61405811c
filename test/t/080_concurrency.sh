#!/bin/bash
# Trainings, deployments and predictions of one project from 8 clients at once.
#
# pgbench (-c 8 -j 2) runs for $DURATION s a weighted mix of scripts on project "conc":
#   predict        INSERT INTO plog SELECT mlops.predict('conc', x0), and the deployment that
#                  mlops.deployed_models shows in the same statement (same snapshot)
#   train_never    mlops.train(..., deploy => 'never')
#   train_better   mlops.train(..., deploy => 'if_better')
#   train_abort    BEGIN; mlops.train(..., deploy => 'always'); predict; ROLLBACK
#   deploy_latest  mlops.deploy('conc', 'latest')
#   deploy_best    mlops.deploy('conc', 'best')
#   deploy_version mlops.deploy('conc', version => a random existing version)
#   rollback       mlops.deploy('conc', 'rollback')
# Every train reads the view trv, whose target is that of table tr (2,000 rows) plus a
# shift taken from a sequence in the training's own transaction, so every model, committed
# or rolled back, predicts at x0 a value (about the shift) that no other model predicts.
# The calls go through wrappers that record each outcome in the table outcome and catch
# only the one documented error a call of this mix can meet: 55000 "project % has no
# earlier deployment to roll back to" (counted); any other error aborts the pgbench client
# and fails the test.
#
# Then:
#   - pgbench: exit status 0, no aborted client, no failed transaction, no ERROR;
#   - versions: unique per project and exactly 1..count (a rolled-back training uses up no
#     version number), one per committed training (outcome), none of a rolled-back one;
#   - every deployment references a model of its own project; the deployments are the
#     initial one, one per successful deploy call and one per training that said deployed;
#     the deployed trainings are exactly those with strategy if_better;
#   - the models predict distinct values at x0;
#   - every logged prediction equals mlops.predict(model_id, x0) of a model that has a
#     committed row in mlops.deployments (never that of a rolled-back training, never one
#     only trained with deploy => 'never' and not deployed later);
#   - stricter: every logged prediction is that of the model that mlops.deployed_models showed
#     in the same statement (reference.md, "Caching and visibility").
#
# Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
set -u
DB=mlops_t_concurrency
DURATION=${MLOPS_CONC_DURATION:-60}
X0="ARRAY[0.5, 2.0]::float8[]"

# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

new_db

echo "== setup: table tr (2,000 rows), view trv, wrappers, version 1 deployed"
q >/dev/null <<'EOF' || { echo "setup failed" >&2; exit 2; }
CREATE EXTENSION mlops;
SELECT setseed(0.5);
CREATE TABLE tr AS
SELECT x1, x2, 1 + 2 * x1 - x2 + (random() - 0.5) AS y
FROM (SELECT random() AS x1, 1 + 4 * random() AS x2 FROM generate_series(1, 2000)) s;
CREATE SEQUENCE shift_seq;
-- the shift of the training running in this transaction (0 outside one)
CREATE VIEW trv AS
SELECT x1, x2, y + coalesce(nullif(current_setting('conc.shift', true), ''), '0')::float8 AS y FROM tr;

-- what every call did: kind, ok or the SQLSTATE caught, the model it made or deployed
CREATE TABLE outcome (
	id bigserial PRIMARY KEY,
	client int,
	kind text NOT NULL,
	sqlstate text NOT NULL,
	message text,
	model_id bigint,
	version int,
	deployed boolean,
	shift bigint,
	at timestamptz DEFAULT clock_timestamp()
);
-- every prediction, with the deployment mlops.deployed_models shows in the same statement
CREATE UNLOGGED TABLE plog (
	id bigserial PRIMARY KEY,
	client int,
	pred float8,
	dep_model bigint,
	dep_id bigint,
	at timestamptz DEFAULT clock_timestamp()
);
-- predictions made inside the rolled-back trainings (the table is written in the same
-- transaction, so these rows roll back too; kept only to show the model was used there)
CREATE TABLE abort_seen (model_id bigint, pred float8);

CREATE FUNCTION conc_train(p_client int, p_mode text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	s bigint := nextval('shift_seq');
	r record;
BEGIN
	PERFORM set_config('conc.shift', s::text, true);
	SELECT * INTO r FROM mlops.train('conc', 'trv', 'y', ARRAY['x1', 'x2'], deploy => p_mode);
	INSERT INTO outcome (client, kind, sqlstate, model_id, version, deployed, shift)
	VALUES (p_client, 'train_' || p_mode, 'ok', r.model_id, r.version, r.deployed, s);
END;
$$;

CREATE FUNCTION conc_deploy(p_client int, p_kind text, p_strategy text, p_version int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	IF p_version IS NOT NULL THEN
		SELECT * INTO r FROM mlops.deploy('conc', p_version);
	ELSE
		SELECT * INTO r FROM mlops.deploy('conc', p_strategy);
	END IF;
	INSERT INTO outcome (client, kind, sqlstate, model_id, version, deployed)
	VALUES (p_client, p_kind, 'ok', r.model_id, r.version, true);
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	-- documented for rollback only: "project % has no earlier deployment to roll back to"
	IF p_strategy IS DISTINCT FROM 'rollback' OR SQLERRM NOT LIKE '%has no earlier deployment to roll back to' THEN
		RAISE;
	END IF;
	INSERT INTO outcome (client, kind, sqlstate, message) VALUES (p_client, p_kind, SQLSTATE, SQLERRM);
END;
$$;

SELECT set_config('conc.shift', nextval('shift_seq')::text, false);
INSERT INTO outcome (kind, sqlstate, model_id, version, deployed, shift)
SELECT 'setup', 'ok', model_id, version, deployed, currval('shift_seq')
FROM mlops.train('conc', 'trv', 'y', ARRAY['x1', 'x2'], deploy => 'always');
EOF
# deployments made before pgbench
initial_deps=$(q -c "SELECT count(*) FROM mlops.deployments") || exit 2

cat >"$work/predict.sql" <<EOF
INSERT INTO plog (client, pred, dep_model, dep_id)
SELECT :client_id, mlops.predict('conc', $X0), d.model_id, d.deployment_id
FROM (VALUES (1)) one LEFT JOIN mlops.deployed_models d ON d.project = 'conc';
EOF
cat >"$work/train_never.sql" <<'EOF'
SELECT conc_train(:client_id, 'never');
EOF
cat >"$work/train_better.sql" <<'EOF'
SELECT conc_train(:client_id, 'if_better');
EOF
# A training that deploys, predicts with its model in its own transaction, and rolls back.
# The train comes first in the transaction; the set_config of the shift is local to it.
cat >"$work/train_abort.sql" <<EOF
BEGIN;
SELECT set_config('conc.shift', nextval('shift_seq')::text, true);
SELECT version FROM mlops.train('conc', 'trv', 'y', ARRAY['x1', 'x2'], deploy => 'always');
INSERT INTO abort_seen SELECT d.model_id, mlops.predict('conc', $X0) FROM mlops.deployed_models d WHERE d.project = 'conc';
ROLLBACK;
EOF
cat >"$work/deploy_latest.sql" <<'EOF'
SELECT conc_deploy(:client_id, 'deploy_latest', 'latest', NULL);
EOF
cat >"$work/deploy_best.sql" <<'EOF'
SELECT conc_deploy(:client_id, 'deploy_best', 'best', NULL);
EOF
cat >"$work/deploy_version.sql" <<'EOF'
SELECT conc_deploy(:client_id, 'deploy_version', NULL,
				   (SELECT m.version FROM mlops.models m JOIN mlops.projects p USING (project_id)
					WHERE p.name = 'conc' ORDER BY random() LIMIT 1));
EOF
cat >"$work/rollback.sql" <<'EOF'
SELECT conc_deploy(:client_id, 'rollback', 'rollback', NULL);
EOF

scripts=(predict@40 train_never@3 train_better@3 train_abort@2 deploy_latest@1 deploy_best@1 deploy_version@1 rollback@3)
args=()
for s in "${scripts[@]}"; do
	args+=(-f "$work/${s%@*}.sql@${s#*@}")
done

echo "== pgbench: 8 clients, 2 threads, $DURATION s: ${scripts[*]}"
pgbench -n -c 8 -j 2 -T "$DURATION" --failures-detailed -d "$DB" "${args[@]}" \
	>"$work/pgbench.out" 2>"$work/pgbench.err"
rc=$?
grep -E '^(number of (transactions actually processed|failed transactions|transactions retried)|tps|latency average|  number of)' \
	"$work/pgbench.out" | sed 's/^/   /'
if [ $rc -ne 0 ]; then
	fail "pgbench exited with status $rc:
$(head -n 40 "$work/pgbench.err")"
fi
grep -E 'ERROR|FATAL|aborted' "$work/pgbench.err" | head -n 20 | sed 's/^/   pgbench: /'
grep -q -E 'ERROR|FATAL|aborted' "$work/pgbench.err" && fail "pgbench reported errors (above)"
grep -q '^number of failed transactions: 0 ' "$work/pgbench.out" ||
	fail "pgbench reports failed transactions (or no count of them)"

# transactions per script: "SQL script N: file" followed by " - T transactions (...)"
tx_of() {
	awk -v f="$1" '
		/^SQL script [0-9]+:/ { cur = ($NF == f) }
		cur && / - [0-9]+ transactions/ { for (i = 1; i <= NF; i++) if ($i == "transactions") { print $(i - 1); exit } }
	' "$work/pgbench.out"
}
declare -A tx
echo "   transactions per script:"
for s in "${scripts[@]}"; do
	name=${s%@*}
	tx[$name]=$(tx_of "$work/$name.sql")
	lat=$(awk -v f="$work/$name.sql" '
		/^SQL script [0-9]+:/ { cur = ($NF == f) }
		cur && /latency average/ { print $4 " " $5; exit }' "$work/pgbench.out")
	printf '      %-15s %7s  (weight %s%s)\n' "$name" "${tx[$name]:-?}" "${s#*@}" "${lat:+, latency $lat}"
	[ -n "${tx[$name]}" ] || { fail "no transaction count for script $name in pgbench's report"; tx[$name]=-1; }
done

# ---------------------------------------------------------------------------
echo "== outcomes of the calls"
q -c "SELECT '      ' || kind || ' ' || sqlstate || ': ' || count(*)
		  || coalesce(' (deployed ' || count(*) FILTER (WHERE deployed) || ')', '')
	  FROM outcome WHERE kind <> 'setup' GROUP BY kind, sqlstate ORDER BY kind, sqlstate" || exit 2
# each script's transactions = its recorded outcomes
# pgbench leaves out of its counts the transactions of each client that ended after the
# deadline: a table may hold up to one more per client (8) than pgbench reports
counted() { [ "$1" -ge "$2" ] && [ "$1" -le $(($2 + 8)) ]; }
for pair in train_never:train_never train_better:train_if_better deploy_latest:deploy_latest \
	deploy_best:deploy_best deploy_version:deploy_version rollback:rollback; do
	script=${pair%%:*} kind=${pair#*:}
	n=$(q -c "SELECT count(*) FROM outcome WHERE kind = '$kind'") || exit 2
	counted "$n" "${tx[$script]}" || fail "$script: pgbench ran ${tx[$script]} transactions, outcome has $n rows"
done
n=$(q -c "SELECT count(*) FROM plog") || exit 2
counted "$n" "${tx[predict]}" || fail "predict: pgbench ran ${tx[predict]} transactions, plog has $n rows"
n=$(q -c "SELECT count(*) FROM abort_seen") || exit 2
[ "$n" = 0 ] || fail "abort_seen, written only in rolled-back transactions, has $n rows"
bad=$(q -c "SELECT string_agg(DISTINCT sqlstate || ' ' || coalesce(message, ''), '; ') FROM outcome
			WHERE sqlstate <> 'ok' AND NOT (kind = 'rollback' AND sqlstate = '55000')") || exit 2
[ -z "$bad" ] || fail "undocumented errors were recorded: $bad"

# ---------------------------------------------------------------------------
echo "== versions"
IFS='|' read -r n_models max_v n_distinct n_trains n_shifts <<<"$(q <<'EOF'
SELECT count(*), max(m.version), count(DISTINCT m.version),
	   (SELECT count(*) FROM outcome WHERE kind LIKE 'train%' OR kind = 'setup'),
	   (SELECT last_value FROM shift_seq)
FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'conc';
EOF
)"
echo "   $n_models models, versions 1..$max_v ($n_distinct distinct); $n_trains committed trainings, $((n_shifts - n_trains)) rolled back (shifts drawn: $n_shifts)"
[ "$n_distinct" = "$n_models" ] || fail "versions are not unique: $n_distinct distinct versions for $n_models models"
[ "$max_v" = "$n_models" ] || fail "versions are not 1..$n_models: the highest is $max_v"
[ "$n_models" = "$n_trains" ] || fail "$n_models models for $n_trains committed trainings"
[ "$((n_shifts - n_trains))" = "${tx[train_abort]}" ] ||
	fail "$((n_shifts - n_trains)) shifts not used by committed trainings, ${tx[train_abort]} rolled-back trainings"
bad=$(q <<'EOF'
SELECT string_agg(format('outcome %s: model %s version %s', o.id, o.model_id, o.version), '; ')
FROM outcome o LEFT JOIN mlops.models m USING (model_id)
WHERE (o.kind LIKE 'train%' OR o.kind = 'setup') AND m.version IS DISTINCT FROM o.version;
EOF
) || exit 2
[ -z "$bad" ] || fail "trainings whose model is missing or has another version: $bad"
# the model of each training has the shift of its own transaction: its intercept is shift + ~1
bad=$(q <<'EOF'
SELECT string_agg(format('model %s (shift %s): intercept %s', m.model_id, o.shift, m.coefficients[1]), '; ')
FROM outcome o JOIN mlops.models m USING (model_id)
WHERE o.shift IS NOT NULL AND abs(m.coefficients[1] - o.shift - 1) > 0.2;
EOF
) || exit 2
[ -z "$bad" ] || fail "models not trained on the shift of their own transaction: $bad"

# ---------------------------------------------------------------------------
echo "== deployments"
IFS='|' read -r n_deps n_deploy_ok n_train_dep n_ifb_rows n_foreign <<<"$(q <<'EOF'
SELECT count(*),
	   (SELECT count(*) FROM outcome WHERE (kind LIKE 'deploy%' OR kind = 'rollback') AND sqlstate = 'ok'),
	   (SELECT count(*) FROM outcome WHERE kind LIKE 'train%' AND deployed),
	   count(*) FILTER (WHERE d.strategy = 'if_better'),
	   count(*) FILTER (WHERE m.project_id IS DISTINCT FROM d.project_id)
FROM mlops.deployments d LEFT JOIN mlops.models m USING (model_id);
EOF
)"
echo "   $n_deps deployment rows: $initial_deps before pgbench, $n_deploy_ok deploy calls, $n_train_dep trainings that deployed"
echo "   strategies: $(q -c "SELECT string_agg(strategy || ' ' || n, ', ' ORDER BY strategy) FROM (SELECT strategy, count(*) AS n FROM mlops.deployments GROUP BY 1) s")"
[ "$n_foreign" = 0 ] || fail "$n_foreign deployments reference no model of their project"
[ "$n_deps" = "$((initial_deps + n_deploy_ok + n_train_dep))" ] ||
	fail "$n_deps deployment rows, expected $initial_deps + $n_deploy_ok + $n_train_dep"
[ "$n_ifb_rows" = "$n_train_dep" ] || fail "$n_ifb_rows if_better deployments for $n_train_dep deploying trainings"
bad=$(q <<'EOF'
SELECT string_agg(format('outcome %s model %s', o.id, o.model_id), '; ')
FROM outcome o
WHERE o.kind LIKE 'train%' AND o.deployed
  AND NOT EXISTS (SELECT 1 FROM mlops.deployments d WHERE d.model_id = o.model_id AND d.strategy = 'if_better');
EOF
) || exit 2
[ -z "$bad" ] || fail "trainings that said deployed but have no deployment row: $bad"
bad=$(q <<'EOF'
SELECT string_agg(format('deployment %s of model %s', d.deployment_id, d.model_id), '; ')
FROM mlops.deployments d JOIN outcome o USING (model_id)
WHERE o.kind = 'train_never' AND d.strategy IN ('always', 'if_better');
EOF
) || exit 2
[ -z "$bad" ] || fail "models trained with deploy => never were deployed by their training: $bad"
# every successful deploy call returned the row its deployment inserted: a model of the project
bad=$(q <<'EOF'
SELECT string_agg(format('outcome %s: model %s', o.id, o.model_id), '; ')
FROM outcome o LEFT JOIN mlops.models m USING (model_id)
WHERE (o.kind LIKE 'deploy%' OR o.kind = 'rollback') AND o.sqlstate = 'ok'
  AND (m.project_id IS DISTINCT FROM (SELECT project_id FROM mlops.projects WHERE name = 'conc')
	   OR NOT EXISTS (SELECT 1 FROM mlops.deployments d WHERE d.model_id = o.model_id));
EOF
) || exit 2
[ -z "$bad" ] || fail "deploy calls returned models that are not deployed models of the project: $bad"

# ---------------------------------------------------------------------------
echo "== predictions"
# the prediction of every model at x0, by model id
q >/dev/null <<EOF || exit 2
CREATE TABLE mpred AS
SELECT m.model_id, m.version, mlops.predict(m.model_id, $X0) AS pred,
	   EXISTS (SELECT 1 FROM mlops.deployments d WHERE d.model_id = m.model_id) AS ever_deployed
FROM mlops.models m;
EOF
IFS='|' read -r n_mp n_mp_distinct n_ever <<<"$(q -c "SELECT count(*), count(DISTINCT pred), count(*) FILTER (WHERE ever_deployed) FROM mpred")"
echo "   $n_mp models, $n_mp_distinct distinct predictions at x0, $n_ever models ever deployed"
[ "$n_mp" = "$n_mp_distinct" ] || fail "the models do not predict distinct values at x0: the test cannot tell them apart"

IFS='|' read -r n_log n_ok n_undeployed n_unknown n_null_dep n_stale n_distinct_models <<<"$(q <<'EOF'
SELECT count(*),
	   count(*) FILTER (WHERE mp.ever_deployed),
	   count(*) FILTER (WHERE mp.model_id IS NOT NULL AND NOT mp.ever_deployed),
	   count(*) FILTER (WHERE mp.model_id IS NULL),
	   count(*) FILTER (WHERE l.dep_model IS NULL),
	   count(*) FILTER (WHERE mp.model_id IS DISTINCT FROM l.dep_model),
	   count(DISTINCT mp.model_id)
FROM plog l LEFT JOIN mpred mp ON mp.pred = l.pred;
EOF
)"
echo "   $n_log predictions logged, from $n_distinct_models different models"
echo "   by a model with a committed deployment: $n_ok; by a model never deployed: $n_undeployed; by no committed model: $n_unknown"
echo "   not the model mlops.deployed_models showed in the same statement: $n_stale"
[ "$n_log" -gt 0 ] || fail "no prediction was logged"
[ "$n_null_dep" = 0 ] || fail "$n_null_dep predictions were logged while mlops.deployed_models showed no model"
if [ "$n_undeployed" != 0 ] || [ "$n_unknown" != 0 ]; then
	fail "$((n_undeployed + n_unknown)) predictions came from no committed deployment:
$(q -c "SELECT format('      plog %s (client %s, %s): predicted %s, deployed_models showed model %s; closest model %s (pred %s, ever deployed %s)',
					  l.id, l.client, l.at, l.pred, l.dep_model, c.model_id, c.pred, c.ever_deployed)
		FROM plog l LEFT JOIN mpred mp ON mp.pred = l.pred
		LEFT JOIN LATERAL (SELECT * FROM mpred ORDER BY abs(mpred.pred - l.pred) LIMIT 1) c ON true
		WHERE mp.model_id IS NULL OR NOT mp.ever_deployed ORDER BY l.id LIMIT 20")"
fi
if [ "$n_stale" != 0 ]; then
	# which deployment the stale model came from: the one just before the deployment the
	# statement saw (a deploy whose commit the statement's snapshot saw, but whose cache
	# invalidation had not reached the predicting session yet), or an older one
	prev=$(q <<'EOF'
SELECT count(*) FILTER (WHERE mp.model_id = (SELECT d.model_id FROM mlops.deployments d
											   WHERE d.deployment_id < l.dep_id ORDER BY d.deployment_id DESC LIMIT 1))
FROM plog l LEFT JOIN mpred mp ON mp.pred = l.pred WHERE mp.model_id IS DISTINCT FROM l.dep_model;
EOF
) || exit 2
	fail "$n_stale predictions did not use the model that mlops.deployed_models showed in the same statement
      ($prev of them used the model of the deployment just before the one the statement saw):
$(q -c "SELECT format('      plog %s (client %s, %s): predicted with model %s (v%s), the statement saw deployment %s of model %s (v%s)%s',
					  l.id, l.client, l.at, mp.model_id, mp.version, l.dep_id, l.dep_model, dm.version,
					  CASE WHEN current_setting('track_commit_timestamp') = 'on'
						   THEN format(', committed %s ms before the prediction was logged',
									   round(extract(epoch FROM l.at - pg_xact_commit_timestamp(d.xmin))::numeric * 1000, 2)) END)
		FROM plog l LEFT JOIN mpred mp ON mp.pred = l.pred LEFT JOIN mpred dm ON dm.model_id = l.dep_model
		LEFT JOIN mlops.deployments d ON d.deployment_id = l.dep_id
		WHERE mp.model_id IS DISTINCT FROM l.dep_model ORDER BY l.id LIMIT 20")"
fi

# ---------------------------------------------------------------------------
if [ $failures -gt 0 ]; then
	echo "080_concurrency: $failures failure(s); database $DB kept for inspection"
	exit 1
fi
dropdb --if-exists "$DB"
echo "080_concurrency: ok"
