/* cli: parse and validate runeval's options (see cli.h). */
#include "cli.h"

#include "mode.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_json.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum cli_opt_id {
	OPT_PROVIDER = 256, OPT_SEEDS, OPT_SEED_LIST, OPT_CONCURRENCY,
	OPT_POLICY, OPT_MODEL, OPT_INFERENCE_URL, OPT_TIMEOUT,
	OPT_HEALTH_TIMEOUT, OPT_APP, OPT_START, OPT_PORT, OPT_ENV_NAME,
	OPT_ENV_CONFIG, OPT_OUT, OPT_ENV_FILE, OPT_NO_PROGRESS, OPT_JSON,
	OPT_VERSION, OPT_SNAPSHOT, OPT_IMAGE, OPT_TARGET,
	OPT_SANDBOXES, OPT_KEEP, OPT_SETUP, OPT_PROVISION_TIMEOUT,
	OPT_EPOCHS, OPT_PASS_THRESHOLD, OPT_ALLOW_STATUS,
	OPT_JUNIT_FAIL_BELOW, OPT_PROM_STRICT,
	OPT_ALIAS,		/* OPT_ALIAS + i: --<alias of provider i> */
};

/* The fixed options; each provider's alias (--local, --daytona, ...) is
   added from the provider table by cli_parse(). */
static const struct option cli_longopts[] = {
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "sandboxes", required_argument, NULL, OPT_SANDBOXES },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "setup", required_argument, NULL, OPT_SETUP },
	{ "provision-timeout", required_argument, NULL, OPT_PROVISION_TIMEOUT },
	{ "seeds", required_argument, NULL, OPT_SEEDS },
	{ "seed-list", required_argument, NULL, OPT_SEED_LIST },
	{ "epochs", required_argument, NULL, OPT_EPOCHS },
	{ "pass-threshold", required_argument, NULL, OPT_PASS_THRESHOLD },
	{ "allow-status", required_argument, NULL, OPT_ALLOW_STATUS },
	{ "junit-fail-below", required_argument, NULL, OPT_JUNIT_FAIL_BELOW },
	{ "prom-strict", no_argument, NULL, OPT_PROM_STRICT },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "inference-url", required_argument, NULL, OPT_INFERENCE_URL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT },
	{ "app", required_argument, NULL, OPT_APP },
	{ "start", required_argument, NULL, OPT_START },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "env-name", required_argument, NULL, OPT_ENV_NAME },
	{ "env-config", required_argument, NULL, OPT_ENV_CONFIG },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "env-file", required_argument, NULL, OPT_ENV_FILE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* cli_longopts plus one --<alias> per provider that has one, malloc'ed. */
static struct option *cli_all_longopts(void)
{
	size_t n_fixed = sizeof(cli_longopts) / sizeof(*cli_longopts) - 1;
	const struct provider_ops *const *p = provider_all();
	size_t n_prov = 0, k;
	struct option *o;

	while (p[n_prov])
		n_prov++;
	o = rv_xcalloc(n_fixed + n_prov + 1, sizeof(*o));
	memcpy(o, cli_longopts, n_fixed * sizeof(*o));
	k = n_fixed;
	for (size_t i = 0; i < n_prov; i++) {
		if (!p[i]->alias)
			continue;
		o[k].name = p[i]->alias;
		o[k].has_arg = no_argument;
		o[k].val = OPT_ALIAS + (int)i;
		k++;
	}
	return o;
}

