/* resume: finish an interrupted, killed or failed job (see resume.h). */
#include "resume.h"

#include "cli.h"
#include "cli_opts.h"
#include "job.h"
#include "reap.h"
#include "report_set.h"
#include "result.h"
#include "rollouts.h"
#include "spans.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_intern.h"
#include "rv_json.h"
#include "rv_log.h"

#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESUME_PHASE_MAX 63	/* a phase name read back: at most */
#define RESUME_EPOCH_MAX_MS 9e12	/* a start read back: before 2255 */
#define RESUME_SPAN_MAX_MS 1e11		/* a span's offset, length: 3 years */

#define RESUME_REDACTED "[REDACTED]"

/* Config members that may differ between runs of one job. */
static const char *const resume_free_keys[] = {
	"concurrency", "sandboxes", "retries", "sandbox_retries",
	"max_failures", "keep", "environment_api_key",
	"environment_api_key_minted", "out", "port", "log_limit",
};

/* Recorded option: config member -> flag.  Strings, numbers or bools. */
static const struct resume_opt {
	const char *key, *flag;
} resume_opts[] = {
	{ "provider", "--provider" }, { "concurrency", "--concurrency" },
	{ "sandboxes", "--sandboxes" }, { "policy", "--policy" },
	{ "model", "--model" }, { "inference_url", "--inference-url" },
	{ "timeout_s", "--timeout" }, { "health_timeout_s", "--health-timeout" },
	{ "env_name", "--env-name" }, { "env_config", "--env-config" },
	{ "app_dir", "--app" }, { "port_given", "--port" },
	{ "retries", "--retries" }, { "sandbox_retries", "--sandbox-retries" },
	{ "max_failures", "--max-failures" }, { "snapshot", "--snapshot" },
	{ "image", "--image" }, { "target", "--target" },
	{ "setup", "--setup" }, { "provision_timeout_s", "--provision-timeout" },
	{ "keep", "--keep" }, { "lite", "--lite" },
	{ "epochs", "--epochs" }, { "pass_threshold", "--pass-threshold" },
	{ "allow_status", "--allow-status" }, { "log_limit", "--log-limit" },
};

static void resume_arg(struct resume *rs, char *s)
{
	rs->argv = rv_xreallocarray(rs->argv, rs->argc + 2,
				    sizeof(*rs->argv));
	rs->argv[rs->argc++] = s;
	rs->argv[rs->argc] = NULL;
}

/*
 * flag=value, one word (value is taken): a value that looks like an
 * option ("--config=x" as a model name) stays the flag's value, and a
 * flag that takes none fails the parse rather than taking another's.
 */
static void resume_opt(struct resume *rs, const char *flag, char *value)
{
	resume_arg(rs, rv_xasprintf("%s=%s", flag, value));
	free(value);
}

/* "0-9,12,20-29": the recorded seeds as a --seed-list. */
static char *resume_seed_list(const json_t *seeds)
{
	struct rv_buf b = RV_BUF_INIT;
	size_t n = json_array_size(seeds);
	long *v = rv_xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = (long)json_integer_value(json_array_get(seeds, i));
	cli_seed_list_text(v, n, &b);
	free(v);
	return rv_buf_detach(&b, NULL);
}

/* The value of a recorded option as a command-line word, or NULL. */
static char *resume_value(const json_t *v)
{
	if (json_is_string(v))
		return rv_xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return rv_xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return rv_xasprintf("%.17g", json_real_value(v));
	if (json_is_object(v))
		return rv_json_dumps(v);
	if (json_is_array(v) && json_array_size(v)) {	/* a,b,c */
		struct rv_buf b = RV_BUF_INIT;
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x)
			rv_buf_addf(&b, "%s%s", i ? "," : "",
				    json_is_string(x) ? json_string_value(x) : "");
		return rv_buf_detach(&b, NULL);
	}
	return NULL;
}

