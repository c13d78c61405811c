#!/bin/bash
# Parallel aggregation of the fit state.
#
#  1. EXPLAIN of mlops.ols_fit over a 2M-row table plans a Partial Aggregate under
#     a Gather with 2 workers, and the run that produces the result launches 2
#     (auto_explain prints that very execution's plan as a NOTICE).
#  2. The parallel result (coef, std_err) equals the serial one to 1e-12 relative.
#  3. mlops.train scans in parallel: auto_explain shows the plan of its nested
#     fit_columns query with "Workers Launched".
#  4. Per-group states merged with mlops.fit_merge, two states joined with
#     mlops.fitstate_combine, a state sent through its text form, and
#     mlops.fit_columns all give the whole fit to 1e-12 relative.
#
# Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
set -u
DB=mlops_t_parallel
TOL=1e-12
N=2000000

. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

new_db

echo "== loading $N rows"
q <<EOF || { echo "could not load the table" >&2; exit 2; }
CREATE EXTENSION mlops;
-- deterministic pseudo-random features in [0, 1) and noise in [-0.5, 0.5)
CREATE TABLE t AS
SELECT i,
	   1 + 2 * x1 - 3 * x2 + 0.5 * x3 + x4 - 1.5 * x5 + e AS y,
	   x1, x2, x3, x4, x5
FROM (SELECT i,
			 (i % 1009)::float8 / 1009 AS x1,
			 ((i * 7919) % 10007)::float8 / 10007 AS x2,
			 ((i * 104729) % 65521)::float8 / 65521 AS x3,
			 ((i * 15485863) % 999983)::float8 / 999983 AS x4,
			 ((i * 32452843) % 1000003)::float8 / 1000003 + (i % 1009)::float8 / 4036 AS x5,
			 ((i * 48271) % 2147483647)::float8 / 2147483647 - 0.5 AS e
	  FROM generate_series(1::bigint, $N) AS g(i)) s;
ANALYZE t;
EOF

PAR="SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET jit = off;"
SER="SET max_parallel_workers_per_gather = 0;
SET jit = off;"
AUTOEXPLAIN="LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;"
FIT="SELECT (r).coef, (r).std_err, (r).n_rows FROM (SELECT mlops.ols_fit(y, ARRAY[1, x1, x2, x3, x4, x5]) AS r FROM t) s"

# ---------------------------------------------------------------------------
echo "== 1. the plan of ols_fit"
plan=$(q <<EOF
$PAR
EXPLAIN (COSTS OFF) $FIT;
EOF
) || exit 2
echo "$plan" | sed 's/^/   /'
grep -q 'Partial Aggregate' <<<"$plan" || fail "EXPLAIN shows no Partial Aggregate for ols_fit"
grep -q 'Workers Planned: 2' <<<"$plan" || fail "EXPLAIN shows no 'Workers Planned: 2' for ols_fit"

analyze=$(q <<EOF
$PAR
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) $FIT;
EOF
) || exit 2
grep -q 'Workers Launched: 2' <<<"$analyze" ||
	fail "EXPLAIN ANALYZE of ols_fit launched no 2 workers:
$analyze"

# ---------------------------------------------------------------------------
echo "== 2. parallel result against serial result"
# The parallel result comes from a run whose own plan auto_explain prints.
q >"$work/par.out" 2>"$work/par.err" <<EOF || { cat "$work/par.err"; exit 2; }
$PAR
$AUTOEXPLAIN
$FIT;
EOF
grep -q 'Workers Launched: 2' "$work/par.err" ||
	fail "the run that produced the parallel result did not launch 2 workers:
$(cat "$work/par.err")"
q >"$work/ser.out" 2>"$work/ser.err" <<EOF || { cat "$work/ser.err"; exit 2; }
$SER
$AUTOEXPLAIN
$FIT;
EOF
grep -q 'Gather' "$work/ser.err" && fail "the serial run used a Gather:
$(cat "$work/ser.err")"

# max relative difference of two float8[] (text form, shortest-exact)
cmp_arrays() {
	q -c "SELECT max(CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END)
		  FROM unnest('$1'::float8[], '$2'::float8[]) AS u(a, b)"
}

