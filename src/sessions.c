/*
 * sessions.c
 *		Streaming sessions: a device's listening period, to which plays belong.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_start_session);
HM_FUNCTION(music_end_session);

#define DEVICE_MAX_CHARS 100

static HmQuery insert_session = {
	"INSERT INTO music.sessions (user_id, device) VALUES ($1, $2) RETURNING id",
	2, {INT8OID, TEXTOID}, NULL
};
static HmQuery session_exists = {
	"SELECT 1 FROM music.sessions WHERE id = $1", 1, {INT8OID}, NULL
};
static HmQuery close_session = {
	"UPDATE music.sessions SET ended_at = greatest(now(), started_at) "
	"WHERE id = $1 AND ended_at IS NULL", 1, {INT8OID}, NULL
};

/* start_session(user_id, device): opens a session; returns its id. */
static Datum
music_start_session_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	char	   *device = hm_arg_optional_text(fcinfo, 1, "device", DEVICE_MAX_CHARS);
	Datum		values[2];
	char		nulls[3] = "  ";
	int64		id;

	SPI_connect();
	hm_require_user(user_id);
	values[0] = Int64GetDatum(user_id);
	values[1] = hm_text_or_null(device, &nulls[1]);
	id = hm_insert_returning_id(&insert_session, values, nulls);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/*
 * end_session(session_id): closes a session.  Ending it again is harmless
 * and keeps the first end time, so a client may retry freely.
 */
static Datum
music_end_session_body(PG_FUNCTION_ARGS)
{
	int64		session_id = hm_arg_id(fcinfo, 0, "session_id");
	Datum		value = Int64GetDatum(session_id);

	SPI_connect();
	hm_require_row(&session_exists, session_id, "session");
	hm_exec(&close_session, &value, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}
