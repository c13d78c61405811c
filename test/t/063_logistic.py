#!/usr/bin/python3
"""Logistic regression of mlops against statsmodels and scikit-learn on real data sets.

The data are three of the data sets the Debian package of statsmodels ships (loaded
offline through statsmodels.api.datasets):

  spector  32 rows: grade on gpa, tuce and psi (Spector and Mazzeo);
  fair     6366 rows: affairs > 0 on rate_marriage, age, yrs_married, children,
           religious, educ, occupation, occupation_husb (Fair's affairs data);
  anes96   944 rows: vote, as a boolean column, on logpopul, TVnews, selfLR, ClinLR,
           DoleLR, PID, age, educ, income (American National Election Studies 1996).

Each is loaded into a table through repr() (exact), with an id column, and trained with
mlops.train(..., 'logistic', test_fraction => 0.2).  The database says which rows are
test rows (the SQL of mlops._split_sql, the expression train uses); statsmodels' Logit is
fitted on the other rows.  Then, each to a relative difference of 1e-6 unless said:

  1. statistics: coef, std_err, z_stats, p_values (floor 1e-300), log_likelihood (llf),
     deviance (-2 llf), null_deviance (-2 llnull), aic, bic, n_rows, df_residual;
  2. P(y = 1): mlops.predict_proba(project, row) on every row, train and test, against
     statsmodels' predict; mlops.predict(project, row) is 1 exactly where that probability
     is above 0.5;
  3. metrics of both splits against scikit-learn on statsmodels' probabilities:
     accuracy_score, precision_score, recall_score, f1_score and roc_auc_score (these to
     1e-12), log_loss (1e-6);
  4. the same training with the rows not kept in memory (SET mlops.logistic_memory = 0:
     one scan per iteration): every figure above again, and equal to the in-memory fit
     to 1e-9 relative;
  5. the L2 penalty, params.lambda = 0.01 and 0.001 on spector and fair: the objective
     (1/n) sum(-log-likelihood) + (lambda/2) ||b||^2, the intercept unpenalised, against
     an exact Newton solve in numpy (1e-9) and scikit-learn's
     LogisticRegression(C = 1/(n lambda), solver='newton-cg') (1e-6);
  6. complete separation: statsmodels raises PerfectSeparationError (or, as 0.13 does,
     runs out of iterations with every row classified right), mlops gives an error
     22023 whose hint asks for a penalty, and nothing is recorded.

The script prints the worst relative difference of every quantity in every case, exits 0
when all pass and 1 otherwise.  Runs against the cluster named by PGHOST/PGPORT/PGUSER in
its own database.
"""

import json
import os
import sys
import warnings

import numpy as np
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, f1_score, log_loss, precision_score,
                             recall_score, roc_auc_score)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lib  # noqa: E402
from lib import fail, failures, sql_literal as sql_lit  # noqa: E402

warnings.filterwarnings("ignore")

DB = "mlops_t_logistic"
RTOL = 1e-6
RTOL_SAME = 1e-9
RTOL_METRIC = 1e-12
P_FLOOR = 1e-300

db = lib.Database(DB, preamble=lib.FLOAT_DIGITS + "SET client_min_messages = warning;\n")
psql = db.psql

checks = lib.Checks(RTOL)
compare, compare_exact, rows = checks.compare, checks.exact, checks.rows


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def data_sets():
    sp = sm.datasets.spector.load_pandas().data
    fair = sm.datasets.fair.load_pandas().data
    anes = sm.datasets.anes96.load_pandas().data
    out = []
    out.append(("spector", ["gpa", "tuce", "psi"],
                sp[["GPA", "TUCE", "PSI"]].to_numpy(float), sp["GRADE"].to_numpy(float), False))
    fcols = ["rate_marriage", "age", "yrs_married", "children", "religious", "educ",
             "occupation", "occupation_husb"]
    out.append(("fair", fcols, fair[fcols].to_numpy(float),
                (fair["affairs"].to_numpy(float) > 0).astype(float), False))
    acols = ["logpopul", "TVnews", "selfLR", "ClinLR", "DoleLR", "PID", "age", "educ", "income"]
    out.append(("anes96", [c.lower() for c in acols], anes[acols].to_numpy(float),
                anes["vote"].to_numpy(float), True))
    for name, cols, X, y, _ in out:
        assert X.shape[1] == len(cols) and set(np.unique(y)) == {0.0, 1.0}, name
    return out


