/*
 * chain_sql.c
 *		The chain client's layers as SQL functions: for tests, and for users
 *		who want to check a hash, an encoding or a signer themselves.
 *
 * The key never passes through SQL: sign_transaction signs with the key of
 * music.signer_key_file and is for superusers only.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "abi.h"
#include "address.h"
#include "chain.h"
#include "chain_rpc.h"
#include "chain_tx.h"
#include "datasafety.h"
#include "hex.h"
#include "hybridmusic.h"
#include "rlp.h"
#include "signer.h"

/* The most entries one metrics batch call may carry from SQL. */
#define METRICS_BATCH_MAX 10000
#define RLP_MAX_DEPTH 32

/* Raises the error a failed JSON-RPC call reports. */
static void
raise_rpc_error(const HmRpcError *err)
{
	int			sqlstate = ERRCODE_CONNECTION_FAILURE;

	if (err->failure == HM_RPC_NODE_ERROR)
		sqlstate = ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;
	else if (err->failure == HM_RPC_MALFORMED)
		sqlstate = ERRCODE_PROTOCOL_VIOLATION;
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s", err->message),
			 err->revert_data ? errdetail("The call %s.",
										  hm_abi_revert_reason(err->revert_data, err->revert_len,
															   NULL, 0)) : 0));
}

/* A client for the configured node, or the error why not. */
static HmRpc *
open_rpc(void)
{
	HmRpcError	err;
	HmRpc	   *rpc = hm_rpc_open_configured(CurrentMemoryContext, &err);

	if (rpc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s", err.message),
				 errhint("Set music.rpc_url to the node's JSON-RPC URL.")));
	return rpc;
}

/*
 * Raises unless ok, closing the client first.  A transfer aborted by a
 * cancel or terminate request ends as that request, not as an HTTP error.
 */
static void
check_rpc(HmRpc *rpc, bool ok, const HmRpcError *err)
{
	if (!ok)
	{
		hm_rpc_close(rpc);
		CHECK_FOR_INTERRUPTS();
		raise_rpc_error(err);
	}
}

/* A numeric that must be an integer in [0, 2^256). */
static void
numeric_to_u256(Datum value, const char *name, HmUint256 *out)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, value));

	if (!hm_u256_from_decimal(text, out))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a whole number from 0 to 2^256-1, got %s", name, text)));
}

/* A uint64 as numeric. */
static Datum
uint64_numeric(uint64 value)
{
	return DirectFunctionCall3(numeric_in, CStringGetDatum(psprintf(UINT64_FORMAT, value)),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* A bytea Datum holding len bytes. */
static bytea *
make_bytea(const uint8 *data, size_t len)
{
	bytea	   *result = palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	if (len > 0)
		memcpy(VARDATA(result), data, len);
	return result;
}

/* A required address argument. */
static void
arg_address(FunctionCallInfo fcinfo, int argno, const char *name, uint8 *address20)
{
	char	   *text = hm_arg_text(fcinfo, argno, name, 42);
	const char *reason;

	if (!hm_address_parse(text, address20, &reason))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is not a valid Ethereum address: \"%s\"", name, text),
				 errdetail("%s", reason)));
}

