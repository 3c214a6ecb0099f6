SET client_min_messages = warning;
DROP EXTENSION IF EXISTS hybridmusic CASCADE;
CREATE EXTENSION hybridmusic CASCADE;

\i test/fails.sql

-- Vectors come from public sources: Keccak's own, the Ethereum wiki's RLP
-- examples, EIP-55's addresses, and transactions, calldata and personal_sign
-- signatures made by foundry's cast 1.7.1 with anvil's well-known dev keys.

-- keccak256: the empty string, "abc", and both sides of the 136-byte block
SELECT music.keccak256('') = '\xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470' AS empty,
	   music.keccak256('abc') = '\x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45' AS abc,
	   music.keccak256(convert_to(repeat('a', 135), 'UTF8'))
		 = '\x34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446' AS a135,
	   music.keccak256(convert_to(repeat('a', 136), 'UTF8'))
		 = '\xa6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e' AS a136;
SELECT music.keccak256(NULL) IS NULL AS strict;

-- RLP, the Ethereum wiki's examples
SELECT item, encode(music.rlp_encode(item::jsonb), 'hex') AS rlp
FROM (VALUES ('"dog"'), ('["cat", "dog"]'), ('""'), ('[]'), ('0'), ('"0x00"'), ('15'), ('1024'),
			 ('[[], [[]], [[], [[]]]]'), ('"Lorem ipsum dolor sit amet, consectetur adipisicing elit"'),
			 ('115792089237316195423570985008687907853269984665640564039457584007913129639935')) v(item);
SELECT pg_temp.fails($$SELECT music.rlp_encode('-1')$$);
SELECT pg_temp.fails($$SELECT music.rlp_encode('1.5')$$);
SELECT pg_temp.fails($$SELECT music.rlp_encode('115792089237316195423570985008687907853269984665640564039457584007913129639936')$$);
SELECT pg_temp.fails($$SELECT music.rlp_encode('{"a": 1}')$$);
SELECT pg_temp.fails($$SELECT music.rlp_encode('"0xabc"')$$);
SELECT pg_temp.fails($$SELECT music.rlp_encode('[true]')$$);

-- ABI: selectors, and updateCreatorMetricsBatch against cast calldata
SELECT encode(music.abi_selector('setVerified(uint256,bool)'), 'hex') AS set_verified,
	   encode(music.abi_selector('transfer(address,uint256)'), 'hex') AS transfer;
SELECT music.abi_encode_metrics_batch('{7,9}', '{101,102}', '{50000,123}', '{10,0}',
		 '{1000000000000000000000,0}',
		 ARRAY[decode(repeat('ab', 32), 'hex'), decode(repeat('00', 31) || '01', 'hex')])
	 = decode('07b7b68a'
		'00000000000000000000000000000000000000000000000000000000000000c0'
		'0000000000000000000000000000000000000000000000000000000000000120'
		'0000000000000000000000000000000000000000000000000000000000000180'
		'00000000000000000000000000000000000000000000000000000000000001e0'
		'0000000000000000000000000000000000000000000000000000000000000240'
		'00000000000000000000000000000000000000000000000000000000000002a0'
		'0000000000000000000000000000000000000000000000000000000000000002'
		'0000000000000000000000000000000000000000000000000000000000000007'
		'0000000000000000000000000000000000000000000000000000000000000009'
		'0000000000000000000000000000000000000000000000000000000000000002'
		'0000000000000000000000000000000000000000000000000000000000000065'
		'0000000000000000000000000000000000000000000000000000000000000066'
		'0000000000000000000000000000000000000000000000000000000000000002'
		'000000000000000000000000000000000000000000000000000000000000c350'
		'000000000000000000000000000000000000000000000000000000000000007b'
		'0000000000000000000000000000000000000000000000000000000000000002'
		'000000000000000000000000000000000000000000000000000000000000000a'
		'0000000000000000000000000000000000000000000000000000000000000000'
		'0000000000000000000000000000000000000000000000000000000000000002'
		'00000000000000000000000000000000000000000000003635c9adc5dea00000'
		'0000000000000000000000000000000000000000000000000000000000000000'
		'0000000000000000000000000000000000000000000000000000000000000002'
		'abababababababababababababababababababababababababababababababab'
		'0000000000000000000000000000000000000000000000000000000000000001', 'hex') AS metrics_batch;
