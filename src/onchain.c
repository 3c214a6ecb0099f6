/*
 * onchain.c
 *		The worker's on-chain jobs.
 *
 * The kinds are accepted (milestones queue them) and wait as pending until
 * their handlers are registered here.
 */
#include "postgres.h"

#include "onchain.h"
#include "queue.h"

/* Registers the on-chain job kinds. */
void
OnchainInit(void)
{
	static const char *const kinds[] = {
		"coin_creation", "metrics_update", "revenue_share", "verification", "wallet_link"
	};

	for (size_t i = 0; i < lengthof(kinds); i++)
		hm_register_job_kind(&(HmJobKind) {.kind = kinds[i]});
}
