#!/usr/bin/env bash
# test/fuzz/run.sh: builds the libFuzzer harnesses of test/fuzz and runs each for a bounded
# time against a throwaway cluster, then prints their figures.  Not part of CI or make test.
#
#   bash test/fuzz/run.sh [target ...]       targets: fitstate fitstate_ols import (default: all)
#
# Environment:
#   FUZZ_SECONDS     seconds of fuzzing for each target (120)
#   FUZZ_WORK        build, corpus, crashes and logs (test/fuzz/work; kept between runs, so a
#                    later run starts from the corpus of the earlier ones)
#   FUZZ_NO_INSTALL  1: do not build and install the extension (it must be installed already)
#   FUZZ_TOLERATE    known findings the fitstate_ols harness counts and goes past instead of
#                    stopping at: "count-overflow", "lapack-error", "xerbla" (comma-separated)
#   FUZZ_IMPORT_STRICT 1: an import_model ERROR of a class not listed in README.md is a finding
#   PG_CONFIG        /usr/lib/postgresql/15/bin/pg_config
#
# Installs the Debian packages it needs when they are missing (clang, the libFuzzer runtime
# libclang-rt-14-dev, libpq-dev, ...).  Exits 1 if a harness found a crash or a finding
# (files under $FUZZ_WORK/runs/<time>/<target>/), or if an exported seed model does not import.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 2

FUZZ_SECONDS="${FUZZ_SECONDS:-120}"
FUZZ_WORK="${FUZZ_WORK:-$here/work}"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
FUZZ_DB=mlops_fuzz
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(fitstate fitstate_ols import)
for t in "${targets[@]}"; do
	case "$t" in
	fitstate | fitstate_ols | import) ;;
	*)
		echo "fuzz: unknown target \"$t\" (known: fitstate fitstate_ols import)" >&2
		exit 2
		;;
	esac
done
case "$FUZZ_SECONDS" in
'' | *[!0-9]*)
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not \"$FUZZ_SECONDS\"" >&2
	exit 2
	;;
esac

say() { echo "fuzz: $*"; }
die() {
	echo "fuzz: ERROR: $*" >&2
	exit 2
}