/* A required non-negative bigint argument. */
static uint64
arg_uint(FunctionCallInfo fcinfo, int argno, const char *name)
{
	int64		value;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	value = PG_GETARG_INT64(argno);
	if (value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must not be negative, got " INT64_FORMAT, name, value)));
	return (uint64) value;
}

HM_FUNCTION(music_keccak256);

/* keccak256(data): Ethereum's Keccak-256. */
static Datum
music_keccak256_body(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	uint8		hash[HM_KECCAK256_LEN];

	hm_keccak256((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), hash);
	PG_RETURN_BYTEA_P(make_bytea(hash, HM_KECCAK256_LEN));
}

HM_FUNCTION(music_abi_selector);

/* abi_selector(signature): the 4-byte selector of a function or error. */
static Datum
music_abi_selector_body(PG_FUNCTION_ARGS)
{
	char	   *signature = hm_arg_text(fcinfo, 0, "signature", 1000);
	uint8		selector[HM_ABI_SELECTOR_LEN];

	hm_abi_selector(signature, selector);
	PG_RETURN_BYTEA_P(make_bytea(selector, HM_ABI_SELECTOR_LEN));
}

/* The elements of a one-dimensional array argument without NULLs. */
static int
arg_array(FunctionCallInfo fcinfo, int argno, const char *name, Oid elemtype, Datum **elems)
{
	ArrayType  *array;
	bool	   *nulls;
	int			n;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	array = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", name)));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain nulls", name)));
	return n;
}

HM_FUNCTION(music_abi_encode_metrics_batch);

/*
 * abi_encode_metrics_batch(creator_ids, sequences, total_plays, followers,
 * revenues, data_hashes): the call data of updateCreatorMetricsBatch.
 */
static Datum
music_abi_encode_metrics_batch_body(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"creator_ids", "sequences", "total_plays", "followers"};
	Datum	   *ints[4];
	Datum	   *revenues;
	Datum	   *hashes;
	int			n;
	HmCreatorMetrics *entries;
	StringInfoData out;

	n = arg_array(fcinfo, 0, names[0], INT8OID, &ints[0]);
	for (int c = 1; c < 4; c++)
		if (arg_array(fcinfo, c, names[c], INT8OID, &ints[c]) != n)
			goto length_mismatch;
	if (arg_array(fcinfo, 4, "revenues", NUMERICOID, &revenues) != n ||
		arg_array(fcinfo, 5, "data_hashes", BYTEAOID, &hashes) != n)
		goto length_mismatch;
	hm_check_range("the number of entries", n, 0, METRICS_BATCH_MAX);

	entries = palloc0(sizeof(HmCreatorMetrics) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		uint64	   *fields[4] = {&entries[i].creator_id, &entries[i].sequence,
		&entries[i].total_plays, &entries[i].followers};
		bytea	   *hash = DatumGetByteaPP(hashes[i]);

		for (int c = 0; c < 4; c++)
		{
			int64		v = DatumGetInt64(ints[c][i]);

			if (v < 0)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("%s must not contain negative numbers", names[c])));
			*fields[c] = (uint64) v;
		}
		numeric_to_u256(revenues[i], "each revenue", &entries[i].revenue);
		if (VARSIZE_ANY_EXHDR(hash) != HM_KECCAK256_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("each data hash must be 32 bytes, got %zu", VARSIZE_ANY_EXHDR(hash))));
		memcpy(entries[i].data_hash, VARDATA_ANY(hash), HM_KECCAK256_LEN);
	}
	initStringInfo(&out);
	hm_abi_encode_metrics_batch(&out, entries, n);
	PG_RETURN_BYTEA_P(make_bytea((const uint8 *) out.data, out.len));

length_mismatch:
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("the six arrays must have the same length")));
	PG_RETURN_NULL();
}

HM_FUNCTION(music_abi_revert_reason);

/* abi_revert_reason(data, known_errors): why a call reverted, in words. */
static Datum
music_abi_revert_reason_body(PG_FUNCTION_ARGS)
{
	bytea	   *data;
	Datum	   *elems;
	int			nknown;
	const char **known;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("data must not be null")));
	data = PG_GETARG_BYTEA_PP(0);
	nknown = arg_array(fcinfo, 1, "known_errors", TEXTOID, &elems);
	known = palloc(sizeof(char *) * Max(nknown, 1));
	for (int i = 0; i < nknown; i++)
		known[i] = TextDatumGetCString(elems[i]);
	PG_RETURN_TEXT_P(cstring_to_text(hm_abi_revert_reason((const uint8 *) VARDATA_ANY(data),
														  VARSIZE_ANY_EXHDR(data),
														  known, nknown)));
}

