#!/usr/bin/env bash
# test/bench/run.sh: the performance benchmark of mlops, run by hand (`make bench`), not in CI.
#
# It starts a throwaway cluster tuned for benchmarking (test/cluster.sh), builds tables of N rows
# x 10 float8 features + y, caches them, and times each query with JIT off and with JIT on (forced).
# Every figure is a ratio to a baseline measured in the same run, so machines can be compared;
# the final table sets the ratios against the "Performance targets" of the design, which are
# meant to hold with JIT off.  It also prints the CPU and the BLAS and LAPACK a backend loaded.
#
# Environment:
#   BENCH_ROWS            table sizes, default "1000000 10000000" (10M rows is ~1.1 GB of table)
#   BENCH_REPS            timed runs per query, the best is kept; default 5 up to 2M rows, else 3
#   BENCH_SHARED_BUFFERS  default 4GB (less when the machine has less than 8 GB of memory)
#   BENCH_JIT             "off on" (default), "off" or "on"
#
# Timing: EXPLAIN (ANALYZE, TIMING OFF) of the query, "Execution Time" (it includes JIT
# compilation, excludes planning), best of BENCH_REPS rounds; each round runs every query once,
# so that a slow phase of a shared machine hits all of them alike; medians are printed too.
# "serial" runs with max_parallel_workers_per_gather = 0; "2 workers" forces a parallel plan with 2 workers
# (parallel_setup_cost = parallel_tuple_cost = min_parallel_table_scan_size = 0; the leader
# participates as well).  JIT on means jit = on with jit_above_cost, jit_inline_above_cost and
# jit_optimize_above_cost all 0; that also compiles each of the many small statements that
# train runs (seconds per call), so with JIT on train is timed in 2 rounds only, and once more
# at the default JIT thresholds for context.
#
# The SQL normal equations baseline computes the 78 sums that OLS with an intercept needs
# (n, sum x_i, sum y, sum x_i x_j for i <= j, sum x_i y, sum y^2), as in DESIGN.md.
#
# A whole run with both sizes takes about 12 minutes on 2 cores; BENCH_ROWS=1000000 about 3.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"

say() { echo "bench: $*"; }
die() {
	echo "bench: ERROR: $*" >&2
	exit 1
}

sharedir=$("$PG_CONFIG" --sharedir 2>/dev/null) || die "$PG_CONFIG does not run; run: make bench"
pkglibdir=$("$PG_CONFIG" --pkglibdir)
[ -f "$sharedir/extension/mlops.control" ] || die "the extension is not installed; run: make bench"

BENCH_ROWS="${BENCH_ROWS:-1000000 10000000}"
BENCH_JIT="${BENCH_JIT:-off on}"
for n in $BENCH_ROWS; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] && [ "$n" -ge 1000 ] || die "BENCH_ROWS must list row counts of at least 1000, not \"$n\""
done
for j in $BENCH_JIT; do
	[ "$j" = off ] || [ "$j" = on ] || die "BENCH_JIT must list \"off\" and/or \"on\", not \"$j\""
