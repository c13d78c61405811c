#!/usr/bin/python3
"""mlops.robust_cov (HC0-HC3 sandwich covariance) against statsmodels.

Data: scikit-learn's diabetes set, unscaled (442 rows, 10 features), with an
intercept column.  Every value reaches SQL through repr(), which round-trips
exactly, and is read back to make sure.  The coefficients and the fit state
come from mlops.ols_fit and mlops.fit_state; statsmodels fits its own.

Checks, each element relative to sqrt(v_ii v_jj) of the statsmodels matrix,
against RTOL:

  * the three forms (y, x), (y, x, w) and (y, x1, ..., xp) against
    OLS(y, X).fit().get_robustcov_results(cov_type='HC0'..'HC3').cov_params(),
    and WLS(y, X, weights=w) for the weighted form;
  * rows with a NULL are skipped: the same table with NULL rows added gives the
    same answer;
  * GROUP BY with a fit per group: each group against statsmodels on its rows;
  * a parallel plan (Partial Aggregate under Gather, checked with EXPLAIN) on the
    rows repeated 200 times, against statsmodels on the repeated data;
  * a dummy column that is 1 on one row only (leverage 1): HC2 and HC3 are all
    NULL, HC0 and HC1 match statsmodels;
  * errors and their SQLSTATEs; no rows gives NULL.

Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
Exit status 0 on pass, 1 on failure, 2 when the test cannot run.
"""

import os
import sys
import warnings

import numpy as np
import statsmodels.api as sm
from sklearn.datasets import load_diabetes

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lib  # noqa: E402
from lib import fail, parse_float  # noqa: E402

DB = "mlops_t_robust"
RTOL = 1e-8
REPEAT = 200
HC_TYPES = ["HC0", "HC1", "HC2", "HC3"]

figures = []        # (case, HC type, worst relative difference)

# SET extra_float_digits = 3 is given where numbers are read
db = lib.Database(DB)
psql, psql_error = db.psql, db.error


# ---------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------

def parse_hc(s, p):
    """A float8[4][p][p] as a list of four p x p lists (None for NULL elements),
    or None for a NULL array."""
    s = s.strip()
    if s == "":
        return None
    assert s.startswith("{{{") and s.endswith("}}}"), s[:80]
    vals = [parse_float(v) for v in s.replace("{", "").replace("}", "").split(",")]
    if len(vals) != 4 * p * p:
        raise ValueError("expected %d values, got %d" % (4 * p * p, len(vals)))
    return [[vals[c * p * p + i * p: c * p * p + (i + 1) * p] for i in range(p)] for c in range(4)]


