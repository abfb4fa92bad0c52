/* job_prepare: everything a job needs before anything starts. */
#include "job.h"

#include "eval.h"
#include "mode.h"
#include "policy_config.h"
#include "report_format.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_random.h"
#include "rv_redact.h"
#include "seedlog.h"

#include <dirent.h>
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
	const struct cli_options *opt = job->opt;
	struct provider_config cfg = { .target = opt->target,
					.image = opt->image,
					.snapshot = opt->snapshot };
	struct provider_endpoint ep;
	enum rv_code rc;

	if (!ops)
		return rv_errf(err, RV_ERR_CONFIG, "unknown provider '%s'",
			       name);
	job->provider = ops;
	job->provider_name = ops->name;
	job->mode = mode_for_provider(ops);
	job->mode_name = job->mode->name;
	if (!job->port)
		job->port = job->mode->default_port;
	snprintf(job->sandbox, sizeof(job->sandbox), "%s-0", job->mode->label);
	job->n_sandboxes = opt->sandboxes ? opt->sandboxes : 1;
	if (job->n_sandboxes > opt->n_seeds) {
		job->n_sandboxes = (unsigned)opt->n_seeds;
		rv_info("--sandboxes %u: %zu seed%s, so %u sandbox%s (one per "
			"seed at most)", opt->sandboxes, opt->n_seeds,
			opt->n_seeds == 1 ? "" : "s", job->n_sandboxes,
			job->n_sandboxes == 1 ? "" : "es");
	}
	if (opt->lite && !ops->offline_server)
		return rv_errf(err, RV_ERR_CONFIG, "provider '%s' has no "
			       "offline server for '--lite'", ops->name);
	if (opt->lite && opt->dry_run)
		return RV_OK;	/* nothing is started: the plan names it */
	if (opt->lite) {
		rc = lite_launch_start(&job->lite, ops->offline_server, err);
		if (rc != RV_OK)
			return rc;
		cfg.api_url = job->lite.api_url;
		cfg.api_key = job->lite.api_key;
	}
	rc = provider_check(ops, &cfg, &ep, err);
	/* credentials, endpoint: configuration (exit 2); an engine that
	   does not answer (no dockerd): infrastructure (exit 3), as bench
	   and lifecycle say of it */
	if (rc == RV_ERR_CONNECT || rc == RV_ERR_TIMEOUT)
		return rc;
	if (rc != RV_OK && err)
		err->code = RV_ERR_CONFIG;
	if (rc != RV_OK)
		return RV_ERR_CONFIG;
	job->api_url = ep.api_url;
	job->target = ep.target;
	job->image = ep.image;
	job->image_id = ep.image_id;
	job->image_present = ep.image_present;
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
 * The bundled task app, looked for in order next to this binary:
 *   taskapp                               the build tree (this host only)
 *   runeval-taskapp                       installed (this host only)
 *   taskapp-bundle/start.sh               the build tree (make)
 *   ../libexec/runeval/taskapp-bundle/    installed (make install)
 * A mode whose app must be self-contained (a sandbox) takes only the
 * bundles.  Not found: the error lists every place looked in.
 */
