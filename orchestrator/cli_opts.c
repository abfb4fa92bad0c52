/* cli_opts: the option table and its setters (see cli_opts.h). */
#include "cli_opts.h"

#include "appenv.h"
#include "cli.h"
#include "policy_config.h"
#include "rv_alloc.h"
#include "rv_json.h"
#include "rv_net.h"
#include "rv_num.h"
#include "rv_redact.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define F(field) offsetof(struct cli_options, field)
#define G_MODE "Where the task app runs"
#define G_SANDBOX "Sandboxes"
#define G_SEEDS "Seeds and rollouts"
#define G_EVAL "Eval outcome"
#define G_APP "Task app"
#define G_ENV "The task app's environment"
#define G_OUT "Output"
#define G_CONF "Configuration"

/* --network-allow: an IPv4 CIDR, as Daytona's networkAllowList takes. */
static enum rv_code cli_check_cidr(const char *s, const char *where,
				   struct rv_err *err)
{
	uint32_t addr;
	unsigned prefix;
	int r = rv_net_cidr4(s, &addr, &prefix);

	if (r == RV_NET_CIDR_HOST_BITS)
		return rv_errf(err, RV_ERR_USAGE, "invalid value '%s' for %s: "
			       "bits beyond the /%u prefix are set", s, where,
			       prefix);
	if (r != RV_NET_CIDR_OK)
		return rv_errf(err, RV_ERR_USAGE, "invalid value '%s' for %s: "
			       "expected an IPv4 address or CIDR such as "
			       "10.0.2.2/32", s, where);
	return RV_OK;
}

/* An --allow-status value: a success_status name. */
static enum rv_code cli_check_status(const char *s, const char *where,
				     struct rv_err *err)
{
	size_t len = strlen(s);

	if (!len || len > 64 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				       "_-.") != len)
		return rv_errf(err, RV_ERR_USAGE, "invalid status '%.80s' in "
			       "%s: expected names such as timeout,failure",
			       s, where);
	return RV_OK;
}

