"""test/lib.py: what the Python scripts under test/t share (test/lib.sh is the same for
the shell scripts).  A script imports it from its own location:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import lib

It needs only the standard library; numpy is used when the script has imported it.

Failures
  failures         the messages of the failures so far (a list; scripts only append to it
                   through fail, and test it or its length at the end)
  fail(msg)        prints "FAIL: msg" at once and appends msg to failures
  abort(msg)       the test cannot run: writes msg (and a newline) to stderr, exits 2

Commands, the cluster and the test's database
  require_cluster()
                   exits 2 unless PGHOST, PGPORT and PGUSER are set and not empty
                   (test/run_tests.sh sets them, with PGDATABASE)
  run(args, stdin=None, check=True, status=2)
                   runs a command with stdin as its input, returns the
                   subprocess.CompletedProcess (text stdout and stderr); with check, a
                   non-zero exit writes the command and its output to stderr and exits with
                   status
  PSQL             psql's options for scripts: no psqlrc, unaligned, tuples only, quiet,
                   ON_ERROR_STOP
  FLOAT_DIGITS     "SET extra_float_digits = 3;": float8 prints its shortest exact decimal,
                   which float() and json.loads read back exactly
  Database(name, preamble="", warnings_fail=False, error_status=2)
                   the script's own database; preamble is put before every SQL text given
                   to .psql (and so to .rows, .scalar, .jsonb_rows, .error); warnings_fail
                   makes anything psql writes to stderr (a WARNING, a NOTICE) a failure;
                   error_status is the exit status when a .psql that is checked fails
    .create()      drops the database if it exists, creates it, CREATE EXTENSION mlops
    .drop(check=True)
                   dropdb --if-exists; with check, exits 2 if that fails
    .psql(sql, check=True)
                   runs preamble + sql in a new session; with check returns its output
                   (exits error_status on an error), without it the CompletedProcess
    .rows(sql)     the output lines that are not blank, each split at "|"
    .scalar(sql)   the one value of a query that returns one row of one column
    .jsonb_rows(sql)
                   each output line that is not blank read as JSON (one jsonb a line)
    .error(sql)    runs sql that must fail, with VERBOSITY verbose; returns (SQLSTATE,
                   message) of the first ERROR line, or (None, what happened instead)
  finish(name, db) the end of a script: with failures, prints
                   "NAME: N failure(s); database D kept for inspection" and returns 1;
                   otherwise drops the database, prints "NAME: ok" and returns 0
  train_folds(db, table, n, k)
                   the cross-validation fold (0 .. k-1) of rows i = 0 .. n-1 of table (an
                   int column i, the target column "target") as mlops.train assigns them
                   with test_fraction 0: mlops._hash_sql of the row cut into k equal
                   ranges; a numpy array

Parsing psql's output
  parse_float(s)   a float8 as text -> float; "" and "NULL" -> None
  parse_array(s)   a one-dimensional float8[] as text -> list (NULL elements None);
                   "" (a NULL array) -> None, "{}" -> []
  sql_literal(s)   s as an SQL string literal, quotes doubled

Comparing numbers
  rel_diff(got, want, floor=0.0, absolute_at_zero=False)
                   |got - want| / max(|want|, floor); 0 when they are equal (both None,
                   or the same infinity), inf when only one is None or got is NaN or
                   infinite and want is not the same; where max(|want|, floor) is 0 and
                   got differs, inf, or |got - want| with absolute_at_zero
  worst_cov_diff(got, want)
                   the worst element of a covariance matrix got (lists, None for NULL)
                   against want (p x p), each |got_ij - want_ij| / sqrt(want_ii want_jj);
                   inf if got has a NULL element
  Checks(rtol, absolute_at_zero=False)
                   records comparisons as rows (case, quantity, worst difference,
                   tolerance, note), for a script's table of worst differences, and
                   calls fail for those beyond their tolerance
    .compare(case, quantity, got, want, tol=rtol, floor=0.0, note="")
                   scalars, or vectors (want a list, tuple or numpy array) element by
                   element, with rel_diff(floor, absolute_at_zero); the worst element is
                   recorded, and named in the failure message; a vector of the wrong
                   length (or None) fails and is recorded as inf
    .exact(case, quantity, got, want, note="exact")
                   got == want; recorded as 0 or inf with tolerance 0
    .expect_null(case, quantity, got)
                   got is None; recorded as 0 or inf with tolerance 0
    .rows          the records, in the order made
"""

import json
import math
import os
import subprocess
import sys

