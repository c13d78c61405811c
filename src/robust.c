/*
 * robust.c
 *		Heteroskedasticity-consistent (sandwich) covariance of least-squares
 *		coefficients, HC0 to HC3, in one parallel-safe aggregate over the rows
 *		of a fit:
 *
 *			V = (X'X)^-1 X' diag(omega) X (X'X)^-1
 *
 *		with omega_i = e_i^2 (HC0), n/(n-p) e_i^2 (HC1), e_i^2/(1-h_i) (HC2)
 *		and e_i^2/(1-h_i)^2 (HC3), e = y - X coef and h the leverages.
 *
 *		The fit state gives R, the R factor of X, so X'X = R'R.  Each row's
 *		z = R^-T x is found by forward substitution; its leverage is |z|^2 and
 *		the meat is accumulated in those coordinates, S = sum omega_i z_i z_i',
 *		so that V = R^-1 S R^-T.  Z = X R^-1 has orthonormal columns, which
 *		keeps S well conditioned whatever the condition of X.
 *
 *		A weighted fit (fit_state(y, x, w)) uses the whitened rows sqrt(w) x
 *		and residuals sqrt(w) e, as statsmodels' WLS does.
 *
 *		The transition state is a float8[] (see the RC_* layout below): the
 *		coefficients and R taken from the first row of each group, and the
 *		three meat matrices, packed upper triangles, column by column.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_robust_cov_accum);
PG_FUNCTION_INFO_V1(mlops_robust_cov_accum_weighted);
PG_FUNCTION_INFO_V1(mlops_robust_cov_accum_columns);
PG_FUNCTION_INFO_V1(mlops_robust_cov_combine);
PG_FUNCTION_INFO_V1(mlops_robust_cov_final);

/*
 * State layout, with T = p (p + 1) / 2:
 *   [RC_P]        p, the number of coefficients
 *   [RC_WEIGHTED] 1 for the weighted form, 0 otherwise
 *   [RC_N]        rows used
 *   [RC_SKIPPED]  rows skipped for NULL values
 *   [RC_LEVERED]  rows of leverage 1 (to ROBUST_LEVERAGE_TOLERANCE)
 *   then coef[p], R (T), S0 (T), S2 (T), S3 (T)
 */
#define RC_P			0
#define RC_WEIGHTED		1
#define RC_N			2
#define RC_SKIPPED		3
#define RC_LEVERED		4
#define RC_HEADER		5

#define RC_TRI(p)		((Size) (p) * ((p) + 1) / 2)
#define RC_LEN(p)		(RC_HEADER + (Size) (p) + 4 * RC_TRI(p))
#define RC_COEF(st)		((st) + RC_HEADER)
#define RC_R(st, p)		(RC_COEF(st) + (p))
#define RC_S0(st, p)	(RC_R(st, p) + RC_TRI(p))
#define RC_S2(st, p)	(RC_S0(st, p) + RC_TRI(p))
#define RC_S3(st, p)	(RC_S2(st, p) + RC_TRI(p))

/*
 * A row whose leverage h has 1 - h at most this is taken to have h = 1: it
 * alone determines a direction of the coefficients, its residual is zero up
 * to rounding, and the HC2 and HC3 weights e^2/(1-h), e^2/(1-h)^2 are 0/0.
 * Computed leverages of such rows differ from 1 by about cond(X) times the
 * machine epsilon.
 */
#define ROBUST_LEVERAGE_TOLERANCE	1e-10

/* Per-query scratch of a transition function, in fn_extra. */
typedef struct RobustScratch
{
	int			len;			/* doubles in buf */
	bool		args_checked;	/* the "any" arguments were checked */
	double	   *buf;			/* x and z of a row */
} RobustScratch;

static RobustScratch *
Scratch(FunctionCallInfo fcinfo, int p)
{
	RobustScratch *s = (RobustScratch *) fcinfo->flinfo->fn_extra;

	if (s == NULL)
	{
		s = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RobustScratch));
		fcinfo->flinfo->fn_extra = s;
	}
	if (p > 0 && s->len < 2 * p)
	{
		if (s->buf)
			pfree(s->buf);
		s->buf = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * 2 * p);
		s->len = 2 * p;
	}
	return s;
}

