/*
 * cli: runeval's job options (`runeval --local [options]`).
 *
 * cli_parse() sets every default, then applies the configuration file
 * (--config FILE, else ./runeval.yaml when present), the environment
 * (RUNEVAL_<OPTION>, which the .env file has filled without overriding)
 * and the command line, each winning over the ones before, and validates
 * across options.  The options themselves are one table (cli_opts.h).
 * On failure it returns RV_ERR_USAGE with a one-line message naming the
 * option and where it came from; main prints it with a hint to --help.
 * Strings in struct cli_options point into argv or into strings the
 * options own; cli_options_release() frees what they own (and the arrays
 * of the options given more than once).
 */
#ifndef RUNEVAL_ORCHESTRATOR_CLI_H
#define RUNEVAL_ORCHESTRATOR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rv_err.h"

#define CLI_DEFAULT_CONCURRENCY 8
#define CLI_DEFAULT_POLICY "reference"
#define CLI_DEFAULT_TIMEOUT_S 600.0
#define CLI_DEFAULT_HEALTH_TIMEOUT_S 30.0
#define CLI_DEFAULT_ENV_NAME "default"
#define CLI_DEFAULT_ENV_FILE ".env"
#define CLI_MAX_SEEDS 1000000L	/* rollouts: seeds x epochs */
#define CLI_DEFAULT_PASS_THRESHOLD 1.0
#define CLI_MAX_ALLOW_STATUS 32

/* Exit codes (documented in --help and README.md). */
#define CLI_EXIT_OK 0		/* the job ran and every rollout succeeded */
#define CLI_EXIT_ROLLOUTS 1	/* the job ran; some rollouts failed */
#define CLI_EXIT_USAGE 2	/* bad command line or configuration */
#define CLI_EXIT_INFRA 3	/* task app / sandbox / teardown failed */
#define CLI_EXIT_PIPELINE 4	/* the task app answered a success_status
				   other than success (not --allow-status) */
#define CLI_EXIT_INTERRUPTED 130	/* SIGINT or SIGTERM */

#define CLI_MAX_SANDBOXES 64
#define CLI_MAX_PROVIDERS 8	/* --provider a,b,...: one job each */
#define CLI_MAX_OPTS 96		/* rows of the option table, at most */
#define CLI_DEFAULT_SANDBOX_RETRIES 3
#define CLI_DEFAULT_RETRIES 3
#define CLI_DEFAULT_LOG_LIMIT (64ll << 20)	/* per task app process */
#define CLI_DEFAULT_CONFIG "runeval.yaml"

/* The values of an option that may be given more than once. */
struct cli_list {
	const char **v;			/* malloc'ed, NULL-ended; the strings
					   are argv's or kept (borrowed) */
	size_t n;
};

