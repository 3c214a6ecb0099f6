/*
 * playlists.c
 *		Playlists: ordered track lists with positions 1..n and no gaps.
 *
 * Every edit locks the playlist row first, so concurrent edits of one
 * playlist apply one after the other and positions stay dense.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_create_playlist);
HM_FUNCTION(music_playlist_add);
HM_FUNCTION(music_playlist_remove);
HM_FUNCTION(music_playlist_move);

#define TITLE_MAX_CHARS 200
#define PLAYLIST_MAX_TRACKS 10000

static HmQuery insert_playlist = {
	"INSERT INTO music.playlists (user_id, title, is_public) VALUES ($1, $2, $3) RETURNING id",
	3, {INT8OID, TEXTOID, BOOLOID}, NULL
};
static HmQuery lock_playlist = {
	"UPDATE music.playlists SET updated_at = now() WHERE id = $1", 1, {INT8OID}, NULL
};
static HmQuery playlist_length = {
	"SELECT count(*) FROM music.playlist_tracks WHERE playlist_id = $1", 1, {INT8OID}, NULL
};
static HmQuery open_gap = {
	"UPDATE music.playlist_tracks SET position = position + 1 "
	"WHERE playlist_id = $1 AND position >= $2", 2, {INT8OID, INT4OID}, NULL
};
static HmQuery insert_entry = {
	"INSERT INTO music.playlist_tracks (playlist_id, position, track_id) VALUES ($1, $2, $3)",
	3, {INT8OID, INT4OID, INT8OID}, NULL
};
static HmQuery delete_entry = {
	"DELETE FROM music.playlist_tracks WHERE playlist_id = $1 AND position = $2",
	2, {INT8OID, INT4OID}, NULL
};
static HmQuery close_gap = {
	"UPDATE music.playlist_tracks SET position = position - 1 "
	"WHERE playlist_id = $1 AND position > $2", 2, {INT8OID, INT4OID}, NULL
};
static HmQuery move_entry = {
	"UPDATE music.playlist_tracks SET position = CASE "
	"WHEN position = $2 THEN $3 WHEN $2 < $3 THEN position - 1 ELSE position + 1 END "
	"WHERE playlist_id = $1 AND position BETWEEN least($2, $3) AND greatest($2, $3)",
	3, {INT8OID, INT4OID, INT4OID}, NULL
};

/*
 * Locks a playlist for editing (marking it updated) and returns how many
 * entries it has, as seen after the lock.
 */
static int32
lock_and_count(int64 playlist_id)
{
	Datum		value = Int64GetDatum(playlist_id);

	if (hm_exec(&lock_playlist, &value, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("playlist " INT64_FORMAT " does not exist", playlist_id)));
	hm_exec(&playlist_length, &value, NULL, false);
	return (int32) hm_get_int64(0, 1, NULL);
}

/* Checks that position names an existing entry of a playlist of length n. */
static void
check_position(const char *name, int32 position, int32 n, int64 playlist_id)
{
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("playlist " INT64_FORMAT " is empty", playlist_id)));
	hm_check_range(name, position, 1, n);
}

/* create_playlist(user_id, title, is_public): a new, empty playlist. */
static Datum
music_create_playlist_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	char	   *title = hm_arg_text(fcinfo, 1, "title", TITLE_MAX_CHARS);
	bool		is_public = hm_arg_bool(fcinfo, 2, "is_public");
	Datum		values[3];
	int64		id;

	SPI_connect();
	hm_require_user(user_id);
	values[0] = Int64GetDatum(user_id);
	values[1] = CStringGetTextDatum(title);
	values[2] = BoolGetDatum(is_public);
	id = hm_insert_returning_id(&insert_playlist, values, NULL);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/*
 * playlist_add(playlist_id, track_id, position): inserts a track at a
 * position (1 = first), shifting later entries; appends when position is NULL.
 */
static Datum
music_playlist_add_body(PG_FUNCTION_ARGS)
{
	int64		playlist_id = hm_arg_id(fcinfo, 0, "playlist_id");
	int64		track_id = hm_arg_id(fcinfo, 1, "track_id");
	int32		n;
	int32		position;
	Datum		values[3];

	SPI_connect();
	hm_require_track(track_id);
	n = lock_and_count(playlist_id);
	if (n >= PLAYLIST_MAX_TRACKS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("playlist " INT64_FORMAT " is full", playlist_id),
				 errdetail("A playlist holds at most %d tracks.", PLAYLIST_MAX_TRACKS)));
	position = PG_ARGISNULL(2) ? n + 1 : PG_GETARG_INT32(2);
	hm_check_range("position", position, 1, n + 1);

	values[0] = Int64GetDatum(playlist_id);
	values[1] = Int32GetDatum(position);
	values[2] = Int64GetDatum(track_id);
	if (position <= n)
		hm_exec(&open_gap, values, NULL, false);
	hm_exec(&insert_entry, values, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}

/* playlist_remove(playlist_id, position): removes one entry, closing the gap. */
static Datum
music_playlist_remove_body(PG_FUNCTION_ARGS)
{
	int64		playlist_id = hm_arg_id(fcinfo, 0, "playlist_id");
	int32		position = hm_arg_int(fcinfo, 1, "position");
	Datum		values[2];

	SPI_connect();
	check_position("position", position, lock_and_count(playlist_id), playlist_id);
	values[0] = Int64GetDatum(playlist_id);
	values[1] = Int32GetDatum(position);
	hm_exec(&delete_entry, values, NULL, false);
	hm_exec(&close_gap, values, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * playlist_move(playlist_id, from_position, to_position): moves one entry,
 * shifting the entries between the two positions by one.
 */
static Datum
music_playlist_move_body(PG_FUNCTION_ARGS)
{
	int64		playlist_id = hm_arg_id(fcinfo, 0, "playlist_id");
	int32		from = hm_arg_int(fcinfo, 1, "from_position");
	int32		to = hm_arg_int(fcinfo, 2, "to_position");
	int32		n;
	Datum		values[3];

	SPI_connect();
	n = lock_and_count(playlist_id);
	check_position("from_position", from, n, playlist_id);
	check_position("to_position", to, n, playlist_id);
	values[0] = Int64GetDatum(playlist_id);
	values[1] = Int32GetDatum(from);
	values[2] = Int32GetDatum(to);
	if (from != to)
		hm_exec(&move_entry, values, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}
