/*
 * seedq: one seed queue per job, from which every healthy sandbox pulls
 * work as its in-flight limit allows (work stealing).
 *
 *	struct seedq s;
 *	seedq_init(&s, job->rollouts, job->n_rollouts, &policy);
 *	... each worker:  i = seedq_take(&s, now, &wait_ns);
 *	                  ... run rs[i] ...
 *	                  seedq_finish(&s, i, SEEDQ_DONE);
 *	seedq_release(&s);
 *
 * The records stay where the caller put them (in seed order); the queue
 * holds their indices.  A rollout that failed transiently comes back
 * after a full-jitter backoff while it has retries left (SEEDQ_RETRY); one
 * whose sandbox died goes back to the front of the queue at once
 * (SEEDQ_REQUEUE, its own budget of SEEDQ_MAX_REQUEUES).  Everything else
 * is final.  When the final failures pass --max-failures the queue stops:
 * seedq_take() gives nothing more and seedq_stopped() says why.
 *
 * Thread-safe: every function takes the queue's lock.  A worker that
 * waits for work registers a waker (seedq_watch), called (under the lock,
 * so it must only signal: e.g. curl_multi_wakeup) when work comes back or
 * the queue stops.
 */
#ifndef RUNEVAL_ORCHESTRATOR_SEEDQ_H
#define RUNEVAL_ORCHESTRATOR_SEEDQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rollout;

/* How often a rollout goes back to the queue because its sandbox died. */
#define SEEDQ_MAX_REQUEUES 3
#define SEEDQ_MAX_WATCHERS 128

struct seedq_policy {
	unsigned retries;		/* --retries: extra tries, transient */
	long backoff_base_ms;		/* first retry within [0, base] */
	long backoff_cap_ms;
	long max_failures;		/* stop past this many; < 0 = never */
	/* does a final record count as failed?  NULL: when it is not ok
	   (the job also counts pipeline failures, eval.h) */
	bool (*failed)(const struct rollout *r, void *arg);
	void *failed_arg;
};

enum seedq_verdict {
	SEEDQ_DONE,		/* final: ok or failed */
	SEEDQ_RETRY,		/* transient failure: again after a backoff */
	SEEDQ_REQUEUE,		/* its sandbox died: again at once */
	SEEDQ_CANCELLED,	/* interrupted: neither final nor again */
};

struct seedq_delayed {
	size_t idx;
	uint64_t at_ns;		/* monotonic: not before */
};

struct seedq_watcher {
	void (*wake)(void *arg);
	void *arg;
};

struct seedq {
	pthread_mutex_t lock;
	struct rollout *rs;		/* borrowed: the job's records */
	size_t n;
	struct seedq_policy policy;
	size_t *ring;			/* pending indices: a deque */
	size_t head, len;
	struct seedq_delayed *delayed;	/* retries waiting out a backoff */
	size_t n_delayed, cap_delayed;
	unsigned char *requeues;	/* per record */
	size_t inflight, finished, failed;
	bool stopped;
	char why[160];			/* why it stopped */
	struct seedq_watcher watchers[SEEDQ_MAX_WATCHERS];
	size_t n_watchers;
};

/* Queue the records of rs whose state is pending, in order. */
void seedq_init(struct seedq *s, struct rollout *rs, size_t n,
		const struct seedq_policy *policy);
void seedq_release(struct seedq *s);

/*
 * The index of the next record to run (now counted in flight), or -1
 * when none is ready: then *wait_ns says how long until a retry is due
 * (UINT64_MAX when none is waiting).
 */
long seedq_take(struct seedq *s, uint64_t now_ns, uint64_t *wait_ns);

/*
 * Record idx has ended its try (see enum seedq_verdict).  Returns what
 * became of it: SEEDQ_DONE when it is final (out of retries or requeues,
 * or the queue stopped).  Unless that is SEEDQ_DONE or SEEDQ_CANCELLED,
 * another worker may take the record at once: the caller must not touch
 * it after this call.
 */
enum seedq_verdict seedq_finish(struct seedq *s, size_t idx,
				enum seedq_verdict v);

/* Is any work left: queued, waiting for a retry, or in flight? */
bool seedq_more(struct seedq *s);

/* Anything queued or waiting (not counting what is in flight)? */
bool seedq_pending(struct seedq *s);

/* Stop handing out work (the first reason is kept). */
void seedq_stop(struct seedq *s, const char *why);

/* Has it stopped?  The reason is copied into why (may be NULL). */
bool seedq_stopped(struct seedq *s, char *why, size_t size);

/* Records that ended failed, so far. */
size_t seedq_failed(struct seedq *s);

void seedq_watch(struct seedq *s, void (*wake)(void *), void *arg);
void seedq_unwatch(struct seedq *s, void *arg);

#endif
