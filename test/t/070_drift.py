#!/usr/bin/python3
"""Drift monitoring against an independent numpy computation.

Data: three features with different distributions (x_norm normal(50, 10), x_unif
uniform(-5, 15), x_logn lognormal(1, 0.6), skewed) and a target y = 3 + 0.5 x_norm
- 2 x_unif + 4 x_logn + normal(0, 2) noise, generated with numpy from fixed seeds and
sent to the server through repr(), which round-trips doubles exactly.

  1. mlops.train(..., test_fraction => 0, deploy => 'always') on 20,000 rows: the
     baselines of every feature and of the prediction (the model's coefficients from
     mlops.models applied in numpy): n, n_null, min, max exact; mean and sd to 1e-12
     relative; counts exactly the training values binned on the stored edges
     (np.searchsorted(edges, v, side='right')); each bin of a feature holds 0.1 +- 0.02
     of the rows (deciles).  Whether the edges are exactly percentile_disc of the
     training values is printed, not checked.
  2. A live table with the same columns, mlops.monitor, 20,000 rows from the same
     distributions (another seed) in 3 INSERTs of 5,000 and one COPY of 5,000: one
     drift_log row per statement whose n_rows, n, n_null, counts, below, above equal
     numpy's for that statement's rows (sums, sumsq to 1e-12); sum(n_rows) = 20,000;
     every feature and the prediction has PSI < 0.1 and status ok.
  3. mlops.drift's psi, ks, mean_shift, null_rate_live, null_rate_base, out_of_range,
     n_live against numpy on the same bins (additive smoothing 0.5 per bin for the PSI,
     unsmoothed cumulative shares for KS) to 1e-12 relative or 1e-15 absolute; the
     status from the GUC thresholds.  Checked in every window below as well.
  4. 20,000 rows with x_norm shifted by one baseline standard deviation, in a window
     of their own (since = the server's clock just before): x_norm 'alert', x_unif
     and x_logn 'ok'; the prediction's status is printed.
  5. NULLs: 4,000 rows, some with x_unif NULL and some with y NULL: null_rate_live
     matches; rows with a NULL feature have no prediction (the prediction's n_live and
     bins are those of the complete rows; its null_rate_live the share of incomplete
     rows); the (error) row counts only complete rows with a target.
  6. The (error) row: rmse_live = numpy's RMSE of y - prediction (coefficients from
     mlops.models.coefficients) over the rows with a target, to 1e-9 (windows 2 and 5).
  7. mlops.compact_drift('0 seconds') rolls everything up (one compacted row per
     table and day, statements and n_rows preserved); mlops.drift(project, '-infinity')
     gives the same n_live, psi, ks (and the other figures) as before, to 1e-12.
  8. Redeploy: a second model trained with params {"bins": 20} on a table with x_norm
     shifted by +10 and deployed while a session that already logged against the first
     model stays open: that session's next INSERT, and a COPY from a new session, log
     with the new model_id and bins = 20, binned on the new baseline's edges (exactly
     numpy's counts); drift(project, since) reports the new model, its figures match
     numpy, the features are 'ok'; rows logged against the old model are not counted, and
     mlops.drift_status shows the same figures.

Prints the worst difference of every quantity, exits 0 when all pass and 1 otherwise.
Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
"""

import math
import os
import select
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lib  # noqa: E402
from lib import fail  # noqa: E402

DB = "mlops_t_drift"
PROJECT = "drift"
FEATURES = ["x_norm", "x_unif", "x_logn"]
P = len(FEATURES)
N_TRAIN = 20000
RTOL = 1e-12           # figures of mlops.drift and the baselines
ATOL = 1e-15           # ... near 0
RTOL_RMSE = 1e-9
PSI_WARN, PSI_ALERT = 0.1, 0.25

worst = {}             # quantity -> (worst difference, tolerance, where)

# psql runs sql in a new session and fails the test on any WARNING (none is expected)
db = lib.Database(DB, preamble=lib.FLOAT_DIGITS, warnings_fail=True)
psql, rows, scalar = db.psql, db.rows, db.scalar
num, arr = lib.parse_float, lib.parse_array


