/*
 * refine.c
 *		Iterative refinement of least-squares fits in double-double arithmetic.
 *
 *		The streaming QR gives R, the triangular factor of [X | y], in double
 *		precision.  Its coefficients lose about log10 of the (column-scaled)
 *		condition number of X in digits.  Refinement takes them back: with
 *		residuals r = y - X b and gradients g = X'W r summed in double-double
 *		(about 32 digits), the correction d solves R'R d = g with the double
 *		R, and b + d is closer to the exact solution by a factor of about
 *		cond(X) * 2^-53 per step (the corrected seminormal equations).  The
 *		unscaled covariance (X'WX)^-1 is refined the same way against the Gram
 *		matrix summed in double-double.
 *
 *		ols_fit refines in its final function from the rows it kept (while they
 *		fit in mlops.refine_memory); train, which keeps no rows, refines with an
 *		extra scan through the aggregate mlops.residual_moments.  Either runs
 *		only when the scaled condition number passes mlops.refine_condition.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_residual_moments_accum);
PG_FUNCTION_INFO_V1(mlops_residual_moments_accum_array);
PG_FUNCTION_INFO_V1(mlops_residual_moments_combine);
PG_FUNCTION_INFO_V1(mlops_residual_moments_final);
PG_FUNCTION_INFO_V1(mlops_ols_result_refined);
PG_FUNCTION_INFO_V1(mlops_refinement_wanted);

/* GUCs */
int			mlops_refine_memory = 16384;	/* kB of rows ols_fit may keep */
double		mlops_refine_condition = 100;	/* scaled condition number that calls for it */

/* Refinement stops after this many steps, or when a step stops helping. */
#define MAX_STEPS			30
#define MAX_COV_STEPS		10

