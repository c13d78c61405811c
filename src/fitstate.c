/*
 * fitstate.c
 *		The one-scan least-squares state: rows are buffered in blocks and folded
 *		into the R factor of the QR decomposition of [X | y] with LAPACK's
 *		dtpqrt; two states combine by folding one R into the other (TSQR).
 *
 *		The state is a varlena type with exact text and binary forms, so that
 *		it can be stored, shipped between nodes and combined anywhere.  Its
 *		input and receive functions treat their bytes as untrusted.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "common/int.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_fitstate_in);
PG_FUNCTION_INFO_V1(mlops_fitstate_out);
PG_FUNCTION_INFO_V1(mlops_fitstate_recv);
PG_FUNCTION_INFO_V1(mlops_fitstate_send);
PG_FUNCTION_INFO_V1(mlops_fitstate_accum);
PG_FUNCTION_INFO_V1(mlops_fitstate_accum_weighted);
PG_FUNCTION_INFO_V1(mlops_fitstate_accum_rows);
PG_FUNCTION_INFO_V1(mlops_fitstate_accum_weighted_rows);
PG_FUNCTION_INFO_V1(mlops_fitstate_accum_columns);
PG_FUNCTION_INFO_V1(mlops_fitstate_combine);
PG_FUNCTION_INFO_V1(mlops_fitstate_counts);

/* A state for ncols columns of X with room for bufcap buffered rows, R zero. */
FitState *
FitStateCreate(int ncols, int bufcap, MemoryContext cxt)
{
	FitState   *state;
	Size		size;

	if (ncols < 0 || ncols > MLOPS_MAX_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a fit may have 1 to %d columns, not %d", MLOPS_MAX_COLUMNS, ncols)));
	size = FITSTATE_SIZE(ncols, bufcap);
	state = MemoryContextAllocZero(cxt, size);
	SET_VARSIZE(state, size);
	state->version = FITSTATE_VERSION;
	state->flags = FITSTATE_FIRST_ONES;
	state->ncols = ncols;
	state->bufcap = bufcap;
	return state;
}

/* Fold the buffered rows into R. */
void
FitStateFlush(FitState *state)
{
	if (state->nbuf > 0)
	{
		LinalgFoldBlock(FITSTATE_R(state), FITSTATE_M(state), FITSTATE_BUF(state),
						state->nbuf, state->bufcap);
		state->nbuf = 0;
	}
}

/* Append one row of [X | y] to the buffer as it is (flags are the caller's). */
static inline void
FitStateAppend(FitState *state, const double *x, double y, double scale)
{
	double	   *buf = FITSTATE_BUF(state);
	int			cap = state->bufcap;
	int			p = state->ncols;
	int			i = state->nbuf;

	for (int j = 0; j < p; j++)
		buf[i + (Size) j * cap] = scale * x[j];
	buf[i + (Size) p * cap] = scale * y;
	state->nbuf++;
	state->nrows++;
	if (state->nbuf == cap)
		FitStateFlush(state);
}

/* Add one row whose values are known finite. */
void
FitStateAddRow(FitState *state, const double *x, double y)
{
	if (x[0] != 1.0)
		state->flags &= ~FITSTATE_FIRST_ONES;
	FitStateAppend(state, x, y, 1.0);
}

/* Add a count of rows to another, with an error past int64. */
static int64
AddCount(int64 a, int64 b)
{
	int64		sum;

	if (pg_add_s64_overflow(a, b, &sum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("fit state row count out of range")));
	return sum;
}

/* A palloc'd copy of the state with no rows left in its buffer (and none kept). */
FitState *
FitStateCopyFlushed(const FitState *state)
{
	Size		size = Min(VARSIZE(state), FITSTATE_SIZE(state->ncols, state->bufcap));
	FitState   *copy = palloc(size);

	memcpy(copy, state, size);
	SET_VARSIZE(copy, size);
	copy->flags &= ~FITSTATE_KEEPS_ROWS;
	copy->nkept = 0;
	FitStateFlush(copy);
	/* values near the largest double can overflow the QR: say so rather than compute with it */
	for (Size i = 0; i < (Size) FITSTATE_M(copy) * FITSTATE_M(copy); i++)
		if (!isfinite(FITSTATE_R(copy)[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the fit overflowed: the values are too large for double precision"),
					 errhint("Rescale the columns.")));
	return copy;
}

/*
 * Kept rows: ols_fit keeps every accepted row (x, y, w) after the buffer while
 * they fit in mlops.refine_memory, so that its final function can refine the
 * fit in extended precision.  The room doubles as rows arrive; a larger state
 * is a new value, made in the caller's short-lived context (the aggregate
 * copies it into its own).  Past the limit the rows are dropped for good.
 */
#define KEPT_ROWS_FIRST		256

static Size
KeptBytes(const FitState *state, int64 rows)
{
	return sizeof(double) * (Size) rows * FITSTATE_KEPT_STRIDE(state);
}

/* A copy of state (header, R, buffer, kept rows) with room for room kept rows. */
static FitState *
FitStateResizeKept(const FitState *state, int64 room, bool keep)
{
	Size		base = FITSTATE_SIZE(state->ncols, state->bufcap);
	Size		size = base + (keep ? KeptBytes(state, room) : 0);
	FitState   *copy = palloc(size);

	memcpy(copy, state, base);
	SET_VARSIZE(copy, size);
	if (keep)
		memcpy(FITSTATE_KEPT(copy), FITSTATE_KEPT(state), KeptBytes(state, state->nkept));
	else
	{
		copy->flags &= ~FITSTATE_KEEPS_ROWS;
		copy->nkept = 0;
	}
	return copy;
}

/*
 * Make room for extra more kept rows: the same state, a larger copy, or a copy
 * that keeps no rows when they would pass mlops.refine_memory.
 */
static FitState *
FitStateRoomForKept(FitState *state, int64 extra)
{
	int64		need = (int64) state->nkept + extra;
	int64		room = FITSTATE_KEPT_ROOM(state);
	int64		limit;

	if (!(state->flags & FITSTATE_KEEPS_ROWS) || need <= room)
		return state;
	limit = (int64) mlops_refine_memory * 1024 / (int64) (sizeof(double) * FITSTATE_KEPT_STRIDE(state));
	limit = Min(limit, (int64) (MaxAllocSize - FITSTATE_SIZE(state->ncols, state->bufcap)) /
				(int64) (sizeof(double) * FITSTATE_KEPT_STRIDE(state)));
	if (need > limit || need > PG_INT32_MAX)
		return FitStateResizeKept(state, 0, false);
	room = Max(Max(room * 2, KEPT_ROWS_FIRST), need);
	return FitStateResizeKept(state, Min(room, limit), true);
}

/*
 * Rows are kept only while the fit looks as if it will need them: when the
 * number of kept rows reaches a power of two from 1024 on, the column-scaled
 * condition number of the rows so far is computed (p^3 work, so only for up to
 * KEPT_CHECK_MAX_COLUMNS columns), and at or below mlops.refine_condition the
 * rows are dropped, since the final function would not refine.
 */
#define KEPT_CHECK_FIRST		1024
#define KEPT_CHECK_MAX_COLUMNS	100

static bool
KeptRowsStillWanted(FitState *state)
{
	int			p = state->ncols;
	int64		k = state->nkept;

	if (k < KEPT_CHECK_FIRST || (k & (k - 1)) != 0 || p > KEPT_CHECK_MAX_COLUMNS)
		return true;
	FitStateFlush(state);
	return ScaledConditionNumber(FITSTATE_R(state), FITSTATE_M(state), p) > mlops_refine_condition;
}

/* Keep one accepted row, if the state keeps rows; returns the state, perhaps a new one. */
static FitState *
FitStateKeepRow(FitState *state, const double *x, double y, double w)
{
	double	   *row;
	int			p = state->ncols;

	if (!(state->flags & FITSTATE_KEEPS_ROWS))
		return state;
	if (!KeptRowsStillWanted(state))
		return FitStateResizeKept(state, 0, false);
	state = FitStateRoomForKept(state, 1);
	if (!(state->flags & FITSTATE_KEEPS_ROWS))
		return state;
	row = FITSTATE_KEPT(state) + (Size) state->nkept * FITSTATE_KEPT_STRIDE(state);
	memcpy(row, x, sizeof(double) * p);
	row[p] = y;
	row[p + 1] = w;
	state->nkept++;
	return state;
}

/*
 * Error for a NaN or infinite input: "cannot <action> <kind> value in <what>",
 * what being "y" (index 0) or "x" (index counts from 1).
 */
void
CheckFiniteInput(double v, const char *action, const char *what, int index)
{
	if (unlikely(!isfinite(v)))
	{
		const char *kind = isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");

		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 index <= 0 ?
				 errmsg("cannot %s %s value in %s", action, kind, what) :
				 errmsg("cannot %s %s value in %s[%d]", action, kind, what, index),
				 errhint("Filter out or replace non-finite values.")));
	}
}