class Session:
    """A psql session kept open: statements are written to it, and a \\warn marker on
    stderr (unbuffered) tells when they have run."""

    def __init__(self):
        self.p = subprocess.Popen(lib.PSQL + ["-d", DB],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        self.k = 0

    def run(self, sql, timeout=120):
        self.k += 1
        mark = "__mlops_sync_%d__" % self.k
        self.p.stdin.write(sql + "\n\\warn " + mark + "\n")
        self.p.stdin.flush()
        other = []
        deadline = time.time() + timeout
        while True:
            r, _, _ = select.select([self.p.stderr], [], [], max(0.0, deadline - time.time()))
            if not r:
                lib.abort("psql session: no answer in %d s" % timeout)
            line = self.p.stderr.readline()
            if line == "":
                lib.abort("psql session ended:\n%s" % "".join(other))
            if line.strip() == mark:
                break
            other.append(line)
        if other:
            fail("unexpected messages from the server in the kept session:\n" + "".join(other))

    def close(self):
        self.p.stdin.close()
        self.p.wait(30)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

COEF_TRUE = (3.0, 0.5, -2.0, 4.0)


def gen(seed, n, shift_norm=0.0):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(50.0, 10.0, n) + shift_norm,
                         rng.uniform(-5.0, 15.0, n),
                         rng.lognormal(1.0, 0.6, n)])
    y = (COEF_TRUE[0] + COEF_TRUE[1] * x[:, 0] + COEF_TRUE[2] * x[:, 1] + COEF_TRUE[3] * x[:, 2]
         + rng.normal(0.0, 2.0, n))
    return x, y


def lit(v):
    return "NULL" if np.isnan(v) else repr(float(v))


def insert_sql(table, x, y):
    vals = ",\n".join("(%s, %s, %s, %s)" % (lit(a), lit(b), lit(c), lit(d))
                      for (a, b, c), d in zip(x, y))
    return "INSERT INTO %s (x_norm, x_unif, x_logn, y) VALUES\n%s;\n" % (table, vals)


def copy_sql(table, x, y):
    def c(v):
        return "\\N" if np.isnan(v) else repr(float(v))
    data = "".join("%s\t%s\t%s\t%s\n" % (c(a), c(b), c(e), c(d)) for (a, b, e), d in zip(x, y))
    return "COPY %s (x_norm, x_unif, x_logn, y) FROM STDIN;\n%s\\.\n" % (table, data)


def now():
    return scalar("SELECT clock_timestamp();\n")


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def record(q, d, tol, where):
    if q not in worst or d > worst[q][0]:
        worst[q] = (d, tol, where)


def close(q, got, want, where, rtol=RTOL, atol=ATOL, scale=None):
    """got within rtol of want relative to max(|want|, scale), scale atol / rtol unless given
    (i.e. rtol relative or atol absolute); None only with None.  Records that relative
    difference."""
    if got is None or want is None:
        ok = got is None and want is None
        record(q, 0.0 if ok else math.inf, rtol, where)
        if not ok:
            fail("%s: %s = %r, expected %r" % (where, q, got, want))
        return
    got, want = float(got), float(want)
    if scale is None:
        scale = atol / rtol if rtol > 0 else 0.0
    d = abs(got - want)
    den = max(abs(want), scale)
    r = 0.0 if d == 0 else (d / den if den > 0 else math.inf)
    record(q, r, rtol, where)
    if not r <= rtol:
        fail("%s: %s = %r, expected %r (difference %.3g relative to %.3g, tolerance %g)"
             % (where, q, got, want, r, den, rtol))


def exact(q, got, want, where):
    ok = list(got) == list(want) if isinstance(want, (list, tuple, np.ndarray)) else got == want
    record(q, 0.0 if ok else math.inf, 0.0, where)
    if not ok:
        fail("%s: %s = %r, expected %r" % (where, q, got, want))


def exact_sum(v):
    return math.fsum(float(a) for a in v)


# ---------------------------------------------------------------------------
# the model and its baseline, as stored
# ---------------------------------------------------------------------------

