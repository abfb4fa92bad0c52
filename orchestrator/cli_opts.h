/*
 * cli_opts: the table of runeval's job options, and what reads it.
 *
 * One row per option drives everything that names options: getopt, the
 * one-screen --help and the full list ('runeval help options'), the
 * configuration file (a key per option), the environment (RUNEVAL_<NAME>),
 * 'runeval config', the man page's option list and the shell completion.
 * A new option is one row (and its field in struct cli_options).
 *
 * Values come from four places, later ones winning: the defaults, the
 * configuration file, the environment (which the .env file fills without
 * overriding what is set), the command line.  cli_opt_set() applies one
 * value from any of them and records where it came from.  An option
 * given more than once (CLI_LIST: --pass-env, --env, --network-allow,
 * --allow-status)
 * collects its values, from one source: a later source's replace them.
 * In the configuration file such an option takes a list (--env also a
 * mapping: {KEY: VALUE}), in the environment a text split at commas
 * (CLI_COMMAS) or one value.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CLI_OPTS_H
#define RUNEVAL_ORCHESTRATOR_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rv_buf.h"
#include "rv_err.h"

struct cli_options;

enum cli_kind {
	CLI_FLAG,		/* bool */
	CLI_STR,		/* const char * */
	CLI_UINT,		/* unsigned, lo..hi */
	CLI_INT,		/* int, lo..hi */
	CLI_SECS,		/* double seconds, > 0, up to a week */
	CLI_SEEDS,		/* --seeds N: seeds 0..N-1 */
	CLI_SEED_LIST,		/* --seed-list 0,3,10-19 */
	CLI_PROVIDER,		/* --provider NAME (and the aliases) */
	CLI_JSON_OBJECT,	/* a JSON object's text (const char *) */
	CLI_NUM,		/* double, lo..hi */
	CLI_LIST,		/* struct cli_list: each value is added; a
				   later source replaces an earlier one's */
	CLI_COUNT_OR_PCT,	/* N, or P% (of the seeds): max_failures */
	CLI_REWARD,		/* double, a reward within -1e9 and 1e9 */
	CLI_CPUS,		/* double, 0.01..1024 */
	CLI_SIZE,		/* long long bytes: 512m, 2g, within lo..hi
				   MiB; 0 too when lo is 0 (then 1..hi) */
};

/* Where a value came from (struct cli_options.src). */
enum cli_src {
	CLI_SRC_DEFAULT = 0,
	CLI_SRC_CONFIG,
	CLI_SRC_ENV,
	CLI_SRC_ARGV,
};

/* Option flags. */
#define CLI_SANDBOX	(1u << 0)	/* meaningful in a sandbox mode only */
#define CLI_BRIEF	(1u << 1)	/* shown by the one-screen --help */
#define CLI_ARGV_ONLY	(1u << 2)	/* not from the file or environment */
#define CLI_COMMAS	(1u << 3)	/* CLI_LIST: "a,b" is two values */

struct cli_opt {
	const char *name;		/* long option, and the config key */
	int key;			/* its short option, or 0 */
	enum cli_kind kind;
	size_t off;			/* the field in struct cli_options */
	long lo, hi;			/* CLI_UINT/CLI_INT/CLI_SIZE bounds */
	unsigned flags;			/* CLI_* */
	const char *arg;		/* "N", "SECS", ...; NULL for a flag */
	const char *group;		/* help section */
	const char *help;		/* one line, lowercase, no full stop */
};

/* Every option (n in *n).  The row's index is its identity. */
const struct cli_opt *cli_opts(size_t *n);

/* The option called name ("seeds"; "seed_list" is "seed-list"), or NULL. */
const struct cli_opt *cli_opt_find(const char *name);

/*
 * Set o from text s (for a flag: "true"/"false"/"yes"/"no"/"1"/"0"; NULL
 * is true, as a flag on the command line), recording src.  where names
 * the source for errors ("'--seeds'", "'runeval.yaml' line 3: 'seeds'",
 * "'RUNEVAL_SEEDS'").  s must outlive opt (cli_options_keep()).
 */
enum rv_code cli_opt_set(struct cli_options *opt, const struct cli_opt *o,
			 const char *s, enum cli_src src, const char *where,
			 struct rv_err *err);

/* RUNEVAL_<NAME> (upper case, '-' as '_') into buf. */
void cli_opt_env_name(const struct cli_opt *o, char *buf, size_t size);

/* The option's current value as text ("" when unset), for printing. */
void cli_opt_value(const struct cli_options *opt, const struct cli_opt *o,
		   struct rv_buf *out);

/* Help lines of the options (brief: only CLI_BRIEF ones), by group. */
void cli_opts_help(FILE *out, bool brief);

/* The options as man(7) .SS/.TP entries, for runeval(1). */
void cli_opts_roff(FILE *out);

/* --- shared by the CLI's files --------------------------------------- */

/* "  LHS   help..." wrapped at 79 columns, the help from column 26. */
void cli_help_line(FILE *out, const char *lhs, const char *help);

/* "0-4,7,9-10": seeds as a --seed-list that gives them back. */
void cli_seed_list_text(const long *seeds, size_t n, struct rv_buf *out);

/* --provider NAME (or an alias): the provider and its mode. */
enum rv_code cli_set_provider(struct cli_options *opt, const char *name,
			      const char *where, struct rv_err *err);

#endif