void cli_usage(FILE *out)
{
	fprintf(out,
"usage: runeval --local [options]\n"
"       runeval --daytona [--sandboxes M] [options]\n"
"       runeval --provider NAME [options]\n"
"       runeval report [options] RESULT...\n"
"       runeval reap [--dry-run] [--job ID]\n"
"       runeval lifecycle --provider NAME [--json]\n"
"\n"
"Run an eval job: bring the task app up, wait until it is healthy, run one\n"
"rollout per seed, tear it down, and report rewards and phase timings.\n"
"\n"
"Mode:\n"
"  --provider NAME         where the task app runs (process/local,\n"
"                          daytona); each provider's name is also a flag:\n"
"  --local                 run the task app on this host\n"
"  --daytona               run it in Daytona sandboxes (DAYTONA_API_KEY,\n"
"                          DAYTONA_API_URL, DAYTONA_TARGET)\n"
"\n"
"Sandboxes (--daytona):\n"
"  --sandboxes M           shard the seeds over M sandboxes, provisioned\n"
"                          in parallel (default 1, at most %d)\n"
"  --snapshot NAME         create from this snapshot (default: the\n"
"                          provider's)\n"
"  --image IMAGE           or build from this container image\n"
"  --target REGION         region (default $DAYTONA_TARGET)\n"
"  --setup CMD             run CMD in the app's directory before starting\n"
"  --provision-timeout SECS  wait this long for a sandbox to start\n"
"                          (default 180); then it is deleted\n"
"  --keep                  leave the sandbox and app up; print how to\n"
"                          reach them ('runeval reap --job ID' deletes)\n"
"\n"
"Seeds and rollouts:\n"
"  --seeds N               seeds 0..N-1\n"
"  --seed-list LIST        explicit seeds, e.g. 0,3,10-19 (a seed given\n"
"                          twice needs --epochs: it then runs once more)\n"
"  --epochs N              run each seed N times (default 1): pass@k for\n"
"                          k <= N, and each seed's mean over its epochs\n"
"  --concurrency K         rollouts in flight per sandbox (default %d)\n"
"  --policy NAME           policy.config.policy (default %s)\n"
"  --model M               policy.config.model\n"
"  --inference-url URL     policy.config.inference_url\n"
"  --timeout SECS          per rollout (default %g)\n"
"  --env-name NAME         env.env_name (default %s)\n"
"  --env-config JSON       env.config, a JSON object (default {})\n"
"\n"
"Eval outcome:\n"
"  --pass-threshold R      a rollout passes at reward >= R (default %g)\n"
"  --allow-status LIST     success_status values that are no pipeline\n"
"                          failure, e.g. timeout,failure (default: only\n"
"                          success; a missing status counts as success)\n"
"  --junit-fail-below R    junit.xml fails rollouts with reward < R\n"
"                          (default: a reward of 0 passes)\n"
"  --prom-strict           metrics.prom without the *_ms gauges\n"
"                          (promtool check metrics is clean)\n"
"\n"
"Task app:\n"
"  --app DIR               the task app's directory (default: the bundled\n"
"                          task app); the start command runs there\n"
"  --start CMD             shell command that starts it; it gets PORT and\n"
"                          ENVIRONMENT_API_KEY in its environment\n"
"                          (default: DIR/start.sh, or the bundled taskapp)\n"
"  --port N                the port it listens on (default: a free one);\n"
"                          runeval refuses a port another process holds\n"
"  --health-timeout SECS   wait this long for GET /health (default %g)\n"
"\n"
"Output:\n"
"  --out DIR               results directory (default runs/<job-id>)\n"
"  --json                  print result.json on stdout (tables to stderr)\n"
"  --no-progress           no live progress line\n"
"  -q, --quiet             print only the failed rollouts, the last line\n"
"                          (what failed, the outcome) and errors\n"
"  -v, --verbose           print every health attempt and rollout\n"
"\n"
"Environment:\n"
"  --env-file FILE         load KEY=VALUE lines (default .env when present);\n"
"                          variables already set are not overridden\n"
"  ENVIRONMENT_API_KEY     the task app's key; minted per job when unset\n"
"\n"
"  -h, --help              this text\n"
"  --version               print the version\n"
"\n"
"Outputs in the results directory: result.json (schema runeval.result/1),\n"
"taskapp.log (the task app's output), and the reporter's renderings.\n"
"\n"
"Exit codes:\n"
"  %-3d the job ran and every rollout succeeded (a reward of 0 is a\n"
"      success: the eval's outcome is in the outputs)\n"
"  %-3d the job ran but some rollouts failed (HTTP error, timeout,\n"
"      malformed answer)\n"
"  %-3d usage or configuration error\n"
"  %-3d infrastructure failure (task app did not start or become healthy,\n"
"      port taken, key mismatch, teardown failed)\n"
"  %-3d pipeline failure: the task app answered a success_status other\n"
"      than success (network_error, runtime_error, ...) not allowed by\n"
"      --allow-status; it takes precedence over %d\n"
"  %-3d interrupted (SIGINT/SIGTERM); teardown still ran\n",
		CLI_MAX_SANDBOXES, CLI_DEFAULT_CONCURRENCY, CLI_DEFAULT_POLICY,
		CLI_DEFAULT_TIMEOUT_S, CLI_DEFAULT_ENV_NAME,
		CLI_DEFAULT_PASS_THRESHOLD,
		CLI_DEFAULT_HEALTH_TIMEOUT_S, CLI_EXIT_OK, CLI_EXIT_ROLLOUTS,
		CLI_EXIT_USAGE, CLI_EXIT_INFRA, CLI_EXIT_PIPELINE,
		CLI_EXIT_ROLLOUTS, CLI_EXIT_INTERRUPTED);
}

