/*
 * onchain.h
 *		The worker's on-chain jobs: coin creation, metrics, verification,
 *		wallet links and revenue shares carried to the contracts.
 */
#ifndef HYBRIDMUSIC_ONCHAIN_H
#define HYBRIDMUSIC_ONCHAIN_H

/* Registers the on-chain job kinds and settings. */
extern void OnchainInit(void);

#endif							/* HYBRIDMUSIC_ONCHAIN_H */
