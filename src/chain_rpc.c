/*
 * chain_rpc.c
 *		Ethereum JSON-RPC over HTTP with libcurl and jansson.
 *
 * This file includes jansson.h, so it must never include fmgr.h or
 * utils/builtins.h: both define json_object (see toolchain.md), and a call
 * bound to the server's would crash the backend.  Objects are built with
 * json_pack().
 *
 * Nothing here raises an error for what the network or the node does: the
 * worker calls these functions with no transaction open, where an ERROR
 * would end it.  Every answer is checked before use.
 */
#include "postgres.h"

#include <curl/curl.h>
#include <jansson.h>

#include "miscadmin.h"

#include "chain_rpc.h"
#include "hex.h"

/* The longest piece of node-supplied text quoted in an error message. */
#define NODE_TEXT_MAX 200

struct HmRpc
{
	CURL	   *curl;
	struct curl_slist *headers;
	int			timeout_ms;
	int64		next_id;
};

/* An HTTP answer being received; malloc'd because curl's callbacks must not longjmp. */
typedef struct ResponseBuffer
{
	char	   *data;
	size_t		len;
	size_t		size;
	bool		too_large;
} ResponseBuffer;

/* Copies untrusted text for a message: printable ASCII only, bounded. */
static char *
printable(const char *text)
{
	StringInfoData out;

	initStringInfo(&out);
	for (const char *p = text; *p && out.len < NODE_TEXT_MAX; p++)
		appendStringInfoChar(&out, (*p >= 0x20 && *p < 0x7f) ? *p : '?');
	if (strlen(text) > NODE_TEXT_MAX)
		appendStringInfoString(&out, "...");
	return out.data;
}

/* Fills *err; the message is "<method>: <detail>". */
static bool
fail(HmRpcError *err, HmRpcFailure failure, const char *method, const char *fmt,...)
	pg_attribute_printf(4, 5);

static bool
fail(HmRpcError *err, HmRpcFailure failure, const char *method, const char *fmt,...)
{
	StringInfoData msg;

	initStringInfo(&msg);
	appendStringInfo(&msg, "%s: ", method);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&msg, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&msg, needed);
	}
	err->failure = failure;
	err->message = msg.data;
	return false;
}

/* The answer was not what the method returns. */
static bool
malformed(HmRpcError *err, const char *method, const char *what)
{
	return fail(err, HM_RPC_MALFORMED, method, "malformed answer from the node: %s", what);
}

/* Resets *err to "no error". */
static void
clear_error(HmRpcError *err)
{
	memset(err, 0, sizeof(*err));
}

/* Opens a client for url with a per-call timeout in ms. */
HmRpc *
hm_rpc_open(const char *url, int timeout_ms, MemoryContext context, HmRpcError *err)
{
	HmRpc	   *rpc;
	CURL	   *curl;
	struct curl_slist *headers;

	clear_error(err);
	if (url == NULL || url[0] == '\0')
	{
		fail(err, HM_RPC_HTTP_FAILURE, "rpc", "no node URL is set (music.rpc_url)");
		return NULL;
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
	{
		fail(err, HM_RPC_HTTP_FAILURE, "rpc", "the node URL must start with http:// or https://");
		return NULL;
	}
	curl = curl_easy_init();
	if (curl == NULL)
	{
		fail(err, HM_RPC_HTTP_FAILURE, "rpc", "could not initialise libcurl");
		return NULL;
	}
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (headers == NULL ||
		curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK ||
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
	{
		curl_slist_free_all(headers);
		curl_easy_cleanup(curl);
		fail(err, HM_RPC_HTTP_FAILURE, "rpc", "libcurl refused the node URL");
		return NULL;
	}
	/* no signals from libcurl (its DNS timeout would use SIGALRM) */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long) timeout_ms);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);

	rpc = MemoryContextAllocZero(context, sizeof(HmRpc));
	rpc->curl = curl;
	rpc->headers = headers;
	rpc->timeout_ms = timeout_ms;
	rpc->next_id = 1;
	return rpc;
}