/* The doubles of a state array, after checking its layout. */
static double *
StateOf(ArrayType *a)
{
	double	   *st;
	double		p;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID ||
		ARR_DIMS(a)[0] < RC_HEADER)
		goto bad;
	st = (double *) ARR_DATA_PTR(a);
	p = st[RC_P];
	if (!(p >= 1 && p <= MLOPS_MAX_COLUMNS) || p != floor(p) ||
		(Size) ARR_DIMS(a)[0] != RC_LEN((int) p))
		goto bad;
	return st;

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid mlops.robust_cov state")));
	return NULL;				/* keep compiler quiet */
}

/* The coefficients argument, checked against p. */
static const double *
Coefficients(ArrayType *coefs, int p)
{
	if (ARR_ELEMTYPE(coefs) != FLOAT8OID || ARR_NDIM(coefs) != 1 || ARR_HASNULL(coefs) ||
		ARR_DIMS(coefs)[0] != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d coefficients without NULLs", p),
				 errdetail("The fit state has %d columns.", p)));
	return (const double *) ARR_DATA_PTR(coefs);
}

/* "Column x[3] is a linear combination of the columns before it." and the like. */
static char *
AliasedDetail(int p, const bool *aliased)
{
	StringInfoData cols;
	int			naliased = 0;

	initStringInfo(&cols);
	for (int j = 0; j < p; j++)
		if (aliased[j])
		{
			if (naliased++ > 0)
				appendStringInfoString(&cols, ", ");
			appendStringInfo(&cols, "x[%d]", j + 1);
		}
	if (naliased == 1)
		return psprintf("Column %s is a linear combination of the columns before it.", cols.data);
	return psprintf("Columns %s are linear combinations of the columns before them.", cols.data);
}

/*
 * A new transition state from the fit state and coefficients of a group's
 * first row, in the aggregate's context.  nx is the number of x values the
 * rows give (-1 when each row's array is checked instead).
 */
static ArrayType *
NewState(FunctionCallInfo fcinfo, MemoryContext aggcxt, bool weighted, int nx)
{
	FitState   *fs;
	const double *coef;
	double	   *st;
	double	   *R;
	double	   *packed;
	bool	   *aliased;
	ArrayType  *a;
	Size		len;
	Size		nbytes;
	int			p;
	int			m;
	int			rank;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("fit state must not be NULL")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("coefficients must not be NULL")));
	fs = PG_GETARG_FITSTATE(1);
	if (fs->version != FITSTATE_VERSION || fs->ncols < 0 || fs->ncols > MLOPS_MAX_COLUMNS)
		elog(ERROR, "invalid fit state");
	p = fs->ncols;
	if (p < 1 || fs->nrows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("could not compute robust covariance: the fit state has no rows")));
	if (weighted != ((fs->flags & FITSTATE_WEIGHTED) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 weighted ?
				 errmsg("weights given for a fit state fitted without weights") :
				 errmsg("no weights given for a fit state fitted with weights"),
				 weighted ?
				 errhint("Use mlops.robust_cov(state, coef, y, x) without w.") :
				 errhint("Use mlops.robust_cov(state, coef, y, x, w) with the weights of the fit.")));
	if (nx >= 0 && nx != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d x arguments, not %d", p, nx),
				 errdetail("The fit state has %d columns.", p)));
	coef = Coefficients(PG_GETARG_ARRAYTYPE_P(2), p);

	fs = FitStateCopyFlushed(fs);
	m = p + 1;
	R = FITSTATE_R(fs);
	aliased = palloc(sizeof(bool) * p);
	rank = LinalgRank(R, m, p, aliased);
	if (rank < p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not compute robust covariance: design matrix has rank %d of %d", rank, p),
				 errdetail("%s", AliasedDetail(p, aliased)),
				 errhint("Fit and compute the covariance without the aliased columns.")));

	/* a zero float8[] of the full length, then the header, coef and R */
	len = RC_LEN(p);
	nbytes = ARR_OVERHEAD_NONULLS(1) + sizeof(double) * len;
	a = (ArrayType *) MemoryContextAllocZero(aggcxt, nbytes);
	SET_VARSIZE(a, nbytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) len;
	ARR_LBOUND(a)[0] = 1;
	st = (double *) ARR_DATA_PTR(a);
	st[RC_P] = p;
	st[RC_WEIGHTED] = weighted ? 1.0 : 0.0;
	memcpy(RC_COEF(st), coef, sizeof(double) * p);
	packed = RC_R(st, p);
	for (int j = 0; j < p; j++)
		memcpy(packed + RC_TRI(j), R + (Size) j * m, sizeof(double) * (j + 1));
	pfree(aliased);
	pfree(fs);
	return a;
}

