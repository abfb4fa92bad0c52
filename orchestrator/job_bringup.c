/*
 * job_bringup: a slot's bring-up steps, one timed span each (see
 * job_int.h): the cap on sandbox creates in flight, the job's snapshot
 * (made by one slot, awaited by the others), and the health step that
 * also asks the app who it is.
 */
#include "job_int.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "seedq.h"
#include "signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JOB_MAX_CREATING 8	/* sandbox creates in flight at once */
#define JOB_INFO_TIMEOUT_MS 10000	/* GET /info, after /health */

/*
 * The health step: healthy, then who the app is (GET /info) and
 * whether it offers --policy, so that a typo fails before any rollout.
 */
enum rv_code job_wait_ready(struct mode_app *app, void *arg,
				   struct rv_err *err)
{
	struct job_shard *sh = arg;
	enum rv_code rc = health_wait(app, &sh->health, err);
	char *key_header;
	const char **h;

	if (rc != RV_OK)
		return rc;
	h = job_app_headers(sh, false, &key_header);
	app_info_fetch(app->preview.url, h, JOB_INFO_TIMEOUT_MS, &sh->info);
	free(h);
	free(key_header);
	return app_info_check_policy(&sh->info, sh->job->opt->policy, err);
}

/* Wait on cv (job->lock held) for up to 50 ms: a signal is seen soon. */
static void job_wait_briefly(struct job *job, pthread_cond_t *cv)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cv, &job->lock, &ts);
}

/*
 * The cap on creates in flight: wait for a slot (false when a signal
 * came first).  Every provision step holds one until it ends.
 */
static bool job_create_slot(struct job *job)
{
	bool got = false;

	job_lock(job);
	while (!signals_stop) {
		if (job->creating < JOB_MAX_CREATING) {
			job->creating++;
			got = true;
			break;
		}
		job_wait_briefly(job, &job->create_cv);
	}
	job_unlock(job);
	return got;
}

static void job_create_done(struct job *job)
{
	job_lock(job);
	job->creating--;
	pthread_cond_signal(&job->create_cv);
	job_unlock(job);
}

/*
 * --snapshot-after-install: the source shard says whether the snapshot
 * exists (id, taken over) or not (NULL); the first word counts.
 */
void job_snapshot_publish(struct job *job, char *id)
{
	job_lock(job);
	if (job->snap_state == JOB_SNAP_PENDING) {
		job->snapshot = id;
		job->snap_state = id ? JOB_SNAP_READY : JOB_SNAP_FAILED;
		id = NULL;
		pthread_cond_broadcast(&job->snap_cv);
	}
	job_unlock(job);
	free(id);
}

/* The job's snapshot, once the source shard has made it; NULL when it
   could not (or a signal came first): then a shard starts cold. */

const char *job_snapshot_wait(struct job *job)
{
	const char *snap;

	job_lock(job);
	while (job->snap_state == JOB_SNAP_PENDING && !signals_stop)
		job_wait_briefly(job, &job->snap_cv);
	snap = job->snap_state == JOB_SNAP_READY ? job->snapshot : NULL;
	job_unlock(job);
	return snap;
}

/* Once the sandbox exists: its id labels the spans, its log has a dir. */
static void job_shard_adopt_sandbox(struct job_shard *sh)
{
	struct mode_app *app = &sh->app;
	struct rv_err e = RV_ERR_INIT;
	char *dir;

	if (!app->sb || sh->log_path || !job_sandboxed(sh->job))
		return;
	snprintf(sh->label, sizeof(sh->label), "%s", app->sb->id);
	dir = rv_xasprintf("%s/sandbox-%s", sh->job->out_dir, app->sb->id);
	if (rv_mkdirs(dir, 0755, &e) != RV_OK)
		rv_warn("%s", e.msg);
	sh->log_path = rv_xasprintf("%s/taskapp.log", dir);
	app->log_path = sh->log_path;
	free(dir);
}

/* End span i with the remote attempts made since mark. */
void job_shard_span_end(struct job_shard *sh, size_t i, size_t mark,
			       enum rv_code rc, unsigned attempts,
			       const char *error)
{
	spans_end(&sh->spans, i, rc, attempts, error);
	if (sh->attempts.n > mark)
		spans_set_attempt_log(&sh->spans, i, sh->attempts.v + mark,
				      sh->attempts.n - mark);
	/* the sandbox's name became its id during the step */
	if (strcmp(sh->spans.v[i].sandbox, sh->label)) {
		free(sh->spans.v[i].sandbox);
		sh->spans.v[i].sandbox = rv_xstrdup(sh->label);
	}
}

/* The bring-up steps, one span each; stops at the first failure. */
enum rv_code job_bring_up(struct job_shard *sh,
				 const struct mode_step *steps)
{
	for (const struct mode_step *st = steps; st->run; st++) {
		bool creates = st->flags & MODE_STEP_CREATES;
		struct rv_err e = RV_ERR_INIT;
		size_t i, mark = sh->attempts.n;
		enum rv_code rc;

		if (signals_stop || seedq_stopped(&sh->job->sched, NULL, 0))
			return RV_ERR_INTR;
		if ((st->flags & MODE_STEP_SNAPSHOT) && !sh->app.snapshot_name)
			continue;
		if (creates && !job_create_slot(sh->job))
			return RV_ERR_INTR;
		job_console_begin(sh, st->phase);
		sh->app.attempts = 0;
		i = spans_begin(&sh->spans, rv_phase_name(st->phase), sh->label,
				-1);
		rc = st->run(&sh->app, &e);
		if (creates)
			job_create_done(sh->job);
		job_shard_adopt_sandbox(sh);
		job_shard_span_end(sh, i, mark, rc, sh->app.attempts, e.msg);
		job_console_end(sh, i, st->phase, rc, e.msg);
		if (st->flags & MODE_STEP_SNAPSHOT) {
			job_snapshot_publish(sh->job, sh->app.snapshot);
			sh->app.snapshot = NULL;
		}
		if (rc != RV_OK) {
			if (rc != RV_ERR_INTR)
				job_note_failure(sh, st->phase, &e);
			return rc;
		}
	}
	job_lock(sh->job);
	sh->job->ups_ok++;
	job_unlock(sh->job);
	sh->up = true;
	return RV_OK;
}
