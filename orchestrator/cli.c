/*
 * cli: runeval's job options from the configuration file, the
 * environment and the command line (see cli.h; the table is cli_opts.c).
 */
#include "cli.h"

#include "cli_opts.h"
#include "mode.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_log.h"
#include "rv_buf.h"
#include "rv_json.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* getopt values: an option's table row, or a provider alias. */
enum { CLI_OPT_ROW = 256, CLI_OPT_ALIAS = 512 };

const char *cli_options_keep(struct cli_options *opt, const char *s)
{
	opt->kept = rv_xreallocarray(opt->kept, opt->n_kept + 1,
				     sizeof(*opt->kept));
	opt->kept[opt->n_kept] = rv_xstrdup(s);
	return opt->kept[opt->n_kept++];
}

/* " (from the environment)" and the like, for errors. */
static const char *cli_src_note(unsigned src)
{
	switch (src) {
	case CLI_SRC_CONFIG: return " (from the configuration file)";
	case CLI_SRC_ENV: return " (from the environment)";
	default: return "";
	}
}

/* Both --seeds and --seed-list given by the same source? */
static bool cli_both_seed_forms(const struct cli_options *opt)
{
	const struct cli_opt *a = cli_opt_find("seeds");
	const struct cli_opt *b = cli_opt_find("seed-list");
	size_t n;
	const struct cli_opt *t = cli_opts(&n);
	unsigned sa = opt->src[a - t], sb = opt->src[b - t];

	return sa != CLI_SRC_DEFAULT && sa == sb;
}

/* Add ops to the job's providers (once); the first sets the mode. */
static enum rv_code cli_add_provider(struct cli_options *opt,
				     const struct provider_ops *ops,
				     const char *where, struct rv_err *err)
{
	for (size_t i = 0; i < opt->n_providers; i++)
		if (!strcmp(opt->providers[i], ops->name))
			return RV_OK;
	if (opt->n_providers == CLI_MAX_PROVIDERS)
		return rv_errf(err, RV_ERR_USAGE, "at most %d providers for %s",
			       CLI_MAX_PROVIDERS, where);
	opt->providers[opt->n_providers++] = ops->name;
	opt->provider = opt->providers[0];
	opt->mode = mode_for_provider(provider_find(opt->provider))->name;
	return RV_OK;
}

enum rv_code cli_set_provider(struct cli_options *opt, const char *name,
			      const char *where, struct rv_err *err)
{
	const struct provider_ops *ops;
	const struct provider_ops *const *p;
	struct rv_buf known = RV_BUF_INIT;
	const char *comma;

	/* "a,b,c": one at a time (a loop: a list of any length) */
	while ((comma = strchr(name, ','))) {
		char *one = rv_xstrndup(name, (size_t)(comma - name));
		enum rv_code rc = cli_set_provider(opt, one, where, err);

		free(one);
		if (rc != RV_OK)
			return rc;
		name = comma + 1;
	}
	ops = provider_find(name);
	if (ops)
		return cli_add_provider(opt, ops, where, err);
	for (p = provider_all(); *p; p++)
		rv_buf_addf(&known, "%s%s", p == provider_all() ? "" : ", ",
			    (*p)->alias ? (*p)->alias : (*p)->name);
	rv_errf(err, RV_ERR_USAGE, "unknown provider '%s' for %s (known: %s)",
		name, where, known.data);
	rv_buf_release(&known);
	return RV_ERR_USAGE;
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

	/* digits first: strtol would also take blanks and a sign (" -5"
	   read as -5, its '-' then taken for the range's) */
	if (!isdigit((unsigned char)*item))
		goto bad;
	errno = 0;
	*lo = strtol(item, &end, 10);
	if (errno || (*end && end != dash))
		goto bad;
	*hi = *lo;
	if (dash) {
		const char *h = dash + 1;

		if (!isdigit((unsigned char)*h))
			goto bad;
		*hi = strtol(h, &end, 10);
		if (*end || errno)
			goto bad;
		if (*hi < *lo)
			return rv_errf(err, RV_ERR_USAGE,
				       "invalid seed range '%s': end before "
				       "start", item);
	}
	return RV_OK;
bad:
	return rv_errf(err, RV_ERR_USAGE, "invalid seed '%s': expected N or "
		       "N-M with N, M >= 0", item);
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
		rc = rv_errf(err, RV_ERR_USAGE, "an empty list");
	for (item = strtok_r(copy, ",", &save); item && rc == RV_OK;
	     item = strtok_r(NULL, ",", &save)) {
		long lo = 0, hi = 0;

		rc = cli_seed_item(item, &lo, &hi, err);
		if (rc != RV_OK)
			break;
		if (hi - lo >= CLI_MAX_SEEDS - (long)*n) {
			rc = rv_errf(err, RV_ERR_USAGE, "too many seeds (at "
				     "most %ld)", CLI_MAX_SEEDS);
			break;
		}
		*seeds = rv_xreallocarray(*seeds, *n + (size_t)(hi - lo + 1),
					  sizeof(**seeds));
		for (long v = lo;; v++) {
			(*seeds)[(*n)++] = v;
			if (v == hi)	/* not v <= hi: hi may be LONG_MAX */
				break;
		}
	}
	if (rc == RV_OK && (strstr(s, ",,") || *s == ',' ||
			    s[strlen(s) - 1] == ','))
		rc = rv_errf(err, RV_ERR_USAGE, "an empty item");
	if (rc == RV_OK && !repeats)
		rc = cli_seed_repeats(*seeds, *n, err);
	free(copy);
	return rc;
}

