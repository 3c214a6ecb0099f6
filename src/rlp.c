/*
 * rlp.c
 *		Recursive Length Prefix encoding, the serialisation of Ethereum
 *		transactions.
 */
#include "postgres.h"

#include "rlp.h"

#define RLP_STRING_SHORT 0x80
#define RLP_STRING_LONG 0xb7
#define RLP_LIST_SHORT 0xc0
#define RLP_LIST_LONG 0xf7
#define RLP_SHORT_MAX 55

/*
 * Appends the prefix of an item of len bytes: short_base + len up to 55
 * bytes, else long_base + the length of len, then len big-endian.
 */
static void
append_prefix(StringInfo out, size_t len, uint8 short_base, uint8 long_base)
{
	if (len <= RLP_SHORT_MAX)
		appendStringInfoCharMacro(out, (char) (short_base + len));
	else
	{
		uint8		be[8];
		int			nbytes = 0;

		for (size_t rest = len; rest > 0; rest >>= 8)
			nbytes++;
		for (int i = 0; i < nbytes; i++)
			be[i] = (uint8) (len >> (8 * (nbytes - 1 - i)));
		appendStringInfoCharMacro(out, (char) (long_base + nbytes));
		appendBinaryStringInfo(out, (const char *) be, nbytes);
	}
}

/* Appends a byte string item; a single byte below 0x80 is its own encoding. */
void
hm_rlp_append_bytes(StringInfo out, const uint8 *data, size_t len)
{
	if (len == 1 && data[0] < RLP_STRING_SHORT)
	{
		appendStringInfoCharMacro(out, (char) data[0]);
		return;
	}
	append_prefix(out, len, RLP_STRING_SHORT, RLP_STRING_LONG);
	if (len > 0)
		appendBinaryStringInfo(out, (const char *) data, len);
}

/* Appends an integer item: minimal big-endian, zero as the empty string. */
void
hm_rlp_append_uint64(StringInfo out, uint64 value)
{
	HmUint256	wide;

	hm_u256_from_uint64(value, &wide);
	hm_rlp_append_uint256(out, &wide);
}

/* Appends a 256-bit integer item without leading zero bytes. */
void
hm_rlp_append_uint256(StringInfo out, const HmUint256 *value)
{
	int			first = 0;

	while (first < (int) sizeof(value->be) && value->be[first] == 0)
		first++;
	hm_rlp_append_bytes(out, value->be + first, sizeof(value->be) - first);
}

/* Appends a list of already encoded items. */
void
hm_rlp_append_list(StringInfo out, const uint8 *payload, size_t payload_len)
{
	append_prefix(out, payload_len, RLP_LIST_SHORT, RLP_LIST_LONG);
	if (payload_len > 0)
		appendBinaryStringInfo(out, (const char *) payload, payload_len);
}
