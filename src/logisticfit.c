/*
 * logisticfit.c
 *		The IRLS iterations of mlops.logistic_step, its final function: from
 *		the rows kept in memory every step to the end, or from the weighted QR
 *		state of one scan the figures at coef and the next step; then the
 *		statistics, the separation checks and the metrics of both splits,
 *		the area under the ROC curve by ranks (an LSD radix sort).  The state
 *		itself is in logistic.c.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "mlops.h"
#include "logistic.h"

PG_FUNCTION_INFO_V1(mlops_logistic_step_final);

/* What one evaluation at some coefficients gives. */
typedef struct LogisticEval
{
	LogisticCounts split[2];
	int64		nwrong;
	double		dmin;			/* as in LogisticState */
	double		dmax;
} LogisticEval;

/* What the final function returns, before it becomes a tuple. */
typedef struct LogisticOutput
{
	int			p;
	const double *coef;			/* NULL: no model */
	double	   *next;			/* next coefficients, when not done */
	double	   *se;				/* NULL when not available */
	bool		have_fit;		/* log-likelihood, deviance, objective valid */
	double		loglik;
	double		deviance;
	double		null_deviance;
	double		objective;
	bool		penalised;
	int			iterations;
	bool		converged;
	const char *separation;
	bool		done;
	LogisticCounts split[2];
	int64		n_train;
	int64		n1_train;
	bool		have_auc[2];
	double		auc[2];
} LogisticOutput;

/* ------------------------------------------------------------------------
 * The iterations
 */

/* Rows of a block (column-major, leading dimension nrows, m columns) into R. */
static void
FoldRows(double *R, int m, double *block, int nrows)
{
	if (nrows >= m)
	{
		double	   *r2 = palloc0(sizeof(double) * m * m);

		/* a QR of the block, then its triangle into R: faster than dtpqrt on tall blocks */
		LinalgRFactor(block, nrows, m);
		for (int j = 0; j < m; j++)
			memcpy(r2 + (Size) j * m, block + (Size) j * nrows, sizeof(double) * (j + 1));
		LinalgFoldTriangle(R, r2, m);
		pfree(r2);
	}
	else if (nrows > 0)
		LinalgFoldBlock(R, m, block, nrows, nrows);
}

/* LogisticScratch of an evaluation in memory. */
typedef struct LogisticScratch
{
	double	   *eta;			/* CHUNK_ROWS */
	double	   *sw;				/* CHUNK_ROWS */
	double	   *sz;				/* CHUNK_ROWS */
	int		   *idx;			/* CHUNK_ROWS */
	double	   *block;			/* CHUNK_ROWS x m */
} LogisticScratch;

/* eta = X beta for the rows of a chunk, in the order of predict's sum. */
static void
ChunkEta(const LogisticChunk *ch, int p, const double *beta, double *eta)
{
	for (int i = 0; i < ch->nrows; i++)
		eta[i] = 0.0;
	for (int j = 0; j < p; j++)
	{
		const double *xj = ch->x + (Size) j * ch->cap;
		double		c = beta[j];

		for (int i = 0; i < ch->nrows; i++)
			eta[i] += c * xj[i];
	}
}

/*
 * Every kept row at beta: the figures of both splits, and (when R is given)
 * the R factor of the weighted training rows sqrt(W) [X | z] into R (m x m).
 */
