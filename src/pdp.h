/*
 * pdp.h
 *		The worker's pdp_snapshot jobs (see pdp.c).
 */
#ifndef HYBRIDMUSIC_PDP_H
#define HYBRIDMUSIC_PDP_H

/* Registers the pdp_snapshot job kind and the music.pdp_* settings. */
extern void PdpInit(void);

#endif							/* HYBRIDMUSIC_PDP_H */
