#!/usr/bin/env bash
# test/bench/monitor.sh: what drift monitoring (mlops.monitor) costs the writers of a table, run
# by hand, not in CI.
#
# It starts a throwaway cluster (test/cluster.sh), trains and deploys a model of y on 5 float8
# features (100,000 rows), and writes the same rows into identical tables:
#   live_plain      no trigger
#   live_monitored  SELECT mlops.monitor('p', 'live_monitored'): the statement-level AFTER INSERT
#                   trigger with a transition table (REFERENCING NEW TABLE) that bins the rows
#                   and logs one summary row per statement into mlops.drift_log
#   live_noop       a PL/pgSQL statement trigger with the same REFERENCING NEW TABLE clause that
#                   only does RETURN NULL: the cost of capturing the transition table alone
# Every figure is a ratio to live_plain measured in the same session, so machines can be
# compared.
#
# 1. COPY of BENCH_COPY_ROWS rows (default 1,000,000) from a text file written once by the
#    server into the cluster's directory, into each table, TRUNCATEd (and a CHECKPOINT) before
#    every run.  Each COPY runs in a new session that first loads mlops (so a monitored COPY
#    also makes that session's first mlops.check_drift, as a bulk load in its own session
#    would), with JIT off, at the server's work_mem (4MB: the transition table of 1M rows,
#    ~100 MB, spills to a temporary file) and at BENCH_BIG_WORK_MEM (256MB: it stays in
#    memory).  BENCH_COPY_RUNS rounds (default 5); each round runs every (work_mem, table)
#    once, and the order of the tables alternates from round to round.  Printed: the median
#    time of each, the ratio of the medians to live_plain and, in [brackets], the median over
#    the rounds of the ratio within a round; as wall-clock time (psql \timing, the COPY and its
#    COMMIT) and as the CPU time of the backend (/proc/self/stat, which a busy machine disturbs
#    less); and the time spent in the trigger function itself (track_functions = all,
#    pg_stat_get_xact_function_total_time), which is the monitoring's overhead but for the
#    capture of the transition table.  Target: monitored <= 1.2x plain.
# 2. Single-row INSERTs under pgbench (-n -c BENCH_CLIENTS -j BENCH_THREADS -T BENCH_SECONDS,
#    default -c 4 -j 2 -T 15), into live_plain and live_monitored alternately, BENCH_PGBENCH_RUNS
#    runs of each (default 3), with mlops.drift_check_interval at its default (10 s: every
#    session checks the project at its first statement and then every 10 s) and at -1 (no
#    checks: the summary rows only).  The tables and mlops.drift_log are TRUNCATEd before every
#    run, so that every run starts alike (mlops.drift_log only before the monitored runs: the
#    last one's summaries stay, and one mlops.check_drift is timed over them).  Printed: the
#    median tps of each and their ratio, and the server's CPU time per INSERT (what the
#    clients' backends used, from the postmaster's cutime + cstime).  Target: monitored >=
#    0.8x plain.
# 3. A summary of the ratios against the targets.
#
# Environment:
#   BENCH_COPY_ROWS      rows of each COPY, default 1000000
#   BENCH_COPY_RUNS      rounds of COPYs, default 5
#   BENCH_BIG_WORK_MEM   the larger work_mem of the COPYs, default 256MB
#   BENCH_PGBENCH_RUNS   pgbench runs per table and setting, default 3
#   BENCH_SECONDS        seconds of each pgbench run, default 15
#   BENCH_CLIENTS        pgbench clients, default 4
#   BENCH_THREADS        pgbench threads, default 2
#
# It takes about 5 minutes with the defaults on a 2-core machine.  It exits 0 unless something
# fails; a ratio that misses its target is printed as such but is not an error.
set -euo pipefail

# shellcheck source=test/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pkglibdir=$("$PG_CONFIG" --pkglibdir)
bindir=$("$PG_CONFIG" --bindir)
PGBENCH="$bindir/pgbench"
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench) || die "pgbench not found (package postgresql-client-15 / postgresql-contrib)"

