/*
 * datasafety.c
 *		What keeps a DBA's routine operations from losing or corrupting data:
 *		rows loaded by COPY (a restored dump) are not counted as new events,
 *		DROP EXTENSION without CASCADE refuses while the platform holds data,
 *		and the library refuses SQL objects from another release: every
 *		function callable from SQL, and the worker.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "commands/dbcommands.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "datasafety.h"

HM_FUNCTION(music_loading_copied_rows);

/*
 * Not HM_FUNCTION: DROP EXTENSION must work whatever release the SQL
 * objects are of; the guard only calls music.platform_holds_data(), which
 * every release with the guard has.
 */
PG_FUNCTION_INFO_V1(music_guard_drop_extension);

/*
 * Whether the running statement is a COPY FROM.  pg_restore loads every
 * table's rows with COPY FROM, and those rows already carry their effects
 * (counters, milestones, jobs are in the dump too): the triggers that
 * derive data from new events skip them.  Apps never COPY into music
 * tables; they write through the API functions.
 */
bool
hm_loading_copied_rows(void)
{
	PlannedStmt *stmt;

	if (ActivePortal == NULL || ActivePortal->commandTag != CMDTAG_COPY ||
		list_length(ActivePortal->stmts) != 1)
		return false;
	stmt = linitial_node(PlannedStmt, ActivePortal->stmts);
	return stmt->utilityStmt != NULL && IsA(stmt->utilityStmt, CopyStmt) &&
		((CopyStmt *) stmt->utilityStmt)->is_from;
}

/*
 * loading_copied_rows(): hm_loading_copied_rows() for the triggers written
 * in PL/pgSQL, which must skip restored rows too.
 */
static Datum
music_loading_copied_rows_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(hm_loading_copied_rows());
}

/*
 * Whether this backend has seen that the installed SQL objects are of this
 * library's release.  Reset by every change to pg_extension (the syscache
 * callback below), so an ALTER EXTENSION, DROP or CREATE EXTENSION in any
 * session is seen at this backend's next transaction or command.
 */
static bool release_matches = false;

#ifdef HM_HAVE_EXTENSION_SYSCACHE
/* Syscache callback: pg_extension changed, the cached answer is stale. */
static void
installed_release_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	release_matches = false;
}
#endif

/*
 * Registers the invalidation of the cached answer.  Servers older than the
 * PostgreSQL 15 minor that added the syscache on pg_extension check the
 * catalog on every call instead.
 */
void
DataSafetyInit(void)
{
#ifdef HM_HAVE_EXTENSION_SYSCACHE
	CacheRegisterSyscacheCallback(EXTENSIONOID, installed_release_changed, (Datum) 0);
#endif
}

/*
 * The extversion of hybridmusic in this database, or NULL when it is not
 * installed.  Read straight from the catalog (no SPI, no plan): it runs
 * before any of the library's statements.  Needs a transaction.
 */
static char *
installed_release(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	char	   *version = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("hybridmusic"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		datum = heap_getattr(tuple, Anum_pg_extension_extversion,
										 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = TextDatumGetCString(datum);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

/*
 * Whether the installed SQL objects are of the release this library was
 * built for (pg_cron's check).  Answered from the cache once it said yes,
 * so it costs a branch on the hot path.  Needs a transaction.
 */
bool
hm_installed_version_matches(void)
{
	char	   *version;

	if (likely(release_matches))
		return true;
	version = installed_release();
	if (version == NULL || strcmp(version, HM_LIBRARY_VERSION) != 0)
		return false;
#ifdef HM_HAVE_EXTENSION_SYSCACHE
	release_matches = true;
#endif
	return true;
}

/*
 * Refuses to go on unless the installed SQL objects are of this library's
 * release.  New C on old SQL objects (make install of a new release without
 * ALTER EXTENSION ... UPDATE) would otherwise read arguments the old
 * declarations do not pass and columns the old tables lack.  The install
 * and update scripts themselves call the library's functions while the
 * objects are being brought to its release: they pass.
 *
 * object_not_in_prerequisite_state, not feature_not_supported: nothing is
 * unsupported, the extension is in a state that one command fixes, and an
 * application can tell this from a bug in its call.
 */
void
hm_require_installed_version(void)
{
	char	   *version;

	if (likely(release_matches) || creating_extension || hm_installed_version_matches())
		return;
	version = installed_release();
	if (version == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension hybridmusic is not installed in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errhint("Run CREATE EXTENSION hybridmusic CASCADE.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("hybridmusic library %s does not match the installed SQL objects of version %s",
					HM_LIBRARY_VERSION, version),
			 errdetail("The library's functions refuse to run against SQL objects of another release."),
			 errhint("Run ALTER EXTENSION hybridmusic UPDATE TO '%s' in database \"%s\", or install the hybridmusic library of release %s.",
					 HM_LIBRARY_VERSION, get_database_name(MyDatabaseId), version)));
}

/* Whether a DROP EXTENSION statement names hybridmusic. */
static bool
drops_hybridmusic(DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, stmt->objects)
	{
		if (strcmp(strVal(lfirst(lc)), "hybridmusic") == 0)
			return true;
	}
	return false;
}

/*
 * guard_drop_extension(): ddl_command_start event trigger on DROP EXTENSION.
 * The platform's tables are members of the extension, so a plain DROP
 * EXTENSION would delete every user, play and job with them: refuse while
 * the platform holds data, unless CASCADE says it is meant.
 */
Datum
music_guard_drop_extension(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	bool		holds_data;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("guard_drop_extension() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (!IsA(trigdata->parsetree, DropStmt) ||
		((DropStmt *) trigdata->parsetree)->behavior == DROP_CASCADE ||
		!drops_hybridmusic((DropStmt *) trigdata->parsetree))
		PG_RETURN_VOID();

	SPI_connect();
	if (SPI_execute("SELECT music.platform_holds_data()", true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "cannot tell whether hybridmusic holds data");
	holds_data = strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") == 0;
	SPI_finish();
	if (holds_data)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop extension hybridmusic while it holds platform data"),
				 errdetail("Its tables hold the platform's users, plays, follows, jobs and earnings; DROP EXTENSION would delete them."),
				 errhint("Take a backup first (pg_dump -Fc). To drop the extension together with all its data on purpose, use DROP EXTENSION hybridmusic CASCADE.")));
	PG_RETURN_VOID();
}
