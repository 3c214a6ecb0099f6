/*
 * hex.h
 *		Ethereum's hex notation: "0x" followed by lower-case digits.
 */
#ifndef HM_HEX_H
#define HM_HEX_H

/* Returns "0x" + 2*len lower-case hex digits, palloc'd in the current context. */
extern char *hm_hex_encode(const uint8 *data, size_t len);

/*
 * Decodes hex (with or without "0x", either case) into exactly out_len bytes;
 * false when a character is not a hex digit or the length differs.
 */
extern bool hm_hex_decode(const char *hex, uint8 *out, size_t out_len);

#endif							/* HM_HEX_H */
