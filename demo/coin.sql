-- What the demo shows when the first creator coin is on chain.
\pset footer off
SELECT c.id AS creator_id, c.name AS creator, m.value AS counted_plays_at_milestone
FROM music.milestones m JOIN music.creators c ON c.id = m.creator_id WHERE m.rule = 'coin';
SELECT k.creator_id, '0x' || encode(k.coin_address, 'hex') AS coin, '0x' || encode(k.transaction_hash, 'hex') AS transaction,
	   k.block_number, t.function, t.gas_used
FROM music.creator_coins k JOIN music.chain_transactions t ON t.hash = k.transaction_hash;
\echo '   the followers'' notifications:'
SELECT creator_id, event, details FROM music.notifications
WHERE creator_id = (SELECT min(creator_id) FROM music.creator_coins)
ORDER BY event = 'coin_available' DESC, id DESC LIMIT 3;