/* The state of this group, new on its first row. */
static ArrayType *
TransitionState(FunctionCallInfo fcinfo, const char *fname, bool weighted, int nx)
{
	MemoryContext aggcxt;

	aggcxt = MlopsAggContext(fcinfo, fname);
	if (PG_ARGISNULL(0))
		return NewState(fcinfo, aggcxt, weighted, nx);
	return PG_GETARG_ARRAYTYPE_P(0);
}

/* The coefficients of a later row must be those of the first. */
static void
CheckSameCoefficients(FunctionCallInfo fcinfo, const double *st, int p)
{
	ArrayType  *ca;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("coefficients must not be NULL")));
	ca = PG_GETARG_ARRAYTYPE_P(2);
	if (memcmp(Coefficients(ca, p), RC_COEF(st), sizeof(double) * p) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coefficients differ between rows of mlops.robust_cov"),
				 errdetail("The fit state and the coefficients are taken from the first row of each group; every row must give the same.")));
}

#define CheckFiniteValue(v, what, index) \
	CheckFiniteInput((v), "compute robust covariance of", (what), (index))

/*
 * Add one complete row: x (finite, p values) and y, both already multiplied
 * by sqrt(w) for the weighted form.  z is scratch of p doubles.
 */
static void
AddRow(double *st, const double *x, double y, double *z)
{
	int			p = (int) st[RC_P];
	const double *coef = RC_COEF(st);
	const double *R = RC_R(st, p);
	double	   *s0 = RC_S0(st, p);
	double	   *s2 = RC_S2(st, p);
	double	   *s3 = RC_S3(st, p);
	double		e = y;
	double		h = 0.0;
	double		e2;
	double		w0;
	double		w2;
	double		w3;

	for (int j = 0; j < p; j++)
		e -= coef[j] * x[j];

	/* z = R^-T x by forward substitution along the packed columns of R */
	for (int k = 0; k < p; k++)
	{
		const double *col = R + RC_TRI(k);
		double		v = x[k];

		for (int i = 0; i < k; i++)
			v -= col[i] * z[i];
		z[k] = v / col[k];
		h += z[k] * z[k];
	}

	e2 = e * e;
	w0 = e2;
	if (1.0 - h <= ROBUST_LEVERAGE_TOLERANCE)
	{
		/* HC2 and HC3 are undefined; the final function makes them NULL */
		st[RC_LEVERED] += 1.0;
		w2 = w3 = 0.0;
	}
	else
	{
		w2 = e2 / (1.0 - h);
		w3 = w2 / (1.0 - h);
	}
	st[RC_N] += 1.0;
	if (e2 == 0.0)
		return;
	for (int j = 0; j < p; j++)
	{
		Size		off = RC_TRI(j);
		double		zj = z[j];

		for (int i = 0; i <= j; i++)
		{
			double		zz = z[i] * zj;

			s0[off + i] += w0 * zz;
			s2[off + i] += w2 * zz;
			s3[off + i] += w3 * zz;
		}
	}
}

/*
 * The array x of a row (argument argno): NULL when the row is to be skipped,
 * otherwise its p values, checked.
 */
static const double *
RowX(FunctionCallInfo fcinfo, int argno, int p)
{
	ArrayType  *xa;
	const double *x;
	int			nx;

	if (PG_ARGISNULL(argno))
		return NULL;
	xa = PG_GETARG_ARRAYTYPE_P(argno);
	nx = MlopsRowArrayLength(xa);
	if (nx != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x has %d elements, but the fit state has %d columns", nx, p)));
	if (ARR_HASNULL(xa))
		return NULL;
	x = (const double *) ARR_DATA_PTR(xa);
	for (int j = 0; j < p; j++)
		CheckFiniteValue(x[j], "x", j + 1);
	return x;
}

/*
 * robust_cov transition: (state, fit mlops.fitstate, coef float8[], y float8,
 * x float8[]).  Rows with a NULL y, x or element of x are skipped and counted.
 */
Datum
mlops_robust_cov_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = TransitionState(fcinfo, "mlops.robust_cov_accum", false, -1);
	double	   *st = StateOf(state);
	int			p = (int) st[RC_P];
	RobustScratch *scratch = Scratch(fcinfo, p);
	const double *x;
	double		y;

	CheckSameCoefficients(fcinfo, st, p);
	x = RowX(fcinfo, 4, p);
	if (x == NULL || PG_ARGISNULL(3))
	{
		st[RC_SKIPPED] += 1.0;
		PG_RETURN_POINTER(state);
	}
	y = PG_GETARG_FLOAT8(3);
	CheckFiniteValue(y, "y", 0);
	AddRow(st, x, y, scratch->buf + p);
	PG_RETURN_POINTER(state);
}