void
RefineDefineGucs(void)
{
	DefineCustomIntVariable("mlops.refine_memory",
							"Memory for the rows ols_fit keeps to refine its fit in extended precision.",
							"0 keeps no rows: ols_fit then gives the double-precision QR solution.",
							&mlops_refine_memory,
							16384, 0, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomRealVariable("mlops.refine_condition",
							 "Condition number of the column-scaled design matrix above which fits are refined.",
							 NULL,
							 &mlops_refine_condition,
							 100, 1.0, 1e300,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

/* ------------------------------------------------------------------------
 * Double-double arithmetic: a value is hi + lo with |lo| <= ulp(hi)/2.
 * The error-free transformations need IEEE double rounding without
 * contraction into fused multiply-adds (the Makefile passes -ffp-contract=off).
 */
typedef struct DD
{
	double		hi;
	double		lo;
} DD;

static inline DD
dd(double a)
{
	DD			r = {a, 0.0};

	return r;
}

static inline DD
quick_two_sum(double a, double b)
{
	DD			r;

	r.hi = a + b;
	r.lo = b - (r.hi - a);
	return r;
}

static inline DD
two_sum(double a, double b)
{
	DD			r;
	double		bb;

	r.hi = a + b;
	bb = r.hi - a;
	r.lo = (a - (r.hi - bb)) + (b - bb);
	return r;
}

static inline DD
two_prod(double a, double b)
{
	DD			r;

	r.hi = a * b;
	r.lo = fma(a, b, -r.hi);
	return r;
}

static inline DD
dd_add(DD a, DD b)
{
	DD			s = two_sum(a.hi, b.hi);
	DD			t = two_sum(a.lo, b.lo);

	s.lo += t.hi;
	s = quick_two_sum(s.hi, s.lo);
	s.lo += t.lo;
	return quick_two_sum(s.hi, s.lo);
}

static inline DD
dd_neg(DD a)
{
	DD			r = {-a.hi, -a.lo};

	return r;
}

static inline DD
dd_mul_d(DD a, double b)
{
	DD			p = two_prod(a.hi, b);

	p.lo += a.lo * b;
	return quick_two_sum(p.hi, p.lo);
}

static inline DD
dd_mul(DD a, DD b)
{
	DD			p = two_prod(a.hi, b.hi);

	p.lo += a.hi * b.lo + a.lo * b.hi;
	return quick_two_sum(p.hi, p.lo);
}

static inline DD
dd_div(DD a, DD b)
{
	double		q1 = a.hi / b.hi;
	DD			r = dd_add(a, dd_neg(dd_mul_d(b, q1)));
	double		q2 = r.hi / b.hi;
	double		q3;

	r = dd_add(r, dd_neg(dd_mul_d(b, q2)));
	q3 = r.hi / b.hi;
	return dd_add(quick_two_sum(q1, q2), dd(q3));
}

static inline double
dd_round(DD a)
{
	return a.hi + a.lo;
}

/* r = y - sum_k x[pos[k]] b[k], in double-double. */
static inline DD
Residual(const double *x, const int *pos, int p, const double *b, double y)
{
	DD			r = dd(y);

	for (int k = 0; k < p; k++)
		r = dd_add(r, dd_neg(two_prod(x[pos ? pos[k] : k], b[k])));
	return r;
}

/* ------------------------------------------------------------------------
 * The condition number that decides: that of X with its columns scaled to
 * unit length, which is what Householder QR's error depends on.
 */
double
ScaledConditionNumber(const double *R, int ldr, int p)
{
	double	   *a = palloc0(sizeof(double) * p * p);
	double	   *sv = palloc(sizeof(double) * p);
	double		cond;

	for (int j = 0; j < p; j++)
	{
		double		ss = 0.0;
		double		norm;

		for (int i = 0; i <= j; i++)
			ss += R[i + (Size) j * ldr] * R[i + (Size) j * ldr];
		norm = sqrt(ss);
		for (int i = 0; i <= j; i++)
			a[i + (Size) j * p] = norm > 0 ? R[i + (Size) j * ldr] / norm : 0.0;
	}
	LinalgSingularValues(a, p, p, sv);
	cond = sv[p - 1] > 0 ? sv[0] / sv[p - 1] : INFINITY;
	pfree(a);
	pfree(sv);
	return cond;
}

/* d := (R'R)^-1 g, R the leading p x p of an array with leading dimension ldr. */
static void
SeminormalSolve(const double *R, int ldr, int p, double *d)
{
	LinalgTriangularSolveTrans(R, ldr, p, d);
	LinalgTriangularSolve(R, ldr, p, d);
}

/* Size of a step, max_k |d_k| |R_k|, in the units of the fitted values. */
static double
StepSize(const double *d, const double *colnorm, int p)
{
	double		s = 0.0;

	for (int k = 0; k < p; k++)
		s = Max(s, fabs(d[k]) * colnorm[k]);
	return s;
}

/*
 * Refine coef (p values for the columns pos[0..p) of the kept rows) and
 * compute, in double-double, the residual and total sums of squares and the
 * unscaled covariance.  R is the (p+1) x (p+1) factor of those columns and y.
 * Returns false when the state keeps no rows (nothing done).
 */
bool
RefineFromKeptRows(const FitState *state, const int *pos, int p,
				   const double *R, int ldr, bool centred,
				   double *coef, RefinedFit *out)
{
	int			stride;
	int			py;
	int64		n;
	const double *rows;
	DD		   *g;
	DD		   *gram;
	double	   *d;
	double	   *colnorm;
	double	   *best;
	double		prev = INFINITY;
	double		scale;
	DD			sw = dd(0.0);
	DD			swy = dd(0.0);
	DD			mean;
	DD			rss;
	DD			tss;
	double	   *z0;
	double	   *z;
	double	   *e;
	double	   *dz;
	double		prevz = INFINITY;

	if (!(state->flags & FITSTATE_KEEPS_ROWS) || state->nkept != state->nrows || state->nkept < p)
		return false;
	stride = FITSTATE_KEPT_STRIDE(state);
	py = state->ncols;
	n = state->nkept;
	rows = FITSTATE_KEPT(state);

	g = palloc(sizeof(DD) * p);
	d = palloc(sizeof(double) * p);
	best = palloc(sizeof(double) * p);
	colnorm = palloc(sizeof(double) * p);
	for (int k = 0; k < p; k++)
	{
		double		ss = 0.0;

		for (int i = 0; i <= k; i++)
			ss += R[i + (Size) k * ldr] * R[i + (Size) k * ldr];
		colnorm[k] = sqrt(ss);
	}
	memcpy(best, coef, sizeof(double) * p);
	scale = StepSize(coef, colnorm, p);

	/* the coefficients: b += (R'R)^-1 X'W(y - X b) until the steps stop shrinking */
	out->iterations = 0;
	for (int step = 0; step < MAX_STEPS; step++)
	{
		double		size;

		CHECK_FOR_INTERRUPTS();
		for (int k = 0; k < p; k++)
			g[k] = dd(0.0);
		for (int64 i = 0; i < n; i++)
		{
			const double *x = rows + (Size) i * stride;
			DD			rw = dd_mul_d(Residual(x, pos, p, coef, x[py]), x[py + 1]);

			for (int k = 0; k < p; k++)
				g[k] = dd_add(g[k], dd_mul_d(rw, x[pos[k]]));
		}
		for (int k = 0; k < p; k++)
			d[k] = dd_round(g[k]);
		SeminormalSolve(R, ldr, p, d);
		size = StepSize(d, colnorm, p);
		if (!(size < prev))
			break;				/* no longer converging: keep the best so far */
		for (int k = 0; k < p; k++)
			coef[k] += d[k];
		memcpy(best, coef, sizeof(double) * p);
		out->iterations++;
		prev = size;
		if (size <= DBL_EPSILON / 16 * scale)
			break;
	}
	memcpy(coef, best, sizeof(double) * p);

	/* sums of squares at the final coefficients */
	for (int64 i = 0; i < n; i++)
	{
		const double *x = rows + (Size) i * stride;

		sw = dd_add(sw, dd(x[py + 1]));
		swy = dd_add(swy, two_prod(x[py + 1], x[py]));
	}
	mean = centred ? dd_div(swy, sw) : dd(0.0);
	rss = dd(0.0);
	tss = dd(0.0);
	for (int64 i = 0; i < n; i++)
	{
		const double *x = rows + (Size) i * stride;
		DD			r = Residual(x, pos, p, coef, x[py]);
		DD			dev = dd_add(dd(x[py]), dd_neg(mean));

		rss = dd_add(rss, dd_mul_d(dd_mul(r, r), x[py + 1]));
		tss = dd_add(tss, dd_mul_d(dd_mul(dev, dev), x[py + 1]));
	}
	out->rss = dd_round(rss);
	out->tss = dd_round(tss);

	/*
	 * The covariance (X'WX)^-1: Z += Z0 (I - G Z), with G the Gram matrix in
	 * double-double and Z0 = R^-1 R^-T.
	 */
	gram = palloc(sizeof(DD) * p * p);
	for (int k = 0; k < p * p; k++)
		gram[k] = dd(0.0);
	for (int64 i = 0; i < n; i++)
	{
		const double *x = rows + (Size) i * stride;
		double		w = x[py + 1];

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int k = 0; k < p; k++)
		{
			DD			wx = two_prod(w, x[pos[k]]);

			for (int l = k; l < p; l++)
				gram[k + (Size) l * p] = dd_add(gram[k + (Size) l * p], dd_mul_d(wx, x[pos[l]]));
		}
	}
	for (int k = 0; k < p; k++)
		for (int l = 0; l < k; l++)
			gram[k + (Size) l * p] = gram[l + (Size) k * p];

	z0 = palloc0(sizeof(double) * p * p);
	for (int j = 0; j < p; j++)
	{
		z0[j + (Size) j * p] = 1.0;
		SeminormalSolve(R, ldr, p, z0 + (Size) j * p);
	}
	z = palloc(sizeof(double) * p * p);
	memcpy(z, z0, sizeof(double) * p * p);
	e = palloc(sizeof(double) * p * p);
	dz = palloc(sizeof(double) * p * p);
	for (int step = 0; step < MAX_COV_STEPS; step++)
	{
		double		size = 0.0;

		/* e = I - G Z */
		for (int j = 0; j < p; j++)
			for (int i = 0; i < p; i++)
			{
				DD			s = dd(i == j ? 1.0 : 0.0);

				for (int k = 0; k < p; k++)
					s = dd_add(s, dd_neg(dd_mul_d(gram[i + (Size) k * p], z[k + (Size) j * p])));
				e[i + (Size) j * p] = dd_round(s);
			}
		/* dz = Z0 e, relative to the diagonal of Z */
		for (int j = 0; j < p; j++)
			for (int i = 0; i < p; i++)
			{
				double		s = 0.0;

				for (int k = 0; k < p; k++)
					s += z0[i + (Size) k * p] * e[k + (Size) j * p];
				dz[i + (Size) j * p] = s;
				size = Max(size, fabs(s) / sqrt(fabs(z[i + (Size) i * p] * z[j + (Size) j * p])));
			}
		if (!(size < prevz))
			break;
		for (int j = 0; j < p; j++)
			for (int i = 0; i < p; i++)
				z[i + (Size) j * p] += dz[i + (Size) j * p];
		prevz = size;
		if (size <= DBL_EPSILON / 16)
			break;
	}
	/* symmetric, as the exact inverse is */
	for (int j = 0; j < p; j++)
		for (int i = 0; i < j; i++)
			z[i + (Size) j * p] = z[j + (Size) i * p] =
				0.5 * (z[i + (Size) j * p] + z[j + (Size) i * p]);
	out->cov = z;

	pfree(g);
	pfree(d);
	pfree(best);
	pfree(colnorm);
	pfree(gram);
	pfree(z0);
	pfree(e);
	pfree(dz);
	return true;
}

/* ------------------------------------------------------------------------
 * mlops.residual_moments(coef, VARIADIC "any") and (coef, y, x float8[], w):
 * in one scan, X'W(y - X coef) and sum w (y - X coef)^2 in double-double.
 * The state is a float8[]: n, skipped, then hi and lo of the p gradients and
 * of the sum of squares.  Final: {g_1, ..., g_p, rss, n}.
 */
#define RM_N		0
#define RM_SKIPPED	1
#define RM_G		2
#define RM_LEN(p)	(2 + 2 * ((p) + 1))

static double *MomentsOf(ArrayType *a, int *p);

static ArrayType *
MomentsState(FunctionCallInfo fcinfo, int p)
{
	MemoryContext aggcxt;
	ArrayType  *a;

	aggcxt = MlopsAggContext(fcinfo, "mlops.residual_moments");
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);
		Datum	   *zeros = palloc(sizeof(Datum) * RM_LEN(p));

		for (int i = 0; i < RM_LEN(p); i++)
			zeros[i] = Float8GetDatum(0.0);
		a = construct_array(zeros, RM_LEN(p), FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
							TYPALIGN_DOUBLE);
		MemoryContextSwitchTo(old);
		return a;
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	{
		int			pa;

		(void) MomentsOf(a, &pa);
		if (pa != p)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid mlops.residual_moments state")));
	}
	return a;
}

static const double *
MomentsCoef(FunctionCallInfo fcinfo, int *p)
{
	ArrayType  *c;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("coefficients must not be NULL")));
	c = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_ELEMTYPE(c) != FLOAT8OID || ARR_NDIM(c) != 1 || ARR_HASNULL(c) ||
		ARR_DIMS(c)[0] < 1 || ARR_DIMS(c)[0] > MLOPS_MAX_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("coefficients must be a one-dimensional float8[] of 1 to %d values without NULLs",
						MLOPS_MAX_COLUMNS)));
	*p = ARR_DIMS(c)[0];
	return (const double *) ARR_DATA_PTR(c);
}

