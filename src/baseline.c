/*
 * baseline.c
 *		Bin counts of training values against the quantile edges of a baseline.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_bin_counts_accum);
PG_FUNCTION_INFO_V1(mlops_bin_counts_combine);

static ArrayType *
NewCounts(int k, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum	   *zeros = palloc(sizeof(Datum) * k);
	ArrayType  *a;

	for (int i = 0; i < k; i++)
		zeros[i] = Int64GetDatum(0);
	a = construct_array(zeros, k, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	MemoryContextSwitchTo(old);
	return a;
}

/* (counts, edges, value): one more value in its bin; NULL values are not counted. */
Datum
mlops_bin_counts_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ArrayType  *edges;
	ArrayType  *counts;
	int			nedges;
	double		v;

	aggcxt = MlopsAggContext(fcinfo, "mlops.bin_counts_accum");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bin edges must not be NULL")));
	edges = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_ELEMTYPE(edges) != FLOAT8OID || ARR_NDIM(edges) > 1 || ARR_HASNULL(edges))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bin edges must be a one-dimensional float8[] without NULLs")));
	nedges = ArrayGetNItems(ARR_NDIM(edges), ARR_DIMS(edges));
	if (PG_ARGISNULL(0))
	{
		/* the edges, once: ascending, not NaN */
		const double *e = (const double *) ARR_DATA_PTR(edges);

		for (int i = 0; i < nedges; i++)
			if (isnan(e[i]) || (i > 0 && e[i] < e[i - 1]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("bin edges must be ascending and not NaN")));
	}
	counts = PG_ARGISNULL(0) ? NewCounts(nedges + 1, aggcxt) : PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(counts) != 1 || ARR_HASNULL(counts) || ARR_ELEMTYPE(counts) != INT8OID ||
		ARR_DIMS(counts)[0] != nedges + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the bin edges changed from row to row")));
	if (PG_ARGISNULL(2))
		PG_RETURN_POINTER(counts);
	v = PG_GETARG_FLOAT8(2);
	if (isnan(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot bin a NaN value")));
	((int64 *) ARR_DATA_PTR(counts))[MlopsBinIndex((const double *) ARR_DATA_PTR(edges), nedges, v)]++;
	PG_RETURN_POINTER(counts);
}

Datum
mlops_bin_counts_combine(PG_FUNCTION_ARGS)
{
	Datum		result;
	ArrayType  *a;
	ArrayType  *b;
	int			k;

	if (CombineArrayStates(fcinfo, "mlops.bin_counts_combine", &a, &b, &result))
		return result;
	k = ARR_DIMS(a)[0];
	if (ARR_NDIM(a) != 1 || ARR_NDIM(b) != 1 || ARR_DIMS(b)[0] != k || ARR_HASNULL(a) || ARR_HASNULL(b) ||
		ARR_ELEMTYPE(a) != INT8OID || ARR_ELEMTYPE(b) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine bin counts of different lengths")));
	for (int i = 0; i < k; i++)
		((int64 *) ARR_DATA_PTR(a))[i] += ((const int64 *) ARR_DATA_PTR(b))[i];
	PG_RETURN_POINTER(a);
}

/* ------------------------------------------------------------------------
 * mlops.baseline_stats(edges, coef, intercept, VARIADIC "any") and
 * (edges, coef, intercept, x float8[]): the baselines of a model in one
 * aggregate, for the prediction (ordinal 0) and every feature (ordinals 1..p).
 *
 * edges is a float8[p+1][k-1] of ascending inner edges; the x arguments are
 * those of the fit (a first column of ones when intercept is true, which is not
 * a feature).  The state is a float8[] with, per ordinal: n, n_null, mean, M2
 * (Welford), min, max, then the k bin counts; the final value is that array as
 * float8[p+1][k+6].  NULL and NaN values count as NULL; a row with one has no
 * prediction.
 */
PG_FUNCTION_INFO_V1(mlops_baseline_stats_accum);
PG_FUNCTION_INFO_V1(mlops_baseline_stats_accum_array);
PG_FUNCTION_INFO_V1(mlops_baseline_stats_combine);
PG_FUNCTION_INFO_V1(mlops_baseline_stats_final);

#define BS_N		0
#define BS_NNULL	1
#define BS_MEAN		2
#define BS_M2		3
#define BS_MIN		4
#define BS_MAX		5
#define BS_BINS		6

/* The state array's header: ordinals, bins; then ordinals * (k + 6) values. */
#define BS_HEADER	2

static double *BaselineOf(ArrayType *a, int *nord, int *k);

static ArrayType *
BaselineState(FunctionCallInfo fcinfo, int *nord, int *k, const double **edges)
{
	MemoryContext aggcxt;
	ArrayType  *ea;
	ArrayType  *st;

	aggcxt = MlopsAggContext(fcinfo, "mlops.baseline_stats");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("edges, coefficients and intercept must not be NULL")));
	ea = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_ELEMTYPE(ea) != FLOAT8OID || ARR_NDIM(ea) != 2 || ARR_HASNULL(ea) || ARR_DIMS(ea)[1] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("edges must be a two-dimensional float8[] (ordinals x inner edges) without NULLs")));
	*nord = ARR_DIMS(ea)[0];
	*k = ARR_DIMS(ea)[1] + 1;
	*edges = (const double *) ARR_DATA_PTR(ea);
	if (PG_ARGISNULL(0))
	{
		/* the edges, once: ascending in every row, not NaN */
		for (int o = 0; o < *nord; o++)
			for (int i = 0; i < *k - 1; i++)
			{
				double		e = (*edges)[(Size) o * (*k - 1) + i];

				if (isnan(e) || (i > 0 && e < (*edges)[(Size) o * (*k - 1) + i - 1]))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("bin edges must be ascending and not NaN")));
			}
	}
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);
		int			len = BS_HEADER + *nord * (*k + BS_BINS);
		Datum	   *d = palloc(sizeof(Datum) * len);

		for (int i = 0; i < len; i++)
			d[i] = Float8GetDatum(0.0);
		st = construct_array(d, len, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
		((double *) ARR_DATA_PTR(st))[0] = *nord;
		((double *) ARR_DATA_PTR(st))[1] = *k;
		for (int o = 0; o < *nord; o++)
		{
			double	   *s = (double *) ARR_DATA_PTR(st) + BS_HEADER + o * (*k + BS_BINS);

			s[BS_MIN] = INFINITY;
			s[BS_MAX] = -INFINITY;
		}
		MemoryContextSwitchTo(old);
		return st;
	}
	st = PG_GETARG_ARRAYTYPE_P(0);
	{
		int			n2,
					k2;

		(void) BaselineOf(st, &n2, &k2);
		if (n2 != *nord || k2 != *k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the edges changed from row to row")));
	}
	return st;
}