static void
EvalInMemory(const LogisticState *st, const double *beta, double *R, LogisticEval *ev, LogisticScratch *s)
{
	int			p = st->p;
	int			m = p + 1;
	double		threshold = st->options[LOPT_THRESHOLD];

	memset(ev, 0, sizeof(LogisticEval));
	ev->dmin = INFINITY;
	ev->dmax = -INFINITY;
	if (R)
		memset(R, 0, sizeof(double) * m * m);
	for (int c = 0; c < st->nchunks; c++)
	{
		const LogisticChunk *ch = &st->chunks[c];
		int			nb = 0;

		CHECK_FOR_INTERRUPTS();
		ChunkEta(ch, p, beta, s->eta);
		for (int i = 0; i < ch->nrows; i++)
		{
			bool		positive = (ch->flags[i] & ROW_POSITIVE) != 0;
			LogisticRow r;

			LogisticEvalRow(s->eta[i], positive, &r);
			if (ch->flags[i] & ROW_TEST)
			{
				LogisticCountRow(&ev->split[1], positive, &r, threshold);
				continue;
			}
			LogisticCountRow(&ev->split[0], positive, &r, threshold);
			ev->nwrong += r.wrong;
			if (R)
			{
				if (!isfinite(r.sz))
					LogisticOverflowed();
				s->sw[nb] = r.sw;
				s->sz[nb] = r.sz;
				s->idx[nb] = i;
				nb++;
			}
		}
		if (R && nb > 0)
		{
			for (int j = 0; j < p; j++)
			{
				const double *xj = ch->x + (Size) j * ch->cap;
				double	   *bj = s->block + (Size) j * nb;

				for (int t = 0; t < nb; t++)
					bj[t] = s->sw[t] * xj[s->idx[t]];
			}
			memcpy(s->block + (Size) p * nb, s->sz, sizeof(double) * nb);
			FoldRows(R, m, s->block, nb);
		}
	}
}

/* sum of beta_j^2 over the penalised coefficients */
static double
PenaltyNorm2(const double *o, const double *beta, int p)
{
	double		ss = 0.0;

	for (int j = (o[LOPT_INTERCEPT] == 1) ? 1 : 0; j < p; j++)
		ss += beta[j] * beta[j];
	return ss;
}

/* The rows sqrt(n lambda) e_j of the penalty into R. */
static void
FoldPenalty(const double *o, double *R, int p, int64 n)
{
	int			first = (o[LOPT_INTERCEPT] == 1) ? 1 : 0;
	int			k = p - first;
	int			m = p + 1;
	double	   *rows;
	double		s = sqrt((double) n * o[LOPT_LAMBDA]);

	if (!(o[LOPT_LAMBDA] > 0) || k <= 0)
		return;
	rows = palloc0(sizeof(double) * k * m);
	for (int i = 0; i < k; i++)
		rows[i + (Size) (first + i) * k] = s;
	LinalgFoldBlock(R, m, rows, k, k);
	pfree(rows);
}

/*
 * Whether the last step d = beta - prev weakly separates the training rows,
 * given the least and largest s x'd / ||x|| over them: every row on the side
 * of its label up to SEPARATION_TOL ||d||, and some well inside it.
 */
static bool
QuasiSeparated(const double *beta, const double *prev, int p, double dmin, double dmax)
{
	double		dd = 0.0;

	for (int j = 0; j < p; j++)
		dd += (beta[j] - prev[j]) * (beta[j] - prev[j]);
	dd = sqrt(dd);
	return dd > 0 && isfinite(dmin) && dmin >= -SEPARATION_TOL * dd && dmax > SEPARATION_TOL * dd;
}

/*
 * What to do after an evaluation at beta, k steps from the start: fold the
 * penalty into R, check the rank (at the start only, where a deficiency is
 * collinear columns), decide whether the iterations are done, and if not,
 * solve for the next coefficients.  Fills out's figures at beta.
 */
