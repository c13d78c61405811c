/*
 * drift.c
 *		The statement trigger of monitored tables, and the monitoring GUCs.
 *
 *		mlops.drift_trigger() runs once per statement that writes rows into a
 *		monitored table (AFTER INSERT ... REFERENCING NEW TABLE ... FOR EACH
 *		STATEMENT).  It reads the statement's transition table once, bins every
 *		feature of the project's deployed model and its prediction against the
 *		model's baseline (mlops.baselines), and appends one summary row to
 *		mlops.drift_log.  Every so often (mlops.drift_check_interval) it then
 *		calls mlops.check_drift(project), which turns the logged summaries into
 *		alerts.
 *
 *		What a statement needs (the deployed model, its baseline and where each
 *		feature is in the table) is cached per backend under a child of
 *		CacheMemoryContext, keyed by project name and table.  The cache is
 *		dropped when the deployments, models, projects or baselines table is
 *		invalidated (mlops.registry_changed raises that on every change of the
 *		first three), and an entry is dropped when its table is invalidated (an
 *		ALTER TABLE may move, add or drop a feature column).  The registry is
 *		read with the latest snapshot, so a statement always bins against the
 *		model deployed when it ends, whatever the isolation level, and what it
 *		read may serve later statements.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "mlops.h"
#include "logistic.h"

PG_FUNCTION_INFO_V1(mlops_drift_trigger);

/* GUCs (read by SQL through current_setting, hence static) */
static int	mlops_drift_check_interval = 10000;
static int	mlops_drift_min_rows = 1000;
static double mlops_drift_psi_alert = 0.25;
static double mlops_drift_psi_warn = 0.1;
static int	mlops_drift_window = 3600;

/* How a column's value becomes a double. */
typedef enum DriftConv
{
	DRIFT_FLOAT8,
	DRIFT_FLOAT4,
	DRIFT_INT2,
	DRIFT_INT4,
	DRIFT_INT8,
	DRIFT_NUMERIC,
	DRIFT_BOOL,					/* 0 or 1: a logistic model's target */
	DRIFT_LEVEL					/* a categorical feature: its level's position */
} DriftConv;

/* What a project's monitoring of one table comes to. */
typedef enum DriftStatus
{
	DRIFT_OFF,					/* no deployed model, or it has no baseline: log nothing */
	DRIFT_SKIP,					/* the table cannot be monitored (warned): log nothing */
	DRIFT_ON					/* bin and log */
} DriftStatus;

/*
 * What a statement needs.  Ordinals as in mlops.baselines: 0 is the
 * prediction, 1 .. p the features in the model's order.  A categorical
 * feature (a model with an encoding) is binned by the position of its
 * level in the baseline's list, the reference level first, L for a value
 * that is none of its L levels (counted as out of range); its bins are its
 * own number, so ordinal i has nb[i] bins, at off[i] in the counts.
 */
typedef struct DriftPlan
{
	DriftStatus status;
	bool		transient;		/* may not serve later statements */
	int64		project_id;
	int64		model_id;
	int			p;				/* features */
	int			k;				/* bins of ordinal 0 */
	int		   *nb;				/* [0 .. p]: bins of each ordinal */
	int		   *off;			/* [0 .. p]: where its bins start in the counts */
	int		   *eoff;			/* [0 .. p]: where its nb[i] - 1 edges start in edges */
	int			nbins;			/* bins of all ordinals */
	double	   *coef;			/* [0 .. p]: intercept (0 without one), then per feature;
								 * with an encoding, per design column */
	double	   *edges;			/* inner edges, by ordinal */
	ModelEncoding *enc;			/* NULL, or how features become design columns */
	Oid		   *basetype;		/* [0 .. p]: base type of a categorical feature's column */
	double	   *lo;				/* [0 .. p]: training minimum (-Inf if unknown) */
	double	   *hi;				/* [0 .. p]: training maximum (+Inf if unknown) */
	int		   *attidx;			/* [0]: the target's 0-based attribute or -1; [j]: feature j */
	DriftConv  *conv;			/* [0 .. p], as attidx */
	bool		has_numeric;	/* some column needs numeric_float8 */
	int			natts;			/* attributes to deform: 1 + largest index */
	bool		logistic;		/* the prediction is P(y = 1) = 1 / (1 + exp(-linear)) */
} DriftPlan;

typedef struct DriftKey
{
	char		project[NAMEDATALEN];
	Oid			relid;
} DriftKey;

typedef struct DriftEntry
{
	DriftKey	key;			/* hash key */
	MemoryContext cxt;			/* holds plan */
	DriftPlan  *plan;
} DriftEntry;

/* Warnings already given: once per project, table and model. */
typedef struct DriftWarnKey
{
	char		project[NAMEDATALEN];
	Oid			relid;
	int64		model_id;
} DriftWarnKey;

/* When this backend last ran mlops.check_drift for a project. */
typedef struct DriftCheckEntry
{
	char		project[NAMEDATALEN];	/* hash key */
	TimestampTz last_check;
} DriftCheckEntry;

/* Per-statement counts, element i for ordinal i. */
typedef struct DriftCounts
{
	int64		n_rows;
	int64	   *n;
	int64	   *n_null;
	double	   *sums;
	double	   *sumsq;
	int64	   *below;
	int64	   *above;
	int64	   *counts;			/* nbins, by ordinal (off[i] .. off[i] + nb[i] - 1) */
	int64		err_n;
	double		err_sse;
	double		err_sae;
} DriftCounts;

static MemoryContext DriftCacheContext = NULL;
static HTAB *DriftCache = NULL;
static HTAB *DriftWarned = NULL;
static HTAB *DriftChecked = NULL;
static uint64 DriftGeneration = 1;
static bool DriftCallbackRegistered = false;
static Oid	DeploymentsRelid = InvalidOid;
static Oid	ModelsRelid = InvalidOid;
static Oid	ProjectsRelid = InvalidOid;
static Oid	BaselinesRelid = InvalidOid;
static Oid	LogRelid = InvalidOid;	/* mlops.drift_log, and its sequence */
static Oid	LogSeqRelid = InvalidOid;

/* Plans kept for the backend's life. */
static SPIPlanPtr ModelPlan = NULL;
static SPIPlanPtr BaselinePlan = NULL;
static SPIPlanPtr LogPlan = NULL;
static SPIPlanPtr CheckPlan = NULL;

