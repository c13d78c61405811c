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
#   BENCH_REFINE_ROWS     rows of the refinement tables rw, rk and rp, default 100000 ("" skips them)
#   BENCH_REFINE_TRAIN_ROWS  rows of rpl, the larger ill-conditioned table, default 500000 ("" skips it)
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
# Extended-precision refinement (src/refine.c): what it costs, each as a ratio to the same query
# with the refinement switched off, in the same rounds.  ols_fit keeps its rows (up to
# mlops.refine_memory, 16MB by default) so that its final function can refine an ill-conditioned
# fit; it stops keeping them at a checkpoint (1024, 2048, 4096, .. rows) that finds the rows so
# far well conditioned.  train refines with one extra scan (mlops.residual_moments) when
# mlops.refinement_wanted(state).  So:
#   - at each size of BENCH_ROWS, on t, JIT off: ols_fit (serial and 2 workers) at the default
#     settings against SET mlops.refine_memory = 0 (no rows kept; t is well conditioned, so
#     ols_fit drops them at its first checkpoint), and, up to 2M rows and in 3 rounds, train
#     against SET mlops.refine_condition = 1e300 (no refinement is wanted on t: the model's
#     statistics must have no "refined");
#   - then, JIT off, at BENCH_REFINE_ROWS rows (default 100000), where the rows fit in 16MB,
#     three tables of y on 1 and x1..x4 or x1..x5:
#       rw  well conditioned (x1..x4 uniform): rows dropped at the first checkpoint;
#       rk  as rw, but x4 is 1 + 1e-6 u in the first 70% of the rows (at least past the last
#           checkpoint), then 1 + 20 (u - 0.5): every checkpoint finds the rows ill conditioned,
#           so they are all kept, but the whole fit is well conditioned and not refined; this
#           is the cost of keeping the rows alone;
#       rp  ill conditioned: x1..x5 = x, x^2, .., x^5 with x uniform in [60, 80] (condition
#           number ~1e15): rows kept, and ols_fit refines;
#     ols_fit on each (serial and 2 workers) at the default settings against refine_memory = 0;
#     on rp also with refine_condition = 1e300 (no refinement: rows dropped at 1024 rows);
#     train on rw and rp against refine_condition = 1e300 (on rp: one extra scan);
#   - and rpl, rp at BENCH_REFINE_TRAIN_ROWS rows (default 500000; "" skips it; 3 rounds unless
#     BENCH_REPS), where train's fixed cost weighs less (ols_fit and train, as above; at 500k rows
#     ols_fit's rows pass 16MB, so it keeps them part way, drops them and does not refine).
#   The script checks the premises: refinement wanted on rp only (rk: by its first rows only);
#   ols_fit's coefficients the same as with refine_condition = 1e300 on rw and rk, and on rp
#   independent of the order of the rows (refined) while those of refine_memory = 0 are not;
#   "refined" recorded by train on rp only.
#
# A whole run with both sizes takes about 14 minutes on a quiet 2-core machine (the refinement
# about 1.5 of them); BENCH_ROWS=1000000 about 5.
set -euo pipefail

# shellcheck source=test/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pkglibdir=$("$PG_CONFIG" --pkglibdir)

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
BENCH_REFINE_ROWS="${BENCH_REFINE_ROWS-100000}"
BENCH_REFINE_TRAIN_ROWS="${BENCH_REFINE_TRAIN_ROWS-500000}"
for n in $BENCH_REFINE_ROWS $BENCH_REFINE_TRAIN_ROWS; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] && [ "$n" -ge 1000 ] ||
		die "BENCH_REFINE_ROWS and BENCH_REFINE_TRAIN_ROWS must be row counts of at least 1000 (or empty), not \"$n\""
