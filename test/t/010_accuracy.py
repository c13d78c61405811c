#!/usr/bin/python3
"""Accuracy of mlops.ols_fit against exact rational arithmetic.

Every input is an exact double (an integer or a dyadic rational) and reaches
SQL through repr(), which round-trips exactly.  Problems: a degree-5 polynomial
on x = 0..20 with no noise and at four noise levels (the largest leaves
R² ≈ 0.02) and on x = 60..80 (cond(X) = 7e14) at two; a degree-10 polynomial on
65 points of [-9, -3] (cond(X) = 1e15; the powers are rounded to double first,
and those doubles are the exact inputs); a Longley-like set (16 rows, six
collinear trend-following predictors, cond(X) = 4e10); a well-conditioned set
with and without intercept; tiny sets with 1, 2 and 7 residual degrees of
freedom.

The exact least-squares solution is computed with fractions.Fraction from the
normal equations X'X b = X'y: exact arithmetic does not care about their
condition number.  Square roots and logarithms are taken with decimal.Decimal at 50 digits.

For every problem and every quantity the script prints the number of correct
significant digits, -log10(|relative error|) (worst element of an array), and
fails when

  * coefficients, standard errors, the covariance, t statistics, R², adjusted
    R², residual SD, F or the log-likelihood have fewer than 12 correct digits
    where cond(X) <= 1e10, or fewer than 7 where cond(X) is near 1e15 (x = 60..80
    and the degree-10 polynomial); without noise, where the exact residuals are
    zero, the residual SD and standard errors must be below 1e-12 of the scale
    of y and R² within 1e-12 of 1;
  * mlops.train's coefficients (refined by an extra scan) have fewer correct
    digits than those bars;
  * p-values of the tiny problems with 1 or 2 residual degrees of freedom
    differ from the closed forms by more than 1e-12 relatively
    (df = 1: p = 1 - (2/pi) atan|t|; df = 2: p = 1 - |t|/sqrt(2 + t^2);
    F with 2 numerator df: P(F > f) = (d2/(d2 + 2f))^(d2/2));
  * other p-values differ by more than 1e-9 relatively from an independent
    regularised incomplete beta (continued fraction, as in Numerical Recipes);
  * n_rows or df_residual are wrong.

Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
"""

import math
import os
import random
import sys
from decimal import Decimal, getcontext
from fractions import Fraction

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lib  # noqa: E402
from lib import fail, parse_array, parse_float  # noqa: E402

getcontext().prec = 50

DB = "mlops_t_accuracy"
DIGITS_REQUIRED = 12         # every quantity where cond(X) <= 1e10
DIGITS_REQUIRED_NEAR_1E15 = 7   # where cond(X) is near 1e15
P_CLOSED_FORM_RTOL = 1e-12   # p-values against closed forms (df 1, 2; F with d1 = 2)
P_BETA_RTOL = 1e-9           # p-values against the incomplete beta below
EXACT = 99.0                 # "digits" of a value that is exactly right

# SET extra_float_digits = 3 is given where numbers are read: PG then prints the
# shortest exact decimal, and Python's float() rounds it correctly
db = lib.Database(DB)
psql = db.psql


# ---------------------------------------------------------------------------
# exact least squares
# ---------------------------------------------------------------------------

def parse_matrix(s):
    """A 2-D float8 array, {{a,b},{c,d}}, as a list of rows."""
    s = s.strip()
    if s == "":
        return None
    assert s.startswith("{{") and s.endswith("}}"), s
    return [[parse_float(v) for v in row.split(",")] for row in s[2:-2].split("},{")]


def dec(q):
    """Fraction -> Decimal at the context precision."""
    q = Fraction(q)
    return Decimal(q.numerator) / Decimal(q.denominator)


def lambda_max(M):
    """Largest eigenvalue of a symmetric positive definite matrix: power iteration
    with the Rayleigh quotient."""
    p = len(M)
    v = [1.0 / math.sqrt(p)] * p
    lam = 0.0
    for _ in range(20000):
        w = [sum(M[i][k] * v[k] for k in range(p)) for i in range(p)]
        nrm = math.sqrt(sum(x * x for x in w))
        v = [x / nrm for x in w]
        new = sum(v[i] * sum(M[i][k] * v[k] for k in range(p)) for i in range(p))
        if abs(new - lam) <= 1e-15 * abs(new):
            return new
        lam = new
    return lam