#define CheckFinite(v, what, index) CheckFiniteInput((v), "fit a model to", (what), (index))

/* The aggregate's memory context; an error when fname is called outside an aggregate. */
MemoryContext
MlopsAggContext(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggcxt;
}

/*
 * Count one skipped row.  A state created before the width of x is known has
 * no columns; it only counts, and gives way to a real state at the first row.
 */
static Datum
SkipRow(FitState *state, int ncols, MemoryContext aggcxt)
{
	if (state == NULL)
		state = FitStateCreate(ncols, ncols > 0 ? MLOPS_BLOCK_ROWS : 0, aggcxt);
	state->nskipped++;
	PG_RETURN_POINTER(state);
}

/* The state that takes a first complete row of width ncols. */
static FitState *
StateForRow(FitState *state, int ncols, MemoryContext aggcxt, bool keep)
{
	FitState   *fresh;

	if (state != NULL && state->ncols > 0)
		return state;
	fresh = FitStateCreate(ncols, MLOPS_BLOCK_ROWS, aggcxt);
	if (state != NULL)
		fresh->nskipped = state->nskipped;
	if (keep && mlops_refine_memory > 0)
		fresh->flags |= FITSTATE_KEEPS_ROWS;
	return fresh;
}

/*
 * The arguments from first on of a function that takes VARIADIC "any" must be
 * float8; the error names argument i as the (i + shown)th.  The caller checks
 * once per call site (flinfo->fn_extra) and marks it done.
 */
