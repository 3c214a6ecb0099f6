/*
 * play_locks.h
 *		The locks that serialise play judgements per user and per client
 *		address, bounded in number whatever the size of a transaction.
 */
#ifndef PLAY_LOCKS_H
#define PLAY_LOCKS_H

#include "postgres.h"

/* Distinct keys of one kind a transaction locks one by one before it switches to buckets. */
#define HM_PLAY_LOCK_KEYS_PER_XACT 16
/* Buckets a kind's keys hash into: the most locks a transaction holds per kind after the switch. */
#define HM_PLAY_LOCK_BUCKETS 128

/* What a play lock serialises: one user's plays, or one client address's. */
typedef enum HmPlayLockKind
{
	HM_PLAY_LOCK_USER,
	HM_PLAY_LOCK_IP
} HmPlayLockKind;

extern void hm_lock_play_key(HmPlayLockKind kind, int64 key);
extern void hm_lock_play_keys(HmPlayLockKind kind, const int64 *keys, int nkeys);

#endif							/* PLAY_LOCKS_H */