#define DRIFT_MODEL_QUERY \
	"SELECT p.project_id, m.model_id, m.intercept, m.features, m.target, m.coefficients, " \
	"       m.algorithm OPERATOR(pg_catalog.=) 'logistic', " \
	"       e.names, e.sources, e.levels, e.impute, e.kinds, e.refs " \
	"FROM mlops.projects p " \
	"JOIN LATERAL (SELECT d.model_id FROM mlops.deployments d " \
	"              WHERE d.project_id OPERATOR(pg_catalog.=) p.project_id " \
	"              ORDER BY d.deployment_id DESC LIMIT 1) d ON true " \
	"JOIN mlops.models m ON m.model_id OPERATOR(pg_catalog.=) d.model_id " \
	"LEFT JOIN LATERAL mlops._design_arrays(m.features, m.encoding) e ON true " \
	"WHERE p.name OPERATOR(pg_catalog.=) $1"

/* the columns of mlops._design_arrays in DRIFT_MODEL_QUERY (EncodingRead) */
#define DRIFT_MODEL_ENCODING_COLUMN 8

#define DRIFT_BASELINE_QUERY \
	"SELECT b.ordinal, b.edges, b.min, b.max FROM mlops.baselines b " \
	"WHERE b.model_id OPERATOR(pg_catalog.=) $1 ORDER BY b.ordinal"

#define DRIFT_LOG_QUERY \
	"INSERT INTO mlops.drift_log (project_id, model_id, relation, logged_at, n_rows, bins, " \
	"n, n_null, sums, sumsq, below, above, counts, err_n, err_sse, err_sae) " \
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"

#define DRIFT_CHECK_QUERY "SELECT mlops.check_drift($1)"

#define DRIFT_LOG_NARGS 16

/* ------------------------------------------------------------------------
 * The cache
 */

static void
DriftCacheReset(void)
{
	if (DriftCacheContext)
		MemoryContextReset(DriftCacheContext);
	DriftCache = NULL;
	DriftGeneration++;
}

/* Drop the entries of one table. */
static void
DriftCacheForgetRelation(Oid relid)
{
	HASH_SEQ_STATUS status;
	DriftEntry *entry;
	bool		any = false;

	if (DriftCache == NULL)
		return;
	hash_seq_init(&status, DriftCache);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (entry->key.relid != relid)
			continue;
		MemoryContextDelete(entry->cxt);
		hash_search(DriftCache, &entry->key, HASH_REMOVE, NULL);
		any = true;
	}
	if (any)
		DriftGeneration++;
}

static void
DriftRelcacheCallback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == LogRelid || relid == LogSeqRelid)
		LogRelid = LogSeqRelid = InvalidOid;	/* looked up again at the next summary */
	if (relid == InvalidOid ||
		relid == DeploymentsRelid || relid == ModelsRelid ||
		relid == ProjectsRelid || relid == BaselinesRelid)
		DriftCacheReset();
	else
		DriftCacheForgetRelation(relid);
}

static void
DriftCacheInit(void)
{
	HASHCTL		ctl;

	if (!DriftCallbackRegistered)
	{
		CacheRegisterRelcacheCallback(DriftRelcacheCallback, (Datum) 0);
		DriftCallbackRegistered = true;
	}
	if (DriftCacheContext == NULL)
		DriftCacheContext = AllocSetContextCreate(CacheMemoryContext,
												  "mlops drift cache",
												  ALLOCSET_SMALL_SIZES);
	if (DriftCache == NULL)
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(DriftKey);
		ctl.entrysize = sizeof(DriftEntry);
		ctl.hcxt = DriftCacheContext;
		DriftCache = hash_create("mlops drift plans", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	/* these two survive cache resets */
	if (DriftWarned == NULL)
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(DriftWarnKey);
		ctl.entrysize = sizeof(DriftWarnKey);
		ctl.hcxt = TopMemoryContext;
		DriftWarned = hash_create("mlops drift warnings", 16, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	if (DriftChecked == NULL)
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = NAMEDATALEN;
		ctl.entrysize = sizeof(DriftCheckEntry);
		ctl.hcxt = TopMemoryContext;
		DriftChecked = hash_create("mlops drift checks", 16, &ctl,
								   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
}

/* The OIDs of the tables whose invalidation drops the cache. */
static void
DriftRememberRegistryRelids(void)
{
	Oid			nsp = get_namespace_oid("mlops", true);

	if (OidIsValid(nsp))
	{
		DeploymentsRelid = get_relname_relid("deployments", nsp);
		ModelsRelid = get_relname_relid("models", nsp);
		ProjectsRelid = get_relname_relid("projects", nsp);
		BaselinesRelid = get_relname_relid("baselines", nsp);
	}
}

/* mlops.drift_log and its sequence, remembered until an invalidation of either. */
static void
DriftRememberLogRelids(void)
{
	if (!OidIsValid(LogRelid) || !OidIsValid(LogSeqRelid))
	{
		Oid			nsp = get_namespace_oid("mlops", false);

		LogRelid = get_relname_relid("drift_log", nsp);
		LogSeqRelid = get_relname_relid("drift_log_log_id_seq", nsp);
	}
}

/* Whether this is the first warning for (project, table, model) in this backend. */
static bool
DriftFirstWarning(const char *project, Oid relid, int64 model_id)
{
	DriftWarnKey key;
	bool		found;

	memset(&key, 0, sizeof(key));
	strlcpy(key.project, project, NAMEDATALEN);
	key.relid = relid;
	key.model_id = model_id;
	hash_search(DriftWarned, &key, HASH_ENTER, &found);
	return !found;
}

/*
 * A kept plan for query.  SPI calls leave the SPI procedure context current;
 * this and DriftExecute give the caller its own back.
 */
static SPIPlanPtr
DriftPrepare(const char *query, int nargs, Oid *argtypes)
{
	MemoryContext cxt = CurrentMemoryContext;
	SPIPlanPtr	plan = SPI_prepare(query, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", query, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the plan of \"%s\"", query);
	MemoryContextSwitchTo(cxt);
	return plan;
}

/* Run a kept plan, with snapshot if valid; the caller's memory context stays current. */
static int
DriftExecute(SPIPlanPtr plan, Datum *values, Snapshot snapshot, bool read_only, long count)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			ret;

	if (snapshot != InvalidSnapshot)
		ret = SPI_execute_snapshot(plan, values, NULL, snapshot, InvalidSnapshot,
								   read_only, false, count);
	else
		ret = SPI_execute_plan(plan, values, NULL, read_only, count);
	MemoryContextSwitchTo(cxt);
	return ret;
}

/* ------------------------------------------------------------------------
 * Loading a plan
 */

/* The conversion of a column type to double, false if it is not numeric. */
static bool
DriftConvOf(Oid type, DriftConv *conv)
{
	switch (getBaseType(type))
	{
		case FLOAT8OID:
			*conv = DRIFT_FLOAT8;
			return true;
		case FLOAT4OID:
			*conv = DRIFT_FLOAT4;
			return true;
		case INT2OID:
			*conv = DRIFT_INT2;
			return true;
		case INT4OID:
			*conv = DRIFT_INT4;
			return true;
		case INT8OID:
			*conv = DRIFT_INT8;
			return true;
		case NUMERICOID:
			*conv = DRIFT_NUMERIC;
			return true;
		case BOOLOID:
			*conv = DRIFT_BOOL;
			return true;
		default:
			return false;
	}
}

/* The 0-based index of a live column named name, or -1. */
static int
DriftFindColumn(TupleDesc desc, const char *name)
{
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return a;
	}
	return -1;
}

static void
DriftMalformed(DriftPlan *plan, const char *project, Relation rel, const char *detail)
{
	plan->status = DRIFT_SKIP;
	if (DriftFirstWarning(project, RelationGetRelid(rel), plan->model_id))
		ereport(WARNING,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("baseline of model %lld of project \"%s\" is malformed: rows of table \"%s\" are not monitored",
						(long long) plan->model_id, project, RelationGetRelationName(rel)),
				 errdetail_internal("%s", detail)));
}

