/* job: run the phases of one eval job (see job.h). */
#include "job.h"

#include "console.h"
#include "eval.h"
#include "journal.h"
#include "mode.h"
#include "provider.h"
#include "result.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_http.h"
#include "rv_log.h"
#include "rv_redact.h"
#include "seedq.h"
#include "seedlog.h"
#include "signals.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define JOB_STOP_GRACE_MS 3000
#define JOB_MAX_CREATING 8	/* sandbox creates in flight at once */
#define JOB_INFO_TIMEOUT_MS 10000	/* GET /info, after /health */
#define JOB_ALIVE_TIMEOUT_MS 3000	/* is a silent app still up? */
#define JOB_REPLACE_BASE_MS 200	/* pause before a replacement */
#define JOB_REPLACE_CAP_MS 2000
#define JOB_RETRY_BASE_MS 100	/* first rollout retry within 0.1 s */
#define JOB_RETRY_CAP_MS 5000
#define JOB_DOWN_FAILURES 8	/* bring-ups failed, none up: give up */

const char *job_status_name(enum job_status s)
{
	static const char *const names[] = {
		[JOB_OK] = "ok", [JOB_FAILED] = "failed",
		[JOB_ERROR] = "error", [JOB_INTERRUPTED] = "interrupted",
	};

	return names[s];
}

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
	struct rv_err teardown_err;	/* its first failed teardown */
	char *kept;			/* --keep notes of its sandboxes */
	bool up;			/* its current sandbox is healthy */
	pthread_t thread;
	bool threaded;
};

static void job_lock(struct job *job)
{
	pthread_mutex_lock(&job->lock);
}

static void job_unlock(struct job *job)
{
	pthread_mutex_unlock(&job->lock);
}

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