def exact_fit(X, y, intercept):
    n, p = len(X), len(X[0])
    Xf = [[Fraction(v) for v in row] for row in X]
    yf = [Fraction(v) for v in y]
    # Gauss-Jordan on [X'X | I | X'y]
    A = []
    for j in range(p):
        row = [sum(Xf[i][j] * Xf[i][k] for i in range(n)) for k in range(p)]
        row += [Fraction(int(j == k)) for k in range(p)]
        row.append(sum(Xf[i][j] * yf[i] for i in range(n)))
        A.append(row)
    gram = [[float(A[j][k]) for k in range(p)] for j in range(p)]
    for c in range(p):
        piv = next(r for r in range(c, p) if A[r][c] != 0)
        A[c], A[piv] = A[piv], A[c]
        inv = 1 / A[c][c]
        A[c] = [v * inv for v in A[c]]
        for r in range(p):
            if r != c and A[r][c] != 0:
                f = A[r][c]
                A[r] = [a - f * b for a, b in zip(A[r], A[c])]
    inverse = [[float(A[j][p + k]) for k in range(p)] for j in range(p)]
    b = [A[j][2 * p] for j in range(p)]
    cinv_diag = [A[j][p + j] for j in range(p)]
    res = [yf[i] - sum(Xf[i][k] * b[k] for k in range(p)) for i in range(n)]
    rss = sum(r * r for r in res)
    df = n - p
    s2 = rss / df
    if intercept:
        ybar = sum(yf) / n
        tss = sum((v - ybar) ** 2 for v in yf)
        d1 = p - 1
        adj_den = n - 1
    else:
        tss = sum(v * v for v in yf)
        d1 = p
        adj_den = n
    r2 = 1 - rss / tss
    adj_r2 = 1 - (1 - r2) * adj_den / df
    var = [s2 * c for c in cinv_diag]
    se = [dec(v).sqrt() for v in var]
    if rss == 0:        # a perfect fit: no t or F statistics
        t, f = [None] * p, None
    else:
        t = [dec(b[j]) / se[j] for j in range(p)]
        f = ((tss - rss) / d1) / s2
    # covariance s^2 (X'X)^-1, exactly; R's logLik.lm: -n/2 (log(2 pi) + 1 + log(RSS/n))
    vcov = [[dec(s2 * A[j][p + k]) for k in range(p)] for j in range(p)]
    loglik = (-Decimal(n) / 2 * (Decimal(math.log(2 * math.pi)) + 1 + dec(rss / n).ln())
              if rss > 0 else None)
    return {
        "vcov": vcov, "log_likelihood": loglik,
        # 2-norm condition number of X
        "cond": math.sqrt(lambda_max(gram) * lambda_max(inverse)),
        "coef": [dec(v) for v in b], "std_err": se, "t_stats": t,
        "r2": dec(r2), "adj_r2": dec(adj_r2), "residual_sd": dec(s2).sqrt(),
        "f_statistic": None if f is None else dec(f), "rss": dec(rss), "df": df, "d1": d1, "n": n,
    }


# ---------------------------------------------------------------------------
# independent p-values
# ---------------------------------------------------------------------------

def betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-16:
            return h
    raise RuntimeError("betacf did not converge")


