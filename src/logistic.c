/*
 * logistic.c
 *		Logistic regression by iteratively reweighted least squares (IRLS):
 *		Newton's method on the log-likelihood, each step the weighted
 *		least-squares fit of the working response z = eta + (y - mu) / w on X
 *		with weights w = mu (1 - mu), solved by a QR decomposition of
 *		sqrt(W) [X | z] (the R factor, as for ordinary least squares).
 *
 *		One aggregate, mlops.logistic_step(coef, options, y, is_test, x...),
 *		runs the iterations either way:
 *
 *		- in memory: while the rows fit in mlops.logistic_memory the state keeps
 *		  them (x column-major in chunks of CHUNK_ROWS rows, y and the split in a
 *		  byte), and the final function runs every step, then measures the model
 *		  on both splits, the area under the ROC curve included;
 *		- by passes: past that limit (or when asked) the state is the weighted QR
 *		  state of one step at coef, so one scan of the data is one step.  The
 *		  final function gives the figures at coef and the next coefficients;
 *		  the caller scans again with them until it says it is done.  A state
 *		  whose rows pass the limit during the scan turns into this one, so that
 *		  scan is the first step.
 *
 *		Both make the same decisions (Decide, in logisticfit.c, which has the
 *		iterations and the final function; this file has the state: its
 *		transition, combine, serialize and deserialize functions) from the same
 *		figures, so they give the same model up to rounding.  With options[LOPT_LAMBDA] = lambda > 0
 *		the objective is penalised: (1/n) sum(-log-likelihood) + (lambda/2)
 *		||beta||^2 over every coefficient but the intercept, and each step adds
 *		the rows sqrt(n lambda) e_j to the least-squares problem.
 *
 *		Separation: when the coefficients reached put every training row
 *		strictly on its side of eta = 0 the classes are completely separated
 *		(those coefficients are the proof) and the iterations stop.  When the
 *		last step d = beta_k - beta_(k-1) of a finished fit weakly separates the
 *		rows (every row on the side of x'd = 0 of its label, up to a relative
 *		SEPARATION_TOL, some strictly) the coefficients were still running off
 *		along a direction that separates part of the classes: quasi-complete
 *		separation.  The last step of a fit that has a maximum is rounding
 *		noise, which no set of rows of both classes follows.  Neither is looked
 *		for with a penalty, which always has a finite minimum.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "mlops.h"
#include "logistic.h"

PG_FUNCTION_INFO_V1(mlops_logistic_step_accum);
PG_FUNCTION_INFO_V1(mlops_logistic_step_accum_array);
PG_FUNCTION_INFO_V1(mlops_logistic_step_combine);
PG_FUNCTION_INFO_V1(mlops_logistic_step_serialize);
PG_FUNCTION_INFO_V1(mlops_logistic_step_deserialize);
PG_FUNCTION_INFO_V1(mlops_logistic_proba);
PG_FUNCTION_INFO_V1(mlops_logistic_proba_array);

/* GUC */
int			mlops_logistic_memory = 262144; /* kB */

/* Version of the serialized state. */
#define STATE_VERSION	1

/* Arguments of the transition functions. */
#define ARG_COEF		1
#define ARG_OPTIONS		2
#define ARG_Y			3
#define ARG_TEST		4
#define ARG_X			5

void
LogisticDefineGucs(void)
{
	DefineCustomIntVariable("mlops.logistic_memory",
							"Memory for the rows a logistic fit keeps to run its iterations without scanning again.",
							"Past it, each iteration of the fit is one scan of the data; 0 always scans.",
							&mlops_logistic_memory,
							262144, 0, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
}

void
LogisticOverflowed(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("the logistic fit overflowed: the log-odds are too large for double precision"),
			 errhint("Rescale the features, or add an L2 penalty with params.lambda.")));
}

/* ------------------------------------------------------------------------
 * The state
 */

static void
CheckOptions(const double *o)
{
	const char *bad = NULL;

	if (!(o[LOPT_LAMBDA] >= 0 && isfinite(o[LOPT_LAMBDA])))
		bad = "lambda must be a finite number at least 0";
	else if (!(o[LOPT_MAX_ITER] >= 1 && o[LOPT_MAX_ITER] <= 100000 && o[LOPT_MAX_ITER] == floor(o[LOPT_MAX_ITER])))
		bad = "max_iter must be a whole number from 1 to 100000";
	else if (!(o[LOPT_TOL] > 0 && o[LOPT_TOL] < 1))
		bad = "tol must be greater than 0 and less than 1";
	else if (!(o[LOPT_THRESHOLD] > 0 && o[LOPT_THRESHOLD] < 1))
		bad = "threshold must be greater than 0 and less than 1";
	else if (!(o[LOPT_INTERCEPT] == 0 || o[LOPT_INTERCEPT] == 1) ||
			 !(o[LOPT_KEEP] == 0 || o[LOPT_KEEP] == 1) ||
			 !(o[LOPT_FIT] == 0 || o[LOPT_FIT] == 1))
		bad = "intercept, keep and fit must be 0 or 1";
	else if (!(o[LOPT_ITERATION] >= 0 && o[LOPT_ITERATION] <= 100000 &&
			   o[LOPT_ITERATION] == floor(o[LOPT_ITERATION])))
		bad = "iteration must be a whole number from 0 to 100000";
	else if (isinf(o[LOPT_PREVIOUS]))
		bad = "previous must be finite or NaN";
	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid options for mlops.logistic_step: %s", bad),
				 errdetail("The options are lambda, max_iter, tol, threshold, intercept, keep, iteration, previous and fit.")));
}

