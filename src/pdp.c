/*
 * pdp.c
 *		The worker's pdp_snapshot jobs: a creator's snapshot uploaded to a
 *		Filecoin PDP provider and committed to the platform's data set.
 *
 * Never twice, never lost.  A job's snapshot is built once
 * (music.pdp_take_snapshot) and its row in music.pdp_snapshots says where
 * it stands; every attempt carries it one step further:
 *   built     upload with the classic flow (POST /pdp/piece answers 200 when
 *             the provider already has the piece, so repeating it is
 *             harmless), then poll until the piece is findable: uploaded;
 *   uploaded  sign AddPieces (a fresh nonce) for up to 40 pieces, mark them
 *             adding with that nonce and commit, and only then POST; the
 *             status URL from Location is committed before the first poll;
 *   adding    poll the status URL until the transaction settles: confirmed
 *             with the piece id, or back to uploaded with the reason (a
 *             failed transaction added nothing, so a new nonce is safe).
 *             When the POST's answer was lost there is no status URL: the
 *             data set's listing shows whether the piece arrived; the
 *             request is never re-sent blindly.
 * The data set (music.pdp_data_sets) is created on first use the same way.
 * HTTP runs with no transaction open; each state change is a short
 * transaction of its own.  Create and add POSTs are retried only on 429
 * (after Retry-After); other requests also after 5xx and network errors,
 * with backoff.  An attempt waits at most music.pdp_wait for a piece to be
 * findable or a transaction to settle, then leaves the job submitted, to be
 * polled again after music.retry_delay.
 *
 * music.pdp_pause_at, a test-only setting, stops the worker at a named
 * step so that a test can kill -9 it exactly there.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "chain.h"
#include "hex.h"
#include "hybridmusic.h"
#include "pdp.h"
#include "pdp_http.h"
#include "pdp_sign.h"
#include "queue.h"
#include "signer.h"
#include "uint256.h"

#define TRIES 4					/* attempts at one request */

static char *pdp_url = NULL;
static char *pdp_record_keeper = NULL;
static char *pdp_payee = NULL;
static int	pdp_wait_ms = 30000;
static int	pdp_poll_interval_ms = 1000;
static char *pdp_pause_at = NULL;

static MemoryContext handler_cxt = NULL;

/* One job's snapshot, as the handler carries it. */
typedef struct Snap
{
	HmJob	   *job;
	int64		id;
	int64		creator_id;
	char	   *milestone;
	char	   *status;
	char	   *piece_cid;
	uint8	   *content;
	size_t		size;
	char	   *status_url;
	char	   *error;			/* why this attempt failed, or NULL */
} Snap;

/* The platform's data set at the provider. */
typedef struct DataSet
{
	int64		row_id;
	int64		data_set_id;	/* -1 until created */
	HmUint256	client_data_set_id;
	char	   *status_url;
} DataSet;

static HmQuery take_snapshot = {
	"SELECT music.pdp_take_snapshot($1)", 1, {INT8OID}, NULL
};
static HmQuery read_snapshot = {
	"SELECT id, creator_id, milestone, status, piece_cid, content, status_url "
	"FROM music.pdp_snapshots WHERE id = $1",
	1, {INT8OID}, NULL
};
static HmQuery set_snapshot = {
	"UPDATE music.pdp_snapshots SET status = $2, data_set_id = coalesce($3, data_set_id), "
	"piece_id = $4, add_nonce = CASE WHEN $2 = 'adding' THEN coalesce($5::numeric, add_nonce) END, "
	"status_url = $6, tx_hash = coalesce($7, tx_hash), confirmed_tx_hash = $8, last_error = $9, "
	"confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() END, updated_at = now() WHERE id = $1",
	9, {INT8OID, TEXTOID, INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID}, NULL
};
static HmQuery live_data_set = {
	"SELECT id, status, status_url, data_set_id, client_data_set_id::text FROM music.pdp_data_sets "
	"WHERE service_url = $1 AND record_keeper = $2 AND status <> 'failed'",
	2, {TEXTOID, TEXTOID}, NULL
};
static HmQuery insert_data_set = {
	"INSERT INTO music.pdp_data_sets (service_url, record_keeper, payer, client_data_set_id) "
	"VALUES ($1, $2, $3, $4::numeric) RETURNING id",
	4, {TEXTOID, TEXTOID, TEXTOID, TEXTOID}, NULL
};
static HmQuery set_data_set = {
	"UPDATE music.pdp_data_sets SET status = $2, status_url = coalesce($3, status_url), "
	"tx_hash = coalesce($4, tx_hash), data_set_id = $5, last_error = $6 WHERE id = $1",
	6, {INT8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TEXTOID}, NULL
};

