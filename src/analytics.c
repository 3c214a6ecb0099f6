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

#include "hybridmusic.h"

PG_FUNCTION_INFO_V1(music_refresh_analytics);

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
 * Per day and track.  A listener adds trending points once per day and
 * track, weighted by karma, 1 + ln(1 + followers of the listener's creator
 * profile): repeating plays cannot push a track, and accounts the community
 * follows weigh more than fresh ones.  The points this batch adds go to a
 * work table for trending.
 */
static HmQuery track_days = {
	"WITH new_listeners AS ("
	"  INSERT INTO music.track_day_listeners (day, track_id, user_id)"
	"  SELECT DISTINCT day, track_id, user_id FROM music.analytics_batch WHERE kind = 'play' AND counted"
	"  ON CONFLICT DO NOTHING RETURNING day, track_id, user_id"
	"), listeners AS ("
	"  SELECT n.day, n.track_id, count(*) AS listeners,"
	"         sum(1 + ln(1 + coalesce(cc.followers, 0))) AS points"
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

/*
 * refresh_analytics(): folds the counters and every event committed since
 * the last refresh into the analytics relations.
 */
Datum
music_refresh_analytics(PG_FUNCTION_ARGS)
{
	SPI_connect();
	hm_lock(HM_LOCK_REFRESH, 0);
	hm_exec(&fold_counters, NULL, NULL, false);
	hm_exec(&take_events, NULL, NULL, false);
	hm_exec(&track_days, NULL, NULL, false);
	hm_exec(&creator_days, NULL, NULL, false);
	hm_refresh_charts();
	hm_exec(&clear_batch, NULL, NULL, false);
	hm_exec(&clear_batch_points, NULL, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}