/*
 * Weighted transition: (state, fit, coef, y, x, w).  The row enters as
 * sqrt(w) (x, y), as in the weighted fit; rows of weight 0 do not count, as
 * in the fit; negative weights are errors.
 */
Datum
mlops_robust_cov_accum_weighted(PG_FUNCTION_ARGS)
{
	ArrayType  *state = TransitionState(fcinfo, "mlops.robust_cov_accum_weighted", true, -1);
	double	   *st = StateOf(state);
	int			p = (int) st[RC_P];
	RobustScratch *scratch = Scratch(fcinfo, p);
	const double *x;
	double	   *xw = scratch->buf;
	double		y;
	double		w;
	double		sw;

	CheckSameCoefficients(fcinfo, st, p);
	x = RowX(fcinfo, 4, p);
	if (x == NULL || PG_ARGISNULL(3) || PG_ARGISNULL(5))
	{
		st[RC_SKIPPED] += 1.0;
		PG_RETURN_POINTER(state);
	}
	y = PG_GETARG_FLOAT8(3);
	w = PG_GETARG_FLOAT8(5);
	CheckFiniteValue(y, "y", 0);
	CheckFiniteValue(w, "w", 0);
	if (w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight %g is negative", w),
				 errhint("Weights must be zero or positive.")));
	if (w == 0)
		PG_RETURN_POINTER(state);
	sw = sqrt(w);
	for (int j = 0; j < p; j++)
		xw[j] = sw * x[j];
	AddRow(st, xw, sw * y, scratch->buf + p);
	PG_RETURN_POINTER(state);
}

/*
 * Column transition: (state, fit, coef, VARIADIC "any") with float8
 * arguments y, x1, ..., xp, passed one by one so that no array is built per
 * row.  Rows with a NULL are skipped and counted.
 */
Datum
mlops_robust_cov_accum_columns(PG_FUNCTION_ARGS)
{
	RobustScratch *scratch = Scratch(fcinfo, 0);
	int			nargs = PG_NARGS();
	int			nx = nargs - 4;
	ArrayType  *state;
	double	   *st;
	double	   *x;
	double		y;
	int			p;

	/* argument types are checked once per query */
	if (!scratch->args_checked)
	{
		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("mlops.robust_cov does not take a VARIADIC array"),
					 errhint("Use mlops.robust_cov(state, coef, y, x) for an array of features.")));
		if (nx < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("mlops.robust_cov needs y and at least one x after the state and the coefficients")));
		MlopsCheckFloat8Args(fcinfo, 3, 0, "mlops.robust_cov");
		scratch->args_checked = true;
	}
	state = TransitionState(fcinfo, "mlops.robust_cov_accum_columns", false, nx);
	st = StateOf(state);
	p = (int) st[RC_P];
	if (p != nx)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d x arguments, not %d", p, nx)));
	scratch = Scratch(fcinfo, p);
	CheckSameCoefficients(fcinfo, st, p);
	for (int i = 3; i < nargs; i++)
		if (PG_ARGISNULL(i))
		{
			st[RC_SKIPPED] += 1.0;
			PG_RETURN_POINTER(state);
		}
	y = PG_GETARG_FLOAT8(3);
	CheckFiniteValue(y, "y", 0);
	x = scratch->buf;
	for (int j = 0; j < p; j++)
	{
		x[j] = PG_GETARG_FLOAT8(j + 4);
		CheckFiniteValue(x[j], "x", j + 1);
	}
	AddRow(st, x, y, scratch->buf + p);
	PG_RETURN_POINTER(state);
}

/* Combine two partial states of the same fit: add the counts and the meats. */
Datum
mlops_robust_cov_combine(PG_FUNCTION_ARGS)
{
	Datum		result;
	ArrayType  *a;
	ArrayType  *b;
	double	   *s1;
	const double *s2;
	int			p;
	Size		tri;

	if (CombineArrayStates(fcinfo, "mlops.robust_cov_combine", &a, &b, &result))
	{
		if (b != NULL)
			(void) StateOf(b);	/* the copied state must be a state too */
		return result;
	}
	s2 = StateOf(b);
	s1 = StateOf(a);
	p = (int) s1[RC_P];
	tri = RC_TRI(p);
	if (s2[RC_P] != p || s2[RC_WEIGHTED] != s1[RC_WEIGHTED] ||
		memcmp(RC_COEF(s1), RC_COEF(s2), sizeof(double) * (p + tri)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine mlops.robust_cov states of different fits"),
				 errdetail("The fit state and the coefficients must be the same on every row of a group.")));
	s1[RC_N] += s2[RC_N];
	s1[RC_SKIPPED] += s2[RC_SKIPPED];
	s1[RC_LEVERED] += s2[RC_LEVERED];
	{
		double	   *d = RC_S0(s1, p);
		const double *s = RC_S0(s2, p);

		/* S0, S2 and S3 are contiguous */
		for (Size i = 0; i < 3 * tri; i++)
			d[i] += s[i];
	}
	PG_RETURN_POINTER(a);
}

