/*
 * predict.c
 *		Prediction from the registry with a per-backend model cache.
 *
 *		Decoded models live in hash tables under a child of CacheMemoryContext,
 *		keyed by project name (the deployed model) and by model id.  The cache
 *		is dropped by a relation-cache callback when the deployments, models or
 *		projects table is invalidated (mlops.registry_changed raises that on every
 *		change), so a deploy reaches a session at its next statement after the
 *		deploying transaction commits, and never before.  Within one call site
 *		fn_extra remembers the model and the cache generation it came from.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "mlops.h"
#include "logistic.h"

PG_FUNCTION_INFO_V1(mlops_predict);
PG_FUNCTION_INFO_V1(mlops_predict_record);
PG_FUNCTION_INFO_V1(mlops_predict_model);
PG_FUNCTION_INFO_V1(mlops_predict_proba);
PG_FUNCTION_INFO_V1(mlops_predict_proba_record);
PG_FUNCTION_INFO_V1(mlops_predict_proba_model);

/* A decoded model. */
typedef struct CachedModel
{
	int64		model_id;
	int32		version;
	int			nfeatures;
	bool		intercept;
	double	   *coef;			/* intercept (if any) first, then one per feature */
	char	  **features;		/* feature names (with an encoding: its design columns) */
	char	   *project;
	ModelEncoding *encoding;	/* categorical and imputed features, or NULL */
	bool		logistic;		/* algorithm logistic: predict gives the class */
	double		threshold;		/* logistic: class 1 when P(y = 1) is above it */
} CachedModel;

typedef struct ProjectCacheEntry
{
	char		name[NAMEDATALEN];	/* hash key */
	CachedModel *model;
} ProjectCacheEntry;

typedef struct ModelCacheEntry
{
	int64		model_id;		/* hash key */
	CachedModel *model;
} ModelCacheEntry;

/* What a call site remembers between rows. */
typedef struct PredictCallCache
{
	uint64		generation;		/* cache generation model came from */
	CachedModel *model;
	bool		model_owned;	/* model is a copy for this call site alone */
	text	   *project;		/* project argument it was looked up for */
	int64		model_id;		/* or the model id argument */
	bool		proba;			/* called as predict_proba: the probability */
	/* record input: where each feature is in the row type */
	Oid			rowtype;
	int32		rowtypmod;
	int64		map_model_id;
	int			natts;
	int		   *attnums;		/* per feature, 0-based attribute number */
	Oid		   *atttypes;		/* per feature */
	TupleDesc	rowdesc;		/* copy of the row type's descriptor */
	Datum	   *values;			/* deformed row, natts */
	bool	   *isnull;
} PredictCallCache;

/* string keys: a flag of their own from PostgreSQL 14, the default before */
#if PG_VERSION_NUM >= 140000
#define MLOPS_HASH_STRINGS HASH_STRINGS
#else
#define MLOPS_HASH_STRINGS 0
#endif

static MemoryContext ModelCacheContext = NULL;
static HTAB *ProjectCache = NULL;
static HTAB *ModelCache = NULL;
static uint64 CacheGeneration = 1;

/*
 * The role the cache was filled for.  What a role may see of the registry is
 * decided by row-level security, so a model cached for one role must not serve
 * another (SET ROLE, SECURITY DEFINER functions): a change of role drops it.
 */
static Oid	CacheUserId = InvalidOid;
static bool CallbackRegistered = false;
static Oid	DeploymentsRelid = InvalidOid;
static Oid	ModelsRelid = InvalidOid;
static Oid	ProjectsRelid = InvalidOid;
static Oid	GrantsRelid = InvalidOid;

static void
ModelCacheReset(void)
{
	if (ModelCacheContext)
		MemoryContextReset(ModelCacheContext);
	ProjectCache = NULL;
	ModelCache = NULL;
	CacheGeneration++;
}

