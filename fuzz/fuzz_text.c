/*
 * fuzz_text.c
 *		The text forms the chain client reads from nodes and settings: hex
 *		(src/hex.c), QUANTITY and decimal 256-bit integers (src/uint256.c)
 *		and addresses with EIP-55 checksums (src/address.c).
 *
 * Input: any bytes, taken as a C string.  Besides not crashing, whatever
 * parses must print back to the canonical form of the input: a parsed
 * quantity to the same value, an address to the same bytes.
 */
#include "postgres.h"

#include "address.h"
#include "backend_shim.h"
#include "hex.h"
#include "uint256.h"

/* The input without leading "0x" and leading zeros, lower-cased. */
static char *
canonical_quantity(const char *text)
{
	const char *digits = text + 2;
	char	   *out;

	while (*digits == '0' && digits[1] != '\0')
		digits++;
	out = pstrdup(digits);
	for (char *p = out; *p; p++)
		*p = pg_ascii_tolower(*p);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = palloc(size + 1);
	uint8		bytes[64];
	HmUint256	value;
	uint64		u;
	uint8		address[20];
	const char *reason;

	memcpy(text, data, size);
	text[size] = '\0';

	/* hex of the length the digits after an optional 0x/0X make */
	{
		const char *digits = text + (text[0] == '0' && (text[1] == 'x' || text[1] == 'X') ? 2 : 0);
		size_t		n = Min(strlen(digits) / 2, sizeof(bytes));

		if (hm_hex_decode(text, bytes, n) &&
			pg_strcasecmp(hm_hex_encode(bytes, n) + 2, digits) != 0)
			abort();
	}

	if (hm_u256_from_quantity(text, &value))
	{
		if (strcmp(hm_u256_to_quantity(&value) + 2, canonical_quantity(text)) != 0)
			abort();
		if (hm_quantity_to_uint64(text, &u) != hm_u256_to_uint64(&value, &u))
			abort();
	}
	else if (hm_quantity_to_uint64(text, &u))
		abort();

	if (hm_u256_from_decimal(text, &value))
	{
		const char *digits = text;

		while (*digits == '0' && digits[1] != '\0')
			digits++;
		if (strcmp(hm_u256_to_decimal(&value), digits) != 0)
			abort();
	}

	reason = NULL;
	if (hm_address_parse(text, address, &reason))
	{
		uint8		again[20];

		if (!hm_address_parse(hm_address_checksummed(address), again, &reason) ||
			memcmp(address, again, 20) != 0)
			abort();
	}
	else if (reason == NULL)
		abort();

	shim_reset_memory();
	return 0;
}