/* The doubles of a residual_moments state, after checking its layout; *p gets its columns. */
static double *
MomentsOf(ArrayType *a, int *p)
{
	int			len;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		goto bad;
	len = ARR_DIMS(a)[0];
	if (len < RM_LEN(1) || len > RM_LEN(MLOPS_MAX_COLUMNS) || len % 2 != 0)
		goto bad;
	*p = (len - 2) / 2 - 1;
	return (double *) ARR_DATA_PTR(a);
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid mlops.residual_moments state")));
	return NULL;				/* keep compiler quiet */
}

static void
MomentsAddRow(double *st, int p, const double *coef, const double *x, double y, double w)
{
	DD			r = Residual(x, NULL, p, coef, y);
	DD			rw = dd_mul_d(r, w);
	DD			s;

	st[RM_N] += 1.0;
	for (int k = 0; k < p; k++)
	{
		s = dd_add((DD) {st[RM_G + 2 * k], st[RM_G + 2 * k + 1]}, dd_mul_d(rw, x[k]));
		st[RM_G + 2 * k] = s.hi;
		st[RM_G + 2 * k + 1] = s.lo;
	}
	s = dd_add((DD) {st[RM_G + 2 * p], st[RM_G + 2 * p + 1]}, dd_mul(rw, r));
	st[RM_G + 2 * p] = s.hi;
	st[RM_G + 2 * p + 1] = s.lo;
}

