/*
 * holdout.c
 *		Deterministic hold-out: a row's split follows from a hash of the bits of
 *		its values, computed the same way on every platform.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_holdout_hash);
PG_FUNCTION_INFO_V1(mlops_holdout_hash_array);

/* The finalizer of SplitMix64: a bijection of 64-bit words that mixes every bit. */
static inline uint64
Mix64(uint64 z)
{
	z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Fold value number i (NULL or a float8) into the hash. */
static inline uint64
HashStep(uint64 h, int i, bool isnull, double v)
{
	uint64		bits;

	if (isnull)
		bits = UINT64CONST(0x7ff8dead0000beef);
	else
	{
		if (v == 0.0)
			v = 0.0;			/* -0 as 0 */
		if (isnan(v))
			bits = UINT64CONST(0x7ff8000000000000);
		else
			memcpy(&bits, &v, sizeof(bits));
	}
	return Mix64(h ^ bits) + (uint64) i;
}

#define HASH_SEED	UINT64CONST(0x6d6c6f7073)	/* "mlops" */

/* The top 53 bits of the finished hash as a fraction in [0, 1). */
static inline double
HashFraction(uint64 h)
{
	return (double) (Mix64(h) >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * mlops.holdout_hash(VARIADIC "any"): a number in [0, 1) from float8
 * arguments.  -0 hashes as 0, every NaN alike, and NULL as a value of its own.
 */
Datum
mlops_holdout_hash(PG_FUNCTION_ARGS)
{
	uint64		h = HASH_SEED;
	int			nargs = PG_NARGS();

	if (fcinfo->flinfo->fn_extra == NULL)
	{
		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("mlops.holdout_hash does not take a VARIADIC array"),
					 errhint("Pass the float8[] array itself, without VARIADIC.")));
		MlopsCheckFloat8Args(fcinfo, 0, 1, "mlops.holdout_hash");
		fcinfo->flinfo->fn_extra = fcinfo->flinfo;	/* checked */
	}

	for (int i = 0; i < nargs; i++)
		h = HashStep(h, i, PG_ARGISNULL(i), PG_ARGISNULL(i) ? 0.0 : PG_GETARG_FLOAT8(i));
	PG_RETURN_FLOAT8(HashFraction(h));
}

/*
 * mlops.holdout_hash(float8[]): the same number for the elements of an array
 * as for the same values passed one by one, for rows of more columns than a
 * function may take arguments.
 */
Datum
mlops_holdout_hash_array(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	uint64		h = HASH_SEED;

	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		h = HashStep(h, i, nulls[i], nulls[i] ? 0.0 : DatumGetFloat8(elems[i]));
	PG_RETURN_FLOAT8(HashFraction(h));
}