done
if [ -n "${BENCH_REPS:-}" ]; then
	[[ "$BENCH_REPS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive integer"
fi

# ---------------------------------------------------------------------------------------------
# Machine checks: memory for shared_buffers, disk for the largest table.
# ---------------------------------------------------------------------------------------------
mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
if [ -n "${BENCH_SHARED_BUFFERS:-}" ]; then
	shared_buffers="$BENCH_SHARED_BUFFERS"
elif [ "$mem_kb" -ge $((8 * 1024 * 1024)) ]; then
	shared_buffers=4GB
else
	shared_buffers="$((mem_kb / 4 / 1024))MB"
	say "warning: only $((mem_kb / 1024)) MB of memory; shared_buffers = $shared_buffers (the largest table may not stay cached)"
fi

max_rows=0
for n in $BENCH_ROWS; do
	if [ "$n" -gt "$max_rows" ]; then max_rows=$n; fi
done
# A row of 11 float8 takes 24 (header) + 88 (data) + 4 (line pointer) bytes: ~120 bytes with
# page overhead.  Only one table exists at a time; ask for twice its size to be safe.
need_mb=$((max_rows * 120 * 2 / 1024 / 1024 + 200))
tmpbase="${TMPDIR:-/tmp}"
avail_mb=$(df -Pm "$tmpbase" | awk 'NR == 2 { print $4 }')
[ "$avail_mb" -ge "$need_mb" ] ||
	die "$tmpbase has $avail_mb MB free, the ${max_rows}-row table needs about $need_mb MB; free space or set TMPDIR"

# ---------------------------------------------------------------------------------------------
# Cluster
# ---------------------------------------------------------------------------------------------
# shellcheck source=test/cluster.sh
. "$root/test/cluster.sh"

# pg_stat_statements (contrib), when there, reports the JIT compilation time of each query
# (EXPLAIN ANALYZE shows it only with TIMING ON, which slows the run down).
pgss_conf=()
if [ -f "$pkglibdir/pg_stat_statements.so" ] && [ -f "$sharedir/extension/pg_stat_statements.control" ]; then
	pgss_conf=("shared_preload_libraries = 'pg_cron,pg_stat_statements'" "pg_stat_statements.track = all")
fi

started_at=$(date +%s)
say "starting a throwaway cluster (shared_buffers = $shared_buffers)"
mlops_cluster_start \
	"shared_buffers = '$shared_buffers'" \
	"work_mem = '64MB'" \
	"maintenance_work_mem = '1GB'" \
	"effective_cache_size = '8GB'" \
	"huge_pages = try" \
	"wal_level = minimal" \
	"max_wal_senders = 0" \
	"max_wal_size = '8GB'" \
	"checkpoint_timeout = '1h'" \
	"autovacuum = off" \
	"jit = on" \
	"max_parallel_workers_per_gather = 2" \
	"max_parallel_workers = 8" \
	"${pgss_conf[@]}" ||
	die "could not start the cluster"

psql_q() {
	psql -X -q -v ON_ERROR_STOP=1 -At "$@"
}

psql_q <<'SQL' >/dev/null || die "could not create the extensions"
CREATE EXTENSION mlops;
SQL
have_pgss=0
if [ "${#pgss_conf[@]}" -gt 0 ] && psql_q -c "CREATE EXTENSION pg_stat_statements" >/dev/null 2>&1; then
	have_pgss=1
fi
have_prewarm=0
if [ -f "$sharedir/extension/pg_prewarm.control" ] &&
	psql_q -c "CREATE EXTENSION pg_prewarm" >/dev/null 2>&1; then
	have_prewarm=1
fi

jit_available=$(psql_q -c "SET jit = on; SELECT pg_jit_available()" | tail -n 1)
if [ "$jit_available" != t ]; then
	say "warning: JIT is not available in this server (is postgresql-15's llvmjit.so installed?); JIT-on figures are skipped"
	BENCH_JIT=$(echo "$BENCH_JIT" | tr ' ' '\n' | { grep -vx on || true; } | tr '\n' ' ')
	[ -n "${BENCH_JIT// /}" ] || die "BENCH_JIT asks for JIT on only, and JIT is not available"
fi

# ---------------------------------------------------------------------------------------------
# Environment report: CPU, BLAS loaded by a backend, versions.
# ---------------------------------------------------------------------------------------------
cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//')
cpu_mhz=$(grep -m1 '^cpu MHz' /proc/cpuinfo | sed 's/^cpu MHz[[:space:]]*:[[:space:]]*//')
cpu_cache=$(grep -m1 '^cache size' /proc/cpuinfo | sed 's/^cache size[[:space:]]*:[[:space:]]*//')
cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|avx512f|fma' | sort | tr '\n' ' ' || true)
server_version=$(psql_q -c "SHOW server_version")
# The backend reads its own memory map after calling into mlops (which loads BLAS and LAPACK).
blas_maps=$(psql_q <<'SQL' 2>/dev/null || true
SELECT (mlops.ols_fit(v, ARRAY[1, v])).r2 FROM (VALUES (1.0::float8), (2), (4)) s(v) \g /dev/null
SELECT DISTINCT substring(l FROM '(/\S+)$') AS path
FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), E'\n') AS l
WHERE l ~* '(blas|lapack|gfortran|atlas|mkl|blis)' ORDER BY 1;
SQL
)
[ -n "$blas_maps" ] || blas_maps="(could not read the backend's /proc/self/maps)"
blas_alt=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo "?")
lapack_alt=$(readlink -f /usr/lib/x86_64-linux-gnu/liblapack.so.3 2>/dev/null || echo "?")