/* Appends one JSON scalar as an RLP item: "0x.." hex, other strings as UTF-8, integers. */
static void
rlp_append_scalar(StringInfo out, const JsonbValue *v)
{
	if (v->type == jbvString)
	{
		const char *s = v->val.string.val;
		int			len = v->val.string.len;

		if (len >= 2 && s[0] == '0' && s[1] == 'x')
		{
			char	   *hex = pnstrdup(s, len);
			uint8	   *bytes = palloc((len - 2) / 2 + 1);

			if (len % 2 != 0 || !hm_hex_decode(hex, bytes, (len - 2) / 2))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("\"%s\" is not hex bytes", hex)));
			hm_rlp_append_bytes(out, bytes, (len - 2) / 2);
		}
		else
			hm_rlp_append_bytes(out, (const uint8 *) s, len);
	}
	else if (v->type == jbvNumeric)
	{
		HmUint256	value;

		numeric_to_u256(NumericGetDatum(v->val.numeric), "an RLP integer", &value);
		hm_rlp_append_uint256(out, &value);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RLP items are strings, non-negative integers or arrays of them")));
}

HM_FUNCTION(music_rlp_encode);

/*
 * rlp_encode(item jsonb): the RLP encoding of a JSON item.  Arrays are
 * lists; strings starting with "0x" are hex bytes, others their UTF-8
 * bytes; numbers are non-negative integers.
 */
static Datum
music_rlp_encode_body(PG_FUNCTION_ARGS)
{
	Jsonb	   *item = PG_GETARG_JSONB_P(0);
	JsonbIterator *it = JsonbIteratorInit(&item->root);
	JsonbValue	v;
	JsonbIteratorToken token;
	StringInfoData levels[RLP_MAX_DEPTH + 1];
	int			depth = 0;
	bool		raw_scalar = false;

	initStringInfo(&levels[0]);
	while ((token = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		switch (token)
		{
			case WJB_BEGIN_ARRAY:
				if (v.val.array.rawScalar)
				{
					raw_scalar = true;
					break;
				}
				if (depth == RLP_MAX_DEPTH)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("RLP lists nest at most %d deep here", RLP_MAX_DEPTH)));
				initStringInfo(&levels[++depth]);
				break;
			case WJB_ELEM:
				rlp_append_scalar(&levels[depth], &v);
				break;
			case WJB_END_ARRAY:
				if (raw_scalar)
					break;
				depth--;
				hm_rlp_append_list(&levels[depth], (const uint8 *) levels[depth + 1].data,
								   levels[depth + 1].len);
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("RLP items are strings, non-negative integers or arrays of them")));
		}
	}
	PG_RETURN_BYTEA_P(make_bytea((const uint8 *) levels[0].data, levels[0].len));
}

HM_FUNCTION(music_checksum_address);

/* checksum_address(address): the EIP-55 form of a valid address. */
static Datum
music_checksum_address_body(PG_FUNCTION_ARGS)
{
	uint8		address[HM_ADDRESS_LEN];

	arg_address(fcinfo, 0, "address", address);
	PG_RETURN_TEXT_P(cstring_to_text(hm_address_checksummed(address)));
}

HM_FUNCTION(music_recover_signer);

/* recover_signer(message, signature): who signed message with personal_sign (EIP-191). */
static Datum
music_recover_signer_body(PG_FUNCTION_ARGS)
{
	text	   *message;
	char	   *signature_text;
	uint8		signature[HM_SECP_SIGNATURE_LEN];
	uint8		digest[HM_KECCAK256_LEN];
	uint8		signer[HM_ADDRESS_LEN];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("message must not be null")));
	message = PG_GETARG_TEXT_PP(0);
	signature_text = hm_arg_text(fcinfo, 1, "signature", 140);
	if (!hm_hex_decode(signature_text, signature, HM_SECP_SIGNATURE_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("signature is not 65 bytes in hex")));
	hm_personal_message_hash(VARDATA_ANY(message), VARSIZE_ANY_EXHDR(message), digest);
	if (!hm_secp_recover_address(digest, signature, signer))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the signature does not recover to any address"),
				 errdetail("Its v is not 0, 1, 27 or 28, its r or s is out of range, or s is high.")));
	PG_RETURN_TEXT_P(cstring_to_text(hm_hex_encode(signer, HM_ADDRESS_LEN)));
}

