/*
 * metrics.c
 *		Prediction-error statistics of a linear model over a relation in one
 *		parallel-safe aggregate: n, RMSE, MAE and R² (about the mean of y).
 *
 *		The state is a float8[6]: n, sum of squared errors, sum of absolute
 *		errors, mean of y, and the sum of squared deviations of y from its mean
 *		(Welford; two states combine with Chan's formula).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_error_stats_accum);
PG_FUNCTION_INFO_V1(mlops_error_stats_accum_array);
PG_FUNCTION_INFO_V1(mlops_error_stats_combine);

/*
 * The common start of the combine function of an aggregate whose state is an
 * array.  When one side is NULL the answer is known: the other side (NULL if
 * both are), or a copy of the second state in the aggregate's context; then it
 * is in *result (with fcinfo->isnull set for NULL) and the return is true.
 * Otherwise *a (the state to fold into, in the aggregate's context) and *b are
 * the two states and the return is false.
 */
bool
CombineArrayStates(FunctionCallInfo fcinfo, const char *fname, ArrayType **a, ArrayType **b, Datum *result)
{
	MemoryContext aggcxt;

	aggcxt = MlopsAggContext(fcinfo, fname);
	*a = *b = NULL;
	if (PG_ARGISNULL(1))
	{
		fcinfo->isnull = PG_ARGISNULL(0);
		*result = fcinfo->isnull ? (Datum) 0 : PG_GETARG_DATUM(0);
		return true;
	}
	*b = PG_GETARG_ARRAYTYPE_P(1);
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		*result = PointerGetDatum(DatumGetArrayTypePCopy(PointerGetDatum(*b)));
		MemoryContextSwitchTo(old);
		return true;
	}
	*a = PG_GETARG_ARRAYTYPE_P(0);
	return false;
}
PG_FUNCTION_INFO_V1(mlops_error_stats_final);

#define ES_N		0
#define ES_SSE		1
#define ES_SAE		2
#define ES_MEAN		3
#define ES_M2		4
#define ES_SKIPPED	5
#define ES_LEN		6

static ArrayType *
NewStatsArray(MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum		zeros[ES_LEN];
	ArrayType  *a;

	for (int i = 0; i < ES_LEN; i++)
		zeros[i] = Float8GetDatum(0.0);
	a = construct_array(zeros, ES_LEN, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	MemoryContextSwitchTo(old);
	return a;
}

static double *
StatsOf(ArrayType *a)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != ES_LEN || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid mlops.error_stats state"),
				 errdetail("The state is a float8[] of %d elements without NULLs.", ES_LEN)));
	return (double *) ARR_DATA_PTR(a);
}

/* The aggregate's state, created on the first row. */
static ArrayType *
StatsState(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	aggcxt = MlopsAggContext(fcinfo, fname);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("coefficients must not be NULL")));
	return PG_ARGISNULL(0) ? NewStatsArray(aggcxt) : PG_GETARG_ARRAYTYPE_P(0);
}

