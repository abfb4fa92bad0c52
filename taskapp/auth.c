#include "auth.h"

#include "rv_alloc.h"
#include "rv_redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void auth_add(struct taskapp_auth *a, const char *k, size_t n)
{
	while (n && (*k == ' ' || *k == '\t')) {
		k++;
		n--;
	}
	while (n && (k[n - 1] == ' ' || k[n - 1] == '\t'))
		n--;
	if (!n || a->nkeys >= TASKAPP_AUTH_MAX_KEYS)
		return;
	a->keys[a->nkeys] = rv_xstrndup(k, n);
	rv_redact_add(a->keys[a->nkeys]);
	a->nkeys++;
}

void taskapp_auth_from_env(struct taskapp_auth *a)
{
	static const char *const names[] = { "ENVIRONMENT_API_KEY",
		"DEV_ENVIRONMENT_API_KEY", "dev_environment_api_key" };
	const char *aliases = getenv("ENVIRONMENT_API_KEY_ALIASES");

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		const char *k = getenv(names[i]);

		if (k && *k) {
			auth_add(a, k, strlen(k));
			break;
		}
	}
	while (aliases && *aliases) {
		size_t n = strcspn(aliases, ",");

		auth_add(a, aliases, n);
		aliases += n;
		if (*aliases == ',')
			aliases++;
	}
}

void taskapp_auth_release(struct taskapp_auth *a)
{
	for (size_t i = 0; i < a->nkeys; i++)
		free(a->keys[i]);
	memset(a, 0, sizeof(*a));
}

/* Compare without an early exit, so timing does not leak the key. */
static bool auth_equal(const char *key, const char *k, size_t n)
{
	size_t klen = strlen(key);
	unsigned char diff = klen != n;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(key[i < klen ? i : 0] ^ k[i]);
	return !diff;
}

static bool auth_match_one(const struct taskapp_auth *a, const char *k,
			   size_t n)
{
	while (n && (*k == ' ' || *k == '\t')) {
		k++;
		n--;
	}
	if (n >= 7 && !strncasecmp(k, "bearer ", 7)) {
		k += 7;
		n -= 7;
	}
	while (n && (*k == ' ' || *k == '\t')) {
		k++;
		n--;
	}
	while (n && (k[n - 1] == ' ' || k[n - 1] == '\t'))
		n--;
	if (!n)
		return false;
	for (size_t i = 0; i < a->nkeys; i++)
		if (auth_equal(a->keys[i], k, n))
			return true;
	return false;
}

static bool auth_match_list(const struct taskapp_auth *a, const char *v)
{
	while (v && *v) {
		size_t n = strcspn(v, ",");

		if (auth_match_one(a, v, n))
			return true;
		v += n;
		if (*v == ',')
			v++;
	}
	return false;
}

enum taskapp_auth_result taskapp_auth_check(const struct taskapp_auth *a,
					    const struct taskapp_auth_headers *h)
{
	if (!a->nkeys)
		return TASKAPP_AUTH_UNCONFIGURED;
	if (auth_match_list(a, h->x_api_key) ||
	    auth_match_list(a, h->x_api_keys) ||
	    auth_match_list(a, h->authorization))
		return TASKAPP_AUTH_OK;
	return TASKAPP_AUTH_DENIED;
}

void taskapp_auth_prefix(const struct taskapp_auth *a, char *out, size_t size)
{
	if (!a->nkeys)
		snprintf(out, size, "<unset>");
	else
		snprintf(out, size, "%.6s...", a->keys[0]);
}
