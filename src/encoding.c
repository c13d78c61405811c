/*
 * encoding.c
 *		Categorical and imputed features at prediction.
 *
 *		A model with an encoding (mlops.models.encoding) takes design columns,
 *		not its feature columns as they are: one 0/1 column per non-reference
 *		level of a text, enum or boolean feature, and numeric features whose
 *		NULL is replaced by the training mean.  The model cache reads the design
 *		through mlops._design_arrays into a ModelEncoding; here are that
 *		reading, the text form of a categorical value (the same as the cast to
 *		text that training compares with), the lookup of a level, and the
 *		session's counts of values that were none of a model's levels
 *		(mlops.predict_unseen_levels).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "mlops.h"

PG_FUNCTION_INFO_V1(mlops_predict_unseen_levels);

/* Longest value kept as the latest unseen level of a feature, in bytes. */
#define UNSEEN_LEVEL_MAX_BYTES	200

typedef struct UnseenKey
{
	char		project[NAMEDATALEN];
	char		feature[NAMEDATALEN];
} UnseenKey;

typedef struct UnseenEntry
{
	UnseenKey	key;			/* hash key: zero-padded names */
	int64		count;
	char	   *last;			/* latest unseen value, in UnseenContext */
} UnseenEntry;

static HTAB *UnseenLevels = NULL;
static MemoryContext UnseenContext = NULL;

static void
EncodingMalformed(int64 model_id, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("model %lld in the registry is malformed", (long long) model_id),
			 errdetail_internal("%s", detail)));
}

/* The elements of a one-dimensional array column of tup, or -1 when it is NULL. */
static int
ArrayColumn(HeapTuple tup, TupleDesc desc, int col, Oid elemtype, int16 elmlen, bool elmbyval,
			char elmalign, Datum **values, bool **nulls)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	ArrayType  *a;
	int			n;

	if (isnull)
		return -1;
	a = DatumGetArrayTypeP(d);
	if (ARR_ELEMTYPE(a) != elemtype || ARR_NDIM(a) > 1)
		elog(ERROR, "unexpected array in column %d of the model registry query", col);
	deconstruct_array(a, elemtype, elmlen, elmbyval, elmalign, values, nulls, &n);
	return n;
}

/*
 * The encoding of a model from columns first .. first + 5 of a registry row
 * (mlops._design_arrays: names, sources, levels, impute, kinds, refs), for a
 * model of nsource features; NULL when the model has none.  Allocated in cxt,
 * with the names of the design columns in *design_names.
 */