/* Releases the client and its connection. */
void
hm_rpc_close(HmRpc *rpc)
{
	if (rpc == NULL)
		return;
	curl_easy_cleanup(rpc->curl);
	curl_slist_free_all(rpc->headers);
	pfree(rpc);
}

/* curl write callback: collects the answer up to HM_RPC_MAX_RESPONSE bytes. */
static size_t
collect_response(char *chunk, size_t size, size_t nmemb, void *userdata)
{
	ResponseBuffer *buf = userdata;
	size_t		n = size * nmemb;

	if (n > HM_RPC_MAX_RESPONSE - buf->len)
	{
		buf->too_large = true;
		return 0;				/* aborts the transfer */
	}
	if (buf->len + n + 1 > buf->size)
	{
		size_t		size_wanted = Max(buf->size * 2, buf->len + n + 1);
		char	   *grown = realloc(buf->data, size_wanted);

		if (grown == NULL)
			return 0;
		buf->data = grown;
		buf->size = size_wanted;
	}
	memcpy(buf->data + buf->len, chunk, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
	return n;
}

/*
 * curl progress callback: abort the transfer when the backend is asked to
 * cancel or to die, so that neither waits for music.http_timeout.
 */
static int
check_interrupt(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
				curl_off_t ultotal, curl_off_t ulnow)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

/* Reads error.data as revert bytes when it is a hex string (or {data: hex}). */
static void
read_revert_data(json_t *data, HmRpcError *err)
{
	const char *hex;
	size_t		digits;

	if (json_is_object(data))
		data = json_object_get(data, "data");
	if (!json_is_string(data))
		return;
	hex = json_string_value(data);
	if (strncmp(hex, "0x", 2) != 0)
		return;
	digits = strlen(hex) - 2;
	if (digits % 2 != 0 || digits > 2 * HM_RPC_MAX_RESPONSE)
		return;
	err->revert_len = digits / 2;
	err->revert_data = palloc(Max(err->revert_len, 1));
	if (!hm_hex_decode(hex, err->revert_data, err->revert_len))
	{
		pfree(err->revert_data);
		err->revert_data = NULL;
		err->revert_len = 0;
	}
}

/*
 * Fills *err from a JSON-RPC error member; false when it is not one
 * ({code: integer, message: string}).
 */
static bool
read_node_error(json_t *error, const char *method, HmRpcError *err)
{
	json_t	   *code = json_object_get(error, "code");
	json_t	   *message = json_object_get(error, "message");

	if (!json_is_integer(code) || !json_is_string(message))
		return false;
	fail(err, HM_RPC_NODE_ERROR, method, "JSON-RPC error %lld: %s",
		 (long long) json_integer_value(code), printable(json_string_value(message)));
	err->code = (int64) json_integer_value(code);
	read_revert_data(json_object_get(error, "data"), err);
	return true;
}

/*
 * Sends one request; returns a new reference to its "result" (JSON null
 * included), or NULL with *err filled.  Takes ownership of params.
 */
static json_t *
rpc_call(HmRpc *rpc, const char *method, json_t *params, HmRpcError *err)
{
	int64		id = rpc->next_id++;
	json_t	   *request;
	char	   *body;
	ResponseBuffer response = {0};
	char		curl_error[CURL_ERROR_SIZE] = "";
	CURLcode	rc;
	long		http_status = 0;
	json_t	   *answer;
	json_t	   *result = NULL;
	json_error_t parse_error;

	clear_error(err);
	if (params == NULL)
	{
		fail(err, HM_RPC_MALFORMED, method, "could not build the request");
		return NULL;
	}
	request = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t) id,
						"method", method, "params", params);
	body = request ? json_dumps(request, JSON_COMPACT) : NULL;
	json_decref(request);
	if (body == NULL)
	{
		fail(err, HM_RPC_MALFORMED, method, "could not build the request");
		return NULL;
	}

	curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
	curl_easy_setopt(rpc->curl, CURLOPT_WRITEFUNCTION, collect_response);
	curl_easy_setopt(rpc->curl, CURLOPT_WRITEDATA, &response);
	curl_easy_setopt(rpc->curl, CURLOPT_XFERINFOFUNCTION, check_interrupt);
	curl_easy_setopt(rpc->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(rpc->curl, CURLOPT_ERRORBUFFER, curl_error);
	rc = curl_easy_perform(rpc->curl);
	curl_easy_setopt(rpc->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, NULL);
	free(body);
	curl_easy_getinfo(rpc->curl, CURLINFO_RESPONSE_CODE, &http_status);

	if (rc != CURLE_OK)
	{
		if (response.too_large)
			fail(err, HM_RPC_HTTP_FAILURE, method, "the answer is larger than %d bytes",
				 HM_RPC_MAX_RESPONSE);
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			fail(err, HM_RPC_HTTP_FAILURE, method, "no answer within %d ms (music.http_timeout)",
				 rpc->timeout_ms);
		else if (rc == CURLE_ABORTED_BY_CALLBACK)
			fail(err, HM_RPC_HTTP_FAILURE, method, "interrupted");
		else
			fail(err, HM_RPC_HTTP_FAILURE, method, "HTTP request failed: %s",
				 printable(curl_error[0] ? curl_error : curl_easy_strerror(rc)));
		err->http_status = http_status;
		free(response.data);
		return NULL;
	}

	answer = response.data ? json_loadb(response.data, response.len, 0, &parse_error) : NULL;
	free(response.data);

	if (!json_is_object(answer))
	{
		if (http_status < 200 || http_status > 299)
			fail(err, HM_RPC_HTTP_FAILURE, method, "HTTP status %ld", http_status);
		else
			malformed(err, method, answer ? "not a JSON object" : "not JSON");
	}
	else if (json_object_get(answer, "error") != NULL &&
			 read_node_error(json_object_get(answer, "error"), method, err))
		 /* a JSON-RPC error, whatever the HTTP status */ ;
	else if (http_status < 200 || http_status > 299)
		fail(err, HM_RPC_HTTP_FAILURE, method, "HTTP status %ld", http_status);
	else if (!json_is_integer(json_object_get(answer, "id")) ||
			 json_integer_value(json_object_get(answer, "id")) != id)
		malformed(err, method, "the answer's id is not the request's");
	else if ((result = json_object_get(answer, "result")) == NULL)
		malformed(err, method, "neither result nor a valid error");
	else
		json_incref(result);
	err->http_status = http_status;
	json_decref(answer);
	return result;
}

