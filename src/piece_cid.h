/*
 * piece_cid.h
 *		Filecoin piece commitments (CommP) and their PieceCID v2 (FRC-0069).
 */
#ifndef HYBRIDMUSIC_PIECE_CID_H
#define HYBRIDMUSIC_PIECE_CID_H

#include "postgres.h"

/* Raw sizes a PDP provider accepts (Curio's PieceSizeMin/MaxLimit). */
#define HM_PIECE_MIN_SIZE 127
#define HM_PIECE_MAX_SIZE INT64CONST(1065353216)

/* 01 55 91 20, the digest length, a padding varint of up to 10 bytes, height, root. */
#define HM_PIECE_CID_MAX_BYTES 48

/* What a PieceCID v2 says about a piece. */
typedef struct HmPieceCommitment
{
	uint64		padding;		/* zero bytes added to the raw data, unpadded */
	int			height;			/* of the tree: log2 of its 32-byte leaves */
	uint8		root[32];
} HmPieceCommitment;

extern void hm_piece_commitment(const uint8 *data, size_t len, HmPieceCommitment *pc);
extern uint64 hm_piece_raw_size(const HmPieceCommitment *pc);
extern int	hm_piece_cid_bytes(const HmPieceCommitment *pc, uint8 *out);
extern char *hm_piece_cid_text(const HmPieceCommitment *pc);

/* Parses a PieceCID v2 strictly; returns NULL, or why the text is not one. */
extern const char *hm_piece_cid_parse(const char *text, HmPieceCommitment *pc);

#endif							/* HYBRIDMUSIC_PIECE_CID_H */