static const struct cli_opt cli_table[] = {
	{ "provider", 0, CLI_PROVIDER, F(provider), 0, 0, CLI_BRIEF, "NAME",
	  G_MODE, "where the task app runs: local, daytona, ... (also "
	  "--local, ...); a,b runs the job on each, compared" },
	{ "isolate", 0, CLI_FLAG, F(isolate), 0, 0, 0, NULL, G_MODE,
	  "with --local: run the app in a bubblewrap sandbox on this host "
	  "(the bwrap provider)" },
	{ "one-provider-at-a-time", 0, CLI_FLAG, F(one_provider_at_a_time), 0,
	  0, 0, NULL, G_MODE, "several providers: run their jobs one after "
	  "another, not at once" },
	{ "lite", 0, CLI_FLAG, F(lite), 0, 0, CLI_BRIEF, NULL, G_MODE,
	  "an offline server started for the job (no account)" },
	{ "sandboxes", 0, CLI_UINT, F(sandboxes), 1, CLI_MAX_SANDBOXES,
	  CLI_SANDBOX | CLI_BRIEF, "M", G_SANDBOX, "spread the seeds over M "
	  "sandboxes (at most 64)" },
	{ "sandbox-retries", 0, CLI_UINT, F(sandbox_retries), 0, 100, 0, "N",
	  G_SANDBOX, "replace a sandbox (or local app) that fails to come up "
	  "or dies mid-job up to N times (default 3)" },
	{ "snapshot", 0, CLI_STR, F(snapshot), 0, 0, CLI_SANDBOX, "NAME",
	  G_SANDBOX, "create from this snapshot (default: the provider's)" },
	{ "image", 0, CLI_STR, F(image), 0, 0, CLI_SANDBOX, "IMAGE",
	  G_SANDBOX, "or from this container image" },
	{ "target", 0, CLI_STR, F(target), 0, 0, CLI_SANDBOX, "REGION",
	  G_SANDBOX, "region (default $DAYTONA_TARGET)" },
	{ "setup", 0, CLI_STR, F(setup_cmd), 0, 0, CLI_SANDBOX, "CMD",
	  G_SANDBOX, "run CMD in the app's directory before starting it" },
	{ "cpus", 0, CLI_CPUS, F(cpus), 0, 0, CLI_SANDBOX, "N", G_SANDBOX,
	  "CPU limit of each sandbox (docker)" },
	{ "memory", 0, CLI_SIZE, F(memory_bytes), 4, 1024l * 1024,
	  CLI_SANDBOX, "SIZE", G_SANDBOX, "memory limit of each sandbox, e.g. "
	  "512m, 2g (docker)" },
	{ "snapshot-after-install", 0, CLI_FLAG, F(snapshot_after_install), 0,
	  0, CLI_SANDBOX, NULL, G_SANDBOX, "snapshot the first sandbox after "
	  "install; the others start from it (docker)" },
	{ "provision-timeout", 0, CLI_SECS, F(provision_timeout_s), 0, 0,
	  CLI_SANDBOX, "SECS", G_SANDBOX, "wait this long for a sandbox to "
	  "start (default 180; docker 120); then it is deleted" },
	{ "keep", 0, CLI_FLAG, F(keep), 0, 0, CLI_SANDBOX, NULL, G_SANDBOX,
	  "leave the sandboxes and apps up and print how to reach them "
	  "('runeval reap --job ID' deletes them)" },
	{ "network-allow", 0, CLI_LIST, F(network_allow), 0, 0,
	  CLI_SANDBOX | CLI_COMMAS, "CIDR", G_SANDBOX, "let the sandbox reach "
	  "CIDR, repeatable (on daytona-lite, 10.0.2.2 is its host)" },
	{ "network-block-all", 0, CLI_FLAG, F(network_block_all), 0, 0,
	  CLI_SANDBOX, NULL, G_SANDBOX, "no egress from the sandbox at all" },
	{ "seeds", 0, CLI_SEEDS, 0, 1, CLI_MAX_SEEDS, CLI_BRIEF, "N", G_SEEDS,
	  "seeds 0..N-1" },
	{ "seed-list", 0, CLI_SEED_LIST, 0, 0, 0, CLI_BRIEF, "LIST", G_SEEDS,
	  "explicit seeds, e.g. 0,3,10-19 (repeats: --epochs)" },
	{ "epochs", 0, CLI_UINT, F(epochs), 1, CLI_MAX_SEEDS, CLI_BRIEF, "N",
	  G_SEEDS, "run each seed N times (default 1): pass@k, k <= N" },
	{ "concurrency", 0, CLI_UINT, F(concurrency), 1, 1024, CLI_BRIEF, "K",
	  G_SEEDS, "rollouts in flight per sandbox (default 8)" },
	{ "policy", 0, CLI_STR, F(policy), 0, 0, CLI_BRIEF, "NAME", G_SEEDS,
	  "policy.config.policy (default reference)" },
	{ "model", 0, CLI_STR, F(model), 0, 0, 0, "M", G_SEEDS,
	  "policy.config.model" },
	{ "inference-url", 0, CLI_STR, F(inference_url), 0, 0, 0, "URL",
	  G_SEEDS, "policy.config.inference_url" },
	{ "policy-config", 0, CLI_JSON_OBJECT, F(policy_config), 0, 0, 0,
	  "JSON", G_SEEDS, "merged into policy.config (no credentials: pass "
	  "the model's key with --pass-env)" },
	{ "temperature", 0, CLI_NUM, F(temperature), 0, 2, 0, "T", G_SEEDS,
	  "policy.config.temperature (0 to 2)" },
	{ "max-tokens", 0, CLI_UINT, F(max_tokens), 1, 1000000, 0, "N",
	  G_SEEDS, "policy.config.max_tokens" },
	{ "max-turns", 0, CLI_UINT, F(max_turns), 1, 100, 0, "N", G_SEEDS,
	  "policy.config.max_turns" },
	{ "timeout", 0, CLI_SECS, F(timeout_s), 0, 0, 0, "SECS", G_SEEDS,
	  "per rollout (default 600)" },
	{ "retries", 0, CLI_UINT, F(retries), 0, 100, 0, "N", G_SEEDS,
	  "retry a rollout that failed transiently (refused, reset, no "
	  "response, a proxy's 502/503/504) up to N times (default 3)" },
	{ "max-failures", 0, CLI_COUNT_OR_PCT, F(max_failures), 0,
	  CLI_MAX_SEEDS, 0, "N|P%", G_SEEDS, "stop the job once more than N "
	  "rollouts (or P% of the seeds) failed, pipeline failures included "
	  "(default: never)" },
	{ "env-name", 0, CLI_STR, F(env_name), 0, 0, 0, "NAME", G_SEEDS,
	  "env.env_name (default default)" },
	{ "env-config", 0, CLI_JSON_OBJECT, F(env_config), 0, 0, 0, "JSON",
	  G_SEEDS, "env.config, a JSON object (default {}; no credentials)" },
	{ "pass-threshold", 0, CLI_REWARD, F(pass_threshold), 0, 0, 0, "R",
	  G_EVAL, "a rollout passes at reward >= R (default 1)" },
	{ "allow-status", 0, CLI_LIST, F(allow_status), 0, 0, CLI_COMMAS,
	  "NAME[,NAME]", G_EVAL, "success_status values that are no pipeline "
	  "failure, e.g. timeout,failure; repeatable (default: only success; "
	  "a missing status counts as success)" },
	{ "junit-fail-below", 0, CLI_REWARD, F(junit_fail_below), 0, 0, 0,
	  "R", G_EVAL, "the job's junit.xml fails rollouts with reward < R "
	  "(default: a reward of 0 passes)" },
	{ "prom-strict", 0, CLI_FLAG, F(prom_strict), 0, 0, 0, NULL, G_EVAL,
	  "the job's metrics.prom without the *_ms gauges (promtool check "
	  "metrics is clean)" },
	{ "app", 0, CLI_STR, F(app_dir), 0, 0, CLI_BRIEF, "DIR", G_APP,
	  "the task app's directory (default: the bundled one)" },
	{ "start", 0, CLI_STR, F(start_cmd), 0, 0, 0, "CMD", G_APP,
	  "shell command that starts it, with PORT, ENVIRONMENT_API_KEY and "
	  "what is passed set (default: DIR/start.sh, or the bundled "
	  "taskapp)" },
	{ "port", 0, CLI_INT, F(port), 1, 65535, 0, "N", G_APP,
	  "the port it listens on (default: a free one; 8000 in a sandbox)" },
	{ "health-timeout", 0, CLI_SECS, F(health_timeout_s), 0, 0, 0,
	  "SECS", G_APP, "wait this long for GET /health (default 30)" },
	{ "log-limit", 0, CLI_SIZE, F(log_limit), 0, 1024l * 1024, 0, "SIZE",
	  G_APP, "keep at most SIZE of the app's output in its taskapp.log: "
	  "the start, then the last 64k when it stops (default 64m; 0: all "
	  "of it)" },
	{ "pass-env", 0, CLI_LIST, F(pass_env), 0, 0, CLI_BRIEF | CLI_COMMAS,
	  "NAME", G_ENV, "forward NAME (or a glob: 'OPENAI_*') to the task "
	  "app, in every mode; its value is a secret; repeatable" },
	{ "env", 0, CLI_LIST, F(set_env), 0, 0, 0, "KEY=VALUE", G_ENV,
	  "a plain setting for the task app (recorded); repeatable" },
	{ "app-env-file", 0, CLI_STR, F(app_env_file), 0, 0, 0, "FILE", G_ENV,
	  "KEY=VALUE lines for the task app, as secrets" },
	{ "inherit-env", 0, CLI_FLAG, F(inherit_env), 0, 0, 0, NULL, G_ENV,
	  "local mode: the task app gets runeval's whole environment, not "
	  "the clean one" },
	{ "out", 0, CLI_STR, F(out_dir), 0, 0, CLI_BRIEF, "DIR", G_OUT,
	  "results directory (default runs/<job-id>)" },
	{ "force", 0, CLI_FLAG, F(force), 0, 0, 0, NULL, G_OUT,
	  "let --out name a directory that is not empty (an earlier "
	  "job's files there are removed first, others kept)" },
	{ "no-out", 0, CLI_FLAG, F(no_out), 0, 0, 0, NULL, G_OUT,
	  "keep no results directory: stdout only (for hyperfine, scripts)" },
	{ "no-step-summary", 0, CLI_FLAG, F(no_step_summary), 0, 0, 0, NULL,
	  G_OUT, "do not append report.md to $GITHUB_STEP_SUMMARY (let a "
	  "'runeval report --step-summary' step write it)" },
	{ "json", 0, CLI_FLAG, F(json), 0, 0, 0, NULL, G_OUT,
	  "print result.json on stdout (tables to stderr)" },
	{ "no-progress", 0, CLI_FLAG, F(no_progress), 0, 0, 0, NULL, G_OUT,
	  "no live progress line" },
	{ "quiet", 'q', CLI_FLAG, F(quiet), 0, 0, 0, NULL, G_OUT,
	  "print only the failed rollouts, the last line (what failed, the "
	  "outcome) and errors" },
	{ "verbose", 'v', CLI_FLAG, F(verbose), 0, 0, 0, NULL, G_OUT,
	  "print every phase, health attempt and rollout" },
	{ "dry-run", 0, CLI_FLAG, F(dry_run), 0, 0, CLI_BRIEF, NULL, G_OUT,
	  "print the plan and exit without creating anything" },
	{ "config", 0, CLI_STR, F(config_file), 0, 0, CLI_ARGV_ONLY, "FILE",
	  G_CONF, "job configuration (YAML, keys are these options' names; "
	  "default ./runeval.yaml when present)" },
	{ "ca-cert", 0, CLI_STR, F(ca_cert), 0, 0, 0, "FILE", G_CONF,
	  "trust the CA certificates in FILE (PEM) for HTTPS and wss instead "
	  "of the system's" },
	{ "env-file", 0, CLI_STR, F(env_file), 0, 0, CLI_ARGV_ONLY, "FILE",
	  G_CONF, "KEY=VALUE lines for the environment (default .env when "
	  "present); variables already set win" },
	{ "help", 'h', CLI_FLAG, F(help), 0, 0, CLI_ARGV_ONLY, NULL, G_CONF,
	  "this help; 'runeval help options' lists every option" },
	{ "version", 'V', CLI_FLAG, F(version), 0, 0, CLI_ARGV_ONLY, NULL,
	  G_CONF, "print the version and the git commit" },
};