echo ""
echo "== environment =="
echo "CPU:          $cpu_model (${cpu_mhz:-?} MHz, cache ${cpu_cache:-?}, $(nproc) cores online; ${cpu_flags:-no avx2/fma})"
echo "memory:       $((mem_kb / 1024)) MB; shared_buffers = $shared_buffers"
echo "server:       PostgreSQL $server_version; JIT available: $jit_available; pg_prewarm: $([ $have_prewarm = 1 ] && echo yes || echo no)"
echo "BLAS/LAPACK mapped by a backend after calling mlops:"
echo "$blas_maps" | sed 's/^/              /'
echo "alternatives: libblas.so.3 -> $blas_alt"
echo "              liblapack.so.3 -> $lapack_alt"
echo "mlops.so:     $pkglibdir/mlops.so ($(stat -c %y "$pkglibdir/mlops.so" 2>/dev/null | cut -d. -f1))"
echo "load:         $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) before the run; CPU steal so far $(awk '/^cpu / { print $9 }' /proc/stat) ticks"
echo "sizes:        $BENCH_ROWS rows; JIT: $BENCH_JIT; reps: ${BENCH_REPS:-5 up to 2M rows, else 3} (best kept)"

# ---------------------------------------------------------------------------------------------
# SQL pieces
# ---------------------------------------------------------------------------------------------
xs=$(seq -s, 1 10 | sed 's/\([0-9]\+\)/x\1/g')               # x1,x2,...,x10
xs_plus=$(seq -s+ 1 10 | sed 's/\([0-9]\+\)/x\1/g')          # x1+x2+...+x10
xs_f8=$(for i in $(seq 1 10); do printf ', x%d::float8' "$i"; done)
# The 78 sums of the normal equations with an intercept: n, sum x_i, sum y, sum x_i x_j (i <= j),
# sum x_i y, sum y y.
normeq="count(*), sum(y), sum(y*y)"
for i in $(seq 1 10); do
	normeq="$normeq, sum(x$i), sum(x$i*y)"
	for j in $(seq "$i" 10); do
		normeq="$normeq, sum(x$i*x$j)"
	done
done

# Settings of a run: JIT mode and serial/parallel.
settings() {
	local jit=$1 par=$2
	if [ "$jit" = on ]; then
		echo "SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0;"
	else
		echo "SET jit = off;"
	fi
	if [ "$par" = par ]; then
		echo "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
		echo "SET min_parallel_table_scan_size = 0; SET min_parallel_index_scan_size = 0;"
	else
		echo "SET max_parallel_workers_per_gather = 0;"
	fi
}

# Results: MS[key|rows|jit] = best milliseconds; MED the median; JITMS the mean JIT time of the
# leader per run (pg_stat_statements); WORKERS the workers launched in the best run; RUN[key|rows|
# jit|round] every run.
declare -A MS MED JITMS WORKERS STATESIZE LABEL RUN
keys=()

# The queries of one round: "key|par|label|extra settings|sql", in the order they run.
round_queries=()
add_query() { # add_query KEY PAR LABEL SQL [EXTRA_SETTINGS [MAX_ROUNDS]]
	local key=$1
	round_queries+=("$key|$2|$3|${5:-}|${6:-0}|$4")
	LABEL[$key]=$3
	[[ " ${keys[*]} " == *" $key "* ]] || keys+=("$key")
}