static enum rv_code cli_long(const char *opt, const char *s, long lo,
			     long hi, long *out, struct rv_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return rv_errf(err, RV_ERR_USAGE,
			       "invalid value '%s' for '%s': expected an "
			       "integer from %ld to %ld", s, opt, lo, hi);
	*out = v;
	return RV_OK;
}

/*
 * A finite number: seconds (> 0, up to a week) or a reward (within -1e9
 * and 1e9); what names the expectation in the error.
 */
static enum rv_code cli_double(const char *opt, const char *s, bool secs,
			       double *out, struct rv_err *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) ||
	    (secs ? v <= 0 || v > 7 * 86400 : fabs(v) > 1e9))
		return rv_errf(err, RV_ERR_USAGE,
			       "invalid value '%s' for '%s': expected %s", s,
			       opt, secs ? "seconds > 0 (up to a week)" :
			       "a reward, a number within -1e9 and 1e9");
	*out = v;
	return RV_OK;
}

static enum rv_code cli_secs(const char *opt, const char *s, double *out,
			     struct rv_err *err)
{
	return cli_double(opt, s, true, out, err);
}

static enum rv_code cli_reward(const char *opt, const char *s, double *out,
			       struct rv_err *err)
{
	return cli_double(opt, s, false, out, err);
}

static int cli_cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Parse "A" or "A-B" starting at s (up to end) into *lo, *hi. */
static enum rv_code cli_seed_item(const char *item, long *lo, long *hi,
				  struct rv_err *err)
{
	const char *dash = strchr(item, '-');
	char *end;

	errno = 0;
	*lo = strtol(item, &end, 10);
	if (end == item || *item == '-' || *item == '+' || errno ||
	    (*end && end != dash))
		goto bad;
	*hi = *lo;
	if (dash) {
		const char *h = dash + 1;

		if (!*h || *h == '-' || *h == '+')
			goto bad;
		*hi = strtol(h, &end, 10);
		if (*end || errno)
			goto bad;
		if (*hi < *lo)
			return rv_errf(err, RV_ERR_USAGE,
				       "invalid seed range '%s' in "
				       "'--seed-list': end before start", item);
	}
	return RV_OK;
bad:
	return rv_errf(err, RV_ERR_USAGE, "invalid seed '%s' in '--seed-list': "
		       "expected N or N-M with N, M >= 0", item);
}

/* A seed that appears twice in seeds[0..n), as an error. */
static enum rv_code cli_seed_repeats(const long *seeds, size_t n,
				     struct rv_err *err)
{
	long *sorted;
	enum rv_code rc = RV_OK;