static LogisticState *
NewState(FunctionCallInfo fcinfo, MemoryContext cxt)
{
	LogisticState *st;
	ArrayType  *oa;

	if (PG_ARGISNULL(ARG_OPTIONS) || PG_ARGISNULL(ARG_COEF))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("coefficients and options of mlops.logistic_step must not be NULL")));
	oa = PG_GETARG_ARRAYTYPE_P(ARG_OPTIONS);
	if (ARR_ELEMTYPE(oa) != FLOAT8OID || ARR_NDIM(oa) != 1 || ARR_HASNULL(oa) ||
		ARR_DIMS(oa)[0] < LOPT_COUNT || ARR_DIMS(oa)[0] > LOPT_COUNT + MLOPS_MAX_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options of mlops.logistic_step must be a float8[] of %d values without NULLs, then the previous coefficients", LOPT_COUNT)));
	st = MemoryContextAllocZero(cxt, sizeof(LogisticState));
	memcpy(st->options, ARR_DATA_PTR(oa), sizeof(st->options));
	CheckOptions(st->options);
	st->dmin = INFINITY;
	st->dmax = -INFINITY;
	st->nprev = ARR_DIMS(oa)[0] - LOPT_COUNT;
	if (st->nprev > 0)
	{
		st->prev = MemoryContextAlloc(cxt, sizeof(double) * st->nprev);
		memcpy(st->prev, (double *) ARR_DATA_PTR(oa) + LOPT_COUNT, sizeof(double) * st->nprev);
	}
	st->in_memory = st->options[LOPT_KEEP] == 1 && mlops_logistic_memory > 0;
	st->keep_scores = mlops_logistic_memory > 0;
	return st;
}

