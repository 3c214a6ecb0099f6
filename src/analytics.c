/*
 * analytics.c
 *		refresh_analytics: brings every derived relation up to date.
 *
 * Writers append events to music.analytics_events (see counters.c); a
 * refresh takes every committed event with one DELETE ... RETURNING into a
 * work table and folds that batch into the daily statistics, the charts and
 * trending (charts.c).  Each step reads the batch and upserts the rows it
 * touches, so the cost follows the number of new events, not the history,
 * and an event is folded by exactly one refresh whatever order the writers
 * commit in.  Refreshes are serialised by an advisory lock: a second caller
 * waits, then folds what arrived since.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_refresh_analytics);

static HmQuery fold_counters = {
	"SELECT music.fold_counters()", 0, {0}, NULL
};
static HmQuery take_events = {
	"WITH taken AS (DELETE FROM music.analytics_events RETURNING *) "
	"INSERT INTO music.analytics_batch (kind, user_id, track_id, creator_id, day, delta, counted, country) "
	"SELECT kind, user_id, track_id, creator_id, (at AT TIME ZONE 'UTC')::date, delta, counted, country "
	"FROM taken", 0, {0}, NULL
};

/*
 * The work tables are empty between refreshes, so left to autovacuum their
 * statistics would say so and every plan below would be made for no rows
 * (nested loops over a whole batch).  A refresh analyzes a work table once
 * filled when its statistics are off by more than a factor of four; in a
 * steady state they are not, and the kept plans stay valid.
 */
static HmQuery batch_stats_stale = {
	"SELECT 1 FROM pg_catalog.pg_class WHERE oid = $1::regclass "
	"AND (reltuples < $2 / 4.0 OR reltuples > $2 * 4.0)", 2, {TEXTOID, INT8OID}, NULL
};

/*
 * Per day and track.  A listener adds trending points once per day and
 * track, weighted by karma, 1 + ln(1 + followers of the listener's creator
 * profile): repeating plays cannot push a track, and accounts the community
 * follows weigh more than fresh ones.  A listener's points are rounded to
 * six places, so that sums are exact decimals whatever their order.  The
 * points this batch adds go to a work table for trending.
 */
static HmQuery track_days = {
	"WITH new_listeners AS ("
	"  INSERT INTO music.track_day_listeners (day, track_id, user_id)"
	"  SELECT DISTINCT day, track_id, user_id FROM music.analytics_batch WHERE kind = 'play' AND counted"
	"  ON CONFLICT DO NOTHING RETURNING day, track_id, user_id"
	"), listeners AS ("
	"  SELECT n.day, n.track_id, count(*) AS listeners,"
	"         sum(round((1 + ln(1 + coalesce(cc.followers, 0)))::numeric, 6)) AS points"
	"  FROM new_listeners n"
	"  LEFT JOIN music.creators cr ON cr.user_id = n.user_id"
	"  LEFT JOIN music.creator_counters cc ON cc.creator_id = cr.id"
	"  GROUP BY n.day, n.track_id"
	"), events AS ("
	"  SELECT day, track_id, creator_id,"
	"         count(*) FILTER (WHERE kind = 'play') AS plays,"
	"         count(*) FILTER (WHERE kind = 'play' AND counted) AS counted_plays,"
	"         coalesce(sum(delta) FILTER (WHERE kind = 'like'), 0) AS likes,"
	"         coalesce(sum(delta) FILTER (WHERE kind = 'comment'), 0) AS comments"
	"  FROM music.analytics_batch WHERE track_id IS NOT NULL"
	"  GROUP BY day, track_id, creator_id"
	"), increments AS ("
	"  SELECT e.*, coalesce(l.listeners, 0) AS listeners,"
	"         coalesce(l.points, 0) + 2 * e.likes + 3 * e.comments AS points"
	"  FROM events e LEFT JOIN listeners l USING (day, track_id)"
	"), upserted AS ("
	"  INSERT INTO music.daily_track_stats AS d (day, track_id, creator_id, plays, counted_plays,"
	"         listeners, likes, comments, trending_points)"
	"  SELECT day, track_id, creator_id, plays, counted_plays, listeners, likes, comments, points"
	"  FROM increments"
	"  ON CONFLICT (day, track_id) DO UPDATE SET"
	"    plays = d.plays + excluded.plays,"
	"    counted_plays = d.counted_plays + excluded.counted_plays,"
	"    listeners = d.listeners + excluded.listeners,"
	"    likes = d.likes + excluded.likes,"
	"    comments = d.comments + excluded.comments,"
	"    trending_points = d.trending_points + excluded.trending_points"
	") "
	"INSERT INTO music.analytics_batch_points (day, track_id, points) "
	"SELECT day, track_id, points FROM increments WHERE points <> 0", 0, {0}, NULL
};

