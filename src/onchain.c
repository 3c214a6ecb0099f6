/*
 * onchain.c
 *		The worker's on-chain jobs: metrics and coins, verification, wallet
 *		links and revenue shares carried to the contracts.
 *
 * Never twice, never lost.  The worker owns its signer's nonce.  A job's
 * transaction is signed, written to music.chain_transactions together with
 * the ids of the jobs it carries, and committed, and only then broadcast.
 * From then on the ledger, not the job, says where the job stands: each
 * later attempt looks the job up there and
 *   - finds a confirmed transaction: the job is done;
 *   - finds an open one (signed, sent, replaced or mined): polls its
 *     receipt, rebroadcasts the stored raw bytes while none exists, replaces
 *     it with a fee bump on the same nonce once it waited longer than
 *     music.tx_replace_after, and records gas, price and block once mined
 *     and a revert with its decoded reason (failing the attempt);
 *   - finds none, or only reverted or dropped ones: signs a new one.
 * A crash at any point therefore either loses a transaction that was never
 * stored (and never broadcast), or finds it stored and carries on with the
 * same bytes.  The contracts refuse a metrics sequence twice, and wallet
 * and verification calls are idempotent, so even a re-signed transaction
 * applies once.
 *
 * Network I/O runs with no transaction open; the ledger is read and written
 * in short transactions of its own.  These handlers run in the worker only
 * (queue.c leaves network kinds to it), so one process signs at a time.
 *
 * music.chain_pause_at, a test-only setting, stops the worker at a named
 * step so that a test can kill -9 it exactly there.
 */
#include "postgres.h"

#include <string.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

#include "abi.h"
#include "chain.h"
#include "chain_rpc.h"
#include "chain_tx.h"
#include "hex.h"
#include "hybridmusic.h"
#include "onchain.h"
#include "queue.h"
#include "signer.h"
#include "uint256.h"

/* Most creators in one updateCreatorMetricsBatch, and coins in one distributeBatch. */
#define MAX_BATCH 200
/* How often a revenue share looks whether its quarter has closed. */
#define QUARTER_POLL_MS (3600 * 1000)
/* Fee history looked at for a new transaction's fees. */
#define FEE_HISTORY_BLOCKS 10
#define FEE_PERCENTILE 50
/* A replacement must raise both fees by at least 10% (geth, anvil): 12.5% to be safe. */
#define FEE_BUMP_NUM 9
#define FEE_BUMP_DEN 8
/* Fees above this are a node's nonsense, not a price. */
#define MAX_SANE_FEE (UINT64CONST(1) << 62)

static int	confirmations = 1;
static int	tx_replace_after_s = 120;
static char *distributor_address = NULL;
static char *chain_pause_at = NULL;

/* Set once per worker: the node's chain id checked, the nonce reconciled. */
static bool chain_checked = false;
static uint64 nonce_floor = 0;

/* The context the current handler call allocates its results in. */
static MemoryContext handler_cxt = NULL;

/* Errors of the platform's contracts, for decoding revert reasons. */
static const char *const known_errors[] = {
	"LengthMismatch()", "MarketsNotConnected()", "MetricsOutOfRange(uint256)", "NoCoin(uint256)",
	"NotEnoughHolders(uint256)", "StaleMetrics(uint256,uint256,uint256)", "UnknownCoin(address)",
	"ValueMismatch(uint256,uint256)", "WalletSignatureInvalid(uint256,address)", "ZeroAddress()",
	"ZeroAmount()", "ZeroValue()", "AccessControlUnauthorizedAccount(address,bytes32)"
};

/* What a batch of jobs becomes on-chain. */
typedef struct ChainCall
{
	const char *function;		/* for the ledger: the contract function */
	uint8		to[HM_ADDRESS_LEN];
	StringInfoData data;
	char	   *value;			/* wei, decimal */
} ChainCall;

/* A ledger row, as the poller needs it. */
typedef struct LedgerTx
{
	int64		id;
	uint8		hash[HM_KECCAK256_LEN];
	bytea	   *raw;
	char	   *status;
	uint64		nonce;
	uint64		gas_limit;
	uint64		max_fee;
	uint64		tip;
	double		age_s;
	char	   *function;
	char	   *value;
	uint8		to[HM_ADDRESS_LEN];
	bytea	   *data;			/* the call data */
	char	   *job_ids;		/* bigint[] as text */
	char	   *job_kind;
} LedgerTx;

