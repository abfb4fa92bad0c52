/*
 * taskinfo: what the task app says about its tasks, asked once the
 * rollouts are done: GET /task_info?seed=A&seed=B... for the seeds whose
 * answers named no task (their instances' task_metadata, answer.h).  The
 * app's own name and version come from GET /info at bring-up (appinfo.h).
 * Best effort: an app without the route, or one that answers nonsense,
 * leaves the tasks unknown; it never fails a job.  At most TASKINFO_MAX_SEEDS seeds are asked for, in
 * requests of TASKINFO_BATCH seeds of at most TASKINFO_TIMEOUT_MS each
 * (none after one that got no answer), and nothing is asked once cancel
 * is set.
 */
#ifndef RUNEVAL_ORCHESTRATOR_TASKINFO_H
#define RUNEVAL_ORCHESTRATOR_TASKINFO_H

#include <pthread.h>
#include <stddef.h>

struct rollout;

#define TASKINFO_MAX_SEEDS 2000
#define TASKINFO_BATCH 100
#define TASKINFO_TIMEOUT_MS 2000

/*
 * Ask the app at base_url (headers: "Name: value", NULL-ended) about the
 * tasks of the records rs[0..n).  lock (or NULL) is held while the
 * records are read and written, never during a request: the job's, as
 * another thread may still be logging its last record.
 */
void taskinfo_fill(const char *base_url, const char *const *headers,
		   struct rollout *rs, size_t n, const volatile int *cancel,
		   pthread_mutex_t *lock);

#endif
