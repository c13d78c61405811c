#!/bin/bash
# Drift monitoring under concurrent writers, and alerts through LISTEN/NOTIFY.
#
#  1. pgbench, 8 clients (-c 8 -j 2) for 10 s, mixes three scripts on a table monitored
#     for project "conc": a single-row INSERT ... VALUES, a multi-row INSERT ... SELECT
#     FROM generate_series(1, m) (m random in 1 .. 20) and an INSERT that writes no row.
#     No pgbench error, no failed transaction, no WARNING; then:
#       - sum(drift_log.n_rows) = count(*) of the table;
#       - drift_log rows = statements that wrote >= 1 row: pgbench's transactions of the
#         single-row and multi-row scripts, and also the table's own count (single rows;
#         distinct transaction ids of the multi-row statements); each row statements = 1;
#       - the multiset of drift_log.n_rows = the multiset of rows per statement in the table;
#       - per feature and the prediction, the bin counts summed over drift_log = the
#         table's values binned on the baseline edges (mlops.bin_counts), n and n_null too;
#       - mlops.drift's n_live = count(*).
#  2. A burst: 8 clients for 3 s insert rows whose x1 is shifted into a table monitored for
#     project "burst", every statement checking for drift (mlops.drift_check_interval = 0,
#     and mlops.drift_min_rows = 100: a short burst may log fewer than the default 1000 rows),
#     while a psql session LISTENs on mlops_alerts: one alert row per alerting feature,
#     x1 among them, exactly one notification per alert row (none twice), no WARNING; and after
#     one more check, mlops.drift_totals of the window equals the window's drift_log summed
#     (every summary added once by the concurrent checks, whatever the commit order).
#  3. LISTEN: a psql session in the background runs LISTEN mlops_alerts and stays idle
#     until the writers are done, then runs one more command and prints the notifications
#     that arrived; meanwhile another session (mlops.drift_check_interval = 0) inserts rows with x1
#     shifted into a table monitored for project "listen": the listener receives the alert,
#     its payload is JSON naming the project and the feature (and the alert's id); a second
#     batch of shifted rows in the same window adds no alert row and no notification.
#
# The alert windows of 2 and 3 (mlops.drift_window, set in the writing sessions) are
# chosen so that the next window boundary is more than 2 minutes away.
#
# Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
set -u
DB=mlops_t_drift_conc
DURATION=10
BURST=3

# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

new_db

# A window length (s) whose current window ends more than 120 s from now.
now=$(date +%s)
WINDOW=3600
while [ $((WINDOW - now % WINDOW)) -le 120 ]; do WINDOW=$((WINDOW + 1)); done
echo "== alert window for parts 2 and 3: $WINDOW s, $((WINDOW - now % WINDOW)) s left in the current one"

echo "== setup: one training table, three projects, three monitored tables"
q >/dev/null <<'EOF' || { echo "setup failed" >&2; exit 2; }
CREATE EXTENSION mlops;
SELECT setseed(0.25);
CREATE TABLE tr AS
SELECT x1, x2, 1 + 2 * x1 - x2 + (random() - 0.5) AS y
FROM (SELECT random() AS x1, 1 + 4 * random() AS x2 FROM generate_series(1, 20000)) s;
SELECT count(*) FROM (
	SELECT mlops.train(p, 'tr', 'y', ARRAY['x1', 'x2'], test_fraction => 0, deploy => 'always')
	FROM unnest(ARRAY['conc', 'burst', 'listen']) p) t;
CREATE TABLE ev (id bigserial PRIMARY KEY, x1 float8, x2 float8, y float8, src text,
				 xid xid8 DEFAULT pg_current_xact_id());
CREATE TABLE ev_burst (LIKE ev INCLUDING DEFAULTS);
CREATE TABLE ev_listen (LIKE ev INCLUDING DEFAULTS);
SELECT mlops.monitor('conc', 'ev'), mlops.monitor('burst', 'ev_burst'), mlops.monitor('listen', 'ev_listen');
EOF

# The alerts of project $1, one "feature (psi, n_live)" each.
alerts_of() {
	q -c "SELECT coalesce(string_agg(format('%s (psi %s, n_live %s)', a.feature, round(a.psi::numeric, 4), a.n_live),
								   ', ' ORDER BY a.alert_id), 'none')
		  FROM mlops.alerts a JOIN mlops.projects p USING (project_id) WHERE p.name = '$1'"
}

