/*
 * rlp.h
 *		Recursive Length Prefix encoding (Ethereum yellow paper, appendix B).
 *
 * Items are appended to a StringInfo.  A list is built by encoding its items
 * into a buffer of their own and then appending that buffer, prefixed, with
 * hm_rlp_append_list.  Nothing here raises an error except for running out
 * of memory.
 */
#ifndef HM_RLP_H
#define HM_RLP_H

#include "lib/stringinfo.h"

#include "uint256.h"

/* Appends a byte string item. */
extern void hm_rlp_append_bytes(StringInfo out, const uint8 *data, size_t len);

/* Appends an integer item: big-endian without leading zeros, zero as the empty string. */
extern void hm_rlp_append_uint64(StringInfo out, uint64 value);

/* The same for a 256-bit integer. */
extern void hm_rlp_append_uint256(StringInfo out, const HmUint256 *value);

/* Appends a list whose items are already encoded, back to back, in payload. */
extern void hm_rlp_append_list(StringInfo out, const uint8 *payload, size_t payload_len);

#endif							/* HM_RLP_H */