/*
 * Read what a statement on rel needs from the registry, into the current
 * memory context.  SPI is connected.  Reads with the latest snapshot.
 */
static DriftPlan *
DriftLoadPlan(const char *project, Relation rel)
{
	DriftPlan  *plan = palloc0(sizeof(DriftPlan));
	TupleDesc	desc = RelationGetDescr(rel);
	Datum		arg;
	int			ret;
	HeapTuple	tup;
	TupleDesc	spidesc;
	bool		isnull;
	ArrayType  *features;
	ArrayType  *coefs;
	Datum	   *fdat;
	bool	   *fnull;
	int			p;
	int			ncoef;
	bool		intercept;
	char	   *target;
	int			ndesign;
	int			nedges_all = 0;

	plan->status = DRIFT_OFF;

	if (ModelPlan == NULL)
	{
		Oid			argtype = TEXTOID;

		ModelPlan = DriftPrepare(DRIFT_MODEL_QUERY, 1, &argtype);
	}
	if (BaselinePlan == NULL)
	{
		Oid			argtype = INT8OID;

		BaselinePlan = DriftPrepare(DRIFT_BASELINE_QUERY, 1, &argtype);
	}

	/* the deployed model */
	arg = CStringGetTextDatum(project);
	ret = DriftExecute(ModelPlan, &arg, GetLatestSnapshot(), true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read the model registry: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return plan;			/* no such project, or nothing deployed */

	tup = SPI_tuptable->vals[0];
	spidesc = SPI_tuptable->tupdesc;
	plan->project_id = DatumGetInt64(SPI_getbinval(tup, spidesc, 1, &isnull));
	plan->model_id = DatumGetInt64(SPI_getbinval(tup, spidesc, 2, &isnull));
	intercept = DatumGetBool(SPI_getbinval(tup, spidesc, 3, &isnull));
	features = DatumGetArrayTypeP(SPI_getbinval(tup, spidesc, 4, &isnull));
	target = TextDatumGetCString(SPI_getbinval(tup, spidesc, 5, &isnull));
	coefs = DatumGetArrayTypeP(SPI_getbinval(tup, spidesc, 6, &isnull));
	plan->logistic = DatumGetBool(SPI_getbinval(tup, spidesc, 7, &isnull));

	deconstruct_array(features, TEXTOID, -1, false, TYPALIGN_INT, &fdat, &fnull, &p);
	for (int j = 0; j < p; j++)
		if (fnull[j])
		{
			DriftMalformed(plan, project, rel, "The model has a NULL feature name.");
			return plan;
		}
	{
		char	  **source = palloc(sizeof(char *) * Max(p, 1));
		char	  **design_names;

		for (int j = 0; j < p; j++)
			source[j] = TextDatumGetCString(fdat[j]);
		plan->enc = EncodingRead(tup, spidesc, DRIFT_MODEL_ENCODING_COLUMN, plan->model_id, p, source,
								 CurrentMemoryContext, &design_names);
	}
	ndesign = plan->enc ? plan->enc->ndesign : p;
	ncoef = ArrayGetNItems(ARR_NDIM(coefs), ARR_DIMS(coefs));
	if (ARR_ELEMTYPE(coefs) != FLOAT8OID || ARR_HASNULL(coefs) || ARR_NDIM(features) > 1 ||
		ncoef != ndesign + (intercept ? 1 : 0))
	{
		DriftMalformed(plan, project, rel,
					   psprintf("The model has %d coefficients for %d design columns.", ncoef, ndesign));
		return plan;
	}

	plan->p = p;
	plan->coef = palloc0(sizeof(double) * (ndesign + 1));
	if (intercept)
		memcpy(plan->coef, ARR_DATA_PTR(coefs), sizeof(double) * (ndesign + 1));
	else
		memcpy(plan->coef + 1, ARR_DATA_PTR(coefs), sizeof(double) * ndesign);

	/* the baseline: ordinals 0 .. p, the same number of bins for each */
	arg = Int64GetDatum(plan->model_id);
	ret = DriftExecute(BaselinePlan, &arg, GetLatestSnapshot(), true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read the baselines: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		/*
		 * A model without a baseline: nothing to compare with.  Its baseline
		 * may still come (an imported model), and nothing tells a session when
		 * it does, so look again at the next statement.
		 */
		plan->transient = true;
		return plan;
	}
	if (SPI_processed != (uint64) p + 1)
	{
		DriftMalformed(plan, project, rel,
					   psprintf("It has %llu ordinals for a model of %d features.",
								(unsigned long long) SPI_processed, p));
		return plan;
	}
	plan->lo = palloc(sizeof(double) * (p + 1));
	plan->hi = palloc(sizeof(double) * (p + 1));
	plan->nb = palloc(sizeof(int) * (p + 1));
	plan->off = palloc(sizeof(int) * (p + 1));
	plan->eoff = palloc(sizeof(int) * (p + 1));
	spidesc = SPI_tuptable->tupdesc;
	for (int pass = 0; pass < 2; pass++)
	{
		if (pass == 1)
			plan->edges = palloc(sizeof(double) * Max(nedges_all, 1));
		plan->nbins = 0;
		nedges_all = 0;
		for (int i = 0; i <= p; i++)
		{
			HeapTuple	btup = SPI_tuptable->vals[i];
			int32		ordinal = DatumGetInt32(SPI_getbinval(btup, spidesc, 1, &isnull));
			ArrayType  *edges = DatumGetArrayTypeP(SPI_getbinval(btup, spidesc, 2, &isnull));
			int			nedges = ArrayGetNItems(ARR_NDIM(edges), ARR_DIMS(edges));
			bool		categorical = i > 0 && plan->enc != NULL && plan->enc->categorical[i - 1];
			Datum		d;
			const double *e;

			if (ordinal != i)
			{
				DriftMalformed(plan, project, rel,
							   psprintf("Ordinal %d is missing.", i));
				return plan;
			}
			if (ARR_ELEMTYPE(edges) != FLOAT8OID || ARR_NDIM(edges) > 1 || ARR_HASNULL(edges))
			{
				DriftMalformed(plan, project, rel,
							   psprintf("The edges of ordinal %d are not a float8[] without NULLs.", i));
				return plan;
			}
			e = (const double *) ARR_DATA_PTR(edges);
			if (pass == 0)
			{
				for (int b = 0; b < nedges; b++)
				{
					if (isnan(e[b]) || (b > 0 && e[b] < e[b - 1]))
					{
						DriftMalformed(plan, project, rel,
									   psprintf("The edges of ordinal %d are not ascending numbers.", i));
						return plan;
					}
				}
				/* a categorical feature: one bin per level, and one for the others */
				if (categorical &&
					nedges != plan->enc->ncols[i - 1] + (plan->enc->reference[i - 1] != NULL ? 1 : 0))
				{
					DriftMalformed(plan, project, rel,
								   psprintf("Ordinal %d has %d bins for a feature of %d levels.", i, nedges + 1,
											plan->enc->ncols[i - 1] + (plan->enc->reference[i - 1] != NULL ? 1 : 0)));
					return plan;
				}
			}
			plan->nb[i] = nedges + 1;
			plan->off[i] = plan->nbins;
			plan->eoff[i] = nedges_all;
			plan->nbins += nedges + 1;
			if (pass == 1)
				memcpy(plan->edges + nedges_all, e, sizeof(double) * nedges);
			nedges_all += nedges;
			if (categorical)
			{
				/* positions 0 .. L - 1; L, a value that is none of the levels, is above */
				plan->lo[i] = -get_float8_infinity();
				plan->hi[i] = nedges - 1;
				continue;
			}
			d = SPI_getbinval(btup, spidesc, 3, &isnull);
			plan->lo[i] = isnull ? -get_float8_infinity() : DatumGetFloat8(d);
			d = SPI_getbinval(btup, spidesc, 4, &isnull);
			plan->hi[i] = isnull ? get_float8_infinity() : DatumGetFloat8(d);
		}
	}
	plan->k = plan->nb[0];

	/* where the features and the target are in the table */
	plan->attidx = palloc(sizeof(int) * (p + 1));
	plan->conv = palloc(sizeof(DriftConv) * (p + 1));
	plan->basetype = palloc0(sizeof(Oid) * (p + 1));
	plan->natts = 0;
	for (int j = 1; j <= p; j++)
	{
		char	   *name = TextDatumGetCString(fdat[j - 1]);
		int			a = DriftFindColumn(desc, name);

		if (a < 0)
		{
			plan->status = DRIFT_SKIP;
			if (DriftFirstWarning(project, RelationGetRelid(rel), plan->model_id))
				ereport(WARNING,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("table \"%s\" lacks feature column \"%s\" of the deployed model of project \"%s\": its rows are not monitored",
								RelationGetRelationName(rel), name, project)));
			return plan;
		}
		if (plan->enc != NULL && plan->enc->categorical[j - 1])
		{
			Oid			basetype = getBaseType(TupleDescAttr(desc, a)->atttypid);

			if (!EncodingIsCategoricalType(basetype))
			{
				plan->status = DRIFT_SKIP;
				if (DriftFirstWarning(project, RelationGetRelid(rel), plan->model_id))
					ereport(WARNING,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column \"%s\" of table \"%s\" has type %s, but feature \"%s\" of the deployed model of project \"%s\" is categorical: its rows are not monitored",
									name, RelationGetRelationName(rel),
									format_type_be(TupleDescAttr(desc, a)->atttypid), name, project)));
				return plan;
			}
			plan->conv[j] = DRIFT_LEVEL;
			plan->basetype[j] = basetype;
			plan->has_numeric = true;	/* (a text value may need detoasting in the row context) */
		}
		else if (!DriftConvOf(TupleDescAttr(desc, a)->atttypid, &plan->conv[j]))
		{
			plan->status = DRIFT_SKIP;
			if (DriftFirstWarning(project, RelationGetRelid(rel), plan->model_id))
				ereport(WARNING,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" of table \"%s\" has type %s, which is not numeric: its rows are not monitored for project \"%s\"",
								name, RelationGetRelationName(rel),
								format_type_be(TupleDescAttr(desc, a)->atttypid), project)));
			return plan;
		}
		plan->attidx[j] = a;
		plan->natts = Max(plan->natts, a + 1);
		if (plan->conv[j] == DRIFT_NUMERIC)
			plan->has_numeric = true;
	}
	plan->attidx[0] = DriftFindColumn(desc, target);
	if (plan->attidx[0] >= 0 && DriftConvOf(TupleDescAttr(desc, plan->attidx[0])->atttypid,
											&plan->conv[0]) &&
		(plan->conv[0] != DRIFT_BOOL || plan->logistic))
	{
		plan->natts = Max(plan->natts, plan->attidx[0] + 1);
		if (plan->conv[0] == DRIFT_NUMERIC)
			plan->has_numeric = true;
	}
	else
		plan->attidx[0] = -1;	/* no target in the table: no error statistics */

	plan->status = DRIFT_ON;
	return plan;
}

