/*
 * elasticnet.c
 *		Lasso and elastic net from a fit state, with no scan: coordinate
 *		descent in covariance mode on the Gram matrix that R gives.
 *
 * The model minimises
 *   (1/(2n)) ||y - b0 - X b||^2 + lambda (alpha ||D b||_1 + (1 - alpha)/2 ||D b||^2)
 * where, when the first column of x is 1 on every row, b0 is its coefficient
 * (unpenalised) and the other columns are centred; D is the identity, or with
 * standardize the diagonal of the columns' population standard deviations
 * (glmnet's convention: the penalty is on the standardised features, the
 * coefficients stay on the original scale).  With D = I that is
 * scikit-learn's ElasticNet(alpha = lambda, l1_ratio = alpha).
 *
 * R is the R factor of [X | y]; with an intercept its rows below the first
 * are the R factor of the centred [X | y].  So, with X_c and y_c the centred
 * (or, without an intercept, the plain) columns, G = X_c'X_c / n and
 * c = X_c'y_c / n come from R alone, and so does the whole problem:
 *   minimise (1/2) b'G b - c'b + sum_j (l1_j |b_j| + (l2_j / 2) b_j^2),
 * l1_j = lambda alpha d_j, l2_j = lambda (1 - alpha) d_j^2.
 *
 * Coordinate descent updates b_j to S(c_j - (G b)_j + G_jj b_j, l1_j) /
 * (G_jj + l2_j), S the soft-threshold, keeping G b up to date (covariance
 * mode, as glmnet and scikit-learn's precomputed Gram).  Sweeps over all
 * columns alternate with sweeps over the nonzero ones (active-set cycling).
 * When a full sweep moves no coefficient by more than tol times the largest
 * one (each measured on the scale of the fitted values, |b_j| sqrt(G_jj)),
 * the nonzero coefficients are solved exactly from the optimality conditions
 * on their support and signs, a linear system, and that solution is taken
 * when it keeps its signs and every zero coefficient satisfies its own
 * condition |c_j - (G b)_j| <= l1_j (to a relative 1e-9).  Otherwise descent
 * goes on with a tolerance ten times smaller, down to 1e-12, where its own
 * result is taken (a support that stays singular, as with equal columns and
 * no ridge part, ends there).  So the result is exact to rounding whenever
 * descent finds the support, whatever tol; tol only sets how soon the exact
 * solve is tried.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"

#include "mlops.h"

/* A column whose centred norm is below this share of its norm is constant: coefficient 0. */
#define ENET_CONSTANT_TOLERANCE		1e-12

/* Slack of the optimality conditions checked after the exact solve. */
#define ENET_KKT_TOLERANCE			1e-9

/* Below this the tolerance of descent is not made smaller after a failed solve. */
#define ENET_TOL_FLOOR				1e-12

/* Most values of lambda in a path or a grid. */
#define ENET_MAX_LAMBDAS			1000

/* The problem of a state, shared by every lambda of a path. */
typedef struct EnetProblem
{
	int			p;				/* columns of X, the intercept included */
	int			off;			/* 1 when the first column is an intercept */
	int			q;				/* penalised columns: p - off */
	double		n;				/* rows */
	const double *R;			/* R factor of [X | y], (p + 1) x (p + 1) */
	double	   *G;				/* q x q, column-major: X_c'X_c / n */
	double	   *c;				/* q: X_c'y_c / n */
	double		yy;				/* y_c'y_c / n */
	double	   *sd;				/* q: population sd (about 0 without an intercept) */
	double	   *d;				/* q: penalty scale, sd or 1 */
	bool	   *fixed;			/* q: constant columns, coefficient 0 */
} EnetProblem;

/* Result of one lambda. */
typedef struct EnetFit
{
	int			iterations;		/* sweeps of coordinate descent */
	bool		converged;
} EnetFit;

