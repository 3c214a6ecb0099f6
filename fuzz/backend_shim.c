/*
 * backend_shim.c
 *		The smallest stand-in for the PostgreSQL backend and libcurl that lets
 *		the parsers of src/ run in a libFuzzer process.
 *
 * Memory: palloc and friends malloc each block and keep it on a list, and
 * shim_reset_memory frees the list after each input, as the worker's memory
 * context reset does; AddressSanitizer sees every block at its real size.
 * StringInfo, psprintf and pg_snprintf come from PostgreSQL's own frontend
 * libraries (libpgcommon, libpgport).
 *
 * Errors: errstart/errfinish format nothing; at ERROR or above errfinish
 * longjmps to shim_error_target (the harness's), else the process aborts so
 * that an unexpected ERROR is a finding.
 *
 * libcurl: the easy interface is replaced by a transport that hands the
 * fuzzer's headers and body to the callbacks the code under test installed,
 * in chunks, and reports the fuzzer's HTTP status or transfer error.
 *
 * SQL-facing functions of the same source files are never called by the
 * parsers; their backend dependencies are stubs that abort.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "backend_shim.h"
#include "datasafety.h"
#include "hybridmusic.h"

/* A palloc'd block: the header sits in front of the caller's bytes. */
typedef struct ShimBlock
{
	struct ShimBlock *prev;
	struct ShimBlock *next;
	size_t		size;
	max_align_t align[];
} ShimBlock;

static ShimBlock *blocks;

sigjmp_buf *shim_error_target;
ShimAnswer	shim_answer;
volatile sig_atomic_t InterruptPending = false;
/* read by chain_rpc.c's transfer progress callback: no cancel ever comes */
volatile sig_atomic_t QueryCancelPending = false;
volatile sig_atomic_t ProcDiePending = false;

/* Links a new block of size bytes and returns its payload. */
static void *
shim_alloc(size_t size, bool zero)
{
	ShimBlock  *b = zero ? calloc(1, sizeof(ShimBlock) + size) : malloc(sizeof(ShimBlock) + size);

	if (b == NULL)
		abort();
	b->size = size;
	b->prev = NULL;
	b->next = blocks;
	if (blocks)
		blocks->prev = b;
	blocks = b;
	return b->align;
}

/* The block header of a payload pointer. */
static ShimBlock *
block_of(void *pointer)
{
	return (ShimBlock *) ((char *) pointer - offsetof(ShimBlock, align));
}

/* Unlinks a block from the list. */
static void
unlink_block(ShimBlock *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		blocks = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* Frees every block (the end of one input). */
void
shim_reset_memory(void)
{
	while (blocks)
	{
		ShimBlock  *next = blocks->next;

		free(blocks);
		blocks = next;
	}
}

/* palloc: a block freed at the next reset. */
void *
palloc(Size size)
{
	return shim_alloc(size, false);
}

/* palloc0: the same, zeroed. */
void *
palloc0(Size size)
{
	return shim_alloc(size, true);
}

/* MemoryContextAllocZero: the same, zeroed. */
void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return shim_alloc(size, true);
}

/* pfree: frees a block now. */
void
pfree(void *pointer)
{
	ShimBlock  *b = block_of(pointer);

	unlink_block(b);
	free(b);
}

/* repalloc: moves a block to a new size. */
void *
repalloc(void *pointer, Size size)
{
	ShimBlock  *old = block_of(pointer);
	void	   *fresh = shim_alloc(size, false);

	memcpy(fresh, pointer, Min(old->size, size));
	unlink_block(old);
	free(old);
	return fresh;
}

/* pstrdup: a palloc'd copy of a string. */
char *
pstrdup(const char *in)
{
	return pnstrdup(in, strlen(in));
}

/* pnstrdup: a palloc'd copy of at most len bytes of a string. */
char *
pnstrdup(const char *in, Size len)
{
	size_t		n = strnlen(in, len);
	char	   *out = palloc(n + 1);

	memcpy(out, in, n);
	out[n] = '\0';
	return out;
}

/* errstart: every report is "started"; nothing is formatted. */
bool
errstart(int elevel, const char *domain)
{
	return true;
}

/* errstart_cold: errstart for unlikely branches. */
bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

/* errfinish: an ERROR returns to the harness. */
void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (shim_error_target == NULL)
		abort();
	siglongjmp(*shim_error_target, 1);
}

/* errcode: dropped, as are the other error fields. */
int
errcode(int sqlerrcode)
{
	return 0;
}

/* errmsg: dropped. */
int
errmsg(const char *fmt,...)
{
	return 0;
}

/* errmsg_internal: dropped. */
int
errmsg_internal(const char *fmt,...)
{
	return 0;
}

/* errdetail: dropped. */
int
errdetail(const char *fmt,...)
{
	return 0;
}

/* errhint: dropped. */
int
errhint(const char *fmt,...)
{
	return 0;
}

/* SQL-facing code is outside the fuzzed parsers: reaching it is a finding. */
/* cstring_to_text: only music.piece_cid's result. */
text *
cstring_to_text(const char *s)
{
	abort();
}

/* pg_detoast_datum_packed: only SQL arguments. */
struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	abort();
}