_Static_assert(sizeof(cli_table) / sizeof(*cli_table) <= CLI_MAX_OPTS,
	       "CLI_MAX_OPTS is too small for the option table");

const struct cli_opt *cli_opts(size_t *n)
{
	*n = sizeof(cli_table) / sizeof(*cli_table);
	return cli_table;
}

/* name with '_' for '-' matches; case matters (YAML keys are words). */
static bool cli_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') &&
				  (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

const struct cli_opt *cli_opt_find(const char *name)
{
	size_t n;
	const struct cli_opt *t = cli_opts(&n);

	for (size_t i = 0; name && i < n; i++)
		if (cli_name_eq(t[i].name, name))
			return &t[i];
	return NULL;
}

void cli_opt_env_name(const struct cli_opt *o, char *buf, size_t size)
{
	size_t k = (size_t)snprintf(buf, size, "RUNEVAL_");

	for (const char *p = o->name; *p && k + 1 < size; p++)
		buf[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	buf[k < size ? k : size - 1] = '\0';
}

static enum rv_code cli_bad(struct rv_err *err, const char *where,
			    const char *s, const char *want)
{
	return rv_errf(err, RV_ERR_USAGE, "invalid value '%s' for %s: "
		       "expected %s", s, where, want);
}

static enum rv_code cli_set_flag(bool *v, const char *s, const char *where,
				 struct rv_err *err)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!s || !strcasecmp(s, yes[i])) {
			*v = true;
			return RV_OK;
		}
		if (!strcasecmp(s, no[i])) {
			*v = false;
			return RV_OK;
		}
	}
	return cli_bad(err, where, s, "true or false");
}