def model(model_id):
    r = rows("SELECT intercept, features, coefficients FROM mlops.models WHERE model_id = %d;\n"
             % model_id)[0]
    assert r[0] == "t" and r[1] == "{%s}" % ",".join(FEATURES), r
    coef = arr(r[2])
    b = {}
    for ordinal, feature, n, n_null, mean, sd, mn, mx, edges, counts in rows(
            "SELECT ordinal, feature, n, n_null, mean, sd, min, max, edges, counts "
            "FROM mlops.baselines WHERE model_id = %d ORDER BY ordinal;\n" % model_id):
        b[int(ordinal)] = dict(feature=feature, n=int(n), n_null=int(n_null), mean=num(mean),
                               sd=num(sd), min=num(mn), max=num(mx),
                               edges=np.array(arr(edges), dtype=float),
                               counts=[int(c) for c in arr(counts)])
    return dict(model_id=model_id, coef=coef, base=b)


def predict(coef, x):
    """In the order the server computes: ((c0 + c1 x1) + c2 x2) + c3 x3, NaN if a feature is."""
    pred = coef[0] + coef[1] * x[:, 0]
    for j in range(1, P):
        pred = pred + coef[j + 1] * x[:, j]
    return pred


def values_by_ordinal(m, x):
    """ordinal -> the column of values (NaN for NULL): 0 the prediction, then the features."""
    return [predict(m["coef"], x)] + [x[:, j] for j in range(P)]


def bins(edges, v):
    k = len(edges) + 1
    return np.bincount(np.searchsorted(edges, v, side="right"), minlength=k).astype(np.int64)


def check_baseline(m, x, y):
    b = m["base"]
    vals = values_by_ordinal(m, x)
    exact("baseline ordinals", sorted(b), list(range(P + 1)), "model %d" % m["model_id"])
    for o in range(P + 1):
        bo = b[o]
        v = vals[o]
        name = "(prediction)" if o == 0 else FEATURES[o - 1]
        where = "baseline of model %d, %s" % (m["model_id"], name)
        exact("baseline feature", bo["feature"], name, where)
        exact("baseline n", bo["n"], len(v), where)
        exact("baseline n_null", bo["n_null"], 0, where)
        exact("baseline min", bo["min"], float(v.min()), where)
        exact("baseline max", bo["max"], float(v.max()), where)
        close("baseline mean", bo["mean"], exact_sum(v) / len(v), where)
        close("baseline sd", bo["sd"], float(np.std(v, ddof=1)), where)
        e = bo["edges"]
        k = len(e) + 1
        if not np.all(np.diff(e) >= 0):
            fail("%s: edges not ascending: %r" % (where, e))
        exact("baseline counts", bo["counts"], list(bins(e, v)), where)
        shares = np.array(bo["counts"]) / len(v)
        dev = float(np.max(np.abs(shares - 1.0 / k)))
        record("baseline bin share - 1/k", dev, 0.2 / k, where)
        if dev > 0.2 / k:
            fail("%s: a bin holds %.4f of the rows, not 1/%d +- %g: shares %r"
                 % (where, 1.0 / k + dev, k, 0.2 / k, list(shares)))
        # percentile_disc of all training rows (sorted[ceil(f n) - 1]): printed only
        s = np.sort(v)
        pd = [s[max(int(math.ceil((g / k) * len(v))), 1) - 1] for g in range(1, k)]
        same = list(e) == [float(a) for a in pd]
        print("   %-13s k = %2d, edges %s percentile_disc of all %d rows; shares %s..%s"
              % (name, k, "==" if same else "!=", len(v), shares.min(), shares.max()))


# ---------------------------------------------------------------------------
# the drift figures, independently
# ---------------------------------------------------------------------------