/* The doubles of a baseline_stats state, after checking its layout. */
static double *
BaselineOf(ArrayType *a, int *nord, int *k)
{
	const double *s;
	int			len;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		goto bad;
	len = ARR_DIMS(a)[0];
	if (len < BS_HEADER)
		goto bad;
	s = (const double *) ARR_DATA_PTR(a);
	if (!(s[0] >= 1 && s[0] <= MLOPS_MAX_COLUMNS + 1 && s[0] == floor(s[0])) ||
		!(s[1] >= 2 && s[1] <= 10000 && s[1] == floor(s[1])))
		goto bad;
	*nord = (int) s[0];
	*k = (int) s[1];
	if ((int64) len != BS_HEADER + (int64) *nord * (*k + BS_BINS))
		goto bad;
	return (double *) ARR_DATA_PTR(a);
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid mlops.baseline_stats state")));
	return NULL;				/* keep compiler quiet */
}

static inline void
BaselineAdd(double *s, int k, const double *edges, double v)
{
	double		delta;

	s[BS_N] += 1.0;
	delta = v - s[BS_MEAN];
	s[BS_MEAN] += delta / s[BS_N];
	s[BS_M2] += delta * (v - s[BS_MEAN]);
	if (v < s[BS_MIN])
		s[BS_MIN] = v;
	if (v > s[BS_MAX])
		s[BS_MAX] = v;
	s[BS_BINS + MlopsBinIndex(edges, k - 1, v)] += 1.0;
}

