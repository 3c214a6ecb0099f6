/*
 * hybridmusic.h
 *		Shared declarations: argument checking, SPI queries, subsystem init.
 */
#ifndef HYBRIDMUSIC_H
#define HYBRIDMUSIC_H

#include "postgres.h"

#include "executor/spi.h"
#include "storage/lockdefs.h"
#include "fmgr.h"
#include "utils/date.h"

/* Upper bound on prepared query parameters; raise when a query needs more. */
#define HM_MAX_ARGS 16

/*
 * A parameterised SQL statement, prepared on first use and kept for the
 * life of the backend.
 */
typedef struct HmQuery
{
	const char *sql;
	int			nargs;
	Oid			argtypes[HM_MAX_ARGS];
	SPIPlanPtr	plan;
} HmQuery;

/*
 * The earliest time a play may carry: 2000-01-01 00:00 UTC, PostgreSQL's
 * timestamp epoch.  Older dates are mistakes, and would open chart weeks
 * and trending windows centuries ago.
 */
#define HM_EARLIEST_PLAY ((TimestampTz) 0)
#define HM_EARLIEST_PLAY_TEXT "2000-01-01 00:00:00+00"

/* Advisory lock namespaces, apart from pg_advisory_lock()'s own (1 and 2). */
typedef enum HmLockSpace
{
	HM_LOCK_USER_PLAYS = 0x4d01,
	HM_LOCK_IP_PLAYS = 0x4d02,
	HM_LOCK_REFRESH = 0x4d03,
	HM_LOCK_MONTH = 0x4d04,			/* payments share it; close_month() excludes them */
	HM_LOCK_USER_PLAY_BUCKETS = 0x4d05, /* see play_locks.c */
	HM_LOCK_IP_PLAY_BUCKETS = 0x4d06
} HmLockSpace;

/* hybridmusic.c */
extern void _PG_init(void);

/* plays.c */
extern void PlaysInit(void);

/* revenue.c */
extern void RevenueInit(void);

/* charts.c */
extern void ChartsInit(void);
extern void hm_refresh_charts(void);

/* args.c */
extern int64 hm_arg_id(FunctionCallInfo fcinfo, int argno, const char *name);
extern bool hm_arg_optional_id(FunctionCallInfo fcinfo, int argno, const char *name, int64 *id);
extern int32 hm_arg_int(FunctionCallInfo fcinfo, int argno, const char *name);
extern bool hm_arg_bool(FunctionCallInfo fcinfo, int argno, const char *name);
extern char *hm_arg_text(FunctionCallInfo fcinfo, int argno, const char *name, int max_chars);
extern char *hm_arg_optional_text(FunctionCallInfo fcinfo, int argno, const char *name, int max_chars);
extern char *hm_arg_country(FunctionCallInfo fcinfo, int argno);
extern void hm_check_range(const char *name, int64 value, int64 min, int64 max);
extern void hm_check_birth_year(int32 birth_year);
extern char *hm_iso_date(DateADT date);

/* cid.c */
extern void hm_check_cid(const char *cid, const char *name);
extern bool hm_read_varint(const uint8 *buf, int len, int *pos, uint64 *value);
extern int	hm_base32_decode(const char *in, uint8 *out, int out_size);

/* query.c */
extern uint64 hm_exec(HmQuery *query, Datum *values, const char *nulls, bool read_only);
extern uint64 hm_exec_latest(HmQuery *query, Datum *values, const char *nulls);
extern int64 hm_insert_returning_id(HmQuery *query, Datum *values, const char *nulls);
extern void hm_return_rows(FunctionCallInfo fcinfo, uint64 rows);
extern bool hm_get_bool(int row, int col);
extern int64 hm_get_int64(int row, int col, bool *isnull);
extern void hm_require_row(HmQuery *query, int64 id, const char *what);
extern void hm_require_user(int64 user_id);
extern int64 hm_require_creator(int64 creator_id);
extern int32 hm_require_track(int64 track_id);
extern bool hm_lock_in_mode(HmLockSpace space, int64 key, LOCKMODE mode);
extern void hm_lock(HmLockSpace space, int64 key);
extern void hm_lock_shared(HmLockSpace space, int64 key);
extern Datum hm_text_or_null(const char *s, char *null_flag);


/* ---- milestones, job queue and background worker (issue 4) ---- */

/* milestones.c */
extern void MilestonesInit(void);
extern int64 hm_detect_milestones_all(void);
extern int	hm_close_due_periods(void);

/* queue.c: see queue.h for the job handler interface */
extern void QueueInit(void);

/* worker.c */
extern void WorkerInit(void);

#endif							/* HYBRIDMUSIC_H */