HM_FUNCTION(music_sign_transaction);

/*
 * sign_transaction(chain_id, nonce, max_priority_fee_per_gas,
 * max_fee_per_gas, gas_limit, to, value, data): an EIP-1559 transaction
 * signed with the music.signer_key_file key, as raw bytes.  Superusers only.
 */
static Datum
music_sign_transaction_body(PG_FUNCTION_ARGS)
{
	HmTransaction tx;
	HmSignedTransaction signed_tx;
	uint8		key[HM_KEY_LEN];
	bytea	   *data;

	memset(&tx, 0, sizeof(tx));
	tx.chain_id = arg_uint(fcinfo, 0, "chain_id");
	tx.nonce = arg_uint(fcinfo, 1, "nonce");
	tx.max_priority_fee_per_gas = arg_uint(fcinfo, 2, "max_priority_fee_per_gas");
	tx.max_fee_per_gas = arg_uint(fcinfo, 3, "max_fee_per_gas");
	tx.gas_limit = arg_uint(fcinfo, 4, "gas_limit");
	tx.has_to = !PG_ARGISNULL(5);
	if (tx.has_to)
		arg_address(fcinfo, 5, "to", tx.to);
	if (PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("value must not be null")));
	numeric_to_u256(PG_GETARG_DATUM(6), "value", &tx.value);
	if (PG_ARGISNULL(7))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("data must not be null")));
	data = PG_GETARG_BYTEA_PP(7);
	tx.data = (const uint8 *) VARDATA_ANY(data);
	tx.data_len = VARSIZE_ANY_EXHDR(data);
	if (tx.max_priority_fee_per_gas > tx.max_fee_per_gas)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_priority_fee_per_gas must not exceed max_fee_per_gas")));

	hm_signer_load(key);
	hm_tx_sign(&tx, key, &signed_tx);
	explicit_bzero(key, sizeof(key));
	PG_RETURN_BYTEA_P(make_bytea(signed_tx.raw, signed_tx.raw_len));
}

HM_FUNCTION(music_chain_rpc);

/* chain_rpc(method, params): any JSON-RPC call to the node of music.rpc_url. */
static Datum
music_chain_rpc_body(PG_FUNCTION_ARGS)
{
	char	   *method = hm_arg_text(fcinfo, 0, "method", 100);
	char	   *params;
	char	   *result;
	HmRpcError	err;
	HmRpc	   *rpc;
	bool		ok;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("params must not be null")));
	params = JsonbToCString(NULL, &PG_GETARG_JSONB_P(1)->root, -1);
	rpc = open_rpc();
	ok = hm_rpc_request(rpc, method, params, &result, &err);
	check_rpc(rpc, ok, &err);
	hm_rpc_close(rpc);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(result)));
}

HM_FUNCTION(music_chain_status);

/*
 * chain_status(): the node's chain id and head, the signer's nonces, and
 * the fees a transaction would pay now: an operator's first check.
 */
