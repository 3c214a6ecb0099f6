-- The worker on-chain (issue 11): the ledger of the transactions it signs,
-- the creator coins they created.  The job kinds are in job_kinds() (see
-- 080_milestones.sql).

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

-- The platform's headline: what the chain cost, per job kind and month, next
-- to the interactions that cost nothing.  A transaction counts in the month
-- it was mined; its fee is gas_used x effective_gas_price (in FIL, 18
-- decimals).  Interactions count by when they happened (plays by
-- played_at); likes and follows count those still standing.
CREATE VIEW chain_costs AS
WITH paid AS (
	SELECT date_trunc('month', mined_at AT TIME ZONE 'UTC')::date AS month, job_kind,
		   count(*) AS transactions, sum(gas_used) AS gas_used,
		   (sum(gas_used * effective_gas_price) / 1e18)::numeric(30, 18) AS fees
	FROM chain_transactions
	WHERE status IN ('confirmed', 'reverted') AND mined_at IS NOT NULL
	GROUP BY 1, 2
), free AS (
	SELECT month, sum(plays) AS plays, sum(likes) AS likes, sum(follows) AS follows, sum(comments) AS comments
	FROM (
		SELECT date_trunc('month', played_at AT TIME ZONE 'UTC')::date AS month, count(*) AS plays,
			   0 AS likes, 0 AS follows, 0 AS comments FROM plays GROUP BY 1
		UNION ALL
		SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date, 0, count(*), 0, 0 FROM likes GROUP BY 1
		UNION ALL
		SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date, 0, 0, count(*), 0 FROM follows GROUP BY 1
		UNION ALL
		SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date, 0, 0, 0, count(*) FROM comments GROUP BY 1
	) x GROUP BY month
)
SELECT p.month, p.job_kind, p.transactions, p.gas_used, p.fees,
	   coalesce(f.plays, 0) AS plays, coalesce(f.likes, 0) AS likes,
	   coalesce(f.follows, 0) AS follows, coalesce(f.comments, 0) AS comments
FROM paid p LEFT JOIN free f ON f.month = p.month;
COMMENT ON VIEW chain_costs IS 'Per month (UTC) and job kind: transactions mined, gas used and fees paid (FIL), next to the month''s free interactions (plays, likes, follows, comments).';
GRANT SELECT ON chain_costs TO music_admin;

