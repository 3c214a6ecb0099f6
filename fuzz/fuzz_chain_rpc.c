/*
 * fuzz_chain_rpc.c
 *		JSON-RPC answers, as a node sends them, through every call of
 *		src/chain_rpc.c: results, quantities, hashes, receipts, logs, fee
 *		history, JSON-RPC errors and their revert data.
 *
 * Input: byte 0 picks the call, byte 1 the HTTP status or a transfer error,
 * byte 2 the chunk size the body arrives in; the rest is the body.  Every
 * call must answer true or false with its error filled, never crash; what
 * it answers is checked against its contract.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "backend_shim.h"
#include "chain_rpc.h"

static const long http_statuses[] = {200, 200, 200, 200, 201, 204, 301, 400, 404, 429, 500, 503};

/* Checks what every failed call promises: a message and a known failure kind. */
static void
check_error(bool ok, const HmRpcError *err)
{
	if (!ok && (err->message == NULL || err->message[0] == '\0' ||
				(err->failure != HM_RPC_HTTP_FAILURE && err->failure != HM_RPC_NODE_ERROR &&
				 err->failure != HM_RPC_MALFORMED)))
		abort();
	if (!ok)
		for (const char *p = err->message; *p; p++)
			if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
				abort();		/* node text must reach messages cleaned */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8 address[20] = {0xaa};
	static const uint8 hash[32] = {0xbb};
	static const uint8 raw[3] = {0x01, 0x02, 0x03};
	HmRpcError	err;
	HmRpc	   *rpc;
	bool		ok = false;
	uint64		u;
	uint64		v;

	if (size < 3)
		return 0;
	memset(&shim_answer, 0, sizeof(shim_answer));
	if (data[1] >= lengthof(http_statuses) + 3)
		shim_answer.http_status = http_statuses[data[1] % lengthof(http_statuses)];
	else if (data[1] < 3)
		shim_answer.curl_code = (int[]) {CURLE_OPERATION_TIMEDOUT, CURLE_COULDNT_CONNECT,
		CURLE_RECV_ERROR}[data[1]];
	else
		shim_answer.http_status = http_statuses[data[1] - 3];
	shim_answer.chunk = data[2];
	shim_answer.body = data + 3;
	shim_answer.body_len = size - 3;

	rpc = hm_rpc_open("http://node.invalid:8545", 1000, NULL, &err);
	if (rpc == NULL)
		abort();
	switch (data[0] % 12)
	{
		case 0:
			ok = hm_rpc_chain_id(rpc, &u, &err);
			break;
		case 1:
			ok = hm_rpc_block_number(rpc, &u, &err);
			break;
		case 2:
			ok = hm_rpc_transaction_count(rpc, address, data[0] & 0x80, &u, &err);
			break;
		case 3:
			{
				HmCall		call = {address, address, raw, sizeof(raw), NULL};

				ok = hm_rpc_estimate_gas(rpc, &call, &u, &err);
				break;
			}
		case 4:
			{
				HmCall		call = {NULL, address, NULL, 0, NULL};
				uint8	   *result;
				size_t		len;

				ok = hm_rpc_call(rpc, &call, &result, &len, &err);
				if (ok && len > 0 && result == NULL)
					abort();
				break;
			}
		case 5:
			ok = hm_rpc_max_priority_fee(rpc, &u, &err);
			break;
		case 6:
			ok = hm_rpc_fee_history(rpc, 1 + data[0] % 20, 50, &u, &v, &err);
			break;
		case 7:
			{
				uint8		got[32];

				ok = hm_rpc_send_raw_transaction(rpc, raw, sizeof(raw), got, &err);
				break;
			}
		case 8:
			{
				HmReceipt	receipt;

				ok = hm_rpc_transaction_receipt(rpc, hash, &receipt, &err);
				if (ok && receipt.found && receipt.nlogs > 0 && receipt.logs == NULL)
					abort();
				break;
			}
		case 9:
			{
				HmLogFilter filter = {address, hash, 1, 2};
				HmEventLog *logs;
				int			nlogs;

				ok = hm_rpc_get_logs(rpc, &filter, &logs, &nlogs, &err);
				for (int i = 0; ok && i < nlogs; i++)
					if (logs[i].ntopics < 0 || logs[i].ntopics > HM_EVENT_MAX_TOPICS ||
						(logs[i].data_len > 0 && logs[i].data == NULL))
						abort();
				break;
			}
		default:
			{
				char	   *result;

				ok = hm_rpc_request(rpc, "eth_getBalance", "[\"0x00\", \"latest\"]", &result, &err);
				if (ok && result == NULL)
					abort();
				break;
			}
	}
	check_error(ok, &err);
	if (!ok && err.failure == HM_RPC_NODE_ERROR && err.revert_len > 0 && err.revert_data == NULL)
		abort();
	hm_rpc_close(rpc);
	shim_reset_memory();
	return 0;
}