# run_rounds: runs every query of round_queries once per round, reps rounds, each in a new
# session.  Interleaving the rounds spreads a slow phase of the machine (other guests on the same
# host, frequency changes) over all queries instead of one, so the ratios stay comparable.
run_rounds() {
	local r entry key par label extra maxr sql
	: >"$workdir/times"
	for r in $(seq 1 "$reps"); do
		printf '  round %d/%d ...' "$r" "$reps"
		local t_round
		t_round=$(date +%s)
		{
			for entry in "${round_queries[@]}"; do
				IFS='|' read -r key par label extra maxr sql <<<"$entry"
				if [ "$maxr" -gt 0 ] && [ "$r" -gt "$maxr" ]; then continue; fi
				# A new session per query, so that no query inherits plans cached by another
				# (PL/pgSQL keeps the plans of train's statements, JIT decision included);
				# a one-row statement first loads mlops, LAPACK, the model and llvmjit.
				echo '\c'
				settings "$jit" "$par"
				echo "SELECT mlops.predict('b', ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]::float8[]) \\g /dev/null"
				echo "$extra"
				if [ "$have_pgss" = 1 ]; then echo "SELECT 'PGSS_RESET', pg_stat_statements_reset();"; fi
				echo "EXPLAIN (ANALYZE, TIMING OFF) $sql;"
				# JIT time of the leader, over the query and any statements it runs inside
				if [ "$have_pgss" = 1 ]; then
					echo "SELECT 'JITMS ' || round(coalesce(sum(jit_generation_time + jit_inlining_time + jit_optimization_time + jit_emission_time), 0)::numeric, 1) FROM pg_stat_statements;"
				fi
				echo "SELECT 'END $key';"
			done
		} | psql_q >"$workdir/round.out" 2>"$workdir/round.err" || {
			cat "$workdir/round.err" >&2
			die "a query failed in round $r (the last one started is the culprit): $(grep -c '^END ' "$workdir/round.out") done"
		}
		awk -v r="$r" '
			/^JITMS / { jit = $2 }
			/Workers Launched:/ { w = $NF }
			/Execution Time:/ { t = $(NF - 1) }
			/^END / { printf "%s %s %s %s %s\n", $2, r, t, (jit == "" ? "?" : jit), (w == "" ? "-" : w); t = ""; jit = ""; w = "" }
		' "$workdir/round.out" >>"$workdir/times"
		echo " $(($(date +%s) - t_round)) s"
	done
	# best, median, mean JIT, workers of the best run, every run
	local line best med jms wk all
	for entry in "${round_queries[@]}"; do
		IFS='|' read -r key par label extra maxr sql <<<"$entry"
		line=$(awk -v k="$key" '$1 == k { n++; t[n] = $3; j += $4; w[n] = $5; all = all sprintf(" %.0f", $3) }
			END {
				if (n == 0) exit
				b = 1; for (i = 2; i <= n; i++) if (t[i] < t[b]) b = i
				for (i = 1; i <= n; i++) s[i] = t[i]
				for (i = 2; i <= n; i++) { v = s[i]; for (m = i - 1; m >= 1 && s[m] > v; m--) s[m + 1] = s[m]; s[m + 1] = v }
				med = (n % 2) ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
				printf "%s %s %.1f %s%s\n", t[b], med, j / n, w[b], all }' "$workdir/times")
		[ -n "$line" ] || die "no timing for \"$label\""
		read -r best med jms wk all <<<"$line"
		while read -r _ rr tt _; do
			RUN[$key|$rows|$jit|$rr]=$tt
		done < <(awk -v k="$key" '$1 == k' "$workdir/times")
		MS[$key|$rows|$jit]=$best
		MED[$key|$rows|$jit]=$med
		JITMS[$key|$rows|$jit]=$jms
		WORKERS[$key|$rows|$jit]=$wk
		report_query "$key" "$par" "$all"
	done
}

report_query() { # report_query KEY PAR RUNS
	local key=$1 par=$2 all=$3 best med ns base ratio="" extra=""
	best=${MS[$key|$rows|$jit]}
	med=${MED[$key|$rows|$jit]}
	ns=$(awk -v ms="$best" -v n="$rows" 'BEGIN { printf "%.1f", ms * 1e6 / n }')
	base="${MS[scan|$rows|$jit]:-}"
	if [ -n "$base" ]; then
		ratio=$(awk -v a="$best" -v b="$base" 'BEGIN { printf "%.2fx scan", a / b }')
	fi
	if [ "$jit" = on ]; then extra="jit ${JITMS[$key|$rows|$jit]} ms/run"; fi
	if [ "$par" = par ]; then
		extra="$extra workers ${WORKERS[$key|$rows|$jit]}"
		# a function scan (train) shows no Gather: its inner plans are checked with auto_explain
		case "${WORKERS[$key|$rows|$jit]}" in
		2 | -) ;;
		*) extra="$extra (WARNING: asked for 2)" ;;
		esac
	fi
	printf '  %-44s %9.1f ms %8s ns/row %11s  %s  runs (ms):%s\n' "${LABEL[$key]}" "$best" "$ns" "$ratio" "$extra" "$all"
}