/* ---- small helpers ---- */

/* Starts one of the handler's short transactions, connected to SPI. */
static void
db_begin(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
}

/* Commits it; results live on in the handler's context. */
static void
db_commit(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(handler_cxt);
}

/* A text column of the last result, copied into the handler's context (NULL stays NULL). */
static char *
get_text(int row, int col)
{
	char	   *s = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

	return s ? MemoryContextStrdup(handler_cxt, s) : NULL;
}

/* Waits ms milliseconds, answering interrupts. */
static void
nap(int ms)
{
	TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);
	long		left;

	while ((left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until)) > 0)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* Test-only: stops here, shown in pg_stat_activity, until killed (see onchain.c). */
static void
pause_at(const char *step)
{
	if (pdp_pause_at == NULL || strcmp(pdp_pause_at, step) != 0)
		return;
	pgstat_report_activity(STATE_RUNNING, psprintf("paused at %s", step));
	for (;;)
		nap(1000);
}

/*
 * One request, retried: 429 after its Retry-After (capped by
 * music.pdp_wait); 5xx and network errors with backoff when the request
 * may be repeated.  The last answer (or failure) is in *r.
 */
static void
request(const char *method, const char *path, const char *json, const uint8 *raw, size_t raw_len,
		bool repeatable, HmPdpResponse *r)
{
	for (int attempt = 1;; attempt++)
	{
		bool		retry;

		CHECK_FOR_INTERRUPTS();
		hm_pdp_http(method, pdp_url, path, json, raw, raw_len, hm_http_timeout_ms, r);
		if (attempt == TRIES)
			return;
		if (r->answered && r->status == 429)
		{
			nap(Min(Max(r->retry_after_s, 0) * 1000, pdp_wait_ms));
			continue;
		}
		retry = repeatable && (!r->answered || r->status >= 500);
		if (!retry)
			return;
		nap(250 << attempt);
	}
}

/* Why a request did not give the answer expected. */
static char *
failure(const char *what, const HmPdpResponse *r)
{
	if (!r->answered)
		return psprintf("%s: %s", what, r->error);
	return psprintf("%s: HTTP %ld: %.200s", what, r->status, r->body ? r->body : "");
}

/* The path of a root-relative Location, or NULL when it is not one. */
static char *
location_path(const HmPdpResponse *r, const char *prefix)
{
	if (r->location == NULL || strncmp(r->location, prefix, strlen(prefix)) != 0)
		return NULL;
	return r->location;
}

/* The tx hash that ends a status path ("0x" + 64 lower-case hex), or NULL. */
static char *
tx_hash_of(const char *path)
{
	const char *last = strrchr(path, '/');

	if (last == NULL || strlen(last + 1) != 66 || strncmp(last + 1, "0x", 2) != 0 ||
		strspn(last + 3, "0123456789abcdef") != 64)
		return NULL;
	return pstrdup(last + 1);
}

/* A random uint256 (clientDataSetId, nonce): each is single-use on chain. */
static void
random_u256(HmUint256 *value)
{
	if (!pg_strong_random(value->be, sizeof(value->be)))
		elog(ERROR, "could not generate a random nonce");
}

/* The address in a setting ("0x" + 40 hex), or an error naming it. */
static void
require_address(const char *name, const char *value, uint8 *address20)
{
	if (value == NULL || strlen(value) != 42 || strncmp(value, "0x", 2) != 0 ||
		!hm_hex_decode(value, address20, 20))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s is not set to an address", name),
				 errhint("Set it in postgresql.conf (see docs/operations.md, Filecoin PDP snapshots).")));
}

/* ---- snapshots ---- */

