#!/usr/bin/python3
"""Every statistic of mlops against statsmodels and scikit-learn on a real data set.

The data are scikit-learn's diabetes data as the Debian package ships them
(sklearn.datasets.load_diabetes(scaled=False)): 442 rows, ten features (age, sex,
bmi, bp, s1 ... s6) and a target.  They are loaded into a table, one float8 column
per feature and the target, plus an x float8[] column of the ten features and a
positive weight w, through repr(), which round-trips exactly; the table is read back
with extra_float_digits = 3 and must hold exactly the same doubles.

Checks, each to a relative difference of 1e-8 unless said otherwise:

  1. mlops.ols_fit(y, 1 || x) against statsmodels OLS: coef, std_err, t_stats,
     p_values, r2, adj_r2, residual_sd (sqrt(scale)), f_statistic, f_p_value, rss
     (ssr), vcov (cov_params; each element relative to sqrt(v_ii v_jj)),
     log_likelihood (llf), aic, bic, n_rows, df_residual; condition_number against
     numpy.linalg.cond(X) (2-norm) to 1e-6.
     AIC and BIC: mlops counts the variance as a parameter, as R's logLik.lm does
     (-2 llf + 2(p + 1), -2 llf + log(n)(p + 1)); statsmodels' OLS counts only the p
     coefficients (its aic is -2 llf + 2p).  They are compared with statsmodels' llf
     put into mlops' formula, and statsmodels' own aic, bic are printed beside them.
  2. The same without the intercept column: R² uncentred (statsmodels gives the
     uncentred rsquared when the model has no constant), F against the zero model.
  3. mlops.ols_fit(y, 1 || x, w) against statsmodels WLS(weights = w): coef,
     std_err, t_stats, p_values, vcov, residual_sd, rss, r2, adj_r2, f_statistic,
     f_p_value.  mlops centres the weighted R² about the weighted mean of y, which is
     what statsmodels' WLS does; r2 is compared with both statsmodels and a numpy
     computation of 1 - Σw(y - ŷ)² / Σw(y - ȳ_w)².  log_likelihood, aic and bic
     must be NULL (documented: the state does not keep Σ log w).  condition_number
     is printed beside cond(X) and cond(√w X), not checked (the reference says "of X";
     mlops gives that of √w X).
  4. mlops.ridge_coef(mlops.fit_state(y, x), λ) against scikit-learn's
     Ridge(alpha = n λ) for several λ, with an intercept (fit_intercept=True,
     the intercept unpenalised) and without (fit_intercept=False), to 1e-9.
     scikit-learn solves with solver='svd' so that the reference is accurate to far
     better than 1e-9 (the default Cholesky on the normal equations squares the
     condition number of the unscaled features); the default solver is reported too.
  5. mlops.train(..., test_fraction => 0, deploy => 'never') on the ten features:
     the statistics jsonb (coef, std_err, t_stats, p_values, r2, adj_r2,
     residual_sd, f_statistic, f_p_value, rss, log_likelihood, aic, bic,
     condition_number, n_rows, n_skipped, df_residual) against statsmodels, and the
     'train' metrics (rmse, mae, r2) against numpy from statsmodels' fitted values;
     the same figures in mlops.models.statistics and mlops.metrics.  Then
     params => '{"weights": "w"}' against WLS (a parameter that names a weight
     column): statistics coef, std_err, t_stats, p_values, r2, adj_r2,
     residual_sd, f_statistic, f_p_value, rss, with log_likelihood, aic, bic NULL.
     A training that rejects the parameter is a failure.
  6. ols_fit under GROUP BY sex (two values) against a separate statsmodels OLS per
     group, on the intercept and the nine other features; the weighted ols_fit under
     GROUP BY sex against WLS per group.

p-values are compared relatively with an absolute floor of 1e-300 (|got - want| /
max(|want|, 1e-300)).  The script prints the worst relative difference of every
quantity in every case (a table: quantities down, cases across; * marks a failure),
exits 0 when all pass and 1 otherwise.

Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
"""

import json
import math
import os
import sys

import numpy as np
import statsmodels.api as sm
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lib  # noqa: E402
from lib import fail, parse_array, parse_float  # noqa: E402

DB = "mlops_t_reference"
RTOL = 1e-8            # every statistic
RTOL_RIDGE = 1e-9      # ridge coefficients and intercept
RTOL_COND = 1e-6       # condition number against numpy.linalg.cond
P_FLOOR = 1e-300       # absolute floor of the relative difference of p-values
LAMBDAS = (1e-4, 1e-2, 1.0, 100.0)
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]

