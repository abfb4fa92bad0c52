/*
 * rv_slab: objects of one size carved from blocks of many, for records
 * that live as long as the job.
 *
 *	static struct rv_slab mores = RV_SLAB_INIT(sizeof(struct more));
 *
 *	struct more *m = rv_slab_zalloc(&mores);
 *	...
 *	rv_slab_free(&mores, m);
 *
 * Why: a record's small allocation made between two rollouts lands in a
 * hole that the rollout's transient buffers left, and pins it.  One such
 * malloc per seed, interleaved with every rollout's buffers, left the
 * heap of a 1000-seed job ~0.5 MB larger than what it held.  A slab keeps
 * the records together, 64 kB at a time.
 *
 * Thread-safe.  rv_slab_zalloc() never returns NULL (it aborts on out of
 * memory, as rv_xmalloc) and returns zeroed memory aligned for any object.
 * rv_slab_free() takes only what the same slab gave (or NULL) and puts it
 * back for the next rv_slab_zalloc().  The blocks are never returned to
 * malloc: they stay reachable from the slab until the process exits.
 *
 * Under a memory checker each object is its own calloc, so that what
 * the checker sees of a record (overflow, use after free, leak) it still
 * sees: in an ASan build, and when RUNEVAL_VALGRIND is set (as
 * scripts/run-tests.sh sets it under valgrind).
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_SLAB_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_SLAB_H

#include <pthread.h>
#include <stddef.h>

struct rv_slab_block;
struct rv_slab_free;

struct rv_slab {
	pthread_mutex_t lock;
	size_t size;			/* of one object, as given */
	struct rv_slab_block *blocks;	/* newest first */
	size_t used;			/* objects carved from blocks */
	struct rv_slab_free *free;	/* objects given back */
};

#define RV_SLAB_INIT(object_size) \
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .size = (object_size) }

void *rv_slab_zalloc(struct rv_slab *slab);
void rv_slab_free(struct rv_slab *slab, void *object);

#endif