-- Notifications, fanned out on read: one row per creator event however many
-- followers the creator has; a user's feed is a query over the creators
-- they follow.  Each new row is also announced with NOTIFY music_events and
-- a small JSON payload, for apps that LISTEN.
CREATE TABLE notifications (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	creator_id bigint NOT NULL REFERENCES creators,
	event text NOT NULL CHECK (event IN ('coin_available', 'milestone_reached', 'revenue_share_claimable')),
	details jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notifications_creator_id ON notifications (creator_id, id);
COMMENT ON TABLE notifications IS 'Creator events for the creator''s followers: a coin became available, a milestone was reached, a revenue share became claimable.';
COMMENT ON COLUMN notifications.details IS 'What the event is about: the milestone (rule, threshold), the coin address, or the distribution transaction.';

CREATE FUNCTION notifications_announce() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $announce$
BEGIN
	IF music.loading_copied_rows() THEN
		RETURN NULL;
	END IF;
	PERFORM pg_notify('music_events', json_build_object('id', NEW.id, 'creator_id', NEW.creator_id,
														 'event', NEW.event)::text);
	RETURN NULL;
END
$announce$;
CREATE TRIGGER notifications_announce AFTER INSERT ON notifications
	FOR EACH ROW EXECUTE FUNCTION notifications_announce();

-- The events come from the rows that record them; restored rows
-- (loading_copied_rows(), 950_data_safety.sql) bring their notifications
-- with them and announce nothing.
CREATE FUNCTION notify_milestone() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $notify$
BEGIN
	IF music.loading_copied_rows() THEN
		RETURN NULL;
	END IF;
	INSERT INTO music.notifications (creator_id, event, details)
	VALUES (NEW.creator_id, 'milestone_reached',
			jsonb_build_object('milestone_id', NEW.id, 'rule', NEW.rule, 'threshold', NEW.threshold));
	RETURN NULL;
END
$notify$;
CREATE TRIGGER milestones_notify AFTER INSERT ON milestones
	FOR EACH ROW EXECUTE FUNCTION notify_milestone();

CREATE FUNCTION notify_coin() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $notify$
BEGIN
	IF music.loading_copied_rows() THEN
		RETURN NULL;
	END IF;
	INSERT INTO music.notifications (creator_id, event, details)
	VALUES (NEW.creator_id, 'coin_available',
			jsonb_build_object('coin', '0x' || encode(NEW.coin_address, 'hex')));
	RETURN NULL;
END
$notify$;
CREATE TRIGGER creator_coins_notify AFTER INSERT ON creator_coins
	FOR EACH ROW EXECUTE FUNCTION notify_coin();

CREATE FUNCTION notify_revenue_share() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $notify$
BEGIN
	INSERT INTO music.notifications (creator_id, event, details)
	SELECT DISTINCT j.creator_id, 'revenue_share_claimable'::text,
		   jsonb_build_object('transaction', '0x' || encode(NEW.hash, 'hex'))
	FROM music.jobs j WHERE j.id = ANY (NEW.job_ids) AND j.creator_id IS NOT NULL;
	RETURN NULL;
END
$notify$;
CREATE TRIGGER chain_transactions_notify AFTER UPDATE OF status ON chain_transactions
	FOR EACH ROW WHEN (NEW.status = 'confirmed' AND OLD.status <> 'confirmed' AND NEW.function = 'distributeBatch')
	EXECUTE FUNCTION notify_revenue_share();

-- A revenue_share job waits (as submitted, looking again every hour) until
-- the quarter of its month has closed; the quarter's close releases the
-- quarter's waiting shares at once, and their earlier due time wakes the
-- worker at commit.  A restored quarter is no new close.
CREATE FUNCTION release_revenue_shares() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, music, pg_temp AS $release$
BEGIN
	IF music.loading_copied_rows() THEN
		RETURN NULL;
	END IF;
	UPDATE music.jobs SET next_attempt_at = now(), updated_at = now()
	WHERE kind = 'revenue_share' AND status = 'submitted' AND next_attempt_at > now()
	  AND date_trunc('quarter', (payload->>'period')::date)::date = NEW.quarter;
	RETURN NULL;
END
$release$;
CREATE TRIGGER closed_quarters_release_revenue_shares AFTER INSERT ON closed_quarters
	FOR EACH ROW EXECUTE FUNCTION release_revenue_shares();

-- A user's feed, newest first, paged with a keyset cursor: pass the last id
-- of a page as before_id to get the next one.
CREATE FUNCTION notifications_for(user_id bigint, before_id bigint DEFAULT NULL, max_results int DEFAULT 20)
RETURNS TABLE (id bigint, creator_id bigint, event text, details jsonb, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, music, pg_temp AS $feed$
BEGIN
	IF notifications_for.user_id IS NULL THEN
		RAISE EXCEPTION 'user_id must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF max_results IS NULL OR max_results NOT BETWEEN 1 AND 1000 THEN
		RAISE EXCEPTION 'max_results must be between 1 and 1000, got %', max_results
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM music.users u WHERE u.id = notifications_for.user_id) THEN
		RAISE EXCEPTION 'user % does not exist', notifications_for.user_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
	SELECT n.id, n.creator_id, n.event, n.details, n.created_at
	FROM music.follows f
	CROSS JOIN LATERAL (
		SELECT * FROM music.notifications x
		WHERE x.creator_id = f.creator_id AND (before_id IS NULL OR x.id < before_id)
		ORDER BY x.id DESC LIMIT max_results) n
	WHERE f.user_id = notifications_for.user_id
	ORDER BY n.id DESC LIMIT max_results;
END
$feed$;
COMMENT ON FUNCTION notifications_for(bigint, bigint, int) IS 'A user''s notifications from the creators they follow, newest first; before_id pages on.';
GRANT SELECT ON notifications TO music_admin;
GRANT EXECUTE ON FUNCTION notifications_for(bigint, bigint, int) TO music_app, music_admin;
