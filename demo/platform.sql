-- A small synthetic platform for `make demo`: a few hundred users, thirty
-- creators, 150 tracks and a month of plays, likes, follows, comments and
-- playlists, all written through the same functions an app calls.
\set QUIET on
SELECT setseed(0.42);

-- Demo scale: a milestone every 250 counted plays and every 25 followers
-- (the defaults are 5,000 and 1,000), so a small platform reaches some.
UPDATE music.milestone_rules SET threshold = 250 WHERE rule = 'plays';
UPDATE music.milestone_rules SET threshold = 25 WHERE rule = 'followers';
UPDATE music.milestone_rules SET threshold = 900 WHERE rule = 'coin';

CREATE TEMP TABLE words (n int, adjective text, noun text);
INSERT INTO words
SELECT i, (ARRAY['Midnight','Electric','Golden','Silent','Neon','Broken','Velvet','Wild','Crystal','Endless'])[1 + i % 10],
          (ARRAY['Rain','Hearts','City','Ocean','Dreams','Fire','Highway','Echoes','Garden','Skyline','Lights','River'])[1 + i % 12]
FROM generate_series(0, 119) i;

-- users 1..300; users 271..300 become creators 1..30
SELECT count(music.create_user('listener_' || i, 'Listener ' || i,
			(ARRAY['US','DE','BR','JP','FR','GB','SE','NG'])[1 + i % 8], 1960 + i % 45))
FROM generate_series(1, 270) i;
SELECT count(music.create_user('artist_' || i))
FROM generate_series(1, 30) i;
SELECT count(music.create_creator(270 + i, w.adjective || ' ' || w.noun))
FROM generate_series(1, 30) i JOIN words w ON w.n = i * 7 % 120;

-- 150 tracks, five per creator
SELECT count(music.publish_track(1 + (i - 1) / 5, w.adjective || ' ' || w.noun || ' ' || (ARRAY['Pt. I','(Live)','Remix','','Reprise'])[1 + i % 5],
			120000 + (i * 7919) % 240000,
			(ARRAY['pop','rock','hip hop','electronic','jazz','folk'])[1 + i % 6]))
FROM generate_series(1, 150) i JOIN words w ON w.n = (i * 13) % 120;

-- 6,000 plays over the last 30 days; popular tracks get most of them
SELECT count(*) FILTER (WHERE counted) AS counted_plays, count(*) AS plays FROM (
	SELECT music.record_play(u, t, ms, at, (ARRAY['search','playlist','radio','profile'])[1 + u % 4]) AS counted
	FROM (
		SELECT 1 + floor(random() * 270)::int AS u,
			   1 + floor(150 * power(random(), 3))::int AS t,
			   g
		FROM generate_series(1, 6000) g
	) pick
	JOIN LATERAL (SELECT duration_ms FROM music.tracks WHERE id = pick.t) d ON true
	CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.15 THEN floor(random() * 30000)::int
							   ELSE d.duration_ms END AS ms,
							  now() - interval '30 days' + pick.g * interval '7 minutes' AS at) p
	ORDER BY pick.g
) plays \gset demo_
\echo 'Loaded' :demo_plays 'plays,' :demo_counted_plays 'of them counted.'

SELECT count(*) FILTER (WHERE liked) AS likes FROM (
	SELECT music.like_track(1 + floor(random() * 270)::int, 1 + floor(150 * power(random(), 2))::int) AS liked
	FROM generate_series(1, 2500)
) l;
SELECT count(*) FILTER (WHERE followed) AS follows FROM (
	SELECT music.follow(1 + floor(random() * 270)::int, 1 + floor(30 * power(random(), 2))::int) AS followed
	FROM generate_series(1, 2000)
) f;
SELECT count(music.add_comment(1 + floor(random() * 270)::int, 1 + floor(20 * random())::int,
		(ARRAY['This is on repeat', 'That bridge!', 'Saw this live last year', 'Underrated'])[1 + g % 4]))
FROM generate_series(1, 300) g;

-- forty playlists of ten tracks
SELECT count(music.create_playlist(1 + (p * 37) % 270, w.adjective || ' ' || w.noun || ' mix', p % 5 <> 0))
FROM generate_series(1, 40) p JOIN words w ON w.n = (p * 11) % 120;
SELECT count(music.playlist_add(p, 1 + floor(150 * random())::int))
FROM generate_series(1, 40) p, generate_series(1, 10) n;

-- last month's premium subscriptions, then the month close that pays creators
SELECT count(music.record_subscription_payment(u, date_trunc('month', now() - interval '1 month')::date, 4.99)) AS payments
FROM generate_series(1, 120) u;
SELECT music.close_month(date_trunc('month', now() - interval '1 month')::date);