SELECT encode(music.abi_encode_metrics_batch('{}', '{}', '{}', '{}', '{}', '{}'), 'hex') AS empty_batch;
SELECT pg_temp.fails($$SELECT music.abi_encode_metrics_batch('{1,2}', '{1}', '{1}', '{1}', '{1}', ARRAY[decode(repeat('00', 32), 'hex')])$$);
SELECT pg_temp.fails($$SELECT music.abi_encode_metrics_batch('{1}', '{1}', '{1}', '{-1}', '{1}', ARRAY[decode(repeat('00', 32), 'hex')])$$);
SELECT pg_temp.fails($$SELECT music.abi_encode_metrics_batch('{1}', '{1}', '{1}', '{1}', '{0.5}', ARRAY[decode(repeat('00', 32), 'hex')])$$);
SELECT pg_temp.fails($$SELECT music.abi_encode_metrics_batch('{1}', '{1}', '{1}', '{1}', '{1}', ARRAY['\x00'::bytea])$$);
SELECT pg_temp.fails($$SELECT music.abi_encode_metrics_batch('{1}', '{NULL}', '{1}', '{1}', '{1}', ARRAY[decode(repeat('00', 32), 'hex')])$$);

-- revert reasons: Error(string), Panic(uint256), a custom error, unknown, none, truncated
SELECT music.abi_revert_reason(decode('08c379a0'
		'0000000000000000000000000000000000000000000000000000000000000020'
		'000000000000000000000000000000000000000000000000000000000000000b'
		'6e6f7420616c6c6f776564000000000000000000000000000000000000000000', 'hex')) AS error_string;
SELECT music.abi_revert_reason(decode('4e487b71'
		'0000000000000000000000000000000000000000000000000000000000000011', 'hex')) AS panic;
SELECT music.abi_revert_reason(decode('0bed4d4c'
		'0000000000000000000000000000000000000000000000000000000000000007'
		'0000000000000000000000000000000000000000000000000000000000000005'
		'0000000000000000000000000000000000000000000000000000000000000005', 'hex'),
		'{"NotBinder(address)", "SequenceNotIncreasing(uint256,uint256,uint256)"}') AS custom;
SELECT music.abi_revert_reason(decode('9ebe04f1'
		'00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8'
		'0000000000000000000000000000000000000000000000000000000000000040'
		'0000000000000000000000000000000000000000000000000000000000000001'
		'7800000000000000000000000000000000000000000000000000000000000000', 'hex'),
		'{"WalletTaken(address,string)"}') AS custom_with_string;
SELECT music.abi_revert_reason(decode('0bed4d4c', 'hex')) AS unknown,
	   music.abi_revert_reason('') AS nothing,
	   music.abi_revert_reason('\x08c3') AS too_short;
-- an Error(string) whose length runs past the data, and one with control characters
SELECT music.abi_revert_reason(decode('08c379a0'
		'0000000000000000000000000000000000000000000000000000000000000020'
		'00000000000000000000000000000000000000000000000000000000ffffffff', 'hex')) AS overlong,
	   music.abi_revert_reason(decode('08c379a0'
		'0000000000000000000000000000000000000000000000000000000000000020'
		'0000000000000000000000000000000000000000000000000000000000000003'
		'410a420000000000000000000000000000000000000000000000000000000000', 'hex')) AS control;

-- EIP-55: the EIP's own examples; a wrong checksum is refused
SELECT a, music.checksum_address(lower(a)) = a AS checksum_ok
FROM (VALUES ('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'), ('0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359'),
			 ('0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB'), ('0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb')) v(a);
