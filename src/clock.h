/*
 * clock.h
 *		The platform clock: the instant time-based answers are computed as of.
 */
#ifndef HYBRIDMUSIC_CLOCK_H
#define HYBRIDMUSIC_CLOCK_H

#include "postgres.h"

#include "utils/date.h"
#include "utils/timestamp.h"

extern void ClockInit(void);
extern TimestampTz hm_as_of(void);
extern DateADT hm_today(void);

#endif							/* HYBRIDMUSIC_CLOCK_H */
