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