SELECT music.checksum_address('0xD1220A0CF47C7B9BE7A2E6BA89F429762E7B9ADB') AS all_upper;
SELECT pg_temp.fails($$SELECT music.checksum_address('0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed')$$);
SELECT pg_temp.fails($$SELECT music.checksum_address('5aaeb6053f3e94c9b9a09f33669435e7ef1beaed')$$);
SELECT pg_temp.fails($$SELECT music.checksum_address('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae')$$);
SELECT pg_temp.fails($$SELECT music.checksum_address('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg')$$);

-- personal_sign (EIP-191): cast wallet sign "hello" with anvil key 0; v as 27/28 or 0/1
SELECT music.recover_signer('hello', '0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032026e3ed2dbccba5a178235ac27f94504311c') AS signer,
	   music.recover_signer('hello', '0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032026e3ed2dbccba5a178235ac27f945043101') AS signer_v01,
	   music.recover_signer('hello!', '0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032026e3ed2dbccba5a178235ac27f94504311c') AS other_message;
-- the same signature with s mirrored to the high half (and v flipped) is malleable: refused
SELECT pg_temp.fails($$SELECT music.recover_signer('hello', '0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cca8c3b715c01e2b549e5624ef3e6fcdfc4c700a0ae28e46243d9cb264d6f13d101b')$$);
SELECT pg_temp.fails($$SELECT music.recover_signer('hello', '0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032026e3ed2dbccba5a178235ac27f94504311d')$$);
SELECT pg_temp.fails($$SELECT music.recover_signer('hello', '0x00')$$);
SELECT pg_temp.fails($$SELECT music.recover_signer('hello', '0x' || repeat('00', 64) || '1b')$$);

-- the signer key file: unset, then anvil's dev key 0 in a file only the server can read
SELECT pg_temp.fails($$SELECT music.signer_address()$$);
SET music.signer_key_file = 'hm_missing.key';
SELECT pg_temp.fails($$SELECT music.signer_address()$$);
-- (written by the server's user: mode 0600 under umask 077, else COPY's 0644)
CREATE FUNCTION pg_temp.write_key_file(name text, content text, private boolean DEFAULT true)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	path text := current_setting('data_directory') || '/' || name;
BEGIN
	EXECUTE format('COPY (SELECT %L) TO PROGRAM %L', content,
				   CASE WHEN private THEN 'umask 077 && ' ELSE 'umask 022 && ' END
				   || format('rm -f %s && cat > %s', quote_literal(path), quote_literal(path)));
	RETURN path;
END
$$;
-- readable by others: refused, and the message says why
SELECT set_config('music.signer_key_file',
				  pg_temp.write_key_file('hm_chain_lib_open.key', '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', false),
				  false) IS NOT NULL AS key_file_set;
SELECT music.signer_address();
SELECT set_config('music.signer_key_file',
				  pg_temp.write_key_file('hm_chain_lib_test.key', ' 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'),
				  false) IS NOT NULL AS key_file_set;
SELECT music.signer_address();
-- ordinary roles cannot see the setting
SELECT count(*) FROM pg_settings WHERE name = 'music.signer_key_file';
CREATE ROLE hm_chain_lib_nobody;
SET ROLE hm_chain_lib_nobody;
SELECT count(*) FROM pg_settings WHERE name = 'music.signer_key_file';
SELECT pg_temp.fails($$SHOW music.signer_key_file$$);
SELECT pg_temp.fails($$SET music.signer_key_file = '/tmp/x'$$);
SELECT pg_temp.fails($$SELECT music.signer_address()$$);
RESET ROLE;
DROP ROLE hm_chain_lib_nobody;
SELECT set_config('music.signer_key_file', pg_temp.write_key_file('hm_chain_lib_bad.key', 'not a key'), false)
	   IS NOT NULL AS key_file_set;
SELECT pg_temp.fails($$SELECT music.signer_address()$$);
SELECT pg_temp.write_key_file('hm_chain_lib_bad.key', repeat('0', 64)) IS NOT NULL AS zero_key;
SELECT pg_temp.fails($$SELECT music.signer_address()$$);
SELECT pg_temp.write_key_file('hm_chain_lib_bad.key', repeat('f', 64)) IS NOT NULL AS key_above_order;
SELECT pg_temp.fails($$SELECT music.signer_address()$$);
SELECT set_config('music.signer_key_file', pg_temp.write_key_file('hm_chain_lib_test.key',
				  ' 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'), false)
	   IS NOT NULL AS key_file_set;

