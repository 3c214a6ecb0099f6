-- Filecoin PDP: piece commitments (PieceCID v2), pinned to the vectors of
-- shared/design/pdp-protocol.md §4 and to an independent reference
-- implementation for the edge sizes.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;
\i test/fails.sql
-- like fails(), with the error's detail
CREATE FUNCTION pg_temp.fails_because(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || coalesce(nullif(detail, ''), SQLERRM);
END
$$;

-- n bytes where byte i is i & 0xff (the vectors' input)
CREATE FUNCTION pg_temp.ramp(n int) RETURNS bytea LANGUAGE sql AS $$
	SELECT decode(string_agg(lpad(to_hex(i % 256), 2, '0'), '' ORDER BY i), 'hex')
	FROM generate_series(0, n - 1) i
$$;

-- section: the protocol's vectors
SELECT music.piece_cid(decode(repeat('00', 127), 'hex')) = 'bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy' AS zeros_127,
	   music.piece_cid(decode(repeat('00', 128), 'hex')) = 'bafkzcibcpybwiktap34inmaex4wbs6cghlq5i2j2yd2bb2zndn5ep7ralzphkdy' AS zeros_128,
	   music.piece_cid(pg_temp.ramp(127)) = 'bafkzcibcaablqfyjsvd3rrmqmd7n4f7i73ybzuxfq4p4za6lft2jeaaaaguxefq' AS ramp_127,
	   music.piece_cid(pg_temp.ramp(1000)) = 'bafkzcibccaczkoh4cjw2k3gkvmluved57mca6x6dw6p4onbdyvlzefcuzzih4ky' AS ramp_1000,
	   music.piece_cid(pg_temp.ramp(1048576)) = 'bafkzcibeqcad6edm622blsi5azq3dfdtoxjme5pem6ifnngxatsqd4azefcxmsdtg4' AS ramp_1mib;

-- section: edge sizes (one byte past a quad, past a power of two, past the
-- 256-quad chunk the tree is built in), against a reference implementation
CREATE TEMP TABLE edge (size int, cid text);
INSERT INTO edge VALUES
	(128, 'bafkzcibcpybqj7qkb57afev2spxmfdh2s3arntdku6yeeipwuhmsv4pnfgbewmy'),
	(508, 'bafkzcibcaacbw56rzg5lrcmj7gwdfrp3faiihsa3n5cgc65qbstidknro5j5uhq'),
	(509, 'bafkzcibd7mbqljsylidoc7fbbdohsdhxgna2mdqudw5qz55dclswotxd2xjbnnqe'),
	(1016, 'bafkzcibcaacvgd5kgwg3hyvta3kj7rvjh6afn45w4qyszn5vhthxsthdshvt4mq'),
	(1017, 'bafkzcibd64dqnpnk4ghip5pur7ahcnm73nwny5h6k5znkoein7ybqybslhmdzezx'),
	(32512, 'bafkzcibcaafgk5vqbjw5mexscjtiyyyek6uamkczehxk2sz6l335morr3ixrsmq'),
	(32513, 'bafkzcibe776qccz3nisdrvuklrwjy4bcfyzzv5yv4judzi2h74r3tjgrlrjv7kkshi'),
	(65024, 'bafkzcibcaaftl4mfzfypvgyq2prt26bqzklrkfv55nwfqqr5ooy3x55mvinykgy'),
	(65025, 'bafkzcibe775qgddwohegac7b7kfgf67yk6vfrnwzelms3qba7u27dliglk6htt3kfi'),
	(130049, 'bafkzcibe773qodj5ofkvmhsth3ofrhg4a5qte3a6dovyiqg6qjsyrppzedkaimylde');
SELECT size, music.piece_cid(pg_temp.ramp(size)) = cid AS matches,
	   music.piece_cid_raw_size(cid) = size AS size_decodes
FROM edge ORDER BY size;

-- the portable code gives what the SHA instructions give, at every size
-- from one to nine quads
CREATE TEMP TABLE with_sha AS
	SELECT n, music.piece_cid(pg_temp.ramp(n)) AS cid FROM generate_series(127, 127 * 9) n;
SET music.piece_cid_sha_extensions = off;
SELECT size FROM edge WHERE music.piece_cid(pg_temp.ramp(size)) <> cid;
SELECT count(*) AS sizes, count(*) FILTER (WHERE music.piece_cid(pg_temp.ramp(n)) <> cid) AS mismatches
FROM with_sha;
RESET music.piece_cid_sha_extensions;

-- section: sizes a provider refuses
SELECT pg_temp.fails($$SELECT music.piece_cid('')$$);
SELECT pg_temp.fails($$SELECT music.piece_cid(decode(repeat('00', 126), 'hex'))$$);
SELECT pg_temp.fails($$SELECT music.piece_cid(NULL)$$);

-- section: strict PieceCID v2 parsing
SELECT music.piece_cid_raw_size('bafkzcibertksae2h5gohz3y4gc6o3uvrljmh4fyz4bexjywokbejjiy63uv2vxzqcq') AS sdk_fixture,
	   music.piece_cid_raw_size('bafkzcibcp4bdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy') AS empty_piece;
SELECT what, pg_temp.fails_because(format('SELECT music.piece_cid_raw_size(%L)', cid)) FROM (VALUES
	('v1 piece cid', 'baga6ea4seaqdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy'),
	('upper case', 'BAFKZCIBCAABDOMN3TGWGRH3G532ZOPSKSTNBRD2N3SXFQBZE7RXT7VQN7VEIGMY'),
	('base58', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'),
	('garbage', 'b!!'),
	('not a cid', 'bafy'),
	('codec dag-pb', 'bafyjcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy'),
	('version 0', 'babkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy'),
	('digest length', 'bafkzcibbaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy'),
	('truncated root', 'bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veig'),
	('trailing bits', 'bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmz'),
	('height 1', 'bafkzcibcaaatomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy'),
	('padding over capacity', 'bafkzcibdqaaqenzrxom2y2e7m3xplfz6jkknugepjxok4wahet6g6p6wbx6urazt'),
	('padding not minimal', 'bafkzcibdqaaaenzrxom2y2e7m3xplfz6jkknugepjxok4wahet6g6p6wbx6urazt'),
	('root over 254 bits', 'bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veihmy'),
	('empty', '')) AS bad(what, cid);

-- section: EIP-712 requests, pinned to pdp-protocol.md §3's vectors
-- (calibration domain; key 0x1234...1234 signs as 0x2e988a38...aabfb)
CREATE FUNCTION pg_temp.word(hex text) RETURNS text LANGUAGE sql AS $$ SELECT lpad(hex, 64, '0') $$;
CREATE FUNCTION pg_temp.padded(hex text) RETURNS text LANGUAGE sql AS $$ SELECT rpad(hex, 64, '0') $$;
\set fwss '0x02925630df557F957f70E112bA06e50965417CA0'
\set payee '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
\set signer '0x2e988a386a799f506693793c6a5af6b54dfaabfb'
\set sig1 '0x71b76dc59fda32a090b48744f047748725f1989d69c24b25713ff7c175f365255d96f112712439fc01a2a9c6fb6cd5e0e78bd57888677cb5172f08acebfc34e21b'
\set sig2 '0xe629320e4fed8eebdc015f875541230d1478aac9308117b66d4a165de54e28096439705e753274f445b4c62a5ccdf53761efaec6c8f235c3199326a5023daa481b'
\set pieces '{bafkzcibcaac542av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa,bafkzcibcpybwiktap34inmaex4wbs6cghlq5i2j2yd2bb2zndn5ep7ralzphkdy}'
-- vector 1 and 2 extraData, word by word as the protocol lists them
SELECT '0x' || pg_temp.word('2e988a386a799f506693793c6a5af6b54dfaabfb') || pg_temp.word('3039')
	|| pg_temp.word('a0') || pg_temp.word('120') || pg_temp.word('1a0')
	|| pg_temp.word('1') || pg_temp.word('20') || pg_temp.word('5') || pg_temp.padded(encode('title', 'hex'))
	|| pg_temp.word('1') || pg_temp.word('20') || pg_temp.word('b') || pg_temp.padded(encode('TestDataSet', 'hex'))
	|| pg_temp.word('41') || substr(:'sig1', 3, 128) || pg_temp.padded('1b') AS create_words \gset
SELECT '0x' || pg_temp.word('1') || pg_temp.word('80') || pg_temp.word('120') || pg_temp.word('1c0')
	|| pg_temp.word('2') || pg_temp.word('40') || pg_temp.word('60') || pg_temp.word('0') || pg_temp.word('0')
	|| pg_temp.word('2') || pg_temp.word('40') || pg_temp.word('60') || pg_temp.word('0') || pg_temp.word('0')
	|| pg_temp.word('41') || substr(:'sig2', 3, 128) || pg_temp.padded('1b') AS add_words \gset

SELECT struct_hash = '0x0c8c31e66401e73dc91555c11168c192a30e6efb4fa56f665560c1e6ce8a6c9f' AS struct_hash,
	   digest = '0x1af127975a324633628f010f74ae137c2faf23917b87c22da9d85ead20b3bfc5' AS digest,
	   signer = :'signer' AS signature_recovers_to_payer,
	   extra_data = :'create_words' AS extra_data
FROM music.pdp_create_data_set_request(314159, :'fwss', 12345, :'payee', '{title}', '{TestDataSet}', :'signer', :'sig1');
SELECT struct_hash = '0xb186b6f2ac192180860925603df3a22bcf2117bfd5c1866d2cfa072a73e27092' AS struct_hash,
	   digest = '0xf35ab4534acde06b02da8dac76611de50bd15da7de78975f7264fa667cf169dc' AS digest,
	   signer = :'signer' AS signature_recovers_to_payer,
	   extra_data = :'add_words' AS extra_data
FROM music.pdp_add_pieces_request(314159, :'fwss', 12345, 1, :'pieces', NULL, NULL, NULL, :'sig2');
-- vector 3: create-and-add = abi.encode(bytes, bytes)
SELECT extra_data = '0x' || pg_temp.word('40') || pg_temp.word('280') || pg_temp.word('220') || substr(:'create_words', 3)
	|| pg_temp.word('240') || substr(:'add_words', 3) AS create_and_add
FROM music.pdp_add_pieces_request(314159, :'fwss', 12345, 1, :'pieces', NULL, NULL, NULL, :'sig2', :'create_words');
-- the mainnet domain gives another digest, which the vector signature does not sign
SELECT digest <> '0x1af127975a324633628f010f74ae137c2faf23917b87c22da9d85ead20b3bfc5' AS mainnet_differs,
	   signer IS DISTINCT FROM :'signer' AS not_the_payer
FROM music.pdp_create_data_set_request(314, '0x8408502033C418E1bbC97cE9ac48E5528F371A9f', 12345, :'payee',
									   '{title}', '{TestDataSet}', :'signer', :'sig1');
-- per-piece metadata: entry i belongs to piece metadata_pieces[i]; order within a piece is kept
SELECT a.digest = b.digest AS same_message, a.digest <> c.digest AS metadata_signed
FROM music.pdp_add_pieces_request(314159, :'fwss', 1, 2, :'pieces', '{1,0,1}', '{creatorId,creatorId,milestone}', '{8,7,followers_1000}') a,
	 music.pdp_add_pieces_request(314159, :'fwss', 1, 2, :'pieces', '{0,1,1}', '{creatorId,creatorId,milestone}', '{7,8,followers_1000}') b,
	 music.pdp_add_pieces_request(314159, :'fwss', 1, 2, :'pieces', NULL, NULL, NULL) c;
SELECT pg_temp.fails($$SELECT music.pdp_create_data_set_request(314159, '0x1234', 1, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', NULL, NULL)$$);
SELECT pg_temp.fails($$SELECT music.pdp_create_data_set_request(314159, '0x02925630df557F957f70E112bA06e50965417CA0', 1, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '{a,a}', '{1,2}')$$);
SELECT pg_temp.fails($$SELECT music.pdp_create_data_set_request(314159, '0x02925630df557F957f70E112bA06e50965417CA0', 1, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '{a}', '{1,2}')$$);
SELECT pg_temp.fails($$SELECT music.pdp_create_data_set_request(314159, '0x02925630df557F957f70E112bA06e50965417CA0', 1, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', ARRAY[repeat('k', 33)], '{1}')$$);
SELECT pg_temp.fails($$SELECT music.pdp_add_pieces_request(314159, '0x02925630df557F957f70E112bA06e50965417CA0', 1, 1, '{}', NULL, NULL, NULL)$$);
SELECT pg_temp.fails($$SELECT music.pdp_add_pieces_request(314159, '0x02925630df557F957f70E112bA06e50965417CA0', 1, 1, '{baga6ea4seaqdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy}', NULL, NULL, NULL)$$);
SELECT pg_temp.fails($$SELECT music.pdp_add_pieces_request(314159, '0x02925630df557F957f70E112bA06e50965417CA0', 1, 1, '{bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy}', '{0,0,0,0}', '{a,b,c,d}', '{1,2,3,4}')$$);
SELECT pg_temp.fails($$SELECT music.pdp_add_pieces_request(314159, '0x02925630df557F957f70E112bA06e50965417CA0', 1, 1, '{bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy}', '{1}', '{a}', '{1}')$$);
SELECT pg_temp.fails($$SELECT music.pdp_add_pieces_request(314159, '0x02925630df557F957f70E112bA06e50965417CA0', -1, 1, '{bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy}', NULL, NULL, NULL)$$);

-- section: snapshots: canonical content, one per job, a hash-linked chain
SELECT music.create_user('artist') AS artist_user \gset
SELECT music.create_creator(:artist_user, 'Artist') AS artist \gset
SELECT music.publish_track(:artist, 'Hit', 180000) AS hit \gset
SELECT music.publish_track(:artist, 'B-side "quoted"', 180000) AS bside \gset
INSERT INTO music.users (handle, country, birth_year)
SELECT 'fan' || g, (ARRAY['DE', 'US', NULL])[g % 3 + 1], CASE WHEN g % 4 = 0 THEN NULL ELSE 1960 + g % 50 END
FROM generate_series(1, 2000) g;
INSERT INTO music.plays (user_id, track_id, creator_id, played_at, ms_played, counted)
SELECT 1, t.id, t.creator_id, '2025-06-15', 60000, true FROM music.tracks t, generate_series(1, 3) WHERE t.id = :hit;
INSERT INTO music.follows (user_id, creator_id)
SELECT id, :artist FROM music.users WHERE handle LIKE 'fan%' ORDER BY id LIMIT 1000;
SELECT rule, threshold FROM music.milestones WHERE creator_id = :artist ORDER BY id;
UPDATE music.milestones SET reached_at = '2026-03-04 05:06:07.089+00' WHERE creator_id = :artist;
SELECT id AS job1 FROM music.jobs WHERE kind = 'pdp_snapshot' AND creator_id = :artist \gset
SELECT music.pdp_take_snapshot(:job1) AS snap1 \gset
SELECT music.pdp_take_snapshot(:job1) = :snap1 AS built_once, count(*) AS snapshots FROM music.pdp_snapshots;
SELECT convert_from(content, 'UTF8') AS content, size, piece_cid, status, previous_id FROM music.pdp_snapshots WHERE id = :snap1;
SELECT music.piece_cid(content) = piece_cid AS cid_recomputes,
	   convert_from(content, 'UTF8')::jsonb ->> 'schemaVersion' AS schema_version
FROM music.pdp_snapshots WHERE id = :snap1;
SELECT music.latest_snapshot_commitment(:artist) IS NULL AS nothing_confirmed_yet;

-- the next milestone's snapshot names the first one's CID
INSERT INTO music.follows (user_id, creator_id)
SELECT id, :artist FROM music.users WHERE handle LIKE 'fan%' ORDER BY id OFFSET 1000 LIMIT 1000;
UPDATE music.milestones SET reached_at = '2026-03-05 00:00:00+00' WHERE creator_id = :artist AND threshold = 2000;
SELECT id AS job2 FROM music.jobs WHERE kind = 'pdp_snapshot' AND creator_id = :artist AND id <> :job1 \gset
SELECT music.pdp_take_snapshot(:job2) AS snap2 \gset
SELECT s2.previous_id = s1.id AS previous_row,
	   convert_from(s2.content, 'UTF8')::jsonb ->> 'previousPieceCid' = s1.piece_cid AS names_previous_cid,
	   convert_from(s2.content, 'UTF8')::jsonb ->> 'followers' AS followers
FROM music.pdp_snapshots s1, music.pdp_snapshots s2 WHERE s1.id = :snap1 AND s2.id = :snap2;

-- a confirmed snapshot's commitment is the dataHash of the next metrics update
UPDATE music.pdp_snapshots SET status = 'confirmed', data_set_id = 1, piece_id = 0, confirmed_at = now() WHERE id = :snap1;
SELECT music.latest_snapshot_commitment(:artist) = music.piece_cid_root(piece_cid) AS commitment,
	   octet_length(music.latest_snapshot_commitment(:artist)) AS bytes
FROM music.pdp_snapshots WHERE id = :snap1;

-- the auditor's check, then the same after tampering with the stored bytes
SELECT milestone, status, content_matches_cid, links_to_previous FROM music.verify_snapshots(:artist);
UPDATE music.pdp_snapshots SET content = overlay(content PLACING '9' FROM 15 FOR 1) WHERE id = :snap1;
SELECT milestone, content_matches_cid, links_to_previous FROM music.verify_snapshots(:artist);
UPDATE music.pdp_snapshots SET content = '\xff', size = 1 WHERE id = :snap2;
SELECT milestone, content_matches_cid, links_to_previous FROM music.verify_snapshots(:artist);
SELECT pg_temp.fails($$SELECT music.pdp_take_snapshot(0)$$);

DROP EXTENSION hybridmusic CASCADE;
