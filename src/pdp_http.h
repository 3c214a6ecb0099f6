/*
 * pdp_http.h
 *		HTTP and JSON of a Filecoin PDP provider's API (Curio's pdp/ routes,
 *		shared/design/pdp-protocol.md §2).  The .c file uses jansson, so it
 *		never includes fmgr or builtins (the json_object clash).
 */
#ifndef HYBRIDMUSIC_PDP_HTTP_H
#define HYBRIDMUSIC_PDP_HTTP_H

#include "postgres.h"

/* One HTTP exchange with the provider. */
typedef struct HmPdpResponse
{
	bool		answered;		/* false: network error, see error */
	long		status;
	char	   *body;			/* palloc'd, NUL-terminated, at most 1 MiB */
	char	   *location;		/* the Location header, or NULL */
	int			retry_after_s;	/* Retry-After in seconds, or -1 */
	char		error[256];
} HmPdpResponse;

/*
 * Sends one request to base_url + path.  json (a JSON text) or raw (an
 * upload) is the body; both NULL sends none.  Never raises an error for the
 * network or the provider's answer.
 */
extern void hm_pdp_http(const char *method, const char *base_url, const char *path,
						const char *json, const uint8 *raw, size_t raw_len,
						int timeout_ms, HmPdpResponse *response);

/* Request bodies (palloc'd JSON texts). */
extern char *hm_pdp_piece_json(const char *piece_cid);
extern char *hm_pdp_create_json(const char *record_keeper, const char *extra_data_hex);
extern char *hm_pdp_add_json(const char *const *piece_cids, int npieces, const char *extra_data_hex);

/* A CreateStatus or AddStatus answer, read leniently (unknown fields ignored). */
typedef struct HmPdpStatus
{
	char		tx_status[16];	/* pending, confirmed, failed, rejected */
	int			ok;				/* ok / addMessageOk: -1 null, 0 false, 1 true */
	bool		done;			/* dataSetCreated / piecesAdded */
	int64		data_set_id;	/* -1 when absent */
	int64	   *piece_ids;		/* confirmedPieceIds, ascending */
	int			npiece_ids;
	char		confirmed_tx_hash[67];	/* "" when absent */
} HmPdpStatus;

/* Reads a status body; false (with *why) when it is not the JSON expected. */
extern bool hm_pdp_parse_status(const char *body, bool create, HmPdpStatus *status, const char **why);

/* Whether GET /pdp/data-sets/{id} lists piece_cid; sets *piece_id. */
extern bool hm_pdp_data_set_lists(const char *body, const char *piece_cid, int64 *piece_id);

#endif							/* HYBRIDMUSIC_PDP_HTTP_H */
