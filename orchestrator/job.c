/* job: run the phases of one eval job (see job.h). */
#include "job.h"

#include "console.h"
#include "mode.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_log.h"
#include "signals.h"

#include <stdio.h>
#include <string.h>

#define JOB_STOP_GRACE_MS 3000

const char *job_status_name(enum job_status s)
{
	static const char *const names[] = {
		[JOB_OK] = "ok", [JOB_FAILED] = "failed",
		[JOB_ERROR] = "error", [JOB_INTERRUPTED] = "interrupted",
	};

	return names[s];
}

/* Everything job_run() hands to the mode. */
struct job_ctx {
	struct job *job;
	struct provider_config pcfg;
	struct mode_app app;
	char *key_kv;
	const char *app_env[2];
};

static enum rv_code job_ctx_init(struct job_ctx *c, struct job *job,
				 struct rv_err *err)
{
	memset(c, 0, sizeof(*c));
	c->job = job;
	c->app.mode = mode_find(job->mode_name);
	c->app.provider = provider_find(job->provider_name);
	if (!c->app.mode || !c->app.provider)
		return rv_errf(err, RV_ERR_CONFIG, "unknown mode '%s' or "
			       "provider '%s'", job->mode_name,
			       job->provider_name);
	c->pcfg.job_id = job->id;
	c->pcfg.name = job->sandbox;
	c->pcfg.log_dir = job->out_dir;
	c->pcfg.cancel = &signals_stop;
	c->key_kv = rv_xasprintf("ENVIRONMENT_API_KEY=%s", job->api_key);
	c->app_env[0] = c->key_kv;
	c->app.pcfg = &c->pcfg;
	c->app.app_dir = job->app_dir;
	c->app.start_cmd = job->start_cmd;
	c->app.port = job->port;
	c->app.env = c->app_env;
	c->app.log_path = job->log_path;
	c->app.stop_grace_ms = JOB_STOP_GRACE_MS;
	c->app.wait_healthy = health_wait;
	c->app.wait_healthy_arg = &job->health;
	c->app.cancel = &signals_stop;
	job->health.api_key = job->api_key;
	job->health.timeout_ms = (long)(job->opt->health_timeout_s * 1000.0);
	job->health.cancel = &signals_stop;
	job->health.wake_fd = signals_fd();
	return RV_OK;
}

static void job_fail(struct job *job, const char *phase,
		     const struct rv_err *e)
{
	if (job->err.code != RV_OK)
		return;
	job->err = *e;
	job->failed_phase = phase;
}

/* The mode's bring-up steps, one span each; stops at the first failure. */
static enum rv_code job_bring_up(struct job_ctx *c)
{
	struct job *job = c->job;

	for (const struct mode_step *st = c->app.mode->up; st->phase; st++) {
		struct rv_err e = RV_ERR_INIT;
		enum rv_code rc;
		size_t i;

		if (signals_stop)
			return RV_ERR_INTR;
		console_phase_begin(job->console, st->phase);
		c->app.attempts = 0;
		i = spans_begin(&job->spans, st->phase, job->sandbox, -1);
		rc = st->run(&c->app, &e);
		spans_end(&job->spans, i, rc, c->app.attempts, e.msg);
		job->port = c->app.port;
		console_phase_end(job->console, st->phase, rc,
				  spans_ms(&job->spans, i), e.msg);
		if (rc != RV_OK) {
			job_fail(job, st->phase, &e);
			return rc;
		}
	}
	return RV_OK;
}

static void job_on_rollout(void *arg, const struct rollout *r)
{
	struct job *job = arg;

	console_rollout(job->console, r);
}

