/*
 * fuzz_piece_cid.c
 *		PieceCID v2 strings, as a PDP provider lists them, through the strict
 *		parser of src/piece_cid.c.
 *
 * Input: any bytes, taken as a C string.  A string the parser accepts must
 * print back to itself (the parser promises canonical text only) and
 * describe a raw size within what the tree holds.  The same text also goes
 * through hm_check_cid (src/cid.c), the check of CIDs given in SQL, which
 * raises its ERROR through the shim's longjmp; it must accept every
 * PieceCID the strict parser accepts.
 */
#include "postgres.h"

#include "backend_shim.h"
#include "hybridmusic.h"
#include "piece_cid.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = palloc(size + 1);
	HmPieceCommitment pc;
	const char *why;
	sigjmp_buf	on_error;
	volatile bool checked = false;

	memcpy(text, data, size);
	text[size] = '\0';
	why = hm_piece_cid_parse(text, &pc);
	if (why == NULL)
	{
		uint8		bytes[HM_PIECE_CID_MAX_BYTES];

		if (strcmp(hm_piece_cid_text(&pc), text) != 0)
			abort();
		if (hm_piece_cid_bytes(&pc, bytes) > HM_PIECE_CID_MAX_BYTES)
			abort();
		(void) hm_piece_raw_size(&pc);
	}
	else if (why[0] == '\0')
		abort();
	if (sigsetjmp(on_error, 0) == 0)
	{
		shim_error_target = &on_error;
		hm_check_cid(text, "cid");
		checked = true;
	}
	shim_error_target = NULL;
	if (why == NULL && !checked)
		abort();
	shim_reset_memory();
	return 0;
}
