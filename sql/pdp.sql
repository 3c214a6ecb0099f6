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

DROP EXTENSION hybridmusic CASCADE;