BENCH_COPY_ROWS="${BENCH_COPY_ROWS:-1000000}"
BENCH_COPY_RUNS="${BENCH_COPY_RUNS:-5}"
BENCH_BIG_WORK_MEM="${BENCH_BIG_WORK_MEM:-256MB}"
BENCH_PGBENCH_RUNS="${BENCH_PGBENCH_RUNS:-3}"
BENCH_SECONDS="${BENCH_SECONDS:-15}"
BENCH_CLIENTS="${BENCH_CLIENTS:-4}"
BENCH_THREADS="${BENCH_THREADS:-2}"
[[ "$BENCH_COPY_ROWS" =~ ^[1-9][0-9]*$ ]] && [ "$BENCH_COPY_ROWS" -ge 1000 ] ||
	die "BENCH_COPY_ROWS must be a row count of at least 1000, not \"$BENCH_COPY_ROWS\""
for v in BENCH_COPY_RUNS BENCH_PGBENCH_RUNS BENCH_SECONDS BENCH_CLIENTS BENCH_THREADS; do
	[[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not \"${!v}\""
done
[[ "$BENCH_BIG_WORK_MEM" =~ ^[1-9][0-9]*(kB|MB|GB)$ ]] || die "BENCH_BIG_WORK_MEM must be like 256MB, not \"$BENCH_BIG_WORK_MEM\""
[ "$BENCH_THREADS" -le "$BENCH_CLIENTS" ] || die "BENCH_THREADS ($BENCH_THREADS) must not exceed BENCH_CLIENTS ($BENCH_CLIENTS)"

# The COPY file (~110 bytes a row) and the WAL and table of a COPY; ask for three times that.
need_mb=$((BENCH_COPY_ROWS * 110 * 3 / 1024 / 1024 + 300))
tmpbase="${TMPDIR:-/tmp}"
avail_mb=$(df -Pm "$tmpbase" | awk 'NR == 2 { print $4 }')
[ "$avail_mb" -ge "$need_mb" ] || die "$tmpbase has $avail_mb MB free, the benchmark needs about $need_mb MB; free space or set TMPDIR"

mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
if [ "$mem_kb" -ge $((4 * 1024 * 1024)) ]; then
	shared_buffers=1GB
else
	shared_buffers="$((mem_kb / 4 / 1024))MB"
fi

# ---------------------------------------------------------------------------------------------
# Cluster
# ---------------------------------------------------------------------------------------------
# shellcheck source=test/cluster.sh
. "$root/test/cluster.sh"

started_at=$(date +%s)
say "starting a throwaway cluster (shared_buffers = $shared_buffers, work_mem = 4MB)"
# work_mem stays at PostgreSQL's default (4MB): the transition table of a large COPY spills,
# as on a server with default settings.  Checkpoints are left to the script (one before every
# timed COPY), none by time or WAL volume in between.
mlops_cluster_start \
	"shared_buffers = '$shared_buffers'" \
	"work_mem = '4MB'" \
	"max_wal_size = '16GB'" \
	"checkpoint_timeout = '1h'" \
	"autovacuum = off" \
	"jit = off" \
	"max_connections = $((BENCH_CLIENTS + 20))" ||
	die "could not start the cluster"

psql_q() {
	psql -X -q -v ON_ERROR_STOP=1 -At "$@"
}

workdir="$MLOPS_CLUSTER_DIR/bench"
mkdir -p "$workdir"
copy_file="$MLOPS_CLUSTER_DIR/copy_rows.txt"

# ---------------------------------------------------------------------------------------------
# Tables, model, monitoring
# ---------------------------------------------------------------------------------------------
# The rows: 5 float8 features and y, the same distribution for training and live rows.
rows_sql() { # rows_sql N
	echo "SELECT x1, x2, x3, x4, x5,
	       3.0 + 1.5*x1 - 2.0*x2 + 0.5*x3 + 0.25*x4 - 1.0*x5 + 0.5 * (random() - 0.5) AS y
	FROM (SELECT random() AS x1, 2*random() - 1 AS x2, 10*random() AS x3, random() - 5 AS x4,
	             100*random() AS x5
	      FROM generate_series(1, $1) OFFSET 0) s"
}
t0=$(date +%s)
psql_q >/dev/null <<SQL || die "could not create the tables and the model"
SET jit = off;
SET client_min_messages = warning;
CREATE EXTENSION mlops;
SELECT setseed(0.25);
CREATE TABLE train_rows (x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, y float8);
INSERT INTO train_rows $(rows_sql 100000);
ANALYZE train_rows;
CREATE TABLE live_plain (LIKE train_rows);
CREATE TABLE live_monitored (LIKE train_rows);
CREATE TABLE live_noop (LIKE train_rows);
CREATE FUNCTION noop_trigger() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN RETURN NULL; END\$\$;
CREATE TRIGGER noop AFTER INSERT ON live_noop REFERENCING NEW TABLE AS noop_new
	FOR EACH STATEMENT EXECUTE FUNCTION noop_trigger();
SELECT * FROM mlops.train('p', 'train_rows', 'y', deploy => 'always');
SELECT mlops.monitor('p', 'live_monitored');
SELECT setseed(0.5);
COPY ($(rows_sql "$BENCH_COPY_ROWS")) TO '$copy_file';
SQL
deployed=$(psql_q -c "SELECT count(*) FROM mlops.deployed_models WHERE project = 'p'")
[ "$deployed" = 1 ] || die "project p has no deployed model"
triggers=$(psql_q -c "SELECT string_agg(tgrelid::regclass || ': ' || pg_get_triggerdef(oid), E'\n' ORDER BY tgrelid::regclass::text)
	FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('live_monitored'::regclass, 'live_plain'::regclass, 'live_noop'::regclass)")
copy_mb=$(($(stat -c %s "$copy_file") / 1024 / 1024))

cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//')
echo ""
echo "== environment =="
echo "CPU:          $cpu_model ($(nproc) cores online)"
echo "memory:       $((mem_kb / 1024)) MB; shared_buffers = $shared_buffers, work_mem = 4MB, JIT off"
echo "server:       PostgreSQL $(psql_q -c 'SHOW server_version'); mlops.so $(stat -c %y "$pkglibdir/mlops.so" | cut -d. -f1)"
echo "load:         $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) before the runs"
echo "model:        y ~ x1..x5 trained on 100000 rows and deployed (project p); set up in $(($(date +%s) - t0)) s"
echo "triggers:"
echo "$triggers" | sed 's/^/              /'
echo "COPY file:    $BENCH_COPY_ROWS rows, $copy_mb MB of text"

median() { # median V...: the median of the numbers
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { # ratio A B: A / B
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'
}

# ---------------------------------------------------------------------------------------------
# 1. COPY
# ---------------------------------------------------------------------------------------------
declare -A COPYMS COPYCPU COPYTRG # [wm|table|round]: wall-clock ms, CPU ms of the backend, ms in the trigger function
# The CPU time (user + system, in clock ticks) that the session's backend has used so far:
# fields 14 and 15 of /proc/self/stat, the 12th and 13th after the command name.
cpu_sql="SELECT 'CPU', a[12]::bigint + a[13]::bigint FROM (SELECT string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS a) s;"
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
# The time spent in the trigger functions by the current transaction (track_functions = all):
# all of the statement trigger's work but the capture of the transition table, which is done
# row by row while the rows are inserted.
trg_sql="SELECT 'TRG', coalesce(pg_stat_get_xact_function_total_time('mlops.drift_trigger()'::regprocedure), 0)
	+ coalesce(pg_stat_get_xact_function_total_time('noop_trigger()'::regprocedure), 0);"
tables=(live_plain live_monitored live_noop)
wms=(default "$BENCH_BIG_WORK_MEM")

# copy_once WM TABLE: TRUNCATE, CHECKPOINT and sync (so that no writeback of the previous run
# overlaps), then in a new session that has loaded mlops, the timed COPY and its COMMIT.
# Prints "wall_ms cpu_ms trigger_ms rows".
copy_once() {
	local wm=$1 tab=$2
	psql_q -c "TRUNCATE $tab" -c "CHECKPOINT" >/dev/null || die "could not truncate $tab"
	sync
	{
		echo "SET jit = off;"
		echo "SET track_functions = 'all';"
		if [ "$wm" != default ]; then echo "SET work_mem = '$wm';"; fi
		# load mlops (and its GUCs) before the timed statement, as the first call would
		echo "LOAD 'mlops';"
		echo "BEGIN;"
		echo "$cpu_sql"
		echo '\timing on'
		echo "COPY $tab FROM '$copy_file';"
		echo '\timing off'
		echo "$trg_sql"
		echo '\timing on'
		echo "COMMIT;"
		echo '\timing off'
		echo "$cpu_sql"
		echo "SELECT 'ROWS', count(*) FROM $tab;"
	} | psql_q >"$workdir/copy.out" 2>"$workdir/copy.err" || {
		cat "$workdir/copy.err" >&2
		die "the COPY into $tab (work_mem $wm) failed"
	}
	if grep -q . "$workdir/copy.err"; then
		cat "$workdir/copy.err" >&2
		die "the COPY into $tab (work_mem $wm) printed errors or warnings"
	fi
	awk -v tck="$clk_tck" '
		/^Time: / { ms += $2; next }
		/^CPU\|/ { split($0, f, "|"); c[++ncpu] = f[2]; next }
		/^TRG\|/ { split($0, f, "|"); trg = f[2]; next }
		/^ROWS\|/ { split($0, f, "|"); n = f[2] }
		END { if (ncpu == 2 && trg != "" && n != "") print ms, (c[2] - c[1]) * 1000 / tck, trg, n }' "$workdir/copy.out"
}

echo ""
echo "== 1. COPY of $BENCH_COPY_ROWS rows from a file, $BENCH_COPY_RUNS rounds (TRUNCATE, CHECKPOINT and sync before each) =="
for r in $(seq 1 "$BENCH_COPY_RUNS"); do
	t_round=$(date +%s)
	if [ $((r % 2)) = 1 ]; then
		order=(live_plain live_monitored live_noop)
	else
		order=(live_noop live_monitored live_plain)
	fi
	for wm in "${wms[@]}"; do
		for tab in "${order[@]}"; do
			out=$(copy_once "$wm" "$tab")
			read -r ms cpu trg n <<<"$out"
			[ -n "${n:-}" ] || die "no time for the COPY into $tab (work_mem $wm) in round $r"
			[ "$n" = "$BENCH_COPY_ROWS" ] || die "COPY into $tab left $n rows, not $BENCH_COPY_ROWS"
			COPYMS[$wm|$tab|$r]=$ms
			COPYCPU[$wm|$tab|$r]=$cpu
			COPYTRG[$wm|$tab|$r]=$trg
		done
	done
	line="  round $r:"
	for wm in "${wms[@]}"; do
		for tab in "${tables[@]}"; do
			line="$line $(printf '%.0f/%.0f' "${COPYMS[$wm|$tab|$r]}" "${COPYCPU[$wm|$tab|$r]}")"
		done
	done
	echo "$line ms (wall/CPU; plain, monitored, noop at work_mem 4MB, then at $BENCH_BIG_WORK_MEM) in $(($(date +%s) - t_round)) s"
done
logged=$(psql_q -c "SELECT count(*), coalesce(min(n_rows), 0), coalesce(max(n_rows), 0) FROM mlops.drift_log WHERE relation = 'public.live_monitored'")
IFS='|' read -r logged_n logged_min logged_max <<<"$logged"
[ "$logged_n" = $((2 * BENCH_COPY_RUNS)) ] && [ "$logged_min" = "$BENCH_COPY_ROWS" ] && [ "$logged_max" = "$BENCH_COPY_ROWS" ] ||
	die "mlops.drift_log has $logged_n summaries of live_monitored (rows $logged_min..$logged_max), expected $((2 * BENCH_COPY_RUNS)) of $BENCH_COPY_ROWS rows"
echo "  mlops.drift_log: $logged_n summaries of $BENCH_COPY_ROWS rows each, one per monitored COPY"

declare -A COPYMED COPYRATIO COPYRRATIO # [metric|wm|table]
copy_report() { # copy_report METRIC (wall or cpu)
	local metric=$1 wm tab r wml all
	local -n times=COPYMS
	[ "$metric" = cpu ] && local -n times=COPYCPU
	echo ""
	if [ "$metric" = cpu ]; then
		echo "  CPU time of the backend (user + system, /proc/self/stat; less sensitive to other load):"
	else
		echo "  wall-clock time (psql \\timing):"
	fi
	printf '  %-10s %-16s %10s %8s %9s  %s\n' work_mem table "median ms" "ns/row" "x plain" "[round median]  runs (ms)"
	for wm in "${wms[@]}"; do
		for tab in "${tables[@]}"; do
			local vals=() rr=()
			all=""
			for r in $(seq 1 "$BENCH_COPY_RUNS"); do
				vals+=("${times[$wm|$tab|$r]}")
				rr+=("$(ratio "${times[$wm|$tab|$r]}" "${times[$wm|live_plain|$r]}")")
				all="$all $(printf '%.0f' "${times[$wm|$tab|$r]}")"
			done
			COPYMED[$metric|$wm|$tab]=$(median "${vals[@]}")
			COPYRATIO[$metric|$wm|$tab]=$(ratio "${COPYMED[$metric|$wm|$tab]}" "${COPYMED[$metric|$wm|live_plain]}")
			COPYRRATIO[$metric|$wm|$tab]=$(median "${rr[@]}")
			wml=$wm
			[ "$wm" = default ] && wml=4MB
			printf '  %-10s %-16s %10.1f %8.1f %8.2fx  [%.2fx] %s\n' "$wml" "$tab" "${COPYMED[$metric|$wm|$tab]}" \
				"$(awk -v ms="${COPYMED[$metric|$wm|$tab]}" -v n="$BENCH_COPY_ROWS" 'BEGIN { print ms * 1e6 / n }')" \
				"${COPYRATIO[$metric|$wm|$tab]}" "${COPYRRATIO[$metric|$wm|$tab]}" "$all"
		done
	done
}
copy_report wall
copy_report cpu
# The trigger functions' own time (the capture of the transition table is not in it).
declare -A TRGMED TRGSHARE # [wm|table]
echo ""
echo "  time in the trigger function (track_functions = all; the capture of the transition table is not in it):"
printf '  %-10s %-16s %10s %8s %14s  %s\n' work_mem table "median ms" "ns/row" "/ plain wall" "runs (ms)"
for wm in "${wms[@]}"; do
	for tab in live_monitored live_noop; do
		vals=() all=""
		for r in $(seq 1 "$BENCH_COPY_RUNS"); do
			vals+=("${COPYTRG[$wm|$tab|$r]}")
			all="$all $(printf '%.1f' "${COPYTRG[$wm|$tab|$r]}")"
		done
		TRGMED[$wm|$tab]=$(median "${vals[@]}")
		TRGSHARE[$wm|$tab]=$(awk -v t="${TRGMED[$wm|$tab]}" -v p="${COPYMED[wall|$wm|live_plain]}" 'BEGIN { printf "%.1f%%", 100 * t / p }')
		wml=$wm
		[ "$wm" = default ] && wml=4MB
		printf '  %-10s %-16s %10.1f %8.1f %14s %s\n' "$wml" "$tab" "${TRGMED[$wm|$tab]}" \
			"$(awk -v ms="${TRGMED[$wm|$tab]}" -v n="$BENCH_COPY_ROWS" 'BEGIN { print ms * 1e6 / n }')" "${TRGSHARE[$wm|$tab]}" "$all"
	done
done
# The share of the monitoring's overhead that the capture of the transition table alone costs,
# when the medians resolve it (plain <= no-op <= monitored).
declare -A CAPSHARE
for metric in wall cpu; do
	for wm in "${wms[@]}"; do
		CAPSHARE[$metric|$wm]=$(awk -v p="${COPYMED[$metric|$wm|live_plain]}" -v m="${COPYMED[$metric|$wm|live_monitored]}" \
			-v n="${COPYMED[$metric|$wm|live_noop]}" \
			'BEGIN { if (m > p && n >= p && n <= m) printf "%.0f%% of the overhead", 100 * (n - p) / (m - p)
				else print "not resolved, the noise exceeds the differences" }')
	done
done

# ---------------------------------------------------------------------------------------------
# 2. Single-row INSERTs under pgbench
# ---------------------------------------------------------------------------------------------
for tab in live_plain live_monitored; do
	echo "INSERT INTO $tab $(rows_sql 1 | tr '\n\t' '  ' | sed 's/  */ /g');" >"$workdir/insert_$tab.sql"
done
echo ""
echo "== 2. single-row INSERTs: pgbench -n -c $BENCH_CLIENTS -j $BENCH_THREADS -T $BENCH_SECONDS, $BENCH_PGBENCH_RUNS runs each (TRUNCATE before each) =="
echo "  script: $(cat "$workdir/insert_live_monitored.sql")"
declare -A TPS CPUTX # [interval|table|run]: tps; server CPU per transaction (microseconds)
# The CPU time of the server's exited children (user + system, clock ticks): fields 16 and 17 of
# the postmaster's /proc/<pid>/stat.  The backends of pgbench's clients add theirs when they exit.
postmaster_pid=$(head -n 1 "$PGDATA/postmaster.pid")
children_cpu() {
	awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$postmaster_pid/stat"
}
# Waits until no other client backend is left (the clients of pgbench have exited and been
# reaped), so that their CPU time is in children_cpu.
wait_backends_gone() {
	local n
	for _ in $(seq 1 100); do
		n=$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
		[ "$n" = 0 ] && return 0
		sleep 0.1
	done
	die "the clients of pgbench did not exit"
}
declare -A LOGROWS # [interval|run] summaries logged by a monitored run
intervals=(default -1)
for iv in "${intervals[@]}"; do
	opts="-c jit=off"
	[ "$iv" = default ] || opts="$opts -c mlops.drift_check_interval=$iv"
	shown=$(PGOPTIONS="$opts" psql_q -c "LOAD 'mlops'" -c "SELECT current_setting('mlops.drift_check_interval')" | tail -n 1)
	echo "  mlops.drift_check_interval = $shown:"
	for r in $(seq 1 "$BENCH_PGBENCH_RUNS"); do
		if [ $((r % 2)) = 1 ]; then order=(live_plain live_monitored); else order=(live_monitored live_plain); fi
		for tab in "${order[@]}"; do
			# mlops.drift_log only before a monitored run: the last one's summaries stay for the
			# check_drift timed below
			clear_log=()
			[ "$tab" = live_plain ] || clear_log=(-c "TRUNCATE mlops.drift_log")
			psql_q -c "TRUNCATE $tab" "${clear_log[@]}" -c "CHECKPOINT" >/dev/null ||
				die "could not truncate $tab"
			wait_backends_gone
			cpu0=$(children_cpu)
			PGOPTIONS="$opts" "$PGBENCH" -n -c "$BENCH_CLIENTS" -j "$BENCH_THREADS" -T "$BENCH_SECONDS" \
				-f "$workdir/insert_$tab.sql" >"$workdir/pgbench.out" 2>"$workdir/pgbench.err" || {
				cat "$workdir/pgbench.out" "$workdir/pgbench.err" >&2
				die "pgbench failed on $tab"
			}
			tps=$(awk '/^tps = / { print $3; exit }' "$workdir/pgbench.out")
			failed=$(awk '/number of failed transactions:/ { print $5; exit }' "$workdir/pgbench.out")
			[ -n "$tps" ] || {
				cat "$workdir/pgbench.out" >&2
				die "no tps in pgbench's output"
			}
			[ "${failed:-0}" = 0 ] || die "pgbench on $tab: $failed failed transactions"
			lat=$(awk '/^latency average = / { print $4; exit }' "$workdir/pgbench.out")
			if grep -q 'WARNING' "$workdir/pgbench.err"; then
				grep -m3 'WARNING' "$workdir/pgbench.err" >&2
				die "pgbench on $tab: the server warned"
			fi
			TPS[$iv|$tab|$r]=$tps
			wait_backends_gone
			cpu1=$(children_cpu)
			tx=$(awk '/^number of transactions actually processed: / { print $6; exit }' "$workdir/pgbench.out")
			CPUTX[$iv|$tab|$r]=$(awk -v c="$((cpu1 - cpu0))" -v tck="$clk_tck" -v n="$tx" 'BEGIN { printf "%.1f", c * 1e6 / tck / n }')
			rows=$(psql_q -c "SELECT count(*) FROM $tab")
			extra=""
			if [ "$tab" = live_monitored ]; then
				LOGROWS[$iv|$r]=$(psql_q -c "SELECT count(*) FROM mlops.drift_log WHERE relation = 'public.live_monitored'")
				[ "${LOGROWS[$iv|$r]}" = "$rows" ] ||
					die "the monitored run inserted $rows rows, mlops.drift_log has ${LOGROWS[$iv|$r]} summaries (expected one per row)"
				extra=", ${LOGROWS[$iv|$r]} summaries logged"
			fi
			printf '    run %d %-16s %10.1f tps  latency %6s ms  server CPU %6.1f us/INSERT  %8d rows%s\n' \
				"$r" "$tab" "$tps" "$lat" "${CPUTX[$iv|$tab|$r]}" "$rows" "$extra"
		done
	done
done
# What one check of the project costs with a monitored run's summaries in the window (the last
# monitored run's, with interval -1).
check_ms=$(
	{
		echo "SET jit = off;"
		echo "SELECT mlops.check_drift('p') \\g /dev/null"
		echo '\timing on'
		echo "SELECT mlops.check_drift('p') \\g /dev/null"
	} | psql_q | awk '/^Time: / { print $2 }' | tail -n 1
)
check_rows=$(psql_q -c "SELECT count(*) FROM mlops.drift_log")

declare -A TPSMED TPSRATIO CPUMED CPURATIO
echo ""
printf '  %-22s %-16s %12s %9s  %-22s %16s %9s\n' check_interval table "median tps" "x plain" "runs (tps)" "CPU us/INSERT" "x plain"
for iv in "${intervals[@]}"; do
	for tab in live_plain live_monitored; do
		vals=() cvals=() all=""
		for r in $(seq 1 "$BENCH_PGBENCH_RUNS"); do
			vals+=("${TPS[$iv|$tab|$r]}")
			cvals+=("${CPUTX[$iv|$tab|$r]}")
			all="$all $(printf '%.0f' "${TPS[$iv|$tab|$r]}")"
		done
		TPSMED[$iv|$tab]=$(median "${vals[@]}")
		TPSRATIO[$iv|$tab]=$(ratio "${TPSMED[$iv|$tab]}" "${TPSMED[$iv|live_plain]}")
		CPUMED[$iv|$tab]=$(median "${cvals[@]}")
		CPURATIO[$iv|$tab]=$(ratio "${CPUMED[$iv|$tab]}" "${CPUMED[$iv|live_plain]}")
		ivl=$iv
		[ "$iv" = default ] && ivl="10s (default)"
		printf '  %-22s %-16s %12.1f %8.2fx  %-22s %16.1f %8.2fx\n' "$ivl" "$tab" "${TPSMED[$iv|$tab]}" "${TPSRATIO[$iv|$tab]}" \
			"${all# }" "${CPUMED[$iv|$tab]}" "${CPURATIO[$iv|$tab]}"
	done
done
echo "  one mlops.check_drift('p') with $check_rows single-row summaries in the window: ${check_ms:-?} ms"
sizes=$(psql_q -c "SELECT pg_total_relation_size('mlops.drift_log') / greatest(count(*), 1) FROM mlops.drift_log" \
	-c "SELECT pg_total_relation_size('live_monitored') / greatest(count(*), 1) FROM live_monitored" | tr '\n' ' ')
read -r log_bytes row_bytes <<<"$sizes"
echo "  disk: $log_bytes bytes of mlops.drift_log (with its indexes) per single-row statement, against $row_bytes bytes per row of live_monitored"

# ---------------------------------------------------------------------------------------------
# 3. Summary
# ---------------------------------------------------------------------------------------------
verdict() { # verdict VALUE OP TARGET
	# on the ratio as printed (2 decimals)
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { v = sprintf("%.2f", v) + 0; ok = (op == "<=") ? (v <= t) : (v >= t); print ok ? "meets" : "MISSES" }'
}
echo ""
echo "== summary: drift monitoring against no trigger, same session =="
echo "  (x = ratio of the medians; [r] = median over the rounds of the ratio within a round)"
for wm in "${wms[@]}"; do
	wml=$wm
	[ "$wm" = default ] && wml=4MB
	r=${COPYRATIO[wall|$wm|live_monitored]}
	printf '  %-58s wall %5.2fx [%.2fx]  CPU %5.2fx [%.2fx]  (target <= 1.2x: %s)\n' \
		"COPY $BENCH_COPY_ROWS rows, work_mem $wml: monitored / plain" "$r" "${COPYRRATIO[wall|$wm|live_monitored]}" \
		"${COPYRATIO[cpu|$wm|live_monitored]}" "${COPYRRATIO[cpu|$wm|live_monitored]}" "$(verdict "$r" "<=" 1.2)"
	printf '  %-58s wall %5.2fx [%.2fx]  CPU %5.2fx [%.2fx]  (%s)\n' \
		"  capture alone: no-op trigger / plain" "${COPYRATIO[wall|$wm|live_noop]}" "${COPYRRATIO[wall|$wm|live_noop]}" \
		"${COPYRATIO[cpu|$wm|live_noop]}" "${COPYRRATIO[cpu|$wm|live_noop]}" "capture share by the medians: ${CAPSHARE[wall|$wm]}"
	printf '  %-58s %s of the plain COPY (%.0f ms, measured directly)\n' \
		"  mlops.drift_trigger() alone:" "+${TRGSHARE[$wm|live_monitored]}" "${TRGMED[$wm|live_monitored]}"
done
for iv in "${intervals[@]}"; do
	ivl="10s"
	[ "$iv" = default ] || ivl="$iv"
	r=${TPSRATIO[$iv|live_monitored]}
	printf '  %-58s tps  %5.2fx  server CPU per INSERT %.2fx  (target >= 0.8x: %s)\n' \
		"pgbench 1-row INSERT -c $BENCH_CLIENTS, interval $ivl: monitored / plain" "$r" \
		"${CPURATIO[$iv|live_monitored]}" "$(verdict "$r" ">=" 0.8)"
done
echo "  (took $(($(date +%s) - started_at)) s)"