static HmQuery job_ledger_state = {
	"SELECT bool_or(t.status = 'confirmed'),"
	"       min(t.nonce) FILTER (WHERE t.status IN ('signed', 'sent', 'replaced', 'mined'))"
	"  FROM music.chain_transactions t WHERE t.job_ids @> ARRAY[$1::bigint]",
	1, {INT8OID}, NULL
};
static HmQuery next_nonce = {
	"SELECT coalesce(max(nonce) + 1, 0) FROM music.chain_transactions"
	" WHERE chain_id = $1 AND from_address = $2",
	2, {INT8OID, BYTEAOID}, NULL
};
static HmQuery insert_tx = {
	"INSERT INTO music.chain_transactions (chain_id, from_address, nonce, hash, raw, to_address, function,"
	"       data, value, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, job_ids, job_kind)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric, $10, $11, $12, $13::bigint[], $14) RETURNING id",
	14, {INT8OID, BYTEAOID, INT8OID, BYTEAOID, BYTEAOID, BYTEAOID, TEXTOID, BYTEAOID, TEXTOID, INT8OID,
	INT8OID, INT8OID, TEXTOID, TEXTOID}, NULL
};
static HmQuery mark_sent = {
	"UPDATE music.chain_transactions SET status = 'sent', sent_at = coalesce(sent_at, clock_timestamp()),"
	"       last_error = $2 WHERE id = $1 AND status = 'signed'",
	2, {INT8OID, TEXTOID}, NULL
};
static HmQuery note_error = {
	"UPDATE music.chain_transactions SET last_error = $2 WHERE id = $1",
	2, {INT8OID, TEXTOID}, NULL
};
static HmQuery nonce_group = {
	"SELECT id, hash, raw, status, gas_limit, max_fee_per_gas::bigint, max_priority_fee_per_gas::bigint,"
	"       extract(epoch FROM clock_timestamp() - created_at)::float8, function, value::text, to_address,"
	"       data, job_ids::text, job_kind"
	"  FROM music.chain_transactions"
	" WHERE chain_id = $1 AND from_address = $2 AND nonce = $3"
	"   AND status IN ('signed', 'sent', 'replaced', 'mined') ORDER BY id",
	3, {INT8OID, BYTEAOID, INT8OID}, NULL
};
static HmQuery record_mined = {
	"UPDATE music.chain_transactions SET status = $2, gas_used = $3, effective_gas_price = $4,"
	"       block_number = $5, revert_reason = $6, mined_at = coalesce(mined_at, clock_timestamp()),"
	"       finished_at = CASE WHEN $2 IN ('confirmed', 'reverted') THEN clock_timestamp() END"
	" WHERE id = $1",
	6, {INT8OID, TEXTOID, INT8OID, INT8OID, INT8OID, TEXTOID}, NULL
};
static HmQuery drop_others = {
	"UPDATE music.chain_transactions SET status = 'dropped', finished_at = clock_timestamp()"
	" WHERE chain_id = $1 AND from_address = $2 AND nonce = $3 AND id <> $4"
	"   AND status IN ('signed', 'sent', 'replaced', 'mined')",
	4, {INT8OID, BYTEAOID, INT8OID, INT8OID}, NULL
};
static HmQuery mark_replaced = {
	"UPDATE music.chain_transactions SET status = 'replaced', replaced_by = $2 WHERE id = $1",
	2, {INT8OID, INT8OID}, NULL
};
static HmQuery record_coin = {
	"INSERT INTO music.creator_coins (creator_id, coin_address, transaction_hash, block_number)"
	" SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM music.creators WHERE id = $1)"
	" ON CONFLICT (creator_id) DO NOTHING",
	4, {INT8OID, BYTEAOID, BYTEAOID, INT8OID}, NULL
};
static HmQuery metrics_of = {
	"SELECT j.creator_id, max(j.id), s.counted_plays, s.followers,"
	"       (SELECT coalesce(trunc(sum(e.revenue) * 1e18), 0)::numeric(78, 0)::text"
	"          FROM music.creator_earnings e WHERE e.creator_id = j.creator_id),"
	"       music.latest_snapshot_commitment(j.creator_id)"
	"  FROM music.jobs j JOIN music.creator_stats s ON s.creator_id = j.creator_id"
	" WHERE j.id = ANY ($1::bigint[]) GROUP BY j.creator_id, s.counted_plays, s.followers ORDER BY j.creator_id",
	1, {TEXTOID}, NULL
};
static HmQuery verification_of = {
	"SELECT coalesce((payload->>'verified')::boolean, true) FROM music.jobs WHERE id = $1",
	1, {INT8OID}, NULL
};
static HmQuery wallet_link_of = {
	"SELECT payload->>'address', payload->>'signature' FROM music.jobs WHERE id = $1",
	1, {INT8OID}, NULL
};
static HmQuery revenue_share_of = {
	"SELECT j.id, c.coin_address, trunc((j.payload->>'amount')::numeric * 1e18)::numeric(78, 0)::text,"
	"       EXISTS (SELECT 1 FROM music.closed_quarters q"
	"               WHERE q.quarter = date_trunc('quarter', (j.payload->>'period')::date)::date)"
	"  FROM music.jobs j LEFT JOIN music.creator_coins c ON c.creator_id = j.creator_id"
	" WHERE j.id = ANY ($1::bigint[]) ORDER BY j.id",
	1, {TEXTOID}, NULL
};
static HmQuery sum_wei = {
	"SELECT coalesce(sum(x), 0)::numeric(78, 0)::text FROM unnest($1::numeric[]) x",
	1, {TEXTARRAYOID}, NULL
};

/* ---- small helpers ---- */

/* Starts one of the handler's short transactions, connected to SPI. */
static void
ledger_begin(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
}

/* Commits it; results live on in the handler's context. */
static void
ledger_commit(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(handler_cxt);
}

/* A bytea datum holding len bytes. */
static Datum
bytea_datum(const uint8 *data, size_t len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), data, len);
	return PointerGetDatum(b);
}

/* Copies a bytea column of the last result into out (exactly len bytes). */
static void
get_bytes(int row, int col, uint8 *out, size_t len)
{
	bool		isnull;
	bytea	   *b = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull));

	if (isnull || VARSIZE_ANY_EXHDR(b) != len)
		elog(ERROR, "unexpected bytea of %zu bytes", isnull ? 0 : VARSIZE_ANY_EXHDR(b));
	memcpy(out, VARDATA_ANY(b), len);
}

/* A text column of the last result, copied into the handler's context (NULL stays NULL). */
static char *
get_text(int row, int col)
{
	char	   *s = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

	return s ? MemoryContextStrdup(handler_cxt, s) : NULL;
}

/* Raises the error of a failed JSON-RPC call: the attempt fails with its text. */
static void
rpc_fail(const HmRpcError *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg("%s", err->message)));
}

/*
 * Test-only: when music.chain_pause_at names this step the worker stops
 * here, shown as "paused at <step>" in pg_stat_activity, until it is
 * killed, so that a crash test can kill it at exactly this point.
 */
