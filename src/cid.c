/*
 * cid.c
 *		Validation of content identifiers (CIDs) for audio and artwork.
 *
 * The platform stores media in Synapse/Filecoin storage and keeps only the
 * piece CIDs, so a malformed one is a client bug to report at once, not
 * something to discover when a player fails to fetch the file.
 */
#include "postgres.h"

#include "hybridmusic.h"

#define CID_MAX_BYTES 128

/* Raises the error for an invalid CID, with the reason as detail. */
static void
invalid_cid(const char *name, const char *cid, const char *reason)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s is not a valid CID: \"%s\"", name, cid),
			 errdetail("%s", reason),
			 errhint("Use a CIDv1 in base32 (starting with \"b\", e.g. a piece CID \"bafkzcib...\") or a CIDv0 (\"Qm...\").")));
}

/* Reads an unsigned LEB128 varint; returns false when it runs off the end. */
bool
hm_read_varint(const uint8 *buf, int len, int *pos, uint64 *value)
{
	int			shift = 0;

	*value = 0;
	while (*pos < len && shift < 63)
	{
		uint8		b = buf[(*pos)++];

		*value |= (uint64) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return true;
		shift += 7;
	}
	return false;
}

/* Decodes unpadded lower-case RFC 4648 base32; returns the length or -1. */
int
hm_base32_decode(const char *in, uint8 *out, int out_size)
{
	uint32		buffer = 0;
	int			bits = 0;
	int			len = 0;

	for (; *in; in++)
	{
		int			v;

		if (*in >= 'a' && *in <= 'z')
			v = *in - 'a';
		else if (*in >= '2' && *in <= '7')
			v = *in - '2' + 26;
		else
			return -1;
		buffer = (buffer << 5) | v;
		bits += 5;
		if (bits >= 8)
		{
			if (len >= out_size)
				return -1;
			bits -= 8;
			out[len++] = (buffer >> bits) & 0xff;
		}
	}
	return len;
}

/*
 * Checks that cid is a well-formed CID: CIDv0 (base58 sha2-256 multihash) or
 * CIDv1 in base32 whose multihash length matches its digest.
 */
void
hm_check_cid(const char *cid, const char *name)
{
	uint8		bytes[CID_MAX_BYTES];
	int			len;
	int			pos = 0;
	uint64		version;
	uint64		codec;
	uint64		hash_code;
	uint64		digest_len;

	if (cid[0] == 'Q' && cid[1] == 'm')
	{
		static const char base58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

		if (strlen(cid) != 46 || strspn(cid, base58) != 46)
			invalid_cid(name, cid, "A CIDv0 is 46 base58 characters.");
		return;
	}
	if (cid[0] != 'b')
		invalid_cid(name, cid, "Only base32 (\"b\") CIDv1 and CIDv0 are accepted.");

	len = hm_base32_decode(cid + 1, bytes, sizeof(bytes));
	if (len < 0)
		invalid_cid(name, cid, "It contains characters outside the base32 alphabet a-z, 2-7, or is too long.");
	if (!hm_read_varint(bytes, len, &pos, &version) || version != 1)
		invalid_cid(name, cid, "The CID version is not 1.");
	if (!hm_read_varint(bytes, len, &pos, &codec) ||
		!hm_read_varint(bytes, len, &pos, &hash_code) ||
		!hm_read_varint(bytes, len, &pos, &digest_len))
		invalid_cid(name, cid, "The multihash header is truncated.");
	if (digest_len == 0 || digest_len != (uint64) (len - pos))
		invalid_cid(name, cid, "The multihash digest length does not match its header.");
}