bool cli_status_allowed(const struct cli_options *opt, const char *status)
{
	if (!status || !strcmp(status, "success"))
		return true;
	for (size_t i = 0; i < opt->allow_status.n; i++)
		if (!strcmp(opt->allow_status.v[i], status))
			return true;
	return false;
}

/* The eval's options: epochs and repeated seeds, the statuses allowed. */
static enum rv_code cli_validate_eval(struct cli_options *opt,
				      struct rv_err *err)
{
	const struct cli_opt *epochs = cli_opt_find("epochs");
	size_t n;
	enum rv_code rc;

	opt->epochs_given = opt->src[epochs - cli_opts(&n)] != CLI_SRC_DEFAULT;
	if (!opt->epochs_given &&
	    (rc = cli_seed_repeats(opt->seeds, opt->n_seeds, err)) != RV_OK)
		return rc;
	if ((double)opt->n_seeds * opt->epochs > (double)CLI_MAX_SEEDS)
		return rv_errf(err, RV_ERR_USAGE, "too many rollouts: %zu seeds "
			       "x %u epochs is more than %ld", opt->n_seeds,
			       opt->epochs, CLI_MAX_SEEDS);
	if (opt->allow_status.n > CLI_MAX_ALLOW_STATUS)
		return rv_errf(err, RV_ERR_USAGE, "too many statuses in "
			       "'--allow-status' (at most %d)",
			       CLI_MAX_ALLOW_STATUS);
	return RV_OK;
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

static void cli_defaults(struct cli_options *opt);

/* Does o hold its default value (however it was given)? */
static bool cli_is_default(const struct cli_options *opt,
			   const struct cli_opt *o)
{
	struct rv_buf a = RV_BUF_INIT, b = RV_BUF_INIT;
	struct cli_options def;
	bool same;

	cli_defaults(&def);
	cli_opt_value(opt, o, &a);
	cli_opt_value(&def, o, &b);
	same = !strcmp(a.data, b.data);
	rv_buf_release(&a);
	rv_buf_release(&b);
	return same;
}

/* Where option name's value came from (CLI_SRC_*). */
static unsigned cli_src_of(const struct cli_options *opt, const char *name)
{
	size_t n;
	const struct cli_opt *t = cli_opts(&n);

	return opt->src[cli_opt_find(name) - t];
}

/*
 * What the sandboxes are made from (--image, --snapshot, --target) that
 * none of the job's providers uses: given on the command line, it is
 * refused (exit 2), not ignored; set by the configuration file or the
 * environment (RUNEVAL_TARGET for a Daytona job, say), it is left out
 * with a line that says so.  With several providers, each child takes
 * the ones its provider uses (cli_validate_providers).
 */
static enum rv_code cli_validate_start(struct cli_options *opt,
				       struct rv_err *err)
{
	const char **val[] = { &opt->image, &opt->snapshot, &opt->target };
	static const char *const names[] = { "image", "snapshot", "target" };
	const struct mode_ops *mode = mode_find(opt->mode);
	bool local = opt->n_providers == 1 &&
		!(mode && (mode->flags & MODE_SANDBOXED));