ModelEncoding *
EncodingRead(HeapTuple tup, TupleDesc desc, int first, int64 model_id,
			 int nsource, char **source, MemoryContext cxt, char ***design_names)
{
	Datum	   *names,
			   *sources,
			   *levels,
			   *impute,
			   *kinds,
			   *refs;
	bool	   *names_null,
			   *sources_null,
			   *levels_null,
			   *impute_null,
			   *kinds_null,
			   *refs_null;
	int			nd;
	ModelEncoding *enc;
	MemoryContext old;

	*design_names = NULL;
	nd = ArrayColumn(tup, desc, first, TEXTOID, -1, false, TYPALIGN_INT, &names, &names_null);
	if (nd < 0)
		return NULL;
	if (ArrayColumn(tup, desc, first + 1, INT4OID, sizeof(int32), true, TYPALIGN_INT,
					&sources, &sources_null) != nd ||
		ArrayColumn(tup, desc, first + 2, TEXTOID, -1, false, TYPALIGN_INT,
					&levels, &levels_null) != nd ||
		ArrayColumn(tup, desc, first + 3, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					&impute, &impute_null) != nd ||
		ArrayColumn(tup, desc, first + 4, TEXTOID, -1, false, TYPALIGN_INT,
					&kinds, &kinds_null) != nsource ||
		ArrayColumn(tup, desc, first + 5, TEXTOID, -1, false, TYPALIGN_INT,
					&refs, &refs_null) != nsource)
		EncodingMalformed(model_id, "Its encoding does not have one element for each feature.");

	old = MemoryContextSwitchTo(cxt);
	enc = palloc0(sizeof(ModelEncoding));
	enc->nsource = nsource;
	enc->ndesign = nd;
	enc->source = palloc(sizeof(char *) * Max(nsource, 1));
	enc->categorical = palloc0(sizeof(bool) * Max(nsource, 1));
	enc->reference = palloc0(sizeof(char *) * Max(nsource, 1));
	enc->reference_len = palloc0(sizeof(int) * Max(nsource, 1));
	enc->first = palloc0(sizeof(int) * Max(nsource, 1));
	enc->ncols = palloc0(sizeof(int) * Max(nsource, 1));
	enc->levels = palloc0(sizeof(char *) * Max(nd, 1));
	enc->level_len = palloc0(sizeof(int) * Max(nd, 1));
	enc->has_impute = palloc0(sizeof(bool) * Max(nd, 1));
	enc->impute = palloc0(sizeof(double) * Max(nd, 1));
	*design_names = palloc(sizeof(char *) * Max(nd, 1));

	for (int s = 0; s < nsource; s++)
	{
		char	   *kind;

		enc->source[s] = pstrdup(source[s]);
		if (kinds_null[s])
			EncodingMalformed(model_id, "Its encoding has a feature without a kind.");
		kind = TextDatumGetCString(kinds[s]);
		enc->categorical[s] = strcmp(kind, "categorical") == 0;
		if (!enc->categorical[s] && strcmp(kind, "numeric") != 0)
			EncodingMalformed(model_id, "Its encoding has a feature whose kind is neither numeric nor categorical.");
		if (enc->categorical[s] && !refs_null[s])
		{
			enc->reference[s] = TextDatumGetCString(refs[s]);
			enc->reference_len[s] = strlen(enc->reference[s]);
		}
		enc->first[s] = -1;
	}
	for (int d = 0; d < nd; d++)
	{
		int			s = DatumGetInt32(sources[d]) - 1;

		/* the design columns of a feature are consecutive, in the order of the features */
		if (sources_null[d] || names_null[d] || s < 0 || s >= nsource ||
			(d > 0 && s < DatumGetInt32(sources[d - 1]) - 1) ||
			(enc->first[s] >= 0 && enc->first[s] + enc->ncols[s] != d) ||
			enc->categorical[s] == levels_null[d] ||
			(!enc->categorical[s] && enc->ncols[s] > 0))
			EncodingMalformed(model_id, "Its design columns do not follow its features.");
		if (enc->first[s] < 0)
			enc->first[s] = d;
		enc->ncols[s]++;
		(*design_names)[d] = TextDatumGetCString(names[d]);
		if (!levels_null[d])
		{
			enc->levels[d] = TextDatumGetCString(levels[d]);
			enc->level_len[d] = strlen(enc->levels[d]);
		}
		if (!impute_null[d])
		{
			enc->has_impute[d] = true;
			enc->impute[d] = DatumGetFloat8(impute[d]);
		}
	}
	for (int s = 0; s < nsource; s++)
		if (!enc->categorical[s] && enc->ncols[s] != 1)
			EncodingMalformed(model_id, "Its design has no column for a numeric feature.");
	MemoryContextSwitchTo(old);
	return enc;
}

