#!/bin/bash
# Interrupting mlops.train, crashing the server under it, and the memory of predict.
#
# On a table "big" of 10,000,000 rows (a normal, WAL-logged table; five columns):
#  0. A complete mlops.train on it (project "full", deployed) gives the duration T.
#  1. Cancel and timeout: mlops.train runs in one session and is stopped
#       - by pg_cancel_backend from another session after 1 s (the fit scan) and after
#         0.75 T (the metrics scan), with max_parallel_workers_per_gather = 2 (the
#         default of the test cluster), and after 1 s without parallel workers;
#       - by SET statement_timeout = '1500ms', and = 0.75 T.
#     Each time the training session gets 57014, less than 1 s after the cancel (the
#     statement timeout's expiry, measured from the statement's query_start); its parallel
#     workers, which ran at the moment of the cancel, are gone when it returns; and no row
#     was left in mlops.projects, models, metrics, baselines or deployments.
#  2. Crash: session A trains on big; session B has trained and deployed a model on a small
#     table in a transaction that it keeps open.  A's backend gets SIGKILL after 1 s, so
#     the postmaster ends every backend (B's too) and recovers.  Once the server accepts
#     connections again: no row of either training is left; every model has its metrics
#     (train, and test when it was trained with a hold-out) and one baseline per feature
#     and the prediction; every deployment references a model of its own project; every
#     project has a model; the deployed model of "full" is the one before the crash and
#     predicts the same; the registry's indexes pass amcheck (when contrib's amcheck is
#     installed); a new training works and predicts.
#  3. Memory: SELECT sum(mlops.predict(...)) over the 10,000,000 rows (one backend, no
#     parallel workers) in each form of predict, by project with an array, by project with
#     the row, by model id, while the script reads the backend's /proc/PID/status every
#     200 ms: the private memory (RssAnon) must grow by less than 50 MB over the same
#     session's level before the query (library and model already loaded).  VmRSS, which
#     also counts the shared buffers the backend touched, and VmHWM are reported; so is
#     the memory-context total of pg_log_backend_memory_contexts in the middle of each
#     query when the server log is at $MLOPS_CLUSTER_DIR/server.log.  Then once with 2
#     parallel workers, summing the leader's and the workers' RssAnon.
#
# The backend is killed with kill -KILL, which needs this script to run as root or as the
# server's OS user (as test/run_tests.sh does).  Runs against the cluster named by
# PGHOST/PGPORT/PGUSER in its own database.
set -u
DB=mlops_t_interrupt
N=10000000
MAX_CANCEL_MS=1000
MAX_GROWTH_KB=$((50 * 1024))

# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
bg_pids=()
cleanup() {
	local p
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
# milliseconds from $1 to $2 (epoch seconds with fractions)
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

new_db

# ---------------------------------------------------------------------------
echo "== building big: $N rows in two sessions"
t0=$(now)
q <<'EOF' || exit 2
CREATE EXTENSION mlops;
CREATE TABLE big (i bigint, x1 float8, x2 float8, x3 float8, y float8);
EOF
fill() {
	q -c "INSERT INTO big
		  SELECT i, x1, x2, x3, 1 + 2 * x1 - 3 * x2 + 0.5 * x3 + (((i * 48271) % 2147483647)::float8 / 2147483647 - 0.5)
		  FROM (SELECT i, (i % 1009)::float8 / 1009 AS x1, ((i * 7919) % 10007)::float8 / 10007 AS x2,
					   ((i * 104729) % 65521)::float8 / 65521 AS x3
				FROM generate_series($1::bigint, $2) i) s"
}
fill 1 $((N / 2)) &
f1=$!
fill $((N / 2 + 1)) $N &
f2=$!
wait $f1 || exit 2
wait $f2 || exit 2
q -c "VACUUM ANALYZE big" || exit 2
echo "   $(q -c "SELECT count(*) || ' rows, ' || pg_size_pretty(pg_total_relation_size('big')) FROM big") in $(ms "$t0" "$(now)") ms"

echo "== 0. a complete training on big"
t0=$(now)
q -c "SELECT 'version ' || version || ', deployed ' || deployed FROM mlops.train('full', 'big', 'y', ARRAY['x1', 'x2', 'x3'], deploy => 'always')" ||
	exit 2
T_MS=$(ms "$t0" "$(now)")
echo "   took $T_MS ms"
LATE_MS=$((T_MS * 3 / 4))

# counts of the registry tables, one line
REGISTRY="SELECT format('projects %s, models %s, metrics %s, baselines %s, deployments %s',
	(SELECT count(*) FROM mlops.projects), (SELECT count(*) FROM mlops.models),
	(SELECT count(*) FROM mlops.metrics), (SELECT count(*) FROM mlops.baselines),
	(SELECT count(*) FROM mlops.deployments))"