static enum rv_code job_bundled_app(struct job *job, struct rv_err *err)
{
	static const struct {
		const char *rel;
		bool bundle;		/* a directory with start.sh */
	} where[] = {
		{ "taskapp", false },
		{ "runeval-taskapp", false },
		{ "taskapp-bundle", true },
		{ "../libexec/runeval/taskapp-bundle", true },
	};
	bool bundle_only = job->mode->flags & MODE_SELF_CONTAINED;
	struct rv_buf cmd = RV_BUF_INIT, looked = RV_BUF_INIT;
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return rv_errf(err, RV_ERR_CONFIG, "cannot find runeval's own "
			       "path: %s", strerror(errno));
	exe[n] = '\0';
	dir = rv_xstrdup(dirname(exe));
	for (size_t i = 0; i < sizeof(where) / sizeof(*where); i++) {
		char *path = rv_xasprintf("%s/%s", dir, where[i].rel);

		if (bundle_only && !where[i].bundle) {
			free(path);
			continue;
		}
		rv_buf_addf(&looked, "%s'%s%s'", looked.len ? ", " : "", path,
			    where[i].bundle ? "/start.sh" : "");
		if (where[i].bundle ? job_is_bundle(path) : job_is_exec(path)) {
			job->app_dir = where[i].bundle ? realpath(path, NULL) :
				rv_xstrdup(dir);
			rv_buf_adds(&cmd, "exec ");
			if (where[i].bundle)
				rv_buf_adds(&cmd, "./start.sh");
			else
				rv_buf_add_shell_word(&cmd, path);
			free(path);
			break;
		}
		free(path);
	}
	free(dir);
	if (!job->app_dir) {
		rv_errf(err, RV_ERR_CONFIG, "cannot find the bundled task app%s "
			"(looked in %s): build it with 'make', install it with "
			"'make install', or give --app DIR%s", bundle_only ?
			" for a sandbox" : "", looked.data,
			bundle_only ? "" : " --start CMD");
		rv_buf_release(&looked);
		rv_buf_release(&cmd);
		return RV_ERR_CONFIG;
	}
	rv_buf_addf(&cmd, " --host %s --port \"$PORT\"", job->mode->app_host);
	job->app_desc = rv_xstrdup("bundled");
	job->start_cmd = rv_buf_detach(&cmd, NULL);
	rv_buf_release(&looked);
	return RV_OK;
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

/* Does dir exist with something in it? */
static bool job_dir_has_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool any = false;