static Datum
music_chain_status_body(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {0};
	uint8		signer[HM_ADDRESS_LEN];
	uint64		chain_id;
	uint64		block_number;
	uint64		nonce;
	uint64		pending_nonce;
	uint64		base_fee;
	uint64		priority_fee;
	HmRpcError	err;
	HmRpc	   *rpc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "chain_status must return a record");
	hm_signer_address(signer);
	rpc = open_rpc();
	check_rpc(rpc, hm_rpc_chain_id(rpc, &chain_id, &err), &err);
	check_rpc(rpc, hm_rpc_block_number(rpc, &block_number, &err), &err);
	check_rpc(rpc, hm_rpc_transaction_count(rpc, signer, false, &nonce, &err), &err);
	check_rpc(rpc, hm_rpc_transaction_count(rpc, signer, true, &pending_nonce, &err), &err);
	check_rpc(rpc, hm_rpc_fee_history(rpc, 5, 50, &base_fee, &priority_fee, &err), &err);
	hm_rpc_close(rpc);

	values[0] = uint64_numeric(chain_id);
	values[1] = uint64_numeric(block_number);
	values[2] = CStringGetTextDatum(hm_hex_encode(signer, HM_ADDRESS_LEN));
	values[3] = uint64_numeric(nonce);
	values[4] = uint64_numeric(pending_nonce);
	values[5] = uint64_numeric(base_fee);
	values[6] = uint64_numeric(priority_fee);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

HM_FUNCTION(music_chain_send_raw_transaction);

/* chain_send_raw_transaction(raw): broadcasts signed bytes; returns the hash. */
static Datum
music_chain_send_raw_transaction_body(PG_FUNCTION_ARGS)
{
	bytea	   *raw;
	uint8		hash[HM_KECCAK256_LEN];
	HmRpcError	err;
	HmRpc	   *rpc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("raw must not be null")));
	raw = PG_GETARG_BYTEA_PP(0);
	rpc = open_rpc();
	check_rpc(rpc, hm_rpc_send_raw_transaction(rpc, (const uint8 *) VARDATA_ANY(raw),
											   VARSIZE_ANY_EXHDR(raw), hash, &err), &err);
	hm_rpc_close(rpc);
	PG_RETURN_TEXT_P(cstring_to_text(hm_hex_encode(hash, HM_KECCAK256_LEN)));
}

HM_FUNCTION(music_chain_receipt);

/*
 * chain_receipt(hash): a transaction's receipt (success, block, gas used,
 * effective gas price, number of logs), or no row while it is not mined.
 */
static Datum
music_chain_receipt_body(PG_FUNCTION_ARGS)
{
	char	   *hash_text = hm_arg_text(fcinfo, 0, "hash", 66);
	uint8		hash[HM_KECCAK256_LEN];
	HmReceipt	receipt;
	HmRpcError	err;
	HmRpc	   *rpc;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {0};

	if (!hm_hex_decode(hash_text, hash, HM_KECCAK256_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hash is not 32 bytes in hex: \"%s\"", hash_text)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "chain_receipt must return a record");
	rpc = open_rpc();
	check_rpc(rpc, hm_rpc_transaction_receipt(rpc, hash, &receipt, &err), &err);
	hm_rpc_close(rpc);
	if (!receipt.found)
		PG_RETURN_NULL();
	values[0] = BoolGetDatum(receipt.success);
	values[1] = uint64_numeric(receipt.block_number);
	values[2] = uint64_numeric(receipt.gas_used);
	values[3] = uint64_numeric(receipt.effective_gas_price);
	values[4] = Int32GetDatum(receipt.nlogs);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* The call of chain_call and chain_estimate_gas: to, data and an optional from. */
static void
arg_call(FunctionCallInfo fcinfo, HmCall *call, uint8 *to, uint8 *from)
{
	bytea	   *data;

	memset(call, 0, sizeof(*call));
	arg_address(fcinfo, 0, "to", to);
	call->to = to;
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("data must not be null")));
	data = PG_GETARG_BYTEA_PP(1);
	call->data = (const uint8 *) VARDATA_ANY(data);
	call->data_len = VARSIZE_ANY_EXHDR(data);
	if (!PG_ARGISNULL(2))
	{
		arg_address(fcinfo, 2, "from", from);
		call->from = from;
	}
}

