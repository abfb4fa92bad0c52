/*
 * job_conclude: what a job's end makes of its slots and records (see
 * job_int.h): each slot folded into the job, a record for every seed
 * that did not finish, then the job's status and exit code.
 */
#include "job_int.h"

#include "eval.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "seedlog.h"
#include "signals.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Status and exit code from what happened. */
void job_conclude(struct job *job)
{
	size_t failed, pipeline, unfinished = 0;
	char why[160];
	bool stopped = seedq_stopped(&job->sched, why, sizeof(why));

	/* failed: without a reward; pipeline: a status not allowed */
	eval_count(job->rollouts, job->n_rollouts, job->opt, &pipeline,
		   &failed);
	for (size_t i = 0; i < job->n_rollouts; i++)
		unfinished += job->rollouts[i].state != ROLLOUT_DONE;
	if (signals_stop) {
		job->status = JOB_INTERRUPTED;
		job->exit_code = CLI_EXIT_INTERRUPTED;
		rv_errf(&job->err, RV_ERR_INTR, "interrupted by %s",
			signals_first() == SIGTERM ? "SIGTERM" : "SIGINT");
	} else if (job->teardown_err.code != RV_OK) {
		job->status = JOB_ERROR;
		job->exit_code = CLI_EXIT_INFRA;
		job->err = job->teardown_err;
		job->failed_phase = RV_PHASE_TEARDOWN;
	} else if (unfinished && job->err.code != RV_OK &&
		   (!stopped || job->gave_up)) {
		/* seeds left that no sandbox could run; a configuration
		   only the app could check (--policy) is a usage error */
		job->status = JOB_ERROR;
		job->exit_code = job->err.code == RV_ERR_USAGE ?
			CLI_EXIT_USAGE : CLI_EXIT_INFRA;
		if (job->gave_up)
			rv_err_prefix(&job->err, "%s; the first failure", why);
	} else if (failed || pipeline) {
		struct rv_buf b = RV_BUF_INIT;

		job->status = JOB_FAILED;
		job->exit_code = pipeline ? CLI_EXIT_PIPELINE :
			CLI_EXIT_ROLLOUTS;
		eval_failure_line(job->rollouts, job->n_rollouts, job->opt, &b);
		if (stopped)
			rv_errf(&job->err, RV_ERR_PROTO, "%s; %s", why, b.data);
		else if (job->err.code == RV_OK ||
			 job->failed_phase != RV_PHASE_ROLLOUTS)
			rv_errf(&job->err, RV_ERR_PROTO, "%s", b.data);
		rv_buf_release(&b);
	} else {
		job->status = JOB_OK;
		job->exit_code = CLI_EXIT_OK;
		rv_err_clear(&job->err);
		job->failed_phase = RV_PHASE_NONE;
	}
}

/* Seeds that did not finish still get a record that says why. */
void job_mark_not_run(struct job *job)
{
	char why[160];
	bool stopped = seedq_stopped(&job->sched, why, sizeof(why));

	/* the job's first failure, merged: a configuration the app refused
	   (--policy) came up and is why, not a sandbox that did not */
	bool refused = job->err.code == RV_ERR_USAGE;

	for (size_t i = 0; i < job->n_rollouts; i++) {
		struct rollout *r = &job->rollouts[i];
		const char *reason = signals_stop ? "interrupted" : stopped ?
			why : refused ? "the task app refused the job's "
			"configuration" : "no sandbox came up to run it";

		if (r->state == ROLLOUT_PENDING) {
			r->state = ROLLOUT_CANCELLED;
			if (r->error)	/* waiting for a retry */
				rollout_fail(r, "not retried: %s; last try: "
					     "%s", reason, r->error);
			else
				rollout_fail(r, "not run: %s", reason);
		}
		/* a try that did not end is a try: a resume keeps it */
		if (r->state == ROLLOUT_CANCELLED && r->attempts)
			seedlog_add(job->seedlog, r);
	}
}

/* Fold one finished slot into the job: spans, first failure, notes. */
void job_shard_merge(struct job *job, struct job_shard *sh)
{
	spans_take(&job->spans, &sh->spans);
	if (sh->teardown_err.code != RV_OK &&
	    job->teardown_err.code == RV_OK)
		job->teardown_err = sh->teardown_err;
	if (sh->err.code != RV_OK && job->err.code == RV_OK) {
		job->err = sh->err;
		job->failed_phase = sh->failed_phase;
		/* the tail and log of the sandbox that failed, taken then
		   (job_shard_fail), not a replacement's */
		if (sh->err_tail) {
			free(job->health.log_tail);
			job->health.log_tail = sh->err_tail;
			sh->err_tail = NULL;
		}
		if (sh->err_log) {
			free(job->log_path);
			job->log_path = sh->err_log;
			sh->err_log = NULL;
		}
	}
	if (sh->index == 0 && sh->log_path && job->err.code == RV_OK) {
		free(job->log_path);
		job->log_path = rv_xstrdup(sh->log_path);
	}
	if (sh->index == 0)
		snprintf(job->sandbox, sizeof(job->sandbox), "%s", sh->label);
	job->shards = rv_xreallocarray(job->shards, job->n_shards + 1,
				       sizeof(*job->shards));
	job->shards[job->n_shards] = (struct outcome_shard){ .index = sh->index };
	snprintf(job->shards[job->n_shards].name,
		 sizeof(job->shards->name), "%s", sh->name);
	snprintf(job->shards[job->n_shards++].label,
		 sizeof(job->shards->label), "%s", sh->label);
	if (sh->info.known && !job->app_info.known)
		app_info_take(&job->app_info, &sh->info);
	if (sh->kept) {
		char *all = job->kept ? rv_xasprintf("%s\n%s", job->kept,
						     sh->kept) :
			rv_xstrdup(sh->kept);

		free(job->kept);
		job->kept = all;
	}
}