	for (size_t k = 0; k < 3; k++) {
		const struct provider_ops *none;
		unsigned src = cli_src_of(opt, names[k]);
		char flag[16];

		if (!*val[k] || !**val[k])
			continue;
		snprintf(flag, sizeof(flag), "--%s", names[k]);
		if (!opt->n_providers ||
		    provider_any_uses_start(opt->providers, opt->n_providers,
					    flag))
			continue;
		none = provider_find(opt->providers[0]);
		/* local mode alone: cli_validate_sandbox says that it needs
		   a sandbox */
		if (src == CLI_SRC_ARGV && local)
			continue;
		if (src == CLI_SRC_ARGV && opt->n_providers == 1)
			return rv_errf(err, RV_ERR_USAGE, "provider '%s' does "
				       "not support '%s'%s", none->name, flag,
				       provider_unsupported_hint(none, flag));
		if (src == CLI_SRC_ARGV)
			return rv_errf(err, RV_ERR_USAGE, "none of the "
				       "providers supports '%s'", flag);
		if (!opt->quiet)
			rv_info("'%s %s'%s is left out: %s it", flag, *val[k],
				cli_src_note(src), opt->n_providers == 1 ?
				"the provider does not use" :
				"none of the providers uses");
		*val[k] = NULL;
	}
	return RV_OK;
}

/* The sandbox options make sense only in a sandbox mode (a value other
   than the default, that is: '--sandboxes 1' is harmless anywhere). */
static enum rv_code cli_validate_sandbox(struct cli_options *opt,
					 struct rv_err *err)
{
	const struct mode_ops *mode = mode_find(opt->mode);
	size_t n;
	const struct cli_opt *t = cli_opts(&n);
	char *flags;

	if (mode && (mode->flags & MODE_SANDBOXED)) {
		const struct provider_ops *ops = provider_find(opt->provider);
		const char *need = NULL;

		if (opt->snapshot && opt->image)
			return rv_errf(err, RV_ERR_USAGE, "give one of "
				       "'--snapshot' and '--image', not both");
		if (opt->inherit_env)
			return rv_errf(err, RV_ERR_USAGE, "'--inherit-env' is "
				       "for local mode: a sandbox never gets "
				       "this host's environment (use "
				       "'--pass-env NAME')");
		if (opt->network_block_all && opt->network_allow.n)
			return rv_errf(err, RV_ERR_USAGE, "give one of "
				       "'--network-allow' and "
				       "'--network-block-all', not both");
		if ((opt->cpus > 0 || opt->memory_bytes > 0) &&
		    !(ops->caps & PROVIDER_CAP_RESOURCES))
			need = opt->cpus > 0 ? "--cpus" : "--memory";
		else if (opt->snapshot_after_install &&
			 (!(ops->caps & PROVIDER_CAP_SNAPSHOT) ||
			  !mode->up_restored))
			need = "--snapshot-after-install";
		else if ((opt->network_allow.n || opt->network_block_all) &&
			 !(ops->caps & PROVIDER_CAP_NETWORK))
			need = opt->network_allow.n ? "--network-allow" :
				"--network-block-all";
		if (need)
			return rv_errf(err, RV_ERR_USAGE, "provider '%s' does "
				       "not support '%s'%s", ops->name, need,
				       provider_unsupported_hint(ops, need));
		return RV_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(t[i].flags & CLI_SANDBOX) ||
		    opt->src[i] == CLI_SRC_DEFAULT || cli_is_default(opt, &t[i]))
			continue;
		flags = cli_sandbox_flags();
		rv_errf(err, RV_ERR_USAGE, "'--%s'%s needs a sandbox mode (%s)",
			t[i].name, cli_src_note(opt->src[i]), flags);
		free(flags);
		return RV_ERR_USAGE;
	}
	return RV_OK;
}

/* The first of the job's providers with an offline server, or NULL. */
static const char *cli_lite_server(const struct cli_options *opt)
{
	for (size_t i = 0; i < opt->n_providers; i++) {
		const struct provider_ops *ops =
			provider_find(opt->providers[i]);

		if (ops && ops->offline_server)
			return ops->offline_server;
	}
	return NULL;
}

/*
 * --isolate, --lite and the sandbox options against the providers.  A
 * job of several providers is run as one job per provider (multi.h):
 * such a job (RUNEVAL_MULTI_CHILD set) takes what applies to it and
 * leaves the rest, which its siblings use.
 */