static void
ModelCacheRelcacheCallback(Datum arg, Oid relid)
{
	if (relid == InvalidOid ||
		(OidIsValid(relid) &&
		 (relid == DeploymentsRelid || relid == ModelsRelid || relid == ProjectsRelid ||
		  relid == GrantsRelid)))
		ModelCacheReset();
}

static void
ModelCacheInit(void)
{
	HASHCTL		ctl;

	if (!CallbackRegistered)
	{
		CacheRegisterRelcacheCallback(ModelCacheRelcacheCallback, (Datum) 0);
		CallbackRegistered = true;
	}
	if (ModelCacheContext == NULL)
		ModelCacheContext = AllocSetContextCreate(CacheMemoryContext,
												  "mlops model cache",
												  ALLOCSET_DEFAULT_SIZES);
	if (ProjectCache == NULL)
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = NAMEDATALEN;
		ctl.entrysize = sizeof(ProjectCacheEntry);
		ctl.hcxt = ModelCacheContext;
		ProjectCache = hash_create("mlops project cache", 16, &ctl,
								   HASH_ELEM | MLOPS_HASH_STRINGS | HASH_CONTEXT);
	}
	if (ModelCache == NULL)
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(ModelCacheEntry);
		ctl.hcxt = ModelCacheContext;
		ModelCache = hash_create("mlops model id cache", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
}

/* The OIDs of the tables whose invalidation drops the cache. */
static void
RememberRegistryRelids(void)
{
	Oid			nsp = get_namespace_oid("mlops", true);

	if (OidIsValid(nsp))
	{
		DeploymentsRelid = get_relname_relid("deployments", nsp);
		ModelsRelid = get_relname_relid("models", nsp);
		ProjectsRelid = get_relname_relid("projects", nsp);
		GrantsRelid = get_relname_relid("project_grants", nsp);
	}
}

/* A deep copy of a model into cxt. */
static CachedModel *
CopyModel(const CachedModel *src, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CachedModel *dst = palloc(sizeof(CachedModel));
	int			ncoef = src->nfeatures + (src->intercept ? 1 : 0);

	*dst = *src;
	dst->coef = palloc(sizeof(double) * Max(ncoef, 1));
	memcpy(dst->coef, src->coef, sizeof(double) * ncoef);
	dst->features = palloc(sizeof(char *) * Max(src->nfeatures, 1));
	for (int i = 0; i < src->nfeatures; i++)
		dst->features[i] = pstrdup(src->features[i]);
	dst->project = pstrdup(src->project);
	dst->encoding = src->encoding ? EncodingCopy(src->encoding, cxt) : NULL;
	MemoryContextSwitchTo(old);
	return dst;
}

/*
 * Read a model through SPI; query has one parameter ($1, of type argtype) and
 * returns model_id, version, intercept, coefficients, features, project and
 * the columns of mlops._design_arrays (EncodingRead).  Returns NULL when no
 * row.  The result is palloc'd in the caller's context.  A model with an
 * encoding keeps its design columns as features and its feature columns in
 * the encoding.
 *
 * The query runs with the statement's snapshot, which is what this call must
 * use.  *cacheable tells whether the same query with the latest snapshot
 * finds the same model: only then may the model serve later statements.  (A
 * repeatable-read transaction, or a statement that started before a deploy
 * committed, reads an older deployment that must not outlive it.)  In
 * parallel mode no new snapshot can be taken, so nothing is cacheable there.
 */
