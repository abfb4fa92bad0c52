/* policy_config: policy.config of the rollouts (see policy_config.h). */
#include "policy_config.h"

#include "cli.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* key in lower case, whole (a copy cut short would hide what follows) */
static char *policy_config_lower(const char *key, size_t n)
{
	char *low = rv_xstrndup(key, n);

	for (size_t i = 0; low[i]; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	return low;
}

/* Does a policy.config key name a credential? */
static bool policy_config_secret_key(const char *key)
{
	static const char *const marks[] = { "key", "secret", "password",
		"passwd", "authorization", "credential", "bearer", "cookie" };
	char *low = policy_config_lower(key, strlen(key));
	size_t n = strlen(low);
	bool found = false;

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		found |= strstr(low, marks[i]) != NULL;
	/* "access_token", "token" are; "max_tokens" is not */
	found |= n >= 5 && !strcmp(low + n - 5, "token");
	free(low);
	return found;
}

/*
 * Does an env.config key (or a URL's query parameter) name a credential?
 * Stricter than the above: env.config holds the task's own settings, so
 * 'keywords', 'sort_key' or 'secret_word' are not credentials.  A key is
 * one when it ends with a credential's name: a compound one (api_key,
 * apiKey, access_token, client_secret, ...) anyhow, a single word
 * (password, secret, token, ...) when it is the whole key or follows a
 * '_', '-' or '.' or starts a camelCase word.
 */
static bool policy_config_env_secret_key(const char *key)
{
	static const char *const compound[] = { "api_key", "apikey",
		"api-key", "access_key", "accesskey", "secret_key",
		"secretkey", "private_key", "privatekey", "client_secret",
		"clientsecret", "auth_token", "authtoken", "access_token",
		"accesstoken", "refresh_token", "refreshtoken" };
	static const char *const words[] = { "password", "passwd", "secret",
		"token", "authorization", "credential", "credentials",
		"cookie", "bearer", "key" };
	char *low = policy_config_lower(key, strlen(key));
	size_t n = strlen(low), k, i;
	bool found = false;

	for (i = 0; i < sizeof(compound) / sizeof(*compound) && !found; i++) {
		k = strlen(compound[i]);
		found = n >= k && !strcmp(low + n - k, compound[i]);
	}
	for (i = 0; i < sizeof(words) / sizeof(*words) && !found; i++) {
		k = strlen(words[i]);
		if (n < k || strcmp(low + n - k, words[i]))
			continue;
		/* 'key' alone names a credential only as the whole key */
		found = n == k || (k > 3 && (strchr("_-.", key[n - k - 1]) ||
					     isupper((unsigned char)key[n - k])));
	}
	free(low);
	return found;
}

/* The first key at any depth of v that names a credential, or NULL
   (is_secret: which names do). */
static const char *policy_config_find_secret(json_t *v,
					     bool (*is_secret)(const char *))
{
	const char *k, *hit;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (is_secret(k))
				return k;
			if ((hit = policy_config_find_secret(x, is_secret)))
				return hit;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if ((hit = policy_config_find_secret(x, is_secret)))
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
	else if ((secret = policy_config_find_secret(v, policy ?
			policy_config_secret_key :
			policy_config_env_secret_key)))
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

/* A query parameter's name, its %XX decoded (api%5Fkey is api_key). */
static char *policy_config_query_name(const char *q, size_t n)
{
	char *name = rv_xmalloc(n + 1), *o = name;

	for (size_t i = 0; i < n; i++) {
		if (q[i] == '%' && i + 2 < n &&
		    isxdigit((unsigned char)q[i + 1]) &&
		    isxdigit((unsigned char)q[i + 2])) {
			char hex[3] = { q[i + 1], q[i + 2], '\0' };
			char c = (char)strtol(hex, NULL, 16);

			i += 2;
			/* a NUL would end the name early */
			*o++ = c ? c : '_';
			continue;
		}
		*o++ = q[i];
	}
	*o = '\0';
	return name;
}

/* The first query parameter of url that names a credential ("name",
   cut to 63 bytes), else false.  A '?' after the '#' is the fragment's. */
static bool policy_config_url_secret(const char *url, char name[64])
{
	size_t end = strcspn(url, "#");
	const char *q = memchr(url, '?', end);

	while (q && q < url + end) {
		size_t n;
		char *full;
		bool secret;

		q++;
		n = strcspn(q, "=&#");
		full = policy_config_query_name(q, n);
		secret = policy_config_env_secret_key(full);
		snprintf(name, 64, "%.63s", full);
		free(full);
		if (secret)
			return true;
		q += strcspn(q, "&#");
		if (*q != '&')
			break;
	}
	return false;
}

enum rv_code policy_config_check_url(const char *url, const char *where,
				     struct rv_err *err)
{
	size_t scheme = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
			       "NOPQRSTUVWXYZ0123456789+.-");
	const char *auth = url;
	char name[64];

	/* the authority: after "scheme:" and any slashes, up to the path,
	   the query or the fragment (as lenient parsers read it too) */
	if (scheme && url[scheme] == ':')
		auth = url + scheme + 1;
	auth += strspn(auth, "/\\");
	if (memchr(auth, '@', strcspn(auth, "/\\?#")))
		return rv_errf(err, RV_ERR_USAGE, "%s must not carry a user "
			       "or password ('user:pass@'): a flag's value is "
			       "recorded in result.json; give the task app the "
			       "secret in a passed variable ('--pass-env "
			       "OPENAI_API_KEY')", where);
	if (policy_config_url_secret(url, name))
		return rv_errf(err, RV_ERR_USAGE, "%s must not carry a "
			       "credential in its query ('%s'): a flag's value "
			       "is recorded in result.json; give the task app "
			       "the secret in a passed variable ('--pass-env "
			       "OPENAI_API_KEY')", where, name);
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