def load_table(name, cols, X, y, boolean):
    ytype = "boolean" if boolean else "float8"
    lines = ["DROP TABLE IF EXISTS %s;" % name,
             "CREATE TABLE %s (id int, %s, y %s);" % (name, ", ".join("%s float8" % c for c in cols), ytype),
             "COPY %s FROM STDIN;" % name]
    for i in range(len(y)):
        yv = ("t" if y[i] == 1 else "f") if boolean else repr(float(y[i]))
        lines.append("\t".join([str(i + 1)] + [repr(float(v)) for v in X[i]] + [yv]))
    lines.append("\\.")
    psql("\n".join(lines) + "\n")
    back = psql("SELECT %s FROM %s ORDER BY id" % (", ".join(cols), name))
    got = np.array([[float(v) for v in line.split("|")] for line in back.splitlines() if line])
    if not np.array_equal(got, X):
        fail("%s: the table does not hold the data exactly" % name)


def test_rows(name):
    """Which rows train holds out: the database's own split expression."""
    query = psql("SELECT format('SELECT id, (%%s) FROM %%I ORDER BY id', mlops._split_sql(%s, 'y', 0.2), %s)"
                 % (sql_lit(name), sql_lit(name))).strip()
    return np.array([line.split("|")[1] == "t" for line in psql(query).splitlines() if line])


def train(project, name, cols, params="{}", fraction=0.2, setting=""):
    line = psql(setting + "SELECT statistics, metrics FROM mlops.train(%s, %s, 'y', ARRAY[%s], 'logistic', "
                "'%s', %s, 'always')"
                % (sql_lit(project), sql_lit(name), ", ".join(sql_lit(c) for c in cols), params, fraction))
    st, me = line.strip().split("|")
    return json.loads(st), json.loads(me)


def probabilities(project, name):
    out = psql("SELECT mlops.predict_proba(%s, t), mlops.predict(%s, t) FROM %s t ORDER BY id"
               % (sql_lit(project), sql_lit(project), name))
    pr = [line.split("|") for line in out.splitlines() if line]
    return np.array([float(a) for a, _ in pr]), np.array([float(b) for _, b in pr])


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------

def check_fit(case, st, me, res, y_all, p_all, cls_all, test, p_sm_all):
    n = int((~test).sum())
    compare(case, "coef", st["coef"], res.params)
    compare(case, "std_err", st["std_err"], res.bse)
    compare(case, "z_stats", st["z_stats"], res.tvalues)
    compare(case, "p_values", st["p_values"], res.pvalues, floor=P_FLOOR)
    compare(case, "log_likelihood", st["log_likelihood"], res.llf)
    compare(case, "deviance", st["deviance"], -2 * res.llf)
    compare(case, "null_deviance", st["null_deviance"], -2 * res.llnull)
    compare(case, "aic", st["aic"], res.aic)
    compare(case, "bic", st["bic"], res.bic)
    compare_exact(case, "n_rows", st["n_rows"], n)
    compare_exact(case, "df_residual", st["df_residual"], int(res.df_resid))
    compare_exact(case, "converged", st["converged"], True)
    compare_exact(case, "separation", st["separation"], None)
    compare(case, "predict_proba", p_all, p_sm_all)
    compare_exact(case, "predict = (proba > 0.5)", list(cls_all), list((p_all > 0.5).astype(float)))
    for split, mask in (("train", ~test), ("test", test)):
        m = me.get(split)
        if not mask.any():
            continue
        yy = y_all[mask]
        pp = p_sm_all[mask]
        pred = (pp > 0.5).astype(float)
        want = {"n": float(mask.sum()),
                "accuracy": accuracy_score(yy, pred),
                "precision": precision_score(yy, pred),
                "recall": recall_score(yy, pred),
                "f1": f1_score(yy, pred),
                "roc_auc": roc_auc_score(yy, pp)}
        if m is None:
            fail("%s: no %s metrics" % (case, split))
            continue
        for key, v in want.items():
            compare(case, "%s %s" % (split, key), m.get(key), v, tol=RTOL_METRIC)
        compare(case, "%s log_loss" % split, m.get("log_loss"), log_loss(yy, pp))


def newton_l2(Xc, y, lam):
    n, k = Xc.shape
    P = np.eye(k)
    P[0, 0] = 0.0
    b = np.zeros(k)
    for _ in range(200):
        eta = Xc @ b
        mu = 1 / (1 + np.exp(-eta))
        w = mu * (1 - mu)
        g = Xc.T @ (y - mu) - n * lam * (P @ b)
        H = Xc.T @ (Xc * w[:, None]) + n * lam * P
        step = np.linalg.solve(H, g)
        b = b + step
        if np.max(np.abs(step)) < 1e-15 * max(1.0, np.max(np.abs(b))):
            break
    return b


