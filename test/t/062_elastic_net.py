#!/usr/bin/python3
"""Lasso and elastic net of mlops against scikit-learn on its diabetes data.

The data are scikit-learn's diabetes data as the Debian package ships them, both the raw
values (load_diabetes(scaled=False), as test/t/060_reference.py uses them: features of very
different scales, s1..s3 nearly collinear) and the default scaled ones (each feature centred
and scaled to unit norm).  Each is loaded into a table through repr(), which round-trips
exactly, and read back to check that it did.

scikit-learn is run with tol = 1e-12 and max_iter = 10^6, so that its coordinate descent is
converged far below the tolerance of the comparisons.  Every coefficient must agree to a
relative 1e-6, and where scikit-learn's coefficient is exactly 0 mlops' must be exactly 0
too (the zero pattern must match).  Checks:

  1. mlops.elastic_net_coef(mlops.fit_state(y, 1 || x), lambda, l1_ratio) against
     ElasticNet(alpha = lambda, l1_ratio) (and Lasso(alpha = lambda) for l1_ratio 1) at
     lambda = lambda_max times 0.5, 0.1, 0.01 and 0.001 and l1_ratio 1, 0.7, 0.5 and 0.1,
     with an intercept and without (fit_state(y, x), fit_intercept = False).  lambda_max is
     computed with numpy: max |X_c'y_c| / (n l1_ratio).
  2. standardize => true against scikit-learn on X / sd, the coefficients divided by sd
     afterwards; sd the population standard deviation of each feature (about its mean with
     an intercept, the root mean square without one, where the state has no column sums).
  3. mlops.elastic_net_lambda_grid against lambda_max 10^(-3i/99), i = 0..99 (numpy), and
     mlops.elastic_net_path over that grid against scikit-learn's enet_path on the centred
     data (intercept ybar - xbar'b), for l1_ratio 1 and 0.5, with and without standardize.
  4. mlops.train(..., 'lasso' | 'elastic_net', test_fraction => 0) on the ten features:
     statistics.coef and mlops.models.coefficients against scikit-learn; converged true.
  5. params.lambda = "auto": the folds as train assigns them (the row hash, as in
     060_reference.py), the cross-validation curve recomputed with scikit-learn refits on
     the same folds (a warm-started enet_path per fold over mlops' grid), compared point
     by point (rmse_mean, rmse_sd to 1e-6), the chosen lambda must be the argmin of the
     scikit-learn curve (ties: the larger lambda), and the model the fit at that lambda.
     Once with the default grid (lasso), once with "lambdas" (elastic net, standardize).

The script prints the worst relative difference of every case, exits 0 when all pass.
Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
"""

import json
import math
import os
import re
import sys
import warnings

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, enet_path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lib  # noqa: E402
from lib import fail  # noqa: E402

DB = "mlops_t_elastic_net"
RTOL = 1e-6
SK = dict(tol=1e-12, max_iter=1000000)
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
FACTORS = (0.5, 0.1, 0.01, 0.001)
RATIOS = (1.0, 0.7, 0.5, 0.1)

report = []            # (case, worst relative difference, number of zeros)

# jsonb(sql): one jsonb value per output line; float8 reaches jsonb as its shortest exact decimal
db = lib.Database(DB, preamble=lib.FLOAT_DIGITS)
psql, jsonb = db.psql, db.jsonb_rows