static CachedModel *
LoadModel(const char *query, Oid argtype, Datum arg, bool *cacheable)
{
	MemoryContext callercxt = CurrentMemoryContext;
	CachedModel *model = NULL;
	int			ret;

	*cacheable = false;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(query, 1, &argtype, &arg, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read the model registry: %s", SPI_result_code_string(ret));
	if (SPI_processed > 0)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		ArrayType  *coefs;
		ArrayType  *feats;
		Datum	   *fdat;
		bool	   *fnull;
		int			nf;
		int			ncoef;
		char	  **source;
		char	  **design = NULL;
		MemoryContext spicxt;

		spicxt = MemoryContextSwitchTo(callercxt);
		model = palloc0(sizeof(CachedModel));
		MemoryContextSwitchTo(spicxt);

		model->model_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		model->version = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		model->intercept = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
		coefs = DatumGetArrayTypeP(SPI_getbinval(tup, desc, 4, &isnull));
		feats = DatumGetArrayTypeP(SPI_getbinval(tup, desc, 5, &isnull));
		deconstruct_array(feats, TEXTOID, -1, false, TYPALIGN_INT, &fdat, &fnull, &nf);
		source = palloc(sizeof(char *) * Max(nf, 1));
		for (int i = 0; i < nf; i++)
			source[i] = fnull[i] ? pstrdup("?") : TextDatumGetCString(fdat[i]);
		model->encoding = EncodingRead(tup, desc, 7, model->model_id, nf, source, callercxt, &design);
		if (model->encoding)
			nf = model->encoding->ndesign;
		ncoef = ArrayGetNItems(ARR_NDIM(coefs), ARR_DIMS(coefs));
		if (ARR_ELEMTYPE(coefs) != FLOAT8OID || ARR_HASNULL(coefs) ||
			ncoef != nf + (model->intercept ? 1 : 0))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("model %lld in the registry is malformed", (long long) model->model_id),
					 errdetail("It has %d coefficients for %d features.", ncoef, nf)));

		MemoryContextSwitchTo(callercxt);
		model->nfeatures = nf;
		model->coef = palloc(sizeof(double) * Max(ncoef, 1));
		memcpy(model->coef, ARR_DATA_PTR(coefs), sizeof(double) * ncoef);
		model->features = palloc(sizeof(char *) * Max(nf, 1));
		for (int i = 0; i < nf; i++)
			model->features[i] = pstrdup(model->encoding ? design[i] : source[i]);
		model->project = TextDatumGetCString(SPI_getbinval(tup, desc, 6, &isnull));
		{
			/* the kind of model, by column name (MODEL_COLUMNS) */
			Datum		alg = SPI_getbinval(tup, desc, SPI_fnumber(desc, "mlops_algorithm"), &isnull);
			Datum		thr;

			model->logistic = !isnull && strcmp(TextDatumGetCString(alg), "logistic") == 0;
			thr = SPI_getbinval(tup, desc, SPI_fnumber(desc, "mlops_threshold"), &isnull);
			model->threshold = isnull ? 0.5 : DatumGetFloat8(thr);
		}
		MemoryContextSwitchTo(spicxt);
	}

	if (model != NULL && !IsInParallelMode())
	{
		SPIPlanPtr	plan = SPI_prepare(query, 1, &argtype);

		if (plan == NULL)
			elog(ERROR, "could not prepare the model registry query: %s",
				 SPI_result_code_string(SPI_result));
		ret = SPI_execute_snapshot(plan, &arg, NULL, GetLatestSnapshot(), InvalidSnapshot,
								   true, false, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read the model registry: %s", SPI_result_code_string(ret));
		if (SPI_processed > 0)
		{
			bool		isnull;
			int64		latest = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
															 SPI_tuptable->tupdesc, 1, &isnull));

			*cacheable = (latest == model->model_id);
		}
	}
	SPI_finish();
	return model;
}

#define MODEL_COLUMNS \
	"SELECT m.model_id, m.version, m.intercept, m.coefficients, m.features, p.name, " \
	" d.names, d.sources, d.levels, d.impute, d.kinds, d.refs, " \
	" m.algorithm AS mlops_algorithm, " \
	" pg_catalog.jsonb_extract_path_text(m.params, 'threshold')::pg_catalog.float8 AS mlops_threshold " \
	"FROM mlops.models m JOIN mlops.projects p ON p.project_id OPERATOR(pg_catalog.=) m.project_id " \
	"CROSS JOIN LATERAL mlops._design_arrays(m.features, m.encoding) d "

