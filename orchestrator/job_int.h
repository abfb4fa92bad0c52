/*
 * job_int: what the files of a job share (job.c, the job; job_slot.c, a
 * sandbox slot's life; job_bringup.c, its bring-up steps;
 * job_rollouts.c, its rollouts; job_conclude.c, the end).  Not for other
 * modules: they see job.h.
 *
 * Locking: job->lock guards the job's fields the slots share (err,
 * console, creates in flight, bring-up counts, the snapshot); a slot's
 * own struct is its thread's.
 */
#ifndef RUNEVAL_ORCHESTRATOR_JOB_INT_H
#define RUNEVAL_ORCHESTRATOR_JOB_INT_H

#include "job.h"

#include "mode.h"
#include "provider.h"

/*
 * One sandbox slot: a sandbox (a process in local mode) that pulls seeds
 * from the job's queue.  A job has n_sandboxes of them, each run by its
 * own thread.  When its sandbox fails to come up or is lost mid-job, the
 * slot tears it down and brings up another, --sandbox-retries times.
 */
struct job_shard {
	struct job *job;
	unsigned index;
	unsigned gen;			/* replacements so far */
	struct provider_config pcfg;
	struct mode_app app;
	struct health_wait health;
	struct spans spans;		/* merged into job->spans at the end */
	struct provider_attempts attempts;
	char name[96];			/* client-chosen sandbox name */
	char label[64];			/* sandbox label of its spans */
	char *log_path;
	struct app_info info;		/* the app's /info */
	struct rv_err err;		/* its first failure */
	enum rv_phase failed_phase;
	char *err_tail;			/* that failure's log tail and log */
	char *err_log;			/* file, taken when it happened (not
					   a replacement's) */
	struct rv_err teardown_err;	/* its first failed teardown */
	char *kept;			/* --keep notes of its sandboxes */
	bool up;			/* its current sandbox is healthy */
	pthread_t thread;
	bool threaded;
};

static inline void job_lock(struct job *job)
{
	pthread_mutex_lock(&job->lock);
}

static inline void job_unlock(struct job *job)
{
	pthread_mutex_unlock(&job->lock);
}

/* job_slot.c */

/* A slot of job at index; job_shard_release() frees what it holds. */
void job_shard_init(struct job_shard *sh, struct job *job, unsigned index);
void job_shard_release(struct job_shard *sh);

/* The slot's thread: its whole life (pthread start routine). */
void *job_shard_run(void *arg);

/* Keep the slot's first failure (and where it happened). */
void job_shard_fail(struct job_shard *sh, enum rv_phase phase,
		    const struct rv_err *e);

/* A bring-up failed or a sandbox was lost: the slot's failure, counted
   for the job (job_check_down). */
void job_note_failure(struct job_shard *sh, enum rv_phase phase,
		      const struct rv_err *e);

/* A phase of the slot on the console: begun, ended (span i's time). */
void job_console_begin(struct job_shard *sh, enum rv_phase phase);
void job_console_end(struct job_shard *sh, size_t i, enum rv_phase phase,
		     enum rv_code rc, const char *error);

/* job_bringup.c */

/* The mode's health step: healthy, /info read, --policy offered. */
enum rv_code job_wait_ready(struct mode_app *app, void *arg,
			    struct rv_err *err);

/* Run the bring-up steps, one span each; RV_OK once healthy. */
enum rv_code job_bring_up(struct job_shard *sh,
			  const struct mode_step *steps);

/* End span i with the remote attempts made since mark. */
void job_shard_span_end(struct job_shard *sh, size_t i, size_t mark,
			enum rv_code rc, unsigned attempts,
			const char *error);

/* --snapshot-after-install: say whether it exists (id taken, or NULL);
   wait for it (NULL: none, start cold). */
void job_snapshot_publish(struct job *job, char *id);
const char *job_snapshot_wait(struct job *job);

/* job_rollouts.c */

/*
 * The headers of every request to the app: the key (*key_header, for
 * the caller to free), Content-Type when json, the preview's; NULL-ended,
 * malloc'ed.
 */
const char **job_app_headers(const struct job_shard *sh, bool json,
			     char **key_header);

/* The rollouts phase; RV_ERR_CONNECT when the sandbox was lost (its
   rollouts requeued). */
enum rv_code job_rollouts(struct job_shard *sh);

/* Did the app die during the rollouts?  The slot's failure, if so. */
void job_check_app_alive(struct job_shard *sh);

/* job_conclude.c */

/* Fold one finished slot into the job: spans, first failure, notes. */
void job_shard_merge(struct job *job, struct job_shard *sh);

/* Seeds that did not finish get a record that says why. */
void job_mark_not_run(struct job *job);

/* Status and exit code from what happened. */
void job_conclude(struct job *job);

#endif