/* hm_arg_text: only SQL arguments. */
char *
hm_arg_text(FunctionCallInfo fcinfo, int argno, const char *name, int max_chars)
{
	abort();
}

/* hm_require_installed_version: only on entry from SQL. */
void
hm_require_installed_version(void)
{
	abort();
}

/* DefineCustomBoolVariable: only sha254.c's setting, at module load. */
void
DefineCustomBoolVariable(const char *name, const char *short_desc, const char *long_desc,
						 bool *valueAddr, bool bootValue, GucContext context, int flags,
						 GucBoolCheckHook check_hook, GucBoolAssignHook assign_hook,
						 GucShowHook show_hook)
{
	abort();
}

/* The fake transport's handle: the callbacks the code under test set. */
typedef struct ShimCurl
{
	curl_write_callback write;
	void	   *write_data;
	curl_write_callback header;
	void	   *header_data;
	char	   *error_buffer;
} ShimCurl;

/* curl_slist_append: a real list, as the code under test frees it. */
struct curl_slist *
curl_slist_append(struct curl_slist *list, const char *string)
{
	struct curl_slist *item = calloc(1, sizeof(*item));
	struct curl_slist *last = list;

	item->data = strdup(string);
	if (list == NULL)
		return item;
	while (last->next)
		last = last->next;
	last->next = item;
	return list;
}

/* curl_slist_free_all: frees that list. */
void
curl_slist_free_all(struct curl_slist *list)
{
	while (list)
	{
		struct curl_slist *next = list->next;

		free(list->data);
		free(list);
		list = next;
	}
}

/* curl_easy_init: a handle that records the callbacks. */
CURL *
curl_easy_init(void)
{
	return calloc(1, sizeof(ShimCurl));
}

/* curl_easy_cleanup: frees the handle. */
void
curl_easy_cleanup(CURL *curl)
{
	free(curl);
}

/* curl_easy_strerror: one text for every fake failure. */
const char *
curl_easy_strerror(CURLcode code)
{
	return "fake transport error";
}

/* curl_easy_setopt: keeps the callbacks and their data. */
#undef curl_easy_setopt
CURLcode
curl_easy_setopt(CURL *curl, CURLoption option,...)
{
	ShimCurl   *c = (ShimCurl *) curl;
	va_list		args;

	va_start(args, option);
	switch (option)
	{
		case CURLOPT_WRITEFUNCTION:
			c->write = va_arg(args, curl_write_callback);
			break;
		case CURLOPT_WRITEDATA:
			c->write_data = va_arg(args, void *);
			break;
		case CURLOPT_HEADERFUNCTION:
			c->header = va_arg(args, curl_write_callback);
			break;
		case CURLOPT_HEADERDATA:
			c->header_data = va_arg(args, void *);
			break;
		case CURLOPT_ERRORBUFFER:
			c->error_buffer = va_arg(args, char *);
			break;
		default:
			break;
	}
	va_end(args);
	return CURLE_OK;
}

/* curl_easy_getinfo: the fuzzer's HTTP status (0 after a transfer error). */
#undef curl_easy_getinfo
CURLcode
curl_easy_getinfo(CURL *curl, CURLINFO info,...)
{
	va_list		args;

	va_start(args, info);
	if (info == CURLINFO_RESPONSE_CODE)
		*va_arg(args, long *) = shim_answer.curl_code == 0 ? shim_answer.http_status : 0;
	va_end(args);
	return CURLE_OK;
}

/* Hands data to a callback in chunks as libcurl would; false when it refuses some. */
static bool
deliver(curl_write_callback callback, void *userdata, const uint8_t *data, size_t len, size_t chunk)
{
	size_t		done = 0;

	while (done < len)
	{
		size_t		n = chunk == 0 ? len - done : Min(chunk, len - done);
		char	   *copy = malloc(n);	/* the callback must not keep libcurl's buffer */
		size_t		taken;

		memcpy(copy, data + done, n);
		taken = callback(copy, 1, n, userdata);
		free(copy);
		if (taken != n)
			return false;
		done += n;
	}
	return true;
}

/* Header lines go one at a time, as libcurl calls the header callback per line. */
static void
deliver_headers(ShimCurl *c)
{
	const char *p = shim_answer.headers;
	const char *end;

	if (p == NULL || c->header == NULL)
		return;
	end = p + shim_answer.headers_len;
	while (p < end)
	{
		const char *eol = memchr(p, '\n', end - p);
		size_t		n = eol ? (size_t) (eol - p + 1) : (size_t) (end - p);

		deliver(c->header, c->header_data, (const uint8_t *) p, n, 0);
		p += n;
	}
}

/* curl_easy_perform: the fuzzer's transfer error, or its headers and body. */
CURLcode
curl_easy_perform(CURL *curl)
{
	ShimCurl   *c = (ShimCurl *) curl;

	if (shim_answer.curl_code != 0)
	{
		if (c->error_buffer)
			strcpy(c->error_buffer, "fake transport failure");
		return (CURLcode) shim_answer.curl_code;
	}
	deliver_headers(c);
	if (c->write && !deliver(c->write, c->write_data, shim_answer.body, shim_answer.body_len,
							 shim_answer.chunk))
		return CURLE_WRITE_ERROR;
	return CURLE_OK;
}
