/*
 * milestones.c
 *		Detects milestones on threshold crossing and enqueues their jobs.
 *
 * Every rule fires each of its thresholds once per creator: a milestone is
 * inserted with ON CONFLICT DO NOTHING on (creator_id, rule, threshold), and
 * its jobs are inserted by the same statement from the rows that insert
 * returned, so a milestone and its jobs commit together with the change that
 * caused them, or not at all.
 *
 * Count rules (followers, plays, coin) fire every threshold t with
 * highest recorded < t <= visible total.  Using the highest threshold ever
 * recorded, rather than the previous count, makes follower churn around a
 * threshold fire once, and lets a later check catch up every threshold an
 * earlier one missed.  One can be missed: two transactions that both add to
 * a total of 4,998 each see 4,999 (neither sees the other's uncommitted
 * delta) and both commit.  Taking a per-creator lock would make a viral
 * creator a hot spot, so instead the miss is found by re-checking: the
 * worker re-checks every creator with unfolded deltas each naptime
 * (detect_milestones), and folding deltas re-checks the creators folded, so
 * a crossing is never lost, and fires about a naptime after its commit.
 *
 * The same re-checks let a counted change skip its own check: the exact
 * total sums the creator's unfolded deltas, which for a busy creator was
 * most of record_play's time.  So a change looks closer only when the
 * creator's count reaches the next threshold above its folded total, the
 * count being exact while the creator has fewer than
 * music.milestone_exact_rows unfolded rows (the sum is cheap), and the
 * folded total plus the change's own delta past that (TOUCHED_GATED); any
 * other crossing is left to the re-checks, which are exact.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_detect_counter_milestones);
HM_FUNCTION(music_detect_earnings_milestones);
HM_FUNCTION(music_detect_milestones);
HM_FUNCTION(music_set_verified);
HM_FUNCTION(music_close_quarter);
HM_FUNCTION(music_close_due_periods);

/* How long after a month ends the worker waits before closing it. */
static int	month_close_delay_s = 86400;

/*
 * A counted change checks its creators' milestones exactly while a creator
 * has fewer unfolded counter rows than this; past it, only when the folded
 * total plus the change reaches a threshold.
 */
static int	milestone_exact_rows = 32;

/* At most this many months (and quarters) are closed per call. */
#define MAX_PERIODS_PER_CALL 12
/*
 * A repeating rule fires at most this many of its steps per creator and
 * check, the highest ones: lowering a step (say to 1) must not make one
 * counted play insert thousands of milestones for the counts behind it.
 */
#define MAX_STEPS_PER_CHECK 100

/*
 * The tail of every detection statement: given a CTE "due" (creator_id,
 * rule, threshold, value, period), inserts the milestones not yet recorded,
 * one job per kind listed by the rule for each, and returns how many
 * milestones were new.  Rows are inserted in key order so that two
 * statements firing for the same creators wait on each other instead of
 * deadlocking.
 */
#define FIRE_AND_ENQUEUE \
	"fired AS (" \
	"  INSERT INTO music.milestones (creator_id, rule, threshold, value, period)" \
	"  SELECT creator_id, rule, threshold, value, period FROM due" \
	"  ORDER BY creator_id, rule, threshold" \
	"  ON CONFLICT (creator_id, rule, threshold) DO NOTHING" \
	"  RETURNING id, creator_id, rule, threshold, value, period" \
	"), queued AS (" \
	"  INSERT INTO music.jobs (kind, creator_id, milestone_id, payload)" \
	"  SELECT k.kind, f.creator_id, f.id, jsonb_strip_nulls(jsonb_build_object(" \
	"    'milestone_id', f.id, 'rule', f.rule, 'threshold', f.threshold, 'value', f.value," \
	"    'period', f.period, 'amount'," \
	"    CASE WHEN k.kind = 'revenue_share' THEN round(f.value * coalesce(r.share, 0), 18) END))" \
	"  FROM fired f JOIN music.milestone_rules r ON r.rule = f.rule" \
	"  CROSS JOIN LATERAL unnest(r.jobs) WITH ORDINALITY AS k(kind, n)" \
	"  ORDER BY f.id, k.n" \
	"  RETURNING 1" \
	") SELECT count(*) FROM fired"

