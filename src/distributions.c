/*
 * distributions.c
 *		Tail probabilities of the Student t and F distributions through the
 *		regularized incomplete beta function I_x(a, b), evaluated by its
 *		continued fraction (modified Lentz method).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "mlops.h"

#define BETA_MAX_ITER	100000
#define BETA_EPS		1e-16
#define BETA_TINY		1e-300

/*
 * One step of the modified Lentz method: fold the partial numerator num into
 * the running quantities c and d, and return the factor for the estimate.
 */
static inline double
LentzStep(double num, double *c, double *d)
{
	*d = 1.0 + num * *d;
	if (fabs(*d) < BETA_TINY)
		*d = BETA_TINY;
	*c = 1.0 + num / *c;
	if (fabs(*c) < BETA_TINY)
		*c = BETA_TINY;
	*d = 1.0 / *d;
	return *d * *c;
}

/*
 * Continued fraction for I_x(a, b), valid (fast to converge) when
 * x < (a + 1) / (a + b + 2):
 *   I_x(a, b) = x^a (1 - x)^b / (a B(a, b)) * 1 / (1 + d1 / (1 + d2 / (1 + ...)))
 *   d(2k+1) = -(a + k)(a + b + k) x / ((a + 2k)(a + 2k + 1))
 *   d(2k)   =  k (b - k) x / ((a + 2k - 1)(a + 2k))
 */
static double
BetaContinuedFraction(double a, double b, double x)
{
	double		c = 1.0;
	double		d = 1.0 - (a + b) * x / (a + 1.0);
	double		h;
	int			k;

	if (fabs(d) < BETA_TINY)
		d = BETA_TINY;
	d = 1.0 / d;
	h = d;
	for (k = 1; k <= BETA_MAX_ITER; k++)
	{
		double		delta;

		if ((k & 1023) == 0)
			CHECK_FOR_INTERRUPTS();

		/* even step d(2k), then odd step d(2k+1) */
		h *= LentzStep(k * (b - k) * x / ((a + 2.0 * k - 1.0) * (a + 2.0 * k)), &c, &d);
		delta = LentzStep(-(a + k) * (a + b + k) * x / ((a + 2.0 * k) * (a + 2.0 * k + 1.0)), &c, &d);
		h *= delta;
		if (fabs(delta - 1.0) < BETA_EPS)
			return h;
	}
	return h;					/* the best estimate reached */
}

/*
 * I_x(a, b) for a, b > 0 and 0 <= x <= 1, with y = 1 - x given by the caller
 * (who can often form it without cancellation).  The continued fraction is
 * summed for whichever of I_x(a, b) and I_y(b, a) = 1 - I_x(a, b) converges
 * fast; the other is taken as its complement only in the region where the
 * result is not small, so small results keep their relative accuracy.
 */
static double
IncompleteBeta(double a, double b, double x, double y)
{
	double		front;

	if (isnan(x) || isnan(y) || isnan(a) || isnan(b) || a <= 0 || b <= 0)
		return NAN;
	if (x <= 0)
		return 0.0;
	if (y <= 0)
		return 1.0;
	front = exp(a * log(x) + b * log(y) - (lgamma(a) + lgamma(b) - lgamma(a + b)));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * BetaContinuedFraction(a, b, x) / a;
	return 1.0 - front * BetaContinuedFraction(b, a, y) / b;
}

/* I_x(a, b) for a, b > 0 and 0 <= x <= 1. */
double
RegularizedIncompleteBeta(double a, double b, double x)
{
	return IncompleteBeta(a, b, x, 1.0 - x);
}

/*
 * P(|T| > |t|) for Student's t with df degrees of freedom:
 * I_x(df/2, 1/2) with x = df / (df + t^2) and 1 - x = t^2 / (df + t^2).
 */
double
StudentTTwoSidedP(double t, double df)
{
	double		t2;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return 0.0;
	t2 = t * t;
	return IncompleteBeta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2));
}

/*
 * P(F > f) for the F distribution with df1 and df2 degrees of freedom:
 * I_x(df2/2, df1/2) with x = df2 / (df2 + df1 f) and 1 - x = df1 f / (df2 + df1 f).
 */
double
FUpperTailP(double f, double df1, double df2)
{
	double		d1f;

	if (isnan(f) || !(df1 > 0) || !(df2 > 0))
		return NAN;
	if (f <= 0)
		return 1.0;
	if (isinf(f))
		return 0.0;
	d1f = df1 * f;
	return IncompleteBeta(df2 / 2.0, df1 / 2.0, df2 / (df2 + d1f), d1f / (df2 + d1f));
}

PG_FUNCTION_INFO_V1(mlops_student_t_p);

/* mlops.student_t_p(t, df): two-sided P(|T| > |t|) for Student's t with df degrees of freedom. */
Datum
mlops_student_t_p(PG_FUNCTION_ARGS)
{
	double		t = PG_GETARG_FLOAT8(0);
	double		df = PG_GETARG_FLOAT8(1);

	if (!(df > 0) || isinf(df))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("degrees of freedom must be a finite number above 0, not %g", df)));
	if (isnan(t))
		PG_RETURN_FLOAT8(NAN);
	PG_RETURN_FLOAT8(StudentTTwoSidedP(t, df));
}