	if (n < 2)
		return RV_OK;
	sorted = rv_xmemdup(seeds, n * sizeof(*seeds));
	qsort(sorted, n, sizeof(*sorted), cli_cmp_long);
	for (size_t i = 1; i < n && rc == RV_OK; i++)
		if (sorted[i] == sorted[i - 1])
			rc = rv_errf(err, RV_ERR_USAGE, "seed %ld appears "
				     "twice in '--seed-list' (give '--epochs N' "
				     "to run seeds more than once: a repeated "
				     "seed is then one more epoch of it)",
				     sorted[i]);
	free(sorted);
	return rc;
}

enum rv_code cli_parse_seed_list(const char *s, bool repeats, long **seeds,
				 size_t *n, struct rv_err *err)
{
	char *copy = rv_xstrdup(s), *save = NULL, *item;
	enum rv_code rc = RV_OK;

	if (!*s)
		rc = rv_errf(err, RV_ERR_USAGE, "empty '--seed-list'");
	for (item = strtok_r(copy, ",", &save); item && rc == RV_OK;
	     item = strtok_r(NULL, ",", &save)) {
		long lo = 0, hi = 0;

		rc = cli_seed_item(item, &lo, &hi, err);
		if (rc != RV_OK)
			break;
		if (hi - lo >= CLI_MAX_SEEDS - (long)*n) {
			rc = rv_errf(err, RV_ERR_USAGE, "too many seeds in "
				     "'--seed-list' (at most %ld)",
				     CLI_MAX_SEEDS);
			break;
		}
		*seeds = rv_xreallocarray(*seeds, *n + (size_t)(hi - lo + 1),
					  sizeof(**seeds));
		for (long v = lo; v <= hi; v++)
			(*seeds)[(*n)++] = v;
	}
	if (rc == RV_OK && strstr(s, ",,"))
		rc = rv_errf(err, RV_ERR_USAGE, "empty item in '--seed-list'");
	if (rc == RV_OK && !repeats)
		rc = cli_seed_repeats(*seeds, *n, err);
	free(copy);
	return rc;
}

static void cli_defaults(struct cli_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->concurrency = CLI_DEFAULT_CONCURRENCY;
	opt->policy = CLI_DEFAULT_POLICY;
	opt->timeout_s = CLI_DEFAULT_TIMEOUT_S;
	opt->health_timeout_s = CLI_DEFAULT_HEALTH_TIMEOUT_S;
	opt->env_name = CLI_DEFAULT_ENV_NAME;
	opt->provider = "process";
	opt->sandboxes = 1;
	opt->epochs = 1;
	opt->pass_threshold = CLI_DEFAULT_PASS_THRESHOLD;
	opt->junit_fail_below = NAN;
}

/* Append a --allow-status LIST to the text of all of them. */
static void cli_allow_status_add(struct cli_options *opt, const char *list)
{
	char *t = opt->allow_status_text;

	opt->allow_status_text = t ? rv_xasprintf("%s,%s", t, list) :
		rv_xstrdup(list);
	free(t);
}

/* Split and check the --allow-status names: snake_case words. */
static enum rv_code cli_allow_status(struct cli_options *opt,
				     struct rv_err *err)
{
	char *save = NULL, *item, *text = opt->allow_status_text;
	size_t n = 0;