# ---------------------------------------------------------------------------
echo "== 1. pgbench: 8 clients, $DURATION s, single-row, multi-row and empty INSERTs"
cat >"$work/single.sql" <<'EOF'
\set x1 random(0, 999999) / 1000000.0
\set x2 1 + 4 * random(0, 999999) / 1000000.0
\set e random(0, 999999) / 1000000.0 - 0.5
INSERT INTO ev (x1, x2, y, src) VALUES (:x1, :x2, 1 + 2 * :x1 - :x2 + :e, 's');
EOF
cat >"$work/multi.sql" <<'EOF'
\set m random(1, 20)
INSERT INTO ev (x1, x2, y, src)
SELECT x1, x2, 1 + 2 * x1 - x2 + (random() - 0.5), 'm'
FROM (SELECT random() AS x1, 1 + 4 * random() AS x2 FROM generate_series(1, :m)) s;
EOF
cat >"$work/zero.sql" <<'EOF'
INSERT INTO ev (x1, x2, y, src) SELECT 1, 1, 1, 'z' FROM generate_series(1, 0);
EOF
pgbench -n -c 8 -j 2 -T "$DURATION" -d "$DB" \
	-f "$work/single.sql@5" -f "$work/multi.sql@3" -f "$work/zero.sql@1" \
	>"$work/pgbench.out" 2>"$work/pgbench.err"
rc=$?
sed 's/^/   /' "$work/pgbench.out"
if [ $rc -ne 0 ]; then
	fail "pgbench exited with status $rc:
$(cat "$work/pgbench.err")"
fi
grep -E 'ERROR|WARNING|FATAL' "$work/pgbench.err" &&
	fail "pgbench reported errors or warnings (above)"
grep -q '^number of failed transactions: 0 ' "$work/pgbench.out" ||
	fail "pgbench reports failed transactions (or no count of them)"

# transactions per script: "SQL script N: file" followed by " - T transactions (...)"
tx_of() {
	awk -v f="$1" '
		/^SQL script [0-9]+:/ { cur = ($NF == f) }
		cur && / - [0-9]+ transactions/ { for (i = 1; i <= NF; i++) if ($i == "transactions") { print $(i - 1); exit } }
	' "$work/pgbench.out"
}
tx_single=$(tx_of "$work/single.sql")
tx_multi=$(tx_of "$work/multi.sql")
tx_zero=$(tx_of "$work/zero.sql")
echo "   transactions: single-row $tx_single, multi-row $tx_multi, empty $tx_zero"
if [ -z "$tx_single" ] || [ -z "$tx_multi" ] || [ -z "$tx_zero" ]; then
	fail "could not read the transactions per script from pgbench's report"
	tx_single=-1 tx_multi=-1 tx_zero=-1
fi

IFS='|' read -r rows singles multis log_rows log_sum log_stmts log_models <<<"$(q <<'EOF'
SELECT (SELECT count(*) FROM ev),
	   (SELECT count(*) FROM ev WHERE src = 's'),
	   (SELECT count(DISTINCT xid) FROM ev WHERE src = 'm'),
	   count(*), sum(l.n_rows), sum(l.statements),
	   count(*) FILTER (WHERE l.model_id = (SELECT model_id FROM mlops.deployed_models WHERE project = 'conc'))
FROM mlops.drift_log l JOIN mlops.projects p USING (project_id)
WHERE p.name = 'conc';
EOF
)"
echo "   table: $rows rows, $singles single-row statements, $multis multi-row statements"
echo "   drift_log: $log_rows rows, sum(n_rows) $log_sum, sum(statements) $log_stmts"
[ "$log_sum" = "$rows" ] || fail "sum(drift_log.n_rows) = $log_sum, but the table has $rows rows"
# pgbench leaves out of its counts the transactions of each client that ended after the
# deadline: the table may hold up to one more per client (8) than pgbench reports
counted() { [ "$1" -ge "$2" ] && [ "$1" -le $(($2 + 8)) ]; }
counted "$singles" "$tx_single" || fail "the table has $singles single-row statements, pgbench ran $tx_single"
counted "$multis" "$tx_multi" || fail "the table has $multis multi-row statements, pgbench ran $tx_multi"
[ "$log_rows" = "$((singles + multis))" ] ||
	fail "drift_log has $log_rows rows, but $((singles + multis)) statements wrote rows ($singles + $multis)"