# Each output line of jsonb_rows(sql) is one jsonb value.  A float8 reaches jsonb through
# float8out, which prints the shortest exact decimal when extra_float_digits > 0, and
# json.loads rounds it correctly: the transport is exact (checked once below).
db = lib.Database(DB, preamble=lib.FLOAT_DIGITS)
psql, jsonb_rows = db.psql, db.jsonb_rows

# compare: scalars or vectors; records the worst relative difference in checks.rows
# (case, quantity, worst relative difference, tolerance, note) and checks it
checks = lib.Checks(RTOL)
compare, compare_exact, expect_null, rows = checks.compare, checks.exact, checks.expect_null, checks.rows
rel = lib.rel_diff


def compare_vcov(case, got, want, tol=RTOL):
    want = np.asarray(want, dtype=float)
    p = want.shape[0]
    if got is None or len(got) != p or any(len(r) != p for r in got):
        fail("%s: vcov has the wrong shape: %r" % (case, got))
        rows.append((case, "vcov", math.inf, tol, ""))
        return
    worst = lib.worst_cov_diff(got, want)
    rows.append((case, "vcov", worst, tol, "rel. to sqrt(v_ii v_jj)"))
    if not worst <= tol:
        fail("%s: vcov differs by %.3g relative to sqrt(v_ii v_jj) (tolerance %g)"
             % (case, worst, tol))


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def load_data():
    d = load_diabetes(scaled=False)
    X = np.asarray(d.data, dtype=float)
    y = np.asarray(d.target, dtype=float)
    assert X.shape == (442, 10) and y.shape == (442,), (X.shape, y.shape)
    # positive, non-trivial weights, exact in binary: 0.5 .. 6.5
    w = np.array([0.5 + (i % 5) + 0.25 * (i % 7) for i in range(len(y))])
    return X, y, w


def load_table(X, y, w):
    n = len(y)
    cols = ", ".join("%s float8" % f for f in FEATURES)
    values = ",\n".join(
        "(%d, %s, %s, %s, ARRAY[%s]::float8[])" % (
            i, ", ".join(repr(float(v)) for v in X[i]), repr(float(y[i])), repr(float(w[i])),
            ",".join(repr(float(v)) for v in X[i]))
        for i in range(n))
    psql("CREATE TABLE diab (i int PRIMARY KEY, %s, target float8, w float8, x float8[]);\n"
         "INSERT INTO diab VALUES\n%s;\nANALYZE diab;\n" % (cols, values))
    # the table must hold exactly the doubles we meant
    back = psql("SELECT %s, target, w, x FROM diab ORDER BY i;\n" % ", ".join(FEATURES))
    lines = back.strip().split("\n")
    if len(lines) != n:
        lib.abort("diab has %d rows, expected %d" % (len(lines), n))
    for i, line in enumerate(lines):
        f = line.split("|")
        want = [float(v) for v in X[i]]
        if ([float(v) for v in f[:10]] != want or float(f[10]) != y[i] or float(f[11]) != w[i]
                or parse_array(f[12]) != want):
            lib.abort("row %d of diab did not round-trip exactly: %s" % (i, line))


# ---------------------------------------------------------------------------
# 1-3, 6: ols_fit
# ---------------------------------------------------------------------------

