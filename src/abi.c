/*
 * abi.c
 *		Solidity ABI encoding of calls, decoding of return data, revert
 *		reasons and event logs.
 *
 * Decoders read bytes a node sent: every offset and length is checked
 * against the buffer before use, in 64-bit arithmetic that cannot wrap.
 */
#include "postgres.h"

#include "abi.h"
#include "hex.h"

#define REVERT_REASON_MAX 300

/* Selectors of the two errors Solidity itself raises. */
#define ERROR_STRING_SIGNATURE "Error(string)"
#define PANIC_SIGNATURE "Panic(uint256)"

/* A value that is one 32-byte word. */
static HmAbiValue
word_value(const HmUint256 *word)
{
	HmAbiValue	v;

	memset(&v, 0, sizeof(v));
	v.kind = HM_ABI_WORD;
	v.word = *word;
	return v;
}

/* A uint256 argument from a uint64. */
HmAbiValue
hm_abi_uint64(uint64 value)
{
	HmUint256	word;

	hm_u256_from_uint64(value, &word);
	return word_value(&word);
}

/* A uint256 argument. */
HmAbiValue
hm_abi_uint256(const HmUint256 *value)
{
	return word_value(value);
}

/* An address argument. */
HmAbiValue
hm_abi_address(const uint8 *address20)
{
	HmUint256	word;

	hm_abi_address_word(address20, &word);
	return word_value(&word);
}

/* A bool argument. */
HmAbiValue
hm_abi_bool(bool value)
{
	return hm_abi_uint64(value ? 1 : 0);
}

/* A bytes32 argument. */
HmAbiValue
hm_abi_bytes32(const uint8 *bytes32)
{
	HmUint256	word;

	hm_abi_bytes32_word(bytes32, &word);
	return word_value(&word);
}

/* A bytes (or string) argument; data is kept, not copied. */
HmAbiValue
hm_abi_bytes(const uint8 *data, size_t len)
{
	HmAbiValue	v;

	memset(&v, 0, sizeof(v));
	v.kind = HM_ABI_BYTES;
	v.bytes = data;
	v.bytes_len = len;
	return v;
}

/* A dynamic array of static values; words are kept, not copied. */
HmAbiValue
hm_abi_word_array(const HmUint256 *words, int nwords)
{
	HmAbiValue	v;

	Assert(nwords >= 0);
	memset(&v, 0, sizeof(v));
	v.kind = HM_ABI_WORD_ARRAY;
	v.words = words;
	v.nwords = nwords;
	return v;
}

/* An address as its word: 12 zero bytes, then the address. */
void
hm_abi_address_word(const uint8 *address20, HmUint256 *word)
{
	memset(word->be, 0, HM_ABI_WORD_LEN - HM_ADDRESS_LEN);
	memcpy(word->be + HM_ABI_WORD_LEN - HM_ADDRESS_LEN, address20, HM_ADDRESS_LEN);
}

/* A bytes32 as its word. */
void
hm_abi_bytes32_word(const uint8 *bytes32, HmUint256 *word)
{
	memcpy(word->be, bytes32, HM_ABI_WORD_LEN);
}

/* The 4-byte selector of a canonical function or error signature. */
void
hm_abi_selector(const char *signature, uint8 *selector4)
{
	uint8		hash[HM_KECCAK256_LEN];

	hm_keccak256((const uint8 *) signature, strlen(signature), hash);
	memcpy(selector4, hash, HM_ABI_SELECTOR_LEN);
}

/* The topic0 of a canonical event signature. */
void
hm_abi_event_topic(const char *signature, uint8 *topic32)
{
	hm_keccak256((const uint8 *) signature, strlen(signature), topic32);
}

/* Appends a uint64 as a 32-byte word. */
static void
append_uint_word(StringInfo out, uint64 value)
{
	HmUint256	word;

	hm_u256_from_uint64(value, &word);
	appendBinaryStringInfo(out, (const char *) word.be, HM_ABI_WORD_LEN);
}

