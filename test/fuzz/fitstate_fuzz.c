/*
 * fitstate_fuzz.c
 *		libFuzzer harness for the input and receive functions of mlops.fitstate
 *		(src/fitstate.c), built outside the server with test/fuzz/pg_shim.c.
 *
 * Each input is given to both functions:
 *   (a) mlops_fitstate_in on a NUL-terminated copy of the bytes (the text form
 *       "v1:ncols:nrows:nskipped:flags:<hex>");
 *   (b) mlops_fitstate_recv on a StringInfo over the bytes (the binary form).
 * Either may reject the input, but only with an ERROR of class 22 (data
 * exception) or 08P01 (the server's own "insufficient data left in message"),
 * which longjmps back here.  Any other error, a crash, a sanitizer report or
 * a broken invariant is a finding (abort, which libFuzzer saves as crash-*).
 *
 * An accepted state must
 *   - be well formed: version 1, known flags, 0 <= ncols <= 1000, counts not
 *     negative, no rows without columns, no buffered or kept rows, R finite
 *     and upper triangular, VARSIZE equal to FITSTATE_SIZE (and every byte
 *     up to VARSIZE readable: AddressSanitizer checks that);
 *   - print back exactly: out(state) is the input with the leading zeros of
 *     its counts dropped and its hexadecimal digits in lower case (text), and
 *     send(state) is the input itself (binary);
 *   - read back to the same bytes: in(out(s)) == s, recv(send(s)) == s, and
 *     printing those again gives the same text and bytes.
 *
 * Built with -DFUZZ_OLS (fitstate_ols_fuzz), each accepted state also goes
 * through mlops.ols_result, mlops.fitstate_combine(s, s) (called as an
 * ordinary function) and mlops.ols_result of the combination: errors of class
 * 22 are fine; the combination must have twice the counts, the same flags,
 * columns of R with twice the squared norms (QR keeps column norms), leave
 * its arguments unchanged, and round-trip through its text form.
 *
 * FUZZ_TOLERATE (fitstate_ols only) lists known findings to count and go past
 * instead of stopping at the first: "count-overflow" (skip combining a state
 * whose doubled counts overflow int64), "lapack-error" (accept XX000
 * "LAPACK routine ... failed" from mlops.ols_result) and "xerbla" (count the
 * calls of LAPACK's argument checker instead of aborting at the first).
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

#include "mlops.h"
#include "pg_shim.h"

#undef vsnprintf
#undef snprintf
#undef fprintf
#undef vfprintf
#undef printf

extern Datum mlops_fitstate_in(PG_FUNCTION_ARGS);
extern Datum mlops_fitstate_out(PG_FUNCTION_ARGS);
extern Datum mlops_fitstate_recv(PG_FUNCTION_ARGS);
extern Datum mlops_fitstate_send(PG_FUNCTION_ARGS);
extern Datum mlops_fitstate_combine(PG_FUNCTION_ARGS);
extern Datum mlops_ols_result(PG_FUNCTION_ARGS);

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------
 * Figures, printed at exit
 * ------------------------------------------------------------------------ */

#define NCODES 32

typedef struct Outcome
{
	const char *what;
	long		accepted;
	long		rejected;
	char		codes[NCODES][6];
	long		counts[NCODES];
} Outcome;

static Outcome text_outcome = {"text input (mlops_fitstate_in)"};
static Outcome binary_outcome = {"binary input (mlops_fitstate_recv)"};
#ifdef FUZZ_OLS
static Outcome ols_outcome = {"mlops.ols_result of an accepted state"};
static Outcome combine_outcome = {"mlops.fitstate_combine(s, s)"};
static Outcome ols2_outcome = {"mlops.ols_result of the combination"};
static long overflow_skipped = 0;
static long lapack_tolerated = 0;

/* FUZZ_TOLERATE: known findings to count and go past instead of stopping at */
static bool allow_count_overflow = false;	/* "count-overflow" */
static bool allow_lapack_error = false; /* "lapack-error" */
#endif