void
MlopsCheckFloat8Args(FunctionCallInfo fcinfo, int first, int shown, const char *fname)
{
	for (int i = first; i < PG_NARGS(); i++)
	{
		Oid			t = get_fn_expr_argtype(fcinfo->flinfo, i);

		if (t != FLOAT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("argument %d of %s has type %s, not double precision",
							i + shown, fname, format_type_be(t)),
					 errhint("Cast the argument to float8.")));
	}
}

/* The number of elements of a row's x, which must be a one-dimensional float8[]. */
int
MlopsRowArrayLength(ArrayType *xa)
{
	if (ARR_ELEMTYPE(xa) != FLOAT8OID)
		elog(ERROR, "x must be float8[]");
	if (ARR_NDIM(xa) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional array, not %d-dimensional", ARR_NDIM(xa))));
	return ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa));
}

/* The number of columns in a row's x, checked against the rows before it. */
static int
RowWidth(ArrayType *xa, const FitState *state)
{
	int			nx = MlopsRowArrayLength(xa);

	if (nx < 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must have at least one element")));
	if (state != NULL && state->ncols > 0 && nx != state->ncols)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x has %d elements, but earlier rows had %d", nx, state->ncols),
				 errhint("Every row of a fit must have the same number of columns.")));
	return nx;
}

/*
 * ols_fit / fit_state transition: (state, y float8, x float8[]).
 * Rows with a NULL y, x or element of x are skipped and counted.
 */
static Datum
AccumArrayRow(FunctionCallInfo fcinfo, bool keep)
{
	MemoryContext aggcxt = MlopsAggContext(fcinfo, "mlops.fitstate_accum");
	FitState   *state = PG_ARGISNULL(0) ? NULL : DatumGetFitState(PG_GETARG_DATUM(0));
	ArrayType  *xa;
	int			nx;
	double		y;
	const double *x;

	if (PG_ARGISNULL(2))
		return SkipRow(state, 0, aggcxt);
	xa = PG_GETARG_ARRAYTYPE_P(2);
	nx = RowWidth(xa, state);
	if (PG_ARGISNULL(1) || ARR_HASNULL(xa))
		return SkipRow(state, state ? state->ncols : nx, aggcxt);

	y = PG_GETARG_FLOAT8(1);
	x = (const double *) ARR_DATA_PTR(xa);
	CheckFinite(y, "y", 0);
	for (int j = 0; j < nx; j++)
		CheckFinite(x[j], "x", j + 1);

	state = StateForRow(state, nx, aggcxt, keep);
	FitStateAddRow(state, x, y);
	PG_RETURN_POINTER(FitStateKeepRow(state, x, y, 1.0));
}