static void
CheckL1Ratio(double l1_ratio)
{
	if (!(l1_ratio > 0 && l1_ratio <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("l1_ratio must be greater than 0 and at most 1, not %g", l1_ratio),
				 errhint("l1_ratio 1 is the lasso; l1_ratio 0 is ridge regression: use mlops.ridge_coef.")));
}

static void
CheckEnetArguments(double l1_ratio, int max_iter, double tol)
{
	CheckL1Ratio(l1_ratio);
	if (max_iter < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter must be at least 1, not %d", max_iter)));
	if (!(tol > 0 && tol < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tol must be greater than 0 and less than 1, not %g", tol)));
}

static void
CheckLambda(double lambda)
{
	if (!isfinite(lambda) || lambda < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambda must be a finite number at least 0, not %g", lambda)));
}

/*
 * The Gram matrix, X'y and the column scales of a state.  The state is
 * flushed into a copy; errors for a state without rows.
 */
static void
EnetProblemFromState(FitState *state, bool standardize, EnetProblem *pr)
{
	const double *R;
	int			m;
	int			off;
	int			q;

	if (state->ncols < 1 || state->nrows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("could not fit model: no usable rows")));
	state = FitStateCopyFlushed(state);
	R = FITSTATE_R(state);
	pr->p = state->ncols;
	m = pr->p + 1;
	off = (state->flags & FITSTATE_FIRST_ONES) ? 1 : 0;
	if (off && R[0] == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("could not fit model: no usable rows")));
	q = pr->p - off;
	pr->off = off;
	pr->q = q;
	pr->n = (double) state->nrows;
	pr->R = R;
	pr->G = palloc0(sizeof(double) * Max(q, 1) * Max(q, 1));
	pr->c = palloc0(sizeof(double) * Max(q, 1));
	pr->sd = palloc0(sizeof(double) * Max(q, 1));
	pr->d = palloc0(sizeof(double) * Max(q, 1));
	pr->fixed = palloc0(sizeof(bool) * Max(q, 1));

	/* G_jk = sum_i R[i, j] R[i, k] over the rows of the centred block */
	for (int j = 0; j < q; j++)
	{
		const double *rj = R + (Size) (j + off) * m;

		CHECK_FOR_INTERRUPTS();
		for (int k = 0; k <= j; k++)
		{
			const double *rk = R + (Size) (k + off) * m;
			double		s = 0.0;

			for (int i = off; i <= k + off; i++)
				s += rj[i] * rk[i];
			pr->G[j + (Size) k * q] = pr->G[k + (Size) j * q] = s / pr->n;
		}
		{
			const double *ry = R + (Size) pr->p * m;
			double		s = 0.0;

			for (int i = off; i <= j + off; i++)
				s += rj[i] * ry[i];
			pr->c[j] = s / pr->n;
		}
	}
	pr->yy = 0.0;
	for (int i = off; i <= pr->p; i++)
		pr->yy += R[i + (Size) pr->p * m] * R[i + (Size) pr->p * m];
	pr->yy /= pr->n;

	for (int j = 0; j < q; j++)
	{
		double		full = 0.0;

		/* the column's norm, the intercept row included, against its centred norm */
		for (int i = 0; i <= j + off; i++)
			full += R[i + (Size) (j + off) * m] * R[i + (Size) (j + off) * m];
		pr->sd[j] = sqrt(pr->G[j + (Size) j * q]);
		pr->fixed[j] = !(pr->sd[j] > ENET_CONSTANT_TOLERANCE * sqrt(full / pr->n));
		pr->d[j] = standardize ? pr->sd[j] : 1.0;
		if (pr->fixed[j])
			pr->c[j] = 0.0;
	}
}

/* Least squares (lambda 0) needs independent columns, as ols_fit does. */
static void
EnetCheckRank(const EnetProblem *pr)
{
	bool	   *aliased = palloc(sizeof(bool) * pr->p);
	int			rank = LinalgRank(pr->R, pr->p + 1, pr->p, aliased);

	if (rank < pr->p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not fit model: design matrix has rank %d of %d", rank, pr->p),
				 errhint("Use a lambda above 0.")));
	pfree(aliased);
}

static inline double
SoftThreshold(double z, double t)
{
	if (z > t)
		return z - t;
	if (z < -t)
		return z + t;
	return 0.0;
}

/*
 * The exact solution on the support of b with its signs:
 *   (G_AA + diag(l2_A)) b_A = c_A - l1_A sign(b_A),
 * through the R factor T of [R_A / sqrt(n); diag(sqrt(l2_A))], so that
 * T'T = G_AA + diag(l2_A) without forming the Gram matrix: T'z = rhs, T b_A = z.
 * On return out holds the solution (zero off the support).  Returns false,
 * leaving out alone, when T is singular to working precision.
 */
static bool
EnetSolveSupport(const EnetProblem *pr, const double *l1, const double *l2,
				 const double *b, double *out)
{
	int			q = pr->q;
	int			m = pr->p + 1;
	int		   *act = palloc(sizeof(int) * Max(q, 1));
	int			na = 0;
	int			rows;
	bool		ridge = false;
	double	   *a;
	double	   *z;
	double		tmax = 0.0;
	bool		ok = true;

	for (int j = 0; j < q; j++)
		if (b[j] != 0.0)
		{
			act[na++] = j;
			if (l2[j] > 0)
				ridge = true;
		}
	if (na == 0)
	{
		memset(out, 0, sizeof(double) * q);
		pfree(act);
		return true;
	}
	rows = q + (ridge ? na : 0);
	a = palloc0(sizeof(double) * rows * na);
	for (int k = 0; k < na; k++)
	{
		const double *rj = pr->R + (Size) (act[k] + pr->off) * m;
		double		scale = 1.0 / sqrt(pr->n);

		for (int i = 0; i <= act[k]; i++)
			a[i + (Size) k * rows] = rj[i + pr->off] * scale;
		if (ridge)
			a[q + k + (Size) k * rows] = sqrt(l2[act[k]]);
	}
	LinalgRFactor(a, rows, na);
	for (int k = 0; k < na; k++)
		tmax = Max(tmax, fabs(a[k + (Size) k * rows]));
	for (int k = 0; k < na; k++)
		if (!(fabs(a[k + (Size) k * rows]) > 1e-13 * tmax))
			ok = false;
	if (ok)
	{
		z = palloc(sizeof(double) * na);
		for (int k = 0; k < na; k++)
			z[k] = pr->c[act[k]] - (b[act[k]] > 0 ? l1[act[k]] : -l1[act[k]]);
		LinalgTriangularSolveTrans(a, rows, na, z);
		LinalgTriangularSolve(a, rows, na, z);
		memset(out, 0, sizeof(double) * q);
		for (int k = 0; k < na; k++)
			out[act[k]] = z[k];
		pfree(z);
	}
	pfree(a);
	pfree(act);
	return ok;
}

/*
 * Whether b (from the exact solve on the support of s) keeps the signs of s
 * and satisfies the optimality conditions of the zero coefficients.
 * gb receives G b.
 */
static bool
EnetOptimal(const EnetProblem *pr, const double *l1, const double *s,
			const double *b, double *gb)
{
	int			q = pr->q;

	for (int j = 0; j < q; j++)
	{
		if (s[j] != 0.0 && !(b[j] * s[j] > 0))
			return false;
		if (s[j] == 0.0 && b[j] != 0.0)
			return false;
	}
	for (int j = 0; j < q; j++)
	{
		double		v = 0.0;

		for (int k = 0; k < q; k++)
			if (b[k] != 0.0)
				v += pr->G[j + (Size) k * q] * b[k];
		gb[j] = v;
	}
	for (int j = 0; j < q; j++)
	{
		if (b[j] != 0.0 || pr->fixed[j])
			continue;
		if (fabs(pr->c[j] - gb[j]) - l1[j] >
			ENET_KKT_TOLERANCE * sqrt(pr->G[j + (Size) j * q] * pr->yy))
			return false;
	}
	return true;
}

/*
 * Coordinate descent for one lambda from the warm start b (q values, updated
 * in place).
 */
static void
EnetSolve(const EnetProblem *pr, double lambda, double alpha, int max_iter, double tol,
		  double *b, EnetFit *fit)
{
	int			q = pr->q;
	double	   *l1 = palloc(sizeof(double) * Max(q, 1));
	double	   *l2 = palloc(sizeof(double) * Max(q, 1));
	double	   *den = palloc(sizeof(double) * Max(q, 1));
	double	   *gb = palloc0(sizeof(double) * Max(q, 1));
	double	   *exact = palloc(sizeof(double) * Max(q, 1));
	double	   *gexact = palloc(sizeof(double) * Max(q, 1));
	double		tol_now = tol;
	bool		full = true;
	int			iter = 0;

	fit->converged = false;
	for (int j = 0; j < q; j++)
	{
		l1[j] = lambda * alpha * pr->d[j];
		l2[j] = lambda * (1.0 - alpha) * pr->d[j] * pr->d[j];
		den[j] = pr->G[j + (Size) j * q] + l2[j];
		if (pr->fixed[j] || !(den[j] > 0))
			b[j] = 0.0;
	}
	/* G b of the warm start */
	for (int k = 0; k < q; k++)
		if (b[k] != 0.0)
			for (int j = 0; j < q; j++)
				gb[j] += pr->G[j + (Size) k * q] * b[k];

	while (iter < max_iter)
	{
		double		maxstep = 0.0;
		double		maxcoef = 0.0;

		CHECK_FOR_INTERRUPTS();
		iter++;
		for (int j = 0; j < q; j++)
		{
			double		bj = b[j];
			double		nb;
			double		scale;

			if (!full && bj == 0.0)
				continue;
			if (pr->fixed[j] || !(den[j] > 0))
				continue;
			scale = sqrt(pr->G[j + (Size) j * q]);
			nb = SoftThreshold(pr->c[j] - gb[j] + pr->G[j + (Size) j * q] * bj, l1[j]) / den[j];
			if (nb != bj)
			{
				double		delta = nb - bj;
				const double *gj = pr->G + (Size) j * q;

				for (int k = 0; k < q; k++)
					gb[k] += delta * gj[k];
				b[j] = nb;
				maxstep = Max(maxstep, fabs(delta) * scale);
			}
			maxcoef = Max(maxcoef, fabs(nb) * scale);
		}
		if (!full)
		{
			/* the active set has settled: check every column again */
			if (maxstep <= tol_now * maxcoef)
				full = true;
			continue;
		}
		if (maxstep > tol_now * maxcoef)
		{
			full = false;
			continue;
		}

		/* a full sweep that hardly moved: solve exactly on the support */
		if (EnetSolveSupport(pr, l1, l2, b, exact) &&
			EnetOptimal(pr, l1, b, exact, gexact))
		{
			memcpy(b, exact, sizeof(double) * q);
			fit->converged = true;
			break;
		}

		/*
		 * The support is not yet the solution's (or it is singular, as with
		 * equal columns and no ridge part): go on with a smaller tolerance,
		 * down to one that leaves descent itself converged.
		 */
		if (tol_now <= ENET_TOL_FLOOR)
		{
			fit->converged = true;
			break;
		}
		tol_now = Max(tol_now / 10.0, ENET_TOL_FLOOR);
	}
	fit->iterations = iter;
	pfree(l1);
	pfree(l2);
	pfree(den);
	pfree(gb);
	pfree(exact);
	pfree(gexact);
}

/* The coefficients of the model, the intercept first when there is one, from b. */
static void
EnetCoefficients(const EnetProblem *pr, const double *b, double *coef)
{
	int			m = pr->p + 1;

	memcpy(coef + pr->off, b, sizeof(double) * pr->q);
	if (pr->off)
	{
		double		s = pr->R[(Size) pr->p * m];

		for (int j = 1; j < pr->p; j++)
			s -= pr->R[(Size) j * m] * coef[j];
		coef[0] = s / pr->R[0];
	}
}

static void
WarnNotConverged(int count, int total, int max_iter)
{
	if (total == 1)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg_plural("elastic net did not converge in %d sweep",
							   "elastic net did not converge in %d sweeps",
							   max_iter, max_iter),
				 errhint("Raise max_iter or tol, or standardize the features.")));
	else
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg_plural("elastic net did not converge in %d sweep for %d of %d values of lambda",
							   "elastic net did not converge in %d sweeps for %d of %d values of lambda",
							   max_iter, max_iter, count, total),
				 errhint("Raise max_iter or tol, or standardize the features.")));
}

