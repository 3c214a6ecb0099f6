/*
 * piece_cid.c
 *		Piece commitments (CommP) and PieceCID v2, as Filecoin PDP providers
 *		compute them (FRC-0069; docs in shared/design/pdp-protocol.md §4).
 *
 * The raw bytes are zero-padded to a power-of-two number of 127-byte quads,
 * each quad is expanded to four 32-byte leaves (Fr32: 254 data bits per
 * leaf), and the leaves are hashed pairwise up to one root with SHA-256
 * truncated to 254 bits.  The tree is built a chunk of 256 quads at a time,
 * so its working set stays in the CPU cache however large the piece, and
 * the zero-padded tail is never hashed: its subtrees are the precomputed
 * roots of all-zero trees.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "datasafety.h"
#include "hybridmusic.h"
#include "piece_cid.h"
#include "sha254.h"

#define QUAD_RAW 127
#define QUAD_PADDED 128
#define NODE 32
#define CHUNK_QUADS 256
#define CHUNK_LEVEL 10			/* 2 + log2(CHUNK_QUADS) */
#define MAX_HEIGHT 50			/* Curio's bound; 2^48 quads is far past any piece */

static const char base32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Roots of all-zero trees by level (zero_roots[0] is a zero leaf). */
static uint8 zero_roots[MAX_HEIGHT + 1][NODE];
static bool zero_roots_ready = false;

HM_FUNCTION(music_piece_cid);
HM_FUNCTION(music_piece_cid_raw_size);
HM_FUNCTION(music_piece_cid_root);

/* Fills zero_roots once per process. */
static void
prepare_zero_roots(void)
{
	int			level;

	if (zero_roots_ready)
		return;
	memset(zero_roots[0], 0, NODE);
	for (level = 0; level < MAX_HEIGHT; level++)
	{
		uint8		pair[2 * NODE];

		memcpy(pair, zero_roots[level], NODE);
		memcpy(pair + NODE, zero_roots[level], NODE);
		hm_sha254_pairs(pair, zero_roots[level + 1], 1);
	}
	zero_roots_ready = true;
}

/* Expands one 127-byte quad into four leaves with two zero top bits each. */
static void
fr32_expand(const uint8 *in, uint8 *out)
{
	int			i;

	memcpy(out, in, 32);
	out[31] &= 0x3f;
	for (i = 32; i < 64; i++)
		out[i] = (uint8) ((in[i] << 2) | (in[i - 1] >> 6));
	out[63] &= 0x3f;
	for (i = 64; i < 96; i++)
		out[i] = (uint8) ((in[i] << 4) | (in[i - 1] >> 4));
	out[95] &= 0x3f;
	for (i = 96; i < QUAD_RAW; i++)
		out[i] = (uint8) ((in[i] << 6) | (in[i - 1] >> 2));
	out[127] = in[126] >> 2;
}

/*
 * Adds the root of a complete subtree at level to the pending left
 * siblings, hashing it with each one it completes on the way up.
 */
static void
push_subtree(uint8 pending[][NODE], bool *has_pending, const uint8 *node, int level)
{
	uint8		pair[2 * NODE];

	memcpy(pair + NODE, node, NODE);
	while (has_pending[level])
	{
		memcpy(pair, pending[level], NODE);
		hm_sha254_pairs(pair, pair + NODE, 1);
		has_pending[level] = false;
		level++;
	}
	memcpy(pending[level], pair + NODE, NODE);
	has_pending[level] = true;
}

