/*
 * args.c
 *		Argument checking shared by every SQL-callable function.
 *
 * The functions are declared non-strict so that a NULL argument gets an
 * error naming it, rather than a silent NULL result.  Each check raises an
 * error before anything is written, so a call either succeeds whole or
 * changes nothing.
 */
#include "postgres.h"

#include <ctype.h>

#include "mb/pg_wchar.h"
#include "utils/datetime.h"
#include "utils/builtins.h"

#include "clock.h"
#include "hybridmusic.h"

/* Raises the error for a missing required argument. */
static void
require_not_null(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/* Checks that a value lies in [min, max]. */
void
hm_check_range(const char *name, int64 value, int64 min, int64 max)
{
	if (value < min || value > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between " INT64_FORMAT " and " INT64_FORMAT ", got " INT64_FORMAT,
						name, min, max, value)));
}

/* Returns a required identifier argument, which must be positive. */
int64
hm_arg_id(FunctionCallInfo fcinfo, int argno, const char *name)
{
	int64		id;

	require_not_null(fcinfo, argno, name);
	id = PG_GETARG_INT64(argno);
	if (id <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive identifier, got " INT64_FORMAT, name, id)));
	return id;
}

/* Fetches an optional identifier; returns false when it is NULL. */
bool
hm_arg_optional_id(FunctionCallInfo fcinfo, int argno, const char *name, int64 *id)
{
	if (PG_ARGISNULL(argno))
		return false;
	*id = hm_arg_id(fcinfo, argno, name);
	return true;
}

/* Returns a required int argument. */
int32
hm_arg_int(FunctionCallInfo fcinfo, int argno, const char *name)
{
	require_not_null(fcinfo, argno, name);
	return PG_GETARG_INT32(argno);
}

/* Returns a required boolean argument. */
bool
hm_arg_bool(FunctionCallInfo fcinfo, int argno, const char *name)
{
	require_not_null(fcinfo, argno, name);
	return PG_GETARG_BOOL(argno);
}

/*
 * Returns a required text argument with surrounding white space removed; it
 * must be non-empty and at most max_chars characters long.
 */
char *
hm_arg_text(FunctionCallInfo fcinfo, int argno, const char *name, int max_chars)
{
	char	   *start;
	char	   *end;
	int			chars;

	require_not_null(fcinfo, argno, name);
	start = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	while (isspace((unsigned char) *start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	*end = '\0';

	if (*start == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", name)));
	chars = pg_mbstrlen(start);
	if (chars > max_chars)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s is too long: %d characters, at most %d allowed", name, chars, max_chars)));
	return start;
}

/* Like hm_arg_text, but NULL is allowed and returned as NULL. */
char *
hm_arg_optional_text(FunctionCallInfo fcinfo, int argno, const char *name, int max_chars)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	return hm_arg_text(fcinfo, argno, name, max_chars);
}

/*
 * Returns an optional ISO 3166-1 alpha-2 country code, upper-cased, or NULL.
 */
char *
hm_arg_country(FunctionCallInfo fcinfo, int argno)
{
	char	   *country = hm_arg_optional_text(fcinfo, argno, "country", 100);

	if (country == NULL)
		return NULL;
	if (strlen(country) != 2 ||
		!isalpha((unsigned char) country[0]) || !isalpha((unsigned char) country[1]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid country code \"%s\"", country),
				 errhint("Use a two-letter ISO 3166-1 code such as \"DE\" or \"US\".")));
	country[0] = pg_ascii_toupper((unsigned char) country[0]);
	country[1] = pg_ascii_toupper((unsigned char) country[1]);
	return country;
}

/* Raises an error unless birth_year is between 1900 and the platform clock's year. */
void
hm_check_birth_year(int32 birth_year)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(hm_as_of(), NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "cannot read the current date");
	hm_check_range("birth_year", birth_year, 1900, tm.tm_year);
}

/* Formats a date as ISO 8601 for messages, whatever the session DateStyle. */
char *
hm_iso_date(DateADT date)
{
	int			year,
				mon,
				day;

	j2date(date + POSTGRES_EPOCH_JDATE, &year, &mon, &day);
	return psprintf("%04d-%02d-%02d", year, mon, day);
}