/*
 * V = R^-1 S R^-T into v (p x p, row-major, symmetric) from the packed
 * upper triangle of S.  rinv is R^-1, column-major; t is p x p scratch.
 */
static void
Sandwich(const double *rinv, const double *packed, int p, double *t, double *v)
{
	/* t = R^-1 S: t[i, j] = sum over k >= i of rinv[i, k] S[k, j] */
	for (int i = 0; i < p; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < p; j++)
		{
			double		sum = 0.0;

			for (int k = i; k < p; k++)
			{
				double		skj = k <= j ? packed[RC_TRI(j) + k] : packed[RC_TRI(k) + j];

				sum += rinv[i + (Size) k * p] * skj;
			}
			t[i + (Size) j * p] = sum;
		}
	}
	/* v = t R^-T: v[i, j] = sum over k >= j of t[i, k] rinv[j, k]; upper half, mirrored */
	for (int i = 0; i < p; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int j = i; j < p; j++)
		{
			double		sum = 0.0;

			for (int k = j; k < p; k++)
				sum += t[i + (Size) k * p] * rinv[j + (Size) k * p];
			v[(Size) i * p + j] = v[(Size) j * p + i] = sum;
		}
	}
}

/*
 * Final function: a float8[4][p][p] of the HC0, HC1, HC2 and HC3 covariance
 * matrices.  NULL when no row was used.  HC1 is all NULL when n <= p; HC2 and
 * HC3 are all NULL when some row has leverage 1.
 */
Datum
mlops_robust_cov_final(PG_FUNCTION_ARGS)
{
	const double *st;
	const double *R;
	const double *meats[4];
	double	   *rinv;
	double	   *t;
	double	   *v;
	double		n;
	Datum	   *d;
	bool	   *nulls;
	int			dims[3];
	int			lbs[3] = {1, 1, 1};
	int			p;
	Size		pp;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = StateOf(PG_GETARG_ARRAYTYPE_P(0));
	n = st[RC_N];
	if (n < 1)
		PG_RETURN_NULL();
	p = (int) st[RC_P];
	pp = (Size) p * p;
	R = RC_R(st, p);
	for (int j = 0; j < p; j++)
		if (!(R[RC_TRI(j) + j] != 0.0) || !isfinite(R[RC_TRI(j) + j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid mlops.robust_cov state")));

	rinv = palloc0(sizeof(double) * pp);
	for (int j = 0; j < p; j++)
		memcpy(rinv + (Size) j * p, R + RC_TRI(j), sizeof(double) * (j + 1));
	LinalgTriangularInverse(rinv, p, p);

	meats[0] = meats[1] = RC_S0(st, p);
	meats[2] = RC_S2(st, p);
	meats[3] = RC_S3(st, p);
	t = palloc(sizeof(double) * pp);
	v = palloc(sizeof(double) * pp);
	d = palloc(sizeof(Datum) * 4 * pp);
	nulls = palloc(sizeof(bool) * 4 * pp);
	for (int c = 0; c < 4; c++)
	{
		bool		undefined = (c == 1 && n <= p) || (c >= 2 && st[RC_LEVERED] > 0);
		double		scale = c == 1 ? n / (n - p) : 1.0;

		if (undefined)
		{
			for (Size i = 0; i < pp; i++)
			{
				d[c * pp + i] = Float8GetDatum(0.0);
				nulls[c * pp + i] = true;
			}
			continue;
		}
		/* HC1 scales HC0, which v still holds */
		if (c != 1)
			Sandwich(rinv, meats[c], p, t, v);
		for (Size i = 0; i < pp; i++)
		{
			d[c * pp + i] = Float8GetDatum(scale * v[i]);
			nulls[c * pp + i] = false;
		}
	}
	dims[0] = 4;
	dims[1] = dims[2] = p;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, nulls, 3, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