static bool
ProjectExists(text *project)
{
	Oid			argtype = TEXTOID;
	Datum		arg = PointerGetDatum(project);
	bool		exists;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT 1 FROM mlops.projects WHERE name OPERATOR(pg_catalog.=) $1",
							  1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the project registry");
	exists = SPI_processed > 0;
	SPI_finish();
	return exists;
}

/*
 * Keep a loaded model: in the backend's cache (under the project name, or
 * under the model id when name is NULL) when it is current and no
 * invalidation arrived while it was read, else only for the caller, copied
 * into fallback.
 */
static CachedModel *
KeepModel(CachedModel *loaded, bool cacheable, uint64 generation,
		  const char *name, int64 model_id, MemoryContext fallback, bool *owned)
{
	*owned = false;
	if (cacheable && generation == CacheGeneration)
	{
		ModelCacheInit();
		RememberRegistryRelids();
		if (generation == CacheGeneration)
		{
			CachedModel *model = CopyModel(loaded, ModelCacheContext);
			bool		found;

			if (name != NULL)
				((ProjectCacheEntry *) hash_search(ProjectCache, name, HASH_ENTER, &found))->model = model;
			else
				((ModelCacheEntry *) hash_search(ModelCache, &model_id, HASH_ENTER, &found))->model = model;
			return model;
		}
	}
	*owned = true;
	return CopyModel(loaded, fallback);
}

/*
 * Whether the statement's snapshot sees model_id as the project's deployed
 * model.  A deploy becomes visible to other sessions a moment before they
 * receive its cache invalidation; this check, made once per call site and
 * query, keeps a cached model from answering a statement that already sees a
 * newer deployment.
 */
static bool
StatementSeesModel(text *project, int64 model_id)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtype = TEXTOID;
	Datum		arg = PointerGetDatum(project);
	bool		same = false;
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("SELECT d.model_id FROM mlops.deployments d "
									"WHERE d.project_id OPERATOR(pg_catalog.=) "
									" (SELECT pp.project_id FROM mlops.projects pp WHERE pp.name OPERATOR(pg_catalog.=) $1) "
									"ORDER BY d.deployment_id DESC LIMIT 1", 1, &argtype);

		if (p == NULL)
			elog(ERROR, "could not prepare the deployment check: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "could not keep the deployment check");
		plan = p;
	}
	ret = SPI_execute_plan(plan, &arg, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read the model registry: %s", SPI_result_code_string(ret));
	if (SPI_processed > 0)
	{
		bool		isnull;
		int64		seen = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

		same = !isnull && seen == model_id;
	}
	SPI_finish();
	return same;
}

/*
 * The deployed model of a project, from the cache or the registry; a model
 * that may not be cached is copied into fallback.
 */
static CachedModel *
LookupProjectModel(text *project, MemoryContext fallback, bool *owned)
{
	char	   *name = text_to_cstring(project);
	ProjectCacheEntry *entry;
	uint64		generation;
	CachedModel *loaded;
	bool		cacheable;

	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("project \"%s\" does not exist", name)));

	/* a deploy committed since this backend's last look must be seen now */
	AcceptInvalidationMessages();
	ModelCacheInit();
	entry = hash_search(ProjectCache, name, HASH_FIND, NULL);
	*owned = false;
	if (entry)
	{
		CachedModel *cached = entry->model;

		/*
		 * The check reads the registry, which may process invalidations that
		 * reset the cache: the entry serves only if it survived and agrees.
		 */
		generation = CacheGeneration;
		if (StatementSeesModel(project, cached->model_id) && generation == CacheGeneration)
			return cached;
		/* the statement sees a newer deployment than the cache: forget the old one */
		if (generation == CacheGeneration)
			ModelCacheReset();
		ModelCacheInit();
	}

	generation = CacheGeneration;
	loaded = LoadModel(MODEL_COLUMNS
					   "WHERE m.model_id OPERATOR(pg_catalog.=) "
					   "(SELECT d.model_id FROM mlops.deployments d "
					   " WHERE d.project_id OPERATOR(pg_catalog.=) "
					   "  (SELECT pp.project_id FROM mlops.projects pp WHERE pp.name OPERATOR(pg_catalog.=) $1) "
					   " ORDER BY d.deployment_id DESC LIMIT 1)",
					   TEXTOID, PointerGetDatum(project), &cacheable);
	if (loaded == NULL)
	{
		if (!ProjectExists(project))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("project \"%s\" does not exist", name)));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("project \"%s\" has no deployed model", name),
				 errhint("Deploy a version with mlops.deploy().")));
	}
	return KeepModel(loaded, cacheable, generation, name, 0, fallback, owned);
}

