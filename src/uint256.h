/*
 * uint256.h
 *		256-bit unsigned integers as Ethereum uses them (wei, token amounts).
 *
 * Only conversions: the chain client carries such values between SQL
 * (numeric), JSON-RPC (hex QUANTITY) and the ABI/RLP encoders, and does no
 * arithmetic on them; gas amounts and prices fit in uint64 and are kept so.
 * No function here raises an error or touches the database, so the worker
 * may call them with no transaction open.
 */
#ifndef HM_UINT256_H
#define HM_UINT256_H

/* A 256-bit unsigned integer, 32 bytes big-endian (the ABI word layout). */
typedef struct HmUint256
{
	uint8		be[32];
} HmUint256;

/* Sets out to value. */
extern void hm_u256_from_uint64(uint64 value, HmUint256 *out);

/* Narrows to uint64; false when the value does not fit. */
extern bool hm_u256_to_uint64(const HmUint256 *value, uint64 *out);

/* True when value is zero. */
extern bool hm_u256_is_zero(const HmUint256 *value);

/*
 * Parses a non-negative decimal integer (digits only, as numeric_out prints
 * an integral numeric); false on any other character, on an empty string
 * or when the value is 2^256 or more.
 */
extern bool hm_u256_from_decimal(const char *decimal, HmUint256 *out);

/* The decimal digits of value, palloc'd. */
extern char *hm_u256_to_decimal(const HmUint256 *value);

/*
 * Parses a JSON-RPC QUANTITY ("0x" + 1 to 64 hex digits, either case);
 * false on anything else.
 */
extern bool hm_u256_from_quantity(const char *quantity, HmUint256 *out);

/* The same for a QUANTITY that must fit in uint64. */
extern bool hm_quantity_to_uint64(const char *quantity, uint64 *out);

/* value as a JSON-RPC QUANTITY: "0x0", or "0x" + hex without leading zeros; palloc'd. */
extern char *hm_u256_to_quantity(const HmUint256 *value);

/* The same for a uint64. */
extern char *hm_uint64_to_quantity(uint64 value);

#endif							/* HM_UINT256_H */
