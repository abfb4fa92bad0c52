/*
 * job_slot: one sandbox slot's life (see job_int.h): its sandbox's name
 * and settings, the loop that brings a sandbox up, runs rollouts from the
 * queue and tears it down, and the replacement of a sandbox that failed
 * to come up or was lost.
 */
#include "job_int.h"

#include "console.h"
#include "journal.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "seedq.h"
#include "signals.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_STOP_GRACE_MS 3000
#define JOB_REPLACE_BASE_MS 200	/* pause before a replacement */
#define JOB_REPLACE_CAP_MS 2000
#define JOB_DOWN_FAILURES 8	/* bring-ups failed, none up: give up */

/* The journal hook of mode_app: one record per sandbox event. */
static enum rv_code job_journal(struct mode_app *app, const char *event,
				void *arg, struct rv_err *err)
{
	struct job_shard *sh = arg;
	struct job *job = sh->job;

	if (!job->journal)
		return RV_OK;
	return journal_record(job->journal, event, job->provider_name,
			      job->api_url, sh->name,
			      app->sb ? app->sb->id : NULL, err);
}

/*
 * The name of the slot's next sandbox: unique, lowercase, recognisable:
 * runeval-<job>-<slot>, then -<slot>-<replacement>, and in a resumed
 * job runeval-<job>-r<run>-<slot>...
 */
