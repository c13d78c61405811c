# test/bench/lib.sh: what the benchmark scripts share.  Source it first:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It moves to the repository root ($root), sets PG_CONFIG (default: PostgreSQL 15's), defines say
# and die, and stops the script unless the extension is installed ($sharedir: PostgreSQL's share
# directory).  bench_table_sql N prints the SQL that creates and fills table t with N rows of
# 10 float8 features and y, from a fixed seed: the data the estimator benchmarks time.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"

say() { echo "bench: $*"; }
die() {
	echo "bench: ERROR: $*" >&2
	exit 1
}

sharedir=$("$PG_CONFIG" --sharedir 2>/dev/null) || die "$PG_CONFIG does not run; run: make install"
[ -f "$sharedir/extension/mlops.control" ] || die "the extension is not installed; run: make install"

# Deterministic data: a fixed seed and a serial INSERT (random() is evaluated row by row, left
# to right).  The table is created in the loading transaction, so with wal_level = minimal the
# load writes no WAL.
bench_table_sql() {
	cat <<SQL
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
      FROM generate_series(1, $1) OFFSET 0) s;
COMMIT;
VACUUM (FREEZE, ANALYZE) t;
SQL
}