def betai(a, b, x, one_minus_x):
    """Regularised incomplete beta I_x(a, b); 1 - x is passed to keep it exact."""
    if x <= 0.0:
        return 0.0
    if one_minus_x <= 0.0:
        return 1.0
    lbt = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
           + a * math.log(x) + b * math.log(one_minus_x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * betacf(b, a, one_minus_x) / b


def t_p_beta(t, df):
    """Two-sided P(|T_df| > |t|) = I_{df/(df+t²)}(df/2, 1/2)."""
    t2 = t * t
    return betai(df / 2.0, 0.5, float(Decimal(df) / (df + t2)), float(t2 / (df + t2)))


def f_p_beta(f, d1, d2):
    """P(F_{d1,d2} > f) = I_{d2/(d2+d1 f)}(d2/2, d1/2)."""
    den = d2 + d1 * f
    return betai(d2 / 2.0, d1 / 2.0, float(Decimal(d2) / den), float(d1 * f / den))


def t_p_closed(t, df):
    """Closed forms for df = 1 and 2, written without cancellation."""
    t = abs(float(t))
    if df == 1:
        return (2.0 / math.pi) * math.atan(1.0 / t)       # = 1 - (2/pi) atan|t|
    if df == 2:
        s = math.sqrt(2.0 + t * t)
        return 2.0 / (s * (s + t))                        # = 1 - |t|/sqrt(2 + t²)
    raise ValueError(df)


def f_p_closed_d1_2(f, d2):
    """P(F_{2,d2} > f) = (d2/(d2 + 2f))^(d2/2)."""
    f = Decimal(f)
    return float(((Decimal(d2) / (d2 + 2 * f)).ln() * Decimal(d2) / 2).exp())


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def digits(got, exact):
    if got is None or (isinstance(got, float) and not math.isfinite(got)):
        return -EXACT
    g, e = Decimal(got), Decimal(exact)
    if g == e:
        return EXACT
    if e == 0:
        return -float(abs(g).log10())
    rel = abs(g - e) / abs(e)
    return -float(rel.log10())


def rel_diff(got, want):
    """Relative difference; the absolute one where want is 0."""
    return lib.rel_diff(got, want, absolute_at_zero=True)


def fmt_digits(d):
    return "exact" if d >= EXACT else ("%.1f" % d)


summary = []      # (problem, quantity, min digits)


def fetch(table, settings=""):
    q = ("SET extra_float_digits = 3;\n" + settings +
         "SELECT (r).coef, (r).std_err, (r).t_stats, (r).p_values, (r).r2, (r).adj_r2,"
         " (r).residual_sd, (r).f_statistic, (r).f_p_value, (r).n_rows, (r).df_residual,"
         " (r).condition_number, (r).vcov, (r).log_likelihood"
         " FROM (SELECT mlops.ols_fit(y, x) AS r FROM %s) s;\n" % table)
    out = psql(q).rstrip("\n")
    f = out.split("|")
    if len(f) != 14:
        lib.abort("unexpected output from ols_fit on %s: %r" % (table, out))
    return {
        "coef": parse_array(f[0]), "std_err": parse_array(f[1]),
        "t_stats": parse_array(f[2]), "p_values": parse_array(f[3]),
        "r2": parse_float(f[4]), "adj_r2": parse_float(f[5]),
        "residual_sd": parse_float(f[6]), "f_statistic": parse_float(f[7]),
        "f_p_value": parse_float(f[8]), "n_rows": int(f[9]), "df_residual": int(f[10]),
        "condition_number": parse_float(f[11]),
        "vcov": parse_matrix(f[12]), "log_likelihood": parse_float(f[13]),
    }


def load(name, X, y):
    for row in X + [y]:
        for v in (row if isinstance(row, list) else [row]):
            assert isinstance(v, (int, float))
    rows = ",\n".join(
        "(%d, %s::float8, ARRAY[%s]::float8[])" % (
            i, repr(float(y[i])), ",".join(repr(float(v)) for v in X[i]))
        for i in range(len(y)))
    psql("DROP TABLE IF EXISTS %s;\nCREATE TABLE %s (i int, y float8, x float8[]);\n"
         "INSERT INTO %s VALUES\n%s;\n" % (name, name, name, rows))
    # the table must hold exactly the doubles we meant
    back = psql("SET extra_float_digits = 3;\nSELECT y, x FROM %s ORDER BY i;\n" % name)
    for i, line in enumerate(back.strip().split("\n")):
        ys, xs = line.split("|")
        if float(ys) != float(y[i]) or parse_array(xs) != [float(v) for v in X[i]]:
            lib.abort("row %d of %s did not round-trip exactly" % (i, name))


def train_coef(name, p, intercept):
    """The coefficients mlops.train stores for the problem, from a view with one
    column per feature."""
    cols = ", ".join("x[%d] AS x%d" % (j + 1, j) for j in range(1 if intercept else 0, p))
    feats = ", ".join("'x%d'" % j for j in range(1 if intercept else 0, p))
    out = psql("SET extra_float_digits = 3;\n"
               "CREATE OR REPLACE VIEW %s_v AS SELECT y, %s FROM %s;\n"
               "SELECT jsonb_path_query_array(statistics, '$.coef[*]')::text FROM mlops.train("
               "'%s', '%s_v', 'y', ARRAY[%s], test_fraction => 0, deploy => 'never',"
               " params => '{\"intercept\": %s}');\n"
               % (name, cols, name, name, name, feats, "true" if intercept else "false"))
    out = out.strip()
    assert out.startswith("[") and out.endswith("]"), out
    return [float(v) for v in out[1:-1].split(",")]


def check_problem(name, X, y, intercept=None, closed_form_p=False, need_digits=None):
    if intercept is None:
        intercept = all(row[0] == 1 for row in X)
    n, p = len(X), len(X[0])
    load(name, X, y)
    ex = exact_fit(X, y, intercept)
    got = fetch(name)
    df, d1 = ex["df"], ex["d1"]
    exact_zero = ex["rss"] == 0
    print("\n== %s: n = %d, p = %d, df = %d, exact R² = %.6g" % (name, n, p, df, float(ex["r2"])))
    # The contract does not define condition_number, so it is only reported, next to
    # the 2-norm condition number of X (accurate to about 1e-10 here).
    print("   condition_number %r; 2-norm cond(X) %.12g, relative difference %.1e"
          % (got["condition_number"], ex["cond"], rel_diff(got["condition_number"], ex["cond"])))

    if got["n_rows"] != n:
        fail("%s: n_rows = %d, expected %d" % (name, got["n_rows"], n))
    if got["df_residual"] != df:
        fail("%s: df_residual = %d, expected %d" % (name, got["df_residual"], df))

    def arr_digits(g, q):
        if g is None or len(g) != p:
            fail("%s: %s has %s elements, expected %d" % (name, q, None if g is None else len(g), p))
            return -EXACT
        ds = [digits(g[j], ex[q][j]) for j in range(p)]
        return min(ds), ds

    required = DIGITS_REQUIRED if need_digits is None else need_digits

    # the same fit without refinement, for the record (not checked)
    plain = fetch(name, "SET mlops.refine_memory = 0;\n")
    m0, _ = arr_digits(plain["coef"], "coef")
    summary.append((name, "coef unrefined", m0))

    quantities = ("coef",) if exact_zero else ("coef", "std_err", "t_stats")
    for q in quantities:
        m, ds = arr_digits(got[q], q)
        print("   %-12s digits per element: %s" % (q, " ".join(fmt_digits(d) for d in ds)))
        summary.append((name, q, m))
        if m < required:
            fail("%s: %s has only %s correct digits (need %d)\n      got      %s\n      expected %s"
                 % (name, q, fmt_digits(m), required, got[q],
                    [float(v) for v in ex[q]]))

    # the refined coefficients of train (an extra scan) against the same exact solution
    tm = train_coef(name, p, intercept)
    m, ds = arr_digits(tm, "coef")
    print("   %-12s digits per element: %s" % ("train coef", " ".join(fmt_digits(d) for d in ds)))
    summary.append((name, "train coef", m))
    if m < required:
        fail("%s: train's coefficients have only %s correct digits (need %d)\n      got      %s\n      expected %s"
             % (name, fmt_digits(m), required, tm, [float(v) for v in ex["coef"]]))

    if exact_zero:
        # no residual at all: what is left is rounding, to be judged against the scale of y
        scale = math.sqrt(sum(v * v for v in y) / n)
        for q in ("residual_sd",):
            v = got[q]
            print("   %-12s %r (exact 0; scale of y %.3g)" % (q, v, scale))
            if v is None or not (abs(v) <= 1e-12 * scale):
                fail("%s: %s = %r, exact 0 (scale of y %.3g)" % (name, q, v, scale))
        worst = max(abs(v) for v in got["std_err"]) if got["std_err"] else None
        print("   std_err      worst %r (exact 0)" % worst)
        if worst is None or not (worst <= 1e-12 * scale):
            fail("%s: std_err = %r, exact 0" % (name, got["std_err"]))
        print("   r2           %r (exact 1)" % got["r2"])
        if got["r2"] is None or abs(got["r2"] - 1.0) > 1e-12:
            fail("%s: r2 = %r, exact 1" % (name, got["r2"]))
        return

    # for reading the digits of a coefficient that is small next to its uncertainty
    if got["coef"] and len(got["coef"]) == p:
        worst = max(abs(Decimal(got["coef"][j]) - ex["coef"][j]) / ex["std_err"][j] for j in range(p))
        print("   coef         worst |error| / exact std_err: %.1e" % float(worst))

    # covariance: each element's error relative to sqrt(v_ii v_jj), the scale of the matrix there
    if got["vcov"] is None or len(got["vcov"]) != p:
        fail("%s: vcov is %r" % (name, got["vcov"]))
    else:
        worst = max(abs(Decimal(got["vcov"][i][j]) - ex["vcov"][i][j])
                    / (ex["vcov"][i][i] * ex["vcov"][j][j]).sqrt()
                    for i in range(p) for j in range(p))
        m = -math.log10(float(worst)) if worst > 0 else EXACT
        summary.append((name, "vcov", m))
        print("   %-12s digits (relative to sqrt(v_ii v_jj)): %s" % ("vcov", fmt_digits(m)))
        if m < required:
            fail("%s: vcov has only %s correct digits (need %d)" % (name, fmt_digits(m), required))

    for q in ("r2", "adj_r2", "residual_sd", "f_statistic", "log_likelihood"):
        m = digits(got[q], ex[q])
        summary.append((name, q, m))
        print("   %-12s digits: %s (got %r, exact %.17g)" % (q, fmt_digits(m), got[q], float(ex[q])))
        if m < required:
            fail("%s: %s has only %s correct digits (need %d): got %r, exact %.17g"
                 % (name, q, fmt_digits(m), required, got[q], float(ex[q])))

    # t = coef / std_err, element by element, from the returned numbers themselves
    if got["t_stats"] and got["coef"] and got["std_err"]:
        for j in range(p):
            r = rel_diff(got["t_stats"][j], got["coef"][j] / got["std_err"][j])
            if r > 1e-14:
                fail("%s: t_stats[%d] = %r is not coef/std_err = %r"
                     % (name, j + 1, got["t_stats"][j], got["coef"][j] / got["std_err"][j]))

    # p-values of the coefficients
    pv = got["p_values"]
    if pv is None or len(pv) != p:
        fail("%s: p_values = %s" % (name, pv))
    else:
        worst_beta = 0.0
        for j in range(p):
            t = ex["t_stats"][j]
            want = t_p_beta(t, df)
            r = rel_diff(pv[j], want)
            worst_beta = max(worst_beta, r)
            if want > 1e-290 and r > P_BETA_RTOL:
                fail("%s: p_values[%d] = %r, incomplete beta gives %r (t = %.17g, df = %d)"
                     % (name, j + 1, pv[j], want, float(t), df))
            if closed_form_p:
                want = t_p_closed(t, df)
                r = rel_diff(pv[j], want)
                print("   p_values[%d] = %r, closed form (df = %d) %r, relative difference %.2e"
                      % (j + 1, pv[j], df, want, r))
                if r > P_CLOSED_FORM_RTOL:
                    fail("%s: p_values[%d] = %r, closed form for df = %d gives %r (t = %.17g)"
                         % (name, j + 1, pv[j], df, want, float(t)))
        print("   p_values     worst relative difference to the incomplete beta: %.2e" % worst_beta)

    # p-value of the F test
    f = ex["f_statistic"]
    want = f_p_beta(f, d1, df)
    r = rel_diff(got["f_p_value"], want)
    print("   f_p_value    %r, incomplete beta (d1 = %d, d2 = %d) %r, relative difference %.2e"
          % (got["f_p_value"], d1, df, want, r))
    if want > 1e-290 and r > P_BETA_RTOL:
        fail("%s: f_p_value = %r, incomplete beta gives %r (f = %.17g, d1 = %d, d2 = %d)"
             % (name, got["f_p_value"], want, float(f), d1, df))
    if d1 == 2:
        want = f_p_closed_d1_2(f, df)
        r = rel_diff(got["f_p_value"], want)
        print("   f_p_value    closed form (d1 = 2) %r, relative difference %.2e" % (want, r))
        if r > P_CLOSED_FORM_RTOL:
            fail("%s: f_p_value = %r, (d2/(d2+2f))^(d2/2) gives %r (f = %.17g, d2 = %d)"
                 % (name, got["f_p_value"], want, float(f), df))


# ---------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------

def dyadic(rng, scale, bits=10):
    """A uniform number in [-scale, scale] rounded to a multiple of scale·2^-bits."""
    k = rng.randint(-(1 << bits), 1 << bits)
    return k * scale / (1 << bits)


def polynomial_problems():
    # degree 5 in x = 0..20, intercept; signal coefficients are dyadic
    beta = [3.0, -2.0, 0.5, 0.25, -0.015625, 0.0009765625]
    xs = list(range(21))
    X = [[float(x ** k) for k in range(6)] for x in xs]
    signal = [sum(b * x ** k for k, b in enumerate(beta)) for x in xs]
    out = [("poly5_no_noise", X, list(map(float, signal)))]
    # (seed 204 was picked so that the largest noise leaves R² ≈ 0.02)
    for label, scale, seed in (("poly5_noise_2em6", 2.0 ** -6, 20234),
                               ("poly5_noise_1", 1.0, 20240),
                               ("poly5_noise_64", 64.0, 20246),
                               ("poly5_noise_2e20", 2.0 ** 20, 204)):
        rng = random.Random(seed)
        y = [s + dyadic(rng, scale) for s in signal]
        out.append((label, X, y))
    # The same model on x = 60..80: cond(X) = 7.0e14, inside the range the design
    # promises ("cond(X) up to about 1e15 must still give as many correct digits as
    # double-precision inputs allow").
    xs = list(range(60, 81))
    X = [[float(x ** k) for k in range(6)] for x in xs]
    signal = [sum(b * x ** k for k, b in enumerate(beta)) for x in xs]
    for label, scale in (("poly5_x60_noise_1", 1.0), ("poly5_x60_noise_64", 64.0)):
        rng = random.Random(6080)
        y = [s + dyadic(rng, scale) for s in signal]
        out.append((label, X, y))
    return out


def poly10():
    """Degree 10 on 65 equally spaced points of [-9, -3]: cond(X) = 1e15.  The
    powers are rounded to double; the rounded values are the problem."""
    rng = random.Random(1010)
    xs = [-9.0 + 6.0 * k / 64 for k in range(65)]
    X = [[x ** k for k in range(11)] for x in xs]          # Python floats: rounded powers
    beta = [1.0, 0.5, -0.25, 0.125, 2.0 ** -5, -2.0 ** -7, 2.0 ** -9, 2.0 ** -12,
            -2.0 ** -14, 2.0 ** -17, 2.0 ** -20]
    y = []
    for row in X:
        v = sum(Fraction(b) * Fraction(c) for b, c in zip(beta, row))
        y.append(float(v) + dyadic(rng, 1.0))
    return X, y


def longley_like():
    # 16 "years"; six economic-style predictors that all follow one trend
    rng = random.Random(1947)
    X, y = [], []
    for t in range(16):
        deflator = 83.0 + 2.5 * t + rng.randint(-8, 8) / 8.0
        gnp = 234289.0 + 20000.0 * t + rng.randint(-3000, 3000)
        unemployed = 2356.0 + 100.0 * t + rng.randint(-800, 800)
        armed = 1590.0 + 60.0 * t + rng.randint(-500, 500)
        population = 107608.0 + 1700.0 * t + rng.randint(-100, 100)
        year = 1947.0 + t
        X.append([1.0, deflator, gnp, unemployed, armed, population, year])
        y.append(60323.0 + 650.0 * t + rng.randint(-400, 400))
    return X, y


def well_conditioned():
    rng = random.Random(7)
    X, y = [], []
    for i in range(50):
        x1, x2, x3 = rng.randint(-20, 20), rng.randint(0, 40) / 4.0, rng.randint(-64, 64) / 8.0
        X.append([1.0, float(x1), x2, x3])
        y.append(2.0 + 0.5 * x1 - 1.25 * x2 + 3.0 * x3 + dyadic(rng, 4.0))
    return X, y


def tiny(n, seed):
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        x1, x2 = float(i), float(rng.randint(-4, 4))
        X.append([1.0, x1, x2])
        y.append(1.0 + 2.0 * x1 - 0.5 * x2 + dyadic(rng, 2.0, bits=4))
    return X, y


def exact_ridge(X, y, lam, intercept):
    """Ridge in exact arithmetic: (Xc'Xc + n lam I) b = Xc'yc on centred data when the
    first column is the intercept (left unpenalised), on the raw data otherwise."""
    n = len(X)
    Xf = [[Fraction(v) for v in row] for row in X]
    yf = [Fraction(v) for v in y]
    if intercept:
        Z = [row[1:] for row in Xf]
        q = len(Z[0])
        zm = [sum(r[j] for r in Z) / n for j in range(q)]
        ym = sum(yf) / n
        Z = [[r[j] - zm[j] for j in range(q)] for r in Z]
        yc = [v - ym for v in yf]
    else:
        Z, q, yc = Xf, len(Xf[0]), yf
    A = [[sum(Z[i][j] * Z[i][k] for i in range(n)) + (n * lam if j == k else 0) for k in range(q)]
         + [sum(Z[i][j] * yc[i] for i in range(n))] for j in range(q)]
    for c in range(q):
        piv = A[c][c]
        A[c] = [v / piv for v in A[c]]
        for r in range(q):
            if r != c and A[r][c] != 0:
                f = A[r][c]
                A[r] = [a - f * b for a, b in zip(A[r], A[c])]
    b = [A[j][q] for j in range(q)]
    if intercept:
        return [ym - sum(zm[j] * b[j] for j in range(q))] + b
    return b


def check_ridge(name, X, y, lam, need):
    intercept = all(row[0] == 1 for row in X)
    load(name, X, y)
    got = parse_array(psql("SET extra_float_digits = 3;\nSELECT mlops.ridge_coef(mlops.fit_state(y, x), %r) FROM %s;\n"
                           % (float(lam), name)))
    ex = exact_ridge(X, y, Fraction(lam), intercept)
    ds = [digits(got[j], dec(ex[j])) for j in range(len(ex))]
    m = min(ds)
    summary.append((name, "ridge coef", m))
    print("\n== %s: ridge, lambda = %s, coefficient digits: %s" % (name, lam, " ".join(fmt_digits(d) for d in ds)))
    if m < need:
        fail("%s: ridge coefficients have only %s correct digits (need %d)" % (name, fmt_digits(m), need))


def main():
    lib.require_cluster()
    db.create()

    for label, X, y in polynomial_problems():
        # At cond(X) = 7e14 a double-precision QR without refinement keeps about
        # 16 - log10(cond) digits for coefficients that are small next to their
        # standard errors; 7 is the bar the design sets for cond(X) near 1e15.
        check_problem(label, X, y, need_digits=DIGITS_REQUIRED_NEAR_1E15 if "_x60_" in label else None)
    X, y = poly10()
    check_problem("poly10", X, y, need_digits=DIGITS_REQUIRED_NEAR_1E15)
    X, y = longley_like()
    check_problem("longley_like", X, y)
    X, y = well_conditioned()
    check_problem("well_conditioned", X, y)
    # the same without the intercept column: R² must be uncentred
    check_problem("no_intercept", [row[1:] for row in X], y, intercept=False)
    # tiny problems: residual df 1 and 2 (closed-form t and F p-values), then 7
    X, y = tiny(4, 41)
    check_problem("tiny_df1", X, y, closed_form_p=True)
    X, y = tiny(5, 52)
    check_problem("tiny_df2", X, y, closed_form_p=True)
    X, y = tiny(10, 107)
    check_problem("tiny_df7", X, y)
    # intercept and one slope: df 1 and 2, F with d1 = 1
    X, y = tiny(3, 31)
    check_problem("line_df1", [r[:2] for r in X], y, closed_form_p=True)
    X, y = tiny(4, 42)
    check_problem("line_df2", [r[:2] for r in X], y, closed_form_p=True)

    # ridge from the state against exact arithmetic (lambda exact in binary)
    for label, X, y in polynomial_problems()[:2]:
        check_ridge(label + "_ridge", X, y, 0.125, 12)
    X, y = longley_like()
    check_ridge("longley_like_ridge", X, y, 2.0, 12)
    X, y = well_conditioned()
    check_ridge("well_conditioned_ridge", X, y, 0.5, 12)
    check_ridge("no_intercept_ridge", [row[1:] for row in X], y, 0.5, 12)

    print("\nminimum correct significant digits (-log10 |relative error|):")
    quantities = ["coef", "std_err", "t_stats", "vcov", "r2", "residual_sd", "f_statistic",
                  "train coef", "coef unrefined"]
    problems = []
    for n, _, _ in summary:
        if n not in problems:
            problems.append(n)
    print("   %-22s" % "problem" + "".join("%15s" % q for q in quantities + ["ridge coef"]))
    table = {(n, q): d for n, q, d in summary}
    for n in problems:
        print("   %-22s" % n + "".join("%15s" % (fmt_digits(table[(n, q)]) if (n, q) in table else "-")
                                       for q in quantities + ["ridge coef"]))

    return lib.finish("010_accuracy", db)


if __name__ == "__main__":
    sys.exit(main())