/* Does the job's mode give each shard a sandbox of its own? */
bool job_sandboxed(const struct job *job)
{
	return (job->mode->flags & MODE_SANDBOXED) != 0;
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

/*
 * The headers of every request to the app: the key (*key_header, for
 * the caller to free), Content-Type when json, the preview's; NULL-ended,
 * malloc'ed.
 */
static const char **job_app_headers(const struct job_shard *sh, bool json,
				    char **key_header)
{
	const char *const *pv = (const char *const *)sh->app.preview.headers;
	size_t n = 0, k = 0;
	const char **h;

	while (pv && pv[n])
		n++;
	h = rv_xcalloc(n + 3, sizeof(*h));
	*key_header = rv_xasprintf("X-API-Key: %s", sh->job->api_key);
	h[k++] = *key_header;
	if (json)
		h[k++] = "Content-Type: application/json";
	for (size_t j = 0; j < n; j++)
		h[k++] = pv[j];
	return h;
}

/*
 * The health step: healthy, then who the app is (GET /info) and
 * whether it offers --policy, so that a typo fails before any rollout.
 */
static enum rv_code job_wait_ready(struct mode_app *app, void *arg,
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

static void job_shard_init(struct job_shard *sh, struct job *job,
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

static void job_shard_release(struct job_shard *sh)
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
}

static void job_shard_fail(struct job_shard *sh, enum rv_phase phase,
			   const struct rv_err *e)
{
	if (sh->err.code != RV_OK)
		return;
	sh->err = *e;
	sh->failed_phase = phase;
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
static void job_snapshot_publish(struct job *job, char *id)
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
static const char *job_snapshot_wait(struct job *job)
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
static void job_shard_span_end(struct job_shard *sh, size_t i, size_t mark,
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

static void job_console_begin(struct job_shard *sh, enum rv_phase phase)
{
	job_lock(sh->job);
	console_phase_begin(sh->job->console, sh->index, phase);
	job_unlock(sh->job);
}

static void job_console_end(struct job_shard *sh, size_t i,
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
static void job_note_failure(struct job_shard *sh, enum rv_phase phase,
			     const struct rv_err *e)
{
	job_shard_fail(sh, phase, e);
	job_lock(sh->job);
	sh->job->ups_failed++;
	job_unlock(sh->job);
}

/* The bring-up steps, one span each; stops at the first failure. */
static enum rv_code job_bring_up(struct job_shard *sh,
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

static void job_on_rollout(void *arg, const struct rollout *r)
{
	struct job *job = arg;

	job_lock(job);
	console_rollout(job->console, r);
	seedlog_add(job->seedlog, r);
	job_unlock(job);
}

/*
 * A transient failure: is the app still up?  A short health wait (the
 * app's process is checked too) tells a dead app from a passing fault.
 */
static bool job_app_alive(void *arg)
{
	struct job_shard *sh = arg;
	struct health_wait hw = sh->health;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;

	hw.timeout_ms = JOB_ALIVE_TIMEOUT_MS;
	hw.log_tail = NULL;
	rc = health_wait(&sh->app, &hw, &e);
	if (rc != RV_OK && rc != RV_ERR_INTR)
		rv_warn("sandbox '%s': the task app stopped answering (%s); "
			"replacing it", sh->label, e.msg);
	health_wait_release(&hw);
	return rc == RV_OK || rc == RV_ERR_INTR;
}

/*
 * Once every record is final (the first shard whose rollouts drained),
 * and only once: ask the app for the tasks of the seeds whose answers
 * named none (taskinfo.h).
 */
static void job_taskinfo(struct job_shard *sh, const char *base_url,
			 const char *const *headers)
{
	struct job *job = sh->job;
	bool mine;

	job_lock(job);
	mine = !job->taskinfo_asked;
	job->taskinfo_asked = true;
	job_unlock(job);
	if (mine)
		taskinfo_fill(base_url, headers, job->rollouts, job->n_rollouts,
			      &signals_stop);
}

/* RV_ERR_CONNECT when the sandbox was lost (its rollouts requeued). */
static enum rv_code job_rollouts(struct job_shard *sh)
{
	struct job *job = sh->job;
	const struct cli_options *opt = job->opt;
	size_t i;
	struct rv_err e = RV_ERR_INIT;
	char *key_header;
	const char **headers = job_app_headers(sh, true, &key_header);
	struct rollouts_config rc = {
		.base_url = sh->app.preview.url, .job_id = job->id,
		.pool = sh->app.preview.pool,
		.policy = opt->policy, .model = opt->model,
		.inference_url = opt->inference_url,
		.policy_config = job->policy_config,
		.env_name = opt->env_name, .env_config = job->env_config,
		.concurrency = opt->concurrency,
		.timeout_ms = (long)(opt->timeout_s * 1000.0),
		.cancel = &signals_stop, .wake_fd = signals_fd(),
		.spans = &sh->spans, .sandbox = sh->label, .run = job->run,
		.sched = &job->sched, .proxied = job_sandboxed(job),
		.alive = job_app_alive, .alive_arg = sh,
		.on_done = job_on_rollout, .on_done_arg = job,
	};
	enum rv_code r;

	rc.headers = headers;
	job_console_begin(sh, RV_PHASE_ROLLOUTS);
	i = spans_begin(&sh->spans, rv_phase_name(RV_PHASE_ROLLOUTS), sh->label,
			-1);
	r = rollouts_run(&rc, job->rollouts, &e);
	spans_end(&sh->spans, i, r, 1, e.msg);
	job_console_end(sh, i, RV_PHASE_ROLLOUTS, r, e.msg);
	if (r == RV_ERR_CONNECT) {
		rv_err_prefix(&e, "sandbox '%s' lost", sh->label);
		job_note_failure(sh, RV_PHASE_ROLLOUTS, &e);
	} else if (r != RV_OK && r != RV_ERR_INTR) {
		job_shard_fail(sh, RV_PHASE_ROLLOUTS, &e);
	}
	if (r == RV_OK)		/* what the app says of itself and its tasks */
		job_taskinfo(sh, rc.base_url, headers);
	free(headers);
	free(key_header);
	return r;
}

/* Did the app die during the rollouts?  Say so. */
static void job_check_app_alive(struct job_shard *sh)
{
	struct provider_proc_status st;
	struct rv_err e = RV_ERR_INIT;

	if (signals_stop || !mode_app_exited(&sh->app, &st,
					     HEALTH_LOG_TAIL_BYTES,
					     &sh->health.log_tail))
		return;
	rv_errf(&e, RV_ERR_CHILD, "task app exited with status %d during the "
		"rollouts", st.exit_code);
	job_shard_fail(sh, RV_PHASE_ROLLOUTS, &e);
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
static void *job_shard_run(void *arg)
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

/* Status and exit code from what happened. */
static void job_conclude(struct job *job)
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
static void job_mark_not_run(struct job *job)
{
	char why[160];
	bool stopped = seedq_stopped(&job->sched, why, sizeof(why));

	for (size_t i = 0; i < job->n_rollouts; i++) {
		struct rollout *r = &job->rollouts[i];
		const char *reason = signals_stop ? "interrupted" : stopped ?
			why : "no sandbox came up to run it";

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
static void job_shard_merge(struct job *job, struct job_shard *sh)
{
	spans_take(&job->spans, &sh->spans);
	if (sh->teardown_err.code != RV_OK &&
	    job->teardown_err.code == RV_OK)
		job->teardown_err = sh->teardown_err;
	if (sh->err.code != RV_OK && job->err.code == RV_OK) {
		job->err = sh->err;
		job->failed_phase = sh->failed_phase;
		/* a failed step's own log (setup.log) comes before the app's */
		if (sh->app.fail_tail && !sh->health.log_tail) {
			sh->health.log_tail = sh->app.fail_tail;
			sh->app.fail_tail = NULL;
			free(sh->log_path);
			sh->log_path = sh->app.fail_log;
			sh->app.fail_log = NULL;
		}
		if (sh->health.log_tail) {
			free(job->health.log_tail);
			job->health.log_tail = sh->health.log_tail;
			sh->health.log_tail = NULL;
		}
		if (sh->log_path) {
			free(job->log_path);
			job->log_path = rv_xstrdup(sh->log_path);
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

/*
 * What the job needs before any shard: a journal when the mode makes
 * sandboxes, then the mode's own preparation (a job-level span).
 */
static enum rv_code job_mode_prepare(struct job *job, struct rv_err *err)
{
	struct mode_job mj = { .app_dir = job->app_dir };
	char *state = journal_state_dir(), *cache;
	enum rv_code rc;
	size_t i;

	if (job_sandboxed(job)) {
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
	if (seedlog_open(job->out_dir, job->id, job->run, config,
			 &job->seedlog, &e) != RV_OK)
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