/* flag and each string of the array v. */
static void resume_each(struct resume *rs, const char *flag, const json_t *v)
{
	size_t i;
	json_t *x;

	json_array_foreach(v, i, x) {
		if (!json_is_string(x))
			continue;
		resume_opt(rs, flag, rv_xstrdup(json_string_value(x)));
	}
}

/*
 * What reaches the app and the sandbox's network (config.app_env,
 * config.network, config.policy_config): passed names are passed again
 * (their values from this environment), the rest as recorded.
 */
static void resume_rebuild_app(struct resume *rs, const json_t *c)
{
	const json_t *ae = json_object_get(c, "app_env");
	const json_t *net = json_object_get(c, "network");
	json_t *pc = json_deep_copy(json_object_get(c, "policy_config"));
	const char *k, *file = json_string_value(json_object_get(ae, "file"));
	json_t *v;

	resume_each(rs, "--pass-env", json_object_get(ae, "passed"));
	json_object_foreach(json_object_get(ae, "set"), k, v)
		if (json_is_string(v))
			resume_arg(rs, rv_xasprintf("--env=%s=%s", k,
						    json_string_value(v)));
	if (file) {
		resume_opt(rs, "--app-env-file", rv_xstrdup(file));
	}
	if (json_is_true(json_object_get(ae, "inherit")))
		resume_arg(rs, rv_xstrdup("--inherit-env"));
	resume_each(rs, "--network-allow", json_object_get(net, "allow"));
	if (json_is_true(json_object_get(net, "block_all")))
		resume_arg(rs, rv_xstrdup("--network-block-all"));
	/* --policy gives "policy"; the rest is the object as it was */
	json_object_del(pc, "policy");
	if (json_object_size(pc)) {
		resume_opt(rs, "--policy-config", rv_json_dumps(pc));
	}
	json_decref(pc);
}

/* argv of the recorded job: what it was given, as options. */
static enum rv_code resume_rebuild(struct resume *rs, struct rv_err *err)
{
	const json_t *c = rs->log.config;
	const char *app = json_string_value(json_object_get(c, "app"));

	resume_arg(rs, rv_xstrdup("runeval"));
	for (size_t i = 0; i < sizeof(resume_opts) / sizeof(*resume_opts);
	     i++) {
		const json_t *v = json_object_get(c, resume_opts[i].key);
		char *word;

		if (json_is_true(v) || json_is_false(v)) {
			if (json_is_true(v))
				resume_arg(rs, rv_xstrdup(resume_opts[i].flag));
			continue;
		}
		word = resume_value(v);
		if (!word)
			continue;
		/* a secret was in it: the option must be given again */
		if (strstr(word, RESUME_REDACTED)) {
			free(word);
			continue;
		}
		resume_opt(rs, resume_opts[i].flag, word);
	}
	resume_rebuild_app(rs, c);
	if (app && strcmp(app, "bundled") &&
	    json_is_string(json_object_get(c, "start"))) {
		resume_opt(rs, "--start", rv_xstrdup(json_string_value(
			json_object_get(c, "start"))));
	}
	if (!json_is_array(json_object_get(c, "seeds")))
		return rv_errf(err, RV_ERR_CONFIG, "cannot resume '%s': its "
			       "seed log records no seeds", rs->dir);
	resume_opt(rs, "--seed-list", resume_seed_list(json_object_get(c,
								       "seeds")));
	resume_opt(rs, "--out", rv_xstrdup(rs->dir));
	resume_arg(rs, rv_xstrdup("--force"));	/* its own directory */
	return RV_OK;
}

/* --out DIR may be given, as long as it is the job's directory. */
static bool resume_same_dir(const char *a, const char *b)
{
	char *ra = b ? realpath(a, NULL) : NULL;
	char *rb = b ? realpath(b, NULL) : NULL;
	bool same = ra && rb && !strcmp(ra, rb);

	free(ra);
	free(rb);
	return same;
}