workdir="$MLOPS_CLUSTER_DIR/bench"
mkdir -p "$workdir"

# ---------------------------------------------------------------------------------------------
# Per size
# ---------------------------------------------------------------------------------------------
for rows in $BENCH_ROWS; do
	if [ -n "${BENCH_REPS:-}" ]; then
		reps=$BENCH_REPS
	elif [ "$rows" -le 2000000 ]; then
		reps=5
	else
		reps=3
	fi
	echo ""
	echo "== $rows rows x (10 float8 features + y), best of $reps interleaved rounds =="
	t0=$(date +%s)
	# Deterministic data: a fixed seed and a serial INSERT (random() is evaluated row by row,
	# left to right).  The table is created in the loading transaction, so with
	# wal_level = minimal the load writes no WAL.
	psql_q >/dev/null <<SQL || die "could not create the ${rows}-row table"
SET client_min_messages = warning;
DROP TABLE IF EXISTS t;
SELECT mlops.drop_project(name) FROM mlops.projects;
BEGIN;
CREATE TABLE t (x1 float8, x2 float8, x3 float8, x4 float8, x5 float8,
                x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, y float8);
SELECT setseed(0.25);
INSERT INTO t
SELECT x1, x2, x3, x4, x5, x6, x7, x8, x9, x10,
       3.0 + 1.5*x1 - 2.0*x2 + 0.5*x3 + 0.25*x4 - 1.0*x5
           + 2.5*x6 - 0.75*x7 + 1.25*x8 - 0.5*x9 + 0.1*x10
           + 0.5 * (random() - 0.5)
FROM (SELECT random() AS x1, 2*random() - 1 AS x2, 10*random() AS x3, random() - 5 AS x4,
             100*random() AS x5, random() AS x6, 3*random() AS x7, random() + 1 AS x8,
             0.1*random() AS x9, 50*random() - 25 AS x10
      FROM generate_series(1, $rows) OFFSET 0) s;
