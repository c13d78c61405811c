/*
 * import_fuzz.c
 *		libFuzzer harness for mlops.import_model, the PL/pgSQL parser and
 *		validator of model documents.  It runs in the server, so each input is
 *		sent over libpq to a running cluster, twice, each time in a transaction
 *		that is rolled back:
 *
 *		  text:  SELECT mlops.import_model('fz', $1::jsonb)   $1 text (the bytes
 *		         up to the first NUL), so the cast text -> jsonb parses it;
 *		  jsonb: SELECT mlops.import_model('fz', $1)           $1 jsonb in binary
 *		         format: version byte 1 and then the raw bytes, so jsonb_recv
 *		         parses them as the parameter is bound.
 *
 * Outcomes: success, or an ERROR of class 22 (data exception), 42 (syntax
 * error or access rule violation), 2B, 54 (program limit exceeded) or 0A
 * (feature not supported) is fine.  A lost connection (a backend crash takes
 * every connection down), an ERROR of class XX (internal error) or 58 (system
 * error), or a statement timeout (57014: the server spent more than
 * FUZZ_STATEMENT_TIMEOUT on one document) is a finding: the harness prints it
 * and aborts, and libFuzzer saves the input as crash-*.  An ERROR of any
 * other class is counted and written once per kind to FUZZ_UNEXPECTED_LOG
 * (or aborts with FUZZ_IMPORT_STRICT=1).
 *
 * libFuzzer cannot see the server's coverage.  As a stand-in, every distinct
 * outcome sets a counter in the section __libfuzzer_extra_counters, which
 * libFuzzer counts as a feature: an outcome is the variant, the SQLSTATE and
 * where the error was raised (each "PL/pgSQL function F line N" of its
 * context, see HashWhere).  Every check of import_model is a statement of its
 * own, so an input that fails at a check no earlier input reached, or that
 * gets through, is kept in the corpus.  This follows the validator's
 * statements, not its branches, and sees nothing of the C code under it.
 *
 * Environment: the usual PGHOST, PGPORT, PGUSER; FUZZ_DB (database with the
 * extension, default mlops_fuzz); FUZZ_STATEMENT_TIMEOUT (default 20s);
 * FUZZ_UNEXPECTED_LOG; FUZZ_IMPORT_STRICT; FUZZ_DEBUG_OUTCOMES (print each
 * outcome as it is seen).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define TEXTOID		25
#define JSONBOID	3802

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* outcomes seen, as extra features for libFuzzer */
#define NCOUNTERS 8192
__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t outcome_counters[NCOUNTERS];

static PGconn *conn;
static const char *unexpected_log;
static int	strict;
static int	debug_keys;

/* figures printed at exit */
#define NCODES 64
static long n_inputs;
static long n_ok[2];
static char codes[NCODES][6];
static long code_counts[2][NCODES];
static long n_unexpected;

/* distinct unexpected outcomes already logged */
#define NSEEN 256
static uint32_t seen[NSEEN];
static int	nseen;

static const char *const variant_name[2] = {"text -> jsonb cast", "binary jsonb parameter"};


static void
Die(const char *what, PGresult *res)
{
	fprintf(stderr, "FINDING: %s\n", what);
	if (res)
		fprintf(stderr, "  result: %s", PQresultErrorMessage(res));
	fprintf(stderr, "  connection: %s", PQerrorMessage(conn));
	abort();
}

static void
PrintFigures(void)
{
	fprintf(stderr, "harness figures: %ld inputs, each sent twice\n", n_inputs);
	for (int v = 0; v < 2; v++)
	{
		fprintf(stderr, "  %s: %ld imported (rolled back)", variant_name[v], n_ok[v]);
		for (int i = 0; i < NCODES && codes[i][0]; i++)
			if (code_counts[v][i])
				fprintf(stderr, ", %s x %ld", codes[i], code_counts[v][i]);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "  errors of an unexpected class: %ld%s%s\n", n_unexpected,
			unexpected_log ? ", logged in " : "", unexpected_log ? unexpected_log : "");
}

