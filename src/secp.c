/*
 * secp.c
 *		secp256k1 signing and recovery the Ethereum way.
 *
 * libsecp256k1 signs with RFC 6979 nonces and normalises to low S, which is
 * what Ethereum requires of every transaction signature since Homestead.
 */
#include "postgres.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "keccak.h"
#include "secp.h"

#define SECP_UNCOMPRESSED_LEN 65

static secp256k1_context *secp_context = NULL;

/* The backend's library context, created on first use. */
static secp256k1_context *
get_context(void)
{
	if (secp_context == NULL)
	{
		uint8		seed[32];
		secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);

		if (ctx == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a secp256k1 context")));
		/* Blinding against side channels; signing stays deterministic. */
		if (!pg_strong_random(seed, sizeof(seed)) ||
			!secp256k1_context_randomize(ctx, seed))
			ereport(WARNING,
					(errmsg("could not randomize the secp256k1 context")));
		explicit_bzero(seed, sizeof(seed));
		secp_context = ctx;
	}
	return secp_context;
}

/* The address of a public key: the last 20 bytes of keccak256(x || y). */
static void
pubkey_address(const secp256k1_pubkey *pubkey, uint8 *address20)
{
	uint8		serialized[SECP_UNCOMPRESSED_LEN];
	size_t		len = sizeof(serialized);
	uint8		hash[HM_KECCAK256_LEN];

	secp256k1_ec_pubkey_serialize(get_context(), serialized, &len, pubkey,
								  SECP256K1_EC_UNCOMPRESSED);
	hm_keccak256(serialized + 1, SECP_UNCOMPRESSED_LEN - 1, hash);
	memcpy(address20, hash + HM_KECCAK256_LEN - HM_ADDRESS_LEN, HM_ADDRESS_LEN);
}

/* Signs digest32 with key32 into r || s || recovery id; false for a bad key. */
bool
hm_secp_sign(const uint8 *key32, const uint8 *digest32, uint8 *sig65)
{
	secp256k1_context *ctx = get_context();
	secp256k1_ecdsa_recoverable_signature sig;
	int			recid;

	if (!secp256k1_ec_seckey_verify(ctx, key32))
		return false;
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest32, key32, NULL, NULL))
		return false;
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig65, &recid, &sig);
	sig65[64] = (uint8) recid;
	return true;
}

/* Recovers the signer's address of digest32; false when it does not recover. */
bool
hm_secp_recover_address(const uint8 *digest32, const uint8 *sig65, uint8 *address20)
{
	secp256k1_context *ctx = get_context();
	secp256k1_ecdsa_recoverable_signature sig;
	secp256k1_ecdsa_signature plain;
	secp256k1_pubkey pubkey;
	int			recid = sig65[64];

	if (recid == 27 || recid == 28)
		recid -= 27;
	if (recid != 0 && recid != 1)
		return false;
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, sig65, recid))
		return false;
	/* normalize returns 1 when S was high: such a signature is malleable */
	secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &sig);
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain))
		return false;
	if (!secp256k1_ecdsa_recover(ctx, &pubkey, &sig, digest32))
		return false;
	pubkey_address(&pubkey, address20);
	return true;
}

/* The address of key32; false when the key is invalid. */
bool
hm_secp_key_address(const uint8 *key32, uint8 *address20)
{
	secp256k1_context *ctx = get_context();
	secp256k1_pubkey pubkey;

	if (!secp256k1_ec_pubkey_create(ctx, &pubkey, key32))
		return false;
	pubkey_address(&pubkey, address20);
	return true;
}