COMMIT;
VACUUM (FREEZE, ANALYZE) t;
SQL
	table_size=$(psql_q -c "SELECT pg_size_pretty(pg_table_size('t'))")
	# Warm the cache: load every page into shared buffers, then scan twice.
	{
		if [ "$have_prewarm" = 1 ]; then echo "SELECT pg_prewarm('t');"; fi
		echo "SET max_parallel_workers_per_gather = 0; SET jit = off;"
		echo "SELECT sum(y) FROM t; SELECT sum(y) FROM t;"
	} | psql_q >/dev/null
	cached=$(psql_q -c "SET max_parallel_workers_per_gather = 0; SET jit = off;
		EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, COSTS OFF) SELECT sum(y) FROM t" |
		grep -m1 -o 'Buffers: .*' || true)
	echo "table t: $table_size, loaded and cached in $(($(date +%s) - t0)) s ($cached)"

	# A model to predict with, and its coefficients as float8 literals.
	psql_q >/dev/null -c "SET jit = off; SELECT * FROM mlops.train('b', 't', 'y', test_fraction => 0, deploy => 'always')"
	coefs=$(psql_q -c "SELECT array_to_string(m.coefficients, ' ') FROM mlops.models m
		JOIN mlops.deployed_models d USING (model_id) WHERE d.project = 'b'")
	read -r -a c <<<"$coefs"
	[ "${#c[@]}" -eq 11 ] || die "expected 11 coefficients, got: $coefs"
	arith="'${c[0]}'::float8"
	for i in $(seq 1 10); do
		arith="$arith + '${c[$i]}'::float8*x$i"
	done
	echo "trained coefficients: ${c[*]}"
	# The three predictions must agree before they are timed against each other.
	check=$(psql_q -c "SET jit = off; SELECT sum(mlops.predict('b', ARRAY[$xs])), sum(mlops.predict('b', t)), sum($arith) FROM t t")
	awk -F'|' '{ d1 = $1 - $3; d2 = $2 - $3; s = ($3 < 0 ? -$3 : $3);
		if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2;
		exit !(d1 <= 1e-9 * s && d2 <= 1e-9 * s) }' <<<"$check" ||
		die "predict and the SQL arithmetic disagree: $check"

	# Memory: the state of the whole table (its size must not depend on the number of rows).
	STATESIZE[$rows]=$(psql_q -c "SET jit = off; SELECT pg_column_size(mlops.fit_state(y, ARRAY[1, $xs])) FROM t")
	echo "pg_column_size(mlops.fit_state(y, ARRAY[1, x1..x10])) = ${STATESIZE[$rows]} bytes"

	for jit in $BENCH_JIT; do
		echo ""
		echo "-- $rows rows, JIT $jit --"
		train_rounds=0
		if [ "$jit" = on ]; then train_rounds=2; fi
		# Each measure runs right after its baseline, so that both see the same phase of the machine.
		round_queries=()
		add_query scan serial "bare scan sum(y+x1+..+x10)" \
			"SELECT sum(y+$xs_plus) FROM t"
		add_query ols serial "ols_fit(y, ARRAY[1,x1..x10])" \
			"SELECT mlops.ols_fit(y, ARRAY[1, $xs]) FROM t"
		add_query ols_par par "ols_fit, 2 workers" \
			"SELECT mlops.ols_fit(y, ARRAY[1, $xs]) FROM t"
		# Forced JIT compiles every small catalog query that train runs too (seconds per call,
		# whatever the table size), so with JIT on train runs in the first 2 rounds only; with
		# the default thresholds only its two scans are compiled (when the table is big enough).
		add_query train serial "train('b', 't', 'y', test_fraction => 0)" \
			"SELECT * FROM mlops.train('b', 't', 'y', test_fraction => 0, deploy => 'always')" "" "$train_rounds"
		add_query train_par par "train, 2 workers" \
			"SELECT * FROM mlops.train('b', 't', 'y', test_fraction => 0, deploy => 'always')" "" "$train_rounds"
		if [ "$jit" = on ]; then
			add_query train_jitdef serial "train, JIT at default jit_*_cost" \
				"SELECT * FROM mlops.train('b', 't', 'y', test_fraction => 0, deploy => 'always')" \
				"RESET jit_above_cost; RESET jit_inline_above_cost; RESET jit_optimize_above_cost;"
		fi
		add_query sqlpred serial "sum(c0 + c1*x1 + .. + c10*x10) literals" \
			"SELECT sum($arith) FROM t"
		add_query pred_arr serial "sum(predict('b', ARRAY[x1..x10]))" \
			"SELECT sum(mlops.predict('b', ARRAY[$xs])) FROM t"
		add_query pred_row serial "sum(predict('b', t))" \
			"SELECT sum(mlops.predict('b', t)) FROM t t"
		add_query scan_par par "bare scan, 2 workers" \
			"SELECT sum(y+$xs_plus) FROM t"
		add_query array serial "sum(cardinality(ARRAY[x1..x10]))" \
			"SELECT sum(cardinality(ARRAY[$xs])) FROM t"
		add_query fitcols serial "fit_columns(y, 1, x1..x10) (train scan 1)" \
			"SELECT mlops.fit_columns(y::float8, 1::float8$xs_f8) FROM t WHERE NOT (false)"
		add_query errstats serial "error_stats(coef, ...) (train scan 2)" \
			"SELECT false AS is_test, mlops.error_stats('{$(echo "${c[*]}" | tr ' ' ,)}'::float8[], y::float8, 1::float8$xs_f8) FROM t GROUP BY 1"
		add_query normeq serial "SQL normal equations (78 sums)" \
			"SELECT $normeq FROM t"
		run_rounds
	done

	# Whether train's inner scan really ran in parallel: auto_explain shows the nested plan.
	if [ -f "$pkglibdir/auto_explain.so" ]; then
		tw=$(
			{
				settings off par
				echo "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;"
				echo "SET auto_explain.log_analyze = on; SET auto_explain.log_timing = off; SET auto_explain.log_level = notice;"
				echo "SET client_min_messages = notice;"
				echo "SELECT count(*) FROM mlops.train('b', 't', 'y', test_fraction => 0, deploy => 'always');"
			} | psql_q 2>&1 >/dev/null | awk '
				/Query Text:/ { q = ""; if ($0 ~ /fit_columns/) q = "scan 1 (fit_columns)"; else if ($0 ~ /error_stats/) q = "scan 2 (error_stats)" }
				/Workers Planned:/ { p = $NF }
				/Workers Launched:/ { if (q != "") printf "    %s: workers planned %s, launched %s\n", q, p, $NF }' || true
		)
		echo ""
		echo "train with 2 workers, its two scans (nested plans, auto_explain):"
		[ -n "$tw" ] || tw="    (none: the scans of train did not run in parallel)"
		echo "$tw"
	fi
	psql_q -c "DROP TABLE t" >/dev/null
	echo "($rows rows took $(($(date +%s) - t0)) s)"