static void
pause_at(const char *step)
{
	if (chain_pause_at == NULL || strcmp(chain_pause_at, step) != 0)
		return;
	pgstat_report_activity(STATE_RUNNING, psprintf("paused at %s", step));
	for (;;)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* The address of a contract setting ("0x" + 40 hex), or an error naming it. */
static void
require_address_setting(const char *name, const char *value, uint8 *address20)
{
	if (value == NULL || value[0] == '\0' || !hm_hex_decode(value, address20, HM_ADDRESS_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s is not set to a contract address", name),
				 errhint("Set it in postgresql.conf to the address scripts/deploy-contracts printed.")));
}

/* ---- the chain connection ---- */

/* What every handler call needs: the node, the chain id, the signer. */
typedef struct ChainSession
{
	HmRpc	   *rpc;
	uint64		chain_id;
	uint8		signer[HM_ADDRESS_LEN];
} ChainSession;

/*
 * Opens the node and, once per worker, checks that it serves music.chain_id
 * and reconciles the nonce with eth_getTransactionCount: the pending count
 * is a floor for the next nonce (the signer may have sent transactions
 * this ledger does not know).
 */
static void
chain_open(ChainSession *s)
{
	HmRpcError	err;
	uint64		node_chain;
	uint64		latest;

	s->chain_id = hm_require_chain_id();
	hm_signer_address(s->signer);
	s->rpc = hm_rpc_open_configured(handler_cxt, &err);
	if (s->rpc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s", err.message),
				 errhint("Set music.rpc_url to the chain's JSON-RPC endpoint.")));
	if (chain_checked)
		return;
	if (!hm_rpc_chain_id(s->rpc, &node_chain, &err))
		rpc_fail(&err);
	if (node_chain != s->chain_id)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the node at music.rpc_url serves chain " UINT64_FORMAT ", music.chain_id is " UINT64_FORMAT,
						node_chain, s->chain_id),
				 errhint("Point music.rpc_url at the right chain, or correct music.chain_id.")));
	if (!hm_rpc_transaction_count(s->rpc, s->signer, true, &nonce_floor, &err) ||
		!hm_rpc_transaction_count(s->rpc, s->signer, false, &latest, &err))
		rpc_fail(&err);
	ereport(LOG,
			(errmsg("hybridmusic worker signs for %s on chain " UINT64_FORMAT ": " UINT64_FORMAT " transactions mined, " UINT64_FORMAT " with the pending ones",
					hm_hex_encode(s->signer, HM_ADDRESS_LEN), s->chain_id, latest, nonce_floor)));
	chain_checked = true;
}

/* Closes the node's connection. */
static void
chain_close(ChainSession *s)
{
	if (s->rpc != NULL)
		hm_rpc_close(s->rpc);
	s->rpc = NULL;
}

/* ---- signing, storing, broadcasting ---- */

/* Fees for a new transaction: twice the next base fee plus the going tip. */
static void
choose_fees(ChainSession *s, uint64 *tip, uint64 *max_fee)
{
	HmRpcError	err;
	uint64		base;
	uint64		history_tip;
	uint64		node_tip;

	if (!hm_rpc_fee_history(s->rpc, FEE_HISTORY_BLOCKS, FEE_PERCENTILE, &base, &history_tip, &err))
		rpc_fail(&err);
	/* not every node has eth_maxPriorityFeePerGas */
	if (!hm_rpc_max_priority_fee(s->rpc, &node_tip, &err))
		node_tip = 0;
	*tip = Max(Max(history_tip, node_tip), 1);
	if (base > MAX_SANE_FEE || *tip > MAX_SANE_FEE)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the node suggests an absurd fee (base " UINT64_FORMAT ", tip " UINT64_FORMAT ")", base, *tip)));
	*max_fee = 2 * base + *tip;
}

/* Signs tx with the signer's key; the key lives only on this stack frame. */
static void
sign(const HmTransaction *tx, HmSignedTransaction *signed_tx)
{
	uint8		key[HM_KEY_LEN];

	hm_signer_load(key);
	PG_TRY();
	{
		hm_tx_sign(tx, key, signed_tx);
	}
	PG_FINALLY();
	{
		explicit_bzero(key, sizeof(key));
	}
	PG_END_TRY();
}

/* The jobs' ids as the text of a bigint[]. */
static char *
job_id_array(HmJob **jobs, int njobs)
{
	StringInfoData ids;

	initStringInfo(&ids);
	for (int i = 0; i < njobs; i++)
		appendStringInfo(&ids, "%s" INT64_FORMAT, i == 0 ? "{" : ",", jobs[i]->id);
	appendStringInfoChar(&ids, '}');
	return ids.data;
}

/*
 * Stores a signed transaction in the ledger and commits: from here on it is
 * only ever broadcast again, never re-signed.  Returns its ledger id.
 */
static int64
store(ChainSession *s, const HmTransaction *tx, const HmSignedTransaction *signed_tx,
	  const ChainCall *call, const char *job_ids, const char *job_kind)
{
	Datum		values[14];
	int64		id;

	ledger_begin();
	values[0] = Int64GetDatum((int64) s->chain_id);
	values[1] = bytea_datum(s->signer, HM_ADDRESS_LEN);
	values[2] = Int64GetDatum((int64) tx->nonce);
	values[3] = bytea_datum(signed_tx->hash, HM_KECCAK256_LEN);
	values[4] = bytea_datum(signed_tx->raw, signed_tx->raw_len);
	values[5] = bytea_datum(call->to, HM_ADDRESS_LEN);
	values[6] = CStringGetTextDatum(call->function);
	values[7] = bytea_datum(tx->data, tx->data_len);
	values[8] = CStringGetTextDatum(call->value);
	values[9] = Int64GetDatum((int64) tx->gas_limit);
	values[10] = Int64GetDatum((int64) tx->max_fee_per_gas);
	values[11] = Int64GetDatum((int64) tx->max_priority_fee_per_gas);
	values[12] = CStringGetTextDatum(job_ids);
	values[13] = CStringGetTextDatum(job_kind);
	id = hm_insert_returning_id(&insert_tx, values, NULL);
	ledger_commit();
	return id;
}