static enum rv_code cli_set_long(long *v, const char *s, long lo, long hi,
				 const char *where, struct rv_err *err)
{
	char *end, want[80];
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	/* strtol also takes leading blanks and a '+' */
	if (!*s || *end || errno || x < lo || x > hi ||
	    !(isdigit((unsigned char)*s) || (*s == '-' &&
					     isdigit((unsigned char)s[1])))) {
		snprintf(want, sizeof(want), "an integer from %ld to %ld", lo,
			 hi);
		return cli_bad(err, where, s, want);
	}
	*v = x;
	return RV_OK;
}

/* --seeds N: seeds 0..N-1 (replacing any earlier seeds). */
static enum rv_code cli_set_seeds(struct cli_options *opt, const char *s,
				  const char *where, struct rv_err *err)
{
	long n;
	enum rv_code rc = cli_set_long(&n, s, 1, CLI_MAX_SEEDS, where, err);

	if (rc != RV_OK)
		return rc;
	free(opt->seeds);
	opt->seeds = rv_xcalloc((size_t)n, sizeof(long));
	for (long i = 0; i < n; i++)
		opt->seeds[i] = i;
	opt->n_seeds = (size_t)n;
	return RV_OK;
}

static enum rv_code cli_set_seed_list(struct cli_options *opt,
				      const char *s, const char *where,
				      struct rv_err *err)
{
	long *seeds = NULL;
	size_t n = 0;
	enum rv_code rc = cli_parse_seed_list(s, true, &seeds, &n, err);

