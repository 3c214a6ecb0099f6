-- What the platform shows at the end of the demo's quarter: the app's
-- reads (as music_app), a creator's dashboard, fans' notifications, the
-- headline and the worker's status (as the operator).  :star is the creator
-- with the coin.
\pset footer off
-- as of the end of the last simulated week, 27 March 2025
SET music.as_of = '2025-03-27 23:59:59+00';

SET ROLE music_app;
\echo
\echo '== The weekly chart (music.weekly_chart, Friday to Thursday UTC), the last week'
SELECT rank, title, creator_name, plays, movement, peak_rank, weeks_on_chart
FROM music.weekly_chart(NULL, NULL, 10);

\echo '== Trending this month (music.trending) and the week''s top creators (music.leaderboard)'
SELECT title, creator_name, round(score::numeric, 1) AS score FROM music.trending('month', NULL, NULL, 5);
SELECT rank, name, counted_plays FROM music.leaderboard('week', 'creator', NULL, 5);

\echo '== A creator''s dashboard: their page (music.creator_page), top tracks and months (music.monthly_analytics)'
SELECT name, verified, tracks, counted_plays, plays, followers, likes, comments FROM music.creator_page(:star);
SELECT title, plays, likes FROM music.creator_tracks(:star, NULL, NULL, 5);
RESET ROLE;
SET ROLE music_reader;
SELECT month, plays, listeners, new_followers, round(revenue, 2) AS revenue_fil, top_countries
FROM music.monthly_analytics WHERE creator_id = :star ORDER BY month;
RESET ROLE;

\echo '== A fan''s notifications (music.notifications_for): the creators they follow'
SELECT user_id AS fan FROM music.follows WHERE creator_id = :star ORDER BY user_id LIMIT 1 \gset
SET ROLE music_app;
SELECT creator_id, event, details FROM music.notifications_for(:fan, NULL, 8);
RESET ROLE;

SET ROLE music_admin;
\echo '== The headline: free interactions against paid transactions (music.chain_costs)'
SELECT (SELECT count(*) FROM music.plays) + (SELECT count(*) FROM music.likes)
	   + (SELECT count(*) FROM music.follows) + (SELECT count(*) FROM music.comments) AS free_interactions,
	   (SELECT count(*) FROM music.chain_transactions WHERE status IN ('confirmed', 'reverted')) AS paid_transactions,
	   (SELECT sum(gas_used) FROM music.chain_transactions WHERE status IN ('confirmed', 'reverted')) AS gas,
	   (SELECT round(sum(gas_used * effective_gas_price) / 1e18, 6) FROM music.chain_transactions
		WHERE status IN ('confirmed', 'reverted')) AS fees_fil;
SELECT month, job_kind, transactions, gas_used, round(fees, 6) AS fees_fil FROM music.chain_costs ORDER BY month, job_kind;

\echo '== The worker''s status (music.worker_status) and its queue (music.job_overview)'
SELECT explanation, worker_pid, last_drain::timestamp(0), last_calendar::timestamp(0), waiting_jobs, due_jobs
FROM music.worker_status;
SELECT kind, status, jobs, last_error FROM music.job_overview ORDER BY kind, status;
SELECT status, count(*) AS snapshots FROM music.pdp_snapshots GROUP BY status;
RESET ROLE;