def check_ols(case, got, X, y, weights=None):
    """got: an mlops.ols_result as a dict; X the design matrix given to mlops."""
    n, p = X.shape
    if weights is None:
        ref = sm.OLS(y, X).fit()
    else:
        ref = sm.WLS(y, X, weights=weights).fit()
    compare_exact(case, "n_rows", got["n_rows"], n)
    compare_exact(case, "n_skipped", got["n_skipped"], 0)
    compare_exact(case, "df_residual", got["df_residual"], int(round(ref.df_resid)))
    compare(case, "coef", got["coef"], ref.params)
    compare(case, "std_err", got["std_err"], ref.bse)
    compare(case, "t_stats", got["t_stats"], ref.tvalues)
    compare(case, "p_values", got["p_values"], ref.pvalues, floor=P_FLOOR)
    compare_vcov(case, got["vcov"], ref.cov_params())
    compare(case, "residual_sd", got["residual_sd"], math.sqrt(ref.scale), note="sqrt(scale)")
    compare(case, "rss", got["rss"], ref.ssr)
    compare(case, "r2", got["r2"], ref.rsquared,
            note=("uncentred" if ref.k_constant == 0 else "centred")
            + (", weighted mean" if weights is not None and ref.k_constant else ""))
    compare(case, "adj_r2", got["adj_r2"], ref.rsquared_adj)
    compare(case, "f_statistic", got["f_statistic"], ref.fvalue)
    compare(case, "f_p_value", got["f_p_value"], ref.f_pvalue, floor=P_FLOOR)
    if weights is None:
        compare(case, "log_likelihood", got["log_likelihood"], ref.llf)
        # R's convention: the variance counts as a parameter (statsmodels: p only)
        compare(case, "aic", got["aic"], -2 * ref.llf + 2 * (p + 1),
                note="sm aic + 2 (sm %.10g)" % ref.aic)
        compare(case, "bic", got["bic"], -2 * ref.llf + math.log(n) * (p + 1),
                note="sm bic + log n (sm %.10g)" % ref.bic)
        compare(case, "condition_number", got["condition_number"], np.linalg.cond(X),
                tol=RTOL_COND, note="numpy.linalg.cond(X)")
    else:
        # numpy's weighted R², centred about the weighted mean when there is an intercept
        sw = np.sqrt(weights)
        beta = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
        rss = float(np.sum(weights * (y - X @ beta) ** 2))
        if ref.k_constant:
            ybar = float(np.sum(weights * y) / np.sum(weights))
            tss = float(np.sum(weights * (y - ybar) ** 2))
        else:
            tss = float(np.sum(weights * y ** 2))
        compare(case, "r2 (numpy)", got["r2"], 1 - rss / tss, note="1 - Σw e² / Σw (y - ȳw)²")
        expect_null(case, "log_likelihood", got["log_likelihood"])
        expect_null(case, "aic", got["aic"])
        expect_null(case, "bic", got["bic"])
        # not documented for weighted fits beyond "of X": printed, not checked
        print("   %s: condition_number %r; cond(X) %.12g, cond(sqrt(w) X) %.12g"
              % (case, got["condition_number"], np.linalg.cond(X), np.linalg.cond(X * sw[:, None])))
    return ref


def ols_one(expr):
    out = jsonb_rows("SELECT to_jsonb(%s) FROM diab;\n" % expr)
    assert len(out) == 1, out
    return out[0]


# ---------------------------------------------------------------------------
# 4: ridge
# ---------------------------------------------------------------------------

def check_ridge(X, y):
    n = len(y)
    for intercept in (True, False):
        xexpr = "ARRAY[1::float8] || x" if intercept else "x"
        lams = ", ".join("(%d, %r::float8)" % (k, lam) for k, lam in enumerate(LAMBDAS))
        out = psql("WITH s AS (SELECT mlops.fit_state(target, %s) AS st FROM diab)\n"
                   "SELECT k, mlops.ridge_coef(s.st, l) FROM s, (VALUES %s) v(k, l) ORDER BY k;\n"
                   % (xexpr, lams))
        got = {}
        for line in out.strip().split("\n"):
            k, arr = line.split("|")
            got[int(k)] = parse_array(arr)
        for k, lam in enumerate(LAMBDAS):
            case = "ridge%s %g" % ("" if intercept else " noint", lam)
            ref = Ridge(alpha=n * lam, fit_intercept=intercept, solver="svd").fit(X, y)
            dflt = Ridge(alpha=n * lam, fit_intercept=intercept).fit(X, y)
            g = got[k]
            if intercept:
                compare(case, "intercept", None if g is None else g[0], ref.intercept_,
                        tol=RTOL_RIDGE)
                compare(case, "coef", None if g is None else g[1:], ref.coef_, tol=RTOL_RIDGE)
                want_all = [ref.intercept_] + list(ref.coef_)
                dflt_all = [dflt.intercept_] + list(dflt.coef_)
            else:
                compare(case, "coef", g, ref.coef_, tol=RTOL_RIDGE)
                want_all, dflt_all = list(ref.coef_), list(dflt.coef_)
            # the default solver, for information only
            d = max(rel(a, b) for a, b in zip(g or [], dflt_all)) if g else math.inf
            s = max(rel(a, b) for a, b in zip(dflt_all, want_all))
            print("   %s: default solver (%s) vs mlops %.2e, vs svd %.2e"
                  % (case, getattr(dflt, "solver", "auto"), d, s))


# ---------------------------------------------------------------------------
# 5: train
# ---------------------------------------------------------------------------

