/*
 * pg_shim.h
 *		What a backend would give src/fitstate.c and its neighbours, for the
 *		standalone libFuzzer harness: memory, error reporting, StringInfo,
 *		the pq_* message functions and a few fmgr/tuple helpers.
 *
 * Not part of the extension: see test/fuzz/README.md.
 */
#ifndef PG_SHIM_H
#define PG_SHIM_H

#include "postgres.h"

#include <setjmp.h>

/* The last error raised at ERROR or above (copied before the longjmp). */
typedef struct ShimError
{
	int			elevel;
	int			sqlerrcode;
	char		sqlstate[6];
	char		message[512];
	char		detail[512];
	const char *filename;
	int			lineno;
	const char *funcname;
} ShimError;

extern ShimError shim_last_error;

/*
 * Where an ERROR goes: the harness sets it around each call that may fail
 * and clears it afterwards.  An ERROR raised while it is NULL (a call that
 * must succeed) prints the error and aborts, which libFuzzer reports as a
 * crash.  FATAL and PANIC always abort.
 */
extern sigjmp_buf *shim_error_jmp;

/* Counts of NOTICE/WARNING reports (they return to the caller). */
extern long shim_notices;

/* Number of attributes get_call_result_type describes (mlops.ols_result's 18). */
extern int	shim_result_natts;

/* The values given to the last heap_form_tuple, for the harness to read. */
extern int	shim_tuple_natts;
extern Datum *shim_tuple_values;
extern bool *shim_tuple_isnull;

/*
 * LAPACK's argument checker (xerbla_, which OpenBLAS makes print and return,
 * and reference LAPACK makes end the process) is replaced by the shim's: it
 * prints the routine and the parameter and aborts, unless tolerated, when it
 * only counts.  src/linalg.c checks its arguments so that it never fires.
 */
extern bool shim_tolerate_xerbla;
extern long shim_xerbla_count;

/* Free everything allocated outside TopMemoryContext since the last call. */
extern void ShimResetInputMemory(void);

/* Print "what: SQLSTATE message (detail) at file:line" of the last error. */
extern void ShimPrintLastError(const char *what);

#endif							/* PG_SHIM_H */
