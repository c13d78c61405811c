# test/lib.sh: what the shell scripts under test/t share.  Source it:
#   . "$(dirname "$0")/../lib.sh"
# It stops the script (exit 2) unless PGHOST, PGPORT and PGUSER name a running cluster
# (test/run_tests.sh sets them), and defines fail, which reports a failure and counts it
# in $failures; q, psql on the script's database $DB; and new_db, which makes $DB afresh.

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

# psql on the test database $DB: unaligned, tuples only, quiet; stops at the first error
q() {
	psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$DB" "$@"
}

# Drops database $DB if it is there and creates it empty; exits 2 if either fails.
new_db() {
	dropdb --if-exists "$DB" || exit 2
	createdb "$DB" || exit 2
}
