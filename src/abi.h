/*
 * abi.h
 *		Solidity ABI: call encoding, return data, revert reasons, event logs.
 *
 * Covers what the platform's contracts use: uint256, address, bool, bytes32,
 * bytes/string, and dynamic arrays of those static types.  Decoders read
 * untrusted bytes (from a node): they check every offset and length and
 * answer false instead of reading out of bounds; none raises an error except
 * for running out of memory, so the worker may call them with no
 * transaction open.
 */
#ifndef HM_ABI_H
#define HM_ABI_H

#include "lib/stringinfo.h"

#include "keccak.h"
#include "secp.h"
#include "uint256.h"

#define HM_ABI_WORD_LEN 32
#define HM_ABI_SELECTOR_LEN 4
#define HM_EVENT_MAX_TOPICS 4

/* What an argument is, by its layout in the encoding. */
typedef enum HmAbiKind
{
	HM_ABI_WORD,				/* any static type: uint256, address, bool, bytes32 */
	HM_ABI_BYTES,				/* bytes or string */
	HM_ABI_WORD_ARRAY			/* T[] of a static type T */
} HmAbiKind;

/* One argument of a call; build it with the hm_abi_* constructors below. */
typedef struct HmAbiValue
{
	HmAbiKind	kind;
	HmUint256	word;			/* HM_ABI_WORD */
	const uint8 *bytes;			/* HM_ABI_BYTES, not copied */
	size_t		bytes_len;
	const HmUint256 *words;		/* HM_ABI_WORD_ARRAY, not copied */
	int			nwords;
} HmAbiValue;

/* Argument constructors; pointers are kept, not copied, until encoding. */
extern HmAbiValue hm_abi_uint64(uint64 value);
extern HmAbiValue hm_abi_uint256(const HmUint256 *value);
extern HmAbiValue hm_abi_address(const uint8 *address20);
extern HmAbiValue hm_abi_bool(bool value);
extern HmAbiValue hm_abi_bytes32(const uint8 *bytes32);
extern HmAbiValue hm_abi_bytes(const uint8 *data, size_t len);
extern HmAbiValue hm_abi_word_array(const HmUint256 *words, int nwords);

/* Words for arrays: an address or bytes32 as its 32-byte ABI word. */
extern void hm_abi_address_word(const uint8 *address20, HmUint256 *word);
extern void hm_abi_bytes32_word(const uint8 *bytes32, HmUint256 *word);

/*
 * The 4-byte selector of a function or error signature in canonical form,
 * e.g. "setVerified(uint256,bool)": the first 4 bytes of its keccak256.
 */
extern void hm_abi_selector(const char *signature, uint8 *selector4);

/* The topic0 of an event signature, e.g. "CreatorCoinCreated(uint256,address)". */
extern void hm_abi_event_topic(const char *signature, uint8 *topic32);

/* Appends the head/tail encoding of args (no selector). */
extern void hm_abi_encode(StringInfo out, const HmAbiValue *args, int nargs);

/* Appends selector(signature) followed by the encoding of args: a call's data. */
extern void hm_abi_encode_call(StringInfo out, const char *signature,
							   const HmAbiValue *args, int nargs);

/*
 * One creator's entry in CreatorCoinFactory.updateCreatorMetricsBatch
 * (docs/contracts.md); revenue in wei, data_hash the snapshot's hash.
 */
typedef struct HmCreatorMetrics
{
	uint64		creator_id;
	uint64		sequence;		/* the metrics job's id: strictly increasing */
	uint64		total_plays;
	uint64		followers;
	HmUint256	revenue;
	uint8		data_hash[HM_KECCAK256_LEN];
} HmCreatorMetrics;

#define HM_METRICS_BATCH_SIGNATURE \
	"updateCreatorMetricsBatch(uint256[],uint256[],uint256[],uint256[],uint256[],bytes32[])"

/* Appends the call data of updateCreatorMetricsBatch for n entries (six parallel arrays). */
extern void hm_abi_encode_metrics_batch(StringInfo out, const HmCreatorMetrics *entries, int n);

/*
 * Return data decoders.  index counts 32-byte head slots from 0 (the i-th
 * return value of a function whose outputs are all static, or the slot
 * holding a dynamic value's offset).  Each answers false when the data is
 * too short or the slot does not hold a valid value of its type (an address
 * or bool with stray high bytes, a uint64 that overflows, a bad offset).
 */
extern bool hm_abi_decode_word(const uint8 *data, size_t len, int index, HmUint256 *out);
extern bool hm_abi_decode_uint64(const uint8 *data, size_t len, int index, uint64 *out);
extern bool hm_abi_decode_address(const uint8 *data, size_t len, int index, uint8 *address20);
extern bool hm_abi_decode_bool(const uint8 *data, size_t len, int index, bool *out);

/* A dynamic bytes/string whose offset is in slot index; *out points into data. */
extern bool hm_abi_decode_bytes(const uint8 *data, size_t len, int index,
								const uint8 **out, size_t *out_len);

/*
 * The reason a call or transaction reverted, from its revert data, as
 * printable ASCII text (palloc'd; other bytes become '?', at most about 300
 * characters), for errors and for music.chain_transactions:
 *   Error(string)            -> the message, quoted: 'reverted: "not allowed"'
 *   Panic(uint256)           -> 'panic 0x11 (arithmetic overflow or underflow)'
 *   a custom error listed in known_errors (canonical signatures such as
 *   "SequenceNotIncreasing(uint256,uint256,uint256)")
 *                            -> 'SequenceNotIncreasing(7, 5, 5)', static
 *                               arguments printed by type (uintN decimal,
 *                               address/bytesN hex, bool), string arguments
 *                               quoted
 *   no data                  -> 'reverted without a reason'
 *   anything else            -> 'unknown error 0x12345678 (36 bytes)'
 */
extern char *hm_abi_revert_reason(const uint8 *data, size_t len,
								  const char *const *known_errors, int nknown);

/* An event log, as eth_getTransactionReceipt and eth_getLogs give it. */
typedef struct HmEventLog
{
	uint8		address[HM_ADDRESS_LEN];	/* the emitting contract */
	int			ntopics;
	uint8		topics[HM_EVENT_MAX_TOPICS][HM_KECCAK256_LEN];
	uint8	   *data;			/* non-indexed arguments, ABI-encoded */
	size_t		data_len;
	uint64		block_number;
	uint8		transaction_hash[HM_KECCAK256_LEN];
	uint64		log_index;
	bool		removed;		/* dropped by a reorg */
} HmEventLog;

/*
 * True when log was emitted by contract address20 (NULL: any) with topic0
 * equal to topic32; its non-indexed arguments are then read from log->data
 * with the decoders above, its indexed ones from log->topics[1..].
 */
extern bool hm_abi_log_is(const HmEventLog *log, const uint8 *address20, const uint8 *topic32);

#endif							/* HM_ABI_H */
