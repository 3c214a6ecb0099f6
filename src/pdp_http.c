/*
 * pdp_http.c
 *		HTTP and JSON of a Filecoin PDP provider's API.
 *
 * Everything the provider sends is untrusted: answers are capped at 1 MiB,
 * parsed leniently where Curio adds fields and strictly where we act on a
 * value, and no answer can make this code raise an error or hang (every
 * transfer has music.http_timeout, and a pending interrupt aborts it).
 */
#include "postgres.h"

#include <curl/curl.h>
#include <jansson.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "pdp_http.h"

#define MAX_RESPONSE (1024 * 1024)

typedef struct Collected
{
	StringInfoData text;
	bool		too_large;
} Collected;

typedef struct Upload
{
	const uint8 *data;
	size_t		len;
	size_t		sent;
} Upload;

/* curl write callback: keeps the answer, up to MAX_RESPONSE bytes. */
static size_t
collect_body(char *chunk, size_t size, size_t nmemb, void *userdata)
{
	Collected  *c = userdata;
	size_t		n = size * nmemb;

	if (c->text.len + n > MAX_RESPONSE)
	{
		c->too_large = true;
		return 0;
	}
	appendBinaryStringInfo(&c->text, chunk, n);
	return n;
}

/* curl header callback: picks out Location and Retry-After. */
static size_t
collect_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	HmPdpResponse *r = userdata;
	size_t		n = size * nmemb;
	char	   *copy = pnstrdup(line, n);
	char	   *value;

	if ((value = strchr(copy, ':')) != NULL)
	{
		*value++ = '\0';
		while (*value == ' ' || *value == '\t')
			value++;
		value[strcspn(value, "\r\n")] = '\0';
		if (pg_strcasecmp(copy, "location") == 0)
			r->location = pstrdup(value);
		else if (pg_strcasecmp(copy, "retry-after") == 0)
		{
			char	   *end;
			long		s = strtol(value, &end, 10);

			if (end != value && *end == '\0' && s >= 0 && s <= 86400)
				r->retry_after_s = (int) s;
		}
	}
	pfree(copy);
	return n;
}

/* curl read callback: the upload, from memory. */
static size_t
send_upload(char *buffer, size_t size, size_t nitems, void *userdata)
{
	Upload	   *u = userdata;
	size_t		n = Min(size * nitems, u->len - u->sent);

	memcpy(buffer, u->data + u->sent, n);
	u->sent += n;
	return n;
}

/* curl progress callback: aborts the transfer when an interrupt is pending. */
static int
abort_on_interrupt(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
				   curl_off_t ultotal, curl_off_t ulnow)
{
	return InterruptPending ? 1 : 0;
}

/* Sends one request; see pdp_http.h. */
void
hm_pdp_http(const char *method, const char *base_url, const char *path,
			const char *json, const uint8 *raw, size_t raw_len,
			int timeout_ms, HmPdpResponse *response)
{
	CURL	   *curl = curl_easy_init();
	struct curl_slist *headers = NULL;
	char		curl_error[CURL_ERROR_SIZE] = "";
	Collected	body;
	Upload		upload = {raw, raw_len, 0};
	char	   *url;
	CURLcode	rc;

	memset(response, 0, sizeof(*response));
	response->retry_after_s = -1;
	if (curl == NULL)
	{
		strlcpy(response->error, "could not initialise libcurl", sizeof(response->error));
		return;
	}
	/* Location headers and our paths are root-relative: join at the origin's root */
	url = psprintf("%.*s%s", (int) (strlen(base_url) - (base_url[strlen(base_url) - 1] == '/' ? 1 : 0)),
				   base_url, path);
	initStringInfo(&body.text);
	body.too_large = false;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long) timeout_ms);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, response);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_on_interrupt);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
	if (raw != NULL)
	{
		/* with Content-Length, from memory: the upload never idles */
		headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, send_upload);
		curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
		curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) raw_len);
		headers = curl_slist_append(headers, "Expect:");
	}
	else if (json != NULL)
	{
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) strlen(json));
	}
	else if (strcmp(method, "POST") == 0)
	{
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
	}
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
	{
		response->answered = true;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
		response->body = body.text.data;
	}
	else
		snprintf(response->error, sizeof(response->error), "%s %s: %s", method, path,
				 body.too_large ? "answer larger than 1 MiB" : curl_error[0] ? curl_error : curl_easy_strerror(rc));
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	pfree(url);
}