/*
 * Broadcasts a stored transaction.  A node that refuses it ("already
 * known", "nonce too low" once mined, no funds) is noted on the row and in
 * *error; the receipt decides later, never a new signature.
 */
static void
broadcast(ChainSession *s, int64 id, const uint8 *raw, size_t raw_len, char **error)
{
	HmRpcError	err;
	uint8		hash[HM_KECCAK256_LEN];
	Datum		values[2];
	char		nulls[2] = "  ";
	bool		ok = hm_rpc_send_raw_transaction(s->rpc, raw, raw_len, hash, &err);

	*error = ok ? NULL : MemoryContextStrdup(handler_cxt, err.message);
	ledger_begin();
	values[0] = Int64GetDatum(id);
	values[1] = hm_text_or_null(*error, &nulls[1]);
	hm_exec(&mark_sent, values, nulls, false);
	if (*error != NULL)
		hm_exec(&note_error, values, nulls, false);
	ledger_commit();
}

/* Marks jobs submitted under a transaction hash, with the broadcast's complaint if any. */
static void
submitted(HmJob **jobs, int njobs, const uint8 *hash, const char *error)
{
	char	   *ref = MemoryContextStrdup(handler_cxt, hm_hex_encode(hash, HM_KECCAK256_LEN));

	for (int i = 0; i < njobs; i++)
	{
		jobs[i]->outcome = HM_JOB_SUBMITTED;
		jobs[i]->external_ref = ref;
		jobs[i]->error = error ? MemoryContextStrdup(handler_cxt, error) : NULL;
	}
}

/* The revert reason of a call, from eth_estimateGas or eth_call's error. */
static char *
revert_reason(const HmRpcError *err)
{
	if (err->failure != HM_RPC_NODE_ERROR)
		return NULL;
	return hm_abi_revert_reason(err->revert_data, err->revert_len, known_errors, lengthof(known_errors));
}

/*
 * Signs a new transaction carrying call for jobs, stores it, then
 * broadcasts it; the jobs are submitted.  A call that would revert fails
 * the attempt with the decoded reason, before anything is signed.
 */
static void
send_new(ChainSession *s, ChainCall *call, HmJob **jobs, int njobs)
{
	HmRpcError	err;
	HmTransaction tx;
	HmSignedTransaction signed_tx;
	HmUint256	value;
	HmCall		estimate;
	uint64		gas;
	int64		id;
	char	   *error;

	if (!hm_u256_from_decimal(call->value, &value))
		elog(ERROR, "value %s is not a uint256", call->value);
	memset(&estimate, 0, sizeof(estimate));
	estimate.from = s->signer;
	estimate.to = call->to;
	estimate.data = (const uint8 *) call->data.data;
	estimate.data_len = call->data.len;
	estimate.value = &value;
	if (!hm_rpc_estimate_gas(s->rpc, &estimate, &gas, &err))
	{
		char	   *reason = revert_reason(&err);

		if (reason == NULL)
			rpc_fail(&err);
		ereport(ERROR,
				(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
				 errmsg("%s would revert: %s", call->function, reason)));
	}

	memset(&tx, 0, sizeof(tx));
	tx.chain_id = s->chain_id;
	choose_fees(s, &tx.max_priority_fee_per_gas, &tx.max_fee_per_gas);
	tx.gas_limit = gas + gas / 4 + 20000;
	tx.has_to = true;
	memcpy(tx.to, call->to, HM_ADDRESS_LEN);
	tx.value = value;
	tx.data = (const uint8 *) call->data.data;
	tx.data_len = call->data.len;

	ledger_begin();
	{
		Datum		values[2];

		values[0] = Int64GetDatum((int64) s->chain_id);
		values[1] = bytea_datum(s->signer, HM_ADDRESS_LEN);
		hm_exec(&next_nonce, values, NULL, true);
		tx.nonce = Max((uint64) hm_get_int64(0, 1, NULL), nonce_floor);
	}
	ledger_commit();

	sign(&tx, &signed_tx);
	pause_at("after_sign");
	id = store(s, &tx, &signed_tx, call, job_id_array(jobs, njobs), jobs[0]->kind);
	pause_at("after_store");
	broadcast(s, id, signed_tx.raw, signed_tx.raw_len, &error);
	pause_at("after_broadcast");
	submitted(jobs, njobs, signed_tx.hash, error);
}

/* ---- polling a nonce ---- */

/* Reads the open rows of one nonce, oldest first. */
static int
read_nonce_group(ChainSession *s, uint64 nonce, LedgerTx **rows)
{
	Datum		values[3];
	int			n;

	ledger_begin();
	values[0] = Int64GetDatum((int64) s->chain_id);
	values[1] = bytea_datum(s->signer, HM_ADDRESS_LEN);
	values[2] = Int64GetDatum((int64) nonce);
	n = (int) hm_exec(&nonce_group, values, NULL, true);
	*rows = MemoryContextAllocZero(handler_cxt, sizeof(LedgerTx) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		LedgerTx   *t = &(*rows)[i];
		bool		isnull;
		bytea	   *raw;

		t->id = hm_get_int64(i, 1, NULL);
		get_bytes(i, 2, t->hash, HM_KECCAK256_LEN);
		raw = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull));
		t->raw = MemoryContextAlloc(handler_cxt, VARSIZE_ANY(raw));
		memcpy(t->raw, raw, VARSIZE_ANY(raw));
		t->status = get_text(i, 4);
		t->nonce = nonce;
		t->gas_limit = (uint64) hm_get_int64(i, 5, NULL);
		t->max_fee = (uint64) hm_get_int64(i, 6, NULL);
		t->tip = (uint64) hm_get_int64(i, 7, NULL);
		t->age_s = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 8, &isnull));
		t->function = get_text(i, 9);
		t->value = get_text(i, 10);
		get_bytes(i, 11, t->to, HM_ADDRESS_LEN);
		raw = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 12, &isnull));
		t->data = MemoryContextAlloc(handler_cxt, VARSIZE_ANY(raw));
		memcpy(t->data, raw, VARSIZE_ANY(raw));
		t->job_ids = get_text(i, 13);
		t->job_kind = get_text(i, 14);
	}
	ledger_commit();
	return n;
}

