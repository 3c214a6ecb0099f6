/*
 * chain.c
 *		The chain settings: which node, which chain, which factory contract.
 *
 * Every layer of the chain client reads its configuration from here, so a
 * setting is defined once and checked once (a malformed address or URL is
 * refused when it is set, not when the worker first needs it).
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "address.h"
#include "chain.h"

char	   *hm_rpc_url = NULL;
int			hm_chain_id = 0;
int			hm_http_timeout_ms = 10000;
char	   *hm_factory_address = NULL;

/* GUC check: '' or an http(s) URL. */
static bool
check_rpc_url(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0' ||
		strncmp(*newval, "http://", 7) == 0 || strncmp(*newval, "https://", 8) == 0)
		return true;
	GUC_check_errdetail("The node URL must start with http:// or https://.");
	return false;
}

/* GUC check: '' or a valid address (EIP-55 checked when mixed case). */
static bool
check_address(char **newval, void **extra, GucSource source)
{
	uint8		address[HM_ADDRESS_LEN];
	const char *reason;

	if (*newval == NULL || (*newval)[0] == '\0' || hm_address_parse(*newval, address, &reason))
		return true;
	GUC_check_errdetail("%s", reason);
	return false;
}

/* Defines the chain settings. */
void
ChainInit(void)
{
	DefineCustomStringVariable("music.rpc_url",
							   "JSON-RPC endpoint of the chain's node (http or https).",
							   "Empty means no chain: on-chain jobs wait.  Hidden from ordinary roles, "
							   "since a provider's URL may carry an API key.",
							   &hm_rpc_url, "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY, check_rpc_url, NULL, NULL);
	DefineCustomIntVariable("music.chain_id",
							"Chain id that transactions and wallet links are bound to.",
							"0 means unset.  The worker checks it against eth_chainId before its first send.",
							&hm_chain_id, 0, 0, INT_MAX,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("music.http_timeout",
							"Longest wait for one HTTP request to a node or storage provider.",
							NULL,
							&hm_http_timeout_ms, 10000, 100, 600000,
							PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomStringVariable("music.factory_address",
							   "Address of the CreatorCoinFactory contract.",
							   "\"0x\" followed by 40 hex digits; empty means unset.",
							   &hm_factory_address, "",
							   PGC_SUSET, 0, check_address, NULL, NULL);
}

/* music.chain_id, or ERROR 55000 when unset. */
uint64
hm_require_chain_id(void)
{
	if (hm_chain_id <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("music.chain_id is not set"),
				 errhint("Set music.chain_id to the id of the chain the contracts are deployed on (31337 for anvil).")));
	return (uint64) hm_chain_id;
}

/* music.factory_address as bytes, or ERROR 55000 when unset. */
void
hm_require_factory_address(uint8 *address20)
{
	const char *reason;

	if (hm_factory_address == NULL || hm_factory_address[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("music.factory_address is not set"),
				 errhint("Set music.factory_address to the CreatorCoinFactory address that scripts/deploy-contracts printed.")));
	/* the check hook accepted it, so this cannot fail */
	if (!hm_address_parse(hm_factory_address, address20, &reason))
		elog(ERROR, "music.factory_address is invalid: %s", reason);
}

/* A client for music.rpc_url with music.http_timeout. */
HmRpc *
hm_rpc_open_configured(MemoryContext context, HmRpcError *err)
{
	return hm_rpc_open(hm_rpc_url, hm_http_timeout_ms, context, err);
}
