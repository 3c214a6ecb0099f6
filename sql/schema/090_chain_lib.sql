-- The chain client (src/keccak.c, rlp.c, abi.c, chain_tx.c, chain_rpc.c):
-- each layer exposed to SQL so that a user can check a hash, an encoding or
-- a signer with the same code the worker uses; creators' linked wallets.

CREATE TABLE creator_wallets (
	creator_id bigint PRIMARY KEY REFERENCES creators,
	address text NOT NULL UNIQUE CHECK (address ~ '^0x[0-9a-f]{40}$'),
	signature text NOT NULL CHECK (signature ~ '^0x[0-9a-f]{130}$'),
	chain_id bigint NOT NULL CHECK (chain_id > 0),
	linked_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE creator_wallets IS 'Each creator''s EVM wallet (lower-case), with the EIP-191 signature of the wallet-link message that proved it; set on-chain by a wallet_link job.';
SELECT pg_catalog.pg_extension_config_dump('creator_wallets', '');

CREATE FUNCTION keccak256(data bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'music_keccak256' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION keccak256(bytea) IS 'Ethereum''s Keccak-256 (not SHA3-256).';

CREATE FUNCTION abi_selector(signature text)
RETURNS bytea AS 'MODULE_PATHNAME', 'music_abi_selector' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION abi_selector(text) IS 'The 4-byte selector of a canonical function or error signature, e.g. ''setVerified(uint256,bool)''.';

CREATE FUNCTION abi_encode_metrics_batch(creator_ids bigint[], sequences bigint[], total_plays bigint[],
										 followers bigint[], revenues numeric[], data_hashes bytea[])
RETURNS bytea AS 'MODULE_PATHNAME', 'music_abi_encode_metrics_batch' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION abi_encode_metrics_batch(bigint[], bigint[], bigint[], bigint[], numeric[], bytea[]) IS 'Call data of CreatorCoinFactory.updateCreatorMetricsBatch, as the worker sends it.';

CREATE FUNCTION abi_revert_reason(data bytea, known_errors text[] DEFAULT '{}')
RETURNS text AS 'MODULE_PATHNAME', 'music_abi_revert_reason' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION abi_revert_reason(bytea, text[]) IS 'Why a call reverted: Error(string), Panic(uint256) or one of the custom errors listed by signature.';

CREATE FUNCTION rlp_encode(item jsonb)
RETURNS bytea AS 'MODULE_PATHNAME', 'music_rlp_encode' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rlp_encode(jsonb) IS 'RLP of a JSON item: arrays are lists, "0x.." strings hex bytes, other strings UTF-8, numbers integers.';

CREATE FUNCTION checksum_address(address text)
RETURNS text AS 'MODULE_PATHNAME', 'music_checksum_address' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION checksum_address(text) IS 'The EIP-55 mixed-case form of an address; refuses a mixed-case address whose checksum is wrong.';

CREATE FUNCTION recover_signer(message text, signature text)
RETURNS text AS 'MODULE_PATHNAME', 'music_recover_signer' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION recover_signer(text, text) IS 'The address that signed message with personal_sign (EIP-191), lower-case.';

CREATE FUNCTION signer_address()
RETURNS text AS 'MODULE_PATHNAME', 'music_signer_address' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION signer_address() IS 'The address of the worker''s key (music.signer_key_file): the account to fund with gas.';

CREATE FUNCTION sign_transaction(chain_id bigint, nonce bigint, max_priority_fee_per_gas bigint,
								 max_fee_per_gas bigint, gas_limit bigint, "to" text, value numeric, data bytea)
RETURNS bytea AS 'MODULE_PATHNAME', 'music_sign_transaction' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sign_transaction(bigint, bigint, bigint, bigint, bigint, text, numeric, bytea) IS 'An EIP-1559 transaction signed with the worker''s key, as raw bytes (superusers only; it does not send).';

CREATE FUNCTION chain_rpc(method text, params jsonb DEFAULT '[]')
RETURNS jsonb AS 'MODULE_PATHNAME', 'music_chain_rpc' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION chain_rpc(text, jsonb) IS 'One JSON-RPC call to the node of music.rpc_url; its result.';

CREATE FUNCTION chain_status(OUT chain_id numeric, OUT block_number numeric, OUT signer text,
							 OUT nonce numeric, OUT pending_nonce numeric,
							 OUT next_base_fee numeric, OUT priority_fee numeric)
RETURNS record AS 'MODULE_PATHNAME', 'music_chain_status' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION chain_status() IS 'The node''s chain id and head, the signer''s mined and pending nonces, and the current fees (wei per gas).';

CREATE FUNCTION chain_send_raw_transaction(raw bytea)
RETURNS text AS 'MODULE_PATHNAME', 'music_chain_send_raw_transaction' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION chain_send_raw_transaction(bytea) IS 'Broadcasts a signed transaction; returns its hash.';

CREATE FUNCTION chain_receipt(hash text, OUT success boolean, OUT block_number numeric,
							  OUT gas_used numeric, OUT effective_gas_price numeric, OUT log_count int)
RETURNS record AS 'MODULE_PATHNAME', 'music_chain_receipt' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION chain_receipt(text) IS 'A transaction''s receipt, or nulls while it is not mined.';

CREATE FUNCTION chain_call("to" text, data bytea, "from" text DEFAULT NULL)
RETURNS bytea AS 'MODULE_PATHNAME', 'music_chain_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION chain_call(text, bytea, text) IS 'eth_call at the latest block: the return data; a revert is an error with its decoded reason.';

CREATE FUNCTION chain_estimate_gas("to" text, data bytea, "from" text DEFAULT NULL)
RETURNS numeric AS 'MODULE_PATHNAME', 'music_chain_estimate_gas' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION chain_estimate_gas(text, bytea, text) IS 'eth_estimateGas for a call; a revert is an error with its decoded reason.';

CREATE FUNCTION chain_logs(address text, topic0 bytea, from_block bigint, to_block bigint)
RETURNS TABLE (block_number numeric, log_index numeric, transaction_hash text, emitter text,
			   topics bytea[], data bytea)
AS 'MODULE_PATHNAME', 'music_chain_logs' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION chain_logs(text, bytea, bigint, bigint) IS 'eth_getLogs: the logs of a contract (or any, when NULL) with topic0 (or any), in a block range.';

CREATE FUNCTION link_wallet(creator_id bigint, address text, signature text)
RETURNS void AS 'MODULE_PATHNAME', 'music_link_wallet' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
COMMENT ON FUNCTION link_wallet(bigint, text, text) IS 'Links a creator''s wallet after checking its EIP-191 signature of the wallet-link message; queues the on-chain link.';

REVOKE ALL ON creator_wallets FROM PUBLIC;
GRANT SELECT ON creator_wallets TO music_admin;
REVOKE ALL ON FUNCTION keccak256(bytea), abi_selector(text),
	abi_encode_metrics_batch(bigint[], bigint[], bigint[], bigint[], numeric[], bytea[]),
	abi_revert_reason(bytea, text[]), rlp_encode(jsonb), checksum_address(text),
	recover_signer(text, text), signer_address(),
	sign_transaction(bigint, bigint, bigint, bigint, bigint, text, numeric, bytea),
	chain_rpc(text, jsonb), chain_status(), chain_send_raw_transaction(bytea), chain_receipt(text),
	chain_call(text, bytea, text), chain_estimate_gas(text, bytea, text), chain_logs(text, bytea, bigint, bigint),
	link_wallet(bigint, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION keccak256(bytea), abi_selector(text),
	abi_encode_metrics_batch(bigint[], bigint[], bigint[], bigint[], numeric[], bytea[]),
	abi_revert_reason(bytea, text[]), rlp_encode(jsonb), checksum_address(text),
	recover_signer(text, text)
TO music_app, music_reader;
GRANT EXECUTE ON FUNCTION link_wallet(bigint, text, text) TO music_app;
GRANT EXECUTE ON FUNCTION signer_address(), chain_rpc(text, jsonb), chain_status(),
	chain_send_raw_transaction(bytea), chain_receipt(text), chain_call(text, bytea, text),
	chain_estimate_gas(text, bytea, text), chain_logs(text, bytea, bigint, bigint)
TO music_admin;
