/*
 * job: run the phases of one eval job (see job.h): the job-level
 * preparation (journal, the mode's bundle), the seed queue and its log,
 * one thread per sandbox slot (job_slot.c), the conclusion
 * (job_conclude.c).
 */
#include "job_int.h"

#include "console.h"
#include "eval.h"
#include "journal.h"
#include "result.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_log.h"
#include "rv_redact.h"
#include "seedlog.h"

#include <ctype.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_RETRY_BASE_MS 100	/* first rollout retry within 0.1 s */
#define JOB_RETRY_CAP_MS 5000

const char *job_status_name(enum job_status s)
{
	static const char *const names[] = {
		[JOB_OK] = "ok", [JOB_FAILED] = "failed",
		[JOB_ERROR] = "error", [JOB_INTERRUPTED] = "interrupted",
	};

	return names[s];
}

/* Does the job's mode give each shard a sandbox of its own? */
bool job_sandboxed(const struct job *job)
{
	return (job->mode->flags & MODE_SANDBOXED) != 0;
}

/* The job's snapshot goes once every shard is done: a job-level span. */
static void job_snapshot_delete(struct job *job)
{
	struct provider_config cfg = { .job_id = job->id,
				       .api_url = job->api_url };
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;
	size_t i;

	if (!job->snapshot)
		return;
	i = spans_begin(&job->spans, rv_phase_name(RV_PHASE_TEARDOWN),
			job->snapshot_name, -1);
	rc = provider_snapshot_delete(job->provider, &cfg, job->snapshot, &e);
	spans_end(&job->spans, i, rc, 1, e.msg);
	if (rc != RV_OK && job->err.code == RV_OK) {
		job->err = e;
		job->failed_phase = RV_PHASE_TEARDOWN;
	}
}

/*
 * What the job needs before any shard: a journal when the mode makes
 * sandboxes that may outlive it (not on a --lite server: its sandboxes
 * go with it, and it goes with runeval, even killed: PDEATHSIG; a
 * journal of its loopback URL could never be reaped), then the mode's
 * own preparation (a job-level span).
 */
static enum rv_code job_mode_prepare(struct job *job, struct rv_err *err)
{
	struct mode_job mj = { .app_dir = job->app_dir };
	char *state = journal_state_dir(), *cache;
	enum rv_code rc;
	size_t i;

	if (job_sandboxed(job) && !job->lite.pid) {
		rc = journal_open(NULL, job->id, &job->journal, err);
		if (rc != RV_OK) {
			rv_err_prefix(err, "no sandbox is created without a "
				      "journal");
			free(state);
			return rc;
		}
	}
	if (!job->mode->prepare) {
		free(state);
		return RV_OK;
	}
	/* the bundle cache lives beside the journals */
	cache = rv_xasprintf("%s/bundles", state);
	mj.cache_dir = cache;
	i = spans_begin(&job->spans, rv_phase_name(job->mode->prepare_phase),
			NULL, -1);
	rc = mode_prepare(job->mode, &mj, err);
	spans_end(&job->spans, i, rc, 1, err ? err->msg : NULL);
	job->bundle = mj.bundle;
	free(cache);
	free(state);
	return rc;
}

static void job_mode_release(struct job *job)
{
	struct mode_job mj = { .app_dir = job->app_dir, .bundle = job->bundle };

	mode_release(job->mode, &mj);
	job->bundle = NULL;
}