static void job_rollouts(struct job_ctx *c)
{
	struct job *job = c->job;
	const struct cli_options *opt = job->opt;
	size_t n = 0, i;
	struct rv_err e = RV_ERR_INIT;
	char *key_header = rv_xasprintf("X-API-Key: %s", job->api_key);
	const char **headers;
	struct rollouts_config rc = {
		.base_url = c->app.preview.url, .job_id = job->id,
		.policy = opt->policy, .model = opt->model,
		.inference_url = opt->inference_url,
		.env_name = opt->env_name, .env_config = job->env_config,
		.concurrency = opt->concurrency,
		.timeout_ms = (long)(opt->timeout_s * 1000.0),
		.cancel = &signals_stop, .wake_fd = signals_fd(),
		.spans = &job->spans, .sandbox = job->sandbox,
		.on_done = job_on_rollout, .on_done_arg = job,
	};
	enum rv_code r;

	while (c->app.preview.headers && c->app.preview.headers[n])
		n++;
	headers = rv_xcalloc(n + 3, sizeof(*headers));
	headers[0] = key_header;
	headers[1] = "Content-Type: application/json";
	for (size_t j = 0; j < n; j++)
		headers[2 + j] = c->app.preview.headers[j];
	rc.headers = headers;
	console_phase_begin(job->console, "rollouts");
	i = spans_begin(&job->spans, "rollouts", job->sandbox, -1);
	r = rollouts_run(&rc, job->rollouts, job->n_rollouts, &e);
	spans_end(&job->spans, i, r, 1, e.msg);
	console_phase_end(job->console, "rollouts", r,
			  spans_ms(&job->spans, i), e.msg);
	if (r != RV_OK && r != RV_ERR_INTR)
		job_fail(job, "rollouts", &e);
	free(headers);
	free(key_header);
}

/* Did the app die during the rollouts?  Say so. */
static void job_check_app_alive(struct job_ctx *c)
{
	struct provider_proc_status st;
	struct rv_err e = RV_ERR_INIT;

	if (!c->app.sb || !c->app.proc || signals_stop ||
	    provider_process_status(c->app.sb, c->app.proc, &st, NULL) !=
	    RV_OK || st.running)
		return;
	rv_errf(&e, RV_ERR_CHILD, "task app exited with status %d during the "
		"rollouts", st.exit_code);
	free(c->job->health.log_tail);
	c->job->health.log_tail = mode_app_log_tail(&c->app,
						    HEALTH_LOG_TAIL_BYTES);
	job_fail(c->job, "rollouts", &e);
}

static void job_teardown(struct job_ctx *c)
{
	struct job *job = c->job;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;
	size_t i;

	console_phase_begin(job->console, "teardown");
	i = spans_begin(&job->spans, "teardown", job->sandbox, -1);
	rc = mode_teardown(&c->app, &e);
	spans_end(&job->spans, i, rc, 1, e.msg);
	console_phase_end(job->console, "teardown", rc,
			  spans_ms(&job->spans, i), e.msg);
	if (rc != RV_OK)
		job_fail(job, "teardown", &e);
}

/* Status and exit code from what happened. */
static void job_conclude(struct job *job)
{
	size_t failed = 0;

	for (size_t i = 0; i < job->n_rollouts; i++)
		failed += !job->rollouts[i].ok;
	if (signals_stop) {
		job->status = JOB_INTERRUPTED;
		job->exit_code = CLI_EXIT_INTERRUPTED;
		rv_errf(&job->err, RV_ERR_INTR, "interrupted by %s",
			signals_first() == 15 ? "SIGTERM" : "SIGINT");
	} else if (job->err.code != RV_OK && (!job->failed_phase ||
		   strcmp(job->failed_phase, "rollouts"))) {
		job->status = JOB_ERROR;
		job->exit_code = CLI_EXIT_INFRA;
	} else if (failed) {
		job->status = JOB_FAILED;
		job->exit_code = CLI_EXIT_ROLLOUTS;
		if (job->err.code == RV_OK)
			rv_errf(&job->err, RV_ERR_PROTO, "%zu of %zu rollouts "
				"failed", failed, job->n_rollouts);
	} else {
		job->status = JOB_OK;
		job->exit_code = CLI_EXIT_OK;
	}
}

/* Seeds that never ran (bring-up failed) still get a record. */
static void job_mark_not_run(struct job *job)
{
	const char *why = signals_stop ? "not run: interrupted" :
		"not run: the task app did not come up";

	for (size_t i = 0; i < job->n_rollouts; i++) {
		struct rollout *r = &job->rollouts[i];

		if (r->state != ROLLOUT_PENDING || r->error)
			continue;
		r->state = ROLLOUT_CANCELLED;
		r->error = rv_xstrdup(why);
	}
}

int job_run(struct job *job)
{
	struct job_ctx c;
	struct rv_err e = RV_ERR_INIT;

	if (job_ctx_init(&c, job, &e) != RV_OK) {
		job_fail(job, "start", &e);
	} else if (job_bring_up(&c) == RV_OK && !signals_stop) {
		job_rollouts(&c);
		job_check_app_alive(&c);
	}
	job_teardown(&c);
	free(c.key_kv);
	job_mark_not_run(job);
	job->end_ns = rv_now_ns();
	console_progress_done(job->console);
	job_conclude(job);
	return job->exit_code;
}