# ---- packages ----
packages=(
	clang                    # the compiler with -fsanitize=fuzzer
	libclang-rt-14-dev       # libFuzzer and the sanitizer runtimes for Debian 12's clang 14
	libpq-dev                # libpq for the import_model harness
	liblapacke-dev           # LAPACK, as the extension links it
	postgresql-server-dev-15 # server headers and pg_config
	postgresql-15            # the throwaway cluster
	postgresql-15-cron       # test/cluster.sh loads pg_cron
	build-essential          # make, to build and install the extension
	python3                  # writes the binary seeds
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	as_root=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || die "missing packages ${missing[*]}, and not root: install them"
		as_root=(sudo)
	fi
	say "installing ${missing[*]}"
	"${as_root[@]}" apt-get update -qq || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null ||
		die "could not install ${missing[*]}"
fi

PG_INCLUDE_SERVER=$("$PG_CONFIG" --includedir-server) || die "$PG_CONFIG does not run"
PG_INCLUDE=$("$PG_CONFIG" --includedir)
CC_FUZZ="${CC_FUZZ:-clang}"
build="$FUZZ_WORK/build"
mkdir -p "$build" || die "cannot create $build"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' >"$build/probe.c"
"$CC_FUZZ" -fsanitize=fuzzer,address,undefined -o "$build/probe" "$build/probe.c" >"$build/probe.log" 2>&1 ||
	{ cat "$build/probe.log" >&2; die "$CC_FUZZ cannot build a libFuzzer target (is libclang-rt-14-dev installed?)"; }

# ---- build the harnesses ----
# mlops code: coverage for libFuzzer (fuzzer-no-link), AddressSanitizer and UBSan, every UB fatal.
# PostgreSQL builds with -fwrapv, where a signed overflow wraps; here it is left undefined so
# that UBSan reports it.  The shim and the harness code get the sanitizers but no coverage, so
# libFuzzer's "cov" counts edges of src/*.c only.
san=("-fsanitize=address,undefined" -fno-sanitize-recover=all)
common=(-g -O1 -fno-omit-frame-pointer -fno-strict-aliasing -ffp-contract=off -Wno-ignored-attributes
	-D_GNU_SOURCE -I"$PG_INCLUDE_SERVER" -I"$root/src" -I"$here" "${san[@]}")
say "building the harnesses in $build"
objs=()
for f in fitstate linalg olsresult distributions; do
	"$CC_FUZZ" "${common[@]}" -fsanitize=fuzzer-no-link -c "src/$f.c" -o "$build/$f.o" 2>"$build/$f.log" ||
		{ cat "$build/$f.log" >&2; die "could not compile src/$f.c"; }
	objs+=("$build/$f.o")
done
if ! {
	"$CC_FUZZ" "${common[@]}" -Wall -c "$here/pg_shim.c" -o "$build/pg_shim.o" &&
		"$CC_FUZZ" "${common[@]}" -Wall -c "$here/fitstate_fuzz.c" -o "$build/fitstate_fuzz.o" &&
		"$CC_FUZZ" "${common[@]}" -Wall -DFUZZ_OLS -c "$here/fitstate_fuzz.c" -o "$build/fitstate_ols_fuzz.o" &&
		"$CC_FUZZ" -fsanitize=fuzzer,address,undefined -o "$build/fitstate_fuzz" "$build/fitstate_fuzz.o" \
			"$build/pg_shim.o" "${objs[@]}" -llapacke -llapack -lblas -lm &&
		"$CC_FUZZ" -fsanitize=fuzzer,address,undefined -o "$build/fitstate_ols_fuzz" "$build/fitstate_ols_fuzz.o" \
			"$build/pg_shim.o" "${objs[@]}" -llapacke -llapack -lblas -lm &&
		"$CC_FUZZ" -g -O1 -Wall "${san[@]}" -I"$PG_INCLUDE" -c "$here/import_fuzz.c" \
			-o "$build/import_fuzz.o" &&
		"$CC_FUZZ" -fsanitize=fuzzer,address,undefined -o "$build/import_fuzz" "$build/import_fuzz.o" -lpq
} >"$build/harness.log" 2>&1; then
	cat "$build/harness.log" >&2
	die "could not build the harnesses"
fi

# ---- the extension and a throwaway cluster ----
if [ "${FUZZ_NO_INSTALL:-0}" != 1 ]; then
	say "building and installing the extension"
	{ make -s PG_CONFIG="$PG_CONFIG" && make -s install PG_CONFIG="$PG_CONFIG"; } >"$build/make.log" 2>&1 ||
		{ tail -n 30 "$build/make.log" >&2; die "could not build or install the extension"; }
fi
# shellcheck source=SCRIPTDIR/../cluster.sh
. "$root/test/cluster.sh"
# shellcheck disable=SC2119 # no extra settings
mlops_cluster_start || die "could not start a cluster"
say "cluster in $MLOPS_CLUSTER_DIR"

stamp=$(date +%Y%m%d-%H%M%S)
run="$FUZZ_WORK/runs/$stamp"
seeds="$FUZZ_WORK/seeds"
mkdir -p "$run" "$seeds/fitstate" "$seeds/import" || die "cannot create $run"
# the cluster's server user writes nothing here; psql runs as us
createdb "$FUZZ_DB" || die "createdb failed"
psql -X -q -d "$FUZZ_DB" -f "$here/seeds.sql" >"$run/seeds.log" 2>&1 ||
	{ cat "$run/seeds.log" >&2; die "test/fuzz/seeds.sql failed"; }
grep WARNING "$run/seeds.log" | sed 's/^/fuzz: seeds: /'

# seeds: the exported documents, and each fit state in its text and binary forms
psql -X -At -d "$FUZZ_DB" -c "COPY (SELECT name, doc::text, '' FROM fuzz_docs
	UNION ALL SELECT name, st::text, encode(mlops.fitstate_send(st), 'hex') FROM fuzz_states) TO STDOUT" |
	python3 -c '
import os, sys
out = sys.argv[1]
for line in sys.stdin:
    name, value, hexed = line.rstrip("\n").split("\t")
    if hexed:
        open(os.path.join(out, "fitstate", "text_" + name), "w").write(value)
        open(os.path.join(out, "fitstate", "binary_" + name), "wb").write(bytes.fromhex(hexed))
    else:
        open(os.path.join(out, "import", name + ".json"), "w").write(value)
' "$seeds" || die "could not write the seeds"

