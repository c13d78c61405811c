/*
 * vecsum.c
 *		Element-wise sums of arrays: mlops.vec_add(a, b) and the aggregate
 *		mlops.vec_sum(array), for bigint[] and float8[].  The drift summaries
 *		(mlops.drift_log, mlops.drift_totals) keep their counts and sums as
 *		arrays indexed by baseline ordinal; these add them up.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_vec_add_int8);
PG_FUNCTION_INFO_V1(mlops_vec_add_float8);

/*
 * The arrays to add: one-dimensional, of the element type, without NULLs, of
 * the same length.  Returns that length.
 */
static int
VecCheck(ArrayType *a, ArrayType *b, Oid elemtype)
{
	int			na;
	int			nb;

	if (ARR_ELEMTYPE(a) != elemtype || ARR_ELEMTYPE(b) != elemtype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot add arrays of element type %s and %s",
						format_type_be(ARR_ELEMTYPE(a)), format_type_be(ARR_ELEMTYPE(b)))));
	if (ARR_NDIM(a) > 1 || ARR_NDIM(b) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("only one-dimensional arrays can be added element by element")));
	if (ARR_HASNULL(a) || ARR_HASNULL(b))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arrays added element by element must not contain NULLs")));
	na = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	nb = ArrayGetNItems(ARR_NDIM(b), ARR_DIMS(b));
	if (na != nb)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("cannot add arrays of %d and %d elements", na, nb)));
	return na;
}

/*
 * The array the sum goes into: inside an aggregate the first argument, the
 * transition state, which is the aggregate's own (a detoasted copy when it came
 * toasted, which the executor then copies); otherwise a copy.
 */
static ArrayType *
VecTarget(FunctionCallInfo fcinfo)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(0);
	return PG_GETARG_ARRAYTYPE_P_COPY(0);
}

/* mlops.vec_add(bigint[], bigint[]): a + b element by element; an overflow is an error. */
Datum
mlops_vec_add_int8(PG_FUNCTION_ARGS)
{
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *a = VecTarget(fcinfo);
	int			n = VecCheck(a, b, INT8OID);
	int64	   *x = (int64 *) ARR_DATA_PTR(a);
	const int64 *y = (const int64 *) ARR_DATA_PTR(b);

	for (int i = 0; i < n; i++)
		if (pg_add_s64_overflow(x[i], y[i], &x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bigint out of range")));
	PG_RETURN_ARRAYTYPE_P(a);
}

/* mlops.vec_add(float8[], float8[]): a + b element by element. */
Datum
mlops_vec_add_float8(PG_FUNCTION_ARGS)
{
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *a = VecTarget(fcinfo);
	int			n = VecCheck(a, b, FLOAT8OID);
	double	   *x = (double *) ARR_DATA_PTR(a);
	const double *y = (const double *) ARR_DATA_PTR(b);

	for (int i = 0; i < n; i++)
		x[i] += y[i];
	PG_RETURN_ARRAYTYPE_P(a);
}