Datum
mlops_fitstate_accum(PG_FUNCTION_ARGS)
{
	return AccumArrayRow(fcinfo, false);
}

/* ols_fit's transition: as mlops.fitstate_accum, and keeps the rows for refinement. */
Datum
mlops_fitstate_accum_rows(PG_FUNCTION_ARGS)
{
	return AccumArrayRow(fcinfo, true);
}

/*
 * Weighted transition: (state, y float8, x float8[], w float8).  A row of
 * weight w enters as sqrt(w) (x, y), so the fit minimises sum w (y - x b)^2.
 * Rows of weight 0 do not count (as in R's lm); a NULL anywhere skips the row.
 */
static Datum
AccumWeightedRow(FunctionCallInfo fcinfo, bool keep)
{
	MemoryContext aggcxt = MlopsAggContext(fcinfo, "mlops.fitstate_accum_weighted");
	FitState   *state = PG_ARGISNULL(0) ? NULL : DatumGetFitState(PG_GETARG_DATUM(0));
	ArrayType  *xa;
	int			nx;
	double		y;
	double		w;
	const double *x;

	if (PG_ARGISNULL(2))
		return SkipRow(state, 0, aggcxt);
	xa = PG_GETARG_ARRAYTYPE_P(2);
	nx = RowWidth(xa, state);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3) || ARR_HASNULL(xa))
		return SkipRow(state, state ? state->ncols : nx, aggcxt);

	y = PG_GETARG_FLOAT8(1);
	w = PG_GETARG_FLOAT8(3);
	x = (const double *) ARR_DATA_PTR(xa);
	CheckFinite(y, "y", 0);
	for (int j = 0; j < nx; j++)
		CheckFinite(x[j], "x", j + 1);
	CheckFinite(w, "w", 0);
	if (w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight %g is negative", w),
				 errhint("Weights must be zero or positive.")));

	state = StateForRow(state, nx, aggcxt, keep);
	state->flags |= FITSTATE_WEIGHTED;
	if (w == 0)
		PG_RETURN_POINTER(state);
	if (x[0] != 1.0)
		state->flags &= ~FITSTATE_FIRST_ONES;
	FitStateAppend(state, x, y, sqrt(w));
	PG_RETURN_POINTER(FitStateKeepRow(state, x, y, w));
}

Datum
mlops_fitstate_accum_weighted(PG_FUNCTION_ARGS)
{
	return AccumWeightedRow(fcinfo, false);
}

/* Weighted ols_fit's transition: keeps the rows for refinement too. */
Datum
mlops_fitstate_accum_weighted_rows(PG_FUNCTION_ARGS)
{
	return AccumWeightedRow(fcinfo, true);
}

/*
 * fit_columns transition: (state, VARIADIC "any") with float8 arguments
 * y, x1, ..., xp, passed one by one so that no array is built per row.
 */
Datum
mlops_fitstate_accum_columns(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = MlopsAggContext(fcinfo, "mlops.fitstate_accum_columns");
	FitState   *state = PG_ARGISNULL(0) ? NULL : DatumGetFitState(PG_GETARG_DATUM(0));
	int			nargs = PG_NARGS();
	int			p = nargs - 2;
	double		xbuf[64];
	double	   *x;
	double		y;

	/* argument types are checked once per query */
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("mlops.fit_columns does not take a VARIADIC array"),
					 errhint("Use mlops.fit_state(y, x) for an array of features.")));
		if (p < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("mlops.fit_columns needs y and at least one x")));
		MlopsCheckFloat8Args(fcinfo, 1, 0, "mlops.fit_columns");
		if (p > MLOPS_MAX_COLUMNS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a fit may have 1 to %d columns, not %d", MLOPS_MAX_COLUMNS, p)));
		fcinfo->flinfo->fn_extra = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * p);
	}
	x = p <= lengthof(xbuf) ? xbuf : (double *) fcinfo->flinfo->fn_extra;

	for (int i = 1; i < nargs; i++)
		if (PG_ARGISNULL(i))
			return SkipRow(state, p, aggcxt);
	y = PG_GETARG_FLOAT8(1);
	CheckFinite(y, "y", 0);
	for (int j = 0; j < p; j++)
	{
		x[j] = PG_GETARG_FLOAT8(j + 2);
		CheckFinite(x[j], "x", j + 1);
	}
	state = StateForRow(state, p, aggcxt, false);
	FitStateAddRow(state, x, y);
	PG_RETURN_POINTER(state);
}

