/*
 * datasafety.c
 *		What keeps a DBA's routine operations from losing or corrupting data:
 *		rows loaded by COPY (a restored dump) are not counted as new events,
 *		DROP EXTENSION without CASCADE refuses while the platform holds data,
 *		and the worker refuses SQL objects from another release.
 */
#include "postgres.h"

#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"

#include "datasafety.h"

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
 * Whether the installed SQL objects are of the release this library was
 * built for (pg_cron's check).  Needs a transaction.
 */
bool
hm_installed_version_matches(void)
{
	bool		matches;

	SPI_connect();
	if (SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'hybridmusic'",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read the installed version of hybridmusic");
	matches = SPI_processed == 1 &&
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), HM_LIBRARY_VERSION) == 0;
	SPI_finish();
	return matches;
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
