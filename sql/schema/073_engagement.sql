-- Monthly creator analytics and fan engagement, kept by refresh_analytics()
-- from each batch of events (src/analytics.c).

CREATE TABLE creator_month_listeners (
	month date NOT NULL,
	creator_id bigint NOT NULL,
	user_id bigint NOT NULL,
	PRIMARY KEY (month, creator_id, user_id)
);
COMMENT ON TABLE creator_month_listeners IS 'Users with a counted play of a creator''s tracks in a calendar month (UTC).';

CREATE TABLE monthly_creator_stats (
	creator_id bigint NOT NULL,
	month date NOT NULL,
	plays bigint NOT NULL DEFAULT 0,
	counted_plays bigint NOT NULL DEFAULT 0,
	listeners bigint NOT NULL DEFAULT 0,
	listeners_28d bigint,
	new_followers bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (creator_id, month)
);
CREATE INDEX monthly_creator_stats_top ON monthly_creator_stats (month, counted_plays DESC, creator_id);
COMMENT ON TABLE monthly_creator_stats IS 'Per creator and month: the figures behind monthly_analytics.';
COMMENT ON COLUMN monthly_creator_stats.creator_id IS 'The creator.';
COMMENT ON COLUMN monthly_creator_stats.month IS 'The calendar month (UTC), as its first day.';
COMMENT ON COLUMN monthly_creator_stats.plays IS 'Every play of the creator''s tracks in the month, counted or not.';
COMMENT ON COLUMN monthly_creator_stats.counted_plays IS 'Counted plays in the month.';
COMMENT ON COLUMN monthly_creator_stats.listeners IS 'Distinct users with a counted play in the month.';
COMMENT ON COLUMN monthly_creator_stats.listeners_28d IS 'Distinct users with a counted play in the 28 days up to the month''s last day (running month: up to yesterday).';
COMMENT ON COLUMN monthly_creator_stats.new_followers IS 'Follows minus unfollows in the month.';

CREATE TABLE monthly_creator_countries (
	creator_id bigint NOT NULL,
	month date NOT NULL,
	country text NOT NULL,
	counted_plays bigint NOT NULL,
	PRIMARY KEY (creator_id, month, country)
);
CREATE INDEX monthly_creator_countries_top ON monthly_creator_countries (creator_id, month, counted_plays DESC, country);
COMMENT ON TABLE monthly_creator_countries IS 'Counted plays per creator, month and listener country (as reported with the play).';
COMMENT ON COLUMN monthly_creator_countries.creator_id IS 'The creator.';
COMMENT ON COLUMN monthly_creator_countries.month IS 'The calendar month (UTC), as its first day.';
COMMENT ON COLUMN monthly_creator_countries.country IS 'ISO 3166 country code reported with the plays.';
COMMENT ON COLUMN monthly_creator_countries.counted_plays IS 'Counted plays from that country in the month.';

-- When the 28-day listener figures were last computed.
CREATE TABLE analytics_state (
	listeners_28d_day date
);
INSERT INTO analytics_state DEFAULT VALUES;
COMMENT ON TABLE analytics_state IS 'Bookkeeping of refresh_analytics(): the last day 28-day listeners were computed.';

CREATE VIEW monthly_analytics AS
SELECT m.creator_id, m.month, m.plays, m.counted_plays, m.listeners, m.listeners_28d,
	   m.new_followers, e.revenue,
	   ARRAY(SELECT c.country FROM monthly_creator_countries c
			 WHERE c.creator_id = m.creator_id AND c.month = m.month
			 ORDER BY c.counted_plays DESC, c.country LIMIT 3) AS top_countries
FROM monthly_creator_stats m
LEFT JOIN creator_earnings e ON e.creator_id = m.creator_id AND e.month = m.month;
COMMENT ON VIEW monthly_analytics IS 'Per creator and calendar month (UTC): plays, listeners, 28-day listeners, new followers, revenue, top countries.';
COMMENT ON COLUMN monthly_analytics.creator_id IS 'The creator.';
COMMENT ON COLUMN monthly_analytics.month IS 'The calendar month, as its first day.';
COMMENT ON COLUMN monthly_analytics.plays IS 'Every play of the creator''s tracks in the month, counted or not.';
COMMENT ON COLUMN monthly_analytics.counted_plays IS 'Counted plays in the month.';
COMMENT ON COLUMN monthly_analytics.listeners IS 'Distinct users with a counted play in the month.';
COMMENT ON COLUMN monthly_analytics.listeners_28d IS 'Distinct users with a counted play in the 28 days up to the month''s last day (for the running month: up to yesterday); computed once a day.';
COMMENT ON COLUMN monthly_analytics.new_followers IS 'Follows minus unfollows in the month.';
COMMENT ON COLUMN monthly_analytics.revenue IS 'Earnings of the month once it is closed (creator_earnings.revenue), else null.';
COMMENT ON COLUMN monthly_analytics.top_countries IS 'Up to three listener countries with the most counted plays, most first.';