/* Add the rows buffered in src (same width) to dst. */
static void
AppendBufferedRows(FitState *dst, const FitState *src)
{
	int			m = FITSTATE_M(src);
	const double *buf = FITSTATE_BUF(src);
	double	   *row;

	if (src->nbuf < 0 || src->nbuf > src->bufcap)
		elog(ERROR, "invalid fit state");
	if (src->nbuf == 0)
		return;
	row = palloc(sizeof(double) * m);
	for (int i = 0; i < src->nbuf; i++)
	{
		for (int j = 0; j < m; j++)
			row[j] = buf[i + (Size) j * src->bufcap];
		FitStateAppend(dst, row, row[m - 1], 1.0);
	}
	pfree(row);
}

/*
 * Combine: fold the second state into the first.  Used as the combine
 * function under parallel query and as the transition of fit_merge, where
 * the first state belongs to the aggregate and is modified in place; called
 * as an ordinary function it works on a copy.
 */
Datum
mlops_fitstate_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	bool		in_aggregate = AggCheckCallContext(fcinfo, &aggcxt);
	FitState   *s1;
	FitState   *s2;
	int			m;
	int64		folded2;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	s2 = DatumGetFitState(PG_GETARG_DATUM(1));
	if (s2->version != FITSTATE_VERSION || s2->ncols < 0 || s2->ncols > MLOPS_MAX_COLUMNS)
		elog(ERROR, "invalid fit state");
	s1 = PG_ARGISNULL(0) ? NULL : DatumGetFitState(PG_GETARG_DATUM(0));
	if (!in_aggregate)
	{
		/* an ordinary call: its arguments are not ours to change */
		aggcxt = CurrentMemoryContext;
		if (s1 != NULL)
		{
			FitState   *copy = FitStateCreate(s1->ncols, s1->ncols > 0 ? MLOPS_BLOCK_ROWS : 0, aggcxt);
			Size		rsize = sizeof(double) * FITSTATE_M(s1) * FITSTATE_M(s1);

			if (s1->version != FITSTATE_VERSION)
				elog(ERROR, "invalid fit state");
			copy->flags = s1->flags & ~FITSTATE_KEEPS_ROWS;
			copy->nrows = s1->nrows - s1->nbuf;
			copy->nskipped = s1->nskipped;
			if (s1->ncols > 0)
				memcpy(FITSTATE_R(copy), FITSTATE_R(s1), rsize);
			AppendBufferedRows(copy, s1);
			s1 = copy;
		}
	}
	if (s2->ncols == 0)
	{
		/* s2 only counts skipped rows */
		if (s1 == NULL)
			s1 = FitStateCreate(0, 0, aggcxt);
		s1->nskipped = AddCount(s1->nskipped, s2->nskipped);
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL || s1->ncols == 0)
	{
		/* a private state, with a full buffer, in the aggregate's context */
		FitState   *fresh = FitStateCreate(s2->ncols, MLOPS_BLOCK_ROWS, aggcxt);

		if (s1 != NULL)
			fresh->nskipped = s1->nskipped;
		/* no rows yet: it keeps them if s2 does */
		fresh->flags |= (s2->flags & FITSTATE_KEEPS_ROWS);
		s1 = fresh;
	}

	if (s1->ncols != s2->ncols)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot combine fit states of %d and %d columns", s1->ncols, s2->ncols)));

	/* kept rows: s1 keeps all rows only if both kept theirs and they fit together */
	if (s1->flags & FITSTATE_KEEPS_ROWS)
	{
		if (!(s2->flags & FITSTATE_KEEPS_ROWS) || s2->nkept < 0 || s2->nkept > FITSTATE_KEPT_ROOM(s2))
			s1 = FitStateResizeKept(s1, 0, false);
		else
		{
			s1 = FitStateRoomForKept(s1, s2->nkept);
			if (s1->flags & FITSTATE_KEEPS_ROWS)
			{
				memcpy(FITSTATE_KEPT(s1) + (Size) s1->nkept * FITSTATE_KEPT_STRIDE(s1),
					   FITSTATE_KEPT(s2), KeptBytes(s2, s2->nkept));
				s1->nkept += s2->nkept;
			}
		}
	}

	m = FITSTATE_M(s1);
	s1->nskipped = AddCount(s1->nskipped, s2->nskipped);
	(void) AddCount(s1->nrows, s2->nrows);
	if (!(s2->flags & FITSTATE_FIRST_ONES))
		s1->flags &= ~FITSTATE_FIRST_ONES;
	s1->flags |= (s2->flags & FITSTATE_WEIGHTED);

	/* rows buffered in s2 go through s1's buffer */
	AppendBufferedRows(s1, s2);

	/* the rows already in s2's R: one TSQR step on a copy of it */
	folded2 = s2->nrows - s2->nbuf;
	if (folded2 > 0)
	{
		double	   *r2 = palloc(sizeof(double) * m * m);

		memcpy(r2, FITSTATE_R(s2), sizeof(double) * m * m);
		LinalgFoldTriangle(FITSTATE_R(s1), r2, m);
		pfree(r2);
		s1->nrows = AddCount(s1->nrows, folded2);
	}
	PG_RETURN_POINTER(s1);
}

