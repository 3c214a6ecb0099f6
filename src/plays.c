/*
 * plays.c
 *		record_play: stores every play and decides whether it counts.
 *
 * A play counts when it is long enough (ms_played >= least(min play length,
 * track duration)), when the same user has no other counted play closer in
 * time than that length (nobody listens to two tracks at once), and when no
 * hour around it would hold more than music.ip_hourly_limit counted plays
 * from its client address (IPv6: its /64), in whatever order the plays
 * arrive.  A play that does not count is kept
 * with its reason, so raw and chart-eligible figures both exist.
 *
 * The two history checks take a transaction-scoped lock on the user and on
 * the IP first (play_locks.c), so concurrent plays by one user or from one
 * address are judged one after the other and never both slip under a limit.
 * Locks are per user and per address, so a viral track is no hot spot, and
 * a transaction of any size holds a bounded number of them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "datasafety.h"
#include "hybridmusic.h"
#include "play_locks.h"
#include "track_facts.h"

HM_FUNCTION(music_record_play);

/* How far ahead of the server clock a client may date a play. */
#define MAX_CLOCK_SKEW_MS (5 * 60 * 1000)
#define SOURCE_MAX_CHARS 50

static int	min_play_ms = 30000;
static int	ip_hourly_limit = 120;

static HmQuery session_owner = {
	"SELECT user_id, ended_at IS NOT NULL FROM music.sessions WHERE id = $1", 1, {INT8OID}, NULL
};
/*
 * The salted hash of a client address, normalised first: an IPv4-mapped IPv6
 * address is its IPv4 address, and an IPv6 address stands for its /64 (one
 * client usually holds a whole /64 and could otherwise rotate through it).
 */
static HmQuery ip_hash = {
	"SELECT sha256(s.salt || convert_to(CASE"
	"  WHEN family($1) = 4 THEN host($1)"
	"  WHEN $1 << inet '::ffff:0.0.0.0/96' THEN host(inet '0.0.0.0' + ($1 - inet '::ffff:0.0.0.0'))"
	"  ELSE text(network(set_masklen($1, 64))) END, 'UTF8')) FROM music.ip_salt s",
	1, {INETOID}, NULL
};
static HmQuery overlapping_play = {
	"SELECT 1 FROM music.plays WHERE user_id = $1 AND counted "
	"AND played_at > $2 - $3::float8 * interval '1 millisecond' "
	"AND played_at < $2 + $3::float8 * interval '1 millisecond' LIMIT 1",
	3, {INT8OID, TIMESTAMPTZOID, INT4OID}, NULL
};
/*
 * The most counted plays from the address, this one included, in any hour
 * (a window (e - 1 hour, e]) that contains this play, whatever order the
 * plays were reported in: the windows that end at this play or at a later
 * play less than an hour after it.
 */
static HmQuery ip_plays_busiest_hour = {
	"SELECT coalesce(max(n), 0) FROM ("
	"  SELECT at, count(*) OVER (ORDER BY at RANGE BETWEEN interval '1 hour' - interval '1 microsecond'"
	"                            PRECEDING AND CURRENT ROW) AS n"
	"  FROM (SELECT played_at AS at FROM music.plays WHERE ip_hash = $1 AND counted"
	"          AND played_at > $2 - interval '1 hour' AND played_at < $2 + interval '1 hour'"
	"        UNION ALL SELECT $2) plays_around"
	") hours WHERE at >= $2",
	2, {BYTEAOID, TIMESTAMPTZOID}, NULL
};
/* Stores the play only when the user exists: one statement for both. */
static HmQuery insert_play = {
	"INSERT INTO music.plays (user_id, track_id, creator_id, played_at, ms_played, source, "
	"country, session_id, ip_hash, counted, not_counted_reason) "
	"SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 "
	"WHERE EXISTS (SELECT 1 FROM music.users WHERE id = $1)",
	11, {INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID, INT4OID, TEXTOID, TEXTOID, INT8OID,
	BYTEAOID, BOOLOID, TEXTOID}, NULL
};

/* Registers the play-counting settings. */
void
PlaysInit(void)
{
	DefineCustomIntVariable("music.min_play_ms",
							"Minimum listening time for a play to count, in milliseconds.",
							"Tracks shorter than this count when played in full. Also the "
							"minimum gap between two counted plays of one user.",
							&min_play_ms, 30000, 1000, 600000,
							PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("music.ip_hourly_limit",
							"Maximum counted plays per client IP address (IPv6: per /64) in any hour; 0 disables the limit.",
							NULL,
							&ip_hourly_limit, 120, 0, 1000000,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

/*
 * Checks that a session exists, belongs to the user and is still open.
 */
static void
check_session(int64 session_id, int64 user_id)
{
	Datum		value = Int64GetDatum(session_id);

	if (hm_exec(&session_owner, &value, NULL, true) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("session " INT64_FORMAT " does not exist", session_id)));
	if (hm_get_int64(0, 1, NULL) != user_id)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("session " INT64_FORMAT " belongs to another user", session_id)));
	if (hm_get_bool(0, 2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("session " INT64_FORMAT " has ended", session_id),
				 errhint("Start a new session with music.start_session().")));
}

