/*
 * keccak.c
 *		Keccak-256 (Keccak-f[1600], rate 136 bytes, padding 0x01 ... 0x80).
 *
 * Ethereum fixed Keccak before NIST changed the padding for SHA3-256, so no
 * installed library gives Ethereum's hashes: addresses, selectors, event
 * topics and transaction hashes all need this one.
 */
#include "postgres.h"

#include "keccak.h"

#define KECCAK_RATE 136
#define KECCAK_ROUNDS 24

static const uint64 round_constants[KECCAK_ROUNDS] = {
	UINT64CONST(0x0000000000000001), UINT64CONST(0x0000000000008082),
	UINT64CONST(0x800000000000808a), UINT64CONST(0x8000000080008000),
	UINT64CONST(0x000000000000808b), UINT64CONST(0x0000000080000001),
	UINT64CONST(0x8000000080008081), UINT64CONST(0x8000000000008009),
	UINT64CONST(0x000000000000008a), UINT64CONST(0x0000000000000088),
	UINT64CONST(0x0000000080008009), UINT64CONST(0x000000008000000a),
	UINT64CONST(0x000000008000808b), UINT64CONST(0x800000000000008b),
	UINT64CONST(0x8000000000008089), UINT64CONST(0x8000000000008003),
	UINT64CONST(0x8000000000008002), UINT64CONST(0x8000000000000080),
	UINT64CONST(0x000000000000800a), UINT64CONST(0x800000008000000a),
	UINT64CONST(0x8000000080008081), UINT64CONST(0x8000000000008080),
	UINT64CONST(0x0000000080000001), UINT64CONST(0x8000000080008008)
};

/* Rotation offsets of rho, in the lane order that pi visits. */
static const int rho_offsets[24] = {
	1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
	27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44
};

/* The lane each step of pi moves to, starting from lane 1. */
static const int pi_lanes[24] = {
	10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
	15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1
};

/* Rotates a 64-bit lane left by n bits (0 < n < 64). */
static inline uint64
rotl64(uint64 x, int n)
{
	return (x << n) | (x >> (64 - n));
}

/* The Keccak-f[1600] permutation of the 25-lane state. */
static void
keccak_f1600(uint64 *state)
{
	for (int round = 0; round < KECCAK_ROUNDS; round++)
	{
		uint64		column[5];
		uint64		carried;

		/* theta */
		for (int x = 0; x < 5; x++)
			column[x] = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
		for (int x = 0; x < 5; x++)
		{
			uint64		d = column[(x + 4) % 5] ^ rotl64(column[(x + 1) % 5], 1);

			for (int y = 0; y < 25; y += 5)
				state[y + x] ^= d;
		}

		/* rho and pi */
		carried = state[1];
		for (int i = 0; i < 24; i++)
		{
			int			lane = pi_lanes[i];
			uint64		next = state[lane];

			state[lane] = rotl64(carried, rho_offsets[i]);
			carried = next;
		}

		/* chi */
		for (int y = 0; y < 25; y += 5)
		{
			uint64		row[5];

			for (int x = 0; x < 5; x++)
				row[x] = state[y + x];
			for (int x = 0; x < 5; x++)
				state[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
		}

		/* iota */
		state[0] ^= round_constants[round];
	}
}

/* XORs one block of rate bytes into the state, lanes little-endian. */
static void
absorb_block(uint64 *state, const uint8 *block)
{
	for (int i = 0; i < KECCAK_RATE / 8; i++)
	{
		uint64		lane = 0;

		for (int b = 7; b >= 0; b--)
			lane = (lane << 8) | block[i * 8 + b];
		state[i] ^= lane;
	}
}

/* Hashes len bytes of data into the 32-byte out. */
void
hm_keccak256(const uint8 *data, size_t len, uint8 *out)
{
	uint64		state[25] = {0};
	uint8		last[KECCAK_RATE];
	size_t		tail;

	while (len >= KECCAK_RATE)
	{
		absorb_block(state, data);
		keccak_f1600(state);
		data += KECCAK_RATE;
		len -= KECCAK_RATE;
	}

	tail = len;
	memset(last, 0, sizeof(last));
	if (tail > 0)
		memcpy(last, data, tail);
	last[tail] ^= 0x01;
	last[KECCAK_RATE - 1] ^= 0x80;
	absorb_block(state, last);
	keccak_f1600(state);

	for (int i = 0; i < HM_KECCAK256_LEN; i++)
		out[i] = (uint8) (state[i / 8] >> (8 * (i % 8)));
}
