-- What the demo shows when the first milestone snapshot is committed to PDP.
\pset footer off
SELECT creator_id, milestone, piece_cid, data_set_id, piece_id, tx_hash, octet_length(content) AS bytes,
	   music.piece_cid(content) = piece_cid AS "recomputed by music.piece_cid"
FROM music.pdp_snapshots WHERE status = 'confirmed' ORDER BY id LIMIT 1;
