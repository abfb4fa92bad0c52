/*
 * taskinfo: what the task app says about itself and its tasks, asked once
 * the rollouts are done: GET /info (the app's name and version) and GET
 * /task_info?seed=A&seed=B... for the seeds whose answers named no task
 * (their instances' task_metadata, answer.h).  Best effort: an app without
 * these routes, or one that answers nonsense, leaves things unknown; it
 * never fails a job.  At most TASKINFO_MAX_SEEDS seeds are asked for, in
 * requests of TASKINFO_BATCH seeds of at most TASKINFO_TIMEOUT_MS each
 * (none after one that got no answer), and nothing is asked once cancel
 * is set.
 */
#ifndef RUNEVAL_ORCHESTRATOR_TASKINFO_H
#define RUNEVAL_ORCHESTRATOR_TASKINFO_H

#include <stddef.h>

struct rollout;

#define TASKINFO_MAX_SEEDS 2000
#define TASKINFO_BATCH 100
#define TASKINFO_TIMEOUT_MS 2000

struct taskinfo_app {
	char *name;		/* service.task.name (or id), or NULL */
	char *version;		/* service.version (or service.task.version) */
};

/*
 * Ask the app at base_url (headers: "Name: value", NULL-ended) about the
 * records rs[0..n) and, with app (may be NULL), about itself.
 */
void taskinfo_fill(const char *base_url, const char *const *headers,
		   struct rollout *rs, size_t n, struct taskinfo_app *app,
		   const volatile int *cancel);

void taskinfo_app_release(struct taskinfo_app *app);

#endif