	if (rc != RV_OK) {
		free(seeds);
		rv_err_prefix(err, "%s", where);
		return rc;
	}
	free(opt->seeds);
	opt->seeds = seeds;
	opt->n_seeds = n;
	return RV_OK;
}

/* A number within [lo, hi]; want says what is expected. */
static enum rv_code cli_set_double(double *v, const char *s, double lo,
				   double hi, const char *want,
				   const char *where, struct rv_err *err)
{
	char *end;
	double x;

	errno = 0;
	x = rv_strtod(s, &end);
	if (!*s || *end || errno || !isfinite(x) || x < lo || x > hi)
		return cli_bad(err, where, s, want);
	*v = x + 0.0;	/* "-0" is 0: printed, it would stay "-0" */
	return RV_OK;
}

static enum rv_code cli_set_num(double *v, const char *s, long lo, long hi,
				const char *where, struct rv_err *err)
{
	char want[80];

	snprintf(want, sizeof(want), "a number from %ld to %ld", lo, hi);
	return cli_set_double(v, s, (double)lo, (double)hi, want, where, err);
}

static enum rv_code cli_set_cpus(double *v, const char *s, const char *where,
				 struct rv_err *err)
{
	return cli_set_double(v, s, 0.01, 1024, "a number of CPUs from 0.01 "
			      "to 1024", where, err);
}

typedef enum rv_code (*cli_check_fn)(const char *s, const char *where,
				     struct rv_err *err);

/* The check of each value of o, or NULL (RV_ERR_USAGE naming where). */
static cli_check_fn cli_check_of(const struct cli_opt *o)
{
	if (o->off == F(network_allow))
		return cli_check_cidr;
	if (o->off == F(allow_status))
		return cli_check_status;
	if (o->off == F(policy_config))
		return policy_config_check;
	if (o->off == F(env_config))
		return policy_config_check_env;
	if (o->off == F(inference_url))
		return policy_config_check_url;
	if (o->off == F(pass_env))
		return appenv_check_pass;
	if (o->off == F(set_env))
		return appenv_check_set;
	return NULL;
}

/* Add one value to l (s outlives opt), after the row's check. */
static enum rv_code cli_list_add(struct cli_list *l, const struct cli_opt *o,
				 const char *s, const char *where,
				 struct rv_err *err)
{
	cli_check_fn check = cli_check_of(o);
	enum rv_code rc = check ? check(s, where, err) : RV_OK;

	if (rc != RV_OK)
		return rc;
	l->v = rv_xreallocarray(l->v, l->n + 2, sizeof(*l->v));
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return RV_OK;
}

/* {KEY: VALUE} (a mapping of the configuration file): "KEY=VALUE"s. */
static enum rv_code cli_list_add_object(struct cli_options *opt,
					struct cli_list *l,
					const struct cli_opt *o, const char *s,
					const char *where, struct rv_err *err)
{
	json_t *obj = rv_json_parse(s, strlen(s), where, err), *v;
	enum rv_code rc = obj ? RV_OK : RV_ERR_USAGE;
	const char *k;

	json_object_foreach(obj, k, v) {
		char *text, *kv;

		/* "A=B: c" is no name; "A: ~" no value */
		if (strchr(k, '=') || json_is_null(v)) {
			rc = rv_errf(err, RV_ERR_USAGE, "%s: '%s' %s", where, k,
				     json_is_null(v) ? "has no value" :
				     "is no variable's name");
			break;
		}
		text = json_is_string(v) ? NULL : rv_json_dumps(v);
		kv = rv_xasprintf("%s=%s", k, text ? text :
				  json_string_value(v));

		rc = cli_list_add(l, o, cli_options_keep(opt, kv), where, err);
		free(kv);
		free(text);
		if (rc != RV_OK)
			break;
	}
	json_decref(obj);
	return rc;
}