def check_train_stats(case, st, ref, X, weighted):
    n, p = X.shape
    compare_exact(case, "n_rows", st.get("n_rows"), n)
    compare_exact(case, "n_skipped", st.get("n_skipped"), 0)
    compare_exact(case, "df_residual", st.get("df_residual"), int(round(ref.df_resid)))
    compare(case, "coef", st.get("coef"), ref.params)
    compare(case, "std_err", st.get("std_err"), ref.bse)
    compare(case, "t_stats", st.get("t_stats"), ref.tvalues)
    compare(case, "p_values", st.get("p_values"), ref.pvalues, floor=P_FLOOR)
    compare(case, "r2", st.get("r2"), ref.rsquared)
    compare(case, "adj_r2", st.get("adj_r2"), ref.rsquared_adj)
    compare(case, "residual_sd", st.get("residual_sd"), math.sqrt(ref.scale))
    compare(case, "f_statistic", st.get("f_statistic"), ref.fvalue)
    compare(case, "f_p_value", st.get("f_p_value"), ref.f_pvalue, floor=P_FLOOR)
    compare(case, "rss", st.get("rss"), ref.ssr)
    if weighted:
        for q in ("log_likelihood", "aic", "bic"):
            expect_null(case, q, st.get(q))
    else:
        compare(case, "log_likelihood", st.get("log_likelihood"), ref.llf)
        compare(case, "aic", st.get("aic"), -2 * ref.llf + 2 * (p + 1), note="sm aic + 2")
        compare(case, "bic", st.get("bic"), -2 * ref.llf + math.log(n) * (p + 1),
                note="sm bic + log n")
        compare(case, "condition_number", st.get("condition_number"), np.linalg.cond(X),
                tol=RTOL_COND)


def train_call(project, params):
    feats = ", ".join("'%s'" % f for f in FEATURES)
    return ("SELECT to_jsonb(t) FROM mlops.train('%s', 'diab', 'target', ARRAY[%s], "
            "params => '%s', test_fraction => 0, deploy => 'never') t;\n"
            % (project, feats, params))


def check_train(X, y, w):
    X1 = np.column_stack([np.ones(len(y)), X])
    n = len(y)

    # unweighted
    case = "train"
    res = jsonb_rows(train_call("diab", "{}"))[0]
    ref = sm.OLS(y, X1).fit()
    st = res["statistics"]
    check_train_stats(case, st, ref, X1, weighted=False)
    stored = jsonb_rows("SELECT statistics FROM mlops.models WHERE model_id = %d;\n"
                        % res["model_id"])[0]
    rows.append((case, "models.statistics", 0.0 if stored == st else math.inf, 0.0,
                 "= returned statistics"))
    if stored != st:
        fail("%s: mlops.models.statistics differs from the statistics train returned" % case)
    compare(case, "models.coefficients",
            jsonb_rows("SELECT to_jsonb(coefficients) FROM mlops.models WHERE model_id = %d;\n"
                       % res["model_id"])[0], ref.params)
    e = y - ref.fittedvalues
    want = {"n": n, "rmse": math.sqrt(np.mean(e ** 2)), "mae": np.mean(np.abs(e)),
            "r2": 1 - np.sum(e ** 2) / np.sum((y - y.mean()) ** 2)}
    tm = res["metrics"].get("train", {})
    compare_exact(case, "metrics train n", tm.get("n"), n)
    for q in ("rmse", "mae", "r2"):
        compare(case, "metrics train " + q, tm.get(q), want[q])
    if "test" in res["metrics"]:
        fail("%s: test metrics with test_fraction => 0: %r" % (case, res["metrics"]["test"]))
    table = dict(tuple(l.split("|")) for l in psql(
        "SELECT metric, value FROM mlops.metrics WHERE model_id = %d AND split = 'train';\n"
        % res["model_id"]).strip().split("\n"))
    for q in ("rmse", "mae", "r2"):
        compare(case, "mlops.metrics " + q, parse_float(table.get(q, "")), want[q])

    # weighted: params.weights names a weight column
    case = "train_w"
    p = psql(train_call("diab_w", '{"weights": "w"}'), check=False)
    if p.returncode != 0:
        msg = " ".join(l.strip() for l in p.stderr.strip().splitlines())
        fail("%s: mlops.train rejected params => '{\"weights\": \"w\"}': %s" % (case, msg))
        rows.append((case, "train accepts weights", math.inf, 0.0, "train failed"))
        return
    res = [json.loads(l) for l in p.stdout.splitlines() if l.strip()][0]
    ref = sm.WLS(y, X1, weights=w).fit()
    check_train_stats(case, res["statistics"], ref, X1, weighted=True)

    # params.robust: heteroskedasticity-consistent standard errors from one more scan,
    # against statsmodels' get_robustcov_results with t tests on the residual df
    for cov_type in ("HC0", "HC1", "HC2", "HC3"):
        for weighted in (False, True):
            case = "train_%s%s" % (cov_type, "_w" if weighted else "")
            params = '{"robust": "%s"%s}' % (cov_type, ', "weights": "w"' if weighted else "")
            st = jsonb_rows(train_call("diab_" + case, params))[0]["statistics"]
            fit = (sm.WLS(y, X1, weights=w) if weighted else sm.OLS(y, X1)).fit()
            rob = fit.get_robustcov_results(cov_type=cov_type, use_t=True)
            got = st.get("robust", {})
            compare_exact(case, "robust type", got.get("type"), cov_type)
            compare(case, "robust std_err", got.get("std_err"), rob.bse)
            compare(case, "robust t_stats", got.get("t_stats"), rob.tvalues)
            compare(case, "robust p_values", got.get("p_values"), rob.pvalues, floor=P_FLOOR)
            # the ordinary statistics stay as they were
            compare(case, "std_err", st.get("std_err"), fit.bse)