static void
CountRejection(Outcome *o, const char *sqlstate)
{
	o->rejected++;
	for (int i = 0; i < NCODES; i++)
	{
		if (o->codes[i][0] == '\0')
			memcpy(o->codes[i], sqlstate, 6);
		if (strcmp(o->codes[i], sqlstate) == 0)
		{
			o->counts[i]++;
			return;
		}
	}
}

static void
PrintOutcome(const Outcome *o)
{
	fprintf(stderr, "  %s: %ld accepted, %ld rejected", o->what, o->accepted, o->rejected);
	for (int i = 0; i < NCODES && o->codes[i][0]; i++)
		fprintf(stderr, "%s %s x %ld", i == 0 ? " (" : ",", o->codes[i], o->counts[i]);
	fprintf(stderr, "%s\n", o->rejected ? ")" : "");
}

static void
PrintFigures(void)
{
	fprintf(stderr, "harness figures:\n");
	PrintOutcome(&text_outcome);
	PrintOutcome(&binary_outcome);
#ifdef FUZZ_OLS
	PrintOutcome(&ols_outcome);
	PrintOutcome(&combine_outcome);
	PrintOutcome(&ols2_outcome);
	if (allow_count_overflow)
		fprintf(stderr, "  tolerated: combinations skipped because the counts would overflow: %ld\n",
				overflow_skipped);
	if (allow_lapack_error)
		fprintf(stderr, "  tolerated: XX000 \"LAPACK routine ... failed\" errors: %ld\n", lapack_tolerated);
	if (shim_tolerate_xerbla)
		fprintf(stderr, "  tolerated: calls of LAPACK's argument checker xerbla: %ld\n", shim_xerbla_count);
#endif
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
#ifdef FUZZ_OLS
	const char *v = getenv("FUZZ_TOLERATE");

	allow_count_overflow = v != NULL && strstr(v, "count-overflow") != NULL;
	allow_lapack_error = v != NULL && strstr(v, "lapack-error") != NULL;
	shim_tolerate_xerbla = v != NULL && strstr(v, "xerbla") != NULL;
#endif
	atexit(PrintFigures);
	return 0;
}

/* ------------------------------------------------------------------------
 * Calls
 * ------------------------------------------------------------------------ */

static void pg_attribute_noreturn()
Finding(const char *fmt,...) pg_attribute_printf(1, 2);