	if (!text)
		return RV_OK;
	if (!*text || strstr(text, ",,") || *text == ',' ||
	    text[strlen(text) - 1] == ',')
		return rv_errf(err, RV_ERR_USAGE, "empty item in "
			       "'--allow-status'");
	for (item = strtok_r(text, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(item);

		if (len > 64 || strspn(item, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				       "_-.") != len)
			return rv_errf(err, RV_ERR_USAGE, "invalid status "
				       "'%.80s' in '--allow-status': expected "
				       "names such as timeout,failure", item);
		if (n == CLI_MAX_ALLOW_STATUS)
			return rv_errf(err, RV_ERR_USAGE, "too many statuses "
				       "in '--allow-status' (at most %d)",
				       CLI_MAX_ALLOW_STATUS);
		opt->allow_status[n++] = item;
	}
	opt->allow_status[n] = NULL;
	return RV_OK;
}

bool cli_status_allowed(const struct cli_options *opt, const char *status)
{
	if (!status || !strcmp(status, "success"))
		return true;
	for (size_t i = 0; opt->allow_status[i]; i++)
		if (!strcmp(opt->allow_status[i], status))
			return true;
	return false;
}

/* "'--local', '--daytona' or '--provider NAME'", malloc'ed. */
static char *cli_provider_flags(void)
{
	const struct provider_ops *const *p = provider_all();
	struct rv_buf b = RV_BUF_INIT;

	for (; *p; p++)
		if ((*p)->alias)
			rv_buf_addf(&b, "'--%s', ", (*p)->alias);
	rv_buf_adds(&b, "or '--provider NAME'");
	return rv_buf_detach(&b, NULL);
}

/* --provider NAME (or an alias): the provider and the mode it runs in. */
static enum rv_code cli_provider(struct cli_options *opt, const char *name,
				 struct rv_err *err)
{
	const struct provider_ops *ops = provider_find(name);
	const struct provider_ops *const *p;
	struct rv_buf known = RV_BUF_INIT;

