/*
 * hybridmusic.c
 *		Module entry point: each subsystem registers its own settings.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "chain.h"
#include "clock.h"
#include "datasafety.h"
#include "hybridmusic.h"
#include "onchain.h"
#include "pdp.h"
#include "sha254.h"
#include "signer.h"
#include "status.h"
#include "track_facts.h"
#include "wake.h"

PG_MODULE_MAGIC;

/*
 * Called when the module is loaded, by shared_preload_libraries or on first
 * use of one of its functions.
 */
void
_PG_init(void)
{
	DataSafetyInit();
	ClockInit();
	PlaysInit();
	TrackFactsInit();
	RevenueInit();
	ChartsInit();
	MilestonesInit();
	WakeInit();
	QueueInit();
	PdpInit();
	OnchainInit();
	WorkerInit();
	ChainInit();
	SignerInit();
	Sha254Init();
	StatusInit();
	MarkGUCPrefixReserved("music");
}