/* One exact model version, from the cache or the registry (else copied into fallback). */
static CachedModel *
LookupModelById(int64 model_id, MemoryContext fallback, bool *owned)
{
	ModelCacheEntry *entry;
	uint64		generation;
	CachedModel *loaded;
	bool		cacheable;

	AcceptInvalidationMessages();
	ModelCacheInit();
	entry = hash_search(ModelCache, &model_id, HASH_FIND, NULL);
	*owned = false;
	if (entry)
		return entry->model;
	generation = CacheGeneration;
	loaded = LoadModel(MODEL_COLUMNS "WHERE m.model_id OPERATOR(pg_catalog.=) $1",
					   INT8OID, Int64GetDatum(model_id), &cacheable);
	if (loaded == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model %lld does not exist", (long long) model_id)));
	return KeepModel(loaded, cacheable, generation, NULL, model_id, fallback, owned);
}

/* Drop the cache when the current role is not the one it was filled for. */
static void
CheckCacheUser(void)
{
	Oid			userid = GetUserId();

	if (userid != CacheUserId)
	{
		ModelCacheReset();
		CacheUserId = userid;
	}
}

static PredictCallCache *
CallCache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
														  sizeof(PredictCallCache));
	return (PredictCallCache *) fcinfo->flinfo->fn_extra;
}

/*
 * Let go of the call site's model.  One that is not in the backend's cache
 * was copied into the call site's memory for it alone: free it, so that a
 * query that switches models row by row does not pile up copies.
 */
static void
ForgetCallSiteModel(PredictCallCache *cc)
{
	CachedModel *m = cc->model;

	cc->model = NULL;
	if (m == NULL || !cc->model_owned)
		return;
	for (int i = 0; i < m->nfeatures; i++)
		pfree(m->features[i]);
	pfree(m->features);
	pfree(m->coef);
	pfree(m->project);
	if (m->encoding)
		EncodingFree(m->encoding);
	pfree(m);
	cc->model_owned = false;
}

/* The deployed model of the project argument, remembered at the call site. */
static CachedModel *
CallSiteProjectModel(FunctionCallInfo fcinfo, text *project)
{
	PredictCallCache *cc = CallCache(fcinfo);

	CheckCacheUser();
	if (cc->model != NULL && cc->generation == CacheGeneration && cc->project != NULL &&
		VARSIZE_ANY_EXHDR(cc->project) == VARSIZE_ANY_EXHDR(project) &&
		memcmp(VARDATA_ANY(cc->project), VARDATA_ANY(project), VARSIZE_ANY_EXHDR(project)) == 0)
		return cc->model;

	ForgetCallSiteModel(cc);
	if (cc->project)
		pfree(cc->project);
	cc->project = NULL;
	{
		CachedModel *model = LookupProjectModel(project, fcinfo->flinfo->fn_mcxt, &cc->model_owned);
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		cc->project = (text *) pg_detoast_datum_copy((struct varlena *) project);
		MemoryContextSwitchTo(old);
		cc->model = model;
		cc->generation = CacheGeneration;
		return model;
	}
}