/* A CLI_LIST value: one, "a,b" (CLI_COMMAS) or {KEY: VALUE}. */
static enum rv_code cli_set_list(struct cli_options *opt,
				 const struct cli_opt *o, const char *s,
				 enum cli_src src, const char *where,
				 struct rv_err *err)
{
	struct cli_list *l = (struct cli_list *)((char *)opt + o->off);
	enum rv_code rc = RV_OK;
	char *copy, *save = NULL, *item;

	if (opt->src[o - cli_table] != src)
		l->n = 0;	/* a later source replaces the list */
	if (*s == '{')
		return cli_list_add_object(opt, l, o, s, where, err);
	if (!(o->flags & CLI_COMMAS) || !strchr(s, ','))
		return cli_list_add(l, o, s, where, err);
	copy = rv_xstrdup(s);
	for (item = strtok_r(copy, ", ", &save); item && rc == RV_OK;
	     item = strtok_r(NULL, ", ", &save))
		rc = cli_list_add(l, o, cli_options_keep(opt, item), where,
				  err);
	free(copy);
	return rc;
}

/*
 * "512m", "2g", "1048576": bytes (k, m, g are binary units), from lo to
 * hi MiB; "0" too when lo is 0 (no cap: then from 1 MiB).
 */
static enum rv_code cli_set_size(long long *v, const char *s, long lo,
				 long hi, const char *where,
				 struct rv_err *err)
{
	static const char units[] = "bkmg";
	const double mib = 1024.0 * 1024;
	const char *u;
	char *end;
	char want[96];
	double x;

	snprintf(want, sizeof(want), "%sa size from %ldm to %ldg (b, k, m, "
		 "g)", lo ? "" : "0 (no cap) or ", lo ? lo : 1, hi / 1024);
	errno = 0;
	x = rv_strtod(s, &end);
	if (end == s)	/* "m" alone was 0: no cap */
		return cli_bad(err, where, s, want);
	u = *end ? strchr(units, tolower((unsigned char)*end)) : units;
	if (u && *end && end[1])
		u = NULL;
	if (!*s || errno || !u || !isfinite(x) || x < 0 || (x == 0 && lo))
		return cli_bad(err, where, s, want);
	for (const char *p = units; p < u; p++)
		x *= 1024.0;
	if (x && (x < (lo ? lo : 1) * mib || x > hi * mib))
		return cli_bad(err, where, s, want);
	*v = (long long)x;
	return RV_OK;
}

/* --max-failures N or P% (of the seeds): the count, or -1 and the share. */
static enum rv_code cli_set_count_or_pct(struct cli_options *opt,
					 const struct cli_opt *o,
					 const char *s, const char *where,
					 struct rv_err *err)
{
	size_t len = strlen(s);
	char *end;
	double pct;

	if (len && s[len - 1] == '%') {
		errno = 0;
		pct = rv_strtod(s, &end);
		if (end == s || end != s + len - 1 || errno ||
		    !isfinite(pct) || pct < 0 || pct > 100)
			return cli_bad(err, where, s, "a percentage from 0% "
				       "to 100%");
		opt->max_failures_pct = pct + 0.0;	/* "-0%" is 0% */
		opt->max_failures = -1;
		return RV_OK;
	}
	opt->max_failures_pct = -1;
	errno = 0;
	(void)strtol(s, &end, 10);
	/* neither a count nor a share */
	if (!isdigit((unsigned char)*s) || *end || errno) {
		char want[96];

		snprintf(want, sizeof(want), "a count from %ld to %ld or a "
			 "percentage of the seeds (e.g. 10%%)", o->lo, o->hi);
		return cli_bad(err, where, s, want);
	}
	return cli_set_long(&opt->max_failures, s, o->lo, o->hi, where, err);
}

enum rv_code cli_opt_set(struct cli_options *opt, const struct cli_opt *o,
			 const char *s, enum cli_src src, const char *where,
			 struct rv_err *err)
{
	char *field = (char *)opt + o->off;
	enum rv_code rc = RV_OK;
	long v;