/*
 * The plan of project on rel, from the cache or the registry.  SPI is
 * connected; a plan that may not be cached is allocated in stmtcxt.
 */
static DriftPlan *
DriftLookupPlan(const char *project, Relation rel, MemoryContext stmtcxt)
{
	DriftKey	key;
	DriftEntry *entry;
	uint64		generation;
	MemoryContext cxt;
	MemoryContext old;
	DriftPlan  *plan;

	/* a deploy committed since this backend's last look must be seen now */
	AcceptInvalidationMessages();
	DriftCacheInit();
	memset(&key, 0, sizeof(key));
	strlcpy(key.project, project, NAMEDATALEN);
	key.relid = RelationGetRelid(rel);
	entry = hash_search(DriftCache, &key, HASH_FIND, NULL);
	if (entry)
		return entry->plan;

	DriftRememberRegistryRelids();
	generation = DriftGeneration;
	cxt = AllocSetContextCreate(stmtcxt, "mlops drift plan", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	plan = DriftLoadPlan(project, rel);
	MemoryContextSwitchTo(old);

	/* attach it only if no invalidation arrived while it was read */
	if (generation == DriftGeneration && !plan->transient)
	{
		bool		found;

		DriftCacheInit();
		entry = hash_search(DriftCache, &key, HASH_ENTER, &found);
		MemoryContextSetParent(cxt, DriftCacheContext);
		entry->cxt = cxt;
		entry->plan = plan;
	}
	return plan;
}

/* ------------------------------------------------------------------------
 * Counting
 */

/* Exact powers of ten for DriftNumericValue. */
static const double DriftPow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * A numeric as the double numeric_float8 gives (the correctly rounded one),
 * read from its stored form without numeric_float8's detour through text
 * when the value is an integer of at most 2^53 times a power of ten within
 * 10^-22 .. 10^22: both factors are exact doubles, so one multiplication or
 * division rounds correctly (Clinger's fast path).  That covers the usual
 * measurements with up to 16 significant digits; other values, NaN and the
 * infinities, and compressed or toasted ones go the long way, in rowcxt.
 *
 * The stored form (numeric.c): after the varlena header a uint16 header
 * word; 0xC000 flags a special value, 0x8000 the short form (sign 0x2000,
 * weight in the low 7 bits, its sign 0x0040), else the long form (sign
 * 0x4000) with an int16 weight after it; then base-10000 int16 digits,
 * value = sum of digit[i] * 10000^(weight - i).
 */
static double
DriftNumericValue(Datum d, MemoryContext rowcxt)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (!VARATT_IS_EXTERNAL(v) && !VARATT_IS_COMPRESSED(v))
	{
		const char *p = VARDATA_ANY(v);
		Size		len = VARSIZE_ANY_EXHDR(v);
		uint16		header;
		int			weight;
		int			hdr;
		int			ndigits;
		bool		neg;
		uint64		mant = 0;
		int			exp10;
		double		r;

		if (len < sizeof(uint16))
			goto slow;
		memcpy(&header, p, sizeof(uint16));
		if ((header & 0xC000) == 0xC000)
			goto slow;			/* NaN, Infinity, -Infinity */
		if (header & 0x8000)
		{
			neg = (header & 0x2000) != 0;
			weight = (header & 0x0040) ? (int) (~0x003F | (header & 0x003F)) : (header & 0x003F);
			hdr = sizeof(uint16);
		}
		else
		{
			int16		w;

			if (len < sizeof(uint16) + sizeof(int16))
				goto slow;
			neg = (header & 0xC000) == 0x4000;
			memcpy(&w, p + sizeof(uint16), sizeof(int16));
			weight = w;
			hdr = sizeof(uint16) + sizeof(int16);
		}
		ndigits = (len - hdr) / sizeof(int16);
		if (ndigits == 0)
			return 0.0;
		if (ndigits > 4)
			goto slow;
		for (int i = 0; i < ndigits; i++)
		{
			int16		digit;

			memcpy(&digit, p + hdr + i * sizeof(int16), sizeof(int16));
			mant = mant * 10000 + (uint64) digit;
		}
		if (mant > (UINT64CONST(1) << 53))
			goto slow;
		exp10 = 4 * (weight - ndigits + 1);
		if (exp10 > 22 || exp10 < -22)
			goto slow;
		r = exp10 >= 0 ? (double) mant * DriftPow10[exp10] : (double) mant / DriftPow10[-exp10];
		return neg ? -r : r;
	}

slow:
	{
		MemoryContext old = MemoryContextSwitchTo(rowcxt);
		double		r = DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));

		MemoryContextSwitchTo(old);
		return r;
	}
}