/* A JSON value as palloc'd compact text. */
static char *
dump(json_t *value)
{
	char	   *text = json_dumps(value, JSON_COMPACT);
	char	   *copy = pstrdup(text ? text : "null");

	free(text);
	json_decref(value);
	return copy;
}

/* {"pieceCid": cid} */
char *
hm_pdp_piece_json(const char *piece_cid)
{
	return dump(json_pack("{s:s}", "pieceCid", piece_cid));
}

/* {"recordKeeper": rk, "extraData": hex} */
char *
hm_pdp_create_json(const char *record_keeper, const char *extra_data_hex)
{
	return dump(json_pack("{s:s,s:s}", "recordKeeper", record_keeper, "extraData", extra_data_hex));
}

/* {"pieces": [{"pieceCid": c, "subPieces": [{"subPieceCid": c}]}...], "extraData": hex} */
char *
hm_pdp_add_json(const char *const *piece_cids, int npieces, const char *extra_data_hex)
{
	json_t	   *pieces = json_array();

	for (int i = 0; i < npieces; i++)
		json_array_append_new(pieces, json_pack("{s:s,s:[{s:s}]}", "pieceCid", piece_cids[i],
												"subPieces", "subPieceCid", piece_cids[i]));
	return dump(json_pack("{s:o,s:s}", "pieces", pieces, "extraData", extra_data_hex));
}

/* A JSON integer that is a safe non-negative id, or -1. */
static int64
read_id(json_t *value)
{
	if (!json_is_integer(value) || json_integer_value(value) < 0)
		return -1;
	return (int64) json_integer_value(value);
}

/* Reads a status body; see pdp_http.h. */
bool
hm_pdp_parse_status(const char *body, bool create, HmPdpStatus *status, const char **why)
{
	json_t	   *root = json_loads(body ? body : "", 0, NULL);
	json_t	   *ok;
	json_t	   *tx_status;
	json_t	   *hash;
	json_t	   *ids;

	memset(status, 0, sizeof(*status));
	status->data_set_id = -1;
	if (!json_is_object(root))
	{
		json_decref(root);
		*why = "the status is not a JSON object";
		return false;
	}
	tx_status = json_object_get(root, "txStatus");
	if (!json_is_string(tx_status) || json_string_length(tx_status) >= sizeof(status->tx_status))
	{
		json_decref(root);
		*why = "the status has no txStatus";
		return false;
	}
	strlcpy(status->tx_status, json_string_value(tx_status), sizeof(status->tx_status));
	ok = json_object_get(root, create ? "ok" : "addMessageOk");
	status->ok = json_is_true(ok) ? 1 : json_is_false(ok) ? 0 : -1;
	status->done = json_is_true(json_object_get(root, create ? "dataSetCreated" : "piecesAdded"));
	status->data_set_id = read_id(json_object_get(root, "dataSetId"));
	hash = json_object_get(root, "confirmedTxHash");
	if (json_is_string(hash) && json_string_length(hash) == 66)
		strlcpy(status->confirmed_tx_hash, json_string_value(hash), sizeof(status->confirmed_tx_hash));
	ids = json_object_get(root, "confirmedPieceIds");
	if (json_is_array(ids) && json_array_size(ids) > 0 && json_array_size(ids) <= 1000)
	{
		status->npiece_ids = (int) json_array_size(ids);
		status->piece_ids = palloc(sizeof(int64) * status->npiece_ids);
		for (int i = 0; i < status->npiece_ids; i++)
			if ((status->piece_ids[i] = read_id(json_array_get(ids, i))) < 0)
			{
				json_decref(root);
				*why = "confirmedPieceIds holds something other than ids";
				return false;
			}
	}
	json_decref(root);
	return true;
}

/* Whether a data set listing holds piece_cid; see pdp_http.h. */
bool
hm_pdp_data_set_lists(const char *body, const char *piece_cid, int64 *piece_id)
{
	json_t	   *root = json_loads(body ? body : "", 0, NULL);
	json_t	   *pieces = json_object_get(root, "pieces");
	bool		found = false;

	for (size_t i = 0; json_is_array(pieces) && i < json_array_size(pieces) && !found; i++)
	{
		json_t	   *p = json_array_get(pieces, i);
		json_t	   *cid = json_object_get(p, "pieceCid");

		if (json_is_string(cid) && strcmp(json_string_value(cid), piece_cid) == 0 &&
			(*piece_id = read_id(json_object_get(p, "pieceId"))) >= 0)
			found = true;
	}
	json_decref(root);
	return found;
}
