/*
 * linalg.c
 *		The only caller of LAPACK.  Every routine checks dimensions before the
 *		call, so LAPACK's own argument checker (which would end the process)
 *		never fires, and maps a non-zero info to an error.
 */
#include "postgres.h"

#include <dlfcn.h>
#include <math.h>

#include <lapacke.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "mlops.h"

/* Block size of the compact WY representation in dtpqrt. */
#define FOLD_NB 32

/* Scratch for dtpqrt's T and work arrays, grown on demand, kept for the backend's life. */
static double *fold_scratch = NULL;
static Size fold_scratch_len = 0;

static double *
FoldScratch(Size len)
{
	if (len > fold_scratch_len)
	{
		if (fold_scratch)
			pfree(fold_scratch);
		fold_scratch = MemoryContextAllocHuge(TopMemoryContext, len * sizeof(double));
		fold_scratch_len = len;
	}
	return fold_scratch;
}

static void
CheckInfo(lapack_int info, const char *routine)
{
	if (info != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("LAPACK routine %s failed with info %d", routine, (int) info)));
}

/*
 * BLAS runs on one thread inside a backend.  Debian may provide a threaded
 * OpenBLAS through its alternatives; when it is loaded, pin it to one thread.
 */
void
LinalgSetSingleThreaded(void)
{
	void		(*set_threads) (int);

	set_threads = (void (*) (int)) dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
	if (set_threads)
		set_threads(1);
}

/*
 * Fold nrows rows of a block (column-major, leading dimension ldb, m columns)
 * into the m x m upper-triangular R: R becomes the R factor of [R; block].
 * The block is overwritten.
 */
void
LinalgFoldBlock(double *R, int m, double *block, int nrows, int ldb)
{
	int			nb;
	double	   *t;

	if (nrows <= 0)
		return;
	if (m < 1 || ldb < nrows)
		elog(ERROR, "invalid block dimensions %d x %d (leading dimension %d)", nrows, m, ldb);
	nb = Min(m, FOLD_NB);
	t = FoldScratch((Size) 2 * nb * m);
	CheckInfo(LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, nrows, m, 0, nb,
								  R, m, block, ldb, t, nb, t + (Size) nb * m),
			  "dtpqrt");
}

/*
 * Fold a second m x m upper-triangular factor R2 into R (TSQR combine step).
 * R2 is overwritten.
 */
void
LinalgFoldTriangle(double *R, double *R2, int m)
{
	int			nb;
	double	   *t;

	if (m < 1)
		elog(ERROR, "invalid triangle dimension %d", m);
	nb = Min(m, FOLD_NB);
	t = FoldScratch((Size) 2 * nb * m);
	CheckInfo(LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, m, m, m, nb,
								  R, m, R2, m, t, nb, t + (Size) nb * m),
			  "dtpqrt");
}

/* Solve R[0:n,0:n] b = b in place; R upper triangular with leading dimension ldr. */
void
LinalgTriangularSolve(const double *R, int ldr, int n, double *b)
{
	if (n < 1 || ldr < n)
		elog(ERROR, "invalid triangular system %d (leading dimension %d)", n, ldr);
	CheckInfo(LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'U', 'N', 'N', n, 1,
								  R, ldr, b, n),
			  "dtrtrs");
}

/* Solves R' x = b for upper-triangular R (n x n, leading dimension ldr); b is overwritten. */
void
LinalgTriangularSolveTrans(const double *R, int ldr, int n, double *b)
{
	if (n < 1 || ldr < n)
		elog(ERROR, "invalid triangular system %d (leading dimension %d)", n, ldr);
	CheckInfo(LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'U', 'T', 'N', n, 1,
								  R, ldr, b, n),
			  "dtrtrs");
}

/* Invert the upper-triangular Rinv[0:n,0:n] in place. */
void
LinalgTriangularInverse(double *Rinv, int ldr, int n)
{
	if (n < 1 || ldr < n)
		elog(ERROR, "invalid triangular matrix %d (leading dimension %d)", n, ldr);
	CheckInfo(LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', n, Rinv, ldr), "dtrtri");
}

/* Singular values of the upper-triangular R[0:n,0:n], in decreasing order, into sv[n]. */
void
LinalgSingularValues(const double *R, int ldr, int n, double *sv)
{
	double	   *a;
	double	   *work;
	double		query;
	lapack_int	lwork;
	int			j;

	if (n < 1 || ldr < n)
		elog(ERROR, "invalid matrix %d (leading dimension %d)", n, ldr);
	a = palloc0(sizeof(double) * n * n);
	for (j = 0; j < n; j++)
		memcpy(a + (Size) j * n, R + (Size) j * ldr, sizeof(double) * (j + 1));
	CheckInfo(LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'N', 'N', n, n, a, n, sv,
								  NULL, 1, NULL, 1, &query, -1),
			  "dgesvd");
	lwork = (lapack_int) query;
	work = palloc(sizeof(double) * Max(lwork, 1));
	CheckInfo(LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'N', 'N', n, n, a, n, sv,
								  NULL, 1, NULL, 1, work, lwork),
			  "dgesvd");
	pfree(work);
	pfree(a);
}

