/*
 * address.h
 *		Ethereum addresses in text: parsing with EIP-55 checksums, printing.
 */
#ifndef HM_ADDRESS_H
#define HM_ADDRESS_H

#include "secp.h"

/*
 * Parses "0x" + 40 hex digits into address20.  All lower-case or all
 * upper-case digits are accepted as they are; mixed case must be a valid
 * EIP-55 checksum.  On failure answers false and points *reason at a
 * static sentence saying what is wrong.
 */
extern bool hm_address_parse(const char *text, uint8 *address20, const char **reason);

/* The EIP-55 checksummed text of an address ("0x" + 40 mixed-case digits), palloc'd. */
extern char *hm_address_checksummed(const uint8 *address20);

#endif							/* HM_ADDRESS_H */