static enum rv_code cli_validate_providers(struct cli_options *opt,
					   struct rv_err *err)
{
	bool child = getenv("RUNEVAL_MULTI_CHILD") != NULL;

	if (opt->isolate) {
		size_t i = 0;

		while (i < opt->n_providers &&
		       strcmp(opt->providers[i], "process"))
			i++;
		if (i == opt->n_providers)
			return rv_errf(err, RV_ERR_USAGE, "'--isolate' goes "
				       "with '--local'");
		opt->providers[i] = "bwrap";
		opt->provider = opt->providers[0];
		opt->mode = mode_for_provider(provider_find(opt->provider))->
			name;
	}
	if (opt->lite && !cli_lite_server(opt)) {
		if (!child)
			return rv_errf(err, RV_ERR_USAGE, "'--lite' needs a "
				       "provider with an offline server (e.g. "
				       "'--daytona', '--e2b'), not '%s'",
				       strcmp(opt->provider, "process") ?
				       opt->provider : "local");
		opt->lite = false;
	}
	if (child && opt->provider) {
		const struct provider_ops *ops = provider_find(opt->provider);

		/* a sibling's options (docker's, local's), not this
		   provider's */
		if (!(ops->caps & PROVIDER_CAP_RESOURCES)) {
			opt->cpus = 0;
			opt->memory_bytes = 0;
		}
		if (!(ops->caps & PROVIDER_CAP_SNAPSHOT))
			opt->snapshot_after_install = false;
		if (ops->caps & PROVIDER_CAP_REMOTE)
			opt->inherit_env = false;	/* local's only */
		if (!(ops->caps & PROVIDER_CAP_IMAGE))
			opt->image = NULL;
		if (!(ops->caps & PROVIDER_CAP_TEMPLATE))
			opt->snapshot = NULL;
		if (!(ops->caps & PROVIDER_CAP_TARGET))
			opt->target = NULL;
	}
	/* a network restriction is never dropped for a sibling's sake */
	for (size_t i = 0; i < opt->n_providers && opt->n_providers > 1; i++)
		if ((opt->network_allow.n || opt->network_block_all) &&
		    !(provider_find(opt->providers[i])->caps &
		      PROVIDER_CAP_NETWORK))
			return rv_errf(err, RV_ERR_USAGE, "provider '%s' does "
				       "not support '%s'", opt->providers[i],
				       opt->network_allow.n ?
				       "--network-allow" :
				       "--network-block-all");
	if (!child && cli_validate_start(opt, err) != RV_OK)
		return RV_ERR_USAGE;
	if (opt->n_providers > 1 || child)
		return RV_OK;	/* each provider's job checks its own */
	return cli_validate_sandbox(opt, err);
}

/* Checks across options, after all of them are read. */
static enum rv_code cli_validate(struct cli_options *opt, struct rv_err *err)
{
	enum rv_code rc;

	if (opt->help || opt->version)
		return RV_OK;
	if (!opt->mode) {
		char *flags = cli_provider_flags();

		rv_errf(err, RV_ERR_USAGE, "no mode given: use %s", flags);
		free(flags);
		return RV_ERR_USAGE;
	}
	rc = cli_validate_providers(opt, err);
	if (rc != RV_OK)
		return rc;
	if (cli_both_seed_forms(opt))
		return rv_errf(err, RV_ERR_USAGE, "give one of '--seeds' and "
			       "'--seed-list', not both");
	if (!opt->n_seeds)
		return rv_errf(err, RV_ERR_USAGE,
			       "no seeds: give '--seeds N' or '--seed-list LIST'");
	if ((rc = cli_validate_eval(opt, err)) != RV_OK)
		return rc;
	if (opt->lite && opt->keep)
		return rv_errf(err, RV_ERR_USAGE, "'--keep' with '--lite': the "
			       "server stops with the job and its sandboxes "
			       "with it; to keep sandboxes, run %s yourself "
			       "and point runeval at the API it prints",
			       cli_lite_server(opt));
	if (opt->no_out && opt->out_dir)
		return rv_errf(err, RV_ERR_USAGE, "'--no-out' and '--out' "
			       "contradict each other");
	if (opt->quiet && opt->verbose)
		return rv_errf(err, RV_ERR_USAGE,
			       "'--quiet' and '--verbose' contradict each other");
	if (opt->app_dir && !*opt->app_dir)
		return rv_errf(err, RV_ERR_USAGE, "empty '--app'");
	if (opt->start_cmd && !*opt->start_cmd)
		return rv_errf(err, RV_ERR_USAGE, "empty '--start'");
	return RV_OK;
}