/* Records the CreatorCoinCreated events of a confirmed receipt (connected to SPI). */
static void
record_coins(const HmReceipt *receipt, const uint8 *hash)
{
	uint8		factory[HM_ADDRESS_LEN];
	uint8		topic[HM_KECCAK256_LEN];

	hm_require_factory_address(factory);
	hm_abi_event_topic("CreatorCoinCreated(uint256,address)", topic);
	for (int i = 0; i < receipt->nlogs; i++)
	{
		const HmEventLog *log = &receipt->logs[i];
		uint64		creator_id;
		uint8		coin[HM_ADDRESS_LEN];
		Datum		values[4];

		if (log->removed || !hm_abi_log_is(log, factory, topic))
			continue;
		if (!hm_abi_decode_uint64(log->data, log->data_len, 0, &creator_id) ||
			!hm_abi_decode_address(log->data, log->data_len, 1, coin) || creator_id > PG_INT64_MAX)
		{
			ereport(WARNING, (errmsg("malformed CreatorCoinCreated event in transaction %s",
									 hm_hex_encode(hash, HM_KECCAK256_LEN))));
			continue;
		}
		values[0] = Int64GetDatum((int64) creator_id);
		values[1] = bytea_datum(coin, HM_ADDRESS_LEN);
		values[2] = bytea_datum(hash, HM_KECCAK256_LEN);
		values[3] = Int64GetDatum((int64) receipt->block_number);
		hm_exec(&record_coin, values, NULL, false);
	}
}

/*
 * Why a mined transaction reverted: the receipt says only that it did, so
 * the call is replayed with eth_call to read the reason.
 */
static char *
replay_revert_reason(ChainSession *s, const LedgerTx *t)
{
	HmRpcError	err;
	HmCall		call;
	HmUint256	value;
	uint8	   *result;
	size_t		result_len;

	memset(&call, 0, sizeof(call));
	call.from = s->signer;
	call.to = t->to;
	call.data = (const uint8 *) VARDATA_ANY(t->data);
	call.data_len = VARSIZE_ANY_EXHDR(t->data);
	if (!hm_u256_from_decimal(t->value, &value))
		return pstrdup("reverted");
	call.value = &value;
	if (hm_rpc_call(s->rpc, &call, &result, &result_len, &err))
		return pstrdup("reverted (the reason is no longer reproducible)");
	return revert_reason(&err) ? revert_reason(&err) : pstrdup(err.message);
}

/*
 * Polls the open transactions of one nonce, which carry jobs, and settles
 * those jobs: done once a transaction is confirmed, failed when it reverted
 * or its nonce went elsewhere, submitted while it waits (rebroadcast, or
 * replaced with a fee bump once it waited past music.tx_replace_after).
 */