/* One lambda: the coefficients (*p values) and how descent went. */
static double *
EnetFitOne(FunctionCallInfo fcinfo, EnetFit *fit, int *p)
{
	FitState   *state = PG_GETARG_FITSTATE(0);
	double		lambda = PG_GETARG_FLOAT8(1);
	double		l1_ratio = PG_GETARG_FLOAT8(2);
	bool		standardize = PG_GETARG_BOOL(3);
	int			max_iter = PG_GETARG_INT32(4);
	double		tol = PG_GETARG_FLOAT8(5);
	EnetProblem pr;
	double	   *b;
	double	   *coef;

	CheckLambda(lambda);
	CheckEnetArguments(l1_ratio, max_iter, tol);
	EnetProblemFromState(state, standardize, &pr);
	if (lambda == 0)
		EnetCheckRank(&pr);
	b = palloc0(sizeof(double) * Max(pr.q, 1));
	fit->iterations = 0;
	fit->converged = true;
	if (pr.q > 0)
		EnetSolve(&pr, lambda, l1_ratio, max_iter, tol, b, fit);
	coef = palloc(sizeof(double) * pr.p);
	EnetCoefficients(&pr, b, coef);
	if (!fit->converged)
		WarnNotConverged(1, 1, max_iter);
	*p = pr.p;
	return coef;
}