/* A prediction of finite features that overflowed double precision is an error, as in explain. */
static void
CheckPrediction(const CachedModel *model, double v)
{
	if (unlikely(!isfinite(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("prediction of project \"%s\" is out of range for type double precision", model->project)));
}

static void
CheckFeature(const CachedModel *model, int j, double v)
{
	if (unlikely(!isfinite(v)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("feature \"%s\" is %s", model->features[j],
						isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity")),
				 errdetail("Version %d of project \"%s\" predicts from finite values only.",
						   model->version, model->project)));
}

/*
 * The n values of a float8[] with NULL elements, each NULL replaced by the
 * training mean of an imputed feature (an error for any other), palloc'd.
 */
static double *
ImputeNulls(const CachedModel *model, ArrayType *features, int n)
{
	bits8	   *bitmap = ARR_NULLBITMAP(features);
	const double *data = (const double *) ARR_DATA_PTR(features);
	double	   *x = palloc(sizeof(double) * Max(n, 1));

	for (int j = 0; j < n; j++)
	{
		if (bitmap[j / 8] & (1 << (j % 8)))
			x[j] = *data++;
		else if (model->encoding != NULL && model->encoding->has_impute[j])
			x[j] = model->encoding->impute[j];
		else
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("feature \"%s\" is NULL", model->features[j])));
	}
	return x;
}

/* The prediction of a linear model for features given as a float8[]. */
static double
PredictArray(const CachedModel *model, ArrayType *features)
{
	int			n;
	const double *x;
	double		sum;
	int			off = model->intercept ? 1 : 0;

	if (ARR_ELEMTYPE(features) != FLOAT8OID)
		elog(ERROR, "features must be float8[]");
	n = ArrayGetNItems(ARR_NDIM(features), ARR_DIMS(features));
	if (ARR_NDIM(features) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features must be a one-dimensional array")));
	if (n != model->nfeatures)
	{
		StringInfoData names;

		initStringInfo(&names);
		for (int j = 0; j < model->nfeatures; j++)
			appendStringInfo(&names, "%s\"%s\"", j > 0 ? ", " : "", model->features[j]);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d features, not %d", model->nfeatures, n),
				 model->nfeatures > 0 ?
				 errdetail("Version %d of project \"%s\" takes features %s, in this order.",
						   model->version, model->project, names.data) :
				 errdetail("Version %d of project \"%s\" takes no features.",
						   model->version, model->project)));
	}
	x = (const double *) ARR_DATA_PTR(features);
	if (ARR_HASNULL(features))
		x = ImputeNulls(model, features, n);
	sum = off ? model->coef[0] : 0.0;
	for (int j = 0; j < n; j++)
	{
		CheckFeature(model, j, x[j]);
		sum += model->coef[j + off] * x[j];
	}
	if (ARR_HASNULL(features))
		pfree((void *) x);
	CheckPrediction(model, sum);
	return sum;
}

/*
 * What predict gives for the linear predictor eta: eta itself for a linear
 * model; for a logistic one the class, 1 when P(y = 1) is above the model's
 * threshold, else 0; or, for predict_proba, P(y = 1).
 */
static double
ModelOutput(const CachedModel *model, double eta, bool proba)
{
	double		p;

	if (!model->logistic)
	{
		if (proba)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("version %d of project \"%s\" is not a logistic model", model->version, model->project),
					 errdetail("mlops.predict_proba gives the probabilities of logistic models only."),
					 errhint("Use mlops.predict for the predictions of a regression.")));
		return eta;
	}
	p = LogisticProbability(eta);
	if (proba)
		return p;
	return p > model->threshold ? 1.0 : 0.0;
}

/* mlops.predict(project text, features float8[]) */
Datum
mlops_predict(PG_FUNCTION_ARGS)
{
	text	   *project = PG_GETARG_TEXT_PP(0);
	ArrayType  *features = PG_GETARG_ARRAYTYPE_P(1);
	CachedModel *model = CallSiteProjectModel(fcinfo, project);

	PG_RETURN_FLOAT8(ModelOutput(model, PredictArray(model, features), CallCache(fcinfo)->proba));
}

/* mlops.predict_proba(project text, features float8[]): as predict, the probability */
Datum
mlops_predict_proba(PG_FUNCTION_ARGS)
{
	CallCache(fcinfo)->proba = true;
	return mlops_predict(fcinfo);
}

