-- Filecoin PDP snapshots (issue 12): piece commitments computed in C, and
-- the snapshots the worker uploads to a PDP provider.  This file is also the
-- 0.1 -> 0.2 upgrade part (sql/upgrade/0.1--0.2/40_pdp.sql links to it), so
-- a fresh install and an upgrade create the same objects.  It grants its own
-- privileges: the upgrade does not run 900_privileges.sql.

CREATE FUNCTION piece_cid(data bytea)
RETURNS text AS 'MODULE_PATHNAME', 'music_piece_cid' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION piece_cid(bytea) IS 'PieceCID v2 (bafkzcib...) of 127 bytes to 1016 MiB, as a Filecoin PDP provider computes it.';

CREATE FUNCTION piece_cid_raw_size(cid text)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_piece_cid_raw_size' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION piece_cid_raw_size(text) IS 'Raw byte count a PieceCID v2 stands for; rejects anything that is not a strict v2 CID.';

REVOKE ALL ON FUNCTION piece_cid(bytea), piece_cid_raw_size(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION piece_cid(bytea), piece_cid_raw_size(text) TO music_app, music_reader, music_admin;

-- The EIP-712 messages the worker signs for the provider (pdp-protocol.md
-- §3), so tests and auditors can check a request's digest and extraData.
CREATE FUNCTION pdp_create_data_set_request(chain_id bigint, record_keeper text, client_data_set_id bigint,
											payee text, metadata_keys text[], metadata_values text[],
											payer text DEFAULT NULL, signature text DEFAULT NULL,
											OUT struct_hash text, OUT digest text, OUT signer text, OUT extra_data text)
AS 'MODULE_PATHNAME', 'music_pdp_create_data_set_request' LANGUAGE C IMMUTABLE;
COMMENT ON FUNCTION pdp_create_data_set_request IS 'EIP-712 CreateDataSet struct hash and digest; with a signature, the address it recovers to and the extraData.';

CREATE FUNCTION pdp_add_pieces_request(chain_id bigint, record_keeper text, client_data_set_id bigint, nonce bigint,
									   piece_cids text[], metadata_pieces int[], metadata_keys text[],
									   metadata_values text[], signature text DEFAULT NULL,
									   create_extra_data text DEFAULT NULL,
									   OUT struct_hash text, OUT digest text, OUT signer text, OUT extra_data text)
AS 'MODULE_PATHNAME', 'music_pdp_add_pieces_request' LANGUAGE C IMMUTABLE;
COMMENT ON FUNCTION pdp_add_pieces_request IS 'EIP-712 AddPieces struct hash and digest (metadata entry i belongs to piece metadata_pieces[i]); with a signature, the signer and extraData, and with create_extra_data the create-and-add extraData.';

REVOKE ALL ON FUNCTION pdp_create_data_set_request, pdp_add_pieces_request FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pdp_create_data_set_request, pdp_add_pieces_request TO music_admin;

CREATE FUNCTION piece_cid_root(cid text)
RETURNS bytea AS 'MODULE_PATHNAME', 'music_piece_cid_root' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION piece_cid_root(text) IS 'The 32-byte piece commitment (CommP root) a PieceCID v2 carries.';
REVOKE ALL ON FUNCTION piece_cid_root(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION piece_cid_root(text) TO music_app, music_reader, music_admin;

-- A creator's snapshots form a hash-linked chain: each one's content names
-- the piece CID of the one before (previous_id), fixed when it is built, so
-- the chain does not depend on the order in which uploads confirm.
-- Life of a snapshot: built (content and CID fixed) -> uploaded (parked and
-- findable at the provider) -> adding (AddPieces sent; status_url kept
-- before the first poll, so a crash never leads to a second POST) ->
-- confirmed, or failed (the reason in last_error; the job retries).
CREATE TABLE pdp_snapshots (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id bigint NOT NULL UNIQUE REFERENCES jobs,
	creator_id bigint NOT NULL REFERENCES creators,
	milestone_id bigint REFERENCES milestones,
	milestone text NOT NULL,
	previous_id bigint UNIQUE REFERENCES pdp_snapshots,
	content bytea NOT NULL,
	piece_cid text NOT NULL,
	size int NOT NULL CHECK (size = octet_length(content)),
	status text NOT NULL DEFAULT 'built'
		CHECK (status IN ('built', 'uploaded', 'adding', 'confirmed', 'failed')),
	data_set_id bigint,
	piece_id bigint,
	add_nonce numeric(78, 0),
	status_url text,
	tx_hash text,
	confirmed_tx_hash text,
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	confirmed_at timestamptz,
	CHECK ((status = 'confirmed') = (piece_id IS NOT NULL AND confirmed_at IS NOT NULL)),
	CHECK (status <> 'adding' OR add_nonce IS NOT NULL)
);
CREATE INDEX pdp_snapshots_creator ON pdp_snapshots (creator_id, id);
COMMENT ON TABLE pdp_snapshots IS 'Creator snapshots stored with a Filecoin PDP provider: the exact bytes, their PieceCID v2, and where they were committed.';
COMMENT ON COLUMN pdp_snapshots.status_url IS 'The provider''s status URL of the AddPieces request, saved before it is polled.';

-- The platform's data set at the provider, created on first use.
CREATE TABLE pdp_data_sets (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	service_url text NOT NULL,
	record_keeper text NOT NULL,
	payer text NOT NULL,
	client_data_set_id numeric(78, 0) NOT NULL UNIQUE,
	status text NOT NULL DEFAULT 'creating' CHECK (status IN ('creating', 'ready', 'failed')),
	status_url text,
	tx_hash text,
	data_set_id bigint,
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now(),
	CHECK ((status = 'ready') = (data_set_id IS NOT NULL))
);
CREATE UNIQUE INDEX pdp_data_sets_one_live ON pdp_data_sets (service_url, record_keeper) WHERE status <> 'failed';
COMMENT ON TABLE pdp_data_sets IS 'The data set each provider keeps the platform''s pieces in; one live row per provider and record keeper.';

-- The canonical snapshot document of a milestone: keys sorted bytewise, no
-- white space, integers as numbers, amounts as decimal strings, so the same
-- numbers always give the same bytes and the same PieceCID.
CREATE FUNCTION pdp_snapshot_content(milestone_id bigint, previous_piece_cid text)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, music, pg_temp AS $content$
WITH m AS (
	SELECT * FROM milestones WHERE id = pdp_snapshot_content.milestone_id
), fans AS (
	SELECT u.country, extract(year FROM m.reached_at AT TIME ZONE 'UTC')::int - u.birth_year AS age
	FROM m JOIN follows f ON f.creator_id = m.creator_id JOIN users u ON u.id = f.user_id
), bands AS (
	SELECT CASE WHEN age IS NULL THEN 'unknown' WHEN age < 18 THEN 'under18' WHEN age < 25 THEN '18-24'
				WHEN age < 35 THEN '25-34' WHEN age < 45 THEN '35-44' WHEN age < 55 THEN '45-54'
				WHEN age < 65 THEN '55-64' ELSE '65+' END AS band
	FROM fans
)
SELECT '{"createdAt":' || to_json(to_char(m.reached_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
	|| ',"creatorId":' || m.creator_id
	|| ',"fanDemographics":{"ageBands":{'
	|| coalesce((SELECT string_agg(to_json(band)::text || ':' || n, ',' ORDER BY band COLLATE "C")
				 FROM (SELECT band, count(*) AS n FROM bands GROUP BY band) b), '')
	|| '},"countries":{'
	|| coalesce((SELECT string_agg(to_json(country)::text || ':' || n, ',' ORDER BY country COLLATE "C")
				 FROM (SELECT coalesce(country, 'unknown') AS country, count(*) AS n FROM fans GROUP BY 1) c), '')
	|| '}},"followers":' || s.followers
	|| ',"milestone":{"id":' || m.id || ',"period":' || coalesce(to_json(m.period::text)::text, 'null')
	|| ',"rule":' || to_json(m.rule) || ',"threshold":' || m.threshold || ',"value":' || to_json(m.value::text) || '}'
	|| ',"monthlyRevenue":{'
	|| coalesce((SELECT string_agg(to_json(month::text)::text || ':' || to_json(revenue::text), ',' ORDER BY month)
				 FROM (SELECT month, revenue FROM creator_earnings e
					   WHERE e.creator_id = m.creator_id ORDER BY month DESC LIMIT 12) r), '')
	|| '},"previousPieceCid":' || coalesce(to_json(previous_piece_cid)::text, 'null')
	|| ',"schemaVersion":1,"topTracks":['
	|| coalesce((SELECT string_agg('{"plays":' || plays || ',"title":' || to_json(title) || ',"trackId":' || id || '}',
								   ',' ORDER BY plays DESC, id)
				 FROM (SELECT t.id, t.title, ts.plays FROM tracks t JOIN track_stats ts ON ts.track_id = t.id
					   WHERE t.creator_id = m.creator_id ORDER BY ts.plays DESC, t.id LIMIT 10) tt), '')
	|| '],"totalPlays":' || s.plays || '}'
FROM m JOIN creator_stats s ON s.creator_id = m.creator_id
$content$;

-- Builds the snapshot of a pdp_snapshot job once: later calls return the
-- same row, so a retried job never makes a second snapshot.  The creator's
-- row is locked so that two snapshots cannot both claim one predecessor.
CREATE FUNCTION pdp_take_snapshot(job_id bigint)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $take$
DECLARE
	j jobs%ROWTYPE;
	prev pdp_snapshots%ROWTYPE;
	body bytea;
	snapshot_id bigint;
BEGIN
	SELECT id INTO snapshot_id FROM pdp_snapshots s WHERE s.job_id = pdp_take_snapshot.job_id;
	IF FOUND THEN
		RETURN snapshot_id;
	END IF;
	SELECT * INTO j FROM jobs WHERE id = pdp_take_snapshot.job_id AND kind = 'pdp_snapshot';
	IF NOT FOUND OR j.creator_id IS NULL OR j.milestone_id IS NULL THEN
		RAISE EXCEPTION 'job % is not a pdp_snapshot job of a creator''s milestone', job_id
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM FROM creators WHERE id = j.creator_id FOR UPDATE;
	SELECT * INTO prev FROM pdp_snapshots WHERE creator_id = j.creator_id ORDER BY id DESC LIMIT 1;
	body := convert_to(pdp_snapshot_content(j.milestone_id, prev.piece_cid), 'UTF8');
	INSERT INTO pdp_snapshots (job_id, creator_id, milestone_id, milestone, previous_id, content, piece_cid, size)
	SELECT j.id, j.creator_id, j.milestone_id, m.rule || ' ' || m.threshold || coalesce(' ' || m.period, ''),
		   prev.id, body, piece_cid(body), octet_length(body)
	FROM milestones m WHERE m.id = j.milestone_id
	RETURNING id INTO snapshot_id;
	RETURN snapshot_id;
END
$take$;
COMMENT ON FUNCTION pdp_take_snapshot(bigint) IS 'The snapshot of a pdp_snapshot job, built on the first call (used by the worker).';

-- An auditor's check: per snapshot, whether the stored bytes still give the
-- recorded PieceCID, and whether the document names its predecessor's CID.
CREATE FUNCTION verify_snapshots(creator_id bigint)
RETURNS TABLE (snapshot_id bigint, milestone text, piece_cid text, status text,
			   content_matches_cid boolean, links_to_previous boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $verify$
DECLARE
	s record;
	previous_id bigint;
	previous_cid text;
	named_previous text;
BEGIN
	FOR s IN SELECT * FROM pdp_snapshots q WHERE q.creator_id = verify_snapshots.creator_id ORDER BY q.id LOOP
		snapshot_id := s.id;
		milestone := s.milestone;
		piece_cid := s.piece_cid;
		status := s.status;
		content_matches_cid := octet_length(s.content) BETWEEN 127 AND 1065353216
			AND music.piece_cid(s.content) = s.piece_cid;
		BEGIN
			named_previous := convert_from(s.content, 'UTF8')::jsonb ->> 'previousPieceCid';
			links_to_previous := named_previous IS NOT DISTINCT FROM previous_cid
				AND s.previous_id IS NOT DISTINCT FROM previous_id;
		EXCEPTION WHEN data_exception OR character_not_in_repertoire OR untranslatable_character THEN
			links_to_previous := false;		-- the bytes are no longer a snapshot document
		END;
		RETURN NEXT;
		previous_id := s.id;
		previous_cid := s.piece_cid;
	END LOOP;
END
$verify$;
COMMENT ON FUNCTION verify_snapshots(bigint) IS 'Per snapshot of a creator: do its bytes still hash to its PieceCID, and does it link to the snapshot before it?';

-- The dataHash of the creator's next on-chain metrics update: the piece
-- commitment of the latest confirmed snapshot (NULL before the first).
CREATE FUNCTION latest_snapshot_commitment(creator_id bigint)
RETURNS bytea LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $latest$
	SELECT music.piece_cid_root(s.piece_cid) FROM music.pdp_snapshots s
	WHERE s.creator_id = latest_snapshot_commitment.creator_id AND s.status = 'confirmed'
	ORDER BY s.id DESC LIMIT 1
$latest$;
COMMENT ON FUNCTION latest_snapshot_commitment(bigint) IS 'CommP root (32 bytes) of the creator''s latest confirmed PDP snapshot: the dataHash of the next metrics update.';

REVOKE ALL ON TABLE pdp_snapshots, pdp_data_sets FROM PUBLIC;
GRANT SELECT ON pdp_snapshots, pdp_data_sets TO music_admin;
REVOKE ALL ON FUNCTION pdp_snapshot_content(bigint, text), pdp_take_snapshot(bigint),
	verify_snapshots(bigint), latest_snapshot_commitment(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION verify_snapshots(bigint), latest_snapshot_commitment(bigint) TO music_app, music_reader, music_admin;
-- music_owner gets on these objects what 900_privileges.sql gives it on
-- every object of a fresh install (the upgrade does not run that file), and
-- owns the SECURITY DEFINER functions (its rule 2).
GRANT SELECT, INSERT, UPDATE, DELETE ON pdp_snapshots, pdp_data_sets TO music_owner;
GRANT USAGE ON SEQUENCE pdp_snapshots_id_seq, pdp_data_sets_id_seq TO music_owner;
GRANT EXECUTE ON FUNCTION piece_cid(bytea), piece_cid_raw_size(text), piece_cid_root(text),
	pdp_create_data_set_request, pdp_add_pieces_request, pdp_snapshot_content(bigint, text),
	pdp_take_snapshot(bigint), verify_snapshots(bigint), latest_snapshot_commitment(bigint) TO music_owner;
ALTER FUNCTION verify_snapshots(bigint) OWNER TO music_owner;
ALTER FUNCTION latest_snapshot_commitment(bigint) OWNER TO music_owner;
