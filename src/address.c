/*
 * address.c
 *		Ethereum addresses in text, with EIP-55 checksums.
 *
 * A mixed-case address carries a checksum: a typo in it is caught here
 * instead of sending a creator's coin to an address nobody controls.
 */
#include "postgres.h"

#include "address.h"
#include "hex.h"
#include "keccak.h"

#define ADDRESS_HEX_DIGITS 40

/*
 * The EIP-55 case of each of the 40 digits: upper when the matching nibble
 * of keccak256(lower-case hex) is 8 or more.
 */
static void
checksum_case(const char *lower_hex, bool *upper)
{
	uint8		hash[HM_KECCAK256_LEN];

	hm_keccak256((const uint8 *) lower_hex, ADDRESS_HEX_DIGITS, hash);
	for (int i = 0; i < ADDRESS_HEX_DIGITS; i++)
	{
		int			nibble = (i % 2 == 0) ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f;

		upper[i] = nibble >= 8;
	}
}

/* Parses "0x" + 40 hex digits, checking an EIP-55 checksum when mixed case. */
bool
hm_address_parse(const char *text, uint8 *address20, const char **reason)
{
	char		lower[ADDRESS_HEX_DIGITS + 1];
	bool		has_lower = false;
	bool		has_upper = false;
	bool		upper[ADDRESS_HEX_DIGITS];

	if (text[0] != '0' || text[1] != 'x')
	{
		*reason = "An address starts with \"0x\".";
		return false;
	}
	if (strlen(text + 2) != ADDRESS_HEX_DIGITS ||
		!hm_hex_decode(text, address20, HM_ADDRESS_LEN))
	{
		*reason = "An address is \"0x\" followed by 40 hexadecimal digits.";
		return false;
	}
	for (int i = 0; i < ADDRESS_HEX_DIGITS; i++)
	{
		char		c = text[2 + i];

		has_lower |= (c >= 'a' && c <= 'f');
		has_upper |= (c >= 'A' && c <= 'F');
		lower[i] = pg_ascii_tolower((unsigned char) c);
	}
	lower[ADDRESS_HEX_DIGITS] = '\0';
	if (!(has_lower && has_upper))
		return true;

	checksum_case(lower, upper);
	for (int i = 0; i < ADDRESS_HEX_DIGITS; i++)
	{
		char		c = text[2 + i];

		if (c >= '0' && c <= '9')
			continue;
		if (upper[i] != (c >= 'A' && c <= 'F'))
		{
			*reason = "Its mixed case is not a valid EIP-55 checksum: the address has a typo, or give it in lower case.";
			return false;
		}
	}
	return true;
}

/* The EIP-55 checksummed text of an address, palloc'd. */
char *
hm_address_checksummed(const uint8 *address20)
{
	char	   *text = hm_hex_encode(address20, HM_ADDRESS_LEN);
	bool		upper[ADDRESS_HEX_DIGITS];

	checksum_case(text + 2, upper);
	for (int i = 0; i < ADDRESS_HEX_DIGITS; i++)
		if (upper[i])
			text[2 + i] = pg_ascii_toupper((unsigned char) text[2 + i]);
	return text;
}
