/*
 * charts.c
 *		Weekly charts and trending, refreshed from one analytics batch.
 *
 * Weekly charts rank counted plays per chart week (Friday to Thursday, UTC).
 * A refresh re-ranks the weeks its batch touched and the weeks after them,
 * since last_week_rank, peak_rank and weeks_on_chart carry forward; with
 * plays arriving on time that is the running week only, an index read of
 * its top music.chart_size tracks.
 *
 * Trending is kept exact so that equal scores tie and fall to the track id.
 * A track's weight is the sum of each day's trending points (exact
 * decimals) times a growth factor 2^((day - epoch) / half-life) rounded to a
 * fixed number of places (music.trending_growth): the weight is a pure
 * function of the window's events, whatever the order and batching of the
 * refreshes that added them.  New points are simply added; once a day the
 * days leaving the window are subtracted and the displayed score, the
 * weight decayed to the base day (music.trending_score), is recomputed.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/date.h"
#include "utils/guc.h"

#include "hybridmusic.h"

static int	chart_size = 100;

static HmQuery add_week_track_plays = {
	"INSERT INTO music.weekly_track_plays AS w (week_start, track_id, counted_plays) "
	"SELECT music.chart_week(day), track_id, count(*) FROM music.analytics_batch "
	"WHERE kind = 'play' AND counted GROUP BY 1, 2 "
	"ON CONFLICT (week_start, track_id) DO UPDATE SET counted_plays = w.counted_plays + excluded.counted_plays",
	0, {0}, NULL
};
static HmQuery add_week_creator_plays = {
	"INSERT INTO music.weekly_creator_plays AS w (week_start, creator_id, counted_plays) "
	"SELECT music.chart_week(day), creator_id, count(*) FROM music.analytics_batch "
	"WHERE kind = 'play' AND counted GROUP BY 1, 2 "
	"ON CONFLICT (week_start, creator_id) DO UPDATE SET counted_plays = w.counted_plays + excluded.counted_plays",
	0, {0}, NULL
};
static HmQuery first_touched_week = {
	"SELECT min(music.chart_week(day)) FROM music.analytics_batch WHERE kind = 'play' AND counted",
	0, {0}, NULL
};
static HmQuery next_chart_week = {
	"SELECT min(week_start) FROM music.weekly_track_plays WHERE week_start > $1", 1, {DATEOID}, NULL
};
static HmQuery clear_chart_week = {
	"DELETE FROM music.weekly_charts WHERE week_start = $1", 1, {DATEOID}, NULL
};

/*
 * One chart week from its plays and the charts before it: "new" is a
 * track's first week on any chart, "re-entry" a return after a week or more
 * off it.
 */
static HmQuery rank_chart_week = {
	"WITH top AS ("
	"  SELECT track_id, counted_plays,"
	"         row_number() OVER (ORDER BY counted_plays DESC, track_id)::int AS rank"
	"  FROM (SELECT track_id, counted_plays FROM music.weekly_track_plays"
	"        WHERE week_start = $1 AND counted_plays > 0"
	"        ORDER BY counted_plays DESC, track_id LIMIT $2) w"
	") "
	"INSERT INTO music.weekly_charts (week_start, rank, track_id, plays, last_week_rank,"
	"       peak_rank, weeks_on_chart, movement) "
	"SELECT $1, t.rank, t.track_id, t.counted_plays, lw.rank,"
	"       least(t.rank, prev.peak_rank), coalesce(prev.weeks_on_chart, 0) + 1,"
	"       CASE WHEN prev.track_id IS NULL THEN 'new'"
	"            WHEN lw.rank IS NULL THEN 're-entry'"
	"            WHEN t.rank < lw.rank THEN 'up'"
	"            WHEN t.rank > lw.rank THEN 'down'"
	"            ELSE 'same' END "
	"FROM top t "
	"LEFT JOIN music.weekly_charts lw ON lw.week_start = $1 - 7 AND lw.track_id = t.track_id "
	"LEFT JOIN LATERAL ("
	"  SELECT p.track_id, p.peak_rank, p.weeks_on_chart FROM music.weekly_charts p"
	"  WHERE p.track_id = t.track_id AND p.week_start < $1"
	"  ORDER BY p.week_start DESC LIMIT 1"
	") prev ON true",
	2, {DATEOID, INT4OID}, NULL
};

static HmQuery start_trending_windows = {
	"UPDATE music.trending_windows"
	"   SET base_day = music.today(), expired_through = music.today() - days,"
	"       weight_epoch = music.today() - days"
	" WHERE base_day IS NULL", 0, {0}, NULL
};
static HmQuery trending_day_changed = {
	"SELECT 1 FROM music.trending_windows WHERE base_day < music.today()",
	0, {0}, NULL
};
static HmQuery expire_trending_days = {
	"WITH gone AS ("
	"  SELECT w.time_window, d.track_id,"
	"         sum(d.trending_points * music.trending_growth(d.day, w.weight_epoch, w.half_life_days)) AS weight"
	"  FROM music.trending_windows w"
	"  JOIN music.daily_track_stats d"
	"    ON d.day > w.expired_through AND d.day <= music.today() - w.days"
	"  WHERE w.base_day < music.today()"
	"  GROUP BY w.time_window, d.track_id"
	") "
	"UPDATE music.trending_tracks t SET weight = t.weight - gone.weight FROM gone "
	"WHERE t.time_window = gone.time_window AND t.track_id = gone.track_id", 0, {0}, NULL
};
static HmQuery drop_stale_trending = {
	"DELETE FROM music.trending_tracks t USING music.trending_windows w "
	"WHERE w.time_window = t.time_window AND t.last_day <= music.today() - w.days",
	0, {0}, NULL
};
static HmQuery advance_trending_windows = {
	"UPDATE music.trending_windows"
	"   SET base_day = music.today(),"
	"       expired_through = greatest(expired_through, music.today() - days)"
	" WHERE base_day < music.today()", 0, {0}, NULL
};

