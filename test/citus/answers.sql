-- What the comparison reads on both sides, every query ordered: counters,
-- daily and monthly analytics, charts, trending, fan stats, earnings,
-- milestones and the jobs they wrote.
\pset footer off
\echo == track_stats
SELECT * FROM music.track_stats ORDER BY track_id;
\echo == creator_stats
SELECT * FROM music.creator_stats ORDER BY creator_id;
\echo == daily_stats
SELECT * FROM music.daily_stats ORDER BY 1, 2, 3, 4;
\echo == monthly_analytics
SELECT * FROM music.monthly_analytics ORDER BY 1, 2;
\echo == weekly_charts
SELECT * FROM music.weekly_charts ORDER BY week_start, rank;
\echo == trending_tracks
SELECT * FROM music.trending_tracks ORDER BY time_window, track_id;
\echo == fan_stats
SELECT * FROM music.fan_stats ORDER BY creator_id, user_id;
\echo == creator_earnings
SELECT * FROM music.creator_earnings ORDER BY creator_id, month;
\echo == milestones
SELECT creator_id, rule, threshold, value, period FROM music.milestones ORDER BY creator_id, rule, threshold;
\echo == jobs
SELECT kind, status, creator_id, payload - 'milestone_id' AS payload FROM music.jobs ORDER BY creator_id, kind, payload::text;
\echo == creator_page
-- (created_at is the wall clock of the load: left out)
SELECT p.id, p.handle, p.tracks, p.plays, p.counted_plays, p.followers, p.likes, p.comments, p.viewer_follows
FROM generate_series(1, 8) c, music.creator_page(c, 9) p ORDER BY c;