struct cli_options {
	const char *mode;		/* "local"; NULL until a mode flag */
	const char *provider;		/* "process", "daytona", "docker": the
					   first of */
	const char *providers[CLI_MAX_PROVIDERS];	/* --provider a,b or
					   repeated: the same job on each */
	size_t n_providers;
	bool isolate;			/* --local --isolate: bwrap */
	bool one_provider_at_a_time;	/* several providers: in turn */
	/* sandbox modes (--daytona) */
	const char *snapshot;		/* NULL = the provider's default */
	const char *image;
	const char *target;		/* region; NULL = $DAYTONA_TARGET */
	const char *setup_cmd;		/* install step, or NULL */
	unsigned sandboxes;		/* sandboxes pulling seeds (default 1) */
	unsigned sandbox_retries;	/* replacements per sandbox slot */
	bool keep;			/* leave the sandboxes up */
	bool lite;			/* start the provider's offline server
					   (daytona-lite) for the job */
	double provision_timeout_s;	/* 0 = the provider's default */
	double cpus;			/* --cpus; 0 = no limit */
	long long memory_bytes;		/* --memory; 0 = no limit */
	bool snapshot_after_install;	/* snapshot shard 0 after install;
					   the other shards start from it */
	long *seeds;			/* malloc'ed, in the given order */
	size_t n_seeds;
	unsigned epochs;		/* runs of each seed (default 1) */
	bool epochs_given;		/* --epochs: repeated seeds allowed */
	double pass_threshold;		/* a rollout passes at reward >= it */
	struct cli_list allow_status;	/* --allow-status NAME[,NAME] */
	double junit_fail_below;	/* NAN: reward-0 rollouts pass */
	bool prom_strict;		/* metrics.prom promtool-clean */
	bool no_step_summary;		/* not to $GITHUB_STEP_SUMMARY */
	unsigned concurrency;
	const char *policy;
	const char *model;		/* NULL = the task app's default */
	const char *inference_url;
	double timeout_s;		/* per rollout */
	unsigned retries;		/* per rollout, transient failures */
	long max_failures;		/* stop past N failed; -1 = never */
	double max_failures_pct;	/* or past P% of the seeds; -1 */
	double health_timeout_s;
	const char *app_dir;		/* NULL = the bundled task app */
	const char *start_cmd;		/* NULL = derived from the app */
	int port;			/* 0 = a free one */
	long long log_limit;		/* --log-limit: bytes of output a
					   task app process may put in its
					   log; 0 = no cap */
	const char *env_name;
	const char *env_config;		/* JSON object text (validated) */
	const char *out_dir;		/* NULL = runs/<job-id> */
	const char *env_file;		/* NULL = .env when present */
	/* the task app's environment (appenv.h) */
	struct cli_list pass_env;	/* --pass-env NAME or GLOB */
	struct cli_list set_env;	/* --env KEY=VALUE (no secrets) */
	const char *app_env_file;	/* --app-env-file FILE */
	bool inherit_env;		/* --inherit-env (local mode) */
	/* policy.config (policy_config.h) */
	const char *policy_config;	/* --policy-config, a JSON object */
	double temperature;		/* --temperature; < 0 = unset */
	unsigned max_tokens;		/* --max-tokens; 0 = unset */
	unsigned max_turns;		/* --max-turns; 0 = unset */
	/* sandbox network (sandbox modes) */
	struct cli_list network_allow;	/* --network-allow CIDR */
	bool network_block_all;		/* --network-block-all */
	const char *ca_cert;		/* --ca-cert, or NULL */
	bool quiet, verbose, no_progress, json;
	bool help, version;
	const char *config_file;	/* --config, or ./runeval.yaml, or NULL */
	bool dry_run;			/* print the plan; create nothing */
	bool force;			/* --out may name a non-empty directory */
	bool no_out;			/* keep nothing but stdout */

	/* --- bookkeeping of cli_parse() -------------------------------- */
	unsigned char src[CLI_MAX_OPTS];	/* enum cli_src of each row */
	char **kept;			/* strings the options own */
	size_t n_kept;
};

/* Keep s (copied) for as long as opt: the value of a file or variable. */
const char *cli_options_keep(struct cli_options *opt, const char *s);

/* Parse argv (argv[0] is the program).  opt is overwritten. */
enum rv_code cli_parse(int argc, char **argv, struct cli_options *opt,
		       struct rv_err *err);

void cli_options_release(struct cli_options *opt);

/*
 * Parse a seed list "0,3,10-19" into a malloc'ed array (appended to
 * *seeds / *n).  Negative numbers, reversed ranges and more than
 * CLI_MAX_SEEDS seeds are errors; so are repeated seeds unless repeats.
 */
enum rv_code cli_parse_seed_list(const char *s, bool repeats, long **seeds,
				 size_t *n, struct rv_err *err);

/* Is status allowed (success, or one of --allow-status)? */
bool cli_status_allowed(const struct cli_options *opt, const char *status);

/*
 * Apply the configuration file path (YAML: "option: value" lines, see
 * cli_config.c) to opt.  RV_ERR_USAGE naming the file and line.
 */
enum rv_code cli_config_load(struct cli_options *opt, const char *path,
			     struct rv_err *err);

/*
 * A subcommand's configuration file (`runeval bench --config FILE`): the
 * same YAML shape, its keys the long options of keys (getopt's table,
 * ended by a zeroed entry), read as the command-line words they stand
 * for: "--key" "value" for each entry, one pair for each item of a list,
 * "--key" alone for a flag set to true, nothing for false ("--key=value"
 * for an optional value, which true and false also set or leave out).  The words
 * are appended to out (v NULL-terminated, malloc'ed; release with
 * cli_words_release()).  RV_ERR_USAGE naming the file and line.
 */
struct option;

struct cli_words {
	char **v;
	size_t n;
};

enum rv_code cli_config_words(const char *path, const struct option *keys,
			      struct cli_words *out, struct rv_err *err);
void cli_words_release(struct cli_words *w);

/* The effective configuration, in the file's shape, secrets redacted;
   values still at their default are comments. */
void cli_config_print(const struct cli_options *opt, FILE *out);

/* The --help text: one screen (brief), or every option. */
void cli_usage(FILE *out, bool brief);

#endif