def expected_drift(m, x, y):
    """What mlops.drift should report for the live rows x, y against model m."""
    b = m["base"]
    vals = values_by_ordinal(m, x)
    out = {}
    for o in range(P + 1):
        bo = b[o]
        v = vals[o]
        ok = ~np.isnan(v)
        lv = v[ok]
        n_live = int(ok.sum())
        n_null = int((~ok).sum())
        k = len(bo["edges"]) + 1
        c = bins(bo["edges"], lv)
        B = np.array(bo["counts"], dtype=np.int64)
        nb = bo["n"]
        pl = (c + 0.5) / (n_live + 0.5 * k)
        pb = (B + 0.5) / (nb + 0.5 * k)
        psi = math.fsum((pl - pb) * np.log(pl / pb))
        ks = float(np.max(np.abs(np.cumsum(c) / n_live - np.cumsum(B) / nb))) if n_live else None
        mean_shift = ((exact_sum(lv) / n_live - bo["mean"]) / bo["sd"]) if n_live else None
        # mean_shift is a difference of two means: its own relative accuracy is that of the
        # means times (|live mean| + |base mean|) / |live mean - base mean|, whatever the order
        # of summation; it is compared relative to this scale
        scale = ((abs(exact_sum(lv) / n_live) + abs(bo["mean"])) / bo["sd"]) if n_live else 0.0
        oor = int(((lv < bo["min"]) | (lv > bo["max"])).sum())
        status = None if n_live == 0 else ("alert" if psi >= PSI_ALERT else "warn" if psi >= PSI_WARN else "ok")
        out["(prediction)" if o == 0 else FEATURES[o - 1]] = dict(
            n_live=n_live, psi=psi if n_live else None, ks=ks, mean_shift=mean_shift, mean_shift_scale=scale,
            null_rate_live=n_null / (n_live + n_null),
            null_rate_base=bo["n_null"] / (bo["n"] + bo["n_null"]),
            out_of_range=oor / n_live if n_live else None, status=status,
            # for the drift_log checks
            n=n_live, n_null=n_null, sums=exact_sum(lv), sumsq=exact_sum(lv * lv),
            below=int((lv < bo["min"]).sum()), above=int((lv > bo["max"]).sum()), counts=c)
    pred = vals[0]
    e_ok = ~np.isnan(pred) & ~np.isnan(y)
    e = y[e_ok] - pred[e_ok]
    out["(error)"] = dict(n_live=int(e_ok.sum()),
                          rmse_live=math.sqrt(exact_sum(e * e) / len(e)) if len(e) else None,
                          sse=exact_sum(e * e), sae=exact_sum(np.abs(e)))
    return out


DRIFT_COLS = ["feature", "n_live", "psi", "ks", "mean_shift", "null_rate_live", "null_rate_base",
              "out_of_range", "status", "rmse_live", "rmse_base", "model_id"]


def drift(since):
    out = {}
    order = []
    for r in rows("SELECT %s FROM mlops.drift('%s', %s);\n"
                  % (", ".join(DRIFT_COLS), PROJECT, "'-infinity'" if since is None else "'%s'" % since)):
        d = dict(zip(DRIFT_COLS, r))
        for c in ("psi", "ks", "mean_shift", "null_rate_live", "null_rate_base", "out_of_range",
                  "rmse_live", "rmse_base"):
            d[c] = num(d[c])
        d["n_live"] = int(d["n_live"])
        d["model_id"] = int(d["model_id"])
        d["status"] = d["status"] or None
        out[d["feature"]] = d
        order.append(d["feature"])
    return out, order


def check_drift(label, got, order, want, model_id):
    names = ["(prediction)"] + FEATURES
    expect_order = names + (["(error)"] if want["(error)"]["n_live"] > 0 else [])
    exact("drift rows", order, expect_order, label)
    for f in names:
        if f not in got:
            continue
        g, w = got[f], want[f]
        where = "%s, %s" % (label, f)
        exact("drift model_id", g["model_id"], model_id, where)
        exact("drift n_live", g["n_live"], w["n_live"], where)
        for q in ("psi", "ks", "null_rate_live", "null_rate_base", "out_of_range"):
            close("drift " + q, g[q], w[q], where)
        close("drift mean_shift", g["mean_shift"], w["mean_shift"], where, scale=w["mean_shift_scale"])
        exact("drift status", g["status"], w["status"], where)
        exact("drift rmse NULL on features", (g["rmse_live"], g["rmse_base"]), (None, None), where)
    if "(error)" in got:
        g, w = got["(error)"], want["(error)"]
        exact("drift (error) n_live", g["n_live"], w["n_live"], label)
        close("(error) rmse_live", g["rmse_live"], w["rmse_live"], label + ", (error)", rtol=RTOL_RMSE)


def log_rows(where_sql):
    cols = ["log_id", "model_id", "relation", "compacted", "statements", "n_rows", "bins", "n",
            "n_null", "sums", "sumsq", "below", "above", "counts", "err_n", "err_sse", "err_sae"]
    out = []
    for r in rows("SELECT %s FROM mlops.drift_log l JOIN mlops.projects p USING (project_id) "
                  "WHERE p.name = '%s' AND (%s) ORDER BY l.log_id;\n"
                  % (", ".join("l." + c for c in cols), PROJECT, where_sql)):
        d = dict(zip(cols, r))
        for c in ("log_id", "model_id", "statements", "n_rows", "bins", "err_n"):
            d[c] = int(d[c])
        for c in ("n", "n_null", "below", "above", "counts"):
            d[c] = [int(v) for v in arr(d[c])]
        for c in ("sums", "sumsq"):
            d[c] = arr(d[c])
        d["err_sse"], d["err_sae"] = float(d["err_sse"]), float(d["err_sae"])
        out.append(d)
    return out