#define CheckFiniteRow(v, what, index) CheckFiniteInput((v), "refine a model on", (what), (index))

/* (state, coef, VARIADIC "any"): y, x1, ..., xp as float8 */
Datum
mlops_residual_moments_accum(PG_FUNCTION_ARGS)
{
	int			p;
	const double *coef = MomentsCoef(fcinfo, &p);
	ArrayType  *state = MomentsState(fcinfo, p);
	double	   *st = (double *) ARR_DATA_PTR(state);
	double		xbuf[64];
	double	   *x;
	double		y;

	if (PG_NARGS() - 3 != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%d coefficients for %d columns", p, PG_NARGS() - 3)));
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		MlopsCheckFloat8Args(fcinfo, 2, 0, "mlops.residual_moments");
		fcinfo->flinfo->fn_extra = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * p);
	}
	x = p <= lengthof(xbuf) ? xbuf : (double *) fcinfo->flinfo->fn_extra;
	for (int i = 2; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
		{
			st[RM_SKIPPED] += 1.0;
			PG_RETURN_POINTER(state);
		}
	y = PG_GETARG_FLOAT8(2);
	CheckFiniteRow(y, "y", 0);
	for (int j = 0; j < p; j++)
	{
		x[j] = PG_GETARG_FLOAT8(j + 3);
		CheckFiniteRow(x[j], "x", j + 1);
	}
	MomentsAddRow(st, p, coef, x, y, 1.0);
	PG_RETURN_POINTER(state);
}