counted "$log_rows" "$((tx_single + tx_multi))" ||
	fail "drift_log has $log_rows rows, pgbench ran $((tx_single + tx_multi)) inserting transactions"
[ "$log_stmts" = "$log_rows" ] || fail "sum(drift_log.statements) = $log_stmts for $log_rows rows"
[ "$log_models" = "$log_rows" ] || fail "only $log_models of $log_rows drift_log rows name the deployed model"

# the multiset of rows per statement
diffs=$(q <<'EOF'
WITH logged AS (
	SELECT l.n_rows, count(*) AS c FROM mlops.drift_log l JOIN mlops.projects p USING (project_id)
	WHERE p.name = 'conc' GROUP BY 1),
written AS (
	SELECT n AS n_rows, count(*) AS c FROM (SELECT xid, count(*) AS n FROM ev GROUP BY xid) s GROUP BY 1)
SELECT coalesce(l.n_rows, w.n_rows) || ' rows: ' || coalesce(l.c, 0) || ' logged, ' || coalesce(w.c, 0) || ' written'
FROM logged l FULL JOIN written w USING (n_rows)
WHERE l.c IS DISTINCT FROM w.c;
EOF
) || exit 2
[ -z "$diffs" ] || fail "statements per number of rows differ between drift_log and the table:
$diffs"
echo "   statements by rows written: $(q -c "SELECT string_agg(n_rows || 'x' || c, ' ' ORDER BY n_rows) FROM (
	SELECT l.n_rows, count(*) AS c FROM mlops.drift_log l JOIN mlops.projects p USING (project_id)
	WHERE p.name = 'conc' GROUP BY 1) s")"

# bins, n, n_null per ordinal: drift_log summed against the table
diffs=$(q <<'EOF'
WITH m AS (
	SELECT d.model_id, m.coefficients AS c FROM mlops.deployed_models d JOIN mlops.models m USING (model_id)
	WHERE d.project = 'conc'),
vals AS (	-- the values of each ordinal, the prediction as the trigger computes it
	SELECT o.ordinal, o.v
	FROM ev, m, LATERAL (VALUES (0, m.c[1] + m.c[2] * ev.x1 + m.c[3] * ev.x2), (1, ev.x1), (2, ev.x2)) o(ordinal, v)),
want AS (
	SELECT b.ordinal, mlops.bin_counts(b.edges, v.v) AS counts, count(v.v) AS n, count(*) - count(v.v) AS n_null
	FROM mlops.baselines b JOIN m USING (model_id) JOIN vals v USING (ordinal)
	GROUP BY b.ordinal),
logs AS (
	SELECT l.* FROM mlops.drift_log l JOIN mlops.projects p USING (project_id) WHERE p.name = 'conc'),
got AS (
	SELECT o.ordinal,
		   ARRAY(SELECT sum(l.counts[o.ordinal * l.bins + b])::bigint FROM logs l, generate_series(1, 10) b
				 GROUP BY b ORDER BY b) AS counts,
		   (SELECT sum(l.n[o.ordinal + 1]) FROM logs l)::bigint AS n,
		   (SELECT sum(l.n_null[o.ordinal + 1]) FROM logs l)::bigint AS n_null
	FROM generate_series(0, 2) o(ordinal))
SELECT 'ordinal ' || ordinal || ': logged ' || g.counts::text || ' n ' || g.n || ' n_null ' || g.n_null
	   || ', table ' || w.counts::text || ' n ' || w.n || ' n_null ' || w.n_null
FROM got g FULL JOIN want w USING (ordinal)
WHERE (g.counts, g.n, g.n_null) IS DISTINCT FROM (w.counts, w.n, w.n_null);
EOF
) || exit 2
[ -z "$diffs" ] || fail "bin counts summed over drift_log differ from the table's:
$diffs"
q -c "SELECT '   drift: ' || string_agg(feature || ' n_live ' || n_live || ' psi ' || round(psi::numeric, 5) || ' ' || status, ', ' ORDER BY feature)
	  FROM mlops.drift('conc', '-infinity') WHERE feature <> '(error)'" || exit 2