/*
 * Count rules for the creators listed by touched: their exact totals as
 * this snapshot sees them (folded counters plus visible deltas, as
 * creator_stats reads them), and every threshold above the highest one
 * recorded, as the CTE "due".
 */
#define DUE_COUNTS_CTE(touched) \
	"WITH touched AS (" touched "), totals AS (" \
	"  SELECT t.creator_id," \
	"         coalesce(c.counted_plays, 0) + coalesce(d.counted_plays, 0) AS plays," \
	"         coalesce(c.followers, 0) + coalesce(d.followers, 0) AS followers" \
	"  FROM touched t" \
	"  LEFT JOIN music.creator_counters c ON c.creator_id = t.creator_id" \
	"  CROSS JOIN LATERAL (SELECT sum(x.counted_plays)::bigint AS counted_plays," \
	"                             sum(x.followers)::bigint AS followers" \
	"                      FROM music.counter_deltas x WHERE x.creator_id = t.creator_id) d" \
	"), due AS (" \
	"  SELECT tot.creator_id, r.rule, th.threshold, v.value::numeric AS value, NULL::date AS period" \
	"  FROM totals tot" \
	"  JOIN music.milestone_rules r ON r.enabled AND r.rule IN ('followers', 'plays', 'coin')" \
	"  CROSS JOIN LATERAL (SELECT CASE r.rule WHEN 'followers' THEN tot.followers ELSE tot.plays END AS value," \
	"                             r.threshold::bigint AS step) v" \
	"  CROSS JOIN LATERAL (SELECT coalesce(max(m.threshold), 0) AS reached FROM music.milestones m" \
	"                      WHERE m.creator_id = tot.creator_id AND m.rule = r.rule) hw" \
	"  CROSS JOIN LATERAL generate_series(" \
	"    CASE WHEN r.repeats THEN greatest(hw.reached / v.step + 1, v.value / v.step - " CppAsString2(MAX_STEPS_PER_CHECK) " + 1)" \
	"                             * v.step ELSE v.step END," \
	"    CASE WHEN r.repeats THEN v.value WHEN hw.reached = 0 THEN least(v.value, v.step) ELSE 0 END," \
	"    v.step) AS th(threshold)" \
	"  WHERE v.value >= v.step" \
	")"

/* Creators a counter_deltas statement may have moved past a threshold. */
#define TOUCHED_BY_STATEMENT \
	"SELECT DISTINCT creator_id FROM changed WHERE counted_plays > 0 OR followers > 0"
/*
 * The gate of a counted change: of the creators the statement moved up, those
 * whose count may have reached a threshold above their folded total, the
 * next multiple of a repeating rule's step or a one-off rule's count.  The
 * count is the exact one (folded plus every unfolded delta visible) while
 * the creator has fewer than $1 unfolded counter rows, which are cheap to
 * sum; past that, only the folded total plus the statement's own delta.
 * Folded totals and deltas are read in one snapshot, so a concurrent fold is
 * seen either whole or not at all.  A threshold at or below the folded total
 * that is not recorded yet (a rule enabled or lowered since) is left to the
 * re-checks.
 */
