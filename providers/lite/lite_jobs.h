/*
 * lite_jobs: a pool of worker threads for blocking work (starting,
 * stopping and removing sandboxes), so that the server thread never
 * waits.  Threads are made on demand up to a limit and then reused; a job
 * submitted while all are busy waits in a FIFO queue.  Workers block
 * every signal.  Thread-safe.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_JOBS_H
#define RUNEVAL_PROVIDERS_LITE_LITE_JOBS_H

struct lite_jobs;

/* A pool of at most max_threads threads (none made yet). */
struct lite_jobs *lite_jobs_new(unsigned max_threads);

/* Run fn(arg) on a worker thread.  Never fails (queues when all busy). */
void lite_jobs_submit(struct lite_jobs *j, void (*fn)(void *), void *arg);

/* Wait until no job is queued or running. */
void lite_jobs_drain(struct lite_jobs *j);

/* Drain, stop and join every thread, free the pool.  NULL-safe. */
void lite_jobs_free(struct lite_jobs *j);

#endif
