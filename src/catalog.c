/*
 * catalog.c
 *		Users, creator profiles and tracks.
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/formatting.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_create_user);
HM_FUNCTION(music_create_creator);
HM_FUNCTION(music_publish_track);

#define HANDLE_MIN_CHARS 3
#define HANDLE_MAX_CHARS 30
/* Longest invalid handle that an error message repeats. */
#define HANDLE_ECHO_MAX_CHARS 100
#define NAME_MAX_CHARS 100
#define TITLE_MAX_CHARS 200
#define GENRE_MAX_CHARS 50
#define CID_MAX_CHARS 200
#define TRACK_MIN_MS 1000
#define TRACK_MAX_MS (24 * 60 * 60 * 1000)

static HmQuery handle_taken = {
	"SELECT 1 FROM music.users WHERE lower(handle) = lower($1)", 1, {TEXTOID}, NULL
};
static HmQuery insert_user = {
	"INSERT INTO music.users (handle, display_name, country, birth_year) "
	"VALUES ($1, $2, $3, $4) RETURNING id", 4, {TEXTOID, TEXTOID, TEXTOID, INT4OID}, NULL
};
static HmQuery creator_of_user = {
	"SELECT id FROM music.creators WHERE user_id = $1", 1, {INT8OID}, NULL
};
static HmQuery insert_creator = {
	"INSERT INTO music.creators (user_id, name) VALUES ($1, $2) RETURNING id",
	2, {INT8OID, TEXTOID}, NULL
};
static HmQuery insert_track = {
	"INSERT INTO music.tracks (creator_id, title, duration_ms, genre, audio_cid, artwork_cid) "
	"VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	6, {INT8OID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID}, NULL
};

/* Raises an error unless handle (trimmed) is 3 to 30 characters of [A-Za-z0-9_]. */
static void
check_handle(const char *handle)
{
	size_t		len = strlen(handle);
	const char *c;

	for (c = handle; *c; c++)
		if (!isalnum((unsigned char) *c) && *c != '_')
			break;
	/* a long handle is not repeated: errors reach the client and the log */
	if (*c != '\0' || len < HANDLE_MIN_CHARS || len > HANDLE_MAX_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 len > HANDLE_ECHO_MAX_CHARS ?
				 errmsg("invalid handle of %zu bytes", len) :
				 errmsg("invalid handle \"%s\"", handle),
				 errdetail("A handle is %d to %d characters from A-Z, a-z, 0-9 and underscore.",
						   HANDLE_MIN_CHARS, HANDLE_MAX_CHARS)));
}

/*
 * create_user(handle, display_name, country, birth_year): registers a user;
 * handles are unique regardless of case.
 */
static Datum
music_create_user_body(PG_FUNCTION_ARGS)
{
	char	   *handle;
	char	   *display_name;
	char	   *country;
	Datum		values[4];
	char		nulls[5] = "    ";
	int64		id;

	handle = hm_arg_text(fcinfo, 0, "handle", PG_INT32_MAX);
	check_handle(handle);
	display_name = hm_arg_optional_text(fcinfo, 1, "display_name", NAME_MAX_CHARS);
	country = hm_arg_country(fcinfo, 2);
	if (!PG_ARGISNULL(3))
		hm_check_birth_year(PG_GETARG_INT32(3));

	SPI_connect();
	values[0] = CStringGetTextDatum(handle);
	if (hm_exec(&handle_taken, values, NULL, true) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("handle \"%s\" is already taken", handle),
				 errdetail("Handles are unique regardless of case.")));
	values[1] = hm_text_or_null(display_name, &nulls[1]);
	values[2] = hm_text_or_null(country, &nulls[2]);
	values[3] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	nulls[3] = PG_ARGISNULL(3) ? 'n' : ' ';
	id = hm_insert_returning_id(&insert_user, values, nulls);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/* create_creator(user_id, name): gives a user their creator profile. */
static Datum
music_create_creator_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	char	   *name = hm_arg_text(fcinfo, 1, "name", NAME_MAX_CHARS);
	Datum		values[2];
	int64		id;

	SPI_connect();
	hm_require_user(user_id);
	values[0] = Int64GetDatum(user_id);
	if (hm_exec(&creator_of_user, values, NULL, true) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("user " INT64_FORMAT " already has a creator profile", user_id),
				 errdetail("The profile is creator " INT64_FORMAT ".", hm_get_int64(0, 1, NULL))));
	values[1] = CStringGetTextDatum(name);
	id = hm_insert_returning_id(&insert_creator, values, NULL);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/*
 * publish_track(creator_id, title, duration_ms, genre, audio_cid,
 * artwork_cid): adds a track to a creator's catalog.
 */
static Datum
music_publish_track_body(PG_FUNCTION_ARGS)
{
	int64		creator_id = hm_arg_id(fcinfo, 0, "creator_id");
	char	   *title = hm_arg_text(fcinfo, 1, "title", TITLE_MAX_CHARS);
	int32		duration_ms = hm_arg_int(fcinfo, 2, "duration_ms");
	char	   *genre = hm_arg_optional_text(fcinfo, 3, "genre", GENRE_MAX_CHARS);
	char	   *audio_cid = hm_arg_optional_text(fcinfo, 4, "audio_cid", CID_MAX_CHARS);
	char	   *artwork_cid = hm_arg_optional_text(fcinfo, 5, "artwork_cid", CID_MAX_CHARS);
	Datum		values[6];
	char		nulls[7] = "      ";
	int64		id;

	hm_check_range("duration_ms", duration_ms, TRACK_MIN_MS, TRACK_MAX_MS);
	if (audio_cid)
		hm_check_cid(audio_cid, "audio_cid");
	if (artwork_cid)
		hm_check_cid(artwork_cid, "artwork_cid");
	if (genre)
		genre = str_tolower(genre, strlen(genre), DEFAULT_COLLATION_OID);

	SPI_connect();
	(void) hm_require_creator(creator_id);
	values[0] = Int64GetDatum(creator_id);
	values[1] = CStringGetTextDatum(title);
	values[2] = Int32GetDatum(duration_ms);
	values[3] = hm_text_or_null(genre, &nulls[3]);
	values[4] = hm_text_or_null(audio_cid, &nulls[4]);
	values[5] = hm_text_or_null(artwork_cid, &nulls[5]);
	id = hm_insert_returning_id(&insert_track, values, nulls);
	SPI_finish();
	PG_RETURN_INT64(id);
}
