#!/usr/bin/python3
"""Categorical and imputed features of mlops.train against statsmodels on a design built here.

The data (seeded, 600 rows): a text feature with six levels (upper and lower case, a
space, an accented letter: their byte order is what mlops sorts by), an enum whose order
is not alphabetical, a boolean, a numeric feature with NULL on about one row in eight and a
second numeric feature; the target is a linear function of them plus noise.  The design is
built here, independently of mlops, by hand in numpy: one 0/1 column per level but the
first (levels sorted as Python sorts str, which is code point order, the same as byte order
in UTF-8; the enum in its declared order; False before True), the numeric columns as they
are.

Cases, each compared to a relative difference of 1e-9 (coefficients and standard errors
against statsmodels OLS on that design; predictions against the design times mlops'
coefficients):

  1. skip:        nulls => "skip" (rows with a NULL x1 leave the fit), with an intercept.
  2. impute_mean: nulls => "impute_mean": NULL x1 replaced by numpy's mean of x1 over the
                  rows (1e-12 relative for the mean itself).
  3. no intercept: the first categorical feature coded with every level (R's and patsy's
                  full-rank coding without a constant), the others with a reference level.

For each case: models.coefficients and statistics.std_err against statsmodels' params and
bse; the encoding's levels and reference against the levels computed here; then
mlops.predict(project, record) on every row of the table and on rows with levels the model
has not seen (all zeros in the design) and with NULL x1 (the mean, when imputed), against
the design here times mlops' coefficients; and mlops.predict(project, float8[]) on the design
rows built here.  Unseen levels must be counted by mlops.predict_unseen_levels().

Runs against the cluster named by PGHOST/PGPORT/PGUSER in its own database.
"""

import json
import os
import sys

import numpy as np
import statsmodels.api as sm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lib  # noqa: E402
from lib import fail, sql_literal  # noqa: E402

DB = "mlops_t_categorical"
RTOL = 1e-9
RTOL_MEAN = 1e-12
N = 600
COLORS = ["red", "Red", "green", "blue", "light blue", "écru"]
SIZES = ["small", "medium", "large", "xl"]          # the enum's order
EFFECT_COLOR = {"red": 1.5, "Red": -0.5, "green": 2.0, "blue": 0.0, "light blue": 3.25, "écru": -2.0}
EFFECT_SIZE = {"small": 0.0, "medium": 0.75, "large": 1.25, "xl": -1.0}

# jsonb_rows(sql): one jsonb value per output line; float8 reaches jsonb in its shortest exact form
db = lib.Database(DB, preamble=lib.FLOAT_DIGITS)
psql, jsonb_rows = db.psql, db.jsonb_rows

# compare: vectors, element by element; where an expected element is 0, the absolute
# difference is taken for the relative one
checks = lib.Checks(RTOL, absolute_at_zero=True)
compare = checks.compare


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def make_data():
    rng = np.random.default_rng(64)
    color = [COLORS[k] for k in rng.integers(0, len(COLORS), N)]
    size = [SIZES[k] for k in rng.integers(0, len(SIZES), N)]
    flag = [bool(b) for b in rng.integers(0, 2, N)]
    x1 = [None if rng.random() < 0.125 else float(np.round(rng.normal(5, 2), 6)) for _ in range(N)]
    x2 = [int(v) for v in rng.integers(-20, 21, N)]
    y = []
    for i in range(N):
        v = (3.0 + EFFECT_COLOR[color[i]] + EFFECT_SIZE[size[i]] + (1.75 if flag[i] else 0.0)
             + 0.5 * (x1[i] if x1[i] is not None else 5.0) - 0.125 * x2[i] + rng.normal(0, 0.5))
        y.append(float(v))
    return {"color": color, "size": size, "flag": flag, "x1": x1, "x2": x2, "y": y}


