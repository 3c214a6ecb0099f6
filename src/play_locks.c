/*
 * play_locks.c
 *		The locks that serialise play judgements per user and per client
 *		address, bounded in number whatever the size of a transaction.
 *
 * A play's overlap check must not race another transaction's play of the
 * same user (nor its IP-limit check another play from the same address), so
 * the check runs under a transaction-scoped lock on the key.  One lock per
 * key would let a transaction that records plays of 100,000 users fill the
 * shared lock table ("out of shared memory") and make every other client's
 * plays fail with it.  So locks come in two grains:
 *
 *	- the first HM_PLAY_LOCK_KEYS_PER_XACT keys of a kind that a transaction
 *	  locks get their own exclusive lock, plus an intention lock
 *	  (RowExclusiveLock, which never conflicts with itself) on the key's
 *	  bucket: ordinary transactions of different users never wait on each
 *	  other, even when their users share a bucket;
 *	- every later key locks its whole bucket exclusively (ExclusiveLock,
 *	  which conflicts with the intention lock and with itself), one of
 *	  HM_PLAY_LOCK_BUCKETS, so a transaction holds at most
 *	  HM_PLAY_LOCK_KEYS_PER_XACT + HM_PLAY_LOCK_BUCKETS locks of a kind
 *	  whatever its size.
 *
 * Two plays of one user are serialised in every combination: key lock
 * against key lock, bucket lock against the other's intention lock or
 * bucket lock.  The price of a large transaction is that, until it commits,
 * it also holds up plays of the other users in its buckets.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/qunique.h"
#include "storage/proc.h"

#include "hybridmusic.h"
#include "play_locks.h"

/* Each kind's lock spaces: its keys' own locks and its buckets' locks. */
static const HmLockSpace key_space[] = {HM_LOCK_USER_PLAYS, HM_LOCK_IP_PLAYS};
static const HmLockSpace bucket_space[] = {HM_LOCK_USER_PLAY_BUCKETS, HM_LOCK_IP_PLAY_BUCKETS};

/* Keys of each kind locked one by one in the transaction keys_xact. */
static LocalTransactionId keys_xact = InvalidLocalTransactionId;
static int	keys_locked[lengthof(key_space)];

/* How many keys of the kind this transaction has locked one by one. */
static int *
keys_locked_in_xact(HmPlayLockKind kind)
{
	if (keys_xact != MyProc->lxid)
	{
		keys_xact = MyProc->lxid;
		memset(keys_locked, 0, sizeof(keys_locked));
	}
	return &keys_locked[kind];
}

/* The bucket a key hashes into. */
static int64
bucket_of(int64 key)
{
	return hash_uint32((uint32) key ^ (uint32) ((uint64) key >> 32)) % HM_PLAY_LOCK_BUCKETS;
}

/* Orders int64 values ascending, for qsort and qunique. */
static int
compare_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * Locks one key of the kind until the end of the transaction: on its own
 * while the transaction's budget of single keys lasts, then by its bucket.
 */
void
hm_lock_play_key(HmPlayLockKind kind, int64 key)
{
	int		   *locked = keys_locked_in_xact(kind);

	if (*locked < HM_PLAY_LOCK_KEYS_PER_XACT)
	{
		hm_lock_in_mode(bucket_space[kind], bucket_of(key), RowExclusiveLock);
		if (hm_lock_in_mode(key_space[kind], key, ExclusiveLock))
			(*locked)++;
	}
	else
		hm_lock_in_mode(bucket_space[kind], bucket_of(key), ExclusiveLock);
}

/*
 * Locks many keys of the kind (in any order, repeats allowed) in an order
 * that two callers share, so that they wait for each other instead of
 * deadlocking: the keys ascending when the budget of single keys takes them
 * all, else only their buckets, ascending.
 */
void
hm_lock_play_keys(HmPlayLockKind kind, const int64 *keys, int nkeys)
{
	int64	   *sorted = palloc(sizeof(int64) * Max(nkeys, 1));
	int			distinct;

	memcpy(sorted, keys, sizeof(int64) * nkeys);
	qsort(sorted, nkeys, sizeof(int64), compare_int64);
	distinct = qunique(sorted, nkeys, sizeof(int64), compare_int64);
	if (*keys_locked_in_xact(kind) + distinct <= HM_PLAY_LOCK_KEYS_PER_XACT)
	{
		for (int i = 0; i < distinct; i++)
			hm_lock_play_key(kind, sorted[i]);
	}
	else
	{
		for (int i = 0; i < distinct; i++)
			sorted[i] = bucket_of(sorted[i]);
		qsort(sorted, distinct, sizeof(int64), compare_int64);
		distinct = qunique(sorted, distinct, sizeof(int64), compare_int64);
		for (int i = 0; i < distinct; i++)
			hm_lock_in_mode(bucket_space[kind], sorted[i], ExclusiveLock);
	}
	pfree(sorted);
}