	if (!s && o->kind != CLI_FLAG)
		return rv_errf(err, RV_ERR_USAGE, "%s needs a value", where);
	switch (o->kind) {
	case CLI_FLAG:
		rc = cli_set_flag((bool *)field, s, where, err);
		break;
	case CLI_STR:
	case CLI_JSON_OBJECT:
		rc = cli_check_of(o) ? cli_check_of(o)(s, where, err) : RV_OK;
		if (rc == RV_OK)
			*(const char **)field = s;
		break;
	case CLI_NUM:
		rc = cli_set_num((double *)field, s, o->lo, o->hi, where, err);
		break;
	case CLI_LIST:
		rc = cli_set_list(opt, o, s, src, where, err);
		break;
	case CLI_UINT:
	case CLI_INT:
		rc = cli_set_long(&v, s, o->lo, o->hi, where, err);
		if (rc == RV_OK && o->kind == CLI_UINT)
			*(unsigned *)field = (unsigned)v;
		else if (rc == RV_OK)
			*(int *)field = (int)v;
		break;
	case CLI_SECS:	/* > 0: DBL_MIN, strtod refuses the subnormals */
		rc = cli_set_double((double *)field, s, DBL_MIN, 7 * 86400,
				    "seconds > 0 (up to a week)", where, err);
		break;
	case CLI_REWARD:
		rc = cli_set_double((double *)field, s, -1e9, 1e9, "a reward, "
				    "a number within -1e9 and 1e9", where, err);
		break;
	case CLI_SEEDS:
		rc = cli_set_seeds(opt, s, where, err);
		break;
	case CLI_SEED_LIST:
		rc = cli_set_seed_list(opt, s, where, err);
		break;
	case CLI_PROVIDER:
		/* a list from a later source replaces; argv's add up */
		if (opt->src[o - cli_table] < src)
			opt->n_providers = 0;
		rc = cli_set_provider(opt, s, where, err);
		break;
	case CLI_COUNT_OR_PCT:
		rc = cli_set_count_or_pct(opt, o, s, where, err);
		break;
	case CLI_CPUS:
		rc = cli_set_cpus((double *)field, s, where, err);
		break;
	case CLI_SIZE:
		rc = cli_set_size((long long *)field, s, o->lo, o->hi, where,
				  err);
		break;
	}
	if (rc == RV_OK)
		opt->src[o - cli_table] = (unsigned char)src;
	return rc;
}

/*
 * A list as its option reads it back: "a,b" (CLI_COMMAS); one KEY=VALUE
 * as it is; several as {"KEY": "VALUE", ...}, which cli_set_list takes
 * (joined with commas, "A=1,B=2" would come back as A with "1,B=2"),
 * their values redacted.
 */
static void cli_list_text(const struct cli_list *l, const struct cli_opt *o,
			  struct rv_buf *out)
{
	json_t *obj;
	char *text;

	if ((o->flags & CLI_COMMAS) || l->n < 2) {
		for (size_t i = 0; i < l->n; i++)
			rv_buf_addf(out, "%s%s", i ? "," : "", l->v[i]);
		return;
	}
	obj = json_object();
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strcspn(l->v[i], "=");
		char *key = rv_xstrndup(l->v[i], k);
		/* redacted here: JSON's escapes would hide a secret from a
		   redaction of the whole text */
		char *value = rv_redact(l->v[i][k] ? l->v[i] + k + 1 : "");

		json_object_set_new(obj, key, json_string(value));
		free(value);
		free(key);
	}
	text = rv_json_dumps(obj);
	rv_buf_adds(out, text);
	free(text);
	json_decref(obj);
}

void cli_opt_value(const struct cli_options *opt, const struct cli_opt *o,
		   struct rv_buf *out)
{
	const char *field = (const char *)opt + o->off;

