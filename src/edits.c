/*
 * edits.c
 *		Edits and deletes: profiles, track metadata and unpublishing,
 *		playlists, and a user's own comments.
 *
 * Counters stay exact without code here: deleting a playlist touches no
 * counter, and deleting a comment sets its deleted_at, which the statement
 * trigger comments_count_soft_delete (100_reads.sql) counts like a delete.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/formatting.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_update_profile);
HM_FUNCTION(music_update_track);
HM_FUNCTION(music_unpublish_track);
HM_FUNCTION(music_update_playlist);
HM_FUNCTION(music_delete_playlist);
HM_FUNCTION(music_edit_comment);
HM_FUNCTION(music_delete_comment);

#define NAME_MAX_CHARS 100
#define TITLE_MAX_CHARS 200
#define GENRE_MAX_CHARS 50
#define CID_MAX_CHARS 200
#define COMMENT_MAX_CHARS 2000

static HmQuery update_user = {
	"UPDATE music.users SET display_name = $2, country = $3, birth_year = $4 "
	"WHERE id = $1 AND erased_at IS NULL", 4, {INT8OID, TEXTOID, TEXTOID, INT4OID}, NULL
};
static HmQuery update_track = {
	"WITH t AS (UPDATE music.tracks SET title = $2, genre = $3, artwork_cid = $4 "
	"           WHERE id = $1 RETURNING id, genre) "
	"UPDATE music.trending_tracks r SET genre = t.genre FROM t WHERE r.track_id = t.id",
	4, {INT8OID, TEXTOID, TEXTOID, TEXTOID}, NULL
};
static HmQuery unpublish_track = {
	"UPDATE music.tracks SET unpublished_at = now() WHERE id = $1 AND unpublished_at IS NULL",
	1, {INT8OID}, NULL
};
static HmQuery track_exists = {
	"SELECT 1 FROM music.tracks WHERE id = $1", 1, {INT8OID}, NULL
};
static HmQuery update_playlist = {
	"UPDATE music.playlists SET title = coalesce($2, title), is_public = coalesce($3, is_public), "
	"updated_at = now() WHERE id = $1", 3, {INT8OID, TEXTOID, BOOLOID}, NULL
};
static HmQuery delete_playlist = {
	"WITH entries AS (DELETE FROM music.playlist_tracks WHERE playlist_id = $1) "
	"DELETE FROM music.playlists WHERE id = $1", 1, {INT8OID}, NULL
};
static HmQuery lock_comment = {
	"SELECT user_id, deleted_at IS NOT NULL FROM music.comments WHERE id = $1 FOR UPDATE",
	1, {INT8OID}, NULL
};
static HmQuery edit_comment = {
	"UPDATE music.comments SET body = $2, edited_at = now() WHERE id = $1", 2, {INT8OID, TEXTOID}, NULL
};
static HmQuery delete_comment = {
	"UPDATE music.comments SET body = NULL, deleted_at = now() WHERE id = $1", 1, {INT8OID}, NULL
};

/*
 * update_profile(user_id, display_name, country, birth_year): replaces the
 * user's editable profile; NULL clears a field.
 */
static Datum
music_update_profile_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	char	   *display_name = hm_arg_optional_text(fcinfo, 1, "display_name", NAME_MAX_CHARS);
	char	   *country = hm_arg_country(fcinfo, 2);
	Datum		values[4];
	char		nulls[5] = "    ";

	if (!PG_ARGISNULL(3))
		hm_check_birth_year(PG_GETARG_INT32(3));

	SPI_connect();
	hm_require_user(user_id);
	values[0] = Int64GetDatum(user_id);
	values[1] = hm_text_or_null(display_name, &nulls[1]);
	values[2] = hm_text_or_null(country, &nulls[2]);
	values[3] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	nulls[3] = PG_ARGISNULL(3) ? 'n' : ' ';
	hm_exec(&update_user, values, nulls, false);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * update_track(track_id, title, genre, artwork_cid): replaces a published
 * track's metadata; NULL clears genre or artwork.  Audio is not editable:
 * new audio is a new track.
 */