static void
Exec(const char *sql)
{
	PGresult   *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		Die(sql, res);
	PQclear(res);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *db = getenv("FUZZ_DB");
	const char *timeout = getenv("FUZZ_STATEMENT_TIMEOUT");
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *values[] = {db ? db : "mlops_fuzz", "import_fuzz", NULL};
	char		sql[256];
	PGresult   *res;
	Oid			text_type[1] = {TEXTOID};
	Oid			jsonb_type[1] = {JSONBOID};

	unexpected_log = getenv("FUZZ_UNEXPECTED_LOG");
	strict = getenv("FUZZ_IMPORT_STRICT") && strcmp(getenv("FUZZ_IMPORT_STRICT"), "1") == 0;
	debug_keys = getenv("FUZZ_DEBUG_OUTCOMES") != NULL;
	conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "import_fuzz: could not connect: %s", PQerrorMessage(conn));
		exit(2);
	}
	snprintf(sql, sizeof(sql), "SET statement_timeout = '%s'", timeout ? timeout : "20s");
	Exec(sql);
	Exec("SET client_min_messages = warning");
	Exec("SET lc_messages = 'C'");
	res = PQprepare(conn, "imp_text", "SELECT mlops.import_model('fz', $1::jsonb)", 1, text_type);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		fprintf(stderr, "import_fuzz: %s (is the extension installed in the database?)\n",
				PQresultErrorMessage(res));
		exit(2);
	}
	PQclear(res);
	res = PQprepare(conn, "imp_jsonb", "SELECT mlops.import_model('fz', $1)", 1, jsonb_type);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		Die("PREPARE imp_jsonb", res);
	PQclear(res);
	atexit(PrintFigures);
	return 0;
}

static uint32_t
Fnv(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h;
}

/* Hash of s up to its first quote or colon: the fixed start of a message. */
static uint32_t
HashPrefix(uint32_t h, const char *s)
{
	if (s == NULL)
		return Fnv(h, "-", 1);
	return Fnv(h, s, strcspn(s, "\":"));
}

/*
 * Hash of where an error was raised: every "PL/pgSQL function F line N" of the
 * error's context (import_model's own line tells which of its checks failed;
 * the frames inside it, which helper), or, when no PL/pgSQL frame is there (the
 * document did not parse as JSON), the fixed start of the message only: the
 * JSON parser is PostgreSQL's, and giving each of its details a feature of its
 * own would fill the corpus with documents that never reach import_model.
 * The text of the document, which messages quote, never enters the hash, so
 * the outcomes are a small finite set: in effect the statements of
 * import_model reached, the closest thing to its coverage a client can see.
 */
