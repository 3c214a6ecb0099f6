/*
 * social.c
 *		Likes, follows and comments.
 *
 * Likes and follows are current state: repeating one is harmless and the
 * functions say whether anything changed.  Their counters are kept by the
 * statement triggers of counters.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_like_track);
HM_FUNCTION(music_unlike_track);
HM_FUNCTION(music_follow);
HM_FUNCTION(music_unfollow);
HM_FUNCTION(music_add_comment);

#define COMMENT_MAX_CHARS 2000

static HmQuery insert_like = {
	"INSERT INTO music.likes (user_id, track_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
	2, {INT8OID, INT8OID}, NULL
};
static HmQuery delete_like = {
	"DELETE FROM music.likes WHERE user_id = $1 AND track_id = $2", 2, {INT8OID, INT8OID}, NULL
};
static HmQuery insert_follow = {
	"INSERT INTO music.follows (user_id, creator_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
	2, {INT8OID, INT8OID}, NULL
};
static HmQuery delete_follow = {
	"DELETE FROM music.follows WHERE user_id = $1 AND creator_id = $2", 2, {INT8OID, INT8OID}, NULL
};
static HmQuery comment_track = {
	"SELECT track_id FROM music.comments WHERE id = $1", 1, {INT8OID}, NULL
};
static HmQuery insert_comment = {
	"INSERT INTO music.comments (user_id, track_id, body, parent_id, at_ms) "
	"VALUES ($1, $2, $3, $4, $5) RETURNING id",
	5, {INT8OID, INT8OID, TEXTOID, INT8OID, INT4OID}, NULL
};

/*
 * Checks that a creator exists and that user_id is not the creator's own
 * user, since following oneself would inflate one's own milestones.
 */
static void
require_followable(int64 user_id, int64 creator_id)
{
	if (hm_require_creator(creator_id) == user_id)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a creator cannot follow themself"),
				 errdetail("User " INT64_FORMAT " owns creator " INT64_FORMAT ".", user_id, creator_id)));
}

/*
 * Shared body of the four pair functions: validates both ids, runs the
 * change and returns whether a row was inserted or deleted.
 */
static bool
change_pair(FunctionCallInfo fcinfo, const char *other_name, bool is_follow, HmQuery *change)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	int64		other_id = hm_arg_id(fcinfo, 1, other_name);
	Datum		values[2];
	bool		changed;

	SPI_connect();
	hm_require_user(user_id);
	if (is_follow)
		require_followable(user_id, other_id);
	else
		hm_require_track(other_id);
	values[0] = Int64GetDatum(user_id);
	values[1] = Int64GetDatum(other_id);
	changed = hm_exec(change, values, NULL, false) > 0;
	SPI_finish();
	return changed;
}

/* like_track(user_id, track_id): true when the like is new. */
static Datum
music_like_track_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(change_pair(fcinfo, "track_id", false, &insert_like));
}

/* unlike_track(user_id, track_id): true when a like was removed. */
static Datum
music_unlike_track_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(change_pair(fcinfo, "track_id", false, &delete_like));
}

/* follow(user_id, creator_id): true when the follow is new. */
static Datum
music_follow_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(change_pair(fcinfo, "creator_id", true, &insert_follow));
}

/* unfollow(user_id, creator_id): true when a follow was removed. */
static Datum
music_unfollow_body(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(change_pair(fcinfo, "creator_id", true, &delete_follow));
}

/*
 * add_comment(user_id, track_id, body, parent_id, at_ms): a comment, a
 * reply to another comment on the same track, and/or one pinned to a
 * position within the track.
 */
static Datum
music_add_comment_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	int64		track_id = hm_arg_id(fcinfo, 1, "track_id");
	char	   *body = hm_arg_text(fcinfo, 2, "body", COMMENT_MAX_CHARS);
	int64		parent_id = 0;
	bool		has_parent = hm_arg_optional_id(fcinfo, 3, "parent_id", &parent_id);
	bool		has_at = !PG_ARGISNULL(4);
	int32		duration_ms;
	Datum		values[5];
	char		nulls[6] = "     ";
	int64		id;

	SPI_connect();
	hm_require_user(user_id);
	duration_ms = hm_require_track(track_id);
	if (has_at)
		hm_check_range("at_ms", PG_GETARG_INT32(4), 0, duration_ms);
	if (has_parent)
	{
		hm_require_row(&comment_track, parent_id, "comment");
		if (hm_get_int64(0, 1, NULL) != track_id)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("comment " INT64_FORMAT " is on another track", parent_id),
					 errdetail("A reply must be on the same track as the comment it answers.")));
	}
	values[0] = Int64GetDatum(user_id);
	values[1] = Int64GetDatum(track_id);
	values[2] = CStringGetTextDatum(body);
	values[3] = Int64GetDatum(parent_id);
	nulls[3] = has_parent ? ' ' : 'n';
	values[4] = has_at ? PG_GETARG_DATUM(4) : (Datum) 0;
	nulls[4] = has_at ? ' ' : 'n';
	id = hm_insert_returning_id(&insert_comment, values, nulls);
	SPI_finish();
	PG_RETURN_INT64(id);
}
