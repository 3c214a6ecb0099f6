SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

\i test/fails.sql

SELECT music.create_user('fan') AS fan \gset
SELECT music.create_user('other_fan') AS other_fan \gset
SELECT music.create_user('artist') AS artist \gset
SELECT music.create_creator(:artist, 'Artist') AS creator \gset
SELECT music.create_user('artist_two') AS artist_two \gset
SELECT music.create_creator(:artist_two, 'Artist Two') AS creator_two \gset
SELECT music.follow(:fan, :creator);

-- chain jobs are the worker's: a backend drain leaves them alone
SELECT music.enqueue_job('metrics_update', '{}', :creator) AS metrics_job \gset
SELECT music.process_jobs(10);
SELECT status, attempts FROM music.jobs WHERE id = :metrics_job;

-- fan-out on read: one row per creator event, seen by every follower
SELECT music.set_verified(:creator, true);
SELECT music.set_verified(:creator_two, true);
INSERT INTO music.creator_coins (creator_id, coin_address, transaction_hash, block_number)
VALUES (:creator, '\x00000000000000000000000000000000000000c0', decode(repeat('ab', 32), 'hex'), 7);
SELECT creator_id, event, details FROM music.notifications ORDER BY id;
SELECT creator_id, event, details FROM music.notifications_for(:fan);
SELECT count(*) FROM music.notifications_for(:other_fan);

-- a confirmed revenue distribution tells the creators' followers
INSERT INTO music.chain_transactions (chain_id, from_address, nonce, hash, raw, to_address, function, data,
	gas_limit, max_fee_per_gas, max_priority_fee_per_gas, job_ids, job_kind, status)
SELECT 31337, decode(repeat('01', 20), 'hex'), 0, decode(repeat('cd', 32), 'hex'), '\x02', decode(repeat('02', 20), 'hex'),
	'distributeBatch', '\x', 100000, 2, 1, ARRAY[music.enqueue_job('revenue_share', '{"amount": 1}', :creator)],
	'revenue_share', 'sent';
UPDATE music.chain_transactions SET status = 'confirmed', gas_used = 50000, effective_gas_price = 2,
	block_number = 9, mined_at = '2026-03-05 12:00+00';
SELECT event, details FROM music.notifications_for(:fan) LIMIT 1;

-- paged with a keyset cursor
SELECT array_agg(event ORDER BY id DESC) FROM music.notifications_for(:fan, max_results => 2);
SELECT min(id) AS last_seen FROM music.notifications_for(:fan, max_results => 2) \gset
SELECT array_agg(event ORDER BY id DESC) FROM music.notifications_for(:fan, :last_seen, 2);

SELECT pg_temp.fails($$SELECT * FROM music.notifications_for(NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM music.notifications_for(999)$$);
SELECT pg_temp.fails($$SELECT * FROM music.notifications_for(1, NULL, 0)$$);

-- the gas accounting: the month the transaction was mined, its fee in FIL
SELECT month, job_kind, transactions, gas_used, fees FROM music.chain_costs;

-- the ledger keeps one live transaction per nonce
SELECT pg_temp.fails($$INSERT INTO music.chain_transactions (chain_id, from_address, nonce, hash, raw, to_address,
	function, data, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, job_ids, job_kind)
	SELECT 31337, decode(repeat('01', 20), 'hex'), 0, decode(repeat('ce', 32), 'hex'), '\x02',
	decode(repeat('02', 20), 'hex'), 'distributeBatch', '\x', 100000, 2, 1, '{}', 'revenue_share'$$);