static void
poll_nonce(ChainSession *s, uint64 nonce, HmJob **jobs, int njobs)
{
	HmRpcError	err;
	LedgerTx   *rows;
	int			nrows = read_nonce_group(s, nonce, &rows);
	HmReceipt	receipt;
	LedgerTx   *mined = NULL;
	LedgerTx   *latest;
	uint64		mined_count;
	char	   *error;

	if (nrows == 0)
		elog(ERROR, "nonce " UINT64_FORMAT " has no open transaction", nonce);
	latest = &rows[nrows - 1];

	for (int pass = 0; pass < 2 && mined == NULL; pass++)
	{
		for (int i = 0; i < nrows && mined == NULL; i++)
		{
			if (!hm_rpc_transaction_receipt(s->rpc, rows[i].hash, &receipt, &err))
				rpc_fail(&err);
			if (receipt.found)
				mined = &rows[i];
		}
		if (mined != NULL || pass == 1)
			break;
		/* no receipt: if the nonce is used up, look once more (it may just have been mined) */
		if (!hm_rpc_transaction_count(s->rpc, s->signer, false, &mined_count, &err))
			rpc_fail(&err);
		if (mined_count <= nonce)
			break;
	}

	if (mined != NULL)
	{
		uint64		head;
		bool		final;
		char	   *reason = NULL;
		Datum		values[6];
		char		nulls[6] = "      ";

		if (!hm_rpc_block_number(s->rpc, &head, &err))
			rpc_fail(&err);
		final = head + 1 >= receipt.block_number + (uint64) confirmations;
		if (!receipt.success)
			reason = replay_revert_reason(s, mined);
		pause_at("before_receipt");

		ledger_begin();
		values[0] = Int64GetDatum(mined->id);
		values[1] = CStringGetTextDatum(!receipt.success ? "reverted" : final ? "confirmed" : "mined");
		values[2] = Int64GetDatum((int64) receipt.gas_used);
		values[3] = Int64GetDatum((int64) Min(receipt.effective_gas_price, (uint64) PG_INT64_MAX));
		values[4] = Int64GetDatum((int64) receipt.block_number);
		values[5] = hm_text_or_null(reason, &nulls[5]);
		hm_exec(&record_mined, values, nulls, false);
		values[0] = Int64GetDatum((int64) s->chain_id);
		values[1] = bytea_datum(s->signer, HM_ADDRESS_LEN);
		values[2] = Int64GetDatum((int64) nonce);
		values[3] = Int64GetDatum(mined->id);
		hm_exec(&drop_others, values, NULL, false);
		if (receipt.success && final)
			record_coins(&receipt, mined->hash);
		ledger_commit();

		for (int i = 0; i < njobs; i++)
		{
			jobs[i]->external_ref = MemoryContextStrdup(handler_cxt, hm_hex_encode(mined->hash, HM_KECCAK256_LEN));
			if (!receipt.success)
			{
				jobs[i]->outcome = HM_JOB_FAILED;
				jobs[i]->error = MemoryContextStrdup(handler_cxt, psprintf("%s reverted: %s", mined->function, reason));
			}
			else
				jobs[i]->outcome = final ? HM_JOB_DONE : HM_JOB_SUBMITTED;
		}
		return;
	}

	if (mined_count > nonce)
	{
		/* another transaction of this signer took the nonce: ours can never be mined */
		Datum		values[4];

		ledger_begin();
		values[0] = Int64GetDatum((int64) s->chain_id);
		values[1] = bytea_datum(s->signer, HM_ADDRESS_LEN);
		values[2] = Int64GetDatum((int64) nonce);
		values[3] = Int64GetDatum(0);
		hm_exec(&drop_others, values, NULL, false);
		ledger_commit();
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("nonce " UINT64_FORMAT " was used by a transaction this worker did not sign", nonce),
				 errhint("Another process signs with the worker's key; the jobs will be signed again under a new nonce.")));
	}

	if (latest->age_s > tx_replace_after_s)
	{
		/* stuck: the same call on the same nonce, with both fees raised */
		HmTransaction tx;
		HmSignedTransaction signed_tx;
		ChainCall	call;
		uint64		tip;
		uint64		max_fee;
		Datum		values[2];
		int64		id;

		choose_fees(s, &tip, &max_fee);
		memset(&tx, 0, sizeof(tx));
		tx.chain_id = s->chain_id;
		tx.nonce = nonce;
		tx.max_priority_fee_per_gas = Max(tip, latest->tip * FEE_BUMP_NUM / FEE_BUMP_DEN + 1);
		tx.max_fee_per_gas = Max(max_fee, latest->max_fee * FEE_BUMP_NUM / FEE_BUMP_DEN + 1);
		tx.max_fee_per_gas = Max(tx.max_fee_per_gas, tx.max_priority_fee_per_gas);
		tx.gas_limit = latest->gas_limit;
		tx.has_to = true;
		memcpy(tx.to, latest->to, HM_ADDRESS_LEN);
		if (!hm_u256_from_decimal(latest->value, &tx.value))
			elog(ERROR, "stored value %s is not a uint256", latest->value);
		tx.data = (const uint8 *) VARDATA_ANY(latest->data);
		tx.data_len = VARSIZE_ANY_EXHDR(latest->data);
		sign(&tx, &signed_tx);
		call.function = latest->function;
		memcpy(call.to, latest->to, HM_ADDRESS_LEN);
		call.value = latest->value;
		id = store(s, &tx, &signed_tx, &call, latest->job_ids, latest->job_kind);
		ledger_begin();
		values[0] = Int64GetDatum(latest->id);
		values[1] = Int64GetDatum(id);
		hm_exec(&mark_replaced, values, NULL, false);
		ledger_commit();
		ereport(LOG,
				(errmsg("hybridmusic worker replaced transaction %s (nonce " UINT64_FORMAT ", waiting %.0f s) with %s",
						hm_hex_encode(latest->hash, HM_KECCAK256_LEN), nonce, latest->age_s,
						hm_hex_encode(signed_tx.hash, HM_KECCAK256_LEN))));
		broadcast(s, id, signed_tx.raw, signed_tx.raw_len, &error);
		submitted(jobs, njobs, signed_tx.hash, error);
		return;
	}

	/* not mined yet: the node may have lost it (a restart, a crash before the broadcast) */
	broadcast(s, latest->id, (const uint8 *) VARDATA_ANY(latest->raw), VARSIZE_ANY_EXHDR(latest->raw), &error);
	submitted(jobs, njobs, latest->hash, error);
}

/* ---- carrying a batch of jobs ---- */

/*
 * Builds the call that carries fresh jobs (connected to SPI).  A builder
 * may settle jobs it cannot carry (their outcome set, error given) and
 * leaves those out: it returns how many of jobs, moved to the front, the
 * call carries (0: no call).
 */
typedef int (*CallBuilder) (HmJob **jobs, int njobs, ChainCall *call);

/*
 * The common flow of every on-chain kind: jobs the ledger already has a
 * transaction for are polled (one poll per nonce), the others are built
 * into one call, signed, stored and broadcast.
 */
static void
carry(HmJob **jobs, int njobs, CallBuilder build)
{
	ChainSession s;
	HmJob	  **fresh = palloc(sizeof(HmJob *) * njobs);
	uint64	   *open_nonce = palloc(sizeof(uint64) * njobs);
	bool	   *is_open = palloc0(sizeof(bool) * njobs);
	int			nfresh = 0;

	handler_cxt = CurrentMemoryContext;
	memset(&s, 0, sizeof(s));

	/* where each job stands, by the ledger */
	ledger_begin();
	for (int i = 0; i < njobs; i++)
	{
		Datum		value = Int64GetDatum(jobs[i]->id);
		bool		isnull;

		jobs[i]->outcome = HM_JOB_DONE;
		hm_exec(&job_ledger_state, &value, NULL, true);
		if (hm_get_bool(0, 1))
			continue;			/* confirmed: a crash came before the job was settled */
		open_nonce[i] = (uint64) hm_get_int64(0, 2, &isnull);
		is_open[i] = !isnull;
		if (isnull)
			fresh[nfresh++] = jobs[i];
	}
	ledger_commit();

	PG_TRY();
	{
		chain_open(&s);
		for (int i = 0; i < njobs; i++)
		{
			HmJob	  **same = palloc(sizeof(HmJob *) * njobs);
			int			nsame = 0;

			if (!is_open[i])
				continue;
			for (int j = i; j < njobs; j++)
				if (is_open[j] && open_nonce[j] == open_nonce[i])
				{
					same[nsame++] = jobs[j];
					if (j > i)
						is_open[j] = false;
				}
			poll_nonce(&s, open_nonce[i], same, nsame);
		}
		if (nfresh > 0)
		{
			ChainCall	call;
			int			ncarried;

			memset(&call, 0, sizeof(call));
			initStringInfo(&call.data);
			call.value = "0";
			ledger_begin();
			ncarried = build(fresh, nfresh, &call);
			ledger_commit();
			if (ncarried > 0)
				send_new(&s, &call, fresh, ncarried);
		}
	}
	PG_FINALLY();
	{
		chain_close(&s);
	}
	PG_END_TRY();
}

