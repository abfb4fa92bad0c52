/* job_prepare: everything a job needs before anything starts. */
#include "job.h"

#include "eval.h"
#include "mode.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_random.h"
#include "rv_redact.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * The provider: does it exist, is it configured (credentials), which
 * endpoint; and the mode it runs apps in, which says the app's default
 * port and the first shard's label.
 */
static enum rv_code job_resolve_provider(struct job *job, const char *name,
					 struct rv_err *err)
{
	const struct provider_ops *ops = provider_find(name);
	struct provider_config cfg = { .target = job->opt->target };
	struct provider_endpoint ep;
	enum rv_code rc;

	if (!ops)
		return rv_errf(err, RV_ERR_CONFIG, "unknown provider '%s'",
			       name);
	job->provider = ops;
	job->provider_name = ops->name;
	job->mode = mode_for_provider(ops);
	job->mode_name = job->mode->name;
	rc = provider_check(ops, &cfg, &ep, err);
	if (rc != RV_OK)
		return rc;
	job->api_url = ep.api_url;
	job->target = ep.target;
	if (!job->port)
		job->port = job->mode->default_port;
	snprintf(job->sandbox, sizeof(job->sandbox), "%s-0", job->mode->label);
	job->n_sandboxes = job->opt->sandboxes ? job->opt->sandboxes : 1;
	if (job->n_sandboxes > job->opt->n_seeds)
		job->n_sandboxes = (unsigned)job->opt->n_seeds;
	return RV_OK;
}

/* "20261121T204844Z-3f9a1c" */
static void job_make_id(struct job *job)
{
	unsigned char b[3];
	char hex[7];
	time_t now = time(NULL);
	struct tm tm;

	rv_random(b, sizeof(b));
	rv_hex(b, sizeof(b), hex);
	gmtime_r(&now, &tm);
	snprintf(job->id, sizeof(job->id),
		 "%04d%02d%02dT%02d%02d%02dZ-%s", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 hex);
}

static bool job_is_exec(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		access(path, X_OK) == 0;
}

/* Does dir hold an executable start.sh (a task app bundle)? */
static bool job_is_bundle(const char *dir)
{
	char *start = rv_xasprintf("%s/start.sh", dir);
	bool ok = job_is_exec(start);

	free(start);
	return ok;
}

/*
 * The bundled task app.  On this host: `taskapp` next to this binary
 * (build tree), or ../libexec/runeval/taskapp-bundle (installed layout).
 * A sandbox gets the self-contained bundle: taskapp-bundle next to this
 * binary (make bundle), or the installed one.
 */
static enum rv_code job_bundled_app(struct job *job, struct rv_err *err)
{
	bool bundle_only = job->mode->flags & MODE_SELF_CONTAINED;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct rv_buf cmd = RV_BUF_INIT;
	char *dir, *bin, *built, *installed;
	enum rv_code rc = RV_OK;

	if (n <= 0)
		return rv_errf(err, RV_ERR_CONFIG, "cannot find runeval's own "
			       "path: %s", strerror(errno));
	exe[n] = '\0';
	dir = rv_xstrdup(dirname(exe));
	bin = rv_xasprintf("%s/taskapp", dir);
	built = rv_xasprintf("%s/taskapp-bundle", dir);
	installed = rv_xasprintf("%s/../libexec/runeval/taskapp-bundle", dir);
	rv_buf_adds(&cmd, "exec ");
	if (bundle_only && job_is_bundle(built)) {
		job->app_dir = realpath(built, NULL);
		rv_buf_adds(&cmd, "./start.sh");
	} else if (bundle_only && job_is_bundle(installed)) {
		job->app_dir = realpath(installed, NULL);
		rv_buf_adds(&cmd, "./start.sh");
	} else if (bundle_only) {
		rc = rv_errf(err, RV_ERR_CONFIG, "cannot find the bundled task "
			     "app for a sandbox (looked in '%s'); build it "
			     "with 'make bundle' or give --app DIR", installed);
	} else if (job_is_exec(bin)) {
		job->app_dir = rv_xstrdup(dir);
		rv_buf_add_shell_word(&cmd, bin);
	} else if (job_is_bundle(installed)) {
		job->app_dir = rv_xstrdup(installed);
		rv_buf_adds(&cmd, "./start.sh");
	} else {
		rc = rv_errf(err, RV_ERR_CONFIG, "cannot find the bundled task "
			     "app (looked for '%s' and '%s/start.sh'); build it "
			     "with 'make' or give --app DIR --start CMD", bin,
			     installed);
	}
	if (rc == RV_OK) {
		rv_buf_addf(&cmd, " --host %s --port \"$PORT\"",
			    job->mode->app_host);
		job->app_desc = rv_xstrdup("bundled");
		job->start_cmd = rv_buf_detach(&cmd, NULL);
	}
	rv_buf_release(&cmd);
	free(installed);
	free(built);
	free(bin);
	free(dir);
	return rc;
}