PG_FUNCTION_INFO_V1(mlops_elastic_net_coef);

/*
 * mlops.elastic_net_coef(state, lambda, l1_ratio, standardize, max_iter, tol):
 * the coefficients, the intercept first when the first column of x is 1 on
 * every row.
 */
Datum
mlops_elastic_net_coef(PG_FUNCTION_ARGS)
{
	EnetFit		fit;
	int			p;
	double	   *coef = EnetFitOne(fcinfo, &fit, &p);

	PG_RETURN_DATUM(Float8ArrayDatum(coef, NULL, p));
}

PG_FUNCTION_INFO_V1(mlops_elastic_net_fit);

/*
 * mlops.elastic_net_fit(state, lambda, l1_ratio, standardize, max_iter, tol,
 * OUT coef, OUT iterations, OUT converged): the coefficients with the sweeps
 * of coordinate descent and whether it converged.
 */
Datum
mlops_elastic_net_fit(PG_FUNCTION_ARGS)
{
	EnetFit		fit;
	int			p;
	double	   *coef = EnetFitOne(fcinfo, &fit, &p);
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Float8ArrayDatum(coef, NULL, p);
	values[1] = Int32GetDatum(fit.iterations);
	values[2] = BoolGetDatum(fit.converged);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(mlops_elastic_net_path);

/*
 * mlops.elastic_net_path(state, lambdas, l1_ratio, standardize, max_iter, tol):
 * a k x p array, row i the coefficients for lambdas[i], each fit started
 * from the one before (warm starts: give the lambdas in decreasing order).
 */
Datum
mlops_elastic_net_path(PG_FUNCTION_ARGS)
{
	FitState   *state = PG_GETARG_FITSTATE(0);
	ArrayType  *la = PG_GETARG_ARRAYTYPE_P(1);
	double		l1_ratio = PG_GETARG_FLOAT8(2);
	bool		standardize = PG_GETARG_BOOL(3);
	int			max_iter = PG_GETARG_INT32(4);
	double		tol = PG_GETARG_FLOAT8(5);
	const double *lambdas;
	int			k;
	bool		any_zero = false;
	int			failed = 0;
	EnetProblem pr;
	double	   *b;
	Datum	   *d;
	int			dims[2];
	int			lbs[2] = {1, 1};

	if (ARR_ELEMTYPE(la) != FLOAT8OID)
		elog(ERROR, "lambdas must be float8[]");
	k = ArrayGetNItems(ARR_NDIM(la), ARR_DIMS(la));
	if (ARR_NDIM(la) != 1 || ARR_HASNULL(la) || k < 1 || k > ENET_MAX_LAMBDAS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambdas must be a one-dimensional array of 1 to %d values without NULLs",
						ENET_MAX_LAMBDAS)));
	lambdas = (const double *) ARR_DATA_PTR(la);
	for (int i = 0; i < k; i++)
	{
		CheckLambda(lambdas[i]);
		if (lambdas[i] == 0)
			any_zero = true;
	}
	CheckEnetArguments(l1_ratio, max_iter, tol);
	EnetProblemFromState(state, standardize, &pr);
	if (any_zero)
		EnetCheckRank(&pr);

	b = palloc0(sizeof(double) * Max(pr.q, 1));
	d = palloc(sizeof(Datum) * (Size) k * pr.p);
	for (int i = 0; i < k; i++)
	{
		EnetFit		fit = {0, true};
		double	   *coef = palloc(sizeof(double) * pr.p);

		if (pr.q > 0)
			EnetSolve(&pr, lambdas[i], l1_ratio, max_iter, tol, b, &fit);
		if (!fit.converged)
			failed++;
		EnetCoefficients(&pr, b, coef);
		for (int j = 0; j < pr.p; j++)
			d[(Size) i * pr.p + j] = Float8GetDatum(coef[j]);
		pfree(coef);
	}
	if (failed > 0)
		WarnNotConverged(failed, k, max_iter);
	dims[0] = k;
	dims[1] = pr.p;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8),
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(mlops_elastic_net_lambda_grid);