def check_log_row(label, lr, m, x, y):
    """One drift_log row against numpy for the rows x, y of its statement(s)."""
    w = expected_drift(m, x, y)
    k = len(m["base"][0]["edges"]) + 1
    exact("log model_id", lr["model_id"], m["model_id"], label)
    exact("log n_rows", lr["n_rows"], len(x), label)
    exact("log bins", lr["bins"], k, label)
    names = ["(prediction)"] + FEATURES
    exact("log n", lr["n"], [w[f]["n"] for f in names], label)
    exact("log n_null", lr["n_null"], [w[f]["n_null"] for f in names], label)
    exact("log below", lr["below"], [w[f]["below"] for f in names], label)
    exact("log above", lr["above"], [w[f]["above"] for f in names], label)
    exact("log counts", lr["counts"], [int(c) for f in names for c in w[f]["counts"]], label)
    for o, f in enumerate(names):
        close("log sums", lr["sums"][o], w[f]["sums"], "%s, %s" % (label, f))
        close("log sumsq", lr["sumsq"][o], w[f]["sumsq"], "%s, %s" % (label, f))
    exact("log err_n", lr["err_n"], w["(error)"]["n_live"], label)
    close("log err_sse", lr["err_sse"], w["(error)"]["sse"], label, rtol=RTOL_RMSE)
    close("log err_sae", lr["err_sae"], w["(error)"]["sae"], label, rtol=RTOL_RMSE)


def show_drift(label, got):
    print("   %s:" % label)
    print("      %-13s %7s %12s %10s %11s %9s %9s %6s %s"
          % ("feature", "n_live", "psi", "ks", "mean_shift", "null_rate", "out_range", "status", "rmse live/base"))
    for f, d in got.items():
        def g(v, fmt):
            return "-" if v is None else fmt % v
        print("      %-13s %7d %12s %10s %11s %9s %9s %6s %s"
              % (f, d["n_live"], g(d["psi"], "%.6g"), g(d["ks"], "%.5f"), g(d["mean_shift"], "%.5f"),
                 g(d["null_rate_live"], "%.4f"), g(d["out_of_range"], "%.5f"), d["status"] or "-",
                 "" if d["rmse_live"] is None else "%.6f / %.6f" % (d["rmse_live"], d["rmse_base"] or float("nan"))))


def concat(parts):
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def train_table(name, x, y):
    psql("CREATE TABLE %s (i serial PRIMARY KEY, x_norm float8, x_unif float8, x_logn float8, y float8);\n%s"
         % (name, copy_sql(name, x, y)))
    back = rows("SELECT x_norm, x_unif, x_logn, y FROM %s ORDER BY i;\n" % name)
    got = np.array([[float(v) for v in r] for r in back])
    if got.shape != (len(y), 4) or not np.array_equal(got, np.column_stack([x, y])):
        lib.abort("table %s does not hold exactly the generated doubles" % name)


def train(table, params="{}"):
    r = rows("SELECT model_id, deployed FROM mlops.train('%s', '%s', 'y', ARRAY['x_norm', 'x_unif', 'x_logn'], "
             "params => '%s', test_fraction => 0, deploy => 'always');\n" % (PROJECT, table, params))
    assert len(r) == 1 and r[0][1] == "t", r
    return int(r[0][0])