/* Computes the piece commitment of len raw bytes (any length, even 0). */
void
hm_piece_commitment(const uint8 *data, size_t len, HmPieceCommitment *pc)
{
	uint64		quads = len == 0 ? 1 : (len + QUAD_RAW - 1) / QUAD_RAW;
	uint64		tree_quads = 1;
	uint64		chunk_quads;
	int			chunk_level = 2;
	uint64		first;
	uint8	   *leaves;
	uint8		(*pending)[NODE];
	bool		has_pending[MAX_HEIGHT + 1] = {false};
	int			level;

	prepare_zero_roots();
	pc->height = 2;
	while (tree_quads < quads)
	{
		tree_quads <<= 1;
		pc->height++;
	}
	if (pc->height > MAX_HEIGHT)
		elog(ERROR, "piece of %zu bytes is too large for a piece tree", len);
	pc->padding = tree_quads * QUAD_RAW - len;
	chunk_quads = Min(CHUNK_QUADS, tree_quads);
	while (((uint64) 1 << (chunk_level - 2)) < chunk_quads)
		chunk_level++;

	/* one spare node for the zero sibling of an odd count */
	leaves = palloc(CHUNK_QUADS * QUAD_PADDED + NODE);
	pending = palloc((MAX_HEIGHT + 1) * NODE);

	for (first = 0; first < quads; first += chunk_quads)
	{
		uint64		n = Min(chunk_quads, quads - first);
		size_t		count = 4 * n;
		uint64		q;

		for (q = 0; q < n; q++)
		{
			size_t		offset = (first + q) * QUAD_RAW;

			if (offset + QUAD_RAW <= len)
				fr32_expand(data + offset, leaves + q * QUAD_PADDED);
			else
			{
				uint8		tail[QUAD_RAW] = {0};

				if (offset < len)
					memcpy(tail, data + offset, len - offset);
				fr32_expand(tail, leaves + q * QUAD_PADDED);
			}
		}
		for (level = 0; level < chunk_level; level++)
		{
			if (count & 1)
				memcpy(leaves + NODE * count++, zero_roots[level], NODE);
			hm_sha254_pairs(leaves, leaves, count / 2);
			count /= 2;
		}
		push_subtree(pending, has_pending, leaves, chunk_level);
	}
	/* the chunks past the data are all zeros */
	for (level = chunk_level; level < pc->height; level++)
		if (has_pending[level])
			push_subtree(pending, has_pending, zero_roots[level], level);
	Assert(has_pending[pc->height]);
	memcpy(pc->root, pending[pc->height], NODE);
	pfree(leaves);
	pfree(pending);
}

/* The raw size a commitment stands for. */
uint64
hm_piece_raw_size(const HmPieceCommitment *pc)
{
	return ((uint64) 1 << (pc->height - 2)) * QUAD_RAW - pc->padding;
}

/* Writes an unsigned LEB128 varint; returns its length. */
static int
write_varint(uint64 value, uint8 *out)
{
	int			n = 0;

	do
	{
		uint8		b = value & 0x7f;

		value >>= 7;
		out[n++] = b | (value ? 0x80 : 0);
	} while (value);
	return n;
}

/*
 * Writes the binary PieceCID v2 (CIDv1, raw codec, multihash
 * fr32-sha256-trunc254-padbintree); returns its length.
 */
int
hm_piece_cid_bytes(const HmPieceCommitment *pc, uint8 *out)
{
	uint8		padding[10];
	int			padding_len = write_varint(pc->padding, padding);
	int			n = 0;

	out[n++] = 0x01;
	out[n++] = 0x55;
	out[n++] = 0x91;
	out[n++] = 0x20;
	out[n++] = (uint8) (padding_len + 1 + NODE);
	memcpy(out + n, padding, padding_len);
	n += padding_len;
	out[n++] = (uint8) pc->height;
	memcpy(out + n, pc->root, NODE);
	return n + NODE;
}

/* Encodes bytes as "b" + lower-case RFC 4648 base32 without padding (palloc'd). */
static char *
multibase_base32(const uint8 *bytes, int len)
{
	char	   *text = palloc(2 + (len * 8 + 4) / 5);
	char	   *p = text;
	uint32		buffer = 0;
	int			bits = 0;
	int			i;

	*p++ = 'b';
	for (i = 0; i < len; i++)
	{
		buffer = (buffer << 8) | bytes[i];
		bits += 8;
		while (bits >= 5)
		{
			bits -= 5;
			*p++ = base32_alphabet[(buffer >> bits) & 31];
		}
	}
	if (bits > 0)
		*p++ = base32_alphabet[(buffer << (5 - bits)) & 31];
	*p = '\0';
	return text;
}

/* The PieceCID v2 string ("bafkzcib..."), palloc'd. */
char *
hm_piece_cid_text(const HmPieceCommitment *pc)
{
	uint8		bytes[HM_PIECE_CID_MAX_BYTES];

	return multibase_base32(bytes, hm_piece_cid_bytes(pc, bytes));
}