/* Writes a snapshot's new state in a transaction of its own. */
static void
store_snapshot(Snap *s, const char *status, int64 data_set_id, int64 piece_id, const char *nonce,
			   const char *status_url, const char *tx_hash, const char *confirmed_tx_hash)
{
	Datum		values[9];
	char		nulls[9] = "         ";

	values[0] = Int64GetDatum(s->id);
	values[1] = CStringGetTextDatum(status);
	values[2] = Int64GetDatum(data_set_id);
	nulls[2] = data_set_id < 0 ? 'n' : ' ';
	values[3] = Int64GetDatum(piece_id);
	nulls[3] = piece_id < 0 ? 'n' : ' ';
	values[4] = hm_text_or_null(nonce, &nulls[4]);
	values[5] = hm_text_or_null(status_url, &nulls[5]);
	values[6] = hm_text_or_null(tx_hash, &nulls[6]);
	values[7] = hm_text_or_null(confirmed_tx_hash, &nulls[7]);
	values[8] = hm_text_or_null(s->error, &nulls[8]);
	db_begin();
	hm_exec(&set_snapshot, values, nulls, false);
	db_commit();
	s->status = pstrdup(status);
	s->status_url = status_url ? pstrdup(status_url) : NULL;
}

/* Builds (once) and reads each job's snapshot. */
static void
load_snapshots(HmJob **jobs, int njobs, Snap *snaps)
{
	db_begin();
	for (int i = 0; i < njobs; i++)
	{
		Datum		id = Int64GetDatum(jobs[i]->id);
		bool		isnull;
		bytea	   *content;
		Snap	   *s = &snaps[i];

		hm_exec(&take_snapshot, &id, NULL, false);
		id = Int64GetDatum(hm_get_int64(0, 1, NULL));
		if (hm_exec(&read_snapshot, &id, NULL, false) != 1)
			elog(ERROR, "snapshot of job " INT64_FORMAT " not found", jobs[i]->id);
		s->job = jobs[i];
		s->id = hm_get_int64(0, 1, NULL);
		s->creator_id = hm_get_int64(0, 2, NULL);
		s->milestone = get_text(0, 3);
		s->status = get_text(0, 4);
		s->piece_cid = get_text(0, 5);
		content = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 6, &isnull));
		s->size = VARSIZE_ANY_EXHDR(content);
		s->content = MemoryContextAlloc(handler_cxt, s->size);
		memcpy(s->content, VARDATA_ANY(content), s->size);
		s->status_url = get_text(0, 7);
		s->error = NULL;
	}
	db_commit();
}

/*
 * built -> uploaded: the classic upload (idempotent), then findability.
 * Leaves the snapshot built when it is not findable within music.pdp_wait.
 */
static void
upload(Snap *s)
{
	HmPdpResponse r;
	char	   *find_path = psprintf("/pdp/piece?pieceCid=%s", s->piece_cid);
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), pdp_wait_ms);

	request("POST", "/pdp/piece", hm_pdp_piece_json(s->piece_cid), NULL, 0, true, &r);
	if (r.answered && r.status == 201)
	{
		char	   *put_path = location_path(&r, "/pdp/piece/upload/");

		if (put_path == NULL)
		{
			s->error = psprintf("POST /pdp/piece: 201 without a /pdp/piece/upload/ Location");
			return;
		}
		request("PUT", put_path, NULL, s->content, s->size, true, &r);
		if (!r.answered || r.status != 204)
		{
			s->error = failure("PUT piece", &r);
			return;
		}
	}
	else if (!r.answered || r.status != 200)
	{
		s->error = failure("POST /pdp/piece", &r);
		return;
	}
	for (;;)
	{
		request("GET", find_path, NULL, NULL, 0, true, &r);
		if (r.answered && r.status == 200)
			break;
		if (!r.answered || r.status != 404)
		{
			s->error = failure("GET /pdp/piece", &r);
			return;
		}
		if (GetCurrentTimestamp() >= deadline)
			return;				/* not findable yet: poll again later */
		nap(pdp_poll_interval_ms);
	}
	store_snapshot(s, "uploaded", -1, -1, NULL, NULL, NULL, NULL);
}

/* ---- the data set ---- */

/* Marks the data set row failed with a reason (a new one is created next time). */
static void
data_set_failed(DataSet *ds, const char *reason)
{
	Datum		values[6] = {Int64GetDatum(ds->row_id), CStringGetTextDatum("failed"), 0, 0, 0,
	CStringGetTextDatum(reason)};

	db_begin();
	hm_exec(&set_data_set, values, "  nnn ", false);
	db_commit();
}

