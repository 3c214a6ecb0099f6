SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

-- setup: users 1..3, a creator (user 3) with a 3-minute track (1) and a
-- 20-second track (2)
SELECT count(music.create_user('user' || i)) FROM generate_series(1, 3) i;
SELECT music.create_creator(3, 'Band');
SELECT music.publish_track(1, 'long', 180000), music.publish_track(1, 'short', 20000);
SELECT music.record_play(1, 1, 60000, '2026-01-10 10:00:00+00');

-- five plays: user 1's first is 10 s after their stored counted play
-- (overlap), the next two are 40 s apart (both count), user 2's 10 s play
-- of the long track is too short, and their full play of the 20-second
-- track counts (the minimum is the track's length)
SELECT music.record_plays(ARRAY[1, 1, 1, 2, 2], ARRAY[1, 1, 1, 1, 2], ARRAY[60000, 60000, 60000, 10000, 20000],
						  ARRAY['2026-01-10 10:00:10+00', '2026-01-10 10:01:00+00', '2026-01-10 10:01:40+00',
								'2026-01-10 11:00:00+00', '2026-01-10 11:00:20+00']::timestamptz[]) AS counted;
SELECT user_id, track_id, creator_id, played_at, counted, not_counted_reason FROM music.plays ORDER BY id;
-- within a batch, a user's plays closer than the minimum: the first in time
-- counts, the one 20 s later does not, whatever the array order
SELECT music.record_plays(ARRAY[2, 2], ARRAY[1, 1], ARRAY[60000, 60000],
						  ARRAY['2026-01-11 10:00:20+00', '2026-01-11 10:00:00+00']::timestamptz[]) AS counted;
SELECT played_at, counted, not_counted_reason FROM music.plays WHERE played_at >= '2026-01-11' ORDER BY played_at;
-- the counters saw every play once
SELECT plays, counted_plays FROM music.track_stats WHERE track_id = 1;
SELECT music.record_plays('{}', '{}', '{}', '{}');

-- errors change nothing: unknown track or user, too long, future, nulls,
-- different lengths
SELECT music.record_plays(ARRAY[1, 1], ARRAY[1, 99], ARRAY[60000, 60000], ARRAY[music.as_of() - interval '1 day', music.as_of()]);
SELECT music.record_plays(ARRAY[99], ARRAY[1], ARRAY[60000], ARRAY[music.as_of()]);
SELECT music.record_plays(ARRAY[1], ARRAY[2], ARRAY[30000], ARRAY[music.as_of()]);
SELECT music.record_plays(ARRAY[1], ARRAY[1], ARRAY[60000], ARRAY[music.as_of() + interval '1 day']);
SELECT music.record_plays(ARRAY[1], ARRAY[1], ARRAY[-1], ARRAY[music.as_of()]);
SELECT music.record_plays(ARRAY[1, NULL], ARRAY[1, 1], ARRAY[60000, 60000], ARRAY[music.as_of(), music.as_of()]);
SELECT music.record_plays(ARRAY[1], ARRAY[1, 1], ARRAY[60000], ARRAY[music.as_of()]);
SELECT music.record_plays(NULL, ARRAY[1], ARRAY[60000], ARRAY[music.as_of()]);
SELECT music.record_plays(ARRAY[[1]], ARRAY[[1]], ARRAY[[60000]], ARRAY[[music.as_of()]]);
SELECT music.record_plays(array_fill(1::bigint, ARRAY[5001]), array_fill(1::bigint, ARRAY[5001]),
                          array_fill(60000, ARRAY[5001]), array_fill(music.as_of(), ARRAY[5001]));
SELECT count(*) FROM music.plays;