/* The width of x, known at the first complete row: the coefficients must match it. */
static void
SetWidth(LogisticState *st, const double *coef, int ncoef, int p, MemoryContext cxt)
{
	if (p < 1 || p > MLOPS_MAX_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a fit may have 1 to %d columns, not %d", MLOPS_MAX_COLUMNS, p)));
	if (ncoef != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%d coefficients for %d columns of x", ncoef, p)));
	if (st->nprev != 0 && st->nprev != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%d previous coefficients in the options for %d columns of x", st->nprev, p)));
	for (int j = 0; j < p; j++)
		if (!isfinite(coef[j]) || (st->prev && !isfinite(st->prev[j])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("coefficients must be finite")));
	st->p = p;
	st->coef = MemoryContextAlloc(cxt, sizeof(double) * p);
	memcpy(st->coef, coef, sizeof(double) * p);
	st->rowbuf = MemoryContextAlloc(cxt, sizeof(double) * 2 * p);
}

static void
SetWidthFromArg(LogisticState *st, FunctionCallInfo fcinfo, int p, MemoryContext cxt)
{
	ArrayType  *ca = PG_GETARG_ARRAYTYPE_P(ARG_COEF);

	if (ARR_ELEMTYPE(ca) != FLOAT8OID || ARR_NDIM(ca) > 1 || ARR_HASNULL(ca))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("coefficients must be a one-dimensional float8[] without NULLs")));
	SetWidth(st, (const double *) ARR_DATA_PTR(ca), ArrayGetNItems(ARR_NDIM(ca), ARR_DIMS(ca)), p, cxt);
}

static inline Size
RowBytes(int p)
{
	return sizeof(double) * p + 1;
}

static Size
MemoryLimit(void)
{
	return (Size) mlops_logistic_memory * 1024;
}

static void
DropScores(LogisticState *st)
{
	for (int b = 0; b < st->nsblocks; b++)
	{
		pfree(st->sblocks[b].bits);
		pfree(st->sblocks[b].flags);
	}
	if (st->sblocks)
		pfree(st->sblocks);
	st->sblocks = NULL;
	st->nsblocks = st->maxsblocks = 0;
	st->sbytes = 0;
	st->keep_scores = false;
}

/* A new block of room for n scores (the last), or false when it would pass the limit. */
static bool
AddScoreBlock(LogisticState *st, int n, MemoryContext cxt)
{
	LogisticScores *b;

	if (st->sbytes + (Size) n * (sizeof(uint64) + 1) > MemoryLimit())
		return false;
	if (st->nsblocks == st->maxsblocks)
	{
		int			m = Max(16, st->maxsblocks * 2);

		st->sblocks = st->sblocks ? repalloc(st->sblocks, sizeof(LogisticScores) * m) :
			MemoryContextAlloc(cxt, sizeof(LogisticScores) * m);
		st->maxsblocks = m;
	}
	b = &st->sblocks[st->nsblocks++];
	b->n = 0;
	b->bits = MemoryContextAlloc(cxt, sizeof(uint64) * n);
	b->flags = MemoryContextAlloc(cxt, n);
	st->sbytes += (Size) n * (sizeof(uint64) + 1);
	return true;
}

static void
KeepScore(LogisticState *st, double prob, bool positive, bool test, MemoryContext cxt)
{
	LogisticScores *b = st->nsblocks > 0 ? &st->sblocks[st->nsblocks - 1] : NULL;

	if (b == NULL || b->n == SCORE_BLOCK)
	{
		if (!AddScoreBlock(st, SCORE_BLOCK, cxt))
		{
			DropScores(st);
			return;
		}
		b = &st->sblocks[st->nsblocks - 1];
	}
	memcpy(&b->bits[b->n], &prob, sizeof(uint64));
	b->flags[b->n] = (positive ? ROW_POSITIVE : 0) | (test ? ROW_TEST : 0);
	b->n++;
}

/* The scores of src into dst (taken when src was deserialized here), or none if they do not fit. */
static void
MergeScores(LogisticState *dst, LogisticState *src, MemoryContext cxt)
{
	if (!dst->keep_scores)
		return;
	if (!src->keep_scores || dst->sbytes + src->sbytes > MemoryLimit())
	{
		DropScores(dst);
		return;
	}
	for (int i = 0; i < src->nsblocks; i++)
	{
		LogisticScores *from = &src->sblocks[i];

		if (from->n == 0)
			continue;
		if (src->deserialized)
		{
			if (dst->nsblocks == dst->maxsblocks)
			{
				int			m = Max(16, dst->maxsblocks * 2);

				dst->sblocks = dst->sblocks ? repalloc(dst->sblocks, sizeof(LogisticScores) * m) :
					MemoryContextAlloc(cxt, sizeof(LogisticScores) * m);
				dst->maxsblocks = m;
			}
			dst->sblocks[dst->nsblocks++] = *from;
			dst->sbytes += (Size) from->n * (sizeof(uint64) + 1);
			continue;
		}
		if (!AddScoreBlock(dst, from->n, cxt))
		{
			DropScores(dst);
			return;
		}
		memcpy(dst->sblocks[dst->nsblocks - 1].bits, from->bits, sizeof(uint64) * from->n);
		memcpy(dst->sblocks[dst->nsblocks - 1].flags, from->flags, from->n);
		dst->sblocks[dst->nsblocks - 1].n = from->n;
	}
	if (src->deserialized)
	{
		src->nsblocks = 0;
		src->sbytes = 0;
	}
}

/* One row into the state of one step at coef. */
static void
StepRow(LogisticState *st, const double *x, bool positive, bool test, MemoryContext cxt)
{
	int			p = st->p;
	double		eta = 0.0;
	LogisticRow r;

	for (int j = 0; j < p; j++)
		eta += st->coef[j] * x[j];
	LogisticEvalRow(eta, positive, &r);
	if (st->keep_scores)
		KeepScore(st, r.prob, positive, test, cxt);
	if (test)
	{
		LogisticCountRow(&st->split[1], positive, &r, st->options[LOPT_THRESHOLD]);
		return;
	}
	LogisticCountRow(&st->split[0], positive, &r, st->options[LOPT_THRESHOLD]);
	st->nwrong += r.wrong;
	if (st->prev)
	{
		double	   *d = st->rowbuf + p;

		for (int j = 0; j < p; j++)
			d[j] = st->coef[j] - st->prev[j];
		LogisticStepSide(x, d, p, positive, &st->dmin, &st->dmax);
	}
	if (st->options[LOPT_FIT] == 1)
	{
		double	   *xs = st->rowbuf + p;

		if (!isfinite(r.sz))
			LogisticOverflowed();
		for (int j = 0; j < p; j++)
			xs[j] = r.sw * x[j];
		if (st->fit == NULL)
			st->fit = FitStateCreate(p, MLOPS_BLOCK_ROWS, cxt);
		FitStateAddRow(st->fit, xs, r.sz);
	}
}

/* Every row kept by src, into dst's state of one step (dst may be src). */
static void
StepRowsOf(LogisticState *dst, const LogisticState *src, MemoryContext cxt)
{
	int			p = src->p;
	double	   *x = palloc(sizeof(double) * p);

	for (int c = 0; c < src->nchunks; c++)
	{
		const LogisticChunk *ch = &src->chunks[c];

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < ch->nrows; i++)
		{
			for (int j = 0; j < p; j++)
				x[j] = ch->x[i + (Size) j * ch->cap];
			StepRow(dst, x, (ch->flags[i] & ROW_POSITIVE) != 0, (ch->flags[i] & ROW_TEST) != 0, cxt);
		}
	}
	pfree(x);
}