/*
 * Is gid this user's private group (their primary group, with no other
 * member: Debian's user groups, under umask 002)?  Writable by it is
 * writable by the user alone, as OpenSSH also takes it.
 */
static bool resume_private_group(gid_t gid)
{
	struct passwd *pw = getpwuid(geteuid());
	struct group *gr = pw && pw->pw_gid == gid ? getgrgid(gid) : NULL;

	if (!gr)
		return false;
	for (char **m = gr->gr_mem; *m; m++)
		if (strcmp(*m, pw->pw_name))
			return false;
	return true;
}

/*
 * A resume runs the command its log records (the start command, the
 * setup, the app): it trusts only a log that is this user's alone, in a
 * directory that is, as ssh does its configuration.  One planted in a
 * shared directory would otherwise run what it likes.
 */
static enum rv_code resume_trusted(const char *dir, struct rv_err *err)
{
	char *path = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	const char *what[] = { dir, path };
	enum rv_code rc = RV_OK;
	struct stat st;

	for (size_t i = 0; i < 2 && rc == RV_OK; i++) {
		/* DIR as named (a link to it is the user's own doing); the
		   log missing or a link (never followed): the read says so */
		if ((i ? lstat(what[i], &st) : stat(what[i], &st)) < 0 ||
		    S_ISLNK(st.st_mode))
			continue;
		if (st.st_uid != geteuid())
			rc = rv_errf(err, RV_ERR_CONFIG, "'%s' belongs to "
				     "another user (uid %u): a resume runs "
				     "the commands its log records, so it "
				     "takes only a log that is yours alone",
				     what[i], (unsigned)st.st_uid);
		else if (((st.st_mode & 002) ||
			  ((st.st_mode & 020) &&
			   !resume_private_group(st.st_gid))) &&
			 !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)))
			rc = rv_errf(err, RV_ERR_CONFIG, "'%s' may be written "
				     "by other users (mode %04o): a resume runs "
				     "the commands its log records, so it "
				     "takes only a log that is yours alone "
				     "(chmod go-w)", what[i],
				     (unsigned)(st.st_mode & 07777));
	}
	free(path);
	return rc;
}

enum rv_code resume_options(int argc, char **argv, struct resume *rs,
			    struct cli_options *opt, struct rv_err *err)
{
	enum rv_code rc;

	memset(rs, 0, sizeof(*rs));
	rs->lock = -1;
	memset(opt, 0, sizeof(*opt));
	if (argc < 2 || argv[1][0] == '-')
		return rv_errf(err, RV_ERR_USAGE, "usage: runeval resume DIR "
			       "[options]: DIR is the job's results directory");
	rs->dir = argv[1];
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--seeds") ||
		    !strcmp(argv[i], "--seed-list") ||
		    (!strcmp(argv[i], "--out") &&
		     !resume_same_dir(rs->dir, i + 1 < argc ? argv[i + 1] :
				      NULL)))
			return rv_errf(err, RV_ERR_USAGE, "'%s' cannot change "
				       "when a job is resumed", argv[i]);
	/* a job or resume running there now is refused, not read under it */
	rc = seedlog_lock(rs->dir, false, &rs->lock, err);
	if (rc == RV_OK)
		rc = resume_trusted(rs->dir, err);
	if (rc == RV_OK)
		rc = seedlog_read(rs->dir, &rs->log, err);
	if (rc != RV_OK) {
		rv_err_prefix(err, "cannot resume '%s'", rs->dir);
		return rc == RV_ERR_PROTO ? RV_ERR_CONFIG : rc;
	}
	rc = resume_rebuild(rs, err);
	for (int i = 2; rc == RV_OK && i < argc; i++)
		resume_arg(rs, rv_xstrdup(argv[i]));
	if (rc == RV_OK)
		rc = cli_parse((int)rs->argc, rs->argv, opt, err);
	/* however it was spelt (--out=X, --ou X): the job's own directory
	   (--no-out contradicts the --out given here) */
	if (rc == RV_OK && !resume_same_dir(rs->dir, opt->out_dir))
		rc = rv_errf(err, RV_ERR_USAGE, "'--out' cannot change when a "
			     "job is resumed: its results go to '%s'", rs->dir);
	return rc;
}