def load_table(d):
    values = ",\n".join(
        "(%d, %s, %s, %s, %s, %d, %r)" % (
            i, sql_literal(d["color"][i]), sql_literal(d["size"][i]), "true" if d["flag"][i] else "false",
            "NULL" if d["x1"][i] is None else repr(d["x1"][i]), d["x2"][i], d["y"][i])
        for i in range(N))
    psql("CREATE TYPE size AS ENUM (%s);\n" % ", ".join(sql_literal(s) for s in SIZES)
         + "CREATE TABLE cars (id int PRIMARY KEY, color text, size size, flag boolean, "
           "x1 float8, x2 int, y float8);\n"
         + "INSERT INTO cars VALUES\n%s;\n" % values)


# ---------------------------------------------------------------------------
# the design, built here
# ---------------------------------------------------------------------------

def levels_of(d):
    """Levels in mlops' order: str sort (code points), the enum's order, False first."""
    return {"color": sorted(set(d["color"])),
            "size": [s for s in SIZES if s in set(d["size"])],
            "flag": [v for v in (False, True) if v in set(d["flag"])]}


def design(rows, levels, intercept, impute):
    """rows: dicts with color, size, flag, x1, x2.  Returns (X, names); a row whose x1 is
    NULL without imputation gives None for the whole row."""
    X = []
    names = (["(intercept)"] if intercept else [])
    full = None if intercept else "color"       # full coding for the first categorical
    for f in ("color", "size", "flag"):
        levs = levels[f] if f == full else levels[f][1:]
        names += ["%s=%s" % (f, (("true" if v else "false") if f == "flag" else v)) for v in levs]
    names += ["x1", "x2"]
    for r in rows:
        x1 = r["x1"]
        if x1 is None:
            if impute is None:
                X.append(None)
                continue
            x1 = impute
        row = [1.0] if intercept else []
        for f in ("color", "size", "flag"):
            levs = levels[f] if f == full else levels[f][1:]
            row += [1.0 if r[f] == v else 0.0 for v in levs]
        row += [float(x1), float(r["x2"])]
        X.append(row)
    return X, names


# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------