	while (d && !any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return any;
}

/*
 * A sandbox's directory as a job writes it: sandbox-<id>/, a real
 * directory that holds its logs (taskapp.log, setup.log) and nothing
 * else.
 */
static bool job_wrote_sandbox(const char *dir, const char *name)
{
	char *path = rv_xasprintf("%s/%s", dir, name);
	struct stat st;
	struct dirent *de;
	DIR *d = NULL;
	bool ours = false;

	if (!strncmp(name, "sandbox-", strlen("sandbox-")) &&
	    lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		d = opendir(path);
	for (ours = d != NULL; d && ours && (de = readdir(d));)
		ours = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			!strcmp(de->d_name, "taskapp.log") ||
			!strcmp(de->d_name, "setup.log");
	if (d)
		closedir(d);
	free(path);
	return ours;
}

/* A file or directory that a job writes in its results directory? */
static bool job_wrote(const char *dir, const char *name)
{
	static const char *const own[] = { "result.json", "seeds.jsonl",
					    "taskapp.log" };

	if (job_wrote_sandbox(dir, name))
		return true;
	for (size_t i = 0; i < sizeof(own) / sizeof(*own); i++)
		if (!strcmp(name, own[i]))
			return true;
	for (size_t i = 0; i < report_n_formats; i++)
		if (report_formats[i].file &&
		    !strcmp(name, report_formats[i].file))
			return true;
	return false;
}

/*
 * --force on a directory with files: remove what an earlier job wrote
 * there (result.json, the seed log, the reports, taskapp.log, the
 * sandbox-<id>/ directories of its logs), so that none of it passes for
 * this job's; anything else is left alone.
 */
static enum rv_code job_clear_earlier(const char *dir, struct rv_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	enum rv_code rc = RV_OK;

	if (!d)
		return rv_errf(err, RV_ERR_IO, "cannot read results directory "
			       "'%s': %s", dir, strerror(errno));
	while (rc == RV_OK && (de = readdir(d))) {
		char *path;

		if (!job_wrote(dir, de->d_name))
			continue;
		path = rv_xasprintf("%s/%s", dir, de->d_name);
		rc = rv_remove_tree(path, err);
		free(path);
	}
	closedir(d);
	return rc;
}

/*
 * The results directory: --out (refused when it holds an earlier job's
 * files, unless --force), a private temporary one that job_release()
 * removes under --no-out, else runs/<job-id>.
 */
static enum rv_code job_resolve_out(struct job *job, struct rv_err *err)
{
	const struct cli_options *opt = job->opt;
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];

	if (opt->no_out && !opt->dry_run) {
		snprintf(tmpl, sizeof(tmpl), "%s/runeval-%s-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp", job->id);
		if (!mkdtemp(tmpl))
			return rv_errf(err, RV_ERR_IO, "cannot make a temporary "
				       "directory for the job ('%s'): %s", tmpl,
				       strerror(errno));
		job->out_dir = rv_xstrdup(tmpl);
		job->out_is_temp = true;
		return RV_OK;
	}
	if (opt->out_dir && job_dir_has_files(opt->out_dir)) {
		/* a job running there is refused as such, --force or not:
		   the directory's lock, which the job then keeps */
		enum rv_code rc = opt->dry_run ? RV_OK :
			rv_lock_dir(opt->out_dir, &job->out_lock, err);

		if (rc != RV_OK)
			return rc;
		if (!opt->force)
			return rv_errf(err, RV_ERR_USAGE, "results directory "
				       "'%s' is not empty (an earlier job's?): "
				       "choose another '--out', or add '--force' "
				       "to replace its files", opt->out_dir);
	}
	job->out_dir = opt->out_dir ? rv_xstrdup(opt->out_dir) :
		rv_xasprintf("runs/%s", job->id);
	return RV_OK;
}

enum rv_code job_prepare(struct job *job, const struct cli_options *opt,
			 int dir_lock, struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;
	bool forced;

	memset(job, 0, sizeof(*job));
	job->dir_lock = dir_lock;
	job->out_lock = -1;
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
	rc = appenv_build(opt, job->api_key, &job->appenv, err);
	if (rc != RV_OK)
		return rc;
	job->policy_config = policy_config_build(opt);
	rc = job_resolve_app(job, err);
	if (rc != RV_OK)
		return rc;
	rc = job_resolve_out(job, err);
	if (rc != RV_OK)
		return rc;
	job->result_path = rv_xasprintf("%s/result.json", job->out_dir);
	job->log_path = rv_xasprintf("%s/taskapp.log", job->out_dir);
	if (opt->dry_run || opt->no_out)
		return RV_OK;	/* nothing to make, or made already */
	/* "cannot create 'x': why" becomes "... results directory 'x': why" */
	if (rv_mkdirs(job->out_dir, 0755, &e) != RV_OK)
		return rv_errf(err, RV_ERR_CONFIG, "cannot create results "
			       "directory %s", e.msg + strlen("cannot create "));
	/* a directory with files under --force, not a resume's own */
	forced = opt->force && job->dir_lock < 0 &&
		job_dir_has_files(job->out_dir);
	/* held until job_release(): through result.json and the reports;
	   the directory first, so that a refused job makes no seed log */
	rc = job->out_lock < 0 ?
		rv_lock_dir(job->out_dir, &job->out_lock, err) : RV_OK;
	if (rc == RV_OK && forced)
		rc = job_clear_earlier(job->out_dir, err);
	if (rc == RV_OK && job->dir_lock < 0)
		rc = seedlog_lock(job->out_dir, true, &job->dir_lock, err);
	return rc;
}

void job_release(struct job *job)
{
	for (size_t i = 0; i < job->n_rollouts; i++)
		rollout_release(&job->rollouts[i]);
	free(job->rollouts);
	spans_release(&job->spans);
	health_wait_release(&job->health);
	free(job->shards);
	if (job->out_is_temp) {
		struct rv_err e = RV_ERR_INIT;

		if (rv_remove_tree(job->out_dir, &e) != RV_OK)
			rv_warn("%s", e.msg);
	}
	/* after the outputs: another may go; the directory's last */
	if (job->dir_lock >= 0)
		close(job->dir_lock);
	if (job->out_lock >= 0)
		close(job->out_lock);
	free(job->out_dir);
	free(job->result_path);
	free(job->log_path);
	free(job->api_key);
	appenv_release(&job->appenv);
	free(job->policy_config);
	app_info_release(&job->app_info);
	free(job->app_desc);
	free(job->app_dir);
	free(job->start_cmd);
	free(job->api_url);
	free(job->target);
	free(job->image);
	free(job->image_id);
	free(job->snapshot);
	free(job->kept);
	lite_launch_stop(&job->lite);
	memset(job, 0, sizeof(*job));
	job->dir_lock = job->out_lock = -1;
}