-- EIP-1559 transactions, byte for byte as cast mktx signs them
SELECT music.sign_transaction(31337, 7, 1000000000, 2000000000, 21000,
		'0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1000000000000000000, '')
	 = '\x02f874827a6907843b9aca0084773594008252089470997970c51812dc3a010c7d01b50e0d17dc79c8880de0b6b3a764000080c080a0bd6516f7a26cca0741314838067c95f4d2b2f56a0a3c628c469b4cb03fb0eb08a010be16a969013233924b1e505fcc1c674fbc47c5561999fad27066f8a46eb68f' AS transfer;
SELECT music.sign_transaction(31337, 0, 2000000000, 30000000000, 100000,
		'0x5fbdb2315678afecb367f032d93f642f64180aa3', 0,
		music.abi_selector('setVerified(uint256,bool)')
		  || decode(lpad(to_hex(42), 64, '0') || lpad('1', 64, '0'), 'hex'))
	 = '\x02f8b3827a698084773594008506fc23ac00830186a0945fbdb2315678afecb367f032d93f642f64180aa380b84434756d95000000000000000000000000000000000000000000000000000000000000002a0000000000000000000000000000000000000000000000000000000000000001c080a0157b70dce8b9aaa63f0b9f287d82098485cc85bea9416c96f179c49c544b6f98a078702da6c87985a7f78d0829ba9eb423c3f05d2e242ddbf900ff0ed17333d52b' AS set_verified;
SELECT pg_temp.fails($$SELECT music.sign_transaction(31337, 0, 3, 2, 21000, '0x5fbdb2315678afecb367f032d93f642f64180aa3', 0, '')$$);
SELECT pg_temp.fails($$SELECT music.sign_transaction(31337, -1, 1, 2, 21000, '0x5fbdb2315678afecb367f032d93f642f64180aa3', 0, '')$$);
SELECT pg_temp.fails($$SELECT music.sign_transaction(31337, 0, 1, 2, 21000, '0x5fbdb2315678afecb367f032d93f642f64180aa3', -1, '')$$);

-- link_wallet: fixtures signed by cast wallet sign with anvil keys 1 and 2
-- (wallets 0x7099...79c8 and 0x3c44...93bc), chain 31337, factory 0x5fbd...0aa3
SELECT music.create_user('chain_lib_one') AS user_one \gset
SELECT music.create_user('chain_lib_two') AS user_two \gset
INSERT INTO music.creators (id, user_id, name) OVERRIDING SYSTEM VALUE
VALUES (900001, :user_one, 'Chain Lib One'), (900002, :user_two, 'Chain Lib Two');

-- chain and factory must be set first
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x2a6f84b0ea04d8ee203d9aadc4c1377752a92a328102ee2bc3c7190f98b822297c5b632fedf7f67e8345b701423a442962d51a14d7e4c259ce82b41181af4b9b1c')$$);
SET music.chain_id = 31337;
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x2a6f84b0ea04d8ee203d9aadc4c1377752a92a328102ee2bc3c7190f98b822297c5b632fedf7f67e8345b701423a442962d51a14d7e4c259ce82b41181af4b9b1c')$$);
SET music.factory_address = '0x5FbDB2315678afecb367f032d93F642f64180aa4';
SET music.factory_address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

-- malformed addresses and signatures
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x7099', '0x00')$$);
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x70997970c51812DC3A010C7d01b50e0d17dc79C8', '0x00')$$);
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x1234')$$);
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', NULL)$$);
-- signed by another key
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x923c819092a4cfe20510353e7cad5e5bb6f9a33709631acf52ea9441303747d46578ad885389f87f7122998746415a4fd88bfa3548970a7bf38dbd350bd215471b')$$);
-- signed for creator 900002: no good for 900001
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x21a95115137e88060e3189b0eebfef5f563d89ab4e1f720d4b33a9a9480d9ab0039af73b4410fd5b150a0989af7e94d39e7317cf434dd3ec7b7f5ea3e3e311ed1c')$$);
-- signed for chain 1: no good on 31337
SELECT pg_temp.fails($$SELECT music.link_wallet(900001, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x11cb34df85db898c16982db53b43a9e9d4776eee31dcce142738680f8f4ba023078be4cedac22d48c4affb8f6b74a7b9a8e3e7b854798ea0fbf66fbcab9679a31c')$$);
-- an unknown creator
SELECT pg_temp.fails($$SELECT music.link_wallet(999999, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x2a6f84b0ea04d8ee203d9aadc4c1377752a92a328102ee2bc3c7190f98b822297c5b632fedf7f67e8345b701423a442962d51a14d7e4c259ce82b41181af4b9b1c')$$);
SELECT count(*) AS nothing_stored FROM music.creator_wallets;
SELECT count(*) AS nothing_queued FROM music.jobs WHERE kind = 'wallet_link';

-- the right signature, with the address in EIP-55 form, as an app
SET ROLE music_app;
SELECT music.link_wallet(900001, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '0x2a6f84b0ea04d8ee203d9aadc4c1377752a92a328102ee2bc3c7190f98b822297c5b632fedf7f67e8345b701423a442962d51a14d7e4c259ce82b41181af4b9b1c');
-- again: nothing changes, no second job
SELECT music.link_wallet(900001, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x2a6f84b0ea04d8ee203d9aadc4c1377752a92a328102ee2bc3c7190f98b822297c5b632fedf7f67e8345b701423a442962d51a14d7e4c259ce82b41181af4b9b1c');
-- the same wallet for another creator, properly signed for that creator: refused
SELECT pg_temp.fails($$SELECT music.link_wallet(900002, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0x21a95115137e88060e3189b0eebfef5f563d89ab4e1f720d4b33a9a9480d9ab0039af73b4410fd5b150a0989af7e94d39e7317cf434dd3ec7b7f5ea3e3e311ed1c')$$);
SELECT music.link_wallet(900002, '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc', '0x87bbbd10ac45e1ff5f8f4b0ad53c3603209e2e70976a420256a7f7cd213888fc1a60f76b76cdfd8b5e1d58c17919612468449a8ce265a8ca757e2677a5cfd0b11b');
SELECT pg_temp.fails($$SELECT music.signer_address()$$);
RESET ROLE;
SELECT creator_id, address, signature = '0x2a6f84b0ea04d8ee203d9aadc4c1377752a92a328102ee2bc3c7190f98b822297c5b632fedf7f67e8345b701423a442962d51a14d7e4c259ce82b41181af4b9b1c'
		OR signature = '0x87bbbd10ac45e1ff5f8f4b0ad53c3603209e2e70976a420256a7f7cd213888fc1a60f76b76cdfd8b5e1d58c17919612468449a8ce265a8ca757e2677a5cfd0b11b' AS signature_kept,
	   chain_id
FROM music.creator_wallets ORDER BY creator_id;
SELECT kind, creator_id, status, payload->>'address' AS address,
	   payload->>'signature' = w.signature AS carries_signature
FROM music.jobs j JOIN music.creator_wallets w USING (creator_id)
WHERE kind = 'wallet_link' ORDER BY j.id;

-- no network: clear errors, no hang
SELECT pg_temp.fails($$SELECT music.chain_rpc('eth_chainId')$$);
SET music.rpc_url = 'ftp://127.0.0.1/';
SET music.rpc_url = 'http://127.0.0.1:1/';
SET music.http_timeout = '2s';
SELECT regexp_replace(pg_temp.fails($$SELECT music.chain_rpc('eth_chainId')$$), 'after \d+ ms', 'after N ms');
SELECT pg_temp.fails($$SELECT music.chain_rpc('eth_chainId', '{}')$$);

DROP EXTENSION hybridmusic CASCADE;