#define TOUCHED_GATED \
	"SELECT t.creator_id FROM (" \
	"  SELECT creator_id, sum(greatest(counted_plays, 0))::bigint AS plays," \
	"         sum(greatest(followers, 0))::bigint AS followers" \
	"  FROM changed WHERE counted_plays > 0 OR followers > 0 GROUP BY creator_id) t" \
	" LEFT JOIN music.creator_counters c ON c.creator_id = t.creator_id" \
	" CROSS JOIN LATERAL (SELECT count(*) AS rows, sum(x.counted_plays)::bigint AS plays," \
	"                            sum(x.followers)::bigint AS followers" \
	"                     FROM (SELECT counted_plays, followers FROM music.counter_deltas" \
	"                           WHERE creator_id = t.creator_id LIMIT $1) x) u" \
	" WHERE EXISTS (" \
	"   SELECT FROM music.milestone_rules r" \
	"   CROSS JOIN LATERAL (SELECT r.threshold::bigint AS step," \
	"     CASE r.rule WHEN 'followers' THEN coalesce(c.followers, 0) ELSE coalesce(c.counted_plays, 0) END AS folded," \
	"     CASE r.rule WHEN 'followers' THEN t.followers ELSE t.plays END AS own," \
	"     CASE r.rule WHEN 'followers' THEN u.followers ELSE u.plays END AS unfolded) g" \
	"   CROSS JOIN LATERAL (SELECT g.folded + CASE WHEN u.rows < $1 THEN g.unfolded ELSE g.own END AS count) v" \
	"   WHERE r.enabled AND r.rule IN ('followers', 'plays', 'coin') AND g.own > 0" \
	"     AND CASE WHEN r.repeats THEN v.count / g.step > g.folded / g.step" \
	"              ELSE g.folded < g.step AND v.count >= g.step END)"
/* Creators with unfolded changes, for the sweep. */
#define TOUCHED_UNFOLDED \
	"SELECT DISTINCT creator_id FROM music.counter_deltas WHERE counted_plays > 0 OR followers > 0"

/*
 * Each check runs in two steps: a read-only count of the thresholds due,
 * which is all that almost every counted change needs, and the statement
 * that fires them, only when some are.  The statements keep their plans: a
 * plan may refer to a transition table, which is registered again under
 * the same name at each call.
 */
typedef struct DetectQueries
{
	HmQuery		count_due;
	HmQuery		fire_due;
} DetectQueries;

static DetectQueries detect_statement = {
	{DUE_COUNTS_CTE(TOUCHED_BY_STATEMENT) " SELECT count(*) FROM due", 0, {InvalidOid}, NULL},
	{DUE_COUNTS_CTE(TOUCHED_BY_STATEMENT) ", " FIRE_AND_ENQUEUE, 0, {InvalidOid}, NULL}
};
static DetectQueries detect_gated = {
	{DUE_COUNTS_CTE(TOUCHED_GATED) " SELECT count(*) FROM due", 1, {INT8OID}, NULL},
	{DUE_COUNTS_CTE(TOUCHED_GATED) ", " FIRE_AND_ENQUEUE, 1, {INT8OID}, NULL}
};

/*
 * The gate alone, with a plan small enough to start and stop on every play:
 * almost every counted change ends here.
 */
static HmQuery gate_passes = {
	"SELECT count(*) FROM (" TOUCHED_GATED ") g", 1, {INT8OID}, NULL
};
static DetectQueries detect_unfolded = {
	{DUE_COUNTS_CTE(TOUCHED_UNFOLDED) " SELECT count(*) FROM due", 0, {InvalidOid}, NULL},
	{DUE_COUNTS_CTE(TOUCHED_UNFOLDED) ", " FIRE_AND_ENQUEUE, 0, {InvalidOid}, NULL}
};

/* Closed months: revenue >= threshold fires revenue, revenue > threshold month. */
#define DETECT_EARNINGS_SQL \
	"WITH due AS (" \
	"  SELECT e.creator_id, r.rule," \
	"         (extract(year FROM e.month) * 100 + extract(month FROM e.month))::bigint AS threshold," \
	"         e.revenue::numeric AS value, e.month AS period" \
	"  FROM changed e JOIN music.milestone_rules r ON r.enabled" \
	"   AND ((r.rule = 'revenue' AND e.revenue >= r.threshold)" \
	"        OR (r.rule = 'month' AND e.revenue > r.threshold))" \
	"), " FIRE_AND_ENQUEUE
static HmQuery detect_earnings = {
	DETECT_EARNINGS_SQL, 0, {InvalidOid}, NULL
};