static bool resume_free_key(const char *key)
{
	for (size_t i = 0; i < sizeof(resume_free_keys) /
	     sizeof(*resume_free_keys); i++)
		if (!strcmp(key, resume_free_keys[i]))
			return true;
	return false;
}

/* Append "key: 'now' (was 'then')" for each difference; count them. */
static size_t resume_diff(const json_t *was, const json_t *now,
			  struct rv_buf *out)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)was, key, v) {
		json_t *w = json_object_get(now, key);
		char *a, *b;

		if (resume_free_key(key) || json_equal(v, w))
			continue;
		a = rv_json_dumps(v);
		b = w ? rv_json_dumps(w) : rv_xstrdup("(unset)");
		rv_buf_addf(out, "%s%s: %.80s (was %.80s)", n ? "; " : "", key,
			    b, a);
		if (strstr(a, RESUME_REDACTED))
			rv_buf_adds(out, ", recorded redacted: give it again");
		n++;
		free(a);
		free(b);
	}
	return n;
}

/* The seed log's records are in order of seed and epoch. */
static int resume_cmp_seed(const void *key, const void *elem)
{
	const struct rollout *a = key, *b = elem;

	if (a->seed != b->seed)
		return (a->seed > b->seed) - (a->seed < b->seed);
	return (a->epoch > b->epoch) - (a->epoch < b->epoch);
}

/* Seeds done before stay; the others run again, their tries kept. */
static void resume_load(struct resume *rs, struct job *job)
{
	for (size_t i = 0; i < job->n_rollouts; i++) {
		struct rollout *r = &job->rollouts[i];
		struct rollout key = { .seed = r->seed, .epoch = r->epoch };
		struct rollout *was = bsearch(&key, rs->log.rs, rs->log.n,
					      sizeof(*rs->log.rs),
					      resume_cmp_seed);

		if (!was)
			continue;
		*r = *was;
		memset(was, 0, sizeof(*was));
		was->seed = key.seed;	/* still sorted for bsearch */
		was->epoch = key.epoch;
		/* a failed or cancelled one runs again: its last try is
		   kept among its tries when it is dispatched */
		r->state = r->ok ? ROLLOUT_DONE : ROLLOUT_PENDING;
		if (!r->ok && !r->attempts) {
			/* never ran (cancelled before dispatch) */
			free(r->error);
			r->error = NULL;
		}
	}
}

/* What the killed run left behind, on the job's provider; not what
   --keep kept, and nothing on a dry run or for a --lite job (its server
   took its sandboxes when it stopped, and it keeps no journal). */
static void resume_reap(struct job *job)
{
	struct reap_options o = { .job = job->id, .out = stderr,
				  .leave_kept = true,
				  .provider = job->provider };
	struct reap_counts c = { 0 };
	struct rv_err e = RV_ERR_INIT;

	if (!job_sandboxed(job) || job->opt->dry_run || job->opt->lite)
		return;
	if (reap_run(&o, &c, &e) != RV_OK)
		rv_warn("cannot reap what the earlier run left: %s", e.msg);
}

/*
 * The earlier runs' spans, from the result.json the last of them wrote
 * (none after a SIGKILL): the job's clock goes back to its first start
 * and each span of the file is added at its place on it, before this
 * run's, so that result.json and the reports time the whole job.  Not
 * from a file of another job, nor when this host's clock cannot place
 * that start (it was before the host's boot): this run's spans alone
 * then, as the warning says.
 */
