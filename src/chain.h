/*
 * chain.h
 *		The chain settings, and the chain client's functions for SQL.
 *
 * Settings defined in chain.c (all PGC_SUSET, so postgresql.conf or a
 * superuser sets them; the worker rereads them on SIGHUP):
 *   music.rpc_url          the JSON-RPC endpoint (http or https), '' = unset;
 *                          GUC_SUPERUSER_ONLY (a provider URL may hold a key)
 *   music.chain_id         the chain's id; 0 = unset
 *   music.http_timeout     per-request HTTP timeout, in ms (default 10 s);
 *                          shared by every HTTP client of the extension
 *   music.factory_address  the CreatorCoinFactory, "0x" + 40 hex; '' = unset
 * music.signer_key_file is signer.c's (see signer.h).
 */
#ifndef HM_CHAIN_H
#define HM_CHAIN_H

#include "chain_rpc.h"

extern char *hm_rpc_url;
extern int	hm_chain_id;
extern int	hm_http_timeout_ms;
extern char *hm_factory_address;

/* Defines the settings above; called from _PG_init. */
extern void ChainInit(void);

/*
 * music.chain_id and music.factory_address, checked: raises ERROR
 * (SQLSTATE 55000, with a hint naming the setting) when either is unset.
 */
extern uint64 hm_require_chain_id(void);
extern void hm_require_factory_address(uint8 *address20);

/*
 * A client for music.rpc_url with music.http_timeout; NULL with *err filled
 * when the URL is unset or invalid.  Never raises an error.
 */
extern HmRpc *hm_rpc_open_configured(MemoryContext context, HmRpcError *err);

#endif							/* HM_CHAIN_H */
