/*
 * chain_tx.c
 *		EIP-1559 transactions and EIP-191 messages: encoding, hashing, signing.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "chain_tx.h"
#include "rlp.h"

#define PERSONAL_MESSAGE_PREFIX "\x19" "Ethereum Signed Message:\n"

/* Appends the RLP items of the nine fields the signature covers. */
static void
append_fields(StringInfo items, const HmTransaction *tx)
{
	hm_rlp_append_uint64(items, tx->chain_id);
	hm_rlp_append_uint64(items, tx->nonce);
	hm_rlp_append_uint64(items, tx->max_priority_fee_per_gas);
	hm_rlp_append_uint64(items, tx->max_fee_per_gas);
	hm_rlp_append_uint64(items, tx->gas_limit);
	hm_rlp_append_bytes(items, tx->to, tx->has_to ? HM_ADDRESS_LEN : 0);
	hm_rlp_append_uint256(items, &tx->value);
	hm_rlp_append_bytes(items, tx->data, tx->data_len);
	hm_rlp_append_list(items, NULL, 0);	/* empty access list */
}

/* Builds 0x02 || rlp(list of items) into out. */
static void
typed_envelope(StringInfo out, const StringInfo items)
{
	initStringInfo(out);
	appendStringInfoCharMacro(out, (char) HM_TX_TYPE_EIP1559);
	hm_rlp_append_list(out, (const uint8 *) items->data, items->len);
}

/* The digest a type-2 signature covers: keccak256(0x02 || rlp(fields)). */
void
hm_tx_signing_hash(const HmTransaction *tx, uint8 *digest32)
{
	StringInfoData items;
	StringInfoData payload;

	initStringInfo(&items);
	append_fields(&items, tx);
	typed_envelope(&payload, &items);
	hm_keccak256((const uint8 *) payload.data, payload.len, digest32);
	pfree(items.data);
	pfree(payload.data);
}

/* Signs tx with key32: raw bytes 0x02 || rlp(fields, y_parity, r, s), and the hash. */
void
hm_tx_sign(const HmTransaction *tx, const uint8 *key32, HmSignedTransaction *out)
{
	uint8		digest[HM_KECCAK256_LEN];
	uint8		signature[HM_SECP_SIGNATURE_LEN];
	HmUint256	r;
	HmUint256	s;
	StringInfoData items;
	StringInfoData raw;

	hm_tx_signing_hash(tx, digest);
	if (!hm_secp_sign(key32, digest, signature))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the signing key is not a valid secp256k1 private key")));
	memcpy(r.be, signature, 32);
	memcpy(s.be, signature + 32, 32);

	initStringInfo(&items);
	append_fields(&items, tx);
	hm_rlp_append_uint64(&items, signature[64]);
	hm_rlp_append_uint256(&items, &r);
	hm_rlp_append_uint256(&items, &s);
	typed_envelope(&raw, &items);
	pfree(items.data);

	out->raw = (uint8 *) raw.data;
	out->raw_len = raw.len;
	hm_keccak256(out->raw, out->raw_len, out->hash);
}

/* The EIP-191 personal_sign digest of a message. */
void
hm_personal_message_hash(const char *message, size_t len, uint8 *digest32)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s%zu", PERSONAL_MESSAGE_PREFIX, len);
	appendBinaryStringInfo(&buf, message, len);
	hm_keccak256((const uint8 *) buf.data, buf.len, digest32);
	pfree(buf.data);
}