/* The number of bytes a dynamic value takes in the tail. */
static size_t
tail_size(const HmAbiValue *v)
{
	if (v->kind == HM_ABI_BYTES)
		return HM_ABI_WORD_LEN + TYPEALIGN(HM_ABI_WORD_LEN, v->bytes_len);
	if (v->kind == HM_ABI_WORD_ARRAY)
		return HM_ABI_WORD_LEN + (size_t) v->nwords * HM_ABI_WORD_LEN;
	return 0;
}

/* Appends the head/tail encoding of args. */
void
hm_abi_encode(StringInfo out, const HmAbiValue *args, int nargs)
{
	static const uint8 zeros[HM_ABI_WORD_LEN] = {0};
	size_t		offset = (size_t) nargs * HM_ABI_WORD_LEN;

	/* heads: static values in place, offsets of dynamic ones */
	for (int i = 0; i < nargs; i++)
	{
		if (args[i].kind == HM_ABI_WORD)
			appendBinaryStringInfo(out, (const char *) args[i].word.be, HM_ABI_WORD_LEN);
		else
		{
			append_uint_word(out, offset);
			offset += tail_size(&args[i]);
		}
	}

	/* tails, in the same order */
	for (int i = 0; i < nargs; i++)
	{
		const HmAbiValue *v = &args[i];

		if (v->kind == HM_ABI_BYTES)
		{
			size_t		padding = TYPEALIGN(HM_ABI_WORD_LEN, v->bytes_len) - v->bytes_len;

			append_uint_word(out, v->bytes_len);
			if (v->bytes_len > 0)
				appendBinaryStringInfo(out, (const char *) v->bytes, v->bytes_len);
			appendBinaryStringInfo(out, (const char *) zeros, padding);
		}
		else if (v->kind == HM_ABI_WORD_ARRAY)
		{
			append_uint_word(out, v->nwords);
			for (int j = 0; j < v->nwords; j++)
				appendBinaryStringInfo(out, (const char *) v->words[j].be, HM_ABI_WORD_LEN);
		}
	}
}

/* Appends a call's data: the selector, then the encoded arguments. */
void
hm_abi_encode_call(StringInfo out, const char *signature, const HmAbiValue *args, int nargs)
{
	uint8		selector[HM_ABI_SELECTOR_LEN];

	hm_abi_selector(signature, selector);
	appendBinaryStringInfo(out, (const char *) selector, HM_ABI_SELECTOR_LEN);
	hm_abi_encode(out, args, nargs);
}

/* Appends updateCreatorMetricsBatch's call data for n entries. */
void
hm_abi_encode_metrics_batch(StringInfo out, const HmCreatorMetrics *entries, int n)
{
	HmUint256  *columns[6];
	HmAbiValue	args[6];

	for (int c = 0; c < 6; c++)
		columns[c] = palloc(sizeof(HmUint256) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		hm_u256_from_uint64(entries[i].creator_id, &columns[0][i]);
		hm_u256_from_uint64(entries[i].sequence, &columns[1][i]);
		hm_u256_from_uint64(entries[i].total_plays, &columns[2][i]);
		hm_u256_from_uint64(entries[i].followers, &columns[3][i]);
		columns[4][i] = entries[i].revenue;
		hm_abi_bytes32_word(entries[i].data_hash, &columns[5][i]);
	}
	for (int c = 0; c < 6; c++)
		args[c] = hm_abi_word_array(columns[c], n);
	hm_abi_encode_call(out, HM_METRICS_BATCH_SIGNATURE, args, 6);
	for (int c = 0; c < 6; c++)
		pfree(columns[c]);
}

/* Reads the word at byte offset pos; false when it runs past len. */
static bool
word_at(const uint8 *data, size_t len, uint64 pos, HmUint256 *out)
{
	if (pos > len || len - pos < HM_ABI_WORD_LEN)
		return false;
	memcpy(out->be, data + pos, HM_ABI_WORD_LEN);
	return true;
}

/* True when the first n bytes of word are zero. */
static bool
leading_zeros(const HmUint256 *word, int n)
{
	for (int i = 0; i < n; i++)
		if (word->be[i] != 0)
			return false;
	return true;
}