static inline double
DriftValue(Datum d, DriftConv conv, MemoryContext rowcxt)
{
	switch (conv)
	{
		case DRIFT_FLOAT8:
			return DatumGetFloat8(d);
		case DRIFT_FLOAT4:
			return (double) DatumGetFloat4(d);
		case DRIFT_INT2:
			return (double) DatumGetInt16(d);
		case DRIFT_INT4:
			return (double) DatumGetInt32(d);
		case DRIFT_INT8:
			return (double) DatumGetInt64(d);
		case DRIFT_NUMERIC:
			return DriftNumericValue(d, rowcxt);
		case DRIFT_BOOL:
			return DatumGetBool(d) ? 1.0 : 0.0;
		case DRIFT_LEVEL:
			break;				/* (DriftCountRows reads levels itself) */
	}
	return 0.0;					/* keep compiler quiet */
}

/*
 * MlopsBinIndex (the number of edges <= v) without its branches for the
 * usual few edges: the edges ascend, so counting them gives the same bin.
 */
static inline int
DriftBin(const double *edges, int nedges, double v)
{
	int			bin = 0;

	if (nedges > 32)
		return MlopsBinIndex(edges, nedges, v);
	for (int b = 0; b < nedges; b++)
		bin += (edges[b] <= v);
	return bin;
}

/* One value v (not NaN) of ordinal i. */
static inline void
DriftCountValue(DriftCounts *c, const DriftPlan *plan, int i, double v)
{
	int			nedges = plan->nb[i] - 1;

	c->n[i]++;
	c->sums[i] += v;
	c->sumsq[i] += v * v;
	if (v < plan->lo[i])
		c->below[i]++;
	if (v > plan->hi[i])
		c->above[i]++;
	c->counts[plan->off[i] + DriftBin(plan->edges + plan->eoff[i], nedges, v)]++;
}