/* Per day and creator, follows included. */
static HmQuery creator_days = {
	"WITH new_listeners AS ("
	"  INSERT INTO music.creator_day_listeners (day, creator_id, user_id)"
	"  SELECT DISTINCT day, creator_id, user_id FROM music.analytics_batch WHERE kind = 'play' AND counted"
	"  ON CONFLICT DO NOTHING RETURNING day, creator_id"
	"), listeners AS ("
	"  SELECT day, creator_id, count(*) AS listeners FROM new_listeners GROUP BY day, creator_id"
	"), events AS ("
	"  SELECT day, creator_id,"
	"         count(*) FILTER (WHERE kind = 'play') AS plays,"
	"         count(*) FILTER (WHERE kind = 'play' AND counted) AS counted_plays,"
	"         coalesce(sum(delta) FILTER (WHERE kind = 'like'), 0) AS likes,"
	"         coalesce(sum(delta) FILTER (WHERE kind = 'comment'), 0) AS comments,"
	"         coalesce(sum(delta) FILTER (WHERE kind = 'follow'), 0) AS follows"
	"  FROM music.analytics_batch GROUP BY day, creator_id"
	") "
	"INSERT INTO music.daily_creator_stats AS d (day, creator_id, plays, counted_plays, listeners,"
	"       likes, comments, follows) "
	"SELECT e.day, e.creator_id, e.plays, e.counted_plays, coalesce(l.listeners, 0), e.likes,"
	"       e.comments, e.follows "
	"FROM events e LEFT JOIN listeners l USING (day, creator_id) "
	"ON CONFLICT (day, creator_id) DO UPDATE SET"
	"  plays = d.plays + excluded.plays,"
	"  counted_plays = d.counted_plays + excluded.counted_plays,"
	"  listeners = d.listeners + excluded.listeners,"
	"  likes = d.likes + excluded.likes,"
	"  comments = d.comments + excluded.comments,"
	"  follows = d.follows + excluded.follows", 0, {0}, NULL
};

/* Per creator and calendar month, with listener countries. */
static HmQuery creator_months = {
	"WITH new_listeners AS ("
	"  INSERT INTO music.creator_month_listeners (month, creator_id, user_id)"
	"  SELECT DISTINCT date_trunc('month', day)::date, creator_id, user_id FROM music.analytics_batch"
	"  WHERE kind = 'play' AND counted"
	"  ON CONFLICT DO NOTHING RETURNING month, creator_id"
	"), listeners AS ("
	"  SELECT month, creator_id, count(*) AS listeners FROM new_listeners GROUP BY month, creator_id"
	"), countries AS ("
	"  INSERT INTO music.monthly_creator_countries AS c (creator_id, month, country, counted_plays)"
	"  SELECT creator_id, date_trunc('month', day)::date, country, count(*) FROM music.analytics_batch"
	"  WHERE kind = 'play' AND counted AND country IS NOT NULL GROUP BY 1, 2, 3"
	"  ON CONFLICT (creator_id, month, country) DO UPDATE SET counted_plays = c.counted_plays + excluded.counted_plays"
	"), events AS ("
	"  SELECT date_trunc('month', day)::date AS month, creator_id,"
	"         count(*) FILTER (WHERE kind = 'play') AS plays,"
	"         count(*) FILTER (WHERE kind = 'play' AND counted) AS counted_plays,"
	"         coalesce(sum(delta) FILTER (WHERE kind = 'follow'), 0) AS follows"
	"  FROM music.analytics_batch GROUP BY 1, 2"
	") "
	"INSERT INTO music.monthly_creator_stats AS m (creator_id, month, plays, counted_plays, listeners, new_followers) "
	"SELECT e.creator_id, e.month, e.plays, e.counted_plays, coalesce(l.listeners, 0), e.follows "
	"FROM events e LEFT JOIN listeners l USING (month, creator_id) "
	"ON CONFLICT (creator_id, month) DO UPDATE SET"
	"  plays = m.plays + excluded.plays,"
	"  counted_plays = m.counted_plays + excluded.counted_plays,"
	"  listeners = m.listeners + excluded.listeners,"
	"  new_followers = m.new_followers + excluded.new_followers", 0, {0}, NULL
};

/*
 * Once a day, the 28-day listeners of every creator up to yesterday, on
 * yesterday's month: a month's final figure is the 28 days up to its last
 * day.  The cost is 28 days of listener rows, once a day.
 */
static HmQuery listeners_28d_due = {
	"UPDATE music.analytics_state SET listeners_28d_day = music.today() "
	"WHERE listeners_28d_day IS NULL OR listeners_28d_day < music.today()",
	0, {0}, NULL
};
static HmQuery listeners_28d = {
	"WITH yesterday AS (SELECT music.today() - 1 AS day), "
	"counts AS ("
	"  SELECT l.creator_id, count(DISTINCT l.user_id) AS listeners FROM music.creator_day_listeners l, yesterday y"
	"  WHERE l.day > y.day - 28 AND l.day <= y.day GROUP BY l.creator_id"
	") "
	"INSERT INTO music.monthly_creator_stats AS m (creator_id, month, listeners_28d) "
	"SELECT c.creator_id, date_trunc('month', y.day)::date, c.listeners FROM counts c, yesterday y "
	"ON CONFLICT (creator_id, month) DO UPDATE SET listeners_28d = excluded.listeners_28d", 0, {0}, NULL
};

