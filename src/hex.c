/*
 * hex.c
 *		Ethereum's hex notation for addresses, hashes and raw bytes.
 */
#include "postgres.h"

#include "hex.h"

static const char hex_digits[] = "0123456789abcdef";

/* Returns "0x" + lower-case hex of data, palloc'd. */
char *
hm_hex_encode(const uint8 *data, size_t len)
{
	char	   *out = palloc(2 * len + 3);

	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 0; i < len; i++)
	{
		out[2 + 2 * i] = hex_digits[data[i] >> 4];
		out[3 + 2 * i] = hex_digits[data[i] & 0x0f];
	}
	out[2 * len + 2] = '\0';
	return out;
}

/* The value of one hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex into exactly out_len bytes; false on any bad digit or length. */
bool
hm_hex_decode(const char *hex, uint8 *out, size_t out_len)
{
	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	if (strlen(hex) != 2 * out_len)
		return false;
	for (size_t i = 0; i < out_len; i++)
	{
		int			hi = hex_value(hex[2 * i]);
		int			lo = hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8) ((hi << 4) | lo);
	}
	return true;
}