	if (ops) {
		opt->provider = ops->name;
		opt->mode = mode_for_provider(ops)->name;
		return RV_OK;
	}
	for (p = provider_all(); *p; p++)
		rv_buf_addf(&known, "%s%s", p == provider_all() ? "" : ", ",
			    (*p)->alias ? (*p)->alias : (*p)->name);
	rv_errf(err, RV_ERR_USAGE, "unknown provider '%s' for '--provider' "
		"(known: %s)", name, known.data);
	rv_buf_release(&known);
	return RV_ERR_USAGE;
}

/* Handle one option; n_seeds_flag counts --seeds/--seed-list. */
static enum rv_code cli_one(int c, const char *arg, struct cli_options *opt,
			    int *seed_flags, struct rv_err *err)
{
	long v;
	enum rv_code rc = RV_OK;

	if (c >= OPT_ALIAS)
		return cli_provider(opt, provider_all()[c - OPT_ALIAS]->name,
				    err);
	switch (c) {
	case OPT_PROVIDER:
		rc = cli_provider(opt, arg, err);
		break;
	case OPT_SNAPSHOT: opt->snapshot = arg; break;
	case OPT_IMAGE: opt->image = arg; break;
	case OPT_TARGET: opt->target = arg; break;
	case OPT_SETUP: opt->setup_cmd = arg; break;
	case OPT_KEEP: opt->keep = true; break;
	case OPT_PROVISION_TIMEOUT:
		rc = cli_secs("--provision-timeout", arg,
			      &opt->provision_timeout_s, err);
		break;
	case OPT_SANDBOXES:
		rc = cli_long("--sandboxes", arg, 1, CLI_MAX_SANDBOXES, &v,
			      err);
		opt->sandboxes = (unsigned)v;
		break;
	case OPT_SEEDS:
		(*seed_flags)++;
		rc = cli_long("--seeds", arg, 1, CLI_MAX_SEEDS, &v, err);
		if (rc == RV_OK) {
			free(opt->seeds);
			opt->seeds = rv_xcalloc((size_t)v, sizeof(long));
			for (long i = 0; i < v; i++)
				opt->seeds[i] = i;
			opt->n_seeds = (size_t)v;
		}
		break;
	case OPT_SEED_LIST:
		(*seed_flags)++;
		free(opt->seeds);
		opt->seeds = NULL;
		opt->n_seeds = 0;
		rc = cli_parse_seed_list(arg, true, &opt->seeds,
					 &opt->n_seeds, err);
		break;
	case OPT_EPOCHS:
		rc = cli_long("--epochs", arg, 1, CLI_MAX_SEEDS, &v, err);
		opt->epochs = (unsigned)v;
		opt->epochs_given = true;
		break;
	case OPT_PASS_THRESHOLD:
		rc = cli_reward("--pass-threshold", arg, &opt->pass_threshold,
				err);
		break;
	case OPT_JUNIT_FAIL_BELOW:
		rc = cli_reward("--junit-fail-below", arg,
				&opt->junit_fail_below, err);
		break;
	case OPT_ALLOW_STATUS:
		cli_allow_status_add(opt, arg);
		break;
	case OPT_PROM_STRICT: opt->prom_strict = true; break;
	case OPT_CONCURRENCY:
		rc = cli_long("--concurrency", arg, 1, 1024, &v, err);
		opt->concurrency = (unsigned)v;
		break;
	case OPT_POLICY: opt->policy = arg; break;
	case OPT_MODEL: opt->model = arg; break;
	case OPT_INFERENCE_URL: opt->inference_url = arg; break;
	case OPT_TIMEOUT:
		rc = cli_secs("--timeout", arg, &opt->timeout_s, err);
		break;
	case OPT_HEALTH_TIMEOUT:
		rc = cli_secs("--health-timeout", arg, &opt->health_timeout_s,
			      err);
		break;
	case OPT_APP: opt->app_dir = arg; break;
	case OPT_START: opt->start_cmd = arg; break;
	case OPT_PORT:
		rc = cli_long("--port", arg, 1, 65535, &v, err);
		opt->port = (int)v;
		break;
	case OPT_ENV_NAME: opt->env_name = arg; break;
	case OPT_ENV_CONFIG: opt->env_config = arg; break;
	case OPT_OUT: opt->out_dir = arg; break;
	case OPT_ENV_FILE: opt->env_file = arg; break;
	case 'q': opt->quiet = true; break;
	case 'v': opt->verbose = true; break;
	case OPT_NO_PROGRESS: opt->no_progress = true; break;
	case OPT_JSON: opt->json = true; break;
	case 'h': opt->help = true; break;
	case OPT_VERSION: opt->version = true; break;
	default:
		rc = rv_errf(err, RV_ERR_USAGE, "unknown option");
	}
	return rc;
}

/* "'--daytona', ..." for the providers that run apps in sandboxes. */
static char *cli_sandbox_flags(void)
{
	const struct provider_ops *const *p = provider_all();
	struct rv_buf b = RV_BUF_INIT;

	for (; *p; p++) {
		if (!(mode_for_provider(*p)->flags & MODE_SANDBOXED))
			continue;
		rv_buf_addf(&b, "%s'--%s'", b.len ? ", " : "",
			    (*p)->alias ? (*p)->alias : (*p)->name);
	}
	return rv_buf_detach(&b, NULL);
}

/* The sandbox options make sense only in a sandbox mode. */
static enum rv_code cli_validate_sandbox(struct cli_options *opt,
					 struct rv_err *err)
{
	static const char *const remote_only[] = { "--snapshot", "--image",
		"--target", "--setup", "--keep", "--sandboxes",
		"--provision-timeout" };
	bool given[] = { opt->snapshot, opt->image, opt->target,
			 opt->setup_cmd, opt->keep, opt->sandboxes > 1,
			 opt->provision_timeout_s > 0 };

	const struct mode_ops *mode = mode_find(opt->mode);
	char *flags;

	if (mode && (mode->flags & MODE_SANDBOXED)) {
		if (opt->snapshot && opt->image)
			return rv_errf(err, RV_ERR_USAGE, "give one of "
				       "'--snapshot' and '--image', not both");
		if (opt->keep && opt->sandboxes > 1)
			return rv_errf(err, RV_ERR_USAGE, "'--keep' keeps one "
				       "sandbox: use it without '--sandboxes'");
		return RV_OK;
	}
	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
		if (!given[i])
			continue;
		flags = cli_sandbox_flags();
		rv_errf(err, RV_ERR_USAGE, "'%s' needs a sandbox mode (%s)",
			remote_only[i], flags);
		free(flags);
		return RV_ERR_USAGE;
	}
	return RV_OK;
}

