/*
 * backend_shim.h
 *		What the fuzz harnesses need from backend_shim.c: a memory "context"
 *		reset after each input, ereport that longjmps back to the harness, and
 *		a fake libcurl transport that answers with the fuzzer's bytes.
 */
#ifndef HM_FUZZ_BACKEND_SHIM_H
#define HM_FUZZ_BACKEND_SHIM_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

/* Frees everything palloc'd since the last reset (a memory context reset). */
extern void shim_reset_memory(void);

/*
 * Set by a harness around a call that may ereport(ERROR): errfinish at ERROR
 * or above longjmps here; with no target set, an ERROR aborts (a finding).
 */
extern sigjmp_buf *shim_error_target;

/* What the fake transport answers to the next request. */
typedef struct ShimAnswer
{
	int			curl_code;		/* 0: the transfer completes; else its CURLcode */
	long		http_status;
	const char *headers;		/* header lines, each ending "\r\n", or NULL */
	size_t		headers_len;
	const uint8_t *body;
	size_t		body_len;
	size_t		chunk;			/* bytes handed to the write callback at a time (0: all) */
} ShimAnswer;

extern ShimAnswer shim_answer;

#endif							/* HM_FUZZ_BACKEND_SHIM_H */
