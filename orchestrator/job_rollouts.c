/*
 * job_rollouts: a slot's rollouts phase (see job_int.h): the engine on
 * the slot's healthy sandbox, pulling from the job's queue; progress and
 * the seed log as each rollout ends; the health re-check that tells a
 * dead app from a passing fault; GET /task_info once every record is
 * final.
 */
#include "job_int.h"

#include "console.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_log.h"
#include "seedlog.h"
#include "signals.h"

#include <stdio.h>
#include <stdlib.h>

#define JOB_ALIVE_TIMEOUT_MS 3000	/* is a silent app still up? */

/*
 * The headers of every request to the app: the key (*key_header, for
 * the caller to free), Content-Type when json, the preview's; NULL-ended,
 * malloc'ed.
 */
const char **job_app_headers(const struct job_shard *sh, bool json,
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

static void job_on_rollout(void *arg, struct rollout *r)
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
	hw.recheck = true;
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
			      &signals_stop, &job->lock);
}

/* RV_ERR_CONNECT when the sandbox was lost (its rollouts requeued). */
enum rv_code job_rollouts(struct job_shard *sh)
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
		.sandbox = sh->label, .run = job->run,
		.sched = &job->sched, .proxied = job_sandboxed(job),
		.alive = job_app_alive, .alive_arg = sh,
		.on_done = job_on_rollout, .on_done_arg = job,
	};
	enum rv_code r;
	uint64_t cpu;

	rc.headers = headers;
	job_console_begin(sh, RV_PHASE_ROLLOUTS);
	i = spans_begin(&sh->spans, rv_phase_name(RV_PHASE_ROLLOUTS), sh->label,
			-1);
	cpu = rv_thread_cpu_ns();
	r = rollouts_run(&rc, job->rollouts, &e);
	cpu = rv_thread_cpu_ns() - cpu;
	job_lock(job);
	job->rollouts_cpu_ns += cpu;
	job_unlock(job);
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
void job_check_app_alive(struct job_shard *sh)
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