static char *
CopyString(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

/* A deep copy of an encoding into cxt. */
ModelEncoding *
EncodingCopy(const ModelEncoding *src, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ModelEncoding *dst = palloc(sizeof(ModelEncoding));
	int			ns = Max(src->nsource, 1);
	int			nd = Max(src->ndesign, 1);

	*dst = *src;
	dst->source = palloc(sizeof(char *) * ns);
	dst->categorical = palloc(sizeof(bool) * ns);
	dst->reference = palloc(sizeof(char *) * ns);
	dst->reference_len = palloc(sizeof(int) * ns);
	dst->first = palloc(sizeof(int) * ns);
	dst->ncols = palloc(sizeof(int) * ns);
	for (int s = 0; s < src->nsource; s++)
	{
		dst->source[s] = pstrdup(src->source[s]);
		dst->categorical[s] = src->categorical[s];
		dst->reference[s] = CopyString(src->reference[s]);
		dst->reference_len[s] = src->reference_len[s];
		dst->first[s] = src->first[s];
		dst->ncols[s] = src->ncols[s];
	}
	dst->levels = palloc(sizeof(char *) * nd);
	dst->level_len = palloc(sizeof(int) * nd);
	dst->has_impute = palloc(sizeof(bool) * nd);
	dst->impute = palloc(sizeof(double) * nd);
	for (int d = 0; d < src->ndesign; d++)
	{
		dst->levels[d] = CopyString(src->levels[d]);
		dst->level_len[d] = src->level_len[d];
		dst->has_impute[d] = src->has_impute[d];
		dst->impute[d] = src->impute[d];
	}
	MemoryContextSwitchTo(old);
	return dst;
}

/* Free an encoding made by EncodingRead or EncodingCopy. */
void
EncodingFree(ModelEncoding *enc)
{
	for (int s = 0; s < enc->nsource; s++)
	{
		pfree(enc->source[s]);
		if (enc->reference[s])
			pfree(enc->reference[s]);
	}
	for (int d = 0; d < enc->ndesign; d++)
		if (enc->levels[d])
			pfree(enc->levels[d]);
	pfree(enc->source);
	pfree(enc->categorical);
	pfree(enc->reference);
	pfree(enc->reference_len);
	pfree(enc->first);
	pfree(enc->ncols);
	pfree(enc->levels);
	pfree(enc->level_len);
	pfree(enc->has_impute);
	pfree(enc->impute);
	pfree(enc);
}

/* Whether a column of this (base) type can be a categorical feature: text, varchar, char, boolean, an enum. */
bool
EncodingIsCategoricalType(Oid basetype)
{
	return basetype == TEXTOID || basetype == VARCHAROID || basetype == BPCHAROID ||
		basetype == BOOLOID || type_is_enum(basetype);
}

/*
 * The text form of a categorical value, as value::text gives it (booleans
 * true and false; char(n) without trailing blanks; an enum's label), into
 * *str and *len.  *str is either inside value, a constant, or palloc'd:
 * *to_free says which (pfree it when done).
 */
void
EncodingValueText(Datum value, Oid basetype, const char **str, int *len, void **to_free)
{
	*to_free = NULL;
	if (basetype == BOOLOID)
	{
		*str = DatumGetBool(value) ? "true" : "false";
		*len = strlen(*str);
	}
	else if (basetype == TEXTOID || basetype == VARCHAROID || basetype == BPCHAROID)
	{
		text	   *t = DatumGetTextPP(value);

		if ((Pointer) t != DatumGetPointer(value))
			*to_free = t;
		*str = VARDATA_ANY(t);
		*len = VARSIZE_ANY_EXHDR(t);
		if (basetype == BPCHAROID)
			while (*len > 0 && (*str)[*len - 1] == ' ')
				(*len)--;
	}
	else
	{
		char	   *label = DatumGetCString(DirectFunctionCall1(enum_out, value));

		*to_free = label;
		*str = label;
		*len = strlen(label);
	}
}

/*
 * The design column of categorical feature s that value (str, len) is 1 in:
 * 0 .. ncols - 1; -1 for the reference level; -2 for a value that is none of
 * the levels.
 */
int
EncodingLevelIndex(const ModelEncoding *enc, int s, const char *str, int len)
{
	if (enc->reference[s] != NULL && enc->reference_len[s] == len &&
		memcmp(enc->reference[s], str, len) == 0)
		return -1;
	for (int k = 0; k < enc->ncols[s]; k++)
	{
		int			d = enc->first[s] + k;

		if (enc->level_len[d] == len && memcmp(enc->levels[d], str, len) == 0)
			return k;
	}
	return -2;
}

/* Count a value of feature of project that was none of the model's levels. */
void
EncodingCountUnseen(const char *project, const char *feature, const char *str, int len)
{
	UnseenKey	key;
	UnseenEntry *entry;
	bool		found;
	int			keep;

	if (UnseenLevels == NULL)
	{
		HASHCTL		ctl;

		UnseenContext = AllocSetContextCreate(TopMemoryContext, "mlops unseen levels",
											  ALLOCSET_SMALL_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(UnseenKey);
		ctl.entrysize = sizeof(UnseenEntry);
		ctl.hcxt = UnseenContext;
		UnseenLevels = hash_create("mlops unseen levels", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(&key, 0, sizeof(key));
	strlcpy(key.project, project, NAMEDATALEN);
	strlcpy(key.feature, feature, NAMEDATALEN);
	entry = hash_search(UnseenLevels, &key, HASH_ENTER, &found);
	if (!found)
	{
		entry->count = 0;
		entry->last = NULL;
	}
	entry->count++;
	if (entry->last)
		pfree(entry->last);
	keep = len <= UNSEEN_LEVEL_MAX_BYTES ? len : pg_mbcliplen(str, len, UNSEEN_LEVEL_MAX_BYTES);
	entry->last = MemoryContextAlloc(UnseenContext, keep + 1);
	memcpy(entry->last, str, keep);
	entry->last[keep] = '\0';
}

/* mlops.predict_unseen_levels(reset boolean) */
Datum
mlops_predict_unseen_levels(PG_FUNCTION_ARGS)
{
	bool		reset = PG_GETARG_BOOL(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore;
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	tupstore = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tupstore;
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(old);

	if (UnseenLevels != NULL)
	{
		HASH_SEQ_STATUS seq;
		UnseenEntry *entry;

		hash_seq_init(&seq, UnseenLevels);
		while ((entry = hash_seq_search(&seq)) != NULL)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};

			values[0] = CStringGetTextDatum(entry->key.project);
			values[1] = CStringGetTextDatum(entry->key.feature);
			values[2] = Int64GetDatum(entry->count);
			values[3] = CStringGetTextDatum(entry->last ? entry->last : "");
			tuplestore_putvalues(tupstore, tupdesc, values, nulls);
		}
		if (reset)
		{
			hash_destroy(UnseenLevels);
			UnseenLevels = NULL;
			MemoryContextDelete(UnseenContext);
			UnseenContext = NULL;
		}
	}
	return (Datum) 0;
}
