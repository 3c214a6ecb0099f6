-- What an app would show, read through the public API and views.
\pset footer off

\echo
\echo '== Top creators (music.creator_stats)'
SELECT c.name AS creator, s.counted_plays, s.plays, s.followers, s.likes, s.comments
FROM music.creator_stats s JOIN music.creators c ON c.id = s.creator_id
ORDER BY s.counted_plays DESC, c.id LIMIT 5;

\echo '== One creator''s tracks (music.track_stats)'
SELECT t.title, t.genre, s.counted_plays, s.plays - s.counted_plays AS not_counted, s.likes, s.comments
FROM music.track_stats s JOIN music.tracks t ON t.id = s.track_id
WHERE t.creator_id = 1 ORDER BY s.counted_plays DESC;

\echo '== Why plays did not count'
SELECT coalesce(not_counted_reason, '(counted)') AS outcome, count(*) AS plays
FROM music.plays GROUP BY 1 ORDER BY 2 DESC;

\echo '== Playlists of user 38'
SELECT p.title AS playlist, p.is_public AS public, pt.position, t.title AS track
FROM music.playlists p
JOIN music.playlist_tracks pt ON pt.playlist_id = p.id
JOIN music.tracks t ON t.id = pt.track_id
WHERE p.user_id = 38 ORDER BY p.id, pt.position;

\echo '== search(''cristal rain'') by user 7, typos and all'
SELECT kind, id, title, round(score::numeric, 2) AS score FROM music.search('cristal rain', 7, 8);

\echo '== Last month''s earnings (70% of subscriptions, pro-rata by counted plays)'
SELECT c.name AS creator, e.counted_plays, round(e.revenue, 4) AS revenue_fil
FROM music.creator_earnings e JOIN music.creators c ON c.id = e.creator_id
ORDER BY e.revenue DESC LIMIT 5;
