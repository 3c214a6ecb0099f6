/*
 * queue.h
 *		The job queue: claiming, running and settling jobs.
 *
 * Each subsystem registers its job kinds from its Init; a kind without a
 * handler is never claimed, so its jobs wait as pending until a release
 * brings the handler.
 */
#ifndef HYBRIDMUSIC_QUEUE_H
#define HYBRIDMUSIC_QUEUE_H

#include "postgres.h"

#include "utils/palloc.h"

typedef enum HmJobOutcome
{
	HM_JOB_DONE,				/* finished; nothing left to do */
	HM_JOB_SUBMITTED,			/* sent out; poll again after the retry delay */
	HM_JOB_FAILED				/* try again after a backoff, or die */
} HmJobOutcome;

/* A claimed job, copied out of the claiming transaction. */
typedef struct HmJob
{
	int64		id;
	char	   *kind;
	int64		creator_id;		/* 0 when the job has no creator */
	char	   *payload;		/* jsonb as text */
	int32		attempts;		/* including this one */
	char	   *external_ref;	/* NULL until a handler sets one */

	/* set by the handler (or by the runner when the handler raises) */
	HmJobOutcome outcome;
	char	   *error;
	int32		poll_in_ms;		/* submitted: look again after this long (0:
								 * music.retry_delay) */
} HmJob;

/*
 * Carries out one job.  A handler either sets job->outcome (and error,
 * external_ref) or raises an ERROR, which fails the attempt.
 */
typedef void (*HmJobHandler) (HmJob *job);

/*
 * Carries out due jobs of one kind together (at most the kind's max_batch)
 * and settles each: sets every job's outcome (and error, external_ref), or
 * raises an ERROR, which fails the attempt of every job it was given.
 */
typedef void (*HmJobBatchHandler) (HmJob **jobs, int njobs);

typedef struct HmJobKind
{
	const char *kind;
	HmJobHandler handler;		/* one job at a time, or NULL */
	HmJobBatchHandler batch_handler;	/* due jobs of this kind together, or
										 * NULL */
	int			max_batch;		/* most jobs one batch_handler call takes */

	/*
	 * True when the handler works in the database: it runs inside the
	 * transaction that settles the job, so its effects and the job's "done"
	 * commit together.  False for network handlers, which the worker runs
	 * with no transaction open.
	 */
	bool		in_transaction;
} HmJobKind;

/*
 * Makes a kind known, from the Init of the subsystem that carries it out
 * (the jobs table accepts exactly the registered kinds).  A kind with
 * neither handler is accepted and waits as pending until a release brings
 * its handler.  The struct is copied; kind must be a string constant.
 */
extern void hm_register_job_kind(const HmJobKind *kind);

/* Who drains: the background worker, or a backend calling process_jobs(). */
typedef enum HmDrainer
{
	HM_DRAINER_WORKER,
	HM_DRAINER_BACKEND
} HmDrainer;

extern int	hm_process_jobs(int max_jobs, HmDrainer drainer, MemoryContext jobcxt);
extern int	hm_recover_worker_jobs(void);
extern int64 hm_next_job_due_ms(void);

#endif							/* HYBRIDMUSIC_QUEUE_H */