/* Read the transition table and count. */
static void
DriftCountRows(DriftCounts *c, const DriftPlan *plan, Relation rel, Tuplestorestate *ts)
{
	int			p = plan->p;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	MemoryContext rowcxt = NULL;
	double	   *x = palloc(sizeof(double) * (p + 1));
	int		   *lvl = palloc(sizeof(int) * (p + 1));
	const ModelEncoding *enc = plan->enc;
	const int  *attidx = plan->attidx;
	const DriftConv *conv = plan->conv;
	const double *coef = plan->coef;
	int			readptr;

	if (plan->has_numeric)
		rowcxt = AllocSetContextCreate(CurrentMemoryContext, "mlops drift rows",
									   ALLOCSET_DEFAULT_SIZES);

	/* a read pointer of our own, from the start, as a NamedTuplestoreScan reads it */
	readptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, readptr);
	tuplestore_rescan(ts);

	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		Datum	   *values;
		bool	   *isnull;
		bool		complete = true;

		if ((++c->n_rows & 1023) == 0)
		{
			CHECK_FOR_INTERRUPTS();
			if (rowcxt)
				MemoryContextReset(rowcxt);
		}
		slot_getsomeattrs(slot, plan->natts);
		values = slot->tts_values;
		isnull = slot->tts_isnull;

		for (int j = 1; j <= p; j++)
		{
			int			a = attidx[j];
			double		v;

			if (isnull[a])
			{
				c->n_null[j]++;
				complete = false;
				continue;
			}
			if (conv[j] == DRIFT_LEVEL)
			{
				const char *str;
				int			len;
				void	   *to_free;
				int			has_ref = enc->reference[j - 1] != NULL ? 1 : 0;

				EncodingValueText(values[a], plan->basetype[j], &str, &len, &to_free);
				lvl[j] = EncodingLevelIndex(enc, j - 1, str, len);
				if (to_free)
					pfree(to_free);
				/* the position in the baseline's list: the reference, then the levels */
				DriftCountValue(c, plan, j,
								lvl[j] == -2 ? enc->ncols[j - 1] + has_ref : lvl[j] + has_ref);
				continue;
			}
			v = DriftValue(values[a], conv[j], rowcxt);
			if (unlikely(isnan(v)))
			{
				c->n_null[j]++;
				complete = false;
				continue;
			}
			DriftCountValue(c, plan, j, v);
			x[j] = v;
			if (unlikely(isinf(v)))
				complete = false;
		}

		if (complete)
		{
			double		pred = coef[0];

			if (enc == NULL)
				for (int j = 1; j <= p; j++)
					pred += coef[j] * x[j];
			else
				for (int j = 1; j <= p; j++)
				{
					/* a level other than the reference has its design column; others none */
					if (conv[j] != DRIFT_LEVEL)
						pred += coef[1 + enc->first[j - 1]] * x[j];
					else if (lvl[j] >= 0)
						pred += coef[1 + enc->first[j - 1] + lvl[j]];
				}
			if (plan->logistic)
				pred = LogisticProbability(pred);	/* as train and predict_proba compute it */
			if (unlikely(isnan(pred)))
			{
				c->n_null[0]++;
				continue;
			}
			DriftCountValue(c, plan, 0, pred);
			if (attidx[0] >= 0 && !isnull[attidx[0]])
			{
				double		y = DriftValue(values[attidx[0]], conv[0], rowcxt);
				double		e = y - pred;

				/* a NaN or infinite target tells nothing of the error */
				if (isfinite(e))
				{
					c->err_n++;
					c->err_sse += e * e;
					c->err_sae += fabs(e);
				}
			}
		}
		else
			c->n_null[0]++;
	}
	ExecDropSingleTupleTableSlot(slot);
	if (rowcxt)
		MemoryContextDelete(rowcxt);
}

/* A one-dimensional array of n 8-byte pass-by-value elements. */
static Datum
DriftArray(const void *elems, int n, Oid elemtype)
{
	Size		nbytes = ARR_OVERHEAD_NONULLS(1) + (Size) 8 * n;
	ArrayType  *a = palloc0(nbytes);

	StaticAssertStmt(sizeof(int64) == 8 && sizeof(double) == 8, "8-byte elements");
	SET_VARSIZE(a, nbytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = elemtype;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	memcpy(ARR_DATA_PTR(a), elems, (Size) 8 * n);
	return PointerGetDatum(a);
}

/* The values of the summary row, in the order of DRIFT_LOG_QUERY's parameters. */
static void
DriftLogValues(const DriftPlan *plan, const DriftCounts *c, Relation rel, Datum *values)
{
	int			m = plan->p + 1;

	values[0] = Int64GetDatum(plan->project_id);
	values[1] = Int64GetDatum(plan->model_id);
	values[2] = CStringGetTextDatum(quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
															   RelationGetRelationName(rel)));
	values[3] = TimestampTzGetDatum(GetCurrentStatementStartTimestamp());
	values[4] = Int64GetDatum(c->n_rows);
	values[5] = Int32GetDatum(plan->k);
	values[6] = DriftArray(c->n, m, INT8OID);
	values[7] = DriftArray(c->n_null, m, INT8OID);
	values[8] = DriftArray(c->sums, m, FLOAT8OID);
	values[9] = DriftArray(c->sumsq, m, FLOAT8OID);
	values[10] = DriftArray(c->below, m, INT8OID);
	values[11] = DriftArray(c->above, m, INT8OID);
	values[12] = DriftArray(c->counts, plan->nbins, INT8OID);
	values[13] = Int64GetDatum(c->err_n);
	values[14] = Float8GetDatum(c->err_sse);
	values[15] = Float8GetDatum(c->err_sae);
}

/* The columns of mlops.drift_log that DRIFT_LOG_QUERY sets, in its order. */
static const char *const DriftLogColumns[DRIFT_LOG_NARGS] = {
	"project_id", "model_id", "relation", "logged_at", "n_rows", "bins", "n", "n_null",
	"sums", "sumsq", "below", "above", "counts", "err_n", "err_sse", "err_sae"
};

/*
 * Append the summary straight to the heap and indexes of mlops.drift_log,
 * with the defaults of the other columns (log_id from its sequence,
 * compacted false, statements 1, xact the current transaction), as the
 * catalogs are written: a statement that writes one row would otherwise
 * spend as long again planning and starting an INSERT.  Returns false, having
 * written nothing, when the table is not as mlops created it (a trigger, a
 * rule, another column, or an index on an expression, with a predicate or
 * deferred): DriftLog then inserts through SPI, which handles all that.
 */
