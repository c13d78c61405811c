#!/bin/bash
# pg_dump keeps the registry and the monitoring: a database with trained, deployed, tagged,
# retrained and monitored models is dumped (pg_dump -Fc) and restored (pg_restore) into a new
# database, and into another with a parallel restore (pg_restore -j 3, the extension's data
# restored serially, see below).  In the restored databases
#
#   - every row of every table that mlops registers with pg_extension_config_dump (projects,
#     models, metrics, deployments, retrain_runs, model_tags, baselines, drift_log, monitors,
#     alerts, and any other table of pg_extension.extconfig) is the same, compared as text with
#     extra_float_digits = 3, and so are the views (deployed_models, leaderboard,
#     retrain_history, drift_status but its moving "since") and mlops.drift of every project;
#   - the state of every sequence of the extension (pg_sequence_last_value) is the same;
#   - the drift triggers that mlops.monitor created on user tables (one table in a schema and
#     with a name that need quoting, one table monitored by two projects) are restored: same
#     pg_get_triggerdef, enabled, calling mlops.drift_trigger with the project's name, and every
#     mlops.monitors row is live;
#   - the restore itself logged nothing: the monitored tables' rows are loaded before their
#     triggers are created (data section, then post-data), so drift_log holds exactly the
#     dumped rows;
#   - predictions are identical bit for bit (text with extra_float_digits = 3, and float8send)
#     for several inputs: by project (array and row forms) and by model_id, for every model;
#   - the restored triggers work: the same INSERT into a restored monitored table logs, for
#     each restored project and its deployed model, a drift_log row identical (but for log_id
#     and logged_at) to the one it logs in the source database, with a log_id above the
#     restored ones; mlops.drift then agrees too;
#   - the sequences continue: a new train gets the next version and a fresh model_id, and a new
#     deployment, retrain run, project, drift_log row and alert get ids above the restored ones;
#   - mlops.unmonitor works on a restored monitor (drops the restored trigger and the row).
#
# A plain parallel restore (pg_restore -j) loads the data of the extension's tables
# concurrently and in no order, so rows that reference projects or models can be rejected by
# the foreign keys between those tables: the test runs it too and prints what it rejected as a
# KNOWN LIMITATION (not counted as a failure), or compares its result like the others when it
# happens to succeed.
#
# Runs against the cluster named by PGHOST/PGPORT/PGUSER.
set -u
SRC=mlops_t_dump_src
DST=mlops_t_dump_dst
DSTJ=mlops_t_dump_dstj
DSTP=mlops_t_dump_dstp

. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every session: exact float text; drift checks after every statement, from 10 live values.
opts='-c extra_float_digits=3 -c mlops.drift_check_interval=0 -c mlops.drift_min_rows=10'
q() {
	local db=$1
	shift
	PGOPTIONS="$opts" psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}
ok() { echo "ok: $*"; }

for db in "$SRC" "$DST" "$DSTJ" "$DSTP"; do
	dropdb --if-exists "$db" 2>/dev/null || exit 2
done
for db in "$SRC" "$DST" "$DSTJ"; do
	createdb "$db" || exit 2
done

# Project "dumped": y = 2 + 3a - b exactly, then a second version on half the features, and a
# rollback.  Project "noisy": a fit with noise (coefficients that are not round numbers), a
# retrain, a retrain skipped for want of drift, tags.  Monitoring: public.sales by both
# projects, "shop floor"."Sales ""east""" by "dumped"; rows like the training rows, then rows
# whose a drifted (alerts).
q "$SRC" <<'SQL' >/dev/null || exit 2
CREATE EXTENSION mlops;
CREATE TABLE t AS SELECT i, (i % 17)::float8 AS a, ((i * 7) % 13)::float8 AS b,
	(2 + 3 * (i % 17) - (i * 7) % 13)::float8 AS y,
	(1.25 + 0.7 * (i % 17) - 2.2 * ((i * 7) % 13) + sin(i))::float8 AS yn
	FROM generate_series(1, 2000) i;