static enum rv_code job_resolve_app(struct job *job, struct rv_err *err)
{
	const struct cli_options *opt = job->opt;
	struct stat st;

	if (!opt->app_dir && !opt->start_cmd)
		return job_bundled_app(job, err);
	if (opt->app_dir) {
		if (stat(opt->app_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return rv_errf(err, RV_ERR_CONFIG, "'--app %s' is not a "
				       "directory", opt->app_dir);
		job->app_dir = realpath(opt->app_dir, NULL);
		if (!job->app_dir)
			job->app_dir = rv_xstrdup(opt->app_dir);
	} else {
		job->app_dir = getcwd(NULL, 0);
	}
	job->app_desc = rv_xstrdup(job->app_dir ? job->app_dir : ".");
	if (opt->start_cmd) {
		job->start_cmd = rv_xstrdup(opt->start_cmd);
		return RV_OK;
	}
	if (!job_is_bundle(job->app_dir))
		return rv_errf(err, RV_ERR_CONFIG, "no start command for '--app "
			       "%s': give --start CMD (or make an executable "
			       "start.sh there)", opt->app_dir);
	job->start_cmd = rv_xstrdup("exec ./start.sh");
	return RV_OK;
}

/* ENVIRONMENT_API_KEY, else 64 hex characters minted for this job. */
static void job_resolve_key(struct job *job)
{
	const char *key = getenv("ENVIRONMENT_API_KEY");
	unsigned char b[32];
	char minted[2 * sizeof(b) + 1];

	if (key && *key) {
		job->api_key = rv_xstrdup(key);
	} else {
		rv_random(b, sizeof(b));
		job->api_key = rv_xstrdup(rv_hex(b, sizeof(b), minted));
		job->key_minted = true;
	}
	rv_redact_add(job->api_key);
}

enum rv_code job_prepare(struct job *job, const struct cli_options *opt,
			 struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;

	memset(job, 0, sizeof(*job));
	spans_init(&job->spans);
	job->opt = opt;
	job->failed_phase = RV_PHASE_NONE;
	job->port = opt->port;
	rc = job_resolve_provider(job, opt->provider ? opt->provider :
				  "process", err);
	if (rc != RV_OK)
		return rc;
	job->rollouts = eval_plan(opt, &job->n_rollouts);
	job->env_config = opt->env_config ? opt->env_config : "{}";
	job_make_id(job);
	job_resolve_key(job);
	rc = job_resolve_app(job, err);
	if (rc != RV_OK)
		return rc;
	job->out_dir = opt->out_dir ? rv_xstrdup(opt->out_dir) :
		rv_xasprintf("runs/%s", job->id);
	job->result_path = rv_xasprintf("%s/result.json", job->out_dir);
	job->log_path = rv_xasprintf("%s/taskapp.log", job->out_dir);
	/* "cannot create 'x': why" becomes "... results directory 'x': why" */
	if (rv_mkdirs(job->out_dir, 0755, &e) != RV_OK)
		return rv_errf(err, RV_ERR_CONFIG, "cannot create results "
			       "directory %s", e.msg + strlen("cannot create "));
	return RV_OK;
}

void job_release(struct job *job)
{
	for (size_t i = 0; i < job->n_rollouts; i++)
		rollout_release(&job->rollouts[i]);
	free(job->rollouts);
	spans_release(&job->spans);
	health_wait_release(&job->health);
	taskinfo_app_release(&job->app_info);
	free(job->shards);
	free(job->out_dir);
	free(job->result_path);
	free(job->log_path);
	free(job->api_key);
	free(job->app_desc);
	free(job->app_dir);
	free(job->start_cmd);
	free(job->api_url);
	free(job->target);
	free(job->kept);
	memset(job, 0, sizeof(*job));
}