/*
 * Growth factors grow with the age of the epoch; once it is a year old the
 * epoch moves to the window's start and the weights are summed again from
 * the window's days (at most its length in daily rows per track).
 */
static HmQuery rebase_trending = {
	"WITH moved AS ("
	"  UPDATE music.trending_windows SET weight_epoch = music.today() - days"
	"  WHERE music.today() - weight_epoch > 366"
	"  RETURNING time_window, weight_epoch, half_life_days, expired_through"
	") "
	"UPDATE music.trending_tracks t SET weight = coalesce(("
	"  SELECT sum(d.trending_points * music.trending_growth(d.day, m.weight_epoch, m.half_life_days))"
	"  FROM music.daily_track_stats d WHERE d.track_id = t.track_id AND d.day > m.expired_through), 0) "
	"FROM moved m WHERE t.time_window = m.time_window", 0, {0}, NULL
};

/* The displayed score: the weight decayed from the epoch to the base day. */
static HmQuery rescale_trending = {
	"UPDATE music.trending_tracks t"
	"   SET score = music.trending_score(t.weight, w.base_day, w.weight_epoch, w.half_life_days)"
	"  FROM music.trending_windows w WHERE w.time_window = t.time_window", 0, {0}, NULL
};

/* Points of days already out of a window are left out, as expiry would be. */
static HmQuery add_trending_points = {
	"INSERT INTO music.trending_tracks AS t (time_window, track_id, genre, weight, score, last_day) "
	"SELECT g.time_window, g.track_id, tr.genre, g.weight,"
	"       music.trending_score(g.weight, w.base_day, w.weight_epoch, w.half_life_days), g.last_day "
	"FROM (SELECT w.time_window, p.track_id,"
	"             sum(p.points * music.trending_growth(p.day, w.weight_epoch, w.half_life_days)) AS weight,"
	"             max(p.day) AS last_day"
	"      FROM music.analytics_batch_points p"
	"      JOIN music.trending_windows w ON p.day > music.today() - w.days"
	"      GROUP BY w.time_window, p.track_id) g "
	"JOIN music.trending_windows w ON w.time_window = g.time_window "
	"JOIN music.tracks tr ON tr.id = g.track_id "
	"ON CONFLICT (time_window, track_id) DO UPDATE SET"
	"  weight = t.weight + excluded.weight,"
	"  score = (SELECT music.trending_score(t.weight + excluded.weight, w.base_day, w.weight_epoch, w.half_life_days)"
	"           FROM music.trending_windows w WHERE w.time_window = t.time_window),"
	"  genre = excluded.genre,"
	"  last_day = greatest(t.last_day, excluded.last_day)", 0, {0}, NULL
};

/* Registers the chart settings. */
void
ChartsInit(void)
{
	DefineCustomIntVariable("music.chart_size",
							"Number of tracks on each weekly chart.",
							"Read by refresh_analytics(); charts already computed keep their size.",
							&chart_size, 100, 1, 10000,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

/*
 * Re-ranks every chart week from the first one the batch touched; the
 * caller is connected to SPI and holds the refresh lock.
 */
static void
refresh_weekly_charts(void)
{
	Datum		values[2];
	bool		isnull;
	Datum		week;

	hm_exec(&add_week_track_plays, NULL, NULL, false);
	hm_exec(&add_week_creator_plays, NULL, NULL, false);
	hm_exec(&first_touched_week, NULL, NULL, false);
	week = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	while (!isnull)
	{
		values[0] = week;
		values[1] = Int32GetDatum(chart_size);
		hm_exec(&clear_chart_week, values, NULL, false);
		hm_exec(&rank_chart_week, values, NULL, false);
		hm_exec(&next_chart_week, values, NULL, false);
		week = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	}
}

/*
 * Decays and expires trending scores on the first refresh of a day, then
 * adds the batch's points; same calling rules.
 */
static void
refresh_trending(void)
{
	hm_exec(&start_trending_windows, NULL, NULL, false);
	if (hm_exec(&trending_day_changed, NULL, NULL, false) > 0)
	{
		hm_exec(&expire_trending_days, NULL, NULL, false);
		hm_exec(&drop_stale_trending, NULL, NULL, false);
		hm_exec(&advance_trending_windows, NULL, NULL, false);
		hm_exec(&rebase_trending, NULL, NULL, false);
		hm_exec(&rescale_trending, NULL, NULL, false);
	}
	hm_exec(&add_trending_points, NULL, NULL, false);
}

/* The chart part of refresh_analytics(). */
void
hm_refresh_charts(void)
{
	refresh_weekly_charts();
	refresh_trending();
}