/* The word in head slot index. */
bool
hm_abi_decode_word(const uint8 *data, size_t len, int index, HmUint256 *out)
{
	if (index < 0)
		return false;
	return word_at(data, len, (uint64) index * HM_ABI_WORD_LEN, out);
}

/* A uint256 slot that must fit in uint64. */
bool
hm_abi_decode_uint64(const uint8 *data, size_t len, int index, uint64 *out)
{
	HmUint256	word;

	return hm_abi_decode_word(data, len, index, &word) && hm_u256_to_uint64(&word, out);
}

/* An address slot: 12 zero bytes, then 20 address bytes. */
bool
hm_abi_decode_address(const uint8 *data, size_t len, int index, uint8 *address20)
{
	HmUint256	word;

	if (!hm_abi_decode_word(data, len, index, &word) ||
		!leading_zeros(&word, HM_ABI_WORD_LEN - HM_ADDRESS_LEN))
		return false;
	memcpy(address20, word.be + HM_ABI_WORD_LEN - HM_ADDRESS_LEN, HM_ADDRESS_LEN);
	return true;
}

/* A bool slot: exactly 0 or 1. */
bool
hm_abi_decode_bool(const uint8 *data, size_t len, int index, bool *out)
{
	uint64		value;

	if (!hm_abi_decode_uint64(data, len, index, &value) || value > 1)
		return false;
	*out = (value == 1);
	return true;
}

/* A dynamic bytes/string whose offset is in slot index. */
bool
hm_abi_decode_bytes(const uint8 *data, size_t len, int index,
					const uint8 **out, size_t *out_len)
{
	uint64		offset;
	HmUint256	length_word;
	uint64		length;

	if (!hm_abi_decode_uint64(data, len, index, &offset) ||
		!word_at(data, len, offset, &length_word) ||
		!hm_u256_to_uint64(&length_word, &length))
		return false;
	offset += HM_ABI_WORD_LEN;
	if (length > len - offset)
		return false;
	*out = data + offset;
	*out_len = (size_t) length;
	return true;
}

/* Appends untrusted text as printable ASCII, other bytes as '?'. */
static void
append_printable(StringInfo out, const uint8 *text, size_t len)
{
	for (size_t i = 0; i < len && out->len < REVERT_REASON_MAX; i++)
		appendStringInfoChar(out, (text[i] >= 0x20 && text[i] < 0x7f) ? (char) text[i] : '?');
}

/* What a Solidity panic code means. */
static const char *
panic_meaning(uint64 code)
{
	switch (code)
	{
		case 0x01:
			return "assertion failed";
		case 0x11:
			return "arithmetic overflow or underflow";
		case 0x12:
			return "division or modulo by zero";
		case 0x21:
			return "invalid enum value";
		case 0x22:
			return "invalid storage byte array";
		case 0x31:
			return "pop on an empty array";
		case 0x32:
			return "array index out of bounds";
		case 0x41:
			return "too much memory allocated";
		case 0x51:
			return "call to an uninitialised function";
		default:
			return "unknown panic code";
	}
}

/* Appends argument index of a custom error, printed by its type name. */
static void
append_error_argument(StringInfo out, const char *type, size_t type_len,
					  const uint8 *args, size_t args_len, int index)
{
	HmUint256	word;
	const uint8 *bytes;
	size_t		bytes_len;

	if (type_len == 6 && strncmp(type, "string", 6) == 0)
	{
		if (!hm_abi_decode_bytes(args, args_len, index, &bytes, &bytes_len))
			appendStringInfoChar(out, '?');
		else
		{
			appendStringInfoChar(out, '"');
			append_printable(out, bytes, bytes_len);
			appendStringInfoChar(out, '"');
		}
		return;
	}
	if (type_len == 5 && strncmp(type, "bytes", 5) == 0)
	{
		if (!hm_abi_decode_bytes(args, args_len, index, &bytes, &bytes_len))
			appendStringInfoChar(out, '?');
		else
			appendStringInfoString(out, hm_hex_encode(bytes, Min(bytes_len, 64)));
		return;
	}
	if (!hm_abi_decode_word(args, args_len, index, &word))
	{
		appendStringInfoChar(out, '?');
		return;
	}
	if (strncmp(type, "uint", 4) == 0)
		appendStringInfoString(out, hm_u256_to_decimal(&word));
	else if (type_len == 7 && strncmp(type, "address", 7) == 0)
		appendStringInfoString(out, hm_hex_encode(word.be + HM_ABI_WORD_LEN - HM_ADDRESS_LEN,
												  HM_ADDRESS_LEN));
	else if (type_len == 4 && strncmp(type, "bool", 4) == 0)
		appendStringInfoString(out, hm_u256_is_zero(&word) ? "false" : "true");
	else
		appendStringInfoString(out, hm_hex_encode(word.be, HM_ABI_WORD_LEN));
}

