/*
 * uint256.c
 *		Conversions of 256-bit unsigned integers: decimal, QUANTITY, uint64.
 */
#include "postgres.h"

#include "uint256.h"

#define U256_LEN 32
#define U256_MAX_DECIMAL_DIGITS 78

/* Sets out to value. */
void
hm_u256_from_uint64(uint64 value, HmUint256 *out)
{
	memset(out->be, 0, U256_LEN);
	for (int i = U256_LEN - 1; i >= U256_LEN - 8; i--)
	{
		out->be[i] = (uint8) value;
		value >>= 8;
	}
}

/* Narrows to uint64; false when the value does not fit. */
bool
hm_u256_to_uint64(const HmUint256 *value, uint64 *out)
{
	uint64		result = 0;

	for (int i = 0; i < U256_LEN - 8; i++)
		if (value->be[i] != 0)
			return false;
	for (int i = U256_LEN - 8; i < U256_LEN; i++)
		result = (result << 8) | value->be[i];
	*out = result;
	return true;
}

/* True when value is zero. */
bool
hm_u256_is_zero(const HmUint256 *value)
{
	for (int i = 0; i < U256_LEN; i++)
		if (value->be[i] != 0)
			return false;
	return true;
}

/* value = value * multiplier + addend; false on overflow past 2^256. */
static bool
multiply_add(HmUint256 *value, uint32 multiplier, uint32 addend)
{
	uint64		carry = addend;

	for (int i = U256_LEN - 1; i >= 0; i--)
	{
		uint64		v = (uint64) value->be[i] * multiplier + carry;

		value->be[i] = (uint8) v;
		carry = v >> 8;
	}
	return carry == 0;
}

/* Parses a non-negative decimal integer; false on bad input or overflow. */
bool
hm_u256_from_decimal(const char *decimal, HmUint256 *out)
{
	HmUint256	result;

	if (*decimal == '\0')
		return false;
	memset(result.be, 0, U256_LEN);
	for (const char *p = decimal; *p; p++)
	{
		if (*p < '0' || *p > '9')
			return false;
		if (!multiply_add(&result, 10, (uint32) (*p - '0')))
			return false;
	}
	*out = result;
	return true;
}

/* The decimal digits of value, palloc'd. */
char *
hm_u256_to_decimal(const HmUint256 *value)
{
	HmUint256	rest = *value;
	char		digits[U256_MAX_DECIMAL_DIGITS + 1];
	int			pos = U256_MAX_DECIMAL_DIGITS;

	digits[pos] = '\0';
	do
	{
		uint32		remainder = 0;

		/* rest /= 10, keeping the remainder */
		for (int i = 0; i < U256_LEN; i++)
		{
			uint32		v = (remainder << 8) | rest.be[i];

			rest.be[i] = (uint8) (v / 10);
			remainder = v % 10;
		}
		digits[--pos] = (char) ('0' + remainder);
	} while (!hm_u256_is_zero(&rest));
	return pstrdup(digits + pos);
}

/* Parses a QUANTITY: "0x" + 1 to 64 hex digits; false on anything else. */
bool
hm_u256_from_quantity(const char *quantity, HmUint256 *out)
{
	HmUint256	result;
	size_t		ndigits;

	if (quantity[0] != '0' || (quantity[1] != 'x' && quantity[1] != 'X'))
		return false;
	quantity += 2;
	ndigits = strlen(quantity);
	if (ndigits == 0 || ndigits > 2 * U256_LEN)
		return false;
	memset(result.be, 0, U256_LEN);
	for (const char *p = quantity; *p; p++)
	{
		uint32		digit;

		if (*p >= '0' && *p <= '9')
			digit = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			digit = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			digit = *p - 'A' + 10;
		else
			return false;
		(void) multiply_add(&result, 16, digit);	/* 64 digits cannot overflow */
	}
	*out = result;
	return true;
}

/* Parses a QUANTITY that must fit in uint64. */
bool
hm_quantity_to_uint64(const char *quantity, uint64 *out)
{
	HmUint256	value;

	return hm_u256_from_quantity(quantity, &value) && hm_u256_to_uint64(&value, out);
}

/* value as a QUANTITY without leading zeros, palloc'd. */
char *
hm_u256_to_quantity(const HmUint256 *value)
{
	static const char hex_digits[] = "0123456789abcdef";
	char	   *out = palloc(2 * U256_LEN + 3);
	int			len = 2;
	bool		leading = true;

	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < 2 * U256_LEN; i++)
	{
		int			nibble = (i % 2 == 0) ? value->be[i / 2] >> 4 : value->be[i / 2] & 0x0f;

		if (leading && nibble == 0 && i < 2 * U256_LEN - 1)
			continue;
		leading = false;
		out[len++] = hex_digits[nibble];
	}
	out[len] = '\0';
	return out;
}

/* value as a QUANTITY, palloc'd. */
char *
hm_uint64_to_quantity(uint64 value)
{
	HmUint256	wide;

	hm_u256_from_uint64(value, &wide);
	return hm_u256_to_quantity(&wide);
}