/* Any method with params as a JSON array text; *result the result as JSON text. */
bool
hm_rpc_request(HmRpc *rpc, const char *method, const char *params_json,
			   char **result, HmRpcError *err)
{
	json_error_t parse_error;
	json_t	   *params = json_loads(params_json, 0, &parse_error);
	json_t	   *answer;
	char	   *text;

	if (!json_is_array(params))
	{
		json_decref(params);
		clear_error(err);
		return fail(err, HM_RPC_MALFORMED, method, "params must be a JSON array");
	}
	answer = rpc_call(rpc, method, params, err);
	if (answer == NULL)
		return false;
	text = json_dumps(answer, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(answer);
	if (text == NULL)
		return fail(err, HM_RPC_MALFORMED, method, "could not print the result");
	*result = pstrdup(text);
	free(text);
	return true;
}

/* Reads a QUANTITY that fits in uint64. */
static bool
read_uint64(json_t *value, uint64 *out)
{
	return json_is_string(value) && hm_quantity_to_uint64(json_string_value(value), out);
}

/* Reads "0x" + exactly 2*len hex digits into out. */
static bool
read_fixed_hex(json_t *value, uint8 *out, size_t len)
{
	return json_is_string(value) &&
		strncmp(json_string_value(value), "0x", 2) == 0 &&
		hm_hex_decode(json_string_value(value), out, len);
}

/* Reads "0x" + an even number of hex digits into palloc'd bytes (NULL when empty). */
static bool
read_hex_data(json_t *value, uint8 **out, size_t *len)
{
	const char *hex;
	size_t		digits;

	if (!json_is_string(value))
		return false;
	hex = json_string_value(value);
	if (strncmp(hex, "0x", 2) != 0)
		return false;
	digits = strlen(hex) - 2;
	if (digits % 2 != 0)
		return false;
	*len = digits / 2;
	*out = NULL;
	if (*len == 0)
		return true;
	*out = palloc(*len);
	return hm_hex_decode(hex, *out, *len);
}

/* Runs a method whose result is one uint64 QUANTITY. */
static bool
call_for_uint64(HmRpc *rpc, const char *method, json_t *params, uint64 *out, HmRpcError *err)
{
	json_t	   *result = rpc_call(rpc, method, params, err);
	bool		ok;

	if (result == NULL)
		return false;
	ok = read_uint64(result, out);
	json_decref(result);
	return ok || malformed(err, method, "the result is not a hex quantity below 2^64");
}

/* eth_chainId. */
bool
hm_rpc_chain_id(HmRpc *rpc, uint64 *chain_id, HmRpcError *err)
{
	return call_for_uint64(rpc, "eth_chainId", json_pack("[]"), chain_id, err);
}

/* eth_blockNumber. */
bool
hm_rpc_block_number(HmRpc *rpc, uint64 *block_number, HmRpcError *err)
{
	return call_for_uint64(rpc, "eth_blockNumber", json_pack("[]"), block_number, err);
}

/* eth_getTransactionCount at latest or pending. */
bool
hm_rpc_transaction_count(HmRpc *rpc, const uint8 *address20, bool pending,
						 uint64 *count, HmRpcError *err)
{
	return call_for_uint64(rpc, "eth_getTransactionCount",
						   json_pack("[s, s]", hm_hex_encode(address20, HM_ADDRESS_LEN),
									 pending ? "pending" : "latest"),
						   count, err);
}

/* The call object of eth_call and eth_estimateGas. */
static json_t *
call_object(const HmCall *call)
{
	json_t	   *obj = json_pack("{s:s, s:s}",
								"to", hm_hex_encode(call->to, HM_ADDRESS_LEN),
								"data", hm_hex_encode(call->data, call->data_len));

	if (obj == NULL)
		return NULL;
	if (call->from)
		json_object_set_new(obj, "from", json_string(hm_hex_encode(call->from, HM_ADDRESS_LEN)));
	if (call->value)
		json_object_set_new(obj, "value", json_string(hm_u256_to_quantity(call->value)));
	return obj;
}

/* eth_estimateGas. */
bool
hm_rpc_estimate_gas(HmRpc *rpc, const HmCall *call, uint64 *gas, HmRpcError *err)
{
	json_t	   *obj = call_object(call);

	return call_for_uint64(rpc, "eth_estimateGas", obj ? json_pack("[o]", obj) : NULL, gas, err);
}

/* eth_call at latest. */
bool
hm_rpc_call(HmRpc *rpc, const HmCall *call, uint8 **result, size_t *result_len, HmRpcError *err)
{
	json_t	   *obj = call_object(call);
	json_t	   *answer = rpc_call(rpc, "eth_call", obj ? json_pack("[o, s]", obj, "latest") : NULL, err);
	bool		ok;

	if (answer == NULL)
		return false;
	ok = read_hex_data(answer, result, result_len);
	json_decref(answer);
	return ok || malformed(err, "eth_call", "the result is not hex data");
}

/* eth_maxPriorityFeePerGas. */
bool
hm_rpc_max_priority_fee(HmRpc *rpc, uint64 *fee, HmRpcError *err)
{
	return call_for_uint64(rpc, "eth_maxPriorityFeePerGas", json_pack("[]"), fee, err);
}

/* eth_feeHistory: the next block's base fee and the highest reward at percentile. */
bool
hm_rpc_fee_history(HmRpc *rpc, int nblocks, int percentile,
				   uint64 *next_base_fee, uint64 *priority_fee, HmRpcError *err)
{
	const char *method = "eth_feeHistory";
	json_t	   *answer;
	json_t	   *base_fees;
	json_t	   *rewards;
	size_t		nbase;
	bool		ok = true;

	clear_error(err);
	if (nblocks < 1 || nblocks > 1024 || percentile < 0 || percentile > 100)
		return fail(err, HM_RPC_MALFORMED, method, "blocks must be 1 to 1024 and the percentile 0 to 100");
	answer = rpc_call(rpc, method,
					  json_pack("[s, s, [i]]", hm_uint64_to_quantity(nblocks), "latest", percentile),
					  err);
	if (answer == NULL)
		return false;
	base_fees = json_object_get(answer, "baseFeePerGas");
	rewards = json_object_get(answer, "reward");
	nbase = json_array_size(base_fees);
	if (nbase == 0 || !read_uint64(json_array_get(base_fees, nbase - 1), next_base_fee))
		ok = malformed(err, method, "baseFeePerGas is not a non-empty array of quantities");
	*priority_fee = 0;
	if (ok && rewards != NULL && !json_is_null(rewards))
	{
		size_t		i;
		json_t	   *block;

		if (!json_is_array(rewards))
			ok = malformed(err, method, "reward is not an array");
		json_array_foreach(rewards, i, block)
		{
			uint64		reward;

			if (!ok)
				break;
			if (json_array_size(block) != 1 || !read_uint64(json_array_get(block, 0), &reward))
				ok = malformed(err, method, "a block's reward is not one quantity");
			else
				*priority_fee = Max(*priority_fee, reward);
		}
	}
	json_decref(answer);
	return ok;
}

/* eth_sendRawTransaction; the returned hash must be keccak256(raw). */
bool
hm_rpc_send_raw_transaction(HmRpc *rpc, const uint8 *raw, size_t raw_len,
							uint8 *hash32, HmRpcError *err)
{
	const char *method = "eth_sendRawTransaction";
	uint8		expected[HM_KECCAK256_LEN];
	json_t	   *answer = rpc_call(rpc, method, json_pack("[s]", hm_hex_encode(raw, raw_len)), err);
	bool		ok;

	if (answer == NULL)
		return false;
	ok = read_fixed_hex(answer, hash32, HM_KECCAK256_LEN);
	json_decref(answer);
	if (!ok)
		return malformed(err, method, "the result is not a 32-byte hash");
	hm_keccak256(raw, raw_len, expected);
	if (memcmp(expected, hash32, HM_KECCAK256_LEN) != 0)
		return malformed(err, method, "the node returned another transaction's hash");
	return true;
}

/* Reads one log object; false when any field is missing or malformed. */
static bool
read_log(json_t *obj, HmEventLog *log)
{
	json_t	   *topics = json_object_get(obj, "topics");
	json_t	   *removed = json_object_get(obj, "removed");
	json_t	   *topic;
	size_t		i;

	memset(log, 0, sizeof(*log));
	if (!json_is_object(obj) ||
		!read_fixed_hex(json_object_get(obj, "address"), log->address, HM_ADDRESS_LEN) ||
		!json_is_array(topics) || json_array_size(topics) > HM_EVENT_MAX_TOPICS ||
		!read_hex_data(json_object_get(obj, "data"), &log->data, &log->data_len) ||
		!read_uint64(json_object_get(obj, "blockNumber"), &log->block_number) ||
		!read_fixed_hex(json_object_get(obj, "transactionHash"), log->transaction_hash,
						HM_KECCAK256_LEN) ||
		!read_uint64(json_object_get(obj, "logIndex"), &log->log_index) ||
		(removed != NULL && !json_is_boolean(removed)))
		return false;
	json_array_foreach(topics, i, topic)
	{
		if (!read_fixed_hex(topic, log->topics[i], HM_KECCAK256_LEN))
			return false;
	}
	log->ntopics = (int) json_array_size(topics);
	log->removed = json_is_true(removed);
	return true;
}

/* Reads an array of logs into a palloc'd array. */
static bool
read_logs(json_t *array, HmEventLog **logs, int *nlogs)
{
	size_t		i;
	json_t	   *obj;

	*logs = NULL;
	*nlogs = 0;
	if (!json_is_array(array) || json_array_size(array) > INT_MAX / sizeof(HmEventLog))
		return false;
	if (json_array_size(array) == 0)
		return true;
	*logs = palloc(json_array_size(array) * sizeof(HmEventLog));
	json_array_foreach(array, i, obj)
	{
		if (!read_log(obj, &(*logs)[i]))
			return false;
	}
	*nlogs = (int) json_array_size(array);
	return true;
}

/* eth_getTransactionReceipt. */
bool
hm_rpc_transaction_receipt(HmRpc *rpc, const uint8 *hash32, HmReceipt *receipt, HmRpcError *err)
{
	const char *method = "eth_getTransactionReceipt";
	json_t	   *answer = rpc_call(rpc, method,
								  json_pack("[s]", hm_hex_encode(hash32, HM_KECCAK256_LEN)), err);
	json_t	   *contract;
	uint64		status;
	bool		ok;

	memset(receipt, 0, sizeof(*receipt));
	if (answer == NULL)
		return false;
	if (json_is_null(answer))
	{
		json_decref(answer);
		return true;
	}
	contract = json_object_get(answer, "contractAddress");
	ok = json_is_object(answer) &&
		read_uint64(json_object_get(answer, "status"), &status) && status <= 1 &&
		read_uint64(json_object_get(answer, "blockNumber"), &receipt->block_number) &&
		read_fixed_hex(json_object_get(answer, "blockHash"), receipt->block_hash, HM_KECCAK256_LEN) &&
		read_uint64(json_object_get(answer, "gasUsed"), &receipt->gas_used) &&
		read_uint64(json_object_get(answer, "effectiveGasPrice"), &receipt->effective_gas_price) &&
		(contract == NULL || json_is_null(contract) ||
		 (receipt->has_contract_address =
		  read_fixed_hex(contract, receipt->contract_address, HM_ADDRESS_LEN))) &&
		read_logs(json_object_get(answer, "logs"), &receipt->logs, &receipt->nlogs);
	json_decref(answer);
	if (!ok)
	{
		memset(receipt, 0, sizeof(*receipt));
		return malformed(err, method, "the receipt lacks a field or has one of the wrong type");
	}
	receipt->found = true;
	receipt->success = (status == 1);
	return true;
}

/* eth_getLogs. */
bool
hm_rpc_get_logs(HmRpc *rpc, const HmLogFilter *filter, HmEventLog **logs, int *nlogs,
				HmRpcError *err)
{
	const char *method = "eth_getLogs";
	json_t	   *obj = json_pack("{s:s, s:s}",
								"fromBlock", hm_uint64_to_quantity(filter->from_block),
								"toBlock", hm_uint64_to_quantity(filter->to_block));
	json_t	   *answer;
	bool		ok;

	if (obj != NULL && filter->address)
		json_object_set_new(obj, "address",
							json_string(hm_hex_encode(filter->address, HM_ADDRESS_LEN)));
	if (obj != NULL && filter->topic0)
		json_object_set_new(obj, "topics",
							json_pack("[s]", hm_hex_encode(filter->topic0, HM_KECCAK256_LEN)));
	answer = rpc_call(rpc, method, obj ? json_pack("[o]", obj) : NULL, err);
	if (answer == NULL)
		return false;
	ok = read_logs(answer, logs, nlogs);
	json_decref(answer);
	return ok || malformed(err, method, "a log lacks a field or has one of the wrong type");
}