IFS='|' read -r par_coef par_se par_n <"$work/par.out"
IFS='|' read -r ser_coef ser_se ser_n <"$work/ser.out"
echo "   serial   coef $ser_coef"
echo "   parallel coef $par_coef"
[ "$par_n" = "$N" ] || fail "parallel n_rows = $par_n, expected $N"
[ "$ser_n" = "$N" ] || fail "serial n_rows = $ser_n, expected $N"
for what in coef std_err; do
	if [ $what = coef ]; then a=$par_coef b=$ser_coef; else a=$par_se b=$ser_se; fi
	d=$(cmp_arrays "$a" "$b") || exit 2
	echo "   $what: max relative difference parallel/serial = $d"
	awk -v d="$d" -v t="$TOL" 'BEGIN { exit !(d != "" && d <= t) }' ||
		fail "parallel and serial $what differ by $d (> $TOL): parallel $a, serial $b"
done

# ---------------------------------------------------------------------------
echo "== 3. mlops.train scans in parallel"
q >"$work/train.out" 2>"$work/train.err" <<EOF || { cat "$work/train.err"; exit 2; }
$PAR
$AUTOEXPLAIN
SELECT version, deployed FROM mlops.train('par', 't', 'y', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'],
										  test_fraction => 0.2, deploy => 'always');
EOF
cat "$work/train.out" | sed 's/^/   train returned: /'
# auto_explain prints one NOTICE per statement: pick the one of the fit_columns scan
python3 - "$work/train.err" >"$work/train.plan" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
for notice in re.split(r"(?m)^(?=NOTICE:)", text):
    if "Query Text:" in notice and "fit_columns" in notice and "mlops.train" not in notice.split("Query Text:")[1].split("\n")[0]:
        print(notice)
EOF
if [ ! -s "$work/train.plan" ]; then
	fail "auto_explain printed no plan for the fit_columns scan of mlops.train:
$(cat "$work/train.err")"
else
	sed 's/^/   /' "$work/train.plan"
	if ! grep -q 'Workers Launched: [12]' "$work/train.plan"; then
		fail "mlops.train did not scan in parallel: its fit_columns query ran without workers
       (with max_parallel_workers_per_gather = 2, parallel_setup_cost = 0, parallel_tuple_cost = 0,
       min_parallel_table_scan_size = 0; the plan is above)"
	elif ! grep -q 'Workers Launched: 2' "$work/train.plan"; then
		fail "mlops.train scanned in parallel but launched fewer than 2 workers"
	fi
fi

# ---------------------------------------------------------------------------
echo "== 4. combining states"
# the whole fit (serial) as the reference
ref_coef=$ser_coef ref_se=$ser_se
check_same() { # label, output "coef|std_err|n_rows"
	local label=$1 out=$2 c s n d
	IFS='|' read -r c s n <<<"$out"
	[ "$n" = "$N" ] || fail "$label: n_rows = $n, expected $N"
	for what in coef std_err; do
		if [ $what = coef ]; then d=$(cmp_arrays "$c" "$ref_coef"); else d=$(cmp_arrays "$s" "$ref_se"); fi
		echo "   $label: $what max relative difference to the whole fit = $d"
		awk -v d="$d" -v t="$TOL" 'BEGIN { exit !(d != "" && d <= t) }' ||
			fail "$label: $what differs from the whole fit by $d (> $TOL): got $c / $s"
	done
}

out=$(q <<EOF
$SER
SELECT (r).coef, (r).std_err, (r).n_rows FROM (
	SELECT mlops.ols_result(mlops.fit_merge(s)) AS r
	FROM (SELECT i % 7 AS g, mlops.fit_state(y, ARRAY[1, x1, x2, x3, x4, x5]) AS s
		  FROM t GROUP BY 1) per_group) m;
EOF
) || exit 2
check_same "fit_merge of 7 group states" "$out"

# fitstate_combine called directly, as an ordinary function of two states
if out=$(q 2>&1 <<EOF
$SER
SELECT (r).coef, (r).std_err, (r).n_rows FROM (
	SELECT mlops.ols_result(mlops.fitstate_combine(a.s, b.s)) AS r
	FROM (SELECT mlops.fit_state(y, ARRAY[1, x1, x2, x3, x4, x5]) AS s FROM t WHERE i <= 1500000) a,
		 (SELECT mlops.fit_state(y, ARRAY[1, x1, x2, x3, x4, x5]) AS s FROM t WHERE i > 1500000) b) m;
EOF
); then
	check_same "fitstate_combine of two halves" "$out"
