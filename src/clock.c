/*
 * clock.c
 *		The platform clock: every calendar decision reads it.
 *
 * Which day a like falls on, which chart week is current, whether a month
 * has ended, how far trending has decayed: each is a question about "now".
 * They all ask hm_as_of() (SQL: music.as_of(), music.today()), which is the
 * start of the current transaction unless music.as_of pins another instant.
 * The pin replays history as of a past instant, and lets tests give the same
 * answers whatever day they run on; make test-dates checks that nothing
 * reads the wall clock behind its back.
 *
 * Operational timing (job leases, backoff, the worker's naptime) is not a
 * calendar decision and keeps the real clock.
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"

#include "clock.h"
#include "datasafety.h"

HM_FUNCTION(music_as_of);
HM_FUNCTION(music_today);

static char *as_of_setting = NULL;
static bool as_of_pinned = false;
static TimestampTz as_of_instant = 0;

/*
 * Accepts '' (the real clock) or a finite timestamp, read as timestamptz
 * input is; without a UTC offset it is taken in the TimeZone in force when
 * the setting is made, so give one.
 */
static bool
check_as_of(char **newval, void **extra, GucSource source)
{
	char		workbuf[MAXDATELEN + 1];
	char	   *fields[MAXDATEFIELDS];
	int			ftypes[MAXDATEFIELDS];
	int			nfields;
	int			dtype;
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz = 0;
	TimestampTz *result;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (ParseDateTime(*newval, workbuf, sizeof(workbuf), fields, ftypes, MAXDATEFIELDS, &nfields) != 0 ||
		DecodeDateTime(fields, ftypes, nfields, &dtype, &tm, &fsec, &tz) != 0 ||
		dtype != DTK_DATE)
	{
		GUC_check_errdetail("\"%s\" is not a timestamp.", *newval);
		return false;
	}
	result = (TimestampTz *) malloc(sizeof(TimestampTz));
	if (result == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		return false;
	}
	if (tm2timestamp(&tm, fsec, &tz, result) != 0 || TIMESTAMP_NOT_FINITE(*result))
	{
		free(result);
		GUC_check_errdetail("\"%s\" is out of range.", *newval);
		return false;
	}
	/* the GUC machinery frees extra with free() */
	*extra = result;
	return true;
}

/* Installs a checked pin, or lifts it. */
static void
assign_as_of(const char *newval, void *extra)
{
	as_of_pinned = extra != NULL;
	if (extra != NULL)
		as_of_instant = *(TimestampTz *) extra;
}

/* Registers music.as_of. */
void
ClockInit(void)
{
	DefineCustomStringVariable("music.as_of",
							   "Pins the platform clock to an instant; empty for the real clock.",
							   "Calendar decisions (days of events, current chart week, month closing, "
							   "trending decay) are taken as of this instant. For replaying history and "
							   "for tests.",
							   &as_of_setting, "",
							   PGC_SUSET, 0, check_as_of, assign_as_of, NULL);
}

/* The platform's "now": the pinned instant, or the transaction's start. */
TimestampTz
hm_as_of(void)
{
	return as_of_pinned ? as_of_instant : GetCurrentTransactionStartTimestamp();
}

/* The platform's current UTC calendar day. */
DateADT
hm_today(void)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(hm_as_of(), NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("the platform clock is out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

/* as_of(): the platform clock, for SQL. */
static Datum
music_as_of_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(hm_as_of());
}

/* today(): the platform's UTC day, for SQL. */
static Datum
music_today_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATEADT(hm_today());
}
