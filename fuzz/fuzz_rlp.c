/*
 * fuzz_rlp.c
 *		The RLP encoder of src/rlp.c, which lays out every transaction the
 *		worker signs.  The worker decodes no RLP from the network; what can go
 *		wrong is an encoding a node reads differently from what was meant, so
 *		this harness builds items and lists from the input and reads the
 *		encoding back with a strict decoder written here from the yellow
 *		paper (appendix B): every item must decode, canonically, to exactly
 *		what was appended.
 *
 * Input: a sequence of operations, each one byte then its operand:
 *   0 bytes: an item of the next byte's count of bytes (then those bytes)
 *   1 uint64: the next 8 bytes, big-endian
 *   2 uint256: the next 32 bytes
 *   3 list: wraps everything encoded so far into one list item
 */
#include "postgres.h"

#include "backend_shim.h"
#include "rlp.h"

#define MAX_ITEMS 64

/* What one top-level item must decode to. */
typedef struct Expected
{
	bool		list;
	const uint8 *payload;
	size_t		len;
} Expected;

/*
 * Reads one canonical item at *pos; false when the encoding is not
 * canonical or runs past the end.
 */
static bool
decode_item(const uint8 *buf, size_t len, size_t *pos, Expected *item)
{
	uint8		b;
	size_t		n = 0;

	if (*pos >= len)
		return false;
	b = buf[(*pos)++];
	if (b < 0x80)
	{
		item->list = false;
		item->payload = buf + *pos - 1;
		item->len = 1;
		return true;
	}
	item->list = b >= 0xc0;
	b -= item->list ? 0xc0 : 0x80;
	if (b <= 55)
		n = b;
	else
	{
		int			nbytes = b - 55;

		if (len - *pos < (size_t) nbytes || buf[*pos] == 0)
			return false;		/* truncated, or a length with a leading zero */
		for (int i = 0; i < nbytes; i++)
			n = (n << 8) | buf[(*pos)++];
		if (n <= 55)
			return false;		/* a long form for a short length */
	}
	if (len - *pos < n)
		return false;
	if (!item->list && n == 1 && buf[*pos] < 0x80)
		return false;			/* a single low byte encodes itself */
	item->payload = buf + *pos;
	item->len = n;
	*pos += n;
	return true;
}

/* The minimal big-endian bytes of an integer given as big-endian bytes. */
static void
strip_zeros(const uint8 *be, size_t len, const uint8 **out, size_t *out_len)
{
	while (len > 0 && *be == 0)
		be++, len--;
	*out = be;
	*out_len = len;
}

/* Checks that encoded decodes to exactly the expected items. */
static void
check(const StringInfo encoded, const Expected *expected, int nexpected)
{
	size_t		pos = 0;

	for (int i = 0; i < nexpected; i++)
	{
		Expected	got;

		if (!decode_item((const uint8 *) encoded->data, encoded->len, &pos, &got) ||
			got.list != expected[i].list || got.len != expected[i].len ||
			(got.len > 0 && memcmp(got.payload, expected[i].payload, got.len) != 0))
			abort();
	}
	if (pos != (size_t) encoded->len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	StringInfoData encoded;
	Expected	expected[MAX_ITEMS];
	int			nexpected = 0;
	size_t		pos = 0;

	initStringInfo(&encoded);
	while (pos < size && nexpected < MAX_ITEMS)
	{
		uint8		op = data[pos++] % 4;
		Expected   *e = &expected[nexpected];

		e->list = false;
		if (op == 0)
		{
			size_t		n = pos < size ? data[pos++] : 0;

			n = Min(n, size - pos);
			e->payload = data + pos;
			e->len = n;
			hm_rlp_append_bytes(&encoded, data + pos, n);
			pos += n;
		}
		else if (op == 1 && size - pos >= 8)
		{
			uint64		value = 0;

			for (int i = 0; i < 8; i++)
				value = (value << 8) | data[pos + i];
			strip_zeros(data + pos, 8, &e->payload, &e->len);
			hm_rlp_append_uint64(&encoded, value);
			pos += 8;
		}
		else if (op == 2 && size - pos >= 32)
		{
			HmUint256	value;

			memcpy(value.be, data + pos, 32);
			strip_zeros(data + pos, 32, &e->payload, &e->len);
			hm_rlp_append_uint256(&encoded, &value);
			pos += 32;
		}
		else if (op == 3)
		{
			StringInfoData list;
			uint8	   *payload = palloc(Max(encoded.len, 1));

			memcpy(payload, encoded.data, encoded.len);
			initStringInfo(&list);
			hm_rlp_append_list(&list, payload, encoded.len);
			e = &expected[0];
			e->list = true;
			e->payload = payload;
			e->len = encoded.len;
			nexpected = 0;
			encoded = list;
		}
		else
			break;
		nexpected++;
		check(&encoded, expected, nexpected);
	}
	shim_reset_memory();
	return 0;
}
