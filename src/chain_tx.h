/*
 * chain_tx.h
 *		EIP-1559 (type 2) transactions and EIP-191 messages, signed with secp256k1.
 *
 * A transaction is signed once and its raw bytes kept: rebroadcasting those
 * bytes can never apply twice, where re-signing under a new nonce could.
 * Nothing here touches the database or the network.
 */
#ifndef HM_CHAIN_TX_H
#define HM_CHAIN_TX_H

#include "keccak.h"
#include "secp.h"
#include "uint256.h"

#define HM_TX_TYPE_EIP1559 0x02

/* An EIP-1559 transaction with an empty access list. */
typedef struct HmTransaction
{
	uint64		chain_id;
	uint64		nonce;
	uint64		max_priority_fee_per_gas;	/* wei per gas */
	uint64		max_fee_per_gas;	/* wei per gas */
	uint64		gas_limit;
	bool		has_to;			/* false: contract creation */
	uint8		to[HM_ADDRESS_LEN];
	HmUint256	value;			/* wei */
	const uint8 *data;			/* call data, not copied; may be NULL when data_len is 0 */
	size_t		data_len;
} HmTransaction;

/* A signed transaction: what eth_sendRawTransaction takes, and its hash. */
typedef struct HmSignedTransaction
{
	uint8	   *raw;			/* 0x02 || rlp([...fields, y_parity, r, s]), palloc'd */
	size_t		raw_len;
	uint8		hash[HM_KECCAK256_LEN];	/* keccak256(raw): the transaction hash */
} HmSignedTransaction;

/* The digest a type-2 transaction's signature covers: keccak256(0x02 || rlp(fields)). */
extern void hm_tx_signing_hash(const HmTransaction *tx, uint8 *digest32);

/*
 * Signs tx with key32 into out (raw bytes palloc'd in the current memory
 * context).  Raises ERROR when the key is invalid; the key itself never
 * appears in the message.
 */
extern void hm_tx_sign(const HmTransaction *tx, const uint8 *key32, HmSignedTransaction *out);

/*
 * The EIP-191 personal_sign digest of a message:
 * keccak256("\x19Ethereum Signed Message:\n" || decimal len || message).
 */
extern void hm_personal_message_hash(const char *message, size_t len, uint8 *digest32);

#endif							/* HM_CHAIN_TX_H */
