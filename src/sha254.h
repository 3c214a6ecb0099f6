/*
 * sha254.h
 *		The node hash of Filecoin piece commitments: SHA-256 of two 32-byte
 *		children with the top two bits of the result cleared ("sha254").
 */
#ifndef HYBRIDMUSIC_SHA254_H
#define HYBRIDMUSIC_SHA254_H

#include "postgres.h"

#define HM_SHA254_NODE_LEN 32

/*
 * Hashes count consecutive 64-byte pairs of in into count 32-byte nodes of
 * out.  out may equal in: a tree level then shrinks into its parent level.
 */
extern void hm_sha254_pairs(const uint8 *in, uint8 *out, size_t count);

/* Which implementation hm_sha254_pairs uses on this CPU ("sha-ni" or "portable"). */
extern const char *hm_sha254_implementation(void);

/* Defines the setting music.piece_cid_sha_extensions. */
extern void Sha254Init(void);

#endif							/* HYBRIDMUSIC_SHA254_H */
