/*
 * secp.h
 *		secp256k1 signing and recovery the Ethereum way (libsecp256k1).
 *
 * The library context is created once per backend, on first use.
 */
#ifndef HM_SECP_H
#define HM_SECP_H

#define HM_SECP_SIGNATURE_LEN 65
#define HM_ADDRESS_LEN 20

/*
 * Signs a 32-byte digest with a 32-byte private key.  sig65 = r(32) || s(32)
 * || v(1) with v the recovery id 0 or 1, low-S, nonce by RFC 6979 (so the
 * bytes equal those of other Ethereum tools).  False when the key is invalid
 * (zero or not below the curve order).
 */
extern bool hm_secp_sign(const uint8 *key32, const uint8 *digest32, uint8 *sig65);

/*
 * Recovers the address (last 20 bytes of keccak256 of the public key) that
 * signed digest32.  v may be 0/1 or 27/28.  False when the signature does
 * not recover: r or s zero or out of range, a high S (malleable; Ethereum
 * and OpenZeppelin's ECDSA refuse it too), or any other v.
 */
extern bool hm_secp_recover_address(const uint8 *digest32, const uint8 *sig65, uint8 *address20);

/* The address of a private key; false when the key is invalid. */
extern bool hm_secp_key_address(const uint8 *key32, uint8 *address20);

#endif							/* HM_SECP_H */