/* Polls a creation's status URL; true once the data set exists. */
static bool
poll_creation(DataSet *ds, char **error)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), pdp_wait_ms);

	for (;;)
	{
		HmPdpResponse r;
		HmPdpStatus st;
		const char *why;

		request("GET", ds->status_url, NULL, NULL, 0, true, &r);
		if (!r.answered || r.status != 200)
		{
			*error = failure("data set creation status", &r);
			return false;
		}
		if (!hm_pdp_parse_status(r.body, true, &st, &why))
		{
			*error = psprintf("data set creation status: %s", why);
			return false;
		}
		if (st.ok == 0 || strcmp(st.tx_status, "failed") == 0 || strcmp(st.tx_status, "rejected") == 0)
		{
			*error = psprintf("creating the data set failed (txStatus %s, ok %s)", st.tx_status,
							  st.ok == 0 ? "false" : "null");
			data_set_failed(ds, *error);
			return false;
		}
		if (st.done && st.ok == 1 && strcmp(st.tx_status, "confirmed") == 0 && st.data_set_id >= 0)
		{
			Datum		values[6] = {Int64GetDatum(ds->row_id), CStringGetTextDatum("ready"), 0,
			CStringGetTextDatum(st.confirmed_tx_hash[0] ? st.confirmed_tx_hash : tx_hash_of(ds->status_url)),
			Int64GetDatum(st.data_set_id), 0};

			db_begin();
			hm_exec(&set_data_set, values, "  n  n", false);
			db_commit();
			ds->data_set_id = st.data_set_id;
			return true;
		}
		if (GetCurrentTimestamp() >= deadline)
			return false;		/* still pending: poll again later */
		nap(pdp_poll_interval_ms);
	}
}

/*
 * The live data set, created on first use; false (with *error, or none when
 * it is still being created) until it exists.
 */
static bool
ensure_data_set(DataSet *ds, const uint8 *key, const uint8 *payer, uint64 chain_id, char **error)
{
	HmPdpResponse r;
	uint8		fwss[20];
	uint8		payee[20];
	uint8		domain[32];
	uint8		hash[32];
	uint8		digest[32];
	uint8		sig[HM_SECP_SIGNATURE_LEN];
	HmPdpMetadata none = {0, NULL, NULL};
	StringInfoData extra;
	Datum		values[4];
	char	   *path;
	char	   *status;

	db_begin();
	values[0] = CStringGetTextDatum(pdp_url);
	values[1] = CStringGetTextDatum(pdp_record_keeper);
	hm_exec(&live_data_set, values, NULL, true);
	ds->row_id = -1;
	ds->data_set_id = -1;
	if (SPI_processed == 1)
	{
		ds->row_id = hm_get_int64(0, 1, NULL);
		status = get_text(0, 2);
		ds->status_url = get_text(0, 3);
		ds->data_set_id = strcmp(status, "ready") == 0 ? hm_get_int64(0, 4, NULL) : -1;
		if (!hm_u256_from_decimal(get_text(0, 5), &ds->client_data_set_id))
			elog(ERROR, "pdp_data_sets.client_data_set_id is not a uint256");
	}
	db_commit();
	if (ds->data_set_id >= 0)
		return true;
	if (ds->row_id >= 0 && ds->status_url != NULL)
		return poll_creation(ds, error);
	if (ds->row_id >= 0)
	{
		/* a create request whose answer was never stored: its outcome is unknown */
		data_set_failed(ds, "the create request's answer was lost; a new data set is created");
	}

	require_address("music.pdp_record_keeper", pdp_record_keeper, fwss);
	require_address("music.pdp_payee", pdp_payee, payee);
	random_u256(&ds->client_data_set_id);
	hm_pdp_domain_separator(chain_id, fwss, domain);
	hm_pdp_create_data_set_hash(&ds->client_data_set_id, payee, &none, hash);
	hm_pdp_digest(domain, hash, digest);
	if (!hm_pdp_sign(key, digest, sig))
		elog(ERROR, "could not sign CreateDataSet");
	initStringInfo(&extra);
	hm_pdp_create_data_set_extra_data(&extra, payer, &ds->client_data_set_id, &none, sig);

	db_begin();
	values[0] = CStringGetTextDatum(pdp_url);
	values[1] = CStringGetTextDatum(pdp_record_keeper);
	values[2] = CStringGetTextDatum(hm_hex_encode(payer, 20));
	values[3] = CStringGetTextDatum(hm_u256_to_decimal(&ds->client_data_set_id));
	hm_exec(&insert_data_set, values, NULL, false);
	ds->row_id = hm_get_int64(0, 1, NULL);
	db_commit();

	request("POST", "/pdp/data-sets",
			hm_pdp_create_json(pdp_record_keeper, hm_hex_encode((const uint8 *) extra.data, extra.len)),
			NULL, 0, false, &r);
	path = r.answered && r.status == 201 ? location_path(&r, "/pdp/data-sets/created/") : NULL;
	if (path == NULL || tx_hash_of(path) == NULL)
	{
		*error = failure("POST /pdp/data-sets", &r);
		data_set_failed(ds, *error);
		return false;
	}
	{
		Datum		set[6] = {Int64GetDatum(ds->row_id), CStringGetTextDatum("creating"),
		CStringGetTextDatum(path), CStringGetTextDatum(tx_hash_of(path)), 0, 0};

		db_begin();
		hm_exec(&set_data_set, set, "    nn", false);
		db_commit();
	}
	ds->status_url = pstrdup(path);
	return poll_creation(ds, error);
}