bad=$(q -c "SELECT string_agg(feature || ' ' || n_live, ', ') FROM mlops.drift('conc', '-infinity')
			WHERE feature IN ('x1', 'x2') AND n_live <> $rows") || exit 2
[ -z "$bad" ] || fail "mlops.drift's n_live differs from the table's $rows rows: $bad"
# (not checked: the first checks of a window see only a few rows, whose PSI is noisy)
echo "   alerts of project conc, whose rows do not drift: $(alerts_of conc)"

# ---------------------------------------------------------------------------
# A listener in the background: psql with application_name $1 runs LISTEN mlops_alerts and
# then waits, idle, until the file $2 exists; then runs one more command, after which it
# prints the notifications that arrived meanwhile ("Asynchronous notification ..."), and
# ends.  Its output goes to $3.
start_listener() {
	(
		echo "LISTEN mlops_alerts;"
		echo "SELECT pg_sleep(0.01);"
		for _ in $(seq 1 600); do
			[ -e "$2" ] && break
			sleep 0.1
		done
		echo "SELECT 'listener done';"
	) | PGAPPNAME=$1 psql -X -A -t -d "$DB" >"$3" 2>&1 &
}

# Waits until the listener with application_name $1 has run its LISTEN (autocommitted
# before its pg_sleep started).
wait_listener() {
	for _ in $(seq 1 100); do
		[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND query LIKE '%pg_sleep%'")" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# The payloads of the notifications in psql output file $1, one per line.
payloads() {
	sed -n 's/^Asynchronous notification "mlops_alerts" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p' "$1"
}

echo "== 2. a burst: 8 clients, $BURST s, x1 shifted, a drift check after every statement"
start_listener mlops_burst_listener "$work/burst.done" "$work/burst_listen.out"
burst_listener=$!
wait_listener mlops_burst_listener || fail "the listener of part 2 did not start"
cat >"$work/burst.sql" <<'EOF'
\set m random(1, 5)
INSERT INTO ev_burst (x1, x2, y, src)
SELECT x1, x2, 1 + 2 * x1 - x2 + (random() - 0.5), 'b'
FROM (SELECT 0.5 + random() AS x1, 1 + 4 * random() AS x2 FROM generate_series(1, :m)) s;
EOF
PGOPTIONS="-c mlops.drift_check_interval=0 -c mlops.drift_window=$WINDOW -c mlops.drift_min_rows=100" \
	pgbench -n -c 8 -j 2 -T "$BURST" -d "$DB" -f "$work/burst.sql" >"$work/burst.out" 2>"$work/burst.err"
rc=$?
grep -E '^(number of transactions actually processed|number of failed transactions|tps)' "$work/burst.out" | sed 's/^/   /'
[ $rc -eq 0 ] || fail "pgbench (burst) exited with status $rc:
$(cat "$work/burst.err")"
grep -E 'ERROR|WARNING|FATAL' "$work/burst.err" && fail "pgbench (burst) reported errors or warnings (above)"
grep -q '^number of failed transactions: 0 ' "$work/burst.out" || fail "pgbench (burst) reports failed transactions"
sleep 0.5	# (NOTIFY is sent at commit, before the INSERT returns; a margin all the same)
touch "$work/burst.done"
wait "$burst_listener"
grep -q '^listener done$' "$work/burst_listen.out" || fail "the listener of part 2 did not run to its end: $(cat "$work/burst_listen.out")"
payloads "$work/burst_listen.out" >"$work/burst.payloads"
alerts=$(q -c "SELECT string_agg(a.alert_id || ' ' || a.feature, ', ' ORDER BY a.alert_id) FROM mlops.alerts a
			   JOIN mlops.projects p USING (project_id) WHERE p.name = 'burst'") || exit 2
echo "   alerts of project burst: $(alerts_of burst); notifications received: $(wc -l <"$work/burst.payloads")"
dups=$(q -c "SELECT string_agg(feature || ' x' || n, ', ') FROM (SELECT a.feature, a.window_start, count(*) AS n
			 FROM mlops.alerts a JOIN mlops.projects p USING (project_id) WHERE p.name = 'burst'
			 GROUP BY 1, 2 HAVING count(*) > 1) s") || exit 2
[ -z "$dups" ] || fail "more than one alert per feature and window: $dups"
case ", $alerts," in *" x1,"*) ;; *) fail "no alert for the shifted feature x1 of project burst" ;; esac
# each alert row notified exactly once: compare the sorted "alert_id feature" lists
/usr/bin/python3 - "$work/burst.payloads" >"$work/burst.notified" <<'EOF' || fail "a notification of part 2 is not the expected JSON"
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("project") == "burst":
        print(d["alert_id"], d["feature"])
EOF
q -c "SELECT a.alert_id || ' ' || a.feature FROM mlops.alerts a JOIN mlops.projects p USING (project_id)
	  WHERE p.name = 'burst' ORDER BY 1" >"$work/burst.alerts" || exit 2
sort "$work/burst.notified" >"$work/burst.notified.sorted"
sort "$work/burst.alerts" >"$work/burst.alerts.sorted"
cmp -s "$work/burst.notified.sorted" "$work/burst.alerts.sorted" ||
	fail "the notifications of project burst are not one per alert row:
notified:
$(cat "$work/burst.notified.sorted")
alert rows:
$(cat "$work/burst.alerts.sorted")"

# The checks of the burst added every summary to the window's totals exactly once, whatever
# order the writers committed in: after one more check (which adds the rest), the totals equal
# the summaries of the window summed, element by element.
diffs=$(PGOPTIONS="-c mlops.drift_window=$WINDOW" q <<'EOF'
SELECT mlops.check_drift('burst') >= 0;
WITH w AS (SELECT mlops._drift_window_start(now()) AS s),
logs AS (
	SELECT l.* FROM mlops.drift_log l JOIN mlops.projects p USING (project_id), w
	WHERE p.name = 'burst' AND l.logged_at >= w.s),
want AS (
	SELECT sum(statements)::bigint AS statements, sum(n_rows)::bigint AS n_rows,
		   ARRAY(SELECT sum(x)::bigint FROM logs, unnest(logs.n) WITH ORDINALITY u(x, i) GROUP BY i ORDER BY i) AS n,
		   ARRAY(SELECT sum(x)::bigint FROM logs, unnest(logs.n_null) WITH ORDINALITY u(x, i) GROUP BY i ORDER BY i) AS n_null,
		   ARRAY(SELECT sum(x)::bigint FROM logs, unnest(logs.above) WITH ORDINALITY u(x, i) GROUP BY i ORDER BY i) AS above,
		   ARRAY(SELECT sum(x)::bigint FROM logs, unnest(logs.counts) WITH ORDINALITY u(x, i) GROUP BY i ORDER BY i) AS counts,
		   ARRAY(SELECT sum(x) FROM logs, unnest(logs.sums) WITH ORDINALITY u(x, i) GROUP BY i ORDER BY i) AS sums
	FROM logs),
got AS (
	SELECT t.* FROM mlops.drift_totals t JOIN mlops.projects p USING (project_id), w
	WHERE p.name = 'burst' AND t.window_start = w.s)
SELECT format('totals: %s statements, %s rows, n %s, n_null %s, above %s, counts %s; summaries: %s, %s, %s, %s, %s, %s',
			  g.statements, g.n_rows, g.n, g.n_null, g.above, g.counts,
			  x.statements, x.n_rows, x.n, x.n_null, x.above, x.counts)
FROM want x LEFT JOIN got g ON true
WHERE (g.statements, g.n_rows, g.n, g.n_null, g.above, g.counts) IS DISTINCT FROM
	  (x.statements, x.n_rows, x.n, x.n_null, x.above, x.counts)
   OR EXISTS (SELECT 1 FROM unnest(g.sums, x.sums) u(a, b) WHERE abs(a - b) > 1e-9 * greatest(abs(b), 1))
   OR (SELECT count(*) FROM got) <> 1;
EOF
) || exit 2
diffs=$(printf '%s\n' "$diffs" | grep -v '^t$')
[ -z "$diffs" ] || fail "mlops.drift_totals differs from the summaries of the window:
$diffs"
echo "   drift_totals of the window = its summaries summed: $(q -c "SELECT statements || ' statements, ' || n_rows || ' rows' FROM mlops.drift_totals t JOIN mlops.projects p USING (project_id) WHERE p.name = 'burst'")"

# ---------------------------------------------------------------------------
echo "== 3. LISTEN mlops_alerts while another session inserts shifted rows"
start_listener mlops_listener "$work/listen.done" "$work/listen.out"
listener=$!
wait_listener mlops_listener || fail "the listener of part 3 did not start"
SHIFTED="INSERT INTO ev_listen (x1, x2, y, src)
SELECT x1, x2, 1 + 2 * x1 - x2 + (random() - 0.5), 'l'
FROM (SELECT 0.5 + random() AS x1, 1 + 4 * random() AS x2 FROM generate_series(1, 2000)) s;"
q >"$work/writer1.out" 2>&1 <<EOF || fail "the first shifted batch failed: $(cat "$work/writer1.out")"
SET mlops.drift_check_interval = 0;
SET mlops.drift_window = $WINDOW;
$SHIFTED
EOF
[ -s "$work/writer1.out" ] && fail "the first shifted batch printed: $(cat "$work/writer1.out")"
count1=$(q -c "SELECT count(*) FROM mlops.alerts a JOIN mlops.projects p USING (project_id) WHERE p.name = 'listen'") || exit 2
q -c "SELECT '   after batch 1: ' || string_agg(feature || ' psi ' || round(psi::numeric, 4) || ' ' || status, ', ' ORDER BY feature)
	  FROM mlops.drift('listen', '-infinity') WHERE feature <> '(error)'" || exit 2
q >"$work/writer2.out" 2>&1 <<EOF || fail "the second shifted batch failed: $(cat "$work/writer2.out")"
SET mlops.drift_check_interval = 0;
SET mlops.drift_window = $WINDOW;
$SHIFTED
EOF
[ -s "$work/writer2.out" ] && fail "the second shifted batch printed: $(cat "$work/writer2.out")"
count2=$(q -c "SELECT count(*) FROM mlops.alerts a JOIN mlops.projects p USING (project_id) WHERE p.name = 'listen'") || exit 2
logged=$(q -c "SELECT count(*) FROM mlops.drift_log l JOIN mlops.projects p USING (project_id) WHERE p.name = 'listen'") || exit 2
echo "   alert rows of project listen: $count1 after the first batch, $count2 after the second; $logged statements logged"
[ "$logged" = 2 ] || fail "drift_log holds $logged rows for project listen, expected 2"
[ "$count1" -ge 1 ] || fail "the first shifted batch raised no alert"
[ "$count2" = "$count1" ] || fail "the second batch in the same window raised $((count2 - count1)) more alert(s)"
sleep 0.5
touch "$work/listen.done"
wait "$listener"
grep -q '^listener done$' "$work/listen.out" || fail "the listener of part 3 did not run to its end: $(cat "$work/listen.out")"
payloads "$work/listen.out" >"$work/listen.payloads"
echo "   the listener received $(wc -l <"$work/listen.payloads") notification(s):"
sed 's/^/      /' "$work/listen.payloads"
q -c "SELECT a.alert_id || ' ' || a.feature FROM mlops.alerts a JOIN mlops.projects p USING (project_id)
	  WHERE p.name = 'listen' ORDER BY 1" >"$work/listen.alerts" || exit 2
/usr/bin/python3 - "$work/listen.payloads" "$work/listen.alerts" <<'EOF' || fail "the notifications of part 3 are wrong (above)"
import json, sys
ok = True
alerts = [l.split(None, 1) for l in open(sys.argv[2]).read().splitlines()]
got = []
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError as e:
        print("   not JSON: %r (%s)" % (line, e))
        ok = False
        continue
    if d.get("project") != "listen":
        print("   payload names project %r, not listen: %s" % (d.get("project"), line.strip()))
        ok = False
        continue
    for key in ("alert_id", "feature", "model_id", "psi", "n_live", "window_start"):
        if key not in d:
            print("   payload lacks %s: %s" % (key, line.strip()))
            ok = False
    got.append([str(d.get("alert_id")), d.get("feature")])
if not any(f == "x1" for _, f in got):
    print("   no notification names the shifted feature x1")
    ok = False
if sorted(got) != sorted(alerts):
    print("   notifications %r, alert rows %r: not one notification per alert row" % (sorted(got), sorted(alerts)))
    ok = False
sys.exit(0 if ok else 1)
EOF

# ---------------------------------------------------------------------------
if [ $failures -gt 0 ]; then
	echo "071_drift_concurrency: $failures failure(s); database $DB kept for inspection"
	exit 1
fi
dropdb --if-exists "$DB"
echo "071_drift_concurrency: ok"