static void
Decide(const LogisticState *st, const double *beta, int k, double previous,
	   double *R, const LogisticEval *ev, LogisticOutput *out)
{
	const double *o = st->options;
	int			p = st->p;
	int			m = p + 1;
	double		lambda = o[LOPT_LAMBDA];
	int64		n = ev->split[0].n;
	bool	   *aliased = palloc(sizeof(bool) * p);
	int			rank;
	bool		singular;
	bool		complete;

	FoldPenalty(o, R, p, n);
	out->loglik = -ev->split[0].loss;
	out->deviance = 2.0 * ev->split[0].loss;
	out->objective = out->deviance + (double) n * lambda * PenaltyNorm2(o, beta, p);
	out->have_fit = true;
	if (!isfinite(out->objective))
		LogisticOverflowed();
	for (int i = 0; i < m * m; i++)
		if (!isfinite(R[i]))
			LogisticOverflowed();

	rank = LinalgRank(R, m, p, aliased);
	singular = rank < p;
	if (singular && k == 0)
	{
		int			first = 0;

		while (first < p && !aliased[first])
			first++;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not fit logistic model: design matrix has rank %d of %d", rank, p),
				 errdetail("x[%d] is a linear combination of the columns before it.", first + 1),
				 errhint("Remove collinear features, or add an L2 penalty with params.lambda.")));
	}
	complete = lambda == 0 && ev->nwrong == 0;
	out->converged = k > 0 && fabs(out->objective - previous) / (fabs(out->objective) + 0.1) < o[LOPT_TOL];
	out->iterations = k;
	out->done = complete || out->converged || k >= (int) o[LOPT_MAX_ITER] || singular;
	out->separation = complete ? "complete" : NULL;
	out->next = NULL;
	if (!out->done)
	{
		out->next = palloc(sizeof(double) * p);
		memcpy(out->next, R + (Size) p * m, sizeof(double) * p);
		LinalgTriangularSolve(R, m, p, out->next);
		for (int j = 0; j < p; j++)
			if (!isfinite(out->next[j]))
				LogisticOverflowed();
	}
	/* standard errors from (R'R)^-1, unpenalised and full rank only */
	out->se = NULL;
	if (out->done && !singular && lambda == 0)
	{
		double	   *rinv = palloc0(sizeof(double) * p * p);
		bool		ok = true;

		for (int j = 0; j < p; j++)
			memcpy(rinv + (Size) j * p, R + (Size) j * m, sizeof(double) * (j + 1));
		LinalgTriangularInverse(rinv, p, p);
		out->se = palloc(sizeof(double) * p);
		for (int j = 0; j < p && ok; j++)
		{
			double		ss = 0.0;

			for (int c = j; c < p; c++)
				ss += rinv[j + (Size) c * p] * rinv[j + (Size) c * p];
			out->se[j] = sqrt(ss);
			ok = isfinite(out->se[j]) && out->se[j] > 0;
		}
		if (!ok)
			out->se = NULL;
	}
	memcpy(out->split, ev->split, sizeof(ev->split));
	pfree(aliased);
}

/* ------------------------------------------------------------------------
 * Area under the ROC curve, by ranks
 */

/* Ascending LSD radix sort of n keys, 8 bits a pass (passes that move nothing skipped). */
static void
RadixSort(uint64 *a, Size n, uint64 *tmp)
{
	uint64	   *src = a;
	uint64	   *dst = tmp;

	for (int shift = 0; shift < 64; shift += 8)
	{
		Size		count[256];
		Size		pos = 0;
		bool		trivial = false;

		CHECK_FOR_INTERRUPTS();
		memset(count, 0, sizeof(count));
		for (Size i = 0; i < n; i++)
			count[(src[i] >> shift) & 0xff]++;
		for (int b = 0; b < 256; b++)
			if (count[b] == n)
				trivial = true;
		if (trivial)
			continue;
		for (int b = 0; b < 256; b++)
		{
			Size		c = count[b];

			count[b] = pos;
			pos += c;
		}
		for (Size i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		{
			uint64	   *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, sizeof(uint64) * n);
}

/*
 * P(score of a positive > score of a negative) + P(equal) / 2 from the sorted
 * scores of each class: the Mann-Whitney statistic with average ranks for ties.
 */
static double
AucOfSorted(const uint64 *pos, Size n1, const uint64 *neg, Size n0)
{
	uint64		twice = 0;		/* 2 (pairs ordered right) + (pairs tied) */
	Size		j = 0;

	for (Size i = 0; i < n1;)
	{
		uint64		v = pos[i];
		Size		cp = 0;
		Size		k;

		while (i < n1 && pos[i] == v)
		{
			i++;
			cp++;
		}
		while (j < n0 && neg[j] < v)
			j++;
		k = j;
		while (k < n0 && neg[k] == v)
			k++;
		twice += (uint64) cp * (2 * (uint64) j + (uint64) (k - j));
	}
	return (double) twice / (2.0 * (double) n1 * (double) n0);
}

/* Room for the probability bits of the n1 positive and n0 negative rows of a split. */
static void
AucAlloc(Size n1, Size n0, uint64 **pos, uint64 **neg)
{
	*pos = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * n1);
	*neg = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * n0);
}

