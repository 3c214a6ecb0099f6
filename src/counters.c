/*
 * counters.c
 *		Statement-level triggers that record counter deltas.
 *
 * One delta row per track/creator touched by a statement, computed from the
 * statement's transition table: a single play adds one row, a batch of a
 * million plays adds one row per track.  Deltas are only ever inserted, so
 * concurrent writers never wait for each other; see 060_counters.sql for how
 * they are read and folded.
 */
#include "postgres.h"

#include "commands/trigger.h"

#include "hybridmusic.h"

PG_FUNCTION_INFO_V1(music_count_events);

/*
 * The delta each event table contributes; %s is the sign, "" or "-".  Likes
 * and comments take their creator from the track.
 */
static const struct
{
	const char *table;
	const char *sql;
}			delta_sql[] = {
	{"plays",
		"INSERT INTO music.counter_deltas (track_id, creator_id, plays, counted_plays) "
		"SELECT track_id, creator_id, %scount(*), %scount(*) FILTER (WHERE counted) "
	"FROM changed GROUP BY track_id, creator_id"},
	{"likes",
		"INSERT INTO music.counter_deltas (track_id, creator_id, likes) "
		"SELECT c.track_id, t.creator_id, %scount(*) "
		"FROM changed c JOIN music.tracks t ON t.id = c.track_id "
	"GROUP BY c.track_id, t.creator_id"},
	{"comments",
		"INSERT INTO music.counter_deltas (track_id, creator_id, comments) "
		"SELECT c.track_id, t.creator_id, %scount(*) "
		"FROM changed c JOIN music.tracks t ON t.id = c.track_id "
	"GROUP BY c.track_id, t.creator_id"},
	{"follows",
		"INSERT INTO music.counter_deltas (creator_id, followers) "
	"SELECT creator_id, %scount(*) FROM changed GROUP BY creator_id"},
};

/*
 * count_events(kind): AFTER INSERT/DELETE ... FOR EACH STATEMENT trigger
 * with the transition table named "changed"; inserts count up, deletes down.
 */
Datum
music_count_events(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *kind;
	const char *sign;
	char	   *sql = NULL;
	int			rc;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		elog(ERROR, "count_events must be an AFTER ... FOR EACH STATEMENT trigger with one argument");

	kind = trigdata->tg_trigger->tgargs[0];
	sign = TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? "-" : "";
	for (size_t i = 0; i < lengthof(delta_sql); i++)
		if (strcmp(delta_sql[i].table, kind) == 0)
			sql = psprintf(delta_sql[i].sql, sign, sign);
	if (sql == NULL)
		elog(ERROR, "count_events: unknown event kind \"%s\"", kind);

	SPI_connect();
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "count_events: cannot register the transition table");
	rc = SPI_execute(sql, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "count_events: SPI_execute failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	return PointerGetDatum(NULL);
}
