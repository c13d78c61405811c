/*
 * holdout.c
 *		Deterministic hold-out: a row's split follows from a hash of the bits of
 *		its values, computed the same way on every platform.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_holdout_hash);

/* The finalizer of SplitMix64: a bijection of 64-bit words that mixes every bit. */
static inline uint64
Mix64(uint64 z)
{
	z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * mlops.holdout_hash(VARIADIC "any"): a number in [0, 1) from float8
 * arguments.  -0 hashes as 0, every NaN alike, and NULL as a value of its own.
 */
Datum
mlops_holdout_hash(PG_FUNCTION_ARGS)
{
	uint64		h = UINT64CONST(0x6d6c6f7073);	/* "mlops" */
	int			nargs = PG_NARGS();

	if (fcinfo->flinfo->fn_extra == NULL)
	{
		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("mlops.holdout_hash does not take a VARIADIC array")));
		for (int i = 0; i < nargs; i++)
		{
			Oid			t = get_fn_expr_argtype(fcinfo->flinfo, i);

			if (t != FLOAT8OID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("argument %d of mlops.holdout_hash has type %s, not double precision",
								i + 1, format_type_be(t)),
						 errhint("Cast the argument to float8.")));
		}
		fcinfo->flinfo->fn_extra = fcinfo->flinfo;	/* checked */
	}

	for (int i = 0; i < nargs; i++)
	{
		uint64		bits;

		if (PG_ARGISNULL(i))
			bits = UINT64CONST(0x7ff8dead0000beef);
		else
		{
			double		v = PG_GETARG_FLOAT8(i);

			if (v == 0.0)
				v = 0.0;
			if (isnan(v))
				bits = UINT64CONST(0x7ff8000000000000);
			else
				memcpy(&bits, &v, sizeof(bits));
		}
		h = Mix64(h ^ bits) + (uint64) i;
	}
	h = Mix64(h);
	/* top 53 bits as a fraction */
	PG_RETURN_FLOAT8((double) (h >> 11) * (1.0 / 9007199254740992.0));
}