def main():
    lib.require_cluster()
    db.create()
    print("settings: mlops.drift_psi_warn = %s, mlops.drift_psi_alert = %s, mlops.drift_window = %s"
          % tuple(scalar("LOAD 'mlops';\nSELECT current_setting('%s');\n" % g)
                  for g in ("mlops.drift_psi_warn", "mlops.drift_psi_alert", "mlops.drift_window")))

    # ---- 1. training and the baselines
    print("== 1. baselines of a model trained on %d rows" % N_TRAIN)
    xt, yt = gen(1, N_TRAIN)
    train_table("train1", xt, yt)
    m1 = model(train(("train1")))
    print("   model %d: coefficients %r" % (m1["model_id"], m1["coef"]))
    check_baseline(m1, xt, yt)

    # ---- 2. live rows from the same distributions
    print("== 2. 20,000 live rows from the same distributions (3 INSERTs of 5,000, one COPY of 5,000)")
    psql("CREATE TABLE live (i serial PRIMARY KEY, x_norm float8, x_unif float8, x_logn float8, y float8, "
         "note text);\nSELECT mlops.monitor('%s', 'live');\n" % PROJECT)
    since2 = now()
    xl, yl = gen(2, 20000)
    parts2 = [(xl[s:s + 5000], yl[s:s + 5000]) for s in range(0, 20000, 5000)]
    for j, (xp, yp) in enumerate(parts2):
        psql(insert_sql("live", xp, yp) if j < 3 else copy_sql("live", xp, yp))
    logs = log_rows("l.logged_at >= '%s'" % since2)
    exact("log rows per statement", len(logs), 4, "window 2")
    exact("log sum n_rows", sum(lr["n_rows"] for lr in logs), 20000, "window 2")
    exact("live rows", int(scalar("SELECT count(*) FROM live;\n")), 20000, "window 2")
    for j, (lr, (xp, yp)) in enumerate(zip(logs, parts2)):
        exact("log statements", lr["statements"], 1, "window 2 statement %d" % (j + 1))
        exact("log relation", lr["relation"], "public.live", "window 2 statement %d" % (j + 1))
        check_log_row("window 2, statement %d" % (j + 1), lr, m1, xp, yp)
    got2, order2 = drift(since2)
    show_drift("drift since %s" % since2, got2)
    for f in ["(prediction)"] + FEATURES:
        d = got2.get(f)
        if d is None or d["psi"] is None or not d["psi"] < PSI_WARN or d["status"] != "ok":
            fail("window 2: %s: psi %r, status %r; expected psi < %g and ok"
                 % (f, d and d["psi"], d and d["status"], PSI_WARN))

    # ---- 3. against numpy (and 6 for this window)
    print("== 3. psi, ks, mean_shift, null rates, out_of_range against numpy (6: rmse_live)")
    want2 = expected_drift(m1, xl, yl)
    check_drift("window 2", got2, order2, want2, m1["model_id"])
    for f in ["(prediction)"] + FEATURES:
        print("      %-13s psi mlops %.17g numpy %.17g" % (f, got2[f]["psi"] or math.nan, want2[f]["psi"]))
    rmse_train = num(scalar("SELECT value FROM mlops.metrics WHERE model_id = %d AND split = 'train' "
                            "AND metric = 'rmse';\n" % m1["model_id"]))
    if "(error)" in got2:
        close("(error) rmse_base", got2["(error)"]["rmse_base"], rmse_train, "window 2, (error)", rtol=0, atol=0)

    # ---- 4. one feature shifted by one baseline standard deviation
    sd = m1["base"][1]["sd"]
    print("== 4. 20,000 rows with x_norm shifted by one baseline sd (%.6g)" % sd)
    since4 = now()
    xs, ys = gen(3, 20000)
    xs[:, 0] += sd
    parts4 = [(xs[s:s + 5000], ys[s:s + 5000]) for s in range(0, 20000, 5000)]
    for xp, yp in parts4:
        psql(insert_sql("live", xp, yp))
    logs = log_rows("l.logged_at >= '%s'" % since4)
    exact("log rows per statement", len(logs), 4, "window 4")
    got4, order4 = drift(since4)
    show_drift("drift since %s" % since4, got4)
    check_drift("window 4", got4, order4, expected_drift(m1, xs, ys), m1["model_id"])
    for f, st in (("x_norm", "alert"), ("x_unif", "ok"), ("x_logn", "ok")):
        exact("window 4 status", got4.get(f, {}).get("status"), st, "window 4, %s" % f)
    print("   the prediction: psi %s, status %s (not checked)"
          % (got4["(prediction)"]["psi"], got4["(prediction)"]["status"]))
    print("   alerts raised by the trigger's checks so far: %s; x_norm over the current alert window "
          "(since %s, windows 2 and 4 if in the same hour): psi %s"
          % (psql("SELECT coalesce(string_agg(feature || ' psi ' || round(psi::numeric, 4), ', '), 'none') "
                  "FROM mlops.alerts;\n").strip(),
             scalar("SELECT mlops._drift_window_start(now());\n"),
             scalar("SELECT psi FROM mlops.drift('%s', mlops._drift_window_start(now())) "
                    "WHERE feature = 'x_norm';\n" % PROJECT)))

    # ---- 5. NULLs
    print("== 5. 4,000 rows with x_unif NULL in some, y NULL in others")
    since5 = now()
    xn, yn = gen(4, 4000)
    rng = np.random.default_rng(5)
    xn[rng.random(4000) < 0.15, 1] = np.nan
    yn[rng.random(4000) < 0.2] = np.nan
    parts5 = [(xn[:2000], yn[:2000]), (xn[2000:], yn[2000:])]
    psql(insert_sql("live", *parts5[0]))
    psql(copy_sql("live", *parts5[1]))
    logs = log_rows("l.logged_at >= '%s'" % since5)
    exact("log rows per statement", len(logs), 2, "window 5")
    for j, (lr, (xp, yp)) in enumerate(zip(logs, parts5)):
        check_log_row("window 5, statement %d" % (j + 1), lr, m1, xp, yp)
    got5, order5 = drift(since5)
    show_drift("drift since %s" % since5, got5)
    want5 = expected_drift(m1, xn, yn)
    check_drift("window 5", got5, order5, want5, m1["model_id"])
    n_null = int(np.isnan(xn[:, 1]).sum())
    complete = int((~np.isnan(xn).any(axis=1)).sum())
    with_y = int(((~np.isnan(xn).any(axis=1)) & ~np.isnan(yn)).sum())
    exact("null_rate_live x_unif", got5["x_unif"]["null_rate_live"], n_null / 4000, "window 5")
    exact("null_rate_live (prediction)", got5["(prediction)"]["null_rate_live"], n_null / 4000, "window 5")
    exact("n_live (prediction)", got5["(prediction)"]["n_live"], complete, "window 5")
    exact("n_live x_norm", got5["x_norm"]["n_live"], 4000, "window 5")
    exact("n_live (error)", got5.get("(error)", {}).get("n_live"), with_y, "window 5")
    print("   x_unif NULL in %d rows (null_rate_live %s); %d complete rows; %d with a target"
          % (n_null, got5["x_unif"]["null_rate_live"], complete, with_y))

    # ---- 6. the live error
    print("== 6. (error) rmse_live against numpy with the model's coefficients")
    for label, got, want in (("window 2", got2, want2), ("window 5", got5, want5)):
        if "(error)" in got:
            print("   %s: rmse_live mlops %.17g, numpy %.17g, rmse_base %.17g (train rmse %.17g)"
                  % (label, got["(error)"]["rmse_live"], want["(error)"]["rmse_live"],
                     got["(error)"]["rmse_base"] or math.nan, rmse_train))

    # ---- 7. compaction
    print("== 7. compact_drift('0 seconds')")
    before, order_b = drift(None)
    want_all = expected_drift(m1, *concat(parts2 + parts4 + parts5))
    check_drift("everything, before compaction", before, order_b, want_all, m1["model_id"])
    n_logs, n_stmts, n_rows = (int(v) for v in rows(
        "SELECT count(*), sum(statements), sum(n_rows) FROM mlops.drift_log;\n")[0])
    removed = int(scalar("SELECT mlops.compact_drift('0 seconds');\n"))
    exact("compact_drift removed", removed, n_logs, "compaction")
    c_logs, c_stmts, c_rows, c_days, c_compacted = (int(v) for v in rows(
        "SELECT count(*), sum(statements), sum(n_rows), count(DISTINCT date_trunc('day', logged_at)), "
        "count(*) FILTER (WHERE compacted) FROM mlops.drift_log;\n")[0])
    exact("compacted rows", c_logs, c_days, "compaction (one per table and day)")
    exact("compacted flags", c_compacted, c_logs, "compaction")
    exact("compacted statements", c_stmts, n_stmts, "compaction")
    exact("compacted n_rows", c_rows, n_rows, "compaction")
    print("   %d summaries of %d statements, %d rows -> %d compacted row(s)" % (n_logs, n_stmts, n_rows, c_logs))
    after, order_a = drift(None)
    exact("drift rows after compaction", order_a, order_b, "compaction")
    for f in order_b:
        if f not in after:
            continue
        exact("compaction n_live", after[f]["n_live"], before[f]["n_live"], "compaction, " + f)
        for q in ("psi", "ks", "null_rate_live", "out_of_range", "rmse_live"):
            close("compaction " + q, after[f][q], before[f][q], "compaction, " + f)
        if f in want_all:
            close("compaction mean_shift", after[f]["mean_shift"], before[f]["mean_shift"], "compaction, " + f,
                  scale=want_all[f].get("mean_shift_scale"))
        exact("compaction status", after[f]["status"], before[f]["status"], "compaction, " + f)
    check_drift("everything, after compaction", after, order_a, want_all, m1["model_id"])
    if c_logs == 1:              # (unless the test ran across midnight)
        (lr,) = log_rows("true")
        check_log_row("the compacted row", lr, m1, *concat(parts2 + parts4 + parts5))

    # ---- 8. redeploy
    print("== 8. redeploy: a model with 20 bins trained on x_norm shifted by +10")
    sess = Session()
    sess.run("SET extra_float_digits = 3;")
    xa, ya = gen(6, 1000)
    sess.run(insert_sql("live", xa, ya))          # logged against model 1, plan cached
    (la,) = log_rows("NOT l.compacted")
    check_log_row("kept session before the redeploy", la, m1, xa, ya)
    xt2, yt2 = gen(7, N_TRAIN, shift_norm=10.0)
    train_table("train2", xt2, yt2)
    since8 = now()
    m2 = model(train("train2", '{"bins": 20}'))
    print("   model %d: coefficients %r" % (m2["model_id"], m2["coef"]))
    check_baseline(m2, xt2, yt2)
    exact("deployed model", int(scalar("SELECT model_id FROM mlops.deployed_models WHERE project = '%s';\n"
                                       % PROJECT)), m2["model_id"], "redeploy")
    xb, yb = gen(8, 3000, shift_norm=10.0)
    xc, yc = gen(9, 2000, shift_norm=10.0)
    sess.run(insert_sql("live", xb, yb))          # the same session: must see the new model
    sess.close()
    psql(copy_sql("live", xc, yc))                # a new session
    logs = log_rows("l.logged_at >= '%s'" % since8)
    exact("log rows after the redeploy", len(logs), 2, "redeploy")
    for lr, (xp, yp), who in zip(logs, ((xb, yb), (xc, yc)), ("the kept session", "a new session")):
        print("   %s logged model %d, bins %d" % (who, lr["model_id"], lr["bins"]))
        check_log_row("after the redeploy, " + who, lr, m2, xp, yp)
    got8, order8 = drift(since8)
    show_drift("drift since %s" % since8, got8)
    x8, y8 = concat([(xb, yb), (xc, yc)])
    check_drift("window 8", got8, order8, expected_drift(m2, x8, y8), m2["model_id"])
    for f in FEATURES:
        exact("window 8 status", got8.get(f, {}).get("status"), "ok", "window 8, %s" % f)
    # the rows logged against model 1 do not count for model 2
    all8, order_all8 = drift(None)
    check_drift("everything after the redeploy", all8, order_all8, expected_drift(m2, x8, y8), m2["model_id"])

    # the dashboard view: the last mlops.drift_window holds every row logged against model 2
    st = {r[0]: r for r in rows("SELECT feature, n_live, psi, status, model_id FROM mlops.drift_status "
                                "WHERE project = '%s';\n" % PROJECT)}
    exact("drift_status features", sorted(st), sorted(all8), "drift_status")
    for f in all8:
        if f in st:
            exact("drift_status n_live, psi, status, model_id",
                  (int(st[f][1]), num(st[f][2]), st[f][3] or None, int(st[f][4])),
                  (all8[f]["n_live"], all8[f]["psi"], all8[f]["status"], all8[f]["model_id"]),
                  "drift_status, " + f)

    # ---- summary
    print("\nworst differences (relative; 0 = exact; inf = mismatch):")
    for q, (d, tol, where) in worst.items():
        print("   %-32s %10.3g  (tolerance %g)%s" % (q, d, tol, "" if d <= tol else "  * " + where))
    return lib.finish("070_drift", db)


if __name__ == "__main__":
    sys.exit(main())