/* mlops.predict(model_id bigint, features float8[]) */
Datum
mlops_predict_model(PG_FUNCTION_ARGS)
{
	int64		model_id = PG_GETARG_INT64(0);
	ArrayType  *features = PG_GETARG_ARRAYTYPE_P(1);
	PredictCallCache *cc = CallCache(fcinfo);

	CheckCacheUser();
	if (cc->model == NULL || cc->generation != CacheGeneration || cc->model_id != model_id)
	{
		ForgetCallSiteModel(cc);
		cc->model = LookupModelById(model_id, fcinfo->flinfo->fn_mcxt, &cc->model_owned);
		cc->model_id = model_id;
		cc->generation = CacheGeneration;
	}
	PG_RETURN_FLOAT8(ModelOutput(cc->model, PredictArray(cc->model, features), cc->proba));
}

/* mlops.predict_proba(model_id bigint, features float8[]) */
Datum
mlops_predict_proba_model(PG_FUNCTION_ARGS)
{
	CallCache(fcinfo)->proba = true;
	return mlops_predict_model(fcinfo);
}

/* A float8 from a numeric attribute value. */
static double
NumericDatumToDouble(Datum d, Oid type)
{
	switch (type)
	{
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case FLOAT4OID:
			return (double) DatumGetFloat4(d);
		case INT2OID:
			return (double) DatumGetInt16(d);
		case INT4OID:
			return (double) DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		default:
			elog(ERROR, "unexpected type %u", type);
	}
	return 0.0;					/* keep compiler quiet */
}

/*
 * Map the model's features to the attributes of a row type (with an
 * encoding: its feature columns, not its design columns).
 */
static void
BuildRowMap(PredictCallCache *cc, MemoryContext cxt, const CachedModel *model,
			Oid rowtype, int32 rowtypmod)
{
	TupleDesc	desc = lookup_rowtype_tupdesc(rowtype, rowtypmod);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	int			nmap = model->encoding ? model->encoding->nsource : model->nfeatures;
	char	  **names = model->encoding ? model->encoding->source : model->features;

	if (cc->attnums)
		pfree(cc->attnums);
	if (cc->atttypes)
		pfree(cc->atttypes);
	if (cc->values)
		pfree(cc->values);
	if (cc->isnull)
		pfree(cc->isnull);
	if (cc->rowdesc)
		FreeTupleDesc(cc->rowdesc);
	cc->rowdesc = CreateTupleDescCopy(desc);
	cc->attnums = palloc(sizeof(int) * Max(nmap, 1));
	cc->atttypes = palloc(sizeof(Oid) * Max(nmap, 1));
	cc->natts = desc->natts;
	cc->values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	cc->isnull = palloc(sizeof(bool) * Max(desc->natts, 1));
	MemoryContextSwitchTo(old);

	for (int j = 0; j < nmap; j++)
	{
		int			found = -1;

		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), names[j]) == 0)
			{
				found = a;
				break;
			}
		}
		if (found < 0)
		{
			ReleaseTupleDesc(desc);
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("row has no column \"%s\", a feature of project \"%s\"",
							names[j], model->project)));
		}
		cc->attnums[j] = found;
		/* a domain's values are those of its base type */
		cc->atttypes[j] = getBaseType(TupleDescAttr(desc, found)->atttypid);
		if (model->encoding && model->encoding->categorical[j])
		{
			if (!EncodingIsCategoricalType(cc->atttypes[j]))
			{
				Oid			t = cc->atttypes[j];

				ReleaseTupleDesc(desc);
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" has type %s, which is not text, an enum or boolean",
								names[j], format_type_be(t)),
						 errdetail("Project \"%s\" one-hot encodes feature \"%s\".", model->project, names[j])));
			}
			continue;
		}
		switch (cc->atttypes[j])
		{
			case FLOAT8OID:
			case FLOAT4OID:
			case INT2OID:
			case INT4OID:
			case INT8OID:
			case NUMERICOID:
				break;
			default:
				{
					Oid			t = cc->atttypes[j];

					ReleaseTupleDesc(desc);
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column \"%s\" has type %s, which is not numeric",
									names[j], format_type_be(t))));
				}
		}
	}
	ReleaseTupleDesc(desc);
	cc->rowtype = rowtype;
	cc->rowtypmod = rowtypmod;
	cc->map_model_id = model->model_id;
}