/*
 * Late plays of a finished month: the daily figure above covers only
 * yesterday's month, so a finished month whose last 28 days gain listeners
 * (a backfill, a late batch) gets its final 28-day figure recomputed here,
 * for the creators concerned.  A join rather than a correlated subquery, so
 * that it also runs with creator_day_listeners distributed (docs/scaling.md).
 */
static HmQuery listeners_28d_late = {
	"WITH touched AS ("
	"  SELECT DISTINCT creator_id, date_trunc('month', day)::date AS month FROM music.analytics_batch"
	"  WHERE kind = 'play' AND counted"
	"    AND day < date_trunc('month', music.today())"
	"), counts AS ("
	"  SELECT t.creator_id, t.month, count(DISTINCT l.user_id) AS listeners"
	"  FROM touched t LEFT JOIN music.creator_day_listeners l"
	"    ON l.creator_id = t.creator_id"
	"   AND l.day > (t.month + interval '1 month')::date - 29"
	"   AND l.day < (t.month + interval '1 month')::date"
	"  GROUP BY t.creator_id, t.month"
	") "
	"INSERT INTO music.monthly_creator_stats AS m (creator_id, month, listeners_28d) "
	"SELECT creator_id, month, listeners FROM counts "
	"ON CONFLICT (creator_id, month) DO UPDATE SET listeners_28d = excluded.listeners_28d", 0, {0}, NULL
};

/* Per creator and fan: what the superfan score is made of. */
static HmQuery fans = {
	"INSERT INTO music.fan_stats AS f (creator_id, user_id, counted_plays, likes, comments, follows,"
	"       first_play_day, last_play_day) "
	"SELECT creator_id, user_id,"
	"       count(*) FILTER (WHERE kind = 'play' AND counted),"
	"       coalesce(sum(delta) FILTER (WHERE kind = 'like'), 0),"
	"       coalesce(sum(delta) FILTER (WHERE kind = 'comment'), 0),"
	"       coalesce(sum(delta) FILTER (WHERE kind = 'follow'), 0),"
	"       min(day) FILTER (WHERE kind = 'play' AND counted),"
	"       max(day) FILTER (WHERE kind = 'play' AND counted) "
	"FROM music.analytics_batch GROUP BY creator_id, user_id "
	"ON CONFLICT (creator_id, user_id) DO UPDATE SET"
	"  counted_plays = f.counted_plays + excluded.counted_plays,"
	"  likes = f.likes + excluded.likes,"
	"  comments = f.comments + excluded.comments,"
	"  follows = f.follows + excluded.follows,"
	"  first_play_day = least(f.first_play_day, excluded.first_play_day),"
	"  last_play_day = greatest(f.last_play_day, excluded.last_play_day)", 0, {0}, NULL
};

/*
 * Deletes rather than truncates: TRUNCATE would give the work tables new
 * files and so force every prepared plan that reads them to be re-planned.
 */
static HmQuery clear_batch = {
	"DELETE FROM music.analytics_batch", 0, {0}, NULL
};
static HmQuery clear_batch_points = {
	"DELETE FROM music.analytics_batch_points", 0, {0}, NULL
};

/* The time of this refresh, for analytics_freshness. */
static HmQuery mark_refreshed = {
	"UPDATE music.analytics_state SET refreshed_at = now()", 0, {0}, NULL
};

/* Analyzes a filled work table whose statistics are far off its rows. */
static void
analyze_if_stale(const char *table, uint64 rows)
{
	Datum		args[2];

	if (rows == 0)
		return;
	args[0] = CStringGetTextDatum(table);
	args[1] = Int64GetDatum((int64) rows);
	if (hm_exec(&batch_stats_stale, args, NULL, true) > 0 &&
		SPI_execute(psprintf("ANALYZE %s", table), false, 0) < 0)
		elog(ERROR, "cannot analyze %s", table);
}

/*
 * refresh_analytics(): folds the counters and every event committed since
 * the last refresh into the analytics relations.
 */
static Datum
music_refresh_analytics_body(PG_FUNCTION_ARGS)
{
	SPI_connect();
	hm_lock(HM_LOCK_REFRESH, 0);
	hm_exec(&fold_counters, NULL, NULL, false);
	analyze_if_stale("music.analytics_batch", hm_exec(&take_events, NULL, NULL, false));
	analyze_if_stale("music.analytics_batch_points", hm_exec(&track_days, NULL, NULL, false));
	hm_exec(&creator_days, NULL, NULL, false);
	hm_exec(&creator_months, NULL, NULL, false);
	if (hm_exec(&listeners_28d_due, NULL, NULL, false) > 0)
		hm_exec(&listeners_28d, NULL, NULL, false);
	hm_exec(&listeners_28d_late, NULL, NULL, false);
	hm_exec(&fans, NULL, NULL, false);
	hm_refresh_charts();
	hm_exec(&clear_batch, NULL, NULL, false);
	hm_exec(&clear_batch_points, NULL, NULL, false);
	hm_exec(&mark_refreshed, NULL, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}