/*
 * R factor of the m x n matrix A (column-major, leading dimension m, m >= n),
 * in place: on return A's upper triangle is R and the rest is zero.
 */
void
LinalgRFactor(double *A, int m, int n)
{
	double	   *tau;
	double	   *work;
	double		query;
	lapack_int	lwork;

	if (n < 1 || m < n)
		elog(ERROR, "invalid matrix %d x %d for a QR decomposition", m, n);
	tau = palloc(sizeof(double) * n);
	CheckInfo(LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, A, m, tau, &query, -1), "dgeqrf");
	lwork = (lapack_int) query;
	work = palloc(sizeof(double) * Max(lwork, 1));
	CheckInfo(LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, A, m, tau, work, lwork), "dgeqrf");
	for (int j = 0; j < n; j++)
		for (int i = j + 1; i < m; i++)
			A[i + (Size) j * m] = 0.0;
	pfree(work);
	pfree(tau);
}

/*
 * Numerical rank of the upper-triangular R[0:n,0:n] (the R factor of X), in
 * the way of R's lm(): columns are taken in order, and a column whose part
 * orthogonal to the columns kept before it is below a relative tolerance of
 * its norm is aliased and set aside.  aliased[j] is set true for those.
 *
 * The unpivoted R answers directly when every column passes; otherwise a
 * Householder QR of a copy of R with this limited pivoting decides.
 */
#define RANK_TOLERANCE 1e-12

int
LinalgRank(const double *R, int ldr, int n, bool *aliased)
{
	double	   *a;
	double	   *norms;
	int		   *order;
	int			rank;
	int			j;
	bool		all_pass = true;

	norms = palloc(sizeof(double) * n);
	for (j = 0; j < n; j++)
	{
		const double *col = R + (Size) j * ldr;
		double		scale = 0.0;
		double		ss = 1.0;
		int			i;

		/* scaled 2-norm of R[0:j, j] */
		for (i = 0; i <= j; i++)
		{
			double		v = fabs(col[i]);

			if (v > 0)
			{
				if (scale < v)
				{
					ss = 1.0 + ss * (scale / v) * (scale / v);
					scale = v;
				}
				else
					ss += (v / scale) * (v / scale);
			}
		}
		norms[j] = scale * sqrt(ss);
		aliased[j] = false;
		if (!(norms[j] > 0) || fabs(col[j]) <= RANK_TOLERANCE * norms[j])
			all_pass = false;
	}
	if (all_pass)
	{
		pfree(norms);
		return n;
	}

	/*
	 * Householder QR on a copy, moving a column whose remaining norm is
	 * negligible to the end (it stays in the order it had among the aliased).
	 */
	a = palloc0(sizeof(double) * n * n);
	order = palloc(sizeof(int) * n);
	for (j = 0; j < n; j++)
	{
		/*
		 * Each column scaled to unit norm (the test below is relative to it):
		 * the sums of squares cannot overflow, whatever the size of R.
		 */
		for (int i = 0; i <= j; i++)
			a[i + (Size) j * n] = norms[j] > 0 ? R[i + (Size) j * ldr] / norms[j] : 0.0;
		order[j] = j;
	}
	rank = n;
	for (j = 0; j < rank;)
	{
		double	   *col = a + (Size) order[j] * n;
		double		ss = 0.0;
		double		alpha;
		double		vnorm2;
		int			i,
					k;

		CHECK_FOR_INTERRUPTS();
		for (i = j; i < n; i++)
			ss += col[i] * col[i];
		if (!(norms[order[j]] > 0) || sqrt(ss) <= RANK_TOLERANCE)
		{
			/* aliased: rotate it to the end of the active columns */
			int			keep = order[j];

			for (k = j; k < n - 1; k++)
				order[k] = order[k + 1];
			order[n - 1] = keep;
			aliased[keep] = true;
			rank--;
			continue;
		}
		/* reflector v = x - alpha e_j, applied to the remaining active columns */
		alpha = col[j] >= 0 ? -sqrt(ss) : sqrt(ss);
		col[j] -= alpha;
		vnorm2 = 0.0;
		for (i = j; i < n; i++)
			vnorm2 += col[i] * col[i];
		for (k = j + 1; k < n; k++)
		{
			double	   *c = a + (Size) order[k] * n;
			double		dot = 0.0;

			if (aliased[order[k]])
				continue;
			for (i = j; i < n; i++)
				dot += col[i] * c[i];
			dot = 2.0 * dot / vnorm2;
			for (i = j; i < n; i++)
				c[i] -= dot * col[i];
		}
		col[j] = alpha;
		for (i = j + 1; i < n; i++)
			col[i] = 0.0;
		j++;
	}
	pfree(a);
	pfree(order);
	pfree(norms);
	return rank;
}
