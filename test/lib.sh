# test/lib.sh: what the shell scripts under test/t share.  Source it:
#   . "$(dirname "$0")/../lib.sh"
# It stops the script (exit 2) unless PGHOST, PGPORT and PGUSER name a running cluster
# (test/run_tests.sh sets them), and defines fail, which reports a failure and counts it
# in $failures.

for v in PGHOST PGPORT PGUSER; do
	if [ -z "${!v:-}" ]; then
		echo "$v is not set: run under a cluster (test/cluster.sh)" >&2
		exit 2
	fi
done

failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