static void
FreeChunks(LogisticState *st)
{
	for (int c = 0; c < st->nchunks; c++)
	{
		pfree(st->chunks[c].x);
		pfree(st->chunks[c].flags);
	}
	if (st->chunks)
		pfree(st->chunks);
	st->chunks = NULL;
	st->nchunks = st->maxchunks = 0;
	st->bytes = 0;
}

/* The rows no longer fit: the state becomes that of one step at coef. */
static void
ToPasses(LogisticState *st, MemoryContext cxt)
{
	if (!st->in_memory)
		return;
	if (st->p > 0)
		StepRowsOf(st, st, cxt);
	FreeChunks(st);
	st->in_memory = false;
}

static void
AddChunk(LogisticState *st, int cap, MemoryContext cxt)
{
	LogisticChunk *ch;

	if (st->nchunks == st->maxchunks)
	{
		int			n = Max(16, st->maxchunks * 2);

		if (st->chunks == NULL)
			st->chunks = MemoryContextAlloc(cxt, sizeof(LogisticChunk) * n);
		else
			st->chunks = repalloc(st->chunks, sizeof(LogisticChunk) * n);
		st->maxchunks = n;
	}
	ch = &st->chunks[st->nchunks++];
	ch->nrows = 0;
	ch->cap = cap;
	ch->x = MemoryContextAllocHuge(cxt, sizeof(double) * (Size) cap * st->p);
	ch->flags = MemoryContextAlloc(cxt, cap);
	st->bytes += (Size) cap * RowBytes(st->p);
}

/* Keep one row, or turn into a state of one step when it does not fit. */
static void
KeepRow(LogisticState *st, const double *x, bool positive, bool test, MemoryContext cxt)
{
	LogisticChunk *ch = st->nchunks > 0 ? &st->chunks[st->nchunks - 1] : NULL;

	if (ch == NULL || ch->nrows == ch->cap)
	{
		if (st->bytes + (Size) CHUNK_ROWS * RowBytes(st->p) > MemoryLimit())
		{
			ToPasses(st, cxt);
			StepRow(st, x, positive, test, cxt);
			return;
		}
		AddChunk(st, CHUNK_ROWS, cxt);
		ch = &st->chunks[st->nchunks - 1];
	}
	for (int j = 0; j < st->p; j++)
		ch->x[ch->nrows + (Size) j * ch->cap] = x[j];
	ch->flags[ch->nrows] = (positive ? ROW_POSITIVE : 0) | (test ? ROW_TEST : 0);
	ch->nrows++;
}

/* ------------------------------------------------------------------------
 * Transition functions
 */

/* One complete row (y and every x present). */
static void
AddRow(LogisticState *st, double y, const double *x, bool test, MemoryContext cxt)
{
	CheckFiniteInput(y, "fit a model to", "y", 0);
	if (y != 0.0 && y != 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logistic regression needs a target of 0 or 1, not %g", y),
				 errhint("Use a boolean target, or a numeric one holding only 0 and 1 (a view can recode it, for example (y > 0)::int).")));
	for (int j = 0; j < st->p; j++)
		CheckFiniteInput(x[j], "fit a model to", "x", j + 1);
	if (st->in_memory)
		KeepRow(st, x, y == 1.0, test, cxt);
	else
		StepRow(st, x, y == 1.0, test, cxt);
}

/* (state, coef, options, y, is_test, VARIADIC "any"): x as float8 arguments */
Datum
mlops_logistic_step_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = MlopsAggContext(fcinfo, "mlops.logistic_step");
	LogisticState *st = PG_ARGISNULL(0) ? NULL : (LogisticState *) PG_GETARG_POINTER(0);
	int			p = PG_NARGS() - ARG_X;
	bool		test = !PG_ARGISNULL(ARG_TEST) && PG_GETARG_BOOL(ARG_TEST);

	if (fcinfo->flinfo->fn_extra == NULL)
	{
		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("mlops.logistic_step does not take a VARIADIC array"),
					 errhint("Pass x as a float8[] argument of its own.")));
		MlopsCheckFloat8Args(fcinfo, ARG_X, 1, "mlops.logistic_step");
		if (p < 1 || p > MLOPS_MAX_COLUMNS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a fit may have 1 to %d columns, not %d", MLOPS_MAX_COLUMNS, p)));
		fcinfo->flinfo->fn_extra = fcinfo->flinfo;
	}
	if (st == NULL)
		st = NewState(fcinfo, aggcxt);
	if (st->p == 0)
		SetWidthFromArg(st, fcinfo, p, aggcxt);
	if (PG_ARGISNULL(ARG_Y))
	{
		st->split[test].skipped++;
		PG_RETURN_POINTER(st);
	}
	for (int j = 0; j < p; j++)
	{
		if (PG_ARGISNULL(ARG_X + j))
		{
			st->split[test].skipped++;
			PG_RETURN_POINTER(st);
		}
		st->rowbuf[j] = PG_GETARG_FLOAT8(ARG_X + j);
	}
	AddRow(st, PG_GETARG_FLOAT8(ARG_Y), st->rowbuf, test, aggcxt);
	PG_RETURN_POINTER(st);
}

