/*
 * mlops.c
 *		Module entry point and the registry trigger.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/rel.h"

#include "mlops.h"
#include "logistic.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(mlops_registry_changed);

void		_PG_init(void);

void
_PG_init(void)
{
	LinalgSetSingleThreaded();
	RefineDefineGucs();
	DriftDefineGucs();
	LogisticDefineGucs();
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("mlops");
#else
	EmitWarningsOnPlaceholders("mlops");
#endif
}

/*
 * Statement trigger on the deployments, models and projects tables: queue a relation
 * cache invalidation of the table.  It reaches this session at the end of the
 * command and every other session once the transaction commits (never if it
 * aborts); the prediction cache drops its models when it arrives.
 */
Datum
mlops_registry_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mlops.registry_changed() was not called by the trigger manager")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