/* Fails one job that cannot be carried, with the reason. */
static void
refuse(HmJob *job, const char *reason)
{
	job->outcome = HM_JOB_FAILED;
	job->error = MemoryContextStrdup(handler_cxt, reason);
}

/*
 * coin_creation and metrics_update: one updateCreatorMetricsBatch for every
 * creator of the batch, with the creator's current counted plays,
 * followers, cumulative revenue and the commitment of their latest
 * confirmed PDP snapshot (the dataHash); the sequence is the creator's highest
 * job id in the batch, so a replayed or older report is skipped on-chain.
 * The factory creates the coin itself once the plays reach its threshold.
 */
static int
build_metrics(HmJob **jobs, int njobs, ChainCall *call)
{
	HmCreatorMetrics *entries;
	Datum		ids;
	uint64		n;

	hm_require_factory_address(call->to);
	call->function = "updateCreatorMetricsBatch";
	ids = CStringGetTextDatum(job_id_array(jobs, njobs));
	n = hm_exec(&metrics_of, &ids, NULL, true);
	entries = palloc0(sizeof(HmCreatorMetrics) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		char	   *revenue = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 5);
		bool		no_snapshot;
		Datum		commitment = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 6, &no_snapshot);

		entries[i].creator_id = (uint64) hm_get_int64(i, 1, NULL);
		entries[i].sequence = (uint64) hm_get_int64(i, 2, NULL);
		entries[i].total_plays = (uint64) hm_get_int64(i, 3, NULL);
		entries[i].followers = (uint64) hm_get_int64(i, 4, NULL);

		if (!hm_u256_from_decimal(revenue, &entries[i].revenue))
			elog(ERROR, "revenue %s does not fit in a uint256", revenue);
		/* the latest confirmed PDP snapshot's commitment, zero before the first */
		if (!no_snapshot)
		{
			bytea	   *root = DatumGetByteaPP(commitment);

			if (VARSIZE_ANY_EXHDR(root) != HM_KECCAK256_LEN)
				elog(ERROR, "snapshot commitment of creator " INT64_FORMAT " is not 32 bytes",
					 (int64) entries[i].creator_id);
			memcpy(entries[i].data_hash, VARDATA_ANY(root), HM_KECCAK256_LEN);
		}
	}
	/* a job without a creator has nothing to report */
	for (int i = 0; i < njobs; i++)
		if (jobs[i]->creator_id == 0)
			refuse(jobs[i], "a metrics job needs a creator");
	if (n == 0)
		return 0;
	MemoryContextSwitchTo(handler_cxt);
	hm_abi_encode_metrics_batch(&call->data, entries, (int) n);
	{
		int			ncarried = 0;

		for (int i = 0; i < njobs; i++)
			if (jobs[i]->creator_id != 0)
				jobs[ncarried++] = jobs[i];
		return ncarried;
	}
}

/* verification: setVerified(creator, verified) for one job. */
static int
build_verification(HmJob **jobs, int njobs, ChainCall *call)
{
	Datum		id = Int64GetDatum(jobs[0]->id);
	HmAbiValue	args[2];

	Assert(njobs == 1);
	if (jobs[0]->creator_id == 0)
	{
		refuse(jobs[0], "a verification job needs a creator");
		return 0;
	}
	hm_require_factory_address(call->to);
	call->function = "setVerified";
	hm_exec(&verification_of, &id, NULL, true);
	args[0] = hm_abi_uint64((uint64) jobs[0]->creator_id);
	args[1] = hm_abi_bool(hm_get_bool(0, 1));
	MemoryContextSwitchTo(handler_cxt);
	hm_abi_encode_call(&call->data, "setVerified(uint256,bool)", args, 2);
	return 1;
}

/*
 * wallet_link: setCreatorWallet(creator, wallet, signature) for one job,
 * with the wallet and the creator's signature that music.link_wallet
 * checked and queued; the contract checks the signature again.
 */
static int
build_wallet_link(HmJob **jobs, int njobs, ChainCall *call)
{
	Datum		id = Int64GetDatum(jobs[0]->id);
	char	   *wallet_text;
	char	   *signature_text;
	uint8		wallet[HM_ADDRESS_LEN];
	uint8		signature[65];
	HmAbiValue	args[3];

	Assert(njobs == 1);
	hm_exec(&wallet_link_of, &id, NULL, true);
	wallet_text = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	signature_text = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (jobs[0]->creator_id == 0 || wallet_text == NULL || signature_text == NULL ||
		!hm_hex_decode(wallet_text, wallet, sizeof(wallet)) ||
		!hm_hex_decode(signature_text, signature, sizeof(signature)))
	{
		refuse(jobs[0], "a wallet_link job needs a creator and a payload with \"address\" (20 bytes hex) and \"signature\" (65 bytes hex)");
		return 0;
	}
	hm_require_factory_address(call->to);
	call->function = "setCreatorWallet";
	args[0] = hm_abi_uint64((uint64) jobs[0]->creator_id);
	args[1] = hm_abi_address(wallet);
	args[2] = hm_abi_bytes(signature, sizeof(signature));
	MemoryContextSwitchTo(handler_cxt);
	hm_abi_encode_call(&call->data, "setCreatorWallet(uint256,address,bytes)", args, 3);
	return 1;
}

