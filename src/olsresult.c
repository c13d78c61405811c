/*
 * olsresult.c
 *		Least-squares estimates and their statistics from the R factor of
 *		[X | y]: coefficients by back substitution, covariance s^2 R^-1 R^-T,
 *		t and F tests, R^2, the condition number, and the rank check.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_ols_result);
PG_FUNCTION_INFO_V1(mlops_ols_result_named);

enum
{
	RES_COEF,
	RES_STD_ERR,
	RES_T_STATS,
	RES_P_VALUES,
	RES_R2,
	RES_ADJ_R2,
	RES_RESIDUAL_SD,
	RES_F_STATISTIC,
	RES_F_P_VALUE,
	RES_CONDITION_NUMBER,
	RES_N_ROWS,
	RES_N_SKIPPED,
	RES_DF_RESIDUAL,
	RES_RSS,
	RES_VCOV,
	RES_LOG_LIKELIHOOD,
	RES_AIC,
	RES_BIC,
	RES_NATTS
};

/* A float8[] of n values; entries with isnull[i] true (if isnull given) are NULL. */
Datum
Float8ArrayDatum(const double *v, const bool *isnull, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			dims[1];
	int			lbs[1];

	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	dims[0] = n;
	lbs[0] = 1;
	return PointerGetDatum(construct_md_array(d, (bool *) isnull, 1, dims, lbs,
											  FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
											  TYPALIGN_DOUBLE));
}

/*
 * A float8[] of pfull values from p values for the positions pos[0..p-1];
 * the other positions, and those with isnull[i] (if given), are NULL.
 */
static Datum
ExpandedArrayDatum(const double *v, const bool *isnull, int p, const int *pos, int pfull)
{
	double	   *full = palloc0(sizeof(double) * Max(pfull, 1));
	bool	   *fullnull = palloc(sizeof(bool) * Max(pfull, 1));

	for (int i = 0; i < pfull; i++)
		fullnull[i] = true;
	for (int i = 0; i < p; i++)
	{
		full[pos[i]] = v[i];
		fullnull[pos[i]] = isnull ? isnull[i] : false;
	}
	return Float8ArrayDatum(full, fullnull, pfull);
}

static const char *
ColumnName(const char *const *names, int j)
{
	if (names)
		return psprintf("\"%s\"", names[j]);
	return psprintf("x[%d]", j + 1);
}

/* "Column x[3] is a linear combination of the columns before it." and the like. */
static char *
AliasedDetail(int p, const bool *aliased, const char *const *names)
{
	StringInfoData cols;
	int			naliased = 0;

	initStringInfo(&cols);
	for (int j = 0; j < p; j++)
		if (aliased[j])
		{
			if (naliased++ > 0)
				appendStringInfoString(&cols, ", ");
			appendStringInfoString(&cols, ColumnName(names, j));
		}
	if (naliased == 1)
		return psprintf("Column %s is a linear combination of the columns before it.", cols.data);
	return psprintf("Columns %s are linear combinations of the columns before them.", cols.data);
}

#define AliasedColumnsDetail(p, aliased) AliasedDetail((p), (aliased), NULL)

/* Error naming the aliased columns. */
static void
ReportRankDeficiency(int rank, int p, const bool *aliased, const char *const *names)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("could not fit model: design matrix has rank %d of %d", rank, p),
			 errdetail("%s", AliasedDetail(p, aliased, names)),
			 names ? errhint("Remove collinear features, or train with params => '{\"drop_collinear\": true}'.") :
			 errhint("Remove collinear columns.")));
}

/*
 * The ols_result composite of a state.  names, if given, holds the p column
 * names used in errors.
 */
