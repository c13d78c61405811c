/*
 * mlops.h
 *		Shared declarations of the mlops extension.
 */
#ifndef MLOPS_H
#define MLOPS_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

/* Columns of x a fit may have; bounds the state to (p + 1)^2 doubles plus a block of rows. */
#define MLOPS_MAX_COLUMNS		1000

/* Rows buffered before a block is folded into R. */
#define MLOPS_BLOCK_ROWS		128

/* Version of the fit state's layout, text and binary forms. */
#define FITSTATE_VERSION		1

/* FitState.flags */
#define FITSTATE_FIRST_ONES		0x0001	/* x[1] = 1 on every row folded so far */
#define FITSTATE_WEIGHTED		0x0002	/* rows entered with weights */
#define FITSTATE_KEEPS_ROWS		0x0004	/* every accepted row is also kept as it came, after
										 * the buffer (never in the text or binary form) */

/*
 * One-scan least-squares state.  With m = ncols + 1 (the columns of [X | y]):
 * data[0 .. m*m)               R, upper triangular, column-major, lower part zero
 * data[m*m .. m*m + bufcap*m)  buffered rows, column-major with leading dimension bufcap
 * The varlena always has room for bufcap rows, so rows are added in place.
 *
 * With FITSTATE_KEEPS_ROWS (ols_fit only, while the rows fit in mlops.refine_memory) the
 * rows are also kept, row by row as (x[0..p), y, w), after the buffer: that is what the
 * extended-precision refinement of the final function reads.  The varlena's size gives
 * the room for them.
 */
typedef struct FitState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint16		version;		/* FITSTATE_VERSION */
	uint16		flags;			/* FITSTATE_* bits */
	int32		ncols;			/* p: columns of X */
	int32		nbuf;			/* rows waiting in the buffer */
	int32		bufcap;			/* room for rows in the buffer */
	int32		nkept;			/* rows kept after the buffer (FITSTATE_KEEPS_ROWS) */
	int64		nrows;			/* rows accepted (folded and buffered) */
	int64		nskipped;		/* rows skipped for NULL values */
	double		data[FLEXIBLE_ARRAY_MEMBER];
} FitState;

#define FITSTATE_M(s)			((s)->ncols + 1)
#define FITSTATE_R(s)			((s)->data)
#define FITSTATE_BUF(s)			((s)->data + (Size) FITSTATE_M(s) * FITSTATE_M(s))
#define FITSTATE_SIZE(p, cap)	(offsetof(FitState, data) + \
								 sizeof(double) * ((Size) ((p) + 1) * ((p) + 1) + (Size) (cap) * ((p) + 1)))

#define FITSTATE_KEPT(s)		(FITSTATE_BUF(s) + (Size) (s)->bufcap * FITSTATE_M(s))
#define FITSTATE_KEPT_STRIDE(s)	(FITSTATE_M(s) + 1)
#define FITSTATE_KEPT_ROOM(s)	((int64) ((VARSIZE(s) - FITSTATE_SIZE((s)->ncols, (s)->bufcap)) / \
								 (sizeof(double) * FITSTATE_KEPT_STRIDE(s))))

#define DatumGetFitState(d)		((FitState *) PG_DETOAST_DATUM(d))
#define PG_GETARG_FITSTATE(n)	DatumGetFitState(PG_GETARG_DATUM(n))

/* fitstate.c */
extern FitState *FitStateCreate(int ncols, int bufcap, MemoryContext cxt);
extern void FitStateAddRow(FitState *state, const double *x, double y);
extern void FitStateFlush(FitState *state);
extern FitState *FitStateCopyFlushed(const FitState *state);
extern void CheckFiniteInput(double v, const char *action, const char *what, int index);
extern MemoryContext MlopsAggContext(FunctionCallInfo fcinfo, const char *fname);
extern int	MlopsRowArrayLength(ArrayType *xa);
extern void MlopsCheckFloat8Args(FunctionCallInfo fcinfo, int first, int shown, const char *fname);

/* refine.c */
extern int	mlops_refine_memory;
extern double mlops_refine_condition;
extern void RefineDefineGucs(void);