done
[ "$(echo $BENCH_REFINE_ROWS | wc -w)" -le 1 ] && [ "$(echo $BENCH_REFINE_TRAIN_ROWS | wc -w)" -le 1 ] ||
	die "BENCH_REFINE_ROWS and BENCH_REFINE_TRAIN_ROWS take one row count each"

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
for n in $BENCH_ROWS $BENCH_REFINE_TRAIN_ROWS; do
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
# The refinement's settings (the GUCs exist once a backend has loaded mlops).
refine_settings=$(psql_q -c "SELECT mlops.refinement_wanted(NULL::mlops.fitstate)" \
	-c "SELECT string_agg(setting, ' ' ORDER BY name) FROM pg_settings
		WHERE name IN ('mlops.refine_condition', 'mlops.refine_memory')" | tail -n 1)
read -r refine_condition refine_kb <<<"$refine_settings"
[[ "${refine_kb:-}" =~ ^[0-9]+$ ]] || die "could not read mlops.refine_memory and mlops.refine_condition (got \"$refine_settings\")"
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
echo "refinement:   mlops.refine_memory = ${refine_kb} kB, mlops.refine_condition = $refine_condition (defaults of the server)"
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

# The one-row statement that starts each session of run_rounds (it loads mlops and LAPACK).
preload_sql="SELECT mlops.predict('b', ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]::float8[]) \\g /dev/null"

# Results: MS[key|rows|jit] = best milliseconds; MED the median; JITMS the mean JIT time of the
# leader per run (pg_stat_statements); WORKERS the workers launched in the best run; RUN[key|rows|
# jit|round] every run.
declare -A MS MED JITMS WORKERS STATESIZE LABEL RUN BASE BASENAME
keys=()

# The queries of one round: "key|par|label|extra settings|sql", in the order they run.
round_queries=()
add_query() { # add_query KEY PAR LABEL SQL [EXTRA_SETTINGS [MAX_ROUNDS]]
	local key=$1
	round_queries+=("$key|$2|$3|${5:-}|${6:-0}|$4")
	LABEL[$key]=$3
	[[ " ${keys[*]} " == *" $key "* ]] || keys+=("$key")
}
# set_base KEY BASE_KEY SHORT_NAME: report KEY as a ratio to BASE_KEY (not to the bare scan)
set_base() {
	BASE[$1]=$2
	BASENAME[$1]=$3
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
				echo "$preload_sql"
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

report_query() { # report_query KEY PAR RUNS
	local key=$1 par=$2 all=$3 best med ns base ratio="" extra=""
	best=${MS[$key|$rows|$jit]}
	med=${MED[$key|$rows|$jit]}
	ns=$(awk -v ms="$best" -v n="$rows" 'BEGIN { printf "%.1f", ms * 1e6 / n }')
	if [ -n "${BASE[$key]+set}" ] && [ -z "${BASE[$key]}" ]; then
		: # no baseline (the bare scans of the refinement tables)
	elif [ -n "${BASE[$key]:-}" ]; then
		# a ratio to its own baseline: of the best times, and in [brackets] the median over
		# rounds of the ratio within a round
		base="${MS[${BASE[$key]}|$rows|$jit]:-}"
		if [ -n "$base" ]; then
			ratio=$(awk -v a="$best" -v b="$base" -v n="${BASENAME[$key]}" 'BEGIN { printf "%.2fx %s", a / b, n }')
			extra="[round median $(pair_ratio "$key" "${BASE[$key]}" "$rows" "$jit")]"
		fi
	else
		base="${MS[scan|$rows|$jit]:-}"
		if [ -n "$base" ]; then
			ratio=$(awk -v a="$best" -v b="$base" 'BEGIN { printf "%.2fx scan", a / b }')
		fi
	fi
	if [ "$jit" = on ]; then extra="$extra jit ${JITMS[$key|$rows|$jit]} ms/run"; fi
	if [ "$par" = par ]; then
		extra="$extra workers ${WORKERS[$key|$rows|$jit]}"
		# a function scan (train) shows no Gather: its inner plans are checked with auto_explain
		case "${WORKERS[$key|$rows|$jit]}" in
		2 | -) ;;
		*) extra="$extra (WARNING: asked for 2)" ;;
		esac
	fi
	printf '  %-44s %9.1f ms %8s ns/row %11s  %s  runs (ms):%s\n' "${LABEL[$key]}" "$best" "$ns" "$ratio" "${extra# }" "$all"
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
	# the table of test/bench/lib.sh (bench_table_sql)
	psql_q >/dev/null <<SQL || die "could not create the ${rows}-row table"
SET client_min_messages = warning;
DROP TABLE IF EXISTS t;
SELECT mlops.drop_project(name) FROM mlops.projects;
$(bench_table_sql "$rows")
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

	# The refinement must not be wanted on this well-conditioned data, so that train's figures
	# are those of its two scans; ols_fit keeps rows up to mlops.refine_memory, then drops them.
	wanted=$(psql_q -c "SET jit = off; SELECT mlops.refinement_wanted(mlops.fit_state(y, ARRAY[1, $xs])) FROM t")
	refined=$(psql_q -c "SELECT coalesce(m.statistics ->> 'refined', 'absent') FROM mlops.models m
		JOIN mlops.deployed_models d USING (model_id) WHERE d.project = 'b'")
	[ "$wanted" = f ] && [ "$refined" = absent ] ||
		die "refinement on the ordinary data: refinement_wanted = $wanted, statistics->'refined' = $refined (expected f, absent)"
	echo "refinement: not wanted (statistics->'refined' absent); ols_fit drops its rows at its first checkpoint" \
		"(1024 rows), or past mlops.refine_memory ($((refine_kb * 1024 / (13 * 8))) rows of 1, x1..x10, y, w)"

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
		if [ "$jit" = off ]; then
			# the same with no rows kept for the refinement (ratios in the refinement summary)
			add_query ols_rm0 serial "ols_fit, refine_memory = 0" \
				"SELECT mlops.ols_fit(y, ARRAY[1, $xs]) FROM t" "SET mlops.refine_memory = 0;"
			add_query ols_par_rm0 par "ols_fit, 2 workers, refine_memory = 0" \
				"SELECT mlops.ols_fit(y, ARRAY[1, $xs]) FROM t" "SET mlops.refine_memory = 0;"
		fi
		# Forced JIT compiles every small catalog query that train runs too (seconds per call,
		# whatever the table size), so with JIT on train runs in the first 2 rounds only; with
		# the default thresholds only its two scans are compiled (when the table is big enough).
		add_query train serial "train('b', 't', 'y', test_fraction => 0)" \
			"SELECT * FROM mlops.train('b', 't', 'y', test_fraction => 0, deploy => 'always')" "" "$train_rounds"
		add_query train_par par "train, 2 workers" \
			"SELECT * FROM mlops.train('b', 't', 'y', test_fraction => 0, deploy => 'always')" "" "$train_rounds"
		if [ "$jit" = off ] && [ "$rows" -le 2000000 ]; then
			# train with the refinement off: the same two scans, since none is wanted here
			add_query train_rc serial "train, refine_condition = 1e300" \
				"SELECT * FROM mlops.train('b', 't', 'y', test_fraction => 0, deploy => 'always')" \
				"SET mlops.refine_condition = 1e300;" 3
		fi
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
# Refinement: well- and ill-conditioned tables small enough for ols_fit to keep their rows
# ---------------------------------------------------------------------------------------------
main_keys=("${keys[@]}")
refine_keys=()
# rk_prefix N: the rows of rk whose x4 is nearly 1: 70%, and past the last checkpoint (a power
# of two) below row N
rk_prefix() {
	local n=$1 c=1
	while [ $((c * 2)) -lt "$n" ]; do c=$((c * 2)); done
	echo $(((c > n * 7 / 10 ? c : n * 7 / 10) + 1))
}
# pow2_below N: the largest power of two below N
pow2_below() {
	local c=1
	while [ $((c * 2)) -lt "$1" ]; do c=$((c * 2)); done
	echo "$c"
}
# make_refine_table NAME ROWS KIND: y on x1..x4 (KIND well: uniform, well conditioned; KIND
# kept: x4 nearly constant in its first rows, see the head of this file) or on x1..x5 = x, x^2,
# .., x^5 with x uniform in [60, 80] (KIND poly: ill conditioned).
make_refine_table() {
	local name=$1 n=$2 kind=$3 def ins prefix
	if [ "$kind" = poly ]; then
		def="x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, y float8"
		ins="SELECT x, x*x, x*x*x, x*x*x*x, x*x*x*x*x,
				2.0 + 0.3*(x - 70) - 0.05*(x - 70)*(x - 70) + 0.002*(x - 70)*(x - 70)*(x - 70)
				+ 0.5 * (random() - 0.5)
			FROM (SELECT 60 + 20*random() AS x FROM generate_series(1, $n) OFFSET 0) s"
	else
		# kept: x4 = 1 + 1e-6 u (nearly the intercept) up to row prefix, past the last
		# checkpoint (a power of two) before row n; then 1 + 20 (u - 0.5)
		prefix=$n
		if [ "$kind" = kept ]; then prefix=$(rk_prefix "$n"); fi
		def="x1 float8, x2 float8, x3 float8, x4 float8, y float8"
		ins="SELECT x1, x2, x3, x4, 1.0 + 2.0*x1 - 1.0*x2 + 0.5*x3 + 0.25*x4 + 0.5 * (random() - 0.5)
			FROM (SELECT random() AS x1, 2*random() - 1 AS x2, 10*random() AS x3,
						 CASE WHEN i <= $prefix THEN $([ "$kind" = kept ] && echo "1 + 1e-6*random()" || echo "random() - 5")
							  ELSE 1 + 20*(random() - 0.5) END AS x4
				  FROM generate_series(1, $n) i OFFSET 0) s"
	fi
	psql_q >/dev/null <<SQL || die "could not create the ${n}-row table $name"
SET client_min_messages = warning;
DROP TABLE IF EXISTS $name;
BEGIN;
CREATE TABLE $name ($def);
SELECT setseed(0.75);
INSERT INTO $name $ins;
COMMIT;
VACUUM (FREEZE, ANALYZE) $name;
SQL
	{
		if [ "$have_prewarm" = 1 ]; then echo "SELECT pg_prewarm('$name');"; fi
		echo "SET max_parallel_workers_per_gather = 0; SET jit = off;"
		echo "SELECT sum(y) FROM $name; SELECT sum(y) FROM $name;"
	} | psql_q >/dev/null
}
# fit_coef TABLE XS SETTINGS [ORDER]: ols_fit's coefficients (space-separated) and condition
# number; with ORDER, over the rows in the order of x1 (ORDER BY in the aggregate)
fit_coef() {
	psql_q -c "SET jit = off; SET max_parallel_workers_per_gather = 0; $3" \
		-c "SELECT array_to_string((f).coef, ' ') || ' | ' || (f).condition_number
			FROM (SELECT mlops.ols_fit(y, ARRAY[1, $2]${4:+ ORDER BY x1}) AS f FROM $1) s" | tail -n 1
}
# max_rel_diff "A0 A1 .." "B0 B1 ..": max |a - b| / |b|
max_rel_diff() {
	awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " "); m = 0
		for (i = 1; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; s = (y[i] < 0 ? -y[i] : y[i]); if (s > 0 && d / s > m) m = d / s }
		printf "%.2g", m }'
}
# wanted TABLE XS [LIMIT]: mlops.refinement_wanted of the fit of the table (or its first rows)
wanted() {
	psql_q -c "SET jit = off; SET max_parallel_workers_per_gather = 0;
		SELECT mlops.refinement_wanted(mlops.fit_state(y, ARRAY[1, $2])) FROM (SELECT * FROM $1 ${3:+LIMIT $3}) s" | tail -n 1
}
# train_refined PROJECT TABLE SETTINGS: statistics->'refined' of a model trained with SETTINGS
train_refined() {
	# (a model that train inserts is not visible to the statement that calls train)
	psql_q -c "SET jit = off; $3" \
		-c "SELECT model_id FROM mlops.train('$1', '$2', 'y', test_fraction => 0, deploy => 'always')" \
		-c "SELECT coalesce(statistics ->> 'refined', 'absent') FROM mlops.models ORDER BY model_id DESC LIMIT 1" |
		tail -n 1
}
# ols_pair KEY TABLE XS LABEL: ols_fit on TABLE, serial and 2 workers, with refine_memory = 0
# (ratio to the scan of TABLE) and at the default settings (ratio to refine_memory = 0)
ols_pair() {
	local key=$1 tbl=$2 x=$3 label=$4
	add_query "${key}_rm0" serial "$tbl: ols_fit, refine_memory = 0" \
		"SELECT mlops.ols_fit(y, ARRAY[1, $x]) FROM $tbl" "SET mlops.refine_memory = 0;"
	set_base "${key}_rm0" "rf_scan_$tbl" scan
	add_query "$key" serial "$tbl: ols_fit ($label)" "SELECT mlops.ols_fit(y, ARRAY[1, $x]) FROM $tbl"
	set_base "$key" "${key}_rm0" rm=0
	add_query "${key}_par_rm0" par "$tbl: ols_fit 2 workers, refine_memory = 0" \
		"SELECT mlops.ols_fit(y, ARRAY[1, $x]) FROM $tbl" "SET mlops.refine_memory = 0;"
	set_base "${key}_par_rm0" "rf_scan_$tbl" scan
	add_query "${key}_par" par "$tbl: ols_fit 2 workers ($label)" "SELECT mlops.ols_fit(y, ARRAY[1, $x]) FROM $tbl"
	set_base "${key}_par" "${key}_par_rm0" rm=0
}
# train_pair KEY TABLE LABEL: train on TABLE with refine_condition = 1e300 and at the defaults
train_pair() {
	local key=$1 tbl=$2 label=$3
	add_query "${key}_rc" serial "$tbl: train, refine_condition = 1e300" \
		"SELECT * FROM mlops.train('$tbl', '$tbl', 'y', test_fraction => 0, deploy => 'always')" \
		"SET mlops.refine_condition = 1e300;"
	set_base "${key}_rc" "rf_scan_$tbl" scan
	add_query "$key" serial "$tbl: train ($label)" \
		"SELECT * FROM mlops.train('$tbl', '$tbl', 'y', test_fraction => 0, deploy => 'always')"
	set_base "$key" "${key}_rc" rc=1e300
}
add_scan() { # add_scan TABLE NCOLS: sum(y+x1+..+xNCOLS)
	add_query "rf_scan_$1" serial "$1: bare scan sum(y+x1+..+x$2)" "SELECT sum(y$(for i in $(seq 1 "$2"); do printf '+x%d' "$i"; done)) FROM $1"
	set_base "rf_scan_$1" "" ""
}