static uint32_t
HashWhere(uint32_t h, PGresult *res)
{
	const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
	bool		framed = false;

	for (const char *p = ctx; p && (p = strstr(p, "PL/pgSQL function ")) != NULL;)
	{
		const char *line = strstr(p, " line ");
		const char *eol = strchr(p, '\n');

		if (line == NULL || (eol && line > eol))
			break;
		line += 6;
		h = Fnv(h, p, line - p);
		h = Fnv(h, line, strspn(line, "0123456789"));
		framed = true;
		p = line;
	}
	if (!framed)
		h = HashPrefix(h, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	return h;
}

static int
CodeIndex(const char *sqlstate)
{
	for (int i = 0; i < NCODES; i++)
	{
		if (codes[i][0] == '\0')
		{
			strncpy(codes[i], sqlstate, 5);
			return i;
		}
		if (strcmp(codes[i], sqlstate) == 0)
			return i;
	}
	return NCODES - 1;
}

static void
LogUnexpected(int variant, uint32_t key, PGresult *res, const uint8_t *data, size_t size)
{
	FILE	   *f;

	n_unexpected++;
	if (strict)
		Die("an ERROR of an unexpected class (FUZZ_IMPORT_STRICT=1)", res);
	for (int i = 0; i < nseen; i++)
		if (seen[i] == key)
			return;
	if (nseen < NSEEN)
		seen[nseen++] = key;
	if (unexpected_log == NULL || (f = fopen(unexpected_log, "a")) == NULL)
		f = stderr;
	fprintf(f, "--- %s: %s", variant_name[variant], PQresultErrorMessage(res));
	fprintf(f, "input (%zu bytes, hex): ", size);
	for (size_t i = 0; i < size; i++)
		fprintf(f, "%02x", data[i]);
	fprintf(f, "\n");
	if (f != stderr)
		fclose(f);
}

static void
Check(int variant, PGresult *res, const uint8_t *data, size_t size)
{
	ExecStatusType st = PQresultStatus(res);
	const char *sqlstate;
	uint32_t	key;
	int			ci;

	if (PQstatus(conn) != CONNECTION_OK)
		Die("the connection was lost: did the server crash?", res);
	if (st == PGRES_TUPLES_OK)
	{
		if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
			Die("mlops.import_model returned no model_id", res);
		n_ok[variant]++;
		outcome_counters[Fnv(2166136261u + variant, "ok", 2) % NCOUNTERS] = 1;
		return;
	}
	if (st != PGRES_FATAL_ERROR)
		Die("unexpected result status", res);
	sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (sqlstate == NULL)
		Die("an error without SQLSTATE (a lost connection?)", res);
	ci = CodeIndex(sqlstate);
	code_counts[variant][ci]++;
	key = Fnv(2166136261u + variant, sqlstate, strlen(sqlstate));
	key = HashWhere(key, res);
	if (debug_keys && !outcome_counters[key % NCOUNTERS])
	{
		const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
		const char *where = ctx ? strstr(ctx, "import_model(text,jsonb) line ") : NULL;

		fprintf(stderr, "new outcome %u: %s at %.*s: %s | %.100s\n", key % NCOUNTERS, sqlstate,
				where ? (int) strcspn(where + 30, " ") + 30 : 1, where ? where : "-",
				PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY),
				PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : "");
	}
	outcome_counters[key % NCOUNTERS] = 1;

	if (strncmp(sqlstate, "XX", 2) == 0 || strncmp(sqlstate, "58", 2) == 0)
		Die("an internal or system error", res);
	if (strcmp(sqlstate, "57014") == 0)
		Die("statement timeout: one document kept the server busy too long", res);
	if (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "42", 2) == 0 ||
		strncmp(sqlstate, "2B", 2) == 0 || strncmp(sqlstate, "54", 2) == 0 ||
		strncmp(sqlstate, "0A", 2) == 0)
		return;
	LogUnexpected(variant, key, res, data, size);
}

static void
RunInTransaction(int variant, const char *stmt, const char *value, int length, int format,
				 const uint8_t *data, size_t size)
{
	PGresult   *res;
	const char *values[1] = {value};
	int			lengths[1] = {length};
	int			formats[1] = {format};

	Exec("BEGIN");
	res = PQexecPrepared(conn, stmt, 1, values, lengths, formats, 0);
	Check(variant, res, data, size);
	PQclear(res);
	Exec("ROLLBACK");
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		Die("the session is not idle after ROLLBACK", NULL);
}

/* ------------------------------------------------------------------------
 * A structure-aware mutator.  Bytes mutated at random are nearly always
 * invalid JSON or invalid UTF-8, which the server rejects before
 * import_model sees the document.  So three mutations in four work on JSON
 * tokens and keep the document well formed: replace a value, delete, copy or
 * rename a member, add one, drop or copy an array element, nudge a number.
 * The fourth, and any input that does not tokenize, gets libFuzzer's own
 * byte-level mutations (LLVMFuzzerMutate, which uses the dictionary).
 * ------------------------------------------------------------------------ */

size_t		LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t		LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