static const double *
Coefficients(ArrayType *coefs, int p)
{
	if (ARR_ELEMTYPE(coefs) != FLOAT8OID || ARR_NDIM(coefs) != 1 || ARR_HASNULL(coefs) ||
		ARR_DIMS(coefs)[0] != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d coefficients without NULLs", p)));
	return (const double *) ARR_DATA_PTR(coefs);
}

#define CheckFiniteValue(v, what, index) CheckFiniteInput((v), "evaluate a model on", (what), (index))

/* Add the error e = y - pred of one row. */
static void
AddError(double *st, double y, double pred)
{
	double		e = y - pred;
	double		delta;

	st[ES_N] += 1.0;
	st[ES_SSE] += e * e;
	st[ES_SAE] += fabs(e);
	delta = y - st[ES_MEAN];
	st[ES_MEAN] += delta / st[ES_N];
	st[ES_M2] += delta * (y - st[ES_MEAN]);
}

/*
 * error_stats transition: (state, coef float8[], VARIADIC "any") with float8
 * arguments y, x1, ..., xp; the prediction is sum coef[j] * x[j].  Rows with
 * a NULL are skipped and counted; NaN and infinities are errors.
 */
Datum
mlops_error_stats_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = StatsState(fcinfo, "mlops.error_stats_accum");
	int			p = PG_NARGS() - 3;
	const double *coef;
	double	   *st = StatsOf(state);
	double		y;
	double		pred = 0.0;

	if (fcinfo->flinfo->fn_extra == NULL)
	{
		MlopsCheckFloat8Args(fcinfo, 2, 0, "mlops.error_stats");
		fcinfo->flinfo->fn_extra = fcinfo->flinfo;	/* checked */
	}
	coef = Coefficients(PG_GETARG_ARRAYTYPE_P(1), p);
	for (int i = 2; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
		{
			st[ES_SKIPPED] += 1.0;
			PG_RETURN_POINTER(state);
		}
	y = PG_GETARG_FLOAT8(2);
	CheckFiniteValue(y, "y", 0);
	for (int j = 0; j < p; j++)
	{
		double		x = PG_GETARG_FLOAT8(j + 3);

		CheckFiniteValue(x, "x", j + 1);
		pred += coef[j] * x;
	}
	AddError(st, y, pred);
	PG_RETURN_POINTER(state);
}

/* error_stats transition for (state, coef float8[], y float8, x float8[]). */
Datum
mlops_error_stats_accum_array(PG_FUNCTION_ARGS)
{
	ArrayType  *state = StatsState(fcinfo, "mlops.error_stats_accum");
	double	   *st = StatsOf(state);
	ArrayType  *xa;
	const double *coef;
	const double *x;
	int			p;
	double		y;
	double		pred = 0.0;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		st[ES_SKIPPED] += 1.0;
		PG_RETURN_POINTER(state);
	}
	xa = PG_GETARG_ARRAYTYPE_P(3);
	if (ARR_HASNULL(xa))
	{
		st[ES_SKIPPED] += 1.0;
		PG_RETURN_POINTER(state);
	}
	p = ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa));
	if (ARR_NDIM(xa) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional array")));
	coef = Coefficients(PG_GETARG_ARRAYTYPE_P(1), p);
	x = (const double *) ARR_DATA_PTR(xa);
	y = PG_GETARG_FLOAT8(2);
	CheckFiniteValue(y, "y", 0);
	for (int j = 0; j < p; j++)
	{
		CheckFiniteValue(x[j], "x", j + 1);
		pred += coef[j] * x[j];
	}
	AddError(st, y, pred);
	PG_RETURN_POINTER(state);
}

Datum
mlops_error_stats_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ArrayType  *a;
	double	   *s1;
	const double *s2;
	double		n;
	double		delta;

	aggcxt = MlopsAggContext(fcinfo, "mlops.error_stats_combine");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	s2 = StatsOf(PG_GETARG_ARRAYTYPE_P(1));
	a = PG_ARGISNULL(0) ? NewStatsArray(aggcxt) : PG_GETARG_ARRAYTYPE_P(0);
	s1 = StatsOf(a);
	s1[ES_SKIPPED] += s2[ES_SKIPPED];
	if (s2[ES_N] == 0)
		PG_RETURN_POINTER(a);
	n = s1[ES_N] + s2[ES_N];
	delta = s2[ES_MEAN] - s1[ES_MEAN];
	s1[ES_M2] += s2[ES_M2] + delta * delta * s1[ES_N] * s2[ES_N] / n;
	s1[ES_MEAN] += delta * s2[ES_N] / n;
	s1[ES_SSE] += s2[ES_SSE];
	s1[ES_SAE] += s2[ES_SAE];
	s1[ES_N] = n;
	PG_RETURN_POINTER(a);
}

/* {n, rmse, mae, r2, skipped}; r2 is NULL when y is constant, all but skipped when n = 0. */
Datum
mlops_error_stats_final(PG_FUNCTION_ARGS)
{
	const double *st;
	Datum		out[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			dims[1] = {5};
	int			lbs[1] = {1};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = StatsOf(PG_GETARG_ARRAYTYPE_P(0));
	out[0] = Float8GetDatum(st[ES_N]);
	out[4] = Float8GetDatum(st[ES_SKIPPED]);
	if (st[ES_N] > 0)
	{
		out[1] = Float8GetDatum(sqrt(st[ES_SSE] / st[ES_N]));
		out[2] = Float8GetDatum(st[ES_SAE] / st[ES_N]);
	}
	else
	{
		out[1] = out[2] = Float8GetDatum(0.0);
		nulls[1] = nulls[2] = true;
	}
	if (st[ES_N] > 0 && st[ES_M2] > 0)
		out[3] = Float8GetDatum(1.0 - st[ES_SSE] / st[ES_M2]);
	else
	{
		out[3] = Float8GetDatum(0.0);
		nulls[3] = true;
	}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(out, nulls, 1, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