/*
 * revenue_share: the quarter's shares go out together, in one
 * distributeBatch to the RevenueDistributor paid from the signer's
 * balance, once the quarter of their month has closed; until then a job
 * waits as submitted, looking again every hour.  A creator without a coin
 * has no holders to share with: the job fails (and retries, in case the
 * coin is on its way).
 */
static int
build_revenue_share(HmJob **jobs, int njobs, ChainCall *call)
{
	Datum		ids = CStringGetTextDatum(job_id_array(jobs, njobs));
	uint64		n = hm_exec(&revenue_share_of, &ids, NULL, true);
	HmUint256  *coins = palloc0(sizeof(HmUint256) * (n + 1));
	HmUint256  *amounts = palloc0(sizeof(HmUint256) * (n + 1));
	Datum	   *amount_texts = palloc0(sizeof(Datum) * (n + 1));
	int			ncarried = 0;
	HmAbiValue	args[2];
	SPITupleTable *rows = SPI_tuptable;

	require_address_setting("music.distributor_address", distributor_address, call->to);
	call->function = "distributeBatch";
	for (uint64 i = 0; i < n; i++)
	{
		HmJob	   *job = jobs[i];	/* same order: both by id */
		bool		isnull;
		char	   *amount = SPI_getvalue(rows->vals[i], rows->tupdesc, 3);

		Assert(job->id == hm_get_int64(i, 1, NULL));
		if (!DatumGetBool(SPI_getbinval(rows->vals[i], rows->tupdesc, 4, &isnull)))
		{
			job->outcome = HM_JOB_SUBMITTED;
			job->poll_in_ms = QUARTER_POLL_MS;
			job->error = MemoryContextStrdup(handler_cxt, "waiting for its quarter to close");
			continue;
		}
		(void) SPI_getbinval(rows->vals[i], rows->tupdesc, 2, &isnull);
		if (isnull)
		{
			refuse(job, "the creator has no coin yet, so nobody to share the revenue with");
			continue;
		}
		if (amount == NULL || !hm_u256_from_decimal(amount, &amounts[ncarried]) ||
			hm_u256_is_zero(&amounts[ncarried]))
		{
			refuse(job, "a revenue_share job needs a positive \"amount\" (FIL) in its payload");
			continue;
		}
		{
			uint8		coin[HM_ADDRESS_LEN];

			SPI_tuptable = rows;
			get_bytes(i, 2, coin, HM_ADDRESS_LEN);
			hm_abi_address_word(coin, &coins[ncarried]);
		}
		amount_texts[ncarried] = CStringGetTextDatum(amount);
		jobs[ncarried++] = job;
	}
	if (ncarried == 0)
		return 0;
	{
		Datum		total = PointerGetDatum(construct_array(amount_texts, ncarried, TEXTOID, -1, false, TYPALIGN_INT));

		hm_exec(&sum_wei, &total, NULL, true);
		call->value = get_text(0, 1);
	}
	args[0] = hm_abi_word_array(coins, ncarried);
	args[1] = hm_abi_word_array(amounts, ncarried);
	MemoryContextSwitchTo(handler_cxt);
	hm_abi_encode_call(&call->data, "distributeBatch(address[],uint256[])", args, 2);
	return ncarried;
}

/* The batch handlers, one per call the contracts offer. */
static void
metrics_handler(HmJob **jobs, int njobs)
{
	carry(jobs, njobs, build_metrics);
}

static void
verification_handler(HmJob **jobs, int njobs)
{
	carry(jobs, njobs, build_verification);
}

static void
wallet_link_handler(HmJob **jobs, int njobs)
{
	carry(jobs, njobs, build_wallet_link);
}

static void
revenue_share_handler(HmJob **jobs, int njobs)
{
	carry(jobs, njobs, build_revenue_share);
}

/* Registers the on-chain job kinds and their settings. */
void
OnchainInit(void)
{
	DefineCustomIntVariable("music.confirmations",
							"Blocks on top of a transaction's block before the worker counts it as final.",
							"1 counts a transaction once it is mined.",
							&confirmations, 1, 1, 1000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("music.tx_replace_after",
							"How long a sent transaction may wait unmined before the worker replaces it with higher fees on the same nonce.",
							NULL,
							&tx_replace_after_s, 120, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomStringVariable("music.distributor_address",
							   "The RevenueDistributor contract the worker pays revenue shares into.",
							   NULL,
							   &distributor_address, "",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("music.chain_pause_at",
							   "Test only: the step at which the worker stops, to be killed there.",
							   "after_sign, after_store, after_broadcast or before_receipt; empty in production.",
							   &chain_pause_at, "",
							   PGC_SIGHUP, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);

	hm_register_job_kind(&(HmJobKind) {.kind = "coin_creation",.batch_handler = metrics_handler,.max_batch = MAX_BATCH});
	hm_register_job_kind(&(HmJobKind) {.kind = "metrics_update",.batch_handler = metrics_handler,.max_batch = MAX_BATCH});
	hm_register_job_kind(&(HmJobKind) {.kind = "revenue_share",.batch_handler = revenue_share_handler,.max_batch = MAX_BATCH});
	hm_register_job_kind(&(HmJobKind) {.kind = "verification",.batch_handler = verification_handler,.max_batch = 1});
	hm_register_job_kind(&(HmJobKind) {.kind = "wallet_link",.batch_handler = wallet_link_handler,.max_batch = 1});
}