typedef enum
{
	T_STR, T_NUM, T_LIT, T_OPEN, T_CLOSE, T_COLON, T_COMMA
} TokKind;

typedef struct
{
	TokKind		kind;
	size_t		start;
	size_t		len;
} Tok;

#define MAXTOK 8192
static Tok	toks[MAXTOK];
static int	ntok;
static uint32_t rng;

static uint32_t
Rand(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return n ? rng % n : 0;
}

static const char *const interesting[] = {
	"0", "1", "-1", "0.5", "0.999999", "1e400", "1e-400", "-0", "1.5", "1000", "1001",
	"2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
	"true", "false", "null", "\"\"", "\"x\"", "\"NaN\"", "\"Infinity\"", "{}", "[]", "[1]",
	"[\"a\", \"a\"]", "[\"a\", \"b\"]", "[null]", "[\"\"]", "\"mlops-model\"", "\"linear\"",
	"\"ridge\"", "\"skip\"", "\"error\"", "\"HC0\"", "\"HC3\"", "\"HC4\"", "\"2026-01-01\"",
	"\"infinity\"", "\"-infinity\"", "\"epoch\"", "\"2026-13-45\"", "\"public.flats\"",
	"\"v1:0:0:0:0:0000000000000000\"",
	"\"v1:1:4:0:1:400000000000000040080000000000004010000000000000\"",
	"\"v1:2:0:0:3:000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"",
	"\"v1:1:4:0:1:4000000000000000400800000000000040100000000000\"",
	"{\"n\": 1}", "{\"n\": null}", "{\"folds\": 3}", "{\"rmse\": \"x\"}", "{\"train\": {}}",
	"{\"intercept\": true}", "{\"intercept\": false}", "{\"nulls\": \"error\"}",
	"{\"margin\": 1}", "{\"weights\": 1}", "{\"robust\": \"HC9\"}", "{\"incremental_column\": \"\"}",
	"\"\\u0000\"", "\"\\ud800\"", "\"\\u00e9\"", "\"a\\\"b\"", NULL
};

static const char *const member_keys[] = {
	"format", "format_version", "algorithm", "params", "target", "features", "intercept",
	"coefficients", "statistics", "state", "n_rows", "n_skipped", "test_fraction", "relation",
	"version", "project", "trained_at", "metrics", "train", "test", "eval", "cv", "n", "rmse",
	"mae", "r2", "folds", "rmse_mean", "rmse_sd", "r2_mean", "r2_sd", "nulls", "margin",
	"incremental_column", "drop_collinear", "weights", "robust", "bins", "lambda", "x", "",
	NULL
};