static void resume_earlier_spans(const struct resume *rs, struct job *job)
{
	char *path = rv_xasprintf("%s/result.json", rs->dir);
	struct rv_err e = RV_ERR_INIT;
	const struct report_job *j;
	struct report_set set;
	const char *why = NULL;
	uint64_t first, gap;
	struct stat st;

	report_set_init(&set);
	if (lstat(path, &st) != 0)
		goto out;
	/* what the job wrote is a file; a FIFO there waited in open() for
	   good (deaf to signals: SA_RESTART), /dev/zero read 1 GiB */
	if (!S_ISREG(st.st_mode)) {
		rv_warn("the earlier runs' timings are not kept: '%s' is not "
			"a regular file", path);
		goto out;
	}
	if (report_set_load(&set, path, &e) != RV_OK) {
		rv_warn("the earlier runs' timings are not kept: %s", e.msg);
		goto out;
	}
	j = set.n_jobs == 1 ? &set.jobs[0] : NULL;
	/* started_unix_us, as written: the ms the loader keeps are exact
	   to well under a microsecond until year 2255 */
	if (!j || strcmp(j->name, job->id) || !(j->epoch_ms > 0) ||
	    !(j->epoch_ms < RESUME_EPOCH_MAX_MS))
		why = "it is not this job's";
	else if ((first = (uint64_t)llround(j->epoch_ms * 1000.0) * 1000) >
		 job->spans.wall0_ns)
		why = "it starts after this run";
	else if ((gap = job->spans.wall0_ns - first) >= job->spans.t0_ns)
		why = "this host restarted since";
	if (why) {
		rv_warn("the earlier runs' timings in '%s' are not kept: %s",
			path, why);
		goto out;
	}
	job->spans.t0_ns -= gap;
	job->spans.wall0_ns = first;
	for (size_t i = j->first_sample; i < j->first_sample + j->n_samples;
	     i++) {
		struct report_sample tmp;
		const struct report_sample *x = report_sample_at(&set, i, &tmp);
		uint64_t at;

		if (!(x->start_ms >= 0 && x->start_ms < RESUME_SPAN_MAX_MS &&
		      x->ms >= 0 && x->ms < RESUME_SPAN_MAX_MS))
			continue;
		at = job->spans.t0_ns + (uint64_t)(x->start_ms * 1e6);
		spans_add(&job->spans, rv_intern(report_str(&set, x->phase),
						 RESUME_PHASE_MAX),
			  report_str(&set, x->sandbox),
			  x->seed == REPORT_NO_SEED ? -1 : (long)x->seed, at,
			  at + (uint64_t)(x->ms * 1e6), x->ok, x->attempts,
			  report_str(&set, x->error));
	}
out:
	report_set_release(&set);
	free(path);
}

enum rv_code resume_apply(struct resume *rs, struct job *job,
			  struct rv_err *err)
{
	struct rv_buf diff = RV_BUF_INIT;
	struct job_outcome o;
	json_t *now;
	size_t n;

	snprintf(job->id, sizeof(job->id), "%s", rs->log.job);
	job->run = rs->log.runs;
	job_outcome(job, &o);
	now = result_config_json(&o);
	n = resume_diff(rs->log.config, now, &diff);
	json_decref(now);
	if (n) {
		rv_errf(err, RV_ERR_USAGE, "cannot resume '%s': the "
			"configuration differs (%s)", rs->dir, diff.data);
		rv_buf_release(&diff);
		return RV_ERR_USAGE;
	}
	rv_buf_release(&diff);
	resume_load(rs, job);
	resume_earlier_spans(rs, job);
	resume_reap(job);
	return RV_OK;
}

void resume_release(struct resume *rs)
{
	for (size_t i = 0; i < rs->argc; i++)
		free(rs->argv[i]);
	free(rs->argv);
	seedlog_state_release(&rs->log);
	if (rs->lock >= 0)
		close(rs->lock);
	memset(rs, 0, sizeof(*rs));
	rs->lock = -1;
}