/* The AUC of a split from its probability bits (AucAlloc's arrays, filled): sorts them, frees them. */
static double
AucOfBits(uint64 *pos, Size n1, uint64 *neg, Size n0)
{
	uint64	   *tmp = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * Max(n1, n0));
	double		auc;

	RadixSort(pos, n1, tmp);
	RadixSort(neg, n0, tmp);
	auc = AucOfSorted(pos, n1, neg, n0);
	pfree(pos);
	pfree(neg);
	pfree(tmp);
	return auc;
}

/* AUC of both splits at beta from the kept rows (probabilities are >= 0, so their bits sort). */
static void
AucInMemory(const LogisticState *st, const double *beta, const LogisticEval *ev, LogisticOutput *out, LogisticScratch *s)
{
	for (int split = 0; split < 2; split++)
	{
		Size		n1 = ev->split[split].n1;
		Size		n0 = ev->split[split].n - n1;
		uint64	   *pos;
		uint64	   *neg;
		Size		a = 0,
					b = 0;

		out->have_auc[split] = n1 > 0 && n0 > 0;
		if (!out->have_auc[split])
			continue;
		AucAlloc(n1, n0, &pos, &neg);
		for (int c = 0; c < st->nchunks; c++)
		{
			const LogisticChunk *ch = &st->chunks[c];

			CHECK_FOR_INTERRUPTS();
			ChunkEta(ch, st->p, beta, s->eta);
			for (int i = 0; i < ch->nrows; i++)
			{
				double		prob;
				uint64		bits;

				if (((ch->flags[i] & ROW_TEST) != 0) != (split == 1))
					continue;
				prob = LogisticProbability(s->eta[i]);
				memcpy(&bits, &prob, sizeof(bits));
				if (ch->flags[i] & ROW_POSITIVE)
					pos[a++] = bits;
				else
					neg[b++] = bits;
			}
		}
		Assert(a == n1 && b == n0);
		out->auc[split] = AucOfBits(pos, n1, neg, n0);
	}
}

/* AUC of both splits from the scores a state by passes kept, when it kept them all. */
static void
AucOfScores(const LogisticState *st, LogisticOutput *out)
{
	int64		total = 0;

	if (!st->keep_scores)
		return;
	for (int b = 0; b < st->nsblocks; b++)
		total += st->sblocks[b].n;
	if (total != st->split[0].n + st->split[1].n)
		return;
	for (int split = 0; split < 2; split++)
	{
		Size		n1 = st->split[split].n1;
		Size		n0 = st->split[split].n - n1;
		uint64	   *pos;
		uint64	   *neg;
		Size		a = 0,
					c = 0;

		out->have_auc[split] = n1 > 0 && n0 > 0;
		if (!out->have_auc[split])
			continue;
		AucAlloc(n1, n0, &pos, &neg);
		for (int b = 0; b < st->nsblocks; b++)
		{
			const LogisticScores *sb = &st->sblocks[b];

			CHECK_FOR_INTERRUPTS();
			for (int i = 0; i < sb->n; i++)
			{
				if (((sb->flags[i] & ROW_TEST) != 0) != (split == 1))
					continue;
				if (sb->flags[i] & ROW_POSITIVE)
				{
					if (a < n1)
						pos[a++] = sb->bits[i];
				}
				else if (c < n0)
					neg[c++] = sb->bits[i];
			}
		}
		if (a != n1 || c != n0)
			elog(ERROR, "logistic scores do not match the counts of the split");
		out->auc[split] = AucOfBits(pos, n1, neg, n0);
	}
}

/* ------------------------------------------------------------------------
 * The final function
 */

/* dmin, dmax of the kept training rows for the step from prev to beta (as StepRow finds them). */
static void
SideOfStep(const LogisticState *st, const double *beta, const double *prev, double *dmin, double *dmax)
{
	int			p = st->p;
	double	   *d = palloc(sizeof(double) * p);
	double	   *x = palloc(sizeof(double) * p);

	for (int j = 0; j < p; j++)
		d[j] = beta[j] - prev[j];
	for (int c = 0; c < st->nchunks; c++)
	{
		const LogisticChunk *ch = &st->chunks[c];

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < ch->nrows; i++)
		{
			if (ch->flags[i] & ROW_TEST)
				continue;
			for (int j = 0; j < p; j++)
				x[j] = ch->x[i + (Size) j * ch->cap];
			LogisticStepSide(x, d, p, (ch->flags[i] & ROW_POSITIVE) != 0, dmin, dmax);
		}
	}
	pfree(d);
	pfree(x);
}

