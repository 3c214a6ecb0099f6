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