/* Checks across options, after all of them are read. */
static enum rv_code cli_validate(struct cli_options *opt, int seed_flags,
				 struct rv_err *err)
{
	enum rv_code rc;
	json_t *v;

	if (opt->help || opt->version)
		return RV_OK;
	if (!opt->mode) {
		char *flags = cli_provider_flags();

		rv_errf(err, RV_ERR_USAGE, "no mode given: use %s", flags);
		free(flags);
		return RV_ERR_USAGE;
	}
	rc = cli_validate_sandbox(opt, err);
	if (rc != RV_OK)
		return rc;
	if (seed_flags > 1)
		return rv_errf(err, RV_ERR_USAGE, "give one of '--seeds' and "
			       "'--seed-list', not both");
	if (!opt->n_seeds)
		return rv_errf(err, RV_ERR_USAGE,
			       "no seeds: give '--seeds N' or '--seed-list LIST'");
	if (!opt->epochs_given &&
	    (rc = cli_seed_repeats(opt->seeds, opt->n_seeds, err)) != RV_OK)
		return rc;
	if ((double)opt->n_seeds * opt->epochs > (double)CLI_MAX_SEEDS)
		return rv_errf(err, RV_ERR_USAGE, "too many rollouts: %zu seeds "
			       "x %u epochs is more than %ld", opt->n_seeds,
			       opt->epochs, CLI_MAX_SEEDS);
	if ((rc = cli_allow_status(opt, err)) != RV_OK)
		return rc;
	if (opt->quiet && opt->verbose)
		return rv_errf(err, RV_ERR_USAGE,
			       "'--quiet' and '--verbose' contradict each other");
	if (opt->app_dir && !*opt->app_dir)
		return rv_errf(err, RV_ERR_USAGE, "empty '--app'");
	if (opt->start_cmd && !*opt->start_cmd)
		return rv_errf(err, RV_ERR_USAGE, "empty '--start'");
	if (opt->env_config) {
		struct rv_err e = RV_ERR_INIT;

		v = rv_json_parse(opt->env_config, strlen(opt->env_config),
				  "'--env-config'", &e);
		if (!v)
			return rv_errf(err, RV_ERR_USAGE, "%s", e.msg);
		if (!json_is_object(v)) {
			rv_errf(err, RV_ERR_USAGE, "'--env-config' must be a "
				"JSON object, not %s", rv_json_type_name(v));
			json_decref(v);
			return RV_ERR_USAGE;
		}
		json_decref(v);
	}
	return RV_OK;
}

enum rv_code cli_parse(int argc, char **argv, struct cli_options *opt,
		       struct rv_err *err)
{
	int c, seed_flags = 0;
	enum rv_code rc = RV_OK;

	struct option *longopts = cli_all_longopts();

	cli_defaults(opt);
	optind = 1;
	opterr = 0;
	while (rc == RV_OK &&
	       (c = getopt_long(argc, argv, ":hqv", longopts, NULL)) != -1) {
		const char *name = argv[optind - 1];

		if (c == '?')
			rc = rv_errf(err, RV_ERR_USAGE, "unknown option '%s'",
				     optopt ? (char[]){ '-', (char)optopt, 0 } :
				     name);
		else if (c == ':')
			rc = rv_errf(err, RV_ERR_USAGE,
				     "option '%s' needs a value", name);
		else
			rc = cli_one(c, optarg, opt, &seed_flags, err);
	}
	free(longopts);
	if (rc != RV_OK)
		return rc;
	if (optind < argc)
		return rv_errf(err, RV_ERR_USAGE, "unexpected argument '%s'",
			       argv[optind]);
	return cli_validate(opt, seed_flags, err);
}

void cli_options_release(struct cli_options *opt)
{
	free(opt->seeds);
	free(opt->allow_status_text);
	opt->seeds = NULL;
	opt->n_seeds = 0;
	opt->allow_status_text = NULL;
	opt->allow_status[0] = NULL;
}
