/*
 * signer.h
 *		The worker's signing key, read from the file music.signer_key_file.
 *
 * music.signer_key_file is PGC_SUSET and GUC_SUPERUSER_ONLY (ordinary roles
 * see neither it nor its value in pg_settings).  The file holds the key as
 * 64 hex digits, "0x" optional, surrounding whitespace ignored; it must
 * belong to the server's user and must not be readable by group or others.
 * The key never reaches a log, an error message or a table: callers keep it
 * in a local buffer and explicit_bzero() it after use.
 */
#ifndef HM_SIGNER_H
#define HM_SIGNER_H

#include "secp.h"

#define HM_KEY_LEN 32

/* Defines music.signer_key_file; called from _PG_init. */
extern void SignerInit(void);

/*
 * Reads the key into key32.  Raises ERROR with a clear reason (setting
 * unset, file missing, readable by group or others, malformed content,
 * invalid key) and never the key's bytes.
 */
extern void hm_signer_load(uint8 *key32);

/* The address of the configured key (raises the same errors as hm_signer_load). */
extern void hm_signer_address(uint8 *address20);

#endif							/* HM_SIGNER_H */
