/*
 * counters.c
 *		Statement-level triggers that record counter deltas.
 *
 * One delta row per track/creator touched by a statement, computed from the
 * statement's transition table: a single play adds one row, a batch of a
 * million plays adds one row per track.  Deltas are only ever inserted, so
 * concurrent writers never wait for each other; see 060_counters.sql for how
 * they are read and folded.  The same statement logs each event for
 * refresh_analytics() (071_analytics.sql), except a single play's: its delta
 * row carries the event (user_id, at, country), and fold_counters() appends
 * it to analytics_events, so a play appends one row, not two.
 */
#include "postgres.h"

#include "commands/trigger.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_count_events);

/*
 * The statement each event table runs: one insert into counter_deltas and,
 * in the same statement, one analytics_events row per changed row.  %1$s is
 * the sign ("" or "-"), %2$s the time the event counts at: the row's
 * created_at for an insert; for a delete, the platform clock
 * (music.as_of()) for follows, but the created_at of the like or comment
 * withdrawn, so that its trending points leave with the same decay they came
 * with (an unlike on a later day would otherwise leave the track below
 * tracks nobody touched).  Likes and comments take their creator from the
 * track.  Plans are prepared on first use and kept: a trigger
 * that parsed and planned its statement on every play would cost record_play
 * more than the insert itself.
 */
static struct
{
	const char *table;
	const char *sql;
	bool		withdraw_at_creation;	/* a delete counts at the row's created_at */
	SPIPlanPtr	plans[2];		/* kept plans: [0] inserts, [1] deletes */
}			delta_sql[] = {
	{"plays",
		"WITH one AS (SELECT count(*) = 1 AS play FROM changed), "
		"events AS (INSERT INTO music.analytics_events "
		"(kind, user_id, track_id, creator_id, at, delta, counted, country) "
		"SELECT 'play', user_id, track_id, creator_id, played_at, 1, counted, country FROM changed "
		"WHERE NOT (SELECT play FROM one)) "
		"INSERT INTO music.counter_deltas (track_id, creator_id, plays, counted_plays, user_id, at, country) "
		"SELECT track_id, creator_id, %1$scount(*), %1$scount(*) FILTER (WHERE counted), "
		"CASE WHEN (SELECT play FROM one) THEN min(user_id) END, "
		"CASE WHEN (SELECT play FROM one) THEN min(played_at) END, "
		"CASE WHEN (SELECT play FROM one) THEN min(country) END "
	"FROM changed GROUP BY track_id, creator_id", false, {NULL, NULL}},
	{"likes",
		"WITH c AS (SELECT c.user_id, c.track_id, t.creator_id, %2$s AS at "
		"FROM changed c JOIN music.tracks t ON t.id = c.track_id), "
		"events AS (INSERT INTO music.analytics_events (kind, user_id, track_id, creator_id, at, delta) "
		"SELECT 'like', user_id, track_id, creator_id, at, %1$s1 FROM c) "
		"INSERT INTO music.counter_deltas (track_id, creator_id, likes) "
		"SELECT track_id, creator_id, %1$scount(*) FROM c GROUP BY track_id, creator_id", true, {NULL, NULL}},
	{"comments",
		"WITH c AS (SELECT c.user_id, c.track_id, t.creator_id, %2$s AS at "
		"FROM changed c JOIN music.tracks t ON t.id = c.track_id), "
		"events AS (INSERT INTO music.analytics_events (kind, user_id, track_id, creator_id, at, delta) "
		"SELECT 'comment', user_id, track_id, creator_id, at, %1$s1 FROM c) "
		"INSERT INTO music.counter_deltas (track_id, creator_id, comments) "
		"SELECT track_id, creator_id, %1$scount(*) FROM c GROUP BY track_id, creator_id", true, {NULL, NULL}},
	{"follows",
		"WITH events AS (INSERT INTO music.analytics_events (kind, user_id, creator_id, at, delta) "
		"SELECT 'follow', user_id, creator_id, %2$s, %1$s1 FROM changed) "
		"INSERT INTO music.counter_deltas (creator_id, followers) "
	"SELECT creator_id, %1$scount(*) FROM changed GROUP BY creator_id", false, {NULL, NULL}},
};

/*
 * count_events(kind): AFTER INSERT/DELETE ... FOR EACH STATEMENT trigger
 * with the transition table named "changed"; inserts count up, deletes down.
 */
static Datum
music_count_events_body(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *kind;
	bool		deleting;
	int			entry = -1;
	SPIPlanPtr *plan;
	int			rc;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		elog(ERROR, "count_events must be an AFTER ... FOR EACH STATEMENT trigger with one argument");
	if (hm_loading_copied_rows())
		return PointerGetDatum(NULL);

	kind = trigdata->tg_trigger->tgargs[0];
	deleting = TRIGGER_FIRED_BY_DELETE(trigdata->tg_event);
	for (size_t i = 0; i < lengthof(delta_sql) && entry < 0; i++)
		if (strcmp(delta_sql[i].table, kind) == 0)
			entry = i;
	if (entry < 0)
		elog(ERROR, "count_events: unknown event kind \"%s\"", kind);

	SPI_connect();
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "count_events: cannot register the transition table");
	plan = &delta_sql[entry].plans[deleting ? 1 : 0];
	if (*plan == NULL)
	{
		char	   *sql = psprintf(delta_sql[entry].sql, deleting ? "-" : "",
								   deleting && !delta_sql[entry].withdraw_at_creation ? "music.as_of()" : "created_at");
		SPIPlanPtr	prepared = SPI_prepare(sql, 0, NULL);

		if (prepared == NULL)
			elog(ERROR, "count_events: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(prepared);
		*plan = prepared;
	}
	rc = SPI_execute_plan(*plan, NULL, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "count_events: SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	return PointerGetDatum(NULL);
}
