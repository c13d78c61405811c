/*
 * pg_shim.c
 *		A backend's services for src/fitstate.c, src/linalg.c, src/olsresult.c
 *		and src/distributions.c outside the server, for the libFuzzer harness
 *		test/fuzz/fitstate_fuzz.c.
 *
 * Memory: each palloc is its own malloc (so AddressSanitizer sees every
 * chunk's bounds), linked into the list of its context.  There are two
 * contexts: TopMemoryContext, which lives as long as the process (linalg.c
 * keeps its LAPACK scratch there), and the context of the current input,
 * which is CurrentMemoryContext and is emptied after each input.
 *
 * Errors: errstart .. errfinish as in PostgreSQL 15's elog.h; at ERROR the
 * report is copied to shim_last_error and control goes back to the harness
 * through shim_error_jmp (siglongjmp), as PG_TRY would catch it.
 *
 * Everything else the compiled files reference but the harness never
 * reaches aborts with "unexpected call", so reaching it is a finding.
 */
#include "postgres.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/memnodes.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "mlops.h"
#include "pg_shim.h"

/* port.h maps these to PostgreSQL's own snprintf; the shim uses libc's. */
#undef vsnprintf
#undef snprintf
#undef fprintf
#undef vfprintf
#undef printf

ShimError	shim_last_error;
sigjmp_buf *shim_error_jmp = NULL;
long		shim_notices = 0;
int			shim_result_natts = 18;
int			shim_tuple_natts = 0;
Datum	   *shim_tuple_values = NULL;
bool	   *shim_tuple_isnull = NULL;

static void
Unexpected(const char *fn)
{
	fprintf(stderr, "pg_shim: unexpected call of %s (not reached by the harness)\n", fn);
	abort();
}

/* ------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------ */

typedef struct Chunk
{
	struct Chunk *prev;
	struct Chunk *next;
	int			cxt;			/* 0: the input's context, 1: TopMemoryContext */
	Size		size;
	char		pad[8];			/* keeps the data 16-byte aligned */
} Chunk;

static MemoryContextData input_cxt_data;
static MemoryContextData top_cxt_data;
static Chunk *chunks[2];

MemoryContext CurrentMemoryContext = &input_cxt_data;
MemoryContext TopMemoryContext = &top_cxt_data;
MemoryContext ErrorContext = &input_cxt_data;
MemoryContext CacheMemoryContext = &top_cxt_data;

static int
CxtIndex(MemoryContext cxt)
{
	if (cxt == &top_cxt_data)
		return 1;
	if (cxt == &input_cxt_data)
		return 0;
	Unexpected("an allocation in an unknown memory context");
	return 0;
}