/* (state, coef, options, y, is_test, x float8[]) */
Datum
mlops_logistic_step_accum_array(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = MlopsAggContext(fcinfo, "mlops.logistic_step");
	LogisticState *st = PG_ARGISNULL(0) ? NULL : (LogisticState *) PG_GETARG_POINTER(0);
	bool		test = !PG_ARGISNULL(ARG_TEST) && PG_GETARG_BOOL(ARG_TEST);
	ArrayType  *xa;
	int			p;

	if (st == NULL)
		st = NewState(fcinfo, aggcxt);
	if (PG_ARGISNULL(ARG_X))
	{
		st->split[test].skipped++;
		PG_RETURN_POINTER(st);
	}
	xa = PG_GETARG_ARRAYTYPE_P(ARG_X);
	p = MlopsRowArrayLength(xa);
	if (st->p == 0)
		SetWidthFromArg(st, fcinfo, p, aggcxt);
	else if (p != st->p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x has %d elements, but earlier rows had %d", p, st->p),
				 errhint("Every row of a fit must have the same number of columns.")));
	if (PG_ARGISNULL(ARG_Y) || ARR_HASNULL(xa))
	{
		st->split[test].skipped++;
		PG_RETURN_POINTER(st);
	}
	AddRow(st, PG_GETARG_FLOAT8(ARG_Y), (const double *) ARR_DATA_PTR(xa), test, aggcxt);
	PG_RETURN_POINTER(st);
}

/* ------------------------------------------------------------------------
 * Combine, serialize, deserialize
 */

static void
AddCounts(LogisticCounts *a, const LogisticCounts *b)
{
	a->n += b->n;
	a->n1 += b->n1;
	a->tp += b->tp;
	a->fp += b->fp;
	a->loss += b->loss;
	a->skipped += b->skipped;
}

/* The step parts of src (a state by passes) into dst; src's scores may be taken. */
static void
CombineSteps(LogisticState *dst, LogisticState *src, MemoryContext cxt)
{
	for (int s = 0; s < 2; s++)
	{
		LogisticCounts c = src->split[s];

		c.skipped = 0;			/* added by the caller */
		AddCounts(&dst->split[s], &c);
	}
	dst->nwrong += src->nwrong;
	dst->dmin = Min(dst->dmin, src->dmin);
	dst->dmax = Max(dst->dmax, src->dmax);
	if (src->fit != NULL && src->fit->nrows > 0)
	{
		FitState   *f2 = FitStateCopyFlushed(src->fit);
		int			m = FITSTATE_M(f2);

		if (dst->fit == NULL)
			dst->fit = FitStateCreate(dst->p, MLOPS_BLOCK_ROWS, cxt);
		FitStateFlush(dst->fit);
		LinalgFoldTriangle(FITSTATE_R(dst->fit), FITSTATE_R(f2), m);
		dst->fit->nrows += f2->nrows;
		pfree(f2);
	}
	MergeScores(dst, src, cxt);
}

/* The chunks of src, taken (when src was deserialized here) or copied, into dst. */
static void
MoveChunks(LogisticState *dst, LogisticState *src, MemoryContext cxt)
{
	for (int c = 0; c < src->nchunks; c++)
	{
		LogisticChunk *from = &src->chunks[c];
		LogisticChunk *to;

		if (from->nrows == 0)
			continue;
		if (src->deserialized)
		{
			if (dst->nchunks == dst->maxchunks)
			{
				int			n = Max(16, dst->maxchunks * 2);

				dst->chunks = dst->chunks ? repalloc(dst->chunks, sizeof(LogisticChunk) * n) :
					MemoryContextAlloc(cxt, sizeof(LogisticChunk) * n);
				dst->maxchunks = n;
			}
			dst->chunks[dst->nchunks++] = *from;
			dst->bytes += (Size) from->cap * RowBytes(dst->p);
			continue;
		}
		AddChunk(dst, from->nrows, cxt);
		to = &dst->chunks[dst->nchunks - 1];
		for (int j = 0; j < dst->p; j++)
			memcpy(to->x + (Size) j * to->cap, from->x + (Size) j * from->cap, sizeof(double) * from->nrows);
		memcpy(to->flags, from->flags, from->nrows);
		to->nrows = from->nrows;
	}
	if (src->deserialized)
	{
		src->nchunks = 0;
		src->bytes = 0;
	}
}