# every exported document must import (a document export_model writes and import_model refuses
# is a finding of its own)
seed_findings=$(psql -X -At -d "$FUZZ_DB" -c "
DO \$\$
DECLARE
	r record;
	d text;
BEGIN
	FOR r IN SELECT * FROM fuzz_docs ORDER BY name LOOP
		BEGIN
			PERFORM mlops.import_model('fz_seed', r.doc);
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
			RAISE WARNING 'export_model of seed model \"%\" (params %) does not import: %: % (%)',
				r.name, r.doc -> 'params', SQLSTATE, SQLERRM, d;
		END;
	END LOOP;
END \$\$;" 2>&1 | grep WARNING)

# ---- fuzzing ----
# the figures of one target from its log: the last status line, the final stats, our own block
summarise() {
	local name="$1" log="$2" arts="$3" rc="$4" status execs eps cov ft corp crashes
	status=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED|RELOAD)' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(echo "$status" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$status" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$status" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
	crashes=$(find "$arts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
	echo "== $name"
	echo "   executions: ${execs:-?}   exec/s: ${eps:-?}   corpus: ${corp:-?} (units/bytes, in $FUZZ_WORK/corpus/$name)"
	if [ -z "$status" ]; then
		echo "   coverage: none reported (stopped before libFuzzer's first status line, while loading the corpus)"
	elif [ "$name" = import ]; then
		echo "   coverage: not visible (the code runs in the server); ft ${ft:-?} features = distinct outcomes of import_model"
	else
		echo "   coverage: cov ${cov:-?} edges, ft ${ft:-?} features (libFuzzer's, over src/fitstate.c, linalg.c, olsresult.c, distributions.c)"
	fi
	echo "   crashes/findings: $crashes   (exit status $rc; log $log)"
	if [ "$crashes" -gt 0 ]; then
		find "$arts" -maxdepth 1 -type f | sed 's/^/     input: /'
		grep -E '^(FINDING|SUMMARY|.*runtime error|.*: XX000:|==[0-9]+==ERROR)' "$log" | head -n 5 | sed 's/^/     /'
	fi
	sed -n '/^harness figures/,$p' "$log" | sed 's/^/   /'
}

failed=0
report=()
for t in "${targets[@]}"; do
	case "$t" in
	fitstate | fitstate_ols)
		args=(-max_len=4096 -dict="$here/fitstate.dict" -use_value_profile=1 -timeout=20)
		seeddir="$seeds/fitstate"
		;;
	import)
		# -len_control=0: the seeds are whole documents of 0.4 to 2.5 kB; growing the length limit
		# from a few bytes, as libFuzzer does by default, would cut them into invalid JSON
		args=(-max_len=8192 -len_control=0 -dict="$here/import.dict" -timeout=60)
		seeddir="$seeds/import"
		;;
	esac
	corpus="$FUZZ_WORK/corpus/$t"
	arts="$run/$t"
	log="$run/$t.log"
	mkdir -p "$corpus" "$arts"
	say "running $t for ${FUZZ_SECONDS}s"
	FUZZ_DB="$FUZZ_DB" FUZZ_UNEXPECTED_LOG="$run/import-unexpected.log" \
		"$build/${t}_fuzz" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -rss_limit_mb=4096 \
		-artifact_prefix="$arts/" "${args[@]}" "$corpus" "$seeddir" >"$log" 2>&1
	rc=$?
	report+=("$(summarise "$t" "$log" "$arts" "$rc")")
	if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$arts")" ]; then
		failed=1
	fi
	if [ "$t" = import ]; then
		if ! mlops_cluster_running; then
			report+=("   FINDING: the server does not answer after the import harness")
			failed=1
		fi
		if grep -E 'terminated by signal|PANIC|was terminated' "$MLOPS_CLUSTER_DIR/server.log" >"$run/server-crashes.log"; then
			report+=("   FINDING: the server log reports a crash: $(head -n 1 "$run/server-crashes.log")")
			failed=1
		fi
		cp "$MLOPS_CLUSTER_DIR/server.log" "$run/server.log" 2>/dev/null
	fi
done

echo
echo "fuzz: figures (${FUZZ_SECONDS}s per target; run directory $run)"
for r in "${report[@]}"; do
	echo "$r"
done
if [ -n "$seed_findings" ]; then
	echo "== seed check: exported models that import_model refuses"
	while IFS= read -r line; do
		echo "   FINDING: ${line#WARNING:  }"
	done <<<"$seed_findings"
	failed=1
fi
if [ "$failed" -ne 0 ]; then
	echo "fuzz: FAILED: see the findings above"
	exit 1
fi
echo "fuzz: no crash, no finding"
exit 0