static void
FinalInMemory(const LogisticState *st, LogisticOutput *out)
{
	int			p = st->p;
	int			m = p + 1;
	bool		fit = st->options[LOPT_FIT] == 1;
	double	   *beta = palloc(sizeof(double) * p);
	double	   *prev = NULL;
	double	   *R = palloc(sizeof(double) * m * m);
	int			k = (int) st->options[LOPT_ITERATION];
	double		previous = st->options[LOPT_PREVIOUS];
	LogisticScratch s;
	LogisticEval ev;

	s.eta = palloc(sizeof(double) * CHUNK_ROWS);
	s.sw = palloc(sizeof(double) * CHUNK_ROWS);
	s.sz = palloc(sizeof(double) * CHUNK_ROWS);
	s.idx = palloc(sizeof(int) * CHUNK_ROWS);
	s.block = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * CHUNK_ROWS * m);
	memcpy(beta, st->coef, sizeof(double) * p);
	if (st->prev)
	{
		prev = palloc(sizeof(double) * p);
		memcpy(prev, st->prev, sizeof(double) * p);
	}

	/* a model needs training rows of both classes */
	out->n_train = out->n1_train = 0;
	for (int c = 0; c < st->nchunks; c++)
		for (int i = 0; i < st->chunks[c].nrows; i++)
			if (!(st->chunks[c].flags[i] & ROW_TEST))
			{
				out->n_train++;
				out->n1_train += (st->chunks[c].flags[i] & ROW_POSITIVE) != 0;
			}
	if (fit && (out->n1_train == 0 || out->n1_train == out->n_train))
	{
		EvalInMemory(st, beta, NULL, &ev, &s);
		out->coef = NULL;
		out->done = true;
		memcpy(out->split, ev.split, sizeof(ev.split));
		return;
	}
	if (fit)
	{
		for (;;)
		{
			EvalInMemory(st, beta, R, &ev, &s);
			Decide(st, beta, k, previous, R, &ev, out);
			if (out->done)
				break;
			if (prev == NULL)
				prev = palloc(sizeof(double) * p);
			memcpy(prev, beta, sizeof(double) * p);
			memcpy(beta, out->next, sizeof(double) * p);
			previous = out->objective;
			k++;
		}
		if (st->options[LOPT_LAMBDA] == 0 && out->separation == NULL && prev != NULL)
		{
			double		dmin = INFINITY;
			double		dmax = -INFINITY;

			SideOfStep(st, beta, prev, &dmin, &dmax);
			if (QuasiSeparated(beta, prev, p, dmin, dmax))
				out->separation = "quasi-complete";
		}
	}
	else
	{
		/* only the figures at coef */
		EvalInMemory(st, beta, NULL, &ev, &s);
		out->done = true;
		memcpy(out->split, ev.split, sizeof(ev.split));
	}
	out->coef = beta;
	AucInMemory(st, beta, &ev, out, &s);
}

static void
FinalByPasses(const LogisticState *st, LogisticOutput *out)
{
	int			p = st->p;
	int			m = p + 1;
	LogisticEval ev;
	double	   *R;

	memset(&ev, 0, sizeof(ev));
	memcpy(ev.split, st->split, sizeof(ev.split));
	ev.nwrong = st->nwrong;
	out->n_train = ev.split[0].n;
	out->n1_train = ev.split[0].n1;
	out->coef = st->coef;
	if (st->options[LOPT_FIT] == 0)
	{
		out->done = true;
		memcpy(out->split, ev.split, sizeof(ev.split));
		AucOfScores(st, out);
		return;
	}
	if (ev.split[0].n1 == 0 || ev.split[0].n1 == ev.split[0].n)
	{
		out->coef = NULL;
		out->done = true;
		memcpy(out->split, ev.split, sizeof(ev.split));
		return;
	}
	R = palloc(sizeof(double) * m * m);
	{
		FitState   *f = FitStateCopyFlushed(st->fit);

		memcpy(R, FITSTATE_R(f), sizeof(double) * m * m);
		pfree(f);
	}
	Decide(st, st->coef, (int) st->options[LOPT_ITERATION], st->options[LOPT_PREVIOUS], R, &ev, out);
	if (out->done && st->options[LOPT_LAMBDA] == 0 && out->separation == NULL && st->prev &&
		QuasiSeparated(st->coef, st->prev, p, st->dmin, st->dmax))
		out->separation = "quasi-complete";
	if (out->done)
		AucOfScores(st, out);
}