/*
 * What the extended-precision refinement gives OlsResultDatum: refined
 * coefficients, residual and total sums of squares, and (when refined) the
 * unscaled covariance (X'WX)^-1.
 */
typedef struct RefinedFit
{
	int			iterations;		/* refinement steps taken (0: none) */
	double		rss;
	double		tss;			/* about the (weighted) mean with an intercept, else about 0 */
	double	   *cov;			/* p x p, column-major, or NULL */
} RefinedFit;

extern double ScaledConditionNumber(const double *R, int ldr, int p);
extern bool RefineFromKeptRows(const FitState *state, const int *pos, int p,
							   const double *R, int ldr, bool centred,
							   double *coef, RefinedFit *out);

/*
 * The bin of v among ascending inner edges[0..nedges): the number of edges <= v
 * (0 .. nedges), by binary search.  Baselines and drift summaries bin alike.
 */
static inline int
MlopsBinIndex(const double *edges, int nedges, double v)
{
	int			lo = 0;
	int			hi = nedges;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (edges[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* drift.c */
extern void DriftDefineGucs(void);

/*
 * encoding.c: how a model's features become its design columns
 * (mlops.models.encoding).  Feature s of a categorical kind has design
 * columns first[s] .. first[s] + ncols[s] - 1, one per non-reference level;
 * a numeric one has the single column first[s].
 */
struct HeapTupleData;
struct TupleDescData;

typedef struct ModelEncoding
{
	int			nsource;		/* features (mlops.models.features) */
	char	  **source;			/* their column names */
	bool	   *categorical;	/* per feature */
	char	  **reference;		/* per feature: the reference level, or NULL */
	int		   *reference_len;
	int		   *first;			/* per feature: its first design column */
	int		   *ncols;			/* per feature: its number of design columns */
	int			ndesign;		/* design columns (the coefficients but the intercept) */
	char	  **levels;			/* per design column: the level it is 1 for, NULL if numeric */
	int		   *level_len;
	bool	   *has_impute;		/* per design column: NULL is the training mean */
	double	   *impute;			/* per design column: that mean */
} ModelEncoding;

extern ModelEncoding *EncodingRead(struct HeapTupleData *tup, struct TupleDescData *desc, int first, int64 model_id,
								   int nsource, char **source, MemoryContext cxt,
								   char ***design_names);
extern ModelEncoding *EncodingCopy(const ModelEncoding *src, MemoryContext cxt);
extern void EncodingFree(ModelEncoding *enc);
extern bool EncodingIsCategoricalType(Oid basetype);
extern void EncodingValueText(Datum value, Oid basetype, const char **str, int *len, void **to_free);
extern int	EncodingLevelIndex(const ModelEncoding *enc, int s, const char *str, int len);
extern void EncodingCountUnseen(const char *project, const char *feature, const char *str, int len);

/* linalg.c */
extern void LinalgSetSingleThreaded(void);
extern void LinalgFoldBlock(double *R, int m, double *block, int nrows, int ldb);
extern void LinalgFoldTriangle(double *R, double *R2, int m);
extern void LinalgTriangularSolve(const double *R, int ldr, int n, double *b);
extern void LinalgTriangularSolveTrans(const double *R, int ldr, int n, double *b);
extern void LinalgTriangularInverse(double *Rinv, int ldr, int n);
extern void LinalgSingularValues(const double *R, int ldr, int n, double *sv);
extern int	LinalgRank(const double *R, int ldr, int n, bool *aliased);
extern void LinalgRFactor(double *A, int m, int n);

/* distributions.c */
extern double RegularizedIncompleteBeta(double a, double b, double x);
extern double StudentTTwoSidedP(double t, double df);
extern double FUpperTailP(double f, double df1, double df2);

/* metrics.c */
extern bool CombineArrayStates(FunctionCallInfo fcinfo, const char *fname, ArrayType **a,
							   ArrayType **b, Datum *result);

/* olsresult.c */
extern Datum Float8ArrayDatum(const double *v, const bool *isnull, int n);
extern Datum OlsResultDatum(FunctionCallInfo fcinfo, FitState *state, const char *const *names,
							const double *base_coef, const double *moments);

#endif							/* MLOPS_H */