/*
 * mlops.elastic_net_lambda_grid(state, l1_ratio, standardize, k): k values of
 * lambda, log-spaced from lambda_max down to lambda_max / 1000, where
 * lambda_max = max_j |c_j| / (l1_ratio d_j) is the smallest lambda at which
 * every penalised coefficient is 0 (scikit-learn's alpha grid, eps = 1e-3).
 */
Datum
mlops_elastic_net_lambda_grid(PG_FUNCTION_ARGS)
{
	FitState   *state = PG_GETARG_FITSTATE(0);
	double		l1_ratio = PG_GETARG_FLOAT8(1);
	bool		standardize = PG_GETARG_BOOL(2);
	int			k = PG_GETARG_INT32(3);
	EnetProblem pr;
	double		lmax = 0.0;
	Datum	   *d;

	if (k < 2 || k > ENET_MAX_LAMBDAS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a lambda grid has 2 to %d values, not %d", ENET_MAX_LAMBDAS, k)));
	CheckL1Ratio(l1_ratio);
	EnetProblemFromState(state, standardize, &pr);
	if (pr.q < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no penalised columns with rows to choose lambda for")));
	for (int j = 0; j < pr.q; j++)
		if (!pr.fixed[j] && pr.d[j] > 0)
			lmax = Max(lmax, fabs(pr.c[j]) / (l1_ratio * pr.d[j]));
	if (!(lmax > 0) || !isfinite(lmax))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot choose lambda: no feature is correlated with the target")));
	d = palloc(sizeof(Datum) * k);
	for (int i = 0; i < k; i++)
		d[i] = Float8GetDatum(lmax * pow(10.0, -3.0 * i / (k - 1)));
	PG_RETURN_ARRAYTYPE_P(construct_array(d, k, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}