void cli_usage(FILE *out, bool brief)
{
	const struct provider_ops *const *p;

	fprintf(out,
"usage: runeval --local | --daytona [--lite] | --provider NAME [options]\n"
"       runeval COMMAND [options]   (report, resume, reap, ls, show, help, ...)\n"
"\n"
"Run an eval job: bring the task app up, run one rollout per seed, tear it\n"
"down; report the rewards and the time of every phase.\n");
	fprintf(out, brief ? "\n" : "");
	cli_opts_help(out, brief);
	if (brief) {
		fprintf(out, "\nProviders:");
		for (p = provider_all(); *p; p++)
			fprintf(out, "%s %s", p == provider_all() ? "" : ",",
				(*p)->alias ? (*p)->alias : (*p)->name);
		fprintf(out, "\nExit: %d ok, %d rollouts failed, %d usage, "
			"%d infrastructure, %d pipeline failure, %d "
			"interrupted.\n"
			"All options: 'runeval help options'; the manual: "
			"'man runeval'.\n", CLI_EXIT_OK, CLI_EXIT_ROLLOUTS,
			CLI_EXIT_USAGE, CLI_EXIT_INFRA, CLI_EXIT_PIPELINE,
			CLI_EXIT_INTERRUPTED);
		return;
	}
	fprintf(out,
"\nEvery option can also come from the environment as RUNEVAL_<OPTION>\n"
"(RUNEVAL_SEEDS=5, RUNEVAL_SEED_LIST=0-9) and from the configuration file;\n"
"the command line wins over the environment (and .env), which wins over\n"
"the file.\n"
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
		CLI_EXIT_OK, CLI_EXIT_ROLLOUTS, CLI_EXIT_USAGE, CLI_EXIT_INFRA,
		CLI_EXIT_PIPELINE, CLI_EXIT_ROLLOUTS, CLI_EXIT_INTERRUPTED);
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
	opt->temperature = -1;
	opt->sandbox_retries = CLI_DEFAULT_SANDBOX_RETRIES;
	opt->retries = CLI_DEFAULT_RETRIES;
	opt->log_limit = CLI_DEFAULT_LOG_LIMIT;
	opt->max_failures = -1;
	opt->max_failures_pct = -1;
	opt->epochs = 1;
	opt->pass_threshold = CLI_DEFAULT_PASS_THRESHOLD;
	opt->junit_fail_below = NAN;
}

/* --<alias> on the command line: one more provider of argv's list. */
static enum rv_code cli_set_alias(struct cli_options *opt, int i,
				  struct rv_err *err)
{
	size_t n;

	if (opt->src[cli_opt_find("provider") - cli_opts(&n)] < CLI_SRC_ARGV)
		opt->n_providers = 0;
	return cli_set_provider(opt, provider_all()[i]->name, "'--provider'",
				err);
}

/* The table's rows and one --<alias> per provider, for getopt. */
static struct option *cli_longopts(void)
{
	const struct provider_ops *const *p = provider_all();
	size_t n, n_prov = 0, k = 0;
	const struct cli_opt *t = cli_opts(&n);
	struct option *o;

	while (p[n_prov])
		n_prov++;
	o = rv_xcalloc(n + n_prov + 1, sizeof(*o));
	for (size_t i = 0; i < n; i++)
		o[k++] = (struct option){ t[i].name, t[i].kind == CLI_FLAG ?
			no_argument : required_argument, NULL,
			CLI_OPT_ROW + (int)i };
	for (size_t i = 0; i < n_prov; i++)
		if (p[i]->alias)
			o[k++] = (struct option){ p[i]->alias, no_argument,
				NULL, CLI_OPT_ALIAS + (int)i };
	return o;
}

/* The row of short option c, or NULL. */
static const struct cli_opt *cli_short(int c)
{
	size_t n;
	const struct cli_opt *t = cli_opts(&n);

	for (size_t i = 0; i < n; i++)
		if (t[i].key == c)
			return &t[i];
	return NULL;
}

/* Every row that RUNEVAL_<NAME> sets. */
static enum rv_code cli_from_env(struct cli_options *opt, struct rv_err *err)
{
	size_t n;
	const struct cli_opt *t = cli_opts(&n);