enum
{
	LR_COEF,
	LR_STD_ERR,
	LR_Z_STATS,
	LR_P_VALUES,
	LR_LOG_LIKELIHOOD,
	LR_DEVIANCE,
	LR_NULL_DEVIANCE,
	LR_AIC,
	LR_BIC,
	LR_OBJECTIVE,
	LR_N_ROWS,
	LR_N_POSITIVE,
	LR_N_SKIPPED,
	LR_N_SKIPPED_TEST,
	LR_DF_RESIDUAL,
	LR_ITERATIONS,
	LR_CONVERGED,
	LR_SEPARATION,
	LR_IN_MEMORY,
	LR_DONE,
	LR_NEXT_COEF,
	LR_TRAIN_METRICS,
	LR_TEST_METRICS,
	LR_NATTS
};

/* Elements of the metrics arrays. */
enum
{
	LM_N,
	LM_ACCURACY,
	LM_PRECISION,
	LM_RECALL,
	LM_F1,
	LM_ROC_AUC,
	LM_LOG_LOSS,
	LM_COUNT
};

static Datum
MetricsArray(const LogisticCounts *c, bool have_auc, double auc)
{
	double		v[LM_COUNT];
	bool		isnull[LM_COUNT];
	int64		n0 = c->n - c->n1;
	int64		tn = n0 - c->fp;
	int64		fn = c->n1 - c->tp;

	memset(isnull, 0, sizeof(isnull));
	v[LM_N] = (double) c->n;
	v[LM_ACCURACY] = (double) (c->tp + tn) / (double) c->n;
	isnull[LM_PRECISION] = c->tp + c->fp == 0;
	v[LM_PRECISION] = isnull[LM_PRECISION] ? 0 : (double) c->tp / (double) (c->tp + c->fp);
	isnull[LM_RECALL] = c->n1 == 0;
	v[LM_RECALL] = isnull[LM_RECALL] ? 0 : (double) c->tp / (double) c->n1;
	isnull[LM_F1] = 2 * c->tp + c->fp + fn == 0;
	v[LM_F1] = isnull[LM_F1] ? 0 : 2.0 * (double) c->tp / (double) (2 * c->tp + c->fp + fn);
	isnull[LM_ROC_AUC] = !have_auc;
	v[LM_ROC_AUC] = have_auc ? auc : 0;
	v[LM_LOG_LOSS] = c->loss / (double) c->n;
	return Float8ArrayDatum(v, isnull, LM_COUNT);
}