/* One row: x[0..nx) as in the fit, isnull per column. */
static void
BaselineRow(ArrayType *st, int nord, int k, const double *edges, const double *coef, int ncoef,
			bool intercept, const double *x, const bool *isnull, int nx)
{
	double	   *base = (double *) ARR_DATA_PTR(st) + BS_HEADER;
	int			off = intercept ? 1 : 0;
	bool		complete = true;
	double		pred = 0.0;

	if (nx != ncoef || nx - off != nord - 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%d columns of x for %d coefficients and %d baselines", nx, ncoef, nord)));
	for (int j = 0; j < nx; j++)
	{
		if (isnull[j] || isnan(x[j]))
		{
			complete = false;
			if (j >= off)
				base[(j - off + 1) * (k + BS_BINS) + BS_NNULL] += 1.0;
			continue;
		}
		pred += coef[j] * x[j];
		if (j >= off)
			BaselineAdd(base + (j - off + 1) * (k + BS_BINS), k, edges + (Size) (j - off + 1) * (k - 1), x[j]);
	}
	if (complete && isfinite(pred))
		BaselineAdd(base, k, edges, pred);
	else
		base[BS_NNULL] += 1.0;
}

static const double *
BaselineCoef(FunctionCallInfo fcinfo, int *ncoef)
{
	ArrayType  *c = PG_GETARG_ARRAYTYPE_P(2);

	if (ARR_ELEMTYPE(c) != FLOAT8OID || ARR_NDIM(c) != 1 || ARR_HASNULL(c))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("coefficients must be a one-dimensional float8[] without NULLs")));
	*ncoef = ARR_DIMS(c)[0];
	return (const double *) ARR_DATA_PTR(c);
}

/* (state, edges, coef, intercept, VARIADIC "any"): x as float8 arguments */
Datum
mlops_baseline_stats_accum(PG_FUNCTION_ARGS)
{
	int			nord,
				k,
				ncoef;
	const double *edges;
	ArrayType  *st = BaselineState(fcinfo, &nord, &k, &edges);
	const double *coef = BaselineCoef(fcinfo, &ncoef);
	int			nx = PG_NARGS() - 4;
	double		xbuf[100];
	bool		nbuf[100];

	if (nx > (int) lengthof(xbuf))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("mlops.baseline_stats takes at most %d columns as arguments", (int) lengthof(xbuf))));
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		MlopsCheckFloat8Args(fcinfo, 4, 1, "mlops.baseline_stats");
		fcinfo->flinfo->fn_extra = fcinfo->flinfo;
	}
	for (int j = 0; j < nx; j++)
	{
		nbuf[j] = PG_ARGISNULL(j + 4);
		xbuf[j] = nbuf[j] ? 0.0 : PG_GETARG_FLOAT8(j + 4);
	}
	BaselineRow(st, nord, k, edges, coef, ncoef, PG_GETARG_BOOL(3), xbuf, nbuf, nx);
	PG_RETURN_POINTER(st);
}