def check_lambda_auto(X, y):
    """params.lambda = "auto": the cross-validation curve against explicit scikit-learn
    refits on the same folds, the chosen lambda is its minimum, the model that lambda's
    ridge fit on all rows."""
    case = "ridge_auto"
    k = 5
    grid = [1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0]
    params = '{"lambda": "auto", "lambdas": %s, "folds": %d}' % (json.dumps(grid), k)
    feats = ", ".join("'%s'" % f for f in FEATURES)
    res = jsonb_rows("SELECT to_jsonb(t) FROM mlops.train('auto', 'diab', 'target', ARRAY[%s], "
                     "algorithm => 'ridge', params => '%s', test_fraction => 0, deploy => 'never') t;\n"
                     % (feats, params))[0]
    st = res["statistics"]
    # the folds, as train assigns them: the row hash cut into k equal ranges
    folds = lib.train_folds(db, "diab", len(y), k)
    curve = {}
    for lam in grid:
        rmse = []
        for f in range(k):
            tr, te = folds != f, folds == f
            m = Ridge(alpha=tr.sum() * lam, fit_intercept=True, solver="svd").fit(X[tr], y[tr])
            e = y[te] - m.predict(X[te])
            rmse.append(math.sqrt(np.mean(e ** 2)))
        curve[lam] = (np.mean(rmse), np.std(rmse, ddof=1))
    got = {c["lambda"]: c for c in st.get("lambda_curve", [])}
    compare_exact(case, "curve lambdas", sorted(got), sorted(grid))
    compare(case, "curve rmse_mean", [got.get(l, {}).get("rmse_mean") for l in grid],
            [curve[l][0] for l in grid])
    compare(case, "curve rmse_sd", [got.get(l, {}).get("rmse_sd") for l in grid],
            [curve[l][1] for l in grid])
    best = min(grid, key=lambda l: (curve[l][0], -l))
    compare_exact(case, "chosen lambda", st.get("lambda"), best)
    m = Ridge(alpha=len(y) * best, fit_intercept=True, solver="svd").fit(X, y)
    compare(case, "coef", st.get("coef"), [m.intercept_] + list(m.coef_), tol=RTOL_RIDGE)


# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------

def cell(worst, tol, note):
    if tol == 0.0:                       # exact checks and NULL checks
        return "ok" if worst == 0.0 else "WRONG"
    s = "0" if worst == 0.0 else ("inf" if math.isinf(worst) else "%.1e" % worst)
    return s if worst <= tol else s + "*"


