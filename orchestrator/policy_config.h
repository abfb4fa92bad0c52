/*
 * policy_config: the policy.config every rollout sends.
 *
 * Built once per job from --policy-config (a JSON object), then the
 * shortcuts --temperature, --max-tokens and --max-turns, then --model,
 * --inference-url and --policy: a flag wins over the same key of
 * --policy-config.  The model's key never comes from a flag, where it
 * would land in result.json: --policy-config may not carry a key that
 * names a secret (api_key, *_token, password, authorization, ..., at any
 * depth), nor 'policy' (that is --policy's); the task app reads the key
 * from a variable passed to it (--pass-env OPENAI_API_KEY).  The same
 * holds for --env-config (env.config: a key whose last word names a
 * credential) and --inference-url (no "user:password@", no credential
 * in the query).
 */
#ifndef RUNEVAL_ORCHESTRATOR_POLICY_CONFIG_H
#define RUNEVAL_ORCHESTRATOR_POLICY_CONFIG_H

#include "rv_err.h"

struct cli_options;

/* Is json a valid --policy-config?  RV_ERR_USAGE with why, naming where
   it came from ("'--policy-config'", ...), when not. */
enum rv_code policy_config_check(const char *json, const char *where,
				 struct rv_err *err);

/* Is json a valid --env-config: a JSON object without a key whose last
   word names a credential ('policy' allowed)? */
enum rv_code policy_config_check_env(const char *json, const char *where,
				     struct rv_err *err);

/* Is url a valid --inference-url: no user or password in it, no query
   parameter that names a credential? */
enum rv_code policy_config_check_url(const char *url, const char *where,
				     struct rv_err *err);

/* policy.config for opt (options already checked), as JSON text
   (malloc'ed). */
char *policy_config_build(const struct cli_options *opt);

#endif