static HmQuery verify_creator = {
	"UPDATE music.creators SET verified = $2 WHERE id = $1 AND verified <> $2",
	2, {INT8OID, BOOLOID}, NULL
};
static HmQuery fire_verification = {
	"WITH due AS ("
	"  SELECT $1::bigint AS creator_id, r.rule, 1::bigint AS threshold, 1::numeric AS value, NULL::date AS period"
	"  FROM music.milestone_rules r WHERE r.rule = 'verification' AND r.enabled"
	"), " FIRE_AND_ENQUEUE, 1, {INT8OID}, NULL
};

/*
 * A verification change that is not a new milestone (a badge removed, or
 * given back) still has to reach the chain, which keeps the current state.
 */
static HmQuery enqueue_verification_change = {
	"INSERT INTO music.jobs (kind, creator_id, payload) "
	"SELECT 'verification', $1, jsonb_build_object('verified', $2) "
	"FROM music.milestone_rules r WHERE r.rule = 'verification' AND r.enabled",
	2, {INT8OID, BOOLOID}, NULL
};
static HmQuery month_is_closed = {
	"SELECT 1 FROM music.closed_months WHERE month = $1", 1, {DATEOID}, NULL
};
static HmQuery insert_closed_quarter = {
	"INSERT INTO music.closed_quarters (quarter) VALUES ($1) ON CONFLICT DO NOTHING",
	1, {DATEOID}, NULL
};
static HmQuery fire_quarter = {
	"WITH due AS ("
	"  SELECT e.creator_id, r.rule,"
	"         (extract(year FROM $1) * 10 + extract(quarter FROM $1))::bigint AS threshold,"
	"         sum(e.counted_plays)::numeric AS value, $1 AS period"
	"  FROM music.creator_earnings e JOIN music.milestone_rules r ON r.rule = 'quarter' AND r.enabled"
	"  WHERE e.month >= $1 AND e.month < $1 + interval '3 months' AND e.counted_plays > 0"
	"  GROUP BY e.creator_id, r.rule"
	"), " FIRE_AND_ENQUEUE, 1, {DATEOID}, NULL
};
static HmQuery due_months = {
	"SELECT m::date FROM music.calendar c,"
	" generate_series(c.starts::timestamp,"
	"                 date_trunc('month', music.as_of() AT TIME ZONE 'UTC' - $1::float8 * interval '1 second') - interval '1 month',"
	"                 interval '1 month') AS m"
	" WHERE NOT EXISTS (SELECT 1 FROM music.closed_months x WHERE x.month = m::date)"
	" ORDER BY 1 LIMIT $2",
	2, {INT4OID, INT4OID}, NULL
};
static HmQuery due_quarters = {
	"SELECT q::date FROM music.calendar c,"
	" generate_series(date_trunc('quarter', c.starts::timestamp),"
	"                 date_trunc('quarter', music.as_of() AT TIME ZONE 'UTC') - interval '3 months',"
	"                 interval '3 months') AS q"
	" WHERE NOT EXISTS (SELECT 1 FROM music.closed_quarters x WHERE x.quarter = q::date)"
	"   AND EXISTS (SELECT 1 FROM music.closed_months x WHERE x.month = (q + interval '2 months')::date)"
	" ORDER BY 1 LIMIT $1",
	1, {INT4OID}, NULL
};
static HmQuery close_month = {
	"SELECT music.close_month($1)", 1, {DATEOID}, NULL
};