# The pid of the client backend whose application_name is $1, once it runs a statement
# (not pg_sleep) that has run for at least 50 ms; waits up to 30 s.
active_pid() {
	local pid
	for _ in $(seq 1 600); do
		pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1' AND backend_type = 'client backend'
					AND state = 'active' AND query NOT LIKE '%pg_sleep%' AND now() - query_start > interval '50 ms'")
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.05
	done
	return 1
}

# ---------------------------------------------------------------------------
# interrupt LABEL cancel|timeout DELAY_MS WORKERS_PER_GATHER
#   Trains project int_LABEL on big in the background and stops it: with pg_cancel_backend
#   DELAY_MS after the statement started, or with statement_timeout = DELAY_MS.
interrupt() {
	local label=$1 how=$2 delay=$3 wpg=$4 app="mlops81_$1" pid setup info t_stop t_end lat workers after bgp
	local before after_rows
	before=$(q -c "$REGISTRY") || exit 2
	setup="SET max_parallel_workers_per_gather = $wpg;"
	[ "$how" = timeout ] && setup="$setup SET statement_timeout = '${delay}ms';"
	(
		PGAPPNAME=$app psql -X -q -v VERBOSITY=verbose -d "$DB" -c "$setup" \
			-c "SELECT version FROM mlops.train('int_$label', 'big', 'y', ARRAY['x1', 'x2', 'x3'], deploy => 'always')" \
			>"$work/$label.out" 2>"$work/$label.err"
		echo $? >"$work/$label.rc"
		now >"$work/$label.end"
	) &
	bgp=$!
	if ! pid=$(active_pid "$app"); then
		fail "$label: the training session did not start"
		wait $bgp
		return
	fi
	if [ "$how" = cancel ]; then
		# sleep until DELAY_MS after query_start, then cancel; note the parallel workers and
		# the nested query they run at that moment, and the server's time of the cancel
		IFS='|' read -r workers info t_stop <<<"$(q <<EOF | tail -n 1
SELECT pg_sleep(greatest(0, extract(epoch FROM a.query_start + interval '$delay ms' - clock_timestamp())))
FROM pg_stat_activity a WHERE a.pid = $pid;
SELECT (SELECT count(*) FROM pg_stat_activity w WHERE w.leader_pid = $pid),
	   (SELECT left(regexp_replace(min(w.query), '\s+', ' ', 'g'), 60) FROM pg_stat_activity w WHERE w.leader_pid = $pid),
	   extract(epoch FROM clock_timestamp()),
	   pg_cancel_backend($pid);
EOF
)"
		t_stop=${t_stop%|*}
	else
		# the timeout expires DELAY_MS after query_start; look at the workers shortly before
		IFS='|' read -r workers info t_stop <<<"$(q <<EOF | tail -n 1
SELECT pg_sleep(greatest(0, extract(epoch FROM a.query_start + interval '$((delay - 100)) ms' - clock_timestamp())))
FROM pg_stat_activity a WHERE a.pid = $pid;
SELECT (SELECT count(*) FROM pg_stat_activity w WHERE w.leader_pid = $pid),
	   (SELECT left(regexp_replace(min(w.query), '\s+', ' ', 'g'), 60) FROM pg_stat_activity w WHERE w.leader_pid = $pid),
	   extract(epoch FROM a.query_start + interval '$delay ms')
