/*
 * baseline.c
 *		Bin counts of training values against the quantile edges of a baseline.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"

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

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("mlops.bin_counts_accum called in non-aggregate context")));
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
	counts = PG_ARGISNULL(0) ? NewCounts(nedges + 1, aggcxt) : PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_DIMS(counts)[0] != nedges + 1)
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
	MemoryContext aggcxt;
	ArrayType  *a;
	ArrayType  *b;
	int			k;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("mlops.bin_counts_combine called in non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_ARRAYTYPE_P(1);
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		a = DatumGetArrayTypePCopy(PointerGetDatum(b));
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	k = ARR_DIMS(a)[0];
	if (ARR_NDIM(a) != 1 || ARR_NDIM(b) != 1 || ARR_DIMS(b)[0] != k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine bin counts of different lengths")));
	for (int i = 0; i < k; i++)
		((int64 *) ARR_DATA_PTR(a))[i] += ((const int64 *) ARR_DATA_PTR(b))[i];
	PG_RETURN_POINTER(a);
}