done

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
ratio() { # ratio A B -> A/B with 2 decimals, or "-" when either is missing
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'
}
# verdict VALUE OP LIMIT
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "-" || v == "") { print "?"; exit }
		ok = (op == "<=") ? (v <= l) : (v >= l)
		print ok ? "met" : "NOT met" }'
}

echo ""
# pair_ratio NUM DEN ROWS JIT: median over the rounds of NUM's time / DEN's time in the same round
pair_ratio() {
	local num=$1 den=$2 n=$3 j=$4 r list=""
	for r in $(seq 1 50); do
		if [ -n "${RUN[$num|$n|$j|$r]:-}" ] && [ -n "${RUN[$den|$n|$j|$r]:-}" ]; then
			list="$list ${RUN[$num|$n|$j|$r]}/${RUN[$den|$n|$j|$r]}"
		fi
	done
	echo "$list" | tr ' ' '\n' | awk -F/ 'NF == 2 && $2 > 0 { print $1 / $2 }' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo ""
echo "== summary =="
echo "ratio = best time / best time of its baseline; in [brackets] the median over rounds of the ratio"
echo "within one round (the two queries run seconds apart).  Targets are meant to hold with JIT off;"
echo "met / NOT met judges the ratio of best times."
fmt='%-46s %9s %8s %8s %8s %8s %8s  %-8s %s\n'
printf "$fmt" "measure" "rows" "JIT off" "[round]" "JIT on" "[round]" "target" "JIT off" "JIT on"
printf "$fmt" "-------" "----" "-------" "-------" "------" "-------" "------" "-------" "------"
row() { # row LABEL ROWS NUM_KEY DEN_KEY OP LIMIT
	local label=$1 n=$2 num=$3 den=$4 op=$5 limit=$6 r_off r_on p_off p_on v_off v_on
	r_off=$(ratio "${MS[$num|$n|off]:-}" "${MS[$den|$n|off]:-}")
	r_on=$(ratio "${MS[$num|$n|on]:-}" "${MS[$den|$n|on]:-}")
	p_off=$(pair_ratio "$num" "$den" "$n" off)
	p_on=$(pair_ratio "$num" "$den" "$n" on)
	if [ "$op" = "" ]; then
		v_off="(context)"
		v_on=""
		limit="-"
	else
		v_off=$(verdict "$r_off" "$op" "$limit")
		v_on=$(verdict "$r_on" "$op" "$limit")
		limit="$op $limit"
	fi
	printf "$fmt" "$label" "$n" "$r_off" "[$p_off]" "$r_on" "[$p_on]" "$limit" "$v_off" "$v_on"
}
for n in $BENCH_ROWS; do
	row "ols_fit serial / bare scan" "$n" ols scan "<=" 2.2
	row "ols_fit speed-up serial / 2 workers" "$n" ols ols_par ">=" 1.6
	row "train serial / bare scan" "$n" train scan "<=" 1.5
	row "train 2 workers / bare scan (serial)" "$n" train_par scan "<=" 1.5
	row "train speed-up serial / 2 workers" "$n" train train_par ">=" 1.6
	row "train at default JIT costs / bare scan" "$n" train_jitdef scan "" ""
	row "predict(ARRAY) / SQL arithmetic" "$n" pred_arr sqlpred "<=" 1.3
	row "predict(record) / SQL arithmetic" "$n" pred_row sqlpred "<=" 1.3
	row "SQL normal equations (78 sums) / bare scan" "$n" normeq scan "" ""
	row "sum(cardinality(ARRAY[x1..x10])) / bare scan" "$n" array scan "" ""
	row "fit_columns (train scan 1) / bare scan" "$n" fitcols scan "" ""
	row "error_stats (train scan 2) / bare scan" "$n" errstats scan "" ""
	row "bare scan speed-up serial / 2 workers" "$n" scan scan_par "" ""
done
echo ""
echo "ns/row, best (median):"
printf '  %-44s' "query"
for n in $BENCH_ROWS; do for j in $BENCH_JIT; do printf ' %20s' "${n} jit $j"; done; done
echo ""
for k in "${keys[@]}"; do
	printf '  %-44s' "${LABEL[$k]}"
	for n in $BENCH_ROWS; do
		for j in $BENCH_JIT; do
			printf ' %20s' "$(awk -v ms="${MS[$k|$n|$j]:-}" -v md="${MED[$k|$n|$j]:-}" -v n="$n" 'BEGIN {
				if (ms == "") print "-"; else printf "%.1f (%.1f)", ms * 1e6 / n, md * 1e6 / n }')"
		done
	done
	echo ""
done
echo ""
sizes=""
for n in $BENCH_ROWS; do sizes="$sizes ${STATESIZE[$n]}"; done
distinct=$(echo "$sizes" | tr ' ' '\n' | { grep -v '^$' || true; } | sort -u | wc -l)
echo "memory: pg_column_size(fit_state) by rows:$(for n in $BENCH_ROWS; do printf ' %s rows: %s B;' "$n" "${STATESIZE[$n]}"; done)" \
	"target: independent of rows: $([ "$distinct" -eq 1 ] && echo met || echo "NOT met")"
echo "CPU: $cpu_model; BLAS: $(echo "$blas_maps" | grep -i blas | paste -sd' ' || true)"

echo "load:         $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) after the run; CPU steal so far $(awk '/^cpu / { print $9 }' /proc/stat) ticks"

mlops_cluster_stop
say "done in $(($(date +%s) - started_at)) s; cluster stopped"