SELECT * FROM mlops.train('dumped', 't', 'y', ARRAY['a', 'b']);
SELECT * FROM mlops.train('dumped', 't', 'y', ARRAY['a'], deploy => 'always');
SELECT * FROM mlops.deploy('dumped', 'rollback');
SELECT * FROM mlops.train('noisy', 't', 'yn', ARRAY['a', 'b'], params => '{"bins": 7}');
UPDATE t SET yn = yn + 0.01 * cos(i);
SELECT * FROM mlops.retrain('noisy', 'always');
SELECT * FROM mlops.retrain('noisy', 'if_better', only_on_drift => true);
SELECT mlops.tag_model(1, 'stage', 'production');
SELECT mlops.tag_model(1, 'ticket', 'ML-42');
SELECT mlops.tag_model(3, 'stage', 'staging');

CREATE TABLE sales (i int, a float8, b float8, y float8);
CREATE SCHEMA "shop floor";
CREATE TABLE "shop floor"."Sales ""east""" (a numeric, b integer, note text);
SELECT mlops.monitor('dumped', 'sales');
SELECT mlops.monitor('noisy', 'sales');
SELECT mlops.monitor('dumped', '"shop floor"."Sales ""east"""');
INSERT INTO sales SELECT i, (i % 17), ((i * 7) % 13), 2 + 3 * (i % 17) - (i * 7) % 13
	FROM generate_series(1, 300) i;
INSERT INTO sales SELECT i, (i % 17) + 20, ((i * 7) % 13), NULL FROM generate_series(1, 300) i;
INSERT INTO "shop floor"."Sales ""east""" SELECT i % 17 + 0.5, (i * 7) % 13, 'x'
	FROM generate_series(1, 50) i;
SQL

