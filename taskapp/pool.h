/*
 * pool: a fixed set of worker threads that run queued items in order.
 *
 * An item is embedded in the caller's job struct; run(item, slot) is
 * called on a worker (slot = that worker's number, 0..n-1, unique among
 * running items) and owns the item from then on.  Workers block every
 * signal, so signals reach the main thread only.
 */
#ifndef RUNEVAL_TASKAPP_POOL_H
#define RUNEVAL_TASKAPP_POOL_H

#include <stdbool.h>

struct taskapp_pool_item {
	void (*run)(struct taskapp_pool_item *item, unsigned slot);
	struct taskapp_pool_item *next;		/* the pool's */
};

struct taskapp_pool;

/* Start n workers (n >= 1).  Aborts if threads cannot be made. */
struct taskapp_pool *taskapp_pool_new(unsigned n);

/* Queue item; false once the pool is stopping (item not taken). */
bool taskapp_pool_submit(struct taskapp_pool *p, struct taskapp_pool_item *item);

/* Items running and waiting right now. */
void taskapp_pool_load(struct taskapp_pool *p, unsigned *running,
		       unsigned *queued);

/* Run what is queued, then stop and join the workers, and free.  NULL ok. */
void taskapp_pool_free(struct taskapp_pool *p);

#endif
