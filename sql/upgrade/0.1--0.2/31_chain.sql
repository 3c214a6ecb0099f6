-- The worker on-chain (issue 11).

-- The job kinds come from the C code that registers them (job_kinds()),
-- instead of a list written out in each check.
CREATE FUNCTION job_kinds() RETURNS text[]
AS 'MODULE_PATHNAME', 'music_job_kinds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION job_kinds() IS 'The job kinds this release knows, in registration order.';
REVOKE ALL ON FUNCTION job_kinds() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION job_kinds() TO music_admin;
ALTER TABLE milestone_rules DROP CONSTRAINT milestone_rules_jobs_check,
	ADD CONSTRAINT milestone_rules_jobs_check CHECK (jobs <@ job_kinds());
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check,
	ADD CONSTRAINT jobs_kind_check CHECK (kind = ANY (job_kinds()));

-- The worker's ledger of signed transactions.  The worker owns the nonce:
-- each transaction is signed, written here and committed before it is
-- broadcast; after a crash the stored raw bytes are broadcast again, never
-- re-signed under a new nonce.  A transaction replaced with a fee bump
-- keeps its row (status 'replaced', replaced_by the new one); whichever of
-- the two is mined wins and the other becomes 'dropped'.
CREATE TABLE chain_transactions (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	chain_id bigint NOT NULL CHECK (chain_id > 0),
	from_address bytea NOT NULL CHECK (octet_length(from_address) = 20),
	nonce bigint NOT NULL CHECK (nonce >= 0),
	hash bytea NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
	raw bytea NOT NULL,
	to_address bytea NOT NULL CHECK (octet_length(to_address) = 20),
	function text NOT NULL,
	data bytea NOT NULL,
	value numeric(78, 0) NOT NULL DEFAULT 0 CHECK (value >= 0),
	gas_limit bigint NOT NULL CHECK (gas_limit > 0),
	max_fee_per_gas numeric(78, 0) NOT NULL,
	max_priority_fee_per_gas numeric(78, 0) NOT NULL,
	job_ids bigint[] NOT NULL,
	job_kind text NOT NULL,
	status text NOT NULL DEFAULT 'signed'
		CHECK (status IN ('signed', 'sent', 'replaced', 'mined', 'confirmed', 'reverted', 'dropped')),
	replaced_by bigint REFERENCES chain_transactions,
	gas_used bigint,
	effective_gas_price numeric(78, 0),
	block_number bigint,
	revert_reason text,
	last_error text,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	sent_at timestamptz,
	mined_at timestamptz,
	finished_at timestamptz,
	CHECK ((status = 'replaced') = (replaced_by IS NOT NULL) OR status = 'dropped')
);
-- one live transaction per nonce: replacements share it, the replaced point onwards
CREATE UNIQUE INDEX chain_transactions_nonce ON chain_transactions (chain_id, from_address, nonce)
	WHERE replaced_by IS NULL AND status <> 'dropped';
CREATE INDEX chain_transactions_job_ids ON chain_transactions USING gin (job_ids);
CREATE INDEX chain_transactions_open ON chain_transactions (nonce) WHERE status IN ('signed', 'sent', 'replaced', 'mined');
COMMENT ON TABLE chain_transactions IS 'Every transaction the worker signed: stored before broadcast, with its fees, the jobs it carries, and how it ended.';
COMMENT ON COLUMN chain_transactions.status IS 'signed (stored, maybe not broadcast), sent, replaced (by replaced_by), mined (awaiting music.confirmations), confirmed, reverted (see revert_reason), dropped (its nonce went to another transaction).';
COMMENT ON COLUMN chain_transactions.effective_gas_price IS 'Wei per gas paid, from the receipt; fee = gas_used * effective_gas_price.';

-- Creator coins as the factory created them (from CreatorCoinCreated logs).
CREATE TABLE creator_coins (
	creator_id bigint PRIMARY KEY REFERENCES creators,
	coin_address bytea NOT NULL UNIQUE CHECK (octet_length(coin_address) = 20),
	transaction_hash bytea NOT NULL CHECK (octet_length(transaction_hash) = 32),
	block_number bigint NOT NULL,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE creator_coins IS 'Each creator''s ERC-20 coin, from the factory''s CreatorCoinCreated event.';
COMMENT ON COLUMN creator_coins.creator_id IS 'The creator.';
COMMENT ON COLUMN creator_coins.coin_address IS 'The coin''s ERC-20 contract address (20 bytes).';
COMMENT ON COLUMN creator_coins.transaction_hash IS 'The transaction whose CreatorCoinCreated event announced the coin.';
COMMENT ON COLUMN creator_coins.block_number IS 'The block of that transaction.';
COMMENT ON COLUMN creator_coins.created_at IS 'When the worker recorded the coin.';
GRANT SELECT ON chain_transactions, creator_coins TO music_admin;
GRANT SELECT ON creator_coins TO music_app, music_reader;