static void job_shard_name(struct job_shard *sh)
{
	struct job *job = sh->job;
	char run[16] = "", gen[16] = "";

	if (!job_sandboxed(job)) {
		snprintf(sh->name, sizeof(sh->name), "%s-%u", job->mode->label,
			 sh->index);
		if (sh->index == 0)
			snprintf(sh->name, sizeof(sh->name), "%s",
				 job->sandbox);
	} else {
		if (job->run)
			snprintf(run, sizeof(run), "r%u-", job->run);
		if (sh->gen)
			snprintf(gen, sizeof(gen), "-%u", sh->gen);
		snprintf(sh->name, sizeof(sh->name), "runeval-%s-%s%u%s",
			 job->id, run, sh->index, gen);
		for (char *p = sh->name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	snprintf(sh->label, sizeof(sh->label), "%.63s", sh->name);
}

/* A fresh mode_app for the slot's next sandbox (or app). */
static void job_shard_app(struct job_shard *sh)
{
	struct job *job = sh->job;
	bool sandboxed = job_sandboxed(job);

	/* what the mode_app of the last sandbox holds (job_shard_release
	   frees the last one's) */
	free(sh->app.kept_note);
	free(sh->app.fail_tail);
	free(sh->app.fail_log);
	free(sh->app.snapshot);
	memset(&sh->app, 0, sizeof(sh->app));
	free(sh->log_path);
	sh->log_path = NULL;
	job_shard_name(sh);
	sh->app.mode = job->mode;
	sh->app.provider = job->provider;
	sh->app.pcfg = &sh->pcfg;
	sh->app.app_dir = job->app_dir;
	sh->app.start_cmd = job->start_cmd;
	sh->app.setup_cmd = job->opt->setup_cmd;
	sh->app.bundle = job->bundle;
	sh->app.port = job->port;
	sh->app.env = (const char *const *)job->appenv.kv;
	sh->app.inherit_env = job->opt->inherit_env;
	/* a sandbox's log goes to its own directory once it has an id */
	sh->app.log_path = sandboxed ? NULL : job->log_path;
	sh->app.log_gone = job->out_is_temp;
	sh->app.log_limit = (unsigned long long)job->opt->log_limit;
	sh->app.stop_grace_ms = JOB_STOP_GRACE_MS;
	sh->app.step_timeout_ms = (long)(job->opt->timeout_s * 1000.0);
	sh->app.wait_healthy = job_wait_ready;
	sh->app.wait_healthy_arg = sh;
	sh->app.cancel = &signals_stop;
	sh->app.journal = sandboxed ? job_journal : NULL;
	sh->app.journal_arg = sh;
	sh->app.keep = job->opt->keep;
	if (job->snap_state == JOB_SNAP_PENDING && sh->index == 0 &&
	    sh->gen == 0)
		sh->app.snapshot_name = job->snapshot_name;
	sh->up = false;
}

void job_shard_init(struct job_shard *sh, struct job *job,
			   unsigned index)
{
	sh->job = job;
	sh->index = index;
	sh->failed_phase = RV_PHASE_NONE;
	sh->spans.t0_ns = job->spans.t0_ns;
	sh->spans.wall0_ns = job->spans.wall0_ns;
	sh->pcfg.job_id = job->id;
	sh->pcfg.name = sh->name;
	sh->pcfg.snapshot = job->opt->snapshot;
	sh->pcfg.image = job->opt->image;
	sh->pcfg.target = job->target;
	sh->pcfg.api_url = job->api_url;
	sh->pcfg.api_key = job->lite.api_key;	/* --lite's, else NULL */
	sh->pcfg.cancel = &signals_stop;
	sh->pcfg.attempts = &sh->attempts;
	sh->pcfg.create_timeout_ms = (long)(job->opt->provision_timeout_s *
					    1000.0);
	sh->pcfg.app_port = job->port;
	/* the app is the sandbox's first process: a provider that can
	   start the two as one does (provider.h) */
	sh->pcfg.defer_start = true;
	sh->pcfg.cpus = job->opt->cpus;
	sh->pcfg.memory_bytes = job->opt->memory_bytes;
	/* provider-side backstops: idle stop, then delete on stop */
	sh->pcfg.auto_stop_min = (long)(job->opt->timeout_s / 60.0) + 30;
	sh->pcfg.auto_delete_min = job->opt->keep ? -1 : 0;
	sh->pcfg.network_allow = job->opt->network_allow.v;
	sh->pcfg.network_block_all = job->opt->network_block_all;
	sh->health.api_key = job->api_key;
	sh->health.timeout_ms = (long)(job->opt->health_timeout_s * 1000.0);
	sh->health.cancel = &signals_stop;
	sh->health.wake_fd = signals_fd();
	job_shard_app(sh);
}

void job_shard_release(struct job_shard *sh)
{
	spans_release(&sh->spans);
	provider_attempts_release(&sh->attempts);
	health_wait_release(&sh->health);
	free(sh->log_path);
	app_info_release(&sh->info);
	free(sh->app.kept_note);
	free(sh->kept);
	free(sh->app.fail_tail);
	free(sh->app.fail_log);
	free(sh->app.snapshot);
	free(sh->err_tail);
	free(sh->err_log);
}

void job_shard_fail(struct job_shard *sh, enum rv_phase phase,
			   const struct rv_err *e)
{
	/* a failed step's own log (setup.log) comes before the app's */
	bool own = sh->app.fail_tail != NULL;
	const char *tail, *log;

	if (sh->err.code != RV_OK)
		return;
	sh->err = *e;
	sh->failed_phase = phase;
	/* the evidence of this failure: a replacement has its own */
	tail = own ? sh->app.fail_tail : sh->health.log_tail;
	log = own ? sh->app.fail_log : sh->log_path;
	free(sh->err_tail);
	free(sh->err_log);
	sh->err_tail = tail ? rv_xstrdup(tail) : NULL;
	sh->err_log = log ? rv_xstrdup(log) : NULL;
}

void job_console_begin(struct job_shard *sh, enum rv_phase phase)
{
	job_lock(sh->job);
	console_phase_begin(sh->job->console, sh->index, phase);
	job_unlock(sh->job);
}

void job_console_end(struct job_shard *sh, size_t i,
			    enum rv_phase phase, enum rv_code rc,
			    const char *error)
{
	job_lock(sh->job);
	console_phase_end(sh->job->console, sh->index, phase, rc,
			  spans_ms(&sh->spans, i), error);
	job_unlock(sh->job);
}

/*
 * A bring-up failed, or a sandbox was lost.  The first failure of a slot
 * is kept for the job (it becomes the job's error when seeds are left
 * that no sandbox ran).
 */
void job_note_failure(struct job_shard *sh, enum rv_phase phase,
			     const struct rv_err *e)
{
	job_shard_fail(sh, phase, e);
	job_lock(sh->job);
	sh->job->ups_failed++;
	job_unlock(sh->job);
}

static void job_teardown(struct job_shard *sh)
{
	struct rv_err e = RV_ERR_INIT;
	size_t i, mark = sh->attempts.n;
	enum rv_code rc;

	job_console_begin(sh, RV_PHASE_TEARDOWN);
	i = spans_begin(&sh->spans, rv_phase_name(RV_PHASE_TEARDOWN), sh->label,
			-1);
	rc = mode_teardown(&sh->app, &e);
	job_shard_span_end(sh, i, mark, rc, 1, e.msg);
	job_console_end(sh, i, RV_PHASE_TEARDOWN, rc, e.msg);
	if (rc != RV_OK && sh->teardown_err.code == RV_OK)
		sh->teardown_err = e;
	if (sh->app.kept_note) {
		char *all = sh->kept ? rv_xasprintf("%s\n%s", sh->kept,
						    sh->app.kept_note) :
			rv_xstrdup(sh->app.kept_note);

		free(sh->kept);
		sh->kept = all;
	}
}

/*
 * No sandbox has come up and JOB_DOWN_FAILURES bring-ups failed: the
 * provider is down (or the app never starts); stop the job.
 */
static void job_check_down(struct job *job)
{
	char why[160];
	bool down;

	job_lock(job);
	down = !job->ups_ok && job->ups_failed >= JOB_DOWN_FAILURES;
	job_unlock(job);
	if (!down)
		return;
	snprintf(why, sizeof(why), "gave up: %u sandbox bring-ups failed "
		 "and none came up", JOB_DOWN_FAILURES);
	job_lock(job);
	job->gave_up = true;
	job_unlock(job);
	seedq_stop(&job->sched, why);
}

/* Wait before a replacement (false when a signal came). */
static bool job_replace_pause(struct job_shard *sh)
{
	long ms = rv_backoff_ms(sh->gen, JOB_REPLACE_BASE_MS,
				JOB_REPLACE_CAP_MS);

	rv_sleep_ns((uint64_t)ms * RV_NS_PER_MS, &signals_stop);
	return !signals_stop;
}

/*
 * One slot's whole life: bring a sandbox up, run rollouts from the
 * queue until it is drained, tear down (always); a sandbox that failed
 * to come up or was lost is replaced while the slot has retries left
 * and the queue has work.  With a job snapshot, slot 0's first sandbox
 * makes it and every other bring-up waits for it, then starts from it
 * (or cold, when there is none).
 */
void *job_shard_run(void *arg)
{
	struct job_shard *sh = arg;
	struct job *job = sh->job;

	for (;;) {
		const struct mode_step *steps = sh->app.mode->up;
		enum rv_code rc;
		bool healthy = false;

		if (!seedq_more(&job->sched))
			break;
		if (job->snap_state != JOB_SNAP_NONE &&
		    !sh->app.snapshot_name) {
			const char *snap = job_snapshot_wait(job);

			if (snap) {
				sh->pcfg.snapshot = snap;
				steps = sh->app.mode->up_restored;
			}
		}
		rc = job_bring_up(sh, steps);
		if (sh->app.snapshot_name)	/* never got as far */
			job_snapshot_publish(job, NULL);
		if (rc == RV_OK && !signals_stop) {
			healthy = true;
			rc = job_rollouts(sh);
			if (rc == RV_OK)
				job_check_app_alive(sh);
		}
		if (rc != RV_OK)	/* a failed sandbox is never kept */
			sh->app.keep = false;
		job_teardown(sh);
		/* a configuration the app refused (--policy): no other
		   sandbox would take it */
		if (rc == RV_OK || rc == RV_ERR_INTR || rc == RV_ERR_USAGE ||
		    signals_stop)
			break;
		if (!healthy)
			job_check_down(job);
		if (sh->gen >= job->opt->sandbox_retries ||
		    !seedq_pending(&job->sched) || !job_replace_pause(sh))
			break;
		sh->gen++;
		job_shard_app(sh);
	}
	return NULL;
}
