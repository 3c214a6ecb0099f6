/*
 * sha254.c
 *		The node hash of Filecoin piece commitments, at the speed of the CPU.
 *
 * Every node of a piece's tree is SHA-256 of exactly 64 bytes: one block of
 * data and one constant padding block.  Calling a generic SHA-256 API per
 * node pays for context set-up, buffering and the padding block's message
 * schedule each time, which halves the throughput.  So this file drives the
 * compression function itself: the padding block's schedule (W + K) is
 * computed once, and on CPUs with the SHA extensions two independent nodes
 * are hashed in interleaved rounds, which hides the latency of the SHA
 * instructions.  A portable C compression function serves other CPUs; the
 * choice is made once, at run time.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "sha254.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HM_HAVE_SHA_NI 1
#endif

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static const uint32 sha256_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

static const uint32 sha256_k[64] pg_attribute_aligned(16) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/*
 * W[t] + K[t] of the second block of every node: 0x80, zeros, and the
 * message length of 512 bits.
 */
static uint32 padding_wk[64] pg_attribute_aligned(16);
static bool padding_wk_ready = false;

/* Whether the CPU's SHA extensions may be used (music.piece_cid_sha_extensions). */
static bool use_sha_extensions = true;

/* Expands a block's 16 big-endian words into the 64-word schedule. */
static void
message_schedule(const uint32 *words16, uint32 *w)
{
	int			t;

	memcpy(w, words16, 16 * sizeof(uint32));
	for (t = 16; t < 64; t++)
	{
		uint32		s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32		s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
}

/* Computes the padding block's W + K once per process. */
static void
prepare_padding_wk(void)
{
	uint32		words[16] = {0x80000000};
	uint32		w[64];
	int			t;

	if (padding_wk_ready)
		return;
	words[15] = 512;
	message_schedule(words, w);
	for (t = 0; t < 64; t++)
		padding_wk[t] = w[t] + sha256_k[t];
	padding_wk_ready = true;
}

/* The 64 rounds of SHA-256 on state, given each round's W + K. */
static void
portable_rounds(uint32 *state, const uint32 *wk)
{
	uint32		a = state[0],
				b = state[1],
				c = state[2],
				d = state[3],
				e = state[4],
				f = state[5],
				g = state[6],
				h = state[7];
	int			t;

	for (t = 0; t < 64; t++)
	{
		uint32		t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + wk[t];
		uint32		t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

/* One node in portable C. */
static void
portable_node(const uint8 *in, uint8 *out)
{
	uint32		words[16];
	uint32		w[64];
	uint32		state[8];
	int			i;

	for (i = 0; i < 16; i++)
		words[i] = (uint32) in[4 * i] << 24 | (uint32) in[4 * i + 1] << 16 |
			(uint32) in[4 * i + 2] << 8 | in[4 * i + 3];
	message_schedule(words, w);
	for (i = 0; i < 64; i++)
		w[i] += sha256_k[i];
	memcpy(state, sha256_iv, sizeof(state));
	portable_rounds(state, w);
	portable_rounds(state, padding_wk);
	for (i = 0; i < 8; i++)
	{
		out[4 * i] = state[i] >> 24;
		out[4 * i + 1] = state[i] >> 16;
		out[4 * i + 2] = state[i] >> 8;
		out[4 * i + 3] = state[i];
	}
	out[31] &= 0x3f;
}

#ifdef HM_HAVE_SHA_NI

#define SHA_NI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* Whether this CPU has the SHA extensions and the SSE levels they need. */
static bool
cpu_has_sha_ni(void)
{
	unsigned int eax,
				ebx,
				ecx,
				edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) ||
		!(ecx & bit_SSSE3) || !(ecx & bit_SSE4_1))
		return false;
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return false;
	return (ebx & bit_SHA) != 0;
}

/* Four rounds on the ABEF/CDGH state halves with the given W + K. */
SHA_NI_TARGET static inline void
ni_four_rounds(__m128i *abef, __m128i *cdgh, __m128i wk)
{
	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
	wk = _mm_shuffle_epi32(wk, 0x0E);
	*abef = _mm_sha256rnds2_epu32(*abef, *cdgh, wk);
}

/* The next four schedule words from the previous sixteen (x[g&3] is W[g-4]). */
SHA_NI_TARGET static inline __m128i
ni_next_words(const __m128i *x, int g)
{
	__m128i		w16 = x[g & 3],
				w12 = x[(g + 1) & 3],
				w8 = x[(g + 2) & 3],
				w4 = x[(g + 3) & 3];

	return _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w16, w12),
											  _mm_alignr_epi8(w4, w8, 4)),
								w4);
}

/* Stores the ABEF/CDGH state as a big-endian digest with the top bits cleared. */
SHA_NI_TARGET static inline void
ni_store_node(__m128i abef, __m128i cdgh, __m128i byteswap, uint8 *out)
{
	__m128i		feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i		dchg = _mm_shuffle_epi32(cdgh, 0xB1);
	__m128i		dcba = _mm_blend_epi16(feba, dchg, 0xF0);
	__m128i		hgfe = _mm_alignr_epi8(dchg, feba, 8);

	_mm_storeu_si128((__m128i *) out, _mm_shuffle_epi8(dcba, byteswap));
	_mm_storeu_si128((__m128i *) (out + 16), _mm_shuffle_epi8(hgfe, byteswap));
	out[31] &= 0x3f;
}

