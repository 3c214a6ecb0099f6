/*
 * keccak.h
 *		Keccak-256 as Ethereum uses it (the original 0x01 padding, not SHA3's).
 */
#ifndef HM_KECCAK_H
#define HM_KECCAK_H

#define HM_KECCAK256_LEN 32

/* Hashes len bytes of data into out, which holds HM_KECCAK256_LEN bytes. */
extern void hm_keccak256(const uint8 *data, size_t len, uint8 *out);

#endif							/* HM_KECCAK_H */