/*
 * Returns NULL when the play counts, else the reason it does not.  Runs
 * after all validation, and takes the user and IP locks it needs.
 */
static const char *
judge_play(int64 user_id, Datum played_at, int32 ms_played, int32 duration_ms,
		   Datum ip_hash_value, bool has_ip)
{
	int32		min_ms = Min(min_play_ms, duration_ms);
	Datum		values[3];

	if (ms_played < min_ms)
		return "too_short";

	hm_lock_play_key(HM_PLAY_LOCK_USER, user_id);
	values[0] = Int64GetDatum(user_id);
	values[1] = played_at;
	values[2] = Int32GetDatum(min_ms);
	if (hm_exec_latest(&overlapping_play, values, NULL) > 0)
		return "overlap";

	if (has_ip && ip_hourly_limit > 0)
	{
		bytea	   *hash = DatumGetByteaPP(ip_hash_value);
		int64		key;

		memcpy(&key, VARDATA_ANY(hash), sizeof(key));
		hm_lock_play_key(HM_PLAY_LOCK_IP, key);
		values[0] = ip_hash_value;
		hm_exec_latest(&ip_plays_busiest_hour, values, NULL);
		if (hm_get_int64(0, 1, NULL) > ip_hourly_limit)
			return "ip_limit";
	}
	return NULL;
}

/*
 * record_play(user_id, track_id, ms_played, played_at, source, country,
 * client_ip, session_id): stores the play; returns whether it counts.
 */
static Datum
music_record_play_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	int64		track_id = hm_arg_id(fcinfo, 1, "track_id");
	int32		ms_played = hm_arg_int(fcinfo, 2, "ms_played");
	TimestampTz played_at;
	char	   *source = hm_arg_optional_text(fcinfo, 4, "source", SOURCE_MAX_CHARS);
	char	   *country = hm_arg_country(fcinfo, 5);
	bool		has_ip = !PG_ARGISNULL(6);
	int64		session_id = 0;
	bool		has_session = hm_arg_optional_id(fcinfo, 7, "session_id", &session_id);
	int32		duration_ms;
	int64		creator_id;
	Datum		hash = (Datum) 0;
	const char *reason;
	Datum		values[11];
	char		nulls[12] = "           ";

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("played_at must not be null"),
				 errhint("Omit it to record the play at the current time.")));
	played_at = PG_GETARG_TIMESTAMPTZ(3);
	if (TIMESTAMP_NOT_FINITE(played_at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("played_at must be a finite timestamp")));
	if (played_at < HM_EARLIEST_PLAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("played_at must not be before " HM_EARLIEST_PLAY_TEXT)));
	if (played_at > TimestampTzPlusMilliseconds(hm_as_of(), MAX_CLOCK_SKEW_MS))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("played_at %s is in the future", timestamptz_to_str(played_at))));
	if (ms_played < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ms_played must not be negative, got %d", ms_played)));

	SPI_connect();
	if (!hm_track_facts(track_id, &duration_ms, &creator_id))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("track " INT64_FORMAT " does not exist", track_id)));
	if (ms_played > duration_ms)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ms_played %d exceeds the duration of track " INT64_FORMAT " (%d ms)",
						ms_played, track_id, duration_ms),
				 errhint("Report each listen of a track as its own play.")));
	if (has_session)
		check_session(session_id, user_id);
	if (has_ip)
	{
		bool		isnull;

		values[0] = PG_GETARG_DATUM(6);
		if (hm_exec(&ip_hash, values, NULL, true) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("music.ip_salt must hold exactly one row"),
					 errhint("A superuser restores it with INSERT INTO music.ip_salt DEFAULT VALUES.")));
		hash = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		hash = PointerGetDatum(PG_DETOAST_DATUM_COPY(hash));
	}

	reason = judge_play(user_id, TimestampTzGetDatum(played_at), ms_played, duration_ms,
						hash, has_ip);

	values[0] = Int64GetDatum(user_id);
	values[1] = Int64GetDatum(track_id);
	values[2] = Int64GetDatum(creator_id);
	values[3] = TimestampTzGetDatum(played_at);
	values[4] = Int32GetDatum(ms_played);
	values[5] = hm_text_or_null(source, &nulls[5]);
	values[6] = hm_text_or_null(country, &nulls[6]);
	values[7] = Int64GetDatum(session_id);
	nulls[7] = has_session ? ' ' : 'n';
	values[8] = hash;
	nulls[8] = has_ip ? ' ' : 'n';
	values[9] = BoolGetDatum(reason == NULL);
	values[10] = hm_text_or_null(reason, &nulls[10]);
	if (hm_exec(&insert_play, values, nulls, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("user " INT64_FORMAT " does not exist", user_id)));
	SPI_finish();
	PG_RETURN_BOOL(reason == NULL);
}