/* (state, edges, coef, intercept, x float8[]) */
Datum
mlops_baseline_stats_accum_array(PG_FUNCTION_ARGS)
{
	int			nord,
				k,
				ncoef;
	const double *edges;
	ArrayType  *st = BaselineState(fcinfo, &nord, &k, &edges);
	const double *coef = BaselineCoef(fcinfo, &ncoef);
	ArrayType  *xa;
	Datum	   *xd;
	bool	   *xn;
	double	   *x;
	int			nx;

	if (PG_ARGISNULL(4))
	{
		/* every column NULL */
		bool	   *allnull = palloc(sizeof(bool) * ncoef);
		double	   *zero = palloc0(sizeof(double) * ncoef);

		for (int j = 0; j < ncoef; j++)
			allnull[j] = true;
		BaselineRow(st, nord, k, edges, coef, ncoef, PG_GETARG_BOOL(3), zero, allnull, ncoef);
		PG_RETURN_POINTER(st);
	}
	xa = PG_GETARG_ARRAYTYPE_P(4);
	if (ARR_ELEMTYPE(xa) != FLOAT8OID || ARR_NDIM(xa) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional float8[]")));
	deconstruct_array(xa, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &xd, &xn, &nx);
	x = palloc(sizeof(double) * Max(nx, 1));
	for (int j = 0; j < nx; j++)
		x[j] = xn[j] ? 0.0 : DatumGetFloat8(xd[j]);
	BaselineRow(st, nord, k, edges, coef, ncoef, PG_GETARG_BOOL(3), x, xn, nx);
	PG_RETURN_POINTER(st);
}

Datum
mlops_baseline_stats_combine(PG_FUNCTION_ARGS)
{
	Datum		result;
	ArrayType  *a;
	ArrayType  *b;
	double	   *sa;
	const double *sb;
	int			nord,
				k;

	if (CombineArrayStates(fcinfo, "mlops.baseline_stats_combine", &a, &b, &result))
		return result;
	{
		int			n2,
					k2;

		sa = BaselineOf(a, &nord, &k);
		sb = BaselineOf(b, &n2, &k2);
		if (n2 != nord || k2 != k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot combine baseline states of different shapes")));
	}
	for (int o = 0; o < nord; o++)
	{
		double	   *x = sa + BS_HEADER + o * (k + BS_BINS);
		const double *y = sb + BS_HEADER + o * (k + BS_BINS);
		double		n = x[BS_N] + y[BS_N];

		if (y[BS_N] > 0)
		{
			double		delta = y[BS_MEAN] - x[BS_MEAN];

			x[BS_M2] += y[BS_M2] + delta * delta * x[BS_N] * y[BS_N] / n;
			x[BS_MEAN] += delta * y[BS_N] / n;
			x[BS_N] = n;
		}
		x[BS_NNULL] += y[BS_NNULL];
		x[BS_MIN] = Min(x[BS_MIN], y[BS_MIN]);
		x[BS_MAX] = Max(x[BS_MAX], y[BS_MAX]);
		for (int b2 = 0; b2 < k; b2++)
			x[BS_BINS + b2] += y[BS_BINS + b2];
	}
	PG_RETURN_POINTER(a);
}

/* float8[ordinals][k + 6]: n, n_null, mean, sd (sample; NULL below 2 values), min, max, counts */
Datum
mlops_baseline_stats_final(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	const double *s;
	int			nord,
				k,
				width;
	Datum	   *d;
	bool	   *nulls;
	int			dims[2];
	int			lbs[2] = {1, 1};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = PG_GETARG_ARRAYTYPE_P(0);
	s = BaselineOf(a, &nord, &k);
	width = k + BS_BINS;
	d = palloc(sizeof(Datum) * nord * width);
	nulls = palloc0(sizeof(bool) * nord * width);
	for (int o = 0; o < nord; o++)
	{
		const double *x = s + BS_HEADER + o * width;
		Datum	   *row = d + o * width;
		bool	   *rn = nulls + o * width;

		row[BS_N] = Float8GetDatum(x[BS_N]);
		row[BS_NNULL] = Float8GetDatum(x[BS_NNULL]);
		row[BS_MEAN] = Float8GetDatum(x[BS_MEAN]);
		rn[BS_MEAN] = !(x[BS_N] > 0);
		row[BS_M2] = Float8GetDatum(x[BS_N] > 1 ? sqrt(Max(x[BS_M2], 0.0) / (x[BS_N] - 1)) : 0.0);
		rn[BS_M2] = !(x[BS_N] > 1);
		row[BS_MIN] = Float8GetDatum(x[BS_MIN]);
		rn[BS_MIN] = !(x[BS_N] > 0);
		row[BS_MAX] = Float8GetDatum(x[BS_MAX]);
		rn[BS_MAX] = !(x[BS_N] > 0);
		for (int b = 0; b < k; b++)
			row[BS_BINS + b] = Float8GetDatum(x[BS_BINS + b]);
	}
	dims[0] = nord;
	dims[1] = width;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, nulls, 2, dims, lbs, FLOAT8OID, sizeof(float8),
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