def main():
    lib.require_cluster()
    db.create()
    fits = {}
    for name, cols, X, y, boolean in data_sets():
        load_table(name, cols, X, y, boolean)
        test = test_rows(name)
        Xc = sm.add_constant(X, has_constant="add")
        res = sm.Logit(y[~test], Xc[~test]).fit(disp=0, method="newton", tol=1e-14, maxiter=200)
        p_sm_all = res.predict(Xc)
        print("%s: %d rows, %d held out, statsmodels converged: %s" % (name, len(y), test.sum(),
                                                                      res.mle_retvals["converged"]), flush=True)
        for path, setting in (("memory", ""), ("passes", "SET mlops.logistic_memory = 0;\n")):
            st, me = train("%s_%s" % (name, path), name, cols, setting=setting)
            compare_exact("%s/%s" % (name, path), "fit", st["fit"], path)
            p_all, cls_all = probabilities("%s_%s" % (name, path), name)
            check_fit("%s/%s" % (name, path), st, me, res, y, p_all, cls_all, test, p_sm_all)
            fits[(name, path)] = (st, me, p_all)
        (a, am, ap), (b, bm, bp) = fits[(name, "memory")], fits[(name, "passes")]
        case = "%s memory/passes" % name
        for q in ("coef", "std_err", "z_stats", "p_values", "log_likelihood", "deviance", "aic", "bic"):
            compare(case, q, a[q], b[q], tol=RTOL_SAME, floor=P_FLOOR if q == "p_values" else 0.0)
        compare(case, "predict_proba", ap, bp, tol=RTOL_SAME)
        for split in am:
            for key in am[split]:
                compare(case, "%s %s" % (split, key), am[split][key], bm[split].get(key), tol=RTOL_SAME)

        # the L2 penalty, on all rows
        if name in ("spector", "fair"):
            for lam in (0.01, 0.001):
                st, me = train("%s_l2" % name, name, cols, '{"lambda": %r}' % lam, 0)
                case = "%s lambda=%g" % (name, lam)
                want = newton_l2(Xc, y, lam)
                compare(case, "coef vs Newton", st["coef"], want, tol=RTOL_SAME)
                sk = LogisticRegression(C=1 / (len(y) * lam), solver="newton-cg", tol=1e-12,
                                        max_iter=10000).fit(X, y)
                compare(case, "coef vs sklearn", st["coef"], np.concatenate([sk.intercept_, sk.coef_[0]]))
                compare_exact(case, "std_err", st["std_err"], None)
                p_all, _ = probabilities("%s_l2" % name, name)
                compare(case, "predict_proba", p_all, 1 / (1 + np.exp(-(Xc @ want))), tol=RTOL_SAME)

    # complete separation
    Xs = np.arange(1.0, 41.0).reshape(-1, 1)
    ys = (Xs[:, 0] > 20).astype(float)
    load_table("separated", ["x"], Xs, ys, False)
    try:
        r = sm.Logit(ys, sm.add_constant(Xs)).fit(disp=0)
        # statsmodels 0.13 runs out of iterations, every row classified right
        sm_sep = not r.mle_retvals["converged"] and np.array_equal(r.predict() > 0.5, ys == 1)
    except Exception as e:      # PerfectSeparationError
        sm_sep = "separation" in str(e).lower()
    compare_exact("separation", "statsmodels fails (separation, no convergence)", sm_sep, True)
    before = psql("SELECT count(*) FROM mlops.models").strip()
    p = psql("\\set VERBOSITY verbose\nSELECT * FROM mlops.train('sep', 'separated', 'y', ARRAY['x'], 'logistic')",
             check=False)
    compare_exact("separation", "error 22023, completely separated",
                  "22023" in p.stderr and "completely separated" in p.stderr, True)
    compare_exact("separation", "hint names lambda", "lambda" in p.stderr, True)
    compare_exact("separation", "nothing recorded", psql("SELECT count(*) FROM mlops.models").strip(), before)

    # report
    quantities = []
    cases = []
    for c, q, _, _, _ in rows:
        if q not in quantities:
            quantities.append(q)
        if c not in cases:
            cases.append(c)
    print("\nworst relative difference (tolerance), * = failure")
    for c in cases:
        print("  %s" % c)
        for q in quantities:
            for cc, qq, worst, tol, _ in rows:
                if cc == c and qq == q:
                    print("    %-42s %10.3g  (%g)%s" % (q, worst, tol, " *" if not worst <= tol else ""))
    db.drop(check=False)
    if failures:
        print("\n%d failures" % len(failures))
        sys.exit(1)
    print("\nall %d comparisons passed" % len(rows))


if __name__ == "__main__":
    main()