/* ------------------------------------------------------------------------
 * Text form:  "v1:<ncols>:<nrows>:<nskipped>:<flags>:" followed by the upper
 * triangle of R, column by column, each double as 16 hexadecimal digits of
 * its IEEE 754 bits.  Buffered rows are folded first, so the form is exact.
 * ------------------------------------------------------------------------ */

static void
BadState(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type mlops.fitstate"),
			 errdetail("%s", detail)));
}

/* An empty state read from outside, after its header was checked. */
static FitState *
NewStateFromParts(int64 ncols, int64 nrows, int64 nskipped, int64 flags)
{
	FitState   *state;

	state = FitStateCreate((int) ncols, ncols > 0 ? MLOPS_BLOCK_ROWS : 0, CurrentMemoryContext);
	state->nrows = nrows;
	state->nskipped = nskipped;
	state->flags = (uint16) flags;
	return state;
}

/* Whether a header read from outside describes a possible state. */
static bool
ValidHeader(int64 ncols, int64 nrows, int64 nskipped, int64 flags)
{
	return ncols >= 0 && ncols <= MLOPS_MAX_COLUMNS &&
		nrows >= 0 && nskipped >= 0 &&
		(ncols > 0 || nrows == 0) &&
		(flags & ~((int64) (FITSTATE_FIRST_ONES | FITSTATE_WEIGHTED))) == 0;
}

static int64
ParseCount(char **pos, const char *what)
{
	char	   *s = *pos;
	char	   *end;
	long long	v;

	if (!isdigit((unsigned char) *s))
		BadState(psprintf("Expected %s.", what));
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != ':')
		BadState(psprintf("Expected %s followed by \":\".", what));
	*pos = end + 1;
	return (int64) v;
}

static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

Datum
mlops_fitstate_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	char	   *pos = str;
	int64		ncols,
				nrows,
				nskipped,
				flags;
	FitState   *state;
	int			m;
	Size		ntri;
	double	   *R;

	if (strncmp(pos, "v1:", 3) != 0)
		BadState("A fit state starts with \"v1:\".");
	pos += 3;
	ncols = ParseCount(&pos, "the number of columns");
	nrows = ParseCount(&pos, "the number of rows");
	nskipped = ParseCount(&pos, "the number of skipped rows");
	flags = ParseCount(&pos, "the flags");
	if (!ValidHeader(ncols, nrows, nskipped, flags))
		BadState("The header must give 0 to 1000 columns, counts that are not negative, and known flags.");
	state = NewStateFromParts(ncols, nrows, nskipped, flags);
	m = FITSTATE_M(state);
	ntri = (Size) m * (m + 1) / 2;
	if (strlen(pos) != ntri * 16)
		BadState(psprintf("Expected %zu hexadecimal digits for R.", ntri * 16));
	R = FITSTATE_R(state);
	for (int j = 0; j < m; j++)
	{
		for (int i = 0; i <= j; i++)
		{
			uint64		bits = 0;
			double		v;

			for (int k = 0; k < 16; k++)
			{
				int			h = HexValue(*pos++);

				if (h < 0)
					BadState("R must be given in hexadecimal digits.");
				bits = (bits << 4) | (uint64) h;
			}
			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				BadState("R must hold finite values.");
			R[i + (Size) j * m] = v;
		}
	}
	PG_RETURN_POINTER(state);
}