/* Parses a PieceCID v2 strictly; returns NULL, or why the text is not one. */
const char *
hm_piece_cid_parse(const char *text, HmPieceCommitment *pc)
{
	static const uint8 prefix[] = {0x01, 0x55, 0x91, 0x20};
	uint8		bytes[HM_PIECE_CID_MAX_BYTES];
	uint8		varint[10];
	int			len;
	int			pos;
	uint64		digest_len;
	uint64		padding;

	if (text[0] != 'b')
		return "A PieceCID v2 is multibase base32 and starts with \"b\"";
	if (strlen(text) > 2 + (HM_PIECE_CID_MAX_BYTES * 8 + 4) / 5)
		return "It is longer than any PieceCID v2";
	len = hm_base32_decode(text + 1, bytes, sizeof(bytes));
	if (len < 0)
		return "It has characters outside the lower-case base32 alphabet a-z, 2-7";
	if (strcmp(multibase_base32(bytes, len), text) != 0)
		return "Its base32 is not canonical (stray trailing bits)";
	if (len < (int) sizeof(prefix) || memcmp(bytes, prefix, sizeof(prefix)) != 0)
		return "It is not a CIDv1 of the raw codec (0x55) with multihash fr32-sha256-trunc254-padbintree (0x1011); a v1 piece CID (baga...) carries no size";
	pos = sizeof(prefix);
	if (!hm_read_varint(bytes, len, &pos, &digest_len) ||
		digest_len != (uint64) (len - pos))
		return "Its digest length does not match the digest";
	if (!hm_read_varint(bytes, len, &pos, &padding) ||
		write_varint(padding, varint) != pos - (int) sizeof(prefix) - 1)
		return "Its padding is not a minimal varint";
	if (len - pos != 1 + NODE)
		return "Its digest is not padding, height and a 32-byte root";
	pc->padding = padding;
	pc->height = bytes[pos++];
	memcpy(pc->root, bytes + pos, NODE);
	if (pc->height < 2 || pc->height > MAX_HEIGHT)
		return "Its tree height is not between 2 and 50";
	if (pc->padding > ((uint64) 1 << (pc->height - 2)) * QUAD_RAW)
		return "Its padding exceeds the tree's capacity";
	if (pc->root[NODE - 1] & 0xc0)
		return "Its root is not a 254-bit value";
	return NULL;
}

/* music.piece_cid(data bytea): the PieceCID v2 of data, as a PDP provider computes it. */
static Datum
music_piece_cid_body(PG_FUNCTION_ARGS)
{
	bytea	   *data;
	HmPieceCommitment pc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("data must not be null")));
	data = PG_GETARG_BYTEA_PP(0);
	if (VARSIZE_ANY_EXHDR(data) < HM_PIECE_MIN_SIZE || VARSIZE_ANY_EXHDR(data) > HM_PIECE_MAX_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a piece must be between %d and " INT64_FORMAT " bytes, got %zu",
						HM_PIECE_MIN_SIZE, HM_PIECE_MAX_SIZE, (size_t) VARSIZE_ANY_EXHDR(data)),
				 errhint("These are the sizes a Filecoin PDP provider stores.")));
	hm_piece_commitment((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), &pc);
	PG_RETURN_TEXT_P(cstring_to_text(hm_piece_cid_text(&pc)));
}

/* Reads a PieceCID v2 argument strictly; raises an error naming the reason. */
static void
parse_cid_arg(FunctionCallInfo fcinfo, int argno, HmPieceCommitment *pc)
{
	char	   *cid = hm_arg_text(fcinfo, argno, "cid", 200);
	const char *reason = hm_piece_cid_parse(cid, pc);

	if (reason)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("\"%s\" is not a PieceCID v2", cid),
				 errdetail("%s.", reason)));
}

/* music.piece_cid_raw_size(cid text): the raw byte count a PieceCID v2 stands for. */
static Datum
music_piece_cid_raw_size_body(PG_FUNCTION_ARGS)
{
	HmPieceCommitment pc;

	parse_cid_arg(fcinfo, 0, &pc);
	PG_RETURN_INT64((int64) hm_piece_raw_size(&pc));
}

/* music.piece_cid_root(cid text): the 32-byte commitment a PieceCID v2 carries. */
static Datum
music_piece_cid_root_body(PG_FUNCTION_ARGS)
{
	HmPieceCommitment pc;
	bytea	   *root = palloc(VARHDRSZ + sizeof(pc.root));

	parse_cid_arg(fcinfo, 0, &pc);
	SET_VARSIZE(root, VARHDRSZ + sizeof(pc.root));
	memcpy(VARDATA(root), pc.root, sizeof(pc.root));
	PG_RETURN_BYTEA_P(root);
}