if [ -n "$BENCH_REFINE_ROWS" ]; then
	rows=$BENCH_REFINE_ROWS
	jit=off
	reps=${BENCH_REPS:-5}
	preload_sql="SELECT (mlops.ols_fit(v, ARRAY[1, v])).r2 FROM (VALUES (1.0::float8), (2), (4)) s(v) \\g /dev/null"
	echo ""
	echo "== refinement: $rows rows, tables rw, rk (y on 1, x1..x4) and rp (y on 1, x, x^2, .., x^5), JIT off, best of $reps interleaved rounds =="
	t0=$(date +%s)
	make_refine_table rw "$rows" well
	make_refine_table rk "$rows" kept
	make_refine_table rp "$rows" poly
	xw="x1, x2, x3, x4"
	xp="x1, x2, x3, x4, x5"
	# What the figures stand on (see the head of this file).
	last_check=$(pow2_below "$(rk_prefix "$rows")")
	w_wanted=$(wanted rw "$xw")
	k_wanted=$(wanted rk "$xw")
	k_first=$(wanted rk "$xw" "$last_check")
	p_wanted=$(wanted rp "$xp")
	[ "$w_wanted" = f ] && [ "$k_wanted" = f ] && [ "$k_first" = t ] && [ "$p_wanted" = t ] ||
		die "refinement_wanted: rw $w_wanted, rk $k_wanted (its first $last_check rows: $k_first), rp $p_wanted (expected f, f (t), t)"
	echo "refinement_wanted: rw f, rk f (its first $last_check rows, a checkpoint past which ols_fit keeps them: t), rp t"
	for tbl in rw rk rp; do
		if [ "$tbl" = rp ]; then x="$xp"; ncol=6; else x="$xw"; ncol=5; fi
		kept_kb=$((rows * (ncol + 2) * 8 / 1024))
		[ "$kept_kb" -le "$refine_kb" ] ||
			die "the rows of $tbl take $kept_kb kB, more than mlops.refine_memory ($refine_kb kB): lower BENCH_REFINE_ROWS"
		IFS='|' read -r c_def cond <<<"$(fit_coef "$tbl" "$x" "")"
		IFS='|' read -r c_rm0 _ <<<"$(fit_coef "$tbl" "$x" "SET mlops.refine_memory = 0;")"
		IFS='|' read -r c_rc _ <<<"$(fit_coef "$tbl" "$x" "SET mlops.refine_condition = 1e300;")"
		d_ref=$(max_rel_diff "$c_def" "$c_rc")
		d_rm0=$(max_rel_diff "$c_def" "$c_rm0")
		d_rc=$(max_rel_diff "$c_rc" "$c_rm0")
		# The default against refine_condition = 1e300 (which refines nothing): they differ by
		# the refinement only when the rows were kept the same way; against refine_memory = 0
		# the unrefined fits differ too, in their rounding (shown for information): keeping rows
		# moves the state in memory and flushes it at the checkpoints, and the QR's last bits
		# change with that, amplified by the condition number.
		echo "$tbl: condition number$cond; rows of ols_fit: $kept_kb kB (mlops.refine_memory $refine_kb kB);" \
			"coefficients, max relative difference: default vs refine_condition = 1e300 $d_ref," \
			"default vs refine_memory = 0 $d_rm0, refine_condition = 1e300 vs refine_memory = 0 $d_rc"
		if [ "$tbl" != rp ] && [ "$d_ref" != 0 ]; then die "$tbl: ols_fit refined although it should not ($d_ref)"; fi
		if [ "$tbl" = rp ]; then
			# A refined fit does not depend on the order of the rows (to the last bits); an
			# unrefined one does, at this condition number.
			IFS='|' read -r c_def_o _ <<<"$(fit_coef "$tbl" "$x" "" order)"
			IFS='|' read -r c_rm0_o _ <<<"$(fit_coef "$tbl" "$x" "SET mlops.refine_memory = 0;" order)"
			d_ord=$(max_rel_diff "$c_def_o" "$c_def")
			d_ord0=$(max_rel_diff "$c_rm0_o" "$c_rm0")
			echo "rp: rows in the order of x1 against the table's order: default $d_ord, refine_memory = 0 $d_ord0"
			awk -v d="$d_ord" -v d0="$d_ord0" 'BEGIN { exit !(d <= 1e-13 && d0 > 1e-13) }' ||
				die "rp: the default fit should not depend on the order of the rows, the unrefined one should: was it refined?"
		fi
	done
	r_w=$(train_refined rw rw "")
	r_p=$(train_refined rp rp "")
	r_p_off=$(train_refined rp rp "SET mlops.refine_condition = 1e300;")
	[ "$r_w" = absent ] && [ "$r_p" = true ] && [ "$r_p_off" = absent ] ||
		die "train's statistics->'refined': rw $r_w, rp $r_p, rp with refine_condition = 1e300 $r_p_off (expected absent, true, absent)"
	echo "train: statistics->'refined' absent on rw, true on rp (absent with refine_condition = 1e300);" \
		"tables made and checked in $(($(date +%s) - t0)) s"

	round_queries=()
	add_scan rw 4
	ols_pair rf_w rw "$xw" "dropped at 1024"
	add_scan rk 4
	ols_pair rf_k rk "$xw" "kept, not refined"
	add_scan rp 5
	ols_pair rf_p rp "$xp" "kept, refined"
	add_query rf_p_rc serial "rp: ols_fit, refine_condition = 1e300" \
		"SELECT mlops.ols_fit(y, ARRAY[1, $xp]) FROM rp" "SET mlops.refine_condition = 1e300;"
	set_base rf_p_rc rf_p_rm0 rm=0
	train_pair rf_wt rw "no refinement wanted"
	train_pair rf_pt rp "refined: one extra scan"
	run_rounds
	refine_keys=("${keys[@]:${#main_keys[@]}}")
	psql_q -c "DROP TABLE rw, rk, rp" >/dev/null
	echo "(refinement at $rows rows took $(($(date +%s) - t0)) s)"