/* ---- adding pieces ---- */

/* uploaded -> adding: one signed AddPieces for the snapshots given. */
static void
add_pieces(Snap **batch, int n, DataSet *ds, const uint8 *key, uint64 chain_id)
{
	HmPdpPiece *pieces = palloc0(sizeof(HmPdpPiece) * n);
	const char **cids = palloc(sizeof(char *) * n);
	uint8		fwss[20];
	uint8		domain[32];
	uint8		hash[32];
	uint8		digest[32];
	uint8		sig[HM_SECP_SIGNATURE_LEN];
	HmUint256	nonce;
	char	   *nonce_text;
	StringInfoData extra;
	HmPdpResponse r;
	char	   *path;

	require_address("music.pdp_record_keeper", pdp_record_keeper, fwss);
	for (int i = 0; i < n; i++)
	{
		HmPieceCommitment pc;
		const char **keys = palloc(sizeof(char *) * 2);
		const char **values = palloc(sizeof(char *) * 2);

		if (hm_piece_cid_parse(batch[i]->piece_cid, &pc) != NULL)
			elog(ERROR, "snapshot " INT64_FORMAT " has an invalid piece CID", batch[i]->id);
		pieces[i].cid_len = hm_piece_cid_bytes(&pc, pieces[i].cid);
		keys[0] = "creatorId";
		values[0] = psprintf(INT64_FORMAT, batch[i]->creator_id);
		keys[1] = "milestone";
		values[1] = pnstrdup(batch[i]->milestone, HM_PDP_MAX_VALUE_BYTES);
		pieces[i].metadata = (HmPdpMetadata) {2, keys, values};
		cids[i] = batch[i]->piece_cid;
	}
	random_u256(&nonce);
	nonce_text = hm_u256_to_decimal(&nonce);
	hm_pdp_domain_separator(chain_id, fwss, domain);
	hm_pdp_add_pieces_hash(&ds->client_data_set_id, &nonce, pieces, n, hash);
	hm_pdp_digest(domain, hash, digest);
	if (!hm_pdp_sign(key, digest, sig))
		elog(ERROR, "could not sign AddPieces");
	initStringInfo(&extra);
	hm_pdp_add_pieces_extra_data(&extra, &nonce, pieces, n, sig);

	/* committed before the POST: after a crash the nonce says a request may exist */
	for (int i = 0; i < n; i++)
		store_snapshot(batch[i], "adding", ds->data_set_id, -1, nonce_text, NULL, NULL, NULL);
	pause_at("before_add_post");
	request("POST", psprintf("/pdp/data-sets/" INT64_FORMAT "/pieces", ds->data_set_id),
			hm_pdp_add_json(cids, n, hm_hex_encode((const uint8 *) extra.data, extra.len)),
			NULL, 0, false, &r);
	if (!r.answered)
		return;					/* outcome unknown: the listing will tell (recover_lost) */
	path = r.status == 201 ? location_path(&r, "/pdp/data-sets/") : NULL;
	if (path == NULL || tx_hash_of(path) == NULL)
	{
		/* refused: no transaction was sent, so the pieces can go again */
		for (int i = 0; i < n; i++)
		{
			batch[i]->error = failure("POST pieces", &r);
			store_snapshot(batch[i], "uploaded", -1, -1, NULL, NULL, NULL, NULL);
		}
		return;
	}
	for (int i = 0; i < n; i++)
		store_snapshot(batch[i], "adding", -1, -1, NULL, path, tx_hash_of(path), NULL);
	pause_at("after_add_post");
}