Datum
mlops_logistic_step_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = MlopsAggContext(fcinfo, "mlops.logistic_step_combine");
	LogisticState *s1 = PG_ARGISNULL(0) ? NULL : (LogisticState *) PG_GETARG_POINTER(0);
	LogisticState *s2 = PG_ARGISNULL(1) ? NULL : (LogisticState *) PG_GETARG_POINTER(1);

	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
	{
		/* an empty state of our own, in the aggregate's context */
		s1 = MemoryContextAllocZero(aggcxt, sizeof(LogisticState));
		memcpy(s1->options, s2->options, sizeof(s1->options));
		s1->in_memory = s2->in_memory;
		s1->keep_scores = mlops_logistic_memory > 0;
		s1->dmin = INFINITY;
		s1->dmax = -INFINITY;
		s1->nprev = s2->nprev;
		if (s2->nprev > 0)
		{
			s1->prev = MemoryContextAlloc(aggcxt, sizeof(double) * s2->nprev);
			memcpy(s1->prev, s2->prev, sizeof(double) * s2->nprev);
		}
	}
	if (s2->p > 0)
	{
		if (s1->p == 0)
			SetWidth(s1, s2->coef, s2->p, s2->p, aggcxt);
		else if (s1->p != s2->p)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("cannot combine logistic states of %d and %d columns", s1->p, s2->p)));
		if (s1->in_memory && s2->in_memory && s1->bytes + s2->bytes <= MemoryLimit())
			MoveChunks(s1, s2, aggcxt);
		else
		{
			ToPasses(s1, aggcxt);
			if (s2->in_memory)
				StepRowsOf(s1, s2, aggcxt);
			else
				CombineSteps(s1, s2, aggcxt);
		}
	}
	s1->split[0].skipped += s2->split[0].skipped;
	s1->split[1].skipped += s2->split[1].skipped;
	PG_RETURN_POINTER(s1);
}

static void
SendCounts(StringInfo buf, const LogisticCounts *c)
{
	pq_sendint64(buf, c->n);
	pq_sendint64(buf, c->n1);
	pq_sendint64(buf, c->tp);
	pq_sendint64(buf, c->fp);
	pq_sendfloat8(buf, c->loss);
	pq_sendint64(buf, c->skipped);
}

static void
GetCounts(StringInfo buf, LogisticCounts *c)
{
	c->n = pq_getmsgint64(buf);
	c->n1 = pq_getmsgint64(buf);
	c->tp = pq_getmsgint64(buf);
	c->fp = pq_getmsgint64(buf);
	c->loss = pq_getmsgfloat8(buf);
	c->skipped = pq_getmsgint64(buf);
}

/*
 * Binary form: version, p, in memory, options, coef, split counts, then the
 * kept rows chunk by chunk, or the step figures and the upper triangle of R.
 * Kept rows that would pass the largest bytea are sent as one step instead.
 */