static bool
DriftLogDirect(const Datum *args, Oid logrelid, Oid seqrelid)
{
	Relation	logrel;
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;
	int			natts;
	List	   *indexoids;
	ListCell   *lc;
	Relation   *indexes;
	IndexInfo **infos;
	int			nindexes = 0;
	HeapTuple	tuple;
	TupleTableSlot *slot;
	bool		ok = true;

	logrel = table_open(logrelid, RowExclusiveLock);
	desc = RelationGetDescr(logrel);
	natts = desc->natts;
	if (logrel->rd_rel->relkind != RELKIND_RELATION || logrel->trigdesc != NULL ||
		logrel->rd_rel->relhasrules || natts != DRIFT_LOG_NARGS + 4)
	{
		table_close(logrel, NoLock);
		return false;
	}

	values = palloc0(sizeof(Datum) * natts);
	nulls = palloc0(sizeof(bool) * natts);
	for (int i = 0; i < natts && ok; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *name = NameStr(att->attname);
		int			j;

		if (att->attisdropped)
		{
			ok = false;
			break;
		}
		for (j = 0; j < DRIFT_LOG_NARGS; j++)
			if (strcmp(name, DriftLogColumns[j]) == 0)
				break;
		if (j < DRIFT_LOG_NARGS)
			values[i] = args[j];
		else if (strcmp(name, "log_id") == 0)
		{
			if (!OidIsValid(seqrelid))
				ok = false;
			else
				values[i] = Int64GetDatum(nextval_internal(seqrelid, false));
		}
		else if (strcmp(name, "compacted") == 0)
			values[i] = BoolGetDatum(false);
		else if (strcmp(name, "statements") == 0)
			values[i] = Int64GetDatum(1);
		else if (strcmp(name, "xact") == 0)
			values[i] = Int64GetDatum((int64) U64FromFullTransactionId(GetTopFullTransactionId()));
		else
			ok = false;
	}

	indexoids = ok ? RelationGetIndexList(logrel) : NIL;
	indexes = palloc(sizeof(Relation) * Max(list_length(indexoids), 1));
	infos = palloc(sizeof(IndexInfo *) * Max(list_length(indexoids), 1));
	foreach(lc, indexoids)
	{
		Relation	irel = index_open(lfirst_oid(lc), RowExclusiveLock);
		IndexInfo  *ii = BuildIndexInfo(irel);

		indexes[nindexes] = irel;
		infos[nindexes++] = ii;
		if (ii->ii_Expressions != NIL || ii->ii_Predicate != NIL || ii->ii_ExclusionOps != NULL ||
			!irel->rd_index->indimmediate)
			ok = false;
	}
	if (!ok)
	{
		for (int i = 0; i < nindexes; i++)
			index_close(indexes[i], NoLock);
		table_close(logrel, NoLock);
		return false;
	}

	tuple = heap_form_tuple(desc, values, nulls);
	simple_heap_insert(logrel, tuple);
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	ExecStoreHeapTuple(tuple, slot, false);
	for (int i = 0; i < nindexes; i++)
	{
		Datum		ivalues[INDEX_MAX_KEYS];
		bool		inulls[INDEX_MAX_KEYS];

		/* an index being built concurrently takes rows once it is ready for them */
		if (!infos[i]->ii_ReadyForInserts)
			continue;
		FormIndexDatum(infos[i], slot, NULL, ivalues, inulls);
		index_insert(indexes[i], ivalues, inulls, &tuple->t_self, logrel,
					 indexes[i]->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
#if PG_VERSION_NUM >= 140000
					 false,
#endif
					 infos[i]);
	}
	ExecDropSingleTupleTableSlot(slot);
	for (int i = 0; i < nindexes; i++)
		index_close(indexes[i], NoLock);
	table_close(logrel, NoLock);
	return true;
}