static Datum
music_update_track_body(PG_FUNCTION_ARGS)
{
	int64		track_id = hm_arg_id(fcinfo, 0, "track_id");
	char	   *title = hm_arg_text(fcinfo, 1, "title", TITLE_MAX_CHARS);
	char	   *genre = hm_arg_optional_text(fcinfo, 2, "genre", GENRE_MAX_CHARS);
	char	   *artwork_cid = hm_arg_optional_text(fcinfo, 3, "artwork_cid", CID_MAX_CHARS);
	Datum		values[4];
	char		nulls[5] = "    ";

	if (genre)
		genre = str_tolower(genre, strlen(genre), DEFAULT_COLLATION_OID);
	if (artwork_cid)
		hm_check_cid(artwork_cid, "artwork_cid");

	SPI_connect();
	hm_require_track(track_id);
	values[0] = Int64GetDatum(track_id);
	values[1] = CStringGetTextDatum(title);
	values[2] = hm_text_or_null(genre, &nulls[2]);
	values[3] = hm_text_or_null(artwork_cid, &nulls[3]);
	hm_exec(&update_track, values, nulls, false);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * unpublish_track(track_id): takes a track off the platform; true when it
 * was published.  Its plays, earnings and chart history stay; reads,
 * search and new likes, comments and playlist entries no longer see it.
 */
static Datum
music_unpublish_track_body(PG_FUNCTION_ARGS)
{
	int64		track_id = hm_arg_id(fcinfo, 0, "track_id");
	Datum		value = Int64GetDatum(track_id);
	bool		changed;

	SPI_connect();
	hm_require_row(&track_exists, track_id, "track");
	changed = hm_exec(&unpublish_track, &value, NULL, false) > 0;
	SPI_finish();
	PG_RETURN_BOOL(changed);
}

/*
 * update_playlist(playlist_id, title, is_public): renames a playlist and/or
 * changes its visibility; NULL leaves that field as it is.
 */
static Datum
music_update_playlist_body(PG_FUNCTION_ARGS)
{
	int64		playlist_id = hm_arg_id(fcinfo, 0, "playlist_id");
	char	   *title = hm_arg_optional_text(fcinfo, 1, "title", TITLE_MAX_CHARS);
	Datum		values[3];
	char		nulls[4] = "   ";

	values[0] = Int64GetDatum(playlist_id);
	values[1] = hm_text_or_null(title, &nulls[1]);
	values[2] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	nulls[2] = PG_ARGISNULL(2) ? 'n' : ' ';

	SPI_connect();
	if (hm_exec(&update_playlist, values, nulls, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("playlist " INT64_FORMAT " does not exist", playlist_id)));
	SPI_finish();
	PG_RETURN_VOID();
}

/* delete_playlist(playlist_id): deletes a playlist and its entries. */
static Datum
music_delete_playlist_body(PG_FUNCTION_ARGS)
{
	int64		playlist_id = hm_arg_id(fcinfo, 0, "playlist_id");
	Datum		value = Int64GetDatum(playlist_id);

	SPI_connect();
	if (hm_exec(&delete_playlist, &value, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("playlist " INT64_FORMAT " does not exist", playlist_id)));
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * Locks a comment and checks that user_id wrote it; returns whether it is
 * already deleted.
 */
static bool
lock_own_comment(int64 user_id, int64 comment_id)
{
	Datum		value = Int64GetDatum(comment_id);

	hm_require_user(user_id);
	if (hm_exec(&lock_comment, &value, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("comment " INT64_FORMAT " does not exist", comment_id)));
	if (hm_get_int64(0, 1, NULL) != user_id)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("comment " INT64_FORMAT " is not user " INT64_FORMAT "'s", comment_id, user_id),
				 errdetail("Users may edit and delete only their own comments.")));
	return hm_get_bool(0, 2);
}

/* edit_comment(user_id, comment_id, body): replaces the text of one's comment. */
static Datum
music_edit_comment_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	int64		comment_id = hm_arg_id(fcinfo, 1, "comment_id");
	char	   *body = hm_arg_text(fcinfo, 2, "body", COMMENT_MAX_CHARS);
	Datum		values[2];

	SPI_connect();
	if (lock_own_comment(user_id, comment_id))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("comment " INT64_FORMAT " is deleted", comment_id)));
	values[0] = Int64GetDatum(comment_id);
	values[1] = CStringGetTextDatum(body);
	hm_exec(&edit_comment, values, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * delete_comment(user_id, comment_id): removes the text of one's comment;
 * true unless it was already deleted.  The row stays as a placeholder so
 * that its replies keep their thread.
 */
static Datum
music_delete_comment_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	int64		comment_id = hm_arg_id(fcinfo, 1, "comment_id");
	Datum		value = Int64GetDatum(comment_id);
	bool		changed = false;

	SPI_connect();
	if (!lock_own_comment(user_id, comment_id))
	{
		hm_exec(&delete_comment, &value, NULL, false);
		changed = true;
	}
	SPI_finish();
	PG_RETURN_BOOL(changed);
}
