#!/usr/bin/env bash
# test/run_tests.sh: runs every test of mlops against a fresh throwaway cluster.
#
#   1. pg_regress on each sql/NAME.sql, compared with expected/NAME.out
#   2. pg_isolation_regress on each specs/NAME.spec, compared with expected/NAME.out
#   3. each script test/t/NNN_name.sh (bash) or test/t/NNN_name.py (/usr/bin/python3), or any
#      other executable test/t/NNN_name, in name order, from the repository root, with
#      PGHOST, PGPORT, PGUSER and PGDATABASE set for the cluster; exit status 0 is a pass.
#
# The extension must be installed first (make test runs test/setup.sh, which does that).
# Arguments, if any, are patterns: only tests whose name contains one of them run, e.g.
#   bash test/run_tests.sh predict 010_
# Environment: MLOPS_TEST_TIMEOUT (seconds for each script and each pg_regress run; 1200),
# MLOPS_TEST_VERBOSE=1 (print the output of passing scripts too).
#
# Ends with the line "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
PGXS_SRC=/usr/lib/postgresql/15/lib/pgxs/src
PG_REGRESS="$PGXS_SRC/test/regress/pg_regress"
PG_ISOLATION_REGRESS="$PGXS_SRC/test/isolation/pg_isolation_regress"
TIMEOUT="${MLOPS_TEST_TIMEOUT:-1200}"
MAX_DIFF_LINES=3000

export LC_MESSAGES=C
unset LANGUAGE PGOPTIONS PGSERVICE

for f in "$PG_REGRESS" "$PG_ISOLATION_REGRESS"; do
	[ -x "$f" ] || { echo "run_tests: $f not found; run: bash test/setup.sh" >&2; exit 2; }
done
sharedir=$("$PG_CONFIG" --sharedir 2>/dev/null) || { echo "run_tests: $PG_CONFIG does not run; run: bash test/setup.sh" >&2; exit 2; }
[ -f "$sharedir/extension/mlops.control" ] || {
	echo "run_tests: the extension is not installed ($sharedir/extension/mlops.control is missing); run: make test" >&2
	exit 2
}

# shellcheck source=test/cluster.sh
. "$root/test/cluster.sh"

passed=0
failed=0
failed_names=()
patterns=("$@")

selected() {
	local name="$1" p
	[ "${#patterns[@]}" -eq 0 ] && return 0
	for p in "${patterns[@]}"; do
		case "$name" in *"$p"*) return 0 ;; esac
	done
	return 1
}

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	failed_names+=("$1")
}

# Prints a file, at most MAX_DIFF_LINES lines of it.
show() {
	local file="$1" n
	n=$(wc -l <"$file")
	head -n "$MAX_DIFF_LINES" "$file"
	[ "$n" -gt "$MAX_DIFF_LINES" ] && echo "... ($((n - MAX_DIFF_LINES)) more lines in $file)"
	return 0
}

heading() {
	echo ""
	echo "=== $* ==="
}