/* Append the statement's summary to mlops.drift_log.  SPI is connected. */
static void
DriftLog(const DriftPlan *plan, const DriftCounts *c, Relation rel)
{
	Datum		values[DRIFT_LOG_NARGS];
	int			ret;

	DriftLogValues(plan, c, rel, values);
	DriftRememberLogRelids();
	if (OidIsValid(LogRelid) && DriftLogDirect(values, LogRelid, LogSeqRelid))
		return;

	if (LogPlan == NULL)
	{
		Oid			argtypes[DRIFT_LOG_NARGS] = {
			INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID, INT8OID, INT4OID,
			INT8ARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
			INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID,
			INT8OID, FLOAT8OID, FLOAT8OID
		};

		LogPlan = DriftPrepare(DRIFT_LOG_QUERY, DRIFT_LOG_NARGS, argtypes);
	}
	ret = DriftExecute(LogPlan, values, InvalidSnapshot, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not write mlops.drift_log: %s", SPI_result_code_string(ret));
}

/*
 * Run mlops.check_drift(project) if mlops.drift_check_interval has passed
 * since this backend last did for the project.  An error in it becomes a
 * WARNING (in a subtransaction): the rows written stay.  SPI is connected.
 */
static void
DriftMaybeCheck(const char *project)
{
	DriftCheckEntry *entry;
	TimestampTz now;
	bool		found;
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	/*
	 * A check locks the project's row of mlops.drift_checks, which under
	 * REPEATABLE READ or SERIALIZABLE fails when another session checked since
	 * the snapshot: such transactions leave the checks to the others.
	 */
	if (mlops_drift_check_interval < 0 || IsolationUsesXactSnapshot())
		return;
	now = GetCurrentTimestamp();
	entry = hash_search(DriftChecked, project, HASH_ENTER, &found);
	if (found && mlops_drift_check_interval > 0 &&
		!TimestampDifferenceExceeds(entry->last_check, now, mlops_drift_check_interval))
		return;
	entry->last_check = now;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		Datum		arg = CStringGetTextDatum(project);
		int			ret;

		if (CheckPlan == NULL)
		{
			Oid			argtype = TEXTOID;

			CheckPlan = DriftPrepare(DRIFT_CHECK_QUERY, 1, &argtype);
		}
		ret = DriftExecute(CheckPlan, &arg, InvalidSnapshot, false, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not run mlops.check_drift: %s", SPI_result_code_string(ret));
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;

		/* a cancel or a shutdown must stop the statement */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("could not check project \"%s\" for drift: %s", project, edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0,
				 errhint("The rows were written and their summary logged.")));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/* ------------------------------------------------------------------------
 * The trigger
 */

/* The owner of the trigger function, whose privileges the trigger works with. */
static Oid
DriftFunctionOwner(Oid fn_oid)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn_oid);
	owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * mlops.drift_trigger(): AFTER INSERT ... REFERENCING NEW TABLE AS ...
 * FOR EACH STATEMENT EXECUTE FUNCTION mlops.drift_trigger('project').
 *
 * It reads the registry, logs and checks with the privileges of the
 * function's owner (the role that created the extension), as a SECURITY
 * DEFINER function would, so that whoever writes a monitored table need not
 * see the registry; its queries name every object with its schema.  (A
 * SECURITY DEFINER function would also set search_path for every statement,
 * which costs a single-row INSERT about a twentieth of its time.)  An error
 * restores the caller's identity with the transaction.
 */
Datum
mlops_drift_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	Tuplestorestate *ts;
	char		project[NAMEDATALEN];
	MemoryContext stmtcxt;
	MemoryContext old;
	DriftPlan  *plan;
	DriftCounts c;
	int			m;
	Oid			save_userid;
	int			save_sec_context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mlops.drift_trigger() was not called by the trigger manager")));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mlops.drift_trigger() must be fired AFTER ... FOR EACH STATEMENT")));
	if (trigdata->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mlops.drift_trigger() needs a transition table of the new rows"),
				 errhint("Create the trigger with REFERENCING NEW TABLE AS mlops_new, or use mlops.monitor().")));
	if (trigdata->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mlops.drift_trigger() takes one argument, the project name, not %d",
						trigdata->tg_trigger->tgnargs)));

	rel = trigdata->tg_relation;
	ts = trigdata->tg_newtable;

	/* statements that write no rows log nothing; no project has so long a name */
	if (tuplestore_tuple_count(ts) == 0 ||
		strlen(trigdata->tg_trigger->tgargs[0]) >= NAMEDATALEN)
		return PointerGetDatum(NULL);
	strlcpy(project, trigdata->tg_trigger->tgargs[0], NAMEDATALEN);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(DriftFunctionOwner(fcinfo->flinfo->fn_oid),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	stmtcxt = AllocSetContextCreate(CurrentMemoryContext, "mlops drift statement",
									ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	old = MemoryContextSwitchTo(stmtcxt);

	plan = DriftLookupPlan(project, rel, stmtcxt);
	if (plan->status != DRIFT_ON)
	{
		MemoryContextSwitchTo(old);
		SPI_finish();
		MemoryContextDelete(stmtcxt);
		SetUserIdAndSecContext(save_userid, save_sec_context);
		return PointerGetDatum(NULL);
	}

	/*
	 * Copy the plan: an invalidation while the log is written may free the
	 * cached one.
	 */
	{
		DriftPlan  *copy = palloc(sizeof(DriftPlan));
		int			np = plan->p + 1;
		int			ndesign = plan->enc ? plan->enc->ndesign : plan->p;

		*copy = *plan;
		copy->edges = palloc(sizeof(double) * Max(plan->nbins - np, 1));
		memcpy(copy->edges, plan->edges, sizeof(double) * (plan->nbins - np));
		copy->nb = palloc(sizeof(int) * np);
		memcpy(copy->nb, plan->nb, sizeof(int) * np);
		copy->off = palloc(sizeof(int) * np);
		memcpy(copy->off, plan->off, sizeof(int) * np);
		copy->eoff = palloc(sizeof(int) * np);
		memcpy(copy->eoff, plan->eoff, sizeof(int) * np);
		copy->basetype = palloc(sizeof(Oid) * np);
		memcpy(copy->basetype, plan->basetype, sizeof(Oid) * np);
		copy->enc = plan->enc ? EncodingCopy(plan->enc, CurrentMemoryContext) : NULL;
		copy->coef = palloc(sizeof(double) * (ndesign + 1));
		memcpy(copy->coef, plan->coef, sizeof(double) * (ndesign + 1));
		copy->lo = palloc(sizeof(double) * np);
		memcpy(copy->lo, plan->lo, sizeof(double) * np);
		copy->hi = palloc(sizeof(double) * np);
		memcpy(copy->hi, plan->hi, sizeof(double) * np);
		copy->attidx = palloc(sizeof(int) * np);
		memcpy(copy->attidx, plan->attidx, sizeof(int) * np);
		copy->conv = palloc(sizeof(DriftConv) * np);
		memcpy(copy->conv, plan->conv, sizeof(DriftConv) * np);
		plan = copy;
	}

	m = plan->p + 1;
	memset(&c, 0, sizeof(c));
	c.n = palloc0(sizeof(int64) * m);
	c.n_null = palloc0(sizeof(int64) * m);
	c.sums = palloc0(sizeof(double) * m);
	c.sumsq = palloc0(sizeof(double) * m);
	c.below = palloc0(sizeof(int64) * m);
	c.above = palloc0(sizeof(int64) * m);
	c.counts = palloc0(sizeof(int64) * plan->nbins);

	DriftCountRows(&c, plan, rel, ts);
	if (c.n_rows > 0)
	{
		DriftLog(plan, &c, rel);
		DriftMaybeCheck(project);
	}

	MemoryContextSwitchTo(old);
	SPI_finish();
	MemoryContextDelete(stmtcxt);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return PointerGetDatum(NULL);
}

/* ------------------------------------------------------------------------
 * GUCs
 */

void
DriftDefineGucs(void)
{
	DefineCustomIntVariable("mlops.drift_check_interval",
							"Time between two drift checks of a project by one session.",
							"After a statement on a monitored table has been logged, the session "
							"runs mlops.check_drift for the project if this much time passed "
							"since it last did. 0 checks after every statement, -1 never.",
							&mlops_drift_check_interval,
							10000, -1, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("mlops.drift_min_rows",
							"Live values a feature needs in a window before drift gives it a status and can alert.",
							"With few rows the PSI of a feature that has not drifted is large by chance.",
							&mlops_drift_min_rows,
							1000, 1, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomRealVariable("mlops.drift_psi_alert",
							 "Population stability index at which a feature raises an alert.",
							 NULL,
							 &mlops_drift_psi_alert,
							 0.25, 0.0, 100.0,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomRealVariable("mlops.drift_psi_warn",
							 "Population stability index at which a feature is reported as drifting.",
							 NULL,
							 &mlops_drift_psi_warn,
							 0.1, 0.0, 100.0,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("mlops.drift_window",
							"Length of the windows over which drift is measured.",
							"Windows start at multiples of this length since the Unix epoch.",
							&mlops_drift_window,
							3600, 1, INT_MAX,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);
}
