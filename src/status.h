/*
 * status.h
 *		The worker's heartbeats in shared memory, read by music.worker_status.
 */
#ifndef STATUS_H
#define STATUS_H

/* The steps of the worker's loop whose last completion is recorded. */
typedef enum HmWorkerStep
{
	HM_STEP_DRAIN = 0,
	HM_STEP_FOLD,
	HM_STEP_REFRESH,
	HM_STEP_CALENDAR,
	HM_STEP_COUNT
} HmWorkerStep;

extern void StatusInit(void);
extern void hm_status_worker_started(void);
extern void hm_status_step_done(HmWorkerStep step);

#endif							/* STATUS_H */