static void
Finding(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "FINDING: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

/*
 * Call fn with up to three arguments.  With may_fail, an ERROR returns false
 * (shim_last_error holds it); otherwise an ERROR aborts in errfinish.
 */
static bool
Call(PGFunction fn, int nargs, Datum a0, Datum a1, Datum a2, bool may_fail, Datum *result)
{
	sigjmp_buf	jb;
	LOCAL_FCINFO(fcinfo, 3);

	InitFunctionCallInfoData(*fcinfo, NULL, nargs, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = a0;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = a1;
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = a2;
	fcinfo->args[2].isnull = false;
	if (sigsetjmp(jb, 0) != 0)
	{
		shim_error_jmp = NULL;
		return false;
	}
	shim_error_jmp = may_fail ? &jb : NULL;
	*result = fn(fcinfo);
	shim_error_jmp = NULL;
	if (fcinfo->isnull)
		Finding("a function returned NULL for arguments that are not NULL");
	return true;
}

static Datum
MustCall1(PGFunction fn, Datum a0)
{
	Datum		r;

	Call(fn, 1, a0, 0, 0, false, &r);
	return r;
}

/* A rejection must be a data exception (class 22), or 08P01 where allowed. */
static void
CheckRejection(Outcome *o, bool allow_08P01)
{
	const char *s = shim_last_error.sqlstate;

	CountRejection(o, s);
	if (strncmp(s, "22", 2) == 0 || (allow_08P01 && strcmp(s, "08P01") == 0))
		return;
#ifdef FUZZ_OLS
	if (allow_lapack_error && strcmp(s, "XX000") == 0 &&
		strncmp(shim_last_error.message, "LAPACK routine ", 15) == 0)
	{
		lapack_tolerated++;
		return;
	}
#endif
	ShimPrintLastError(o->what);
	Finding("%s rejected an input with SQLSTATE %s, not a data exception", o->what, s);
}

/* ------------------------------------------------------------------------
 * Invariants
 * ------------------------------------------------------------------------ */

static void
CheckState(const FitState *s, const char *what, int expect_bufcap)
{
	int			m;
	volatile uint8 sink = 0;

	if (VARATT_IS_EXTENDED(s))
		Finding("%s: the state has a short or external varlena header", what);
	if (s->version != FITSTATE_VERSION)
		Finding("%s: version %d", what, s->version);
	if (s->flags & ~(FITSTATE_FIRST_ONES | FITSTATE_WEIGHTED))
		Finding("%s: flags 0x%x", what, s->flags);
	if (s->ncols < 0 || s->ncols > MLOPS_MAX_COLUMNS)
		Finding("%s: ncols %d", what, s->ncols);
	if (s->nrows < 0 || s->nskipped < 0)
		Finding("%s: nrows %lld, nskipped %lld", what, (long long) s->nrows, (long long) s->nskipped);
	if (s->ncols == 0 && s->nrows != 0)
		Finding("%s: %lld rows of no columns", what, (long long) s->nrows);
	if (s->nbuf != 0 || s->nkept != 0)
		Finding("%s: nbuf %d, nkept %d", what, s->nbuf, s->nkept);
	if (expect_bufcap >= 0 && s->bufcap != (s->ncols > 0 ? expect_bufcap : 0))
		Finding("%s: bufcap %d for %d columns", what, s->bufcap, s->ncols);
	if (s->bufcap < 0)
		Finding("%s: bufcap %d", what, s->bufcap);
	if (VARSIZE(s) != FITSTATE_SIZE(s->ncols, s->bufcap))
		Finding("%s: VARSIZE %u, FITSTATE_SIZE %zu", what, (unsigned) VARSIZE(s),
				(Size) FITSTATE_SIZE(s->ncols, s->bufcap));
	/* every byte up to VARSIZE must be ours: AddressSanitizer checks the reads */
	for (Size i = 0; i < VARSIZE(s); i++)
		sink ^= ((const uint8 *) s)[i];
	m = FITSTATE_M(s);
	for (int j = 0; j < m; j++)
		for (int i = 0; i < m; i++)
		{
			double		v = FITSTATE_R(s)[i + (Size) j * m];

			if (i <= j && !isfinite(v))
				Finding("%s: R[%d, %d] is not finite", what, i, j);
			if (i > j && v != 0)
				Finding("%s: R[%d, %d] = %g below the diagonal", what, i, j, v);
		}
	(void) sink;
}

static void
SameState(const FitState *a, const FitState *b, const char *what)
{
	if (VARSIZE(a) != VARSIZE(b) || memcmp(a, b, VARSIZE(a)) != 0)
		Finding("%s: the state read back differs from the original", what);
}

/*
 * The text that mlops_fitstate_out must give for an accepted input: the
 * input with the leading zeros of its four counts dropped and its hex digits
 * in lower case.  NULL if the input does not have that shape (then the input
 * function accepted something that is not a fit state: a finding).
 */
static char *
CanonicalText(const char *in)
{
	char	   *out = palloc(strlen(in) + 1);
	char	   *o = out;
	const char *p = in;

	if (strncmp(p, "v1:", 3) != 0)
		return NULL;
	memcpy(o, p, 3);
	o += 3;
	p += 3;
	for (int f = 0; f < 4; f++)
	{
		const char *start = p;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start || *p != ':')
			return NULL;
		while (start < p - 1 && *start == '0')
			start++;
		while (start <= p)
			*o++ = *start++;
		p++;
	}
	for (; *p; p++)
	{
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			return NULL;
		*o++ = (*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p;
	}
	*o = '\0';
	return out;
}

static FitState *
RecvBytes(const char *bytes, int len, bool may_fail)
{
	StringInfoData buf;
	Datum		d;

	buf.data = palloc(len + 1);
	memcpy(buf.data, bytes, len);
	buf.data[len] = '\0';
	buf.len = len;
	buf.maxlen = len + 1;
	buf.cursor = 0;
	if (!Call(mlops_fitstate_recv, 3, PointerGetDatum(&buf), ObjectIdGetDatum(InvalidOid),
			  Int32GetDatum(-1), may_fail, &d))
		return NULL;
	if (buf.cursor != buf.len)
		Finding("mlops_fitstate_recv accepted a value and left %d of its %d bytes unread",
				buf.len - buf.cursor, buf.len);
	return (FitState *) DatumGetPointer(d);
}

/* in(out(s)) == s, recv(send(s)) == s, and the second printing equals the first. */
static void
RoundTrip(const FitState *s, const char *what, char **text_out, bytea **binary_out)
{
	char	   *t1 = DatumGetCString(MustCall1(mlops_fitstate_out, PointerGetDatum(s)));
	bytea	   *b1 = (bytea *) DatumGetPointer(MustCall1(mlops_fitstate_send, PointerGetDatum(s)));
	FitState   *s2 = (FitState *) DatumGetPointer(MustCall1(mlops_fitstate_in, CStringGetDatum(t1)));
	FitState   *s3 = RecvBytes(VARDATA(b1), VARSIZE(b1) - VARHDRSZ, false);
	char	   *t2;
	bytea	   *b2;

	CheckState(s2, "in(out(s))", MLOPS_BLOCK_ROWS);
	CheckState(s3, "recv(send(s))", MLOPS_BLOCK_ROWS);
	SameState(s, s2, "in(out(s))");
	SameState(s, s3, "recv(send(s))");
	t2 = DatumGetCString(MustCall1(mlops_fitstate_out, PointerGetDatum(s2)));
	b2 = (bytea *) DatumGetPointer(MustCall1(mlops_fitstate_send, PointerGetDatum(s3)));
	if (strcmp(t1, t2) != 0)
		Finding("%s: out(in(out(s))) differs from out(s)", what);
	if (VARSIZE(b1) != VARSIZE(b2) || memcmp(b1, b2, VARSIZE(b1)) != 0)
		Finding("%s: send(recv(send(s))) differs from send(s)", what);
	if (text_out)
		*text_out = t1;
	if (binary_out)
		*binary_out = b1;
}

#ifdef FUZZ_OLS

static void
OlsResult(const FitState *s, Outcome *o)
{
	Datum		d;
	Size		size = VARSIZE(s);
	FitState   *before = palloc(size);

	memcpy(before, s, size);
	if (!Call(mlops_ols_result, 1, PointerGetDatum(s), 0, 0, true, &d))
	{
		CheckRejection(o, false);
		return;
	}
	o->accepted++;
	if (memcmp(before, s, size) != 0)
		Finding("mlops.ols_result changed its argument");
	if (shim_tuple_natts != 18)
		Finding("mlops.ols_result formed a tuple of %d attributes", shim_tuple_natts);
	/* n_rows (attribute 11) is the state's */
	if (shim_tuple_isnull[10] || DatumGetInt64(shim_tuple_values[10]) != s->nrows)
		Finding("mlops.ols_result: n_rows is not the state's nrows");
}

static double
ColumnNorm2(const FitState *s, int j)
{
	int			m = FITSTATE_M(s);
	double		sum = 0;

	for (int i = 0; i <= j; i++)
		sum += FITSTATE_R(s)[i + (Size) j * m] * FITSTATE_R(s)[i + (Size) j * m];
	return sum;
}

static void
Combine(const FitState *s)
{
	Datum		d;
	Size		size = VARSIZE(s);
	FitState   *before = palloc(size);
	FitState   *c;
	int64		nrows2,
				nskipped2;
	int			m = FITSTATE_M(s);
	double		maxabs = 0;
	double		frob2 = 0;

	if (__builtin_mul_overflow(s->nrows, (int64) 2, &nrows2) ||
		__builtin_mul_overflow(s->nskipped, (int64) 2, &nskipped2))
	{
		if (allow_count_overflow)
		{
			overflow_skipped++;
			return;
		}
		/* let mlops_fitstate_combine run: UBSan reports the overflow where it happens */
	}
	memcpy(before, s, size);
	if (!Call(mlops_fitstate_combine, 2, PointerGetDatum(s), PointerGetDatum(s), 0, true, &d))
	{
		CheckRejection(&combine_outcome, false);
		return;
	}
	combine_outcome.accepted++;
	c = (FitState *) DatumGetPointer(d);
	if (memcmp(before, s, size) != 0)
		Finding("mlops.fitstate_combine called as a function changed its argument");
	if (c->ncols != s->ncols || c->nrows != nrows2 || c->nskipped != nskipped2 || c->flags != s->flags)
		Finding("combine(s, s): ncols %d, nrows %lld, nskipped %lld, flags %d from %d, %lld, %lld, %d",
				c->ncols, (long long) c->nrows, (long long) c->nskipped, c->flags,
				s->ncols, (long long) s->nrows, (long long) s->nskipped, s->flags);

	for (int j = 0; j < m; j++)
		for (int i = 0; i <= j; i++)
		{
			double		v = fabs(FITSTATE_R(s)[i + (Size) j * m]);

			maxabs = Max(maxabs, v);
		}
	/*
	 * QR keeps column norms: [R; R] has columns of twice the squared norm.  A
	 * state of no columns only counts skipped rows (its R is not combined),
	 * and the R of the second state is folded only if it has rows: "whether R
	 * agrees with the counts is not checked" (docs/reference.md), so a state
	 * of 0 rows may come with any R, which combine then ignores.  The bound
	 * keeps the sums of squares from overflowing.
	 */
	if (s->ncols > 0 && maxabs < 1e100)
	{
		double		factor = s->nrows > 0 ? 2 : 1;

		for (int j = 0; j < m; j++)
			frob2 += ColumnNorm2(s, j);
		for (int j = 0; j < m; j++)
		{
			double		want = factor * ColumnNorm2(s, j);
			double		got = ColumnNorm2(c, j);

			if (fabs(got - want) > 1e-9 * 2 * frob2 + 1e-290)
				Finding("combine(s, s): column %d of R has squared norm %.17g, not %.17g", j, got, want);
		}
		CheckState(c, "combine(s, s)", -1);
		RoundTrip(c, "combine(s, s)", NULL, NULL);
	}
	OlsResult(c, &ols2_outcome);
}

#endif							/* FUZZ_OLS */

static void
Accepted(const FitState *s)
{
#ifdef FUZZ_OLS
	OlsResult(s, &ols_outcome);
	Combine(s);
#endif
}

/* ------------------------------------------------------------------------
 * The target
 * ------------------------------------------------------------------------ */

static void
TextCase(const uint8_t *data, size_t size)
{
	char	   *str = palloc(size + 1);
	char	   *canon;
	char	   *out;
	Datum		d;
	FitState   *s;

	memcpy(str, data, size);
	str[size] = '\0';
	if (!Call(mlops_fitstate_in, 1, CStringGetDatum(str), 0, 0, true, &d))
	{
		CheckRejection(&text_outcome, false);
		return;
	}
	text_outcome.accepted++;
	s = (FitState *) DatumGetPointer(d);
	CheckState(s, "mlops_fitstate_in", MLOPS_BLOCK_ROWS);
	RoundTrip(s, "mlops_fitstate_in", &out, NULL);
	canon = CanonicalText(str);
	if (canon == NULL)
		Finding("mlops_fitstate_in accepted a text that is not of the form v1:<digits>:<digits>:<digits>:<digits>:<hex>");
	if (strcmp(canon, out) != 0)
		Finding("mlops_fitstate_in: the state prints as \"%.200s\", not as the input \"%.200s\"", out, canon);
	Accepted(s);
}

static void
BinaryCase(const uint8_t *data, size_t size)
{
	FitState   *s;
	bytea	   *b;

	if (size > INT_MAX - 1)
		return;
	s = RecvBytes((const char *) data, (int) size, true);
	if (s == NULL)
	{
		CheckRejection(&binary_outcome, true);
		return;
	}
	binary_outcome.accepted++;
	CheckState(s, "mlops_fitstate_recv", MLOPS_BLOCK_ROWS);
	RoundTrip(s, "mlops_fitstate_recv", NULL, &b);
	if (VARSIZE(b) - VARHDRSZ != size || memcmp(VARDATA(b), data, size) != 0)
		Finding("mlops_fitstate_recv: send(recv(x)) differs from x");
	Accepted(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TextCase(data, size);
	ShimResetInputMemory();
	BinaryCase(data, size);
	ShimResetInputMemory();
	return 0;
}