/* Appends a custom error: its name, then its arguments by their types. */
static void
append_custom_error(StringInfo out, const char *signature, const uint8 *args, size_t args_len)
{
	const char *open = strchr(signature, '(');
	const char *p;
	int			index = 0;

	if (open == NULL)
	{
		appendStringInfoString(out, signature);
		return;
	}
	appendBinaryStringInfo(out, signature, open - signature + 1);
	p = open + 1;
	while (*p && *p != ')')
	{
		size_t		type_len = strcspn(p, ",)");

		if (index > 0)
			appendStringInfoString(out, ", ");
		append_error_argument(out, p, type_len, args, args_len, index++);
		p += type_len;
		if (*p == ',')
			p++;
	}
	appendStringInfoChar(out, ')');
}

/* The reason a call reverted, as printable text (see abi.h). */
char *
hm_abi_revert_reason(const uint8 *data, size_t len, const char *const *known_errors, int nknown)
{
	StringInfoData out;
	uint8		selector[HM_ABI_SELECTOR_LEN];
	const uint8 *args = data + HM_ABI_SELECTOR_LEN;
	size_t		args_len;

	if (len == 0)
		return pstrdup("reverted without a reason");
	if (len < HM_ABI_SELECTOR_LEN)
		return psprintf("malformed revert data (%zu bytes)", len);
	args_len = len - HM_ABI_SELECTOR_LEN;
	initStringInfo(&out);

	hm_abi_selector(ERROR_STRING_SIGNATURE, selector);
	if (memcmp(data, selector, HM_ABI_SELECTOR_LEN) == 0)
	{
		const uint8 *message;
		size_t		message_len;

		if (!hm_abi_decode_bytes(args, args_len, 0, &message, &message_len))
			return psprintf("malformed Error(string) revert data (%zu bytes)", len);
		appendStringInfoString(&out, "reverted: \"");
		append_printable(&out, message, message_len);
		appendStringInfoChar(&out, '"');
		return out.data;
	}

	hm_abi_selector(PANIC_SIGNATURE, selector);
	if (memcmp(data, selector, HM_ABI_SELECTOR_LEN) == 0)
	{
		uint64		code;

		if (!hm_abi_decode_uint64(args, args_len, 0, &code))
			return psprintf("malformed Panic(uint256) revert data (%zu bytes)", len);
		return psprintf("panic 0x%02" INT64_MODIFIER "x (%s)", code, panic_meaning(code));
	}

	for (int i = 0; i < nknown; i++)
	{
		hm_abi_selector(known_errors[i], selector);
		if (memcmp(data, selector, HM_ABI_SELECTOR_LEN) == 0)
		{
			append_custom_error(&out, known_errors[i], args, args_len);
			if (out.len >= REVERT_REASON_MAX)
				appendStringInfoString(&out, "...");
			return out.data;
		}
	}

	return psprintf("unknown error %s (%zu bytes)",
					hm_hex_encode(data, HM_ABI_SELECTOR_LEN), len);
}

/* True when log came from address20 (NULL: any) with topic0 equal to topic32. */
bool
hm_abi_log_is(const HmEventLog *log, const uint8 *address20, const uint8 *topic32)
{
	if (address20 != NULL && memcmp(log->address, address20, HM_ADDRESS_LEN) != 0)
		return false;
	return log->ntopics > 0 && memcmp(log->topics[0], topic32, HM_KECCAK256_LEN) == 0;
}
