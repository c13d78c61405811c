/*
 * ridge.c
 *		Ridge regression exactly from a fit state, with no scan: the penalised
 *		least-squares problem is a QR decomposition of R stacked on sqrt(n lambda) I.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_ridge_coef);

/*
 * mlops.ridge_coef(state, lambda): the coefficients that minimise
 *   (1/(2n)) ||y - X b||^2 + (lambda/2) ||b_penalised||^2,
 * where, when the first column of x is 1 on every row, its coefficient is an
 * unpenalised intercept.  That is scikit-learn's Ridge(alpha = n lambda).
 *
 * With an intercept the rows of R below the first are the R factor of the
 * centred [X | y], so the slopes solve the QR of [R_c; sqrt(n lambda) I] and
 * the intercept follows from the first row of R.
 */
Datum
mlops_ridge_coef(PG_FUNCTION_ARGS)
{
	FitState   *state = PG_GETARG_FITSTATE(0);
	double		lambda = PG_GETARG_FLOAT8(1);
	int			p = state->ncols;
	int			m = p + 1;
	int			off;
	int			q;
	double	   *R;
	double	   *a;
	double	   *coef;
	Datum	   *d;
	double		shrink;

	if (!isfinite(lambda) || lambda < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambda must be a finite number at least 0, not %g", lambda)));
	if (p < 1 || state->nrows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("could not fit model: no usable rows")));

	state = FitStateCopyFlushed(state);
	R = FITSTATE_R(state);
	if (lambda == 0)
	{
		/* least squares: the columns must be independent, as for ols_fit */
		bool	   *aliased = palloc(sizeof(bool) * p);
		int			rank = LinalgRank(R, m, p, aliased);

		if (rank < p)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("could not fit model: design matrix has rank %d of %d", rank, p),
					 errhint("Use a lambda above 0.")));
	}
	off = (state->flags & FITSTATE_FIRST_ONES) ? 1 : 0;
	q = p - off;
	coef = palloc0(sizeof(double) * p);
	shrink = sqrt((double) state->nrows * lambda);

	if (q > 0)
	{
		int			rows = 2 * q;

		/* [R_c r_cy; sqrt(n lambda) I 0], (2q) x (q + 1), column-major */
		a = palloc0(sizeof(double) * rows * (q + 1));
		for (int j = 0; j < q; j++)
		{
			for (int i = 0; i <= j; i++)
				a[i + (Size) j * rows] = R[(i + off) + (Size) (j + off) * m];
			a[(q + j) + (Size) j * rows] = shrink;
		}
		for (int i = 0; i < q; i++)
			a[i + (Size) q * rows] = R[(i + off) + (Size) p * m];
		LinalgRFactor(a, rows, q + 1);
		memcpy(coef + off, a + (Size) q * rows, sizeof(double) * q);
		LinalgTriangularSolve(a, rows, q, coef + off);
	}
	if (off)
	{
		double		s = R[(Size) p * m];

		if (R[0] == 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("could not fit model: no usable rows")));
		for (int j = 1; j < p; j++)
			s -= R[(Size) j * m] * coef[j];
		coef[0] = s / R[0];
	}

	d = palloc(sizeof(Datum) * p);
	for (int j = 0; j < p; j++)
		d[j] = Float8GetDatum(coef[j]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, p, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(mlops_fitstate_error);

/*
 * mlops.fitstate_error(state, coef): {n, rss, tss} of the rows of a state
 * under the coefficients coef, without the rows: RSS = ||R [coef; -1]||^2,
 * because R is the R factor of [X | y].  TSS is the sum of squares of y about
 * its mean when the first column of x is 1 on every row, about 0 otherwise.
 * The held-out errors of cross-validation come from this.
 */
Datum
mlops_fitstate_error(PG_FUNCTION_ARGS)
{
	FitState   *state = FitStateCopyFlushed(PG_GETARG_FITSTATE(0));
	ArrayType  *ca = PG_GETARG_ARRAYTYPE_P(1);
	int			p = state->ncols;
	int			m = p + 1;
	double	   *R = FITSTATE_R(state);
	const double *coef;
	double		rss = 0.0;
	double		tss = 0.0;
	Datum		out[3];

	if (ARR_ELEMTYPE(ca) != FLOAT8OID || ARR_NDIM(ca) != 1 || ARR_HASNULL(ca) ||
		ARR_DIMS(ca)[0] != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d coefficients without NULLs", p)));
	coef = (const double *) ARR_DATA_PTR(ca);
	for (int i = 0; i < m; i++)
	{
		double		v = -R[i + (Size) p * m];

		for (int j = i; j < p; j++)
			v += R[i + (Size) j * m] * coef[j];
		rss += v * v;
	}
	for (int i = (state->flags & FITSTATE_FIRST_ONES) ? 1 : 0; i < m; i++)
		tss += R[i + (Size) p * m] * R[i + (Size) p * m];
	out[0] = Float8GetDatum((double) state->nrows);
	out[1] = Float8GetDatum(rss);
	out[2] = Float8GetDatum(tss);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, 3, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(mlops_ridge_lambda_grid);

/*
 * mlops.ridge_lambda_grid(state, k): k values of lambda, log-spaced from 100 v
 * down to 1e-6 v, where v is the mean variance of the penalised columns (about
 * their means with an intercept, about 0 without): from a model shrunk to
 * about 1% of its least-squares size to practically least squares, whatever
 * the units of the features.  The variances come from R: the rows of R below
 * the first are the R factor of the centred columns.
 */
Datum
mlops_ridge_lambda_grid(PG_FUNCTION_ARGS)
{
	FitState   *state = FitStateCopyFlushed(PG_GETARG_FITSTATE(0));
	int			k = PG_GETARG_INT32(1);
	int			p = state->ncols;
	int			m = p + 1;
	int			off = (state->flags & FITSTATE_FIRST_ONES) ? 1 : 0;
	double	   *R = FITSTATE_R(state);
	double		ss = 0.0;
	double		v;
	Datum	   *d;

	if (k < 2 || k > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a lambda grid has 2 to 1000 values, not %d", k)));
	if (p - off < 1 || state->nrows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no penalised columns with rows to choose lambda for")));
	for (int j = off; j < p; j++)
		for (int i = off; i <= j; i++)
			ss += R[i + (Size) j * m] * R[i + (Size) j * m];
	v = ss / ((double) (p - off) * (double) state->nrows);
	if (!(v > 0) || !isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot choose lambda: the features do not vary")));
	d = palloc(sizeof(Datum) * k);
	for (int i = 0; i < k; i++)
		d[i] = Float8GetDatum(v * pow(10.0, 2.0 - 8.0 * i / (k - 1)));
	PG_RETURN_ARRAYTYPE_P(construct_array(d, k, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}