Datum
mlops_fitstate_out(PG_FUNCTION_ARGS)
{
	FitState   *state = FitStateCopyFlushed(PG_GETARG_FITSTATE(0));
	int			m = FITSTATE_M(state);
	double	   *R = FITSTATE_R(state);
	StringInfoData out;
	static const char hex[] = "0123456789abcdef";

	initStringInfo(&out);
	appendStringInfo(&out, "v1:%d:" INT64_FORMAT ":" INT64_FORMAT ":%d:",
					 state->ncols, state->nrows, state->nskipped,
					 (int) (state->flags & ~FITSTATE_KEEPS_ROWS));
	enlargeStringInfo(&out, m * (m + 1) / 2 * 16 + 1);
	for (int j = 0; j < m; j++)
	{
		for (int i = 0; i <= j; i++)
		{
			uint64		bits;
			char	   *d = out.data + out.len;

			memcpy(&bits, &R[i + (Size) j * m], sizeof(bits));
			for (int k = 15; k >= 0; k--)
			{
				d[k] = hex[bits & 0xf];
				bits >>= 4;
			}
			out.len += 16;
		}
	}
	out.data[out.len] = '\0';
	PG_RETURN_CSTRING(out.data);
}

/* Binary form: version, flags, ncols, nrows, nskipped, then the upper triangle of R. */
Datum
mlops_fitstate_send(PG_FUNCTION_ARGS)
{
	FitState   *state = FitStateCopyFlushed(PG_GETARG_FITSTATE(0));
	int			m = FITSTATE_M(state);
	double	   *R = FITSTATE_R(state);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, FITSTATE_VERSION);
	pq_sendint16(&buf, state->flags & ~FITSTATE_KEEPS_ROWS);
	pq_sendint32(&buf, state->ncols);
	pq_sendint64(&buf, state->nrows);
	pq_sendint64(&buf, state->nskipped);
	for (int j = 0; j < m; j++)
		for (int i = 0; i <= j; i++)
			pq_sendfloat8(&buf, R[i + (Size) j * m]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
mlops_fitstate_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version;
	int64		flags,
				ncols,
				nrows,
				nskipped;
	FitState   *state;
	int			m;
	double	   *R;

	version = pq_getmsgint(buf, 2);
	if (version != FITSTATE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported mlops.fitstate binary version %d", version)));
	flags = pq_getmsgint(buf, 2);
	ncols = (int32) pq_getmsgint(buf, 4);
	nrows = pq_getmsgint64(buf);
	nskipped = pq_getmsgint64(buf);
	if (!ValidHeader(ncols, nrows, nskipped, flags))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type mlops.fitstate")));
	m = (int) ncols + 1;
	/* check the length before allocating anything sized by it */
	if ((Size) (buf->len - buf->cursor) != (Size) m * (m + 1) / 2 * sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type mlops.fitstate"),
				 errdetail("Expected %zu bytes for R.", (Size) m * (m + 1) / 2 * sizeof(double))));
	state = NewStateFromParts(ncols, nrows, nskipped, flags);
	R = FITSTATE_R(state);
	for (int j = 0; j < m; j++)
		for (int i = 0; i <= j; i++)
		{
			double		v = pq_getmsgfloat8(buf);

			if (!isfinite(v))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid binary value for type mlops.fitstate"),
						 errdetail("R must hold finite values.")));
			R[i + (Size) j * m] = v;
		}
	PG_RETURN_POINTER(state);
}

/* mlops.fitstate_counts(state): columns of x, rows, rows skipped for NULLs. */
Datum
mlops_fitstate_counts(PG_FUNCTION_ARGS)
{
	FitState   *state = PG_GETARG_FITSTATE(0);
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int32GetDatum(state->ncols);
	values[1] = Int64GetDatum(state->nrows);
	values[2] = Int64GetDatum(state->nskipped);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