-- Fans: one row per creator and user who played, liked, commented or
-- followed.  The superfan score weighs a like as 3 counted plays, a comment
-- as 5 and following as 10.
CREATE TABLE fan_stats (
	creator_id bigint NOT NULL,
	user_id bigint NOT NULL,
	counted_plays bigint NOT NULL DEFAULT 0,
	likes bigint NOT NULL DEFAULT 0,
	comments bigint NOT NULL DEFAULT 0,
	follows bigint NOT NULL DEFAULT 0,
	first_play_day date,
	last_play_day date,
	score bigint GENERATED ALWAYS AS (counted_plays + 3 * likes + 5 * comments + 10 * follows) STORED,
	PRIMARY KEY (creator_id, user_id)
);
CREATE INDEX fan_stats_top ON fan_stats (creator_id, score DESC, user_id);
COMMENT ON TABLE fan_stats IS 'Per creator and fan: the figures behind fan_engagement_metrics.';
COMMENT ON COLUMN fan_stats.creator_id IS 'The creator.';
COMMENT ON COLUMN fan_stats.user_id IS 'The fan.';
COMMENT ON COLUMN fan_stats.counted_plays IS 'Counted plays of the creator''s tracks by the fan.';
COMMENT ON COLUMN fan_stats.likes IS 'The fan''s current likes of the creator''s tracks.';
COMMENT ON COLUMN fan_stats.comments IS 'The fan''s comments on the creator''s tracks.';
COMMENT ON COLUMN fan_stats.follows IS '1 while the fan follows the creator, else 0.';
COMMENT ON COLUMN fan_stats.first_play_day IS 'Day (UTC) of the fan''s first counted play of the creator.';
COMMENT ON COLUMN fan_stats.last_play_day IS 'Day (UTC) of the fan''s latest counted play of the creator.';
COMMENT ON COLUMN fan_stats.score IS 'Superfan score: counted plays + 3 per like + 5 per comment + 10 when following.';

CREATE VIEW fan_engagement_metrics AS
SELECT f.creator_id, f.user_id AS fan_id, f.counted_plays AS plays, f.likes, f.comments,
	   fo.created_at AS following_since,
	   (music.today() - (fo.created_at AT TIME ZONE 'UTC')::date) AS follow_age_days,
	   f.first_play_day, f.last_play_day,
	   f.score AS superfan_score,
	   rank() OVER (PARTITION BY f.creator_id ORDER BY f.score DESC)::int AS superfan_rank
FROM fan_stats f
LEFT JOIN follows fo ON fo.user_id = f.user_id AND fo.creator_id = f.creator_id;
COMMENT ON VIEW fan_engagement_metrics IS 'Per creator and fan: plays, likes, comments, follow age, superfan score and rank; filter on creator_id.';
COMMENT ON COLUMN fan_engagement_metrics.creator_id IS 'The creator.';
COMMENT ON COLUMN fan_engagement_metrics.fan_id IS 'The fan (music.users.id).';
COMMENT ON COLUMN fan_engagement_metrics.plays IS 'Counted plays of the creator''s tracks by the fan.';
COMMENT ON COLUMN fan_engagement_metrics.likes IS 'The fan''s current likes of the creator''s tracks.';
COMMENT ON COLUMN fan_engagement_metrics.comments IS 'The fan''s comments on the creator''s tracks.';
COMMENT ON COLUMN fan_engagement_metrics.following_since IS 'When the fan followed the creator; null when not following.';
COMMENT ON COLUMN fan_engagement_metrics.follow_age_days IS 'Days the fan has followed the creator; null when not following.';
COMMENT ON COLUMN fan_engagement_metrics.first_play_day IS 'Day (UTC) of the fan''s first counted play of the creator.';
COMMENT ON COLUMN fan_engagement_metrics.last_play_day IS 'Day (UTC) of the fan''s latest counted play of the creator.';
COMMENT ON COLUMN fan_engagement_metrics.superfan_score IS 'Counted plays + 3 per like + 5 per comment + 10 when following.';
COMMENT ON COLUMN fan_engagement_metrics.superfan_rank IS 'Rank of the fan among the creator''s fans by superfan score, 1 first; ties share a rank.';

GRANT SELECT ON monthly_creator_stats, monthly_creator_countries, monthly_analytics,
	fan_stats, fan_engagement_metrics TO music_reader;