	for (size_t i = 0; i < n; i++) {
		char name[80], where[96];
		const char *v;
		enum rv_code rc;

		if (t[i].flags & CLI_ARGV_ONLY)
			continue;
		cli_opt_env_name(&t[i], name, sizeof(name));
		v = getenv(name);
		if (!v || !*v)
			continue;
		snprintf(where, sizeof(where), "'%s'", name);
		rc = cli_opt_set(opt, &t[i], cli_options_keep(opt, v),
				 CLI_SRC_ENV, where, err);
		if (rc != RV_OK)
			return rc;
	}
	return RV_OK;
}

static enum rv_code cli_from_argv(int argc, char **argv,
				  struct cli_options *opt, struct rv_err *err)
{
	size_t n;
	const struct cli_opt *t = cli_opts(&n);
	struct option *longopts = cli_longopts();
	enum rv_code rc = RV_OK;
	int c;

	optind = 1;
	opterr = 0;
	while (rc == RV_OK &&
	       (c = getopt_long(argc, argv, ":hqvV", longopts, NULL)) != -1) {
		const char *name = argv[optind - 1];
		const struct cli_opt *o = c >= CLI_OPT_ROW &&
			c < CLI_OPT_ALIAS ? &t[c - CLI_OPT_ROW] : cli_short(c);
		char where[96];

		/* a long option given a value it does not take: optopt is
		   its row (not a character) */
		if (c == '?' && optopt >= CLI_OPT_ROW)
			rc = rv_errf(err, RV_ERR_USAGE, "option '%.*s' takes "
				     "no value ('%s')", (int)strcspn(name, "="),
				     name, name);
		else if (c == '?')
			rc = rv_errf(err, RV_ERR_USAGE, "unknown option '%s'",
				     optopt ? (char[]){ '-', (char)optopt, 0 } :
				     name);
		else if (c == ':')
			rc = rv_errf(err, RV_ERR_USAGE,
				     "option '%s' needs a value", name);
		else if (c >= CLI_OPT_ALIAS)
			rc = cli_set_alias(opt, c - CLI_OPT_ALIAS, err);
		else if (!o)
			rc = rv_errf(err, RV_ERR_USAGE, "unknown option '%s'",
				     name);
		else {
			snprintf(where, sizeof(where), "'--%s'", o->name);
			rc = cli_opt_set(opt, o, optarg, CLI_SRC_ARGV, where,
					 err);
		}
		if (rc == RV_OK && c >= CLI_OPT_ALIAS)
			opt->src[cli_opt_find("provider") - t] = CLI_SRC_ARGV;
	}
	free(longopts);
	if (rc == RV_OK && optind < argc)
		rc = rv_errf(err, RV_ERR_USAGE, "unexpected argument '%s'",
			     argv[optind]);
	return rc;
}

/* --config FILE (or --config=FILE) on the command line, or NULL. */
static const char *cli_config_arg(int argc, char **argv)
{
	const char *found = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			found = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			found = argv[i] + 9;
	}
	return found;
}

enum rv_code cli_parse(int argc, char **argv, struct cli_options *opt,
		       struct rv_err *err)
{
	const char *config = cli_config_arg(argc, argv);
	enum rv_code rc;

	cli_defaults(opt);
	if (!config && access(CLI_DEFAULT_CONFIG, F_OK) == 0)
		config = CLI_DEFAULT_CONFIG;
	if (config) {
		opt->config_file = config;
		rc = cli_config_load(opt, config, err);
		if (rc != RV_OK)
			return rc;
	}
	rc = cli_from_env(opt, err);
	if (rc == RV_OK)
		rc = cli_from_argv(argc, argv, opt, err);
	if (rc == RV_OK)
		rc = cli_validate(opt, err);
	return rc;
}

void cli_options_release(struct cli_options *opt)
{
	struct cli_list *lists[] = { &opt->pass_env, &opt->set_env,
				     &opt->network_allow, &opt->allow_status };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		free(lists[i]->v);
		lists[i]->v = NULL;
		lists[i]->n = 0;
	}
	free(opt->seeds);
	opt->seeds = NULL;
	opt->n_seeds = 0;
	for (size_t i = 0; i < opt->n_kept; i++)
		free(opt->kept[i]);
	free(opt->kept);
	opt->kept = NULL;
	opt->n_kept = 0;
}