# Runs pg_regress or pg_isolation_regress on a list of tests, counts each test as passed or
# failed from the driver's own report, and prints the diffs of the failures.
#   run_suite KIND DRIVER OUTPUTDIR DBNAME NAME...
run_suite() {
	local kind="$1" driver="$2" outdir="$3" dbname="$4"
	shift 4
	local log="$cluster_tmp/$kind.log" name status rc any_failed=0
	declare -A result=()

	timeout --kill-after=30 "$TIMEOUT" "$driver" \
		--inputdir=. --outputdir="$outdir" --bindir="$PG_BINDIR" \
		--host="$PGHOST" --port="$PGPORT" --dbname="$dbname" \
		"$@" 2>&1 | tee "$log" | grep --line-buffered -E '\.\.\. '
	rc=${PIPESTATUS[0]}

	# Lines look like "test NAME   ... ok   12 ms" or "test NAME   ... FAILED   12 ms".
	while read -r name status; do
		result[$name]="$status"
	done < <(sed -n -E 's/^(test +| +)?([^ ]+) +\.\.\. +([A-Za-z]+).*/\2 \3/p' "$log")

	for name in "$@"; do
		if [ "${result[$name]:-}" = ok ]; then
			pass
		else
			fail "$kind/$name"
			any_failed=1
		fi
	done

	if [ "$rc" -ne 0 ] || [ "$any_failed" -ne 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "$kind: timed out after $TIMEOUT s"
		fi
		echo "--- $kind output (exit status $rc) ---"
		grep -v -E '\.\.\. ' "$log" | grep -v -E '^(SET|DROP DATABASE|CREATE DATABASE|ALTER DATABASE)$'
		if [ -s "$outdir/regression.diffs" ]; then
			echo "--- $outdir/regression.diffs ---"
			show "$outdir/regression.diffs"
		fi
		echo "--- end of $kind failures ---"
	fi
}

# Tests of one kind: the names NAME of DIR/NAME.EXT that have expected/NAME.out; those without
# count as failed (pg_regress would stop at the first of them).
collect() {
	local kind="$1" dir="$2" ext="$3" f name
	names=()
	for f in "$dir"/*."$ext"; do
		[ -e "$f" ] || continue
		name=$(basename "$f" ".$ext")
		selected "$name" || continue
		if [ -f "expected/$name.out" ]; then
			names+=("$name")
		else
			echo "$kind/$name: FAILED: expected/$name.out does not exist"
			fail "$kind/$name"
		fi
	done
}

echo "run_tests: starting a throwaway cluster"
mlops_cluster_start || { echo "0 passed, 1 failed"; exit 1; }
echo "run_tests: cluster in $MLOPS_CLUSTER_DIR, port $PGPORT"
cluster_tmp="$MLOPS_CLUSTER_DIR"
export MLOPS_ROOT="$root"

# ---- 1. pg_regress ----
collect regress sql sql
if [ "${#names[@]}" -gt 0 ]; then
	heading "pg_regress: ${#names[@]} test(s) from sql/"
	run_suite regress "$PG_REGRESS" . contrib_regression "${names[@]}"
fi
mlops_cluster_ensure_running || echo "run_tests: WARNING: could not restart the cluster"

# ---- 2. pg_isolation_regress ----
collect isolation specs spec
if [ "${#names[@]}" -gt 0 ]; then
	heading "pg_isolation_regress: ${#names[@]} test(s) from specs/"
	run_suite isolation "$PG_ISOLATION_REGRESS" output_iso isolation_regression "${names[@]}"
fi
mlops_cluster_ensure_running || echo "run_tests: WARNING: could not restart the cluster"

# ---- 3. scripts in test/t ----
scripts=()
if [ -d test/t ]; then
	while IFS= read -r f; do
		scripts+=("$f")
	done < <(find test/t -maxdepth 1 -type f -name '[0-9][0-9][0-9]_*' | LC_ALL=C sort)
fi
ran_heading=0
for f in "${scripts[@]}"; do
	name=$(basename "$f")
	selected "$name" || continue
	case "$name" in
	*.sh) cmd=(bash "$f") ;;
	*.py) cmd=(/usr/bin/python3 "$f") ;;
	*)
		[ -x "$f" ] || continue
		cmd=("./$f")
		;;
	esac
	if [ "$ran_heading" -eq 0 ]; then
		heading "scripts in test/t"
		ran_heading=1
	fi
	out="$cluster_tmp/script.out"
	start=$SECONDS
	timeout --kill-after=30 "$TIMEOUT" "${cmd[@]}" >"$out" 2>&1 </dev/null
	rc=$?
	secs=$((SECONDS - start))
	if [ "$rc" -eq 0 ]; then
		printf 'test %-40s ... ok      %4d s\n' "$name" "$secs"
		pass
		[ "${MLOPS_TEST_VERBOSE:-0}" = 1 ] && show "$out"
	else
		why="exit status $rc"
		[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && why="timed out after $TIMEOUT s"
		printf 'test %-40s ... FAILED  %4d s (%s)\n' "$name" "$secs" "$why"
		fail "t/$name"
		echo "--- output of $f ---"
		show "$out"
		echo "--- end of $f ---"
	fi
	if ! mlops_cluster_running; then
		echo "run_tests: the server stopped during $name; starting it again"
		mlops_cluster_ensure_running || echo "run_tests: WARNING: could not restart the cluster"
	fi
done

# ---- summary ----
echo ""
if [ "$failed" -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
	if grep -q -E 'TRAP|terminated by signal|PANIC' "$MLOPS_CLUSTER_DIR/server.log" 2>/dev/null; then
		echo "--- server log: crashes and assertion failures ---"
		grep -E -B 5 -A 5 'TRAP|terminated by signal|PANIC' "$MLOPS_CLUSTER_DIR/server.log" | head -n 200
	fi
fi
mkdir -p log && cp "$MLOPS_CLUSTER_DIR/server.log" log/server.log 2>/dev/null &&
	echo "server log kept in log/server.log"
[ $((passed + failed)) -eq 0 ] && echo "run_tests: WARNING: no tests found"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