FROM pg_stat_activity a WHERE a.pid = $pid;
EOF
)"
	fi
	wait $bgp
	t_end=$(cat "$work/$label.end")
	after=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE leader_pid = $pid OR (application_name = '$app' AND backend_type = 'parallel worker')") || exit 2
	lat=$(ms "$t_stop" "$t_end")
	echo "   $label: $how at $delay ms (workers per gather $wpg): $workers worker(s) running${info:+ ($info...)};" \
		"the session returned $lat ms after the ${how/timeout/timeout expired}; workers left: $after"
	if ! grep -q '57014' "$work/$label.err"; then
		fail "$label: the training did not fail with 57014: rc $(cat "$work/$label.rc"), output $(cat "$work/$label.out"), errors $(cat "$work/$label.err")"
	fi
	[ "$lat" -lt "$MAX_CANCEL_MS" ] || fail "$label: the training session took $lat ms (>= $MAX_CANCEL_MS) to return after the $how"
	[ "$after" = 0 ] || fail "$label: $after parallel worker(s) of the training session were still there after it returned"
	if [ "$wpg" -gt 0 ] && [ "${workers:-0}" -eq 0 ]; then
		echo "   ($label: no parallel worker was running at the moment of the $how)"
	fi
	after_rows=$(q -c "$REGISTRY") || exit 2
	[ "$after_rows" = "$before" ] || fail "$label: the registry changed: before $before; after $after_rows"
	n=$(q -c "SELECT count(*) FROM mlops.projects WHERE name = 'int_$label'") || exit 2
	[ "$n" = 0 ] || fail "$label: project int_$label exists after the interrupted training"
}

echo "== 1. cancel and statement_timeout (fit scan at 1 s, metrics scan at $LATE_MS ms)"
interrupt cancel_1s cancel 1000 2
interrupt cancel_late cancel "$LATE_MS" 2
interrupt cancel_serial cancel 1000 0
interrupt timeout_1500 timeout 1500 2
interrupt timeout_late timeout "$LATE_MS" 2
echo "   registry after the interruptions: $(q -c "$REGISTRY")"