static bool
Tokenize(const uint8_t *d, size_t n)
{
	size_t		i = 0;

	ntok = 0;
	while (i < n)
	{
		Tok		   *t;
		unsigned char c = d[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		{
			i++;
			continue;
		}
		if (ntok == MAXTOK)
			return false;
		t = &toks[ntok++];
		t->start = i;
		if (c == '"')
		{
			i++;
			while (i < n && d[i] != '"')
				i += (d[i] == '\\' && i + 1 < n) ? 2 : 1;
			if (i >= n)
				return false;
			i++;
			t->kind = T_STR;
		}
		else if (c == '-' || (c >= '0' && c <= '9'))
		{
			while (i < n && (strchr("0123456789.eE+-", d[i]) != NULL && d[i] != '\0'))
				i++;
			t->kind = T_NUM;
		}
		else if (c >= 'a' && c <= 'z')
		{
			while (i < n && d[i] >= 'a' && d[i] <= 'z')
				i++;
			t->kind = T_LIT;
		}
		else if (c == '{' || c == '[')
			t->kind = T_OPEN, i++;
		else if (c == '}' || c == ']')
			t->kind = T_CLOSE, i++;
		else if (c == ':')
			t->kind = T_COLON, i++;
		else if (c == ',')
			t->kind = T_COMMA, i++;
		else
			return false;
		t->len = i - t->start;
	}
	return ntok > 0;
}

/* Index of the last token of the value starting at token i, or -1. */
static int
ValueEnd(int i)
{
	int			depth = 0;

	if (i >= ntok)
		return -1;
	if (toks[i].kind != T_OPEN)
		return (toks[i].kind == T_STR || toks[i].kind == T_NUM || toks[i].kind == T_LIT) ? i : -1;
	for (int j = i; j < ntok; j++)
	{
		if (toks[j].kind == T_OPEN)
			depth++;
		else if (toks[j].kind == T_CLOSE && --depth == 0)
			return j;
	}
	return -1;
}

/* A random token index at which a value starts (not a key), or -1. */
static int
RandomValue(void)
{
	for (int tries = 0; tries < 16; tries++)
	{
		int			i = Rand(ntok);

		if (toks[i].kind == T_CLOSE || toks[i].kind == T_COLON || toks[i].kind == T_COMMA)
			continue;
		if (toks[i].kind == T_STR && i + 1 < ntok && toks[i + 1].kind == T_COLON)
			continue;
		if (ValueEnd(i) >= 0)
			return i;
	}
	return -1;
}

/* A random key token (a string followed by ':'), or -1. */
static int
RandomKey(void)
{
	for (int tries = 0; tries < 16; tries++)
	{
		int			i = Rand(ntok);

		if (toks[i].kind == T_STR && i + 1 < ntok && toks[i + 1].kind == T_COLON)
			return i;
	}
	return -1;
}

/* out = d[0, a) + ins + d[b, n); returns the new size or 0 if it does not fit. */
static size_t
Splice(uint8_t *d, size_t n, size_t max, size_t a, size_t b, const char *ins, size_t inslen)
{
	uint8_t    *tmp;
	size_t		len = a + inslen + (n - b);

	if (len > max || len == 0)
		return 0;
	tmp = malloc(len);
	memcpy(tmp, d, a);
	memcpy(tmp + a, ins, inslen);
	memcpy(tmp + a + inslen, d + b, n - b);
	memcpy(d, tmp, len);
	free(tmp);
	return len;
}

static size_t
TokenMutate(uint8_t *d, size_t n, size_t max)
{
	int			i,
				e,
				k;
	char		buf[64];
	char	   *copy;
	size_t		r;

	switch (Rand(8))
	{
		case 0:
		case 1:
			/* replace a value with an interesting one */
			if ((i = RandomValue()) < 0)
				return 0;
			e = ValueEnd(i);
			k = Rand(sizeof(interesting) / sizeof(interesting[0]) - 1);
			return Splice(d, n, max, toks[i].start, toks[e].start + toks[e].len,
						  interesting[k], strlen(interesting[k]));
		case 2:
			/* replace a value with a copy of another */
			{
				int			j = RandomValue();
				int			f;

				if ((i = RandomValue()) < 0 || j < 0)
					return 0;
				e = ValueEnd(i);
				f = ValueEnd(j);
				if (j >= i && j <= e)
					return 0;
				r = toks[f].start + toks[f].len - toks[j].start;
				copy = malloc(r);
				memcpy(copy, d + toks[j].start, r);
				r = Splice(d, n, max, toks[i].start, toks[e].start + toks[e].len, copy, r);
				free(copy);
				return r;
			}
		case 3:
			/* delete a member "key": value with its comma */
			if ((i = RandomKey()) < 0 || (e = ValueEnd(i + 2)) < 0)
				return 0;
			if (e + 1 < ntok && toks[e + 1].kind == T_COMMA)
				return Splice(d, n, max, toks[i].start, toks[e + 1].start + 1, "", 0);
			if (i > 0 && toks[i - 1].kind == T_COMMA)
				return Splice(d, n, max, toks[i - 1].start, toks[e].start + toks[e].len, "", 0);
			return Splice(d, n, max, toks[i].start, toks[e].start + toks[e].len, "", 0);
		case 4:
			/* rename a key */
			if ((i = RandomKey()) < 0)
				return 0;
			k = Rand(sizeof(member_keys) / sizeof(member_keys[0]) - 1);
			snprintf(buf, sizeof(buf), "\"%s\"", member_keys[k]);
			return Splice(d, n, max, toks[i].start, toks[i].start + toks[i].len, buf, strlen(buf));
		case 5:
			/* copy a member, or add one at the start of an object */
			if (Rand(2) == 0)
			{
				if ((i = RandomKey()) < 0 || (e = ValueEnd(i + 2)) < 0)
					return 0;
				r = toks[e].start + toks[e].len - toks[i].start;
				copy = malloc(r + 2);
				memcpy(copy, d + toks[i].start, r);
				copy[r] = ',';
				r = Splice(d, n, max, toks[i].start, toks[i].start, copy, r + 1);
				free(copy);
				return r;
			}
			for (int tries = 0; tries < 16; tries++)
			{
				char		member[256];
				bool		empty;

				i = Rand(ntok);
				if (toks[i].kind != T_OPEN || d[toks[i].start] != '{')
					continue;
				empty = i + 1 < ntok && toks[i + 1].kind == T_CLOSE;
				k = Rand(sizeof(interesting) / sizeof(interesting[0]) - 1);
				snprintf(member, sizeof(member), "\"%s\": %s%s",
						 member_keys[Rand(sizeof(member_keys) / sizeof(member_keys[0]) - 1)],
						 interesting[k], empty ? "" : ", ");
				return Splice(d, n, max, toks[i].start + 1, toks[i].start + 1, member, strlen(member));
			}
			return 0;
		case 6:
			/* drop or copy an array element */
			for (int tries = 0; tries < 16; tries++)
			{
				i = Rand(ntok);
				if (toks[i].kind != T_COMMA || i + 1 >= ntok || (e = ValueEnd(i + 1)) < 0)
					continue;
				if (Rand(2) == 0)
					return Splice(d, n, max, toks[i].start, toks[e].start + toks[e].len, "", 0);
				r = toks[e].start + toks[e].len - toks[i].start;
				copy = malloc(r);
				memcpy(copy, d + toks[i].start, r);
				r = Splice(d, n, max, toks[e].start + toks[e].len, toks[e].start + toks[e].len, copy, r);
				free(copy);
				return r;
			}
			return 0;
		default:
			/* nudge a number */
			for (int tries = 0; tries < 16; tries++)
			{
				static const char *const nudges[] = {"-", "0", "9", "e5", "e-5", ".5", "e308", "00"};

				i = Rand(ntok);
				if (toks[i].kind != T_NUM)
					continue;
				k = Rand(sizeof(nudges) / sizeof(nudges[0]));
				if (nudges[k][0] == '-')
					return Splice(d, n, max, toks[i].start, toks[i].start, "-", 1);
				return Splice(d, n, max, toks[i].start + toks[i].len, toks[i].start + toks[i].len,
							  nudges[k], strlen(nudges[k]));
			}
			return 0;
	}
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	rng = seed * 2654435761u + 1;
	if (Rand(4) != 0 && Tokenize(data, size))
	{
		for (int tries = 0; tries < 4; tries++)
		{
			size_t		r = TokenMutate(data, size, max_size);

			if (r > 0)
				return r;
		}
	}
	return LLVMFuzzerMutate(data, size, max_size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	char	   *bin = malloc(size + 1);

	n_inputs++;
	/* text parameter: a C string, so it ends at the first NUL */
	memcpy(text, data, size);
	text[size] = '\0';
	RunInTransaction(0, "imp_text", text, 0, 0, data, size);

	/* binary jsonb: format version 1, then the bytes as they are */
	bin[0] = 1;
	memcpy(bin + 1, data, size);
	RunInTransaction(1, "imp_jsonb", bin, (int) size + 1, 1, data, size);

	free(text);
	free(bin);
	return 0;
}