/* (state, coef, y, x float8[], w float8) */
Datum
mlops_residual_moments_accum_array(PG_FUNCTION_ARGS)
{
	int			p;
	const double *coef = MomentsCoef(fcinfo, &p);
	ArrayType  *state = MomentsState(fcinfo, p);
	double	   *st = (double *) ARR_DATA_PTR(state);
	ArrayType  *xa;
	const double *x;
	double		y;
	double		w;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
	{
		st[RM_SKIPPED] += 1.0;
		PG_RETURN_POINTER(state);
	}
	xa = PG_GETARG_ARRAYTYPE_P(3);
	if (ARR_NDIM(xa) != 1 || ARR_DIMS(xa)[0] != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional array of %d values", p)));
	if (ARR_HASNULL(xa))
	{
		st[RM_SKIPPED] += 1.0;
		PG_RETURN_POINTER(state);
	}
	x = (const double *) ARR_DATA_PTR(xa);
	y = PG_GETARG_FLOAT8(2);
	w = PG_GETARG_FLOAT8(4);
	CheckFiniteRow(y, "y", 0);
	for (int j = 0; j < p; j++)
		CheckFiniteRow(x[j], "x", j + 1);
	CheckFiniteRow(w, "w", 0);
	if (w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight %g is negative", w),
				 errhint("Weights must be zero or positive.")));
	if (w > 0)
		MomentsAddRow(st, p, coef, x, y, w);
	PG_RETURN_POINTER(state);
}