/* adding -> confirmed, or back to uploaded with the reason: polls one request's status. */
static void
poll_adding(Snap **group, int n)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), pdp_wait_ms);
	const char *url = group[0]->status_url;

	for (;;)
	{
		HmPdpResponse r;
		HmPdpStatus st;
		const char *why;

		request("GET", url, NULL, NULL, 0, true, &r);
		if (!r.answered || r.status != 200 || !hm_pdp_parse_status(r.body, false, &st, &why))
		{
			char	   *error = r.answered && r.status == 200 ? psprintf("add status: %s", why) : failure("add status", &r);

			for (int i = 0; i < n; i++)
				group[i]->error = error;
			return;
		}
		if (st.ok == 0 || strcmp(st.tx_status, "failed") == 0 || strcmp(st.tx_status, "rejected") == 0)
		{
			for (int i = 0; i < n; i++)
			{
				group[i]->error = psprintf("adding the piece failed (txStatus %s, addMessageOk %s)",
										   st.tx_status, st.ok == 0 ? "false" : "null");
				store_snapshot(group[i], "uploaded", -1, -1, NULL, NULL, NULL, NULL);
			}
			return;
		}
		if (st.done && st.ok == 1 && strcmp(st.tx_status, "confirmed") == 0)
		{
			if (st.npiece_ids != n)
			{
				for (int i = 0; i < n; i++)
					group[i]->error = psprintf("the provider confirmed %d piece ids for %d pieces", st.npiece_ids, n);
				return;
			}
			/* ids are assigned in request order, which is snapshot id order */
			for (int i = 0; i < n; i++)
				store_snapshot(group[i], "confirmed", st.data_set_id, st.piece_ids[i], NULL, url, NULL,
							   st.confirmed_tx_hash[0] ? st.confirmed_tx_hash : NULL);
			return;
		}
		if (GetCurrentTimestamp() >= deadline)
			return;
		nap(pdp_poll_interval_ms);
	}
}

/*
 * An AddPieces whose answer was lost (adding, no status URL): the piece is
 * confirmed once the data set lists it.  The request is not sent again.
 */
static void
recover_lost(Snap *s, const DataSet *ds)
{
	HmPdpResponse r;
	int64		piece_id;

	request("GET", psprintf("/pdp/data-sets/" INT64_FORMAT, ds->data_set_id), NULL, NULL, 0, true, &r);
	if (!r.answered || r.status != 200)
		s->error = failure("GET data set", &r);
	else if (hm_pdp_data_set_lists(r.body, s->piece_cid, &piece_id))
		store_snapshot(s, "confirmed", ds->data_set_id, piece_id, NULL, NULL, NULL, NULL);
}