HM_FUNCTION(music_chain_call);

/* chain_call(to, data, from): eth_call at the latest block; the return data. */
static Datum
music_chain_call_body(PG_FUNCTION_ARGS)
{
	uint8		to[HM_ADDRESS_LEN];
	uint8		from[HM_ADDRESS_LEN];
	HmCall		call;
	uint8	   *result;
	size_t		result_len;
	HmRpcError	err;
	HmRpc	   *rpc;

	arg_call(fcinfo, &call, to, from);
	rpc = open_rpc();
	check_rpc(rpc, hm_rpc_call(rpc, &call, &result, &result_len, &err), &err);
	hm_rpc_close(rpc);
	PG_RETURN_BYTEA_P(make_bytea(result, result_len));
}

HM_FUNCTION(music_chain_estimate_gas);

/* chain_estimate_gas(to, data, from): eth_estimateGas. */
static Datum
music_chain_estimate_gas_body(PG_FUNCTION_ARGS)
{
	uint8		to[HM_ADDRESS_LEN];
	uint8		from[HM_ADDRESS_LEN];
	HmCall		call;
	uint64		gas;
	HmRpcError	err;
	HmRpc	   *rpc;

	arg_call(fcinfo, &call, to, from);
	rpc = open_rpc();
	check_rpc(rpc, hm_rpc_estimate_gas(rpc, &call, &gas, &err), &err);
	hm_rpc_close(rpc);
	PG_RETURN_DATUM(uint64_numeric(gas));
}

HM_FUNCTION(music_chain_logs);

/*
 * chain_logs(address, topic0, from_block, to_block): eth_getLogs, one row
 * per log (block, index, transaction, topics, data).
 */
static Datum
music_chain_logs_body(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint8		address[HM_ADDRESS_LEN];
	uint8		topic0[HM_KECCAK256_LEN];
	HmLogFilter filter;
	HmEventLog *logs;
	int			nlogs;
	HmRpcError	err;
	HmRpc	   *rpc;

	memset(&filter, 0, sizeof(filter));
	if (!PG_ARGISNULL(0))
	{
		arg_address(fcinfo, 0, "address", address);
		filter.address = address;
	}
	if (!PG_ARGISNULL(1))
	{
		bytea	   *topic = PG_GETARG_BYTEA_PP(1);

		if (VARSIZE_ANY_EXHDR(topic) != HM_KECCAK256_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("topic0 must be 32 bytes")));
		memcpy(topic0, VARDATA_ANY(topic), HM_KECCAK256_LEN);
		filter.topic0 = topic0;
	}
	filter.from_block = arg_uint(fcinfo, 2, "from_block");
	filter.to_block = arg_uint(fcinfo, 3, "to_block");
	if (filter.from_block > filter.to_block)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_block must not be after to_block")));

	rpc = open_rpc();
	check_rpc(rpc, hm_rpc_get_logs(rpc, &filter, &logs, &nlogs, &err), &err);
	hm_rpc_close(rpc);

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < nlogs; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {0};
		Datum		topics[HM_EVENT_MAX_TOPICS];

		for (int t = 0; t < logs[i].ntopics; t++)
			topics[t] = PointerGetDatum(make_bytea(logs[i].topics[t], HM_KECCAK256_LEN));
		values[0] = uint64_numeric(logs[i].block_number);
		values[1] = uint64_numeric(logs[i].log_index);
		values[2] = CStringGetTextDatum(hm_hex_encode(logs[i].transaction_hash, HM_KECCAK256_LEN));
		values[3] = CStringGetTextDatum(hm_hex_encode(logs[i].address, HM_ADDRESS_LEN));
		values[4] = PointerGetDatum(construct_array(topics, logs[i].ntopics, BYTEAOID, -1, false,
													TYPALIGN_INT));
		values[5] = PointerGetDatum(make_bytea(logs[i].data, logs[i].data_len));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
