/*
 * appenv: what the task app finds in its environment, the same in every
 * mode and provider.
 *
 * Besides PORT and ENVIRONMENT_API_KEY (which runeval sets), the app
 * gets, later sources winning over earlier ones:
 *   --pass-env NAME   the variable from runeval's environment (the env
 *                     file included); NAME may be a glob ('OPENAI_*'),
 *                     which never matches runeval's own variables
 *                     (DAYTONA_*, E2B_*, RUNEVAL_*); an exact name that
 *                     is unset, or a glob that matches nothing, is an
 *                     error
 *   --app-env-file F  its KEY=VALUE lines (dotenv.h syntax)
 *   --env KEY=VALUE   a plain setting
 * Values of passed variables and of the app env file are secrets: each
 * is registered with rv_redact_add() when the list is built, and only
 * their names are recorded (appenv_json).  --env values are recorded as
 * given, so a name that looks like a secret's (dotenv_name_is_secret) is
 * refused there, as are PORT and ENVIRONMENT_API_KEY everywhere.
 *
 * How the list reaches the app is the mode's business (mode.h): a local
 * app gets it on top of a clean base environment, a sandboxed one
 * through an env file only its user can read.
 */
#ifndef RUNEVAL_ORCHESTRATOR_APPENV_H
#define RUNEVAL_ORCHESTRATOR_APPENV_H

#include <jansson.h>
#include <stddef.h>

#include "rv_err.h"

struct cli_options;

struct appenv {
	char **kv;		/* "K=V" for the app, NULL-ended (secrets) */
	size_t n;
	char **passed;		/* names whose values are secret, in order */
	size_t n_passed;
};

#define APPENV_INIT { NULL, 0, NULL, 0 }

/*
 * Checks of one value of --pass-env and --env (RV_ERR_USAGE, one line
 * naming where the value came from: "'--env'", "'RUNEVAL_ENV'", ...).
 */
enum rv_code appenv_check_pass(const char *pattern, const char *where,
			       struct rv_err *err);
enum rv_code appenv_check_set(const char *kv, const char *where,
			      struct rv_err *err);

/*
 * The list for opt, with ENVIRONMENT_API_KEY=api_key first.  Reads
 * runeval's environment and --app-env-file (RV_ERR_CONFIG when it
 * cannot be read or is malformed, or a --pass-env finds nothing).
 */
enum rv_code appenv_build(const struct cli_options *opt, const char *api_key,
			  struct appenv *out, struct rv_err *err);
void appenv_release(struct appenv *e);

/*
 * For result.json's config: {"passed": [names], "set": {KEY: VALUE},
 * "file": path or null, "inherit": bool}.  No secret value.
 */
json_t *appenv_json(const struct appenv *e, const struct cli_options *opt);

#endif