/* Sorts snapshots by id, so a request's pieces go in snapshot order. */
static int
snap_cmp(const void *a, const void *b)
{
	const Snap *x = *(Snap *const *) a;
	const Snap *y = *(Snap *const *) b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The batch handler: carries each job's snapshot as far as it goes now. */
static void
pdp_snapshot_handler(HmJob **jobs, int njobs)
{
	Snap	   *snaps;
	Snap	  **batch;
	int			nbatch = 0;
	DataSet		ds = {0};
	uint8		key[HM_KEY_LEN];
	uint8		payer[HM_ADDRESS_LEN];
	uint64		chain_id;
	char	   *ds_error = NULL;
	bool		ds_ready;
	MemoryContext callercxt = CurrentMemoryContext;

	if (pdp_url == NULL || pdp_url[0] == '\0')
	{
		/* a setting to fix, not an error of the worker: each job says so */
		for (int i = 0; i < njobs; i++)
		{
			jobs[i]->outcome = HM_JOB_FAILED;
			jobs[i]->error = pstrdup("music.pdp_url is not set: set it to the PDP provider's service URL");
		}
		return;
	}
	if (handler_cxt == NULL)
		handler_cxt = AllocSetContextCreate(TopMemoryContext, "pdp handler", ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(handler_cxt);
	MemoryContextSwitchTo(handler_cxt);
	chain_id = hm_require_chain_id();

	snaps = palloc0(sizeof(Snap) * njobs);
	batch = palloc(sizeof(Snap *) * njobs);
	load_snapshots(jobs, njobs, snaps);
	for (int i = 0; i < njobs; i++)
		if (strcmp(snaps[i].status, "built") == 0)
			upload(&snaps[i]);

	hm_signer_load(key);
	hm_signer_address(payer);
	ds_ready = ensure_data_set(&ds, key, payer, chain_id, &ds_error);
	if (ds_ready)
	{
		for (int i = 0; i < njobs; i++)
			if (strcmp(snaps[i].status, "adding") == 0 && snaps[i].status_url == NULL)
				recover_lost(&snaps[i], &ds);
		for (int i = 0; i < njobs; i++)
			if (strcmp(snaps[i].status, "uploaded") == 0)
				batch[nbatch++] = &snaps[i];
		qsort(batch, nbatch, sizeof(Snap *), snap_cmp);
		if (nbatch > 0)
			add_pieces(batch, nbatch, &ds, key, chain_id);
	}
	explicit_bzero(key, sizeof(key));

	/* poll each request once, for all its snapshots */
	for (int i = 0; i < njobs; i++)
	{
		int			n = 0;

		if (strcmp(snaps[i].status, "adding") != 0 || snaps[i].status_url == NULL || snaps[i].error)
			continue;
		for (int j = i; j < njobs; j++)
			if (strcmp(snaps[j].status, "adding") == 0 && snaps[j].status_url != NULL &&
				strcmp(snaps[j].status_url, snaps[i].status_url) == 0)
				batch[n++] = &snaps[j];
		qsort(batch, n, sizeof(Snap *), snap_cmp);
		poll_adding(batch, n);
	}

	/* the outcomes outlive handler_cxt, which the next call resets */
	MemoryContextSwitchTo(callercxt);
	for (int i = 0; i < njobs; i++)
	{
		Snap	   *s = &snaps[i];

		s->job->external_ref = pstrdup(s->piece_cid);
		if (strcmp(s->status, "confirmed") == 0)
			s->job->outcome = HM_JOB_DONE;
		else if (s->error || (!ds_ready && ds_error && strcmp(s->status, "uploaded") == 0))
		{
			s->job->outcome = HM_JOB_FAILED;
			s->job->error = pstrdup(s->error ? s->error : ds_error);
		}
		else
			s->job->outcome = HM_JOB_SUBMITTED;
	}
}

/* Registers the pdp_snapshot job kind and the PDP settings. */
void
PdpInit(void)
{
	DefineCustomStringVariable("music.pdp_url",
							   "Service URL of the Filecoin PDP provider that stores the snapshots.",
							   "Empty: pdp_snapshot jobs fail with a hint until it is set.",
							   &pdp_url, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("music.pdp_record_keeper",
							   "The FWSS contract address the data set names as its record keeper.",
							   NULL, &pdp_record_keeper, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("music.pdp_payee",
							   "The provider's payee address, which every signed request names.",
							   NULL, &pdp_payee, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("music.pdp_wait",
							"How long one attempt waits for a piece to be findable or a transaction to settle.",
							"After that the job stays submitted and is polled again after music.retry_delay.",
							&pdp_wait_ms, 30000, 0, 3600000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("music.pdp_poll_interval",
							"Interval between polls of the provider within one attempt.",
							NULL, &pdp_poll_interval_ms, 1000, 10, 60000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomStringVariable("music.pdp_pause_at",
							   "Test only: the step at which the worker stops, to be killed there.",
							   "before_add_post or after_add_post; empty in production.",
							   &pdp_pause_at, "", PGC_SIGHUP, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	hm_register_job_kind(&(HmJobKind) {.kind = "pdp_snapshot",.batch_handler = pdp_snapshot_handler,
	.max_batch = HM_PDP_MAX_PIECES});
}