def compare(case, got, want):
    """Coefficient vectors: relative 1e-6 where want is nonzero, exactly 0 where it is 0."""
    want = [float(v) for v in want]
    if got is None or len(got) != len(want):
        fail("%s: %r coefficients, expected %d" % (case, None if got is None else len(got), len(want)))
        report.append((case, math.inf, 0))
        return
    worst, j_worst = 0.0, 0
    for j, (g, w) in enumerate(zip(got, want)):
        if w == 0.0:
            d = 0.0 if g == 0.0 else math.inf
        else:
            d = abs(g - w) / abs(w)
        if not d <= worst:
            worst, j_worst = d, j
    zeros = sum(1 for w in want if w == 0.0)
    report.append((case, worst, zeros))
    if not worst <= RTOL:
        fail("%s: element %d differs by %.3g relative (got %r, expected %r); zeros got %s, expected %s"
             % (case, j_worst + 1, worst, got[j_worst], want[j_worst],
                [j + 1 for j, g in enumerate(got) if g == 0.0], [j + 1 for j, w in enumerate(want) if w == 0.0]))


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def load_table(name, X, y):
    n = len(y)
    values = ",\n".join(
        "(%d, %s, %r, ARRAY[%s]::float8[])" % (
            i, ", ".join(repr(float(v)) for v in X[i]), float(y[i]), ",".join(repr(float(v)) for v in X[i]))
        for i in range(n))
    psql("CREATE TABLE %s (i int PRIMARY KEY, %s, target float8, x float8[]);\n"
         "INSERT INTO %s VALUES\n%s;\nANALYZE %s;\n"
         % (name, ", ".join("%s float8" % f for f in FEATURES), name, values, name))
    back = psql("SELECT %s, target FROM %s ORDER BY i;\n" % (", ".join(FEATURES), name)).strip().split("\n")
    for i, line in enumerate(back):
        f = [float(v) for v in line.split("|")]
        if f[:10] != [float(v) for v in X[i]] or f[10] != float(y[i]):
            lib.abort("row %d of %s did not round-trip exactly" % (i, name))


# ---------------------------------------------------------------------------
# references
# ---------------------------------------------------------------------------

def scales(X, intercept):
    """Population sd about the mean with an intercept; root mean square without."""
    return X.std(axis=0) if intercept else np.sqrt(np.mean(X ** 2, axis=0))


def lambda_max(X, y, ratio, intercept, standardize):
    if intercept:
        X, y = X - X.mean(axis=0), y - y.mean()
    d = scales(X, intercept) if standardize else np.ones(X.shape[1])
    return float(np.max(np.abs(X.T @ y) / d) / (len(y) * ratio))