def summary():
    """Quantities down, cases across: the worst relative difference; * marks a failure."""
    for title, pick, across in (
            ("least squares (tolerance %g; condition_number %g)" % (RTOL, RTOL_COND),
             lambda c: not c.startswith("ridge"), True),
            ("ridge against scikit-learn Ridge(alpha = n lambda, solver='svd')"
             " (tolerance %g)" % RTOL_RIDGE, lambda c: c.startswith("ridge"), False)):
        cases, quantities, table = [], [], {}
        for case, q, worst, tol, note in rows:
            if not pick(case):
                continue
            if case not in cases:
                cases.append(case)
            if q not in quantities:
                quantities.append(q)
            table[(case, q)] = cell(worst, tol, note)
        if not across:                   # cases down, quantities across
            table = {(q, c): v for (c, q), v in table.items()}
            cases, quantities = quantities, cases
        width = max(9, max(len(c) for c in cases) + 1)
        print("\nworst relative difference, %s:" % title)
        print("   %-22s" % "" + "".join("%*s" % (width, c) for c in cases))
        for q in quantities:
            print("   %-22s" % q + "".join("%*s" % (width, table.get((c, q), "-")) for c in cases))
    print("\n   (vcov: each element relative to sqrt(v_ii v_jj); p-values relative with an absolute"
          " floor of %g;\n    aic, bic: statsmodels' llf in -2 llf + 2(p + 1), -2 llf + log(n)(p + 1),"
          " i.e. statsmodels' aic + 2, bic + log n;\n    ok/WRONG: exact or must-be-NULL checks;"
          " -: not applicable)" % P_FLOOR)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def main():
    lib.require_cluster()
    X, y, w = load_data()
    n = len(y)
    X1 = np.column_stack([np.ones(n), X])
    db.create()
    load_table(X, y, w)
    print("diabetes: n = %d, %d features; cond(1 | X) = %.6g, cond(X) = %.6g"
          % (n, X.shape[1], np.linalg.cond(X1), np.linalg.cond(X)))

    # jsonb carries the doubles exactly: the same coefficients as the text form
    t = parse_array(psql("SELECT (mlops.ols_fit(target, ARRAY[1::float8] || x)).coef FROM diab;\n"))
    j = ols_one("mlops.ols_fit(target, ARRAY[1::float8] || x)")["coef"]
    if t != j:
        lib.abort("jsonb and text forms of the coefficients differ:\n%r\n%r" % (t, j))

    # 1. OLS with an intercept
    check_ols("ols", ols_one("mlops.ols_fit(target, ARRAY[1::float8] || x)"), X1, y)
    # the same through separate columns (fit_columns, what train uses) and ols_result(fit_state)
    cols = ", ".join("%s" % f for f in FEATURES)
    check_ols("ols_cols",
              ols_one("mlops.ols_result(mlops.fit_columns(target, 1::float8, %s))" % cols), X1, y)
    # 2. OLS without an intercept: uncentred R², F against the zero model
    check_ols("ols_noint", ols_one("mlops.ols_fit(target, x)"), X, y)
    # 3. weighted
    check_ols("wls", ols_one("mlops.ols_fit(target, ARRAY[1::float8] || x, w)"), X1, y, weights=w)
    check_ols("wls_noint", ols_one("mlops.ols_fit(target, x, w)"), X, y, weights=w)
    # 4. ridge
    check_ridge(X, y)
    # 5. train
    check_train(X, y, w)
    check_lambda_auto(X, y)
    # 6. GROUP BY sex: intercept and the nine other features
    others = [f for f in FEATURES if f != "sex"]
    arr = "ARRAY[1::float8, %s]" % ", ".join(others)
    out = jsonb_rows("SELECT jsonb_build_object('g', sex, 'r', mlops.ols_fit(target, %s)) "
                     "FROM diab GROUP BY sex ORDER BY sex;\n" % arr)
    groups = sorted(set(X[:, 1]))
    if [o["g"] for o in out] != groups:
        fail("group by sex: groups %r, expected %r" % ([o["g"] for o in out], groups))
    idx = [FEATURES.index(f) for f in others]
    for o in out:
        mask = X[:, 1] == o["g"]
        Xg = np.column_stack([np.ones(int(mask.sum())), X[mask][:, idx]])
        check_ols("sex%g" % o["g"], o["r"], Xg, y[mask])
    # weighted under GROUP BY as well
    out = jsonb_rows("SELECT jsonb_build_object('g', sex, 'r', mlops.ols_fit(target, %s, w)) "
                     "FROM diab GROUP BY sex ORDER BY sex;\n" % arr)
    for o in out:
        mask = X[:, 1] == o["g"]
        Xg = np.column_stack([np.ones(int(mask.sum())), X[mask][:, idx]])
        check_ols("sex%g_w" % o["g"], o["r"], Xg, y[mask], weights=w[mask])

    summary()
    return lib.finish("060_reference", db)


if __name__ == "__main__":
    sys.exit(main())
