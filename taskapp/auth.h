/*
 * auth: the ENVIRONMENT_API_KEY check of every route but "/".
 *
 * Allowed keys come from ENVIRONMENT_API_KEY (or, when unset, from
 * DEV_ENVIRONMENT_API_KEY / dev_environment_api_key) plus the
 * comma-separated ENVIRONMENT_API_KEY_ALIASES; each is registered with
 * rv_redact.  A request presents candidates in X-API-Key, X-API-Keys and
 * Authorization; every value is split on ',', trimmed, and stripped of a
 * "Bearer " prefix.  Any candidate equal to any allowed key passes.
 */
#ifndef RUNEVAL_TASKAPP_AUTH_H
#define RUNEVAL_TASKAPP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define TASKAPP_AUTH_MAX_KEYS 16

struct taskapp_auth {
	char *keys[TASKAPP_AUTH_MAX_KEYS];	/* owned */
	size_t nkeys;
};

enum taskapp_auth_result {
	TASKAPP_AUTH_OK,
	TASKAPP_AUTH_UNCONFIGURED,	/* 503 missing_environment_api_key */
	TASKAPP_AUTH_DENIED,		/* 400 unauthorised */
};

/* What the request carried (NULL when a header is absent). */
struct taskapp_auth_headers {
	const char *x_api_key;
	const char *x_api_keys;
	const char *authorization;
};

/* Read the keys from the environment. */
void taskapp_auth_from_env(struct taskapp_auth *a);
void taskapp_auth_release(struct taskapp_auth *a);

enum taskapp_auth_result taskapp_auth_check(const struct taskapp_auth *a,
					    const struct taskapp_auth_headers *h);

/* The first key's first 6 characters and "...", or "<unset>"; for /health. */
void taskapp_auth_prefix(const struct taskapp_auth *a, char *out, size_t size);

#endif
