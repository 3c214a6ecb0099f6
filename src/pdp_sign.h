/*
 * pdp_sign.h
 *		The EIP-712 messages a PDP client signs (CreateDataSet, AddPieces)
 *		and the extraData that carries them to the FWSS contract
 *		(shared/design/pdp-protocol.md §3).
 */
#ifndef HYBRIDMUSIC_PDP_SIGN_H
#define HYBRIDMUSIC_PDP_SIGN_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "piece_cid.h"
#include "secp.h"
#include "uint256.h"

/* FWSS's limits: keys per data set and per piece, key and value lengths. */
#define HM_PDP_MAX_DATA_SET_KEYS 10
#define HM_PDP_MAX_PIECE_KEYS 3
#define HM_PDP_MAX_KEY_BYTES 32
#define HM_PDP_MAX_VALUE_BYTES 96
/* Curio's limit on pieces per add and on CreateDataSet's extraData. */
#define HM_PDP_MAX_PIECES 40
#define HM_PDP_MAX_CREATE_EXTRA_DATA 4096

/* Key/value metadata, in the order it is signed and sent. */
typedef struct HmPdpMetadata
{
	int			n;
	const char *const *keys;
	const char *const *values;
} HmPdpMetadata;

/* One piece of an AddPieces request. */
typedef struct HmPdpPiece
{
	uint8		cid[HM_PIECE_CID_MAX_BYTES];	/* binary PieceCID v2 */
	int			cid_len;
	HmPdpMetadata metadata;
} HmPdpPiece;

/* The FWSS domain: name "FilecoinWarmStorageService", version "1". */
extern void hm_pdp_domain_separator(uint64 chain_id, const uint8 *fwss20, uint8 *out32);

extern void hm_pdp_create_data_set_hash(const HmUint256 *client_data_set_id, const uint8 *payee20,
										const HmPdpMetadata *metadata, uint8 *out32);
extern void hm_pdp_add_pieces_hash(const HmUint256 *client_data_set_id, const HmUint256 *nonce,
								   const HmPdpPiece *pieces, int npieces, uint8 *out32);

/* keccak(0x19 0x01 || domain separator || struct hash) */
extern void hm_pdp_digest(const uint8 *domain32, const uint8 *struct_hash32, uint8 *out32);

/* Signs a digest as FWSS expects: r || s || v with v = 27 + recovery id. */
extern bool hm_pdp_sign(const uint8 *key32, const uint8 *digest32, uint8 *sig65);

/* extraData of each request (abi.encode, see pdp-protocol.md §3). */
extern void hm_pdp_create_data_set_extra_data(StringInfo out, const uint8 *payer20,
											  const HmUint256 *client_data_set_id,
											  const HmPdpMetadata *metadata, const uint8 *sig65);
extern void hm_pdp_add_pieces_extra_data(StringInfo out, const HmUint256 *nonce,
										 const HmPdpPiece *pieces, int npieces, const uint8 *sig65);
extern void hm_pdp_create_and_add_extra_data(StringInfo out, const StringInfo create_extra,
											 const StringInfo add_extra);

#endif							/* HYBRIDMUSIC_PDP_SIGN_H */