	switch (o->kind) {
	case CLI_FLAG:
		rv_buf_adds(out, *(const bool *)field ? "true" : "false");
		break;
	case CLI_PROVIDER:
		for (size_t i = 0; i < opt->n_providers; i++)
			rv_buf_addf(out, "%s%s", i ? "," : "",
				    opt->providers[i]);
		if (!opt->n_providers)
			rv_buf_adds(out, opt->provider ? opt->provider : "");
		break;
	case CLI_STR:
	case CLI_JSON_OBJECT:
		rv_buf_adds(out, *(const char *const *)field ?
			    *(const char *const *)field : "");
		break;
	/* a number below what the option takes is "not set" (nothing) */
	case CLI_UINT:
		if (*(const unsigned *)field >= o->lo)
			rv_buf_addf(out, "%u", *(const unsigned *)field);
		break;
	case CLI_INT:
		if (*(const int *)field >= o->lo)
			rv_buf_addf(out, "%d", *(const int *)field);
		break;
	case CLI_SECS:
		if (*(const double *)field > 0)
			rv_buf_addf(out, "%g", *(const double *)field);
		break;
	case CLI_REWARD:
		if (!isnan(*(const double *)field))
			rv_buf_addf(out, "%.17g", *(const double *)field);
		break;
	case CLI_NUM:
		if (*(const double *)field >= 0)
			rv_buf_addf(out, "%g", *(const double *)field);
		break;
	case CLI_LIST:
		cli_list_text((const struct cli_list *)field, o, out);
		break;
	case CLI_SEEDS:
	case CLI_SEED_LIST:
		cli_seed_list_text(opt->seeds, opt->n_seeds, out);
		break;
	case CLI_CPUS:
		if (*(const double *)field > 0)
			rv_buf_addf(out, "%g", *(const double *)field);
		break;
	case CLI_SIZE:	/* 0 is a value where the option takes it */
		if (*(const long long *)field > 0 || o->lo == 0)
			rv_buf_addf(out, "%lld", *(const long long *)field);
		break;
	case CLI_COUNT_OR_PCT:
		if (opt->max_failures_pct >= 0)
			rv_buf_addf(out, "%g%%", opt->max_failures_pct);
		else if (opt->max_failures >= 0)
			rv_buf_addf(out, "%ld", opt->max_failures);
		break;
	}
}

void cli_help_line(FILE *out, const char *lhs, const char *help)
{
	const size_t col = 26, width = 79;
	size_t at;

	fprintf(out, "  %s", lhs);
	at = 2 + strlen(lhs);
	while (*help) {
		size_t len = strlen(help), take = len;

		if (at >= col) {
			fputc('\n', out);
			at = 0;
		}
		fprintf(out, "%*s", (int)(col - at), "");
		at = col;
		/* break at the last space that keeps the line in width */
		if (len > width - col) {
			take = width - col;
			while (take > 0 && help[take] != ' ')
				take--;
			if (!take)
				take = width - col;
		}
		fprintf(out, "%.*s\n", (int)take, help);
		at = 0;
		help += take;
		while (*help == ' ')
			help++;
	}
	if (at)
		fputc('\n', out);
}

void cli_seed_list_text(const long *seeds, size_t n, struct rv_buf *out)
{
	for (size_t i = 0; i < n; ) {
		size_t j = i;

		while (j + 1 < n && seeds[j + 1] == seeds[j] + 1)
			j++;
		rv_buf_addf(out, "%s%ld", i ? "," : "", seeds[i]);
		if (j > i)
			rv_buf_addf(out, "-%ld", seeds[j]);
		i = j + 1;
	}
}

void cli_opts_help(FILE *out, bool brief)
{
	const char *group = NULL;
	size_t n;
	const struct cli_opt *t = cli_opts(&n);

	for (size_t i = 0; i < n; i++) {
		char lhs[64], shrt[8] = "";

		if (brief && !(t[i].flags & CLI_BRIEF))
			continue;
		if (!brief && (!group || strcmp(group, t[i].group)))
			fprintf(out, "\n%s:\n", t[i].group);
		group = t[i].group;
		if (t[i].key)
			snprintf(shrt, sizeof(shrt), "-%c, ", t[i].key);
		snprintf(lhs, sizeof(lhs), "%s--%s%s%s", shrt, t[i].name,
			 t[i].arg ? " " : "", t[i].arg ? t[i].arg : "");
		cli_help_line(out, lhs, t[i].help);
	}
}

/* s with roff's specials escaped ('-' as "\-", '\' as "\e"). */
static void cli_roff_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

void cli_opts_roff(FILE *out)
{
	const char *group = NULL;
	size_t n;
	const struct cli_opt *t = cli_opts(&n);

	for (size_t i = 0; i < n; i++) {
		if (!group || strcmp(group, t[i].group)) {
			fprintf(out, ".SS ");
			cli_roff_text(out, t[i].group);
			fputc('\n', out);
		}
		group = t[i].group;
		fprintf(out, ".TP\n");
		if (t[i].key)
			fprintf(out, "\\fB\\-%c\\fR, ", t[i].key);
		fprintf(out, "\\fB\\-\\-");
		cli_roff_text(out, t[i].name);
		fprintf(out, "\\fR");
		if (t[i].arg) {
			fprintf(out, " \\fI");
			cli_roff_text(out, t[i].arg);
			fprintf(out, "\\fR");
		}
		fputc('\n', out);
		cli_roff_text(out, t[i].help);
		fprintf(out, ".\n");
	}
}