Datum
mlops_residual_moments_combine(PG_FUNCTION_ARGS)
{
	Datum		result;
	ArrayType  *a;
	ArrayType  *b;
	double	   *sa;
	const double *sb;
	int			len;

	if (CombineArrayStates(fcinfo, "mlops.residual_moments_combine", &a, &b, &result))
		return result;
	{
		int			pa,
					pb;

		sa = MomentsOf(a, &pa);
		sb = MomentsOf(b, &pb);
		if (pa != pb)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot combine residual moments of %d and %d columns", pa, pb)));
		len = ARR_DIMS(a)[0];
	}
	sa[RM_N] += sb[RM_N];
	sa[RM_SKIPPED] += sb[RM_SKIPPED];
	for (int i = RM_G; i < len; i += 2)
	{
		DD			s = dd_add((DD) {sa[i], sa[i + 1]}, (DD) {sb[i], sb[i + 1]});

		sa[i] = s.hi;
		sa[i + 1] = s.lo;
	}
	PG_RETURN_POINTER(a);
}

Datum
mlops_residual_moments_final(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	const double *st;
	int			p;
	Datum	   *out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = PG_GETARG_ARRAYTYPE_P(0);
	st = MomentsOf(a, &p);
	out = palloc(sizeof(Datum) * (p + 2));
	for (int k = 0; k <= p; k++)
		out[k] = Float8GetDatum(st[RM_G + 2 * k] + st[RM_G + 2 * k + 1]);
	out[p + 1] = Float8GetDatum(st[RM_N]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, p + 2, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * mlops.ols_result(state, names, coef, moments): the fit of the state, its
 * coefficients replaced by coef + (R'R)^-1 g and its residual sum of squares
 * by rss - d'g, with g and rss the residual moments of the data at coef.
 */
Datum
mlops_ols_result_refined(PG_FUNCTION_ARGS)
{
	FitState   *state;
	const char **names = NULL;
	ArrayType  *c;
	ArrayType  *mom;
	int			p;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_FITSTATE(0);
	p = state->ncols;
	if (!PG_ARGISNULL(1))
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *elems;
		bool	   *enulls;
		int			nelems;

		deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &nelems);
		if (nelems != p)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%d column names given for %d columns", nelems, p)));
		names = palloc(sizeof(char *) * Max(nelems, 1));
		for (int i = 0; i < nelems; i++)
			names[i] = enulls[i] ? "?" : TextDatumGetCString(elems[i]);
	}
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		return OlsResultDatum(fcinfo, state, names, NULL, NULL);
	c = PG_GETARG_ARRAYTYPE_P(2);
	mom = PG_GETARG_ARRAYTYPE_P(3);
	if (ARR_ELEMTYPE(c) != FLOAT8OID || ARR_NDIM(c) != 1 || ARR_HASNULL(c) || ARR_DIMS(c)[0] != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d coefficients without NULLs", p)));
	if (ARR_ELEMTYPE(mom) != FLOAT8OID || ARR_NDIM(mom) != 1 || ARR_HASNULL(mom) ||
		ARR_DIMS(mom)[0] != p + 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected the %d values of mlops.residual_moments without NULLs", p + 2)));
	for (int k = 0; k <= p; k++)
		CheckFiniteInput(((const double *) ARR_DATA_PTR(mom))[k], "refine a model with", "moments", k + 1);
	for (int k = 0; k < p; k++)
		CheckFiniteInput(((const double *) ARR_DATA_PTR(c))[k], "refine a model with", "coef", k + 1);
	if (((const double *) ARR_DATA_PTR(mom))[p + 1] != (double) state->nrows)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the residual moments cover %.0f rows, the fit state %lld",
						((const double *) ARR_DATA_PTR(mom))[p + 1], (long long) state->nrows)));
	return OlsResultDatum(fcinfo, state, names,
						  (const double *) ARR_DATA_PTR(c), (const double *) ARR_DATA_PTR(mom));
}

/* mlops.refinement_wanted(state): whether its scaled condition number passes mlops.refine_condition. */
Datum
mlops_refinement_wanted(PG_FUNCTION_ARGS)
{
	FitState   *state;
	int			p;
	bool	   *aliased;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = FitStateCopyFlushed(PG_GETARG_FITSTATE(0));
	p = state->ncols;
	if (p < 1 || state->nrows < p)
		PG_RETURN_BOOL(false);
	aliased = palloc(sizeof(bool) * p);
	if (LinalgRank(FITSTATE_R(state), p + 1, p, aliased) < p)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(ScaledConditionNumber(FITSTATE_R(state), p + 1, p) > mlops_refine_condition);
}
