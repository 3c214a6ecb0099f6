/*
 * wake.h
 *		Waking the background worker: its latch in shared memory, and the
 *		commit callback that sets it once a transaction that queued a job
 *		commits.
 */
#ifndef HYBRIDMUSIC_WAKE_H
#define HYBRIDMUSIC_WAKE_H

/* Registers the commit callback and, when preloaded, the shared memory. */
extern void WakeInit(void);

/* Asks for the worker to be woken when the current transaction commits. */
extern void hm_wake_at_commit(void);

/* Wakes the worker now, if one runs. */
extern void hm_wake_worker(void);

/* Called by the worker: publishes its latch (unpublished at exit). */
extern void hm_wake_publish_latch(void);

#endif							/* HYBRIDMUSIC_WAKE_H */
