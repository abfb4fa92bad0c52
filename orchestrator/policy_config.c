/* policy_config: policy.config of the rollouts (see policy_config.h). */
#include "policy_config.h"

#include "cli.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Does a policy.config key name a credential? */
static bool policy_config_secret_key(const char *key)
{
	static const char *const marks[] = { "key", "secret", "password",
		"passwd", "authorization", "credential", "bearer", "cookie" };
	char low[128];
	size_t n, i;

	for (n = 0; key[n] && n < sizeof(low) - 1; n++)
		low[n] = (char)tolower((unsigned char)key[n]);
	low[n] = '\0';
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(low, marks[i]))
			return true;
	/* "access_token", "token" are; "max_tokens" is not */
	return n >= 5 && !strcmp(low + n - 5, "token");
}

/* The first key at any depth of v that names a credential, or NULL. */
static const char *policy_config_find_secret(json_t *v)
{
	const char *k, *hit;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (policy_config_secret_key(k))
				return k;
			if ((hit = policy_config_find_secret(x)))
				return hit;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if ((hit = policy_config_find_secret(x)))
				return hit;
	}
	return NULL;
}

/* A JSON object without a credential (policy: 'policy' is --policy's). */
static enum rv_code policy_config_check_object(const char *json,
					       const char *where, bool policy,
					       struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;
	json_t *v = rv_json_parse(json, strlen(json), where, &e);
	enum rv_code rc = RV_OK;
	const char *secret;

	if (!v)
		return rv_errf(err, RV_ERR_USAGE, "%s", e.msg);
	if (!json_is_object(v))
		rc = rv_errf(err, RV_ERR_USAGE, "%s must be a JSON object, not "
			     "%s", where, rv_json_type_name(v));
	else if (policy && json_object_get(v, "policy"))
		rc = rv_errf(err, RV_ERR_USAGE, "%s sets 'policy': use "
			     "'--policy NAME'", where);
	else if ((secret = policy_config_find_secret(v)))
		rc = rv_errf(err, RV_ERR_USAGE, "%s must not carry '%s': a "
			     "flag's value is recorded in result.json; give "
			     "the task app the secret in a passed variable "
			     "('--pass-env OPENAI_API_KEY')", where, secret);
	json_decref(v);
	return rc;
}

enum rv_code policy_config_check(const char *json, const char *where,
				 struct rv_err *err)
{
	return policy_config_check_object(json, where, true, err);
}

enum rv_code policy_config_check_env(const char *json, const char *where,
				     struct rv_err *err)
{
	return policy_config_check_object(json, where, false, err);
}

enum rv_code policy_config_check_url(const char *url, const char *where,
				     struct rv_err *err)
{
	const char *auth = strstr(url, "://");
	size_t n;

	auth = auth ? auth + 3 : url;
	n = strcspn(auth, "/?#");
	if (memchr(auth, '@', n))
		return rv_errf(err, RV_ERR_USAGE, "%s must not carry a user "
			       "or password ('user:pass@'): a flag's value is "
			       "recorded in result.json; give the task app the "
			       "secret in a passed variable ('--pass-env "
			       "OPENAI_API_KEY')", where);
	return RV_OK;
}

char *policy_config_build(const struct cli_options *opt)
{
	json_t *c = opt->policy_config ?
		rv_json_parse(opt->policy_config, strlen(opt->policy_config),
			      "'--policy-config'", NULL) : NULL;
	char *text;

	if (!json_is_object(c)) {
		json_decref(c);
		c = json_object();
	}
	if (opt->temperature >= 0)
		json_object_set_new(c, "temperature",
				    json_real(opt->temperature));
	if (opt->max_tokens > 0)
		json_object_set_new(c, "max_tokens",
				    json_integer(opt->max_tokens));
	if (opt->max_turns > 0)
		json_object_set_new(c, "max_turns",
				    json_integer(opt->max_turns));
	if (opt->model)
		json_object_set_new(c, "model", json_string(opt->model));
	if (opt->inference_url)
		json_object_set_new(c, "inference_url",
				    json_string(opt->inference_url));
	json_object_set_new(c, "policy", json_string(opt->policy ?
		opt->policy : CLI_DEFAULT_POLICY));
	text = rv_json_dumps(c);
	json_decref(c);
	return text;
}