/* Registers the milestone settings. */
void
MilestonesInit(void)
{
	DefineCustomIntVariable("music.month_close_delay",
							"How long after a month ends the worker closes it.",
							"Plays reported late for a month still count until it closes.",
							&month_close_delay_s, 86400, 0, 31 * 86400,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("music.milestone_exact_rows",
							"Below this many unfolded counter rows of a creator, every counted change checks its milestones exactly.",
							"Past it, a change checks only when the folded total plus its own delta reaches a threshold; "
							"the worker's re-check records the other crossings.",
							&milestone_exact_rows, 32, 0, INT_MAX,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

/* Runs a detection statement (already connected to SPI); returns milestones fired. */
static int64
run_detection(HmQuery *query, Datum *values)
{
	hm_exec(query, values, NULL, false);
	return hm_get_int64(0, 1, NULL);
}

/* Counts the count-rule thresholds due, and fires them if there are any. */
static int64
run_count_detection(DetectQueries *queries, Datum *values)
{
	if (run_detection(&queries->count_due, values) == 0)
		return 0;
	return run_detection(&queries->fire_due, values);
}

/* Checks that a trigger function was called as a statement-level AFTER trigger. */
static TriggerData *
statement_trigger_data(FunctionCallInfo fcinfo, const char *name)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event))
		elog(ERROR, "%s must be an AFTER ... FOR EACH STATEMENT trigger", name);
	return trigdata;
}

/* Connects to SPI with a trigger's transition table "changed" registered. */
static void
connect_with_transition_table(TriggerData *trigdata)
{
	SPI_connect();
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "cannot register the transition table for milestone detection");
}

/*
 * detect_counter_milestones(): AFTER INSERT or DELETE ... FOR EACH STATEMENT
 * trigger on counter_deltas, transition table "changed".  Inserts are new
 * counts, checked behind the gate (TOUCHED_GATED); deletes are folds, which
 * re-check the creators folded exactly.
 */
static Datum
music_detect_counter_milestones_body(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = statement_trigger_data(fcinfo, "detect_counter_milestones");

	/* a restored dump brings its milestones with it */
	if (hm_loading_copied_rows())
		return PointerGetDatum(NULL);
	connect_with_transition_table(trigdata);
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		Datum		rows = Int64GetDatum(milestone_exact_rows);

		if (run_detection(&gate_passes, &rows) > 0)
			run_count_detection(&detect_gated, &rows);
	}
	else
		run_count_detection(&detect_statement, NULL);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * detect_earnings_milestones(): AFTER INSERT ... FOR EACH STATEMENT trigger
 * on creator_earnings, which close_month() fills once per month.
 */
static Datum
music_detect_earnings_milestones_body(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = statement_trigger_data(fcinfo, "detect_earnings_milestones");

	/* a restored dump brings its milestones with it */
	if (hm_loading_copied_rows())
		return PointerGetDatum(NULL);
	connect_with_transition_table(trigdata);
	run_detection(&detect_earnings, NULL);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * Re-checks every creator with unfolded counter changes; returns the number
 * of milestones fired.  Needs a transaction; used by the worker's sweep.
 */
int64
hm_detect_milestones_all(void)
{
	int64		fired;

	SPI_connect();
	fired = run_count_detection(&detect_unfolded, NULL);
	SPI_finish();
	return fired;
}

/* detect_milestones(): the sweep, callable by hand. */
static Datum
music_detect_milestones_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(hm_detect_milestones_all());
}

/*
 * set_verified(creator_id, verified): gives or removes the verification
 * badge.  The first verification is a milestone (jobs verification and
 * pdp_snapshot); later changes enqueue a verification job alone, so the
 * chain follows the badge.
 */
