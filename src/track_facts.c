/*
 * track_facts.c
 *		A backend's cache of the track facts every play needs.
 *
 * record_play needs a track's duration and creator for every play, and
 * neither changes once the track is published, so each backend keeps them
 * after the first read instead of querying music.tracks per play.  The
 * cache is emptied whenever it could be wrong:
 *	- the trigger tracks_facts_changed (on an UPDATE of duration_ms or
 *	  creator_id, a DELETE or a TRUNCATE of music.tracks) sends a relcache
 *	  invalidation of music.tracks, which reaches this backend at its next
 *	  command and every other backend when the change commits;
 *	- any relcache reset, and dropping or re-creating the table (a new
 *	  extension), which invalidate the relation too;
 *	- an aborted transaction or subtransaction, which may have read a track
 *	  that it created and that no longer exists.
 * It holds at most MAX_CACHED_TRACKS tracks and starts again when full.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "datasafety.h"
#include "hybridmusic.h"
#include "track_facts.h"

HM_FUNCTION(music_track_facts_changed);

#define MAX_CACHED_TRACKS 100000

/* One cached track. */
typedef struct TrackFactsEntry
{
	int64		track_id;		/* hash key */
	int32		duration_ms;
	int64		creator_id;
} TrackFactsEntry;

static HTAB *facts = NULL;
/* music.tracks, whose invalidations empty the cache; InvalidOid when empty */
static Oid	tracks_relid = InvalidOid;

static HmQuery read_track = {
	"SELECT duration_ms, creator_id FROM music.tracks WHERE id = $1", 1, {INT8OID}, NULL
};

/* Forgets every cached track. */
static void
forget_tracks(void)
{
	if (facts != NULL)
		hash_destroy(facts);
	facts = NULL;
	tracks_relid = InvalidOid;
}

/* Relcache callback: music.tracks changed, or every relation did. */
static void
tracks_invalidated(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == tracks_relid)
		forget_tracks();
}

/* Transaction callback: an abort may have made cached tracks disappear. */
static void
transaction_ended(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		forget_tracks();
}

/* Subtransaction callback: the same for a rolled back subtransaction. */
static void
subtransaction_ended(SubXactEvent event, SubTransactionId subid,
					 SubTransactionId parent_subid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		forget_tracks();
}

/* Registers the callbacks that keep the cache right. */
void
TrackFactsInit(void)
{
	CacheRegisterRelcacheCallback(tracks_invalidated, (Datum) 0);
	RegisterXactCallback(transaction_ended, NULL);
	RegisterSubXactCallback(subtransaction_ended, NULL);
}

/*
 * Sets a track's duration and creator and returns true, or returns false
 * when the track does not exist.  The caller is connected to SPI.
 */
bool
hm_track_facts(int64 track_id, int32 *duration_ms, int64 *creator_id)
{
	TrackFactsEntry *entry;
	bool		found;
	Datum		value = Int64GetDatum(track_id);

	if (facts != NULL)
	{
		entry = hash_search(facts, &track_id, HASH_FIND, NULL);
		if (entry != NULL)
		{
			*duration_ms = entry->duration_ms;
			*creator_id = entry->creator_id;
			return true;
		}
	}
	if (hm_exec(&read_track, &value, NULL, true) == 0)
		return false;
	*duration_ms = (int32) hm_get_int64(0, 1, NULL);
	*creator_id = hm_get_int64(0, 2, NULL);

	if (facts != NULL && hash_get_num_entries(facts) >= MAX_CACHED_TRACKS)
		forget_tracks();
	if (facts == NULL)
	{
		HASHCTL		ctl;

		tracks_relid = get_relname_relid("tracks", get_namespace_oid("music", false));
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(TrackFactsEntry);
		facts = hash_create("hybridmusic track facts", 1024, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	entry = hash_search(facts, &track_id, HASH_ENTER, &found);
	entry->duration_ms = *duration_ms;
	entry->creator_id = *creator_id;
	return true;
}

/*
 * track_facts_changed(): AFTER UPDATE OF duration_ms, creator_id OR DELETE
 * OR TRUNCATE ... FOR EACH STATEMENT trigger on music.tracks; makes every
 * backend forget its cached tracks (this one at its next command, the
 * others when the change commits).
 */
static Datum
music_track_facts_changed_body(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		elog(ERROR, "track_facts_changed must be a FOR EACH STATEMENT trigger");
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
