/*
 * chain_rpc.h
 *		Ethereum JSON-RPC over HTTP (libcurl, jansson), for the worker.
 *
 * Every function here may run with no transaction open: none uses SPI or
 * raises an error for anything the node or the network does.  Each answers
 * true on success, or false with *err filled: an HTTP failure (connection,
 * timeout, HTTP status, an answer over HM_RPC_MAX_RESPONSE bytes), a
 * JSON-RPC error (code and message, and revert data when the node gives
 * some) or a malformed answer.  Results and error texts are palloc'd in the
 * caller's CurrentMemoryContext.  A pending interrupt (SIGTERM, cancel)
 * aborts the transfer at once with an HTTP failure; the caller then runs
 * CHECK_FOR_INTERRUPTS().
 *
 * Node answers are untrusted: every field is checked for type and range, and
 * text from the node is cut to a bounded length and stripped of control
 * characters before it reaches an error message.
 */
#ifndef HM_CHAIN_RPC_H
#define HM_CHAIN_RPC_H

#include "abi.h"
#include "secp.h"
#include "uint256.h"

/* The largest answer read; eth_getLogs callers keep their block range small enough. */
#define HM_RPC_MAX_RESPONSE (16 * 1024 * 1024)

typedef enum HmRpcFailure
{
	HM_RPC_HTTP_FAILURE,		/* no usable HTTP answer: see message */
	HM_RPC_NODE_ERROR,			/* the node answered a JSON-RPC error */
	HM_RPC_MALFORMED			/* the answer is not what the method returns */
} HmRpcFailure;

/* Why a call failed. */
typedef struct HmRpcError
{
	HmRpcFailure failure;
	long		http_status;	/* 0 when no HTTP status was received */
	int64		code;			/* JSON-RPC error code, HM_RPC_NODE_ERROR only */
	char	   *message;		/* the whole story in one line, e.g.
								 * "eth_sendRawTransaction: JSON-RPC error
								 * -32000: nonce too low" */
	uint8	   *revert_data;	/* error.data as bytes (eth_call and
								 * eth_estimateGas reverts), or NULL */
	size_t		revert_len;
} HmRpcError;

/* A connection to one node (keeps the HTTP connection alive between calls). */
typedef struct HmRpc HmRpc;

/*
 * Opens a client for url (http or https only) with a per-call timeout in
 * milliseconds (the music.http_timeout setting).  The client lives in
 * context; close it with hm_rpc_close before that context goes away.
 * Returns NULL with *err filled when url is empty or not http(s).
 */
extern HmRpc *hm_rpc_open(const char *url, int timeout_ms, MemoryContext context, HmRpcError *err);

/* Releases the client and its HTTP connection. */
extern void hm_rpc_close(HmRpc *rpc);

/*
 * Any method with params given as a JSON array text (e.g. "[]"); *result is
 * the "result" member as compact JSON text.  For tests and operators
 * (music.chain_rpc), and for methods without a typed wrapper below.
 */
extern bool hm_rpc_request(HmRpc *rpc, const char *method, const char *params_json,
						   char **result, HmRpcError *err);

/* eth_chainId. */
extern bool hm_rpc_chain_id(HmRpc *rpc, uint64 *chain_id, HmRpcError *err);

/* eth_blockNumber. */
extern bool hm_rpc_block_number(HmRpc *rpc, uint64 *block_number, HmRpcError *err);

/*
 * eth_getTransactionCount of address20 at "latest" (pending false: the
 * nonces mined) or "pending" (pending true: mined plus in the node's pool).
 */
extern bool hm_rpc_transaction_count(HmRpc *rpc, const uint8 *address20, bool pending,
									 uint64 *count, HmRpcError *err);

/* A message call, for eth_call and eth_estimateGas. */
typedef struct HmCall
{
	const uint8 *from;			/* 20 bytes, or NULL */
	const uint8 *to;			/* 20 bytes */
	const uint8 *data;			/* call data, or NULL when data_len is 0 */
	size_t		data_len;
	const HmUint256 *value;		/* wei, or NULL for none */
} HmCall;

/*
 * eth_estimateGas.  When the call would revert the node answers a JSON-RPC
 * error; its revert data (if any) is in err->revert_data, ready for
 * hm_abi_revert_reason.
 */
extern bool hm_rpc_estimate_gas(HmRpc *rpc, const HmCall *call, uint64 *gas, HmRpcError *err);

/* eth_call at "latest"; *result is the return data (palloc'd; NULL when empty). */
extern bool hm_rpc_call(HmRpc *rpc, const HmCall *call, uint8 **result, size_t *result_len,
						HmRpcError *err);

/* eth_maxPriorityFeePerGas: the node's suggested tip, wei per gas. */
extern bool hm_rpc_max_priority_fee(HmRpc *rpc, uint64 *fee, HmRpcError *err);

/*
 * eth_feeHistory over the last nblocks blocks (1..1024) at the reward
 * percentile (0..100): *next_base_fee is the base fee of the next block,
 * *priority_fee the highest of the blocks' rewards at that percentile (0
 * when the blocks are empty).
 */
extern bool hm_rpc_fee_history(HmRpc *rpc, int nblocks, int percentile,
							   uint64 *next_base_fee, uint64 *priority_fee, HmRpcError *err);

/*
 * eth_sendRawTransaction; *hash is the hash the node returns (it must equal
 * keccak256(raw), or the answer counts as malformed).  A node that already
 * has the transaction ("already known", "nonce too low" after it was mined)
 * answers a JSON-RPC error: the caller decides from its own ledger and the
 * receipt, never by re-signing.
 */
extern bool hm_rpc_send_raw_transaction(HmRpc *rpc, const uint8 *raw, size_t raw_len,
										uint8 *hash32, HmRpcError *err);

/* A transaction receipt. */
typedef struct HmReceipt
{
	bool		found;			/* false: not mined (yet), or unknown to the node */
	bool		success;		/* status 0x1 */
	uint64		block_number;
	uint8		block_hash[HM_KECCAK256_LEN];
	uint64		gas_used;
	uint64		effective_gas_price;	/* wei per gas */
	uint8		contract_address[HM_ADDRESS_LEN];	/* creations only */
	bool		has_contract_address;
	int			nlogs;
	HmEventLog *logs;			/* palloc'd array of nlogs */
} HmReceipt;

/* eth_getTransactionReceipt; receipt->found is false when the node answers null. */
extern bool hm_rpc_transaction_receipt(HmRpc *rpc, const uint8 *hash32, HmReceipt *receipt,
									   HmRpcError *err);

/* Which logs eth_getLogs returns. */
typedef struct HmLogFilter
{
	const uint8 *address;		/* 20 bytes, or NULL for any contract */
	const uint8 *topic0;		/* 32 bytes, or NULL for any event */
	uint64		from_block;
	uint64		to_block;
} HmLogFilter;

/* eth_getLogs; *logs is a palloc'd array of *nlogs (NULL when none). */
extern bool hm_rpc_get_logs(HmRpc *rpc, const HmLogFilter *filter, HmEventLog **logs, int *nlogs,
							HmRpcError *err);

#endif							/* HM_CHAIN_RPC_H */