static Datum
ResultDatum(FunctionCallInfo fcinfo, const LogisticState *st, const LogisticOutput *out, MemoryContext cxt)
{
	TupleDesc	tupdesc;
	Datum		values[LR_NATTS];
	bool		nulls[LR_NATTS];
	int			p = st->p;
	bool		model = out->coef != NULL && out->have_fit;
	MemoryContext old = MemoryContextSwitchTo(cxt);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	memset(nulls, true, sizeof(nulls));

	if (out->coef)
	{
		values[LR_COEF] = Float8ArrayDatum(out->coef, NULL, p);
		nulls[LR_COEF] = false;
	}
	if (model && out->se)
	{
		double	   *z = palloc(sizeof(double) * p);
		double	   *pv = palloc(sizeof(double) * p);

		for (int j = 0; j < p; j++)
		{
			z[j] = out->coef[j] / out->se[j];
			pv[j] = erfc(fabs(z[j]) / M_SQRT2);
		}
		values[LR_STD_ERR] = Float8ArrayDatum(out->se, NULL, p);
		values[LR_Z_STATS] = Float8ArrayDatum(z, NULL, p);
		values[LR_P_VALUES] = Float8ArrayDatum(pv, NULL, p);
		nulls[LR_STD_ERR] = nulls[LR_Z_STATS] = nulls[LR_P_VALUES] = false;
	}
	if (model)
	{
		double		n = (double) out->n_train;
		double		n1 = (double) out->n1_train;
		double		null_dev;

		/* the null model: an intercept alone (the mean of y) with one, else probability 1/2 */
		if (st->options[LOPT_INTERCEPT] == 1)
			null_dev = -2.0 * (n1 * log(n1 / n) + (n - n1) * log((n - n1) / n));
		else
			null_dev = 2.0 * n * log(2.0);
		values[LR_LOG_LIKELIHOOD] = Float8GetDatum(out->loglik);
		values[LR_DEVIANCE] = Float8GetDatum(out->deviance);
		values[LR_NULL_DEVIANCE] = Float8GetDatum(null_dev);
		values[LR_OBJECTIVE] = Float8GetDatum(out->objective);
		nulls[LR_LOG_LIKELIHOOD] = nulls[LR_DEVIANCE] = nulls[LR_NULL_DEVIANCE] = nulls[LR_OBJECTIVE] = false;
		if (st->options[LOPT_LAMBDA] == 0)
		{
			values[LR_AIC] = Float8GetDatum(-2.0 * out->loglik + 2.0 * p);
			values[LR_BIC] = Float8GetDatum(-2.0 * out->loglik + log(n) * p);
			nulls[LR_AIC] = nulls[LR_BIC] = false;
		}
		values[LR_ITERATIONS] = Int32GetDatum(out->iterations);
		values[LR_CONVERGED] = BoolGetDatum(out->converged);
		nulls[LR_ITERATIONS] = nulls[LR_CONVERGED] = false;
		if (out->separation)
		{
			values[LR_SEPARATION] = CStringGetTextDatum(out->separation);
			nulls[LR_SEPARATION] = false;
		}
		values[LR_DF_RESIDUAL] = Int64GetDatum(out->n_train - p);
		nulls[LR_DF_RESIDUAL] = false;
	}
	values[LR_N_ROWS] = Int64GetDatum(out->n_train);
	values[LR_N_POSITIVE] = Int64GetDatum(out->n1_train);
	values[LR_N_SKIPPED] = Int64GetDatum(st->split[0].skipped);
	values[LR_N_SKIPPED_TEST] = Int64GetDatum(st->split[1].skipped);
	values[LR_IN_MEMORY] = BoolGetDatum(st->in_memory);
	values[LR_DONE] = BoolGetDatum(out->done);
	nulls[LR_N_ROWS] = nulls[LR_N_POSITIVE] = nulls[LR_N_SKIPPED] = nulls[LR_N_SKIPPED_TEST] = false;
	nulls[LR_IN_MEMORY] = nulls[LR_DONE] = false;
	if (out->next)
	{
		values[LR_NEXT_COEF] = Float8ArrayDatum(out->next, NULL, p);
		nulls[LR_NEXT_COEF] = false;
	}
	for (int s = 0; s < 2; s++)
		if (out->split[s].n > 0)
		{
			values[LR_TRAIN_METRICS + s] = MetricsArray(&out->split[s], out->have_auc[s], out->auc[s]);
			nulls[LR_TRAIN_METRICS + s] = false;
		}
	MemoryContextSwitchTo(old);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

Datum
mlops_logistic_step_final(PG_FUNCTION_ARGS)
{
	LogisticState *st;
	MemoryContext callercxt = CurrentMemoryContext;
	MemoryContext workcxt;
	LogisticOutput out;
	Datum		result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (LogisticState *) PG_GETARG_POINTER(0);
	memset(&out, 0, sizeof(out));
	out.p = st->p;
	if (st->p == 0)
	{
		/* no complete row: counts only */
		out.done = true;
		PG_RETURN_DATUM(ResultDatum(fcinfo, st, &out, callercxt));
	}
	workcxt = AllocSetContextCreate(CurrentMemoryContext, "mlops logistic fit", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(workcxt);
	if (st->in_memory)
		FinalInMemory(st, &out);
	else
		FinalByPasses(st, &out);
	result = ResultDatum(fcinfo, st, &out, callercxt);
	MemoryContextSwitchTo(callercxt);
	MemoryContextDelete(workcxt);
	PG_RETURN_DATUM(result);
}