/*
 * Two independent nodes in interleaved rounds.  Every input byte is loaded
 * before the first store, so out may overlap in.
 */
SHA_NI_TARGET static void
ni_two_nodes(const uint8 *in_a, const uint8 *in_b, uint8 *out_a, uint8 *out_b)
{
	const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i		dcba = _mm_loadu_si128((const __m128i *) sha256_iv);
	__m128i		hgfe = _mm_loadu_si128((const __m128i *) (sha256_iv + 4));
	__m128i		cdab = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i		efgh = _mm_shuffle_epi32(hgfe, 0x1B);
	__m128i		iv_abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i		iv_cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
	__m128i		abef_a = iv_abef,
				cdgh_a = iv_cdgh,
				abef_b = iv_abef,
				cdgh_b = iv_cdgh;
	__m128i		xa[4],
				xb[4];
	__m128i		mid_abef_a,
				mid_cdgh_a,
				mid_abef_b,
				mid_cdgh_b;
	int			g;

	for (g = 0; g < 4; g++)
	{
		xa[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (in_a + 16 * g)), byteswap);
		xb[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (in_b + 16 * g)), byteswap);
	}

#pragma GCC unroll 16
	for (g = 0; g < 16; g++)
	{
		__m128i		k = _mm_load_si128((const __m128i *) (sha256_k + 4 * g));

		if (g >= 4)
		{
			xa[g & 3] = ni_next_words(xa, g);
			xb[g & 3] = ni_next_words(xb, g);
		}
		ni_four_rounds(&abef_a, &cdgh_a, _mm_add_epi32(xa[g & 3], k));
		ni_four_rounds(&abef_b, &cdgh_b, _mm_add_epi32(xb[g & 3], k));
	}
	abef_a = mid_abef_a = _mm_add_epi32(abef_a, iv_abef);
	cdgh_a = mid_cdgh_a = _mm_add_epi32(cdgh_a, iv_cdgh);
	abef_b = mid_abef_b = _mm_add_epi32(abef_b, iv_abef);
	cdgh_b = mid_cdgh_b = _mm_add_epi32(cdgh_b, iv_cdgh);

#pragma GCC unroll 16
	for (g = 0; g < 16; g++)
	{
		__m128i		wk = _mm_load_si128((const __m128i *) (padding_wk + 4 * g));

		ni_four_rounds(&abef_a, &cdgh_a, wk);
		ni_four_rounds(&abef_b, &cdgh_b, wk);
	}
	ni_store_node(_mm_add_epi32(abef_a, mid_abef_a), _mm_add_epi32(cdgh_a, mid_cdgh_a), byteswap, out_a);
	ni_store_node(_mm_add_epi32(abef_b, mid_abef_b), _mm_add_epi32(cdgh_b, mid_cdgh_b), byteswap, out_b);
}

/* Hashes pairs two at a time; an odd last pair is hashed alongside itself. */
SHA_NI_TARGET static void
ni_pairs(const uint8 *in, uint8 *out, size_t count)
{
	size_t		i;

	for (i = 0; i + 1 < count; i += 2)
		ni_two_nodes(in + 64 * i, in + 64 * (i + 1), out + 32 * i, out + 32 * (i + 1));
	if (i < count)
	{
		uint8		pair[64];
		uint8		ignored[32];

		memcpy(pair, in + 64 * i, 64);
		ni_two_nodes(pair, pair, out + 32 * i, ignored);
	}
}

#endif							/* HM_HAVE_SHA_NI */

/* Whether the SHA extensions are present and allowed. */
static bool
sha_ni_enabled(void)
{
#ifdef HM_HAVE_SHA_NI
	static int	has_sha_ni = -1;

	if (has_sha_ni < 0)
		has_sha_ni = cpu_has_sha_ni() ? 1 : 0;
	return use_sha_extensions && has_sha_ni == 1;
#else
	return false;
#endif
}

/* Hashes count 64-byte pairs into nodes, with the fastest code this CPU allows. */
void
hm_sha254_pairs(const uint8 *in, uint8 *out, size_t count)
{
	size_t		i;

	prepare_padding_wk();
#ifdef HM_HAVE_SHA_NI
	if (sha_ni_enabled())
	{
		ni_pairs(in, out, count);
		return;
	}
#endif
	for (i = 0; i < count; i++)
	{
		uint8		pair[64];

		memcpy(pair, in + 64 * i, 64);
		portable_node(pair, out + 32 * i);
	}
}

/* Names the code hm_sha254_pairs uses, for benchmarks and reports. */
const char *
hm_sha254_implementation(void)
{
	return sha_ni_enabled() ? "sha-ni" : "portable";
}

/* Defines music.piece_cid_sha_extensions. */
void
Sha254Init(void)
{
	DefineCustomBoolVariable("music.piece_cid_sha_extensions",
							 "Lets music.piece_cid use the CPU's SHA instructions when it has them.",
							 "Off forces the portable code, which gives the same results more slowly.",
							 &use_sha_extensions, true, PGC_USERSET, 0, NULL, NULL, NULL);
}