def check_case(case, d, levels, params, intercept, impute):
    rows = [{k: d[k][i] for k in ("color", "size", "flag", "x1", "x2")} for i in range(N)]
    X, names = design(rows, levels, intercept, impute)
    keep = [i for i in range(N) if X[i] is not None]
    A = np.array([X[i] for i in keep])
    yv = np.array([d["y"][i] for i in keep])
    fit = sm.OLS(yv, A).fit()

    out = jsonb_rows(
        "SELECT count(*) FROM mlops.train('%s', 'cars', 'y', ARRAY['color', 'size', 'flag', 'x1', 'x2'], "
        "params => '%s', test_fraction => 0, deploy => 'always') \\g /dev/null\n"
        "SELECT jsonb_build_object('coef', m.coefficients, 'se', m.statistics -> 'std_err', "
        "'n', m.n_rows, 'enc', m.encoding) "
        "FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE p.name = '%s';\n"
        % (case, json.dumps(params), case))[0]
    if out["n"] != len(keep):
        fail("%s: n_rows %r, expected %d" % (case, out["n"], len(keep)))
    compare(case, "coefficients", out["coef"], fit.params)
    compare(case, "std_err", out["se"], fit.bse)

    # the encoding: levels and reference as computed here, the imputed mean
    enc = out["enc"]
    for j, f in enumerate(("color", "size", "flag")):
        want = [("true" if v else "false") if f == "flag" else v for v in levels[f]]
        e = enc[j]
        got = ([] if e["reference"] is None else [e["reference"]]) + e["levels"]
        if got != want or (e["reference"] is None) != (not intercept and f == "color"):
            fail("%s: levels of %s are %r (reference %r), expected %r"
                 % (case, f, e["levels"], e["reference"], want))
    if impute is not None:
        compare(case, "imputed mean", [enc[3].get("impute")], [impute], RTOL_MEAN)
    elif "impute" in enc[3]:
        fail("%s: x1 has an imputed mean without impute_mean" % case)

    # predict(project, record) on every row, and on rows with unseen levels and NULL x1
    coef = np.array(out["coef"], dtype=float)
    extra = [{"color": "purple", "size": "large", "flag": True, "x1": 1.5, "x2": 3},
             {"color": "RED", "size": "small", "flag": False, "x1": -2.0, "x2": -7},
             {"color": "blue", "size": "xl", "flag": True, "x1": None, "x2": 11}]
    allrows = rows + extra
    Xall, _ = design(allrows, levels, intercept, impute)
    usable = [i for i in range(len(allrows)) if Xall[i] is not None]
    want = [float(np.dot(np.array(Xall[i]), coef)) for i in usable]
    # (the counts are the session's: one psql session for the predictions and the count)
    lines = psql(
        "SELECT count(*) FROM mlops.predict_unseen_levels(reset => true) \\g /dev/null\n"
        "SELECT mlops.predict('%s', r) FROM (SELECT id, color, size, flag, x1, x2 FROM cars UNION ALL "
        "SELECT * FROM (VALUES %s) v(id, color, size, flag, x1, x2)) r "
        "WHERE %s ORDER BY id;\n"
        "SELECT 'unseen ' || coalesce(jsonb_agg(jsonb_build_object('f', feature, 'n', unseen)), '[]')::text "
        "FROM mlops.predict_unseen_levels() WHERE project = '%s';\n" % (
            case,
            ", ".join("(%d, %s, %s::size, %s, %s::float8, %d)" % (
                N + k, sql_literal(r["color"]), sql_literal(r["size"]), "true" if r["flag"] else "false",
                "NULL" if r["x1"] is None else repr(r["x1"]), r["x2"]) for k, r in enumerate(extra)),
            "true" if impute is not None else "x1 IS NOT NULL", case)).splitlines()
    got = [float(v) for v in lines[:-1]]
    compare(case, "predict(record)", got, want)
    unseen = json.loads(lines[-1][len("unseen "):])
    if unseen != [{"f": "color", "n": 2}]:
        fail("%s: unseen levels counted %r, expected color twice" % (case, unseen))

    # predict(project, float8[]) on the design rows built here; NULL x1 when imputed
    arrays = []
    for i in usable:
        x = list(Xall[i][1:] if intercept else Xall[i])
        if impute is not None and allrows[i]["x1"] is None:
            x[names.index("x1") - (1 if intercept else 0)] = None
        arrays.append("(%d, ARRAY[%s]::float8[])" % (i, ", ".join("NULL" if v is None else repr(v) for v in x)))
    got = [float(v) for v in psql(
        "SELECT mlops.predict('%s', a) FROM (VALUES %s) v(o, a) ORDER BY o;\n" % (case, ", ".join(arrays))).split()]
    compare(case, "predict(float8[])", got, want)
    print("%-12s n = %d, %d coefficients: %s" % (case, len(keep), len(coef), ", ".join(names)))


def main():
    lib.require_cluster()
    d = make_data()
    db.create()
    load_table(d)
    levels = levels_of(d)
    x1 = np.array([v for v in d["x1"] if v is not None])
    mean = float(np.mean(x1))

    check_case("skip", d, levels, {}, True, None)
    check_case("impute_mean", d, levels, {"nulls": "impute_mean"}, True, mean)
    check_case("no_intercept", d, levels, {"intercept": False}, False, None)

    print("\n%-14s %-20s %12s %10s" % ("case", "quantity", "worst rel.", "tolerance"))
    for case, q, dv, tol, _ in checks.rows:
        print("%-14s %-20s %12.3g %10g%s" % (case, q, dv, tol, "" if dv <= tol else "  *"))
    return lib.finish("064_categorical", db)


if __name__ == "__main__":
    sys.exit(main())