static void job_run_shards(struct job *job)
{
	unsigned m = job->n_sandboxes ? job->n_sandboxes : 1;
	struct job_shard *sh = rv_xcalloc(m, sizeof(*sh));

	for (unsigned k = 0; k < m; k++)
		job_shard_init(&sh[k], job, k);
	/* slot 0 on this thread; if a thread cannot start, run it here */
	for (unsigned k = 1; k < m; k++)
		sh[k].threaded = !pthread_create(&sh[k].thread, NULL,
						 job_shard_run, &sh[k]);
	job_shard_run(&sh[0]);
	for (unsigned k = 1; k < m; k++) {
		if (sh[k].threaded)
			pthread_join(sh[k].thread, NULL);
		else
			job_shard_run(&sh[k]);
	}
	for (unsigned k = 0; k < m; k++) {
		job_shard_merge(job, &sh[k]);
		job_shard_release(&sh[k]);
	}
	free(sh);
	job_snapshot_delete(job);
	/*
	 * The slots' threads are gone and what they freed is scattered
	 * through the heap: give its free pages back before the results
	 * and reports are written, which would otherwise add to it.
	 */
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

void job_outcome(const struct job *job, struct job_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->id = job->id;
	out->opt = job->opt;
	out->provider = job->provider_name;
	out->mode = job->mode_name;
	out->api_url = job->api_url;
	out->target = job->target;
	out->server = job->lite.pid ? job->lite.server : NULL;
	out->image = job->image;
	out->image_id = job->image_id;
	out->image_present = job->image_present;
	out->n_sandboxes = job->n_sandboxes ? job->n_sandboxes : 1;
	out->sandbox = job->sandbox;
	out->app_desc = job->app_desc;
	out->start_cmd = job->start_cmd;
	out->port = job->port > 0 ? job->port : 0;
	out->env_config = job->env_config;
	out->appenv = &job->appenv;
	out->policy_config = job->policy_config;
	out->app_info = &job->app_info;
	rv_redact_hint(job->api_key, out->key_hint, sizeof(out->key_hint));
	out->key_minted = job->key_minted;
	out->out_dir = job->out_dir;
	out->log_lock = &job->dir_lock;
	out->result_path = job->out_is_temp ? NULL : job->result_path;
	out->log_path = job->log_path;
	out->shards = job->shards;
	out->n_shards = job->n_shards;
	out->status = job->status;
	out->exit_code = job->exit_code;
	out->error = job->err.msg;
	out->failed_phase = job->failed_phase;
	out->log_tail = job->health.log_tail;
	out->spans = &job->spans;
	out->rollouts = job->rollouts;
	out->n_rollouts = job->n_rollouts;
	out->end_ns = job->end_ns;
	out->rollouts_cpu_ns = job->rollouts_cpu_ns;
}

/* --max-failures counts pipeline failures too. */
static bool job_failed(const struct rollout *r, void *arg)
{
	return eval_class(r, arg) != EVALSTATS_OK;
}

/* The queue of the seeds not done yet, and the log of those that end. */
static void job_sched_init(struct job *job)
{
	const struct cli_options *opt = job->opt;
	struct seedq_policy p = {
		.retries = opt->retries,
		.backoff_base_ms = JOB_RETRY_BASE_MS,
		.backoff_cap_ms = JOB_RETRY_CAP_MS,
		.max_failures = opt->max_failures,
		.failed = job_failed, .failed_arg = (void *)opt,
	};
	struct rv_err e = RV_ERR_INIT;
	struct job_outcome o;
	json_t *config;

	if (opt->max_failures_pct >= 0)
		p.max_failures = (long)((double)job->n_rollouts *
					opt->max_failures_pct / 100.0);
	seedq_init(&job->sched, job->rollouts, job->n_rollouts, &p);
	job_outcome(job, &o);
	config = result_config_json(&o);
	if (seedlog_open(job->out_dir, job->dir_lock, job->id, job->run,
			 config, &job->seedlog, &e) != RV_OK)
		rv_warn("%s: this job cannot be resumed", e.msg);
	json_decref(config);
}

int job_run(struct job *job)
{
	struct rv_err e = RV_ERR_INIT;

	pthread_mutex_init(&job->lock, NULL);
	pthread_cond_init(&job->create_cv, NULL);
	job_sched_init(job);
	pthread_cond_init(&job->snap_cv, NULL);
	if (job->opt->snapshot_after_install && job->mode->up_restored) {
		job->snap_state = JOB_SNAP_PENDING;
		snprintf(job->snapshot_name, sizeof(job->snapshot_name),
			 "runeval-%s-snapshot", job->id);
		for (char *p = job->snapshot_name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (job_mode_prepare(job, &e) != RV_OK) {
		job->err = e;
		job->failed_phase = RV_PHASE_PROVISION;
	} else {
		job_run_shards(job);
	}
	journal_close(job->journal);
	job->journal = NULL;
	job_mode_release(job);
	job_mark_not_run(job);
	seedlog_close(job->seedlog);
	job->seedlog = NULL;
	job->end_ns = rv_now_ns();
	console_progress_done(job->console);
	job_conclude(job);
	seedq_release(&job->sched);
	pthread_cond_destroy(&job->create_cv);
	pthread_cond_destroy(&job->snap_cv);
	pthread_mutex_destroy(&job->lock);
	return job->exit_code;
}