else
	fail "mlops.fitstate_combine(state, state) called as a function (outside an aggregate) failed: $out"
fi

out=$(q <<EOF
$PAR
SELECT (r).coef, (r).std_err, (r).n_rows FROM (
	SELECT mlops.ols_result(mlops.fit_merge(s)) AS r
	FROM (SELECT i % 3 AS g, mlops.fit_state(y, ARRAY[1, x1, x2, x3, x4, x5]) AS s
		  FROM t GROUP BY 1) per_group) m;
EOF
) || exit 2
check_same "fit_merge of 3 group states (parallel settings)" "$out"

out=$(q <<EOF
$SER
SELECT (r).coef, (r).std_err, (r).n_rows FROM (
	SELECT mlops.ols_result(s::text::mlops.fitstate) AS r
	FROM (SELECT mlops.fit_state(y, ARRAY[1, x1, x2, x3, x4, x5]) AS s FROM t) a) m;
EOF
) || exit 2
check_same "state through its text form" "$out"

out=$(q <<EOF
$PAR
SELECT (r).coef, (r).std_err, (r).n_rows FROM (
	SELECT mlops.ols_result(mlops.fit_columns(y, 1::float8, x1, x2, x3, x4, x5)) AS r FROM t) m;
EOF
) || exit 2
check_same "fit_columns (parallel settings)" "$out"

# ---------------------------------------------------------------------------
echo "== 5. rows kept for refinement travel from the workers to the leader"
# An ill-conditioned design (powers of x in [60, 80]; scaled condition number
# about 1e7) small enough for its rows to be kept: the parallel ols_fit must
# refine from all rows, as the serial one does.  Without the workers' rows it
# would fall back to the unrefined solution, which differs in the 9th digit.
q <<EOF || exit 2
CREATE TABLE ill AS
SELECT x, x ^ 2 AS x2, x ^ 3 AS x3, x ^ 4 AS x4, x ^ 5 AS x5,
	   1 + x / 4 + ((i * 7919) % 13)::float8 - 6 AS y
FROM (SELECT i, 60 + (i % 20001)::float8 / 1000 AS x FROM generate_series(1, 100000) i) s;
ANALYZE ill;
EOF
ILL="SELECT (mlops.ols_fit(y, ARRAY[1, x, x2, x3, x4, x5])).coef FROM ill"
q >"$work/illpar.out" 2>"$work/illpar.err" <<EOF || { cat "$work/illpar.err"; exit 2; }
$PAR
$AUTOEXPLAIN
$ILL;
EOF
grep -q 'Workers Launched: 2' "$work/illpar.err" ||
	fail "the parallel ols_fit over the ill-conditioned table did not launch 2 workers:
$(cat "$work/illpar.err")"
ill_par=$(cat "$work/illpar.out")
ill_ser=$(q -c "$SER" -c "$ILL") || exit 2
ill_plain=$(q -c "$SER" -c "SET mlops.refine_memory = 0" -c "$ILL") || exit 2
d=$(cmp_arrays "$ill_par" "$ill_ser") || exit 2
d0=$(cmp_arrays "$ill_plain" "$ill_ser") || exit 2
echo "   refined parallel / refined serial: max relative difference $d"
echo "   unrefined serial / refined serial: max relative difference $d0 (for scale)"
awk -v d="$d" 'BEGIN { exit !(d != "" && d <= 1e-13) }' ||
	fail "the parallel refined fit differs from the serial one by $d (> 1e-13): parallel $ill_par, serial $ill_ser"
awk -v d="$d0" 'BEGIN { exit !(d != "" && d > 1e-12) }' ||
	fail "the unrefined fit is as close as $d to the refined one: the test cannot tell them apart"

# ---------------------------------------------------------------------------
if [ $failures -gt 0 ]; then
	echo "020_parallel: $failures failure(s); database $DB kept for inspection"
	exit 1
fi
dropdb --if-exists "$DB"
echo "020_parallel: ok"