Datum
mlops_logistic_step_serialize(PG_FUNCTION_ARGS)
{
	LogisticState *st = (LogisticState *) PG_GETARG_POINTER(0);
	LogisticState *send = st;
	StringInfoData buf;
	int			p = st->p;

	if (st->in_memory && p > 0 &&
		st->bytes + (Size) (st->nchunks + 1) * 16 + 1024 > MaxAllocSize / 2)
	{
		/* a copy that is one step at coef, the state itself unchanged */
		send = palloc0(sizeof(LogisticState));
		*send = *st;
		send->chunks = NULL;
		send->nchunks = send->maxchunks = 0;
		send->in_memory = false;
		send->fit = NULL;
		send->sblocks = NULL;
		send->nsblocks = send->maxsblocks = 0;
		send->sbytes = 0;
		send->rowbuf = palloc(sizeof(double) * 2 * p);
		StepRowsOf(send, st, CurrentMemoryContext);
	}

	pq_begintypsend(&buf);
	pq_sendint32(&buf, STATE_VERSION);
	pq_sendint32(&buf, p);
	pq_sendbyte(&buf, send->in_memory ? 1 : 0);
	for (int i = 0; i < LOPT_COUNT; i++)
		pq_sendfloat8(&buf, send->options[i]);
	pq_sendint32(&buf, send->nprev);
	for (int j = 0; j < send->nprev; j++)
		pq_sendfloat8(&buf, send->prev[j]);
	for (int j = 0; j < p; j++)
		pq_sendfloat8(&buf, send->coef[j]);
	SendCounts(&buf, &send->split[0]);
	SendCounts(&buf, &send->split[1]);
	if (send->in_memory)
	{
		int			nonempty = 0;

		for (int c = 0; c < send->nchunks; c++)
			nonempty += send->chunks[c].nrows > 0;
		enlargeStringInfo(&buf, (int) Min(send->bytes + (Size) nonempty * 8, MaxAllocSize / 2));
		pq_sendint32(&buf, nonempty);
		for (int c = 0; c < send->nchunks; c++)
		{
			const LogisticChunk *ch = &send->chunks[c];

			if (ch->nrows == 0)
				continue;
			pq_sendint32(&buf, ch->nrows);
			for (int j = 0; j < p; j++)
				for (int i = 0; i < ch->nrows; i++)
					pq_sendfloat8(&buf, ch->x[i + (Size) j * ch->cap]);
			pq_sendbytes(&buf, (const char *) ch->flags, ch->nrows);
		}
	}
	else
	{
		pq_sendint64(&buf, send->nwrong);
		pq_sendfloat8(&buf, send->dmin);
		pq_sendfloat8(&buf, send->dmax);
		if (send->fit != NULL && send->fit->nrows > 0)
		{
			FitState   *f = FitStateCopyFlushed(send->fit);
			int			m = FITSTATE_M(f);

			pq_sendint64(&buf, f->nrows);
			for (int j = 0; j < m; j++)
				for (int i = 0; i <= j; i++)
					pq_sendfloat8(&buf, FITSTATE_R(f)[i + (Size) j * m]);
		}
		else
			pq_sendint64(&buf, 0);
		/* the scores, unless they would pass the largest bytea */
		if (send->keep_scores && send->sbytes + 1024 > MaxAllocSize / 2)
			pq_sendbyte(&buf, 0);
		else
		{
			pq_sendbyte(&buf, send->keep_scores ? 1 : 0);
			if (send->keep_scores)
			{
				enlargeStringInfo(&buf, (int) (send->sbytes + (Size) send->nsblocks * 4));
				pq_sendint32(&buf, send->nsblocks);
				for (int b = 0; b < send->nsblocks; b++)
				{
					const LogisticScores *sb = &send->sblocks[b];

					pq_sendint32(&buf, sb->n);
					for (int i = 0; i < sb->n; i++)
						pq_sendint64(&buf, (int64) sb->bits[i]);
					pq_sendbytes(&buf, (const char *) sb->flags, sb->n);
				}
			}
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
BadSerialized(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid serialized state of mlops.logistic_step")));
}

/* The state is made in the aggregate's context, so that combine may take its chunks. */
Datum
mlops_logistic_step_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext cxt;
	MemoryContext old;
	StringInfoData buf;
	LogisticState *st;
	int			p;

	if (!AggCheckCallContext(fcinfo, &cxt))
		cxt = CurrentMemoryContext;
	old = MemoryContextSwitchTo(cxt);
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;

	if (pq_getmsgint(&buf, 4) != STATE_VERSION)
		BadSerialized();
	p = (int32) pq_getmsgint(&buf, 4);
	if (p < 0 || p > MLOPS_MAX_COLUMNS)
		BadSerialized();
	st = palloc0(sizeof(LogisticState));
	st->deserialized = true;
	st->in_memory = pq_getmsgbyte(&buf) == 1;
	for (int i = 0; i < LOPT_COUNT; i++)
		st->options[i] = pq_getmsgfloat8(&buf);
	CheckOptions(st->options);
	st->dmin = INFINITY;
	st->dmax = -INFINITY;
	st->nprev = (int32) pq_getmsgint(&buf, 4);
	if (st->nprev < 0 || st->nprev > MLOPS_MAX_COLUMNS)
		BadSerialized();
	if (st->nprev > 0)
	{
		st->prev = palloc(sizeof(double) * st->nprev);
		for (int j = 0; j < st->nprev; j++)
			st->prev[j] = pq_getmsgfloat8(&buf);
	}
	if (p > 0)
	{
		double	   *coef = palloc(sizeof(double) * p);

		for (int j = 0; j < p; j++)
			coef[j] = pq_getmsgfloat8(&buf);
		SetWidth(st, coef, p, p, cxt);
		pfree(coef);
	}
	GetCounts(&buf, &st->split[0]);
	GetCounts(&buf, &st->split[1]);
	if (st->in_memory)
	{
		int			nchunks = (int32) pq_getmsgint(&buf, 4);

		if (nchunks < 0 || (nchunks > 0 && p == 0))
			BadSerialized();
		for (int c = 0; c < nchunks; c++)
		{
			int			nrows = (int32) pq_getmsgint(&buf, 4);
			LogisticChunk *ch;

			if (nrows < 1 || nrows > CHUNK_ROWS ||
				(Size) (buf.len - buf.cursor) < (Size) nrows * RowBytes(p))
				BadSerialized();
			AddChunk(st, nrows, cxt);
			ch = &st->chunks[st->nchunks - 1];
			for (int j = 0; j < p; j++)
				for (int i = 0; i < nrows; i++)
					ch->x[i + (Size) j * nrows] = pq_getmsgfloat8(&buf);
			memcpy(ch->flags, pq_getmsgbytes(&buf, nrows), nrows);
			ch->nrows = nrows;
		}
	}
	else
	{
		int64		nrows;

		st->nwrong = pq_getmsgint64(&buf);
		st->dmin = pq_getmsgfloat8(&buf);
		st->dmax = pq_getmsgfloat8(&buf);
		nrows = pq_getmsgint64(&buf);
		if (nrows < 0 || (nrows > 0 && p == 0))
			BadSerialized();
		if (nrows > 0)
		{
			int			m = p + 1;

			st->fit = FitStateCreate(p, MLOPS_BLOCK_ROWS, cxt);
			st->fit->nrows = nrows;
			for (int j = 0; j < m; j++)
				for (int i = 0; i <= j; i++)
					FITSTATE_R(st->fit)[i + (Size) j * m] = pq_getmsgfloat8(&buf);
		}
		st->keep_scores = pq_getmsgbyte(&buf) == 1;
		if (st->keep_scores)
		{
			int			nblocks = (int32) pq_getmsgint(&buf, 4);

			if (nblocks < 0)
				BadSerialized();
			for (int b = 0; b < nblocks; b++)
			{
				int			n = (int32) pq_getmsgint(&buf, 4);
				LogisticScores *sb;

				if (n < 1 || n > SCORE_BLOCK || (Size) (buf.len - buf.cursor) < (Size) n * (sizeof(uint64) + 1))
					BadSerialized();
				if (st->nsblocks == st->maxsblocks)
				{
					int			m = Max(16, st->maxsblocks * 2);

					st->sblocks = st->sblocks ? repalloc(st->sblocks, sizeof(LogisticScores) * m) :
						palloc(sizeof(LogisticScores) * m);
					st->maxsblocks = m;
				}
				sb = &st->sblocks[st->nsblocks++];
				sb->n = n;
				sb->bits = palloc(sizeof(uint64) * n);
				sb->flags = palloc(n);
				for (int i = 0; i < n; i++)
					sb->bits[i] = (uint64) pq_getmsgint64(&buf);
				memcpy(sb->flags, pq_getmsgbytes(&buf, n), n);
			}
			for (int b = 0; b < st->nsblocks; b++)
				st->sbytes += (Size) st->sblocks[b].n * (sizeof(uint64) + 1);
		}
	}
	pq_getmsgend(&buf);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* ------------------------------------------------------------------------
 * mlops.logistic_proba(coef, x...): P(y = 1) of one row
 */

static double
CoefDot(ArrayType *ca, const double *x, int nx)
{
	const double *c;
	double		eta = 0.0;

	if (ARR_ELEMTYPE(ca) != FLOAT8OID || ARR_NDIM(ca) > 1 || ARR_HASNULL(ca))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("coefficients must be a one-dimensional float8[] without NULLs")));
	if (ArrayGetNItems(ARR_NDIM(ca), ARR_DIMS(ca)) != nx)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%d coefficients for %d columns of x",
						ArrayGetNItems(ARR_NDIM(ca), ARR_DIMS(ca)), nx)));
	c = (const double *) ARR_DATA_PTR(ca);
	for (int j = 0; j < nx; j++)
		eta += c[j] * x[j];
	return eta;
}