/*
 * The prediction of a model with an encoding for a deformed row: each
 * categorical feature adds the coefficient of its level (nothing for the
 * reference level, nor for a value that is none of the levels, which is
 * counted), each numeric one its value (a NULL imputed or an error) times its
 * coefficient.
 */
static double
PredictEncodedRow(const CachedModel *model, PredictCallCache *cc)
{
	const ModelEncoding *enc = model->encoding;
	int			off = model->intercept ? 1 : 0;
	double		sum = off ? model->coef[0] : 0.0;

	for (int s = 0; s < enc->nsource; s++)
	{
		int			a = cc->attnums[s];
		int			d = enc->first[s];

		if (cc->isnull[a] && (enc->categorical[s] || !enc->has_impute[d]))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("feature \"%s\" is NULL", enc->source[s])));
		if (enc->categorical[s])
		{
			const char *str;
			int			len;
			void	   *to_free;
			int			k;

			EncodingValueText(cc->values[a], cc->atttypes[s], &str, &len, &to_free);
			k = EncodingLevelIndex(enc, s, str, len);
			if (k >= 0)
				sum += model->coef[d + k + off];
			else if (k == -2)
				EncodingCountUnseen(model->project, enc->source[s], str, len);
			if (to_free)
				pfree(to_free);
		}
		else
		{
			double		v = cc->isnull[a] ? enc->impute[d]
				: NumericDatumToDouble(cc->values[a], cc->atttypes[s]);

			CheckFeature(model, d, v);
			sum += model->coef[d + off] * v;
		}
	}
	CheckPrediction(model, sum);
	return sum;
}

/* mlops.predict(project text, row record): features picked by column name. */
Datum
mlops_predict_record(PG_FUNCTION_ARGS)
{
	text	   *project = PG_GETARG_TEXT_PP(0);
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(1);
	CachedModel *model = CallSiteProjectModel(fcinfo, project);
	PredictCallCache *cc = CallCache(fcinfo);
	Oid			rowtype = HeapTupleHeaderGetTypeId(row);
	int32		rowtypmod = HeapTupleHeaderGetTypMod(row);
	HeapTupleData tuple;
	double		sum;
	int			off = model->intercept ? 1 : 0;

	if (cc->attnums == NULL || cc->rowtype != rowtype || cc->rowtypmod != rowtypmod ||
		cc->map_model_id != model->model_id)
		BuildRowMap(cc, fcinfo->flinfo->fn_mcxt, model, rowtype, rowtypmod);

	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	heap_deform_tuple(&tuple, cc->rowdesc, cc->values, cc->isnull);

	if (model->encoding != NULL)
		PG_RETURN_FLOAT8(ModelOutput(model, PredictEncodedRow(model, cc), cc->proba));
	sum = off ? model->coef[0] : 0.0;
	for (int j = 0; j < model->nfeatures; j++)
	{
		int			a = cc->attnums[j];
		double		v;

		if (cc->isnull[a])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("feature \"%s\" is NULL", model->features[j])));
		v = NumericDatumToDouble(cc->values[a], cc->atttypes[j]);
		CheckFeature(model, j, v);
		sum += model->coef[j + off] * v;
	}
	CheckPrediction(model, sum);
	PG_RETURN_FLOAT8(ModelOutput(model, sum, cc->proba));
}

/* mlops.predict_proba(project text, row record) */
Datum
mlops_predict_proba_record(PG_FUNCTION_ARGS)
{
	CallCache(fcinfo)->proba = true;
	return mlops_predict_record(fcinfo);
}
