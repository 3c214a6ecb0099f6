/*
 * track_facts.h
 *		A backend's cache of the track facts every play needs.
 */
#ifndef TRACK_FACTS_H
#define TRACK_FACTS_H

#include "postgres.h"

extern void TrackFactsInit(void);
extern bool hm_track_facts(int64 track_id, int32 *duration_ms, int64 *creator_id);

#endif							/* TRACK_FACTS_H */