def sql_float(v):
    return repr(float(v)) + "::float8"


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def reference(X, y, w=None):
    """statsmodels' HC0..HC3 covariance matrices."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.OLS(y, X) if w is None else sm.WLS(y, X, weights=w)
        res = model.fit()
        out = []
        for t in HC_TYPES:
            try:
                out.append(np.asarray(res.get_robustcov_results(cov_type=t).cov_params()))
            except Exception:       # leverage 1: statsmodels may fail on HC2/HC3
                out.append(None)
        return out


def compare(case, got, ref, types=HC_TYPES):
    if got is None:
        fail("%s: robust_cov returned NULL" % case)
        return
    for c, t in enumerate(HC_TYPES):
        if t not in types:
            continue
        d = lib.worst_cov_diff(got[c], ref[c])
        figures.append((case, t, d))
        if not d <= RTOL:
            fail("%s %s: worst relative difference %.3g > %g" % (case, t, d, RTOL))


def same(case, a, b, tol=0.0):
    """Two robust_cov results equal (to tol relative to the diagonal of a)."""
    p = len(a[0])
    worst = 0.0
    for c in range(4):
        for i in range(p):
            for j in range(p):
                x, y = a[c][i][j], b[c][i][j]
                if (x is None) != (y is None):
                    fail("%s: NULL in one result only (matrix %d, [%d][%d])" % (case, c, i, j))
                    return
                if x is None:
                    continue
                scale = np.sqrt(abs(a[c][i][i] * a[c][j][j]))
                worst = max(worst, abs(x - y) / scale)
    figures.append((case, "all", worst))
    if not worst <= tol:
        fail("%s: results differ by %.3g > %g" % (case, worst, tol))


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def weights(n):
    """Positive weights, exact in binary: 0.5, 0.75, ..., 2."""
    return np.array([0.5 + (i % 7) / 4.0 for i in range(n)])


def load_table(name, X, y, w, extra_rows=()):
    """Table name(i, y, x float8[], x1 .. xp float8, w): x holds every column
    of X (with the intercept), x1 .. xp the same as separate columns."""
    n, p = X.shape
    cols = ", ".join("x%d float8" % (j + 1) for j in range(p))
    rows = []
    for i in range(n):
        xs = [repr(float(v)) for v in X[i]]
        rows.append("(%d, %s, ARRAY[%s]::float8[], %s, %s)" % (
            i, repr(float(y[i])), ",".join(xs), ",".join(xs), repr(float(w[i]))))
    rows.extend(extra_rows)
    psql("DROP TABLE IF EXISTS %s;\nCREATE TABLE %s (i int, y float8, x float8[], %s, w float8);\n"
         "INSERT INTO %s VALUES\n%s;\n" % (name, name, cols, name, ",\n".join(rows)))
    back = psql("SET extra_float_digits = 3;\nSELECT y, x, w FROM %s WHERE i < %d ORDER BY i;\n"
                % (name, n))
    for i, line in enumerate(back.strip().split("\n")):
        ys, xs, ws = line.split("|")
        if (float(ys) != float(y[i]) or float(ws) != float(w[i]) or
                [float(v) for v in xs[1:-1].split(",")] != [float(v) for v in X[i]]):
            lib.abort("row %d of %s did not round-trip exactly" % (i, name))


def fit(name, weighted=False, where="true", group=None):
    """Stores the fit state and coefficients of a table in fit_<name>."""
    wa = ", w" if weighted else ""
    g = "" if group is None else ", %s AS g" % group
    gb = "" if group is None else " GROUP BY 3"
    psql("DROP TABLE IF EXISTS fit_%s;\n"
         "CREATE TABLE fit_%s AS SELECT mlops.fit_state(y, x%s) AS s, (mlops.ols_fit(y, x%s)).coef AS c%s"
         " FROM %s WHERE %s%s;\n" % (name, name, wa, wa, g, name, where, gb))


def robust(name, args, p, where="true", settings=""):
    """robust_cov over the rows of a table, the state and coefficients from
    scalar subqueries (InitPlans, which a parallel plan passes to its workers)."""
    out = psql("SET extra_float_digits = 3;\n%s"
               "SELECT mlops.robust_cov((SELECT s FROM fit_%s), (SELECT c FROM fit_%s), %s)"
               " FROM %s WHERE %s;\n"
               % (settings, name, name, args, name, where))
    return parse_hc(out, p)


def xcols(p):
    return ", ".join("x%d" % (j + 1) for j in range(p))


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------

def check_forms(X, y, w):
    n, p = X.shape
    load_table("diab", X, y, w)
    fit("diab")
    ref = reference(X, y)
    compare("ols array form", robust("diab", "y, x", p), ref)
    compare("ols column form", robust("diab", "y, " + xcols(p), p), ref)
    fit("diab", weighted=True)
    compare("wls weighted form", robust("diab", "y, x, w", p), reference(X, y, w))

    # rows with NULLs are skipped by the fit and by robust_cov alike
    nulls = ["(%d, NULL, ARRAY[%s]::float8[], %s, 1)" % (n, ",".join(["1"] * p), ",".join(["1"] * p)),
             "(%d, 5, ARRAY[1,NULL%s]::float8[], 1, NULL%s, 1)"
             % (n + 1, ",2" * (p - 2), ", 2" * (p - 2)),
             "(%d, 5, ARRAY[%s]::float8[], %s, NULL)" % (n + 2, ",".join(["3"] * p), ",".join(["3"] * p))]
    load_table("diab_nulls", X, y, w, nulls)
    # the row with a NULL w only is a complete row for the unweighted forms
    usable = "i <> %d" % (n + 2)
    fit("diab_nulls", where=usable)
    unweighted = robust("diab_nulls", "y, x", p, where=usable)
    compare("ols with NULL rows", unweighted, ref)
    same("ols with NULL rows, column form", unweighted,
         robust("diab_nulls", "y, " + xcols(p), p, where=usable))
    fit("diab_nulls", weighted=True)
    compare("wls with NULL rows", robust("diab_nulls", "y, x, w", p), reference(X, y, w))

    # rows of weight 0 do not count, in the fit as here: statsmodels on the other rows
    psql("UPDATE diab_nulls SET w = 0 WHERE i %% 10 = 0 AND i < %d;\n" % n)
    fit("diab_nulls", weighted=True)
    keep = np.arange(n) % 10 != 0
    compare("wls with rows of weight 0", robust("diab_nulls", "y, x, w", p),
            reference(X[keep], y[keep], w[keep]))

    # a fit per group under GROUP BY
    fit("diab", group="i % 2")
    out = psql("SET extra_float_digits = 3;\n"
               "SELECT f.g, mlops.robust_cov(f.s, f.c, y, x) FROM diab t JOIN fit_diab f ON f.g = t.i % 2"
               " GROUP BY f.g ORDER BY f.g;\n")
    lines = out.strip().split("\n")
    if len(lines) != 2:
        fail("GROUP BY: expected 2 groups, got %r" % out[:200])
    for line in lines:
        g, arr = line.split("|", 1)
        rows = np.arange(n) % 2 == int(g)
        compare("ols group %s" % g, parse_hc(arr, p), reference(X[rows], y[rows]))

    # no rows, or only rows with NULLs: NULL
    fit("diab")
    for where in ["false", "i IN (%d, %d)" % (n, n + 1)]:
        for args in ["y, x", "y, " + xcols(p)]:
            out = psql("SELECT mlops.robust_cov(f.s, f.c, %s) IS NULL FROM diab_nulls t"
                       " CROSS JOIN fit_diab f WHERE %s;\n" % (args, where)).strip()
            if out != "t":
                fail("robust_cov(%s) over no usable rows (%s) is not NULL: %r" % (args, where, out))


def check_parallel(X, y, w):
    n, p = X.shape
    settings = ("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
                " SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;\n")
    psql("DROP TABLE IF EXISTS big;\n"
         "CREATE TABLE big AS SELECT d.* FROM diab d CROSS JOIN generate_series(1, %d) r;\n"
         "ANALYZE big;\n" % REPEAT)
    fit("big")
    plan = psql(settings + "EXPLAIN (COSTS OFF) SELECT mlops.robust_cov((SELECT s FROM fit_big),"
                " (SELECT c FROM fit_big), y, x) FROM big;\n")
    if "Partial Aggregate" not in plan or "Gather" not in plan:
        fail("no parallel plan for robust_cov:\n" + plan)
    print("parallel plan:\n   " + "\n   ".join(plan.strip().split("\n")))
    plan = psql(settings + "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)"
                " SELECT mlops.robust_cov((SELECT s FROM fit_big), (SELECT c FROM fit_big), y, x) FROM big;\n")
    launched = [int(l.split(":")[1]) for l in plan.split("\n") if "Workers Launched:" in l]
    print("workers launched: %s" % launched)
    if not launched or launched[-1] < 1:
        fail("the parallel plan launched no workers:\n" + plan)
    Xr, yr, wr = np.tile(X, (REPEAT, 1)), np.tile(y, REPEAT), np.tile(w, REPEAT)
    ref = reference(Xr, yr)
    par = robust("big", "y, x", p, settings=settings)
    compare("ols parallel, x%d rows" % REPEAT, par, ref)
    compare("ols parallel column form", robust("big", "y, " + xcols(p), p, settings=settings), ref)
    serial = robust("big", "y, x", p, settings="SET max_parallel_workers_per_gather = 0;\n")
    same("parallel against serial", par, serial, 1e-10)
    fit("big", weighted=True)
    compare("wls parallel", robust("big", "y, x, w", p, settings=settings), reference(Xr, yr, wr))


def check_leverage_one(X, y, w):
    n, p = X.shape
    dummy = np.zeros((n, 1))
    dummy[17, 0] = 1.0
    Xd = np.hstack([X, dummy])
    load_table("lev1", Xd, y, w)
    fit("lev1")
    ref = reference(Xd, y)
    for form, args in [("array", "y, x"), ("column", "y, " + xcols(p + 1))]:
        got = robust("lev1", args, p + 1)
        if got is None:
            fail("leverage 1, %s form: NULL" % form)
            continue
        compare("leverage 1, %s form" % form, got, ref, types=["HC0", "HC1"])
        for c in (2, 3):
            if any(v is not None for row in got[c] for v in row):
                fail("leverage 1, %s form: %s is not all NULL" % (form, HC_TYPES[c]))
    fit("lev1", weighted=True)
    got = robust("lev1", "y, x, w", p + 1)
    compare("leverage 1, weighted", got, reference(Xd, y, w), types=["HC0", "HC1"])
    if got is not None and any(v is not None for c in (2, 3) for row in got[c] for v in row):
        fail("leverage 1, weighted: HC2 or HC3 is not all NULL")
    print("leverage 1: HC2 and HC3 NULL in every form")


def check_errors(p):
    fit("diab")
    # a rank-deficient state: the last column repeats the second
    psql("DROP TABLE IF EXISTS fit_dup;\n"
         "CREATE TABLE fit_dup AS SELECT mlops.fit_state(y, x || x[2]) AS s, (SELECT c FROM fit_diab) || 0::float8 AS c"
         " FROM diab;\n")
    f = " FROM diab t CROSS JOIN fit_diab f"
    cases = [
        ("rank-deficient state", "22023",
         "SELECT mlops.robust_cov(f.s, f.c, y, x || x[2]) FROM diab t CROSS JOIN fit_dup f"),
        ("coef of the wrong length", "2202E",
         "SELECT mlops.robust_cov(f.s, f.c[1:%d], y, x)%s" % (p - 1, f)),
        ("x of the wrong length", "2202E",
         "SELECT mlops.robust_cov(f.s, f.c, y, x[1:%d])%s" % (p - 1, f)),
        ("x of the wrong length, weighted", "2202E",
         "SELECT mlops.robust_cov(f.s, f.c, y, x || 1::float8, w) FROM diab t CROSS JOIN"
         " (SELECT mlops.fit_state(y, x, w) AS s, (SELECT c FROM fit_diab) AS c FROM diab) f"),
        ("too few x arguments", "2202E",
         "SELECT mlops.robust_cov(f.s, f.c, y, x1, x2)%s" % f),
        ("x argument not float8", "42804",
         "SELECT mlops.robust_cov(f.s, f.c, y, %s, 1)%s" % (xcols(p - 1), f)),
        ("NULL state", "22004",
         "SELECT mlops.robust_cov(NULL::mlops.fitstate, f.c, y, x)%s" % f),
        ("NULL coef", "22004",
         "SELECT mlops.robust_cov(f.s, NULL::float8[], y, x)%s" % f),
        ("coef differs between rows", "22023",
         "SELECT mlops.robust_cov(f.s, CASE WHEN i = 5 THEN array_fill(0::float8, ARRAY[%d]) ELSE f.c END, y, x)%s"
         % (p, f)),
        ("weights for an unweighted state", "22023",
         "SELECT mlops.robust_cov(f.s, f.c, y, x, w)%s" % f),
        ("no weights for a weighted state", "22023",
         "SELECT mlops.robust_cov(f.s, f.c, y, x) FROM diab t CROSS JOIN"
         " (SELECT mlops.fit_state(y, x, w) AS s, (SELECT c FROM fit_diab) AS c FROM diab) f"),
        ("negative weight", "22023",
         "SELECT mlops.robust_cov(f.s, f.c, y, x, CASE WHEN i = 9 THEN -1 ELSE w END) FROM diab t CROSS JOIN"
         " (SELECT mlops.fit_state(y, x, w) AS s, (SELECT c FROM fit_diab) AS c FROM diab) f"),
        ("NaN weight", "22000",
         "SELECT mlops.robust_cov(f.s, f.c, y, x, CASE WHEN i = 9 THEN 'NaN' ELSE w END) FROM diab t CROSS JOIN"
         " (SELECT mlops.fit_state(y, x, w) AS s, (SELECT c FROM fit_diab) AS c FROM diab) f"),
        ("infinite y", "22000",
         "SELECT mlops.robust_cov(f.s, f.c, CASE WHEN i = 3 THEN 'Infinity' ELSE y END, x)%s" % f),
        ("state with no rows", "22000",
         "SELECT mlops.robust_cov((SELECT mlops.fit_state(y, x) FROM diab_nulls WHERE y IS NULL), f.c, y, x)%s"
         % f),
        ("called outside an aggregate", "0A000",
         "SELECT mlops.robust_cov_accum(NULL, f.s, f.c, 1::float8, f.c) FROM fit_diab f"),
    ]
    print("errors:")
    for label, want, sql in cases:
        code, msg = psql_error(sql + ";\n")
        print("   %-34s %s  %s" % (label, code, msg))
        if code != want:
            fail("%s: expected SQLSTATE %s, got %s (%s)" % (label, want, code, msg))


def main():
    lib.require_cluster()
    db.create()
    Xraw, y = load_diabetes(return_X_y=True, scaled=False)
    X = np.hstack([np.ones((Xraw.shape[0], 1)), Xraw])
    w = weights(X.shape[0])
    print("diabetes: n = %d, p = %d (with the intercept), cond(X) = %.3g"
          % (X.shape[0], X.shape[1], np.linalg.cond(X)))

    check_forms(X, y, w)
    check_parallel(X, y, w)
    check_leverage_one(X, y, w)
    check_errors(X.shape[1])

    print("\nworst relative difference, per element, to sqrt(v_ii v_jj) (bar %g):" % RTOL)
    for case, t, d in figures:
        print("   %-36s %-4s %.3g" % (case, t, d))

    return lib.finish("061_robust", db)


if __name__ == "__main__":
    sys.exit(main())