# Sanity of the source: every config table has rows (else the comparison proves little).
out=$(q "$SRC" -c "SELECT (SELECT count(*) FROM mlops.projects), (SELECT count(*) FROM mlops.models),
	(SELECT count(*) FROM mlops.deployments), (SELECT count(*) FROM mlops.retrain_runs),
	(SELECT count(*) FROM mlops.model_tags), (SELECT count(*) > 0 FROM mlops.baselines),
	(SELECT count(*) FROM mlops.monitors), (SELECT count(*) FROM mlops.drift_log),
	(SELECT count(*) > 0 FROM mlops.alerts),
	(SELECT string_agg(DISTINCT decision, ',' ORDER BY decision) FROM mlops.retrain_runs)")
if [ "$out" != "2|4|5|2|3|t|3|5|t|deployed,skipped" ]; then
	fail "the source database is not as the test expects: projects|models|deployments|retrain_runs|model_tags|baselines|monitors|drift_log|alerts|decisions = $out"
fi

# Everything that must survive, as text: the tables of the extension that pg_dump keeps (every
# table of pg_extension.extconfig, also those this list does not name), its views, the drift
# statistics, the sequences, the triggers on user tables.
cat >"$work/registry.sql" <<'SQL'
SELECT 'projects', p::text FROM mlops.projects p ORDER BY p.project_id;
SELECT 'models', m::text FROM mlops.models m ORDER BY m.model_id;
SELECT 'metrics', m::text FROM mlops.metrics m ORDER BY m.model_id, m.split, m.metric;
SELECT 'deployments', d::text FROM mlops.deployments d ORDER BY d.deployment_id;
SELECT 'retrain_runs', r::text FROM mlops.retrain_runs r ORDER BY r.run_id;
SELECT 'model_tags', t::text FROM mlops.model_tags t ORDER BY t.model_id, t.key;
SELECT 'baselines', b::text FROM mlops.baselines b ORDER BY b.model_id, b.ordinal;
SELECT 'drift_log', l::text FROM mlops.drift_log l ORDER BY l.log_id;
SELECT 'monitors', m::text, mlops._monitor_live(m.relation, m.trigger_name) FROM mlops.monitors m ORDER BY 2;
SELECT 'alerts', a::text FROM mlops.alerts a ORDER BY a.alert_id;
SELECT 'extconfig', string_agg(c.relname, ',' ORDER BY c.relname)
	FROM pg_extension e, unnest(e.extconfig) r(oid) JOIN pg_class c ON c.oid = r.oid WHERE e.extname = 'mlops';
SELECT format('SELECT %L, t::text FROM %s t ORDER BY 2', 'other_config ' || c.relname, c.oid::regclass)
	FROM pg_extension e, unnest(e.extconfig) r(oid) JOIN pg_class c ON c.oid = r.oid
	WHERE e.extname = 'mlops' AND c.relkind = 'r'
	  AND c.relname NOT IN ('projects', 'models', 'metrics', 'deployments', 'retrain_runs', 'model_tags',
							'baselines', 'drift_log', 'monitors', 'alerts')
	ORDER BY c.relname \gexec
SELECT 'deployed_models', d::text FROM mlops.deployed_models d ORDER BY d.project;
SELECT 'leaderboard', l::text FROM mlops.leaderboard l ORDER BY l.model_id;
SELECT 'retrain_history', h::text FROM mlops.retrain_history h ORDER BY h.run_id;
SELECT 'drift_status', project, feature, n_live, psi, ks, mean_shift, null_rate_live, null_rate_base,
	out_of_range, status, rmse_live, rmse_base, model_id FROM mlops.drift_status ORDER BY 2, 3;
SELECT 'drift', p.name, d::text FROM mlops.projects p, mlops.drift(p.name, NULL) d ORDER BY 2, 3;
SELECT 'sequence', s.relname, x.* FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace,
	LATERAL (SELECT * FROM pg_sequence_last_value(s.oid)) x(last_value)
	WHERE n.nspname = 'mlops' AND s.relkind = 'S' ORDER BY 2;
SELECT 'trigger', c.oid::regclass, t.tgname, t.tgenabled, t.tgfoid::regprocedure, pg_get_triggerdef(t.oid)
	FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE NOT t.tgisinternal AND n.nspname NOT IN ('mlops', 'pg_catalog') ORDER BY 2, 3;
SELECT 'drift_triggers', count(*) FROM mlops.monitors m JOIN mlops.projects p USING (project_id)
	JOIN pg_trigger t ON t.tgrelid = to_regclass(m.relation) AND t.tgname = m.trigger_name
	WHERE t.tgfoid = 'mlops.drift_trigger()'::regprocedure AND t.tgenabled = 'O' AND t.tgnargs = 1
	  AND t.tgname = mlops._drift_trigger_name(m.project_id)
	  AND encode(t.tgargs, 'escape') = p.name || '\000';
SELECT 'user_rows', (SELECT count(*) FROM sales), (SELECT count(*) FROM "shop floor"."Sales ""east""");
SQL
# Predictions: by project (array and row forms) for several inputs, and by every model_id.
predictions="
SELECT 'predict', p.name, x::text, v, float8send(v)
	FROM mlops.projects p,
	(VALUES (ARRAY[1.5, 2.5]::float8[]), (ARRAY[-1e6, 3.25]), (ARRAY[0.1, 0.2]), (ARRAY[1e-300, 7]),
		(ARRAY[123456.789, -0.001]), (ARRAY[16, 12]), (ARRAY[-0.0, 1e15])) AS x(x),
	LATERAL (SELECT mlops.predict(p.name, x.x) AS v) pr
	ORDER BY 2, 3;
SELECT 'predict_row', p.name, t.i, v, float8send(v)
	FROM mlops.projects p, t, LATERAL (SELECT mlops.predict(p.name, t) AS v) pr
	WHERE t.i % 97 = 1 ORDER BY 2, 3;
SELECT 'predict_model', m.model_id, x::text, v, float8send(v)
	FROM mlops.models m,
	(VALUES (ARRAY[1.5, 2.5]::float8[]), (ARRAY[-7.75, 1e10]), (ARRAY[3, 0.3])) AS x(x),
	LATERAL (SELECT mlops.predict(m.model_id, x.x[1:cardinality(m.features)]) AS v) pr
	ORDER BY 2, 3;
"

q "$SRC" -f "$work/registry.sql" >"$work/before" || exit 2
q "$SRC" -c "$predictions" >"$work/pred_before" || exit 2
pg_dump -Fc -d "$SRC" -f "$work/dump" || { fail "pg_dump failed"; exit 1; }

pg_restore -l "$work/dump" >"$work/toc" || { fail "pg_restore -l failed"; exit 1; }
grep -E '^[0-9]+; [0-9]+ [0-9]+ TABLE DATA mlops ' "$work/toc" >"$work/toc.mlops"
grep -v -E '^[0-9]+; [0-9]+ [0-9]+ TABLE DATA mlops ' "$work/toc" >"$work/toc.rest"
nconfig=$(q "$SRC" -c "SELECT count(*) FROM pg_extension e, unnest(e.extconfig) r(oid) JOIN pg_class c ON c.oid = r.oid
	WHERE e.extname = 'mlops' AND c.relkind = 'r'")
[ "$(wc -l <"$work/toc.mlops")" -eq "$nconfig" ] ||
	fail "the dump holds $(wc -l <"$work/toc.mlops") data entries of mlops tables, pg_extension.extconfig $nconfig tables: $(cat "$work/toc.mlops")"
for tbl in projects models metrics deployments retrain_runs model_tags baselines drift_log monitors alerts; do
	grep -q " TABLE DATA mlops $tbl " "$work/toc.mlops" || fail "the dump holds no data of mlops.$tbl"
done

# restore DB [pg_restore options...]: the whole archive, failing on any error or message
restore() {
	local db=$1
	shift
	if ! pg_restore "$@" -d "$db" "$work/dump" 2>"$work/restore.err"; then
		cat "$work/restore.err"
		fail "pg_restore $* into $db failed"
	elif [ -s "$work/restore.err" ]; then
		cat "$work/restore.err"
		fail "pg_restore $* into $db wrote to stderr"
	fi
}
restore "$DST"
# Parallel: pg_restore -j loads the data of the extension's tables concurrently, in no order
# (pg_dump orders them by their foreign keys for a serial restore only: the TOC entry of
# TABLE DATA depends on its table alone), so rows of models, metrics, deployments... can
# arrive before the projects and models they reference and be rejected.  The safe way: the
# extension's data serially, everything else in parallel.
restore "$DSTJ" -j 3 --section=pre-data
restore "$DSTJ" -L "$work/toc.mlops"
restore "$DSTJ" -j 3 --section=data --section=post-data -L "$work/toc.rest"
# Plain pg_restore -j, for the record (not counted as a failure when it fails that way).
createdb "$DSTP" || exit 2
if pg_restore -j 3 -d "$DSTP" "$work/dump" 2>"$work/restore.err"; then
	pj="$DSTP"
else
	pj=""
	nfk=$(grep -c 'violates foreign key constraint' "$work/restore.err")
	if [ "$nfk" -eq 0 ]; then
		cat "$work/restore.err"
		fail "plain pg_restore -j 3 failed other than by foreign keys between the extension's tables"
	fi
	echo "KNOWN LIMITATION: plain pg_restore -j 3 rejected the rows of $nfk mlops table(s) (foreign keys between extension tables loaded in parallel):"
	grep -E 'COPY failed for table' "$work/restore.err" | sed -E 's/^pg_restore: error: COPY failed for table "([^"]*)".*/mlops.\1/' |
		sort | paste -s -d ' ' | sed 's/^/  /'
fi

for db in "$DST" "$DSTJ" $pj; do
	q "$db" -f "$work/registry.sql" >"$work/after" 2>&1 || fail "$db: reading the restored registry failed"
	if ! diff -u "$work/before" "$work/after"; then
		fail "$db: the restored registry, monitoring or sequences differ from the dumped ones"
	fi
	q "$db" -c "$predictions" >"$work/pred_after" 2>&1 || fail "$db: predicting after the restore failed"
	if ! diff -u "$work/pred_before" "$work/pred_after"; then
		fail "$db: predictions after the restore differ from those before"
	fi
done
nreg=$(wc -l <"$work/before")
npred=$(wc -l <"$work/pred_before")
counts=""
for kind in projects models metrics deployments retrain_runs model_tags baselines drift_log monitors alerts \
	deployed_models leaderboard retrain_history drift_status drift sequence trigger; do
	n=$(grep -c "^$kind|" "$work/before")
	[ "$n" -gt 0 ] || fail "the registry read back no $kind rows"
	counts="$counts $kind=$n"
done
ok "pg_restore, and pg_restore -j 3 with the mlops data restored serially${pj:+ and plain pg_restore -j 3}: $nreg registry lines identical ($counts)"
ok "$npred predictions identical bit for bit in every restored database"
for rel in projects models metrics deployments retrain_runs model_tags baselines drift_log monitors alerts \
	projects_project_id_seq models_model_id_seq deployments_deployment_id_seq retrain_runs_run_id_seq \
	drift_log_log_id_seq alerts_alert_id_seq; do
	grep -q -E "^extconfig\|(.*,)?$rel(,|$)" "$work/before" || fail "mlops.$rel is not registered with pg_extension_config_dump"
done
grep -q "^drift_triggers|3$" "$work/before" ||
	fail "the dumped database lacks the expected drift triggers: $(grep -E '^(drift_triggers|trigger)\|' "$work/before")"
if grep -q "^monitors|.*|f$" "$work/before"; then
	fail "a monitors row is not live: $(grep '^monitors|' "$work/before")"
fi

# The restored triggers log: the same INSERT in the source (after the dump) and in each
# restored database gives the same summary, for the same project and model.
insert="INSERT INTO sales SELECT i, (i % 11) * 1.5, (i % 5) - 2.25, 1 + i % 3 FROM generate_series(1, 777) i"
summary="SELECT l.project_id, l.model_id, l.relation, l.compacted, l.statements, l.n_rows, l.bins, l.n,
	l.n_null, l.sums, l.sumsq, l.below, l.above, l.counts, l.err_n, l.err_sse, l.err_sae
	FROM mlops.drift_log l WHERE l.log_id > \$1 ORDER BY l.project_id"
for db in "$SRC" "$DST" "$DSTJ" $pj; do
	q "$db" <<SQL >"$work/summary.$db" 2>&1 || fail "$db: inserting into the monitored table failed: $(cat "$work/summary.$db")"
SELECT max(log_id) AS max_log FROM mlops.drift_log \gset
$insert;
PREPARE s(bigint) AS $summary;
EXECUTE s(:max_log);
SELECT 'new log_ids above the restored ones', bool_and(log_id > :max_log), count(*) FROM mlops.drift_log WHERE log_id > :max_log;
SELECT 'drift', p.name, d::text FROM mlops.projects p, mlops.drift(p.name, NULL) d ORDER BY 2, 3;
SQL
done
if ! grep -q "^new log_ids above the restored ones|t|2$" "$work/summary.$SRC"; then
	fail "the INSERT into the monitored table in the source database did not log two summaries: $(cat "$work/summary.$SRC")"
fi
for db in "$DST" "$DSTJ" $pj; do
	if ! diff -u "$work/summary.$SRC" "$work/summary.$db"; then
		fail "$db: the restored drift triggers log other summaries than the source's"
	fi
done
if ! grep -q "^1|1|public.sales|f|1|777|10|" "$work/summary.$DST"; then
	fail "the restored trigger did not log a summary for project 1 and its deployed model 1: $(cat "$work/summary.$DST")"
fi
ok "an INSERT of 777 rows into the restored monitored table logs, through both restored triggers, summaries identical to the source's, with new log_ids"

# The sequences continue: new rows of every kind get ids above the restored ones.
q "$DST" <<'SQL' >"$work/continue" 2>&1 || fail "continuing after the restore failed: $(cat "$work/continue")"
CREATE TEMP TABLE before AS SELECT
	(SELECT max(version) FROM mlops.models WHERE project_id = 1) AS version,
	(SELECT max(model_id) FROM mlops.models) AS model_id,
	(SELECT max(deployment_id) FROM mlops.deployments) AS deployment_id,
	(SELECT max(run_id) FROM mlops.retrain_runs) AS run_id,
	(SELECT max(project_id) FROM mlops.projects) AS project_id,
	(SELECT max(log_id) FROM mlops.drift_log) AS log_id,
	(SELECT max(alert_id) FROM mlops.alerts) AS alert_id;
SELECT 'train', t.version = b.version + 1, t.model_id > b.model_id, t.deployed
	FROM mlops.train('dumped', 't', 'y', ARRAY['a', 'b'], deploy => 'always') t, before b;
SELECT 'deployment', d.deployment_id > b.deployment_id, d.model_id = (SELECT max(model_id) FROM mlops.models)
	FROM mlops.deployed_models d, before b WHERE d.project = 'dumped';
SELECT 'retrain', r.run_id > b.run_id, r.decision <> 'failed' FROM mlops.retrain('noisy', 'never') r, before b;
SELECT 'project', t.model_id > b.model_id, t.deployed
	FROM mlops.train('fresh', 't', 'y', ARRAY['b'], deploy => 'always') t, before b;
SELECT 'project', p.project_id > b.project_id FROM mlops.projects p, before b WHERE p.name = 'fresh';
INSERT INTO sales SELECT i, (i % 17) + 30, ((i * 7) % 13), NULL FROM generate_series(1, 300) i;
SELECT 'drift_log', count(*), bool_and(l.log_id > b.log_id),
	bool_or(l.model_id = (SELECT max(model_id) FROM mlops.models WHERE project_id = 1))
	FROM mlops.drift_log l, before b WHERE l.log_id > b.log_id AND l.project_id = 1;
SELECT 'alerts', count(*) > 0, bool_and(a.alert_id > b.alert_id)
	FROM mlops.alerts a, before b WHERE a.alert_id > b.alert_id;
SELECT 'unmonitor', mlops.unmonitor('noisy', 'sales');
SELECT 'unmonitored', count(*) FROM pg_trigger t, mlops.projects p
	WHERE p.name = 'noisy' AND t.tgrelid = 'sales'::regclass AND t.tgname = mlops._drift_trigger_name(p.project_id);
SELECT 'unmonitored', count(*) FROM mlops.monitors m JOIN mlops.projects p USING (project_id) WHERE p.name = 'noisy';
SELECT 'still monitored', count(*) FROM mlops.monitors m JOIN mlops.projects p USING (project_id) WHERE p.name = 'dumped';
SQL
expected='train|t|t|t
deployment|t|t
retrain|t|t
project|t|t
project|t
drift_log|1|t|t
alerts|t|t
unmonitor|
unmonitored|0
unmonitored|0
still monitored|2'
if [ "$(cat "$work/continue")" != "$expected" ]; then
	diff -u <(echo "$expected") "$work/continue"
	fail "after the restore, new versions, ids or monitoring do not continue as expected"
else
	ok "after the restore: next version and fresh model_id, deployment_id, run_id, project_id, log_id and alert_id above the restored ones; unmonitor of a restored monitor"
fi

for db in "$SRC" "$DST" "$DSTJ" "$DSTP"; do
	dropdb --if-exists "$db"
done
if [ "$failures" -gt 0 ]; then
	echo "030_dump_restore: $failures failure(s)"
	exit 1
fi
echo "030_dump_restore: registry, monitoring, drift log, alerts, sequences and predictions survive pg_dump/pg_restore"