# ---------------------------------------------------------------------------
echo "== 2. SIGKILL of a training backend"
q <<'EOF' || exit 2
CREATE TABLE small AS SELECT * FROM big WHERE i <= 20000;
CHECKPOINT;	-- (a short crash recovery)
CREATE TABLE pre_crash AS
SELECT d.model_id, mlops.predict('full', ARRAY[0.25, 0.5, 0.75]::float8[]) AS pred
FROM mlops.deployed_models d WHERE d.project = 'full';
EOF
before=$(q -c "$REGISTRY") || exit 2
echo "   registry before: $before"
# B: trained and deployed, not committed; waits in pg_sleep until the crash ends it
(
	PGAPPNAME=mlops81_open psql -X -q -d "$DB" >"$work/open.out" 2>&1 <<'EOF'
BEGIN;
SELECT version, deployed FROM mlops.train('crash_open', 'small', 'y', ARRAY['x1', 'x2', 'x3'], deploy => 'always');
SELECT mlops.predict('crash_open', ARRAY[0.25, 0.5, 0.75]::float8[]);
SELECT pg_sleep(120);
COMMIT;
EOF
) &
open_bg=$!
bg_pids+=("$open_bg")
for _ in $(seq 1 200); do
	[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mlops81_open' AND query LIKE '%pg_sleep%'")" = 1 ] && break
	sleep 0.05
done
open_state=$(q -c "SELECT state || ', ' || (SELECT count(*) FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = 'crash_open') || ' committed models of crash_open'
				   FROM pg_stat_activity WHERE application_name = 'mlops81_open' AND query LIKE '%pg_sleep%'")
echo "   session B (open transaction after train + deploy): ${open_state:-not found}"
[ -n "$open_state" ] || fail "session B did not reach its pg_sleep: $(cat "$work/open.out")"
# A: a training on big
(
	PGAPPNAME=mlops81_crash psql -X -q -d "$DB" \
		-c "SELECT version FROM mlops.train('crash_big', 'big', 'y', ARRAY['x1', 'x2', 'x3'], deploy => 'always')" \
		>"$work/crash.out" 2>&1
	echo $? >"$work/crash.rc"
) &
crash_bg=$!
bg_pids+=("$crash_bg")
crash_pid=$(active_pid mlops81_crash) || { fail "the training to crash did not start"; crash_pid=""; }
recovered=0
if [ -n "$crash_pid" ]; then
	sleep 1
	workers=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE leader_pid = $crash_pid")
	if [ ! -e "/proc/$crash_pid" ]; then
		fail "backend $crash_pid is not a process of this machine: cannot SIGKILL it"
	elif ! kill -KILL "$crash_pid" 2>"$work/kill.err"; then
		fail "could not SIGKILL backend $crash_pid ($(cat "$work/kill.err")): run as root or as the server's OS user"
	else
		t_kill=$(now)
		echo "   SIGKILL to backend $crash_pid (with $workers parallel worker(s)) 1 s into its training"
		wait "$crash_bg"
		wait "$open_bg"
		# the server accepts connections again after its crash recovery
		for _ in $(seq 1 600); do
			if pg_isready -q -d "$DB" && psql -X -A -t -q -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then
				recovered=1
				break
			fi
			sleep 0.1
		done
		if [ $recovered = 1 ]; then
			echo "   the server accepts connections again $(ms "$t_kill" "$(now)") ms after the kill"
		else
			fail "the server did not accept connections within 60 s of the crash"
		fi
		echo "   session A: $(tr '\n' ' ' <"$work/crash.out" | cut -c1-160)"
		echo "   session B: $(grep -v '^ *$' "$work/open.out" | tail -n 3 | tr '\n' ' ' | cut -c1-160)"
		grep -q -E 'terminat|closed the connection|lost' "$work/open.out" ||
			fail "session B was not ended by the crash (no crash restart?): $(cat "$work/open.out")"
	fi
fi
if [ $recovered = 1 ]; then
	echo "   registry after: $(q -c "$REGISTRY")"
	bad=$(q <<'EOF'
SELECT concat_ws('; ',
	(SELECT 'projects of the killed trainings: ' || string_agg(name, ', ') FROM mlops.projects WHERE name LIKE 'crash%'),
	(SELECT 'projects without a model: ' || string_agg(p.name, ', ') FROM mlops.projects p
	 WHERE NOT EXISTS (SELECT 1 FROM mlops.models m WHERE m.project_id = p.project_id)),
	(SELECT 'models without train metrics: ' || string_agg(m.model_id::text, ', ') FROM mlops.models m
	 WHERE (SELECT count(*) FROM mlops.metrics r WHERE r.model_id = m.model_id AND r.split = 'train'
			AND r.metric IN ('n', 'rmse', 'mae', 'r2')) <> 4),
	(SELECT 'models with a hold-out but no test metrics: ' || string_agg(m.model_id::text, ', ') FROM mlops.models m
	 WHERE m.test_fraction > 0 AND (SELECT count(*) FROM mlops.metrics r WHERE r.model_id = m.model_id AND r.split = 'test') <> 4),
	(SELECT 'models without their baselines: ' || string_agg(m.model_id::text, ', ') FROM mlops.models m
	 WHERE (SELECT count(*) FROM mlops.baselines b WHERE b.model_id = m.model_id
			AND b.ordinal BETWEEN 0 AND cardinality(m.features)) <> cardinality(m.features) + 1),
	(SELECT 'deployments of no model of their project: ' || string_agg(d.deployment_id::text, ', ')
	 FROM mlops.deployments d LEFT JOIN mlops.models m USING (model_id)
	 WHERE m.project_id IS DISTINCT FROM d.project_id),
	(SELECT 'versions not 1..n: ' || string_agg(project_id::text, ', ') FROM (
		SELECT project_id FROM mlops.models GROUP BY 1 HAVING max(version) <> count(*) OR count(DISTINCT version) <> count(*)) v),
	(SELECT 'full: deployed model or prediction changed' FROM pre_crash c
	 WHERE c.model_id IS DISTINCT FROM (SELECT model_id FROM mlops.deployed_models WHERE project = 'full')
		OR c.pred IS DISTINCT FROM mlops.predict('full', ARRAY[0.25, 0.5, 0.75]::float8[])));
EOF
) || exit 2
	[ -z "$bad" ] || fail "the registry is inconsistent after the crash: $bad"
	after_rows=$(q -c "$REGISTRY") || exit 2
	[ "$after_rows" = "$before" ] || fail "the registry changed across the crash: before $before; after $after_rows"
	# the registry's indexes, if contrib's amcheck is installed
	if q -c "CREATE EXTENSION IF NOT EXISTS amcheck" 2>/dev/null; then
		checked=$(q -c "SELECT count(bt_index_check(c.oid, true)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
						JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam
						WHERE n.nspname = 'mlops' AND a.amname = 'btree'" 2>&1) ||
			fail "amcheck found a corrupt index in schema mlops: $checked"
		echo "   amcheck: $checked btree indexes of schema mlops checked"
	else
		echo "   (amcheck is not installed: indexes not checked)"
	fi
	out=$(q 2>&1 <<'EOF'
SELECT format('version %s, deployed %s', version, deployed) FROM mlops.train('after_crash', 'small', 'y', ARRAY['x1', 'x2', 'x3'], deploy => 'always');
SELECT format('predict %s = by model id %s',
			  mlops.predict('after_crash', ARRAY[0.25, 0.5, 0.75]::float8[]),
			  mlops.predict(d.model_id, ARRAY[0.25, 0.5, 0.75]::float8[]))
FROM mlops.deployed_models d WHERE d.project = 'after_crash';
EOF
) || fail "a training after the crash failed: $out"
	echo "   a new training after the crash: $(echo "$out" | tr '\n' ';')"
	case "$out" in
	"version 1, deployed t"*"predict "*) ;;
	*) fail "the training after the crash gave: $out" ;;
	esac
	v1=$(echo "$out" | sed -n 's/^predict \(.*\) = by model id \(.*\)$/\1/p')
	v2=$(echo "$out" | sed -n 's/^predict \(.*\) = by model id \(.*\)$/\2/p')
	[ -n "$v1" ] && [ "$v1" = "$v2" ] || fail "predictions after the crash differ: $out"
fi
if [ $recovered = 0 ]; then
	echo "081_interrupt: the server did not come back; stopping here"
	exit 1
fi

# ---------------------------------------------------------------------------
echo "== 3. memory of predict over $N rows"
log="${MLOPS_CLUSTER_DIR:+$MLOPS_CLUSTER_DIR/server.log}"
[ -n "$log" ] && [ -r "$log" ] || log=""
model_id=$(q -c "SELECT model_id FROM mlops.deployed_models WHERE project = 'full'") || exit 2
# field $2 (kB) of /proc/$1/status, empty when gone
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

# mem LABEL WORKERS_PER_GATHER EXPR: SELECT sum(EXPR) FROM big, sampled
mem() {
	local label=$1 wpg=$2 expr=$3 app="mlops81_mem_$1" pid bgp base_anon base_rss peak_anon=0 peak_rss=0 peak_sum=0
	local anon rss hwm="" sum w v first_anon=0 last_anon=0 t_start t_end logged=0 grand="" samples=0 wlist
	(
		PGAPPNAME=$app psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$DB" >"$work/mem_$label.out" 2>&1 <<EOF
SET max_parallel_workers_per_gather = $wpg;
SELECT mlops.predict('full', ARRAY[0.1, 0.2, 0.3]::float8[]), mlops.predict($model_id, ARRAY[0.1, 0.2, 0.3]::float8[]),
	   mlops.predict('full', b) FROM big b LIMIT 1;
SELECT pg_sleep(1);
SELECT 'sum ' || sum($expr) FROM big;
EOF
		echo $? >"$work/mem_$label.rc"
	) &
	bgp=$!
	pid=""
	for _ in $(seq 1 200); do
		pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND backend_type = 'client backend' AND query LIKE '%pg_sleep%' AND state = 'active'")
		[ -n "$pid" ] && break
		sleep 0.05
	done
	if [ -z "$pid" ] || [ ! -r "/proc/$pid/status" ]; then
		fail "mem $label: cannot read the memory of the backend (pid '${pid}')"
		wait $bgp
		return
	fi
	base_anon=$(status_kb "$pid" RssAnon)
	base_rss=$(status_kb "$pid" VmRSS)
	# wait for the query to start, then sample every 200 ms until the session ends
	while kill -0 "$bgp" 2>/dev/null; do
		[ "$(q -c "SELECT query LIKE '%sum(%' FROM pg_stat_activity WHERE pid = $pid")" = t ] && break
		sleep 0.05
	done
	t_start=$(now)
	while kill -0 "$bgp" 2>/dev/null && [ -e "/proc/$pid" ]; do
		anon=$(status_kb "$pid" RssAnon)
		rss=$(status_kb "$pid" VmRSS)
		hwm=$(status_kb "$pid" VmHWM)
		[ -z "$anon" ] || [ -z "$rss" ] && break
		sum=$anon
		wlist=$(q -c "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE leader_pid = $pid" 2>/dev/null)
		for w in $wlist; do
			v=$(status_kb "$w" RssAnon)
			sum=$((sum + ${v:-0}))
		done
		samples=$((samples + 1))
		[ $samples = 1 ] && first_anon=$anon
		last_anon=$anon
		[ "$anon" -gt "$peak_anon" ] && peak_anon=$anon
		[ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
		[ "$sum" -gt "$peak_sum" ] && peak_sum=$sum
		# the memory contexts, once, in the middle of the query
		if [ $logged = 0 ] && [ -n "$log" ] && [ "$(ms "$t_start" "$(now)")" -gt 1500 ]; then
			q -c "SELECT pg_log_backend_memory_contexts($pid)" >/dev/null && logged=1
		fi
		sleep 0.2
	done
	wait $bgp
	t_end=$(now)
	if [ "$(cat "$work/mem_$label.rc")" != 0 ] || ! grep -q '^sum ' "$work/mem_$label.out"; then
		fail "mem $label: the query failed: $(cat "$work/mem_$label.out")"
		return
	fi
	if [ $logged = 1 ]; then
		sleep 0.2
		grand=$(grep "\[$pid\]" "$log" | grep 'Grand total:' | tail -n 1 | sed 's/.*Grand total: \([0-9]*\) bytes.*/\1/')
	fi
	echo "   $label ($wpg workers per gather): $(ms "$t_start" "$t_end") ms, $samples samples;" \
		"RssAnon $base_anon kB before, peak $peak_anon kB (+$((peak_anon - base_anon)) kB);" \
		"first sample $first_anon kB, last $last_anon kB;" \
		"VmRSS $base_rss kB before, peak $peak_rss kB, VmHWM $hwm kB${grand:+; memory contexts $((grand / 1024)) kB in mid-query}"
	if [ "$wpg" -gt 0 ]; then
		echo "      leader + workers RssAnon: peak $peak_sum kB (the leader alone had $base_anon kB before)"
	fi
	[ "$samples" -ge 3 ] || fail "mem $label: only $samples samples: the query was too short to measure"
	[ $((peak_anon - base_anon)) -lt $MAX_GROWTH_KB ] ||
		fail "mem $label: the backend's private memory grew by $((peak_anon - base_anon)) kB (>= $MAX_GROWTH_KB kB) during the query"
	if [ "$wpg" -gt 0 ]; then
		# each worker starts at about a fresh backend's size; allow that on top of the growth
		[ $((peak_sum - base_anon)) -lt $((3 * MAX_GROWTH_KB)) ] ||
			fail "mem $label: leader and workers together grew to $peak_sum kB from the leader's $base_anon kB"
	fi
	echo "      $(grep '^sum ' "$work/mem_$label.out")"
}

mem array 0 "mlops.predict('full', ARRAY[x1, x2, x3])"
mem row 0 "mlops.predict('full', big)"
mem model_id 0 "mlops.predict($model_id::bigint, ARRAY[x1, x2, x3])"
mem array_parallel 2 "mlops.predict('full', ARRAY[x1, x2, x3])"
# the three serial forms compute the same sum
sums=$(cat "$work"/mem_array.out "$work"/mem_row.out "$work"/mem_model_id.out 2>/dev/null | grep '^sum ' | sort -u | wc -l)
[ "$sums" = 1 ] || fail "the serial sums of the three forms of predict differ (or are missing)"

# ---------------------------------------------------------------------------
if [ $failures -gt 0 ]; then
	echo "081_interrupt: $failures failure(s); database $DB kept for inspection"
	exit 1
fi
dropdb --if-exists "$DB"
echo "081_interrupt: ok"