def sk_fit(X, y, lam, ratio, intercept, standardize):
    """scikit-learn's coefficients, the intercept first when there is one."""
    d = scales(X, intercept) if standardize else np.ones(X.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        if ratio == 1.0:
            m = Lasso(alpha=lam, fit_intercept=intercept, **SK).fit(X / d, y)
        else:
            m = ElasticNet(alpha=lam, l1_ratio=ratio, fit_intercept=intercept, **SK).fit(X / d, y)
    coef = list(m.coef_ / d)
    return ([float(m.intercept_)] if intercept else []) + coef


def sk_path(X, y, lams, ratio, standardize):
    """enet_path on the centred data, with the intercept ybar - xbar'b; rows per lambda."""
    xm, ym = X.mean(axis=0), y.mean()
    d = scales(X, True) if standardize else np.ones(X.shape[1])
    Xc = (X - xm) / d
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, coefs, _ = enet_path(Xc, y - ym, l1_ratio=ratio, alphas=np.asarray(lams), **SK)
    rows = []
    for k in range(len(lams)):
        b = coefs[:, k] / d
        rows.append([float(ym - xm @ b)] + [float(v) for v in b])
    return rows


# ---------------------------------------------------------------------------
# 1-3: the SQL functions
# ---------------------------------------------------------------------------

def check_functions(tag, table, X, y):
    for intercept in (True, False):
        xexpr = "ARRAY[1::float8] || x" if intercept else "x"
        for standardize in (False, True):
            calls, keys = [], []
            for ratio in RATIOS:
                lmax = lambda_max(X, y, ratio, intercept, standardize)
                for f in FACTORS:
                    keys.append((ratio, f, lmax * f))
                    calls.append("SELECT to_jsonb(mlops.elastic_net_coef(st, %r, %r, %s)) FROM s;"
                                 % (lmax * f, ratio, "true" if standardize else "false"))
            out = jsonb("CREATE TEMP TABLE s AS SELECT mlops.fit_state(target, %s) AS st FROM %s;\n%s\n"
                        % (xexpr, table, "\n".join(calls)))
            for (ratio, f, lam), got in zip(keys, out):
                case = "%s%s%s a=%g l=%g*lmax" % (tag, "" if intercept else " noint",
                                                  " std" if standardize else "", ratio, f)
                compare(case, got, sk_fit(X, y, lam, ratio, intercept, standardize))

    # the grid and the path (with an intercept)
    for ratio in (1.0, 0.5):
        for standardize in (False, True):
            case = "%s path a=%g%s" % (tag, ratio, " std" if standardize else "")
            std = "true" if standardize else "false"
            grid, path = jsonb(
                "CREATE TEMP TABLE s AS SELECT mlops.fit_state(target, ARRAY[1::float8] || x) AS st FROM %s;\n"
                "SELECT to_jsonb(mlops.elastic_net_lambda_grid(st, %r, %s, 100)) FROM s;\n"
                "SELECT to_jsonb(mlops.elastic_net_path(st, mlops.elastic_net_lambda_grid(st, %r, %s, 100), %r, %s)) FROM s;\n"
                % (table, ratio, std, ratio, std, ratio, std))
            lmax = lambda_max(X, y, ratio, True, standardize)
            want_grid = [lmax * 10 ** (-3.0 * i / 99) for i in range(100)]
            worst = max(abs(g - w) / w for g, w in zip(grid, want_grid)) if len(grid) == 100 else math.inf
            report.append((case + " grid", worst, 0))
            if not worst <= 1e-12:
                fail("%s: the grid differs from lambda_max 10^(-3i/99) by %.3g relative" % (case, worst))
            ref = sk_path(X, y, grid, ratio, standardize)
            for k in range(len(grid)):
                compare("%s lambda[%d]" % (case, k + 1), path[k] if k < len(path) else None, ref[k])


# ---------------------------------------------------------------------------
# 4-5: train
# ---------------------------------------------------------------------------

def train(project, table, algorithm, params):
    feats = ", ".join("'%s'" % f for f in FEATURES)
    return jsonb("SELECT to_jsonb(t) FROM mlops.train('%s', '%s', 'target', ARRAY[%s], '%s', '%s', "
                 "test_fraction => 0, deploy => 'never') t;\n"
                 % (project, table, feats, algorithm, json.dumps(params)))[0]


def check_train(tag, table, X, y):
    lmax = lambda_max(X, y, 1.0, True, False)
    for algorithm, params, ratio, std in (
            ("lasso", {"lambda": lmax * 0.05}, 1.0, False),
            ("lasso", {"lambda": lmax * 0.005, "standardize": True}, 1.0, True),
            ("elastic_net", {"lambda": lmax * 0.02, "l1_ratio": 0.3}, 0.3, False),
            ("elastic_net", {"lambda": lmax * 0.01, "l1_ratio": 0.8, "standardize": True}, 0.8, True)):
        case = "%s train %s%s %s" % (tag, algorithm, " std" if std else "", json.dumps(params, sort_keys=True))
        res = train("%s_%s" % (tag, algorithm), table, algorithm, params)
        st = res["statistics"]
        want = sk_fit(X, y, params["lambda"], ratio, True, std)
        compare(case, st.get("coef"), want)
        stored = jsonb("SELECT to_jsonb(coefficients) FROM mlops.models WHERE model_id = %d;\n"
                       % res["model_id"])[0]
        if stored != st.get("coef"):
            fail("%s: mlops.models.coefficients differ from statistics.coef" % case)
        for key, value in (("converged", True), ("l1_ratio", ratio), ("standardize", std),
                           ("lambda", params["lambda"])):
            if st.get(key) != value:
                fail("%s: statistics.%s = %r, expected %r" % (case, key, st.get(key), value))


def check_auto(tag, table, X, y):
    k = 5
    folds = lib.train_folds(db, table, len(y), k)
    for algorithm, params, ratio, std in (
            ("lasso", {"lambda": "auto"}, 1.0, False),
            ("elastic_net", {"lambda": "auto", "l1_ratio": 0.5, "standardize": True,
                             "lambdas": [5.0, 1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001]}, 0.5, True)):
        case = "%s auto %s" % (tag, algorithm)
        st = train("%s_auto_%s" % (tag, algorithm), table, algorithm, params)["statistics"]
        curve = st.get("lambda_curve") or []
        lams = [c["lambda"] for c in curve]
        if "lambdas" in params:
            if sorted(lams) != sorted(params["lambdas"]):
                fail("%s: curve lambdas %r, expected %r" % (case, lams, params["lambdas"]))
        else:
            lmax = lambda_max(X, y, ratio, True, std)
            want = sorted(lmax * 10 ** (-3.0 * i / 99) for i in range(100))
            worst = max(abs(g - w) / w for g, w in zip(lams, want)) if len(lams) == 100 else math.inf
            report.append((case + " grid", worst, 0))
            if not worst <= 1e-12:
                fail("%s: the grid differs from lambda_max 10^(-3i/99) by %.3g" % (case, worst))
        # the curve from scikit-learn refits on the same folds, warm-started down the grid
        desc = sorted(lams, reverse=True)
        rmse = {lam: [] for lam in desc}
        for f in range(k):
            tr, te = folds != f, folds == f
            for lam, coef in zip(desc, sk_path(X[tr], y[tr], desc, ratio, std)):
                e = y[te] - (coef[0] + X[te] @ np.asarray(coef[1:]))
                rmse[lam].append(math.sqrt(float(np.mean(e ** 2))))
        ref = {lam: (float(np.mean(v)), float(np.std(v, ddof=1))) for lam, v in rmse.items()}
        got_mean = [c["rmse_mean"] for c in curve]
        got_sd = [c["rmse_sd"] for c in curve]
        worst_mean = max(abs(g - ref[l][0]) / ref[l][0] for g, l in zip(got_mean, lams))
        worst_sd = max(abs(g - ref[l][1]) / ref[l][1] for g, l in zip(got_sd, lams))
        report.append((case + " curve rmse_mean", worst_mean, 0))
        report.append((case + " curve rmse_sd", worst_sd, 0))
        if not (worst_mean <= RTOL and worst_sd <= RTOL):
            fail("%s: the curve differs from scikit-learn's by %.3g (mean), %.3g (sd)"
                 % (case, worst_mean, worst_sd))
        best = min(lams, key=lambda l: (ref[l][0], -l))
        second = sorted(ref[l][0] for l in lams)[1]
        if st.get("lambda") != best:
            # a near tie of the reference curve may go either way within the tolerance
            if abs(second - ref[best][0]) <= 1e-9 * ref[best][0] and ref[st.get("lambda")][0] == second:
                print("   %s: near tie, mlops chose %r, scikit-learn %r" % (case, st.get("lambda"), best))
            else:
                fail("%s: chose lambda %r, the argmin of scikit-learn's curve is %r"
                     % (case, st.get("lambda"), best))
        report.append((case + " chosen lambda", 0.0 if st.get("lambda") == best else math.inf, 0))
        compare(case + " coef", st.get("coef"), sk_fit(X, y, st.get("lambda"), ratio, True, std))
        print("   %s: lambda %.6g chosen from %d values (cv rmse %.6f)"
              % (case, st.get("lambda"), len(lams), ref.get(st.get("lambda"), (math.nan,))[0]))


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def main():
    lib.require_cluster()
    db.create()
    data = {}
    for tag, scaled in (("raw", False), ("scaled", True)):
        d = load_diabetes(scaled=scaled)
        X, y = np.asarray(d.data, dtype=float), np.asarray(d.target, dtype=float)
        assert X.shape == (442, 10), X.shape
        load_table("diab_" + tag, X, y)
        data[tag] = (X, y)
    for tag, (X, y) in data.items():
        check_functions(tag, "diab_" + tag, X, y)
        check_train(tag, "diab_" + tag, X, y)
    check_auto("raw", "diab_raw", *data["raw"])

    # summary: the worst case of each kind (over lambda and l1_ratio)
    groups = {}
    for case, worst, zeros in report:
        key = re.sub(r" (a=\S+|l=\S+|lambda\[\d+\]|\{.*\})", "", case)
        g = groups.setdefault(key, [0.0, 0, 0])
        g[0] = max(g[0], worst)
        g[1] += zeros
        g[2] += 1
    print("\nworst relative difference from scikit-learn (tolerance %g; zeros: exact zeros matched):" % RTOL)
    for key, (worst, zeros, count) in groups.items():
        print("   %-34s %9s  (%d checks, %d exact zeros)"
              % (key, "%.1e" % worst if worst > 0 else "0", count, zeros))
    return lib.finish("062_elastic_net", db)


if __name__ == "__main__":
    sys.exit(main())
