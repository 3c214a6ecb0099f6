-- The platform's people and catalogue for `make demo`, written through the
-- functions an app calls: :users users, of whom the last :creators are
-- creators with five tracks each, and forty playlists.  The platform clock
-- stands at 1 January 2025 (music.as_of in the demo's postgresql.conf).
\set QUIET on
\o /dev/null
SELECT setseed(0.42);

-- Month reports and quarter reports would send one snapshot per active
-- creator; the demo keeps the milestone snapshots (every 5,000 counted plays
-- and 1,000 followers) so that its queue drains in seconds.
UPDATE music.milestone_rules SET jobs = '{}' WHERE rule IN ('month', 'quarter');

CREATE TEMP TABLE words (n int, adjective text, noun text);
INSERT INTO words
SELECT i, (ARRAY['Midnight','Electric','Golden','Silent','Neon','Broken','Velvet','Wild','Crystal','Endless'])[1 + i % 10],
          (ARRAY['Rain','Hearts','City','Ocean','Dreams','Fire','Highway','Echoes','Garden','Skyline','Lights','River'])[1 + i % 12]
FROM generate_series(0, 119) i;

SELECT count(music.create_user('listener_' || i, 'Listener ' || i,
			(ARRAY['US','DE','BR','JP','FR','GB','SE','NG'])[1 + i % 8], 1960 + i % 45))
FROM generate_series(1, :users - :creators) i;
SELECT count(music.create_user('artist_' || i))
FROM generate_series(1, :creators) i;
-- creator i is user :users - :creators + i
SELECT count(music.create_creator(:users - :creators + i, name))
FROM (SELECT i, w.adjective || ' ' || w.noun || ' ' || i AS name
	  FROM generate_series(1, :creators) i JOIN words w ON w.n = i * 7 % 120 ORDER BY i) c;

-- tracks 5(i-1)+1 .. 5i belong to creator i; two to three and a half minutes
SELECT count(music.publish_track(1 + (i - 1) / 5, title, 120000 + (i * 7919) % 90000,
			(ARRAY['pop','rock','hip hop','electronic','jazz','folk'])[1 + i % 6]))
FROM (SELECT i, w.adjective || ' ' || w.noun || ' ' || (ARRAY['Pt. I','(Live)','Remix','','Reprise'])[1 + i % 5] AS title
	  FROM generate_series(1, 5 * :creators) i JOIN words w ON w.n = (i * 13) % 120 ORDER BY i) t;

SELECT count(music.create_playlist(1 + (p * 37) % (:users - :creators), title, p % 5 <> 0))
FROM (SELECT p, w.adjective || ' ' || w.noun || ' mix' AS title
	  FROM generate_series(1, 40) p JOIN words w ON w.n = (p * 11) % 120 ORDER BY p) l;
SELECT count(music.playlist_add(p, 1 + floor(5 * :creators * random())::int))
FROM generate_series(1, 40) p, generate_series(1, 10) n;

SELECT format('   %s users, %s creators, %s tracks, %s playlists',
	(SELECT count(*) FROM music.users), (SELECT count(*) FROM music.creators),
	(SELECT count(*) FROM music.tracks), (SELECT count(*) FROM music.playlists)) AS line \gset
\o
\echo :line