static Datum
music_set_verified_body(PG_FUNCTION_ARGS)
{
	int64		creator_id = hm_arg_id(fcinfo, 0, "creator_id");
	bool		verified = hm_arg_bool(fcinfo, 1, "verified");
	Datum		values[2];

	SPI_connect();
	hm_require_creator(creator_id);
	values[0] = Int64GetDatum(creator_id);
	values[1] = BoolGetDatum(verified);
	if (hm_exec(&verify_creator, values, NULL, false) > 0)
	{
		int64		fired = 0;

		if (verified)
		{
			hm_exec(&fire_verification, values, NULL, false);
			fired = hm_get_int64(0, 1, NULL);
		}
		if (fired == 0)
			hm_exec(&enqueue_verification_change, values, NULL, false);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * Closes a quarter (connected to SPI): fires the quarter milestone of every
 * creator with counted plays in it.  Returns the number fired.
 */
static int64
close_quarter(DateADT quarter)
{
	Datum		value;
	int			year,
				mon,
				day;
	DateADT		last_month;

	j2date(quarter + POSTGRES_EPOCH_JDATE, &year, &mon, &day);
	last_month = date2j(year, mon + 2, 1) - POSTGRES_EPOCH_JDATE;
	value = DateADTGetDatum(last_month);
	if (hm_exec(&month_is_closed, &value, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("quarter %s cannot close before its last month", hm_iso_date(quarter)),
				 errdetail("Month %s is not closed yet.", hm_iso_date(last_month)),
				 errhint("Close it with music.close_month() first.")));
	value = DateADTGetDatum(quarter);
	if (hm_exec(&insert_closed_quarter, &value, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("quarter %s is already closed", hm_iso_date(quarter))));
	hm_exec(&fire_quarter, &value, NULL, false);
	return hm_get_int64(0, 1, NULL);
}

/*
 * close_quarter(quarter): closes a calendar quarter (UTC) whose last month
 * is closed; returns how many quarter milestones fired.
 */
static Datum
music_close_quarter_body(PG_FUNCTION_ARGS)
{
	DateADT		quarter;
	int			year,
				mon,
				day;
	int64		fired;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("quarter must not be null")));
	quarter = PG_GETARG_DATEADT(0);
	if (DATE_NOT_FINITE(quarter))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quarter must be a finite date")));
	j2date(quarter + POSTGRES_EPOCH_JDATE, &year, &mon, &day);
	if (day != 1 || (mon - 1) % 3 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quarter must be the first day of a quarter, got %s", hm_iso_date(quarter)),
				 errhint("Use date_trunc('quarter', ...)::date.")));

	SPI_connect();
	fired = close_quarter(quarter);
	SPI_finish();
	PG_RETURN_INT64(fired);
}

/*
 * Runs a query listing periods (first column, a date) and returns them,
 * copied out of the SPI result so closing each one may run other queries.
 */
static DateADT *
due_periods(HmQuery *query, Datum *values, uint64 *n)
{
	DateADT    *periods;
	bool		isnull;

	*n = hm_exec(query, values, NULL, false);
	periods = palloc(sizeof(DateADT) * (*n + 1));
	for (uint64 i = 0; i < *n; i++)
		periods[i] = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	return periods;
}

/*
 * Closes one month in a subtransaction: a month that cannot close (say its
 * revenue overflows) is reported and left open, and does not hold back the
 * months after it.  Returns whether it closed.
 */
static bool
close_month_alone(DateADT month)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	Datum		value = DateADTGetDatum(month);
	volatile bool closed = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		hm_exec(&close_month, &value, NULL, false);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("month %s cannot be closed: %s", hm_iso_date(month), edata->message),
				 errhint("The months after it are closed regardless; fix the cause and call music.close_month().")));
		FreeErrorData(edata);
		closed = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return closed;
}

/*
 * Closes the ended months and quarters since calendar.starts that are still
 * open, oldest first and a bounded number per call, so a worker that was
 * down for a long time catches up in steps.  Needs a transaction.
 */
int
hm_close_due_periods(void)
{
	Datum		values[2];
	int			closed = 0;
	uint64		n;
	DateADT    *periods;

	SPI_connect();
	values[0] = Int32GetDatum(month_close_delay_s);
	values[1] = Int32GetDatum(MAX_PERIODS_PER_CALL);
	periods = due_periods(&due_months, values, &n);
	for (uint64 i = 0; i < n; i++)
		if (close_month_alone(periods[i]))
			closed++;

	values[0] = Int32GetDatum(MAX_PERIODS_PER_CALL);
	periods = due_periods(&due_quarters, values, &n);
	for (uint64 i = 0; i < n; i++)
	{
		close_quarter(periods[i]);
		closed++;
	}
	SPI_finish();
	return closed;
}

/* close_due_periods(): the worker's calendar step, callable by hand. */
static Datum
music_close_due_periods_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(hm_close_due_periods());
}