static void *
ShimAlloc(MemoryContext cxt, Size size, bool zero, bool huge)
{
	Chunk	   *c;
	int			i = CxtIndex(cxt);

	if (huge ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	c = zero ? calloc(1, sizeof(Chunk) + size) : malloc(sizeof(Chunk) + size);
	if (c == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu.", size)));
	c->cxt = i;
	c->size = size;
	c->prev = NULL;
	c->next = chunks[i];
	if (chunks[i])
		chunks[i]->prev = c;
	chunks[i] = c;
	return (char *) c + sizeof(Chunk);
}

static Chunk *
ChunkOf(void *p)
{
	return (Chunk *) ((char *) p - sizeof(Chunk));
}

static void
Unlink(Chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		chunks[c->cxt] = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

void
ShimResetInputMemory(void)
{
	Chunk	   *c = chunks[0];

	while (c)
	{
		Chunk	   *next = c->next;

		free(c);
		c = next;
	}
	chunks[0] = NULL;
	shim_tuple_natts = 0;
	shim_tuple_values = NULL;
	shim_tuple_isnull = NULL;
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return ShimAlloc(context, size, false, false);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return ShimAlloc(context, size, true, false);
}

void *
MemoryContextAllocZeroAligned(MemoryContext context, Size size)
{
	return ShimAlloc(context, size, true, false);
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return ShimAlloc(context, size, (flags & MCXT_ALLOC_ZERO) != 0, (flags & MCXT_ALLOC_HUGE) != 0);
}

void *
MemoryContextAllocHuge(MemoryContext context, Size size)
{
	return ShimAlloc(context, size, false, true);
}

void *
palloc(Size size)
{
	return ShimAlloc(CurrentMemoryContext, size, false, false);
}

void *
palloc0(Size size)
{
	return ShimAlloc(CurrentMemoryContext, size, true, false);
}

void *
palloc_extended(Size size, int flags)
{
	return MemoryContextAllocExtended(CurrentMemoryContext, size, flags);
}

static void *
ShimRealloc(void *pointer, Size size, bool huge)
{
	Chunk	   *c = ChunkOf(pointer);
	Chunk	   *n;

	if (huge ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	Unlink(c);
	n = realloc(c, sizeof(Chunk) + size);
	if (n == NULL)
		Unexpected("realloc failing");
	n->size = size;
	n->prev = NULL;
	n->next = chunks[n->cxt];
	if (chunks[n->cxt])
		chunks[n->cxt]->prev = n;
	chunks[n->cxt] = n;
	return (char *) n + sizeof(Chunk);
}

void *
repalloc(void *pointer, Size size)
{
	return ShimRealloc(pointer, size, false);
}

void *
repalloc_huge(void *pointer, Size size)
{
	return ShimRealloc(pointer, size, true);
}

void
pfree(void *pointer)
{
	Chunk	   *c = ChunkOf(pointer);

	Unlink(c);
	free(c);
}

char *
pstrdup(const char *in)
{
	Size		len = strlen(in) + 1;
	char	   *out = palloc(len);

	memcpy(out, in, len);
	return out;
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

char *
psprintf(const char *fmt,...)
{
	va_list		args;
	int			n;
	char	   *out;

	va_start(args, fmt);
	n = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (n < 0)
		Unexpected("psprintf with a bad format");
	out = palloc((Size) n + 1);
	va_start(args, fmt);
	vsnprintf(out, (Size) n + 1, fmt, args);
	va_end(args);
	return out;
}

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

#define ERRSTACK 5

typedef struct PendingError
{
	int			elevel;
	int			sqlerrcode;
	char		message[512];
	char		detail[512];
} PendingError;

static PendingError errstack[ERRSTACK];
static int	errdepth = 0;

static void
UnpackSqlState(int code, char *out)
{
	for (int i = 0; i < 5; i++)
	{
		out[i] = PGUNSIXBIT(code);
		code >>= 6;
	}
	out[5] = '\0';
}

bool
errstart(int elevel, const char *domain)
{
	PendingError *e;

	if (elevel < NOTICE)
		return false;			/* DEBUG and LOG are not shown to a client */
	if (errdepth >= ERRSTACK)
	{
		fprintf(stderr, "pg_shim: ereport recursion too deep\n");
		abort();
	}
	e = &errstack[errdepth++];
	memset(e, 0, sizeof(*e));
	e->elevel = elevel;
	e->sqlerrcode = elevel >= ERROR ? ERRCODE_INTERNAL_ERROR :
		elevel == WARNING ? ERRCODE_WARNING : ERRCODE_SUCCESSFUL_COMPLETION;
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

static PendingError *
Top(const char *fn)
{
	if (errdepth == 0)
		Unexpected(fn);
	return &errstack[errdepth - 1];
}

int
errcode(int sqlerrcode)
{
	Top("errcode outside ereport")->sqlerrcode = sqlerrcode;
	return 0;
}

#define FORMAT_INTO(field, fmt) \
	do { \
		va_list		args_; \
		va_start(args_, fmt); \
		vsnprintf(Top(#field)->field, sizeof(errstack[0].field), fmt, args_); \
		va_end(args_); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	FORMAT_INTO(message, fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	FORMAT_INTO(message, fmt);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	FORMAT_INTO(detail, fmt);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	FORMAT_INTO(detail, fmt);
	return 0;
}

int
errhint(const char *fmt,...)
{
	va_list		args;
	char		hint[512];

	va_start(args, fmt);
	vsnprintf(hint, sizeof(hint), fmt, args);
	va_end(args);
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	PendingError *e = Top("errfinish outside ereport");
	ShimError  *out = &shim_last_error;

	errdepth--;
	if (e->elevel < ERROR)
	{
		shim_notices++;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->elevel = e->elevel;
	out->sqlerrcode = e->sqlerrcode;
	UnpackSqlState(e->sqlerrcode, out->sqlstate);
	memcpy(out->message, e->message, sizeof(out->message));
	memcpy(out->detail, e->detail, sizeof(out->detail));
	out->filename = filename;
	out->lineno = lineno;
	out->funcname = funcname;
	errdepth = 0;
	if (e->elevel > ERROR)
	{
		ShimPrintLastError("FATAL or PANIC");
		abort();
	}
	if (shim_error_jmp == NULL)
	{
		ShimPrintLastError("ERROR where none is allowed");
		abort();
	}
	siglongjmp(*shim_error_jmp, 1);
}

void
ShimPrintLastError(const char *what)
{
	ShimError  *e = &shim_last_error;

	fprintf(stderr, "%s: %s: %s", what, e->sqlstate, e->message);
	if (e->detail[0])
		fprintf(stderr, " (detail: %s)", e->detail);
	fprintf(stderr, " at %s:%d in %s\n", e->filename ? e->filename : "?", e->lineno,
			e->funcname ? e->funcname : "?");
}

/* ------------------------------------------------------------------------
 * LAPACK's argument checker
 * ------------------------------------------------------------------------ */

bool		shim_tolerate_xerbla = false;
long		shim_xerbla_count = 0;

/* The Fortran routine: name (blank-padded, its length passed last) and parameter number. */
void		xerbla_(const char *srname, const int *info, size_t srname_len);

void
xerbla_(const char *srname, const int *info, size_t srname_len)
{
	shim_xerbla_count++;
	if (shim_tolerate_xerbla)
		return;
	fprintf(stderr, "FINDING: LAPACK's argument checker fired: on entry to %.6s parameter number %d had an illegal value\n",
			srname, *info);
	abort();
}

/* ------------------------------------------------------------------------
 * Interrupts
 * ------------------------------------------------------------------------ */

volatile sig_atomic_t InterruptPending = false;

void
ProcessInterrupts(void)
{
	InterruptPending = false;
}

/* ------------------------------------------------------------------------
 * StringInfo
 * ------------------------------------------------------------------------ */

void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	resetStringInfo(str);
}

StringInfo
makeStringInfo(void)
{
	StringInfo	res = palloc(sizeof(StringInfoData));

	initStringInfo(res);
	return res;
}

void
resetStringInfo(StringInfo str)
{
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen;

	if (needed < 0)
		elog(ERROR, "invalid string enlargement request size: %d", needed);
	if (((Size) needed) >= (MaxAllocSize - (Size) str->len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("out of memory"),
				 errdetail("Cannot enlarge string buffer containing %d bytes by %d more bytes.",
						   str->len, needed)));
	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	newlen = 2 * str->maxlen;
	while (needed > newlen)
		newlen = 2 * newlen;
	if (newlen > (int) MaxAllocSize)
		newlen = (int) MaxAllocSize;
	str->data = repalloc(str->data, newlen);
	str->maxlen = newlen;
}

int
appendStringInfoVA(StringInfo str, const char *fmt, va_list args)
{
	int			avail = str->maxlen - str->len;
	int			n = vsnprintf(str->data + str->len, avail, fmt, args);

	if (n < 0)
		Unexpected("appendStringInfoVA with a bad format");
	if (n < avail)
	{
		str->len += n;
		return 0;
	}
	str->data[str->len] = '\0';
	return n + 1;
}

void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(str, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(str, needed);
	}
}

void
appendBinaryStringInfo(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
	str->data[str->len] = '\0';
}

void
appendBinaryStringInfoNT(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
}

void
appendStringInfoString(StringInfo str, const char *s)
{
	appendBinaryStringInfo(str, s, strlen(s));
}

void
appendStringInfoChar(StringInfo str, char ch)
{
	if (str->len + 1 >= str->maxlen)
		enlargeStringInfo(str, 1);
	str->data[str->len] = ch;
	str->len++;
	str->data[str->len] = '\0';
}

/* ------------------------------------------------------------------------
 * libpq/pqformat.c, as in PostgreSQL 15
 * ------------------------------------------------------------------------ */

void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	/* reserve four bytes for the bytea length word */
	appendStringInfoCharMacro(buf, '\0');
	appendStringInfoCharMacro(buf, '\0');
	appendStringInfoCharMacro(buf, '\0');
	appendStringInfoCharMacro(buf, '\0');
}

bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	SET_VARSIZE(result, buf->len);
	return result;
}

void
pq_sendfloat8(StringInfo buf, float8 f)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.f = f;
	pq_sendint64(buf, swap.i);
}

void
pq_copymsgbytes(StringInfo msg, char *buf, int datalen)
{
	if (datalen < 0 || datalen > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	memcpy(buf, &msg->data[msg->cursor], datalen);
	msg->cursor += datalen;
}

int
pq_getmsgbyte(StringInfo msg)
{
	if (msg->cursor >= msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("no data left in message")));
	return (unsigned char) msg->data[msg->cursor++];
}

unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	unsigned int result;
	unsigned char n8;
	uint16		n16;
	uint32		n32;

	switch (b)
	{
		case 1:
			pq_copymsgbytes(msg, (char *) &n8, 1);
			result = n8;
			break;
		case 2:
			pq_copymsgbytes(msg, (char *) &n16, 2);
			result = pg_ntoh16(n16);
			break;
		case 4:
			pq_copymsgbytes(msg, (char *) &n32, 4);
			result = pg_ntoh32(n32);
			break;
		default:
			elog(ERROR, "unsupported integer size %d", b);
			result = 0;
			break;
	}
	return result;
}

int64
pq_getmsgint64(StringInfo msg)
{
	uint64		n64;

	pq_copymsgbytes(msg, (char *) &n64, sizeof(n64));
	return pg_ntoh64(n64);
}

float8
pq_getmsgfloat8(StringInfo msg)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.i = pq_getmsgint64(msg);
	return swap.f;
}

void
pq_getmsgend(StringInfo msg)
{
	if (msg->cursor != msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid message format")));
}

/* ------------------------------------------------------------------------
 * fmgr, tuples and arrays: what mlops.fitstate_combine and mlops.ols_result
 * use when called as ordinary functions
 * ------------------------------------------------------------------------ */

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	if (VARATT_IS_EXTENDED(datum))
		Unexpected("pg_detoast_datum on a toasted or short-header value");
	return datum;
}

int
AggCheckCallContext(FunctionCallInfo fcinfo, MemoryContext *aggcontext)
{
	if (aggcontext)
		*aggcontext = NULL;
	return 0;
}

TypeFuncClass
get_call_result_type(FunctionCallInfo fcinfo, Oid *resultTypeId, TupleDesc *resultTupleDesc)
{
	TupleDesc	td = palloc0(offsetof(struct TupleDescData, attrs) +
							 sizeof(FormData_pg_attribute) * shim_result_natts);

	td->natts = shim_result_natts;
	td->tdtypeid = RECORDOID;
	td->tdtypmod = -1;
	if (resultTypeId)
		*resultTypeId = RECORDOID;
	if (resultTupleDesc)
		*resultTupleDesc = td;
	return TYPEFUNC_COMPOSITE;
}

TupleDesc
BlessTupleDesc(TupleDesc tupdesc)
{
	return tupdesc;
}

HeapTuple
heap_form_tuple(TupleDesc tupleDescriptor, Datum *values, bool *isnull)
{
	int			n = tupleDescriptor->natts;
	HeapTuple	tuple = palloc0(HEAPTUPLESIZE + sizeof(HeapTupleHeaderData));

	shim_tuple_natts = n;
	shim_tuple_values = palloc(sizeof(Datum) * n);
	shim_tuple_isnull = palloc(sizeof(bool) * n);
	memcpy(shim_tuple_values, values, sizeof(Datum) * n);
	memcpy(shim_tuple_isnull, isnull, sizeof(bool) * n);
	tuple->t_data = (HeapTupleHeader) ((char *) tuple + HEAPTUPLESIZE);
	tuple->t_len = sizeof(HeapTupleHeaderData);
	return tuple;
}

Datum
HeapTupleHeaderGetDatum(HeapTupleHeader tuple)
{
	return PointerGetDatum(tuple);
}

/*
 * A real one-dimensional or two-dimensional float8 array (so the harness
 * could read it with the ARR_* macros), built with the same checks.
 */
ArrayType *
construct_md_array(Datum *elems, bool *nulls, int ndims, int *dims, int *lbs,
				   Oid elmtype, int elmlen, bool elmbyval, char elmalign)
{
	int			nitems = 1;
	int			nnotnull = 0;
	bool		hasnulls = false;
	Size		hdr;
	Size		size;
	ArrayType  *a;
	double	   *out;

	if (elmtype != FLOAT8OID || elmlen != sizeof(float8) || !elmbyval || elmalign != TYPALIGN_DOUBLE)
		Unexpected("construct_md_array for a type other than float8");
	if (ndims < 1 || ndims > MAXDIM)
		elog(ERROR, "invalid number of dimensions: %d", ndims);
	for (int i = 0; i < ndims; i++)
	{
		if (dims[i] < 0)
			elog(ERROR, "negative array dimension %d", dims[i]);
		nitems *= dims[i];
	}
	for (int i = 0; i < nitems; i++)
	{
		if (nulls && nulls[i])
			hasnulls = true;
		else
			nnotnull++;
	}
	hdr = hasnulls ? ARR_OVERHEAD_WITHNULLS(ndims, nitems) : ARR_OVERHEAD_NONULLS(ndims);
	size = hdr + sizeof(double) * nnotnull;
	a = palloc0(size);
	SET_VARSIZE(a, size);
	a->ndim = ndims;
	a->dataoffset = hasnulls ? (int32) hdr : 0;
	a->elemtype = elmtype;
	memcpy(ARR_DIMS(a), dims, sizeof(int) * ndims);
	memcpy(ARR_LBOUND(a), lbs, sizeof(int) * ndims);
	out = (double *) ARR_DATA_PTR(a);
	for (int i = 0; i < nitems; i++)
	{
		if (nulls && nulls[i])
			continue;
		if (hasnulls)
			ARR_NULLBITMAP(a)[i / 8] |= 1 << (i % 8);	/* 1: not NULL */
		*out++ = DatumGetFloat8(elems[i]);
	}
	return a;
}

/* Referenced by code the harness does not reach. */

int
ArrayGetNItems(int ndim, const int *dims)
{
	Unexpected("ArrayGetNItems");
	return 0;
}

void
deconstruct_array(ArrayType *array, Oid elmtype, int elmlen, bool elmbyval, char elmalign,
				  Datum **elemsp, bool **nullsp, int *nelemsp)
{
	Unexpected("deconstruct_array");
}

char *
format_type_be(Oid type_oid)
{
	Unexpected("format_type_be");
	return NULL;
}

Oid
get_fn_expr_argtype(FmgrInfo *flinfo, int argnum)
{
	Unexpected("get_fn_expr_argtype");
	return InvalidOid;
}

bool
get_fn_expr_variadic(FmgrInfo *flinfo)
{
	Unexpected("get_fn_expr_variadic");
	return false;
}

char *
text_to_cstring(const text *t)
{
	Unexpected("text_to_cstring");
	return NULL;
}

/*
 * src/refine.c: rows are kept only by ols_fit's transition (the flag
 * FITSTATE_KEEPS_ROWS), never by a state read from its text or binary form,
 * so these are not reached; reaching them means such a state got in.
 */
int			mlops_refine_memory = 16384;
double		mlops_refine_condition = 1e6;

double
ScaledConditionNumber(const double *R, int ldr, int p)
{
	Unexpected("ScaledConditionNumber (a state read from outside keeps rows)");
	return 0;
}

bool
RefineFromKeptRows(const FitState *state, const int *pos, int p, const double *R, int ldr,
				   bool centred, double *coef, RefinedFit *out)
{
	Unexpected("RefineFromKeptRows (a state read from outside keeps rows)");
	return false;
}