/* (coef, VARIADIC "any"): NULL when the log-odds is not finite (NaN or infinite inputs) */
Datum
mlops_logistic_proba(PG_FUNCTION_ARGS)
{
	int			nx = PG_NARGS() - 1;
	double		xbuf[100];
	double		eta;

	if (fcinfo->flinfo->fn_extra == NULL)
	{
		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("mlops.logistic_proba does not take a VARIADIC array"),
					 errhint("Pass x as a float8[] argument of its own.")));
		MlopsCheckFloat8Args(fcinfo, 1, 1, "mlops.logistic_proba");
		fcinfo->flinfo->fn_extra = fcinfo->flinfo;
	}
	if (nx < 1 || nx > (int) lengthof(xbuf))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("mlops.logistic_proba takes 1 to %d columns as arguments", (int) lengthof(xbuf))));
	for (int j = 0; j < nx; j++)
		xbuf[j] = PG_GETARG_FLOAT8(j + 1);
	eta = CoefDot(PG_GETARG_ARRAYTYPE_P(0), xbuf, nx);
	if (!isfinite(eta))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(LogisticProbability(eta));
}

/* (coef, x float8[]) */
Datum
mlops_logistic_proba_array(PG_FUNCTION_ARGS)
{
	ArrayType  *xa = PG_GETARG_ARRAYTYPE_P(1);
	double		eta;

	if (ARR_ELEMTYPE(xa) != FLOAT8OID || ARR_NDIM(xa) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional float8[]")));
	if (ARR_HASNULL(xa))
		PG_RETURN_NULL();
	eta = CoefDot(PG_GETARG_ARRAYTYPE_P(0), (const double *) ARR_DATA_PTR(xa),
				  ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa)));
	if (!isfinite(eta))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(LogisticProbability(eta));
}
