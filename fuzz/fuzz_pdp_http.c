/*
 * fuzz_pdp_http.c
 *		A PDP provider's answers through src/pdp_http.c: the response headers
 *		(Location, Retry-After), the body limit, and the JSON of the
 *		CreateStatus/AddStatus answers and of a data set listing.
 *
 * Input: byte 0 picks the HTTP status or a transfer error, byte 1 the body's
 * chunk size; then the header lines, up to the first "\r\n\r\n", then the
 * body.  Whatever arrives, hm_pdp_http must fill the response within its
 * bounds, and the parsers must answer true or false.
 */
#define _GNU_SOURCE				/* memmem */
#include "postgres.h"

#include <curl/curl.h>

#include "backend_shim.h"
#include "pdp_http.h"

static const long http_statuses[] = {200, 201, 202, 204, 301, 400, 404, 409, 429, 500, 503};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HmPdpResponse response;
	HmPdpStatus status;
	const char *why;
	int64		piece_id;
	const uint8_t *rest;
	const uint8_t *split;
	size_t		rest_len;

	if (size < 2)
		return 0;
	memset(&shim_answer, 0, sizeof(shim_answer));
	if (data[0] < 2)
		shim_answer.curl_code = data[0] == 0 ? CURLE_OPERATION_TIMEDOUT : CURLE_RECV_ERROR;
	else
		shim_answer.http_status = http_statuses[data[0] % lengthof(http_statuses)];
	shim_answer.chunk = data[1];
	rest = data + 2;
	rest_len = size - 2;
	split = memmem(rest, rest_len, "\r\n\r\n", 4);
	shim_answer.headers = (const char *) rest;
	shim_answer.headers_len = split ? (size_t) (split - rest) + 2 : 0;
	shim_answer.body = split ? split + 4 : rest;
	shim_answer.body_len = split ? rest_len - (split + 4 - rest) : rest_len;

	hm_pdp_http("POST", "http://pdp.invalid/", "/pdp/data-sets", "{}", NULL, 0, 1000, &response);
	if (response.answered)
	{
		if (response.body == NULL || strlen(response.body) > shim_answer.body_len)
			abort();
		if (response.retry_after_s < -1 || response.retry_after_s > 86400)
			abort();
		if (response.location && strpbrk(response.location, "\r\n"))
			abort();
		if (hm_pdp_parse_status(response.body, data[1] & 1, &status, &why))
		{
			if (status.tx_status[sizeof(status.tx_status) - 1] != '\0' ||
				status.npiece_ids < 0 || status.npiece_ids > 1000 ||
				(status.npiece_ids > 0 && status.piece_ids == NULL))
				abort();
		}
		else if (why == NULL)
			abort();
		if (hm_pdp_data_set_lists(response.body, "bafkzcibcaapao7cqrsjd4dwtmm", &piece_id) &&
			piece_id < 0)
			abort();
	}
	else if (response.error[0] == '\0')
		abort();
	shim_reset_memory();
	return 0;
}