Datum
OlsResultDatum(FunctionCallInfo fcinfo, FitState *input, const char *const *names,
			   const double *base_coef, const double *moments)
{
	TupleDesc	tupdesc;
	Datum		values[RES_NATTS];
	bool		nulls[RES_NATTS];
	FitState   *state;
	int			p;
	int			m;
	double	   *R;
	int64		n;
	int64		df;
	int			k0;
	bool	   *aliased;
	int			rank;
	double	   *coef;
	double	   *se;
	double	   *tstat;
	double	   *pval;
	bool	   *stat_null;
	double	   *rinv;
	double	   *cov;
	double	   *sv;
	RefinedFit	refined = {0};
	double		rss;
	double		ssr;
	double		s2;
	int			pfull;
	int		   *pos;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	p = input->ncols;
	n = input->nrows;
	if (p < 1 || n < p || n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("could not fit model: %lld usable rows for %d coefficients",
						(long long) n, Max(p, 1)),
				 errdetail("A least-squares fit needs at least as many rows as coefficients; %lld rows were skipped for NULL values.",
						   (long long) input->nskipped)));

	state = FitStateCopyFlushed(input);
	m = p + 1;
	R = FITSTATE_R(state);

	aliased = palloc(sizeof(bool) * p);
	rank = LinalgRank(R, m, p, aliased);
	pfull = p;
	pos = palloc(sizeof(int) * p);
	for (int j = 0; j < p; j++)
		pos[j] = j;
	if (rank < p)
	{
		/*
		 * A caller that names the columns (train) wants an error; ols_fit fits
		 * the columns that are not aliased, as R's lm does, and reports NULL
		 * for the others.  The R factor of [X_kept | y] is the R factor of the
		 * same columns of R.
		 */
		double	   *b;
		double	   *rk;
		int			k = 0;

		if (names != NULL || rank == 0)
			ReportRankDeficiency(rank, p, aliased, names);
		ereport(NOTICE,
				(errmsg("design matrix has rank %d of %d: %s NULL", rank, p,
						p - rank == 1 ? "the coefficient of an aliased column is" :
						"the coefficients of aliased columns are"),
				 errdetail("%s", AliasedColumnsDetail(p, aliased))));
		b = palloc0(sizeof(double) * m * (rank + 1));
		for (int j = 0; j < p; j++)
			if (!aliased[j])
			{
				memcpy(b + (Size) k * m, R + (Size) j * m, sizeof(double) * m);
				pos[k++] = j;
			}
		memcpy(b + (Size) rank * m, R + (Size) p * m, sizeof(double) * m);
		LinalgRFactor(b, m, rank + 1);
		rk = palloc0(sizeof(double) * (rank + 1) * (rank + 1));
		for (int j = 0; j <= rank; j++)
			memcpy(rk + (Size) j * (rank + 1), b + (Size) j * m, sizeof(double) * (j + 1));
		p = rank;
		m = p + 1;
		R = rk;
	}

	/* coefficients: R[0:p,0:p] b = R[0:p,p] */
	coef = palloc(sizeof(double) * p);
	memcpy(coef, R + (Size) p * m, sizeof(double) * p);
	LinalgTriangularSolve(R, m, p, coef);

	/* sums of squares from the last column of R */
	k0 = (state->flags & FITSTATE_FIRST_ONES) ? 1 : 0;
	rss = R[p + (Size) p * m] * R[p + (Size) p * m];
	ssr = 0.0;
	for (int i = k0; i < p; i++)
		ssr += R[i + (Size) p * m] * R[i + (Size) p * m];

	/* unscaled covariance (X'WX)^-1 = R^-1 R^-T */
	rinv = palloc0(sizeof(double) * p * p);
	for (int j = 0; j < p; j++)
		memcpy(rinv + (Size) j * p, R + (Size) j * m, sizeof(double) * (j + 1));
	LinalgTriangularInverse(rinv, p, p);
	cov = palloc(sizeof(double) * p * p);
	for (int i = 0; i < p; i++)
		for (int j = i; j < p; j++)
		{
			double		sum = 0.0;

			/* row i of R^-1 dotted with row j: both start at column max(i, j) = j */
			for (int k = j; k < p; k++)
				sum += rinv[i + (Size) k * p] * rinv[j + (Size) k * p];
			cov[i + (Size) j * p] = cov[j + (Size) i * p] = sum;
		}

	if (base_coef != NULL)
	{
		/*
		 * One refinement step from the residual moments of a scan at
		 * base_coef: b = base + d with R'R d = g, and RSS(b) = RSS(base) - d'g.
		 */
		double	   *d = palloc(sizeof(double) * p);
		double		tss = ssr + rss;

		if (pfull != p)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot refine a rank-deficient fit")));
		memcpy(d, moments, sizeof(double) * p);
		LinalgTriangularSolveTrans(R, m, p, d);
		LinalgTriangularSolve(R, m, p, d);
		rss = moments[p];
		for (int k = 0; k < p; k++)
		{
			coef[k] = base_coef[k] + d[k];
			rss -= d[k] * moments[k];
		}
		rss = Max(rss, 0.0);
		ssr = Max(tss - rss, 0.0);
	}
	else if ((input->flags & FITSTATE_KEEPS_ROWS) &&
			 ScaledConditionNumber(R, m, p) > mlops_refine_condition &&
			 RefineFromKeptRows(input, pos, p, R, m, k0 == 1, coef, &refined))
	{
		rss = refined.rss;
		ssr = Max(refined.tss - refined.rss, 0.0);
		cov = refined.cov;
	}
	df = n - p;
	s2 = df > 0 ? rss / (double) df : NAN;

	/* standard errors: s times the square roots of the diagonal of the covariance */
	se = palloc(sizeof(double) * p);
	tstat = palloc(sizeof(double) * p);
	pval = palloc(sizeof(double) * p);
	stat_null = palloc(sizeof(bool) * p);
	for (int i = 0; i < p; i++)
	{
		double		ss = cov[i + (Size) i * p];

		se[i] = df > 0 ? sqrt(s2 * ss) : 0.0;
		stat_null[i] = !(df > 0 && se[i] > 0);
		tstat[i] = stat_null[i] ? 0.0 : coef[i] / se[i];
		pval[i] = stat_null[i] ? 0.0 : StudentTTwoSidedP(tstat[i], (double) df);
	}

	/* condition number of X: ratio of extreme singular values of R */
	sv = palloc(sizeof(double) * p);
	LinalgSingularValues(R, m, p, sv);

	memset(nulls, 0, sizeof(nulls));
	values[RES_COEF] = ExpandedArrayDatum(coef, NULL, p, pos, pfull);
	if (df > 0)
	{
		values[RES_STD_ERR] = ExpandedArrayDatum(se, NULL, p, pos, pfull);
		values[RES_T_STATS] = ExpandedArrayDatum(tstat, stat_null, p, pos, pfull);
		values[RES_P_VALUES] = ExpandedArrayDatum(pval, stat_null, p, pos, pfull);
	}
	else
		nulls[RES_STD_ERR] = nulls[RES_T_STATS] = nulls[RES_P_VALUES] = true;

	if (ssr + rss > 0)
		values[RES_R2] = Float8GetDatum(ssr / (ssr + rss));
	else
		nulls[RES_R2] = true;
	if (ssr + rss > 0 && df > 0)
		values[RES_ADJ_R2] = Float8GetDatum(1.0 - (rss / (ssr + rss)) * (double) (n - k0) / (double) df);
	else
		nulls[RES_ADJ_R2] = true;
	if (df > 0)
		values[RES_RESIDUAL_SD] = Float8GetDatum(sqrt(s2));
	else
		nulls[RES_RESIDUAL_SD] = true;
	if (df > 0 && p - k0 > 0 && rss > 0)
	{
		double		f = (ssr / (p - k0)) / s2;

		values[RES_F_STATISTIC] = Float8GetDatum(f);
		values[RES_F_P_VALUE] = Float8GetDatum(FUpperTailP(f, (double) (p - k0), (double) df));
	}
	else
		nulls[RES_F_STATISTIC] = nulls[RES_F_P_VALUE] = true;
	values[RES_CONDITION_NUMBER] = Float8GetDatum(sv[0] / sv[p - 1]);
	values[RES_N_ROWS] = Int64GetDatum(n);
	values[RES_N_SKIPPED] = Int64GetDatum(state->nskipped);
	values[RES_DF_RESIDUAL] = Int64GetDatum(df);
	values[RES_RSS] = Float8GetDatum(rss);

	/* covariance s^2 R^-1 R^-T, as a p x p array (NULL rows and columns for aliased columns) */
	if (df > 0)
	{
		Datum	   *d = palloc0(sizeof(Datum) * pfull * pfull);
		bool	   *dnull = palloc(sizeof(bool) * pfull * pfull);
		int			dims[2] = {pfull, pfull};
		int			lbs[2] = {1, 1};

		for (int i = 0; i < pfull * pfull; i++)
			dnull[i] = true;
		for (int i = 0; i < p; i++)
			for (int j = i; j < p; j++)
			{
				double		sum = cov[i + (Size) j * p];

				d[pos[i] * pfull + pos[j]] = d[pos[j] * pfull + pos[i]] = Float8GetDatum(s2 * sum);
				dnull[pos[i] * pfull + pos[j]] = dnull[pos[j] * pfull + pos[i]] = false;
			}
		values[RES_VCOV] = PointerGetDatum(construct_md_array(d, dnull, 2, dims, lbs, FLOAT8OID,
															 sizeof(float8), FLOAT8PASSBYVAL,
															 TYPALIGN_DOUBLE));
	}
	else
		nulls[RES_VCOV] = true;

	/*
	 * Gaussian log-likelihood at the maximum, as R's logLik.lm:
	 * -n/2 (log(2 pi) + 1 + log(RSS / n)); AIC and BIC count the p
	 * coefficients and the variance.  A weighted fit would need the sum of
	 * the logarithms of the weights, which the state does not keep: NULL.
	 */
	if (rss > 0 && !(state->flags & FITSTATE_WEIGHTED))
	{
		double		dn = (double) n;
		double		ll = -0.5 * dn * (log(2.0 * M_PI) + 1.0 + log(rss / dn));

		values[RES_LOG_LIKELIHOOD] = Float8GetDatum(ll);
		values[RES_AIC] = Float8GetDatum(-2.0 * ll + 2.0 * (p + 1));
		values[RES_BIC] = Float8GetDatum(-2.0 * ll + log(dn) * (p + 1));
	}
	else
		nulls[RES_LOG_LIKELIHOOD] = nulls[RES_AIC] = nulls[RES_BIC] = true;

	if (tupdesc->natts != RES_NATTS)
		elog(ERROR, "mlops.ols_result has %d attributes, expected %d", tupdesc->natts, RES_NATTS);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* mlops.ols_result(state): final function of ols_fit. */
Datum
mlops_ols_result(PG_FUNCTION_ARGS)
{
	return OlsResultDatum(fcinfo, PG_GETARG_FITSTATE(0), NULL, NULL, NULL);
}

/* mlops.ols_result(state, column_names): errors name the columns. */
Datum
mlops_ols_result_named(PG_FUNCTION_ARGS)
{
	FitState   *state;
	const char **names = NULL;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_FITSTATE(0);
	if (!PG_ARGISNULL(1))
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *elems;
		bool	   *enulls;
		int			nelems;

		deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &nelems);
		if (nelems != state->ncols && state->ncols > 0)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%d column names given for %d columns", nelems, state->ncols)));
		names = palloc(sizeof(char *) * Max(nelems, 1));
		for (int i = 0; i < nelems; i++)
			names[i] = enulls[i] ? "?" : TextDatumGetCString(elems[i]);
	}
	return OlsResultDatum(fcinfo, state, names, NULL, NULL);
}