fi

if [ -n "$BENCH_REFINE_TRAIN_ROWS" ]; then
	rows=$BENCH_REFINE_TRAIN_ROWS
	jit=off
	reps=${BENCH_REPS:-3}
	preload_sql="SELECT (mlops.ols_fit(v, ARRAY[1, v])).r2 FROM (VALUES (1.0::float8), (2), (4)) s(v) \\g /dev/null"
	echo ""
	echo "== refinement: $rows rows, table rpl (as rp), JIT off, best of $reps interleaved rounds =="
	t0=$(date +%s)
	make_refine_table rpl "$rows" poly
	xp="x1, x2, x3, x4, x5"
	r_p=$(train_refined rpl rpl "")
	[ "$r_p" = true ] || die "train's statistics->'refined' on rpl: $r_p (expected true)"
	kept_kb=$((rows * 8 * 8 / 1024))
	if [ "$kept_kb" -gt "$refine_kb" ]; then
		rpl_kept="kept, dropped"
		echo "rpl: its rows ($kept_kb kB) pass mlops.refine_memory ($refine_kb kB): ols_fit keeps them part way," \
			"then drops them, and does not refine"
	else
		rpl_kept="kept, refined"
		echo "rpl: its rows ($kept_kb kB) fit in mlops.refine_memory ($refine_kb kB): ols_fit keeps them and refines"
	fi
	keys_before=${#keys[@]}
	round_queries=()
	add_scan rpl 5
	add_query rf_l_rm0 serial "rpl: ols_fit, refine_memory = 0" \
		"SELECT mlops.ols_fit(y, ARRAY[1, $xp]) FROM rpl" "SET mlops.refine_memory = 0;"
	set_base rf_l_rm0 rf_scan_rpl scan
	add_query rf_l serial "rpl: ols_fit ($rpl_kept)" "SELECT mlops.ols_fit(y, ARRAY[1, $xp]) FROM rpl"
	set_base rf_l rf_l_rm0 rm=0
	train_pair rf_lt rpl "refined: one extra scan"
	run_rounds
	refine_keys+=("${keys[@]:$keys_before}")
	psql_q -c "DROP TABLE rpl" >/dev/null
	echo "(refinement at $rows rows took $(($(date +%s) - t0)) s)"
fi
keys=("${main_keys[@]}")

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

# extra_ms NUM DEN ROWS: median over the rounds of NUM's time - DEN's time in the same round (JIT off)
extra_ms() {
	local r list=""
	for r in $(seq 1 50); do
		if [ -n "${RUN[$1|$3|off|$r]:-}" ] && [ -n "${RUN[$2|$3|off|$r]:-}" ]; then
			list="$list $(awk -v a="${RUN[$1|$3|off|$r]}" -v b="${RUN[$2|$3|off|$r]}" 'BEGIN { print a - b }')"
		fi
	done
	echo "$list" | tr ' ' '\n' | { grep -v '^$' || true; } | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else printf "%+.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo ""
echo "== refinement (extended precision): what it costs =="
echo "JIT off; each ratio is a query at the default settings (mlops.refine_memory = ${refine_kb} kB, mlops.refine_condition"
echo "= $refine_condition) over the same query with the refinement switched off, in the same rounds: rm = 0 is"
echo "SET mlops.refine_memory = 0 (no rows kept), rc = 1e300 SET mlops.refine_condition = 1e300 (nothing refined)."
echo "[round] and \"extra ms\" are medians over the rounds of the ratio and of the difference within a round."
echo "t: the ordinary data above, and rw ($BENCH_REFINE_ROWS rows): well conditioned, rows dropped at 1024; rk: rows kept, not"
echo "refined; rp: rows kept and refined; rpl: rp at ${BENCH_REFINE_TRAIN_ROWS:-(skipped)} rows (rows kept while they fit in refine_memory)."
fmt='%-46s %9s %8s %8s %9s\n'
printf "$fmt" "measure" "rows" "JIT off" "[round]" "extra ms"
printf "$fmt" "-------" "----" "-------" "-------" "--------"
rrow() { # rrow LABEL ROWS NUM_KEY DEN_KEY
	local n=$2
	[ -n "${MS[$3|$n|off]:-}" ] && [ -n "${MS[$4|$n|off]:-}" ] || return 0
	printf "$fmt" "$1" "$n" "$(ratio "${MS[$3|$n|off]:-}" "${MS[$4|$n|off]:-}")" "[$(pair_ratio "$3" "$4" "$n" off)]" \
		"$(extra_ms "$3" "$4" "$n")"
}
for n in $BENCH_ROWS; do
	rrow "t: ols_fit / rm = 0" "$n" ols ols_rm0
	rrow "t: ols_fit 2 workers / rm = 0" "$n" ols_par ols_par_rm0
	rrow "t: train / rc = 1e300" "$n" train train_rc
done
n=$BENCH_REFINE_ROWS
if [ -n "$n" ]; then
	rrow "rw: ols_fit (dropped at 1024) / rm = 0" "$n" rf_w rf_w_rm0
	rrow "rw: ols_fit 2 workers / rm = 0" "$n" rf_w_par rf_w_par_rm0
	rrow "rk: ols_fit (kept, not refined) / rm = 0" "$n" rf_k rf_k_rm0
	rrow "rk: ols_fit 2 workers / rm = 0" "$n" rf_k_par rf_k_par_rm0
	rrow "rp: ols_fit (kept, refined) / rm = 0" "$n" rf_p rf_p_rm0
	rrow "rp: ols_fit 2 workers / rm = 0" "$n" rf_p_par rf_p_par_rm0
	rrow "rp: ols_fit rc = 1e300 / rm = 0" "$n" rf_p_rc rf_p_rm0
	rrow "rp: ols_fit (refined) / rc = 1e300" "$n" rf_p rf_p_rc
	rrow "rw: train / rc = 1e300" "$n" rf_wt rf_wt_rc
	rrow "rp: train (refined: extra scan) / rc = 1e300" "$n" rf_pt rf_pt_rc
fi
n=$BENCH_REFINE_TRAIN_ROWS
if [ -n "$n" ]; then
	rrow "rpl: ols_fit (${rpl_kept:-}) / rm = 0" "$n" rf_l rf_l_rm0
	rrow "rpl: train (refined: extra scan) / rc = 1e300" "$n" rf_lt rf_lt_rc
fi
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
if [ "${#refine_keys[@]}" -gt 0 ]; then
	echo ""
	echo "refinement tables, ns/row JIT off, best (median):"
	for k in "${refine_keys[@]}"; do
		for n in $BENCH_REFINE_ROWS $BENCH_REFINE_TRAIN_ROWS; do
			if [ -n "${MS[$k|$n|off]:-}" ]; then
				printf '  %-44s %12s %s\n' "${LABEL[$k]}" "$n rows" "$(awk -v ms="${MS[$k|$n|off]}" -v md="${MED[$k|$n|off]}" -v n="$n" \
					'BEGIN { printf "%.1f (%.1f)", ms * 1e6 / n, md * 1e6 / n }')"
			fi
		done
	done
fi
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