# ---------------------------------------------------------------------------
# failures
# ---------------------------------------------------------------------------

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def abort(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(2)


# ---------------------------------------------------------------------------
# commands, the cluster and the database
# ---------------------------------------------------------------------------

PSQL = ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"]
FLOAT_DIGITS = "SET extra_float_digits = 3;\n"


def require_cluster():
    for v in ("PGHOST", "PGPORT", "PGUSER"):
        if not os.environ.get(v):
            abort("%s is not set: run under a cluster (test/cluster.sh)" % v)


def run(args, stdin=None, check=True, status=2):
    p = subprocess.run(args, input=stdin, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.stderr.write("command failed: %s\n%s%s" % (" ".join(args), p.stdout, p.stderr))
        sys.exit(status)
    return p


class Database:
    def __init__(self, name, preamble="", warnings_fail=False, error_status=2):
        self.name = name
        self.preamble = preamble
        self.warnings_fail = warnings_fail
        self.error_status = error_status

    def create(self):
        self.drop()
        run(["createdb", self.name])
        self.psql("CREATE EXTENSION mlops;\n")

    def drop(self, check=True):
        run(["dropdb", "--if-exists", self.name], check=check)

    def psql(self, sql, check=True):
        p = run(PSQL + ["-d", self.name], self.preamble + sql, check, self.error_status)
        if not check:
            return p
        if self.warnings_fail and p.stderr.strip():
            fail("unexpected messages from the server:\n" + p.stderr.strip())
        return p.stdout

    def rows(self, sql):
        return [line.split("|") for line in self.psql(sql).splitlines() if line.strip()]

    def scalar(self, sql):
        r = self.rows(sql)
        assert len(r) == 1 and len(r[0]) == 1, r
        return r[0][0]

    def jsonb_rows(self, sql):
        return [json.loads(line) for line in self.psql(sql).splitlines() if line.strip()]

    def error(self, sql):
        p = self.psql("\\set VERBOSITY verbose\n" + sql, check=False)
        if p.returncode == 0:
            return None, "no error; output %r" % p.stdout.strip()
        for line in p.stderr.splitlines():
            # ERROR:  22023: could not ...
            if line.startswith("ERROR:"):
                code, _, msg = line[len("ERROR:"):].strip().partition(": ")
                return code, msg
        return None, p.stderr.strip()


def finish(name, db):
    if failures:
        print("\n%s: %d failure(s); database %s kept for inspection" % (name, len(failures), db.name))
        return 1
    db.drop()
    print("\n%s: ok" % name)
    return 0


def train_folds(db, table, n, k):
    import numpy as np
    h = db.psql("SELECT mlops._hash_sql('%s'::regclass, 'target');\n" % table).strip()
    fold_of = {}
    for line in db.psql("SELECT i, least(%d, floor((%s) * %d))::int FROM %s;\n"
                        % (k - 1, h, k, table)).split():
        i, f = line.split("|")
        fold_of[int(i)] = int(f)
    return np.array([fold_of[i] for i in range(n)])


# ---------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------

def parse_float(s):
    s = s.strip()
    return None if s in ("", "NULL") else float(s)


def parse_array(s):
    s = s.strip()
    if s == "":
        return None
    assert s[0] == "{" and s[-1] == "}", s
    return [parse_float(v) for v in s[1:-1].split(",")] if len(s) > 2 else []


def sql_literal(s):
    return "'" + s.replace("'", "''") + "'"


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def rel_diff(got, want, floor=0.0, absolute_at_zero=False):
    if got is None or want is None:
        return 0.0 if got is None and want is None else math.inf
    got, want = float(got), float(want)
    if not math.isfinite(got):
        return 0.0 if got == want else math.inf
    if got == want:
        return 0.0
    den = max(abs(want), floor)
    if den > 0:
        return abs(got - want) / den
    return abs(got - want) if absolute_at_zero else math.inf


def worst_cov_diff(got, want):
    p = len(want)
    worst = 0.0
    for i in range(p):
        for j in range(p):
            g = got[i][j]
            if g is None:
                return math.inf
            worst = max(worst, abs(g - want[i][j]) / math.sqrt(want[i][i] * want[j][j]))
    return worst


def _is_vector(v):
    if isinstance(v, (list, tuple)):
        return True
    np = sys.modules.get("numpy")
    return np is not None and isinstance(v, np.ndarray)


class Checks:
    def __init__(self, rtol, absolute_at_zero=False):
        self.rtol = rtol
        self.absolute_at_zero = absolute_at_zero
        self.rows = []

    def compare(self, case, quantity, got, want, tol=None, floor=0.0, note=""):
        tol = self.rtol if tol is None else tol
        if _is_vector(want):
            want = [float(v) for v in want]
            if got is None or len(got) != len(want):
                fail("%s: %s has %s elements, expected %d"
                     % (case, quantity, None if got is None else len(got), len(want)))
                self.rows.append((case, quantity, math.inf, tol, note))
                return
            ds = [rel_diff(g, w, floor, self.absolute_at_zero) for g, w in zip(got, want)]
            worst = max(ds) if ds else 0.0
            j = ds.index(worst) if ds else 0
            detail = "element %d: got %r, expected %r" % (j + 1, got[j], want[j]) if ds else ""
        else:
            want = None if want is None else float(want)
            worst = rel_diff(got, want, floor, self.absolute_at_zero)
            detail = "got %r, expected %r" % (got, want)
        self.rows.append((case, quantity, worst, tol, note))
        if not worst <= tol:
            fail("%s: %s differs by %.3g relative (tolerance %g); %s"
                 % (case, quantity, worst, tol, detail))

    def exact(self, case, quantity, got, want, note="exact"):
        self.rows.append((case, quantity, 0.0 if got == want else math.inf, 0.0, note))
        if got != want:
            fail("%s: %s = %r, expected %r" % (case, quantity, got, want))

    def expect_null(self, case, quantity, got):
        self.rows.append((case, quantity, 0.0 if got is None else math.inf, 0.0, "must be NULL"))
        if got is not None:
            fail("%s: %s = %r, expected NULL" % (case, quantity, got))
