/*
 * logistic.h
 *		Logistic regression: the state of mlops.logistic_step and the row
 *		arithmetic shared by logistic.c (the state), logisticfit.c (the
 *		iterations) and predict.c (the probability).
 */
#ifndef MLOPS_LOGISTIC_H
#define MLOPS_LOGISTIC_H

#include <math.h>

#include "mlops.h"

/* The options array of mlops.logistic_step, element by element (0-based). */
#define LOPT_LAMBDA		0		/* L2 penalty, at least 0 */
#define LOPT_MAX_ITER	1		/* most IRLS steps, at least 1 */
#define LOPT_TOL		2		/* relative change of the objective that ends the steps */
#define LOPT_THRESHOLD	3		/* class 1 when the probability is above it */
#define LOPT_INTERCEPT	4		/* 1: x[1] is an intercept (never penalised) */
#define LOPT_KEEP		5		/* 1: keep the rows in memory while they fit */
#define LOPT_ITERATION	6		/* IRLS steps taken to reach coef (0 at the start) */
#define LOPT_PREVIOUS	7		/* objective of the previous step, NaN for none */
#define LOPT_FIT		8		/* 1: fit the training rows; 0: only measure coef */
#define LOPT_COUNT		9

/* Rows per chunk of kept rows. */
#define CHUNK_ROWS		4096

/* Scores per block of kept scores. */
#define SCORE_BLOCK		8192

/* LogisticChunk.flags */
#define ROW_POSITIVE	0x01
#define ROW_TEST		0x02

/* Cosine between a row and the last step below which the row is on neither side. */
#define SEPARATION_TOL	1e-6

/* Figures of one split at some coefficients. */
typedef struct LogisticCounts
{
	int64		n;				/* rows measured */
	int64		n1;				/* of them with y = 1 */
	int64		tp;				/* y = 1, probability above the threshold */
	int64		fp;				/* y = 0, probability above the threshold */
	double		loss;			/* sum of -log-likelihood */
	int64		skipped;		/* rows skipped for a NULL */
} LogisticCounts;

/* Kept rows. */
typedef struct LogisticChunk
{
	int			nrows;
	int			cap;
	double	   *x;				/* cap x p, column-major */
	uint8	   *flags;			/* ROW_* per row */
} LogisticChunk;

/*
 * Scores kept by a state of one step, so that the last scan gives the area
 * under the ROC curve too: P(y = 1) of every measured row at coef (as its
 * bits, which sort as the probabilities do) and its ROW_* flags.
 */
typedef struct LogisticScores
{
	int			n;
	uint64	   *bits;			/* SCORE_BLOCK */
	uint8	   *flags;			/* SCORE_BLOCK */
} LogisticScores;

typedef struct LogisticState
{
	int			p;				/* columns of x; 0 until the first complete row */
	bool		in_memory;		/* rows kept (else: one step at coef) */
	bool		deserialized;	/* made by the deserialize function: its chunks may be taken */
	double		options[LOPT_COUNT];
	double	   *coef;			/* p */
	double	   *prev;			/* p: the coefficients of the step before, or NULL */
	int			nprev;			/* of options: 0, or p once known */
	double	   *rowbuf;			/* 2p doubles of scratch */
	LogisticCounts split[2];		/* train, test: skipped always; the rest by passes only */
	/* in memory */
	int			nchunks;
	int			maxchunks;
	LogisticChunk *chunks;
	Size		bytes;			/* of kept rows, by chunk capacity */
	/* by passes */
	FitState   *fit;			/* weighted QR of the training rows at coef; NULL before one */
	int64		nwrong;			/* training rows not strictly on their side of eta = 0 */
	double		dmin;			/* with prev: min and max over the training rows of */
	double		dmax;			/* s x'(coef - prev) / ||x||, s = 1 for y = 1, -1 for y = 0 */
	bool		keep_scores;	/* by passes: the scores of every row are kept (while they fit) */
	int			nsblocks;
	int			maxsblocks;
	LogisticScores *sblocks;
	Size		sbytes;
} LogisticState;

/* One row at some coefficients. */
typedef struct LogisticRow
{
	double		prob;			/* P(y = 1) */
	double		loss;			/* -log-likelihood */
	double		sw;				/* sqrt of the IRLS weight mu (1 - mu) */
	double		sz;				/* sqrt(w) times the working response */
	bool		wrong;
} LogisticRow;

/* mlops.logistic_memory: kB of rows the logistic fit may keep in memory. */
extern int	mlops_logistic_memory;

/* logistic.c */
extern void LogisticDefineGucs(void);
extern void LogisticOverflowed(void) pg_attribute_noreturn();

/*
 * P(y = 1) = 1 / (1 + exp(-eta)), computed without overflow and with small
 * probabilities to full relative precision.  Prediction and training share it,
 * so the probabilities that train measures are those predict_proba gives.
 */
static inline double
LogisticProbability(double eta)
{
	double		e = exp(-fabs(eta));

	return eta >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

/*
 * One row at eta: its probability, loss, IRLS weight and working response
 * (scaled by the root of the weight), and whether it is on the wrong side.
 */
static inline void
LogisticEvalRow(double eta, bool positive, LogisticRow *r)
{
	double		a = fabs(eta);
	double		e = exp(-a);
	double		ope = 1.0 + e;
	double		small = e / ope;	/* the smaller of mu and 1 - mu */
	double		se = sqrt(e);
	bool		up = eta >= 0;

	r->prob = up ? 1.0 / ope : small;
	r->loss = log1p(e) + (positive ? (up ? 0.0 : a) : (up ? a : 0.0));
	r->sw = se / ope;
	/* sqrt(w) z = sqrt(w) eta + (y - mu) / sqrt(w), the last term without cancellation */
	r->sz = r->sw * eta + (positive ? (up ? se : 1.0 / se) : (up ? -1.0 / se : -se));
	r->wrong = positive ? !(eta > 0) : !(eta < 0);
}

/* The side of the last step d a training row is on: s x'd / ||x||, into [dmin, dmax]. */
static inline void
LogisticStepSide(const double *x, const double *d, int p, bool positive, double *dmin, double *dmax)
{
	double		xd = 0.0;
	double		xx = 0.0;
	double		t;

	for (int j = 0; j < p; j++)
	{
		xd += x[j] * d[j];
		xx += x[j] * x[j];
	}
	if (!(xx > 0))
		return;
	t = (positive ? xd : -xd) / sqrt(xx);
	if (t < *dmin)
		*dmin = t;
	if (t > *dmax)
		*dmax = t;
}

/* One row into the figures of its split (class 1 above the threshold). */
static inline void
LogisticCountRow(LogisticCounts *s, bool positive, const LogisticRow *r, double threshold)
{
	bool		pred = r->prob > threshold;

	s->n++;
	if (positive)
	{
		s->n1++;
		if (pred)
			s->tp++;
	}
	else if (pred)
		s->fp++;
	s->loss += r->loss;
}

#endif							/* MLOPS_LOGISTIC_H */
